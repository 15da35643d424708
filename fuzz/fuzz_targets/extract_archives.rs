//! The archives and compression (gzip, bzip2, xz, zstd, lz4, brotli, tar, zip, 7z) extractors on arbitrary bytes: the first byte picks one of this family's names,
//! the rest is the content. Seeds and a dictionary for it: `scripts/fuzz extract_archives`.
#![no_main]

#[path = "common.rs"]
mod common;

const NAMES: &[&str] = &[
    "a.gz", "a.tar", "a.zip", "a.bz2", "a.xz", "a.zst", "a.7z", "a.tgz", "a.tar.gz", "a.lz4",
    "a.br", "noext",
];

libfuzzer_sys::fuzz_target!(|data: &[u8]| common::run(NAMES, data));
