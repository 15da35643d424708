//! Run summary: what the human summary and `--summary` print.

use std::collections::BTreeMap;

use serde::Serialize;
use trawl_identifiers::Severity;

use crate::posture::PostureReport;
use crate::record::{ResultRecord, Status};

/// Totals over one bucket.
#[derive(Clone, Debug, Default, Serialize)]
pub struct BucketSummary {
    /// Objects listed (before scope and sampling).
    pub objects_listed: u64,
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
    /// Skipped objects by reason code.
    pub skipped_by_reason: BTreeMap<String, u64>,
    /// Posture findings by type (with `--posture`).
    pub posture_findings: Vec<String>,
}

/// Totals over a run.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Summary {
    /// The run id.
    pub run_id: String,
    /// The shard this process scanned (`K/N`), when the run was split with `--shard`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shard: Option<String>,
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
    /// Per S3 bucket.
    pub buckets: BTreeMap<String, BucketSummary>,
    /// Buckets the bucket criteria left out, with why.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub buckets_left_out: BTreeMap<String, String>,
    /// Accounts of `--accounts` / `--organization` that could not be entered, with why.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub accounts_left_out: BTreeMap<String, String>,
    /// Bucket posture (with `--posture`).
    pub posture: Vec<PostureReport>,
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
        *self.status.entry(r.status.to_string()).or_default() += 1;
        for reason in &r.reasons {
            *self.reasons.entry(reason.code.as_str().into()).or_default() += 1;
        }
        if let Some(sev) = r.severity {
            self.objects_with_findings += 1;
            *self
                .objects_by_severity
                .entry(sev.as_str().into())
                .or_default() += 1;
            self.highest = self.highest.max(Some(sev));
        }
        if let Some(bucket) = &r.object.bucket {
            let b = self.bucket(bucket);
            b.objects += 1;
            b.bytes += r.object.size;
            b.bytes_scanned += r.bytes_scanned;
            *b.status.entry(r.status.to_string()).or_default() += 1;
            if r.status == Status::Skipped {
                for reason in &r.reasons {
                    *b.skipped_by_reason
                        .entry(reason.code.as_str().into())
                        .or_default() += 1;
                }
            }
            if let Some(sev) = r.severity {
                b.objects_with_findings += 1;
                *b.objects_by_severity
                    .entry(sev.as_str().into())
                    .or_default() += 1;
            }
        }
        for d in &r.detections {
            *self.occurrences_by_type.entry(d.kind.clone()).or_default() += d.count;
            *self.objects_by_type.entry(d.kind.clone()).or_default() += 1;
        }
    }

    /// The summary of `bucket` (created empty on first use).
    pub fn bucket(&mut self, bucket: &str) -> &mut BucketSummary {
        self.buckets.entry(bucket.to_string()).or_default()
    }

    /// Adds a bucket's posture report.
    pub fn add_posture(&mut self, report: PostureReport) {
        let b = self.bucket(&report.bucket);
        b.posture_findings = report
            .findings
            .iter()
            .map(|f| f.finding_type.clone())
            .collect();
        for f in &report.findings {
            self.highest = self.highest.max(Some(f.severity));
        }
        self.posture.push(report);
    }

    /// The highest severity of any finding in the run.
    pub fn highest_severity(&self) -> Option<Severity> {
        self.highest
    }
}
