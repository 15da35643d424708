//! The engine: finds every enabled identifier in a buffer in one pass.
//!
//! Stage 1 runs one lazy DFA (ASCII case-insensitive literals, overlapping, all patterns at
//! once) over the buffer. Its patterns are every identifier's literal anchors (`AKIA`,
//! `-----BEGIN`, ...), the regexes of detectors with neither anchors nor a required keyword
//! (card numbers, IBANs, IP addresses) and, while there are few of them, the gating keywords;
//! each pattern remembers which detectors it serves and in which role. A large keyword set
//! (`ALL`: thousands of variants) is searched instead by a trie walked from word starts
//! (`keywords.rs`), and that trie then also finds the anchors that begin every reportable match
//! at a word start (`ghp_`, `xoxb-`, `AKIA`, ...), which keeps the prefilter's automaton small. Stage 2 runs a detector's regex only inside windows where a match can lie:
//! around its anchors, within reach of its keywords, or, for an unanchored detector, before
//! the ends of its own regex's matches that the prefilter reported. Stage 3 checks token
//! boundaries, ignore values and words, validators, keyword proximity and the allow list.
//!
//! The windows are exact supersets: every match of a regex whose maximum length is bounded lies
//! inside the window of the anchor it contains, of a keyword within reach, or of its own end.
//! So the engine finds what running every regex over the whole buffer finds
//! ([`Engine::scan_exhaustive`] does that; a property test and a large mixed text compare the
//! two). The builtin catalogue's regexes compile on first use: most of a large selection's
//! detectors never run on a given input.
//!
//! One file per stage: `build` (the builder, compiling a selection), `plan` (detectors, their
//! anchors, keywords and prefilter patterns), `regexes` (parsing, compiling on first use,
//! dense DFA forms), `scan` (the trie and prefilter passes, the search of each detector that
//! can match), `windows`, `confirm` (a candidate's checks) and `explain` (every candidate with
//! what became of it, and the exhaustive reference).

mod build;
mod confirm;
mod explain;
mod facts;
mod plan;
mod regexes;
mod scan;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_accuracy;
mod windows;

use std::collections::HashSet;

use regex_automata::{hybrid, meta};

use crate::allow::AllowList;
use crate::identifier::{Extend, Identifier, KeywordRule, TokenClass};
use crate::keywords::KeywordTrie;
use crate::mask::mask;

pub use build::EngineBuilder;
pub use plan::keyword_variants;
pub(crate) use regexes::compile_regex;
use regexes::LazyRegex;

/// The longest match the engine reports (PEM blocks are cut here). Streaming callers keep at
/// least this much overlap between buffers.
pub const MAX_MATCH_LEN: usize = 64 * 1024;

/// How far before a match the engine looks (keywords, boundaries). Streaming callers keep at
/// least this much context before the first byte whose matches they report.
pub const MAX_LOOKBEHIND: usize = 1024;

/// Up to this many distinct gating keywords are searched by the one-pass prefilter.
const KEYWORDS_IN_PREFILTER: usize = 256;

/// The longest custom-identifier keyword distance (Macie's limit).
pub const MAX_CUSTOM_DISTANCE: usize = 300;

/// Index of an enabled identifier in [`Engine::identifiers`].
pub type IdentifierIndex = usize;

/// One detection in a buffer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Match {
    /// Byte offset of the first byte.
    pub start: usize,
    /// Byte offset one past the last byte.
    pub end: usize,
    /// Which identifier (index into [`Engine::identifiers`]).
    pub identifier: IdentifierIndex,
}

/// Why a regex candidate was not reported.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum DropReason {
    /// It starts or ends inside a longer run of its characters.
    Boundary,
    /// A BEGIN line without its END line.
    IncompleteBlock,
    /// A published example value.
    IgnoredExample,
    /// It contains an ignore word.
    IgnoreWord,
    /// The checksum or structure validator failed.
    Validator,
    /// The right structure, but its check digits fail (an IBAN's mod-97).
    CheckDigits,
    /// Its check digits pass, but the national check digits inside it fail (the key of a
    /// BBAN inside an IBAN: Spain's control digits, France's clé RIB, Italy's CIN, ...).
    NationalCheck,
    /// The right shape, but it carries no secret (a URL's user info without a literal
    /// password: a user name or token alone, a placeholder; an assigned "password" that is a
    /// reference: an ARN, a URL, a path, a CSS selector).
    NoSecret,
    /// The right shape and check digit, but a date inside it does not exist (month 13, day
    /// 32, 30 February).
    ImpossibleDate,
    /// The right shape and check digit, but a dummy: one digit repeated (`1111111112`).
    DummyValue,
    /// It overlaps a candidate of an entry that overshadows it (a domestic bank account
    /// pattern or a card number inside an IBAN, valid or not; an e-mail address inside a
    /// URL's user info; the generic URL with credentials where a database URL or a token id
    /// reports it; another country's phone number inside a number with a country code).
    Shadowed,
    /// No keyword within reach.
    NoKeyword,
    /// A keyword is near, and this form is for text without one.
    KeywordPresent,
    /// The allow list covers it.
    AllowListed,
    /// The identifier it would be reported as is not enabled (or no route fits).
    NotEnabled,
}

/// A regex candidate and what became of it ([`Engine::explain`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Candidate {
    /// Start offset.
    pub start: usize,
    /// End offset (after extension).
    pub end: usize,
    /// The catalogue entry whose regex found it.
    pub entry: String,
    /// The identifier it is reported as, or why it was dropped.
    pub outcome: Result<IdentifierIndex, DropReason>,
    /// The candidate, masked.
    pub masked: String,
}

/// What a prefilter pattern stands for, for one detector. Literal lengths give a hit's start
/// (the prefilter reports where matches end).
#[derive(Clone, Copy, Debug)]
enum Role {
    /// One of the detector's anchors, this long.
    Anchor(usize),
    /// One of the detector's (gating) keywords, this long.
    Keyword(usize),
    /// The detector's own regex (an unanchored detector), at most this long.
    Unanchored(usize),
}

/// How a detector's search windows are found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Reach {
    /// Around its anchors.
    Anchors,
    /// Around keywords when they gate it, else the whole buffer (unbounded or context).
    Keywords,
    /// Where the prefilter found a match of its regex ending.
    Batch,
    /// The whole buffer.
    Everywhere,
}

#[derive(Debug)]
struct Detector {
    entry: String,
    regex: LazyRegex,
    max_len: Option<usize>,
    /// Reported when the keyword rule is satisfied (or there is none).
    report: Option<IdentifierIndex>,
    /// Route keys (longest first) and the identifier each reports as; when non-empty, the
    /// match's prefix picks the identifier instead of `report`.
    routes: Vec<(Vec<u8>, Option<IdentifierIndex>)>,
    /// Reported when a twin rule finds no keyword.
    twin_report: Option<IdentifierIndex>,
    rule: KeywordRule,
    reach: Reach,
    validator: Option<crate::validate::Validator>,
    ignore: HashSet<Vec<u8>>,
    /// Ignore values compare ASCII case aside (the regex is `(?i)` as a whole): stored in
    /// upper case.
    ignore_upper: bool,
    /// Enabled identifiers this detector's well-shaped candidates overshadow (its route
    /// targets and its `shadows`); empty for most.
    shadows: Vec<IdentifierIndex>,
    ignore_words: Vec<Vec<u8>>,
    token: TokenClass,
    extend: Extend,
    max_distance: usize,
    keyword_before: bool,
    keywords: Vec<Vec<u8>>,
    /// Keywords searched around each candidate with the keyword trie (detectors whose
    /// keywords do not gate where they search: the global prefilter need not carry them).
    local_keywords: bool,
    mask: crate::mask::MaskStyle,
}

/// The compiled engine. Built once, shared by reference across threads; each thread passes
/// its own [`Scratch`].
#[derive(Debug)]
pub struct Engine {
    identifiers: Vec<Identifier>,
    detectors: Vec<Detector>,
    prefilter: Option<hybrid::dfa::DFA>,
    /// No match of a prefilter pattern is longer (bytes): how far before its half the
    /// prefilter's second stream starts (see `scan::overlapping_ends`).
    prefilter_longest: usize,
    /// For each prefilter pattern: the detectors it serves and how.
    triggers: Vec<Vec<(usize, Role)>>,
    /// Detectors that search the whole buffer whatever the prefilter saw.
    always: Vec<usize>,
    /// Whether gating keywords are searched with `keyword_trie` (too many for the prefilter).
    keyword_search: bool,
    /// For each keyword in `keyword_trie`: the detectors it gates (with `keyword_search`).
    keyword_triggers: Vec<Vec<usize>>,
    /// For each word in `keyword_trie` (with `keyword_search`): the detectors whose anchor it
    /// is, and the anchor's length.
    anchor_triggers: Vec<Vec<(usize, usize)>>,
    /// Every detector's keyword variants, for structural context (column names, JSON paths)
    /// and, with `keyword_search`, gating keywords and word-start anchors in the text.
    keyword_trie: KeywordTrie,
    /// For each keyword in `keyword_trie`: the detectors whose keyword it is.
    context_triggers: Vec<Vec<usize>>,
    max_keyword_len: usize,
    allow: AllowList,
}

/// Per-thread working memory for [`Engine::scan`].
#[derive(Debug, Default)]
pub struct Scratch {
    /// Each detector's regex cache, made when it first searches.
    caches: Vec<Option<meta::Cache>>,
    prefilter_cache: Option<hybrid::dfa::Cache>,
    /// The prefilter's reports (end, pattern) from each of its streams, replayed in order.
    prefilter_ends: [Vec<(usize, usize)>; scan::STREAMS],
    windows: Vec<Vec<(usize, usize)>>,
    keywords: Vec<Vec<(usize, usize)>>,
    /// Detectors given windows or keywords by the last scan (so only they are cleared and
    /// visited: a CSV cell costs little however many identifiers are on).
    touched: Vec<usize>,
    candidates: Vec<usize>,
    /// Spans claimed by overshadowing detectors in the last scan.
    claims: Vec<Claim>,
}

/// A span a candidate of an overshadowing detector claims: matches of the detector's
/// `shadows` that overlap it are dropped, the candidate's own match excepted.
#[derive(Clone, Copy, Debug)]
struct Claim {
    start: usize,
    end: usize,
    detector: usize,
    /// What the candidate itself is reported as, if it is.
    own: Option<IdentifierIndex>,
}

impl Claim {
    /// Whether a candidate with `outcome` claims its span: its shape is right (a failed check
    /// digit, a URL's user info without a secret, or a no-keyword form with a keyword near,
    /// such as a phone number's `+CC` form, still counts; a boundary or structure failure does
    /// not).
    fn claims(outcome: &Result<IdentifierIndex, DropReason>) -> bool {
        !matches!(
            outcome,
            Err(DropReason::Boundary
                | DropReason::IncompleteBlock
                | DropReason::Validator
                | DropReason::IgnoreWord
                | DropReason::NoKeyword
                | DropReason::Shadowed)
        )
    }
}

/// Which detectors have a keyword in the structural context of a buffer (a CSV column name,
/// the element names on a JSON path). Build with [`Engine::keyword_context`].
#[derive(Clone, Debug, Default, Eq)]
pub struct KeywordContext {
    bits: Vec<u64>,
}

impl std::hash::Hash for KeywordContext {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        // What `eq` compares: the words, with their number.
        self.bits.hash(state);
    }
}

/// Word by word: the slice compare calls the C library's `memcmp`, and its masked vector
/// load at an empty vector's dangling pointer (most contexts are empty) takes a
/// fault-suppression assist: 79 ns a call on this machine against 2 ns for a short compare
/// of heap bytes (measured with glibc's AVX-512 `memcmp`).
impl PartialEq for KeywordContext {
    fn eq(&self, other: &KeywordContext) -> bool {
        self.bits.len() == other.bits.len()
            && self.bits.iter().zip(&other.bits).all(|(a, b)| a == b)
    }
}

impl KeywordContext {
    /// No structural context.
    pub fn none() -> KeywordContext {
        KeywordContext::default()
    }

    /// Whether the context holds no keyword at all.
    pub fn is_empty(&self) -> bool {
        self.bits.iter().all(|w| *w == 0)
    }

    fn has(&self, d: usize) -> bool {
        self.bits
            .get(d / 64)
            .is_some_and(|w| w & (1u64 << (d % 64)) != 0)
    }

    fn set(&mut self, d: usize) {
        if self.bits.len() <= d / 64 {
            self.bits.resize(d / 64 + 1, 0);
        }
        self.bits[d / 64] |= 1u64 << (d % 64);
    }
}

impl Engine {
    /// The enabled identifiers; [`Match::identifier`] indexes this slice.
    pub fn identifiers(&self) -> &[Identifier] {
        &self.identifiers
    }

    /// A fresh scratch for one thread.
    pub fn scratch(&self) -> Scratch {
        Scratch {
            caches: self.detectors.iter().map(|_| None).collect(),
            prefilter_cache: self.prefilter.as_ref().map(|p| p.create_cache()),
            prefilter_ends: Default::default(),
            windows: vec![Vec::new(); self.detectors.len()],
            keywords: vec![Vec::new(); self.detectors.len()],
            touched: Vec::new(),
            candidates: Vec::new(),
            claims: Vec::new(),
        }
    }

    /// Which detectors find a keyword in `context` (a column name, JSON path element names).
    pub fn keyword_context(&self, context: &str) -> KeywordContext {
        let mut kc = KeywordContext::default();
        self.keyword_trie.for_each(context.as_bytes(), |w, _, _| {
            for &d in &self.context_triggers[w] {
                kc.set(d);
            }
        });
        kc
    }

    /// Whether a match at `[start, end)` reported as `identifier` is overshadowed by one of
    /// `claims` (sorted by start).
    fn shadowed(&self, claims: &[Claim], start: usize, end: usize, identifier: usize) -> bool {
        claims.iter().any(|c| {
            c.start < end
                && start < c.end
                && !(c.own == Some(identifier) && c.start == start && c.end == end)
                && self.detectors[c.detector].shadows.contains(&identifier)
        })
    }

    /// Masks a match's bytes with its identifier's style.
    pub fn mask(&self, m: &Match, hay: &[u8]) -> String {
        mask(&hay[m.start..m.end], self.identifiers[m.identifier].mask)
    }
}
