//! Standard input (`trawl scan -`), streamed: any format the extractors detect from its bytes.
//!
//! Its record: storage `local`, no bucket, key `-`, uri `file:///dev/stdin`, `size` the number
//! of bytes read (all of them, unless a limit stopped the read), `last_modified`, `etag`,
//! `version_id` and `encryption` null.

use std::io;
use std::sync::Mutex;

use trawl_formats::{Reason, ReasonCode};

use super::boundary::{Content, Feed, ObjectRef, Source, Work};
use crate::record::Storage;

/// Standard input as one object, read once.
pub struct StdinSource {
    stdin: Mutex<Option<io::Stdin>>,
}

impl Default for StdinSource {
    fn default() -> StdinSource {
        StdinSource {
            stdin: Mutex::new(Some(io::stdin())),
        }
    }
}

impl StdinSource {
    /// The object standard input is listed as.
    pub fn object() -> ObjectRef {
        ObjectRef {
            storage: Storage::Local,
            bucket: None,
            key: "-".into(),
            uri: "file:///dev/stdin".into(),
            size: 0,
            last_modified: None,
            etag: None,
            version_id: None,
            encryption: None,
            account: None,
            storage_class: None,
            tags: None,
            path: None,
        }
    }
}

impl Source for StdinSource {
    fn list<'s>(&'s self, feed: &Feed<'_, 's>) {
        let obj = StdinSource::object();
        if !feed.stopped() && feed.admit(&obj) {
            feed.send(Work::Listed(obj, self));
        }
    }

    fn open(&self, _obj: &ObjectRef) -> Result<Content, Reason> {
        let taken = self.stdin.lock().ok().and_then(|mut s| s.take());
        match taken {
            Some(stdin) => Ok(Content::Unsized(Box::new(stdin))),
            None => Err(Reason::new(
                ReasonCode::ReadError,
                "standard input was already read",
            )),
        }
    }
}
