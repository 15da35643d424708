//! Office documents: spreadsheets (xlsx, xlsb, xls, ods) through `calamine`, one chunk per cell
//! with its sheet, row, column, reference and header; documents (docx, pptx) through `zip` and
//! `quick-xml`, and Word 97-2003 (doc) through `cfb` and its piece table, as running text with
//! one paragraph per line.
//!
//! Guards: zip packages whose parts expand too far are not expanded
//! (`OOXML_UNCOMPRESSED_RATIO_EXCEEDS_LIMIT`); password-protected files (OOXML in an encrypted
//! OLE container, xls with FILEPASS, doc with fEncrypted) give `ENCRYPTED_CONTENT`.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::io::{self, BufRead, Read, Seek, SeekFrom};

use calamine::{Data, DataRef, Reader};
use quick_xml::events::Event;

use super::{unsupported, Chunk, Ctx, Input, ReadSeek};
use crate::format::Format;
use crate::location::{Cell, Locator, StreamPos};
use crate::reason::ReasonCode;

const CFB_MAGIC: &[u8] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1";
/// A part over this size is checked against [`MAX_PART_RATIO`].
const RATIO_PART_FLOOR: u64 = 10 << 20;
/// Uncompressed / compressed size that only a bomb has, for a part over [`RATIO_PART_FLOOR`].
const MAX_PART_RATIO: u64 = 100;
/// Longest header text kept as a column name.
const MAX_NAME_LEN: usize = 256;
/// Paragraph text handed to the text streamer per refill.
const FILL_LEN: usize = 64 * 1024;

/// Extracts an office document.
pub(crate) fn extract(
    ctx: &mut Ctx<'_>,
    format: Format,
    input: Input<'_>,
    name: &str,
) -> io::Result<()> {
    let _ = name;
    match input {
        Input::Seek(r) => by_content(ctx, format, r),
        Input::Stream(r) => {
            let mut s = super::archive::spool(ctx, r)?;
            by_content(ctx, format, &mut s)
        }
    }
}

fn by_content(ctx: &mut Ctx<'_>, format: Format, r: &mut dyn ReadSeek) -> io::Result<()> {
    let size = r.seek(SeekFrom::End(0))?;
    r.seek(SeekFrom::Start(0))?;
    let mut magic = Vec::with_capacity(8);
    (&mut *r).take(8).read_to_end(&mut magic)?;
    r.seek(SeekFrom::Start(0))?;
    if magic == CFB_MAGIC {
        return ole(ctx, format, r);
    }
    match format {
        Format::Xlsx | Format::Xlsb | Format::Ods | Format::Docx | Format::Pptx => {
            if !magic.starts_with(b"PK") {
                ctx.reason(
                    ReasonCode::MalformedFile,
                    format!("{} content that is not a zip package", format.name()),
                );
                return Ok(());
            }
            let Some(archive) = open_package(ctx, r)? else {
                return Ok(());
            };
            match format {
                Format::Docx | Format::Pptx => documents(ctx, format, archive),
                _ => {
                    drop(archive);
                    r.seek(SeekFrom::Start(0))?;
                    workbook(ctx, format, r, size)
                }
            }
        }
        Format::Xls => {
            // BIFF2-4 workbooks are bare record streams (BOF 0x0009/0x0209/0x0409/0x0809).
            let biff = magic.len() >= 2 && magic[1] <= 0x08 && magic[0] == 0x09;
            if biff {
                unsupported(ctx, "Excel 2-4 (BIFF2-4) workbook outside an OLE container");
            } else {
                ctx.reason(
                    ReasonCode::MalformedFile,
                    "xls content that is not an OLE compound file",
                );
            }
            Ok(())
        }
        _ => {
            ctx.reason(
                ReasonCode::MalformedFile,
                format!("{} content that is not an OLE compound file", format.name()),
            );
            Ok(())
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Zip packages

type Package<'r> = zip::ZipArchive<&'r mut dyn ReadSeek>;

/// Opens a zip package and checks its parts' declared sizes against the expansion guard.
/// `None` when it is malformed or over a limit (the reason is recorded).
fn open_package<'r>(ctx: &mut Ctx<'_>, r: &'r mut dyn ReadSeek) -> io::Result<Option<Package<'r>>> {
    let mut archive = match zip::ZipArchive::new(r) {
        Ok(a) => a,
        Err(zip::result::ZipError::Io(e)) if e.kind() != io::ErrorKind::UnexpectedEof => {
            return Err(e)
        }
        Err(e) => {
            ctx.reason(ReasonCode::MalformedFile, format!("office package: {e}"));
            return Ok(None);
        }
    };
    let mut total = 0u64;
    for i in 0..archive.len() {
        let (name, size, compressed) = match archive.by_index_raw(i) {
            Ok(f) => (
                String::from_utf8_lossy(f.name_raw()).into_owned(),
                f.size(),
                f.compressed_size(),
            ),
            Err(e) => {
                ctx.reason(
                    ReasonCode::MalformedFile,
                    format!("office package entry {i}: {e}"),
                );
                continue;
            }
        };
        if size > RATIO_PART_FLOOR && size / compressed.max(1) > MAX_PART_RATIO {
            ctx.reason(
                ReasonCode::OoxmlUncompressedRatioExceedsLimit,
                format!(
                    "part {name} expands from {compressed} to {size} bytes (over {MAX_PART_RATIO}:1); the package was not expanded"
                ),
            );
            return Ok(None);
        }
        total = total.saturating_add(size);
    }
    if let Some(part) = entity_declarations(ctx, &mut archive) {
        ctx.reason(
            ReasonCode::OoxmlUncompressedRatioExceedsLimit,
            format!("part {part} declares XML entities (an entity expansion bomb); the package was not expanded"),
        );
        return Ok(None);
    }
    if total > ctx.limits.max_member_bytes {
        let limit = ctx.limits.max_member_bytes;
        ctx.reason(
            ReasonCode::OoxmlUncompressedRatioExceedsLimit,
            format!(
                "parts expand to {total} bytes, over the {limit}-byte limit; the package was not expanded"
            ),
        );
        return Ok(None);
    }
    Ok(Some(archive))
}

/// The first XML part whose document type declares entities (office parts never have a DTD).
fn entity_declarations(ctx: &mut Ctx<'_>, archive: &mut Package<'_>) -> Option<String> {
    const HEAD: u64 = 4096;
    for i in 0..archive.len() {
        let Ok(mut file) = archive.by_index(i) else {
            continue;
        };
        let name = String::from_utf8_lossy(file.name_raw()).into_owned();
        let lower = name.to_ascii_lowercase();
        if !(lower.ends_with(".xml") || lower.ends_with(".rels")) {
            continue;
        }
        let compressed = file.compressed_size();
        let mut head = Vec::new();
        let counted = crate::limits::Counting::new(
            &mut file,
            ctx.budget,
            ctx.limits,
            crate::limits::Compressed::Known(compressed),
        );
        if counted.take(HEAD).read_to_end(&mut head).is_err() {
            continue;
        }
        if let Some(at) = memchr::memmem::find(&head, b"<!DOCTYPE") {
            if memchr::memmem::find(&head[at..], b"<!ENTITY").is_some() {
                return Some(name);
            }
        }
    }
    None
}

// ---------------------------------------------------------------------------------------------
// Spreadsheets

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

fn workbook(ctx: &mut Ctx<'_>, format: Format, r: &mut dyn ReadSeek, size: u64) -> io::Result<()> {
    // calamine can panic on malformed workbooks (seen with corrupted .xls records: slice
    // indexing in its BIFF parser); a panic must not take the scan down.
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        workbook_unguarded(ctx, format, r, size)
    })) {
        Ok(done) => done,
        Err(_) => {
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
                    let mut out = SheetOut::new(&name);
                    let mut reader = match wb.worksheet_cells_reader(&name) {
                        Ok(c) => c,
                        Err(e) => {
                            calamine_error(ctx, format, &name, &e.to_string(), false);
                            continue;
                        }
                    };
                    loop {
                        match reader.next_cell() {
                            Ok(Some(c)) => {
                                let (row, col) = c.get_position();
                                if let Some(text) = render_ref(c.get_value()) {
                                    if !out.cell(ctx, &mut t, row, col, &text) {
                                        break;
                                    }
                                }
                            }
                            Ok(None) => break,
                            Err(e) => {
                                calamine_error(ctx, format, &name, &e.to_string(), false);
                                break;
                            }
                        }
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
                    let mut out = SheetOut::new(&name);
                    let mut reader = match wb.worksheet_cells_reader(&name) {
                        Ok(c) => c,
                        Err(e) => {
                            calamine_error(ctx, format, &name, &e.to_string(), false);
                            continue;
                        }
                    };
                    loop {
                        match reader.next_cell() {
                            Ok(Some(c)) => {
                                let (row, col) = c.get_position();
                                if let Some(text) = render_ref(c.get_value()) {
                                    if !out.cell(ctx, &mut t, row, col, &text) {
                                        break;
                                    }
                                }
                            }
                            Ok(None) => break,
                            Err(e) => {
                                calamine_error(ctx, format, &name, &e.to_string(), false);
                                break;
                            }
                        }
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
        empty_text(ctx);
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

/// One empty chunk: content that was read and holds no text.
fn empty_text(ctx: &mut Ctx<'_>) {
    ctx.sink.chunk(&Chunk {
        text: b"",
        report: 0..0,
        context: None,
        locator: Locator::Stream {
            start: StreamPos::start(),
        },
        member: &ctx.member,
    });
}

// ---------------------------------------------------------------------------------------------
// docx and pptx

/// The parts holding a document's text, in reading order.
fn text_parts(archive: &Package<'_>, format: Format) -> Vec<String> {
    let names: Vec<String> = archive
        .file_names()
        .filter_map(|n| n.ok().map(|n| n.into_owned()))
        .collect();
    let numbered = |dir: &str, stem: &str| -> Vec<String> {
        let mut v: Vec<(u64, String)> = names
            .iter()
            .filter_map(|n| {
                let rest = n.strip_prefix(dir)?.strip_prefix(stem)?;
                let num = rest.strip_suffix(".xml")?;
                let k = if num.is_empty() {
                    0
                } else {
                    num.parse::<u64>().ok()?
                };
                Some((k, n.clone()))
            })
            .collect();
        v.sort();
        v.into_iter().map(|(_, n)| n).collect()
    };
    let mut parts = Vec::new();
    if format == Format::Docx {
        let main = main_document(&names).unwrap_or_else(|| "word/document.xml".into());
        let dir = match main.rfind('/') {
            Some(i) => main[..=i].to_string(),
            None => String::new(),
        };
        parts.push(main);
        for stem in ["header", "footer"] {
            parts.extend(numbered(&dir, stem));
        }
        for single in ["footnotes.xml", "endnotes.xml", "comments.xml"] {
            let n = format!("{dir}{single}");
            if names.contains(&n) {
                parts.push(n);
            }
        }
    } else {
        parts.extend(numbered("ppt/slides/", "slide"));
        parts.extend(numbered("ppt/notesSlides/", "notesSlide"));
    }
    parts
}

/// The main document part: `word/document.xml`, else a part named `document.xml`.
fn main_document(names: &[String]) -> Option<String> {
    let candidates = ["word/document.xml", "word/document2.xml"];
    candidates
        .iter()
        .find(|c| names.iter().any(|n| n == *c))
        .map(|c| c.to_string())
        .or_else(|| {
            names
                .iter()
                .find(|n| n.ends_with("/document.xml") || n.as_str() == "document.xml")
                .cloned()
        })
}

fn documents(ctx: &mut Ctx<'_>, format: Format, mut archive: Package<'_>) -> io::Result<()> {
    let parts = text_parts(&archive, format);
    if parts.is_empty() || (format == Format::Docx && archive.index_for_name(&parts[0]).is_none()) {
        ctx.reason(
            ReasonCode::MalformedFile,
            format!("{} package without its document part", format.name()),
        );
        return Ok(());
    }
    let mut pos = StreamPos::start();
    let mut any = false;
    for part in &parts {
        if ctx.exhausted() {
            break;
        }
        let Some(index) = archive.index_for_name(part) else {
            continue;
        };
        let mut file = match archive.by_index(index) {
            Ok(f) => f,
            Err(zip::result::ZipError::Io(e)) => {
                ctx.io_failure(&e);
                continue;
            }
            Err(e) => {
                ctx.reason(ReasonCode::MalformedFile, format!("part {part}: {e}"));
                continue;
            }
        };
        let compressed = file.compressed_size();
        let counted = crate::limits::Counting::new(
            &mut file,
            ctx.budget,
            ctx.limits,
            crate::limits::Compressed::Known(compressed),
        );
        let mut paras = Paragraphs::new(io::BufReader::new(counted), pos);
        paras.fill();
        if !paras.out.is_empty() {
            any = true;
            let start = paras.start;
            let limits = ctx.limits;
            let member = ctx.member.clone();
            if let Err(e) = super::text::stream(&mut paras, start, limits, &member, ctx.sink) {
                ctx.io_failure(&e);
            }
        }
        pos = paras.end;
        match paras.error.take() {
            Some(PartError::Io(e)) => ctx.io_failure(&e),
            Some(PartError::Xml(m)) => {
                ctx.reason(ReasonCode::MalformedFile, format!("part {part}: {m}"))
            }
            None => {}
        }
    }
    if !any {
        empty_text(ctx);
    }
    Ok(())
}

enum PartError {
    Io(io::Error),
    Xml(String),
}

/// Paragraph text of one XML part, pulled as a byte stream: one paragraph per line.
struct Paragraphs<R: BufRead> {
    xml: quick_xml::Reader<R>,
    buf: Vec<u8>,
    /// Open paragraphs' text (nested ones: text boxes).
    open: Vec<String>,
    /// Depth inside an element whose text is not content (field codes, fallbacks).
    skip: usize,
    in_text: usize,
    in_run: usize,
    out: Vec<u8>,
    at: usize,
    done: bool,
    error: Option<PartError>,
    /// Where the first byte not yet handed out lies.
    start: StreamPos,
    /// Where the text produced so far ends.
    end: StreamPos,
}

impl<R: BufRead> Paragraphs<R> {
    fn new(reader: R, start: StreamPos) -> Self {
        let mut xml = quick_xml::Reader::from_reader(reader);
        let cfg = xml.config_mut();
        cfg.check_end_names = false;
        cfg.allow_unmatched_ends = true;
        cfg.allow_dangling_amp = true;
        Paragraphs {
            xml,
            buf: Vec::new(),
            open: Vec::new(),
            skip: 0,
            in_text: 0,
            in_run: 0,
            out: Vec::new(),
            at: 0,
            done: false,
            error: None,
            start,
            end: start,
        }
    }

    fn push_text(&mut self, s: &str) {
        if self.in_text == 0 || self.skip > 0 {
            return;
        }
        if let Some(p) = self.open.last_mut() {
            for ch in s.chars() {
                p.push(match ch {
                    '\n' | '\r' => ' ',
                    c => c,
                });
            }
        }
    }

    fn push_char(&mut self, c: char) {
        if self.skip > 0 {
            return;
        }
        if let Some(p) = self.open.last_mut() {
            p.push(c);
        }
    }

    fn close_paragraph(&mut self) {
        if let Some(p) = self.open.pop() {
            self.out.extend_from_slice(p.as_bytes());
            self.out.push(b'\n');
        }
    }

    /// Reads events until some text is out or the part ends.
    fn fill(&mut self) {
        self.out.clear();
        self.at = 0;
        while !self.done && self.out.len() < FILL_LEN {
            self.buf.clear();
            let ev = match self.xml.read_event_into(&mut self.buf) {
                Ok(ev) => ev.into_owned(),
                Err(e) => {
                    self.error = Some(match e {
                        quick_xml::Error::Io(io) => {
                            PartError::Io(match std::sync::Arc::try_unwrap(io) {
                                Ok(e) => e,
                                Err(arc) => {
                                    if let Some(code) = crate::limits::limit_of(&arc) {
                                        io::Error::other(crate::limits::LimitHit(code))
                                    } else {
                                        io::Error::new(arc.kind(), arc.to_string())
                                    }
                                }
                            })
                        }
                        e => PartError::Xml(e.to_string()),
                    });
                    self.finish();
                    break;
                }
            };
            match ev {
                Event::Start(e) => {
                    if self.skip > 0 {
                        self.skip += 1;
                        continue;
                    }
                    match e.local_name().as_ref() {
                        "p" => self.open.push(String::new()),
                        "t" | "delText" => self.in_text += 1,
                        "r" => self.in_run += 1,
                        "instrText" | "Fallback" | "delInstrText" => self.skip = 1,
                        _ => {}
                    }
                }
                Event::Empty(e) => match e.local_name().as_ref() {
                    "p" if self.skip == 0 => {
                        self.open.push(String::new());
                        self.close_paragraph();
                    }
                    "br" | "cr" => self.push_char(' '),
                    "tab" if self.in_run > 0 => self.push_char('\t'),
                    "noBreakHyphen" => self.push_char('-'),
                    _ => {}
                },
                Event::End(e) => {
                    if self.skip > 0 {
                        self.skip -= 1;
                        continue;
                    }
                    match e.local_name().as_ref() {
                        "p" => self.close_paragraph(),
                        "t" | "delText" => self.in_text = self.in_text.saturating_sub(1),
                        "r" => self.in_run = self.in_run.saturating_sub(1),
                        _ => {}
                    }
                }
                Event::Text(t) => {
                    let s = t.xml10_content();
                    self.push_text(&s);
                }
                Event::CData(t) => {
                    let s = t.xml10_content();
                    self.push_text(&s);
                }
                Event::GeneralRef(r) => {
                    if let Ok(Some(c)) = r.resolve_char_ref() {
                        let mut b = [0u8; 4];
                        self.push_text(c.encode_utf8(&mut b));
                    } else if let Some(s) = quick_xml::escape::resolve_predefined_entity(&r) {
                        self.push_text(s);
                    }
                    // Other entities are not expanded (no DTDs in office parts).
                }
                Event::Eof => self.finish(),
                _ => {}
            }
        }
        self.end = self.end.advance(&self.out);
    }

    /// Ends the part, keeping the text of paragraphs left open by a truncated part.
    fn finish(&mut self) {
        while !self.open.is_empty() {
            self.close_paragraph();
        }
        self.done = true;
    }
}

impl<R: BufRead> Read for Paragraphs<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.at == self.out.len() {
            if self.done {
                return Ok(0);
            }
            self.fill();
        }
        let n = (self.out.len() - self.at).min(buf.len());
        buf[..n].copy_from_slice(&self.out[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

// ---------------------------------------------------------------------------------------------
// OLE compound files: xls, doc, encrypted OOXML

fn ole(ctx: &mut Ctx<'_>, format: Format, r: &mut dyn ReadSeek) -> io::Result<()> {
    let mut cf = match cfb::CompoundFile::open(&mut *r) {
        Ok(c) => c,
        Err(e) => {
            ctx.reason(
                ReasonCode::MalformedFile,
                format!("{}: not a readable OLE compound file: {e}", format.name()),
            );
            return Ok(());
        }
    };
    let cap = ctx.limits.max_member_bytes;
    if cf.is_stream("EncryptionInfo") || cf.is_stream("EncryptedPackage") {
        let info = read_stream(&mut cf, "EncryptionInfo", 8).unwrap_or_default();
        let kind = match (le16(&info, 0), le16(&info, 2)) {
            (Some(4), Some(4)) => "Agile encryption",
            (Some(2..=4), Some(2)) => "Standard encryption",
            (Some(3 | 4), Some(3)) => "Extensible encryption",
            _ => "encryption of an unknown version",
        };
        ctx.reason(
            ReasonCode::EncryptedContent,
            format!("password-protected Office Open XML package ({kind}); not read"),
        );
        return Ok(());
    }
    if cf.is_stream("WordDocument") {
        return word97(ctx, &mut cf, cap);
    }
    let book = ["Workbook", "Book"].into_iter().find(|s| cf.is_stream(s));
    if let Some(book) = book {
        match read_stream(&mut cf, book, cap) {
            Ok(stream) => {
                if let Some(kind) = xls_filepass(&stream) {
                    ctx.reason(
                        ReasonCode::EncryptedContent,
                        format!("password-protected xls workbook ({kind}); not read"),
                    );
                    return Ok(());
                }
                if let Some(problem) = xls_dimensions_problem(&stream) {
                    ctx.reason(ReasonCode::MalformedFile, format!("xls: {problem}"));
                    return Ok(());
                }
            }
            Err(e) => {
                ctx.reason(
                    ReasonCode::MalformedFile,
                    format!("xls: workbook stream unreadable: {e}"),
                );
                return Ok(());
            }
        }
        drop(cf);
        r.seek(SeekFrom::Start(0))?;
        let size = r.seek(SeekFrom::End(0))?;
        r.seek(SeekFrom::Start(0))?;
        return workbook(ctx, Format::Xls, r, size);
    }
    if cf.is_stream("PowerPoint Document") {
        unsupported(ctx, "PowerPoint 97-2003 (.ppt) presentation");
    } else {
        unsupported(ctx, "OLE compound file of no supported kind");
    }
    Ok(())
}

fn le16(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes([*b.get(at)?, *b.get(at + 1)?]))
}

fn le32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes([
        *b.get(at)?,
        *b.get(at + 1)?,
        *b.get(at + 2)?,
        *b.get(at + 3)?,
    ]))
}

fn read_stream<F: Read + Seek>(
    cf: &mut cfb::CompoundFile<F>,
    name: &str,
    cap: u64,
) -> io::Result<Vec<u8>> {
    let s = cf.open_stream(name)?;
    let mut out = Vec::new();
    s.take(cap).read_to_end(&mut out)?;
    Ok(out)
}

/// The kind of encryption a FILEPASS record in the workbook globals declares, if any.
fn xls_filepass(stream: &[u8]) -> Option<&'static str> {
    for (i, (typ, data)) in biff_records(stream).enumerate() {
        match typ {
            0x002F => {
                if data.len() == 4 {
                    return Some("XOR obfuscation");
                }
                return Some(match (le16(data, 0), le16(data, 2)) {
                    (Some(0), _) => "XOR obfuscation",
                    (Some(1), Some(1)) => "RC4 encryption",
                    (Some(1), _) => "RC4 CryptoAPI encryption",
                    _ => "encryption",
                });
            }
            0x000A if i > 0 => return None,
            _ => {}
        }
    }
    None
}

/// The BIFF records of an xls workbook stream, as (type, data), up to the first one that
/// runs past the end.
fn biff_records(stream: &[u8]) -> impl Iterator<Item = (u16, &[u8])> {
    let mut at = 0usize;
    std::iter::from_fn(move || {
        let (typ, len) = (le16(stream, at)?, usize::from(le16(stream, at + 2)?));
        let data = stream.get(at + 4..at + 4 + len)?;
        at += 4 + len;
        Some((typ, data))
    })
}

/// The most cells a BIFF8 sheet can have (65,536 rows of 256 columns).
const XLS_MAX_CELLS: u64 = 65_536 * 256;

/// A sheet's DIMENSIONS record that declares more cells than a sheet can hold. calamine
/// reserves room for every declared cell before reading a sheet, so a corrupted record asks
/// for hundreds of gigabytes and the allocation aborts the process (no panic to catch): the
/// records are checked here first, computing the size as calamine 0.38 does.
fn xls_dimensions_problem(stream: &[u8]) -> Option<String> {
    for (typ, data) in biff_records(stream) {
        if typ != 0x0200 {
            continue;
        }
        let u16_at = |i: usize| le16(data, i).map(u32::from);
        let dims = match data.len() {
            10 => (u16_at(0), u16_at(2), u16_at(4), u16_at(6)),
            14 | 16 => (le32(data, 0), le32(data, 4), u16_at(8), u16_at(10)),
            _ => continue,
        };
        let (Some(rf), Some(rl), Some(mut cf), Some(cl)) = dims else {
            continue;
        };
        if cf > 0xff || cl < cf {
            cf = 0;
        }
        let (rows, cols) = if rl >= 1 && cl >= 1 {
            (
                (rl - 1).wrapping_sub(rf).wrapping_add(1),
                (cl - 1).wrapping_sub(cf).wrapping_add(1),
            )
        } else {
            (1, 1)
        };
        if u64::from(rows) * u64::from(cols) > XLS_MAX_CELLS {
            return Some(format!(
                "a sheet's DIMENSIONS record declares {rows} rows by {cols} columns, \
                 more than a sheet holds; not read"
            ));
        }
    }
    None
}

fn word97<F: Read + Seek>(
    ctx: &mut Ctx<'_>,
    cf: &mut cfb::CompoundFile<F>,
    cap: u64,
) -> io::Result<()> {
    let wd = match read_stream(cf, "WordDocument", cap) {
        Ok(s) => s,
        Err(e) => {
            ctx.reason(
                ReasonCode::MalformedFile,
                format!("doc: WordDocument stream unreadable: {e}"),
            );
            return Ok(());
        }
    };
    let (Some(ident), Some(nfib), Some(flags)) = (le16(&wd, 0), le16(&wd, 2), le16(&wd, 0x0A))
    else {
        ctx.reason(ReasonCode::MalformedFile, "doc: FIB truncated");
        return Ok(());
    };
    let table_name = if flags & 0x0200 != 0 {
        "1Table"
    } else {
        "0Table"
    };
    if flags & 0x0100 != 0 {
        let kind = if flags & 0x8000 != 0 {
            "XOR obfuscation"
        } else {
            let head = read_stream(cf, table_name, 4).unwrap_or_default();
            match (le16(&head, 0), le16(&head, 2)) {
                (Some(1), Some(1)) => "RC4 encryption",
                (Some(2..=4), Some(2)) => "RC4 CryptoAPI encryption",
                _ => "encryption",
            }
        };
        ctx.reason(
            ReasonCode::EncryptedContent,
            format!("password-protected Word document ({kind}); not read"),
        );
        return Ok(());
    }
    if ident != 0xA5EC || nfib < 0x00C0 {
        unsupported(
            ctx,
            &format!("Word document older than Word 97 (nFib {nfib}); not read"),
        );
        return Ok(());
    }
    let Some((fc_clx, lcb_clx)) = clx_location(&wd) else {
        ctx.reason(ReasonCode::MalformedFile, "doc: FIB truncated");
        return Ok(());
    };
    let table = match read_stream(cf, table_name, cap) {
        Ok(s) => s,
        Err(e) => {
            ctx.reason(
                ReasonCode::MalformedFile,
                format!("doc: {table_name} stream unreadable: {e}"),
            );
            return Ok(());
        }
    };
    let clx = fc_clx
        .checked_add(lcb_clx)
        .and_then(|end| table.get(fc_clx..end));
    let Some(clx) = clx else {
        ctx.reason(
            ReasonCode::MalformedFile,
            "doc: piece table lies outside the table stream",
        );
        return Ok(());
    };
    let (text, fault, last_cp) = piece_text(&wd, clx);
    if let Some(f) = fault {
        ctx.reason(ReasonCode::MalformedFile, format!("doc: {f}"));
    } else if let Some(declared) = declared_cps(&wd) {
        if declared != last_cp {
            ctx.reason(
                ReasonCode::MalformedFile,
                format!("doc: the piece table holds {last_cp} characters but the FIB declares {declared}"),
            );
        }
    }
    let text = paragraphs_of_doc(&text);
    if let Err(e) = super::text::stream(
        io::Cursor::new(text.as_bytes()),
        StreamPos::start(),
        ctx.limits,
        &ctx.member,
        ctx.sink,
    ) {
        ctx.io_failure(&e);
    }
    Ok(())
}

/// The characters the FIB declares for the main text and the other stories.
fn declared_cps(wd: &[u8]) -> Option<u64> {
    let csw = le16(wd, 32)? as usize;
    let lw = 34 + csw * 2 + 2;
    let text = u64::from(le32(wd, lw + 12)?);
    let mut others = 0u64;
    for off in [16, 20, 28, 32, 36, 40] {
        others += u64::from(le32(wd, lw + off)?);
    }
    Some(if others == 0 { text } else { text + others + 1 })
}

/// `fcClx` and `lcbClx` from the FIB.
fn clx_location(wd: &[u8]) -> Option<(usize, usize)> {
    let csw = le16(wd, 32)? as usize;
    let at = 34 + csw * 2;
    let cslw = le16(wd, at)? as usize;
    let at = at + 2 + cslw * 4;
    let cb = le16(wd, at)? as usize;
    if cb < 34 {
        return None;
    }
    let blob = at + 2;
    let fc = le32(wd, blob + 33 * 8)? as usize;
    let lcb = le32(wd, blob + 33 * 8 + 4)? as usize;
    Some((fc, lcb))
}

/// The document's characters in CP order, from the pieces of the CLX; with what was wrong.
fn piece_text(wd: &[u8], clx: &[u8]) -> (String, Option<String>, u64) {
    let mut i = 0usize;
    let plc = loop {
        match clx.get(i) {
            Some(1) => {
                let Some(cb) = le16(clx, i + 1) else {
                    return (String::new(), Some("truncated CLX".into()), 0);
                };
                i += 3 + cb as usize;
            }
            Some(2) => {
                let Some(lcb) = le32(clx, i + 1) else {
                    return (String::new(), Some("truncated CLX".into()), 0);
                };
                let start = i + 5;
                let end = start.saturating_add(lcb as usize).min(clx.len());
                break &clx[start..end.max(start)];
            }
            _ => return (String::new(), Some("no piece table in the CLX".into()), 0),
        }
    };
    if plc.len() < 4 {
        return (String::new(), Some("empty piece table".into()), 0);
    }
    let n = (plc.len() - 4) / 12;
    let mut out = String::new();
    let mut fault = None;
    let last_cp = le32(plc, n * 4).map_or(0, u64::from);
    for k in 0..n {
        let (Some(cp0), Some(cp1), Some(fc)) = (
            le32(plc, k * 4),
            le32(plc, (k + 1) * 4),
            le32(plc, (n + 1) * 4 + k * 8 + 2),
        ) else {
            break;
        };
        let Some(count) = cp1.checked_sub(cp0) else {
            fault = Some("piece table CPs out of order".to_string());
            break;
        };
        let count = count as usize;
        let compressed = fc & 0x4000_0000 != 0;
        let fc = (fc & 0x3FFF_FFFF) as usize;
        let (start, len) = if compressed {
            (fc / 2, count)
        } else {
            (fc, count.saturating_mul(2))
        };
        let end = start.saturating_add(len);
        let bytes = match wd.get(start..end) {
            Some(b) => b,
            None => {
                fault = Some("a text piece lies outside the WordDocument stream".into());
                wd.get(start..).unwrap_or_default()
            }
        };
        if compressed {
            let (s, _) = encoding_rs::WINDOWS_1252.decode_without_bom_handling(bytes);
            out.push_str(&s);
        } else {
            let (s, _) = encoding_rs::UTF_16LE.decode_without_bom_handling(bytes);
            out.push_str(&s);
        }
        if fault.is_some() {
            break;
        }
    }
    (out, fault, last_cp)
}

/// Word's special characters to plain paragraphs: `\r` and cell marks end paragraphs, field
/// codes are dropped (their results kept), other controls removed.
fn paragraphs_of_doc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    // One entry per open field: whether its code (not yet its result) is being read.
    let mut fields: Vec<bool> = Vec::new();
    for c in text.chars() {
        match c {
            '\u{13}' => {
                fields.push(true);
                continue;
            }
            '\u{14}' => {
                if let Some(f) = fields.last_mut() {
                    *f = false;
                }
                continue;
            }
            '\u{15}' => {
                fields.pop();
                continue;
            }
            _ => {}
        }
        if fields.iter().any(|in_code| *in_code) {
            continue;
        }
        match c {
            '\r' | '\u{7}' | '\u{c}' => out.push('\n'),
            '\u{b}' => out.push(' '),
            '\t' => out.push('\t'),
            '\u{1e}' => out.push('-'),
            c if (c as u32) < 0x20 => {}
            c => out.push(c),
        }
    }
    out
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

    #[test]
    fn doc_specials() {
        assert_eq!(
            paragraphs_of_doc("a\rb\u{7}c\u{13} HYPERLINK x \u{14}link\u{15}\r"),
            "a\nb\nclink\n"
        );
    }
}
