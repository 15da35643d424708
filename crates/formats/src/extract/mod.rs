//! Extractors: one module per format. Each pushes text chunks with locators to a [`TextSink`].

pub(crate) mod csv;
pub(crate) mod json;
pub(crate) mod text;

use std::io::{self, Read};
use std::ops::Range;

use crate::detect::{detect, Format, HEAD_LEN};
use crate::location::Locator;
use crate::reason::{Reason, ReasonCode};

/// Extraction limits. Defaults follow Amazon Macie's quotas where one applies.
#[derive(Clone, Debug)]
pub struct Limits {
    /// JSON nesting deeper than this gives `JSON_NESTING_LEVEL_OVER_LIMIT` (default 256).
    pub json_max_depth: usize,
    /// A single field (CSV cell, JSON string) longer than this is scanned in pieces of this
    /// size, so that memory stays bounded (default 16 MiB).
    pub max_field_len: usize,
    /// The read buffer for running text (default 4 MiB). Peak memory per stream is about this
    /// plus [`OVERLAP_AHEAD`].
    pub buffer_len: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            json_max_depth: 256,
            max_field_len: 16 << 20,
            buffer_len: 4 << 20,
        }
    }
}

/// How many bytes past the last reported position a stream chunk always holds (so a match
/// that starts in the reported range, PEM blocks included, is seen whole with its keywords).
/// Must be at least the engine's longest match plus its keyword reach.
pub const OVERLAP_AHEAD: usize = 80 * 1024;

/// How many bytes before the first reported position a stream chunk holds (keywords and
/// boundaries before a match). Must be at least the engine's look-behind.
pub const LOOKBEHIND: usize = 2048;

/// One piece of extracted text.
#[derive(Debug)]
pub struct Chunk<'a> {
    /// The text (UTF-8 for decoded content; raw bytes for UTF-8 files).
    pub text: &'a [u8],
    /// Positions in `text` whose matches belong to this chunk: report a match only if its
    /// start lies in this range (stream chunks overlap their neighbours).
    pub report: Range<usize>,
    /// Structural keyword context: a column name, or the element names on a JSON path.
    pub context: Option<&'a str>,
    /// Maps positions in `text` to locations.
    pub locator: Locator<'a>,
    /// Path inside archives, outermost first (empty for the object itself).
    pub member: &'a [String],
}

/// Receives extracted text.
pub trait TextSink {
    /// Called for each chunk, in content order.
    fn chunk(&mut self, chunk: &Chunk<'_>);
}

/// What an extraction did.
#[derive(Clone, Debug)]
pub struct Extraction {
    /// The detected format.
    pub format: Format,
    /// Why some or all content was not read; empty when all was.
    pub reasons: Vec<Reason>,
}

fn io_reason(e: &io::Error) -> Reason {
    let code = match e.kind() {
        io::ErrorKind::PermissionDenied => ReasonCode::PermissionDenied,
        _ => ReasonCode::ReadError,
    };
    Reason::new(code, format!("read failed: {e}"))
}

/// Reads the first bytes of `reader` (up to `HEAD_LEN`), keeping what was read before a
/// failure.
fn read_head(reader: &mut dyn Read) -> (Vec<u8>, Option<io::Error>) {
    let mut head = vec![0u8; HEAD_LEN];
    let mut len = 0;
    while len < HEAD_LEN {
        match reader.read(&mut head[len..]) {
            Ok(0) => break,
            Ok(n) => len += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => {
                head.truncate(len);
                return (head, Some(e));
            }
        }
    }
    head.truncate(len);
    (head, None)
}

/// Detects the format of `reader`'s content (named `name`) and extracts its text into `sink`.
/// Never fails: trouble becomes a reason in the result.
pub fn extract(
    reader: &mut dyn Read,
    name: &str,
    limits: &Limits,
    sink: &mut dyn TextSink,
) -> Extraction {
    let (head, head_error) = read_head(reader);
    if head.is_empty() {
        if let Some(e) = head_error {
            return Extraction {
                format: crate::detect::format_from_name(name),
                reasons: vec![io_reason(&e)],
            };
        }
    }
    let detected = detect(&head, name);
    let member: &[String] = &[];
    // After a failed head read only the head is scanned; the failure is reported below.
    let mut empty = io::empty();
    let tail: &mut dyn Read = if head_error.is_some() {
        &mut empty
    } else {
        reader
    };
    let rest = io::Cursor::new(&head[..]).chain(tail);
    let result: io::Result<Vec<Reason>> = match detected.format {
        Format::Unsupported(n) => Ok(vec![Reason::new(
            ReasonCode::UnsupportedFileType,
            format!("no extractor for {n} content"),
        )]),
        Format::Binary => Ok(vec![Reason::new(
            ReasonCode::UnsupportedFileType,
            "binary content of no supported format",
        )]),
        Format::Txt => {
            text::extract(rest, detected.encoding, limits, member, sink).map(|()| vec![])
        }
        Format::Csv | Format::Tsv => {
            let tsv = detected.format == Format::Tsv;
            csv::extract(rest, &head, tsv, detected.encoding, limits, member, sink)
        }
        Format::Json | Format::Jsonl => json::extract(
            rest,
            detected.format == Format::Jsonl,
            detected.encoding,
            limits,
            member,
            sink,
        ),
    };
    let mut reasons = match result {
        Ok(r) => r,
        Err(e) => vec![io_reason(&e)],
    };
    if let Some(e) = head_error {
        reasons.push(io_reason(&e));
    }
    Extraction {
        format: detected.format,
        reasons,
    }
}
