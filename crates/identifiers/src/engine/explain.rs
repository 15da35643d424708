//! Explanation: every candidate of the whole-buffer search with what became of it (`trawl
//! identifiers test`), and the exhaustive reference the engine must equal.

use super::confirm::{Form, SearchOptions};
use super::{Candidate, Claim, Detector, DropReason, Engine, KeywordContext, Match};
use crate::keywords::keyword_start_ok;
use crate::mask::mask;

impl DropReason {
    /// A short explanation.
    pub fn as_str(self) -> &'static str {
        match self {
            DropReason::Boundary => "inside a longer run of characters",
            DropReason::IncompleteBlock => "no END line",
            DropReason::IgnoredExample => "published example value",
            DropReason::IgnoreWord => "contains an ignore word",
            DropReason::Validator => "failed checksum or structure check",
            DropReason::CheckDigits => "check digits fail (IBAN mod-97)",
            DropReason::NationalCheck => {
                "IBAN check digits pass but the national check digits inside the BBAN fail"
            }
            DropReason::NoSecret => {
                "no secret: URL user info without a literal password (a user name or token alone, \
                 a placeholder), or an assigned value that is a reference (an ARN, a URL, a \
                 path, a CSS selector)"
            }
            DropReason::ImpossibleDate => {
                "a date inside it does not exist (month 13, day 32, 30 February)"
            }
            DropReason::DummyValue => "a dummy value: one digit repeated before the check digit",
            DropReason::Shadowed => {
                "inside a span another entry claims: an IBAN (valid or not, reported only as its \
                 own country), a URL's user info (no e-mail), a database URL or token (not the \
                 generic URL with credentials), a phone number with a country code (no other \
                 country's number)"
            }
            DropReason::NoKeyword => "no keyword nearby",
            DropReason::KeywordPresent => "keyword nearby (the keyword form applies)",
            DropReason::AllowListed => "allow-listed",
            DropReason::NotEnabled => "identifier not enabled",
        }
    }
}

impl Engine {
    /// Where `det`'s keywords occur in `hay` (`lower`: `hay` in lowercase), by a plain
    /// substring search; sorted.
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
        self.explained_matches(hay, context, false, out);
    }

    /// The matches [`Engine::explain`] reports, sorted, appended to `out`.
    pub(super) fn explained_matches(
        &self,
        hay: &[u8],
        context: &KeywordContext,
        field: bool,
        out: &mut Vec<Match>,
    ) {
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
        super::scan::sorted_once(out, first);
    }

    /// Every regex candidate in `hay` (whole-buffer search, no prefilter) with what became of
    /// it: the identifier it is reported as, or why it was dropped.
    pub fn explain(&self, hay: &[u8], context: &KeywordContext, field: bool) -> Vec<Candidate> {
        let lower = hay.to_ascii_lowercase();
        let mut out = Vec::new();
        let mut claims = Vec::new();
        for (d, det) in self.detectors.iter().enumerate() {
            let kws = Self::naive_keywords(det, hay, &lower);
            let mut cache = None;
            let options = SearchOptions {
                context_keyword: context.has(d),
                field,
                keywords: &kws,
                form: Form::General,
            };
            self.search_range(
                d,
                hay,
                (0, hay.len()),
                &options,
                &mut cache,
                &mut |mut c| {
                    if !det.shadows.is_empty() && Claim::claims(&c.outcome) {
                        claims.push(Claim {
                            start: c.start,
                            end: c.end,
                            detector: d,
                            own: c.outcome.ok(),
                        });
                    }
                    c.entry = det.entry.clone();
                    c.masked = mask(&hay[c.start..c.end], det.mask);
                    out.push(c)
                },
            );
        }
        if !claims.is_empty() {
            for c in &mut out {
                if let Ok(i) = c.outcome {
                    if self.shadowed(&claims, c.start, c.end, i) {
                        c.outcome = Err(DropReason::Shadowed);
                    }
                }
            }
        }
        out.sort_by_key(|c| (c.start, c.end));
        out
    }
}
