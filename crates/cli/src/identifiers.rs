//! `trawl identifiers`: list the catalogue (filtered by category, country and tag) and test an
//! identifier on text from standard input.

use std::io::{self, Read, Write};
use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::{Subcommand, ValueEnum};
use trawl_identifiers::groups::{self, Group, Tag};
use trawl_identifiers::{
    Catalog, EngineBuilder, Identifier, KeywordContext, KeywordRule, Selection,
};

use crate::{load_custom, AllowArgs, ExitStatus};

#[derive(Subcommand)]
pub enum IdentifiersCommand {
    /// List the managed identifiers (and custom ones from files) and whether the default
    /// selection uses them.
    List {
        /// Output format.
        #[arg(long, value_enum, default_value = "table")]
        format: ListFormat,
        /// Also list the custom identifiers defined in this file (repeatable).
        #[arg(long, value_name = "FILE")]
        identifiers_file: Vec<PathBuf>,
        #[command(flatten)]
        filter: ListFilter,
    },
    /// Read text from standard input and show what an identifier (a managed id, or a custom
    /// identifier file) finds in it, and why each dropped candidate was dropped.
    Test {
        /// A managed identifier id, or a custom identifier file.
        #[arg(value_name = "ID|FILE")]
        what: String,
        /// Show raw values instead of masked samples.
        #[arg(long)]
        reveal: bool,
        #[command(flatten)]
        allow: AllowArgs,
    },
}

/// Which identifiers `identifiers list` shows: every filter given must hold (a filter given
/// twice is either value).
#[derive(clap::Args, Clone, Default)]
pub struct ListFilter {
    /// Only this category: CREDENTIALS, FINANCIAL, PERSONAL, CUSTOM (repeatable).
    #[arg(long, value_name = "CATEGORY")]
    category: Vec<String>,
    /// Only ids of this country, a two-letter ISO 3166 code such as DE (repeatable).
    #[arg(long, value_name = "CODE")]
    country: Vec<String>,
    /// Only ids with this tag: MACIE, BEYOND_MACIE, RECOMMENDED, VALIDATED, KEYWORD_REQUIRED,
    /// NO_KEYWORD (repeatable).
    #[arg(long, value_name = "TAG")]
    tag: Vec<String>,
}

impl ListFilter {
    /// The filters as groups, one list per kind; a bad value is a one-line error.
    fn groups(&self) -> Result<Vec<Vec<Group>>> {
        let kind = |name: &str, values: &[String]| -> Result<Vec<Group>> {
            values
                .iter()
                .map(|v| {
                    Group::parse(&format!("{name}:{v}"))
                        .unwrap_or_else(|| Err(format!("{v}: not a {name}")))
                        .map_err(|e| anyhow::anyhow!("--{}: {e}", name.to_ascii_lowercase()))
                })
                .collect()
        };
        Ok([
            kind("CATEGORY", &self.category)?,
            kind("COUNTRY", &self.country)?,
            kind("TAG", &self.tag)?,
        ]
        .into_iter()
        .filter(|g| !g.is_empty())
        .collect())
    }
}

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum ListFormat {
    Table,
    Json,
}

/// Runs an `identifiers` subcommand.
pub fn run(command: IdentifiersCommand) -> Result<ExitStatus> {
    match command {
        IdentifiersCommand::List {
            format,
            identifiers_file,
            filter,
        } => list_identifiers(format, &identifiers_file, &filter),
        IdentifiersCommand::Test {
            what,
            reveal,
            allow,
        } => test_identifier(&what, reveal, &allow),
    }
}

fn keyword_column(i: &Identifier) -> &'static str {
    match (&i.keyword_rule, &i.twin_of) {
        (_, Some(_)) => "absent",
        (KeywordRule::Required, _) => "required",
        (KeywordRule::Twin(_), _) => "present",
        _ => "-",
    }
}

fn list_identifiers(
    format: ListFormat,
    files: &[PathBuf],
    filter: &ListFilter,
) -> Result<ExitStatus> {
    let catalog = Catalog::builtin();
    let custom = load_custom(files)?;
    let groups = filter.groups()?;
    let all: Vec<&Identifier> = catalog
        .listed()
        .chain(custom.iter())
        .filter(|i| groups.iter().all(|any| any.iter().any(|g| g.contains(i))))
        .collect();
    let tag_names = |i: &Identifier| -> Vec<&'static str> {
        groups::tags(i).into_iter().map(Tag::as_str).collect()
    };
    let mut out = io::stdout().lock();
    match format {
        ListFormat::Json => {
            for i in all {
                let v = serde_json::json!({
                    "id": i.id,
                    "category": i.category.as_str(),
                    "description": i.description,
                    "keyword": keyword_column(i),
                    "keywords": i.keywords,
                    "recommended": i.recommended,
                    "custom": i.category == trawl_identifiers::Category::Custom,
                    "validator": i.validator.map(|v| v.name()),
                    "country": groups::country(&i.id),
                    "tags": tag_names(i),
                });
                writeln!(out, "{v}")?;
            }
        }
        ListFormat::Table => {
            writeln!(
                out,
                "{:<48} {:<12} {:<7} {:<9} {:<11} DESCRIPTION",
                "ID", "CATEGORY", "COUNTRY", "KEYWORD", "DEFAULT"
            )?;
            for i in all {
                writeln!(
                    out,
                    "{:<48} {:<12} {:<7} {:<9} {:<11} {}",
                    i.id,
                    i.category.as_str(),
                    groups::country(&i.id).unwrap_or("-"),
                    keyword_column(i),
                    if i.recommended { "RECOMMENDED" } else { "-" },
                    i.description
                )?;
            }
        }
    }
    Ok(ExitStatus::Ok)
}

fn test_identifier(what: &str, reveal: bool, allow: &AllowArgs) -> Result<ExitStatus> {
    let catalog = Catalog::builtin();
    let builder = EngineBuilder::new().allow_list(allow.load()?);
    let builder = if catalog.get(what).is_some_and(|i| !i.is_detector_only()) {
        builder.selection(Selection::Include(vec![what.to_string()]))
    } else if std::path::Path::new(what).exists() {
        builder
            .selection(Selection::None)
            .custom(load_custom(&[PathBuf::from(what)])?)
    } else {
        anyhow::bail!("{what} is neither a managed identifier id nor a custom identifier file (see `trawl identifiers list`)");
    };
    let engine = builder.build()?;
    let mut text = Vec::new();
    io::stdin()
        .read_to_end(&mut text)
        .context("reading standard input")?;
    let mut out = io::stdout().lock();
    let mut found = 0;
    for c in engine.explain(&text, &KeywordContext::none(), false) {
        let line = 1 + text[..c.start].iter().filter(|b| **b == b'\n').count();
        let shown = if reveal {
            String::from_utf8_lossy(&text[c.start..c.end]).into_owned()
        } else {
            c.masked.clone()
        };
        match c.outcome {
            Ok(idx) => {
                found += 1;
                writeln!(
                    out,
                    "FOUND    line {line:<5} {:<40} {shown}",
                    engine.identifiers()[idx].id
                )?;
            }
            Err(why) => {
                writeln!(
                    out,
                    "DROPPED  line {line:<5} {:<40} {shown}  ({})",
                    c.entry,
                    why.as_str()
                )?;
            }
        }
    }
    writeln!(out, "{found} found")?;
    Ok(ExitStatus::Ok)
}
