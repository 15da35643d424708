//! CLI tests of the findings store as a security team works it: files that hold findings are
//! the owner's alone, counts, suppression rules with their life, reveal on demand, grouping by
//! value and the bucket score.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::Command;

const CARD: &str = "credit card number: 4539 2274 2374 7675";
const SSN: &str = "ssn 536-22-8921 and ssn 536-22-8922";

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

/// A job over `data` with a JSON Lines event file, created in `dir`; returns (state, job id).
fn job(dir: &Path, name: &str, targets: &[&Path]) -> (PathBuf, String) {
    let state = dir.join("state/state.db");
    let job_file = dir.join(format!("{name}.yaml"));
    let targets: Vec<String> = targets
        .iter()
        .map(|t| format!("{:?}", t.display().to_string()))
        .collect();
    std::fs::write(
        &job_file,
        format!(
            "name: {name}\ntargets: [{}]\nschedule: weekly MONDAY 03:00\n\
             events:\n  - type: jsonl\n    path: events.jsonl\n",
            targets.join(", ")
        ),
    )
    .unwrap();
    let id = ok(trawl(&state).args(["job", "create"]).arg(&job_file))
        .trim()
        .to_string();
    (state, id)
}

fn run(state: &Path, job: &str) -> serde_json::Value {
    serde_json::from_str(&ok(trawl(state).args(["job", "run", job, "--json", "-q"]))).unwrap()
}

#[cfg(unix)]
fn modes_under(root: &Path) -> Vec<(PathBuf, u32)> {
    use std::os::unix::fs::PermissionsExt;
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            let mode = e.metadata().unwrap().permissions().mode() & 0o777;
            if p.is_dir() {
                stack.push(p.clone());
            }
            out.push((p, mode));
        }
    }
    out
}

/// `c` run under umask 000 (through `sh`), with its arguments and environment.
#[cfg(unix)]
fn under_umask_000(c: &Command) -> Command {
    let mut sh = Command::new("sh");
    sh.arg("-c")
        .arg("umask 000; exec \"$@\"")
        .arg("sh")
        .arg(c.get_program())
        .args(c.get_args());
    for (k, v) in c.get_envs() {
        match v {
            Some(v) => sh.env(k, v),
            None => sh.env_remove(k),
        };
    }
    sh
}

/// Under umask 000 every file trawl writes that holds findings or results (the state
/// database, results, events, summaries) is 0600 and every directory it makes 0700.
#[cfg(unix)]
#[test]
fn files_holding_findings_are_the_owners_only_under_a_permissive_umask() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    std::fs::write(data.join("a.txt"), format!("{CARD}\n")).unwrap();
    let state = dir.path().join("state/state.db");
    let job_file = dir.path().join("job.yaml");
    std::fs::write(
        &job_file,
        format!(
            "name: modes\ntargets: [{:?}]\nschedule: weekly MONDAY 03:00\n\
             events:\n  - type: jsonl\n    path: {:?}\n",
            data.display().to_string(),
            dir.path()
                .join("state/events/events.jsonl")
                .display()
                .to_string()
        ),
    )
    .unwrap();
    ok(&mut under_umask_000(
        trawl(&state).args(["job", "create"]).arg(&job_file),
    ));
    ok(&mut under_umask_000(
        trawl(&state).args(["job", "run", "modes", "-q"]),
    ));
    let summary = dir.path().join("state/scan/summary.json");
    ok(&mut under_umask_000(
        trawl(&state)
            .arg("scan")
            .arg(&data)
            .args(["-q", "--format", "jsonl", "--summary"])
            .arg(&summary),
    ));
    let mut seen = Vec::new();
    for (p, mode) in modes_under(&dir.path().join("state")) {
        let want = if p.is_dir() { 0o700 } else { 0o600 };
        assert_eq!(mode, want, "{} is {mode:o}", p.display());
        seen.push(p.file_name().unwrap().to_string_lossy().into_owned());
    }
    // (The WAL, gone when the last connection closes, is checked by the store's own test.)
    for want in ["state.db", "summary.json", "events.jsonl"] {
        assert!(
            seen.iter().any(|s| s == want),
            "{want} not written: {seen:?}"
        );
    }
    assert!(
        seen.iter().any(|s| s.ends_with(".jsonl.gz")),
        "no results file: {seen:?}"
    );
}

/// Three files: a card, two SSNs, and both under `sub/`; one job run over them.
fn three_findings(dir: &Path) -> (PathBuf, String, PathBuf) {
    let data = dir.join("data");
    std::fs::create_dir_all(data.join("sub")).unwrap();
    std::fs::write(data.join("a.txt"), format!("{CARD}\n")).unwrap();
    std::fs::write(data.join("b.txt"), format!("{SSN}\n")).unwrap();
    std::fs::write(data.join("sub/c.txt"), format!("{CARD}\n{SSN}\n")).unwrap();
    let (state, id) = job(dir, "three", &[&data]);
    assert_eq!(run(&state, &id)["status"], "COMPLETE");
    (state, id, data)
}

fn list(state: &Path, extra: &[&str]) -> Vec<serde_json::Value> {
    let mut c = trawl(state);
    c.args(["findings", "list", "--format", "jsonl"])
        .args(extra);
    jsonl(&ok(&mut c))
}

fn keys(rows: &[serde_json::Value]) -> Vec<String> {
    let mut k: Vec<String> = rows
        .iter()
        .map(|r| r["key"].as_str().unwrap().to_string())
        .collect();
    k.sort();
    k
}

#[test]
fn stats_equal_counting_the_list() {
    let dir = tempfile::tempdir().unwrap();
    let (state, id, data) = three_findings(dir.path());
    for filter in [
        vec![],
        vec!["--key-prefix", "sub/"],
        vec!["--severity", "HIGH"],
    ] {
        let rows = list(&state, &filter);
        assert!(!rows.is_empty() || filter.len() == 2);
        for group in ["type", "category", "severity", "bucket", "account", "job"] {
            let mut want: std::collections::BTreeMap<String, (u64, u64)> = Default::default();
            for f in &rows {
                let mut add = |k: String, n: u64| {
                    let e = want.entry(k).or_default();
                    e.0 += 1;
                    e.1 += n;
                };
                match group {
                    "type" | "category" => {
                        let i = if group == "type" { 0 } else { 1 };
                        for d in f["detections"].as_array().unwrap() {
                            add(d[i].as_str().unwrap().into(), d[3].as_u64().unwrap());
                        }
                    }
                    "severity" => add(
                        f["severity"].as_str().unwrap().into(),
                        f["count"].as_u64().unwrap(),
                    ),
                    // Local files count under their job target, as the bucket score does.
                    "bucket" => add(data.display().to_string(), f["count"].as_u64().unwrap()),
                    "account" => add(
                        f["detail"]["accountId"].as_str().unwrap().into(),
                        f["count"].as_u64().unwrap(),
                    ),
                    _ => add(
                        f["job_id"].as_str().unwrap().into(),
                        f["count"].as_u64().unwrap(),
                    ),
                }
            }
            let mut c = trawl(&state);
            c.args([
                "findings",
                "stats",
                "--group-by",
                group,
                "--format",
                "jsonl",
            ])
            .args(&filter);
            let got: std::collections::BTreeMap<String, (u64, u64)> = jsonl(&ok(&mut c))
                .into_iter()
                .map(|r| {
                    (
                        r["key"].as_str().unwrap().to_string(),
                        (
                            r["findings"].as_u64().unwrap(),
                            r["occurrences"].as_u64().unwrap(),
                        ),
                    )
                })
                .collect();
            assert_eq!(got, want, "--group-by {group} {filter:?}");
        }
    }
    let by_type = ok(trawl(&state).args(["findings", "stats", "--group-by", "type", "--job", &id]));
    assert!(
        by_type.contains("CREDIT_CARD_NUMBER") && by_type.contains("OCCURRENCES"),
        "{by_type}"
    );
}

#[test]
fn suppression_rules_have_a_full_life() {
    let dir = tempfile::tempdir().unwrap();
    let (state, _, _) = three_findings(dir.path());
    assert_eq!(keys(&list(&state, &[])), ["a.txt", "b.txt", "sub/c.txt"]);
    let add = |args: &[&str]| -> i64 {
        let mut c = trawl(&state);
        c.env("TRAWL_USER", "alice")
            .args(["findings", "suppress"])
            .args(args);
        ok(&mut c).trim().parse().unwrap()
    };
    let cards = add(&[
        "--type",
        "CREDIT_CARD_NUMBER",
        "--name",
        "cards",
        "--description",
        "test data",
    ]);
    let sub = add(&["--key-prefix", "sub/"]);
    assert_eq!(keys(&list(&state, &[])), ["b.txt"]);
    // Show: who and when, and what it archives.
    let shown: serde_json::Value = serde_json::from_str(&ok(trawl(&state).args([
        "findings",
        "rules",
        "show",
        &cards.to_string(),
    ])))
    .unwrap();
    assert_eq!(shown["created_by"], "alice");
    assert_eq!(shown["name"], "cards");
    assert_eq!(shown["action"], "ARCHIVE");
    assert_eq!(shown["archived_findings"], 2);
    assert!(shown["created_at"].as_str().unwrap().starts_with("20"));
    assert!(shown["updated_at"].is_null());
    assert_eq!(
        jsonl(&ok(trawl(&state).args(["findings", "rules"]))).len(),
        2
    );
    // Deleting the card rule unarchives a.txt, which only it archived; c.txt stays (sub/).
    ok(trawl(&state).args(["findings", "rules", "delete", &cards.to_string()]));
    assert_eq!(keys(&list(&state, &[])), ["a.txt", "b.txt"]);
    // Editing the sub/ rule so that it covers nothing unarchives c.txt.
    ok(trawl(&state).args([
        "findings",
        "rules",
        "edit",
        &sub.to_string(),
        "--key-prefix",
        "nothing/",
    ]));
    assert_eq!(keys(&list(&state, &[])), ["a.txt", "b.txt", "sub/c.txt"]);
    let edited: serde_json::Value = serde_json::from_str(&ok(trawl(&state).args([
        "findings",
        "rules",
        "show",
        &sub.to_string(),
    ])))
    .unwrap();
    assert_eq!(edited["key_prefix"], "nothing/");
    assert!(edited["updated_at"].as_str().is_some());
    // And back, with the field cleared and another given.
    ok(trawl(&state).args([
        "findings",
        "rules",
        "edit",
        &sub.to_string(),
        "--clear",
        "key-prefix",
        "--type",
        "USA_SOCIAL_SECURITY_NUMBER",
    ]));
    assert_eq!(keys(&list(&state, &[])), ["a.txt"]);
    let out = trawl(&state)
        .args([
            "findings",
            "rules",
            "edit",
            &sub.to_string(),
            "--clear",
            "type",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("at least one of"));
    ok(trawl(&state).args(["findings", "rules", "delete", &sub.to_string()]));
    assert_eq!(keys(&list(&state, &[])), ["a.txt", "b.txt", "sub/c.txt"]);
    // A NOOP rule archives nothing and saves a query.
    let saved = add(&["--category", "personal", "--action", "noop"]);
    assert_eq!(keys(&list(&state, &[])).len(), 3);
    assert_eq!(
        keys(&list(&state, &["--rule", &saved.to_string()])),
        ["b.txt", "sub/c.txt"]
    );
    // By hand: archive and unarchive one finding.
    let b = list(&state, &["--key-prefix", "b"]);
    let b_id = b[0]["id"].as_str().unwrap();
    ok(trawl(&state).args(["findings", "archive", b_id]));
    assert_eq!(keys(&list(&state, &[])), ["a.txt", "sub/c.txt"]);
    assert_eq!(list(&state, &["--archived"]).len(), 3);
    ok(trawl(&state).args(["findings", "unarchive", b_id]));
    assert_eq!(keys(&list(&state, &[])).len(), 3);
    let missing = trawl(&state)
        .args(["findings", "rules", "delete", "999"])
        .output()
        .unwrap();
    assert!(!missing.status.success());
    let err = String::from_utf8_lossy(&missing.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
}

#[test]
fn reveal_reads_the_unchanged_object_again_and_is_recorded() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    let file = data.join("people.txt");
    std::fs::write(&file, format!("intro\n{CARD}\n{SSN}\n")).unwrap();
    let (state, id) = job(dir.path(), "reveal", &[&data]);
    run(&state, &id);
    let rows = list(&state, &[]);
    assert_eq!(rows.len(), 1);
    let fid = rows[0]["id"].as_str().unwrap().to_string();
    // Nothing raw is stored: not in the finding, not in the database file.
    let db = std::fs::read(&state).unwrap();
    for raw in ["4539 2274 2374 7675", "536-22-8921"] {
        assert!(!rows[0].to_string().contains(raw));
        assert!(
            !db.windows(raw.len()).any(|w| w == raw.as_bytes()),
            "{raw} in the database"
        );
    }
    let mut c = trawl(&state);
    c.env("TRAWL_USER", "bob")
        .args(["findings", "reveal", &fid[..8]]);
    let text = ok(&mut c);
    assert!(
        text.contains("line 2, column 21: 4539 2274 2374 7675"),
        "{text}"
    );
    assert!(
        text.contains("536-22-8921") && text.contains("536-22-8922"),
        "{text}"
    );
    let json: serde_json::Value = serde_json::from_str(&ok(
        trawl(&state).args(["findings", "reveal", &fid, "--json"])
    ))
    .unwrap();
    assert_eq!(json["outcome"], "REVEALED");
    let ssn = json["types"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["type"] == "USA_SOCIAL_SECURITY_NUMBER")
        .unwrap();
    assert_eq!(ssn["values"][0]["value"], "536-22-8921");
    assert_eq!(ssn["values"][0]["location"]["lineRanges"][0]["start"], 3);
    // The file changes (same size, a later time): nothing revealed, exit status 1.
    std::fs::write(&file, format!("intro\n{CARD}\n{}\n", SSN.replace('1', "7"))).unwrap();
    let later = std::time::SystemTime::now() + std::time::Duration::from_secs(5);
    std::fs::File::options()
        .write(true)
        .open(&file)
        .unwrap()
        .set_modified(later)
        .unwrap();
    let out = trawl(&state)
        .args(["findings", "reveal", &fid])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("modification time changed") && text.contains("nothing revealed"),
        "{text}"
    );
    assert!(!text.contains("4539"), "{text}");
    std::fs::remove_file(&file).unwrap();
    let out = trawl(&state)
        .args(["findings", "reveal", &fid])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("is gone"));
    // Every attempt is recorded: who, when, what came of it.
    let log = jsonl(&ok(trawl(&state).args(["findings", "reveals", &fid])));
    let outcomes: Vec<&str> = log.iter().map(|r| r["outcome"].as_str().unwrap()).collect();
    assert_eq!(outcomes[0], "REVEALED 3");
    assert!(outcomes[2].starts_with("CHANGED"), "{outcomes:?}");
    assert_eq!(outcomes[3], "VANISHED");
    assert_eq!(log[0]["revealed_by"], "bob");
}

#[test]
fn group_by_value_joins_one_secret_across_objects_without_keeping_it() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    // One card in three files, in two spellings; another card in a fourth.
    std::fs::write(data.join("a.txt"), format!("{CARD}\n")).unwrap();
    std::fs::write(data.join("b.txt"), format!("x\n{CARD}\n")).unwrap();
    std::fs::write(
        data.join("c.txt"),
        "credit card number: 4539-2274-2374-7675\n",
    )
    .unwrap();
    std::fs::write(
        data.join("d.txt"),
        "credit card number: 4539 2237 1857 0005\n",
    )
    .unwrap();
    let (state, id) = job(dir.path(), "values", &[&data]);
    run(&state, &id);
    let groups = jsonl(&ok(trawl(&state).args([
        "findings",
        "list",
        "--group-by-value",
        "--format",
        "jsonl",
    ])));
    let cards: Vec<&serde_json::Value> = groups
        .iter()
        .filter(|g| g["type"] == "CREDIT_CARD_NUMBER")
        .collect();
    assert_eq!(cards.len(), 2, "{groups:?}");
    assert_eq!(cards[0]["findings"], 3);
    assert_eq!(cards[1]["findings"], 1);
    let objects: Vec<&str> = cards[0]["objects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o.as_str().unwrap())
        .collect();
    assert!(objects.iter().all(|o| !o.ends_with("d.txt")), "{objects:?}");
    // The id is a keyed hash: not the value, nor its plain SHA-256.
    let value_id = cards[0]["value_id"].as_str().unwrap();
    assert_eq!(value_id.len(), 32);
    // (A random key makes the id random: it may hold any digits, so check its shape only.)
    assert!(value_id.bytes().all(|b| b.is_ascii_hexdigit()));
    assert_ne!(value_id, "4539227423747675");
    let table = ok(trawl(&state).args(["findings", "list", "--group-by-value"]));
    assert!(
        table.contains("CREDIT_CARD_NUMBER") && table.contains("VALUE"),
        "{table}"
    );
    // The filters apply.
    let only_d = jsonl(&ok(trawl(&state).args([
        "findings",
        "list",
        "--group-by-value",
        "--format",
        "jsonl",
        "--key-prefix",
        "d",
    ])));
    assert_eq!(only_d.len(), 1);
    assert_eq!(only_d[0]["findings"], 1);
}

fn score_of(state: &Path, bucket: &Path) -> serde_json::Value {
    let mut c = trawl(state);
    c.args(["findings", "score"])
        .arg(bucket)
        .args(["--format", "jsonl"]);
    jsonl(&ok(&mut c)).remove(0)
}

/// The bucket score is cumulative (Macie's semantics): an unchanged re-run keeps it, a
/// changed object moves it, excluded types and the manual override apply.
#[test]
fn the_bucket_score_moves_only_when_the_data_does() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    std::fs::write(data.join("card.txt"), format!("{CARD}\n")).unwrap();
    for i in 0..3 {
        std::fs::write(data.join(format!("plain{i}.txt")), "nothing to see\n").unwrap();
    }
    let (state, id) = job(dir.path(), "score", &[&data]);
    // No data yet.
    assert_eq!(score_of(&state, &data)["sensitivity_score"], 50);
    run(&state, &id);
    let first = score_of(&state, &data);
    // 4 analysed, 1 sensitive and HIGH: 51 + round(48 * (0.5 * sqrt(1/4) + 0.25 + 0.25)) = 87.
    assert_eq!(first["sensitivity_score"], 87, "{first}");
    assert_eq!(first["objects_analysed"], 4);
    assert_eq!(first["objects_sensitive"], 1);
    // An unchanged re-run (incremental: nothing is read again) keeps it.
    let again = run(&state, &id);
    assert_eq!(again["objects"], 0, "{again}");
    assert_eq!(score_of(&state, &data), first);
    // The card goes: nothing sensitive, every object analysed: 1.
    std::fs::write(data.join("card.txt"), "the card was removed\n").unwrap();
    let later = std::time::SystemTime::now() + std::time::Duration::from_secs(5);
    std::fs::File::options()
        .write(true)
        .open(data.join("card.txt"))
        .unwrap()
        .set_modified(later)
        .unwrap();
    run(&state, &id);
    assert_eq!(score_of(&state, &data)["sensitivity_score"], 1);
    // A new file with SSNs: sensitive again, 5 objects.
    std::fs::write(data.join("ssn.txt"), format!("{SSN}\n")).unwrap();
    run(&state, &id);
    let with_ssn = score_of(&state, &data);
    assert!(
        (51..=99).contains(&with_ssn["sensitivity_score"].as_i64().unwrap()),
        "{with_ssn}"
    );
    assert_eq!(with_ssn["objects"], 5);
    // Leaving the type out of the score: nothing sensitive counted.
    let mut c = trawl(&state);
    c.args(["findings", "score"]).arg(&data).args([
        "--exclude",
        "USA_SOCIAL_SECURITY_NUMBER",
        "--format",
        "jsonl",
    ]);
    let excluded = jsonl(&ok(&mut c)).remove(0);
    assert_eq!(excluded["sensitivity_score"], 1, "{excluded}");
    assert_eq!(excluded["excluded_types"][0], "USA_SOCIAL_SECURITY_NUMBER");
    // Set by hand, then back.
    let mut c = trawl(&state);
    c.args(["findings", "score"])
        .arg(&data)
        .args(["--mark-sensitive", "--format", "jsonl"]);
    let manual = jsonl(&ok(&mut c)).remove(0);
    assert_eq!(manual["sensitivity_score"], 100);
    assert_eq!(manual["calculated_score"], 1);
    let mut c = trawl(&state);
    c.args(["findings", "score"]).arg(&data).args([
        "--reset",
        "--include",
        "USA_SOCIAL_SECURITY_NUMBER",
        "--format",
        "jsonl",
    ]);
    assert_eq!(jsonl(&ok(&mut c)).remove(0), with_ssn);
    // findings stats --group-by bucket shows it beside the counts.
    let table = ok(trawl(&state).args(["findings", "stats", "--group-by", "bucket"]));
    assert!(
        table.contains("SCORE") && table.contains(&data.display().to_string()),
        "{table}"
    );
}
