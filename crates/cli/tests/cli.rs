//! The `trawl` binary as a user runs it: fixtures in a temp dir, JSON Lines parsed into the
//! contract's record types, exit codes checked.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;

use serde_json::Value;

mod common;
use common::cli::*;

#[test]
fn bundled_samples_give_one_complete_record_per_file() {
    let samples = workspace().join("testdata/samples");
    let run = scan_dir(&samples, &["--identifiers", "ALL"]);
    assert_eq!(run.code(), 0, "{}", run.stderr());
    let files = walk_count(&samples);
    assert_eq!(run.records.len(), files);
    let run_ids: std::collections::BTreeSet<_> = run.records.iter().map(|r| &r.run_id).collect();
    assert_eq!(run_ids.len(), 1);
    // Every contract field is present in every record and occurrence.
    for raw in &run.raw {
        for f in [
            "schema",
            "run_id",
            "job_id",
            "object",
            "status",
            "reasons",
            "format",
            "bytes_scanned",
            "severity",
            "detections",
        ] {
            assert!(raw.get(f).is_some(), "missing {f} in {raw}");
        }
        for f in [
            "storage",
            "bucket",
            "key",
            "uri",
            "size",
            "last_modified",
            "etag",
            "version_id",
            "encryption",
        ] {
            assert!(raw["object"].get(f).is_some(), "missing object.{f}");
        }
        for d in raw["detections"].as_array().unwrap() {
            for o in d["occurrences"].as_array().unwrap() {
                for f in [
                    "member",
                    "line",
                    "column",
                    "offset",
                    "length",
                    "cell",
                    "record",
                    "json_path",
                    "page",
                    "masked",
                ] {
                    assert!(o.get(f).is_some(), "missing occurrence.{f}");
                }
                assert!(o.get("value").is_none(), "raw value without --reveal");
            }
        }
    }
    for r in &run.records {
        assert_eq!(r.schema, "trawl.result/v1");
        assert_eq!(r.object.storage.as_str(), "local");
        assert_eq!(r.object.bucket, None);
        assert!(r.object.uri.starts_with("file:///"), "{}", r.object.uri);
        assert!(r.object.uri.ends_with(&r.object.key));
        assert!(r.object.last_modified.as_deref().unwrap().ends_with('Z'));
    }
    let app = run.record("app.log");
    assert_eq!(app.status.as_str(), "COMPLETE");
    assert_eq!(app.format, "txt");
    assert_eq!(app.severity.map(|s| s.as_str()), Some("HIGH"));
    let key = detection(app, "AWS_ACCESS_KEY_ID");
    assert_eq!(key.occurrences[0].line, Some(3));
    assert_eq!(key.occurrences[0].masked, "AKIA************XCPE");
    assert_eq!(
        detection(app, "AWS_CREDENTIALS").occurrences[0].line,
        Some(4)
    );
    // Documentation example keys are never reported.
    assert!(run.record("config/deploy.env").detections.is_empty());
    let csv = run.record("customers.csv");
    assert_eq!(csv.format, "csv");
    assert_eq!(detection(csv, "USA_SOCIAL_SECURITY_NUMBER").count, 2);
    assert_eq!(detection(csv, "CREDIT_CARD_NUMBER").count, 2);
    let png = run.record("logo.png");
    assert_eq!(png.status.as_str(), "SKIPPED");
    assert_eq!(
        png.reasons[0].code.as_str(),
        "UNSUPPORTED_FILE_TYPE_EXCEPTION"
    );
    let pem = run.record("keys/id_rsa");
    let pkcs = detection(pem, "PKCS");
    assert_eq!(pkcs.occurrences[0].line, Some(1));
    assert_eq!(pkcs.occurrences[0].offset, Some(0));
    assert_eq!(
        pkcs.occurrences[0].length,
        std::fs::read(samples.join("keys/id_rsa")).unwrap().len() as u64 - 1
    );
    assert_eq!(
        pkcs.occurrences[0].masked,
        "-----BEGIN RSA PRIVATE KEY-----********"
    );
    let utf16 = run.record("export-utf16.txt");
    assert_eq!(
        detection(utf16, "USA_SOCIAL_SECURITY_NUMBER").occurrences[0].line,
        Some(2)
    );
    // The human summary goes to standard error.
    assert!(run.stderr().contains("scanned"), "{}", run.stderr());
}

#[test]
fn text_locations_masks_and_reveal() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "notes.txt",
        format!("first line\nsecond: visa {CARD} ok\n\nssn 536-22-8921\n"),
    );
    let run = scan_dir(dir.path(), &[]);
    let r = run.record("notes.txt");
    let card = detection(r, "CREDIT_CARD_NUMBER");
    let o = &card.occurrences[0];
    assert_eq!(
        (o.line, o.column, o.offset, o.length),
        (Some(2), Some(14), Some(24), 16)
    );
    assert_eq!(o.masked, "453922******7675");
    assert_eq!(o.member, Vec::<String>::new());
    assert_eq!(
        (o.cell.as_ref(), o.record, o.json_path.as_ref(), o.page),
        (None, None, None, None)
    );
    assert_eq!(o.value, None);
    let ssn = detection(r, "USA_SOCIAL_SECURITY_NUMBER");
    assert_eq!(ssn.occurrences[0].line, Some(4));
    assert_eq!(ssn.occurrences[0].column, Some(5));
    assert_eq!(ssn.occurrences[0].masked, "***-**-8921");
    assert!(!run.stdout().contains(CARD));

    let run = scan_dir(dir.path(), &["--reveal"]);
    let r = run.record("notes.txt");
    assert_eq!(
        detection(r, "CREDIT_CARD_NUMBER").occurrences[0]
            .value
            .as_deref(),
        Some(CARD)
    );

    // Human output never shows raw values, even with --reveal.
    let out = trawl()
        .args(["scan", dir.path().to_str().unwrap(), "--reveal"])
        .output()
        .unwrap();
    let all = [out.stdout, out.stderr].concat();
    assert!(!String::from_utf8_lossy(&all).contains(CARD));
}

#[test]
fn keyword_rules_at_the_cli() {
    let dir = tempfile::tempdir().unwrap();
    let far = ".".repeat(31);
    write(dir.path(), "a.txt", format!("card {far}{CARD}\n"));
    write(dir.path(), "b.txt", format!("ssn {far}536-22-8921\n"));
    write(
        dir.path(),
        "c.txt",
        "card 4111111111111111 and 5555555555554444\n",
    );
    write(
        dir.path(),
        "d.txt",
        format!("credit card {}\n", "4539227423747676"),
    );
    write(dir.path(), "e.txt", "SSN 666-22-8921 and ssn 536-00-8921\n");
    write(dir.path(), "f.txt", format!("secret key: {SECRET}A\n"));
    let run = scan_dir(dir.path(), &["--identifiers", "ALL"]);
    // 31 characters away: the keyword does not count, so the twin reports the card.
    assert_eq!(
        types(run.record("a.txt")),
        BTreeMap::from([("CREDIT_CARD_NUMBER_(NO_KEYWORD)".to_string(), 1)])
    );
    assert!(run.record("b.txt").detections.is_empty());
    assert!(
        run.record("c.txt").detections.is_empty(),
        "published test numbers"
    );
    assert!(run.record("d.txt").detections.is_empty(), "Luhn failure");
    assert!(
        run.record("e.txt").detections.is_empty(),
        "invalid SSN parts"
    );
    assert!(
        run.record("f.txt").detections.is_empty(),
        "41-character key"
    );
    // RECOMMENDED (the default) has no NO_KEYWORD twin.
    let run = scan_dir(dir.path(), &[]);
    assert!(run.record("a.txt").detections.is_empty());
}

#[test]
fn csv_cells_with_header_keywords() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "people.csv",
        format!("name,SSN,remarks\n\"Doe, J\",536-22-8921,\"multi\nline visa {CARD}\"\nRoe,412-67-3390,none\n"),
    );
    write(
        dir.path(),
        "semi.csv",
        format!("id;tax;card_no\n1;x;{CARD}\n"),
    );
    write(dir.path(), "tabs.tsv", "id\tssn\n1\t536228921\n");
    let run = scan_dir(dir.path(), &[]);
    let r = run.record("people.csv");
    assert_eq!(r.format, "csv");
    let ssn = detection(r, "USA_SOCIAL_SECURITY_NUMBER");
    assert_eq!(ssn.count, 2);
    let c = ssn.occurrences[0].cell.as_ref().unwrap();
    assert_eq!(
        (c.row, c.column, c.column_name.as_deref()),
        (2, 2, Some("SSN"))
    );
    assert_eq!((c.sheet.as_ref(), c.reference.as_ref()), (None, None));
    let c = ssn.occurrences[1].cell.as_ref().unwrap();
    // The quoted cell spanning two lines is still one row.
    assert_eq!((c.row, c.column), (3, 2));
    assert_eq!(ssn.occurrences[1].line, Some(4));
    let card = detection(r, "CREDIT_CARD_NUMBER");
    let c = card.occurrences[0].cell.as_ref().unwrap();
    assert_eq!(
        (c.row, c.column, c.column_name.as_deref()),
        (2, 3, Some("remarks"))
    );
    assert_eq!(card.occurrences[0].line, Some(3));
    let semi = run.record("semi.csv");
    let c = detection(semi, "CREDIT_CARD_NUMBER").occurrences[0]
        .cell
        .clone()
        .unwrap();
    assert_eq!(
        (c.row, c.column, c.column_name.as_deref()),
        (2, 3, Some("card_no"))
    );
    let tsv = run.record("tabs.tsv");
    assert_eq!(tsv.format, "tsv");
    assert_eq!(detection(tsv, "USA_SOCIAL_SECURITY_NUMBER").count, 1);
}

#[test]
fn json_and_jsonl_records_and_paths() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "doc.json",
        format!(
            "{{\n  \"customer\": {{\n    \"cards\": [\n      {{\"number\": \"0\"}},\n      {{\"number\": \"{CARD}\"}}\n    ],\n    \"odd key\": {{\"ssn\": 536228921}}\n  }}\n}}\n"
        ),
    );
    write(
        dir.path(),
        "events.log",
        format!("{{\"id\": 1}}\n{{\"id\": 2, \"user\": {{\"ssn\": \"536-22-8921\"}}}}\n{{\"card\": \"{CARD}\"}}\n"),
    );
    let run = scan_dir(dir.path(), &[]);
    let doc = run.record("doc.json");
    assert_eq!(doc.format, "json");
    let card = &detection(doc, "CREDIT_CARD_NUMBER").occurrences[0];
    assert_eq!(card.record, Some(0));
    assert_eq!(
        card.json_path.as_deref(),
        Some("$.customer.cards[1].number")
    );
    assert_eq!(card.line, Some(5));
    let ssn = &detection(doc, "USA_SOCIAL_SECURITY_NUMBER").occurrences[0];
    assert_eq!(ssn.json_path.as_deref(), Some("$.customer['odd key'].ssn"));
    assert_eq!(ssn.line, Some(7));

    // JSON Lines by content, whatever the name.
    let ev = run.record("events.log");
    assert_eq!(ev.format, "jsonl");
    let ssn = &detection(ev, "USA_SOCIAL_SECURITY_NUMBER").occurrences[0];
    assert_eq!((ssn.record, ssn.line), (Some(1), Some(2)));
    assert_eq!(ssn.json_path.as_deref(), Some("$.user.ssn"));
    let card = &detection(ev, "CREDIT_CARD_NUMBER").occurrences[0];
    assert_eq!(
        (card.record, card.json_path.as_deref()),
        (Some(2), Some("$.card"))
    );
}

/// A sensitive map key is found, and the JSON path that locates it shows it masked, as the
/// sample does: a record holds raw values only behind `--reveal`.
#[test]
fn a_sensitive_json_key_is_masked_in_its_own_path() {
    let dir = tempfile::tempdir().unwrap();
    let email = "jane.roe@acme-mail.io";
    write(
        dir.path(),
        "contacts.json",
        format!("{{\"contacts\": {{\"{email}\": {{\"since\": 2019}}}}}}\n"),
    );
    let run = scan_dir(dir.path(), &["--identifiers", "ALL"]);
    let doc = run.record("contacts.json");
    let found = &detection(doc, "EMAIL_ADDRESS").occurrences[0];
    let path = found.json_path.as_deref().unwrap();
    assert!(path.starts_with("$.contacts['"), "{path}");
    assert!(path.contains(&found.masked), "{path} {}", found.masked);
    assert!(!run.stdout().contains(email), "{}", run.stdout());
    assert!(!run.stderr().contains(email), "{}", run.stderr());
}

#[test]
fn malformed_and_deep_json() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "broken.json",
        format!("{{\"ssn\": \"536-22-8921\", \"x\": tru\n \"card\": \"{CARD}\"\n"),
    );
    let deep = format!("{}{}", "[".repeat(300), "]".repeat(300));
    write(dir.path(), "deep.json", deep);
    write(
        dir.path(),
        "mixed.jsonl",
        "{\"ssn\": \"536-22-8921\"}\nnot json at all\n{\"ssn\": \"412-67-3390\"}\n",
    );
    let run = scan_dir(dir.path(), &[]);
    let b = run.record("broken.json");
    assert_eq!(b.status.as_str(), "PARTIAL");
    assert_eq!(b.reasons[0].code.as_str(), "MALFORMED_FILE");
    // What came before the fault is reported, and the rest is scanned as text.
    assert_eq!(detection(b, "USA_SOCIAL_SECURITY_NUMBER").count, 1);
    assert_eq!(
        detection(b, "CREDIT_CARD_NUMBER").occurrences[0].line,
        Some(2)
    );
    let d = run.record("deep.json");
    assert_eq!(d.reasons[0].code.as_str(), "JSON_NESTING_LEVEL_OVER_LIMIT");
    assert_eq!(d.status.as_str(), "SKIPPED");
    let m = run.record("mixed.jsonl");
    assert_eq!(m.status.as_str(), "PARTIAL");
    assert_eq!(m.reasons[0].code.as_str(), "MALFORMED_FILE");
    assert_eq!(detection(m, "USA_SOCIAL_SECURITY_NUMBER").count, 2);
}

#[test]
fn unsupported_binary_and_encodings() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "prog.bin",
        b"\x7fELF\x02\x01\x01\0\0\0\0\0ssn 536-22-8921",
    );
    write(dir.path(), "data.gz", b"\x1f\x8b\x08\0\0\0\0\0");
    write(dir.path(), "latin1.txt", b"Num\xe9ro ssn 536-22-8921\n");
    write(dir.path(), "empty.txt", b"");
    write(dir.path(), ".hidden", format!("visa {CARD}\n"));
    let run = scan_dir(dir.path(), &[]);
    let bin = run.record("prog.bin");
    assert_eq!(
        (bin.status.as_str(), bin.format.as_str()),
        ("SKIPPED", "binary")
    );
    assert_eq!(
        bin.reasons[0].code.as_str(),
        "UNSUPPORTED_FILE_TYPE_EXCEPTION"
    );
    assert_eq!(bin.bytes_scanned, 0);
    let gz = run.record("data.gz");
    assert_eq!(
        (gz.status.as_str(), gz.format.as_str()),
        ("SKIPPED", "gzip")
    );
    let l1 = run.record("latin1.txt");
    assert_eq!(l1.status.as_str(), "COMPLETE");
    assert_eq!(detection(l1, "USA_SOCIAL_SECURITY_NUMBER").count, 1);
    let e = run.record("empty.txt");
    assert_eq!((e.status.as_str(), e.bytes_scanned), ("COMPLETE", 0));
    // Dotfiles get records too.
    assert_eq!(
        detection(run.record(".hidden"), "CREDIT_CARD_NUMBER").count,
        1
    );
}

#[test]
fn max_occurrences_caps_the_list_not_the_count() {
    let dir = tempfile::tempdir().unwrap();
    let text: String = (0..150).map(|_| format!("visa {CARD}\n")).collect();
    write(dir.path(), "many.txt", text);
    let run = scan_dir(dir.path(), &["--max-occurrences", "2"]);
    let d = detection(run.record("many.txt"), "CREDIT_CARD_NUMBER");
    assert_eq!((d.count, d.occurrences.len()), (150, 2));
    assert_eq!(d.severity.as_str(), "HIGH");
    let run = scan_dir(dir.path(), &["--max-occurrences", "0"]);
    let d = detection(run.record("many.txt"), "CREDIT_CARD_NUMBER");
    assert_eq!(d.occurrences.len(), 150);
    assert_eq!(d.occurrences[149].line, Some(150));
}

#[test]
fn exit_codes() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "clean.txt", "nothing to see\n");
    let clean = dir.path().join("clean.txt");
    let run = scan(&[clean.to_str().unwrap(), "--fail-on", "LOW"]);
    assert_eq!(run.code(), 0);
    assert_eq!(run.records.len(), 1);
    // A file target: the key is the file name.
    assert_eq!(run.records[0].object.key, "clean.txt");
    write(dir.path(), "hit.txt", format!("visa {CARD}\n"));
    assert_eq!(scan_dir(dir.path(), &[]).code(), 0);
    assert_eq!(scan_dir(dir.path(), &["--fail-on", "HIGH"]).code(), 1);
    assert_eq!(scan_dir(dir.path(), &["--fail-on", "low"]).code(), 1);
    // Usage errors.
    assert_eq!(scan_dir(dir.path(), &["--no-such-flag"]).code(), 2);
    assert_eq!(scan_dir(dir.path(), &["--fail-on", "SEVERE"]).code(), 2);
    let bad = scan_dir(dir.path(), &["--identifiers", "INCLUDE:NOT_AN_ID"]);
    assert_eq!(bad.code(), 2);
    assert!(bad.stderr().contains("NOT_AN_ID"), "{}", bad.stderr());
    // Nothing scanned.
    let missing = scan(&["/definitely/not/here"]);
    assert_eq!(missing.code(), 2);
    assert!(missing.records.is_empty());
    // One good target, one missing: the scan runs, the error is reported.
    let half = scan(&[dir.path().to_str().unwrap(), "/definitely/not/here"]);
    assert_eq!(half.code(), 0);
    assert_eq!(half.records.len(), 2);
    assert!(half.stderr().contains("/definitely/not/here"));
}

#[test]
fn a_reader_that_stops_early_ends_the_scan_quietly() {
    // `trawl scan DIR | head -1`: the closed pipe is no error (exit 0, nothing on stderr),
    // whatever the format writes with.
    use std::io::{BufRead, BufReader};
    use std::process::Stdio;
    let dir = tempfile::tempdir().unwrap();
    for i in 0..400 {
        write(
            dir.path(),
            &format!("f{i:03}.txt"),
            format!("visa {CARD}\n"),
        );
    }
    for format in ["jsonl", "sarif", "human"] {
        let mut child = trawl()
            .args([
                "scan",
                dir.path().to_str().unwrap(),
                "-q",
                "-j",
                "1",
                "--format",
                format,
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut first = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut first)
            .unwrap();
        assert!(!first.is_empty(), "{format}");
        // The reader is gone now.
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.is_empty(), "{format}: {stderr}");
        assert_eq!(out.status.code(), Some(0), "{format}");
    }
}

#[test]
fn matches_across_buffer_boundaries_are_found_once() {
    // The text extractor reads 4 MiB buffers; plant items right around the boundaries.
    let dir = tempfile::tempdir().unwrap();
    let line = "2026-11-20T10:15:04Z INFO request id=8f14e45fceea167a status=200 bytes=5120\n";
    let mut text = String::new();
    let mut planted = Vec::new();
    let mut n = 0;
    while text.len() < 13 << 20 {
        let mb = text.len() >> 20;
        // Near every 4 MiB boundary (minus the 80 KiB overlap) and elsewhere.
        let near = [4usize, 8, 12].iter().any(|b| {
            let edge = (b << 20) - 80 * 1024;
            text.len() + 200 > edge && text.len() < edge + 200
        });
        if near || (n % 20_000 == 0 && mb > 0) {
            planted.push(text.lines().count() as u64 + 1);
            text.push_str(&format!("visa {CARD}\n"));
        }
        text.push_str(line);
        n += 1;
    }
    write(dir.path(), "big.log", &text);
    let run = scan_dir(dir.path(), &["--max-occurrences", "0"]);
    let d = detection(run.record("big.log"), "CREDIT_CARD_NUMBER");
    let lines: Vec<u64> = d.occurrences.iter().map(|o| o.line.unwrap()).collect();
    assert_eq!(lines, planted);
    assert_eq!(run.record("big.log").bytes_scanned, text.len() as u64);
    for o in &d.occurrences {
        let off = o.offset.unwrap() as usize;
        assert_eq!(&text[off..off + 16], CARD);
        assert_eq!(o.column, Some(6));
    }
}

#[test]
fn summary_file_and_parallel_runs_agree() {
    let samples = workspace().join("testdata/samples");
    let dir = tempfile::tempdir().unwrap();
    let summary = dir.path().join("summary.json");
    let one = scan_dir(
        &samples,
        &["-j", "1", "--summary", summary.to_str().unwrap()],
    );
    let two = scan_dir(&samples, &["-j", "2"]);
    let norm = |run: &Run| {
        let mut v: Vec<(String, BTreeMap<String, u64>)> = run
            .records
            .iter()
            .map(|r| (r.object.key.clone(), types(r)))
            .collect();
        v.sort();
        v
    };
    assert_eq!(norm(&one), norm(&two));
    let s: Value = serde_json::from_str(&std::fs::read_to_string(summary).unwrap()).unwrap();
    assert_eq!(s["objects"].as_u64(), Some(one.records.len() as u64));
    assert!(s["occurrences_by_type"]["PKCS"].as_u64() == Some(1));
}

#[test]
fn unreadable_files_are_reported_and_the_scan_goes_on() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "secret.txt", format!("visa {CARD}\n"));
    write(dir.path(), "ok.txt", format!("visa {CARD}\n"));
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o000)).unwrap();
    let readable_anyway = std::fs::read(&p).is_ok(); // root reads everything
    let run = scan_dir(dir.path(), &[]);
    assert_eq!(run.code(), 0);
    assert_eq!(
        detection(run.record("ok.txt"), "CREDIT_CARD_NUMBER").count,
        1
    );
    let r = run.record("secret.txt");
    if !readable_anyway {
        assert_eq!(r.status.as_str(), "SKIPPED");
        assert_eq!(r.reasons[0].code.as_str(), "PERMISSION_DENIED");
    }
}

#[test]
fn limits_from_the_command_line() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    // A gzip of a gzip of text: two layers.
    let inner = {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        e.write_all(format!("visa {CARD}\n").as_bytes()).unwrap();
        e.finish().unwrap()
    };
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(&inner).unwrap();
    write(dir.path(), "two.txt.gz.gz", e.finish().unwrap());
    let run = scan_dir(dir.path(), &[]);
    let r = run.record("two.txt.gz.gz");
    assert_eq!(r.format, "gzip");
    let o = &detection(r, "CREDIT_CARD_NUMBER").occurrences[0];
    assert_eq!(o.member, ["two.txt.gz", "two.txt"]);
    let run = scan_dir(dir.path(), &["--max-depth", "1"]);
    let r = run.record("two.txt.gz.gz");
    assert!(r.detections.is_empty());
    assert_eq!(
        r.reasons[0].code.as_str(),
        "ARCHIVE_NESTING_LEVEL_OVER_LIMIT"
    );
    assert_eq!(r.reasons[0].member, ["two.txt.gz", "two.txt"]);
    // A nanosecond is spent before the first member; 0 is no budget at all.
    let run = scan_dir(dir.path(), &["--time-budget", "0.000000001"]);
    assert_eq!(
        run.record("two.txt.gz.gz").reasons[0].code.as_str(),
        "TIME_CUT_OFF_REACHED"
    );
    let run = scan_dir(dir.path(), &["--time-budget", "0"]);
    assert!(run.record("two.txt.gz.gz").reasons.is_empty());
    assert_eq!(scan_dir(dir.path(), &["--time-budget", "-1"]).code(), 2);
}

#[test]
fn scope_flags_on_a_local_directory() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "data/a.csv", "ssn\n372-81-4456\n");
    write(dir.path(), "data/b.json", "{}");
    write(dir.path(), "data/c.log", "x");
    write(dir.path(), "tmp/d.csv", "x");
    write(dir.path(), "data/big.csv", vec![b'a'; 5000]);
    let run = scan_dir(
        dir.path(),
        &[
            "--include-ext",
            "CSV,.json",
            "--exclude-prefix",
            "tmp/",
            "--max-size",
            "1K",
        ],
    );
    assert_eq!(run.code(), 0, "{}", run.stderr());
    let mut keys = run.keys();
    keys.sort();
    assert_eq!(keys, ["data/a.csv", "data/b.json"]);
    let summary = dir.path().join("summary.json");
    let run = scan_dir(
        dir.path(),
        &[
            "--include-prefix",
            "data/",
            "--summary",
            summary.to_str().unwrap(),
        ],
    );
    assert_eq!(run.records.len(), 4);
    let s: Value = serde_json::from_str(&std::fs::read_to_string(&summary).unwrap()).unwrap();
    assert_eq!(s["objects_out_of_scope"], 1);
    // Tag criteria: local files have no tags, so an include-tag leaves nothing.
    let run = scan_dir(dir.path(), &["--include-tag", "team"]);
    assert!(run.records.is_empty());
    for bad in [
        &["--sample", "0"][..],
        &["--min-size", "lots"],
        &["--modified-after", "yesterday"],
        &["--min-size", "2K", "--max-size", "1K"],
    ] {
        let run = scan_dir(dir.path(), bad);
        assert_eq!(run.code(), 2, "{bad:?}");
        assert!(run.stderr().contains("trawl"), "{bad:?}: {}", run.stderr());
    }
}

/// Runs `trawl scan - --format jsonl ARGS` with `input` on standard input.
fn scan_stdin(input: &[u8], extra: &[&str]) -> Run {
    use std::io::Write;
    let mut child = trawl()
        .args(["scan", "-", "--format", "jsonl"])
        .args(extra)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let bytes = input.to_vec();
    let feeder = std::thread::spawn(move || stdin.write_all(&bytes));
    let out = child.wait_with_output().unwrap();
    // A run that refuses its input may close the pipe before it is all written.
    let _ = feeder.join().unwrap();
    let stdout = String::from_utf8(out.stdout.clone()).unwrap();
    let raw: Vec<Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let records = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    Run { out, records, raw }
}

#[test]
fn standard_input_is_scanned_as_one_streamed_object() {
    let csv = std::fs::read(workspace().join("testdata/samples/customers.csv")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    // No extension: the format comes from the bytes, as it must for standard input.
    write(dir.path(), "plain", &csv);
    let file = scan(&[
        dir.path().join("plain").to_str().unwrap(),
        "--identifiers",
        "ALL",
    ]);
    assert_eq!(file.code(), 0, "{}", file.stderr());
    let piped = scan_stdin(&csv, &["--identifiers", "ALL"]);
    assert_eq!(piped.code(), 0, "{}", piped.stderr());
    assert_eq!(piped.records.len(), 1, "{}", piped.stdout());
    let (f, p) = (&file.records[0], &piped.records[0]);
    assert_eq!(p.object.key, "-");
    assert_eq!(p.object.storage.as_str(), "local");
    assert_eq!(p.object.uri, "file:///dev/stdin");
    assert_eq!(p.object.size, csv.len() as u64);
    assert_eq!(piped.raw[0]["object"]["last_modified"], Value::Null);
    assert_eq!(
        (p.status, &p.format, p.bytes_scanned, &p.severity),
        (f.status, &f.format, f.bytes_scanned, &f.severity)
    );
    assert_eq!(p.detections, f.detections);
    assert!(!p.detections.is_empty());

    // Compressed input is detected and unpacked from its bytes too.
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    std::io::Write::write_all(&mut gz, &csv).unwrap();
    let gz = gz.finish().unwrap();
    let piped = scan_stdin(&gz, &["--identifiers", "ALL"]);
    assert_eq!(piped.code(), 0, "{}", piped.stderr());
    let p = &piped.records[0];
    assert_eq!(p.status.as_str(), "COMPLETE");
    assert_eq!(p.object.size, gz.len() as u64);
    assert_eq!(types(p), types(f));

    let twice = scan_stdin(b"x", &["-"]);
    assert_eq!(twice.code(), 2);
    assert!(twice.stderr().contains("standard input can be given once"));
}
