//! The JSON, CSV and text extractors on arbitrary bytes: the first byte picks one of this family's names,
//! the rest is the content. Seeds and a dictionary for it: `scripts/fuzz extract_text`.
#![no_main]

#[path = "common.rs"]
mod common;

const NAMES: &[&str] = &["a.txt", "a.csv", "a.tsv", "a.json", "a.jsonl", "a.log", "noext"];

libfuzzer_sys::fuzz_target!(|data: &[u8]| common::run(NAMES, data));
