//! `trawl scan s3://...` against real S3-compatible servers on 127.0.0.1, started by
//! `scripts/test`: moto (`TRAWL_TEST_S3_ENDPOINT`) for most tests, LocalStack
//! (`TRAWL_TEST_S3_LOCALSTACK`) for what only it enforces (SSE-C). Faults are injected by
//! `scripts/s3/faultproxy.py` between trawl and the server. Without the variables the tests
//! say they are skipped, unless `TRAWL_REQUIRE_S3=1` (set by `scripts/test`), when they fail.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{
    BucketVersioningStatus, ServerSideEncryption, StorageClass, Tag, Tagging,
    VersioningConfiguration,
};
use trawl_scanner::ResultRecord;

mod common;
use common::s3::{
    bucket_name, client, counts, moto, put, runtime, trawl_scan, upload_dir, walk, FaultProxy,
    CARD_LINE, SSN_LINE,
};

fn samples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/samples")
}

/// What a record says about content, without what differs between storages.
fn content_view(r: &ResultRecord) -> serde_json::Value {
    serde_json::json!({
        "key": r.object.key,
        "size": r.object.size,
        "status": r.status,
        "format": r.format,
        "bytes_scanned": r.bytes_scanned,
        "severity": r.severity,
        "reasons": r.reasons.iter().map(|x| (&x.code, &x.member)).collect::<Vec<_>>(),
        "detections": r.detections,
    })
}

#[test]
fn results_on_s3_equal_results_on_local_disk() {
    let Some(ep) = moto() else { return };
    let c = client(&ep);
    let bucket = bucket_name("same");
    let dir = tempfile::tempdir().unwrap();
    // The real-world corpus (every format) and the samples, side by side.
    if let Some(corpus) = common::corpus() {
        copy_tree(&corpus, &dir.path().join("corpus"));
    }
    copy_tree(&samples(), &dir.path().join("samples"));
    let rt = runtime();
    let uploaded = rt.block_on(async {
        c.create_bucket().bucket(&bucket).send().await.unwrap();
        upload_dir(&c, &bucket, dir.path()).await
    });
    let s3 = trawl_scan(&ep, &[&format!("s3://{bucket}"), "--identifiers", "ALL"]);
    assert_eq!(s3.code(), 0, "{}", s3.stderr());
    let local = Command::new(env!("CARGO_BIN_EXE_trawl"))
        .args(["scan", dir.path().to_str().unwrap(), "--format", "jsonl"])
        .args(["--identifiers", "ALL"])
        .output()
        .unwrap();
    let local: Vec<ResultRecord> = String::from_utf8(local.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(s3.records.len(), uploaded);
    assert_eq!(local.len(), uploaded);
    let by_key = |rs: &[ResultRecord]| -> BTreeMap<String, serde_json::Value> {
        rs.iter()
            .map(|r| (r.object.key.clone(), content_view(r)))
            .collect()
    };
    let (a, b) = (by_key(&s3.records), by_key(&local));
    let mut differ = Vec::new();
    for (k, v) in &a {
        if b.get(k) != Some(v) {
            differ.push(format!(
                "{k}:\n  s3:    {v}\n  local: {}",
                b.get(k).map(|x| x.to_string()).unwrap_or_default()
            ));
        }
    }
    assert!(
        differ.is_empty(),
        "{} differ:\n{}",
        differ.len(),
        differ.join("\n")
    );
    let with_findings = s3.records.iter().filter(|r| r.severity.is_some()).count();
    assert!(
        with_findings >= 5,
        "only {with_findings} objects with findings"
    );
    for r in &s3.records {
        assert_eq!(r.object.storage.as_str(), "s3");
        assert_eq!(r.object.bucket.as_deref(), Some(bucket.as_str()));
        assert_eq!(r.object.uri, format!("s3://{bucket}/{}", r.object.key));
        assert!(r.object.etag.as_ref().is_some_and(|e| !e.contains('"')));
        assert!(r.object.last_modified.is_some());
        assert!(r.object.encryption.is_some() || r.status.as_str() == "SKIPPED");
    }
}

fn copy_tree(from: &Path, to: &Path) {
    for f in walk(from) {
        let dest = to.join(f.strip_prefix(from).unwrap());
        std::fs::create_dir_all(dest.parent().unwrap()).unwrap();
        std::fs::copy(&f, &dest).unwrap();
    }
}

#[test]
fn listing_pages_odd_keys_and_sizes() {
    let Some(ep) = moto() else { return };
    let c = client(&ep);
    let bucket = bucket_name("list");
    let odd = [
        "with space/a b.txt",
        "unicode/données-ünïcødé-日本.txt",
        "plus+sign.txt",
        "percent%20literal.txt",
        "deep/a/b/c/d/e/f.txt",
    ];
    let rt = runtime();
    rt.block_on(async {
        c.create_bucket().bucket(&bucket).send().await.unwrap();
        // 1,050 keys: more than one ListObjectsV2 page (1,000).
        let mut tasks = Vec::new();
        for i in 0..1050 {
            let (c, bucket) = (c.clone(), bucket.clone());
            tasks.push(tokio::spawn(async move {
                put(
                    &c,
                    &bucket,
                    &format!("many/{i:05}.txt"),
                    format!("line {i}\n"),
                )
                .await
            }));
            if tasks.len() == 32 {
                for t in tasks.drain(..) {
                    t.await.unwrap();
                }
            }
        }
        for t in tasks {
            t.await.unwrap();
        }
        for k in odd {
            put(&c, &bucket, k, SSN_LINE).await;
        }
        put(&c, &bucket, "empty.txt", Vec::new()).await;
        let mut big = CARD_LINE.repeat(10).into_bytes();
        big.resize((12 << 20) - 1, b'x');
        big.push(b'\n');
        big.extend_from_slice(SSN_LINE.as_bytes());
        put(&c, &bucket, "big.log", big).await;
    });
    let run = trawl_scan(&ep, &[&format!("s3://{bucket}")]);
    assert_eq!(run.code(), 0, "{}", run.stderr());
    assert_eq!(run.records.len(), 1050 + odd.len() + 2);
    let keys = run.keys();
    for k in odd {
        assert!(keys.contains(&k.to_string()), "{k} missing");
        let r = run.record(k);
        assert_eq!(counts(r)["USA_SOCIAL_SECURITY_NUMBER"], 1, "{k}");
    }
    let empty = run.record("empty.txt");
    assert_eq!(empty.object.size, 0);
    assert_eq!(empty.status.as_str(), "COMPLETE");
    let big = run.record("big.log");
    assert_eq!(big.object.size, (12 << 20) + SSN_LINE.len() as u64);
    assert_eq!(counts(big)["USA_SOCIAL_SECURITY_NUMBER"], 1);
    let ssn = &big
        .detections
        .iter()
        .find(|d| d.kind == "USA_SOCIAL_SECURITY_NUMBER")
        .unwrap();
    assert_eq!(ssn.occurrences[0].offset, Some((12 << 20) + 4));
    // A prefix target lists only under it.
    let run = trawl_scan(&ep, &[&format!("s3://{bucket}/unicode/")]);
    assert_eq!(run.keys(), ["unicode/données-ünïcødé-日本.txt"]);
}

#[test]
fn scope_filters_and_sampling() {
    let Some(ep) = moto() else { return };
    let c = client(&ep);
    let bucket = bucket_name("scope");
    let rt = runtime();
    rt.block_on(async {
        c.create_bucket().bucket(&bucket).send().await.unwrap();
        put(&c, &bucket, "data/a.csv", "ssn\n372-81-4456\n").await;
        put(&c, &bucket, "data/b.json", "{}").await;
        put(&c, &bucket, "data/c.log", "x").await;
        put(&c, &bucket, "tmp/d.csv", "x").await;
        put(&c, &bucket, "data/big.csv", vec![b'a'; 5000]).await;
        c.put_object()
            .bucket(&bucket)
            .key("data/public.csv")
            .body(ByteStream::from_static(b"x"))
            .tagging("classification=public&team=web")
            .send()
            .await
            .unwrap();
        c.put_object_tagging()
            .bucket(&bucket)
            .key("data/a.csv")
            .tagging(
                Tagging::builder()
                    .tag_set(Tag::builder().key("team").value("pay").build().unwrap())
                    .build()
                    .unwrap(),
            )
            .send()
            .await
            .unwrap();
        for i in 0..200 {
            put(&c, &bucket, &format!("sample/{i}.txt"), "x").await;
        }
    });
    let target = format!("s3://{bucket}");
    let run = trawl_scan(
        &ep,
        &[
            &target,
            "--include-ext",
            "csv,json",
            "--exclude-prefix",
            "tmp/",
            "--max-size",
            "1K",
        ],
    );
    assert_eq!(run.code(), 0, "{}", run.stderr());
    assert_eq!(run.keys(), ["data/a.csv", "data/b.json", "data/public.csv"]);
    let run = trawl_scan(
        &ep,
        &[
            &target,
            "--include-prefix",
            "data/",
            "--exclude-tag",
            "classification=public",
        ],
    );
    assert_eq!(
        run.keys(),
        ["data/a.csv", "data/b.json", "data/big.csv", "data/c.log"]
    );
    let run = trawl_scan(&ep, &[&target, "--include-tag", "team"]);
    assert_eq!(run.keys(), ["data/a.csv", "data/public.csv"]);
    let run = trawl_scan(&ep, &[&target, "--modified-after", "2999-01-01"]);
    assert!(run.records.is_empty());
    // Sampling: about the share asked for, the same objects for the same seed.
    let sample_target = format!("s3://{bucket}/sample/");
    let a = trawl_scan(
        &ep,
        &[&sample_target, "--sample", "25", "--sample-seed", "42"],
    );
    let b = trawl_scan(
        &ep,
        &[&sample_target, "--sample", "25", "--sample-seed", "42"],
    );
    assert!((25..=75).contains(&a.records.len()), "{}", a.records.len());
    assert_eq!(a.keys(), b.keys());
    let bad = trawl_scan(&ep, &[&sample_target, "--sample", "0"]);
    assert_eq!(bad.code(), 2);
    assert!(bad.stderr().contains("sample"), "{}", bad.stderr());
}

#[test]
fn archived_envelope_versions_and_server_side_encryption() {
    let Some(ep) = moto() else { return };
    let c = client(&ep);
    let bucket = bucket_name("state");
    let rt = runtime();
    rt.block_on(async {
        c.create_bucket().bucket(&bucket).send().await.unwrap();
        c.put_bucket_versioning()
            .bucket(&bucket)
            .versioning_configuration(
                VersioningConfiguration::builder()
                    .status(BucketVersioningStatus::Enabled)
                    .build(),
            )
            .send()
            .await
            .unwrap();
        for (key, class) in [
            ("cold/glacier.txt", StorageClass::Glacier),
            ("cold/deep.txt", StorageClass::DeepArchive),
            ("cold/instant.txt", StorageClass::GlacierIr),
        ] {
            c.put_object()
                .bucket(&bucket)
                .key(key)
                .storage_class(class)
                .body(ByteStream::from_static(CARD_LINE.as_bytes()))
                .send()
                .await
                .unwrap();
        }
        c.put_object()
            .bucket(&bucket)
            .key("cse/secret.bin")
            .metadata("x-amz-key-v2", "AQIDBAUGBwgJCgsMDQ4PEA==")
            .metadata("x-amz-cek-alg", "AES/GCM/NoPadding")
            .metadata("x-amz-wrap-alg", "kms+context")
            .body(ByteStream::from_static(SSN_LINE.as_bytes()))
            .send()
            .await
            .unwrap();
        c.put_object()
            .bucket(&bucket)
            .key("sse/s3.txt")
            .server_side_encryption(ServerSideEncryption::Aes256)
            .body(ByteStream::from_static(SSN_LINE.as_bytes()))
            .send()
            .await
            .unwrap();
        c.put_object()
            .bucket(&bucket)
            .key("sse/kms.txt")
            .server_side_encryption(ServerSideEncryption::AwsKms)
            .body(ByteStream::from_static(SSN_LINE.as_bytes()))
            .send()
            .await
            .unwrap();
        put(&c, &bucket, "versioned.txt", "nothing here\n").await;
        put(&c, &bucket, "versioned.txt", SSN_LINE).await;
    });
    let target = format!("s3://{bucket}");
    let proxy = FaultProxy::start(&ep, &[]);
    let run = trawl_scan(&proxy.url, &[&target]);
    assert_eq!(run.code(), 0, "{}", run.stderr());
    for key in ["cold/glacier.txt", "cold/deep.txt"] {
        let r = run.record(key);
        assert_eq!(r.status.as_str(), "SKIPPED", "{key}");
        assert_eq!(run.reason(key), "INVALID_OBJECT_STATE");
        assert!(r.reasons[0].message.contains("restore"));
    }
    let gets: Vec<String> = proxy
        .requests()
        .into_iter()
        .filter(|l| l.starts_with("GET") && l.contains("/cold/"))
        .collect();
    assert_eq!(
        gets.iter().filter(|l| !l.contains("instant")).count(),
        0,
        "no GET for archived objects: {gets:?}"
    );
    assert_eq!(
        counts(run.record("cold/instant.txt"))["CREDIT_CARD_NUMBER"],
        1
    );
    let cse = run.record("cse/secret.bin");
    assert_eq!(cse.status.as_str(), "SKIPPED");
    assert_eq!(run.reason("cse/secret.bin"), "ENCRYPTED_CONTENT");
    assert!(cse.reasons[0].message.contains("AES/GCM/NoPadding"));
    assert!(cse.detections.is_empty());
    assert_eq!(
        run.record("sse/s3.txt").object.encryption.as_deref(),
        Some("AES256")
    );
    assert_eq!(run.record("sse/s3.txt").status.as_str(), "COMPLETE");
    // SSE-KMS is read transparently when the key may be used.
    let kms = run.record("sse/kms.txt");
    assert_eq!(kms.object.encryption.as_deref(), Some("aws:kms"));
    assert_eq!(kms.status.as_str(), "COMPLETE");
    assert_eq!(counts(kms)["USA_SOCIAL_SECURITY_NUMBER"], 1);
    // Latest versions only by default; every version with --all-versions.
    let latest: Vec<&ResultRecord> = run
        .records
        .iter()
        .filter(|r| r.object.key == "versioned.txt")
        .collect();
    assert_eq!(latest.len(), 1);
    assert_eq!(counts(latest[0])["USA_SOCIAL_SECURITY_NUMBER"], 1);
    let all = trawl_scan(
        &ep,
        &[&target, "--all-versions", "--include-prefix", "versioned"],
    );
    assert_eq!(all.records.len(), 2, "{}", all.stderr());
    let versions: Vec<&str> = all
        .records
        .iter()
        .map(|r| r.object.version_id.as_deref().unwrap())
        .collect();
    assert_ne!(versions[0], versions[1]);
    assert_eq!(
        all.records.iter().filter(|r| r.severity.is_some()).count(),
        1,
        "the old version is clean, the new one is not"
    );
}

#[test]
fn read_faults_are_retried_and_nothing_is_lost() {
    let Some(ep) = moto() else { return };
    let c = client(&ep);
    let bucket = bucket_name("faults");
    let rt = runtime();
    rt.block_on(async {
        c.create_bucket().bucket(&bucket).send().await.unwrap();
        for i in 0..12 {
            let mut body = SSN_LINE.repeat(i + 1);
            body.push_str(&"filler text\n".repeat(20_000));
            body.push_str(CARD_LINE);
            put(&c, &bucket, &format!("f/{i:02}.txt"), body).await;
        }
    });
    let target = format!("s3://{bucket}");
    let clean = trawl_scan(&ep, &[&target]);
    assert_eq!(clean.records.len(), 12);
    let expect: BTreeMap<String, BTreeMap<String, u64>> = clean
        .records
        .iter()
        .map(|r| (r.object.key.clone(), counts(r)))
        .collect();
    let faults: [&[&str]; 4] = [
        // Throttling on GETs and on listing.
        &[
            "--fail-first",
            "8",
            "--match",
            "^GET /",
            "--status",
            "503",
            "--code",
            "SlowDown",
        ],
        // Connections reset before an answer.
        &["--fail-first", "6", "--match", "^GET /.*/f/", "--reset"],
        // Bodies cut mid-way: the read resumes with a ranged GET.
        &[
            "--fail-first",
            "5",
            "--match",
            "^GET /.*/f/",
            "--cut-after",
            "100000",
        ],
        // 500s.
        &[
            "--fail-first",
            "5",
            "--match",
            "^GET /.*/f/",
            "--status",
            "500",
            "--code",
            "InternalError",
        ],
    ];
    for args in faults {
        let proxy = FaultProxy::start(&ep, args);
        let run = trawl_scan(&proxy.url, &[&target, "--concurrency", "4"]);
        assert_eq!(run.code(), 0, "{args:?}: {}", run.stderr());
        let got: BTreeMap<String, BTreeMap<String, u64>> = run
            .records
            .iter()
            .map(|r| (r.object.key.clone(), counts(r)))
            .collect();
        assert_eq!(got, expect, "{args:?}");
        for r in &run.records {
            assert_eq!(
                r.status.as_str(),
                "COMPLETE",
                "{args:?} {}: {:?}",
                r.object.key,
                r.reasons
            );
        }
        if args.contains(&"--cut-after") {
            let ranged = proxy.requests().len();
            assert!(ranged > 12, "cut bodies were fetched again");
        }
    }
    // Past the retry budget: READ_ERROR for the object, the scan goes on.
    let proxy = FaultProxy::start(
        &ep,
        &[
            "--fail-first",
            "1000",
            "--match",
            "^GET /.*/f/03",
            "--status",
            "503",
            "--code",
            "SlowDown",
        ],
    );
    let run = trawl_scan(&proxy.url, &[&target, "--retries", "2"]);
    assert_eq!(run.code(), 0, "{}", run.stderr());
    assert_eq!(run.records.len(), 12);
    assert_eq!(run.record("f/03.txt").status.as_str(), "SKIPPED");
    assert_eq!(run.reason("f/03.txt"), "READ_ERROR");
    assert_eq!(
        run.records
            .iter()
            .filter(|r| r.status.as_str() == "COMPLETE")
            .count(),
        11
    );
}

#[test]
fn denied_vanished_and_kms_errors_become_reasons() {
    let Some(ep) = moto() else { return };
    let c = client(&ep);
    let bucket = bucket_name("deny");
    let rt = runtime();
    rt.block_on(async {
        c.create_bucket().bucket(&bucket).send().await.unwrap();
        for k in [
            "denied.txt",
            "gone.txt",
            "kms-denied.txt",
            "kms-disabled.txt",
            "fine.txt",
        ] {
            put(&c, &bucket, k, SSN_LINE).await;
        }
    });
    let target = format!("s3://{bucket}");
    let cases: [(&str, &[&str], &str); 4] = [
        (
            "denied.txt",
            &[
                "--status",
                "403",
                "--code",
                "AccessDenied",
                "--message",
                "Access Denied",
            ],
            "PERMISSION_DENIED",
        ),
        (
            "gone.txt",
            &[
                "--status",
                "404",
                "--code",
                "NoSuchKey",
                "--message",
                "The specified key does not exist.",
            ],
            "SOURCE_OBJECT_NO_LONGER_AVAILABLE",
        ),
        (
            "kms-denied.txt",
            &[
                "--status",
                "403",
                "--code",
                "AccessDenied",
                "--message",
                "User: arn:aws:iam::111111111111:user/x is not authorized to perform: kms:Decrypt",
            ],
            "INVALID_ENCRYPTION",
        ),
        (
            "kms-disabled.txt",
            &[
                "--status",
                "400",
                "--code",
                "KMS.DisabledException",
                "--message",
                "key is disabled",
            ],
            "INVALID_KMS_KEY",
        ),
    ];
    for (key, fault, code) in cases {
        let m = format!("^GET /{bucket}/{key}");
        let mut args = vec!["--fail-first", "100", "--match", &m];
        args.extend_from_slice(fault);
        let proxy = FaultProxy::start(&ep, &args);
        let run = trawl_scan(&proxy.url, &[&target]);
        assert_eq!(run.code(), 0, "{}", run.stderr());
        assert_eq!(run.records.len(), 5);
        assert_eq!(run.record(key).status.as_str(), "SKIPPED", "{key}");
        assert_eq!(
            run.reason(key),
            code,
            "{key}: {:?}",
            run.record(key).reasons
        );
        if code.contains("KMS") || code == "INVALID_ENCRYPTION" {
            assert_eq!(
                run.record(key).object.encryption.as_deref(),
                Some("aws:kms")
            );
        }
        assert_eq!(run.record("fine.txt").status.as_str(), "COMPLETE");
        let gets = proxy
            .requests()
            .iter()
            .filter(|l| l.starts_with(&format!("GET /{bucket}/{key}")))
            .count();
        if code != "INVALID_ENCRYPTION" && code != "INVALID_KMS_KEY" {
            assert!(
                gets <= 3,
                "{key}: final errors are not retried by trawl ({gets} GETs)"
            );
        }
    }
}

#[test]
fn missing_bucket_fails_alone_and_all_buckets_are_listed() {
    let Some(ep) = moto() else { return };
    let c = client(&ep);
    let (a, b) = (bucket_name("alla"), bucket_name("allb"));
    let rt = runtime();
    rt.block_on(async {
        for x in [&a, &b] {
            c.create_bucket().bucket(x).send().await.unwrap();
            put(&c, x, "x.txt", SSN_LINE).await;
        }
    });
    let run = trawl_scan(&ep, &["s3://trawl-no-such-bucket-0", &format!("s3://{a}")]);
    assert_eq!(run.code(), 0, "{}", run.stderr());
    assert_eq!(run.records.len(), 1);
    assert!(
        run.stderr().contains("trawl-no-such-bucket-0") && run.stderr().contains("NoSuchBucket"),
        "{}",
        run.stderr()
    );
    let only_missing = trawl_scan(&ep, &["s3://trawl-no-such-bucket-0"]);
    assert_eq!(only_missing.code(), 2);
    let all = trawl_scan(&ep, &["s3://"]);
    assert_eq!(all.code(), 0, "{}", all.stderr());
    let buckets: Vec<&str> = all
        .records
        .iter()
        .filter_map(|r| r.object.bucket.as_deref())
        .collect();
    assert!(buckets.contains(&a.as_str()) && buckets.contains(&b.as_str()));
}

#[test]
fn plain_http_endpoint_needs_the_flag() {
    let Some(ep) = moto() else { return };
    let out = Command::new(env!("CARGO_BIN_EXE_trawl"))
        .args(["scan", "s3://whatever", "--endpoint-url", &ep])
        .env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--allow-insecure-endpoint"), "{err}");
}

#[test]
fn a_dry_run_lists_and_sends_no_get() {
    let Some(ep) = moto() else { return };
    let bucket = bucket_name("dryrun");
    let rt = runtime();
    rt.block_on(async {
        let c = client(&ep);
        c.create_bucket().bucket(&bucket).send().await.unwrap();
        put(&c, &bucket, "a.csv", CARD_LINE).await;
        put(&c, &bucket, "b.json", "{\"x\": 1}\n").await;
        put(&c, &bucket, "tmp/c.txt", SSN_LINE).await;
    });
    let proxy = FaultProxy::start(&ep, &[]);
    let target = format!("s3://{bucket}");
    let out = Command::new(env!("CARGO_BIN_EXE_trawl"))
        .args(["scan", &target, "--dry-run", "--exclude-prefix", "tmp/"])
        .args([
            "--format",
            "jsonl",
            "--endpoint-url",
            &proxy.url,
            "--allow-insecure-endpoint",
        ])
        .env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env_remove("AWS_ENDPOINT_URL")
        .env_remove("AWS_PROFILE")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let plan: serde_json::Value = serde_json::from_str(stdout.trim()).unwrap();
    assert_eq!(plan["scanned"]["objects"], 2, "{plan}");
    assert_eq!(
        plan["left_out"]["exclude: key prefix"]["objects"], 1,
        "{plan}"
    );
    assert_eq!(plan["by_format"]["csv"]["objects"], 1, "{plan}");
    assert_eq!(plan["by_storage_class"]["STANDARD"]["objects"], 2, "{plan}");
    let requests = proxy.requests();
    let object_gets: Vec<&String> = requests
        .iter()
        .filter(|l| l.starts_with("GET") && !l.contains("list-type") && !l.contains("?location"))
        .filter(|l| l.contains(".csv") || l.contains(".json") || l.contains(".txt"))
        .collect();
    assert!(
        object_gets.is_empty(),
        "GETs sent: {object_gets:?} of {requests:?}"
    );
    assert!(
        requests.iter().any(|l| l.contains("list-type=2")),
        "{requests:?}"
    );
}
