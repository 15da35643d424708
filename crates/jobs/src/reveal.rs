//! Reveal on demand: the raw values of one stored finding, read again from its object.
//!
//! Jobs keep no raw values anywhere. To reveal, the object is read again (the same S3
//! version and ETag, or the same local file by size and modification time) and scanned with
//! the job's identifiers; the values at the finding's stored locations (at most
//! [`MAX_REVEALED_PER_TYPE`] per type, as Macie reveals) are returned. An object that
//! changed or vanished reveals nothing. Every attempt is recorded in the state database (who,
//! when, which finding, what came of it).

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use serde::Serialize;
use serde_json::Value;
use trawl_scanner::{
    CollectSink, ObjectFilter, ObjectRef, RecordOptions, ResultRecord, S3Target, ScanConfig, Scope,
    Storage, Target,
};

use crate::error::{Error, Result};
use crate::events::occurrence;
use crate::runner::{job_limits, s3_options};
use crate::state::{now_text, FindingRow, Store};

/// Values revealed per identifier type, at most.
pub const MAX_REVEALED_PER_TYPE: usize = 10;

/// One revealed value.
#[derive(Clone, Debug, Serialize)]
pub struct RevealedValue {
    /// Where it is, as the finding shows it (line, offset, cell, record, page, member).
    pub location: Value,
    /// The raw value.
    pub value: String,
}

/// The revealed values of one identifier type.
#[derive(Clone, Debug, Serialize)]
pub struct RevealedType {
    /// Identifier type.
    #[serde(rename = "type")]
    pub kind: String,
    /// Values at the stored locations, in their order.
    pub values: Vec<RevealedValue>,
    /// Stored locations where the scan found no value of this type any more.
    pub not_found: usize,
}

/// What came of a reveal.
#[derive(Clone, Debug, Serialize)]
#[serde(tag = "outcome", rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Reveal {
    /// The object is as it was: its values.
    Revealed {
        /// Finding id.
        finding_id: String,
        /// The object.
        uri: String,
        /// Per type.
        types: Vec<RevealedType>,
    },
    /// The object is there but not the one scanned (another version, ETag, size or time).
    Changed {
        /// Finding id.
        finding_id: String,
        /// The object.
        uri: String,
        /// What differs.
        reason: String,
    },
    /// The object is gone.
    Vanished {
        /// Finding id.
        finding_id: String,
        /// The object.
        uri: String,
    },
}

impl Reveal {
    fn outcome(&self) -> String {
        match self {
            Reveal::Revealed { types, .. } => format!(
                "REVEALED {}",
                types.iter().map(|t| t.values.len()).sum::<usize>()
            ),
            Reveal::Changed { reason, .. } => format!("CHANGED {reason}"),
            Reveal::Vanished { .. } => "VANISHED".into(),
        }
    }
}

/// The object identity a finding stored.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Identity {
    size: Option<u64>,
    last_modified: Option<String>,
    etag: Option<String>,
    version_id: Option<String>,
}

impl Identity {
    fn of_finding(f: &FindingRow) -> Identity {
        let o = &f.detail["resourcesAffected"]["s3Object"];
        Identity {
            size: o["size"].as_u64(),
            last_modified: o["lastModified"].as_str().map(str::to_string),
            etag: f.etag.clone(),
            version_id: f.version_id.clone(),
        }
    }

    fn of_object(o: &ObjectRef) -> Identity {
        Identity {
            size: Some(o.size),
            last_modified: o.last_modified.clone(),
            etag: o.etag.clone(),
            version_id: o.version_id.clone(),
        }
    }

    /// What differs from `now`, if anything (a field the finding did not store is not compared).
    fn differs(&self, now: &Identity) -> Option<String> {
        let mut out = Vec::new();
        if self.version_id.is_some() && self.version_id != now.version_id {
            out.push("version");
        }
        if self.etag.is_some() && self.etag != now.etag {
            out.push("ETag");
        }
        if self.size.is_some() && self.size != now.size {
            out.push("size");
        }
        if self.last_modified.is_some() && self.last_modified != now.last_modified {
            out.push("modification time");
        }
        (!out.is_empty()).then(|| format!("its {} changed since the scan", out.join(", ")))
    }
}

/// The stored occurrences of a finding: (type, location without the masked sample).
fn stored_occurrences(detail: &Value) -> Vec<(String, Vec<Value>)> {
    let result = &detail["classificationDetails"]["result"];
    let mut detections: Vec<&Value> = Vec::new();
    for cat in result["sensitiveData"].as_array().into_iter().flatten() {
        detections.extend(cat["detections"].as_array().into_iter().flatten());
    }
    detections.extend(
        result["customDataIdentifiers"]["detections"]
            .as_array()
            .into_iter()
            .flatten(),
    );
    detections
        .into_iter()
        .filter_map(|d| {
            let kind = d["type"].as_str()?.to_string();
            let occ = d["occurrences"]
                .as_array()
                .into_iter()
                .flatten()
                .map(without_sample)
                .collect();
            Some((kind, occ))
        })
        .collect()
}

fn without_sample(v: &Value) -> Value {
    let mut v = v.clone();
    if let Some(o) = v.as_object_mut() {
        o.remove("maskedSample");
    }
    v
}

/// The target that lists just the finding's object.
fn target_of(f: &FindingRow) -> Result<Target> {
    match (f.storage.as_str(), &f.bucket) {
        ("s3", Some(bucket)) => Ok(Target::S3(S3Target {
            bucket: Some(bucket.clone()),
            prefix: f.key.clone(),
        })),
        _ => {
            let path = f.uri.strip_prefix("file://").ok_or_else(|| {
                Error::Results(format!("finding {}: {} is not a file URI", f.id, f.uri))
            })?;
            Ok(Target::Local(PathBuf::from(path)))
        }
    }
}

/// Whether a listed object is the finding's (S3: the same key; local: the same path).
fn same_object(f: &FindingRow, o: &ObjectRef) -> bool {
    if f.storage == Storage::S3.as_str() {
        o.bucket == f.bucket && o.key == f.key
    } else {
        o.uri == f.uri
    }
}

/// Reveals finding `id` (or a unique prefix) of the state database at `state`, recording
/// the attempt as made by `who`.
pub fn reveal_finding(state: &Path, id: &str, who: &str) -> Result<Reveal> {
    let store = Store::open(state)?;
    let f = store.finding(id)?;
    let row = store.job(&f.job_id)?;
    let job = row.definition.check_fields(&format!("job {}", row.id))?;
    let engine = job.engine()?;
    let stored = Identity::of_finding(&f);
    let seen: Arc<Mutex<Option<ObjectRef>>> = Arc::default();
    let filter = {
        let (f, seen, stored) = (f.clone(), seen.clone(), stored.clone());
        ObjectFilter(Arc::new(move |o: &ObjectRef| {
            if !same_object(&f, o) {
                return false;
            }
            let unchanged = stored.differs(&Identity::of_object(o)).is_none();
            if let Ok(mut s) = seen.lock() {
                *s = Some(o.clone());
            }
            unchanged
        }))
    };
    let config = ScanConfig {
        threads: 1,
        limits: job_limits(&job),
        record: RecordOptions {
            max_occurrences: job.def.limits.max_occurrences.unwrap_or(1000),
            reveal: true,
            run_id: trawl_scanner::new_run_id(),
            job_id: Some(f.job_id.clone()),
            value_key: None,
        },
        scope: Scope::default(),
        filter: Some(filter),
        cancel: None,
        s3: s3_options(&job),
        progress: None,
    };
    let mut sink = CollectSink::default();
    let target = target_of(&f)?;
    let gone = matches!(&target, Target::Local(p) if !p.exists());
    if !gone {
        // A bucket that cannot be listed is an error; a key no longer listed has vanished.
        trawl_scanner::run(&[target], &engine, &config, &mut sink, &mut |_| {})?;
    }
    let listed = seen.lock().ok().and_then(|s| s.clone());
    let outcome = match (listed, sink.records.first()) {
        (None, _) => Reveal::Vanished {
            finding_id: f.id.clone(),
            uri: f.uri.clone(),
        },
        (Some(o), None) => Reveal::Changed {
            finding_id: f.id.clone(),
            uri: f.uri.clone(),
            reason: stored
                .differs(&Identity::of_object(&o))
                .unwrap_or_else(|| "it could not be read again".into()),
        },
        (Some(_), Some(record)) => Reveal::Revealed {
            finding_id: f.id.clone(),
            uri: f.uri.clone(),
            types: values_at(&stored_occurrences(&f.detail), record),
        },
    };
    store.record_reveal(
        &f.id,
        &now_text(chrono::Utc::now()),
        who,
        &outcome.outcome(),
    )?;
    Ok(outcome)
}

/// The raw values of `record` at the stored locations, per type.
fn values_at(stored: &[(String, Vec<Value>)], record: &ResultRecord) -> Vec<RevealedType> {
    stored
        .iter()
        .map(|(kind, locations)| {
            let current: Vec<(Value, Option<&String>)> = record
                .detections
                .iter()
                .filter(|d| d.kind == *kind)
                .flat_map(|d| d.occurrences.iter())
                .map(|o| (without_sample(&occurrence(o)), o.value.as_ref()))
                .collect();
            let mut values = Vec::new();
            let mut not_found = 0;
            for loc in locations {
                match current.iter().find(|(l, _)| l == loc) {
                    Some((_, Some(v))) if values.len() < MAX_REVEALED_PER_TYPE => {
                        values.push(RevealedValue {
                            location: loc.clone(),
                            value: (*v).clone(),
                        })
                    }
                    Some(_) => {}
                    None => not_found += 1,
                }
            }
            RevealedType {
                kind: kind.clone(),
                values,
                not_found,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identity_names_what_changed_and_ignores_what_was_not_stored() {
        let stored = Identity {
            size: Some(10),
            last_modified: Some("t1".into()),
            etag: None,
            version_id: None,
        };
        let mut now = stored.clone();
        now.etag = Some("\"e\"".into());
        assert_eq!(stored.differs(&now), None);
        now.size = Some(11);
        now.last_modified = Some("t2".into());
        assert_eq!(
            stored.differs(&now).as_deref(),
            Some("its size, modification time changed since the scan")
        );
    }
}
