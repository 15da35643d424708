//! The record of reveals (`reveals`): who asked for which finding's raw values, when, and
//! what came of it. The values themselves are never stored.

use rusqlite::params;
use serde::Serialize;

use super::store::Store;
use crate::error::Result;

/// One reveal attempt.
#[derive(Clone, Debug, Serialize)]
pub struct RevealRecord {
    /// Finding id.
    pub finding_id: String,
    /// When (RFC 3339).
    pub revealed_at: String,
    /// Who asked.
    pub revealed_by: String,
    /// `REVEALED n` (values shown), `CHANGED reason` or `VANISHED`.
    pub outcome: String,
}

impl Store {
    /// Records a reveal attempt.
    pub fn record_reveal(&self, finding_id: &str, at: &str, by: &str, outcome: &str) -> Result<()> {
        self.conn.execute(
            "INSERT INTO reveals (finding_id, revealed_at, revealed_by, outcome) VALUES (?1, ?2, ?3, ?4)",
            params![finding_id, at, by, outcome],
        )?;
        Ok(())
    }

    /// Reveal attempts, oldest first: of one finding, or all.
    pub fn reveals(&self, finding_id: Option<&str>) -> Result<Vec<RevealRecord>> {
        let mut stmt = self.conn.prepare(
            "SELECT finding_id, revealed_at, revealed_by, outcome FROM reveals
             WHERE ?1 IS NULL OR finding_id = ?1 ORDER BY id",
        )?;
        let rows = stmt
            .query_map(params![finding_id], |r| {
                Ok(RevealRecord {
                    finding_id: r.get(0)?,
                    revealed_at: r.get(1)?,
                    revealed_by: r.get(2)?,
                    outcome: r.get(3)?,
                })
            })?
            .collect::<rusqlite::Result<_>>()?;
        Ok(rows)
    }
}
