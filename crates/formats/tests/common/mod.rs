//! What the formats test binaries share (each binary uses some of it).
#![allow(dead_code)]

use std::io::Write;
use std::path::{Path, PathBuf};

/// The real-world corpus, `../shared/corpus/real` beside the clone (or beside a worktree's
/// parent). When it is absent: `None` after a one-line notice on standard error, or a failure
/// when `TRAWL_REQUIRE_CORPUS=1` (as `.ci/run` sets it).
pub fn corpus() -> Option<PathBuf> {
    let base = Path::new(env!("CARGO_MANIFEST_DIR"));
    let found = [
        "../../../shared/corpus/real",
        "../../../../shared/corpus/real",
    ]
    .iter()
    .map(|p| base.join(p))
    .find(|p| p.join("MANIFEST.tsv").is_file());
    if found.is_none() {
        assert!(
            std::env::var("TRAWL_REQUIRE_CORPUS").map_or(true, |v| v != "1"),
            "../shared/corpus not found and TRAWL_REQUIRE_CORPUS=1"
        );
        // Straight to standard error, past the test harness's capture, so that the skip shows.
        let test = std::thread::current().name().unwrap_or("test").to_string();
        let _ = writeln!(
            std::io::stderr().lock(),
            "{test}: skipped: ../shared/corpus not found \
             (set TRAWL_REQUIRE_CORPUS=1 to fail instead)"
        );
    }
    found
}

/// A zip of `files` (name, bytes), deflated, as office packages are.
pub fn zip_of(files: &[(&str, &[u8])]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, data) in files {
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        w.start_file(*name, opts).unwrap();
        w.write_all(data).unwrap();
    }
    w.finish().unwrap().into_inner()
}
