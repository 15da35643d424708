//! Hostile objects through the `trawl` binary. The fuzz findings in `../shared/fuzz-findings`
//! (crafted Parquet files that kept a scan busy for ever, or made parquet-rs panic) each give
//! one record within 10 seconds, MALFORMED_FILE where the reader could not go on, and no panic
//! message or backtrace on standard error. Generated equivalents of each class are tested in
//! `crates/formats/tests/data.rs`; this test reads the findings themselves, which may not be
//! copied into the repository. Without `../shared` it is skipped with a notice, unless
//! `TRAWL_REQUIRE_CORPUS=1` (set by `.ci/run`) makes that a failure.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Write;
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
    // Straight to standard error, past the test harness's capture, so that the skip shows.
    let _ = writeln!(
        std::io::stderr().lock(),
        "fuzz_findings_give_a_record_quickly_and_quietly: skipped: {notice} \
         (set TRAWL_REQUIRE_CORPUS=1 to fail instead)"
    );
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
        // A caught panic is at most one warning line, naming the object.
        let warnings: Vec<&str> = done
            .stderr
            .lines()
            .filter(|l| l.contains("reader failed"))
            .collect();
        let named = warnings.iter().all(|l| l.contains(&r.object.uri));
        if warnings.len() > 1 || !named {
            failures.push(format!("{label}: warnings {warnings:?}"));
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

/// One BIFF record: type, length, data.
fn biff_record(typ: u16, data: &[u8]) -> Vec<u8> {
    let mut r = typ.to_le_bytes().to_vec();
    r.extend_from_slice(&(data.len() as u16).to_le_bytes());
    r.extend_from_slice(data);
    r
}

/// An xls on which calamine panics (a BOUNDSHEET past the end of the workbook stream), made
/// here so that the test runs without `../shared`.
fn xls_that_panics_calamine() -> Vec<u8> {
    use std::io::Write;
    let mut stream = Vec::new();
    stream.extend(biff_record(0x0809, &[0x00, 0x06, 0x05, 0x00, 0, 0, 0, 0]));
    stream.extend(biff_record(
        0x0085,
        &[0x51, 0x1b, 0xab, 0x00, 0x00, 0x00, 0x01, 0x00, b'S'],
    ));
    stream.extend(biff_record(0x000A, &[]));
    let mut cf = cfb::CompoundFile::create(std::io::Cursor::new(Vec::new())).unwrap();
    cf.create_stream("Workbook")
        .unwrap()
        .write_all(&stream)
        .unwrap();
    cf.flush().unwrap();
    cf.into_inner().into_inner()
}

/// A third-party reader's panic is caught: the object gets its record (MALFORMED_FILE) and
/// standard error one warning line naming the object and the reader, with no panic message or
/// backtrace; `TRAWL_DEBUG_PANICS=1` brings the panic report back.
#[test]
fn a_reader_panic_is_one_warning_line() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("broken.xls");
    std::fs::write(&path, xls_that_panics_calamine()).unwrap();
    let done = scan_within(&path, Duration::from_secs(30)).unwrap();
    let records: Vec<ResultRecord> = done
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(records.len(), 1);
    let r = &records[0];
    assert!(
        r.reasons
            .iter()
            .any(|x| x.code.as_str() == "MALFORMED_FILE"),
        "{:?}",
        r.reasons
    );
    let warnings: Vec<&str> = done
        .stderr
        .lines()
        .filter(|l| l.starts_with("trawl: warning:"))
        .collect();
    assert_eq!(warnings.len(), 1, "{}", done.stderr);
    assert!(warnings[0].contains(&r.object.uri), "{}", warnings[0]);
    assert!(
        warnings[0].contains("the calamine reader failed"),
        "{}",
        warnings[0]
    );
    for bad in ["panicked", "backtrace", ".rs:"] {
        assert!(!done.stderr.contains(bad), "{}", done.stderr);
    }
    let debug = Command::new(env!("CARGO_BIN_EXE_trawl"))
        .args(["scan", "--format", "jsonl"])
        .arg(&path)
        .env("TRAWL_DEBUG_PANICS", "1")
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&debug.stderr).contains("panicked"));
}
