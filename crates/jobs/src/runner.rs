//! Running a job: one run at a time per job (a lock), incremental after the first run,
//! resumable after a crash, results and findings committed in small batches.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::json;
use trawl_formats::{Limits, ReasonCode};
use trawl_identifiers::Severity;
use trawl_scanner::{
    Notice, ObjectFilter, ObjectRef, RecordOptions, RecordSink, ResultRecord, S3Options,
    ScanConfig, Status, Target,
};

use crate::clock::{Clock, SystemClock};
use crate::definition::Job;
use crate::error::{Error, Result};
use crate::events::{finding_event, sensitive_finding, EventContext};
use crate::plan::{Admission, LeftOut};
use crate::policy::{policy_row, posture_finding};
use crate::results::{Location, ResultsWriter, Uploader};
use crate::shards::{shard_of, start_shard_run, ShardRun, ShardStart};
use crate::sinks::{build_sinks, EventSink};
use crate::state::{
    now_text, BatchObject, BucketObject, FindingRow, JobStatus, NewFinding, RunRow, RunStatus,
    Store, Suppression, Trigger,
};
use crate::stats::{sensitivity_score, target_index, TargetStats};

/// A callback at the start of a run (with whether it resumes one).
pub type StartHook = Arc<dyn Fn(&RunRow, bool) + Send + Sync>;
/// A callback for warnings.
pub type WarnHook = Arc<dyn Fn(&str) + Send + Sync>;

/// How to run.
#[derive(Clone)]
pub struct RunOptions {
    /// What starts the run (recorded in history).
    pub trigger: Trigger,
    /// Set to stop the run cleanly (SIGTERM): objects in flight finish, state is saved, and
    /// the next run resumes.
    pub stop: Option<Arc<AtomicBool>>,
    /// The HTTP client for webhooks (TLS settings); a plain one when `None`.
    pub http_client: Option<reqwest::Client>,
    /// The results location of jobs that name none.
    pub default_results: PathBuf,
    /// The clock.
    pub clock: Arc<dyn Clock>,
    /// Records per committed batch.
    pub batch_size: usize,
    /// Longest wait before a batch is committed.
    pub batch_interval: Duration,
    /// How often events are delivered during a run (they are also delivered at its end).
    pub delivery_interval: Duration,
    /// Called when a run starts (with whether it resumes a run).
    pub on_start: Option<StartHook>,
    /// Warnings (targets or paths that could not be read, delivery failures).
    pub on_warning: Option<WarnHook>,
    /// Counters a progress display reads while the run scans.
    pub progress: Option<Arc<trawl_scanner::ScanProgress>>,
    /// Run only this shard of a run split across processes (see [`ShardRun`]).
    pub shard: Option<ShardRun>,
}

impl RunOptions {
    /// Options for a state file: results beside it, the system clock.
    pub fn new(state: &Path) -> RunOptions {
        RunOptions {
            trigger: Trigger::Manual,
            stop: None,
            http_client: None,
            default_results: std::path::absolute(state)
                .unwrap_or_else(|_| state.to_path_buf())
                .parent()
                .map(|p| p.join("results"))
                .unwrap_or_else(|| PathBuf::from("results")),
            clock: Arc::new(SystemClock),
            batch_size: 32,
            batch_interval: Duration::from_millis(500),
            delivery_interval: Duration::from_secs(30),
            on_start: None,
            on_warning: None,
            progress: None,
            shard: None,
        }
    }

    fn warn(&self, msg: &str) {
        if let Some(w) = &self.on_warning {
            w(msg);
        }
    }
}

/// What a run did.
#[derive(Clone, Debug, Serialize)]
pub struct RunOutcome {
    /// The run as stored at its end.
    pub run: RunRow,
    /// Whether it resumed an unfinished run.
    pub resumed: bool,
    /// A shard that had completed this run already: nothing was scanned again.
    pub already_complete: bool,
    /// The run summary (also written beside the results).
    pub summary: serde_json::Value,
}

/// The fingerprint remembered for an object: changes when it is changed.
pub fn fingerprint(
    etag: Option<&str>,
    modified: Option<&str>,
    size: u64,
    version: Option<&str>,
) -> String {
    format!(
        "{}|{}|{}|{}",
        etag.unwrap_or(""),
        modified.unwrap_or(""),
        size,
        version.unwrap_or("")
    )
}

pub(crate) fn object_fingerprint(o: &ObjectRef) -> String {
    fingerprint(
        o.etag.as_deref(),
        o.last_modified.as_deref(),
        o.size,
        o.version_id.as_deref(),
    )
}

/// Reasons after which an object is tried again on the next run.
const TRANSIENT: &[ReasonCode] = &[
    ReasonCode::ReadError,
    ReasonCode::PermissionDenied,
    ReasonCode::TimeCutOffReached,
];

struct JobSink<'a> {
    store: &'a mut Store,
    job: &'a Job,
    job_id: String,
    run_id: String,
    ctx: EventContext,
    writer: ResultsWriter,
    sinks: Vec<String>,
    rules: Vec<Suppression>,
    pending: Vec<ResultRecord>,
    last_flush: Instant,
    batch_size: usize,
    interval: Duration,
    targets: Vec<TargetStats>,
    cancel: Arc<AtomicBool>,
    clock: Arc<dyn Clock>,
}

/// The distinct (type, value hash) pairs of a record's listed occurrences.
fn value_hashes(r: &ResultRecord) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = r
        .detections
        .iter()
        .flat_map(|d| {
            d.occurrences
                .iter()
                .filter_map(|o| o.value_hash.clone().map(|h| (d.kind.clone(), h)))
        })
        .collect();
    out.sort();
    out.dedup();
    out
}

impl JobSink<'_> {
    /// What a record adds to its bucket's cumulative score: an S3 object to its bucket, a
    /// local file to the job target it was found under.
    fn bucket_object(&self, r: &ResultRecord) -> BucketObject {
        let bucket = match &r.object.bucket {
            Some(b) => b.clone(),
            None => match self.job.targets.get(target_index(&self.job.targets, r)) {
                Some(Target::Local(p)) => p.display().to_string(),
                _ => r.object.uri.clone(),
            },
        };
        BucketObject {
            bucket,
            bytes: r.object.size,
            analysed: r.status != Status::Skipped,
            types: r
                .detections
                .iter()
                .map(|d| (d.kind.clone(), d.severity))
                .collect(),
        }
    }

    /// The finding of a record with detections (`severity` being the record's), with its event.
    fn new_finding(
        &self,
        r: &ResultRecord,
        severity: Severity,
        now: DateTime<Utc>,
    ) -> Option<NewFinding> {
        let o = &r.object;
        sensitive_finding(&self.ctx, r, now).map(|f| {
            let ev = finding_event(self.job.account(), self.job.region(), &f);
            let body = serde_json::to_string(&ev).unwrap_or_default();
            NewFinding {
                finding: FindingRow {
                    id: f.id.clone(),
                    job_id: self.job_id.clone(),
                    run_id: self.run_id.clone(),
                    storage: o.storage.as_str().to_string(),
                    bucket: o.bucket.clone(),
                    key: o.key.clone(),
                    uri: o.uri.clone(),
                    version_id: o.version_id.clone(),
                    etag: o.etag.clone(),
                    finding_type: f.kind.clone(),
                    severity,
                    count: r.detections.iter().map(|d| d.count).sum(),
                    created_at: now_text(now),
                    archived: false,
                    detections: r
                        .detections
                        .iter()
                        .map(|d| {
                            (
                                d.kind.clone(),
                                d.category.as_str().to_string(),
                                d.severity.as_str().to_string(),
                                d.count,
                            )
                        })
                        .collect(),
                    detail: ev.detail.clone(),
                },
                event_id: ev.id,
                event: body,
                values: value_hashes(r),
            }
        })
    }

    fn flush(&mut self) -> Result<()> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let now = self.clock.now();
        let mut lines = Vec::new();
        let mut objects = Vec::with_capacity(self.pending.len());
        for r in &self.pending {
            serde_json::to_writer(&mut lines, r)?;
            lines.push(b'\n');
            let transient = r.status == Status::Skipped
                && r.reasons.iter().any(|x| TRANSIENT.contains(&x.code));
            let o = &r.object;
            let severity = r.severity;
            let finding = severity.and_then(|s| self.new_finding(r, s, now));
            objects.push(BatchObject {
                uri: o.uri.clone(),
                fingerprint: (!transient).then(|| {
                    fingerprint(
                        o.etag.as_deref(),
                        o.last_modified.as_deref(),
                        o.size,
                        o.version_id.as_deref(),
                    )
                }),
                size: o.size,
                severity,
                finding,
                bucket: (!transient).then(|| self.bucket_object(r)),
            });
            let i = target_index(&self.job.targets, r);
            if let Some(t) = self.targets.get_mut(i) {
                t.add(r);
            }
        }
        let n = self.pending.len() as u64;
        let position = self.writer.append(&lines, n)?;
        let targets = serde_json::to_value(&self.targets)?;
        self.store.commit_batch(
            &self.job_id,
            &self.run_id,
            &objects,
            &self.sinks,
            &self.rules,
            position,
            &targets,
        )?;
        self.pending.clear();
        self.last_flush = Instant::now();
        // A cancel or pause from another process stops the run here.
        if let Ok(j) = self.store.job(&self.job_id) {
            if j.status == JobStatus::Cancelled || j.status == JobStatus::UserPaused {
                self.cancel.store(true, Ordering::Relaxed);
            }
        }
        Ok(())
    }
}

fn to_io(e: Error) -> std::io::Error {
    std::io::Error::other(e.to_string())
}

impl RecordSink for JobSink<'_> {
    fn record(&mut self, record: &ResultRecord) -> std::io::Result<()> {
        self.pending.push(record.clone());
        if self.pending.len() >= self.batch_size || self.last_flush.elapsed() >= self.interval {
            self.flush().map_err(to_io)?;
        }
        Ok(())
    }

    fn finish(&mut self) -> std::io::Result<()> {
        self.flush().map_err(to_io)
    }
}

fn seed_of(run_id: &str) -> u64 {
    run_id.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// Runs a job now (or resumes its unfinished run): see the module docs.
pub fn run_job(state: &Path, job_ref: &str, opts: &RunOptions) -> Result<RunOutcome> {
    let mut store = Store::open(state)?;
    let row = store.job(job_ref)?;
    let job_id = row.id.clone();
    match row.status {
        JobStatus::Cancelled => {
            return Err(Error::Status {
                job: job_id,
                message: "the job is cancelled".into(),
            })
        }
        JobStatus::UserPaused | JobStatus::Paused => {
            return Err(Error::Status {
                job: job_id,
                message: "the job is paused; resume it first".into(),
            })
        }
        _ => {}
    }
    let job = row.definition.check_fields(&format!("job {job_id}"))?;
    let _lock = store.lock_job(&job_id)?;
    let clock = opts.clock.clone();
    let created = crate::state::parse_time(&row.created_at);
    let (run, resumed) = match &opts.shard {
        None => start_run(&store, &job_id, opts)?,
        Some(sr) => match start_shard_run(&store, &job_id, sr, opts)? {
            ShardStart::Run(run, resumed) => (run, resumed),
            ShardStart::AlreadyComplete(run) => {
                return Ok(RunOutcome {
                    summary: run.summary.clone().unwrap_or_default(),
                    run,
                    resumed: false,
                    already_complete: true,
                })
            }
        },
    };
    store.set_job_status(&job_id, JobStatus::Running)?;
    if let Some(f) = &opts.on_start {
        f(&run, resumed);
    }
    let result = scan(&mut store, &job, &row.created_at, created, &run, opts);
    let now = clock.now();
    let outcome = match result {
        Ok((run_state, summary)) => {
            store.end_run(&run.id, run_state, now, Some(&summary), None)?;
            set_status_after_run(&store, &job_id, run_state, job.schedule.is_recurring())?;
            summary
        }
        Err(e) => {
            store.end_run(&run.id, RunStatus::Failed, now, None, Some(&e.to_string()))?;
            if store.job(&job_id)?.status == JobStatus::Running {
                store.set_job_status(&job_id, JobStatus::Idle)?;
            }
            return Err(e);
        }
    };
    // Deliver this run's events and any earlier ones still waiting.
    let delivery = deliver(&store, &job, &job_id, opts)?;
    let mut summary = outcome;
    summary["events"] = delivery;
    store.end_run(
        &run.id,
        store.run(&run.id)?.status,
        now,
        Some(&summary),
        None,
    )?;
    Ok(RunOutcome {
        run: store.run(&run.id)?,
        resumed,
        already_complete: false,
        summary,
    })
}

/// Resumes the job's unfinished run (killed or interrupted), or starts a new one: incremental
/// against the last complete run when there is one. Returns the run and whether it resumes.
fn start_run(store: &Store, job_id: &str, opts: &RunOptions) -> Result<(RunRow, bool)> {
    let previous = store.last_complete_run(job_id)?;
    Ok(match store.unfinished_run(job_id)? {
        Some(r) => {
            store.reopen_run(&r.id)?;
            (store.run(&r.id)?, true)
        }
        None => {
            let r = store.create_run(
                job_id,
                opts.trigger,
                previous.is_some(),
                previous.as_ref().map(|p| p.id.as_str()),
                opts.clock.now(),
            )?;
            (r, false)
        }
    })
}

/// Sets the job's status after a run that ended as `run_state`: cancelled, paused or idle
/// again, or complete (a one-time job); a cancel or pause made during the run stays.
fn set_status_after_run(
    store: &Store,
    job_id: &str,
    run_state: RunStatus,
    recurring: bool,
) -> Result<()> {
    let next_status = match (run_state, recurring) {
        (RunStatus::Cancelled, _) => JobStatus::Cancelled,
        (RunStatus::Interrupted, _) => {
            let j = store.job(job_id)?;
            if j.status == JobStatus::UserPaused {
                JobStatus::UserPaused
            } else {
                JobStatus::Idle
            }
        }
        (_, false) => JobStatus::Complete,
        (_, true) => JobStatus::Idle,
    };
    let current = store.job(job_id)?.status;
    if current != JobStatus::Cancelled && current != JobStatus::UserPaused {
        store.set_job_status(job_id, next_status)?;
    }
    Ok(())
}

/// Publishes a finding that does not come from a result record (a bucket policy finding,
/// say) through a job's event sinks: the event (see [`finding_event`]) waits in the outbox
/// and goes out with the job's next delivery ([`deliver`], at the end of each run). Updates
/// of one finding should be published on a [`PolicyCadence`](crate::events::PolicyCadence):
/// give each published update its own `count` so that it gets its own event id.
pub fn publish_finding(
    store: &mut Store,
    job: &Job,
    job_id: &str,
    run_id: &str,
    finding: &crate::events::GenericFinding,
) -> Result<String> {
    let ev = finding_event(job.account(), job.region(), finding);
    let sinks = sink_keys(job);
    store.enqueue_event(
        job_id,
        run_id,
        &finding.id,
        &ev.id,
        &serde_json::to_string(&ev)?,
        &sinks,
    )?;
    Ok(ev.id)
}

/// Delivers a job's waiting events to its sinks; returns counts per sink.
pub fn deliver(
    store: &Store,
    job: &Job,
    job_id: &str,
    opts: &RunOptions,
) -> Result<serde_json::Value> {
    // Plain-http endpoints pass only with tls.allow_insecure_endpoint (checked at creation);
    // each is named in a warning, once per process.
    for d in &job.def.events {
        let url = d.endpoint();
        if let Some(url) = url {
            if let Ok(trawl_net::Transport::InsecureHttp { first_use: true }) =
                trawl_net::check_endpoint(url, &job.def.tls)
            {
                opts.warn(&format!(
                    "job {job_id}: {url} is plain http: events cross the network unencrypted"
                ));
            }
        }
    }
    let sinks = match build_sinks(
        &job.def.events,
        job.region(),
        opts.http_client.as_ref(),
        &job.def.tls,
    ) {
        Ok(s) => s,
        Err(e) => {
            opts.warn(&format!("job {job_id}: event sinks: {e}"));
            return Ok(json!({ "error": e }));
        }
    };
    let mut report = serde_json::Map::new();
    for (key, mut sink) in sinks {
        let pending = store.pending_events(job_id, &key)?;
        let mut delivered = 0u64;
        let mut failed = 0u64;
        for chunk in pending.chunks(100) {
            let results = deliver_chunk(sink.as_mut(), chunk);
            let now = opts.clock.now();
            for (e, r) in chunk.iter().zip(&results) {
                store.delivery_result(&e.event_id, &key, 1, r, now)?;
                match r {
                    Ok(()) => delivered += 1,
                    Err(msg) => {
                        failed += 1;
                        opts.warn(&format!(
                            "job {job_id}: event {} to {key}: {msg} (kept for the next run)",
                            e.event_id
                        ));
                    }
                }
            }
        }
        report.insert(key, json!({ "delivered": delivered, "pending": failed }));
    }
    Ok(serde_json::Value::Object(report))
}

fn deliver_chunk(
    sink: &mut dyn EventSink,
    chunk: &[crate::state::PendingEvent],
) -> Vec<std::result::Result<(), String>> {
    let mut r = sink.deliver(chunk);
    r.resize(chunk.len(), Err("no result".into()));
    r
}

/// A job's results location: its own, or the default of these options.
pub(crate) fn results_root(job: &Job, opts: &RunOptions) -> String {
    job.def
        .results
        .location
        .clone()
        .unwrap_or_else(|| opts.default_results.display().to_string())
}

/// Where a run's results go, and the writer, positioned where the run left off.
fn open_results(
    store: &Store,
    job: &Job,
    run: &RunRow,
    opts: &RunOptions,
) -> Result<(Location, ResultsWriter)> {
    let job_id = &run.job_id;
    let location_root = results_root(job, opts);
    let shard = shard_of(run);
    let location = match shard {
        Some(s) => Location::for_shard(&location_root, job_id, &run.id, s.index),
        None => Location::for_run(&location_root, job_id, &run.id),
    };
    // A shard that committed nothing yet starts from an empty folder: what is there is left
    // by an earlier attempt of the same shard on another machine (its state went with it).
    let fresh_shard = shard.is_some() && run.results_file <= 1 && run.results_offset == 0;
    let (dir, upload) = match &location {
        Location::Local(p) => {
            if fresh_shard && p.exists() {
                std::fs::remove_dir_all(p).map_err(|e| Error::io(p, e))?;
            }
            (p.clone(), None)
        }
        Location::S3 { bucket, prefix } => {
            let mut staging =
                PathBuf::from(format!("{}.staging", store.path().display())).join(job_id);
            match shard {
                Some(s) => {
                    staging.extend([format!("run={}", run.id), format!("shard={}", s.index)])
                }
                None => staging.push(&run.id),
            }
            let endpoint = job
                .def
                .results
                .endpoint
                .as_ref()
                .or(job.def.s3.endpoint.as_ref());
            let up = Uploader::new(
                job.region(),
                endpoint.map(String::as_str),
                &job.def.tls,
                bucket,
                prefix,
                job.def.results.kms_key_id.as_deref(),
            )
            .map_err(Error::Results)?;
            if fresh_shard {
                up.delete_all()?;
            }
            (staging, Some(up))
        }
    };
    let writer = ResultsWriter::open(
        &dir,
        upload,
        (run.results_file, run.results_offset, run.results_records),
        job.def.results.records_per_file.unwrap_or(10_000),
    )?;
    Ok((location, writer))
}

/// Objects a run skips, counted as the filter sees them.
struct Skipped {
    /// Already recorded by this run (it resumes).
    already: Arc<AtomicU64>,
    /// Unchanged since they were last scanned.
    unchanged: Arc<AtomicU64>,
    /// Older than the job (without `initial_run`).
    older: Arc<AtomicU64>,
    /// Let through (some of them past `max_objects_per_run`).
    admitted: Arc<AtomicU64>,
}

/// The filter of a run's objects: see [`Skipped`].
fn object_filter(
    store: &Store,
    job: &Job,
    run: &RunRow,
    created: Option<DateTime<Utc>>,
) -> Result<(ObjectFilter, Skipped)> {
    // What to skip: objects this run already recorded (a resumed run), objects unchanged
    // since they were last scanned, and (without `initial_run`) objects older than the job.
    let admission = Admission::new(
        store,
        job,
        &run.job_id,
        store.run_objects(&run.id)?,
        created,
    )?;
    let already = Arc::new(AtomicU64::new(0));
    let unchanged = Arc::new(AtomicU64::new(0));
    let older = Arc::new(AtomicU64::new(0));
    let admitted = Arc::new(AtomicU64::new(0));
    let max_objects = job.def.limits.max_objects_per_run;
    let filter = {
        let (already, unchanged, older, admitted) = (
            already.clone(),
            unchanged.clone(),
            older.clone(),
            admitted.clone(),
        );
        ObjectFilter(Arc::new(move |o: &ObjectRef| {
            match admission.left_out_by(o) {
                Some(LeftOut::Recorded) => {
                    already.fetch_add(1, Ordering::Relaxed);
                    return false;
                }
                Some(LeftOut::Unchanged) => {
                    unchanged.fetch_add(1, Ordering::Relaxed);
                    return false;
                }
                Some(LeftOut::Older) => {
                    older.fetch_add(1, Ordering::Relaxed);
                    return false;
                }
                None => {}
            }
            let n = admitted.fetch_add(1, Ordering::Relaxed);
            max_objects.is_none_or(|m| n < m)
        }))
    };
    let skipped = Skipped {
        already,
        unchanged,
        older,
        admitted,
    };
    Ok((filter, skipped))
}

/// A run's per-target statistics so far (none for a new run).
fn target_stats(job: &Job, run: &RunRow) -> Vec<TargetStats> {
    let targets: Vec<TargetStats> = run
        .targets
        .as_ref()
        .and_then(|v| serde_json::from_value(v.clone()).ok())
        .unwrap_or_default();
    if targets.len() == job.targets.len() {
        return targets;
    }
    job.targets
        .iter()
        .map(|t| TargetStats {
            target: t.display(),
            sensitivity_score: 50,
            ..Default::default()
        })
        .collect()
}

/// The outbox keys of a job's event sinks.
fn sink_keys(job: &Job) -> Vec<String> {
    job.def
        .events
        .iter()
        .enumerate()
        .map(|(i, d)| crate::sinks::sink_key(i, d))
        .collect()
}

/// The pipeline's configuration for a run of `job`: its limits, scope (sampled with the run's
/// seed), S3 options and the run's object filter and cancel flag.
fn scan_config(
    job: &Job,
    run: &RunRow,
    filter: ObjectFilter,
    cancel: Arc<AtomicBool>,
    value_key: trawl_scanner::ValueKey,
    progress: &Option<Arc<trawl_scanner::ScanProgress>>,
) -> ScanConfig {
    let mut scope = job.scope.clone();
    // One seed per run: every shard of a run samples alike.
    scope.sample_seed = Some(seed_of(&run.id));
    scope.shard = shard_of(run);
    let mut s3 = s3_options(job);
    // Bucket posture is checked once per run: by shard 0 (or by the unsharded run).
    s3.posture &= scope.shard.is_none_or(|s| s.index == 0);
    ScanConfig {
        threads: job.def.limits.threads.unwrap_or(0),
        limits: job_limits(job),
        record: RecordOptions {
            max_occurrences: job.def.limits.max_occurrences.unwrap_or(1000),
            reveal: false,
            run_id: run.id.clone(),
            job_id: Some(run.job_id.clone()),
            value_key: Some(value_key),
        },
        scope,
        filter: Some(filter),
        cancel: Some(cancel),
        s3,
        progress: progress.clone(),
    }
}

/// The extraction limits a job sets, over the defaults.
pub(crate) fn job_limits(job: &Job) -> Limits {
    let l = &job.def.limits;
    let defaults = Limits::default();
    Limits {
        max_depth: l.max_depth.unwrap_or(defaults.max_depth),
        max_total_bytes: l.max_extracted_bytes.unwrap_or(defaults.max_total_bytes),
        time_budget: l
            .time_budget_seconds
            .map(Duration::from_secs_f64)
            .or(defaults.time_budget),
        ..defaults
    }
}

/// How a job reaches S3.
pub(crate) fn s3_options(job: &Job) -> S3Options {
    S3Options {
        region: Some(job.region().to_string()),
        endpoint_url: job.def.s3.endpoint.clone(),
        profile: job.def.s3.profile.clone(),
        path_style: job.def.s3.path_style,
        no_sign_request: job.def.s3.no_sign_request,
        assume_role: job.def.s3.assume_role.clone(),
        concurrency: job.def.s3.concurrency,
        all_versions: job.def.s3.all_versions,
        posture: job.def.s3.posture,
        tls: job.def.tls.clone(),
        buckets: job.def.s3.bucket_criteria(),
        accounts: job.def.s3.accounts(),
        ..Default::default()
    }
}

/// Forwards an outside stop (SIGTERM) to a run's cancel flag until the run is finished.
fn forward_stop(stop: &AtomicBool, cancel: &AtomicBool, finished: &AtomicBool) {
    while !finished.load(Ordering::Relaxed) {
        if stop.load(Ordering::Relaxed) {
            cancel.store(true, Ordering::Relaxed);
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Publishes a job's findings while its run goes on (every `delivery_interval`), from another
/// connection to the state so that slow sinks never hold up scanning.
fn deliver_while_running(
    job: &Job,
    job_id: &str,
    state_path: &Path,
    opts: &RunOptions,
    finished: &AtomicBool,
) {
    let mut last = Instant::now();
    while !finished.load(Ordering::Relaxed) {
        std::thread::sleep(Duration::from_millis(50));
        if last.elapsed() < opts.delivery_interval {
            continue;
        }
        last = Instant::now();
        let delivered =
            Store::open(state_path).and_then(|store| deliver(&store, job, job_id, opts));
        if let Err(e) = delivered {
            opts.warn(&format!("job {job_id}: delivering events: {e}"));
        }
    }
}

/// What the run summary says about which objects a run scanned.
fn scope_note(job: &Job, run: &RunRow) -> &'static str {
    if run.incremental {
        "incremental: only objects created or changed since the previous complete run were scanned"
    } else if job.def.initial_run {
        "full: every object in scope was scanned"
    } else {
        "first run without initial_run: only objects created or changed since the job was created were scanned"
    }
}

#[allow(clippy::too_many_arguments)]
fn scan(
    store: &mut Store,
    job: &Job,
    created_text: &str,
    created: Option<DateTime<Utc>>,
    run: &RunRow,
    opts: &RunOptions,
) -> Result<(RunStatus, serde_json::Value)> {
    let job_id = run.job_id.clone();
    let engine = job.engine()?;
    let (location, writer) = open_results(store, job, run, opts)?;
    let (filter, skipped) = object_filter(store, job, run, created)?;
    let cancel = Arc::new(AtomicBool::new(false));
    let config = scan_config(
        job,
        run,
        filter,
        cancel.clone(),
        store.value_key()?,
        &opts.progress,
    );
    let targets = target_stats(job, run);
    let ctx = EventContext {
        account: job.account().to_string(),
        region: job.region().to_string(),
        job_id: job_id.clone(),
        run_id: run.id.clone(),
        results_location: location.display(),
    };
    let sinks = sink_keys(job);
    let rules = store.suppressions()?;
    let state_path = store.path().to_path_buf();
    let mut sink = JobSink {
        store,
        job,
        job_id: job_id.clone(),
        run_id: run.id.clone(),
        ctx,
        writer,
        sinks,
        rules,
        pending: Vec::new(),
        last_flush: Instant::now(),
        batch_size: opts.batch_size.max(1),
        interval: opts.batch_interval,
        targets,
        cancel: cancel.clone(),
        clock: opts.clock.clone(),
    };
    let mut notices: Vec<String> = Vec::new();
    let mut posture: Vec<trawl_scanner::PostureFinding> = Vec::new();
    let finished = AtomicBool::new(false);
    let result = std::thread::scope(|s| {
        if let Some(stop) = opts.stop.clone() {
            let (cancel, finished) = (cancel.clone(), &finished);
            s.spawn(move || forward_stop(&stop, &cancel, finished));
        }
        if !job.def.events.is_empty() {
            let (finished, state_path, job_id) = (&finished, &state_path, job_id.as_str());
            s.spawn(move || deliver_while_running(job, job_id, state_path, opts, finished));
        }
        let r = trawl_scanner::run(
            &job.targets,
            &engine,
            &config,
            &mut sink,
            &mut |n: &Notice| {
                let msg = match n {
                    Notice::Walk(w) => format!("cannot list {}: {}", w.path.display(), w.error),
                    Notice::Target { target, error } => format!("cannot scan {target}: {error}"),
                    Notice::AccountLeftOut { account, why } => {
                        format!("cannot enter account {account}: {why}")
                    }
                    Notice::Warning(w) => w.clone(),
                    // In the run summary (`buckets_left_out`).
                    Notice::BucketLeftOut { .. } => return,
                    Notice::Posture(f) => {
                        posture.push(f.clone());
                        return;
                    }
                };
                opts.warn(&format!("job {}: {msg}", run.job_id));
                notices.push(msg);
            },
        );
        finished.store(true, Ordering::Relaxed);
        r
    });
    let pipeline_summary = result?;
    for err in &pipeline_summary.target_errors {
        for t in sink.targets.iter_mut() {
            if err.starts_with(&t.target) {
                t.error = Some(err.clone());
                t.sensitivity_score = sensitivity_score(t);
            }
        }
    }
    let rules = sink.store.suppressions()?;
    for f in &posture {
        let now = opts.clock.now();
        let finding = posture_finding(job, &job_id, created.unwrap_or(now), now, f);
        let row = policy_row(job, &job_id, &run.id, &finding);
        if !sink.store.upsert_policy_finding(&row, &rules)? {
            publish_finding(sink.store, job, &job_id, &run.id, &finding)?;
        }
    }
    let stopped = cancel.load(Ordering::Relaxed) || pipeline_summary.cancelled;
    let job_status = sink.store.job(&job_id)?.status;
    let run_state = if !stopped {
        RunStatus::Complete
    } else if job_status == JobStatus::Cancelled {
        RunStatus::Cancelled
    } else {
        RunStatus::Interrupted
    };
    let stored = sink.store.run(&run.id)?;
    let summary = json!({
        "schema": "trawl.run-summary/v1",
        "job_id": job_id,
        "job_name": job.def.name,
        "job_created_at": created_text,
        "run_id": run.id,
        "shard": run.shard,
        "seq": run.seq,
        "trigger": run.trigger,
        "status": run_state,
        "started_at": run.started_at,
        "ended_at": now_text(opts.clock.now()),
        "incremental": run.incremental,
        "baseline_run_id": run.baseline_run_id,
        "scope_note": scope_note(job, run),
        "objects": stored.objects,
        "bytes": stored.bytes,
        "objects_with_findings": stored.findings,
        "objects_unchanged": skipped.unchanged.load(Ordering::Relaxed),
        "objects_already_scanned_by_this_run": skipped.already.load(Ordering::Relaxed),
        "objects_older_than_job": skipped.older.load(Ordering::Relaxed),
        "objects_over_run_limit": job.def.limits.max_objects_per_run.map(|m| skipped.admitted.load(Ordering::Relaxed).saturating_sub(m)).unwrap_or(0),
        "resumed": skipped.already.load(Ordering::Relaxed) > 0 || run.objects > 0,
        "targets": sink.targets,
        "warnings": notices,
        "results_location": location.display(),
        "results_encryption": sink.writer.encryption(),
        "this_session": pipeline_summary,
    });
    let marker = run.shard.as_ref().map(|shard| {
        json!({
            "schema": "trawl.shard-complete/v1",
            "job_id": job_id,
            "run_id": run.id,
            "shard": shard,
            "objects": stored.objects,
            "ended_at": summary["ended_at"],
        })
    });
    sink.writer
        .finish(&summary, run_state == RunStatus::Complete, marker.as_ref())?;
    Ok((run_state, summary))
}
