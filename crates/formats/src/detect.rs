//! Format detection: magic bytes and content first, the name second.

use crate::extract::json;

/// How many leading bytes detection looks at.
pub const HEAD_LEN: usize = 64 * 1024;

/// A detected format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Format {
    /// Plain text of any kind.
    Txt,
    /// Comma (or sniffed) separated values.
    Csv,
    /// Tab separated values.
    Tsv,
    /// A JSON document (or a sequence of them).
    Json,
    /// JSON Lines.
    Jsonl,
    /// A recognised container or binary format with no extractor yet; the contract name.
    Unsupported(&'static str),
    /// Binary content of no recognised kind.
    Binary,
}

impl Format {
    /// The contract's `format` name.
    pub fn name(self) -> &'static str {
        match self {
            Format::Txt => "txt",
            Format::Csv => "csv",
            Format::Tsv => "tsv",
            Format::Json => "json",
            Format::Jsonl => "jsonl",
            Format::Unsupported(n) => n,
            Format::Binary => "binary",
        }
    }
}

/// The text encoding of text content.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TextEncoding {
    /// UTF-8 (or ASCII), BOM or not; scanned as raw bytes.
    Utf8,
    /// UTF-16 little endian with a BOM; transcoded to UTF-8.
    Utf16Le,
    /// UTF-16 big endian with a BOM; transcoded to UTF-8.
    Utf16Be,
    /// Not valid UTF-8: read as Windows-1252 (a superset of Latin-1), transcoded to UTF-8.
    Latin1,
}

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

fn magic(head: &[u8], ext: &str) -> Option<&'static str> {
    let starts = |m: &[u8]| head.starts_with(m);
    if starts(b"\x1f\x8b") {
        return Some("gzip");
    }
    if starts(b"PK\x03\x04") || starts(b"PK\x05\x06") || starts(b"PK\x07\x08") {
        return Some(match ext {
            "xlsx" | "xlsm" => "xlsx",
            "xlsb" => "xlsb",
            "docx" | "docm" => "docx",
            "pptx" | "pptm" => "pptx",
            "ods" => "ods",
            _ => "zip",
        });
    }
    if starts(b"%PDF-") {
        return Some("pdf");
    }
    if starts(b"BZh") && head.len() > 3 && head[3].is_ascii_digit() {
        return Some("bzip2");
    }
    if starts(b"\xfd7zXZ\x00") {
        return Some("xz");
    }
    if starts(b"\x28\xb5\x2f\xfd") {
        return Some("zstd");
    }
    if starts(b"7z\xbc\xaf\x27\x1c") {
        return Some("7z");
    }
    if starts(b"Obj\x01") {
        return Some("avro");
    }
    if starts(b"PAR1") {
        return Some("parquet");
    }
    if starts(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1") {
        return Some(match ext {
            "xls" => "xls",
            _ => "doc",
        });
    }
    if head.len() > 262 && &head[257..262] == b"ustar" {
        return Some("tar");
    }
    None
}

/// Whether `head` is valid UTF-8, allowing a character cut at the end.
fn is_utf8_prefix(head: &[u8]) -> bool {
    match std::str::from_utf8(head) {
        Ok(_) => true,
        Err(e) => e.error_len().is_none() && head.len() - e.valid_up_to() < 4,
    }
}

/// Detects the format of content that starts with `head` (up to [`HEAD_LEN`] bytes; all of it
/// for a small object) and is called `name`.
pub fn detect(head: &[u8], name: &str) -> Detected {
    let ext = extension(name);
    let text = |format, encoding| Detected { format, encoding };
    if let Some(m) = magic(head, &ext) {
        return text(Format::Unsupported(m), TextEncoding::Utf8);
    }
    let encoding = if head.starts_with(b"\xff\xfe") {
        TextEncoding::Utf16Le
    } else if head.starts_with(b"\xfe\xff") {
        TextEncoding::Utf16Be
    } else if memchr::memchr(0, head).is_some() {
        return text(Format::Binary, TextEncoding::Utf8);
    } else if is_utf8_prefix(head) {
        TextEncoding::Utf8
    } else {
        TextEncoding::Latin1
    };
    if encoding == TextEncoding::Utf8 {
        let body = head.strip_prefix(b"\xef\xbb\xbf").unwrap_or(head);
        if let Some(kind) = json::sniff(body, matches!(ext.as_str(), "jsonl" | "ndjson")) {
            return text(kind, encoding);
        }
    }
    let format = match ext.as_str() {
        "csv" => Format::Csv,
        "tsv" | "tab" => Format::Tsv,
        _ => Format::Txt,
    };
    text(format, encoding)
}

/// The format a name suggests, for objects whose content could not be read.
pub fn format_from_name(name: &str) -> Format {
    let ext = extension(name);
    if let Some(m) = magic(b"", &ext) {
        return Format::Unsupported(m);
    }
    match ext.as_str() {
        "csv" => Format::Csv,
        "tsv" | "tab" => Format::Tsv,
        "json" => Format::Json,
        "jsonl" | "ndjson" => Format::Jsonl,
        "txt" | "log" | "md" | "yaml" | "yml" | "ini" | "conf" | "cfg" | "env" | "toml" => {
            Format::Txt
        }
        "gz" | "tgz" => Format::Unsupported("gzip"),
        "zip" => Format::Unsupported("zip"),
        "tar" => Format::Unsupported("tar"),
        "pdf" => Format::Unsupported("pdf"),
        "xlsx" => Format::Unsupported("xlsx"),
        "docx" => Format::Unsupported("docx"),
        "parquet" => Format::Unsupported("parquet"),
        "avro" => Format::Unsupported("avro"),
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
