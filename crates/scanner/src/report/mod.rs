//! A self-contained HTML report of result records, for the data owner.
//!
//! [`Report`] aggregates [`ResultRecord`]s one at a time in bounded memory (a million objects
//! cost no more than a few thousand): totals, findings by severity, category and type, the
//! buckets, prefixes and files with the most findings, the top `max_rows` objects with findings
//! (a min-heap by severity then findings) and the first `max_rows` objects not fully read.
//! [`Report::write_html`] writes one HTML file with inline style, script and SVG charts: no
//! network, no external asset. Only masked samples are written, never an occurrence's raw
//! `value`; every string from a record is HTML-escaped.
//!
//! ```
//! use trawl_scanner::report::{Report, ReportOptions};
//!
//! let mut report = Report::new(ReportOptions::default());
//! // for record in records { report.add(&record); }
//! let mut html = Vec::new();
//! report.write_html(&mut html).unwrap();
//! assert!(String::from_utf8(html).unwrap().contains("No objects"));
//! ```

mod html;
mod svg;

use std::cmp::{Ordering, Reverse};
use std::collections::{BTreeMap, BTreeSet, BinaryHeap, HashMap};
use std::io::{self, Write};

use trawl_identifiers::{Category, Severity};

use crate::record::{Occurrence, ResultRecord, Status};

/// Rows of the objects table and of the not-fully-read table by default.
pub const DEFAULT_MAX_ROWS: usize = 5_000;
/// Entries of the top buckets, prefixes, files and types lists.
const TOP: usize = 20;
/// Distinct buckets or prefixes counted one by one; beyond, they count as "other".
const MAX_GROUPS: usize = 100_000;
/// Distinct identifier types counted one by one; beyond, they count as "other".
const MAX_TYPES: usize = 10_000;
/// Occurrences shown per detection in a row.
const OCCURRENCES_SHOWN: usize = 3;
/// Reasons shown per object not fully read.
const REASONS_SHOWN: usize = 10;
/// Characters kept of any one string from a record (paths, messages, samples).
const TEXT_CAP: usize = 400;
/// Run and job ids listed in the header.
const IDS_SHOWN: usize = 10;

/// How a report is made.
#[derive(Clone, Debug)]
pub struct ReportOptions {
    /// Rows kept in the objects table and in the not-fully-read table.
    pub max_rows: usize,
    /// The page's title; `None` for "trawl report".
    pub title: Option<String>,
    /// When the report was made, as shown in its header.
    pub generated_at: String,
}

impl Default for ReportOptions {
    fn default() -> Self {
        ReportOptions {
            max_rows: DEFAULT_MAX_ROWS,
            title: None,
            generated_at: chrono::Utc::now()
                .format("%Y-%m-%d %H:%M:%S UTC")
                .to_string(),
        }
    }
}

/// Counts of one group (bucket, prefix): objects, bytes, findings.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Tally {
    objects: u64,
    bytes: u64,
    with_findings: u64,
    findings: u64,
}

impl Tally {
    fn add(&mut self, bytes: u64, findings: u64) {
        self.objects += 1;
        self.bytes += bytes;
        self.findings += findings;
        self.with_findings += u64::from(findings > 0);
    }
}

/// Named tallies, at most `MAX_GROUPS` of them; the rest is `other`.
#[derive(Debug, Default)]
struct Groups {
    map: HashMap<String, Tally>,
    other: Tally,
}

impl Groups {
    fn add(&mut self, name: &str, bytes: u64, findings: u64) {
        if let Some(t) = self.map.get_mut(name) {
            t.add(bytes, findings);
        } else if self.map.len() < MAX_GROUPS {
            let mut t = Tally::default();
            t.add(bytes, findings);
            self.map.insert(cap(name), t);
        } else {
            self.other.add(bytes, findings);
        }
    }

    /// The `n` groups with the most findings (then objects, then name).
    fn top(&self, n: usize) -> Vec<(&str, Tally)> {
        let mut all: Vec<(&str, Tally)> = self.map.iter().map(|(k, t)| (k.as_str(), *t)).collect();
        all.sort_by(|a, b| {
            (b.1.findings, b.1.objects)
                .cmp(&(a.1.findings, a.1.objects))
                .then_with(|| a.0.cmp(b.0))
        });
        all.truncate(n);
        all
    }
}

/// Counts of one identifier type.
#[derive(Clone, Copy, Debug)]
struct TypeTally {
    category: Category,
    severity: Severity,
    occurrences: u64,
    objects: u64,
}

/// Occurrences and objects at one severity or in one category.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Count {
    occurrences: u64,
    objects: u64,
}

/// An occurrence as shown: where, and the masked sample.
#[derive(Clone, Debug)]
struct OccRow {
    location: String,
    masked: String,
}

/// A detection as shown.
#[derive(Clone, Debug)]
struct DetRow {
    kind: String,
    category: Category,
    severity: Severity,
    count: u64,
    occurrences: Vec<OccRow>,
}

/// An object with findings, as shown in the objects table.
#[derive(Clone, Debug)]
struct ObjectRow {
    uri: String,
    severity: Option<Severity>,
    findings: u64,
    status: Status,
    format: String,
    size: u64,
    detections: Vec<DetRow>,
}

/// An object not fully read, as shown.
#[derive(Clone, Debug)]
struct UnreadRow {
    uri: String,
    status: Status,
    size: u64,
    /// Code, member path, message.
    reasons: Vec<(&'static str, String, String)>,
    more_reasons: usize,
}

/// The rank of an object row: severity, then findings, then the earlier object first.
type Rank = (Option<Severity>, u64, Reverse<u64>);

/// The rank of a file in the top files: findings, then severity, then the earlier first.
type FileRank = (u64, Option<Severity>, Reverse<u64>);

/// A heap entry ordered by its rank alone.
#[derive(Debug)]
struct Ranked<K, T> {
    rank: K,
    item: T,
}

impl<K: Ord, T> PartialEq for Ranked<K, T> {
    fn eq(&self, other: &Self) -> bool {
        self.rank == other.rank
    }
}
impl<K: Ord, T> Eq for Ranked<K, T> {}
impl<K: Ord, T> PartialOrd for Ranked<K, T> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl<K: Ord, T> Ord for Ranked<K, T> {
    fn cmp(&self, other: &Self) -> Ordering {
        self.rank.cmp(&other.rank)
    }
}

/// The `cap` highest-ranked items: a min-heap of at most `cap` entries.
#[derive(Debug)]
struct TopN<K, T> {
    cap: usize,
    heap: BinaryHeap<Reverse<Ranked<K, T>>>,
}

impl<K: Ord + Copy, T> TopN<K, T> {
    fn new(cap: usize) -> Self {
        TopN {
            cap,
            heap: BinaryHeap::new(),
        }
    }

    /// Whether an item of this rank would be kept (so that it is only built when it would).
    fn admits(&self, rank: &K) -> bool {
        self.cap > 0
            && (self.heap.len() < self.cap || self.heap.peek().is_some_and(|m| m.0.rank < *rank))
    }

    fn push(&mut self, rank: K, item: T) {
        if !self.admits(&rank) {
            return;
        }
        if self.heap.len() >= self.cap {
            self.heap.pop();
        }
        self.heap.push(Reverse(Ranked { rank, item }));
    }

    /// The items, highest rank first.
    fn sorted(&self) -> Vec<&T> {
        let mut all: Vec<&Ranked<K, T>> = self.heap.iter().map(|r| &r.0).collect();
        all.sort_by_key(|r| Reverse(r.rank));
        all.into_iter().map(|r| &r.item).collect()
    }
}

/// The aggregate of a run's result records, and its HTML rendering.
#[derive(Debug)]
pub struct Report {
    opts: ReportOptions,
    seq: u64,
    bytes: u64,
    bytes_scanned: u64,
    by_status: BTreeMap<Status, u64>,
    with_findings: u64,
    findings: u64,
    by_severity: BTreeMap<Severity, Count>,
    by_category: BTreeMap<Category, Count>,
    types: HashMap<String, TypeTally>,
    types_other: Count,
    buckets: Groups,
    prefixes: Groups,
    run_ids: BTreeSet<String>,
    job_ids: BTreeSet<String>,
    more_ids: bool,
    files: TopN<FileRank, (String, Option<Severity>, u64)>,
    rows: TopN<Rank, ObjectRow>,
    unread: Vec<UnreadRow>,
    unread_total: u64,
    by_reason: BTreeMap<&'static str, u64>,
}

impl Report {
    /// An empty report.
    pub fn new(opts: ReportOptions) -> Report {
        let max_rows = opts.max_rows;
        Report {
            opts,
            seq: 0,
            bytes: 0,
            bytes_scanned: 0,
            by_status: BTreeMap::new(),
            with_findings: 0,
            findings: 0,
            by_severity: BTreeMap::new(),
            by_category: BTreeMap::new(),
            types: HashMap::new(),
            types_other: Count::default(),
            buckets: Groups::default(),
            prefixes: Groups::default(),
            run_ids: BTreeSet::new(),
            job_ids: BTreeSet::new(),
            more_ids: false,
            files: TopN::new(TOP),
            rows: TopN::new(max_rows),
            unread: Vec::new(),
            unread_total: 0,
            by_reason: BTreeMap::new(),
        }
    }

    /// Objects added.
    pub fn objects(&self) -> u64 {
        self.seq
    }

    /// Findings (occurrences) added.
    pub fn findings(&self) -> u64 {
        self.findings
    }

    /// Objects with at least one finding.
    pub fn objects_with_findings(&self) -> u64 {
        self.with_findings
    }

    /// Adds one record's counts, and its rows when they rank among those kept.
    pub fn add(&mut self, r: &ResultRecord) {
        self.seq += 1;
        let size = r.object.size;
        self.bytes += size;
        self.bytes_scanned += r.bytes_scanned;
        *self.by_status.entry(r.status).or_default() += 1;
        self.note_ids(r);
        let findings: u64 = r.detections.iter().map(|d| d.count).sum();
        self.findings += findings;
        self.add_detections(r);
        let (bucket, prefix) = groups_of(r);
        self.buckets.add(&bucket, size, findings);
        self.prefixes.add(&prefix, size, findings);
        if findings > 0 {
            self.with_findings += 1;
            let file_rank = (findings, r.severity, Reverse(self.seq));
            if self.files.admits(&file_rank) {
                let item = (shown_path(&r.object.uri), r.severity, findings);
                self.files.push(file_rank, item);
            }
            let rank = (r.severity, findings, Reverse(self.seq));
            if self.rows.admits(&rank) {
                self.rows.push(rank, object_row(r, findings));
            }
        }
        if r.status != Status::Complete {
            self.add_unread(r);
        }
    }

    fn note_ids(&mut self, r: &ResultRecord) {
        for (set, id) in [
            (&mut self.run_ids, Some(&r.run_id)),
            (&mut self.job_ids, r.job_id.as_ref()),
        ] {
            if let Some(id) = id {
                if !set.contains(id) {
                    if set.len() < IDS_SHOWN {
                        set.insert(cap(id));
                    } else {
                        self.more_ids = true;
                    }
                }
            }
        }
    }

    fn add_detections(&mut self, r: &ResultRecord) {
        if let Some(s) = r.severity.filter(|_| !r.detections.is_empty()) {
            self.by_severity.entry(s).or_default().objects += 1;
        }
        let mut categories = BTreeSet::new();
        for d in &r.detections {
            self.by_severity.entry(d.severity).or_default().occurrences += d.count;
            let c = self.by_category.entry(d.category).or_default();
            c.occurrences += d.count;
            if categories.insert(d.category) {
                c.objects += 1;
            }
            if let Some(t) = self.types.get_mut(&d.kind) {
                t.occurrences += d.count;
                t.objects += 1;
                t.severity = t.severity.max(d.severity);
            } else if self.types.len() < MAX_TYPES {
                let t = TypeTally {
                    category: d.category,
                    severity: d.severity,
                    occurrences: d.count,
                    objects: 1,
                };
                self.types.insert(cap(&d.kind), t);
            } else {
                self.types_other.occurrences += d.count;
                self.types_other.objects += 1;
            }
        }
    }

    fn add_unread(&mut self, r: &ResultRecord) {
        self.unread_total += 1;
        let mut codes = BTreeSet::new();
        for reason in &r.reasons {
            codes.insert(reason.code.as_str());
        }
        if codes.is_empty() {
            codes.insert("(no reason given)");
        }
        for code in codes {
            *self.by_reason.entry(code).or_default() += 1;
        }
        if self.unread.len() >= self.opts.max_rows {
            return;
        }
        let reasons = r
            .reasons
            .iter()
            .take(REASONS_SHOWN)
            .map(|x| (x.code.as_str(), cap(&x.member.join(" > ")), cap(&x.message)))
            .collect();
        self.unread.push(UnreadRow {
            uri: shown_path(&r.object.uri),
            status: r.status,
            size: r.object.size,
            reasons,
            more_reasons: r.reasons.len().saturating_sub(REASONS_SHOWN),
        });
    }

    /// Writes the report as one self-contained HTML page.
    pub fn write_html(&self, out: &mut dyn Write) -> io::Result<()> {
        html::write(self, out)
    }
}

/// The object's row: its detections with a few occurrences each, masked samples only.
fn object_row(r: &ResultRecord, findings: u64) -> ObjectRow {
    let mut detections: Vec<DetRow> = r
        .detections
        .iter()
        .map(|d| DetRow {
            kind: cap(&d.kind),
            category: d.category,
            severity: d.severity,
            count: d.count,
            occurrences: d
                .occurrences
                .iter()
                .take(OCCURRENCES_SHOWN)
                .map(|o| OccRow {
                    location: cap(&location(o)),
                    masked: cap(&o.masked),
                })
                .collect(),
        })
        .collect();
    detections.sort_by_key(|d| Reverse((d.severity, d.count)));
    ObjectRow {
        uri: shown_path(&r.object.uri),
        severity: r.severity,
        findings,
        status: r.status,
        format: cap(&r.format),
        size: r.object.size,
        detections,
    }
}

/// Where an occurrence is, in words: member path, then line and column, cell, record, JSON
/// path or page.
fn location(o: &Occurrence) -> String {
    let mut parts = Vec::new();
    if !o.member.is_empty() {
        parts.push(o.member.join(" > "));
    }
    if let Some(c) = &o.cell {
        let mut s = String::new();
        if let Some(sheet) = &c.sheet {
            s.push_str(&format!("sheet {sheet}, "));
        }
        if let Some(table) = c.table {
            s.push_str(&format!("table {table}, "));
        }
        s.push_str(&format!("row {}, column {}", c.row, c.column));
        if let Some(name) = &c.column_name {
            s.push_str(&format!(" ({name})"));
        }
        if let (Some(_), Some(line)) = (c.table, o.line) {
            match o.column {
                Some(col) => s.push_str(&format!(", line {line}:{col}")),
                None => s.push_str(&format!(", line {line}")),
            }
        }
        parts.push(s);
    } else if let Some(line) = o.line {
        match o.column {
            Some(col) => parts.push(format!("line {line}:{col}")),
            None => parts.push(format!("line {line}")),
        }
    }
    if let Some(rec) = o.record.filter(|_| o.cell.is_none()) {
        parts.push(format!("record {rec}"));
    }
    if let Some(p) = &o.json_path {
        parts.push(p.clone());
    }
    if let Some(p) = o.page {
        parts.push(format!("page {p}"));
    }
    if parts.is_empty() {
        if let Some(off) = o.offset {
            parts.push(format!("offset {off}"));
        }
    }
    parts.join(", ")
}

/// The object's bucket (`s3://bucket`, or "local files") and prefix (the bucket and the key's
/// first directory).
fn groups_of(r: &ResultRecord) -> (String, String) {
    let bucket = match &r.object.bucket {
        Some(b) => format!("s3://{b}"),
        None => "local files".to_string(),
    };
    let dir = r.object.key.split_once('/').map(|(d, _)| d);
    let prefix = match (&r.object.bucket, dir) {
        (Some(_), Some(d)) => format!("{bucket}/{d}/"),
        (Some(_), None) => format!("{bucket}/"),
        (None, Some(d)) => format!("{d}/"),
        (None, None) => "./".to_string(),
    };
    (bucket, prefix)
}

/// An object's URI as shown: `s3://bucket/key`, or a local file's path (no `file://`).
fn shown_path(uri: &str) -> String {
    cap(uri.strip_prefix("file://").unwrap_or(uri))
}

/// `s` cut to `TEXT_CAP` characters, with an ellipsis when cut.
fn cap(s: &str) -> String {
    match s.char_indices().nth(TEXT_CAP) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_string(),
    }
}

#[cfg(test)]
mod tests;
