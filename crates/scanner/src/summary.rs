//! Run summary: what the human summary and `--summary` print.

use std::collections::BTreeMap;

use serde::Serialize;
use trawl_identifiers::Severity;

use crate::record::ResultRecord;

/// Totals over a run.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Summary {
    /// The run id.
    pub run_id: String,
    /// Objects with a result record.
    pub objects: u64,
    /// Their total size.
    pub bytes: u64,
    /// Bytes of extracted content scanned.
    pub bytes_scanned: u64,
    /// Objects by status.
    pub status: BTreeMap<String, u64>,
    /// Objects with at least one detection.
    pub objects_with_findings: u64,
    /// Objects with findings, by their severity.
    pub objects_by_severity: BTreeMap<String, u64>,
    /// Occurrences by identifier type.
    pub occurrences_by_type: BTreeMap<String, u64>,
    /// Objects by identifier type found in them.
    pub objects_by_type: BTreeMap<String, u64>,
    /// Objects skipped or partial, by reason code.
    pub reasons: BTreeMap<String, u64>,
    /// Listed objects left out by the scope, the sample or the run's filter.
    pub objects_out_of_scope: u64,
    /// Listed objects not scanned because the run was cancelled.
    pub objects_not_started: u64,
    /// Whether the run was cancelled before it finished.
    pub cancelled: bool,
    /// Paths that could not be listed.
    pub walk_errors: u64,
    /// Targets that could not be scanned at all, with why.
    pub target_errors: Vec<String>,
    /// Seconds the run took.
    pub elapsed_seconds: f64,
    #[serde(skip)]
    highest: Option<Severity>,
}

impl Summary {
    /// Adds one record.
    pub fn add(&mut self, r: &ResultRecord) {
        self.objects += 1;
        self.bytes += r.object.size;
        self.bytes_scanned += r.bytes_scanned;
        *self.status.entry(r.status.clone()).or_default() += 1;
        for reason in &r.reasons {
            *self.reasons.entry(reason.code.clone()).or_default() += 1;
        }
        if let Some(sev) = &r.severity {
            self.objects_with_findings += 1;
            *self.objects_by_severity.entry(sev.clone()).or_default() += 1;
            if let Some(s) = Severity::parse(sev) {
                self.highest = self.highest.max(Some(s));
            }
        }
        for d in &r.detections {
            *self.occurrences_by_type.entry(d.kind.clone()).or_default() += d.count;
            *self.objects_by_type.entry(d.kind.clone()).or_default() += 1;
        }
    }

    /// The highest severity of any finding in the run.
    pub fn highest_severity(&self) -> Option<Severity> {
        self.highest
    }
}
