//! Format detection: magic bytes and content first, the name second.

use crate::extract::json_sniff;
use crate::format::{Format, TextEncoding};

/// How many leading bytes detection looks at.
pub const HEAD_LEN: usize = 64 * 1024;

/// The result of detection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Detected {
    /// The format.
    pub format: Format,
    /// The encoding, for text formats.
    pub encoding: TextEncoding,
}

fn extension(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    match base.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() => ext.to_ascii_lowercase(),
        _ => String::new(),
    }
}

fn magic(head: &[u8], ext: &str) -> Option<Format> {
    let starts = |m: &[u8]| head.starts_with(m);
    if starts(b"\x1f\x8b") {
        return Some(Format::Gzip);
    }
    if starts(b"PK\x03\x04") || starts(b"PK\x05\x06") || starts(b"PK\x07\x08") {
        if let Some(odf) = odf_mimetype(head) {
            return Some(odf);
        }
        return Some(match ext {
            "xlsx" | "xlsm" => Format::Xlsx,
            "xlsb" => Format::Xlsb,
            "docx" | "docm" => Format::Docx,
            "pptx" | "pptm" => Format::Pptx,
            "ods" | "ots" => Format::Ods,
            "odt" | "ott" => Format::Odt,
            "odp" | "otp" => Format::Odp,
            _ => Format::Zip,
        });
    }
    if starts(b"%PDF-") {
        return Some(Format::Pdf);
    }
    if starts(b"BZh") && head.len() > 3 && head[3].is_ascii_digit() {
        return Some(Format::Bzip2);
    }
    if starts(b"\xfd7zXZ\x00") {
        return Some(Format::Xz);
    }
    if starts(b"\x28\xb5\x2f\xfd") {
        return Some(Format::Zstd);
    }
    if starts(b"\x04\x22\x4d\x18") {
        return Some(Format::Lz4);
    }
    if starts(b"{\\rtf") || starts(b"\xef\xbb\xbf{\\rtf") {
        return Some(Format::Rtf);
    }
    if starts(b"7z\xbc\xaf\x27\x1c") {
        return Some(Format::SevenZ);
    }
    if starts(b"Obj\x01") {
        return Some(Format::Avro);
    }
    if starts(b"PAR1") || starts(b"PARE") {
        return Some(Format::Parquet);
    }
    if starts(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1") {
        // An OLE container: legacy Office, or an encrypted OOXML file (which keeps its name).
        return Some(match ext {
            "xls" | "xlt" => Format::Xls,
            "xlsx" | "xlsm" => Format::Xlsx,
            "xlsb" => Format::Xlsb,
            "docx" | "docm" => Format::Docx,
            "pptx" | "pptm" => Format::Pptx,
            "ppt" | "pps" | "pot" => Format::Ppt,
            "msg" => Format::Msg,
            _ => Format::Doc,
        });
    }
    if head.len() > 262 && &head[257..262] == b"ustar" {
        return Some(Format::Tar);
    }
    if tar_header_checksum_ok(head) {
        return Some(Format::Tar);
    }
    // Brotli streams carry no magic: known by their name only.
    if ext == "br" {
        return Some(Format::Brotli);
    }
    None
}

/// The OpenDocument format a zip package declares in its first entry, `mimetype`, stored
/// uncompressed as the specification requires (`application/vnd.oasis.opendocument.text`).
fn odf_mimetype(head: &[u8]) -> Option<Format> {
    let le16 = |at: usize| -> Option<usize> {
        let b = head.get(at..at + 2)?;
        Some(usize::from(u16::from_le_bytes([b[0], b[1]])))
    };
    if !head.starts_with(b"PK\x03\x04") || le16(8)? != 0 {
        return None;
    }
    let (name_len, extra_len) = (le16(26)?, le16(28)?);
    if head.get(30..30 + name_len)? != b"mimetype" {
        return None;
    }
    let data = head.get(30 + name_len + extra_len..)?;
    let kind = data.strip_prefix(b"application/vnd.oasis.opendocument.")?;
    let is = |k: &[u8]| {
        kind.strip_prefix(k)
            .is_some_and(|rest| rest.first().is_none_or(|b| !b.is_ascii_lowercase()))
    };
    if is(b"text") || is(b"text-template") || is(b"text-master") {
        Some(Format::Odt)
    } else if is(b"presentation") || is(b"presentation-template") {
        Some(Format::Odp)
    } else if is(b"spreadsheet") || is(b"spreadsheet-template") {
        Some(Format::Ods)
    } else {
        None
    }
}

/// Whether `head` starts with a tar header whose checksum is right (old v7 tars carry no
/// magic).
fn tar_header_checksum_ok(head: &[u8]) -> bool {
    let Some(h) = head.get(..512) else {
        return false;
    };
    let Some(field) = h.get(148..156) else {
        return false;
    };
    let text: String = field
        .iter()
        .skip_while(|b| **b == b' ' || **b == 0)
        .take_while(|b| (b'0'..=b'7').contains(*b))
        .map(|b| *b as char)
        .collect();
    let Ok(stored) = u32::from_str_radix(text.trim(), 8) else {
        return false;
    };
    // The name must be present and the header not all zeros.
    if h[0] == 0 {
        return false;
    }
    let sum: u32 = h
        .iter()
        .enumerate()
        .map(|(i, b)| {
            if (148..156).contains(&i) {
                32
            } else {
                u32::from(*b)
            }
        })
        .sum();
    // Historic tars summed signed bytes; accept either.
    let signed: i64 = h
        .iter()
        .enumerate()
        .map(|(i, b)| {
            if (148..156).contains(&i) {
                32
            } else {
                i64::from(*b as i8)
            }
        })
        .sum();
    sum == stored || signed == i64::from(stored)
}

/// Whether `head` is valid UTF-8, allowing a character cut at the end.
fn is_utf8_prefix(head: &[u8]) -> bool {
    match std::str::from_utf8(head) {
        Ok(_) => true,
        Err(e) => e.error_len().is_none() && head.len() - e.valid_up_to() < 4,
    }
}

/// Whether `head` looks like UTF-16 without a BOM: ASCII text with a NUL in every other byte.
fn utf16_without_bom(head: &[u8]) -> Option<TextEncoding> {
    let sample = &head[..head.len().min(1024) & !1];
    if sample.len() < 8 {
        return None;
    }
    let pairs = sample.len() / 2;
    let (mut even0, mut odd0) = (0usize, 0usize);
    for pair in sample.chunks_exact(2) {
        even0 += usize::from(pair[0] == 0);
        odd0 += usize::from(pair[1] == 0);
    }
    if even0 * 10 >= pairs * 9 && odd0 * 10 <= pairs {
        Some(TextEncoding::Utf16Be)
    } else if odd0 * 10 >= pairs * 9 && even0 * 10 <= pairs {
        Some(TextEncoding::Utf16Le)
    } else {
        None
    }
}

/// Extensions of text formats: a few NUL bytes in such a file do not make it binary.
fn text_extension(ext: &str) -> bool {
    matches!(
        ext,
        "csv"
            | "tsv"
            | "tab"
            | "txt"
            | "log"
            | "json"
            | "jsonl"
            | "ndjson"
            | "xml"
            | "html"
            | "htm"
            | "md"
            | "yaml"
            | "yml"
    )
}

fn mostly_control(head: &[u8]) -> bool {
    let control = head
        .iter()
        .filter(|b| **b < 0x20 && !matches!(**b, b'\t' | b'\n' | b'\r' | 0x0c))
        .count();
    head.len() >= 8 && control * 10 > head.len() * 3
}

/// Decodes a head for sniffing (lossy; a cut character at the end is harmless).
fn decoded_head(head: &[u8], encoding: TextEncoding) -> std::borrow::Cow<'_, [u8]> {
    let enc = match encoding {
        TextEncoding::Utf8 => {
            return std::borrow::Cow::Borrowed(head.strip_prefix(b"\xef\xbb\xbf").unwrap_or(head))
        }
        TextEncoding::Utf16Le => encoding_rs::UTF_16LE,
        TextEncoding::Utf16Be => encoding_rs::UTF_16BE,
        TextEncoding::Latin1 => encoding_rs::WINDOWS_1252,
    };
    let (text, _, _) = enc.decode(head);
    std::borrow::Cow::Owned(text.into_owned().into_bytes())
}

/// Detects the format of content that starts with `head` (up to [`HEAD_LEN`] bytes; all of it
/// for a small object) and is called `name`.
pub fn detect(head: &[u8], name: &str) -> Detected {
    let ext = extension(name);
    let text = |format, encoding| Detected { format, encoding };
    if let Some(m) = magic(head, &ext) {
        return text(m, TextEncoding::Utf8);
    }
    let encoding = if head.starts_with(b"\xff\xfe") {
        TextEncoding::Utf16Le
    } else if head.starts_with(b"\xfe\xff") {
        TextEncoding::Utf16Be
    } else if let Some(e) = utf16_without_bom(head) {
        e
    } else if memchr::memchr(0, head).is_some() && (!text_extension(&ext) || mostly_control(head)) {
        return text(Format::Binary, TextEncoding::Utf8);
    } else if is_utf8_prefix(head) {
        TextEncoding::Utf8
    } else {
        TextEncoding::Latin1
    };
    let jsonl_name = matches!(ext.as_str(), "jsonl" | "ndjson");
    let sniffed = json_sniff::sniff(&decoded_head(head, encoding), jsonl_name);
    if let Some(kind) = sniffed {
        return text(kind, encoding);
    }
    if let Some(markup) = crate::extract::markup::sniff(&decoded_head(head, encoding), &ext) {
        return text(markup, encoding);
    }
    if crate::extract::eml::sniff(&decoded_head(head, encoding), &ext) {
        return text(Format::Eml, encoding);
    }
    let format = match ext.as_str() {
        // Named JSON but not valid JSON: the JSON extractor reports where it breaks.
        "json" | "geojson" => Format::Json,
        "jsonl" | "ndjson" => Format::Jsonl,
        "csv" => Format::Csv,
        "tsv" | "tab" => Format::Tsv,
        _ => Format::Txt,
    };
    text(format, encoding)
}

/// The format a name suggests, for objects whose content could not be read.
pub fn format_from_name(name: &str) -> Format {
    let ext = extension(name);

    match ext.as_str() {
        "csv" => Format::Csv,
        "tsv" | "tab" => Format::Tsv,
        "json" => Format::Json,
        "jsonl" | "ndjson" => Format::Jsonl,
        "txt" | "log" | "md" | "yaml" | "yml" | "ini" | "conf" | "cfg" | "env" | "toml" => {
            Format::Txt
        }
        "gz" | "tgz" => Format::Gzip,
        "bz2" | "tbz" | "tbz2" => Format::Bzip2,
        "xz" | "txz" => Format::Xz,
        "zst" => Format::Zstd,
        "lz4" => Format::Lz4,
        "br" => Format::Brotli,
        "rtf" => Format::Rtf,
        "msg" => Format::Msg,
        "ppt" | "pps" => Format::Ppt,
        "zip" | "zipx" | "jar" => Format::Zip,
        "tar" => Format::Tar,
        "7z" => Format::SevenZ,
        "xml" => Format::Xml,
        "html" | "htm" => Format::Html,
        "eml" => Format::Eml,
        "pdf" => Format::Pdf,
        "xlsx" | "xlsm" => Format::Xlsx,
        "xlsb" => Format::Xlsb,
        "xls" => Format::Xls,
        "ods" => Format::Ods,
        "odt" => Format::Odt,
        "odp" => Format::Odp,
        "docx" => Format::Docx,
        "pptx" => Format::Pptx,
        "doc" => Format::Doc,
        "parquet" => Format::Parquet,
        "avro" => Format::Avro,
        _ => Format::Binary,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_before_name() {
        assert_eq!(detect(b"{\"a\": 1}", "x.txt").format, Format::Json);
        assert_eq!(
            detect(b"{\"a\": 1}\n{\"a\": 2}\n", "x.log").format,
            Format::Jsonl
        );
        assert_eq!(
            detect(b"[2024-01-01 12:00] started", "app.log").format,
            Format::Txt
        );
        assert_eq!(detect(b"a,b\n1,2\n", "t.csv").format, Format::Csv);
        assert_eq!(detect(b"a\tb\n", "t.tsv").format, Format::Tsv);
        assert_eq!(
            detect(b"\x89PNG\r\n\x1a\n\0\0", "p.png").format,
            Format::Binary
        );
        assert_eq!(detect(b"PK\x03\x04rest", "a.zip").format.name(), "zip");
        assert_eq!(detect(b"hello", "README").format, Format::Txt);
        assert_eq!(detect(b" ", "x.json").format, Format::Json);
        assert_eq!(detect(b"a,b\n1,\0,2\n", "nul.csv").format, Format::Csv);
        assert_eq!(
            detect(b"\0\0\0\x01\x02\x03a,b", "nul.csv").format,
            Format::Binary
        );
    }

    #[test]
    fn encodings() {
        assert_eq!(
            detect(b"\xff\xfeh\0i\0", "u.txt").encoding,
            TextEncoding::Utf16Le
        );
        assert_eq!(
            detect(b"caf\xe9 ok", "l.txt").encoding,
            TextEncoding::Latin1
        );
        assert_eq!(
            detect("café".as_bytes(), "u.txt").encoding,
            TextEncoding::Utf8
        );
        // A UTF-8 character cut by the head limit is still UTF-8.
        assert_eq!(
            detect(&"café".as_bytes()[..4], "u.txt").encoding,
            TextEncoding::Utf8
        );
    }
}
