//! PDF extraction on PDFs generated here: fonts and encodings, Form XObjects, form fields,
//! encryption with the empty password, damaged files, and text we know we could not map.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Cursor;

use lopdf::content::{Content, Operation};
use lopdf::{dictionary, Dictionary, Document, Object, ObjectId, Stream, StringFormat};
use trawl_formats::{extract, Chunk, Limits, LineCursor, Location, TextSink};

#[derive(Default)]
struct Finder {
    needle: Vec<u8>,
    found: Vec<(Location, Option<String>)>,
    text: String,
}

impl TextSink for Finder {
    fn chunk(&mut self, c: &Chunk<'_>) {
        let mut cursor = LineCursor::default();
        let mut at = 0;
        let n = &self.needle;
        while let Some(p) = c.text[at..]
            .windows(n.len())
            .position(|w| w == n.as_slice())
        {
            let pos = at + p;
            if c.report.contains(&pos) {
                let loc = c.locator.locate(c.text, pos, &mut cursor);
                self.found.push((loc, c.context.map(str::to_string)));
            }
            at = pos + 1;
        }
        self.text
            .push_str(&String::from_utf8_lossy(&c.text[c.report.clone()]));
        self.text.push('\n');
    }
}

struct Out {
    finder: Finder,
    reasons: Vec<(String, String)>,
}

impl Out {
    fn codes(&self) -> Vec<&str> {
        self.reasons.iter().map(|r| r.0.as_str()).collect()
    }
}

fn run(data: &[u8], needle: &str) -> Out {
    let mut finder = Finder {
        needle: needle.as_bytes().to_vec(),
        ..Finder::default()
    };
    let e = extract(
        &mut Cursor::new(data),
        "doc.pdf",
        &Limits::default(),
        &mut finder,
    );
    assert_eq!(e.format.name(), "pdf");
    assert!(e.panics.is_empty(), "{:?}", e.panics);
    Out {
        finder,
        reasons: e
            .reasons
            .iter()
            .map(|r| (r.code.as_str().to_string(), r.message.clone()))
            .collect(),
    }
}

/// A document of pages, each drawn by `ops` with the fonts of `fonts` (name, dictionary) and
/// the Form XObjects of `forms`.
struct Builder {
    doc: Document,
    pages_id: ObjectId,
    kids: Vec<Object>,
    resources: Dictionary,
}

impl Builder {
    fn new() -> Builder {
        let mut doc = Document::with_version("1.5");
        let pages_id = doc.new_object_id();
        Builder {
            doc,
            pages_id,
            kids: Vec::new(),
            resources: Dictionary::new(),
        }
    }

    fn font(&mut self, name: &str, font: Dictionary) {
        let id = self.doc.add_object(font);
        let mut fonts = self
            .resources
            .get(b"Font")
            .and_then(Object::as_dict)
            .cloned()
            .unwrap_or_default();
        fonts.set(name, id);
        self.resources.set("Font", fonts);
    }

    fn page(&mut self, ops: Vec<Operation>) -> ObjectId {
        let content = Content { operations: ops }.encode().unwrap();
        let content_id = self.doc.add_object(Stream::new(dictionary! {}, content));
        let page_id = self.doc.add_object(dictionary! {
            "Type" => "Page",
            "Parent" => self.pages_id,
            "Contents" => content_id,
        });
        self.kids.push(page_id.into());
        page_id
    }

    fn finish(mut self) -> Document {
        let count = self.kids.len() as i64;
        let resources = self.doc.add_object(self.resources);
        self.doc.objects.insert(
            self.pages_id,
            Object::Dictionary(dictionary! {
                "Type" => "Pages",
                "Kids" => self.kids,
                "Count" => count,
                "Resources" => resources,
                "MediaBox" => vec![0.into(), 0.into(), 595.into(), 842.into()],
            }),
        );
        let catalog = self.doc.add_object(dictionary! {
            "Type" => "Catalog",
            "Pages" => self.pages_id,
        });
        self.doc.trailer.set("Root", catalog);
        self.doc
    }
}

fn save(doc: &mut Document) -> Vec<u8> {
    let mut out = Vec::new();
    doc.save_to(&mut out).unwrap();
    out
}

fn show(font: &str, bytes: &[u8]) -> Vec<Operation> {
    vec![
        Operation::new("BT", vec![]),
        Operation::new("Tf", vec![font.into(), 12.into()]),
        Operation::new("Td", vec![72.into(), 700.into()]),
        Operation::new(
            "Tj",
            vec![Object::String(bytes.to_vec(), StringFormat::Hexadecimal)],
        ),
        Operation::new("ET", vec![]),
    ]
}

fn helvetica() -> Dictionary {
    dictionary! {
        "Type" => "Font",
        "Subtype" => "Type1",
        "BaseFont" => "Helvetica",
        "Encoding" => "WinAnsiEncoding",
    }
}

fn simple(text: &str) -> Document {
    let mut b = Builder::new();
    b.font("F1", helvetica());
    b.page(show("F1", text.as_bytes()));
    b.finish()
}

// ---------------------------------------------------------------- fonts

/// A TeX-like Type 1 font: `/Differences` naming glyphs outside the Adobe Glyph List beside
/// ones in it (lopdf dropped the whole array and read the codes as StandardEncoding).
#[test]
fn pdf_type1_differences_with_unknown_glyph_names_are_decoded() {
    let mut b = Builder::new();
    b.font(
        "F1",
        dictionary! {
            "Type" => "Font",
            "Subtype" => "Type1",
            "BaseFont" => "CMR10",
            "Encoding" => dictionary! {
                "Type" => "Encoding",
                "Differences" => vec![
                    1.into(), "S".into(), "S".into(), "N".into(), "colon".into(),
                    "space".into(), "one".into(), "two".into(), "three".into(),
                    "hyphen".into(), "four".into(), "five".into(), "uni0036".into(),
                    "seven".into(), "eight".into(), "nine".into(), "ff".into(),
                    "a123".into(), "f_i".into(),
                ],
            },
        },
    );
    // "SSN: 123-45-6789" then ff, an unknown glyph, fi.
    let codes = [
        1u8, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 9, 12, 13, 14, 15, 16, 17, 18,
    ];
    b.page(show("F1", &codes));
    let o = run(&save(&mut b.finish()), "SSN: 123-45-6789");
    assert!(o.reasons.is_empty(), "{:?}", o.reasons);
    assert_eq!(o.finder.found.len(), 1, "{}", o.finder.text);
    // The ff ligature as two letters (for keywords), the unknown glyph dropped.
    assert!(o.finder.text.contains("6789fffi"), "{}", o.finder.text);
}

/// A Type 0 font on a predefined CJK CMap: Shift JIS and EUC-JP codes are read.
#[test]
fn pdf_predefined_cjk_cmaps_are_decoded() {
    for (cmap, charset) in [
        ("90ms-RKSJ-H", encoding_rs::SHIFT_JIS),
        ("EUC-H", encoding_rs::EUC_JP),
    ] {
        let mut b = Builder::new();
        b.font(
            "F1",
            dictionary! {
                "Type" => "Font",
                "Subtype" => "Type0",
                "BaseFont" => "MS-Mincho",
                "Encoding" => cmap,
                "DescendantFonts" => vec![Object::Dictionary(dictionary! {
                    "Type" => "Font",
                    "Subtype" => "CIDFontType0",
                    "BaseFont" => "MS-Mincho",
                })],
            },
        );
        let (bytes, _, _) = charset.encode("氏名 山田太郎");
        b.page(show("F1", &bytes));
        let o = run(&save(&mut b.finish()), "山田太郎");
        assert!(o.reasons.is_empty(), "{cmap}: {:?}", o.reasons);
        assert_eq!(o.finder.found.len(), 1, "{cmap}: {}", o.finder.text);
    }
}

/// Glyphs in a font without any Unicode map (Identity-H, no ToUnicode) are text we know we
/// did not read: the object is not COMPLETE.
#[test]
fn pdf_glyphs_without_a_unicode_map_are_reported() {
    let mut b = Builder::new();
    b.font(
        "F1",
        dictionary! {
            "Type" => "Font",
            "Subtype" => "Type0",
            "BaseFont" => "Embedded",
            "Encoding" => "Identity-H",
        },
    );
    b.page(show("F1", &[0, 17, 0, 42, 0, 99].repeat(40)));
    let o = run(&save(&mut b.finish()), "NEEDLE");
    assert_eq!(
        o.codes(),
        ["UNSUPPORTED_FILE_TYPE_EXCEPTION"],
        "{:?}",
        o.reasons
    );
    assert!(
        o.reasons[0].1.contains("120 of 120 glyphs"),
        "{:?}",
        o.reasons
    );
}

/// Text inside a Form XObject is read; a form that draws itself is drawn once (nothing is
/// lost, so nothing is reported).
#[test]
fn pdf_form_xobjects_are_read_and_bounded() {
    let mut b = Builder::new();
    b.font("F1", helvetica());
    let form_id = b.doc.new_object_id();
    let mut ops = show("F1", b"inside NEEDLE");
    ops.push(Operation::new("Do", vec!["X1".into()]));
    let form = Stream::new(
        dictionary! {
            "Type" => "XObject",
            "Subtype" => "Form",
            "BBox" => vec![0.into(), 0.into(), 100.into(), 100.into()],
            "Resources" => dictionary! { "XObject" => dictionary! { "X1" => form_id } },
        },
        Content { operations: ops }.encode().unwrap(),
    );
    b.doc.objects.insert(form_id, Object::Stream(form));
    b.resources.set("XObject", dictionary! { "X1" => form_id });
    b.page(vec![Operation::new("Do", vec!["X1".into()])]);
    let o = run(&save(&mut b.finish()), "NEEDLE");
    assert_eq!(o.finder.found.len(), 1, "{}", o.finder.text);
    assert_eq!(o.finder.found[0].0.page, Some(1));
    assert!(o.reasons.is_empty(), "{:?}", o.reasons);
}

// ---------------------------------------------------------------- form fields

/// AcroForm field values are read with the field's names as context: on the widget's page,
/// or by the field's full name when no page holds it.
#[test]
fn pdf_acroform_field_values_are_read_with_their_names() {
    let mut b = Builder::new();
    b.font("F1", helvetica());
    b.page(show("F1", b"Application form"));
    let page2 = b.page(show("F1", b"Page two"));
    let mut doc = b.finish();
    let utf16: Vec<u8> = [0xFE, 0xFF]
        .into_iter()
        .chain("078-05-1120".encode_utf16().flat_map(u16::to_be_bytes))
        .collect();
    let ssn = doc.add_object(dictionary! {
        "FT" => "Tx",
        "T" => Object::string_literal("ssn"),
        "TU" => Object::string_literal("Social security number"),
        "V" => Object::String(utf16, StringFormat::Hexadecimal),
        "Type" => "Annot",
        "Subtype" => "Widget",
        "P" => page2,
    });
    let email = doc.add_object(dictionary! {
        "FT" => "Tx",
        "T" => Object::string_literal("email"),
        "V" => Object::string_literal("jane@example.com"),
    });
    let parent = doc.add_object(dictionary! {
        "T" => Object::string_literal("applicant"),
        "Kids" => vec![ssn.into(), email.into()],
    });
    let form = doc.add_object(dictionary! { "Fields" => vec![parent.into()] });
    let root = doc.trailer.get(b"Root").unwrap().as_reference().unwrap();
    doc.get_dictionary_mut(root).unwrap().set("AcroForm", form);
    let data = save(&mut doc);

    let o = run(&data, "078-05-1120");
    assert!(o.reasons.is_empty(), "{:?}", o.reasons);
    assert!(
        o.finder
            .text
            .contains("Social security number: 078-05-1120"),
        "{}",
        o.finder.text
    );
    assert_eq!(o.finder.found.len(), 1);
    let (loc, context) = &o.finder.found[0];
    assert_eq!(loc.page, Some(2));
    assert_eq!(
        context.as_deref(),
        Some("Social security number applicant.ssn")
    );

    let o = run(&data, "jane@example.com");
    assert_eq!(o.finder.found.len(), 1, "{}", o.finder.text);
    let (loc, context) = &o.finder.found[0];
    assert_eq!(loc.page, None);
    assert_eq!(loc.json_path.as_deref(), Some("$.AcroForm.applicant.email"));
    assert_eq!(context.as_deref(), Some("applicant.email"));
}

// ---------------------------------------------------------------- encryption

fn encrypted(user: &str, keep_id: bool) -> Vec<u8> {
    use lopdf::encryption::{EncryptionState, EncryptionVersion, Permissions};
    let mut doc = simple("secret NEEDLE text");
    doc.trailer.set(
        "ID",
        vec![Object::string_literal(""), Object::string_literal("")],
    );
    let version = EncryptionVersion::V2 {
        document: &doc,
        owner_password: "owner",
        user_password: user,
        key_length: 128,
        permissions: Permissions::all(),
    };
    let state = EncryptionState::try_from(version).unwrap();
    doc.encrypt(&state).unwrap();
    if !keep_id {
        doc.trailer.remove(b"ID");
    }
    save(&mut doc)
}

/// RC4 with the empty user password and no `/ID` in the trailer is decrypted as if the ID
/// were empty; a real user password still gives ENCRYPTED_CONTENT.
#[test]
fn pdf_empty_password_without_id_is_decrypted() {
    let data = encrypted("", false);
    if let Some(path) = std::env::var_os("TRAWL_PDF_DUMP") {
        std::fs::write(path, &data).unwrap();
    }
    assert!(!String::from_utf8_lossy(&data).contains("NEEDLE"));
    let o = run(&data, "NEEDLE");
    assert!(o.reasons.is_empty(), "{:?}", o.reasons);
    assert_eq!(o.finder.found.len(), 1, "{}", o.finder.text);

    let o = run(&encrypted("", true), "NEEDLE");
    assert_eq!(o.finder.found.len(), 1, "{}", o.finder.text);

    let o = run(&encrypted("user", false), "NEEDLE");
    assert_eq!(o.codes(), ["ENCRYPTED_CONTENT"], "{:?}", o.reasons);
    assert!(o.finder.found.is_empty());
}

// ---------------------------------------------------------------- damage

/// A file without `startxref` whose objects are cut short (`endobj` missing) is read as far
/// as it goes and reported MALFORMED_FILE, not COMPLETE; a lost `startxref` alone costs
/// nothing and is not reported.
#[test]
fn pdf_broken_xref_with_unclosed_objects_is_malformed() {
    let mut doc = simple("damaged NEEDLE page");
    let data = save(&mut doc);
    let lost = String::from_utf8_lossy(&data).replace("startxref", "farbage");
    let o = run(lost.as_bytes(), "NEEDLE");
    assert!(o.reasons.is_empty(), "{:?}", o.reasons);
    assert_eq!(o.finder.found.len(), 1, "{}", o.finder.text);

    let cut = lost.replacen("endobj", "", 1);
    let o = run(cut.as_bytes(), "NEEDLE");
    assert_eq!(o.codes(), ["MALFORMED_FILE"], "{:?}", o.reasons);
    assert!(o.reasons[0].1.contains("rebuilt"), "{:?}", o.reasons);
}

/// A cross-reference stream whose data does not decode (a byte outside ASCII85, as a fuzzer
/// leaves it) is damage, not a table merely shifted: the pages are read by scanning for their
/// objects and the file is reported MALFORMED_FILE naming the stream, never COMPLETE.
#[test]
fn pdf_undecodable_cross_reference_stream_is_malformed() {
    let mut doc = simple("fuzzed NEEDLE page");
    let data = save(&mut doc);
    // lopdf writes a cross-reference stream: it is replaced by one whose data is corrupt.
    let xref = memchr::memmem::rfind(&data, b"/XRef").unwrap();
    let header = memchr::memmem::rfind(&data[..xref], b" obj").unwrap();
    let table = memchr::memmem::rfind(&data[..header], b"\n").unwrap() + 1;
    let xref_stream = |body: &[u8]| {
        let mut out = data[..table].to_vec();
        out.extend_from_slice(
            format!(
                "7 0 obj\n<< /Type /XRef /Size 8 /W [1 3 0] /Root 6 0 R /Filter [/ASCII85Decode] /Length {} >>\nstream\r\n",
                body.len()
            )
            .as_bytes(),
        );
        out.extend_from_slice(body);
        out.extend_from_slice(
            format!("\r\nendstream\nendobj\nstartxref\n{table}\n%%EOF\n").as_bytes(),
        );
        out
    };
    let o = run(&xref_stream(b"z!<<*1!<\xb1/b!<<j<~>"), "NEEDLE");
    assert_eq!(o.codes(), ["MALFORMED_FILE"], "{:?}", o.reasons);
    assert!(
        o.reasons[0]
            .1
            .contains("cross-reference stream (ASCII85Decode) decodes to"),
        "{:?}",
        o.reasons
    );
    assert_eq!(o.finder.found.len(), 1, "{}", o.finder.text);
}
