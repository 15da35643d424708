//! Validators: financial (bank accounts, IBAN, national BBANs, card expiry, magnetic stripe).

use super::core::{digits, luhn};
use super::{Check, Failure, Verdict};

/// Every country of the SWIFT IBAN registry (ISO 13616), plus Senegal, which Macie lists:
/// country code, total length, BBAN structure (registry notation: `n` digits, `a` upper-case
/// letters, `c` upper-case letters or digits).
const IBAN_COUNTRIES: &[(&[u8; 2], usize, &str)] = &[
    (b"AD", 24, "4n4n12c"),
    (b"AE", 23, "3n16n"),
    (b"AL", 28, "8n16c"),
    (b"AT", 20, "5n11n"),
    (b"AZ", 28, "4a20c"),
    (b"BA", 20, "3n3n8n2n"),
    (b"BE", 16, "3n7n2n"),
    (b"BG", 22, "4a4n2n8c"),
    (b"BH", 22, "4a14c"),
    (b"BI", 27, "5n5n11n2n"),
    (b"BR", 29, "8n5n10n1a1c"),
    (b"BY", 28, "4c4n16c"),
    (b"CH", 21, "5n12c"),
    (b"CR", 22, "4n14n"),
    (b"CY", 28, "3n5n16c"),
    (b"CZ", 24, "4n6n10n"),
    (b"DE", 22, "8n10n"),
    (b"DJ", 27, "5n5n11n2n"),
    (b"DK", 18, "4n9n1n"),
    (b"DO", 28, "4c20n"),
    (b"EE", 20, "2n2n11n1n"),
    (b"EG", 29, "4n4n17n"),
    (b"ES", 24, "4n4n1n1n10n"),
    (b"FI", 18, "3n11n"),
    (b"FK", 18, "2a12n"),
    (b"FO", 18, "4n9n1n"),
    (b"FR", 27, "5n5n11c2n"),
    (b"GB", 22, "4a6n8n"),
    (b"GE", 22, "2a16n"),
    (b"GI", 23, "4a15c"),
    (b"GL", 18, "4n9n1n"),
    (b"GR", 27, "3n4n16c"),
    (b"GT", 28, "4c20c"),
    (b"HR", 21, "7n10n"),
    (b"HU", 28, "3n4n1n15n1n"),
    (b"IE", 22, "4a6n8n"),
    (b"IL", 23, "3n3n13n"),
    (b"IQ", 23, "4a3n12n"),
    (b"IS", 26, "4n2n6n10n"),
    (b"IT", 27, "1a5n5n12c"),
    (b"JO", 30, "4a4n18c"),
    (b"KW", 30, "4a22c"),
    (b"KZ", 20, "3n13c"),
    (b"LB", 28, "4n20c"),
    (b"LC", 32, "4a24c"),
    (b"LI", 21, "5n12c"),
    (b"LT", 20, "5n11n"),
    (b"LU", 20, "3n13c"),
    (b"LV", 21, "4a13c"),
    (b"LY", 25, "3n3n15n"),
    (b"MC", 27, "5n5n11c2n"),
    (b"MD", 24, "2c18c"),
    (b"ME", 22, "3n13n2n"),
    (b"MK", 19, "3n10c2n"),
    (b"MN", 20, "4n12n"),
    (b"MR", 27, "5n5n11n2n"),
    (b"MT", 31, "4a5n18c"),
    (b"MU", 30, "4a2n2n12n3n3a"),
    (b"NI", 28, "4a20n"),
    (b"NL", 18, "4a10n"),
    (b"NO", 15, "4n6n1n"),
    (b"OM", 23, "3n16c"),
    (b"PK", 24, "4a16c"),
    (b"PL", 28, "8n16n"),
    (b"PS", 29, "4a21c"),
    (b"PT", 25, "4n4n11n2n"),
    (b"QA", 29, "4a21c"),
    (b"RO", 24, "4a16c"),
    (b"RS", 22, "3n13n2n"),
    (b"RU", 33, "9n5n15c"),
    (b"SA", 24, "2n18c"),
    (b"SC", 31, "4a2n2n16n3a"),
    (b"SD", 18, "2n12n"),
    (b"SE", 24, "3n16n1n"),
    (b"SI", 19, "5n8n2n"),
    (b"SK", 24, "4n6n10n"),
    (b"SM", 27, "1a5n5n12c"),
    (b"SN", 28, "2a22n"),
    (b"SO", 23, "4n3n12n"),
    (b"ST", 25, "4n4n11n2n"),
    (b"SV", 28, "4a20n"),
    (b"TL", 23, "3n14n2n"),
    (b"TN", 24, "2n3n13n2n"),
    (b"TR", 26, "5n1n16c"),
    (b"UA", 29, "6n19c"),
    (b"VA", 22, "3n15n"),
    (b"VG", 24, "4a16n"),
    (b"XK", 20, "4n10n2n"),
    (b"YE", 30, "4a4n18c"),
];

/// Whether `bban` follows a registry structure like `4a6n8n`.
fn bban_matches(bban: &[u8], spec: &str) -> bool {
    let mut pos = 0usize;
    let mut count = 0usize;
    for c in spec.bytes() {
        if c.is_ascii_digit() {
            count = count * 10 + usize::from(c - b'0');
            continue;
        }
        let Some(part) = bban.get(pos..pos + count) else {
            return false;
        };
        let ok = part.iter().all(|b| match c {
            b'n' => b.is_ascii_digit(),
            b'a' => b.is_ascii_uppercase(),
            _ => b.is_ascii_digit() || b.is_ascii_uppercase(),
        });
        if !ok {
            return false;
        }
        pos += count;
        count = 0;
    }
    pos == bban.len()
}

/// The bytes of a written IBAN without separators, if its separators are well placed: all the
/// same (spaces or hyphens, one at a time, which the regex ensures), and every group but the
/// last at least three characters long, except a leading country code and check digits written
/// apart (`ME 25 5050 ...`).
fn compact(value: &[u8]) -> Option<Vec<u8>> {
    let sep = value.iter().copied().find(|&b| b == b' ' || b == b'-');
    let Some(sep) = sep else {
        return Some(value.to_vec());
    };
    let groups: Vec<&[u8]> = value.split(|&b| b == sep).collect();
    if groups
        .iter()
        .any(|g| g.is_empty() || g.contains(&b' ') || g.contains(&b'-'))
    {
        return None;
    }
    let mut rest = &groups[..];
    if rest.len() > 1 && rest[0].len() == 2 {
        // The country code alone, then perhaps the check digits alone.
        rest = &rest[1..];
        if rest.len() > 1 && rest[0].len() == 2 {
            rest = &rest[1..];
        }
    }
    if let Some((_, init)) = rest.split_last() {
        if init.iter().any(|g| g.len() < 3) {
            return None;
        }
    }
    Some(groups.concat())
}

/// ISO 7064 mod 97-10 over an alphanumeric string (letters A=10 .. Z=35); None on other bytes.
fn mod97(s: impl IntoIterator<Item = u8>) -> Option<u32> {
    let mut r = 0u32;
    for b in s {
        let v = match b {
            b'0'..=b'9' => u32::from(b - b'0'),
            b'A'..=b'Z' => u32::from(b - b'A') + 10,
            _ => return None,
        };
        r = if v >= 10 {
            (r * 100 + v) % 97
        } else {
            (r * 10 + v) % 97
        };
    }
    Some(r)
}

/// IBAN of any registry country, as written (spaces or hyphens between groups of any size of
/// three or more, the country code and check digits possibly apart, any letter case): the
/// country's length and BBAN structure, check digits 02-98 and mod-97 == 1, then the national
/// check digits inside the BBAN where the country publishes them ([`national_check`]).
///
/// A failed mod-97 is [`Failure::CheckDigits`] only when the country code is written in upper
/// case; in lower case (`no`, `at`, `is` are words) the value is not IBAN-shaped enough to
/// claim its span ([`Failure::Structure`]).
pub(crate) fn iban_verdict(value: &[u8]) -> Result<(), Failure> {
    let written = compact(value).ok_or(Failure::Structure)?;
    if written.len() < 5 {
        return Err(Failure::Structure);
    }
    let upper_code = written[..2].iter().all(u8::is_ascii_uppercase);
    let s = written.to_ascii_uppercase();
    let &(_, len, spec) = IBAN_COUNTRIES
        .iter()
        .find(|(cc, _, _)| s[..2] == cc[..])
        .ok_or(Failure::Structure)?;
    if s.len() != len || !bban_matches(&s[4..], spec) {
        return Err(Failure::Structure);
    }
    if !s[2].is_ascii_digit() || !s[3].is_ascii_digit() {
        return Err(Failure::Structure);
    }
    let wrong = if upper_code {
        Failure::CheckDigits
    } else {
        Failure::Structure
    };
    let check = (s[2] - b'0') * 10 + (s[3] - b'0');
    if !(2..=98).contains(&check) || mod97(s[4..].iter().chain(&s[..4]).copied()) != Some(1) {
        return Err(wrong);
    }
    if national_check(&s[..2], &s[4..]) {
        Ok(())
    } else {
        Err(Failure::NationalCheck)
    }
}

/// [`iban_verdict`] as a yes or no.
#[cfg(test)]
fn iban(value: &[u8]) -> bool {
    iban_verdict(value).is_ok()
}

/// The digits of a string of ASCII digits as numbers (the BBAN structure checked they are).
fn nums(s: &[u8]) -> Vec<u32> {
    s.iter().map(|&b| u32::from(b.wrapping_sub(b'0'))).collect()
}

/// Sum of digits times weights.
fn weighted(d: &[u8], w: &[u32]) -> u32 {
    nums(d).iter().zip(w).map(|(x, y)| x * y).sum()
}

/// ISO 7064 MOD 11,10 (pure system, hybrid): the last digit checks the others.
fn mod11_10(d: &[u8]) -> bool {
    let Some((&last, body)) = d.split_last() else {
        return false;
    };
    let mut p = 10u32;
    for x in nums(body) {
        let s = match (p + x) % 10 {
            0 => 10,
            s => s,
        };
        p = (s * 2) % 11;
    }
    (11 - p) % 10 == u32::from(last.wrapping_sub(b'0'))
}

/// The national check digits inside a BBAN (upper case, structure already checked), for the
/// countries whose central bank or banking association publishes an algorithm; true for the
/// others.
///
/// - ES: the CCC's two control digits (mod 11, weights 1 2 4 8 5 10 9 7 3 6).
/// - FR, MC: the clé RIB (mod 97); MR, TN: the same RIB key (the whole BBAN, letters mapped as
///   in France, is 0 mod 97).
/// - IT, SM: the CIN check letter.
/// - BE: the last two digits are the first ten mod 97 (97 for 0).
/// - BA, ME, MK, PT, RS, SI: ISO 7064 mod 97-10 over the whole BBAN (== 1).
/// - NO: mod 11 over the first ten digits (weights 5 4 3 2 7 6 5 4 3 2).
/// - FI: Luhn over the 14 digits.
/// - PL: the bank and branch code's eighth digit (weights 3 9 7 1 3 9 7 1, mod 10).
/// - HU: the bank-branch code and the account each end with a digit that makes the sum with
///   weights 9 7 3 1 a multiple of ten.
/// - HR: ISO 7064 MOD 11,10 over the bank code (7 digits) and over the account (10).
/// - CZ, SK: the prefix (weights 10 5 8 4 2 1) and the account (6 3 7 9 10 5 8 4 2 1), each
///   0 mod 11.
fn national_check(cc: &[u8], bban: &[u8]) -> bool {
    match cc {
        b"ES" => spain_ccc(bban),
        b"FR" | b"MC" => france_rib(bban),
        b"MR" | b"TN" => rib_letters_mod97(bban) == Some(0),
        b"IT" | b"SM" => italy_bban(bban),
        b"BE" => {
            let d = nums(bban);
            let first = d[..10].iter().fold(0u64, |a, &x| a * 10 + u64::from(x));
            let key = u64::from(d[10] * 10 + d[11]);
            let r = first % 97;
            key == if r == 0 { 97 } else { r }
        }
        b"BA" | b"ME" | b"MK" | b"PT" | b"RS" | b"SI" => mod97(bban.iter().copied()) == Some(1),
        b"NO" => {
            let r = weighted(&bban[..10], &[5, 4, 3, 2, 7, 6, 5, 4, 3, 2]) % 11;
            let check = match r {
                0 => 0,
                1 => return false,
                r => 11 - r,
            };
            check == u32::from(bban[10] - b'0')
        }
        b"FI" => luhn(&digits(bban)),
        b"PL" => weighted(&bban[..8], &[3, 9, 7, 1, 3, 9, 7, 1]).is_multiple_of(10),
        b"HU" => {
            let w = [9, 7, 3, 1, 9, 7, 3, 1, 9, 7, 3, 1, 9, 7, 3, 1];
            weighted(&bban[..8], &w).is_multiple_of(10)
                && weighted(&bban[8..], &w).is_multiple_of(10)
        }
        b"HR" => mod11_10(&bban[..7]) && mod11_10(&bban[7..]),
        b"CZ" | b"SK" => {
            weighted(&bban[4..10], &[10, 5, 8, 4, 2, 1]).is_multiple_of(11)
                && weighted(&bban[10..], &[6, 3, 7, 9, 10, 5, 8, 4, 2, 1]).is_multiple_of(11)
        }
        _ => true,
    }
}

/// A RIB-style BBAN mod 97, letters mapped to digits as for the French clé RIB.
fn rib_letters_mod97(bban: &[u8]) -> Option<u32> {
    let mut r = 0u32;
    for &b in bban {
        let v = match b {
            b'0'..=b'9' => b - b'0',
            b'A'..=b'I' => b - b'A' + 1,
            b'J'..=b'R' => b - b'J' + 1,
            b'S'..=b'Z' => b - b'S' + 2,
            _ => return None,
        };
        r = (r * 10 + u32::from(v)) % 97;
    }
    Some(r)
}

/// Whether every digit is the same (000000000, 111111111): placeholders, not accounts.
fn all_same(d: &[u8]) -> bool {
    d.windows(2).all(|w| w[0] == w[1])
}

/// US / Canadian bank account number: 9-17 digits, not a placeholder.
pub(crate) fn bank_account_number(value: &[u8]) -> bool {
    let d = digits(value);
    (9..=17).contains(&d.len()) && d.len() == value.len() && !all_same(&d)
}

/// French RIB: banque (5) guichet (5) compte (11, letters map to digits) clé (2);
/// clé = 97 - (89 banque + 15 guichet + 3 compte) mod 97.
pub(crate) fn france_rib(value: &[u8]) -> bool {
    let s: Vec<u8> = value.iter().copied().filter(|b| *b != b' ').collect();
    if s.len() != 23 {
        return false;
    }
    let mut n = Vec::with_capacity(23);
    for &b in &s {
        let v = match b {
            b'0'..=b'9' => b - b'0',
            // A,J -> 1; B,K,S -> 2; ... I,R,Z -> 9 (S..Z shifted by one).
            b'A'..=b'I' => b - b'A' + 1,
            b'J'..=b'R' => b - b'J' + 1,
            b'S'..=b'Z' => b - b'S' + 2,
            _ => return false,
        };
        n.push(v);
    }
    if !s[..10].iter().chain(&s[21..]).all(u8::is_ascii_digit) {
        return false;
    }
    let num = |d: &[u8]| d.iter().fold(0u64, |a, &x| a * 10 + u64::from(x));
    let (banque, guichet, compte, cle) =
        (num(&n[..5]), num(&n[5..10]), num(&n[10..21]), num(&n[21..]));
    if banque == 0 || compte == 0 {
        return false;
    }
    let r = (89 * banque + 15 * guichet + 3 * (compte % 97)) % 97;
    97 - r == cle
}

/// German domestic account: Bankleitzahl (8 digits, first 1-8) and Kontonummer (up to 10
/// digits, not all zero). Account check digits depend on ~150 bank-specific methods, which
/// are not checked.
pub(crate) fn germany_bban(value: &[u8]) -> bool {
    let d = digits(value);
    if !(12..=18).contains(&d.len()) {
        return false;
    }
    let (blz, konto) = d.split_at(8);
    (1..=8).contains(&blz[0]) && konto.iter().any(|&x| x != 0) && !all_same(&d)
}

/// Odd-position values of the Italian CIN (and codice fiscale) check character, for 0-9 / A-Z.
const CIN_ODD: [u8; 26] = [
    1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25, 24, 23,
];

/// Italian BBAN: CIN (check letter) ABI (5) CAB (5) conto (12 alphanumerics).
pub(crate) fn italy_bban(value: &[u8]) -> bool {
    let s: Vec<u8> = value
        .iter()
        .copied()
        .filter(|b| *b != b' ' && *b != b'-')
        .collect();
    if s.len() != 23 || !s[0].is_ascii_uppercase() {
        return false;
    }
    let mut total = 0u32;
    for (i, &b) in s[1..].iter().enumerate() {
        let v = match b {
            b'0'..=b'9' => b - b'0',
            b'A'..=b'Z' => b - b'A',
            _ => return false,
        };
        total += u32::from(if i % 2 == 0 {
            CIN_ODD[usize::from(v)]
        } else {
            v
        });
    }
    s[12..].iter().any(|&b| b != b'0') && u32::from(s[0] - b'A') == total % 26
}

/// Spanish CCC: entidad (4) oficina (4) two control digits, cuenta (10).
pub(crate) fn spain_ccc(value: &[u8]) -> bool {
    let d = digits(value);
    if d.len() != 20 {
        return false;
    }
    const W: [u32; 10] = [1, 2, 4, 8, 5, 10, 9, 7, 3, 6];
    let dc = |ds: &[u8]| -> u8 {
        let s: u32 = ds.iter().zip(W).map(|(&x, w)| u32::from(x) * w).sum();
        match 11 - s % 11 {
            11 => 0,
            10 => 1,
            x => x as u8,
        }
    };
    let mut first = vec![0, 0];
    first.extend_from_slice(&d[..8]);
    d[10..].iter().any(|&x| x != 0) && dc(&first) == d[8] && dc(&d[10..]) == d[9]
}

/// UK sort code and account number: 6 + 8 digits, neither all zero. (The banks' modulus
/// checks are table-driven per sort-code range and are not applied.)
pub(crate) fn uk_bban(value: &[u8]) -> bool {
    let d = digits(value);
    d.len() == 14 && d[..6].iter().any(|&x| x != 0) && d[6..].iter().any(|&x| x != 0)
}

/// Whether `y` (2 or 4 digits) is a plausible card expiry year.
fn year_ok(y: &[u8]) -> bool {
    match y.len() {
        2 => true,
        4 => y[0] == 2 && y[1] == 0,
        _ => false,
    }
}

fn month_ok(m: &[u8]) -> bool {
    let v = m.iter().fold(0u32, |a, &x| a * 10 + u32::from(x));
    !m.is_empty() && m.len() <= 2 && (1..=12).contains(&v)
}

/// Card expiry: a month and a year only (a full date with a day is not an expiry).
pub(crate) fn card_expiration(value: &[u8]) -> bool {
    let groups: Vec<Vec<u8>> = value
        .split(|b| !b.is_ascii_digit())
        .filter(|g| !g.is_empty())
        .map(|g| g.iter().map(|b| b - b'0').collect())
        .collect();
    let Some(&first) = value.first() else {
        return false;
    };
    if first.is_ascii_alphabetic() {
        let lower = value.to_ascii_lowercase();
        if lower.starts_with(b"exp") {
            // Key-value pair: the regex fixed the month and year fields.
            return groups.len() == 2;
        }
        // Month name and year.
        return groups.len() == 1 && year_ok(&groups[0]);
    }
    match groups.as_slice() {
        [a, b] if a.len() == 4 => year_ok(a) && month_ok(b),
        [a, b] => month_ok(a) && year_ok(b),
        _ => false,
    }
}

/// Magnetic stripe track 1 (`%B<PAN>^NAME^YYMM...?`) or track 2 (`;<PAN>=YYMM...?`): the PAN
/// passes Luhn and the expiry month is 01-12.
pub(crate) fn magnetic_stripe(value: &[u8]) -> bool {
    let (body, sep) = match value {
        [b'%', b'B', rest @ ..] => (rest, b'^'),
        [b';', rest @ ..] => (rest, b'='),
        _ => return false,
    };
    let Some(p) = body.iter().position(|&b| b == sep) else {
        return false;
    };
    let pan = &body[..p];
    if !(13..=19).contains(&pan.len()) || !pan.iter().all(u8::is_ascii_digit) {
        return false;
    }
    let mut rest = &body[p + 1..];
    if sep == b'^' {
        let Some(q) = rest.iter().position(|&b| b == b'^') else {
            return false;
        };
        rest = &rest[q + 1..];
    }
    let Some(yymm) = rest.get(..4) else {
        return false;
    };
    if !yymm.iter().all(u8::is_ascii_digit) {
        return false;
    }
    let mm = digits(&yymm[2..]);
    luhn(&digits(pan)) && month_ok(&mm)
}

/// Card security code: three or four digits only (dates and card-number groups are dropped).
pub(crate) fn security_code(value: &[u8]) -> bool {
    (3..=4).contains(&value.len()) && value.iter().all(u8::is_ascii_digit)
}

/// The validators this file provides, by catalogue name.
pub(crate) const VALIDATORS: &[(&str, Check)] = &[
    ("bank_account_number", bank_account_number),
    ("france_rib", france_rib),
    ("germany_bban", germany_bban),
    ("italy_bban", italy_bban),
    ("spain_ccc", spain_ccc),
    ("uk_bban", uk_bban),
    ("card_expiration", card_expiration),
    ("magnetic_stripe", magnetic_stripe),
    ("security_code", security_code),
];

/// The validators this file provides that say why they reject.
pub(crate) const DETAILED: &[(&str, Verdict)] = &[("iban", iban_verdict)];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iban_registry_examples() {
        for v in [
            "DE89370400440532013000",
            "GB29NWBK60161331926819",
            "GB29 NWBK 6016 1331 9268 19",
            "FR1420041010050500013M02606",
            "ES91-2100-0418-4502-0005-1332",
            "IT60X0542811101000000123456",
            "NL91ABNA0417164300",
            "MT84MALT011000012345MTLCAST001S",
            "MU17BOMM0101101030300200000MUR",
            "SN08SN0100152000048500003035",
            "XK051212012345678906",
            "TL380080012345678910157",
            "VG96VPVG0000012345678901",
            "TR330006100519786457841326",
        ] {
            assert!(iban(v.as_bytes()), "{v}");
        }
    }

    #[test]
    fn iban_rejects() {
        for v in [
            "DE88370400440532013000",      // check digits
            "DE8937040044053201300",       // length
            "BE68539007547035",            // check digits
            "GB29 NWBK-6016 1331 9268 19", // mixed separators
            "GB2960161331926819NWBK",      // BBAN structure
            "DE00370400440532013000",      // check digits out of range
            "NL91 ABNA 04 17164300",       // a group of two inside
            "",
            "DE",
            "DE8",
        ] {
            assert!(!iban(v.as_bytes()), "{v}");
        }
    }

    /// An IBAN of `cc` and `bban` with its check digits computed.
    fn with_check_digits(cc: &str, bban: &str) -> String {
        let r = mod97(format!("{bban}{cc}00").bytes()).unwrap();
        format!("{cc}{:02}{bban}", 98 - r)
    }

    /// The registry's published examples of the countries Macie has no id for.
    const NEW_COUNTRY_EXAMPLES: &[&str] = &[
        "AT611904300234573201",
        "AZ21NABZ00000000137010001944",
        "BH67BMAG00001299123456",
        "BE68539007547034",
        "BY13NBRB3600900000002Z00AB00",
        "FK88SC123456789012",
        "GI75NWBK000000007099453",
        "GT82TRAJ01020000001210029690",
        "IL620108000000099999999",
        "IQ98NBIQ850123456789012",
        "KZ86125KZT5004100100",
        "KW81CBKU0000000000001234560101",
        "LV80BANK0000435195001",
        "LB62099900000001001901229114",
        "LY83002048000020100120361",
        "LU280019400644750000",
        "MD24AG000225100013104168",
        "MN121234123456789123",
        "NI45BAPR00000013000003558124",
        "NO9386011117947",
        "OM810180000001299123456",
        "PK36SCBL0000001123456702",
        "PS92PALS000000000400123456702",
        "QA58DOHB00001234567890ABCDEFG",
        "RO49AAAA1B31007593840000",
        "RU0304452522540817810538091310419",
        "LC55HEMM000100010012001200023015",
        "ST23000100010051845310146",
        "SA0380000000608010167519",
        "SC18SSCB11010000000000001497USD",
        "SD2129010501234001",
        "SO211000001001000100141",
        "SV62CENR00000000000000700025",
        "VA59001123000012345678",
        "YE15CBYE0001018861234567891234",
        "BI4210000100010000332045181",
        "DJ2100010000000154000100186",
    ];

    #[test]
    fn iban_every_registry_country() {
        assert_eq!(NEW_COUNTRY_EXAMPLES.len(), 37);
        for v in NEW_COUNTRY_EXAMPLES {
            assert_eq!(iban_verdict(v.as_bytes()), Ok(()), "{v}");
        }
        // Each country's length is exact.
        for (cc, len, _) in IBAN_COUNTRIES {
            let cc = std::str::from_utf8(&cc[..]).unwrap();
            let bban = "0".repeat(len - 5);
            let short = with_check_digits(cc, &bban);
            assert_eq!(
                iban_verdict(short.as_bytes()),
                Err(Failure::Structure),
                "{short}"
            );
        }
    }

    /// Published values of the countries whose national check digits are checked pass; the
    /// same with one BBAN digit changed (and the IBAN check digits recomputed, so mod-97
    /// still passes) fail with [`Failure::NationalCheck`].
    #[test]
    fn iban_national_checks() {
        for v in [
            "ES9121000418450200051332",
            "FR1420041010050500013M02606",
            "MC5811222000010123456789030",
            "MR1300020001010000123456753",
            "TN5910006035183598478831",
            "IT60X0542811101000000123456",
            "SM86U0322509800000000270100",
            "BE68539007547034",
            "BA391290079401028494",
            "ME25505000012345678951",
            "MK07250120000058984",
            "PT50000201231234567890154",
            "RS35260005601001611379",
            "SI56263300012039086",
            "NO9386011117947",
            "FI2112345600000785",
            "PL61109010140000071219812874",
            "HU42117730161111101800000000",
            "HR1210010051863000160",
            "CZ6508000000192000145399",
            "SK3112000000198742637541",
        ] {
            assert_eq!(iban_verdict(v.as_bytes()), Ok(()), "{v}");
            let (cc, bban) = (&v[..2], &v[4..]);
            let at = if cc == "CZ" || cc == "SK" { 5 } else { 1 };
            let mut b = bban.as_bytes().to_vec();
            b[at] = b'0' + (b[at] - b'0' + 1) % 10;
            let altered = with_check_digits(cc, std::str::from_utf8(&b).unwrap());
            assert_eq!(
                iban_verdict(altered.as_bytes()),
                Err(Failure::NationalCheck),
                "{altered}"
            );
        }
    }

    #[test]
    fn iban_failures_say_why() {
        // Upper-case country code, wrong check digits: IBAN-shaped.
        assert_eq!(
            iban_verdict(b"AT621904300234573201"),
            Err(Failure::CheckDigits)
        );
        assert_eq!(
            iban_verdict(b"DE00370400440532013000"),
            Err(Failure::CheckDigits)
        );
        // Lower-case country code: not shaped enough to claim its span.
        assert_eq!(
            iban_verdict(b"at621904300234573201"),
            Err(Failure::Structure)
        );
        assert_eq!(iban_verdict(b"at611904300234573201"), Ok(()));
        assert_eq!(
            iban_verdict(b"XX611904300234573201"),
            Err(Failure::Structure)
        );
    }

    #[test]
    fn iban_spellings() {
        for v in [
            "ME 25 5050 0001 2345 6789 51",
            "ME25 505 000 012 345 678 951",
            "AT61 19043 00234573201",
            "AT61-190430-023457-3201",
            "gb29 nwbk 6016 1331 9268 19",
            "Gb29NwBk60161331926819",
        ] {
            assert!(iban(v.as_bytes()), "{v}");
        }
        for v in [
            "ME25 5050 00 0123 4567 8951",  // a group of two inside
            "M E25 5050 0001 2345 6789 51", // the country code split
            "ME25  5050 0001 2345 6789 51", // two spaces
            "ME 25-5050-0001-2345-6789-51", // mixed separators
        ] {
            assert!(!iban(v.as_bytes()), "{v}");
        }
    }

    #[test]
    fn all_iban_countries_consistent() {
        assert_eq!(IBAN_COUNTRIES.len(), 89);
        for (cc, len, spec) in IBAN_COUNTRIES {
            let mut n = 0usize;
            let mut total = 0usize;
            for c in spec.bytes() {
                if c.is_ascii_digit() {
                    n = n * 10 + usize::from(c - b'0');
                } else {
                    total += n;
                    n = 0;
                }
            }
            assert_eq!(total + 4, *len, "{}", String::from_utf8_lossy(&cc[..]));
        }
    }

    #[test]
    fn bank_account() {
        assert!(bank_account_number(b"004512398765"));
        assert!(bank_account_number(b"123456789"));
        assert!(!bank_account_number(b"12345678"));
        assert!(!bank_account_number(b"123456789012345678"));
        assert!(!bank_account_number(b"000000000"));
    }

    #[test]
    fn rib() {
        assert!(france_rib(b"20041 01005 0500013M026 06"));
        assert!(france_rib(b"30004008230001023456728"));
        assert!(!france_rib(b"30004008230001023456729"));
        assert!(!france_rib(b"3000400823000102345672"));
        assert!(!france_rib(b"3000400823000102345672\xff"));
    }

    #[test]
    fn germany() {
        assert!(germany_bban(b"370400440532013000"));
        assert!(germany_bban(b"370 400 44 532013000"));
        assert!(!germany_bban(b"070400440532013000"));
        assert!(!germany_bban(b"370400440000000000"));
        assert!(!germany_bban(b"37040044"));
    }

    #[test]
    fn italy() {
        assert!(italy_bban(b"X 05428 11101 000000123456"));
        assert!(italy_bban(b"Y0306909606100000063271"));
        assert!(!italy_bban(b"Z0306909606100000063271"));
        assert!(!italy_bban(b"Y030690960610000006327"));
        assert!(!italy_bban(b"10306909606100000063271"));
    }

    #[test]
    fn spain() {
        assert!(spain_ccc(b"2100 0418 45 0200051332"));
        assert!(spain_ccc(b"0049-1500-04-2510345678"));
        assert!(!spain_ccc(b"0049-1500-05-2510345678"));
        assert!(!spain_ccc(b"0049150004251034567"));
    }

    #[test]
    fn uk() {
        assert!(uk_bban(b"60-16-13 31926819"));
        assert!(!uk_bban(b"00-00-00 31926819"));
        assert!(!uk_bban(b"60-16-13 00000000"));
        assert!(!uk_bban(b"60-16-13 3192681"));
    }

    #[test]
    fn expiration() {
        for v in [
            "02/26",
            "2/26",
            "02/2026",
            "12-29",
            "2026-02",
            "Feb 2026",
            "february 26",
            "expM=02 expY=2026",
        ] {
            assert!(card_expiration(v.as_bytes()), "{v}");
        }
        for v in [
            "13/26",
            "00/26",
            "02/3026",
            "12/25/2026",
            "2026-02-14",
            "Feb 14, 2026",
            "",
        ] {
            assert!(!card_expiration(v.as_bytes()), "{v}");
        }
    }

    #[test]
    fn cvv() {
        assert!(security_code(b"417"));
        assert!(security_code(b"8342"));
        assert!(!security_code(b"12/2027"));
        assert!(!security_code(b"4539 2274"));
        assert!(!security_code(b"41"));
    }

    #[test]
    fn stripe() {
        assert!(magnetic_stripe(
            b"%B4539227423747675^DOE/JANE^2912101000000000000000?"
        ));
        assert!(magnetic_stripe(b";4539227423747675=29121010000000000?"));
        assert!(!magnetic_stripe(b";4539227423747676=29121010000000000?"));
        assert!(!magnetic_stripe(b";4539227423747675=29131010000000000?"));
        assert!(!magnetic_stripe(b"%B4539227423747675^DOE/JANE^29"));
        assert!(!magnetic_stripe(b";"));
        assert!(!magnetic_stripe(b""));
    }
}
