//! The database handle: opening and migrating it, and the per-job run lock.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, TransactionBehavior};
use trawl_scanner::private_file::{self, WriteMode};

use super::schema::{self, SCHEMA_VERSION};
use crate::error::{Error, Result};

/// An exclusive hold on running a job; released on drop (and by the OS if the process dies).
#[derive(Debug)]
pub struct RunLock {
    _file: File,
}

/// The state database.
pub struct Store {
    pub(super) conn: Connection,
    path: PathBuf,
}

impl Store {
    /// Opens (creating it and its directory if needed) and migrates the state database.
    pub fn open(path: &Path) -> Result<Store> {
        // The database holds where sensitive data sits: the file is created (or narrowed to)
        // 0600 before SQLite opens it, and SQLite gives its WAL and shared-memory files the
        // database file's mode.
        private_file::open(path, WriteMode::Keep).map_err(|e| Error::io(path, e))?;
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
        schema::migrate(&tx, version)?;
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
        let path = dir.join(format!("{job_id}.lock"));
        let file = private_file::open(&path, WriteMode::Keep).map_err(|e| Error::io(&path, e))?;
        match file.try_lock() {
            Ok(()) => Ok(RunLock { _file: file }),
            Err(std::fs::TryLockError::WouldBlock) => Err(Error::Locked(job_id.to_string())),
            Err(std::fs::TryLockError::Error(e)) => Err(Error::io(&path, e)),
        }
    }
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

    /// The database and the WAL and shared-memory files SQLite makes beside it are 0600 even
    /// under umask 000, and an existing database that others could read is narrowed.
    #[cfg(unix)]
    #[test]
    #[allow(unsafe_code)]
    fn database_files_are_the_owners_only() {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("new/state.db");
        // SAFETY: umask only sets the process's file-creation mask; the old mask is put back.
        let old = unsafe { libc::umask(0) };
        let opened = Store::open(&p);
        // SAFETY: as above.
        unsafe { libc::umask(old) };
        let s = opened.unwrap();
        s.conn
            .execute_batch("CREATE TABLE t (x); INSERT INTO t VALUES (1);")
            .unwrap();
        for name in ["state.db", "state.db-wal", "state.db-shm"] {
            assert_eq!(mode(&dir.path().join("new").join(name)), 0o600, "{name}");
        }
        assert_eq!(mode(&dir.path().join("new")), 0o700);
        drop(s);
        let loose = dir.path().join("loose.db");
        drop(Store::open(&loose).unwrap());
        std::fs::set_permissions(&loose, std::fs::Permissions::from_mode(0o644)).unwrap();
        drop(Store::open(&loose).unwrap());
        assert_eq!(mode(&loose), 0o600);
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
