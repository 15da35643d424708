//! `trawl`: find sensitive data in files and object stores.

use std::io::{self, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand, ValueEnum};
use trawl_formats::Limits;
use trawl_identifiers::{Catalog, EngineBuilder, KeywordRule, Selection, Severity};
use trawl_scanner::aggregate::RecordOptions;
use trawl_scanner::pipeline::{self, Notice, ScanConfig, Target};
use trawl_scanner::record::ResultRecord;
use trawl_scanner::sink::jsonl::JsonlSink;
use trawl_scanner::sink::RecordSink;
use trawl_scanner::summary::Summary;

mod human;

/// Exit statuses, as the output contract fixes them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ExitStatus {
    /// The scan ran.
    Ok = 0,
    /// `--fail-on` was given and a finding at or above it exists.
    Findings = 1,
    /// Usage or fatal error.
    Error = 2,
}

#[derive(Parser)]
#[command(
    name = "trawl",
    version,
    about = "Find sensitive data in files and object stores"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Scan local files and directories.
    Scan(ScanArgs),
    /// Work with identifiers.
    #[command(subcommand)]
    Identifiers(IdentifiersCommand),
}

#[derive(Subcommand)]
enum IdentifiersCommand {
    /// List the managed identifiers and whether the default selection uses them.
    List,
}

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
enum OutputFormat {
    /// Findings for people on standard output.
    Human,
    /// One result record per object (trawl.result/v1) on standard output.
    Jsonl,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
#[value(rename_all = "UPPER")]
enum FailOn {
    Low,
    Medium,
    High,
}

#[derive(clap::Args)]
struct ScanArgs {
    /// Files or directories to scan.
    #[arg(required = true, value_name = "TARGET")]
    targets: Vec<PathBuf>,
    /// Output format on standard output.
    #[arg(long, value_enum, default_value = "human")]
    format: OutputFormat,
    /// Occurrences listed per detection type per object (0 lists all; counts stay exact).
    #[arg(long, default_value_t = 1000, value_name = "N")]
    max_occurrences: usize,
    /// Add each occurrence's raw value to the output. Off by default: only masked samples.
    #[arg(long)]
    reveal: bool,
    /// Managed identifiers: RECOMMENDED, ALL, NONE, INCLUDE:ID,ID or EXCLUDE:ID,ID.
    #[arg(long, default_value = "RECOMMENDED", value_name = "SELECTION")]
    identifiers: String,
    /// Exit 1 when a finding at or above this severity exists.
    #[arg(long, value_enum, value_name = "SEVERITY", ignore_case = true)]
    fail_on: Option<FailOn>,
    /// Worker threads (0 = one per core).
    #[arg(short = 'j', long, default_value_t = 0)]
    threads: usize,
    /// Also write the run summary as JSON to this file.
    #[arg(long, value_name = "FILE")]
    summary: Option<PathBuf>,
    /// No human summary on standard error.
    #[arg(short, long)]
    quiet: bool,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Scan(args) => scan(args),
        Command::Identifiers(IdentifiersCommand::List) => list_identifiers(),
    };
    match result {
        Ok(status) => ExitCode::from(status as u8),
        Err(e) => {
            if is_broken_pipe(&e) {
                return ExitCode::from(ExitStatus::Ok as u8);
            }
            eprintln!("trawl: error: {e:#}");
            ExitCode::from(ExitStatus::Error as u8)
        }
    }
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<io::Error>()
            .is_some_and(|io| io.kind() == io::ErrorKind::BrokenPipe)
            || matches!(
                c.downcast_ref::<trawl_scanner::Error>(),
                Some(trawl_scanner::Error::Sink(io)) if io.kind() == io::ErrorKind::BrokenPipe
            )
    })
}

fn list_identifiers() -> Result<ExitStatus> {
    let catalog = Catalog::builtin();
    let mut out = io::stdout().lock();
    writeln!(
        out,
        "{:<40} {:<12} {:<10} {:<11} DESCRIPTION",
        "ID", "CATEGORY", "KEYWORD", "DEFAULT"
    )?;
    for i in catalog.identifiers() {
        let kw = match (&i.keyword_rule, &i.twin_of) {
            (_, Some(_)) => "absent",
            (KeywordRule::Required, _) => "required",
            (KeywordRule::Twin(_), _) => "present",
            _ => "-",
        };
        writeln!(
            out,
            "{:<40} {:<12} {:<10} {:<11} {}",
            i.id,
            i.category.as_str(),
            kw,
            if i.recommended { "RECOMMENDED" } else { "-" },
            i.description
        )?;
    }
    Ok(ExitStatus::Ok)
}

struct HumanSink<W: Write> {
    out: W,
}

impl<W: Write> RecordSink for HumanSink<W> {
    fn record(&mut self, record: &ResultRecord) -> io::Result<()> {
        human::write_record(&mut self.out, record)
    }
    fn finish(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

fn scan(args: ScanArgs) -> Result<ExitStatus> {
    let selection = Selection::parse(&args.identifiers).context("--identifiers")?;
    let engine = EngineBuilder::new()
        .selection(selection)
        .build()
        .context("building the identifier engine")?;
    let config = ScanConfig {
        threads: args.threads,
        limits: Limits::default(),
        record: RecordOptions {
            max_occurrences: args.max_occurrences,
            reveal: args.reveal,
            run_id: trawl_scanner::new_run_id(),
            job_id: None,
        },
    };
    let targets: Vec<Target> = args.targets.iter().cloned().map(Target::Local).collect();
    let stdout = io::stdout();
    let out = io::BufWriter::with_capacity(64 * 1024, stdout.lock());
    let mut notice = |n: &Notice| match n {
        Notice::Walk(w) => eprintln!(
            "trawl: warning: cannot list {}: {}",
            w.path.display(),
            w.error
        ),
        Notice::Target(p, e) => eprintln!("trawl: error: cannot scan {}: {e}", p.display()),
    };
    let summary: Summary = match args.format {
        OutputFormat::Jsonl => {
            let mut sink = JsonlSink::new(out);
            pipeline::run(&targets, &engine, &config, &mut sink, &mut notice)?
        }
        OutputFormat::Human => {
            let mut sink = HumanSink { out };
            pipeline::run(&targets, &engine, &config, &mut sink, &mut notice)?
        }
    };
    if let Some(path) = &args.summary {
        let text = serde_json::to_string_pretty(&summary)?;
        std::fs::write(path, text + "\n")
            .with_context(|| format!("writing the summary to {}", path.display()))?;
    }
    if !args.quiet {
        human::write_summary(&mut io::stderr().lock(), &summary)?;
    }
    let threshold = args.fail_on.map(|f| match f {
        FailOn::Low => Severity::Low,
        FailOn::Medium => Severity::Medium,
        FailOn::High => Severity::High,
    });
    Ok(match (threshold, summary.highest_severity()) {
        (Some(t), Some(h)) if h >= t => ExitStatus::Findings,
        _ => ExitStatus::Ok,
    })
}
