//! Running the `trawl` binary on local fixtures and reading its JSON Lines back.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;
use trawl_scanner::{Detection, ResultRecord};

pub fn trawl() -> Command {
    Command::new(env!("CARGO_BIN_EXE_trawl"))
}

pub fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

pub struct Run {
    pub out: Output,
    pub records: Vec<ResultRecord>,
    pub raw: Vec<Value>,
}

impl Run {
    pub fn code(&self) -> i32 {
        self.out.status.code().unwrap_or(-1)
    }
    pub fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.out.stderr).into_owned()
    }
    pub fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.out.stdout).into_owned()
    }
    pub fn record(&self, key: &str) -> &ResultRecord {
        self.records
            .iter()
            .find(|r| r.object.key == key)
            .unwrap_or_else(|| panic!("no record for {key}: {:?}", self.keys()))
    }
    pub fn keys(&self) -> Vec<String> {
        self.records.iter().map(|r| r.object.key.clone()).collect()
    }
}

/// Runs `trawl scan ARGS --format jsonl` and parses standard output.
pub fn scan(args: &[&str]) -> Run {
    let out = trawl()
        .arg("scan")
        .args(args)
        .args(["--format", "jsonl"])
        .output()
        .unwrap();
    let stdout = String::from_utf8(out.stdout.clone()).unwrap();
    let mut records = Vec::new();
    let mut raw = Vec::new();
    for line in stdout.lines() {
        raw.push(serde_json::from_str::<Value>(line).unwrap());
        records.push(serde_json::from_str::<ResultRecord>(line).unwrap());
    }
    Run { out, records, raw }
}

pub fn scan_dir(dir: &Path, extra: &[&str]) -> Run {
    let mut args = vec![dir.to_str().unwrap()];
    args.extend_from_slice(extra);
    scan(&args)
}

pub fn detection<'a>(r: &'a ResultRecord, kind: &str) -> &'a Detection {
    r.detections
        .iter()
        .find(|d| d.kind == kind)
        .unwrap_or_else(|| panic!("no {kind} in {}: {:?}", r.object.key, r.detections))
}

pub fn types(r: &ResultRecord) -> BTreeMap<String, u64> {
    r.detections
        .iter()
        .map(|d| (d.kind.clone(), d.count))
        .collect()
}

pub fn write(dir: &Path, name: &str, content: impl AsRef<[u8]>) -> PathBuf {
    let p = dir.join(name);
    if let Some(parent) = p.parent() {
        std::fs::create_dir_all(parent).unwrap();
    }
    std::fs::write(&p, content).unwrap();
    p
}

pub const CARD: &str = "4539227423747675";
pub const SECRET: &str = "Tk3yP9sQ2mX7vL1nR8bW4cF6hJ0dG5aZ+e/uYiOp";

/// Files under `dir`, recursively.
pub fn walk_count(dir: &Path) -> usize {
    let mut n = 0;
    for e in std::fs::read_dir(dir).unwrap() {
        let e = e.unwrap();
        let t = e.file_type().unwrap();
        if t.is_dir() {
            n += walk_count(&e.path());
        } else if t.is_file() {
            n += 1;
        }
    }
    n
}
