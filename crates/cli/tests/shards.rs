//! One run split across processes with `--shard K/N` (or `--shard-count N` and the engine's
//! index variable): the shards' results together are the unsharded run's, every record, no
//! object twice; over a local directory and over an S3 bucket (moto, started by scripts/test).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Stdio};

use serde_json::Value;

mod common;
use common::s3::{bucket_name, client, moto, runtime, trawl_command, upload_dir};

const SHARDS: u64 = 4;

/// 60 files in five directories, a third of them with a card number.
fn tree(dir: &Path) {
    for i in 0..60 {
        let sub = dir.join(format!("d{}", i % 5));
        std::fs::create_dir_all(&sub).unwrap();
        let body = if i % 3 == 0 {
            format!("row {i}\ncard number: 4539 2274 2374 7675\n")
        } else {
            format!("row {i}\nnothing to see\n")
        };
        std::fs::write(sub.join(format!("f{i:02}.txt")), body).unwrap();
    }
}

fn trawl() -> Command {
    trawl_command()
}

/// Records by URI (run ids aside), failing on an object seen twice.
fn by_uri(outputs: &[String]) -> BTreeMap<String, Value> {
    let mut all = BTreeMap::new();
    for text in outputs {
        for line in text.lines() {
            let mut r: Value = serde_json::from_str(line).unwrap();
            r["run_id"] = Value::Null;
            let uri = r["object"]["uri"].as_str().unwrap().to_string();
            assert!(all.insert(uri.clone(), r).is_none(), "{uri} in two shards");
        }
    }
    all
}

/// Runs the N shards at once (each its own process, as on N machines) and the unsharded
/// scan; returns (unsharded, shards' outputs, shards' summaries).
fn run_sharded(target: &str, extra: &[&str]) -> (String, Vec<String>, Vec<Value>) {
    let whole = trawl()
        .args(["scan", target, "--format", "jsonl", "-q"])
        .args(extra)
        .output()
        .unwrap();
    assert!(
        whole.status.success(),
        "{}",
        String::from_utf8_lossy(&whole.stderr)
    );
    let dir = tempfile::tempdir().unwrap();
    let children: Vec<_> = (0..SHARDS)
        .map(|k| {
            let summary = dir.path().join(format!("summary-{k}.json"));
            let mut c = trawl();
            c.args(["scan", target, "--format", "jsonl", "-q"])
                .args(extra)
                .arg("--summary")
                .arg(&summary)
                .stdout(Stdio::piped())
                .stderr(Stdio::piped());
            // Half of them as a Kubernetes Indexed Job would start them.
            if k % 2 == 0 {
                c.arg("--shard").arg(format!("{k}/{SHARDS}"));
            } else {
                c.args(["--shard-count", &SHARDS.to_string()])
                    .env("JOB_COMPLETION_INDEX", k.to_string());
            }
            (summary, c.spawn().unwrap())
        })
        .collect();
    let mut outputs = Vec::new();
    let mut summaries = Vec::new();
    for (summary, child) in children {
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        outputs.push(String::from_utf8(out.stdout).unwrap());
        summaries.push(serde_json::from_str(&std::fs::read_to_string(summary).unwrap()).unwrap());
    }
    (String::from_utf8(whole.stdout).unwrap(), outputs, summaries)
}

fn check(whole: &str, outputs: &[String], summaries: &[Value], objects: usize) {
    let unsharded = by_uri(&[whole.to_string()]);
    assert_eq!(unsharded.len(), objects);
    let sharded = by_uri(outputs);
    assert_eq!(sharded.len(), unsharded.len());
    for (uri, r) in &unsharded {
        assert_eq!(sharded.get(uri), Some(r), "{uri}");
    }
    for (k, (out, s)) in outputs.iter().zip(summaries).enumerate() {
        assert_eq!(s["shard"], format!("{k}/{SHARDS}"));
        assert!(
            !out.is_empty(),
            "shard {k} got nothing of {objects} objects"
        );
        assert_eq!(s["objects"].as_u64().unwrap() as usize, out.lines().count());
        assert_eq!(
            s["objects"].as_u64().unwrap() + s["objects_out_of_scope"].as_u64().unwrap(),
            objects as u64,
            "each shard lists every object and leaves out the others'"
        );
    }
}

#[test]
fn shards_of_a_local_directory_add_up_to_the_whole_run() {
    let dir = tempfile::tempdir().unwrap();
    tree(dir.path());
    let target = dir.path().to_str().unwrap();
    let (whole, outputs, summaries) = run_sharded(target, &[]);
    check(&whole, &outputs, &summaries, 60);
}

#[test]
fn shards_of_a_bucket_add_up_to_the_whole_run() {
    let Some(endpoint) = moto() else { return };
    let dir = tempfile::tempdir().unwrap();
    tree(dir.path());
    let bucket = bucket_name("shards");
    let rt = runtime();
    let c = client(&endpoint);
    rt.block_on(async {
        c.create_bucket().bucket(&bucket).send().await.unwrap();
        upload_dir(&c, &bucket, dir.path()).await
    });
    let target = format!("s3://{bucket}");
    let flags = ["--endpoint-url", &endpoint, "--allow-insecure-endpoint"];
    let (whole, outputs, summaries) = run_sharded(&target, &flags);
    check(&whole, &outputs, &summaries, 60);
}

#[test]
fn a_bad_shard_is_one_line_that_says_what_to_give() {
    for (args, env, want) in [
        (
            vec!["--shard", "4/4"],
            None,
            "trawl: error: --shard: shard 4/4: shards are numbered from 0, so the last of 4 is 3",
        ),
        (
            vec!["--shard", "two"],
            None,
            "trawl: error: --shard: shard \"two\": give K/N, e.g. 0/4 (0-based)",
        ),
        (
            vec!["--shard-count", "4"],
            None,
            "trawl: error: --shard-count 4: set JOB_COMPLETION_INDEX (Kubernetes Indexed Job) \
             or AWS_BATCH_JOB_ARRAY_INDEX (AWS Batch array job), or give --shard K/N",
        ),
        (
            vec!["--shard-count", "4"],
            Some(("AWS_BATCH_JOB_ARRAY_INDEX", "9")),
            "trawl: error: --shard-count 4 with AWS_BATCH_JOB_ARRAY_INDEX=9: shard 9/4: shards \
             are numbered from 0, so the last of 4 is 3",
        ),
    ] {
        let mut c = trawl();
        c.args(["scan", "."]).args(&args);
        if let Some((k, v)) = env {
            c.env(k, v);
        }
        let out = c.output().unwrap();
        assert_eq!(out.status.code(), Some(2));
        assert_eq!(String::from_utf8_lossy(&out.stderr).trim(), want);
    }
}
