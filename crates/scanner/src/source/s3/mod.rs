//! S3 and S3-compatible object stores: the client (standard credential chain, profiles, assumed
//! roles, unsigned requests, custom endpoints), many accounts (a role assumed in each, or every
//! account of an organization), listing with retries, and streaming reads that
//! hand bytes to the CPU workers through a bounded queue.
//!
//! What cannot be read becomes a reason, never an error of the run: archived storage classes
//! (`INVALID_OBJECT_STATE`, no GET sent), SSE-C without a key and KMS denials
//! (`INVALID_ENCRYPTION`, `INVALID_KMS_KEY`), client-side encryption envelopes
//! (`ENCRYPTED_CONTENT`, body not read), vanished objects, denied reads, and reads that retries
//! did not cure (`READ_ERROR`).

pub(crate) mod accounts;
pub(crate) mod client;
mod get;
mod inventory;
pub(crate) mod list;
mod options;
mod retry;
mod source;

pub(crate) use inventory::InventoryLister;
pub(crate) use source::Listing;

/// A listing call with the run's retries; what retries did not cure, with what to do.
pub(crate) async fn with_list_retries<T, F, Fut, E>(opts: &S3Options, op: F) -> Result<T, String>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<
        Output = Result<T, aws_sdk_s3::error::SdkError<E, aws_sdk_s3::config::http::HttpResponse>>,
    >,
    E: aws_sdk_s3::error::ProvideErrorMetadata + std::error::Error + 'static,
{
    retry::with_retries(&opts.retry, op)
        .await
        .map_err(retry::listing_failure_text)
}

pub use accounts::{is_account_id, parse_account_list, AccountSet, Accounts};
pub use options::{BucketCriteria, S3Options, SseCKey};
pub use retry::RetryPolicy;
pub use source::{S3Source, S3Target};
