//! Reason codes of the output contract: why an object was SKIPPED or PARTIAL.

/// A contract reason code (Macie's spellings where one fits); serialised as
/// [`ReasonCode::as_str`] spells it.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[non_exhaustive]
pub enum ReasonCode {
    /// No extractor for this content.
    #[serde(rename = "UNSUPPORTED_FILE_TYPE_EXCEPTION")]
    UnsupportedFileType,
    /// Server-side encryption that cannot be undone.
    InvalidEncryption,
    /// The KMS key is disabled or pending deletion.
    InvalidKmsKey,
    /// The bytes themselves are encrypted.
    EncryptedContent,
    /// The source refused the read.
    PermissionDenied,
    /// Archived storage class.
    InvalidObjectState,
    /// The object vanished between listing and reading.
    SourceObjectNoLongerAvailable,
    /// Over the size limit for its format.
    FileExceedsSizeLimit,
    /// Archive nested deeper than the limit.
    ArchiveNestingLevelOverLimit,
    /// More archive members than the limit.
    ArchiveTotalDocumentsProcessedOverLimit,
    /// Decompressed bytes over the limit.
    ArchiveTotalBytesExtractedOverLimit,
    /// Some archive members were not read.
    ArchiveContainsUnprocessedFiles,
    /// Office file parts expand beyond the ratio limit.
    OoxmlUncompressedRatioExceedsLimit,
    /// JSON nested deeper than the limit.
    JsonNestingLevelOverLimit,
    /// Malformed or truncated content.
    MalformedFile,
    /// The per-object time budget was spent.
    TimeCutOffReached,
    /// An I/O failure.
    ReadError,
}

impl ReasonCode {
    /// The contract spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            ReasonCode::UnsupportedFileType => "UNSUPPORTED_FILE_TYPE_EXCEPTION",
            ReasonCode::InvalidEncryption => "INVALID_ENCRYPTION",
            ReasonCode::InvalidKmsKey => "INVALID_KMS_KEY",
            ReasonCode::EncryptedContent => "ENCRYPTED_CONTENT",
            ReasonCode::PermissionDenied => "PERMISSION_DENIED",
            ReasonCode::InvalidObjectState => "INVALID_OBJECT_STATE",
            ReasonCode::SourceObjectNoLongerAvailable => "SOURCE_OBJECT_NO_LONGER_AVAILABLE",
            ReasonCode::FileExceedsSizeLimit => "FILE_EXCEEDS_SIZE_LIMIT",
            ReasonCode::ArchiveNestingLevelOverLimit => "ARCHIVE_NESTING_LEVEL_OVER_LIMIT",
            ReasonCode::ArchiveTotalDocumentsProcessedOverLimit => {
                "ARCHIVE_TOTAL_DOCUMENTS_PROCESSED_OVER_LIMIT"
            }
            ReasonCode::ArchiveTotalBytesExtractedOverLimit => {
                "ARCHIVE_TOTAL_BYTES_EXTRACTED_OVER_LIMIT"
            }
            ReasonCode::ArchiveContainsUnprocessedFiles => "ARCHIVE_CONTAINS_UNPROCESSED_FILES",
            ReasonCode::OoxmlUncompressedRatioExceedsLimit => {
                "OOXML_UNCOMPRESSED_RATIO_EXCEEDS_LIMIT"
            }
            ReasonCode::JsonNestingLevelOverLimit => "JSON_NESTING_LEVEL_OVER_LIMIT",
            ReasonCode::MalformedFile => "MALFORMED_FILE",
            ReasonCode::TimeCutOffReached => "TIME_CUT_OFF_REACHED",
            ReasonCode::ReadError => "READ_ERROR",
        }
    }
}

/// Why part or all of an object was not read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reason {
    /// The code.
    pub code: ReasonCode,
    /// Path inside archives, outermost first; empty for the object itself.
    pub member: Vec<String>,
    /// A human explanation (never holds content of the object).
    pub message: String,
}

impl Reason {
    /// A reason about the object itself.
    pub fn new(code: ReasonCode, message: impl Into<String>) -> Reason {
        Reason {
            code,
            member: Vec::new(),
            message: message.into(),
        }
    }
}
