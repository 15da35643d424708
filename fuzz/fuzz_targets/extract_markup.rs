//! The markup and e-mail (XML, HTML, MIME, RTF) extractors on arbitrary bytes: the first byte picks one of this family's names,
//! the rest is the content. Seeds and a dictionary for it: `scripts/fuzz extract_markup`.
#![no_main]

#[path = "common.rs"]
mod common;

const NAMES: &[&str] = &["a.xml", "a.html", "a.eml", "a.rtf", "noext"];

libfuzzer_sys::fuzz_target!(|data: &[u8]| common::run(NAMES, data));
