//! `trawl-testgen`: deterministic generators of big or hostile test data for trawl.
//!
//! Every subcommand is byte-identical from run to run: all randomness comes from a SplitMix64
//! generator with a fixed seed (no clock, no environment, no thread-order dependence).
//!
//! * `corpus DIR --mb N [--files K] [--seed S]` writes `K` files `DIR/part-NNN.log` (default
//!   64) totalling about `N` MiB of mixed text: application log lines, prose paragraphs,
//!   configuration blocks, CSV tables and JSON lines. Roughly once per 20 KB it plants a
//!   sensitive item (payment card numbers with and without a keyword nearby, SSNs, AWS access
//!   key ids, AWS secret keys, RSA private key blocks) and prints how many of each it planted,
//!   named by the trawl identifier that should report it.
//! * `bigtext FILE --mb N [--seed S]` writes exactly `N` MiB of log-like text: a ~1 MiB block
//!   generated once and repeated with a per-block counter, with an SSN and a card number (each
//!   with a keyword) in the first two lines and in the last two. Fast and bounded in memory.
//!   Prints the count of each planted identifier and the byte offset of each planted value.
//! * `table FILE --mb N [--seed S]` writes a Parquet file or an XLSX workbook (by `FILE`'s
//!   extension) of generated text cut into rows of three cells, about `N` MiB of cell text,
//!   for format throughput benchmarks (see `table.rs`). Prints the cell bytes and the counts
//!   of planted items.
//! * `tree DIR --mb N [--files K] [--seed S]` writes `K` files (default 5333) of 4-100 KiB,
//!   about `N` MiB in all, in `DIR/proj-NNN/{logs,exports,config,src,docs}/`: logs, CSV
//!   exports, JSON/YAML/.env configuration, Rust and Python source, Markdown and text prose,
//!   with items planted as `corpus` plants them (see `tree.rs`). Prints what `corpus` prints.
//!
//! Standard output is `key value` lines: `files K`, `bytes B`, `planted IDENTIFIER COUNT`,
//! `decoys N` (corpus), `offset IDENTIFIER BYTE_OFFSET` (bigtext).
//!
//! The clean text is built so that trawl with `--identifiers ALL` should report exactly the
//! planted items. Decoys (millisecond and nanosecond timestamps, order and account numbers,
//! Luhn-failing card-like numbers, 9-digit sequence numbers, phone numbers, certificates) keep
//! the detectors busy but can never validate, and the only keywords outside planted items are
//! AWS-secret ones ("invalid credentials", `SIGNING_SECRET_KEY=` + lowercase hex) that no valid
//! secret follows.
//!
//! Sizes are in MiB: `--mb N` means `N * 1_048_576` bytes.

#![deny(missing_docs)]

use std::io;

mod bigtext;
mod cli;
mod corpus;
mod gen;
mod plant;
mod rng;
mod table;
#[cfg(test)]
mod tests;
mod tree;
mod vocab;

pub use bigtext::{bigtext, BigText};
pub use cli::cli;
pub use corpus::corpus;
pub use plant::Tally;
pub use table::table;
pub use tree::tree;

/// One mebibyte: the unit of `--mb`.
const MIB: u64 = 1 << 20;
/// The seed used unless `--seed` says otherwise.
const DEFAULT_SEED: u64 = 0x7472_6177_6c2d_7467;
/// How many files `corpus` writes unless `--files` says otherwise.
const DEFAULT_FILES: usize = 64;
/// Generated text is written out in chunks of about this size (bounds memory).
const FLUSH_AT: usize = 1 << 20;
/// Distance in bytes between two planted items: uniform in this range (mean 20 KB).
const PLANT_GAP: (u64, u64) = (10_000, 30_000);
/// Prose is wrapped at this column.
const WRAP: usize = 78;
/// The size of the block `bigtext` repeats.
const BIG_BLOCK: usize = 1 << 20;
/// 2024-01-01T00:00:00Z in milliseconds: generated clocks start within 300 days of it.
const START_MS: u64 = 1_704_067_200_000;
const DAY_MS: u64 = 86_400_000;

/// Why a run failed.
#[derive(Debug)]
pub enum Failure {
    /// Bad command line.
    Usage(String),
    /// Writing the output failed.
    Io(io::Error),
}

impl From<io::Error> for Failure {
    fn from(e: io::Error) -> Failure {
        Failure::Io(e)
    }
}

/// A usage failure saying `msg`.
fn usage(msg: impl Into<String>) -> Failure {
    Failure::Usage(msg.into())
}
