//! The shared real-world corpora (`../shared/corpus/real` and `real2`): every file gets exactly
//! one record, nothing crashes, and each file gives what its MANIFEST.tsv expects, short of a
//! short list of known gaps, each with its reason.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

mod common;
use common::cli::*;

/// First-corpus files where this build falls short of MANIFEST.tsv, with why. Keep this list
/// short and honest: each entry is a known gap, reported in the issue notes.
const CORPUS_KNOWN_GAPS: &[(&str, &str)] = &[
    ("json/i_structure_500_nested_arrays.json", "500 levels: over the contract's 256-level limit, reported as JSON_NESTING_LEVEL_OVER_LIMIT"),
    ("gz/bad-varint-bug.avro.gz", "manifest looks wrong: the Avro inside is valid (one record, int_array [1, 2]); it is arrow-rs's test for its own varint bug"),
    ("doc/fuzz_POIHWPF-4951943183990784.doc", "manifest looks wrong for a piece-table reader: FIB and piece table are consistent and the text reads cleanly (POI crashes on structures we do not read)"),
    ("parquet/bad_ARROW-GH-45185.parquet", "parquet-rs reads it without an error"),
    ("parquet/nation.dict-malformed.parquet", "manifest says corrupt, but the same bytes are the second corpus's fastparquet_nation.dict.parquet, expected read: old parquet-mr left the dictionary page header out of the chunk size; its 25 rows are read, as pyarrow and DuckDB read them"),
    ("parquet/dict-page-offset-zero.parquet", "parquet-rs 60 cannot decode this footer (MALFORMED_FILE where pyarrow reads it)"),
    ("xml/huge_dtd.xml", "manifest looks wrong: the huge DTD is an external file that is never fetched, so nothing expands"),
    ("xml/xmlbomb2.xml", "manifest looks wrong: one 10-byte entity used once; nothing expands"),
    ("zst/duckdb_broken_test.csv.zst", "manifest looks wrong: `zstd -t` verifies the one frame and its XXH64 checksum, and the CSV inside is 101 well-formed rows of 5 fields"),
];

/// First-corpus formats checked strictly against MANIFEST.tsv.
const CORPUS_STRICT_FORMATS: &[&str] = &[
    "7z", "Z", "avro", "bz2", "csv", "doc", "docx", "gz", "html", "json", "jsonl", "lz4", "ods",
    "parquet", "rar", "tar", "tar+gzip", "tsv", "xls", "xlsb", "xlsx", "xml", "xz", "zip", "zst",
];

/// First-corpus files whose manifest expectation predates a format this build reads.
const CORPUS_BEYOND_MANIFEST: &[(&str, &str, &str)] = &[(
    "lz4/la_compat_lz4_1.tar.lz4",
    "extract",
    "lz4 frames are read since issue 19",
)];

/// Second-corpus files where this build falls short of MANIFEST.tsv, with why.
const CORPUS2_KNOWN_GAPS: &[(&str, &str)] = &[
    ("pdf/pdfjs_TAMReview.pdf", "decoder limit: its body font (a Cambria subset, CFF) names glyphs g18, g152, ... and has no ToUnicode map, so 50,733 of 60,106 glyphs map to no character anywhere in the file (pdfium gives the raw codes as control characters, pdfminer `(cid:N)`); only OCR would read it, so it is PARTIAL, honestly, not COMPLETE"),
];

/// Second-corpus files whose manifest expectation predates a format this build reads: the
/// expectation this build meets instead, and why.
const CORPUS2_BEYOND_MANIFEST: &[(&str, &str, &str)] = &[
    (
        "msg/omp_chinese_message.msg",
        "extract",
        "Outlook msg is read since issue 19",
    ),
    (
        "msg/omp_embedded_image.msg",
        "extract",
        "Outlook msg is read since issue 19",
    ),
    (
        "msg/omp_issue-16-rtf-sample-email.msg",
        "extract",
        "Outlook msg is read since issue 19",
    ),
    (
        "msg/omp_simple_reply_with_CC.msg",
        "extract",
        "Outlook msg is read since issue 19",
    ),
    (
        "msg/omp_tst_unicode.msg",
        "extract",
        "Outlook msg is read since issue 19",
    ),
    (
        "msg/omp_unsent_draft.msg",
        "extract",
        "Outlook msg is read since issue 19",
    ),
    (
        "ppt/olet_sample_with_vba.ppt",
        "extract",
        "PowerPoint 97 text is read since issue 19",
    ),
    (
        "ppt/olet_encrypted.ppt",
        "metadata-only-encrypted",
        "PowerPoint 97 is read since issue 19; this one is password-protected",
    ),
];

/// The shared real-world corpus: every file gets exactly one record and nothing crashes; for
/// the formats this build reads, each file gives what MANIFEST.tsv expects.
#[test]
fn real_world_corpus() {
    let Some(corpus) = common::corpus() else {
        return;
    };
    let checked = check_corpus(
        &corpus,
        Some(CORPUS_STRICT_FORMATS),
        CORPUS_KNOWN_GAPS,
        CORPUS_BEYOND_MANIFEST,
    );
    assert!(checked > 480, "only {checked} corpus files checked");
}

/// The second real-world corpus, every format strictly.
#[test]
fn second_real_world_corpus() {
    let Some(corpus) = common::corpus2() else {
        return;
    };
    let checked = check_corpus(&corpus, None, CORPUS2_KNOWN_GAPS, CORPUS2_BEYOND_MANIFEST);
    assert!(checked >= 296, "only {checked} corpus files checked");
}

/// Scans `corpus` and checks each file of its manifest (of `strict` formats, or all) against
/// its expectation; returns how many files were checked.
fn check_corpus(
    corpus: &Path,
    strict: Option<&[&str]>,
    gaps: &[(&str, &str)],
    beyond: &[(&str, &str, &str)],
) -> usize {
    let text = std::fs::read_to_string(corpus.join("MANIFEST.tsv")).unwrap();
    let started = std::time::Instant::now();
    let run = scan_dir(corpus, &["-q"]);
    assert_eq!(run.code(), 0, "{}", run.stderr());
    assert_eq!(run.records.len(), walk_count(corpus));
    // Bounded time: the whole corpus (bombs and quines included) in well under a minute.
    assert!(
        started.elapsed().as_secs() < 120,
        "corpus took {:?}",
        started.elapsed()
    );
    let mut checked = 0;
    let mut failures = Vec::new();
    for line in text.lines().skip(1) {
        let cols: Vec<&str> = line.split('\t').collect();
        let (path, format, mut expect) = (cols[0], cols[1], cols[9]);
        let r = run.record(path);
        if strict.is_some_and(|s| !s.contains(&format)) {
            continue;
        }
        let gap = gaps.iter().any(|(p, _)| *p == path);
        if let Some((_, instead, _)) = beyond.iter().find(|(p, _, _)| *p == path) {
            expect = instead;
        }
        checked += 1;
        // The manifest labels the file's own format (the archive, the compression layer):
        // a member whose own text is ill-formed XML or JSON is that member's fault. It is
        // reported MALFORMED_FILE naming the member (checked here) and scanned as text, and
        // does not count against the container.
        let own: Vec<_> = r
            .reasons
            .iter()
            .filter(|x| !(expect == "extract" && is_member_text_fault(x)))
            .collect();
        let codes: Vec<&str> = own.iter().map(|x| x.code.as_str()).collect();
        if gap {
            // A known gap that closed must leave the list, so that the list stays true.
            if meets(expect, &codes) {
                failures.push(format!(
                    "{path} [{expect}] is met now: take it off the known gaps"
                ));
            }
            checked -= 1;
            continue;
        }
        if !meets(expect, &codes) {
            failures.push(format!("{path} [{expect}]: {} {:?}", r.status, r.reasons));
        }
    }
    assert!(
        failures.is_empty(),
        "{} corpus files:\n{}",
        failures.len(),
        failures.join("\n")
    );
    checked
}

/// A reason saying that an archive member's own text (XML, JSON) is ill-formed, or nests
/// JSON deeper than the contract's limit, naming the member: its content was scanned as text
/// (or up to the limit), the container around it was extracted.
fn is_member_text_fault(reason: &trawl_scanner::ReasonOut) -> bool {
    let m = reason.message.as_str();
    if reason.member.is_empty() {
        return false;
    }
    if reason.code.as_str() == "JSON_NESTING_LEVEL_OVER_LIMIT" {
        return true;
    }
    reason.code.as_str() == "MALFORMED_FILE"
        && (m.starts_with("malformed XML:")
            || m == "no JSON value in the file"
            || m.starts_with("truncated XML:")
            || m.starts_with("no root element:")
            || m.starts_with("invalid JSON at line")
            || m.contains("are not valid JSON"))
}

/// Whether a record's reason codes meet a manifest expectation.
fn meets(expect: &str, codes: &[&str]) -> bool {
    let limit = |c: &&str| {
        matches!(
            *c,
            "ARCHIVE_TOTAL_BYTES_EXTRACTED_OVER_LIMIT"
                | "ARCHIVE_NESTING_LEVEL_OVER_LIMIT"
                | "ARCHIVE_TOTAL_DOCUMENTS_PROCESSED_OVER_LIMIT"
                | "OOXML_UNCOMPRESSED_RATIO_EXCEEDS_LIMIT"
                | "JSON_NESTING_LEVEL_OVER_LIMIT"
        )
    };
    match expect {
        // Members no extractor reads (images, say) are not errors of the archive.
        "extract" => codes
            .iter()
            .all(|c| *c == "ARCHIVE_CONTAINS_UNPROCESSED_FILES"),
        "corrupt" => codes
            .iter()
            .any(|c| limit(c) || matches!(*c, "MALFORMED_FILE" | "READ_ERROR")),
        "bomb-guard" => codes.iter().any(|c| limit(c) || *c == "MALFORMED_FILE"),
        "metadata-only-encrypted" => codes.contains(&"ENCRYPTED_CONTENT"),
        "unsupported" => codes.iter().any(|c| {
            matches!(
                *c,
                "UNSUPPORTED_FILE_TYPE_EXCEPTION" | "ARCHIVE_CONTAINS_UNPROCESSED_FILES"
            )
        }),
        other => panic!("unknown expectation {other}"),
    }
}
