//! `trawl`: find sensitive data in files and object stores.

use std::io::{self, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand, ValueEnum};
use trawl_formats::Limits;
use trawl_identifiers::{
    parse_custom_identifiers, AllowList, EngineBuilder, Identifier, Selection, Severity,
};
use trawl_scanner::RecordOptions;
use trawl_scanner::RecordSink;
use trawl_scanner::ResultRecord;
use trawl_scanner::Summary;
use trawl_scanner::{JsonlSink, SarifSink};
use trawl_scanner::{Notice, ScanConfig, Target};

mod buckets;
mod findings;
mod human;
mod identifiers;
mod job_shards;
mod jobs;
mod progress;
mod report;
mod s3args;

/// Exit statuses, as the output contract fixes them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ExitStatus {
    /// The scan ran.
    Ok = 0,
    /// `--fail-on` was given and a finding at or above it exists; or `findings reveal`
    /// revealed nothing (the object changed or vanished).
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
    /// Scan local files and directories, and S3 buckets.
    Scan(Box<ScanArgs>),
    /// Work with identifiers.
    #[command(subcommand)]
    Identifiers(identifiers::IdentifiersCommand),
    /// Scan jobs: create, list, show, run, pause, resume, cancel, history.
    Job(jobs::JobArgs),
    /// Run jobs on their schedules until stopped (SIGTERM).
    Daemon(jobs::DaemonArgs),
    /// Findings of jobs: list, count, show, reveal, archive, suppression rules.
    Findings(findings::FindingsArgs),
    /// One record per bucket: region, public access, encryption, versioning, replication,
    /// sharing, tags, posture, objects by storage class and what trawl can read.
    Buckets(Box<buckets::BucketsArgs>),
    /// Make a self-contained HTML report from result records (scan JSON Lines, a job run's
    /// results).
    Report(report::ReportArgs),
    /// Print a shell completion script: bash, zsh, fish, powershell or elvish.
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff; `trawl man > trawl.1`).
    Man,
}

#[derive(clap::Args, Clone, Default)]
pub(crate) struct AllowArgs {
    /// Allow list: a text file, one literal a line (whole match, case-insensitive).
    #[arg(long, value_name = "FILE")]
    allow_list: Vec<PathBuf>,
    /// Allow regex: a match it matches whole is not reported (repeatable).
    #[arg(long, value_name = "REGEX")]
    allow_regex: Vec<String>,
}

impl AllowArgs {
    pub(crate) fn load(&self) -> Result<AllowList> {
        let mut allow = AllowList::new();
        for path in &self.allow_list {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("reading allow list {}", path.display()))?;
            allow.add_literals(&path.display().to_string(), &text)?;
        }
        for re in &self.allow_regex {
            allow.add_regex(re)?;
        }
        Ok(allow)
    }
}

pub(crate) fn load_custom(files: &[PathBuf]) -> Result<Vec<Identifier>> {
    let mut all = Vec::new();
    for path in files {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("reading custom identifiers {}", path.display()))?;
        let mut ids = parse_custom_identifiers(&path.display().to_string(), &text)
            .with_context(|| format!("in {}", path.display()))?;
        all.append(&mut ids);
    }
    Ok(all)
}

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
enum OutputFormat {
    /// Findings for people on standard output.
    Human,
    /// One result record per object (trawl.result/v1) on standard output.
    Jsonl,
    /// SARIF 2.1.0 for code-scanning tools (GitHub, GitLab, Azure DevOps), masked samples only.
    Sarif,
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
    /// Files, directories, `s3://bucket[/prefix]`, `s3://` for every bucket, or `-` for
    /// standard input.
    #[arg(required = true, value_name = "TARGET")]
    targets: Vec<String>,
    /// Output format on standard output.
    #[arg(long, value_enum, default_value = "human")]
    format: OutputFormat,
    /// Progress on standard error: auto (when it is a terminal), always (plain lines every
    /// few seconds when it is not), never.
    #[arg(long, value_enum, default_value = "auto", value_name = "WHEN")]
    progress: progress::ProgressChoice,
    /// Colour in human output: auto (a terminal, and NO_COLOR not set), always, never.
    #[arg(long, value_enum, default_value = "auto", value_name = "WHEN")]
    color: human::ColorChoice,
    /// Occurrences listed per detection type per object (0 lists all; counts stay exact).
    #[arg(long, default_value_t = 1000, value_name = "N")]
    max_occurrences: usize,
    /// Add each occurrence's raw value to the output. Off by default: only masked samples.
    #[arg(long)]
    reveal: bool,
    /// Managed identifiers: RECOMMENDED, ALL, NONE, INCLUDE:ID,ID or EXCLUDE:ID,ID.
    #[arg(long, default_value = "RECOMMENDED", value_name = "SELECTION")]
    identifiers: String,
    /// Custom identifiers from a TOML, YAML or Macie JSON file (repeatable).
    #[arg(long, value_name = "FILE")]
    identifiers_file: Vec<PathBuf>,
    #[command(flatten)]
    allow: AllowArgs,
    /// Exit 1 when a finding at or above this severity exists.
    #[arg(long, value_enum, value_name = "SEVERITY", ignore_case = true)]
    fail_on: Option<FailOn>,
    /// Worker threads (0 = one per core).
    #[arg(short = 'j', long, default_value_t = 0)]
    threads: usize,
    /// List what would be scanned (objects and bytes by format and storage class, what the
    /// scope leaves out and why, an estimate of the time) without reading any content.
    #[arg(long)]
    dry_run: bool,
    /// Also write the run summary as JSON to this file.
    #[arg(long, value_name = "FILE")]
    summary: Option<PathBuf>,
    /// No human summary on standard error.
    #[arg(short, long)]
    quiet: bool,
    #[command(flatten)]
    limits: LimitArgs,
    #[command(flatten)]
    scope: s3args::ScopeArgs,
    #[command(flatten)]
    s3: s3args::S3Args,
}

/// Extraction limits (defaults from Amazon Macie's quotas).
#[derive(clap::Args, Clone)]
struct LimitArgs {
    /// Archive and compression levels read (deeper content: ARCHIVE_NESTING_LEVEL_OVER_LIMIT).
    #[arg(long, default_value_t = 10, value_name = "N")]
    max_depth: usize,
    /// Archive members read per object.
    #[arg(long, default_value_t = 1_000_000, value_name = "N")]
    max_members: u64,
    /// Decompressed bytes per object.
    #[arg(long, default_value_t = 10_000_000_000, value_name = "BYTES")]
    max_extracted_bytes: u64,
    /// Decompressed bytes per archive member.
    #[arg(long, default_value_t = 3_000_000_000, value_name = "BYTES")]
    max_member_bytes: u64,
    /// Expansion ratio (decompressed / compressed) that stops a member past 100 MiB.
    #[arg(long, default_value_t = 1000, value_name = "RATIO")]
    max_expansion_ratio: u64,
    /// JSON nesting levels read.
    #[arg(long, default_value_t = 256, value_name = "N")]
    max_json_depth: usize,
    /// Seconds per object (TIME_CUT_OFF_REACHED past it, with what was read); 0: no limit.
    #[arg(long, value_name = "SECONDS", default_value_t = trawl_formats::DEFAULT_TIME_BUDGET.as_secs_f64())]
    time_budget: f64,
}

impl LimitArgs {
    fn limits(&self) -> Result<Limits> {
        let time_budget = match self.time_budget {
            0.0 => None,
            s if s.is_finite() && s > 0.0 => Some(std::time::Duration::from_secs_f64(s)),
            s => anyhow::bail!("--time-budget: {s} is not a number of seconds"),
        };
        Ok(Limits {
            max_depth: self.max_depth,
            max_members: self.max_members,
            max_total_bytes: self.max_extracted_bytes,
            max_member_bytes: self.max_member_bytes,
            max_ratio: self.max_expansion_ratio,
            json_max_depth: self.max_json_depth,
            time_budget,
            ..Limits::default()
        })
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Scan(args) => scan(*args),
        Command::Identifiers(command) => identifiers::run(command),
        Command::Job(args) => jobs::job(args),
        Command::Daemon(args) => jobs::daemon(args),
        Command::Findings(args) => findings::run(args),
        Command::Report(args) => report::run(args),
        Command::Buckets(args) => buckets::run(*args),
        Command::Completions { shell } => {
            let mut cmd = <Cli as clap::CommandFactory>::command();
            clap_complete::generate(shell, &mut cmd, "trawl", &mut io::stdout());
            Ok(ExitStatus::Ok)
        }
        Command::Man => clap_mangen::Man::new(<Cli as clap::CommandFactory>::command())
            .render(&mut io::stdout())
            .map(|_| ExitStatus::Ok)
            .map_err(anyhow::Error::from),
    };
    match result {
        Ok(status) => ExitCode::from(status as u8),
        Err(e) => {
            if is_broken_pipe(&e) {
                return ExitCode::from(ExitStatus::Ok as u8);
            }
            // Each target's failure was printed as it happened: say it once.
            if matches!(
                e.downcast_ref::<trawl_scanner::Error>(),
                Some(trawl_scanner::Error::NothingScanned(_))
            ) {
                eprintln!("trawl: error: nothing was scanned (every target failed, as said above)");
                return ExitCode::from(ExitStatus::Error as u8);
            }
            eprintln!("trawl: error: {}", one_line(&e));
            ExitCode::from(ExitStatus::Error as u8)
        }
    }
}

/// The error and its causes in one line, each said once: many errors print their source in
/// their own message, and the source would follow it again.
fn one_line(e: &anyhow::Error) -> String {
    let mut line = String::new();
    for cause in e.chain() {
        let part = cause.to_string();
        if part.is_empty() || line.contains(&part) {
            continue;
        }
        if !line.is_empty() {
            line.push_str(": ");
        }
        line.push_str(&part);
    }
    line
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

struct HumanSink<W: Write> {
    out: W,
    human: human::Human,
}

impl<W: Write> RecordSink for HumanSink<W> {
    fn record(&mut self, record: &ResultRecord) -> io::Result<()> {
        self.human.write_record(&mut self.out, record)
    }
    fn finish(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

fn scan(args: ScanArgs) -> Result<ExitStatus> {
    let selection = Selection::parse(&args.identifiers).context("--identifiers")?;
    // Never dropped: the process ends with the scan, and freeing the engine's many small
    // tables one by one cost a tenth of the start-up of a short scan with ALL.
    let engine = std::mem::ManuallyDrop::new(
        EngineBuilder::new()
            .selection(selection)
            .custom(load_custom(&args.identifiers_file)?)
            .allow_list(args.allow.load()?)
            .build()
            .context("building the identifier engine")?,
    );
    let counters = std::sync::Arc::new(trawl_scanner::ScanProgress::default());
    let config = ScanConfig {
        progress: Some(counters.clone()),
        threads: args.threads,
        limits: args.limits.limits()?,
        record: RecordOptions {
            value_key: None,
            max_occurrences: args.max_occurrences,
            reveal: args.reveal,
            run_id: trawl_scanner::new_run_id(),
            job_id: None,
        },
        scope: args.scope.scope()?,
        s3: args.s3.options()?,
        ..Default::default()
    };
    if args.targets.iter().filter(|t| *t == "-").count() > 1 {
        anyhow::bail!("target -: standard input can be given once");
    }
    let targets = args
        .targets
        .iter()
        .map(|t| match t.as_str() {
            "-" => Ok(Target::Stdin),
            _ => Target::parse(t).map_err(|e| anyhow::anyhow!("target {e}")),
        })
        .collect::<Result<Vec<Target>>>()?;
    if config.s3.inventory.is_some()
        && !targets
            .iter()
            .all(|t| matches!(t, Target::S3(s) if s.bucket.is_some()))
    {
        anyhow::bail!(
            "--inventory lists the objects of the bucket it inventories: give that bucket as \
             s3://BUCKET[/PREFIX], and no other target"
        );
    }
    let stdout = io::stdout();
    let out = io::BufWriter::with_capacity(64 * 1024, stdout.lock());
    let mut notice = |n: &Notice| match n {
        Notice::Walk(w) => eprintln!(
            "trawl: warning: cannot list {}: {}",
            w.path.display(),
            w.error
        ),
        Notice::Target { target, error } => {
            eprintln!("trawl: error: cannot scan {target}: {error}")
        }
        Notice::Warning(w) => eprintln!("trawl: warning: {w}"),
        // Counted in the summary, each named in --summary and in a dry run.
        Notice::BucketLeftOut { .. } => {}
        Notice::AccountLeftOut { account, why } => {
            eprintln!("trawl: error: cannot enter account {account}: {why}")
        }
        Notice::Posture(f) => eprintln!(
            "trawl: posture: {} {} [{}]: {}",
            f.bucket,
            f.finding_type,
            f.severity.as_str(),
            f.description
        ),
    };
    if args.dry_run && args.format == OutputFormat::Sarif {
        anyhow::bail!("--dry-run writes a plan, not findings: use --format human or jsonl");
    }
    if args.dry_run {
        let plan = trawl_scanner::plan(&targets, &config, &mut notice)?;
        let mut out = io::stdout().lock();
        match args.format {
            OutputFormat::Jsonl => writeln!(out, "{}", serde_json::to_string(&plan)?)?,
            OutputFormat::Sarif => {}
            OutputFormat::Human => {
                let per_thread = if args.identifiers.eq_ignore_ascii_case("ALL") {
                    human::BENCH_ALL_MB_S
                } else {
                    human::BENCH_RECOMMENDED_MB_S
                };
                let threads = match args.threads {
                    0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
                    n => n,
                };
                human::write_plan(&mut out, &plan, per_thread, threads)?;
            }
        }
        return Ok(ExitStatus::Ok);
    }
    let shown = progress::Progress::start(args.progress, counters);
    let result = match args.format {
        OutputFormat::Jsonl => {
            let mut sink = JsonlSink::new(out);
            trawl_scanner::run(&targets, &engine, &config, &mut sink, &mut notice)
        }
        OutputFormat::Sarif => {
            let mut sink = SarifSink::new(
                out,
                engine.identifiers(),
                trawl_scanner::DisplayPaths::new(&targets),
                env!("CARGO_PKG_VERSION"),
            );
            trawl_scanner::run(&targets, &engine, &config, &mut sink, &mut notice)
        }
        OutputFormat::Human => {
            use std::io::IsTerminal;
            let color = human::use_color(args.color, io::stdout().is_terminal());
            let mut sink = HumanSink {
                out,
                human: human::Human::new(&targets, color),
            };
            trawl_scanner::run(&targets, &engine, &config, &mut sink, &mut notice)
        }
    };
    if let Some(p) = shown {
        p.finish();
    }
    let summary: Summary = result?;
    if let Some(path) = &args.summary {
        let text = serde_json::to_string_pretty(&summary)?;
        trawl_scanner::private_file::write(path, (text + "\n").as_bytes())
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
