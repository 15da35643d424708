//! Allow lists, as Macie's: literal entries (whole match, case-insensitive) and regexes (whole
//! match). A match the allow list covers is not reported.

use std::collections::HashSet;

use regex_automata::meta::Regex;
use regex_automata::util::syntax;
use regex_automata::Input;

use crate::error::{Error, ErrorKind};

/// Most entries in one literal list (Macie's limit).
pub const MAX_ENTRIES: usize = 100_000;
/// Longest literal entry in characters.
pub const MAX_ENTRY_CHARS: usize = 90;
/// Longest allow regex in characters.
pub const MAX_REGEX_CHARS: usize = 512;

/// Literal entries and regexes whose whole-text matches are not reported.
#[derive(Clone, Debug, Default)]
pub struct AllowList {
    literals: HashSet<Vec<u8>>,
    regexes: Vec<Regex>,
}

fn err(source: &str, message: String) -> Error {
    Error::new(ErrorKind::Definition {
        source: source.to_string(),
        message,
    })
}

impl AllowList {
    /// An empty list.
    pub fn new() -> AllowList {
        AllowList::default()
    }

    /// Whether nothing is allowed.
    pub fn is_empty(&self) -> bool {
        self.literals.is_empty() && self.regexes.is_empty()
    }

    /// Adds a literal list: one entry a line, blank lines skipped, 1-90 characters each, at most
    /// 100,000 entries. `source` names the list in errors.
    pub fn add_literals(&mut self, source: &str, text: &str) -> Result<(), Error> {
        let mut n = 0;
        for (i, line) in text.lines().enumerate() {
            let entry = line.trim_end_matches('\r');
            if entry.trim().is_empty() {
                continue;
            }
            let chars = entry.chars().count();
            if chars > MAX_ENTRY_CHARS {
                return Err(err(
                    source,
                    format!("line {}: an entry has at most {MAX_ENTRY_CHARS} characters ({chars} given)", i + 1),
                ));
            }
            n += 1;
            if n > MAX_ENTRIES {
                return Err(err(
                    source,
                    format!("at most {MAX_ENTRIES} entries are allowed"),
                ));
            }
            self.literals.insert(entry.to_lowercase().into_bytes());
        }
        Ok(())
    }

    /// Adds a regex; a match is allowed when the regex matches all of it.
    pub fn add_regex(&mut self, pattern: &str) -> Result<(), Error> {
        let source = "--allow-regex";
        let chars = pattern.chars().count();
        if chars == 0 || chars > MAX_REGEX_CHARS {
            return Err(err(
                source,
                format!("a regex has 1 to {MAX_REGEX_CHARS} characters ({chars} given)"),
            ));
        }
        regex_syntax::ParserBuilder::new()
            .unicode(false)
            .utf8(false)
            .build()
            .parse(pattern)
            .map_err(|e| err(source, format!("{pattern}: {e}")))?;
        let anchored = format!("^(?:{pattern})$");
        let regex = Regex::builder()
            .syntax(syntax::Config::new().unicode(false).utf8(false))
            .configure(
                Regex::config()
                    .utf8_empty(false)
                    .nfa_size_limit(Some(8 << 20)),
            )
            .build(&anchored)
            .map_err(|e| err(source, format!("{pattern}: {e}")))?;
        self.regexes.push(regex);
        Ok(())
    }

    /// Whether `text` (a whole match, or a whole field) is allowed.
    pub fn covers(&self, text: &[u8]) -> bool {
        if self.is_empty() {
            return false;
        }
        let t = text.trim_ascii();
        if !self.literals.is_empty() {
            let lower = String::from_utf8_lossy(t).to_lowercase();
            if self.literals.contains(lower.as_bytes()) {
                return true;
            }
        }
        self.regexes
            .iter()
            .any(|r| r.search(&Input::new(t)).is_some())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals_are_whole_and_case_insensitive() {
        let mut a = AllowList::new();
        a.add_literals("t", "ACME-0001\n\n  \nfoo bar\n").unwrap();
        assert!(a.covers(b"acme-0001"));
        assert!(a.covers(b" Foo Bar "));
        assert!(!a.covers(b"acme-00012"));
        assert!(!a.covers(b"x acme-0001"));
    }

    #[test]
    fn regex_is_whole_match() {
        let mut a = AllowList::new();
        a.add_regex("TEST-[0-9]{4}").unwrap();
        assert!(a.covers(b"TEST-1234"));
        assert!(!a.covers(b"TEST-12345"));
        assert!(!a.covers(b"xTEST-1234"));
    }

    #[test]
    fn limits() {
        let mut a = AllowList::new();
        let long = "x".repeat(91);
        let e = a.add_literals("list.txt", &long).unwrap_err().to_string();
        assert!(e.contains("90 characters"), "{e}");
        let many: String = (0..100_001).map(|i| format!("e{i}\n")).collect();
        let e = a.add_literals("list.txt", &many).unwrap_err().to_string();
        assert!(e.contains("100000"), "{e}");
        assert!(a.add_regex(&"a".repeat(513)).is_err());
        let e = a.add_regex("(?=x)y").unwrap_err().to_string();
        assert!(e.contains("look-around"), "{e}");
    }
}
