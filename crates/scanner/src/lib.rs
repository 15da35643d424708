//! trawl's scanner: sources, the parallel pipeline, aggregation into result records, sinks.
//!
//! Data flows one way: a source lists objects ([`source`]), the [`pipeline`] scans them in
//! parallel with the formats' extractors and the identifiers' [`Engine`](trawl_identifiers::Engine),
//! [`aggregate`] turns detections into a [`ResultRecord`](record::ResultRecord) per object, and
//! a [`RecordSink`](sink::RecordSink) writes them.
//!
//! ```no_run
//! use trawl_identifiers::EngineBuilder;
//! use trawl_scanner::{pipeline, aggregate::RecordOptions, sink::CollectSink};
//!
//! let engine = EngineBuilder::new().build().unwrap();
//! let config = pipeline::ScanConfig {
//!     threads: 0,
//!     limits: Default::default(),
//!     record: RecordOptions { max_occurrences: 1000, reveal: false, run_id: "r1".into(), job_id: None },
//!     ..Default::default()
//! };
//! let mut sink = CollectSink::default();
//! let targets = [pipeline::Target::Local("testdata/samples".into())];
//! let summary = pipeline::run(&targets, &engine, &config, &mut sink, &mut |_| {}).unwrap();
//! println!("{} objects, {} with findings", summary.objects, summary.objects_with_findings);
//! ```
#![deny(missing_docs)]

pub mod aggregate;
pub mod error;
pub mod pipeline;
pub mod posture;
pub mod record;
pub mod scope;
pub mod sink;
pub mod source;
pub mod summary;

pub use error::Error;

/// A new run id (a random UUID).
pub fn new_run_id() -> String {
    uuid::Uuid::new_v4().to_string()
}
