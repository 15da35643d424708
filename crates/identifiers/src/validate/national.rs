//! Validators: national identity numbers, social insurance numbers and taxpayer ids.
//!
//! Every function takes the matched bytes (separators such as spaces, hyphens, dots and slashes
//! included) and never panics: lengths are checked before indexing.

use super::core::{digits, luhn};
use super::Check;

/// The ASCII letters and digits of `value`, upper-cased; separators dropped.
fn compact(value: &[u8]) -> Vec<u8> {
    value
        .iter()
        .filter(|b| b.is_ascii_alphanumeric())
        .map(u8::to_ascii_uppercase)
        .collect()
}

/// Whether every byte of `d` is the same (all-zero, 11111111, ...). Empty counts as same.
fn all_same(d: &[u8]) -> bool {
    d.windows(2).all(|w| w[0] == w[1])
}

/// Whether every byte of `value` is an ASCII digit or one of the allowed separators.
fn only_digits_and(value: &[u8], seps: &[u8]) -> bool {
    value.iter().all(|b| b.is_ascii_digit() || seps.contains(b))
}

/// The number formed by digit values `d` (at most 19 of them fit).
fn number(d: &[u8]) -> u64 {
    d.iter().fold(0u64, |acc, &x| {
        acc.wrapping_mul(10).wrapping_add(u64::from(x))
    })
}

/// Sum of `d[i] * w[i]` over the shorter of the two.
fn weighted(d: &[u8], w: &[u32]) -> u32 {
    d.iter().zip(w).map(|(&x, &w)| u32::from(x) * w).sum()
}

/// The digit-group lengths of a separated digit run ("459 876 125" gives 3, 3, 3): None when
/// anything but digits and one kind of separator from `seps` appears, or a group is empty.
fn groups(value: &[u8], seps: &[u8]) -> Option<Vec<usize>> {
    let mut sep = None;
    let mut out = vec![0usize];
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

// ---------------------------------------------------------------------------------------------
// National ids
// ---------------------------------------------------------------------------------------------

/// Argentina DNI: 7 or 8 digits (dots allowed), not all one digit (00000000, 99999999).
pub(crate) fn argentina_dni(value: &[u8]) -> bool {
    let d = digits(value);
    only_digits_and(value, b".") && (7..=8).contains(&d.len()) && !all_same(&d)
}

/// Brazil RG (São Paulo form): 8 digits and a check character, weights 9..2 mod 11 (10 = X).
pub(crate) fn brazil_rg(value: &[u8]) -> bool {
    let c = compact(value);
    if c.len() != 9 || !c[..8].iter().all(u8::is_ascii_digit) {
        return false;
    }
    let d: Vec<u8> = c[..8].iter().map(|b| b - b'0').collect();
    if all_same(&d) {
        return false;
    }
    let r = weighted(&d, &[9, 8, 7, 6, 5, 4, 3, 2]) % 11;
    let expected = if r == 10 { b'X' } else { b'0' + r as u8 };
    c[8] == expected
}

/// Chile RUT/RUN: body digits and a mod-11 check character (weights 2..7 cycling from the
/// right; 11 = 0, 10 = K).
pub(crate) fn chile_rut(value: &[u8]) -> bool {
    let c = compact(value);
    let Some((&check, body)) = c.split_last() else {
        return false;
    };
    if !(7..=8).contains(&body.len()) || !body.iter().all(u8::is_ascii_digit) {
        return false;
    }
    let d: Vec<u8> = body.iter().map(|b| b - b'0').collect();
    if all_same(&d) {
        return false;
    }
    let mut sum = 0u32;
    for (i, &x) in d.iter().rev().enumerate() {
        sum += u32::from(x) * (2 + (i as u32 % 6));
    }
    let r = 11 - sum % 11;
    let expected = match r {
        11 => b'0',
        10 => b'K',
        n => b'0' + n as u8,
    };
    check == expected
}

/// Colombia cédula de ciudadanía: 6 to 10 digits (dots allowed), not all one digit.
pub(crate) fn colombia_cedula(value: &[u8]) -> bool {
    let d = digits(value);
    only_digits_and(value, b".") && (6..=10).contains(&d.len()) && !all_same(&d) && d[0] != 0
}

/// France NIR / INSEE: sex, year, month, department (2A/2B for Corsica), commune, order and a
/// 2-digit key = 97 - (first 13 digits mod 97), Corsica 2A read as 19 and 2B as 18.
pub(crate) fn france_nir(value: &[u8]) -> bool {
    let mut c = compact(value);
    if c.len() != 15 {
        return false;
    }
    match &c[5..7] {
        b"2A" => c[5..7].copy_from_slice(b"19"),
        b"2B" => c[5..7].copy_from_slice(b"18"),
        _ => {}
    }
    if !c.iter().all(u8::is_ascii_digit) {
        return false;
    }
    let d: Vec<u8> = c.iter().map(|b| b - b'0').collect();
    if !matches!(d[0], 1 | 2 | 3 | 4 | 7 | 8) {
        return false;
    }
    let month = d[3] * 10 + d[4];
    if month == 0 || (13..=19).contains(&month) {
        return false;
    }
    let body = number(&d[..13]);
    let key = number(&d[13..]);
    key == 97 - body % 97
}

/// The ICAO 9303 value of a character: digits 0-9, letters A=10 .. Z=35, filler `<` = 0.
fn icao_value(b: u8) -> Option<u32> {
    match b {
        b'0'..=b'9' => Some(u32::from(b - b'0')),
        b'A'..=b'Z' => Some(u32::from(b - b'A') + 10),
        b'<' => Some(0),
        _ => None,
    }
}

/// ICAO 9303 check digit (weights 7, 3, 1).
fn icao_check(s: &[u8]) -> Option<u8> {
    let mut sum = 0u32;
    for (i, &b) in s.iter().enumerate() {
        sum += icao_value(b)? * [7, 3, 1][i % 3];
    }
    Some((sum % 10) as u8)
}

/// Germany Personalausweis: 9-character document number (letters from the ID-card alphabet and
/// digits) and its 7-3-1 check digit.
pub(crate) fn germany_id_card(value: &[u8]) -> bool {
    let c = compact(value);
    if c.len() != 10 {
        return false;
    }
    let (serial, check) = c.split_at(9);
    let Some(&check) = check.first() else {
        return false;
    };
    if !check.is_ascii_digit() {
        return false;
    }
    let allowed = |b: &u8| b.is_ascii_digit() || b"CFGHJKLMNPRTVWXYZ".contains(b);
    if !serial.iter().all(allowed) || all_same(serial) {
        return false;
    }
    icao_check(serial) == Some(check - b'0')
}

const VERHOEFF_D: [[u8; 10]; 10] = [
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
    [1, 2, 3, 4, 0, 6, 7, 8, 9, 5],
    [2, 3, 4, 0, 1, 7, 8, 9, 5, 6],
    [3, 4, 0, 1, 2, 8, 9, 5, 6, 7],
    [4, 0, 1, 2, 3, 9, 5, 6, 7, 8],
    [5, 9, 8, 7, 6, 0, 4, 3, 2, 1],
    [6, 5, 9, 8, 7, 1, 0, 4, 3, 2],
    [7, 6, 5, 9, 8, 2, 1, 0, 4, 3],
    [8, 7, 6, 5, 9, 3, 2, 1, 0, 4],
    [9, 8, 7, 6, 5, 4, 3, 2, 1, 0],
];
const VERHOEFF_P: [[u8; 10]; 8] = [
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
    [1, 5, 7, 6, 2, 8, 3, 0, 9, 4],
    [5, 8, 0, 3, 7, 9, 6, 1, 4, 2],
    [8, 9, 1, 6, 0, 4, 3, 5, 2, 7],
    [9, 4, 5, 3, 1, 2, 6, 8, 7, 0],
    [4, 2, 8, 6, 5, 7, 3, 9, 0, 1],
    [2, 7, 9, 3, 8, 0, 6, 4, 1, 5],
    [7, 0, 4, 6, 9, 1, 3, 2, 5, 8],
];

/// Verhoeff check over digit values 0-9 (the last one is the check digit).
pub(crate) fn verhoeff(d: &[u8]) -> bool {
    if d.is_empty() || d.iter().any(|&x| x > 9) {
        return false;
    }
    let mut c = 0usize;
    for (i, &x) in d.iter().rev().enumerate() {
        c = usize::from(VERHOEFF_D[c][usize::from(VERHOEFF_P[i % 8][usize::from(x)])]);
    }
    c == 0
}

/// India Aadhaar: 12 digits (4-4-4 groups or none), first not 0 or 1, Verhoeff check digit.
pub(crate) fn india_aadhaar(value: &[u8]) -> bool {
    let d = digits(value);
    let shape = groups(value, b" -");
    matches!(shape.as_deref(), Some([12] | [4, 4, 4])) && d[0] >= 2 && !all_same(&d) && verhoeff(&d)
}

/// Italy codice fiscale: 16 characters with the check letter (odd/even position tables, mod
/// 26). Omocodia letters in the digit positions are accepted.
pub(crate) fn italy_codice_fiscale(value: &[u8]) -> bool {
    const ODD: [u32; 26] = [
        1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25, 24,
        23,
    ];
    let c = compact(value);
    if c.len() != 16 {
        return false;
    }
    let mut sum = 0u32;
    for (i, &b) in c[..15].iter().enumerate() {
        let (odd_index, even) = match b {
            b'0'..=b'9' => (usize::from(b - b'0'), u32::from(b - b'0')),
            b'A'..=b'Z' => (usize::from(b - b'A'), u32::from(b - b'A')),
            _ => return false,
        };
        sum += if i % 2 == 0 { ODD[odd_index] } else { even };
    }
    c[15] == b'A' + (sum % 26) as u8
}

/// The value of a CURP character: 0-9, A-N = 10-23, (Ñ = 24), O-Z = 25-36.
fn curp_value(b: u8) -> Option<u32> {
    match b {
        b'0'..=b'9' => Some(u32::from(b - b'0')),
        b'A'..=b'N' => Some(u32::from(b - b'A') + 10),
        b'O'..=b'Z' => Some(u32::from(b - b'O') + 25),
        _ => None,
    }
}

/// Mexico CURP: 18 characters; the last is a check digit over the first 17 (weights 18..2,
/// 10 - sum mod 10).
pub(crate) fn mexico_curp(value: &[u8]) -> bool {
    let c = compact(value);
    if c.len() != 18 {
        return false;
    }
    let mut sum = 0u32;
    for (i, &b) in c[..17].iter().enumerate() {
        let Some(v) = curp_value(b) else {
            return false;
        };
        sum += v * (18 - i as u32);
    }
    let expected = (10 - sum % 10) % 10;
    c[17] == b'0' + expected as u8
}

const DNI_LETTERS: &[u8; 23] = b"TRWAGMYFPDXBNJZSQVHLCKE";

/// Spain DNI: 8 digits and the check letter (number mod 23).
pub(crate) fn spain_dni(value: &[u8]) -> bool {
    let c = compact(value);
    if c.len() != 9 || !c[..8].iter().all(u8::is_ascii_digit) {
        return false;
    }
    let d: Vec<u8> = c[..8].iter().map(|b| b - b'0').collect();
    if all_same(&d) {
        return false;
    }
    c[8] == DNI_LETTERS[(number(&d) % 23) as usize]
}

/// Spain NIE: X, Y or Z (read as 0, 1, 2), 7 digits and the DNI check letter.
pub(crate) fn spain_nie(value: &[u8]) -> bool {
    let c = compact(value);
    if c.len() != 9 || !c[1..8].iter().all(u8::is_ascii_digit) {
        return false;
    }
    let lead = match c[0] {
        b'X' => 0u64,
        b'Y' => 1,
        b'Z' => 2,
        _ => return false,
    };
    let d: Vec<u8> = c[1..8].iter().map(|b| b - b'0').collect();
    if all_same(&d) && d[0] == 0 {
        return false;
    }
    let n = lead * 10_000_000 + number(&d);
    c[8] == DNI_LETTERS[(n % 23) as usize]
}

/// Spain K/L/M personal NIF (minors, non-residents, foreigners without NIE): letter, 7 digits
/// and the DNI check letter over the 7 digits.
fn spain_klm(c: &[u8]) -> bool {
    if c.len() != 9
        || !matches!(c[0], b'K' | b'L' | b'M')
        || !c[1..8].iter().all(u8::is_ascii_digit)
    {
        return false;
    }
    let d: Vec<u8> = c[1..8].iter().map(|b| b - b'0').collect();
    !all_same(&d) && c[8] == DNI_LETTERS[(number(&d) % 23) as usize]
}

/// Spain CIF (legal entities): organisation letter, 7 digits, control digit or letter.
pub(crate) fn spain_cif(value: &[u8]) -> bool {
    let c = compact(value);
    if c.len() != 9 || !c[1..8].iter().all(u8::is_ascii_digit) {
        return false;
    }
    let kind = c[0];
    if !b"ABCDEFGHJNPQRSUVW".contains(&kind) {
        return false;
    }
    let d: Vec<u8> = c[1..8].iter().map(|b| b - b'0').collect();
    if all_same(&d) {
        return false;
    }
    let mut sum = 0u32;
    for (i, &x) in d.iter().enumerate() {
        if i % 2 == 0 {
            let v = u32::from(x) * 2;
            sum += v / 10 + v % 10;
        } else {
            sum += u32::from(x);
        }
    }
    let control = ((10 - sum % 10) % 10) as u8;
    let digit = b'0' + control;
    let letter = b"JABCDEFGHI"[usize::from(control)];
    let check = c[8];
    match kind {
        // Control is a letter.
        b'N' | b'P' | b'Q' | b'R' | b'S' | b'W' => check == letter,
        // Control is a digit.
        b'A' | b'B' | b'E' | b'H' => check == digit,
        _ => check == letter || check == digit,
    }
}

/// Spain NIF: the DNI form, the K/L/M personal forms, the NIE form and the CIF forms.
pub(crate) fn spain_nif(value: &[u8]) -> bool {
    let c = compact(value);
    match c.first() {
        Some(b'0'..=b'9') => spain_dni(value),
        Some(b'X' | b'Y' | b'Z') => spain_nie(value),
        Some(b'K' | b'L' | b'M') => spain_klm(&c),
        Some(_) => spain_cif(value),
        None => false,
    }
}

/// UK National Insurance number: prefix letters (first not D, F, I, Q, U, V; second not those
/// or O; not BG, GB, NK, KN, TN, NT, ZZ), 6 digits, suffix A-D.
pub(crate) fn uk_nino(value: &[u8]) -> bool {
    let c = compact(value);
    if c.len() != 9 {
        return false;
    }
    let (a, b) = (c[0], c[1]);
    let bad = b"DFIQUV";
    if !a.is_ascii_uppercase() || !b.is_ascii_uppercase() || bad.contains(&a) {
        return false;
    }
    if bad.contains(&b) || b == b'O' {
        return false;
    }
    if matches!(
        &c[..2],
        b"BG" | b"GB" | b"NK" | b"KN" | b"TN" | b"NT" | b"ZZ"
    ) {
        return false;
    }
    c[2..8].iter().all(u8::is_ascii_digit) && matches!(c[8], b'A'..=b'D')
}

/// Canada UCI / client id: NNNN-NNNN, NN-NNNN-NNNN, or 8 or 10 digits; not all one digit.
pub(crate) fn canada_uci(value: &[u8]) -> bool {
    let shape = groups(value, b"-");
    matches!(shape.as_deref(), Some([8] | [10] | [4, 4] | [2, 4, 4])) && !all_same(&digits(value))
}

/// Canada SIN: 9 digits (3-3-3 groups or none), Luhn, first digit not 0 or 8.
pub(crate) fn canada_sin(value: &[u8]) -> bool {
    let d = digits(value);
    matches!(groups(value, b" -").as_deref(), Some([9] | [3, 3, 3]))
        && d[0] != 0
        && d[0] != 8
        && luhn(&d)
}

/// Spain NUSS: 2-digit province, 8-digit number, 2-digit control = base mod 97 (base is
/// province * 10^7 + number when the number is below 10^7, else province and number joined).
pub(crate) fn spain_nuss(value: &[u8]) -> bool {
    let d = digits(value);
    if d.len() != 12 || !only_digits_and(value, b" -/") {
        return false;
    }
    let province = number(&d[..2]);
    if !(1..=53).contains(&province) && province != 66 {
        return false;
    }
    let n = number(&d[2..10]);
    if n == 0 {
        return false;
    }
    let base = if n < 10_000_000 {
        province * 10_000_000 + n
    } else {
        province * 100_000_000 + n
    };
    number(&d[10..]) == base % 97
}

/// Argentina SUBE transit card: 16 digits starting 6061, Luhn.
pub(crate) fn argentina_sube(value: &[u8]) -> bool {
    let d = digits(value);
    d.len() == 16 && d.starts_with(&[6, 0, 6, 1]) && luhn(&d)
}

// ---------------------------------------------------------------------------------------------
// Taxpayer ids
// ---------------------------------------------------------------------------------------------

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

/// Brazil CNPJ: 14 digits with two check digits; all-one-digit values refused.
pub(crate) fn brazil_cnpj(value: &[u8]) -> bool {
    let d = digits(value);
    if d.len() != 14 || all_same(&d) {
        return false;
    }
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
/// Groups: none or 2-3-3-3.
pub(crate) fn germany_steuer_id(value: &[u8]) -> bool {
    let d = digits(value);
    let shape = groups(value, b" ");
    if !matches!(shape.as_deref(), Some([11] | [2, 3, 3, 3])) || d[0] == 0 {
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

/// The value of an RFC character: 0-9, A-N = 10-23, & = 24, O-Z = 25-36, space = 37.
fn rfc_value(b: u8) -> Option<u32> {
    match b {
        b'0'..=b'9' => Some(u32::from(b - b'0')),
        b'A'..=b'N' => Some(u32::from(b - b'A') + 10),
        b'&' => Some(24),
        b'O'..=b'Z' => Some(u32::from(b - b'O') + 25),
        b' ' => Some(37),
        _ => None,
    }
}

/// Mexico RFC (12 or 13 characters): a valid yymmdd date after the name letters and the
/// homoclave check digit (weights 13..2 over the 12 first characters, an organisation's RFC
/// padded with a leading space; 11 - sum mod 11, 11 = 0, 10 = A).
fn mexico_rfc(value: &[u8], len: usize) -> bool {
    let c: Vec<u8> = value
        .iter()
        .filter(|b| b.is_ascii_alphanumeric() || **b == b'&')
        .map(u8::to_ascii_uppercase)
        .collect();
    if c.len() != len {
        return false;
    }
    let letters = len - 9;
    let date = &c[letters..letters + 6];
    if !date.iter().all(u8::is_ascii_digit) {
        return false;
    }
    let month = (date[2] - b'0') * 10 + (date[3] - b'0');
    let day = (date[4] - b'0') * 10 + (date[5] - b'0');
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return false;
    }
    let mut padded = Vec::with_capacity(13);
    if len == 12 {
        padded.push(b' ');
    }
    padded.extend_from_slice(&c);
    let mut sum = 0u32;
    for (i, &b) in padded[..12].iter().enumerate() {
        let Some(v) = rfc_value(b) else {
            return false;
        };
        sum += v * (13 - i as u32);
    }
    let expected = match 11 - sum % 11 {
        11 => b'0',
        10 => b'A',
        n => b'0' + n as u8,
    };
    padded[12] == expected
}

/// Mexico RFC of a person (13 characters).
pub(crate) fn mexico_rfc_person(value: &[u8]) -> bool {
    mexico_rfc(value, 13)
}

/// Mexico RFC of an organisation (12 characters).
pub(crate) fn mexico_rfc_org(value: &[u8]) -> bool {
    mexico_rfc(value, 12)
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

/// The validators this file provides, by catalogue name.
pub(crate) const VALIDATORS: &[(&str, Check)] = &[
    ("argentina_dni", argentina_dni),
    ("brazil_rg", brazil_rg),
    ("chile_rut", chile_rut),
    ("colombia_cedula", colombia_cedula),
    ("france_nir", france_nir),
    ("germany_id_card", germany_id_card),
    ("india_aadhaar", india_aadhaar),
    ("italy_codice_fiscale", italy_codice_fiscale),
    ("mexico_curp", mexico_curp),
    ("spain_dni", spain_dni),
    ("spain_nie", spain_nie),
    ("spain_nif", spain_nif),
    ("uk_nino", uk_nino),
    ("canada_uci", canada_uci),
    ("canada_sin", canada_sin),
    ("spain_nuss", spain_nuss),
    ("argentina_sube", argentina_sube),
    ("argentina_cuit_person", argentina_cuit_person),
    ("argentina_cuit_org", argentina_cuit_org),
    ("australia_tfn", australia_tfn),
    ("brazil_cnpj", brazil_cnpj),
    ("brazil_cpf", brazil_cpf),
    ("colombia_nit_org", colombia_nit_org),
    ("colombia_nit_person", colombia_nit_person),
    ("france_spi", france_spi),
    ("germany_steuer_id", germany_steuer_id),
    ("india_pan", india_pan),
    ("mexico_rfc_person", mexico_rfc_person),
    ("mexico_rfc_org", mexico_rfc_org),
    ("uk_utr", uk_utr),
    ("usa_itin", usa_itin),
];

#[cfg(test)]
mod tests {
    use super::*;

    /// Every validator survives odd input without panicking and refuses it.
    #[test]
    fn no_panic_on_odd_input() {
        let odd: &[&[u8]] = &[
            b"",
            b"-",
            b"0",
            b"K",
            b"2A",
            b"....",
            b"\xff\xfe",
            b"ZZZZZZZZZZZZZZZZZZZZ",
            b"99999999999999999999999999",
        ];
        for (name, check) in VALIDATORS {
            for v in odd {
                assert!(!check(v), "{name} accepted {v:?}");
            }
        }
    }

    #[test]
    fn argentina() {
        assert!(argentina_dni(b"31.845.762"));
        assert!(argentina_dni(b"7654321"));
        assert!(!argentina_dni(b"99.999.999"));
        assert!(!argentina_dni(b"00000000"));
        assert!(!argentina_dni(b"123456"));
        assert!(argentina_sube(b"6061 2634 7895 2143"));
        assert!(!argentina_sube(b"6061 2634 7895 2144"));
        assert!(!argentina_sube(b"6062 2634 7895 2143"));
        assert!(argentina_cuit_person(b"20-31845762-0"));
        assert!(argentina_cuit_person(b"23456127835"));
        assert!(!argentina_cuit_person(b"20-31845762-1"));
        assert!(!argentina_cuit_person(b"30-71234569-8"));
        assert!(argentina_cuit_org(b"30-71234569-8"));
        assert!(argentina_cuit_org(b"34-68123450-2"));
        assert!(!argentina_cuit_org(b"30-71234569-9"));
        assert!(!argentina_cuit_org(b"3071234569"));
    }

    #[test]
    fn brazil() {
        // Published CPF and CNPJ examples.
        assert!(brazil_cpf(b"529.982.247-25"));
        assert!(brazil_cpf(b"38491726519"));
        assert!(!brazil_cpf(b"529.982.247-24"));
        assert!(!brazil_cpf(b"111.111.111-11"));
        assert!(!brazil_cpf(b"5299822472"));
        assert!(brazil_cnpj(b"11.222.333/0001-81"));
        assert!(brazil_cnpj(b"45781293000120"));
        assert!(!brazil_cnpj(b"11.222.333/0001-82"));
        assert!(!brazil_cnpj(b"00000000000000"));
        // São Paulo RG, published example 31.203.131-2.
        assert!(brazil_rg(b"31.203.131-2"));
        assert!(brazil_rg(b"27.364.519-5"));
        assert!(!brazil_rg(b"31.203.131-3"));
        assert!(!brazil_rg(b"31.203.131"));
    }

    #[test]
    fn chile_and_colombia() {
        assert!(chile_rut(b"12.345.678-5"));
        assert!(chile_rut(b"7654321-6"));
        assert!(!chile_rut(b"12.345.678-6"));
        assert!(!chile_rut(b"1-9"));
        // A body whose check character is K.
        let mut found_k = false;
        for n in 10_000_000u32..10_000_100 {
            let s = format!("{n}-K");
            if chile_rut(s.as_bytes()) {
                found_k = true;
                assert!(chile_rut(format!("{n}-k").as_bytes()));
            }
        }
        assert!(found_k);
        assert!(colombia_cedula(b"1.018.456.723"));
        assert!(!colombia_cedula(b"11111111"));
        assert!(!colombia_cedula(b"12345"));
        // DIAN's own NIT 800.197.268-4.
        assert!(colombia_nit_org(b"800.197.268-4"));
        assert!(!colombia_nit_org(b"800.197.268-5"));
        assert!(!colombia_nit_org(b"79.845.213-6"));
        assert!(colombia_nit_person(b"79.845.213-6"));
        assert!(colombia_nit_person(b"1018456723-0"));
        assert!(!colombia_nit_person(b"79.845.213-7"));
        assert!(!colombia_nit_person(b"800.197.268-4"));
    }

    #[test]
    fn france() {
        // python-stdnum's published NIR examples, Corsica included.
        assert!(france_nir(b"2 95 10 99 126 111 93"));
        assert!(france_nir(b"253072B07300470"));
        assert!(france_nir(b"253072A07300443"));
        assert!(!france_nir(b"295109912611199"));
        assert!(!france_nir(b"253072C07300443"));
        assert!(!france_nir(b"29510991261119"));
        assert!(france_spi(b"27 38 461 905 130"));
        assert!(!france_spi(b"27 38 461 905 131"));
        assert!(!france_spi(b"4738461905130"));
        assert!(!france_spi(b"273846190513"));
    }

    #[test]
    fn germany() {
        // The specimen ID card T22000129 with check digit 3.
        assert!(germany_id_card(b"T220001293"));
        assert!(germany_id_card(b"L6M2TR8KF6"));
        assert!(!germany_id_card(b"T220001294"));
        assert!(!germany_id_card(b"A220001293"));
        assert!(!germany_id_card(b"T22000129"));
        // The BZSt example Steuer-IdNr.
        assert!(germany_steuer_id(b"86095742719"));
        assert!(germany_steuer_id(b"47 392 018 463"));
        assert!(!germany_steuer_id(b"86095742718"));
        // All ten digits distinct: no repetition.
        assert!(!germany_steuer_id(b"47392018560"));
        // Leading zero, wrong length.
        assert!(!germany_steuer_id(b"06095742719"));
        assert!(!germany_steuer_id(b"8609574271"));
    }

    #[test]
    fn india() {
        assert!(verhoeff(&digits(b"2363")));
        assert!(!verhoeff(&digits(b"2364")));
        assert!(india_aadhaar(b"4918 3275 6141"));
        assert!(!india_aadhaar(b"4918 3275 6142"));
        assert!(!india_aadhaar(b"1918 3275 6141"));
        assert!(!india_aadhaar(b"4918 3275 614"));
        assert!(india_pan(b"BQTPK4821M"));
        assert!(!india_pan(b"BQTDK4821M"));
        assert!(!india_pan(b"BQTPK0000M"));
        assert!(!india_pan(b"BQTPK4821"));
    }

    #[test]
    fn italy_and_mexico() {
        // The well-known specimen codice fiscale of "Mario Rossi".
        assert!(italy_codice_fiscale(b"RSSMRA85T10A562S"));
        assert!(italy_codice_fiscale(b"bncgpp82l52f205w"));
        assert!(!italy_codice_fiscale(b"RSSMRA85T10A562T"));
        assert!(!italy_codice_fiscale(b"RSSMRA85T10A562"));
        // RENAPO's specimen CURP.
        assert!(mexico_curp(b"HEGG560427MVZRRL04"));
        assert!(mexico_curp(b"LOPM850314HJCPRR08"));
        assert!(!mexico_curp(b"HEGG560427MVZRRL05"));
        assert!(!mexico_curp(b"HEGG560427MVZRRL0"));
        // SAT's specimen RFC.
        assert!(mexico_rfc_person(b"GODE561231GR8"));
        assert!(mexico_rfc_person(b"PEMJ780415K38"));
        assert!(!mexico_rfc_person(b"GODE561231GR9"));
        assert!(!mexico_rfc_person(b"GODE561331GR8"));
        assert!(!mexico_rfc_person(b"TMX990105AB7"));
        assert!(mexico_rfc_org(b"TMX990105AB7"));
        assert!(!mexico_rfc_org(b"TMX990105AB8"));
        assert!(!mexico_rfc_org(b"PEMJ780415K38"));
    }

    #[test]
    fn spain() {
        assert!(spain_dni(b"12345678Z"));
        assert!(spain_dni(b"05.123.876 M"));
        assert!(!spain_dni(b"12345678A"));
        assert!(!spain_dni(b"00000000T"));
        assert!(!spain_dni(b"1234567Z"));
        assert!(spain_nie(b"X1234567L"));
        assert!(spain_nie(b"Y-2748105-X"));
        assert!(!spain_nie(b"X1234567K"));
        assert!(!spain_nie(b"A1234567L"));
        assert!(spain_cif(b"B58473927"));
        assert!(spain_cif(b"Q1738265F"));
        assert!(spain_cif(b"C1738265F"));
        assert!(spain_cif(b"C17382656"));
        assert!(!spain_cif(b"Q17382656"));
        assert!(!spain_cif(b"B5847392G"));
        assert!(!spain_cif(b"B58473928"));
        assert!(spain_nif(b"48573922S"));
        assert!(spain_nif(b"X4830291S"));
        assert!(spain_nif(b"A82746199"));
        assert!(!spain_nif(b"48573922T"));
        let klm = format!("L1234567{}", char::from(DNI_LETTERS[1_234_567 % 23]));
        assert!(spain_nif(klm.as_bytes()));
        assert!(!spain_nif(b"L1234567A"));
        assert!(spain_nuss(b"28/31478652/55"));
        assert!(spain_nuss(b"080451239881"));
        assert!(!spain_nuss(b"28/31478652/56"));
        assert!(!spain_nuss(b"99/31478652/55"));
        assert!(!spain_nuss(b"2831478652"));
    }

    #[test]
    fn uk() {
        assert!(uk_nino(b"JR 84 52 19 C"));
        assert!(uk_nino(b"st730298a"));
        for bad in [
            &b"DA123456A"[..],
            b"AO123456A",
            b"AD123456A",
            b"GB123456A",
            b"BG123456A",
            b"NK123456A",
            b"KN123456A",
            b"TN123456A",
            b"NT123456A",
            b"ZZ123456A",
            b"AB123456E",
            b"AB12345A",
        ] {
            assert!(!uk_nino(bad), "{bad:?}");
        }
        // HMRC's documented example UTR 2234567890.
        assert!(uk_utr(b"2234567890"));
        assert!(uk_utr(b"24839 20175"));
        assert!(!uk_utr(b"3234567890"));
        assert!(!uk_utr(b"223456789"));
    }

    #[test]
    fn canada_australia_usa() {
        // The SIN example on Canada's own forms starts with 0 (never issued).
        assert!(!canada_sin(b"046 454 286"));
        assert!(canada_sin(b"519 238 471"));
        assert!(!canada_sin(b"519 238 472"));
        assert!(!canada_sin(b"819 238 475"));
        assert!(canada_uci(b"11-2938-4756"));
        assert!(canada_uci(b"8374-6152"));
        assert!(!canada_uci(b"0000-0000"));
        assert!(!canada_uci(b"123456789"));
        assert!(!canada_uci(b"1129-3847-56"));
        assert!(!canada_uci(b"6061-2634-7895-2143"));
        assert!(!canada_uci(b"11--2938-4756"));
        assert!(!canada_sin(b"519 238-471"));
        assert!(!canada_sin(b"5192 38 471"));
        assert!(!australia_tfn(b"459 876 125 12"));
        assert!(!usa_itin(b"9127-8-3456"));
        assert_eq!(groups(b"459 876 125", b" -"), Some(vec![3, 3, 3]));
        assert_eq!(groups(b"459  876", b" -"), None);
        assert_eq!(groups(b"459 876-125", b" -"), None);
        assert_eq!(groups(b"459 ", b" -"), None);
        // python-stdnum's TFN example and the 8-digit form.
        assert!(australia_tfn(b"876 543 210"));
        assert!(australia_tfn(b"123 456 782"));
        assert!(australia_tfn(b"374 829 10"));
        assert!(!australia_tfn(b"999 999 999"));
        assert!(!australia_tfn(b"876 543 211"));
        assert!(!australia_tfn(b"8765432"));
        assert!(usa_itin(b"912-78-3456"));
        assert!(usa_itin(b"953 91 2874"));
        assert!(usa_itin(b"900-50-1234"));
        assert!(!usa_itin(b"912-89-3456"));
        assert!(!usa_itin(b"912-93-3456"));
        assert!(!usa_itin(b"912-66-3456"));
        assert!(!usa_itin(b"812-78-3456"));
        assert!(!usa_itin(b"912-78-0000"));
    }
}
