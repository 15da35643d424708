//! trawl's detection engine: bytes in, detections out, no I/O.
//!
//! The main types: [`Catalog`] (managed identifiers, embedded as data), [`Selection`]
//! (RECOMMENDED, ALL, INCLUDE, EXCLUDE, NONE; ids or [`groups`] such as `COUNTRY:DE`), [`EngineBuilder`] and [`Engine`] (built once,
//! `Send + Sync`), [`Scratch`] (one per thread), [`KeywordContext`] (keywords that a column
//! name or JSON path supplies) and [`Match`].
//!
//! ```
//! use trawl_identifiers::{EngineBuilder, KeywordContext, Selection};
//!
//! let engine = EngineBuilder::new().selection(Selection::All).build().unwrap();
//! let mut scratch = engine.scratch();
//! let mut found = Vec::new();
//! let text = b"card number: 4539 2274 2374 7675";
//! engine.scan(text, &KeywordContext::none(), &mut scratch, &mut found);
//! assert_eq!(found.len(), 1);
//! assert_eq!(engine.identifiers()[found[0].identifier].id, "CREDIT_CARD_NUMBER");
//! assert_eq!(engine.mask(&found[0], text), "4539 22** **** 7675");
//! ```
#![deny(missing_docs)]

pub mod allow;
mod catalog;
mod custom;
mod engine;
mod error;
pub mod groups;
mod identifier;
mod keywords;
pub mod mask;
pub mod validate;

pub use allow::AllowList;
pub use catalog::{Catalog, Selection};
pub use custom::parse_custom_identifiers;
pub use engine::{
    keyword_variants, Candidate, DropReason, Engine, EngineBuilder, IdentifierIndex,
    KeywordContext, Match, Scratch, MAX_CUSTOM_DISTANCE, MAX_LOOKBEHIND, MAX_MATCH_LEN,
};
pub use error::{Error, ErrorKind};
pub use identifier::{
    Category, Extend, Identifier, KeywordRule, Severity, SeverityRule, TokenClass,
};
