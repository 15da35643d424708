//! Sources list objects and open them. They never parse content.

pub mod local;
pub mod s3;

use std::io::Read;
use std::path::PathBuf;

pub use crate::record::Storage;

/// A listed object.
#[derive(Clone, Debug)]
pub struct ObjectRef {
    /// Storage kind.
    pub storage: Storage,
    /// Bucket (S3).
    pub bucket: Option<String>,
    /// Key: S3 key, or path relative to the target directory with `/` separators.
    pub key: String,
    /// `s3://` or `file://` URI.
    pub uri: String,
    /// Size in bytes.
    pub size: u64,
    /// RFC 3339 UTC.
    pub last_modified: Option<String>,
    /// Entity tag.
    pub etag: Option<String>,
    /// Version id.
    pub version_id: Option<String>,
    /// Server-side encryption.
    pub encryption: Option<String>,
    /// S3 storage class as listed (`STANDARD`, `GLACIER`, ...); `None` for local files.
    pub storage_class: Option<String>,
    /// Object tags, when they were fetched (only when the scope needs them).
    pub tags: Option<Vec<(String, String)>>,
    /// Local path, for local objects.
    pub path: Option<PathBuf>,
}

/// An object's content.
pub type ObjectReader = Box<dyn Read + Send>;
