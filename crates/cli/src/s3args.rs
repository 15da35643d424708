//! Command-line flags for S3 access and object scope.

use std::path::PathBuf;

use anyhow::{bail, Context, Result};
use chrono::{DateTime, NaiveDate, Utc};
use trawl_scanner::{Criteria, Scope, Shard};
use trawl_scanner::{S3Options, SseCKey};

/// S3 access (for `s3://` targets).
#[derive(clap::Args, Clone, Debug)]
#[command(next_help_heading = "S3")]
pub struct S3Args {
    /// AWS region (else the profile's or the environment's, else us-east-1).
    #[arg(long, value_name = "REGION")]
    region: Option<String>,
    /// Endpoint of an S3-compatible store (MinIO, Ceph, R2, ...); AWS_ENDPOINT_URL also works.
    #[arg(long, value_name = "URL")]
    endpoint_url: Option<String>,
    /// Named profile from the AWS config and credentials files.
    #[arg(long, value_name = "NAME")]
    profile: Option<String>,
    /// Path-style addressing (on by itself for IP and localhost endpoints).
    #[arg(long)]
    path_style: bool,
    /// Send unsigned requests (public buckets).
    #[arg(long)]
    no_sign_request: bool,
    /// Assume this IAM role for the scan (cross-account).
    #[arg(long, value_name = "ARN", conflicts_with_all = ["accounts", "organization"])]
    assume_role: Option<String>,
    /// Scan these accounts: 12-digit ids separated by commas, or a file of ids (one a line);
    /// each entered with the role of --role-name (the caller's own account as it is).
    #[arg(long, value_name = "FILE|ID,ID", requires = "role_name")]
    accounts: Option<String>,
    /// Scan every active account of the organization (AWS Organizations ListAccounts, from the
    /// management or a delegated-administrator account), each with the role of --role-name.
    #[arg(long, conflicts_with = "accounts", requires = "role_name")]
    organization: bool,
    /// The IAM role assumed in each account of --accounts or --organization.
    #[arg(long, value_name = "NAME")]
    role_name: Option<String>,
    /// The external id the role's trust policy asks for.
    #[arg(long, value_name = "ID", requires = "role_name")]
    external_id: Option<String>,
    /// Key for SSE-C objects: a file with 32 bytes (raw, base64 or hex).
    #[arg(long, value_name = "FILE")]
    sse_c_key_file: Option<PathBuf>,
    /// GETs in flight (0 = chosen from the cores).
    #[arg(long, default_value_t = 0, value_name = "N")]
    concurrency: usize,
    /// Scan every version of each object, not only the latest.
    #[arg(long)]
    all_versions: bool,
    /// Scan only buckets whose name matches this glob (repeatable; with `s3://`).
    #[arg(long, value_name = "GLOB")]
    include_bucket: Vec<String>,
    /// Leave out buckets whose name matches this glob (repeatable; wins over include).
    #[arg(long, value_name = "GLOB")]
    exclude_bucket: Vec<String>,
    /// Scan only buckets with this tag (KEY or KEY=VALUE; repeatable: any of them).
    #[arg(long, value_name = "TAG")]
    bucket_tag: Vec<String>,
    /// Scan only buckets in this region (repeatable).
    #[arg(long, value_name = "REGION")]
    bucket_region: Vec<String>,
    /// Scan only buckets that are publicly accessible (yes) or not (no).
    #[arg(long, value_name = "yes|no", value_parser = clap::builder::BoolishValueParser::new())]
    bucket_public: Option<bool>,
    /// List a bucket's objects from its S3 Inventory instead of ListObjectsV2: the
    /// inventory's destination `s3://BUCKET/PREFIX` (its newest manifest) or a `manifest.json`.
    /// CSV and Parquet inventories.
    #[arg(long, value_name = "S3_URI")]
    inventory: Option<String>,
    /// Allow a plain http:// endpoint (a warning is printed).
    #[arg(long)]
    allow_insecure_endpoint: bool,
    /// Extra CA certificates (PEM) to trust besides the platform's; AWS_CA_BUNDLE also works.
    #[arg(long, value_name = "FILE")]
    ca_bundle: Option<PathBuf>,
    /// Client certificate (PEM) for endpoints that require mutual TLS.
    #[arg(long, value_name = "FILE", requires = "client_key")]
    client_cert: Option<PathBuf>,
    /// Private key (PEM) of the client certificate; refused when group- or world-readable.
    #[arg(long, value_name = "FILE")]
    client_key: Option<PathBuf>,
    /// Check each bucket's settings and report posture findings (public access, encryption,
    /// sharing, replication, transport).
    #[arg(long)]
    posture: bool,
    /// Attempts per request before an object gets READ_ERROR (each also retried by the SDK).
    #[arg(long, default_value_t = 5, value_name = "N")]
    retries: u32,
}

impl S3Args {
    /// The accounts of the run, checked.
    fn accounts(&self) -> Result<trawl_scanner::Accounts> {
        let set = match (&self.accounts, self.organization) {
            (Some(list), _) => trawl_scanner::AccountSet::Ids(
                trawl_scanner::parse_account_list(list).map_err(|e| anyhow::anyhow!("{e}"))?,
            ),
            (None, true) => trawl_scanner::AccountSet::Organization,
            (None, false) => trawl_scanner::AccountSet::Caller,
        };
        let accounts = trawl_scanner::Accounts {
            set,
            role_name: self.role_name.clone(),
            external_id: self.external_id.clone(),
        };
        accounts.validate().map_err(|e| anyhow::anyhow!("{e}"))?;
        Ok(accounts)
    }

    /// The scanner's options.
    pub fn options(&self) -> Result<S3Options> {
        let sse_c_key = match &self.sse_c_key_file {
            None => None,
            Some(p) => Some(SseCKey::load(p).context("--sse-c-key-file")?),
        };
        if self.retries == 0 {
            bail!("--retries: at least 1");
        }
        let retry = trawl_scanner::RetryPolicy {
            attempts: self.retries,
            ..Default::default()
        };
        Ok(S3Options {
            region: self.region.clone(),
            endpoint_url: self.endpoint_url.clone(),
            profile: self.profile.clone(),
            path_style: self.path_style,
            no_sign_request: self.no_sign_request,
            assume_role: self.assume_role.clone(),
            accounts: self.accounts()?,
            sse_c_key,
            concurrency: self.concurrency,
            all_versions: self.all_versions,
            tls: trawl_net::TlsOptions {
                ca_bundle: self.ca_bundle.clone(),
                client_cert: self.client_cert.clone(),
                client_key: self.client_key.clone(),
                allow_insecure_endpoint: self.allow_insecure_endpoint,
            },
            posture: self.posture,
            retry,
            inventory: self.inventory.clone(),
            buckets: {
                let b = trawl_scanner::BucketCriteria {
                    include: self.include_bucket.clone(),
                    exclude: self.exclude_bucket.clone(),
                    tags: tags(&self.bucket_tag),
                    regions: self.bucket_region.clone(),
                    public: self.bucket_public,
                };
                b.validate().map_err(|e| anyhow::anyhow!("{e}"))?;
                b
            },
        })
    }
}

/// Which listed objects to scan (exclude wins over include).
#[derive(clap::Args, Clone, Debug)]
#[command(next_help_heading = "Object scope")]
pub struct ScopeArgs {
    /// Scan only these extensions (comma-separated: csv,json.gz is not an extension; gz is).
    #[arg(long, value_delimiter = ',', value_name = "EXT")]
    include_ext: Vec<String>,
    /// Leave out these extensions.
    #[arg(long, value_delimiter = ',', value_name = "EXT")]
    exclude_ext: Vec<String>,
    /// Scan only keys starting with one of these (relative to a local target directory).
    #[arg(long, value_name = "PREFIX")]
    include_prefix: Vec<String>,
    /// Leave out keys starting with this.
    #[arg(long, value_name = "PREFIX")]
    exclude_prefix: Vec<String>,
    /// Smallest object size (bytes, or with K, M, G, T suffix).
    #[arg(long, value_name = "SIZE")]
    min_size: Option<String>,
    /// Largest object size.
    #[arg(long, value_name = "SIZE")]
    max_size: Option<String>,
    /// Only objects modified at or after (RFC 3339 or YYYY-MM-DD).
    #[arg(long, value_name = "TIME")]
    modified_after: Option<String>,
    /// Only objects modified before.
    #[arg(long, value_name = "TIME")]
    modified_before: Option<String>,
    /// Only objects with this tag (KEY or KEY=VALUE; repeatable: any of them).
    #[arg(long, value_name = "TAG")]
    include_tag: Vec<String>,
    /// Leave out objects with this tag.
    #[arg(long, value_name = "TAG")]
    exclude_tag: Vec<String>,
    /// Scan only this percentage of the objects in scope, chosen at random (each whole).
    #[arg(long, value_name = "PERCENT")]
    sample: Option<f64>,
    /// Seed of the random sample (the same seed picks the same objects).
    #[arg(long, value_name = "N")]
    sample_seed: Option<u64>,
    /// Scan only shard K of N (0-based): one run split across processes or machines, each
    /// object owned by exactly one shard (a stable hash of bucket, key and version).
    #[arg(long, value_name = "K/N")]
    shard: Option<String>,
    /// Split into N shards, this one's index from JOB_COMPLETION_INDEX (a Kubernetes Indexed
    /// Job) or AWS_BATCH_JOB_ARRAY_INDEX (an AWS Batch array job).
    #[arg(long, value_name = "N", conflicts_with = "shard")]
    shard_count: Option<u64>,
}

/// The shard from `--shard K/N`, or `--shard-count N` with the index from the engine's own
/// variable.
pub(crate) fn shard_of(
    shard: Option<&str>,
    count: Option<u64>,
    var: &dyn Fn(&str) -> Option<String>,
) -> Result<Option<Shard>> {
    if let Some(text) = shard {
        return Shard::parse(text)
            .map(Some)
            .map_err(|e| anyhow::anyhow!("--shard: {e}"));
    }
    let Some(n) = count else { return Ok(None) };
    let from = ["JOB_COMPLETION_INDEX", "AWS_BATCH_JOB_ARRAY_INDEX"]
        .into_iter()
        .find_map(|name| var(name).map(|v| (name, v)));
    let Some((name, value)) = from else {
        anyhow::bail!(
            "--shard-count {n}: set JOB_COMPLETION_INDEX (Kubernetes Indexed Job) or \
             AWS_BATCH_JOB_ARRAY_INDEX (AWS Batch array job), or give --shard K/N"
        );
    };
    let k: u64 = value
        .trim()
        .parse()
        .map_err(|_| anyhow::anyhow!("--shard-count {n}: {name}={value:?} is not a shard index"))?;
    Shard::new(k, n)
        .map(Some)
        .map_err(|e| anyhow::anyhow!("--shard-count {n} with {name}={k}: {e}"))
}

/// Parses `10`, `10K`, `1.5M`, `2G`, `1T` (binary multiples) into bytes.
pub fn parse_size(s: &str) -> Result<u64> {
    let t = s.trim();
    let (num, mult) = match t.char_indices().last() {
        Some((i, c)) if c.is_ascii_alphabetic() => {
            let m: u64 = match c.to_ascii_uppercase() {
                'K' => 1 << 10,
                'M' => 1 << 20,
                'G' => 1 << 30,
                'T' => 1 << 40,
                'B' => 1,
                _ => bail!("{s:?}: size suffixes are K, M, G, T"),
            };
            (&t[..i], m)
        }
        _ => (t, 1),
    };
    let v: f64 = num
        .trim()
        .parse()
        .with_context(|| format!("{s:?} is not a size"))?;
    if !v.is_finite() || v < 0.0 {
        bail!("{s:?} is not a size");
    }
    Ok((v * mult as f64).round() as u64)
}

/// Parses RFC 3339 or a plain date (midnight UTC).
pub fn parse_time(s: &str) -> Result<DateTime<Utc>> {
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(t.with_timezone(&Utc));
    }
    let d = NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .with_context(|| format!("{s:?}: give RFC 3339 (2026-01-31T12:00:00Z) or YYYY-MM-DD"))?;
    Ok(d.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc())
}

fn tags(list: &[String]) -> Vec<(String, Option<String>)> {
    list.iter()
        .map(|t| match t.split_once('=') {
            Some((k, v)) => (k.to_string(), Some(v.to_string())),
            None => (t.clone(), None),
        })
        .collect()
}

fn extensions(list: &[String]) -> Vec<String> {
    list.iter()
        .map(|e| e.trim().trim_start_matches('.').to_ascii_lowercase())
        .filter(|e| !e.is_empty())
        .collect()
}

impl ScopeArgs {
    /// The scanner's scope.
    pub fn scope(&self) -> Result<Scope> {
        let size = |s: &Option<String>, flag: &str| -> Result<Option<u64>> {
            s.as_deref()
                .map(parse_size)
                .transpose()
                .with_context(|| flag.to_string())
        };
        let time = |s: &Option<String>, flag: &str| -> Result<Option<DateTime<Utc>>> {
            s.as_deref()
                .map(parse_time)
                .transpose()
                .with_context(|| flag.to_string())
        };
        let scope = Scope {
            include: Criteria {
                extensions: extensions(&self.include_ext),
                key_prefixes: self.include_prefix.clone(),
                min_size: size(&self.min_size, "--min-size")?,
                max_size: size(&self.max_size, "--max-size")?,
                modified_after: time(&self.modified_after, "--modified-after")?,
                modified_before: time(&self.modified_before, "--modified-before")?,
                tags: tags(&self.include_tag),
            },
            exclude: Criteria {
                extensions: extensions(&self.exclude_ext),
                key_prefixes: self.exclude_prefix.clone(),
                tags: tags(&self.exclude_tag),
                ..Default::default()
            },
            sample_percent: self.sample,
            sample_seed: self.sample_seed,
            shard: shard_of(self.shard.as_deref(), self.shard_count, &|n| {
                std::env::var(n).ok().filter(|v| !v.is_empty())
            })?,
        };
        scope.validate().map_err(|e| anyhow::anyhow!("{e}"))?;
        Ok(scope)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_from_flags_and_engine_variables() {
        let none = |_: &str| None;
        assert_eq!(shard_of(None, None, &none).unwrap(), None);
        assert_eq!(
            shard_of(Some("1/4"), None, &none).unwrap(),
            Some(Shard { index: 1, count: 4 })
        );
        let e = shard_of(Some("4/4"), None, &none).unwrap_err().to_string();
        assert_eq!(
            e,
            "--shard: shard 4/4: shards are numbered from 0, so the last of 4 is 3"
        );
        assert!(shard_of(Some("x"), None, &none)
            .unwrap_err()
            .to_string()
            .contains("give K/N"));
        let k8s = |n: &str| (n == "JOB_COMPLETION_INDEX").then(|| "2".to_string());
        assert_eq!(
            shard_of(None, Some(3), &k8s).unwrap(),
            Some(Shard { index: 2, count: 3 })
        );
        let batch = |n: &str| (n == "AWS_BATCH_JOB_ARRAY_INDEX").then(|| "7".to_string());
        let e = shard_of(None, Some(4), &batch).unwrap_err().to_string();
        assert!(e.contains("AWS_BATCH_JOB_ARRAY_INDEX=7"), "{e}");
        let e = shard_of(None, Some(4), &none).unwrap_err().to_string();
        assert!(e.contains("set JOB_COMPLETION_INDEX"), "{e}");
    }

    #[test]
    fn sizes() {
        assert_eq!(parse_size("10").unwrap(), 10);
        assert_eq!(parse_size("2K").unwrap(), 2048);
        assert_eq!(parse_size("1.5m").unwrap(), 1_572_864);
        assert_eq!(parse_size("1G").unwrap(), 1 << 30);
        assert!(parse_size("-1").is_err());
        assert!(parse_size("5X").is_err());
        assert!(parse_size("").is_err());
    }

    #[test]
    fn times() {
        assert_eq!(
            parse_time("2026-01-31").unwrap().to_rfc3339(),
            "2026-01-31T00:00:00+00:00"
        );
        assert!(parse_time("2026-01-31T12:00:00+02:00").is_ok());
        assert!(parse_time("yesterday").is_err());
    }
}
