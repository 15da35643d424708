//! S3 and S3-compatible object stores: the client (standard credential chain, profiles, assumed
//! roles, unsigned requests, custom endpoints), listing with retries, and streaming reads that
//! hand bytes to the CPU workers through a bounded queue.
//!
//! What cannot be read becomes a reason, never an error of the run: archived storage classes
//! (`INVALID_OBJECT_STATE`, no GET sent), SSE-C without a key and KMS denials
//! (`INVALID_ENCRYPTION`, `INVALID_KMS_KEY`), client-side encryption envelopes
//! (`ENCRYPTED_CONTENT`, body not read), vanished objects, denied reads, and reads that retries
//! did not cure (`READ_ERROR`).

use std::collections::HashMap;
use std::io::{self, Read};
use std::path::Path;
use std::time::Duration;

use aws_sdk_s3::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_s3::types::{OptionalObjectAttributes, RestoreStatus};
use aws_sdk_s3::Client;
use base64::Engine as _;
use bytes::Bytes;
use md5::{Digest, Md5};
use tokio::sync::{mpsc, OwnedSemaphorePermit};
use trawl_formats::{Reason, ReasonCode};

use super::{ObjectRef, Storage};

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
}

/// Retries of listing pages and reads: exponential backoff with full jitter.
#[derive(Clone, Copy, Debug)]
pub struct RetryPolicy {
    /// Attempts in all (the first one included); each attempt is itself retried by the SDK.
    pub attempts: u32,
    /// First backoff.
    pub base: Duration,
    /// Longest backoff.
    pub max: Duration,
}

impl Default for RetryPolicy {
    fn default() -> RetryPolicy {
        RetryPolicy {
            attempts: 5,
            base: Duration::from_millis(200),
            max: Duration::from_secs(20),
        }
    }
}

impl RetryPolicy {
    fn backoff(&self, attempt: u32) -> Duration {
        let exp = self
            .base
            .saturating_mul(1u32 << attempt.min(16))
            .min(self.max);
        // Full jitter: a random share of the exponential step.
        exp.mul_f64(rand::random::<f64>())
    }
}

/// A customer-provided SSE-C key.
#[derive(Clone)]
pub struct SseCKey {
    key_b64: String,
    md5_b64: String,
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

fn is_loopback_or_ip(url: &str) -> bool {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let host_port = rest.split('/').next().unwrap_or("");
    let host = if let Some(h) = host_port.strip_prefix('[') {
        h.split(']').next().unwrap_or("")
    } else {
        host_port.rsplit_once(':').map_or(host_port, |(h, _)| h)
    };
    host == "localhost" || host.parse::<std::net::IpAddr>().is_ok()
}

/// The endpoint in use (flag, else `AWS_ENDPOINT_URL_S3`, else `AWS_ENDPOINT_URL`).
fn endpoint(opts: &S3Options) -> Option<String> {
    opts.endpoint_url
        .clone()
        .or_else(|| std::env::var("AWS_ENDPOINT_URL_S3").ok())
        .or_else(|| std::env::var("AWS_ENDPOINT_URL").ok())
        .filter(|s| !s.is_empty())
}

/// Checks the endpoint: plain `http://` only when allowed. Returns a warning to print.
pub fn check_endpoint(opts: &S3Options) -> Result<Option<String>, String> {
    let Some(url) = endpoint(opts) else {
        return Ok(None);
    };
    let lower = url.to_ascii_lowercase();
    if lower.starts_with("https://") {
        return Ok(None);
    }
    if lower.starts_with("http://") {
        if opts.tls.allow_insecure_endpoint {
            return Ok(Some(format!(
                "warning: {url} is plain http: object contents and credentials signatures cross the network unencrypted"
            )));
        }
        return Err(format!(
            "refusing plain http endpoint {url}: use https, or pass --allow-insecure-endpoint"
        ));
    }
    Err(format!("endpoint {url}: not an http(s) URL"))
}

/// Builds a client from the standard credential chain and the options; also returns the
/// shared configuration (for other services of the same account, such as STS).
pub async fn client(opts: &S3Options) -> Result<(Client, aws_config::SdkConfig), String> {
    check_endpoint(opts)?;
    // One rustls stack for S3 and the credential providers: platform roots plus the CA bundle,
    // TLS 1.2 at least, the client certificate when given.
    let tls = opts.tls.clone().with_aws_env();
    let http = trawl_net::aws_http_client(&tls).map_err(|e| e.to_string())?;
    let mut loader = aws_config::defaults(aws_config::BehaviorVersion::latest()).http_client(http);
    if let Some(p) = &opts.profile {
        loader = loader.profile_name(p);
    }
    if let Some(r) = &opts.region {
        loader = loader.region(aws_config::Region::new(r.clone()));
    }
    if opts.no_sign_request {
        loader = loader.no_credentials();
    }
    let mut base = loader.load().await;
    if base.region().is_none() {
        base = base
            .into_builder()
            .region(aws_config::Region::new("us-east-1"))
            .build();
    }
    if let Some(arn) = &opts.assume_role {
        let provider = aws_config::sts::AssumeRoleProvider::builder(arn.clone())
            .session_name("trawl-scan")
            .configure(&base)
            .build()
            .await;
        base = base
            .into_builder()
            .credentials_provider(aws_sdk_s3::config::SharedCredentialsProvider::new(provider))
            .build();
    }
    let endpoint = endpoint(opts);
    if let Some(url) = &opts.endpoint_url {
        base = base.into_builder().endpoint_url(url).build();
    }
    let mut conf = aws_sdk_s3::config::Builder::from(&base);
    if let Some(url) = &endpoint {
        conf = conf.endpoint_url(url);
    }
    let path_style = opts.path_style || endpoint.as_deref().is_some_and(is_loopback_or_ip);
    conf = conf.force_path_style(path_style);
    Ok((Client::from_conf(conf.build()), base))
}

/// What went wrong with a request, once classified.
enum Failure {
    /// Worth another attempt (throttling, 5xx, timeouts, resets).
    Transient(String),
    /// A reason for the object's record.
    Final(Reason, Option<&'static str>),
}

fn status_of<E, R>(e: &SdkError<E, R>) -> Option<u16>
where
    R: HasStatus,
{
    e.raw_response().map(|r| r.status_u16())
}

/// The HTTP status of a raw response (the SDK's response type).
pub(crate) trait HasStatus {
    fn status_u16(&self) -> u16;
}

impl HasStatus for aws_sdk_s3::config::http::HttpResponse {
    fn status_u16(&self) -> u16 {
        self.status().as_u16()
    }
}

fn describe<E: ProvideErrorMetadata + std::error::Error, R: HasStatus + std::fmt::Debug>(
    e: &SdkError<E, R>,
) -> String {
    let status = status_of(e).map(|s| format!("HTTP {s}"));
    let code = e.code().map(str::to_string);
    let msg = e.message().map(str::to_string);
    let parts: Vec<String> = [status, code, msg].into_iter().flatten().collect();
    if parts.is_empty() {
        // Dispatch failures and timeouts carry their cause in the source chain.
        match e {
            SdkError::DispatchFailure(d) => format!("{e}: {:?}", d.as_connector_error()),
            _ => format!("{e}: {e:?}"),
        }
    } else {
        parts.join(": ")
    }
}

fn classify<E, R>(e: &SdkError<E, R>, with_sse_c_key: bool) -> Failure
where
    E: ProvideErrorMetadata + std::error::Error,
    R: HasStatus + std::fmt::Debug,
{
    let text = describe(e);
    match e {
        // Certificate and protocol problems are never retried: they would fail the same way.
        SdkError::DispatchFailure(d)
            if d.as_connector_error()
                .is_some_and(|c| trawl_net::classify(c).is_some()) =>
        {
            let why = d
                .as_connector_error()
                .map(|c| trawl_net::describe(c))
                .unwrap_or(text);
            return Failure::Final(Reason::new(ReasonCode::ReadError, why), None);
        }
        SdkError::DispatchFailure(_) | SdkError::TimeoutError(_) | SdkError::ResponseError(_) => {
            return Failure::Transient(text)
        }
        _ => {}
    }
    let status = status_of(e).unwrap_or(0);
    let code = e.code().unwrap_or("");
    let message = e.message().unwrap_or("").to_ascii_lowercase();
    let reason = |c: ReasonCode| Reason::new(c, text.clone());
    match code {
        "SlowDown"
        | "Throttling"
        | "ThrottlingException"
        | "RequestTimeout"
        | "InternalError"
        | "ServiceUnavailable"
        | "RequestTimeTooSkewed" => return Failure::Transient(text),
        "NoSuchKey" | "NoSuchVersion" => {
            return Failure::Final(reason(ReasonCode::SourceObjectNoLongerAvailable), None)
        }
        "InvalidObjectState" => {
            return Failure::Final(reason(ReasonCode::InvalidObjectState), None)
        }
        "KMS.DisabledException" | "KMS.KMSInvalidStateException" | "KMS.NotFoundException" => {
            return Failure::Final(reason(ReasonCode::InvalidKmsKey), Some("aws:kms"))
        }
        c if c.starts_with("KMS.") => {
            return Failure::Final(reason(ReasonCode::InvalidEncryption), Some("aws:kms"))
        }
        _ => {}
    }
    let sse_c_needed = message.contains("server side encryption")
        || message.contains("server-side encryption")
        || message.contains("sse-c")
        || message.contains("customer provided key")
        || message.contains("customer-provided");
    if status == 400 && sse_c_needed {
        return Failure::Final(reason(ReasonCode::InvalidEncryption), Some("SSE-C"));
    }
    if status == 403 {
        if message.contains("kms") {
            return Failure::Final(reason(ReasonCode::InvalidEncryption), Some("aws:kms"));
        }
        if with_sse_c_key {
            return Failure::Final(
                Reason::new(
                    ReasonCode::InvalidEncryption,
                    format!("{text} (the SSE-C key given does not match this object)"),
                ),
                Some("SSE-C"),
            );
        }
        return Failure::Final(reason(ReasonCode::PermissionDenied), None);
    }
    if status == 404 {
        return Failure::Final(reason(ReasonCode::SourceObjectNoLongerAvailable), None);
    }
    if status == 416 {
        // Ranged read past the end: the object shrank under us.
        return Failure::Final(reason(ReasonCode::ReadError), None);
    }
    if status >= 500 || status == 429 || status == 0 {
        return Failure::Transient(text);
    }
    Failure::Final(reason(ReasonCode::ReadError), None)
}

fn rfc3339(t: &aws_smithy_types::DateTime) -> Option<String> {
    let dt = chrono::DateTime::from_timestamp(t.secs(), t.subsec_nanos())?;
    Some(dt.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
}

fn unquote(etag: &str) -> String {
    etag.trim_matches('"').to_string()
}

/// Storage classes whose objects cannot be read without a restore.
fn archived(class: &str) -> bool {
    matches!(class, "GLACIER" | "DEEP_ARCHIVE")
}

/// Whether a listed object can be read now: archived classes only with a restored copy.
pub fn readable_now(storage_class: Option<&str>, restore: Option<&RestoreStatus>) -> bool {
    match storage_class {
        Some(c) if archived(c) => restore.is_some_and(|r| {
            r.is_restore_in_progress() == Some(false) && r.restore_expiry_date().is_some()
        }),
        _ => true,
    }
}

/// A listed object, with whether it can be read now.
pub struct Listed {
    /// The object.
    pub obj: ObjectRef,
    /// False for archived storage classes without a restored copy.
    pub readable: bool,
}

fn object_ref(
    bucket: &str,
    key: &str,
    size: Option<i64>,
    modified: Option<&aws_smithy_types::DateTime>,
    etag: Option<&str>,
    version: Option<&str>,
    class: Option<&str>,
) -> ObjectRef {
    ObjectRef {
        storage: Storage::S3,
        bucket: Some(bucket.to_string()),
        key: key.to_string(),
        uri: format!("s3://{bucket}/{key}"),
        size: size.unwrap_or(0).max(0) as u64,
        last_modified: modified.and_then(rfc3339),
        etag: etag.map(unquote),
        version_id: version.filter(|v| *v != "null").map(str::to_string),
        encryption: None,
        storage_class: class.map(str::to_string),
        tags: None,
        path: None,
    }
}

async fn with_retries<T, F, Fut, E>(policy: &RetryPolicy, mut op: F) -> Result<T, Failure>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<
        Output = Result<T, SdkError<E, aws_sdk_s3::config::http::HttpResponse>>,
    >,
    E: ProvideErrorMetadata + std::error::Error,
{
    let mut attempt = 0;
    loop {
        match op().await {
            Ok(v) => return Ok(v),
            Err(e) => match classify(&e, false) {
                Failure::Transient(t) if attempt + 1 < policy.attempts => {
                    tokio::time::sleep(policy.backoff(attempt)).await;
                    attempt += 1;
                    let _ = t;
                }
                Failure::Transient(t) => {
                    return Err(Failure::Final(
                        Reason::new(
                            ReasonCode::ReadError,
                            format!("{t} (after {} attempts)", attempt + 1),
                        ),
                        None,
                    ))
                }
                f => return Err(f),
            },
        }
    }
}

fn failure_text(f: Failure) -> String {
    match f {
        Failure::Transient(t) => t,
        Failure::Final(r, _) => r.message,
    }
}

/// Lists the buckets the credentials can list.
pub async fn list_buckets(client: &Client, policy: &RetryPolicy) -> Result<Vec<String>, String> {
    let mut names = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let out = with_retries(policy, || {
            client
                .list_buckets()
                .set_continuation_token(token.clone())
                .send()
        })
        .await
        .map_err(failure_text)?;
        names.extend(
            out.buckets()
                .iter()
                .filter_map(|b| b.name().map(str::to_string)),
        );
        match out.continuation_token() {
            Some(t) if !t.is_empty() => token = Some(t.to_string()),
            _ => return Ok(names),
        }
    }
}

/// Lists a bucket's objects under `prefix` page by page (every version with `all_versions`).
pub struct Lister<'a> {
    client: &'a Client,
    bucket: &'a str,
    prefix: &'a str,
    opts: &'a S3Options,
    token: Option<String>,
    key_marker: Option<String>,
    version_marker: Option<String>,
    restore_attr: bool,
    done: bool,
}

impl<'a> Lister<'a> {
    /// A lister of `bucket` under `prefix`.
    pub fn new(client: &'a Client, bucket: &'a str, prefix: &'a str, opts: &'a S3Options) -> Self {
        Lister {
            client,
            bucket,
            prefix,
            opts,
            token: None,
            key_marker: None,
            version_marker: None,
            // Restore status tells whether an archived object has a readable copy; stores
            // that do not know the attribute get plain listings.
            restore_attr: true,
            done: false,
        }
    }

    /// The next page; `None` at the end. A failure that retries did not cure is an error
    /// (pages before it were already returned).
    pub async fn next_page(&mut self) -> Result<Option<Vec<Listed>>, String> {
        if self.done {
            return Ok(None);
        }
        let (client, bucket, prefix, policy) =
            (self.client, self.bucket, self.prefix, &self.opts.retry);
        if self.opts.all_versions {
            let (km, vm) = (self.key_marker.clone(), self.version_marker.clone());
            let out = with_retries(policy, || {
                client
                    .list_object_versions()
                    .bucket(bucket)
                    .prefix(prefix)
                    .set_key_marker(km.clone())
                    .set_version_id_marker(vm.clone())
                    .send()
            })
            .await
            .map_err(failure_text)?;
            let page = out
                .versions()
                .iter()
                .filter_map(|v| {
                    let key = v.key()?;
                    let class = v.storage_class().map(|c| c.as_str());
                    Some(Listed {
                        obj: object_ref(
                            bucket,
                            key,
                            v.size(),
                            v.last_modified(),
                            v.e_tag(),
                            v.version_id(),
                            class,
                        ),
                        readable: readable_now(class, v.restore_status()),
                    })
                })
                .collect();
            self.key_marker = out.next_key_marker().map(str::to_string);
            self.version_marker = out.next_version_id_marker().map(str::to_string);
            self.done = out.is_truncated() != Some(true) || self.key_marker.is_none();
            return Ok(Some(page));
        }
        loop {
            let token = self.token.clone();
            let restore_attr = self.restore_attr;
            let req = || {
                let r = client
                    .list_objects_v2()
                    .bucket(bucket)
                    .prefix(prefix)
                    .set_continuation_token(token.clone());
                if restore_attr {
                    r.optional_object_attributes(OptionalObjectAttributes::RestoreStatus)
                } else {
                    r
                }
                .send()
            };
            let out = match with_retries(policy, req).await {
                Ok(o) => o,
                Err(Failure::Final(r, _)) if restore_attr && r.message.contains("HTTP 400") => {
                    self.restore_attr = false;
                    continue;
                }
                Err(f) => return Err(failure_text(f)),
            };
            let page = out
                .contents()
                .iter()
                .filter_map(|o| {
                    let key = o.key()?;
                    let class = o.storage_class().map(|c| c.as_str());
                    Some(Listed {
                        obj: object_ref(
                            bucket,
                            key,
                            o.size(),
                            o.last_modified(),
                            o.e_tag(),
                            None,
                            class,
                        ),
                        readable: readable_now(class, o.restore_status()),
                    })
                })
                .collect();
            match out.next_continuation_token() {
                Some(t) if out.is_truncated() == Some(true) => self.token = Some(t.to_string()),
                _ => self.done = true,
            }
            return Ok(Some(page));
        }
    }
}

/// The client to use for `bucket`: on AWS (no custom endpoint) a bucket in another region
/// needs a client of that region.
pub async fn client_for_bucket(client: &Client, bucket: &str, opts: &S3Options) -> Client {
    if endpoint(opts).is_some() {
        return client.clone();
    }
    let Ok(out) = client.head_bucket().bucket(bucket).send().await else {
        return client.clone();
    };
    match out.bucket_region() {
        Some(r) if Some(r) != client.config().region().map(|x| x.as_ref()) => {
            let conf = client
                .config()
                .to_builder()
                .region(aws_config::Region::new(r.to_string()))
                .build();
            Client::from_conf(conf)
        }
        _ => client.clone(),
    }
}

/// Fetches an object's tags (for scope criteria on tags).
pub async fn tags(
    client: &Client,
    obj: &ObjectRef,
    policy: &RetryPolicy,
) -> Result<Vec<(String, String)>, String> {
    let bucket = obj.bucket.as_deref().unwrap_or_default();
    let out = with_retries(policy, || {
        client
            .get_object_tagging()
            .bucket(bucket)
            .key(&obj.key)
            .set_version_id(obj.version_id.clone())
            .send()
    })
    .await
    .map_err(failure_text)?;
    Ok(out
        .tag_set()
        .iter()
        .map(|t| (t.key().to_string(), t.value().to_string()))
        .collect())
}

/// Metadata keys of the S3 Encryption Client's envelope (v1 and v2).
const ENVELOPE_KEYS: [&str; 4] = [
    "x-amz-key",
    "x-amz-key-v2",
    "x-amz-cek-alg",
    "x-amz-wrap-alg",
];

fn envelope(meta: Option<&HashMap<String, String>>) -> Option<String> {
    let meta = meta?;
    let found: Vec<&str> = ENVELOPE_KEYS
        .iter()
        .copied()
        .filter(|k| meta.keys().any(|m| m.eq_ignore_ascii_case(k)))
        .collect();
    if found.is_empty() {
        return None;
    }
    let alg = meta
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("x-amz-cek-alg"))
        .map(|(_, v)| format!(", content cipher {v}"))
        .unwrap_or_default();
    Some(format!(
        "client-side encryption envelope (metadata {}{alg}): the bytes are ciphertext",
        found.join(", ")
    ))
}

/// An object opened for reading, or why it cannot be.
pub enum Opened {
    /// The body, streaming in the background.
    Body(ObjectRef, S3Body),
    /// Not readable (a SKIPPED record with this reason).
    Skipped(ObjectRef, Reason),
}

/// An object body as a blocking reader: a background task streams it into a bounded queue
/// (resuming with ranged GETs after a failure), the CPU worker reads it here.
pub struct S3Body {
    rx: mpsc::Receiver<io::Result<Bytes>>,
    cur: Bytes,
    done: bool,
    _permit: Option<OwnedSemaphorePermit>,
}

impl Read for S3Body {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.cur.is_empty() {
            if self.done {
                return Ok(0);
            }
            match self.rx.blocking_recv() {
                Some(Ok(b)) => self.cur = b,
                Some(Err(e)) => {
                    self.done = true;
                    return Err(e);
                }
                None => self.done = true,
            }
        }
        let n = buf.len().min(self.cur.len());
        buf[..n].copy_from_slice(&self.cur[..n]);
        let _ = self.cur.split_to(n);
        Ok(n)
    }
}

/// Chunks buffered per object body. Each is one network read (8 KiB to about 400 KiB), so 64
/// objects in flight hold at most about 100 MiB here; the socket buffers hold more.
const BODY_QUEUE: usize = 4;

fn encryption_of(out: &aws_sdk_s3::operation::get_object::GetObjectOutput) -> String {
    if out.sse_customer_algorithm().is_some() {
        return "SSE-C".into();
    }
    match out.server_side_encryption() {
        Some(s) => s.as_str().to_string(),
        None => "NONE".into(),
    }
}

struct Get<'a> {
    client: &'a Client,
    obj: &'a ObjectRef,
    sse_c: Option<&'a SseCKey>,
}

impl Get<'_> {
    async fn send(
        &self,
        from: u64,
        if_match: Option<&str>,
    ) -> Result<
        aws_sdk_s3::operation::get_object::GetObjectOutput,
        SdkError<
            aws_sdk_s3::operation::get_object::GetObjectError,
            aws_sdk_s3::config::http::HttpResponse,
        >,
    > {
        let mut req = self
            .client
            .get_object()
            .bucket(self.obj.bucket.as_deref().unwrap_or_default())
            .key(&self.obj.key)
            .set_version_id(self.obj.version_id.clone());
        if from > 0 {
            req = req.range(format!("bytes={from}-"));
        }
        if let Some(e) = if_match {
            req = req.if_match(format!("\"{e}\""));
        }
        if let Some(k) = self.sse_c {
            req = req
                .sse_customer_algorithm("AES256")
                .sse_customer_key(&k.key_b64)
                .sse_customer_key_md5(&k.md5_b64);
        }
        req.send().await
    }
}

/// Opens an object: sends the GET (with retries), classifies failures into reasons, checks for
/// a client-side encryption envelope, and starts streaming the body into a bounded queue.
/// `permit` is held until the body is dropped.
pub async fn open(
    client: &Client,
    mut obj: ObjectRef,
    opts: &S3Options,
    permit: Option<OwnedSemaphorePermit>,
) -> Opened {
    let policy = opts.retry;
    let mut use_key = false;
    let mut attempt = 0u32;
    let out = loop {
        let get = Get {
            client,
            obj: &obj,
            sse_c: if use_key {
                opts.sse_c_key.as_ref()
            } else {
                None
            },
        };
        match get.send(0, None).await {
            Ok(out) => break out,
            Err(e) => match classify(&e, use_key) {
                Failure::Transient(t) => {
                    if attempt + 1 >= policy.attempts {
                        return Opened::Skipped(
                            obj,
                            Reason::new(
                                ReasonCode::ReadError,
                                format!("GET failed after {} attempts: {t}", attempt + 1),
                            ),
                        );
                    }
                    tokio::time::sleep(policy.backoff(attempt)).await;
                    attempt += 1;
                }
                Failure::Final(reason, enc) => {
                    if enc == Some("SSE-C") && !use_key && opts.sse_c_key.is_some() {
                        use_key = true;
                        continue;
                    }
                    if let Some(enc) = enc {
                        obj.encryption = Some(enc.to_string());
                    }
                    let reason = if enc == Some("SSE-C") && !use_key {
                        Reason::new(
                            ReasonCode::InvalidEncryption,
                            format!(
                                "encrypted with a customer-provided key (SSE-C) and no key was given (--sse-c-key-file): {}",
                                reason.message
                            ),
                        )
                    } else {
                        reason
                    };
                    return Opened::Skipped(obj, reason);
                }
            },
        }
    };
    obj.encryption = Some(encryption_of(&out));
    if let Some(v) = out.version_id() {
        if v != "null" && obj.version_id.is_none() && opts.all_versions {
            obj.version_id = Some(v.to_string());
        }
    }
    if let Some(why) = envelope(out.metadata()) {
        return Opened::Skipped(obj, Reason::new(ReasonCode::EncryptedContent, why));
    }
    let etag = out.e_tag().map(unquote).or_else(|| obj.etag.clone());
    let (tx, rx) = mpsc::channel(BODY_QUEUE);
    let task_client = client.clone();
    let task_obj = obj.clone();
    let sse_c = if use_key {
        opts.sse_c_key.clone()
    } else {
        None
    };
    let body = out.body;
    tokio::spawn(async move {
        stream_body(task_client, task_obj, sse_c, etag, body, policy, tx).await;
    });
    Opened::Body(
        obj,
        S3Body {
            rx,
            cur: Bytes::new(),
            done: false,
            _permit: permit,
        },
    )
}

/// The error a body reader gets once the retry budget is spent.
fn gave_up(failures: u32, pos: u64, last: &str) -> io::Error {
    io::Error::other(format!(
        "reading the body failed {failures} times, last at byte {pos}: {last}"
    ))
}

/// Streams a body into `tx`; after a network failure it resumes with a ranged GET from where
/// it stopped (pinned to the same ETag), up to the retry policy's attempts.
async fn stream_body(
    client: Client,
    obj: ObjectRef,
    sse_c: Option<SseCKey>,
    etag: Option<String>,
    mut body: aws_sdk_s3::primitives::ByteStream,
    policy: RetryPolicy,
    tx: mpsc::Sender<io::Result<Bytes>>,
) {
    let mut pos = 0u64;
    let mut failures = 0u32;
    loop {
        let err = loop {
            match body.next().await {
                None => return,
                Some(Ok(chunk)) => {
                    pos += chunk.len() as u64;
                    if tx.send(Ok(chunk)).await.is_err() {
                        // The reader is gone (it read what it needed).
                        return;
                    }
                }
                Some(Err(e)) => break e.to_string(),
            }
        };
        failures += 1;
        if failures >= policy.attempts {
            let _ = tx.send(Err(gave_up(failures, pos, &err))).await;
            return;
        }
        tokio::time::sleep(policy.backoff(failures - 1)).await;
        let get = Get {
            client: &client,
            obj: &obj,
            sse_c: sse_c.as_ref(),
        };
        // Resume; transient failures of the resume count against the same budget.
        loop {
            match get.send(pos, etag.as_deref()).await {
                Ok(out) => {
                    body = out.body;
                    break;
                }
                Err(e) => {
                    let text = match classify(&e, sse_c.is_some()) {
                        Failure::Transient(t) => t,
                        Failure::Final(r, _) => {
                            let _ = tx
                                .send(Err(io::Error::other(format!(
                                    "resuming the read at byte {pos} failed: {}",
                                    r.message
                                ))))
                                .await;
                            return;
                        }
                    };
                    failures += 1;
                    if failures >= policy.attempts {
                        let _ = tx.send(Err(gave_up(failures, pos, &text))).await;
                        return;
                    }
                    tokio::time::sleep(policy.backoff(failures - 1)).await;
                }
            }
        }
    }
}

/// The default number of GETs in flight: enough to hide request latency behind the CPU
/// workers (object stores answer a GET in 10-100 ms).
pub fn default_concurrency(threads: usize) -> usize {
    (threads.max(1) * 16).clamp(16, 128)
}

/// The reason for an archived object that is not restored (no GET is sent for it).
pub fn archived_reason(obj: &ObjectRef) -> Reason {
    Reason::new(
        ReasonCode::InvalidObjectState,
        format!(
            "storage class {} needs a restore before it can be read",
            obj.storage_class.as_deref().unwrap_or("archived")
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn archived_classes_need_a_restored_copy() {
        assert!(readable_now(None, None));
        assert!(readable_now(Some("STANDARD"), None));
        assert!(readable_now(Some("GLACIER_IR"), None));
        assert!(readable_now(Some("STANDARD_IA"), None));
        assert!(!readable_now(Some("GLACIER"), None));
        assert!(!readable_now(Some("DEEP_ARCHIVE"), None));
        let in_progress = RestoreStatus::builder()
            .is_restore_in_progress(true)
            .build();
        assert!(!readable_now(Some("GLACIER"), Some(&in_progress)));
        let restored = RestoreStatus::builder()
            .is_restore_in_progress(false)
            .restore_expiry_date(aws_smithy_types::DateTime::from_secs(2_000_000_000))
            .build();
        assert!(readable_now(Some("DEEP_ARCHIVE"), Some(&restored)));
    }

    #[test]
    fn envelope_metadata_is_recognised() {
        let mut m = HashMap::new();
        m.insert("color".to_string(), "blue".to_string());
        assert!(envelope(Some(&m)).is_none());
        m.insert("x-amz-key-v2".to_string(), "AQID".to_string());
        m.insert("x-amz-cek-alg".to_string(), "AES/GCM/NoPadding".to_string());
        let why = envelope(Some(&m)).unwrap();
        assert!(
            why.contains("x-amz-key-v2") && why.contains("AES/GCM/NoPadding"),
            "{why}"
        );
        assert!(envelope(None).is_none());
    }

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

    #[test]
    fn endpoints_must_be_https_unless_allowed() {
        let mut o = S3Options {
            endpoint_url: Some("http://127.0.0.1:5000".into()),
            ..Default::default()
        };
        assert!(check_endpoint(&o)
            .unwrap_err()
            .contains("--allow-insecure-endpoint"));
        o.tls.allow_insecure_endpoint = true;
        assert!(check_endpoint(&o).unwrap().unwrap().contains("plain http"));
        o.endpoint_url = Some("https://s3.example.com".into());
        assert!(check_endpoint(&o).unwrap().is_none());
        o.endpoint_url = Some("ftp://x".into());
        assert!(check_endpoint(&o).is_err());
    }

    #[test]
    fn path_style_for_ip_and_localhost() {
        assert!(is_loopback_or_ip("http://127.0.0.1:5000"));
        assert!(is_loopback_or_ip("http://localhost:9000/"));
        assert!(is_loopback_or_ip("http://[::1]:9000"));
        assert!(!is_loopback_or_ip("https://s3.eu-west-1.amazonaws.com"));
        assert!(!is_loopback_or_ip("https://minio.internal:9000"));
    }

    #[test]
    fn backoff_grows_and_is_capped() {
        let p = RetryPolicy {
            attempts: 5,
            base: Duration::from_millis(100),
            max: Duration::from_secs(1),
        };
        for a in 0..20 {
            assert!(p.backoff(a) <= Duration::from_secs(1));
        }
    }
}
