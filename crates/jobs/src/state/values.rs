//! Grouping findings by value without keeping values: each finding stores a keyed hash
//! (HMAC-SHA-256 under a per-installation key, `settings.value_hash_key`) of every value it
//! lists (`finding_values`), so the same secret in many objects is one group to review, as
//! secret scanners do. The key never leaves the state database; without it a hash cannot be
//! tested against guesses.

use rand::RngCore;
use rusqlite::{params, OptionalExtension};
use serde::Serialize;
use trawl_scanner::ValueKey;

use super::findings::{filter_sql, FindingFilter};
use super::store::Store;
use crate::error::{Error, Result};

/// Objects named per group, at most.
const OBJECTS_PER_GROUP: usize = 20;

/// One value found in one or more findings.
#[derive(Clone, Debug, Serialize)]
pub struct ValueGroup {
    /// The value's keyed hash (an id for the value, not the value).
    pub value_id: String,
    /// Identifier type.
    #[serde(rename = "type")]
    pub kind: String,
    /// Findings that hold it.
    pub findings: u64,
    /// Their objects (at most 20), newest finding first.
    pub objects: Vec<String>,
    /// Their finding ids (likewise).
    pub finding_ids: Vec<String>,
}

impl Store {
    /// The installation's value-hash key, made (from the OS's random source) on first use.
    pub fn value_key(&self) -> Result<ValueKey> {
        let hex: Option<String> = self
            .conn
            .query_row(
                "SELECT value FROM settings WHERE name = 'value_hash_key'",
                [],
                |r| r.get(0),
            )
            .optional()?;
        let hex = match hex {
            Some(h) => h,
            None => {
                let mut key = [0u8; 32];
                rand::rng().fill_bytes(&mut key);
                let h: String = key.iter().map(|b| format!("{b:02x}")).collect();
                self.conn.execute(
                    "INSERT OR IGNORE INTO settings (name, value) VALUES ('value_hash_key', ?1)",
                    params![h],
                )?;
                // Another process may have won the race: read back what is stored.
                self.conn.query_row(
                    "SELECT value FROM settings WHERE name = 'value_hash_key'",
                    [],
                    |r| r.get(0),
                )?
            }
        };
        let mut key = [0u8; 32];
        for (i, b) in key.iter_mut().enumerate() {
            *b = hex
                .get(2 * i..2 * i + 2)
                .and_then(|s| u8::from_str_radix(s, 16).ok())
                .ok_or_else(|| Error::Results("the stored value-hash key is damaged".into()))?;
        }
        Ok(ValueKey(key))
    }

    /// Values shared by findings matching `filter`, the most widespread first.
    pub fn findings_by_value(&self, filter: &FindingFilter) -> Result<Vec<ValueGroup>> {
        let mut filter = filter.clone();
        if let Some(v) = &filter.job {
            filter.job = Some(self.job(v).map(|j| j.id).unwrap_or_else(|_| v.clone()));
        }
        let (clause, args) = filter_sql(&filter);
        let sql = format!(
            "SELECT v.type, v.value_hash, f.id, f.uri FROM finding_values v
             JOIN findings f ON f.id = v.finding_id{clause}
             ORDER BY v.type, v.value_hash, f.created_at DESC, f.id"
        );
        let mut stmt = self.conn.prepare(&sql)?;
        let mut rows = stmt.query(rusqlite::params_from_iter(args.iter()))?;
        let mut groups: Vec<ValueGroup> = Vec::new();
        while let Some(r) = rows.next()? {
            let (kind, hash, id, uri): (String, String, String, String) =
                (r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?);
            let same = groups
                .last()
                .is_some_and(|g| g.kind == kind && g.value_id == hash);
            if !same {
                groups.push(ValueGroup {
                    value_id: hash,
                    kind,
                    findings: 0,
                    objects: Vec::new(),
                    finding_ids: Vec::new(),
                });
            }
            if let Some(g) = groups.last_mut() {
                g.findings += 1;
                if g.objects.len() < OBJECTS_PER_GROUP {
                    g.objects.push(uri);
                    g.finding_ids.push(id);
                }
            }
        }
        groups.sort_by(|a, b| {
            b.findings
                .cmp(&a.findings)
                .then_with(|| a.kind.cmp(&b.kind))
                .then_with(|| a.value_id.cmp(&b.value_id))
        });
        if filter.limit > 0 {
            groups.truncate(filter.limit);
        }
        Ok(groups)
    }
}
