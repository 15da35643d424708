//! The office documents and OLE (OOXML, OpenDocument, BIFF .xls, Word 97 .doc, PowerPoint 97 .ppt, Outlook .msg) extractors on arbitrary bytes: the first byte picks one of this family's names,
//! the rest is the content. Seeds and a dictionary for it: `scripts/fuzz extract_office`.
#![no_main]

#[path = "common.rs"]
mod common;

const NAMES: &[&str] = &[
    "a.xlsx", "a.xls", "a.xlsb", "a.ods", "a.docx", "a.pptx", "a.odt", "a.odp", "a.doc", "a.ppt",
    "a.msg", "noext",
];

libfuzzer_sys::fuzz_target!(|data: &[u8]| common::run(NAMES, data));
