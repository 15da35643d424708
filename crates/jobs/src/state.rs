//! The state database: one SQLite file (WAL) with versioned migrations. Jobs, runs, the
//! object state behind incremental runs, findings, suppression rules and the event outbox.
//! Several processes may open one file; a job is run by one process at a time (a lock file).

use std::collections::BTreeMap;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};
use rusqlite::{params, Connection, OptionalExtension, Row, Transaction, TransactionBehavior};
use serde::Serialize;

use crate::definition::JobDefinition;
use crate::error::{Error, Result};

/// Schema migrations, in order; the database's `user_version` counts those applied.
const MIGRATIONS: &[&str] = &[
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
];

/// The schema version this build writes.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// Job statuses, Macie's spellings.
pub mod status {
    /// A run is in progress.
    pub const RUNNING: &str = "RUNNING";
    /// Paused by a quota (not used by trawl today).
    pub const PAUSED: &str = "PAUSED";
    /// Paused by the user: no scheduled runs until resumed.
    pub const USER_PAUSED: &str = "USER_PAUSED";
    /// Cancelled by the user, for good.
    pub const CANCELLED: &str = "CANCELLED";
    /// A one-time job that has run.
    pub const COMPLETE: &str = "COMPLETE";
    /// A scheduled job between runs.
    pub const IDLE: &str = "IDLE";
}

/// Run statuses.
pub mod run_status {
    /// In progress, or killed (then the next run of the job resumes it).
    pub const RUNNING: &str = "RUNNING";
    /// Stopped cleanly before the end (SIGTERM, pause); the next run resumes it.
    pub const INTERRUPTED: &str = "INTERRUPTED";
    /// Every object in scope was scanned.
    pub const COMPLETE: &str = "COMPLETE";
    /// The job was cancelled during the run.
    pub const CANCELLED: &str = "CANCELLED";
    /// The run stopped on an error.
    pub const FAILED: &str = "FAILED";
}

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

/// A stored job.
#[derive(Clone, Debug, Serialize)]
pub struct JobRow {
    /// Id (32 hex digits).
    pub id: String,
    /// Name.
    pub name: String,
    /// When it was created.
    pub created_at: String,
    /// Job status.
    pub status: String,
    /// When the daemon runs it next.
    pub next_run_at: Option<String>,
    /// The definition.
    pub definition: JobDefinition,
}

/// A stored run.
#[derive(Clone, Debug, Serialize)]
pub struct RunRow {
    /// Run id.
    pub id: String,
    /// Job id.
    pub job_id: String,
    /// 1 for the job's first run, ...
    pub seq: i64,
    /// `manual`, `schedule`.
    pub trigger: String,
    /// Start.
    pub started_at: String,
    /// End.
    pub ended_at: Option<String>,
    /// Run status.
    pub status: String,
    /// Whether it scanned only new and changed objects.
    pub incremental: bool,
    /// The run it compared against.
    pub baseline_run_id: Option<String>,
    /// Objects with a result record.
    pub objects: u64,
    /// Their bytes.
    pub bytes: u64,
    /// Objects with findings, by severity.
    pub findings: BTreeMap<String, u64>,
    /// Results file number being written.
    pub results_file: u64,
    /// Committed length of that file.
    pub results_offset: u64,
    /// Records in that file.
    pub results_records: u64,
    /// Per-target statistics (JSON).
    pub targets: Option<serde_json::Value>,
    /// The run summary (JSON), when it ended.
    pub summary: Option<serde_json::Value>,
    /// The error that stopped it.
    pub error: Option<String>,
}

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
    pub severity: String,
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
    pub severity: Option<String>,
    /// Found at or after (RFC 3339).
    pub since: Option<String>,
    /// Include archived findings.
    pub archived: bool,
    /// At most this many (newest first); 0 = all.
    pub limit: usize,
}

/// A suppression rule: findings matching every given field are archived and not published.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Suppression {
    /// Rule id.
    pub id: i64,
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
    pub severity: Option<String>,
}

/// Severity rank (LOW 1, MEDIUM 2, HIGH 3).
pub fn severity_rank(s: &str) -> u8 {
    match s.to_ascii_uppercase().as_str() {
        "LOW" => 1,
        "MEDIUM" => 2,
        "HIGH" => 3,
        _ => 0,
    }
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
            && self
                .severity
                .as_ref()
                .is_none_or(|s| severity_rank(&f.severity) <= severity_rank(s))
    }
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
}

/// One scanned object in a batch.
#[derive(Debug)]
pub struct BatchObject {
    /// URI.
    pub uri: String,
    /// Fingerprint to remember for incremental runs; `None` to scan it again next time.
    pub fingerprint: Option<String>,
    /// Size.
    pub size: u64,
    /// Severity of its findings.
    pub severity: Option<String>,
    /// Its finding, if any.
    pub finding: Option<NewFinding>,
}

/// An event waiting for a sink.
#[derive(Clone, Debug)]
pub struct PendingEvent {
    /// Event id.
    pub event_id: String,
    /// Body.
    pub body: String,
    /// Attempts so far.
    pub attempts: u32,
}

/// An exclusive hold on running a job; released on drop (and by the OS if the process dies).
#[derive(Debug)]
pub struct RunLock {
    _file: File,
}

/// The state database.
pub struct Store {
    conn: Connection,
    path: PathBuf,
}

fn map_run(r: &Row<'_>) -> rusqlite::Result<RunRow> {
    let mut findings = BTreeMap::new();
    findings.insert("HIGH".to_string(), r.get::<_, i64>("findings_high")? as u64);
    findings.insert(
        "MEDIUM".to_string(),
        r.get::<_, i64>("findings_medium")? as u64,
    );
    findings.insert("LOW".to_string(), r.get::<_, i64>("findings_low")? as u64);
    let json = |s: Option<String>| s.and_then(|s| serde_json::from_str(&s).ok());
    Ok(RunRow {
        id: r.get("id")?,
        job_id: r.get("job_id")?,
        seq: r.get("seq")?,
        trigger: r.get("trigger")?,
        started_at: r.get("started_at")?,
        ended_at: r.get("ended_at")?,
        status: r.get("status")?,
        incremental: r.get::<_, i64>("incremental")? != 0,
        baseline_run_id: r.get("baseline_run_id")?,
        objects: r.get::<_, i64>("objects")? as u64,
        bytes: r.get::<_, i64>("bytes")? as u64,
        findings,
        results_file: r.get::<_, i64>("results_file")? as u64,
        results_offset: r.get::<_, i64>("results_offset")? as u64,
        results_records: r.get::<_, i64>("results_records")? as u64,
        targets: json(r.get("targets")?),
        summary: json(r.get("summary")?),
        error: r.get("error")?,
    })
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
        severity: r.get("severity")?,
        count: r.get::<_, i64>("count")? as u64,
        created_at: r.get("created_at")?,
        archived,
        detections: Vec::new(),
        detail,
    })
}

impl Store {
    /// Opens (creating it and its directory if needed) and migrates the state database.
    pub fn open(path: &Path) -> Result<Store> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        }
        let mut conn = Connection::open(path)?;
        conn.busy_timeout(Duration::from_secs(30))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let version: i64 = tx.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        if version > SCHEMA_VERSION {
            return Err(Error::SchemaTooNew {
                path: path.to_path_buf(),
                found: version,
                known: SCHEMA_VERSION,
            });
        }
        for (i, sql) in MIGRATIONS.iter().enumerate().skip(version as usize) {
            tx.execute_batch(sql)?;
            tx.pragma_update(None, "user_version", i as i64 + 1)?;
        }
        tx.commit()?;
        Ok(Store {
            conn,
            path: path.to_path_buf(),
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The schema version of the open database.
    pub fn schema_version(&self) -> Result<i64> {
        Ok(self
            .conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))?)
    }

    /// Takes the run lock of a job, or fails with [`Error::Locked`].
    pub fn lock_job(&self, job_id: &str) -> Result<RunLock> {
        let mut dir = self.path.clone().into_os_string();
        dir.push(".locks");
        let dir = PathBuf::from(dir);
        std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
        let path = dir.join(format!("{job_id}.lock"));
        let file = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|e| Error::io(&path, e))?;
        match file.try_lock() {
            Ok(()) => Ok(RunLock { _file: file }),
            Err(std::fs::TryLockError::WouldBlock) => Err(Error::Locked(job_id.to_string())),
            Err(std::fs::TryLockError::Error(e)) => Err(Error::io(&path, e)),
        }
    }

    // ----- jobs -----

    /// Stores a new job.
    pub fn create_job(
        &self,
        def: &JobDefinition,
        now: DateTime<Utc>,
        next_run_at: Option<DateTime<Utc>>,
    ) -> Result<JobRow> {
        let id = uuid::Uuid::new_v4().simple().to_string();
        let row = JobRow {
            id,
            name: def.name.clone(),
            created_at: now_text(now),
            status: status::IDLE.into(),
            next_run_at: next_run_at.map(now_text),
            definition: def.clone(),
        };
        self.conn.execute(
            "INSERT INTO jobs (id, name, created_at, definition, status, next_run_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![row.id, row.name, row.created_at, serde_json::to_string(def)?, row.status, row.next_run_at],
        )?;
        Ok(row)
    }

    fn map_job(r: &Row<'_>) -> rusqlite::Result<(JobRow, String)> {
        let def: String = r.get("definition")?;
        Ok((
            JobRow {
                id: r.get("id")?,
                name: r.get("name")?,
                created_at: r.get("created_at")?,
                status: r.get("status")?,
                next_run_at: r.get("next_run_at")?,
                definition: JobDefinition::default(),
            },
            def,
        ))
    }

    fn finish_job(row: (JobRow, String)) -> Result<JobRow> {
        let (mut job, def) = row;
        job.definition = serde_json::from_str(&def)?;
        Ok(job)
    }

    /// A job by id (or a unique id prefix, or its exact name).
    pub fn job(&self, id: &str) -> Result<JobRow> {
        let mut stmt = self
            .conn
            .prepare("SELECT * FROM jobs WHERE id = ?1 OR name = ?1 OR id LIKE ?2")?;
        let like = format!("{}%", id.replace(['%', '_'], ""));
        let rows: Vec<(JobRow, String)> = stmt
            .query_map(params![id, like], Self::map_job)?
            .collect::<rusqlite::Result<_>>()?;
        // An exact id first, then a unique name, then a unique id prefix.
        let pick = |want: &dyn Fn(&JobRow) -> bool| -> Vec<usize> {
            (0..rows.len()).filter(|&i| want(&rows[i].0)).collect()
        };
        let exact = pick(&|j| j.id == id);
        let named = pick(&|j| j.name == id);
        let prefixed = pick(&|j| j.id.starts_with(id));
        let chosen = if let [i] = exact.as_slice() {
            *i
        } else if let [i] = named.as_slice() {
            *i
        } else if named.len() > 1 {
            return Err(Error::NotFound(format!(
                "a unique job {id} ({} jobs have that name: use the id)",
                named.len()
            )));
        } else if let [i] = prefixed.as_slice() {
            *i
        } else if prefixed.is_empty() {
            return Err(Error::NotFound(format!("job {id}")));
        } else {
            return Err(Error::NotFound(format!(
                "a unique job {id} ({} ids start with it)",
                prefixed.len()
            )));
        };
        let row = rows
            .into_iter()
            .nth(chosen)
            .ok_or_else(|| Error::NotFound(format!("job {id}")))?;
        Self::finish_job(row)
    }

    /// Every job, oldest first.
    pub fn jobs(&self) -> Result<Vec<JobRow>> {
        let mut stmt = self
            .conn
            .prepare("SELECT * FROM jobs ORDER BY created_at, id")?;
        let rows: Vec<(JobRow, String)> = stmt
            .query_map([], Self::map_job)?
            .collect::<rusqlite::Result<_>>()?;
        rows.into_iter().map(Self::finish_job).collect()
    }

    /// Sets a job's status.
    pub fn set_job_status(&self, id: &str, status: &str) -> Result<()> {
        self.conn.execute(
            "UPDATE jobs SET status = ?2 WHERE id = ?1",
            params![id, status],
        )?;
        Ok(())
    }

    /// Sets a job's status only when it is one of `from`; returns whether it changed.
    pub fn change_job_status(&self, id: &str, from: &[&str], to: &str) -> Result<bool> {
        let job = self.job(id)?;
        if !from.contains(&job.status.as_str()) {
            return Ok(false);
        }
        let n = self.conn.execute(
            "UPDATE jobs SET status = ?3 WHERE id = ?1 AND status = ?2",
            params![job.id, job.status, to],
        )?;
        Ok(n == 1)
    }

    /// Sets when the daemon runs a job next.
    pub fn set_next_run(&self, id: &str, at: Option<DateTime<Utc>>) -> Result<()> {
        self.conn.execute(
            "UPDATE jobs SET next_run_at = ?2 WHERE id = ?1",
            params![id, at.map(now_text)],
        )?;
        Ok(())
    }

    // ----- runs -----

    /// The job's unfinished run (killed or interrupted), if any.
    pub fn unfinished_run(&self, job_id: &str) -> Result<Option<RunRow>> {
        Ok(self
            .conn
            .query_row(
                "SELECT * FROM runs WHERE job_id = ?1 AND status IN ('RUNNING', 'INTERRUPTED') ORDER BY seq DESC LIMIT 1",
                params![job_id],
                map_run,
            )
            .optional()?)
    }

    /// The job's last complete run.
    pub fn last_complete_run(&self, job_id: &str) -> Result<Option<RunRow>> {
        Ok(self
            .conn
            .query_row(
                "SELECT * FROM runs WHERE job_id = ?1 AND status = 'COMPLETE' ORDER BY seq DESC LIMIT 1",
                params![job_id],
                map_run,
            )
            .optional()?)
    }

    /// Starts a run.
    pub fn create_run(
        &self,
        job_id: &str,
        trigger: &str,
        incremental: bool,
        baseline: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<RunRow> {
        let seq: i64 = self.conn.query_row(
            "SELECT COALESCE(MAX(seq), 0) + 1 FROM runs WHERE job_id = ?1",
            params![job_id],
            |r| r.get(0),
        )?;
        let id = trawl_scanner::new_run_id();
        self.conn.execute(
            "INSERT INTO runs (id, job_id, seq, trigger, started_at, status, incremental, baseline_run_id) VALUES (?1, ?2, ?3, ?4, ?5, 'RUNNING', ?6, ?7)",
            params![id, job_id, seq, trigger, now_text(now), incremental as i64, baseline],
        )?;
        self.run(&id)
    }

    /// A run by id.
    pub fn run(&self, id: &str) -> Result<RunRow> {
        self.conn
            .query_row("SELECT * FROM runs WHERE id = ?1", params![id], map_run)
            .optional()?
            .ok_or_else(|| Error::NotFound(format!("run {id}")))
    }

    /// A job's runs, oldest first.
    pub fn runs(&self, job_id: &str) -> Result<Vec<RunRow>> {
        let mut stmt = self
            .conn
            .prepare("SELECT * FROM runs WHERE job_id = ?1 ORDER BY seq")?;
        let rows = stmt
            .query_map(params![job_id], map_run)?
            .collect::<rusqlite::Result<_>>()?;
        Ok(rows)
    }

    /// Marks a run as resumed (status back to RUNNING).
    pub fn reopen_run(&self, id: &str) -> Result<()> {
        self.conn.execute(
            "UPDATE runs SET status = 'RUNNING', ended_at = NULL WHERE id = ?1",
            params![id],
        )?;
        Ok(())
    }

    /// Ends a run.
    pub fn end_run(
        &self,
        id: &str,
        status: &str,
        now: DateTime<Utc>,
        summary: Option<&serde_json::Value>,
        error: Option<&str>,
    ) -> Result<()> {
        let summary = summary.map(serde_json::to_string).transpose()?;
        self.conn.execute(
            "UPDATE runs SET status = ?2, ended_at = ?3, summary = COALESCE(?4, summary), error = ?5 WHERE id = ?1",
            params![id, status, now_text(now), summary, error],
        )?;
        // The objects a run recorded are needed only to resume it.
        if status != run_status::RUNNING && status != run_status::INTERRUPTED {
            self.conn
                .execute("DELETE FROM run_objects WHERE run_id = ?1", params![id])?;
        }
        Ok(())
    }

    /// Starts a new results file for a run (after a rotation).
    pub fn set_results_file(&self, run_id: &str, file: u64) -> Result<()> {
        self.conn.execute(
            "UPDATE runs SET results_file = ?2, results_offset = 0, results_records = 0 WHERE id = ?1",
            params![run_id, file as i64],
        )?;
        Ok(())
    }

    // ----- objects -----

    /// The fingerprints remembered for a job's objects.
    pub fn fingerprints(&self, job_id: &str) -> Result<std::collections::HashMap<String, String>> {
        let mut stmt = self
            .conn
            .prepare("SELECT uri, fingerprint FROM objects WHERE job_id = ?1")?;
        let rows = stmt
            .query_map(params![job_id], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        Ok(rows)
    }

    /// The objects already recorded by a run.
    pub fn run_objects(&self, run_id: &str) -> Result<std::collections::HashSet<String>> {
        let mut stmt = self
            .conn
            .prepare("SELECT uri FROM run_objects WHERE run_id = ?1")?;
        let rows = stmt
            .query_map(params![run_id], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        Ok(rows)
    }

    /// Commits a batch of scanned objects in one transaction: the objects, their findings
    /// (archived when a rule covers them) and their events for each sink, the run's counters
    /// and results position.
    #[allow(clippy::too_many_arguments)]
    pub fn commit_batch(
        &mut self,
        job_id: &str,
        run_id: &str,
        objects: &[BatchObject],
        sinks: &[String],
        rules: &[Suppression],
        results: (u64, u64, u64),
        targets: &serde_json::Value,
    ) -> Result<()> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let (mut objs, mut bytes, mut high, mut medium, mut low) = (0i64, 0i64, 0i64, 0i64, 0i64);
        for o in objects {
            let added = tx.execute(
                "INSERT OR IGNORE INTO run_objects (run_id, uri) VALUES (?1, ?2)",
                params![run_id, o.uri],
            )?;
            if added == 0 {
                continue;
            }
            objs += 1;
            bytes += o.size as i64;
            match o.severity.as_deref() {
                Some("HIGH") => high += 1,
                Some("MEDIUM") => medium += 1,
                Some("LOW") => low += 1,
                _ => {}
            }
            if let Some(fp) = &o.fingerprint {
                tx.execute(
                    "INSERT INTO objects (job_id, uri, fingerprint, run_id) VALUES (?1, ?2, ?3, ?4)
                     ON CONFLICT (job_id, uri) DO UPDATE SET fingerprint = excluded.fingerprint, run_id = excluded.run_id",
                    params![job_id, o.uri, fp, run_id],
                )?;
            }
            if let Some(nf) = &o.finding {
                insert_finding(&tx, nf, sinks, rules)?;
            }
        }
        tx.execute(
            "UPDATE runs SET objects = objects + ?2, bytes = bytes + ?3, findings_high = findings_high + ?4,
             findings_medium = findings_medium + ?5, findings_low = findings_low + ?6,
             results_file = ?7, results_offset = ?8, results_records = ?9, targets = ?10 WHERE id = ?1",
            params![
                run_id,
                objs,
                bytes,
                high,
                medium,
                low,
                results.0 as i64,
                results.1 as i64,
                results.2 as i64,
                serde_json::to_string(targets)?
            ],
        )?;
        tx.commit()?;
        Ok(())
    }

    // ----- findings -----

    /// Findings matching a filter, newest first.
    pub fn findings(&self, f: &FindingFilter) -> Result<Vec<FindingRow>> {
        let mut sql = String::from("SELECT * FROM findings f WHERE 1=1");
        let mut args: Vec<String> = Vec::new();
        let mut arg = |sql: &mut String, clause: &str, v: String| {
            args.push(v);
            sql.push_str(&clause.replace('?', &format!("?{}", args.len())));
        };
        if let Some(v) = &f.job {
            let id = self.job(v).map(|j| j.id).unwrap_or_else(|_| v.clone());
            arg(&mut sql, " AND f.job_id = ?", id);
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
        if let Some(v) = &f.severity {
            let allowed: Vec<&str> = ["LOW", "MEDIUM", "HIGH"]
                .into_iter()
                .filter(|s| severity_rank(s) >= severity_rank(v))
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
        sql.push_str(" ORDER BY f.created_at DESC, f.id");
        if f.limit > 0 {
            sql.push_str(&format!(" LIMIT {}", f.limit));
        }
        let mut stmt = self.conn.prepare(&sql)?;
        let mut rows: Vec<FindingRow> = stmt
            .query_map(rusqlite::params_from_iter(args.iter()), map_finding)?
            .collect::<rusqlite::Result<_>>()?;
        for r in &mut rows {
            r.detections = self.detections(&r.id)?;
        }
        Ok(rows)
    }

    fn detections(&self, finding_id: &str) -> Result<Vec<(String, String, String, u64)>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT type, category, severity, count FROM finding_detections WHERE finding_id = ?1 ORDER BY type",
        )?;
        let rows = stmt
            .query_map(params![finding_id], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get::<_, i64>(3)? as u64))
            })?
            .collect::<rusqlite::Result<_>>()?;
        Ok(rows)
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
        f.detections = self.detections(&f.id)?;
        Ok(f)
    }

    /// Adds a suppression rule and archives the findings it covers; returns the rule id and
    /// how many findings it archived. Their undelivered events are dropped.
    pub fn add_suppression(
        &mut self,
        rule: &Suppression,
        now: DateTime<Utc>,
    ) -> Result<(i64, usize)> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute(
            "INSERT INTO suppressions (created_at, job_id, type, category, bucket, key_prefix, severity) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![now_text(now), rule.job, rule.kind, rule.category, rule.bucket, rule.key_prefix, rule.severity],
        )?;
        let id = tx.last_insert_rowid();
        tx.commit()?;
        let all = self.findings(&FindingFilter {
            job: rule.job.clone(),
            ..Default::default()
        })?;
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut n = 0;
        for f in all.iter().filter(|f| rule.matches(f)) {
            tx.execute(
                "UPDATE findings SET archived = 1 WHERE id = ?1",
                params![f.id],
            )?;
            tx.execute(
                "DELETE FROM deliveries WHERE delivered_at IS NULL AND event_id IN (SELECT event_id FROM events WHERE finding_id = ?1)",
                params![f.id],
            )?;
            n += 1;
        }
        tx.commit()?;
        Ok((id, n))
    }

    /// Every suppression rule.
    pub fn suppressions(&self) -> Result<Vec<Suppression>> {
        let mut stmt = self.conn.prepare(
            "SELECT id, job_id, type, category, bucket, key_prefix, severity FROM suppressions ORDER BY id",
        )?;
        let rows = stmt
            .query_map([], |r| {
                Ok(Suppression {
                    id: r.get(0)?,
                    job: r.get(1)?,
                    kind: r.get(2)?,
                    category: r.get(3)?,
                    bucket: r.get(4)?,
                    key_prefix: r.get(5)?,
                    severity: r.get(6)?,
                })
            })?
            .collect::<rusqlite::Result<_>>()?;
        Ok(rows)
    }

    // ----- events -----

    /// Events a sink has not yet received, oldest first.
    pub fn pending_events(&self, job_id: &str, sink: &str) -> Result<Vec<PendingEvent>> {
        let mut stmt = self.conn.prepare(
            "SELECT e.event_id, e.body, d.attempts FROM deliveries d JOIN events e ON e.event_id = d.event_id
             WHERE e.job_id = ?1 AND d.sink = ?2 AND d.delivered_at IS NULL ORDER BY e.created_at, e.event_id",
        )?;
        let rows = stmt
            .query_map(params![job_id, sink], |r| {
                Ok(PendingEvent {
                    event_id: r.get(0)?,
                    body: r.get(1)?,
                    attempts: r.get::<_, i64>(2)? as u32,
                })
            })?
            .collect::<rusqlite::Result<_>>()?;
        Ok(rows)
    }

    /// Records the outcome of delivering an event to a sink.
    pub fn delivery_result(
        &self,
        event_id: &str,
        sink: &str,
        attempts: u32,
        result: &std::result::Result<(), String>,
        now: DateTime<Utc>,
    ) -> Result<()> {
        match result {
            Ok(()) => self.conn.execute(
                "UPDATE deliveries SET attempts = attempts + ?3, delivered_at = ?4, last_error = NULL WHERE event_id = ?1 AND sink = ?2",
                params![event_id, sink, attempts, now_text(now)],
            )?,
            Err(e) => self.conn.execute(
                "UPDATE deliveries SET attempts = attempts + ?3, last_error = ?4 WHERE event_id = ?1 AND sink = ?2",
                params![event_id, sink, attempts, e],
            )?,
        };
        Ok(())
    }

    /// Puts an event in the outbox for each sink (once: an event id already there is kept).
    pub fn enqueue_event(
        &mut self,
        job_id: &str,
        run_id: &str,
        finding_id: &str,
        event_id: &str,
        body: &str,
        sinks: &[String],
    ) -> Result<()> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute(
            "INSERT OR IGNORE INTO events (event_id, finding_id, job_id, run_id, created_at, body) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![event_id, finding_id, job_id, run_id, now_text(Utc::now()), body],
        )?;
        for s in sinks {
            tx.execute(
                "INSERT OR IGNORE INTO deliveries (event_id, sink) VALUES (?1, ?2)",
                params![event_id, s],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Counts of events per sink: (delivered, pending).
    pub fn delivery_counts(&self, job_id: &str) -> Result<BTreeMap<String, (u64, u64)>> {
        let mut stmt = self.conn.prepare(
            "SELECT d.sink, SUM(d.delivered_at IS NOT NULL), SUM(d.delivered_at IS NULL) FROM deliveries d
             JOIN events e ON e.event_id = d.event_id WHERE e.job_id = ?1 GROUP BY d.sink",
        )?;
        let rows = stmt
            .query_map(params![job_id], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    (r.get::<_, i64>(1)? as u64, r.get::<_, i64>(2)? as u64),
                ))
            })?
            .collect::<rusqlite::Result<_>>()?;
        Ok(rows)
    }
}

fn insert_finding(
    tx: &Transaction<'_>,
    nf: &NewFinding,
    sinks: &[String],
    rules: &[Suppression],
) -> Result<()> {
    let f = &nf.finding;
    let archived = rules.iter().any(|r| r.matches(f));
    let added = tx.execute(
        "INSERT OR IGNORE INTO findings (id, job_id, run_id, storage, bucket, key, uri, version_id, etag, finding_type, severity, count, created_at, archived, detail)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
        params![
            f.id, f.job_id, f.run_id, f.storage, f.bucket, f.key, f.uri, f.version_id, f.etag,
            f.finding_type, f.severity, f.count as i64, f.created_at, archived as i64,
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
    if archived {
        return Ok(());
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrates_once_and_refuses_newer() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("s/state.db");
        let s = Store::open(&p).unwrap();
        assert_eq!(s.schema_version().unwrap(), SCHEMA_VERSION);
        drop(s);
        let s = Store::open(&p).unwrap();
        s.conn
            .pragma_update(None, "user_version", SCHEMA_VERSION + 1)
            .unwrap();
        drop(s);
        assert!(matches!(Store::open(&p), Err(Error::SchemaTooNew { .. })));
    }

    #[test]
    fn job_lookup_by_id_prefix_and_name() {
        let dir = tempfile::tempdir().unwrap();
        let s = Store::open(&dir.path().join("state.db")).unwrap();
        let def = |name: &str| JobDefinition {
            name: name.into(),
            targets: vec!["/tmp".into()],
            ..Default::default()
        };
        let a = s.create_job(&def("same"), Utc::now(), None).unwrap();
        let b = s.create_job(&def("same"), Utc::now(), None).unwrap();
        let c = s.create_job(&def("other"), Utc::now(), None).unwrap();
        assert_eq!(s.job(&a.id).unwrap().id, a.id);
        assert_eq!(s.job(&b.id[..12]).unwrap().id, b.id);
        assert_eq!(s.job("other").unwrap().id, c.id);
        assert!(s
            .job("same")
            .unwrap_err()
            .to_string()
            .contains("use the id"));
        assert!(matches!(s.job("zzz"), Err(Error::NotFound(_))));
    }

    #[test]
    fn lock_is_exclusive() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("state.db");
        let a = Store::open(&p).unwrap();
        let b = Store::open(&p).unwrap();
        let l = a.lock_job("j1").unwrap();
        assert!(matches!(b.lock_job("j1"), Err(Error::Locked(_))));
        assert!(b.lock_job("j2").is_ok());
        drop(l);
        assert!(b.lock_job("j1").is_ok());
    }
}
