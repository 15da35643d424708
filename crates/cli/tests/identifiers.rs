//! `trawl` with identifier choices as a user makes them: selections, custom identifiers
//! (TOML, YAML, Macie JSON) and their errors, allow lists, and `trawl identifiers test`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;

mod common;
use common::cli::*;

#[test]
fn identifier_selection() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "x.txt",
        format!("visa {CARD}\nssn 536-22-8921\n"),
    );
    let only = scan_dir(
        dir.path(),
        &["--identifiers", "INCLUDE:USA_SOCIAL_SECURITY_NUMBER"],
    );
    assert_eq!(
        types(only.record("x.txt")),
        BTreeMap::from([("USA_SOCIAL_SECURITY_NUMBER".to_string(), 1)])
    );
    let but = scan_dir(
        dir.path(),
        &["--identifiers", "EXCLUDE:USA_SOCIAL_SECURITY_NUMBER"],
    );
    assert_eq!(
        types(but.record("x.txt")),
        BTreeMap::from([("CREDIT_CARD_NUMBER".to_string(), 1)])
    );
    let none = scan_dir(dir.path(), &["--identifiers", "NONE"]);
    assert!(none.record("x.txt").detections.is_empty());
}

#[test]
fn custom_identifiers_from_toml_yaml_and_macie_json() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    write(
        &data,
        "staff.txt",
        "employee EMP-123456\nEMP-654321 employee\nemployee EMP-000000 (test)\nbadge B-12345\nbadge B-22222 badge B-33333\n",
    );
    write(&data, "staff.csv", "name,employee_no\nAda,EMP-111111\n");
    let toml = write(
        dir.path(),
        "ids.toml",
        "[[custom_identifier]]\nname = \"EMPLOYEE_ID\"\nregex = \"EMP-[0-9]{6}\"\nkeywords = [\"employee\"]\nmaximum_match_distance = 20\nignore_words = [\"000000\"]\nseverity_levels = [{ occurrences_threshold = 1, severity = \"LOW\" }, { occurrences_threshold = 2, severity = \"HIGH\" }]\n",
    );
    let macie = write(
        dir.path(),
        "badge.json",
        r#"{"arn": "arn:aws:macie2:eu-west-1:111122223333:custom-data-identifier/abc", "id": "abc",
            "name": "BADGE", "regex": "B-[0-9]{5}", "keywords": ["badge"], "maximumMatchDistance": 10,
            "ignoreWords": [], "severityLevels": [{"occurrencesThreshold": 2, "severity": "MEDIUM"}],
            "createdAt": "2024-05-01T10:00:00Z", "deleted": false, "tags": {}}"#,
    );
    let run = scan_dir(
        &data,
        &[
            "--identifiers",
            "NONE",
            "--identifiers-file",
            toml.to_str().unwrap(),
            "--identifiers-file",
            macie.to_str().unwrap(),
        ],
    );
    assert_eq!(run.code(), 0, "{}", run.stderr());
    let r = run.record("staff.txt");
    let emp = detection(r, "EMPLOYEE_ID");
    // Keyword must precede; ignore word drops EMP-000000.
    assert_eq!(
        (emp.count, emp.category.as_str(), emp.severity.as_str()),
        (1, "CUSTOM", "LOW")
    );
    assert_eq!(emp.occurrences[0].line, Some(1));
    let badge = detection(r, "BADGE");
    // B-12345 (line 4) and B-22222 (line 5) have "badge" within 10 of their end; B-33333 too.
    assert_eq!((badge.count, badge.severity.as_str()), (3, "MEDIUM"));
    // The column name counts as a preceding keyword in a CSV.
    let csv = run.record("staff.csv");
    assert_eq!(detection(csv, "EMPLOYEE_ID").count, 1);

    // Below the lowest threshold there is no detection.
    write(&data, "staff.txt", "badge B-12345\n");
    let run = scan_dir(
        &data,
        &[
            "--identifiers",
            "NONE",
            "--identifiers-file",
            macie.to_str().unwrap(),
        ],
    );
    assert!(run.record("staff.txt").detections.is_empty());

    // YAML.
    let yaml = write(
        dir.path(),
        "t.yaml",
        "- name: TICKET\n  regex: 'TCK[0-9]{4}'\n",
    );
    write(&data, "staff.txt", "see TCK1234\n");
    let run = scan_dir(
        &data,
        &[
            "--identifiers",
            "NONE",
            "--identifiers-file",
            yaml.to_str().unwrap(),
        ],
    );
    let t = detection(run.record("staff.txt"), "TICKET");
    assert_eq!(t.severity.as_str(), "MEDIUM");
}

#[test]
fn custom_identifier_errors_are_clear() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        ("name = \"A\"\nregex = \"(?<=x)y\"", "look-around"),
        (
            "name = \"A\"\nregex = \"x\"\nmaximum_match_distance = 400",
            "1 to 300",
        ),
        (
            "name = \"A\"\nregex = \"x\"\nkeywords = [\"no\"]",
            "3 to 90",
        ),
        (
            "name = \"CREDIT_CARD_NUMBER\"\nregex = \"x\"",
            "reuse a managed",
        ),
    ];
    for (body, want) in cases {
        let f = write(
            dir.path(),
            "c.toml",
            format!("[[custom_identifier]]\n{body}\n"),
        );
        let run = scan(&[
            dir.path().to_str().unwrap(),
            "--identifiers-file",
            f.to_str().unwrap(),
        ]);
        assert_eq!(run.code(), 2, "{body}");
        assert!(run.stderr().contains(want), "{body}: {}", run.stderr());
        assert!(run.records.is_empty());
    }
}

#[test]
fn allow_lists_text_regex_and_whole_cell_rule() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    write(
        &data,
        "a.txt",
        format!("visa {CARD}\nvisa 5425852580973782\nssn 536-22-8921\n"),
    );
    write(
        &data,
        "b.csv",
        format!("card,card_notes\n{CARD},\"paid with {CARD}\"\n"),
    );
    let list = write(
        dir.path(),
        "allow.txt",
        format!("# ignored? no: a literal\n{CARD}\n\n"),
    );
    let run = scan_dir(&data, &["--allow-list", list.to_str().unwrap()]);
    let a = run.record("a.txt");
    assert_eq!(detection(a, "CREDIT_CARD_NUMBER").count, 1);
    assert_eq!(
        detection(a, "CREDIT_CARD_NUMBER").occurrences[0].line,
        Some(2)
    );
    // In a CSV the entry suppresses only a match that is the whole cell.
    let b = run.record("b.csv");
    let d = detection(b, "CREDIT_CARD_NUMBER");
    assert_eq!(d.count, 1);
    assert_eq!(d.occurrences[0].cell.as_ref().unwrap().column, 2);
    let run = scan_dir(
        &data,
        &[
            "--allow-regex",
            "536-[0-9]{2}-[0-9]{4}",
            "--allow-regex",
            "54[0-9]{14}",
        ],
    );
    let a = run.record("a.txt");
    assert_eq!(
        types(a),
        BTreeMap::from([("CREDIT_CARD_NUMBER".to_string(), 1)])
    );
    // A bad regex is a usage error with its reason.
    let bad = scan_dir(&data, &["--allow-regex", "(?=x)"]);
    assert_eq!(bad.code(), 2);
    assert!(bad.stderr().contains("look-around"), "{}", bad.stderr());
}

#[test]
fn identifiers_test_explains_drops() {
    use std::io::Write;
    use std::process::Stdio;
    let mut child = trawl()
        .args(["identifiers", "test", "CREDIT_CARD_NUMBER"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(
            format!(
                "visa {CARD}\nvisa 4539227423747676\nvisa 4111111111111111\n{}\norder {CARD}\n",
                "-".repeat(40)
            )
            .as_bytes(),
        )
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("FOUND    line 1"), "{text}");
    assert!(text.contains("failed checksum"), "{text}");
    assert!(text.contains("published example"), "{text}");
    assert!(text.contains("no keyword"), "{text}");
    assert!(!text.contains(CARD), "raw value printed: {text}");
    assert!(text.ends_with("1 found\n"), "{text}");
}

#[test]
fn groups_select_by_country_category_and_tag() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "x.txt",
        format!("visa {CARD}\nSteuer-ID: 47 392 018 463\nNINO: JR 84 52 19 C\nssn 536-22-8921\n"),
    );
    let de = scan_dir(dir.path(), &["--identifiers", "COUNTRY:DE"]);
    assert_eq!(de.code(), 0, "{}", de.stderr());
    assert_eq!(
        types(de.record("x.txt")),
        BTreeMap::from([("GERMANY_TAX_IDENTIFICATION_NUMBER".to_string(), 1)])
    );
    let two = scan_dir(dir.path(), &["--identifiers", "country:de,COUNTRY:GB"]);
    assert_eq!(types(two.record("x.txt")).len(), 2);
    let mixed = scan_dir(
        dir.path(),
        &[
            "--identifiers",
            "INCLUDE:CATEGORY:FINANCIAL,USA_SOCIAL_SECURITY_NUMBER",
        ],
    );
    assert_eq!(
        types(mixed.record("x.txt")),
        BTreeMap::from([
            ("CREDIT_CARD_NUMBER".to_string(), 1),
            ("USA_SOCIAL_SECURITY_NUMBER".to_string(), 1)
        ])
    );
    let but = scan_dir(dir.path(), &["--identifiers", "EXCLUDE:TAG:MACIE"]);
    assert!(but.record("x.txt").detections.is_empty());
    // A group that names nothing, or a kind that does not exist, is a one-line usage error.
    for bad in ["COUNTRY:ZZ", "COLOUR:RED", "CATEGORY:SECRETS"] {
        let run = scan_dir(dir.path(), &["--identifiers", bad]);
        assert_eq!(run.code(), 2, "{bad}");
        let err = run.stderr();
        assert!(
            err.contains(bad) && err.trim().lines().count() == 1,
            "{err}"
        );
    }
}

fn list(args: &[&str]) -> Vec<serde_json::Value> {
    let out = trawl()
        .args(["identifiers", "list", "--format", "json"])
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// The catalogue's size by category is pinned: a change to it is a deliberate one.
#[test]
fn list_filters_and_counts_by_category() {
    let all = list(&[]);
    let count = |cat: &str| all.iter().filter(|i| i["category"] == cat).count();
    assert_eq!(
        (count("CREDENTIALS"), count("FINANCIAL"), count("PERSONAL")),
        (344, 102, 160)
    );
    let de = list(&["--country", "de"]);
    assert!(de.len() >= 6);
    assert!(de.iter().all(|i| i["country"] == "DE"), "{de:?}");
    assert!(de.iter().any(|i| i["id"] == "GERMANY_BANK_ACCOUNT_NUMBER"));
    let beyond = list(&["--tag", "BEYOND_MACIE", "--category", "FINANCIAL"]);
    assert!(beyond
        .iter()
        .any(|i| i["id"] == "BELGIUM_BANK_ACCOUNT_NUMBER"));
    assert!(beyond.iter().all(|i| i["category"] == "FINANCIAL"
        && i["tags"]
            .as_array()
            .unwrap()
            .contains(&"BEYOND_MACIE".into())));
    let out = trawl()
        .args(["identifiers", "list", "--tag", "SHINY"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("--tag") && err.trim().lines().count() == 1,
        "{err}"
    );
}
