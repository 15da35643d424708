//! CLI tests of `trawl job`, `trawl daemon` and `trawl findings`, through the built binary.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{HashMap, HashSet};
use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const CARD: &str = "credit card number: 4539 2274 2374 7675";

fn trawl(state: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_trawl"));
    c.env("TRAWL_STATE", state);
    c
}

fn ok(c: &mut Command) -> String {
    let out = c.output().unwrap();
    assert!(
        out.status.success(),
        "{:?}: {}\n{}",
        c,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn jsonl(text: &str) -> Vec<serde_json::Value> {
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn results(dir: &Path) -> Vec<serde_json::Value> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.to_string_lossy().ends_with(".jsonl.gz") {
                let mut s = String::new();
                flate2::read::MultiGzDecoder::new(std::fs::File::open(&p).unwrap())
                    .read_to_string(&mut s)
                    .unwrap();
                out.extend(jsonl(&s));
            }
        }
    }
    out
}

fn dir_bytes(dir: &Path) -> u64 {
    let mut n = 0;
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.to_string_lossy().ends_with(".jsonl.gz") {
                n += e.metadata().map(|m| m.len()).unwrap_or(0);
            }
        }
    }
    n
}

#[test]
fn job_create_list_run_history_and_findings() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state/state.db");
    let data = dir.path().join("data");
    std::fs::create_dir_all(data.join("sub")).unwrap();
    std::fs::write(data.join("a.txt"), format!("{CARD}\n")).unwrap();
    std::fs::write(data.join("sub/b.csv"), "name,ssn\nx,1\n").unwrap();
    let job_file = dir.path().join("job.yaml");
    std::fs::write(
        &job_file,
        "name: cli-job\ndescription: test\ntargets: [data]\nschedule: weekly MONDAY 03:00\n\
         events:\n  - type: jsonl\n    path: events.jsonl\n",
    )
    .unwrap();
    let id = ok(trawl(&state).args(["job", "create"]).arg(&job_file))
        .trim()
        .to_string();
    assert_eq!(id.len(), 32);
    let list = ok(trawl(&state).args(["job", "list", "--format", "jsonl"]));
    let jobs = jsonl(&list);
    assert_eq!(jobs.len(), 1);
    assert_eq!(jobs[0]["status"], "IDLE");
    let show: serde_json::Value =
        serde_json::from_str(&ok(trawl(&state).args(["job", "show", &id]))).unwrap();
    assert_eq!(show["job"]["definition"]["name"], "cli-job");
    let summary: serde_json::Value = serde_json::from_str(&ok(
        trawl(&state).args(["job", "run", "cli-job", "--json", "-q"])
    ))
    .unwrap();
    assert_eq!(summary["status"], "COMPLETE");
    assert_eq!(summary["objects"], 2);
    assert_eq!(summary["events"]["0:jsonl"]["delivered"], 1);
    let history = jsonl(&ok(
        trawl(&state).args(["job", "history", &id, "--format", "jsonl"])
    ));
    assert_eq!(history.len(), 1);
    assert_eq!(history[0]["objects"], 2);
    assert_eq!(history[0]["findings"]["HIGH"], 1);
    let table = ok(trawl(&state).args(["job", "history", &id]));
    assert!(
        table.contains("COMPLETE") && table.contains("full"),
        "{table}"
    );
    let findings =
        jsonl(&ok(trawl(&state).args([
            "findings", "list", "--format", "jsonl", "--job", &id,
        ])));
    assert_eq!(findings.len(), 1);
    assert_eq!(findings[0]["key"], "a.txt");
    let fid = findings[0]["id"].as_str().unwrap().to_string();
    let one: serde_json::Value =
        serde_json::from_str(&ok(trawl(&state).args(["findings", "show", &fid]))).unwrap();
    assert_eq!(one["detail"]["severity"]["description"], "High");
    for (flag, value, n) in [
        ("--type", "CREDIT_CARD_NUMBER", 1),
        ("--type", "USA_SOCIAL_SECURITY_NUMBER", 0),
        ("--category", "FINANCIAL", 1),
        ("--severity", "HIGH", 1),
        ("--key-prefix", "sub/", 0),
        ("--since", "2000-01-01", 1),
    ] {
        let got = jsonl(&ok(
            trawl(&state).args(["findings", "list", "--format", "jsonl", flag, value])
        ));
        assert_eq!(got.len(), n, "{flag} {value}");
    }
    ok(trawl(&state).args([
        "findings",
        "suppress",
        "--type",
        "CREDIT_CARD_NUMBER",
        "--key-prefix",
        "a",
    ]));
    assert!(jsonl(&ok(
        trawl(&state).args(["findings", "list", "--format", "jsonl"])
    ))
    .is_empty());
    // Pause, resume, cancel.
    ok(trawl(&state).args(["job", "pause", &id]));
    let out = trawl(&state).args(["job", "run", &id]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("paused"));
    ok(trawl(&state).args(["job", "resume", &id]));
    ok(trawl(&state).args(["job", "cancel", &id]));
    let jobs = jsonl(&ok(trawl(&state).args(["job", "list", "--format", "jsonl"])));
    assert_eq!(jobs[0]["status"], "CANCELLED");
}

#[test]
fn bad_job_files_name_the_field() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.db");
    for (text, field) in [
        (
            "name = \"x\"\ntargets = [\"/tmp\"]\nschedule = \"fortnightly\"\n",
            "schedule",
        ),
        (
            "name = \"x\"\ntargets = [\"/tmp\"]\nsampling_percentage = 150\n",
            "sampling_percentage",
        ),
        (
            "name = \"x\"\ntargets = [\"/tmp\"]\n[scope.include]\nmax_size = \"big\"\n",
            "max_size",
        ),
        ("name = \"x\"\n", "targets"),
    ] {
        let f = dir.path().join("bad.toml");
        std::fs::write(&f, text).unwrap();
        let out = trawl(&state)
            .args(["job", "create"])
            .arg(&f)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{text}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(field), "{field} not in {err}");
        assert!(!err.contains("panicked"), "{err}");
    }
}

/// Kill -9 a run half way; the next `run` resumes it: every object is recorded exactly once
/// across both processes' results, findings and events.
#[test]
fn kill_9_then_resume_loses_and_duplicates_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.db");
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    let files = 400;
    let mut filler = String::new();
    for i in 0..4000 {
        filler.push_str(&format!(
            "line {i}: the quick brown fox jumps over the lazy dog 0123456789\n"
        ));
    }
    for i in 0..files {
        std::fs::write(
            data.join(format!("f{i:04}.txt")),
            format!("{filler}{CARD}\n{filler}"),
        )
        .unwrap();
    }
    let job_file = dir.path().join("job.toml");
    std::fs::write(
        &job_file,
        "name = \"big\"\ntargets = [\"data\"]\n[limits]\nthreads = 1\n[results]\nrecords_per_file = 50\n\
         [[events]]\ntype = \"jsonl\"\npath = \"events.jsonl\"\n",
    )
    .unwrap();
    let id = ok(trawl(&state).args(["job", "create"]).arg(&job_file))
        .trim()
        .to_string();
    let results_dir = dir.path().join("results").join(&id);
    let mut child = trawl(&state)
        .args(["job", "run", &id, "-q"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Wait until some batches are committed, then kill -9.
    let start = Instant::now();
    while dir_bytes(&results_dir) < 2_000 {
        assert!(
            child.try_wait().unwrap().is_none(),
            "the run ended before it could be killed: enlarge the fixture"
        );
        assert!(
            start.elapsed() < Duration::from_secs(120),
            "no results after 120 s"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(
        child.try_wait().unwrap().is_none(),
        "the run ended before it could be killed: enlarge the fixture"
    );
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    let history = jsonl(&ok(
        trawl(&state).args(["job", "history", &id, "--format", "jsonl"])
    ));
    assert_eq!(history.len(), 1);
    assert_eq!(history[0]["status"], "RUNNING", "a killed run stays open");
    let done = history[0]["objects"].as_u64().unwrap();
    assert!(
        done > 0 && done < files,
        "killed half way: {done} of {files}"
    );
    assert!(
        !dir.path().join("events.jsonl").exists()
            || std::fs::read_to_string(dir.path().join("events.jsonl"))
                .unwrap()
                .is_empty()
    );

    let summary: serde_json::Value =
        serde_json::from_str(&ok(trawl(&state).args(["job", "run", &id, "--json", "-q"]))).unwrap();
    assert_eq!(summary["status"], "COMPLETE");
    assert_eq!(
        summary["run_id"], history[0]["id"],
        "the same run is resumed"
    );
    assert_eq!(summary["objects"], files);
    assert_eq!(summary["objects_already_scanned_by_this_run"], done);
    // Results: each object exactly once.
    let recs = results(&results_dir);
    let mut count: HashMap<String, usize> = HashMap::new();
    for r in &recs {
        *count
            .entry(r["object"]["key"].as_str().unwrap().to_string())
            .or_default() += 1;
    }
    assert_eq!(count.len(), files as usize, "every object has a record");
    assert!(
        count.values().all(|&n| n == 1),
        "duplicates: {:?}",
        count.iter().filter(|(_, n)| **n > 1).collect::<Vec<_>>()
    );
    // Findings: one per object.
    let findings = jsonl(&ok(
        trawl(&state).args(["findings", "list", "--format", "jsonl"])
    ));
    assert_eq!(findings.len(), files as usize);
    let uris: HashSet<&str> = findings
        .iter()
        .map(|f| f["uri"].as_str().unwrap())
        .collect();
    assert_eq!(uris.len(), files as usize);
    // Events: one per finding, ids unique.
    let events = jsonl(&std::fs::read_to_string(dir.path().join("events.jsonl")).unwrap());
    assert_eq!(events.len(), files as usize);
    let ids: HashSet<&str> = events.iter().map(|e| e["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), files as usize);
    let history = jsonl(&ok(
        trawl(&state).args(["job", "history", &id, "--format", "jsonl"])
    ));
    assert_eq!(history.len(), 1);
    assert_eq!(history[0]["status"], "COMPLETE");
    assert_eq!(history[0]["objects"], files);
}

#[test]
fn daemon_runs_a_due_job_and_stops_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.db");
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    std::fs::write(data.join("a.txt"), format!("{CARD}\n")).unwrap();
    let job_file = dir.path().join("job.toml");
    std::fs::write(
        &job_file,
        "name = \"d\"\ntargets = [\"data\"]\nschedule = \"daily\"\n",
    )
    .unwrap();
    let id = ok(trawl(&state).args(["job", "create"]).arg(&job_file))
        .trim()
        .to_string();
    let log = dir.path().join("daemon.log");
    let mut child = trawl(&state)
        .args(["daemon", "--max-concurrent", "2"])
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while !std::fs::read_to_string(&log).unwrap().contains("run end") {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "{}",
            std::fs::read_to_string(&log).unwrap()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let status = Command::new("kill")
        .arg("-TERM")
        .arg(child.id().to_string())
        .status()
        .unwrap();
    assert!(status.success());
    let exit = child.wait().unwrap();
    assert!(exit.success(), "{exit:?}");
    let text = std::fs::read_to_string(&log).unwrap();
    assert_eq!(text.matches("run start").count(), 1, "{text}");
    assert!(text.contains("status=COMPLETE"), "{text}");
    assert!(text.contains("daemon stop"), "{text}");
    let jobs = jsonl(&ok(trawl(&state).args(["job", "list", "--format", "jsonl"])));
    assert_eq!(jobs[0]["id"], id.as_str());
    assert_eq!(jobs[0]["status"], "IDLE");
    assert!(jobs[0]["next_run_at"].as_str().unwrap() > jobs[0]["created_at"].as_str().unwrap());
}

/// SIGTERM stops a run cleanly (state saved, exit 0); a second process cannot run the same
/// job meanwhile; the next run resumes the interrupted one.
#[test]
fn sigterm_interrupts_a_run_and_the_next_run_resumes_it() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.db");
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    let files = 400u64;
    let filler = "the quick brown fox jumps over the lazy dog 0123456789\n".repeat(4000);
    for i in 0..files {
        std::fs::write(
            data.join(format!("f{i:04}.txt")),
            format!("{filler}{CARD}\n{filler}"),
        )
        .unwrap();
    }
    let job_file = dir.path().join("job.toml");
    std::fs::write(
        &job_file,
        "name = \"term\"\ntargets = [\"data\"]\n[limits]\nthreads = 1\n",
    )
    .unwrap();
    let id = ok(trawl(&state).args(["job", "create"]).arg(&job_file))
        .trim()
        .to_string();
    let results_dir = dir.path().join("results").join(&id);
    let mut child = trawl(&state)
        .args(["job", "run", &id, "-q"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while dir_bytes(&results_dir) < 2_000 {
        assert!(
            child.try_wait().unwrap().is_none(),
            "the run ended too soon: enlarge the fixture"
        );
        assert!(start.elapsed() < Duration::from_secs(120));
        std::thread::sleep(Duration::from_millis(20));
    }
    let second = trawl(&state).args(["job", "run", &id]).output().unwrap();
    assert_eq!(second.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&second.stderr).contains("another process"),
        "{}",
        String::from_utf8_lossy(&second.stderr)
    );
    assert!(
        child.try_wait().unwrap().is_none(),
        "the run ended too soon: enlarge the fixture"
    );
    assert!(Command::new("kill")
        .arg("-TERM")
        .arg(child.id().to_string())
        .status()
        .unwrap()
        .success());
    let exit = child.wait().unwrap();
    assert!(exit.success(), "{exit:?}");
    let history = jsonl(&ok(
        trawl(&state).args(["job", "history", &id, "--format", "jsonl"])
    ));
    assert_eq!(history[0]["status"], "INTERRUPTED");
    let done = history[0]["objects"].as_u64().unwrap();
    assert!(done > 0 && done < files, "{done}");
    let summary: serde_json::Value =
        serde_json::from_str(&ok(trawl(&state).args(["job", "run", &id, "--json", "-q"]))).unwrap();
    assert_eq!(summary["status"], "COMPLETE");
    assert_eq!(summary["run_id"], history[0]["id"]);
    assert_eq!(summary["objects"], files);
    let recs = results(&results_dir);
    let keys: HashSet<&str> = recs
        .iter()
        .map(|r| r["object"]["key"].as_str().unwrap())
        .collect();
    assert_eq!(recs.len() as u64, files);
    assert_eq!(keys.len() as u64, files);
}

#[test]
fn a_job_dry_run_reads_nothing_starts_no_run_and_leaves_out_what_is_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state/state.db");
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    for name in ["a.txt", "b.txt", "c.log"] {
        std::fs::write(data.join(name), format!("{CARD}\n")).unwrap();
    }
    let job_file = dir.path().join("job.yaml");
    std::fs::write(
        &job_file,
        "name: dry\ntargets: [data]\nschedule: weekly MONDAY 03:00\n",
    )
    .unwrap();
    ok(trawl(&state).args(["job", "create"]).arg(&job_file));
    let plan = |state: &Path| -> serde_json::Value {
        serde_json::from_str(&ok(trawl(state).args([
            "job",
            "run",
            "dry",
            "--dry-run",
            "--json",
        ])))
        .unwrap()
    };
    let first = plan(&state);
    assert_eq!(first["scanned"]["objects"], 3, "{first}");
    let human = ok(trawl(&state).args(["job", "run", "dry", "--dry-run"]));
    assert!(
        human.contains("dry run: nothing was read; a scan would read 3 objects"),
        "{human}"
    );
    let history = jsonl(&ok(
        trawl(&state).args(["job", "history", "dry", "--format", "jsonl"])
    ));
    assert!(history.is_empty(), "a dry run starts no run: {history:?}");
    ok(trawl(&state).args(["job", "run", "dry", "-q"]));
    std::fs::write(data.join("b.txt"), format!("{CARD}\nand one more line\n")).unwrap();
    std::fs::write(data.join("d.txt"), "new\n").unwrap();
    let next = plan(&state);
    assert_eq!(
        next["scanned"]["objects"], 2,
        "the changed and the new: {next}"
    );
    assert_eq!(
        next["left_out"]["unchanged since the last scan"]["objects"], 2,
        "{next}"
    );
    assert_eq!(next["by_format"]["txt"]["objects"], 2, "{next}");
}
