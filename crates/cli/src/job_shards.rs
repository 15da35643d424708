//! The flags of a job run split across machines (`trawl job run ID --shard K/N --run RUN`,
//! `--file JOB.toml`) and `trawl job finalize`: see crates/jobs/src/shards.rs.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Result;
use clap::Args;
use trawl_jobs::{JobDefinition, RunOptions, ShardRun, Store};

use crate::ExitStatus;

/// How one process takes part in a run split across processes or machines.
#[derive(Args, Clone, Debug, Default)]
pub struct ShardArgs {
    /// Create the job under the id given from this job file when the state does not hold it
    /// (the same definition when it does): how every machine of a sharded run gets the same
    /// job from one file.
    #[arg(long, value_name = "FILE")]
    pub file: Option<PathBuf>,
    /// Run only shard K of N (0-based) of a run split across processes or machines; all
    /// shards share one run id (--run). Each shard needs its own state database.
    #[arg(long, value_name = "K/N")]
    pub shard: Option<String>,
    /// Split into N shards, this one's index from JOB_COMPLETION_INDEX (a Kubernetes Indexed
    /// Job) or AWS_BATCH_JOB_ARRAY_INDEX (an AWS Batch array job).
    #[arg(long, value_name = "N", conflicts_with = "shard")]
    pub shard_count: Option<u64>,
    /// The id all shards of the run share (default: $TRAWL_RUN_ID, else AWS Batch's
    /// AWS_BATCH_JOB_ID without its `:INDEX`).
    #[arg(long, value_name = "RUN")]
    pub run: Option<String>,
}

impl ShardArgs {
    /// This process's shard of its run, when the run is split.
    pub fn shard_run(&self) -> Result<Option<ShardRun>> {
        let var = |n: &str| std::env::var(n).ok().filter(|v| !v.is_empty());
        let shard = crate::s3args::shard_of(self.shard.as_deref(), self.shard_count, &var)?;
        let Some(shard) = shard else {
            if self.run.is_some() {
                anyhow::bail!(
                    "--run names a run split into shards: give --shard K/N or --shard-count N"
                );
            }
            return Ok(None);
        };
        let run = run_id(self.run.as_deref(), &var).ok_or_else(|| {
            anyhow::anyhow!(
                "shard {shard}: give the id all shards of the run share: --run RUN, or set \
                 TRAWL_RUN_ID (AWS Batch sets AWS_BATCH_JOB_ID)"
            )
        })?;
        Ok(Some(ShardRun::new(&run, shard)?))
    }
}

/// The run id: given, or from `TRAWL_RUN_ID`, or AWS Batch's parent job id (an array child's
/// `AWS_BATCH_JOB_ID` is `PARENT:INDEX`).
fn run_id(given: Option<&str>, var: &dyn Fn(&str) -> Option<String>) -> Option<String> {
    if let Some(r) = given {
        return Some(r.to_string());
    }
    if let Some(r) = var("TRAWL_RUN_ID") {
        return Some(r);
    }
    var("AWS_BATCH_JOB_ID").map(|id| match id.rsplit_once(':') {
        Some((parent, index)) if index.bytes().all(|b| b.is_ascii_digit()) => parent.to_string(),
        _ => id,
    })
}

/// The job `id` in the state: created from `file` when given (see [`ShardArgs::file`]).
pub fn ensure_job(store: &Store, id: &str, file: Option<&Path>) -> Result<String> {
    let Some(file) = file else {
        return Ok(id.to_string());
    };
    let def = JobDefinition::load(file)?;
    let (row, created) = trawl_jobs::ensure_job(store, id, &def, chrono::Utc::now())?;
    if created {
        eprintln!("trawl: created job {} from {}", row.id, file.display());
    }
    Ok(row.id)
}

/// `trawl job finalize`.
#[derive(Args, Clone, Debug)]
pub struct FinalizeArgs {
    /// Job id (or a unique prefix, or its name).
    pub id: String,
    /// The run's id (what its shards were given with --run).
    pub run: String,
    /// Create the job from this file when the state does not hold it (as `job run --file`).
    #[arg(long, value_name = "FILE")]
    pub file: Option<PathBuf>,
    /// The number of shards, when no shard has written its summary yet.
    #[arg(long, value_name = "N")]
    pub shard_count: Option<u64>,
    /// Print the merged run summary as JSON on standard output.
    #[arg(long)]
    pub json: bool,
}

/// Runs `trawl job finalize`: exit status 0 when the run is complete, 1 when a shard is
/// missing or incomplete or an object is in two places (each said in one line).
pub fn finalize(
    state: &Path,
    store: &Store,
    args: &FinalizeArgs,
    out: &mut dyn Write,
) -> Result<ExitStatus> {
    let id = ensure_job(store, &args.id, args.file.as_deref())?;
    let opts = RunOptions::new(state);
    let f = trawl_jobs::finalize_run(state, &id, &args.run, args.shard_count, &opts)?;
    if args.json {
        writeln!(out, "{}", serde_json::to_string_pretty(&f.summary)?)?;
    }
    let s = &f.summary;
    let shards = &s["shards"];
    eprintln!(
        "run {} of job {} {}: {} of {} shards complete; {} objects, {} bytes; objects with \
         findings: {}",
        args.run,
        id,
        s["status"].as_str().unwrap_or(""),
        shards["complete"].as_array().map_or(0, Vec::len),
        shards["count"],
        s["objects"],
        s["bytes"],
        s["objects_with_findings"]
    );
    for p in &f.problems {
        eprintln!("trawl: {p}");
    }
    if !f.complete {
        let missing: Vec<String> = shards["missing"]
            .as_array()
            .into_iter()
            .flatten()
            .chain(
                shards["incomplete"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|i| &i["shard"]),
            )
            .map(|k| k.to_string())
            .collect();
        if !missing.is_empty() {
            eprintln!(
                "trawl: run the shards {} again (`trawl job run {id} --run {} --shard K/{}`), \
                 then finalize again",
                missing.join(", "),
                args.run,
                shards["count"]
            );
        }
    }
    let misplaced = ["objects_recorded_twice", "objects_in_the_wrong_shard"]
        .iter()
        .map(|k| s[*k].as_array().map_or(0, Vec::len))
        .sum::<usize>();
    eprintln!(
        "  {} records checked: {}",
        s["records_checked"],
        if misplaced == 0 {
            "no object twice"
        } else {
            "objects in two places (see above)"
        }
    );
    eprintln!("  summary: {}", f.summary_location);
    Ok(if f.complete {
        ExitStatus::Ok
    } else {
        ExitStatus::Findings
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn run_ids_from_flags_and_engines() {
        let none = |_: &str| None;
        assert_eq!(run_id(Some("r1"), &none).as_deref(), Some("r1"));
        assert_eq!(run_id(None, &none), None);
        let k8s = |n: &str| (n == "TRAWL_RUN_ID").then(|| "nightly-29012".to_string());
        assert_eq!(run_id(None, &k8s).as_deref(), Some("nightly-29012"));
        let batch = |n: &str| {
            (n == "AWS_BATCH_JOB_ID").then(|| "7b3e0c5a-1d2f-4e5a-9b8c-0d1e2f3a4b5c:3".to_string())
        };
        assert_eq!(
            run_id(None, &batch).as_deref(),
            Some("7b3e0c5a-1d2f-4e5a-9b8c-0d1e2f3a4b5c")
        );
    }
}
