//! What the CLI's test binaries share (each uses some of it).
#![allow(dead_code)]

pub mod cli;
pub mod s3;

use std::io::Write;
use std::path::{Path, PathBuf};

/// The real-world corpus, `../shared/corpus/real` beside the clone (or beside a worktree's
/// parent). When it is absent: `None` after a one-line notice on standard error, or a failure
/// when `TRAWL_REQUIRE_CORPUS=1` (as `.ci/run` sets it).
pub fn corpus() -> Option<PathBuf> {
    corpus_named("real")
}

/// The second real-world corpus, `../shared/corpus/real2`, found and skipped as [`corpus`] is.
pub fn corpus2() -> Option<PathBuf> {
    corpus_named("real2")
}

fn corpus_named(name: &str) -> Option<PathBuf> {
    let base = Path::new(env!("CARGO_MANIFEST_DIR"));
    let found = ["../../../shared/corpus", "../../../../shared/corpus"]
        .iter()
        .map(|p| base.join(p).join(name))
        .find(|p| p.join("MANIFEST.tsv").is_file());
    if found.is_none() {
        assert!(
            std::env::var("TRAWL_REQUIRE_CORPUS").map_or(true, |v| v != "1"),
            "../shared/corpus/{name} not found and TRAWL_REQUIRE_CORPUS=1"
        );
        // Straight to standard error, past the test harness's capture, so that the skip shows.
        let test = std::thread::current().name().unwrap_or("test").to_string();
        let _ = writeln!(
            std::io::stderr().lock(),
            "{test}: skipped: ../shared/corpus/{name} not found \
             (set TRAWL_REQUIRE_CORPUS=1 to fail instead)"
        );
    }
    found
}
