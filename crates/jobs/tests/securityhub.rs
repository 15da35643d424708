//! The Security Hub sink (BatchImportFindings, ASFF) and EventBridge events in Macie's shape,
//! checked by test servers that look at the requests (Security Hub: moto too, when it answers).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use chrono::Utc;
use common::{create, serve, write, CARD};
use trawl_jobs::{run_job, RunOptions, Store};

fn opts(state: &std::path::Path) -> RunOptions {
    let mut o = RunOptions::new(state);
    o.batch_size = 2;
    o
}

#[test]
fn security_hub_batches_are_signed_asff_with_partial_failures_retried() {
    std::env::set_var("AWS_ACCESS_KEY_ID", "test");
    std::env::set_var("AWS_SECRET_ACCESS_KEY", "test");
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    for i in 0..3 {
        write(&data, &format!("f{i}.txt"), CARD);
    }
    // The first call fails one finding (the second of the batch); the retry sends it alone.
    let (url, seen) = serve(10, |n, req| {
        let v: serde_json::Value = serde_json::from_str(&req.body).unwrap();
        let findings = v["Findings"].as_array().unwrap();
        if n == 0 {
            let id = findings[1]["Id"].clone();
            (
                200,
                serde_json::json!({ "FailedCount": 1, "SuccessCount": findings.len() - 1,
                    "FailedFindings": [{ "Id": id, "ErrorCode": "InvalidInput", "ErrorMessage": "try again" }] })
                .to_string(),
            )
        } else {
            (
                200,
                serde_json::json!({ "FailedCount": 0, "SuccessCount": findings.len(), "FailedFindings": [] })
                    .to_string(),
            )
        }
    });
    let state = dir.path().join("state.db");
    let store = Store::open(&state).unwrap();
    let job = create(
        &store,
        dir.path(),
        &format!(
            "name = \"sh\"\ntargets = [\"data\"]\naccount = \"123456789012\"\nregion = \"eu-west-1\"\n\
             [[events]]\ntype = \"securityhub\"\nendpoint = \"{url}\"\nbackoff_ms = 5\n\
             [tls]\nallow_insecure_endpoint = true\n"
        ),
        Utc::now(),
    );
    let out = run_job(&state, &job.id, &opts(&state)).unwrap();
    assert_eq!(
        out.summary["events"]["0:securityhub"]["delivered"], 3,
        "{}",
        out.summary
    );
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 2, "one batch, then the failed finding again");
    let findings = |i: usize| -> Vec<serde_json::Value> {
        let v: serde_json::Value = serde_json::from_str(&seen[i].body).unwrap();
        v["Findings"].as_array().unwrap().clone()
    };
    assert_eq!(findings(0).len(), 3);
    assert_eq!(findings(1), vec![findings(0)[1].clone()]);
    for r in seen.iter() {
        assert_eq!(r.line, "POST /findings/import HTTP/1.1");
        let auth = r.header("authorization").unwrap();
        assert!(
            auth.starts_with("AWS4-HMAC-SHA256 Credential=test/")
                && auth.contains("/eu-west-1/securityhub/aws4_request"),
            "{auth}"
        );
        assert!(r.header("x-amz-date").is_some());
    }
    let f = &findings(0)[0];
    assert_eq!(f["SchemaVersion"], "2018-10-08");
    assert_eq!(f["AwsAccountId"], "123456789012");
    assert_eq!(
        f["ProductArn"],
        "arn:aws:securityhub:eu-west-1:123456789012:product/123456789012/default"
    );
    assert_eq!(f["Types"][0], "Sensitive Data Identifications/Financial");
    assert_eq!(f["Severity"]["Label"], "HIGH");
    assert!(f["Resources"][0]["Id"]
        .as_str()
        .unwrap()
        .starts_with("file://"));
    assert!(!seen[0].body.contains("4539 2274"), "no raw value leaves");
}

#[test]
fn security_hub_against_moto_when_it_answers() {
    let Ok(endpoint) = std::env::var("TRAWL_TEST_S3_ENDPOINT") else {
        eprintln!("skipped: TRAWL_TEST_S3_ENDPOINT not set (scripts/test starts moto)");
        return;
    };
    std::env::set_var("AWS_ACCESS_KEY_ID", "test");
    std::env::set_var("AWS_SECRET_ACCESS_KEY", "test");
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    for i in 0..2 {
        write(&data, &format!("f{i}.txt"), CARD);
    }
    let state = dir.path().join("state.db");
    let store = Store::open(&state).unwrap();
    let job = create(
        &store,
        dir.path(),
        &format!(
            "name = \"shm\"\ntargets = [\"data\"]\n[[events]]\ntype = \"securityhub\"\nendpoint = \"{endpoint}\"\n\
             max_attempts = 1\n[tls]\nallow_insecure_endpoint = true\n"
        ),
        Utc::now(),
    );
    let out = run_job(&state, &job.id, &opts(&state)).unwrap();
    let sink = &out.summary["events"]["0:securityhub"];
    // moto 5 answers BatchImportFindings; should a build of it not, the failure is named.
    assert_eq!(sink["delivered"], 2, "{}", out.summary);
}

#[test]
fn eventbridge_in_macies_shape() {
    std::env::set_var("AWS_ACCESS_KEY_ID", "test");
    std::env::set_var("AWS_SECRET_ACCESS_KEY", "test");
    let dir = tempfile::tempdir().unwrap();
    write(&dir.path().join("data"), "a.txt", CARD);
    let (url, seen) = serve(5, |_, req| {
        let v: serde_json::Value = serde_json::from_str(&req.body).unwrap();
        let n = v["Entries"].as_array().unwrap().len();
        let entries: Vec<serde_json::Value> = (0..n)
            .map(|i| serde_json::json!({ "EventId": format!("e{i}") }))
            .collect();
        (
            200,
            serde_json::json!({ "FailedEntryCount": 0, "Entries": entries }).to_string(),
        )
    });
    let state = dir.path().join("state.db");
    let store = Store::open(&state).unwrap();
    let job = create(
        &store,
        dir.path(),
        &format!(
            "name = \"ebm\"\ntargets = [\"data\"]\n[[events]]\ntype = \"eventbridge\"\nendpoint = \"{url}\"\n\
             shape = \"macie\"\n[tls]\nallow_insecure_endpoint = true\n"
        ),
        Utc::now(),
    );
    run_job(&state, &job.id, &opts(&state)).unwrap();
    let seen = seen.lock().unwrap();
    let v: serde_json::Value = serde_json::from_str(&seen[0].body).unwrap();
    let entry = &v["Entries"][0];
    assert_eq!(entry["DetailType"], "Macie Finding");
    assert_eq!(entry["Source"], "trawl");
    let detail: serde_json::Value =
        serde_json::from_str(entry["Detail"].as_str().unwrap()).unwrap();
    assert_eq!(detail["type"], "SensitiveData:S3Object/Financial");
    assert_eq!(detail["category"], "CLASSIFICATION");
    let det = &detail["classificationDetails"]["result"]["sensitiveData"][0]["detections"][0];
    assert_eq!(det["type"], "CREDIT_CARD_NUMBER");
    assert!(det.get("severity").is_none());
    assert!(det["occurrences"][0].get("maskedSample").is_none());
    assert!(detail["classificationDetails"].get("runId").is_none());
}
