//! The crate's error type.

use std::fmt;

/// An error building identifiers or an engine. Scanning itself never fails.
#[derive(Debug, thiserror::Error)]
pub struct Error {
    kind: ErrorKind,
}

/// What went wrong, with the identifier it concerns.
#[derive(Debug)]
#[non_exhaustive]
pub enum ErrorKind {
    /// A catalogue or definition file could not be parsed.
    Definition {
        /// Where the definition came from (file name or builtin category).
        source: String,
        /// The parser's message.
        message: String,
    },
    /// An identifier's regular expression did not compile or breaks a limit.
    Regex {
        /// The identifier id.
        id: String,
        /// Why.
        message: String,
    },
    /// A field of an identifier is invalid (unknown validator, bad severity, ...).
    Invalid {
        /// The identifier id.
        id: String,
        /// Why.
        message: String,
    },
    /// An identifier selection names an id that does not exist.
    UnknownIdentifier(String),
    /// A selection string could not be parsed.
    Selection(String),
}

impl Error {
    pub(crate) fn new(kind: ErrorKind) -> Error {
        Error { kind }
    }

    /// The kind of error.
    pub fn kind(&self) -> &ErrorKind {
        &self.kind
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            ErrorKind::Definition { source, message } => {
                write!(f, "invalid identifier definitions in {source}: {message}")
            }
            ErrorKind::Regex { id, message } => {
                write!(f, "identifier {id}: invalid regex: {message}")
            }
            ErrorKind::Invalid { id, message } => write!(f, "identifier {id}: {message}"),
            ErrorKind::UnknownIdentifier(id) => write!(f, "unknown identifier id: {id}"),
            ErrorKind::Selection(s) => write!(f, "invalid identifier selection: {s}"),
        }
    }
}
