//! CSV and TSV through `csv-core`: quoted fields, embedded newlines, delimiter sniffing. Each
//! cell is its own chunk with its column name as keyword context. Streaming, with fields
//! capped at `Limits::max_field_len` (longer ones are scanned in pieces), so memory is bounded.

use std::io::{self, Read};

use csv_core::{ReadFieldResult, ReaderBuilder};
use encoding_rs_io::DecodeReaderBytesBuilder;

use super::{Chunk, Limits, TextSink};
use crate::detect::TextEncoding;
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

pub(crate) fn extract(
    reader: impl Read,
    head: &[u8],
    tsv: bool,
    encoding: TextEncoding,
    limits: &Limits,
    member: &[String],
    sink: &mut dyn TextSink,
) -> io::Result<Vec<Reason>> {
    let delimiter = sniff_delimiter(head, tsv);
    let enc = match encoding {
        TextEncoding::Utf8 => None,
        TextEncoding::Utf16Le => Some(encoding_rs::UTF_16LE),
        TextEncoding::Utf16Be => Some(encoding_rs::UTF_16BE),
        TextEncoding::Latin1 => Some(encoding_rs::WINDOWS_1252),
    };
    match enc {
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
    }
}

fn cells(
    mut reader: impl Read,
    delimiter: u8,
    limits: &Limits,
    member: &[String],
    sink: &mut dyn TextSink,
) -> io::Result<Vec<Reason>> {
    let mut rdr = ReaderBuilder::new().delimiter(delimiter).build();
    let mut input = vec![0u8; 64 * 1024];
    let (mut ipos, mut ilen) = (0usize, 0usize);
    let mut eof = false;
    let mut field: Vec<u8> = vec![0; 4096];
    let mut flen = 0usize;
    let max_field = limits.max_field_len.max(4096);
    let mut headers: Vec<String> = Vec::new();
    let (mut row, mut col) = (1u64, 1u64);
    let mut line = 1u64;
    let mut field_line = 1u64;
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
                emit(sink, &headers, row, col, &field[..flen], field_line, member);
                field_line = line;
                flen = 0;
            } else {
                field.resize((field.len() * 2).min(max_field + 1024), 0);
            }
        }
        let (res, nin, nout) = rdr.read_field(&input[ipos..ilen], &mut field[flen..]);
        line += memchr::memchr_iter(b'\n', &input[ipos..ipos + nin]).count() as u64;
        ipos += nin;
        flen += nout;
        match res {
            ReadFieldResult::InputEmpty | ReadFieldResult::OutputFull => {}
            ReadFieldResult::Field { record_end } => {
                if row == 1 && headers.len() < MAX_COLUMNS_NAMED {
                    let name = String::from_utf8_lossy(&field[..flen.min(MAX_NAME_LEN)])
                        .trim()
                        .to_string();
                    headers.push(name);
                }
                emit(sink, &headers, row, col, &field[..flen], field_line, member);
                flen = 0;
                field_line = line;
                col += 1;
                if record_end {
                    row += 1;
                    col = 1;
                }
            }
            ReadFieldResult::End => break,
        }
    }
    Ok(Vec::new())
}

fn emit(
    sink: &mut dyn TextSink,
    headers: &[String],
    row: u64,
    col: u64,
    text: &[u8],
    line: u64,
    member: &[String],
) {
    if text.is_empty() {
        return;
    }
    let column_name = usize::try_from(col - 1)
        .ok()
        .and_then(|i| headers.get(i))
        .filter(|n| !n.is_empty())
        .cloned();
    let cell = Cell {
        row,
        column: col,
        column_name,
        sheet: None,
        reference: None,
    };
    sink.chunk(&Chunk {
        text,
        report: 0..text.len(),
        context: cell.column_name.as_deref(),
        locator: Locator::Cell { cell: &cell, line },
        member,
    });
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
}
