//! The plan: which prefilter patterns, keywords and anchors find each detector's windows.

use std::collections::HashMap;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};

use super::regexes::parse_hir;
use super::Role;
use crate::error::{Error, ErrorKind};
use crate::identifier::{Identifier, KeywordRule, TokenClass};

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

/// Whether a detector is searched only where the one-pass prefilter saw one of its matches
/// end ([`Reach::Batch`](super::Reach::Batch)): no anchors, no gating keyword, a bounded match length.
pub(super) fn searched_where_it_ends(ident: &Identifier, max_len: Option<usize>) -> bool {
    ident.anchors.is_empty() && ident.keyword_rule != KeywordRule::Required && max_len.is_some()
}

/// An automaton over keyword variants: ASCII case-insensitive, overlapping, unanchored.
pub(super) fn keyword_automaton<P: AsRef<[u8]>>(
    words: &[P],
    id: &str,
) -> Result<AhoCorasick, Error> {
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
pub(super) struct PrefilterPatterns {
    pub(super) patterns: Vec<String>,
    pub(super) index: HashMap<String, usize>,
    pub(super) triggers: Vec<Vec<(usize, Role)>>,
}

impl PrefilterPatterns {
    pub(super) fn add(&mut self, pattern: String, detector: usize, role: Role) {
        let i = *self.index.entry(pattern.clone()).or_insert_with(|| {
            self.patterns.push(pattern);
            self.triggers.push(Vec::new());
            self.patterns.len() - 1
        });
        self.triggers[i].push((detector, role));
    }
}

/// An anchor, before it is placed in the prefilter or the keyword trie.
pub(super) struct Anchor {
    /// Its prefilter pattern.
    pub(super) pattern: String,
    /// Its trie word (lowercase) when every match of its detector begins with one of the
    /// detector's anchors at a word start (see [`anchors_start_words`]).
    pub(super) word: Option<String>,
    pub(super) detector: usize,
    pub(super) len: usize,
}

/// Whether every match of `ident` that can be reported begins with one of its anchors at a
/// position where the keyword trie looks ([`keyword_start_ok`](crate::keywords::keyword_start_ok)), so that the trie can find
/// the anchors instead of the prefilter: the anchors start with ASCII letters, every literal
/// prefix of the regex begins with an anchor (ASCII case aside, as the trie compares), and a
/// match right after a letter or digit fails the detector's token boundary.
pub(super) fn anchors_start_words(ident: &Identifier, pattern: &str) -> bool {
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
pub(super) fn literal(text: &str) -> String {
    format!("(?i:{})", regex_syntax::escape(text))
}
