//! Regex forms: how an identifier's regex is parsed, compiled (now or on first use) and, for
//! a detector searched in windows a match long, built as a dense DFA.

use std::sync::OnceLock;

use regex_automata::meta::{self, Regex};
use regex_automata::util::syntax;
use regex_automata::{dfa, Input};

use super::facts::{longest_match, parse_hir};
use crate::error::{Error, ErrorKind};

pub(super) fn syntax_config() -> syntax::Config {
    syntax::Config::new().unicode(false).utf8(false)
}

fn meta_config() -> meta::Config {
    Regex::config()
        .utf8_empty(false)
        .nfa_size_limit(Some(16 << 20))
        .hybrid_cache_capacity(16 << 20)
}

/// A compiled regex and its longest possible match (None: unbounded).
pub(super) type CompiledRegex = (Regex, Option<usize>);

fn regex_error(id: &str, message: String) -> Error {
    Error::new(ErrorKind::Regex {
        id: id.to_string(),
        message,
    })
}

/// What the plan needs to know of a regex before it is compiled.
#[derive(Clone, Copy, Debug)]
pub(super) struct RegexFacts {
    /// The longest possible match (None: unbounded).
    pub(super) max_len: Option<usize>,
    /// Whether every literal prefix begins with one of the entry's anchors, when known
    /// without parsing (the builtin catalogue's, recorded by the build).
    pub(super) prefixes_begin_with_anchors: Option<bool>,
}

/// The builtin catalogue's regex facts, recorded by the build script (`build.rs`, with the
/// same functions, `facts.rs`): `FACTS`, `(id, pattern, longest match, every literal prefix
/// begins with an anchor)` sorted by id.
mod recorded {
    include!(concat!(env!("OUT_DIR"), "/regex_facts.rs"));
}

/// The recorded facts of builtin entry `id`, when its regex is `pattern` (the one recorded).
pub(super) fn builtin_facts(id: &str, pattern: &str) -> Option<RegexFacts> {
    let i = recorded::FACTS.binary_search_by(|f| f.0.cmp(id)).ok()?;
    let (_, recorded_pattern, max_len, prefixes) = recorded::FACTS[i];
    (recorded_pattern == pattern).then_some(RegexFacts {
        max_len,
        prefixes_begin_with_anchors: Some(prefixes),
    })
}

/// Parses an identifier's regex (without compiling it); returns its longest possible match.
pub(super) fn parse_regex(id: &str, pattern: &str) -> Result<Option<usize>, Error> {
    let hir = parse_hir(pattern).map_err(|e| regex_error(id, e))?;
    longest_match(&hir).map_err(|e| regex_error(id, e))
}

/// Compiles an identifier's regex; returns it with its longest possible match.
pub(crate) fn compile_regex(id: &str, pattern: &str) -> Result<CompiledRegex, Error> {
    compile_regex_with(id, pattern, true)
}

/// [`compile_regex`], with or without the regex's own literal prefilter. A detector searched
/// only in windows a match long (the prefilter found where its matches end) has nothing to
/// skip, and setting a literal searcher up for each of those short searches costs more than
/// the search (a log holds an IPv4-shaped candidate on most lines).
pub(super) fn compile_regex_with(
    id: &str,
    pattern: &str,
    prefilter: bool,
) -> Result<CompiledRegex, Error> {
    let max_len = parse_regex(id, pattern)?;
    let regex = Regex::builder()
        .syntax(syntax_config())
        .configure(meta_config().auto_prefilter(prefilter))
        .build(pattern)
        .map_err(|e| regex_error(id, e.to_string()))?;
    Ok((regex, max_len))
}

/// A detector's regex, compiled on first use: a large selection's regexes mostly never run on
/// a given input (they sit behind anchors and keywords), and compiling every one of them was
/// most of the engine's start-up. Regexes that did not come from the builtin catalogue are
/// compiled while the engine is built, so that their errors surface there.
#[derive(Debug)]
pub(super) struct LazyRegex {
    pub(super) id: String,
    pub(super) pattern: String,
    /// Whether the compiled regex gets its own literal prefilter.
    pub(super) prefilter: bool,
    pub(super) regex: OnceLock<Option<Regex>>,
    /// For a detector searched in windows a match long ([`Reach::Batch`](super::Reach::Batch)): its regex as a
    /// fully built DFA pair, made on first use, None when it would be too large. Such a search
    /// is mostly set-up (hundreds of thousands of them over a log), and a dense DFA's costs a
    /// fraction of the general regex's lazy DFA and strategy layers.
    pub(super) dense: Option<OnceLock<Option<dfa::regex::Regex>>>,
}

impl LazyRegex {
    /// The compiled regex. None only if compiling failed, which the builtin catalogue's tests
    /// rule out for its regexes (and others compile at build time).
    pub(super) fn get(&self) -> Option<&Regex> {
        self.regex
            .get_or_init(|| {
                compile_regex_with(&self.id, &self.pattern, self.prefilter)
                    .ok()
                    .map(|r| r.0)
            })
            .as_ref()
    }

    /// The dense DFA form, when this regex has one (see [`LazyRegex::dense`]).
    pub(super) fn dense(&self) -> Option<&dfa::regex::Regex> {
        self.dense
            .as_ref()?
            .get_or_init(|| dense_regex(&self.pattern))
            .as_ref()
    }
}

/// What searches a detector's windows: its dense DFA form or its general regex.
pub(super) enum Finder<'a> {
    Dense(&'a dfa::regex::Regex),
    General(&'a Regex, &'a mut meta::Cache),
}

impl Finder<'_> {
    pub(super) fn find(&mut self, input: &Input) -> Option<regex_automata::Match> {
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
pub(super) fn dense_regex(pattern: &str) -> Option<dfa::regex::Regex> {
    let config = dfa::dense::Config::new()
        .dfa_size_limit(Some(DENSE_DFA_LIMIT))
        .determinize_size_limit(Some(4 * DENSE_DFA_LIMIT));
    dfa::regex::Regex::builder()
        .syntax(syntax_config())
        .dense(config)
        .build(pattern)
        .ok()
}
