//! Sources list objects and open them. They never parse content. A new origin is a new
//! [`Source`](boundary::Source) here, a [`Target`] variant, and its arm in
//! [`sources`](target::sources).

mod boundary;
mod local;
pub(crate) mod s3;
mod stdin;
mod target;

pub use crate::record::Storage;
pub(crate) use boundary::{Content, Event, Feed, Work};
pub use boundary::{Notice, ObjectRef, WalkError};
pub use s3::{
    is_account_id, parse_account_list, AccountSet, Accounts, BucketCriteria, RetryPolicy,
    S3Options, S3Target, SseCKey,
};
pub(crate) use target::sources;
pub use target::Target;
