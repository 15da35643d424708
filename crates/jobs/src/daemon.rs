//! The daemon: runs due jobs on their schedules, at most `max_concurrent` at once. State lives
//! in the database, so it survives restarts: a run missed while it was down runs once when it
//! starts, and an interrupted run is resumed. A stop flag (SIGTERM) lets the objects in
//! flight finish, saves state and returns.

use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, Utc};
use trawl_identifiers::Severity;

use crate::clock::Clock;
use crate::error::{Error, Result};
use crate::runner::{run_job, RunOptions, RunOutcome};
use crate::state::{parse_time, JobRow, JobStatus, RunStatus, Store, Trigger};

/// Runs jobs on their schedules.
pub struct Daemon {
    /// The state database.
    pub state: PathBuf,
    /// At most this many runs at once.
    pub max_concurrent: usize,
    /// Set to stop.
    pub stop: Arc<AtomicBool>,
    /// Run options (the clock among them).
    pub options: RunOptions,
    /// One line per run start and end.
    pub log: Arc<dyn Fn(&str) + Send + Sync>,
    /// Longest sleep between checks (jobs created while sleeping are seen then).
    pub poll: Duration,
}

fn clock(d: &Daemon) -> &Arc<dyn Clock> {
    &d.options.clock
}

impl Daemon {
    /// A daemon over a state file.
    pub fn new(state: PathBuf, options: RunOptions) -> Daemon {
        Daemon {
            state,
            max_concurrent: 1,
            stop: Arc::new(AtomicBool::new(false)),
            options,
            log: Arc::new(|line| eprintln!("{line}")),
            poll: Duration::seconds(30),
        }
    }

    /// Jobs due at `now`: scheduled ones whose time has come, and any with an unfinished run.
    pub fn due(&self, store: &Store, now: DateTime<Utc>) -> Result<Vec<JobRow>> {
        let mut out = Vec::new();
        for j in store.jobs()? {
            if !(j.status == JobStatus::Idle || j.status == JobStatus::Running) {
                continue;
            }
            let time_due = j
                .next_run_at
                .as_deref()
                .and_then(parse_time)
                .is_some_and(|t| t <= now);
            if time_due || store.unfinished_run(&j.id)?.is_some() {
                out.push(j);
            }
        }
        Ok(out)
    }

    /// Runs every due job once (the missed runs of a long stop count as one), then sets each
    /// one's next run. Returns the outcomes.
    pub fn tick(&self) -> Result<Vec<(String, Result<RunOutcome>)>> {
        let now = clock(self).now();
        let store = Store::open(&self.state)?;
        let due = self.due(&store, now)?;
        drop(store);
        let queue = Mutex::new(due.into_iter());
        let results = Mutex::new(Vec::new());
        let workers = self.max_concurrent.max(1);
        std::thread::scope(|s| {
            for _ in 0..workers {
                s.spawn(|| loop {
                    if self.stop.load(Ordering::Relaxed) {
                        return;
                    }
                    let next = queue.lock().ok().and_then(|mut q| q.next());
                    let Some(job) = next else { return };
                    let r = self.run_one(&job, now);
                    if let Ok(mut v) = results.lock() {
                        v.push((job.id.clone(), r));
                    }
                });
            }
        });
        Ok(results.into_inner().unwrap_or_default())
    }

    fn run_one(&self, job: &JobRow, now: DateTime<Utc>) -> Result<RunOutcome> {
        let mut opts = self.options.clone();
        opts.trigger = Trigger::Schedule;
        opts.stop = Some(self.stop.clone());
        let log = self.log.clone();
        let (id, name) = (job.id.clone(), job.name.clone());
        opts.on_start = Some(Arc::new(move |run, resumed| {
            log(&format!(
                "run start job={id} name={name:?} run={} seq={}{}",
                run.id,
                run.seq,
                if resumed { " resumed" } else { "" }
            ))
        }));
        let r = run_job(&self.state, &job.id, &opts);
        match &r {
            Ok(o) => (self.log)(&format!(
                "run end job={} run={} status={} objects={} bytes={} findings_high={} findings_medium={} findings_low={}",
                job.id,
                o.run.id,
                o.run.status,
                o.run.objects,
                o.run.bytes,
                o.run.findings.get(Severity::High.as_str()).unwrap_or(&0),
                o.run.findings.get(Severity::Medium.as_str()).unwrap_or(&0),
                o.run.findings.get(Severity::Low.as_str()).unwrap_or(&0),
            )),
            Err(Error::Locked(_)) => {
                (self.log)(&format!("run skipped job={}: running in another process", job.id));
                return r;
            }
            Err(e) => (self.log)(&format!("run end job={} status=FAILED error={e}", job.id)),
        }
        // The next run: after the scheduled time that fell due (or now, for a missed one).
        let interrupted = matches!(&r, Ok(o) if o.run.status == RunStatus::Interrupted);
        if !interrupted {
            let store = Store::open(&self.state)?;
            let def = store.job(&job.id)?.definition;
            let next = def
                .schedule
                .parse::<crate::schedule::Schedule>()
                .ok()
                .and_then(|s| s.next_after(now));
            let was_due = job
                .next_run_at
                .as_deref()
                .and_then(parse_time)
                .is_some_and(|t| t <= now);
            if was_due {
                store.set_next_run(&job.id, next)?;
            }
        }
        r
    }

    /// Runs until stopped. Due jobs start as soon as a slot is free (at most
    /// `max_concurrent` runs at once; a long run does not hold up other jobs); between runs it
    /// sleeps until the next job is due (or `poll`). On stop, runs in flight finish their
    /// objects in flight, save state and end; then it returns.
    pub fn run(&self) -> Result<()> {
        (self.log)(&format!(
            "daemon start state={} max_concurrent={}",
            self.state.display(),
            self.max_concurrent
        ));
        let running: Mutex<HashSet<String>> = Mutex::new(HashSet::new());
        // Jobs another process is running: not tried again before this time.
        let held: Mutex<std::collections::HashMap<String, DateTime<Utc>>> = Mutex::default();
        let busy = || running.lock().map(|r| r.clone()).unwrap_or_default();
        let (done_tx, done_rx) = std::sync::mpsc::channel::<()>();
        let result = std::thread::scope(|s| -> Result<()> {
            while !self.stop.load(Ordering::Relaxed) {
                let now = clock(self).now();
                let store = Store::open(&self.state)?;
                let due = self.due(&store, now)?;
                let taken = busy();
                let mut slots = self.max_concurrent.max(1).saturating_sub(taken.len());
                let held_now: HashSet<String> = held
                    .lock()
                    .map(|h| {
                        h.iter()
                            .filter(|(_, t)| **t > now)
                            .map(|(k, _)| k.clone())
                            .collect()
                    })
                    .unwrap_or_default();
                for job in due
                    .into_iter()
                    .filter(|j| !taken.contains(&j.id) && !held_now.contains(&j.id))
                {
                    if slots == 0 {
                        break;
                    }
                    slots -= 1;
                    if let Ok(mut r) = running.lock() {
                        r.insert(job.id.clone());
                    }
                    let (running, held, done_tx) = (&running, &held, done_tx.clone());
                    s.spawn(move || {
                        match self.run_one(&job, now) {
                            Err(Error::Locked(_)) => {
                                if let Ok(mut h) = held.lock() {
                                    h.insert(job.id.clone(), clock(self).now() + self.poll);
                                }
                            }
                            Err(e) => (self.log)(&format!("job {}: {e}", job.id)),
                            Ok(_) => {}
                        }
                        if let Ok(mut r) = running.lock() {
                            r.remove(&job.id);
                        }
                        let _ = done_tx.send(());
                    });
                }
                let taken = busy();
                let held_until = held.lock().map(|h| h.clone()).unwrap_or_default();
                let next = store
                    .jobs()?
                    .into_iter()
                    .filter(|j| j.status == JobStatus::Idle && !taken.contains(&j.id))
                    .filter_map(|j| {
                        let at = j.next_run_at.as_deref().and_then(parse_time)?;
                        Some(match held_until.get(&j.id) {
                            Some(h) if *h > at => *h,
                            _ => at,
                        })
                    })
                    .min();
                drop(store);
                let wake = next
                    .unwrap_or(now + self.poll)
                    .min(now + self.poll)
                    .max(now);
                if taken.is_empty() {
                    clock(self).sleep_until(wake, &self.stop);
                } else {
                    // Runs in flight: wake when one ends (a slot frees), or to check again.
                    let wait = (wake - now).to_std().unwrap_or_default().clamp(
                        std::time::Duration::from_millis(50),
                        std::time::Duration::from_secs(1),
                    );
                    let _ = done_rx.recv_timeout(wait);
                }
            }
            Ok(())
        });
        (self.log)("daemon stop");
        result
    }
}
