//! The managed catalogue (embedded TOML data, one file per category) and identifier selection.

use std::collections::BTreeSet;

use serde::Deserialize;

use crate::error::{Error, ErrorKind};
use crate::identifier::{
    Category, Extend, Identifier, KeywordRule, Severity, SeverityTiers, TokenClass,
};
use crate::mask::MaskStyle;
use crate::validate::Validator;

const BUILTIN: &[(&str, &str)] = &[
    ("credentials", include_str!("builtin/credentials.toml")),
    ("financial", include_str!("builtin/financial.toml")),
    ("personal", include_str!("builtin/personal.toml")),
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
            validator,
            keywords: self.keywords.iter().map(|k| k.to_lowercase()).collect(),
            keyword_rule,
            max_distance: self.max_distance,
            severity: SeverityTiers(tiers),
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
    /// The managed identifiers embedded in the binary.
    pub fn builtin() -> Catalog {
        // The embedded data is checked by this crate's tests; a failure here is a build defect.
        let mut identifiers = Vec::new();
        for (name, text) in BUILTIN {
            match parse_defs(name, text) {
                Ok(mut ids) => identifiers.append(&mut ids),
                Err(e) => panic!("builtin catalogue {name} is invalid: {e}"),
            }
        }
        Catalog { identifiers }
    }

    /// Parses identifier definitions in the catalogue's TOML form.
    pub fn from_toml(source: &str, text: &str) -> Result<Catalog, Error> {
        Ok(Catalog {
            identifiers: parse_defs(source, text)?,
        })
    }

    /// All identifiers.
    pub fn identifiers(&self) -> &[Identifier] {
        &self.identifiers
    }

    /// Looks one up by id.
    pub fn get(&self, id: &str) -> Option<&Identifier> {
        self.identifiers.iter().find(|i| i.id == id)
    }

    /// The ids a selection turns on.
    pub fn select(&self, selection: &Selection) -> Result<BTreeSet<String>, Error> {
        let all: BTreeSet<String> = self.identifiers.iter().map(|i| i.id.clone()).collect();
        let check = |ids: &[String]| -> Result<(), Error> {
            for id in ids {
                if !all.contains(id) {
                    return Err(Error::new(ErrorKind::UnknownIdentifier(id.clone())));
                }
            }
            Ok(())
        };
        Ok(match selection {
            Selection::Recommended => self
                .identifiers
                .iter()
                .filter(|i| i.recommended)
                .map(|i| i.id.clone())
                .collect(),
            Selection::All => all,
            Selection::None => BTreeSet::new(),
            Selection::Include(ids) => {
                check(ids)?;
                ids.iter().cloned().collect()
            }
            Selection::Exclude(ids) => {
                check(ids)?;
                all.into_iter().filter(|id| !ids.contains(id)).collect()
            }
        })
    }
}

fn parse_defs(source: &str, text: &str) -> Result<Vec<Identifier>, Error> {
    let file: DefFile = toml::from_str(text).map_err(|e| {
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
    /// Only these.
    Include(Vec<String>),
    /// All but these.
    Exclude(Vec<String>),
    /// None (custom identifiers only).
    None,
}

impl Selection {
    /// Parses `RECOMMENDED`, `ALL`, `NONE`, `INCLUDE:ID,ID`, `EXCLUDE:ID,ID`.
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
        match upper.as_str() {
            "RECOMMENDED" => Ok(Selection::Recommended),
            "ALL" => Ok(Selection::All),
            "NONE" => Ok(Selection::None),
            _ => Err(Error::new(ErrorKind::Selection(format!(
                "{s}: expected RECOMMENDED, ALL, NONE, INCLUDE:ID,... or EXCLUDE:ID,..."
            )))),
        }
    }
}
