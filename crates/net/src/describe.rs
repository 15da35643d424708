//! Turning a failed connection into a sentence: which host, and why.

use std::error::Error as StdError;
use std::fmt;

use rustls::{AlertDescription, CertificateError, PeerIncompatible};

/// Why a TLS connection failed, as far as a user can act on it.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum TlsProblem {
    /// The server's certificate has expired.
    CertificateExpired,
    /// The server's certificate is not valid yet (or the local clock is wrong).
    CertificateNotYetValid,
    /// The server's certificate was not issued by a trusted CA.
    UnknownIssuer,
    /// The server's certificate is not valid for the host name connected to.
    HostnameMismatch {
        /// The names the certificate holds, when rustls reports them.
        presented: Vec<String>,
    },
    /// The server's certificate was revoked.
    CertificateRevoked,
    /// Some other problem with the server's certificate.
    BadCertificate(String),
    /// The server only speaks a TLS version older than 1.2.
    ProtocolVersionTooOld,
    /// The server speaks TLS 1.2+ but shares no cipher suite, group or signature scheme.
    Incompatible(String),
    /// The server requires a client certificate and none was configured.
    ClientCertificateRequired,
    /// The server refused the client certificate that was sent.
    ClientCertificateRejected(String),
    /// The server ended the handshake with another alert.
    AlertReceived(String),
    /// Any other TLS error.
    Other(String),
}

impl fmt::Display for TlsProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::CertificateExpired => f.write_str("the server certificate has expired"),
            Self::CertificateNotYetValid => {
                f.write_str("the server certificate is not valid yet (check the local clock)")
            }
            Self::UnknownIssuer => f.write_str(
                "the server certificate was issued by an unknown (untrusted) CA; \
                 if it is a private CA, pass its certificate with --ca-bundle",
            ),
            Self::HostnameMismatch { presented } if presented.is_empty() => {
                f.write_str("the server certificate is not valid for this host name (wrong host)")
            }
            Self::HostnameMismatch { presented } => write!(
                f,
                "the server certificate is not valid for this host name (wrong host); \
                 it is for {}",
                presented.join(", ")
            ),
            Self::CertificateRevoked => f.write_str("the server certificate has been revoked"),
            Self::BadCertificate(reason) => write!(f, "bad server certificate: {reason}"),
            Self::ProtocolVersionTooOld => {
                f.write_str("protocol version too old: the server does not support TLS 1.2 or 1.3")
            }
            Self::Incompatible(reason) => {
                write!(f, "no TLS parameters in common with the server: {reason}")
            }
            Self::ClientCertificateRequired => f.write_str(
                "the server requires a client certificate (configure --client-cert and \
                 --client-key)",
            ),
            Self::ClientCertificateRejected(alert) => write!(
                f,
                "the server rejected the client certificate ({alert}): is it issued by a CA \
                 the server trusts, and still valid?"
            ),
            Self::AlertReceived(alert) => write!(f, "the server ended the handshake: {alert}"),
            Self::Other(reason) => write!(f, "TLS error: {reason}"),
        }
    }
}

impl TlsProblem {
    /// Classifies one rustls error.
    pub fn from_rustls(err: &rustls::Error) -> Self {
        use rustls::Error as E;
        match err {
            E::InvalidCertificate(cert) => Self::from_certificate_error(cert),
            E::PeerIncompatible(
                PeerIncompatible::ServerTlsVersionIsDisabledByOurConfig
                | PeerIncompatible::ServerDoesNotSupportTls12Or13
                | PeerIncompatible::SupportedVersionsExtensionRequired,
            ) => Self::ProtocolVersionTooOld,
            E::PeerIncompatible(other) => Self::Incompatible(format!("{other:?}")),
            E::AlertReceived(alert) => Self::from_alert(*alert),
            other => Self::Other(other.to_string()),
        }
    }

    fn from_certificate_error(err: &CertificateError) -> Self {
        use CertificateError as C;
        match err {
            C::Expired | C::ExpiredContext { .. } => Self::CertificateExpired,
            C::NotValidYet | C::NotValidYetContext { .. } => Self::CertificateNotYetValid,
            C::UnknownIssuer => Self::UnknownIssuer,
            C::NotValidForName => Self::HostnameMismatch {
                presented: Vec::new(),
            },
            C::NotValidForNameContext { presented, .. } => Self::HostnameMismatch {
                presented: presented.iter().map(|name| plain_name(name)).collect(),
            },
            C::Revoked => Self::CertificateRevoked,
            other => Self::BadCertificate(format!("{other:?}")),
        }
    }

    fn from_alert(alert: AlertDescription) -> Self {
        use AlertDescription as A;
        match alert {
            A::ProtocolVersion => Self::ProtocolVersionTooOld,
            A::CertificateRequired => Self::ClientCertificateRequired,
            A::BadCertificate
            | A::UnsupportedCertificate
            | A::CertificateRevoked
            | A::CertificateExpired
            | A::CertificateUnknown
            | A::UnknownCA
            | A::AccessDenied => Self::ClientCertificateRejected(alert_name(alert)),
            other => Self::AlertReceived(alert_name(other)),
        }
    }
}

/// `DnsName("a.example")` -> `a.example`, `IpAddress(V4(..))` kept as is; rustls gives the
/// presented names in their debug form.
fn plain_name(name: &str) -> String {
    name.strip_prefix("DnsName(\"")
        .and_then(|rest| rest.strip_suffix("\")"))
        .unwrap_or(name)
        .to_string()
}

fn alert_name(alert: AlertDescription) -> String {
    let debug = format!("{alert:?}");
    // `UnknownCA` -> `unknown CA`, `BadCertificate` -> `bad certificate`.
    let mut out = String::new();
    let chars: Vec<char> = debug.chars().collect();
    for (i, c) in chars.iter().enumerate() {
        let next_lower = chars.get(i + 1).is_some_and(|n| n.is_lowercase());
        let prev_lower = i > 0 && chars[i - 1].is_lowercase();
        if i > 0 && c.is_uppercase() && (prev_lower || next_lower) {
            out.push(' ');
        }
        if c.is_uppercase() && next_lower {
            out.extend(c.to_lowercase());
        } else {
            out.push(*c);
        }
    }
    format!("alert {out}")
}

/// A failed TLS connection to a named host: what the AWS client returns inside its
/// `ConnectorError` (never retried), and what [`describe`] finds and prints.
#[derive(Debug)]
pub struct TlsError {
    host: String,
    problem: TlsProblem,
    source: Box<dyn StdError + Send + Sync>,
}

impl TlsError {
    /// A TLS failure talking to `host`.
    pub fn new(
        host: impl Into<String>,
        problem: TlsProblem,
        source: Box<dyn StdError + Send + Sync>,
    ) -> Self {
        Self {
            host: host.into(),
            problem,
            source,
        }
    }
    /// The host (and port) connected to.
    pub fn host(&self) -> &str {
        &self.host
    }
    /// Why it failed.
    pub fn problem(&self) -> &TlsProblem {
        &self.problem
    }
}

impl fmt::Display for TlsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "TLS connection to {} failed: {}",
            self.host, self.problem
        )
    }
}

impl StdError for TlsError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        Some(self.source.as_ref())
    }
}

/// Walks an error chain, looking inside `std::io::Error`s too (their `source()` skips the
/// error they carry, which is where rustls errors sit).
pub(crate) fn chain<'a>(
    err: &'a (dyn StdError + 'static),
) -> impl Iterator<Item = &'a (dyn StdError + 'static)> {
    let mut next = Some(err);
    std::iter::from_fn(move || {
        let current = next?;
        next = match current.downcast_ref::<std::io::Error>() {
            Some(io) => io
                .get_ref()
                .map(|inner| inner as &(dyn StdError + 'static))
                .or_else(|| current.source()),
            None => current.source(),
        };
        Some(current)
    })
}

/// Finds the TLS problem in an error chain: a [`TlsError`] or a `rustls::Error` anywhere in it.
pub fn classify(err: &(dyn StdError + 'static)) -> Option<TlsProblem> {
    chain(err).find_map(|e| {
        e.downcast_ref::<TlsError>()
            .map(|t| t.problem.clone())
            .or_else(|| {
                e.downcast_ref::<rustls::Error>()
                    .map(TlsProblem::from_rustls)
            })
    })
}

/// The host (with port) an error is about, when the chain says: a [`TlsError`]'s host, or a
/// `reqwest::Error`'s URL.
fn host_of(err: &(dyn StdError + 'static)) -> Option<String> {
    chain(err).find_map(|e| {
        if let Some(t) = e.downcast_ref::<TlsError>() {
            return Some(t.host.clone());
        }
        let url = e.downcast_ref::<reqwest::Error>()?.url()?;
        let host = url.host_str()?;
        Some(match url.port_or_known_default() {
            Some(port) => format!("{host}:{port}"),
            None => host.to_string(),
        })
    })
}

/// One line for a user: the host and the reason for a TLS failure
/// (`TLS connection to s3.example.com:443 failed: the server certificate has expired`),
/// else the error chain joined with `: `.
///
/// The host comes from the error (a `reqwest::Error`'s URL, a [`TlsError`]); use
/// [`describe_for`] when the caller knows it better.
pub fn describe(err: &(dyn StdError + 'static)) -> String {
    let host = host_of(err);
    describe_inner(host.as_deref(), err)
}

/// [`describe`] naming `host` when the error does not.
pub fn describe_for(host: &str, err: &(dyn StdError + 'static)) -> String {
    let found = host_of(err);
    describe_inner(Some(found.as_deref().unwrap_or(host)), err)
}

fn describe_inner(host: Option<&str>, err: &(dyn StdError + 'static)) -> String {
    // reqwest's `https_only` refusal: say it the way `check_endpoint` does.
    let refused_http = chain(err).find_map(|e| {
        let e = e.downcast_ref::<reqwest::Error>()?;
        let url = e.url().filter(|u| u.scheme() == "http" && e.is_builder())?;
        Some(crate::NetError::InsecureEndpoint {
            url: url.to_string(),
        })
    });
    if let Some(refused) = refused_http {
        return refused.to_string();
    }
    match (classify(err), host) {
        (Some(problem), Some(host)) => format!("TLS connection to {host} failed: {problem}"),
        (Some(problem), None) => format!("TLS connection failed: {problem}"),
        (None, host) => {
            let mut parts: Vec<String> = Vec::new();
            for e in chain(err) {
                let text = e.to_string();
                if !parts.iter().any(|p| p.contains(&text)) {
                    parts.push(text);
                }
            }
            let text = parts.join(": ");
            match host {
                Some(host) if !text.contains(host) => format!("{host}: {text}"),
                _ => text,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rustls_errors_inside_io_errors_are_found() {
        let rustls_err = rustls::Error::InvalidCertificate(CertificateError::Expired);
        let io = std::io::Error::new(std::io::ErrorKind::InvalidData, rustls_err);
        assert_eq!(classify(&io), Some(TlsProblem::CertificateExpired));
        let line = describe_for("example.com:443", &io);
        assert_eq!(
            line,
            "TLS connection to example.com:443 failed: the server certificate has expired"
        );
    }

    #[test]
    fn alerts_read_as_words() {
        assert_eq!(alert_name(AlertDescription::UnknownCA), "alert unknown CA");
        assert_eq!(
            alert_name(AlertDescription::CertificateRequired),
            "alert certificate required"
        );
        assert_eq!(
            TlsProblem::from_rustls(&rustls::Error::AlertReceived(
                AlertDescription::ProtocolVersion
            )),
            TlsProblem::ProtocolVersionTooOld
        );
    }

    #[test]
    fn non_tls_errors_print_their_chain() {
        let io = std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "refused");
        assert_eq!(describe_for("h:1", &io), "h:1: refused");
        assert_eq!(classify(&io), None);
    }
}
