//! Every extractor on arbitrary bytes: the first byte picks the name (and so the
//! name-based format hints), the rest is the content. Must never panic or hang.
#![no_main]

use libfuzzer_sys::fuzz_target;
use trawl_formats::{extract, Chunk, Limits, TextSink};

struct Discard;

impl TextSink for Discard {
    fn chunk(&mut self, c: &Chunk<'_>) {
        // Touch every location, as the scanner does.
        let mut cursor = trawl_formats::LineCursor::default();
        for p in [c.report.start, c.report.end.saturating_sub(1)] {
            if p < c.text.len() {
                let _ = c.locator.locate(c.text, p, &mut cursor);
            }
        }
    }
}

const NAMES: &[&str] = &[
    "a.txt", "a.csv", "a.tsv", "a.json", "a.jsonl", "a.gz", "a.tar", "a.zip", "a.bz2", "a.xz",
    "a.zst", "a.xml", "a.html", "a.eml", "a.pdf", "a.xlsx", "a.xls", "a.docx", "a.doc",
    "a.parquet", "a.avro", "a.7z", "noext",
];

fuzz_target!(|data: &[u8]| {
    let Some((&pick, content)) = data.split_first() else {
        return;
    };
    let name = NAMES[pick as usize % NAMES.len()];
    let limits = Limits {
        max_total_bytes: 64 << 20,
        max_member_bytes: 32 << 20,
        time_budget: Some(std::time::Duration::from_secs(5)),
        ..Limits::default()
    };
    let _ = extract(&mut &content[..], name, &limits, &mut Discard);
});
