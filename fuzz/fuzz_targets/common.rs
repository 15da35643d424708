//! What every extractor target shares: the first input byte picks the file name (and so the
//! name-based format hints) from the target's list, the rest is the content, extracted with
//! the product's code and small limits.
//!
//! A panic inside a third-party reader is caught by trawl-formats, as in the product: it is
//! printed as a finding (`caught panic in READER: ...`) and the fuzzer goes on. A panic in
//! trawl's own code is not caught and stops the fuzzer, as a crash.

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

/// Extracts `data` (name byte, content) as a file named from `names`.
pub fn run(names: &[&str], data: &[u8]) {
    let Some((&pick, content)) = data.split_first() else {
        return;
    };
    let name = names[pick as usize % names.len()];
    let limits = Limits {
        max_total_bytes: 64 << 20,
        max_member_bytes: 32 << 20,
        time_budget: Some(std::time::Duration::from_secs(5)),
        ..Limits::default()
    };
    let out = extract(&mut &content[..], name, &limits, &mut Discard);
    for p in &out.panics {
        eprintln!("caught panic in {} ({name}): {}", p.reader, p.message);
    }
}
