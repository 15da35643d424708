use trawl_formats::ReasonCode;
use trawl_identifiers::{Category, Severity};

use super::*;
use crate::record::{CellOut, Detection, ObjectInfo, ReasonOut, Storage};

fn record(key: &str, detections: Vec<Detection>) -> ResultRecord {
    let severity = detections.iter().map(|d| d.severity).max();
    ResultRecord {
        schema: crate::RESULT_SCHEMA.into(),
        run_id: "run-1".into(),
        job_id: None,
        object: ObjectInfo {
            storage: Storage::S3,
            bucket: Some("bucket-a".into()),
            key: key.into(),
            uri: format!("s3://bucket-a/{key}"),
            size: 100,
            last_modified: None,
            etag: None,
            version_id: None,
            encryption: None,
            account: None,
        },
        status: Status::Complete,
        reasons: vec![],
        format: "txt".into(),
        bytes_scanned: 90,
        severity,
        detections,
    }
}

fn occurrence(masked: &str) -> Occurrence {
    Occurrence {
        member: vec![],
        line: Some(3),
        column: Some(7),
        offset: Some(40),
        length: 16,
        cell: None,
        record: None,
        json_path: None,
        page: None,
        masked: masked.into(),
        value: None,
        value_hash: None,
    }
}

fn detection(kind: &str, category: Category, severity: Severity, count: u64) -> Detection {
    Detection {
        kind: kind.into(),
        category,
        count,
        severity,
        occurrences: vec![occurrence("4539********1234")],
    }
}

fn html(report: &Report) -> String {
    let mut out = Vec::new();
    report.write_html(&mut out).unwrap();
    String::from_utf8(out).unwrap()
}

#[test]
fn counts_objects_findings_severities_categories_and_types() {
    let mut report = Report::new(ReportOptions::default());
    let card = || detection("CREDIT_CARD_NUMBER", Category::Financial, Severity::High, 2);
    let ssn = || detection("USA_SSN", Category::Personal, Severity::Medium, 5);
    report.add(&record("a/1.txt", vec![card(), ssn()]));
    report.add(&record("a/2.txt", vec![ssn()]));
    report.add(&record("b/3.txt", vec![]));
    let mut skipped = record("c/4.bin", vec![]);
    skipped.status = Status::Skipped;
    skipped.reasons = vec![ReasonOut {
        code: ReasonCode::UnsupportedFileType,
        member: vec![],
        message: "binary".into(),
    }];
    report.add(&skipped);

    assert_eq!(report.objects(), 4);
    assert_eq!(report.findings(), 12);
    assert_eq!(report.objects_with_findings(), 2);
    assert_eq!(report.bytes, 400);
    assert_eq!(report.bytes_scanned, 360);
    assert_eq!(report.by_status[&Status::Complete], 3);
    assert_eq!(report.by_status[&Status::Skipped], 1);
    let high = report.by_severity[&Severity::High];
    assert_eq!((high.objects, high.occurrences), (1, 2));
    let medium = report.by_severity[&Severity::Medium];
    assert_eq!((medium.objects, medium.occurrences), (1, 10));
    let personal = report.by_category[&Category::Personal];
    assert_eq!((personal.objects, personal.occurrences), (2, 10));
    let ssn_t = report.types["USA_SSN"];
    assert_eq!((ssn_t.objects, ssn_t.occurrences), (2, 10));
    let top = report.prefixes.top(20);
    assert_eq!(top[0].0, "s3://bucket-a/a/");
    assert_eq!(top[0].1.findings, 12);
    assert_eq!(report.buckets.top(20)[0].1.objects, 4);
    assert_eq!(report.by_reason["UNSUPPORTED_FILE_TYPE_EXCEPTION"], 1);

    let page = html(&report);
    assert!(page.contains(r#"id="total-objects" data-value="4""#));
    assert!(page.contains(r#"id="total-findings" data-value="12""#));
    assert!(page.contains(r#"<span id="shown">2</span> of 2 shown"#));
    assert!(page.contains("UNSUPPORTED_FILE_TYPE_EXCEPTION"));
    assert!(!page.contains("objects-capped"));
}

#[test]
fn strings_from_records_are_escaped() {
    let mut report = Report::new(ReportOptions {
        title: Some("<b>title</b>".into()),
        ..ReportOptions::default()
    });
    let mut d = detection(
        "<img src=x onerror=alert(1)>",
        Category::Custom,
        Severity::Low,
        1,
    );
    d.occurrences[0].masked = "\"><script>alert(2)</script>".into();
    d.occurrences[0].member = vec!["a.zip".into(), "<i>.txt".into()];
    let mut r = record("<script>alert(3)</script>.txt", vec![d]);
    r.run_id = "'><script>".into();
    report.add(&r);
    let page = html(&report);
    assert!(!page.contains("<script>alert"), "{page}");
    assert!(!page.contains("<img"));
    assert!(!page.contains("<b>title"));
    assert!(!page.contains("<i>.txt"));
    assert!(page.contains("&lt;script&gt;alert(3)&lt;/script&gt;.txt"));
    assert!(page.contains("a.zip &gt; &lt;i&gt;.txt"));
    assert_eq!(
        page.matches("<script>").count(),
        1,
        "only the report's own script"
    );
}

#[test]
fn raw_values_are_never_written() {
    let mut report = Report::new(ReportOptions::default());
    let mut d = detection("CREDIT_CARD_NUMBER", Category::Financial, Severity::High, 1);
    d.occurrences[0].value = Some("4539148803436467".into());
    d.occurrences[0].value_hash = Some("hash-9f8e7d".into());
    report.add(&record("cards.csv", vec![d]));
    let page = html(&report);
    assert!(page.contains("4539********1234"));
    assert!(!page.contains("4539148803436467"));
    assert!(!page.contains("hash-9f8e7d"));
}

#[test]
fn tables_are_capped_and_say_so() {
    let mut report = Report::new(ReportOptions {
        max_rows: 10,
        ..ReportOptions::default()
    });
    for i in 0..100u64 {
        let sev = if i == 50 {
            Severity::High
        } else {
            Severity::Low
        };
        let d = detection("EMAIL", Category::Personal, sev, i + 1);
        let mut r = record(&format!("d{}/f{i}.txt", i % 7), vec![d]);
        if i % 2 == 0 {
            r.status = Status::Partial;
            r.reasons = vec![ReasonOut {
                code: ReasonCode::TimeCutOffReached,
                member: vec![],
                message: "time".into(),
            }];
        }
        report.add(&r);
    }
    let rows = report.rows.sorted();
    assert_eq!(rows.len(), 10);
    // The HIGH one first, then the most findings.
    assert_eq!(rows[0].uri, "s3://bucket-a/d1/f50.txt");
    assert_eq!(rows[1].findings, 100);
    assert_eq!(rows[9].findings, 92);
    assert_eq!(report.unread.len(), 10);
    assert_eq!(report.by_reason["TIME_CUT_OFF_REACHED"], 50);
    let page = html(&report);
    assert!(page.contains("Showing 10 of 100 objects with findings"));
    assert!(page.contains("Showing the first 10 of 50 objects not fully read"));
    assert!(page.contains(r#"<span id="shown">10</span> of 10 shown"#));
    assert_eq!(page.matches("data-q=").count(), 10);
}

#[test]
fn groups_beyond_the_cap_count_as_other() {
    let mut g = Groups::default();
    for i in 0..MAX_GROUPS + 5 {
        g.add(&format!("p{i}"), 1, 1);
    }
    g.add("p0", 1, 3);
    assert_eq!(g.map.len(), MAX_GROUPS);
    assert_eq!(g.other.objects, 5);
    assert_eq!(
        g.top(1)[0],
        (
            "p0",
            Tally {
                objects: 2,
                bytes: 2,
                with_findings: 2,
                findings: 4
            }
        )
    );
}

#[test]
fn empty_input_says_no_objects() {
    let page = html(&Report::new(ReportOptions::default()));
    assert!(page.contains("No objects in these results."));
    assert!(page.contains(r#"id="total-objects" data-value="0""#));
}

#[test]
fn locations_name_members_lines_cells_and_paths() {
    let mut o = occurrence("x");
    o.member = vec!["a.zip".into(), "b.tar".into(), "c.txt".into()];
    assert_eq!(location(&o), "a.zip > b.tar > c.txt, line 3:7");
    o.line = None;
    o.cell = Some(CellOut {
        row: 4,
        column: 2,
        column_name: Some("card".into()),
        sheet: Some("Q1".into()),
        reference: Some("B4".into()),
        table: None,
    });
    o.record = Some(3);
    assert_eq!(
        location(&o),
        "a.zip > b.tar > c.txt, sheet Q1, row 4, column 2 (card)"
    );
    // A table in a document: its cell, then its line in the text.
    let mut t = occurrence("x");
    t.cell = Some(CellOut {
        row: 3,
        column: 2,
        column_name: Some("SSN".into()),
        sheet: None,
        reference: None,
        table: Some(2),
    });
    assert_eq!(location(&t), "table 2, row 3, column 2 (SSN), line 3:7");
    let mut j = occurrence("x");
    j.line = None;
    j.json_path = Some("$.user.ssn".into());
    j.page = Some(2);
    assert_eq!(location(&j), "$.user.ssn, page 2");
    j.json_path = None;
    j.page = None;
    assert_eq!(location(&j), "offset 40");
}

#[test]
fn no_external_resources() {
    let mut report = Report::new(ReportOptions::default());
    report.add(&record(
        "x.txt",
        vec![detection("T", Category::Custom, Severity::Low, 1)],
    ));
    let page = html(&report);
    for bad in ["http://", "https://", "src=", "<link", "url(", "@import"] {
        assert!(!page.contains(bad), "{bad} in the page");
    }
}

#[test]
fn helpers_format_numbers_and_cut_text() {
    assert_eq!(html::fmt_count(0), "0");
    assert_eq!(html::fmt_count(1234567), "1,234,567");
    assert_eq!(html::fmt_bytes(512), "512 B");
    assert_eq!(html::fmt_bytes(2560), "2.5 KiB");
    let long = "é".repeat(TEXT_CAP + 10);
    assert_eq!(cap(&long).chars().count(), TEXT_CAP + 1);
}
