//! The run: a walker thread lists objects into a bounded channel, rayon workers scan them
//! (one `ObjectScanner` per worker), and the calling thread writes records to the sink in the
//! order they finish.

use std::io;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::time::Instant;

use crossbeam_channel::bounded;
use rayon::iter::{ParallelBridge, ParallelIterator};
use trawl_formats::{Limits, Reason, ReasonCode};
use trawl_identifiers::Engine;

use crate::aggregate::{skipped_record, ObjectScanner, RecordOptions};
use crate::error::Error;
use crate::record::ResultRecord;
use crate::sink::RecordSink;
use crate::source::local::{self, WalkError};
use crate::source::ObjectRef;
use crate::summary::Summary;

// Stream chunks must overlap enough for the engine's longest match and look-behind.
const _: () = assert!(
    trawl_formats::OVERLAP_AHEAD
        >= trawl_identifiers::MAX_MATCH_LEN + trawl_identifiers::MAX_LOOKBEHIND
);
const _: () = assert!(trawl_formats::LOOKBEHIND >= trawl_identifiers::MAX_LOOKBEHIND);

/// What to scan.
#[derive(Clone, Debug)]
pub enum Target {
    /// A local file or directory.
    Local(PathBuf),
}

/// How to scan.
#[derive(Clone, Debug)]
pub struct ScanConfig {
    /// Worker threads (0 = one per core).
    pub threads: usize,
    /// Extraction limits.
    pub limits: Limits,
    /// Record options (run id, occurrences, reveal).
    pub record: RecordOptions,
}

/// Something the run wants the user to know (printed by the CLI on standard error).
#[derive(Debug)]
pub enum Notice {
    /// A path under a target could not be listed.
    Walk(WalkError),
    /// A whole target could not be scanned.
    Target(PathBuf, io::Error),
}

enum Msg {
    Record(Box<ResultRecord>),
    Notice(Notice),
}

fn open_reason(e: &io::Error) -> Reason {
    let code = match e.kind() {
        io::ErrorKind::PermissionDenied => ReasonCode::PermissionDenied,
        io::ErrorKind::NotFound => ReasonCode::SourceObjectNoLongerAvailable,
        _ => ReasonCode::ReadError,
    };
    Reason::new(code, format!("open failed: {e}"))
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
    let result = catch_unwind(AssertUnwindSafe(|| {
        scanner.scan_seekable(obj, &mut file, &config.limits, &config.record)
    }));
    match result {
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
    let mut summary = Summary::default();
    summary.run_id = config.record.run_id.clone();
    sink.begin(&config.record.run_id).map_err(Error::Sink)?;
    let cancel = AtomicBool::new(false);
    let (obj_tx, obj_rx) = bounded::<ObjectRef>(1024);
    let (out_tx, out_rx) = bounded::<Msg>(256);
    let mut sink_error: Option<io::Error> = None;
    // Scanners are reused across objects: their regex caches (lazy DFAs) are costly to warm
    // up, and rayon may split the bridged stream into one job per object.
    let scanners: Mutex<Vec<ObjectScanner<'_>>> = Mutex::new(Vec::new());
    let scanners = &scanners;
    std::thread::scope(|s| {
        let walk_tx = out_tx.clone();
        let cancel = &cancel;
        s.spawn(move || {
            for t in targets {
                let Target::Local(path) = t;
                let mut found = |o: ObjectRef| {
                    if !cancel.load(Ordering::Relaxed) {
                        let _ = obj_tx.send(o);
                    }
                };
                let mut failed = |e: WalkError| {
                    let _ = walk_tx.send(Msg::Notice(Notice::Walk(e)));
                };
                if let Err(e) = local::walk(path, &mut found, &mut failed) {
                    let _ = walk_tx.send(Msg::Notice(Notice::Target(path.clone(), e)));
                }
            }
            drop(obj_tx);
        });
        let work_tx = out_tx.clone();
        let pool = &pool;
        s.spawn(move || {
            pool.install(|| {
                obj_rx.into_iter().par_bridge().for_each(|obj| {
                    if cancel.load(Ordering::Relaxed) {
                        return;
                    }
                    let taken = scanners.lock().ok().and_then(|mut v| v.pop());
                    let mut scanner = taken.unwrap_or_else(|| ObjectScanner::new(engine));
                    let rec = scan_object(&mut scanner, &obj, config);
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
                Msg::Notice(n) => {
                    match &n {
                        Notice::Walk(_) => summary.walk_errors += 1,
                        Notice::Target(p, e) => {
                            summary.target_errors.push(format!("{}: {e}", p.display()))
                        }
                    }
                    notice(&n);
                }
            }
        }
    });
    if let Some(e) = sink_error {
        return Err(Error::Sink(e));
    }
    sink.finish().map_err(Error::Sink)?;
    summary.elapsed_seconds = started.elapsed().as_secs_f64();
    if summary.objects == 0 && !summary.target_errors.is_empty() {
        return Err(Error::NothingScanned(summary.target_errors.join("; ")));
    }
    Ok(summary)
}
