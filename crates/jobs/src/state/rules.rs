//! Suppression rules (the `suppressions` table) and what archived each finding
//! (`finding_archives`): a finding is archived while at least one mark holds it, a rule's or
//! one set by hand (rule id 0). So deleting a rule unarchives exactly what only it archived,
//! and editing one re-evaluates its own marks, as Macie's findings filters do.

use chrono::{DateTime, Utc};
use rusqlite::{params, Row, Transaction, TransactionBehavior};
use serde::Serialize;
use trawl_identifiers::Severity;

use super::findings::{FindingFilter, FindingRow};
use super::schema::now_text;
use super::store::Store;
use crate::error::{Error, Result};

/// The mark of a finding archived by hand (`findings archive ID`), not by a rule.
const BY_HAND: i64 = 0;

/// What a rule does with the findings it covers.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum RuleAction {
    /// Archive them (existing and future) and publish no events for them.
    #[default]
    Archive,
    /// Nothing: the rule only saves a query (`findings list --rule ID`).
    Noop,
}

impl RuleAction {
    /// As stored and shown: `ARCHIVE` or `NOOP`.
    pub fn as_str(self) -> &'static str {
        match self {
            RuleAction::Archive => "ARCHIVE",
            RuleAction::Noop => "NOOP",
        }
    }

    /// Parses [`RuleAction::as_str`]'s spelling (any case).
    pub fn parse(s: &str) -> Option<RuleAction> {
        match s.to_ascii_uppercase().as_str() {
            "ARCHIVE" => Some(RuleAction::Archive),
            "NOOP" => Some(RuleAction::Noop),
            _ => None,
        }
    }
}

text_value!(RuleAction, "rule action");

/// A suppression rule: findings matching every given field are archived and not published
/// (action `ARCHIVE`), or only selected (`NOOP`).
#[derive(Clone, Debug, Default, Serialize)]
pub struct Suppression {
    /// Rule id.
    pub id: i64,
    /// A name for people.
    pub name: Option<String>,
    /// Why the rule exists.
    pub description: Option<String>,
    /// What the rule does.
    pub action: RuleAction,
    /// Job id.
    pub job: Option<String>,
    /// Identifier type.
    pub kind: Option<String>,
    /// Category.
    pub category: Option<String>,
    /// Bucket.
    pub bucket: Option<String>,
    /// Key prefix.
    pub key_prefix: Option<String>,
    /// This severity or lower.
    #[serde(serialize_with = "severity_text")]
    pub severity: Option<Severity>,
    /// When it was made (RFC 3339; set by the store).
    pub created_at: String,
    /// Who made it (the operating-system user, or what the caller says).
    pub created_by: String,
    /// When it was last edited.
    pub updated_at: Option<String>,
    /// Findings it archives now (set when read from the store).
    pub archived_findings: u64,
}

fn severity_text<S: serde::Serializer>(
    v: &Option<Severity>,
    s: S,
) -> std::result::Result<S::Ok, S::Error> {
    v.map(Severity::as_str).serialize(s)
}

impl Suppression {
    /// Whether the rule covers a finding.
    pub fn matches(&self, f: &FindingRow) -> bool {
        self.job.as_ref().is_none_or(|j| *j == f.job_id)
            && self
                .bucket
                .as_ref()
                .is_none_or(|b| f.bucket.as_ref() == Some(b))
            && self
                .key_prefix
                .as_ref()
                .is_none_or(|p| f.key.starts_with(p.as_str()))
            && self
                .kind
                .as_ref()
                .is_none_or(|k| *k == f.finding_type || f.detections.iter().any(|d| d.0 == *k))
            && self
                .category
                .as_ref()
                .is_none_or(|c| f.detections.iter().any(|d| d.1.eq_ignore_ascii_case(c)))
            && self.severity.as_ref().is_none_or(|s| f.severity <= *s)
    }

    /// Whether the rule selects nothing by itself (no field given): such a rule would cover
    /// every finding, and is refused.
    pub fn is_empty(&self) -> bool {
        self.job.is_none()
            && self.kind.is_none()
            && self.category.is_none()
            && self.bucket.is_none()
            && self.key_prefix.is_none()
            && self.severity.is_none()
    }

    fn archives(&self) -> bool {
        self.action == RuleAction::Archive
    }
}

fn map_rule(r: &Row<'_>) -> rusqlite::Result<Suppression> {
    let severity = match r.get::<_, Option<String>>("severity")? {
        None => None,
        Some(text) => Some(Severity::parse(&text).ok_or_else(|| {
            rusqlite::Error::FromSqlConversionFailure(
                0,
                rusqlite::types::Type::Text,
                format!("unknown severity {text:?}").into(),
            )
        })?),
    };
    Ok(Suppression {
        id: r.get("id")?,
        name: r.get("name")?,
        description: r.get("description")?,
        action: r.get("action")?,
        job: r.get("job_id")?,
        kind: r.get("type")?,
        category: r.get("category")?,
        bucket: r.get("bucket")?,
        key_prefix: r.get("key_prefix")?,
        severity,
        created_at: r.get("created_at")?,
        created_by: r
            .get::<_, Option<String>>("created_by")?
            .unwrap_or_default(),
        updated_at: r.get("updated_at")?,
        archived_findings: r.get::<_, i64>("archived_findings")? as u64,
    })
}

const SELECT_RULES: &str = "SELECT s.*, (SELECT count(*) FROM finding_archives a WHERE a.rule_id = s.id) AS archived_findings FROM suppressions s";

/// Sets each finding's `archived` flag from its marks.
fn refresh(tx: &Transaction<'_>, ids: &[String]) -> Result<()> {
    let mut stmt = tx.prepare_cached(
        "UPDATE findings SET archived = EXISTS (SELECT 1 FROM finding_archives a WHERE a.finding_id = findings.id) WHERE id = ?1",
    )?;
    for id in ids {
        stmt.execute(params![id])?;
    }
    Ok(())
}

/// Marks findings as archived by `rule_id`; their undelivered events are dropped.
fn mark(tx: &Transaction<'_>, rule_id: i64, ids: &[String]) -> Result<()> {
    for id in ids {
        tx.execute(
            "INSERT OR IGNORE INTO finding_archives (finding_id, rule_id) VALUES (?1, ?2)",
            params![id, rule_id],
        )?;
        tx.execute(
            "DELETE FROM deliveries WHERE delivered_at IS NULL AND event_id IN (SELECT event_id FROM events WHERE finding_id = ?1)",
            params![id],
        )?;
    }
    refresh(tx, ids)
}

/// Removes a rule's marks; returns the findings that are no longer archived at all.
fn unmark_rule(tx: &Transaction<'_>, rule_id: i64) -> Result<usize> {
    let ids: Vec<String> = {
        let mut stmt = tx.prepare("SELECT finding_id FROM finding_archives WHERE rule_id = ?1")?;
        let rows = stmt
            .query_map(params![rule_id], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        rows
    };
    tx.execute(
        "DELETE FROM finding_archives WHERE rule_id = ?1",
        params![rule_id],
    )?;
    refresh(tx, &ids)?;
    count_unarchived(tx, &ids)
}

/// How many of `ids` are not archived.
fn count_unarchived(tx: &Transaction<'_>, ids: &[String]) -> Result<usize> {
    let mut stmt = tx.prepare_cached("SELECT archived FROM findings WHERE id = ?1")?;
    let mut n = 0;
    for id in ids {
        let archived: bool = stmt.query_row(params![id], |r| r.get(0))?;
        n += usize::from(!archived);
    }
    Ok(n)
}

/// The marks a new finding gets from the rules that cover it (inside the batch that inserts it).
pub(super) fn mark_new(tx: &Transaction<'_>, f: &FindingRow, rules: &[Suppression]) -> Result<()> {
    let ids = [f.id.clone()];
    for r in rules.iter().filter(|r| r.archives() && r.matches(f)) {
        mark(tx, r.id, &ids)?;
    }
    Ok(())
}

/// Whether any archiving rule covers a finding.
pub(super) fn archived_by(rules: &[Suppression], f: &FindingRow) -> bool {
    rules.iter().any(|r| r.archives() && r.matches(f))
}

/// Gives marks to findings archived before marks existed (schema 1): each to every rule
/// that covers it, else to "by hand".
pub(super) fn backfill(tx: &Transaction<'_>) -> Result<()> {
    let rules: Vec<Suppression> = {
        let mut stmt = tx.prepare(&format!("{SELECT_RULES} ORDER BY id"))?;
        let rows = stmt
            .query_map([], map_rule)?
            .collect::<rusqlite::Result<_>>()?;
        rows
    };
    let archived: Vec<FindingRow> = super::findings::select(
        tx,
        &FindingFilter {
            archived: true,
            ..Default::default()
        },
    )?
    .into_iter()
    .filter(|f| f.archived)
    .collect();
    for f in &archived {
        let mut any = false;
        for r in rules.iter().filter(|r| r.archives() && r.matches(f)) {
            tx.execute(
                "INSERT OR IGNORE INTO finding_archives (finding_id, rule_id) VALUES (?1, ?2)",
                params![f.id, r.id],
            )?;
            any = true;
        }
        if !any {
            tx.execute(
                "INSERT OR IGNORE INTO finding_archives (finding_id, rule_id) VALUES (?1, ?2)",
                params![f.id, BY_HAND],
            )?;
        }
    }
    Ok(())
}

/// A rule with no field would cover every finding: refused.
fn require_fields(rule: &Suppression) -> Result<()> {
    if rule.is_empty() {
        return Err(Error::NotFound(
            "a rule field: give at least one of job, type, category, bucket, key prefix, severity"
                .into(),
        ));
    }
    Ok(())
}

impl Store {
    /// Adds a rule (its `id`, `created_at` and `updated_at` are set here) and, for an
    /// `ARCHIVE` rule, archives the findings it covers; returns the rule id and how many
    /// findings it archived. Their undelivered events are dropped.
    pub fn add_suppression(
        &mut self,
        rule: &Suppression,
        now: DateTime<Utc>,
    ) -> Result<(i64, usize)> {
        require_fields(rule)?;
        let covered = self.covered(rule)?;
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute(
            "INSERT INTO suppressions (created_at, created_by, name, description, action, job_id, type, category, bucket, key_prefix, severity)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
            params![now_text(now), rule.created_by, rule.name, rule.description, rule.action,
                    rule.job, rule.kind, rule.category, rule.bucket, rule.key_prefix,
                    rule.severity.map(Severity::as_str)],
        )?;
        let id = tx.last_insert_rowid();
        if rule.archives() {
            mark(&tx, id, &covered)?;
        }
        tx.commit()?;
        Ok((id, if rule.archives() { covered.len() } else { 0 }))
    }

    /// The ids of the findings a rule covers now (archived or not).
    fn covered(&self, rule: &Suppression) -> Result<Vec<String>> {
        Ok(self
            .findings(&FindingFilter {
                job: rule.job.clone(),
                archived: true,
                ..Default::default()
            })?
            .into_iter()
            .filter(|f| rule.matches(f))
            .map(|f| f.id)
            .collect())
    }

    /// Every suppression rule, oldest first.
    pub fn suppressions(&self) -> Result<Vec<Suppression>> {
        let mut stmt = self.conn.prepare(&format!("{SELECT_RULES} ORDER BY id"))?;
        let rows = stmt
            .query_map([], map_rule)?
            .collect::<rusqlite::Result<_>>()?;
        Ok(rows)
    }

    /// One rule.
    pub fn suppression(&self, id: i64) -> Result<Suppression> {
        let mut stmt = self
            .conn
            .prepare(&format!("{SELECT_RULES} WHERE s.id = ?1"))?;
        let mut rows = stmt.query_map(params![id], map_rule)?;
        match rows.next() {
            Some(r) => Ok(r?),
            None => Err(Error::NotFound(format!("suppression rule {id}"))),
        }
    }

    /// Replaces a rule's fields (all but its id and creation) and re-evaluates what it
    /// archives; returns (findings it archives now, findings no longer archived by anything).
    pub fn update_suppression(
        &mut self,
        rule: &Suppression,
        now: DateTime<Utc>,
    ) -> Result<(usize, usize)> {
        self.suppression(rule.id)?;
        require_fields(rule)?;
        let covered = self.covered(rule)?;
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute(
            "UPDATE suppressions SET name = ?2, description = ?3, action = ?4, job_id = ?5, type = ?6, category = ?7,
             bucket = ?8, key_prefix = ?9, severity = ?10, updated_at = ?11 WHERE id = ?1",
            params![rule.id, rule.name, rule.description, rule.action, rule.job, rule.kind,
                    rule.category, rule.bucket, rule.key_prefix,
                    rule.severity.map(Severity::as_str), now_text(now)],
        )?;
        let before: Vec<String> = {
            let mut stmt =
                tx.prepare("SELECT finding_id FROM finding_archives WHERE rule_id = ?1")?;
            let rows = stmt
                .query_map(params![rule.id], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?;
            rows
        };
        unmark_rule(&tx, rule.id)?;
        if rule.archives() {
            mark(&tx, rule.id, &covered)?;
        }
        let freed = count_unarchived(&tx, &before)?;
        tx.commit()?;
        Ok((if rule.archives() { covered.len() } else { 0 }, freed))
    }

    /// Deletes a rule; returns how many findings it was the only reason to archive (they are
    /// unarchived).
    pub fn delete_suppression(&mut self, id: i64) -> Result<usize> {
        self.suppression(id)?;
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let freed = unmark_rule(&tx, id)?;
        tx.execute("DELETE FROM suppressions WHERE id = ?1", params![id])?;
        tx.commit()?;
        Ok(freed)
    }

    /// Archives one finding by hand.
    pub fn archive_finding(&mut self, id: &str) -> Result<FindingRow> {
        let f = self.finding(id)?;
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        mark(&tx, BY_HAND, std::slice::from_ref(&f.id))?;
        tx.commit()?;
        self.finding(&f.id)
    }

    /// Unarchives one finding: every mark on it goes, by hand and by rules. (A rule that is
    /// edited later archives it again if it still covers it.)
    pub fn unarchive_finding(&mut self, id: &str) -> Result<FindingRow> {
        let f = self.finding(id)?;
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute(
            "DELETE FROM finding_archives WHERE finding_id = ?1",
            params![f.id],
        )?;
        refresh(&tx, std::slice::from_ref(&f.id))?;
        tx.commit()?;
        self.finding(&f.id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A database archived under schema 1 (no marks) gets each archived finding's marks from
    /// the rules covering it, else a mark "by hand", so deleting the rule still unarchives.
    #[test]
    fn schema_1_archives_get_their_rules_marks() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.db");
        {
            let mut conn = rusqlite::Connection::open(&path).unwrap();
            let tx = conn.transaction().unwrap();
            tx.execute_batch(super::super::schema::MIGRATIONS[0])
                .unwrap();
            tx.pragma_update(None, "user_version", 1).unwrap();
            for (id, key) in [("f1", "cards/a.txt"), ("f2", "other/b.txt")] {
                tx.execute(
                    "INSERT INTO findings (id, job_id, run_id, storage, key, uri, finding_type, severity, count, created_at, archived, detail)
                     VALUES (?1, 'j', 'r', 'local', ?2, ?2, 'SensitiveData:S3Object/Financial', 'HIGH', 1, '2026-01-01T00:00:00.000Z', 1, '{}')",
                    params![id, key],
                )
                .unwrap();
            }
            tx.execute(
                "INSERT INTO suppressions (created_at, key_prefix) VALUES ('2026-01-01T00:00:00.000Z', 'cards/')",
                [],
            )
            .unwrap();
            tx.commit().unwrap();
        }
        let mut store = Store::open(&path).unwrap();
        let rule = store.suppressions().unwrap().remove(0);
        assert_eq!(rule.action, RuleAction::Archive);
        assert_eq!(rule.archived_findings, 1);
        assert_eq!(store.delete_suppression(rule.id).unwrap(), 1);
        assert!(!store.finding("f1").unwrap().archived);
        // f2 was archived by nothing a rule says: it stays, as archived by hand.
        assert!(store.finding("f2").unwrap().archived);
        assert!(!store.unarchive_finding("f2").unwrap().archived);
    }
}
