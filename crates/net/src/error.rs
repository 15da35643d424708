//! The crate's error type.

use std::path::PathBuf;

/// Everything that can go wrong while checking an endpoint or building a client.
///
/// Failures of a connection itself (an expired certificate, an unknown issuer) are not
/// `NetError`s: they come back from the HTTP client, and [`describe`](crate::describe) turns
/// them into a sentence naming the host and the reason.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum NetError {
    /// A plain `http://` endpoint without `--allow-insecure-endpoint`.
    #[error(
        "refusing plain-text endpoint {url}: only https:// is allowed \
         (pass --allow-insecure-endpoint to allow http://, e.g. for a local test server)"
    )]
    InsecureEndpoint {
        /// The endpoint as given.
        url: String,
    },
    /// An endpoint that is not an absolute `https://` or `http://` URL with a host.
    #[error("invalid endpoint {url}: {reason}")]
    InvalidEndpoint {
        /// The endpoint as given.
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A certificate or key file could not be read.
    #[error("cannot read {what} {path}: {source}")]
    Read {
        /// Which file this is (`CA bundle`, `client certificate`, `client key`).
        what: &'static str,
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A PEM file that holds no certificate, or a certificate that cannot be used.
    #[error("{what} {path}: {reason}")]
    BadCertificate {
        /// Which file this is (`CA bundle`, `client certificate`).
        what: &'static str,
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// A key file that holds no usable private key.
    #[error(
        "client key {path}: {reason} (expected an unencrypted PEM private key: \
         PKCS#8 `PRIVATE KEY`, `RSA PRIVATE KEY` or `EC PRIVATE KEY`)"
    )]
    BadKey {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// A private key file readable or writable by group or others (ssh refuses these too).
    #[error(
        "permissions {mode:04o} for private key {path} are too open: it must not be accessible \
         by group or others (chmod 600 {path})",
        path = path.display()
    )]
    KeyPermissions {
        /// The file.
        path: PathBuf,
        /// Its permission bits.
        mode: u32,
    },
    /// A client key given without a client certificate.
    #[error("a client key ({path}) was given without a client certificate (--client-cert)")]
    KeyWithoutCertificate {
        /// The key file.
        path: PathBuf,
    },
    /// The client certificate and key do not fit together, or rustls refused the configuration.
    #[error("TLS configuration: {reason}")]
    Config {
        /// rustls's reason.
        reason: String,
    },
    /// reqwest could not build its client.
    #[error("cannot build the HTTP client: {0}")]
    HttpClient(#[source] reqwest::Error),
}
