//! Keyword search: a trie of keyword variants walked from every position where a keyword may
//! start.
//!
//! A keyword counts only at a word start ([`keyword_start_ok`]), so instead of an unanchored
//! automaton over every byte (an Aho-Corasick DFA over thousands of keywords costs tens of
//! milliseconds to build and a few table look-ups a byte), the search tests each position for
//! a word start and walks the trie from there. Most positions are inside words and cost a
//! couple of instructions; at a word start the walk usually ends after a byte or two. It finds
//! exactly the occurrences an overlapping, ASCII case-insensitive automaton finds that pass
//! [`keyword_start_ok`].

/// A keyword occurrence counts only at a word start: not right after a letter or a digit
/// (hex ids like `9dea3cf` hold no keywords), except at a camelCase hump (`userSsn`).
pub(crate) fn keyword_start_ok(hay: &[u8], start: usize) -> bool {
    if start == 0 {
        return true;
    }
    let prev = hay[start - 1];
    if !prev.is_ascii_alphanumeric() {
        return true;
    }
    prev.is_ascii_lowercase() && hay[start].is_ascii_uppercase()
}

/// A trie over keywords, ASCII case-insensitive (keywords are given in lowercase; other bytes
/// compare exactly, as with an ASCII case-insensitive Aho-Corasick automaton).
#[derive(Clone, Debug)]
pub(crate) struct KeywordTrie {
    /// Byte to class; ASCII uppercase folds to lowercase. Class 0: no keyword has the byte.
    classes: [u8; 256],
    /// A dense row's length: one slot per class, then the keyword ending at the node plus one
    /// (0: none).
    stride: usize,
    /// The dense rows of the nodes one and two bytes deep, named by where their rows start
    /// (row 0 is a dead end: every transition to none, no keyword). `next[node + class]`: a
    /// node one byte deep names its child's row, one two bytes deep its child's sparse index
    /// (0 for none). Only the first levels are dense: there every word start steps, while the
    /// deeper nodes (nine in ten of them with `ALL`) are reached by few walks, and dense rows
    /// for them took 28 MB to build at every start and missed the cache when walked.
    next: Vec<u32>,
    /// The nodes three or more bytes deep, by sparse index (0: a dead end): the keyword
    /// ending at the node plus one (0: none).
    deep_word: Vec<u32>,
    /// `deep_edges[i]..deep_edges[i + 1]`: node `i`'s edges in `edge_class` and `edge_child`.
    deep_edges: Vec<u32>,
    /// An edge's class and the sparse index of the child it leads to.
    edge_class: Vec<u8>,
    edge_child: Vec<u32>,
    /// `entry[kind(previous byte) << 8 | byte]`: the byte's kind (low two bits: 0 neither a
    /// letter nor a digit, 1 lowercase, 2 uppercase, 3 digit) and, above them, its transition from the root when a
    /// keyword may start at the byte after a byte of that kind (0: none). One look-up a byte.
    entry: Box<[u32; 1024]>,
    /// For each byte: its transition from the root (0: none).
    root: [u32; 256],
    /// A filter on a word start's first three bytes (see [`prefix_key`]): clear for those no
    /// keyword begins with, which three in four word starts are. One look-up in a 4 KB table
    /// instead of the dense rows' two dependent ones in a large one.
    prefix3: Box<[u64; PREFIX_KEYS / 64]>,
    /// Some keyword starts with a byte of 0x80 or more (a UTF-8 lead byte).
    high_first: bool,
    /// Some keyword starts with an ASCII byte that is not a letter (the word-at-a-time search
    /// assumes none does, and the byte-at-a-time one serves).
    other_first: bool,
}

const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
const HIGH: u64 = 0x8080_8080_8080_8080;

/// For the eight bytes of `w` (little-endian), bit 7 of each byte set when the byte is: an
/// ASCII letter or digit, a lowercase letter, an uppercase one, a UTF-8 lead byte (0xc0 or
/// more: a keyword, valid UTF-8, starts with an ASCII byte or a lead byte, never a
/// continuation byte).
#[inline]
fn byte_kinds(w: u64) -> (u64, u64, u64, u64) {
    // Folded to lowercase and seven bits, a byte is a letter when it is in 0x61..=0x7a; the
    // sums below cannot carry from one byte into the next.
    let x = (w & LOW7) | 0x2020_2020_2020_2020;
    let at_least_a = x.wrapping_add(0x1f1f_1f1f_1f1f_1f1f);
    let at_most_z = 0xfafa_fafa_fafa_fafa_u64.wrapping_sub(x);
    let alpha = at_least_a & at_most_z & !w & HIGH;
    // Bit 5 (0x20) tells lowercase from uppercase.
    let lower = alpha & (w << 2);
    let upper = alpha & !(w << 2);
    // A digit is in 0x30..=0x39 (seven bits; no carries either).
    let x = w & LOW7;
    let digit = x.wrapping_add(0x5050_5050_5050_5050)
        & 0xb9b9_b9b9_b9b9_b9b9_u64.wrapping_sub(x)
        & !w
        & HIGH;
    (alpha | digit, lower, upper, w & (w << 1) & HIGH)
}

/// For the 64 bytes of `block`, bit `i` of each mask set when byte `i` is: an ASCII letter or
/// digit, a lowercase letter, an uppercase one, a UTF-8 lead byte (0xc0 or more); what
/// [`byte_kinds`] computes for eight bytes, sixteen at a time.
///
/// Written with `std::arch` because no crate among ours exposes a byte classifier of this
/// kind and the compiler does not turn the scalar form into vector compares and movemasks;
/// it is the keyword search's per-byte cost (the trie walks are per word).
#[cfg(target_arch = "x86_64")]
#[allow(unsafe_code, unused_unsafe)]
#[inline]
fn block_kinds(block: &[u8; 64]) -> (u64, u64, u64, u64) {
    use std::arch::x86_64::{
        _mm_and_si128, _mm_andnot_si128, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_max_epu8,
        _mm_min_epu8, _mm_movemask_epi8, _mm_or_si128, _mm_set1_epi8, _mm_sub_epi8,
    };
    let mut masks = [0u64; 4];
    for (i, chunk) in block.chunks_exact(16).enumerate() {
        // SAFETY: SSE2 is part of the x86_64 baseline, and the load reads the 16 bytes of
        // `chunk` (an unaligned load).
        let lanes = unsafe {
            let v = _mm_loadu_si128(chunk.as_ptr().cast());
            // Folded to lowercase, a letter is 0..=25 above `a` (unsigned: min is itself).
            let above_a = _mm_sub_epi8(_mm_or_si128(v, _mm_set1_epi8(0x20)), _mm_set1_epi8(0x61));
            let alpha = _mm_cmpeq_epi8(_mm_min_epu8(above_a, _mm_set1_epi8(25)), above_a);
            let above_0 = _mm_sub_epi8(v, _mm_set1_epi8(0x30));
            let digit = _mm_cmpeq_epi8(_mm_min_epu8(above_0, _mm_set1_epi8(9)), above_0);
            // Bit 5 (0x20) tells lowercase from uppercase.
            let bit5 = _mm_set1_epi8(0x20);
            let small = _mm_cmpeq_epi8(_mm_and_si128(v, bit5), bit5);
            let lead = _mm_cmpeq_epi8(_mm_max_epu8(v, _mm_set1_epi8(0xc0_u8 as i8)), v);
            [
                _mm_movemask_epi8(_mm_or_si128(alpha, digit)),
                _mm_movemask_epi8(_mm_and_si128(alpha, small)),
                _mm_movemask_epi8(_mm_andnot_si128(small, alpha)),
                _mm_movemask_epi8(lead),
            ]
        };
        for (mask, lane) in masks.iter_mut().zip(lanes) {
            *mask |= u64::from(lane as u16) << (16 * i);
        }
    }
    (masks[0], masks[1], masks[2], masks[3])
}

/// The bits of the byte positions where a keyword may start, from the masks of
/// [`byte_kinds`] or [`block_kinds`] (a byte's bit `step` bits above the previous byte's):
/// letters after a byte that is neither a letter nor a digit, uppercase letters after
/// lowercase ones and, with `high` set, UTF-8 lead bytes after such a byte. `carry` brings the
/// last byte's letter-or-digit and lowercase bits from the previous masks to the next.
#[inline]
fn word_starts(
    (alnum, lower, upper, lead): (u64, u64, u64, u64),
    high: u64,
    carry: &mut (u64, u64),
    step: u32,
) -> u64 {
    let alpha = lower | upper;
    let starts = ((alpha | (lead & high)) & !((alnum << step) | carry.0))
        | (upper & ((lower << step) | carry.1));
    *carry = (alnum >> (64 - step), lower >> (64 - step));
    starts
}

/// The eight bytes of `hay` from `at` (`at < hay.len()`) as a little-endian u64, zero past
/// the end, read from `hay` itself: near the end, the last eight bytes shifted down, or for a
/// text under eight bytes its bytes gathered in a register.
#[inline]
fn word_at(hay: &[u8], at: usize) -> u64 {
    if let Some(Ok(b)) = hay.get(at..at + 8).map(<[u8; 8]>::try_from) {
        return u64::from_le_bytes(b);
    }
    let past = at + 8 - hay.len();
    match hay.len().checked_sub(8).map(|last| hay[last..].try_into()) {
        Some(Ok(b)) => u64::from_le_bytes(b) >> (8 * past),
        _ => hay
            .get(at..)
            .unwrap_or_default()
            .iter()
            .rev()
            .fold(0, |w, &b| w << 8 | u64::from(b)),
    }
}

/// The number of keys of [`prefix_key`].
const PREFIX_KEYS: usize = 1 << 15;

/// The key of three bytes for [`KeywordTrie::prefix3`]: five low bits of each (an ASCII
/// letter's, the same in either case; other bytes share keys with them, which only lets more
/// starts through). A byte past the end of the text counts as 0.
#[inline]
fn prefix_key(b0: u8, b1: u8, b2: u8) -> usize {
    (usize::from(b0 & 31) << 10) | (usize::from(b1 & 31) << 5) | usize::from(b2 & 31)
}

/// [`KeywordTrie::prefix3`] for `words`: every key of a word's first three bytes (a shorter
/// word's, with any byte after it).
fn prefix_filter<W: AsRef<[u8]>>(words: &[W]) -> Box<[u64; PREFIX_KEYS / 64]> {
    let mut bits = Box::new([0u64; PREFIX_KEYS / 64]);
    let mut set = |k: usize| bits[k / 64] |= 1 << (k % 64);
    for w in words {
        match *w.as_ref() {
            [] => {}
            [a] => (0..32).for_each(|b| (0..32).for_each(|c| set(prefix_key(a, b, c)))),
            [a, b] => (0..32).for_each(|c| set(prefix_key(a, b, c))),
            [a, b, c, ..] => set(prefix_key(a, b, c)),
        }
    }
    bits
}

impl KeywordTrie {
    /// A trie over `words` (lowercase; the index of a word is what searches report).
    pub(crate) fn new<W: AsRef<[u8]>>(words: &[W]) -> KeywordTrie {
        let mut classes = [0u8; 256];
        let mut n = 0u8;
        for w in words {
            for &b in w.as_ref() {
                let b = b.to_ascii_lowercase();
                if classes[b as usize] == 0 {
                    // At most 255 classes: a byte value maps to one class.
                    n = n.saturating_add(1);
                    classes[b as usize] = n;
                }
            }
        }
        for b in b'A'..=b'Z' {
            classes[b as usize] = classes[b.to_ascii_lowercase() as usize];
        }
        let stride = n as usize + 2;
        let tree = Tree::new(words, &classes);
        let layout = tree.layout(stride);
        let next = layout.next;
        let kind = |b: u8| -> u32 {
            if b.is_ascii_lowercase() {
                1
            } else if b.is_ascii_uppercase() {
                2
            } else if b.is_ascii_digit() {
                3
            } else {
                0
            }
        };
        let mut entry = Box::new([0u32; 1024]);
        for prev in 0..4u32 {
            for b in 0..=255u8 {
                let root = layout.root[classes[b as usize] as usize];
                // keyword_start_ok: not after a letter or digit, except lowercase then
                // uppercase.
                let ok = prev == 0 || (prev == 1 && kind(b) == 2);
                let first = if ok && classes[b as usize] != 0 {
                    root
                } else {
                    0
                };
                entry[(prev as usize) << 8 | b as usize] = first << 2 | kind(b);
            }
        }
        let mut root = [0u32; 256];
        for (b, r) in root.iter_mut().enumerate() {
            *r = layout.root[classes[b] as usize];
        }
        let firsts = || words.iter().filter_map(|w| w.as_ref().first().copied());
        KeywordTrie {
            classes,
            stride,
            next,
            deep_word: layout.deep_word,
            deep_edges: layout.deep_edges,
            edge_class: layout.edge_class,
            edge_child: layout.edge_child,
            entry,
            root,
            prefix3: prefix_filter(words),
            high_first: firsts().any(|b| b >= 0x80),
            other_first: firsts().any(|b| b < 0x80 && !b.is_ascii_alphabetic()),
        }
    }

    /// Calls `f(word, start, end)` for every keyword occurrence in `hay` that starts where
    /// [`keyword_start_ok`] allows, in order of start (then of length).
    pub(crate) fn for_each(&self, hay: &[u8], mut f: impl FnMut(usize, usize, usize)) {
        if self.other_first {
            self.for_each_bytewise(hay, &mut f);
        } else {
            #[cfg(target_arch = "x86_64")]
            self.for_each_block(hay, &mut f);
            #[cfg(not(target_arch = "x86_64"))]
            self.for_each_word(hay, &mut f);
        }
    }

    /// [`KeywordTrie::for_each`] (no keyword starts with an ASCII byte other than a letter),
    /// 64 bytes at a time with SSE2: the positions where a keyword may start are letters after
    /// a byte that is neither a letter nor a digit, uppercase letters after lowercase ones and,
    /// when some keyword starts with one, bytes of 0x80 or more after such a byte.
    #[cfg(target_arch = "x86_64")]
    fn for_each_block(&self, hay: &[u8], f: &mut impl FnMut(usize, usize, usize)) {
        let high = if self.high_first { u64::MAX } else { 0 };
        let mut carry = (0u64, 0u64);
        let mut base = 0;
        while let Some(Ok(block)) = hay.get(base..base + 64).map(<&[u8; 64]>::try_from) {
            let mut starts = word_starts(block_kinds(block), high, &mut carry, 1);
            while starts != 0 {
                let i = starts.trailing_zeros() as usize;
                starts &= starts - 1;
                let first = self.root[block[i] as usize];
                if first != 0 && self.may_begin(hay, base + i) {
                    self.walk(hay, base + i, first as usize, f);
                }
            }
            base += 64;
        }
        // The rest (most CSV cells and JSON values are all rest) eight bytes at a time, read
        // in place: copied into a zeroed block, it was read back by wide loads that waited on
        // the copy's narrow stores. A byte's bit moves from bit 0 to bit 7 of its lane.
        let carry = (carry.0 << 7, carry.1 << 7);
        self.for_each_word_from(hay, base, carry, f);
    }

    /// [`KeywordTrie::for_each`] (no keyword starts with an ASCII byte other than a letter),
    /// eight bytes at a time in a u64: where SSE2 is not there.
    #[cfg(any(not(target_arch = "x86_64"), test))]
    fn for_each_word(&self, hay: &[u8], f: &mut impl FnMut(usize, usize, usize)) {
        self.for_each_word_from(hay, 0, (0, 0), f);
    }

    /// The word-at-a-time search from `base`, with `carry` the letter-or-digit and lowercase
    /// bits of the byte before (bit 7).
    #[inline]
    fn for_each_word_from(
        &self,
        hay: &[u8],
        mut base: usize,
        mut carry: (u64, u64),
        f: &mut impl FnMut(usize, usize, usize),
    ) {
        let high = if self.high_first { u64::MAX } else { 0 };
        while base < hay.len() {
            let w = word_at(hay, base);
            let mut starts = word_starts(byte_kinds(w), high, &mut carry, 8);
            while starts != 0 {
                let bit = starts.trailing_zeros();
                starts &= starts - 1;
                let first = self.root[(w >> (bit & !7)) as u8 as usize];
                let p = base + (bit / 8) as usize;
                if first != 0 && self.may_begin(hay, p) {
                    self.walk(hay, p, first as usize, f);
                }
            }
            base += 8;
        }
    }

    /// [`KeywordTrie::for_each`] a byte at a time (any keyword set).
    fn for_each_bytewise(&self, hay: &[u8], f: &mut impl FnMut(usize, usize, usize)) {
        // The kind of the previous byte (none before the first: a keyword may start there).
        let mut prev = 0usize;
        for (p, &b) in hay.iter().enumerate() {
            let e = self.entry[(prev << 8 | b as usize) & 1023];
            prev = (e & 3) as usize;
            if e >= 4 {
                self.walk(hay, p, (e >> 2) as usize, f);
            }
        }
    }

    /// Whether a keyword may begin at `p`, by its first three bytes ([`KeywordTrie::prefix3`]).
    #[inline(always)]
    fn may_begin(&self, hay: &[u8], p: usize) -> bool {
        let key = match hay.get(p..p + 3) {
            Some(&[a, b, c]) => prefix_key(a, b, c),
            _ => prefix_key(
                hay[p],
                hay.get(p + 1).copied().unwrap_or(0),
                hay.get(p + 2).copied().unwrap_or(0),
            ),
        };
        self.prefix3[key / 64] & (1 << (key % 64)) != 0
    }

    /// Reports the keywords that start at `p`, whose first byte led to `node` (a dense row).
    #[inline(always)]
    fn walk(&self, hay: &[u8], p: usize, node: usize, f: &mut impl FnMut(usize, usize, usize)) {
        let (Some(&b1), Some(&b2)) = (hay.get(p + 1), hay.get(p + 2)) else {
            // Fewer than two bytes follow: the dense rows alone.
            let w1 = self.next[node + self.stride - 1];
            if w1 != 0 {
                f(w1 as usize - 1, p, p + 1);
            }
            if let Some(&b1) = hay.get(p + 1) {
                let n2 = self.next[node + self.classes[b1 as usize] as usize] as usize;
                let w2 = self.next[n2 + self.stride - 1];
                if w2 != 0 {
                    f(w2 as usize - 1, p, p + 2);
                }
            }
            return;
        };
        // The first two steps without a branch on where the walk ends (it ends at a
        // data-dependent step, a branch the processor mispredicts; from the dead row a step
        // leads nowhere): keywords of one and two bytes are rare.
        let n2 = self.next[node + self.classes[b1 as usize] as usize] as usize;
        let mut deep = self.next[n2 + self.classes[b2 as usize] as usize] as usize;
        let w1 = self.next[node + self.stride - 1];
        if w1 != 0 {
            f(w1 as usize - 1, p, p + 1);
        }
        let w2 = self.next[n2 + self.stride - 1];
        if w2 != 0 {
            f(w2 as usize - 1, p, p + 2);
        }
        let mut q = p + 3;
        while deep != 0 {
            let w = self.deep_word[deep];
            if w != 0 {
                f(w as usize - 1, p, q);
            }
            let Some(&c) = hay.get(q) else {
                break;
            };
            let class = self.classes[c as usize];
            let edges = self.deep_edges[deep] as usize..self.deep_edges[deep + 1] as usize;
            deep = match self.edge_class[edges.clone()]
                .iter()
                .position(|&e| e == class)
            {
                Some(i) => self.edge_child[edges.start + i] as usize,
                None => 0,
            };
            q += 1;
        }
    }
}

/// The trie while it is built (node 0 is the root): each node's children as a list linked
/// through their siblings, so that building allocates no list per node.
struct Tree {
    /// The node's class (the byte it was reached by).
    class: Vec<u8>,
    /// The node's first child and next sibling (0: none; the root is nobody's child).
    first_child: Vec<u32>,
    next_sibling: Vec<u32>,
    /// The keyword ending at the node plus one (0: none); the first of equal words.
    word: Vec<u32>,
}

/// The trie's tables as [`KeywordTrie`] walks them.
struct Layout {
    /// For each class: the root's child's dense row (0: none).
    root: Vec<u32>,
    next: Vec<u32>,
    deep_word: Vec<u32>,
    deep_edges: Vec<u32>,
    edge_class: Vec<u8>,
    edge_child: Vec<u32>,
}

impl Tree {
    fn new<W: AsRef<[u8]>>(words: &[W], classes: &[u8; 256]) -> Tree {
        let mut tree = Tree {
            class: vec![0],
            first_child: vec![0],
            next_sibling: vec![0],
            word: vec![0],
        };
        for (i, w) in words.iter().enumerate() {
            let mut node = 0usize;
            for &b in w.as_ref() {
                let class = classes[b as usize];
                node = match tree.child(node, class) {
                    Some(child) => child,
                    None => {
                        let child = tree.class.len();
                        tree.class.push(class);
                        tree.first_child.push(0);
                        tree.next_sibling.push(tree.first_child[node]);
                        tree.word.push(0);
                        tree.first_child[node] = child as u32;
                        child
                    }
                };
            }
            if node != 0 && tree.word[node] == 0 {
                tree.word[node] = i as u32 + 1;
            }
        }
        tree
    }

    /// Node `n`'s child by `class`.
    fn child(&self, n: usize, class: u8) -> Option<usize> {
        self.children(n).find(|&c| self.class[c] == class)
    }

    /// Node `n`'s children.
    fn children(&self, n: usize) -> impl Iterator<Item = usize> + '_ {
        let mut c = self.first_child[n] as usize;
        std::iter::from_fn(move || {
            let this = c;
            c = self.next_sibling[c] as usize;
            (this != 0).then_some(this)
        })
    }

    /// Dense rows for the nodes one and two bytes deep, sparse nodes below them.
    fn layout(&self, stride: usize) -> Layout {
        let mut out = Layout {
            root: vec![0; stride],
            next: vec![0; stride],
            deep_word: vec![0],
            deep_edges: vec![0, 0],
            edge_class: Vec::new(),
            edge_child: Vec::new(),
        };
        // Sparse indexes for every node three bytes deep or more, breadth first.
        let mut deep_index = vec![0u32; self.word.len()];
        let mut level: Vec<usize> = self.children(0).collect();
        let mut depth = 1;
        let mut deep_order = Vec::new();
        while !level.is_empty() {
            let below: Vec<usize> = level.iter().flat_map(|&n| self.children(n)).collect();
            if depth >= 3 {
                for &n in &level {
                    deep_index[n] = (deep_order.len() + 1) as u32;
                    deep_order.push(n);
                }
            }
            level = below;
            depth += 1;
        }
        for &n in &deep_order {
            out.deep_word.push(self.word[n]);
            for child in self.children(n) {
                out.edge_class.push(self.class[child]);
                out.edge_child.push(deep_index[child]);
            }
            out.deep_edges.push(out.edge_class.len() as u32);
        }
        // Dense rows: each node one byte deep, then each of its children.
        for first in self.children(0) {
            let row = self.dense_row(first, stride, &mut out.next);
            out.root[self.class[first] as usize] = row as u32;
            for second in self.children(first) {
                let row2 = self.dense_row(second, stride, &mut out.next);
                out.next[row + self.class[second] as usize] = row2 as u32;
                for third in self.children(second) {
                    out.next[row2 + self.class[third] as usize] = deep_index[third];
                }
            }
        }
        out
    }

    /// Appends node `n`'s dense row (its keyword only; the caller fills the transitions).
    fn dense_row(&self, n: usize, stride: usize, next: &mut Vec<u32>) -> usize {
        let row = next.len();
        next.resize(row + stride, 0);
        next[row + stride - 1] = self.word[n];
        row
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(words: &[&str], hay: &str) -> Vec<(usize, usize, usize)> {
        let mut out = Vec::new();
        KeywordTrie::new(words).for_each(hay.as_bytes(), |w, s, e| out.push((w, s, e)));
        out
    }

    #[test]
    fn overlapping_case_insensitive_word_starts() {
        let words = ["card", "card number", "credit card", "ssn", "número"];
        assert_eq!(
            found(&words, "Credit CARD Number"),
            [(2, 0, 11), (0, 7, 11), (1, 7, 18)]
        );
        // Not inside a word nor right after a digit; at a camelCase hump; after punctuation.
        assert_eq!(
            found(&words, "classn userSsn 1ssn _ssn"),
            [(3, 11, 14), (3, 21, 24)]
        );
        // Non-ASCII bytes compare exactly.
        assert_eq!(found(&words, "número NÚMERO"), [(4, 0, 7)]);
        assert!(found(&[] as &[&str], "anything").is_empty());
    }

    /// The 64-byte vector classification equals the eight-byte one on every byte value, at
    /// every position.
    #[cfg(target_arch = "x86_64")]
    #[test]
    fn block_kinds_equal_byte_kinds() {
        let mut seed = 5u64;
        for round in 0..2000 {
            let mut block = [0u8; 64];
            for (i, b) in block.iter_mut().enumerate() {
                seed = seed
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                // The first rounds walk every byte value through every position.
                *b = if round < 256 {
                    (round + i) as u8
                } else {
                    (seed >> 33) as u8
                };
            }
            let mut expected = [0u64; 4];
            for (k, chunk) in block.chunks_exact(8).enumerate() {
                let w = u64::from_le_bytes(chunk.try_into().unwrap());
                let (a, l, u, d) = byte_kinds(w);
                for (e, m) in expected.iter_mut().zip([a, l, u, d]) {
                    for byte in 0..8 {
                        if m >> (8 * byte + 7) & 1 == 1 {
                            *e |= 1 << (8 * k + byte);
                        }
                    }
                }
            }
            let got = block_kinds(&block);
            assert_eq!([got.0, got.1, got.2, got.3], expected, "{block:?}");
        }
    }

    /// The same occurrences as an overlapping, ASCII case-insensitive Aho-Corasick automaton
    /// filtered by `keyword_start_ok`: word at a time (keywords start with letters or UTF-8),
    /// and byte at a time (a keyword starts with another ASCII byte).
    #[test]
    fn equals_aho_corasick() {
        let letters: &[&str] = &[
            "a", "ab", "abc", "b", "bc", "c", "ca", "cab", "d.n.i.", "d", "n", "i", "x-y", "x_y",
            "xy", "x y", "é", "éa", "abcd", "abce", "abcde", "abdc", "cabba", "d.n.a",
        ];
        let mut others = letters.to_vec();
        others.extend(["1a", ".n", " x"]);
        // No keyword of one byte: the first-three-bytes filter turns most starts away.
        let longer: Vec<&str> = letters.iter().copied().filter(|w| w.len() > 1).collect();
        let three: Vec<&str> = letters.iter().copied().filter(|w| w.len() > 2).collect();
        for words in [letters, &others[..], &longer[..], &three[..]] {
            equals_aho_corasick_with(words);
        }
    }

    /// Every length of text across the end of a 64-byte block, a keyword at its very end,
    /// after a letter, a digit, a lowercase letter (a camelCase hump) or a space: the rest of
    /// the text after the last whole block is read in place (`word_at`) with the block's last
    /// byte carried over.
    #[test]
    fn keywords_at_the_end_of_every_length() {
        let trie = KeywordTrie::new(&["ab", "abc"]);
        for len in 2..=150 {
            for before in [b'x', b'X', b'1', b' ', b'z'] {
                let mut hay = vec![b'-'; len];
                hay[len - 2..].copy_from_slice(b"Ab");
                if len > 2 {
                    hay[len - 3] = before;
                }
                let mut got = Vec::new();
                trie.for_each(&hay, |w, s, e| got.push((w, s, e)));
                let mut bytewise = Vec::new();
                trie.for_each_bytewise(&hay, &mut |w, s, e| bytewise.push((w, s, e)));
                let start_ok = keyword_start_ok(&hay, len - 2);
                let expected = if start_ok {
                    vec![(0, len - 2, len)]
                } else {
                    vec![]
                };
                assert_eq!(got, expected, "{len} {:?}", before as char);
                assert_eq!(bytewise, expected, "{len} {:?}", before as char);
            }
        }
    }

    #[test]
    fn word_at_reads_zero_past_the_end() {
        let hay: Vec<u8> = (1..=20).collect();
        for len in 1..=20 {
            for at in 0..len {
                let mut expected = [0u8; 8];
                let n = (len - at).min(8);
                expected[..n].copy_from_slice(&hay[at..at + n]);
                assert_eq!(
                    word_at(&hay[..len], at),
                    u64::from_le_bytes(expected),
                    "{len} {at}"
                );
            }
        }
    }

    fn equals_aho_corasick_with(words: &[&str]) {
        let ac = aho_corasick::AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .build(words)
            .unwrap();
        let trie = KeywordTrie::new(words);
        let mut seed = 7u64;
        for _ in 0..3000 {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            // Long enough to cross the 64-byte blocks of the vector search.
            let len = (seed >> 33) as usize % 200;
            let mut hay = Vec::new();
            for _ in 0..len {
                seed = seed
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                let alphabet = "aAbBcCdD.nNiI xXyY-_1 éÉ";
                hay.push(alphabet.as_bytes()[(seed >> 33) as usize % alphabet.len()]);
            }
            let mut expected: Vec<(usize, usize, usize)> = ac
                .find_overlapping_iter(&hay)
                .filter(|m| keyword_start_ok(&hay, m.start()))
                .map(|m| (m.pattern().as_usize(), m.start(), m.end()))
                .collect();
            expected.sort_by_key(|&(_, s, e)| (s, e));
            let mut got = Vec::new();
            trie.for_each(&hay, |w, s, e| got.push((w, s, e)));
            assert_eq!(got, expected, "{:?}", String::from_utf8_lossy(&hay));
            if !trie.other_first {
                let mut by_word = Vec::new();
                trie.for_each_word(&hay, &mut |w, s, e| by_word.push((w, s, e)));
                assert_eq!(by_word, expected, "{:?}", String::from_utf8_lossy(&hay));
            }
        }
    }
}
