//! Every extractor on arbitrary bytes: the first byte picks the name (and so the name-based
//! format hints), the rest is the content. Must never panic (outside third-party readers,
//! whose panics are caught and printed) or hang. The name list is kept as it is so that the
//! recorded findings (`NAMES[byte % 23]`) still reproduce; the family targets
//! (`extract_archives`, ...) cover each family with its own names and dictionary.
#![no_main]

#[path = "common.rs"]
mod common;

const NAMES: &[&str] = &[
    "a.txt", "a.csv", "a.tsv", "a.json", "a.jsonl", "a.gz", "a.tar", "a.zip", "a.bz2", "a.xz",
    "a.zst", "a.xml", "a.html", "a.eml", "a.pdf", "a.xlsx", "a.xls", "a.docx", "a.doc",
    "a.parquet", "a.avro", "a.7z", "noext",
];

libfuzzer_sys::fuzz_target!(|data: &[u8]| common::run(NAMES, data));
