//! The event outbox: `events`, and their `deliveries` to each sink.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use rusqlite::{params, TransactionBehavior};

use super::schema::now_text;
use super::store::Store;
use crate::error::Result;

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

impl Store {
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
