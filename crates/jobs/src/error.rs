//! The crate's error type.

use std::path::PathBuf;

/// An error from a job operation.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A job file is invalid; `field` names the offending field.
    #[error("{file}: {field}: {message}")]
    Definition {
        /// The job file (or `<job>` for a stored definition).
        file: String,
        /// The field, dotted (`scope.include.max_size`); empty for the whole file.
        field: String,
        /// What is wrong.
        message: String,
    },
    /// Reading or writing a file.
    #[error("{path}: {source}")]
    Io {
        /// The path.
        path: PathBuf,
        /// The error.
        #[source]
        source: std::io::Error,
    },
    /// The state database.
    #[error("state database: {0}")]
    State(#[from] rusqlite::Error),
    /// A state database written by a newer trawl.
    #[error("state database {path} has schema version {found}; this trawl knows up to {known}")]
    SchemaTooNew {
        /// The database.
        path: PathBuf,
        /// Its version.
        found: i64,
        /// Ours.
        known: i64,
    },
    /// No such job, run or finding.
    #[error("{0} not found")]
    NotFound(String),
    /// The job cannot do that in its status.
    #[error("job {job}: {message}")]
    Status {
        /// The job id.
        job: String,
        /// Why.
        message: String,
    },
    /// Another process is running the job.
    #[error("job {0} is being run by another process")]
    Locked(String),
    /// Building the identifier engine.
    #[error("identifiers: {0}")]
    Identifiers(#[from] trawl_identifiers::Error),
    /// The scan itself.
    #[error("scan: {0}")]
    Scan(#[from] trawl_scanner::Error),
    /// Results storage (S3 upload and the like).
    #[error("results: {0}")]
    Results(String),
    /// A request that cannot be carried out as given (a bad job id, a shard that does not
    /// fit its run, ...); the text says why.
    #[error("{0}")]
    Invalid(String),
    /// Encoding JSON.
    #[error("json: {0}")]
    Json(#[from] serde_json::Error),
}

impl Error {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Error {
        Error::Io {
            path: path.into(),
            source,
        }
    }

    pub(crate) fn def(file: &str, field: &str, message: impl Into<String>) -> Error {
        Error::Definition {
            file: file.to_string(),
            field: field.to_string(),
            message: message.into(),
        }
    }
}

/// The crate's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
