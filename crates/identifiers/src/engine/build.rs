//! Building: the builder, and the compile step that turns a selection into an [`Engine`].

use std::collections::{HashMap, HashSet};

use regex_automata::hybrid;

use super::plan::{searched_where_it_ends, Plan, Reports};
use super::regexes::{
    builtin_facts, compile_regex_with, parse_regex, syntax_config, CompiledRegex, RegexFacts,
};
use super::{Detector, Engine, Reach};
use crate::allow::AllowList;
use crate::catalog::{Catalog, Selection};
use crate::error::{Error, ErrorKind};
use crate::identifier::{Identifier, KeywordRule};
use crate::keywords::KeywordTrie;

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
        let mut all: Vec<Identifier> = self.catalog.into_identifiers();
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

impl Engine {
    /// Compiles the engine from every entry (`all`: the catalogue, then custom identifiers),
    /// the ids that are on and the allow list. Entries from `eager_from` on compile their
    /// regexes now; the builtin catalogue's compile on first use (they are only parsed here).
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
        let mut compiled = compile_eager(&all, eager_from, &positions);
        let mut plan = Plan::default();
        for (n, ident) in all.iter().enumerate() {
            let Some(pattern) = &ident.regex else {
                continue;
            };
            let Some(reports) = Reports::of(ident, &positions) else {
                continue;
            };
            // Compiled now (a custom identifier's regex), its errors have surfaced.
            let (eager, facts) = match compiled[n].take() {
                Some(r) => {
                    let (compiled, max_len) = r?;
                    (Some(compiled), parsed(max_len))
                }
                None => match builtin_facts(&ident.id, pattern).filter(|_| n < eager_from) {
                    Some(facts) => (None, facts),
                    None => (None, parsed(parse_regex(&ident.id, pattern)?)),
                },
            };
            plan.add_detector(ident, pattern, reports, eager, facts)?;
        }
        let tables = plan.finish();
        let prefilter = build_prefilter(&tables.patterns)?;
        let keyword_trie = KeywordTrie::new(&tables.trie_words);
        let always = always_searched(&tables.detectors);
        Ok(Engine {
            identifiers,
            detectors: tables.detectors,
            prefilter,
            prefilter_longest: tables.prefilter_longest,
            triggers: tables.triggers,
            always,
            keyword_search: tables.keyword_search,
            keyword_triggers: tables.keyword_triggers,
            anchor_triggers: tables.anchor_triggers,
            keyword_trie,
            context_triggers: tables.context_triggers,
            max_keyword_len: tables.max_keyword_len,
            allow,
        })
    }
}

/// The facts of a regex just parsed (its prefixes are looked at when needed).
fn parsed(max_len: Option<usize>) -> RegexFacts {
    RegexFacts {
        max_len,
        prefixes_begin_with_anchors: None,
    }
}

/// Whether an entry's regex is used: it has one, and reports an enabled identifier (itself,
/// through a route, or as a twin). `positions` holds the enabled identifiers.
fn used(ident: &Identifier, positions: &HashMap<&str, usize>) -> bool {
    let reports = |id: &str| positions.contains_key(id);
    ident.regex.is_some()
        && (match &ident.reports_as {
            Some(r) => reports(r),
            None if ident.routes.is_empty() => reports(&ident.id),
            None => ident.routes.iter().any(|(_, id)| reports(id)),
        } || matches!(&ident.keyword_rule, KeywordRule::Twin(t) if reports(t))
            || (!ident.shadows.is_empty() && ident.shadows.iter().any(|id| reports(id))))
}

/// Compiles the regexes of the used entries from `eager_from` on (those that are not the
/// builtin catalogue's), in parallel; None for the others.
fn compile_eager(
    all: &[Identifier],
    eager_from: usize,
    positions: &HashMap<&str, usize>,
) -> Vec<Option<Result<CompiledRegex, Error>>> {
    use rayon::prelude::*;
    let used: Vec<bool> = all.iter().map(|ident| used(ident, positions)).collect();
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
}

/// The prefilter over `patterns`: one lazy DFA that reports, in one pass, where every anchor,
/// gating keyword and unanchored detector's regex matches end (overlapping, all patterns at
/// once). None without patterns.
fn build_prefilter(patterns: &[String]) -> Result<Option<hybrid::dfa::DFA>, Error> {
    if patterns.is_empty() {
        return Ok(None);
    }
    let dfa = hybrid::dfa::DFA::builder()
        .syntax(syntax_config())
        .thompson(regex_automata::nfa::thompson::Config::new().nfa_size_limit(Some(64 << 20)))
        .configure(
            hybrid::dfa::DFA::config()
                .match_kind(regex_automata::MatchKind::All)
                .cache_capacity(16 << 20),
        )
        .build_many(patterns)
        .map_err(|e| {
            Error::new(ErrorKind::Regex {
                id: "(prefilter)".into(),
                message: e.to_string(),
            })
        })?;
    Ok(Some(dfa))
}

/// The detectors that search the whole buffer whatever the prefilter saw.
fn always_searched(detectors: &[Detector]) -> Vec<usize> {
    detectors
        .iter()
        .enumerate()
        .filter(|(_, d)| {
            d.reach == Reach::Everywhere
                || (d.reach == Reach::Keywords && d.rule != KeywordRule::Required)
        })
        .map(|(i, _)| i)
        .collect()
}
