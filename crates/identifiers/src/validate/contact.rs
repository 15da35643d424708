//! Validators: contact data (phone numbers, coordinates, names).

use super::core::digits;
use super::Check;

/// The national significant number: the digits without a `+CC` country code or a national
/// trunk `0` (also the `(0)` written after a country code).
fn national_number(value: &[u8], country_code: &[u8]) -> Vec<u8> {
    let d = digits(value);
    let trimmed = value
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(0);
    let mut rest: &[u8] = &d;
    if value.get(trimmed) == Some(&b'+') && d.len() >= country_code.len() {
        rest = &rest[country_code.len()..];
    }
    if let Some(r) = rest.strip_prefix(&[0u8][..]) {
        rest = r;
    }
    rest.to_vec()
}

/// German phone number: 7 to 11 digits after the trunk 0 / country code 49.
pub(crate) fn germany_phone(value: &[u8]) -> bool {
    let n = national_number(value, &[4, 9]);
    (7..=11).contains(&n.len()) && n.first().is_some_and(|&x| x != 0)
}

/// Italian phone number: landlines keep their 0 (6 to 11 digits), mobiles start with 3
/// (9 or 10 digits).
pub(crate) fn italy_phone(value: &[u8]) -> bool {
    if north_american_layout(value.trim_ascii()) {
        return false;
    }
    let d = digits(value);
    let trimmed = value
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(0);
    let n: &[u8] = if value.get(trimmed) == Some(&b'+') && d.len() > 2 {
        &d[2..]
    } else {
        &d
    };
    match n.first() {
        Some(0) => (6..=11).contains(&n.len()),
        Some(3) => (9..=10).contains(&n.len()),
        _ => false,
    }
}

/// `NXX-NXX-XXXX`: the North American layout (3, 3 and 4 digits joined by dashes). An Italian
/// mobile number has the same digits (3 then 9) but is written in groups with spaces, run
/// together, or after +39; written this way it is a North American number, never Italian.
fn north_american_layout(value: &[u8]) -> bool {
    let groups: Vec<&[u8]> = value.split(|&b| b == b'-').collect();
    groups.len() == 3
        && groups.iter().map(|g| g.len()).eq([3, 3, 4])
        && groups.iter().all(|g| g.iter().all(u8::is_ascii_digit))
}

/// Brazilian phone number: a valid two-digit area code (DDD) and 8 digits (landline) or
/// 9 digits starting with 9 (mobile).
pub(crate) fn brazil_phone(value: &[u8]) -> bool {
    const DDD: &[u8] = &[
        11, 12, 13, 14, 15, 16, 17, 18, 19, 21, 22, 24, 27, 28, 31, 32, 33, 34, 35, 37, 38, 41, 42,
        43, 44, 45, 46, 47, 48, 49, 51, 53, 54, 55, 61, 62, 63, 64, 65, 66, 67, 68, 69, 71, 73, 74,
        75, 77, 79, 81, 82, 83, 84, 85, 86, 87, 88, 89, 91, 92, 93, 94, 95, 96, 97, 98, 99,
    ];
    let n = national_number(value, &[5, 5]);
    if n.len() < 10 {
        return false;
    }
    let ddd = n[0] * 10 + n[1];
    let subscriber = &n[2..];
    DDD.contains(&ddd)
        && match subscriber.len() {
            8 => (2..=5).contains(&subscriber[0]),
            9 => subscriber[0] == 9,
            _ => false,
        }
}

/// One signed decimal degree value with an optional hemisphere letter.
fn parse_degree(s: &[u8]) -> Option<f64> {
    let mut sign = 1.0;
    let mut body = Vec::new();
    for &c in s {
        match c {
            b'-' => sign = -sign,
            b'+' => {}
            b'0'..=b'9' | b'.' => body.push(c),
            b'S' | b's' | b'W' | b'w' => sign = -sign,
            _ => {}
        }
    }
    let text = std::str::from_utf8(&body).ok()?;
    text.parse::<f64>().ok().map(|v| v * sign)
}

/// Latitude/longitude pair in decimal degrees: latitude within +-90, longitude within +-180,
/// not the null island (0, 0).
pub(crate) fn lat_long(value: &[u8]) -> bool {
    // Split at the separator between the two numbers: the first `,`, `;`, `/` or a space
    // that follows a digit, degree sign or hemisphere letter and precedes a sign or digit.
    let mut split = None;
    for i in 1..value.len() {
        let c = value[i];
        if matches!(c, b',' | b';' | b'/') {
            split = Some(i);
            break;
        }
        if c == b' ' {
            let next = value.get(i + 1).copied().unwrap_or(b' ');
            if next.is_ascii_digit() || next == b'-' || next == b'+' {
                split = Some(i);
                break;
            }
        }
    }
    let Some(i) = split else {
        return false;
    };
    let (Some(lat), Some(lon)) = (parse_degree(&value[..i]), parse_degree(&value[i + 1..])) else {
        return false;
    };
    lat.abs() <= 90.0 && lon.abs() <= 180.0 && !(lat == 0.0 && lon == 0.0)
}

/// A personal name (capitalised words after a name keyword): no word from a list of words
/// that start non-name phrases (places, organisations, dates, form labels).
pub(crate) fn name_words(value: &[u8]) -> bool {
    const STOP: &[&[u8]] = &[
        b"the",
        b"and",
        b"street",
        b"road",
        b"avenue",
        b"inc",
        b"ltd",
        b"llc",
        b"gmbh",
        b"corp",
        b"company",
        b"bank",
        b"university",
        b"hospital",
        b"department",
        b"date",
        b"birth",
        b"number",
        b"phone",
        b"email",
        b"address",
        b"city",
        b"country",
        b"id",
        b"type",
        b"file",
        b"user",
        b"account",
        b"product",
        b"project",
        b"server",
        b"table",
        b"field",
        b"value",
        b"monday",
        b"tuesday",
        b"wednesday",
        b"thursday",
        b"friday",
        b"saturday",
        b"sunday",
        b"january",
        b"february",
        b"march",
        b"april",
        b"june",
        b"july",
        b"august",
        b"september",
        b"october",
        b"november",
        b"december",
        b"unknown",
        b"none",
        b"null",
        b"test",
        b"example",
    ];
    let mut words = 0;
    for w in value.split(|&b| b == b' ') {
        if w.is_empty() {
            continue;
        }
        let lower = w.to_ascii_lowercase();
        if STOP.contains(&lower.as_slice()) {
            return false;
        }
        if w.first().is_some_and(u8::is_ascii_uppercase) {
            words += 1;
        }
    }
    words >= 2
}

/// The validators this file provides, by catalogue name.
pub(crate) const VALIDATORS: &[(&str, Check)] = &[
    ("germany_phone", germany_phone),
    ("italy_phone", italy_phone),
    ("brazil_phone", brazil_phone),
    ("lat_long", lat_long),
    ("name_words", name_words),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn german_phone() {
        assert!(germany_phone(b"030 12345678"));
        assert!(germany_phone(b"+49 30 12345678"));
        assert!(germany_phone(b"+49 (0)151 23456789"));
        assert!(!germany_phone(b"030 12"));
        assert!(!germany_phone(b"+49 30 123456789012"));
        assert!(!germany_phone(b""));
    }

    #[test]
    fn italian_phone() {
        assert!(italy_phone(b"06 12345678"));
        assert!(italy_phone(b"347 123 4567"));
        assert!(italy_phone(b"+39 347 123 4567"));
        assert!(!italy_phone(b"06 123"));
        assert!(!italy_phone(b"547 123 4567"));
    }

    #[test]
    fn brazilian_phone() {
        assert!(brazil_phone(b"(11) 91234-5678"));
        assert!(brazil_phone(b"(21) 3456-7890"));
        assert!(brazil_phone(b"+55 11 91234-5678"));
        // Area code 20 does not exist; a 9-digit landline must start with 9.
        assert!(!brazil_phone(b"(20) 91234-5678"));
        assert!(!brazil_phone(b"(11) 81234-5678"));
        assert!(!brazil_phone(b"(11) 1234"));
    }

    #[test]
    fn coordinates() {
        assert!(lat_long(b"51.50735, -0.12776"));
        assert!(lat_long(b"-33.86785 151.20732"));
        assert!(lat_long("48.8584\u{b0} N, 2.2945\u{b0} E".as_bytes()));
        assert!(!lat_long(b"91.00000, 10.00000"));
        assert!(!lat_long(b"45.00000, 181.00000"));
        assert!(!lat_long(b"0.000, 0.000"));
        assert!(!lat_long(b"51.50735"));
    }

    #[test]
    fn names() {
        assert!(name_words(b"John Smith"));
        assert!(name_words(b"Maria de la Cruz"));
        assert!(!name_words(b"Main Street"));
        assert!(!name_words(b"John"));
    }
}
