//! The plan: which prefilter patterns, keywords and anchors find each detector's windows.

use std::collections::HashMap;
use std::sync::OnceLock;

use regex_automata::meta::Regex;

use super::confirm::strip_separators;
use super::facts::{parse_hir, prefixes_begin_with};
use super::regexes::{LazyRegex, RegexFacts};
use super::{Detector, IdentifierIndex, Reach, Role, KEYWORDS_IN_PREFILTER, MAX_MATCH_LEN};
use crate::error::{Error, ErrorKind};
use crate::identifier::{Identifier, KeywordRule, TokenClass};

/// Keyword variants: lowercase; a keyword with spaces also matches with none, `_` or `-`. The
/// search folds ASCII case only, so a keyword with other letters also gets its capitals and,
/// when it starts with such a letter, its capitalised form (`ΑΜΚΑ`, `Αμκα`; `ЕГН`;
/// `FØDSELSNUMMER`), ASCII letters kept lowercase.
pub fn keyword_variants(keyword: &str) -> Vec<String> {
    let k = keyword.to_lowercase();
    let mut cased = Vec::with_capacity(3);
    if !k.is_ascii() {
        cased.push(k.to_uppercase().to_ascii_lowercase());
        let mut chars = k.chars();
        if let Some(first) = chars.next().filter(|c| !c.is_ascii()) {
            cased.push(first.to_uppercase().chain(chars).collect());
        }
    }
    cased.insert(0, k);
    // A handful of variants: a linear look-up dedupes them (this runs for every keyword at
    // every start).
    let mut v: Vec<String> = Vec::with_capacity(4 * cased.len());
    let mut add = |w: String| {
        if !v.contains(&w) {
            v.push(w);
        }
    };
    for k in cased {
        if k.contains(' ') {
            let joined = ["", "_", "-"].map(|sep| k.replace(' ', sep));
            add(k);
            for j in joined {
                add(j);
            }
        } else {
            add(k);
        }
    }
    v
}

/// Whether a detector is searched only where the one-pass prefilter saw one of its matches
/// end ([`Reach::Batch`](super::Reach::Batch)): no anchors, no gating keyword, a bounded match length.
pub(super) fn searched_where_it_ends(ident: &Identifier, max_len: Option<usize>) -> bool {
    ident.anchors.is_empty() && ident.keyword_rule != KeywordRule::Required && max_len.is_some()
}

/// The prefilter's patterns (each once) and, for each, the detectors it serves and how.
#[derive(Default)]
struct PrefilterPatterns {
    patterns: Vec<String>,
    index: HashMap<String, usize>,
    triggers: Vec<Vec<(usize, Role)>>,
    /// No match of any pattern is longer (bytes).
    longest: usize,
}

impl PrefilterPatterns {
    /// Adds `pattern` (no match of it longer than `longest` bytes) for `detector`.
    fn add(&mut self, pattern: String, longest: usize, detector: usize, role: Role) {
        self.longest = self.longest.max(longest);
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
/// position where the keyword trie looks ([`keyword_start_ok`](crate::keywords::keyword_start_ok)), so that the trie can find
/// the anchors instead of the prefilter: the anchors start with ASCII letters, every literal
/// prefix of the regex begins with an anchor (ASCII case aside, as the trie compares), and a
/// match right after a letter or digit fails the detector's token boundary.
///
/// `prefixes_known`: whether every literal prefix begins with an anchor, when already known
/// (recorded by the build for the builtin catalogue); else the regex is parsed.
fn anchors_start_words(ident: &Identifier, pattern: &str, prefixes_known: Option<bool>) -> bool {
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
    prefixes_known.unwrap_or_else(|| {
        parse_hir(pattern).is_ok_and(|hir| prefixes_begin_with(&hir, &ident.anchors))
    })
}

/// A case-insensitive literal as a prefilter pattern.
fn literal(text: &str) -> String {
    format!("(?i:{})", regex_syntax::escape(text))
}

/// No match of a literal of `len` bytes is longer, case folded (simple Unicode folding maps
/// a character to one character, of at most four bytes).
fn literal_longest(len: usize) -> usize {
    len.saturating_mul(4)
}

/// The identifiers a detector reports as.
pub(super) struct Reports {
    /// Reported when the keyword rule is satisfied (or there is none).
    report: Option<IdentifierIndex>,
    /// Route keys (longest first) and the identifier each reports as.
    routes: Vec<(Vec<u8>, Option<IdentifierIndex>)>,
    /// Reported when a twin rule finds no keyword.
    twin_report: Option<IdentifierIndex>,
    /// Enabled identifiers the detector overshadows (route targets and `shadows`).
    shadows: Vec<IdentifierIndex>,
}

impl Reports {
    /// What `ident` reports as, given the enabled identifiers' `positions`; None when it
    /// reports no enabled identifier (it gets no detector).
    pub(super) fn of(ident: &Identifier, positions: &HashMap<&str, usize>) -> Option<Reports> {
        let index_of = |id: &str| positions.get(id).copied();
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
        let mut shadows: Vec<IdentifierIndex> = Vec::new();
        if !ident.shadows.is_empty() {
            shadows.extend(routes.iter().filter_map(|r| r.1));
            shadows.extend(ident.shadows.iter().filter_map(|id| index_of(id)));
            shadows.sort_unstable();
            shadows.dedup();
        }
        if report.is_none()
            && twin_report.is_none()
            && routes.iter().all(|r| r.1.is_none())
            && shadows.is_empty()
        {
            return None;
        }
        Some(Reports {
            report,
            routes,
            twin_report,
            shadows,
        })
    }
}

/// The plan while detectors are added: the detectors, the prefilter's patterns, every keyword
/// variant and the anchors, which are placed once every detector is known.
#[derive(Default)]
pub(super) struct Plan {
    detectors: Vec<Detector>,
    prefilter: PrefilterPatterns,
    /// Every keyword variant once, then the anchors' trie words: the keyword trie's words.
    words: Vec<String>,
    word_index: HashMap<String, usize>,
    /// For each keyword variant in `words`: the detectors whose keyword it is.
    context_triggers: Vec<Vec<usize>>,
    max_keyword_len: usize,
    /// Each gating keyword variant and the detector it gates.
    gating_keywords: Vec<(String, usize)>,
    anchors: Vec<Anchor>,
}

/// The finished plan: the tables an [`Engine`](super::Engine) holds.
pub(super) struct Tables {
    pub(super) detectors: Vec<Detector>,
    /// The prefilter's patterns and, for each, the detectors it serves and how.
    pub(super) patterns: Vec<String>,
    pub(super) triggers: Vec<Vec<(usize, Role)>>,
    /// No match of a prefilter pattern is longer (bytes).
    pub(super) prefilter_longest: usize,
    /// Whether gating keywords are searched with the keyword trie.
    pub(super) keyword_search: bool,
    pub(super) keyword_triggers: Vec<Vec<usize>>,
    pub(super) anchor_triggers: Vec<Vec<(usize, usize)>>,
    /// The keyword trie's words.
    pub(super) trie_words: Vec<String>,
    pub(super) context_triggers: Vec<Vec<usize>>,
    pub(super) max_keyword_len: usize,
}

impl Plan {
    /// Adds the detector of `ident`, whose regex `pattern` has been parsed or looked up
    /// (`facts`) and, unless it is the builtin catalogue's, compiled (`eager`).
    pub(super) fn add_detector(
        &mut self,
        ident: &Identifier,
        pattern: &str,
        reports: Reports,
        eager: Option<Regex>,
        facts: RegexFacts,
    ) -> Result<(), Error> {
        let d = self.detectors.len();
        let max_len = facts.max_len;
        self.add_anchors(ident, pattern, d, facts)?;
        let keywords = self.add_keywords(ident, d);
        let gating = ident.keyword_rule == KeywordRule::Required;
        let local_keywords = !gating && !keywords.is_empty();
        let max_len = max_len.map(|m| m.min(MAX_MATCH_LEN));
        let reach = self.reach(ident, pattern, d, max_len, facts.max_len);
        // IBANs are compared upper-cased whatever case the regex takes (letters of the BBAN
        // in either case), as are matches of case-insensitive regexes.
        let ignore_upper =
            pattern.starts_with("(?i)") || ident.validator.is_some_and(|v| v.name() == "iban");
        let regex = LazyRegex {
            id: ident.id.clone(),
            pattern: pattern.to_string(),
            prefilter: reach != Reach::Batch,
            regex: OnceLock::new(),
            dense: (reach == Reach::Batch).then(OnceLock::new),
        };
        if let Some(compiled) = eager {
            let _ = regex.regex.set(Some(compiled));
        }
        self.detectors.push(Detector {
            entry: ident.id.clone(),
            regex,
            max_len,
            report: reports.report,
            routes: reports.routes,
            twin_report: reports.twin_report,
            rule: ident.keyword_rule.clone(),
            reach,
            validator: ident.validator,
            ignore: ident
                .ignore
                .iter()
                .map(|v| {
                    let mut v = strip_separators(v.as_bytes());
                    if ignore_upper {
                        v.make_ascii_uppercase();
                    }
                    v
                })
                .collect(),
            ignore_upper,
            shadows: reports.shadows,
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
        Ok(())
    }

    /// Notes detector `d`'s anchors, to be placed in the prefilter or the keyword trie.
    fn add_anchors(
        &mut self,
        ident: &Identifier,
        pattern: &str,
        d: usize,
        facts: RegexFacts,
    ) -> Result<(), Error> {
        let ignores_case = pattern.contains("(?i");
        let at_word_starts = facts.max_len.is_some()
            && anchors_start_words(ident, pattern, facts.prefixes_begin_with_anchors);
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
            self.anchors.push(Anchor {
                pattern: anchor,
                word: at_word_starts.then(|| a.to_ascii_lowercase()),
                detector: d,
                len: a.len(),
            });
        }
        Ok(())
    }

    /// Adds detector `d`'s keyword variants to the trie's words (and the gating keywords);
    /// returns them.
    fn add_keywords(&mut self, ident: &Identifier, d: usize) -> Vec<Vec<u8>> {
        let mut keywords = Vec::new();
        let gating = ident.keyword_rule == KeywordRule::Required;
        for k in &ident.keywords {
            for v in keyword_variants(k) {
                if v.is_empty() {
                    continue;
                }
                self.max_keyword_len = self.max_keyword_len.max(v.len());
                keywords.push(v.as_bytes().to_vec());
                let ci = *self.word_index.entry(v.clone()).or_insert_with(|| {
                    self.words.push(v.clone());
                    self.context_triggers.push(Vec::new());
                    self.words.len() - 1
                });
                self.context_triggers[ci].push(d);
                if gating {
                    self.gating_keywords.push((v.clone(), d));
                }
            }
        }
        keywords
    }

    /// How detector `d`'s windows are found; an unanchored detector searched where its
    /// matches end gets its regex into the prefilter.
    fn reach(
        &mut self,
        ident: &Identifier,
        pattern: &str,
        d: usize,
        max_len: Option<usize>,
        longest: Option<usize>,
    ) -> Reach {
        if !ident.anchors.is_empty() && max_len.is_some() {
            Reach::Anchors
        } else if ident.keyword_rule == KeywordRule::Required {
            Reach::Keywords
        } else if let (Some(m), true) = (max_len, searched_where_it_ends(ident, max_len)) {
            self.prefilter.add(
                pattern.to_string(),
                longest.unwrap_or(m),
                d,
                Role::Unanchored(m),
            );
            Reach::Batch
        } else {
            Reach::Everywhere
        }
    }

    /// Places the gating keywords and the anchors; returns the engine's tables.
    pub(super) fn finish(mut self) -> Tables {
        let keyword_triggers = self.place_gating_keywords();
        let keyword_search = keyword_triggers.is_some();
        let anchor_triggers = self.place_anchors(keyword_search);
        let n = self.words.len();
        self.context_triggers.resize(n, Vec::new());
        let mut keyword_triggers = keyword_triggers.unwrap_or_default();
        if keyword_search {
            keyword_triggers.resize(n, Vec::new());
        }
        let PrefilterPatterns {
            patterns,
            triggers,
            longest,
            ..
        } = self.prefilter;
        Tables {
            detectors: self.detectors,
            patterns,
            triggers,
            prefilter_longest: longest,
            keyword_search,
            keyword_triggers,
            anchor_triggers,
            trie_words: self.words,
            context_triggers: self.context_triggers,
            max_keyword_len: self.max_keyword_len,
        }
    }

    /// Gating keywords join the one-pass prefilter while they are few; a large set (ALL) is
    /// searched with the keyword trie instead, which stays fast with thousands of them: then
    /// returns, for each keyword variant, the detectors it gates.
    fn place_gating_keywords(&mut self) -> Option<Vec<Vec<usize>>> {
        // Sorted and deduped in a vector: a set of thousands of strings cost a millisecond of
        // every start with ALL.
        let mut distinct: Vec<&str> = self
            .gating_keywords
            .iter()
            .map(|(v, _)| v.as_str())
            .collect();
        distinct.sort_unstable();
        distinct.dedup();
        if distinct.len() <= KEYWORDS_IN_PREFILTER {
            for (v, d) in &self.gating_keywords {
                self.prefilter.add(
                    literal(v),
                    literal_longest(v.len()),
                    *d,
                    Role::Keyword(v.len()),
                );
            }
            return None;
        }
        // The trie holds every keyword (context keywords too): a keyword's triggers name
        // the detectors it gates, none for a keyword that gates nothing.
        let mut keyword_triggers = vec![Vec::new(); self.words.len()];
        for (v, d) in &self.gating_keywords {
            if let Some(&i) = self.word_index.get(v.as_str()) {
                if !keyword_triggers[i].contains(d) {
                    keyword_triggers[i].push(*d);
                }
            }
        }
        Some(keyword_triggers)
    }

    /// Anchors that begin every match at a word start join the keyword trie when it walks
    /// the text anyway (`keyword_search`, ALL): the prefilter's automaton then tracks fewer
    /// literals at once. The others join the prefilter. Returns, for each trie word, the
    /// detectors whose anchor it is and the anchor's length.
    fn place_anchors(&mut self, keyword_search: bool) -> Vec<Vec<(usize, usize)>> {
        let mut trie_anchors: Vec<(usize, usize, usize)> = Vec::new();
        for a in std::mem::take(&mut self.anchors) {
            match a.word.filter(|_| keyword_search) {
                Some(word) => {
                    let i = *self.word_index.entry(word.clone()).or_insert_with(|| {
                        self.words.push(word);
                        self.words.len() - 1
                    });
                    trie_anchors.push((i, a.detector, a.len));
                }
                None => self.prefilter.add(
                    a.pattern,
                    literal_longest(a.len),
                    a.detector,
                    Role::Anchor(a.len),
                ),
            }
        }
        let mut anchor_triggers: Vec<Vec<(usize, usize)>> = vec![Vec::new(); self.words.len()];
        for (i, d, len) in trie_anchors {
            anchor_triggers[i].push((d, len));
        }
        anchor_triggers
    }
}
