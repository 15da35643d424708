//! National ids and social insurance numbers.

use super::common::{all_same, compact, date_exists, groups, number, only_digits_and, weighted};
use crate::validate::core::{digits, luhn};
use crate::validate::Failure;

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
/// digits) and its 7-3-1 check digit, or the 9 characters alone as the card prints them (no
/// check digit: the first is then a letter, as on every card since November 2010).
pub(crate) fn germany_id_card(value: &[u8]) -> bool {
    let allowed = |b: &u8| b.is_ascii_digit() || b"CFGHJKLMNPRTVWXYZ".contains(b);
    let c = compact(value);
    if c.len() == 9 {
        return c[0].is_ascii_uppercase() && c.iter().all(allowed) && !all_same(&c[1..]);
    }
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

/// India Aadhaar: 12 digits (4-4-4 groups apart by spaces, hyphens or colons, or none), first
/// not 0 or 1, Verhoeff check digit.
pub(crate) fn india_aadhaar(value: &[u8]) -> bool {
    let d = digits(value);
    let shape = groups(value, b" -:");
    matches!(shape.as_deref(), Some([12] | [4, 4, 4])) && d[0] >= 2 && !all_same(&d) && verhoeff(&d)
}

/// The digit a codice fiscale character in a digit position stands for: the digit, or an
/// omocodia letter (L = 0, M = 1, N = 2, P = 3, Q = 4, R = 5, S = 6, T = 7, U = 8, V = 9).
fn cf_digit(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        _ => b"LMNPQRSTUV"
            .iter()
            .position(|&l| l == b)
            .and_then(|p| u8::try_from(p).ok()),
    }
}

/// Italy codice fiscale: 16 characters with the check letter (odd/even position tables, mod
/// 26). Omocodia letters in the digit positions are accepted. The birth date must exist: the
/// month letter (A B C D E H L M P R S T) and the day, 01-31 for men and 41-71 (day + 40) for
/// women, within the month's length ([`Failure::Date`] for a value whose check letter passes).
pub(crate) fn italy_codice_fiscale_verdict(value: &[u8]) -> Result<(), Failure> {
    const ODD: [u32; 26] = [
        1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25, 24,
        23,
    ];
    let c = compact(value);
    if c.len() != 16 {
        return Err(Failure::Structure);
    }
    let month = b"ABCDEHLMPRST"
        .iter()
        .position(|&m| m == c[8])
        .and_then(|p| u8::try_from(p).ok());
    let (Some(month), Some(d1), Some(d2)) = (month, cf_digit(c[9]), cf_digit(c[10])) else {
        return Err(Failure::Structure);
    };
    let mut sum = 0u32;
    for (i, &b) in c[..15].iter().enumerate() {
        let (odd_index, even) = match b {
            b'0'..=b'9' => (usize::from(b - b'0'), u32::from(b - b'0')),
            b'A'..=b'Z' => (usize::from(b - b'A'), u32::from(b - b'A')),
            _ => return Err(Failure::Structure),
        };
        sum += if i % 2 == 0 { ODD[odd_index] } else { even };
    }
    if c[15] != b'A' + (sum % 26) as u8 {
        return Err(Failure::Structure);
    }
    let day = match d1 * 10 + d2 {
        d @ 41..=71 => d - 40,
        d => d,
    };
    if date_exists(month + 1, day) {
        Ok(())
    } else {
        Err(Failure::Date)
    }
}

/// [`italy_codice_fiscale_verdict`] as a yes or no.
#[cfg(test)]
pub(crate) fn italy_codice_fiscale(value: &[u8]) -> bool {
    italy_codice_fiscale_verdict(value).is_ok()
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

/// The state codes of a CURP (RENAPO: the 32 federal entities, NE for born abroad).
const CURP_STATES: &[&[u8; 2]] = &[
    b"AS", b"BC", b"BS", b"CC", b"CL", b"CM", b"CS", b"CH", b"DF", b"DG", b"GT", b"GR", b"HG",
    b"JC", b"MC", b"MN", b"MS", b"NT", b"NL", b"OC", b"PL", b"QT", b"QR", b"SP", b"SL", b"SR",
    b"TC", b"TS", b"TL", b"VZ", b"YN", b"ZS", b"NE",
];

/// Mexico CURP: 18 characters: name letters, the yymmdd birth date, sex (H, M, X), a state
/// code from RENAPO's list, three consonants, the homoclave and a check digit over the first
/// 17 (weights 18..2, 10 - sum mod 10). A value whose check digit passes but whose birth date
/// does not exist is [`Failure::Date`].
pub(crate) fn mexico_curp_verdict(value: &[u8]) -> Result<(), Failure> {
    let c = compact(value);
    if c.len() != 18 || !c[4..10].iter().all(u8::is_ascii_digit) {
        return Err(Failure::Structure);
    }
    if !matches!(c[10], b'H' | b'M' | b'X') || !CURP_STATES.iter().any(|s| s[..] == c[11..13]) {
        return Err(Failure::Structure);
    }
    let mut sum = 0u32;
    for (i, &b) in c[..17].iter().enumerate() {
        let Some(v) = curp_value(b) else {
            return Err(Failure::Structure);
        };
        sum += v * (18 - i as u32);
    }
    let expected = (10 - sum % 10) % 10;
    if c[17] != b'0' + expected as u8 {
        return Err(Failure::Structure);
    }
    let month = (c[6] - b'0') * 10 + (c[7] - b'0');
    let day = (c[8] - b'0') * 10 + (c[9] - b'0');
    if date_exists(month, day) {
        Ok(())
    } else {
        Err(Failure::Date)
    }
}

/// [`mexico_curp_verdict`] as a yes or no.
#[cfg(test)]
pub(crate) fn mexico_curp(value: &[u8]) -> bool {
    mexico_curp_verdict(value).is_ok()
}

pub(super) const DNI_LETTERS: &[u8; 23] = b"TRWAGMYFPDXBNJZSQVHLCKE";

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
