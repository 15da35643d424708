//! `trawl scan s3://...` and what it reads of a bucket's and an object's protection, against
//! the S3 servers scripts/test starts: bucket posture findings, SSE-C objects (LocalStack),
//! and mutual TLS with a custom CA bundle. The listing and reading tests are in s3.rs.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::{Command, Output};

use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{
    BucketVersioningStatus, Destination, ReplicationConfiguration, ReplicationRule,
    ReplicationRuleStatus, ServerSideEncryption, VersioningConfiguration,
};
use trawl_scanner::ResultRecord;

mod common;
use common::s3::{
    bucket_name, client, counts, localstack, moto, put, runtime, trawl_scan, SSN_LINE,
};

#[test]
fn posture_findings_from_bucket_settings() {
    let Some(ep) = moto() else { return };
    let c = client(&ep);
    let (open, locked) = (bucket_name("open"), bucket_name("locked"));
    let rt = runtime();
    rt.block_on(async {
        for b in [&open, &locked] {
            c.create_bucket().bucket(b).send().await.unwrap();
            put(&c, b, "x.txt", "nothing\n").await;
        }
        let public = format!(
            r#"{{"Version":"2012-10-17","Statement":[
              {{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::{open}/*"}},
              {{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::999999999999:root"}},"Action":"s3:*","Resource":"arn:aws:s3:::{open}/*"}},
              {{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::{open}/*","Condition":{{"NumericLessThanEquals":{{"s3:TlsVersion":"1.1"}}}}}}]}}"#
        );
        c.put_bucket_policy().bucket(&open).policy(public).send().await.unwrap();
        c.put_bucket_versioning()
            .bucket(&open)
            .versioning_configuration(
                VersioningConfiguration::builder()
                    .status(BucketVersioningStatus::Enabled)
                    .build(),
            )
            .send()
            .await
            .unwrap();
        c.put_bucket_replication()
            .bucket(&open)
            .replication_configuration(
                ReplicationConfiguration::builder()
                    .role("arn:aws:iam::123456789012:role/replication")
                    .rules(
                        ReplicationRule::builder()
                            .id("out")
                            .status(ReplicationRuleStatus::Enabled)
                            .filter(
                                aws_sdk_s3::types::ReplicationRuleFilter::builder()
                                    .prefix("")
                                    .build(),
                            )
                            .destination(
                                Destination::builder()
                                    .bucket("arn:aws:s3:::elsewhere")
                                    .account("888888888888")
                                    .build()
                                    .unwrap(),
                            )
                            .build()
                            .unwrap(),
                    )
                    .build()
                    .unwrap(),
            )
            .send()
            .await
            .unwrap();
        let secure = format!(
            r#"{{"Version":"2012-10-17","Statement":[
              {{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":["arn:aws:s3:::{locked}","arn:aws:s3:::{locked}/*"],"Condition":{{"Bool":{{"aws:SecureTransport":"false"}}}}}},
              {{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":["arn:aws:s3:::{locked}","arn:aws:s3:::{locked}/*"],"Condition":{{"NumericLessThan":{{"s3:TlsVersion":"1.2"}}}}}}]}}"#
        );
        c.put_bucket_policy().bucket(&locked).policy(secure).send().await.unwrap();
        c.put_public_access_block()
            .bucket(&locked)
            .public_access_block_configuration(
                aws_sdk_s3::types::PublicAccessBlockConfiguration::builder()
                    .block_public_acls(true)
                    .ignore_public_acls(true)
                    .block_public_policy(true)
                    .restrict_public_buckets(true)
                    .build(),
            )
            .send()
            .await
            .unwrap();
        c.put_bucket_encryption()
            .bucket(&locked)
            .server_side_encryption_configuration(
                aws_sdk_s3::types::ServerSideEncryptionConfiguration::builder()
                    .rules(
                        aws_sdk_s3::types::ServerSideEncryptionRule::builder()
                            .apply_server_side_encryption_by_default(
                                aws_sdk_s3::types::ServerSideEncryptionByDefault::builder()
                                    .sse_algorithm(ServerSideEncryption::Aes256)
                                    .build()
                                    .unwrap(),
                            )
                            .build(),
                    )
                    .build()
                    .unwrap(),
            )
            .send()
            .await
            .unwrap();
    });
    let dir = tempfile::tempdir().unwrap();
    let summary_path = dir.path().join("summary.json");
    let run = trawl_scan(
        &ep,
        &[
            &format!("s3://{open}"),
            &format!("s3://{locked}"),
            "--posture",
            "--summary",
            summary_path.to_str().unwrap(),
        ],
    );
    assert_eq!(run.code(), 0, "{}", run.stderr());
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&summary_path).unwrap()).unwrap();
    let types_of = |bucket: &str| -> Vec<String> {
        let mut v: Vec<String> = summary["posture"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|p| p["bucket"] == bucket)
            .flat_map(|p| p["findings"].as_array().unwrap().clone())
            .map(|f| {
                f["type"]
                    .as_str()
                    .unwrap()
                    .trim_start_matches("Policy:IAMUser/")
                    .to_string()
            })
            .collect();
        v.sort();
        v
    };
    assert_eq!(
        types_of(&open),
        [
            "S3BlockPublicAccessDisabled",
            "S3BucketAllowsInsecureTransport",
            "S3BucketAllowsOutdatedTls",
            "S3BucketEncryptionDisabled",
            "S3BucketPublic",
            "S3BucketReplicatedExternally",
            "S3BucketSharedExternally",
        ],
        "{summary:#}"
    );
    assert!(types_of(&locked).is_empty(), "{:?}", types_of(&locked));
    let b = &summary["buckets"][&open];
    assert_eq!(b["objects"], 1);
    assert_eq!(b["objects_listed"], 1);
    assert!(run.stderr().contains("S3BucketPublic"), "{}", run.stderr());
}

#[test]
fn sse_c_objects_need_the_key() {
    let Some(ep) = localstack() else { return };
    let c = client(&ep);
    let bucket = bucket_name("ssec");
    let key = [42u8; 32];
    let dir = tempfile::tempdir().unwrap();
    let key_file = dir.path().join("sse-c.key");
    std::fs::write(&key_file, key).unwrap();
    let wrong_file = dir.path().join("wrong.key");
    std::fs::write(&wrong_file, [7u8; 32]).unwrap();
    let rt = runtime();
    rt.block_on(async {
        use base64::Engine as _;
        let b64 = base64::engine::general_purpose::STANDARD;
        c.create_bucket().bucket(&bucket).send().await.unwrap();
        c.put_object()
            .bucket(&bucket)
            .key("ssec.txt")
            .sse_customer_algorithm("AES256")
            .sse_customer_key(b64.encode(key))
            .sse_customer_key_md5(b64.encode(md5::Md5::digest(key)))
            .body(ByteStream::from_static(SSN_LINE.as_bytes()))
            .send()
            .await
            .unwrap();
        put(&c, &bucket, "plain.txt", SSN_LINE).await;
    });
    let target = format!("s3://{bucket}");
    let without = trawl_scan(&ep, &[&target]);
    assert_eq!(without.code(), 0, "{}", without.stderr());
    let r = without.record("ssec.txt");
    assert_eq!(r.status.as_str(), "SKIPPED");
    assert_eq!(without.reason("ssec.txt"), "INVALID_ENCRYPTION");
    assert_eq!(r.object.encryption.as_deref(), Some("SSE-C"));
    assert!(r.reasons[0].message.contains("--sse-c-key-file"));
    // LocalStack, like AWS since 2023, encrypts every object with SSE-S3 by default.
    assert_eq!(
        without.record("plain.txt").object.encryption.as_deref(),
        Some("AES256")
    );
    let with = trawl_scan(
        &ep,
        &[&target, "--sse-c-key-file", key_file.to_str().unwrap()],
    );
    let r = with.record("ssec.txt");
    assert_eq!(r.status.as_str(), "COMPLETE", "{:?}", r.reasons);
    assert_eq!(r.object.encryption.as_deref(), Some("SSE-C"));
    assert_eq!(counts(r)["USA_SOCIAL_SECURITY_NUMBER"], 1);
    assert_eq!(with.record("plain.txt").status.as_str(), "COMPLETE");
    let wrong = trawl_scan(
        &ep,
        &[&target, "--sse-c-key-file", wrong_file.to_str().unwrap()],
    );
    assert_eq!(wrong.record("ssec.txt").status.as_str(), "SKIPPED");
    assert_eq!(wrong.reason("ssec.txt"), "INVALID_ENCRYPTION");
}

use md5::Digest as _;

/// A throwaway CA (rcgen) and a TLS-terminating proxy on 127.0.0.1 in front of the test S3
/// server that requires a client certificate from that CA.
mod tls {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    use rcgen::{
        BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, KeyUsagePurpose,
    };
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    use rustls::server::WebPkiClientVerifier;
    use rustls::{RootCertStore, ServerConfig};

    pub struct Ca {
        issuer: Issuer<'static, KeyPair>,
        pub pem: String,
    }

    impl Ca {
        pub fn new() -> Ca {
            let mut params = CertificateParams::default();
            params
                .distinguished_name
                .push(DnType::CommonName, "trawl test CA");
            params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
            params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
            let key = KeyPair::generate().unwrap();
            let cert = params.self_signed(&key).unwrap();
            Ca {
                pem: cert.pem(),
                issuer: Issuer::new(params, key),
            }
        }

        /// (certificate PEM, key PEM) for `name`.
        pub fn leaf(&self, name: &str) -> (String, String) {
            let params = CertificateParams::new(vec![name.to_string()]).unwrap();
            let key = KeyPair::generate().unwrap();
            let cert = params.signed_by(&key, &self.issuer).unwrap();
            (cert.pem(), key.serialize_pem())
        }

        pub fn server_config(&self) -> ServerConfig {
            let (cert, key) = self.leaf("127.0.0.1");
            let chain = vec![CertificateDer::from_pem_slice(cert.as_bytes()).unwrap()];
            let key = PrivateKeyDer::from_pem_slice(key.as_bytes()).unwrap();
            let mut roots = RootCertStore::empty();
            roots
                .add(CertificateDer::from_pem_slice(self.pem.as_bytes()).unwrap())
                .unwrap();
            let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
            let verifier =
                WebPkiClientVerifier::builder_with_provider(roots.into(), provider.clone())
                    .build()
                    .unwrap();
            // TLS 1.2: a missing client certificate is refused inside the handshake, so the
            // client always sees the alert (with TLS 1.3 it races the first request).
            ServerConfig::builder_with_provider(provider)
                .with_protocol_versions(&[&rustls::version::TLS12])
                .unwrap()
                .with_client_cert_verifier(verifier)
                .with_single_cert(chain, key)
                .unwrap()
        }
    }

    /// Starts the proxy on `rt`; returns its port and a count of accepted connections.
    pub fn proxy(
        rt: &tokio::runtime::Runtime,
        config: ServerConfig,
        upstream: String,
    ) -> (u16, Arc<AtomicUsize>) {
        let listener = rt
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .unwrap();
        let port = listener.local_addr().unwrap().port();
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
        let seen = Arc::new(AtomicUsize::new(0));
        let seen2 = seen.clone();
        rt.spawn(async move {
            while let Ok((tcp, _)) = listener.accept().await {
                seen2.fetch_add(1, Ordering::SeqCst);
                let (acceptor, upstream) = (acceptor.clone(), upstream.clone());
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
        (port, seen)
    }
}

#[test]
fn scans_through_mutual_tls_with_a_custom_ca_bundle() {
    use std::os::unix::fs::PermissionsExt;
    let Some(ep) = moto() else { return };
    let c = client(&ep);
    let bucket = bucket_name("tls");
    let rt = runtime();
    rt.block_on(async {
        c.create_bucket().bucket(&bucket).send().await.unwrap();
        put(&c, &bucket, "secret.txt", SSN_LINE).await;
    });
    let ca = tls::Ca::new();
    let upstream = ep
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_string();
    let (port, connections) = tls::proxy(&rt, ca.server_config(), upstream);
    let dir = tempfile::tempdir().unwrap();
    let bundle = dir.path().join("ca.pem");
    std::fs::write(&bundle, &ca.pem).unwrap();
    let (cert, key) = ca.leaf("trawl-client");
    let cert_file = dir.path().join("client.pem");
    let key_file = dir.path().join("client.key");
    std::fs::write(&cert_file, cert).unwrap();
    std::fs::write(&key_file, key).unwrap();
    std::fs::set_permissions(&key_file, std::fs::Permissions::from_mode(0o600)).unwrap();
    let https = format!("https://127.0.0.1:{port}");
    let run_with = |extra: &[&str]| -> Output {
        Command::new(env!("CARGO_BIN_EXE_trawl"))
            .args(["scan", &format!("s3://{bucket}"), "--format", "jsonl"])
            .args(["--endpoint-url", &https])
            .args(extra)
            .env("AWS_ACCESS_KEY_ID", "test")
            .env("AWS_SECRET_ACCESS_KEY", "test")
            .env("AWS_REGION", "us-east-1")
            .env_remove("AWS_CA_BUNDLE")
            .output()
            .unwrap()
    };
    let ok = run_with(&[
        "--ca-bundle",
        bundle.to_str().unwrap(),
        "--client-cert",
        cert_file.to_str().unwrap(),
        "--client-key",
        key_file.to_str().unwrap(),
    ]);
    let stderr = String::from_utf8_lossy(&ok.stderr);
    assert_eq!(ok.status.code(), Some(0), "{stderr}");
    let rec: ResultRecord =
        serde_json::from_str(String::from_utf8_lossy(&ok.stdout).lines().next().unwrap()).unwrap();
    assert_eq!(counts(&rec)["USA_SOCIAL_SECURITY_NUMBER"], 1);
    assert!(!stderr.contains("plain http"), "{stderr}");
    // AWS_CA_BUNDLE works as well as the flag.
    let via_env = Command::new(env!("CARGO_BIN_EXE_trawl"))
        .args(["scan", &format!("s3://{bucket}"), "--format", "jsonl", "-q"])
        .args(["--endpoint-url", &https])
        .args(["--client-cert", cert_file.to_str().unwrap()])
        .args(["--client-key", key_file.to_str().unwrap()])
        .env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_CA_BUNDLE", &bundle)
        .output()
        .unwrap();
    assert_eq!(
        via_env.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&via_env.stderr)
    );
    // Without the CA bundle: a clear error naming the host, and no retry storm.
    let before = connections.load(std::sync::atomic::Ordering::SeqCst);
    let untrusted = run_with(&[]);
    let err = String::from_utf8_lossy(&untrusted.stderr);
    assert_eq!(untrusted.status.code(), Some(2), "{err}");
    assert!(err.contains(&format!("127.0.0.1:{port}")), "{err}");
    assert!(
        err.to_lowercase().contains("untrusted") || err.contains("issuer"),
        "{err}"
    );
    let tries = connections.load(std::sync::atomic::Ordering::SeqCst) - before;
    assert!(tries <= 3, "{tries} connections for a certificate problem");
    // Without a client certificate the proxy refuses the handshake.
    let no_cert = run_with(&["--ca-bundle", bundle.to_str().unwrap()]);
    let err = String::from_utf8_lossy(&no_cert.stderr);
    assert_eq!(no_cert.status.code(), Some(2), "{err}");
    assert!(err.contains("client certificate"), "{err}");
    // A world-readable key is refused before any connection.
    std::fs::set_permissions(&key_file, std::fs::Permissions::from_mode(0o644)).unwrap();
    let open_key = run_with(&[
        "--ca-bundle",
        bundle.to_str().unwrap(),
        "--client-cert",
        cert_file.to_str().unwrap(),
        "--client-key",
        key_file.to_str().unwrap(),
    ]);
    let err = String::from_utf8_lossy(&open_key.stderr);
    assert_eq!(open_key.status.code(), Some(2), "{err}");
    assert!(err.contains("too open"), "{err}");
}
