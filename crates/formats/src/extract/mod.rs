//! Extractors: one module per format family, each an [`Extractor`] that pushes text chunks with
//! locators to a [`TextSink`] through its [`Ctx`].

pub(crate) mod archive;
pub(crate) mod csv;
mod ctx;
pub(crate) mod data;
mod decoded;
pub(crate) mod eml;
pub(crate) mod json;
pub(crate) mod json_sniff;
pub(crate) mod markup;
pub(crate) mod office;
pub(crate) mod pdf;
pub(crate) mod rtf;
pub(crate) mod sevenz;
mod tar_headers;
pub(crate) mod text;

use std::io::{self, Read, SeekFrom};

use crate::detect::{detect, format_from_name, HEAD_LEN};
use crate::format::Format;
use crate::guard::CaughtPanic;
pub use crate::limits::Limits;
use crate::limits::{Budget, Timed};
use crate::reason::{Reason, ReasonCode};
pub(crate) use ctx::{unsupported, Content, Ctx, Extractor, Input};
pub use ctx::{Chunk, ReadSeek, TextSink, LOOKBEHIND, OVERLAP_AHEAD};

/// What an extraction did.
#[derive(Clone, Debug)]
pub struct Extraction {
    /// The detected format.
    pub format: Format,
    /// Why some or all content was not read; empty when all was.
    pub reasons: Vec<Reason>,
    /// Panics caught inside third-party readers (each also left a reason): for a warning
    /// line naming the object and the reader.
    pub panics: Vec<CaughtPanic>,
}

/// Reads the first bytes of `reader` (up to `HEAD_LEN`), keeping what was read before a
/// failure.
pub(crate) fn read_head(reader: &mut dyn Read) -> (Vec<u8>, Option<io::Error>) {
    // Not zero-filled first: most objects are smaller than the head, and the reads fill it.
    let mut head = Vec::with_capacity(HEAD_LEN);
    match reader.take(HEAD_LEN as u64).read_to_end(&mut head) {
        Ok(_) => (head, None),
        Err(e) => (head, Some(e)),
    }
}

/// Detects and extracts one piece of content (the object, or a member of an archive) of
/// `size` bytes if known. Returns the detected format.
fn content(ctx: &mut Ctx<'_>, input: Input<'_>, name: &str, size: Option<u64>) -> Format {
    match input {
        Input::Seek(r) => {
            let (head, error) = read_head(r);
            if error.is_none() && head.len() < HEAD_LEN {
                // The head is the whole content: extracted from memory, not read twice.
                let mut whole = io::Cursor::new(&head[..]);
                return after_head(ctx, &head, None, Input::Seek(&mut whole), name, size);
            }
            if error.is_none() && r.seek(SeekFrom::Start(0)).is_ok() {
                return after_head(ctx, &head, None, Input::Seek(r), name, size);
            }
            let mut empty = io::empty();
            let tail: &mut dyn Read = if error.is_some() { &mut empty } else { r };
            let mut rest = io::Cursor::new(&head[..]).chain(tail);
            after_head(ctx, &head, error, Input::Stream(&mut rest), name, size)
        }
        Input::Stream(r) => {
            let (head, error) = read_head(r);
            let mut empty = io::empty();
            // After a failed head read only the head is scanned; the failure is reported.
            let tail: &mut dyn Read = if error.is_some() { &mut empty } else { r };
            let mut rest = io::Cursor::new(&head[..]).chain(tail);
            after_head(ctx, &head, error, Input::Stream(&mut rest), name, size)
        }
    }
}

/// `rest` yields the whole content again, head included.
fn after_head<'c>(
    ctx: &mut Ctx<'_>,
    head: &'c [u8],
    head_error: Option<io::Error>,
    rest: Input<'c>,
    name: &'c str,
    size: Option<u64>,
) -> Format {
    if head.is_empty() {
        if let Some(e) = head_error {
            ctx.io_failure(&e);
            return format_from_name(name);
        }
    }
    // An empty member holds nothing to scan and nothing wrong (an empty object still goes to
    // its extractor, which may say a JSON or XML file without content is malformed).
    if head.is_empty() && head_error.is_none() && ctx.depth > 0 {
        return format_from_name(name);
    }
    let mut detected = detect(head, name);
    // Content not recognised, under an archive's name: let that extractor say what is wrong.
    let by_name = format_from_name(name);
    if by_name.by_magic() {
        match detected.format {
            Format::Binary => detected.format = by_name,
            // Only for the object itself: inside archives, names are often wrong and harmless.
            // `.msg` names Outlook messages and RFC 822 ones alike: a text one is no fault.
            Format::Txt if ctx.depth == 0 && by_name != Format::Msg => ctx.reason(
                ReasonCode::MalformedFile,
                format!(
                    "named as {} content but it is text; scanned as text",
                    by_name.name()
                ),
            ),
            _ => {}
        }
    }
    // Self-extracting archives: a zip appended to an executable or script stub, found by its
    // end-of-central-directory record at the tail. Checked behind such stubs only (by content
    // or name), the same way for files and streams, so that a bucket of images is not read
    // whole to look at each one's tail, and a RAR holding a zip stays a RAR.
    let executable = head.starts_with(b"MZ")
        || head.starts_with(b"\x7fELF")
        || head.starts_with(b"\xcf\xfa\xed\xfe")
        || head.starts_with(b"\xce\xfa\xed\xfe")
        || name.to_ascii_lowercase().ends_with(".exe");
    let stub = executable || head.starts_with(b"#!");
    if detected.format == Format::Binary && stub && head_error.is_none() {
        return match archive::self_extracting(ctx, rest, size) {
            Ok(true) => Format::Zip,
            Ok(false) => {
                unsupported(
                    ctx,
                    if executable {
                        "binary content of no supported format (an executable)"
                    } else {
                        "binary content of no supported format"
                    },
                );
                Format::Binary
            }
            Err(e) => {
                ctx.io_failure(&e);
                Format::Binary
            }
        };
    }
    // A zip behind a short prefix of other bytes: read as a zip (whose extractor reads it
    // through its directory, or says why it cannot).
    if detected.format == Format::Binary && archive::zip_local_header_after_prefix(head) {
        detected.format = Format::Zip;
    }
    let content = Content {
        format: detected.format,
        encoding: detected.encoding,
        head,
        input: rest,
        name,
    };
    ctx.found_format = None;
    let result = extractor(detected.format)(ctx, content);
    if let Some(found) = ctx.found_format.take() {
        detected.format = found;
    }
    if let Err(e) = result {
        ctx.io_failure(&e);
    }
    if let Some(e) = head_error {
        ctx.io_failure(&e);
    }
    detected.format
}

/// The extractor of each format.
fn extractor(format: Format) -> Extractor {
    match format {
        Format::Txt => text::extract,
        Format::Csv | Format::Tsv => csv::extract,
        Format::Json | Format::Jsonl => json::extract,
        Format::Gzip | Format::Bzip2 | Format::Xz | Format::Zstd | Format::Lz4 | Format::Brotli => {
            archive::decompress
        }
        Format::Tar => archive::tar,
        Format::Zip => archive::zip,
        Format::SevenZ => sevenz::extract,
        Format::Xml | Format::Html => markup::extract,
        Format::Eml => eml::extract,
        Format::Pdf => pdf::extract,
        Format::Xlsx
        | Format::Xlsb
        | Format::Xls
        | Format::Ods
        | Format::Docx
        | Format::Pptx
        | Format::Odt
        | Format::Odp
        | Format::Doc
        | Format::Ppt
        | Format::Msg => office::extract,
        Format::Rtf => rtf::extract,
        Format::Parquet => data::parquet::extract,
        Format::Avro => data::avro::extract,
        Format::Unsupported(_) | Format::Binary => no_extractor,
    }
}

/// Content of a format no extractor reads.
fn no_extractor(ctx: &mut Ctx<'_>, content: Content<'_>) -> io::Result<()> {
    match content.format {
        Format::Unsupported(n) => unsupported(ctx, &format!("no extractor for {n} content")),
        _ => unsupported(ctx, "binary content of no supported format"),
    }
    Ok(())
}

/// Detects the format of `reader`'s content (named `name`) and extracts its text into `sink`,
/// recursing into archives and compressed layers. Never fails: trouble becomes a reason in the
/// result.
pub fn extract(
    reader: &mut dyn Read,
    name: &str,
    limits: &Limits,
    sink: &mut dyn TextSink,
) -> Extraction {
    run(Input::Stream(reader), name, None, limits, sink)
}

/// Like [`extract`] for content that can seek (a local file): zip and other formats with a
/// directory at the end are read in place rather than spooled. `size` is its length.
pub fn extract_seekable(
    reader: &mut dyn ReadSeek,
    name: &str,
    size: Option<u64>,
    limits: &Limits,
    sink: &mut dyn TextSink,
) -> Extraction {
    run(Input::Seek(reader), name, size, limits, sink)
}

fn run(
    input: Input<'_>,
    name: &str,
    size: Option<u64>,
    limits: &Limits,
    sink: &mut dyn TextSink,
) -> Extraction {
    let budget = Budget::new(limits);
    let mut ctx = Ctx {
        limits,
        budget: &budget,
        sink,
        reasons: Vec::new(),
        member: Vec::new(),
        depth: 0,
        read_content: content,
        panics: Vec::new(),
        found_format: None,
    };
    // The object's own reads check the time budget, whatever the extractor does with them.
    let format = match input {
        Input::Stream(r) => {
            let mut timed = Timed::new(r, &budget);
            content(&mut ctx, Input::Stream(&mut timed), name, size)
        }
        Input::Seek(r) => {
            let mut timed = Timed::new(r, &budget);
            content(&mut ctx, Input::Seek(&mut timed), name, size)
        }
    };
    Extraction {
        format,
        reasons: ctx.reasons,
        panics: ctx.panics,
    }
}
