//! Record files as other writers write them (Avro reflection names and `error` schemas, older
//! Parquet footers), and keys scanned as content: fixtures generated here.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Cursor;

use trawl_formats::{extract, Chunk, Limits, LineCursor, TextSink};

/// One chunk: record, json path, text, keyword context.
type Seen = (Option<u64>, Option<String>, String, Option<String>);

/// Every chunk.
#[derive(Default)]
struct All(Vec<Seen>);

impl TextSink for All {
    fn chunk(&mut self, c: &Chunk<'_>) {
        let l = c
            .locator
            .locate(c.text, c.report.start, &mut LineCursor::default());
        self.0.push((
            l.record,
            l.json_path,
            String::from_utf8_lossy(&c.text[c.report.clone()]).into_owned(),
            c.context.map(str::to_string),
        ));
    }
}

struct Out {
    all: All,
    format: String,
    reasons: Vec<(String, String)>,
}

fn run(data: &[u8], name: &str) -> Out {
    let mut all = All::default();
    let e = extract(&mut Cursor::new(data), name, &Limits::default(), &mut all);
    Out {
        all,
        format: e.format.name().to_string(),
        reasons: e
            .reasons
            .iter()
            .map(|r| (r.code.as_str().to_string(), r.message.clone()))
            .collect(),
    }
}

impl Out {
    fn has(&self, record: u64, path: &str, text: &str) -> bool {
        self.all
            .0
            .iter()
            .any(|c| c.0 == Some(record) && c.1.as_deref() == Some(path) && c.2.contains(text))
    }
}

// ---------------------------------------------------------------------------------------------
// Avro

fn zigzag(out: &mut Vec<u8>, v: i64) {
    let mut z = ((v << 1) ^ (v >> 63)) as u64;
    loop {
        let b = (z & 0x7f) as u8;
        z >>= 7;
        if z == 0 {
            out.push(b);
            break;
        }
        out.push(b | 0x80);
    }
}

fn avro_bytes(out: &mut Vec<u8>, b: &[u8]) {
    zigzag(out, b.len() as i64);
    out.extend_from_slice(b);
}

/// An object container file written by hand (apache-avro's writer refuses these schemas):
/// `schema`, codec null, one block of `datums` (already encoded).
fn avro_container(schema: &str, datums: &[Vec<u8>]) -> Vec<u8> {
    let sync = [7u8; 16];
    let mut out = b"Obj\x01".to_vec();
    zigzag(&mut out, 2);
    avro_bytes(&mut out, b"avro.schema");
    avro_bytes(&mut out, schema.as_bytes());
    avro_bytes(&mut out, b"avro.codec");
    avro_bytes(&mut out, b"null");
    zigzag(&mut out, 0);
    out.extend_from_slice(&sync);
    let body: Vec<u8> = datums.concat();
    zigzag(&mut out, datums.len() as i64);
    zigzag(&mut out, body.len() as i64);
    out.extend_from_slice(&body);
    out.extend_from_slice(&sync);
    out
}

#[test]
fn avro_from_java_reflection_with_dollar_names_is_read() {
    let schema = r#"{"type":"record","name":"Text","namespace":"org.example.Job$",
        "fields":[{"name":"this$0","type":"string"},
                  {"name":"next","type":["null","org.example.Job$.Text"]},
                  {"name":"kind","type":{"type":"enum","name":"K$","symbols":["A$","B"]}}]}"#;
    let mut datum = Vec::new();
    avro_bytes(&mut datum, b"alice@example.com");
    zigzag(&mut datum, 1); // union branch 1: a nested Text
    avro_bytes(&mut datum, b"bob@example.com");
    zigzag(&mut datum, 0); // its `next`: null
    zigzag(&mut datum, 1); // its kind: B
    zigzag(&mut datum, 0); // kind: A$
    let out = run(&avro_container(schema, &[datum]), "x.avro");
    assert_eq!(out.format, "avro");
    assert!(out.reasons.is_empty(), "{:?}", out.reasons);
    assert!(
        out.has(0, "$['this$0']", "alice@example.com")
            || out.has(0, "$.this$0", "alice@example.com"),
        "{:?}",
        out.all.0
    );
    assert!(
        out.all.0.iter().any(|c| c.2 == "bob@example.com"),
        "{:?}",
        out.all.0
    );
    assert!(out.all.0.iter().any(|c| c.2 == "A$"), "{:?}", out.all.0);
}

#[test]
fn avro_with_error_type_schema_is_read() {
    let schema = r#"{"namespace":"test","type":"error","name":"ErrorTest",
        "fields":[{"type":{"type":"string","avro.java.string":"String"},"name":"message"}]}"#;
    let mut datum = Vec::new();
    avro_bytes(&mut datum, b"carol@example.com");
    let out = run(&avro_container(schema, &[datum]), "x.avro");
    assert!(out.reasons.is_empty(), "{:?}", out.reasons);
    assert!(
        out.has(0, "$.message", "carol@example.com"),
        "{:?}",
        out.all.0
    );
}

#[test]
fn avro_map_keys_are_scanned_as_content() {
    let schema = r#"{"type":"record","name":"r","fields":[
        {"name":"owners","type":{"type":"map","values":"long"}}]}"#;
    let mut datum = Vec::new();
    zigzag(&mut datum, 1); // one map block of one entry
    avro_bytes(&mut datum, b"dave@example.com");
    zigzag(&mut datum, 7);
    zigzag(&mut datum, 0);
    let out = run(&avro_container(schema, &[datum]), "x.avro");
    assert!(out.reasons.is_empty(), "{:?}", out.reasons);
    let key = out
        .all
        .0
        .iter()
        .find(|c| c.2 == "dave@example.com")
        .unwrap_or_else(|| panic!("key not scanned: {:?}", out.all.0));
    assert_eq!(key.1.as_deref(), Some("$.owners['dave@example.com']"));
    assert_eq!(key.3.as_deref(), Some("owners"));
    // The value keeps its key as keyword context.
    let value = out.all.0.iter().find(|c| c.2 == "7").unwrap();
    assert_eq!(value.3.as_deref(), Some("owners\ndave@example.com"));
}

// ---------------------------------------------------------------------------------------------
// Parquet

/// A file of one map column `m` (string -> string) and a string column `contact_address`.
fn parquet_map(key: &str, value: &str) -> Vec<u8> {
    use parquet::data_type::{ByteArray, ByteArrayType};
    use parquet::file::properties::WriterProperties;
    use parquet::file::writer::SerializedFileWriter;
    use parquet::schema::parser::parse_message_type;
    use std::sync::Arc;
    let schema = Arc::new(
        parse_message_type(
            "message s {
                OPTIONAL group m (MAP) { REPEATED group key_value {
                    REQUIRED BYTE_ARRAY key (UTF8); OPTIONAL BYTE_ARRAY value (UTF8); } }
                OPTIONAL BYTE_ARRAY contact_address (UTF8);
            }",
        )
        .unwrap(),
    );
    let props = Arc::new(WriterProperties::builder().build());
    let mut w = SerializedFileWriter::new(Vec::new(), schema, props).unwrap();
    let mut rg = w.next_row_group().unwrap();
    let mut i = 0;
    while let Some(mut col) = rg.next_column().unwrap() {
        let (v, d) = match i {
            0 => (key, 2i16),
            1 => (value, 3),
            _ => ("erin@example.com", 1),
        };
        let rep = [0i16];
        let reps = if i < 2 { Some(&rep[..]) } else { None };
        col.typed::<ByteArrayType>()
            .write_batch(&[ByteArray::from(v)], Some(&[d]), reps)
            .unwrap();
        col.close().unwrap();
        i += 1;
    }
    rg.close().unwrap();
    w.into_inner().unwrap()
}

#[test]
fn parquet_map_keys_are_scanned_as_content() {
    let out = run(&parquet_map("frank@example.com", "admin"), "t.parquet");
    assert!(out.reasons.is_empty(), "{:?}", out.reasons);
    assert!(
        out.has(0, "$.m['frank@example.com']", "frank@example.com"),
        "{:?}",
        out.all.0
    );
}

#[test]
fn parquet_with_a_converted_type_the_format_dropped_is_read() {
    // Old parquet-cpp wrote converted type 24 (its NULL type): rewrite UTF8 (0) to 24 in the
    // footer's schema element of `contact_address` (same length: zigzag 0 -> 48).
    let mut data = parquet_map("k", "v");
    let name = b"contact_address";
    let at = data
        .windows(name.len() + 2)
        .rposition(|w| &w[..name.len()] == name && w[name.len()..] == [0x25, 0x00])
        .expect("schema element");
    data[at + name.len() + 1] = 0x30;
    let out = run(&data, "t.parquet");
    assert!(out.reasons.is_empty(), "{:?}", out.reasons);
    assert!(
        out.has(0, "$.contact_address", "erin@example.com"),
        "{:?}",
        out.all.0
    );
}

// ---------------------------------------------------------------------------------------------
// JSON

#[test]
fn json_keys_are_scanned_as_content_located_by_their_path() {
    let json = br#"{"users": {"gina@example.com": {"role": "admin"}, "plain": "x"}}"#;
    let out = run(json, "u.json");
    assert!(out.reasons.is_empty(), "{:?}", out.reasons);
    let key = out
        .all
        .0
        .iter()
        .find(|c| c.2 == "gina@example.com")
        .unwrap_or_else(|| panic!("key not scanned: {:?}", out.all.0));
    assert_eq!(key.1.as_deref(), Some("$.users['gina@example.com']"));
    // Its context is the names above it; the key stays the context of what it holds.
    assert_eq!(key.3.as_deref(), Some("users"));
    let role = out.all.0.iter().find(|c| c.2 == "admin").unwrap();
    assert_eq!(role.3.as_deref(), Some("users\ngina@example.com\nrole"));
}

#[test]
fn json_with_trailing_data_is_partial_and_keeps_what_was_read() {
    let out = run(
        b"{\"a\": \"hana@example.com\"}\n]] trailing ivan@example.com\n",
        "t.json",
    );
    assert_eq!(out.reasons.len(), 1, "{:?}", out.reasons);
    assert_eq!(out.reasons[0].0, "MALFORMED_FILE");
    assert!(out.has(0, "$.a", "hana@example.com"), "{:?}", out.all.0);
    assert!(out.all.0.iter().any(|c| c.2.contains("ivan@example.com")));
}
