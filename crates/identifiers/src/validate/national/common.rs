//! What the national and taxpayer id validators share: compacting, digit groups, sums.

use smallvec::SmallVec;

/// The ASCII letters and digits of `value`, upper-cased; separators dropped (on the stack for
/// ids up to 32 characters, like [`digits`](crate::validate::core::digits)).
pub(super) fn compact(value: &[u8]) -> SmallVec<[u8; 32]> {
    value
        .iter()
        .filter(|b| b.is_ascii_alphanumeric())
        .map(u8::to_ascii_uppercase)
        .collect()
}

/// Whether every byte of `d` is the same (all-zero, 11111111, ...). Empty counts as same.
pub(super) fn all_same(d: &[u8]) -> bool {
    d.windows(2).all(|w| w[0] == w[1])
}

/// Whether every byte of `value` is an ASCII digit or one of the allowed separators.
pub(super) fn only_digits_and(value: &[u8], seps: &[u8]) -> bool {
    value.iter().all(|b| b.is_ascii_digit() || seps.contains(b))
}

/// The number formed by digit values `d` (at most 19 of them fit).
pub(super) fn number(d: &[u8]) -> u64 {
    d.iter().fold(0u64, |acc, &x| {
        acc.wrapping_mul(10).wrapping_add(u64::from(x))
    })
}

/// Sum of `d[i] * w[i]` over the shorter of the two.
pub(super) fn weighted(d: &[u8], w: &[u32]) -> u32 {
    d.iter().zip(w).map(|(&x, &w)| u32::from(x) * w).sum()
}

/// The digit-group lengths of a separated digit run ("459 876 125" gives 3, 3, 3): None when
/// anything but digits and one kind of separator from `seps` appears, or a group is empty.
pub(super) fn groups(value: &[u8], seps: &[u8]) -> Option<SmallVec<[usize; 8]>> {
    let mut sep = None;
    let mut out: SmallVec<[usize; 8]> = smallvec::smallvec![0usize];
    for &b in value {
        if b.is_ascii_digit() {
            *out.last_mut()? += 1;
        } else if seps.contains(&b) && *out.last()? > 0 && sep.is_none_or(|s| s == b) {
            sep = Some(b);
            out.push(0);
        } else {
            return None;
        }
    }
    (*out.last()? > 0).then_some(out)
}

/// Whether month `month` (1-12) has a day `day` in some year (29 February counts: a two-digit
/// year does not say whether it was a leap year).
pub(super) fn date_exists(month: u8, day: u8) -> bool {
    let last = match month {
        2 => 29,
        4 | 6 | 9 | 11 => 30,
        1..=12 => 31,
        _ => return false,
    };
    (1..=last).contains(&day)
}
