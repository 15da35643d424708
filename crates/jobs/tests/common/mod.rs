//! Shared helpers for the jobs tests.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use trawl_jobs::{JobDefinition, JobRow, Store};

pub const CARD: &str = "credit card number: 4539 2274 2374 7675\n";
pub const AWS: &str = "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLF\n";

pub fn write(dir: &Path, name: &str, text: &str) {
    let p = dir.join(name);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

/// A job from TOML text (paths relative to `base`).
pub fn create(
    store: &Store,
    base: &Path,
    toml: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> JobRow {
    let mut def = JobDefinition::from_toml("job.toml", toml).unwrap();
    def.resolve(base, "job.toml").unwrap();
    trawl_jobs::create_job(store, &def, now).unwrap()
}

/// Every record line of every results file under `dir`.
pub fn results(dir: &Path) -> Vec<serde_json::Value> {
    let mut out = Vec::new();
    for e in walk(dir) {
        if e.to_string_lossy().ends_with(".jsonl.gz") {
            let mut s = String::new();
            flate2::read::MultiGzDecoder::new(std::fs::File::open(&e).unwrap())
                .read_to_string(&mut s)
                .unwrap();
            for l in s.lines() {
                out.push(serde_json::from_str(l).unwrap());
            }
        }
    }
    out
}

pub fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(walk(&p));
            } else {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// One captured HTTP request.
#[derive(Clone, Debug)]
pub struct Request {
    /// `METHOD /path HTTP/1.1`.
    pub line: String,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Request {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// A tiny HTTP/1.1 server on 127.0.0.1: `respond(n, request)` gives (status, body) for the
/// n-th request (0-based). Serves at most `limit` requests, then stops.
pub fn serve(
    limit: usize,
    respond: impl Fn(usize, &Request) -> (u16, String) + Send + 'static,
) -> (String, Arc<Mutex<Vec<Request>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let seen2 = seen.clone();
    std::thread::spawn(move || {
        for (n, stream) in listener.incoming().take(limit).enumerate() {
            let Ok(mut stream) = stream else { continue };
            stream
                .set_read_timeout(Some(std::time::Duration::from_secs(10)))
                .unwrap();
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut line = String::new();
            if reader.read_line(&mut line).is_err() || line.is_empty() {
                continue;
            }
            let mut headers = Vec::new();
            loop {
                let mut h = String::new();
                reader.read_line(&mut h).unwrap();
                let h = h.trim_end();
                if h.is_empty() {
                    break;
                }
                if let Some((k, v)) = h.split_once(':') {
                    headers.push((k.trim().to_string(), v.trim().to_string()));
                }
            }
            let len: usize = headers
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
                .map(|(_, v)| v.parse().unwrap())
                .unwrap_or(0);
            let mut body = vec![0; len];
            reader.read_exact(&mut body).unwrap();
            let req = Request {
                line: line.trim_end().to_string(),
                headers,
                body: String::from_utf8_lossy(&body).into_owned(),
            };
            let (status, text) = respond(n, &req);
            seen2.lock().unwrap().push(req);
            let reply = format!(
                "HTTP/1.1 {status} X\r\ncontent-type: application/x-amz-json-1.1\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{text}",
                text.len()
            );
            let _ = stream.write_all(reply.as_bytes());
            let _ = stream.flush();
        }
    });
    (format!("http://{addr}"), seen)
}
