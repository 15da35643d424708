//! trawl's scanner: sources, the parallel pipeline, aggregation into result records, sinks.
//!
//! Data flows one way: a [`Target`]'s source lists objects, [`run`] scans them in parallel with
//! the formats' extractors and the identifiers' [`Engine`](trawl_identifiers::Engine), each
//! object becomes a [`ResultRecord`], and a [`RecordSink`] writes them; the run's totals are a
//! [`Summary`]. Standard input is the target [`Target::Stdin`].
//!
//! ```no_run
//! use trawl_identifiers::EngineBuilder;
//! use trawl_scanner::{CollectSink, RecordOptions, ScanConfig, Target};
//!
//! let engine = EngineBuilder::new().build().unwrap();
//! let config = ScanConfig {
//!     threads: 0,
//!     limits: Default::default(),
//!     record: RecordOptions { max_occurrences: 1000, reveal: false, run_id: "r1".into(), job_id: None, value_key: None },
//!     ..Default::default()
//! };
//! let mut sink = CollectSink::default();
//! let targets = [Target::Local("testdata/samples".into())];
//! let summary = trawl_scanner::run(&targets, &engine, &config, &mut sink, &mut |_| {}).unwrap();
//! println!("{} objects, {} with findings", summary.objects, summary.objects_with_findings);
//! ```
#![deny(missing_docs)]

mod aggregate;
mod buckets;
mod error;
mod field_memo;
mod handoff;
mod pipeline;
mod plan;
mod posture;
pub mod private_file;
mod record;
pub mod report;
mod scope;
mod sink;
mod source;
mod summary;

pub use aggregate::{RecordOptions, ValueKey};
pub use buckets::{
    inventory as bucket_inventory, BucketRecord, DefaultEncryption, ObjectTally, PublicAccess,
    Replication, BUCKET_SCHEMA,
};
pub use error::Error;
pub use pipeline::{run, ObjectFilter, ScanConfig, ScanProgress};
pub use plan::{plan, Plan, Tally};
pub use posture::{PostureFinding, PostureReport};
pub use record::{
    CellOut, Detection, ObjectInfo, Occurrence, ReasonOut, ResultRecord, Status, Storage,
    RESULT_SCHEMA,
};
pub use report::{Report, ReportOptions};
pub use scope::{Criteria, Scope, Shard};
pub use sink::{CollectSink, DisplayPaths, JsonlSink, LocalName, RecordSink, SarifSink, Tee};
pub use source::{
    is_account_id, parse_account_list, AccountSet, Accounts, BucketCriteria, Notice, ObjectRef,
    RetryPolicy, S3Options, S3Target, SseCKey, Target, WalkError,
};
pub use summary::{BucketSummary, Summary};

/// A new run id (a random UUID).
pub fn new_run_id() -> String {
    uuid::Uuid::new_v4().to_string()
}
