//! Outlook messages (.msg, MS-OXMSG): an OLE compound file whose storages hold MAPI
//! properties, one `__substg1.0_PPPPTTTT` stream each (type 001F UTF-16LE, 001E 8-bit in the
//! message's code page, 0102 binary).
//!
//! The message is sent as running text located by line: `Subject:`, `From:`, `To:`, `Cc:`,
//! `Bcc:` lines (recipients' display names and addresses), a blank line, the body, then the
//! transport headers if stored. The body is the plain text one; without it, the compressed
//! RTF body (MS-OXRTFCP, decompressed by `compressed-rtf`, decoded by [`crate::extract::rtf`]);
//! without either, the HTML body is read as the member `body.html`. Attachments
//! (`__attach_version1.0_#N`) are members named by their file name, read with their own
//! extractor like e-mail attachments; an attached message (`__substg1.0_3701000D`) is read
//! the same way, one level down.

use std::io::{self, Read, Seek};

use super::bytes::{le16, le32};
use crate::extract::ctx::{unsupported, Ctx, Input};
use crate::extract::{rtf, text};
use crate::limits::{Compressed, Counting};
use crate::location::StreamPos;
use crate::reason::ReasonCode;

const PROPERTIES: &str = "__properties_version1.0";
const SUBSTG: &str = "__substg1.0_";

/// Whether the compound file's root holds a message's property streams.
pub(super) fn is_msg<F: Read + Seek>(cf: &cfb::CompoundFile<F>) -> bool {
    cf.is_stream(format!("/{PROPERTIES}"))
        && cf.read_root_storage().any(|e| e.name().starts_with(SUBSTG))
}

/// Reads the message at the root.
pub(super) fn msg<F: Read + Seek>(ctx: &mut Ctx<'_>, cf: &mut cfb::CompoundFile<F>) {
    Message { cf, attachments: 0 }.read(ctx, "", 32);
}

/// One storage's entries: (name, is a stream, length).
fn entries<F: Read + Seek>(cf: &cfb::CompoundFile<F>, dir: &str) -> Vec<(String, bool, u64)> {
    let path = if dir.is_empty() { "/" } else { dir };
    match cf.read_storage(path) {
        Ok(list) => list
            .map(|e| (e.name().to_string(), e.is_stream(), e.len()))
            .collect(),
        Err(_) => Vec::new(),
    }
}

struct Message<'f, F> {
    cf: &'f mut cfb::CompoundFile<F>,
    attachments: usize,
}

impl<F: Read + Seek> Message<'_, F> {
    /// Reads one stream whole, up to `cap` bytes.
    fn stream(&mut self, path: &str, cap: u64) -> Option<Vec<u8>> {
        let s = self.cf.open_stream(path).ok()?;
        let mut out = Vec::new();
        s.take(cap).read_to_end(&mut out).ok()?;
        Some(out)
    }

    /// A string property of the storage `dir`, in either string type.
    fn string(
        &mut self,
        ctx: &Ctx<'_>,
        dir: &str,
        id: u16,
        cp: &'static encoding_rs::Encoding,
    ) -> Option<String> {
        let cap = ctx.limits.spool_in_memory.max(1 << 20);
        let text = match self.stream(&format!("{dir}/{SUBSTG}{id:04X}001F"), cap) {
            Some(b) => encoding_rs::UTF_16LE
                .decode_without_bom_handling(&b)
                .0
                .into_owned(),
            None => {
                let b = self.stream(&format!("{dir}/{SUBSTG}{id:04X}001E"), cap)?;
                cp.decode_without_bom_handling(&b).0.into_owned()
            }
        };
        let text = text.split('\0').next().unwrap_or("").trim();
        (!text.is_empty()).then(|| text.to_string())
    }

    /// The fixed-size property `id` (a 32-bit value) in the storage's properties stream,
    /// whose header is `header` bytes.
    fn fixed(&mut self, dir: &str, header: usize, id: u16) -> Option<u32> {
        let props = self.stream(&format!("{dir}/{PROPERTIES}"), 1 << 20)?;
        let mut at = header;
        while let (Some(_typ), Some(pid)) = (le16(&props, at), le16(&props, at + 2)) {
            if pid == id {
                return le32(&props, at + 8);
            }
            at += 16;
        }
        None
    }

    fn read(&mut self, ctx: &mut Ctx<'_>, dir: &str, header: usize) {
        let cp = self
            .fixed(dir, header, 0x3FFD)
            .or_else(|| self.fixed(dir, header, 0x3FDE))
            .and_then(|c| rtf::codepage(i64::from(c)))
            .unwrap_or(encoding_rs::WINDOWS_1252);
        let list = entries(self.cf, dir);
        let mut out = String::new();
        if let Some(s) = self.string(ctx, dir, 0x0037, cp) {
            out.push_str(&format!("Subject: {}\n", one_line(&s)));
        }
        let sender = [0x0C1A, 0x0042]
            .into_iter()
            .find_map(|id| self.string(ctx, dir, id, cp));
        let address = [0x5D01, 0x0C1F, 0x0065]
            .into_iter()
            .find_map(|id| self.string(ctx, dir, id, cp));
        if sender.is_some() || address.is_some() {
            out.push_str(&format!("From: {}\n", person(sender, address)));
        }
        self.recipients(ctx, dir, &list, cp, &mut out);
        out.push('\n');
        let body = self.string(ctx, dir, 0x1000, cp);
        let mut html = None;
        match body {
            Some(b) => out.push_str(&b),
            None => match self.rtf_body(ctx, dir) {
                Some(b) => out.push_str(&b),
                None => html = self.html_body(ctx, dir, cp),
            },
        }
        if let Some(h) = self.string(ctx, dir, 0x007D, cp) {
            out.push_str("\n\n");
            out.push_str(&h);
        }
        out.push('\n');
        if let Err(e) = text::stream(
            out.as_bytes(),
            StreamPos::start(),
            ctx.limits,
            &ctx.member,
            ctx.sink,
        ) {
            ctx.io_failure(&e);
        }
        if let Some(h) = html {
            self.member_bytes(ctx, "body.html", h);
        }
        for (name, is_stream, _) in &list {
            if !is_stream && name.starts_with("__attach_version1.0_#") {
                if ctx.exhausted() {
                    break;
                }
                self.attachment(ctx, &format!("{dir}/{name}"), cp);
            }
        }
    }

    /// `To:`, `Cc:`, `Bcc:` lines from the recipient storages (else the display properties).
    fn recipients(
        &mut self,
        ctx: &Ctx<'_>,
        dir: &str,
        list: &[(String, bool, u64)],
        cp: &'static encoding_rs::Encoding,
        out: &mut String,
    ) {
        let mut kinds: [Vec<String>; 3] = Default::default();
        for (name, is_stream, _) in list {
            if *is_stream || !name.starts_with("__recip_version1.0_#") {
                continue;
            }
            let r = format!("{dir}/{name}");
            let kind = self.fixed(&r, 8, 0x0C15).unwrap_or(1);
            let display = self.string(ctx, &r, 0x3001, cp);
            let address = [0x39FE, 0x3003]
                .into_iter()
                .find_map(|id| self.string(ctx, &r, id, cp));
            let slot = match kind {
                2 => 1,
                3 => 2,
                _ => 0,
            };
            if display.is_some() || address.is_some() {
                kinds[slot].push(person(display, address));
            }
        }
        for (slot, (label, display)) in [("To", 0x0E04), ("Cc", 0x0E03), ("Bcc", 0x0E02)]
            .into_iter()
            .enumerate()
        {
            let line = if kinds[slot].is_empty() {
                self.string(ctx, dir, display, cp).map(|s| one_line(&s))
            } else {
                Some(kinds[slot].join("; "))
            };
            if let Some(l) = line {
                out.push_str(&format!("{label}: {l}\n"));
            }
        }
    }

    /// The compressed RTF body, decompressed and decoded to text.
    fn rtf_body(&mut self, ctx: &mut Ctx<'_>, dir: &str) -> Option<String> {
        let cap = ctx.limits.spool_in_memory.max(1 << 20);
        let data = self.stream(&format!("{dir}/{SUBSTG}10090102"), cap)?;
        let rtf = match decompress_rtf(ctx, &data) {
            Ok(r) => r,
            Err(problem) => {
                ctx.reason(
                    ReasonCode::MalformedFile,
                    format!("msg: compressed RTF body: {problem}; not read"),
                );
                return None;
            }
        };
        let decoded = rtf::decode(&rtf);
        if let Some(f) = decoded.fault {
            ctx.reason(ReasonCode::MalformedFile, format!("msg: RTF body: {f}"));
        }
        Some(decoded.text)
    }

    /// The HTML body's bytes (binary or string property).
    fn html_body(
        &mut self,
        ctx: &Ctx<'_>,
        dir: &str,
        cp: &'static encoding_rs::Encoding,
    ) -> Option<Vec<u8>> {
        let cap = ctx.limits.spool_in_memory.max(1 << 20);
        self.stream(&format!("{dir}/{SUBSTG}10130102"), cap)
            .or_else(|| self.string(ctx, dir, 0x1013, cp).map(String::into_bytes))
    }

    /// Reads `bytes` as a member called `name`.
    fn member_bytes(&mut self, ctx: &mut Ctx<'_>, name: &str, bytes: Vec<u8>) {
        if !ctx.budget.add_member(ctx.limits) {
            too_many(ctx);
            return;
        }
        let len = bytes.len() as u64;
        ctx.enter(name, |ctx| {
            let mut cursor = io::Cursor::new(bytes);
            let mut counted =
                Counting::new(&mut cursor, ctx.budget, ctx.limits, Compressed::Unknown);
            ctx.content(Input::Stream(&mut counted), name, Some(len));
        });
    }

    fn attachment(&mut self, ctx: &mut Ctx<'_>, dir: &str, cp: &'static encoding_rs::Encoding) {
        self.attachments += 1;
        let name = [0x3707, 0x3704, 0x3001]
            .into_iter()
            .find_map(|id| self.string(ctx, dir, id, cp))
            .map(|n| n.rsplit(['/', '\\']).next().unwrap_or(&n).to_string())
            .unwrap_or_else(|| format!("attachment_{}", self.attachments));
        let embedded = format!("{dir}/{SUBSTG}3701000D");
        if self.cf.is_storage(&embedded) {
            if !self.cf.is_stream(format!("{embedded}/{PROPERTIES}")) {
                // An embedded OLE object (a document inserted as an object), not a message.
                ctx.enter(&name, |ctx| {
                    unsupported(ctx, "embedded OLE object in a message; not read")
                });
                return;
            }
            if !ctx.budget.add_member(ctx.limits) {
                return too_many(ctx);
            }
            let name = if name.to_ascii_lowercase().ends_with(".msg") {
                name
            } else {
                format!("{name}.msg")
            };
            ctx.enter(&name, |ctx| self.read(ctx, &embedded, 24));
            return;
        }
        let data = format!("{dir}/{SUBSTG}37010102");
        let Ok(entry) = self.cf.entry(&data) else {
            return;
        };
        if !entry.is_stream() {
            return;
        }
        let declared = entry.len();
        if declared > ctx.limits.max_member_bytes {
            let limit = ctx.limits.max_member_bytes;
            ctx.enter(&name, |ctx| {
                ctx.reason(
                    ReasonCode::ArchiveTotalBytesExtractedOverLimit,
                    format!("declared size {declared} bytes is over the {limit}-byte member limit; not read"),
                )
            });
            return;
        }
        if !ctx.budget.add_member(ctx.limits) {
            return too_many(ctx);
        }
        let Ok(stream) = self.cf.open_stream(&data) else {
            return;
        };
        ctx.enter(&name, |ctx| {
            let mut counted = Counting::new(stream, ctx.budget, ctx.limits, Compressed::Unknown);
            ctx.content(Input::Stream(&mut counted), &name, Some(declared));
        });
    }
}

fn too_many(ctx: &mut Ctx<'_>) {
    let n = ctx.limits.max_members;
    ctx.reason(
        ReasonCode::ArchiveTotalDocumentsProcessedOverLimit,
        format!("more than {n} members; the rest were not read"),
    );
}

fn one_line(s: &str) -> String {
    s.replace(['\r', '\n'], " ")
}

/// `Name <address>`, or whichever of the two is known.
fn person(name: Option<String>, address: Option<String>) -> String {
    match (name, address) {
        (Some(n), Some(a)) if n != a => format!("{} <{}>", one_line(&n), one_line(&a)),
        (Some(n), _) => one_line(&n),
        (None, Some(a)) => one_line(&a),
        (None, None) => String::new(),
    }
}

/// Largest decompressed RTF body read (a forged header could declare 4 GiB).
const MAX_RTF: usize = 64 << 20;

/// Decompresses a `PR_RTF_COMPRESSED` stream: its header is checked here first (the crate
/// indexes the data by its header's sizes and reserves the declared size), the LZFu data is
/// decompressed by `compressed-rtf` behind the panic guard.
fn decompress_rtf(ctx: &mut Ctx<'_>, data: &[u8]) -> Result<Vec<u8>, String> {
    let (Some(comp), Some(raw), Some(kind)) = (le32(data, 0), le32(data, 4), le32(data, 8)) else {
        return Err("header truncated".into());
    };
    let raw = raw as usize;
    if data.len() < 16 || comp as usize + 4 != data.len() {
        return Err(format!(
            "header declares {} bytes, the stream holds {}",
            u64::from(comp) + 4,
            data.len()
        ));
    }
    if raw > MAX_RTF {
        return Err(format!("declares {raw} bytes of RTF, over {MAX_RTF}"));
    }
    match kind {
        // "MELA": stored uncompressed.
        0x414C_454D => Ok(data[16..].get(..raw).unwrap_or(&data[16..]).to_vec()),
        // "LZFu".
        0x7546_5A4C => {
            let result = ctx.guarded("compressed-rtf", || compressed_rtf::decompress_rtf(data));
            match result {
                Some(Ok(s)) => Ok(s
                    .chars()
                    .map(|c| u8::try_from(u32::from(c)).unwrap_or(b'?'))
                    .collect()),
                Some(Err(compressed_rtf::Error::CompressedCrcMismatch(_))) => {
                    Err("CRC mismatch".into())
                }
                Some(Err(_)) => Err("corrupt LZFu data".into()),
                None => Err(format!("the decompressor failed ({})", ctx.last_panic())),
            }
        }
        other => Err(format!("unknown compression type 0x{other:08X}")),
    }
}
