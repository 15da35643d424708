//! Identifier definitions: what an identifier is, as data.

use crate::mask::MaskStyle;
use crate::validate::Validator;

/// The category an identifier reports under (the contract's `category`); serialised as
/// [`Category::as_str`] spells it.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "UPPERCASE")]
#[non_exhaustive]
pub enum Category {
    /// Secrets and keys.
    Credentials,
    /// Cards, bank accounts.
    Financial,
    /// Personal information, health included.
    Personal,
    /// A user-defined identifier.
    Custom,
}

impl Category {
    /// The contract spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Credentials => "CREDENTIALS",
            Category::Financial => "FINANCIAL",
            Category::Personal => "PERSONAL",
            Category::Custom => "CUSTOM",
        }
    }

    /// Parses the contract spelling.
    pub fn parse(s: &str) -> Option<Category> {
        Some(match s {
            "CREDENTIALS" => Category::Credentials,
            "FINANCIAL" => Category::Financial,
            "PERSONAL" => Category::Personal,
            "CUSTOM" => Category::Custom,
            _ => return None,
        })
    }
}

/// A severity level, ranked by its `Ord` (`Low < Medium < High`); serialised as
/// [`Severity::as_str`] spells it.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "UPPERCASE")]
pub enum Severity {
    /// Low.
    Low,
    /// Medium.
    Medium,
    /// High.
    High,
}

impl Severity {
    /// The contract spelling (`LOW`, `MEDIUM`, `HIGH`).
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Low => "LOW",
            Severity::Medium => "MEDIUM",
            Severity::High => "HIGH",
        }
    }

    /// Parses `LOW`, `MEDIUM` or `HIGH` (any case).
    pub fn parse(s: &str) -> Option<Severity> {
        Some(match s.to_ascii_uppercase().as_str() {
            "LOW" => Severity::Low,
            "MEDIUM" => Severity::Medium,
            "HIGH" => Severity::High,
            _ => return None,
        })
    }

    /// Macie's score: 1, 2, 3.
    pub fn score(self) -> u8 {
        match self {
            Severity::Low => 1,
            Severity::Medium => 2,
            Severity::High => 3,
        }
    }
}

/// Severity by how many occurrences of a type an object holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SeverityRule {
    /// Macie's managed tiers: 1 | 2-99 | 100+.
    Tiers([Severity; 3]),
    /// A custom identifier's levels: ascending `(occurrences_threshold, severity)`; fewer
    /// occurrences than the lowest threshold give no detection.
    Thresholds(Vec<(u64, Severity)>),
}

impl SeverityRule {
    /// The severity for `count` occurrences, or None when the count is below every threshold.
    pub fn for_count(&self, count: u64) -> Option<Severity> {
        match self {
            SeverityRule::Tiers(t) => Some(match count {
                0 | 1 => t[0],
                2..=99 => t[1],
                _ => t[2],
            }),
            SeverityRule::Thresholds(levels) => levels
                .iter()
                .rev()
                .find(|(threshold, _)| count >= *threshold)
                .map(|(_, s)| *s),
        }
    }
}

/// How keywords decide whether a match is reported.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum KeywordRule {
    /// Keywords play no part.
    None,
    /// A match is reported only with a keyword nearby (text within `max_distance`, or the
    /// structural context: column name, JSON path).
    Required,
    /// With a keyword nearby the match is reported under this identifier; without one, under
    /// the named twin (Macie's `CREDIT_CARD_NUMBER` / `CREDIT_CARD_NUMBER_(NO_KEYWORD)`).
    Twin(String),
    /// A match is reported only with no keyword nearby (the stricter no-keyword form of an
    /// identifier whose keyword form is another entry, such as phone numbers without a
    /// keyword that must carry a country code).
    Absent,
}

/// The characters a match may not be glued to: a match never starts or ends inside a longer
/// run of the characters its pattern is made of.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum TokenClass {
    /// No boundary check.
    None,
    /// ASCII digits.
    Digits,
    /// ASCII letters and digits.
    Alnum,
    /// ASCII letters, digits, `+` and `/`.
    Base64,
    /// ASCII letters, digits and `_`.
    Word,
}

impl TokenClass {
    /// Whether byte `b` belongs to the class.
    pub fn contains(self, b: u8) -> bool {
        match self {
            TokenClass::None => false,
            TokenClass::Digits => b.is_ascii_digit(),
            TokenClass::Alnum => b.is_ascii_alphanumeric(),
            TokenClass::Base64 => b.is_ascii_alphanumeric() || b == b'+' || b == b'/',
            TokenClass::Word => b.is_ascii_alphanumeric() || b == b'_',
        }
    }

    /// Parses the catalogue name.
    pub fn parse(s: &str) -> Option<TokenClass> {
        Some(match s {
            "none" => TokenClass::None,
            "digits" => TokenClass::Digits,
            "alnum" => TokenClass::Alnum,
            "base64" => TokenClass::Base64,
            "word" => TokenClass::Word,
            _ => return None,
        })
    }
}

/// How a regex match is extended after it is found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Extend {
    /// The match is the regex match.
    None,
    /// The regex finds a `-----BEGIN X-----` line; the match runs to the matching
    /// `-----END X-----` line, at most [`crate::MAX_MATCH_LEN`] bytes on.
    PemBlock,
}

/// One identifier: a managed one from the catalogue or a custom one.
#[derive(Clone, Debug)]
pub struct Identifier {
    /// The id reported in `detections[].type`.
    pub id: String,
    /// The category.
    pub category: Category,
    /// What it finds.
    pub description: String,
    /// The regex (None for a twin, which is reported by the identifier it is the twin of).
    pub regex: Option<String>,
    /// For a twin: the identifier whose matches it reports when no keyword is nearby.
    pub twin_of: Option<String>,
    /// A detector-only entry: its matches are reported under this identifier.
    pub reports_as: Option<String>,
    /// A detector-only entry whose matches are reported under the identifier named for the
    /// longest route key the matched text starts with (`DE` -> `GERMANY_BANK_ACCOUNT_NUMBER`);
    /// a match that starts with no key is dropped.
    pub routes: Vec<(String, String)>,
    /// Identifiers this entry's candidates overshadow: a candidate of the right shape (the
    /// regex matched at a token boundary and the validator did not reject its structure;
    /// a failed check digit still counts, and so does a no-keyword form's candidate with a
    /// keyword near: a phone number's `+CC` form) claims its span, and matches of these ids and of the
    /// entry's route targets that overlap it are dropped, its own match excepted. The IBAN
    /// entry uses it so that a domestic pattern never reports the digits inside an IBAN.
    pub shadows: Vec<String>,
    /// Validator applied to each candidate.
    pub validator: Option<Validator>,
    /// Keywords, lowercase.
    pub keywords: Vec<String>,
    /// How keywords gate matches.
    pub keyword_rule: KeywordRule,
    /// Keyword proximity in bytes (30 for managed identifiers).
    pub max_distance: usize,
    /// Custom-identifier proximity: a keyword must end before the match starts, and
    /// `max_distance` runs from the keyword's end to the match's end.
    pub keyword_before: bool,
    /// Case-sensitive words: a match containing one is dropped (custom identifiers).
    pub ignore_words: Vec<String>,
    /// Severity by count.
    pub severity: SeverityRule,
    /// Values never reported (published examples), compared with spaces, hyphens and dots removed.
    pub ignore: Vec<String>,
    /// Literals that every match contains, as written (ASCII case-insensitive when the regex
    /// has a `(?i` group); they drive the prefilter.
    pub anchors: Vec<String>,
    /// Boundary class.
    pub token: TokenClass,
    /// Extension of the regex match.
    pub extend: Extend,
    /// Masking style.
    pub mask: MaskStyle,
    /// In Macie's RECOMMENDED set (or our credential additions to it).
    pub recommended: bool,
    /// Texts that each give exactly one detection of this id.
    pub examples: Vec<String>,
    /// Texts that give no detection of this id.
    pub negative_examples: Vec<String>,
}

impl Identifier {
    /// Whether this entry only detects, reporting under other ids (`reports_as`, `routes`).
    /// Such entries are not listed and cannot be selected by their own id.
    pub fn is_detector_only(&self) -> bool {
        self.reports_as.is_some() || !self.routes.is_empty()
    }

    /// The ids this entry's examples are expected to produce.
    pub fn reported_ids(&self) -> Vec<&str> {
        if let Some(r) = &self.reports_as {
            vec![r.as_str()]
        } else if !self.routes.is_empty() {
            self.routes.iter().map(|(_, id)| id.as_str()).collect()
        } else {
            vec![self.id.as_str()]
        }
    }
}
