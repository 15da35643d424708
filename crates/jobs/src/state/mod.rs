//! The state database: one SQLite file (WAL) with versioned migrations. Jobs, runs, the
//! object state behind incremental runs, findings, suppression rules and the event outbox.
//! Several processes may open one file; a job is run by one process at a time (a lock file).

mod findings;
mod jobs;
mod outbox;
mod runs;
mod schema;
mod store;

pub use findings::{severity_rank, FindingFilter, FindingRow, NewFinding, Suppression};
pub use jobs::{status, JobRow};
pub use outbox::PendingEvent;
pub use runs::{run_status, BatchObject, RunRow};
pub use schema::{now_text, parse_time, SCHEMA_VERSION};
pub use store::{RunLock, Store};
