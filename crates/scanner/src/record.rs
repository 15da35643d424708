//! The wire types of the output contract (`trawl.result/v1`). The only place where contract
//! field names are written.

use serde::{Deserialize, Serialize};

/// The schema id of result records.
pub const RESULT_SCHEMA: &str = "trawl.result/v1";

/// One result record: one scanned top-level object.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct ResultRecord {
    /// Always [`RESULT_SCHEMA`].
    pub schema: String,
    /// One id per scan run or job run.
    pub run_id: String,
    /// The job, when run as a job.
    pub job_id: Option<String>,
    /// The object.
    pub object: ObjectInfo,
    /// `COMPLETE`, `PARTIAL` or `SKIPPED`.
    pub status: String,
    /// Why content was not (fully) read.
    pub reasons: Vec<ReasonOut>,
    /// Detected format of the top-level object.
    pub format: String,
    /// Bytes of extracted content fed to the engine.
    pub bytes_scanned: u64,
    /// Highest severity among detections; null when none.
    pub severity: Option<String>,
    /// One entry per identifier type found.
    pub detections: Vec<Detection>,
}

/// The scanned object.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct ObjectInfo {
    /// `local` or `s3`.
    pub storage: String,
    /// S3 bucket; null for local.
    pub bucket: Option<String>,
    /// S3 key, or the path relative to the scan target directory.
    pub key: String,
    /// `s3://bucket/key` or `file:///absolute/path`.
    pub uri: String,
    /// Bytes.
    pub size: u64,
    /// RFC 3339 UTC.
    pub last_modified: Option<String>,
    /// Entity tag.
    pub etag: Option<String>,
    /// Version id.
    pub version_id: Option<String>,
    /// Server-side encryption seen; null when unknown (local).
    pub encryption: Option<String>,
}

/// A reason code with its member path and message.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct ReasonOut {
    /// Contract reason code.
    pub code: String,
    /// Path inside archives; empty for the object itself.
    pub member: Vec<String>,
    /// Explanation.
    pub message: String,
}

/// Detections of one identifier type in an object.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Detection {
    /// Identifier id.
    #[serde(rename = "type")]
    pub kind: String,
    /// `CREDENTIALS`, `FINANCIAL`, `PERSONAL` or `CUSTOM`.
    pub category: String,
    /// Exact number of occurrences.
    pub count: u64,
    /// `LOW`, `MEDIUM` or `HIGH`.
    pub severity: String,
    /// Up to `--max-occurrences` occurrences.
    pub occurrences: Vec<Occurrence>,
}

/// One occurrence. Every field is present; null where it does not apply.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Occurrence {
    /// Path inside archives, outermost first.
    pub member: Vec<String>,
    /// 1-based line.
    pub line: Option<u64>,
    /// 1-based byte column.
    pub column: Option<u64>,
    /// 0-based byte offset in the member's extracted text.
    pub offset: Option<u64>,
    /// Length of the match in bytes.
    pub length: u64,
    /// Tabular cell.
    pub cell: Option<CellOut>,
    /// 0-based record index.
    pub record: Option<u64>,
    /// JSON path.
    pub json_path: Option<String>,
    /// 1-based page.
    pub page: Option<u64>,
    /// Masked sample.
    pub masked: String,
    /// Raw value, only with `--reveal`.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub value: Option<String>,
}

/// A tabular cell.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct CellOut {
    /// 1-based row (header = 1).
    pub row: u64,
    /// 1-based column.
    pub column: u64,
    /// Header text or null.
    pub column_name: Option<String>,
    /// Sheet name or null.
    pub sheet: Option<String>,
    /// `B3` or null.
    pub reference: Option<String>,
}
