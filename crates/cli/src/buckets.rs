//! `trawl buckets`: one record per bucket (`trawl.bucket/v1`), as JSON Lines or a table; with
//! a state database, each bucket's last scan and sensitivity score from it.

use std::collections::HashMap;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use trawl_jobs::{BucketScore, Store};
use trawl_scanner::BucketRecord;

use crate::ExitStatus;

/// Arguments of `trawl buckets`.
#[derive(clap::Args)]
pub struct BucketsArgs {
    /// Buckets (names or `s3://NAME`); none: every bucket the credentials can list.
    #[arg(value_name = "BUCKET")]
    buckets: Vec<String>,
    /// `table` for people, `jsonl` for one `trawl.bucket/v1` record a line.
    #[arg(long, value_enum, default_value = "table")]
    format: BucketsFormat,
    /// Leave out the object counts (no listing, no inventory read).
    #[arg(long)]
    no_objects: bool,
    /// The state database of `trawl job` and `trawl findings` (default: $TRAWL_STATE when
    /// set): adds each bucket's last scan and sensitivity score. Only read, never created.
    #[arg(long, value_name = "PATH")]
    state: Option<PathBuf>,
    #[command(flatten)]
    s3: crate::s3args::S3Args,
}

#[derive(Clone, Copy, Debug, clap::ValueEnum, PartialEq, Eq)]
enum BucketsFormat {
    Table,
    Jsonl,
}

/// What a state database knows of the buckets, read once before the first bucket.
struct StateView {
    store: Store,
    scores: HashMap<String, BucketScore>,
    last_scans: HashMap<String, String>,
}

impl StateView {
    /// The state database given with `--state`, else `$TRAWL_STATE`; none without either. A
    /// database that does not exist is an error: it is never created here.
    fn open(given: Option<&Path>) -> Result<Option<StateView>> {
        let (path, from) = match given {
            Some(p) => (p.to_path_buf(), "--state"),
            None => match std::env::var_os("TRAWL_STATE").filter(|p| !p.is_empty()) {
                Some(p) => (PathBuf::from(p), "TRAWL_STATE"),
                None => return Ok(None),
            },
        };
        if !path.is_file() {
            anyhow::bail!(
                "the state database {} ({from}) does not exist",
                path.display()
            );
        }
        let store = Store::open(&path)
            .with_context(|| format!("opening the state database {}", path.display()))?;
        let scores = store
            .bucket_scores(None)?
            .into_iter()
            .map(|s| (s.bucket.clone(), s))
            .collect();
        let last_scans = store
            .bucket_last_scans()?
            .into_iter()
            .map(|(b, t)| (b, t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)))
            .collect();
        Ok(Some(StateView {
            store,
            scores,
            last_scans,
        }))
    }

    /// Puts the bucket's last scan and score in its record: a bucket never scanned has no
    /// last scan and the score `trawl findings score` gives it (50, or 100 set by hand).
    fn fill(&self, r: &mut BucketRecord) -> Result<()> {
        let score = match self.scores.get(&r.name) {
            Some(s) => Some(s.clone()),
            None => self.store.bucket_scores(Some(&r.name))?.into_iter().next(),
        };
        r.last_scanned = self.last_scans.get(&r.name).cloned();
        if let Some(s) = score {
            r.sensitivity_score = Some(s.sensitivity_score);
            r.objects_analysed = Some(s.objects_analysed);
            r.objects_sensitive = Some(s.objects_sensitive);
        }
        Ok(())
    }
}

/// Runs `trawl buckets`.
pub fn run(args: BucketsArgs) -> Result<ExitStatus> {
    let opts = args.s3.options()?;
    let state = StateView::open(args.state.as_deref())?;
    let names: Vec<String> = args
        .buckets
        .iter()
        .map(|b| {
            b.strip_prefix("s3://")
                .unwrap_or(b)
                .trim_end_matches('/')
                .to_string()
        })
        .collect();
    if let Some(bad) = names.iter().find(|b| b.is_empty() || b.contains('/')) {
        anyhow::bail!("bucket {bad:?}: give a bucket name or s3://NAME, without a prefix");
    }
    if opts.inventory.is_some() && names.len() != 1 {
        anyhow::bail!(
            "--inventory counts the objects of the bucket it inventories: give that one bucket"
        );
    }
    let mut out = io::stdout().lock();
    let mut failed: Option<anyhow::Error> = None;
    let mut shown = 0;
    let table = args.format == BucketsFormat::Table;
    if table {
        header(&mut out, state.is_some())?;
    }
    let mut left_out = |account: &str, why: &str| {
        eprintln!("trawl: error: cannot enter account {account}: {why}");
    };
    let mut each = |mut r: BucketRecord| {
        if failed.is_some() {
            return;
        }
        shown += 1;
        let written = match &state {
            Some(s) => s.fill(&mut r),
            None => Ok(()),
        }
        .and_then(|()| {
            if table {
                row(&mut out, &r, state.is_some())?;
            } else {
                serde_json::to_writer(&mut out, &r)?;
                writeln!(out)?;
            }
            Ok(())
        });
        if let Err(e) = written {
            failed = Some(e);
        }
    };
    trawl_scanner::bucket_inventory(&names, &opts, !args.no_objects, &mut each, &mut left_out)
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    if let Some(e) = failed {
        return Err(e);
    }
    if shown == 0 {
        eprintln!("trawl: no buckets");
    }
    Ok(ExitStatus::Ok)
}

fn header(out: &mut dyn Write, with_state: bool) -> io::Result<()> {
    write!(
        out,
        "{:<32} {:<14} {:<10} {:<12} {:<10} {:>10} {:>10} {:>12}  ",
        "BUCKET", "REGION", "PUBLIC", "ENCRYPTION", "VERSIONS", "OBJECTS", "SIZE", "READABLE"
    )?;
    if with_state {
        write!(out, "{:<16}  {:>5}  ", "LAST SCAN", "SCORE")?;
    }
    writeln!(out, "posture")
}

/// The state columns: the last scan to the minute (UTC), the score.
fn state_columns(r: &BucketRecord) -> String {
    let last = r
        .last_scanned
        .as_deref()
        .map(|t| t.get(..16).unwrap_or(t).replace('T', " "))
        .unwrap_or_else(|| "never".to_string());
    let score = r
        .sensitivity_score
        .map(|s| s.to_string())
        .unwrap_or_else(|| "-".to_string());
    format!("{last:<16}  {score:>5}  ")
}

fn row(out: &mut dyn Write, r: &BucketRecord, with_state: bool) -> io::Result<()> {
    let dash = || "-".to_string();
    let objects = r.objects.as_ref();
    let posture: Vec<&str> = r
        .posture
        .iter()
        .map(|f| f.finding_type.trim_start_matches("Policy:IAMUser/"))
        .collect();
    writeln!(
        out,
        "{:<32} {:<14} {:<10} {:<12} {:<10} {:>10} {:>10} {:>12}  {}{}{}",
        r.name,
        r.region.clone().unwrap_or_else(dash),
        r.public_access.effective,
        r.default_encryption
            .as_ref()
            .map(|e| e.algorithm.clone())
            .unwrap_or_else(dash),
        r.versioning.clone().unwrap_or_else(dash),
        objects
            .map(|o| o.total.objects.to_string())
            .unwrap_or_else(dash),
        objects
            .map(|o| crate::human::bytes(o.total.bytes))
            .unwrap_or_else(dash),
        objects
            .map(|o| crate::human::bytes(o.classifiable.bytes))
            .unwrap_or_else(dash),
        if with_state {
            state_columns(r)
        } else {
            String::new()
        },
        if posture.is_empty() {
            "-".to_string()
        } else {
            posture.join(",")
        },
        if r.unchecked.is_empty() {
            String::new()
        } else {
            format!("  (not checked: {})", r.unchecked.join("; "))
        }
    )
}
