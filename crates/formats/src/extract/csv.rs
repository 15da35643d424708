//! CSV and TSV: quoted fields, embedded newlines, delimiter sniffing. Each cell is its own
//! chunk with its column name as keyword context. Streaming, with fields capped at
//! `Limits::max_field_len` (longer ones are scanned in pieces), so memory is bounded.
//!
//! Fields are split by [`FieldReader`], which parses exactly as `csv-core`'s `read_field` with
//! its default settings (a test compares the two on random input) but copies runs of plain
//! bytes with `memchr` instead of one DFA step per byte.

use std::io::{self, Read};

use encoding_rs_io::DecodeReaderBytesBuilder;

use super::ctx::{Chunk, Content, Ctx, TextSink};
use crate::format::{Format, TextEncoding};
use crate::limits::Limits;
use crate::location::{Cell, Locator};
use crate::reason::Reason;

const MAX_COLUMNS_NAMED: usize = 10_000;
const MAX_NAME_LEN: usize = 256;

/// Picks the delimiter whose per-line count is most consistent over the first lines.
pub(crate) fn sniff_delimiter(head: &[u8], tsv: bool) -> u8 {
    if tsv {
        return b'\t';
    }
    let lines: Vec<&[u8]> = head
        .split(|b| *b == b'\n')
        .filter(|l| !l.is_empty())
        .take(20)
        .collect();
    // Drop the last line: it may be cut by the head limit.
    let lines = if lines.len() > 1 {
        &lines[..lines.len() - 1]
    } else {
        &lines[..]
    };
    let mut best = (b',', 0usize, 0usize); // delimiter, consistent lines, count
    for d in [b',', b';', b'\t', b'|'] {
        let counts: Vec<usize> = lines.iter().map(|l| count_outside_quotes(l, d)).collect();
        let Some(&first) = counts.first() else {
            continue;
        };
        if first == 0 {
            continue;
        }
        let consistent = counts.iter().filter(|c| **c == first).count();
        if consistent > best.1 || (consistent == best.1 && first > best.2) {
            best = (d, consistent, first);
        }
    }
    best.0
}

fn count_outside_quotes(line: &[u8], d: u8) -> usize {
    let mut quoted = false;
    let mut n = 0;
    for &b in line {
        if b == b'"' {
            quoted = !quoted;
        } else if b == d && !quoted {
            n += 1;
        }
    }
    n
}

/// What [`FieldReader::read_field`] did (as `csv_core::ReadFieldResult`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ReadFieldResult {
    /// All input was read; call again with more (or an empty slice at the end).
    InputEmpty,
    /// The output is full; call again with more room.
    OutputFull,
    /// A field ended; `record_end` when it was the last of its record.
    Field { record_end: bool },
    /// No more fields.
    End,
}

/// Parser states: those of `csv-core`'s DFA that the default settings reach.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    /// Before a record (line terminators are skipped here).
    StartRecord,
    /// After a field delimiter.
    EndFieldDelim,
    /// After a record terminator `\n`.
    EndRecord,
    /// After a record terminator `\r` (a `\n` right after it is skipped).
    Crlf,
    /// Inside an unquoted field (or after the closing quote of a quoted one).
    InField,
    /// Inside a quoted field.
    InQuoted,
    /// A quote inside a quoted field: the closing quote, or the first of a doubled one.
    QuoteInQuoted,
}

/// A streaming CSV field parser with `csv-core`'s default settings (`"` quotes, doubled
/// quotes as escapes, `\r`, `\n` or `\r\n` as record terminators, blank lines skipped, a
/// leading UTF-8 byte order mark dropped) and a given delimiter. It returns the same results,
/// consuming the same input, as `csv_core::Reader::read_field`.
#[derive(Debug)]
struct FieldReader {
    delimiter: u8,
    state: State,
    has_read: bool,
    /// The line ends consumed so far (counted as they are parsed: a field is a few bytes, and
    /// counting them again afterwards was a tenth of a CSV scan).
    lines: u64,
}

impl FieldReader {
    fn new(delimiter: u8) -> FieldReader {
        FieldReader {
            delimiter,
            state: State::StartRecord,
            has_read: false,
            lines: 0,
        }
    }

    /// Parses the next field from `input` into `output`: returns what happened, the input
    /// bytes consumed and the output bytes written. An empty `input` means the end of input.
    fn read_field(&mut self, input: &[u8], output: &mut [u8]) -> (ReadFieldResult, usize, usize) {
        let bom = if !self.has_read && input.starts_with(b"\xef\xbb\xbf") {
            3
        } else {
            0
        };
        self.has_read = true;
        let input = &input[bom..];
        let (res, nin, nout) = self.read(input, output);
        (res, nin + bom, nout)
    }

    fn read(&mut self, input: &[u8], output: &mut [u8]) -> (ReadFieldResult, usize, usize) {
        use State::*;
        if input.is_empty() {
            return match self.state {
                StartRecord | EndRecord | Crlf => {
                    self.state = StartRecord;
                    (ReadFieldResult::End, 0, 0)
                }
                _ => {
                    self.state = EndRecord;
                    (ReadFieldResult::Field { record_end: true }, 0, 0)
                }
            };
        }
        if output.is_empty() {
            return (ReadFieldResult::OutputFull, 0, 0);
        }
        let d = self.delimiter;
        let (mut nin, mut nout) = (0usize, 0usize);
        let mut state = self.state;
        // Each arm consumes at least one byte or moves to a state that will.
        let res = loop {
            if nin >= input.len() {
                break ReadFieldResult::InputEmpty;
            }
            if nout >= output.len() {
                break ReadFieldResult::OutputFull;
            }
            let c = input[nin];
            match state {
                StartRecord | EndRecord => {
                    if c == b'\r' || c == b'\n' {
                        self.lines += u64::from(c == b'\n');
                        nin += 1;
                        state = StartRecord;
                        continue;
                    }
                    state = EndFieldDelim; // the start of a field
                }
                Crlf => {
                    if c == b'\n' {
                        self.lines += 1;
                        nin += 1;
                    }
                    state = StartRecord;
                }
                EndFieldDelim => {
                    // The start of a field.
                    if c == b'"' {
                        nin += 1;
                        state = InQuoted;
                    } else if let Some(end) = self.field_end(c, d, &mut state) {
                        nin += 1;
                        self.lines += u64::from(c == b'\n');
                        break end;
                    } else {
                        state = InField;
                    }
                }
                InField => {
                    let room = (input.len() - nin).min(output.len() - nout);
                    let run = &input[nin..nin + room];
                    let n = memchr::memchr3(d, b'\r', b'\n', run).unwrap_or(room);
                    output[nout..nout + n].copy_from_slice(&run[..n]);
                    nin += n;
                    nout += n;
                    if n < room {
                        let c = input[nin];
                        nin += 1;
                        if let Some(end) = self.field_end(c, d, &mut state) {
                            self.lines += u64::from(c == b'\n');
                            break end;
                        }
                    }
                }
                InQuoted => {
                    let room = (input.len() - nin).min(output.len() - nout);
                    let run = &input[nin..nin + room];
                    // Up to the closing quote, counting the line ends inside the field as
                    // they come: a quoted field seldom holds one, so one search instead of a
                    // search and a count (a count's set-up cost a few percent of a zip of
                    // CSV tables).
                    let mut n = 0;
                    loop {
                        match memchr::memchr2(b'"', b'\n', &run[n..]) {
                            Some(i) if run[n + i] == b'\n' => {
                                self.lines += 1;
                                n += i + 1;
                            }
                            Some(i) => {
                                n += i;
                                break;
                            }
                            None => {
                                n = room;
                                break;
                            }
                        }
                    }
                    output[nout..nout + n].copy_from_slice(&run[..n]);
                    nin += n;
                    nout += n;
                    if n < room {
                        nin += 1;
                        state = QuoteInQuoted;
                    }
                }
                QuoteInQuoted => {
                    nin += 1;
                    if c == b'"' {
                        output[nout] = c;
                        nout += 1;
                        state = InQuoted;
                    } else if let Some(end) = self.field_end(c, d, &mut state) {
                        self.lines += u64::from(c == b'\n');
                        break end;
                    } else {
                        output[nout] = c;
                        nout += 1;
                        state = InField;
                    }
                }
            }
        };
        self.state = state;
        (res, nin, nout)
    }

    /// If `c` ends a field (a delimiter or a record terminator), the state after it and the
    /// result.
    #[inline]
    fn field_end(&self, c: u8, d: u8, state: &mut State) -> Option<ReadFieldResult> {
        if c == d {
            *state = State::EndFieldDelim;
            Some(ReadFieldResult::Field { record_end: false })
        } else if c == b'\n' {
            *state = State::EndRecord;
            Some(ReadFieldResult::Field { record_end: true })
        } else if c == b'\r' {
            *state = State::Crlf;
            Some(ReadFieldResult::Field { record_end: true })
        } else {
            None
        }
    }
}

/// Extracts the cells of a CSV or TSV file.
pub(crate) fn extract(ctx: &mut Ctx<'_>, content: Content<'_>) -> io::Result<()> {
    let tsv = content.format == Format::Tsv;
    let (reader, limits, member, sink) = (
        content.input.stream(),
        ctx.limits,
        &ctx.member,
        &mut *ctx.sink,
    );
    let delimiter = sniff_delimiter(content.head, tsv);
    let enc = match content.encoding {
        TextEncoding::Utf8 => None,
        TextEncoding::Utf16Le => Some(encoding_rs::UTF_16LE),
        TextEncoding::Utf16Be => Some(encoding_rs::UTF_16BE),
        TextEncoding::Latin1 => Some(encoding_rs::WINDOWS_1252),
    };
    let reasons = match enc {
        None => cells(reader, delimiter, limits, member, sink),
        Some(enc) => cells(
            DecodeReaderBytesBuilder::new()
                .encoding(Some(enc))
                .bom_override(true)
                .build(reader),
            delimiter,
            limits,
            member,
            sink,
        ),
    }?;
    ctx.add(reasons);
    Ok(())
}

fn cells(
    mut reader: impl Read,
    delimiter: u8,
    limits: &Limits,
    member: &[String],
    sink: &mut dyn TextSink,
) -> io::Result<Vec<Reason>> {
    let mut rdr = FieldReader::new(delimiter);
    let mut input = vec![0u8; 64 * 1024];
    let (mut ipos, mut ilen) = (0usize, 0usize);
    let mut eof = false;
    let mut field: Vec<u8> = vec![0; 4096];
    let mut flen = 0usize;
    let max_field = limits.max_field_len.max(4096);
    let mut columns = Columns::default();
    let (mut row, mut col) = (1u64, 1u64);
    let mut line = 1u64;
    let mut field_line = 1u64;
    // Before a record, until its first byte is seen: the terminators and blank lines before
    // it are skipped, and the record starts on the line after them.
    let mut record_start = true;
    loop {
        if ipos == ilen && !eof {
            ilen = loop {
                match reader.read(&mut input) {
                    Ok(n) => break n,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    Err(e) => return Err(e),
                }
            };
            ipos = 0;
            eof = ilen == 0;
        }
        if field.len() - flen < 1024 {
            if field.len() >= max_field {
                // A huge field: scan the piece so far and go on with the rest.
                columns.emit(sink, row, col, &field[..flen], field_line, member);
                field_line = line;
                flen = 0;
            } else {
                field.resize((field.len() * 2).min(max_field + 1024), 0);
            }
        }
        if record_start && ipos < ilen {
            let rest = &input[ipos..ilen];
            let run = rest
                .iter()
                .take_while(|&&b| b == b'\r' || b == b'\n')
                .count();
            field_line = line + newlines(&rest[..run]);
            record_start = run == rest.len();
        }
        let (res, nin, nout) = rdr.read_field(&input[ipos..ilen], &mut field[flen..]);
        line = 1 + rdr.lines;
        ipos += nin;
        flen += nout;
        match res {
            ReadFieldResult::InputEmpty | ReadFieldResult::OutputFull => {}
            ReadFieldResult::Field { record_end } => {
                if row == 1 && columns.headers.len() < MAX_COLUMNS_NAMED {
                    let name = String::from_utf8_lossy(&field[..flen.min(MAX_NAME_LEN)])
                        .trim()
                        .to_string();
                    columns.headers.push(name);
                }
                columns.emit(sink, row, col, &field[..flen], field_line, member);
                flen = 0;
                field_line = line;
                col += 1;
                if record_end {
                    row += 1;
                    col = 1;
                    record_start = true;
                }
            }
            ReadFieldResult::End => break,
        }
    }
    Ok(Vec::new())
}

/// Per-column cells, reused from row to row (a cell's column name is not cloned per row).
#[derive(Default)]
struct Columns {
    headers: Vec<String>,
    cells: Vec<Cell>,
}

impl Columns {
    /// The cell at `row`, `col` (1-based).
    fn cell(&mut self, row: u64, col: u64) -> Cell {
        Cell {
            row,
            column: col,
            column_name: usize::try_from(col - 1)
                .ok()
                .and_then(|i| self.headers.get(i))
                .filter(|n| !n.is_empty())
                .cloned(),
            sheet: None,
            reference: None,
            table: None,
        }
    }

    /// Scans `text` as the cell at `row`, `col`, starting on `line`.
    fn emit(
        &mut self,
        sink: &mut dyn TextSink,
        row: u64,
        col: u64,
        text: &[u8],
        line: u64,
        member: &[String],
    ) {
        if text.is_empty() {
            return;
        }
        let i = usize::try_from(col - 1).unwrap_or(usize::MAX);
        if i >= MAX_COLUMNS_NAMED {
            // Past the named columns: no name, nothing to reuse.
            let cell = self.cell(row, col);
            return send(sink, &cell, text, line, member);
        }
        while self.cells.len() <= i {
            let c = self.cells.len() as u64 + 1;
            let cell = self.cell(row, c);
            self.cells.push(cell);
        }
        // A header read in pieces (longer than the field cap) is named only once whole.
        if self.cells[i].column_name.is_none() && self.headers.get(i).is_some_and(|n| !n.is_empty())
        {
            self.cells[i].column_name = self.headers.get(i).cloned();
        }
        let cell = &mut self.cells[i];
        cell.row = row;
        send(sink, cell, text, line, member);
    }
}

fn send(sink: &mut dyn TextSink, cell: &Cell, text: &[u8], line: u64, member: &[String]) {
    sink.chunk(&Chunk {
        text,
        report: 0..text.len(),
        context: cell.column_name.as_deref(),
        locator: Locator::Cell { cell, line },
        member,
    });
}

/// The line ends in `bytes` (the few line terminators before a record).
fn newlines(bytes: &[u8]) -> u64 {
    bytes.iter().filter(|&&b| b == b'\n').count() as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs() {
        assert_eq!(sniff_delimiter(b"a;b;c\n1;2;3\n4;5;6\n", false), b';');
        assert_eq!(sniff_delimiter(b"a,b\n\"x,y\",2\n3,4\n", false), b',');
        assert_eq!(sniff_delimiter(b"a|b|c\n1|2|3\n", false), b'|');
        assert_eq!(sniff_delimiter(b"a,b\n", true), b'\t');
    }

    fn core_result(r: csv_core::ReadFieldResult) -> ReadFieldResult {
        match r {
            csv_core::ReadFieldResult::InputEmpty => ReadFieldResult::InputEmpty,
            csv_core::ReadFieldResult::OutputFull => ReadFieldResult::OutputFull,
            csv_core::ReadFieldResult::Field { record_end } => {
                ReadFieldResult::Field { record_end }
            }
            csv_core::ReadFieldResult::End => ReadFieldResult::End,
        }
    }

    /// Feeds `data` to `FieldReader` and to `csv-core` in the same random slices with the same
    /// random output room, and checks every call gives the same result, consumption and output.
    fn same_as_csv_core(data: &[u8], delimiter: u8, seed: u64) {
        let mut rng = seed | 1;
        let mut next = |n: u64| {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            (rng % n) as usize
        };
        let mut ours = FieldReader::new(delimiter);
        let mut core = csv_core::ReaderBuilder::new().delimiter(delimiter).build();
        let mut pos = 0;
        for _ in 0..100_000 {
            let end = if pos == data.len() {
                pos
            } else {
                (pos + 1 + next(12)).min(data.len())
            };
            let room = next(9);
            let (mut o1, mut o2) = (vec![0u8; room], vec![0u8; room]);
            let a = ours.read_field(&data[pos..end], &mut o1);
            let (r, nin, nout) = core.read_field(&data[pos..end], &mut o2);
            let b = (core_result(r), nin, nout);
            assert_eq!(
                a,
                b,
                "at {pos}..{end} of {:?} (delimiter {:?}, room {room})",
                String::from_utf8_lossy(data),
                delimiter as char
            );
            assert_eq!(o1[..a.2], o2[..b.2]);
            pos += a.1;
            if a.0 == ReadFieldResult::End {
                return;
            }
        }
        panic!("no end");
    }

    #[test]
    fn field_reader_parses_as_csv_core() {
        let cases: &[&[u8]] = &[
            b"",
            b"a",
            b"a,b\nc,d\n",
            b"a,b\r\nc,d\r\n\r\n\n\re,",
            b"\"x,y\",\"say \"\"hi\"\"\"\n\"open",
            b"\"a\"b,c\"d\",\"\"\n,,\n",
            b"\xef\xbb\xbfh1,h2\n1,2",
            b"\xef\xbb\xbf",
            b"\n\n,\r",
            b"\"multi\nline\r\nfield\",x\r",
        ];
        for (i, data) in cases.iter().enumerate() {
            for seed in 0..50 {
                same_as_csv_core(data, b',', seed * 31 + i as u64);
            }
        }
        // Random input from the bytes that matter.
        let alphabet = b"ab,;\t\"\r\n \xef\xbb\xbf";
        let mut rng = 0x9e37_79b9_7f4a_7c15u64;
        for round in 0..3000 {
            rng = rng
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let len = (rng >> 33) as usize % 60;
            let data: Vec<u8> = (0..len)
                .map(|k| {
                    let x = rng.rotate_left(k as u32 * 7 % 64)
                        ^ (k as u64).wrapping_mul(0x2545_f491_4f6c_dd1d);
                    alphabet[(x >> 17) as usize % alphabet.len()]
                })
                .collect();
            let delimiter = [b',', b';', b'\t', b'|'][round % 4];
            same_as_csv_core(&data, delimiter, rng);
        }
    }
}
