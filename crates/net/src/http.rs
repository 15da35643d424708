//! [`http_client`]: a `reqwest::Client` for webhooks and other plain HTTPS APIs.

use crate::{client_config, NetError, TlsOptions};

/// A `reqwest::ClientBuilder` on [`client_config`]'s rustls configuration, HTTPS only unless
/// `opts.allow_insecure_endpoint`. Add timeouts and the like, then `build()`.
///
/// Check each URL with [`check_endpoint`](crate::check_endpoint) before the first request:
/// it gives the clear refusal for `http://` and logs the plain-text warning.
pub fn http_client_builder(opts: &TlsOptions) -> Result<reqwest::ClientBuilder, NetError> {
    let config = client_config(opts)?;
    Ok(reqwest::Client::builder()
        .tls_backend_preconfigured(config)
        .https_only(!opts.allow_insecure_endpoint))
}

/// A `reqwest::Client` with [`client_config`]'s TLS settings (see [`http_client_builder`]).
pub fn http_client(opts: &TlsOptions) -> Result<reqwest::Client, NetError> {
    http_client_builder(opts)?
        .build()
        .map_err(NetError::HttpClient)
}
