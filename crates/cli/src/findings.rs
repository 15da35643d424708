//! `trawl findings ...`: the findings of jobs, counted, shown, revealed, archived, and the
//! suppression rules that archive them.

use std::io::{self, Write};

use anyhow::{Context, Result};
use clap::{Args, Subcommand, ValueEnum};
use trawl_identifiers::Severity;
use trawl_jobs::{
    now_text, parse_time, reveal_finding, BucketScore, FindingFilter, FindingRow, GroupBy, Reveal,
    RuleAction, StatsRow, Store, Suppression, ValueGroup,
};

use crate::jobs::{Format, StateArg};
use crate::ExitStatus;

/// `trawl findings`.
#[derive(Args)]
pub struct FindingsArgs {
    #[command(flatten)]
    state: StateArg,
    #[command(subcommand)]
    command: FindingsCommand,
}

/// The fields a finding is selected by, shared by listing, counting and rules.
#[derive(Args, Default, Clone)]
struct FindingSelect {
    /// Job id or name.
    #[arg(long)]
    job: Option<String>,
    /// S3 bucket.
    #[arg(long)]
    bucket: Option<String>,
    /// Key prefix (S3 key, or path relative to a local target).
    #[arg(long)]
    key_prefix: Option<String>,
    /// Identifier type (CREDIT_CARD_NUMBER, ...) or Macie finding type (SensitiveData:S3Object/Financial).
    #[arg(long = "type", value_name = "TYPE")]
    kind: Option<String>,
    /// Category: CREDENTIALS, FINANCIAL, PERSONAL, CUSTOM.
    #[arg(long)]
    category: Option<String>,
}

/// The filters of `findings list` and `findings stats`.
#[derive(Args, Clone)]
struct ListFilter {
    #[command(flatten)]
    select: FindingSelect,
    /// Run id.
    #[arg(long)]
    run: Option<String>,
    /// This severity or higher: LOW, MEDIUM, HIGH.
    #[arg(long)]
    severity: Option<String>,
    /// Found at or after this time (RFC 3339, or a date 2026-01-31).
    #[arg(long)]
    since: Option<String>,
    /// Include archived (suppressed) findings.
    #[arg(long)]
    archived: bool,
    /// Only what suppression rule ID covers (a saved query; NOOP rules are for this).
    #[arg(long, value_name = "ID")]
    rule: Option<i64>,
    /// At most N (0 = all).
    #[arg(long, default_value_t = 0)]
    limit: usize,
}

/// What `findings stats` groups by.
#[derive(Clone, Copy, Debug, ValueEnum)]
enum StatsGroup {
    Type,
    Category,
    Severity,
    Bucket,
    Account,
    Job,
}

/// The rule fields of `findings suppress` and `findings rules edit`.
#[derive(Args, Default, Clone)]
struct RuleFields {
    #[command(flatten)]
    select: FindingSelect,
    /// Only findings of this severity or lower.
    #[arg(long)]
    severity: Option<String>,
    /// A name for the rule.
    #[arg(long)]
    name: Option<String>,
    /// Why the rule exists.
    #[arg(long)]
    description: Option<String>,
    /// ARCHIVE (default) archives what the rule covers; NOOP only saves the query.
    #[arg(long, value_parser = parse_action)]
    action: Option<RuleAction>,
}

fn parse_action(s: &str) -> std::result::Result<RuleAction, String> {
    RuleAction::parse(s).ok_or_else(|| format!("{s}: expected ARCHIVE or NOOP"))
}

#[derive(Subcommand)]
enum FindingsCommand {
    /// List findings, newest first (archived ones only with --archived).
    List {
        #[command(flatten)]
        filter: ListFilter,
        /// Group the findings by the values they hold (a keyed hash of each value, never the
        /// value): the same secret in many objects is one line.
        #[arg(long)]
        group_by_value: bool,
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
    },
    /// Count findings and occurrences by type, category, severity, bucket, account or job.
    Stats {
        /// What to count by.
        #[arg(long, value_enum)]
        group_by: StatsGroup,
        #[command(flatten)]
        filter: ListFilter,
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
    },
    /// Show one finding (its Macie-shaped detail) as JSON.
    Show {
        /// Finding id (or a unique prefix).
        id: String,
    },
    /// Read the finding's object again and print the raw values at its stored locations (at
    /// most 10 per type); nothing when the object changed or vanished. Recorded with who asked.
    Reveal {
        /// Finding id (or a unique prefix).
        id: String,
        /// Output: text, or the JSON document.
        #[arg(long)]
        json: bool,
    },
    /// Who revealed what and when (of one finding, or all).
    Reveals {
        /// Finding id.
        id: Option<String>,
    },
    /// Archive one finding by hand.
    Archive {
        /// Finding id (or a unique prefix).
        id: String,
    },
    /// Unarchive one finding (whatever archived it).
    Unarchive {
        /// Finding id (or a unique prefix).
        id: String,
    },
    /// Add a suppression rule: matching findings, existing and future, are archived and not
    /// published as events (or, with --action NOOP, only selected by `list --rule`).
    Suppress {
        #[command(flatten)]
        fields: Box<RuleFields>,
    },
    /// Buckets' cumulative sensitivity scores (local targets by path), or one bucket's;
    /// with options, change what its score counts or set it by hand.
    Score {
        /// Bucket (or local target path).
        bucket: Option<String>,
        /// Leave an identifier type out of the bucket's score (repeatable).
        #[arg(long, value_name = "TYPE", requires = "bucket")]
        exclude: Vec<String>,
        /// Count an excluded type again (repeatable).
        #[arg(long, value_name = "TYPE", requires = "bucket")]
        include: Vec<String>,
        /// Set the score by hand to 100 (sensitive), whatever the data says.
        #[arg(long, requires = "bucket", conflicts_with = "reset")]
        mark_sensitive: bool,
        /// Go back to the calculated score.
        #[arg(long, requires = "bucket")]
        reset: bool,
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
    },
    /// Suppression rules: list (the default), show, edit, delete.
    Rules {
        #[command(subcommand)]
        command: Option<RulesCommand>,
    },
}

#[derive(Subcommand)]
enum RulesCommand {
    /// Every rule, one JSON object a line.
    List,
    /// One rule as JSON.
    Show {
        /// Rule id.
        id: i64,
    },
    /// Change a rule's fields (those given; --clear FIELD empties one) and re-apply it.
    Edit {
        /// Rule id.
        id: i64,
        #[command(flatten)]
        fields: Box<RuleFields>,
        /// Empty a field: job, type, category, bucket, key-prefix, severity, name, description.
        #[arg(long, value_name = "FIELD")]
        clear: Vec<String>,
    },
    /// Delete a rule; what only it archived is unarchived.
    Delete {
        /// Rule id.
        id: i64,
    },
}

pub(crate) fn check_severity(s: &Option<String>) -> Result<Option<Severity>> {
    match s {
        None => Ok(None),
        Some(v) => match Severity::parse(&v.to_ascii_uppercase()) {
            Some(s) => Ok(Some(s)),
            None => anyhow::bail!("--severity {v}: expected LOW, MEDIUM or HIGH"),
        },
    }
}

/// Who runs this command, as rules and reveals record it.
pub(crate) fn current_user() -> String {
    ["TRAWL_USER", "USER", "LOGNAME", "USERNAME"]
        .iter()
        .find_map(|v| std::env::var(v).ok().filter(|s| !s.is_empty()))
        .unwrap_or_else(|| "unknown".into())
}

impl ListFilter {
    fn to_filter(&self, store: &Store) -> Result<FindingFilter> {
        let since = self
            .since
            .as_ref()
            .map(|s| {
                if s.len() == 10 {
                    Ok(format!("{s}T00:00:00.000Z"))
                } else {
                    parse_time(s)
                        .map(now_text)
                        .with_context(|| format!("--since {s}: not an RFC 3339 time or a date"))
                }
            })
            .transpose()?;
        let select = self.select.clone();
        let filter = FindingFilter {
            job: select.job,
            run: self.run.clone(),
            bucket: select.bucket,
            key_prefix: select.key_prefix,
            kind: select.kind,
            category: select.category.map(|c| c.to_ascii_uppercase()),
            severity: check_severity(&self.severity)?,
            since,
            archived: self.archived,
            limit: self.limit,
            max_severity: None,
        };
        match self.rule {
            None => Ok(filter),
            Some(id) => {
                let rule = store.suppression(id)?;
                filter
                    .and_rule(&rule)
                    .map_err(|e| anyhow::anyhow!("--rule {id}: {e}"))
            }
        }
    }
}

fn detections_short(f: &FindingRow) -> String {
    f.detections
        .iter()
        .map(|d| format!("{}:{}", d.0, d.3))
        .collect::<Vec<_>>()
        .join(",")
}

fn write_findings(out: &mut dyn Write, rows: &[FindingRow], format: Format) -> Result<()> {
    match format {
        Format::Table => {
            writeln!(
                out,
                "{:<32}  {:<24}  {:<6}  {:<36}  {:<40}  DETECTIONS",
                "ID", "CREATED", "SEV", "TYPE", "OBJECT"
            )?;
            for f in rows {
                writeln!(
                    out,
                    "{:<32}  {:<24}  {:<6}  {:<36}  {:<40}  {}{}",
                    f.id,
                    f.created_at,
                    f.severity.as_str(),
                    f.finding_type,
                    f.uri,
                    detections_short(f),
                    if f.archived { "  (archived)" } else { "" }
                )?;
            }
        }
        Format::Json => writeln!(out, "{}", serde_json::to_string_pretty(rows)?)?,
        Format::Jsonl => {
            for f in rows {
                writeln!(out, "{}", serde_json::to_string(f)?)?;
            }
        }
    }
    Ok(())
}

fn write_value_groups(out: &mut dyn Write, groups: &[ValueGroup], format: Format) -> Result<()> {
    match format {
        Format::Table => {
            writeln!(
                out,
                "{:<16}  {:<36}  {:>8}  OBJECTS",
                "VALUE", "TYPE", "FINDINGS"
            )?;
            for g in groups {
                let shown: Vec<&str> = g.objects.iter().take(3).map(String::as_str).collect();
                let more = g.findings as usize - shown.len();
                writeln!(
                    out,
                    "{:<16}  {:<36}  {:>8}  {}{}",
                    &g.value_id[..16.min(g.value_id.len())],
                    g.kind,
                    g.findings,
                    shown.join(", "),
                    if more > 0 {
                        format!(" and {more} more")
                    } else {
                        String::new()
                    }
                )?;
            }
        }
        Format::Json => writeln!(out, "{}", serde_json::to_string_pretty(groups)?)?,
        Format::Jsonl => {
            for g in groups {
                writeln!(out, "{}", serde_json::to_string(g)?)?;
            }
        }
    }
    Ok(())
}

fn write_scores(out: &mut dyn Write, scores: &[BucketScore], format: Format) -> Result<()> {
    match format {
        Format::Table => {
            let width = scores
                .iter()
                .map(|s| s.bucket.len())
                .max()
                .unwrap_or(6)
                .max(6);
            writeln!(
                out,
                "{:<width$}  {:>5}  {:>8}  {:>9}  {:>14}  {:>9}  EXCLUDED",
                "BUCKET", "SCORE", "OBJECTS", "ANALYSED", "BYTES ANALYSED", "SENSITIVE"
            )?;
            for s in scores {
                writeln!(
                    out,
                    "{:<width$}  {:>5}  {:>8}  {:>9}  {:>14}  {:>9}  {}{}",
                    s.bucket,
                    s.sensitivity_score,
                    s.objects,
                    s.objects_analysed,
                    s.bytes_analysed,
                    s.objects_sensitive,
                    s.excluded_types.join(","),
                    if s.overridden { "  (set by hand)" } else { "" }
                )?;
            }
        }
        Format::Json => writeln!(out, "{}", serde_json::to_string_pretty(scores)?)?,
        Format::Jsonl => {
            for s in scores {
                writeln!(out, "{}", serde_json::to_string(s)?)?;
            }
        }
    }
    Ok(())
}

fn write_stats(out: &mut dyn Write, rows: &[StatsRow], format: Format) -> Result<()> {
    match format {
        Format::Table => {
            let width = rows.iter().map(|r| r.key.len()).max().unwrap_or(5).max(5);
            let scored = rows.iter().any(|r| r.sensitivity_score.is_some());
            write!(
                out,
                "{:<width$}  {:>10}  {:>12}",
                "GROUP", "FINDINGS", "OCCURRENCES"
            )?;
            if scored {
                write!(
                    out,
                    "  {:>5}  {:>9}  {:>14}",
                    "SCORE", "ANALYSED", "BYTES ANALYSED"
                )?;
            }
            writeln!(out)?;
            for r in rows {
                write!(
                    out,
                    "{:<width$}  {:>10}  {:>12}",
                    r.key, r.findings, r.occurrences
                )?;
                if scored {
                    let show = |v: Option<String>| v.unwrap_or_else(|| "-".into());
                    write!(
                        out,
                        "  {:>5}  {:>9}  {:>14}",
                        show(r.sensitivity_score.map(|s| s.to_string())),
                        show(r.objects_analysed.map(|s| s.to_string())),
                        show(r.bytes_analysed.map(|s| s.to_string()))
                    )?;
                }
                writeln!(out)?;
            }
        }
        Format::Json => writeln!(out, "{}", serde_json::to_string_pretty(rows)?)?,
        Format::Jsonl => {
            for r in rows {
                writeln!(out, "{}", serde_json::to_string(r)?)?;
            }
        }
    }
    Ok(())
}

impl RuleFields {
    /// Applies the given fields to `rule` (a new one or one being edited).
    fn apply(self, store: &Store, rule: &mut Suppression) -> Result<()> {
        if let Some(j) = self.select.job {
            rule.job = Some(store.job(&j)?.id);
        }
        if let Some(v) = self.select.kind {
            rule.kind = Some(v);
        }
        if let Some(v) = self.select.category {
            rule.category = Some(v.to_ascii_uppercase());
        }
        if let Some(v) = self.select.bucket {
            rule.bucket = Some(v);
        }
        if let Some(v) = self.select.key_prefix {
            rule.key_prefix = Some(v);
        }
        if let Some(v) = check_severity(&self.severity)? {
            rule.severity = Some(v);
        }
        if let Some(v) = self.name {
            rule.name = Some(v);
        }
        if let Some(v) = self.description {
            rule.description = Some(v);
        }
        if let Some(v) = self.action {
            rule.action = v;
        }
        Ok(())
    }
}

fn clear_field(rule: &mut Suppression, field: &str) -> Result<()> {
    match field {
        "job" => rule.job = None,
        "type" => rule.kind = None,
        "category" => rule.category = None,
        "bucket" => rule.bucket = None,
        "key-prefix" | "key_prefix" => rule.key_prefix = None,
        "severity" => rule.severity = None,
        "name" => rule.name = None,
        "description" => rule.description = None,
        other => anyhow::bail!(
            "--clear {other}: expected job, type, category, bucket, key-prefix, severity, name or description"
        ),
    }
    Ok(())
}

const EMPTY_RULE: &str =
    "a rule needs at least one of --job, --type, --category, --bucket, --key-prefix, --severity";

fn rules(store: &mut Store, command: RulesCommand, out: &mut dyn Write) -> Result<()> {
    match command {
        RulesCommand::List => {
            for r in store.suppressions()? {
                writeln!(out, "{}", serde_json::to_string(&r)?)?;
            }
        }
        RulesCommand::Show { id } => {
            writeln!(
                out,
                "{}",
                serde_json::to_string_pretty(&store.suppression(id)?)?
            )?;
        }
        RulesCommand::Edit { id, fields, clear } => {
            let mut rule = store.suppression(id)?;
            for c in &clear {
                clear_field(&mut rule, c)?;
            }
            fields.apply(store, &mut rule)?;
            if rule.is_empty() {
                anyhow::bail!("{EMPTY_RULE}");
            }
            let (archived, freed) = store.update_suppression(&rule, chrono::Utc::now())?;
            eprintln!(
                "trawl: suppression rule {id} changed; it archives {archived} finding(s), {freed} unarchived"
            );
        }
        RulesCommand::Delete { id } => {
            let freed = store.delete_suppression(id)?;
            eprintln!("trawl: suppression rule {id} deleted; {freed} finding(s) unarchived");
        }
    }
    Ok(())
}

/// A reveal for people: the object, then each type's values with their locations.
fn write_reveal(out: &mut dyn Write, r: &Reveal) -> Result<()> {
    match r {
        Reveal::Revealed {
            finding_id,
            uri,
            types,
        } => {
            writeln!(out, "finding {finding_id}: {uri} (read again, unchanged)")?;
            for t in types {
                writeln!(out, "{}", t.kind)?;
                for v in &t.values {
                    writeln!(out, "  {}: {}", location_text(&v.location), v.value)?;
                }
                if t.not_found > 0 {
                    writeln!(
                        out,
                        "  ({} stored location(s) hold no {} any more)",
                        t.not_found, t.kind
                    )?;
                }
            }
        }
        Reveal::Changed {
            finding_id,
            uri,
            reason,
        } => writeln!(
            out,
            "finding {finding_id}: {uri}: {reason}; nothing revealed (run the job again)"
        )?,
        Reveal::Vanished { finding_id, uri } => {
            writeln!(out, "finding {finding_id}: {uri} is gone; nothing revealed")?
        }
    }
    Ok(())
}

/// A stored location in a few words: member, then line and column, cell, record or page.
fn location_text(loc: &serde_json::Value) -> String {
    let mut parts = Vec::new();
    if let Some(m) = loc["member"].as_array() {
        let names: Vec<&str> = m.iter().filter_map(|v| v.as_str()).collect();
        parts.push(format!("in {}", names.join(" > ")));
    }
    if let Some(l) = loc["lineRanges"].get(0) {
        parts.push(format!("line {}, column {}", l["start"], l["startColumn"]));
    } else if let Some(c) = loc["cells"].get(0) {
        match c["cellReference"].as_str() {
            Some(r) => parts.push(format!("cell {r}")),
            None => parts.push(format!("row {}, column {}", c["row"], c["column"])),
        }
    } else if let Some(r) = loc["records"].get(0) {
        parts.push(format!(
            "record {} {}",
            r["recordIndex"],
            r["jsonPath"].as_str().unwrap_or("")
        ));
    } else if let Some(p) = loc["pages"].get(0) {
        parts.push(format!("page {}", p["pageNumber"]));
    }
    if parts.is_empty() {
        if let Some(o) = loc["offsetRanges"].get(0) {
            parts.push(format!("bytes {}..{}", o["start"], o["end"]));
        }
    }
    parts.join(", ")
}

/// `trawl findings ...`.
pub fn run(args: FindingsArgs) -> Result<ExitStatus> {
    let (_, mut store) = args.state.open()?;
    let mut out = io::stdout().lock();
    match args.command {
        FindingsCommand::List {
            filter,
            group_by_value,
            format,
        } => {
            let filter = filter.to_filter(&store)?;
            if group_by_value {
                write_value_groups(&mut out, &store.findings_by_value(&filter)?, format)?;
            } else {
                write_findings(&mut out, &store.findings(&filter)?, format)?;
            }
        }
        FindingsCommand::Stats {
            group_by,
            filter,
            format,
        } => {
            let group = match group_by {
                StatsGroup::Type => GroupBy::Type,
                StatsGroup::Category => GroupBy::Category,
                StatsGroup::Severity => GroupBy::Severity,
                StatsGroup::Bucket => GroupBy::Bucket,
                StatsGroup::Account => GroupBy::Account,
                StatsGroup::Job => GroupBy::Job,
            };
            let rows = store.finding_stats(&filter.to_filter(&store)?, group)?;
            write_stats(&mut out, &rows, format)?;
        }
        FindingsCommand::Show { id } => {
            let f = store.finding(&id)?;
            writeln!(out, "{}", serde_json::to_string_pretty(&f)?)?;
        }
        FindingsCommand::Reveal { id, json } => {
            let path = store.path().to_path_buf();
            drop(store);
            let revealed = reveal_finding(&path, &id, &current_user())?;
            if json {
                writeln!(out, "{}", serde_json::to_string_pretty(&revealed)?)?;
            } else {
                write_reveal(&mut out, &revealed)?;
            }
            return Ok(match revealed {
                Reveal::Revealed { .. } => ExitStatus::Ok,
                _ => ExitStatus::Findings,
            });
        }
        FindingsCommand::Reveals { id } => {
            let id = id.map(|i| store.finding(&i).map(|f| f.id)).transpose()?;
            for r in store.reveals(id.as_deref())? {
                writeln!(out, "{}", serde_json::to_string(&r)?)?;
            }
        }
        FindingsCommand::Archive { id } => {
            let f = store.archive_finding(&id)?;
            eprintln!("trawl: finding {} archived", f.id);
        }
        FindingsCommand::Unarchive { id } => {
            let f = store.unarchive_finding(&id)?;
            eprintln!("trawl: finding {} unarchived", f.id);
        }
        FindingsCommand::Suppress { fields } => {
            let mut rule = Suppression {
                created_by: current_user(),
                ..Default::default()
            };
            fields.apply(&store, &mut rule)?;
            if rule.is_empty() {
                anyhow::bail!("{EMPTY_RULE}");
            }
            let (id, n) = store.add_suppression(&rule, chrono::Utc::now())?;
            writeln!(out, "{id}")?;
            eprintln!("trawl: suppression rule {id} added; {n} finding(s) archived");
        }
        FindingsCommand::Score {
            bucket,
            exclude,
            include,
            mark_sensitive,
            reset,
            format,
        } => {
            let manual = match (mark_sensitive, reset) {
                (true, _) => Some(Some(100)),
                (_, true) => Some(None),
                _ => None,
            };
            let scores = match &bucket {
                Some(b) if manual.is_some() || !exclude.is_empty() || !include.is_empty() => {
                    vec![store.set_bucket_score(b, &exclude, &include, manual)?]
                }
                other => store.bucket_scores(other.as_deref())?,
            };
            write_scores(&mut out, &scores, format)?;
        }
        FindingsCommand::Rules { command } => {
            rules(&mut store, command.unwrap_or(RulesCommand::List), &mut out)?;
        }
    }
    Ok(ExitStatus::Ok)
}
