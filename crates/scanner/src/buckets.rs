//! The bucket inventory (`trawl buckets`): one record per bucket (`trawl.bucket/v1`) with its
//! region, creation date, effective public access, default encryption, versioning,
//! replication, sharing, tags, posture findings, and its objects by storage class and by
//! whether trawl can classify them, from a listing or an S3 Inventory (which may also say
//! each object's encryption). A setting the store or the credentials do not let us read is
//! `null` and named in `unchecked`, never guessed. What a state database knows (last scan,
//! sensitivity score) is filled in by the caller: the fields are `null` here.

use std::collections::BTreeMap;

use aws_sdk_s3::error::ProvideErrorMetadata;
use aws_sdk_s3::Client;
use serde::Serialize;

use crate::posture::{self, BucketSettings, PostureFinding};
use crate::source::s3::accounts::{self, Entry};
use crate::source::s3::{client, list, AccountSet, InventoryLister, Listing, S3Options};
use crate::Tally;

/// The schema id of bucket records.
pub const BUCKET_SCHEMA: &str = "trawl.bucket/v1";

/// One bucket.
#[derive(Clone, Debug, Serialize)]
pub struct BucketRecord {
    /// Always [`BUCKET_SCHEMA`].
    pub schema: &'static str,
    /// The account of the credentials that read it (STS), when known.
    pub account: Option<String>,
    /// The bucket's region.
    pub region: Option<String>,
    /// The bucket.
    pub name: String,
    /// RFC 3339 UTC.
    pub created: Option<String>,
    /// Effective public access.
    pub public_access: PublicAccess,
    /// Default encryption; null when it could not be read.
    pub default_encryption: Option<DefaultEncryption>,
    /// `Enabled`, `Suspended` or `Disabled`; null when it could not be read.
    pub versioning: Option<String>,
    /// Enabled replication rules' destinations; null when they could not be read.
    pub replication: Option<Replication>,
    /// Other accounts the policy or the ACL grants access to; null when unknown.
    pub shared_with_accounts: Option<Vec<String>>,
    /// Tags; null when they could not be read.
    pub tags: Option<BTreeMap<String, String>>,
    /// The objects; null with `--no-objects` or when they could not be listed.
    pub objects: Option<ObjectTally>,
    /// Posture findings, as `--posture` reports them.
    pub posture: Vec<PostureFinding>,
    /// From a state database: when trawl last read an object of the bucket, by any job (RFC
    /// 3339 UTC); null without a state database or when none was ever read.
    pub last_scanned: Option<String>,
    /// From a state database: the bucket's cumulative sensitivity score (that of `trawl
    /// findings score`); null without a state database.
    pub sensitivity_score: Option<i64>,
    /// From a state database: the bucket's objects analysed so far; null without one.
    pub objects_analysed: Option<u64>,
    /// From a state database: of them, objects with sensitive data; null without one.
    pub objects_sensitive: Option<u64>,
    /// What could not be read, with why.
    pub unchecked: Vec<String>,
}

/// Whether anyone on the internet can read the bucket.
#[derive(Clone, Debug, Serialize)]
pub struct PublicAccess {
    /// `PUBLIC`, `NOT_PUBLIC`, or `UNKNOWN` when a check it depends on could not be made.
    pub effective: &'static str,
    /// Block public access, all four settings on.
    pub blocked: Option<bool>,
    /// The policy grants public access.
    pub policy_public: Option<bool>,
    /// The ACL grants AllUsers or AuthenticatedUsers.
    pub acl_public: Option<bool>,
}

/// A bucket's default encryption.
#[derive(Clone, Debug, Serialize)]
pub struct DefaultEncryption {
    /// `AES256`, `aws:kms`, `aws:kms:dsse`, or `NONE`.
    pub algorithm: String,
    /// The KMS key, for KMS.
    pub kms_key: Option<String>,
    /// Whether S3 Bucket Keys are on.
    pub bucket_key: Option<bool>,
}

/// Replication.
#[derive(Clone, Debug, Serialize)]
pub struct Replication {
    /// Destination buckets (ARNs).
    pub destinations: Vec<String>,
    /// Whether a destination is in another account.
    pub external: bool,
}

/// A bucket's objects.
#[derive(Clone, Debug, Default, Serialize)]
pub struct ObjectTally {
    /// `list` (ListObjectsV2) or `inventory`.
    pub source: &'static str,
    /// All objects.
    pub total: Tally,
    /// By storage class.
    pub by_storage_class: BTreeMap<String, Tally>,
    /// By format, from the key's extension.
    pub by_format: BTreeMap<String, Tally>,
    /// By server-side encryption (`NOT-SSE`, `SSE-S3`, `SSE-C`, `SSE-KMS`, `DSSE-KMS`;
    /// `UNKNOWN` for a row without it), from an S3 Inventory with `EncryptionStatus`; null
    /// from a listing (which does not say) or an inventory without that field.
    pub by_encryption: Option<BTreeMap<String, Tally>>,
    /// Objects trawl reads (a supported format, not in an archived storage class).
    pub classifiable: Tally,
    /// Objects trawl cannot read: formats without an extractor, images, audio, video and
    /// programs, archived storage classes.
    pub unclassifiable: Tally,
    /// Objects whose name does not tell (no known extension): read to know.
    pub unknown: Tally,
}

impl BucketRecord {
    /// A bucket with nothing read yet: every setting null, public access `UNKNOWN`.
    fn unread(account: Option<String>, name: String, created: Option<String>) -> BucketRecord {
        BucketRecord {
            schema: BUCKET_SCHEMA,
            account,
            region: None,
            name,
            created,
            public_access: PublicAccess {
                effective: "UNKNOWN",
                blocked: None,
                policy_public: None,
                acl_public: None,
            },
            default_encryption: None,
            versioning: None,
            replication: None,
            shared_with_accounts: None,
            tags: None,
            objects: None,
            posture: Vec::new(),
            last_scanned: None,
            sensitivity_score: None,
            objects_analysed: None,
            objects_sensitive: None,
            unchecked: Vec::new(),
        }
    }
}

fn add(t: &mut Tally, bytes: u64) {
    t.objects += 1;
    t.bytes += bytes;
}

/// Images, audio, video and programs: no text for trawl to read (it does no OCR).
fn media(key: &str) -> bool {
    const MEDIA: &[&str] = &[
        "png", "jpg", "jpeg", "gif", "bmp", "tif", "tiff", "webp", "heic", "ico", "svgz", "mp3",
        "wav", "flac", "ogg", "m4a", "aac", "mp4", "mov", "avi", "mkv", "webm", "wmv", "exe",
        "dll", "so", "dylib", "class", "jar", "iso", "img", "dmg", "woff", "woff2", "ttf", "otf",
    ];
    let name = key.rsplit('/').next().unwrap_or(key);
    name.rsplit_once('.')
        .is_some_and(|(_, ext)| MEDIA.contains(&ext.to_ascii_lowercase().as_str()))
}

fn why(what: &str, e: &dyn ProvideErrorMetadata) -> String {
    format!(
        "{what}: {}",
        e.code().or(e.message()).unwrap_or("request failed")
    )
}

async fn details(client: &Client, bucket: &str, rec: &mut BucketRecord) {
    match client.get_bucket_location().bucket(bucket).send().await {
        Ok(o) => {
            let c = o.location_constraint().map(|c| c.as_str().to_string());
            rec.region = Some(match c.as_deref() {
                None | Some("") => "us-east-1".to_string(),
                Some("EU") => "eu-west-1".to_string(),
                Some(r) => r.to_string(),
            });
        }
        Err(e) => rec.unchecked.push(why("region", &e)),
    }
    match client.get_bucket_encryption().bucket(bucket).send().await {
        Ok(o) => {
            let rule = o
                .server_side_encryption_configuration()
                .and_then(|c| c.rules().first());
            let by_default = rule.and_then(|r| r.apply_server_side_encryption_by_default());
            rec.default_encryption = Some(DefaultEncryption {
                algorithm: by_default
                    .map(|d| d.sse_algorithm().as_str().to_string())
                    .unwrap_or_else(|| "NONE".into()),
                kms_key: by_default
                    .and_then(|d| d.kms_master_key_id())
                    .map(str::to_string),
                bucket_key: rule.and_then(|r| r.bucket_key_enabled()),
            });
        }
        Err(e) if e.code() == Some("ServerSideEncryptionConfigurationNotFoundError") => {
            rec.default_encryption = Some(DefaultEncryption {
                algorithm: "NONE".into(),
                kms_key: None,
                bucket_key: None,
            })
        }
        Err(e) => rec.unchecked.push(why("default encryption", &e)),
    }
    match client.get_bucket_versioning().bucket(bucket).send().await {
        Ok(o) => {
            rec.versioning = Some(
                o.status()
                    .map(|s| s.as_str().to_string())
                    .unwrap_or_else(|| "Disabled".into()),
            )
        }
        Err(e) => rec.unchecked.push(why("versioning", &e)),
    }
    match client.get_bucket_tagging().bucket(bucket).send().await {
        Ok(o) => {
            rec.tags = Some(
                o.tag_set()
                    .iter()
                    .map(|t| (t.key().to_string(), t.value().to_string()))
                    .collect(),
            )
        }
        Err(e) if e.code() == Some("NoSuchTagSet") => rec.tags = Some(BTreeMap::new()),
        Err(e) => rec.unchecked.push(why("tags", &e)),
    }
    match client.get_bucket_replication().bucket(bucket).send().await {
        Ok(o) => {
            let destinations: Vec<String> = o
                .replication_configuration()
                .map(|c| {
                    c.rules()
                        .iter()
                        .filter(|r| r.status().as_str() == "Enabled")
                        .filter_map(|r| r.destination().map(|d| d.bucket().to_string()))
                        .collect()
                })
                .unwrap_or_default();
            rec.replication = Some(Replication {
                destinations,
                external: false,
            });
        }
        Err(e) if e.code() == Some("ReplicationConfigurationNotFoundError") => {
            rec.replication = Some(Replication {
                destinations: Vec::new(),
                external: false,
            })
        }
        // Said by the posture read already.
        Err(_) => {}
    }
}

/// Effective public access from the posture checks' settings.
fn public_access(s: &BucketSettings) -> PublicAccess {
    let blocked = s.public_access_block.map(|b| {
        b.block_public_acls
            && b.ignore_public_acls
            && b.block_public_policy
            && b.restrict_public_buckets
    });
    let policy: Option<Option<serde_json::Value>> = s
        .policy
        .as_ref()
        .map(|p| p.as_ref().and_then(|t| serde_json::from_str(t).ok()));
    let policy_public = match (&policy, s.policy_is_public) {
        (_, Some(p)) => Some(p),
        (Some(Some(p)), None) => Some(posture::policy_is_public(p)),
        (Some(None), None) => Some(false),
        (None, None) => None,
    };
    let acl_public = s.acl_grants.as_ref().map(|g| {
        g.iter().any(|(_, id, _)| {
            id.ends_with("/global/AllUsers") || id.ends_with("/AuthenticatedUsers")
        })
    });
    let restrict_policy = s
        .public_access_block
        .is_some_and(|b| b.block_public_policy || b.restrict_public_buckets);
    let ignore_acl = s.public_access_block.is_some_and(|b| b.ignore_public_acls);
    let public = [
        policy_public.map(|p| p && !restrict_policy),
        acl_public.map(|a| a && !ignore_acl),
    ];
    PublicAccess {
        effective: if public.contains(&Some(true)) {
            "PUBLIC"
        } else if public.iter().all(Option::is_some) {
            "NOT_PUBLIC"
        } else {
            "UNKNOWN"
        },
        blocked,
        policy_public,
        acl_public,
    }
}

/// Public access, sharing and external replication from the posture checks' settings.
fn from_settings(rec: &mut BucketRecord, s: &BucketSettings) {
    rec.public_access = public_access(s);
    let policy: Option<Option<serde_json::Value>> = s
        .policy
        .as_ref()
        .map(|p| p.as_ref().and_then(|t| serde_json::from_str(t).ok()));
    rec.shared_with_accounts = match (&policy, &s.acl_grants) {
        (Some(p), Some(grants)) => {
            let mut accounts: Vec<String> = p
                .as_ref()
                .map(|p| posture::policy_external_accounts(p, s.account.as_deref()))
                .unwrap_or_default();
            for (kind, id, _) in grants {
                if kind == "CanonicalUser" && Some(id) != s.acl_owner.as_ref() {
                    accounts.push(format!("canonical:{id}"));
                }
            }
            accounts.sort();
            accounts.dedup();
            Some(accounts)
        }
        _ => None,
    };
    if let (Some(r), Some(dest)) = (&mut rec.replication, &s.replication_accounts) {
        r.external = dest.iter().any(|a| {
            a.as_deref()
                .is_some_and(|a| Some(a) != s.account.as_deref())
        });
    }
}

async fn objects(client: &Client, bucket: &str, opts: &S3Options) -> Result<ObjectTally, String> {
    let mut listing = match &opts.inventory {
        None => Listing::Api(list::Lister::new(client, bucket, "", opts)),
        Some(inv) => Listing::Inventory(Box::new(
            InventoryLister::open(client, inv, bucket, "", opts).await?,
        )),
    };
    let mut t = ObjectTally {
        source: if opts.inventory.is_some() {
            "inventory"
        } else {
            "list"
        },
        ..Default::default()
    };
    let mut by_encryption: BTreeMap<String, Tally> = BTreeMap::new();
    while let Some(page) = listing.next_page().await? {
        for l in page {
            let size = l.obj.size;
            add(&mut t.total, size);
            let encryption = l.encryption_status.unwrap_or_else(|| "UNKNOWN".into());
            add(by_encryption.entry(encryption).or_default(), size);
            let class = l
                .obj
                .storage_class
                .clone()
                .unwrap_or_else(|| "STANDARD".into());
            add(t.by_storage_class.entry(class).or_default(), size);
            let format = trawl_formats::format_from_name(&l.obj.key);
            add(
                t.by_format.entry(format.name().to_string()).or_default(),
                size,
            );
            match format {
                _ if !l.readable => add(&mut t.unclassifiable, size),
                trawl_formats::Format::Unsupported(_) => add(&mut t.unclassifiable, size),
                trawl_formats::Format::Binary if media(&l.obj.key) => {
                    add(&mut t.unclassifiable, size)
                }
                trawl_formats::Format::Binary => add(&mut t.unknown, size),
                _ => add(&mut t.classifiable, size),
            }
        }
    }
    if let Listing::Inventory(inv) = &listing {
        t.by_encryption = inv.has_encryption_status().then_some(by_encryption);
    }
    Ok(t)
}

/// Why `objects.by_encryption` is null, for `unchecked`.
fn encryption_unchecked(t: &ObjectTally) -> Option<String> {
    if t.by_encryption.is_some() {
        return None;
    }
    Some(if t.source == "inventory" {
        "object encryption: the inventory has no EncryptionStatus field".to_string()
    } else {
        "object encryption: a listing does not say it; needs an S3 Inventory with \
         EncryptionStatus (--inventory)"
            .to_string()
    })
}

/// One record per bucket: `buckets`, or every bucket the credentials can list when empty, in
/// every account of `opts.accounts` (`--accounts`, `--organization`: each entered with its
/// role, a named bucket read in the account that owns it). `with_objects` lists (or reads the
/// inventory of) each bucket to count its objects. An account that cannot be entered or
/// listed goes to `left_out` (account, why) and the others go on.
pub fn inventory(
    buckets: &[String],
    opts: &S3Options,
    with_objects: bool,
    each: &mut dyn FnMut(BucketRecord),
    left_out: &mut dyn FnMut(&str, &str),
) -> Result<(), String> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| format!("starting the I/O runtime: {e}"))?;
    runtime.block_on(async {
        let (client, sdk) = client::client(opts).await?;
        let many = opts.accounts.set != AccountSet::Caller;
        for entry in accounts::enter(&client, &sdk, opts).await? {
            let entered = match entry {
                Entry::Refused(account, why) => {
                    left_out(&account, &why);
                    continue;
                }
                Entry::Entered(e) => e,
            };
            let account = match entered.id {
                Some(id) => Some(id),
                None => posture::caller_account(&sdk).await,
            };
            let listed = match list_buckets(&entered.client, opts).await {
                Ok(l) => l,
                Err(e) if many => {
                    left_out(
                        account.as_deref().unwrap_or_default(),
                        &format!("listing buckets: {e}"),
                    );
                    continue;
                }
                Err(e) => return Err(e),
            };
            let names: Vec<(String, Option<String>)> = if buckets.is_empty() {
                listed
            } else if many {
                // Over many accounts, a named bucket in the account that owns it.
                listed
                    .into_iter()
                    .filter(|(n, _)| buckets.contains(n))
                    .collect()
            } else {
                buckets
                    .iter()
                    .map(|b| {
                        let created = listed
                            .iter()
                            .find(|(n, _)| n == b)
                            .and_then(|(_, c)| c.clone());
                        (b.clone(), created)
                    })
                    .collect()
            };
            for (name, created) in names {
                each(
                    bucket_record(
                        &entered.client,
                        account.clone(),
                        name,
                        created,
                        opts,
                        with_objects,
                    )
                    .await,
                );
            }
        }
        Ok(())
    })
}

/// A bucket's record, read with `client` (acting in `account`).
async fn bucket_record(
    client: &Client,
    account: Option<String>,
    name: String,
    created: Option<String>,
    opts: &S3Options,
    with_objects: bool,
) -> BucketRecord {
    let client = client::client_for_bucket(client, &name, opts).await;
    let mut rec = BucketRecord::unread(account.clone(), name.clone(), created);
    details(&client, &name, &mut rec).await;
    let (settings, unchecked) = posture::read_settings(&client, &name, account.as_deref()).await;
    rec.unchecked.extend(unchecked);
    from_settings(&mut rec, &settings);
    rec.posture = posture::evaluate(&name, &settings);
    if with_objects {
        match objects(&client, &name, opts).await {
            Ok(t) => {
                rec.unchecked.extend(encryption_unchecked(&t));
                rec.objects = Some(t);
            }
            Err(e) => rec.unchecked.push(format!("objects: {e}")),
        }
    }
    rec.unchecked.sort();
    rec.unchecked.dedup();
    rec
}

/// Every bucket the credentials can list, with its creation date.
async fn list_buckets(
    client: &Client,
    opts: &S3Options,
) -> Result<Vec<(String, Option<String>)>, String> {
    let mut out = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let page = crate::source::s3::with_list_retries(opts, || {
            client
                .list_buckets()
                .set_continuation_token(token.clone())
                .send()
        })
        .await?;
        for b in page.buckets() {
            if let Some(n) = b.name() {
                let created = b.creation_date().and_then(|t| {
                    chrono::DateTime::from_timestamp(t.secs(), 0)
                        .map(|d| d.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
                });
                out.push((n.to_string(), created));
            }
        }
        match page.continuation_token() {
            Some(t) if !t.is_empty() => token = Some(t.to_string()),
            _ => return Ok(out),
        }
    }
}

/// Why the bucket criteria leave `bucket` out, if they do: the name first (no request), then
/// region, tags and public access as far as they are asked for. A setting that cannot be
/// read leaves the bucket out, saying so: a criterion is never guessed.
pub(crate) async fn left_out_by_criteria(
    client: &Client,
    bucket: &str,
    c: &crate::source::s3::BucketCriteria,
) -> Option<String> {
    if let Some(why) = c.name_left_out(bucket) {
        return Some(why);
    }
    if !c.needs_settings() {
        return None;
    }
    if !c.regions.is_empty() {
        let region = match client.get_bucket_location().bucket(bucket).send().await {
            Ok(o) => match o
                .location_constraint()
                .map(|c| c.as_str().to_string())
                .as_deref()
            {
                None | Some("") => "us-east-1".to_string(),
                Some("EU") => "eu-west-1".to_string(),
                Some(r) => r.to_string(),
            },
            Err(e) => return Some(format!("bucket-region: {}", why("region", &e))),
        };
        if !c.regions.contains(&region) {
            return Some(format!("bucket-region: in {region}"));
        }
    }
    if !c.tags.is_empty() {
        let tags: Vec<(String, String)> =
            match client.get_bucket_tagging().bucket(bucket).send().await {
                Ok(o) => o
                    .tag_set()
                    .iter()
                    .map(|t| (t.key().to_string(), t.value().to_string()))
                    .collect(),
                Err(e) if e.code() == Some("NoSuchTagSet") => Vec::new(),
                Err(e) => return Some(format!("bucket-tag: {}", why("tags", &e))),
            };
        let hit = c.tags.iter().any(|(k, v)| {
            tags.iter()
                .any(|(tk, tv)| tk == k && v.as_ref().is_none_or(|v| v == tv))
        });
        if !hit {
            return Some("bucket-tag: has none of the tags asked for".to_string());
        }
    }
    if let Some(want) = c.public {
        let (settings, _) = posture::read_settings(client, bucket, None).await;
        let effective = public_access(&settings).effective;
        let ok = match effective {
            "PUBLIC" => want,
            "NOT_PUBLIC" => !want,
            _ => false,
        };
        if !ok {
            return Some(format!("bucket-public: public access is {effective}"));
        }
    }
    None
}
