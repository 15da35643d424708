//! How to reach S3: the options of a run and the SSE-C key.

use std::io;
use std::path::Path;

use base64::Engine as _;
use md5::{Digest, Md5};

use super::retry::RetryPolicy;

/// How to reach S3.
#[derive(Clone, Debug, Default)]
pub struct S3Options {
    /// Region (else the credential chain's region, else `us-east-1`).
    pub region: Option<String>,
    /// Endpoint of an S3-compatible store (else `AWS_ENDPOINT_URL`, else AWS).
    pub endpoint_url: Option<String>,
    /// A named profile of the shared config files.
    pub profile: Option<String>,
    /// Path-style addressing (`http://host/bucket/key`). Turned on by itself for endpoints
    /// given as an IP address or `localhost`.
    pub path_style: bool,
    /// Send unsigned requests (public buckets).
    pub no_sign_request: bool,
    /// Assume this role (cross-account scans).
    pub assume_role: Option<String>,
    /// The accounts to scan (`--accounts`, `--organization`) and the role entered in each.
    pub accounts: super::Accounts,
    /// The key of SSE-C objects.
    pub sse_c_key: Option<SseCKey>,
    /// GETs in flight (0 = chosen from the cores).
    pub concurrency: usize,
    /// Scan every version, not only the latest.
    pub all_versions: bool,
    /// TLS: CA bundle, client certificate for mutual TLS, and whether a plain `http://`
    /// endpoint is allowed (with a warning). `AWS_CA_BUNDLE` adds to it.
    pub tls: trawl_net::TlsOptions,
    /// Check bucket settings and report posture findings.
    pub posture: bool,
    /// Retries on top of the SDK's own.
    pub retry: RetryPolicy,
    /// Which buckets to scan (by name, tags, region, public access), evaluated at every run.
    pub buckets: BucketCriteria,
    /// List objects from this S3 Inventory (`s3://BUCKET/PREFIX` of its destination, or its
    /// `manifest.json`) instead of ListObjectsV2.
    pub inventory: Option<String>,
}

/// Which buckets a run scans, as Macie's bucket criteria: name globs (exclude wins), tags
/// (any of them), regions (any of them), and public access. Empty: every bucket.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct BucketCriteria {
    /// Names must match one of these globs (`*`, `?`, `[...]`), when any are given.
    pub include: Vec<String>,
    /// Names matching one of these globs are left out.
    pub exclude: Vec<String>,
    /// The bucket must have one of these tags (`KEY` or `KEY=VALUE`).
    pub tags: Vec<(String, Option<String>)>,
    /// The bucket must be in one of these regions.
    pub regions: Vec<String>,
    /// The bucket must be publicly accessible (true) or not (false).
    pub public: Option<bool>,
}

impl BucketCriteria {
    /// Whether no criterion is given.
    pub fn is_empty(&self) -> bool {
        *self == BucketCriteria::default()
    }

    /// Checks the globs (for a clear error before a run starts).
    pub fn validate(&self) -> Result<(), String> {
        for g in self.include.iter().chain(&self.exclude) {
            globset::Glob::new(g).map_err(|e| format!("bucket glob {g:?}: {e}"))?;
        }
        Ok(())
    }

    /// Why the name criteria leave `bucket` out, if they do.
    pub(crate) fn name_left_out(&self, bucket: &str) -> Option<String> {
        let matches =
            |g: &String| globset::Glob::new(g).is_ok_and(|g| g.compile_matcher().is_match(bucket));
        if let Some(g) = self.exclude.iter().find(|g| matches(g)) {
            return Some(format!("exclude-bucket {g}"));
        }
        if !self.include.is_empty() && !self.include.iter().any(matches) {
            return Some(format!(
                "include-bucket: matches none of {}",
                self.include.join(", ")
            ));
        }
        None
    }

    /// Whether a setting must be read to decide (tags, region, public access).
    pub(crate) fn needs_settings(&self) -> bool {
        !self.tags.is_empty() || !self.regions.is_empty() || self.public.is_some()
    }
}

/// A customer-provided SSE-C key.
#[derive(Clone)]
pub struct SseCKey {
    pub(super) key_b64: String,
    pub(super) md5_b64: String,
}

impl std::fmt::Debug for SseCKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SseCKey(..)")
    }
}

impl SseCKey {
    /// Reads a key file: 32 raw bytes, or their base64 or hex text.
    pub fn load(path: &Path) -> io::Result<SseCKey> {
        let raw = std::fs::read(path)?;
        let text = String::from_utf8_lossy(&raw);
        let text = text.trim();
        let key = if raw.len() == 32 {
            raw.clone()
        } else if text.len() == 64 && text.bytes().all(|b| b.is_ascii_hexdigit()) {
            (0..32)
                .map(|i| u8::from_str_radix(&text[2 * i..2 * i + 2], 16).unwrap_or(0))
                .collect()
        } else {
            base64::engine::general_purpose::STANDARD
                .decode(text)
                .unwrap_or_default()
        };
        if key.len() != 32 {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!(
                    "{}: an SSE-C key is 32 bytes (raw, base64 or hex)",
                    path.display()
                ),
            ));
        }
        Ok(SseCKey::from_bytes(&key))
    }

    /// A key from its 32 bytes.
    pub fn from_bytes(key: &[u8]) -> SseCKey {
        let b64 = base64::engine::general_purpose::STANDARD;
        SseCKey {
            key_b64: b64.encode(key),
            md5_b64: b64.encode(Md5::digest(key)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sse_c_key_files() {
        let dir = tempfile::tempdir().unwrap();
        let raw = dir.path().join("raw");
        std::fs::write(&raw, [7u8; 32]).unwrap();
        let b64 = dir.path().join("b64");
        std::fs::write(
            &b64,
            base64::engine::general_purpose::STANDARD.encode([7u8; 32]) + "\n",
        )
        .unwrap();
        let hex = dir.path().join("hex");
        std::fs::write(&hex, "07".repeat(32)).unwrap();
        let a = SseCKey::load(&raw).unwrap();
        let b = SseCKey::load(&b64).unwrap();
        let c = SseCKey::load(&hex).unwrap();
        assert_eq!(a.key_b64, b.key_b64);
        assert_eq!(a.key_b64, c.key_b64);
        assert_eq!(a.md5_b64.len(), 24);
        let short = dir.path().join("short");
        std::fs::write(&short, "abc").unwrap();
        assert!(SseCKey::load(&short).is_err());
        assert!(!format!("{a:?}").contains(&a.key_b64));
    }
}
