//! Where a match lies: line, column, offset, cell, record and JSON path, page, member.
//!
//! Extractors hand each chunk of text to a sink with a [`Locator`]; the sink turns a byte
//! position in the chunk into a [`Location`] with [`Locator::locate`].

use std::ops::Range;

/// A tabular cell (CSV, TSV, spreadsheets, tables in documents).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cell {
    /// 1-based physical row (a header is row 1).
    pub row: u64,
    /// 1-based column.
    pub column: u64,
    /// Header text of the column, if any.
    pub column_name: Option<String>,
    /// Sheet name (spreadsheets).
    pub sheet: Option<String>,
    /// Cell reference like `B3` (spreadsheets).
    pub reference: Option<String>,
    /// 1-based table within the document, in reading order (tables in documents: docx, pptx,
    /// odt, odp).
    pub table: Option<u64>,
}

/// A stretch of a document's text that lies in one table cell (tables in documents), by
/// byte offset in the extracted text. A cell holding a nested table is cut in stretches around
/// it, so that stretches never overlap.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TableCell {
    /// 0-based byte offset of the stretch's first byte in the extracted text.
    pub start: u64,
    /// Offset just past its last byte (`u64::MAX` while the cell is still being read).
    pub end: u64,
    /// 1-based table within the document.
    pub table: u64,
    /// 1-based row within the table.
    pub row: u64,
    /// 1-based column within the row (a spanned cell counts the columns it spans).
    pub column: u64,
    /// Header text of the column (the first row's cell above it, when the first row names
    /// its columns); shared by the column's cells.
    pub column_name: Option<std::sync::Arc<str>>,
}

impl TableCell {
    /// The cell as a location shows it.
    pub fn cell(&self) -> Cell {
        Cell {
            row: self.row,
            column: self.column,
            column_name: self.column_name.as_deref().map(str::to_string),
            sheet: None,
            reference: None,
            table: Some(self.table),
        }
    }
}

/// A position in an object's extracted content, as the contract's occurrence fields.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Location {
    /// Path inside archives and compression layers, outermost first.
    pub member: Vec<String>,
    /// 1-based line.
    pub line: Option<u64>,
    /// 1-based byte column within the line.
    pub column: Option<u64>,
    /// 0-based byte offset in the member's extracted text.
    pub offset: Option<u64>,
    /// Tabular cell.
    pub cell: Option<Cell>,
    /// 0-based record index.
    pub record: Option<u64>,
    /// JSON path of the field inside the record.
    pub json_path: Option<String>,
    /// 1-based page.
    pub page: Option<u64>,
}

/// Position of the first byte of a stream chunk.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StreamPos {
    /// 0-based byte offset of the chunk's first byte in the extracted text.
    pub offset: u64,
    /// 1-based line of the chunk's first byte.
    pub line: u64,
    /// 0-based byte column of the chunk's first byte.
    pub column0: u64,
}

impl StreamPos {
    /// The start of a text.
    pub fn start() -> StreamPos {
        StreamPos {
            offset: 0,
            line: 1,
            column0: 0,
        }
    }

    /// The position after `text`, which starts at `self`.
    pub fn advance(self, text: &[u8]) -> StreamPos {
        let newlines = memchr::memchr_iter(b'\n', text).count() as u64;
        let column0 = match memchr::memrchr(b'\n', text) {
            Some(i) => (text.len() - i - 1) as u64,
            None => self.column0 + text.len() as u64,
        };
        StreamPos {
            offset: self.offset + text.len() as u64,
            line: self.line + newlines,
            column0,
        }
    }
}

/// How positions in a chunk map to locations.
#[derive(Clone, Debug)]
pub enum Locator<'a> {
    /// Running text: lines, columns and offsets.
    Stream {
        /// Where the chunk's first byte lies.
        start: StreamPos,
    },
    /// A tabular cell; positions inside the cell add lines from embedded newlines.
    Cell {
        /// The cell.
        cell: &'a Cell,
        /// 1-based line where the cell's text starts.
        line: u64,
    },
    /// Text of one page (PDF): line, column and offset within the page's extracted text.
    Page {
        /// 1-based page.
        page: u64,
        /// Where the chunk's first byte lies in the page's text.
        start: StreamPos,
    },
    /// Running text holding table cells (documents): lines, columns and offsets as
    /// [`Locator::Stream`], and the cell of a position that lies in one.
    Table {
        /// Where the chunk's first byte lies.
        start: StreamPos,
        /// The stretches of table cells in the chunk (possibly reaching past either end), by
        /// ascending offset.
        cells: &'a [TableCell],
    },
    /// A scalar inside a JSON record.
    Record {
        /// 0-based record index.
        record: u64,
        /// JSON path of the value.
        json_path: &'a str,
        /// Where the value's first content byte lies in the file.
        start: StreamPos,
    },
}

/// Incremental line counting for ascending positions within one chunk.
#[derive(Clone, Copy, Debug, Default)]
pub struct LineCursor {
    pos: usize,
    line: u64,
    line_start: Option<usize>,
}

impl Locator<'_> {
    /// The location of byte `pos` of `text` (the chunk's text). `cursor` makes ascending
    /// lookups linear; pass `LineCursor::default()` for each new chunk.
    pub fn locate(&self, text: &[u8], pos: usize, cursor: &mut LineCursor) -> Location {
        let pos = pos.min(text.len());
        if pos < cursor.pos {
            *cursor = LineCursor::default();
        }
        let seg = &text[cursor.pos..pos];
        cursor.line += memchr::memchr_iter(b'\n', seg).count() as u64;
        if let Some(i) = memchr::memrchr(b'\n', seg) {
            cursor.line_start = Some(cursor.pos + i + 1);
        }
        cursor.pos = pos;
        let within_line = |start: StreamPos| -> (u64, u64) {
            let line = start.line + cursor.line;
            let col0 = match cursor.line_start {
                Some(ls) => (pos - ls) as u64,
                None => start.column0 + pos as u64,
            };
            (line, col0 + 1)
        };
        match self {
            Locator::Stream { start } => {
                let (line, column) = within_line(*start);
                Location {
                    line: Some(line),
                    column: Some(column),
                    offset: Some(start.offset + pos as u64),
                    ..Location::default()
                }
            }
            Locator::Table { start, cells } => {
                let (line, column) = within_line(*start);
                let offset = start.offset + pos as u64;
                Location {
                    line: Some(line),
                    column: Some(column),
                    offset: Some(offset),
                    cell: cell_at(cells, offset).map(TableCell::cell),
                    ..Location::default()
                }
            }
            Locator::Page { page, start } => {
                let (line, column) = within_line(*start);
                Location {
                    line: Some(line),
                    column: Some(column),
                    offset: Some(start.offset + pos as u64),
                    page: Some(*page),
                    ..Location::default()
                }
            }
            Locator::Cell { cell, line } => Location {
                line: Some(line + cursor.line),
                cell: Some((*cell).clone()),
                ..Location::default()
            },
            Locator::Record {
                record,
                json_path,
                start,
            } => {
                let (line, column) = within_line(*start);
                Location {
                    line: Some(line),
                    column: Some(column),
                    offset: Some(start.offset + pos as u64),
                    record: Some(*record),
                    json_path: Some((*json_path).to_string()),
                    ..Location::default()
                }
            }
        }
    }
}

/// The stretch of `cells` (sorted, not overlapping) holding byte `offset`.
fn cell_at(cells: &[TableCell], offset: u64) -> Option<&TableCell> {
    let i = cells.partition_point(|c| c.start <= offset);
    let c = cells.get(i.checked_sub(1)?)?;
    (offset < c.end).then_some(c)
}

impl Locator<'_> {
    /// The table cells of a [`Locator::Table`] chunk `text_len` bytes long, each with its byte
    /// range in the chunk (clipped to it); nothing for other locators.
    pub fn table_cells(&self, text_len: usize) -> impl Iterator<Item = (Range<usize>, &TableCell)> {
        let (start, cells): (u64, &[TableCell]) = match self {
            Locator::Table { start, cells } => (start.offset, *cells),
            _ => (0, &[]),
        };
        let len = text_len as u64;
        cells.iter().filter_map(move |c| {
            let from = c.start.saturating_sub(start).min(len);
            let to = c.end.saturating_sub(start).min(len);
            (from < to).then_some((from as usize..to as usize, c))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stream_lines_and_columns() {
        let text = b"ab\ncd\nef";
        let loc = Locator::Stream {
            start: StreamPos {
                offset: 100,
                line: 10,
                column0: 5,
            },
        };
        let mut c = LineCursor::default();
        let l = loc.locate(text, 1, &mut c);
        assert_eq!((l.line, l.column, l.offset), (Some(10), Some(7), Some(101)));
        let l = loc.locate(text, 4, &mut c);
        assert_eq!((l.line, l.column, l.offset), (Some(11), Some(2), Some(104)));
        let l = loc.locate(text, 6, &mut c);
        assert_eq!((l.line, l.column), (Some(12), Some(1)));
        // Going back resets the cursor and still answers right.
        let l = loc.locate(text, 0, &mut c);
        assert_eq!((l.line, l.column), (Some(10), Some(6)));
    }

    #[test]
    fn advance() {
        let p = StreamPos::start().advance(b"abc\nde");
        assert_eq!(
            p,
            StreamPos {
                offset: 6,
                line: 2,
                column0: 2
            }
        );
        let p = p.advance(b"fg");
        assert_eq!(
            p,
            StreamPos {
                offset: 8,
                line: 2,
                column0: 4
            }
        );
    }
}
