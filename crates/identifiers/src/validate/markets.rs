//! Validators: bank routing and securities codes, device ids, cryptocurrency addresses (issue
//! 18), each from its published standard.

use super::core::{digits, luhn};
use super::Check;

/// The validators this module provides, by catalogue name.
pub(crate) const VALIDATORS: &[(&str, Check)] = &[
    ("usa_aba_routing", usa_aba_routing),
    ("swift_bic", swift_bic),
    ("isin", isin),
    ("cusip", cusip),
    ("lei", lei),
    ("imei", imei),
    ("mac_address", mac_address),
];

/// ISO 3166-1 alpha-2 codes (and XK, Kosovo, which SWIFT uses).
const COUNTRIES: &str = "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI \
BJ BL BM BN BO BQ BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ \
DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ \
GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN \
KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS \
MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT \
PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF \
TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS XK YE YT ZA \
ZM ZW";

/// Whether `cc` is an assigned ISO 3166-1 alpha-2 code.
fn country(cc: &[u8]) -> bool {
    cc.len() == 2
        && COUNTRIES
            .as_bytes()
            .chunks(3)
            .any(|c| c.get(..2) == Some(cc))
}

/// US ABA routing transit number: nine digits, a Federal Reserve prefix (00-12, 21-32, 61-72,
/// 80) and weights 3-7-1 summing to a multiple of 10.
pub(crate) fn usa_aba_routing(value: &[u8]) -> bool {
    let d = digits(value);
    if d.len() != 9 || d.iter().all(|&x| x == d[0]) {
        return false;
    }
    let prefix = d[0] * 10 + d[1];
    let sum: u32 = d
        .iter()
        .zip([3, 7, 1].iter().cycle())
        .map(|(&x, &w)| u32::from(x) * w)
        .sum();
    matches!(prefix, 0..=12 | 21..=32 | 61..=72 | 80) && sum.is_multiple_of(10)
}

/// SWIFT / BIC (ISO 9362): bank code (4 letters), an assigned country code, location (2
/// letters or digits, the second not 0, which marks test BICs) and an optional branch (3).
pub(crate) fn swift_bic(value: &[u8]) -> bool {
    let alnum = |b: &u8| b.is_ascii_uppercase() || b.is_ascii_digit();
    (value.len() == 8 || value.len() == 11)
        && value[..4].iter().all(u8::is_ascii_uppercase)
        && country(&value[4..6])
        && value[6..].iter().all(alnum)
        && value[7] != b'0'
}

/// The digits of `value` with letters read as 10-35 (ISIN, LEI).
fn expand_alnum(value: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(value.len() * 2);
    for &b in value {
        match b {
            b'0'..=b'9' => out.push(b - b'0'),
            b'A'..=b'Z' => {
                let v = b - b'A' + 10;
                out.extend([v / 10, v % 10]);
            }
            _ => return None,
        }
    }
    Some(out)
}

/// ISIN (ISO 6166): a country code (or XS, EU, XA-XD for international securities), nine
/// letters or digits and a Luhn check digit over the letters read as 10-35.
pub(crate) fn isin(value: &[u8]) -> bool {
    if value.len() != 12 || !value[11].is_ascii_digit() {
        return false;
    }
    let cc = &value[..2];
    let intl = matches!(cc, b"XS" | b"EU" | b"XA" | b"XB" | b"XC" | b"XD");
    (country(cc) || intl)
        && value[2..11].iter().any(u8::is_ascii_digit)
        && expand_alnum(value).is_some_and(|d| luhn(&d))
}

/// CUSIP: issuer (6), issue (2) and a check digit: letters 10-35, `*` 36, `@` 37, `#` 38,
/// every second value doubled, digit sums, (10 - sum mod 10) mod 10.
pub(crate) fn cusip(value: &[u8]) -> bool {
    if value.len() != 9 || !value[8].is_ascii_digit() || value[..8].iter().all(|&b| b == b'0') {
        return false;
    }
    let mut sum = 0u32;
    for (i, &b) in value[..8].iter().enumerate() {
        let mut v = match b {
            b'0'..=b'9' => u32::from(b - b'0'),
            b'A'..=b'Z' => u32::from(b - b'A') + 10,
            b'*' => 36,
            b'@' => 37,
            b'#' => 38,
            _ => return false,
        };
        if i % 2 == 1 {
            v *= 2;
        }
        sum += v / 10 + v % 10;
    }
    u32::from(value[8] - b'0') == (10 - sum % 10) % 10
}

/// The value of digit values `d` mod 97.
fn mod97(d: &[u8]) -> u32 {
    d.iter()
        .fold(0u32, |acc, &x| (acc * 10 + u32::from(x)) % 97)
}

/// LEI (ISO 17442): 18 letters or digits and two check digits, the whole read with letters as
/// 10-35 being 1 mod 97 (ISO 7064 MOD 97-10).
pub(crate) fn lei(value: &[u8]) -> bool {
    value.len() == 20
        && value[18..].iter().all(u8::is_ascii_digit)
        && value[..18].iter().any(u8::is_ascii_digit)
        && expand_alnum(value).is_some_and(|d| mod97(&d) == 1)
}

/// IMEI: 15 digits (plain or AA-BBBBBB-CCCCCC-D), a Luhn check digit; not all one digit.
pub(crate) fn imei(value: &[u8]) -> bool {
    let d = digits(value);
    let shape = value
        .iter()
        .all(|b| b.is_ascii_digit() || matches!(b, b'-' | b' '));
    shape && d.len() == 15 && d.windows(2).any(|w| w[0] != w[1]) && luhn(&d)
}

/// MAC address (EUI-48): six hex pairs with one kind of separator (`:` or `-`) or three
/// dotted groups of four; not all-zero, not broadcast, not a multicast (group) address.
pub(crate) fn mac_address(value: &[u8]) -> bool {
    let hex: Vec<u8> = value
        .iter()
        .filter(|b| b.is_ascii_hexdigit())
        .map(|b| (*b as char).to_digit(16).map_or(0, |v| v as u8))
        .collect();
    let seps: Vec<u8> = value
        .iter()
        .copied()
        .filter(|b| !b.is_ascii_hexdigit())
        .collect();
    let sep_ok = seps.windows(2).all(|w| w[0] == w[1])
        && matches!(
            (seps.len(), seps.first()),
            (5, Some(b':' | b'-')) | (2, Some(b'.'))
        );
    let first_octet = hex.first().copied().unwrap_or(0) * 16 + hex.get(1).copied().unwrap_or(0);
    hex.len() == 12
        && sep_ok
        && hex.iter().any(|&x| x != 0)
        && hex.iter().any(|&x| x != 15)
        && first_octet & 1 == 0
}
