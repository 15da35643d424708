//! S3 test helpers: the servers `scripts/test` starts (moto, LocalStack), a client for them,
//! unique bucket names, uploads.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::Client;
use trawl_scanner::ResultRecord;

pub fn required() -> bool {
    std::env::var("TRAWL_REQUIRE_S3").is_ok_and(|v| v == "1")
}

pub fn server(var: &str) -> Option<String> {
    match std::env::var(var) {
        Ok(v) if !v.is_empty() => Some(v),
        _ => {
            assert!(!required(), "{var} is not set and TRAWL_REQUIRE_S3=1");
            eprintln!("skipped: {var} not set (scripts/test starts the S3 servers)");
            None
        }
    }
}

pub fn moto() -> Option<String> {
    server("TRAWL_TEST_S3_ENDPOINT")
}

pub fn localstack() -> Option<String> {
    server("TRAWL_TEST_S3_LOCALSTACK")
}

pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

pub fn client(endpoint: &str) -> Client {
    let creds = aws_sdk_s3::config::Credentials::new("test", "test", None, None, "tests");
    let conf = aws_sdk_s3::config::Builder::new()
        .behavior_version(aws_sdk_s3::config::BehaviorVersion::latest())
        .region(aws_sdk_s3::config::Region::new("us-east-1"))
        .endpoint_url(endpoint)
        .force_path_style(true)
        .credentials_provider(creds)
        .build();
    Client::from_conf(conf)
}

/// A bucket name no other test (or earlier run against the same server) uses.
pub fn bucket_name(tag: &str) -> String {
    let n: u64 = rand::random::<u64>() % 1_000_000_000;
    format!("trawl-{tag}-{n}")
}

pub async fn put(c: &Client, bucket: &str, key: &str, body: impl Into<Vec<u8>>) {
    c.put_object()
        .bucket(bucket)
        .key(key)
        .body(ByteStream::from(body.into()))
        .send()
        .await
        .unwrap_or_else(|e| panic!("put {key}: {e:?}"));
}

/// Uploads every file under `dir` with its relative path as key, 16 at a time.
pub async fn upload_dir(c: &Client, bucket: &str, dir: &Path) -> usize {
    let files: Vec<PathBuf> = walk(dir);
    let mut n = 0;
    for chunk in files.chunks(16) {
        let mut tasks = Vec::new();
        for f in chunk {
            let key = f
                .strip_prefix(dir)
                .unwrap()
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect::<Vec<_>>()
                .join("/");
            let body = std::fs::read(f).unwrap();
            let (c, bucket) = (c.clone(), bucket.to_string());
            tasks.push(tokio::spawn(
                async move { put(&c, &bucket, &key, body).await },
            ));
        }
        for t in tasks {
            t.await.unwrap();
            n += 1;
        }
    }
    n
}

pub fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let e = e.unwrap();
            let t = e.file_type().unwrap();
            if t.is_dir() {
                stack.push(e.path());
            } else if t.is_file() {
                out.push(e.path());
            }
        }
    }
    out.sort();
    out
}

pub const CARD_LINE: &str = "card number: 4539 2237 1857 0005\n";
pub const SSN_LINE: &str = "ssn 372-81-4456 belongs to someone\n";

pub struct Run {
    pub out: Output,
    pub records: Vec<ResultRecord>,
}

impl Run {
    pub fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.out.stderr).into_owned()
    }
    pub fn code(&self) -> i32 {
        self.out.status.code().unwrap_or(-1)
    }
    pub fn record(&self, key: &str) -> &ResultRecord {
        self.records
            .iter()
            .find(|r| r.object.key == key)
            .unwrap_or_else(|| panic!("no record for {key}: {:?}", self.keys()))
    }
    pub fn keys(&self) -> Vec<String> {
        let mut k: Vec<String> = self.records.iter().map(|r| r.object.key.clone()).collect();
        k.sort();
        k
    }
    pub fn reason(&self, key: &str) -> String {
        let r = self.record(key);
        r.reasons
            .first()
            .map(|r| r.code.as_str().to_string())
            .unwrap_or_default()
    }
}

/// The `trawl` binary with test credentials and none of the outside AWS, state or shard
/// settings (the caller's endpoint, profile, `TRAWL_STATE`, an engine's shard index or run id).
pub fn trawl_command() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_trawl"));
    c.env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_EC2_METADATA_DISABLED", "true");
    for var in [
        "AWS_ENDPOINT_URL",
        "AWS_PROFILE",
        "TRAWL_STATE",
        "JOB_COMPLETION_INDEX",
        "AWS_BATCH_JOB_ARRAY_INDEX",
        "AWS_BATCH_JOB_ID",
        "TRAWL_RUN_ID",
    ] {
        c.env_remove(var);
    }
    c
}

pub fn trawl_scan(endpoint: &str, args: &[&str]) -> Run {
    let out = trawl_command()
        .arg("scan")
        .args(args)
        .args([
            "--format",
            "jsonl",
            "--endpoint-url",
            endpoint,
            "--allow-insecure-endpoint",
        ])
        .output()
        .unwrap();
    let stdout = String::from_utf8(out.stdout.clone()).unwrap();
    let records = stdout
        .lines()
        .map(|l| serde_json::from_str::<ResultRecord>(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    Run { out, records }
}

pub fn counts(r: &ResultRecord) -> BTreeMap<String, u64> {
    r.detections
        .iter()
        .map(|d| (d.kind.clone(), d.count))
        .collect()
}

/// `trawl SUBCOMMAND ARGS... --endpoint-url ENDPOINT --allow-insecure-endpoint` with test
/// credentials and no outside AWS settings: (standard output, standard error, exit code).
pub fn trawl_at(endpoint: &str, subcommand: &str, args: &[&str]) -> (String, String, Option<i32>) {
    let args: Vec<&str> = [subcommand]
        .into_iter()
        .chain(args.iter().copied())
        .chain(["--endpoint-url", endpoint, "--allow-insecure-endpoint"])
        .collect();
    trawl_env(&args, &[])
}

/// `trawl ARGS...` with test credentials, no outside AWS settings, no `TRAWL_STATE` but
/// `envs`' variables: (standard output, standard error, exit code).
pub fn trawl_env(args: &[&str], envs: &[(&str, &str)]) -> (String, String, Option<i32>) {
    let out = trawl_command()
        .args(args)
        .envs(envs.iter().copied())
        .output()
        .unwrap();
    (
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        out.status.code(),
    )
}

/// `scripts/s3/faultproxy.py` on a free port in front of `upstream`; killed on drop.
pub struct FaultProxy {
    child: Child,
    pub url: String,
    log: PathBuf,
    _dir: tempfile::TempDir,
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl FaultProxy {
    pub fn start(upstream: &str, args: &[&str]) -> FaultProxy {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/s3/faultproxy.py");
        assert!(script.exists(), "{} is missing", script.display());
        let up_port = upstream.rsplit(':').next().unwrap().trim_end_matches('/');
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("requests.log");
        let child = Command::new("python3")
            .arg(&script)
            .arg(port.to_string())
            .arg(up_port)
            .args(args)
            .arg("--log")
            .arg(&log)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "fault proxy did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        FaultProxy {
            child,
            url: format!("http://127.0.0.1:{port}"),
            log,
            _dir: dir,
        }
    }

    pub fn requests(&self) -> Vec<String> {
        std::fs::read_to_string(&self.log)
            .unwrap_or_default()
            .lines()
            .map(|l| l.split(" | ").next().unwrap_or("").to_string())
            .collect()
    }
}
