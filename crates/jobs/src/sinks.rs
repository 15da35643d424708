//! Event sinks: a JSON Lines file, standard output, an HTTP webhook, Amazon EventBridge.
//!
//! Delivery is at least once: events wait in the state database's outbox until a sink takes
//! them; one that a sink refuses after its retries stays there for the next run. Event ids
//! are stable (derived from the finding id), so receivers can drop redeliveries.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

use rand::Rng;
use trawl_scanner::private_file::{self, WriteMode};

use crate::definition::{EventShape, SinkDef};
use crate::events::{macie_detail, Event};
use crate::securityhub::SecurityHubSink;
use crate::state::PendingEvent;

/// Delivers events.
pub trait EventSink: Send {
    /// Delivers `events`; one result per event, in order.
    fn deliver(&mut self, events: &[PendingEvent]) -> Vec<Result<(), String>>;
}

/// Appends events to a JSON Lines file.
pub struct JsonlFileSink {
    path: PathBuf,
}

impl JsonlFileSink {
    /// A sink appending to `path`.
    pub fn new(path: PathBuf) -> JsonlFileSink {
        JsonlFileSink { path }
    }
}

impl EventSink for JsonlFileSink {
    fn deliver(&mut self, events: &[PendingEvent]) -> Vec<Result<(), String>> {
        let write = || -> std::io::Result<()> {
            let mut f = private_file::open(&self.path, WriteMode::Append)?;
            let mut buf = Vec::new();
            for e in events {
                buf.extend_from_slice(e.body.as_bytes());
                buf.push(b'\n');
            }
            f.write_all(&buf)?;
            f.sync_data()
        };
        let r = write().map_err(|e| format!("{}: {e}", self.path.display()));
        events.iter().map(|_| r.clone()).collect()
    }
}

/// Writes events to standard output, one a line.
pub struct StdoutSink;

impl EventSink for StdoutSink {
    fn deliver(&mut self, events: &[PendingEvent]) -> Vec<Result<(), String>> {
        let mut out = std::io::stdout().lock();
        events
            .iter()
            .map(|e| {
                writeln!(out, "{}", e.body)
                    .and_then(|_| out.flush())
                    .map_err(|e| e.to_string())
            })
            .collect()
    }
}

/// Retry delays: exponential from `base`, capped at 30 s, with full jitter in its upper half.
pub fn backoff(base: Duration, attempt: u32) -> Duration {
    let exp = base.saturating_mul(1u32 << attempt.min(16));
    let cap = exp.min(Duration::from_secs(30));
    let half = cap / 2;
    let jitter = rand::rng().random_range(0..=half.as_micros().max(1) as u64);
    half + Duration::from_micros(jitter)
}

/// POSTs each event as a JSON body, retrying with exponential backoff and jitter.
pub struct WebhookSink {
    client: reqwest::Client,
    url: String,
    headers: BTreeMap<String, String>,
    max_attempts: u32,
    base: Duration,
}

impl WebhookSink {
    /// A sink that posts to `url` with `client` (inject the client that carries the TLS
    /// settings; [`default_http_client`] otherwise).
    pub fn new(
        client: reqwest::Client,
        url: String,
        headers: BTreeMap<String, String>,
        max_attempts: u32,
        base: Duration,
    ) -> WebhookSink {
        WebhookSink {
            client,
            url,
            headers,
            max_attempts: max_attempts.max(1),
            base,
        }
    }

    async fn post(&self, e: &PendingEvent) -> Result<(), (bool, String)> {
        let mut req = self
            .client
            .post(&self.url)
            .header("content-type", "application/json")
            .header("x-trawl-event-id", &e.event_id)
            .body(e.body.clone());
        for (k, v) in &self.headers {
            req = req.header(k, v);
        }
        match req.send().await {
            Ok(resp) if resp.status().is_success() => Ok(()),
            Ok(resp) => {
                let s = resp.status();
                let retry = s.is_server_error() || s.as_u16() == 429 || s.as_u16() == 408;
                Err((retry, format!("HTTP {s}")))
            }
            // Certificate and protocol problems are not retried: they would fail the same way.
            Err(err) => Err((
                trawl_net::classify(&err).is_none(),
                trawl_net::describe(&err),
            )),
        }
    }
}

impl EventSink for WebhookSink {
    fn deliver(&mut self, events: &[PendingEvent]) -> Vec<Result<(), String>> {
        crate::runtime().block_on(async {
            let mut out = Vec::with_capacity(events.len());
            for e in events {
                let mut attempt = 0;
                let r = loop {
                    match self.post(e).await {
                        Ok(()) => break Ok(()),
                        Err((retry, msg)) => {
                            attempt += 1;
                            if !retry || attempt >= self.max_attempts {
                                break Err(format!("{msg} after {attempt} attempt(s)"));
                            }
                            tokio::time::sleep(backoff(self.base, attempt - 1)).await;
                        }
                    }
                };
                out.push(r);
            }
            out
        })
    }
}

/// The webhook HTTP client when none is injected: trawl-net's rustls stack (TLS 1.2+, the
/// platform roots plus the CA bundle, the client certificate for mutual TLS).
pub fn default_http_client(
    timeout: Duration,
    tls: &trawl_net::TlsOptions,
) -> Result<reqwest::Client, String> {
    trawl_net::http_client_builder(tls)
        .map_err(|e| e.to_string())?
        .timeout(timeout)
        .build()
        .map_err(|e| e.to_string())
}

/// Amazon EventBridge PutEvents: batches of 10, failed entries retried.
pub struct EventBridgeSink {
    client: aws_sdk_eventbridge::Client,
    bus: String,
    max_attempts: u32,
    base: Duration,
    shape: EventShape,
}

impl EventBridgeSink {
    /// A sink for `bus`, with an optional endpoint override.
    pub fn new(
        region: &str,
        endpoint: Option<&str>,
        tls: &trawl_net::TlsOptions,
        bus: String,
        max_attempts: u32,
        base: Duration,
        shape: EventShape,
    ) -> Result<EventBridgeSink, String> {
        let client = aws_sdk_eventbridge::Client::new(&crate::aws_config(region, endpoint, tls)?);
        Ok(EventBridgeSink {
            client,
            bus,
            max_attempts: max_attempts.max(1),
            base,
            shape,
        })
    }

    fn entry(
        &self,
        body: &str,
    ) -> Result<aws_sdk_eventbridge::types::PutEventsRequestEntry, String> {
        let e: Event = serde_json::from_str(body).map_err(|e| e.to_string())?;
        let time = chrono::DateTime::parse_from_rfc3339(&e.time)
            .map(|t| aws_sdk_eventbridge::primitives::DateTime::from_millis(t.timestamp_millis()))
            .ok();
        let (detail_type, detail) = match self.shape {
            EventShape::Trawl => (e.detail_type, e.detail),
            EventShape::Macie => ("Macie Finding".to_string(), macie_detail(&e.detail)),
        };
        Ok(aws_sdk_eventbridge::types::PutEventsRequestEntry::builder()
            .source(e.source)
            .detail_type(detail_type)
            .detail(detail.to_string())
            .set_resources(Some(e.resources))
            .set_time(time)
            .event_bus_name(&self.bus)
            .build())
    }
}

impl EventSink for EventBridgeSink {
    fn deliver(&mut self, events: &[PendingEvent]) -> Vec<Result<(), String>> {
        let mut out: Vec<Result<(), String>> = vec![Err("not sent".into()); events.len()];
        let mut todo: Vec<usize> = Vec::new();
        let mut entries = Vec::with_capacity(events.len());
        for (i, e) in events.iter().enumerate() {
            match self.entry(&e.body) {
                Ok(en) => {
                    todo.push(i);
                    entries.push(Some(en));
                }
                Err(msg) => {
                    out[i] = Err(format!("bad event: {msg}"));
                    entries.push(None);
                }
            }
        }
        crate::runtime().block_on(async {
            let mut attempt = 0;
            while !todo.is_empty() && attempt < self.max_attempts {
                if attempt > 0 {
                    tokio::time::sleep(backoff(self.base, attempt - 1)).await;
                }
                attempt += 1;
                let mut failed = Vec::new();
                for chunk in todo.chunks(10) {
                    let batch: Vec<_> = chunk.iter().filter_map(|&i| entries[i].clone()).collect();
                    match self
                        .client
                        .put_events()
                        .set_entries(Some(batch))
                        .send()
                        .await
                    {
                        Ok(resp) => {
                            let results = resp.entries();
                            for (k, &i) in chunk.iter().enumerate() {
                                match results.get(k) {
                                    Some(r)
                                        if r.error_code().is_none() && r.event_id().is_some() =>
                                    {
                                        out[i] = Ok(())
                                    }
                                    Some(r) => {
                                        out[i] = Err(format!(
                                            "{}: {}",
                                            r.error_code().unwrap_or("error"),
                                            r.error_message().unwrap_or("")
                                        ));
                                        failed.push(i);
                                    }
                                    None => {
                                        out[i] = Err("no result entry".into());
                                        failed.push(i);
                                    }
                                }
                            }
                        }
                        Err(e) => {
                            let msg =
                                format!("{}", aws_sdk_eventbridge::error::DisplayErrorContext(&e));
                            for &i in chunk {
                                out[i] = Err(msg.clone());
                                failed.push(i);
                            }
                        }
                    }
                }
                todo = failed;
            }
        });
        out
    }
}

/// Expands `${NAME}` from the environment (so that secrets such as tokens stay out of the
/// job file and the state database); an unset variable is an error.
pub fn expand_env(value: &str) -> Result<String, String> {
    let mut out = String::with_capacity(value.len());
    let mut rest = value;
    while let Some(i) = rest.find("${") {
        out.push_str(&rest[..i]);
        let after = &rest[i + 2..];
        let Some(end) = after.find('}') else {
            return Err(format!("{value:?}: unclosed ${{"));
        };
        let name = &after[..end];
        let v =
            std::env::var(name).map_err(|_| format!("environment variable {name} is not set"))?;
        out.push_str(&v);
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

/// Sinks by outbox key.
pub type Sinks = Vec<(String, Box<dyn EventSink>)>;

/// The sinks of a job: `(key, sink)`, the key (`INDEX:KIND`) naming it in the outbox.
pub fn build_sinks(
    defs: &[SinkDef],
    region: &str,
    http: Option<&reqwest::Client>,
    tls: &trawl_net::TlsOptions,
) -> Result<Sinks, String> {
    let mut out: Sinks = Vec::new();
    for (i, d) in defs.iter().enumerate() {
        let key = sink_key(i, d);
        let sink: Box<dyn EventSink> = match d {
            SinkDef::Jsonl { path } => Box::new(JsonlFileSink::new(path.clone())),
            SinkDef::Stdout => Box::new(StdoutSink),
            SinkDef::Webhook {
                url,
                headers,
                max_attempts,
                backoff_ms,
                timeout_seconds,
            } => {
                let client = match http {
                    Some(c) => c.clone(),
                    None => default_http_client(
                        Duration::from_secs(timeout_seconds.unwrap_or(10)),
                        tls,
                    )?,
                };
                let headers = headers
                    .iter()
                    .map(|(k, v)| Ok((k.clone(), expand_env(v)?)))
                    .collect::<Result<BTreeMap<_, _>, String>>()?;
                Box::new(WebhookSink::new(
                    client,
                    expand_env(url)?,
                    headers,
                    max_attempts.unwrap_or(5),
                    Duration::from_millis(backoff_ms.unwrap_or(500)),
                ))
            }
            SinkDef::Eventbridge {
                bus,
                region: r,
                endpoint,
                max_attempts,
                backoff_ms,
                shape,
            } => Box::new(EventBridgeSink::new(
                r.as_deref().unwrap_or(region),
                endpoint.as_deref(),
                tls,
                bus.clone().unwrap_or_else(|| "default".into()),
                max_attempts.unwrap_or(5),
                Duration::from_millis(backoff_ms.unwrap_or(500)),
                *shape,
            )?),
            SinkDef::Securityhub {
                region: r,
                endpoint,
                product_arn,
                max_attempts,
                backoff_ms,
            } => Box::new(SecurityHubSink::new(
                r.as_deref().unwrap_or(region),
                endpoint.as_deref(),
                tls,
                product_arn.clone(),
                max_attempts.unwrap_or(5),
                Duration::from_millis(backoff_ms.unwrap_or(500)),
            )?),
        };
        out.push((key, sink));
    }
    Ok(out)
}

/// The outbox key of sink `i`.
pub fn sink_key(i: usize, d: &SinkDef) -> String {
    format!("{i}:{}", d.kind())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_expansion() {
        std::env::set_var("TRAWL_SINKS_TEST_TOKEN", "abc");
        assert_eq!(
            expand_env("Bearer ${TRAWL_SINKS_TEST_TOKEN}!").unwrap(),
            "Bearer abc!"
        );
        assert_eq!(expand_env("plain").unwrap(), "plain");
        assert!(expand_env("${TRAWL_SINKS_TEST_UNSET_VAR}").is_err());
        assert!(expand_env("${oops").is_err());
    }

    #[test]
    fn backoff_grows_and_is_capped() {
        let b = Duration::from_millis(100);
        assert!(backoff(b, 0) <= Duration::from_millis(100));
        assert!(backoff(b, 3) >= Duration::from_millis(400));
        assert!(backoff(b, 30) <= Duration::from_secs(30));
    }
}
