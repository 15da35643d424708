//! Tables in documents (docx `w:tbl`, pptx `a:tbl`, OpenDocument `table:table`): which stretches of the extracted text lie
//! in which cell, and the column names a header row gives.
//!
//! The document text is still one running text (a cell's paragraphs are lines, as before);
//! beside it, each cell's stretch is recorded with its table, row, column and column name, so
//! that a match in it is located in the cell and the column name is keyword context for it.
//! Memory is bounded: a table remembers at most [`MAX_COLUMNS_NAMED`] names of at most
//! [`MAX_NAME_LEN`] bytes, stretches are forgotten once the text before them is scanned, and
//! past [`MAX_CELLS`] of them the text streamer ends its chunk early.

use std::sync::Arc;

use quick_xml::events::BytesStart;

use crate::location::TableCell;

/// Columns of a table that get a name from its header row.
const MAX_COLUMNS_NAMED: u64 = 1000;
/// Longest header cell text taken as a column name (a longer one names nothing).
const MAX_NAME_LEN: usize = 256;
/// A first-row cell holding more digits than this is data, and its row no header.
const MAX_HEADER_DIGITS: usize = 4;
/// Cell stretches remembered before the text streamer is asked to end its chunk (about 3.5
/// MiB of them; a chunk still holds at least its minimum of text).
const MAX_CELLS: usize = 64 * 1024;

/// The tables open at a point of a document, and the cell stretches recorded so far.
#[derive(Debug, Default)]
pub(super) struct Tables {
    /// Tables started so far in the document (the last one's number).
    count: u64,
    /// Open tables, innermost last.
    open: Vec<OpenTable>,
    /// Cell stretches not yet forgotten, by ascending offset.
    cells: Vec<TableCell>,
}

#[derive(Debug, Default)]
struct OpenTable {
    number: u64,
    /// Current row, 1-based (0 before the first).
    row: u64,
    /// Rows the current row stands for (an OpenDocument row repeated); 0 or 1 for one.
    row_span: u64,
    /// The current cell's first column, 1-based (0 outside a cell).
    column: u64,
    /// The next cell's column.
    next_column: u64,
    /// Column names, by 0-based column, once the first row is read and names them.
    names: Vec<Option<Arc<str>>>,
    /// First-row cells: (first column, span, text), while the first row is read.
    first_row: Vec<(u64, u64, String)>,
    /// The first row is still a header candidate.
    header: bool,
}

impl OpenTable {
    fn in_cell(&self) -> bool {
        self.column > 0
    }

    fn name_of(&self, column: u64) -> Option<Arc<str>> {
        let i = usize::try_from(column.checked_sub(1)?).ok()?;
        self.names.get(i).cloned().flatten()
    }

    /// Ends the first row: its cells name their columns if it looks like a header.
    fn name_columns(&mut self) {
        let cells = std::mem::take(&mut self.first_row);
        if !self.header {
            return;
        }
        for (column, span, text) in cells {
            let name = text.trim();
            if name.is_empty() {
                continue;
            }
            let name: Arc<str> = Arc::from(name);
            let last = column
                .saturating_add(span.max(1) - 1)
                .min(MAX_COLUMNS_NAMED);
            for c in column..=last {
                let i = (c - 1) as usize;
                if self.names.len() <= i {
                    self.names.resize(i + 1, None);
                }
                self.names[i] = Some(name.clone());
            }
        }
    }
}

/// The value of attribute `val` (any prefix) of `e` as a number.
fn val(e: &BytesStart<'_>) -> Option<u64> {
    e.attributes()
        .flatten()
        .find(|a| a.key.local_name().as_ref() == "val")
        .and_then(|a| a.value.trim().parse().ok())
}

impl Tables {
    /// Tables that continue a document in which `count` tables were started already (the
    /// parts of a document share one numbering).
    pub(super) fn after(count: u64) -> Tables {
        Tables {
            count,
            ..Tables::default()
        }
    }

    /// Tables started so far.
    pub(super) fn count(&self) -> u64 {
        self.count
    }

    /// Whether so many stretches are remembered that the chunk should end.
    pub(super) fn crowded(&self) -> bool {
        self.cells.len() > MAX_CELLS
    }

    /// The cell stretches that end past `offset`; the ones before are forgotten.
    pub(super) fn cells_from(&mut self, offset: u64) -> &[TableCell] {
        let done = self.cells.partition_point(|c| c.end <= offset);
        self.cells.drain(..done);
        &self.cells
    }

    /// A start tag (or an empty one, `empty`) with local name `name` (OOXML); `at` is the
    /// offset of the next byte of text.
    pub(super) fn start(&mut self, name: &str, e: &BytesStart<'_>, empty: bool, at: u64) {
        match name {
            "tbl" if !empty => self.open_table(at),
            "tr" if !empty => self.open_row(at, 1),
            "tc" => self.open_cell(at, empty, 1, 1),
            "gridSpan" => {
                if let Some(t) = self.open.last_mut().filter(|t| t.in_cell()) {
                    let span = val(e).unwrap_or(1).clamp(1, MAX_COLUMNS_NAMED);
                    t.next_column = t.column.saturating_add(span);
                    let column = t.column;
                    if let Some(cell) = t.first_row.last_mut().filter(|c| c.0 == column) {
                        cell.1 = span;
                    }
                }
            }
            "gridBefore" => {
                if let Some(t) = self.open.last_mut().filter(|t| !t.in_cell()) {
                    let skip = val(e).unwrap_or(0).min(MAX_COLUMNS_NAMED);
                    t.next_column = t.next_column.saturating_add(skip);
                }
            }
            _ => {}
        }
    }

    /// A table starts at `at`.
    pub(super) fn open_table(&mut self, at: u64) {
        self.close_stretch(at);
        self.count += 1;
        self.open.push(OpenTable {
            number: self.count,
            header: true,
            ..OpenTable::default()
        });
    }

    /// A row starts at `at`, standing for `repeated` rows (1 but in OpenDocument).
    pub(super) fn open_row(&mut self, at: u64, repeated: u64) {
        self.close_stretch(at);
        if let Some(t) = self.open.last_mut() {
            if t.row == 1 {
                t.name_columns();
            }
            t.row = t.row.saturating_add(t.row_span.max(1));
            t.row_span = repeated.max(1);
            t.column = 0;
            t.next_column = 1;
        }
    }

    /// A cell starts at `at` (an empty tag: `empty`), taking `columns` columns of its row;
    /// a header cell names `span` columns from its first.
    pub(super) fn open_cell(&mut self, at: u64, empty: bool, columns: u64, span: u64) {
        if self.open.is_empty() {
            return;
        }
        self.close_stretch(at);
        let Some(t) = self.open.last_mut() else {
            return;
        };
        if t.row == 0 {
            // A cell outside a row (malformed): the first row.
            t.row = 1;
            t.row_span = 1;
            t.next_column = 1;
        }
        t.column = t.next_column.max(1);
        t.next_column = t.column.saturating_add(columns.max(1));
        if t.row == 1 && t.column <= MAX_COLUMNS_NAMED {
            let span = span.clamp(1, MAX_COLUMNS_NAMED);
            t.first_row.push((t.column, span, String::new()));
        }
        if empty {
            t.column = 0;
        } else {
            self.open_stretch(at);
        }
    }

    /// An end tag with local name `name` (OOXML); `at` is the offset of the next byte of text.
    pub(super) fn end(&mut self, name: &str, at: u64) {
        match name {
            "tc" => self.close_cell(at),
            "tbl" => self.close_table(at),
            _ => {}
        }
    }

    /// The open cell ends at `at`.
    pub(super) fn close_cell(&mut self, at: u64) {
        self.close_stretch(at);
        if let Some(t) = self.open.last_mut() {
            t.column = 0;
        }
    }

    /// The innermost table ends at `at`.
    pub(super) fn close_table(&mut self, at: u64) {
        self.close_stretch(at);
        self.open.pop();
        // Back in the outer table's cell, if any: a new stretch of it.
        if self.open.last().is_some_and(OpenTable::in_cell) {
            self.open_stretch(at);
        }
    }

    /// A paragraph's text, just added at its close: a first-row cell's text is kept for the
    /// column name.
    pub(super) fn paragraph(&mut self, text: &str) {
        let Some(t) = self.open.last_mut().filter(|t| t.in_cell() && t.row == 1) else {
            return;
        };
        let column = t.column;
        let Some((_, _, cell)) = t.first_row.last_mut().filter(|c| c.0 == column) else {
            return;
        };
        if cell.len() > MAX_NAME_LEN {
            return;
        }
        if !cell.is_empty() {
            cell.push(' ');
        }
        cell.push_str(text);
        let digits = cell.bytes().filter(u8::is_ascii_digit).count();
        if cell.len() > MAX_NAME_LEN || digits > MAX_HEADER_DIGITS {
            t.header = false;
        }
    }

    /// Ends the part at `at`: open cells and tables are closed.
    pub(super) fn finish(&mut self, at: u64) {
        self.close_stretch(at);
        self.open.clear();
    }

    /// Starts a stretch of the innermost open cell at `at`.
    fn open_stretch(&mut self, at: u64) {
        let Some(t) = self.open.last() else {
            return;
        };
        let column_name = if t.row > 1 { t.name_of(t.column) } else { None };
        self.cells.push(TableCell {
            start: at,
            end: u64::MAX,
            table: t.number,
            row: t.row,
            column: t.column,
            column_name,
        });
    }

    /// Ends the open stretch, if any, at `at` (an empty one is dropped).
    fn close_stretch(&mut self, at: u64) {
        if let Some(c) = self.cells.last_mut().filter(|c| c.end == u64::MAX) {
            if c.start >= at {
                self.cells.pop();
            } else {
                c.end = at;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tag(name: &str) -> BytesStart<'static> {
        BytesStart::new(name.to_string())
    }

    /// Runs a little table through `Tables`: `rows` of cells' paragraphs, each cell's text
    /// taking its length plus a newline.
    fn table(t: &mut Tables, at: &mut u64, rows: &[&[&str]]) {
        t.start("tbl", &tag("w:tbl"), false, *at);
        for row in rows {
            t.start("tr", &tag("w:tr"), false, *at);
            for cell in row.iter() {
                t.start("tc", &tag("w:tc"), false, *at);
                t.paragraph(cell);
                *at += cell.len() as u64 + 1;
                t.end("tc", *at);
            }
            t.end("tr", *at);
        }
        t.end("tbl", *at);
    }

    #[test]
    fn header_row_names_columns_below() {
        let mut t = Tables::after(2);
        let mut at = 10;
        table(
            &mut t,
            &mut at,
            &[&["Name", "SSN"], &["Ann", "123-45-6789"]],
        );
        let cells = t.cells_from(0).to_vec();
        assert_eq!(cells.len(), 4);
        assert_eq!((cells[0].table, cells[0].row, cells[0].column), (3, 1, 1));
        assert_eq!(cells[1].column_name, None);
        let ssn = &cells[3];
        assert_eq!((ssn.row, ssn.column), (2, 2));
        assert_eq!(ssn.column_name.as_deref(), Some("SSN"));
        assert_eq!((ssn.start, ssn.end), (23, 35));
        assert_eq!(t.count(), 3);
        // Stretches before an offset are forgotten.
        assert_eq!(t.cells_from(23).len(), 1);
    }

    #[test]
    fn a_first_row_of_data_names_nothing() {
        let mut t = Tables::default();
        let mut at = 0;
        table(
            &mut t,
            &mut at,
            &[&["SSN", "123-45-6789"], &["SSN", "987-65-4321"]],
        );
        assert!(t.cells_from(0).iter().all(|c| c.column_name.is_none()));
    }

    #[test]
    fn nested_tables_cut_the_outer_cell() {
        let mut t = Tables::default();
        t.start("tbl", &tag("w:tbl"), false, 0);
        t.start("tr", &tag("w:tr"), false, 0);
        t.start("tc", &tag("w:tc"), false, 0);
        let mut at = 4;
        table(&mut t, &mut at, &[&["x"]]);
        t.end("tc", 10);
        t.end("tbl", 10);
        let cells: Vec<_> = t
            .cells_from(0)
            .iter()
            .map(|c| (c.start, c.end, c.table))
            .collect();
        assert_eq!(cells, [(0, 4, 1), (4, 6, 2), (6, 10, 1)]);
    }

    #[test]
    fn spanned_cells_advance_the_column() {
        let mut t = Tables::default();
        t.start("tbl", &tag("w:tbl"), false, 0);
        t.start("tr", &tag("w:tr"), false, 0);
        let mut span = tag("w:gridSpan");
        span.push_attribute(("w:val", "3"));
        t.start("tc", &tag("w:tc"), false, 0);
        t.start("gridSpan", &span, true, 0);
        t.paragraph("Card number");
        t.end("tc", 12);
        t.start("tc", &tag("w:tc"), false, 12);
        t.paragraph("x");
        t.end("tc", 14);
        t.start("tr", &tag("w:tr"), false, 14);
        for (i, at) in [14u64, 16, 18, 20].into_iter().enumerate() {
            t.start("tc", &tag("w:tc"), false, at);
            t.paragraph("1");
            t.end("tc", at + 2);
            let c = t.cells_from(0).last().cloned().unwrap();
            assert_eq!(c.column, i as u64 + 1);
            let want = if i < 3 {
                Some("Card number")
            } else {
                Some("x")
            };
            assert_eq!(c.column_name.as_deref(), want);
        }
    }
}
