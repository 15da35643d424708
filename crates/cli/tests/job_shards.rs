//! A job run split across machines: `trawl job run ID --file JOB --shard K/N --run RUN`, each
//! shard with its own state database (as on N machines), then `trawl job finalize`. The
//! shards' results together are the unsharded run's, every record, no object twice; a shard
//! killed with SIGKILL is named by finalize and, run again, completes the run. Over a local
//! directory (results in a folder) and over a bucket (results in a bucket; moto, started by
//! scripts/test).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::Value;
use trawl_scanner::Shard;

mod common;
use common::s3::{bucket_name, client, moto, runtime, trawl_command, upload_dir};

const SHARDS: u64 = 4;
const RUN: &str = "nightly-0001";
const CARD: &str = "card number: 4539 2274 2374 7675";

fn trawl(state: &Path) -> Command {
    let mut c = trawl_command();
    c.arg("job").arg("--state").arg(state);
    c
}

fn text(o: &Output) -> String {
    format!(
        "status {:?}\n{}\n{}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// 60 small files in five folders, a third with a card number, and one larger file (about
/// 8 MB of log lines) that shard 2 owns, so that shard 2 is still reading when it is killed.
fn tree(dir: &Path, big: bool) {
    for i in 0..60 {
        let sub = dir.join(format!("d{}", i % 5));
        std::fs::create_dir_all(&sub).unwrap();
        let body = if i % 3 == 0 {
            format!("row {i}\n{CARD}\n")
        } else {
            format!("row {i}\nnothing to see\n")
        };
        std::fs::write(sub.join(format!("f{i:02}.txt")), body).unwrap();
    }
    if big {
        let name = (0..)
            .map(|n| format!("big-{n}.log"))
            .find(|k| Shard::owner("", k, "", SHARDS) == 2)
            .unwrap();
        let quiet = "2026-12-07T03:00:00Z INFO request served in 12 ms, ok\n".repeat(999);
        let block = format!("{quiet}2026-12-07T03:00:01Z WARN {CARD}\n");
        std::fs::write(dir.join(name), block.repeat(8_000_000 / block.len())).unwrap();
    }
}

fn job_file(dir: &Path, target: &str, results: &str, extra: &str) -> PathBuf {
    let p = dir.join("job.toml");
    std::fs::write(
        &p,
        format!(
            "name = \"estate\"\ntargets = [\"{target}\"]\n{extra}\n[results]\nlocation = \"{results}\"\n"
        ),
    )
    .unwrap();
    p
}

/// One shard's `job run` command; half of them take the index from the Kubernetes variable
/// and the run id from TRAWL_RUN_ID, as an Indexed Job's pods do.
fn shard_command(state_dir: &Path, job: &Path, k: u64) -> Command {
    let mut c = shard_command_loud(state_dir, job, k);
    c.arg("-q");
    c
}

fn shard_command_loud(state_dir: &Path, job: &Path, k: u64) -> Command {
    let mut c = trawl(&state_dir.join(format!("shard{k}.db")));
    c.args(["run", "estate", "--file"]).arg(job);
    if k.is_multiple_of(2) {
        c.args(["--run", RUN, "--shard", &format!("{k}/{SHARDS}")]);
    } else {
        c.args(["--shard-count", &SHARDS.to_string()])
            .env("JOB_COMPLETION_INDEX", k.to_string())
            .env("TRAWL_RUN_ID", RUN);
    }
    c
}

fn finalize(state_dir: &Path, job: &Path) -> (Option<i32>, Value, String) {
    let out = trawl(&state_dir.join("finalize.db"))
        .args(["finalize", "estate", RUN, "--json", "--file"])
        .arg(job)
        .output()
        .unwrap();
    let summary = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    (
        out.status.code(),
        summary,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn records_of(gz_files: &[Vec<u8>]) -> Vec<Value> {
    let mut out = Vec::new();
    for bytes in gz_files {
        let mut s = String::new();
        flate2::read::MultiGzDecoder::new(bytes.as_slice())
            .read_to_string(&mut s)
            .unwrap();
        out.extend(s.lines().map(|l| serde_json::from_str::<Value>(l).unwrap()));
    }
    out
}

fn local_results(dir: &Path) -> Vec<Vec<u8>> {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.to_string_lossy().ends_with(".jsonl.gz") {
                files.push(std::fs::read(&p).unwrap());
            }
        }
    }
    files
}

/// Records by URI, run ids aside; an object seen twice fails.
fn by_uri(records: Vec<Value>) -> BTreeMap<String, Value> {
    let mut all = BTreeMap::new();
    for mut r in records {
        r["run_id"] = Value::Null;
        let uri = r["object"]["uri"].as_str().unwrap().to_string();
        assert!(all.insert(uri.clone(), r).is_none(), "{uri} recorded twice");
    }
    all
}

fn assert_same(whole: Vec<Value>, sharded: Vec<Value>, objects: usize) {
    let whole = by_uri(whole);
    let sharded = by_uri(sharded);
    assert_eq!(whole.len(), objects);
    assert_eq!(
        sharded.keys().collect::<Vec<_>>(),
        whole.keys().collect::<Vec<_>>()
    );
    for (uri, r) in &whole {
        assert_eq!(sharded.get(uri), Some(r), "{uri}");
    }
}

fn run_whole(state_dir: &Path, job: &Path) {
    let out = trawl(&state_dir.join("whole.db"))
        .args(["run", "estate", "-q", "--file"])
        .arg(job)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
}

/// Starts shard 2 and kills it (SIGKILL) as soon as it says its run started.
fn start_and_kill_shard_2(state_dir: &Path, job: &Path) {
    let mut child = shard_command_loud(state_dir, job, 2)
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut err = BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    while err.read_line(&mut line).unwrap() > 0 && !line.contains("run nightly-0001") {
        line.clear();
    }
    assert!(line.contains("starting run nightly-0001"), "{line}");
    child.kill().unwrap();
    let status = child.wait().unwrap();
    assert!(!status.success(), "shard 2 finished before it was killed");
}

#[test]
fn a_sharded_job_over_a_directory_adds_up_and_survives_a_killed_shard() {
    let work = tempfile::tempdir().unwrap();
    let data = work.path().join("data");
    tree(&data, true);
    let results = work.path().join("results");
    let job = job_file(
        work.path(),
        data.to_str().unwrap(),
        results.to_str().unwrap(),
        "",
    );
    let states = work.path().join("states");
    std::fs::create_dir_all(&states).unwrap();
    run_whole(&states, &job);
    let whole_dir = std::fs::read_dir(results.join("estate"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| !p.file_name().unwrap().to_string_lossy().starts_with("run="))
        .unwrap();
    let whole = records_of(&local_results(&whole_dir));

    // Shards 0, 1 and 3 run at once to the end; shard 2 is killed while it reads.
    let children: Vec<_> = [0, 1, 3]
        .iter()
        .map(|k| {
            shard_command(&states, &job, *k)
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    start_and_kill_shard_2(&states, &job);
    for child in children {
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "{}", text(&out));
    }
    let (code, summary, err) = finalize(&states, &job);
    assert_eq!(code, Some(1), "{err}");
    assert_eq!(summary["status"], "INCOMPLETE");
    assert_eq!(summary["shards"]["complete"], serde_json::json!([0, 1, 3]));
    assert!(
        err.contains("trawl: shard 2/4: incomplete") || err.contains("trawl: shard 2/4: missing"),
        "{err}"
    );
    assert!(err.contains("run the shards 2 again"), "{err}");

    // Run again, shard 2 resumes from its own state and completes the run.
    let out = shard_command(&states, &job, 2).output().unwrap();
    assert!(out.status.success(), "{}", text(&out));
    let (code, summary, err) = finalize(&states, &job);
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(summary["status"], "COMPLETE");
    assert_eq!(
        summary["shards"]["complete"],
        serde_json::json!([0, 1, 2, 3])
    );
    assert_eq!(summary["records_checked"], 61);
    assert_eq!(summary["objects"], 61);
    assert_eq!(summary["objects_with_findings"]["HIGH"], 21, "{summary}");
    assert!(err.contains("61 records checked: no object twice"), "{err}");
    let merged: Value = serde_json::from_slice(
        &std::fs::read(
            results
                .join("estate")
                .join(format!("run={RUN}"))
                .join("summary.json"),
        )
        .unwrap(),
    )
    .unwrap();
    assert_eq!(merged, summary);
    for k in 0..SHARDS {
        let shard = results
            .join("estate")
            .join(format!("run={RUN}"))
            .join(format!("shard={k}"));
        assert!(shard.join("_COMPLETE").is_file(), "shard {k}");
    }
    let sharded = records_of(&local_results(
        &results.join("estate").join(format!("run={RUN}")),
    ));
    assert_same(whole, sharded, 61);

    // A shard run again once the run is complete does nothing (a retried pod).
    let out = shard_command(&states, &job, 1)
        .args(["--json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
}

#[test]
fn a_sharded_job_over_a_bucket_writes_and_finalizes_in_a_bucket() {
    let Some(endpoint) = moto() else { return };
    let work = tempfile::tempdir().unwrap();
    let data = work.path().join("data");
    tree(&data, false);
    let bucket = bucket_name("jobshards");
    let results_bucket = bucket_name("jobresults");
    let rt = runtime();
    let c = client(&endpoint);
    rt.block_on(async {
        c.create_bucket().bucket(&bucket).send().await.unwrap();
        c.create_bucket()
            .bucket(&results_bucket)
            .send()
            .await
            .unwrap();
        upload_dir(&c, &bucket, &data).await
    });
    let extra = format!(
        "[s3]\nendpoint = \"{endpoint}\"\npath_style = true\n[tls]\nallow_insecure_endpoint = true\n"
    );
    let job = job_file(
        work.path(),
        &format!("s3://{bucket}"),
        &format!("s3://{results_bucket}/trawl"),
        &extra,
    );
    let states = work.path().join("states");
    std::fs::create_dir_all(&states).unwrap();
    run_whole(&states, &job);
    let children: Vec<_> = (0..SHARDS)
        .map(|k| shard_command(&states, &job, k).spawn().unwrap())
        .collect();
    for mut child in children {
        assert!(child.wait().unwrap().success());
    }
    let (code, summary, err) = finalize(&states, &job);
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(summary["records_checked"], 60);
    assert_eq!(
        summary["results_location"],
        format!("s3://{results_bucket}/trawl/estate/run={RUN}/")
    );
    let (whole, sharded, summary_there) = rt.block_on(async {
        let listed = c
            .list_objects_v2()
            .bucket(&results_bucket)
            .prefix("trawl/estate/")
            .send()
            .await
            .unwrap();
        let (mut whole, mut sharded, mut summary_there) = (Vec::new(), Vec::new(), false);
        for o in listed.contents() {
            let key = o.key().unwrap();
            summary_there |= key == format!("trawl/estate/run={RUN}/summary.json");
            if !key.ends_with(".jsonl.gz") {
                continue;
            }
            let body = c
                .get_object()
                .bucket(&results_bucket)
                .key(key)
                .send()
                .await
                .unwrap()
                .body
                .collect()
                .await
                .unwrap()
                .into_bytes()
                .to_vec();
            if key.contains("/run=") {
                sharded.push(body);
            } else {
                whole.push(body);
            }
        }
        (whole, sharded, summary_there)
    });
    assert!(summary_there);
    assert_eq!(sharded.len(), SHARDS as usize);
    assert_same(records_of(&whole), records_of(&sharded), 60);
}

#[test]
fn sharded_runs_refuse_what_does_not_fit_in_one_line() {
    let work = tempfile::tempdir().unwrap();
    let data = work.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    let job = job_file(
        work.path(),
        data.to_str().unwrap(),
        work.path().join("results").to_str().unwrap(),
        "",
    );
    let state = work.path().join("s.db");
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (
            vec!["run", "estate", "--shard", "4/4", "--run", RUN],
            "trawl: error: --shard: shard 4/4: shards are numbered from 0, so the last of 4 is 3",
        ),
        (
            vec!["run", "estate", "--shard", "0/4"],
            "trawl: error: shard 0/4: give the id all shards of the run share: --run RUN, or \
             set TRAWL_RUN_ID (AWS Batch sets AWS_BATCH_JOB_ID)",
        ),
        (
            vec!["run", "estate", "--run", RUN],
            "trawl: error: --run names a run split into shards: give --shard K/N or --shard-count N",
        ),
        (
            vec!["run", "estate", "--shard", "0/4", "--run", "../x"],
            "trawl: error: run id \"../x\": use 1-128 letters, digits, '.', '_' or '-' (not \
             starting with '.')",
        ),
        (
            vec!["finalize", "estate", RUN],
            "trawl: error: no shard has written a summary under",
        ),
    ];
    for (args, want) in cases {
        let out = trawl(&state)
            .args(&args)
            .arg("--file")
            .arg(&job)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", text(&out));
        let err = String::from_utf8_lossy(&out.stderr);
        let last = err.lines().last().unwrap_or("");
        assert!(last.starts_with(want), "{args:?}: {err}");
        assert_eq!(
            err.lines().filter(|l| l.contains("error")).count(),
            1,
            "{err}"
        );
    }
    // One state database holds one shard of a run.
    let ok = trawl(&state)
        .args([
            "run", "estate", "-q", "--shard", "0/2", "--run", RUN, "--file",
        ])
        .arg(&job)
        .output()
        .unwrap();
    assert!(ok.status.success(), "{}", text(&ok));
    let out = trawl(&state)
        .args(["run", "estate", "--shard", "1/2", "--run", RUN])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains(
            "holds run nightly-0001 as shard 0/2, not 1/2: each shard needs its own state database"
        ),
        "{}",
        text(&out)
    );
    // A job file changed under the same id is refused, not silently used.
    std::fs::write(
        &job,
        std::fs::read_to_string(&job)
            .unwrap()
            .replace("estate\"", "estate\"\ndescription = \"changed\""),
    )
    .unwrap();
    let out = trawl(&state)
        .args(["run", "estate", "--file"])
        .arg(&job)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("job estate exists with another definition"),
        "{}",
        text(&out)
    );
}
