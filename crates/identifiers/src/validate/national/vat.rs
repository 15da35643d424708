//! EU VAT identification numbers: the two-letter prefix (`EL` for Greece), then the national
//! number with the check its tax authority publishes. Each function takes the matched bytes,
//! prefix included (a space after it allowed), and never panics.

use super::common::{all_same, compact, number, weighted};
use super::europe::{bulgaria_egn, czech_birth_number, ireland_pps};
use super::ids::spain_nif;
use crate::validate::core::luhn;

/// What follows prefix `cc` (letters upper-cased, separators dropped); None without it.
fn body(value: &[u8], cc: &[u8]) -> Option<Vec<u8>> {
    compact(value).strip_prefix(cc).map(<[u8]>::to_vec)
}

/// The digit values after prefix `cc` when there are `lens` of them, nothing else, and not
/// all one digit.
fn digit_body(value: &[u8], cc: &[u8], lens: &[usize]) -> Option<Vec<u8>> {
    let b = body(value, cc)?;
    let ok = lens.contains(&b.len()) && b.iter().all(u8::is_ascii_digit) && !all_same(&b);
    ok.then(|| b.iter().map(|x| x - b'0').collect())
}

/// ISO 7064 MOD 11,10 (hybrid system): the last digit checks the others.
fn mod11_10(d: &[u8]) -> bool {
    let Some((&check, head)) = d.split_last() else {
        return false;
    };
    let mut p = 10u32;
    for &x in head {
        let s = match (u32::from(x) + p) % 10 {
            0 => 10,
            s => s,
        };
        p = (2 * s) % 11;
    }
    (11 - p) % 10 == u32::from(check)
}

/// `c == (10 - sum mod 10) mod 10`.
fn mod10_complement(sum: u32, c: u8) -> bool {
    (10 - sum % 10) % 10 == u32::from(c)
}

/// Austria UID: `ATU`, eight digits; digits 2, 4, 6 doubled (digit sums), check
/// (10 - (sum + 4) mod 10) mod 10.
pub(crate) fn austria_vat(value: &[u8]) -> bool {
    let Some(b) = body(value, b"AT") else {
        return false;
    };
    let Some(rest) = b.strip_prefix(b"U") else {
        return false;
    };
    if rest.len() != 8 || !rest.iter().all(u8::is_ascii_digit) || all_same(rest) {
        return false;
    }
    let d: Vec<u32> = rest.iter().map(|x| u32::from(x - b'0')).collect();
    let sum: u32 = d[..7]
        .iter()
        .enumerate()
        .map(|(i, &x)| {
            if i % 2 == 1 {
                2 * x / 10 + 2 * x % 10
            } else {
                x
            }
        })
        .sum();
    (10 - (sum + 4) % 10) % 10 == d[7]
}

/// Belgium enterprise number: ten digits starting 0 or 1; the last two = 97 - (first eight
/// mod 97).
pub(crate) fn belgium_vat(value: &[u8]) -> bool {
    digit_body(value, b"BE", &[10])
        .is_some_and(|d| d[0] <= 1 && 97 - number(&d[..8]) % 97 == number(&d[8..]))
}

/// Bulgaria: nine digits (legal entities: weights 1-8 mod 11, else 3-10 mod 11, 10 reads 0)
/// or ten (a person's EGN; a foreigner's number, weights 21,19,17,13,11,9,7,3,1 mod 10; others,
/// weights 4,3,2,7,6,5,4,3,2, 11 - mod 11).
pub(crate) fn bulgaria_vat(value: &[u8]) -> bool {
    let Some(d) = digit_body(value, b"BG", &[9, 10]) else {
        return false;
    };
    if d.len() == 9 {
        let mut r = weighted(&d[..8], &[1, 2, 3, 4, 5, 6, 7, 8]) % 11;
        if r == 10 {
            r = weighted(&d[..8], &[3, 4, 5, 6, 7, 8, 9, 10]) % 11 % 10;
        }
        return u32::from(d[8]) == r;
    }
    let c = u32::from(d[9]);
    let text: Vec<u8> = d.iter().map(|x| x + b'0').collect();
    let foreigner = weighted(&d[..9], &[21, 19, 17, 13, 11, 9, 7, 3, 1]) % 10 == c;
    let other = match 11 - weighted(&d[..9], &[4, 3, 2, 7, 6, 5, 4, 3, 2]) % 11 {
        11 => c == 0,
        10 => false,
        r => c == r,
    };
    bulgaria_egn(&text) || foreigner || other
}

/// Cyprus: eight digits (first 0, 1, 3, 4, 5 or 9; not 12...) and a check letter: odd
/// positions mapped 0-9 to 1,0,5,7,9,13,15,17,19,21, even positions as they are, sum mod 26
/// as A-Z.
pub(crate) fn cyprus_vat(value: &[u8]) -> bool {
    const ODD: [u32; 10] = [1, 0, 5, 7, 9, 13, 15, 17, 19, 21];
    let Some(b) = body(value, b"CY") else {
        return false;
    };
    if b.len() != 9 || !b[..8].iter().all(u8::is_ascii_digit) || all_same(&b[..8]) {
        return false;
    }
    let d: Vec<u8> = b[..8].iter().map(|x| x - b'0').collect();
    if !matches!(d[0], 0 | 1 | 3 | 4 | 5 | 9) || d[..2] == [1, 2] {
        return false;
    }
    let sum: u32 = d
        .iter()
        .enumerate()
        .map(|(i, &x)| {
            if i % 2 == 0 {
                ODD[usize::from(x)]
            } else {
                u32::from(x)
            }
        })
        .sum();
    u32::from(b[8]) == u32::from(b'A') + sum % 26
}

/// Czechia DIČ: eight digits (legal entities, first not 9: weights 8-2, 11 - mod 11 with 10
/// reading 0 and 11 reading 1) or a person's ten-digit rodné číslo. Nine-digit forms (birth
/// numbers before 1954, special cases) carry no check and are not reported.
pub(crate) fn czech_vat(value: &[u8]) -> bool {
    let Some(d) = digit_body(value, b"CZ", &[8, 10]) else {
        return false;
    };
    if d.len() == 10 {
        let text: Vec<u8> = d.iter().map(|x| x + b'0').collect();
        return czech_birth_number(&text);
    }
    let c = match 11 - weighted(&d[..7], &[8, 7, 6, 5, 4, 3, 2]) % 11 {
        10 => 0,
        11 => 1,
        r => r,
    };
    d[0] != 9 && u32::from(d[7]) == c
}

/// Germany USt-IdNr.: nine digits, the first not 0, ISO 7064 MOD 11,10.
pub(crate) fn germany_vat(value: &[u8]) -> bool {
    digit_body(value, b"DE", &[9]).is_some_and(|d| d[0] != 0 && mod11_10(&d))
}

/// Denmark CVR/SE: eight digits, the first not 0, weights 2,7,6,5,4,3,2,1, sum mod 11 = 0.
pub(crate) fn denmark_vat(value: &[u8]) -> bool {
    digit_body(value, b"DK", &[8])
        .is_some_and(|d| d[0] != 0 && weighted(&d, &[2, 7, 6, 5, 4, 3, 2, 1]).is_multiple_of(11))
}

/// Estonia KMKR: nine digits starting 10, weights 3,7,1,3,7,1,3,7, mod-10 complement.
pub(crate) fn estonia_vat(value: &[u8]) -> bool {
    digit_body(value, b"EE", &[9]).is_some_and(|d| {
        d[..2] == [1, 0] && mod10_complement(weighted(&d[..8], &[3, 7, 1, 3, 7, 1, 3, 7]), d[8])
    })
}

/// Greece ΑΦΜ with the `EL` prefix: nine digits, weights 256, 128, ..., 2; sum mod 11 mod 10.
pub(crate) fn greece_vat(value: &[u8]) -> bool {
    digit_body(value, b"EL", &[9]).is_some_and(|d| {
        let sum = weighted(&d[..8], &[256, 128, 64, 32, 16, 8, 4, 2]);
        u32::from(d[8]) == sum % 11 % 10
    })
}

/// Spain NIF with the `ES` prefix: a CIF (letter, seven digits, control digit or letter), a
/// DNI, NIE or K/L/M number (the `spain_nif` checks).
pub(crate) fn spain_vat(value: &[u8]) -> bool {
    body(value, b"ES").is_some_and(|b| b.len() == 9 && spain_nif(&b))
}

/// Finland ALV: eight digits, weights 7,9,10,5,8,4,2; r = sum mod 11, check 0 for r = 0,
/// 11 - r otherwise (r = 1 never issued).
pub(crate) fn finland_vat(value: &[u8]) -> bool {
    digit_body(value, b"FI", &[8]).is_some_and(|d| {
        match weighted(&d[..7], &[7, 9, 10, 5, 8, 4, 2]) % 11 {
            0 => d[7] == 0,
            1 => false,
            r => u32::from(d[7]) == 11 - r,
        }
    })
}

/// France numéro de TVA: a two-digit key and the nine-digit SIREN; key = (12 + 3 × (SIREN mod
/// 97)) mod 97. (Keys with letters, for entities without a SIREN, have no published check and
/// are not reported.)
pub(crate) fn france_vat(value: &[u8]) -> bool {
    digit_body(value, b"FR", &[11])
        .is_some_and(|d| number(&d[..2]) == (12 + 3 * (number(&d[2..]) % 97)) % 97)
}

/// Croatia OIB: eleven digits, ISO 7064 MOD 11,10.
pub(crate) fn croatia_vat(value: &[u8]) -> bool {
    digit_body(value, b"HR", &[11]).is_some_and(|d| mod11_10(&d))
}

/// Hungary adószám (first eight digits): weights 9,7,3,1,9,7,3, mod-10 complement.
pub(crate) fn hungary_vat(value: &[u8]) -> bool {
    digit_body(value, b"HU", &[8])
        .is_some_and(|d| mod10_complement(weighted(&d[..7], &[9, 7, 3, 1, 9, 7, 3]), d[7]))
}

/// Ireland: seven digits and a mod-23 letter (the PPS rule, with an optional second letter),
/// or the pre-2013 form digit, letter (or `+`, `*`), five digits, letter: checked as
/// 0, the five digits and the first digit.
pub(crate) fn ireland_vat(value: &[u8]) -> bool {
    let Some(b) = body(value, b"IE") else {
        return false;
    };
    if b.first().is_some_and(u8::is_ascii_digit) && b.get(1).is_some_and(|c| !c.is_ascii_digit()) {
        if b.len() != 8 || !b[2..7].iter().all(u8::is_ascii_digit) {
            return false;
        }
        let mut v = vec![b'0'];
        v.extend_from_slice(&b[2..7]);
        v.push(b[0]);
        v.push(b[7]);
        return ireland_pps(&v);
    }
    ireland_pps(&b)
}

/// Italy partita IVA: eleven digits, Luhn; a registrant number that is not zero and an office
/// code (digits 8-10) of 001-121, 888 or 999.
pub(crate) fn italy_vat(value: &[u8]) -> bool {
    digit_body(value, b"IT", &[11]).is_some_and(|d| {
        let office = number(&d[7..10]);
        number(&d[..7]) != 0 && matches!(office, 1..=121 | 888 | 999) && luhn(&d)
    })
}

/// Lithuania PVM: nine digits (8th digit 1) or twelve (11th digit 1); weights 1, 2, ... (9
/// then 1 again), mod 11; 10 gives a second pass with weights from 3; 10 again reads 0.
pub(crate) fn lithuania_vat(value: &[u8]) -> bool {
    let Some(d) = digit_body(value, b"LT", &[9, 12]) else {
        return false;
    };
    let n = d.len() - 1;
    if d[n - 1] != 1 {
        return false;
    }
    let pass = |start: u32| -> u32 {
        let w: Vec<u32> = (0..n as u32).map(|i| (start - 1 + i) % 9 + 1).collect();
        weighted(&d[..n], &w) % 11
    };
    let mut r = pass(1);
    if r == 10 {
        r = pass(3) % 10;
    }
    u32::from(d[n]) == r
}

/// Luxembourg: eight digits; the first six mod 89 = the last two.
pub(crate) fn luxembourg_vat(value: &[u8]) -> bool {
    digit_body(value, b"LU", &[8]).is_some_and(|d| number(&d[..6]) % 89 == number(&d[6..]))
}

/// Latvia PVN: eleven digits. A legal entity (first digit above 3): weights
/// 9,1,4,8,3,10,2,5,7,6,1, sum mod 11 = 3. A person: the new code (32...) has no check; the
/// old one (DDMMYY, serial) a day and month and (1101 - weights 1,6,3,7,9,10,5,8,4,2) mod 11.
pub(crate) fn latvia_vat(value: &[u8]) -> bool {
    let Some(d) = digit_body(value, b"LV", &[11]) else {
        return false;
    };
    if d[0] > 3 {
        return weighted(&d, &[9, 1, 4, 8, 3, 10, 2, 5, 7, 6, 1]) % 11 == 3;
    }
    if d[..2] == [3, 2] {
        return true;
    }
    let (day, month) = (number(&d[..2]), number(&d[2..4]));
    let sum = weighted(&d[..10], &[1, 6, 3, 7, 9, 10, 5, 8, 4, 2]);
    (1..=31).contains(&day) && (1..=12).contains(&month) && (1101 - sum) % 11 == u32::from(d[10])
}

/// Malta: eight digits, the first not 0; weights 3,4,6,7,8,9 on the first six; the last two
/// = 37 - sum mod 37.
pub(crate) fn malta_vat(value: &[u8]) -> bool {
    digit_body(value, b"MT", &[8]).is_some_and(|d| {
        let sum = weighted(&d[..6], &[3, 4, 6, 7, 8, 9]);
        d[0] != 0 && number(&d[6..]) == u64::from(37 - sum % 37)
    })
}

/// Netherlands btw-id: nine digits, `B`, two digits. Legal entities: the nine digits pass the
/// 11-test (weights 9-2, the last -1). Sole traders (from 2020): `NL`, the number and `B` read
/// as ISO 7064 MOD 97-10 (letters 10-35) give 1.
pub(crate) fn netherlands_vat(value: &[u8]) -> bool {
    let Some(b) = body(value, b"NL") else {
        return false;
    };
    let shape = b.len() == 12
        && b[9] == b'B'
        && b[..9].iter().chain(&b[10..]).all(u8::is_ascii_digit)
        && !all_same(&b[..9]);
    if !shape {
        return false;
    }
    let d: Vec<u8> = b[..9].iter().map(|x| x - b'0').collect();
    let eleven =
        (weighted(&d[..8], &[9, 8, 7, 6, 5, 4, 3, 2]) + 99 - u32::from(d[8])).is_multiple_of(11);
    let mut rem = 0u32;
    for &c in b"NL".iter().chain(&b) {
        rem = if c.is_ascii_digit() {
            (rem * 10 + u32::from(c - b'0')) % 97
        } else {
            (rem * 100 + u32::from(c - b'A') + 10) % 97
        };
    }
    eleven || rem == 1
}

/// Poland NIP with the `PL` prefix: ten digits, weights 6,5,7,2,3,4,5,6,7, mod 11.
pub(crate) fn poland_vat(value: &[u8]) -> bool {
    digit_body(value, b"PL", &[10]).is_some_and(|d| {
        let r = weighted(&d[..9], &[6, 5, 7, 2, 3, 4, 5, 6, 7]) % 11;
        r != 10 && u32::from(d[9]) == r
    })
}

/// Portugal NIF: nine digits, the first not 0; weights 9-2, 11 - mod 11 (10 and 11 read 0).
pub(crate) fn portugal_vat(value: &[u8]) -> bool {
    digit_body(value, b"PT", &[9]).is_some_and(|d| {
        let r = 11 - weighted(&d[..8], &[9, 8, 7, 6, 5, 4, 3, 2]) % 11;
        d[0] != 0 && u32::from(d[8]) == if r >= 10 { 0 } else { r }
    })
}

/// Romania CIF: 2-10 digits, the first not 0; the key 7,5,3,2,1,7,5,3,2 aligned right on
/// the digits before the check digit; check = sum × 10 mod 11 (10 reads 0).
pub(crate) fn romania_vat(value: &[u8]) -> bool {
    const KEY: [u32; 9] = [7, 5, 3, 2, 1, 7, 5, 3, 2];
    let Some(d) = digit_body(value, b"RO", &[2, 3, 4, 5, 6, 7, 8, 9, 10]) else {
        return false;
    };
    let n = d.len() - 1;
    let sum: u32 = d[..n]
        .iter()
        .zip(&KEY[9 - n..])
        .map(|(&x, &w)| u32::from(x) * w)
        .sum();
    d[0] != 0 && u32::from(d[n]) == sum * 10 % 11 % 10
}

/// Sweden momsregistreringsnummer: twelve digits, the organisation or personal number (Luhn)
/// and `01`.
pub(crate) fn sweden_vat(value: &[u8]) -> bool {
    digit_body(value, b"SE", &[12]).is_some_and(|d| d[10..] == [0, 1] && luhn(&d[..10]))
}

/// Slovenia davčna številka: eight digits, the first not 0; weights 8-2, 11 - mod 11 (10
/// reads 0, 11 is never issued).
pub(crate) fn slovenia_vat(value: &[u8]) -> bool {
    digit_body(value, b"SI", &[8]).is_some_and(|d| {
        let c = match 11 - weighted(&d[..7], &[8, 7, 6, 5, 4, 3, 2]) % 11 {
            11 => return false,
            10 => 0,
            r => r,
        };
        d[0] != 0 && u32::from(d[7]) == c
    })
}

/// Slovakia IČ DPH: ten digits, the first not 0, the third 2, 3, 4, 7, 8 or 9; the number
/// divisible by 11.
pub(crate) fn slovakia_vat(value: &[u8]) -> bool {
    digit_body(value, b"SK", &[10]).is_some_and(|d| {
        d[0] != 0 && matches!(d[2], 2 | 3 | 4 | 7 | 8 | 9) && number(&d).is_multiple_of(11)
    })
}
