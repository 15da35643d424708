//! Human-readable output: findings on standard output, the run summary on standard error.
//! Only masked samples appear here, whatever `--reveal` says. Paths are shown as ripgrep
//! shows them: relative to the target as it was given; colour only where it is wanted.

use std::io::{self, Write};

use anstyle::{AnsiColor, Style};
use trawl_identifiers::Severity;
use trawl_scanner::{DisplayPaths, Occurrence, ResultRecord, Summary, Target};

/// How findings are written for people: colours, and where local paths are shown from.
pub struct Human {
    color: bool,
    paths: DisplayPaths,
}

impl Human {
    /// For the given targets, with colour or not.
    pub fn new(targets: &[Target], color: bool) -> Human {
        Human {
            color,
            paths: DisplayPaths::new(targets),
        }
    }

    /// An object as a person reads it: a local file by the path it was given as (`data/a.txt`
    /// for a target `data`), standard input as `<stdin>`, an S3 object by its URI.
    pub fn path(&self, r: &ResultRecord) -> String {
        self.paths.path(r)
    }

    fn paint(&self, style: Style, text: &str) -> String {
        if self.color {
            format!("{style}{text}{style:#}")
        } else {
            text.to_string()
        }
    }

    fn severity(&self, s: Severity) -> String {
        let style = match s {
            Severity::High => Style::new().fg_color(Some(AnsiColor::Red.into())).bold(),
            Severity::Medium => Style::new().fg_color(Some(AnsiColor::Yellow.into())),
            Severity::Low => Style::new().fg_color(Some(AnsiColor::Cyan.into())),
        };
        self.paint(style, &format!("{:<6}", s.as_str()))
    }

    /// Writes one record's findings (nothing for a clean object).
    pub fn write_record(&self, out: &mut dyn Write, r: &ResultRecord) -> io::Result<()> {
        let Some(sev) = r.severity else {
            return Ok(());
        };
        let path = Style::new().fg_color(Some(AnsiColor::Magenta.into()));
        writeln!(
            out,
            "{} {}",
            self.severity(sev),
            self.paint(path, &self.path(r))
        )?;
        for d in &r.detections {
            let first = d.occurrences.first();
            let sample = first
                .map(|o| {
                    format!(
                        "  {}  {}",
                        where_(o),
                        self.paint(
                            Style::new().fg_color(Some(AnsiColor::Green.into())),
                            &o.masked
                        )
                    )
                })
                .unwrap_or_default();
            writeln!(
                out,
                "       {} x{} [{}]{sample}",
                self.paint(Style::new().bold(), &d.kind),
                d.count,
                d.severity.as_str()
            )?;
        }
        Ok(())
    }
}

/// Whether to colour output: `--color always|never`, or for `auto` a terminal and no
/// `NO_COLOR` (<https://no-color.org>) in the environment.
pub fn use_color(choice: ColorChoice, terminal: bool) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
    }
}

/// `--color`.
#[derive(Clone, Copy, Debug, clap::ValueEnum, PartialEq, Eq)]
pub enum ColorChoice {
    /// Colour when standard output is a terminal and `NO_COLOR` is not set.
    Auto,
    /// Always.
    Always,
    /// Never.
    Never,
}

fn where_(o: &Occurrence) -> String {
    let mut parts = Vec::new();
    if !o.member.is_empty() {
        parts.push(format!("in {}", o.member.join(" > ")));
    }
    if let Some(c) = &o.cell {
        let name = c
            .column_name
            .as_deref()
            .map(|n| format!(" ({n})"))
            .unwrap_or_default();
        let table = c.table.map(|t| format!("table {t} ")).unwrap_or_default();
        parts.push(format!("{table}row {} column {}{name}", c.row, c.column));
        if let (Some(_), Some(l)) = (c.table, o.line) {
            parts.push(format!("line {l}"));
        }
    } else if let Some(l) = o.line {
        match o.column {
            Some(c) => parts.push(format!("line {l}:{c}")),
            None => parts.push(format!("line {l}")),
        }
    }
    if let Some(p) = &o.json_path {
        parts.push(p.clone());
    }
    if let Some(p) = o.page {
        parts.push(format!("page {p}"));
    }
    parts.join(", ")
}

/// A byte count for people (`1.5 MiB`).
pub fn bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = n as f64;
    let mut u = 0;
    while v >= 1024.0 && u < UNITS.len() - 1 {
        v /= 1024.0;
        u += 1;
    }
    if u == 0 {
        format!("{n} B")
    } else {
        format!("{v:.1} {}", UNITS[u])
    }
}

fn join_counts<'a>(it: impl Iterator<Item = (&'a String, &'a u64)>) -> String {
    it.map(|(k, v)| format!("{k} {v}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Text throughput per thread with the `ALL` identifiers, MB/s (`scripts/bench`, the
/// performance log's latest entry).
pub const BENCH_ALL_MB_S: f64 = 167.0;
/// The same with the default selection (the foundation set's figure).
pub const BENCH_RECOMMENDED_MB_S: f64 = 312.0;

fn tallies(t: &std::collections::BTreeMap<String, trawl_scanner::Tally>) -> String {
    let mut v: Vec<_> = t.iter().collect();
    v.sort_by(|a, b| b.1.bytes.cmp(&a.1.bytes).then(a.0.cmp(b.0)));
    v.iter()
        .map(|(k, t)| format!("{k} {} ({})", t.objects, bytes(t.bytes)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Writes a dry run's plan, with a time estimate from the benchmark's throughput.
pub fn write_plan(
    out: &mut dyn Write,
    p: &trawl_scanner::Plan,
    mb_s_per_thread: f64,
    threads: usize,
) -> io::Result<()> {
    writeln!(
        out,
        "dry run: nothing was read; a scan would read {} objects, {}",
        p.scanned.objects,
        bytes(p.scanned.bytes)
    )?;
    if !p.by_format.is_empty() {
        writeln!(out, "  by format (from names): {}", tallies(&p.by_format))?;
    }
    if !p.by_storage_class.is_empty() {
        writeln!(out, "  by storage class: {}", tallies(&p.by_storage_class))?;
    }
    if !p.left_out.is_empty() {
        writeln!(out, "  left out: {}", tallies(&p.left_out))?;
    }
    if !p.skipped.is_empty() {
        writeln!(out, "  unreadable as listed: {}", tallies(&p.skipped))?;
    }
    for (bucket, why) in &p.buckets_left_out {
        writeln!(out, "  bucket left out: {bucket} ({why})")?;
    }
    for (account, why) in &p.accounts_left_out {
        writeln!(out, "  account not entered: {account} ({why})")?;
    }
    for e in &p.target_errors {
        writeln!(out, "  target not listed: {e}")?;
    }
    let rate = mb_s_per_thread * 1e6 * threads as f64;
    let seconds = p.scanned.bytes as f64 / rate;
    writeln!(
        out,
        "  estimate: {} at {:.0} MB/s ({threads} thread(s) x {mb_s_per_thread:.0} MB/s, the \
         benchmark's text throughput; archives, office files and PDFs go slower, and S3 reads \
         may be bound by the network)",
        duration(seconds),
        rate / 1e6
    )?;
    Ok(())
}

fn duration(s: f64) -> String {
    if s < 1.0 {
        "under a second".into()
    } else if s < 120.0 {
        format!("about {s:.0} s")
    } else if s < 7200.0 {
        format!("about {:.0} min", s / 60.0)
    } else {
        format!("about {:.1} h", s / 3600.0)
    }
}

/// Writes the run summary.
pub fn write_summary(out: &mut dyn Write, s: &Summary) -> io::Result<()> {
    let rate = if s.elapsed_seconds > 0.0 {
        s.bytes_scanned as f64 / s.elapsed_seconds
    } else {
        0.0
    };
    writeln!(
        out,
        "trawl: scanned {} objects, {} ({} of content) in {:.2}s, {}/s",
        s.objects,
        bytes(s.bytes),
        bytes(s.bytes_scanned),
        s.elapsed_seconds,
        bytes(rate as u64)
    )?;
    writeln!(out, "  status:   {}", join_counts(s.status.iter()))?;
    if s.objects_with_findings == 0 {
        writeln!(out, "  findings: none")?;
    } else {
        let mut sev: Vec<_> = s.objects_by_severity.iter().collect();
        sev.sort_by_key(|(k, _)| std::cmp::Reverse(Severity::parse(k)));
        writeln!(
            out,
            "  findings: {} files ({})",
            s.objects_with_findings,
            join_counts(sev.into_iter())
        )?;
        for (t, n) in &s.occurrences_by_type {
            let files = s.objects_by_type.get(t).copied().unwrap_or(0);
            writeln!(out, "    {t}: {n} in {files} file(s)")?;
        }
    }
    if !s.reasons.is_empty() {
        writeln!(out, "  not fully read: {}", join_counts(s.reasons.iter()))?;
    }
    if !s.buckets_left_out.is_empty() {
        let mut why: std::collections::BTreeMap<String, u64> = Default::default();
        for w in s.buckets_left_out.values() {
            let criterion = w
                .split(':')
                .next()
                .unwrap_or(w)
                .split(' ')
                .next()
                .unwrap_or(w);
            *why.entry(criterion.to_string()).or_default() += 1;
        }
        writeln!(
            out,
            "  buckets left out by the bucket criteria: {} ({}; each named in --summary)",
            s.buckets_left_out.len(),
            join_counts(why.iter())
        )?;
    }
    if !s.accounts_left_out.is_empty() {
        let ids: Vec<&str> = s.accounts_left_out.keys().map(String::as_str).collect();
        writeln!(
            out,
            "  accounts that could not be entered: {} ({}; why in --summary)",
            ids.len(),
            ids.join(", ")
        )?;
    }
    if s.walk_errors > 0 {
        writeln!(out, "  paths that could not be listed: {}", s.walk_errors)?;
    }
    if s.objects_out_of_scope > 0 {
        writeln!(
            out,
            "  out of scope or not sampled: {}",
            s.objects_out_of_scope
        )?;
    }
    if s.cancelled {
        writeln!(
            out,
            "  cancelled: {} listed objects not scanned",
            s.objects_not_started
        )?;
    }
    for (name, b) in &s.buckets {
        writeln!(
            out,
            "  bucket {name}: {} objects listed, {} scanned ({}, {} of content), {} with findings{}",
            b.objects_listed,
            b.objects,
            bytes(b.bytes),
            bytes(b.bytes_scanned),
            b.objects_with_findings,
            if b.objects_by_severity.is_empty() {
                String::new()
            } else {
                format!(" ({})", join_counts(b.objects_by_severity.iter()))
            }
        )?;
        if !b.skipped_by_reason.is_empty() {
            writeln!(
                out,
                "    skipped: {}",
                join_counts(b.skipped_by_reason.iter())
            )?;
        }
        if !b.posture_findings.is_empty() {
            writeln!(out, "    posture: {}", b.posture_findings.join(", "))?;
        }
    }
    for p in &s.posture {
        for u in &p.unchecked {
            writeln!(out, "  posture of {} not checked: {u}", p.bucket)?;
        }
    }
    for e in &s.target_errors {
        writeln!(out, "  target not scanned: {e}")?;
    }
    Ok(())
}
