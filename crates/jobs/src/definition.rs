//! Job definitions: a TOML or YAML file in the spirit of a Macie classification job, checked
//! field by field, then stored (with the custom identifier and allow-list files it names read
//! in, so that a job's definition never changes under it).

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use trawl_identifiers::{parse_custom_identifiers, AllowList, Engine, EngineBuilder, Selection};
use trawl_scanner::Target;
use trawl_scanner::{Criteria, Scope};

use crate::error::{Error, Result};
use crate::schedule::Schedule;

/// A job file as written.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct JobDefinition {
    /// Name (1-500 characters).
    pub name: String,
    /// Description (up to 200 characters).
    #[serde(default)]
    pub description: String,
    /// `s3://bucket/prefix` and local paths.
    pub targets: Vec<String>,
    /// Object scope.
    #[serde(default)]
    pub scope: ScopeDef,
    /// Percentage of the objects in scope to scan (random objects, each whole); default 100.
    #[serde(default)]
    pub sampling_percentage: Option<f64>,
    /// Identifier selection, custom identifiers and allow lists.
    #[serde(default)]
    pub identifiers: IdentifiersDef,
    /// Limits.
    #[serde(default)]
    pub limits: LimitsDef,
    /// `once`, `daily [HH:MM]`, `weekly DAY [HH:MM]`, `monthly DAY [HH:MM]`, `cron EXPR`.
    #[serde(default = "default_schedule")]
    pub schedule: String,
    /// Whether the first run covers the objects that exist when the job is created (Macie's
    /// "include existing objects"); default true.
    #[serde(default = "yes")]
    pub initial_run: bool,
    /// Where results go.
    #[serde(default)]
    pub results: ResultsDef,
    /// Event sinks.
    #[serde(default)]
    pub events: Vec<SinkDef>,
    /// Account id put in events (default `000000000000`).
    #[serde(default)]
    pub account: Option<String>,
    /// Region put in events and used for S3 (default `us-east-1`).
    #[serde(default)]
    pub region: Option<String>,
    /// S3 access options.
    #[serde(default)]
    pub s3: S3Def,
    /// Transport security for S3, EventBridge and webhooks: CA bundle, client certificate and
    /// key (mutual TLS), and `allow_insecure_endpoint` for plain-http test servers.
    #[serde(default)]
    pub tls: trawl_net::TlsOptions,
    /// Custom identifier files, read when the job is created: `(file name, text)`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub stored_custom_identifiers: Vec<(String, String)>,
    /// Allow-list files, read when the job is created: `(file name, text)`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub stored_allow_lists: Vec<(String, String)>,
}

fn default_schedule() -> String {
    "once".into()
}

fn yes() -> bool {
    true
}

/// Includes and excludes (exclude wins).
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ScopeDef {
    /// Objects must meet every criterion given here.
    #[serde(default)]
    pub include: CriteriaDef,
    /// Objects meeting any criterion given here are left out.
    #[serde(default)]
    pub exclude: CriteriaDef,
}

/// Object criteria.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct CriteriaDef {
    /// Extensions, without the dot.
    #[serde(default)]
    pub extensions: Vec<String>,
    /// Key prefixes (relative to the target for local paths).
    #[serde(default)]
    pub key_prefixes: Vec<String>,
    /// Smallest size in bytes.
    #[serde(default)]
    pub min_size: Option<u64>,
    /// Largest size in bytes.
    #[serde(default)]
    pub max_size: Option<u64>,
    /// Last modified at or after (RFC 3339).
    #[serde(default)]
    pub modified_after: Option<String>,
    /// Last modified before (RFC 3339).
    #[serde(default)]
    pub modified_before: Option<String>,
    /// Tags: `key=value` or `key` (any value).
    #[serde(default)]
    pub tags: Vec<String>,
}

/// Identifier selection.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct IdentifiersDef {
    /// `RECOMMENDED` (default), `ALL`, `INCLUDE`, `EXCLUDE` or `NONE`.
    #[serde(default = "recommended")]
    pub selection: String,
    /// The ids for `INCLUDE` and `EXCLUDE`.
    #[serde(default)]
    pub ids: Vec<String>,
    /// Custom identifier files (TOML, YAML or Macie JSON).
    #[serde(default)]
    pub custom_files: Vec<PathBuf>,
    /// Allow-list files (one literal a line).
    #[serde(default)]
    pub allow_lists: Vec<PathBuf>,
    /// Allow regexes.
    #[serde(default)]
    pub allow_regexes: Vec<String>,
}

impl Default for IdentifiersDef {
    fn default() -> Self {
        IdentifiersDef {
            selection: recommended(),
            ids: Vec::new(),
            custom_files: Vec::new(),
            allow_lists: Vec::new(),
            allow_regexes: Vec::new(),
        }
    }
}

fn recommended() -> String {
    "RECOMMENDED".into()
}

/// Limits.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct LimitsDef {
    /// Occurrences listed per type per object (default 1000; 0 lists all).
    #[serde(default)]
    pub max_occurrences: Option<usize>,
    /// Worker threads (0 = one per core).
    #[serde(default)]
    pub threads: Option<usize>,
    /// Archive nesting levels read.
    #[serde(default)]
    pub max_depth: Option<usize>,
    /// Decompressed bytes per object.
    #[serde(default)]
    pub max_extracted_bytes: Option<u64>,
    /// Seconds per object (default: the formats' default budget, 600).
    #[serde(default)]
    pub time_budget_seconds: Option<f64>,
    /// Objects scanned per run (the rest wait for the next run).
    #[serde(default)]
    pub max_objects_per_run: Option<u64>,
}

/// Where results go.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ResultsDef {
    /// A local directory or `s3://bucket/prefix`; default `results/` beside the state file.
    #[serde(default)]
    pub location: Option<String>,
    /// Records per `.jsonl.gz` file (default 10,000).
    #[serde(default)]
    pub records_per_file: Option<u64>,
    /// S3 endpoint override for an `s3://` location (path-style; a local test server).
    #[serde(default)]
    pub endpoint: Option<String>,
    /// The KMS key (id, ARN or alias) that encrypts results uploaded to S3 (SSE-KMS); without
    /// it, uploads ask for SSE-S3. Results are never uploaded unencrypted.
    #[serde(default)]
    pub kms_key_id: Option<String>,
}

/// S3 access.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct S3Def {
    /// Endpoint override (an S3-compatible server; path-style addressing). Used for results
    /// uploads when `results.endpoint` is not given.
    #[serde(default)]
    pub endpoint: Option<String>,
    /// A named profile of the AWS config files.
    #[serde(default)]
    pub profile: Option<String>,
    /// Path-style addressing (on by itself for IP and localhost endpoints).
    #[serde(default)]
    pub path_style: bool,
    /// Unsigned requests (public buckets).
    #[serde(default)]
    pub no_sign_request: bool,
    /// Assume this role for the scan.
    #[serde(default)]
    pub assume_role: Option<String>,
    /// Scan every version, not only the latest.
    #[serde(default)]
    pub all_versions: bool,
    /// Check bucket settings; posture findings are published as events.
    #[serde(default)]
    pub posture: bool,
    /// GETs in flight (0 = chosen from the cores).
    #[serde(default)]
    pub concurrency: usize,
    /// How often a posture finding still present is published again: `FIFTEEN_MINUTES`
    /// (default), `ONE_HOUR` or `SIX_HOURS`.
    #[serde(default)]
    pub posture_cadence: crate::events::PolicyCadence,
    /// Bucket criteria, evaluated at every run (new buckets that match are scanned): name
    /// globs to include and to exclude.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub include_buckets: Vec<String>,
    /// Name globs of buckets to leave out (wins over include).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exclude_buckets: Vec<String>,
    /// Only buckets with one of these tags (`KEY` or `KEY=VALUE`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub bucket_tags: Vec<String>,
    /// Only buckets in one of these regions.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub bucket_regions: Vec<String>,
    /// Only publicly accessible buckets (true) or only the others (false).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bucket_public: Option<bool>,
    /// Scan these accounts (12-digit ids), each entered with `role_name`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub accounts: Vec<String>,
    /// Scan every active account of the organization, each entered with `role_name`.
    #[serde(default)]
    pub organization: bool,
    /// The role assumed in each account of `accounts` or `organization`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role_name: Option<String>,
    /// The external id the role's trust policy asks for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
}

impl S3Def {
    /// The accounts of each run (evaluated again at every run for an organization).
    pub fn accounts(&self) -> trawl_scanner::Accounts {
        let set = if self.organization {
            trawl_scanner::AccountSet::Organization
        } else if !self.accounts.is_empty() {
            trawl_scanner::AccountSet::Ids(self.accounts.clone())
        } else {
            trawl_scanner::AccountSet::Caller
        };
        trawl_scanner::Accounts {
            set,
            role_name: self.role_name.clone(),
            external_id: self.external_id.clone(),
        }
    }

    /// The bucket criteria.
    pub fn bucket_criteria(&self) -> trawl_scanner::BucketCriteria {
        trawl_scanner::BucketCriteria {
            include: self.include_buckets.clone(),
            exclude: self.exclude_buckets.clone(),
            tags: self
                .bucket_tags
                .iter()
                .map(|t| match t.split_once('=') {
                    Some((k, v)) => (k.to_string(), Some(v.to_string())),
                    None => (t.clone(), None),
                })
                .collect(),
            regions: self.bucket_regions.clone(),
            public: self.bucket_public,
        }
    }
}

/// An event sink.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(tag = "type", rename_all = "lowercase", deny_unknown_fields)]
pub enum SinkDef {
    /// Appends events to a JSON Lines file.
    Jsonl {
        /// The file.
        path: PathBuf,
    },
    /// Writes events to standard output, one a line.
    Stdout,
    /// POSTs each event as a JSON body.
    Webhook {
        /// `http://` or `https://` URL.
        url: String,
        /// Extra headers (an auth token, ...).
        #[serde(default)]
        headers: std::collections::BTreeMap<String, String>,
        /// Attempts per event per run (default 5).
        #[serde(default)]
        max_attempts: Option<u32>,
        /// First retry delay in milliseconds, doubled each attempt, with jitter (default 500).
        #[serde(default)]
        backoff_ms: Option<u64>,
        /// Request timeout in seconds (default 10).
        #[serde(default)]
        timeout_seconds: Option<u64>,
    },
    /// Amazon EventBridge PutEvents.
    Eventbridge {
        /// Event bus name or ARN (default `default`).
        #[serde(default)]
        bus: Option<String>,
        /// Region (default: the job's region).
        #[serde(default)]
        region: Option<String>,
        /// Endpoint override (a local test endpoint).
        #[serde(default)]
        endpoint: Option<String>,
        /// Attempts per event per run (default 5).
        #[serde(default)]
        max_attempts: Option<u32>,
        /// First retry delay in milliseconds (default 500).
        #[serde(default)]
        backoff_ms: Option<u64>,
        /// `trawl` (default): the contract's `detail`; `macie`: `detail` exactly in Macie's
        /// finding schema and detail-type `Macie Finding`, so rules on Macie findings' detail
        /// fields work unchanged (the source stays `trawl`: `aws.*` sources are AWS's own).
        #[serde(default)]
        shape: EventShape,
    },
    /// AWS Security Hub BatchImportFindings, in the AWS Security Finding Format.
    Securityhub {
        /// Region (default: the job's region).
        #[serde(default)]
        region: Option<String>,
        /// Endpoint override (a local test endpoint).
        #[serde(default)]
        endpoint: Option<String>,
        /// Product ARN to import as (default: the account's own `product/ACCOUNT/default`).
        #[serde(default)]
        product_arn: Option<String>,
        /// Attempts per finding per run (default 5).
        #[serde(default)]
        max_attempts: Option<u32>,
        /// First retry delay in milliseconds (default 500).
        #[serde(default)]
        backoff_ms: Option<u64>,
    },
}

/// The shape of EventBridge events.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EventShape {
    /// The output contract's event.
    #[default]
    Trawl,
    /// Macie's finding schema in `detail`.
    Macie,
}

impl SinkDef {
    /// A short kind name.
    pub fn kind(&self) -> &'static str {
        match self {
            SinkDef::Jsonl { .. } => "jsonl",
            SinkDef::Stdout => "stdout",
            SinkDef::Webhook { .. } => "webhook",
            SinkDef::Eventbridge { .. } => "eventbridge",
            SinkDef::Securityhub { .. } => "securityhub",
        }
    }

    /// The endpoint or URL it sends to, when the job gives one.
    pub fn endpoint(&self) -> Option<&String> {
        match self {
            SinkDef::Webhook { url, .. } => Some(url),
            SinkDef::Eventbridge { endpoint, .. } | SinkDef::Securityhub { endpoint, .. } => {
                endpoint.as_ref()
            }
            _ => None,
        }
    }
}

/// Removes `.` and `..` components without touching the file system (so that a path stays
/// valid when the job file's directory goes away).
fn normalize(p: &Path) -> PathBuf {
    use std::path::Component;
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

fn parse_time(file: &str, field: &str, s: &Option<String>) -> Result<Option<DateTime<Utc>>> {
    s.as_deref()
        .map(|s| {
            DateTime::parse_from_rfc3339(s)
                .map(|d| d.with_timezone(&Utc))
                .map_err(|e| {
                    Error::def(
                        file,
                        field,
                        format!("{s:?} is not an RFC 3339 time (2026-01-31T00:00:00Z): {e}"),
                    )
                })
        })
        .transpose()
}

impl CriteriaDef {
    fn criteria(&self, file: &str, field: &str) -> Result<Criteria> {
        let f = |name: &str| format!("{field}.{name}");
        for e in &self.extensions {
            let e = e.trim_start_matches('.');
            if e.is_empty() || e.contains('/') {
                return Err(Error::def(
                    file,
                    &f("extensions"),
                    format!("{e:?} is not an extension"),
                ));
            }
        }
        let tags = self
            .tags
            .iter()
            .map(|t| match t.split_once('=') {
                Some((k, v)) if !k.is_empty() => Ok((k.to_string(), Some(v.to_string()))),
                None if !t.is_empty() => Ok((t.clone(), None)),
                _ => Err(Error::def(
                    file,
                    &f("tags"),
                    format!("{t:?}: expected KEY or KEY=VALUE"),
                )),
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Criteria {
            extensions: self
                .extensions
                .iter()
                .map(|e| e.trim_start_matches('.').to_ascii_lowercase())
                .collect(),
            key_prefixes: self.key_prefixes.clone(),
            min_size: self.min_size,
            max_size: self.max_size,
            modified_after: parse_time(file, &f("modified_after"), &self.modified_after)?,
            modified_before: parse_time(file, &f("modified_before"), &self.modified_before)?,
            tags,
        })
    }
}

/// A checked definition, ready to run.
#[derive(Clone, Debug)]
pub struct Job {
    /// The definition (as stored).
    pub def: JobDefinition,
    /// Parsed targets.
    pub targets: Vec<Target>,
    /// Parsed scope.
    pub scope: Scope,
    /// Parsed schedule.
    pub schedule: Schedule,
    /// Parsed identifier selection.
    pub selection: Selection,
}

impl JobDefinition {
    /// Reads a job file (`.toml`, `.yaml` or `.yml`; others are tried as TOML, then YAML),
    /// checks it, makes relative paths absolute (from the file's directory) and reads in the
    /// custom identifier and allow-list files it names.
    pub fn load(path: &Path) -> Result<JobDefinition> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        let file = path.display().to_string();
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .unwrap_or("")
            .to_ascii_lowercase();
        let mut def = match ext.as_str() {
            "yaml" | "yml" => Self::from_yaml(&file, &text)?,
            "toml" => Self::from_toml(&file, &text)?,
            _ => Self::from_toml(&file, &text)
                .or_else(|e| Self::from_yaml(&file, &text).map_err(|_| e))?,
        };
        let base = path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let base = std::path::absolute(base).unwrap_or_else(|_| base.to_path_buf());
        def.resolve(&base, &file)?;
        def.check(&file)?;
        Ok(def)
    }

    /// Parses TOML text (without resolving files).
    pub fn from_toml(file: &str, text: &str) -> Result<JobDefinition> {
        toml::from_str(text).map_err(|e| Error::def(file, "", e.to_string().trim_end().to_string()))
    }

    /// Parses YAML text (without resolving files).
    pub fn from_yaml(file: &str, text: &str) -> Result<JobDefinition> {
        serde_yaml_ng::from_str(text).map_err(|e| Error::def(file, "", e.to_string()))
    }

    /// Makes local paths absolute and reads the files the definition names.
    pub fn resolve(&mut self, base: &Path, file: &str) -> Result<()> {
        let abs = |p: &Path| {
            normalize(&if p.is_absolute() {
                p.to_path_buf()
            } else {
                base.join(p)
            })
        };
        for (i, t) in self.targets.iter_mut().enumerate() {
            match Target::parse(t) {
                Ok(Target::Local(p)) => *t = abs(&p).display().to_string(),
                Ok(_) => {}
                Err(e) => return Err(Error::def(file, &format!("targets[{i}]"), e)),
            }
        }
        if let Some(loc) = &mut self.results.location {
            if !loc.starts_with("s3://") {
                *loc = abs(Path::new(loc)).display().to_string();
            }
        }
        for s in &mut self.events {
            if let SinkDef::Jsonl { path } = s {
                *path = abs(path);
            }
        }
        for p in [
            &mut self.tls.ca_bundle,
            &mut self.tls.client_cert,
            &mut self.tls.client_key,
        ]
        .into_iter()
        .flatten()
        {
            *p = abs(p);
        }
        for (i, p) in self.identifiers.custom_files.iter().enumerate() {
            let p = abs(p);
            let text = std::fs::read_to_string(&p).map_err(|e| {
                Error::def(
                    file,
                    &format!("identifiers.custom_files[{i}]"),
                    format!("{}: {e}", p.display()),
                )
            })?;
            self.stored_custom_identifiers
                .push((p.display().to_string(), text));
        }
        for (i, p) in self.identifiers.allow_lists.iter().enumerate() {
            let p = abs(p);
            let text = std::fs::read_to_string(&p).map_err(|e| {
                Error::def(
                    file,
                    &format!("identifiers.allow_lists[{i}]"),
                    format!("{}: {e}", p.display()),
                )
            })?;
            self.stored_allow_lists
                .push((p.display().to_string(), text));
        }
        Ok(())
    }

    /// Checks every field; the error names the first bad one.
    pub fn check(&self, file: &str) -> Result<Job> {
        let job = self.check_fields(file)?;
        // Check the identifier files and the engine now, not at the first run.
        job.engine()
            .map_err(|e| Error::def(file, "identifiers", e.to_string()))?;
        Ok(job)
    }

    /// Checks every field but does not build the engine (a stored job, about to run).
    pub(crate) fn check_fields(&self, file: &str) -> Result<Job> {
        let targets = self.check_name_and_targets(file)?;
        let scope = self.check_scope(file)?;
        let schedule: Schedule = self
            .schedule
            .parse()
            .map_err(|e| Error::def(file, "schedule", e))?;
        let selection = self.check_selection(file)?;
        self.check_limits_and_results(file)?;
        self.check_events(file)?;
        self.check_endpoints(file)?;
        if let Some(a) = &self.account {
            if a.is_empty() || !a.bytes().all(|b| b.is_ascii_digit()) {
                return Err(Error::def(
                    file,
                    "account",
                    format!("{a:?} is not an account id (digits)"),
                ));
            }
        }
        Ok(Job {
            def: self.clone(),
            targets,
            scope,
            schedule,
            selection,
        })
    }

    /// The name, the description and the targets.
    fn check_name_and_targets(&self, file: &str) -> Result<Vec<Target>> {
        let name_len = self.name.chars().count();
        if !(1..=500).contains(&name_len) {
            return Err(Error::def(
                file,
                "name",
                "give a name of 1 to 500 characters",
            ));
        }
        if self.description.chars().count() > 200 {
            return Err(Error::def(file, "description", "at most 200 characters"));
        }
        if self.targets.is_empty() {
            return Err(Error::def(
                file,
                "targets",
                "give at least one target (s3://bucket/prefix or a local path)",
            ));
        }
        self.targets
            .iter()
            .enumerate()
            .map(|(i, t)| {
                Target::parse(t).map_err(|e| Error::def(file, &format!("targets[{i}]"), e))
            })
            .collect::<Result<Vec<_>>>()
    }

    /// The sampling percentage and the scope criteria.
    fn check_scope(&self, file: &str) -> Result<Scope> {
        if let Some(p) = self.sampling_percentage {
            if !(p > 0.0 && p <= 100.0) {
                return Err(Error::def(
                    file,
                    "sampling_percentage",
                    format!("{p} is not in (0, 100]"),
                ));
            }
        }
        let scope = Scope {
            include: self.scope.include.criteria(file, "scope.include")?,
            exclude: self.scope.exclude.criteria(file, "scope.exclude")?,
            sample_percent: self.sampling_percentage.filter(|p| *p < 100.0),
            sample_seed: None,
            shard: None,
        };
        scope.validate().map_err(|e| Error::def(file, "scope", e))?;
        self.s3
            .bucket_criteria()
            .validate()
            .map_err(|e| Error::def(file, "s3", e))?;
        if self.s3.organization && !self.s3.accounts.is_empty() {
            return Err(Error::def(
                file,
                "s3",
                "accounts and organization = true exclude each other".to_string(),
            ));
        }
        self.s3.accounts().validate().map_err(|e| {
            let e = e
                .replace("--role-name", "role_name")
                .replace("--organization", "organization = true")
                .replace("--accounts", "accounts");
            Error::def(file, "s3", e)
        })?;
        Ok(scope)
    }

    /// The identifier selection (`identifiers.selection` with its `ids`).
    fn check_selection(&self, file: &str) -> Result<Selection> {
        let sel = self.identifiers.selection.trim().to_ascii_uppercase();
        let ids = self.identifiers.ids.join(",");
        let selection_text = match sel.as_str() {
            "INCLUDE" | "EXCLUDE" if ids.is_empty() => {
                return Err(Error::def(
                    file,
                    "identifiers.ids",
                    format!("{sel} needs a list of identifier ids"),
                ))
            }
            "INCLUDE" | "EXCLUDE" => format!("{sel}:{ids}"),
            _ if !ids.is_empty() && !sel.contains(':') => {
                return Err(Error::def(
                    file,
                    "identifiers.ids",
                    format!("ids are only used with INCLUDE or EXCLUDE, not {sel}"),
                ))
            }
            _ => sel.clone(),
        };
        Selection::parse(&selection_text)
            .map_err(|e| Error::def(file, "identifiers.selection", e.to_string()))
    }

    /// The limits and the results file settings.
    fn check_limits_and_results(&self, file: &str) -> Result<()> {
        let l = &self.limits;
        if let Some(t) = l.time_budget_seconds {
            if !(t.is_finite() && t > 0.0) {
                return Err(Error::def(
                    file,
                    "limits.time_budget_seconds",
                    format!("{t} is not a number of seconds"),
                ));
            }
        }
        if l.max_depth == Some(0) {
            return Err(Error::def(file, "limits.max_depth", "must be at least 1"));
        }
        if self.results.records_per_file == Some(0) {
            return Err(Error::def(
                file,
                "results.records_per_file",
                "must be at least 1",
            ));
        }
        if self
            .results
            .kms_key_id
            .as_deref()
            .is_some_and(|k| k.trim().is_empty())
        {
            return Err(Error::def(file, "results.kms_key_id", "empty"));
        }
        if let Some(loc) = &self.results.location {
            if loc.is_empty() {
                return Err(Error::def(file, "results.location", "empty"));
            }
            if let Some(rest) = loc.strip_prefix("s3://") {
                if rest.split('/').next().unwrap_or("").is_empty() {
                    return Err(Error::def(
                        file,
                        "results.location",
                        "s3:// location needs a bucket",
                    ));
                }
            }
        }
        Ok(())
    }

    /// Each event sink's own fields.
    fn check_events(&self, file: &str) -> Result<()> {
        for (i, s) in self.events.iter().enumerate() {
            let field = |f: &str| format!("events[{i}].{f}");
            match s {
                SinkDef::Webhook {
                    url, max_attempts, ..
                } => {
                    if !(url.starts_with("http://") || url.starts_with("https://")) {
                        return Err(Error::def(
                            file,
                            &field("url"),
                            format!("{url:?} is not an http(s) URL"),
                        ));
                    }
                    if *max_attempts == Some(0) {
                        return Err(Error::def(
                            file,
                            &field("max_attempts"),
                            "must be at least 1",
                        ));
                    }
                }
                SinkDef::Eventbridge {
                    max_attempts,
                    endpoint,
                    ..
                }
                | SinkDef::Securityhub {
                    max_attempts,
                    endpoint,
                    ..
                } => {
                    if *max_attempts == Some(0) {
                        return Err(Error::def(
                            file,
                            &field("max_attempts"),
                            "must be at least 1",
                        ));
                    }
                    if let Some(e) = endpoint {
                        if !(e.starts_with("http://") || e.starts_with("https://")) {
                            return Err(Error::def(
                                file,
                                &field("endpoint"),
                                format!("{e:?} is not an http(s) URL"),
                            ));
                        }
                    }
                }
                SinkDef::Jsonl { path } if path.as_os_str().is_empty() => {
                    return Err(Error::def(file, &field("path"), "empty"));
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// Every endpoint URL: http(s), and plain http only when allowed.
    fn check_endpoints(&self, file: &str) -> Result<()> {
        let mut urls: Vec<(String, &String)> = vec![];
        if let Some(e) = &self.s3.endpoint {
            urls.push(("s3.endpoint".into(), e));
        }
        if let Some(e) = &self.results.endpoint {
            urls.push(("results.endpoint".into(), e));
        }
        for (i, s) in self.events.iter().enumerate() {
            match s {
                SinkDef::Webhook { url, .. } => urls.push((format!("events[{i}].url"), url)),
                other => {
                    if let Some(e) = other.endpoint() {
                        urls.push((format!("events[{i}].endpoint"), e));
                    }
                }
            }
        }
        for (field, e) in urls {
            let lower = e.to_ascii_lowercase();
            if !(lower.starts_with("http://") || lower.starts_with("https://")) {
                return Err(Error::def(
                    file,
                    &field,
                    format!("{e:?} is not an http(s) URL"),
                ));
            }
            if lower.starts_with("http://") && !self.tls.allow_insecure_endpoint {
                return Err(Error::def(
                    file,
                    &field,
                    format!(
                        "{e:?} is plain http: use https, or set tls.allow_insecure_endpoint = true (test servers only)"
                    ),
                ));
            }
        }
        Ok(())
    }

    fn engine_with(&self, selection: &Selection) -> Result<Engine> {
        build_engine(
            selection,
            &self.stored_custom_identifiers,
            &self.stored_allow_lists,
            &self.identifiers.allow_regexes,
        )
    }
}

/// Builds an identifier engine from a selection, custom identifier definitions and allow
/// lists given as `(source name, text)` pairs, and allow regexes.
pub fn build_engine(
    selection: &Selection,
    custom_identifiers: &[(String, String)],
    allow_lists: &[(String, String)],
    allow_regexes: &[String],
) -> Result<Engine> {
    let mut custom = Vec::new();
    for (source, text) in custom_identifiers {
        custom.append(&mut parse_custom_identifiers(source, text)?);
    }
    let mut allow = AllowList::new();
    for (source, text) in allow_lists {
        allow.add_literals(source, text)?;
    }
    for re in allow_regexes {
        allow.add_regex(re)?;
    }
    Ok(EngineBuilder::new()
        .selection(selection.clone())
        .custom(custom)
        .allow_list(allow)
        .build()?)
}

impl Job {
    /// Builds the identifier engine the job uses.
    pub fn engine(&self) -> Result<Engine> {
        self.def.engine_with(&self.selection)
    }

    /// The account id put in events.
    pub fn account(&self) -> &str {
        self.def.account.as_deref().unwrap_or("000000000000")
    }

    /// The region put in events and used for S3.
    pub fn region(&self) -> &str {
        self.def.region.as_deref().unwrap_or("us-east-1")
    }
}

#[cfg(test)]
#[path = "definition_tests.rs"]
mod tests;
