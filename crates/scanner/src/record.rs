//! The wire types of the output contract (`trawl.result/v1`). The only place where contract
//! field names are written.

use std::fmt;

use serde::{Deserialize, Serialize};
use trawl_formats::ReasonCode;
use trawl_identifiers::{Category, Severity};

/// The schema id of result records.
pub const RESULT_SCHEMA: &str = "trawl.result/v1";

/// How much of an object was read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Status {
    /// Read whole.
    Complete,
    /// Read in part: some content was scanned, the reasons say what was not.
    Partial,
    /// Not scanned: the reasons say why.
    Skipped,
}

impl Status {
    /// The contract spelling (`COMPLETE`, `PARTIAL`, `SKIPPED`).
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Complete => "COMPLETE",
            Status::Partial => "PARTIAL",
            Status::Skipped => "SKIPPED",
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where an object is stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Storage {
    /// A local file (or standard input).
    Local,
    /// An S3 object.
    S3,
}

impl Storage {
    /// The contract spelling (`local`, `s3`).
    pub fn as_str(self) -> &'static str {
        match self {
            Storage::Local => "local",
            Storage::S3 => "s3",
        }
    }
}

impl fmt::Display for Storage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

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
    pub status: Status,
    /// Why content was not (fully) read.
    pub reasons: Vec<ReasonOut>,
    /// Detected format of the top-level object.
    pub format: String,
    /// Bytes of extracted content fed to the engine.
    pub bytes_scanned: u64,
    /// Highest severity among detections; null when none.
    pub severity: Option<Severity>,
    /// One entry per identifier type found.
    pub detections: Vec<Detection>,
}

/// The scanned object.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct ObjectInfo {
    /// `local` or `s3`.
    pub storage: Storage,
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
    /// The AWS account the object was listed in; null for local objects and when unknown.
    #[serde(default)]
    pub account: Option<String>,
}

/// A reason code with its member path and message.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct ReasonOut {
    /// Contract reason code.
    pub code: ReasonCode,
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
    pub category: Category,
    /// Exact number of occurrences.
    pub count: u64,
    /// `LOW`, `MEDIUM` or `HIGH`.
    pub severity: Severity,
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
    /// A keyed hash of the value (with [`RecordOptions::value_key`](crate::RecordOptions)),
    /// for grouping; never written out.
    #[serde(skip)]
    pub value_hash: Option<String>,
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
    /// 1-based table within the document (docx, pptx, odt, odp), or null for CSV and spreadsheets.
    #[serde(default)]
    pub table: Option<u64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spelled<T: Serialize>(v: T) -> String {
        serde_json::to_value(v)
            .unwrap()
            .as_str()
            .unwrap()
            .to_string()
    }

    fn back<T: for<'de> Deserialize<'de>>(s: &str) -> T {
        serde_json::from_value(serde_json::Value::String(s.into())).unwrap()
    }

    #[test]
    fn contract_values_serialise_to_their_contract_spelling() {
        for s in [Status::Complete, Status::Partial, Status::Skipped] {
            assert_eq!(spelled(s), s.as_str());
            assert_eq!(back::<Status>(s.as_str()), s);
        }
        for s in [Storage::Local, Storage::S3] {
            assert_eq!(spelled(s), s.as_str());
            assert_eq!(back::<Storage>(s.as_str()), s);
        }
        for s in [Severity::Low, Severity::Medium, Severity::High] {
            assert_eq!(spelled(s), s.as_str());
            assert_eq!(back::<Severity>(s.as_str()), s);
        }
        for c in [
            Category::Credentials,
            Category::Financial,
            Category::Personal,
            Category::Custom,
        ] {
            assert_eq!(spelled(c), c.as_str());
            assert_eq!(back::<Category>(c.as_str()), c);
        }
        use ReasonCode::*;
        for c in [
            UnsupportedFileType,
            InvalidEncryption,
            InvalidKmsKey,
            EncryptedContent,
            PermissionDenied,
            InvalidObjectState,
            SourceObjectNoLongerAvailable,
            FileExceedsSizeLimit,
            ArchiveNestingLevelOverLimit,
            ArchiveTotalDocumentsProcessedOverLimit,
            ArchiveTotalBytesExtractedOverLimit,
            ArchiveContainsUnprocessedFiles,
            OoxmlUncompressedRatioExceedsLimit,
            JsonNestingLevelOverLimit,
            MalformedFile,
            TimeCutOffReached,
            ReadError,
        ] {
            assert_eq!(spelled(c), c.as_str());
            assert_eq!(back::<ReasonCode>(c.as_str()), c);
        }
    }
}
