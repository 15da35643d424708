//! The builtin catalogue is written as TOML with examples (`src/builtin/*.toml`); every start
//! of trawl reads it. Parsing that TOML (a document parser, with thousands of example strings)
//! was a third of the start-up with every identifier selected, so the build turns each file
//! into compact JSON without the examples, which `Catalog::builtin` reads with serde_json.
//! The examples stay in the TOML for the tests (`Catalog::builtin_with_examples`).
//!
//! It also records what the engine learns by parsing each builtin regex (its longest match,
//! whether its literal prefixes begin with its anchors: `src/engine/facts.rs`, shared with the
//! engine) in `regex_facts.rs`, so that a start parses none of them.

use std::error::Error;
use std::fmt::Write as _;
use std::path::PathBuf;

#[path = "src/engine/facts.rs"]
#[allow(dead_code)]
mod facts;

/// The catalogue files (also listed in src/catalog.rs, which the tests keep in step).
const FILES: &[&str] = &[
    "credentials",
    "secrets",
    "secrets_a_l",
    "secrets_m_z",
    "financial",
    "health",
    "personal",
    "personal_ids",
    "national_ids",
    "vat",
    "personal_docs",
    "personal_contact",
];

fn main() -> Result<(), Box<dyn Error>> {
    let out = PathBuf::from(std::env::var_os("OUT_DIR").ok_or("OUT_DIR is not set")?);
    let mut recorded = Vec::new();
    for name in FILES {
        let path = format!("src/builtin/{name}.toml");
        println!("cargo:rerun-if-changed={path}");
        let text = std::fs::read_to_string(&path).map_err(|e| format!("{path}: {e}"))?;
        let mut doc: toml::Value = toml::from_str(&text).map_err(|e| format!("{path}: {e}"))?;
        if let Some(ids) = doc.get_mut("identifier").and_then(|v| v.as_array_mut()) {
            for ident in ids.iter_mut().filter_map(|i| i.as_table_mut()) {
                recorded.extend(regex_facts(ident));
                ident.remove("examples");
                ident.remove("negative_examples");
            }
        }
        std::fs::write(
            out.join(format!("{name}.json")),
            serde_json::to_string(&doc)?,
        )?;
    }
    recorded.sort();
    let mut text = String::from(
        "/// (id, pattern, longest match, every literal prefix begins with an anchor).\n\
         pub(super) static FACTS: &[(&str, &str, Option<usize>, bool)] = &[\n",
    );
    for (id, pattern, max_len, prefixes) in recorded {
        writeln!(text, "    ({id:?}, {pattern:?}, {max_len:?}, {prefixes}),")?;
    }
    text.push_str("];\n");
    std::fs::write(out.join("regex_facts.rs"), text)?;
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=src/engine/facts.rs");
    Ok(())
}

/// An entry's id, regex, longest match and whether its literal prefixes begin with its
/// anchors; None without a regex, or for a regex that does not parse or matches the empty
/// string (the engine parses those itself, and reports the error as for any catalogue).
fn regex_facts(ident: &toml::Table) -> Option<(String, String, Option<usize>, bool)> {
    let id = ident.get("id")?.as_str()?;
    let pattern = ident.get("regex")?.as_str()?;
    let anchors: Vec<String> = ident
        .get("anchors")
        .and_then(|a| a.as_array())
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    let hir = facts::parse_hir(pattern).ok()?;
    let max_len = facts::longest_match(&hir).ok()?;
    let prefixes = facts::prefixes_begin_with(&hir, &anchors);
    Some((id.to_string(), pattern.to_string(), max_len, prefixes))
}
