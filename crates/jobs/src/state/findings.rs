//! The `findings` and `finding_detections` tables.

use rusqlite::{params, Connection, Row, Transaction};
use serde::Serialize;
use trawl_identifiers::Severity;

use super::rules::{archived_by, mark_new, Suppression};
use super::store::Store;
use crate::error::{Error, Result};

/// A stored finding.
#[derive(Clone, Debug, Serialize)]
pub struct FindingRow {
    /// Finding id.
    pub id: String,
    /// Job.
    pub job_id: String,
    /// Run that found it.
    pub run_id: String,
    /// `local` or `s3`.
    pub storage: String,
    /// Bucket.
    pub bucket: Option<String>,
    /// Key.
    pub key: String,
    /// URI.
    pub uri: String,
    /// Version id.
    pub version_id: Option<String>,
    /// ETag.
    pub etag: Option<String>,
    /// Macie finding type.
    pub finding_type: String,
    /// `LOW`, `MEDIUM`, `HIGH`.
    #[serde(serialize_with = "severity_name")]
    pub severity: Severity,
    /// Occurrences over all types.
    pub count: u64,
    /// When found.
    pub created_at: String,
    /// Archived by a suppression rule.
    pub archived: bool,
    /// Detections: type -> (category, severity, count).
    pub detections: Vec<(String, String, String, u64)>,
    /// The Macie-shaped finding (the event's `detail`).
    pub detail: serde_json::Value,
}

/// What `findings list` selects.
#[derive(Clone, Debug, Default)]
pub struct FindingFilter {
    /// Job id.
    pub job: Option<String>,
    /// Run id.
    pub run: Option<String>,
    /// Bucket.
    pub bucket: Option<String>,
    /// Key prefix.
    pub key_prefix: Option<String>,
    /// Identifier type (or a Macie finding type when it holds a `:`).
    pub kind: Option<String>,
    /// Identifier category.
    pub category: Option<String>,
    /// This severity or higher.
    pub severity: Option<Severity>,
    /// Found at or after (RFC 3339).
    pub since: Option<String>,
    /// Include archived findings.
    pub archived: bool,
    /// At most this many (newest first); 0 = all.
    pub limit: usize,
    /// This severity or lower (a rule's severity).
    pub max_severity: Option<Severity>,
}

impl FindingFilter {
    /// Narrows the filter to what `rule` covers (a saved query); a field that both give
    /// differently is an error naming it.
    pub fn and_rule(mut self, rule: &Suppression) -> std::result::Result<FindingFilter, String> {
        fn merge(
            field: &str,
            mine: &mut Option<String>,
            theirs: &Option<String>,
        ) -> std::result::Result<(), String> {
            match (mine.as_ref(), theirs) {
                (Some(a), Some(b)) if !a.eq_ignore_ascii_case(b) => Err(format!(
                    "the rule selects {field} {b}, the command {a}: give one"
                )),
                (None, Some(b)) => {
                    *mine = Some(b.clone());
                    Ok(())
                }
                _ => Ok(()),
            }
        }
        merge("job", &mut self.job, &rule.job)?;
        merge("type", &mut self.kind, &rule.kind)?;
        merge("category", &mut self.category, &rule.category)?;
        merge("bucket", &mut self.bucket, &rule.bucket)?;
        merge("key prefix", &mut self.key_prefix, &rule.key_prefix)?;
        self.max_severity = match (self.max_severity, rule.severity) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        Ok(self)
    }
}

fn severity_name<S: serde::Serializer>(v: &Severity, s: S) -> std::result::Result<S::Ok, S::Error> {
    s.serialize_str(v.as_str())
}

fn parse_severity(text: &str, i: usize) -> rusqlite::Result<Severity> {
    Severity::parse(text).ok_or_else(|| {
        rusqlite::Error::FromSqlConversionFailure(
            i,
            rusqlite::types::Type::Text,
            format!("unknown severity {text:?}").into(),
        )
    })
}

/// A finding with its event, written in a batch.
#[derive(Debug)]
pub struct NewFinding {
    /// The finding.
    pub finding: FindingRow,
    /// Event id.
    pub event_id: String,
    /// Event body (JSON).
    pub event: String,
    /// (type, keyed hash) of the values found, for grouping by value.
    pub values: Vec<(String, String)>,
}

fn map_finding(r: &Row<'_>) -> rusqlite::Result<FindingRow> {
    let detail: String = r.get("detail")?;
    let archived = r.get::<_, i64>("archived")? != 0;
    let mut detail: serde_json::Value =
        serde_json::from_str(&detail).unwrap_or(serde_json::Value::Null);
    if let Some(o) = detail.as_object_mut() {
        o.insert("archived".into(), serde_json::Value::Bool(archived));
    }
    Ok(FindingRow {
        id: r.get("id")?,
        job_id: r.get("job_id")?,
        run_id: r.get("run_id")?,
        storage: r.get("storage")?,
        bucket: r.get("bucket")?,
        key: r.get("key")?,
        uri: r.get("uri")?,
        version_id: r.get("version_id")?,
        etag: r.get("etag")?,
        finding_type: r.get("finding_type")?,
        severity: parse_severity(
            &r.get::<_, String>("severity")?,
            r.as_ref().column_index("severity")?,
        )?,
        count: r.get::<_, i64>("count")? as u64,
        created_at: r.get("created_at")?,
        archived,
        detections: Vec::new(),
        detail,
    })
}

/// The `WHERE` clause (over `findings f`) and its arguments for a filter; `job` is a job id.
pub(super) fn filter_sql(f: &FindingFilter) -> (String, Vec<String>) {
    let mut sql = String::from(" WHERE 1=1");
    let mut args: Vec<String> = Vec::new();
    let mut arg = |sql: &mut String, clause: &str, v: String| {
        args.push(v);
        sql.push_str(&clause.replace('?', &format!("?{}", args.len())));
    };
    if let Some(v) = &f.job {
        arg(&mut sql, " AND f.job_id = ?", v.clone());
    }
    if let Some(v) = &f.run {
        arg(&mut sql, " AND f.run_id = ?", v.clone());
    }
    if let Some(v) = &f.bucket {
        arg(&mut sql, " AND f.bucket = ?", v.clone());
    }
    if let Some(v) = &f.key_prefix {
        arg(&mut sql, " AND substr(f.key, 1, length(?)) = ?", v.clone());
    }
    if let Some(v) = &f.kind {
        if v.contains(':') {
            arg(&mut sql, " AND f.finding_type = ?", v.clone());
        } else {
            arg(
                    &mut sql,
                    " AND EXISTS (SELECT 1 FROM finding_detections d WHERE d.finding_id = f.id AND d.type = ?)",
                    v.clone(),
                );
        }
    }
    if let Some(v) = &f.category {
        arg(
                &mut sql,
                " AND EXISTS (SELECT 1 FROM finding_detections d WHERE d.finding_id = f.id AND d.category = ?)",
                v.to_ascii_uppercase(),
            );
    }
    if f.severity.is_some() || f.max_severity.is_some() {
        let allowed: Vec<&str> = [Severity::Low, Severity::Medium, Severity::High]
            .into_iter()
            .filter(|s| f.severity.is_none_or(|v| *s >= v))
            .filter(|s| f.max_severity.is_none_or(|v| *s <= v))
            .map(Severity::as_str)
            .collect();
        sql.push_str(&format!(
            " AND f.severity IN ({})",
            allowed
                .iter()
                .map(|s| format!("'{s}'"))
                .collect::<Vec<_>>()
                .join(",")
        ));
    }
    if let Some(v) = &f.since {
        arg(&mut sql, " AND f.created_at >= ?", v.clone());
    }
    if !f.archived {
        sql.push_str(" AND f.archived = 0");
    }
    (sql, args)
}

/// Findings matching a filter (its `job` an id), newest first, with their detections.
pub(super) fn select(conn: &Connection, f: &FindingFilter) -> Result<Vec<FindingRow>> {
    let (clause, args) = filter_sql(f);
    let mut sql = format!("SELECT * FROM findings f{clause} ORDER BY f.created_at DESC, f.id");
    if f.limit > 0 {
        sql.push_str(&format!(" LIMIT {}", f.limit));
    }
    let mut stmt = conn.prepare(&sql)?;
    let mut rows: Vec<FindingRow> = stmt
        .query_map(rusqlite::params_from_iter(args.iter()), map_finding)?
        .collect::<rusqlite::Result<_>>()?;
    for r in &mut rows {
        r.detections = detections(conn, &r.id)?;
    }
    Ok(rows)
}

fn detections(conn: &Connection, finding_id: &str) -> Result<Vec<(String, String, String, u64)>> {
    let mut stmt = conn.prepare_cached(
        "SELECT type, category, severity, count FROM finding_detections WHERE finding_id = ?1 ORDER BY type",
    )?;
    let rows = stmt
        .query_map(params![finding_id], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get::<_, i64>(3)? as u64))
        })?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}

impl Store {
    /// Findings matching a filter (its `job` an id or a name), newest first.
    pub fn findings(&self, f: &FindingFilter) -> Result<Vec<FindingRow>> {
        let mut f = f.clone();
        if let Some(v) = &f.job {
            f.job = Some(self.job(v).map(|j| j.id).unwrap_or_else(|_| v.clone()));
        }
        select(&self.conn, &f)
    }

    /// A finding by id (or a unique prefix).
    pub fn finding(&self, id: &str) -> Result<FindingRow> {
        let like = format!("{}%", id.replace(['%', '_'], ""));
        let mut stmt = self
            .conn
            .prepare("SELECT * FROM findings WHERE id LIKE ?1 LIMIT 2")?;
        let mut rows: Vec<FindingRow> = stmt
            .query_map(params![like], map_finding)?
            .collect::<rusqlite::Result<_>>()?;
        if rows.len() != 1 {
            return Err(Error::NotFound(format!("a unique finding {id}")));
        }
        let mut f = rows.remove(0);
        f.detections = detections(&self.conn, &f.id)?;
        Ok(f)
    }
}

impl Store {
    /// Stores a policy (posture) finding, or updates it when it is already stored (the same
    /// job, bucket and type keep one id): its run, severity and detail follow the latest check,
    /// its creation and archive state stay. A new one is archived when a rule covers it.
    /// Returns whether it is archived.
    pub fn upsert_policy_finding(&mut self, f: &FindingRow, rules: &[Suppression]) -> Result<bool> {
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let existing: Option<bool> = tx
            .query_row(
                "SELECT archived FROM findings WHERE id = ?1",
                params![f.id],
                |r| r.get(0),
            )
            .ok();
        let archived = match existing {
            Some(archived) => {
                tx.execute(
                    "UPDATE findings SET run_id = ?2, severity = ?3, detail = ?4 WHERE id = ?1",
                    params![
                        f.id,
                        f.run_id,
                        f.severity.as_str(),
                        serde_json::to_string(&f.detail)?
                    ],
                )?;
                tx.execute(
                    "UPDATE finding_detections SET severity = ?2 WHERE finding_id = ?1",
                    params![f.id, f.severity.as_str()],
                )?;
                archived
            }
            None => {
                let archived = archived_by(rules, f);
                tx.execute(
                    "INSERT INTO findings (id, job_id, run_id, storage, bucket, key, uri, version_id, etag, finding_type, severity, count, created_at, archived, detail)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, NULL, NULL, ?8, ?9, ?10, ?11, 0, ?12)",
                    params![
                        f.id, f.job_id, f.run_id, f.storage, f.bucket, f.key, f.uri, f.finding_type,
                        f.severity.as_str(), f.count as i64, f.created_at,
                        serde_json::to_string(&f.detail)?
                    ],
                )?;
                for (kind, category, severity, count) in &f.detections {
                    tx.execute(
                        "INSERT OR IGNORE INTO finding_detections (finding_id, type, category, severity, count) VALUES (?1, ?2, ?3, ?4, ?5)",
                        params![f.id, kind, category, severity, *count as i64],
                    )?;
                }
                mark_new(&tx, f, rules)?;
                archived
            }
        };
        tx.commit()?;
        Ok(archived)
    }
}

pub(super) fn insert_finding(
    tx: &Transaction<'_>,
    nf: &NewFinding,
    sinks: &[String],
    rules: &[Suppression],
) -> Result<()> {
    let f = &nf.finding;
    let archived = archived_by(rules, f);
    let added = tx.execute(
        "INSERT OR IGNORE INTO findings (id, job_id, run_id, storage, bucket, key, uri, version_id, etag, finding_type, severity, count, created_at, archived, detail)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
        params![
            f.id, f.job_id, f.run_id, f.storage, f.bucket, f.key, f.uri, f.version_id, f.etag,
            f.finding_type, f.severity.as_str(), f.count as i64, f.created_at, archived as i64,
            serde_json::to_string(&f.detail)?
        ],
    )?;
    if added == 0 {
        return Ok(());
    }
    for (kind, category, severity, count) in &f.detections {
        tx.execute(
            "INSERT OR IGNORE INTO finding_detections (finding_id, type, category, severity, count) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![f.id, kind, category, severity, *count as i64],
        )?;
    }
    for (kind, hash) in &nf.values {
        tx.execute(
            "INSERT OR IGNORE INTO finding_values (finding_id, type, value_hash) VALUES (?1, ?2, ?3)",
            params![f.id, kind, hash],
        )?;
    }
    if archived {
        return mark_new(tx, f, rules);
    }
    tx.execute(
        "INSERT OR IGNORE INTO events (event_id, finding_id, job_id, run_id, created_at, body) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![nf.event_id, f.id, f.job_id, f.run_id, f.created_at, nf.event],
    )?;
    for s in sinks {
        tx.execute(
            "INSERT OR IGNORE INTO deliveries (event_id, sink) VALUES (?1, ?2)",
            params![nf.event_id, s],
        )?;
    }
    Ok(())
}
