//! Results: one record per object as `.jsonl.gz` files, laid out per job and run
//! (`<location>/<job_id>/<run_id>/results-00001.jsonl.gz`, ...), plus `summary.json`.
//!
//! Crash safety: each batch of records is one gzip member appended to the current file and
//! synced before the batch is committed to the state database with the file's new length. A
//! resumed run cuts the file back to the committed length, so a record is never lost nor
//! written twice. (Concatenated gzip members are one valid `.gz` file.)
//!
//! For an `s3://bucket/prefix` location, files are written to a staging directory beside the
//! state file and uploaded (PutObject) when full and when the run ends.

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

use flate2::write::GzEncoder;
use flate2::Compression;
use trawl_scanner::private_file::{self, WriteMode};

use crate::error::{Error, Result};

/// Where a run's results go.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Location {
    /// A local directory (the run's own directory).
    Local(PathBuf),
    /// An S3 bucket and key prefix (the run's own prefix, ending in `/`).
    S3 {
        /// Bucket.
        bucket: String,
        /// Key prefix of the run's files.
        prefix: String,
    },
}

impl Location {
    /// The run's location under a job's results location (`<loc>/<job_id>/<run_id>`).
    pub fn for_run(location: &str, job_id: &str, run_id: &str) -> Location {
        Location::under(location, &[job_id, run_id])
    }

    /// The location of a run split into shards (`<loc>/<job_id>/run=<run_id>`): its merged
    /// summary, and a folder per shard.
    pub fn for_sharded_run(location: &str, job_id: &str, run_id: &str) -> Location {
        Location::under(location, &[job_id, &format!("run={run_id}")])
    }

    /// The location of shard `index` of a run (`<loc>/<job_id>/run=<run_id>/shard=<index>`).
    pub fn for_shard(location: &str, job_id: &str, run_id: &str, index: u64) -> Location {
        Location::under(
            location,
            &[job_id, &format!("run={run_id}"), &format!("shard={index}")],
        )
    }

    fn under(location: &str, parts: &[&str]) -> Location {
        match location.strip_prefix("s3://") {
            Some(rest) => {
                let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
                let mut prefix = prefix.trim_matches('/').to_string();
                for p in parts {
                    if !prefix.is_empty() {
                        prefix.push('/');
                    }
                    prefix.push_str(p);
                }
                prefix.push('/');
                Location::S3 {
                    bucket: bucket.to_string(),
                    prefix,
                }
            }
            None => {
                let mut path = PathBuf::from(location);
                for p in parts {
                    path.push(p);
                }
                Location::Local(path)
            }
        }
    }

    /// As shown to users and put in events.
    pub fn display(&self) -> String {
        match self {
            Location::Local(p) => p.display().to_string(),
            Location::S3 { bucket, prefix } => format!("s3://{bucket}/{prefix}"),
        }
    }
}

/// The completion marker a shard writes beside its results when it completes.
pub const COMPLETE_MARKER: &str = "_COMPLETE";

/// The name of results file `n`.
pub fn file_name(n: u64) -> String {
    format!("results-{n:05}.jsonl.gz")
}

/// Uploads files to S3, always encrypted at rest: SSE-KMS with the job's key, else SSE-S3.
#[derive(Clone, Debug)]
pub struct Uploader {
    client: aws_sdk_s3::Client,
    bucket: String,
    prefix: String,
    kms_key_id: Option<String>,
}

impl Uploader {
    /// An uploader for `bucket`/`prefix`, with an optional endpoint (path-style when given).
    pub fn new(
        region: &str,
        endpoint: Option<&str>,
        tls: &trawl_net::TlsOptions,
        bucket: &str,
        prefix: &str,
        kms_key_id: Option<&str>,
    ) -> std::result::Result<Uploader, String> {
        let conf = crate::aws_config(region, endpoint, tls)?;
        let s3 = aws_sdk_s3::config::Builder::from(&conf)
            .force_path_style(endpoint.is_some() || std::env::var_os("AWS_ENDPOINT_URL").is_some())
            .build();
        let client = aws_sdk_s3::Client::from_conf(s3);
        Ok(Uploader {
            client,
            bucket: bucket.to_string(),
            prefix: prefix.to_string(),
            kms_key_id: kms_key_id.map(str::to_string),
        })
    }

    /// `s3://bucket/prefix`, as shown to users.
    pub fn location(&self) -> String {
        format!("s3://{}/{}", self.bucket, self.prefix)
    }

    /// How uploads are encrypted, as the run summary says it: `SSE-KMS (key ...)` or `SSE-S3`.
    pub fn encryption(&self) -> String {
        match &self.kms_key_id {
            Some(k) => format!("SSE-KMS (key {k})"),
            None => "SSE-S3".into(),
        }
    }

    /// Uploads a local file under the prefix with its file name.
    pub fn put(&self, path: &Path) -> Result<()> {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let key = format!("{}{name}", self.prefix);
        let body = std::fs::read(path).map_err(|e| Error::io(path, e))?;
        let content_type = if name.ends_with(".gz") {
            "application/gzip"
        } else {
            "application/json"
        };
        use aws_sdk_s3::error::ProvideErrorMetadata;
        use aws_sdk_s3::types::ServerSideEncryption;
        let put = self
            .client
            .put_object()
            .bucket(&self.bucket)
            .key(&key)
            .content_type(content_type)
            .body(body.into());
        let put = match &self.kms_key_id {
            Some(k) => put
                .server_side_encryption(ServerSideEncryption::AwsKms)
                .ssekms_key_id(k),
            None => put.server_side_encryption(ServerSideEncryption::Aes256),
        };
        crate::runtime().block_on(put.send()).map_err(|e| {
            let code = e.code().unwrap_or("");
            let message = e.message().unwrap_or("");
            match &self.kms_key_id {
                Some(k)
                    if code.starts_with("KMS")
                        || (code == "AccessDenied"
                            && message.to_ascii_lowercase().contains("kms")) =>
                {
                    Error::Results(format!(
                        "uploading s3://{}/{key}: the KMS key {k} was refused ({code}: {message}); \
                         the key must be enabled and allow this identity kms:GenerateDataKey",
                        self.bucket
                    ))
                }
                _ => Error::Results(format!(
                    "uploading s3://{}/{key}: {}",
                    self.bucket,
                    aws_sdk_s3::error::DisplayErrorContext(&e)
                )),
            }
        })?;
        Ok(())
    }
}

impl Uploader {
    /// Every object under the prefix: (key relative to the prefix, size), in key order.
    pub fn list(&self) -> Result<Vec<(String, u64)>> {
        let mut out = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let req = self
                .client
                .list_objects_v2()
                .bucket(&self.bucket)
                .prefix(&self.prefix)
                .set_continuation_token(token.clone());
            let page = crate::runtime()
                .block_on(req.send())
                .map_err(|e| self.failed("listing", &self.prefix, &e))?;
            for o in page.contents() {
                if let Some(k) = o.key() {
                    let rel = k.strip_prefix(self.prefix.as_str()).unwrap_or(k);
                    out.push((rel.to_string(), o.size().unwrap_or(0).max(0) as u64));
                }
            }
            token = page.next_continuation_token().map(str::to_string);
            if token.is_none() {
                break;
            }
        }
        out.sort();
        Ok(out)
    }

    /// The object at `name` under the prefix, whole (results files, summaries, markers).
    pub fn get(&self, name: &str) -> Result<Vec<u8>> {
        let key = format!("{}{name}", self.prefix);
        let req = self.client.get_object().bucket(&self.bucket).key(&key);
        let rt = crate::runtime();
        let out = rt
            .block_on(req.send())
            .map_err(|e| self.failed("reading", &key, &e))?;
        let body = rt
            .block_on(out.body.collect())
            .map_err(|e| Error::Results(format!("reading s3://{}/{key}: {e}", self.bucket)))?;
        Ok(body.into_bytes().to_vec())
    }

    /// Removes every object under the prefix (a shard that starts again from nothing), the
    /// completion marker first.
    pub fn delete_all(&self) -> Result<()> {
        let mut names: Vec<String> = self.list()?.into_iter().map(|(k, _)| k).collect();
        names.sort_by_key(|n| !n.ends_with(COMPLETE_MARKER));
        for name in names {
            let key = format!("{}{name}", self.prefix);
            let req = self.client.delete_object().bucket(&self.bucket).key(&key);
            crate::runtime()
                .block_on(req.send())
                .map_err(|e| self.failed("removing", &key, &e))?;
        }
        Ok(())
    }

    fn failed<E: std::error::Error + 'static>(&self, doing: &str, key: &str, e: &E) -> Error {
        Error::Results(format!(
            "{doing} s3://{}/{key}: {}",
            self.bucket,
            aws_sdk_s3::error::DisplayErrorContext(e)
        ))
    }
}

/// Writes a run's results files.
pub struct ResultsWriter {
    dir: PathBuf,
    upload: Option<Uploader>,
    file_no: u64,
    offset: u64,
    records: u64,
    per_file: u64,
    file: File,
}

impl ResultsWriter {
    /// Opens the writer at a committed position: file `file_no` cut back to `offset` bytes
    /// (holding `records` records); later files, never committed, are removed.
    pub fn open(
        dir: &Path,
        upload: Option<Uploader>,
        position: (u64, u64, u64),
        per_file: u64,
    ) -> Result<ResultsWriter> {
        private_file::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        let (file_no, offset, records) = position;
        let file_no = file_no.max(1);
        if let Ok(entries) = std::fs::read_dir(dir) {
            for e in entries.flatten() {
                let name = e.file_name().to_string_lossy().into_owned();
                let n = name
                    .strip_prefix("results-")
                    .and_then(|r| r.strip_suffix(".jsonl.gz"))
                    .and_then(|n| n.parse::<u64>().ok());
                if n.is_some_and(|n| n > file_no) {
                    let _ = std::fs::remove_file(e.path());
                }
            }
        }
        let file = Self::open_file(dir, file_no, offset)?;
        Ok(ResultsWriter {
            dir: dir.to_path_buf(),
            upload,
            file_no,
            offset,
            records,
            per_file: per_file.max(1),
            file,
        })
    }

    fn open_file(dir: &Path, n: u64, offset: u64) -> Result<File> {
        let path = dir.join(file_name(n));
        let file = private_file::open(&path, WriteMode::Keep).map_err(|e| Error::io(&path, e))?;
        let len = file.metadata().map_err(|e| Error::io(&path, e))?.len();
        if len < offset {
            return Err(Error::Results(format!(
                "{}: {len} bytes, but {offset} were committed; the results of this run were removed",
                path.display()
            )));
        }
        file.set_len(offset).map_err(|e| Error::io(&path, e))?;
        let mut file = file;
        use std::io::Seek;
        file.seek(std::io::SeekFrom::Start(offset))
            .map_err(|e| Error::io(&path, e))?;
        Ok(file)
    }

    /// Appends `n` records (JSON lines in `lines`) as one gzip member, synced; returns the
    /// position to commit: (file, length, records in file).
    pub fn append(&mut self, lines: &[u8], n: u64) -> Result<(u64, u64, u64)> {
        if self.records >= self.per_file {
            self.rotate()?;
        }
        let mut gz = GzEncoder::new(
            Vec::with_capacity(lines.len() / 4 + 64),
            Compression::default(),
        );
        let path = self.dir.join(file_name(self.file_no));
        gz.write_all(lines).map_err(|e| Error::io(&path, e))?;
        let member = gz.finish().map_err(|e| Error::io(&path, e))?;
        self.file
            .write_all(&member)
            .map_err(|e| Error::io(&path, e))?;
        self.file.sync_data().map_err(|e| Error::io(&path, e))?;
        self.offset += member.len() as u64;
        self.records += n;
        Ok((self.file_no, self.offset, self.records))
    }

    fn rotate(&mut self) -> Result<()> {
        if let Some(u) = &self.upload {
            u.put(&self.dir.join(file_name(self.file_no)))?;
        }
        self.file_no += 1;
        self.offset = 0;
        self.records = 0;
        self.file = Self::open_file(&self.dir, self.file_no, 0)?;
        Ok(())
    }

    /// How the run's uploads are encrypted (`None` for local results).
    pub fn encryption(&self) -> Option<String> {
        self.upload.as_ref().map(Uploader::encryption)
    }

    /// Writes the run summary and, for S3, uploads every file of the run (and, when the run
    /// is `complete`, removes the staging directory; an unfinished run keeps it to resume).
    ///
    /// `marker`: for a shard that completed, the body of its completion marker
    /// ([`COMPLETE_MARKER`]), written (and uploaded) last, after every results file and the
    /// summary, so that a marker always means the shard's results are all there.
    pub fn finish(
        &mut self,
        summary: &serde_json::Value,
        complete: bool,
        marker: Option<&serde_json::Value>,
    ) -> Result<()> {
        let path = self.dir.join("summary.json");
        let text = serde_json::to_string_pretty(summary)? + "\n";
        private_file::write(&path, text.as_bytes()).map_err(|e| Error::io(&path, e))?;
        let marker_path = self.dir.join(COMPLETE_MARKER);
        match marker.filter(|_| complete) {
            Some(m) => {
                let text = serde_json::to_string_pretty(m)? + "\n";
                private_file::write(&marker_path, text.as_bytes())
                    .map_err(|e| Error::io(&marker_path, e))?;
            }
            None => {
                let _ = std::fs::remove_file(&marker_path);
            }
        }
        if let Some(u) = &self.upload {
            for n in 1..=self.file_no {
                let p = self.dir.join(file_name(n));
                if p.exists() {
                    u.put(&p)?;
                }
            }
            u.put(&path)?;
            if marker_path.exists() {
                u.put(&marker_path)?;
            }
            if complete {
                let _ = std::fs::remove_dir_all(&self.dir);
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    fn read_all(path: &Path) -> String {
        let mut s = String::new();
        flate2::read::MultiGzDecoder::new(File::open(path).unwrap())
            .read_to_string(&mut s)
            .unwrap();
        s
    }

    #[test]
    fn resume_cuts_back_and_rotates() {
        let dir = tempfile::tempdir().unwrap();
        let mut w = ResultsWriter::open(dir.path(), None, (1, 0, 0), 3).unwrap();
        let p1 = w.append(b"a\nb\n", 2).unwrap();
        let _uncommitted = w.append(b"c\n", 1).unwrap();
        drop(w);
        let mut w = ResultsWriter::open(dir.path(), None, p1, 3).unwrap();
        w.append(b"C\n", 1).unwrap();
        let p = w.append(b"d\n", 1).unwrap();
        assert_eq!(p.0, 2, "rotated after 3 records");
        w.finish(&serde_json::json!({}), true, None).unwrap();
        assert_eq!(read_all(&dir.path().join(file_name(1))), "a\nb\nC\n");
        assert_eq!(read_all(&dir.path().join(file_name(2))), "d\n");
        assert!(dir.path().join("summary.json").exists());
    }

    #[test]
    fn locations() {
        assert_eq!(
            Location::for_run("s3://b/res/", "j", "r"),
            Location::S3 {
                bucket: "b".into(),
                prefix: "res/j/r/".into()
            }
        );
        assert_eq!(
            Location::for_run("s3://b", "j", "r").display(),
            "s3://b/j/r/"
        );
        assert_eq!(
            Location::for_run("/x", "j", "r"),
            Location::Local("/x/j/r".into())
        );
    }
}
