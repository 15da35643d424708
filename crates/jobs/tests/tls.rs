//! A job's webhook sink over mutual TLS: an HTTPS receiver on 127.0.0.1 with a throwaway CA
//! (rcgen) that requires a client certificate; the job's `[tls]` table gives the CA bundle and
//! the client certificate and key.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use chrono::Utc;
use common::*;
use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, KeyUsagePurpose};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::WebPkiClientVerifier;
use rustls::{RootCertStore, ServerConfig};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use trawl_jobs::{run_job, RunOptions, Store};

struct Ca {
    issuer: Issuer<'static, KeyPair>,
    pem: String,
}

impl Ca {
    fn new() -> Ca {
        let mut params = CertificateParams::default();
        params
            .distinguished_name
            .push(DnType::CommonName, "trawl jobs test CA");
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let key = KeyPair::generate().unwrap();
        let cert = params.self_signed(&key).unwrap();
        Ca {
            pem: cert.pem(),
            issuer: Issuer::new(params, key),
        }
    }

    fn leaf(&self, name: &str) -> (String, String) {
        let params = CertificateParams::new(vec![name.to_string()]).unwrap();
        let key = KeyPair::generate().unwrap();
        let cert = params.signed_by(&key, &self.issuer).unwrap();
        (cert.pem(), key.serialize_pem())
    }
}

/// An HTTPS receiver requiring a client certificate from `ca`; returns its port, the number of
/// events (POST bodies) it accepted, and the number of handshakes attempted.
fn receiver(
    rt: &tokio::runtime::Runtime,
    ca: &Ca,
) -> (u16, Arc<Mutex<Vec<String>>>, Arc<AtomicUsize>) {
    let (cert, key) = ca.leaf("127.0.0.1");
    let mut roots = RootCertStore::empty();
    roots
        .add(CertificateDer::from_pem_slice(ca.pem.as_bytes()).unwrap())
        .unwrap();
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let verifier = WebPkiClientVerifier::builder_with_provider(roots.into(), provider.clone())
        .build()
        .unwrap();
    // TLS 1.2: the server judges the client certificate inside the handshake, so a refusal
    // reaches the client as a handshake alert every time. (With TLS 1.3 it comes after the
    // client's Finished, racing the request; trawl-net's own tests cover TLS 1.3.)
    let config = ServerConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS12])
        .unwrap()
        .with_client_cert_verifier(verifier)
        .with_single_cert(
            vec![CertificateDer::from_pem_slice(cert.as_bytes()).unwrap()],
            PrivateKeyDer::from_pem_slice(key.as_bytes()).unwrap(),
        )
        .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = rt
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let port = listener.local_addr().unwrap().port();
    let bodies = Arc::new(Mutex::new(Vec::new()));
    let handshakes = Arc::new(AtomicUsize::new(0));
    let (b2, h2) = (bodies.clone(), handshakes.clone());
    rt.spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            h2.fetch_add(1, Ordering::SeqCst);
            let (acceptor, bodies) = (acceptor.clone(), b2.clone());
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(tcp).await else {
                    return;
                };
                // One request per connection is enough for the test: read headers and the
                // Content-Length body, answer 200, close.
                let mut buf = Vec::new();
                let mut chunk = [0u8; 8192];
                loop {
                    let Ok(n) = tls.read(&mut chunk).await else {
                        return;
                    };
                    if n == 0 {
                        return;
                    }
                    buf.extend_from_slice(&chunk[..n]);
                    let text = String::from_utf8_lossy(&buf).to_string();
                    if let Some(end) = text.find("\r\n\r\n") {
                        let len = text[..end]
                            .lines()
                            .find_map(|l| {
                                let (k, v) = l.split_once(':')?;
                                k.eq_ignore_ascii_case("content-length")
                                    .then(|| v.trim().parse::<usize>().ok())?
                            })
                            .unwrap_or(0);
                        if buf.len() >= end + 4 + len {
                            bodies
                                .lock()
                                .unwrap()
                                .push(String::from_utf8_lossy(&buf[end + 4..end + 4 + len]).into());
                            let _ = tls
                                .write_all(
                                    b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\n{}",
                                )
                                .await;
                            let _ = tls.shutdown().await;
                            return;
                        }
                    }
                }
            });
        }
    });
    (port, bodies, handshakes)
}

fn job_text(port: u16, tls: &str) -> String {
    format!(
        "name = \"mtls\"\ntargets = [\"data\"]\n[[events]]\ntype = \"webhook\"\n\
         url = \"https://127.0.0.1:{port}/hook\"\nmax_attempts = 2\nbackoff_ms = 5\n[tls]\n{tls}"
    )
}

fn pem(dir: &Path, name: &str, text: &str, mode: u32) -> String {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(mode)).unwrap();
    p.display().to_string()
}

#[test]
fn webhook_events_go_over_mutual_tls_and_fail_clearly_without_a_client_certificate() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let ca = Ca::new();
    let (port, bodies, _) = receiver(&rt, &ca);
    let dir = tempfile::tempdir().unwrap();
    write(&dir.path().join("data"), "a.txt", CARD);
    let bundle = pem(dir.path(), "ca.pem", &ca.pem, 0o644);
    let (cert, key) = ca.leaf("trawl-client");
    let cert = pem(dir.path(), "client.pem", &cert, 0o644);
    let key = pem(dir.path(), "client.key", &key, 0o600);

    // With the CA bundle and the client certificate: delivered.
    let state = dir.path().join("state.db");
    let store = Store::open(&state).unwrap();
    let tls =
        format!("ca_bundle = \"{bundle}\"\nclient_cert = \"{cert}\"\nclient_key = \"{key}\"\n");
    let job = create(&store, dir.path(), &job_text(port, &tls), Utc::now());
    let out = run_job(&state, &job.id, &RunOptions::new(&state)).unwrap();
    assert_eq!(
        out.summary["events"]["0:webhook"]["delivered"], 1,
        "{}",
        out.summary
    );
    let got = bodies.lock().unwrap().clone();
    assert_eq!(got.len(), 1);
    let event: serde_json::Value = serde_json::from_str(&got[0]).unwrap();
    assert_eq!(event["detail-type"], "Trawl Finding");
    assert!(
        !got[0].contains("4539 2274 2374 7675"),
        "no raw value in events"
    );

    // Without a client certificate: not delivered, kept, and the warning says why.
    let state2 = dir.path().join("state2.db");
    let store2 = Store::open(&state2).unwrap();
    let job2 = create(
        &store2,
        dir.path(),
        &job_text(port, &format!("ca_bundle = \"{bundle}\"\n")),
        Utc::now(),
    );
    let warnings = Arc::new(Mutex::new(Vec::<String>::new()));
    let w2 = warnings.clone();
    let mut opts = RunOptions::new(&state2);
    opts.on_warning = Some(Arc::new(move |m: &str| {
        w2.lock().unwrap().push(m.to_string())
    }));
    let out = run_job(&state2, &job2.id, &opts).unwrap();
    assert_eq!(
        out.summary["events"]["0:webhook"]["pending"], 1,
        "{}",
        out.summary
    );
    assert_eq!(bodies.lock().unwrap().len(), 1, "nothing more arrived");
    let text = format!("{} {:?}", out.summary, warnings.lock().unwrap());
    assert!(text.contains("client certificate"), "{text}");

    // A world-readable key is refused: the event stays in the outbox.
    let open_key = pem(
        dir.path(),
        "open.key",
        &std::fs::read_to_string(&key).unwrap(),
        0o644,
    );
    let state3 = dir.path().join("state3.db");
    let store3 = Store::open(&state3).unwrap();
    let tls3 = format!(
        "ca_bundle = \"{bundle}\"\nclient_cert = \"{cert}\"\nclient_key = \"{open_key}\"\n"
    );
    let job3 = create(&store3, dir.path(), &job_text(port, &tls3), Utc::now());
    let out = run_job(&state3, &job3.id, &RunOptions::new(&state3)).unwrap();
    assert!(
        out.summary["events"].to_string().contains("too open"),
        "{}",
        out.summary
    );
}
