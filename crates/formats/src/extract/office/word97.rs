//! Word 97-2003 (doc): the text of the piece table, as running text with one paragraph per
//! line.

use std::io::{self, Read, Seek};

use super::bytes::{le16, le32, read_stream};
use crate::extract::ctx::{unsupported, Ctx};
use crate::extract::text;
use crate::location::StreamPos;
use crate::reason::ReasonCode;

pub(super) fn word97<F: Read + Seek>(
    ctx: &mut Ctx<'_>,
    cf: &mut cfb::CompoundFile<F>,
    cap: u64,
) -> io::Result<()> {
    let wd = match read_stream(cf, "WordDocument", cap) {
        Ok(s) => s,
        Err(e) => {
            ctx.reason(
                ReasonCode::MalformedFile,
                format!("doc: WordDocument stream unreadable: {e}"),
            );
            return Ok(());
        }
    };
    let (Some(ident), Some(nfib), Some(flags)) = (le16(&wd, 0), le16(&wd, 2), le16(&wd, 0x0A))
    else {
        ctx.reason(ReasonCode::MalformedFile, "doc: FIB truncated");
        return Ok(());
    };
    let table_name = if flags & 0x0200 != 0 {
        "1Table"
    } else {
        "0Table"
    };
    if flags & 0x0100 != 0 {
        let kind = if flags & 0x8000 != 0 {
            "XOR obfuscation"
        } else {
            let head = read_stream(cf, table_name, 4).unwrap_or_default();
            match (le16(&head, 0), le16(&head, 2)) {
                (Some(1), Some(1)) => "RC4 encryption",
                (Some(2..=4), Some(2)) => "RC4 CryptoAPI encryption",
                _ => "encryption",
            }
        };
        ctx.reason(
            ReasonCode::EncryptedContent,
            format!("password-protected Word document ({kind}); not read"),
        );
        return Ok(());
    }
    if ident != 0xA5EC || nfib < 0x00C0 {
        unsupported(
            ctx,
            &format!("Word document older than Word 97 (nFib {nfib}); not read"),
        );
        return Ok(());
    }
    let Some((fc_clx, lcb_clx)) = clx_location(&wd) else {
        ctx.reason(ReasonCode::MalformedFile, "doc: FIB truncated");
        return Ok(());
    };
    let table = match read_stream(cf, table_name, cap) {
        Ok(s) => s,
        Err(e) => {
            ctx.reason(
                ReasonCode::MalformedFile,
                format!("doc: {table_name} stream unreadable: {e}"),
            );
            return Ok(());
        }
    };
    let clx = fc_clx
        .checked_add(lcb_clx)
        .and_then(|end| table.get(fc_clx..end));
    let Some(clx) = clx else {
        ctx.reason(
            ReasonCode::MalformedFile,
            "doc: piece table lies outside the table stream",
        );
        return Ok(());
    };
    let (text, fault, last_cp) = piece_text(&wd, clx);
    if let Some(f) = fault {
        ctx.reason(ReasonCode::MalformedFile, format!("doc: {f}"));
    } else if let Some(declared) = declared_cps(&wd) {
        if declared != last_cp {
            ctx.reason(
                ReasonCode::MalformedFile,
                format!("doc: the piece table holds {last_cp} characters but the FIB declares {declared}"),
            );
        }
    }
    let text = paragraphs_of_doc(&text);
    if let Err(e) = text::stream(
        io::Cursor::new(text.as_bytes()),
        StreamPos::start(),
        ctx.limits,
        &ctx.member,
        ctx.sink,
    ) {
        ctx.io_failure(&e);
    }
    Ok(())
}

/// The characters the FIB declares for the main text and the other stories.
fn declared_cps(wd: &[u8]) -> Option<u64> {
    let csw = le16(wd, 32)? as usize;
    let lw = 34 + csw * 2 + 2;
    let text = u64::from(le32(wd, lw + 12)?);
    let mut others = 0u64;
    for off in [16, 20, 28, 32, 36, 40] {
        others += u64::from(le32(wd, lw + off)?);
    }
    Some(if others == 0 { text } else { text + others + 1 })
}

/// `fcClx` and `lcbClx` from the FIB.
fn clx_location(wd: &[u8]) -> Option<(usize, usize)> {
    let csw = le16(wd, 32)? as usize;
    let at = 34 + csw * 2;
    let cslw = le16(wd, at)? as usize;
    let at = at + 2 + cslw * 4;
    let cb = le16(wd, at)? as usize;
    if cb < 34 {
        return None;
    }
    let blob = at + 2;
    let fc = le32(wd, blob + 33 * 8)? as usize;
    let lcb = le32(wd, blob + 33 * 8 + 4)? as usize;
    Some((fc, lcb))
}

/// The document's characters in CP order, from the pieces of the CLX; with what was wrong.
fn piece_text(wd: &[u8], clx: &[u8]) -> (String, Option<String>, u64) {
    let mut i = 0usize;
    let plc = loop {
        match clx.get(i) {
            Some(1) => {
                let Some(cb) = le16(clx, i + 1) else {
                    return (String::new(), Some("truncated CLX".into()), 0);
                };
                i += 3 + cb as usize;
            }
            Some(2) => {
                let Some(lcb) = le32(clx, i + 1) else {
                    return (String::new(), Some("truncated CLX".into()), 0);
                };
                let start = i + 5;
                let end = start.saturating_add(lcb as usize).min(clx.len());
                break &clx[start..end.max(start)];
            }
            _ => return (String::new(), Some("no piece table in the CLX".into()), 0),
        }
    };
    if plc.len() < 4 {
        return (String::new(), Some("empty piece table".into()), 0);
    }
    let n = (plc.len() - 4) / 12;
    let mut out = String::new();
    let mut fault = None;
    let last_cp = le32(plc, n * 4).map_or(0, u64::from);
    for k in 0..n {
        let (Some(cp0), Some(cp1), Some(fc)) = (
            le32(plc, k * 4),
            le32(plc, (k + 1) * 4),
            le32(plc, (n + 1) * 4 + k * 8 + 2),
        ) else {
            break;
        };
        let Some(count) = cp1.checked_sub(cp0) else {
            fault = Some("piece table CPs out of order".to_string());
            break;
        };
        let count = count as usize;
        let compressed = fc & 0x4000_0000 != 0;
        let fc = (fc & 0x3FFF_FFFF) as usize;
        let (start, len) = if compressed {
            (fc / 2, count)
        } else {
            (fc, count.saturating_mul(2))
        };
        let end = start.saturating_add(len);
        let bytes = match wd.get(start..end) {
            Some(b) => b,
            None => {
                fault = Some("a text piece lies outside the WordDocument stream".into());
                wd.get(start..).unwrap_or_default()
            }
        };
        if compressed {
            let (s, _) = encoding_rs::WINDOWS_1252.decode_without_bom_handling(bytes);
            out.push_str(&s);
        } else {
            let (s, _) = encoding_rs::UTF_16LE.decode_without_bom_handling(bytes);
            out.push_str(&s);
        }
        if fault.is_some() {
            break;
        }
    }
    (out, fault, last_cp)
}

/// Word's special characters to plain paragraphs: `\r` and cell marks end paragraphs, field
/// codes are dropped (their results kept), other controls removed.
fn paragraphs_of_doc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    // One entry per open field: whether its code (not yet its result) is being read.
    let mut fields: Vec<bool> = Vec::new();
    for c in text.chars() {
        match c {
            '\u{13}' => {
                fields.push(true);
                continue;
            }
            '\u{14}' => {
                if let Some(f) = fields.last_mut() {
                    *f = false;
                }
                continue;
            }
            '\u{15}' => {
                fields.pop();
                continue;
            }
            _ => {}
        }
        if fields.iter().any(|in_code| *in_code) {
            continue;
        }
        match c {
            '\r' | '\u{7}' | '\u{c}' => out.push('\n'),
            '\u{b}' => out.push(' '),
            '\t' => out.push('\t'),
            '\u{1e}' => out.push('-'),
            c if (c as u32) < 0x20 => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doc_specials() {
        assert_eq!(
            paragraphs_of_doc("a\rb\u{7}c\u{13} HYPERLINK x \u{14}link\u{15}\r"),
            "a\nb\nclink\n"
        );
    }
}
