//! [`aws_http_client`]: the AWS SDK's HTTP client on trawl's rustls configuration.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpClient,
    SharedHttpConnector,
};
use aws_smithy_runtime_api::client::orchestrator::{HttpRequest, HttpResponse};
use aws_smithy_runtime_api::client::result::ConnectorError;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::body::SdkBody;
use aws_smithy_types::retry::ErrorKind;
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::connect::HttpConnector as TcpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::{TokioExecutor, TokioTimer};
use rustls::ClientConfig;

use crate::describe::{chain, classify, TlsError};
use crate::endpoint::first_use;
use crate::{client_config, NetError, TlsOptions};

/// The HTTP client for the AWS SDK clients (S3, STS, EventBridge), on [`client_config`]'s
/// rustls configuration: platform roots plus `opts.ca_bundle`, the client certificate for
/// mutual TLS, TLS 1.2 minimum.
///
/// Plug it into the SDK config loader:
///
/// ```no_run
/// # async fn f() -> Result<(), trawl_net::NetError> {
/// let opts = trawl_net::TlsOptions::default().with_aws_env();
/// let http = trawl_net::aws_http_client(&opts)?;
/// // let sdk = aws_config::defaults(BehaviorVersion::latest()).http_client(http).load().await;
/// # let _ = http; Ok(()) }
/// ```
///
/// Plain `http://` requests fail (a user error, not retried) unless
/// `opts.allow_insecure_endpoint` (the callers warn: see [`check_endpoint`](crate::check_endpoint)); the
/// exception is AWS's own link-local credential endpoints (EC2 instance metadata, ECS and EKS
/// Pod Identity credentials), which only speak plain HTTP and which the SDK's credential
/// providers reach through this client. A TLS
/// failure comes back as a [`TlsError`] naming the host and the reason, inside a connector
/// error the SDK does not retry. Connect and read timeouts from the SDK's settings apply.
/// HTTP/1.1 only (S3 does not speak HTTP/2).
pub fn aws_http_client(opts: &TlsOptions) -> Result<SharedHttpClient, NetError> {
    let tls = client_config(opts)?;
    Ok(SharedHttpClient::new(AwsHttpClient {
        inner: Arc::new(Inner {
            tls,
            allow_http: opts.allow_insecure_endpoint,
            connectors: Mutex::new(HashMap::new()),
        }),
    }))
}

type TimeoutKey = (Option<Duration>, Option<Duration>);

#[derive(Debug)]
struct Inner {
    tls: ClientConfig,
    allow_http: bool,
    /// One connector (one connection pool) per distinct timeout settings.
    connectors: Mutex<HashMap<TimeoutKey, SharedHttpConnector>>,
}

#[derive(Clone, Debug)]
struct AwsHttpClient {
    inner: Arc<Inner>,
}

impl HttpClient for AwsHttpClient {
    fn http_connector(
        &self,
        settings: &HttpConnectorSettings,
        _components: &RuntimeComponents,
    ) -> SharedHttpConnector {
        let key = (settings.connect_timeout(), settings.read_timeout());
        let mut connectors = self
            .inner
            .connectors
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        connectors
            .entry(key)
            .or_insert_with(|| SharedHttpConnector::new(AwsConnector::new(&self.inner, key)))
            .clone()
    }
}

#[derive(Debug)]
struct AwsConnector {
    client: Client<HttpsConnector<TcpConnector>, SdkBody>,
    read_timeout: Option<Duration>,
    allow_http: bool,
}

impl AwsConnector {
    fn new(inner: &Inner, (connect_timeout, read_timeout): TimeoutKey) -> Self {
        let mut tcp = TcpConnector::new();
        tcp.enforce_http(false);
        tcp.set_nodelay(true);
        tcp.set_connect_timeout(connect_timeout);
        let https = hyper_rustls::HttpsConnectorBuilder::new().with_tls_config(inner.tls.clone());
        // Plain HTTP is refused per request in `call` (AWS's credential endpoints excepted).
        let https = https.https_or_http().enable_http1().wrap_connector(tcp);
        let client = Client::builder(TokioExecutor::new())
            .pool_timer(TokioTimer::new())
            .pool_idle_timeout(Duration::from_secs(90))
            .build(https);
        Self {
            client,
            read_timeout,
            allow_http: inner.allow_http,
        }
    }
}

impl HttpConnector for AwsConnector {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        let request = match request.try_into_http1x() {
            Ok(request) => request,
            Err(err) => return HttpConnectorFuture::ready(Err(ConnectorError::user(err.into()))),
        };
        let uri = request.uri();
        let host = match (uri.host(), uri.port_u16()) {
            (Some(host), Some(port)) => format!("{host}:{port}"),
            (Some(host), None) if uri.scheme_str() == Some("http") => format!("{host}:80"),
            (Some(host), None) => format!("{host}:443"),
            (None, _) => uri.to_string(),
        };
        if uri.scheme_str() == Some("http") && !is_aws_credential_endpoint(uri.host()) {
            if !self.allow_http {
                let err = NetError::InsecureEndpoint {
                    url: format!("http://{host}"),
                };
                return HttpConnectorFuture::ready(Err(ConnectorError::user(err.into())));
            }
            first_use(&format!("http://{host}"));
        }
        let response = self.client.request(request);
        let read_timeout = self.read_timeout;
        HttpConnectorFuture::new(async move {
            let result = match read_timeout {
                Some(limit) => match tokio::time::timeout(limit, response).await {
                    Ok(result) => result,
                    Err(elapsed) => return Err(ConnectorError::timeout(elapsed.into())),
                },
                None => response.await,
            };
            match result {
                Ok(response) => HttpResponse::try_from(response.map(SdkBody::from_body_1_x))
                    .map_err(|err| ConnectorError::other(err.into(), None)),
                Err(err) => Err(connector_error(&host, err)),
            }
        })
    }
}

/// The link-local addresses where AWS serves credentials over plain HTTP by design: EC2
/// instance metadata (IMDS, IPv4 and IPv6), ECS task credentials and EKS Pod Identity. The
/// SDK's credential providers reach them through this same client when it is given to
/// `aws_config::defaults(..).http_client(..)`; they are not user endpoints, so they pass
/// without `--allow-insecure-endpoint` and without a warning.
fn is_aws_credential_endpoint(host: Option<&str>) -> bool {
    matches!(
        host,
        Some(
            "169.254.169.254"
                | "[fd00:ec2::254]"
                | "169.254.170.2"
                | "169.254.170.23"
                | "[fd00:ec2::23]"
        )
    )
}

/// Sorts a hyper failure for the SDK's retry policy: TLS failures are final (never retried),
/// with a [`TlsError`] naming the host; connection trouble is I/O (retried).
fn connector_error(host: &str, err: hyper_util::client::legacy::Error) -> ConnectorError {
    if let Some(problem) = classify(&err) {
        return ConnectorError::other(Box::new(TlsError::new(host, problem, err.into())), None);
    }
    let hyper_err = chain(&err).find_map(|e| e.downcast_ref::<hyper::Error>());
    if let Some(h) = hyper_err {
        if h.is_timeout() {
            return ConnectorError::timeout(err.into());
        }
        if h.is_user() {
            return ConnectorError::user(err.into());
        }
        if h.is_incomplete_message() {
            return ConnectorError::other(err.into(), Some(ErrorKind::TransientError));
        }
    }
    let is_io = chain(&err).any(|e| e.is::<std::io::Error>());
    if err.is_connect() || is_io || hyper_err.is_some_and(|h| h.is_closed() || h.is_canceled()) {
        return ConnectorError::io(err.into());
    }
    ConnectorError::other(err.into(), None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_aws_credential_endpoints_pass_in_plain_http() {
        for url in [
            "http://169.254.169.254/latest/api/token",
            "http://[fd00:ec2::254]/latest/meta-data/",
            "http://169.254.170.2/v2/credentials/x",
            "http://169.254.170.23/v1/credentials",
        ] {
            let uri: http::Uri = url.parse().unwrap();
            assert!(is_aws_credential_endpoint(uri.host()), "{url}");
        }
        for url in [
            "http://127.0.0.1:5000",
            "http://169.254.169.253/",
            "http://s3.example/",
        ] {
            let uri: http::Uri = url.parse().unwrap();
            assert!(!is_aws_credential_endpoint(uri.host()), "{url}");
        }
    }
}
