//! `trawl report`: the HTML report from scan results and from a job run's results directory,
//! its errors, and the page as a real browser (headless Chromium) renders it.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use trawl_scanner::ResultRecord;

const CHROMIUM: &str = "/usr/bin/chromium";

fn trawl() -> Command {
    Command::new(env!("CARGO_BIN_EXE_trawl"))
}

fn samples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/samples")
}

/// `trawl scan testdata/samples --format jsonl` into `dir/results.jsonl`; its records.
fn scan_samples(dir: &Path) -> (PathBuf, Vec<ResultRecord>) {
    let out = trawl()
        .arg("scan")
        .arg(samples())
        .args(["--format", "jsonl", "-q"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let path = dir.join("results.jsonl");
    std::fs::write(&path, &out.stdout).unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let records: Vec<ResultRecord> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(records.len() >= 5, "{} records", records.len());
    (path, records)
}

/// A job run's layout: `job/run/results-00001.jsonl.gz` made of one gzip member per record
/// (as the runner appends batches), beside a `summary.json` that is not results.
fn job_run_dir(dir: &Path, jsonl: &Path) -> PathBuf {
    let run = dir.join("job-1").join("run-1");
    std::fs::create_dir_all(&run).unwrap();
    let mut gz = Vec::new();
    for line in std::fs::read_to_string(jsonl).unwrap().lines() {
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        writeln!(enc, "{line}").unwrap();
        gz.extend(enc.finish().unwrap());
    }
    std::fs::write(run.join("results-00001.jsonl.gz"), gz).unwrap();
    std::fs::write(run.join("summary.json"), "{\"not\": \"a record\"}\n").unwrap();
    dir.join("job-1")
}

fn report(args: &[&Path], out: &Path, extra: &[&str]) -> Output {
    trawl()
        .arg("report")
        .args(args)
        .arg("-o")
        .arg(out)
        .args(extra)
        .output()
        .unwrap()
}

fn findings(records: &[ResultRecord]) -> u64 {
    records
        .iter()
        .flat_map(|r| &r.detections)
        .map(|d| d.count)
        .sum()
}

/// The number in `id="ID" data-value="N"`.
fn data_value(html: &str, id: &str) -> u64 {
    let start = html
        .find(&format!("id=\"{id}\" data-value=\""))
        .unwrap_or_else(|| panic!("no {id}"));
    let rest = &html[start + id.len() + 18..];
    rest[..rest.find('"').unwrap()].parse().unwrap()
}

#[test]
fn report_from_scan_results_and_from_a_job_run_directory() {
    let dir = tempfile::tempdir().unwrap();
    let (jsonl, records) = scan_samples(dir.path());
    let html_path = dir.path().join("out").join("report.html");
    let out = report(&[&jsonl], &html_path, &["--title", "Samples <review>"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let total = findings(&records);
    assert_eq!(
        stderr.trim(),
        format!(
            "trawl: report: {} objects, {total} findings -> {}",
            records.len(),
            html_path.display()
        )
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&html_path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "{mode:o}");
    }
    let html = std::fs::read_to_string(&html_path).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains("<title>Samples &lt;review&gt;</title>"));
    assert_eq!(data_value(&html, "total-objects"), records.len() as u64);
    assert_eq!(data_value(&html, "total-findings"), total);
    let bytes: u64 = records.iter().map(|r| r.object.size).sum();
    assert_eq!(data_value(&html, "total-bytes"), bytes);
    let skipped = records
        .iter()
        .filter(|r| r.status.as_str() == "SKIPPED")
        .count();
    assert_eq!(data_value(&html, "status-skipped"), skipped as u64);
    for r in records.iter().filter(|r| r.status.as_str() != "COMPLETE") {
        assert!(html.contains(r.reasons[0].code.as_str()));
    }
    for masked in records
        .iter()
        .flat_map(|r| &r.detections)
        .flat_map(|d| &d.occurrences)
        .map(|o| &o.masked)
    {
        assert!(html.contains(masked.as_str()), "{masked}");
    }
    for bad in ["http://", "https://", "src=", "<link", "url("] {
        assert!(!html.contains(bad), "{bad}");
    }

    // The same records from a job run's gzip results, found in its directory.
    let job = job_run_dir(dir.path(), &jsonl);
    let from_job = dir.path().join("job.html");
    let out = report(&[&job], &from_job, &["-q"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.stderr.is_empty());
    let html = std::fs::read_to_string(&from_job).unwrap();
    assert_eq!(data_value(&html, "total-objects"), records.len() as u64);
    assert_eq!(data_value(&html, "total-findings"), total);

    // Both: the counts add up.
    let both = dir.path().join("both.html");
    let out = report(&[&jsonl, &job], &both, &["-q"]);
    assert!(out.status.success());
    let html = std::fs::read_to_string(&both).unwrap();
    assert_eq!(data_value(&html, "total-objects"), 2 * records.len() as u64);
}

#[test]
fn a_line_that_is_not_a_record_is_one_line_naming_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let (jsonl, _) = scan_samples(dir.path());
    let text = std::fs::read_to_string(&jsonl).unwrap();
    let mut lines: Vec<&str> = text.lines().collect();
    lines.insert(2, "{\"schema\": \"trawl.result/v1\", \"run_id\": 7}");
    let bad = dir.path().join("bad.jsonl");
    std::fs::write(&bad, lines.join("\n")).unwrap();
    let html = dir.path().join("bad.html");
    let out = report(&[&bad], &html, &[]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    let expected = format!(
        "trawl: error: {} line 3: not a trawl.result/v1 record: ",
        bad.display()
    );
    assert!(stderr.starts_with(&expected), "{stderr}");
    assert!(!html.exists(), "no report from bad input");

    // A misplaced value is not echoed: it may be a raw secret.
    let misplaced = dir.path().join("misplaced.jsonl");
    let line = r#"{"schema":"trawl.result/v1","run_id":"r","bytes_scanned":"4539148803436467"}"#;
    std::fs::write(&misplaced, format!("\n{line}\n")).unwrap();
    let out = report(&[&misplaced], &html, &[]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(
            "misplaced.jsonl line 2: not a trawl.result/v1 record: invalid type (expected u64"
        ),
        "{stderr}"
    );
    assert!(!stderr.contains("4539148803436467"), "{stderr}");

    let out = report(&[&dir.path().join("missing.jsonl")], &html, &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).starts_with("trawl: error: results "));
}

fn report_stdin(input: &[u8], out: &Path) -> Output {
    let mut child = trawl()
        .args(["report", "-", "-o"])
        .arg(out)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(input).unwrap();
    child.wait_with_output().unwrap()
}

#[test]
fn empty_standard_input_makes_a_report_that_says_no_objects() {
    let dir = tempfile::tempdir().unwrap();
    let html = dir.path().join("empty.html");
    let out = report_stdin(b"", &html);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("0 objects, 0 findings"));
    let html = std::fs::read_to_string(&html).unwrap();
    assert!(html.contains("No objects in these results."));
}

#[test]
fn raw_values_in_the_input_never_reach_the_report() {
    let dir = tempfile::tempdir().unwrap();
    let (jsonl, _) = scan_samples(dir.path());
    let mut raw = Vec::new();
    for line in std::fs::read_to_string(&jsonl).unwrap().lines() {
        let mut v: serde_json::Value = serde_json::from_str(line).unwrap();
        for d in v["detections"].as_array_mut().unwrap() {
            for o in d["occurrences"].as_array_mut().unwrap() {
                o["value"] = "RAW-VALUE-4539148803436467".into();
            }
        }
        raw.push(v.to_string());
    }
    let html = dir.path().join("revealed.html");
    let out = report_stdin(raw.join("\n").as_bytes(), &html);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let html = std::fs::read_to_string(&html).unwrap();
    assert!(html.contains("CREDIT_CARD_NUMBER"));
    assert!(!html.contains("RAW-VALUE"));
}

/// Runs Chromium headless with `args`, killed after a minute.
fn chromium(profile: &Path, args: &[String]) -> Output {
    let mut child = Command::new(CHROMIUM)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-dev-shm-usage",
            "--virtual-time-budget=3000",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if start.elapsed() > Duration::from_secs(90) {
            let _ = child.kill();
            panic!("chromium did not finish in 90 s");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    child.wait_with_output().unwrap()
}

/// The rows of table `id`'s body: (row's opening tag, hidden).
fn rows(dom: &str, id: &str) -> Vec<(String, bool)> {
    let start = dom.find(&format!("id=\"{id}\"")).unwrap();
    let body = &dom[start..];
    let body = &body[body.find("<tbody>").unwrap()..body.find("</tbody>").unwrap()];
    body.split("<tr")
        .skip(1)
        .map(|r| {
            let tag = &r[..r.find('>').unwrap()];
            (tag.to_string(), tag.contains(" hidden"))
        })
        .collect()
}

fn shown(dom: &str) -> usize {
    let start = dom.find("<span id=\"shown\">").unwrap() + 17;
    dom[start..start + dom[start..].find('<').unwrap()]
        .parse()
        .unwrap()
}

/// What the page's filter should leave: objects with findings whose path (URI), severity,
/// types or categories contain `term` (case-insensitive), at severity `sev` when given.
fn expected_matches(records: &[ResultRecord], term: &str, sev: Option<&str>) -> usize {
    let term = term.to_lowercase();
    records
        .iter()
        .filter(|r| !r.detections.is_empty())
        .filter(|r| sev.is_none_or(|s| r.severity.is_some_and(|x| x.as_str() == s)))
        .filter(|r| {
            let path = r.object.uri.trim_start_matches("file://");
            let mut q = format!("{path} {}", r.severity.map_or("NONE", |s| s.as_str()));
            for d in &r.detections {
                q.push_str(&format!(" {} {}", d.kind, d.category.as_str()));
            }
            q.to_lowercase().contains(&term)
        })
        .count()
}

#[test]
fn chromium_renders_the_report_and_its_filter_works() {
    if !Path::new(CHROMIUM).exists() {
        assert!(
            std::env::var("TRAWL_REQUIRE_BROWSER").map_or(true, |v| v != "1"),
            "no Chromium at {CHROMIUM} and TRAWL_REQUIRE_BROWSER=1"
        );
        let _ = writeln!(std::io::stderr(), "skipping: no Chromium at {CHROMIUM}");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (jsonl, records) = scan_samples(dir.path());
    let html = dir.path().join("report.html");
    let out = report(&[&jsonl], &html, &["-q", "--title", "Sample data"]);
    assert!(out.status.success());
    let url = format!("file://{}", html.canonicalize().unwrap().display());
    let with_findings = records.iter().filter(|r| !r.detections.is_empty()).count();

    let cases = [
        ("credit", None),
        ("FINANCIAL", None),
        ("customers", None),
        ("no-such-thing", None),
        ("", Some("LOW")),
        ("credit", Some("HIGH")),
    ];
    for (term, sev) in cases {
        let mut hash = format!("filter={term}");
        if let Some(s) = sev {
            hash.push_str(&format!("&severity={s}"));
        }
        let profile = tempfile::tempdir().unwrap();
        let args = ["--dump-dom".to_string(), format!("{url}#{hash}")];
        let out = chromium(profile.path(), &args);
        let dom = String::from_utf8_lossy(&out.stdout);
        assert!(
            dom.contains("data-ready=\"1\""),
            "script did not run for {hash}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let expected = expected_matches(&records, term, sev);
        let nothing = term == "no-such-thing" || sev == Some("LOW");
        assert!(nothing || expected > 0, "{hash} matches nothing");
        let rows = rows(&dom, "objects");
        assert_eq!(rows.len(), with_findings);
        let visible = rows.iter().filter(|(_, hidden)| !hidden).count();
        assert_eq!(visible, expected, "rows left by {hash}");
        assert_eq!(shown(&dom), expected, "shown count for {hash}");
        assert_eq!(data_value(&dom, "total-objects"), records.len() as u64);
        assert_eq!(data_value(&dom, "total-findings"), findings(&records));
    }

    let shot = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("report.png");
    let _ = std::fs::remove_file(&shot);
    let profile = tempfile::tempdir().unwrap();
    let out = chromium(
        profile.path(),
        &[
            format!("--screenshot={}", shot.display()),
            "--window-size=1280,1600".to_string(),
            "--hide-scrollbars".to_string(),
            url,
        ],
    );
    let png = std::fs::read(&shot).unwrap_or_else(|e| {
        panic!(
            "no screenshot ({e}): {}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"));
    assert!(png.len() > 10_000, "{} bytes", png.len());
    let _ = writeln!(std::io::stderr(), "screenshot: {}", shot.display());
}
