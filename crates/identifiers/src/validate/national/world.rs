//! Personal identity numbers of Africa and Asia (issue 18), each from its published check
//! algorithm or, where none exists, its published structure.

use super::common::{compact, groups, weighted};
use super::europe::{digits_of, plausible_date, two};
use crate::validate::core::luhn;

/// South Africa identity number: YYMMDD, sequence (4), citizenship (0 or 1), a digit and a
/// Luhn check digit.
pub(crate) fn south_africa_id(value: &[u8]) -> bool {
    let Some(d) = digits_of(value, 13, b" ") else {
        return false;
    };
    plausible_date(two(&d, 2), two(&d, 4)) && d[10] <= 2 && luhn(&d)
}

/// South Korea resident registration number: YYMMDD-SNNNNNC; check = (11 - weighted sum mod
/// 11) mod 10, weights 2-9, 2-5. (Numbers issued from October 2020 carry no check digit and
/// are not recognised.)
pub(crate) fn korea_rrn(value: &[u8]) -> bool {
    let Some(d) = digits_of(value, 13, b"-") else {
        return false;
    };
    if !matches!(groups(value, b"-").as_deref(), Some([13] | [6, 7])) {
        return false;
    }
    let w = [2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5];
    let check = (11 - weighted(&d[..12], &w) % 11) % 10;
    plausible_date(two(&d, 2), two(&d, 4)) && u32::from(d[12]) == check
}

/// China resident identity card (GB 11643-1999): region (6), YYYYMMDD, order (3) and an ISO
/// 7064 MOD 11-2 check character (0-9 or X).
pub(crate) fn china_resident_id(value: &[u8]) -> bool {
    let c = compact(value);
    if c.len() != 18 || !c[..17].iter().all(u8::is_ascii_digit) {
        return false;
    }
    let Some(d) = digits_of(&c[..17], 17, b"") else {
        return false;
    };
    let mut sum = 0u32;
    for &x in &d {
        sum = (sum + u32::from(x)) * 2 % 11;
    }
    let check = (12 - sum % 11) % 11;
    let expected = if check == 10 {
        b'X'
    } else {
        b'0' + check as u8
    };
    let year = u32::from(two(&d, 6)) * 100 + u32::from(two(&d, 8));
    d[0] != 0
        && (1900..=2099).contains(&year)
        && plausible_date(two(&d, 10), two(&d, 12))
        && c[17] == expected
}

/// Thailand national id: 13 digits (first 1-8); check = (11 - sum(d_i x (13 - i)) mod 11) mod
/// 10.
pub(crate) fn thailand_id(value: &[u8]) -> bool {
    let Some(d) = digits_of(value, 13, b"- ") else {
        return false;
    };
    let w = [13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2];
    let check = (11 - weighted(&d[..12], &w) % 11) % 10;
    (1..=8).contains(&d[0]) && u32::from(d[12]) == check
}

/// Malaysia MyKad number: YYMMDD-PB-NNNN (no check digit: the date and a place-of-birth code
/// in the published ranges are checked).
pub(crate) fn malaysia_mykad(value: &[u8]) -> bool {
    let Some(d) = digits_of(value, 12, b"-") else {
        return false;
    };
    if !matches!(groups(value, b"-").as_deref(), Some([12] | [6, 2, 4])) {
        return false;
    }
    let pb = two(&d, 6);
    let place = matches!(pb, 1..=16 | 21..=68 | 71..=72 | 74..=79 | 82..=93 | 98..=99);
    plausible_date(two(&d, 2), two(&d, 4)) && place
}

/// Singapore NRIC / FIN: S, T, F or G, seven digits and a check letter (weights
/// 2-7-6-5-4-3-2; T and G add 4; mod 11 into the series' letter table). The M series (2022)
/// is not recognised.
pub(crate) fn singapore_nric(value: &[u8]) -> bool {
    let c = compact(value);
    if c.len() != 9 || !c[1..8].iter().all(u8::is_ascii_digit) {
        return false;
    }
    let d: Vec<u8> = c[1..8].iter().map(|b| b - b'0').collect();
    let mut sum = weighted(&d, &[2, 7, 6, 5, 4, 3, 2]);
    sum += match c[0] {
        b'T' | b'G' => 4,
        _ => 0,
    };
    let r = (sum % 11) as usize;
    let table: &[u8; 11] = match c[0] {
        b'S' | b'T' => b"JZIHGFEDCBA",
        b'F' | b'G' => b"XWUTRQPNMLK",
        _ => return false,
    };
    table.get(r) == Some(&c[8])
}

/// Pakistan CNIC: 5-7-1 digits (no check digit: the province digit 1-7 and the last digit,
/// odd for men and even for women, can be anything; the shape and keyword carry it).
pub(crate) fn pakistan_cnic(value: &[u8]) -> bool {
    let Some(d) = digits_of(value, 13, b"-") else {
        return false;
    };
    matches!(groups(value, b"-").as_deref(), Some([13] | [5, 7, 1])) && (1..=7).contains(&d[0])
}

/// Indonesia NIK: province, regency and district codes (6), DDMMYY (women + 40 to the day)
/// and a serial (4); no check digit: the province code and the date are checked.
pub(crate) fn indonesia_nik(value: &[u8]) -> bool {
    let Some(d) = digits_of(value, 16, b"") else {
        return false;
    };
    // Province codes: Sumatra 11-19 and 21, Java 31-36, Bali and Nusa Tenggara 51-53,
    // Kalimantan 61-65, Sulawesi 71-76, Maluku 81-82, Papua 91-97.
    let province = two(&d, 0);
    let day = two(&d, 6) % 40;
    matches!(province, 11..=19 | 21 | 31..=36 | 51..=53 | 61..=65 | 71..=76 | 81 | 82 | 91..=97)
        && plausible_date(two(&d, 8), day)
        && d[12..] != [0, 0, 0, 0]
}
