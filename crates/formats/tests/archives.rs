//! Archives and compression layers: member paths, nesting, and every guard, on fixtures
//! generated here (and a few from the shared real-world corpus).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{Cursor, Write};

use trawl_formats::{extract, extract_seekable, Chunk, Limits, LineCursor, Location, TextSink};

mod common;

#[derive(Default)]
struct Finder {
    found: Vec<Location>,
    members: Vec<Vec<String>>,
}

impl TextSink for Finder {
    fn chunk(&mut self, c: &Chunk<'_>) {
        let mut cursor = LineCursor::default();
        let mut at = 0;
        while let Some(p) = c.text[at..].windows(6).position(|w| w == b"NEEDLE") {
            let pos = at + p;
            if c.report.contains(&pos) {
                self.found.push(c.locator.locate(c.text, pos, &mut cursor));
                self.members.push(c.member.to_vec());
            }
            at = pos + 1;
        }
    }
}

struct Out {
    finder: Finder,
    format: String,
    reasons: Vec<(String, Vec<String>)>,
}

fn out(finder: Finder, e: &trawl_formats::Extraction) -> Out {
    Out {
        finder,
        format: e.format.name().to_string(),
        reasons: e
            .reasons
            .iter()
            .map(|r| (r.code.as_str().to_string(), r.member.clone()))
            .collect(),
    }
}

fn run_with(data: &[u8], name: &str, limits: &Limits) -> Out {
    let mut finder = Finder::default();
    let e = extract(&mut Cursor::new(data), name, limits, &mut finder);
    out(finder, &e)
}

fn run(data: &[u8], name: &str) -> Out {
    run_with(data, name, &Limits::default())
}

fn gzip(data: &[u8], name: Option<&str>) -> Vec<u8> {
    let mut b = flate2::GzBuilder::new();
    if let Some(n) = name {
        b = b.filename(n);
    }
    let mut e = b.write(Vec::new(), flate2::Compression::fast());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

fn tar(files: &[(&str, &[u8])]) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    for (name, data) in files {
        let mut h = tar::Header::new_gnu();
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        h.set_cksum();
        b.append_data(&mut h, name, *data).unwrap();
    }
    b.into_inner().unwrap()
}

fn zip(files: &[(&str, &[u8])]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (i, (name, data)) in files.iter().enumerate() {
        let method = if i % 2 == 0 {
            zip::CompressionMethod::Deflated
        } else {
            zip::CompressionMethod::Stored
        };
        let opts = zip::write::SimpleFileOptions::default().compression_method(method);
        w.start_file(*name, opts).unwrap();
        w.write_all(data).unwrap();
    }
    w.finish().unwrap().into_inner()
}

fn strings(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

#[test]
fn gzip_member_named_from_header_or_outer_name() {
    let text = b"one\ntwo NEEDLE\n";
    let out = run(&gzip(text, Some("orig.log")), "x.gz");
    assert_eq!(out.format, "gzip");
    assert!(out.reasons.is_empty(), "{:?}", out.reasons);
    assert_eq!(out.finder.members, [strings(&["orig.log"])]);
    assert_eq!(out.finder.found[0].line, Some(2));
    let out = run(&gzip(text, None), "dir/app.log.gz");
    assert_eq!(out.finder.members, [strings(&["app.log"])]);
    // Multi-member gzip: both members are read.
    let mut two = gzip(b"NEEDLE 1\n", None);
    two.extend(gzip(b"NEEDLE 2\n", None));
    assert_eq!(run(&two, "m.gz").finder.found.len(), 2);
}

#[test]
fn other_compressions() {
    let text = b"a\nb NEEDLE\n";
    let mut bz = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::fast());
    bz.write_all(text).unwrap();
    let out = run(&bz.finish().unwrap(), "t.txt.bz2");
    assert_eq!(
        (out.format.as_str(), out.finder.members.clone()),
        ("bzip2", vec![strings(&["t.txt"])])
    );
    let mut xz = liblzma::write::XzEncoder::new(Vec::new(), 1);
    xz.write_all(text).unwrap();
    let out = run(&xz.finish().unwrap(), "t.txt.xz");
    assert_eq!((out.format.as_str(), out.finder.found.len()), ("xz", 1));
    let z = zstd::encode_all(&text[..], 1).unwrap();
    let out = run(&z, "t.txt.zst");
    assert_eq!((out.format.as_str(), out.finder.found.len()), ("zstd", 1));
}

#[test]
fn lz4_frames_and_brotli_streams_are_decompressed() {
    let text = b"a\nSSN 123-45-6789 NEEDLE\n";
    let mut lz = lz4_flex::frame::FrameEncoder::new(Vec::new());
    lz.write_all(text).unwrap();
    let lz = lz.finish().unwrap();
    let out = run(&lz, "t.txt.lz4");
    assert_eq!(out.format, "lz4");
    assert!(out.reasons.is_empty(), "{:?}", out.reasons);
    assert_eq!(out.finder.members, [strings(&["t.txt"])]);
    assert_eq!(out.finder.found[0].line, Some(2));
    let mut br = Vec::new();
    {
        let mut w = brotli::CompressorWriter::new(&mut br, 4096, 5, 22);
        w.write_all(text).unwrap();
    }
    // Brotli has no magic: known by its name.
    let out = run(&br, "dir/t.txt.br");
    assert_eq!(out.format, "brotli");
    assert!(out.reasons.is_empty(), "{:?}", out.reasons);
    assert_eq!(out.finder.members, [strings(&["t.txt"])]);
    assert_eq!(out.finder.found[0].line, Some(2)); // libarchive's lz4 test file (its manifest said unsupported before lz4 was read).
    if let Some(data) = corpus("lz4/la_compat_lz4_1.tar.lz4") {
        let mut finder = Finder::default();
        let e = extract(
            &mut Cursor::new(&data),
            "la_compat_lz4_1.tar.lz4",
            &Limits::default(),
            &mut finder,
        );
        assert_eq!(e.format.name(), "lz4");
        assert!(e.reasons.is_empty(), "{:?}", e.reasons);
    }
}

#[test]
fn corrupt_lz4_and_brotli_are_malformed_in_one_plain_line() {
    let mut lz = lz4_flex::frame::FrameEncoder::new(Vec::new());
    lz.write_all(&[b'x'; 5000]).unwrap();
    let mut lz = lz.finish().unwrap();
    let n = lz.len();
    lz[n / 2..].iter_mut().for_each(|b| *b = 0xA5);
    let mut br = Vec::new();
    {
        let mut w = brotli::CompressorWriter::new(&mut br, 4096, 5, 22);
        w.write_all(b"some text NEEDLE").unwrap();
    }
    br.truncate(br.len() / 2);
    for (data, name) in [
        (lz, "c.lz4"),
        (br, "c.br"),
        (b"not brotli".to_vec(), "n.br"),
    ] {
        let mut finder = Finder::default();
        let e = extract(
            &mut Cursor::new(&data),
            name,
            &Limits::default(),
            &mut finder,
        );
        let r: Vec<_> = e
            .reasons
            .iter()
            .map(|r| (r.code.as_str(), r.message.as_str()))
            .collect();
        assert_eq!(r.len(), 1, "{name}: {r:?}");
        assert_eq!(r[0].0, "MALFORMED_FILE", "{name}: {r:?}");
        assert!(
            !r[0].1.contains("Error") && !r[0].1.contains('{'),
            "{name}: {r:?}"
        );
    }
}

#[test]
fn tar_gz_members_and_locations() {
    let t = tar(&[
        ("docs/a.txt", b"x\ny\nz NEEDLE\n"),
        ("data/b.csv", b"id,secret\n1,NEEDLE\n"),
        ("data/c.json", br#"{"k": ["NEEDLE"]}"#),
    ]);
    let out = run(&gzip(&t, None), "backup.tgz");
    assert_eq!(out.format, "gzip");
    assert!(out.reasons.is_empty(), "{:?}", out.reasons);
    assert_eq!(
        out.finder.members,
        [
            strings(&["backup.tar", "docs/a.txt"]),
            strings(&["backup.tar", "data/b.csv"]),
            strings(&["backup.tar", "data/c.json"]),
        ]
    );
    assert_eq!(out.finder.found[0].line, Some(3));
    let cell = out.finder.found[1].cell.clone().unwrap();
    assert_eq!(
        (cell.row, cell.column, cell.column_name.as_deref()),
        (2, 2, Some("secret"))
    );
    assert_eq!(out.finder.found[2].json_path.as_deref(), Some("$.k[0]"));
}

#[test]
fn zip_members_nested_and_unsupported() {
    let inner = zip(&[("deep.txt", b"NEEDLE deep\n")]);
    let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
    let z = zip(&[
        ("a.txt", b"NEEDLE a\n"),
        ("inner.zip", &inner),
        ("img.png", png),
        ("dir/b.txt", b"\nNEEDLE b\n"),
    ]);
    for seekable in [false, true] {
        let mut finder = Finder::default();
        let e = if seekable {
            extract_seekable(
                &mut Cursor::new(&z),
                "outer.zip",
                None,
                &Limits::default(),
                &mut finder,
            )
        } else {
            extract(
                &mut Cursor::new(&z),
                "outer.zip",
                &Limits::default(),
                &mut finder,
            )
        };
        assert_eq!(e.format.name(), "zip");
        assert_eq!(
            finder.members,
            [
                strings(&["a.txt"]),
                strings(&["inner.zip", "deep.txt"]),
                strings(&["dir/b.txt"])
            ]
        );
        assert_eq!(e.reasons.len(), 1);
        assert_eq!(
            e.reasons[0].code.as_str(),
            "ARCHIVE_CONTAINS_UNPROCESSED_FILES"
        );
        assert_eq!(e.reasons[0].member, strings(&["img.png"]));
    }
}

#[test]
fn nesting_deeper_than_ten_is_not_read_but_what_is_above_is() {
    // Level k (1..=11) holds "NEEDLE k" and the zip of level k+1.
    let mut current = zip(&[("level11.txt", b"NEEDLE 11\n")]);
    for k in (1..=10).rev() {
        let text = format!("NEEDLE {k}\n");
        current = zip(&[
            (&format!("level{k}.txt"), text.as_bytes()),
            (&format!("nest{}.zip", k + 1), &current),
        ]);
    }
    let out = run(&current, "nest1.zip");
    // Ten levels of text are read; the eleventh is not.
    assert_eq!(out.finder.found.len(), 10);
    let deepest = out.finder.members.iter().map(|m| m.len()).max().unwrap();
    assert_eq!(deepest, 10);
    assert_eq!(out.reasons.len(), 1, "{:?}", out.reasons);
    assert_eq!(out.reasons[0].0, "ARCHIVE_NESTING_LEVEL_OVER_LIMIT");
    assert_eq!(out.reasons[0].1.len(), 11);
    assert_eq!(
        out.reasons[0].1.last().map(String::as_str),
        Some("level11.txt")
    );
}

#[test]
fn gzip_bomb_stops_at_the_limit() {
    // 300 MiB of one letter compress to about 300 KiB: a ratio only a bomb has.
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    let zeros = vec![b'a'; 1 << 20];
    e.write_all(b"NEEDLE first\n").unwrap();
    for _ in 0..300 {
        e.write_all(&zeros).unwrap();
    }
    let bomb = e.finish().unwrap();
    let out = run(&bomb, "bomb.txt.gz");
    assert_eq!(
        out.reasons[0].0, "ARCHIVE_TOTAL_BYTES_EXTRACTED_OVER_LIMIT",
        "{:?}",
        out.reasons
    );
    // An absolute limit applies too.
    let limits = Limits {
        max_total_bytes: 10 << 20,
        ..Limits::default()
    };
    let text: Vec<u8> = b"NEEDLE line\n".repeat(2 << 20);
    let out = run_with(&gzip(&text, None), "big.gz", &limits);
    assert_eq!(out.reasons[0].0, "ARCHIVE_TOTAL_BYTES_EXTRACTED_OVER_LIMIT");
    // What came before the limit was scanned.
    assert!(out.finder.found.len() > 100_000);
}

#[test]
fn member_count_limit() {
    let files: Vec<(String, Vec<u8>)> = (0..10)
        .map(|i| (format!("f{i}.txt"), b"NEEDLE\n".to_vec()))
        .collect();
    let refs: Vec<(&str, &[u8])> = files
        .iter()
        .map(|(n, d)| (n.as_str(), d.as_slice()))
        .collect();
    let limits = Limits {
        max_members: 4,
        ..Limits::default()
    };
    let out = run_with(&zip(&refs), "many.zip", &limits);
    assert_eq!(out.finder.found.len(), 4);
    assert_eq!(
        out.reasons[0].0,
        "ARCHIVE_TOTAL_DOCUMENTS_PROCESSED_OVER_LIMIT"
    );
}

#[test]
fn truncated_archives_keep_what_was_read() {
    let big: Vec<u8> = (0..20_000)
        .flat_map(|i| format!("line {i} NEEDLE\n").into_bytes())
        .collect();
    let t = tar(&[("a.txt", b"NEEDLE a\n"), ("b.txt", &big)]);
    let gz = gzip(&t, None);
    let cut = &gz[..gz.len() / 2];
    let out = run(cut, "cut.tar.gz");
    assert!(
        out.reasons.iter().any(|r| r.0 == "MALFORMED_FILE"),
        "{:?}",
        out.reasons
    );
    assert!(out.finder.found.len() > 1000);
    assert_eq!(out.finder.members[0], strings(&["cut.tar", "a.txt"]));
    // A zip cut short has no central directory: malformed, nothing read.
    let z = zip(&[("a.txt", b"NEEDLE\n")]);
    let out = run(&z[..z.len() - 30], "cut.zip");
    assert_eq!(out.reasons[0].0, "MALFORMED_FILE");
}

#[test]
fn time_budget() {
    let limits = Limits {
        time_budget: Some(std::time::Duration::ZERO),
        ..Limits::default()
    };
    let out = run_with(&gzip(b"NEEDLE\n", None), "t.gz", &limits);
    assert_eq!(out.reasons[0].0, "TIME_CUT_OFF_REACHED");
}

fn corpus(rel: &str) -> Option<Vec<u8>> {
    std::fs::read(common::corpus()?.join(rel)).ok()
}

#[test]
fn encrypted_member_beside_a_plain_one() {
    let Some(data) = corpus("zip/testZipEncrypted.zip") else {
        return;
    };
    let out = run(&data, "testZipEncrypted.zip");
    assert_eq!(out.reasons.len(), 1, "{:?}", out.reasons);
    assert_eq!(out.reasons[0].0, "ENCRYPTED_CONTENT");
    assert_eq!(out.reasons[0].1, strings(&["encrypted.txt"]));
}

#[test]
fn quines_terminate() {
    for name in ["zip/droste.zip", "gz/quine.gz"] {
        let Some(data) = corpus(name) else {
            return;
        };
        let out = run(&data, name);
        assert!(!out.reasons.is_empty(), "{name}");
    }
}

/// Fuzz regression (extract target, out-of-memory): binary content named `.xz` whose header the
/// liblzma auto decoder read as legacy .lzma asking for a 4 GiB dictionary. Only the .xz stream
/// format is decoded now, under a memory limit.
#[test]
fn fuzz_regression_xz_huge_dictionary() {
    // The artifact without its first byte (the fuzz target's name selector).
    let mut data = vec![0x00u8];
    data.extend(std::iter::repeat_n(0xffu8, 45));
    data.extend_from_slice(&[0x5b, 0x40, 0x00, 0x00]);
    let out = run(&data, "a.xz");
    assert_eq!(out.format, "xz");
    assert!(
        out.reasons.iter().any(|r| r.0 == "MALFORMED_FILE"),
        "{:?}",
        out.reasons
    );
}

fn run_seekable(data: &[u8], name: &str) -> Out {
    let mut finder = Finder::default();
    let e = extract_seekable(
        &mut Cursor::new(data),
        name,
        Some(data.len() as u64),
        &Limits::default(),
        &mut finder,
    );
    out(finder, &e)
}

#[test]
fn self_extracting_zip_behind_an_executable_stub() {
    let mut sfx = b"MZ\x90\x00stub code that unpacks what follows".to_vec();
    sfx.resize(4096, 0xcc);
    sfx.extend(zip(&[("inside.txt", b"x NEEDLE\n")]));
    for out in [run(&sfx, "setup.bin"), run_seekable(&sfx, "setup.bin")] {
        assert_eq!(out.format, "zip");
        assert!(out.reasons.is_empty(), "{:?}", out.reasons);
        assert_eq!(out.finder.members, [strings(&["inside.txt"])]);
    }
    // An executable without a zip stays unsupported binary; so does a non-executable blob
    // with a zip tail (its tail is not looked at).
    let mut exe = b"MZ\x90\x00".to_vec();
    exe.resize(10_000, 0x90);
    let out = run(&exe, "tool.exe");
    assert_eq!(out.format, "binary");
    assert_eq!(out.reasons[0].0, "UNSUPPORTED_FILE_TYPE_EXCEPTION");
    let mut blob = vec![0xffu8, 0xd8, 0xff, 0x00];
    blob.resize(4096, 0x11);
    blob.extend(zip(&[("inside.txt", b"x NEEDLE\n")]));
    assert!(run(&blob, "photo.dat").finder.found.is_empty());
}

#[test]
fn pkware_strong_encryption_is_encrypted_not_corrupt() {
    // A local header with flags 0x2041 (encrypted, strong encryption, central directory
    // encrypted) and no readable central directory.
    let mut z = b"PK\x03\x04\x33\x00\x41\x20\x00\x00".to_vec();
    z.resize(600, 0x5a);
    for out in [run(&z, "secret.zip"), run_seekable(&z, "secret.zip")] {
        assert_eq!(out.format, "zip");
        assert_eq!(out.reasons[0].0, "ENCRYPTED_CONTENT", "{:?}", out.reasons);
    }
    // Without the flags the same bytes are a corrupt zip.
    z[6] = 0;
    z[7] = 0;
    assert_eq!(run(&z, "broken.zip").reasons[0].0, "MALFORMED_FILE");
}

/// The end-of-central-directory record of a zip built here (no comment): its offset.
fn eocd(z: &[u8]) -> usize {
    z.len() - 22
}

#[test]
fn zip_with_an_inconsistent_directory_end_is_malformed() {
    let good = zip(&[("a.txt", b"NEEDLE a\n"), ("b.txt", b"NEEDLE b\n")]);
    // Each case must be reported as malformed, by a seekable and a streamed read.
    let mut missed = Vec::new();
    let mut malformed = |z: &[u8], what: &str| {
        for out in [run(z, "x.zip"), run_seekable(z, "x.zip")] {
            if out.format != "zip" || !out.reasons.iter().any(|r| r.0 == "MALFORMED_FILE") {
                missed.push(format!("{what}: {} {:?}", out.format, out.reasons));
            }
        }
    };
    // The comment length of the last record runs past the end of the file, and a consistent
    // record hides before it (which the crate falls back to): a second directory for the
    // same entries, at the end, whose record claims a 1-byte comment that is not there.
    let e = eocd(&good);
    let cd_offset = u32::from_le_bytes(good[e + 16..e + 20].try_into().unwrap()) as usize;
    let mut z = good.clone();
    z.extend_from_slice(&good[cd_offset..e + 20]);
    let last = z.len() - 22 + 2;
    z[last + 16..last + 20].copy_from_slice(&(good.len() as u32).to_le_bytes());
    z.extend_from_slice(&[1, 0]);
    malformed(&z, "comment past the end");
    // The central directory size is too small: the directory is where the offset says, so
    // it does not end at the record (Go guesses its way through; this is reported).
    let mut z = good.clone();
    let size = u32::from_le_bytes(z[e + 12..e + 16].try_into().unwrap());
    z[e + 12..e + 16].copy_from_slice(&(size - 16).to_le_bytes());
    malformed(&z, "directory size");
    // The entry count is more than the directory could hold (the crate also refuses this).
    let mut z = good.clone();
    z[e + 8..e + 12].copy_from_slice(&[50, 0, 50, 0]);
    malformed(&z, "entry count");
    // A zip64 locator pointing to no zip64 record.
    let mut z = good[..e].to_vec();
    z.extend_from_slice(b"PK\x06\x07\0\0\0\0");
    z.extend_from_slice(&0u64.to_le_bytes());
    z.extend_from_slice(&1u32.to_le_bytes());
    z.extend_from_slice(&good[e..]);
    malformed(&z, "zip64 locator");
    assert!(missed.is_empty(), "{missed:#?}");
    // Consistent archives are not: junk after the record, a prefix before the zip.
    let mut z = good.clone();
    z.extend_from_slice(b"trailing junk");
    let out = run(&z, "x.zip");
    assert!(out.reasons.is_empty(), "{:?}", out.reasons);
    assert_eq!(out.finder.found.len(), 2);
    let mut z = b"#!/bin/sh\nexit 0\n".to_vec();
    z.extend_from_slice(&good);
    for out in [
        run(&z, "x.zip"),
        run_seekable(&z, "x.zip"),
        run(&z, "x.bin"),
    ] {
        assert_eq!(out.format, "zip");
        assert!(out.reasons.is_empty(), "{:?}", out.reasons);
        assert_eq!(out.finder.found.len(), 2);
    }
}

#[test]
fn zip_local_header_behind_a_prefix_is_read_as_a_zip() {
    // Go's readme.notzip: a line of text, then a zip's local header and data, but no
    // directory: a broken zip, not unsupported binary.
    let good = zip(&[("README", b"NEEDLE\0 readme\n")]);
    let cd = u32::from_le_bytes(good[eocd(&good) + 16..eocd(&good) + 20].try_into().unwrap());
    let mut z = b"very not a zip file\n".to_vec();
    z.extend_from_slice(&good[..cd as usize]);
    for out in [run(&z, "readme.notzip"), run_seekable(&z, "readme.notzip")] {
        assert_eq!(out.format, "zip");
        assert_eq!(out.reasons[0].0, "MALFORMED_FILE", "{:?}", out.reasons);
    }
    // Binary without a plausible local header stays binary.
    let mut b = b"\0\0\0\x01PK\x03\x04\xff\xff".to_vec();
    b.resize(200, 7);
    assert_eq!(run(&b, "blob.bin").format, "binary");
}

/// A tar header block of `kind` for `name` with `size` bytes of data.
fn tar_header(kind: tar::EntryType, name: &str, size: u64) -> Vec<u8> {
    let mut h = tar::Header::new_gnu();
    h.as_gnu_mut().unwrap().name[..name.len()].copy_from_slice(name.as_bytes());
    h.set_entry_type(kind);
    h.set_size(size);
    h.set_mode(0o644);
    h.set_cksum();
    h.as_bytes().to_vec()
}

/// Appends a member (header and data padded to a block) to a tar being built.
fn tar_member(t: &mut Vec<u8>, kind: tar::EntryType, name: &str, data: &[u8]) {
    t.extend(tar_header(kind, name, data.len() as u64));
    t.extend_from_slice(data);
    t.resize(t.len().next_multiple_of(512), 0);
}

fn pax(records: &[(&str, &[u8])]) -> Vec<u8> {
    let mut out = Vec::new();
    for (k, v) in records {
        let body = k.len() + v.len() + 3;
        let mut len = body + 1;
        while len != body + len.to_string().len() {
            len = body + len.to_string().len();
        }
        out.extend_from_slice(format!("{len} {k}=").as_bytes());
        out.extend_from_slice(v);
        out.push(b'\n');
    }
    out
}

fn tar_end(t: &mut Vec<u8>) {
    t.extend_from_slice(&[0u8; 1024]);
}

#[test]
fn tar_repeated_extension_headers_last_one_wins() {
    use tar::EntryType as T;
    let mut t = Vec::new();
    tar_member(
        &mut t,
        T::GNULongName,
        "././@LongLink",
        b"first/long/name.txt\0",
    );
    tar_member(
        &mut t,
        T::GNULongName,
        "././@LongLink",
        b"second/long/name.txt\0",
    );
    tar_member(&mut t, T::Regular, "short", b"NEEDLE gnu\n");
    tar_member(
        &mut t,
        T::XHeader,
        "pax1",
        &pax(&[("path", b"pax/first.txt")]),
    );
    tar_member(
        &mut t,
        T::XHeader,
        "pax2",
        &pax(&[("path", b"pax/second.txt")]),
    );
    tar_member(&mut t, T::Regular, "short2", b"NEEDLE pax\n");
    tar_end(&mut t);
    let out = run(&t, "multi.tar");
    assert!(out.reasons.is_empty(), "{:?}", out.reasons);
    assert_eq!(
        out.finder.members,
        [
            strings(&["second/long/name.txt"]),
            strings(&["pax/second.txt"])
        ]
    );
}

#[test]
fn tar_volume_label_is_not_a_member() {
    use tar::EntryType as T;
    let mut t = Vec::new();
    // With an empty size field, as GNU tar writes labels.
    let mut label = tar::Header::new_gnu();
    label
        .as_mut_bytes()
        .copy_from_slice(&tar_header(T::new(b'V'), "backup volume 1", 0));
    label.as_mut_bytes()[124..136].fill(0);
    label.set_cksum();
    t.extend_from_slice(label.as_bytes());
    tar_member(&mut t, T::Regular, "a.txt", b"NEEDLE\n");
    tar_end(&mut t);
    let out = run(&t, "label.tar");
    assert!(out.reasons.is_empty(), "{:?}", out.reasons);
    assert_eq!(out.finder.members, [strings(&["a.txt"])]);
}

#[test]
fn tar_malformed_pax_records_are_malformed() {
    use tar::EntryType as T;
    for (what, records) in [
        ("wrong length", b"99 path=a.txt\n".to_vec()),
        ("no newline", b"13 path=a.txt ".to_vec()),
        ("NUL in path", pax(&[("path", b"a\0b.txt")])),
    ] {
        let mut t = Vec::new();
        tar_member(&mut t, T::XHeader, "pax", &records);
        tar_member(&mut t, T::Regular, "a.txt", b"NEEDLE\n");
        tar_end(&mut t);
        let out = run(&t, "bad.tar");
        assert_eq!(
            out.reasons[0].0, "MALFORMED_FILE",
            "{what}: {:?}",
            out.reasons
        );
    }
    // Extension headers with no member after them.
    let mut t = Vec::new();
    tar_member(&mut t, T::GNULongLink, "././@LongLink", b"target\0");
    assert_eq!(run(&t, "dangling.tar").reasons[0].0, "MALFORMED_FILE");
    // An oversized extension header is refused before it is read.
    let mut t = tar_header(T::XHeader, "pax", 2 << 20);
    t.resize(t.len() + (2 << 20), b'1');
    tar_end(&mut t);
    assert_eq!(run(&t, "big.tar").reasons[0].0, "MALFORMED_FILE");
}

#[test]
fn tar_old_gnu_sparse_member_is_read_as_stored() {
    // An old-GNU sparse member whose regions continue in an extension block, with a region
    // that is not a multiple of 512 bytes before the last one (which the tar crate refuses).
    let data = b"NEEDLE one\nNEEDLE two\n";
    let mut h = tar::Header::new_gnu();
    let gnu = h.as_gnu_mut().unwrap();
    gnu.name[..6].copy_from_slice(b"sparse");
    let octal = |field: &mut [u8], n: u64| {
        let s = format!("{n:0w$o}\0", w = field.len() - 1);
        field.copy_from_slice(s.as_bytes());
    };
    octal(&mut gnu.sparse[0].offset, 0);
    octal(&mut gnu.sparse[0].numbytes, 11);
    gnu.isextended[0] = 1;
    octal(&mut gnu.realsize, 8192);
    h.set_entry_type(tar::EntryType::GNUSparse);
    h.set_size(data.len() as u64);
    h.set_mode(0o644);
    h.set_cksum();
    let mut t = h.as_bytes().to_vec();
    let mut ext = [0u8; 512];
    octal(&mut ext[0..12], 4096);
    octal(&mut ext[12..24], 11);
    t.extend_from_slice(&ext);
    t.extend_from_slice(data);
    t.resize(t.len().next_multiple_of(512), 0);
    tar_member(
        &mut t,
        tar::EntryType::Regular,
        "after.txt",
        b"NEEDLE three\n",
    );
    tar_end(&mut t);
    let out = run(&t, "sparse.tar");
    assert!(out.reasons.is_empty(), "{:?}", out.reasons);
    assert_eq!(out.finder.found.len(), 3);
    assert_eq!(out.finder.members[2], strings(&["after.txt"]));
}

#[test]
fn tar_pax_sparse_map_is_skipped() {
    // A PAX sparse member of format 1.0: its data starts with the region map (a block of
    // decimal lines padded with NULs), then the regions; the member is named by
    // GNU.sparse.name.
    use tar::EntryType as T;
    let mut t = Vec::new();
    let records = pax(&[
        ("GNU.sparse.major", b"1"),
        ("GNU.sparse.minor", b"0"),
        ("GNU.sparse.name", b"real.txt"),
        ("GNU.sparse.realsize", b"4108"),
    ]);
    tar_member(&mut t, T::XHeader, "pax", &records);
    let mut data = b"1\n4096\n12\n".to_vec();
    data.resize(512, 0);
    data.extend_from_slice(b"NEEDLE data\n");
    tar_member(&mut t, T::Regular, "GNUSparseFile.0/real.txt", &data);
    tar_end(&mut t);
    let out = run(&t, "sparse.tar");
    assert!(out.reasons.is_empty(), "{:?}", out.reasons);
    assert_eq!(out.finder.members, [strings(&["real.txt"])]);
    // A map that is not numbers is malformed.
    let map = t.windows(6).position(|w| w == b"\n4096\n").unwrap();
    t[map + 1] = b'x';
    assert_eq!(run(&t, "bad.tar").reasons[0].0, "MALFORMED_FILE");
}
