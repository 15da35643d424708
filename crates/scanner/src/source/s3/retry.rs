//! Retries on top of the SDK's own, and the classification of failed requests: transient
//! (worth another attempt) or final (a reason for the object's record).

use std::time::Duration;

use aws_sdk_s3::error::{ProvideErrorMetadata, SdkError};
use trawl_formats::{Reason, ReasonCode};

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
    pub(super) fn backoff(&self, attempt: u32) -> Duration {
        let exp = self
            .base
            .saturating_mul(1u32 << attempt.min(16))
            .min(self.max);
        // Full jitter: a random share of the exponential step.
        exp.mul_f64(rand::random::<f64>())
    }
}

/// What went wrong with a request, once classified.
pub(super) enum Failure {
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

/// The HTTP status and headers of a raw response (the SDK's response type).
pub(crate) trait HasStatus {
    fn status_u16(&self) -> u16;
    fn header(&self, name: &str) -> Option<&str>;
}

impl HasStatus for aws_sdk_s3::config::http::HttpResponse {
    fn status_u16(&self) -> u16 {
        self.status().as_u16()
    }
    fn header(&self, name: &str) -> Option<&str> {
        self.headers().get(name)
    }
}

/// When S3 says the bucket is in another region, what to do about it: the region comes from
/// the `x-amz-bucket-region` header of the answer, or from the message.
fn region_hint<E: ProvideErrorMetadata, R: HasStatus>(e: &SdkError<E, R>) -> Option<String> {
    let code = e.code().unwrap_or("");
    let wrong_region = status_of(e) == Some(301)
        || matches!(
            code,
            "PermanentRedirect"
                | "AuthorizationHeaderMalformed"
                | "IllegalLocationConstraintException"
        );
    if !wrong_region {
        return None;
    }
    let from_header = e
        .raw_response()
        .and_then(|r| r.header("x-amz-bucket-region"))
        .map(str::to_string);
    // "... the region 'us-east-1' is wrong; expecting 'eu-west-1'"
    let from_message = e.message().and_then(|m| {
        let rest = &m[m.find("expecting '")? + "expecting '".len()..];
        Some(rest[..rest.find('\'')?].to_string())
    });
    let region = from_header
        .or(from_message)
        .filter(|r| !r.is_empty() && r.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'));
    Some(match region {
        Some(r) => format!("the bucket is in region {r}: pass --region {r}"),
        None => "the bucket is in another region: pass its region with --region".to_string(),
    })
}

fn describe<
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: HasStatus + std::fmt::Debug,
>(
    e: &SdkError<E, R>,
) -> String {
    let status = status_of(e).map(|s| format!("HTTP {s}"));
    let code = e.code().map(str::to_string);
    let msg = e.message().map(str::to_string);
    let parts: Vec<String> = [status, code, msg].into_iter().flatten().collect();
    if !parts.is_empty() {
        return match region_hint(e) {
            Some(hint) => format!("{} ({hint})", parts.join(": ")),
            None => parts.join(": "),
        };
    }
    // Dispatch failures and timeouts carry their cause in the source chain: name the
    // innermost causes, never the SDK's structures.
    if no_credentials(e) {
        return NO_CREDENTIALS.to_string();
    }
    let mut causes: Vec<String> = Vec::new();
    let mut next: Option<&(dyn std::error::Error + 'static)> = std::error::Error::source(e);
    while let Some(c) = next {
        let text = c.to_string();
        if !text.is_empty() && !causes.iter().any(|p| p.contains(&text)) {
            causes.push(text);
        }
        next = c.source();
    }
    match causes.last() {
        Some(inner) => format!("{e}: {inner}"),
        None => e.to_string(),
    }
}

/// What a user is told when the AWS credential chain found nothing.
pub(crate) const NO_CREDENTIALS: &str = "no AWS credentials found: set AWS_PROFILE (or \
AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY), run where an instance or container role is \
available, or use --no-sign-request for a public bucket";

/// Whether a request failed because the credential chain found no credentials.
pub(crate) fn no_credentials<E, R>(e: &SdkError<E, R>) -> bool
where
    E: std::error::Error + 'static,
    R: std::fmt::Debug,
{
    use aws_credential_types::provider::error::CredentialsError;
    let mut next: Option<&(dyn std::error::Error + 'static)> = std::error::Error::source(e);
    while let Some(c) = next {
        if matches!(
            c.downcast_ref::<CredentialsError>(),
            Some(CredentialsError::CredentialsNotLoaded(_))
        ) {
            return true;
        }
        next = c.source();
    }
    false
}

pub(super) fn classify<E, R>(e: &SdkError<E, R>, with_sse_c_key: bool) -> Failure
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
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
        // Missing credentials stay missing: not retried.
        SdkError::DispatchFailure(_) if no_credentials(e) => {
            return Failure::Final(Reason::new(ReasonCode::PermissionDenied, text), None)
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

pub(super) async fn with_retries<T, F, Fut, E>(
    policy: &RetryPolicy,
    mut op: F,
) -> Result<T, Failure>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<
        Output = Result<T, SdkError<E, aws_sdk_s3::config::http::HttpResponse>>,
    >,
    E: ProvideErrorMetadata + std::error::Error + 'static,
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

pub(super) fn failure_text(f: Failure) -> String {
    match f {
        Failure::Transient(t) => t,
        Failure::Final(r, _) => r.message,
    }
}

/// A failed listing's text with what to do about it, for the errors a person meets first:
/// access denied, no such bucket, an endpoint that does not answer (not a credential
/// provider's failure, which says what it is itself).
pub(super) fn listing_failure_text(f: Failure) -> String {
    let text = failure_text(f);
    let lower = text.to_ascii_lowercase();
    let hint = if text.contains("AccessDenied") || text.contains("HTTP 403") {
        "the identity in use may not list this bucket: it needs s3:ListBucket on the bucket and \
         s3:GetObject on its objects (`aws sts get-caller-identity` names the identity)"
    } else if text.contains("NoSuchBucket") {
        "there is no bucket by that name at this endpoint: check the name (and --endpoint-url)"
    } else if [
        "dispatch failure",
        "connection refused",
        "dns error",
        "timed out",
        "timeout",
    ]
    .iter()
    .any(|w| lower.contains(w))
        && !["credential", "imds"].iter().any(|w| lower.contains(w))
    {
        "the endpoint did not answer: check --endpoint-url, the network and any proxy"
    } else {
        return text;
    };
    format!("{text} ({hint})")
}

#[cfg(test)]
mod tests {
    use super::*;

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
