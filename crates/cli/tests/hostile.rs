//! Hostile objects through the `trawl` binary. The fuzz findings in `../shared/fuzz-findings`
//! (crafted Parquet files that kept a scan busy for ever, or made parquet-rs panic) each give
//! one record within 10 seconds, MALFORMED_FILE where the reader could not go on, and no panic
//! message or backtrace on standard error. Generated equivalents of each class are tested in
//! `crates/formats/tests/data.rs`; this test reads the findings themselves, which may not be
//! copied into the repository. Without `../shared` it is skipped with a notice, unless
//! `TRAWL_REQUIRE_CORPUS=1` (set by `.ci/run`) makes that a failure.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use trawl_scanner::ResultRecord;

/// The name the `extract` fuzz target gives content whose first byte is `b`.
const NAMES: &[&str] = &[
    "a.txt",
    "a.csv",
    "a.tsv",
    "a.json",
    "a.jsonl",
    "a.gz",
    "a.tar",
    "a.zip",
    "a.bz2",
    "a.xz",
    "a.zst",
    "a.xml",
    "a.html",
    "a.eml",
    "a.pdf",
    "a.xlsx",
    "a.xls",
    "a.docx",
    "a.doc",
    "a.parquet",
    "a.avro",
    "a.7z",
    "noext",
];

fn findings_dir() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fuzz-findings");
    if dir.is_dir() {
        return Some(dir);
    }
    let notice = format!("{} not found", dir.display());
    if std::env::var_os("TRAWL_REQUIRE_CORPUS").is_some_and(|v| v == "1") {
        panic!("{notice} and TRAWL_REQUIRE_CORPUS=1");
    }
    eprintln!("skipped: {notice} (set TRAWL_REQUIRE_CORPUS=1 to fail instead)");
    None
}

struct Finished {
    elapsed: Duration,
    stdout: String,
    stderr: String,
}

/// Runs `trawl scan PATH --format jsonl`, killed after `limit`.
fn scan_within(path: &Path, limit: Duration) -> Option<Finished> {
    let dir = tempfile::tempdir().unwrap();
    let (out, err) = (dir.path().join("out"), dir.path().join("err"));
    let started = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_trawl"))
        .args(["scan", "--format", "jsonl", "-j", "1"])
        .arg(path)
        .env("RUST_BACKTRACE", "1")
        .stdout(std::fs::File::create(&out).unwrap())
        .stderr(std::fs::File::create(&err).unwrap())
        .stdin(Stdio::null())
        .spawn()
        .unwrap();
    loop {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            return None;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    Some(Finished {
        elapsed: started.elapsed(),
        stdout: std::fs::read_to_string(out).unwrap(),
        stderr: std::fs::read_to_string(err).unwrap(),
    })
}

#[test]
fn fuzz_findings_give_a_record_quickly_and_quietly() {
    let Some(dir) = findings_dir() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            let n = p.file_name().unwrap().to_string_lossy();
            n.starts_with("crash-") || n.starts_with("timeout-")
        })
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no findings in {}", dir.display());
    let mut failures = Vec::new();
    for file in &files {
        let label = file.file_name().unwrap().to_string_lossy().into_owned();
        let bytes = std::fs::read(file).unwrap();
        let Some((&pick, content)) = bytes.split_first() else {
            continue;
        };
        let case = tmp.path().join(&label);
        std::fs::create_dir_all(&case).unwrap();
        let path = case.join(NAMES[pick as usize % NAMES.len()]);
        std::fs::write(&path, content).unwrap();
        let Some(done) = scan_within(&path, Duration::from_secs(10)) else {
            failures.push(format!("{label}: no record within 10 s"));
            continue;
        };
        let records: Vec<ResultRecord> = done
            .stdout
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        if records.len() != 1 {
            failures.push(format!("{label}: {} records", records.len()));
            continue;
        }
        let r = &records[0];
        for bad in ["panicked", "backtrace", "RUST_BACKTRACE"] {
            if done.stderr.contains(bad) {
                failures.push(format!(
                    "{label}: standard error shows {bad:?}:\n{}",
                    done.stderr
                ));
            }
        }
        // A reader that gave up says why; a crash-* file always made one give up.
        let malformed = r
            .reasons
            .iter()
            .any(|x| x.code.as_str() == "MALFORMED_FILE");
        if label.starts_with("crash-") && !malformed {
            failures.push(format!("{label}: {:?} {:?}", r.status, r.reasons));
        }
        eprintln!(
            "{label}: {:?} in {:.2} s, {:?}",
            r.status,
            done.elapsed.as_secs_f64(),
            r.reasons
                .iter()
                .map(|x| x.code.as_str())
                .collect::<Vec<_>>()
        );
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
