//! trawl's scan jobs: recurring, incremental, crash-safe scans with history, findings and
//! events, on an embedded SQLite state file.
//!
//! The main types: [`JobDefinition`](definition::JobDefinition) (a TOML or YAML job file),
//! [`Schedule`](schedule::Schedule), [`Store`](state::Store) (the state database),
//! [`run_job`](runner::run_job) (one run, incremental and resumable),
//! [`Daemon`](daemon::Daemon) (runs jobs on their schedules under a [`Clock`](clock::Clock)),
//! the [`events`] envelope and the [`sinks`] that deliver it.
//!
//! ```no_run
//! use std::path::Path;
//! use trawl_jobs::{definition::JobDefinition, runner, state::Store};
//!
//! let state = Path::new("/tmp/trawl-state.db");
//! let def = JobDefinition::load(Path::new("job.toml")).unwrap();
//! let store = Store::open(state).unwrap();
//! let job = store.create_job(&def, chrono::Utc::now(), None).unwrap();
//! let outcome = runner::run_job(state, &job.id, &runner::RunOptions::new(state)).unwrap();
//! println!("{} objects", outcome.run.objects);
//! ```
#![deny(missing_docs)]

pub mod clock;
pub mod daemon;
pub mod definition;
pub mod error;
pub mod events;
pub mod results;
pub mod runner;
pub mod schedule;
pub mod sinks;
pub mod state;

pub use error::{Error, Result};

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
    store: &state::Store,
    def: &definition::JobDefinition,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<state::JobRow> {
    let job = def.check(&format!("job {:?}", def.name))?;
    store.create_job(def, now, job.schedule.first_run(now))
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
