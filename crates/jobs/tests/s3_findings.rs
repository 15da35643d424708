//! Findings against a real S3-compatible server (moto on 127.0.0.1, `TRAWL_TEST_S3_ENDPOINT`,
//! started by `scripts/test`): results uploads are encrypted (SSE-KMS with the job's key, else
//! SSE-S3) and a refused KMS key is a clear error; an S3 finding is revealed from the same
//! object, and refused once the object changed or went.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use aws_sdk_s3::types::ServerSideEncryption;
use chrono::Utc;
use common::{create, write, CARD};
use trawl_jobs::{reveal_finding, run_job, FindingFilter, Reveal, RunOptions, Store};

fn endpoint() -> Option<String> {
    match std::env::var("TRAWL_TEST_S3_ENDPOINT") {
        Ok(e) if !e.is_empty() => Some(e),
        _ => {
            assert!(
                std::env::var("TRAWL_REQUIRE_S3").as_deref() != Ok("1"),
                "TRAWL_REQUIRE_S3=1 but TRAWL_TEST_S3_ENDPOINT is not set"
            );
            eprintln!("skipped: TRAWL_TEST_S3_ENDPOINT not set (scripts/test starts moto)");
            None
        }
    }
}

struct S3 {
    rt: tokio::runtime::Runtime,
    client: aws_sdk_s3::Client,
}

impl S3 {
    fn new(endpoint: &str) -> S3 {
        std::env::set_var("AWS_ACCESS_KEY_ID", "test");
        std::env::set_var("AWS_SECRET_ACCESS_KEY", "test");
        let rt = tokio::runtime::Runtime::new().unwrap();
        let creds = aws_sdk_s3::config::Credentials::new("test", "test", None, None, "tests");
        let conf = aws_sdk_s3::config::Builder::new()
            .behavior_version(aws_sdk_s3::config::BehaviorVersion::latest())
            .region(aws_sdk_s3::config::Region::new("us-east-1"))
            .endpoint_url(endpoint)
            .force_path_style(true)
            .credentials_provider(creds)
            .build();
        S3 {
            rt,
            client: aws_sdk_s3::Client::from_conf(conf),
        }
    }

    fn bucket(&self, tag: &str) -> String {
        let name = format!("trawl-{tag}-{}", rand::random::<u32>());
        self.rt
            .block_on(self.client.create_bucket().bucket(&name).send())
            .unwrap();
        name
    }

    fn put(&self, bucket: &str, key: &str, body: &str) {
        self.rt
            .block_on(
                self.client
                    .put_object()
                    .bucket(bucket)
                    .key(key)
                    .body(body.as_bytes().to_vec().into())
                    .send(),
            )
            .unwrap();
    }

    fn keys(&self, bucket: &str, prefix: &str) -> Vec<String> {
        let r = self
            .rt
            .block_on(
                self.client
                    .list_objects_v2()
                    .bucket(bucket)
                    .prefix(prefix)
                    .send(),
            )
            .unwrap();
        r.contents()
            .iter()
            .filter_map(|o| o.key().map(String::from))
            .collect()
    }

    /// (server-side encryption, KMS key id) of an object, as the server keeps them.
    fn encryption(
        &self,
        bucket: &str,
        key: &str,
    ) -> (Option<ServerSideEncryption>, Option<String>) {
        let h = self
            .rt
            .block_on(self.client.head_object().bucket(bucket).key(key).send())
            .unwrap();
        (
            h.server_side_encryption().cloned(),
            h.ssekms_key_id().map(String::from),
        )
    }
}

fn results_job(
    dir: &Path,
    store: &Store,
    endpoint: &str,
    bucket: &str,
    name: &str,
    kms: &str,
) -> String {
    write(&dir.join("data"), "a.txt", CARD);
    create(
        store,
        dir,
        &format!(
            "name = \"{name}\"\ntargets = [\"data\"]\n[results]\nlocation = \"s3://{bucket}/scans\"\n\
             endpoint = \"{endpoint}\"\n{kms}\n[tls]\nallow_insecure_endpoint = true\n"
        ),
        Utc::now(),
    )
    .id
}

#[test]
fn results_uploads_are_encrypted_with_the_jobs_kms_key_else_sse_s3() {
    let Some(endpoint) = endpoint() else { return };
    let s3 = S3::new(&endpoint);
    let bucket = s3.bucket("sse");
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.db");
    let store = Store::open(&state).unwrap();
    let key = "arn:aws:kms:us-east-1:000000000000:key/1234abcd-12ab-34cd-56ef-1234567890ab";
    let kms = results_job(
        dir.path(),
        &store,
        &endpoint,
        &bucket,
        "kms",
        &format!("kms_key_id = \"{key}\""),
    );
    let plain = results_job(dir.path(), &store, &endpoint, &bucket, "plain", "");
    for (job, want) in [
        (&kms, ServerSideEncryption::AwsKms),
        (&plain, ServerSideEncryption::Aes256),
    ] {
        let out = run_job(&state, job, &RunOptions::new(&state)).unwrap();
        let prefix = format!("scans/{job}/{}/", out.run.id);
        let keys = s3.keys(&bucket, &prefix);
        assert!(keys.len() >= 2, "{keys:?}");
        for k in &keys {
            let (sse, kms_id) = s3.encryption(&bucket, k);
            assert_eq!(sse.as_ref(), Some(&want), "{k}");
            if want == ServerSideEncryption::AwsKms {
                assert_eq!(kms_id.as_deref(), Some(key), "{k}");
            }
        }
        let said = out.summary["results_encryption"]
            .as_str()
            .unwrap()
            .to_string();
        if want == ServerSideEncryption::AwsKms {
            assert_eq!(said, format!("SSE-KMS (key {key})"));
        } else {
            assert_eq!(said, "SSE-S3");
        }
    }
}

/// `scripts/s3/faultproxy.py` on a free port in front of `upstream`; killed on drop.
struct FaultProxy {
    child: Child,
    url: String,
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl FaultProxy {
    fn start(upstream: &str, args: &[&str]) -> FaultProxy {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/s3/faultproxy.py");
        let up_port = upstream.rsplit(':').next().unwrap().trim_end_matches('/');
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new("python3")
            .arg(&script)
            .arg(port.to_string())
            .arg(up_port)
            .args(args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "fault proxy did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        FaultProxy {
            child,
            url: format!("http://127.0.0.1:{port}"),
        }
    }
}

#[test]
fn a_refused_kms_key_is_a_clear_error() {
    let Some(endpoint) = endpoint() else { return };
    let s3 = S3::new(&endpoint);
    let bucket = s3.bucket("kmsdenied");
    let proxy = FaultProxy::start(
        &endpoint,
        &[
            "--fail-first",
            "1000",
            "--match",
            "^PUT /[^ ]*/scans/",
            "--status",
            "400",
            "--code",
            "KMS.DisabledException",
            "--message",
            "The key is disabled.",
        ],
    );
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.db");
    let store = Store::open(&state).unwrap();
    let job = results_job(
        dir.path(),
        &store,
        &proxy.url,
        &bucket,
        "denied",
        "kms_key_id = \"alias/off\"",
    );
    let err = run_job(&state, &job, &RunOptions::new(&state))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains(
            "the KMS key alias/off was refused (KMS.DisabledException: The key is disabled.)"
        ),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        !err.contains("Error {") && !err.contains("SdkError"),
        "{err}"
    );
}

#[test]
fn an_s3_finding_is_revealed_from_the_same_object_only() {
    let Some(endpoint) = endpoint() else { return };
    let s3 = S3::new(&endpoint);
    let bucket = s3.bucket("reveal");
    s3.put(&bucket, "in/card.txt", &format!("header\n{CARD}"));
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.db");
    let store = Store::open(&state).unwrap();
    let job = create(
        &store,
        dir.path(),
        &format!(
            "name = \"reveal\"\ntargets = [\"s3://{bucket}/in/\"]\n[s3]\nendpoint = \"{endpoint}\"\n\
             [tls]\nallow_insecure_endpoint = true\n"
        ),
        Utc::now(),
    );
    run_job(&state, &job.id, &RunOptions::new(&state)).unwrap();
    let findings = store.findings(&FindingFilter::default()).unwrap();
    assert_eq!(findings.len(), 1);
    let id = findings[0].id.clone();
    match reveal_finding(&state, &id, "carol").unwrap() {
        Reveal::Revealed { types, uri, .. } => {
            assert_eq!(uri, format!("s3://{bucket}/in/card.txt"));
            assert_eq!(types[0].kind, "CREDIT_CARD_NUMBER");
            assert_eq!(types[0].values[0].value, "4539 2274 2374 7675");
            assert_eq!(types[0].values[0].location["lineRanges"][0]["start"], 2);
        }
        other => panic!("{other:?}"),
    }
    // A new object under the same key (another ETag): refused.
    s3.put(&bucket, "in/card.txt", &format!("HEADER\n{CARD}"));
    match reveal_finding(&state, &id, "carol").unwrap() {
        Reveal::Changed { reason, .. } => assert!(reason.contains("ETag"), "{reason}"),
        other => panic!("{other:?}"),
    }
    s3.rt
        .block_on(
            s3.client
                .delete_object()
                .bucket(&bucket)
                .key("in/card.txt")
                .send(),
        )
        .unwrap();
    assert!(matches!(
        reveal_finding(&state, &id, "carol").unwrap(),
        Reveal::Vanished { .. }
    ));
    let log = store.reveals(Some(&id)).unwrap();
    assert_eq!(log.len(), 3);
    assert!(log.iter().all(|r| r.revealed_by == "carol"));
}

#[test]
fn posture_findings_are_stored_once_across_runs_and_suppressed_like_the_others() {
    let Some(endpoint) = endpoint() else { return };
    let s3 = S3::new(&endpoint);
    let bucket = s3.bucket("posture");
    s3.put(&bucket, "in/card.txt", CARD);
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.db");
    let mut store = Store::open(&state).unwrap();
    let job = create(
        &store,
        dir.path(),
        &format!(
            "name = \"posture\"\ntargets = [\"s3://{bucket}/in/\"]\n[s3]\nendpoint = \"{endpoint}\"\nposture = true\n\
             [tls]\nallow_insecure_endpoint = true\n[[events]]\ntype = \"jsonl\"\npath = \"events.jsonl\"\n"
        ),
        Utc::now(),
    );
    let policy = |store: &Store, archived: bool| {
        store
            .findings(&FindingFilter {
                category: Some("POLICY".into()),
                archived,
                ..Default::default()
            })
            .unwrap()
    };
    let first = run_job(&state, &job.id, &RunOptions::new(&state)).unwrap();
    let after_first = policy(&store, false);
    let types: Vec<&str> = after_first
        .iter()
        .map(|f| f.finding_type.as_str())
        .collect();
    assert!(
        types.contains(&"Policy:IAMUser/S3BucketEncryptionDisabled")
            && types.contains(&"Policy:IAMUser/S3BlockPublicAccessDisabled"),
        "{types:?}"
    );
    assert!(after_first.iter().all(|f| f.run_id == first.run.id
        && f.bucket.as_deref() == Some(bucket.as_str())
        && f.detections[0].1 == "POLICY"));
    // The same settings in a second run: the same findings, updated, not doubled.
    let second = run_job(&state, &job.id, &RunOptions::new(&state)).unwrap();
    let after_second = policy(&store, false);
    assert_eq!(after_second.len(), after_first.len());
    let mut ids_first: Vec<&str> = after_first.iter().map(|f| f.id.as_str()).collect();
    let mut ids_second: Vec<&str> = after_second.iter().map(|f| f.id.as_str()).collect();
    ids_first.sort();
    ids_second.sort();
    assert_eq!(ids_first, ids_second);
    assert!(after_second.iter().all(|f| f.run_id == second.run.id));
    // Counted and suppressed as the others are.
    let stats = store
        .finding_stats(&FindingFilter::default(), trawl_jobs::GroupBy::Category)
        .unwrap();
    let row = stats.iter().find(|r| r.key == "POLICY").unwrap();
    assert_eq!(row.findings as usize, after_second.len());
    let rule = trawl_jobs::Suppression {
        category: Some("POLICY".into()),
        ..Default::default()
    };
    let (_, archived) = store.add_suppression(&rule, Utc::now()).unwrap();
    assert_eq!(archived, after_second.len());
    let events_before = std::fs::read_to_string(dir.path().join("events.jsonl"))
        .unwrap()
        .lines()
        .count();
    run_job(&state, &job.id, &RunOptions::new(&state)).unwrap();
    assert!(policy(&store, false).is_empty());
    assert_eq!(policy(&store, true).len(), after_second.len());
    let events_after = std::fs::read_to_string(dir.path().join("events.jsonl"))
        .unwrap()
        .lines()
        .count();
    assert_eq!(
        events_after, events_before,
        "archived policy findings publish nothing"
    );
}
