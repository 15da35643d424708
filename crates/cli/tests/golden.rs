//! Golden records: `trawl scan --identifiers ALL --reveal --format jsonl` over the bundled
//! samples and over a mixed tree made by `trawl-testgen` (log files, one big log, a Parquet
//! table and an XLSX workbook, about 3.5 MiB, generated in a temp dir with fixed seeds) gives
//! exactly the records (and the `--summary` JSON) committed under `testdata/golden/`, field by
//! field. Refactors must leave them unchanged.
//!
//! Only what differs from run to run is normalised before comparing: the run id, times
//! (`last_modified`, `elapsed_seconds`) and the absolute path of the scanned directory (in
//! `uri` and any other string, replaced by `<ROOT>`). Records are sorted by `object.key`.
//!
//! When a change of output is intended, regenerate the files and review the diff:
//!
//! ```text
//! TRAWL_BLESS=1 cargo test -p trawl-cli --test golden
//! git diff testdata/golden
//! ```
//!
//! The golden files hold only synthetic data from this repository, never corpus data. An
//! upgrade of `parquet` or `zip` may change the generated files' sizes; bless after checking
//! that nothing else moved.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn golden_dir() -> PathBuf {
    workspace().join("testdata/golden")
}

fn blessing() -> bool {
    std::env::var("TRAWL_BLESS").is_ok_and(|v| v == "1")
}

/// Scans `root` and returns its normalised records (by key) and summary.
fn scan(root: &Path) -> (BTreeMap<String, Value>, Value) {
    let dir = tempfile::tempdir().unwrap();
    let summary_path = dir.path().join("summary.json");
    let out = Command::new(env!("CARGO_BIN_EXE_trawl"))
        .arg("scan")
        .arg(root)
        .args([
            "--identifiers",
            "ALL",
            "--reveal",
            "--format",
            "jsonl",
            "-q",
        ])
        .arg("--summary")
        .arg(&summary_path)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let roots = root_spellings(root);
    let mut records = BTreeMap::new();
    for line in String::from_utf8(out.stdout).unwrap().lines() {
        let mut record: Value = serde_json::from_str(line).unwrap();
        normalise_record(&mut record, &roots);
        let key = record["object"]["key"].as_str().unwrap().to_string();
        assert!(
            records.insert(key.clone(), record).is_none(),
            "two records for {key}"
        );
    }
    let mut summary: Value =
        serde_json::from_str(&std::fs::read_to_string(&summary_path).unwrap()).unwrap();
    normalise_summary(&mut summary, &roots);
    (records, summary)
}

/// The ways the scanned directory's absolute path may be spelled in the output, longest first.
fn root_spellings(root: &Path) -> Vec<String> {
    let mut roots = vec![root.to_str().unwrap().to_string()];
    if let Ok(canonical) = root.canonicalize() {
        roots.push(canonical.to_str().unwrap().to_string());
    }
    roots.sort_by_key(|r| std::cmp::Reverse(r.len()));
    roots.dedup();
    roots
}

fn normalise_record(record: &mut Value, roots: &[String]) {
    record["run_id"] = Value::from("<RUN_ID>");
    if !record["object"]["last_modified"].is_null() {
        record["object"]["last_modified"] = Value::from("<TIME>");
    }
    replace_roots(record, roots);
}

fn normalise_summary(summary: &mut Value, roots: &[String]) {
    summary["run_id"] = Value::from("<RUN_ID>");
    summary["elapsed_seconds"] = Value::from(0.0);
    replace_roots(summary, roots);
}

/// Replaces the scanned directory's absolute path by `<ROOT>` in every string.
fn replace_roots(v: &mut Value, roots: &[String]) {
    match v {
        Value::String(s) => {
            for root in roots {
                if s.contains(root.as_str()) {
                    *s = s.replace(root.as_str(), "<ROOT>");
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|x| replace_roots(x, roots)),
        Value::Object(map) => map.values_mut().for_each(|x| replace_roots(x, roots)),
        _ => {}
    }
}

/// Every difference between `want` and `got`, as `path: want != got` lines.
fn diff(path: &str, want: &Value, got: &Value, out: &mut Vec<String>) {
    match (want, got) {
        (Value::Object(a), Value::Object(b)) => {
            let keys: std::collections::BTreeSet<&String> = a.keys().chain(b.keys()).collect();
            for k in keys {
                let (x, y) = (a.get(k), b.get(k));
                match (x, y) {
                    (Some(x), Some(y)) => diff(&format!("{path}.{k}"), x, y, out),
                    (Some(x), None) => out.push(format!("{path}.{k}: {x} != (missing)")),
                    (None, Some(y)) => out.push(format!("{path}.{k}: (missing) != {y}")),
                    (None, None) => {}
                }
            }
        }
        (Value::Array(a), Value::Array(b)) => {
            if a.len() != b.len() {
                out.push(format!("{path}: {} items != {} items", a.len(), b.len()));
            }
            for (i, (x, y)) in a.iter().zip(b).enumerate() {
                diff(&format!("{path}[{i}]"), x, y, out);
            }
        }
        _ if want != got => out.push(format!("{path}: {want} != {got}")),
        _ => {}
    }
}

/// Compares the records and summary with `NAME.jsonl` and `NAME.summary.json` under
/// `testdata/golden/`, or writes them with `TRAWL_BLESS=1`.
fn check(name: &str, records: &BTreeMap<String, Value>, summary: &Value) {
    let jsonl = golden_dir().join(format!("{name}.jsonl"));
    let summary_file = golden_dir().join(format!("{name}.summary.json"));
    if blessing() {
        std::fs::create_dir_all(golden_dir()).unwrap();
        let mut text = String::new();
        for r in records.values() {
            text.push_str(&serde_json::to_string(r).unwrap());
            text.push('\n');
        }
        std::fs::write(&jsonl, text).unwrap();
        let mut text = serde_json::to_string_pretty(summary).unwrap();
        text.push('\n');
        std::fs::write(&summary_file, text).unwrap();
        eprintln!("blessed {} and {}", jsonl.display(), summary_file.display());
        return;
    }
    let hint = "(if the change is intended: TRAWL_BLESS=1 cargo test -p trawl-cli --test golden)";
    let text = std::fs::read_to_string(&jsonl)
        .unwrap_or_else(|e| panic!("{}: {e} {hint}", jsonl.display()));
    let mut want = BTreeMap::new();
    for line in text.lines() {
        let r: Value = serde_json::from_str(line).unwrap();
        want.insert(r["object"]["key"].as_str().unwrap().to_string(), r);
    }
    let mut differences = Vec::new();
    for key in want.keys().filter(|k| !records.contains_key(*k)) {
        differences.push(format!("{key}: no record"));
    }
    for key in records.keys().filter(|k| !want.contains_key(*k)) {
        differences.push(format!("{key}: a record the golden file lacks"));
    }
    for (key, w) in &want {
        if let Some(g) = records.get(key) {
            diff(key, w, g, &mut differences);
        }
    }
    let text = std::fs::read_to_string(&summary_file)
        .unwrap_or_else(|e| panic!("{}: {e} {hint}", summary_file.display()));
    let want_summary: Value = serde_json::from_str(&text).unwrap();
    diff("summary", &want_summary, summary, &mut differences);
    let shown = differences.len().min(40);
    assert!(
        differences.is_empty(),
        "{name}: {} differences from {} (golden != now), first {shown}:\n{}\n{hint}",
        differences.len(),
        jsonl.display(),
        differences[..shown].join("\n")
    );
}

#[test]
fn samples_match_golden_records() {
    let (records, summary) = scan(&workspace().join("testdata/samples"));
    assert!(!records.is_empty());
    check("samples", &records, &summary);
}

#[test]
fn generated_tree_matches_golden_records() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("tree");
    trawl_testgen::corpus(&root.join("logs"), 1, 4, 0x7472_6177_6c2d_7467).unwrap();
    trawl_testgen::bigtext(&root.join("big.log"), 1, 11).unwrap();
    trawl_testgen::table(&root.join("table.parquet"), 1, 12).unwrap();
    trawl_testgen::table(&root.join("table.xlsx"), 1, 13).unwrap();
    let (records, summary) = scan(&root);
    assert_eq!(records.len(), 7);
    check("gen-tree", &records, &summary);
}
