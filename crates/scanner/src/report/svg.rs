//! Inline SVG charts: a donut and horizontal bars. Labels are escaped; nothing is fetched.

use std::fmt::Write;

use super::html::{escape, fmt_count};

/// One slice or bar: label, value, fill colour (a CSS colour the caller controls).
pub(super) struct Item<'a> {
    pub label: &'a str,
    pub value: u64,
    pub color: &'a str,
}

/// A donut of `items` with `center` (e.g. the total) written in its hole. An empty donut
/// (every value 0) is a grey ring.
pub(super) fn donut(items: &[Item], center: &str, caption: &str) -> String {
    let total: u64 = items.iter().map(|i| i.value).sum();
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg class="donut" viewBox="0 0 42 42" width="180" height="180" role="img" aria-label="{}">"#,
        escape(caption)
    );
    s.push_str(
        r##"<circle cx="21" cy="21" r="15.915" fill="none" stroke="#e5e7eb" stroke-width="6"/>"##,
    );
    // r = 15.915 makes the circumference 100: dash lengths are percentages.
    let mut offset = 25.0_f64;
    for item in items.iter().filter(|i| i.value > 0) {
        let pct = item.value as f64 * 100.0 / total as f64;
        let _ = write!(
            s,
            r#"<circle cx="21" cy="21" r="15.915" fill="none" stroke="{}" stroke-width="6" stroke-dasharray="{:.3} {:.3}" stroke-dashoffset="{:.3}"><title>{}: {}</title></circle>"#,
            item.color,
            pct,
            100.0 - pct,
            offset,
            escape(item.label),
            fmt_count(item.value)
        );
        offset -= pct;
    }
    // The hole is 24 wide: long totals get a smaller font.
    let size = (26.0 / center.chars().count().max(1) as f64).min(7.0);
    let _ = write!(
        s,
        r#"<text x="21" y="{:.2}" text-anchor="middle" class="donut-n" font-size="{size:.2}">{}</text></svg>"#,
        21.0 + size * 0.35,
        escape(center)
    );
    s
}

/// Horizontal bars, one per item, the longest `BAR` wide, each labelled and valued.
pub(super) fn bars(items: &[Item], caption: &str) -> String {
    const LABEL: f64 = 215.0;
    const BAR: f64 = 150.0;
    const ROW: f64 = 24.0;
    let max = items.iter().map(|i| i.value).max().unwrap_or(0).max(1);
    let height = ROW * items.len().max(1) as f64 + 4.0;
    let width = LABEL + BAR + 76.0;
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg class="bars" viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" aria-label="{}">"#,
        escape(caption)
    );
    if items.is_empty() {
        s.push_str(r#"<text x="0" y="16" class="muted">none</text>"#);
    }
    for (n, item) in items.iter().enumerate() {
        let y = ROW * n as f64 + 2.0;
        let w = (item.value as f64 / max as f64 * BAR).max(1.0);
        let label = short(item.label, 28);
        let _ = write!(
            s,
            r#"<g><title>{}: {}</title><text x="{:.1}" y="{:.1}" text-anchor="end" class="bar-label">{}</text><rect x="{LABEL}" y="{:.1}" width="{w:.1}" height="{:.1}" rx="3" fill="{}"/><text x="{:.1}" y="{:.1}" class="bar-value">{}</text></g>"#,
            escape(item.label),
            fmt_count(item.value),
            LABEL - 8.0,
            y + 15.0,
            escape(&label),
            y + 3.0,
            ROW - 8.0,
            item.color,
            LABEL + w + 6.0,
            y + 15.0,
            fmt_count(item.value)
        );
    }
    s.push_str("</svg>");
    s
}

/// `s` cut to `n` characters with an ellipsis.
fn short(s: &str, n: usize) -> String {
    match s.char_indices().nth(n) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_string(),
    }
}
