//! Confirmation: search a window with a detector's regex and decide each candidate (token
//! boundaries, ignore values and words, validators, keyword proximity, the allow list).

use regex_automata::meta;
use regex_automata::Input;

use super::regexes::Finder;
use super::{Candidate, Detector, DropReason, Engine, IdentifierIndex, MAX_MATCH_LEN};
use crate::identifier::{Extend, KeywordRule};
use crate::keywords::keyword_start_ok;
use crate::validate::Failure;

/// A value without its spaces, hyphens and dots (how ignore values are compared: a test card
/// is ignored however it is grouped).
pub(super) fn strip_separators(v: &[u8]) -> Vec<u8> {
    v.iter()
        .copied()
        .filter(|b| !matches!(b, b' ' | b'-' | b'.'))
        .collect()
}

/// Which of a detector's regex forms searches a window.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Form {
    /// The dense DFA form where the detector has one, else the general regex.
    Fastest,
    /// The general regex even where a dense DFA form exists (the exhaustive reference, which
    /// the windowed search must equal, stays independent of it).
    General,
}

/// How [`Engine::search_range`] searches a window and confirms its candidates.
#[derive(Clone, Copy, Debug)]
pub(super) struct SearchOptions<'k> {
    /// The structural context holds one of the detector's keywords.
    pub(super) context_keyword: bool,
    /// The buffer is one structured field: an allow-list entry must cover all of it.
    pub(super) field: bool,
    /// The detector's keyword occurrences in the buffer, sorted.
    pub(super) keywords: &'k [(usize, usize)],
    /// Which of the detector's regex forms searches.
    pub(super) form: Form,
}

impl Engine {
    /// Every candidate of detector `d` in `hay[start..end]`, confirmed, to `emit`.
    pub(super) fn search_range(
        &self,
        d: usize,
        hay: &[u8],
        (start, end): (usize, usize),
        options: &SearchOptions,
        cache: &mut Option<meta::Cache>,
        emit: &mut dyn FnMut(Candidate),
    ) {
        let det = &self.detectors[d];
        let mut input = Input::new(hay).range(start..end);
        let dense = det.regex.dense().filter(|_| options.form == Form::Fastest);
        let mut finder = match dense {
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
            let outcome = self.confirm(d, hay, s, &mut e, options);
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

    /// Decides the candidate `hay[s..e]` of `det` (a PEM block's `e` moves to its END line):
    /// the identifier it is reported as, or why it is dropped.
    fn confirm(
        &self,
        d: usize,
        hay: &[u8],
        s: usize,
        e: &mut usize,
        options: &SearchOptions,
    ) -> Result<IdentifierIndex, DropReason> {
        let det = &self.detectors[d];
        if s > 0 && det.token.contains(hay[s - 1]) {
            return Err(DropReason::Boundary);
        }
        if *e < hay.len() && det.token.contains(hay[*e]) {
            return Err(DropReason::Boundary);
        }
        if det.extend == Extend::PemBlock {
            *e = pem_end(hay, s, *e).ok_or(DropReason::IncompleteBlock)?;
        }
        let value = &hay[s..*e];
        if let Some(v) = det.validator {
            v.verdict(value).map_err(|f| match f {
                Failure::CheckDigits => DropReason::CheckDigits,
                Failure::NationalCheck => DropReason::NationalCheck,
                Failure::NoSecret => DropReason::NoSecret,
                Failure::Date => DropReason::ImpossibleDate,
                Failure::Dummy => DropReason::DummyValue,
                _ => DropReason::Validator,
            })?;
        }
        if !det.ignore.is_empty() {
            let mut v = strip_separators(value);
            if det.ignore_upper {
                v.make_ascii_uppercase();
            }
            if det.ignore.contains(&v) {
                return Err(DropReason::IgnoredExample);
            }
        }
        if det
            .ignore_words
            .iter()
            .any(|w| memchr::memmem::find(value, w).is_some())
        {
            return Err(DropReason::IgnoreWord);
        }
        let end = *e;
        let reported = reported_as(det, value, || {
            self.keyword_within_reach(d, hay, (s, end), options)
        })?;
        let covered = if options.field { hay } else { value };
        if self.allow.covers(covered) {
            return Err(DropReason::AllowListed);
        }
        Ok(reported)
    }

    /// Whether one of detector `d`'s keywords is within reach of the candidate `hay[s..e]`,
    /// or the structural context holds one.
    fn keyword_within_reach(
        &self,
        d: usize,
        hay: &[u8],
        (s, e): (usize, usize),
        options: &SearchOptions,
    ) -> bool {
        if options.context_keyword {
            return true;
        }
        let det = &self.detectors[d];
        let local;
        let kws = if det.local_keywords {
            local = self.keywords_around(d, hay, s, e, det.max_distance);
            &local[..]
        } else {
            options.keywords
        };
        if det.keyword_before {
            keyword_before(kws, s, e, det.max_distance)
        } else {
            keyword_near(kws, s, e, det.max_distance, self.max_keyword_len)
        }
    }

    /// Detector `d`'s keyword occurrences that could be within `dist` of `[s, e)`, sorted:
    /// the keyword trie (it holds every keyword) walked over the reach alone.
    fn keywords_around(
        &self,
        d: usize,
        hay: &[u8],
        s: usize,
        e: usize,
        dist: usize,
    ) -> Vec<(usize, usize)> {
        let from = s.saturating_sub(dist + self.max_keyword_len);
        let to = (e + dist + self.max_keyword_len).min(hay.len());
        let mut out = Vec::new();
        // The walk takes `from` for a word start; the filter asks the whole buffer.
        self.keyword_trie.for_each(&hay[from..to], |w, ks, ke| {
            if self.context_triggers[w].contains(&d) && keyword_start_ok(hay, from + ks) {
                out.push((from + ks, from + ke));
            }
        });
        out
    }
}

/// The identifier a candidate whose bytes are `value` is reported as under `det`'s routes
/// and keyword rule; `near` (asked only when the rule needs it) says whether a keyword is
/// within reach.
fn reported_as(
    det: &Detector,
    value: &[u8],
    near: impl Fn() -> bool,
) -> Result<IdentifierIndex, DropReason> {
    let report = if det.routes.is_empty() {
        det.report
    } else {
        det.routes
            .iter()
            .find(|(k, _)| {
                value
                    .get(..k.len())
                    .is_some_and(|p| p.eq_ignore_ascii_case(k))
            })
            .and_then(|r| r.1)
    };
    let reported = match &det.rule {
        KeywordRule::None => report,
        KeywordRule::Absent => {
            if near() {
                return Err(DropReason::KeywordPresent);
            }
            report
        }
        KeywordRule::Required => {
            if !near() {
                return Err(DropReason::NoKeyword);
            }
            report
        }
        KeywordRule::Twin(_) => {
            if near() {
                report
            } else {
                Some(det.twin_report.ok_or(DropReason::NoKeyword)?)
            }
        }
    };
    reported.ok_or(DropReason::NotEnabled)
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
