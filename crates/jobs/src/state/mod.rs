//! The state database: one SQLite file (WAL) with versioned migrations. Jobs, runs, the
//! object state behind incremental runs, findings, suppression rules and the event outbox,
//! and the record of reveals.
//! Several processes may open one file; a job is run by one process at a time (a lock file).

/// Display, serialisation and SQLite TEXT conversion of a status enum, all through its
/// `as_str` and `parse`, so a value is spelled the same in the database, JSON and tables.
macro_rules! text_value {
    ($t:ty, $what:literal) => {
        impl std::fmt::Display for $t {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.pad(self.as_str())
            }
        }

        impl serde::Serialize for $t {
            fn serialize<S: serde::Serializer>(
                &self,
                s: S,
            ) -> std::result::Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl rusqlite::types::ToSql for $t {
            fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
                Ok(self.as_str().into())
            }
        }

        impl rusqlite::types::FromSql for $t {
            fn column_result(
                v: rusqlite::types::ValueRef<'_>,
            ) -> rusqlite::types::FromSqlResult<Self> {
                let s = v.as_str()?;
                Self::parse(s).ok_or_else(|| {
                    rusqlite::types::FromSqlError::Other(format!("unknown {} {s:?}", $what).into())
                })
            }
        }
    };
}

mod buckets;
mod finding_stats;
mod findings;
mod jobs;
mod outbox;
mod reveals;
mod rules;
mod runs;
mod schema;
mod store;
mod values;

pub use buckets::{BucketObject, BucketScore};
pub use finding_stats::{GroupBy, StatsRow};
pub use findings::{FindingFilter, FindingRow, NewFinding};
pub use jobs::{JobRow, JobStatus};
pub use outbox::PendingEvent;
pub use reveals::RevealRecord;
pub use rules::{RuleAction, Suppression};
pub use runs::{BatchObject, RunRow, RunStatus, Trigger};
pub use schema::{now_text, parse_time, SCHEMA_VERSION};
pub use store::{RunLock, Store};
pub use values::ValueGroup;
