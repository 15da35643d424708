//! `trawl report`: result records (files, directories of a job run's results, standard input)
//! into one self-contained HTML page. Records are streamed into a bounded aggregate.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};

use anyhow::{anyhow, Context, Result};
use flate2::read::MultiGzDecoder;
use trawl_scanner::report::{Report, ReportOptions, DEFAULT_MAX_ROWS};
use trawl_scanner::{ResultRecord, RESULT_SCHEMA};

use crate::ExitStatus;

/// A line longer than this is not a record.
const MAX_LINE: u64 = 256 << 20;

/// Arguments of `trawl report`.
#[derive(clap::Args)]
pub struct ReportArgs {
    /// Results: `.jsonl` or `.jsonl.gz` files of `trawl scan --format jsonl`, directories
    /// holding them (a job run's `results-*.jsonl.gz`, read recursively, in name order), or
    /// `-` for standard input.
    #[arg(required = true, value_name = "RESULTS")]
    inputs: Vec<String>,
    /// The HTML file to write (created owner-only, 0600).
    #[arg(short, long, value_name = "FILE")]
    output: PathBuf,
    /// Rows of the objects table and of the not-fully-read table (the counts cover all).
    #[arg(long, default_value_t = DEFAULT_MAX_ROWS, value_name = "N")]
    max_rows: usize,
    /// The report's title.
    #[arg(long, value_name = "TEXT")]
    title: Option<String>,
    /// No line on standard error when done.
    #[arg(short, long)]
    quiet: bool,
}

/// One input: a file or standard input.
enum Input {
    Stdin,
    File(PathBuf),
}

/// Runs `trawl report`.
pub fn run(args: ReportArgs) -> Result<ExitStatus> {
    if args.inputs.iter().filter(|i| *i == "-").count() > 1 {
        anyhow::bail!("results -: standard input can be given once");
    }
    let mut inputs = Vec::new();
    for arg in &args.inputs {
        expand(arg, &mut inputs)?;
    }
    let mut report = Report::new(ReportOptions {
        max_rows: args.max_rows,
        title: args.title.clone(),
        ..ReportOptions::default()
    });
    for input in &inputs {
        match input {
            Input::Stdin => read("standard input", io::stdin().lock(), &mut report)?,
            Input::File(path) => {
                let name = path.display().to_string();
                let file = File::open(path).with_context(|| format!("opening {name}"))?;
                read(
                    &name,
                    decoder(file).with_context(|| format!("reading {name}"))?,
                    &mut report,
                )?;
            }
        }
    }
    let out = &args.output;
    let file =
        trawl_scanner::private_file::open(out, trawl_scanner::private_file::WriteMode::Truncate)
            .with_context(|| format!("creating {}", out.display()))?;
    let mut w = io::BufWriter::with_capacity(256 * 1024, file);
    report
        .write_html(&mut w)
        .and_then(|()| w.flush())
        .with_context(|| format!("writing {}", out.display()))?;
    if !args.quiet {
        eprintln!(
            "trawl: report: {} objects, {} findings -> {}",
            report.objects(),
            report.findings(),
            out.display()
        );
    }
    Ok(ExitStatus::Ok)
}

/// Adds `arg`'s inputs: itself, or a directory's result files, sorted by path.
fn expand(arg: &str, inputs: &mut Vec<Input>) -> Result<()> {
    if arg == "-" {
        inputs.push(Input::Stdin);
        return Ok(());
    }
    let path = Path::new(arg);
    let meta = std::fs::metadata(path).with_context(|| format!("results {arg}"))?;
    if !meta.is_dir() {
        inputs.push(Input::File(path.to_path_buf()));
        return Ok(());
    }
    let mut found = Vec::new();
    for entry in walkdir::WalkDir::new(path).sort_by_file_name() {
        let entry = entry.with_context(|| format!("listing {arg}"))?;
        let name = entry.file_name().to_string_lossy();
        if entry.file_type().is_file() && (name.ends_with(".jsonl") || name.ends_with(".jsonl.gz"))
        {
            found.push(entry.into_path());
        }
    }
    if found.is_empty() {
        eprintln!("trawl: warning: no .jsonl or .jsonl.gz files in {arg}");
    }
    found.sort();
    inputs.extend(found.into_iter().map(Input::File));
    Ok(())
}

/// The file's content, gunzipped when it starts with gzip's magic bytes (every member of a
/// job run's multi-member files).
fn decoder(file: File) -> io::Result<Box<dyn BufRead>> {
    let mut reader = BufReader::with_capacity(256 * 1024, file);
    let gz = reader.fill_buf()?.starts_with(&[0x1f, 0x8b]);
    Ok(if gz {
        Box::new(BufReader::with_capacity(
            256 * 1024,
            MultiGzDecoder::new(reader),
        ))
    } else {
        Box::new(reader)
    })
}

/// Feeds each line's record to `report`; a line that is not a record is an error naming
/// the input and the line.
fn read(name: &str, mut reader: impl BufRead, report: &mut Report) -> Result<()> {
    let mut line = Vec::new();
    let mut n = 0u64;
    loop {
        line.clear();
        let read = (&mut reader)
            .take(MAX_LINE + 1)
            .read_until(b'\n', &mut line)
            .with_context(|| format!("{name} line {}: reading", n + 1))?;
        if read == 0 {
            return Ok(());
        }
        n += 1;
        if read as u64 > MAX_LINE {
            anyhow::bail!("{name} line {n}: not a {RESULT_SCHEMA} record: longer than 256 MiB");
        }
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let record: ResultRecord = serde_json::from_slice(&line)
            .map_err(|e| anyhow!("{name} line {n}: not a {RESULT_SCHEMA} record: {}", why(&e)))?;
        if record.schema != RESULT_SCHEMA {
            anyhow::bail!(
                "{name} line {n}: not a {RESULT_SCHEMA} record: schema is {:?}",
                record.schema
            );
        }
        report.add(&record);
    }
}

/// serde's reason without the value it quotes (a misplaced value may be a raw secret), cut
/// to 200 characters: `invalid type: string "4539...", expected u64 at line 1 column 9`
/// becomes `invalid type (expected u64 at line 1 column 9)`.
fn why(e: &serde_json::Error) -> String {
    let msg = e.to_string();
    let mut shown = msg.clone();
    for head in ["invalid type", "invalid value", "invalid length"] {
        if let Some(rest) = msg.strip_prefix(head).and_then(|r| r.strip_prefix(": ")) {
            shown = match rest.rfind(", expected ") {
                Some(i) => format!("{head} ({})", &rest[i + 2..]),
                None => format!("{head} at line {} column {}", e.line(), e.column()),
            };
        }
    }
    shown.chars().take(200).collect()
}
