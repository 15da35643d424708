//! The managed catalogue (embedded TOML data, one file per area) and identifier selection.
//!
//! Each `[[identifier]]` entry has these fields (defaults in brackets):
//!
//! - `id`: Macie's id verbatim where Macie has one, else one in the same style. Unique.
//! - `category`: `CREDENTIALS`, `FINANCIAL`, `PERSONAL` (health included) or `CUSTOM`.
//! - `description`.
//! - `regex`: the pattern (regex-automata syntax, bytes, Unicode off: `\d` is ASCII, `(?i)` is
//!   ASCII case folding). It must not match the empty string. Keep its length bounded (no `*`
//!   or `+`; use `{0,40}`) so the engine can search only windows around anchors and keywords.
//! - `twin_of`: instead of `regex`, for an id that another entry reports (card NO_KEYWORD twin).
//! - `reports_as`: this entry only detects; matches are reported under that listed id (a second
//!   form of an identifier, e.g. a BBAN form of a country's bank account number).
//! - `routes`: `{ DE = "GERMANY_BANK_ACCOUNT_NUMBER", ... }`: this entry only detects; each match
//!   is reported under the id of the longest key its text starts with, ASCII case aside
//!   (dropped if none).
//! - `shadows`: ids whose matches overlapping a well-shaped candidate of this entry are dropped
//!   (with the entry's route targets): the IBAN entry keeps domestic patterns out of IBANs.
//! - `validator`: a name from `validate/` (checksums, structure).
//! - `keywords`: lowercase words; a keyword with spaces also matches with none, `_` or `-`.
//! - `keyword`: `none` [default], `required` (a keyword within `max_distance` bytes on either
//!   side, or in the column name / JSON path), `absent` (reported only with no keyword near: the
//!   stricter no-keyword form), `twin` (with keyword: this id; without: the id in `twin`).
//! - `max_distance` [30].
//! - `severity`: three tiers for 1 | 2-99 | 100+ occurrences [`["HIGH","HIGH","HIGH"]`].
//! - `ignore`: published example values never reported (compared with spaces, hyphens and
//!   dots removed).
//! - `anchors`: literals that every match contains, exactly as written (ASCII case-insensitive
//!   when the regex has a `(?i` group); the prefilter searches for them. Use only distinctive ones (`AKIA`, `-----BEGIN`, `ghp_`); an identifier without
//!   anchors and without a required keyword is searched over the whole text.
//! - `token`: `none` [default], `digits`, `alnum`, `base64`, `word`: a match may not start or end
//!   inside a longer run of these characters.
//! - `extend`: `none` [default] or `pem_block`.
//! - `mask`: `keep:START:END` [`keep:4:4`] or `block_header`.
//! - `recommended`: in the RECOMMENDED selection [false].
//! - `examples`, `negative_examples`: texts that give exactly one / no detection of the id(s)
//!   this entry reports; at least two of each.

use std::collections::BTreeSet;

use serde::Deserialize;

use crate::error::{Error, ErrorKind};
use crate::groups::Group;
use crate::identifier::{
    Category, Extend, Identifier, KeywordRule, Severity, SeverityRule, TokenClass,
};
use crate::mask::MaskStyle;
use crate::validate::Validator;

/// Reads one catalogue file (its name, its text) into identifiers.
type ParseFile = dyn Fn(&str, &str) -> Result<Vec<Identifier>, Error>;

/// The catalogue files as written, with their examples (for the tests).
const BUILTIN: &[(&str, &str)] = &[
    ("credentials", include_str!("builtin/credentials.toml")),
    ("secrets", include_str!("builtin/secrets.toml")),
    ("secrets_a_l", include_str!("builtin/secrets_a_l.toml")),
    ("secrets_m_z", include_str!("builtin/secrets_m_z.toml")),
    ("financial", include_str!("builtin/financial.toml")),
    ("health", include_str!("builtin/health.toml")),
    ("personal", include_str!("builtin/personal.toml")),
    ("personal_ids", include_str!("builtin/personal_ids.toml")),
    ("national_ids", include_str!("builtin/national_ids.toml")),
    ("vat", include_str!("builtin/vat.toml")),
    ("personal_docs", include_str!("builtin/personal_docs.toml")),
    (
        "personal_contact",
        include_str!("builtin/personal_contact.toml"),
    ),
];

/// The same files as compact JSON without examples, made by build.rs: what start-up reads.
macro_rules! compact {
    ($name:literal) => {
        (
            $name,
            include_str!(concat!(env!("OUT_DIR"), "/", $name, ".json")),
        )
    };
}
const BUILTIN_COMPACT: &[(&str, &str)] = &[
    compact!("credentials"),
    compact!("secrets"),
    compact!("secrets_a_l"),
    compact!("secrets_m_z"),
    compact!("financial"),
    compact!("health"),
    compact!("personal"),
    compact!("personal_ids"),
    compact!("national_ids"),
    compact!("vat"),
    compact!("personal_docs"),
    compact!("personal_contact"),
];

/// A set of identifier definitions.
#[derive(Clone, Debug)]
pub struct Catalog {
    identifiers: Vec<Identifier>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DefFile {
    #[serde(default)]
    identifier: Vec<Def>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Def {
    id: String,
    category: String,
    description: String,
    regex: Option<String>,
    twin_of: Option<String>,
    reports_as: Option<String>,
    #[serde(default)]
    routes: std::collections::BTreeMap<String, String>,
    #[serde(default)]
    shadows: Vec<String>,
    validator: Option<String>,
    #[serde(default)]
    keywords: Vec<String>,
    #[serde(default = "default_keyword_rule")]
    keyword: String,
    twin: Option<String>,
    #[serde(default = "default_distance")]
    max_distance: usize,
    #[serde(default = "default_severity")]
    severity: Vec<String>,
    #[serde(default)]
    ignore: Vec<String>,
    #[serde(default)]
    anchors: Vec<String>,
    #[serde(default = "default_token")]
    token: String,
    #[serde(default = "default_extend")]
    extend: String,
    #[serde(default = "default_mask")]
    mask: String,
    #[serde(default)]
    recommended: bool,
    #[serde(default)]
    examples: Vec<String>,
    #[serde(default)]
    negative_examples: Vec<String>,
}

fn default_keyword_rule() -> String {
    "none".into()
}
fn default_distance() -> usize {
    30
}
fn default_severity() -> Vec<String> {
    vec!["HIGH".into(), "HIGH".into(), "HIGH".into()]
}
fn default_token() -> String {
    "none".into()
}
fn default_extend() -> String {
    "none".into()
}
fn default_mask() -> String {
    "keep:4:4".into()
}

fn invalid(id: &str, message: impl Into<String>) -> Error {
    Error::new(ErrorKind::Invalid {
        id: id.to_string(),
        message: message.into(),
    })
}

impl Def {
    fn into_identifier(self) -> Result<Identifier, Error> {
        let id = self.id;
        let category = Category::parse(&self.category)
            .ok_or_else(|| invalid(&id, format!("unknown category {}", self.category)))?;
        let validator = match &self.validator {
            None => None,
            Some(v) => Some(
                Validator::from_name(v)
                    .ok_or_else(|| invalid(&id, format!("unknown validator {v}")))?,
            ),
        };
        let keyword_rule = match self.keyword.as_str() {
            "none" => KeywordRule::None,
            "required" => KeywordRule::Required,
            "absent" => KeywordRule::Absent,
            "twin" => KeywordRule::Twin(
                self.twin
                    .clone()
                    .ok_or_else(|| invalid(&id, "keyword = \"twin\" needs twin = ID"))?,
            ),
            other => return Err(invalid(&id, format!("unknown keyword rule {other}"))),
        };
        if keyword_rule != KeywordRule::None && self.keywords.is_empty() {
            return Err(invalid(&id, "a keyword rule needs keywords"));
        }
        if self.regex.is_none() == self.twin_of.is_none() {
            return Err(invalid(&id, "exactly one of regex and twin_of must be set"));
        }
        if self.reports_as.is_some() && !self.routes.is_empty() {
            return Err(invalid(&id, "reports_as and routes exclude each other"));
        }
        if self.severity.len() != 3 {
            return Err(invalid(&id, "severity needs three tiers (1, 2-99, 100+)"));
        }
        let mut tiers = [Severity::High; 3];
        for (t, s) in tiers.iter_mut().zip(&self.severity) {
            *t = Severity::parse(s).ok_or_else(|| invalid(&id, format!("bad severity {s}")))?;
        }
        let token = TokenClass::parse(&self.token)
            .ok_or_else(|| invalid(&id, format!("unknown token class {}", self.token)))?;
        let extend = match self.extend.as_str() {
            "none" => Extend::None,
            "pem_block" => Extend::PemBlock,
            other => return Err(invalid(&id, format!("unknown extend {other}"))),
        };
        let mask = MaskStyle::parse(&self.mask)
            .ok_or_else(|| invalid(&id, format!("unknown mask {}", self.mask)))?;
        Ok(Identifier {
            id,
            category,
            description: self.description,
            regex: self.regex,
            twin_of: self.twin_of,
            reports_as: self.reports_as,
            routes: self.routes.into_iter().collect(),
            shadows: self.shadows,
            validator,
            keywords: self.keywords.iter().map(|k| k.to_lowercase()).collect(),
            keyword_rule,
            max_distance: self.max_distance,
            keyword_before: false,
            ignore_words: Vec::new(),
            severity: SeverityRule::Tiers(tiers),
            ignore: self.ignore,
            anchors: self.anchors,
            token,
            extend,
            mask,
            recommended: self.recommended,
            examples: self.examples,
            negative_examples: self.negative_examples,
        })
    }
}

impl Catalog {
    /// The managed identifiers embedded in the binary (without their examples: see
    /// [`Catalog::builtin_with_examples`]).
    pub fn builtin() -> Catalog {
        Catalog::embedded(BUILTIN_COMPACT, &|name, text| {
            identifiers_of(name, serde_json::from_str(text))
        })
    }

    /// The managed identifiers with the examples and negative examples each carries, read
    /// from the catalogue's TOML (slower than [`Catalog::builtin`]; for tests and docs).
    pub fn builtin_with_examples() -> Catalog {
        Catalog::embedded(BUILTIN, &parse_defs)
    }

    fn embedded(files: &[(&str, &str)], parse: &ParseFile) -> Catalog {
        // The embedded data is checked by this crate's tests; a failure here is a build defect.
        let mut identifiers = Vec::new();
        for (name, text) in files {
            match parse(name, text) {
                Ok(mut ids) => identifiers.append(&mut ids),
                Err(e) => panic!("builtin catalogue {name} is invalid: {e}"),
            }
        }
        let catalog = Catalog { identifiers };
        if let Err(e) = catalog.check() {
            panic!("builtin catalogue is inconsistent: {e}");
        }
        catalog
    }

    /// Parses identifier definitions in the catalogue's TOML form.
    pub fn from_toml(source: &str, text: &str) -> Result<Catalog, Error> {
        Ok(Catalog {
            identifiers: parse_defs(source, text)?,
        })
    }

    /// All entries, detector-only ones included.
    pub fn identifiers(&self) -> &[Identifier] {
        &self.identifiers
    }

    /// The identifiers, taken out (the engine's build owns them rather than copy them).
    pub(crate) fn into_identifiers(self) -> Vec<Identifier> {
        self.identifiers
    }

    /// The identifiers a user can select and that detections name (no detector-only entries).
    pub fn listed(&self) -> impl Iterator<Item = &Identifier> {
        self.identifiers.iter().filter(|i| !i.is_detector_only())
    }

    /// Checks cross references: ids unique; twins, `reports_as` and routes name listed ids.
    pub fn check(&self) -> Result<(), Error> {
        let mut seen = BTreeSet::new();
        for i in &self.identifiers {
            if !seen.insert(i.id.as_str()) {
                return Err(invalid(&i.id, "duplicate id"));
            }
        }
        let listed: BTreeSet<&str> = self.listed().map(|i| i.id.as_str()).collect();
        for i in &self.identifiers {
            let mut refs: Vec<&str> = i.reported_ids();
            if let KeywordRule::Twin(t) = &i.keyword_rule {
                refs.push(t);
            }
            if let Some(t) = &i.twin_of {
                refs.push(t);
            }
            refs.extend(i.shadows.iter().map(String::as_str));
            for r in refs {
                if !listed.contains(r) {
                    return Err(invalid(&i.id, format!("refers to unknown identifier {r}")));
                }
            }
        }
        Ok(())
    }

    /// Looks one up by id.
    pub fn get(&self, id: &str) -> Option<&Identifier> {
        self.identifiers.iter().find(|i| i.id == id)
    }

    /// Adds the entries of `other` (custom identifiers); ids must stay unique.
    pub fn extend(&mut self, other: Catalog) -> Result<(), Error> {
        self.identifiers.extend(other.identifiers);
        self.check()
    }

    /// The ids a selection turns on.
    pub fn select(&self, selection: &Selection) -> Result<BTreeSet<String>, Error> {
        let all: BTreeSet<String> = self.listed().map(|i| i.id.clone()).collect();
        // Each item is an id or a group (`COUNTRY:DE`, ...); a group that holds no listed id
        // is refused like an unknown id, so a typo never selects nothing silently.
        let expand = |items: &[String]| -> Result<BTreeSet<String>, Error> {
            let mut out = BTreeSet::new();
            for item in items {
                match Group::parse(item) {
                    None if all.contains(item) => {
                        out.insert(item.clone());
                    }
                    None => return Err(Error::new(ErrorKind::UnknownIdentifier(item.clone()))),
                    Some(Err(message)) => return Err(Error::new(ErrorKind::Selection(message))),
                    Some(Ok(group)) => {
                        if !self.listed().any(|i| group.contains(i)) {
                            return Err(Error::new(ErrorKind::Selection(format!(
                                "{item}: no managed identifier is in this group"
                            ))));
                        }
                        out.extend(
                            self.listed()
                                .filter(|i| group.contains(i))
                                .map(|i| i.id.clone()),
                        );
                    }
                }
            }
            Ok(out)
        };
        Ok(match selection {
            Selection::Recommended => self
                .listed()
                .filter(|i| i.recommended)
                .map(|i| i.id.clone())
                .collect(),
            Selection::All => all,
            Selection::None => BTreeSet::new(),
            Selection::Include(items) => expand(items)?,
            Selection::Exclude(items) => {
                let out = expand(items)?;
                all.into_iter().filter(|id| !out.contains(id)).collect()
            }
        })
    }
}

fn parse_defs(source: &str, text: &str) -> Result<Vec<Identifier>, Error> {
    identifiers_of(source, toml::from_str(text))
}

/// The identifiers of a parsed catalogue file (TOML or the build's JSON), or why it is invalid.
fn identifiers_of<E: std::fmt::Display>(
    source: &str,
    parsed: Result<DefFile, E>,
) -> Result<Vec<Identifier>, Error> {
    let file = parsed.map_err(|e| {
        Error::new(ErrorKind::Definition {
            source: source.to_string(),
            message: e.to_string(),
        })
    })?;
    file.identifier
        .into_iter()
        .map(Def::into_identifier)
        .collect()
}

/// Which managed identifiers a scan uses, as Macie's `managedDataIdentifierSelector`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Selection {
    /// Macie's recommended set plus our credential types (the default).
    Recommended,
    /// Every managed identifier.
    All,
    /// Only these ids and groups (`COUNTRY:DE`, `CATEGORY:CREDENTIALS`, `TAG:VALIDATED`).
    Include(Vec<String>),
    /// All but these ids and groups.
    Exclude(Vec<String>),
    /// None (custom identifiers only).
    None,
}

impl Selection {
    /// Parses `RECOMMENDED`, `ALL`, `NONE`, `INCLUDE:ITEM,ITEM`, `EXCLUDE:ITEM,ITEM`, where an
    /// item is an id or a group (`COUNTRY:DE`, `CATEGORY:CREDENTIALS`, `TAG:MACIE`), or a list
    /// of groups alone (`COUNTRY:DE,COUNTRY:AT`: those included).
    pub fn parse(s: &str) -> Result<Selection, Error> {
        let ids = |rest: &str| -> Result<Vec<String>, Error> {
            let v: Vec<String> = rest
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(String::from)
                .collect();
            if v.is_empty() {
                return Err(Error::new(ErrorKind::Selection(format!(
                    "{s}: no identifier ids given"
                ))));
            }
            Ok(v)
        };
        let upper = s.trim().to_ascii_uppercase();
        if let Some(rest) = upper.strip_prefix("INCLUDE:") {
            return Ok(Selection::Include(ids(rest)?));
        }
        if let Some(rest) = upper.strip_prefix("EXCLUDE:") {
            return Ok(Selection::Exclude(ids(rest)?));
        }
        if Group::parse(&upper).is_some() {
            return Ok(Selection::Include(ids(&upper)?));
        }
        match upper.as_str() {
            "RECOMMENDED" => Ok(Selection::Recommended),
            "ALL" => Ok(Selection::All),
            "NONE" => Ok(Selection::None),
            _ => Err(Error::new(ErrorKind::Selection(format!(
                "{s}: expected RECOMMENDED, ALL, NONE, INCLUDE:ID,..., EXCLUDE:ID,... or a group such as COUNTRY:DE or CATEGORY:CREDENTIALS"
            )))),
        }
    }
}
