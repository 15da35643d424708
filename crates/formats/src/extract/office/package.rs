//! Zip packages (OOXML, OpenDocument), opened with their parts checked against the expansion
//! guards, and rewritten with a few parts replaced when a reader needs them tidied.

use std::collections::BTreeSet;
use std::io::{self, Read, Seek, Write};

use crate::extract::archive::Spool;
use crate::extract::ctx::{Ctx, ReadSeek};
use crate::format::Format;
use crate::reason::ReasonCode;

/// A part over this size is checked against the ratio of its use.
const RATIO_PART_FLOOR: u64 = 10 << 20;
/// Uncompressed / compressed size that only a bomb has, for a part a reader holds whole in
/// memory (shared strings, an ODS `content.xml`) or never reads (media).
const MAX_PART_RATIO: u64 = 100;

pub(super) type Package<'r> = zip::ZipArchive<&'r mut dyn ReadSeek>;

/// How a part of a package is read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum PartUse {
    /// Streamed in bounded memory: sheets of xlsx and xlsb, the XML parts of docx, pptx, odt
    /// and odp, document properties.
    Streamed,
    /// Held whole in memory by the reader (shared strings, workbook, styles, ODS content).
    Held,
    /// Never read (media, embedded objects, printer settings, macros).
    Unread,
}

fn part_use(format: Format, name: &str) -> PartUse {
    let lower = name.to_ascii_lowercase();
    let xml = lower.ends_with(".xml") || lower.ends_with(".rels");
    let sheets = matches!(format, Format::Xlsx | Format::Xlsb);
    if sheets && lower.starts_with("xl/worksheets/") && !lower.contains("/_rels/") {
        return PartUse::Streamed;
    }
    if lower.starts_with("docprops/") && xml {
        return PartUse::Streamed;
    }
    let documents = matches!(
        format,
        Format::Docx | Format::Pptx | Format::Odt | Format::Odp
    );
    if documents && xml && !lower.ends_with(".rels") {
        return PartUse::Streamed;
    }
    let top_bin = format == Format::Xlsb
        && lower
            .strip_prefix("xl/")
            .is_some_and(|rest| rest.ends_with(".bin") && !rest.contains('/'));
    if xml || top_bin {
        PartUse::Held
    } else {
        PartUse::Unread
    }
}

/// An opened package and the parts the expansion guard stopped (not to be read).
pub(super) struct Opened<'r> {
    pub(super) archive: Package<'r>,
    pub(super) stopped: BTreeSet<String>,
}

/// Records a reason about one part of the package (the part is the reason's member).
pub(super) fn part_reason(ctx: &mut Ctx<'_>, part: &str, code: ReasonCode, message: String) {
    ctx.member.push(part.to_string());
    ctx.reason(code, message);
    ctx.member.pop();
}

/// Opens a zip package and checks each part's declared sizes against the expansion guard.
///
/// The guard is applied per part. A part that a reader holds whole in memory stops the
/// package when it expands over [`MAX_PART_RATIO`] (the reader cannot do without it); a part
/// never read is reported and left alone. A streamed part (a sheet, a document's text) is
/// held to the ratio every decompressed stream is held to (`Limits::max_ratio`, 1000:1 by
/// default, which deflate reaches only on bomb-like input): text-heavy XML at 100:1 or more is
/// ordinary (a sheet of 57 MB of repeated strings compresses 120:1), spreadsheet readers open
/// such files, and a reader that streams it keeps memory bounded while the absolute limits
/// (bytes per member and per object, time) still stop a bomb. Such a part over its ratio is
/// skipped and named, the rest read: a document's part is passed over, a workbook's sheet is
/// hidden from the sheet reader (see `tidy`). `None` when the package is malformed or over a
/// limit (the reason is recorded).
pub(super) fn open_package<'r>(
    ctx: &mut Ctx<'_>,
    format: Format,
    r: &'r mut dyn ReadSeek,
) -> io::Result<Option<Opened<'r>>> {
    let mut archive = match zip::ZipArchive::new(r) {
        Ok(a) => a,
        Err(zip::result::ZipError::Io(e)) if e.kind() != io::ErrorKind::UnexpectedEof => {
            return Err(e)
        }
        Err(e) => {
            ctx.reason(ReasonCode::MalformedFile, format!("office package: {e}"));
            return Ok(None);
        }
    };
    let mut total = 0u64;
    let mut stopped = BTreeSet::new();
    for i in 0..archive.len() {
        let (name, size, compressed) = match archive.by_index_raw(i) {
            Ok(f) => (
                String::from_utf8_lossy(f.name_raw()).into_owned(),
                f.size(),
                f.compressed_size(),
            ),
            Err(e) => {
                ctx.reason(
                    ReasonCode::MalformedFile,
                    format!("office package entry {i}: {e}"),
                );
                continue;
            }
        };
        let used = part_use(format, &name);
        let max = match used {
            PartUse::Streamed => ctx.limits.max_ratio,
            PartUse::Held | PartUse::Unread => MAX_PART_RATIO,
        };
        if size > RATIO_PART_FLOOR && size / compressed.max(1) > max {
            let whole = used == PartUse::Held;
            let what = if whole {
                "the package was not expanded"
            } else {
                "the part was not read"
            };
            part_reason(
                ctx,
                &name,
                ReasonCode::OoxmlUncompressedRatioExceedsLimit,
                format!(
                    "part {name} expands from {compressed} to {size} bytes (over {max}:1); {what}"
                ),
            );
            if whole {
                return Ok(None);
            }
            stopped.insert(name);
            continue;
        }
        if used != PartUse::Unread {
            total = total.saturating_add(size);
        }
    }
    if let Some(part) = entity_declarations(ctx, &mut archive) {
        ctx.reason(
            ReasonCode::OoxmlUncompressedRatioExceedsLimit,
            format!("part {part} declares XML entities (an entity expansion bomb); the package was not expanded"),
        );
        return Ok(None);
    }
    if total > ctx.limits.max_member_bytes {
        let limit = ctx.limits.max_member_bytes;
        ctx.reason(
            ReasonCode::OoxmlUncompressedRatioExceedsLimit,
            format!(
                "parts expand to {total} bytes, over the {limit}-byte limit; the package was not expanded"
            ),
        );
        return Ok(None);
    }
    Ok(Some(Opened { archive, stopped }))
}

/// The first XML part whose document type declares entities (office parts never have a DTD).
fn entity_declarations(ctx: &mut Ctx<'_>, archive: &mut Package<'_>) -> Option<String> {
    const HEAD: u64 = 4096;
    for i in 0..archive.len() {
        let Ok(mut file) = archive.by_index(i) else {
            continue;
        };
        let name = String::from_utf8_lossy(file.name_raw()).into_owned();
        let lower = name.to_ascii_lowercase();
        if !(lower.ends_with(".xml") || lower.ends_with(".rels")) {
            continue;
        }
        let compressed = file.compressed_size();
        let mut head = Vec::new();
        let counted = crate::limits::Counting::new(
            &mut file,
            ctx.budget,
            ctx.limits,
            crate::limits::Compressed::Known(compressed),
        );
        if counted.take(HEAD).read_to_end(&mut head).is_err() {
            continue;
        }
        if let Some(at) = memchr::memmem::find(&head, b"<!DOCTYPE") {
            if memchr::memmem::find(&head[at..], b"<!ENTITY").is_some() {
                return Some(name);
            }
        }
    }
    None
}

/// Reads one part whole (for the small parts a fix-up rewrites: relationships, ODS
/// content); `None` when it is absent, unreadable or over `cap` bytes.
pub(super) fn read_part(
    ctx: &Ctx<'_>,
    archive: &mut Package<'_>,
    name: &str,
    cap: u64,
) -> Option<Vec<u8>> {
    let mut file = archive.by_name(name).ok()?;
    let compressed = file.compressed_size();
    let counted = crate::limits::Counting::new(
        &mut file,
        ctx.budget,
        ctx.limits,
        crate::limits::Compressed::Known(compressed),
    );
    let mut out = Vec::new();
    counted.take(cap + 1).read_to_end(&mut out).ok()?;
    (out.len() as u64 <= cap).then_some(out)
}

/// A copy of the package with the parts named in `replace` replaced (stored uncompressed);
/// the other parts are copied as they are, still compressed. In memory when the package is
/// small, else in a temporary file.
pub(super) fn rewritten(
    ctx: &Ctx<'_>,
    archive: &mut Package<'_>,
    replace: &[(String, Vec<u8>)],
) -> io::Result<Result<Spool, String>> {
    let in_memory = (0..archive.len())
        .filter_map(|i| archive.by_index_raw(i).ok().map(|f| f.compressed_size()))
        .fold(0u64, u64::saturating_add)
        <= ctx.limits.spool_in_memory;
    if in_memory {
        let w = io::Cursor::new(Vec::new());
        Ok(copy_into(archive, replace, w).map(|mut c| {
            c.set_position(0);
            Spool::Memory(c)
        }))
    } else {
        let f = tempfile::tempfile()?;
        match copy_into(archive, replace, f) {
            Ok(mut f) => {
                f.seek(io::SeekFrom::Start(0))?;
                Ok(Ok(Spool::File(f)))
            }
            Err(e) => Ok(Err(e)),
        }
    }
}

fn copy_into<W: Write + Seek>(
    archive: &mut Package<'_>,
    replace: &[(String, Vec<u8>)],
    w: W,
) -> Result<W, String> {
    let mut out = zip::ZipWriter::new(w);
    let fail = |e: zip::result::ZipError| e.to_string();
    for i in 0..archive.len() {
        let file = archive.by_index_raw(i).map_err(fail)?;
        let name = String::from_utf8_lossy(file.name_raw()).into_owned();
        if let Some((_, data)) = replace.iter().find(|(n, _)| *n == name) {
            drop(file);
            let opts = zip::write::SimpleFileOptions::default()
                .compression_method(zip::CompressionMethod::Stored)
                .large_file(data.len() as u64 >= u64::from(u32::MAX));
            out.start_file(name.as_str(), opts).map_err(fail)?;
            out.write_all(data).map_err(|e| e.to_string())?;
        } else {
            out.raw_copy_file(file).map_err(fail)?;
        }
    }
    out.finish().map_err(fail)
}
