//! Library-level tests of jobs: create, run, history, findings, incremental runs,
//! suppression, the daemon under a fake clock, webhook and EventBridge delivery, S3 results.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, Utc};
use common::*;
use trawl_identifiers::Severity;
use trawl_jobs::{
    run_job, Clock, Daemon, FakeClock, FindingFilter, JobStatus, RunOptions, RunStatus, Store,
    Suppression,
};

fn t(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn opts(state: &std::path::Path) -> RunOptions {
    let mut o = RunOptions::new(state);
    o.batch_size = 2;
    o
}

#[test]
fn create_run_history_and_findings_on_a_local_target() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    write(&data, "a/cards.txt", CARD);
    write(&data, "a/more.txt", &CARD.repeat(3));
    write(&data, "b/clean.txt", "nothing to see\n");
    write(&data, "b/skip.log", CARD);
    let state = dir.path().join("state.db");
    let store = Store::open(&state).unwrap();
    let job = create(
        &store,
        dir.path(),
        r#"
name = "local"
targets = ["data"]
account = "123456789012"
[scope.exclude]
extensions = ["log"]
[[events]]
type = "jsonl"
path = "events.jsonl"
"#,
        Utc::now(),
    );
    assert_eq!(job.status, JobStatus::Idle);
    let out = run_job(&state, &job.id, &opts(&state)).unwrap();
    assert_eq!(out.run.status, RunStatus::Complete);
    assert_eq!(out.run.objects, 3);
    assert_eq!(out.run.findings["HIGH"], 2);
    assert!(!out.run.incremental);
    // A one-time job is COMPLETE after its run.
    assert_eq!(store.job(&job.id).unwrap().status, JobStatus::Complete);
    // Results: one record per object, under <results>/<job>/<run>/.
    let run_dir = dir.path().join("results").join(&job.id).join(&out.run.id);
    let recs = results(&run_dir);
    assert_eq!(recs.len(), 3);
    assert!(recs
        .iter()
        .all(|r| r["job_id"] == job.id.as_str() && r["run_id"] == out.run.id.as_str()));
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(run_dir.join("summary.json")).unwrap())
            .unwrap();
    assert_eq!(summary["objects"], 3);
    let target = &summary["targets"][0];
    assert_eq!(target["objects"], 3);
    let score = target["sensitivity_score"].as_i64().unwrap();
    assert!((51..=99).contains(&score), "{score}");
    // History.
    let runs = store.runs(&job.id).unwrap();
    assert_eq!(runs.len(), 1);
    assert!(runs[0].ended_at.is_some());
    // Findings and filters.
    let all = store.findings(&FindingFilter::default()).unwrap();
    assert_eq!(all.len(), 2);
    assert!(all
        .iter()
        .all(|f| f.finding_type == "SensitiveData:S3Object/Financial"));
    let q = |f: FindingFilter| store.findings(&f).unwrap().len();
    assert_eq!(
        q(FindingFilter {
            key_prefix: Some("a/more".into()),
            ..Default::default()
        }),
        1
    );
    assert_eq!(
        q(FindingFilter {
            kind: Some("CREDIT_CARD_NUMBER".into()),
            ..Default::default()
        }),
        2
    );
    assert_eq!(
        q(FindingFilter {
            kind: Some("EMAIL_ADDRESS".into()),
            ..Default::default()
        }),
        0
    );
    assert_eq!(
        q(FindingFilter {
            category: Some("financial".into()),
            ..Default::default()
        }),
        2
    );
    assert_eq!(
        q(FindingFilter {
            severity: Some(Severity::High),
            ..Default::default()
        }),
        2
    );
    assert_eq!(
        q(FindingFilter {
            job: Some(job.id.clone()),
            run: Some(out.run.id.clone()),
            ..Default::default()
        }),
        2
    );
    assert_eq!(
        q(FindingFilter {
            since: Some("2999-01-01T00:00:00Z".into()),
            ..Default::default()
        }),
        0
    );
    let one = store.finding(&all[0].id[..8]).unwrap();
    assert_eq!(
        one.detail["resourcesAffected"]["s3Object"]["key"],
        all[0].key.as_str()
    );
    // Events: one per finding, in the contract's envelope, no raw values.
    let events = std::fs::read_to_string(dir.path().join("events.jsonl")).unwrap();
    let events: Vec<serde_json::Value> = events
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(events.len(), 2);
    for e in &events {
        assert_eq!(e["version"], "0");
        assert_eq!(e["detail-type"], "Trawl Finding");
        assert_eq!(e["source"], "trawl");
        assert_eq!(e["account"], "123456789012");
        assert!(e["resources"][0].as_str().unwrap().starts_with("file:///"));
        assert_eq!(
            e["detail"]["classificationDetails"]["jobId"],
            job.id.as_str()
        );
        assert!(!e.to_string().contains("4539 2274 2374 7675"));
    }
}

#[test]
fn second_run_scans_only_new_and_changed_files() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    for i in 0..5 {
        write(&data, &format!("f{i}.txt"), "plain text\n");
    }
    let state = dir.path().join("state.db");
    let store = Store::open(&state).unwrap();
    let job = create(
        &store,
        dir.path(),
        "name = \"inc\"\ntargets = [\"data\"]\nschedule = \"daily\"\n",
        Utc::now(),
    );
    let first = run_job(&state, &job.id, &opts(&state)).unwrap();
    assert_eq!(first.run.objects, 5);
    assert_eq!(store.job(&job.id).unwrap().status, JobStatus::Idle);
    write(&data, "f1.txt", &format!("changed, and longer: {CARD}"));
    write(&data, "new.txt", CARD);
    let second = run_job(&state, &job.id, &opts(&state)).unwrap();
    assert!(second.run.incremental);
    assert_eq!(
        second.run.baseline_run_id.as_deref(),
        Some(first.run.id.as_str())
    );
    assert_eq!(second.run.objects, 2);
    assert_eq!(second.summary["objects_unchanged"], 4);
    assert!(second.summary["scope_note"]
        .as_str()
        .unwrap()
        .starts_with("incremental"));
    let keys: Vec<String> = results(
        &dir.path()
            .join("results")
            .join(&job.id)
            .join(&second.run.id),
    )
    .iter()
    .map(|r| r["object"]["key"].as_str().unwrap().to_string())
    .collect();
    assert_eq!(keys.len(), 2);
    assert!(keys.contains(&"f1.txt".to_string()) && keys.contains(&"new.txt".to_string()));
    let third = run_job(&state, &job.id, &opts(&state)).unwrap();
    assert_eq!(third.run.objects, 0);
    assert_eq!(store.runs(&job.id).unwrap().len(), 3);
}

#[test]
fn initial_run_false_skips_objects_older_than_the_job() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    write(&data, "old.txt", CARD);
    let state = dir.path().join("state.db");
    let store = Store::open(&state).unwrap();
    // Created "in the future": every file is older than the job.
    let job = create(
        &store,
        dir.path(),
        "name = \"n\"\ntargets = [\"data\"]\nschedule = \"daily\"\ninitial_run = false\n",
        Utc::now() + Duration::hours(1),
    );
    let out = run_job(&state, &job.id, &opts(&state)).unwrap();
    assert_eq!(out.run.objects, 0);
    assert_eq!(out.summary["objects_older_than_job"], 1);
}

#[test]
fn suppression_archives_findings_and_keeps_them_out_of_events() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    write(&data, "keep/a.txt", CARD);
    write(&data, "test/b.txt", CARD);
    let state = dir.path().join("state.db");
    let mut store = Store::open(&state).unwrap();
    store
        .add_suppression(
            &Suppression {
                kind: Some("CREDIT_CARD_NUMBER".into()),
                key_prefix: Some("test/".into()),
                ..Default::default()
            },
            Utc::now(),
        )
        .unwrap();
    let job = create(
        &store,
        dir.path(),
        "name = \"s\"\ntargets = [\"data\"]\n[[events]]\ntype = \"jsonl\"\npath = \"ev.jsonl\"\n",
        Utc::now(),
    );
    run_job(&state, &job.id, &opts(&state)).unwrap();
    let live = store.findings(&FindingFilter::default()).unwrap();
    assert_eq!(live.len(), 1);
    assert_eq!(live[0].key, "keep/a.txt");
    let all = store
        .findings(&FindingFilter {
            archived: true,
            ..Default::default()
        })
        .unwrap();
    assert_eq!(all.len(), 2);
    let events = std::fs::read_to_string(dir.path().join("ev.jsonl")).unwrap();
    assert_eq!(events.lines().count(), 1);
    assert!(events.contains("keep/a.txt"));
    // A later rule archives existing findings.
    let (_, n) = store
        .add_suppression(
            &Suppression {
                key_prefix: Some("keep/".into()),
                ..Default::default()
            },
            Utc::now(),
        )
        .unwrap();
    assert_eq!(n, 1);
    assert!(store
        .findings(&FindingFilter::default())
        .unwrap()
        .is_empty());
}

#[test]
fn daemon_runs_scheduled_jobs_under_a_fake_clock() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    write(&data, "a.txt", "x\n");
    let state = dir.path().join("state.db");
    let store = Store::open(&state).unwrap();
    let t0 = t("2026-03-04T10:00:00Z");
    let daily = create(
        &store,
        dir.path(),
        "name = \"d\"\ntargets = [\"data\"]\nschedule = \"daily 02:00\"\n",
        t0,
    );
    let weekly = create(
        &store,
        dir.path(),
        "name = \"w\"\ntargets = [\"data\"]\nschedule = \"weekly MONDAY\"\n",
        t0,
    );
    assert_eq!(
        daily.next_run_at.as_deref(),
        Some("2026-03-04T10:00:00.000Z"),
        "daily jobs start on creation"
    );
    assert_eq!(
        weekly.next_run_at.as_deref(),
        Some("2026-03-09T00:00:00.000Z")
    );
    let clock = Arc::new(FakeClock::new(t0));
    let mut o = opts(&state);
    o.clock = clock.clone();
    let lines = Arc::new(Mutex::new(Vec::<String>::new()));
    let mut d = Daemon::new(state.clone(), o);
    d.max_concurrent = 2;
    let l2 = lines.clone();
    d.log = Arc::new(move |s| l2.lock().unwrap().push(s.to_string()));

    let ran = d.tick().unwrap();
    assert_eq!(ran.len(), 1);
    assert!(ran[0].1.as_ref().unwrap().run.status == RunStatus::Complete);
    assert_eq!(
        store.job(&daily.id).unwrap().next_run_at.as_deref(),
        Some("2026-03-05T02:00:00.000Z")
    );
    assert!(
        d.tick().unwrap().is_empty(),
        "nothing due until tomorrow 02:00"
    );
    clock.set(t("2026-03-05T01:59:00Z"));
    assert!(d.tick().unwrap().is_empty());
    write(&data, "b.txt", "y\n");
    clock.set(t("2026-03-05T02:00:00Z"));
    let ran = d.tick().unwrap();
    assert_eq!(ran.len(), 1);
    let o = ran[0].1.as_ref().unwrap();
    assert!(o.run.incremental);
    assert_eq!(o.run.objects, 1, "only the new file");
    // Down for days: the missed runs run once, then the schedule goes on from now.
    clock.set(t("2026-03-10T12:00:00Z"));
    let ran = d.tick().unwrap();
    assert_eq!(ran.len(), 2, "daily and weekly both due");
    assert_eq!(
        store.job(&daily.id).unwrap().next_run_at.as_deref(),
        Some("2026-03-11T02:00:00.000Z")
    );
    assert_eq!(
        store.job(&weekly.id).unwrap().next_run_at.as_deref(),
        Some("2026-03-16T00:00:00.000Z")
    );
    assert!(d.tick().unwrap().is_empty());
    // Paused jobs are not run.
    store
        .set_job_status(&daily.id, JobStatus::UserPaused)
        .unwrap();
    clock.set(t("2026-03-11T03:00:00Z"));
    assert!(d.tick().unwrap().is_empty());
    store.set_job_status(&daily.id, JobStatus::Idle).unwrap();
    // The loop: sleeps (on the fake clock) to the next due time, runs, stops when told.
    let stop = d.stop.clone();
    let l3 = lines.clone();
    d.log = Arc::new(move |s| {
        if s.starts_with("run end") {
            stop.store(true, Ordering::Relaxed);
        }
        l3.lock().unwrap().push(s.to_string());
    });
    clock.set(t("2026-03-11T01:00:00Z"));
    store
        .set_next_run(&daily.id, Some(t("2026-03-11T02:00:00Z")))
        .unwrap();
    d.run().unwrap();
    assert!(
        clock.sleeps().contains(&t("2026-03-11T02:00:00Z")),
        "{:?}",
        clock.sleeps()
    );
    let lines = lines.lock().unwrap();
    let starts = lines.iter().filter(|l| l.starts_with("run start")).count();
    let ends = lines.iter().filter(|l| l.starts_with("run end")).count();
    assert_eq!(starts, 5, "{lines:?}");
    assert_eq!(ends, 5, "{lines:?}");
    assert_eq!(store.runs(&daily.id).unwrap().len(), 4);
}

#[test]
fn webhook_retries_with_backoff_and_keeps_undelivered_events() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    write(&data, "a.txt", CARD);
    write(&data, "b.txt", CARD);
    let fail_all = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let f2 = fail_all.clone();
    // Requests 0 and 1 fail with 503; then the server accepts, unless told to fail all.
    let (url, seen) = serve(100, move |n, _| {
        if n < 2 || f2.load(Ordering::Relaxed) {
            (503, "busy".into())
        } else {
            (200, "{}".into())
        }
    });
    let state = dir.path().join("state.db");
    let store = Store::open(&state).unwrap();
    let job = create(
        &store,
        dir.path(),
        &format!(
            "name = \"w\"\ntargets = [\"data\"]\nschedule = \"daily\"\n[[events]]\ntype = \"webhook\"\nurl = \"{url}/hook\"\n\
             max_attempts = 3\nbackoff_ms = 5\nheaders = {{ Authorization = \"Bearer s3cret\" }}\n[tls]\nallow_insecure_endpoint = true\n"
        ),
        Utc::now(),
    );
    let out = run_job(&state, &job.id, &opts(&state)).unwrap();
    assert_eq!(
        out.summary["events"]["0:webhook"]["delivered"], 2,
        "{}",
        out.summary
    );
    {
        let seen = seen.lock().unwrap();
        assert_eq!(seen.len(), 4, "two failures, then two deliveries");
        assert!(seen
            .iter()
            .all(|r| r.header("authorization") == Some("Bearer s3cret")));
        let ids: Vec<&str> = seen
            .iter()
            .map(|r| r.header("x-trawl-event-id").unwrap())
            .collect();
        assert_eq!(ids[0], ids[1], "the same event is retried");
        assert_eq!(ids[1], ids[2]);
        let body: serde_json::Value = serde_json::from_str(&seen[3].body).unwrap();
        assert_eq!(body["id"], ids[3]);
        assert_eq!(body["detail-type"], "Trawl Finding");
    }
    // An event that cannot be delivered stays in the outbox and goes out on the next run.
    fail_all.store(true, Ordering::Relaxed);
    write(&data, "c.txt", &CARD.repeat(2));
    let out = run_job(&state, &job.id, &opts(&state)).unwrap();
    assert_eq!(out.summary["events"]["0:webhook"]["pending"], 1);
    assert_eq!(store.delivery_counts(&job.id).unwrap()["0:webhook"], (2, 1));
    fail_all.store(false, Ordering::Relaxed);
    let out = run_job(&state, &job.id, &opts(&state)).unwrap();
    assert_eq!(out.run.objects, 0);
    assert_eq!(out.summary["events"]["0:webhook"]["delivered"], 1);
    assert_eq!(store.delivery_counts(&job.id).unwrap()["0:webhook"], (3, 0));
}

#[test]
fn eventbridge_put_events_in_batches_of_ten_with_partial_failures_retried() {
    // No local server here implements EventBridge, so a test server checks the request shape
    // (AWS JSON 1.1, X-Amz-Target AWSEvents.PutEvents) and fails one entry of the first batch.
    std::env::set_var("AWS_ACCESS_KEY_ID", "test");
    std::env::set_var("AWS_SECRET_ACCESS_KEY", "test");
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    for i in 0..12 {
        write(&data, &format!("f{i:02}.txt"), CARD);
    }
    let (url, seen) = serve(20, |n, req| {
        let v: serde_json::Value = serde_json::from_str(&req.body).unwrap();
        let entries = v["Entries"].as_array().unwrap();
        let results: Vec<serde_json::Value> = entries
            .iter()
            .enumerate()
            .map(|(i, _)| {
                if n == 0 && i == 3 {
                    serde_json::json!({ "ErrorCode": "InternalFailure", "ErrorMessage": "try again" })
                } else {
                    serde_json::json!({ "EventId": format!("ev-{n}-{i}") })
                }
            })
            .collect();
        let failed = results
            .iter()
            .filter(|r| r.get("ErrorCode").is_some())
            .count();
        (
            200,
            serde_json::json!({ "FailedEntryCount": failed, "Entries": results }).to_string(),
        )
    });
    let state = dir.path().join("state.db");
    let store = Store::open(&state).unwrap();
    let job = create(
        &store,
        dir.path(),
        &format!(
            "name = \"eb\"\ntargets = [\"data\"]\n[[events]]\ntype = \"eventbridge\"\nbus = \"trawl-bus\"\n\
             endpoint = \"{url}\"\nregion = \"us-east-1\"\nbackoff_ms = 5\n[tls]\nallow_insecure_endpoint = true\n"
        ),
        Utc::now(),
    );
    let out = run_job(&state, &job.id, &opts(&state)).unwrap();
    assert_eq!(
        out.summary["events"]["0:eventbridge"]["delivered"], 12,
        "{}",
        out.summary
    );
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 3, "10 + 2, then the failed entry again");
    let entries = |i: usize| -> Vec<serde_json::Value> {
        let v: serde_json::Value = serde_json::from_str(&seen[i].body).unwrap();
        v["Entries"].as_array().unwrap().clone()
    };
    assert_eq!(entries(0).len(), 10);
    assert_eq!(entries(1).len(), 2);
    assert_eq!(entries(2).len(), 1);
    assert_eq!(
        entries(2)[0],
        entries(0)[3],
        "the failed entry is retried as it was"
    );
    for r in seen.iter() {
        assert_eq!(r.header("x-amz-target"), Some("AWSEvents.PutEvents"));
        assert!(r
            .header("content-type")
            .unwrap()
            .starts_with("application/x-amz-json-1.1"));
        assert!(r
            .header("authorization")
            .unwrap()
            .starts_with("AWS4-HMAC-SHA256"));
    }
    let e = &entries(0)[0];
    assert_eq!(e["Source"], "trawl");
    assert_eq!(e["DetailType"], "Trawl Finding");
    assert_eq!(e["EventBusName"], "trawl-bus");
    let detail: serde_json::Value = serde_json::from_str(e["Detail"].as_str().unwrap()).unwrap();
    assert_eq!(detail["type"], "SensitiveData:S3Object/Financial");
}

#[test]
fn results_under_an_s3_prefix() {
    let Ok(endpoint) = std::env::var("TRAWL_TEST_S3_ENDPOINT") else {
        if std::env::var("TRAWL_REQUIRE_S3").as_deref() == Ok("1") {
            panic!("TRAWL_REQUIRE_S3=1 but TRAWL_TEST_S3_ENDPOINT is not set");
        }
        eprintln!("skipped: TRAWL_TEST_S3_ENDPOINT not set");
        return;
    };
    std::env::set_var("AWS_ACCESS_KEY_ID", "test");
    std::env::set_var("AWS_SECRET_ACCESS_KEY", "test");
    let bucket = format!("trawl-results-{}", std::process::id());
    let rt = tokio::runtime::Runtime::new().unwrap();
    let client = rt.block_on(async {
        let conf = aws_config::defaults(aws_config::BehaviorVersion::latest())
            .region(aws_config::Region::new("us-east-1"))
            .endpoint_url(&endpoint)
            .load()
            .await;
        let c = aws_sdk_s3::Client::from_conf(
            aws_sdk_s3::config::Builder::from(&conf)
                .force_path_style(true)
                .build(),
        );
        c.create_bucket().bucket(&bucket).send().await.unwrap();
        c
    });
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    for i in 0..5 {
        write(&data, &format!("f{i}.txt"), CARD);
    }
    let state = dir.path().join("state.db");
    let store = Store::open(&state).unwrap();
    let job = create(
        &store,
        dir.path(),
        &format!(
            "name = \"s3res\"\ntargets = [\"data\"]\n[results]\nlocation = \"s3://{bucket}/scans\"\nendpoint = \"{endpoint}\"\nrecords_per_file = 2\n[tls]\nallow_insecure_endpoint = true\n"
        ),
        Utc::now(),
    );
    let out = run_job(&state, &job.id, &opts(&state)).unwrap();
    assert_eq!(out.run.objects, 5);
    let prefix = format!("scans/{}/{}/", job.id, out.run.id);
    let keys: Vec<String> = rt.block_on(async {
        let r = client
            .list_objects_v2()
            .bucket(&bucket)
            .prefix(&prefix)
            .send()
            .await
            .unwrap();
        r.contents()
            .iter()
            .filter_map(|o| o.key().map(String::from))
            .collect()
    });
    for name in [
        "results-00001.jsonl.gz",
        "results-00002.jsonl.gz",
        "results-00003.jsonl.gz",
        "summary.json",
    ] {
        assert!(
            keys.contains(&format!("{prefix}{name}")),
            "{name} in {keys:?}"
        );
    }
}

#[test]
fn eventbridge_against_a_local_endpoint_when_available() {
    // moto's server accepts PutEvents: TRAWL_TEST_EVENTBRIDGE_ENDPOINT=http://127.0.0.1:5011
    let Ok(endpoint) = std::env::var("TRAWL_TEST_EVENTBRIDGE_ENDPOINT") else {
        eprintln!("skipped: TRAWL_TEST_EVENTBRIDGE_ENDPOINT not set");
        return;
    };
    std::env::set_var("AWS_ACCESS_KEY_ID", "test");
    std::env::set_var("AWS_SECRET_ACCESS_KEY", "test");
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    for i in 0..13 {
        write(&data, &format!("f{i:02}.txt"), CARD);
    }
    let state = dir.path().join("state.db");
    let store = Store::open(&state).unwrap();
    let job = create(
        &store,
        dir.path(),
        &format!("name = \"eb\"\ntargets = [\"data\"]\n[[events]]\ntype = \"eventbridge\"\nendpoint = \"{endpoint}\"\n[tls]\nallow_insecure_endpoint = true\n"),
        Utc::now(),
    );
    let out = run_job(&state, &job.id, &opts(&state)).unwrap();
    assert_eq!(
        out.summary["events"]["0:eventbridge"]["delivered"], 13,
        "{}",
        out.summary
    );
}

#[test]
fn policy_findings_are_published_through_the_same_sinks() {
    let dir = tempfile::tempdir().unwrap();
    write(&dir.path().join("data"), "a.txt", "x\n");
    let state = dir.path().join("state.db");
    let mut store = Store::open(&state).unwrap();
    let row = create(
        &store,
        dir.path(),
        "name = \"p\"\ntargets = [\"data\"]\nschedule = \"daily\"\n[[events]]\ntype = \"jsonl\"\npath = \"ev.jsonl\"\n",
        Utc::now(),
    );
    let first = run_job(&state, &row.id, &opts(&state)).unwrap();
    let job = row.definition.check("p").unwrap();
    let now = Utc::now();
    let finding = trawl_jobs::GenericFinding {
        id: "policy-b-public".into(),
        kind: "Policy:IAMUser/S3BucketPublic".into(),
        category: "POLICY".into(),
        severity: "HIGH".into(),
        title: "The bucket is public".into(),
        description: "b allows public read".into(),
        created_at: now,
        updated_at: now,
        count: 1,
        resources: vec!["arn:aws:s3:::b".into()],
        resources_affected: serde_json::json!({ "s3Bucket": { "name": "b" } }),
        extra: Default::default(),
    };
    let id =
        trawl_jobs::publish_finding(&mut store, &job, &row.id, &first.run.id, &finding).unwrap();
    // Published twice: one event.
    trawl_jobs::publish_finding(&mut store, &job, &row.id, &first.run.id, &finding).unwrap();
    run_job(&state, &row.id, &opts(&state)).unwrap();
    let text = std::fs::read_to_string(dir.path().join("ev.jsonl")).unwrap();
    let events: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0]["id"], id.as_str());
    assert_eq!(events[0]["detail"]["type"], "Policy:IAMUser/S3BucketPublic");
    assert_eq!(events[0]["detail"]["severity"]["score"], 3);
}

#[test]
fn job_over_an_s3_bucket_writes_results_under_an_s3_prefix() {
    let Ok(endpoint) = std::env::var("TRAWL_TEST_S3_ENDPOINT") else {
        if std::env::var("TRAWL_REQUIRE_S3").as_deref() == Ok("1") {
            panic!("TRAWL_REQUIRE_S3=1 but TRAWL_TEST_S3_ENDPOINT is not set");
        }
        eprintln!("skipped: TRAWL_TEST_S3_ENDPOINT not set");
        return;
    };
    std::env::set_var("AWS_ACCESS_KEY_ID", "test");
    std::env::set_var("AWS_SECRET_ACCESS_KEY", "test");
    let bucket = format!("trawl-src-{}", std::process::id());
    let rt = tokio::runtime::Runtime::new().unwrap();
    let client = rt.block_on(async {
        let conf = aws_config::defaults(aws_config::BehaviorVersion::latest())
            .region(aws_config::Region::new("us-east-1"))
            .endpoint_url(&endpoint)
            .load()
            .await;
        let c = aws_sdk_s3::Client::from_conf(
            aws_sdk_s3::config::Builder::from(&conf)
                .force_path_style(true)
                .build(),
        );
        c.create_bucket().bucket(&bucket).send().await.unwrap();
        for i in 0..3 {
            c.put_object()
                .bucket(&bucket)
                .key(format!("in/f{i}.txt"))
                .body(CARD.as_bytes().to_vec().into())
                .send()
                .await
                .unwrap();
        }
        c
    });
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.db");
    let store = Store::open(&state).unwrap();
    let job = create(
        &store,
        dir.path(),
        &format!(
            "name = \"s3\"\ntargets = [\"s3://{bucket}/in/\"]\n[s3]\nendpoint = \"{endpoint}\"\nposture = true\n\
             [results]\nlocation = \"s3://{bucket}/results\"\n[tls]\nallow_insecure_endpoint = true\n\
             [[events]]\ntype = \"jsonl\"\npath = \"events.jsonl\"\n"
        ),
        Utc::now(),
    );
    let out = run_job(&state, &job.id, &opts(&state)).unwrap();
    assert_eq!(out.run.objects, 3, "{}", out.summary);
    // Posture findings of the bucket went out as policy-finding events, beside the objects'.
    let events: Vec<serde_json::Value> = std::fs::read_to_string(dir.path().join("events.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let policy: Vec<&str> = events
        .iter()
        .filter_map(|e| e["detail"]["type"].as_str())
        .filter(|t| t.starts_with("Policy:IAMUser/"))
        .collect();
    assert!(
        policy.contains(&"Policy:IAMUser/S3BucketEncryptionDisabled")
            && policy.contains(&"Policy:IAMUser/S3BlockPublicAccessDisabled"),
        "{policy:?}"
    );
    let sensitive = events
        .iter()
        .filter(|e| {
            e["detail"]["type"]
                .as_str()
                .is_some_and(|t| t.starts_with("SensitiveData:"))
        })
        .count();
    assert_eq!(sensitive, 3);
    // A second run within the same cadence window publishes no policy event again.
    let before = events.len();
    run_job(&state, &job.id, &opts(&state)).unwrap();
    let after = std::fs::read_to_string(dir.path().join("events.jsonl"))
        .unwrap()
        .lines()
        .count();
    assert_eq!(
        after, before,
        "no duplicate events within one cadence window"
    );
    let prefix = format!("results/{}/{}/", job.id, out.run.id);
    let keys: Vec<String> = rt.block_on(async {
        let r = client
            .list_objects_v2()
            .bucket(&bucket)
            .prefix(&prefix)
            .send()
            .await
            .unwrap();
        r.contents()
            .iter()
            .filter_map(|o| o.key().map(String::from))
            .collect()
    });
    assert!(
        keys.contains(&format!("{prefix}results-00001.jsonl.gz")),
        "{keys:?}"
    );
    assert!(keys.contains(&format!("{prefix}summary.json")), "{keys:?}");
    assert_eq!(out.summary["targets"][0]["objects"], 3);
}

#[test]
fn events_delivered_during_the_run_are_not_doubled() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    for i in 0..60 {
        write(
            &data,
            &format!("f{i:02}.txt"),
            &format!("{}{CARD}", "filler line\n".repeat(2000)),
        );
    }
    let state = dir.path().join("state.db");
    let store = Store::open(&state).unwrap();
    let job = create(
        &store,
        dir.path(),
        "name = \"live\"\ntargets = [\"data\"]\n[limits]\nthreads = 1\n[[events]]\ntype = \"jsonl\"\npath = \"ev.jsonl\"\n",
        Utc::now(),
    );
    let mut o = opts(&state);
    o.batch_size = 1;
    o.delivery_interval = std::time::Duration::ZERO;
    let out = run_job(&state, &job.id, &o).unwrap();
    assert_eq!(out.run.objects, 60);
    eprintln!("delivered at the end: {}", out.summary["events"]);
    let text = std::fs::read_to_string(dir.path().join("ev.jsonl")).unwrap();
    let ids: std::collections::HashSet<String> = text
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["id"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(text.lines().count(), 60);
    assert_eq!(ids.len(), 60);
}

#[test]
fn custom_identifiers_and_allow_lists_are_read_at_creation() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    write(
        &data,
        "a.txt",
        "employee EMP-123456\ncredit card number: 4539 2274 2374 7675\n",
    );
    write(
        dir.path(),
        "conf/ids.toml",
        "[[custom_identifier]]\nname = \"EMPLOYEE_ID\"\nregex = \"EMP-[0-9]{6}\"\nkeywords = [\"employee\"]\n",
    );
    write(dir.path(), "conf/allow.txt", "4539 2274 2374 7675\n");
    let job_file = dir.path().join("conf/job.yaml");
    std::fs::write(
        &job_file,
        "name: custom\ntargets: [../data]\nidentifiers:\n  selection: NONE\n  custom_files: [ids.toml]\n  allow_lists: [allow.txt]\n",
    )
    .unwrap();
    let def = trawl_jobs::JobDefinition::load(&job_file).unwrap();
    assert_eq!(def.stored_custom_identifiers.len(), 1);
    // The files may go away: the job keeps what they said.
    std::fs::remove_dir_all(dir.path().join("conf")).unwrap();
    let state = dir.path().join("state.db");
    let store = Store::open(&state).unwrap();
    let job = trawl_jobs::create_job(&store, &def, Utc::now()).unwrap();
    let out = run_job(&state, &job.id, &opts(&state)).unwrap();
    assert_eq!(out.run.objects, 1);
    let f = store.findings(&FindingFilter::default()).unwrap();
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].finding_type, "SensitiveData:S3Object/CustomIdentifier");
    assert_eq!(f[0].detections.len(), 1, "{:?}", f[0].detections);
    assert_eq!(f[0].detections[0].0, "EMPLOYEE_ID");
    // A job file naming a missing file is refused with the field.
    let bad = dir.path().join("bad.toml");
    std::fs::write(
        &bad,
        "name = \"b\"\ntargets = [\"data\"]\n[identifiers]\ncustom_files = [\"nope.toml\"]\n",
    )
    .unwrap();
    let err = trawl_jobs::JobDefinition::load(&bad)
        .unwrap_err()
        .to_string();
    assert!(err.contains("identifiers.custom_files[0]"), "{err}");
}

#[test]
fn daemon_backs_off_from_a_job_another_process_runs() {
    let dir = tempfile::tempdir().unwrap();
    write(&dir.path().join("data"), "a.txt", "x\n");
    let state = dir.path().join("state.db");
    let store = Store::open(&state).unwrap();
    let t0 = t("2026-03-04T10:00:00Z");
    let job = create(
        &store,
        dir.path(),
        "name = \"d\"\ntargets = [\"data\"]\nschedule = \"daily\"\n",
        t0,
    );
    let _held = store.lock_job(&job.id).unwrap();
    let clock = Arc::new(FakeClock::new(t0));
    let mut o = opts(&state);
    o.clock = clock.clone();
    let mut d = Daemon::new(state.clone(), o);
    let skips = Arc::new(Mutex::new(Vec::new()));
    let (stop, s2, c2) = (d.stop.clone(), skips.clone(), clock.clone());
    d.log = Arc::new(move |line| {
        if line.starts_with("run skipped") {
            let mut s = s2.lock().unwrap();
            s.push(c2.now());
            if s.len() == 3 {
                stop.store(true, Ordering::Relaxed);
            }
        }
    });
    d.run().unwrap();
    let skips = skips.lock().unwrap();
    assert_eq!(skips.len(), 3);
    assert!(skips[1] - skips[0] >= d.poll, "{skips:?}");
    assert!(skips[2] - skips[1] >= d.poll, "{skips:?}");
    assert!(store.runs(&job.id).unwrap().is_empty());
}
