//! Prints the text trawl extracts from a file (the reported part of each chunk, in order),
//! then the format and any reasons on standard error. For comparing our text with other
//! readers (`scripts/pdf-text-compare.py`).
//!
//! `cargo run -p trawl-formats --example extract_text -- FILE`

use std::io::Write;

use trawl_formats::{extract, Chunk, Limits, TextSink};

struct Print(Vec<u8>);

impl TextSink for Print {
    fn chunk(&mut self, c: &Chunk<'_>) {
        if let Some(context) = c.context {
            self.0.extend_from_slice(context.as_bytes());
            self.0.extend_from_slice(b": ");
        }
        self.0.extend_from_slice(&c.text[c.report.clone()]);
        self.0.push(b'\n');
    }
}

fn main() -> std::io::Result<()> {
    let Some(path) = std::env::args_os().nth(1) else {
        eprintln!("usage: extract_text FILE");
        std::process::exit(2);
    };
    let name = path.to_string_lossy().into_owned();
    let mut file = std::fs::File::open(&path)?;
    let mut out = Print(Vec::new());
    let e = extract(&mut file, &name, &Limits::default(), &mut out);
    std::io::stdout().lock().write_all(&out.0)?;
    eprintln!("format: {}", e.format.name());
    for r in &e.reasons {
        eprintln!("reason: {} {}", r.code.as_str(), r.message);
    }
    Ok(())
}
