//! Custom identifiers, as Macie's custom data identifiers: from TOML, YAML, or Macie's own
//! JSON (`aws macie2 get-custom-data-identifier` output), with Macie's limits.

use serde::Deserialize;

use crate::engine::{compile_regex, MAX_CUSTOM_DISTANCE};
use crate::error::{Error, ErrorKind};
use crate::identifier::{
    Category, Extend, Identifier, KeywordRule, Severity, SeverityRule, TokenClass,
};
use crate::mask::MaskStyle;

#[derive(Deserialize)]
struct SeverityLevel {
    #[serde(alias = "occurrencesThreshold")]
    occurrences_threshold: u64,
    severity: String,
}

#[derive(Deserialize)]
struct Def {
    name: String,
    #[serde(default)]
    description: String,
    regex: String,
    #[serde(default)]
    keywords: Vec<String>,
    #[serde(default, alias = "maximumMatchDistance")]
    maximum_match_distance: Option<i64>,
    #[serde(default, alias = "ignoreWords")]
    ignore_words: Vec<String>,
    #[serde(default, alias = "severityLevels")]
    severity_levels: Vec<SeverityLevel>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Doc {
    List(Vec<Def>),
    Wrapped {
        #[serde(alias = "customDataIdentifiers", alias = "custom_identifiers")]
        custom_identifier: Vec<Def>,
    },
    One(Def),
}

fn definition_error(source: &str, message: impl Into<String>) -> Error {
    Error::new(ErrorKind::Definition {
        source: source.to_string(),
        message: message.into(),
    })
}

fn invalid(name: &str, message: impl Into<String>) -> Error {
    Error::new(ErrorKind::Invalid {
        id: name.to_string(),
        message: message.into(),
    })
}

/// Parses a custom identifier file. `source` is its name: `.toml`, `.yaml`/`.yml` and `.json`
/// pick the syntax; otherwise JSON, TOML and YAML are tried in turn. A TOML file holds
/// `[[custom_identifier]]` tables; YAML and JSON hold one definition, a list, or
/// `custom_identifiers:` / Macie's `customDataIdentifiers` list. Field names may be snake_case
/// or Macie's camelCase.
pub fn parse_custom_identifiers(source: &str, text: &str) -> Result<Vec<Identifier>, Error> {
    let lower = source.to_ascii_lowercase();
    let doc: Doc = if lower.ends_with(".toml") {
        toml::from_str(text).map_err(|e| definition_error(source, e.to_string()))?
    } else if lower.ends_with(".yaml") || lower.ends_with(".yml") {
        serde_yaml_ng::from_str(text).map_err(|e| definition_error(source, e.to_string()))?
    } else if lower.ends_with(".json") {
        serde_json::from_str(text).map_err(|e| definition_error(source, e.to_string()))?
    } else if let Ok(d) = serde_json::from_str(text) {
        d
    } else if let Ok(d) = toml::from_str(text) {
        d
    } else {
        serde_yaml_ng::from_str(text).map_err(|e| definition_error(source, e.to_string()))?
    };
    let defs = match doc {
        Doc::List(v) => v,
        Doc::Wrapped { custom_identifier } => custom_identifier,
        Doc::One(d) => vec![d],
    };
    if defs.is_empty() {
        return Err(definition_error(source, "no custom identifiers defined"));
    }
    defs.into_iter().map(to_identifier).collect()
}

fn to_identifier(d: Def) -> Result<Identifier, Error> {
    let name = d.name.trim().to_string();
    check_limits(&name, &d)?;
    let distance = d.maximum_match_distance.unwrap_or(50);
    if !(1..=MAX_CUSTOM_DISTANCE as i64).contains(&distance) {
        return Err(invalid(
            &name,
            format!("maximum_match_distance is 1 to {MAX_CUSTOM_DISTANCE} ({distance} given)"),
        ));
    }
    if d.ignore_words.len() > 10 {
        return Err(invalid(
            &name,
            format!("at most 10 ignore words ({} given)", d.ignore_words.len()),
        ));
    }
    for w in &d.ignore_words {
        let n = w.chars().count();
        if !(4..=90).contains(&n) {
            return Err(invalid(
                &name,
                format!("ignore word {w:?}: ignore words have 4 to 90 characters"),
            ));
        }
    }
    let levels = severity_levels(&name, &d.severity_levels)?;
    let keyword_rule = if d.keywords.is_empty() {
        KeywordRule::None
    } else {
        KeywordRule::Required
    };
    Ok(Identifier {
        id: name,
        category: Category::Custom,
        description: d.description,
        regex: Some(d.regex),
        twin_of: None,
        reports_as: None,
        routes: Vec::new(),
        shadows: Vec::new(),
        validator: None,
        keywords: d.keywords.iter().map(|k| k.to_lowercase()).collect(),
        keyword_rule,
        max_distance: distance as usize,
        keyword_before: true,
        ignore_words: d.ignore_words,
        severity: SeverityRule::Thresholds(levels),
        ignore: Vec::new(),
        anchors: Vec::new(),
        token: TokenClass::None,
        extend: Extend::None,
        mask: MaskStyle::Keep {
            keep_start: 2,
            keep_end: 2,
        },
        recommended: false,
        examples: Vec::new(),
        negative_examples: Vec::new(),
    })
}

/// Checks a definition's name, regex (it must compile) and keywords.
fn check_limits(name: &str, d: &Def) -> Result<(), Error> {
    let chars = name.chars().count();
    if chars == 0 || chars > 128 {
        return Err(invalid(name, "a name has 1 to 128 characters"));
    }
    let regex_chars = d.regex.chars().count();
    if regex_chars == 0 || regex_chars > 512 {
        return Err(invalid(
            name,
            format!("a regex has 1 to 512 characters ({regex_chars} given)"),
        ));
    }
    // Compile now, so a pattern the regex engine cannot run is reported with its reason.
    compile_regex(name, &d.regex)?;
    if d.keywords.len() > 50 {
        return Err(invalid(
            name,
            format!("at most 50 keywords ({} given)", d.keywords.len()),
        ));
    }
    for k in &d.keywords {
        let n = k.chars().count();
        if !(3..=90).contains(&n) {
            return Err(invalid(
                name,
                format!("keyword {k:?}: keywords have 3 to 90 characters"),
            ));
        }
    }
    Ok(())
}

/// The severity levels of a definition: at most three, rising; MEDIUM from 1 without any.
fn severity_levels(name: &str, defs: &[SeverityLevel]) -> Result<Vec<(u64, Severity)>, Error> {
    if defs.len() > 3 {
        return Err(invalid(name, "at most 3 severity levels"));
    }
    let mut levels = Vec::new();
    for l in defs {
        let sev = Severity::parse(&l.severity).ok_or_else(|| {
            invalid(
                name,
                format!("severity {:?}: LOW, MEDIUM or HIGH", l.severity),
            )
        })?;
        if l.occurrences_threshold == 0 {
            return Err(invalid(name, "occurrences thresholds start at 1"));
        }
        if let Some(&(t, s)) = levels.last() {
            if l.occurrences_threshold <= t || sev <= s {
                return Err(invalid(
                    name,
                    "severity levels must rise: higher thresholds with higher severities",
                ));
            }
        }
        levels.push((l.occurrences_threshold, sev));
    }
    if levels.is_empty() {
        levels.push((1, Severity::Medium));
    }
    Ok(levels)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{EngineBuilder, KeywordContext, Selection};

    fn found(ids: Vec<Identifier>, text: &str) -> Vec<String> {
        let engine = EngineBuilder::new()
            .selection(Selection::None)
            .custom(ids)
            .build()
            .unwrap();
        let mut out = Vec::new();
        engine.scan(
            text.as_bytes(),
            &KeywordContext::none(),
            &mut engine.scratch(),
            &mut out,
        );
        out.iter()
            .map(|m| String::from_utf8_lossy(&text.as_bytes()[m.start..m.end]).into_owned())
            .collect()
    }

    #[test]
    fn toml_yaml_and_macie_json() {
        let toml = r#"
[[custom_identifier]]
name = "EMPLOYEE_ID"
regex = "EMP-[0-9]{6}"
keywords = ["employee"]
maximum_match_distance = 20
ignore_words = ["EMP-000000"]
severity_levels = [{ occurrences_threshold = 1, severity = "LOW" }, { occurrences_threshold = 10, severity = "HIGH" }]
"#;
        let ids = parse_custom_identifiers("ids.toml", toml).unwrap();
        assert_eq!(ids[0].id, "EMPLOYEE_ID");
        assert_eq!(ids[0].max_distance, 20);
        let yaml = "custom_identifiers:\n  - name: TICKET\n    regex: 'TCK[0-9]{4}'\n";
        let ids = parse_custom_identifiers("ids.yaml", yaml).unwrap();
        assert_eq!(ids[0].severity.for_count(1), Some(Severity::Medium));
        let macie = r#"{"arn": "arn:aws:macie2:us-east-1:111122223333:custom-data-identifier/x",
            "createdAt": "2024-01-01T00:00:00Z", "deleted": false, "description": "d",
            "id": "x", "ignoreWords": ["TESTWORD"], "keywords": ["badge"],
            "maximumMatchDistance": 10, "name": "BADGE", "regex": "B-[0-9]{5}",
            "severityLevels": [{"occurrencesThreshold": 2, "severity": "HIGH"}], "tags": {}}"#;
        let ids = parse_custom_identifiers("badge.json", macie).unwrap();
        assert_eq!(ids[0].keywords, ["badge"]);
        assert_eq!(ids[0].severity.for_count(1), None);
        assert_eq!(ids[0].severity.for_count(2), Some(Severity::High));
    }

    #[test]
    fn keyword_must_precede_within_distance_to_match_end() {
        let ids = parse_custom_identifiers(
            "x.toml",
            "[[custom_identifier]]\nname = \"E\"\nregex = \"EMP-[0-9]{6}\"\nkeywords = [\"employee\"]\nmaximum_match_distance = 15\n",
        )
        .unwrap();
        // "employee " + "EMP-123456": keyword end to match end = 11.
        assert_eq!(found(ids.clone(), "employee EMP-123456"), ["EMP-123456"]);
        // Keyword after the match does not count.
        assert!(found(ids.clone(), "EMP-123456 employee").is_empty());
        // 16 from keyword end to match end: too far.
        assert!(found(ids.clone(), "employee      EMP-123456").is_empty());
        // Case-insensitive keywords.
        assert_eq!(found(ids, "EMPLOYEE: EMP-123456").len(), 1);
    }

    #[test]
    fn ignore_words_are_case_sensitive_substrings() {
        let ids = parse_custom_identifiers(
            "x.toml",
            "[[custom_identifier]]\nname = \"C\"\nregex = \"[A-Z]{4}-[0-9]{4}\"\nignore_words = [\"TEST\"]\n",
        )
        .unwrap();
        assert!(found(ids.clone(), "TEST-1234").is_empty());
        assert_eq!(found(ids, "ABCD-1234 test-1234"), ["ABCD-1234"]);
    }

    #[test]
    fn limits_have_clear_messages() {
        let cases = [
            (format!("name = \"A\"\nregex = \"{}\"", "a".repeat(513)), "512 characters"),
            ("name = \"A\"\nregex = \"(?<=x)y\"".to_string(), "look-around"),
            ("name = \"A\"\nregex = \"(a)\\\\1\"".to_string(), "backreferences"),
            ("name = \"A\"\nregex = \"x\"\nkeywords = [\"ab\"]".to_string(), "3 to 90"),
            ("name = \"A\"\nregex = \"x\"\nmaximum_match_distance = 301".to_string(), "1 to 300"),
            ("name = \"A\"\nregex = \"x\"\nmaximum_match_distance = 0".to_string(), "1 to 300"),
            ("name = \"A\"\nregex = \"x\"\nignore_words = [\"abc\"]".to_string(), "4 to 90"),
            (
                format!("name = \"A\"\nregex = \"x\"\nkeywords = [{}]", (0..51).map(|i| format!("\"kw{i:03}\"")).collect::<Vec<_>>().join(",")),
                "at most 50 keywords",
            ),
            (
                format!("name = \"A\"\nregex = \"x\"\nignore_words = [{}]", (0..11).map(|i| format!("\"word{i}\"")).collect::<Vec<_>>().join(",")),
                "at most 10 ignore words",
            ),
            (
                "name = \"A\"\nregex = \"x\"\nseverity_levels = [{occurrences_threshold = 5, severity = \"HIGH\"}, {occurrences_threshold = 2, severity = \"LOW\"}]".to_string(),
                "must rise",
            ),
            ("name = \"A\"\nregex = \"x*\"".to_string(), "empty string"),
        ];
        for (body, want) in cases {
            let text = format!("[[custom_identifier]]\n{body}\n");
            let e = parse_custom_identifiers("c.toml", &text)
                .unwrap_err()
                .to_string();
            assert!(e.contains(want), "{body:?}: {e}");
        }
    }
}
