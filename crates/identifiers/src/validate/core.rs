//! Core validators: Luhn, payment cards, US SSN, AWS secret keys, PEM blocks.

use smallvec::SmallVec;

use super::Check;

/// A value's digits: on the stack up to 24 (every identity number, card and account number
/// validated; a validator runs on each candidate, hundreds of thousands over a log, and a
/// heap allocation each time was a measurable part of confirming).
pub type Digits = SmallVec<[u8; 24]>;

/// The ASCII digits of `value`, as numbers 0-9, separators dropped.
pub fn digits(value: &[u8]) -> Digits {
    value
        .iter()
        .filter(|b| b.is_ascii_digit())
        .map(|b| b - b'0')
        .collect()
}

/// Luhn (ISO/IEC 7812-1) over digit values 0-9. Empty input fails.
pub fn luhn(digits: &[u8]) -> bool {
    if digits.is_empty() {
        return false;
    }
    // The digits taken in pairs from the right (the check digit as it is, the one before it
    // doubled, less 9 past 9), so the loop has no branch a digit: every card candidate runs it.
    let mut pairs = digits.rchunks_exact(2);
    let mut sum = 0u32;
    for pair in pairs.by_ref() {
        let doubled = 2 * u32::from(pair[0]);
        sum += u32::from(pair[1]) + doubled - 9 * u32::from(doubled > 9);
    }
    if let [first] = pairs.remainder() {
        sum += u32::from(*first);
    }
    sum.is_multiple_of(10)
}

fn prefix_num(d: &[u8], n: usize) -> u32 {
    d.iter()
        .take(n)
        .fold(0u32, |acc, &x| acc * 10 + u32::from(x))
}

/// The number of the first 1, 2, 3, 4 and 6 digits of `d` (at least six long): the shorter
/// ones from the six-digit one.
fn prefixes(d: &[u8]) -> [u32; 5] {
    let p6 = prefix_num(d, 6);
    [p6 / 100_000, p6 / 10_000, p6 / 1_000, p6 / 100, p6]
}

/// The issuer network a card number belongs to, by prefix (IIN) and length, from the
/// networks' own published ranges; the first that fits names it (ranges overlap: Maestro's
/// 50 and 56-69 hold RuPay, Verve, Discover and UnionPay ranges).
pub fn card_issuer(d: &[u8]) -> Option<&'static str> {
    let len = d.len();
    if !(12..=19).contains(&len) {
        return None;
    }
    let [p1, p2, p3, p4, p6] = prefixes(d);
    let lengths = |lo: usize, hi: usize| (lo..=hi).contains(&len);
    if (p2 == 34 || p2 == 37) && len == 15 {
        return Some("amex");
    }
    if p1 == 1 && len == 15 {
        return Some("uatp");
    }
    if p4 == 5019 && len == 16 {
        return Some("dankort");
    }
    if (2200..=2204).contains(&p4) && lengths(16, 19) {
        return Some("mir");
    }
    if ((51..=55).contains(&p2) || (2221..=2720).contains(&p4)) && len == 16 {
        return Some("mastercard");
    }
    if p1 == 4 && matches!(len, 13 | 16 | 19) {
        return Some("visa"); // includes Visa Electron (4026, 417500, 4508, 4844, 4913, 4917)
    }
    if ((506099..=506198).contains(&p6) || (650002..=650027).contains(&p6))
        && matches!(len, 16 | 19)
    {
        return Some("verve");
    }
    if (p4 == 6011 || (644..=649).contains(&p3) || p2 == 65 || (622126..=622925).contains(&p6))
        && lengths(16, 19)
    {
        return Some("discover");
    }
    if ((300..=305).contains(&p3) || p4 == 3095 || p2 == 36 || p2 == 38 || p2 == 39)
        && lengths(14, 19)
    {
        return Some("diners");
    }
    if (3528..=3589).contains(&p4) && lengths(16, 19) {
        return Some("jcb");
    }
    if p2 == 62 && lengths(16, 19) {
        return Some("unionpay");
    }
    if (matches!(p2, 60 | 65 | 81 | 82) || p3 == 508) && len == 16 {
        return Some("rupay");
    }
    if p4 == 6759 || p6 == 676770 || p6 == 676774 {
        return Some("maestro_uk"); // 12-19 digits
    }
    if p2 == 50 || (56..=69).contains(&p2) {
        return Some("maestro"); // 12-19 digits
    }
    None
}

pub(crate) fn credit_card(value: &[u8]) -> bool {
    // The digits on the stack (a card has at most 19; more fail card_issuer anyway).
    let mut d = [0u8; 20];
    let mut n = 0;
    for &b in value {
        if b.is_ascii_digit() {
            if n == d.len() {
                return false;
            }
            d[n] = b - b'0';
            n += 1;
        }
    }
    let d = &d[..n];
    // Luhn first: most candidates are timestamps and order numbers, and nine in ten of them
    // fail it for less than the issuer table costs.
    luhn(d) && card_issuer(d).is_some()
}

pub(crate) fn usa_ssn(value: &[u8]) -> bool {
    let d = digits(value);
    if d.len() != 9 {
        return false;
    }
    let area = prefix_num(&d, 3);
    let group = prefix_num(&d[3..], 2);
    let serial = prefix_num(&d[5..], 4);
    area != 0 && area != 666 && area < 900 && group != 0 && serial != 0
}

pub(crate) fn aws_secret_key(value: &[u8]) -> bool {
    let upper = value.iter().any(u8::is_ascii_uppercase);
    let lower = value.iter().any(u8::is_ascii_lowercase);
    let other = value
        .iter()
        .any(|b| b.is_ascii_digit() || *b == b'/' || *b == b'+');
    value.len() == 40 && upper && lower && other
}

pub(crate) fn pem_block(value: &[u8]) -> bool {
    // The body is everything after the BEGIN line's closing dashes up to the END line (a line
    // break or, in a JSON string, an escaped `\n` or `\r\n` between); it must carry at least
    // some base64 (a placeholder like "...\n" is not a key).
    let Some(close) = value
        .get(5..)
        .and_then(|rest| memchr::memmem::find(rest, b"-----"))
    else {
        return false;
    };
    let body_start = 5 + close + 5;
    let body_end = memchr::memmem::rfind(value, b"-----END").unwrap_or(value.len());
    if body_end <= body_start {
        return false;
    }
    let body = &value[body_start..body_end];
    let b64 = body
        .iter()
        .filter(|b| b.is_ascii_alphanumeric() || **b == b'+' || **b == b'/')
        .count();
    b64 >= 64
}

/// The validators this file provides, by catalogue name.
pub(crate) const VALIDATORS: &[(&str, Check)] = &[
    ("credit_card", credit_card),
    ("luhn", |v| luhn(&digits(v))),
    ("usa_ssn", usa_ssn),
    ("aws_secret_key", aws_secret_key),
    ("pem_block", pem_block),
];

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Luhn as the standard states it, a digit at a time from the right.
    fn luhn_reference(digits: &[u8]) -> bool {
        let mut sum = 0u32;
        for (i, &d) in digits.iter().rev().enumerate() {
            let mut d = u32::from(d);
            if i % 2 == 1 {
                d *= 2;
                if d > 9 {
                    d -= 9;
                }
            }
            sum += d;
        }
        !digits.is_empty() && sum.is_multiple_of(10)
    }

    proptest! {
        #[test]
        fn luhn_equals_the_reference(d in proptest::collection::vec(0u8..10, 0..24)) {
            prop_assert_eq!(luhn(&d), luhn_reference(&d));
        }

        #[test]
        fn prefixes_are_the_first_digits(d in proptest::collection::vec(0u8..10, 6..20)) {
            let expected = [1, 2, 3, 4, 6].map(|n| prefix_num(&d, n));
            prop_assert_eq!(prefixes(&d), expected);
        }
    }

    #[test]
    fn credit_card_equals_reference() {
        let reference = |v: &[u8]| {
            let d = digits(v);
            card_issuer(&d).is_some() && luhn(&d)
        };
        let mut seed = 5u64;
        let mut positives = 0;
        for _ in 0..200_000 {
            let mut v = Vec::new();
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let len = 10 + (seed >> 33) as usize % 20;
            for _ in 0..len {
                seed = seed
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                v.push(b"0123456789012345678934 -"[(seed >> 33) as usize % 24]);
            }
            assert_eq!(
                credit_card(&v),
                reference(&v),
                "{:?}",
                String::from_utf8_lossy(&v)
            );
            positives += usize::from(reference(&v));
        }
        assert!(positives > 100, "{positives}");
    }

    #[test]
    fn luhn_known() {
        assert!(luhn(&digits(b"4539578763621486")));
        assert!(!luhn(&digits(b"4539578763621487")));
        assert!(!luhn(&[]));
    }

    #[test]
    fn issuers() {
        assert_eq!(card_issuer(&digits(b"4539578763621486")), Some("visa"));
        assert_eq!(
            card_issuer(&digits(b"2221000000000009")),
            Some("mastercard")
        );
        assert_eq!(card_issuer(&digits(b"371449635398431")), Some("amex"));
        assert_eq!(card_issuer(&digits(b"9999999999999995")), None);
        assert_eq!(card_issuer(&digits(b"168587824374833")), Some("uatp"));
        assert_eq!(card_issuer(&digits(b"2200501571618637")), Some("mir"));
        assert_eq!(card_issuer(&digits(b"8141463500990570")), Some("rupay"));
        assert_eq!(card_issuer(&digits(b"5060992366366759")), Some("verve"));
        assert_eq!(card_issuer(&digits(b"30953107830618")), Some("diners"));
        assert_eq!(
            card_issuer(&digits(b"6767707461932238")),
            Some("maestro_uk")
        );
        assert_eq!(card_issuer(&digits(b"502051045511")), Some("maestro"));
        // Visa is 13, 16 or 19 digits; UATP 15; RuPay's 81 and 82 only 16.
        assert_eq!(card_issuer(&digits(b"46648562802328")), None);
        assert_eq!(card_issuer(&digits(b"1685878243748")), None);
        assert_eq!(card_issuer(&digits(b"81414635009905709")), None);
        // 11 and 20 digits.
        assert_eq!(card_issuer(&digits(b"50205104551")), None);
        assert_eq!(card_issuer(&digits(b"50205104551100000000")), None);
        // Amex prefix with a wrong length.
        assert_eq!(card_issuer(&digits(b"3714496353984312")), None);
    }

    #[test]
    fn ssn_parts() {
        assert!(usa_ssn(b"123-45-6789"));
        assert!(!usa_ssn(b"000-45-6789"));
        assert!(!usa_ssn(b"666-45-6789"));
        assert!(!usa_ssn(b"900-45-6789"));
        assert!(!usa_ssn(b"123-00-6789"));
        assert!(!usa_ssn(b"123-45-0000"));
    }

    #[test]
    fn aws_secret_shape() {
        assert!(aws_secret_key(b"Tk3yP9sQ2mX7vL1nR8bW4cF6hJ0dG5aZ+e/uYiOp"));
        // A hex SHA-1 is not a secret key.
        assert!(!aws_secret_key(b"da39a3ee5e6b4b0d3255bfef95601890afd80709"));
    }
}
