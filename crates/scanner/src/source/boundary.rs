//! The source boundary: what a source lists ([`ObjectRef`]), how it opens one ([`Content`]),
//! and the [`Feed`] through which it hands objects and notices to the pipeline.

use std::io::{self, Read};
use std::path::PathBuf;

use crossbeam_channel::Sender;
use trawl_formats::{ReadSeek, Reason};

use crate::posture::{PostureFinding, PostureReport};
use crate::record::Storage;

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
    /// The AWS account the object was listed in (S3, when known).
    pub account: Option<String>,
    /// S3 storage class as listed (`STANDARD`, `GLACIER`, ...); `None` for local files.
    pub storage_class: Option<String>,
    /// Object tags, when they were fetched (only when the scope needs them).
    pub tags: Option<Vec<(String, String)>>,
    /// Local path, for local objects.
    pub path: Option<PathBuf>,
}

/// An object's content.
pub type ObjectReader = Box<dyn Read + Send>;

/// An opened object.
pub enum Content {
    /// Content that can seek (a local file): extractors may read it out of order.
    Seekable(Box<dyn ReadSeek + Send>),
    /// A stream of the listed size.
    Stream(ObjectReader),
    /// A stream whose size is known only once it is read (standard input): the record's
    /// `size` is the number of bytes read.
    Unsized(ObjectReader),
}

/// An object on its way to the workers.
pub enum Work<'s> {
    /// Listed: a worker opens it through its source.
    Listed(ObjectRef, &'s dyn Source),
    /// Opened while listing (S3 bodies stream in while the workers are busy).
    Open(ObjectRef, Content),
    /// Cannot be read: a SKIPPED record with this reason.
    Skipped(ObjectRef, Reason),
}

/// A problem listing a target, reported by the pipeline and counted in the summary.
#[derive(Debug)]
pub struct WalkError {
    /// The path concerned.
    pub path: PathBuf,
    /// What happened.
    pub error: io::Error,
}

/// Something the run wants the user to know (printed by the CLI on standard error).
#[derive(Debug)]
pub enum Notice {
    /// A path under a target could not be listed.
    Walk(WalkError),
    /// Something worth a warning (a plain-http endpoint, tags that could not be read, a
    /// third-party reader that panicked on an object): one line, without a "warning:" prefix.
    Warning(String),
    /// A bucket posture finding (with `--posture`).
    Posture(PostureFinding),
    /// A bucket the bucket criteria leave out (`--include-bucket`, `--bucket-tag`, ...).
    BucketLeftOut {
        /// The bucket.
        bucket: String,
        /// Which criterion, and what was seen.
        why: String,
    },
    /// An account of `--accounts` or `--organization` that could not be entered (others go on).
    AccountLeftOut {
        /// The account id.
        account: String,
        /// Why (the AssumeRole error).
        why: String,
    },
    /// A whole target could not be scanned (other targets go on).
    Target {
        /// The target as given.
        target: String,
        /// Why.
        error: String,
    },
}

/// What a source tells the pipeline besides objects.
pub(crate) enum Event {
    /// A notice for the user.
    Notice(Notice),
    /// A page of `n` objects was listed in a bucket.
    Listed(String, u64),
    /// A listed object was left out (scope, sample, filter).
    OutOfScope,
    /// A bucket's posture.
    Posture(PostureReport),
}

/// Lists objects and opens them. Sources never parse content.
pub trait Source: Send + Sync {
    /// Lists the objects, offering each to `feed` ([`Feed::admit`]) and sending those
    /// admitted ([`Feed::send`]); stops early when [`Feed::stopped`].
    fn list<'s>(&'s self, feed: &Feed<'_, 's>);

    /// Opens a listed object (on a worker thread); what cannot be read is a reason.
    fn open(&self, obj: &ObjectRef) -> Result<Content, Reason>;
}

/// The pipeline's side of a listing: the scope, the stop flag, the work queue and the writer.
pub struct Feed<'a, 's> {
    pub(crate) wanted: &'a (dyn Fn(&ObjectRef) -> bool + Sync),
    pub(crate) stopped: &'a (dyn Fn() -> bool + Sync),
    pub(crate) work: Sender<Work<'s>>,
    pub(crate) event: &'a (dyn Fn(Event) + Sync),
    pub(crate) needs_tags: bool,
    /// A dry run: list, never open (sources that open while listing send `Work::Listed`).
    pub(crate) dry_run: bool,
}

impl<'s> Feed<'_, 's> {
    /// Whether the run is stopping: list nothing more.
    pub fn stopped(&self) -> bool {
        (self.stopped)()
    }

    /// Whether objects may be opened while listing (not in a dry run).
    pub fn opens(&self) -> bool {
        !self.dry_run
    }

    /// Whether the scope needs object tags (fetch them before [`Feed::admit`]).
    pub fn needs_tags(&self) -> bool {
        self.needs_tags
    }

    /// Whether `obj` is in scope; one left out is counted as such.
    pub fn admit(&self, obj: &ObjectRef) -> bool {
        let wanted = (self.wanted)(obj);
        if !wanted {
            (self.event)(Event::OutOfScope);
        }
        wanted
    }

    /// Hands an admitted object to the workers (waits while their queue is full, polling it:
    /// see the `handoff` module).
    pub fn send(&self, work: Work<'s>) {
        crate::handoff::send_polling(&self.work, work);
    }

    /// Tells the user something.
    pub fn notice(&self, notice: Notice) {
        (self.event)(Event::Notice(notice));
    }

    pub(crate) fn listed(&self, bucket: &str, n: u64) {
        (self.event)(Event::Listed(bucket.to_string(), n));
    }

    pub(crate) fn posture(&self, report: PostureReport) {
        (self.event)(Event::Posture(report));
    }
}
