//! The `jobs` table.

use chrono::{DateTime, Utc};
use rusqlite::{params, OptionalExtension, Row};
use serde::Serialize;

use super::schema::now_text;
use super::store::Store;
use crate::definition::JobDefinition;
use crate::error::{Error, Result};

/// A job's status, stored and shown in Macie's spellings (`IDLE`, `RUNNING`, ...).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum JobStatus {
    /// A run is in progress.
    Running,
    /// Paused by a quota (not used by trawl today).
    Paused,
    /// Paused by the user: no scheduled runs until resumed.
    UserPaused,
    /// Cancelled by the user, for good.
    Cancelled,
    /// A one-time job that has run.
    Complete,
    /// A scheduled job between runs.
    Idle,
}

impl JobStatus {
    const ALL: [JobStatus; 6] = [
        JobStatus::Running,
        JobStatus::Paused,
        JobStatus::UserPaused,
        JobStatus::Cancelled,
        JobStatus::Complete,
        JobStatus::Idle,
    ];

    /// The stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            JobStatus::Running => "RUNNING",
            JobStatus::Paused => "PAUSED",
            JobStatus::UserPaused => "USER_PAUSED",
            JobStatus::Cancelled => "CANCELLED",
            JobStatus::Complete => "COMPLETE",
            JobStatus::Idle => "IDLE",
        }
    }

    /// Parses a stored spelling (exactly).
    pub fn parse(s: &str) -> Option<JobStatus> {
        JobStatus::ALL.into_iter().find(|v| v.as_str() == s)
    }
}

text_value!(JobStatus, "job status");

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
    pub status: JobStatus,
    /// When the daemon runs it next.
    pub next_run_at: Option<String>,
    /// The definition.
    pub definition: JobDefinition,
}

impl Store {
    /// Stores a new job.
    pub fn create_job(
        &self,
        def: &JobDefinition,
        now: DateTime<Utc>,
        next_run_at: Option<DateTime<Utc>>,
    ) -> Result<JobRow> {
        let id = uuid::Uuid::new_v4().simple().to_string();
        self.insert_job(id, def, now, next_run_at)
    }

    /// Stores a new job under a chosen id (a name that stays the same on every machine that
    /// creates the job from one file, as the shards of a run must).
    pub fn create_job_with_id(
        &self,
        id: &str,
        def: &JobDefinition,
        now: DateTime<Utc>,
        next_run_at: Option<DateTime<Utc>>,
    ) -> Result<JobRow> {
        self.insert_job(id.to_string(), def, now, next_run_at)
    }

    /// The job with exactly this id, if any.
    pub fn job_by_id(&self, id: &str) -> Result<Option<JobRow>> {
        let row = self
            .conn
            .query_row(
                "SELECT * FROM jobs WHERE id = ?1",
                params![id],
                Self::map_job,
            )
            .optional()?;
        row.map(Self::finish_job).transpose()
    }

    fn insert_job(
        &self,
        id: String,
        def: &JobDefinition,
        now: DateTime<Utc>,
        next_run_at: Option<DateTime<Utc>>,
    ) -> Result<JobRow> {
        let row = JobRow {
            id,
            name: def.name.clone(),
            created_at: now_text(now),
            status: JobStatus::Idle,
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
    pub fn set_job_status(&self, id: &str, status: JobStatus) -> Result<()> {
        self.conn.execute(
            "UPDATE jobs SET status = ?2 WHERE id = ?1",
            params![id, status],
        )?;
        Ok(())
    }

    /// Sets a job's status only when it is one of `from`; returns whether it changed.
    pub fn change_job_status(&self, id: &str, from: &[JobStatus], to: JobStatus) -> Result<bool> {
        let job = self.job(id)?;
        if !from.contains(&job.status) {
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
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
