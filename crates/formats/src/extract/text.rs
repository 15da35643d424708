//! Running text: logs, source, config. Read in bounded buffers that overlap, so that no match
//! is split and memory stays bounded whatever the file size.

use std::io::{self, Read};

use encoding_rs_io::DecodeReaderBytesBuilder;

use super::ctx::{Chunk, Content, Ctx, TextSink, LOOKBEHIND, OVERLAP_AHEAD};
use crate::format::TextEncoding;
use crate::limits::Limits;
use crate::location::{Locator, StreamPos, TableCell};

/// Text that knows which of its bytes lie in table cells (documents).
pub(crate) trait CellSource: Read {
    /// The stretches of table cells that end past byte `offset` of the text, by ascending
    /// offset; the ones before it may be forgotten.
    fn cells_from(&mut self, offset: u64) -> &[TableCell];

    /// Whether the text read so far holds so many cells that the chunk should end early (which
    /// bounds the memory their stretches take, whatever the buffer size).
    fn crowded(&self) -> bool {
        false
    }
}

/// Text read per step while a chunk is filled (between checks for crowded cells).
const FILL_STEP: usize = 64 * 1024;
/// A chunk ended early for crowded cells still has this much text, so that each chunk
/// reports at least `OVERLAP_AHEAD + LOOKBEHIND` new bytes.
const MIN_FILL: usize = 2 * (OVERLAP_AHEAD + LOOKBEHIND);

/// Text without tables.
struct NoCells<R>(R);

impl<R: Read> Read for NoCells<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.0.read(buf)
    }
}

impl<R: Read> CellSource for NoCells<R> {
    fn cells_from(&mut self, _: u64) -> &[TableCell] {
        &[]
    }
}

/// Extracts text in the detected encoding.
pub(crate) fn extract(ctx: &mut Ctx<'_>, content: Content<'_>) -> io::Result<()> {
    let (reader, limits, member, sink) = (
        content.input.stream(),
        ctx.limits,
        &ctx.member,
        &mut *ctx.sink,
    );
    let enc = match content.encoding {
        TextEncoding::Utf8 => return stream(reader, StreamPos::start(), limits, member, sink),
        TextEncoding::Utf16Le => encoding_rs::UTF_16LE,
        TextEncoding::Utf16Be => encoding_rs::UTF_16BE,
        TextEncoding::Latin1 => encoding_rs::WINDOWS_1252,
    };
    let decoded = DecodeReaderBytesBuilder::new()
        .encoding(Some(enc))
        .bom_override(true)
        .build(reader);
    stream(decoded, StreamPos::start(), limits, member, sink)
}

/// Streams `reader` to `sink` in overlapping chunks; `start` is where its first byte lies.
pub(crate) fn stream(
    reader: impl Read,
    start: StreamPos,
    limits: &Limits,
    member: &[String],
    sink: &mut dyn TextSink,
) -> io::Result<()> {
    stream_cells(&mut NoCells(reader), start, limits, member, sink)
}

/// Streams `reader` to `sink` in overlapping chunks as [`stream`]; a chunk holding table
/// cells is located with them ([`Locator::Table`]).
pub(crate) fn stream_cells(
    reader: &mut impl CellSource,
    start: StreamPos,
    limits: &Limits,
    member: &[String],
    sink: &mut dyn TextSink,
) -> io::Result<()> {
    let cap = limits.buffer_len.max(4 * (OVERLAP_AHEAD + LOOKBEHIND));
    let mut buf: Vec<u8> = Vec::with_capacity(cap);
    let mut pos = start;
    let mut report_from = 0usize;
    loop {
        let eof = match refill(reader, &mut buf, cap) {
            Ok(eof) => eof,
            Err(e) => {
                // Scan what was read, then report the failure.
                if report_from < buf.len() {
                    let cells = reader.cells_from(pos.offset);
                    emit(sink, &buf, report_from..buf.len(), pos, member, cells);
                }
                return Err(e);
            }
        };
        let report_to = if eof {
            buf.len()
        } else {
            buf.len() - OVERLAP_AHEAD
        };
        if report_from < report_to || (eof && report_from == 0 && buf.is_empty()) {
            let cells = reader.cells_from(pos.offset);
            emit(sink, &buf, report_from..report_to, pos, member, cells);
        }
        if eof {
            return Ok(());
        }
        let keep_from = report_to - LOOKBEHIND;
        pos = pos.advance(&buf[..keep_from]);
        buf.drain(..keep_from);
        report_from = report_to - keep_from;
    }
}

/// Reads into `buf` until it holds `cap` bytes, the text ends (true) or, past [`MIN_FILL`],
/// the reader is crowded with cells. What was read before a failure stays in `buf`.
fn refill(reader: &mut impl CellSource, buf: &mut Vec<u8>, cap: usize) -> io::Result<bool> {
    while buf.len() < cap {
        let want = (cap - buf.len()).min(FILL_STEP);
        let got = (&mut *reader).take(want as u64).read_to_end(buf)?;
        if got < want {
            return Ok(true);
        }
        if buf.len() >= MIN_FILL && reader.crowded() {
            break;
        }
    }
    Ok(false)
}

fn emit(
    sink: &mut dyn TextSink,
    text: &[u8],
    report: std::ops::Range<usize>,
    start: StreamPos,
    member: &[String],
    cells: &[TableCell],
) {
    let locator = if cells.is_empty() {
        Locator::Stream { start }
    } else {
        Locator::Table { start, cells }
    };
    sink.chunk(&Chunk {
        text,
        report,
        context: None,
        locator,
        member,
    });
}

/// Reads a document that its extractor parses whole (RTF, e-mail) into memory, up to the
/// in-memory spool limit (at least 1 MiB). Over it, the document is scanned as plain text
/// with a FILE_EXCEEDS_SIZE_LIMIT reason saying what (`what`) was not done (`lost`), and
/// `None` is returned.
pub(crate) fn spool_or_stream(
    ctx: &mut Ctx<'_>,
    content: Content<'_>,
    what: &str,
    lost: &str,
) -> io::Result<Option<Vec<u8>>> {
    let reader = content.input.stream();
    let cap = ctx.limits.spool_in_memory.max(1 << 20);
    let mut buf = Vec::new();
    reader.take(cap + 1).read_to_end(&mut buf)?;
    if buf.len() as u64 <= cap {
        return Ok(Some(buf));
    }
    ctx.reason(
        crate::reason::ReasonCode::FileExceedsSizeLimit,
        format!("{what} over {cap} bytes: {lost}; scanned as plain text"),
    );
    let mut rest = io::Cursor::new(buf).chain(reader);
    stream(
        &mut rest,
        StreamPos::start(),
        ctx.limits,
        &ctx.member,
        ctx.sink,
    )?;
    Ok(None)
}
