//! Compression layers and archives as other writers make them: xz branch/call filters and
//! headers we do not support, zstd dictionaries and corrupt frames, empty and damaged 7z,
//! zips behind script stubs; every reason a plain line. Fixtures generated here.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{Cursor, Write};

use trawl_formats::{extract, extract_seekable, Chunk, Limits, TextSink};

/// Every chunk's text and member path.
#[derive(Default)]
struct Texts(Vec<(Vec<String>, String)>);

impl TextSink for Texts {
    fn chunk(&mut self, c: &Chunk<'_>) {
        self.0.push((
            c.member.to_vec(),
            String::from_utf8_lossy(&c.text[c.report.clone()]).into_owned(),
        ));
    }
}

struct Out {
    texts: Texts,
    format: String,
    reasons: Vec<(String, String)>,
}

impl Out {
    fn text(&self) -> String {
        self.texts.0.iter().map(|t| t.1.as_str()).collect()
    }

    fn codes(&self) -> Vec<&str> {
        self.reasons.iter().map(|r| r.0.as_str()).collect()
    }

    /// No message is a Debug dump of an error.
    fn plain_messages(&self) {
        for (_, m) in &self.reasons {
            for dump in ["Io(", "Error {", "Custom {", "kind:"] {
                assert!(!m.contains(dump), "a Debug dump in a reason: {m}");
            }
        }
    }
}

fn out(texts: Texts, e: &trawl_formats::Extraction) -> Out {
    Out {
        texts,
        format: e.format.name().to_string(),
        reasons: e
            .reasons
            .iter()
            .map(|r| (r.code.as_str().to_string(), r.message.clone()))
            .collect(),
    }
}

fn run(data: &[u8], name: &str) -> Out {
    let mut texts = Texts::default();
    let e = extract(&mut Cursor::new(data), name, &Limits::default(), &mut texts);
    out(texts, &e)
}

fn run_seekable(data: &[u8], name: &str) -> Out {
    let mut texts = Texts::default();
    let e = extract_seekable(
        &mut Cursor::new(data),
        name,
        Some(data.len() as u64),
        &Limits::default(),
        &mut texts,
    );
    out(texts, &e)
}

const TEXT: &[u8] = b"name: Jane Roe\nemail jane.roe@example.com NEEDLE\n";

fn xz_with(filters: &liblzma::stream::Filters) -> Vec<u8> {
    let stream =
        liblzma::stream::Stream::new_stream_encoder(filters, liblzma::stream::Check::Crc64)
            .unwrap();
    let mut w = liblzma::write::XzEncoder::new_stream(Vec::new(), stream);
    w.write_all(TEXT).unwrap();
    w.finish().unwrap()
}

#[test]
fn xz_with_branch_call_filters_is_read() {
    let lzma2 = liblzma::stream::LzmaOptions::new_preset(6).unwrap();
    type Bcj = fn(&mut liblzma::stream::Filters) -> &mut liblzma::stream::Filters;
    let bcjs: [(&str, Bcj); 7] = [
        ("x86", liblzma::stream::Filters::x86),
        ("arm", liblzma::stream::Filters::arm),
        ("arm64", liblzma::stream::Filters::arm64),
        ("powerpc", liblzma::stream::Filters::powerpc),
        ("ia64", liblzma::stream::Filters::ia64),
        ("sparc", liblzma::stream::Filters::sparc),
        ("riscv", liblzma::stream::Filters::riscv),
    ];
    for (name, bcj) in bcjs {
        let mut filters = liblzma::stream::Filters::new();
        bcj(&mut filters);
        filters.lzma2(&lzma2);
        let out = run(&xz_with(&filters), "t.txt.xz");
        assert_eq!(out.format, "xz", "{name}");
        assert!(out.reasons.is_empty(), "{name}: {:?}", out.reasons);
        assert!(out.text().contains("NEEDLE"), "{name}");
    }
}

#[test]
fn xz_with_an_unsupported_block_header_is_unsupported_not_malformed() {
    let mut filters = liblzma::stream::Filters::new();
    filters.lzma2(&liblzma::stream::LzmaOptions::new_preset(1).unwrap());
    let mut data = xz_with(&filters);
    // The block header follows the 12-byte stream header: set a reserved flag bit, which the
    // format says a reader must refuse as unsupported, and fix the header's CRC32.
    let size = (usize::from(data[12]) + 1) * 4;
    data[13] |= 0x04;
    let mut crc = flate2::Crc::new();
    crc.update(&data[12..12 + size - 4]);
    data[12 + size - 4..12 + size].copy_from_slice(&crc.sum().to_le_bytes());
    let out = run(&data, "t.txt.xz");
    assert_eq!(
        out.codes(),
        ["UNSUPPORTED_FILE_TYPE_EXCEPTION"],
        "{:?}",
        out.reasons
    );
    // A corrupt one stays malformed.
    let mut bad = xz_with(&filters);
    let n = bad.len();
    bad[n / 2] ^= 0x55;
    let out = run(&bad, "t.txt.xz");
    assert!(out.codes().contains(&"MALFORMED_FILE"), "{:?}", out.reasons);
}

fn zstd_frame(data: &[u8]) -> Vec<u8> {
    zstd::stream::encode_all(data, 3).unwrap()
}

#[test]
fn zstd_frame_that_needs_a_dictionary_is_unsupported() {
    // A frame header naming dictionary 0x2a (single segment, 1-byte dictionary id and
    // content size), then a raw block of the text.
    let mut frame = vec![0x28, 0xb5, 0x2f, 0xfd, 0x21, 0x2a, TEXT.len() as u8];
    let block = ((TEXT.len() as u32) << 3) | 1; // last block, raw
    frame.extend_from_slice(&block.to_le_bytes()[..3]);
    frame.extend_from_slice(TEXT);
    let out = run(&frame, "x.log.zst");
    assert_eq!(out.format, "zstd");
    assert_eq!(
        out.codes(),
        ["UNSUPPORTED_FILE_TYPE_EXCEPTION"],
        "{:?}",
        out.reasons
    );
    assert!(out.reasons[0].1.contains("dictionary"), "{:?}", out.reasons);
}

#[test]
fn corrupt_compressed_data_is_malformed_not_a_read_error() {
    let text: Vec<u8> = (0..4000u32)
        .flat_map(|i| format!("line {i} value {}\n", i * 7919 % 1000).into_bytes())
        .collect();
    let mut data = zstd_frame(&text);
    let n = data.len();
    for b in &mut data[n / 3..n / 3 + 16] {
        *b ^= 0xa5;
    }
    let out = run(&data, "x.log.zst");
    assert!(!out.codes().contains(&"READ_ERROR"), "{:?}", out.reasons);
    assert!(out.codes().contains(&"MALFORMED_FILE"), "{:?}", out.reasons);
    out.plain_messages();
}

fn sevenz(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut w = sevenz_rust2::ArchiveWriter::new(Cursor::new(Vec::new())).unwrap();
    for (name, data) in entries {
        w.push_archive_entry(
            sevenz_rust2::ArchiveEntry::new_file(name),
            Some(Cursor::new(data.to_vec())),
        )
        .unwrap();
    }
    w.finish().unwrap().into_inner()
}

#[test]
fn empty_7z_is_an_empty_archive() {
    // The signature header alone: version 0.4, the CRC of the 20 zero bytes after it, and no
    // next header.
    let mut empty = b"7z\xbc\xaf\x27\x1c\x00\x04".to_vec();
    let mut crc = flate2::Crc::new();
    crc.update(&[0u8; 20]);
    empty.extend_from_slice(&crc.sum().to_le_bytes());
    empty.extend_from_slice(&[0u8; 20]);
    let out = run(&empty, "empty.7z");
    assert_eq!(out.format, "7z");
    assert!(out.reasons.is_empty(), "{:?}", out.reasons);
}

#[test]
fn damaged_7z_is_malformed_with_a_plain_message() {
    let text: Vec<u8> = (0..3000u32)
        .flat_map(|i| format!("row {i} NEEDLE {}\n", i * 31 % 97).into_bytes())
        .collect();
    let data = sevenz(&[("a.txt", &text), ("b.txt", TEXT)]);
    // The header cut off.
    let out = run(&data[..data.len() - 40], "a.7z");
    assert_eq!(out.codes(), ["MALFORMED_FILE"], "{:?}", out.reasons);
    out.plain_messages();
    // The packed data damaged: a CRC or decoder error is about the data, not I/O.
    let mut bad = data.clone();
    for b in &mut bad[200..232] {
        *b ^= 0x5a;
    }
    let out = run(&bad, "a.7z");
    assert!(out.codes().contains(&"MALFORMED_FILE"), "{:?}", out.reasons);
    assert!(!out.codes().contains(&"READ_ERROR"), "{:?}", out.reasons);
    out.plain_messages();
}

fn zip(files: &[(&str, &[u8])]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (name, data) in files {
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        w.start_file(*name, opts).unwrap();
        w.write_all(data).unwrap();
    }
    w.finish().unwrap().into_inner()
}

/// The same zip with a zip64 end of central directory (record and locator) before its
/// classic end record, whose fields then say "see zip64".
fn to_zip64(mut z: Vec<u8>) -> Vec<u8> {
    let end = z.len() - 22;
    assert_eq!(&z[end..end + 4], b"PK\x05\x06");
    let u16_at = |at: usize| u64::from(u16::from_le_bytes([z[at], z[at + 1]]));
    let u32_at = |at: usize| u64::from(u32::from_le_bytes(z[at..at + 4].try_into().unwrap()));
    let (entries, cd_size, cd_offset) = (u16_at(end + 10), u32_at(end + 12), u32_at(end + 16));
    let mut record = b"PK\x06\x06".to_vec();
    record.extend_from_slice(&44u64.to_le_bytes());
    record.extend_from_slice(&[45, 0, 45, 0]);
    record.extend_from_slice(&[0; 8]);
    for v in [entries, entries, cd_size, cd_offset] {
        record.extend_from_slice(&v.to_le_bytes());
    }
    let mut locator = b"PK\x06\x07".to_vec();
    locator.extend_from_slice(&0u32.to_le_bytes());
    locator.extend_from_slice(&(end as u64).to_le_bytes());
    locator.extend_from_slice(&1u32.to_le_bytes());
    let mut classic = z.split_off(end);
    classic[8..12].copy_from_slice(&[0xff; 4]);
    classic[12..20].copy_from_slice(&[0xff; 8]);
    z.extend(record);
    z.extend(locator);
    z.extend(classic);
    z
}

#[test]
fn zip_behind_a_long_script_stub_is_found_by_its_end_record() {
    let mut stub = b"#!/bin/sh\n# A self-extracting installer.\n".to_vec();
    while stub.len() < 3000 {
        stub.extend_from_slice(b"echo \"unpacking the archive that follows this script\"\n");
    }
    stub.extend_from_slice(b"exit 0\n");
    let plain = zip(&[("inside.txt", TEXT)]);
    for (kind, z) in [("zip", plain.clone()), ("zip64", to_zip64(plain))] {
        let mut sfx = stub.clone();
        sfx.extend(&z);
        for out in [run(&sfx, "installer"), run_seekable(&sfx, "installer")] {
            assert_eq!(out.format, "zip", "{kind}");
            assert!(out.reasons.is_empty(), "{kind}: {:?}", out.reasons);
            assert!(out.text().contains("NEEDLE"), "{kind}");
            assert_eq!(out.texts.0[0].0, ["inside.txt"], "{kind}");
        }
    }
    // A script without a zip is still text.
    let out = run(&stub, "install.sh");
    assert_eq!(out.format, "txt");
}

#[test]
fn an_io_failure_under_a_compression_layer_stays_a_read_error() {
    /// Yields its bytes, then fails.
    struct Failing(Vec<u8>, usize);
    impl std::io::Read for Failing {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            if self.1 >= self.0.len() {
                return Err(std::io::Error::other("connection reset"));
            }
            let k = buf.len().min(self.0.len() - self.1);
            buf[..k].copy_from_slice(&self.0[self.1..self.1 + k]);
            self.1 += k;
            Ok(k)
        }
    }
    // Text that compresses poorly, so that the compressed stream outlasts the head.
    let mut x = 0x2545_f491_4f6c_dd1du64;
    let text: String = (0..300_000)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            char::from(b"0123456789abcdef"[(x % 16) as usize])
        })
        .collect();
    for (name, data) in [
        ("t.txt.zst", zstd_frame(text.as_bytes())),
        ("t.txt.xz", {
            let mut w = liblzma::write::XzEncoder::new(Vec::new(), 1);
            w.write_all(text.as_bytes()).unwrap();
            w.finish().unwrap()
        }),
    ] {
        assert!(data.len() > 100_000, "{name}: {}", data.len());
        let cut = data[..90_000].to_vec();
        let mut texts = Texts::default();
        let e = extract(&mut Failing(cut, 0), name, &Limits::default(), &mut texts);
        let codes: Vec<&str> = e.reasons.iter().map(|r| r.code.as_str()).collect();
        assert_eq!(codes, ["READ_ERROR"], "{name}: {:?}", e.reasons);
    }
}
