//! Tables in documents (docx, pptx): each cell's text is located in its cell (table, row,
//! column, column name from a header row) beside its line, on fixtures generated here.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{Cursor, Write};

use trawl_formats::{extract, Cell, Chunk, Limits, LineCursor, Location, Locator, TextSink};

/// Where each `NEEDLE` lies, and the cell stretches every chunk handed over.
#[derive(Default)]
struct Finder {
    found: Vec<Location>,
    /// (cell text, table, row, column, column name) of each stretch in a report range.
    cells: Vec<(String, u64, u64, u64, Option<String>)>,
    text: Vec<u8>,
    /// The most cell stretches one chunk carried.
    most_cells: usize,
}

impl TextSink for Finder {
    fn chunk(&mut self, c: &Chunk<'_>) {
        assert!(c.context.is_none());
        self.text.extend_from_slice(&c.text[c.report.clone()]);
        for (range, cell) in c.locator.table_cells(c.text.len()) {
            if c.report.contains(&range.start) {
                self.cells.push((
                    String::from_utf8_lossy(&c.text[range]).into_owned(),
                    cell.table,
                    cell.row,
                    cell.column,
                    cell.column_name.as_deref().map(str::to_string),
                ));
            }
        }
        let mut cursor = LineCursor::default();
        let mut at = 0;
        while let Some(p) = c.text[at..].windows(6).position(|w| w == b"NEEDLE") {
            let pos = at + p;
            if c.report.contains(&pos) {
                self.found.push(c.locator.locate(c.text, pos, &mut cursor));
            }
            at = pos + 1;
        }
        if let Locator::Table { cells, .. } = c.locator {
            assert!(cells.windows(2).all(|w| w[0].end <= w[1].start));
            self.most_cells = self.most_cells.max(cells.len());
        }
    }
}

fn run(data: &[u8], name: &str) -> Finder {
    let mut finder = Finder::default();
    let e = extract(
        &mut Cursor::new(data),
        name,
        &Limits::default(),
        &mut finder,
    );
    assert!(e.reasons.is_empty(), "{:?}", e.reasons);
    finder
}

fn zip_of(files: &[(&str, &[u8])]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (name, data) in files {
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        w.start_file(*name, opts).unwrap();
        w.write_all(data).unwrap();
    }
    w.finish().unwrap().into_inner()
}

fn docx(body: &str) -> Vec<u8> {
    let doc = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>{body}</w:body></w:document>"#
    );
    zip_of(&[("word/document.xml", doc.as_bytes())])
}

/// A Word table of `rows`, each cell one paragraph.
fn word_table(rows: &[&[&str]]) -> String {
    let mut s = String::from("<w:tbl><w:tblPr/><w:tblGrid><w:gridCol/></w:tblGrid>");
    for row in rows {
        s.push_str("<w:tr><w:trPr/>");
        for cell in row.iter() {
            s.push_str(&format!(
                "<w:tc><w:tcPr/><w:p><w:r><w:t>{cell}</w:t></w:r></w:p></w:tc>"
            ));
        }
        s.push_str("</w:tr>");
    }
    s.push_str("</w:tbl>");
    s
}

fn para(text: &str) -> String {
    format!("<w:p><w:r><w:t>{text}</w:t></w:r></w:p>")
}

fn cell(table: u64, row: u64, column: u64, name: Option<&str>) -> Option<Cell> {
    Some(Cell {
        row,
        column,
        column_name: name.map(str::to_string),
        sheet: None,
        reference: None,
        table: Some(table),
    })
}

#[test]
fn docx_table_cells_have_table_row_column_and_header() {
    let body = [
        para("Staff list NEEDLE"),
        word_table(&[&["Name", "SSN"], &["Ann", "x NEEDLE"], &["Bob", "NEEDLE"]]),
        para("between"),
        word_table(&[&["NEEDLE 1234567", "b"], &["c", "NEEDLE"]]),
        para("after NEEDLE"),
    ]
    .concat();
    let out = run(&docx(&body), "staff.docx");
    let text = String::from_utf8_lossy(&out.text);
    assert!(
        text.starts_with("Staff list NEEDLE\nName\nSSN\nAnn\nx NEEDLE\nBob\nNEEDLE\nbetween\n"),
        "{text}"
    );
    let found: Vec<_> = out
        .found
        .iter()
        .map(|l| (l.line, l.column, l.cell.clone()))
        .collect();
    assert_eq!(
        found,
        [
            (Some(1), Some(12), None),
            (Some(5), Some(3), cell(1, 2, 2, Some("SSN"))),
            (Some(7), Some(1), cell(1, 3, 2, Some("SSN"))),
            // A first row holding data names no column.
            (Some(9), Some(1), cell(2, 1, 1, None)),
            (Some(12), Some(1), cell(2, 2, 2, None)),
            (Some(13), Some(7), None),
        ]
    );
    // Offsets stay those of the running text.
    let at = text.find("x NEEDLE").unwrap() as u64 + 2;
    assert_eq!(out.found[1].offset, Some(at));
    let ssn: Vec<_> = out.cells.iter().filter(|c| c.3 == 2 && c.1 == 1).collect();
    assert_eq!(ssn.len(), 3);
    assert_eq!(ssn[2].0, "NEEDLE\n");
}

#[test]
fn docx_spanned_and_nested_cells() {
    // A header cell spanning two columns names both; a nested table is its own table, and
    // the outer cell goes on after it.
    let body = format!(
        "<w:tbl><w:tr><w:trPr><w:gridBefore w:val=\"1\"/></w:trPr>\
         <w:tc><w:tcPr><w:gridSpan w:val=\"2\"/></w:tcPr>{h}</w:tc></w:tr>\
         <w:tr><w:tc>{a}</w:tc><w:tc>{b}</w:tc><w:tc>{inner}{c}</w:tc></w:tr></w:tbl>",
        h = para("Card number"),
        a = para("a"),
        b = para("NEEDLE b"),
        inner = word_table(&[&["NEEDLE in"]]),
        c = para("NEEDLE c"),
    );
    let out = run(&docx(&body), "spans.docx");
    let cells: Vec<_> = out.found.iter().map(|l| l.cell.clone()).collect();
    assert_eq!(
        cells,
        [
            cell(1, 2, 2, Some("Card number")),
            cell(2, 1, 1, None),
            cell(1, 2, 3, Some("Card number")),
        ]
    );
}

#[test]
fn pptx_table_in_a_graphic_frame() {
    let mut rows = String::new();
    for row in [["Name", "Card number"], ["Ann", "NEEDLE"]] {
        rows.push_str("<a:tr h=\"1\">");
        for c in row {
            rows.push_str(&format!(
                "<a:tc><a:txBody><a:bodyPr/><a:p><a:r><a:t>{c}</a:t></a:r></a:p></a:txBody><a:tcPr/></a:tc>"
            ));
        }
        rows.push_str("</a:tr>");
    }
    let slide = format!(
        r#"<?xml version="1.0"?><p:sld xmlns:p="p" xmlns:a="a"><p:cSld><p:spTree><p:sp><p:txBody><a:p><a:r><a:t>Title</a:t></a:r></a:p></p:txBody></p:sp><p:graphicFrame><a:graphic><a:graphicData><a:tbl><a:tblPr firstRow="1"/><a:tblGrid><a:gridCol w="1"/><a:gridCol w="1"/></a:tblGrid>{rows}</a:tbl></a:graphicData></a:graphic></p:graphicFrame></p:spTree></p:cSld></p:sld>"#
    );
    let data = zip_of(&[
        (
            "ppt/presentation.xml",
            b"<p:presentation xmlns:p=\"p\"/>".as_slice(),
        ),
        ("ppt/slides/slide1.xml", slide.as_bytes()),
    ]);
    let out = run(&data, "deck.pptx");
    let found: Vec<_> = out.found.iter().map(|l| (l.line, l.cell.clone())).collect();
    assert_eq!(found, [(Some(5), cell(1, 2, 2, Some("Card number")))]);
}

#[test]
fn text_without_tables_is_located_as_before() {
    let out = run(&docx(&para("plain NEEDLE")), "plain.docx");
    assert!(out.cells.is_empty());
    assert_eq!(out.found.len(), 1);
    assert_eq!(out.found[0].cell, None);
    assert_eq!(out.found[0].line, Some(1));
}

#[test]
fn a_long_table_crosses_chunks_and_keeps_its_cells() {
    // Enough rows for several chunks: every NEEDLE is found once, in its cell.
    let rows: Vec<[String; 2]> = (0..40_000)
        .map(|i| [format!("row {i}"), format!("NEEDLE {i}")])
        .collect();
    let rows: Vec<Vec<&str>> = rows
        .iter()
        .map(|r| r.iter().map(String::as_str).collect())
        .collect();
    let mut all: Vec<&[&str]> = vec![&["Id", "SSN"]];
    all.extend(rows.iter().map(Vec::as_slice));
    let out = run(&docx(&word_table(&all)), "long.docx");
    assert_eq!(out.found.len(), 40_000);
    for (i, l) in out.found.iter().enumerate() {
        assert_eq!(l.cell, cell(1, i as u64 + 2, 2, Some("SSN")), "{i}");
        assert_eq!(l.line, Some(2 * i as u64 + 4));
    }
}

#[test]
fn tiny_cells_end_chunks_early_and_stay_bounded() {
    // 600,000 cells of one byte each (an empty paragraph): their stretches would take tens
    // of MiB in one 4 MiB chunk; chunks end early instead, and every value is still found.
    let mut body = String::from("<w:tbl>");
    for r in 0..20_000 {
        body.push_str("<w:tr>");
        for c in 0..30 {
            if c == 7 && r % 1000 == 999 {
                body.push_str("<w:tc><w:p><w:r><w:t>NEEDLE</w:t></w:r></w:p></w:tc>");
            } else {
                body.push_str("<w:tc><w:p/></w:tc>");
            }
        }
        body.push_str("</w:tr>");
    }
    body.push_str("</w:tbl>");
    let out = run(&docx(&body), "tiny.docx");
    assert_eq!(out.found.len(), 20);
    for (i, l) in out.found.iter().enumerate() {
        assert_eq!(l.cell, cell(1, 1000 * i as u64 + 1000, 8, None), "{i}");
    }
    // A chunk's minimum text (2 x 82 KiB) plus the paragraph reader's 64 KiB read ahead, one
    // byte per cell: some 230,000 stretches (12 MiB), not the 4 MiB buffer's 4 million.
    assert!(out.most_cells < 240_000, "{}", out.most_cells);
}
