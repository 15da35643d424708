//! EventBridge-style finding events (output contract, section 4): the envelope, the
//! Macie-shaped `detail`, stable ids, and publishing cadences for policy findings.
//!
//! Sensitive data findings come from result records ([`sensitive_finding`]); any other kind
//! (bucket policy findings, say) is a [`GenericFinding`] turned into an event by
//! [`finding_event`], the one function every finding goes through.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use trawl_identifiers::Severity;
use trawl_scanner::{Occurrence, ResultRecord, Storage};

/// Namespace of finding ids (UUID v5).
const FINDING_NS: uuid::Uuid = uuid::Uuid::from_u128(0x7e1f_2a51_9c3b_4d8e_a0f6_5b2c_d9e1_4f30);
/// Namespace of event ids (UUID v5 of the finding id).
const EVENT_NS: uuid::Uuid = uuid::Uuid::from_u128(0x3a9d_61c2_8b47_4e05_9f13_c6a8_02d5_7b91);

/// Locations per finding, as Macie's findings (results keep them all).
pub const MAX_FINDING_OCCURRENCES: usize = 15;

/// The contract's event envelope.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Event {
    /// `"0"`.
    pub version: String,
    /// Stable event id (a UUID derived from the finding id).
    pub id: String,
    /// `"Trawl Finding"`.
    #[serde(rename = "detail-type")]
    pub detail_type: String,
    /// `"trawl"`.
    pub source: String,
    /// Account id.
    pub account: String,
    /// RFC 3339.
    pub time: String,
    /// Region.
    pub region: String,
    /// `arn:aws:s3:::bucket/key` or `file:///path`.
    pub resources: Vec<String>,
    /// The Macie-shaped finding.
    pub detail: Value,
}

/// Where events come from.
#[derive(Clone, Debug)]
pub struct EventContext {
    /// Account id.
    pub account: String,
    /// Region.
    pub region: String,
    /// Job id.
    pub job_id: String,
    /// Run id.
    pub run_id: String,
    /// Where the run's detailed results are.
    pub results_location: String,
}

/// A finding of any kind, for [`finding_event`].
#[derive(Clone, Debug)]
pub struct GenericFinding {
    /// Finding id (stable: the same finding keeps its id).
    pub id: String,
    /// Macie finding type (`Policy:IAMUser/S3BucketPublic`, ...).
    pub kind: String,
    /// `CLASSIFICATION` or `POLICY`.
    pub category: String,
    /// `LOW`, `MEDIUM` or `HIGH`.
    pub severity: String,
    /// Title.
    pub title: String,
    /// Description.
    pub description: String,
    /// First seen.
    pub created_at: DateTime<Utc>,
    /// Last updated.
    pub updated_at: DateTime<Utc>,
    /// How many times seen (1 for sensitive data findings).
    pub count: u64,
    /// Event resources.
    pub resources: Vec<String>,
    /// `resourcesAffected`.
    pub resources_affected: Value,
    /// Further fields of `detail` (`classificationDetails`, `policyDetails`, ...).
    pub extra: serde_json::Map<String, Value>,
}

/// The stable id of a finding: the job, the object (URI, version, ETag, modification time,
/// size) and what was found in it. Scanning the same object again gives the same id.
pub fn finding_id(job_id: &str, r: &ResultRecord) -> String {
    let mut key = format!(
        "{job_id}\n{}\n{}\n{}\n{}\n{}",
        r.object.uri,
        r.object.version_id.as_deref().unwrap_or(""),
        r.object.etag.as_deref().unwrap_or(""),
        r.object.last_modified.as_deref().unwrap_or(""),
        r.object.size
    );
    for d in &r.detections {
        key.push_str(&format!("\n{}:{}", d.kind, d.count));
    }
    uuid::Uuid::new_v5(&FINDING_NS, key.as_bytes())
        .simple()
        .to_string()
}

/// The stable event id of a finding: receivers de-duplicate redeliveries by it.
pub fn event_id(finding_id: &str) -> String {
    uuid::Uuid::new_v5(&EVENT_NS, finding_id.as_bytes()).to_string()
}

/// Macie's severity object.
pub fn severity_value(severity: &str) -> Value {
    let s = Severity::parse(severity).unwrap_or(Severity::Low);
    let d = match s {
        Severity::High => "High",
        Severity::Medium => "Medium",
        Severity::Low => "Low",
    };
    json!({ "description": d, "score": s.score() })
}

fn category_type(category: &str) -> &'static str {
    match category {
        "CREDENTIALS" => "Credentials",
        "FINANCIAL" => "Financial",
        "CUSTOM" => "CustomIdentifier",
        _ => "Personal",
    }
}

/// The Macie finding type of a record's detections.
pub fn finding_type(r: &ResultRecord) -> String {
    let mut cats: Vec<&str> = r.detections.iter().map(|d| d.category.as_str()).collect();
    cats.sort_unstable();
    cats.dedup();
    match cats.as_slice() {
        [one] => format!("SensitiveData:S3Object/{}", category_type(one)),
        _ => "SensitiveData:S3Object/Multiple".into(),
    }
}

/// The resource name of an object: `arn:aws:s3:::bucket/key` or its `file://` URI.
pub fn resource_name(r: &ResultRecord) -> String {
    match &r.object.bucket {
        Some(b) if r.object.storage == Storage::S3 => format!("arn:aws:s3:::{b}/{}", r.object.key),
        _ => r.object.uri.clone(),
    }
}

/// An occurrence as a finding shows it (its location and masked sample).
pub(crate) fn occurrence(o: &Occurrence) -> Value {
    let mut v = serde_json::Map::new();
    // Tables in documents are lines for Macie, as their text is.
    if let Some(c) = o.cell.as_ref().filter(|c| c.table.is_none()) {
        v.insert(
            "cells".into(),
            json!([{ "row": c.row, "column": c.column, "columnName": c.column_name,
                     "cellReference": c.reference.as_ref().map(|r| match &c.sheet {
                         Some(s) => format!("{s}!{r}"), None => r.clone() }) }]),
        );
    } else if let Some(rec) = o.record {
        v.insert(
            "records".into(),
            json!([{ "recordIndex": rec, "jsonPath": o.json_path }]),
        );
    } else if let Some(p) = o.page {
        v.insert("pages".into(), json!([{ "pageNumber": p }]));
    } else if let Some(l) = o.line {
        v.insert(
            "lineRanges".into(),
            json!([{ "start": l, "end": l, "startColumn": o.column.unwrap_or(1) }]),
        );
    }
    if let Some(off) = o.offset {
        v.insert(
            "offsetRanges".into(),
            json!([{ "start": off, "end": off + o.length }]),
        );
    }
    if !o.member.is_empty() {
        v.insert("member".into(), json!(o.member));
    }
    v.insert("maskedSample".into(), json!(o.masked));
    Value::Object(v)
}

/// The `sensitiveData` and `customDataIdentifiers` of a record's finding (at most
/// [`MAX_FINDING_OCCURRENCES`] occurrences in all), and whether occurrences were left out.
fn sensitive_data(r: &ResultRecord) -> (Vec<Value>, Value, bool) {
    let mut by_cat: std::collections::BTreeMap<&str, Vec<&trawl_scanner::Detection>> =
        Default::default();
    for d in &r.detections {
        by_cat.entry(d.category.as_str()).or_default().push(d);
    }
    let mut shown = 0usize;
    let mut additional = false;
    let mut detections = |ds: &[&trawl_scanner::Detection], custom: bool| -> Vec<Value> {
        ds.iter()
            .map(|d| {
                let room = MAX_FINDING_OCCURRENCES.saturating_sub(shown);
                let occ: Vec<Value> = d.occurrences.iter().take(room).map(occurrence).collect();
                shown += occ.len();
                if (d.count as usize) > occ.len() {
                    additional = true;
                }
                let mut v = json!({ "type": d.kind, "count": d.count, "severity": d.severity,
                                    "occurrences": occ });
                if custom {
                    v["name"] = json!(d.kind);
                }
                v
            })
            .collect()
    };
    let mut sensitive = Vec::new();
    let mut custom = json!({ "totalCount": 0, "detections": [] });
    for (cat, ds) in &by_cat {
        let total: u64 = ds.iter().map(|d| d.count).sum();
        if *cat == "CUSTOM" {
            custom = json!({ "totalCount": total, "detections": detections(ds, true) });
        } else {
            let api = match *cat {
                "FINANCIAL" => "FINANCIAL_INFORMATION",
                "PERSONAL" => "PERSONAL_INFORMATION",
                other => other,
            };
            sensitive.push(json!({ "category": api, "totalCount": total,
                                   "detections": detections(ds, false) }));
        }
    }
    (sensitive, custom, additional)
}

/// A record's object as Macie's `resourcesAffected`.
fn object_resources(r: &ResultRecord) -> Value {
    let o = &r.object;
    let extension = o
        .key
        .rsplit('/')
        .next()
        .and_then(|n| n.rsplit_once('.'))
        .map(|(_, e)| e.to_string());
    let bucket = o
        .bucket
        .as_ref()
        .map(|b| json!({ "name": b, "arn": format!("arn:aws:s3:::{b}") }));
    json!({
        "s3Bucket": bucket,
        "s3Object": {
            "bucketArn": o.bucket.as_ref().map(|b| format!("arn:aws:s3:::{b}")),
            "key": o.key,
            "path": match &o.bucket { Some(b) => format!("{b}/{}", o.key), None => o.uri.clone() },
            "extension": extension,
            "lastModified": o.last_modified,
            "eTag": o.etag,
            "versionId": o.version_id,
            "serverSideEncryption": { "encryptionType": o.encryption },
            "size": o.size,
        }
    })
}

/// The finding of a record with detections (`None` without), per Macie's shape; occurrences
/// carry masked samples only, never raw values.
pub fn sensitive_finding(
    ctx: &EventContext,
    r: &ResultRecord,
    now: DateTime<Utc>,
) -> Option<GenericFinding> {
    let severity = r.severity?.as_str().to_string();
    let id = finding_id(&ctx.job_id, r);
    let (sensitive, custom, additional) = sensitive_data(r);
    let o = &r.object;
    let resources_affected = object_resources(r);
    let total: u64 = r.detections.iter().map(|d| d.count).sum();
    let kind = finding_type(r);
    let mut extra = serde_json::Map::new();
    extra.insert(
        "classificationDetails".into(),
        json!({
            "jobId": ctx.job_id,
            "jobArn": format!("arn:aws:macie2:{}:{}:classification-job/{}", ctx.region, ctx.account, ctx.job_id),
            "runId": ctx.run_id,
            "originType": "SENSITIVE_DATA_DISCOVERY_JOB",
            "detailedResultsLocation": ctx.results_location,
            "result": {
                "status": { "code": r.status, "reason": r.reasons.first().map(|x| x.code) },
                "sizeClassified": r.bytes_scanned,
                "mimeType": r.format,
                "additionalOccurrences": additional,
                "sensitiveData": sensitive,
                "customDataIdentifiers": custom,
            }
        }),
    );
    // In a run over many accounts, the finding names the object's account (the envelope
    // keeps the account the event is sent from).
    if let Some(account) = &o.account {
        extra.insert("accountId".into(), json!(account));
    }
    Some(GenericFinding {
        id,
        title: format!("The object contains {} sensitive data occurrence(s)", total),
        description: format!(
            "The object {} contains {}.",
            o.uri,
            r.detections
                .iter()
                .map(|d| format!("{} ({})", d.kind, d.count))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        kind,
        category: "CLASSIFICATION".into(),
        severity,
        created_at: now,
        updated_at: now,
        count: 1,
        resources: vec![resource_name(r)],
        resources_affected,
        extra,
    })
}

/// Turns any finding into an event (envelope per the contract, `detail` per Macie).
pub fn finding_event(account: &str, region: &str, f: &GenericFinding) -> Event {
    let t = |d: &DateTime<Utc>| d.to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let mut detail = serde_json::Map::new();
    detail.insert("schemaVersion".into(), json!("1.0"));
    detail.insert("id".into(), json!(f.id));
    detail.insert("accountId".into(), json!(account));
    detail.insert("partition".into(), json!("aws"));
    detail.insert("region".into(), json!(region));
    detail.insert("type".into(), json!(f.kind));
    detail.insert("title".into(), json!(f.title));
    detail.insert("description".into(), json!(f.description));
    detail.insert("severity".into(), severity_value(&f.severity));
    detail.insert("createdAt".into(), json!(t(&f.created_at)));
    detail.insert("updatedAt".into(), json!(t(&f.updated_at)));
    detail.insert("count".into(), json!(f.count));
    detail.insert("category".into(), json!(f.category));
    detail.insert("resourcesAffected".into(), f.resources_affected.clone());
    for (k, v) in &f.extra {
        detail.insert(k.clone(), v.clone());
    }
    detail.insert("sample".into(), json!(false));
    detail.insert("archived".into(), json!(false));
    Event {
        version: "0".into(),
        // A policy finding is published again on updates: its event id follows the update.
        id: if f.count > 1 {
            event_id(&format!("{}#{}", f.id, f.count))
        } else {
            event_id(&f.id)
        },
        detail_type: "Trawl Finding".into(),
        source: "trawl".into(),
        account: account.into(),
        time: t(&f.updated_at),
        region: region.into(),
        resources: f.resources.clone(),
        detail: Value::Object(detail),
    }
}

/// A finding `detail` in Macie's finding schema exactly: the fields trawl adds (masked
/// samples, archive members, severities per detection, the run id) are left out, and a
/// custom identifier's detection is named as Macie names it (`arn`, `name`, `count`,
/// `occurrences`). EventBridge rules written for Macie findings' `detail` match it.
pub fn macie_detail(detail: &Value) -> Value {
    let mut d = detail.clone();
    let occurrences = |det: &mut Value| {
        if let Some(occ) = det["occurrences"].as_array_mut() {
            for o in occ {
                if let Some(o) = o.as_object_mut() {
                    o.remove("maskedSample");
                    o.remove("member");
                }
            }
        }
    };
    if let Some(cd) = d["classificationDetails"].as_object_mut() {
        cd.remove("runId");
    }
    let result = &mut d["classificationDetails"]["result"];
    if let Some(cats) = result["sensitiveData"].as_array_mut() {
        for cat in cats {
            for det in cat["detections"].as_array_mut().into_iter().flatten() {
                if let Some(o) = det.as_object_mut() {
                    o.remove("severity");
                }
                occurrences(det);
            }
        }
    }
    if let Some(dets) = result["customDataIdentifiers"]["detections"].as_array_mut() {
        for det in dets {
            let name = det["type"].clone();
            if let Some(o) = det.as_object_mut() {
                o.remove("severity");
                o.remove("type");
                o.insert("name".into(), name.clone());
                o.insert(
                    "arn".into(),
                    json!(format!(
                        "trawl:custom-data-identifier/{}",
                        name.as_str().unwrap_or("")
                    )),
                );
            }
            occurrences(det);
        }
    }
    d
}

/// How often updates to existing policy findings are published (Macie's
/// `FIFTEEN_MINUTES | ONE_HOUR | SIX_HOURS`); new findings are published at once.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum PolicyCadence {
    /// Every 15 minutes (the default).
    #[default]
    FifteenMinutes,
    /// Every hour.
    OneHour,
    /// Every six hours.
    SixHours,
}

impl PolicyCadence {
    /// The interval.
    pub fn interval(self) -> Duration {
        match self {
            PolicyCadence::FifteenMinutes => Duration::minutes(15),
            PolicyCadence::OneHour => Duration::hours(1),
            PolicyCadence::SixHours => Duration::hours(6),
        }
    }

    /// Whether an update to a finding last published at `last` is due at `now`.
    pub fn update_due(self, last: Option<DateTime<Utc>>, now: DateTime<Utc>) -> bool {
        last.is_none_or(|l| now - l >= self.interval())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use trawl_identifiers::{Category, Severity};
    use trawl_scanner::{Detection, ObjectInfo, Status};

    fn record() -> ResultRecord {
        ResultRecord {
            schema: "trawl.result/v1".into(),
            run_id: "r".into(),
            job_id: Some("j".into()),
            object: ObjectInfo {
                storage: Storage::S3,
                bucket: Some("b".into()),
                key: "k/a.csv".into(),
                uri: "s3://b/k/a.csv".into(),
                size: 10,
                last_modified: None,
                etag: Some("\"e\"".into()),
                version_id: None,
                encryption: Some("AES256".into()),
                account: Some("210987654321".into()),
            },
            status: Status::Complete,
            reasons: vec![],
            format: "csv".into(),
            bytes_scanned: 10,
            severity: Some(Severity::High),
            detections: vec![Detection {
                kind: "CREDIT_CARD_NUMBER".into(),
                category: Category::Financial,
                count: 20,
                severity: Severity::High,
                occurrences: (0..20)
                    .map(|i| Occurrence {
                        member: vec![],
                        line: Some(i + 1),
                        column: Some(1),
                        offset: Some(i * 10),
                        length: 16,
                        cell: None,
                        record: None,
                        json_path: None,
                        page: None,
                        masked: "4111********1111".into(),
                        value: Some("4111111111111111".into()),
                        value_hash: None,
                    })
                    .collect(),
            }],
        }
    }

    fn keys(v: &Value) -> Vec<String> {
        v.as_object()
            .map(|o| o.keys().cloned().collect())
            .unwrap_or_default()
    }

    fn within(v: &Value, allowed: &[&str], what: &str) {
        for k in keys(v) {
            assert!(allowed.contains(&k.as_str()), "{what}: {k} is not Macie's");
        }
    }

    /// The `macie` shape keeps only Macie's finding fields, at every level.
    #[test]
    fn macie_detail_has_only_macies_fields() {
        let ctx = EventContext {
            account: "123456789012".into(),
            region: "us-east-1".into(),
            job_id: "j".into(),
            run_id: "r".into(),
            results_location: "/res/j/r".into(),
        };
        let f = sensitive_finding(&ctx, &record(), Utc::now()).unwrap();
        let e = finding_event("123456789012", "us-east-1", &f);
        // The finding names the object's account; the envelope the sender's.
        assert_eq!(e.detail["accountId"], "210987654321");
        assert_eq!(e.account, "123456789012");
        let d = macie_detail(&e.detail);
        within(
            &d,
            &[
                "schemaVersion",
                "id",
                "accountId",
                "partition",
                "region",
                "type",
                "title",
                "description",
                "severity",
                "createdAt",
                "updatedAt",
                "count",
                "category",
                "resourcesAffected",
                "classificationDetails",
                "policyDetails",
                "sample",
                "archived",
            ],
            "detail",
        );
        let cd = &d["classificationDetails"];
        within(
            cd,
            &[
                "jobArn",
                "jobId",
                "originType",
                "detailedResultsLocation",
                "result",
            ],
            "classificationDetails",
        );
        within(
            &cd["result"],
            &[
                "status",
                "sizeClassified",
                "mimeType",
                "additionalOccurrences",
                "sensitiveData",
                "customDataIdentifiers",
            ],
            "result",
        );
        let det = &cd["result"]["sensitiveData"][0]["detections"][0];
        within(det, &["type", "count", "occurrences"], "detection");
        assert_eq!(det["type"], "CREDIT_CARD_NUMBER");
        within(
            &det["occurrences"][0],
            &["lineRanges", "offsetRanges", "pages", "records", "cells"],
            "occurrence",
        );
        assert_eq!(det["occurrences"][0]["lineRanges"][0]["start"], 1);
        // The trawl shape keeps its own fields.
        assert!(e.detail["classificationDetails"]["runId"].is_string());
    }

    /// A cell of a table in a document is a line for Macie, as the document's text is; a
    /// spreadsheet cell stays a cell.
    #[test]
    fn document_table_cells_are_line_ranges() {
        let mut o = record().detections[0].occurrences[0].clone();
        o.line = Some(7);
        o.cell = Some(trawl_scanner::CellOut {
            row: 2,
            column: 3,
            column_name: Some("SSN".into()),
            sheet: None,
            reference: None,
            table: Some(1),
        });
        let v = occurrence(&o);
        assert_eq!(v["lineRanges"][0]["start"], 7);
        assert!(v.get("cells").is_none());
        o.cell.as_mut().unwrap().table = None;
        let v = occurrence(&o);
        assert_eq!(v["cells"][0]["columnName"], "SSN");
        assert!(v.get("lineRanges").is_none());
    }

    /// ASFF: the fields BatchImportFindings requires, the finding's own id, its resources.
    #[test]
    fn asff_finding_has_the_required_fields() {
        let ctx = EventContext {
            account: "123456789012".into(),
            region: "eu-west-1".into(),
            job_id: "j".into(),
            run_id: "r".into(),
            results_location: "/res/j/r".into(),
        };
        let f = sensitive_finding(&ctx, &record(), Utc::now()).unwrap();
        let e = finding_event("123456789012", "eu-west-1", &f);
        let a = crate::securityhub::asff(&e, None);
        for k in [
            "SchemaVersion",
            "Id",
            "ProductArn",
            "GeneratorId",
            "AwsAccountId",
            "Types",
            "CreatedAt",
            "UpdatedAt",
            "Severity",
            "Title",
            "Description",
            "Resources",
        ] {
            assert!(!a[k].is_null(), "{k} missing: {a}");
        }
        assert_eq!(a["Id"], f.id.as_str());
        assert_eq!(
            a["ProductArn"],
            "arn:aws:securityhub:eu-west-1:123456789012:product/123456789012/default"
        );
        assert_eq!(a["Types"][0], "Sensitive Data Identifications/Financial");
        assert_eq!(a["Severity"]["Label"], "HIGH");
        assert_eq!(a["Resources"][0]["Type"], "AwsS3Bucket");
        assert_eq!(a["Resources"][1]["Id"], "arn:aws:s3:::b/k/a.csv");
        assert!(!a.to_string().contains("4111111111111111"));
    }

    #[test]
    fn event_shape_and_stable_ids() {
        let ctx = EventContext {
            account: "123456789012".into(),
            region: "us-east-1".into(),
            job_id: "j".into(),
            run_id: "r".into(),
            results_location: "/res/j/r".into(),
        };
        let now = Utc::now();
        let f = sensitive_finding(&ctx, &record(), now).unwrap();
        let e = finding_event("123456789012", "us-east-1", &f);
        let v = serde_json::to_value(&e).unwrap();
        assert_eq!(v["detail-type"], "Trawl Finding");
        assert_eq!(v["source"], "trawl");
        assert_eq!(v["resources"][0], "arn:aws:s3:::b/k/a.csv");
        assert_eq!(v["detail"]["type"], "SensitiveData:S3Object/Financial");
        assert_eq!(v["detail"]["severity"]["score"], 3);
        let occ = &v["detail"]["classificationDetails"]["result"]["sensitiveData"][0]["detections"]
            [0]["occurrences"];
        assert_eq!(occ.as_array().unwrap().len(), MAX_FINDING_OCCURRENCES);
        assert_eq!(
            v["detail"]["classificationDetails"]["result"]["additionalOccurrences"],
            true
        );
        let text = serde_json::to_string(&e).unwrap();
        assert!(
            !text.contains("4111111111111111"),
            "raw values never in events"
        );
        let again = sensitive_finding(&ctx, &record(), now + Duration::hours(1)).unwrap();
        assert_eq!(finding_event("1", "r", &again).id, e.id);
        let mut changed = record();
        changed.object.etag = Some("\"f\"".into());
        assert_ne!(sensitive_finding(&ctx, &changed, now).unwrap().id, f.id);
    }

    #[test]
    fn cadence() {
        let now = Utc::now();
        assert!(PolicyCadence::OneHour.update_due(None, now));
        assert!(!PolicyCadence::OneHour.update_due(Some(now - Duration::minutes(30)), now));
        assert!(PolicyCadence::FifteenMinutes.update_due(Some(now - Duration::minutes(30)), now));
    }
}
