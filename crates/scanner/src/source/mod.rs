//! Sources list objects and open them. They never parse content. A new origin is a new
//! [`Source`] here, a [`Target`] variant, and its arm in [`sources`].

mod boundary;
mod local;
mod s3;
mod stdin;
mod target;

pub use crate::record::Storage;
pub(crate) use boundary::Event;
pub use boundary::{Content, Feed, Notice, ObjectReader, ObjectRef, Source, WalkError, Work};
pub(crate) use local::{open_file, open_reason};
pub use local::{walk, LocalSource};
pub use s3::{RetryPolicy, S3Options, S3Source, S3Target, SseCKey};
pub use stdin::StdinSource;
pub use target::{sources, Target};
