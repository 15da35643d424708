//! A job's dry run: what its next run would read, and what it would leave out and why,
//! without reading a byte of content.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use trawl_scanner::{Notice, ObjectFilter, ObjectRef, Plan, ScanConfig, Tally};

use crate::definition::Job;
use crate::error::Result;
use crate::runner::{job_limits, s3_options};
use crate::state::Store;

/// What the job's next run would read (a run that would resume leaves out what it recorded):
/// objects and bytes by format and storage class, and what its scope, the incremental check
/// and `max_objects_per_run` leave out.
pub fn plan_job(state: &Path, job_ref: &str, notice: &mut dyn FnMut(&Notice)) -> Result<Plan> {
    let store = Store::open(state)?;
    let row = store.job(job_ref)?;
    let job = row.definition.check_fields(&format!("job {}", row.id))?;
    let created = crate::state::parse_time(&row.created_at);
    let done = match store.unfinished_run(&row.id)? {
        Some(r) => store.run_objects(&r.id)?,
        None => HashSet::new(),
    };
    let admission = Admission::new(&store, &job, &row.id, done, created)?;
    let left_out: Arc<Mutex<BTreeMap<String, Tally>>> = Arc::default();
    let admitted = AtomicU64::new(0);
    let max_objects = job.def.limits.max_objects_per_run;
    let tally = left_out.clone();
    let filter = ObjectFilter(Arc::new(move |o: &ObjectRef| {
        let why = admission.left_out_by(o).map(LeftOut::as_str).or_else(|| {
            let n = admitted.fetch_add(1, Ordering::Relaxed);
            max_objects
                .is_some_and(|m| n >= m)
                .then_some("past max_objects_per_run")
        });
        let Some(why) = why else { return true };
        if let Ok(mut t) = tally.lock() {
            let e = t.entry(why.to_string()).or_default();
            e.objects += 1;
            e.bytes += o.size;
        }
        false
    }));
    let config = ScanConfig {
        threads: job.def.limits.threads.unwrap_or(0),
        limits: job_limits(&job),
        scope: job.scope.clone(),
        s3: s3_options(&job),
        filter: Some(filter),
        ..Default::default()
    };
    let mut plan = trawl_scanner::plan(&job.targets, &config, notice)?;
    plan.left_out.remove("filter");
    if let Ok(mut t) = left_out.lock() {
        plan.left_out.append(&mut t);
    }
    Ok(plan)
}

/// Why a job run leaves an object out before reading it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum LeftOut {
    /// This run already recorded it (a resumed run).
    Recorded,
    /// Unchanged since it was last scanned.
    Unchanged,
    /// Older than the job, which does not scan existing objects (`initial_run = false`).
    Older,
}

impl LeftOut {
    /// How a plan names it.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            LeftOut::Recorded => "already recorded by this run",
            LeftOut::Unchanged => "unchanged since the last scan",
            LeftOut::Older => "older than the job (initial_run = false)",
        }
    }
}

/// What a job run admits: objects it has not recorded, changed or new since their last scan,
/// and (without `initial_run`) not older than the job.
pub(crate) struct Admission {
    pub(crate) done: HashSet<String>,
    pub(crate) known: HashMap<String, String>,
    pub(crate) cutoff: Option<DateTime<Utc>>,
}

impl Admission {
    /// For a run of `job` (`done`: what the run recorded already).
    pub(crate) fn new(
        store: &Store,
        job: &Job,
        job_id: &str,
        done: HashSet<String>,
        created: Option<DateTime<Utc>>,
    ) -> Result<Admission> {
        Ok(Admission {
            done,
            known: store.fingerprints(job_id)?,
            cutoff: if job.def.initial_run { None } else { created },
        })
    }

    /// Why `o` is left out, or None when it is admitted.
    pub(crate) fn left_out_by(&self, o: &ObjectRef) -> Option<LeftOut> {
        if self.done.contains(&o.uri) {
            return Some(LeftOut::Recorded);
        }
        match self.known.get(&o.uri) {
            Some(fp) if *fp == crate::runner::object_fingerprint(o) => Some(LeftOut::Unchanged),
            Some(_) => None,
            None => {
                let modified = o
                    .last_modified
                    .as_deref()
                    .and_then(crate::state::parse_time);
                match (self.cutoff, modified) {
                    (Some(c), Some(m)) if m < c => Some(LeftOut::Older),
                    _ => None,
                }
            }
        }
    }
}
