//! The run: a walker thread lists the targets' sources into a bounded channel, rayon workers
//! open and scan the objects (one `ObjectScanner` per worker), and the calling thread writes
//! records to the sink in the order they finish. Sources live in [`crate::source`].

use std::io::{self, Read};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use crossbeam_channel::bounded;
use rayon::iter::{ParallelBridge, ParallelIterator};
use trawl_formats::{CaughtPanic, Limits, Reason, ReasonCode};
use trawl_identifiers::Engine;

use crate::aggregate::{skipped_record, ObjectScanner, RecordOptions};
use crate::error::Error;
use crate::record::ResultRecord;
use crate::scope::Scope;
use crate::sink::RecordSink;
use crate::source::{Content, Event, Feed, ObjectRef, S3Options, Work};
use crate::source::{Notice, Target};
use crate::summary::Summary;

// Stream chunks must overlap enough for the engine's longest match and look-behind.
const _: () = assert!(
    trawl_formats::OVERLAP_AHEAD
        >= trawl_identifiers::MAX_MATCH_LEN + trawl_identifiers::MAX_LOOKBEHIND
);
const _: () = assert!(trawl_formats::LOOKBEHIND >= trawl_identifiers::MAX_LOOKBEHIND);

/// A predicate over listed objects, applied after the scope (a job's incremental run uses it to
/// keep only new and changed objects).
#[derive(Clone)]
pub struct ObjectFilter(pub Arc<dyn Fn(&ObjectRef) -> bool + Send + Sync>);

impl std::fmt::Debug for ObjectFilter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ObjectFilter(..)")
    }
}

/// How far a scan has got, for a progress display that reads it from another thread: the
/// listing (objects admitted so far, their bytes, whether every target has been listed: then
/// they are the run's totals) and the objects done (bytes, skipped, by severity).
#[derive(Debug, Default)]
pub struct ScanProgress {
    /// Objects admitted so far.
    pub listed: AtomicU64,
    /// Their bytes.
    pub listed_bytes: AtomicU64,
    /// Every target listed.
    pub listing_done: AtomicBool,
    /// Objects done (a record written).
    pub objects: AtomicU64,
    /// Their bytes.
    pub bytes: AtomicU64,
    /// Of them, SKIPPED.
    pub skipped: AtomicU64,
    /// Of them, with HIGH findings.
    pub high: AtomicU64,
    /// With MEDIUM findings (at most).
    pub medium: AtomicU64,
    /// With LOW findings (at most).
    pub low: AtomicU64,
}

impl ScanProgress {
    fn record(&self, r: &ResultRecord) {
        self.objects.fetch_add(1, Ordering::Relaxed);
        self.bytes.fetch_add(r.object.size, Ordering::Relaxed);
        if r.status == crate::record::Status::Skipped {
            self.skipped.fetch_add(1, Ordering::Relaxed);
        }
        let by = match r.severity {
            Some(trawl_identifiers::Severity::High) => &self.high,
            Some(trawl_identifiers::Severity::Medium) => &self.medium,
            Some(trawl_identifiers::Severity::Low) => &self.low,
            None => return,
        };
        by.fetch_add(1, Ordering::Relaxed);
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
    /// Counters for a progress display (see [`ScanProgress`]).
    pub progress: Option<Arc<ScanProgress>>,
}

enum Msg {
    Record(Box<ResultRecord>),
    Source(Event),
    NotStarted,
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

/// The one warning line for an object on which third-party readers panicked (caught, the object
/// reported as usual): the object, the readers and where inside it. The panic messages stay in
/// the record's reasons; `TRAWL_DEBUG_PANICS=1` shows the full reports.
fn panic_warning(uri: &str, panics: &[CaughtPanic]) -> String {
    let mut readers: Vec<&str> = panics.iter().map(|p| p.reader).collect();
    readers.sort_unstable();
    readers.dedup();
    let first = &panics[0];
    let place = if first.member.is_empty() {
        String::new()
    } else {
        format!(" in {}", first.member.join(" > "))
    };
    let times = match panics.len() {
        1 => String::new(),
        n => format!(" ({n} times)"),
    };
    format!(
        "{uri}: the {} reader failed{place}{times}; what it could not read is in the \
         record's reasons (TRAWL_DEBUG_PANICS=1 shows the panic reports)",
        readers.join(", ")
    )
}

/// Counts the bytes read through it.
struct Counted<R> {
    inner: R,
    read: u64,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read += n as u64;
        Ok(n)
    }
}

fn scan_content(
    scanner: &mut ObjectScanner<'_>,
    obj: &ObjectRef,
    content: Content,
    config: &ScanConfig,
) -> ResultRecord {
    match content {
        Content::Seekable(mut file) => guarded(obj, config, || {
            scanner.scan_seekable(obj, &mut *file, &config.limits, &config.record)
        }),
        Content::Stream(mut body) => guarded(obj, config, || {
            scanner.scan(obj, &mut body, &config.limits, &config.record)
        }),
        Content::Unsized(body) => {
            let mut counted = Counted {
                inner: body,
                read: 0,
            };
            let mut rec = guarded(obj, config, || {
                scanner.scan(obj, &mut counted, &config.limits, &config.record)
            });
            rec.object.size = counted.read;
            rec
        }
    }
}

fn scan_work(scanner: &mut ObjectScanner<'_>, work: Work<'_>, config: &ScanConfig) -> ResultRecord {
    match work {
        Work::Listed(obj, source) => match source.open(&obj) {
            Ok(content) => scan_content(scanner, &obj, content, config),
            Err(reason) => skipped_record(&obj, &[reason], &config.record),
        },
        Work::Open(obj, content) => scan_content(scanner, &obj, content, config),
        Work::Skipped(obj, reason) => skipped_record(&obj, &[reason], &config.record),
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
    let owned_sources = crate::source::sources(targets, &config.s3, config.threads)?;
    let mut summary = Summary::default();
    summary.run_id = config.record.run_id.clone();
    summary.shard = config.scope.shard.map(|s| s.to_string());
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
        let admitted = config.scope.admits(o)
            && config.scope.sampled(o, seed)
            && config.filter.as_ref().is_none_or(|f| (f.0)(o));
        if let (true, Some(p)) = (admitted, &config.progress) {
            p.listed.fetch_add(1, Ordering::Relaxed);
            p.listed_bytes.fetch_add(o.size, Ordering::Relaxed);
        }
        admitted
    };
    let wanted = &wanted;
    let (obj_tx, obj_rx) = bounded::<Work<'_>>(1024);
    let (out_tx, out_rx) = bounded::<Msg>(256);
    let mut sink_error: Option<io::Error> = None;
    // Scanners are reused across objects: their regex caches (lazy DFAs) are costly to warm
    // up, and rayon may split the bridged stream into one job per object.
    let scanners: Mutex<Vec<ObjectScanner<'_>>> = Mutex::new(Vec::new());
    let scanners = &scanners;
    let sources = &owned_sources;
    std::thread::scope(|s| {
        let walk_tx = out_tx.clone();
        s.spawn(move || {
            let event = move |e: Event| {
                let _ = walk_tx.send(Msg::Source(e));
            };
            let feed = Feed {
                wanted,
                stopped,
                work: obj_tx,
                event: &event,
                needs_tags: config.scope.uses_tags(),
                dry_run: false,
            };
            for source in sources {
                source.list(&feed);
            }
            if let Some(p) = &config.progress {
                p.listing_done.store(true, Ordering::Relaxed);
            }
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
                    let panics = scanner.take_panics();
                    if !panics.is_empty() {
                        let warning = panic_warning(&rec.object.uri, &panics);
                        let _ = work_tx.send(Msg::Source(Event::Notice(Notice::Warning(warning))));
                    }
                    if let Ok(mut v) = scanners.lock() {
                        v.push(scanner);
                    }
                    let _ = work_tx.send(Msg::Record(Box::new(rec)));
                })
            });
        });
        drop(out_tx);
        for msg in crate::handoff::arrivals(&out_rx) {
            match msg {
                Msg::Record(rec) => {
                    if sink_error.is_some() {
                        continue;
                    }
                    summary.add(&rec);
                    if let Some(p) = &config.progress {
                        p.record(&rec);
                    }
                    if let Err(e) = sink.record(&rec) {
                        sink_error = Some(e);
                        cancel.store(true, Ordering::Relaxed);
                    }
                }
                Msg::NotStarted => summary.objects_not_started += 1,
                Msg::Source(Event::OutOfScope) => summary.objects_out_of_scope += 1,
                Msg::Source(Event::Listed(bucket, n)) => {
                    summary.bucket(&bucket).objects_listed += n
                }
                Msg::Source(Event::Posture(report)) => {
                    for f in &report.findings {
                        notice(&Notice::Posture(f.clone()));
                    }
                    summary.add_posture(report);
                }
                Msg::Source(Event::Notice(n)) => {
                    match &n {
                        Notice::Walk(_) => summary.walk_errors += 1,
                        Notice::Target { target, error } => {
                            summary.target_errors.push(format!("{target}: {error}"))
                        }
                        Notice::BucketLeftOut { bucket, why } => {
                            summary.buckets_left_out.insert(bucket.clone(), why.clone());
                        }
                        Notice::AccountLeftOut { account, why } => {
                            summary
                                .accounts_left_out
                                .insert(account.clone(), why.clone());
                        }
                        Notice::Warning(_) | Notice::Posture(_) => {}
                    }
                    notice(&n);
                }
            }
        }
    });
    // The S3 source's runtime goes with it.
    drop(owned_sources);
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
