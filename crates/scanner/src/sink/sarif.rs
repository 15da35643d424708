//! SARIF 2.1.0 (OASIS) for code-scanning tools: GitHub, GitLab, Azure DevOps.
//!
//! One rule per identifier type seen, with its description and a level from its severity
//! (HIGH: `error`, MEDIUM: `warning`, LOW: `note`, plus GitHub's `security-severity`); one
//! result per listed occurrence, located by file, line, column and byte region. An archive
//! member is a nested artifact (`parentIndex` up to the object that holds it), so a viewer can
//! name it; a spreadsheet cell or JSON path is a logical location. Objects not fully read are
//! tool notifications with their reason codes. Masked samples only: raw values never appear.
//!
//! The document is streamed: results go out as records come, and what must follow them (the
//! rules seen, the artifacts, the notifications) is kept, bounded, until `finish`.

use std::collections::HashMap;
use std::io::{self, Write};

use percent_encoding::{utf8_percent_encode, AsciiSet, CONTROLS};
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};
use trawl_identifiers::{Category, Identifier, Severity, SeverityRule};

use super::paths::{DisplayPaths, LocalName};
use super::RecordSink;
use crate::record::{Occurrence, ResultRecord, Status, Storage};

/// The schema URI GitHub's and Microsoft's documentation give for SARIF 2.1.0.
const SCHEMA_URI: &str = "https://json.schemastore.org/sarif-2.1.0.json";
/// Notifications (objects not fully read) kept; past it they are counted.
const MAX_NOTIFICATIONS: usize = 10_000;
/// Nested artifacts (archive members) kept; past it a member is named in its result's
/// logical location only.
const MAX_ARTIFACTS: usize = 100_000;

/// Characters escaped in a URI path (RFC 3986: everything but unreserved, sub-delims, `/`,
/// `:` and `@`).
const PATH: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'[')
    .add(b'\\')
    .add(b']')
    .add(b'^')
    .add(b'`')
    .add(b'{')
    .add(b'|')
    .add(b'}');

/// What a rule says of an identifier.
struct RuleInfo {
    description: String,
    category: Category,
    severity: Severity,
}

/// Writes a run as one SARIF 2.1.0 log.
pub struct SarifSink<W: Write> {
    out: W,
    catalogue: HashMap<String, RuleInfo>,
    paths: DisplayPaths,
    version: String,
    run_id: String,
    started: bool,
    results: u64,
    /// Rule ids in index order, and their indexes.
    rules: Vec<String>,
    rule_index: HashMap<String, usize>,
    artifacts: Vec<Value>,
    artifact_index: HashMap<(Option<usize>, String), usize>,
    notifications: Vec<Value>,
    notifications_left_out: u64,
}

impl<W: Write> SarifSink<W> {
    /// Writes to `out`; rules are described from `identifiers` (the engine's), objects named
    /// by `paths`, the tool by `version`.
    pub fn new(
        out: W,
        identifiers: &[Identifier],
        paths: DisplayPaths,
        version: &str,
    ) -> SarifSink<W> {
        let mut catalogue = HashMap::new();
        for i in identifiers {
            catalogue.entry(i.id.clone()).or_insert_with(|| RuleInfo {
                description: i.description.clone(),
                category: i.category,
                severity: default_severity(&i.severity),
            });
        }
        SarifSink {
            out,
            catalogue,
            paths,
            version: version.to_string(),
            run_id: String::new(),
            started: false,
            results: 0,
            rules: Vec::new(),
            rule_index: HashMap::new(),
            artifacts: Vec::new(),
            artifact_index: HashMap::new(),
            notifications: Vec::new(),
            notifications_left_out: 0,
        }
    }

    fn start(&mut self) -> io::Result<()> {
        if !self.started {
            self.started = true;
            write!(
                self.out,
                "{{\"$schema\":\"{SCHEMA_URI}\",\"version\":\"2.1.0\",\"runs\":[{{\"results\":["
            )?;
        }
        Ok(())
    }

    fn rule(&mut self, kind: &str) -> usize {
        if let Some(i) = self.rule_index.get(kind) {
            return *i;
        }
        let i = self.rules.len();
        self.rules.push(kind.to_string());
        self.rule_index.insert(kind.to_string(), i);
        i
    }

    /// The object's location: its URI (relative for a local path given relative).
    fn object_uri(&self, r: &ResultRecord) -> String {
        match (r.object.storage, self.paths.local(r)) {
            (Storage::S3, _) => format!(
                "s3://{}/{}",
                r.object.bucket.as_deref().unwrap_or_default(),
                encode(&r.object.key)
            ),
            (_, Some(LocalName::Path(p))) if p.is_relative() => encode(&p.to_string_lossy()),
            (_, Some(LocalName::Path(p))) => format!("file://{}", encode(&p.to_string_lossy())),
            (_, _) => r.object.uri.clone(),
        }
    }

    /// The artifact index of a member chain under the object, adding what is missing; None
    /// past [`MAX_ARTIFACTS`].
    fn member_artifact(&mut self, top: &str, member: &[String]) -> Option<usize> {
        let mut parent = self.artifact(None, top, Value::Null)?;
        for m in member {
            let uri = encode(m);
            parent = self.artifact(Some(parent), &uri, json!(parent))?;
        }
        Some(parent)
    }

    fn artifact(&mut self, parent: Option<usize>, uri: &str, parent_json: Value) -> Option<usize> {
        let key = (parent, uri.to_string());
        if let Some(i) = self.artifact_index.get(&key) {
            return Some(*i);
        }
        if self.artifacts.len() >= MAX_ARTIFACTS {
            return None;
        }
        let i = self.artifacts.len();
        let mut a = json!({ "location": { "uri": uri } });
        if !parent_json.is_null() {
            a["parentIndex"] = parent_json;
        } else {
            a["roles"] = json!(["analysisTarget"]);
        }
        self.artifacts.push(a);
        self.artifact_index.insert(key, i);
        Some(i)
    }

    fn notify(&mut self, r: &ResultRecord, uri: &str) {
        if r.status == Status::Complete {
            return;
        }
        if self.notifications.len() >= MAX_NOTIFICATIONS {
            self.notifications_left_out += 1;
            return;
        }
        let reasons: Vec<String> = r
            .reasons
            .iter()
            .map(|x| {
                let inside = match x.member.is_empty() {
                    true => String::new(),
                    false => format!(" (in {})", x.member.join(" > ")),
                };
                format!("{}{inside}: {}", x.code.as_str(), x.message)
            })
            .collect();
        let codes: Vec<&str> = r.reasons.iter().map(|x| x.code.as_str()).collect();
        let mut n = json!({
            "level": if r.status == Status::Skipped { "warning" } else { "note" },
            "message": { "text": format!("{} {}: {}", r.status, self.paths.path(r), reasons.join("; ")) },
            "locations": [{ "physicalLocation": { "artifactLocation": { "uri": uri } } }],
            "properties": { "status": r.status.as_str(), "reasonCodes": codes },
        });
        if let Some(code) = codes.first() {
            n["descriptor"] = json!({ "id": code });
        }
        self.notifications.push(n);
    }

    fn write_result(&mut self, value: &Value) -> io::Result<()> {
        if self.results > 0 {
            self.out.write_all(b",")?;
        }
        self.results += 1;
        serde_json::to_writer(&mut self.out, value).map_err(io::Error::from)
    }

    fn result(&mut self, r: &ResultRecord, d: usize, o: Option<&Occurrence>, top: &str) -> Value {
        let det = &r.detections[d];
        let rule = self.rule(&det.kind);
        let mut location = Map::new();
        let mut artifact = json!({ "uri": top });
        if let Some(o) = o.filter(|o| !o.member.is_empty()) {
            artifact = match self.member_artifact(top, &o.member) {
                Some(i) => json!({ "uri": encode(&o.member[o.member.len() - 1]), "index": i }),
                None => json!({ "uri": top }),
            };
        }
        let mut physical = json!({ "artifactLocation": artifact });
        if let Some(region) = o.and_then(region) {
            physical["region"] = region;
        }
        location.insert("physicalLocation".into(), physical);
        let logical = o.map(logical_locations).unwrap_or_default();
        if !logical.is_empty() {
            location.insert("logicalLocations".into(), Value::Array(logical));
        }
        let masked = o.map(|o| o.masked.as_str()).unwrap_or_default();
        let place = o.map(place).unwrap_or_default();
        let shown = self.paths.path(r);
        let text = match masked.is_empty() {
            true => format!("{} x{} in {shown}", det.kind, det.count),
            false => format!("{} {masked} in {shown}{place}", det.kind),
        };
        let mut properties = json!({
            "severity": det.severity.as_str(),
            "category": det.category.as_str(),
            "occurrencesInObject": det.count,
            "storage": r.object.storage.as_str(),
            "objectUri": r.object.uri,
        });
        if let Some(o) = o {
            properties["masked"] = json!(o.masked);
            properties["member"] = json!(o.member);
            for (k, v) in [("record", o.record), ("page", o.page)] {
                if let Some(v) = v {
                    properties[k] = json!(v);
                }
            }
        }
        json!({
            "ruleId": det.kind,
            "ruleIndex": rule,
            "level": level(det.severity),
            "message": { "text": text },
            "locations": [Value::Object(location)],
            "partialFingerprints": { "trawlFinding/v1": fingerprint(r, &det.kind, o) },
            "properties": properties,
        })
    }

    fn rules_json(&self) -> Vec<Value> {
        self.rules
            .iter()
            .map(|id| {
                let info = self.catalogue.get(id);
                let description = info
                    .map(|i| i.description.clone())
                    .filter(|d| !d.is_empty())
                    .unwrap_or_else(|| id.clone());
                let category = info.map_or(Category::Custom, |i| i.category);
                let severity = info.map_or(Severity::Medium, |i| i.severity);
                json!({
                    "id": id,
                    "name": pascal(id),
                    "shortDescription": { "text": first_sentence(&description) },
                    "fullDescription": { "text": description },
                    "help": { "text": help(&description, category) },
                    "defaultConfiguration": { "level": level(severity) },
                    "properties": {
                        "category": category.as_str(),
                        "tags": ["security", "sensitive-data", category.as_str().to_ascii_lowercase()],
                        "security-severity": security_severity(severity),
                    },
                })
            })
            .collect()
    }
}

impl<W: Write> RecordSink for SarifSink<W> {
    fn begin(&mut self, run_id: &str) -> io::Result<()> {
        self.run_id = run_id.to_string();
        self.start()
    }

    fn record(&mut self, r: &ResultRecord) -> io::Result<()> {
        self.start()?;
        let top = self.object_uri(r);
        self.notify(r, &top);
        for d in 0..r.detections.len() {
            let occurrences = &r.detections[d].occurrences;
            if occurrences.is_empty() {
                let v = self.result(r, d, None, &top);
                self.write_result(&v)?;
            }
            for i in 0..occurrences.len() {
                let v = self.result(r, d, Some(&r.detections[d].occurrences[i]), &top);
                self.write_result(&v)?;
            }
        }
        Ok(())
    }

    fn finish(&mut self) -> io::Result<()> {
        self.start()?;
        let mut invocation = json!({
            "executionSuccessful": true,
            "toolExecutionNotifications": self.notifications,
        });
        if self.notifications_left_out > 0 {
            invocation["properties"] =
                json!({ "notificationsLeftOut": self.notifications_left_out });
        }
        let mut tail = json!({
            "tool": { "driver": {
                "name": "trawl",
                "version": self.version,
                "semanticVersion": self.version,
                "rules": self.rules_json(),
            } },
            "invocations": [invocation],
            "columnKind": "unicodeCodePoints",
            "properties": { "runId": self.run_id },
        });
        if !self.artifacts.is_empty() {
            tail["artifacts"] = Value::Array(std::mem::take(&mut self.artifacts));
        }
        // The run object's other members follow its results.
        let tail = serde_json::to_string(&tail).map_err(io::Error::other)?;
        let members = tail
            .strip_prefix('{')
            .and_then(|t| t.strip_suffix('}'))
            .unwrap_or_default();
        write!(self.out, "],{members}}}]}}")?;
        self.out.write_all(b"\n")?;
        self.out.flush()
    }
}

fn encode(path: &str) -> String {
    utf8_percent_encode(path, PATH).to_string()
}

fn level(s: Severity) -> &'static str {
    match s {
        Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low => "note",
    }
}

/// GitHub's `security-severity` (a CVSS-like score that sets critical/high/medium/low).
fn security_severity(s: Severity) -> &'static str {
    match s {
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "3.0",
    }
}

fn default_severity(rule: &SeverityRule) -> Severity {
    match rule {
        SeverityRule::Tiers(t) => t[0],
        SeverityRule::Thresholds(t) => t.first().map_or(Severity::Medium, |(_, s)| *s),
    }
}

/// `CREDIT_CARD_NUMBER` -> `CreditCardNumber`.
fn pascal(id: &str) -> String {
    id.split(['_', '-', ' '])
        .filter(|w| !w.is_empty())
        .map(|w| {
            let lower = w.to_lowercase();
            let mut cs = lower.chars();
            match cs.next() {
                Some(f) => f.to_uppercase().chain(cs).collect::<String>(),
                None => String::new(),
            }
        })
        .collect()
}

fn help(description: &str, category: Category) -> String {
    let stop = if description.ends_with('.') { "" } else { "." };
    format!(
        "{description}{stop} Category: {}. The level is the detection's severity in the object, \
         which grows with the number of occurrences.",
        category.as_str()
    )
}

fn first_sentence(text: &str) -> String {
    match text.find(". ") {
        Some(i) => text[..=i].to_string(),
        None => text.to_string(),
    }
}

/// Line, column and byte region. Columns count bytes, as the result records do: the same
/// as characters on ASCII lines.
fn region(o: &Occurrence) -> Option<Value> {
    let mut r = Map::new();
    if let Some(line) = o.line {
        r.insert("startLine".into(), json!(line));
        if let Some(c) = o.column {
            r.insert("startColumn".into(), json!(c));
            r.insert("endColumn".into(), json!(c + o.length.max(1)));
        }
    }
    if let Some(offset) = o.offset {
        r.insert("byteOffset".into(), json!(offset));
        r.insert("byteLength".into(), json!(o.length));
    }
    (!r.is_empty()).then_some(Value::Object(r))
}

fn logical_locations(o: &Occurrence) -> Vec<Value> {
    let mut out = Vec::new();
    if let Some(c) = &o.cell {
        let name = c
            .reference
            .clone()
            .unwrap_or_else(|| format!("R{}C{}", c.row, c.column));
        let full = match (&c.sheet, c.table) {
            (Some(s), _) => format!("{s}!{name}"),
            (None, Some(t)) => format!("table{t}!{name}"),
            (None, None) => name.clone(),
        };
        let mut l = json!({ "name": name, "fullyQualifiedName": full, "kind": "element" });
        if let Some(col) = &c.column_name {
            l["properties"] = json!({ "row": c.row, "column": c.column, "columnName": col });
        } else {
            l["properties"] = json!({ "row": c.row, "column": c.column });
        }
        out.push(l);
    }
    if let Some(p) = &o.json_path {
        out.push(json!({ "fullyQualifiedName": p, "kind": "element" }));
    }
    out
}

/// Where in the object, for the message: ` (in a.zip > b.csv, line 3:5)`.
fn place(o: &Occurrence) -> String {
    let mut parts = Vec::new();
    if !o.member.is_empty() {
        parts.push(format!("in {}", o.member.join(" > ")));
    }
    if let Some(c) = &o.cell {
        let sheet = c
            .sheet
            .as_deref()
            .map(|s| format!("{s} "))
            .or_else(|| c.table.map(|t| format!("table {t} ")))
            .unwrap_or_default();
        parts.push(format!("{sheet}row {} column {}", c.row, c.column));
    } else if let Some(l) = o.line {
        parts.push(match o.column {
            Some(c) => format!("line {l}:{c}"),
            None => format!("line {l}"),
        });
    }
    if let Some(p) = &o.json_path {
        parts.push(p.clone());
    }
    if let Some(p) = o.page {
        parts.push(format!("page {p}"));
    }
    match parts.is_empty() {
        true => String::new(),
        false => format!(" ({})", parts.join(", ")),
    }
}

/// A stable id for the finding across runs (object, member, type, place, masked sample), so
/// that code-scanning tools match it to the alert it was before.
fn fingerprint(r: &ResultRecord, kind: &str, o: Option<&Occurrence>) -> String {
    let mut h = Sha256::new();
    for part in [r.object.uri.as_str(), kind] {
        h.update(part.as_bytes());
        h.update([0]);
    }
    if let Some(o) = o {
        let cell = o.cell.as_ref().map(|c| (c.sheet.clone(), c.row, c.column));
        let at = format!(
            "{:?}|{:?}|{:?}|{:?}|{:?}|{:?}|{}",
            o.member, o.line, o.column, cell, o.json_path, o.record, o.masked
        );
        h.update(at.as_bytes());
    }
    h.finalize()[..16]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::{CellOut, Detection, ObjectInfo, ReasonOut};
    use trawl_formats::ReasonCode;

    fn occurrence(member: &[&str], line: u64, masked: &str) -> Occurrence {
        Occurrence {
            member: member.iter().map(|m| m.to_string()).collect(),
            line: Some(line),
            column: Some(7),
            offset: Some(120),
            length: 16,
            cell: None,
            record: None,
            json_path: None,
            page: None,
            masked: masked.into(),
            value: Some("4539578763621486".into()),
            value_hash: None,
        }
    }

    fn record(key: &str, detections: Vec<Detection>, status: Status) -> ResultRecord {
        ResultRecord {
            schema: crate::RESULT_SCHEMA.into(),
            run_id: "run-1".into(),
            job_id: None,
            object: ObjectInfo {
                storage: Storage::S3,
                bucket: Some("b".into()),
                key: key.into(),
                uri: format!("s3://b/{key}"),
                size: 10,
                last_modified: None,
                etag: None,
                version_id: None,
                encryption: None,
                account: None,
            },
            status,
            reasons: match status {
                Status::Complete => vec![],
                _ => vec![ReasonOut {
                    code: ReasonCode::MalformedFile,
                    member: vec!["x.csv".into()],
                    message: "bad zip".into(),
                }],
            },
            format: "zip".into(),
            bytes_scanned: 10,
            severity: detections.iter().map(|d| d.severity).max(),
            detections,
        }
    }

    fn card(occurrences: Vec<Occurrence>) -> Detection {
        Detection {
            kind: "CREDIT_CARD_NUMBER".into(),
            category: Category::Financial,
            count: occurrences.len() as u64 + 5,
            severity: Severity::High,
            occurrences,
        }
    }

    fn sarif(records: &[ResultRecord]) -> Value {
        let engine = trawl_identifiers::EngineBuilder::new().build().unwrap();
        let mut out = Vec::new();
        let mut sink = SarifSink::new(
            &mut out,
            engine.identifiers(),
            DisplayPaths::default(),
            "1.2.3",
        );
        sink.begin("run-1").unwrap();
        for r in records {
            sink.record(r).unwrap();
        }
        sink.finish().unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(
            !text.contains("4539578763621486"),
            "a raw value leaked: {text}"
        );
        serde_json::from_str(&text).unwrap()
    }

    #[test]
    fn results_rules_and_nested_artifacts() {
        let records = [
            record("clean.txt", vec![], Status::Complete),
            record(
                "dir/a b.zip",
                vec![card(vec![
                    occurrence(&["inner.tar", "x.csv"], 3, "4539********1486"),
                    occurrence(&[], 9, "4539********0000"),
                ])],
                Status::Partial,
            ),
        ];
        let log = sarif(&records);
        assert_eq!(log["version"], "2.1.0");
        let run = &log["runs"][0];
        let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
        assert_eq!(rules.len(), 1, "only the rules seen");
        assert_eq!(rules[0]["id"], "CREDIT_CARD_NUMBER");
        assert_eq!(rules[0]["name"], "CreditCardNumber");
        assert_eq!(rules[0]["properties"]["security-severity"], "8.0");
        let results = run["results"].as_array().unwrap();
        assert_eq!(results.len(), 2);
        let nested = &results[0];
        assert_eq!(nested["level"], "error");
        assert_eq!(nested["ruleIndex"], 0);
        let loc = &nested["locations"][0]["physicalLocation"];
        assert_eq!(loc["region"]["startLine"], 3);
        assert_eq!(loc["region"]["startColumn"], 7);
        assert_eq!(loc["region"]["endColumn"], 23);
        assert_eq!(loc["region"]["byteOffset"], 120);
        let index = loc["artifactLocation"]["index"].as_u64().unwrap() as usize;
        let artifacts = run["artifacts"].as_array().unwrap();
        assert_eq!(artifacts[index]["location"]["uri"], "x.csv");
        let parent = artifacts[index]["parentIndex"].as_u64().unwrap() as usize;
        assert_eq!(artifacts[parent]["location"]["uri"], "inner.tar");
        let top = artifacts[parent]["parentIndex"].as_u64().unwrap() as usize;
        assert_eq!(artifacts[top]["location"]["uri"], "s3://b/dir/a%20b.zip");
        assert!(nested["message"]["text"]
            .as_str()
            .unwrap()
            .contains("4539********1486 in s3://b/dir/a b.zip (in inner.tar > x.csv, line 3:7)"));
        let direct = &results[1]["locations"][0]["physicalLocation"]["artifactLocation"];
        assert_eq!(direct["uri"], "s3://b/dir/a%20b.zip");
        assert_ne!(
            results[0]["partialFingerprints"],
            results[1]["partialFingerprints"]
        );
        let notes = run["invocations"][0]["toolExecutionNotifications"]
            .as_array()
            .unwrap();
        assert_eq!(notes.len(), 1, "the PARTIAL object, not the clean one");
        assert_eq!(notes[0]["descriptor"]["id"], "MALFORMED_FILE");
        assert!(notes[0]["message"]["text"]
            .as_str()
            .unwrap()
            .contains("PARTIAL s3://b/dir/a b.zip: MALFORMED_FILE (in x.csv): bad zip"));
    }

    #[test]
    fn cells_are_logical_locations_and_an_empty_run_is_a_valid_log() {
        let mut o = occurrence(&[], 1, "j***@example.com");
        o.line = None;
        o.column = None;
        o.offset = None;
        o.cell = Some(CellOut {
            row: 4,
            column: 2,
            column_name: Some("email".into()),
            sheet: Some("Staff".into()),
            reference: Some("B4".into()),
            table: None,
        });
        let log = sarif(&[record("s.xlsx", vec![card(vec![o])], Status::Complete)]);
        let loc = &log["runs"][0]["results"][0]["locations"][0];
        assert!(loc["physicalLocation"].get("region").is_none());
        assert_eq!(loc["logicalLocations"][0]["fullyQualifiedName"], "Staff!B4");
        let empty = sarif(&[]);
        assert_eq!(empty["runs"][0]["results"], json!([]));
        assert_eq!(empty["runs"][0]["tool"]["driver"]["rules"], json!([]));
    }

    #[test]
    fn names_and_levels() {
        assert_eq!(pascal("AWS_SECRET_ACCESS_KEY"), "AwsSecretAccessKey");
        assert_eq!(level(Severity::Medium), "warning");
        assert_eq!(
            first_sentence("Card numbers. Luhn checked."),
            "Card numbers."
        );
        assert_eq!(encode("a b/c#d%"), "a%20b/c%23d%25");
    }
}
