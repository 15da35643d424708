//! JSON and JSON Lines. Every string and number is a chunk located by record index, JSON path
//! and line; the element names on its path are its keyword context.
//!
//! Written by hand rather than with `serde_json`: serde's visitors see no byte positions, and
//! scanning needs the line and path of every scalar, a nesting limit with a reason code, and
//! streaming without holding the document in memory. The grammar is RFC 8259.

use std::io::{self, Read};

use encoding_rs_io::DecodeReaderBytesBuilder;

use super::ctx::{Chunk, Content, Ctx, TextSink};
use super::text;
use crate::format::{Format, TextEncoding};
use crate::limits::Limits;
use crate::location::{Locator, StreamPos};
use crate::reason::{Reason, ReasonCode};

#[derive(Debug)]
enum Fault {
    Io(io::Error),
    /// Unexpected end of input.
    Eof,
    /// Syntax error.
    Syntax(&'static str),
    /// Nesting over the limit.
    Depth,
}

impl From<io::Error> for Fault {
    fn from(e: io::Error) -> Fault {
        Fault::Io(e)
    }
}

/// A byte source that tracks the stream position of the next byte.
struct Src<R> {
    r: R,
    buf: Vec<u8>,
    pos: usize,
    len: usize,
    eof: bool,
    at: StreamPos,
    after_cr: bool,
}

impl<R: Read> Src<R> {
    fn new(r: R) -> Src<R> {
        Src {
            r,
            buf: vec![0; 64 * 1024],
            pos: 0,
            len: 0,
            eof: false,
            at: StreamPos::start(),
            after_cr: false,
        }
    }

    #[inline]
    fn peek(&mut self) -> Result<Option<u8>, Fault> {
        match self.buf[..self.len].get(self.pos) {
            Some(&b) => Ok(Some(b)),
            None => self.fill(),
        }
    }

    /// [`Src::peek`] when the buffer is used up: reads more.
    #[cold]
    #[inline(never)]
    fn fill(&mut self) -> Result<Option<u8>, Fault> {
        if self.pos == self.len {
            if self.eof {
                return Ok(None);
            }
            loop {
                match self.r.read(&mut self.buf) {
                    Ok(n) => {
                        self.len = n;
                        break;
                    }
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(e) => return Err(Fault::Io(e)),
                }
            }
            self.pos = 0;
            if self.len == 0 {
                self.eof = true;
                return Ok(None);
            }
        }
        Ok(Some(self.buf[self.pos]))
    }

    #[inline]
    fn bump(&mut self) {
        let b = self.buf[self.pos];
        self.pos += 1;
        self.at.offset += 1;
        // LF, CRLF and a lone CR each end a line.
        match b {
            b'\n' if self.after_cr => {}
            b'\n' | b'\r' => {
                self.at.line += 1;
                self.at.column0 = 0;
            }
            _ => self.at.column0 += 1,
        }
        self.after_cr = b == b'\r';
    }

    #[inline]
    fn next(&mut self) -> Result<u8, Fault> {
        match self.peek()? {
            Some(b) => {
                self.bump();
                Ok(b)
            }
            None => Err(Fault::Eof),
        }
    }

    /// Takes the buffered bytes up to the first quote, backslash or control byte (at most
    /// `max` of them) and moves past them; empty when the next byte is one of those or nothing
    /// is buffered.
    fn plain_run(&mut self, max: usize) -> &[u8] {
        let avail = &self.buf[self.pos..self.len];
        let avail = &avail[..avail.len().min(max)];
        let n = avail
            .iter()
            .position(|&b| b == b'"' || b == b'\\' || b < 0x20)
            .unwrap_or(avail.len());
        let start = self.pos;
        self.skip_plain(n);
        &self.buf[start..start + n]
    }

    /// Moves past the next `n` buffered bytes, none of them a line end.
    #[inline]
    fn skip_plain(&mut self, n: usize) {
        if n > 0 {
            self.pos += n;
            self.at.offset += n as u64;
            self.at.column0 += n as u64;
            self.after_cr = false;
        }
    }

    fn skip_ws(&mut self) -> Result<(), Fault> {
        while let Some(b) = self.peek()? {
            match b {
                // Spaces and tabs (indentation) without the line-end checks of `bump`.
                b' ' | b'\t' => self.skip_plain(1),
                b'\r' | b'\n' => self.bump(),
                _ => break,
            }
        }
        Ok(())
    }

    /// Moves past the buffered ASCII digits that come next and appends them to `s`; returns
    /// how many (more may follow once the buffer is refilled).
    fn digit_run(&mut self, s: &mut Vec<u8>) -> usize {
        let avail = &self.buf[self.pos..self.len];
        let n = avail.iter().take_while(|b| b.is_ascii_digit()).count();
        s.extend_from_slice(&avail[..n]);
        self.skip_plain(n);
        n
    }

    /// Skips to just past the next newline (or the end).
    fn skip_line(&mut self) -> Result<(), Fault> {
        while let Some(b) = self.peek()? {
            self.bump();
            if b == b'\n' || b == b'\r' {
                break;
            }
        }
        Ok(())
    }

    /// The unread rest, as a reader, with its position.
    fn into_rest(self) -> (StreamPos, impl Read) {
        let rest = self.buf[self.pos..self.len].to_vec();
        (self.at, io::Cursor::new(rest).chain(self.r))
    }
}

/// Appends a member name to a JSON path: `.name` when it is a plain identifier, else
/// `['name']` with `'` and `\` escaped.
pub(crate) fn push_path_name(out: &mut String, name: &str) {
    let plain = name
        .bytes()
        .next()
        .is_some_and(|b| b.is_ascii_alphabetic() || b == b'_')
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
    if plain {
        out.push('.');
        out.push_str(name);
    } else {
        push_quoted_path_name(out, name);
    }
}

/// Appends `['name']` to a JSON path, `'` and `\` escaped (map keys are always quoted).
pub(crate) fn push_quoted_path_name(out: &mut String, name: &str) {
    out.push_str("['");
    for c in name.chars() {
        if c == '\'' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push_str("']");
}

/// A JSON path being walked: rendered `$.a.b[0]` (kept up to date as it changes, so that
/// each value costs no rendering), and the element names for keywords.
struct Path {
    elems: Vec<Elem>,
    names: String,
    rendered: String,
}

/// One step of a path, with the lengths of `names` and `rendered` before it.
enum Elem {
    Key {
        names_len: usize,
        rendered_len: usize,
    },
    Index {
        rendered_len: usize,
    },
}

impl Default for Path {
    fn default() -> Path {
        Path {
            elems: Vec::new(),
            names: String::new(),
            rendered: String::from("$"),
        }
    }
}

impl Path {
    fn push_key(&mut self, name: &str) {
        let names_len = self.names.len();
        if !self.names.is_empty() {
            self.names.push('\n');
        }
        self.names.push_str(name);
        let rendered_len = self.rendered.len();
        push_path_name(&mut self.rendered, name);
        self.elems.push(Elem::Key {
            names_len,
            rendered_len,
        });
    }

    fn push_index(&mut self, i: u64) {
        let rendered_len = self.rendered.len();
        push_index(&mut self.rendered, i);
        self.elems.push(Elem::Index { rendered_len });
    }

    fn set_index(&mut self, i: u64) {
        if let Some(Elem::Index { rendered_len }) = self.elems.last() {
            self.rendered.truncate(*rendered_len);
            push_index(&mut self.rendered, i);
        }
    }

    fn pop(&mut self) {
        match self.elems.pop() {
            Some(Elem::Key {
                names_len,
                rendered_len,
            }) => {
                self.names.truncate(names_len);
                self.rendered.truncate(rendered_len);
            }
            Some(Elem::Index { rendered_len }) => self.rendered.truncate(rendered_len),
            None => {}
        }
    }

    fn render(&self) -> &str {
        &self.rendered
    }
}

/// Appends `[i]` to a rendered path.
fn push_index(out: &mut String, i: u64) {
    let mut digits = [0u8; 20];
    let mut n = digits.len();
    let mut v = i;
    loop {
        n -= 1;
        digits[n] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    out.push('[');
    for &d in &digits[n..] {
        out.push(char::from(d));
    }
    out.push(']');
}

struct Parser<'s, R> {
    src: Src<R>,
    path: Path,
    max_depth: usize,
    max_field: usize,
    record: u64,
    sink: Option<&'s mut dyn TextSink>,
    member: &'s [String],
    scratch: Vec<u8>,
}

impl<R: Read> Parser<'_, R> {
    fn value(&mut self, depth: usize) -> Result<(), Fault> {
        self.src.skip_ws()?;
        match self.src.peek()?.ok_or(Fault::Eof)? {
            b'{' => {
                if depth >= self.max_depth {
                    return Err(Fault::Depth);
                }
                self.src.bump();
                self.src.skip_ws()?;
                if self.src.peek()? == Some(b'}') {
                    self.src.bump();
                    return Ok(());
                }
                // Without a sink (the format sniff) the path serves nobody.
                let tracking = self.sink.is_some();
                loop {
                    self.src.skip_ws()?;
                    if self.src.next()? != b'"' {
                        return Err(Fault::Syntax("expected a string key"));
                    }
                    // The key is content too (an e-mail address used as a key): an overlong
                    // one is scanned in pieces under the object's path as it is read, its last
                    // piece (or all of it) under its own path, like a value there.
                    let start = self.src.at;
                    let mut key = std::mem::take(&mut self.scratch);
                    key.clear();
                    let r = self.string_into(&mut key, Some(start)).and_then(|()| {
                        self.src.skip_ws()?;
                        if self.src.next()? != b':' {
                            return Err(Fault::Syntax("expected ':'"));
                        }
                        if tracking {
                            let name = String::from_utf8_lossy(&key);
                            self.path.push_key(&name);
                            self.emit_key(name.as_bytes(), start);
                        }
                        Ok(())
                    });
                    self.scratch = key;
                    r?;
                    let r = self.value(depth + 1);
                    if tracking {
                        self.path.pop();
                    }
                    r?;
                    self.src.skip_ws()?;
                    match self.src.next()? {
                        b',' => continue,
                        b'}' => return Ok(()),
                        _ => return Err(Fault::Syntax("expected ',' or '}'")),
                    }
                }
            }
            b'[' => {
                if depth >= self.max_depth {
                    return Err(Fault::Depth);
                }
                self.src.bump();
                self.src.skip_ws()?;
                if self.src.peek()? == Some(b']') {
                    self.src.bump();
                    return Ok(());
                }
                let tracking = self.sink.is_some();
                if tracking {
                    self.path.push_index(0);
                }
                let mut i = 0u64;
                let r = loop {
                    if tracking {
                        self.path.set_index(i);
                    }
                    if let Err(e) = self.value(depth + 1) {
                        break Err(e);
                    }
                    self.src.skip_ws()?;
                    match self.src.next()? {
                        b',' => i += 1,
                        b']' => break Ok(()),
                        _ => break Err(Fault::Syntax("expected ',' or ']'")),
                    }
                };
                if tracking {
                    self.path.pop();
                }
                r
            }
            b'"' => {
                self.src.bump();
                let start = self.src.at;
                let mut s = std::mem::take(&mut self.scratch);
                s.clear();
                let r = self.string_into(&mut s, Some(start));
                if r.is_ok() {
                    self.emit(&s, start);
                }
                self.scratch = s;
                r
            }
            b'-' | b'0'..=b'9' => {
                let start = self.src.at;
                let mut s = std::mem::take(&mut self.scratch);
                s.clear();
                let r = self.number_into(&mut s);
                if r.is_ok() {
                    self.emit(&s, start);
                }
                self.scratch = s;
                r
            }
            b't' => self.literal(b"true"),
            b'f' => self.literal(b"false"),
            b'n' => self.literal(b"null"),
            _ => Err(Fault::Syntax("unexpected character")),
        }
    }

    fn literal(&mut self, word: &[u8]) -> Result<(), Fault> {
        for &w in word {
            if self.src.next()? != w {
                return Err(Fault::Syntax("invalid literal"));
            }
        }
        Ok(())
    }

    fn number_into(&mut self, s: &mut Vec<u8>) -> Result<(), Fault> {
        // -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
        let take = |src: &mut Src<R>, s: &mut Vec<u8>| -> Result<Option<u8>, Fault> {
            let b = src.peek()?;
            if let Some(b) = b {
                src.bump();
                s.push(b);
            }
            Ok(b)
        };
        let digits = |src: &mut Src<R>, s: &mut Vec<u8>| -> Result<usize, Fault> {
            let mut n = 0;
            while let Some(b) = src.peek()? {
                if !b.is_ascii_digit() {
                    break;
                }
                n += src.digit_run(s);
            }
            Ok(n)
        };
        if self.src.peek()? == Some(b'-') {
            take(&mut self.src, s)?;
        }
        match self.src.peek()? {
            Some(b'0') => {
                take(&mut self.src, s)?;
            }
            Some(b'1'..=b'9') => {
                digits(&mut self.src, s)?;
            }
            _ => return Err(Fault::Syntax("invalid number")),
        }
        if self.src.peek()? == Some(b'.') {
            take(&mut self.src, s)?;
            if digits(&mut self.src, s)? == 0 {
                return Err(Fault::Syntax("invalid number"));
            }
        }
        if matches!(self.src.peek()?, Some(b'e' | b'E')) {
            take(&mut self.src, s)?;
            if matches!(self.src.peek()?, Some(b'+' | b'-')) {
                take(&mut self.src, s)?;
            }
            if digits(&mut self.src, s)? == 0 {
                return Err(Fault::Syntax("invalid number"));
            }
        }
        match self.src.peek()? {
            None => Ok(()),
            Some(b' ' | b'\t' | b'\r' | b'\n' | b',' | b']' | b'}') => Ok(()),
            Some(_) => Err(Fault::Syntax("invalid number")),
        }
    }

    /// Reads a string body (after the opening quote) into `s`, unescaped. With `start`, a
    /// string longer than the field cap is scanned in pieces.
    fn string_into(&mut self, s: &mut Vec<u8>, mut start: Option<StreamPos>) -> Result<(), Fault> {
        loop {
            // Plain bytes (no quote, backslash or control byte, so no line end) are copied as
            // a run, and the position moves by the run at once.
            let room = match start {
                Some(_) => self.max_field.saturating_sub(s.len()),
                None => usize::MAX,
            };
            let run = self.src.plain_run(room);
            if !run.is_empty() {
                s.extend_from_slice(run);
                if let Some(st) = start {
                    if s.len() >= self.max_field {
                        self.emit(s, st);
                        s.clear();
                        start = Some(self.src.at);
                    }
                }
                continue;
            }
            let b = self.src.next()?;
            match b {
                b'"' => return Ok(()),
                b'\\' => {
                    let e = self.src.next()?;
                    match e {
                        b'"' => s.push(b'"'),
                        b'\\' => s.push(b'\\'),
                        b'/' => s.push(b'/'),
                        b'b' => s.push(8),
                        b'f' => s.push(12),
                        b'n' => s.push(b'\n'),
                        b'r' => s.push(b'\r'),
                        b't' => s.push(b'\t'),
                        b'u' => {
                            let mut cp = self.hex4()?;
                            if (0xD800..0xDC00).contains(&cp) {
                                // A surrogate pair, if the low half follows.
                                if self.src.peek()? == Some(b'\\') {
                                    self.src.bump();
                                    if self.src.next()? != b'u' {
                                        return Err(Fault::Syntax("invalid escape"));
                                    }
                                    let lo = self.hex4()?;
                                    if (0xDC00..0xE000).contains(&lo) {
                                        cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                                    }
                                }
                            }
                            let c = char::from_u32(cp).unwrap_or('\u{FFFD}');
                            let mut tmp = [0u8; 4];
                            s.extend_from_slice(c.encode_utf8(&mut tmp).as_bytes());
                        }
                        _ => return Err(Fault::Syntax("invalid escape")),
                    }
                }
                0..=0x1f => return Err(Fault::Syntax("unescaped control character in a string")),
                _ => s.push(b),
            }
            if let Some(st) = start {
                if s.len() >= self.max_field {
                    self.emit(s, st);
                    s.clear();
                    start = Some(self.src.at);
                }
            }
        }
    }

    fn hex4(&mut self) -> Result<u32, Fault> {
        let mut v = 0u32;
        for _ in 0..4 {
            let b = self.src.next()?;
            let d = (b as char)
                .to_digit(16)
                .ok_or(Fault::Syntax("invalid \\u escape"))?;
            v = v * 16 + d;
        }
        Ok(v)
    }

    fn emit(&mut self, text: &[u8], start: StreamPos) {
        let all = self.path.names.len();
        self.emit_with_context(text, start, all);
    }

    /// Emits the key just pushed on the path: the names above it are its keyword context.
    fn emit_key(&mut self, text: &[u8], start: StreamPos) {
        let parent = match self.path.elems.last() {
            Some(Elem::Key { names_len, .. }) => *names_len,
            _ => self.path.names.len(),
        };
        self.emit_with_context(text, start, parent);
    }

    /// Emits `text` with the first `context_len` bytes of the path's names as its context.
    fn emit_with_context(&mut self, text: &[u8], start: StreamPos, context_len: usize) {
        let Some(sink) = self.sink.as_deref_mut() else {
            return;
        };
        if text.is_empty() {
            return;
        }
        let context = self.path.names.get(..context_len).filter(|n| !n.is_empty());
        let record = self.record;
        let member = self.member;
        let json_path = self.path.render();
        sink.chunk(&Chunk {
            text,
            report: 0..text.len(),
            context,
            locator: Locator::Record {
                record,
                json_path,
                start,
            },
            member,
        });
    }
}

/// The sniff as it was before [`super::json_sniff`]: the extractor's parser over the head;
/// the reference the validator must equal.
#[cfg(test)]
pub(super) fn sniff_by_parsing(head: &[u8], jsonl_name: bool) -> Option<Format> {
    let first = head.iter().find(|b| !b.is_ascii_whitespace())?;
    if *first != b'{' && *first != b'[' {
        return None;
    }
    let mut p = Parser {
        src: Src::new(head),
        path: Path::default(),
        max_depth: usize::MAX,
        max_field: usize::MAX,
        record: 0,
        sink: None,
        member: &[],
        scratch: Vec::new(),
    };
    // Deep nesting is still JSON: cap the recursion, and call it JSON.
    p.max_depth = 512;
    let line0 = {
        let _ = p.src.skip_ws();
        p.src.at.line
    };
    match p.value(0) {
        Ok(()) => {}
        Err(Fault::Eof) | Err(Fault::Depth) => {
            return Some(if jsonl_name {
                Format::Jsonl
            } else {
                Format::Json
            })
        }
        Err(_) => return None,
    }
    let single_line = p.src.at.line == line0;
    if p.src.skip_ws().is_err() {
        return Some(Format::Json);
    }
    let next = p.src.peek().ok().flatten();
    let more_lines = p.src.at.line > line0;
    match next {
        None => Some(if jsonl_name {
            Format::Jsonl
        } else {
            Format::Json
        }),
        Some(b'{' | b'[') if single_line && more_lines => Some(Format::Jsonl),
        Some(_) if jsonl_name => Some(Format::Jsonl),
        Some(b'{' | b'[' | b'"') => Some(Format::Json),
        Some(_) => None,
    }
}

/// Extracts the values of a JSON or JSON Lines file.
pub(crate) fn extract(ctx: &mut Ctx<'_>, content: Content<'_>) -> io::Result<()> {
    let jsonl = content.format == Format::Jsonl;
    let (reader, limits, member, sink) = (
        content.input.stream(),
        ctx.limits,
        &ctx.member,
        &mut *ctx.sink,
    );
    let enc = match content.encoding {
        TextEncoding::Utf8 => None,
        TextEncoding::Utf16Le => Some(encoding_rs::UTF_16LE),
        TextEncoding::Utf16Be => Some(encoding_rs::UTF_16BE),
        TextEncoding::Latin1 => Some(encoding_rs::WINDOWS_1252),
    };
    let reasons = match enc {
        None => values(reader, jsonl, limits, member, sink),
        Some(enc) => values(
            DecodeReaderBytesBuilder::new()
                .encoding(Some(enc))
                .bom_override(true)
                .build(reader),
            jsonl,
            limits,
            member,
            sink,
        ),
    }?;
    ctx.add(reasons);
    Ok(())
}

fn values(
    reader: impl Read,
    jsonl: bool,
    limits: &Limits,
    member: &[String],
    sink: &mut dyn TextSink,
) -> io::Result<Vec<Reason>> {
    let mut reasons: Vec<Reason> = Vec::new();
    let mut p = Parser {
        src: Src::new(reader),
        path: Path::default(),
        max_depth: limits.json_max_depth,
        max_field: limits.max_field_len.max(1024),
        record: 0,
        sink: Some(sink),
        member,
        scratch: Vec::new(),
    };
    let mut malformed_lines = 0u64;
    let mut first_bad_line = 0u64;
    let mut values_read = 0u64;
    // A UTF-8 byte order mark is not content.
    if p.src.peek().ok().flatten() == Some(0xef) {
        for want in [0xefu8, 0xbb, 0xbf] {
            match p.src.peek() {
                Ok(Some(b)) if b == want => p.src.bump(),
                _ => break,
            }
        }
    }
    loop {
        let r = p.src.skip_ws();
        if let Err(Fault::Io(e)) = r {
            return Err(e);
        }
        match p.src.peek() {
            Ok(None) => break,
            Ok(Some(_)) => {}
            Err(Fault::Io(e)) => return Err(e),
            Err(_) => break,
        }
        if jsonl {
            p.record = p.src.at.line - 1;
        }
        let line = p.src.at.line;
        let result = p.value(0).and_then(|()| {
            if jsonl {
                // Only spaces, or another value, may follow a record on its line.
                while let Some(b) = p.src.peek()? {
                    match b {
                        b' ' | b'\t' => p.src.bump(),
                        b'\n' | b'\r' | b'{' | b'[' => break,
                        _ => return Err(Fault::Syntax("text after the record")),
                    }
                }
            }
            Ok(())
        });
        match result {
            Ok(()) => {
                values_read += 1;
                if !jsonl {
                    p.record += 1;
                }
            }
            Err(Fault::Io(e)) => return Err(e),
            Err(Fault::Depth) => {
                reasons.push(Reason::new(
                    ReasonCode::JsonNestingLevelOverLimit,
                    format!(
                        "record at line {line} nests deeper than {} levels; the rest of it was not read",
                        limits.json_max_depth
                    ),
                ));
                if !jsonl {
                    return Ok(reasons);
                }
                skip_line(&mut p.src)?;
            }
            Err(fault) => {
                let what = match fault {
                    Fault::Eof => "unexpected end of input",
                    Fault::Syntax(s) => s,
                    _ => "invalid JSON",
                };
                if jsonl {
                    if malformed_lines == 0 {
                        first_bad_line = p.src.at.line;
                    }
                    malformed_lines += 1;
                    if p.src.at.line == line {
                        skip_line(&mut p.src)?;
                    }
                    continue;
                }
                let at = p.src.at;
                reasons.push(Reason::new(
                    ReasonCode::MalformedFile,
                    format!(
                        "invalid JSON at line {} column {}: {what}; the rest was scanned as text",
                        at.line,
                        at.column0 + 1
                    ),
                ));
                // Scan what is left as plain text, so that nothing is silently lost.
                let Parser { src, sink, .. } = p;
                let (pos, rest) = src.into_rest();
                if let Some(sink) = sink {
                    text::stream(rest, pos, limits, member, sink)?;
                }
                return Ok(reasons);
            }
        }
    }
    if !jsonl && values_read == 0 && reasons.is_empty() {
        reasons.push(Reason::new(
            ReasonCode::MalformedFile,
            "no JSON value in the file",
        ));
    }
    if malformed_lines > 0 {
        reasons.push(Reason::new(
            ReasonCode::MalformedFile,
            format!(
                "{malformed_lines} line(s) are not valid JSON (first at line {first_bad_line}); they were not scanned"
            ),
        ));
    }
    Ok(reasons)
}

fn skip_line<R: Read>(src: &mut Src<R>) -> io::Result<()> {
    match src.skip_line() {
        Ok(()) => Ok(()),
        Err(Fault::Io(e)) => Err(e),
        Err(_) => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffing() {
        use super::super::json_sniff::sniff;
        assert_eq!(sniff(b"{\"a\":1}", false), Some(Format::Json));
        assert_eq!(sniff(b"{\"a\":1}\n{\"a\":2}\n", false), Some(Format::Jsonl));
        assert_eq!(
            sniff(b"[\n {\"a\":1},\n {\"a\":2}\n]\n", false),
            Some(Format::Json)
        );
        assert_eq!(sniff(b"{\n \"a\": 1\n}\n", false), Some(Format::Json));
        assert_eq!(sniff(b"{\"a\": \"cut", false), Some(Format::Json));
        assert_eq!(sniff(b"[2024-01-01] log", false), None);
        assert_eq!(sniff(b"{not json}", false), None);
        assert_eq!(sniff(b"hello", false), None);
    }

    #[test]
    fn paths_render() {
        let mut p = Path::default();
        p.push_key("customer");
        p.push_key("cards");
        p.push_index(1);
        p.push_key("odd key");
        assert_eq!(p.render(), "$.customer.cards[1]['odd key']");
        assert_eq!(p.names, "customer\ncards\nodd key");
        p.pop();
        p.pop();
        p.pop();
        assert_eq!(p.names, "customer");
        assert_eq!(p.render(), "$.customer");
        // Indexes are rewritten in place as an array is walked, whatever their width.
        p.push_index(9);
        assert_eq!(p.render(), "$.customer[9]");
        p.set_index(10);
        p.push_key("n");
        assert_eq!(p.render(), "$.customer[10].n");
        p.pop();
        p.set_index(1_000_000_007);
        assert_eq!(p.render(), "$.customer[1000000007]");
        p.set_index(0);
        assert_eq!(p.render(), "$.customer[0]");
        p.pop();
        p.pop();
        assert_eq!(p.render(), "$");
        assert_eq!(p.names, "");
    }

    #[test]
    fn long_strings_are_read_in_runs_with_their_positions() {
        // Strings longer than the read buffer, escapes between runs, and values after them
        // on later lines: each value's text and start are those of a byte-by-byte read.
        struct Values(Vec<(String, String, u64, u64, u64)>);
        impl TextSink for Values {
            fn chunk(&mut self, c: &Chunk<'_>) {
                if let Locator::Record {
                    json_path, start, ..
                } = c.locator
                {
                    self.0.push((
                        json_path.to_string(),
                        String::from_utf8_lossy(c.text).into_owned(),
                        start.offset,
                        start.line,
                        start.column0,
                    ));
                }
            }
        }
        let long = "x".repeat(150_000);
        let doc = format!(
            "{{\"a\": \"{long}\\n{long}\",\n  \"b\": [\"\\u00e9t\\u00e9\", 12],\r\n \"c\": \"end\"}}"
        );
        let mut sink = Values(Vec::new());
        let limits = Limits {
            max_field_len: 1 << 20,
            ..Limits::default()
        };
        values(doc.as_bytes(), false, &limits, &[], &mut sink).unwrap();
        let got: Vec<_> = sink
            .0
            .iter()
            .filter(|v| !["a", "b", "c"].contains(&v.1.as_str()))
            .collect();
        assert_eq!(
            got.len(),
            4,
            "{:?}",
            got.iter().map(|v| (&v.0, v.1.len())).collect::<Vec<_>>()
        );
        assert_eq!(got[0].0, "$.a");
        assert!(
            got[0].1 == format!("{long}\n{long}"),
            "{} bytes",
            got[0].1.len()
        );
        assert_eq!((got[0].2, got[0].3, got[0].4), (7, 1, 7));
        assert_eq!((got[1].0.as_str(), got[1].1.as_str()), ("$.b[0]", "été"));
        let b0 = doc.find("\"\\u00e9").unwrap() as u64 + 1;
        assert_eq!((got[1].2, got[1].3, got[1].4), (b0, 2, 9));
        assert_eq!((got[2].0.as_str(), got[2].1.as_str()), ("$.b[1]", "12"));
        assert_eq!((got[3].0.as_str(), got[3].1.as_str()), ("$.c", "end"));
        let c0 = doc.find("\"end").unwrap() as u64 + 1;
        assert_eq!((got[3].2, got[3].3, got[3].4), (c0, 3, 7));
        // A string longer than the field cap is scanned in pieces of the cap.
        let mut pieces = Values(Vec::new());
        let small = Limits {
            max_field_len: 4096,
            ..Limits::default()
        };
        values(doc.as_bytes(), false, &small, &[], &mut pieces).unwrap();
        let a: Vec<_> = pieces
            .0
            .iter()
            .filter(|v| v.0 == "$.a" && v.1 != "a")
            .collect();
        assert!(a.iter().all(|v| v.1.len() <= 4096));
        let whole: String = a.iter().map(|v| v.1.as_str()).collect();
        assert!(whole == format!("{long}\n{long}"), "{} bytes", whole.len());
        // Each piece starts where the last ended (one byte per char here; the escape is two).
        assert_eq!(a[1].2, a[0].2 + 4096);
    }
}
