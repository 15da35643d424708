//! The crate's error type: what stops a run (per-object trouble is a reason, not an error).

use std::io;
use std::path::PathBuf;

/// An error that stops a run.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// No target could be scanned.
    #[error("nothing was scanned: {0}")]
    NothingScanned(String),
    /// A target is not usable.
    #[error("target {path}: {source}")]
    Target {
        /// The target.
        path: PathBuf,
        /// Why.
        source: io::Error,
    },
    /// Writing results failed.
    #[error("writing results: {0}")]
    Sink(#[source] io::Error),
    /// The worker pool could not start.
    #[error("starting worker threads: {0}")]
    Threads(String),
}
