//! The engine's answers for recently scanned short fields, kept per thread.
//!
//! Structured content repeats itself: every record of a JSON array names the same keys, and
//! status, level, country and flag columns hold a handful of values. On the benchmark's tree
//! of small files two thirds of the JSON keys and values and two fifths of the CSV cells were
//! seen before (same text, same keyword context), and a field's scan costs a few hundred
//! instructions of fixed work (the keyword trie, the prefilter's start, the candidates)
//! before its bytes. [`Engine::scan_field`] is a function of the field's text and its keyword
//! context alone, so the answer kept for an equal pair is the answer, match for match: the
//! memo compares both in full, and a hash only picks the slot. (An earlier try of this memo
//! was dropped as slower than no memo: its compare of two empty keyword contexts went to
//! the C library's `memcmp` at a dangling pointer, 79 ns a call here; see `KeywordContext`'s
//! `eq`.)
//!
//! A direct-mapped table of [`SLOTS`] slots (a new pair takes its slot's place): bounded
//! memory, no allocation once warm, and one slot's compare a look-up.

use std::hash::BuildHasher;

use smallvec::SmallVec;
use trawl_identifiers::{Engine, KeywordContext, Match, Scratch};

/// Fields up to this many bytes are kept (longer ones rarely repeat, and compare longer).
pub(crate) const MAX_FIELD: usize = 64;

/// How many slots (a power of two): about 150 KB a thread (4,096 were no faster).
const SLOTS: usize = 1024;

/// One kept answer.
struct Slot {
    /// The pair's hash (0 with `len` 0 and no context: the empty slot, never a field's, since
    /// empty fields are not kept).
    hash: u64,
    len: u8,
    text: [u8; MAX_FIELD],
    context: KeywordContext,
    matches: SmallVec<[Match; 1]>,
}

impl Default for Slot {
    fn default() -> Slot {
        Slot {
            hash: 0,
            len: 0,
            text: [0; MAX_FIELD],
            context: KeywordContext::none(),
            matches: SmallVec::new(),
        }
    }
}

/// Recent fields' answers (see the module's documentation).
pub(crate) struct FieldMemo {
    /// Allocated on the first field (a scan of logs and prose never uses it).
    slots: Vec<Slot>,
    hasher: foldhash::fast::FixedState,
}

impl Default for FieldMemo {
    fn default() -> FieldMemo {
        FieldMemo {
            slots: Vec::new(),
            hasher: foldhash::fast::FixedState::with_seed(0x7472_6177_6c5f_6d65),
        }
    }
}

impl FieldMemo {
    /// What [`Engine::scan_field`] appends to `out` for `text` under `context`: the kept
    /// answer when the same pair was the last one in its slot, else the engine's (then kept).
    pub(crate) fn scan_field(
        &mut self,
        engine: &Engine,
        text: &[u8],
        context: &KeywordContext,
        scratch: &mut Scratch,
        out: &mut Vec<Match>,
    ) {
        if text.is_empty() || text.len() > MAX_FIELD {
            engine.scan_field(text, context, scratch, out);
            return;
        }
        if self.slots.is_empty() {
            self.slots.resize_with(SLOTS, Slot::default);
        }
        let hash = self.hasher.hash_one((text, context));
        let slot = &mut self.slots[hash as usize & (SLOTS - 1)];
        if slot.hash == hash
            && same_bytes(&slot.text[..usize::from(slot.len)], text)
            && slot.context == *context
        {
            out.extend_from_slice(&slot.matches);
            return;
        }
        let first = out.len();
        engine.scan_field(text, context, scratch, out);
        slot.hash = hash;
        slot.len = text.len() as u8;
        slot.text[..text.len()].copy_from_slice(text);
        slot.context.clone_from(context);
        slot.matches.clear();
        slot.matches.extend_from_slice(&out[first..]);
    }
}

/// `a == b`, eight bytes at a time with plain loads: the slice compare calls the C library's
/// `memcmp`, whose masked vector load of a field the extractor has just written waits on
/// those stores (the JSON files, the default set: 2% of the run slower with `==`).
#[inline]
fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let (a8, b8) = (a.chunks_exact(8), b.chunks_exact(8));
    let (at, bt) = (a8.remainder(), b8.remainder());
    let word = |c: &[u8]| u64::from_ne_bytes(c.try_into().unwrap_or_default());
    a8.zip(b8).all(|(x, y)| word(x) == word(y)) && at.iter().zip(bt).all(|(x, y)| x == y)
}

#[cfg(test)]
mod tests {
    use super::*;
    use trawl_identifiers::EngineBuilder;

    fn engine_answer(engine: &Engine, text: &[u8], context: &KeywordContext) -> Vec<Match> {
        let mut out = Vec::new();
        engine.scan_field(text, context, &mut engine.scratch(), &mut out);
        out
    }

    /// Every answer equals the engine's: fields seen again (under the same and another
    /// context), fields that evict each other, fields at and past the size kept, and output
    /// appended after what `out` already holds.
    #[test]
    fn answers_as_the_engine() {
        let engine = EngineBuilder::new().build().unwrap();
        let contexts = [
            KeywordContext::none(),
            engine.keyword_context("ssn"),
            engine.keyword_context("card number"),
            engine.keyword_context("notes"),
        ];
        assert!(!contexts[1].is_empty());
        let mut fields: Vec<Vec<u8>> = [
            "536-22-8921",
            "4111 1111 1111 1111",
            "4111111111111111",
            "info",
            "alice@example.com",
            "",
            "AKIAIOSFODNN7EXAMPLE",
            "123456789",
        ]
        .iter()
        .map(|s| s.as_bytes().to_vec())
        .collect();
        fields.push(b"x".repeat(MAX_FIELD));
        fields.push([b"4111111111111111 ".as_slice(), &b"y".repeat(MAX_FIELD)].concat());
        // More distinct fields than slots, so that slots are taken over.
        fields.extend((0..SLOTS + 100).map(|i| format!("{i:09}").into_bytes()));
        let mut memo = FieldMemo::default();
        let mut scratch = engine.scratch();
        let mut found = 0;
        for round in 0..2 {
            // Each field under every context in turn: a pair's slot is still its own when the
            // same text comes under the next context.
            for text in &fields {
                for context in &contexts {
                    let mut out = vec![Match {
                        start: 7,
                        end: 9,
                        identifier: 0,
                    }];
                    memo.scan_field(&engine, text, context, &mut scratch, &mut out);
                    let want = engine_answer(&engine, text, context);
                    assert_eq!(out[0].start, 7);
                    assert_eq!(
                        &out[1..],
                        &want[..],
                        "round {round} {:?}",
                        String::from_utf8_lossy(text)
                    );
                    found += want.len();
                }
            }
        }
        assert!(found > 0, "some fields hold identifiers");
    }

    /// A kept answer is used: the second look-up of a pair does not run the engine.
    #[test]
    fn a_pair_seen_again_is_answered_from_its_slot() {
        let engine = EngineBuilder::new().build().unwrap();
        let mut memo = FieldMemo::default();
        let mut scratch = engine.scratch();
        let context = engine.keyword_context("ssn");
        let mut out = Vec::new();
        memo.scan_field(&engine, b"536-22-8921", &context, &mut scratch, &mut out);
        assert!(!out.is_empty());
        // A kept answer altered by hand is what comes back: the engine did not run again.
        let slot = memo
            .slots
            .iter_mut()
            .find(|s| s.len > 0)
            .expect("the pair is kept");
        slot.matches.clear();
        let mut again = Vec::new();
        memo.scan_field(&engine, b"536-22-8921", &context, &mut scratch, &mut again);
        assert!(again.is_empty());
        // Under another context the pair is another one.
        memo.scan_field(
            &engine,
            b"536-22-8921",
            &KeywordContext::none(),
            &mut scratch,
            &mut again,
        );
        assert_eq!(
            again,
            engine_answer(&engine, b"536-22-8921", &KeywordContext::none())
        );
    }

    #[test]
    fn same_bytes_is_slice_equality() {
        let texts: [&[u8]; 8] = [
            b"",
            b"a",
            b"ab",
            b"abcdefgh",
            b"abcdefgi",
            b"abcdefghi",
            b"abcdefghj",
            b"bbcdefghi",
        ];
        for a in texts {
            for b in texts {
                assert_eq!(same_bytes(a, b), a == b, "{a:?} {b:?}");
            }
        }
    }
}
