//! Counts of findings and their occurrences, grouped (Macie's GetFindingStatistics).

use serde::Serialize;

use super::findings::{filter_sql, FindingFilter};
use super::store::Store;
use crate::error::Result;

/// What findings are counted by.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GroupBy {
    /// Identifier type (a finding with several types counts once under each).
    Type,
    /// Identifier category (likewise).
    Category,
    /// The finding's severity.
    Severity,
    /// Bucket (for files: the local target they were found in).
    Bucket,
    /// Account id.
    Account,
    /// Job id.
    Job,
}

impl GroupBy {
    /// Parses `type`, `category`, `severity`, `bucket`, `account` or `job`.
    pub fn parse(s: &str) -> Option<GroupBy> {
        Some(match s {
            "type" => GroupBy::Type,
            "category" => GroupBy::Category,
            "severity" => GroupBy::Severity,
            "bucket" => GroupBy::Bucket,
            "account" => GroupBy::Account,
            "job" => GroupBy::Job,
            _ => return None,
        })
    }
}

/// One group's counts.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct StatsRow {
    /// The group's value.
    pub key: String,
    /// Findings in the group.
    pub findings: u64,
    /// Occurrences in them (of the group's type or category, or of every type).
    pub occurrences: u64,
    /// By bucket: the bucket's cumulative sensitivity score (see [`crate::BucketScore`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sensitivity_score: Option<i64>,
    /// By bucket: objects analysed so far.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub objects_analysed: Option<u64>,
    /// By bucket: bytes analysed so far.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bytes_analysed: Option<u64>,
}

impl Store {
    /// Puts each bucket's score beside its counts; with no filter but the bucket, buckets
    /// without findings are listed too (their score says how much was analysed).
    fn add_scores(&self, filter: &FindingFilter, rows: &mut Vec<StatsRow>) -> Result<()> {
        let only_bucket = filter.job.is_none()
            && filter.run.is_none()
            && filter.key_prefix.is_none()
            && filter.kind.is_none()
            && filter.category.is_none()
            && filter.severity.is_none()
            && filter.max_severity.is_none()
            && filter.since.is_none();
        for s in self.bucket_scores(filter.bucket.as_deref())? {
            let i = match rows.iter().position(|r| r.key == s.bucket) {
                Some(i) => i,
                None if only_bucket => {
                    rows.push(StatsRow {
                        key: s.bucket.clone(),
                        findings: 0,
                        occurrences: 0,
                        sensitivity_score: None,
                        objects_analysed: None,
                        bytes_analysed: None,
                    });
                    rows.len() - 1
                }
                None => continue,
            };
            rows[i].sensitivity_score = Some(s.sensitivity_score);
            rows[i].objects_analysed = Some(s.objects_analysed);
            rows[i].bytes_analysed = Some(s.bytes_analysed);
        }
        Ok(())
    }

    /// Findings matching `filter` counted by `group`, largest first.
    pub fn finding_stats(&self, filter: &FindingFilter, group: GroupBy) -> Result<Vec<StatsRow>> {
        let mut filter = filter.clone();
        if let Some(v) = &filter.job {
            filter.job = Some(self.job(v).map(|j| j.id).unwrap_or_else(|_| v.clone()));
        }
        let (clause, args) = filter_sql(&filter);
        let sql = match group {
            GroupBy::Type | GroupBy::Category => {
                let column = if group == GroupBy::Type {
                    "d.type"
                } else {
                    "d.category"
                };
                format!(
                    "SELECT {column}, count(DISTINCT f.id), sum(d.count) FROM findings f
                     JOIN finding_detections d ON d.finding_id = f.id{clause} GROUP BY {column}"
                )
            }
            _ => {
                let column = match group {
                    GroupBy::Severity => "f.severity",
                    // A local file counts under the job target it was found in, as its score does.
                    GroupBy::Bucket => "coalesce(f.bucket, (SELECT o.bucket FROM bucket_objects o WHERE o.uri = f.uri LIMIT 1), '(local)')",
                    GroupBy::Account => "coalesce(json_extract(f.detail, '$.accountId'), '')",
                    _ => "f.job_id",
                };
                format!(
                    "SELECT {column}, count(*), sum(f.count) FROM findings f{clause} GROUP BY {column}"
                )
            }
        };
        let limit = filter.limit;
        let mut stmt = self.conn.prepare(&sql)?;
        let mut rows: Vec<StatsRow> = stmt
            .query_map(rusqlite::params_from_iter(args.iter()), |r| {
                Ok(StatsRow {
                    key: r.get(0)?,
                    findings: r.get::<_, i64>(1)? as u64,
                    occurrences: r.get::<_, Option<i64>>(2)?.unwrap_or(0) as u64,
                    sensitivity_score: None,
                    objects_analysed: None,
                    bytes_analysed: None,
                })
            })?
            .collect::<rusqlite::Result<_>>()?;
        if group == GroupBy::Bucket {
            self.add_scores(&filter, &mut rows)?;
        }
        rows.sort_by(|a, b| b.findings.cmp(&a.findings).then(a.key.cmp(&b.key)));
        if limit > 0 {
            rows.truncate(limit);
        }
        Ok(rows)
    }
}
