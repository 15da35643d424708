//! Scanning: the keyword trie and the prefilter find windows, then each detector that can
//! match searches its windows.

use regex_automata::{hybrid, Input};

use super::windows::{merge, push_window};
use super::{Engine, KeywordContext, Match, Reach, Role, Scratch, MAX_MATCH_LEN};
use crate::identifier::KeywordRule;
use crate::keywords::keyword_start_ok;

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
}
