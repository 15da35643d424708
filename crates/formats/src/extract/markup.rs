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

use std::cell::Cell;
use std::collections::HashMap;
use std::io::{self, BufRead, Read};
use std::rc::Rc;

use quick_xml::events::Event;

use super::{unsupported, Chunk, Ctx, TextSink, LOOKBEHIND, OVERLAP_AHEAD};
use crate::format::{Format, TextEncoding};
use crate::location::{Locator, StreamPos};
use crate::reason::ReasonCode;

/// Total bytes custom entities may expand to in one document.
const ENTITY_BUDGET: u64 = 1 << 20;
/// An entity expanding to more than this many times its declared text (and over
/// [`AMPLIFY_FLOOR`] bytes) is a nested-entity bomb.
const MAX_AMPLIFICATION: u64 = 16;
const AMPLIFY_FLOOR: u64 = 256;
/// Entities nested deeper than this are not expanded.
const MAX_ENTITY_DEPTH: usize = 32;
/// Declarations read from one DTD.
const MAX_DECLARATIONS: usize = 10_000;

fn ext_is_xml(ext: &str) -> bool {
    matches!(
        ext,
        "xml"
            | "svg"
            | "xsd"
            | "xsl"
            | "xslt"
            | "rss"
            | "atom"
            | "plist"
            | "wsdl"
            | "kml"
            | "gpx"
            | "rdf"
            | "xul"
            | "resx"
            | "xaml"
            | "xlf"
            | "xliff"
            | "pom"
            | "nuspec"
            | "csproj"
            | "vcxproj"
            | "dtd"
    )
}

fn ext_is_html(ext: &str) -> bool {
    matches!(ext, "html" | "htm" | "xhtml" | "shtml")
}

const HTML_TAGS: &[&[u8]] = &[
    b"html", b"head", b"body", b"div", b"p", b"table", b"meta", b"title", b"link", b"script",
    b"style", b"span", b"a", b"ul", b"ol", b"li", b"h1", b"h2", b"h3", b"h4", b"br", b"form",
    b"img", b"section", b"article", b"header", b"nav", b"main", b"footer", b"iframe",
];

fn is_name_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_' || b == b':' || b >= 0x80
}

fn is_name_byte(b: u8) -> bool {
    is_name_start(b) || b.is_ascii_digit() || b == b'-' || b == b'.'
}

fn skip_ws(s: &[u8]) -> &[u8] {
    let n = s.iter().take_while(|b| b.is_ascii_whitespace()).count();
    &s[n..]
}

fn starts_with_ci(s: &[u8], p: &[u8]) -> bool {
    s.len() >= p.len() && s[..p.len()].eq_ignore_ascii_case(p)
}

/// Whether decoded `head` is XML or HTML (by content, then by extension `ext`).
pub(crate) fn sniff(head: &[u8], ext: &str) -> Option<Format> {
    let mut t = skip_ws(head.strip_prefix(b"\xef\xbb\xbf").unwrap_or(head));
    let html_ext = ext_is_html(ext);
    let xml_ext = ext_is_xml(ext);
    // Leading comments and processing instructions say nothing; look past them.
    let mut xml_decl = false;
    for _ in 0..64 {
        if t.starts_with(b"<?") {
            xml_decl |= starts_with_ci(t, b"<?xml");
            match memchr::memmem::find(t, b"?>") {
                Some(i) => t = skip_ws(&t[i + 2..]),
                None => break,
            }
        } else if t.starts_with(b"<!--") {
            match memchr::memmem::find(&t[4..], b"-->") {
                Some(i) => t = skip_ws(&t[4 + i + 3..]),
                None => break,
            }
        } else {
            break;
        }
    }
    if html_ext && (xml_decl || t.starts_with(b"<")) {
        return Some(Format::Html);
    }
    if starts_with_ci(t, b"<!doctype html") || starts_with_ci(t, b"<html") {
        return Some(if xml_decl { Format::Xml } else { Format::Html });
    }
    if xml_decl || starts_with_ci(t, b"<!doctype") {
        return Some(Format::Xml);
    }
    if xml_ext {
        // Named XML: the extractor says what is wrong if it is not.
        return Some(Format::Xml);
    }
    if t.first() == Some(&b'<') && t.get(1).is_some_and(|b| is_name_start(*b)) {
        let name_len = t[1..].iter().take_while(|b| is_name_byte(**b)).count();
        let name = &t[1..1 + name_len];
        let mut close = b"</".to_vec();
        close.extend_from_slice(name);
        let closed = memchr::memmem::find(t, &close).is_some();
        let lower = name.to_ascii_lowercase();
        if HTML_TAGS.contains(&lower.as_slice()) && (closed || html_ext) {
            return Some(Format::Html);
        }
        let tag_end = memchr::memchr(b'>', t).map(|i| &t[..i]);
        let xmlns = tag_end.is_some_and(|tag| memchr::memmem::find(tag, b"xmlns").is_some());
        if closed || xmlns {
            return Some(Format::Xml);
        }
        return None;
    }
    if html_ext {
        // Text with some markup in it.
        let has_tag = t
            .windows(2)
            .any(|w| w[0] == b'<' && (w[1].is_ascii_alphabetic() || w[1] == b'/' || w[1] == b'!'));
        if has_tag && memchr::memchr(b'>', t).is_some() {
            return Some(Format::Html);
        }
    }
    None
}

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

/// A declared entity.
enum Entity {
    /// Replacement text (character references already decoded).
    Internal(Vec<u8>),
    /// An external entity: never fetched, left unexpanded.
    External,
}

#[derive(Clone, Copy)]
enum Size {
    Bytes(u64),
    Cycle,
    TooDeep,
}

/// Custom DTD entities and the expansion budget.
#[derive(Default)]
struct Entities {
    general: HashMap<Vec<u8>, Entity>,
    params: HashMap<Vec<u8>, Vec<u8>>,
    sizes: HashMap<(bool, Vec<u8>), Size>,
    left: u64,
    reasons: Vec<(ReasonCode, String)>,
    bomb_reported: bool,
    cycle_reported: bool,
}

/// A reference found in text: `&name;`, `&#..;` or `%name;` (for parameter entities).
enum Piece<'a> {
    Literal(&'a [u8]),
    Ref(&'a [u8], &'a [u8]),
}

/// Splits `s` into literal runs and references starting with `sigil` (the raw reference and
/// the name inside it).
fn pieces(s: &[u8], sigil: u8) -> impl Iterator<Item = Piece<'_>> {
    let mut i = 0usize;
    std::iter::from_fn(move || {
        if i >= s.len() {
            return None;
        }
        let rest = &s[i..];
        if rest[0] == sigil {
            let limit = rest.len().min(64);
            let body = &rest[1..limit];
            let n = body
                .iter()
                .take_while(|b| is_name_byte(**b) || **b == b'#')
                .count();
            if n > 0 && body.get(n) == Some(&b';') {
                i += n + 2;
                return Some(Piece::Ref(&rest[..n + 2], &body[..n]));
            }
            i += 1;
            return Some(Piece::Literal(&rest[..1]));
        }
        let n = memchr::memchr(sigil, rest).unwrap_or(rest.len());
        i += n;
        Some(Piece::Literal(&rest[..n]))
    })
}

/// The character a `#..` reference names.
fn char_ref(name: &[u8]) -> Option<char> {
    let digits = name.strip_prefix(b"#")?;
    let text = std::str::from_utf8(digits).ok()?;
    let code = if let Some(hex) = text.strip_prefix(['x', 'X']) {
        u32::from_str_radix(hex, 16).ok()?
    } else {
        text.parse::<u32>().ok()?
    };
    if code == 0 {
        return None;
    }
    char::from_u32(code)
}

/// Pushes `s` with newlines as spaces (an expansion must not add lines).
fn push_flat(out: &mut Vec<u8>, s: &[u8]) {
    out.extend(s.iter().map(|b| match b {
        b'\n' | b'\r' => b' ',
        b => *b,
    }));
}

fn push_char(out: &mut Vec<u8>, c: char) {
    let c = if c == '\n' || c == '\r' { ' ' } else { c };
    let mut tmp = [0u8; 4];
    out.extend_from_slice(c.encode_utf8(&mut tmp).as_bytes());
}

fn decode_char_refs(s: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(s.len());
    for p in pieces(s, b'&') {
        match p {
            Piece::Literal(l) => out.extend_from_slice(l),
            Piece::Ref(raw, name) => match char_ref(name) {
                Some(c) => {
                    let mut tmp = [0u8; 4];
                    out.extend_from_slice(c.encode_utf8(&mut tmp).as_bytes());
                }
                None => out.extend_from_slice(raw),
            },
        }
    }
    out
}

impl Entities {
    fn new() -> Entities {
        Entities {
            left: ENTITY_BUDGET,
            ..Entities::default()
        }
    }

    /// Reads the entity declarations of a DOCTYPE token and checks its parameter-entity
    /// references against the budget.
    fn declare(&mut self, dtd: &[u8]) {
        let mut i = 0usize;
        let mut count = 0usize;
        while i < dtd.len() {
            let rest = &dtd[i..];
            if rest.starts_with(b"<!--") {
                i += memchr::memmem::find(&rest[4..], b"-->").map_or(rest.len(), |j| j + 7);
                continue;
            }
            if !rest.starts_with(b"<!ENTITY") {
                i += memchr::memchr2(b'<', b'\0', &rest[1..]).map_or(rest.len(), |j| j + 1);
                continue;
            }
            count += 1;
            if count > MAX_DECLARATIONS {
                break;
            }
            let mut s = skip_ws(&rest[8..]);
            let param = s.first() == Some(&b'%') && s.get(1).is_some_and(u8::is_ascii_whitespace);
            if param {
                s = skip_ws(&s[1..]);
            }
            let n = s.iter().take_while(|b| is_name_byte(**b)).count();
            let name = s[..n].to_vec();
            s = skip_ws(&s[n..]);
            let value = match s.first() {
                Some(&q) if q == b'"' || q == b'\'' => {
                    let end = memchr::memchr(q, &s[1..]).unwrap_or(s.len() - 1);
                    let v = &s[1..1 + end];
                    s = &s[(end + 2).min(s.len())..];
                    Some(decode_char_refs(v))
                }
                _ => None,
            };
            i = dtd.len() - s.len();
            if name.is_empty() {
                continue;
            }
            // The first declaration of a name binds.
            if param {
                if let Some(v) = value {
                    self.params.entry(name).or_insert(v);
                }
            } else {
                self.general.entry(name).or_insert(match value {
                    Some(v) => Entity::Internal(v),
                    None => Entity::External,
                });
            }
        }
        // Parameter-entity references in the DTD (expanded by a validating parser).
        let mut total = 0u64;
        let mut names = Vec::new();
        for p in pieces(dtd, b'%') {
            if let Piece::Ref(_, name) = p {
                names.push(name.to_vec());
            }
        }
        for name in names {
            if !self.params.contains_key(&name) {
                continue;
            }
            match self.size(true, &name, 0) {
                Size::Bytes(n) => total = total.saturating_add(n),
                Size::Cycle => self.cycle(&name),
                Size::TooDeep => total = u64::MAX,
            }
        }
        if total > ENTITY_BUDGET {
            self.bomb(format!(
                "DTD parameter entities would expand to over {ENTITY_BUDGET} bytes (entity expansion bomb); not expanded"
            ));
        }
    }

    fn bomb(&mut self, message: String) {
        if !self.bomb_reported {
            self.bomb_reported = true;
            self.reasons
                .push((ReasonCode::ArchiveTotalBytesExtractedOverLimit, message));
        }
    }

    fn cycle(&mut self, name: &[u8]) {
        if !self.cycle_reported {
            self.cycle_reported = true;
            self.reasons.push((
                ReasonCode::MalformedFile,
                format!(
                    "entity '{}' refers to itself; not expanded",
                    String::from_utf8_lossy(name)
                ),
            ));
        }
    }

    /// The expanded size of an entity (general or parameter), memoised; saturates.
    fn size(&mut self, param: bool, name: &[u8], depth: usize) -> Size {
        let key = (param, name.to_vec());
        if let Some(s) = self.sizes.get(&key) {
            return *s;
        }
        if depth > MAX_ENTITY_DEPTH {
            return Size::TooDeep;
        }
        let value = if param {
            match self.params.get(name) {
                Some(v) => v.clone(),
                None => return Size::Bytes(name.len() as u64 + 2),
            }
        } else {
            match self.general.get(name) {
                Some(Entity::Internal(v)) => v.clone(),
                _ => return Size::Bytes(name.len() as u64 + 2),
            }
        };
        // Mark as in progress: meeting it again below is a cycle.
        self.sizes.insert(key.clone(), Size::Cycle);
        let sigil = if param { b'%' } else { b'&' };
        let mut total = 0u64;
        let mut result = None;
        for p in pieces(&value, sigil) {
            match p {
                Piece::Literal(l) => total = total.saturating_add(l.len() as u64),
                Piece::Ref(raw, inner) => {
                    let known = if param {
                        self.params.contains_key(inner)
                    } else {
                        matches!(self.general.get(inner), Some(Entity::Internal(_)))
                    };
                    if !known {
                        total = total.saturating_add(raw.len() as u64);
                        continue;
                    }
                    match self.size(param, inner, depth + 1) {
                        Size::Bytes(n) => total = total.saturating_add(n),
                        other => {
                            result = Some(other);
                            break;
                        }
                    }
                }
            }
        }
        let size = result.unwrap_or(Size::Bytes(total));
        match size {
            Size::TooDeep => {
                self.sizes.remove(&key);
            }
            s => {
                self.sizes.insert(key, s);
            }
        }
        size
    }

    /// Expands general entity `name` into `out` if the budget allows; false if left raw.
    fn expand_ref(&mut self, name: &[u8], out: &mut Vec<u8>) -> bool {
        let declared_len = match self.general.get(name) {
            Some(Entity::Internal(v)) => v.len() as u64,
            _ => return false,
        };
        match self.size(false, name, 0) {
            Size::Cycle => {
                self.cycle(name);
                false
            }
            Size::TooDeep => {
                self.bomb(format!(
                    "entities nested deeper than {MAX_ENTITY_DEPTH} levels (entity expansion bomb); not expanded"
                ));
                false
            }
            Size::Bytes(n) => {
                if n > self.left {
                    self.bomb(format!(
                        "entity expansion over {ENTITY_BUDGET} bytes per document (entity expansion bomb); the rest left unexpanded"
                    ));
                    return false;
                }
                if n > AMPLIFY_FLOOR && n > declared_len.saturating_mul(MAX_AMPLIFICATION) {
                    self.bomb(format!(
                        "entity '{}' expands {}:1 through nested entities (entity expansion bomb); not expanded",
                        String::from_utf8_lossy(name),
                        n / declared_len.max(1)
                    ));
                    return false;
                }
                self.left -= n;
                self.write(name, out, 0);
                true
            }
        }
    }

    fn write(&self, name: &[u8], out: &mut Vec<u8>, depth: usize) {
        let Some(Entity::Internal(v)) = self.general.get(name) else {
            out.extend_from_slice(name);
            return;
        };
        if depth > MAX_ENTITY_DEPTH {
            return;
        }
        for p in pieces(v, b'&') {
            match p {
                Piece::Literal(l) => push_flat(out, l),
                Piece::Ref(raw, inner) => {
                    if let Some(c) = char_ref(inner) {
                        push_char(out, c);
                    } else if let Some(s) = std::str::from_utf8(inner)
                        .ok()
                        .and_then(quick_xml::escape::resolve_xml_entity)
                    {
                        out.extend_from_slice(s.as_bytes());
                    } else if matches!(self.general.get(inner), Some(Entity::Internal(_))) {
                        self.write(inner, out, depth + 1);
                    } else {
                        push_flat(out, raw);
                    }
                }
            }
        }
    }
}

/// Decodes references in `raw` into `out`, keeping its newlines.
fn unescape_into(raw: &[u8], out: &mut Vec<u8>, ents: &mut Entities, html: bool) {
    for p in pieces(raw, b'&') {
        match p {
            Piece::Literal(l) => out.extend_from_slice(l),
            Piece::Ref(raw, name) => {
                if let Some(c) = char_ref(name) {
                    push_char(out, c);
                    continue;
                }
                let Ok(text) = std::str::from_utf8(name) else {
                    out.extend_from_slice(raw);
                    continue;
                };
                if let Some(s) = quick_xml::escape::resolve_xml_entity(text) {
                    out.extend_from_slice(s.as_bytes());
                } else if html {
                    match quick_xml::escape::resolve_html5_entity(text) {
                        Some(s) => push_flat(out, s.as_bytes()),
                        None => out.extend_from_slice(raw),
                    }
                } else if !ents.expand_ref(name, out) {
                    out.extend_from_slice(raw);
                }
            }
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
pub(crate) fn extract(
    ctx: &mut Ctx<'_>,
    format: Format,
    reader: &mut dyn Read,
    encoding: TextEncoding,
) -> io::Result<()> {
    let html = format == Format::Html;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffing() {
        assert_eq!(sniff(b"<?xml version='1.0'?><a/>", ""), Some(Format::Xml));
        assert_eq!(sniff(b"<!DOCTYPE html><p>x", ""), Some(Format::Html));
        assert_eq!(sniff(b"<html><body>", "txt"), Some(Format::Html));
        assert_eq!(sniff(b"<root><a>1</a></root>", ""), Some(Format::Xml));
        assert_eq!(sniff(b"<div>x</div>", ""), Some(Format::Html));
        assert_eq!(sniff(b"a < b and c > d", ""), None);
        assert_eq!(sniff(b"<not closed", ""), None);
        assert_eq!(sniff(b"hello", "html"), None);
        assert_eq!(sniff(b"", "xml"), Some(Format::Xml));
        assert_eq!(sniff(b"text <b>bold</b>", "htm"), Some(Format::Html));
    }
}
