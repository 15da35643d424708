//! trawl's scan jobs: recurring, incremental, crash-safe scans with history, findings and
//! events, on an embedded SQLite state file.
//!
//! The main types: [`JobDefinition`] (a TOML or YAML job file), [`Schedule`], [`Store`] (the
//! state database), [`run_job`] (one run, incremental and resumable), [`Daemon`] (runs jobs on
//! their schedules under a [`Clock`]), and the finding [`Event`] that the job's sinks deliver.
//!
//! ```no_run
//! use std::path::Path;
//! use trawl_jobs::{run_job, JobDefinition, RunOptions, Store};
//!
//! let state = Path::new("/tmp/trawl-state.db");
//! let def = JobDefinition::load(Path::new("job.toml")).unwrap();
//! let store = Store::open(state).unwrap();
//! let job = trawl_jobs::create_job(&store, &def, chrono::Utc::now()).unwrap();
//! let outcome = run_job(state, &job.id, &RunOptions::new(state)).unwrap();
//! println!("{} objects", outcome.run.objects);
//! ```
#![deny(missing_docs)]

mod clock;
mod daemon;
mod definition;
mod error;
mod events;
mod finalize;
mod plan;
mod policy;
mod results;
mod reveal;
mod runner;
mod schedule;
mod securityhub;
mod shards;
mod sinks;
mod state;
mod stats;

pub use clock::{Clock, FakeClock, SystemClock};
pub use daemon::Daemon;
pub use definition::{
    CriteriaDef, EventShape, IdentifiersDef, Job, JobDefinition, LimitsDef, ResultsDef, S3Def,
    ScopeDef, SinkDef,
};
pub use error::{Error, Result};
pub use events::{finding_event, macie_detail, Event, GenericFinding, PolicyCadence};
pub use finalize::{finalize_run, Finalized};
pub use plan::plan_job;
pub use policy::posture_finding;
pub use reveal::{reveal_finding, Reveal, RevealedType, RevealedValue, MAX_REVEALED_PER_TYPE};
pub use runner::{deliver, publish_finding, run_job, RunOptions, RunOutcome, StartHook, WarnHook};
pub use schedule::Schedule;
pub use securityhub::asff;
pub use shards::{check_run_id, ShardRun};
pub use state::{
    now_text, parse_time, BucketScore, FindingFilter, FindingRow, GroupBy, JobRow, JobStatus,
    RevealRecord, RuleAction, RunLock, RunRow, RunStatus, StatsRow, Store, Suppression, Trigger,
    ValueGroup, SCHEMA_VERSION,
};
pub use stats::{score, sensitivity_score, ScoreInput, TargetStats};

use std::sync::OnceLock;

/// The crate's async runtime (for S3, EventBridge and webhooks), shared by every thread.
pub(crate) fn runtime() -> &'static tokio::runtime::Runtime {
    static RT: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RT.get_or_init(|| {
        match tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("trawl-jobs-io")
            .enable_all()
            .build()
        {
            Ok(rt) => rt,
            // Building a runtime fails only when threads cannot be spawned; nothing can run.
            Err(e) => panic!("cannot start the I/O runtime: {e}"),
        }
    })
}

/// Creates a job from a definition: checks it and sets its first run.
pub fn create_job(
    store: &Store,
    def: &JobDefinition,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<JobRow> {
    let job = def.check(&format!("job {:?}", def.name))?;
    store.create_job(def, now, job.schedule.first_run(now))
}

/// The job `id` as `def` defines it: created under that id when the state does not hold it,
/// and the stored job when it holds the same definition (a job never changes: another
/// definition under the same id is refused). Returns the job and whether it was created.
///
/// This is how every process of a run split across machines gets the same job (and so the
/// same results location) from one job file, each with its own state database.
pub fn ensure_job(
    store: &Store,
    id: &str,
    def: &JobDefinition,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(JobRow, bool)> {
    shards::check_folder_name("job id", id, 64)?;
    let job = def.check(&format!("job {id:?}"))?;
    if let Some(row) = store.job_by_id(id)? {
        if serde_json::to_value(&row.definition)? != serde_json::to_value(def)? {
            return Err(Error::Invalid(format!(
                "job {id} exists with another definition, and a job never changes: give the \
                 new definition a new id (or use another --state)"
            )));
        }
        return Ok((row, false));
    }
    let row = store.create_job_with_id(id, def, now, job.schedule.first_run(now))?;
    Ok((row, true))
}

/// The AWS configuration for a job's own calls (results uploads, EventBridge): the job's
/// region, an optional endpoint override, and trawl-net's rustls client built from the job's
/// `[tls]` (with `AWS_CA_BUNDLE`). A bad CA bundle or client key is an error here, never a
/// silent fall-back to the default client.
pub(crate) fn aws_config(
    region: &str,
    endpoint: Option<&str>,
    tls: &trawl_net::TlsOptions,
) -> Result<aws_config::SdkConfig, String> {
    let http =
        trawl_net::aws_http_client(&tls.clone().with_aws_env()).map_err(|e| e.to_string())?;
    let mut loader = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new(region.to_string()))
        .http_client(http);
    if let Some(e) = endpoint {
        loader = loader.endpoint_url(e);
    }
    Ok(runtime().block_on(loader.load()))
}
