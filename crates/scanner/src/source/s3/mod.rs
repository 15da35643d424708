//! S3 and S3-compatible object stores: the client (standard credential chain, profiles, assumed
//! roles, unsigned requests, custom endpoints), listing with retries, and streaming reads that
//! hand bytes to the CPU workers through a bounded queue.
//!
//! What cannot be read becomes a reason, never an error of the run: archived storage classes
//! (`INVALID_OBJECT_STATE`, no GET sent), SSE-C without a key and KMS denials
//! (`INVALID_ENCRYPTION`, `INVALID_KMS_KEY`), client-side encryption envelopes
//! (`ENCRYPTED_CONTENT`, body not read), vanished objects, denied reads, and reads that retries
//! did not cure (`READ_ERROR`).

mod client;
mod get;
mod inventory;
mod list;
mod options;
mod retry;
mod source;

pub use options::{S3Options, SseCKey};
pub use retry::RetryPolicy;
pub use source::{S3Source, S3Target};
