//! XML and HTML.
//!
//! The content is tokenised with `quick-xml` (leniently for HTML). Every token's raw bytes are
//! turned into running text: text nodes with entities decoded, tag and attribute names with
//! their values (markup punctuation becomes spaces), CDATA, comments, processing instructions
//! and the DTD. Newlines are kept one for one, so `line` is the line in the original file
//! (offsets and columns are in the extracted text). HTML `script` and `style` content is kept
//! raw. Custom DTD entities are expanded only within a budget, so entity bombs (billion
//! laughs, quadratic blowup, parameter entities) are reported, not expanded. Content after
//! a syntax error, or in a token too large to hold, is scanned as raw text so nothing is lost.

mod entities;
mod sniff;

use std::cell::Cell;
use std::io::{self, BufRead, Read};
use std::rc::Rc;

use quick_xml::events::Event;

use entities::{unescape_into, Entities};
use sniff::skip_ws;
pub(crate) use sniff::sniff;

use super::ctx::{unsupported, Chunk, Content, Ctx, TextSink, LOOKBEHIND, OVERLAP_AHEAD};
use crate::format::{Format, TextEncoding};
use crate::location::{Locator, StreamPos};
use crate::reason::ReasonCode;

/// Decodes a byte stream to UTF-8 (invalid sequences replaced), noting whether any were.
struct Decode<R> {
    inner: R,
    decoder: encoding_rs::Decoder,
    input: Box<[u8]>,
    at: usize,
    len: usize,
    eof: bool,
    done: bool,
    had_errors: Rc<Cell<bool>>,
}

impl<R: Read> Read for Decode<R> {
    fn read(&mut self, dst: &mut [u8]) -> io::Result<usize> {
        if dst.len() < 16 {
            return Err(io::Error::other("decode buffer too small"));
        }
        loop {
            if self.done {
                return Ok(0);
            }
            if self.at == self.len && !self.eof {
                self.at = 0;
                self.len = 0;
                let n = loop {
                    match self.inner.read(&mut self.input) {
                        Ok(n) => break n,
                        Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                        Err(e) => return Err(e),
                    }
                };
                self.len = n;
                self.eof = n == 0;
            }
            let (result, read, written, errors) =
                self.decoder
                    .decode_to_utf8(&self.input[self.at..self.len], dst, self.eof);
            self.at += read;
            if errors {
                self.had_errors.set(true);
            }
            if self.eof && matches!(result, encoding_rs::CoderResult::InputEmpty) {
                self.done = true;
            }
            if written > 0 {
                return Ok(written);
            }
        }
    }
}

/// The raw-byte cap a too-large token hits (read past it as plain text).
#[derive(Debug)]
struct TokenTooLarge;

impl std::fmt::Display for TokenTooLarge {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("markup token over the size limit")
    }
}

impl std::error::Error for TokenTooLarge {}

/// A buffered reader that keeps the bytes its consumer consumed (the raw text of the token
/// just read), and the first real I/O error.
struct Tap<R> {
    inner: R,
    buf: Box<[u8]>,
    pos: usize,
    filled: usize,
    raw: Vec<u8>,
    record: bool,
    raw_cap: usize,
    error: Option<io::Error>,
    too_large: bool,
}

impl<R: Read> Read for Tap<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let avail = self.fill_buf()?;
        let n = avail.len().min(out.len());
        out[..n].copy_from_slice(&avail[..n]);
        self.consume(n);
        Ok(n)
    }
}

impl<R: Read> BufRead for Tap<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        if self.record && self.raw.len() > self.raw_cap {
            self.too_large = true;
            return Err(io::Error::other(TokenTooLarge));
        }
        if self.pos >= self.filled {
            if let Some(e) = &self.error {
                return Err(io::Error::new(e.kind(), e.to_string()));
            }
            self.pos = 0;
            self.filled = 0;
            match self.inner.read(&mut self.buf) {
                Ok(n) => self.filled = n,
                Err(e) => {
                    let copy = io::Error::new(e.kind(), e.to_string());
                    self.error = Some(e);
                    return Err(copy);
                }
            }
        }
        Ok(&self.buf[self.pos..self.filled])
    }

    fn consume(&mut self, amt: usize) {
        let end = (self.pos + amt).min(self.filled);
        if self.record {
            self.raw.extend_from_slice(&self.buf[self.pos..end]);
        }
        self.pos = end;
    }
}

/// Running text pushed piece by piece and sent to the sink in overlapping windows, like
/// `text::stream`.
struct Out {
    buf: Vec<u8>,
    cap: usize,
    pos: StreamPos,
    report_from: usize,
    emitted: bool,
}

impl Out {
    fn new(buffer_len: usize) -> Out {
        let cap = buffer_len.max(4 * (OVERLAP_AHEAD + LOOKBEHIND));
        Out {
            buf: Vec::with_capacity(cap.min(1 << 20)),
            cap,
            pos: StreamPos::start(),
            report_from: 0,
            emitted: false,
        }
    }

    fn flush_full(&mut self, sink: &mut dyn TextSink, member: &[String]) {
        while self.buf.len() >= self.cap {
            let report_to = self.buf.len() - OVERLAP_AHEAD;
            if self.report_from < report_to {
                self.emit(sink, member, report_to);
            }
            let keep_from = report_to - LOOKBEHIND;
            self.pos = self.pos.advance(&self.buf[..keep_from]);
            self.buf.drain(..keep_from);
            self.report_from = report_to - keep_from;
        }
    }

    fn emit(&mut self, sink: &mut dyn TextSink, member: &[String], report_to: usize) {
        self.emitted = true;
        sink.chunk(&Chunk {
            text: &self.buf,
            report: self.report_from..report_to,
            context: None,
            locator: Locator::Stream { start: self.pos },
            member,
        });
    }

    fn finish(&mut self, sink: &mut dyn TextSink, member: &[String]) {
        if self.report_from < self.buf.len() || !self.emitted {
            let to = self.buf.len();
            self.emit(sink, member, to);
            self.report_from = to;
        }
    }
}

/// A start or end tag: names and values as text, punctuation as spaces.
fn tag_into(raw: &[u8], out: &mut Vec<u8>, ents: &mut Entities, html: bool) {
    let mut t = Vec::with_capacity(raw.len());
    let mut quote: Option<u8> = None;
    let mut in_value = false;
    let last = raw.len().saturating_sub(1);
    for (i, &b) in raw.iter().enumerate() {
        let c = match quote {
            Some(q) if b == q => {
                quote = None;
                in_value = false;
                b' '
            }
            Some(_) => b,
            None => match b {
                b'"' | b'\'' => {
                    quote = Some(b);
                    b' '
                }
                b'<' | b'>' => b' ',
                b'/' if i == 1 || i + 1 == last => b' ',
                b'=' if !in_value => {
                    in_value = true;
                    b' '
                }
                b if b.is_ascii_whitespace() => {
                    in_value = false;
                    b
                }
                b => b,
            },
        };
        t.push(c);
    }
    unescape_into(&t, out, ents, html);
}

/// `raw` without `prefix` and `suffix` (each replaced by one space).
fn strip_into(raw: &[u8], prefix: usize, suffix: &[u8], out: &mut Vec<u8>) {
    let body = raw.get(prefix..).unwrap_or(b"");
    let body = body.strip_suffix(suffix).unwrap_or(body);
    out.push(b' ');
    out.extend_from_slice(body);
    out.push(b' ');
}

/// The encoding named by an XML declaration in `prefix`, if any.
fn declared_encoding(prefix: &[u8]) -> Option<String> {
    let t = skip_ws(prefix.strip_prefix(b"\xef\xbb\xbf").unwrap_or(prefix));
    if !t.starts_with(b"<?xml") {
        return None;
    }
    let end = memchr::memmem::find(t, b"?>")?;
    let decl = &t[..end];
    let at = memchr::memmem::find(decl, b"encoding")?;
    let s = skip_ws(&decl[at + 8..]);
    let s = skip_ws(s.strip_prefix(b"=")?);
    let q = *s.first()?;
    if q != b'"' && q != b'\'' {
        return None;
    }
    let end = memchr::memchr(q, &s[1..])?;
    Some(String::from_utf8_lossy(&s[1..1 + end]).into_owned())
}

/// `<?xm` in EBCDIC.
fn looks_ebcdic(prefix: &[u8]) -> bool {
    prefix.starts_with(b"\x4c\x6f\xa7\x94")
}

/// Extracts XML or HTML text with its lines.
pub(crate) fn extract(ctx: &mut Ctx<'_>, content: Content<'_>) -> io::Result<()> {
    let (reader, encoding) = (content.input.stream(), content.encoding);
    let html = content.format == Format::Html;
    let mut prefix = Vec::new();
    reader.take(4096).read_to_end(&mut prefix)?;
    if !html && looks_ebcdic(&prefix) {
        unsupported(ctx, "EBCDIC-encoded XML is not supported");
        return Ok(());
    }
    let mut reasons: Vec<(ReasonCode, String)> = Vec::new();
    let mut enc = match encoding {
        TextEncoding::Utf8 => encoding_rs::UTF_8,
        TextEncoding::Utf16Le => encoding_rs::UTF_16LE,
        TextEncoding::Utf16Be => encoding_rs::UTF_16BE,
        TextEncoding::Latin1 => encoding_rs::WINDOWS_1252,
    };
    // HTML pages often declare a charset their bytes do not follow; XML's declaration binds.
    if !html && matches!(encoding, TextEncoding::Utf8 | TextEncoding::Latin1) {
        if let Some(label) = declared_encoding(&prefix) {
            match encoding_rs::Encoding::for_label(label.trim().as_bytes()) {
                Some(e) if e == encoding_rs::UTF_16LE || e == encoding_rs::UTF_16BE => {}
                Some(e) => enc = e,
                None if label.to_ascii_lowercase().contains("ebcdic")
                    || label.to_ascii_lowercase().starts_with("ibm") =>
                {
                    unsupported(ctx, &format!("XML in encoding {label:?} is not supported"));
                    return Ok(());
                }
                None => reasons.push((
                    ReasonCode::MalformedFile,
                    format!(
                        "unknown declared encoding {label:?}; read as {}",
                        enc.name()
                    ),
                )),
            }
        }
    }
    let had_errors = Rc::new(Cell::new(false));
    let source = io::Cursor::new(prefix).chain(reader);
    let decode = Decode {
        inner: source,
        decoder: enc.new_decoder_with_bom_removal(),
        input: vec![0u8; 64 * 1024].into_boxed_slice(),
        at: 0,
        len: 0,
        eof: false,
        done: false,
        had_errors: had_errors.clone(),
    };
    let tap = Tap {
        inner: decode,
        buf: vec![0u8; 64 * 1024].into_boxed_slice(),
        pos: 0,
        filled: 0,
        raw: Vec::new(),
        record: true,
        raw_cap: ctx.limits.max_field_len.max(64 * 1024),
        error: None,
        too_large: false,
    };
    let mut xml = quick_xml::Reader::from_reader(tap);
    {
        let c = xml.config_mut();
        c.trim_text(false);
        c.expand_empty_elements = false;
        c.check_comments = false;
        if html {
            c.check_end_names = false;
            c.allow_unmatched_ends = true;
            c.allow_dangling_amp = true;
        }
    }
    let mut out = Out::new(ctx.limits.buffer_len);
    let mut ents = Entities::new();
    let mut buf = Vec::new();
    let mut piece = Vec::new();
    let mut depth = 0usize;
    let mut roots = 0usize;
    let mut raw_until: Option<Vec<u8>> = None;
    let mut failure: Option<String> = None;
    let mut events = 0u64;
    loop {
        events += 1;
        if events.is_multiple_of(4096) && ctx.budget.out_of_time() {
            let e = ctx.budget.trip(ReasonCode::TimeCutOffReached);
            out.finish(ctx.sink, &ctx.member);
            return Err(e);
        }
        buf.clear();
        piece.clear();
        let event = xml.read_event_into(&mut buf);
        let raw = std::mem::take(&mut xml.get_mut().raw);
        match event {
            Ok(Event::Eof) => {
                out.buf.extend_from_slice(&raw);
                break;
            }
            Err(e) => {
                failure = Some(e.to_string());
                out.buf.extend_from_slice(&raw);
                break;
            }
            Ok(ev) => {
                if let Some(name) = &raw_until {
                    let ends = matches!(&ev, Event::End(e) if e.name().into_inner().as_bytes().eq_ignore_ascii_case(name));
                    if !ends {
                        out.buf.extend_from_slice(&raw);
                        out.flush_full(ctx.sink, &ctx.member);
                        continue;
                    }
                    raw_until = None;
                }
                match &ev {
                    Event::Text(_) | Event::GeneralRef(_) => {
                        unescape_into(&raw, &mut piece, &mut ents, html)
                    }
                    Event::Start(s) => {
                        if depth == 0 {
                            roots += 1;
                        }
                        depth += 1;
                        let name = s.name().into_inner().as_bytes().to_ascii_lowercase();
                        if html && (name == b"script" || name == b"style") {
                            raw_until = Some(name);
                        }
                        tag_into(&raw, &mut piece, &mut ents, html);
                    }
                    Event::Empty(_) => {
                        if depth == 0 {
                            roots += 1;
                        }
                        tag_into(&raw, &mut piece, &mut ents, html);
                    }
                    Event::End(_) => {
                        depth = depth.saturating_sub(1);
                        tag_into(&raw, &mut piece, &mut ents, html);
                    }
                    Event::CData(_) => strip_into(&raw, 9, b"]]>", &mut piece),
                    Event::Comment(_) => strip_into(&raw, 4, b"-->", &mut piece),
                    Event::Decl(_) | Event::PI(_) => strip_into(&raw, 2, b"?>", &mut piece),
                    Event::DocType(_) => {
                        if !html {
                            ents.declare(&raw);
                        }
                        strip_into(&raw, 2, b">", &mut piece);
                    }
                    Event::Eof => {}
                }
                out.buf.extend_from_slice(&piece);
                out.flush_full(ctx.sink, &ctx.member);
            }
        }
    }
    let mut tap = xml.into_inner();
    if let Some(e) = tap.error.take() {
        out.finish(ctx.sink, &ctx.member);
        ctx.add_pairs(reasons);
        ctx.add_pairs(std::mem::take(&mut ents.reasons));
        return Err(e);
    }
    if failure.is_some() {
        // Scan the rest as raw text so that nothing is lost.
        tap.record = false;
        out.buf.extend_from_slice(&tap.raw);
        tap.raw = Vec::new();
        while let Ok(chunk) = tap.fill_buf() {
            if chunk.is_empty() {
                break;
            }
            let n = chunk.len();
            out.buf.extend_from_slice(chunk);
            tap.consume(n);
            out.flush_full(ctx.sink, &ctx.member);
        }
    }
    out.finish(ctx.sink, &ctx.member);
    if let Some(e) = tap.error.take() {
        ctx.add_pairs(reasons);
        ctx.add_pairs(std::mem::take(&mut ents.reasons));
        return Err(e);
    }
    if !html {
        if had_errors.get() {
            reasons.push((
                ReasonCode::MalformedFile,
                format!("bytes not valid in {}; replaced", enc.name()),
            ));
        }
        match &failure {
            Some(_) if tap.too_large => {}
            Some(msg) => reasons.push((
                ReasonCode::MalformedFile,
                format!("malformed XML: {msg}; the rest was scanned as plain text"),
            )),
            None if roots == 0 => reasons.push((
                ReasonCode::MalformedFile,
                "no root element: not well-formed XML; scanned as text".to_string(),
            )),
            None if depth > 0 => reasons.push((
                ReasonCode::MalformedFile,
                format!("truncated XML: {depth} elements not closed"),
            )),
            None => {}
        }
    }
    reasons.append(&mut ents.reasons);
    ctx.add_pairs(reasons);
    Ok(())
}

impl Ctx<'_> {
    fn add_pairs(&mut self, reasons: Vec<(ReasonCode, String)>) {
        for (code, message) in reasons {
            self.reason(code, message);
        }
    }
}
