//! A run's statistics per target, and the sensitivity score Macie gives a bucket.

use std::collections::BTreeMap;

use serde::Serialize;
use trawl_identifiers::Severity;
use trawl_scanner::{ResultRecord, Status, Target};

/// Per-target statistics of a run.
#[derive(Clone, Debug, Default, Serialize, serde::Deserialize)]
pub struct TargetStats {
    /// The target.
    pub target: String,
    /// Objects with a result record.
    pub objects: u64,
    /// Their bytes.
    pub bytes: u64,
    /// Bytes of extracted content scanned.
    pub bytes_scanned: u64,
    /// Objects with findings, by severity.
    pub objects_with_findings: BTreeMap<String, u64>,
    /// Objects skipped (nothing read), by reason code.
    pub skipped: BTreeMap<String, u64>,
    /// Objects partly read, by reason code.
    pub partial: BTreeMap<String, u64>,
    /// Identifier types found, by objects.
    pub types: BTreeMap<String, u64>,
    /// Whether the target could not be listed.
    pub error: Option<String>,
    /// Sensitivity score on Macie's scale (see [`sensitivity_score`]).
    pub sensitivity_score: i64,
}

impl TargetStats {
    /// Counts a result record.
    pub(crate) fn add(&mut self, r: &ResultRecord) {
        self.objects += 1;
        self.bytes += r.object.size;
        self.bytes_scanned += r.bytes_scanned;
        if let Some(s) = r.severity {
            *self
                .objects_with_findings
                .entry(s.as_str().to_string())
                .or_default() += 1;
        }
        let into = match r.status {
            Status::Skipped => Some(&mut self.skipped),
            Status::Partial => Some(&mut self.partial),
            Status::Complete => None,
        };
        if let Some(map) = into {
            let code = r
                .reasons
                .first()
                .map(|x| x.code.as_str().to_string())
                .unwrap_or_default();
            *map.entry(code).or_default() += 1;
        }
        for d in &r.detections {
            *self.types.entry(d.kind.clone()).or_default() += 1;
        }
        self.sensitivity_score = sensitivity_score(self);
    }
}

/// A sensitivity score on Macie's scale: `-1` nothing could be analysed (every object
/// skipped, or the target failed); `50` nothing analysed yet (no objects); `1..=49` not
/// sensitive (lower when more of the objects were analysed: 1 when all were, or the target
/// is empty after a run); `51..=99` sensitive, rising with the share of analysed objects
/// that hold findings, the share of those that are HIGH, and the share analysed.
pub fn sensitivity_score(t: &TargetStats) -> i64 {
    if t.error.is_some() && t.objects == 0 {
        return -1;
    }
    let with: u64 = t.objects_with_findings.values().sum();
    let high = *t
        .objects_with_findings
        .get(Severity::High.as_str())
        .unwrap_or(&0);
    score(ScoreInput {
        objects: t.objects,
        skipped: t.skipped.values().sum(),
        sensitive: with,
        high,
    })
}

/// What a sensitivity score is computed from.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ScoreInput {
    /// Objects seen.
    pub objects: u64,
    /// Of them, objects that could not be analysed at all.
    pub skipped: u64,
    /// Analysed objects with sensitive data (of the counted types).
    pub sensitive: u64,
    /// Of those, objects with HIGH severity data.
    pub high: u64,
}

/// The score on Macie's scale: `50` no objects yet; `-1` none could be analysed; `1..=49`
/// nothing sensitive found, `49 - round(48 * analysed / objects)` (1 when every object was
/// analysed); `51..=99` sensitive data found, `51 + round(48 * x)` with
/// `x = 0.5 * sqrt(sensitive / analysed) + 0.25 * high / sensitive + 0.25 * analysed / objects`.
pub fn score(i: ScoreInput) -> i64 {
    if i.objects == 0 {
        return 50;
    }
    let analysed = i.objects.saturating_sub(i.skipped);
    if analysed == 0 {
        return -1;
    }
    let share_analysed = analysed as f64 / i.objects as f64;
    if i.sensitive == 0 {
        return (49.0 - (48.0 * share_analysed).round()).clamp(1.0, 49.0) as i64;
    }
    let share_sensitive = i.sensitive as f64 / analysed as f64;
    let share_high = i.high as f64 / i.sensitive as f64;
    let x = 0.5 * share_sensitive.min(1.0).sqrt() + 0.25 * share_high + 0.25 * share_analysed;
    (51.0 + (48.0 * x).round()).clamp(51.0, 99.0) as i64
}

/// The index of the target a record belongs to: the one with the longest matching prefix.
pub(crate) fn target_index(targets: &[Target], r: &ResultRecord) -> usize {
    let uri = &r.object.uri;
    let mut best: Option<(usize, usize)> = None;
    for (i, t) in targets.iter().enumerate() {
        let prefix = match t {
            Target::Local(p) => format!("file://{}", p.display()),
            Target::S3(s) => format!("s3://{}/{}", s.bucket.as_deref().unwrap_or(""), s.prefix),
            Target::Stdin => "file:///dev/stdin".to_string(),
        };
        if uri.starts_with(&prefix) && best.is_none_or(|(_, l)| prefix.len() > l) {
            best = Some((i, prefix.len()));
        }
    }
    best.map(|b| b.0).unwrap_or(0)
}
