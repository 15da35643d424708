//! RTF documents, decoded to their text: control words dropped, `\uN` (with its `\ucN`
//! fallback skipped) and `\'hh` escapes decoded in the document's code page (`\ansicpg`, or a
//! font's `\fcharset`), destinations that hold no text skipped (font, colour and style tables,
//! pictures, embedded objects, `\bin` data, every `{\*\...}` group), the document information
//! (`\info`: title, author, ...) kept. `\par`, `\line`, `\row` end lines; `\tab` and `\cell`
//! separate with a tab. Located by line of the decoded text.
//!
//! Written here rather than taken from a crate: the RTF crates on crates.io (`rtf-parser` and
//! its forks) lex `&str` only (an RTF file is bytes in a code page), decode no `\'hh` escape
//! against the code page, and build a token vector of the whole file without limits. The
//! decoder below is one pass over the bytes with bounded state: groups deeper than
//! [`MAX_DEPTH`] are skipped, `\binN` never reaches past the end, control words and their
//! numbers have bounded lengths.

use std::collections::HashMap;
use std::io;

use encoding_rs::Encoding;

use super::ctx::{Content, Ctx};
use crate::location::StreamPos;
use crate::reason::ReasonCode;

/// Groups nested deeper than this are skipped (with a reason).
const MAX_DEPTH: usize = 512;
/// Longest control word the spec allows (32 letters).
const MAX_WORD: usize = 32;

/// Destinations whose content is not text: skipped with their group.
const SKIPPED: &[&[u8]] = &[
    b"fonttbl",
    b"colortbl",
    b"stylesheet",
    b"listtable",
    b"listoverridetable",
    b"revtbl",
    b"rsidtbl",
    b"filetbl",
    b"pict",
    b"objdata",
    b"themedata",
    b"colorschememapping",
    b"datastore",
    b"latentstyles",
    b"xmlnstbl",
    b"fldinst",
    b"generator",
    b"pgdsctbl",
    b"mmathPr",
    b"private",
];

/// Document information kept, each ended by a line break.
const INFO_FIELDS: &[&[u8]] = &[
    b"title",
    b"subject",
    b"author",
    b"manager",
    b"company",
    b"operator",
    b"category",
    b"keywords",
    b"comment",
    b"doccomm",
    b"hlinkbase",
];

/// The text of an RTF document, and what was wrong with it.
#[derive(Debug, Default)]
pub(crate) struct Decoded {
    pub(crate) text: String,
    pub(crate) fault: Option<String>,
}

#[derive(Clone, Copy)]
struct Group {
    skip: bool,
    fonttbl: bool,
    newline_after: bool,
    uc: u32,
    encoding: &'static Encoding,
}

struct Decoder<'a> {
    bytes: &'a [u8],
    at: usize,
    out: String,
    /// Bytes of text in the group's code page, decoded together (a DBCS character may come as
    /// two `\'hh` escapes).
    pending: Vec<u8>,
    pending_encoding: &'static Encoding,
    /// A high surrogate from `\uN`, waiting for its low half.
    high: Option<u16>,
    groups: Vec<Group>,
    cur: Group,
    /// Groups opened past [`MAX_DEPTH`], skipped whole.
    overflow: usize,
    /// Fallback characters still to skip after a `\uN`.
    to_skip: u32,
    default_encoding: &'static Encoding,
    fonts: HashMap<i32, &'static Encoding>,
    font: Option<i32>,
    fault: Option<String>,
}

/// Decodes an RTF document to text.
pub(crate) fn decode(bytes: &[u8]) -> Decoded {
    let cur = Group {
        skip: false,
        fonttbl: false,
        newline_after: false,
        uc: 1,
        encoding: encoding_rs::WINDOWS_1252,
    };
    let mut d = Decoder {
        bytes,
        at: 0,
        out: String::with_capacity(bytes.len() / 2),
        pending: Vec::new(),
        pending_encoding: encoding_rs::WINDOWS_1252,
        high: None,
        groups: Vec::new(),
        cur,
        overflow: 0,
        to_skip: 0,
        default_encoding: encoding_rs::WINDOWS_1252,
        fonts: HashMap::new(),
        font: None,
        fault: None,
    };
    d.run();
    d.flush();
    Decoded {
        text: d.out,
        fault: d.fault,
    }
}

impl Decoder<'_> {
    fn run(&mut self) {
        while let Some(&b) = self.bytes.get(self.at) {
            self.at += 1;
            match b {
                b'{' => self.open(),
                b'}' => self.close(),
                b'\\' => self.control(),
                b'\r' | b'\n' => {}
                _ => {
                    if self.skipping_fallback() {
                        continue;
                    }
                    self.byte(b);
                }
            }
        }
    }

    fn open(&mut self) {
        self.to_skip = 0;
        if self.overflow > 0 || self.groups.len() >= MAX_DEPTH {
            if self.overflow == 0 && self.fault.is_none() {
                self.fault = Some(format!(
                    "groups nested deeper than {MAX_DEPTH} levels; their text was skipped"
                ));
            }
            self.overflow += 1;
            return;
        }
        self.groups.push(self.cur);
        self.cur.newline_after = false;
    }

    fn close(&mut self) {
        self.to_skip = 0;
        if self.overflow > 0 {
            self.overflow -= 1;
            return;
        }
        let newline = self.cur.newline_after && !self.cur.skip;
        if let Some(g) = self.groups.pop() {
            self.flush();
            if newline {
                self.out.push('\n');
            }
            self.cur = g;
        }
    }

    /// Whether the next text unit is a `\uN` fallback to skip (and counts it).
    fn skipping_fallback(&mut self) -> bool {
        if self.to_skip > 0 {
            self.to_skip -= 1;
            return true;
        }
        false
    }

    fn skipped(&self) -> bool {
        self.cur.skip || self.overflow > 0
    }

    fn byte(&mut self, b: u8) {
        if self.skipped() {
            return;
        }
        if self.pending_encoding != self.cur.encoding {
            self.flush();
            self.pending_encoding = self.cur.encoding;
        }
        self.pending.push(b);
    }

    fn flush(&mut self) {
        if !self.pending.is_empty() {
            let (s, _) = self
                .pending_encoding
                .decode_without_bom_handling(&self.pending);
            self.out.push_str(&s);
            self.pending.clear();
        }
        if self.high.take().is_some() {
            self.out.push('\u{fffd}');
        }
    }

    fn push(&mut self, s: &str) {
        if self.skipped() {
            return;
        }
        self.flush();
        self.out.push_str(s);
    }

    fn control(&mut self) {
        let Some(&c) = self.bytes.get(self.at) else {
            return;
        };
        if !c.is_ascii_alphabetic() {
            self.at += 1;
            return self.symbol(c);
        }
        let start = self.at;
        while self.at - start < MAX_WORD
            && self.bytes.get(self.at).is_some_and(u8::is_ascii_alphabetic)
        {
            self.at += 1;
        }
        let word = &self.bytes[start..self.at];
        let mut param: Option<i64> = None;
        let neg = self.bytes.get(self.at) == Some(&b'-');
        let digits_from = self.at + usize::from(neg);
        let mut end = digits_from;
        while self.bytes.get(end).is_some_and(u8::is_ascii_digit) {
            end += 1;
        }
        if end > digits_from {
            // Digits past the spec's ten saturate the value rather than become text.
            let n = self.bytes[digits_from..end].iter().fold(0i64, |n, d| {
                n.saturating_mul(10).saturating_add(i64::from(d - b'0'))
            });
            param = Some(if neg { -n } else { n });
            self.at = end;
        }
        if self.bytes.get(self.at) == Some(&b' ') {
            self.at += 1;
        }
        self.word(word, param);
    }

    fn symbol(&mut self, c: u8) {
        if c == b'\'' {
            let hex = self.bytes.get(self.at..self.at + 2);
            let value = hex
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok());
            if let Some(v) = value {
                self.at += 2;
                if !self.skipping_fallback() {
                    self.byte(v);
                }
            }
            return;
        }
        if self.skipping_fallback() {
            return;
        }
        match c {
            b'*' => self.cur.skip = true,
            b'\\' | b'{' | b'}' => self.byte(c),
            b'~' => self.push("\u{a0}"),
            b'_' => self.push("-"),
            b'\r' | b'\n' => self.push("\n"),
            b'\t' => self.push("\t"),
            _ => {}
        }
    }

    fn word(&mut self, word: &[u8], param: Option<i64>) {
        match word {
            b"bin" => {
                // Binary data: skipped, and never past the end.
                let n = usize::try_from(param.unwrap_or(0).max(0)).unwrap_or(usize::MAX);
                let left = self.bytes.len() - self.at;
                if n > left && self.fault.is_none() {
                    self.fault = Some(format!(
                        "\\bin declares {n} bytes of binary data, {left} are left"
                    ));
                }
                self.at += n.min(left);
                self.to_skip = self.to_skip.saturating_sub(1);
                return;
            }
            b"u" => return self.unicode(param.unwrap_or(0)),
            b"uc" => {
                self.cur.uc = u32::try_from(param.unwrap_or(1).clamp(0, 16)).unwrap_or(1);
                return;
            }
            _ => {}
        }
        if self.skipping_fallback() {
            return;
        }
        if self.cur.fonttbl {
            return self.font_table_word(word, param);
        }
        match word {
            b"par" | b"line" | b"row" | b"sect" | b"page" | b"softline" => self.push("\n"),
            b"tab" | b"cell" | b"nestcell" => self.push("\t"),
            b"emdash" => self.push("\u{2014}"),
            b"endash" => self.push("\u{2013}"),
            b"bullet" => self.push("\u{2022}"),
            b"lquote" => self.push("\u{2018}"),
            b"rquote" => self.push("\u{2019}"),
            b"ldblquote" => self.push("\u{201c}"),
            b"rdblquote" => self.push("\u{201d}"),
            b"emspace" | b"enspace" | b"qmspace" => self.push(" "),
            b"ansi" => self.set_default(encoding_rs::WINDOWS_1252),
            b"mac" => self.set_default(encoding_rs::MACINTOSH),
            b"ansicpg" => {
                if let Some(e) = param.and_then(codepage) {
                    self.set_default(e);
                }
            }
            b"fonttbl" => {
                self.cur.skip = true;
                self.cur.fonttbl = true;
            }
            b"f" => {
                if let Some(n) = param.and_then(|p| i32::try_from(p).ok()) {
                    self.cur.encoding =
                        self.fonts.get(&n).copied().unwrap_or(self.default_encoding);
                }
            }
            b"plain" | b"pard" => {}
            w if SKIPPED.contains(&w) => self.cur.skip = true,
            w if INFO_FIELDS.contains(&w) => self.cur.newline_after = true,
            _ => {}
        }
    }

    fn set_default(&mut self, e: &'static Encoding) {
        self.default_encoding = e;
        self.cur.encoding = e;
        for g in &mut self.groups {
            g.encoding = e;
        }
    }

    fn font_table_word(&mut self, word: &[u8], param: Option<i64>) {
        match (word, param) {
            (b"f", Some(n)) => self.font = i32::try_from(n).ok(),
            (b"fcharset", Some(cs)) => {
                if let (Some(f), Some(e)) = (self.font, charset(cs)) {
                    if self.fonts.len() < 4096 {
                        self.fonts.insert(f, e);
                    }
                }
            }
            (b"cpg", Some(cp)) => {
                if let (Some(f), Some(e)) = (self.font, codepage(cp)) {
                    if self.fonts.len() < 4096 {
                        self.fonts.insert(f, e);
                    }
                }
            }
            _ => {}
        }
    }

    fn unicode(&mut self, n: i64) {
        if self.skipping_fallback() {
            return;
        }
        self.to_skip = self.cur.uc;
        if self.skipped() {
            return;
        }
        // Negative values stand for code units above 32767.
        let unit = u16::try_from(if n < 0 { n + 65536 } else { n }).unwrap_or(0xfffd);
        let high = self.high.take();
        if !self.pending.is_empty() {
            self.flush();
        }
        match unit {
            0xD800..=0xDBFF => {
                if high.is_some() {
                    self.out.push('\u{fffd}');
                }
                self.high = Some(unit);
            }
            0xDC00..=0xDFFF => {
                let c = high.and_then(|h| char::decode_utf16([h, unit]).next()?.ok());
                self.out.push(c.unwrap_or('\u{fffd}'));
            }
            _ => {
                if high.is_some() {
                    self.out.push('\u{fffd}');
                }
                self.out
                    .push(char::from_u32(u32::from(unit)).unwrap_or('\u{fffd}'));
            }
        }
    }
}

/// The encoding of a Windows code page number, for those encoding_rs knows (others: None, and
/// the text keeps the code page it had).
pub(crate) fn codepage(cp: i64) -> Option<&'static Encoding> {
    Some(match cp {
        874 => encoding_rs::WINDOWS_874,
        932 => encoding_rs::SHIFT_JIS,
        936 => encoding_rs::GBK,
        949 => encoding_rs::EUC_KR,
        950 => encoding_rs::BIG5,
        1250 => encoding_rs::WINDOWS_1250,
        1251 => encoding_rs::WINDOWS_1251,
        1252 | 437 | 850 | 28591 | 20127 => encoding_rs::WINDOWS_1252,
        1253 => encoding_rs::WINDOWS_1253,
        1254 => encoding_rs::WINDOWS_1254,
        1255 => encoding_rs::WINDOWS_1255,
        1256 => encoding_rs::WINDOWS_1256,
        1257 => encoding_rs::WINDOWS_1257,
        1258 => encoding_rs::WINDOWS_1258,
        10000 => encoding_rs::MACINTOSH,
        20866 => encoding_rs::KOI8_R,
        21866 => encoding_rs::KOI8_U,
        28592 => encoding_rs::ISO_8859_2,
        28595 => encoding_rs::ISO_8859_5,
        28597 => encoding_rs::ISO_8859_7,
        28605 => encoding_rs::ISO_8859_15,
        50220 => encoding_rs::ISO_2022_JP,
        51932 => encoding_rs::EUC_JP,
        54936 => encoding_rs::GB18030,
        65001 => encoding_rs::UTF_8,
        _ => return None,
    })
}

/// The encoding of an RTF `\fcharset` (None: the document's default).
fn charset(cs: i64) -> Option<&'static Encoding> {
    codepage(match cs {
        77 => 10000,
        128 => 932,
        129 => 949,
        134 => 936,
        136 => 950,
        161 => 1253,
        162 => 1254,
        163 => 1258,
        177 => 1255,
        178 => 1256,
        186 => 1257,
        204 => 1251,
        222 => 874,
        238 => 1250,
        _ => return None,
    })
}

/// Extracts an RTF document: its decoded text, located by line.
pub(crate) fn extract(ctx: &mut Ctx<'_>, content: Content<'_>) -> io::Result<()> {
    let Some(buf) = super::text::spool_or_stream(ctx, content, "RTF document", "not decoded")?
    else {
        return Ok(());
    };
    emit_decoded(ctx, &buf);
    Ok(())
}

/// Decodes `rtf` and sends its text, located by line; a fault becomes a reason.
pub(crate) fn emit_decoded(ctx: &mut Ctx<'_>, rtf: &[u8]) {
    let decoded = decode(rtf);
    if let Some(f) = decoded.fault {
        ctx.reason(ReasonCode::MalformedFile, format!("rtf: {f}"));
    }
    if let Err(e) = super::text::stream(
        decoded.text.as_bytes(),
        StreamPos::start(),
        ctx.limits,
        &ctx.member,
        ctx.sink,
    ) {
        ctx.io_failure(&e);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(rtf: &str) -> String {
        decode(rtf.as_bytes()).text
    }

    #[test]
    fn words_escapes_and_destinations() {
        let rtf = r"{\rtf1\ansi\ansicpg1251{\fonttbl{\f0\fswiss Arial;}}{\colortbl;\red0;}{\*\generator x;}{\info{\title T1}{\author Ann}}\pard caf\'e9 \u1076?x\par a\tab b\cell c{\pict 0011ff}\bin3 {}}z}";
        assert_eq!(text(rtf), "T1\nAnn\ncaf\u{0439} \u{434}x\na\tb\tcz");
    }

    #[test]
    fn unicode_skips_and_surrogates() {
        assert_eq!(text(r"{\uc2\u233\'e9\'e9!}"), "\u{e9}!");
        assert_eq!(text(r"{\uc0\u-10179\u-8704 }"), "\u{1f600}");
        assert_eq!(text(r"{\u21834?}"), "\u{554a}");
    }

    #[test]
    fn code_pages_from_font_charsets() {
        let rtf = b"{\\rtf1\\ansi{\\fonttbl{\\f1\\fcharset134 SimSun;}}\\f1 \\'c4\\'e3}";
        assert_eq!(decode(rtf).text, "\u{4f60}");
    }

    #[test]
    fn hostile_input_is_bounded() {
        let deep = "{".repeat(10_000) + "x" + &"}".repeat(10_000);
        let d = decode(deep.as_bytes());
        assert!(d.fault.is_some());
        let d = decode(br"{\bin999999999 abc}");
        assert!(d.fault.unwrap().contains("bin"));
        assert_eq!(text(r"\u99999999999999999999"), "\u{fffd}");
        assert_eq!(text("\\"), "");
        assert_eq!(text(r"\'"), "");
    }
}
