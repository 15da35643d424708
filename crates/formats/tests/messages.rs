//! Outlook messages (.msg) and RTF documents, on fixtures generated here: headers, recipients,
//! bodies (plain, compressed RTF, HTML), attachments as members, and RTF decoded to text.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{Cursor, Write};

use proptest::prelude::*;

use trawl_formats::{extract, Chunk, Limits, LineCursor, TextSink};

mod common;

#[derive(Default)]
struct Finder {
    /// (member path, line, column) of each NEEDLE.
    found: Vec<(Vec<String>, Option<u64>, Option<u64>)>,
    /// The reported text of each member path, in order.
    text: Vec<(Vec<String>, String)>,
}

impl TextSink for Finder {
    fn chunk(&mut self, c: &Chunk<'_>) {
        let text = String::from_utf8_lossy(&c.text[c.report.clone()]).into_owned();
        match self.text.last_mut() {
            Some((m, t)) if m.as_slice() == c.member => t.push_str(&text),
            _ => self.text.push((c.member.to_vec(), text)),
        }
        let mut cursor = LineCursor::default();
        let mut at = 0;
        while let Some(p) = c.text[at..].windows(6).position(|w| w == b"NEEDLE") {
            let pos = at + p;
            if c.report.contains(&pos) {
                let l = c.locator.locate(c.text, pos, &mut cursor);
                self.found.push((c.member.to_vec(), l.line, l.column));
            }
            at = pos + 1;
        }
    }
}

struct Out {
    finder: Finder,
    format: String,
    reasons: Vec<(String, String, Vec<String>)>,
}

impl Out {
    fn text_of(&self, member: &[&str]) -> &str {
        self.finder
            .text
            .iter()
            .find(|(m, _)| m.iter().map(String::as_str).eq(member.iter().copied()))
            .map_or("", |(_, t)| t.as_str())
    }
}

fn run(data: &[u8], name: &str) -> Out {
    let mut finder = Finder::default();
    let e = extract(
        &mut Cursor::new(data),
        name,
        &Limits::default(),
        &mut finder,
    );
    Out {
        finder,
        format: e.format.name().to_string(),
        reasons: e
            .reasons
            .iter()
            .map(|r| {
                (
                    r.code.as_str().to_string(),
                    r.message.clone(),
                    r.member.clone(),
                )
            })
            .collect(),
    }
}

fn utf16(s: &str) -> Vec<u8> {
    s.encode_utf16().flat_map(u16::to_le_bytes).collect()
}

/// A compound file of `streams` (paths with their storages).
fn cfb_tree(streams: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut cf = cfb::CompoundFile::create(Cursor::new(Vec::new())).unwrap();
    for (path, data) in streams {
        if let Some((dir, _)) = path.rsplit_once('/') {
            if !dir.is_empty() {
                cf.create_storage_all(dir).unwrap();
            }
        }
        cf.create_stream(path).unwrap().write_all(data).unwrap();
    }
    cf.flush().unwrap();
    cf.into_inner().into_inner()
}

/// A properties stream: `header` bytes, then 32-bit fixed properties (id, value).
fn props(header: usize, fixed: &[(u16, u32)]) -> Vec<u8> {
    let mut p = vec![0u8; header];
    for (id, v) in fixed {
        p.extend(3u16.to_le_bytes());
        p.extend(id.to_le_bytes());
        p.extend(6u32.to_le_bytes());
        p.extend(v.to_le_bytes());
        p.extend(0u32.to_le_bytes());
    }
    p
}

/// The property streams of one storage `dir`: (id, UTF-16 text).
fn strings(dir: &str, list: &[(u16, &str)]) -> Vec<(String, Vec<u8>)> {
    list.iter()
        .map(|(id, s)| (format!("{dir}/__substg1.0_{id:04X}001F"), utf16(s)))
        .collect()
}

fn recipient(n: u32, kind: u32, name: &str, address: &str) -> Vec<(String, Vec<u8>)> {
    let dir = format!("/__recip_version1.0_#{n:08X}");
    let mut s = strings(&dir, &[(0x3001, name), (0x39FE, address)]);
    s.push((
        format!("{dir}/__properties_version1.0"),
        props(8, &[(0x0C15, kind)]),
    ));
    s
}

/// A message with a subject, a sender, three recipients, a body and two attachments (a text
/// file and an attached message).
fn full_msg() -> Vec<u8> {
    let mut s = vec![("/__properties_version1.0".to_string(), props(32, &[]))];
    s.extend(strings(
        "",
        &[
            (0x0037, "Card 4111 1111 1111 1111"),
            (0x0C1A, "Bob Sender"),
            (0x5D01, "bob@example.com"),
            (0x1000, "Hello,\r\nSSN 123-45-6789 NEEDLE\r\n"),
        ],
    ));
    s.extend(recipient(0, 1, "Ann To", "ann@example.com"));
    s.extend(recipient(1, 2, "Carl Cc", "carl@example.com"));
    s.extend(recipient(2, 3, "Dora Bcc", "dora@example.com"));
    let a0 = "/__attach_version1.0_#00000000";
    s.extend(strings(a0, &[(0x3707, "notes.txt")]));
    s.push((
        format!("{a0}/__substg1.0_37010102"),
        b"first\nNEEDLE in the attachment\n".to_vec(),
    ));
    let a1 = "/__attach_version1.0_#00000001";
    s.extend(strings(a1, &[(0x3001, "Forwarded")]));
    let inner = format!("{a1}/__substg1.0_3701000D");
    s.push((format!("{inner}/__properties_version1.0"), props(24, &[])));
    s.extend(strings(&inner, &[(0x0037, "NEEDLE inner subject")]));
    cfb_tree(&s)
}

#[test]
fn msg_headers_recipients_body_and_attachments() {
    let out = run(&full_msg(), "mail.msg");
    assert_eq!(out.format, "msg");
    assert!(out.reasons.is_empty(), "{:?}", out.reasons);
    assert_eq!(
        out.text_of(&[]),
        "Subject: Card 4111 1111 1111 1111\n\
         From: Bob Sender <bob@example.com>\n\
         To: Ann To <ann@example.com>\n\
         Cc: Carl Cc <carl@example.com>\n\
         Bcc: Dora Bcc <dora@example.com>\n\
         \n\
         Hello,\r\nSSN 123-45-6789 NEEDLE\n"
    );
    let found: Vec<(Vec<&str>, Option<u64>)> = out
        .finder
        .found
        .iter()
        .map(|(m, line, _)| (m.iter().map(String::as_str).collect(), *line))
        .collect();
    assert_eq!(
        found,
        [
            (vec![], Some(8)),
            (vec!["notes.txt"], Some(2)),
            (vec!["Forwarded.msg"], Some(1)),
        ]
    );
}

#[test]
fn msg_detected_by_content_under_another_name() {
    let out = run(&full_msg(), "attachment.doc");
    assert_eq!(out.format, "msg");
    assert_eq!(out.finder.found.len(), 3);
}

/// A message whose only body is `body` in the stream `name`.
fn msg_with_body(stream: &str, body: Vec<u8>) -> Vec<u8> {
    let mut s = vec![("/__properties_version1.0".to_string(), props(32, &[]))];
    s.extend(strings("", &[(0x0037, "RTF only")]));
    s.push((format!("/__substg1.0_{stream}"), body));
    cfb_tree(&s)
}

#[test]
fn msg_compressed_rtf_body_is_decoded() {
    let rtf = r"{\rtf1\ansi\ansicpg1252{\fonttbl\f0\fswiss Arial;}{\*\htmltag <p>}\f0 SSN 123-45-6789\par NEEDLE caf\'e9 \u8364?}";
    let body = compressed_rtf::compress_rtf(rtf).unwrap();
    let out = run(&msg_with_body("10090102", body), "rtf.msg");
    assert!(out.reasons.is_empty(), "{:?}", out.reasons);
    assert_eq!(
        out.text_of(&[]),
        "Subject: RTF only\n\nSSN 123-45-6789\nNEEDLE caf\u{e9} \u{20ac}\n"
    );
    assert_eq!(out.finder.found, [(vec![], Some(4), Some(1))]);
}

#[test]
fn msg_corrupt_compressed_rtf_is_malformed_in_one_line() {
    let mut body = compressed_rtf::compress_rtf(r"{\rtf1 NEEDLE}").unwrap();
    let n = body.len();
    body[n - 2] ^= 0xFF;
    let out = run(&msg_with_body("10090102", body), "bad.msg");
    assert_eq!(out.format, "msg");
    assert_eq!(out.reasons.len(), 1, "{:?}", out.reasons);
    assert_eq!(out.reasons[0].0, "MALFORMED_FILE");
    assert_eq!(
        out.reasons[0].1,
        "msg: compressed RTF body: CRC mismatch; not read"
    );
    // A forged header: sizes that do not match the stream.
    let mut forged = vec![0xFFu8; 16];
    forged.extend(b"LZFu");
    let out = run(&msg_with_body("10090102", forged), "forged.msg");
    assert_eq!(out.reasons[0].0, "MALFORMED_FILE");
    assert!(out.reasons[0]
        .1
        .starts_with("msg: compressed RTF body: header declares"));
}

#[test]
fn msg_html_body_is_a_member() {
    let html = b"<html><body><p>SSN 123-45-6789</p><p>NEEDLE</p></body></html>".to_vec();
    let out = run(&msg_with_body("10130102", html), "html.msg");
    assert!(out.reasons.is_empty(), "{:?}", out.reasons);
    assert_eq!(out.finder.found.len(), 1);
    assert_eq!(out.finder.found[0].0, ["body.html"]);
}

#[test]
fn msg_nested_messages_stop_at_the_depth_limit() {
    let mut s = Vec::new();
    let mut dir = String::new();
    for level in 0..12 {
        let header = if level == 0 { 32 } else { 24 };
        s.push((format!("{dir}/__properties_version1.0"), props(header, &[])));
        s.extend(strings(&dir, &[(0x0037, &format!("NEEDLE level {level}"))]));
        dir = format!("{dir}/__attach_version1.0_#00000000/__substg1.0_3701000D");
    }
    let out = run(&cfb_tree(&s), "deep.msg");
    assert_eq!(out.finder.found.len(), 11);
    assert_eq!(out.finder.found[10].0.len(), 10);
    let codes: Vec<&str> = out.reasons.iter().map(|r| r.0.as_str()).collect();
    assert_eq!(codes, ["ARCHIVE_NESTING_LEVEL_OVER_LIMIT"]);
}

#[test]
fn damaged_msg_never_panics_and_says_why_in_one_line() {
    let full = full_msg();
    for cut in (0..full.len()).step_by(509) {
        let out = run(&full[..cut], "cut.msg");
        for (code, message, _) in &out.reasons {
            assert!(
                !message.contains('\n') && !message.contains("kind:"),
                "{code}: {message}"
            );
        }
    }
    let mut flipped = full.clone();
    for i in (0..flipped.len()).step_by(97) {
        flipped[i] ^= 0x5A;
    }
    let _ = run(&flipped, "flipped.msg");
}

#[test]
fn rtf_is_decoded_to_lines() {
    let rtf = "{\\rtf1\\ansi\\ansicpg1252\\deff0{\\fonttbl{\\f0\\fnil\\fcharset0 Calibri;}{\\f1\\fcharset204 Arial;}}\r\n\
        {\\colortbl ;\\red255\\green0\\blue0;}{\\*\\generator Riched20;}\r\n\
        {\\info{\\title Payroll}{\\author Jane Roe}}\r\n\
        \\pard\\f0 Card: 4111 1111 1111 1111\\par\r\n\
        SSN 123-45-6789\\tab NEEDLE\\par\r\n\
        {\\pict\\pngblip 89504e47NEEDLE}\\f1 \\'cf\\'f0\\'e8\\u1074?\\line \\uc2\\u8364\\'80\\'80 x\\cell y\\row\r\n\
        {\\field{\\*\\fldinst HYPERLINK \"x\"}{\\fldrslt NEEDLE link}}\\par}";
    let out = run(rtf.as_bytes(), "doc.rtf");
    assert_eq!(out.format, "rtf");
    assert!(out.reasons.is_empty(), "{:?}", out.reasons);
    assert_eq!(
        out.text_of(&[]),
        "Payroll\nJane Roe\nCard: 4111 1111 1111 1111\nSSN 123-45-6789\tNEEDLE\n\
         \u{41f}\u{440}\u{438}\u{432}\n\u{20ac} x\ty\nNEEDLE link\n"
    );
    let lines: Vec<Option<u64>> = out.finder.found.iter().map(|f| f.1).collect();
    assert_eq!(lines, [Some(4), Some(7)]);
    // Known by content whatever the name.
    assert_eq!(run(rtf.as_bytes(), "upload.bin").format, "rtf");
}

#[test]
fn hostile_rtf_is_bounded_and_malformed() {
    let deep = format!(
        "{{\\rtf1 {}NEEDLE{}}}",
        "{".repeat(100_000),
        "}".repeat(100_000)
    );
    let out = run(deep.as_bytes(), "deep.rtf");
    assert_eq!(out.reasons[0].0, "MALFORMED_FILE");
    assert!(
        out.reasons[0].1.contains("nested deeper"),
        "{:?}",
        out.reasons
    );
    let out = run(b"{\\rtf1 NEEDLE \\bin4000000000 xx}", "bin.rtf");
    assert_eq!(out.finder.found.len(), 1);
    assert_eq!(
        out.reasons[0].1,
        "rtf: \\bin declares 4000000000 bytes of binary data, 3 are left"
    );
}

/// The real-world msg, rtf and ppt files (`../shared/corpus/real2`): each is read (its
/// manifest said `unsupported` before these extractors), the encrypted presentation is
/// `ENCRYPTED_CONTENT`, and each gives text.
#[test]
fn corpus_messages_rtf_and_ppt_are_read() {
    let Some(real) = common::corpus() else {
        return;
    };
    let real2 = real.with_file_name("real2");
    let mut failures = Vec::new();
    for dir in ["msg", "rtf", "ppt"] {
        let Ok(list) = std::fs::read_dir(real2.join(dir)) else {
            continue;
        };
        for f in list {
            let path = f.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            let out = run(&std::fs::read(&path).unwrap(), &name);
            let codes: Vec<&str> = out.reasons.iter().map(|r| r.0.as_str()).collect();
            let chars: usize = out.finder.text.iter().map(|(_, t)| t.trim().len()).sum();
            let ok = if name.contains("encrypted") {
                codes == ["ENCRYPTED_CONTENT"]
            } else {
                out.format == dir
                    && chars > 0
                    && codes
                        .iter()
                        .all(|c| *c == "ARCHIVE_CONTAINS_UNPROCESSED_FILES")
            };
            if !ok || std::env::var_os("TRAWL_SHOW").is_some() {
                let head: String = out
                    .finder
                    .text
                    .iter()
                    .map(|(m, t)| format!("{m:?}: {t}"))
                    .collect::<String>()
                    .chars()
                    .take(600)
                    .collect();
                eprintln!(
                    "{dir}/{name}: {} {:?} {chars} chars\n{head}\n",
                    out.format, out.reasons
                );
            }
            if !ok {
                failures.push(name);
            }
        }
    }
    assert!(failures.is_empty(), "{failures:?}");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn rtf_like_bytes_never_panic(
        parts in prop::collection::vec(prop::sample::select(vec![
            "{", "}", "\\", "\\'", "e9", "\\u", "-", "12345", "99999999999", "\\uc", "\\bin",
            "5", " ", "\\*", "\\fonttbl", "\\f", "\\fcharset", "134", "\\ansicpg", "936",
            "\\pict", "?", "NEEDLE", "\\par", "\\info", "\\title", "\u{ff}", "\r\n",
        ]), 0..300),
    ) {
        let data = format!("{{\\rtf1 {}", parts.concat());
        let _ = run(data.as_bytes(), "x.rtf");
    }
}
