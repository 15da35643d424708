//! The schema and its migrations, and how times are stored.

use chrono::{DateTime, SecondsFormat, Utc};
use rusqlite::Transaction;

use crate::error::Result;

/// Schema migrations, in order; the database's `user_version` counts those applied.
pub(super) const MIGRATIONS: &[&str] = &[
    // 1: the first schema.
    r#"
    CREATE TABLE jobs (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        created_at TEXT NOT NULL,
        definition TEXT NOT NULL,
        status TEXT NOT NULL,
        next_run_at TEXT
    );
    CREATE TABLE runs (
        id TEXT PRIMARY KEY,
        job_id TEXT NOT NULL REFERENCES jobs(id),
        seq INTEGER NOT NULL,
        trigger TEXT NOT NULL,
        started_at TEXT NOT NULL,
        ended_at TEXT,
        status TEXT NOT NULL,
        incremental INTEGER NOT NULL,
        baseline_run_id TEXT,
        objects INTEGER NOT NULL DEFAULT 0,
        bytes INTEGER NOT NULL DEFAULT 0,
        findings_high INTEGER NOT NULL DEFAULT 0,
        findings_medium INTEGER NOT NULL DEFAULT 0,
        findings_low INTEGER NOT NULL DEFAULT 0,
        results_file INTEGER NOT NULL DEFAULT 1,
        results_offset INTEGER NOT NULL DEFAULT 0,
        results_records INTEGER NOT NULL DEFAULT 0,
        targets TEXT,
        summary TEXT,
        error TEXT
    );
    CREATE INDEX runs_job ON runs(job_id, seq);
    CREATE TABLE objects (
        job_id TEXT NOT NULL,
        uri TEXT NOT NULL,
        fingerprint TEXT NOT NULL,
        run_id TEXT NOT NULL,
        PRIMARY KEY (job_id, uri)
    ) WITHOUT ROWID;
    CREATE TABLE run_objects (
        run_id TEXT NOT NULL,
        uri TEXT NOT NULL,
        PRIMARY KEY (run_id, uri)
    ) WITHOUT ROWID;
    CREATE TABLE findings (
        id TEXT PRIMARY KEY,
        job_id TEXT NOT NULL,
        run_id TEXT NOT NULL,
        storage TEXT NOT NULL,
        bucket TEXT,
        key TEXT NOT NULL,
        uri TEXT NOT NULL,
        version_id TEXT,
        etag TEXT,
        finding_type TEXT NOT NULL,
        severity TEXT NOT NULL,
        count INTEGER NOT NULL,
        created_at TEXT NOT NULL,
        archived INTEGER NOT NULL DEFAULT 0,
        detail TEXT NOT NULL
    );
    CREATE INDEX findings_job ON findings(job_id, run_id);
    CREATE INDEX findings_time ON findings(created_at);
    CREATE TABLE finding_detections (
        finding_id TEXT NOT NULL REFERENCES findings(id),
        type TEXT NOT NULL,
        category TEXT NOT NULL,
        severity TEXT NOT NULL,
        count INTEGER NOT NULL,
        PRIMARY KEY (finding_id, type)
    ) WITHOUT ROWID;
    CREATE INDEX detections_type ON finding_detections(type);
    CREATE TABLE suppressions (
        id INTEGER PRIMARY KEY,
        created_at TEXT NOT NULL,
        job_id TEXT,
        type TEXT,
        category TEXT,
        bucket TEXT,
        key_prefix TEXT,
        severity TEXT
    );
    CREATE TABLE events (
        event_id TEXT PRIMARY KEY,
        finding_id TEXT NOT NULL,
        job_id TEXT NOT NULL,
        run_id TEXT NOT NULL,
        created_at TEXT NOT NULL,
        body TEXT NOT NULL
    );
    CREATE TABLE deliveries (
        event_id TEXT NOT NULL REFERENCES events(event_id),
        sink TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        delivered_at TEXT,
        last_error TEXT,
        PRIMARY KEY (event_id, sink)
    ) WITHOUT ROWID;
    CREATE INDEX deliveries_pending ON deliveries(sink, delivered_at);
    "#,
    // 2: rules with a life (name, action, author, edits) and what archived each finding;
    // the record of reveals; keyed hashes of found values; settings (the hash key).
    r#"
    ALTER TABLE suppressions ADD COLUMN name TEXT;
    ALTER TABLE suppressions ADD COLUMN description TEXT;
    ALTER TABLE suppressions ADD COLUMN action TEXT NOT NULL DEFAULT 'ARCHIVE';
    ALTER TABLE suppressions ADD COLUMN created_by TEXT;
    ALTER TABLE suppressions ADD COLUMN updated_at TEXT;
    CREATE TABLE finding_archives (
        finding_id TEXT NOT NULL,
        rule_id INTEGER NOT NULL,
        PRIMARY KEY (finding_id, rule_id)
    ) WITHOUT ROWID;
    CREATE INDEX finding_archives_rule ON finding_archives(rule_id);
    CREATE TABLE reveals (
        id INTEGER PRIMARY KEY,
        finding_id TEXT NOT NULL,
        revealed_at TEXT NOT NULL,
        revealed_by TEXT NOT NULL,
        outcome TEXT NOT NULL
    );
    CREATE INDEX reveals_finding ON reveals(finding_id);
    CREATE TABLE finding_values (
        finding_id TEXT NOT NULL,
        type TEXT NOT NULL,
        value_hash TEXT NOT NULL,
        PRIMARY KEY (finding_id, type, value_hash)
    ) WITHOUT ROWID;
    CREATE INDEX finding_values_hash ON finding_values(value_hash);
    CREATE TABLE bucket_objects (
        bucket TEXT NOT NULL,
        uri TEXT NOT NULL,
        bytes INTEGER NOT NULL,
        analysed INTEGER NOT NULL,
        types TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (bucket, uri)
    ) WITHOUT ROWID;
    CREATE INDEX bucket_objects_uri ON bucket_objects(uri);
    CREATE TABLE buckets (
        bucket TEXT PRIMARY KEY,
        excluded_types TEXT NOT NULL DEFAULT '',
        manual_score INTEGER,
        updated_at TEXT
    );
    CREATE TABLE settings (
        name TEXT PRIMARY KEY,
        value TEXT NOT NULL
    );
    "#,
    // 3: a run may be one shard (`K/N`) of a run split across processes or machines.
    r#"
    ALTER TABLE runs ADD COLUMN shard TEXT;
    "#,
];

/// The schema version this build writes.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// Now, as stored.
pub fn now_text(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// Parses a stored time.
pub fn parse_time(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|d| d.with_timezone(&Utc))
}

/// Applies the migrations after `version` (the database's `user_version`).
pub(super) fn migrate(tx: &Transaction<'_>, version: i64) -> Result<()> {
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(version as usize) {
        tx.execute_batch(sql)?;
        if i == 1 {
            // Findings archived under schema 1 get the marks of the rules that cover them.
            super::rules::backfill(tx)?;
        }
        tx.pragma_update(None, "user_version", i as i64 + 1)?;
    }
    Ok(())
}
