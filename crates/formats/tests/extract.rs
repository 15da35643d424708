//! Extractors through every read path: whole slices, 1-byte and odd-sized reads, small and
//! boundary-sized buffers, and arbitrary bytes (which must never panic).

use std::io::{self, Read};

use proptest::prelude::*;
use trawl_formats::{extract, Chunk, Limits, LineCursor, Location, TextSink};

/// Finds every `NEEDLE` in reported ranges and records its location.
#[derive(Default)]
struct Finder {
    found: Vec<Location>,
    contexts: Vec<Option<String>>,
    bytes: u64,
}

const NEEDLE: &[u8] = b"NEEDLE";

impl TextSink for Finder {
    fn chunk(&mut self, c: &Chunk<'_>) {
        self.bytes += c.report.len() as u64;
        let mut cursor = LineCursor::default();
        let mut at = 0;
        while let Some(p) = find(&c.text[at..], NEEDLE) {
            let pos = at + p;
            if c.report.contains(&pos) {
                self.found.push(c.locator.locate(c.text, pos, &mut cursor));
                self.contexts.push(c.context.map(String::from));
            }
            at = pos + 1;
        }
    }
}

fn find(h: &[u8], n: &[u8]) -> Option<usize> {
    h.windows(n.len()).position(|w| w == n)
}

/// A reader that hands out at most `n` bytes per call.
struct Trickle<'a> {
    data: &'a [u8],
    n: usize,
}

impl Read for Trickle<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let k = self.n.min(buf.len()).min(self.data.len());
        buf[..k].copy_from_slice(&self.data[..k]);
        self.data = &self.data[k..];
        Ok(k)
    }
}

fn run(data: &[u8], name: &str, n: usize, limits: &Limits) -> (Finder, Vec<String>, String) {
    let mut f = Finder::default();
    let mut r = Trickle { data, n };
    let out = extract(&mut r, name, limits, &mut f);
    let reasons = out
        .reasons
        .iter()
        .map(|r| r.code.as_str().to_string())
        .collect();
    (f, reasons, out.format.name().to_string())
}

/// Every read size gives the same locations, reasons and byte counts.
fn same_through_every_path(data: &[u8], name: &str) -> Finder {
    let limits = Limits::default();
    let (base, reasons, format) = run(data, name, usize::MAX, &limits);
    for n in [1, 2, 7, 4096, 65537] {
        let (f, r, fmt) = run(data, name, n, &limits);
        assert_eq!(f.found, base.found, "{name}: read size {n}");
        assert_eq!(f.contexts, base.contexts, "{name}: read size {n}");
        assert_eq!(
            (r, fmt),
            (reasons.clone(), format.clone()),
            "{name}: read size {n}"
        );
        assert_eq!(f.bytes, base.bytes);
    }
    base
}

#[test]
fn text_through_every_path() {
    let data = b"one\ntwo NEEDLE\r\n\tNEEDLE three\nNEEDLENEEDLE";
    let f = same_through_every_path(data, "a.txt");
    let lc: Vec<_> = f
        .found
        .iter()
        .map(|l| (l.line, l.column, l.offset))
        .collect();
    assert_eq!(
        lc,
        [
            (Some(2), Some(5), Some(8)),
            (Some(3), Some(2), Some(17)),
            (Some(4), Some(1), Some(30)),
            (Some(4), Some(7), Some(36)),
        ]
    );
}

#[test]
fn text_across_many_small_buffers() {
    // A tiny buffer forces many overlapping chunks; each needle is reported once, in place.
    let mut data = Vec::new();
    let mut expect = Vec::new();
    for i in 0..60_000u64 {
        let line = i + 1;
        if i % 997 == 0 {
            expect.push((line, data.len() as u64));
            data.extend_from_slice(b"NEEDLE\n");
        } else {
            data.extend_from_slice(format!("filler line {i} with some words\n").as_bytes());
        }
    }
    let limits = Limits {
        buffer_len: 1,
        ..Limits::default()
    };
    for n in [usize::MAX, 3, 8191] {
        let (f, reasons, _) = run(&data, "big.log", n, &limits);
        assert!(reasons.is_empty());
        let got: Vec<_> = f
            .found
            .iter()
            .map(|l| (l.line.unwrap(), l.offset.unwrap()))
            .collect();
        assert_eq!(got, expect, "read size {n}");
        assert_eq!(f.bytes, data.len() as u64);
    }
}

#[test]
fn csv_through_every_path() {
    let data = b"id,secret,notes\n1,NEEDLE,\"a,\nNEEDLE\"\n2,x,y\n3,\"\"\"NEEDLE\"\"\",z\n";
    let f = same_through_every_path(data, "t.csv");
    let cells: Vec<_> = f
        .found
        .iter()
        .map(|l| {
            let c = l.cell.as_ref().unwrap();
            (c.row, c.column, c.column_name.clone(), l.line)
        })
        .collect();
    assert_eq!(
        cells,
        [
            (2, 2, Some("secret".to_string()), Some(2)),
            (2, 3, Some("notes".to_string()), Some(3)),
            (4, 2, Some("secret".to_string()), Some(5)),
        ]
    );
    assert_eq!(f.contexts[0].as_deref(), Some("secret"));
}

#[test]
fn csv_encodings_and_delimiters() {
    let utf16: Vec<u8> = [0xff, 0xfe]
        .into_iter()
        .chain(
            "a;b\r\n1;NEEDLE\r\n"
                .encode_utf16()
                .flat_map(|u| u.to_le_bytes()),
        )
        .collect();
    let f = same_through_every_path(&utf16, "u.csv");
    let c = f.found[0].cell.as_ref().unwrap();
    assert_eq!(
        (c.row, c.column, c.column_name.as_deref()),
        (2, 2, Some("b"))
    );
}

/// With CRLF terminators (and blank lines between records), a row's first cell is on the
/// row's own line (it was one line short: the `\n` of a `\r\n` is consumed with the next
/// record).
#[test]
fn csv_cells_on_their_lines_with_crlf() {
    let data = b"id,secret\r\nNEEDLE,x\r\n\r\n\r\nNEEDLE,NEEDLE\r\n\"a\r\nNEEDLE\",y\r\n";
    let f = same_through_every_path(data, "crlf.csv");
    let cells: Vec<_> = f
        .found
        .iter()
        .map(|l| {
            let c = l.cell.as_ref().unwrap();
            (c.row, c.column, l.line)
        })
        .collect();
    assert_eq!(
        cells,
        [
            (2, 1, Some(2)),
            (3, 1, Some(5)),
            (3, 2, Some(5)),
            // The cell starts on line 6; its NEEDLE is on line 7.
            (4, 1, Some(7)),
        ]
    );
}

#[test]
fn json_through_every_path() {
    let data = br#"{"a": {"list": ["x", "NEEDLE", {"deep key": "NEEDLE"}]}, "n": 12, "e": "\u0041NEEDLE"}"#;
    let f = same_through_every_path(data, "d.json");
    let paths: Vec<_> = f
        .found
        .iter()
        .map(|l| (l.record, l.json_path.clone().unwrap(), l.line))
        .collect();
    assert_eq!(
        paths,
        [
            (Some(0), "$.a.list[1]".to_string(), Some(1)),
            (Some(0), "$.a.list[2]['deep key']".to_string(), Some(1)),
            (Some(0), "$.e".to_string(), Some(1)),
        ]
    );
    assert_eq!(f.contexts[1].as_deref(), Some("a\nlist\ndeep key"));
}

#[test]
fn jsonl_records_and_bad_lines() {
    let data = b"{\"k\": \"NEEDLE\"}\n\n{\"k\": [1, 2}\n{\"k\": \"NEEDLE\"} {\"j\": \"NEEDLE\"}\r\n[\"NEEDLE\"]";
    let f = same_through_every_path(data, "e.jsonl");
    let recs: Vec<_> = f
        .found
        .iter()
        .map(|l| {
            (
                l.record.unwrap(),
                l.json_path.clone().unwrap(),
                l.line.unwrap(),
            )
        })
        .collect();
    assert_eq!(
        recs,
        [
            (0, "$.k".to_string(), 1),
            (3, "$.k".to_string(), 4),
            (3, "$.j".to_string(), 4),
            (4, "$[0]".to_string(), 5),
        ]
    );
    let (_, reasons, format) = run(data, "e.jsonl", usize::MAX, &Limits::default());
    assert_eq!(format, "jsonl");
    assert_eq!(reasons, ["MALFORMED_FILE"]);
}

#[test]
fn deep_json_is_guarded_without_overflowing_the_stack() {
    let data = "[".repeat(100_000);
    let (_, reasons, _) = run(data.as_bytes(), "deep.json", usize::MAX, &Limits::default());
    assert_eq!(reasons, ["JSON_NESTING_LEVEL_OVER_LIMIT"]);
    let data = format!("{}\"NEEDLE\"{}", "[".repeat(256), "]".repeat(256));
    let (f, reasons, _) = run(data.as_bytes(), "ok.json", usize::MAX, &Limits::default());
    assert!(reasons.is_empty(), "{reasons:?}");
    assert_eq!(f.found.len(), 1);
}

#[test]
fn unreadable_midway_keeps_what_was_read() {
    struct Failing<'a>(&'a [u8]);
    impl Read for Failing<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            if self.0.is_empty() {
                return Err(io::Error::other("disk on fire"));
            }
            let k = buf.len().min(self.0.len());
            buf[..k].copy_from_slice(&self.0[..k]);
            self.0 = &self.0[k..];
            Ok(k)
        }
    }
    let mut f = Finder::default();
    let out = extract(
        &mut Failing(b"line NEEDLE\n"),
        "x.txt",
        &Limits::default(),
        &mut f,
    );
    assert_eq!(out.reasons[0].code.as_str(), "READ_ERROR");
    assert_eq!(f.found.len(), 1);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn arbitrary_bytes_never_panic(
        data in prop::collection::vec(any::<u8>(), 0..2000),
        name in prop::sample::select(vec![
            "a.txt", "a.csv", "a.tsv", "a.json", "a.jsonl", "noext", "a.bin", "a.rtf", "a.br",
            "a.lz4", "a.msg", "a.ppt",
        ]),
        n in 1usize..64,
    ) {
        let _ = run(&data, name, n, &Limits::default());
    }

    #[test]
    fn json_like_bytes_never_panic(
        parts in prop::collection::vec(prop::sample::select(vec![
            "{", "}", "[", "]", ",", ":", "\"", "\\", "\\u12", "\\ud800", "1", "-", "e", ".",
            "true", "nul", " ", "\n", "\r", "NEEDLE", "\"k\":", "\u{0}", "\u{e9}",
        ]), 0..200),
        jsonl in any::<bool>(),
    ) {
        let data: String = parts.concat();
        let name = if jsonl { "x.jsonl" } else { "x.json" };
        let _ = run(data.as_bytes(), name, 5, &Limits::default());
    }

    #[test]
    fn csv_like_bytes_never_panic(
        parts in prop::collection::vec(prop::sample::select(vec![
            ",", ";", "\t", "\"", "\n", "\r\n", "a", "NEEDLE", "\"\"", "\u{0}", "\u{ff}",
        ]), 0..300),
    ) {
        let data: String = parts.concat();
        let _ = run(data.as_bytes(), "x.csv", 3, &Limits::default());
    }
}
