//! Sinks receive result records: `begin`, `record` per object, `finish`.

mod jsonl;
mod paths;
mod sarif;

pub use jsonl::JsonlSink;
pub use paths::{DisplayPaths, LocalName};
pub use sarif::SarifSink;

use std::io;

use crate::record::ResultRecord;

/// Receives result records from a run, one at a time, on one thread.
pub trait RecordSink {
    /// Called once before any record.
    fn begin(&mut self, _run_id: &str) -> io::Result<()> {
        Ok(())
    }
    /// Called for each scanned object.
    fn record(&mut self, record: &ResultRecord) -> io::Result<()>;
    /// Called once after the last record.
    fn finish(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// A sink that keeps records in memory (for library users and tests).
#[derive(Debug, Default)]
pub struct CollectSink {
    /// The records received.
    pub records: Vec<ResultRecord>,
}

impl RecordSink for CollectSink {
    fn record(&mut self, record: &ResultRecord) -> io::Result<()> {
        self.records.push(record.clone());
        Ok(())
    }
}

/// Sends every record to several sinks.
pub struct Tee<'a>(pub Vec<&'a mut dyn RecordSink>);

impl RecordSink for Tee<'_> {
    fn begin(&mut self, run_id: &str) -> io::Result<()> {
        self.0.iter_mut().try_for_each(|s| s.begin(run_id))
    }
    fn record(&mut self, record: &ResultRecord) -> io::Result<()> {
        self.0.iter_mut().try_for_each(|s| s.record(record))
    }
    fn finish(&mut self) -> io::Result<()> {
        self.0.iter_mut().try_for_each(|s| s.finish())
    }
}
