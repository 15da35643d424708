//! Extractors: one module per format. Each pushes text chunks with locators to a [`TextSink`].

pub(crate) mod archive;
pub(crate) mod csv;
pub(crate) mod data;
pub(crate) mod eml;
pub(crate) mod json;
pub(crate) mod markup;
pub(crate) mod office;
pub(crate) mod pdf;
pub(crate) mod sevenz;
mod tar_headers;
pub(crate) mod text;

use std::io::{self, Read, Seek, SeekFrom};
use std::ops::Range;

use crate::detect::{detect, format_from_name, Detected, HEAD_LEN};
use crate::format::Format;
pub use crate::limits::Limits;
use crate::limits::{limit_of, Budget};
use crate::location::Locator;
use crate::reason::{Reason, ReasonCode};

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

/// A reader that can also seek (a local file, a spooled member).
pub trait ReadSeek: Read + Seek {}
impl<T: Read + Seek + ?Sized> ReadSeek for T {}

/// Content to extract: a stream, or something that can seek (which formats with a directory
/// at the end, like zip, need; a stream is spooled for them).
pub(crate) enum Input<'r> {
    Stream(&'r mut dyn Read),
    Seek(&'r mut dyn ReadSeek),
}

/// The state of one object's extraction, handed down through archive layers.
pub(crate) struct Ctx<'a> {
    pub(crate) limits: &'a Limits,
    pub(crate) budget: &'a Budget,
    pub(crate) sink: &'a mut dyn TextSink,
    pub(crate) reasons: Vec<Reason>,
    /// Path of the content being read, outermost first (empty for the object itself).
    pub(crate) member: Vec<String>,
    /// Archive and compression layers above the content being read.
    pub(crate) depth: usize,
}

impl Ctx<'_> {
    /// Records a reason about the content being read.
    pub(crate) fn reason(&mut self, code: ReasonCode, message: impl Into<String>) {
        let global = matches!(
            code,
            ReasonCode::ArchiveTotalBytesExtractedOverLimit
                | ReasonCode::ArchiveTotalDocumentsProcessedOverLimit
                | ReasonCode::TimeCutOffReached
        );
        // A limit for the whole object is reported once.
        if global && self.reasons.iter().any(|r| r.code == code) {
            return;
        }
        self.reasons.push(Reason {
            code,
            member: self.member.clone(),
            message: message.into(),
        });
    }

    /// Records an I/O failure, or the limit that caused it.
    pub(crate) fn io_failure(&mut self, e: &io::Error) {
        match limit_of(e) {
            Some(code) => {
                let message = match code {
                    ReasonCode::TimeCutOffReached => "the time budget for this object was spent".to_string(),
                    ReasonCode::ArchiveTotalBytesExtractedOverLimit => format!(
                        "decompressed content over the limit ({} bytes per object, {} per member, or a {}:1 expansion ratio)",
                        self.limits.max_total_bytes, self.limits.max_member_bytes, self.limits.max_ratio
                    ),
                    _ => e.to_string(),
                };
                self.reason(code, message)
            }
            None => {
                let r = io_reason(e);
                self.reason(r.code, r.message)
            }
        }
    }

    /// Whether a limit for the whole object has been hit (stop reading more members).
    pub(crate) fn exhausted(&self) -> bool {
        matches!(
            self.budget.tripped(),
            Some(
                ReasonCode::ArchiveTotalBytesExtractedOverLimit
                    | ReasonCode::ArchiveTotalDocumentsProcessedOverLimit
                    | ReasonCode::TimeCutOffReached
            )
        )
    }

    /// Runs `f` for a member one layer down, with its name on the member path. Returns false
    /// (and records why) when the member is too deep to read.
    pub(crate) fn enter<T>(&mut self, name: &str, f: impl FnOnce(&mut Self) -> T) -> Option<T> {
        self.member.push(name.to_string());
        self.depth += 1;
        let out = if self.depth > self.limits.max_depth {
            let limit = self.limits.max_depth;
            self.reason(
                ReasonCode::ArchiveNestingLevelOverLimit,
                format!("nested deeper than {limit} archive or compression levels; not read"),
            );
            None
        } else {
            Some(f(self))
        };
        self.depth -= 1;
        self.member.pop();
        out
    }
}

/// Reads the first bytes of `reader` (up to `HEAD_LEN`), keeping what was read before a
/// failure.
pub(crate) fn read_head(reader: &mut dyn Read) -> (Vec<u8>, Option<io::Error>) {
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

impl<'r> Input<'r> {
    fn stream(self) -> &'r mut dyn Read {
        match self {
            Input::Stream(r) => r,
            Input::Seek(r) => r,
        }
    }
}

/// Detects and extracts one piece of content (the object, or a member of an archive) of
/// `size` bytes if known. Returns the detected format.
pub(crate) fn content(
    ctx: &mut Ctx<'_>,
    input: Input<'_>,
    name: &str,
    size: Option<u64>,
) -> Format {
    match input {
        Input::Seek(r) => {
            let (head, error) = read_head(r);
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
fn after_head(
    ctx: &mut Ctx<'_>,
    head: &[u8],
    head_error: Option<io::Error>,
    rest: Input<'_>,
    name: &str,
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
            Format::Txt if ctx.depth == 0 => ctx.reason(
                ReasonCode::MalformedFile,
                format!(
                    "named as {} content but it is text; scanned as text",
                    by_name.name()
                ),
            ),
            _ => {}
        }
    }
    // Self-extracting archives: a zip appended to an executable stub. Checked for executables
    // only (by content or name), the same way for files and streams, so that a bucket of
    // images is not read whole to look at each one's tail.
    let executable = head.starts_with(b"MZ")
        || head.starts_with(b"\x7fELF")
        || name.to_ascii_lowercase().ends_with(".exe");
    if detected.format == Format::Binary && executable && head_error.is_none() {
        return match archive::self_extracting(ctx, rest, size) {
            Ok(true) => Format::Zip,
            Ok(false) => {
                unsupported(ctx, "binary content of no supported format (an executable)");
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
    let result = dispatch(ctx, detected, head, rest, name, size);
    if let Err(e) = result {
        ctx.io_failure(&e);
    }
    if let Some(e) = head_error {
        ctx.io_failure(&e);
    }
    detected.format
}

fn dispatch(
    ctx: &mut Ctx<'_>,
    detected: Detected,
    head: &[u8],
    rest: Input<'_>,
    name: &str,
    size: Option<u64>,
) -> io::Result<()> {
    let enc = detected.encoding;
    match detected.format {
        Format::Txt => text::extract(rest.stream(), enc, ctx.limits, &ctx.member, ctx.sink),
        Format::Csv | Format::Tsv => {
            let tsv = detected.format == Format::Tsv;
            let r = csv::extract(
                rest.stream(),
                head,
                tsv,
                enc,
                ctx.limits,
                &ctx.member,
                ctx.sink,
            )?;
            ctx.add(r);
            Ok(())
        }
        Format::Json | Format::Jsonl => {
            let jsonl = detected.format == Format::Jsonl;
            let r = json::extract(rest.stream(), jsonl, enc, ctx.limits, &ctx.member, ctx.sink)?;
            ctx.add(r);
            Ok(())
        }
        Format::Gzip | Format::Bzip2 | Format::Xz | Format::Zstd => {
            archive::decompress(ctx, detected.format, rest.stream(), head, name, size)
        }
        Format::Tar => archive::tar(ctx, rest.stream()),
        Format::Zip => archive::zip(ctx, rest),
        Format::SevenZ => sevenz::extract(ctx, rest, name),
        Format::Xml | Format::Html => markup::extract(ctx, detected.format, rest.stream(), enc),
        Format::Eml => eml::extract(ctx, rest.stream(), name),
        Format::Pdf => pdf::extract(ctx, rest, name),
        Format::Xlsx
        | Format::Xlsb
        | Format::Xls
        | Format::Ods
        | Format::Docx
        | Format::Pptx
        | Format::Doc => office::extract(ctx, detected.format, rest, name),
        Format::Parquet | Format::Avro => data::extract(ctx, detected.format, rest, name),
        Format::Unsupported(n) => {
            unsupported(ctx, &format!("no extractor for {n} content"));
            Ok(())
        }
        Format::Binary => {
            unsupported(ctx, "binary content of no supported format");
            Ok(())
        }
    }
}

/// Content no extractor reads: the object is unsupported, or its archive is partial.
pub(crate) fn unsupported(ctx: &mut Ctx<'_>, message: &str) {
    if ctx.depth == 0 {
        ctx.reason(ReasonCode::UnsupportedFileType, message);
    } else {
        ctx.reason(ReasonCode::ArchiveContainsUnprocessedFiles, message);
    }
}

impl Ctx<'_> {
    /// Adds an extractor's reasons, placing them at the current member.
    pub(crate) fn add(&mut self, reasons: Vec<Reason>) {
        for mut r in reasons {
            if r.member.is_empty() {
                r.member = self.member.clone();
            }
            self.reasons.push(r);
        }
    }
}

fn io_reason(e: &io::Error) -> Reason {
    match e.kind() {
        io::ErrorKind::PermissionDenied => {
            Reason::new(ReasonCode::PermissionDenied, format!("read failed: {e}"))
        }
        // Decoders report corrupt or truncated content this way.
        io::ErrorKind::InvalidData | io::ErrorKind::InvalidInput | io::ErrorKind::UnexpectedEof => {
            Reason::new(
                ReasonCode::MalformedFile,
                format!("malformed or truncated content: {e}"),
            )
        }
        _ => Reason::new(ReasonCode::ReadError, format!("read failed: {e}")),
    }
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
    };
    let format = content(&mut ctx, input, name, size);
    Extraction {
        format,
        reasons: ctx.reasons,
    }
}
