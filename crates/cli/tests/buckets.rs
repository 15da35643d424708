//! `trawl buckets`: one `trawl.bucket/v1` record per bucket against moto (started by
//! scripts/test): public access, encryption, versioning, replication, sharing, tags, posture,
//! the objects by storage class and by what trawl can read, and with a state database each
//! bucket's last scan and sensitivity score.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{
    BucketVersioningStatus, ServerSideEncryption, ServerSideEncryptionByDefault,
    ServerSideEncryptionConfiguration, ServerSideEncryptionRule, StorageClass, Tag, Tagging,
    VersioningConfiguration,
};
use serde_json::Value;

mod common;
use common::s3::{bucket_name, client, moto, put, runtime, trawl_at, trawl_env};

fn trawl(endpoint: &str, args: &[&str]) -> (String, String, Option<i32>) {
    trawl_at(endpoint, "buckets", args)
}

#[test]
fn one_record_per_bucket_with_its_settings_and_objects() {
    let Some(endpoint) = moto() else { return };
    let rt = runtime();
    let c = client(&endpoint);
    let (open, kept) = (bucket_name("bk-open"), bucket_name("bk-kept"));
    rt.block_on(async {
        for b in [&open, &kept] {
            c.create_bucket().bucket(b).send().await.unwrap();
        }
        let public = format!(
            r#"{{"Version":"2012-10-17","Statement":[
              {{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::{open}/*"}},
              {{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::999999999999:root"}},"Action":"s3:*","Resource":"arn:aws:s3:::{open}/*"}}]}}"#
        );
        c.put_bucket_policy().bucket(&open).policy(public).send().await.unwrap();
        c.put_bucket_versioning()
            .bucket(&open)
            .versioning_configuration(
                VersioningConfiguration::builder()
                    .status(BucketVersioningStatus::Enabled)
                    .build(),
            )
            .send()
            .await
            .unwrap();
        c.put_bucket_tagging()
            .bucket(&open)
            .tagging(
                Tagging::builder()
                    .tag_set(Tag::builder().key("team").value("data").build().unwrap())
                    .build()
                    .unwrap(),
            )
            .send()
            .await
            .unwrap();
        c.put_bucket_encryption()
            .bucket(&kept)
            .server_side_encryption_configuration(
                ServerSideEncryptionConfiguration::builder()
                    .rules(
                        ServerSideEncryptionRule::builder()
                            .apply_server_side_encryption_by_default(
                                ServerSideEncryptionByDefault::builder()
                                    .sse_algorithm(ServerSideEncryption::AwsKms)
                                    .kms_master_key_id("alias/data")
                                    .build()
                                    .unwrap(),
                            )
                            .build(),
                    )
                    .build()
                    .unwrap(),
            )
            .send()
            .await
            .unwrap();
        put(&c, &open, "a.csv", "name,ssn\nx,1\n").await;
        put(&c, &open, "b.json", "{}").await;
        put(&c, &open, "c.png", vec![0x89, b'P', b'N', b'G']).await;
        put(&c, &open, "d.bin", vec![0u8; 10]).await;
        c.put_object()
            .bucket(&open)
            .key("old/e.txt")
            .storage_class(StorageClass::Glacier)
            .body(ByteStream::from_static(b"archived text"))
            .send()
            .await
            .unwrap();
        put(&c, &kept, "k.txt", "hello").await;
    });
    let (out, err, code) = trawl(
        &endpoint,
        &[&open, &format!("s3://{kept}"), "--format", "jsonl"],
    );
    assert_eq!(code, Some(0), "{err}");
    let records: Vec<Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(records.len(), 2, "{out}");
    let (o, k) = (&records[0], &records[1]);
    assert_eq!(o["schema"], "trawl.bucket/v1");
    assert_eq!(o["name"], open.as_str());
    assert_eq!(o["region"], "us-east-1");
    assert!(o["created"].as_str().unwrap().ends_with('Z'), "{o}");
    assert_eq!(o["public_access"]["effective"], "PUBLIC", "{o}");
    assert_eq!(o["public_access"]["policy_public"], true);
    // moto answers GetBucketVersioning under another root element than S3's, which the SDK
    // refuses: then the setting is null and named as not checked, never guessed.
    let unchecked = o["unchecked"].to_string();
    assert!(
        o["versioning"] == "Enabled"
            || o["versioning"].is_null() && unchecked.contains("versioning"),
        "{o}"
    );
    assert_eq!(o["tags"]["team"], "data");
    assert_eq!(
        o["shared_with_accounts"],
        serde_json::json!(["999999999999"]),
        "{o}"
    );
    let kinds: Vec<&str> = o["posture"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["type"].as_str().unwrap())
        .collect();
    assert!(
        kinds.contains(&"Policy:IAMUser/S3BucketPublic"),
        "{kinds:?}"
    );
    let objects = &o["objects"];
    assert_eq!(objects["source"], "list");
    assert_eq!(objects["total"]["objects"], 5);
    assert_eq!(
        objects["by_storage_class"]["GLACIER"]["objects"], 1,
        "{objects}"
    );
    assert_eq!(
        objects["by_storage_class"]["STANDARD"]["objects"], 4,
        "{objects}"
    );
    // csv and json are read; the archived text and the PNG are not; .bin is unknown by name.
    assert_eq!(objects["classifiable"]["objects"], 2, "{objects}");
    assert_eq!(objects["unclassifiable"]["objects"], 2, "{objects}");
    assert_eq!(objects["unknown"]["objects"], 1, "{objects}");
    assert_eq!(k["default_encryption"]["algorithm"], "aws:kms", "{k}");
    assert_eq!(k["default_encryption"]["kms_key"], "alias/data");
    assert!(
        k["versioning"] == "Disabled" || k["versioning"].is_null(),
        "{k}"
    );
    assert_eq!(k["public_access"]["effective"], "NOT_PUBLIC", "{k}");
    assert_eq!(k["objects"]["total"]["objects"], 1);

    let (table, _, code) = trawl(&endpoint, &[&open, &kept, "--no-objects"]);
    assert_eq!(code, Some(0));
    let lines: Vec<&str> = table.lines().collect();
    assert_eq!(lines.len(), 3, "{table}");
    assert!(
        lines[1].starts_with(&open) && lines[1].contains("PUBLIC"),
        "{table}"
    );
    assert!(lines[1].contains("S3BucketPublic"), "{table}");
    assert!(lines[2].contains("aws:kms"), "{table}");

    let (out, _, _) = trawl(&endpoint, &[&kept, "--format", "jsonl", "--no-objects"]);
    let r: Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(r["objects"], Value::Null);
}

#[test]
fn bad_bucket_arguments_are_one_line() {
    let Some(endpoint) = moto() else { return };
    let (_, err, code) = trawl(&endpoint, &["s3://b/prefix"]);
    assert_eq!(code, Some(2));
    assert_eq!(
        err.lines().last().unwrap(),
        "trawl: error: bucket \"b/prefix\": give a bucket name or s3://NAME, without a prefix"
    );
}

fn scan(endpoint: &str, args: &[&str]) -> (String, String, Option<i32>) {
    trawl_at(endpoint, "scan", args)
}

#[test]
fn bucket_criteria_pick_the_buckets_of_an_all_bucket_scan() {
    let Some(endpoint) = moto() else { return };
    let rt = runtime();
    let c = client(&endpoint);
    let run = bucket_name("crit");
    let (data, plain, ops) = (
        format!("{run}-data"),
        format!("{run}-plain"),
        format!("{run}-ops"),
    );
    rt.block_on(async {
        for (b, tag) in [(&data, Some("data")), (&plain, None), (&ops, Some("ops"))] {
            c.create_bucket().bucket(b).send().await.unwrap();
            put(&c, b, "x.txt", "card number: 4539 2274 2374 7675\n").await;
            if let Some(team) = tag {
                c.put_bucket_tagging()
                    .bucket(b)
                    .tagging(
                        Tagging::builder()
                            .tag_set(Tag::builder().key("team").value(team).build().unwrap())
                            .build()
                            .unwrap(),
                    )
                    .send()
                    .await
                    .unwrap();
            }
        }
        let public = format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::{data}/*"}}]}}"#
        );
        c.put_bucket_policy().bucket(&data).policy(public).send().await.unwrap();
    });
    let dir = tempfile::tempdir().unwrap();
    let summary_path = dir.path().join("s.json");
    let mine = format!("{run}-*");
    let buckets_of = |out: &str| -> Vec<String> {
        let mut b: Vec<String> = out
            .lines()
            .map(|l| {
                serde_json::from_str::<Value>(l).unwrap()["object"]["bucket"]
                    .as_str()
                    .unwrap()
                    .to_string()
            })
            .collect();
        b.sort();
        b
    };
    let summary = |p: &std::path::Path| -> Value {
        serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()
    };
    // By name and tag.
    let (out, err, code) = scan(
        &endpoint,
        &[
            "s3://",
            "--format",
            "jsonl",
            "--include-bucket",
            &mine,
            "--bucket-tag",
            "team=data",
            "--summary",
            summary_path.to_str().unwrap(),
        ],
    );
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(buckets_of(&out), vec![data.clone()]);
    let s = summary(&summary_path);
    assert_eq!(
        s["buckets_left_out"][&plain], "bucket-tag: has none of the tags asked for",
        "{s}"
    );
    assert_eq!(
        s["buckets_left_out"][&ops],
        "bucket-tag: has none of the tags asked for"
    );
    assert!(
        err.contains("buckets left out by the bucket criteria"),
        "{err}"
    );
    // Exclude wins; public access.
    let (out, err, code) = scan(
        &endpoint,
        &[
            "s3://",
            "--format",
            "jsonl",
            "-q",
            "--include-bucket",
            &mine,
            "--exclude-bucket",
            "*-ops",
            "--bucket-public",
            "no",
            "--summary",
            summary_path.to_str().unwrap(),
        ],
    );
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(buckets_of(&out), vec![plain.clone()]);
    let s = summary(&summary_path);
    assert_eq!(
        s["buckets_left_out"][&data], "bucket-public: public access is PUBLIC",
        "{s}"
    );
    assert_eq!(s["buckets_left_out"][&ops], "exclude-bucket *-ops");
    // A dry run names them too; a bad glob is one line.
    let (out, _, _) = scan(
        &endpoint,
        &[
            "s3://",
            "--dry-run",
            "--include-bucket",
            &mine,
            "--bucket-region",
            "eu-west-3",
        ],
    );
    assert!(
        out.contains(&format!(
            "bucket left out: {data} (bucket-region: in us-east-1)"
        )),
        "{out}"
    );
    let (_, err, code) = scan(&endpoint, &["s3://", "--include-bucket", "a[", "-q"]);
    assert_eq!(code, Some(2));
    assert!(
        err.trim().starts_with("trawl: error: bucket glob \"a[\""),
        "{err}"
    );
}

#[test]
fn a_state_database_gives_each_bucket_its_last_scan_and_score() {
    let Some(endpoint) = moto() else { return };
    let rt = runtime();
    let c = client(&endpoint);
    let (scanned, never) = (bucket_name("bk-scanned"), bucket_name("bk-never"));
    rt.block_on(async {
        for b in [&scanned, &never] {
            c.create_bucket().bucket(b).send().await.unwrap();
        }
        put(
            &c,
            &scanned,
            "card.txt",
            "card number: 4539 2274 2374 7675\n",
        )
        .await;
        put(&c, &scanned, "plain.txt", "nothing to see\n").await;
        put(&c, &never, "x.txt", "card number: 4539 2274 2374 7675\n").await;
    });
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.db");
    let state_text = state.to_str().unwrap();
    let job_file = dir.path().join("job.toml");
    std::fs::write(
        &job_file,
        format!(
            "name = \"bk-state\"\ntargets = [\"s3://{scanned}\"]\n[s3]\nendpoint = \"{endpoint}\"\n\
             [tls]\nallow_insecure_endpoint = true\n"
        ),
    )
    .unwrap();
    let env = [("TRAWL_STATE", state_text)];
    let (id, err, code) = trawl_env(&["job", "create", job_file.to_str().unwrap()], &env);
    assert_eq!(code, Some(0), "{err}");
    let before = chrono::Utc::now() - chrono::Duration::seconds(2);
    let (_, err, code) = trawl_env(&["job", "run", id.trim(), "-q"], &env);
    assert_eq!(code, Some(0), "{err}");
    let after = chrono::Utc::now() + chrono::Duration::seconds(2);

    let (out, err, code) = trawl(
        &endpoint,
        &[&scanned, &never, "--state", state_text, "--format", "jsonl"],
    );
    assert_eq!(code, Some(0), "{err}");
    let records: Vec<Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(records.len(), 2, "{out}");
    let (s, n) = (&records[0], &records[1]);
    let last = s["last_scanned"].as_str().unwrap_or_default();
    assert!(last.ends_with('Z'), "{s}");
    let last = chrono::DateTime::parse_from_rfc3339(last).unwrap();
    assert!(
        before <= last && last <= after,
        "{last} not in {before}..{after}"
    );
    // The score is `trawl findings score`'s.
    let score_of = |bucket: &str| -> Value {
        let (out, err, code) = trawl_env(
            &[
                "findings", "score", bucket, "--format", "jsonl", "--state", state_text,
            ],
            &[],
        );
        assert_eq!(code, Some(0), "{err}");
        serde_json::from_str(out.trim()).unwrap()
    };
    let score = score_of(&scanned);
    assert!(
        (51..=99).contains(&score["sensitivity_score"].as_i64().unwrap()),
        "{score}"
    );
    assert_eq!(s["sensitivity_score"], score["sensitivity_score"], "{s}");
    assert_eq!(s["objects_analysed"], 2, "{s}");
    assert_eq!(s["objects_sensitive"], 1, "{s}");
    // Never scanned: no last scan; the score of no data yet.
    assert_eq!(n["last_scanned"], Value::Null, "{n}");
    assert_eq!(
        n["sensitivity_score"],
        score_of(&never)["sensitivity_score"]
    );
    assert_eq!(n["sensitivity_score"], 50, "{n}");
    assert_eq!(n["objects_analysed"], 0, "{n}");

    // TRAWL_STATE names it too; the table gets two columns.
    let (table, err, code) = trawl_env(
        &[
            "buckets",
            &scanned,
            &never,
            "--no-objects",
            "--endpoint-url",
            &endpoint,
            "--allow-insecure-endpoint",
        ],
        &env,
    );
    assert_eq!(code, Some(0), "{err}");
    let lines: Vec<&str> = table.lines().collect();
    assert!(
        lines[0].contains("LAST SCAN") && lines[0].contains("SCORE"),
        "{table}"
    );
    let day = &s["last_scanned"].as_str().unwrap()[..10];
    assert!(lines[1].contains(day), "{table}");
    assert!(
        lines[1].contains(&format!(" {}  ", score["sensitivity_score"])),
        "{table}"
    );
    assert!(
        lines[2].contains("never") && lines[2].contains(" 50  "),
        "{table}"
    );

    // Without a state: the fields are null, the table as before.
    let (out, _, code) = trawl(&endpoint, &[&scanned, "--no-objects", "--format", "jsonl"]);
    assert_eq!(code, Some(0));
    let r: Value = serde_json::from_str(out.trim()).unwrap();
    for field in ["last_scanned", "sensitivity_score", "objects_analysed"] {
        assert_eq!(r[field], Value::Null, "{field}: {r}");
    }
    let (table, _, _) = trawl(&endpoint, &[&scanned, "--no-objects"]);
    assert!(!table.contains("LAST SCAN"), "{table}");

    // A state database that does not exist: one line, and none is created.
    let missing = dir.path().join("missing.db");
    let (out, err, code) = trawl(&endpoint, &[&scanned, "--state", missing.to_str().unwrap()]);
    assert_eq!(code, Some(2), "{err}");
    assert!(out.is_empty(), "{out}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert_eq!(
        err.trim(),
        format!(
            "trawl: error: the state database {} (--state) does not exist",
            missing.display()
        )
    );
    assert!(!missing.exists());
}
