//! [`check_endpoint`]: HTTPS only, unless plain HTTP was allowed; the first use of each plain
//! endpoint is flagged so that the caller can warn (this crate prints and logs nothing).

use std::collections::HashSet;
use std::sync::{Mutex, OnceLock};

use crate::{NetError, TlsOptions};

/// How a checked endpoint will be reached.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Transport {
    /// Over TLS.
    Https,
    /// In plain text, allowed by `--allow-insecure-endpoint`. `first_use` is true the first
    /// time this process sees the endpoint: that is when the caller warns.
    InsecureHttp {
        /// Whether this is the first use of the endpoint in this process.
        first_use: bool,
    },
}

/// Checks an endpoint URL before anything connects to it.
///
/// `https://` passes. `http://` is refused with [`NetError::InsecureEndpoint`] unless
/// `opts.allow_insecure_endpoint`; when allowed, `first_use` says whether this is the first
/// time each origin (scheme, host, port) is seen in this process, for the caller to warn.
/// Anything else (no scheme, another scheme, no host) is [`NetError::InvalidEndpoint`].
pub fn check_endpoint(url: &str, opts: &TlsOptions) -> Result<Transport, NetError> {
    let invalid = |reason: &str| NetError::InvalidEndpoint {
        url: url.to_string(),
        reason: reason.to_string(),
    };
    let uri: http::Uri = url
        .parse()
        .map_err(|e: http::uri::InvalidUri| invalid(&e.to_string()))?;
    let Some(host) = uri.host().filter(|h| !h.is_empty()) else {
        return Err(invalid("no host"));
    };
    match uri.scheme_str().map(str::to_ascii_lowercase).as_deref() {
        Some("https") => Ok(Transport::Https),
        Some("http") if opts.allow_insecure_endpoint => {
            let origin = format!("http://{host}:{}", uri.port_u16().unwrap_or(80));
            Ok(Transport::InsecureHttp {
                first_use: first_use(&origin),
            })
        }
        Some("http") => Err(NetError::InsecureEndpoint {
            url: url.to_string(),
        }),
        Some(other) => Err(invalid(&format!(
            "unsupported scheme {other:?} (expected https://)"
        ))),
        None => Err(invalid("no scheme (expected https://)")),
    }
}

/// Records a plain-text `origin`; true the first time this process sees it.
pub(crate) fn first_use(origin: &str) -> bool {
    static SEEN: OnceLock<Mutex<HashSet<String>>> = OnceLock::new();
    let mut seen = SEEN
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    seen.insert(origin.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn allow() -> TlsOptions {
        TlsOptions {
            allow_insecure_endpoint: true,
            ..TlsOptions::default()
        }
    }

    #[test]
    fn https_passes_http_is_refused_without_the_flag() {
        let strict = TlsOptions::default();
        assert_eq!(
            check_endpoint("https://s3.example.com", &strict).unwrap(),
            Transport::Https
        );
        let err = check_endpoint("http://127.0.0.1:5000", &strict).unwrap_err();
        assert!(matches!(err, NetError::InsecureEndpoint { .. }));
        assert!(
            err.to_string().contains("--allow-insecure-endpoint"),
            "{err}"
        );
        assert!(err.to_string().contains("http://127.0.0.1:5000"), "{err}");
    }

    #[test]
    fn allowed_http_warns_once_per_origin() {
        let opts = allow();
        let first = check_endpoint("http://127.0.0.1:59999/a", &opts).unwrap();
        assert_eq!(first, Transport::InsecureHttp { first_use: true });
        let again = check_endpoint("HTTP://127.0.0.1:59999/b", &opts).unwrap();
        assert_eq!(again, Transport::InsecureHttp { first_use: false });
        let other = check_endpoint("http://127.0.0.1:59998", &opts).unwrap();
        assert_eq!(other, Transport::InsecureHttp { first_use: true });
    }

    #[test]
    fn malformed_endpoints_are_invalid() {
        for url in [
            "127.0.0.1:5000",
            "ftp://host/x",
            "https://",
            "not a url",
            "/path",
        ] {
            let err = check_endpoint(url, &allow()).unwrap_err();
            assert!(
                matches!(err, NetError::InvalidEndpoint { .. }),
                "{url}: {err}"
            );
        }
    }
}
