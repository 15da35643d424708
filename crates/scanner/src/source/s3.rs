//! S3 and S3-compatible object stores.

/// How to reach S3.
#[derive(Clone, Debug, Default)]
pub struct S3Options {
    /// Region (else the credential chain's region, else `us-east-1`).
    pub region: Option<String>,
}
