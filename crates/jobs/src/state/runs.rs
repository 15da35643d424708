//! The `runs` table, and the objects behind incremental and resumed runs (`objects`,
//! `run_objects`); a batch of scanned objects is committed here with its findings.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use rusqlite::{params, OptionalExtension, Row, TransactionBehavior};
use serde::Serialize;
use trawl_identifiers::Severity;

use super::findings::{insert_finding, NewFinding};
use super::rules::Suppression;
use super::schema::now_text;
use super::store::Store;
use crate::error::{Error, Result};

/// A run's status, stored and shown as `RUNNING`, `COMPLETE`, ...
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RunStatus {
    /// In progress, or killed (then the next run of the job resumes it).
    Running,
    /// Stopped cleanly before the end (SIGTERM, pause); the next run resumes it.
    Interrupted,
    /// Every object in scope was scanned.
    Complete,
    /// The job was cancelled during the run.
    Cancelled,
    /// The run stopped on an error.
    Failed,
}

impl RunStatus {
    const ALL: [RunStatus; 5] = [
        RunStatus::Running,
        RunStatus::Interrupted,
        RunStatus::Complete,
        RunStatus::Cancelled,
        RunStatus::Failed,
    ];

    /// The stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            RunStatus::Running => "RUNNING",
            RunStatus::Interrupted => "INTERRUPTED",
            RunStatus::Complete => "COMPLETE",
            RunStatus::Cancelled => "CANCELLED",
            RunStatus::Failed => "FAILED",
        }
    }

    /// Parses a stored spelling (exactly).
    pub fn parse(s: &str) -> Option<RunStatus> {
        RunStatus::ALL.into_iter().find(|v| v.as_str() == s)
    }
}

text_value!(RunStatus, "run status");

/// What started a run, stored and shown as `manual` or `schedule`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Trigger {
    /// `trawl job run`, or a library call.
    Manual,
    /// The daemon, on the job's schedule.
    Schedule,
}

impl Trigger {
    /// The stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Trigger::Manual => "manual",
            Trigger::Schedule => "schedule",
        }
    }

    /// Parses a stored spelling (exactly).
    pub fn parse(s: &str) -> Option<Trigger> {
        [Trigger::Manual, Trigger::Schedule]
            .into_iter()
            .find(|v| v.as_str() == s)
    }
}

text_value!(Trigger, "run trigger");

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
    pub trigger: Trigger,
    /// Start.
    pub started_at: String,
    /// End.
    pub ended_at: Option<String>,
    /// Run status.
    pub status: RunStatus,
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
    /// The shard (`K/N`) this run is, when the run is split across processes.
    pub shard: Option<String>,
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
    pub severity: Option<Severity>,
    /// Its finding, if any.
    pub finding: Option<NewFinding>,
    /// What it adds to its bucket's cumulative score; `None` when the object could not be
    /// read for a passing reason (it keeps what an earlier run found).
    pub bucket: Option<super::buckets::BucketObject>,
}

fn map_run(r: &Row<'_>) -> rusqlite::Result<RunRow> {
    let mut findings = BTreeMap::new();
    findings.insert(
        Severity::High.as_str().to_string(),
        r.get::<_, i64>("findings_high")? as u64,
    );
    findings.insert(
        Severity::Medium.as_str().to_string(),
        r.get::<_, i64>("findings_medium")? as u64,
    );
    findings.insert(
        Severity::Low.as_str().to_string(),
        r.get::<_, i64>("findings_low")? as u64,
    );
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
        shard: r.get("shard")?,
    })
}

impl Store {
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
        trigger: Trigger,
        incremental: bool,
        baseline: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<RunRow> {
        let id = trawl_scanner::new_run_id();
        self.insert_run(&id, None, job_id, trigger, (incremental, baseline), now)
    }

    /// Starts shard `shard` (`K/N`) of run `id`, a run split across processes that share
    /// its id.
    pub fn create_shard_run(
        &self,
        id: &str,
        shard: &str,
        job_id: &str,
        trigger: Trigger,
        baseline: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<RunRow> {
        self.insert_run(
            id,
            Some(shard),
            job_id,
            trigger,
            (baseline.is_some(), baseline),
            now,
        )
    }

    fn insert_run(
        &self,
        id: &str,
        shard: Option<&str>,
        job_id: &str,
        trigger: Trigger,
        (incremental, baseline): (bool, Option<&str>),
        now: DateTime<Utc>,
    ) -> Result<RunRow> {
        let seq: i64 = self.conn.query_row(
            "SELECT COALESCE(MAX(seq), 0) + 1 FROM runs WHERE job_id = ?1",
            params![job_id],
            |r| r.get(0),
        )?;
        self.conn.execute(
            "INSERT INTO runs (id, job_id, seq, trigger, started_at, status, incremental, baseline_run_id, shard) VALUES (?1, ?2, ?3, ?4, ?5, 'RUNNING', ?6, ?7, ?8)",
            params![id, job_id, seq, trigger, now_text(now), incremental as i64, baseline, shard],
        )?;
        self.run(id)
    }

    /// A run by id, if the database holds it.
    pub fn find_run(&self, id: &str) -> Result<Option<RunRow>> {
        Ok(self
            .conn
            .query_row("SELECT * FROM runs WHERE id = ?1", params![id], map_run)
            .optional()?)
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
        status: RunStatus,
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
        if status != RunStatus::Running && status != RunStatus::Interrupted {
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
            match o.severity {
                Some(Severity::High) => high += 1,
                Some(Severity::Medium) => medium += 1,
                Some(Severity::Low) => low += 1,
                None => {}
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
            if let Some(b) = &o.bucket {
                super::buckets::record_object(&tx, &o.uri, b)?;
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
}
