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
    /// Bucket (`(local)` for files).
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
}

impl Store {
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
                    GroupBy::Bucket => "coalesce(f.bucket, '(local)')",
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
                })
            })?
            .collect::<rusqlite::Result<_>>()?;
        rows.sort_by(|a, b| b.findings.cmp(&a.findings).then(a.key.cmp(&b.key)));
        if limit > 0 {
            rows.truncate(limit);
        }
        Ok(rows)
    }
}
