//! Fonts: the character codes a content stream shows, to Unicode text.
//!
//! lopdf's own `extract_text` takes a font's `/Encoding` before its `/ToUnicode` map (so a
//! Type 0 font with `/Identity-H` and a map fails), drops a whole `/Differences` array for one
//! glyph name outside the Adobe Glyph List (TeX fonts name glyphs `ff`, `a12`, `uni0041`...),
//! and knows no predefined CJK CMaps. No well-kept crate does this part on lopdf's objects
//! (`pdf-extract` recurses into Form XObjects without a bound, which overflows the stack on
//! a self-referencing page, an abort no guard catches), so it is decided here per font and
//! per code, on lopdf's parsers and tables. Codes that map to nothing are counted, so that
//! the caller knows when it got far less text than the page shows.

use std::collections::HashMap;

use encoding_rs::Encoding as Charset;
use lopdf::{dictionary, Dictionary, Document, Encoding, Object};

/// How one font's codes become text.
pub(super) enum Decoder {
    /// One-byte codes (simple fonts): the text of each code, `None` where it maps to nothing.
    Simple(Vec<Option<Box<str>>>),
    /// A `/ToUnicode` CMap (variable-length codes, Type 0 fonts).
    Cmap(Encoding<'static>),
    /// A predefined CJK CMap whose codes are a legacy character set (Shift JIS, EUC, Big5).
    Charset(&'static Charset),
    /// Codes without any map (`/Identity-H` and no `/ToUnicode`): two bytes per glyph.
    Unmapped,
}

/// What decoding one string gave.
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct Counts {
    /// Glyphs shown.
    pub(super) glyphs: usize,
    /// Glyphs that mapped to no character.
    pub(super) unmapped: usize,
}

impl Counts {
    pub(super) fn add(&mut self, other: Counts) {
        self.glyphs += other.glyphs;
        self.unmapped += other.unmapped;
    }
}

impl Decoder {
    /// Appends the text of `bytes` (a string operand) to `out`.
    pub(super) fn decode(&self, bytes: &[u8], out: &mut String) -> Counts {
        match self {
            Decoder::Simple(table) => {
                let mut c = Counts {
                    glyphs: bytes.len(),
                    unmapped: 0,
                };
                for &b in bytes {
                    match table.get(usize::from(b)).and_then(Option::as_deref) {
                        Some(t) => out.push_str(t),
                        None => c.unmapped += 1,
                    }
                }
                c
            }
            Decoder::Cmap(encoding) => {
                let mut text = String::new();
                if encoding.write_to_string(bytes, &mut text).is_err() {
                    return Counts {
                        glyphs: bytes.len().div_ceil(2),
                        unmapped: bytes.len().div_ceil(2),
                    };
                }
                push_counted(&text, out)
            }
            Decoder::Charset(charset) => {
                let (text, _) = charset.decode_without_bom_handling(bytes);
                push_counted(&text, out)
            }
            Decoder::Unmapped => {
                let n = bytes.len().div_ceil(2);
                Counts {
                    glyphs: n,
                    unmapped: n,
                }
            }
        }
    }
}

/// Appends `text` without replacement characters, which count as unmapped glyphs.
fn push_counted(text: &str, out: &mut String) -> Counts {
    let mut c = Counts::default();
    for ch in text.chars() {
        c.glyphs += 1;
        if ch == '\u{FFFD}' {
            c.unmapped += 1;
        } else if ('\u{FB00}'..='\u{FB06}').contains(&ch) {
            out.push_str(&unligature(ch.encode_utf8(&mut [0; 4])));
        } else if ch != '\0' {
            out.push(ch);
        }
    }
    c
}

/// Builds decoders, remembering glyph names already looked up.
#[derive(Default)]
pub(super) struct Fonts {
    glyphs: HashMap<Vec<u8>, Option<Box<str>>>,
}

/// Glyph names remembered per document.
const MAX_GLYPH_NAMES: usize = 65_536;

impl Fonts {
    /// The decoder for `font`; `limit` bounds a decompressed `/ToUnicode` stream.
    pub(super) fn decoder(&mut self, doc: &Document, font: &Dictionary, limit: usize) -> Decoder {
        let subtype = font.get(b"Subtype").and_then(Object::as_name).ok();
        let cmap = to_unicode(doc, font, limit);
        if subtype == Some(b"Type0".as_slice()) {
            if let Some(cmap) = cmap {
                return Decoder::Cmap(cmap);
            }
            let name = font
                .get_deref(b"Encoding", doc)
                .and_then(Object::as_name)
                .unwrap_or(b"");
            return match predefined(name) {
                Some(charset) => Decoder::Charset(charset),
                None => Decoder::Unmapped,
            };
        }
        let mut table = self.simple_table(doc, font);
        if let Some(Encoding::UnicodeMapEncoding(cmap)) = cmap {
            for (code, slot) in table.iter_mut().enumerate() {
                if let Some(units) = cmap.get(code as u32, 1) {
                    let text = String::from_utf16_lossy(&units);
                    if !text.is_empty() && text != "\u{FFFD}" {
                        *slot = Some(unligature(&text).into_boxed_str());
                    }
                }
            }
        }
        Decoder::Simple(table)
    }

    /// The 256 codes of a simple font: its base encoding with its `/Differences`.
    fn simple_table(&mut self, doc: &Document, font: &Dictionary) -> Vec<Option<Box<str>>> {
        let encoding = font.get_deref(b"Encoding", doc).ok();
        let base = match encoding {
            Some(Object::Name(name)) => name.as_slice(),
            Some(Object::Dictionary(d)) => d
                .get(b"BaseEncoding")
                .and_then(Object::as_name)
                .unwrap_or(b"StandardEncoding"),
            _ => b"StandardEncoding",
        };
        let mut table = base_table(doc, base);
        let Some(Object::Dictionary(d)) = encoding else {
            return table;
        };
        let Ok(differences) = d.get_deref(b"Differences", doc).and_then(Object::as_array) else {
            return table;
        };
        let mut code = 0usize;
        for item in differences {
            match item {
                Object::Integer(i) => code = usize::try_from(*i).unwrap_or(256),
                Object::Name(name) => {
                    if let Some(slot) = table.get_mut(code) {
                        *slot = self.glyph(doc, name);
                    }
                    code = code.saturating_add(1);
                }
                _ => {}
            }
        }
        table
    }

    /// The text of a glyph name: `uniXXXX`, `uXXXX`, the Adobe Glyph List (lopdf's table), with
    /// a `.suffix` dropped and `_` ligatures joined.
    fn glyph(&mut self, doc: &Document, name: &[u8]) -> Option<Box<str>> {
        if let Some(known) = self.glyphs.get(name) {
            return known.clone();
        }
        let base = name.split(|&b| b == b'.').next().unwrap_or(name);
        let mut text = String::new();
        for part in base.split(|&b| b == b'_') {
            match glyph_part(doc, part) {
                Some(t) => text.push_str(&t),
                None => {
                    text.clear();
                    break;
                }
            }
        }
        let found = (!text.is_empty()).then(|| unligature(&text).into_boxed_str());
        if self.glyphs.len() < MAX_GLYPH_NAMES {
            self.glyphs.insert(name.to_vec(), found.clone());
        }
        found
    }
}

/// Latin ligatures (U+FB00..U+FB06, the Adobe Glyph List's `ff`, `fi`, ...) as their letters,
/// so that keywords and values written with them are found.
fn unligature(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\u{FB00}' => out.push_str("ff"),
            '\u{FB01}' => out.push_str("fi"),
            '\u{FB02}' => out.push_str("fl"),
            '\u{FB03}' => out.push_str("ffi"),
            '\u{FB04}' => out.push_str("ffl"),
            '\u{FB05}' | '\u{FB06}' => out.push_str("st"),
            c => out.push(c),
        }
    }
    out
}

/// One component of a glyph name.
fn glyph_part(doc: &Document, name: &[u8]) -> Option<String> {
    let hex = |s: &[u8]| -> Option<String> {
        let s = std::str::from_utf8(s).ok()?;
        let mut out = String::new();
        for i in (0..s.len()).step_by(4) {
            let unit = u32::from_str_radix(s.get(i..i + 4)?, 16).ok()?;
            out.push(char::from_u32(unit)?);
        }
        Some(out)
    };
    if let Some(rest) = name.strip_prefix(b"uni") {
        if !rest.is_empty() && rest.len() % 4 == 0 {
            if let Some(t) = hex(rest) {
                return Some(t);
            }
        }
    }
    if let Some(rest) = name.strip_prefix(b"u") {
        if (4..=6).contains(&rest.len()) {
            let s = std::str::from_utf8(rest).ok();
            if let Some(c) = s
                .and_then(|s| u32::from_str_radix(s, 16).ok())
                .and_then(char::from_u32)
            {
                return Some(c.to_string());
            }
        }
    }
    agl(doc, name)
}

/// A glyph name in the Adobe Glyph List. lopdf holds the list but does not export it; a
/// one-entry `/Differences` encoding asks it (an unknown name makes lopdf fall back to a base
/// encoding, which is not a `Differences`).
fn agl(doc: &Document, name: &[u8]) -> Option<String> {
    let font = dictionary! {
        "Type" => "Font",
        "Encoding" => dictionary! {
            "Differences" => vec![Object::Integer(65), Object::Name(name.to_vec())],
        },
    };
    let Ok(encoding @ Encoding::Differences(_)) = font.get_font_encoding(doc) else {
        return None;
    };
    let mut out = String::new();
    encoding.write_to_string(&[65], &mut out).ok()?;
    (!out.is_empty()).then_some(out)
}

/// A base encoding's 256 codes (lopdf's tables, asked code by code).
fn base_table(doc: &Document, name: &[u8]) -> Vec<Option<Box<str>>> {
    let name: &[u8] = match name {
        b"WinAnsiEncoding" | b"MacRomanEncoding" | b"MacExpertEncoding" | b"PDFDocEncoding" => name,
        _ => b"StandardEncoding",
    };
    let font = dictionary! {
        "Type" => "Font",
        "Encoding" => Object::Name(name.to_vec()),
    };
    let encoding = font.get_font_encoding(doc).ok();
    (0..=255u8)
        .map(|code| {
            let mut out = String::new();
            let e = encoding.as_ref()?;
            e.write_to_string(&[code], &mut out).ok()?;
            (!out.is_empty()).then(|| out.into_boxed_str())
        })
        .collect()
}

/// The font's `/ToUnicode` map, parsed by lopdf (a stream over `limit` bytes is not read).
fn to_unicode(doc: &Document, font: &Dictionary, limit: usize) -> Option<Encoding<'static>> {
    let map = font.get(b"ToUnicode").ok()?;
    let probe = dictionary! {
        "Type" => "Font",
        "ToUnicode" => map.clone(),
    };
    match probe.get_font_encoding_with_limit(doc, limit) {
        Ok(Encoding::UnicodeMapEncoding(cmap)) => Some(Encoding::UnicodeMapEncoding(cmap)),
        _ => None,
    }
}

/// The character set of a predefined CMap (ISO 32000-1, 9.7.5.2) whose codes are not CIDs
/// of Identity; Unicode ones decode as UTF-16BE.
fn predefined(name: &[u8]) -> Option<&'static Charset> {
    let name = std::str::from_utf8(name).ok()?;
    let name = name
        .strip_suffix("-H")
        .or_else(|| name.strip_suffix("-V"))
        .unwrap_or(name);
    let charset = match name {
        n if n.contains("RKSJ") => encoding_rs::SHIFT_JIS,
        "EUC" => encoding_rs::EUC_JP,
        n if n.starts_with("Uni") && (n.ends_with("UCS2") || n.ends_with("UTF16")) => {
            encoding_rs::UTF_16BE
        }
        n if n.starts_with("Uni") && n.ends_with("UTF8") => encoding_rs::UTF_8,
        "GB-EUC" | "GBpc-EUC" | "GBK-EUC" | "GBKp-EUC" | "GBK2K" | "GBT-EUC" | "GBTpc-EUC" => {
            encoding_rs::GB18030
        }
        n if n.contains("B5") => encoding_rs::BIG5,
        "KSC-EUC" | "KSCpc-EUC" | "KSCms-UHC" | "KSCms-UHC-HW" => encoding_rs::EUC_KR,
        _ => return None,
    };
    Some(charset)
}
