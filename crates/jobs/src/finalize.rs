//! `trawl job finalize`: the shards of a run (see [`crate::shards`]) merged into one run
//! summary at `<results>/<job_id>/run=<run_id>/summary.json`, with the shards that are
//! missing or incomplete named, and every results record read back to check that no object
//! is in two places (each record must be in the shard that owns it, and in it once).
//!
//! Memory: one results file at a time, plus 16 bytes per object of the shard being read
//! (the duplicate check within a shard; across shards the owner check suffices, as each
//! object has exactly one owner).

use std::collections::{BTreeMap, HashSet};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use trawl_scanner::private_file;
use trawl_scanner::Shard;

use crate::error::{Error, Result};
use crate::results::{Location, Uploader, COMPLETE_MARKER};
use crate::runner::{results_root, RunOptions};
use crate::shards::check_run_id;
use crate::state::Store;
use crate::stats::{sensitivity_score, TargetStats};

/// At most this many object URIs are named per kind of problem.
const NAMED: usize = 20;

/// What finalizing a run found.
#[derive(Clone, Debug)]
pub struct Finalized {
    /// The merged run summary (also written to the run's folder).
    pub summary: Value,
    /// Every shard complete, every record where it belongs, none twice.
    pub complete: bool,
    /// Where the merged summary was written.
    pub summary_location: String,
    /// Each problem, one line (a missing or incomplete shard, an object twice, ...).
    pub problems: Vec<String>,
}

/// Where a run's shard folders are: a local folder or an S3 prefix.
enum Folder {
    Local(PathBuf),
    S3(Uploader),
}

impl Folder {
    /// Files under the run's folder, relative, with `/` separators.
    fn list(&self) -> Result<Vec<String>> {
        match self {
            Folder::S3(u) => Ok(u.list()?.into_iter().map(|(k, _)| k).collect()),
            Folder::Local(root) => {
                let mut out = Vec::new();
                let Ok(shards) = std::fs::read_dir(root) else {
                    return Ok(out);
                };
                for d in shards.flatten() {
                    let name = d.file_name().to_string_lossy().into_owned();
                    let Ok(files) = std::fs::read_dir(d.path()) else {
                        continue;
                    };
                    for f in files.flatten() {
                        out.push(format!("{name}/{}", f.file_name().to_string_lossy()));
                    }
                }
                out.sort();
                Ok(out)
            }
        }
    }

    fn read(&self, name: &str) -> Result<Vec<u8>> {
        match self {
            Folder::S3(u) => u.get(name),
            Folder::Local(root) => {
                let p = root.join(name);
                std::fs::read(&p).map_err(|e| Error::io(&p, e))
            }
        }
    }

    fn write_summary(&self, staging: &Path, summary: &Value) -> Result<String> {
        let text = serde_json::to_string_pretty(summary)? + "\n";
        match self {
            Folder::Local(root) => {
                private_file::create_dir_all(root).map_err(|e| Error::io(root, e))?;
                let p = root.join("summary.json");
                private_file::write(&p, text.as_bytes()).map_err(|e| Error::io(&p, e))?;
                Ok(p.display().to_string())
            }
            Folder::S3(u) => {
                private_file::create_dir_all(staging).map_err(|e| Error::io(staging, e))?;
                let p = staging.join("summary.json");
                private_file::write(&p, text.as_bytes()).map_err(|e| Error::io(&p, e))?;
                u.put(&p)?;
                let _ = std::fs::remove_dir_all(staging);
                Ok(format!("{}summary.json", u.location()))
            }
        }
    }
}

/// What one shard's folder holds.
#[derive(Default)]
struct ShardFiles {
    summary: bool,
    marker: bool,
    results: Vec<String>,
}

/// The identity of a record's object: all that the checks need.
#[derive(Deserialize)]
struct RecordObject {
    object: ObjectId,
}

#[derive(Deserialize)]
struct ObjectId {
    bucket: Option<String>,
    key: String,
    uri: String,
    version_id: Option<String>,
}

/// What reading a shard's records found.
#[derive(Default)]
struct Checked {
    records: u64,
    twice: Vec<String>,
    twice_count: u64,
    misplaced: Vec<String>,
    misplaced_count: u64,
}

/// What judging the shards found.
#[derive(Default)]
struct Verdict {
    complete: Vec<u64>,
    incomplete: Vec<Value>,
    missing: Vec<u64>,
    records: u64,
    twice: Vec<String>,
    misplaced: Vec<String>,
    problems: Vec<String>,
}

/// Merges the shards of run `run_id` of job `job_ref` (see the module docs). `shard_count`
/// names the number of shards when no shard has said it yet (every shard missing).
pub fn finalize_run(
    state: &Path,
    job_ref: &str,
    run_id: &str,
    shard_count: Option<u64>,
    opts: &RunOptions,
) -> Result<Finalized> {
    check_run_id(run_id)?;
    let store = Store::open(state)?;
    let row = store.job(job_ref)?;
    let job = row.definition.check_fields(&format!("job {}", row.id))?;
    let location = Location::for_sharded_run(&results_root(&job, opts), &row.id, run_id);
    let folder = run_folder(&job, &location)?;
    let files = shard_files(&folder.list()?);
    let summaries = read_summaries(&folder, &files, &location)?;
    let count = shard_count_of(&summaries, shard_count, &location)?;
    let v = judge(&folder, &files, &summaries, count)?;
    let all_complete = v.problems.is_empty();
    let mut summary = merge(&summaries);
    let fields = json!({
        "schema": "trawl.run-summary/v1",
        "job_id": row.id,
        "job_name": job.def.name,
        "run_id": run_id,
        "status": if all_complete { "COMPLETE" } else { "INCOMPLETE" },
        "shards": {
            "count": count,
            "complete": v.complete,
            "incomplete": v.incomplete,
            "missing": v.missing,
        },
        "records_checked": v.records,
        "objects_recorded_twice": v.twice,
        "objects_in_the_wrong_shard": v.misplaced,
        "problems": v.problems,
        "results_location": location.display(),
    });
    if let (Some(s), Some(f)) = (summary.as_object_mut(), fields.as_object()) {
        for (k, v) in f {
            s.insert(k.clone(), v.clone());
        }
    }
    let staging = PathBuf::from(format!("{}.staging", store.path().display()))
        .join(&row.id)
        .join(format!("run={run_id}"));
    let summary_location = folder.write_summary(&staging, &summary)?;
    Ok(Finalized {
        summary,
        complete: all_complete,
        summary_location,
        problems: v.problems,
    })
}

/// The run's folder: local, or an S3 prefix read with the job's results settings.
fn run_folder(job: &crate::definition::Job, location: &Location) -> Result<Folder> {
    Ok(match location {
        Location::Local(p) => Folder::Local(p.clone()),
        Location::S3 { bucket, prefix } => Folder::S3(
            Uploader::new(
                job.region(),
                job.def
                    .results
                    .endpoint
                    .as_deref()
                    .or(job.def.s3.endpoint.as_deref()),
                &job.def.tls,
                bucket,
                prefix,
                job.def.results.kms_key_id.as_deref(),
            )
            .map_err(Error::Results)?,
        ),
    })
}

/// Each shard's `summary.json`, where it wrote one.
fn read_summaries(
    folder: &Folder,
    files: &BTreeMap<u64, ShardFiles>,
    location: &Location,
) -> Result<BTreeMap<u64, Value>> {
    let mut summaries = BTreeMap::new();
    for k in files.iter().filter(|(_, f)| f.summary).map(|(k, _)| k) {
        let bytes = folder.read(&format!("shard={k}/summary.json"))?;
        let v: Value = serde_json::from_slice(&bytes).map_err(|e| {
            Error::Results(format!("{}shard={k}/summary.json: {e}", location.display()))
        })?;
        summaries.insert(*k, v);
    }
    Ok(summaries)
}

/// Each of the `count` shards complete, incomplete or missing, and its records checked.
fn judge(
    folder: &Folder,
    files: &BTreeMap<u64, ShardFiles>,
    summaries: &BTreeMap<u64, Value>,
    count: u64,
) -> Result<Verdict> {
    let mut v = Verdict::default();
    for k in files.keys().filter(|k| **k >= count) {
        v.problems
            .push(format!("shard={k}: not a shard of a run split in {count}"));
    }
    for k in 0..count {
        let Some(f) = files.get(&k) else {
            v.missing.push(k);
            v.problems
                .push(format!("shard {k}/{count}: missing (nothing written)"));
            continue;
        };
        let checked = check_records(folder, k, count, &f.results).unwrap_or_else(|e| {
            v.problems
                .push(format!("shard {k}/{count}: results unreadable: {e}"));
            Checked::default()
        });
        v.records += checked.records;
        if checked.twice_count > 0 {
            v.problems.push(format!(
                "shard {k}/{count}: {} objects recorded twice (e.g. {})",
                checked.twice_count,
                checked.twice.first().map(String::as_str).unwrap_or("")
            ));
        }
        if checked.misplaced_count > 0 {
            v.problems.push(format!(
                "shard {k}/{count}: {} records of objects another shard owns (e.g. {})",
                checked.misplaced_count,
                checked.misplaced.first().map(String::as_str).unwrap_or("")
            ));
        }
        let status = summaries.get(&k).and_then(|s| s["status"].as_str());
        if f.marker && status == Some("COMPLETE") {
            let said = summaries[&k]["objects"].as_u64().unwrap_or(0);
            if said != checked.records {
                v.problems.push(format!(
                    "shard {k}/{count}: its summary says {said} objects, its results hold {} records",
                    checked.records
                ));
            }
            v.complete.push(k);
        } else {
            let why = match status {
                Some(s) => format!("run ended {s}, no completion marker"),
                None => "started, no summary yet (running, or killed)".to_string(),
            };
            v.problems.push(format!(
                "shard {k}/{count}: incomplete ({why}; {} records so far)",
                checked.records
            ));
            v.incomplete
                .push(json!({"shard": k, "why": why, "records": checked.records}));
        }
        v.twice.extend(checked.twice);
        v.misplaced.extend(checked.misplaced);
    }
    v.twice.truncate(NAMED);
    v.misplaced.truncate(NAMED);
    Ok(v)
}

/// The files of each `shard=K/` folder.
fn shard_files(names: &[String]) -> BTreeMap<u64, ShardFiles> {
    let mut out: BTreeMap<u64, ShardFiles> = BTreeMap::new();
    for name in names {
        let Some((dir, file)) = name.split_once('/') else {
            continue;
        };
        let Some(k) = dir
            .strip_prefix("shard=")
            .and_then(|k| k.parse::<u64>().ok())
        else {
            continue;
        };
        let f = out.entry(k).or_default();
        if file == "summary.json" {
            f.summary = true;
        } else if file == COMPLETE_MARKER {
            f.marker = true;
        } else if file.starts_with("results-") && file.ends_with(".jsonl.gz") {
            f.results.push(name.clone());
        }
    }
    out
}

/// The number of shards: as the shards' summaries say it (they must agree), or as given.
fn shard_count_of(
    summaries: &BTreeMap<u64, Value>,
    given: Option<u64>,
    location: &Location,
) -> Result<u64> {
    let mut said: Option<u64> = None;
    for (k, s) in summaries {
        let shard = s["shard"].as_str().and_then(|t| Shard::parse(t).ok());
        let Some(shard) = shard.filter(|sh| sh.index == *k) else {
            return Err(Error::Results(format!(
                "{}shard={k}/summary.json does not name shard {k} of this run",
                location.display()
            )));
        };
        if said.is_some_and(|n| n != shard.count) {
            return Err(Error::Results(format!(
                "the shards under {} disagree on their number ({} and {})",
                location.display(),
                said.unwrap_or(0),
                shard.count
            )));
        }
        said = Some(shard.count);
    }
    match (said, given) {
        (Some(n), Some(g)) if n != g => Err(Error::Invalid(format!(
            "--shard-count {g}: the shards under {} say the run is split in {n}",
            location.display()
        ))),
        (Some(n), _) | (None, Some(n)) if n > 0 => Ok(n),
        _ => Err(Error::Invalid(format!(
            "no shard has written a summary under {}: give --shard-count N to name the missing ones",
            location.display()
        ))),
    }
}

/// Reads shard `k`'s records: each must be owned by `k`, and be there once.
fn check_records(folder: &Folder, k: u64, count: u64, files: &[String]) -> Result<Checked> {
    let mut seen: HashSet<[u8; 16]> = HashSet::new();
    let mut c = Checked::default();
    for name in files {
        let bytes = folder.read(name)?;
        let reader = BufReader::new(flate2::read::MultiGzDecoder::new(bytes.as_slice()));
        for line in reader.lines() {
            let line = line.map_err(|e| Error::Results(format!("{name}: {e}")))?;
            if line.trim().is_empty() {
                continue;
            }
            let r: RecordObject = serde_json::from_str(&line)
                .map_err(|e| Error::Results(format!("{name}: a record that is not one: {e}")))?;
            let o = r.object;
            c.records += 1;
            let version = o.version_id.as_deref().unwrap_or("");
            let owner = Shard::owner(o.bucket.as_deref().unwrap_or(""), &o.key, version, count);
            if owner != k {
                c.misplaced_count += 1;
                if c.misplaced.len() < NAMED {
                    c.misplaced.push(o.uri.clone());
                }
            }
            let mut h = Sha256::new();
            h.update(o.uri.as_bytes());
            h.update([0]);
            h.update(version.as_bytes());
            let mut id = [0u8; 16];
            id.copy_from_slice(&h.finalize()[..16]);
            if !seen.insert(id) {
                c.twice_count += 1;
                if c.twice.len() < NAMED {
                    c.twice.push(o.uri);
                }
            }
        }
    }
    Ok(c)
}

/// The shards' summaries added up: counts summed, per-target statistics merged (scores
/// computed again from the sums), warnings prefixed by their shard, times widened.
fn merge(summaries: &BTreeMap<u64, Value>) -> Value {
    let mut out = json!({});
    const SUMS: [&str; 6] = [
        "objects",
        "bytes",
        "objects_unchanged",
        "objects_already_scanned_by_this_run",
        "objects_older_than_job",
        "objects_over_run_limit",
    ];
    for key in SUMS {
        let n: u64 = summaries.values().filter_map(|s| s[key].as_u64()).sum();
        out[key] = json!(n);
    }
    let mut findings: BTreeMap<String, u64> = BTreeMap::new();
    let mut targets: BTreeMap<String, TargetStats> = BTreeMap::new();
    let mut warnings: Vec<String> = Vec::new();
    for (k, s) in summaries {
        if let Some(m) = s["objects_with_findings"].as_object() {
            for (sev, n) in m {
                *findings.entry(sev.clone()).or_default() += n.as_u64().unwrap_or(0);
            }
        }
        let ts: Vec<TargetStats> = serde_json::from_value(s["targets"].clone()).unwrap_or_default();
        for t in ts {
            match targets.get_mut(&t.target) {
                Some(into) => add_target(into, &t),
                None => {
                    targets.insert(t.target.clone(), t);
                }
            }
        }
        for w in s["warnings"].as_array().into_iter().flatten() {
            if let Some(w) = w.as_str() {
                warnings.push(format!("shard {k}: {w}"));
            }
        }
    }
    let targets: Vec<TargetStats> = targets
        .into_values()
        .map(|mut t| {
            t.sensitivity_score = sensitivity_score(&t);
            t
        })
        .collect();
    let times = |key: &str| -> Vec<&str> {
        let mut v: Vec<&str> = summaries.values().filter_map(|s| s[key].as_str()).collect();
        v.sort();
        v
    };
    out["objects_with_findings"] = json!(findings);
    out["targets"] = json!(targets);
    out["warnings"] = json!(warnings);
    out["started_at"] = json!(times("started_at").first());
    out["ended_at"] = json!(times("ended_at").last());
    out["incremental"] = json!(summaries
        .values()
        .any(|s| s["incremental"].as_bool() == Some(true)));
    out
}

fn add_target(into: &mut TargetStats, t: &TargetStats) {
    into.objects += t.objects;
    into.bytes += t.bytes;
    into.bytes_scanned += t.bytes_scanned;
    for (into_map, from) in [
        (&mut into.objects_with_findings, &t.objects_with_findings),
        (&mut into.skipped, &t.skipped),
        (&mut into.partial, &t.partial),
        (&mut into.types, &t.types),
    ] {
        for (k, n) in from {
            *into_map.entry(k.clone()).or_default() += n;
        }
    }
    if into.error.is_none() {
        into.error.clone_from(&t.error);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shard_folders_and_counts() {
        let names: Vec<String> = [
            "shard=0/results-00001.jsonl.gz",
            "shard=0/summary.json",
            "shard=0/_COMPLETE",
            "shard=2/results-00001.jsonl.gz",
            "summary.json",
            "shard=x/summary.json",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let f = shard_files(&names);
        assert_eq!(f.keys().copied().collect::<Vec<_>>(), vec![0, 2]);
        assert!(f[&0].summary && f[&0].marker && f[&0].results.len() == 1);
        assert!(!f[&2].summary && !f[&2].marker);

        let loc = Location::Local(PathBuf::from("/r"));
        let mut s = BTreeMap::new();
        assert!(shard_count_of(&s, None, &loc).is_err());
        assert_eq!(shard_count_of(&s, Some(4), &loc).unwrap(), 4);
        s.insert(1, json!({"shard": "1/4"}));
        assert_eq!(shard_count_of(&s, None, &loc).unwrap(), 4);
        assert!(shard_count_of(&s, Some(3), &loc).is_err());
        s.insert(2, json!({"shard": "2/5"}));
        assert!(shard_count_of(&s, None, &loc).is_err());
        s.insert(2, json!({"shard": "1/4"}));
        assert!(shard_count_of(&s, None, &loc).is_err());
    }

    #[test]
    fn summaries_add_up() {
        let mut s = BTreeMap::new();
        s.insert(
            0,
            json!({"objects": 2, "bytes": 10, "objects_with_findings": {"HIGH": 1},
                   "targets": [{"target": "/t", "objects": 2, "bytes": 10, "bytes_scanned": 10,
                                "objects_with_findings": {"HIGH": 1}, "skipped": {}, "partial": {},
                                "types": {"CREDIT_CARD_NUMBER": 1}, "error": null, "sensitivity_score": 0}],
                   "warnings": ["w"], "started_at": "2026-01-01T00:00:01Z", "ended_at": "2026-01-01T00:00:05Z"}),
        );
        s.insert(
            1,
            json!({"objects": 3, "bytes": 5, "objects_with_findings": {"HIGH": 1, "LOW": 1},
                   "targets": [{"target": "/t", "objects": 3, "bytes": 5, "bytes_scanned": 5,
                                "objects_with_findings": {"HIGH": 1, "LOW": 1}, "skipped": {"X": 1}, "partial": {},
                                "types": {"CREDIT_CARD_NUMBER": 1}, "error": null, "sensitivity_score": 0}],
                   "warnings": [], "started_at": "2026-01-01T00:00:00Z", "ended_at": "2026-01-01T00:00:03Z"}),
        );
        let m = merge(&s);
        assert_eq!(m["objects"], 5);
        assert_eq!(m["bytes"], 15);
        assert_eq!(m["objects_with_findings"], json!({"HIGH": 2, "LOW": 1}));
        assert_eq!(m["targets"][0]["objects"], 5);
        assert_eq!(m["targets"][0]["types"]["CREDIT_CARD_NUMBER"], 2);
        assert_eq!(m["targets"][0]["skipped"]["X"], 1);
        assert!(m["targets"][0]["sensitivity_score"].as_i64().unwrap() > 50);
        assert_eq!(m["warnings"], json!(["shard 0: w"]));
        assert_eq!(m["started_at"], "2026-01-01T00:00:00Z");
        assert_eq!(m["ended_at"], "2026-01-01T00:00:05Z");
    }
}
