//! trawl's formats: bytes in, text with locations out.
//!
//! [`detect`] decides a format from content first and name second. [`extract`] reads an
//! object, pushes [`Chunk`]s of text with a [`Locator`] to a [`TextSink`], and returns an
//! [`Extraction`]: the format and any [`Reason`] why content was not (fully) read. Extraction
//! never panics on input and never holds more than a bounded buffer of running text.
//!
//! ```
//! use trawl_formats::{extract, Chunk, Limits, LineCursor, TextSink};
//!
//! struct Lines(Vec<u64>);
//! impl TextSink for Lines {
//!     fn chunk(&mut self, c: &Chunk<'_>) {
//!         if let Some(p) = memchr_pos(c.text, b'!') {
//!             let loc = c.locator.locate(c.text, p, &mut LineCursor::default());
//!             self.0.push(loc.line.unwrap());
//!         }
//!     }
//! }
//! fn memchr_pos(t: &[u8], b: u8) -> Option<usize> { t.iter().position(|x| *x == b) }
//!
//! let mut sink = Lines(Vec::new());
//! let out = extract(&mut &b"one\ntwo!\n"[..], "notes.txt", &Limits::default(), &mut sink);
//! assert_eq!(out.format.name(), "txt");
//! assert_eq!(sink.0, [2]);
//! ```
#![deny(missing_docs)]

mod detect;
mod extract;
mod format;
mod guard;
mod limits;
mod location;
mod reason;

pub use detect::{detect, format_from_name, Detected, HEAD_LEN};
pub use extract::{
    extract, extract_seekable, Chunk, Extraction, Limits, ReadSeek, TextSink, LOOKBEHIND,
    OVERLAP_AHEAD,
};
pub use format::{Format, TextEncoding};
pub use guard::CaughtPanic;
pub use limits::DEFAULT_TIME_BUDGET;
pub use location::{Cell, LineCursor, Location, Locator, StreamPos, TableCell};
pub use reason::{Reason, ReasonCode};
