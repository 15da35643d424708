//! Human-readable output: findings on standard output, the run summary on standard error.
//! Only masked samples appear here, whatever `--reveal` says.

use std::io::{self, Write};

use trawl_identifiers::Severity;
use trawl_scanner::Summary;
use trawl_scanner::{Occurrence, ResultRecord};

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
        parts.push(format!("row {} column {}{name}", c.row, c.column));
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

/// Writes one record's findings (nothing for a clean object).
pub fn write_record(out: &mut dyn Write, r: &ResultRecord) -> io::Result<()> {
    let Some(sev) = r.severity else {
        return Ok(());
    };
    writeln!(out, "{:<6} {}", sev.as_str(), r.object.uri)?;
    for d in &r.detections {
        let first = d.occurrences.first();
        let sample = first
            .map(|o| format!("  {}  {}", where_(o), o.masked))
            .unwrap_or_default();
        writeln!(
            out,
            "       {} x{} [{}]{sample}",
            d.kind,
            d.count,
            d.severity.as_str()
        )?;
    }
    Ok(())
}

fn bytes(n: u64) -> String {
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
