//! Tables in Word, PowerPoint and OpenDocument documents at the CLI: a header cell's keyword counts for the
//! column beneath it, as in CSV, and occurrences carry their cell beside their line.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{Cursor, Write};

mod common;
use common::cli::*;

fn zip_of(files: &[(&str, &[u8])]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (name, data) in files {
        w.start_file(*name, zip::write::SimpleFileOptions::default())
            .unwrap();
        w.write_all(data).unwrap();
    }
    w.finish().unwrap().into_inner()
}

fn para(text: &str) -> String {
    format!("<w:p><w:r><w:t>{text}</w:t></w:r></w:p>")
}

/// A docx whose body is a title paragraph and a table of `rows`.
fn docx(rows: &[&[&str]]) -> Vec<u8> {
    let mut table = String::from("<w:tbl>");
    for row in rows {
        table.push_str("<w:tr>");
        for cell in row.iter() {
            table.push_str(&format!("<w:tc>{}</w:tc>", para(cell)));
        }
        table.push_str("</w:tr>");
    }
    table.push_str("</w:tbl>");
    let doc = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>{}{table}</w:body></w:document>"#,
        para("Quarterly staff list")
    );
    zip_of(&[("word/document.xml", doc.as_bytes())])
}

/// A pptx with one slide holding a table of `rows`.
fn pptx(rows: &[&[&str]]) -> Vec<u8> {
    let mut table = String::from("<a:tbl><a:tblPr firstRow=\"1\"/>");
    for row in rows {
        table.push_str("<a:tr>");
        for cell in row.iter() {
            table.push_str(&format!(
                "<a:tc><a:txBody><a:p><a:r><a:t>{cell}</a:t></a:r></a:p></a:txBody></a:tc>"
            ));
        }
        table.push_str("</a:tr>");
    }
    table.push_str("</a:tbl>");
    let slide = format!(
        r#"<?xml version="1.0"?><p:sld xmlns:p="p" xmlns:a="a"><p:cSld><p:spTree><p:graphicFrame><a:graphic><a:graphicData>{table}</a:graphicData></a:graphic></p:graphicFrame></p:spTree></p:cSld></p:sld>"#
    );
    zip_of(&[
        ("ppt/presentation.xml", b"<p:presentation xmlns:p=\"p\"/>"),
        ("ppt/slides/slide1.xml", slide.as_bytes()),
    ])
}

/// An OpenDocument text (`presentation`: a presentation with one slide) holding a title
/// paragraph and a table of `rows`, `mimetype` first as ODF requires.
fn odf(rows: &[&[&str]], presentation: bool) -> Vec<u8> {
    let mut table = String::from("<table:table>");
    for row in rows {
        table.push_str("<table:table-row>");
        for cell in row.iter() {
            table.push_str(&format!(
                "<table:table-cell><text:p>{cell}</text:p></table:table-cell>"
            ));
        }
        table.push_str("</table:table-row>");
    }
    table.push_str("</table:table>");
    let (kind, body) = if presentation {
        (
            "presentation",
            format!("<office:presentation><draw:page><draw:frame>{table}</draw:frame></draw:page></office:presentation>"),
        )
    } else {
        (
            "text",
            format!("<office:text><text:p>Quarterly staff list</text:p>{table}</office:text>"),
        )
    };
    let content = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0"><office:body>{body}</office:body></office:document-content>"#
    );
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let stored =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    w.start_file("mimetype", stored).unwrap();
    w.write_all(format!("application/vnd.oasis.opendocument.{kind}").as_bytes())
        .unwrap();
    w.start_file("content.xml", zip::write::SimpleFileOptions::default())
        .unwrap();
    w.write_all(content.as_bytes()).unwrap();
    w.finish().unwrap().into_inner()
}

/// Rows whose values lie over 30 bytes from any header text: only the column's header can
/// make them keyword matches.
fn rows<'a>(header: &'a str, card: &'a str) -> Vec<Vec<&'a str>> {
    vec![
        vec![header, "Employee full name", "Department and remarks", card],
        vec![
            "536-22-8921",
            "Ann Example-Longname",
            "Accounts payable team",
            CARD,
        ],
        vec![
            "412-67-3390",
            "Bob Example-Longname",
            "Warehouse and logistics",
            "none",
        ],
    ]
}

#[test]
fn header_keywords_count_for_the_column_beneath() {
    let dir = tempfile::tempdir().unwrap();
    let with = rows("SSN", "Card number");
    let without = rows("Reference", "Amount");
    for (name, rows) in [("with", &with), ("without", &without)] {
        let slices: Vec<&[&str]> = rows.iter().map(Vec::as_slice).collect();
        write(dir.path(), &format!("{name}.docx"), docx(&slices));
        write(dir.path(), &format!("{name}.pptx"), pptx(&slices));
        write(dir.path(), &format!("{name}.odt"), odf(&slices, false));
        write(dir.path(), &format!("{name}.odp"), odf(&slices, true));
    }
    // ALL: the card's no-keyword twin is live, so a card reported twice would show.
    let run = scan_dir(dir.path(), &["--identifiers", "ALL"]);
    for (ext, first_line) in [("docx", 6), ("pptx", 5), ("odt", 6), ("odp", 5)] {
        let r = run.record(&format!("with.{ext}"));
        let ssn = detection(r, "USA_SOCIAL_SECURITY_NUMBER");
        assert_eq!(ssn.count, 2, "{ext}");
        let o = &ssn.occurrences[0];
        let c = o.cell.as_ref().unwrap();
        assert_eq!(
            (c.table, c.row, c.column, c.column_name.as_deref()),
            (Some(1), 2, 1, Some("SSN")),
            "{ext}"
        );
        assert_eq!((o.line, o.column), (Some(first_line), Some(1)), "{ext}");
        assert_eq!(ssn.occurrences[1].cell.as_ref().unwrap().row, 3);
        // The card under "Card number" is a keyword match, and only that.
        let card = detection(r, "CREDIT_CARD_NUMBER");
        assert_eq!(card.count, 1, "{ext}");
        let c = card.occurrences[0].cell.as_ref().unwrap();
        assert_eq!(
            (c.column, c.column_name.as_deref()),
            (4, Some("Card number"))
        );
        assert!(
            !types(r).contains_key("CREDIT_CARD_NUMBER_(NO_KEYWORD)"),
            "{ext}: {:?}",
            types(r)
        );
        // Without a keyword header the same values are no SSN, and the card has no keyword.
        let r = run.record(&format!("without.{ext}"));
        let t = types(r);
        assert!(
            !t.contains_key("USA_SOCIAL_SECURITY_NUMBER"),
            "{ext}: {t:?}"
        );
        assert!(!t.contains_key("CREDIT_CARD_NUMBER"), "{ext}: {t:?}");
        assert_eq!(t.get("CREDIT_CARD_NUMBER_(NO_KEYWORD)"), Some(&1), "{ext}");
    }
    // The record writes the cell with its table.
    let raw = run
        .raw
        .iter()
        .find(|v| v["object"]["key"] == "with.docx")
        .unwrap();
    let cell = &raw["detections"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["type"] == "USA_SOCIAL_SECURITY_NUMBER")
        .unwrap()["occurrences"][0]["cell"];
    assert_eq!(cell["table"], 1);
    assert_eq!(cell["column_name"], "SSN");
    assert!(cell["sheet"].is_null() && cell["reference"].is_null());
    let odt = run
        .raw
        .iter()
        .find(|v| v["object"]["key"] == "with.odt")
        .unwrap();
    assert_eq!(odt["format"], "odt");
}

#[test]
fn a_keyword_in_the_next_cell_still_counts() {
    // A two-column form ("SSN" | value): the first row is data, so it names no column, and
    // the keyword counts by its distance in the text, as before tables were read as tables.
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "form.docx",
        docx(&[&["SSN", "536-22-8921"], &["Name", "Ann"]]),
    );
    let run = scan_dir(dir.path(), &[]);
    let ssn = detection(run.record("form.docx"), "USA_SOCIAL_SECURITY_NUMBER");
    assert_eq!(ssn.count, 1);
    let c = ssn.occurrences[0].cell.as_ref().unwrap();
    assert_eq!(
        (c.table, c.row, c.column, c.column_name.as_deref()),
        (Some(1), 1, 2, None)
    );
    assert_eq!(ssn.occurrences[0].line, Some(3));
}
