//! Avro schemas as real writers write them, made acceptable to apache-avro.
//!
//! apache-avro enforces the specification's name rule (`[A-Za-z_][A-Za-z0-9_]*`, dotted) and
//! knows no `error` type, but real writers are looser: Java's reflection API writes `$` in names
//! and namespaces (`org.apache.avro.mapred.TestReflectJob$`), and protocol schemas use `error`
//! (a record). No crate reads those schemas, so the schema JSON is rewritten before parsing:
//! `error` becomes `record`, and every name, namespace, alias, reference, field name and enum
//! symbol that breaks the rule is mapped to a valid one by the same function everywhere, so
//! references still resolve. The original field names and symbols are kept for locators.

use std::collections::HashMap;

use serde_json::Value;

const PRIMITIVES: [&str; 8] = [
    "null", "boolean", "int", "long", "float", "double", "bytes", "string",
];

/// How deep a schema is followed (apache-avro refuses deeper ones anyway).
const MAX_DEPTH: usize = 256;

/// A schema rewritten to apache-avro's rules, and the original of every renamed field or symbol.
pub(super) struct Normalised {
    pub(super) json: String,
    /// Valid name -> the name the file uses, for the names that were rewritten.
    pub(super) renamed: HashMap<String, String>,
}

/// Rewrites `schema` (JSON text) to apache-avro's rules; `None` if it is not JSON (apache-avro
/// then says what is wrong with it).
pub(super) fn normalise(schema: &str) -> Option<Normalised> {
    let mut json: Value = serde_json::from_str(schema).ok()?;
    let mut renamed = HashMap::new();
    walk(&mut json, &mut renamed, 0);
    Some(Normalised {
        json: json.to_string(),
        renamed,
    })
}

fn valid_simple(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// One name part made valid: each other character becomes `_xHH_` (its code point in hex), a
/// leading digit gets a `_` in front; valid parts are unchanged.
fn simple(name: &str) -> String {
    if valid_simple(name) {
        return name.to_string();
    }
    let mut out = String::with_capacity(name.len() + 8);
    if !name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') {
        out.push('_');
    }
    for c in name.chars() {
        if c.is_ascii_alphanumeric() || c == '_' {
            out.push(c);
        } else {
            out.push_str(&format!("_x{:x}_", u32::from(c)));
        }
    }
    out
}

/// A (possibly dotted) name made valid part by part.
fn full(name: &str) -> String {
    name.split('.').map(simple).collect::<Vec<_>>().join(".")
}

fn rename_str(v: &mut Value, f: fn(&str) -> String, renamed: Option<&mut HashMap<String, String>>) {
    if let Value::String(s) = v {
        let valid = f(s);
        if valid != *s {
            if let Some(map) = renamed {
                map.insert(valid.clone(), s.clone());
            }
            *s = valid;
        }
    }
}

fn walk(v: &mut Value, renamed: &mut HashMap<String, String>, depth: usize) {
    if depth > MAX_DEPTH {
        return;
    }
    match v {
        Value::String(s) if !PRIMITIVES.contains(&s.as_str()) => *s = full(s),
        Value::Array(items) => {
            for item in items {
                walk(item, renamed, depth + 1);
            }
        }
        Value::Object(o) => {
            if o.get("type").and_then(Value::as_str) == Some("error") {
                o.insert("type".into(), Value::String("record".into()));
            }
            let kind = o.get("type").and_then(Value::as_str).map(str::to_string);
            if let Some("record" | "enum" | "fixed") = kind.as_deref() {
                for key in ["name", "namespace"] {
                    if let Some(n) = o.get_mut(key) {
                        rename_str(n, full, None);
                    }
                }
                if let Some(Value::Array(aliases)) = o.get_mut("aliases") {
                    for a in aliases {
                        rename_str(a, full, None);
                    }
                }
            }
            match kind.as_deref() {
                Some("record") => {
                    if let Some(Value::Array(fields)) = o.get_mut("fields") {
                        for field in fields {
                            if let Value::Object(f) = field {
                                if let Some(n) = f.get_mut("name") {
                                    rename_str(n, simple, Some(&mut *renamed));
                                }
                                if let Some(t) = f.get_mut("type") {
                                    walk(t, renamed, depth + 1);
                                }
                            }
                        }
                    }
                }
                Some("enum") => {
                    if let Some(Value::Array(symbols)) = o.get_mut("symbols") {
                        for s in symbols {
                            rename_str(s, simple, Some(&mut *renamed));
                        }
                    }
                    if let Some(d) = o.get_mut("default") {
                        rename_str(d, simple, None);
                    }
                }
                Some("array") => {
                    if let Some(items) = o.get_mut("items") {
                        walk(items, renamed, depth + 1);
                    }
                }
                Some("map") => {
                    if let Some(values) = o.get_mut("values") {
                        walk(values, renamed, depth + 1);
                    }
                }
                Some("fixed") => {}
                _ => {
                    // `{"type": <schema>}`: a primitive with attributes or a nested schema.
                    if let Some(t) = o.get_mut("type") {
                        walk(t, renamed, depth + 1);
                    }
                }
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reflection_names_and_error_types_are_made_valid_consistently() {
        let n = normalise(
            r#"{"type":"error","name":"E$1","namespace":"a.B$","fields":[
                {"name":"this$0","type":["null","a.B$.E$1"]},
                {"name":"k","type":{"type":"enum","name":"K","symbols":["x$","ok"]}}]}"#,
        )
        .expect("json");
        let v: Value = serde_json::from_str(&n.json).expect("json");
        assert_eq!(v["type"], "record");
        assert_eq!(v["name"], "E_x24_1");
        assert_eq!(v["namespace"], "a.B_x24_");
        assert_eq!(v["fields"][0]["type"][1], "a.B_x24_.E_x24_1");
        assert_eq!(
            n.renamed.get("this_x24_0").map(String::as_str),
            Some("this$0")
        );
        assert_eq!(n.renamed.get("x_x24_").map(String::as_str), Some("x$"));
        assert_eq!(v["fields"][1]["type"]["symbols"][1], "ok");
    }
}
