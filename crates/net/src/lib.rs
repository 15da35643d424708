//! trawl's outbound transport: how trawl talks to S3, EventBridge and webhooks.
//!
//! - [`TlsOptions`]: `--ca-bundle`, `--client-cert`, `--client-key`,
//!   `--allow-insecure-endpoint`, and the same keys in job files; `AWS_CA_BUNDLE` for the
//!   AWS clients ([`TlsOptions::with_aws_env`]).
//! - [`check_endpoint`]: HTTPS only; `http://` only when allowed, its first use per origin
//!   flagged for the caller to warn (this crate prints and logs nothing).
//! - [`client_config`]: the rustls configuration (TLS 1.2 minimum, 1.3 preferred, chain and
//!   host name always verified against the platform's roots plus the CA bundle, optional client
//!   certificate; private keys readable by group or others are refused). No OpenSSL.
//! - [`http_client`]: a `reqwest::Client` on it, for the webhook sink.
//! - [`aws_http_client`]: the AWS SDK's HTTP client on it.
//! - [`describe`]: a failed connection as one line naming the host and the reason
//!   (expired, unknown issuer, wrong host, protocol version too old, client certificate
//!   required or rejected).
//!
//! ```no_run
//! # async fn send() -> Result<(), Box<dyn std::error::Error>> {
//! use trawl_net::{check_endpoint, describe, http_client, TlsOptions};
//!
//! let opts = TlsOptions {
//!     ca_bundle: Some("ca.pem".into()),
//!     client_cert: Some("client.pem".into()),
//!     client_key: Some("client.key".into()),
//!     allow_insecure_endpoint: false,
//! };
//! let url = "https://hooks.example.com/trawl";
//! check_endpoint(url, &opts)?;
//! let client = http_client(&opts)?;
//! if let Err(err) = client.post(url).body("{}").send().await {
//!     eprintln!("webhook: {}", describe(&err));
//! }
//! # Ok(()) }
//! ```
#![deny(missing_docs)]

mod aws;
mod config;
mod describe;
mod endpoint;
mod error;
mod http;
mod options;

pub use aws::aws_http_client;
pub use aws_smithy_runtime_api::client::http::SharedHttpClient;
pub use config::client_config;
pub use describe::{classify, describe, describe_for, TlsError, TlsProblem};
pub use endpoint::{check_endpoint, Transport};
pub use error::NetError;
pub use http::{http_client, http_client_builder};
pub use options::TlsOptions;
