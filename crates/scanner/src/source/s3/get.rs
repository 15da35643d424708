//! Reads: the GET with its retries and reasons, the client-side encryption envelope check, and
//! the body streamed into a bounded queue (resumed with ranged GETs after a failure).

use std::collections::HashMap;
use std::io::{self, Read};

use aws_sdk_s3::error::SdkError;
use aws_sdk_s3::Client;
use bytes::Bytes;
use tokio::sync::{mpsc, OwnedSemaphorePermit};
use trawl_formats::{Reason, ReasonCode};

use super::list::unquote;
use super::options::{S3Options, SseCKey};
use super::retry::{classify, Failure, RetryPolicy};
use crate::source::ObjectRef;

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

#[cfg(test)]
mod tests {
    use super::*;

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
}
