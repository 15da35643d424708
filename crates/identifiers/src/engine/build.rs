//! Building: the builder, and the compile step that turns a selection into an [`Engine`].

use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

use regex_automata::hybrid;

use super::confirm::strip_separators;
use super::plan::{
    anchors_start_words, keyword_automaton, keyword_variants, literal, searched_where_it_ends,
    Anchor, PrefilterPatterns,
};
use super::regexes::{compile_regex_with, parse_regex, syntax_config, CompiledRegex, LazyRegex};
use super::{Detector, Engine, IdentifierIndex, Reach, Role, KEYWORDS_IN_PREFILTER, MAX_MATCH_LEN};
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
}
