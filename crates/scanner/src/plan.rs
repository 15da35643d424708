//! A dry run: what a scan would read, from the listings alone. Objects are listed and put
//! through the scope exactly as [`run`](crate::run) does, but never opened: no content is
//! read (for S3, no GetObject is sent; tag criteria still fetch tags, and bucket posture is
//! not checked).

use std::collections::BTreeMap;
use std::sync::Mutex;

use crossbeam_channel::bounded;
use serde::Serialize;

use crate::error::Error;
use crate::pipeline::ScanConfig;
use crate::source::{Event, Feed, Notice, ObjectRef, Target, Work};

/// Objects and bytes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Tally {
    /// Objects.
    pub objects: u64,
    /// Their bytes.
    pub bytes: u64,
}

impl Tally {
    fn add(&mut self, bytes: u64) {
        self.objects += 1;
        self.bytes += bytes;
    }
}

/// What a scan would read.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Plan {
    /// Objects that would be read.
    pub scanned: Tally,
    /// By format, as the name tells it (content may say otherwise when read).
    pub by_format: BTreeMap<String, Tally>,
    /// By storage class (S3; local files are `local`).
    pub by_storage_class: BTreeMap<String, Tally>,
    /// Left out, by why: `include: extension`, `exclude: key prefix`, `sampling`, ...
    pub left_out: BTreeMap<String, Tally>,
    /// Listed but known unreadable without reading (an archived storage class, ...), by reason
    /// code.
    pub skipped: BTreeMap<String, Tally>,
    /// Targets that could not be listed.
    pub target_errors: Vec<String>,
    /// Buckets the bucket criteria leave out, with why.
    pub buckets_left_out: BTreeMap<String, String>,
    /// Accounts that could not be entered, with why.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub accounts_left_out: BTreeMap<String, String>,
}

/// Lists `targets` as a scan with `config` would, without reading any object.
pub fn plan(
    targets: &[Target],
    config: &ScanConfig,
    notice: &mut dyn FnMut(&Notice),
) -> Result<Plan, Error> {
    let mut s3 = config.s3.clone();
    s3.posture = false;
    let sources = crate::source::sources(targets, &s3, config.threads)?;
    let plan = Mutex::new(Plan::default());
    let seed = config.scope.sample_seed.unwrap_or_else(rand::random);
    let wanted = |o: &ObjectRef| {
        let why = config.scope.left_out_by(o, seed).or_else(|| {
            config
                .filter
                .as_ref()
                .is_some_and(|f| !(f.0)(o))
                .then(|| "filter".to_string())
        });
        match why {
            None => true,
            Some(why) => {
                if let Ok(mut p) = plan.lock() {
                    p.left_out.entry(why).or_default().add(o.size);
                }
                false
            }
        }
    };
    let stopped = || false;
    let notices: Mutex<Vec<Notice>> = Mutex::new(Vec::new());
    let event = |e: Event| {
        if let Event::Notice(n) = e {
            if let Ok(mut v) = notices.lock() {
                v.push(n);
            }
        }
    };
    let (tx, rx) = bounded::<Work<'_>>(1024);
    std::thread::scope(|s| {
        let (wanted, stopped, event, sources) = (&wanted, &stopped, &event, &sources);
        s.spawn(move || {
            let feed = Feed {
                wanted,
                stopped,
                work: tx,
                event,
                needs_tags: config.scope.uses_tags(),
                dry_run: true,
            };
            for source in sources.iter() {
                source.list(&feed);
            }
        });
        for work in rx {
            let Ok(mut p) = plan.lock() else { continue };
            match work {
                Work::Listed(obj, _) | Work::Open(obj, _) => {
                    p.scanned.add(obj.size);
                    let format = trawl_formats::format_from_name(&obj.key);
                    p.by_format
                        .entry(format.name().to_string())
                        .or_default()
                        .add(obj.size);
                    let class = obj.storage_class.clone().unwrap_or_else(|| {
                        if obj.bucket.is_some() {
                            "STANDARD".into()
                        } else {
                            "local".into()
                        }
                    });
                    p.by_storage_class.entry(class).or_default().add(obj.size);
                }
                Work::Skipped(obj, reason) => {
                    p.skipped
                        .entry(reason.code.as_str().to_string())
                        .or_default()
                        .add(obj.size);
                }
            }
        }
    });
    drop(sources);
    let mut plan = plan.into_inner().unwrap_or_default();
    for n in notices.into_inner().unwrap_or_default() {
        match &n {
            Notice::Target { target, error } => {
                plan.target_errors.push(format!("{target}: {error}"))
            }
            Notice::BucketLeftOut { bucket, why } => {
                plan.buckets_left_out.insert(bucket.clone(), why.clone());
            }
            Notice::AccountLeftOut { account, why } => {
                plan.accounts_left_out.insert(account.clone(), why.clone());
            }
            _ => {}
        }
        notice(&n);
    }
    if plan.scanned.objects == 0 && !plan.target_errors.is_empty() {
        return Err(Error::NothingScanned(plan.target_errors.join("; ")));
    }
    Ok(plan)
}
