//! Office documents: spreadsheets (cells with sheet, row, column, header, reference) and
//! documents (paragraph lines), on fixtures generated here and the shared real-world corpus.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{Cursor, Write};

use trawl_formats::{extract, Chunk, Limits, LineCursor, Location, TextSink};

mod common;
use common::zip_of;

#[derive(Default)]
struct Finder {
    found: Vec<(Location, Option<String>)>,
    text: Vec<u8>,
    chunks: usize,
}

impl TextSink for Finder {
    fn chunk(&mut self, c: &Chunk<'_>) {
        self.chunks += 1;
        self.text.extend_from_slice(&c.text[c.report.clone()]);
        self.text.push(b'|');
        let mut cursor = LineCursor::default();
        let mut at = 0;
        while let Some(p) = c.text[at..].windows(6).position(|w| w == b"NEEDLE") {
            let pos = at + p;
            if c.report.contains(&pos) {
                self.found.push((
                    c.locator.locate(c.text, pos, &mut cursor),
                    c.context.map(str::to_string),
                ));
            }
            at = pos + 1;
        }
    }
}

struct Out {
    finder: Finder,
    format: String,
    reasons: Vec<(String, String)>,
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
            .map(|r| (r.code.as_str().to_string(), r.message.clone()))
            .collect(),
    }
}

fn run(data: &[u8], name: &str) -> Out {
    run_with(data, name, &Limits::default())
}

/// Corpus files whose manifest label this extractor does not meet, and why.
const KNOWN: &[(&str, &str)] = &[
    (
        "xls/too_small.xls",
        "68 bytes of plain text: detection reads it as txt (content before name), not xls",
    ),
    (
        "doc/fuzz_POIHWPF-4951943183990784.doc",
        "its FIB and piece table are consistent and the text reads cleanly; POI fails on other structures",
    ),
    (
        "xlsx/poc-shared-strings.xlsx",
        "its rows use r=\"0\", which calamine rejects (MALFORMED_FILE) before any cell is expanded",
    ),
];

#[test]
fn corpus_office_files_match_manifest() {
    let Some(root) = common::corpus() else {
        return;
    };
    let manifest = std::fs::read_to_string(root.join("MANIFEST.tsv")).unwrap();
    let mut failures = Vec::new();
    let mut counts: std::collections::BTreeMap<String, (u32, u32)> = Default::default();
    for line in manifest.lines().skip(1) {
        let cols: Vec<&str> = line.split('\t').collect();
        let (Some(path), Some(expect)) = (cols.first(), cols.last()) else {
            continue;
        };
        let dir = path.split('/').next().unwrap_or("");
        if !["xlsx", "xlsb", "xls", "ods", "docx", "doc", "pptx"].contains(&dir) {
            continue;
        }
        let Ok(data) = std::fs::read(root.join(path)) else {
            continue;
        };
        let out = run(&data, path);
        if KNOWN.iter().any(|(k, _)| k == path) {
            // Read without panicking; the label is not met (see KNOWN).
            continue;
        }
        let codes: Vec<&str> = out.reasons.iter().map(|r| r.0.as_str()).collect();
        let ok = match *expect {
            "extract" => codes
                .iter()
                .all(|c| *c == "ARCHIVE_CONTAINS_UNPROCESSED_FILES"),
            "corrupt" => !codes.is_empty(),
            "metadata-only-encrypted" => codes.contains(&"ENCRYPTED_CONTENT"),
            "bomb-guard" => codes.iter().any(|c| {
                matches!(
                    *c,
                    "OOXML_UNCOMPRESSED_RATIO_EXCEEDS_LIMIT"
                        | "ARCHIVE_TOTAL_BYTES_EXTRACTED_OVER_LIMIT"
                        | "TIME_CUT_OFF_REACHED"
                )
            }),
            "unsupported" => codes.iter().any(|c| {
                matches!(
                    *c,
                    "UNSUPPORTED_FILE_TYPE_EXCEPTION" | "ARCHIVE_CONTAINS_UNPROCESSED_FILES"
                )
            }),
            _ => true,
        };
        let e = counts.entry(dir.to_string()).or_default();
        if ok {
            e.0 += 1;
        } else {
            e.1 += 1;
            failures.push(format!("{path} ({expect}): {:?}", out.reasons));
        }
        eprintln!(
            "{path}\t{expect}\t{}\t{} chunks\t{:?}",
            out.format, out.finder.chunks, out.reasons
        );
    }
    eprintln!("{counts:?}");
    assert!(failures.is_empty(), "{failures:#?}");
}

const CONTENT_TYPES: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>
<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>
<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>
</Types>"#;

/// A workbook with one sheet `Data` holding `sheet_data` (the `<sheetData>` content) and
/// the shared strings `strings`, plus `extra` parts.
fn xlsx(sheet_data: &str, strings: &[&str], extra: &[(&str, &[u8])]) -> Vec<u8> {
    let rels = r#"<?xml version="1.0" encoding="UTF-8"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>
</Relationships>"#;
    let workbook = r#"<?xml version="1.0" encoding="UTF-8"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">
<sheets><sheet name="Data" sheetId="1" r:id="rId1"/></sheets></workbook>"#;
    let wb_rels = r#"<?xml version="1.0" encoding="UTF-8"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>
<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>
</Relationships>"#;
    let sheet = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>{sheet_data}</sheetData></worksheet>"#
    );
    let sst: String = strings
        .iter()
        .map(|s| format!("<si><t>{s}</t></si>"))
        .collect();
    let sst = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="{n}" uniqueCount="{n}">{sst}</sst>"#,
        n = strings.len()
    );
    let mut files: Vec<(&str, &[u8])> = vec![
        ("[Content_Types].xml", CONTENT_TYPES.as_bytes()),
        ("_rels/.rels", rels.as_bytes()),
        ("xl/workbook.xml", workbook.as_bytes()),
        ("xl/_rels/workbook.xml.rels", wb_rels.as_bytes()),
        ("xl/worksheets/sheet1.xml", sheet.as_bytes()),
        ("xl/sharedStrings.xml", sst.as_bytes()),
    ];
    files.extend_from_slice(extra);
    zip_of(&files)
}

/// A table starting at B3: header row 3, data row 4.
fn table_xlsx() -> Vec<u8> {
    xlsx(
        r#"<row r="3"><c r="B3" t="s"><v>0</v></c><c r="C3" t="s"><v>1</v></c></row>
<row r="4"><c r="B4"><v>42.5</v></c><c r="C4" t="s"><v>2</v></c><c r="D4" t="b"><v>1</v></c></row>
<row r="5"><c r="B5"><v>7</v></c><c r="C5" t="inlineStr"><is><t>x NEEDLE</t></is></c></row>"#,
        &["Amount", "Card number", "NEEDLE one"],
        &[],
    )
}

#[test]
fn xlsx_cells_have_sheet_row_column_header_and_reference() {
    let out = run(&table_xlsx(), "book.xlsx");
    assert_eq!(out.format, "xlsx");
    assert!(out.reasons.is_empty(), "{:?}", out.reasons);
    assert_eq!(out.finder.found.len(), 2);
    let (loc, context) = &out.finder.found[0];
    let cell = loc.cell.as_ref().unwrap();
    assert_eq!((cell.row, cell.column), (4, 3));
    assert_eq!(cell.column_name.as_deref(), Some("Card number"));
    assert_eq!(cell.sheet.as_deref(), Some("Data"));
    assert_eq!(cell.reference.as_deref(), Some("C4"));
    assert_eq!(context.as_deref(), Some("Card number"));
    let cell = out.finder.found[1].0.cell.as_ref().unwrap();
    assert_eq!(cell.reference.as_deref(), Some("C5"));
    assert_eq!(cell.row, 5);
    // Numbers and booleans are rendered as text.
    let text = String::from_utf8_lossy(&out.finder.text);
    assert!(text.contains("|42.5|"), "{text}");
    assert!(text.contains("|7|"), "{text}");
    assert!(text.contains("|TRUE|"), "{text}");
}

#[test]
fn xlsx_through_a_zip_archive_keeps_its_member() {
    let outer = zip_of(&[("dir/book.xlsx", &table_xlsx())]);
    let out = run(&outer, "outer.zip");
    assert!(out.reasons.is_empty(), "{:?}", out.reasons);
    assert_eq!(out.finder.found.len(), 2);
    assert_eq!(
        out.finder.found[0]
            .0
            .cell
            .as_ref()
            .unwrap()
            .reference
            .as_deref(),
        Some("C4")
    );
}

/// The guard is per part: a part never read that expands too far is reported (and not
/// expanded), the rest is read; one the reader holds whole stops the package.
#[test]
fn xlsx_part_expanding_too_far_is_not_expanded() {
    let zeros = vec![0u8; 11 << 20];
    let data = xlsx(
        r#"<row r="1"><c r="A1" t="s"><v>0</v></c></row>"#,
        &["NEEDLE"],
        &[("xl/media/big.bin", &zeros)],
    );
    let out = run(&data, "bomb.xlsx");
    assert_eq!(out.finder.found.len(), 1);
    assert_eq!(out.reasons.len(), 1);
    assert_eq!(out.reasons[0].0, "OOXML_UNCOMPRESSED_RATIO_EXCEEDS_LIMIT");
    assert!(out.reasons[0].1.contains("xl/media/big.bin"));
    let spaces = " ".repeat(11 << 20);
    let data = xlsx(
        r#"<row r="1"><c r="A1" t="s"><v>0</v></c></row>"#,
        &["NEEDLE"],
        &[("xl/styles.xml", spaces.as_bytes())],
    );
    let out = run(&data, "bomb.xlsx");
    assert!(out.finder.found.is_empty());
    assert_eq!(out.reasons[0].0, "OOXML_UNCOMPRESSED_RATIO_EXCEEDS_LIMIT");
}

#[test]
fn xlsx_shared_string_expansion_is_guarded() {
    let big = format!("NEEDLE{}", "x".repeat(10_000));
    let rows: String = (1..=500)
        .map(|r| format!(r#"<row r="{r}"><c r="A{r}" t="s"><v>0</v></c></row>"#))
        .collect();
    let data = xlsx(&rows, &[&big], &[]);
    let limits = Limits {
        ratio_floor: 100_000,
        max_ratio: 10,
        ..Limits::default()
    };
    let out = run_with(&data, "sst.xlsx", &limits);
    assert!(out
        .reasons
        .iter()
        .any(|r| r.0 == "OOXML_UNCOMPRESSED_RATIO_EXCEEDS_LIMIT"));
    assert!(!out.finder.found.is_empty() && out.finder.found.len() < 500);
}

#[test]
fn xml_entity_bomb_in_a_part_is_not_expanded() {
    let bomb = r#"<?xml version="1.0"?><!DOCTYPE sst [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;">]>
<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>&b;</t></si></sst>"#;
    let data = xlsx("", &[], &[]);
    let _ = data;
    let data = zip_of(&[
        ("[Content_Types].xml", CONTENT_TYPES.as_bytes()),
        ("xl/sharedStrings.xml", bomb.as_bytes()),
    ]);
    let out = run(&data, "bomb.xlsx");
    assert_eq!(out.reasons[0].0, "OOXML_UNCOMPRESSED_RATIO_EXCEEDS_LIMIT");
}

fn docx(body: &str, extra: &[(&str, &str)]) -> Vec<u8> {
    let doc = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>{body}</w:body></w:document>"#
    );
    let mut files: Vec<(&str, &[u8])> = vec![("word/document.xml", doc.as_bytes())];
    for (n, d) in extra {
        files.push((n, d.as_bytes()));
    }
    zip_of(&files)
}

#[test]
fn docx_lines_are_paragraphs_in_reading_order() {
    let body = r#"<w:p><w:r><w:t>Title</w:t></w:r></w:p>
<w:p/>
<w:tbl><w:tr><w:tc><w:p><w:r><w:t>cell one</w:t></w:r></w:p></w:tc>
<w:tc><w:p><w:r><w:t xml:space="preserve">card </w:t></w:r><w:r><w:tab/><w:t>NEEDLE &amp; co</w:t></w:r></w:p></w:tc></w:tr></w:tbl>
<w:p><w:r><w:instrText>HYPERLINK "x"</w:instrText></w:r><w:r><w:t>after</w:t></w:r></w:p>"#;
    let header = r#"<?xml version="1.0"?><w:hdr xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:p><w:r><w:t>head NEEDLE</w:t></w:r></w:p></w:hdr>"#;
    let data = docx(body, &[("word/header1.xml", header)]);
    let out = run(&data, "letter.docx");
    assert_eq!(out.format, "docx");
    assert!(out.reasons.is_empty(), "{:?}", out.reasons);
    let text = String::from_utf8_lossy(&out.finder.text);
    assert!(
        text.starts_with("Title\n\ncell one\ncard \tNEEDLE & co\nafter\n"),
        "{text}"
    );
    let lines: Vec<(Option<u64>, Option<u64>)> = out
        .finder
        .found
        .iter()
        .map(|(l, _)| (l.line, l.column))
        .collect();
    assert_eq!(lines, [(Some(4), Some(7)), (Some(6), Some(6))]);
}

#[test]
fn pptx_slides_in_number_order_then_notes() {
    let slide = |t: &str| {
        format!(
            r#"<?xml version="1.0"?><p:sld xmlns:p="p" xmlns:a="a"><p:cSld><p:spTree><p:sp><p:txBody><a:p><a:r><a:t>{t}</a:t></a:r></a:p><a:p><a:r><a:t>second</a:t></a:r></a:p></p:txBody></p:sp></p:spTree></p:cSld></p:sld>"#
        )
    };
    let (s1, s2, s10, n1) = (
        slide("one"),
        slide("two"),
        slide("ten NEEDLE"),
        slide("note NEEDLE"),
    );
    let data = zip_of(&[
        (
            "ppt/presentation.xml",
            b"<p:presentation xmlns:p=\"p\"/>".as_slice(),
        ),
        ("ppt/slides/slide10.xml", s10.as_bytes()),
        ("ppt/slides/slide2.xml", s2.as_bytes()),
        ("ppt/slides/slide1.xml", s1.as_bytes()),
        ("ppt/notesSlides/notesSlide1.xml", n1.as_bytes()),
    ]);
    let out = run(&data, "deck.pptx");
    assert_eq!(out.format, "pptx");
    assert!(out.reasons.is_empty(), "{:?}", out.reasons);
    let lines: Vec<Option<u64>> = out.finder.found.iter().map(|(l, _)| l.line).collect();
    assert_eq!(lines, [Some(5), Some(7)]);
}

/// A Word 97 document whose text is `text` (8-bit, one piece), table stream 1Table.
fn word97(text: &[u8], flags: u16) -> Vec<u8> {
    let mut wd = vec![0u8; 4096];
    wd[0..2].copy_from_slice(&0xA5ECu16.to_le_bytes());
    wd[2..4].copy_from_slice(&0x00C1u16.to_le_bytes());
    wd[0x0A..0x0C].copy_from_slice(&(flags | 0x0200).to_le_bytes());
    wd[32..34].copy_from_slice(&14u16.to_le_bytes());
    let lw = 34 + 28;
    wd[lw..lw + 2].copy_from_slice(&22u16.to_le_bytes());
    let rglw = lw + 2;
    wd[rglw + 12..rglw + 16].copy_from_slice(&(text.len() as u32).to_le_bytes());
    let cb = rglw + 88;
    wd[cb..cb + 2].copy_from_slice(&93u16.to_le_bytes());
    let blob = cb + 2;
    let text_at = 2048usize;
    wd[text_at..text_at + text.len()].copy_from_slice(text);
    // CLX: one Pcdt with one piece.
    let mut clx = vec![0x02];
    clx.extend_from_slice(&(4u32 * 2 + 8).to_le_bytes());
    clx.extend_from_slice(&0u32.to_le_bytes());
    clx.extend_from_slice(&(text.len() as u32).to_le_bytes());
    clx.extend_from_slice(&0u16.to_le_bytes());
    clx.extend_from_slice(&(((text_at * 2) as u32) | 0x4000_0000).to_le_bytes());
    clx.extend_from_slice(&0u16.to_le_bytes());
    let mut table = vec![0u8; 16];
    if flags & 0x0100 != 0 {
        table[0..4].copy_from_slice(&[4, 0, 2, 0]);
    }
    let fc_clx = table.len() as u32;
    table.extend_from_slice(&clx);
    wd[blob + 264..blob + 268].copy_from_slice(&fc_clx.to_le_bytes());
    wd[blob + 268..blob + 272].copy_from_slice(&(clx.len() as u32).to_le_bytes());
    cfb_of(&[("WordDocument", &wd), ("1Table", &table)])
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

#[test]
fn doc_lines_are_paragraphs_of_the_piece_table() {
    let data = word97(
        b"Title\rcell\x07x \x13 HYPERLINK \"u\" \x14NEEDLE\x15 end\r\x0cNEEDLE\r",
        0,
    );
    let out = run(&data, "old.doc");
    assert_eq!(out.format, "doc");
    assert!(out.reasons.is_empty(), "{:?}", out.reasons);
    let text = String::from_utf8_lossy(&out.finder.text);
    assert!(
        text.starts_with("Title\ncell\nx NEEDLE end\n\nNEEDLE\n"),
        "{text}"
    );
    let lines: Vec<(Option<u64>, Option<u64>)> = out
        .finder
        .found
        .iter()
        .map(|(l, _)| (l.line, l.column))
        .collect();
    assert_eq!(lines, [(Some(3), Some(3)), (Some(5), Some(1))]);
}

#[test]
fn encrypted_office_files_are_reported() {
    let out = run(&word97(b"NEEDLE\r", 0x0100), "secret.doc");
    assert_eq!(out.reasons[0].0, "ENCRYPTED_CONTENT");
    assert!(
        out.reasons[0].1.contains("RC4 CryptoAPI"),
        "{:?}",
        out.reasons
    );
    assert!(out.finder.found.is_empty());
    let ooxml = cfb_of(&[
        ("EncryptionInfo", &[4, 0, 4, 0, 0x40, 0, 0, 0]),
        ("EncryptedPackage", b"NEEDLE garbage"),
    ]);
    for name in ["secret.docx", "secret.xlsx", "secret.xlsb", "secret.pptx"] {
        let out = run(&ooxml, name);
        assert_eq!(out.reasons.len(), 1, "{name}");
        assert_eq!(out.reasons[0].0, "ENCRYPTED_CONTENT");
        assert!(out.reasons[0].1.contains("Agile"), "{:?}", out.reasons);
    }
}

#[test]
fn damaged_office_files_never_panic() {
    let samples: Vec<(Vec<u8>, &str)> = vec![
        (table_xlsx(), "t.xlsx"),
        (
            docx(r#"<w:p><w:r><w:t>NEEDLE</w:t></w:r></w:p>"#, &[]),
            "t.docx",
        ),
        (word97(b"one\rNEEDLE two\r", 0), "t.doc"),
    ];
    for (data, name) in &samples {
        for cut in (0..data.len()).step_by(7) {
            let out = run(&data[..cut], name);
            let _ = out.reasons;
        }
        let mut state = 0x1234_5678u32;
        for _ in 0..300 {
            let mut d = data.clone();
            for _ in 0..4 {
                state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                let at = (state as usize) % d.len();
                d[at] ^= (state >> 24) as u8 | 1;
            }
            let _ = run(&d, name);
        }
    }
}

#[test]
fn unterminated_docx_part_keeps_its_paragraphs() {
    // A part that ends inside its XML still gives the paragraphs before the end.
    let body = r#"<w:p><w:r><w:t>NEEDLE first</w:t></w:r></w:p><w:p><w:r><w:t>second"#;
    let data = docx(body, &[]);
    let out = run(&data, "cut.docx");
    assert_eq!(out.finder.found.len(), 1);
    assert_eq!(out.finder.found[0].0.line, Some(1));
}

/// One BIFF record: type, length, data.
fn biff_record(typ: u16, data: &[u8]) -> Vec<u8> {
    let mut r = typ.to_le_bytes().to_vec();
    r.extend_from_slice(&(data.len() as u16).to_le_bytes());
    r.extend_from_slice(data);
    r
}

/// An xls whose BOUNDSHEET record places its sheet past the end of the workbook stream:
/// calamine 0.38 slices the stream at that offset and panics. The panic is caught and the
/// workbook is MALFORMED_FILE.
#[test]
fn xls_reader_panic_is_malformed_file() {
    let mut stream = Vec::new();
    // BOF of the BIFF8 workbook globals.
    stream.extend(biff_record(0x0809, &[0x00, 0x06, 0x05, 0x00, 0, 0, 0, 0]));
    // BOUNDSHEET: a visible worksheet named "S" whose records start at 0x00ab1b51.
    stream.extend(biff_record(
        0x0085,
        &[0x51, 0x1b, 0xab, 0x00, 0x00, 0x00, 0x01, 0x00, b'S'],
    ));
    // EOF.
    stream.extend(biff_record(0x000A, &[]));
    let data = cfb_of(&[("Workbook", &stream)]);
    let out = run(&data, "broken.xls");
    assert!(
        out.reasons
            .iter()
            .any(|(code, message)| code == "MALFORMED_FILE"
                && message.contains("failed on malformed")),
        "{:?}",
        out.reasons
    );
}

/// A sheet whose DIMENSIONS record declares billions of cells: calamine would reserve room
/// for all of them and the allocation would abort the process. It is refused first.
#[test]
fn xls_with_absurd_dimensions_is_refused_before_calamine() {
    let Some(root) = common::corpus() else {
        return;
    };
    let original = std::fs::read(root.join("xls/date.xls")).unwrap();
    let mut cf = cfb::CompoundFile::open(Cursor::new(original)).unwrap();
    let mut stream = Vec::new();
    std::io::Read::read_to_end(&mut cf.open_stream("Workbook").unwrap(), &mut stream).unwrap();
    // Patch the last row of every BIFF8 DIMENSIONS record (0x0200, 14 bytes).
    let mut at = 0;
    let mut patched = 0;
    while at + 4 <= stream.len() {
        let typ = u16::from_le_bytes([stream[at], stream[at + 1]]);
        let len = u16::from_le_bytes([stream[at + 2], stream[at + 3]]) as usize;
        if typ == 0x0200 && len == 14 {
            stream[at + 8..at + 12].copy_from_slice(&0xfff0_0000u32.to_le_bytes());
            patched += 1;
        }
        at += 4 + len;
    }
    assert!(patched > 0);
    let mut out = cfb::CompoundFile::create(Cursor::new(Vec::new())).unwrap();
    out.create_stream("Workbook")
        .unwrap()
        .write_all(&stream)
        .unwrap();
    let data = out.into_inner().into_inner();
    let result = run(&data, "huge.xls");
    assert!(
        result
            .reasons
            .iter()
            .any(|(code, message)| code == "MALFORMED_FILE" && message.contains("DIMENSIONS")),
        "{:?}",
        result.reasons
    );
}

/// A sheet whose cell records are forged to row 65,535 and column 65,535: calamine would build
/// a grid of billions of cells from their extent and the allocation would abort the process
/// (a fuzzing find). It is refused first.
#[test]
fn xls_with_cells_far_apart_is_refused_before_calamine() {
    let Some(root) = common::corpus() else {
        return;
    };
    let original = std::fs::read(root.join("xls/date.xls")).unwrap();
    let mut cf = cfb::CompoundFile::open(Cursor::new(original)).unwrap();
    let mut stream = Vec::new();
    std::io::Read::read_to_end(&mut cf.open_stream("Workbook").unwrap(), &mut stream).unwrap();
    // Move the last single-cell record (NUMBER, RK, LABELSST, LABEL) to row and column 65,535.
    let mut at = 0;
    let mut last_cell = None;
    while at + 4 <= stream.len() {
        let typ = u16::from_le_bytes([stream[at], stream[at + 1]]);
        let len = u16::from_le_bytes([stream[at + 2], stream[at + 3]]) as usize;
        if matches!(typ, 0x0203 | 0x027E | 0x00FD | 0x0204) && len >= 4 {
            last_cell = Some(at);
        }
        at += 4 + len;
    }
    let at = last_cell.expect("a cell record");
    stream[at + 4..at + 8].copy_from_slice(&[0xff, 0xff, 0xff, 0xff]);
    let mut out = cfb::CompoundFile::create(Cursor::new(Vec::new())).unwrap();
    out.create_stream("Workbook")
        .unwrap()
        .write_all(&stream)
        .unwrap();
    let data = out.into_inner().into_inner();
    let result = run(&data, "far.xls");
    assert!(
        result
            .reasons
            .iter()
            .any(|(code, message)| code == "MALFORMED_FILE" && message.contains("cells span")),
        "{:?}",
        result.reasons
    );
}

/// One PowerPoint record: containers have version 0xF.
fn ppt_record(ver_inst: u16, typ: u16, body: &[u8]) -> Vec<u8> {
    let mut r = ver_inst.to_le_bytes().to_vec();
    r.extend(typ.to_le_bytes());
    r.extend((body.len() as u32).to_le_bytes());
    r.extend(body);
    r
}

fn utf16(s: &str) -> Vec<u8> {
    s.encode_utf16().flat_map(u16::to_le_bytes).collect()
}

/// A presentation: two slides in the slide list (UTF-16 and 8-bit text) and a notes page.
fn ppt_document() -> Vec<u8> {
    let mut list = ppt_record(0, 0x03F3, &[0; 20]);
    list.extend(ppt_record(0, 0x0F9F, &[0; 4]));
    list.extend(ppt_record(
        0,
        0x0FA0,
        &utf16("Title 4111 1111 1111 1111 NEEDLE"),
    ));
    list.extend(ppt_record(0, 0x03F3, &[0; 20]));
    list.extend(ppt_record(
        0,
        0x0FA8,
        b"SSN 123-45-6789 NEEDLE\rsecond\x0bthird",
    ));
    let mut doc = ppt_record(0x0F, 0x0FF0, &list);
    doc.extend(ppt_record(0, 0x0FBA, &utf16("")));
    doc.extend(ppt_record(0, 0x0FBA, &utf16("___PPT10")));
    let mut stream = ppt_record(0x0F, 0x03E8, &doc);
    let notes = ppt_record(0x0F, 0x0F0D, &ppt_record(0, 0x0FA0, &utf16("note NEEDLE")));
    stream.extend(ppt_record(0x0F, 0x03F0, &notes));
    stream
}

#[test]
fn ppt_text_atoms_as_lines() {
    let data = cfb_of(&[("PowerPoint Document", &ppt_document())]);
    let out = run(&data, "deck.ppt");
    assert_eq!(out.format, "ppt");
    assert!(out.reasons.is_empty(), "{:?}", out.reasons);
    assert_eq!(
        String::from_utf8_lossy(&out.finder.text),
        "Title 4111 1111 1111 1111 NEEDLE\n\nSSN 123-45-6789 NEEDLE\nsecond\nthird\n\nnote NEEDLE\n|"
    );
    let lines: Vec<Option<u64>> = out.finder.found.iter().map(|(l, _)| l.line).collect();
    assert_eq!(lines, [Some(1), Some(3), Some(7)]);
    // Named .doc (as mail attachments often are): found by its streams.
    assert_eq!(run(&data, "deck.doc").format, "ppt");
}

#[test]
fn ppt_encrypted_or_truncated() {
    let crypt = ppt_record(0x0F, 0x2F14, &ppt_record(0, 0x2F15, &[0; 16]));
    let mut stream = ppt_record(0, 0x0FA0, &utf16("NEEDLE"));
    stream.extend(crypt);
    let out = run(&cfb_of(&[("PowerPoint Document", &stream)]), "e.ppt");
    assert_eq!(out.reasons[0].0, "ENCRYPTED_CONTENT");
    assert!(out.finder.found.is_empty());
    let data = cfb_of(&[
        ("PowerPoint Document", &ppt_document()),
        ("EncryptedSummary", b"x"),
    ]);
    assert_eq!(run(&data, "e.ppt").reasons[0].0, "ENCRYPTED_CONTENT");
    // A last record longer than the stream: what came before is kept.
    let mut cut = ppt_document();
    cut.extend(ppt_record(0, 0x0FA0, &utf16("NEEDLE"))[..10].iter());
    let out = run(&cfb_of(&[("PowerPoint Document", &cut)]), "cut.ppt");
    assert_eq!(out.reasons.len(), 1, "{:?}", out.reasons);
    assert_eq!(out.reasons[0].0, "MALFORMED_FILE");
    assert_eq!(out.finder.found.len(), 3);
}
