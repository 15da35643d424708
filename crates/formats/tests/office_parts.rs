//! Office packages read part by part: presentations without slides, sheet types not read,
//! ODS rows with stray whitespace, the expansion guard per part, document properties, and
//! compound files whose FAT or directory a strict reader refuses or misses.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use common::zip_of;
use std::io::{Cursor, Write};

use trawl_formats::{extract, Chunk, Limits, LineCursor, Location, TextSink};

#[derive(Default)]
struct Finder {
    found: Vec<Location>,
    text: Vec<u8>,
}

impl TextSink for Finder {
    fn chunk(&mut self, c: &Chunk<'_>) {
        self.text.extend_from_slice(&c.text[c.report.clone()]);
        self.text.push(b'|');
        let mut cursor = LineCursor::default();
        let mut at = 0;
        while let Some(p) = c.text[at..].windows(6).position(|w| w == b"NEEDLE") {
            let pos = at + p;
            if c.report.contains(&pos) {
                let mut loc = c.locator.locate(c.text, pos, &mut cursor);
                loc.member = c.member.to_vec();
                self.found.push(loc);
            }
            at = pos + 1;
        }
    }
}

struct Out {
    finder: Finder,
    format: String,
    /// (code, member joined by `/`, message)
    reasons: Vec<(String, String, String)>,
}

fn run_with(data: &[u8], name: &str, limits: &Limits) -> Out {
    let mut finder = Finder::default();
    let e = extract(&mut Cursor::new(data), name, limits, &mut finder);
    Out {
        finder,
        format: e.format.name().to_string(),
        reasons: e
            .reasons
            .iter()
            .map(|r| {
                (
                    r.code.as_str().to_string(),
                    r.member.join("/"),
                    r.message.clone(),
                )
            })
            .collect(),
    }
}

fn run(data: &[u8], name: &str) -> Out {
    run_with(data, name, &Limits::default())
}

fn cfb_of(streams: &[(&str, &[u8])]) -> Vec<u8> {
    let mut cf = cfb::CompoundFile::create(Cursor::new(Vec::new())).unwrap();
    for (name, data) in streams {
        let mut s = cf.create_stream(name).unwrap();
        s.write_all(data).unwrap();
    }
    cf.flush().unwrap();
    cf.into_inner().into_inner()
}

const REL: &str = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";

/// A workbook whose sheets are `(name, relationship type, part, part XML)`.
fn workbook(sheets: &[(&str, &str, &str, &str)]) -> Vec<u8> {
    let rels = format!(
        r#"<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="{REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>"#
    );
    let mut listed = String::new();
    let mut wb_rels = String::new();
    for (i, (name, typ, part, _)) in sheets.iter().enumerate() {
        let n = i + 1;
        listed.push_str(&format!(
            r#"<sheet name="{name}" sheetId="{n}" r:id="rId{n}"/>"#
        ));
        wb_rels.push_str(&format!(
            r#"<Relationship Id="rId{n}" Type="{typ}" Target="{}"/>"#,
            part.trim_start_matches("xl/")
        ));
    }
    let wb = format!(
        r#"<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="{REL}"><sheets>{listed}</sheets></workbook>"#
    );
    let wb_rels = format!(
        r#"<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{wb_rels}</Relationships>"#
    );
    let mut files: Vec<(&str, &[u8])> = vec![
        ("_rels/.rels", rels.as_bytes()),
        ("xl/workbook.xml", wb.as_bytes()),
        ("xl/_rels/workbook.xml.rels", wb_rels.as_bytes()),
    ];
    for (_, _, part, xml) in sheets {
        files.push((part, xml.as_bytes()));
    }
    zip_of(&files)
}

fn sheet_xml(rows: &str) -> String {
    format!(
        r#"<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>{rows}</sheetData></worksheet>"#
    )
}

const NEEDLE_ROW: &str =
    r#"<row r="1"><c r="A1" t="inlineStr"><is><t>NEEDLE here</t></is></c></row>"#;

#[test]
fn pptx_without_slides_is_read_for_layouts_masters_and_properties() {
    let p = r#"<p:sldLayout xmlns:a="a" xmlns:p="p"><p:cSld><p:spTree><p:sp><p:txBody><a:p><a:r><a:t>Footer NEEDLE</a:t></a:r></a:p></p:txBody></p:sp></p:spTree></p:cSld></p:sldLayout>"#;
    let core = r#"<cp:coreProperties xmlns:cp="c" xmlns:dc="d"><dc:creator>NEEDLE Smith</dc:creator></cp:coreProperties>"#;
    let data = zip_of(&[
        ("ppt/presentation.xml", b"<p:presentation xmlns:p=\"p\"/>"),
        ("ppt/slideLayouts/slideLayout1.xml", p.as_bytes()),
        ("docProps/core.xml", core.as_bytes()),
    ]);
    let out = run(&data, "layouts.pptx");
    assert_eq!(out.format, "pptx");
    assert!(out.reasons.is_empty(), "{:?}", out.reasons);
    let found: Vec<(Vec<String>, Option<u64>)> = out
        .finder
        .found
        .iter()
        .map(|l| (l.member.clone(), l.line))
        .collect();
    assert_eq!(
        found,
        vec![
            (vec![], Some(1)),
            (vec!["docProps/core.xml".to_string()], Some(1))
        ]
    );
    // No text at all: an empty presentation, read whole.
    let empty = zip_of(&[("ppt/presentation.xml", b"<p:presentation xmlns:p=\"p\"/>")]);
    let out = run(&empty, "empty.pptx");
    assert!(out.reasons.is_empty(), "{:?}", out.reasons);
}

#[test]
fn document_properties_are_scanned_under_their_part() {
    let doc = r#"<w:document xmlns:w="w"><w:body><w:p><w:r><w:t>body</w:t></w:r></w:p></w:body></w:document>"#;
    let custom = r#"<Properties xmlns:vt="v"><property fmtid="{x}" pid="2" name="Client"><vt:lpwstr>NEEDLE custom</vt:lpwstr></property></Properties>"#;
    let app = r#"<Properties><Company>NEEDLE Inc</Company><Manager>Bo</Manager></Properties>"#;
    let data = zip_of(&[
        ("word/document.xml", doc.as_bytes()),
        ("docProps/app.xml", app.as_bytes()),
        ("docProps/custom.xml", custom.as_bytes()),
    ]);
    let out = run(&data, "props.docx");
    assert!(out.reasons.is_empty(), "{:?}", out.reasons);
    let members: Vec<String> = out
        .finder
        .found
        .iter()
        .map(|l| l.member.join("/"))
        .collect();
    assert_eq!(members, ["docProps/app.xml", "docProps/custom.xml"]);
    let text = String::from_utf8_lossy(&out.finder.text);
    assert!(
        text.contains("Company: NEEDLE Inc\nManager: Bo\n"),
        "{text}"
    );
    assert!(text.contains("Client: NEEDLE custom\n"), "{text}");
    // Spreadsheets too, and ODF meta.xml.
    let core = r#"<cp:coreProperties xmlns:cp="c" xmlns:dc="d"><dc:title>NEEDLE title</dc:title></cp:coreProperties>"#;
    let mut xlsx = zip::ZipArchive::new(Cursor::new(workbook(&[(
        "Data",
        &format!("{REL}/worksheet"),
        "xl/worksheets/sheet1.xml",
        &sheet_xml(""),
    )])))
    .unwrap();
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for i in 0..xlsx.len() {
        w.raw_copy_file(xlsx.by_index_raw(i).unwrap()).unwrap();
    }
    w.start_file(
        "docProps/core.xml",
        zip::write::SimpleFileOptions::default(),
    )
    .unwrap();
    w.write_all(core.as_bytes()).unwrap();
    let data = w.finish().unwrap().into_inner();
    let out = run(&data, "props.xlsx");
    assert!(out.reasons.is_empty(), "{:?}", out.reasons);
    assert_eq!(out.finder.found[0].member, ["docProps/core.xml"]);
}

#[test]
fn macro_sheet_is_skipped_and_the_other_sheets_read() {
    let data = workbook(&[
        (
            "Macro1",
            "http://schemas.microsoft.com/office/2006/relationships/xlMacrosheet",
            "xl/macrosheets/sheet1.xml",
            &sheet_xml(""),
        ),
        (
            "Dialog1",
            &format!("{REL}/dialogsheet"),
            "xl/dialogsheets/sheet1.xml",
            &sheet_xml(""),
        ),
        (
            "Data",
            &format!("{REL}/worksheet"),
            "xl/worksheets/sheet1.xml",
            &sheet_xml(NEEDLE_ROW),
        ),
    ]);
    let out = run(&data, "macros.xlsm");
    assert_eq!(out.format, "xlsx");
    assert_eq!(out.finder.found.len(), 1, "{:?}", out.reasons);
    let cell = out.finder.found[0].cell.clone().unwrap();
    assert_eq!(cell.sheet.as_deref(), Some("Data"));
    assert_eq!(out.reasons.len(), 1, "{:?}", out.reasons);
    let (code, member, _) = &out.reasons[0];
    assert_eq!(code, "ARCHIVE_CONTAINS_UNPROCESSED_FILES");
    assert_eq!(member, "xl/macrosheets/sheet1.xml");
}

fn ods(content: &str) -> Vec<u8> {
    let manifest = r#"<?xml version="1.0"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"><manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/><manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>"#;
    zip_of(&[
        (
            "mimetype",
            b"application/vnd.oasis.opendocument.spreadsheet",
        ),
        ("content.xml", content.as_bytes()),
        ("META-INF/manifest.xml", manifest.as_bytes()),
    ])
}

#[test]
fn ods_rows_with_whitespace_between_cells_are_read() {
    let content = r#"<?xml version="1.0" encoding="UTF-8"?>
<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">
<office:body>
<office:spreadsheet>
<table:table table:name="Sheet1">
<table:table-row>
  <table:table-cell office:value-type="string">
    <text:p>Name</text:p>
  </table:table-cell>
  <table:table-cell office:value-type="string"><text:p>x NEEDLE y</text:p></table:table-cell>
</table:table-row>
</table:table>
</office:spreadsheet>
</office:body>
</office:document-content>"#;
    let out = run(&ods(content), "rows.ods");
    assert!(out.reasons.is_empty(), "{:?}", out.reasons);
    assert_eq!(out.finder.found.len(), 1);
    let cell = out.finder.found[0].cell.clone().unwrap();
    assert_eq!(cell.reference.as_deref(), Some("B1"));
}

/// A sheet expanding 100-1000:1 (text-heavy XML, under the absolute limits) is read; a part
/// over the ratio in a document is skipped and named, the rest read.
#[test]
fn ooxml_ratio_guard_applies_per_part() {
    let mut rows = String::new();
    let filler = "abcdefgh".repeat(500);
    for r in 1..=3_000u32 {
        rows.push_str(&format!(
            r#"<row r="{r}"><c r="A{r}" t="inlineStr"><is><t>{r} {filler}</t></is></c></row>"#
        ));
    }
    rows.push_str(r#"<row r="3001"><c r="A3001" t="inlineStr"><is><t>NEEDLE</t></is></c></row>"#);
    let xml = sheet_xml(&rows);
    let data = workbook(&[(
        "Big",
        &format!("{REL}/worksheet"),
        "xl/worksheets/sheet1.xml",
        &xml,
    )]);
    let ratio = xml.len() as f64 / data.len() as f64;
    assert!(
        xml.len() > 10 << 20 && ratio > 100.0 && ratio < 1000.0,
        "{ratio}"
    );
    let out = run(&data, "large_strings.xlsx");
    assert!(out.reasons.is_empty(), "{:?}", out.reasons);
    assert_eq!(out.finder.found.len(), 1);

    let doc = r#"<w:document xmlns:w="w"><w:body><w:p><w:r><w:t>NEEDLE body</w:t></w:r></w:p></w:body></w:document>"#;
    let header = format!("<w:hdr xmlns:w=\"w\">{}</w:hdr>", " ".repeat(11 << 20));
    let data = zip_of(&[
        ("word/document.xml", doc.as_bytes()),
        ("word/header1.xml", header.as_bytes()),
    ]);
    let limits = Limits {
        max_ratio: 200,
        ..Limits::default()
    };
    let out = run_with(&data, "bomb.docx", &limits);
    assert_eq!(out.finder.found.len(), 1);
    assert_eq!(out.reasons.len(), 1, "{:?}", out.reasons);
    assert_eq!(out.reasons[0].0, "OOXML_UNCOMPRESSED_RATIO_EXCEEDS_LIMIT");
    assert_eq!(out.reasons[0].1, "word/header1.xml");
}

/// The FAT sector index of a compound file's first FAT sector, and its sector size.
fn first_fat_sector(data: &[u8]) -> (usize, usize) {
    let shift = u16::from_le_bytes([data[0x1E], data[0x1F]]);
    let at = u32::from_le_bytes(data[0x4C..0x50].try_into().unwrap()) as usize;
    (at, 1 << shift)
}

fn fat_entry(data: &mut [u8], sector: usize, value: Option<u32>) -> u32 {
    let (fat, len) = first_fat_sector(data);
    let at = (fat + 1) * len + 4 * sector;
    let old = u32::from_le_bytes(data[at..at + 4].try_into().unwrap());
    if let Some(v) = value {
        data[at..at + 4].copy_from_slice(&v.to_le_bytes());
    }
    old
}

/// Some writers pad the FAT's last sector with end-of-chain marks, not free ones; the cfb
/// crate refuses such a file, which must still say it is an encrypted package.
#[test]
fn encrypted_ooxml_with_a_padded_fat_is_encrypted_content() {
    let mut data = cfb_of(&[
        ("EncryptionInfo", &[4, 0, 4, 0, 0x40, 0, 0, 0]),
        ("EncryptedPackage", &[7u8; 5000]),
    ]);
    let (_, len) = first_fat_sector(&data);
    let sectors = data.len() / len - 1;
    for s in sectors..len / 4 {
        fat_entry(&mut data, s, Some(0xFFFF_FFFE));
    }
    let out = run(&data, "secret.xlsx");
    assert_eq!(out.reasons.len(), 1, "{:?}", out.reasons);
    assert_eq!(out.reasons[0].0, "ENCRYPTED_CONTENT");
}

/// One BIFF record: type, length, data.
fn biff_record(typ: u16, data: &[u8]) -> Vec<u8> {
    let mut r = typ.to_le_bytes().to_vec();
    r.extend_from_slice(&(data.len() as u16).to_le_bytes());
    r.extend_from_slice(data);
    r
}

/// A BIFF8 workbook of one sheet holding the number 4242 in A1, padded past the mini stream
/// cutoff so that it lives in regular sectors.
fn xls_stream() -> Vec<u8> {
    let bof = |dt: u8| biff_record(0x0809, &[0x00, 0x06, dt, 0x00, 0, 0, 0, 0]);
    let mut globals = bof(0x05);
    let sheet_at = globals.len() + 4 + 9 + 4;
    globals.extend(biff_record(
        0x0085,
        &[&(sheet_at as u32).to_le_bytes()[..], &[0, 0, 1, 0, b'S']].concat(),
    ));
    globals.extend(biff_record(0x000A, &[]));
    assert_eq!(globals.len(), sheet_at);
    let mut number = vec![0, 0, 0, 0, 0x0F, 0];
    number.extend_from_slice(&4242f64.to_le_bytes());
    globals.extend(bof(0x10));
    globals.extend(biff_record(0x0203, &number));
    globals.extend(biff_record(0x000A, &[]));
    globals.resize(6000, 0);
    globals
}

/// A directory or FAT in which two chains run into the same sector (the mini stream's chain
/// runs on into the workbook's): the workbook is read, and the file is MALFORMED_FILE.
#[test]
fn xls_whose_chains_share_a_sector_is_malformed_but_read() {
    let clean = cfb_of(&[
        ("Workbook", &xls_stream()),
        ("\u{5}SummaryInformation", &[1u8; 300]),
    ]);
    let out = run(&clean, "clean.xls");
    assert!(out.reasons.is_empty(), "{:?}", out.reasons);
    assert!(String::from_utf8_lossy(&out.finder.text).contains("4242"));
    // Find the mini stream's last sector (the root entry's chain) and link it to the
    // workbook's first sector.
    let mut data = clean.clone();
    let (_, len) = first_fat_sector(&data);
    let dir = u32::from_le_bytes(data[0x30..0x34].try_into().unwrap()) as usize;
    let entry = |data: &[u8], i: usize| {
        let at = (dir + 1) * len + 128 * i;
        u32::from_le_bytes(data[at + 116..at + 120].try_into().unwrap())
    };
    let names: Vec<String> = (0..4)
        .map(|i| {
            let at = (dir + 1) * len + 128 * i;
            let units: Vec<u16> = (0..8)
                .map(|k| u16::from_le_bytes([data[at + 2 * k], data[at + 2 * k + 1]]))
                .collect();
            String::from_utf16_lossy(&units)
        })
        .collect();
    let book = names
        .iter()
        .position(|n| n.starts_with("Workbook"))
        .unwrap();
    let (root_start, book_start) = (entry(&data, 0), entry(&data, book));
    let mut last = root_start;
    loop {
        let next = fat_entry(&mut data, last as usize, None);
        if next == 0xFFFF_FFFE {
            break;
        }
        last = next;
    }
    fat_entry(&mut data, last as usize, Some(book_start));
    let out = run(&data, "bad_dir.xls");
    assert!(String::from_utf8_lossy(&out.finder.text).contains("4242"));
    assert_eq!(out.reasons.len(), 1, "{:?}", out.reasons);
    assert_eq!(out.reasons[0].0, "MALFORMED_FILE");
    assert!(out.reasons[0].2.contains("sector"), "{:?}", out.reasons);
}

/// A property set stream of one section holding string property `id` (VT_LPSTR).
fn property_set(id: u32, value: &[u8]) -> Vec<u8> {
    let mut v = 0x1Eu32.to_le_bytes().to_vec();
    v.extend_from_slice(&(value.len() as u32).to_le_bytes());
    v.extend_from_slice(value);
    let mut section = ((8 + 8 + v.len()) as u32).to_le_bytes().to_vec();
    section.extend_from_slice(&1u32.to_le_bytes());
    section.extend_from_slice(&id.to_le_bytes());
    section.extend_from_slice(&16u32.to_le_bytes());
    section.extend(v);
    let mut set = vec![0xFE, 0xFF, 0, 0];
    set.resize(24, 0);
    set.extend_from_slice(&1u32.to_le_bytes());
    set.resize(44, 0);
    set.extend_from_slice(&48u32.to_le_bytes());
    set.extend(section);
    set
}

#[test]
fn ole_summary_information_is_scanned() {
    let data = cfb_of(&[
        ("Workbook", &xls_stream()),
        (
            "\u{5}SummaryInformation",
            &property_set(4, b"NEEDLE Author\0"),
        ),
        (
            "\u{5}DocumentSummaryInformation",
            &property_set(15, b"Acme NEEDLE\0"),
        ),
    ]);
    let out = run(&data, "props.xls");
    assert!(out.reasons.is_empty(), "{:?}", out.reasons);
    let members: Vec<String> = out
        .finder
        .found
        .iter()
        .map(|l| l.member.join("/"))
        .collect();
    assert_eq!(
        members,
        ["SummaryInformation", "DocumentSummaryInformation"]
    );
    let text = String::from_utf8_lossy(&out.finder.text);
    assert!(text.contains("author: NEEDLE Author\n"), "{text}");
    assert!(text.contains("company: Acme NEEDLE\n"), "{text}");
}

/// A workbook's sheet over the ratio is skipped and named; the other sheets are read (it
/// used to stop the whole workbook).
#[test]
fn workbook_sheet_over_the_ratio_costs_that_sheet_only() {
    let big = sheet_xml(&format!(
        r#"<row r="1"><c r="A1" t="inlineStr"><is><t>{}</t></is></c></row>"#,
        " ".repeat(11 << 20)
    ));
    let small = sheet_xml(r#"<row r="1"><c r="A1" t="inlineStr"><is><t>NEEDLE</t></is></c></row>"#);
    let data = workbook(&[
        (
            "Big",
            &format!("{REL}/worksheet"),
            "xl/worksheets/sheet1.xml",
            &big,
        ),
        (
            "Small",
            &format!("{REL}/worksheet"),
            "xl/worksheets/sheet2.xml",
            &small,
        ),
    ]);
    let limits = Limits {
        max_ratio: 200,
        ..Limits::default()
    };
    let out = run_with(&data, "bomb_sheet.xlsx", &limits);
    assert_eq!(out.reasons.len(), 1, "{:?}", out.reasons);
    assert_eq!(out.reasons[0].0, "OOXML_UNCOMPRESSED_RATIO_EXCEEDS_LIMIT");
    assert_eq!(out.reasons[0].1, "xl/worksheets/sheet1.xml");
    assert_eq!(out.finder.found.len(), 1);
    let cell = out.finder.found[0].cell.clone().unwrap();
    assert_eq!(cell.sheet.as_deref(), Some("Small"));
}
