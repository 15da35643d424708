//! What the engine learns from parsing a regex (without compiling it): its longest match and
//! whether every literal prefix begins with one of its anchors. Parsing every regex of the
//! builtin catalogue took a third of the start-up with every identifier selected, so this file
//! is also part of the build script (`build.rs`, by `#[path]`), which records these facts for
//! the builtin catalogue once; the engine looks them up and parses only other regexes.
//!
//! Only `regex_syntax` is used here: the build script has no other part of the crate.

use regex_syntax::hir::literal::{ExtractKind, Extractor};
use regex_syntax::hir::Hir;

/// An identifier's regex as the regex crate parses it for the engine (bytes, ASCII classes);
/// the parser's message when it is not a valid one.
pub(crate) fn parse_hir(pattern: &str) -> Result<Hir, String> {
    regex_syntax::ParserBuilder::new()
        .unicode(false)
        .utf8(false)
        .build()
        .parse(pattern)
        .map_err(|e| e.to_string())
}

/// The longest match of a parsed regex (None: unbounded); an error when it matches the empty
/// string.
pub(crate) fn longest_match(hir: &Hir) -> Result<Option<usize>, String> {
    if hir.properties().minimum_len() == Some(0) {
        return Err("the pattern matches the empty string".into());
    }
    Ok(hir.properties().maximum_len())
}

/// Whether every literal prefix the regex crate extracts from `hir` begins with one of
/// `anchors` (ASCII case aside, as the keyword trie compares); false when it extracts none.
pub(crate) fn prefixes_begin_with(hir: &Hir, anchors: &[String]) -> bool {
    let prefixes = Extractor::new().kind(ExtractKind::Prefix).extract(hir);
    prefixes.literals().is_some_and(|literals| {
        !literals.is_empty()
            && literals.iter().all(|l| {
                anchors.iter().any(|a| {
                    l.as_bytes().len() >= a.len()
                        && l.as_bytes()[..a.len()].eq_ignore_ascii_case(a.as_bytes())
                })
            })
    })
}
