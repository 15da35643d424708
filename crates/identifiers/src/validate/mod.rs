//! Check-digit and structure validators: pure functions over the matched bytes.
//!
//! Each validator is named in the catalogue (`validator = "luhn"`), so the data files stay
//! declarative. Validators live in one file per area; each file exports a `VALIDATORS` table
//! of `(name, function)`, and [`Validator::from_name`] searches them all.

mod contact;
mod core;
mod crypto;
mod documents;
mod financial;
mod health;
mod markets;
mod national;
mod secrets;

pub use self::core::{card_issuer, digits, luhn};

/// A validator function: whether the matched bytes are a real item.
pub type Check = fn(&[u8]) -> bool;

/// Why a detailed validator rejected a value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Failure {
    /// Not the item's structure (length, character classes, unknown prefix).
    Structure,
    /// The right structure, but the item's own check digits fail (an IBAN's mod-97).
    CheckDigits,
    /// The item's check digits pass, but national check digits inside it fail (a BBAN's key).
    NationalCheck,
    /// The item's shape, carrying no secret (a URL's user info without a literal password; an
    /// assigned value that is a reference such as an ARN, a URL or path, a CSS selector).
    NoSecret,
    /// The item's shape, but a date inside it is impossible (month 13, day 32, 30 February).
    Date,
    /// The item's shape and check digits, but a dummy value: one digit repeated.
    Dummy,
}

/// A validator that says why it rejects a value.
pub type Verdict = fn(&[u8]) -> Result<(), Failure>;

/// Validators that say why they reject (names share the namespace of [`TABLES`]).
const DETAILED: &[&[(&str, Verdict)]] =
    &[financial::DETAILED, secrets::DETAILED, national::DETAILED];

#[derive(Clone, Copy)]
enum Kind {
    Plain(Check),
    /// An identity number's check: a value whose digits are all its characters and that
    /// repeats one digit before its check digit (`1111111112`) is a dummy, whatever the check.
    Id(Check),
    Detailed(Verdict),
}

/// Every area's table but the identity numbers'.
const TABLES: &[&[(&str, Check)]] = &[
    core::VALIDATORS,
    financial::VALIDATORS,
    markets::VALIDATORS,
    crypto::VALIDATORS,
    documents::VALIDATORS,
    contact::VALIDATORS,
    secrets::VALIDATORS,
];

/// Identity, taxpayer and health numbers ([`Kind::Id`]: repeated-digit dummies refused).
const ID_TABLES: &[&[(&str, Check)]] = &[health::VALIDATORS, national::VALIDATORS];

/// Whether validator `name` is an identity, tax or health number's (repeated-digit dummies
/// refused).
#[cfg(test)]
pub(crate) fn is_id_validator(name: &str) -> bool {
    ID_TABLES
        .iter()
        .flat_map(|t| t.iter())
        .any(|(n, _)| *n == name)
}

/// A dummy identity number: at least six characters, all digits, the digits before the last
/// (the check digit) all one digit (`1111111112`, `000000000`). Every identity number's
/// validator asks this first (hundreds of thousands of times over a log), so it reads the
/// value in place: collecting its digits first, even on the stack with [`digits`], cost 0.4%
/// more instructions over the tree with the default set.
pub(crate) fn is_dummy(value: &[u8]) -> bool {
    if value.iter().any(u8::is_ascii_alphabetic) {
        return false;
    }
    let mut digits = value.iter().filter(|b| b.is_ascii_digit());
    let Some(first) = digits.next() else {
        return false;
    };
    // The digits after the first: all but the last must equal the first.
    let mut count = 1;
    let mut last = *first;
    let mut same_before_last = true;
    for &d in digits {
        same_before_last &= last == *first;
        last = d;
        count += 1;
    }
    count >= 6 && same_before_last
}

/// A named validator.
#[derive(Clone, Copy)]
pub struct Validator {
    name: &'static str,
    kind: Kind,
}

impl std::fmt::Debug for Validator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Validator({})", self.name)
    }
}

impl PartialEq for Validator {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
    }
}

impl Eq for Validator {}

impl Validator {
    /// Looks a validator up by its catalogue name.
    pub fn from_name(name: &str) -> Option<Validator> {
        let find = |tables: &[&[(&'static str, Check)]], kind: fn(Check) -> Kind| {
            tables
                .iter()
                .flat_map(|t| t.iter())
                .find(|(n, _)| *n == name)
                .map(|&(name, check)| Validator {
                    name,
                    kind: kind(check),
                })
        };
        let plain = find(TABLES, Kind::Plain).or_else(|| find(ID_TABLES, Kind::Id));
        plain.or_else(|| {
            DETAILED
                .iter()
                .flat_map(|t| t.iter())
                .find(|(n, _)| *n == name)
                .map(|&(name, verdict)| Validator {
                    name,
                    kind: Kind::Detailed(verdict),
                })
        })
    }

    /// The catalogue name.
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// Whether `value` (the matched bytes) passes.
    pub fn check(&self, value: &[u8]) -> bool {
        self.verdict(value).is_ok()
    }

    /// Whether `value` passes, and if not, why.
    pub fn verdict(&self, value: &[u8]) -> Result<(), Failure> {
        match self.kind {
            Kind::Plain(check) => {
                if check(value) {
                    Ok(())
                } else {
                    Err(Failure::Structure)
                }
            }
            Kind::Id(check) => {
                if is_dummy(value) {
                    Err(Failure::Dummy)
                } else if check(value) {
                    Ok(())
                } else {
                    Err(Failure::Structure)
                }
            }
            Kind::Detailed(verdict) => verdict(value),
        }
    }

    /// Every validator name, for listings and tests.
    pub fn names() -> impl Iterator<Item = &'static str> {
        TABLES
            .iter()
            .chain(ID_TABLES)
            .flat_map(|t| t.iter())
            .map(|(n, _)| *n)
            .chain(DETAILED.iter().flat_map(|t| t.iter()).map(|(n, _)| *n))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The rule as written: the digits collected, all but the last compared.
    fn is_dummy_reference(value: &[u8]) -> bool {
        if value.iter().any(u8::is_ascii_alphabetic) {
            return false;
        }
        let d: Vec<u8> = value.iter().copied().filter(u8::is_ascii_digit).collect();
        d.len() >= 6 && d[..d.len() - 1].windows(2).all(|w| w[0] == w[1])
    }

    #[test]
    fn dummy_values() {
        for v in [
            "1111111112",
            "000000000",
            "111-111-111",
            "22 22 22 9",
            "777777",
        ] {
            assert!(is_dummy(v.as_bytes()), "{v}");
        }
        for v in [
            "11111", "1111121", "2111111", "12345678", "1111111A", "", "------",
        ] {
            assert!(!is_dummy(v.as_bytes()), "{v}");
        }
    }

    proptest! {
        #[test]
        fn dummy_equals_the_reference(v in "[0-9 .A-]{0,14}") {
            prop_assert_eq!(is_dummy(v.as_bytes()), is_dummy_reference(v.as_bytes()));
        }

        #[test]
        fn dummy_equals_the_reference_on_repeats(d in "[0-9]", n in 0usize..12, tail in "[0-9 -]{0,3}") {
            let v = format!("{}{}", d.repeat(n), tail);
            prop_assert_eq!(is_dummy(v.as_bytes()), is_dummy_reference(v.as_bytes()));
        }
    }

    #[test]
    fn names_are_unique_and_found() {
        let mut names: Vec<_> = Validator::names().collect();
        let n = names.len();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), n, "duplicate validator names");
        for name in names {
            assert_eq!(Validator::from_name(name).unwrap().name(), name);
        }
        assert!(Validator::from_name("no_such").is_none());
    }
}
