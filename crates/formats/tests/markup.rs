//! XML, HTML, e-mail and PDF extraction: exact locators on generated fixtures, guards against
//! entity bombs and bad input, and the shared real-world corpus against its manifest.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Cursor;

use trawl_formats::{extract, Chunk, Limits, LineCursor, Location, TextSink};

mod common;

#[derive(Default)]
struct Finder {
    needle: Vec<u8>,
    found: Vec<Location>,
    members: Vec<Vec<String>>,
    text: Vec<u8>,
}

impl TextSink for Finder {
    fn chunk(&mut self, c: &Chunk<'_>) {
        let needle: &[u8] = if self.needle.is_empty() {
            b"NEEDLE"
        } else {
            &self.needle
        };
        let mut cursor = LineCursor::default();
        let mut at = 0;
        while let Some(p) = c.text[at..].windows(needle.len()).position(|w| w == needle) {
            let pos = at + p;
            if c.report.contains(&pos) {
                self.found.push(c.locator.locate(c.text, pos, &mut cursor));
                self.members.push(c.member.to_vec());
            }
            at = pos + 1;
        }
        if self.text.len() < 1 << 22 {
            self.text.extend_from_slice(&c.text[c.report.clone()]);
        }
    }
}

struct Out {
    finder: Finder,
    format: String,
    reasons: Vec<(String, Vec<String>, String)>,
}

impl Out {
    fn codes(&self) -> Vec<&str> {
        self.reasons.iter().map(|r| r.0.as_str()).collect()
    }
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.finder.text).into_owned()
    }
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
                    r.member.clone(),
                    r.message.clone(),
                )
            })
            .collect(),
    }
}

fn run(data: &[u8], name: &str) -> Out {
    run_with(data, name, &Limits::default())
}

fn lines(o: &Out) -> Vec<u64> {
    o.finder.found.iter().map(|l| l.line.unwrap_or(0)).collect()
}

// ---------------------------------------------------------------- XML and HTML

#[test]
fn xml_text_attributes_and_cdata_keep_original_lines() {
    let doc = b"<?xml version=\"1.0\"?>\n<root>\n  <a key=\"x NEEDLE\"/>\n  <b>\n NEEDLE &amp; more</b>\n<c><![CDATA[\nline\nNEEDLE]]></c>\n<!-- NEEDLE in a comment -->\n<d\n  attr='v'\n  other=\"NEEDLE\">t</d>\n</root>\n";
    let o = run(doc, "doc.xml");
    assert_eq!(o.format, "xml");
    assert!(o.reasons.is_empty(), "{:?}", o.reasons);
    assert_eq!(lines(&o), vec![3, 5, 8, 9, 12]);
    let t = o.text();
    assert!(t.contains("NEEDLE & more"), "{t}");
    // Tag and attribute names stay as text beside their values (keyword proximity).
    assert!(t.contains("key  x NEEDLE"), "{t}");
}

#[test]
fn xml_entities_are_decoded() {
    let doc = b"<r>\n<e>john&#64;example.com &lt;x&gt; &#x41;</e>\n<f a=\"N&#69;EDLE\"/></r>";
    let o = run(doc, "e.xml");
    let t = o.text();
    assert!(t.contains("john@example.com <x> A"), "{t}");
    assert_eq!(lines(&o), vec![3]);
}

#[test]
fn xml_custom_entities_expand_within_budget() {
    let doc = b"<!DOCTYPE r [\n<!ENTITY who \"NEEDLE\">\n]>\n<r>\n&who;</r>";
    let o = run(doc, "e.xml");
    assert!(o.reasons.is_empty(), "{:?}", o.reasons);
    // Line 2 in the DTD, line 5 where it is used.
    assert_eq!(lines(&o), vec![2, 5]);
}

#[test]
fn xml_billion_laughs_is_stopped() {
    let mut doc =
        String::from("<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [\n<!ENTITY lol \"lol\">\n");
    doc.push_str("<!ENTITY lol1 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">\n");
    for i in 2..=9 {
        let p = i - 1;
        doc.push_str(&format!(
            "<!ENTITY lol{i} \"&lol{p};&lol{p};&lol{p};&lol{p};&lol{p};&lol{p};&lol{p};&lol{p};&lol{p};&lol{p};\">\n"
        ));
    }
    doc.push_str("]>\n<lolz>&lol9; NEEDLE</lolz>\n");
    let o = run(doc.as_bytes(), "bomb.xml");
    assert_eq!(o.codes(), vec!["ARCHIVE_TOTAL_BYTES_EXTRACTED_OVER_LIMIT"]);
    assert!(o.finder.text.len() < 100_000);
    assert_eq!(lines(&o), vec![14]);
}

#[test]
fn xml_recursive_entity_is_malformed() {
    let doc = b"<!DOCTYPE x [\n<!ENTITY a \"1 &b;\">\n<!ENTITY b \"&a;\">\n]>\n<x>&a; NEEDLE</x>";
    let o = run(doc, "c.xml");
    assert_eq!(o.codes(), vec!["MALFORMED_FILE"]);
    assert_eq!(lines(&o), vec![5]);
}

#[test]
fn xml_malformed_keeps_text_and_scans_the_rest() {
    let doc = b"<r>\n<a>NEEDLE</a>\n</wrong>\n<b>NEEDLE</b>\n</r>";
    let o = run(doc, "m.xml");
    assert_eq!(o.codes(), vec!["MALFORMED_FILE"]);
    assert_eq!(lines(&o), vec![2, 4]);
    let truncated = b"<r>\n<a>NEEDLE</a>\n<b>";
    let o = run(truncated, "t.xml");
    assert_eq!(o.codes(), vec!["MALFORMED_FILE"]);
    assert_eq!(lines(&o), vec![2]);
}

#[test]
fn xml_declared_encodings() {
    let mut doc = b"<?xml version=\"1.0\" encoding=\"ISO-8859-5\"?>\n<d>\xbf NEEDLE</d>".to_vec();
    let o = run(&doc, "c.xml");
    assert!(o.reasons.is_empty(), "{:?}", o.reasons);
    assert!(o.text().contains("П NEEDLE"), "{}", o.text());
    doc = b"<?xml version=\"1.0\" encoding=\"nonsense\"?>\n<d>NEEDLE</d>".to_vec();
    let o = run(&doc, "c.xml");
    assert_eq!(o.codes(), vec!["MALFORMED_FILE"]);
    assert_eq!(lines(&o), vec![2]);
    // UTF-16 with a BOM.
    let text = "<?xml version=\"1.0\"?>\n<d>\nNEEDLE</d>";
    let mut utf16 = vec![0xff, 0xfe];
    for u in text.encode_utf16() {
        utf16.extend_from_slice(&u.to_le_bytes());
    }
    let o = run(&utf16, "u.xml");
    assert!(o.reasons.is_empty(), "{:?}", o.reasons);
    assert_eq!(lines(&o), vec![3]);
}

#[test]
fn html_lenient_with_entities_and_scripts() {
    let page = b"<!DOCTYPE html>\n<html><head><title>t</title>\n<script>if (a < b && c > d) { x = \"NEEDLE\"; }</script>\n</head><body>\n<p>caf&eacute; &nbsp;<br>NEEDLE &copy; &unknown;\n<img src=x.png alt=NEEDLE>\n<a href=\"https://e.com/?a=1&amp;b=2\">l</a>\n</body></html>\n";
    let o = run(page, "p.html");
    assert_eq!(o.format, "html");
    assert!(o.reasons.is_empty(), "{:?}", o.reasons);
    assert_eq!(lines(&o), vec![3, 5, 6]);
    let t = o.text();
    assert!(t.contains("café"), "{t}");
    assert!(t.contains("©"), "{t}");
    assert!(t.contains("&unknown;"), "{t}");
    assert!(t.contains("https://e.com/?a=1&b=2"), "{t}");
    assert!(t.contains("if (a < b && c > d)"), "{t}");
}

#[test]
fn plain_text_with_angle_brackets_is_not_markup() {
    let o = run(b"if a < b then NEEDLE > c\n", "notes.txt");
    assert_eq!(o.format, "txt");
    let o = run(b"just text NEEDLE\n", "x.html");
    assert_eq!(o.format, "txt");
}

#[test]
fn markup_garbled_never_panics() {
    let page = b"<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<!DOCTYPE r [<!ENTITY e \"v&e2;\"><!ENTITY e2 \"w\"><!ENTITY % p \"%p;\">]>\n<r a='1' b=\"&e;\"><![CDATA[x]]><!-- c --><?pi x?>&e;&#1114112;&#0;&#xZZ;&\xff\xfe<s>NEEDLE</s></r>";
    for name in ["g.xml", "g.html"] {
        for cut in 0..page.len() {
            let _ = run(&page[..cut], name);
        }
        let mut state = 0x1234_5678u32;
        for _ in 0..300 {
            let mut b = page.to_vec();
            for _ in 0..4 {
                state = state.wrapping_mul(1_103_515_245).wrapping_add(12345);
                let i = (state >> 8) as usize % b.len();
                b[i] = (state >> 16) as u8;
            }
            let _ = run(&b, name);
        }
    }
}

#[test]
fn markup_token_over_field_limit_still_scanned() {
    let mut doc = b"<r>\n<a>".to_vec();
    doc.extend(std::iter::repeat_n(b'x', 200_000));
    doc.extend_from_slice(b" NEEDLE</a>\n<b>NEEDLE</b></r>");
    let limits = Limits {
        max_field_len: 64 * 1024,
        ..Limits::default()
    };
    let o = run_with(&doc, "big.xml", &limits);
    assert_eq!(lines(&o), vec![2, 3]);
}

// ---------------------------------------------------------------- corpus

/// Files whose manifest label we believe is wrong, with why.
const DISPUTED: &[(&str, &str)] = &[
    (
        "xml/xmlbomb2.xml",
        "a 10-byte entity used once: nothing to guard; fully extracted",
    ),
    (
        "xml/huge_dtd.xml",
        "the huge DTD is an external file that is never fetched; nothing expands",
    ),
];

fn check_corpus(prefixes: &[&str]) {
    let Some(dir) = common::corpus() else {
        return;
    };
    let manifest = std::fs::read_to_string(dir.join("MANIFEST.tsv")).unwrap();
    let mut failures = Vec::new();
    let mut checked = 0;
    for row in manifest.lines().skip(1) {
        let cols: Vec<&str> = row.split('\t').collect();
        let (Some(path), Some(expect)) = (cols.first(), cols.last()) else {
            continue;
        };
        if !prefixes.iter().any(|p| path.starts_with(p)) {
            continue;
        }
        let Ok(data) = std::fs::read(dir.join(path)) else {
            continue;
        };
        checked += 1;
        let o = run(&data, path);
        let codes = o.codes();
        let ok = match *expect {
            "extract" => codes
                .iter()
                .all(|c| *c == "ARCHIVE_CONTAINS_UNPROCESSED_FILES"),
            "corrupt" => !codes.is_empty(),
            "metadata-only-encrypted" => codes.contains(&"ENCRYPTED_CONTENT"),
            "bomb-guard" => codes.iter().any(|c| {
                matches!(
                    *c,
                    "ARCHIVE_TOTAL_BYTES_EXTRACTED_OVER_LIMIT"
                        | "ARCHIVE_NESTING_LEVEL_OVER_LIMIT"
                        | "ARCHIVE_TOTAL_DOCUMENTS_PROCESSED_OVER_LIMIT"
                        | "TIME_CUT_OFF_REACHED"
                        | "OOXML_UNCOMPRESSED_RATIO_EXCEEDS_LIMIT"
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
        let disputed = DISPUTED.iter().any(|(p, _)| p == path);
        eprintln!(
            "{path}\t{expect}\t{}\t{:?}{}",
            o.format,
            o.reasons,
            if disputed { "\t(disputed)" } else { "" }
        );
        if !ok && !disputed {
            failures.push(format!("{path}: expected {expect}, got {:?}", o.reasons));
        }
    }
    eprintln!("checked {checked} corpus files");
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn corpus_xml_html() {
    check_corpus(&["xml/", "html/"]);
}

// ---------------------------------------------------------------- e-mail

fn b64(data: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut s = String::new();
    for c in data.chunks(3) {
        let n = (u32::from(c[0]) << 16)
            | (u32::from(*c.get(1).unwrap_or(&0)) << 8)
            | u32::from(*c.get(2).unwrap_or(&0));
        for i in 0..4 {
            if i <= c.len() {
                s.push(T[(n >> (18 - 6 * i)) as usize & 63] as char);
            } else {
                s.push('=');
            }
        }
    }
    s
}

fn zip_of(name: &str, data: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    w.start_file(name, zip::write::SimpleFileOptions::default())
        .unwrap();
    w.write_all(data).unwrap();
    w.finish().unwrap().into_inner()
}

fn message() -> Vec<u8> {
    let zip = zip_of("inner.csv", b"name,card\nx,NEEDLE\n");
    format!(
        "From: a@example.com\r\nTo: b@example.com\r\nSubject: =?UTF-8?B?{}?=\r\nDate: Mon, 1 Jan 2024 00:00:00 +0000\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"XX\"\r\n\r\npreamble\r\n--XX\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nHello caf=C3=A9\r\nline two NEEDLE\r\n--XX\r\nContent-Type: text/csv; name=\"data.csv\"\r\nContent-Disposition: attachment; filename=\"data.csv\"\r\nContent-Transfer-Encoding: base64\r\n\r\n{}\r\n--XX\r\nContent-Type: application/zip\r\nContent-Transfer-Encoding: base64\r\n\r\n{}\r\n--XX--\r\n",
        b64("subject NEEDLE".as_bytes()),
        b64(b"id,secret\n1,NEEDLE\n"),
        b64(&zip),
    )
    .into_bytes()
}

#[test]
fn eml_headers_bodies_and_attachments() {
    let msg = message();
    let o = run(&msg, "mail.eml");
    assert_eq!(o.format, "eml");
    assert!(o.reasons.is_empty(), "{:?}", o.reasons);
    let t = o.text();
    assert!(t.contains("Subject: subject NEEDLE"), "{t}");
    assert!(t.contains("Hello café"), "{t}");
    assert_eq!(o.finder.found.len(), 4, "{:?}", o.finder.found);
    // The decoded subject, on the header's line.
    assert_eq!(o.finder.found[0].line, Some(3));
    assert!(o.finder.members[0].is_empty());
    // The body: the part starts on file line 13; its second decoded line.
    assert_eq!(o.finder.found[1].line, Some(14));
    // The csv attachment is read as csv.
    assert_eq!(o.finder.members[2], vec!["data.csv".to_string()]);
    let cell = o.finder.found[2].cell.clone().unwrap();
    assert_eq!((cell.row, cell.column), (2, 2));
    assert_eq!(cell.column_name.as_deref(), Some("secret"));
    // The zip part has no name: part_N, then the zip member.
    assert_eq!(
        o.finder.members[3],
        vec!["part_2".to_string(), "inner.csv".to_string()]
    );
}

#[test]
fn eml_sniffed_by_headers() {
    let o = run(
        b"Received: from x\nFrom: a@b.c\nSubject: hi\n\nbody NEEDLE\n",
        "msg",
    );
    assert_eq!(o.format, "eml");
    assert_eq!(lines(&o), vec![5]);
    let o = run(b"From: me\nhello there\n", "notes");
    assert_eq!(o.format, "txt");
}

/// Configuration files are `key: value` lines too: they are not e-mail unless their header
/// block is a message's (originator or trace fields with values of their kind).
#[test]
fn yaml_and_config_files_are_not_email() {
    for doc in [
        &b"name: x\nversion: 2\nenv: prod\ncard: NEEDLE\n"[..],
        b"from: x\nto: y\ndate: today\nsubject: NEEDLE\n",
        b"received: yes\nreturn-path: /tmp\nmessage-id: 7\nNEEDLE: 1\n",
    ] {
        let o = run(doc, "config.yaml");
        assert_eq!(o.format, "txt", "{}", String::from_utf8_lossy(doc));
        assert!(o.reasons.is_empty(), "{:?}", o.reasons);
        assert_eq!(lines(&o), vec![4]);
    }
    let o = run(
        b"Return-Path: <a@b.c>\nDate: Wed, 15 Feb 1995 09:38:18\n\nNEEDLE\n",
        "message",
    );
    assert_eq!(o.format, "eml");
}

/// A MIME entity with only Content-Type and Content-Transfer-Encoding (a forwarded
/// fragment) is decoded; base64 with stray characters and no padding is decoded leniently,
/// as mail readers do; an attachment named .gz that is not gzip is not read as gzip.
#[test]
fn mime_fragments_lenient_base64_and_misnamed_attachments() {
    use base64::Engine;
    let b64 = base64::engine::general_purpose::STANDARD.encode("card NEEDLE ok\n");
    let fragment = format!(
        "Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: base64\n\n{b64}\n"
    );
    let o = run(fragment.as_bytes(), "fragment.txt");
    assert_eq!(o.format, "eml");
    assert!(o.text().contains("card NEEDLE ok"), "{}", o.text());

    let raw = base64::engine::general_purpose::STANDARD.encode("NEEDLE in a note!");
    let sloppy = format!("{}*{}", &raw[..8], raw.trim_end_matches('='));
    let junk = base64::engine::general_purpose::STANDARD.encode(b"\x00\x01\x02 not gzip NEEDLE");
    let msg = format!(
        "From: a@example.com\nTo: b@example.com\nSubject: s\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=B\n\n--B\nContent-Type: text/plain; name=note.txt\nContent-Disposition: attachment; filename=note.txt\nContent-Transfer-Encoding: base64\n\n{sloppy}\n--B\nContent-Type: application/x-gzip; name=blah.gz\nContent-Disposition: attachment; filename=blah.gz\nContent-Transfer-Encoding: base64\n\n{junk}\n--B--\n"
    );
    let o = run(msg.as_bytes(), "m.eml");
    assert!(
        o.codes()
            .iter()
            .all(|c| *c == "ARCHIVE_CONTAINS_UNPROCESSED_FILES"),
        "{:?}",
        o.reasons
    );
    assert!(o.text().contains("NEEDLE in a note!"), "{}", o.text());
}

#[test]
fn eml_garbled_never_panics() {
    let msg = message();
    for cut in (0..msg.len()).step_by(7) {
        let _ = run(&msg[..cut], "m.eml");
    }
    let mut state = 0x9e37_79b9u32;
    for _ in 0..200 {
        let mut b = msg.clone();
        for _ in 0..6 {
            state = state.wrapping_mul(1_103_515_245).wrapping_add(12345);
            let i = (state >> 8) as usize % b.len();
            b[i] = (state >> 16) as u8;
        }
        let _ = run(&b, "m.eml");
    }
}

// ---------------------------------------------------------------- PDF

fn pdf(pages: &[&str]) -> Vec<u8> {
    use lopdf::content::{Content, Operation};
    use lopdf::{dictionary, Document, Object, Stream};
    let mut doc = Document::with_version("1.5");
    let pages_id = doc.new_object_id();
    let font_id = doc.add_object(dictionary! {
        "Type" => "Font",
        "Subtype" => "Type1",
        "BaseFont" => "Courier",
    });
    let resources_id = doc.add_object(dictionary! {
        "Font" => dictionary! { "F1" => font_id },
    });
    let mut kids = Vec::new();
    for text in pages {
        let content = Content {
            operations: vec![
                Operation::new("BT", vec![]),
                Operation::new("Tf", vec!["F1".into(), 24.into()]),
                Operation::new("Td", vec![100.into(), 600.into()]),
                Operation::new("Tj", vec![Object::string_literal(*text)]),
                Operation::new("ET", vec![]),
            ],
        };
        let content_id = doc.add_object(Stream::new(dictionary! {}, content.encode().unwrap()));
        let page_id = doc.add_object(dictionary! {
            "Type" => "Page",
            "Parent" => pages_id,
            "Contents" => content_id,
        });
        kids.push(page_id.into());
    }
    let count = kids.len() as i64;
    doc.objects.insert(
        pages_id,
        Object::Dictionary(dictionary! {
            "Type" => "Pages",
            "Kids" => kids,
            "Count" => count,
            "Resources" => resources_id,
            "MediaBox" => vec![0.into(), 0.into(), 595.into(), 842.into()],
        }),
    );
    let catalog_id = doc.add_object(dictionary! {
        "Type" => "Catalog",
        "Pages" => pages_id,
    });
    doc.trailer.set("Root", catalog_id);
    doc.compress();
    let mut out = Vec::new();
    doc.save_to(&mut out).unwrap();
    out
}

#[test]
fn pdf_text_per_page() {
    let data = pdf(&["first page", "second NEEDLE page", "third"]);
    let o = run(&data, "doc.pdf");
    assert_eq!(o.format, "pdf");
    assert!(o.reasons.is_empty(), "{:?}", o.reasons);
    assert_eq!(o.finder.found.len(), 1, "{}", o.text());
    assert_eq!(o.finder.found[0].page, Some(2));
    assert_eq!(o.finder.found[0].line, Some(1));
    assert!(o.text().contains("first page"), "{}", o.text());
}

#[test]
fn pdf_encrypted_and_broken() {
    let data = pdf(&["NEEDLE"]);
    // An Encrypt entry in the trailer.
    let o = run(
        b"%PDF-1.4\n1 0 obj <</Type/Catalog>> endobj\ntrailer <</Root 1 0 R /Encrypt 2 0 R>>\n%%EOF\n",
        "e.pdf",
    );
    assert_eq!(o.codes(), vec!["ENCRYPTED_CONTENT"], "{:?}", o.reasons);
    let o = run(b"%PDF-1.4\ngarbage", "g.pdf");
    assert_eq!(o.codes(), vec!["MALFORMED_FILE"]);
    for cut in (0..data.len()).step_by(13) {
        let _ = run(&data[..cut], "t.pdf");
    }
    let mut state = 0x1357_9bdfu32;
    for _ in 0..200 {
        let mut b = data.clone();
        for _ in 0..4 {
            state = state.wrapping_mul(1_103_515_245).wrapping_add(12345);
            let i = (state >> 8) as usize % b.len();
            b[i] = (state >> 16) as u8;
        }
        let _ = run(&b, "x.pdf");
    }
}
