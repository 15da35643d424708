//! Validators: documents (driver's licences, passports, vehicle identification numbers,
//! dates of birth).

use super::core::{digits, luhn};
use super::Check;

/// The value with separators (space, hyphen, slash, dot) removed, upper-cased.
fn compact(value: &[u8]) -> Vec<u8> {
    value
        .iter()
        .filter(|b| !matches!(b, b' ' | b'-' | b'/' | b'.'))
        .map(u8::to_ascii_uppercase)
        .collect()
}

fn num(d: &[u8]) -> u32 {
    d.iter().fold(0u32, |acc, &x| {
        acc.saturating_mul(10).saturating_add(u32::from(x))
    })
}

fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 => {
            if (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400) {
                29
            } else {
                28
            }
        }
        _ => 0,
    }
}

/// Whether day/month form a real date in `year` (a 4-digit year).
fn real_date(year: u32, month: u32, day: u32) -> bool {
    day >= 1 && day <= days_in_month(year, month)
}

/// Whether day/month are a real date in some year (two-digit years: leap years allowed).
fn real_day_month(month: u32, day: u32) -> bool {
    real_date(2000, month, day)
}

/// UK driving licence number (DVLA): 5 surname characters (letters, padded with 9s), decade
/// digit, month (+50 for women), day, year digit, 2 initials (padded with 9), a digit and
/// two check letters.
pub(crate) fn uk_drivers_license(value: &[u8]) -> bool {
    let v = compact(value);
    if v.len() != 16 {
        return false;
    }
    let surname = &v[0..5];
    if !surname[0].is_ascii_uppercase() {
        return false;
    }
    // Once padding (9) starts, only 9s follow.
    let mut padded = false;
    for &c in surname {
        if c == b'9' {
            padded = true;
        } else if padded || !c.is_ascii_uppercase() {
            return false;
        }
    }
    if !v[5..11].iter().all(u8::is_ascii_digit) {
        return false;
    }
    let d: Vec<u8> = v[5..11].iter().map(|b| b - b'0').collect();
    let mut month = num(&d[1..3]);
    if month > 50 {
        month -= 50;
    }
    let day = num(&d[3..5]);
    if !(1..=12).contains(&month) || !real_day_month(month, day) {
        return false;
    }
    let initials = &v[11..13];
    if !initials[0].is_ascii_uppercase()
        || !(initials[1].is_ascii_uppercase() || initials[1] == b'9')
    {
        return false;
    }
    v[13].is_ascii_digit() && v[14].is_ascii_alphanumeric() && v[15].is_ascii_alphanumeric()
}

/// Spanish DNI (8 digits + check letter) or NIE (X/Y/Z + 7 digits + check letter): mod 23.
pub(crate) fn spain_dni_nie(value: &[u8]) -> bool {
    const LETTERS: &[u8; 23] = b"TRWAGMYFPDXBNJZSQVHLCKE";
    let v = compact(value);
    if v.len() != 9 {
        return false;
    }
    let mut n: u32 = match v[0] {
        b'X' => 0,
        b'Y' => 1,
        b'Z' => 2,
        c if c.is_ascii_digit() => u32::from(c - b'0'),
        _ => return false,
    };
    for &c in &v[1..8] {
        if !c.is_ascii_digit() {
            return false;
        }
        n = n * 10 + u32::from(c - b'0');
    }
    LETTERS[(n % 23) as usize] == v[8]
}

/// Swedish personnummer (YYMMDD-NNNC or YYYYMMDDNNNC): real birth date (or coordination
/// number, day + 60) and Luhn over the ten digits.
pub(crate) fn sweden_personnummer(value: &[u8]) -> bool {
    let d = digits(value);
    let d: &[u8] = match d.len() {
        10 => &d,
        12 => &d[2..],
        _ => return false,
    };
    let month = num(&d[2..4]);
    let mut day = num(&d[4..6]);
    if day > 60 {
        day -= 60;
    }
    (1..=12).contains(&month) && real_day_month(month, day) && luhn(d)
}

/// Finnish personal identity code (DDMMYYCZZZQ): real date, check character mod 31.
pub(crate) fn finland_hetu(value: &[u8]) -> bool {
    const CHECK: &[u8; 31] = b"0123456789ABCDEFHJKLMNPRSTUVWXY";
    let v: Vec<u8> = value.iter().map(u8::to_ascii_uppercase).collect();
    if v.len() != 11 || !v[0..6].iter().all(u8::is_ascii_digit) {
        return false;
    }
    if !v[7..10].iter().all(u8::is_ascii_digit) {
        return false;
    }
    let century = match v[6] {
        b'+' => 1800,
        b'-' | b'Y' | b'X' | b'W' | b'V' | b'U' => 1900,
        b'A' | b'B' | b'C' | b'D' | b'E' | b'F' => 2000,
        _ => return false,
    };
    let dd: Vec<u8> = v.iter().take(6).map(|b| b - b'0').collect();
    let year = century + num(&dd[4..6]);
    if !real_date(year, num(&dd[2..4]), num(&dd[0..2])) {
        return false;
    }
    let mut n = u64::from(num(&dd));
    for &c in &v[7..10] {
        n = n * 10 + u64::from(c - b'0');
    }
    CHECK[(n % 31) as usize] == v[10]
}

/// Indian driving licence: a valid state or union-territory code, RTO code, year of issue
/// and serial (SS RR YYYY NNNNNNN).
pub(crate) fn india_drivers_license(value: &[u8]) -> bool {
    const STATES: &[&[u8]] = &[
        b"AN", b"AP", b"AR", b"AS", b"BR", b"CG", b"CH", b"DD", b"DL", b"DN", b"GA", b"GJ", b"HP",
        b"HR", b"JH", b"JK", b"KA", b"KL", b"LA", b"LD", b"MH", b"ML", b"MN", b"MP", b"MZ", b"NL",
        b"OD", b"OR", b"PB", b"PY", b"RJ", b"SK", b"TN", b"TR", b"TS", b"UK", b"UP", b"WB",
    ];
    let v = compact(value);
    if v.len() != 15 || !STATES.contains(&&v[0..2]) || !v[2..].iter().all(u8::is_ascii_digit) {
        return false;
    }
    let d: Vec<u8> = v[2..].iter().map(|b| b - b'0').collect();
    let year = num(&d[2..6]);
    (1950..=2099).contains(&year) && num(&d[6..]) != 0
}

/// German driving licence number: 11 characters (authority, serial, check digit, issue)
/// whose serial part carries at least one letter (an all-digit run is some other number).
pub(crate) fn germany_drivers_license(value: &[u8]) -> bool {
    value.len() == 11
        && value.iter().all(u8::is_ascii_alphanumeric)
        && value[..9].iter().any(u8::is_ascii_alphabetic)
}

/// ICAO 9303 character value: digits as themselves, A=10 ... Z=35, `<` = 0.
fn icao_value(c: u8) -> Option<u32> {
    match c {
        b'0'..=b'9' => Some(u32::from(c - b'0')),
        b'A'..=b'Z' => Some(u32::from(c - b'A') + 10),
        b'<' => Some(0),
        _ => None,
    }
}

/// ICAO 9303 check digit (weights 7, 3, 1) over `data`.
fn icao_check(data: &[u8]) -> Option<u8> {
    let mut sum = 0u32;
    for (i, &c) in data.iter().enumerate() {
        sum += icao_value(c)? * [7, 3, 1][i % 3];
    }
    Some((sum % 10) as u8)
}

/// German passport serial: 9 characters from the German document alphabet; when the MRZ
/// check digit follows (10 characters) it must match (ICAO 9303, weights 7-3-1).
pub(crate) fn germany_passport(value: &[u8]) -> bool {
    let v: Vec<u8> = value.iter().map(u8::to_ascii_uppercase).collect();
    let allowed = |c: &u8| b"CFGHJKLMNPRTVWXYZ0123456789".contains(c);
    match v.len() {
        9 => v.iter().all(allowed) && v.iter().any(u8::is_ascii_uppercase),
        10 => {
            v[..9].iter().all(allowed)
                && v[9].is_ascii_digit()
                && icao_check(&v[..9]) == Some(v[9] - b'0')
        }
        _ => false,
    }
}

/// VIN transliteration (ISO 3779 / 49 CFR 565).
fn vin_value(c: u8) -> Option<u32> {
    Some(match c {
        b'0'..=b'9' => u32::from(c - b'0'),
        b'A' | b'J' => 1,
        b'B' | b'K' | b'S' => 2,
        b'C' | b'L' | b'T' => 3,
        b'D' | b'M' | b'U' => 4,
        b'E' | b'N' | b'V' => 5,
        b'F' | b'W' => 6,
        b'G' | b'P' | b'X' => 7,
        b'H' | b'Y' => 8,
        b'R' | b'Z' => 9,
        _ => return None,
    })
}

/// Vehicle identification number: 17 characters without I, O, Q; last three numeric
/// (ISO 3779); a mix of letters and digits; for North American WMIs (first character 1-5)
/// the check digit at position 9.
pub(crate) fn vin(value: &[u8]) -> bool {
    const WEIGHTS: [u32; 17] = [8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2];
    let v: Vec<u8> = value.iter().map(u8::to_ascii_uppercase).collect();
    if v.len() != 17 || v.iter().any(|c| matches!(c, b'I' | b'O' | b'Q')) {
        return false;
    }
    if !v[14..].iter().all(u8::is_ascii_digit) || !v.iter().any(u8::is_ascii_uppercase) {
        return false;
    }
    if v.iter().all(|&c| c == v[0]) {
        return false;
    }
    let mut sum = 0u32;
    for (i, &c) in v.iter().enumerate() {
        match vin_value(c) {
            Some(x) => sum += x * WEIGHTS[i],
            None => return false,
        }
    }
    if (b'1'..=b'5').contains(&v[0]) {
        let check = sum % 11;
        let expected = if check == 10 {
            b'X'
        } else {
            b'0' + check as u8
        };
        return v[8] == expected;
    }
    true
}

/// The month number of a month name or abbreviation (EN, DE, FR, ES, IT, PT; UTF-8 or
/// ASCII-folded accents), lowercase input.
fn month_from_name(name: &[u8]) -> Option<u32> {
    const NAMES: &[(&str, u32)] = &[
        ("january", 1),
        ("jan", 1),
        ("januar", 1),
        ("janvier", 1),
        ("enero", 1),
        ("gennaio", 1),
        ("janeiro", 1),
        ("jänner", 1),
        ("february", 2),
        ("feb", 2),
        ("februar", 2),
        ("février", 2),
        ("fevrier", 2),
        ("febrero", 2),
        ("febbraio", 2),
        ("fevereiro", 2),
        ("march", 3),
        ("mar", 3),
        ("märz", 3),
        ("maerz", 3),
        ("marz", 3),
        ("mars", 3),
        ("marzo", 3),
        ("março", 3),
        ("marco", 3),
        ("april", 4),
        ("apr", 4),
        ("avril", 4),
        ("abril", 4),
        ("aprile", 4),
        ("may", 5),
        ("mai", 5),
        ("mayo", 5),
        ("maggio", 5),
        ("maio", 5),
        ("june", 6),
        ("jun", 6),
        ("juni", 6),
        ("juin", 6),
        ("junio", 6),
        ("giugno", 6),
        ("junho", 6),
        ("july", 7),
        ("jul", 7),
        ("juli", 7),
        ("juillet", 7),
        ("julio", 7),
        ("luglio", 7),
        ("julho", 7),
        ("august", 8),
        ("aug", 8),
        ("août", 8),
        ("aout", 8),
        ("agosto", 8),
        ("september", 9),
        ("sep", 9),
        ("sept", 9),
        ("septembre", 9),
        ("septiembre", 9),
        ("setiembre", 9),
        ("settembre", 9),
        ("setembro", 9),
        ("october", 10),
        ("oct", 10),
        ("oktober", 10),
        ("octobre", 10),
        ("octubre", 10),
        ("ottobre", 10),
        ("outubro", 10),
        ("okt", 10),
        ("november", 11),
        ("nov", 11),
        ("novembre", 11),
        ("noviembre", 11),
        ("novembro", 11),
        ("december", 12),
        ("dec", 12),
        ("dezember", 12),
        ("décembre", 12),
        ("decembre", 12),
        ("diciembre", 12),
        ("dicembre", 12),
        ("dezembro", 12),
        ("dez", 12),
    ];
    let name = name.strip_suffix(b".").unwrap_or(name);
    NAMES
        .iter()
        .find(|(n, _)| n.as_bytes() == name)
        .map(|&(_, m)| m)
}

/// Oldest and newest plausible birth years.
const MIN_BIRTH_YEAR: u32 = 1900;
const MAX_BIRTH_YEAR: u32 = 2030;

fn plausible_birth(year: u32, month: u32, day: u32) -> bool {
    (MIN_BIRTH_YEAR..=MAX_BIRTH_YEAR).contains(&year) && real_date(year, month, day)
}

/// A year field: 4 digits as is, 2 digits read as 19xx or 20xx (either may do).
fn years(field: &[u8]) -> Vec<u32> {
    let y = num(field);
    match field.len() {
        4 => vec![y],
        2 => vec![1900 + y, 2000 + y],
        _ => vec![],
    }
}

/// Date of birth: a real calendar date in a plausible range, in numeric (Y-M-D, D-M-Y or
/// M-D-Y with `-`, `/`, `.` or space separators, or YYYYMMDD) or month-name forms.
pub(crate) fn date_of_birth(value: &[u8]) -> bool {
    let lower: Vec<u8> = value.iter().map(u8::to_ascii_lowercase).collect();
    // Split into digit runs and word runs.
    let mut nums: Vec<Vec<u8>> = Vec::new();
    let mut words: Vec<Vec<u8>> = Vec::new();
    let mut i = 0;
    while i < lower.len() {
        let c = lower[i];
        if c.is_ascii_digit() {
            let s = i;
            while i < lower.len() && lower[i].is_ascii_digit() {
                i += 1;
            }
            nums.push(lower[s..i].iter().map(|b| b - b'0').collect());
        } else if c.is_ascii_alphabetic() || c >= 0x80 {
            let s = i;
            while i < lower.len() && (lower[i].is_ascii_alphabetic() || lower[i] >= 0x80) {
                i += 1;
            }
            words.push(lower[s..i].to_vec());
        } else {
            i += 1;
        }
    }
    // Words other than a month name and Spanish/Portuguese/French "de"/"of"/ordinals.
    let mut month_word = None;
    for w in &words {
        if let Some(m) = month_from_name(w) {
            if month_word.is_some() {
                return false;
            }
            month_word = Some(m);
        } else if !matches!(
            w.as_slice(),
            b"de" | b"of" | b"st" | b"nd" | b"rd" | b"th" | b"er" | b"del"
        ) {
            return false;
        }
    }
    match (month_word, nums.as_slice()) {
        (Some(m), [a, b]) => {
            // "12 March 1985" / "March 12, 1985".
            let (day, year) = if a.len() <= 2 { (a, b) } else { (b, a) };
            day.len() <= 2 && years(year).iter().any(|&y| plausible_birth(y, m, num(day)))
        }
        (None, [only]) if only.len() == 8 => {
            let (y, m, d) = (num(&only[0..4]), num(&only[4..6]), num(&only[6..8]));
            plausible_birth(y, m, d)
        }
        (None, [a, b, c]) => {
            if a.len() == 4 {
                // Y-M-D.
                b.len() <= 2 && c.len() <= 2 && plausible_birth(num(a), num(b), num(c))
            } else if a.len() <= 2 && b.len() <= 2 {
                // D-M-Y or M-D-Y: either reading may do.
                years(c).iter().any(|&y| {
                    plausible_birth(y, num(b), num(a)) || plausible_birth(y, num(a), num(b))
                })
            } else {
                false
            }
        }
        _ => false,
    }
}

/// The validators this file provides, by catalogue name.
pub(crate) const VALIDATORS: &[(&str, Check)] = &[
    ("uk_drivers_license", uk_drivers_license),
    ("spain_dni_nie", spain_dni_nie),
    ("sweden_personnummer", sweden_personnummer),
    ("finland_hetu", finland_hetu),
    ("india_drivers_license", india_drivers_license),
    ("germany_drivers_license", germany_drivers_license),
    ("germany_passport", germany_passport),
    ("vin", vin),
    ("date_of_birth", date_of_birth),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uk_licence() {
        assert!(uk_drivers_license(b"MORGA753116SM9IJ"));
        assert!(uk_drivers_license(b"JONES861052AB9XY"));
        assert!(uk_drivers_license(b"LI999802115AB9CD"));
        // Month 13 / day 32 / letter after padding / wrong length.
        assert!(!uk_drivers_license(b"MORGA713116SM9IJ"));
        assert!(!uk_drivers_license(b"MORGA753326SM9IJ"));
        assert!(!uk_drivers_license(b"LI9A9802115AB9CD"));
        assert!(!uk_drivers_license(b"MORGA753116SM9I"));
        assert!(!uk_drivers_license(b""));
    }

    #[test]
    fn spain_dni() {
        assert!(spain_dni_nie(b"12345678Z"));
        assert!(spain_dni_nie(b"X1234567L"));
        assert!(!spain_dni_nie(b"12345678A"));
        assert!(!spain_dni_nie(b"1234567Z"));
    }

    #[test]
    fn sweden() {
        assert!(sweden_personnummer(b"811228-9874"));
        assert!(sweden_personnummer(b"19811228-9874"));
        assert!(!sweden_personnummer(b"811228-9875"));
        assert!(!sweden_personnummer(b"811328-9874"));
        assert!(!sweden_personnummer(b"81122898"));
    }

    #[test]
    fn finland() {
        assert!(finland_hetu(b"131052-308T"));
        assert!(finland_hetu(b"010594Y9032"));
        assert!(!finland_hetu(b"131052-308U"));
        assert!(!finland_hetu(b"311152-308T"));
        assert!(!finland_hetu(b"131052-308"));
    }

    #[test]
    fn india() {
        assert!(india_drivers_license(b"MH14 20110062821"));
        assert!(india_drivers_license(b"DL-0420110149646"));
        assert!(!india_drivers_license(b"QQ14 20110062821"));
        assert!(!india_drivers_license(b"MH14 18110062821"));
        assert!(!india_drivers_license(b"MH14 2011006282"));
    }

    #[test]
    fn german_licence() {
        assert!(germany_drivers_license(b"B072RRE2I55"));
        assert!(!germany_drivers_license(b"20110062821"));
        assert!(!germany_drivers_license(b"B072RRE2I5"));
    }

    #[test]
    fn german_passport() {
        assert!(germany_passport(b"C01X00T47"));
        assert!(germany_passport(b"C01X00T478"));
        assert!(!germany_passport(b"C01X00T477"));
        assert!(!germany_passport(b"C01X00T4"));
        assert!(!germany_passport(b"123456789"));
    }

    #[test]
    fn vin_check() {
        assert!(vin(b"1M8GDM9AXKP042788"));
        assert!(!vin(b"11111111111111111"));
        assert!(!vin(b"1M8GDM9A1KP042788"));
        assert!(vin(b"WVWZZZ1JZXW000001"));
        assert!(!vin(b"1M8GDM9AXKP04278"));
        assert!(!vin(b"1M8GDM9AXKP04278O"));
    }

    #[test]
    fn dob() {
        assert!(date_of_birth(b"1985-03-12"));
        assert!(date_of_birth(b"12/03/1985"));
        assert!(date_of_birth(b"03/31/1985"));
        assert!(date_of_birth(b"29.02.1988"));
        assert!(date_of_birth(b"19850312"));
        assert!(date_of_birth(b"12 March 1985"));
        assert!(date_of_birth(b"March 12, 1985"));
        assert!(date_of_birth(b"15 de marzo de 1985"));
        assert!(date_of_birth("12 f\u{e9}vrier 1985".as_bytes()));
        assert!(date_of_birth(b"12-Mar-85"));
        assert!(!date_of_birth(b"29.02.1989"));
        assert!(!date_of_birth(b"31/31/1985"));
        assert!(!date_of_birth(b"1850-03-12"));
        assert!(!date_of_birth(b"12 Foo 1985"));
        assert!(!date_of_birth(b"1985-13-01"));
        assert!(!date_of_birth(b""));
    }
}
