//! European personal identity, social-security and taxpayer numbers (issue 18), each from
//! its published check algorithm.

use super::common::{all_same, compact, groups, number, only_digits_and, weighted};
use crate::validate::core::{digits, luhn, Digits};

/// Whether day `dd` exists in month `mm` (February 29 allowed: the century is often unknown).
pub(super) fn plausible_date(mm: u8, dd: u8) -> bool {
    let days = match mm {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 => 29,
        _ => return false,
    };
    (1..=days).contains(&dd)
}

/// Two digits as a number.
pub(super) fn two(d: &[u8], at: usize) -> u8 {
    d.get(at).copied().unwrap_or(0) * 10 + d.get(at + 1).copied().unwrap_or(0)
}

/// The digit values of `value` when it holds exactly `len` digits and only the separators in
/// `seps`, and they are not all one digit.
pub(super) fn digits_of(value: &[u8], len: usize, seps: &[u8]) -> Option<Digits> {
    let d = digits(value);
    (d.len() == len && only_digits_and(value, seps) && !all_same(&d)).then_some(d)
}

/// 11 - (weighted sum mod 11), 11 read as 0; None for 10 (no valid number has it).
fn mod11_complement(d: &[u8], w: &[u32]) -> Option<u8> {
    match 11 - weighted(d, w) % 11 {
        11 => Some(0),
        10 => None,
        n => Some(n as u8),
    }
}

/// Türkiye T.C. Kimlik No: 11 digits, first not 0; digit 10 = (7 x odd-place sum - even-place
/// sum) mod 10, digit 11 = sum of the first ten mod 10.
pub(crate) fn turkiye_tckn(value: &[u8]) -> bool {
    let Some(d) = digits_of(value, 11, b"") else {
        return false;
    };
    let odd: u32 = [0, 2, 4, 6, 8].iter().map(|&i| u32::from(d[i])).sum();
    let even: u32 = [1, 3, 5, 7].iter().map(|&i| u32::from(d[i])).sum();
    let ten = (odd * 7 + 10 * 9 - even) % 10;
    let all: u32 = d[..10].iter().map(|&x| u32::from(x)).sum();
    d[0] != 0 && u32::from(d[9]) == ten && u32::from(d[10]) == all % 10
}

/// Norway fødselsnummer (and D- and H-numbers, synthetic test numbers): DDMMYY, individual
/// number and two mod-11 check digits.
pub(crate) fn norway_fodselsnummer(value: &[u8]) -> bool {
    let Some(d) = digits_of(value, 11, b" ") else {
        return false;
    };
    let day = two(&d, 0) % 40;
    let month = two(&d, 2) % 40;
    let k1 = mod11_complement(&d[..9], &[3, 7, 6, 1, 8, 9, 4, 5, 2]);
    let k2 = mod11_complement(&d[..10], &[5, 4, 3, 2, 7, 6, 5, 4, 3, 2]);
    plausible_date(month, day) && k1 == Some(d[9]) && k2 == Some(d[10])
}

/// Denmark CPR-nummer: DDMMYY and four digits. The mod-11 check was dropped in 2007, so only
/// the date is checked (the keyword carries the rest).
pub(crate) fn denmark_cpr(value: &[u8]) -> bool {
    let Some(d) = digits_of(value, 10, b"-") else {
        return false;
    };
    plausible_date(two(&d, 2), two(&d, 0))
}

/// Poland PESEL: YYMMDD (month + 20 per century from 1900: 2000s +20, 2100s +40, 2200s +60,
/// 1800s +80), serial and a check digit, weights 1-3-7-9.
pub(crate) fn poland_pesel(value: &[u8]) -> bool {
    let Some(d) = digits_of(value, 11, b"") else {
        return false;
    };
    let check = (10 - weighted(&d[..10], &[1, 3, 7, 9, 1, 3, 7, 9, 1, 3]) % 10) % 10;
    plausible_date(two(&d, 2) % 20, two(&d, 4)) && u32::from(d[10]) == check
}

/// Poland NIP: ten digits (3-3-2-2 or 3-2-2-3 groups), weights 6-5-7-2-3-4-5-6-7 mod 11.
pub(crate) fn poland_nip(value: &[u8]) -> bool {
    let Some(d) = digits_of(value, 10, b"- ") else {
        return false;
    };
    let r = weighted(&d[..9], &[6, 5, 7, 2, 3, 4, 5, 6, 7]) % 11;
    r != 10 && u32::from(d[9]) == r
}

/// Netherlands BSN: nine digits passing the 11-test (weights 9..2, the last digit -1).
pub(crate) fn netherlands_bsn(value: &[u8]) -> bool {
    let Some(d) = digits_of(value, 9, b". ") else {
        return false;
    };
    let sum = weighted(&d[..8], &[9, 8, 7, 6, 5, 4, 3, 2]);
    (sum + 11 * 9 - u32::from(d[8])).is_multiple_of(11)
}

/// Belgium national register number: YY.MM.DD-NNN.CC; CC = 97 - (YYMMDDNNN mod 97), with 2
/// prefixed for births from 2000; bis numbers add 20 or 40 to the month; month and day may be
/// 00 (date unknown).
pub(crate) fn belgium_nrn(value: &[u8]) -> bool {
    let Some(d) = digits_of(value, 11, b".- ") else {
        return false;
    };
    let (mm, dd) = (two(&d, 2) % 20, two(&d, 4));
    if !(plausible_date(mm, dd) || (mm <= 12 && dd <= 31 && (mm == 0 || dd == 0))) {
        return false;
    }
    let body = number(&d[..9]);
    let key = number(&d[9..]);
    key == 97 - body % 97 || key == 97 - (2_000_000_000 + body) % 97
}

/// Romania CNP: sex/century digit 1-9, YYMMDD, county, serial and a check digit (weights
/// 2-7-9-1-4-6-3-5-8-2-7-9 mod 11, 10 read as 1).
pub(crate) fn romania_cnp(value: &[u8]) -> bool {
    let Some(d) = digits_of(value, 13, b"") else {
        return false;
    };
    let r = weighted(&d[..12], &[2, 7, 9, 1, 4, 6, 3, 5, 8, 2, 7, 9]) % 11;
    let check = if r == 10 { 1 } else { r };
    let county = two(&d, 7);
    d[0] != 0
        && plausible_date(two(&d, 3), two(&d, 5))
        && ((1..=52).contains(&county) || county == 70 || county == 80)
        && u32::from(d[12]) == check
}

/// Bulgaria EGN: YYMMDD (month + 20 for the 1800s, + 40 for the 2000s), serial and a check
/// digit (weights 2-4-8-5-10-9-7-3-6 mod 11, 10 read as 0).
pub(crate) fn bulgaria_egn(value: &[u8]) -> bool {
    let Some(d) = digits_of(value, 10, b"") else {
        return false;
    };
    let r = weighted(&d[..9], &[2, 4, 8, 5, 10, 9, 7, 3, 6]) % 11;
    plausible_date(two(&d, 2) % 20, two(&d, 4)) && u32::from(d[9]) == r % 10
}

/// Czechia and Slovakia rodné číslo (ten-digit form, from 1954): YYMMDD (women + 50 to the
/// month, + 20 when a day's numbers ran out), a slash, four digits; the whole number divisible
/// by 11 (or, before 1986, the first nine mod 11 = 10 and a check digit 0).
pub(crate) fn czech_birth_number(value: &[u8]) -> bool {
    let Some(d) = digits_of(value, 10, b"/") else {
        return false;
    };
    if !matches!(groups(value, b"/").as_deref(), Some([10] | [6, 4])) {
        return false;
    }
    let month = match two(&d, 2) {
        m @ 1..=12 => m,
        m @ 21..=32 => m - 20,
        m @ 51..=62 => m - 50,
        m @ 71..=82 => m - 70,
        _ => return false,
    };
    let head = number(&d[..9]) % 11;
    plausible_date(month, two(&d, 4))
        && (number(&d).is_multiple_of(11) || (head == 10 && d[9] == 0 && two(&d, 0) < 86))
}

/// Estonia isikukood and Lithuania asmens kodas: sex/century digit 1-6, YYMMDD, serial and a
/// two-stage mod-11 check digit (weights 1-9,1 then 3-9,1-3; 10 twice reads as 0).
pub(crate) fn baltic_personal_code(value: &[u8]) -> bool {
    let Some(d) = digits_of(value, 11, b"") else {
        return false;
    };
    let mut r = weighted(&d[..10], &[1, 2, 3, 4, 5, 6, 7, 8, 9, 1]) % 11;
    if r == 10 {
        r = weighted(&d[..10], &[3, 4, 5, 6, 7, 8, 9, 1, 2, 3]) % 11 % 10;
    }
    (1..=6).contains(&d[0]) && plausible_date(two(&d, 3), two(&d, 5)) && u32::from(d[10]) == r
}

/// Slovenia EMŠO: DDMMYYY, register, serial and a mod-11 check digit (weights 7-2 twice).
pub(crate) fn slovenia_emso(value: &[u8]) -> bool {
    let Some(d) = digits_of(value, 13, b"") else {
        return false;
    };
    let k = mod11_complement(&d[..12], &[7, 6, 5, 4, 3, 2, 7, 6, 5, 4, 3, 2]);
    plausible_date(two(&d, 2), two(&d, 0)) && k == Some(d[12])
}

/// Ireland PPS number: seven digits, a check letter and an optional second letter (A-I, W);
/// weights 8..2 on the digits, 9 on the second letter (A=1 .. I=9, W=0), mod 23 (0 = W).
pub(crate) fn ireland_pps(value: &[u8]) -> bool {
    const CHECK: &[u8; 23] = b"WABCDEFGHIJKLMNOPQRSTUV";
    let c = compact(value);
    if !(8..=9).contains(&c.len()) || !c[..7].iter().all(u8::is_ascii_digit) {
        return false;
    }
    let d: Vec<u8> = c[..7].iter().map(|b| b - b'0').collect();
    let mut sum = weighted(&d, &[8, 7, 6, 5, 4, 3, 2]);
    if let Some(&second) = c.get(8) {
        sum += match second {
            b'W' => 0,
            b'A'..=b'I' => 9 * u32::from(second - b'A' + 1),
            _ => return false,
        };
    }
    !all_same(&d) && c[7] == CHECK[(sum % 23) as usize]
}

/// Switzerland AHV / AVS number (AHVN13): 756, nine digits and an EAN-13 check digit.
pub(crate) fn switzerland_ahv(value: &[u8]) -> bool {
    let Some(d) = digits_of(value, 13, b". ") else {
        return false;
    };
    let sum: u32 = d[..12]
        .iter()
        .enumerate()
        .map(|(i, &x)| u32::from(x) * if i % 2 == 0 { 1 } else { 3 })
        .sum();
    d[..3] == [7, 5, 6] && u32::from(d[12]) == (10 - sum % 10) % 10
}

/// Austria Sozialversicherungsnummer: serial NNN, check digit, DDMMYY; weights
/// 3-7-9-(check)-5-8-4-2-1-6 mod 11 (10 never issued).
pub(crate) fn austria_svnr(value: &[u8]) -> bool {
    let Some(d) = digits_of(value, 10, b" ") else {
        return false;
    };
    let r = weighted(&d, &[3, 7, 9, 0, 5, 8, 4, 2, 1, 6]) % 11;
    // Month 13-15 and day 0 mark an unknown date of birth.
    let (dd, mm) = (two(&d, 4), two(&d, 6));
    let date = plausible_date(mm, dd) || (dd <= 31 && mm <= 15);
    d[0] != 0 && date && r != 10 && u32::from(d[3]) == r
}

/// Iceland kennitala: DDMMYY (companies + 40 to the day), two digits, a mod-11 check digit
/// (weights 3-2-7-6-5-4-3-2) and the century (9, 0, or 8).
pub(crate) fn iceland_kennitala(value: &[u8]) -> bool {
    let Some(d) = digits_of(value, 10, b"- ") else {
        return false;
    };
    let k = mod11_complement(&d[..8], &[3, 2, 7, 6, 5, 4, 3, 2]);
    let day = two(&d, 0) % 40;
    plausible_date(two(&d, 2), day) && matches!(d[9], 8 | 9 | 0) && k == Some(d[8])
}

/// Greece AMKA: DDMMYY, four digits and a Luhn check digit.
pub(crate) fn greece_amka(value: &[u8]) -> bool {
    let Some(d) = digits_of(value, 11, b"") else {
        return false;
    };
    plausible_date(two(&d, 2), two(&d, 0)) && luhn(&d)
}

/// Germany Rentenversicherungsnummer: area (2 digits), DDMMYY, the surname's initial, serial
/// (2 digits) and a check digit: the letter as its 2-digit place, weights
/// 2-1-2-5-7-1-2-1-2-1-2-1, digit sums of the products, mod 10.
pub(crate) fn germany_rvnr(value: &[u8]) -> bool {
    let c = compact(value);
    if c.len() != 12 || !c[8].is_ascii_uppercase() {
        return false;
    }
    let letter = c[8] - b'A' + 1;
    let Some(head) = digits_of(&c[..8], 8, b"") else {
        return false;
    };
    if !c[9..].iter().all(u8::is_ascii_digit) {
        return false;
    }
    let tail: Vec<u8> = c[9..].iter().map(|b| b - b'0').collect();
    let mut d = head.clone();
    d.extend([letter / 10, letter % 10, tail[0], tail[1]]);
    let w = [2, 1, 2, 5, 7, 1, 2, 1, 2, 1, 2, 1];
    let sum: u32 = d
        .iter()
        .zip(w)
        .map(|(&x, w)| digit_sum(u32::from(x) * w))
        .sum();
    plausible_date(two(&head, 4), two(&head, 2)) && u32::from(tail[2]) == sum % 10
}

fn digit_sum(n: u32) -> u32 {
    n / 10 + n % 10
}

/// Germany Krankenversichertennummer (KVNR, the unchangeable part): a letter, eight digits and
/// a check digit: the letter as its 2-digit place, weights 1-2 alternating, digit sums, mod 10.
pub(crate) fn germany_kvnr(value: &[u8]) -> bool {
    let c = compact(value);
    if c.len() != 10 || !c[0].is_ascii_uppercase() || !c[1..].iter().all(u8::is_ascii_digit) {
        return false;
    }
    let letter = c[0] - b'A' + 1;
    let mut d = vec![letter / 10, letter % 10];
    d.extend(c[1..9].iter().map(|b| b - b'0'));
    if all_same(&d[2..]) {
        return false;
    }
    let sum: u32 = d
        .iter()
        .enumerate()
        .map(|(i, &x)| digit_sum(u32::from(x) * if i % 2 == 0 { 1 } else { 2 }))
        .sum();
    u32::from(c[9] - b'0') == sum % 10
}
