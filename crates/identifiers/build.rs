//! The builtin catalogue is written as TOML with examples (`src/builtin/*.toml`); every start
//! of trawl reads it. Parsing that TOML (a document parser, with thousands of example strings)
//! was a third of the start-up with every identifier selected, so the build turns each file
//! into compact JSON without the examples, which `Catalog::builtin` reads with serde_json.
//! The examples stay in the TOML for the tests (`Catalog::builtin_with_examples`).

use std::error::Error;
use std::path::PathBuf;

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
    for name in FILES {
        let path = format!("src/builtin/{name}.toml");
        println!("cargo:rerun-if-changed={path}");
        let text = std::fs::read_to_string(&path).map_err(|e| format!("{path}: {e}"))?;
        let mut doc: toml::Value = toml::from_str(&text).map_err(|e| format!("{path}: {e}"))?;
        if let Some(ids) = doc.get_mut("identifier").and_then(|v| v.as_array_mut()) {
            for ident in ids.iter_mut().filter_map(|i| i.as_table_mut()) {
                ident.remove("examples");
                ident.remove("negative_examples");
            }
        }
        std::fs::write(
            out.join(format!("{name}.json")),
            serde_json::to_string(&doc)?,
        )?;
    }
    println!("cargo:rerun-if-changed=build.rs");
    Ok(())
}
