//! The rustls [`ClientConfig`] every outbound connection uses.

use std::path::Path;
use std::sync::Arc;

use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::{ClientConfig, RootCertStore};

use crate::{NetError, TlsOptions};

/// The crypto provider: aws-lc-rs, the one the AWS SDK already links (no OpenSSL).
///
/// Named explicitly, so that a second provider compiled into the binary (ring, through some
/// other dependency) cannot make rustls's process default ambiguous.
pub(crate) fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::aws_lc_rs::default_provider())
}

/// Builds the rustls client configuration for `opts`.
///
/// - TLS 1.3 and TLS 1.2 only (1.3 is preferred whenever the server has it); older servers
///   fail the handshake with a protocol-version error.
/// - Certificate chain and host name are always verified, against the platform's roots
///   (`rustls-native-certs`; Mozilla's roots from `webpki-roots` when the platform has none)
///   plus every certificate in `opts.ca_bundle`.
/// - With `opts.client_cert`, the certificate chain and key (from `opts.client_key`, else from
///   the certificate file itself) are presented for mutual TLS. The key file must not be
///   accessible by group or others ([`NetError::KeyPermissions`]).
///
/// No ALPN protocol is set; the HTTP clients set their own.
pub fn client_config(opts: &TlsOptions) -> Result<ClientConfig, NetError> {
    let roots = root_store(opts.ca_bundle.as_deref())?;
    let builder = ClientConfig::builder_with_provider(provider())
        .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
        .map_err(|e| NetError::Config {
            reason: e.to_string(),
        })?
        .with_root_certificates(roots);
    match (&opts.client_cert, &opts.client_key) {
        (None, None) => Ok(builder.with_no_client_auth()),
        (None, Some(key)) => Err(NetError::KeyWithoutCertificate { path: key.clone() }),
        (Some(cert), key) => {
            let chain = read_certificates("client certificate", cert)?;
            let key_path = key.as_deref().unwrap_or(cert);
            let key = read_private_key(key_path)?;
            builder
                .with_client_auth_cert(chain, key)
                .map_err(|e| NetError::Config {
                    reason: format!(
                        "client certificate {} and key {}: {e}",
                        cert.display(),
                        key_path.display()
                    ),
                })
        }
    }
}

/// The platform's roots (or webpki-roots when it has none) plus the CA bundle's certificates.
fn root_store(ca_bundle: Option<&Path>) -> Result<RootCertStore, NetError> {
    let mut roots = RootCertStore::empty();
    let native = rustls_native_certs::load_native_certs();
    let (added, _ignored) = roots.add_parsable_certificates(native.certs);
    if added == 0 {
        roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    }
    if let Some(path) = ca_bundle {
        for cert in read_certificates("CA bundle", path)? {
            roots.add(cert).map_err(|e| NetError::BadCertificate {
                what: "CA bundle",
                path: path.to_path_buf(),
                reason: format!("unusable CA certificate: {e}"),
            })?;
        }
    }
    Ok(roots)
}

/// Every certificate in a PEM file; at least one.
fn read_certificates(
    what: &'static str,
    path: &Path,
) -> Result<Vec<CertificateDer<'static>>, NetError> {
    let pem = std::fs::read(path).map_err(|source| NetError::Read {
        what,
        path: path.to_path_buf(),
        source,
    })?;
    let bad = |reason: String| NetError::BadCertificate {
        what,
        path: path.to_path_buf(),
        reason,
    };
    let certs = CertificateDer::pem_slice_iter(&pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| bad(format!("malformed PEM: {e}")))?;
    if certs.is_empty() {
        return Err(bad(
            "no PEM certificate (-----BEGIN CERTIFICATE-----) in the file".into(),
        ));
    }
    Ok(certs)
}

/// The first private key in a PEM file, after the permission check.
fn read_private_key(path: &Path) -> Result<PrivateKeyDer<'static>, NetError> {
    check_key_permissions(path)?;
    let pem = std::fs::read(path).map_err(|source| NetError::Read {
        what: "client key",
        path: path.to_path_buf(),
        source,
    })?;
    PrivateKeyDer::from_pem_slice(&pem).map_err(|e| NetError::BadKey {
        path: path.to_path_buf(),
        reason: match e {
            rustls::pki_types::pem::Error::NoItemsFound => "no private key in the file".into(),
            other => format!("malformed PEM: {other}"),
        },
    })
}

/// Refuses a private key file that group or others may access, as ssh does.
#[cfg(unix)]
pub(crate) fn check_key_permissions(path: &Path) -> Result<(), NetError> {
    use std::os::unix::fs::PermissionsExt;
    let meta = std::fs::metadata(path).map_err(|source| NetError::Read {
        what: "client key",
        path: path.to_path_buf(),
        source,
    })?;
    let mode = meta.permissions().mode() & 0o7777;
    if mode & 0o077 != 0 {
        return Err(NetError::KeyPermissions {
            path: path.to_path_buf(),
            mode,
        });
    }
    Ok(())
}

/// No permission bits to check off unix.
#[cfg(not(unix))]
pub(crate) fn check_key_permissions(_path: &Path) -> Result<(), NetError> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_build_with_tls12_and_tls13_only() {
        let config = client_config(&TlsOptions::default()).unwrap();
        assert!(config.alpn_protocols.is_empty());
        assert!(!config.client_auth_cert_resolver.has_certs());
    }

    #[test]
    fn missing_and_empty_bundles_name_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("nope.pem");
        let err = client_config(&TlsOptions {
            ca_bundle: Some(missing.clone()),
            ..TlsOptions::default()
        })
        .unwrap_err();
        assert!(err.to_string().contains("nope.pem"), "{err}");
        let empty = dir.path().join("empty.pem");
        std::fs::write(&empty, "not pem\n").unwrap();
        let err = client_config(&TlsOptions {
            ca_bundle: Some(empty),
            ..TlsOptions::default()
        })
        .unwrap_err();
        assert!(err.to_string().contains("no PEM certificate"), "{err}");
    }

    #[test]
    fn a_key_without_a_certificate_is_refused() {
        let err = client_config(&TlsOptions {
            client_key: Some("k.pem".into()),
            ..TlsOptions::default()
        })
        .unwrap_err();
        assert!(
            matches!(err, NetError::KeyWithoutCertificate { .. }),
            "{err}"
        );
    }
}
