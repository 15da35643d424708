//! A sensitivity score per bucket that moves only when the data does (Macie's semantics).
//!
//! Every object a job reads leaves its latest state in `bucket_objects` (analysed or not, the
//! identifier types found with their severities), keyed by bucket (for local targets: the
//! target's path) and object. An unchanged object scanned again rewrites the same row, and an
//! incremental run that skips unchanged objects keeps theirs, so the score is cumulative over
//! every job and run: a re-run changes it only where objects changed. Per bucket, `buckets`
//! keeps the identifier types left out of the score and a manual override (100, "sensitive").
//! The formula is [`crate::score`]'s.

use rusqlite::{params, OptionalExtension, Transaction};
use serde::Serialize;
use trawl_identifiers::Severity;

use super::schema::now_text;
use super::store::Store;
use crate::error::{Error, Result};
use crate::stats::{score, ScoreInput};

/// An object's latest state for its bucket's score.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BucketObject {
    /// The bucket (or a local target's path).
    pub bucket: String,
    /// Size.
    pub bytes: u64,
    /// Whether any of it was analysed (not SKIPPED).
    pub analysed: bool,
    /// Identifier types found, with their severities.
    pub types: Vec<(String, Severity)>,
}

/// A bucket's cumulative sensitivity.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct BucketScore {
    /// The bucket (or a local target's path).
    pub bucket: String,
    /// The score: -1, 1-49, 50, 51-99, or 100 when set by hand.
    pub sensitivity_score: i64,
    /// The score computed from the data (what the override hides).
    pub calculated_score: i64,
    /// Whether the score was set by hand.
    pub overridden: bool,
    /// Objects seen so far.
    pub objects: u64,
    /// Of them, analysed (not skipped).
    pub objects_analysed: u64,
    /// Bytes of the analysed objects.
    pub bytes_analysed: u64,
    /// Analysed objects with sensitive data of the counted types.
    pub objects_sensitive: u64,
    /// Identifier types left out of the score.
    pub excluded_types: Vec<String>,
}

pub(super) fn record_object(tx: &Transaction<'_>, uri: &str, o: &BucketObject) -> Result<()> {
    let types: Vec<String> = o
        .types
        .iter()
        .map(|(t, s)| format!("{t}:{}", s.as_str()))
        .collect();
    tx.execute(
        "INSERT INTO bucket_objects (bucket, uri, bytes, analysed, types, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (bucket, uri) DO UPDATE SET bytes = excluded.bytes, analysed = excluded.analysed,
         types = excluded.types, updated_at = excluded.updated_at",
        params![o.bucket, uri, o.bytes as i64, o.analysed, types.join(","), now_text(chrono::Utc::now())],
    )?;
    Ok(())
}

fn split_types(text: &str) -> Vec<String> {
    text.split(',')
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

impl Store {
    /// Every bucket's score, highest first; or one bucket's.
    pub fn bucket_scores(&self, only: Option<&str>) -> Result<Vec<BucketScore>> {
        let mut stmt = self.conn.prepare(
            "SELECT o.bucket, o.bytes, o.analysed, o.types, b.excluded_types, b.manual_score
             FROM bucket_objects o LEFT JOIN buckets b ON b.bucket = o.bucket
             WHERE ?1 IS NULL OR o.bucket = ?1 ORDER BY o.bucket",
        )?;
        let mut rows = stmt.query(params![only])?;
        let mut out: Vec<(BucketScore, ScoreInput, Option<i64>)> = Vec::new();
        while let Some(r) = rows.next()? {
            let bucket: String = r.get(0)?;
            if out.last().is_none_or(|(s, _, _)| s.bucket != bucket) {
                let excluded = split_types(&r.get::<_, Option<String>>(4)?.unwrap_or_default());
                out.push((
                    BucketScore {
                        bucket,
                        sensitivity_score: 0,
                        calculated_score: 0,
                        overridden: false,
                        objects: 0,
                        objects_analysed: 0,
                        bytes_analysed: 0,
                        objects_sensitive: 0,
                        excluded_types: excluded,
                    },
                    ScoreInput::default(),
                    r.get(5)?,
                ));
            }
            let Some((s, input, _)) = out.last_mut() else {
                continue;
            };
            let analysed: bool = r.get(2)?;
            s.objects += 1;
            input.objects += 1;
            if !analysed {
                input.skipped += 1;
                continue;
            }
            s.objects_analysed += 1;
            s.bytes_analysed += r.get::<_, i64>(1)? as u64;
            let types: String = r.get(3)?;
            let counted: Vec<&str> = types
                .split(',')
                .filter(|t| {
                    t.split_once(':')
                        .is_some_and(|(name, _)| !s.excluded_types.iter().any(|e| e == name))
                })
                .collect();
            if !counted.is_empty() {
                input.sensitive += 1;
                s.objects_sensitive += 1;
                if counted.iter().any(|t| t.ends_with(":HIGH")) {
                    input.high += 1;
                }
            }
        }
        let mut scores: Vec<BucketScore> = out
            .into_iter()
            .map(|(mut s, input, manual)| {
                s.calculated_score = score(input);
                s.overridden = manual.is_some();
                s.sensitivity_score = manual.unwrap_or(s.calculated_score);
                s
            })
            .collect();
        if let Some(b) = only {
            if scores.is_empty() {
                // A bucket with no objects yet (perhaps only settings): no data yet.
                let (excluded, manual) = self.bucket_settings(b)?;
                scores.push(BucketScore {
                    bucket: b.to_string(),
                    sensitivity_score: manual.unwrap_or(50),
                    calculated_score: 50,
                    overridden: manual.is_some(),
                    objects: 0,
                    objects_analysed: 0,
                    bytes_analysed: 0,
                    objects_sensitive: 0,
                    excluded_types: excluded,
                });
            }
        }
        scores.sort_by(|a, b| {
            b.sensitivity_score
                .cmp(&a.sensitivity_score)
                .then_with(|| a.bucket.cmp(&b.bucket))
        });
        Ok(scores)
    }

    /// When an object of each bucket (or local target) was last read, by any job: the newest
    /// time its objects' latest state was recorded. An incremental run that leaves an
    /// unchanged object unread does not move it.
    pub fn bucket_last_scans(
        &self,
    ) -> Result<std::collections::HashMap<String, chrono::DateTime<chrono::Utc>>> {
        let mut stmt = self
            .conn
            .prepare("SELECT bucket, max(updated_at) FROM bucket_objects GROUP BY bucket")?;
        let rows = stmt.query_map([], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, Option<String>>(1)?))
        })?;
        let mut out = std::collections::HashMap::new();
        for row in rows {
            let (bucket, at) = row?;
            if let Some(t) = at.as_deref().and_then(super::schema::parse_time) {
                out.insert(bucket, t);
            }
        }
        Ok(out)
    }

    fn bucket_settings(&self, bucket: &str) -> Result<(Vec<String>, Option<i64>)> {
        let row: Option<(String, Option<i64>)> = self
            .conn
            .query_row(
                "SELECT excluded_types, manual_score FROM buckets WHERE bucket = ?1",
                params![bucket],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        Ok(row.map(|(e, m)| (split_types(&e), m)).unwrap_or_default())
    }

    /// Changes a bucket's score settings: types to leave out or count again, and the manual
    /// override (`Some(Some(100))` sets it, `Some(None)` removes it); returns its score.
    pub fn set_bucket_score(
        &mut self,
        bucket: &str,
        exclude: &[String],
        include: &[String],
        manual: Option<Option<i64>>,
    ) -> Result<BucketScore> {
        if let Some(Some(v)) = manual {
            if v != 100 {
                return Err(Error::NotFound(format!(
                    "a manual score {v}: only 100 (sensitive) can be set by hand; --reset goes back to the calculated score"
                )));
            }
        }
        let (mut excluded, mut current) = self.bucket_settings(bucket)?;
        for t in exclude {
            if !excluded.contains(t) {
                excluded.push(t.clone());
            }
        }
        excluded.retain(|t| !include.contains(t));
        excluded.sort();
        if let Some(m) = manual {
            current = m;
        }
        self.conn.execute(
            "INSERT INTO buckets (bucket, excluded_types, manual_score, updated_at) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (bucket) DO UPDATE SET excluded_types = excluded.excluded_types,
             manual_score = excluded.manual_score, updated_at = excluded.updated_at",
            params![bucket, excluded.join(","), current, now_text(chrono::Utc::now())],
        )?;
        self.bucket_scores(Some(bucket))?
            .into_iter()
            .next()
            .ok_or_else(|| Error::NotFound(format!("bucket {bucket}")))
    }
}
