//! OLE compound files: xls (checked before `calamine` reads it), doc, ppt, Outlook messages,
//! and encrypted OOXML.

use std::io::{self, SeekFrom};

use super::bytes::{le16, le32, read_stream};
use super::compound::Compound;
use super::{msg, ppt, sheets, summary, word97};
use crate::extract::ctx::{unsupported, Ctx, ReadSeek};
use crate::format::Format;
use crate::reason::ReasonCode;

pub(super) fn ole(ctx: &mut Ctx<'_>, format: Format, r: &mut dyn ReadSeek) -> io::Result<()> {
    let compound = Compound::read(r)?;
    r.seek(SeekFrom::Start(0))?;
    let mut cf = match cfb::CompoundFile::open(&mut *r) {
        Ok(c) => c,
        Err(e) => {
            // A writer's slip that cfb refuses (a FAT padded with end-of-chain marks) must
            // not hide that the file is an encrypted package.
            let encrypted = compound.as_ref().is_some_and(|c| {
                c.has_stream("EncryptionInfo") || c.has_stream("EncryptedPackage")
            });
            if encrypted {
                ctx.reason(
                    ReasonCode::EncryptedContent,
                    "password-protected Office Open XML package; not read",
                );
            } else {
                ctx.reason(
                    ReasonCode::MalformedFile,
                    format!("{}: not a readable OLE compound file: {e}", format.name()),
                );
            }
            return Ok(());
        }
    };
    if let Some(problem) = compound.as_ref().and_then(Compound::shared_sector) {
        ctx.reason(
            ReasonCode::MalformedFile,
            format!(
                "{}: corrupt compound file directory or FAT ({problem}); what could be read was read",
                format.name()
            ),
        );
    }
    let cap = ctx.limits.max_member_bytes;
    if cf.is_stream("EncryptionInfo") || cf.is_stream("EncryptedPackage") {
        let info = read_stream(&mut cf, "EncryptionInfo", 8).unwrap_or_default();
        let kind = match (le16(&info, 0), le16(&info, 2)) {
            (Some(4), Some(4)) => "Agile encryption",
            (Some(2..=4), Some(2)) => "Standard encryption",
            (Some(3 | 4), Some(3)) => "Extensible encryption",
            _ => "encryption of an unknown version",
        };
        ctx.reason(
            ReasonCode::EncryptedContent,
            format!("password-protected Office Open XML package ({kind}); not read"),
        );
        return Ok(());
    }
    if msg::is_msg(&cf) {
        msg::msg(ctx, &mut cf);
        ctx.found_format = Some(Format::Msg);
        return Ok(());
    }
    if cf.is_stream("WordDocument") {
        let done = word97::word97(ctx, &mut cf, cap);
        if !ctx
            .reasons
            .iter()
            .any(|r| r.code == ReasonCode::EncryptedContent)
        {
            summary::summary(ctx, &mut cf);
        }
        return done;
    }
    let book = ["Workbook", "Book"].into_iter().find(|s| cf.is_stream(s));
    if let Some(book) = book {
        match read_stream(&mut cf, book, cap) {
            Ok(stream) => {
                if let Some(kind) = xls_filepass(&stream) {
                    ctx.reason(
                        ReasonCode::EncryptedContent,
                        format!("password-protected xls workbook ({kind}); not read"),
                    );
                    return Ok(());
                }
                if let Some(problem) =
                    xls_dimensions_problem(&stream).or_else(|| xls_cells_problem(&stream))
                {
                    ctx.reason(ReasonCode::MalformedFile, format!("xls: {problem}"));
                    return Ok(());
                }
            }
            Err(e) => {
                ctx.reason(
                    ReasonCode::MalformedFile,
                    format!("xls: workbook stream unreadable: {e}"),
                );
                return Ok(());
            }
        }
        summary::summary(ctx, &mut cf);
        drop(cf);
        r.seek(SeekFrom::Start(0))?;
        let size = r.seek(SeekFrom::End(0))?;
        r.seek(SeekFrom::Start(0))?;
        return sheets::workbook(ctx, Format::Xls, r, size);
    }
    if cf.is_stream("PowerPoint Document") {
        ppt::ppt(ctx, &mut cf, cap)?;
        ctx.found_format = Some(Format::Ppt);
    } else {
        unsupported(ctx, "OLE compound file of no supported kind");
    }
    Ok(())
}

/// The kind of encryption a FILEPASS record in the workbook globals declares, if any.
fn xls_filepass(stream: &[u8]) -> Option<&'static str> {
    for (i, (typ, data)) in biff_records(stream).enumerate() {
        match typ {
            0x002F => {
                if data.len() == 4 {
                    return Some("XOR obfuscation");
                }
                return Some(match (le16(data, 0), le16(data, 2)) {
                    (Some(0), _) => "XOR obfuscation",
                    (Some(1), Some(1)) => "RC4 encryption",
                    (Some(1), _) => "RC4 CryptoAPI encryption",
                    _ => "encryption",
                });
            }
            0x000A if i > 0 => return None,
            _ => {}
        }
    }
    None
}

/// The BIFF records of an xls workbook stream, as (type, data), up to the first one that
/// runs past the end.
fn biff_records(stream: &[u8]) -> impl Iterator<Item = (u16, &[u8])> {
    let mut at = 0usize;
    std::iter::from_fn(move || {
        let (typ, len) = (le16(stream, at)?, usize::from(le16(stream, at + 2)?));
        let data = stream.get(at + 4..at + 4 + len)?;
        at += 4 + len;
        Some((typ, data))
    })
}

/// A sheet whose cell records span more cells than a sheet can hold (a forged row or column
/// of 65,535): calamine builds each sheet's grid from its cells' extent, so the allocation
/// would ask for gigabytes and abort the process (no panic to catch). Cell records: NUMBER,
/// RK, MULRK, LABELSST, LABEL, BOOLERR, FORMULA, BLANK, MULBLANK; a BOF starts a sheet.
fn xls_cells_problem(stream: &[u8]) -> Option<String> {
    let mut bbox: Option<(u32, u32, u32, u32)> = None;
    let too_big = |b: Option<(u32, u32, u32, u32)>| {
        b.filter(|(r0, r1, c0, c1)| u64::from(r1 - r0 + 1) * u64::from(c1 - c0 + 1) > XLS_MAX_CELLS)
    };
    for (typ, data) in biff_records(stream) {
        if typ == 0x0809 {
            if let Some((r0, r1, c0, c1)) = too_big(bbox) {
                return Some(format!(
                    "a sheet's cells span rows {r0}-{r1} and columns {c0}-{c1}, more than a \
                     sheet holds; not read"
                ));
            }
            bbox = None;
            continue;
        }
        let (Some(row), Some(first)) = (le16(data, 0), le16(data, 2)) else {
            continue;
        };
        let last = match typ {
            0x0203 | 0x027E | 0x00FD | 0x0204 | 0x0205 | 0x0006 | 0x0201 => first,
            // MULRK and MULBLANK end with the last column.
            0x00BD | 0x00BE if data.len() >= 6 => le16(data, data.len() - 2).unwrap_or(first),
            _ => continue,
        };
        let (row, first, last) = (u32::from(row), u32::from(first), u32::from(last.max(first)));
        bbox = Some(match bbox {
            None => (row, row, first, last),
            Some((r0, r1, c0, c1)) => (r0.min(row), r1.max(row), c0.min(first), c1.max(last)),
        });
    }
    too_big(bbox).map(|(r0, r1, c0, c1)| {
        format!(
            "a sheet's cells span rows {r0}-{r1} and columns {c0}-{c1}, more than a sheet \
             holds; not read"
        )
    })
}

/// The most cells a BIFF8 sheet can have (65,536 rows of 256 columns).
const XLS_MAX_CELLS: u64 = 65_536 * 256;

/// A sheet's DIMENSIONS record that declares more cells than a sheet can hold. calamine
/// reserves room for every declared cell before reading a sheet, so a corrupted record asks
/// for hundreds of gigabytes and the allocation aborts the process (no panic to catch): the
/// records are checked here first, computing the size as calamine 0.38 does.
fn xls_dimensions_problem(stream: &[u8]) -> Option<String> {
    for (typ, data) in biff_records(stream) {
        if typ != 0x0200 {
            continue;
        }
        let u16_at = |i: usize| le16(data, i).map(u32::from);
        let dims = match data.len() {
            10 => (u16_at(0), u16_at(2), u16_at(4), u16_at(6)),
            14 | 16 => (le32(data, 0), le32(data, 4), u16_at(8), u16_at(10)),
            _ => continue,
        };
        let (Some(rf), Some(rl), Some(mut cf), Some(cl)) = dims else {
            continue;
        };
        if cf > 0xff || cl < cf {
            cf = 0;
        }
        let (rows, cols) = if rl >= 1 && cl >= 1 {
            (
                (rl - 1).wrapping_sub(rf).wrapping_add(1),
                (cl - 1).wrapping_sub(cf).wrapping_add(1),
            )
        } else {
            (1, 1)
        };
        if u64::from(rows) * u64::from(cols) > XLS_MAX_CELLS {
            return Some(format!(
                "a sheet's DIMENSIONS record declares {rows} rows by {cols} columns, \
                 more than a sheet holds; not read"
            ));
        }
    }
    None
}
