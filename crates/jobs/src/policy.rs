//! Bucket posture checks as Macie-style policy findings: the finding (stable id, cadence
//! count) and the row the store keeps of it.

use chrono::{DateTime, Utc};
use serde_json::json;
use trawl_identifiers::Severity;

use crate::definition::Job;
use crate::events::finding_event;
use crate::state::{now_text, FindingRow};

/// A bucket posture finding as a Macie-style policy finding. Its id is stable per job, bucket
/// and type; `count` is the number of the job's cadence window (`s3.posture_cadence`) it is
/// published in, so a finding still present is published again once per window (the event id
/// follows the count) and runs within one window do not repeat it.
pub fn posture_finding(
    job: &Job,
    job_id: &str,
    created: DateTime<Utc>,
    now: DateTime<Utc>,
    f: &trawl_scanner::PostureFinding,
) -> crate::events::GenericFinding {
    let key = format!("posture\n{job_id}\n{}\n{}", f.bucket, f.finding_type);
    let id = uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_OID, key.as_bytes())
        .simple()
        .to_string();
    let interval = job.def.s3.posture_cadence.interval().num_seconds().max(1);
    let windows = ((now - created).num_seconds().max(0) / interval) as u64;
    let mut extra = serde_json::Map::new();
    extra.insert(
        "policyDetails".into(),
        json!({ "action": { "actionType": "AWS_API_CALL" }, "checkedAt": f.checked_at }),
    );
    crate::events::GenericFinding {
        id,
        kind: f.finding_type.clone(),
        category: "POLICY".into(),
        severity: f.severity.as_str().to_string(),
        title: f.title.clone(),
        description: f.description.clone(),
        created_at: created,
        updated_at: now,
        count: windows + 1,
        resources: vec![format!("arn:aws:s3:::{}", f.bucket)],
        resources_affected: json!({ "s3Bucket": { "name": f.bucket, "arn": format!("arn:aws:s3:::{}", f.bucket) } }),
        extra,
    }
}

/// A policy finding as the store keeps it: bucket-level (no key), one detection of its own
/// type in category `POLICY`, its `detail` the event's.
pub(crate) fn policy_row(
    job: &Job,
    job_id: &str,
    run_id: &str,
    f: &crate::events::GenericFinding,
) -> FindingRow {
    let event = finding_event(job.account(), job.region(), f);
    let bucket = f.resources_affected["s3Bucket"]["name"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let severity = Severity::parse(&f.severity).unwrap_or(Severity::Low);
    FindingRow {
        id: f.id.clone(),
        job_id: job_id.to_string(),
        run_id: run_id.to_string(),
        storage: trawl_scanner::Storage::S3.as_str().to_string(),
        uri: format!("s3://{bucket}"),
        bucket: Some(bucket),
        key: String::new(),
        version_id: None,
        etag: None,
        finding_type: f.kind.clone(),
        severity,
        count: 1,
        created_at: now_text(f.created_at),
        archived: false,
        detections: vec![(
            f.kind.clone(),
            "POLICY".into(),
            severity.as_str().to_string(),
            1,
        )],
        detail: event.detail,
    }
}
