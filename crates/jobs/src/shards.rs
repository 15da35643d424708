//! One run of a job split across processes or machines (`trawl job run ID --shard K/N`):
//! every shard is an ordinary run of the job in its own state database, under one run id
//! that all shards share, scanning only the objects its shard owns
//! ([`trawl_scanner::Shard`]). Each shard writes its results, summary and completion marker
//! under `<results>/<job_id>/run=<run_id>/shard=<K>/`, resumes after a crash like any run,
//! and publishes its own object findings; bucket posture is checked by shard 0 only (once
//! per run). [`finalize_run`](crate::finalize_run) merges the shards afterwards.

use trawl_scanner::Shard;

use crate::error::{Error, Result};
use crate::runner::RunOptions;
use crate::state::{RunRow, RunStatus, Store};

/// This process's part of a run split into shards.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShardRun {
    /// The run's id, the same in every shard (it names the run's results folder).
    pub run_id: String,
    /// This shard.
    pub shard: Shard,
}

impl ShardRun {
    /// A shard of run `run_id`, the id checked (it becomes a folder name).
    pub fn new(run_id: &str, shard: Shard) -> Result<ShardRun> {
        check_run_id(run_id)?;
        Ok(ShardRun {
            run_id: run_id.to_string(),
            shard,
        })
    }
}

/// A run id given by the caller: 1-128 letters, digits, `.`, `_` or `-`, not starting with
/// `.` (Kubernetes job names and AWS Batch job ids are such).
pub fn check_run_id(id: &str) -> Result<()> {
    check_folder_name("run id", id, 128)
}

/// A name that becomes a folder of the results (a run id, a chosen job id): 1-`max`
/// letters, digits, `.`, `_` or `-`, not starting with `.`.
pub(crate) fn check_folder_name(what: &str, id: &str, max: usize) -> Result<()> {
    let ok = !id.is_empty()
        && id.len() <= max
        && !id.starts_with('.')
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
    if ok {
        Ok(())
    } else {
        Err(Error::Invalid(format!(
            "{what} {id:?}: use 1-{max} letters, digits, '.', '_' or '-' (not starting with '.')"
        )))
    }
}

/// How a shard's run starts.
pub(crate) enum ShardStart {
    /// A run to scan: new (`false`) or resumed (`true`).
    Run(RunRow, bool),
    /// The shard completed this run already (a retried pod or array child): nothing to do.
    AlreadyComplete(RunRow),
}

/// Starts (or resumes) shard `sr` of its run in this state database. A run of this job left
/// unfinished under another id (an earlier run that never completed here) is ended as
/// failed, superseded: its objects are not lost, the new run scans everything it owns that
/// changed since the last complete run.
pub(crate) fn start_shard_run(
    store: &Store,
    job_id: &str,
    sr: &ShardRun,
    opts: &RunOptions,
) -> Result<ShardStart> {
    let shard = sr.shard.to_string();
    if let Some(run) = store.find_run(&sr.run_id)? {
        if run.job_id != job_id {
            return Err(Error::Invalid(format!(
                "run {} in {} belongs to job {}, not {job_id}",
                sr.run_id,
                store.path().display(),
                run.job_id
            )));
        }
        if run.shard.as_deref() != Some(shard.as_str()) {
            return Err(Error::Invalid(format!(
                "{} holds run {} as shard {}, not {shard}: each shard needs its own state \
                 database (--state)",
                store.path().display(),
                sr.run_id,
                run.shard.as_deref().unwrap_or("(not sharded)")
            )));
        }
        if run.status == RunStatus::Complete {
            return Ok(ShardStart::AlreadyComplete(run));
        }
        store.reopen_run(&run.id)?;
        return Ok(ShardStart::Run(store.run(&run.id)?, true));
    }
    if let Some(old) = store.unfinished_run(job_id)? {
        store.end_run(
            &old.id,
            RunStatus::Failed,
            opts.clock.now(),
            None,
            Some(&format!("superseded by run {}", sr.run_id)),
        )?;
    }
    let baseline = store.last_complete_run(job_id)?;
    let run = store.create_shard_run(
        &sr.run_id,
        &shard,
        job_id,
        opts.trigger,
        baseline.as_ref().map(|b| b.id.as_str()),
        opts.clock.now(),
    )?;
    Ok(ShardStart::Run(run, false))
}

/// The shard a stored run is, if it is one.
pub(crate) fn shard_of(run: &RunRow) -> Option<Shard> {
    run.shard.as_deref().and_then(|s| Shard::parse(s).ok())
}
