//! Scanning: the keyword trie and the prefilter find windows, then each detector that can
//! match searches its windows.

use regex_automata::{hybrid, Input};

use super::confirm::{Form, SearchOptions};
use super::windows::{anchor_window, detector_windows, push_window, trie_anchor_window};
use super::{Claim, Engine, KeywordContext, Match, Role, Scratch, MAX_MATCH_LEN};
use crate::identifier::KeywordRule;
use crate::keywords::keyword_start_ok;

/// How the prefilter's pass over a buffer ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Pass {
    /// Every hit is recorded (or there is no prefilter).
    Done,
    /// The lazy DFA gave up: every detector must search everywhere instead.
    GaveUp,
}

impl Engine {
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
        self.reset(scratch);
        if self.keyword_search {
            self.walk_trie(hay, scratch);
        }
        if self.walk_prefilter(hay, scratch) == Pass::GaveUp {
            // Whole-buffer search of every detector: slower, the same answer.
            self.explained_matches(hay, context, field, out);
            return;
        }
        let first = out.len();
        let candidates = self.candidates(context, scratch);
        scratch.claims.clear();
        for &d in &candidates {
            self.search_detector(d, hay, context, field, scratch, out);
        }
        if !scratch.claims.is_empty() {
            let claims = std::mem::take(&mut scratch.claims);
            let mut found = out.split_off(first);
            found.retain(|m| !self.shadowed(&claims, m.start, m.end, m.identifier));
            out.append(&mut found);
            scratch.claims = claims;
        }
        for &d in &candidates {
            scratch.windows[d].clear();
            scratch.keywords[d].clear();
        }
        scratch.touched.clear();
        scratch.candidates = candidates;
        sorted_once(out, first);
    }

    /// Fits `scratch` to this engine and clears what the last scan left.
    fn reset(&self, scratch: &mut Scratch) {
        if scratch.caches.len() != self.detectors.len() {
            *scratch = self.scratch();
        }
        for &d in &scratch.touched {
            scratch.windows[d].clear();
            scratch.keywords[d].clear();
        }
        scratch.touched.clear();
    }

    /// The keyword trie's walk over `hay` (with `keyword_search`): gating keywords, and the
    /// windows of the anchors it finds at word starts.
    fn walk_trie(&self, hay: &[u8], scratch: &mut Scratch) {
        let Scratch {
            keywords,
            windows,
            touched,
            ..
        } = scratch;
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
                let reach = self.detectors[d].max_len.unwrap_or(MAX_MATCH_LEN);
                push_window(
                    &mut windows[d],
                    trie_anchor_window((s, e), reach, hay.len()),
                );
            }
        });
    }

    /// The prefilter's one pass over `hay`: windows around anchors and before the ends of
    /// unanchored detectors' matches, and gating keywords.
    fn walk_prefilter(&self, hay: &[u8], scratch: &mut Scratch) -> Pass {
        let Scratch {
            prefilter_cache,
            prefilter_ends,
            windows,
            keywords,
            touched,
            ..
        } = scratch;
        let (Some(pf), Some(cache)) = (&self.prefilter, prefilter_cache.as_mut()) else {
            return Pass::Done;
        };
        let streams = Streams {
            longest: self.prefilter_longest,
            ends: prefilter_ends,
        };
        let walked = overlapping_ends(pf, cache, hay, streams, |end, pattern| {
            for &(d, role) in &self.triggers[pattern] {
                if keywords[d].is_empty() && windows[d].is_empty() {
                    touched.push(d);
                }
                match role {
                    Role::Anchor(len) => {
                        let reach = self.detectors[d].max_len.unwrap_or(MAX_MATCH_LEN);
                        let start = end.saturating_sub(len);
                        push_window(
                            &mut windows[d],
                            anchor_window((start, end), reach, hay.len()),
                        );
                    }
                    Role::Keyword(len) => {
                        let start = end.saturating_sub(len);
                        if keyword_start_ok(hay, start) {
                            keywords[d].push((start, end));
                        }
                    }
                    Role::Unanchored(max_len) => {
                        // Every match of the detector's regex ends at a reported end (its
                        // own: the windows of one detector's matches are not another's).
                        push_window(&mut windows[d], (end.saturating_sub(max_len), end));
                    }
                }
            }
        });
        match walked {
            Some(()) => Pass::Done,
            None => Pass::GaveUp,
        }
    }

    /// The detectors that can match: those given windows or keywords, those that search
    /// everywhere (the unanchored ones the prefilter saw have windows), and those whose
    /// keyword the structural context holds. Sorted, each once.
    fn candidates(&self, context: &KeywordContext, scratch: &mut Scratch) -> Vec<usize> {
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
        candidates
    }

    /// Searches detector `d`'s windows in `hay`; its matches to `out`.
    fn search_detector(
        &self,
        d: usize,
        hay: &[u8],
        context: &KeywordContext,
        field: bool,
        scratch: &mut Scratch,
        out: &mut Vec<Match>,
    ) {
        let Some(det) = self.detectors.get(d) else {
            return;
        };
        let ctx = context.has(d);
        let Scratch {
            caches,
            windows,
            keywords,
            claims,
            ..
        } = scratch;
        let kws = &mut keywords[d];
        kws.sort_unstable();
        let gated = det.rule == KeywordRule::Required && !ctx;
        if gated && kws.is_empty() {
            return;
        }
        let wins = &mut windows[d];
        if !detector_windows(det, gated, kws, wins, hay.len()) {
            return;
        }
        let options = SearchOptions {
            context_keyword: ctx,
            field,
            keywords: kws,
            form: Form::Fastest,
        };
        for &(s, e) in wins.iter() {
            let cache = &mut caches[d];
            self.search_range(d, hay, (s, e), &options, cache, &mut |c| {
                if !det.shadows.is_empty() && Claim::claims(&c.outcome) {
                    claims.push(Claim {
                        start: c.start,
                        end: c.end,
                        detector: d,
                        own: c.outcome.ok(),
                    });
                }
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
}

/// What the prefilter's walk needs to run as several streams: the longest match of its
/// patterns and buffers for the reports of each stream.
struct Streams<'s> {
    longest: usize,
    ends: &'s mut [Vec<(usize, usize)>; STREAMS],
}

/// How many streams walk a long buffer at once (see [`streams`]).
pub(super) const STREAMS: usize = 2;

/// Buffers shorter than this are walked as one stream (more streams' starts and overlaps
/// would cost more than they save).
const STREAMS_FROM: usize = 4096;

/// Calls `f(end, pattern)` for every match of every pattern of `dfa` (all matches, unanchored)
/// in `hay`, in order of end, as repeated `try_search_overlapping_fwd` calls report them.
/// None when the lazy DFA gives up (a quit byte or its cache).
///
/// A long buffer is walked as several interleaved streams (see [`streams`]); when they meet
/// something out of the ordinary the buffer is walked again as one.
fn overlapping_ends(
    dfa: &hybrid::dfa::DFA,
    cache: &mut hybrid::dfa::Cache,
    hay: &[u8],
    streams: Streams<'_>,
    mut f: impl FnMut(usize, usize),
) -> Option<()> {
    let overlap = streams.longest;
    if hay.len() >= STREAMS_FROM && overlap.saturating_mul(4 * STREAMS) <= hay.len() {
        for ends in streams.ends.iter_mut() {
            ends.clear();
        }
        if walk_streams(dfa, cache, hay, overlap, streams.ends).is_some() {
            for &(end, pattern) in streams.ends.iter().flatten() {
                f(end, pattern);
            }
            return Some(());
        }
    }
    one_stream(dfa, cache, hay, f)
}

/// The prefilter's walk as [`STREAMS`] streams stepped in turn, each over its part of `hay`,
/// reporting the matches that end in its part (to its `ends`, in order of end). None when
/// one meets anything but a known transition or a match state (a state to compute that
/// clears the cache and with it the other streams' states, a quit byte, the dead state): the
/// caller then walks the buffer as one stream.
///
/// A lazy DFA's walk is bound by one table look-up a byte that waits on the one before;
/// independent walks in one loop overlap their look-ups, and the processor runs several in
/// about the time of one. A stream starts `overlap` (the longest match of any pattern)
/// before its part: a match ending in the part starts after that, so it finds every match
/// the one-stream walk finds there, and the look-behind of its start state is the byte
/// before it.
fn walk_streams(
    dfa: &hybrid::dfa::DFA,
    cache: &mut hybrid::dfa::Cache,
    hay: &[u8],
    overlap: usize,
    ends: &mut [Vec<(usize, usize)>; STREAMS],
) -> Option<()> {
    let n = hay.len();
    let clears = cache.clear_count();
    // Part k holds the match ends (bounds[k], bounds[k + 1]] (the first also 0). A match
    // state is entered one byte after the match ends, so stream k reads through the byte at
    // bounds[k + 1]; the last reads to the end of `hay`, then its end-of-input transition.
    let bounds: [usize; STREAMS + 1] = std::array::from_fn(|k| n * k / STREAMS);
    let mut at: [usize; STREAMS] =
        std::array::from_fn(|k| bounds[k].saturating_sub(if k == 0 { 0 } else { overlap }));
    let stop: [usize; STREAMS] = std::array::from_fn(|k| {
        if k + 1 == STREAMS {
            n
        } else {
            (bounds[k + 1] + 1).min(n)
        }
    });
    let keep: [usize; STREAMS] = std::array::from_fn(|k| if k == 0 { 0 } else { bounds[k] + 1 });
    let mut sid = [hybrid::LazyStateID::default(); STREAMS];
    for k in 0..STREAMS {
        sid[k] = dfa
            .start_state_forward(cache, &Input::new(hay).range(at[k]..))
            .ok()?;
    }
    if cache.clear_count() != clears {
        return None;
    }
    let walk = StreamWalk { dfa, hay, clears };
    // In step while every stream has bytes left; then each alone.
    let together = (0..STREAMS).map(|k| stop[k] - at[k]).min().unwrap_or(0);
    for _ in 0..together {
        if sid.iter().all(|s| !s.is_tagged()) {
            let next: [hybrid::LazyStateID; STREAMS] =
                std::array::from_fn(|k| dfa.next_state_untagged(cache, sid[k], hay[at[k]]));
            if next.iter().all(|s| !s.is_tagged()) {
                sid = next;
                for a in &mut at {
                    *a += 1;
                }
                continue;
            }
        }
        for k in 0..STREAMS {
            sid[k] = walk.step(cache, sid[k], at[k], keep[k], &mut ends[k])?;
            at[k] += 1;
        }
    }
    for k in 0..STREAMS {
        while at[k] < stop[k] {
            sid[k] = walk.step(cache, sid[k], at[k], keep[k], &mut ends[k])?;
            at[k] += 1;
        }
    }
    let last = STREAMS - 1;
    let eoi = dfa.next_eoi_state(cache, sid[last]).ok()?;
    if cache.clear_count() != clears {
        return None;
    }
    if eoi.is_match() {
        report_matches(dfa, cache, eoi, n, &mut |e, p| ends[last].push((e, p)));
    }
    Some(())
}

/// What the streams of [`walk_streams`] share: the automaton, the text and the cache's
/// clear count when they started.
struct StreamWalk<'w> {
    dfa: &'w hybrid::dfa::DFA,
    hay: &'w [u8],
    clears: usize,
}

impl StreamWalk<'_> {
    /// One stream's step from state `sid` over the byte at `at`: the next state, its match
    /// reports pushed to `ends` when the match ends at or after `keep_from`. None when the
    /// stream must stop: the cache was cleared, a quit byte, the dead state.
    ///
    /// The state and position go in and out by value: taken by reference, the streams'
    /// arrays of them lived on the stack, and the loop's one-look-up-a-byte path waited on a
    /// store and a load each byte (the walk was 40% slower with the foundation set).
    #[inline(always)]
    fn step(
        &self,
        cache: &mut hybrid::dfa::Cache,
        sid: hybrid::LazyStateID,
        at: usize,
        keep_from: usize,
        ends: &mut Vec<(usize, usize)>,
    ) -> Option<hybrid::LazyStateID> {
        let (dfa, byte) = (self.dfa, self.hay[at]);
        if !sid.is_tagged() {
            let next = dfa.next_state_untagged(cache, sid, byte);
            if !next.is_tagged() {
                return Some(next);
            }
        }
        let next = dfa.next_state(cache, sid, byte).ok()?;
        if cache.clear_count() != self.clears {
            return None;
        }
        if next.is_match() {
            if at >= keep_from {
                report_matches(dfa, cache, next, at, &mut |e, p| ends.push((e, p)));
            }
        } else if next.is_quit() || next.is_dead() {
            return None;
        }
        Some(next)
    }
}

/// [`overlapping_ends`] as one stream.
///
/// Written here, over the lazy DFA's transition API, because the library's overlapping search
/// returns to its caller at each match and re-enters with its state, and tracks its progress
/// byte by byte: that loop was a fifth of a scan with every identifier on.
fn one_stream(
    dfa: &hybrid::dfa::DFA,
    cache: &mut hybrid::dfa::Cache,
    hay: &[u8],
    mut f: impl FnMut(usize, usize),
) -> Option<()> {
    let mut sid = dfa.start_state_forward(cache, &Input::new(hay)).ok()?;
    let mut at = 0;
    while at < hay.len() {
        if !sid.is_tagged() {
            // Most bytes: a known transition to a state that is no match (nor unknown, dead
            // or quit), one table look-up.
            let next = dfa.next_state_untagged(cache, sid, hay[at]);
            if !next.is_tagged() {
                sid = next;
                at += 1;
                continue;
            }
        }
        sid = dfa.next_state(cache, sid, hay[at]).ok()?;
        if sid.is_tagged() {
            // A match state is entered one byte after the match ends.
            if sid.is_match() {
                report_matches(dfa, cache, sid, at, &mut f);
            } else if sid.is_quit() {
                return None;
            } else if sid.is_dead() {
                return Some(());
            }
        }
        at += 1;
    }
    sid = dfa.next_eoi_state(cache, sid).ok()?;
    if sid.is_match() {
        report_matches(dfa, cache, sid, hay.len(), &mut f);
    }
    Some(())
}

/// Calls `f(end, pattern)` for each pattern of match state `sid`.
fn report_matches(
    dfa: &hybrid::dfa::DFA,
    cache: &hybrid::dfa::Cache,
    sid: hybrid::LazyStateID,
    end: usize,
    f: &mut impl FnMut(usize, usize),
) {
    for i in 0..dfa.match_len(cache, sid) {
        f(end, dfa.match_pattern(cache, sid, i).as_usize());
    }
}

/// Sorts `out[first..]` and keeps one of equal matches: two entries reported as the same id
/// (an IBAN's four-character grouping and its free grouping) find the same span once.
pub(super) fn sorted_once(out: &mut Vec<Match>, first: usize) {
    out[first..].sort_unstable();
    let mut kept = first;
    for i in first..out.len() {
        if kept == first || out[kept - 1] != out[i] {
            out[kept] = out[i];
            kept += 1;
        }
    }
    out.truncate(kept);
}

#[cfg(test)]
mod stream_tests {
    use super::*;
    use proptest::prelude::*;

    /// Patterns of every kind the prefilter holds (literals, case-insensitive ones, bounded
    /// regexes with word boundaries), with some at the start and end of the text; none
    /// matches more than `LONGEST` bytes.
    const PATTERNS: &[&str] = &[
        "ab",
        "b",
        "(?i:abc)",
        r"(?-u:\b)[0-9]{3,5}(?-u:\b)",
        "[a-c]{2,4}x",
        r"(?-u:\b)cd(?-u:\b)",
        "z$",
        "^a",
        "(?i:password)",
    ];
    const LONGEST: usize = 8;

    fn dfa() -> hybrid::dfa::DFA {
        hybrid::dfa::DFA::builder()
            .configure(hybrid::dfa::DFA::config().match_kind(regex_automata::MatchKind::All))
            .build_many(PATTERNS)
            .unwrap()
    }

    fn one(dfa: &hybrid::dfa::DFA, hay: &[u8]) -> Vec<(usize, usize)> {
        let mut cache = dfa.create_cache();
        let mut got = Vec::new();
        one_stream(dfa, &mut cache, hay, |e, p| got.push((e, p))).unwrap();
        got
    }

    fn several(dfa: &hybrid::dfa::DFA, hay: &[u8]) -> Vec<(usize, usize)> {
        let mut cache = dfa.create_cache();
        let mut ends: [Vec<(usize, usize)>; STREAMS] = Default::default();
        walk_streams(dfa, &mut cache, hay, LONGEST, &mut ends).unwrap();
        ends.concat()
    }

    #[test]
    fn streams_equal_one_stream_at_the_seams() {
        let dfa = dfa();
        // Every pattern placed across each seam between parts, at every offset.
        let n = 64;
        for item in ["abcx", "12345", "PassWord", "cd", "ab", "bbbx"] {
            for at in n / 2 - 10..n / 2 + 10 {
                let mut hay = vec![b' '; n];
                let end = (at + item.len()).min(n);
                hay[at..end].copy_from_slice(&item.as_bytes()[..end - at]);
                hay[0] = b'a';
                hay[n - 1] = b'z';
                assert_eq!(several(&dfa, &hay), one(&dfa, &hay), "{at} {item}");
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]
        #[test]
        fn streams_equal_one_stream(hay in "[abcxzdpasword0-9 .]{0,300}") {
            let dfa = dfa();
            prop_assert_eq!(several(&dfa, hay.as_bytes()), one(&dfa, hay.as_bytes()));
        }
    }
}
