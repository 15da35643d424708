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

use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use regex_automata::meta::{self, Regex};
use regex_automata::util::syntax;
use regex_automata::Input;
use regex_automata::{dfa, hybrid};

use crate::allow::AllowList;
use crate::catalog::{Catalog, Selection};
use crate::error::{Error, ErrorKind};
use crate::identifier::{Extend, Identifier, KeywordRule, TokenClass};
use crate::keywords::{keyword_start_ok, KeywordTrie};
use crate::mask::mask;

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
pub enum Drop {
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
    /// No keyword within reach.
    NoKeyword,
    /// A keyword is near, and this form is for text without one.
    KeywordPresent,
    /// The allow list covers it.
    AllowListed,
    /// The identifier it would be reported as is not enabled (or no route fits).
    NotEnabled,
}

impl Drop {
    /// A short explanation.
    pub fn as_str(self) -> &'static str {
        match self {
            Drop::Boundary => "inside a longer run of characters",
            Drop::IncompleteBlock => "no END line",
            Drop::IgnoredExample => "published example value",
            Drop::IgnoreWord => "contains an ignore word",
            Drop::Validator => "failed checksum or structure check",
            Drop::NoKeyword => "no keyword nearby",
            Drop::KeywordPresent => "keyword nearby (the keyword form applies)",
            Drop::AllowListed => "allow-listed",
            Drop::NotEnabled => "identifier not enabled",
        }
    }
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
    pub outcome: Result<IdentifierIndex, Drop>,
    /// The candidate, masked.
    pub masked: String,
}

/// Builds an [`Engine`] from a catalogue and a selection.
#[derive(Clone, Debug)]
pub struct EngineBuilder {
    catalog: Catalog,
    /// Whether `catalog` is the builtin one (its regexes compile on first use).
    builtin: bool,
    selection: Selection,
    custom: Vec<Identifier>,
    allow: AllowList,
}

impl Default for EngineBuilder {
    fn default() -> Self {
        EngineBuilder::new()
    }
}

impl EngineBuilder {
    /// The builtin catalogue with the RECOMMENDED selection.
    pub fn new() -> EngineBuilder {
        EngineBuilder {
            catalog: Catalog::builtin(),
            builtin: true,
            selection: Selection::Recommended,
            custom: Vec::new(),
            allow: AllowList::default(),
        }
    }

    /// Uses another catalogue of managed identifiers.
    pub fn catalog(mut self, catalog: Catalog) -> EngineBuilder {
        self.catalog = catalog;
        self.builtin = false;
        self
    }

    /// Which managed identifiers are on.
    pub fn selection(mut self, selection: Selection) -> EngineBuilder {
        self.selection = selection;
        self
    }

    /// Adds identifiers that are always on (custom identifiers).
    pub fn custom(mut self, identifiers: impl IntoIterator<Item = Identifier>) -> EngineBuilder {
        self.custom.extend(identifiers);
        self
    }

    /// Matches the allow list covers are not reported.
    pub fn allow_list(mut self, allow: AllowList) -> EngineBuilder {
        self.allow = allow;
        self
    }

    /// Compiles the engine.
    pub fn build(self) -> Result<Engine, Error> {
        let enabled = self.catalog.select(&self.selection)?;
        let mut all: Vec<Identifier> = self.catalog.identifiers().to_vec();
        // Entries from here on compile while the engine is built (errors surface there).
        let eager_from = if self.builtin { all.len() } else { 0 };
        let mut on: HashSet<String> = enabled.into_iter().collect();
        let known: HashSet<String> = all.iter().map(|i| i.id.clone()).collect();
        for c in self.custom {
            if known.contains(&c.id) || on.contains(&c.id) {
                return Err(Error::new(ErrorKind::Invalid {
                    id: c.id.clone(),
                    message: "a custom identifier may not reuse a managed or custom id".into(),
                }));
            }
            on.insert(c.id.clone());
            all.push(c);
        }
        Engine::compile(all, eager_from, &on, self.allow)
    }
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
    ignore_words: Vec<Vec<u8>>,
    token: TokenClass,
    extend: Extend,
    max_distance: usize,
    keyword_before: bool,
    keywords: Vec<Vec<u8>>,
    /// Keywords searched around each candidate (detectors whose keywords do not gate where
    /// they search: the global prefilter need not carry them).
    local_keywords: Option<AhoCorasick>,
    mask: crate::mask::MaskStyle,
}

/// The compiled engine. Built once, shared by reference across threads; each thread passes
/// its own [`Scratch`].
#[derive(Debug)]
pub struct Engine {
    identifiers: Vec<Identifier>,
    detectors: Vec<Detector>,
    prefilter: Option<hybrid::dfa::DFA>,
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
    windows: Vec<Vec<(usize, usize)>>,
    keywords: Vec<Vec<(usize, usize)>>,
    /// Detectors given windows or keywords by the last scan (so only they are cleared and
    /// visited: a CSV cell costs little however many identifiers are on).
    touched: Vec<usize>,
    candidates: Vec<usize>,
}

/// Which detectors have a keyword in the structural context of a buffer (a CSV column name,
/// the element names on a JSON path). Build with [`Engine::keyword_context`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct KeywordContext {
    bits: Vec<u64>,
}

impl KeywordContext {
    /// No structural context.
    pub fn none() -> KeywordContext {
        KeywordContext::default()
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

/// Keyword variants: lowercase; a keyword with spaces also matches with none, `_` or `-`.
pub fn keyword_variants(keyword: &str) -> Vec<String> {
    let k = keyword.to_lowercase();
    let mut v = vec![k.clone()];
    if k.contains(' ') {
        for sep in ["", "_", "-"] {
            v.push(k.replace(' ', sep));
        }
    }
    v.dedup();
    v
}

fn syntax_config() -> syntax::Config {
    syntax::Config::new().unicode(false).utf8(false)
}

fn meta_config() -> meta::Config {
    Regex::config()
        .utf8_empty(false)
        .nfa_size_limit(Some(16 << 20))
        .hybrid_cache_capacity(16 << 20)
}

/// A compiled regex and its longest possible match (None: unbounded).
type CompiledRegex = (Regex, Option<usize>);

fn regex_error(id: &str, message: String) -> Error {
    Error::new(ErrorKind::Regex {
        id: id.to_string(),
        message,
    })
}

/// An identifier's regex as the regex crate parses it for the engine (bytes, ASCII classes);
/// the parser's message when it is not a valid one.
fn parse_hir(pattern: &str) -> Result<regex_syntax::hir::Hir, String> {
    regex_syntax::ParserBuilder::new()
        .unicode(false)
        .utf8(false)
        .build()
        .parse(pattern)
        .map_err(|e| e.to_string())
}

/// Parses an identifier's regex (without compiling it); returns its longest possible match.
fn parse_regex(id: &str, pattern: &str) -> Result<Option<usize>, Error> {
    let hir = parse_hir(pattern).map_err(|e| regex_error(id, e))?;
    if hir.properties().minimum_len() == Some(0) {
        return Err(regex_error(
            id,
            "the pattern matches the empty string".into(),
        ));
    }
    Ok(hir.properties().maximum_len())
}

/// Compiles an identifier's regex; returns it with its longest possible match.
pub(crate) fn compile_regex(id: &str, pattern: &str) -> Result<CompiledRegex, Error> {
    compile_regex_with(id, pattern, true)
}

/// [`compile_regex`], with or without the regex's own literal prefilter. A detector searched
/// only in windows a match long (the prefilter found where its matches end) has nothing to
/// skip, and setting a literal searcher up for each of those short searches costs more than
/// the search (a log holds an IPv4-shaped candidate on most lines).
fn compile_regex_with(id: &str, pattern: &str, prefilter: bool) -> Result<CompiledRegex, Error> {
    let max_len = parse_regex(id, pattern)?;
    let regex = Regex::builder()
        .syntax(syntax_config())
        .configure(meta_config().auto_prefilter(prefilter))
        .build(pattern)
        .map_err(|e| regex_error(id, e.to_string()))?;
    Ok((regex, max_len))
}

/// Whether a detector is searched only where the one-pass prefilter saw one of its matches
/// end ([`Reach::Batch`]): no anchors, no gating keyword, a bounded match length.
fn searched_where_it_ends(ident: &Identifier, max_len: Option<usize>) -> bool {
    ident.anchors.is_empty() && ident.keyword_rule != KeywordRule::Required && max_len.is_some()
}

/// A detector's regex, compiled on first use: a large selection's regexes mostly never run on
/// a given input (they sit behind anchors and keywords), and compiling every one of them was
/// most of the engine's start-up. Regexes that did not come from the builtin catalogue are
/// compiled while the engine is built, so that their errors surface there.
#[derive(Debug)]
struct LazyRegex {
    id: String,
    pattern: String,
    /// Whether the compiled regex gets its own literal prefilter.
    prefilter: bool,
    regex: OnceLock<Option<Regex>>,
    /// For a detector searched in windows a match long ([`Reach::Batch`]): its regex as a
    /// fully built DFA pair, made on first use, None when it would be too large. Such a search
    /// is mostly set-up (hundreds of thousands of them over a log), and a dense DFA's costs a
    /// fraction of the general regex's lazy DFA and strategy layers.
    dense: Option<OnceLock<Option<dfa::regex::Regex>>>,
}

impl LazyRegex {
    /// The compiled regex. None only if compiling failed, which the builtin catalogue's tests
    /// rule out for its regexes (and others compile at build time).
    fn get(&self) -> Option<&Regex> {
        self.regex
            .get_or_init(|| {
                compile_regex_with(&self.id, &self.pattern, self.prefilter)
                    .ok()
                    .map(|r| r.0)
            })
            .as_ref()
    }

    /// The dense DFA form, when this regex has one (see [`LazyRegex::dense`]).
    fn dense(&self) -> Option<&dfa::regex::Regex> {
        self.dense
            .as_ref()?
            .get_or_init(|| dense_regex(&self.pattern))
            .as_ref()
    }
}

/// What searches a detector's windows: its dense DFA form or its general regex.
enum Finder<'a> {
    Dense(&'a dfa::regex::Regex),
    General(&'a Regex, &'a mut meta::Cache),
}

impl Finder<'_> {
    fn find(&mut self, input: &Input) -> Option<regex_automata::Match> {
        match self {
            // A search error (a DFA quits only on bytes it was told to, none here) ends the
            // window like no match.
            Finder::Dense(dfa) => dfa.try_search(input).ok().flatten(),
            Finder::General(regex, cache) => regex.search_with(cache, input),
        }
    }
}

/// Largest dense DFA (each direction) a window-searched detector gets; beyond it, the general
/// regex serves.
const DENSE_DFA_LIMIT: usize = 1 << 20;

/// `pattern` as a pair of fully built DFAs (forward for the end, reverse for the start of a
/// leftmost-first match, like the general regex), or None when they would exceed
/// [`DENSE_DFA_LIMIT`] or use what a DFA cannot (Unicode word boundaries).
fn dense_regex(pattern: &str) -> Option<dfa::regex::Regex> {
    let config = dfa::dense::Config::new()
        .dfa_size_limit(Some(DENSE_DFA_LIMIT))
        .determinize_size_limit(Some(4 * DENSE_DFA_LIMIT));
    dfa::regex::Regex::builder()
        .syntax(syntax_config())
        .dense(config)
        .build(pattern)
        .ok()
}

/// An automaton over keyword variants: ASCII case-insensitive, overlapping, unanchored.
fn keyword_automaton<P: AsRef<[u8]>>(words: &[P], id: &str) -> Result<AhoCorasick, Error> {
    let mut b = AhoCorasickBuilder::new();
    b.start_kind(aho_corasick::StartKind::Unanchored)
        .ascii_case_insensitive(true)
        .match_kind(MatchKind::Standard);
    b.build(words).map_err(|e| {
        Error::new(ErrorKind::Invalid {
            id: id.to_string(),
            message: e.to_string(),
        })
    })
}

/// The prefilter's patterns (each once) and, for each, the detectors it serves and how.
#[derive(Default)]
struct PrefilterPatterns {
    patterns: Vec<String>,
    index: HashMap<String, usize>,
    triggers: Vec<Vec<(usize, Role)>>,
}

impl PrefilterPatterns {
    fn add(&mut self, pattern: String, detector: usize, role: Role) {
        let i = *self.index.entry(pattern.clone()).or_insert_with(|| {
            self.patterns.push(pattern);
            self.triggers.push(Vec::new());
            self.patterns.len() - 1
        });
        self.triggers[i].push((detector, role));
    }
}

/// An anchor, before it is placed in the prefilter or the keyword trie.
struct Anchor {
    /// Its prefilter pattern.
    pattern: String,
    /// Its trie word (lowercase) when every match of its detector begins with one of the
    /// detector's anchors at a word start (see [`anchors_start_words`]).
    word: Option<String>,
    detector: usize,
    len: usize,
}

/// Whether every match of `ident` that can be reported begins with one of its anchors at a
/// position where the keyword trie looks ([`keyword_start_ok`]), so that the trie can find
/// the anchors instead of the prefilter: the anchors start with ASCII letters, every literal
/// prefix of the regex begins with an anchor (ASCII case aside, as the trie compares), and a
/// match right after a letter or digit fails the detector's token boundary.
fn anchors_start_words(ident: &Identifier, pattern: &str) -> bool {
    use regex_syntax::hir::literal::{ExtractKind, Extractor};
    if ident.anchors.is_empty()
        || !ident
            .anchors
            .iter()
            .all(|a| a.as_bytes().first().is_some_and(u8::is_ascii_alphabetic))
        || !matches!(
            ident.token,
            TokenClass::Alnum | TokenClass::Base64 | TokenClass::Word
        )
    {
        return false;
    }
    let Ok(hir) = parse_hir(pattern) else {
        return false;
    };
    let prefixes = Extractor::new().kind(ExtractKind::Prefix).extract(&hir);
    prefixes.literals().is_some_and(|literals| {
        !literals.is_empty()
            && literals.iter().all(|l| {
                ident.anchors.iter().any(|a| {
                    l.as_bytes().len() >= a.len()
                        && l.as_bytes()[..a.len()].eq_ignore_ascii_case(a.as_bytes())
                })
            })
    })
}

/// A case-insensitive literal as a prefilter pattern.
fn literal(text: &str) -> String {
    format!("(?i:{})", regex_syntax::escape(text))
}

fn strip_separators(v: &[u8]) -> Vec<u8> {
    v.iter()
        .copied()
        .filter(|b| *b != b' ' && *b != b'-')
        .collect()
}

/// Appends a window, folding it into the last one when they overlap (hits arrive in
/// ascending order of end, so most folds happen here and `merge` has little left to do).
fn push_window(wins: &mut Vec<(usize, usize)>, w: (usize, usize)) {
    if let Some(last) = wins.last_mut() {
        if w.0 >= last.0 && w.0 <= last.1 {
            last.1 = last.1.max(w.1);
            return;
        }
    }
    wins.push(w);
}

fn merge(wins: &mut Vec<(usize, usize)>) {
    wins.sort_unstable();
    let mut out: Vec<(usize, usize)> = Vec::with_capacity(wins.len());
    for &(s, e) in wins.iter() {
        match out.last_mut() {
            Some(last) if s <= last.1 => last.1 = last.1.max(e),
            _ => out.push((s, e)),
        }
    }
    *wins = out;
}

impl Engine {
    fn compile(
        all: Vec<Identifier>,
        eager_from: usize,
        on: &HashSet<String>,
        allow: AllowList,
    ) -> Result<Engine, Error> {
        // Reported identifiers: the enabled ones, in catalogue order.
        let identifiers: Vec<Identifier> = all
            .iter()
            .filter(|i| !i.is_detector_only() && on.contains(&i.id))
            .cloned()
            .collect();
        let positions: HashMap<&str, usize> = identifiers
            .iter()
            .enumerate()
            .map(|(i, x)| (x.id.as_str(), i))
            .collect();
        let index_of = |id: &str| positions.get(id).copied();

        let mut detectors = Vec::new();
        let mut prefilter_patterns = PrefilterPatterns::default();
        let mut context_patterns: Vec<String> = Vec::new();
        let mut context_index: HashMap<String, usize> = HashMap::new();
        let mut context_triggers: Vec<Vec<usize>> = Vec::new();
        let mut max_keyword_len = 0;
        let mut gating_keywords: Vec<(String, usize)> = Vec::new();
        let mut anchors: Vec<Anchor> = Vec::new();
        // Compile the regexes of the used entries that are not the builtin catalogue's, in
        // parallel; the builtin ones compile on first use (they are only parsed here).
        let used: Vec<bool> = all
            .iter()
            .map(|ident| {
                let reports = |id: &str| positions.contains_key(id);
                ident.regex.is_some()
                    && (match &ident.reports_as {
                        Some(r) => reports(r),
                        None if ident.routes.is_empty() => reports(&ident.id),
                        None => ident.routes.iter().any(|(_, id)| reports(id)),
                    } || matches!(&ident.keyword_rule, KeywordRule::Twin(t) if reports(t)))
            })
            .collect();
        let mut compiled: Vec<Option<Result<CompiledRegex, Error>>> = {
            use rayon::prelude::*;
            all.par_iter()
                .zip(used.par_iter())
                .enumerate()
                .map(|(n, (ident, &used))| match (&ident.regex, used) {
                    (Some(pattern), true) if n >= eager_from => {
                        Some(parse_regex(&ident.id, pattern).and_then(|max_len| {
                            let batch = searched_where_it_ends(ident, max_len);
                            compile_regex_with(&ident.id, pattern, !batch)
                        }))
                    }
                    _ => None,
                })
                .collect()
        };
        for (n, ident) in all.iter().enumerate() {
            let Some(pattern) = &ident.regex else {
                continue;
            };
            let report = match &ident.reports_as {
                Some(r) => index_of(r),
                None if ident.routes.is_empty() => index_of(&ident.id),
                None => None,
            };
            let mut routes: Vec<(Vec<u8>, Option<IdentifierIndex>)> = ident
                .routes
                .iter()
                .map(|(k, id)| (k.as_bytes().to_vec(), index_of(id)))
                .collect();
            routes.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then_with(|| a.0.cmp(&b.0)));
            let twin_report = match &ident.keyword_rule {
                KeywordRule::Twin(t) => index_of(t),
                _ => None,
            };
            if report.is_none() && twin_report.is_none() && routes.iter().all(|r| r.1.is_none()) {
                continue;
            }
            // Compiled now (a custom identifier's regex), its errors have surfaced.
            let (eager, max_len) = match compiled[n].take() {
                Some(r) => {
                    let (compiled, max_len) = r?;
                    (Some(compiled), max_len)
                }
                None => (None, parse_regex(&ident.id, pattern)?),
            };
            let d = detectors.len();
            let ignores_case = pattern.contains("(?i");
            let at_word_starts = max_len.is_some() && anchors_start_words(ident, pattern);
            for a in &ident.anchors {
                if a.is_empty() {
                    return Err(Error::new(ErrorKind::Invalid {
                        id: ident.id.clone(),
                        message: "empty anchor".into(),
                    }));
                }
                // Exactly as written unless the regex ignores case: a case-insensitive
                // literal keeps the prefilter's automaton in more states at once (a common
                // letter starts dozens of anchors), which makes it larger and slower.
                let anchor = if ignores_case {
                    literal(a)
                } else {
                    regex_syntax::escape(a)
                };
                anchors.push(Anchor {
                    pattern: anchor,
                    word: at_word_starts.then(|| a.to_ascii_lowercase()),
                    detector: d,
                    len: a.len(),
                });
            }
            let mut keywords = Vec::new();
            let gating = ident.keyword_rule == KeywordRule::Required;
            for k in &ident.keywords {
                for v in keyword_variants(k) {
                    if v.is_empty() {
                        continue;
                    }
                    max_keyword_len = max_keyword_len.max(v.len());
                    keywords.push(v.as_bytes().to_vec());
                    let ci = *context_index.entry(v.clone()).or_insert_with(|| {
                        context_patterns.push(v.clone());
                        context_triggers.push(Vec::new());
                        context_patterns.len() - 1
                    });
                    context_triggers[ci].push(d);
                    if gating {
                        gating_keywords.push((v.clone(), d));
                    }
                }
            }
            let local_keywords = if gating || keywords.is_empty() {
                None
            } else {
                Some(keyword_automaton(&keywords, &ident.id)?)
            };
            let max_len = max_len.map(|m| m.min(MAX_MATCH_LEN));
            let reach = if !ident.anchors.is_empty() && max_len.is_some() {
                Reach::Anchors
            } else if ident.keyword_rule == KeywordRule::Required {
                Reach::Keywords
            } else if let (Some(m), true) = (max_len, searched_where_it_ends(ident, max_len)) {
                prefilter_patterns.add(pattern.clone(), d, Role::Unanchored(m));
                Reach::Batch
            } else {
                Reach::Everywhere
            };
            let regex = LazyRegex {
                id: ident.id.clone(),
                pattern: pattern.clone(),
                prefilter: reach != Reach::Batch,
                regex: OnceLock::new(),
                dense: (reach == Reach::Batch).then(OnceLock::new),
            };
            if let Some(compiled) = eager {
                let _ = regex.regex.set(Some(compiled));
            }
            detectors.push(Detector {
                entry: ident.id.clone(),
                regex,
                max_len,
                report,
                routes,
                twin_report,
                rule: ident.keyword_rule.clone(),
                reach,
                validator: ident.validator,
                ignore: ident
                    .ignore
                    .iter()
                    .map(|v| strip_separators(v.as_bytes()))
                    .collect(),
                ignore_words: ident
                    .ignore_words
                    .iter()
                    .map(|w| w.as_bytes().to_vec())
                    .collect(),
                token: ident.token,
                extend: ident.extend,
                max_distance: ident.max_distance,
                keyword_before: ident.keyword_before,
                keywords,
                local_keywords,
                mask: ident.mask,
            });
        }
        // Gating keywords join the one-pass prefilter while they are few; a large set (ALL)
        // is searched with the keyword trie instead, which stays fast with thousands of them.
        let distinct: std::collections::BTreeSet<&str> =
            gating_keywords.iter().map(|(v, _)| v.as_str()).collect();
        let mut keyword_search = false;
        let mut keyword_triggers: Vec<Vec<usize>> = Vec::new();
        if distinct.len() <= KEYWORDS_IN_PREFILTER {
            for (v, d) in &gating_keywords {
                prefilter_patterns.add(literal(v), *d, Role::Keyword(v.len()));
            }
        } else {
            // The trie holds every keyword (context keywords too): a keyword's triggers name
            // the detectors it gates, none for a keyword that gates nothing.
            keyword_search = true;
            keyword_triggers = vec![Vec::new(); context_patterns.len()];
            for (v, d) in &gating_keywords {
                if let Some(&i) = context_index.get(v.as_str()) {
                    if !keyword_triggers[i].contains(d) {
                        keyword_triggers[i].push(*d);
                    }
                }
            }
        }
        // Anchors that begin every match at a word start join the keyword trie when it walks
        // the text anyway (ALL): the prefilter's automaton then tracks fewer literals at once.
        let mut trie_words = context_patterns.clone();
        let mut trie_anchors: Vec<(usize, usize, usize)> = Vec::new();
        for a in anchors {
            match a.word.filter(|_| keyword_search) {
                Some(word) => {
                    let i = *context_index.entry(word.clone()).or_insert_with(|| {
                        trie_words.push(word);
                        trie_words.len() - 1
                    });
                    trie_anchors.push((i, a.detector, a.len));
                }
                None => prefilter_patterns.add(a.pattern, a.detector, Role::Anchor(a.len)),
            }
        }
        let mut anchor_triggers: Vec<Vec<(usize, usize)>> = vec![Vec::new(); trie_words.len()];
        for (i, d, len) in trie_anchors {
            anchor_triggers[i].push((d, len));
        }
        context_triggers.resize(trie_words.len(), Vec::new());
        if keyword_search {
            keyword_triggers.resize(trie_words.len(), Vec::new());
        }
        let PrefilterPatterns {
            patterns, triggers, ..
        } = prefilter_patterns;
        let prefilter = if patterns.is_empty() {
            None
        } else {
            // One lazy DFA reports, in one pass, where every anchor, gating keyword and
            // unanchored detector's regex matches end (overlapping, all patterns at once).
            Some(
                hybrid::dfa::DFA::builder()
                    .syntax(syntax_config())
                    .thompson(
                        regex_automata::nfa::thompson::Config::new().nfa_size_limit(Some(64 << 20)),
                    )
                    .configure(
                        hybrid::dfa::DFA::config()
                            .match_kind(regex_automata::MatchKind::All)
                            .cache_capacity(16 << 20),
                    )
                    .build_many(&patterns)
                    .map_err(|e| {
                        Error::new(ErrorKind::Regex {
                            id: "(prefilter)".into(),
                            message: e.to_string(),
                        })
                    })?,
            )
        };
        let keyword_trie = KeywordTrie::new(&trie_words);
        let always = detectors
            .iter()
            .enumerate()
            .filter(|(_, d)| {
                d.reach == Reach::Everywhere
                    || (d.reach == Reach::Keywords && d.rule != KeywordRule::Required)
            })
            .map(|(i, _)| i)
            .collect();
        Ok(Engine {
            identifiers,
            detectors,
            prefilter,
            triggers,
            always,
            keyword_search,
            keyword_triggers,
            anchor_triggers,
            keyword_trie,
            context_triggers,
            max_keyword_len,
            allow,
        })
    }

    /// The enabled identifiers; [`Match::identifier`] indexes this slice.
    pub fn identifiers(&self) -> &[Identifier] {
        &self.identifiers
    }

    /// A fresh scratch for one thread.
    pub fn scratch(&self) -> Scratch {
        Scratch {
            caches: self.detectors.iter().map(|_| None).collect(),
            prefilter_cache: self.prefilter.as_ref().map(|p| p.create_cache()),
            windows: vec![Vec::new(); self.detectors.len()],
            keywords: vec![Vec::new(); self.detectors.len()],
            touched: Vec::new(),
            candidates: Vec::new(),
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

    /// Masks a match's bytes with its identifier's style.
    pub fn mask(&self, m: &Match, hay: &[u8]) -> String {
        mask(&hay[m.start..m.end], self.identifiers[m.identifier].mask)
    }

    /// Finds every detection in running text `hay`, sorted by start, appended to `out`.
    pub fn scan(
        &self,
        hay: &[u8],
        context: &KeywordContext,
        scratch: &mut Scratch,
        out: &mut Vec<Match>,
    ) {
        self.scan_impl(hay, context, false, scratch, out);
    }

    /// Like [`Engine::scan`] for one structured field (a CSV cell, a JSON value): an allow-list
    /// entry suppresses a match only when it covers the whole field.
    pub fn scan_field(
        &self,
        hay: &[u8],
        context: &KeywordContext,
        scratch: &mut Scratch,
        out: &mut Vec<Match>,
    ) {
        self.scan_impl(hay, context, true, scratch, out);
    }

    fn scan_impl(
        &self,
        hay: &[u8],
        context: &KeywordContext,
        field: bool,
        scratch: &mut Scratch,
        out: &mut Vec<Match>,
    ) {
        if scratch.caches.len() != self.detectors.len() {
            *scratch = self.scratch();
        }
        for &d in &scratch.touched {
            scratch.windows[d].clear();
            scratch.keywords[d].clear();
        }
        scratch.touched.clear();
        if self.keyword_search {
            let Scratch {
                keywords,
                windows,
                touched,
                ..
            } = &mut *scratch;
            self.keyword_trie.for_each(hay, |w, s, e| {
                for &d in &self.keyword_triggers[w] {
                    if keywords[d].is_empty() && windows[d].is_empty() {
                        touched.push(d);
                    }
                    keywords[d].push((s, e));
                }
                for &(d, _) in &self.anchor_triggers[w] {
                    if keywords[d].is_empty() && windows[d].is_empty() {
                        touched.push(d);
                    }
                    // The trie sees an anchor only at a word start, so a match that begins
                    // after a letter or digit has no window of its own; backed off by one
                    // more match length, like a keyword window, the search is in step with a
                    // whole-buffer search (which such a match may have moved along) by the
                    // time it reaches the anchor.
                    let reach = self.detectors[d].max_len.unwrap_or(MAX_MATCH_LEN);
                    push_window(
                        &mut windows[d],
                        (s.saturating_sub(2 * reach), (e + reach).min(hay.len())),
                    );
                }
            });
        }
        let mut everywhere = false;
        if let (Some(pf), Some(cache)) = (&self.prefilter, scratch.prefilter_cache.as_mut()) {
            let input = Input::new(hay);
            let mut state = hybrid::dfa::OverlappingState::start();
            loop {
                if pf
                    .try_search_overlapping_fwd(cache, &input, &mut state)
                    .is_err()
                {
                    // The lazy DFA gave up: search every detector everywhere instead.
                    everywhere = true;
                    break;
                }
                let Some(hm) = state.get_match() else {
                    break;
                };
                let end = hm.offset();
                for &(d, role) in &self.triggers[hm.pattern().as_usize()] {
                    if scratch.keywords[d].is_empty() && scratch.windows[d].is_empty() {
                        scratch.touched.push(d);
                    }
                    match role {
                        Role::Anchor(len) => {
                            let reach = self.detectors[d].max_len.unwrap_or(MAX_MATCH_LEN);
                            let start = end.saturating_sub(len);
                            push_window(
                                &mut scratch.windows[d],
                                (start.saturating_sub(reach), (end + reach).min(hay.len())),
                            );
                        }
                        Role::Keyword(len) => {
                            let start = end.saturating_sub(len);
                            if keyword_start_ok(hay, start) {
                                scratch.keywords[d].push((start, end));
                            }
                        }
                        Role::Unanchored(max_len) => {
                            // Every match of the detector's regex ends at a reported end (its
                            // own: the windows of one detector's matches are not another's).
                            push_window(
                                &mut scratch.windows[d],
                                (end.saturating_sub(max_len), end),
                            );
                        }
                    }
                }
            }
        }
        if everywhere {
            // Whole-buffer search of every detector: slower, the same answer.
            let first = out.len();
            for c in self.explain(hay, context, field) {
                if let Ok(identifier) = c.outcome {
                    out.push(Match {
                        start: c.start,
                        end: c.end,
                        identifier,
                    });
                }
            }
            out[first..].sort_unstable();
            return;
        }
        let first = out.len();
        // Visit only the detectors that can match: those given windows or keywords, those that
        // search everywhere (the unanchored ones the prefilter saw have windows), and those whose
        // keyword the structural context holds.
        let mut candidates = std::mem::take(&mut scratch.candidates);
        candidates.clear();
        candidates.extend_from_slice(&scratch.touched);
        candidates.extend_from_slice(&self.always);
        for (w, bits) in context.bits.iter().enumerate() {
            let mut b = *bits;
            while b != 0 {
                let i = b.trailing_zeros() as usize;
                candidates.push(w * 64 + i);
                b &= b - 1;
            }
        }
        candidates.sort_unstable();
        candidates.dedup();
        for &d in &candidates {
            let Some(det) = self.detectors.get(d) else {
                continue;
            };
            let ctx = context.has(d);
            let Scratch {
                caches,
                windows,
                keywords,
                ..
            } = scratch;
            let kws = &mut keywords[d];
            kws.sort_unstable();
            let gated = det.rule == KeywordRule::Required && !ctx;
            if gated && kws.is_empty() {
                continue;
            }
            let wins = &mut windows[d];
            match det.reach {
                Reach::Keywords if gated && det.max_len.is_some() => {
                    // A keyword window holds every match near its keyword. Its start is backed
                    // off by two more match lengths, so that the search is in step with a
                    // whole-buffer search by the time it reaches the keyword's reach (a regex
                    // whose matches can overlap at different starts tokenises by position).
                    let max_len = det.max_len.unwrap_or(0);
                    let reach = det.max_distance + max_len;
                    wins.extend(kws.iter().map(|&(s, e)| {
                        (
                            s.saturating_sub(reach + 2 * max_len),
                            (e + reach).min(hay.len()),
                        )
                    }));
                }
                Reach::Anchors | Reach::Batch => {
                    if wins.is_empty() {
                        continue;
                    }
                }
                Reach::Keywords | Reach::Everywhere => wins.push((0, hay.len())),
            }
            merge(wins);
            for &(s, e) in wins.iter() {
                let cache = &mut caches[d];
                self.search_range(d, hay, (s, e), ctx, field, kws, cache, false, &mut |c| {
                    if let Ok(identifier) = c.outcome {
                        out.push(Match {
                            start: c.start,
                            end: c.end,
                            identifier,
                        });
                    }
                });
            }
        }
        for &d in &candidates {
            scratch.windows[d].clear();
            scratch.keywords[d].clear();
        }
        scratch.touched.clear();
        scratch.candidates = candidates;
        out[first..].sort_unstable();
    }

    fn naive_keywords(det: &Detector, hay: &[u8], lower: &[u8]) -> Vec<(usize, usize)> {
        let mut kws = Vec::new();
        for k in &det.keywords {
            let mut at = 0;
            while let Some(p) = memchr::memmem::find(&lower[at..], k) {
                let s = at + p;
                if keyword_start_ok(hay, s) {
                    kws.push((s, s + k.len()));
                }
                at = s + 1;
            }
        }
        kws.sort_unstable();
        kws.dedup();
        kws
    }

    /// The reference the engine must equal: every detector's regex over the whole buffer,
    /// keywords found by a plain substring search. Slow; for tests and audits.
    pub fn scan_exhaustive(&self, hay: &[u8], context: &KeywordContext, out: &mut Vec<Match>) {
        let first = out.len();
        for c in self.explain(hay, context, false) {
            if let Ok(identifier) = c.outcome {
                out.push(Match {
                    start: c.start,
                    end: c.end,
                    identifier,
                });
            }
        }
        out[first..].sort_unstable();
    }

    /// Every regex candidate in `hay` (whole-buffer search, no prefilter) with what became of
    /// it: the identifier it is reported as, or why it was dropped.
    pub fn explain(&self, hay: &[u8], context: &KeywordContext, field: bool) -> Vec<Candidate> {
        let lower = hay.to_ascii_lowercase();
        let mut out = Vec::new();
        for (d, det) in self.detectors.iter().enumerate() {
            let kws = Self::naive_keywords(det, hay, &lower);
            let mut cache = None;
            self.search_range(
                d,
                hay,
                (0, hay.len()),
                context.has(d),
                field,
                &kws,
                &mut cache,
                true,
                &mut |mut c| {
                    c.entry = det.entry.clone();
                    c.masked = mask(&hay[c.start..c.end], det.mask);
                    out.push(c)
                },
            );
        }
        out.sort_by_key(|c| (c.start, c.end));
        out
    }

    /// Every candidate of detector `d` in `hay[start..end]`, confirmed, to `emit`. `general`:
    /// search with the general regex even where a dense DFA form exists (the exhaustive
    /// reference, which the windowed search must equal, stays independent of it).
    #[allow(clippy::too_many_arguments)]
    fn search_range(
        &self,
        d: usize,
        hay: &[u8],
        (start, end): (usize, usize),
        ctx: bool,
        field: bool,
        kws: &[(usize, usize)],
        cache: &mut Option<meta::Cache>,
        general: bool,
        emit: &mut dyn FnMut(Candidate),
    ) {
        let det = &self.detectors[d];
        let mut input = Input::new(hay).range(start..end);
        let mut finder = match det.regex.dense().filter(|_| !general) {
            Some(dense) => Finder::Dense(dense),
            None => {
                let Some(regex) = det.regex.get() else {
                    return;
                };
                let cache = cache.get_or_insert_with(|| regex.create_cache());
                Finder::General(regex, cache)
            }
        };
        while let Some(m) = finder.find(&input) {
            let (s, mut e) = (m.start(), m.end());
            // Advance past this match (never loop on an empty one).
            let next = if e > s { e } else { e + 1 };
            let outcome = self.confirm(det, hay, s, &mut e, ctx, field, kws);
            emit(Candidate {
                start: s,
                end: e,
                entry: String::new(),
                outcome,
                masked: String::new(),
            });
            if next >= end {
                break;
            }
            input.set_start(next);
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn confirm(
        &self,
        det: &Detector,
        hay: &[u8],
        s: usize,
        e: &mut usize,
        ctx: bool,
        field: bool,
        kws: &[(usize, usize)],
    ) -> Result<IdentifierIndex, Drop> {
        if s > 0 && det.token.contains(hay[s - 1]) {
            return Err(Drop::Boundary);
        }
        if *e < hay.len() && det.token.contains(hay[*e]) {
            return Err(Drop::Boundary);
        }
        if det.extend == Extend::PemBlock {
            *e = pem_end(hay, s, *e).ok_or(Drop::IncompleteBlock)?;
        }
        let value = &hay[s..*e];
        if let Some(v) = det.validator {
            if !v.check(value) {
                return Err(Drop::Validator);
            }
        }
        if !det.ignore.is_empty() && det.ignore.contains(&strip_separators(value)) {
            return Err(Drop::IgnoredExample);
        }
        if det
            .ignore_words
            .iter()
            .any(|w| memchr::memmem::find(value, w).is_some())
        {
            return Err(Drop::IgnoreWord);
        }
        let near = || {
            if ctx {
                return true;
            }
            let local;
            let kws = match &det.local_keywords {
                Some(ac) => {
                    local = self.keywords_around(ac, hay, s, *e, det.max_distance);
                    &local[..]
                }
                None => kws,
            };
            if det.keyword_before {
                keyword_before(kws, s, *e, det.max_distance)
            } else {
                keyword_near(kws, s, *e, det.max_distance, self.max_keyword_len)
            }
        };
        let report = if det.routes.is_empty() {
            det.report
        } else {
            det.routes
                .iter()
                .find(|(k, _)| value.starts_with(k))
                .and_then(|r| r.1)
        };
        let reported = match &det.rule {
            KeywordRule::None => report,
            KeywordRule::Absent => {
                if near() {
                    return Err(Drop::KeywordPresent);
                }
                report
            }
            KeywordRule::Required => {
                if !near() {
                    return Err(Drop::NoKeyword);
                }
                report
            }
            KeywordRule::Twin(_) => {
                if near() {
                    report
                } else {
                    Some(det.twin_report.ok_or(Drop::NoKeyword)?)
                }
            }
        };
        let reported = reported.ok_or(Drop::NotEnabled)?;
        let covered = if field { hay } else { value };
        if self.allow.covers(covered) {
            return Err(Drop::AllowListed);
        }
        Ok(reported)
    }
}

impl Engine {
    /// Keyword occurrences that could be within `dist` of `[s, e)`, sorted.
    fn keywords_around(
        &self,
        ac: &AhoCorasick,
        hay: &[u8],
        s: usize,
        e: usize,
        dist: usize,
    ) -> Vec<(usize, usize)> {
        let from = s.saturating_sub(dist + self.max_keyword_len);
        let to = (e + dist + self.max_keyword_len).min(hay.len());
        let mut out: Vec<(usize, usize)> = ac
            .find_overlapping_iter(&hay[from..to])
            .map(|m| (from + m.start(), from + m.end()))
            .filter(|&(ks, _)| keyword_start_ok(hay, ks))
            .collect();
        out.sort_unstable();
        out
    }
}

/// Whether a keyword lies within `dist` bytes of `[s, e)` on either side (overlap counts).
fn keyword_near(kws: &[(usize, usize)], s: usize, e: usize, dist: usize, max_kw: usize) -> bool {
    let lo = s.saturating_sub(dist + max_kw);
    let from = kws.partition_point(|&(ks, _)| ks < lo);
    for &(ks, ke) in &kws[from..] {
        if ks > e + dist {
            break;
        }
        let gap = if ke <= s {
            s - ke
        } else {
            ks.saturating_sub(e)
        };
        if gap <= dist {
            return true;
        }
    }
    false
}

/// Custom-identifier rule: a keyword ends at or before the match start, and the match ends
/// within `dist` bytes of the keyword's end.
fn keyword_before(kws: &[(usize, usize)], s: usize, e: usize, dist: usize) -> bool {
    kws.iter()
        .any(|&(_, ke)| ke <= s && e.saturating_sub(ke) <= dist)
}

/// The end of a PEM-style block whose BEGIN line is `hay[s..e]`: one past the `-----` that
/// closes the matching END line, within [`MAX_MATCH_LEN`] bytes. None without an END line.
fn pem_end(hay: &[u8], s: usize, e: usize) -> Option<usize> {
    let header = &hay[s..e];
    let label = header
        .strip_prefix(b"-----BEGIN ")?
        .strip_suffix(b"-----")?;
    let limit = (s + MAX_MATCH_LEN).min(hay.len());
    let mut end_marker = b"-----END ".to_vec();
    end_marker.extend_from_slice(label);
    end_marker.extend_from_slice(b"-----");
    let p = memchr::memmem::find(&hay[e..limit], &end_marker)?;
    Some(e + p + end_marker.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn engine_all() -> Engine {
        EngineBuilder::new()
            .selection(Selection::All)
            .build()
            .unwrap()
    }

    fn ids(engine: &Engine, text: &str) -> Vec<String> {
        let mut out = Vec::new();
        let mut scratch = engine.scratch();
        engine.scan(
            text.as_bytes(),
            &KeywordContext::none(),
            &mut scratch,
            &mut out,
        );
        out.iter()
            .map(|m| engine.identifiers()[m.identifier].id.clone())
            .collect()
    }

    /// Every example gives exactly one detection of its id; every negative example none.
    #[test]
    fn catalogue_examples() {
        let engine = engine_all();
        let catalog = Catalog::builtin();
        let mut checked = 0;
        for ident in catalog.identifiers() {
            assert!(ident.examples.len() >= 2, "{} needs two examples", ident.id);
            assert!(
                ident.negative_examples.len() >= 2,
                "{} needs two negative examples",
                ident.id
            );
            let expected = ident.reported_ids();
            for ex in &ident.examples {
                let found = ids(&engine, ex);
                let n = found
                    .iter()
                    .filter(|i| expected.contains(&i.as_str()))
                    .count();
                assert_eq!(n, 1, "{}: example {ex:?} gave {found:?}", ident.id);
                checked += 1;
            }
            for ex in &ident.negative_examples {
                let found = ids(&engine, ex);
                assert!(
                    !found.iter().any(|i| expected.contains(&i.as_str())),
                    "{}: negative example {ex:?} gave {found:?}",
                    ident.id
                );
                checked += 1;
            }
        }
        assert!(checked > 40);
    }

    /// A window-searched detector's dense DFA form finds exactly what its general regex finds,
    /// window by window, on the catalogue's examples and on random digit, dot and letter runs.
    #[test]
    fn dense_form_equals_general_regex() {
        let engine = engine_all();
        let mut text = String::new();
        for ident in Catalog::builtin().identifiers() {
            for ex in ident.examples.iter().chain(&ident.negative_examples) {
                text.push_str(ex);
                text.push('\n');
            }
        }
        let mut seed = 3u64;
        let alphabet = b"0123456789.:- DEGBFRabcdef";
        for _ in 0..20_000 {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            text.push(char::from(alphabet[(seed >> 33) as usize % alphabet.len()]));
        }
        let hay = text.as_bytes();
        let mut dense_detectors = 0;
        for (d, det) in engine.detectors.iter().enumerate() {
            if det.regex.dense().is_none() {
                continue;
            }
            dense_detectors += 1;
            for window in [
                (0, hay.len()),
                (17, hay.len() / 2),
                (hay.len() / 3, hay.len()),
            ] {
                let found = |general: bool| {
                    let mut out = Vec::new();
                    engine.search_range(
                        d,
                        hay,
                        window,
                        false,
                        false,
                        &[],
                        &mut None,
                        general,
                        &mut |c| out.push((c.start, c.end, c.outcome)),
                    );
                    out
                };
                let dense = found(false);
                assert!(!dense.is_empty(), "{}: nothing to compare", det.entry);
                assert_eq!(dense, found(true), "{}", det.entry);
            }
        }
        // Card numbers, IPv4 and IPv6 (the IBAN forms' DFA is over the size limit).
        assert!(dense_detectors >= 3, "{dense_detectors}");
    }

    /// With the keyword trie walking the text (ALL), anchors that begin every match at a word
    /// start are found by the trie, not the prefilter, and the engine still finds exactly what
    /// the exhaustive search reports, whatever precedes the token.
    #[test]
    fn word_start_anchors_are_found_by_the_trie() {
        let engine = engine_all();
        assert!(engine.keyword_search);
        let github = engine
            .detectors
            .iter()
            .position(|d| d.entry == "GITHUB_TOKEN")
            .unwrap();
        assert!(engine
            .anchor_triggers
            .iter()
            .flatten()
            .any(|&(d, _)| d == github));
        assert!(!engine.triggers.iter().flatten().any(|&(d, _)| d == github));
        // The e-mail address's '@' is not at a word start: it stays in the prefilter.
        let email = engine
            .detectors
            .iter()
            .position(|d| d.entry == "EMAIL_ADDRESS")
            .unwrap();
        assert!(engine.triggers.iter().flatten().any(|&(d, _)| d == email));
        let mut scratch = engine.scratch();
        let mut equals_exhaustive = |text: &str| {
            let mut fast = Vec::new();
            engine.scan(
                text.as_bytes(),
                &KeywordContext::none(),
                &mut scratch,
                &mut fast,
            );
            let mut slow = Vec::new();
            engine.scan_exhaustive(text.as_bytes(), &KeywordContext::none(), &mut slow);
            assert_eq!(fast, slow, "{text}");
        };
        let token = "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";
        for (before, found) in [
            ("", true),
            ("token=", true),
            ("(", true),
            ("_", false),
            ("x", false),
            ("7", false),
            ("aG", false),
        ] {
            let text = format!("{before}{token} end");
            assert_eq!(
                ids(&engine, &text).contains(&"GITHUB_TOKEN".to_string()),
                found,
                "{text}"
            );
            equals_exhaustive(&text);
        }
        // A token whose anchor follows a letter (no window of its own) holding, after a
        // separator, another anchor at a word start; anchors inside e-mail-like runs; a phone
        // prefix inside another. The windows must keep the whole-buffer search's steps (a
        // window starting at the second anchor would report a token the whole-buffer search
        // swallows into the first).
        for text in [
            "xglpat-aaaaaaaaaaaaaaaaaaaa-glpat-bbbbbbbbbbbbbbbbbbbbbbbb end",
            "x glpat-aaaaaaaaaaaaaaaaaaaa-glpat-bbbbbbbbbbbbbbbbbbbbbbbb end",
            "xxoxb-130159259538-8680909817290-xoxb-130159259538-8680909817290-c7Hrd0APsmYaUSRCsllZq3Zy",
            "jane.doe@acme.io@mail.example.org a@b@c.de",
            "call +1 +1 415 555 2671 or +44+44 20 7946 0958",
        ] {
            equals_exhaustive(text);
        }
    }

    /// Every one of Amazon Macie's managed identifier ids (the list kept beside the catalogue)
    /// is in the catalogue, and the catalogue has at least 43 more.
    #[test]
    fn all_macie_ids_and_more() {
        let catalog = Catalog::builtin();
        let listed: std::collections::BTreeSet<&str> =
            catalog.listed().map(|i| i.id.as_str()).collect();
        let macie: Vec<&str> = include_str!("builtin/macie_ids.txt")
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect();
        assert_eq!(macie.len(), 166);
        let missing: Vec<&&str> = macie.iter().filter(|id| !listed.contains(**id)).collect();
        assert!(missing.is_empty(), "missing Macie ids: {missing:?}");
        let extra = listed.len() - macie.len();
        assert!(extra >= 43, "only {extra} identifiers beyond Macie's");
    }

    /// RECOMMENDED is Macie's recommended set (35 ids) plus every credential type.
    #[test]
    fn recommended_is_macies_plus_credentials() {
        let macie = [
            "AWS_CREDENTIALS",
            "HTTP_BASIC_AUTH_HEADER",
            "OPENSSH_PRIVATE_KEY",
            "PGP_PRIVATE_KEY",
            "PKCS",
            "PUTTY_PRIVATE_KEY",
            "CREDIT_CARD_MAGNETIC_STRIPE",
            "CREDIT_CARD_NUMBER",
            "CANADA_DRIVERS_LICENSE",
            "DRIVERS_LICENSE",
            "UK_DRIVERS_LICENSE",
            "UK_ELECTORAL_ROLL_NUMBER",
            "FRANCE_NATIONAL_IDENTIFICATION_NUMBER",
            "GERMANY_NATIONAL_IDENTIFICATION_NUMBER",
            "ITALY_NATIONAL_IDENTIFICATION_NUMBER",
            "SPAIN_DNI_NUMBER",
            "UK_NATIONAL_INSURANCE_NUMBER",
            "CANADA_PASSPORT_NUMBER",
            "FRANCE_PASSPORT_NUMBER",
            "GERMANY_PASSPORT_NUMBER",
            "ITALY_PASSPORT_NUMBER",
            "SPAIN_PASSPORT_NUMBER",
            "UK_PASSPORT_NUMBER",
            "USA_PASSPORT_NUMBER",
            "CANADA_SOCIAL_INSURANCE_NUMBER",
            "SPAIN_SOCIAL_SECURITY_NUMBER",
            "USA_SOCIAL_SECURITY_NUMBER",
            "AUSTRALIA_TAX_FILE_NUMBER",
            "BRAZIL_CPF_NUMBER",
            "FRANCE_TAX_IDENTIFICATION_NUMBER",
            "GERMANY_TAX_IDENTIFICATION_NUMBER",
            "SPAIN_NIE_NUMBER",
            "SPAIN_NIF_NUMBER",
            "SPAIN_TAX_IDENTIFICATION_NUMBER",
            "USA_INDIVIDUAL_TAX_IDENTIFICATION_NUMBER",
        ];
        assert_eq!(macie.len(), 35);
        let catalog = Catalog::builtin();
        let recommended = catalog.select(&Selection::Recommended).unwrap();
        for id in macie {
            assert!(recommended.contains(id), "{id} is not in RECOMMENDED");
        }
        for i in catalog.listed() {
            let expected =
                macie.contains(&i.id.as_str()) || i.category == crate::Category::Credentials;
            assert_eq!(recommended.contains(&i.id), expected, "{}", i.id);
        }
    }

    /// Builtin regexes compile on first use, where an error could not be reported: every one
    /// must compile.
    #[test]
    fn every_builtin_regex_compiles() {
        let mut n = 0;
        for ident in Catalog::builtin().identifiers() {
            if let Some(p) = &ident.regex {
                compile_regex(&ident.id, p).unwrap();
                n += 1;
            }
        }
        assert!(n > 150);
    }

    /// Other regexes compile while the engine is built, and their errors surface there.
    #[test]
    fn non_builtin_regexes_compile_at_build() {
        let mut bad = Catalog::builtin()
            .get("USA_SOCIAL_SECURITY_NUMBER")
            .unwrap()
            .clone();
        bad.id = "HUGE".into();
        // Parses, but its NFA is over the size limit.
        bad.regex = Some("[a-z]{1000}{1000}".into());
        assert!(parse_regex("HUGE", bad.regex.as_deref().unwrap()).is_ok());
        let err = EngineBuilder::new()
            .selection(Selection::None)
            .custom([bad.clone()])
            .build();
        assert!(err.is_err());
        // The builtin catalogue passed as another catalogue compiles eagerly too.
        let engine = EngineBuilder::new()
            .catalog(Catalog::builtin())
            .selection(Selection::All)
            .build()
            .unwrap();
        assert!(engine
            .detectors
            .iter()
            .all(|d| d.regex.regex.get().is_some()));
        // The builtin one lazily: nothing compiled until a scan needs it.
        let engine = engine_all();
        assert!(engine
            .detectors
            .iter()
            .all(|d| d.regex.regex.get().is_none()));
        assert_eq!(
            ids(&engine, "ssn 536-22-8921"),
            ["USA_SOCIAL_SECURITY_NUMBER"]
        );
        assert!(engine
            .detectors
            .iter()
            .any(|d| d.regex.regex.get().is_some()));
    }

    #[test]
    fn twin_never_both() {
        let engine = engine_all();
        assert_eq!(
            ids(&engine, "card 4539227423747675"),
            ["CREDIT_CARD_NUMBER"]
        );
        assert_eq!(
            ids(&engine, "x 4539227423747675"),
            ["CREDIT_CARD_NUMBER_(NO_KEYWORD)"]
        );
    }

    #[test]
    fn keyword_distance_is_inclusive_30() {
        let engine = engine_all();
        let pad30 = ".".repeat(29);
        // "ssn" + space + 29 dots = 30 bytes between keyword end and match start.
        let text = format!("ssn {pad30}536-22-8921");
        assert_eq!(ids(&engine, &text), ["USA_SOCIAL_SECURITY_NUMBER"]);
        let text = format!("ssn .{pad30}536-22-8921");
        assert!(ids(&engine, &text).is_empty());
        // After the match counts too.
        let text = format!("536-22-8921 {pad30}SSN");
        assert_eq!(ids(&engine, &text), ["USA_SOCIAL_SECURITY_NUMBER"]);
    }

    #[test]
    fn keyword_variants_and_case() {
        let engine = engine_all();
        for kw in [
            "Social Security",
            "social_security",
            "SOCIAL-SECURITY",
            "socialsecurity",
        ] {
            let text = format!("{kw}: 536-22-8921");
            assert_eq!(ids(&engine, &text), ["USA_SOCIAL_SECURITY_NUMBER"], "{kw}");
        }
        // Inside a word it is not a keyword.
        assert!(ids(&engine, "classn 536-22-8921").is_empty());
    }

    #[test]
    fn structural_context_counts_as_keyword() {
        let engine = engine_all();
        let ctx = engine.keyword_context("customer ssn");
        let mut out = Vec::new();
        engine.scan(b"536-22-8921", &ctx, &mut engine.scratch(), &mut out);
        assert_eq!(out.len(), 1);
        let ctx = engine.keyword_context("order id");
        out.clear();
        engine.scan(b"536-22-8921", &ctx, &mut engine.scratch(), &mut out);
        assert!(out.is_empty());
    }

    #[test]
    fn pem_block_once_at_begin() {
        let engine = engine_all();
        let ex = &Catalog::builtin().get("PKCS").unwrap().examples[0].clone();
        let text = format!("line one\n{ex}\ntrailer\n");
        let mut out = Vec::new();
        engine.scan(
            text.as_bytes(),
            &KeywordContext::none(),
            &mut engine.scratch(),
            &mut out,
        );
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].start, 9);
        assert_eq!(&text[out[0].start..out[0].end], ex.as_str());
        assert_eq!(
            engine.mask(&out[0], text.as_bytes()),
            "-----BEGIN RSA PRIVATE KEY-----********"
        );
    }

    #[test]
    fn selection_recommended_excludes_twin() {
        let engine = EngineBuilder::new().build().unwrap();
        assert!(engine
            .identifiers()
            .iter()
            .all(|i| i.id != "CREDIT_CARD_NUMBER_(NO_KEYWORD)"));
        assert!(ids(&engine, "x 4539227423747675").is_empty());
        assert_eq!(
            ids(&engine, "visa 4539227423747675"),
            ["CREDIT_CARD_NUMBER"]
        );
    }
}
