//! PowerPoint 97-2003 (ppt): the text atoms of the `PowerPoint Document` stream (MS-PPT),
//! in stream order, one atom per line (its paragraph and line breaks kept): TextCharsAtom
//! (UTF-16LE), TextBytesAtom (8-bit) and CString (UTF-16LE) records, in slides, notes,
//! masters and the slide lists. Records are walked with every length checked against its
//! container; a presentation with a CryptSession10Container (or an `EncryptedSummary`
//! stream) is password-protected.

use std::io::{self, Read, Seek};

use super::bytes::{le16, le32, read_stream};
use crate::extract::ctx::Ctx;
use crate::extract::text;
use crate::location::StreamPos;
use crate::reason::ReasonCode;

/// Containers nested deeper than this are not entered.
const MAX_DEPTH: usize = 64;

const TEXT_CHARS_ATOM: u16 = 0x0FA0;
const TEXT_BYTES_ATOM: u16 = 0x0FA8;
const CSTRING: u16 = 0x0FBA;
const CRYPT_SESSION: u16 = 0x2F14;
const SLIDE: u16 = 0x03EE;
const NOTES: u16 = 0x03F0;
const SLIDE_PERSIST_ATOM: u16 = 0x03F3;

pub(super) fn ppt<F: Read + Seek>(
    ctx: &mut Ctx<'_>,
    cf: &mut cfb::CompoundFile<F>,
    cap: u64,
) -> io::Result<()> {
    if cf.is_stream("EncryptedSummary") {
        return encrypted(ctx);
    }
    let stream = match read_stream(cf, "PowerPoint Document", cap) {
        Ok(s) => s,
        Err(e) => {
            ctx.reason(
                ReasonCode::MalformedFile,
                format!("ppt: PowerPoint Document stream unreadable: {e}"),
            );
            return Ok(());
        }
    };
    let mut walk = Walk::default();
    walk.records(&stream, 0);
    if walk.encrypted {
        return encrypted(ctx);
    }
    if let Some(f) = walk.fault {
        ctx.reason(ReasonCode::MalformedFile, format!("ppt: {f}"));
    }
    if let Err(e) = text::stream(
        walk.out.as_bytes(),
        StreamPos::start(),
        ctx.limits,
        &ctx.member,
        ctx.sink,
    ) {
        ctx.io_failure(&e);
    }
    Ok(())
}

fn encrypted(ctx: &mut Ctx<'_>) -> io::Result<()> {
    ctx.reason(
        ReasonCode::EncryptedContent,
        "password-protected PowerPoint presentation (RC4 CryptoAPI encryption); not read",
    );
    Ok(())
}

#[derive(Default)]
struct Walk {
    out: String,
    encrypted: bool,
    fault: Option<String>,
}

impl Walk {
    fn records(&mut self, data: &[u8], depth: usize) {
        let mut at = 0usize;
        while let (Some(ver_inst), Some(typ), Some(len)) =
            (le16(data, at), le16(data, at + 2), le32(data, at + 4))
        {
            let start = at + 8;
            let end = start.saturating_add(len as usize);
            let body = match data.get(start..end) {
                Some(b) => b,
                None => {
                    if self.fault.is_none() {
                        self.fault = Some(format!(
                            "a record of {len} bytes runs past the {} bytes of its container",
                            data.len()
                        ));
                    }
                    &data[start.min(data.len())..]
                }
            };
            at = end;
            if typ == CRYPT_SESSION {
                self.encrypted = true;
                return;
            }
            if ver_inst & 0x000F == 0x000F {
                if matches!(typ, SLIDE | NOTES) && !self.out.is_empty() {
                    self.out.push('\n');
                }
                if depth < MAX_DEPTH {
                    self.records(body, depth + 1);
                }
                continue;
            }
            match typ {
                TEXT_CHARS_ATOM | CSTRING => {
                    let (s, _) = encoding_rs::UTF_16LE.decode_without_bom_handling(body);
                    // Programmable tags' names (`___PPT10`, ...) are not the document's text.
                    if !(typ == CSTRING && s.starts_with("___PPT")) {
                        self.line(&s);
                    }
                }
                TEXT_BYTES_ATOM => {
                    let (s, _) = encoding_rs::WINDOWS_1252.decode_without_bom_handling(body);
                    self.line(&s);
                }
                SLIDE_PERSIST_ATOM if !self.out.is_empty() => self.out.push('\n'),
                _ => {}
            }
        }
    }

    /// One atom's text as a line: its paragraph (`\r`) and line (`\v`) breaks become line
    /// breaks, other controls are dropped.
    fn line(&mut self, s: &str) {
        let s = s.trim_end_matches('\0');
        if s.trim().is_empty() {
            return;
        }
        for c in s.chars() {
            match c {
                '\r' | '\u{b}' | '\n' => self.out.push('\n'),
                '\t' => self.out.push('\t'),
                c if (c as u32) < 0x20 => {}
                c => self.out.push(c),
            }
        }
        self.out.push('\n');
    }
}
