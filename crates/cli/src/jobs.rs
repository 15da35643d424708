//! `trawl job ...` and `trawl daemon`: scan jobs on a state database.

use std::io::{self, Write};
use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use anyhow::{Context, Result};
use clap::{Args, Subcommand, ValueEnum};
use trawl_identifiers::Severity;
use trawl_jobs::{run_job, Daemon, JobDefinition, JobStatus, RunOptions, RunOutcome, Store};

use crate::job_shards::{ensure_job, finalize, FinalizeArgs, ShardArgs};
use crate::ExitStatus;

/// Where the state database is.
#[derive(Args, Clone, Debug)]
pub struct StateArg {
    /// The state database (default: $TRAWL_STATE, else trawl/state.db in the user's data
    /// directory).
    #[arg(long, global = true, value_name = "PATH")]
    state: Option<PathBuf>,
}

impl StateArg {
    fn path(&self) -> Result<PathBuf> {
        if let Some(p) = &self.state {
            return Ok(p.clone());
        }
        if let Some(p) = std::env::var_os("TRAWL_STATE").filter(|p| !p.is_empty()) {
            return Ok(PathBuf::from(p));
        }
        let data = std::env::var_os("XDG_DATA_HOME")
            .filter(|p| !p.is_empty())
            .map(PathBuf::from)
            .or_else(|| {
                std::env::var_os("HOME").map(|h| {
                    let h = PathBuf::from(h);
                    if cfg!(target_os = "macos") {
                        h.join("Library/Application Support")
                    } else {
                        h.join(".local/share")
                    }
                })
            })
            .context("no --state given and no home directory to put the state in")?;
        Ok(data.join("trawl").join("state.db"))
    }

    pub(crate) fn open(&self) -> Result<(PathBuf, Store)> {
        let path = self.path()?;
        let store = Store::open(&path)
            .with_context(|| format!("opening the state database {}", path.display()))?;
        Ok((path, store))
    }
}

/// Output format of listings.
#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum Format {
    /// Aligned columns.
    Table,
    /// One JSON document.
    Json,
    /// One JSON object a line.
    Jsonl,
}

/// `trawl job`.
#[derive(Args)]
pub struct JobArgs {
    #[command(flatten)]
    state: StateArg,
    #[command(subcommand)]
    command: JobCommand,
}

#[derive(Subcommand)]
enum JobCommand {
    /// Create a job from a TOML or YAML job file (a job never changes once created: a new
    /// version is a new job).
    Create {
        /// The job file.
        file: PathBuf,
        /// Give the job this id (1-64 letters, digits, '.', '_', '-') instead of a random
        /// one; a job with this id and the same definition is kept as it is.
        #[arg(long, value_name = "ID")]
        id: Option<String>,
    },
    /// List jobs.
    List {
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
    },
    /// Show a job's definition and status.
    Show {
        /// Job id (or a unique prefix, or its name).
        id: String,
    },
    /// Run a job now (or resume its interrupted run).
    Run {
        /// Job id (or a unique prefix, or its name).
        id: String,
        /// Print the run summary as JSON on standard output.
        #[arg(long)]
        json: bool,
        /// No summary on standard error.
        #[arg(short, long)]
        quiet: bool,
        /// Progress on standard error: auto (a terminal), always, never.
        #[arg(long, value_enum, default_value = "auto", value_name = "WHEN")]
        progress: crate::progress::ProgressChoice,
        /// List what the next run would read (after its scope and the incremental check),
        /// reading no content and starting no run; with --json, as JSON.
        #[arg(long, conflicts_with_all = ["shard", "shard_count", "run"])]
        dry_run: bool,
        #[command(flatten)]
        sharding: ShardArgs,
    },
    /// Merge the shards of a run split across machines into one run summary, name the
    /// shards that are missing or incomplete (exit status 1), and check that no object was
    /// recorded twice.
    Finalize(FinalizeArgs),
    /// Pause a job: no scheduled runs until resumed; a run in progress stops after the objects
    /// in flight and resumes later.
    Pause {
        /// Job id.
        id: String,
    },
    /// Resume a paused job.
    Resume {
        /// Job id.
        id: String,
    },
    /// Cancel a job for good.
    Cancel {
        /// Job id.
        id: String,
    },
    /// A job's runs: start, end, status, objects, bytes, findings by severity.
    History {
        /// Job id.
        id: String,
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
    },
}

/// `trawl daemon`.
#[derive(Args)]
pub struct DaemonArgs {
    #[command(flatten)]
    state: StateArg,
    /// Runs at once.
    #[arg(long, default_value_t = 1, value_name = "N")]
    max_concurrent: usize,
}

fn options(path: &std::path::Path) -> RunOptions {
    let mut o = RunOptions::new(path);
    o.on_warning = Some(Arc::new(|m| eprintln!("trawl: warning: {m}")));
    o
}

/// `trawl job ...`.
pub fn job(args: JobArgs) -> Result<ExitStatus> {
    let (path, store) = args.state.open()?;
    let mut out = io::stdout().lock();
    match args.command {
        JobCommand::Create { file, id: Some(id) } => {
            let id = ensure_job(&store, &id, Some(&file))?;
            writeln!(out, "{id}")?;
        }
        JobCommand::Create { file, id: None } => {
            let def = JobDefinition::load(&file)?;
            let row = trawl_jobs::create_job(&store, &def, chrono::Utc::now())?;
            writeln!(out, "{}", row.id)?;
            eprintln!(
                "trawl: created job {} ({:?}), schedule {}, next run {}",
                row.id,
                row.name,
                def.schedule,
                row.next_run_at.as_deref().unwrap_or("-")
            );
        }
        JobCommand::List { format } => {
            let jobs = store.jobs()?;
            match format {
                Format::Table => {
                    writeln!(
                        out,
                        "{:<32}  {:<11}  {:<20}  {:<24}  NAME",
                        "ID", "STATUS", "SCHEDULE", "NEXT RUN"
                    )?;
                    for j in jobs {
                        writeln!(
                            out,
                            "{:<32}  {:<11}  {:<20}  {:<24}  {}",
                            j.id,
                            j.status,
                            j.definition.schedule,
                            j.next_run_at.as_deref().unwrap_or("-"),
                            j.name
                        )?;
                    }
                }
                Format::Json => writeln!(out, "{}", serde_json::to_string_pretty(&jobs)?)?,
                Format::Jsonl => {
                    for j in jobs {
                        writeln!(out, "{}", serde_json::to_string(&j)?)?;
                    }
                }
            }
        }
        JobCommand::Show { id } => {
            let j = store.job(&id)?;
            let runs = store.runs(&j.id)?;
            let v = serde_json::json!({
                "job": j,
                "runs": runs.len(),
                "last_run": runs.last(),
                "events": store.delivery_counts(&j.id)?,
            });
            writeln!(out, "{}", serde_json::to_string_pretty(&v)?)?;
        }
        JobCommand::Run {
            id,
            json,
            dry_run: true,
            ..
        } => {
            drop(store);
            let plan = trawl_jobs::plan_job(&path, &id, &mut |n| match n {
                trawl_scanner::Notice::Target { target, error } => {
                    eprintln!("trawl: error: cannot list {target}: {error}")
                }
                trawl_scanner::Notice::Walk(w) => eprintln!(
                    "trawl: warning: cannot list {}: {}",
                    w.path.display(),
                    w.error
                ),
                trawl_scanner::Notice::Warning(w) => eprintln!("trawl: warning: {w}"),
                trawl_scanner::Notice::BucketLeftOut { bucket, why } => {
                    eprintln!("trawl: bucket {bucket} left out ({why})")
                }
                trawl_scanner::Notice::AccountLeftOut { account, why } => {
                    eprintln!("trawl: error: cannot enter account {account}: {why}")
                }
                trawl_scanner::Notice::Posture(_) => {}
            })?;
            if json {
                writeln!(out, "{}", serde_json::to_string_pretty(&plan)?)?;
            } else {
                let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
                crate::human::write_plan(
                    &mut out,
                    &plan,
                    crate::human::BENCH_RECOMMENDED_MB_S,
                    threads,
                )?;
            }
        }
        JobCommand::Run {
            id,
            json,
            quiet,
            progress,
            dry_run: false,
            sharding,
        } => {
            let id = ensure_job(&store, &id, sharding.file.as_deref())?;
            drop(store);
            let mut opts = options(&path);
            opts.shard = sharding.shard_run()?;
            let stop = Arc::new(AtomicBool::new(false));
            for sig in [signal_hook::consts::SIGTERM, signal_hook::consts::SIGINT] {
                signal_hook::flag::register(sig, stop.clone())
                    .context("installing a signal handler")?;
            }
            opts.stop = Some(stop);
            if !quiet {
                opts.on_start = Some(Arc::new(|run, resumed| {
                    eprintln!(
                        "trawl: {} run {} (#{}) of job {}",
                        if resumed { "resuming" } else { "starting" },
                        run.id,
                        run.seq,
                        run.job_id
                    )
                }));
            }
            let counters = Arc::new(trawl_scanner::ScanProgress::default());
            opts.progress = Some(counters.clone());
            let shown = crate::progress::Progress::start(progress, counters);
            let result = run_job(&path, &id, &opts);
            if let Some(p) = shown {
                p.finish();
            }
            let outcome = result?;
            if outcome.already_complete && !quiet {
                eprintln!(
                    "trawl: shard {} of run {} is complete already: nothing to do",
                    outcome.run.shard.as_deref().unwrap_or(""),
                    outcome.run.id
                );
            }
            if json {
                writeln!(out, "{}", serde_json::to_string_pretty(&outcome.summary)?)?;
            }
            if !quiet {
                write_outcome(&mut io::stderr().lock(), &outcome)?;
            }
        }
        JobCommand::Finalize(args) => return finalize(&path, &store, &args, &mut out),
        JobCommand::Pause { id } => {
            let j = store.job(&id)?;
            if !store.change_job_status(
                &j.id,
                &[JobStatus::Idle, JobStatus::Running],
                JobStatus::UserPaused,
            )? {
                anyhow::bail!(
                    "job {} is {}; only an idle or running job can be paused",
                    j.id,
                    j.status
                );
            }
            eprintln!("trawl: job {} paused", j.id);
        }
        JobCommand::Resume { id } => {
            let j = store.job(&id)?;
            if !store.change_job_status(
                &j.id,
                &[JobStatus::UserPaused, JobStatus::Paused],
                JobStatus::Idle,
            )? {
                anyhow::bail!("job {} is {}, not paused", j.id, j.status);
            }
            eprintln!("trawl: job {} resumed", j.id);
        }
        JobCommand::Cancel { id } => {
            let j = store.job(&id)?;
            if !store.change_job_status(
                &j.id,
                &[
                    JobStatus::Idle,
                    JobStatus::Running,
                    JobStatus::UserPaused,
                    JobStatus::Paused,
                ],
                JobStatus::Cancelled,
            )? {
                anyhow::bail!("job {} is {}; it cannot be cancelled", j.id, j.status);
            }
            store.set_next_run(&j.id, None)?;
            eprintln!("trawl: job {} cancelled", j.id);
        }
        JobCommand::History { id, format } => {
            let j = store.job(&id)?;
            let runs = store.runs(&j.id)?;
            match format {
                Format::Table => {
                    writeln!(
                        out,
                        "{:>4}  {:<36}  {:<24}  {:<24}  {:<11}  {:>8}  {:>12}  {:>5} {:>6} {:>4}  MODE",
                        "#", "RUN", "START", "END", "STATUS", "OBJECTS", "BYTES", "HIGH", "MEDIUM", "LOW"
                    )?;
                    for r in runs {
                        writeln!(
                            out,
                            "{:>4}  {:<36}  {:<24}  {:<24}  {:<11}  {:>8}  {:>12}  {:>5} {:>6} {:>4}  {}",
                            r.seq,
                            r.id,
                            r.started_at,
                            r.ended_at.as_deref().unwrap_or("-"),
                            r.status,
                            r.objects,
                            r.bytes,
                            r.findings.get(Severity::High.as_str()).unwrap_or(&0),
                            r.findings.get(Severity::Medium.as_str()).unwrap_or(&0),
                            r.findings.get(Severity::Low.as_str()).unwrap_or(&0),
                            if r.incremental { "incremental" } else { "full" }
                        )?;
                    }
                }
                Format::Json => writeln!(out, "{}", serde_json::to_string_pretty(&runs)?)?,
                Format::Jsonl => {
                    for r in runs {
                        writeln!(out, "{}", serde_json::to_string(&r)?)?;
                    }
                }
            }
        }
    }
    Ok(ExitStatus::Ok)
}

fn write_outcome(w: &mut dyn Write, o: &RunOutcome) -> io::Result<()> {
    let r = &o.run;
    let s = &o.summary;
    writeln!(
        w,
        "run {} (#{}) {}: {} objects, {} bytes; objects with findings: HIGH {}, MEDIUM {}, LOW {}",
        r.id,
        r.seq,
        r.status,
        r.objects,
        r.bytes,
        r.findings.get(Severity::High.as_str()).unwrap_or(&0),
        r.findings.get(Severity::Medium.as_str()).unwrap_or(&0),
        r.findings.get(Severity::Low.as_str()).unwrap_or(&0)
    )?;
    writeln!(
        w,
        "  {}; unchanged objects skipped: {}",
        s["scope_note"].as_str().unwrap_or(""),
        s["objects_unchanged"]
    )?;
    if let Some(ts) = s["targets"].as_array() {
        for t in ts {
            writeln!(
                w,
                "  {}: {} objects, {} bytes, sensitivity score {}, with findings {}, skipped {}",
                t["target"].as_str().unwrap_or(""),
                t["objects"],
                t["bytes"],
                t["sensitivity_score"],
                t["objects_with_findings"],
                t["skipped"]
            )?;
        }
    }
    writeln!(
        w,
        "  results: {}{}",
        s["results_location"].as_str().unwrap_or(""),
        s["results_encryption"]
            .as_str()
            .map(|e| format!(" (uploaded with {e})"))
            .unwrap_or_default()
    )?;
    if let Some(ev) = s["events"].as_object() {
        for (k, v) in ev {
            writeln!(
                w,
                "  events {k}: {} delivered, {} pending",
                v["delivered"], v["pending"]
            )?;
        }
    }
    Ok(())
}

/// `trawl daemon`.
pub fn daemon(args: DaemonArgs) -> Result<ExitStatus> {
    let path = args.state.path()?;
    drop(args.state.open()?);
    let mut d = Daemon::new(path.clone(), options(&path));
    d.max_concurrent = args.max_concurrent.max(1);
    for sig in [signal_hook::consts::SIGTERM, signal_hook::consts::SIGINT] {
        signal_hook::flag::register(sig, d.stop.clone()).context("installing a signal handler")?;
    }
    d.log = Arc::new(|line| {
        eprintln!(
            "{} trawl daemon: {line}",
            chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
        )
    });
    d.run()?;
    Ok(ExitStatus::Ok)
}
