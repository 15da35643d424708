//! The report's HTML: one page, inline style, script and SVG. Every string that comes from a
//! record goes through [`escape`].

use std::borrow::Cow;
use std::io::{self, Write};

use trawl_identifiers::{Category, Severity};

use super::svg::{self, Item};
use super::{Count, ObjectRow, Report, Tally, UnreadRow, TOP};
use crate::record::Status;

const CSS: &str = include_str!("report.css");
const JS: &str = include_str!("report.js");
/// Types listed in the findings-by-type table at most.
const TYPES_LISTED: usize = 500;

/// `s` with `&`, `<`, `>`, `"` and `'` escaped: safe in text and in quoted attributes.
pub(super) fn escape(s: &str) -> Cow<'_, str> {
    if !s.contains(['&', '<', '>', '"', '\'']) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// `1234567` as `1,234,567`.
pub(super) fn fmt_count(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Bytes in binary units: `512 B`, `2.5 KiB`, `1.2 GiB`.
pub(super) fn fmt_bytes(n: u64) -> String {
    const UNITS: [&str; 6] = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
    let mut v = n as f64;
    let mut unit = 0;
    while v >= 1024.0 && unit + 1 < UNITS.len() {
        v /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{n} B")
    } else {
        format!("{v:.1} {}", UNITS[unit])
    }
}

/// A severity's CSS colour.
pub(super) fn severity_color(s: Option<Severity>) -> &'static str {
    match s {
        Some(Severity::High) => "#dc2626",
        Some(Severity::Medium) => "#f59e0b",
        Some(Severity::Low) => "#3b82f6",
        None => "#9ca3af",
    }
}

fn category_color(c: Category) -> &'static str {
    match c {
        Category::Credentials => "#7c3aed",
        Category::Financial => "#0891b2",
        Category::Personal => "#db2777",
        _ => "#65a30d",
    }
}

fn sev_name(s: Option<Severity>) -> &'static str {
    s.map_or("NONE", |s| s.as_str())
}

fn sev_rank(s: Option<Severity>) -> u8 {
    s.map_or(0, |s| s.score())
}

/// A severity badge.
fn badge(s: Option<Severity>) -> String {
    format!(
        r#"<span class="sev sev-{}">{}</span>"#,
        sev_name(s).to_ascii_lowercase(),
        sev_name(s)
    )
}

/// The page.
pub(super) fn write(r: &Report, out: &mut dyn Write) -> io::Result<()> {
    let title = r.opts.title.as_deref().unwrap_or("trawl report");
    write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <meta name=\"generator\" content=\"trawl\"><title>{}</title><style>{CSS}</style></head>\n<body>\n",
        escape(title)
    )?;
    write_header(r, title, out)?;
    write_cards(r, out)?;
    if r.seq == 0 {
        writeln!(
            out,
            r#"<section><p class="empty" id="empty">No objects in these results.</p></section>"#
        )?;
    } else {
        write_charts(r, out)?;
        write_types(r, out)?;
        write_places(r, out)?;
        write_objects(r, out)?;
        write_unread(r, out)?;
    }
    write!(
        out,
        "<footer>Made by trawl. Samples are masked; raw values are never written to this report.</footer>\n\
         <script>{JS}</script>\n</body></html>\n"
    )
}

fn write_header(r: &Report, title: &str, out: &mut dyn Write) -> io::Result<()> {
    let ids = |set: &std::collections::BTreeSet<String>| {
        set.iter()
            .map(|s| format!("<code>{}</code>", escape(s)))
            .collect::<Vec<_>>()
            .join(" ")
    };
    write!(
        out,
        r#"<header><h1>{}</h1><dl class="meta"><dt>Made</dt><dd id="generated">{}</dd>"#,
        escape(title),
        escape(&r.opts.generated_at)
    )?;
    if !r.run_ids.is_empty() {
        write!(out, "<dt>Runs</dt><dd>{}</dd>", ids(&r.run_ids))?;
    }
    if !r.job_ids.is_empty() {
        write!(out, "<dt>Jobs</dt><dd>{}</dd>", ids(&r.job_ids))?;
    }
    if r.more_ids {
        write!(
            out,
            "<dt></dt><dd class=\"muted\">and more ids not listed</dd>"
        )?;
    }
    writeln!(out, "</dl></header>")
}

fn card(out: &mut dyn Write, id: &str, value: u64, shown: &str, label: &str) -> io::Result<()> {
    write!(
        out,
        r#"<div class="card"><div class="n" id="{id}" data-value="{value}">{shown}</div><div class="l">{label}</div></div>"#
    )
}

fn write_cards(r: &Report, out: &mut dyn Write) -> io::Result<()> {
    let status = |s: Status| r.by_status.get(&s).copied().unwrap_or(0);
    write!(out, r#"<section class="cards">"#)?;
    card(out, "total-objects", r.seq, &fmt_count(r.seq), "objects")?;
    card(out, "total-bytes", r.bytes, &fmt_bytes(r.bytes), "stored")?;
    let scanned = fmt_bytes(r.bytes_scanned);
    card(
        out,
        "total-scanned",
        r.bytes_scanned,
        &scanned,
        "content scanned",
    )?;
    let wf = r.with_findings;
    card(
        out,
        "total-with-findings",
        wf,
        &fmt_count(wf),
        "objects with findings",
    )?;
    card(
        out,
        "total-findings",
        r.findings,
        &fmt_count(r.findings),
        "findings",
    )?;
    for (s, id) in [
        (Status::Complete, "status-complete"),
        (Status::Partial, "status-partial"),
        (Status::Skipped, "status-skipped"),
    ] {
        let label = format!("{} ", s.as_str().to_ascii_lowercase());
        let n = status(s);
        card(out, id, n, &fmt_count(n), &(label + "objects"))?;
    }
    writeln!(out, "</section>")
}

fn write_charts(r: &Report, out: &mut dyn Write) -> io::Result<()> {
    let sev = |s: Severity| r.by_severity.get(&s).copied().unwrap_or_default();
    let levels = [Severity::High, Severity::Medium, Severity::Low];
    let none = r.seq - r.with_findings;
    let mut slices: Vec<Item> = levels
        .iter()
        .map(|s| Item {
            label: s.as_str(),
            value: sev(*s).objects,
            color: severity_color(Some(*s)),
        })
        .collect();
    slices.push(Item {
        label: "no findings",
        value: none,
        color: severity_color(None),
    });
    write!(
        out,
        r#"<section class="charts"><div class="panel"><h2>Objects by highest severity</h2><div class="donut-wrap">{}<ul class="legend">"#,
        svg::donut(&slices, &fmt_count(r.seq), "objects by highest severity")
    )?;
    for s in &slices {
        write!(
            out,
            r#"<li><i style="background:{}"></i>{} <b>{}</b></li>"#,
            s.color,
            s.label,
            fmt_count(s.value)
        )?;
    }
    write!(out, "</ul></div><table class=\"small\" id=\"by-severity\"><thead><tr><th>Severity</th><th>Objects</th><th>Findings</th></tr></thead><tbody>")?;
    for s in levels {
        let c = sev(s);
        write!(
            out,
            r#"<tr data-sev="{}"><td>{}</td><td class="num">{}</td><td class="num">{}</td></tr>"#,
            s.as_str(),
            badge(Some(s)),
            fmt_count(c.objects),
            fmt_count(c.occurrences)
        )?;
    }
    write!(out, "</tbody></table></div>")?;
    write_bar_panels(r, out)?;
    writeln!(out, "</section>")
}

fn write_bar_panels(r: &Report, out: &mut dyn Write) -> io::Result<()> {
    let types = r.sorted_types();
    let by_type: Vec<Item> = types
        .iter()
        .take(TOP)
        .map(|(k, t)| Item {
            label: k,
            value: t.occurrences,
            color: severity_color(Some(t.severity)),
        })
        .collect();
    let cats: Vec<(Category, Count)> = r.by_category.iter().map(|(c, n)| (*c, *n)).collect();
    let by_cat: Vec<Item> = cats
        .iter()
        .map(|(c, n)| Item {
            label: c.as_str(),
            value: n.occurrences,
            color: category_color(*c),
        })
        .collect();
    let more = if types.len() > TOP {
        format!(" (top {TOP} of {})", fmt_count(types.len() as u64))
    } else {
        String::new()
    };
    write!(
        out,
        r#"<div class="panel"><h2>Findings by type{more}</h2>{}</div><div class="panel"><h2>Findings by category</h2>{}"#,
        svg::bars(&by_type, "findings by type"),
        svg::bars(&by_cat, "findings by category")
    )?;
    write!(out, "<table class=\"small\" id=\"by-category\"><thead><tr><th>Category</th><th>Objects</th><th>Findings</th></tr></thead><tbody>")?;
    for (c, n) in &cats {
        write!(
            out,
            r#"<tr><td>{}</td><td class="num">{}</td><td class="num">{}</td></tr>"#,
            c.as_str(),
            fmt_count(n.objects),
            fmt_count(n.occurrences)
        )?;
    }
    write!(out, "</tbody></table></div>")
}

impl Report {
    /// Types by findings, most first.
    fn sorted_types(&self) -> Vec<(&str, super::TypeTally)> {
        let mut all: Vec<_> = self.types.iter().map(|(k, t)| (k.as_str(), *t)).collect();
        all.sort_by(|a, b| {
            (b.1.occurrences, b.1.objects)
                .cmp(&(a.1.occurrences, a.1.objects))
                .then_with(|| a.0.cmp(b.0))
        });
        all
    }
}

fn write_types(r: &Report, out: &mut dyn Write) -> io::Result<()> {
    let types = r.sorted_types();
    if types.is_empty() {
        return writeln!(
            out,
            r#"<section><h2>Findings by type</h2><p class="empty">No findings.</p></section>"#
        );
    }
    write!(out, "<section><h2>Findings by type</h2><table class=\"sortable\" id=\"by-type\"><thead><tr><th>Type</th><th>Category</th><th data-desc>Highest severity</th><th data-desc>Findings</th><th data-desc>Objects</th></tr></thead><tbody>")?;
    for (k, t) in types.iter().take(TYPES_LISTED) {
        write!(
            out,
            r#"<tr><td><code>{}</code></td><td>{}</td><td data-v="{}">{}</td><td class="num" data-v="{}">{}</td><td class="num" data-v="{}">{}</td></tr>"#,
            escape(k),
            t.category.as_str(),
            t.severity.score(),
            badge(Some(t.severity)),
            t.occurrences,
            fmt_count(t.occurrences),
            t.objects,
            fmt_count(t.objects)
        )?;
    }
    write!(out, "</tbody></table>")?;
    let other = r.types_other;
    if types.len() > TYPES_LISTED || other.objects > 0 {
        write!(
            out,
            r#"<p class="note">Showing {} of {} types; more types than that counted as other: {} findings.</p>"#,
            fmt_count(types.len().min(TYPES_LISTED) as u64),
            fmt_count(types.len() as u64),
            fmt_count(other.occurrences)
        )?;
    }
    writeln!(out, "</section>")
}

fn group_table(
    out: &mut dyn Write,
    id: &str,
    heading: &str,
    rows: &[(&str, Tally)],
    other: Option<(Tally, usize)>,
) -> io::Result<()> {
    write!(out, "<div class=\"panel\"><h2>{heading}</h2><table class=\"sortable small\" id=\"{id}\"><thead><tr><th>Name</th><th data-desc>Objects</th><th data-desc>With findings</th><th data-desc>Findings</th></tr></thead><tbody>")?;
    for (name, t) in rows {
        write!(
            out,
            r#"<tr><td class="path">{}</td><td class="num" data-v="{}">{}</td><td class="num" data-v="{}">{}</td><td class="num" data-v="{}">{}</td></tr>"#,
            escape(name),
            t.objects,
            fmt_count(t.objects),
            t.with_findings,
            fmt_count(t.with_findings),
            t.findings,
            fmt_count(t.findings)
        )?;
    }
    write!(out, "</tbody></table>")?;
    if let Some((o, distinct)) = other {
        let mut note = format!("Top {} of {}.", rows.len(), fmt_count(distinct as u64));
        if o.objects > 0 {
            note += &format!(
                " Beyond {} distinct names, counted together: {} objects, {} findings.",
                fmt_count(super::MAX_GROUPS as u64),
                fmt_count(o.objects),
                fmt_count(o.findings)
            );
        }
        write!(out, r#"<p class="note">{note}</p>"#)?;
    }
    write!(out, "</div>")
}

fn write_places(r: &Report, out: &mut dyn Write) -> io::Result<()> {
    write!(out, r#"<section class="places">"#)?;
    for (groups, id, heading) in [
        (&r.buckets, "top-buckets", "Buckets with the most findings"),
        (
            &r.prefixes,
            "top-prefixes",
            "Prefixes with the most findings",
        ),
    ] {
        let top = groups.top(TOP);
        let distinct = groups.map.len();
        let other =
            (distinct > top.len() || groups.other.objects > 0).then_some((groups.other, distinct));
        group_table(out, id, heading, &top, other)?;
    }
    write!(out, "<div class=\"panel\"><h2>Files with the most findings</h2><table class=\"sortable small\" id=\"top-files\"><thead><tr><th>File</th><th data-desc>Severity</th><th data-desc>Findings</th></tr></thead><tbody>")?;
    for (uri, sev, findings) in r.files.sorted() {
        write!(
            out,
            r#"<tr><td class="path">{}</td><td data-v="{}">{}</td><td class="num" data-v="{findings}">{}</td></tr>"#,
            escape(uri),
            sev_rank(*sev),
            badge(*sev),
            fmt_count(*findings)
        )?;
    }
    writeln!(out, "</tbody></table></div></section>")
}

fn write_objects(r: &Report, out: &mut dyn Write) -> io::Result<()> {
    let rows = r.rows.sorted();
    let total = r.with_findings;
    write!(out, "<section><h2>Objects with findings</h2>")?;
    if total == 0 {
        return writeln!(
            out,
            r#"<p class="empty">No object has findings.</p></section>"#
        );
    }
    if (rows.len() as u64) < total {
        write!(
            out,
            r#"<p class="note" id="objects-capped">Showing {} of {} objects with findings: those of highest severity, then most findings (<code>--max-rows</code> sets how many). The counts above cover all of them.</p>"#,
            fmt_count(rows.len() as u64),
            fmt_count(total)
        )?;
    }
    write!(
        out,
        r#"<div class="controls"><label>Filter <input id="filter" type="search" placeholder="path, type, category, severity" autocomplete="off"></label> <label>Severity <select id="severity"><option value="">any</option><option>HIGH</option><option>MEDIUM</option><option>LOW</option></select></label> <span class="count"><span id="shown">{}</span> of {} shown</span></div>"#,
        rows.len(),
        rows.len()
    )?;
    write!(out, "<div class=\"scroll\"><table class=\"sortable\" id=\"objects\" data-filter><thead><tr><th>Object</th><th data-desc>Severity</th><th data-desc>Findings</th><th>Status</th><th>Format</th><th data-desc>Size</th><th class=\"nosort\">Detections (masked samples)</th></tr></thead><tbody>")?;
    for row in rows {
        write_object_row(row, out)?;
    }
    writeln!(out, "</tbody></table></div></section>")
}

fn write_object_row(row: &ObjectRow, out: &mut dyn Write) -> io::Result<()> {
    let mut search = format!("{} {}", row.uri, sev_name(row.severity));
    for d in &row.detections {
        search.push_str(&format!(" {} {}", d.kind, d.category.as_str()));
    }
    write!(
        out,
        r#"<tr data-sev="{}" data-q="{}"><td class="path">{}</td><td data-v="{}">{}</td><td class="num" data-v="{}">{}</td><td>{}</td><td>{}</td><td class="num" data-v="{}">{}</td><td><ul class="dets">"#,
        sev_name(row.severity),
        escape(&search.to_lowercase()),
        escape(&row.uri),
        sev_rank(row.severity),
        badge(row.severity),
        row.findings,
        fmt_count(row.findings),
        row.status.as_str(),
        escape(&row.format),
        row.size,
        fmt_bytes(row.size)
    )?;
    for d in &row.detections {
        write!(
            out,
            r#"<li><span class="dot" style="background:{}"></span><code>{}</code> × {} <span class="muted">{}</span>"#,
            severity_color(Some(d.severity)),
            escape(&d.kind),
            fmt_count(d.count),
            d.category.as_str()
        )?;
        if !d.occurrences.is_empty() {
            write!(out, "<ul class=\"occ\">")?;
            for o in &d.occurrences {
                write!(
                    out,
                    r#"<li><span class="loc">{}</span> <code class="masked">{}</code></li>"#,
                    escape(&o.location),
                    escape(&o.masked)
                )?;
            }
            let listed = d.occurrences.len() as u64;
            if d.count > listed {
                write!(
                    out,
                    r#"<li class="muted">and {} more</li>"#,
                    fmt_count(d.count - listed)
                )?;
            }
            write!(out, "</ul>")?;
        }
        write!(out, "</li>")?;
    }
    writeln!(out, "</ul></td></tr>")
}

fn write_unread(r: &Report, out: &mut dyn Write) -> io::Result<()> {
    write!(out, "<section><h2>Objects not fully read</h2>")?;
    if r.unread_total == 0 {
        return writeln!(
            out,
            r#"<p class="empty">Every object was read whole.</p></section>"#
        );
    }
    write!(out, "<table class=\"sortable small\" id=\"by-reason\"><thead><tr><th>Reason</th><th data-desc>Objects</th></tr></thead><tbody>")?;
    for (code, n) in &r.by_reason {
        write!(
            out,
            r#"<tr><td><code>{code}</code></td><td class="num" data-v="{n}">{}</td></tr>"#,
            fmt_count(*n)
        )?;
    }
    write!(out, "</tbody></table>")?;
    if (r.unread.len() as u64) < r.unread_total {
        write!(
            out,
            r#"<p class="note" id="unread-capped">Showing the first {} of {} objects not fully read (<code>--max-rows</code> sets how many); the counts by reason cover all of them.</p>"#,
            fmt_count(r.unread.len() as u64),
            fmt_count(r.unread_total)
        )?;
    }
    write!(out, "<div class=\"scroll\"><table class=\"sortable\" id=\"unread\"><thead><tr><th>Object</th><th>Status</th><th data-desc>Size</th><th class=\"nosort\">Reasons</th></tr></thead><tbody>")?;
    for row in &r.unread {
        write_unread_row(row, out)?;
    }
    writeln!(out, "</tbody></table></div></section>")
}

fn write_unread_row(row: &UnreadRow, out: &mut dyn Write) -> io::Result<()> {
    write!(
        out,
        r#"<tr><td class="path">{}</td><td>{}</td><td class="num" data-v="{}">{}</td><td><ul class="reasons">"#,
        escape(&row.uri),
        row.status.as_str(),
        row.size,
        fmt_bytes(row.size)
    )?;
    for (code, member, message) in &row.reasons {
        write!(out, "<li><code>{code}</code>")?;
        if !member.is_empty() {
            write!(out, r#" <span class="loc">{}</span>"#, escape(member))?;
        }
        write!(
            out,
            r#" <span class="muted">{}</span></li>"#,
            escape(message)
        )?;
    }
    if row.more_reasons > 0 {
        write!(
            out,
            r#"<li class="muted">and {} more</li>"#,
            row.more_reasons
        )?;
    }
    writeln!(out, "</ul></td></tr>")
}
