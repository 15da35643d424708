//! Validators: health (DEA, HICN, MBI, NPI, NDC, NHS, NIR, provincial health numbers, EHIC,
//! medical device UDIs).

use super::core::{digits, luhn};
use super::Check;

fn num(d: &[u8]) -> u64 {
    d.iter().fold(0u64, |a, &x| a * 10 + u64::from(x))
}

/// US DEA registration number: registrant-type letter, name letter (or 9), six digits and a
/// check digit: (d1 + d3 + d5 + 2 (d2 + d4 + d6)) mod 10.
pub(crate) fn dea_number(value: &[u8]) -> bool {
    if value.len() != 9 {
        return false;
    }
    let t = value[0].to_ascii_uppercase();
    if !b"ABCDEFGHJKLMPRSTUX".contains(&t) {
        return false;
    }
    if !(value[1].is_ascii_alphabetic() || value[1] == b'9') {
        return false;
    }
    if !value[2..].iter().all(u8::is_ascii_digit) {
        return false;
    }
    let d = digits(&value[2..]);
    let s = u32::from(d[0] + d[2] + d[4]) + 2 * u32::from(d[1] + d[3] + d[5]);
    d[..6].iter().any(|&x| x != 0) && s % 10 == u32::from(d[6])
}

/// US Medicare HICN: a valid SSN followed by a beneficiary identification code (a letter from
/// the CMS list, optionally one more letter or digit).
pub(crate) fn hicn(value: &[u8]) -> bool {
    let ssn: Vec<u8> = value.iter().copied().filter(u8::is_ascii_digit).collect();
    let tail: Vec<u8> = value
        .iter()
        .copied()
        .skip_while(|b| !b.is_ascii_alphabetic())
        .collect();
    let d = digits(&ssn);
    if d.len() < 9 || tail.is_empty() || !b"ABCDEFGHJKMTW".contains(&tail[0]) {
        return false;
    }
    let area = num(&d[..3]);
    let group = num(&d[3..5]);
    let serial = num(&d[5..9]);
    area != 0 && area != 666 && area < 900 && group != 0 && serial != 0
}

/// Canadian provincial health numbers: Ontario (10 digits, Luhn), British Columbia PHN
/// (10 digits starting with 9, mod-11 with weights 2,4,8,5,10,9,7,3), Quebec RAMQ (four
/// letters, then birth year, month (+50 for women) and day, two digits).
pub(crate) fn canada_health_number(value: &[u8]) -> bool {
    let d = digits(value);
    if value.first().is_some_and(u8::is_ascii_alphabetic) {
        // RAMQ: LLLL YYMM DDNN.
        if d.len() != 8 {
            return false;
        }
        let month = num(&d[2..4]);
        let day = num(&d[4..6]);
        return ((1..=12).contains(&month) || (51..=62).contains(&month))
            && (1..=31).contains(&day);
    }
    if d.len() != 10 || d.iter().all(|&x| x == d[0]) {
        return false;
    }
    if d[0] == 9 {
        const W: [u32; 8] = [2, 4, 8, 5, 10, 9, 7, 3];
        let s: u32 = d[1..9]
            .iter()
            .zip(W)
            .map(|(&x, w)| (u32::from(x) * w) % 11)
            .sum();
        let c = 11 - s % 11;
        if c < 10 && c == u32::from(d[9]) {
            return true;
        }
    }
    luhn(&d)
}

/// ISO 3166 numeric codes of the countries issuing the EHIC (EU, EEA, Switzerland, UK GHIC),
/// Finland excluded (reported as FINLAND_EUROPEAN_HEALTH_INSURANCE_NUMBER).
const EHIC_COUNTRIES: &[u64] = &[
    40, 56, 100, 191, 196, 203, 208, 233, 250, 276, 300, 348, 352, 372, 380, 428, 438, 440, 442,
    470, 528, 578, 616, 620, 642, 703, 705, 724, 752, 756, 826,
];

/// EHIC card number (ISO 7812 health card): 20 digits, `80` then the issuing country's
/// numeric code.
pub(crate) fn ehic_number(value: &[u8]) -> bool {
    let d = digits(value);
    d.len() == 20 && d[0] == 8 && d[1] == 0 && EHIC_COUNTRIES.contains(&num(&d[2..5]))
}

/// Finnish EHIC number: 20 digits starting with 8024680246 (Kela).
pub(crate) fn finland_ehic_number(value: &[u8]) -> bool {
    let d = digits(value);
    d.len() == 20 && d[..10] == [8, 0, 2, 4, 6, 8, 0, 2, 4, 6] && d[10..].iter().any(|&x| x != 0)
}

/// French NIR (numéro de sécurité sociale): 13 characters and a key 97 - (n mod 97); Corsica
/// departments 2A / 2B count as 19 / 18.
pub(crate) fn france_nir(value: &[u8]) -> bool {
    let s: Vec<u8> = value
        .iter()
        .copied()
        .filter(|b| *b != b' ')
        .map(|b| b.to_ascii_uppercase())
        .collect();
    if s.len() != 15 {
        return false;
    }
    let mut body = s[..13].to_vec();
    match &body[5..7] {
        b"2A" => body[5..7].copy_from_slice(b"19"),
        b"2B" => body[5..7].copy_from_slice(b"18"),
        _ => {}
    }
    if !body.iter().chain(&s[13..]).all(u8::is_ascii_digit) {
        return false;
    }
    let n = num(&digits(&body));
    let key = num(&digits(&s[13..]));
    let month = num(&digits(&body[3..5]));
    matches!(body[0], b'1' | b'2' | b'3' | b'4' | b'7' | b'8')
        && ((1..=12).contains(&month) || (20..=42).contains(&month) || (50..=99).contains(&month))
        && 97 - n % 97 == key
}

/// UK NHS number: 10 digits, mod-11 with weights 10..2 (a remainder giving 10 is invalid).
pub(crate) fn nhs_number(value: &[u8]) -> bool {
    let d = digits(value);
    if d.len() != 10 || d.iter().all(|&x| x == d[0]) {
        return false;
    }
    let s: u32 = d[..9]
        .iter()
        .zip((2..=10u32).rev())
        .map(|(&x, w)| u32::from(x) * w)
        .sum();
    match 11 - s % 11 {
        11 => d[9] == 0,
        10 => false,
        c => u32::from(d[9]) == c,
    }
}

/// US NPI: 10 digits starting 1 or 2, Luhn over `80840` + the number.
pub(crate) fn npi(value: &[u8]) -> bool {
    let d = digits(value);
    if d.len() != 10 || !(d[0] == 1 || d[0] == 2) {
        return false;
    }
    let mut full = vec![8, 0, 8, 4, 0];
    full.extend_from_slice(&d);
    luhn(&full)
}

/// US NDC: labeler, product and package segments, not all zero.
pub(crate) fn ndc(value: &[u8]) -> bool {
    let d = digits(value);
    (10..=11).contains(&d.len()) && d.iter().any(|&x| x != 0)
}

/// GS1 check digit (mod 10, weights 3 and 1 from the right) over a GTIN.
fn gs1_check(d: &[u8]) -> bool {
    let Some((&check, body)) = d.split_last() else {
        return false;
    };
    let s: u32 = body
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &x)| u32::from(x) * if i % 2 == 0 { 3 } else { 1 })
        .sum();
    (10 - s % 10) % 10 == u32::from(check)
}

/// HIBC character values for the mod-43 check character.
const HIBC: &[u8; 43] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ-. $/+%";

/// Medical device UDI: GS1 `(01)` GTIN-14 with its check digit, HIBCC `+...` with its mod-43
/// check character, or ICCBBA ISBT 128 `=/` processor product code.
pub(crate) fn medical_device_udi(value: &[u8]) -> bool {
    if let Some(rest) = value.strip_prefix(b"(01)") {
        let Some(gtin) = rest.get(..14) else {
            return false;
        };
        let d = digits(gtin);
        return d.len() == 14 && d.iter().any(|&x| x != 0) && gs1_check(&d);
    }
    if value.first() == Some(&b'+') {
        let Some((&check, body)) = value.split_last() else {
            return false;
        };
        let mut s = 0usize;
        for b in body {
            match HIBC.iter().position(|c| c == b) {
                Some(v) => s += v,
                None => return false,
            }
        }
        return body.len() >= 7 && HIBC[s % 43] == check;
    }
    value.starts_with(b"=/") && value.len() == 18
}

/// The validators this file provides, by catalogue name.
pub(crate) const VALIDATORS: &[(&str, Check)] = &[
    ("dea_number", dea_number),
    ("hicn", hicn),
    ("canada_health_number", canada_health_number),
    ("ehic_number", ehic_number),
    ("finland_ehic_number", finland_ehic_number),
    ("france_health_nir", france_nir),
    ("nhs_number", nhs_number),
    ("npi", npi),
    ("ndc", ndc),
    ("medical_device_udi", medical_device_udi),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dea() {
        assert!(dea_number(b"AB1234563"));
        assert!(dea_number(b"BJ6125341"));
        assert!(dea_number(b"F91234563"));
        assert!(!dea_number(b"BJ6125342"));
        assert!(!dea_number(b"IJ6125341"));
        assert!(!dea_number(b"BJ612534"));
        assert!(!dea_number(b"BJ612534\xff"));
    }

    #[test]
    fn hic() {
        assert!(hicn(b"536-22-8921A"));
        assert!(hicn(b"536228921C1"));
        assert!(!hicn(b"666228921A"));
        assert!(!hicn(b"536228921Z"));
        assert!(!hicn(b"53622892A"));
    }

    #[test]
    fn canada() {
        assert!(canada_health_number(b"4521-879-033"));
        assert!(canada_health_number(b"9876543218"));
        assert!(canada_health_number(b"TREM 8506 1512"));
        assert!(!canada_health_number(b"4521-879-034"));
        assert!(!canada_health_number(b"TREM 8513 1512"));
        assert!(!canada_health_number(b"452187903"));
        assert!(!canada_health_number(b"0000000000"));
    }

    #[test]
    fn ehic() {
        assert!(ehic_number(b"80380000900090510553"));
        assert!(ehic_number(b"8027600123 4567890123"));
        assert!(!ehic_number(b"80999000900090510553"));
        assert!(!ehic_number(b"80246802460000000123"));
        assert!(!ehic_number(b"8038000090009051055"));
        assert!(finland_ehic_number(b"8024680246 0012345678"));
        assert!(!finland_ehic_number(b"8024680247 0012345678"));
        assert!(!finland_ehic_number(b"8024680246 001234567"));
    }

    #[test]
    fn nir() {
        assert!(france_nir(b"2 69 05 49 588 157 80"));
        assert!(france_nir(b"185057800608491"));
        assert!(france_nir(b"1 78 02 2A 004 012 74"));
        assert!(!france_nir(b"185057800608492"));
        assert!(!france_nir(b"18505780060849"));
        assert!(!france_nir(b"585057800608491"));
    }

    #[test]
    fn nhs() {
        assert!(nhs_number(b"943 476 5919"));
        assert!(nhs_number(b"4857773457"));
        assert!(nhs_number(b"638-210-5740"));
        assert!(!nhs_number(b"4857773458"));
        assert!(!nhs_number(b"485777345"));
        assert!(!nhs_number(b"0000000000"));
    }

    #[test]
    fn provider() {
        assert!(npi(b"1234567893"));
        assert!(npi(b"1497283659"));
        assert!(!npi(b"1497283658"));
        assert!(!npi(b"3497283659"));
        assert!(!npi(b"149728365"));
        assert!(ndc(b"60505-0141-01"));
        assert!(!ndc(b"00000-0000-00"));
        assert!(!ndc(b"60505-014"));
    }

    #[test]
    fn udi() {
        assert!(medical_device_udi(b"(01)00643169007222(17)281231"));
        assert!(medical_device_udi(b"(01)10884541001354"));
        assert!(!medical_device_udi(b"(01)10884541001355"));
        assert!(!medical_device_udi(b"(01)1088454100135"));
        assert!(medical_device_udi(b"+H629CT2450N1M"));
        assert!(medical_device_udi(b"+M5271407250/$$3290630LOT4AO"));
        assert!(!medical_device_udi(b"+H629CT2450N1N"));
        assert!(!medical_device_udi(b"+"));
        assert!(medical_device_udi(b"=/B4271QRS204T0813"));
        assert!(!medical_device_udi(b"=/B4271"));
        assert!(!medical_device_udi(b""));
    }
}
