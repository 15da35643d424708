//! `trawl scan --format sarif`: a SARIF 2.1.0 log valid against the official OASIS schema
//! (testdata/schemas), one result per listed occurrence, members as nested artifacts, masked
//! samples only.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn trawl(args: &[&str]) -> (String, String, bool) {
    let o = Command::new(env!("CARGO_BIN_EXE_trawl"))
        .current_dir(root())
        .args(args)
        .output()
        .unwrap();
    (
        String::from_utf8(o.stdout).unwrap(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
        o.status.success(),
    )
}

fn validate(log: &Value) {
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("testdata/schemas/sarif-schema-2.1.0.json")).unwrap(),
    )
    .unwrap();
    // The official schema's language-tag patterns hold an unescaped `]`, which ECMA-262 reads
    // as a literal and the regex crates refuse: escape it there, nothing else.
    let mut schema = schema;
    let fixed = escape_bracket(&mut schema);
    assert_eq!(fixed, 2, "the language patterns of run and toolComponent");
    let validator = jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .unwrap();
    let errors: Vec<String> = validator
        .iter_errors(log)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "not valid SARIF 2.1.0: {errors:#?}");
}

fn escape_bracket(v: &mut Value) -> usize {
    const LANGUAGE: &str = "^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$";
    match v {
        Value::String(s) if s == LANGUAGE => {
            *s = LANGUAGE.replace("}]?", "}\\]?");
            1
        }
        Value::Array(a) => a.iter_mut().map(escape_bracket).sum(),
        Value::Object(o) => o.values_mut().map(escape_bracket).sum(),
        _ => 0,
    }
}

/// A zip with a card number in a CSV inside a nested zip, and a text file beside it.
fn archive_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let mut inner = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    inner
        .start_file("staff.csv", zip::write::SimpleFileOptions::default())
        .unwrap();
    inner
        .write_all(b"name,card\nAda,4539 2274 2374 7675\nBob,4716 1089 9971 6531\n")
        .unwrap();
    let inner = inner.finish().unwrap().into_inner();
    let file = std::fs::File::create(dir.path().join("export 2026.zip")).unwrap();
    let mut outer = zip::ZipWriter::new(file);
    outer
        .start_file("nested/inner.zip", zip::write::SimpleFileOptions::default())
        .unwrap();
    outer.write_all(&inner).unwrap();
    outer.finish().unwrap();
    std::fs::write(
        dir.path().join("notes.txt"),
        "ok\nthe card number is 4111 1111 1111 1111 today\n",
    )
    .unwrap();
    dir
}

fn listed_occurrences(jsonl: &str) -> (usize, Vec<String>) {
    let mut n = 0;
    let mut values = Vec::new();
    for line in jsonl.lines() {
        let r: Value = serde_json::from_str(line).unwrap();
        for d in r["detections"].as_array().unwrap() {
            for o in d["occurrences"].as_array().unwrap() {
                n += 1;
                if let Some(v) = o["value"].as_str() {
                    values.push(v.to_string());
                }
            }
        }
    }
    (n, values)
}

#[test]
fn the_bundled_samples_give_a_valid_log_with_one_result_per_occurrence() {
    let (sarif, err, ok) = trawl(&["scan", "testdata/samples", "--format", "sarif", "-q"]);
    assert!(ok, "{err}");
    let log: Value = serde_json::from_str(&sarif).unwrap();
    validate(&log);
    let (jsonl, _, _) = trawl(&["scan", "testdata/samples", "--format", "jsonl", "--reveal"]);
    let (occurrences, values) = listed_occurrences(&jsonl);
    let run = &log["runs"][0];
    let results = run["results"].as_array().unwrap();
    assert!(occurrences >= 10, "{occurrences}");
    assert_eq!(results.len(), occurrences);
    for v in values.iter().filter(|v| v.len() >= 8) {
        assert!(
            !sarif.contains(v.as_str()),
            "raw value {v:?} in the SARIF log"
        );
    }
    // Paths as given, relative: a viewer resolves them against the checkout.
    let uris: Vec<&str> = results
        .iter()
        .map(|r| {
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                .as_str()
                .unwrap()
        })
        .collect();
    assert!(
        uris.iter().all(|u| u.starts_with("testdata/samples/")),
        "{uris:?}"
    );
    // Text findings carry a line and a column.
    let in_log = results
        .iter()
        .find(|r| {
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                == "testdata/samples/app.log"
        })
        .unwrap();
    let region = &in_log["locations"][0]["physicalLocation"]["region"];
    assert!(region["startLine"].as_u64().unwrap() >= 1);
    assert!(region["startColumn"].as_u64().unwrap() >= 1);
    // Every rule used is described, with a level from its severity.
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    for r in results {
        let rule = &rules[r["ruleIndex"].as_u64().unwrap() as usize];
        assert_eq!(rule["id"], r["ruleId"]);
        assert!(!rule["fullDescription"]["text"].as_str().unwrap().is_empty());
        let level = match r["properties"]["severity"].as_str().unwrap() {
            "HIGH" => "error",
            "MEDIUM" => "warning",
            _ => "note",
        };
        assert_eq!(r["level"], level);
    }
}

#[test]
fn archive_members_are_nested_artifacts() {
    let dir = archive_dir();
    let target = dir.path().to_str().unwrap();
    let (sarif, err, ok) = trawl(&["scan", target, "--format", "sarif", "-q"]);
    assert!(ok, "{err}");
    let log: Value = serde_json::from_str(&sarif).unwrap();
    validate(&log);
    let run = &log["runs"][0];
    let artifacts = run["artifacts"].as_array().unwrap();
    let nested: Vec<&Value> = run["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| {
            r["ruleId"] == "CREDIT_CARD_NUMBER" && r["properties"]["member"] != Value::Array(vec![])
        })
        .collect();
    assert_eq!(nested.len(), 2, "{sarif}");
    for r in nested {
        let at = &r["locations"][0]["physicalLocation"]["artifactLocation"];
        let mut chain = Vec::new();
        let mut i = at["index"].as_u64();
        while let Some(k) = i {
            chain.push(
                artifacts[k as usize]["location"]["uri"]
                    .as_str()
                    .unwrap()
                    .to_string(),
            );
            i = artifacts[k as usize]["parentIndex"].as_u64();
        }
        let top = format!("file://{}/export%202026.zip", dir.path().display());
        assert_eq!(chain, ["staff.csv", "nested/inner.zip", top.as_str()]);
        assert!(r["message"]["text"]
            .as_str()
            .unwrap()
            .contains("in nested/inner.zip > staff.csv"));
        assert!(!sarif.contains("2274 2374"), "raw digits in the log");
    }
}

#[test]
fn sarif_and_dry_run_do_not_mix() {
    let (_, err, ok) = trawl(&["scan", "testdata/samples", "--format", "sarif", "--dry-run"]);
    assert!(!ok);
    assert_eq!(
        err.trim(),
        "trawl: error: --dry-run writes a plan, not findings: use --format human or jsonl"
    );
}
