//! The S3 source: lists the buckets and prefixes of a run's `s3://` targets, checks bucket
//! posture (with `--posture`), fetches tags when the scope needs them, and opens objects
//! `concurrency` GETs at a time on a small I/O runtime of its own.

use std::sync::Arc;

use trawl_formats::{Reason, ReasonCode};

use super::accounts::{self, AccountSet, Entered, Entry};
use super::inventory::InventoryLister;
use super::{client, get, list, S3Options};
use crate::error::Error;
use crate::posture;
use crate::source::boundary::{Content, Feed, Notice, ObjectRef, Source, Work};

/// An `s3://bucket/prefix` target.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct S3Target {
    /// The bucket; `None` for `s3://` alone (every bucket the credentials can list).
    pub bucket: Option<String>,
    /// Key prefix (may be empty).
    pub prefix: String,
}

impl S3Target {
    /// How the target is written on the command line.
    pub fn display(&self) -> String {
        match (&self.bucket, self.prefix.as_str()) {
            (None, _) => "s3://".to_string(),
            (Some(b), "") => format!("s3://{b}"),
            (Some(b), p) => format!("s3://{b}/{p}"),
        }
    }
}

/// Every `s3://` target of a run, sharing one client, one runtime and one GET budget.
pub struct S3Source {
    targets: Vec<S3Target>,
    opts: Arc<S3Options>,
    threads: usize,
    // Network I/O runs on its own small runtime; CPU work stays on the rayon pool. Bodies
    // stream in on it while workers read them, so it lives as long as the source.
    runtime: tokio::runtime::Runtime,
}

impl S3Source {
    /// A source over `targets`; `threads` is the run's worker count (0 = one per core), which
    /// sizes the default GET concurrency.
    pub fn new(targets: Vec<S3Target>, opts: S3Options, threads: usize) -> Result<S3Source, Error> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("trawl-io")
            .enable_all()
            .build()
            .map_err(|e| Error::Threads(e.to_string()))?;
        Ok(S3Source {
            targets,
            opts: Arc::new(opts),
            threads,
            runtime,
        })
    }
}

impl Source for S3Source {
    fn list<'s>(&'s self, feed: &Feed<'_, 's>) {
        let (opened_tx, mut opened_rx) = tokio::sync::mpsc::unbounded_channel::<Work<'static>>();
        std::thread::scope(|s2| {
            let forward_tx = feed.work.clone();
            // Opened objects hold a GET permit each, so this queue stays as short as
            // the concurrency; forwarding blocks here, never on a runtime thread.
            s2.spawn(move || {
                while let Some(w) = opened_rx.blocking_recv() {
                    let _ = forward_tx.send(w);
                }
            });
            self.runtime.block_on(feed_s3(self, feed, opened_tx));
        });
    }

    fn open(&self, _obj: &ObjectRef) -> Result<Content, Reason> {
        Err(Reason::new(
            ReasonCode::ReadError,
            "S3 objects are opened while they are listed",
        ))
    }
}

/// Where a bucket's objects are listed from.
pub(crate) enum Listing<'a> {
    /// ListObjectsV2 (or ListObjectVersions).
    Api(list::Lister<'a>),
    /// An S3 Inventory.
    Inventory(Box<InventoryLister<'a>>),
}

impl Listing<'_> {
    /// The next page; `None` at the end.
    pub(crate) async fn next_page(&mut self) -> Result<Option<Vec<list::Listed>>, String> {
        match self {
            Listing::Api(l) => l.next_page().await,
            Listing::Inventory(l) => l.next_page().await,
        }
    }
}

/// What a run's S3 work shares: the feed, the queue of opened objects, the GET permits.
struct Run<'a, 'f, 's> {
    source: &'s S3Source,
    feed: &'a Feed<'f, 's>,
    opened: tokio::sync::mpsc::UnboundedSender<Work<'static>>,
    permits: Arc<tokio::sync::Semaphore>,
    fetch_tags: bool,
}

impl Run<'_, '_, '_> {
    fn target_error(&self, t: &S3Target, error: String) {
        self.feed.notice(Notice::Target {
            target: t.display(),
            error,
        });
    }
}

/// Lists S3 targets and opens their objects, `concurrency` GETs in flight, in every account
/// of the run. Runs on the walker thread inside the I/O runtime; opened objects go to
/// `opened` (a runtime task may not block on the workers' bounded queue), skipped ones
/// straight to the feed.
async fn feed_s3<'s>(
    source: &'s S3Source,
    feed: &Feed<'_, 's>,
    opened: tokio::sync::mpsc::UnboundedSender<Work<'static>>,
) {
    let opts = source.opts.clone();
    if let Ok(Some(w)) = client::check_endpoint(&opts) {
        feed.notice(Notice::Warning(w));
    }
    let concurrency = match opts.concurrency {
        0 => get::default_concurrency(rayon::current_num_threads().max(source.threads)),
        n => n,
    };
    let run = Run {
        source,
        feed,
        opened,
        permits: Arc::new(tokio::sync::Semaphore::new(concurrency)),
        fetch_tags: feed.needs_tags(),
    };
    let entries = match client::client(&opts).await {
        Ok((client, sdk_config)) => accounts::enter(&client, &sdk_config, &opts).await,
        Err(e) => Err(e),
    };
    let entries = match entries {
        Ok(e) => e,
        Err(e) => {
            for t in &source.targets {
                run.target_error(t, e.clone());
            }
            return;
        }
    };
    // Over many accounts a named bucket is scanned in the account that owns it.
    let many = opts.accounts.set != AccountSet::Caller;
    let mut named_found = std::collections::BTreeSet::new();
    for entry in entries {
        let account = match entry {
            Entry::Refused(account, why) => {
                feed.notice(Notice::AccountLeftOut { account, why });
                continue;
            }
            Entry::Entered(a) => a,
        };
        let owned = if many {
            match list::list_buckets(&account.client, &opts.retry).await {
                Ok(b) => Some(b),
                Err(e) => {
                    let id = account.id.clone().unwrap_or_default();
                    feed.notice(Notice::AccountLeftOut {
                        account: id,
                        why: format!("listing buckets: {e}"),
                    });
                    continue;
                }
            }
        } else {
            None
        };
        for t in &source.targets {
            let buckets = match (&t.bucket, &owned) {
                (Some(b), None) => vec![b.clone()],
                (Some(b), Some(owned)) if owned.contains(b) => {
                    named_found.insert(b.clone());
                    vec![b.clone()]
                }
                (Some(_), Some(_)) => continue,
                (None, Some(owned)) => owned.clone(),
                (None, None) => match list::list_buckets(&account.client, &opts.retry).await {
                    Ok(b) => b,
                    Err(e) => {
                        run.target_error(t, format!("listing buckets: {e}"));
                        continue;
                    }
                },
            };
            for bucket in buckets {
                if feed.stopped() || !scan_bucket(&run, &account, bucket, &t.prefix).await {
                    return;
                }
            }
        }
    }
    for t in &source.targets {
        if let Some(b) = t
            .bucket
            .as_ref()
            .filter(|b| many && !named_found.contains(*b))
        {
            run.target_error(t, format!("bucket {b} is in none of the accounts entered"));
        }
    }
}

/// Lists one bucket of an account and opens its objects; `false` when the run stops.
async fn scan_bucket(
    run: &Run<'_, '_, '_>,
    account: &Entered,
    bucket: String,
    prefix: &str,
) -> bool {
    let (feed, opts) = (run.feed, &run.source.opts);
    let client = client::client_for_bucket(&account.client, &bucket, opts).await;
    if !opts.buckets.is_empty() {
        let why = crate::buckets::left_out_by_criteria(&client, &bucket, &opts.buckets).await;
        if let Some(why) = why {
            feed.notice(Notice::BucketLeftOut { bucket, why });
            return true;
        }
    }
    if opts.posture {
        let report = posture::check(&client, &bucket, account.id.as_deref()).await;
        feed.posture(report);
    }
    let whole = S3Target {
        bucket: Some(bucket.clone()),
        prefix: prefix.to_string(),
    };
    let mut lister = match &opts.inventory {
        None => Listing::Api(list::Lister::new(&client, &bucket, prefix, opts)),
        Some(inv) => match InventoryLister::open(&client, inv, &bucket, prefix, opts).await {
            Ok(l) => Listing::Inventory(Box::new(l)),
            Err(e) => {
                run.target_error(&whole, e);
                return true;
            }
        },
    };
    loop {
        let page = match lister.next_page().await {
            Ok(Some(p)) => p,
            Ok(None) => return true,
            Err(e) => {
                run.target_error(&whole, e);
                return true;
            }
        };
        feed.listed(&bucket, page.len() as u64);
        for list::Listed {
            mut obj, readable, ..
        } in page
        {
            if feed.stopped() {
                return false;
            }
            obj.account.clone_from(&account.id);
            if !open_listed(run, &client, obj, readable).await {
                return false;
            }
        }
    }
}

/// Admits one listed object and opens it (or sends it on unopened); `false` when the run stops.
async fn open_listed(
    run: &Run<'_, '_, '_>,
    client: &aws_sdk_s3::Client,
    mut obj: ObjectRef,
    readable: bool,
) -> bool {
    let (feed, opts) = (run.feed, &run.source.opts);
    if run.fetch_tags {
        match list::tags(client, &obj, &opts.retry).await {
            Ok(tags) => obj.tags = Some(tags),
            Err(e) => {
                feed.notice(Notice::Warning(format!(
                    "{}: tags not read ({e}); tag criteria see none",
                    obj.uri
                )));
                obj.tags = Some(Vec::new());
            }
        }
    }
    if !feed.admit(&obj) {
        return true;
    }
    if !readable {
        // Archived: no GET is sent.
        let reason = list::archived_reason(&obj);
        feed.send(Work::Skipped(obj, reason));
        return true;
    }
    if !feed.opens() {
        feed.send(Work::Listed(obj, run.source));
        return true;
    }
    let Ok(permit) = run.permits.clone().acquire_owned().await else {
        return false;
    };
    let (client, opts, opened) = (client.clone(), opts.clone(), run.opened.clone());
    tokio::spawn(async move {
        let work = match get::open(&client, obj, &opts, Some(permit)).await {
            get::Opened::Body(obj, body) => Work::Open(obj, Content::Stream(Box::new(body))),
            get::Opened::Skipped(obj, reason) => Work::Skipped(obj, reason),
        };
        let _ = opened.send(work);
    });
    true
}
