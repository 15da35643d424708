//! Real TLS on 127.0.0.1: throwaway CAs and certificates from rcgen, an HTTPS receiver that
//! requires a client certificate, fake old-TLS servers, and (with `TRAWL_TEST_S3_ENDPOINT`) a
//! TLS-terminating proxy in front of an S3 test server.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use rcgen::{
    date_time_ymd, BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::WebPkiClientVerifier;
use rustls::{RootCertStore, ServerConfig};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;
use trawl_net::{
    aws_http_client, check_endpoint, classify, describe, http_client, NetError, TlsOptions,
    TlsProblem, Transport,
};

// ---------------------------------------------------------------- certificates

/// A throwaway certificate authority.
struct Ca {
    issuer: Issuer<'static, KeyPair>,
    pem: String,
}

/// A leaf certificate and its key, as PEM.
struct Leaf {
    cert: String,
    key: String,
}

impl Ca {
    fn new(name: &str) -> Ca {
        let mut params = CertificateParams::default();
        params.distinguished_name.push(DnType::CommonName, name);
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let key = KeyPair::generate().unwrap();
        let cert = params.self_signed(&key).unwrap();
        Ca {
            pem: cert.pem(),
            issuer: Issuer::new(params, key),
        }
    }

    /// A leaf for `names` (DNS names or IP addresses), valid now unless `expired`.
    fn leaf(&self, names: &[&str], expired: bool) -> Leaf {
        let names: Vec<String> = names.iter().map(|n| n.to_string()).collect();
        let mut params = CertificateParams::new(names).unwrap();
        params
            .distinguished_name
            .push(DnType::CommonName, "trawl test");
        if expired {
            params.not_before = date_time_ymd(2020, 1, 1);
            params.not_after = date_time_ymd(2021, 1, 1);
        }
        let key = KeyPair::generate().unwrap();
        let cert = params.signed_by(&key, &self.issuer).unwrap();
        Leaf {
            cert: cert.pem(),
            key: key.serialize_pem(),
        }
    }
}

fn write(dir: &Path, name: &str, text: &str, mode: u32) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
    }
    #[cfg(not(unix))]
    let _ = mode;
    path
}

/// The files of one test: a trusted CA, a server certificate for 127.0.0.1, a client
/// certificate, and an untrusted CA with its own client certificate.
struct Fixture {
    dir: tempfile::TempDir,
    ca: Ca,
    other_ca: Ca,
}

impl Fixture {
    fn new() -> Fixture {
        Fixture {
            dir: tempfile::tempdir().unwrap(),
            ca: Ca::new("trawl test CA"),
            other_ca: Ca::new("untrusted CA"),
        }
    }

    fn ca_bundle(&self) -> PathBuf {
        write(self.dir.path(), "ca.pem", &self.ca.pem, 0o644)
    }

    /// Options trusting the test CA and presenting a client certificate from `ca`.
    fn client_opts(&self, client_ca: Option<&Ca>) -> TlsOptions {
        let mut opts = TlsOptions {
            ca_bundle: Some(self.ca_bundle()),
            ..TlsOptions::default()
        };
        if let Some(ca) = client_ca {
            let leaf = ca.leaf(&["trawl-client"], false);
            opts.client_cert = Some(write(self.dir.path(), "client.pem", &leaf.cert, 0o644));
            opts.client_key = Some(write(self.dir.path(), "client.key", &leaf.key, 0o600));
        }
        opts
    }

    /// A server configuration with a certificate from the test CA, requiring a client
    /// certificate from the test CA.
    fn server_config(&self, names: &[&str], expired: bool) -> ServerConfig {
        self.server_config_versions(names, expired, rustls::DEFAULT_VERSIONS)
    }

    /// [`server_config`](Self::server_config) speaking only `versions`.
    fn server_config_versions(
        &self,
        names: &[&str],
        expired: bool,
        versions: &[&'static rustls::SupportedProtocolVersion],
    ) -> ServerConfig {
        let leaf = self.ca.leaf(names, expired);
        let chain = vec![CertificateDer::from_pem_slice(leaf.cert.as_bytes()).unwrap()];
        let key = PrivateKeyDer::from_pem_slice(leaf.key.as_bytes()).unwrap();
        let mut roots = RootCertStore::empty();
        roots
            .add(CertificateDer::from_pem_slice(self.ca.pem.as_bytes()).unwrap())
            .unwrap();
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let verifier = WebPkiClientVerifier::builder_with_provider(roots.into(), provider.clone())
            .build()
            .unwrap();
        ServerConfig::builder_with_provider(provider)
            .with_protocol_versions(versions)
            .unwrap()
            .with_client_cert_verifier(verifier)
            .with_single_cert(chain, key)
            .unwrap()
    }

    /// A server configuration that asks for no client certificate.
    fn server_config_no_client_auth(&self) -> ServerConfig {
        let leaf = self.ca.leaf(&["127.0.0.1"], false);
        let chain = vec![CertificateDer::from_pem_slice(leaf.cert.as_bytes()).unwrap()];
        let key = PrivateKeyDer::from_pem_slice(leaf.key.as_bytes()).unwrap();
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(chain, key)
            .unwrap()
    }
}

// ---------------------------------------------------------------- servers

const LIST_BUCKETS: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\
<ListAllMyBucketsResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">\
<Owner><ID>1</ID><DisplayName>trawl</DisplayName></Owner>\
<Buckets><Bucket><Name>mtls-bucket</Name><CreationDate>2024-01-01T00:00:00.000Z</CreationDate>\
</Bucket></Buckets></ListAllMyBucketsResult>";

/// What a test receiver saw.
#[derive(Default)]
struct Seen {
    /// TCP connections accepted (handshakes attempted).
    connections: AtomicUsize,
    /// Bodies of the requests served.
    bodies: Mutex<Vec<String>>,
    /// TLS versions of the handshakes that completed.
    versions: Mutex<Vec<rustls::ProtocolVersion>>,
}

/// Reads one HTTP/1.1 request (headers and a `content-length` body) and answers 200 with an
/// S3 ListBuckets document, closing the connection.
async fn serve_one<S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin>(
    mut stream: S,
    seen: &Seen,
) -> std::io::Result<()> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            return Ok(());
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(pos) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break pos + 4;
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_ascii_lowercase();
    let length: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .map(|v| v.trim().parse().unwrap())
        .unwrap_or(0);
    while buf.len() < head_end + length {
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            break;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    let body = String::from_utf8_lossy(&buf[head_end..]).into_owned();
    seen.bodies.lock().unwrap().push(body);
    let response = format!(
        "HTTP/1.1 200 OK\r\ncontent-type: application/xml\r\ncontent-length: {}\r\n\
         connection: close\r\n\r\n{LIST_BUCKETS}",
        LIST_BUCKETS.len()
    );
    stream.write_all(response.as_bytes()).await?;
    stream.shutdown().await
}

/// An HTTPS receiver on 127.0.0.1 with `config`.
async fn https_receiver(config: ServerConfig) -> (SocketAddr, Arc<Seen>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let seen = Arc::new(Seen::default());
    let acceptor = TlsAcceptor::from(Arc::new(config));
    let seen2 = seen.clone();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            seen2.connections.fetch_add(1, Ordering::SeqCst);
            let acceptor = acceptor.clone();
            let seen = seen2.clone();
            tokio::spawn(async move {
                if let Ok(tls) = acceptor.accept(tcp).await {
                    if let Some(version) = tls.get_ref().1.protocol_version() {
                        seen.versions.lock().unwrap().push(version);
                    }
                    let _ = serve_one(tls, &seen).await;
                }
            });
        }
    });
    (addr, seen)
}

/// A plain-HTTP receiver on 127.0.0.1.
async fn http_receiver() -> (SocketAddr, Arc<Seen>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let seen = Arc::new(Seen::default());
    let seen2 = seen.clone();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            seen2.connections.fetch_add(1, Ordering::SeqCst);
            let seen = seen2.clone();
            tokio::spawn(async move {
                let _ = serve_one(tcp, &seen).await;
            });
        }
    });
    (addr, seen)
}

/// A server that only speaks TLS 1.1: it reads the ClientHello and answers with `reply`.
async fn old_tls_server(reply: Vec<u8>) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut tcp, _)) = listener.accept().await {
            let reply = reply.clone();
            tokio::spawn(async move {
                // The ClientHello record: 5-byte header, then its length.
                let mut header = [0u8; 5];
                if tcp.read_exact(&mut header).await.is_err() || header[0] != 0x16 {
                    return;
                }
                let len = u16::from_be_bytes([header[3], header[4]]) as usize;
                let mut hello = vec![0u8; len];
                if tcp.read_exact(&mut hello).await.is_err() {
                    return;
                }
                let _ = tcp.write_all(&reply).await;
                let mut rest = [0u8; 512];
                while matches!(tcp.read(&mut rest).await, Ok(n) if n > 0) {}
            });
        }
    });
    addr
}

/// A TLS 1.1 ServerHello (version 0x0302, TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA, no extensions),
/// as a server that cannot do TLS 1.2 answers a TLS 1.2/1.3 ClientHello.
fn tls11_server_hello() -> Vec<u8> {
    let mut body = vec![0x03, 0x02];
    body.extend_from_slice(&[0x42; 32]); // random
    body.push(0); // session id length
    body.extend_from_slice(&[0xc0, 0x13]); // cipher suite
    body.push(0); // compression: null
    let mut handshake = vec![0x02, 0, 0, body.len() as u8];
    handshake.extend_from_slice(&body);
    let mut record = vec![0x16, 0x03, 0x02, 0, handshake.len() as u8];
    record.extend_from_slice(&handshake);
    record
}

/// A fatal protocol_version alert, the other way old servers refuse a TLS 1.2+ ClientHello.
fn protocol_version_alert() -> Vec<u8> {
    vec![0x15, 0x03, 0x01, 0x00, 0x02, 0x02, 70]
}

// ---------------------------------------------------------------- webhook client (reqwest)

async fn post(opts: &TlsOptions, url: &str) -> Result<reqwest::Response, reqwest::Error> {
    http_client(opts)
        .unwrap()
        .post(url)
        .json(&serde_json::json!({"finding": "CREDIT_CARD_NUMBER", "count": 1}))
        .send()
        .await
}

#[tokio::test]
async fn webhook_delivery_works_with_the_right_client_certificate() {
    let fx = Fixture::new();
    let (addr, seen) = https_receiver(fx.server_config(&["127.0.0.1"], false)).await;
    let opts = fx.client_opts(Some(&fx.ca));
    let url = format!("https://127.0.0.1:{}/hook", addr.port());
    assert_eq!(check_endpoint(&url, &opts).unwrap(), Transport::Https);
    let response = post(&opts, &url).await.unwrap();
    assert_eq!(response.status(), 200);
    let bodies = seen.bodies.lock().unwrap();
    assert_eq!(bodies.len(), 1);
    assert!(bodies[0].contains("CREDIT_CARD_NUMBER"), "{bodies:?}");
    // TLS 1.3 is preferred when the server has it.
    assert_eq!(
        *seen.versions.lock().unwrap(),
        [rustls::ProtocolVersion::TLSv1_3]
    );
}

#[tokio::test]
async fn a_tls_1_2_only_server_is_still_accepted() {
    let fx = Fixture::new();
    let config = fx.server_config_versions(&["127.0.0.1"], false, &[&rustls::version::TLS12]);
    let (addr, seen) = https_receiver(config).await;
    let url = format!("https://127.0.0.1:{}/hook", addr.port());
    let response = post(&fx.client_opts(Some(&fx.ca)), &url).await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        *seen.versions.lock().unwrap(),
        [rustls::ProtocolVersion::TLSv1_2]
    );
}

#[tokio::test]
async fn a_tls_1_2_server_without_a_client_certificate_also_says_one_is_required() {
    let fx = Fixture::new();
    let config = fx.server_config_versions(&["127.0.0.1"], false, &[&rustls::version::TLS12]);
    let (addr, _) = https_receiver(config).await;
    let url = format!("https://127.0.0.1:{}/hook", addr.port());
    let err = post(&fx.client_opts(None), &url).await.unwrap_err();
    let line = describe(&err);
    println!("{line}");
    assert!(line.contains("client certificate"), "{line}");
}

#[tokio::test]
async fn webhook_without_a_client_certificate_says_one_is_required() {
    let fx = Fixture::new();
    let (addr, seen) = https_receiver(fx.server_config(&["127.0.0.1"], false)).await;
    let url = format!("https://127.0.0.1:{}/hook", addr.port());
    let err = post(&fx.client_opts(None), &url).await.unwrap_err();
    let line = describe(&err);
    println!("{line}");
    assert_eq!(
        classify(&err),
        Some(TlsProblem::ClientCertificateRequired),
        "{line}"
    );
    assert!(
        line.contains(&format!("127.0.0.1:{}", addr.port())),
        "{line}"
    );
    assert!(line.contains("requires a client certificate"), "{line}");
    assert!(seen.bodies.lock().unwrap().is_empty());
}

#[tokio::test]
async fn webhook_with_an_untrusted_client_certificate_is_rejected() {
    let fx = Fixture::new();
    let (addr, seen) = https_receiver(fx.server_config(&["127.0.0.1"], false)).await;
    let url = format!("https://127.0.0.1:{}/hook", addr.port());
    let err = post(&fx.client_opts(Some(&fx.other_ca)), &url)
        .await
        .unwrap_err();
    let line = describe(&err);
    println!("{line}");
    assert!(
        matches!(
            classify(&err),
            Some(TlsProblem::ClientCertificateRejected(_))
        ),
        "{line}"
    );
    assert!(line.contains("rejected the client certificate"), "{line}");
    assert!(line.contains("unknown CA"), "{line}");
    assert!(seen.bodies.lock().unwrap().is_empty());
}

#[tokio::test]
async fn expired_server_certificate_says_expired() {
    let fx = Fixture::new();
    let (addr, seen) = https_receiver(fx.server_config(&["127.0.0.1"], true)).await;
    let url = format!("https://127.0.0.1:{}/hook", addr.port());
    let err = post(&fx.client_opts(Some(&fx.ca)), &url).await.unwrap_err();
    let line = describe(&err);
    println!("{line}");
    assert_eq!(
        classify(&err),
        Some(TlsProblem::CertificateExpired),
        "{line}"
    );
    assert!(
        line.contains(&format!("127.0.0.1:{}", addr.port())),
        "{line}"
    );
    assert!(line.contains("expired"), "{line}");
    assert_eq!(
        seen.connections.load(Ordering::SeqCst),
        1,
        "never a silent retry"
    );
}

#[tokio::test]
async fn wrong_host_name_says_wrong_host() {
    let fx = Fixture::new();
    let (addr, _) = https_receiver(fx.server_config(&["other.example"], false)).await;
    let url = format!("https://127.0.0.1:{}/hook", addr.port());
    let err = post(&fx.client_opts(Some(&fx.ca)), &url).await.unwrap_err();
    let line = describe(&err);
    println!("{line}");
    assert!(
        matches!(classify(&err), Some(TlsProblem::HostnameMismatch { .. })),
        "{line}"
    );
    assert!(line.contains("wrong host"), "{line}");
    assert!(line.contains("it is for other.example"), "{line}");
}

#[tokio::test]
async fn server_from_an_unknown_ca_says_untrusted() {
    let fx = Fixture::new();
    let (addr, _) = https_receiver(fx.server_config(&["127.0.0.1"], false)).await;
    let url = format!("https://127.0.0.1:{}/hook", addr.port());
    // The client certificate is fine, but the test CA is not in the client's roots.
    let opts = TlsOptions {
        ca_bundle: None,
        ..fx.client_opts(Some(&fx.ca))
    };
    let err = post(&opts, &url).await.unwrap_err();
    let line = describe(&err);
    println!("{line}");
    assert_eq!(classify(&err), Some(TlsProblem::UnknownIssuer), "{line}");
    assert!(line.contains("untrusted"), "{line}");
    assert!(line.contains("--ca-bundle"), "{line}");
}

#[tokio::test]
async fn tls_1_1_only_server_says_protocol_version_too_old() {
    let fx = Fixture::new();
    for reply in [tls11_server_hello(), protocol_version_alert()] {
        let addr = old_tls_server(reply).await;
        let url = format!("https://127.0.0.1:{}/hook", addr.port());
        let err = post(&fx.client_opts(Some(&fx.ca)), &url).await.unwrap_err();
        let line = describe(&err);
        println!("{line}");
        assert_eq!(
            classify(&err),
            Some(TlsProblem::ProtocolVersionTooOld),
            "{line}"
        );
        assert!(line.contains("protocol version too old"), "{line}");
        assert!(
            line.contains(&format!("127.0.0.1:{}", addr.port())),
            "{line}"
        );
    }
}

#[tokio::test]
async fn plain_http_is_refused_without_the_flag_and_allowed_with_it() {
    let fx = Fixture::new();
    let (addr, seen) = http_receiver().await;
    let url = format!("http://127.0.0.1:{}/hook", addr.port());

    let strict = fx.client_opts(None);
    let err = check_endpoint(&url, &strict).unwrap_err();
    assert!(matches!(err, NetError::InsecureEndpoint { .. }), "{err}");
    assert!(
        err.to_string().contains("--allow-insecure-endpoint"),
        "{err}"
    );
    // The client refuses it too, even when the check is skipped.
    let err = post(&strict, &url).await.unwrap_err();
    let line = describe(&err);
    println!("{line}");
    assert!(line.contains("refusing plain-text endpoint"), "{line}");
    assert_eq!(seen.connections.load(Ordering::SeqCst), 0);

    let allowed = TlsOptions {
        allow_insecure_endpoint: true,
        ..strict
    };
    assert_eq!(
        check_endpoint(&url, &allowed).unwrap(),
        Transport::InsecureHttp { first_use: true }
    );
    assert_eq!(post(&allowed, &url).await.unwrap().status(), 200);
    assert_eq!(seen.bodies.lock().unwrap().len(), 1);
}

#[cfg(unix)]
#[test]
fn group_or_world_readable_private_key_is_refused() {
    let fx = Fixture::new();
    let opts = fx.client_opts(Some(&fx.ca));
    let key = opts.client_key.clone().unwrap();
    for mode in [0o644, 0o640, 0o604] {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&key, std::fs::Permissions::from_mode(mode)).unwrap();
        let err = http_client(&opts).unwrap_err();
        assert!(matches!(err, NetError::KeyPermissions { .. }), "{err}");
        let text = err.to_string();
        assert!(text.contains(&format!("{mode:04o}")), "{text}");
        assert!(text.contains(&key.display().to_string()), "{text}");
        assert!(text.contains("too open"), "{text}");
    }
    for mode in [0o600, 0o400] {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&key, std::fs::Permissions::from_mode(mode)).unwrap();
        http_client(&opts).unwrap();
    }
}

#[test]
fn a_combined_certificate_and_key_file_works_and_a_mismatched_key_is_refused() {
    let fx = Fixture::new();
    let leaf = fx.ca.leaf(&["trawl-client"], false);
    let combined = write(
        fx.dir.path(),
        "combined.pem",
        &format!("{}{}", leaf.cert, leaf.key),
        0o600,
    );
    let opts = TlsOptions {
        client_cert: Some(combined),
        ..TlsOptions::default()
    };
    trawl_net::client_config(&opts).unwrap();

    let other = fx.ca.leaf(&["trawl-client"], false);
    let opts = TlsOptions {
        client_cert: Some(write(fx.dir.path(), "c.pem", &leaf.cert, 0o644)),
        client_key: Some(write(fx.dir.path(), "k.pem", &other.key, 0o600)),
        ..TlsOptions::default()
    };
    let err = trawl_net::client_config(&opts).unwrap_err();
    assert!(err.to_string().contains("c.pem"), "{err}");
}

// ---------------------------------------------------------------- AWS SDK client

async fn s3_client(opts: &TlsOptions, endpoint: &str) -> aws_sdk_s3::Client {
    use aws_sdk_s3::config::{Credentials, Region};
    let sdk = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .http_client(aws_http_client(opts).unwrap())
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new("test", "test", None, None, "trawl-test"))
        .endpoint_url(endpoint)
        .load()
        .await;
    let conf = aws_sdk_s3::config::Builder::from(&sdk)
        .force_path_style(true)
        .build();
    aws_sdk_s3::Client::from_conf(conf)
}

#[tokio::test]
async fn aws_client_speaks_mutual_tls_with_a_custom_ca_bundle() {
    let fx = Fixture::new();
    let (addr, seen) = https_receiver(fx.server_config(&["127.0.0.1"], false)).await;
    let endpoint = format!("https://127.0.0.1:{}", addr.port());
    let s3 = s3_client(&fx.client_opts(Some(&fx.ca)), &endpoint).await;
    let buckets = s3.list_buckets().send().await.unwrap();
    let names: Vec<_> = buckets.buckets().iter().filter_map(|b| b.name()).collect();
    assert_eq!(names, ["mtls-bucket"]);
    assert_eq!(seen.bodies.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn aws_client_tls_failures_name_the_host_and_are_not_retried() {
    let fx = Fixture::new();
    let (addr, seen) = https_receiver(fx.server_config(&["127.0.0.1"], true)).await;
    let endpoint = format!("https://127.0.0.1:{}", addr.port());
    let s3 = s3_client(&fx.client_opts(Some(&fx.ca)), &endpoint).await;
    let err = s3.list_buckets().send().await.unwrap_err();
    let line = describe(&err);
    println!("{line}");
    let context = aws_sdk_s3::error::DisplayErrorContext(&err).to_string();
    println!("{context}");
    assert_eq!(
        classify(&err),
        Some(TlsProblem::CertificateExpired),
        "{line}"
    );
    let host = format!("127.0.0.1:{}", addr.port());
    assert!(line.contains(&host) && line.contains("expired"), "{line}");
    assert!(
        context.contains(&host) && context.contains("expired"),
        "{context}"
    );
    assert_eq!(
        seen.connections.load(Ordering::SeqCst),
        1,
        "a TLS failure must not be retried"
    );
}

#[tokio::test]
async fn aws_client_refuses_plain_http_without_the_flag() {
    let (addr, seen) = http_receiver().await;
    let endpoint = format!("http://127.0.0.1:{}", addr.port());
    let s3 = s3_client(&TlsOptions::default(), &endpoint).await;
    let err = s3.list_buckets().send().await.unwrap_err();
    let context = aws_sdk_s3::error::DisplayErrorContext(&err).to_string();
    println!("{context}");
    assert!(context.contains("--allow-insecure-endpoint"), "{context}");
    assert_eq!(seen.connections.load(Ordering::SeqCst), 0);

    let allowed = TlsOptions {
        allow_insecure_endpoint: true,
        ..TlsOptions::default()
    };
    let s3 = s3_client(&allowed, &endpoint).await;
    let buckets = s3.list_buckets().send().await.unwrap();
    assert_eq!(buckets.buckets().len(), 1);
}

/// A TLS-terminating proxy on 127.0.0.1 in front of `upstream` (host:port, plain TCP).
async fn tls_proxy(config: ServerConfig, upstream: String) -> (SocketAddr, Arc<Seen>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let acceptor = TlsAcceptor::from(Arc::new(config));
    let seen = Arc::new(Seen::default());
    let seen2 = seen.clone();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            seen2.connections.fetch_add(1, Ordering::SeqCst);
            let acceptor = acceptor.clone();
            let upstream = upstream.clone();
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let Ok(mut plain) = tokio::net::TcpStream::connect(&upstream).await else {
                    return;
                };
                let _ = tokio::io::copy_bidirectional(&mut tls, &mut plain).await;
            });
        }
    });
    (addr, seen)
}

#[tokio::test]
async fn s3_through_a_tls_proxy_with_a_custom_ca_bundle() {
    let Ok(endpoint) = std::env::var("TRAWL_TEST_S3_ENDPOINT") else {
        if std::env::var("TRAWL_REQUIRE_S3").as_deref() == Ok("1") {
            panic!("TRAWL_REQUIRE_S3=1 but TRAWL_TEST_S3_ENDPOINT is not set");
        }
        println!("skipped: TRAWL_TEST_S3_ENDPOINT not set");
        return;
    };
    let upstream = endpoint
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_string();
    let fx = Fixture::new();
    let (addr, proxy) = tls_proxy(fx.server_config_no_client_auth(), upstream).await;
    let proxied = format!("https://127.0.0.1:{}", addr.port());

    let s3 = s3_client(&fx.client_opts(None), &proxied).await;
    let bucket = format!("trawl-tls-{}", addr.port());
    s3.create_bucket().bucket(&bucket).send().await.unwrap();
    let buckets = s3.list_buckets().send().await.unwrap();
    assert!(buckets.buckets().iter().any(|b| b.name() == Some(&bucket)));
    let body = "card 4111 1111 1111 1111 sent through TLS";
    s3.put_object()
        .bucket(&bucket)
        .key("a.txt")
        .body(body.as_bytes().to_vec().into())
        .send()
        .await
        .unwrap();
    let got = s3
        .get_object()
        .bucket(&bucket)
        .key("a.txt")
        .send()
        .await
        .unwrap();
    let bytes = got.body.collect().await.unwrap().into_bytes();
    assert_eq!(&bytes[..], body.as_bytes());
    assert!(proxy.connections.load(Ordering::SeqCst) >= 1);

    // Without the CA bundle the proxy's certificate is untrusted.
    let s3 = s3_client(&TlsOptions::default(), &proxied).await;
    let err = s3.list_buckets().send().await.unwrap_err();
    let line = describe(&err);
    println!("{line}");
    assert_eq!(classify(&err), Some(TlsProblem::UnknownIssuer), "{line}");
    assert!(
        line.contains(&format!("127.0.0.1:{}", addr.port())),
        "{line}"
    );
}
