//! The context an extractor gets (limits, budget, sink, member path, depth, reasons) and the
//! chunks it sends.

use std::io::{self, Read, Seek};
use std::ops::Range;

use crate::format::{Format, TextEncoding};
use crate::guard::{self, CaughtPanic};
use crate::limits::{limit_of, Budget, Limits};
use crate::location::{Locator, StreamPos};
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

/// A reader that can also seek (a local file, a spooled member).
pub trait ReadSeek: Read + Seek {}
impl<T: Read + Seek + ?Sized> ReadSeek for T {}

/// Content to extract: a stream, or something that can seek (which formats with a directory
/// at the end, like zip, need; a stream is spooled for them).
pub(crate) enum Input<'r> {
    Stream(&'r mut dyn Read),
    Seek(&'r mut dyn ReadSeek),
}

/// What an extractor reads: one piece of content and what detection found in it.
pub(crate) struct Content<'c> {
    pub(crate) format: Format,
    pub(crate) encoding: TextEncoding,
    /// The first bytes (up to `HEAD_LEN`), which `input` yields again.
    pub(crate) head: &'c [u8],
    pub(crate) input: Input<'c>,
    pub(crate) name: &'c str,
}

/// Every format's extractor has this shape; trouble with the content goes to
/// [`Ctx::reason`], an `Err` is an I/O failure (or a limit) that stopped the read.
pub(crate) type Extractor = fn(&mut Ctx<'_>, Content<'_>) -> io::Result<()>;

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
    /// Detects and extracts a piece of content (see [`Ctx::content`]). A pointer set by the
    /// entry point, so that containers recurse without depending on the dispatcher.
    pub(crate) read_content: ContentFn,
    /// Panics caught inside third-party readers.
    pub(crate) panics: Vec<CaughtPanic>,
    /// The format an extractor found by content when it differs from detection's (an OLE
    /// file named `.doc` that holds a message); set last, after any member was read.
    pub(crate) found_format: Option<Format>,
}

/// The shape of [`Ctx::read_content`].
pub(crate) type ContentFn = fn(&mut Ctx<'_>, Input<'_>, &str, Option<u64>) -> Format;

impl Ctx<'_> {
    /// Runs `f`, a call into the third-party `reader`. A panic inside it is recorded (see
    /// [`crate::guard`]) and gives `None`; the caller says what was not read.
    pub(crate) fn guarded<T>(&mut self, reader: &'static str, f: impl FnOnce() -> T) -> Option<T> {
        match guard::run(reader, f) {
            Ok(v) => Some(v),
            Err((reader, message)) => {
                self.caught(reader, message);
                None
            }
        }
    }

    /// Records a panic caught inside the third-party `reader`.
    pub(crate) fn caught(&mut self, reader: &'static str, message: String) {
        self.panics.push(CaughtPanic {
            reader,
            member: self.member.clone(),
            message,
        });
    }

    /// The message of the last panic caught (for a reason's text).
    pub(crate) fn last_panic(&self) -> &str {
        self.panics.last().map_or("", |p| p.message.as_str())
    }

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

impl<'r> Input<'r> {
    pub(crate) fn stream(self) -> &'r mut dyn Read {
        match self {
            Input::Stream(r) => r,
            Input::Seek(r) => r,
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
    /// Sends one empty chunk: content that was read and holds no text.
    pub(crate) fn empty_text(&mut self) {
        self.sink.chunk(&Chunk {
            text: b"",
            report: 0..0,
            context: None,
            locator: Locator::Stream {
                start: StreamPos::start(),
            },
            member: &self.member,
        });
    }

    /// Detects and extracts one piece of content (a member, a decompressed layer) of `size`
    /// bytes if known, one layer down; returns its format.
    pub(crate) fn content(&mut self, input: Input<'_>, name: &str, size: Option<u64>) -> Format {
        (self.read_content)(self, input, name, size)
    }

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
        // Decoders report content they cannot decode (a filter, a dictionary) this way.
        io::ErrorKind::Unsupported => Reason::new(ReasonCode::UnsupportedFileType, e.to_string()),
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
