//! Tables in documents (docx, pptx, odt, odp): each cell's text is located in its cell (table, row,
//! column, column name from a header row) beside its line, on fixtures generated here.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use common::zip_of;
use std::io::{Cursor, Write};

use trawl_formats::{
    extract, Cell, Chunk, Format, Limits, LineCursor, Location, Locator, ReasonCode, TextSink,
};

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

const ODF_NS: &str = r#"xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0" xmlns:presentation="urn:oasis:names:tc:opendocument:xmlns:presentation:1.0" xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" xmlns:dc="http://purl.org/dc/elements/1.1/""#;

/// An OpenDocument package: `mimetype` first and stored, as ODF requires, then `parts`.
fn odf_zip(kind: &str, parts: &[(&str, &[u8])]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let stored =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    w.start_file("mimetype", stored).unwrap();
    w.write_all(format!("application/vnd.oasis.opendocument.{kind}").as_bytes())
        .unwrap();
    for (name, data) in parts {
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        w.start_file(*name, opts).unwrap();
        w.write_all(data).unwrap();
    }
    w.finish().unwrap().into_inner()
}

fn odt(body: &str) -> Vec<u8> {
    let content = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><office:document-content {ODF_NS} office:version="1.3"><office:body><office:text>{body}</office:text></office:body></office:document-content>"#
    );
    let styles = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><office:document-styles {ODF_NS}><office:master-styles><style:master-page style:name="Standard"><style:footer><text:p>Footer NEEDLE</text:p></style:footer></style:master-page></office:master-styles></office:document-styles>"#
    );
    odf_zip(
        "text",
        &[
            ("content.xml", content.as_bytes()),
            ("styles.xml", styles.as_bytes()),
        ],
    )
}

/// An OpenDocument table of `rows`, each cell one paragraph, the first row a header row.
fn odf_table(rows: &[&[&str]]) -> String {
    let mut s = String::from(
        "<table:table table:name=\"T\"><table:table-column table:number-columns-repeated=\"2\"/>",
    );
    for (i, row) in rows.iter().enumerate() {
        if i == 0 {
            s.push_str("<table:table-header-rows>");
        }
        s.push_str("<table:table-row>");
        for cell in row.iter() {
            s.push_str(&format!(
                "<table:table-cell office:value-type=\"string\"><text:p>{cell}</text:p></table:table-cell>"
            ));
        }
        s.push_str("</table:table-row>");
        if i == 0 {
            s.push_str("</table:table-header-rows>");
        }
    }
    s.push_str("</table:table>");
    s
}

#[test]
fn odt_paragraphs_are_lines_and_tables_are_tables() {
    let body = [
        "<text:h text:outline-level=\"1\">Staff</text:h>",
        "<text:p>list<text:s text:c=\"2\"/><text:span>NEEDLE</text:span></text:p>",
        &odf_table(&[&["Name", "SSN"], &["Ann", "x NEEDLE"]]),
        "<text:list><text:list-item><text:p>after NEEDLE</text:p></text:list-item></text:list>",
    ]
    .concat();
    let out = run(&odt(&body), "staff.odt");
    let text = String::from_utf8_lossy(&out.text);
    assert!(
        text.starts_with("Staff\nlist  NEEDLE\nName\nSSN\nAnn\nx NEEDLE\nafter NEEDLE\n"),
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
            (Some(2), Some(7), None),
            (Some(6), Some(3), cell(1, 2, 2, Some("SSN"))),
            (Some(7), Some(7), None),
            // The footer, from styles.xml, after the body.
            (Some(8), Some(8), None),
        ]
    );
    // Known by its mimetype whatever its name.
    let e = extract(
        &mut Cursor::new(odt("")),
        "download",
        &Limits::default(),
        &mut Finder::default(),
    );
    assert_eq!(e.format, Format::Odt);
    // A zip with an OpenDocument `mimetype` entry but no content is an ordinary zip.
    let data = odf_zip("text", &[("notes.txt", b"plain NEEDLE".as_slice())]);
    let mut finder = Finder::default();
    let e = extract(
        &mut Cursor::new(data),
        "bundle.zip",
        &Limits::default(),
        &mut finder,
    );
    assert_eq!(e.format, Format::Zip);
    assert!(e.reasons.is_empty(), "{:?}", e.reasons);
    assert_eq!(finder.found.len(), 1);
}

#[test]
fn odt_table_with_repeated_and_spanned_cells() {
    let body = "<table:table><table:table-row>\
        <table:table-cell table:number-columns-spanned=\"2\"><text:p>Card number</text:p></table:table-cell><table:covered-table-cell/>\
        <table:table-cell><text:p>Name</text:p></table:table-cell></table:table-row>\
        <table:table-row table:number-rows-repeated=\"2\"><table:table-cell table:number-columns-repeated=\"3\"/></table:table-row>\
        <table:table-row><table:table-cell/><table:table-cell><text:p>NEEDLE</text:p></table:table-cell>\
        <table:table-cell><text:p>NEEDLE</text:p></table:table-cell></table:table-row></table:table>";
    let out = run(&odt(body), "spans.odt");
    let cells: Vec<_> = out.found.iter().map(|l| l.cell.clone()).collect();
    assert_eq!(
        cells,
        [
            cell(1, 4, 2, Some("Card number")),
            cell(1, 4, 3, Some("Name")),
            None
        ]
    );
}

#[test]
fn odp_slide_text_and_table() {
    let slide = format!(
        "<draw:page draw:name=\"page1\"><draw:frame presentation:class=\"title\"><draw:text-box><text:p>Title NEEDLE</text:p></draw:text-box></draw:frame>\
         <draw:frame><svg:title xmlns:svg=\"s\">alt</svg:title><table:table>{}</table:table></draw:frame>\
         <presentation:notes><draw:frame><draw:text-box><text:p>Notes</text:p></draw:text-box></draw:frame></presentation:notes></draw:page>",
        "<table:table-row><table:table-cell><text:p>Name</text:p></table:table-cell><table:table-cell><text:p>Card number</text:p></table:table-cell></table:table-row>\
         <table:table-row><table:table-cell><text:p>Ann</text:p></table:table-cell><table:table-cell><text:p>NEEDLE</text:p></table:table-cell></table:table-row>"
    );
    let content = format!(
        r#"<office:document-content {ODF_NS}><office:body><office:presentation>{slide}</office:presentation></office:body></office:document-content>"#
    );
    let data = odf_zip("presentation", &[("content.xml", content.as_bytes())]);
    let out = run(&data, "deck.odp");
    let text = String::from_utf8_lossy(&out.text);
    assert_eq!(
        text,
        "Title NEEDLE\nName\nCard number\nAnn\nNEEDLE\nNotes\n"
    );
    let found: Vec<_> = out.found.iter().map(|l| (l.line, l.cell.clone())).collect();
    assert_eq!(
        found,
        [
            (Some(1), None),
            (Some(5), cell(1, 2, 2, Some("Card number")))
        ]
    );
}

#[test]
fn encrypted_odt_is_encrypted_content() {
    let manifest = r#"<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.3"><manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.text"/><manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml" manifest:size="3000"><manifest:encryption-data manifest:checksum-type="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0#sha256-1k" manifest:checksum="x"><manifest:algorithm manifest:algorithm-name="http://www.w3.org/2001/04/xmlenc#aes256-cbc" manifest:initialisation-vector="x"/><manifest:key-derivation manifest:key-derivation-name="PBKDF2" manifest:key-size="32" manifest:iteration-count="100000" manifest:salt="x"/></manifest:encryption-data></manifest:file-entry><manifest:file-entry manifest:full-path="meta.xml" manifest:media-type="text/xml"/></manifest:manifest>"#;
    let meta = r#"<office:document-meta xmlns:office="o" xmlns:meta="m"><office:meta><meta:user-defined meta:name="Owner">NEEDLE</meta:user-defined></office:meta></office:document-meta>"#;
    let data = odf_zip(
        "text",
        &[
            (
                "content.xml",
                b"\x93\x11\xfe binary ciphertext \x00\x01".as_slice(),
            ),
            ("meta.xml", meta.as_bytes()),
            ("META-INF/manifest.xml", manifest.as_bytes()),
        ],
    );
    let mut finder = Finder::default();
    let e = extract(
        &mut Cursor::new(data),
        "secret.odt",
        &Limits::default(),
        &mut finder,
    );
    let codes: Vec<_> = e.reasons.iter().map(|r| r.code).collect();
    assert_eq!(codes, [ReasonCode::EncryptedContent], "{:?}", e.reasons);
    // The unencrypted properties are still read; the ciphertext is not.
    assert_eq!(finder.found.len(), 1);
    assert!(!String::from_utf8_lossy(&finder.text).contains("ciphertext"));
}

#[test]
fn malformed_odt_keeps_what_was_read() {
    let content = format!(
        r#"<office:document-content {ODF_NS}><office:body><office:text><text:p>kept NEEDLE</text:p><text:p>cut <text:span"#
    );
    let data = odf_zip("text", &[("content.xml", content.as_bytes())]);
    let mut finder = Finder::default();
    let e = extract(
        &mut Cursor::new(data),
        "cut.odt",
        &Limits::default(),
        &mut finder,
    );
    let codes: Vec<_> = e.reasons.iter().map(|r| r.code).collect();
    assert_eq!(codes, [ReasonCode::MalformedFile], "{:?}", e.reasons);
    assert_eq!(finder.found.len(), 1);
}
