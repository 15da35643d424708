//! Spreadsheets (xlsx, xlsb, xls, ods) through `calamine`: one chunk per cell with its sheet,
//! row, column, reference and header.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::io::{self, Read, Seek};

use calamine::{Data, DataRef, Reader};

use crate::extract::ctx::{Chunk, Ctx, ReadSeek};
use crate::format::Format;
use crate::location::{Cell, Locator};
use crate::reason::ReasonCode;

/// Longest header text kept as a column name.
const MAX_NAME_LEN: usize = 256;

/// Emits the cells of one sheet, naming columns after the first non-empty row.
struct SheetOut {
    header_row: Option<u32>,
    headers: BTreeMap<u32, String>,
    /// The last cell emitted, reused (its sheet, and its column name while the column stays).
    cell: Cell,
}

/// Running totals of a workbook, for the expansion guard.
struct Totals {
    emitted: u64,
    file_size: u64,
    cells: u64,
    stopped: bool,
}

impl SheetOut {
    fn new(sheet: &str) -> SheetOut {
        SheetOut {
            header_row: None,
            headers: BTreeMap::new(),
            cell: Cell {
                row: 0,
                column: 0,
                column_name: None,
                sheet: Some(sheet.to_string()),
                reference: Some(String::new()),
                table: None,
            },
        }
    }

    /// Emits a cell at 0-based `(row, col)`; false when the workbook must stop.
    fn cell(&mut self, ctx: &mut Ctx<'_>, t: &mut Totals, row: u32, col: u32, text: &str) -> bool {
        if text.is_empty() {
            return true;
        }
        let header_row = *self.header_row.get_or_insert(row);
        if row == header_row {
            let mut end = text.len().min(MAX_NAME_LEN);
            while !text.is_char_boundary(end) {
                end -= 1;
            }
            let name = text[..end].trim();
            if !name.is_empty() {
                self.headers.insert(col, name.to_string());
            }
        }
        let row1 = u64::from(row) + 1;
        let col1 = u64::from(col) + 1;
        let cell = &mut self.cell;
        if cell.column != col1 || row == header_row {
            cell.column = col1;
            cell.column_name = self.headers.get(&col).cloned();
        }
        cell.row = row1;
        let reference = cell.reference.get_or_insert_with(String::new);
        reference.clear();
        push_column_letters(reference, col1);
        reference.push_str(itoa(row1, &mut [0u8; 20]));
        let cell = &self.cell;
        ctx.sink.chunk(&Chunk {
            text: text.as_bytes(),
            report: 0..text.len(),
            context: cell.column_name.as_deref(),
            locator: Locator::Cell { cell, line: 1 },
            member: &ctx.member,
        });
        t.cells += 1;
        t.emitted += text.len() as u64;
        guard(ctx, t)
    }
}

/// Checks the expansion and time limits after a cell; false (with the reason) when over.
fn guard(ctx: &mut Ctx<'_>, t: &mut Totals) -> bool {
    if t.stopped {
        return false;
    }
    let limits = ctx.limits;
    let over_ratio =
        t.emitted > limits.ratio_floor && t.emitted / t.file_size.max(1) > limits.max_ratio;
    if over_ratio || t.emitted > limits.max_member_bytes {
        ctx.reason(
            ReasonCode::OoxmlUncompressedRatioExceedsLimit,
            format!(
                "cell text expanded to over {} bytes from a {}-byte file; the rest was not read",
                t.emitted, t.file_size
            ),
        );
        t.stopped = true;
        return false;
    }
    if t.cells & 1023 == 0 && ctx.budget.out_of_time() {
        let e = ctx.budget.trip(ReasonCode::TimeCutOffReached);
        ctx.io_failure(&e);
        t.stopped = true;
        return false;
    }
    true
}

/// `1` -> `A`, `28` -> `AB`.
#[cfg(test)]
fn column_letters(col: u64) -> String {
    let mut out = String::new();
    push_column_letters(&mut out, col);
    out
}

/// Appends the letters of 1-based column `col` (`28` -> `AB`) to `out`.
fn push_column_letters(out: &mut String, mut col: u64) {
    let mut letters = [0u8; 16];
    let mut i = letters.len();
    while col > 0 && i > 0 {
        i -= 1;
        letters[i] = b'A' + ((col - 1) % 26) as u8;
        col = (col - 1) / 26;
    }
    out.extend(letters[i..].iter().map(|&b| char::from(b)));
}

/// `n` in decimal, written into `buf`.
fn itoa(mut n: u64, buf: &mut [u8; 20]) -> &str {
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    std::str::from_utf8(&buf[i..]).unwrap_or("0")
}

/// A cell value as text; `None` for empty and error cells.
fn render_ref<'a>(v: &'a DataRef<'_>) -> Option<Cow<'a, str>> {
    Some(match v {
        DataRef::Int(i) => Cow::Owned(i.to_string()),
        DataRef::Float(f) => Cow::Owned(float(*f)),
        DataRef::String(s) => Cow::Borrowed(s.as_str()),
        DataRef::SharedString(s) => Cow::Borrowed(*s),
        DataRef::Bool(b) => Cow::Borrowed(if *b { "TRUE" } else { "FALSE" }),
        DataRef::DateTime(d) => Cow::Owned(datetime(d)),
        DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => Cow::Borrowed(s.as_str()),
        DataRef::Error(_) | DataRef::Empty => return None,
    })
}

fn render(v: &Data) -> Option<Cow<'_, str>> {
    Some(match v {
        Data::Int(i) => Cow::Owned(i.to_string()),
        Data::Float(f) => Cow::Owned(float(*f)),
        Data::String(s) => Cow::Borrowed(s.as_str()),
        Data::Bool(b) => Cow::Borrowed(if *b { "TRUE" } else { "FALSE" }),
        Data::DateTime(d) => Cow::Owned(datetime(d)),
        Data::DateTimeIso(s) | Data::DurationIso(s) => Cow::Borrowed(s.as_str()),
        Data::Error(_) | Data::Empty => return None,
    })
}

fn float(f: f64) -> String {
    if f.is_finite() && f.fract() == 0.0 && f.abs() < 1e17 {
        format!("{}", f as i64)
    } else {
        format!("{f}")
    }
}

/// A date as `YYYY-MM-DD`, a time as `HH:MM:SS`, both as `YYYY-MM-DD HH:MM:SS`; a duration as
/// its number of days.
fn datetime(d: &calamine::ExcelDateTime) -> String {
    let v = d.as_f64();
    if d.is_duration() || !v.is_finite() || !(0.0..2_958_466.0).contains(&v) {
        return float(v);
    }
    let (y, mo, da, h, mi, s, _ms) = d.to_ymd_hms_milli();
    let has_time = (h, mi, s) != (0, 0, 0);
    if v < 1.0 {
        format!("{h:02}:{mi:02}:{s:02}")
    } else if has_time {
        format!("{y:04}-{mo:02}-{da:02} {h:02}:{mi:02}:{s:02}")
    } else {
        format!("{y:04}-{mo:02}-{da:02}")
    }
}

pub(super) fn workbook(
    ctx: &mut Ctx<'_>,
    format: Format,
    r: &mut dyn ReadSeek,
    size: u64,
) -> io::Result<()> {
    // calamine can panic on malformed workbooks (seen with corrupted .xls records: slice
    // indexing in its BIFF parser); a panic must not take the scan down.
    match crate::guard::run("calamine", || workbook_unguarded(ctx, format, r, size)) {
        Ok(done) => done,
        Err((reader, message)) => {
            ctx.caught(reader, message);
            ctx.reason(
                ReasonCode::MalformedFile,
                format!(
                    "{}: the spreadsheet reader failed on malformed content; the rest was not read",
                    format.name()
                ),
            );
            Ok(())
        }
    }
}

fn workbook_unguarded(
    ctx: &mut Ctx<'_>,
    format: Format,
    r: &mut dyn ReadSeek,
    size: u64,
) -> io::Result<()> {
    let reasons_before = ctx.reasons.len();
    let mut t = Totals {
        emitted: 0,
        file_size: size,
        cells: 0,
        stopped: false,
    };
    match format {
        Format::Xlsx => match calamine::Xlsx::new(r) {
            Ok(mut wb) => {
                let names = sheet_names(&wb);
                for name in names {
                    if t.stopped {
                        break;
                    }
                    match wb.worksheet_cells_reader(&name) {
                        Ok(mut cells) => {
                            streamed(ctx, &mut t, format, &name, || cells.next_cell());
                        }
                        Err(e) => calamine_error(ctx, format, &name, &e.to_string(), false),
                    }
                }
            }
            Err(e) => {
                let pw = matches!(e, calamine::XlsxError::Password);
                calamine_error(ctx, format, "", &e.to_string(), pw);
            }
        },
        Format::Xlsb => match calamine::Xlsb::new(r) {
            Ok(mut wb) => {
                let names = sheet_names(&wb);
                for name in names {
                    if t.stopped {
                        break;
                    }
                    match wb.worksheet_cells_reader(&name) {
                        Ok(mut cells) => {
                            streamed(ctx, &mut t, format, &name, || cells.next_cell());
                        }
                        Err(e) => calamine_error(ctx, format, &name, &e.to_string(), false),
                    }
                }
            }
            Err(e) => {
                let pw = matches!(e, calamine::XlsbError::Password);
                calamine_error(ctx, format, "", &e.to_string(), pw);
            }
        },
        Format::Ods => match calamine::Ods::new(r) {
            Ok(mut wb) => {
                let names = sheet_names(&wb);
                for name in names {
                    if t.stopped {
                        break;
                    }
                    match wb.worksheet_range(&name) {
                        Ok(range) => ranged(ctx, &mut t, &name, &range),
                        Err(calamine::OdsError::CellLimitExceeded { requested, max }) => {
                            ctx.reason(
                                ReasonCode::OoxmlUncompressedRatioExceedsLimit,
                                format!("sheet {name} expands to {requested} cells (over {max}); not read"),
                            );
                        }
                        Err(e) => calamine_error(ctx, format, &name, &e.to_string(), false),
                    }
                }
            }
            Err(calamine::OdsError::CellLimitExceeded { requested, max }) => {
                ctx.reason(
                    ReasonCode::OoxmlUncompressedRatioExceedsLimit,
                    format!("the spreadsheet expands to {requested} cells (over {max}); not read"),
                );
            }
            Err(e) => {
                let pw = matches!(e, calamine::OdsError::Password);
                calamine_error(ctx, format, "", &e.to_string(), pw);
            }
        },
        _ => match calamine::Xls::new(r) {
            Ok(mut wb) => {
                let names = sheet_names(&wb);
                for name in names {
                    if t.stopped {
                        break;
                    }
                    match wb.worksheet_range(&name) {
                        Ok(range) => ranged(ctx, &mut t, &name, &range),
                        Err(e) => calamine_error(ctx, format, &name, &e.to_string(), false),
                    }
                }
            }
            Err(e) => {
                let pw = matches!(e, calamine::XlsError::Password);
                calamine_error(ctx, format, "", &e.to_string(), pw);
            }
        },
    }
    if t.cells == 0 && !t.stopped && ctx.reasons.len() == reasons_before {
        // An empty workbook was still read.
        ctx.empty_text();
    }
    Ok(())
}

/// Worksheet names (not chart or dialog sheets), in workbook order.
fn sheet_names<RS: Read + Seek, W: Reader<RS>>(wb: &W) -> Vec<String> {
    wb.sheets_metadata()
        .iter()
        .filter(|s| {
            !matches!(
                s.typ,
                calamine::SheetType::ChartSheet | calamine::SheetType::DialogSheet
            )
        })
        .map(|s| s.name.clone())
        .collect()
}

/// Emits the cells a streaming sheet reader (xlsx, xlsb) yields, until it ends, fails or a
/// limit stops the workbook.
fn streamed<'a, E: std::fmt::Display>(
    ctx: &mut Ctx<'_>,
    t: &mut Totals,
    format: Format,
    name: &str,
    mut next_cell: impl FnMut() -> Result<Option<calamine::Cell<DataRef<'a>>>, E>,
) {
    let mut out = SheetOut::new(name);
    loop {
        match next_cell() {
            Ok(Some(c)) => {
                let (row, col) = c.get_position();
                if let Some(text) = render_ref(c.get_value()) {
                    if !out.cell(ctx, t, row, col, &text) {
                        break;
                    }
                }
            }
            Ok(None) => break,
            Err(e) => {
                calamine_error(ctx, format, name, &e.to_string(), false);
                break;
            }
        }
    }
}

fn ranged(ctx: &mut Ctx<'_>, t: &mut Totals, name: &str, range: &calamine::Range<Data>) {
    let Some((r0, c0)) = range.start() else {
        return;
    };
    let mut out = SheetOut::new(name);
    for (r, c, v) in range.used_cells() {
        let (Ok(r), Ok(c)) = (u32::try_from(r), u32::try_from(c)) else {
            continue;
        };
        if let Some(text) = render(v) {
            let (row, col) = (r0.saturating_add(r), c0.saturating_add(c));
            if !out.cell(ctx, t, row, col, &text) {
                return;
            }
        }
    }
}

fn calamine_error(ctx: &mut Ctx<'_>, format: Format, sheet: &str, msg: &str, password: bool) {
    let kind = format.name();
    if password {
        ctx.reason(
            ReasonCode::EncryptedContent,
            format!("password-protected {kind} workbook; not read"),
        );
    } else if sheet.is_empty() {
        ctx.reason(ReasonCode::MalformedFile, format!("{kind}: {msg}"));
    } else {
        ctx.reason(
            ReasonCode::MalformedFile,
            format!("{kind} sheet {sheet}: {msg}"),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn letters() {
        assert_eq!(column_letters(1), "A");
        assert_eq!(column_letters(26), "Z");
        assert_eq!(column_letters(27), "AA");
        assert_eq!(column_letters(28), "AB");
        assert_eq!(column_letters(16384), "XFD");
        assert_eq!(column_letters(u64::from(u32::MAX) + 1), "MWLQKWV");
        assert_eq!(itoa(0, &mut [0; 20]), "0");
        assert_eq!(itoa(1_048_576, &mut [0; 20]), "1048576");
        assert_eq!(itoa(u64::MAX, &mut [0; 20]), u64::MAX.to_string());
    }
}
