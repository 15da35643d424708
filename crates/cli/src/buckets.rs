//! `trawl buckets`: one record per bucket (`trawl.bucket/v1`), as JSON Lines or a table.

use std::io::{self, Write};

use anyhow::Result;
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
    #[command(flatten)]
    s3: crate::s3args::S3Args,
}

#[derive(Clone, Copy, Debug, clap::ValueEnum, PartialEq, Eq)]
enum BucketsFormat {
    Table,
    Jsonl,
}

/// Runs `trawl buckets`.
pub fn run(args: BucketsArgs) -> Result<ExitStatus> {
    let opts = args.s3.options()?;
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
    let mut failed: Option<io::Error> = None;
    let mut shown = 0;
    let table = args.format == BucketsFormat::Table;
    if table {
        writeln!(
            out,
            "{:<32} {:<14} {:<10} {:<12} {:<10} {:>10} {:>10} {:>12}  posture",
            "BUCKET", "REGION", "PUBLIC", "ENCRYPTION", "VERSIONS", "OBJECTS", "SIZE", "READABLE"
        )?;
    }
    trawl_scanner::bucket_inventory(&names, &opts, !args.no_objects, &mut |r| {
        if failed.is_some() {
            return;
        }
        shown += 1;
        let written = if table {
            row(&mut out, &r)
        } else {
            serde_json::to_writer(&mut out, &r)
                .map_err(io::Error::other)
                .and_then(|()| writeln!(out))
        };
        if let Err(e) = written {
            failed = Some(e);
        }
    })
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    if let Some(e) = failed {
        return Err(e.into());
    }
    if shown == 0 {
        eprintln!("trawl: no buckets");
    }
    Ok(ExitStatus::Ok)
}

fn row(out: &mut dyn Write, r: &BucketRecord) -> io::Result<()> {
    let dash = || "-".to_string();
    let objects = r.objects.as_ref();
    let posture: Vec<&str> = r
        .posture
        .iter()
        .map(|f| f.finding_type.trim_start_matches("Policy:IAMUser/"))
        .collect();
    writeln!(
        out,
        "{:<32} {:<14} {:<10} {:<12} {:<10} {:>10} {:>10} {:>12}  {}{}",
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
