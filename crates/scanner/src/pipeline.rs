//! The run: a walker thread lists objects into a bounded channel, rayon workers scan them
//! (one `ObjectScanner` per worker), and the calling thread writes records to the sink in the
//! order they finish.

use std::io;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use crossbeam_channel::{bounded, Sender};
use rayon::iter::{ParallelBridge, ParallelIterator};
use trawl_formats::{Limits, Reason, ReasonCode};
use trawl_identifiers::Engine;

use crate::aggregate::{skipped_record, ObjectScanner, RecordOptions};
use crate::error::Error;
use crate::posture;
use crate::record::ResultRecord;
use crate::scope::Scope;
use crate::sink::RecordSink;
use crate::source::local::{self, WalkError};
use crate::source::s3::{self, S3Body, S3Options};
use crate::source::ObjectRef;
use crate::summary::Summary;

// Stream chunks must overlap enough for the engine's longest match and look-behind.
const _: () = assert!(
    trawl_formats::OVERLAP_AHEAD
        >= trawl_identifiers::MAX_MATCH_LEN + trawl_identifiers::MAX_LOOKBEHIND
);
const _: () = assert!(trawl_formats::LOOKBEHIND >= trawl_identifiers::MAX_LOOKBEHIND);

/// What to scan.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    /// A local file or directory.
    Local(PathBuf),
    /// An S3 bucket (or every bucket the credentials can list) and a key prefix.
    S3(S3Target),
}

/// An `s3://bucket/prefix` target.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct S3Target {
    /// The bucket; `None` for `s3://` alone (every bucket the credentials can list).
    pub bucket: Option<String>,
    /// Key prefix (may be empty).
    pub prefix: String,
}

impl Target {
    /// Parses a command-line target: `s3://bucket[/prefix]`, `s3://`, or a local path.
    pub fn parse(s: &str) -> Result<Target, String> {
        let Some(rest) = s.strip_prefix("s3://") else {
            if s.is_empty() {
                return Err("empty target".into());
            }
            return Ok(Target::Local(PathBuf::from(s)));
        };
        if rest.is_empty() {
            return Ok(Target::S3(S3Target {
                bucket: None,
                prefix: String::new(),
            }));
        }
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        // S3's bucket naming rules (3-63 of a-z 0-9 . -); legacy buckets may have capitals
        // and underscores, which we accept.
        let ok_len = (3..=63).contains(&bucket.len());
        let ok_chars = bucket
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'));
        if !ok_len || !ok_chars {
            return Err(format!("{s}: {bucket:?} is not a valid S3 bucket name"));
        }
        Ok(Target::S3(S3Target {
            bucket: Some(bucket.to_string()),
            prefix: prefix.to_string(),
        }))
    }

    /// How the target is written on the command line.
    pub fn display(&self) -> String {
        match self {
            Target::Local(p) => p.display().to_string(),
            Target::S3(t) => match (&t.bucket, t.prefix.as_str()) {
                (None, _) => "s3://".to_string(),
                (Some(b), "") => format!("s3://{b}"),
                (Some(b), p) => format!("s3://{b}/{p}"),
            },
        }
    }
}

/// A predicate over listed objects, applied after the scope (a job's incremental run uses it to
/// keep only new and changed objects).
#[derive(Clone)]
pub struct ObjectFilter(pub Arc<dyn Fn(&ObjectRef) -> bool + Send + Sync>);

impl std::fmt::Debug for ObjectFilter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ObjectFilter(..)")
    }
}

/// How to scan.
#[derive(Clone, Debug, Default)]
pub struct ScanConfig {
    /// Worker threads (0 = one per core).
    pub threads: usize,
    /// Extraction limits.
    pub limits: Limits,
    /// Record options (run id, occurrences, reveal).
    pub record: RecordOptions,
    /// Which listed objects to scan.
    pub scope: Scope,
    /// A further predicate on listed objects (after the scope).
    pub filter: Option<ObjectFilter>,
    /// Set to stop the run early: listing stops, objects in flight finish, nothing new starts.
    pub cancel: Option<Arc<AtomicBool>>,
    /// S3 access options (for `s3://` targets).
    pub s3: S3Options,
}

/// Something the run wants the user to know (printed by the CLI on standard error).
#[derive(Debug)]
pub enum Notice {
    /// A path under a target could not be listed.
    Walk(WalkError),
    /// Something worth a warning (a plain-http endpoint, tags that could not be read).
    Warning(String),
    /// A bucket posture finding (with `--posture`).
    Posture(posture::PostureFinding),
    /// A whole target could not be scanned (other targets go on).
    Target {
        /// The target as given.
        target: String,
        /// Why.
        error: String,
    },
}

enum Msg {
    Record(Box<ResultRecord>),
    Notice(Notice),
    Listed(String, u64),
    Posture(posture::PostureReport),
    OutOfScope,
    NotStarted,
}

fn open_reason(e: &io::Error) -> Reason {
    let code = match e.kind() {
        io::ErrorKind::PermissionDenied => ReasonCode::PermissionDenied,
        io::ErrorKind::NotFound => ReasonCode::SourceObjectNoLongerAvailable,
        _ => ReasonCode::ReadError,
    };
    Reason::new(code, format!("open failed: {e}"))
}

/// An object ready for a worker.
pub enum Work {
    /// A local file, opened by the worker.
    Local(ObjectRef),
    /// An S3 object whose body is streaming in.
    S3(ObjectRef, S3Body),
    /// An object that cannot be read: a SKIPPED record with this reason.
    Skipped(ObjectRef, Reason),
}

fn guarded(obj: &ObjectRef, config: &ScanConfig, f: impl FnOnce() -> ResultRecord) -> ResultRecord {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(r) => r,
        Err(_) => skipped_record(
            obj,
            &[Reason::new(
                ReasonCode::MalformedFile,
                "internal error while extracting this object; it was not scanned",
            )],
            &config.record,
        ),
    }
}

/// Scans one object (opening it from its source) into a record. Never panics: an internal
/// failure on hostile input becomes a SKIPPED record with `MALFORMED_FILE`.
pub fn scan_object(
    scanner: &mut ObjectScanner<'_>,
    obj: &ObjectRef,
    config: &ScanConfig,
) -> ResultRecord {
    let mut file = match local::open_file(obj) {
        Ok(r) => r,
        Err(e) => return skipped_record(obj, &[open_reason(&e)], &config.record),
    };
    guarded(obj, config, || {
        scanner.scan_seekable(obj, &mut file, &config.limits, &config.record)
    })
}

fn scan_work(scanner: &mut ObjectScanner<'_>, work: Work, config: &ScanConfig) -> ResultRecord {
    match work {
        Work::Local(obj) => scan_object(scanner, &obj, config),
        Work::S3(obj, mut body) => guarded(&obj, config, || {
            scanner.scan(&obj, &mut body, &config.limits, &config.record)
        }),
        Work::Skipped(obj, reason) => skipped_record(&obj, &[reason], &config.record),
    }
}

/// Lists S3 targets and opens their objects, `concurrency` GETs in flight. Runs on the
/// walker thread inside the I/O runtime; opened objects go to `opened` (a runtime task may not
/// block on the workers' bounded queue), skipped ones straight to `obj_tx`.
async fn feed_s3(
    s3_targets: &[&S3Target],
    config: &ScanConfig,
    wanted: &(dyn Fn(&ObjectRef) -> bool + Sync),
    stopped: &(dyn Fn() -> bool + Sync),
    obj_tx: &Sender<Work>,
    msg_tx: &Sender<Msg>,
    opened: tokio::sync::mpsc::UnboundedSender<Work>,
) {
    let opts = Arc::new(config.s3.clone());
    if let Ok(Some(w)) = s3::check_endpoint(&opts) {
        let _ = msg_tx.send(Msg::Notice(Notice::Warning(w)));
    }
    let target_error = |t: &S3Target, error: String| {
        let _ = msg_tx.send(Msg::Notice(Notice::Target {
            target: Target::S3(t.clone()).display(),
            error,
        }));
    };
    let (client, sdk_config) = match s3::client(&opts).await {
        Ok(c) => c,
        Err(e) => {
            for t in s3_targets {
                target_error(t, e.clone());
            }
            return;
        }
    };
    let concurrency = match opts.concurrency {
        0 => s3::default_concurrency(rayon::current_num_threads().max(config.threads)),
        n => n,
    };
    let permits = Arc::new(tokio::sync::Semaphore::new(concurrency));
    let fetch_tags = config.scope.uses_tags();
    let account = if opts.posture {
        posture::caller_account(&sdk_config).await
    } else {
        None
    };
    for t in s3_targets {
        let buckets = match &t.bucket {
            Some(b) => vec![b.clone()],
            None => match s3::list_buckets(&client, &opts.retry).await {
                Ok(b) => b,
                Err(e) => {
                    target_error(t, format!("listing buckets: {e}"));
                    continue;
                }
            },
        };
        for bucket in buckets {
            if stopped() {
                return;
            }
            let client = s3::client_for_bucket(&client, &bucket, &opts).await;
            if opts.posture {
                let report = posture::check(&client, &bucket, account.as_deref()).await;
                let _ = msg_tx.send(Msg::Posture(report));
            }
            let whole = S3Target {
                bucket: Some(bucket.clone()),
                prefix: t.prefix.clone(),
            };
            let mut lister = s3::Lister::new(&client, &bucket, &t.prefix, &opts);
            loop {
                let page = match lister.next_page().await {
                    Ok(Some(p)) => p,
                    Ok(None) => break,
                    Err(e) => {
                        target_error(&whole, e);
                        break;
                    }
                };
                let _ = msg_tx.send(Msg::Listed(bucket.clone(), page.len() as u64));
                for s3::Listed { mut obj, readable } in page {
                    if stopped() {
                        return;
                    }
                    if fetch_tags {
                        match s3::tags(&client, &obj, &opts.retry).await {
                            Ok(tags) => obj.tags = Some(tags),
                            Err(e) => {
                                let _ = msg_tx.send(Msg::Notice(Notice::Warning(format!(
                                    "{}: tags not read ({e}); tag criteria see none",
                                    obj.uri
                                ))));
                                obj.tags = Some(Vec::new());
                            }
                        }
                    }
                    if !wanted(&obj) {
                        let _ = msg_tx.send(Msg::OutOfScope);
                        continue;
                    }
                    if !readable {
                        // Archived: no GET is sent.
                        let reason = s3::archived_reason(&obj);
                        let _ = obj_tx.send(Work::Skipped(obj, reason));
                        continue;
                    }
                    let Ok(permit) = permits.clone().acquire_owned().await else {
                        return;
                    };
                    let (client, opts, opened) = (client.clone(), opts.clone(), opened.clone());
                    tokio::spawn(async move {
                        let work = match s3::open(&client, obj, &opts, Some(permit)).await {
                            s3::Opened::Body(obj, body) => Work::S3(obj, body),
                            s3::Opened::Skipped(obj, reason) => Work::Skipped(obj, reason),
                        };
                        let _ = opened.send(work);
                    });
                }
            }
        }
    }
}

/// Runs a scan of `targets`, writing each record to `sink` and each notice to `notice`.
pub fn run(
    targets: &[Target],
    engine: &Engine,
    config: &ScanConfig,
    sink: &mut dyn RecordSink,
    notice: &mut dyn FnMut(&Notice),
) -> Result<Summary, Error> {
    let started = Instant::now();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(config.threads)
        .thread_name(|i| format!("trawl-worker-{i}"))
        .build()
        .map_err(|e| Error::Threads(e.to_string()))?;
    let s3_targets: Vec<&S3Target> = targets
        .iter()
        .filter_map(|t| match t {
            Target::S3(s) => Some(s),
            Target::Local(_) => None,
        })
        .collect();
    // Network I/O runs on its own small runtime; CPU work stays on the rayon pool.
    let runtime = if s3_targets.is_empty() {
        None
    } else {
        Some(
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .thread_name("trawl-io")
                .enable_all()
                .build()
                .map_err(|e| Error::Threads(e.to_string()))?,
        )
    };
    let mut summary = Summary::default();
    summary.run_id = config.record.run_id.clone();
    sink.begin(&config.record.run_id).map_err(Error::Sink)?;
    let cancel = AtomicBool::new(false);
    let external = config.cancel.clone();
    let stopped = || {
        cancel.load(Ordering::Relaxed)
            || external.as_ref().is_some_and(|c| c.load(Ordering::Relaxed))
    };
    let stopped = &stopped;
    let seed = config.scope.sample_seed.unwrap_or_else(rand::random);
    let wanted = |o: &ObjectRef| {
        config.scope.admits(o)
            && config.scope.sampled(o, seed)
            && config.filter.as_ref().is_none_or(|f| (f.0)(o))
    };
    let wanted = &wanted;
    let (obj_tx, obj_rx) = bounded::<Work>(1024);
    let (out_tx, out_rx) = bounded::<Msg>(256);
    let mut sink_error: Option<io::Error> = None;
    // Scanners are reused across objects: their regex caches (lazy DFAs) are costly to warm
    // up, and rayon may split the bridged stream into one job per object.
    let scanners: Mutex<Vec<ObjectScanner<'_>>> = Mutex::new(Vec::new());
    let scanners = &scanners;
    std::thread::scope(|s| {
        let walk_tx = out_tx.clone();
        let runtime = runtime.as_ref();
        let s3_targets = &s3_targets;
        s.spawn(move || {
            for t in targets {
                let Target::Local(path) = t else { continue };
                let mut found = |o: ObjectRef| {
                    if stopped() {
                        return;
                    }
                    if wanted(&o) {
                        let _ = obj_tx.send(Work::Local(o));
                    } else {
                        let _ = walk_tx.send(Msg::OutOfScope);
                    }
                };
                let mut failed = |e: WalkError| {
                    let _ = walk_tx.send(Msg::Notice(Notice::Walk(e)));
                };
                if let Err(e) = local::walk(path, &mut found, &mut failed) {
                    let _ = walk_tx.send(Msg::Notice(Notice::Target {
                        target: t.display(),
                        error: e.to_string(),
                    }));
                }
            }
            if let Some(rt) = runtime {
                let (opened_tx, mut opened_rx) = tokio::sync::mpsc::unbounded_channel::<Work>();
                std::thread::scope(|s2| {
                    let forward_tx = obj_tx.clone();
                    // Opened objects hold a GET permit each, so this queue stays as short as
                    // the concurrency; forwarding blocks here, never on a runtime thread.
                    s2.spawn(move || {
                        while let Some(w) = opened_rx.blocking_recv() {
                            let _ = forward_tx.send(w);
                        }
                    });
                    rt.block_on(feed_s3(
                        s3_targets, config, wanted, stopped, &obj_tx, &walk_tx, opened_tx,
                    ));
                });
            }
            drop(obj_tx);
        });
        let work_tx = out_tx.clone();
        let pool = &pool;
        s.spawn(move || {
            pool.install(|| {
                obj_rx.into_iter().par_bridge().for_each(|work| {
                    if stopped() {
                        let _ = work_tx.send(Msg::NotStarted);
                        return;
                    }
                    let taken = scanners.lock().ok().and_then(|mut v| v.pop());
                    let mut scanner = taken.unwrap_or_else(|| ObjectScanner::new(engine));
                    let rec = scan_work(&mut scanner, work, config);
                    if let Ok(mut v) = scanners.lock() {
                        v.push(scanner);
                    }
                    let _ = work_tx.send(Msg::Record(Box::new(rec)));
                })
            });
        });
        drop(out_tx);
        for msg in out_rx {
            match msg {
                Msg::Record(rec) => {
                    if sink_error.is_some() {
                        continue;
                    }
                    summary.add(&rec);
                    if let Err(e) = sink.record(&rec) {
                        sink_error = Some(e);
                        cancel.store(true, Ordering::Relaxed);
                    }
                }
                Msg::OutOfScope => summary.objects_out_of_scope += 1,
                Msg::NotStarted => summary.objects_not_started += 1,
                Msg::Listed(bucket, n) => summary.bucket(&bucket).objects_listed += n,
                Msg::Posture(report) => {
                    for f in &report.findings {
                        notice(&Notice::Posture(f.clone()));
                    }
                    summary.add_posture(report);
                }
                Msg::Notice(n) => {
                    match &n {
                        Notice::Walk(_) => summary.walk_errors += 1,
                        Notice::Target { target, error } => {
                            summary.target_errors.push(format!("{target}: {error}"))
                        }
                        Notice::Warning(_) | Notice::Posture(_) => {}
                    }
                    notice(&n);
                }
            }
        }
    });
    drop(runtime);
    if let Some(e) = sink_error {
        return Err(Error::Sink(e));
    }
    sink.finish().map_err(Error::Sink)?;
    summary.elapsed_seconds = started.elapsed().as_secs_f64();
    summary.cancelled = external.is_some_and(|c| c.load(Ordering::Relaxed));
    if summary.objects == 0 && !summary.target_errors.is_empty() {
        return Err(Error::NothingScanned(summary.target_errors.join("; ")));
    }
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_parse_and_display() {
        for t in [
            "s3://",
            "s3://bucket",
            "s3://bucket/logs/",
            "s3://b.c-d/a/b",
            "dir/file",
        ] {
            assert_eq!(Target::parse(t).unwrap().display(), t);
        }
        assert_eq!(
            Target::parse("s3://bucket/logs/").unwrap(),
            Target::S3(S3Target {
                bucket: Some("bucket".into()),
                prefix: "logs/".into()
            })
        );
        assert!(Target::parse("s3://a").is_err(), "too short a bucket name");
        assert!(Target::parse("s3://bad bucket").is_err());
        assert!(Target::parse("").is_err());
    }
}
