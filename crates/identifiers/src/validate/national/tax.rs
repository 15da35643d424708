//! Taxpayer ids.

use super::common::{all_same, compact, date_exists, groups, number, weighted};
use crate::validate::core::digits;
use crate::validate::Failure;

/// CUIT/CUIL check: 11 digits, weights 5,4,3,2,7,6,5,4,3,2, 11 - sum mod 11 (11 = 0, 10 never
/// valid).
fn cuit_ok(d: &[u8]) -> bool {
    if d.len() != 11 || all_same(&d[2..10]) {
        return false;
    }
    let r = 11 - weighted(&d[..10], &[5, 4, 3, 2, 7, 6, 5, 4, 3, 2]) % 11;
    let expected = match r {
        11 => 0,
        10 => return false,
        n => n,
    };
    u32::from(d[10]) == expected
}

/// Argentina CUIL/CUIT of a person: prefix 20, 23, 24 or 27.
pub(crate) fn argentina_cuit_person(value: &[u8]) -> bool {
    let d = digits(value);
    cuit_ok(&d) && matches!(number(&d[..2]), 20 | 23 | 24 | 27)
}

/// Argentina CUIT of an organisation: prefix 30, 33 or 34.
pub(crate) fn argentina_cuit_org(value: &[u8]) -> bool {
    let d = digits(value);
    cuit_ok(&d) && matches!(number(&d[..2]), 30 | 33 | 34)
}

/// Australia TFN: 9 digits (weights 1,4,3,7,5,8,6,9,10) or 8 (10,7,8,4,6,3,5,1), sum mod 11 = 0.
/// Groups: none, 3-3-3 or 3-3-2.
pub(crate) fn australia_tfn(value: &[u8]) -> bool {
    let d = digits(value);
    let w: &[u32] = match groups(value, b" -").as_deref() {
        Some([9] | [3, 3, 3]) => &[1, 4, 3, 7, 5, 8, 6, 9, 10],
        Some([8] | [3, 3, 2]) => &[10, 7, 8, 4, 6, 3, 5, 1],
        _ => return false,
    };
    !all_same(&d) && weighted(&d, w).is_multiple_of(11)
}

/// A Brazilian mod-11 check digit: r = sum mod 11; 0 if r < 2 else 11 - r.
fn br_dv(d: &[u8], w: &[u32]) -> u8 {
    let r = weighted(d, w) % 11;
    if r < 2 {
        0
    } else {
        (11 - r) as u8
    }
}

/// Brazil CNPJ: 14 characters with two mod-11 check digits; all-one-digit values refused. The
/// first 12 may be letters A-Z as well as digits (the alphanumeric CNPJ Receita Federal issues
/// from July 2026): a character's value is its ASCII code - 48 (digits 0-9, A = 17 ... Z = 42);
/// the two check digits stay digits.
pub(crate) fn brazil_cnpj(value: &[u8]) -> bool {
    let c = compact(value);
    if c.len() != 14 || !c[12..].iter().all(u8::is_ascii_digit) || all_same(&c) {
        return false;
    }
    let d: Vec<u8> = c.iter().map(|b| b - b'0').collect();
    let a = br_dv(&d[..12], &[5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2]);
    let b = br_dv(&d[..13], &[6, 5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2]);
    d[12] == a && d[13] == b
}

/// Brazil CPF: 11 digits with two check digits; all-one-digit values refused.
pub(crate) fn brazil_cpf(value: &[u8]) -> bool {
    let d = digits(value);
    if d.len() != 11 || all_same(&d) {
        return false;
    }
    let a = br_dv(&d[..9], &[10, 9, 8, 7, 6, 5, 4, 3, 2]);
    let b = br_dv(&d[..10], &[11, 10, 9, 8, 7, 6, 5, 4, 3, 2]);
    d[9] == a && d[10] == b
}

/// Colombia NIT check digit (DV): prime weights 3, 7, 13, ... from the right, r = sum mod 11,
/// DV = 11 - r when r > 1 else r. `d` holds the body and the DV.
fn colombia_nit(d: &[u8]) -> bool {
    const W: [u32; 15] = [3, 7, 13, 17, 19, 23, 29, 37, 41, 43, 47, 53, 59, 67, 71];
    let Some((&dv, body)) = d.split_last() else {
        return false;
    };
    if body.is_empty() || body.len() > W.len() || all_same(body) || body[0] == 0 {
        return false;
    }
    let sum: u32 = body
        .iter()
        .rev()
        .zip(W.iter())
        .map(|(&x, &w)| u32::from(x) * w)
        .sum();
    let r = sum % 11;
    let expected = if r > 1 { 11 - r } else { r };
    u32::from(dv) == expected
}

/// Colombia NIT of an organisation: 9-digit body starting 8 or 9, and the DV.
pub(crate) fn colombia_nit_org(value: &[u8]) -> bool {
    let d = digits(value);
    d.len() == 10 && matches!(d[0], 8 | 9) && colombia_nit(&d)
}

/// Colombia NIT of a person (cédula-based): 6- to 10-digit body, and the DV; a 9-digit body
/// starting 8 or 9 is an organisation's.
pub(crate) fn colombia_nit_person(value: &[u8]) -> bool {
    let d = digits(value);
    if !(7..=11).contains(&d.len()) {
        return false;
    }
    if d.len() == 10 && matches!(d[0], 8 | 9) {
        return false;
    }
    colombia_nit(&d)
}

/// France numéro fiscal (SPI): 13 digits, first 0-3, last three = first ten mod 511.
pub(crate) fn france_spi(value: &[u8]) -> bool {
    let d = digits(value);
    d.len() == 13 && d[0] <= 3 && !all_same(&d[..10]) && number(&d[10..]) == number(&d[..10]) % 511
}

/// Germany Steuer-IdNr: 11 digits, first not 0; in the first ten exactly one digit occurs
/// twice or three times (three times never in a row) and the others at most once; ISO 7064
/// MOD 11,10 check digit.
/// Groups: none or 2-3-3-3, or either with the check digit apart (10-1, 2-3-3-2-1).
pub(crate) fn germany_steuer_id(value: &[u8]) -> bool {
    let d = digits(value);
    let shape = groups(value, b" ");
    let printed = matches!(
        shape.as_deref(),
        Some([11] | [2, 3, 3, 3] | [10, 1] | [2, 3, 3, 2, 1])
    );
    if !printed || d[0] == 0 {
        return false;
    }
    let body = &d[..10];
    let mut counts = [0u8; 10];
    for &x in body {
        counts[usize::from(x)] += 1;
    }
    let repeated: Vec<usize> = (0..10).filter(|&i| counts[i] > 1).collect();
    let [r] = repeated.as_slice() else {
        return false;
    };
    match counts[*r] {
        2 => {}
        3 => {
            if body
                .windows(3)
                .any(|w| w.iter().all(|&x| usize::from(x) == *r))
            {
                return false;
            }
        }
        _ => return false,
    }
    let mut product = 10u32;
    for &x in body {
        let mut sum = (u32::from(x) + product) % 10;
        if sum == 0 {
            sum = 10;
        }
        product = (2 * sum) % 11;
    }
    let check = match 11 - product {
        10 => 0,
        n => n,
    };
    u32::from(d[10]) == check
}

/// India PAN: 5 letters (the 4th a holder type: A B C F G H J L P T), 4 digits, 1 letter.
pub(crate) fn india_pan(value: &[u8]) -> bool {
    let c = compact(value);
    c.len() == 10
        && c[..5].iter().all(u8::is_ascii_uppercase)
        && b"ABCFGHJLPT".contains(&c[3])
        && c[5..9].iter().all(u8::is_ascii_digit)
        && !c[5..9].iter().all(|&b| b == b'0')
        && c[9].is_ascii_uppercase()
}

/// Latin-1's Ñ, standing for the two bytes of a UTF-8 `Ñ` or `ñ` in a compacted RFC.
const RFC_ENYE: u8 = 0xD1;

/// The value of an RFC character in SAT's table `0-9 A-N & O-Z space Ñ`: 0-9, A-N = 10-23,
/// & = 24, O-Z = 25-36, space = 37, Ñ = 38.
fn rfc_value(b: u8) -> Option<u32> {
    match b {
        b'0'..=b'9' => Some(u32::from(b - b'0')),
        b'A'..=b'N' => Some(u32::from(b - b'A') + 10),
        b'&' => Some(24),
        b'O'..=b'Z' => Some(u32::from(b - b'O') + 25),
        b' ' => Some(37),
        RFC_ENYE => Some(38),
        _ => None,
    }
}

/// An RFC's characters, upper-cased, separators (spaces, hyphens, dots) dropped, a UTF-8 `Ñ`
/// or `ñ` as [`RFC_ENYE`]; None for any other byte.
fn rfc_compact(value: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(value.len());
    let mut i = 0;
    while let Some(&b) = value.get(i) {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'&' => out.push(b.to_ascii_uppercase()),
            b' ' | b'-' | b'.' => {}
            0xC3 if matches!(value.get(i + 1), Some(0x91 | 0xB1)) => {
                out.push(RFC_ENYE);
                i += 1;
            }
            _ => return None,
        }
        i += 1;
    }
    Some(out)
}

/// Mexico RFC (12 or 13 characters): the name letters (`&` and `Ñ` included), a yymmdd date
/// and the homoclave check digit (weights 13..2 over the 12 first characters, an
/// organisation's RFC padded with a leading space; 11 - sum mod 11, 11 = 0, 10 = A); a value
/// whose check digit passes but whose date does not exist is [`Failure::Date`]. Spaces,
/// hyphens or dots between the parts are the printed spellings.
fn mexico_rfc(value: &[u8], len: usize) -> Result<(), Failure> {
    let c = rfc_compact(value).ok_or(Failure::Structure)?;
    if c.len() != len {
        return Err(Failure::Structure);
    }
    let letters = len - 9;
    let date = &c[letters..letters + 6];
    if !date.iter().all(u8::is_ascii_digit) {
        return Err(Failure::Structure);
    }
    let mut padded = Vec::with_capacity(13);
    if len == 12 {
        padded.push(b' ');
    }
    padded.extend_from_slice(&c);
    let mut sum = 0u32;
    for (i, &b) in padded[..12].iter().enumerate() {
        sum += rfc_value(b).ok_or(Failure::Structure)? * (13 - i as u32);
    }
    let expected = match 11 - sum % 11 {
        11 => b'0',
        10 => b'A',
        n => b'0' + n as u8,
    };
    if padded[12] != expected {
        return Err(Failure::Structure);
    }
    let month = (date[2] - b'0') * 10 + (date[3] - b'0');
    let day = (date[4] - b'0') * 10 + (date[5] - b'0');
    if date_exists(month, day) {
        Ok(())
    } else {
        Err(Failure::Date)
    }
}

/// Mexico RFC of a person (13 characters).
pub(crate) fn mexico_rfc_person_verdict(value: &[u8]) -> Result<(), Failure> {
    mexico_rfc(value, 13)
}

/// Mexico RFC of an organisation (12 characters).
pub(crate) fn mexico_rfc_org_verdict(value: &[u8]) -> Result<(), Failure> {
    mexico_rfc(value, 12)
}

/// [`mexico_rfc_person_verdict`] as a yes or no.
#[cfg(test)]
pub(crate) fn mexico_rfc_person(value: &[u8]) -> bool {
    mexico_rfc_person_verdict(value).is_ok()
}

/// [`mexico_rfc_org_verdict`] as a yes or no.
#[cfg(test)]
pub(crate) fn mexico_rfc_org(value: &[u8]) -> bool {
    mexico_rfc_org_verdict(value).is_ok()
}

/// UK UTR: 10 digits; the first is the check digit over the other nine (weights
/// 6,7,8,9,10,5,4,3,2, mod 11 mapped through "21987654321"). Groups: none or 5-5.
pub(crate) fn uk_utr(value: &[u8]) -> bool {
    let d = digits(value);
    let shape = groups(value, b" ");
    if !matches!(shape.as_deref(), Some([10] | [5, 5])) || all_same(&d[1..]) {
        return false;
    }
    let r = weighted(&d[1..], &[6, 7, 8, 9, 10, 5, 4, 3, 2]) % 11;
    let expected = b"21987654321"[r as usize] - b'0';
    d[0] == expected
}

/// USA ITIN: 9 digits (3-2-4 groups or none), first 9, group (4th-5th digits) 50-65, 70-88,
/// 90-92 or 94-99.
pub(crate) fn usa_itin(value: &[u8]) -> bool {
    let d = digits(value);
    if !matches!(groups(value, b" -").as_deref(), Some([9] | [3, 2, 4])) || d[0] != 9 {
        return false;
    }
    let group = d[3] * 10 + d[4];
    let ok = matches!(group, 50..=65 | 70..=88 | 90..=92 | 94..=99);
    ok && number(&d[5..]) != 0
}
