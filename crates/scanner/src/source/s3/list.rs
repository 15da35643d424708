//! Listing: buckets, objects page by page (or every version), tags, and whether an archived
//! object can be read now.

use aws_sdk_s3::types::{OptionalObjectAttributes, RestoreStatus};
use aws_sdk_s3::Client;
use trawl_formats::{Reason, ReasonCode};

use super::options::S3Options;
use super::retry::{failure_text, listing_failure_text, with_retries, Failure, RetryPolicy};
use crate::source::{ObjectRef, Storage};

fn rfc3339(t: &aws_smithy_types::DateTime) -> Option<String> {
    let dt = chrono::DateTime::from_timestamp(t.secs(), t.subsec_nanos())?;
    Some(dt.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
}

pub(super) fn unquote(etag: &str) -> String {
    etag.trim_matches('"').to_string()
}

/// Storage classes whose objects cannot be read without a restore.
fn archived(class: &str) -> bool {
    matches!(class, "GLACIER" | "DEEP_ARCHIVE")
}

/// Whether a listed object can be read now: archived classes only with a restored copy.
pub fn readable_now(storage_class: Option<&str>, restore: Option<&RestoreStatus>) -> bool {
    match storage_class {
        Some(c) if archived(c) => restore.is_some_and(|r| {
            r.is_restore_in_progress() == Some(false) && r.restore_expiry_date().is_some()
        }),
        _ => true,
    }
}

/// A listed object, with whether it can be read now.
pub struct Listed {
    /// The object.
    pub obj: ObjectRef,
    /// False for archived storage classes without a restored copy.
    pub readable: bool,
    /// The object's server-side encryption as an S3 Inventory with `EncryptionStatus` gives
    /// it (`NOT-SSE`, `SSE-S3`, `SSE-C`, `SSE-KMS`, `DSSE-KMS`); `None` from a listing, which
    /// does not say.
    pub encryption_status: Option<String>,
}

fn object_ref(
    bucket: &str,
    key: &str,
    size: Option<i64>,
    modified: Option<&aws_smithy_types::DateTime>,
    etag: Option<&str>,
    version: Option<&str>,
    class: Option<&str>,
) -> ObjectRef {
    ObjectRef {
        storage: Storage::S3,
        bucket: Some(bucket.to_string()),
        key: key.to_string(),
        uri: format!("s3://{bucket}/{key}"),
        size: size.unwrap_or(0).max(0) as u64,
        last_modified: modified.and_then(rfc3339),
        etag: etag.map(unquote),
        version_id: version.filter(|v| *v != "null").map(str::to_string),
        encryption: None,
        account: None,
        storage_class: class.map(str::to_string),
        tags: None,
        path: None,
    }
}

/// Lists the buckets the credentials can list.
pub async fn list_buckets(client: &Client, policy: &RetryPolicy) -> Result<Vec<String>, String> {
    let mut names = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let out = with_retries(policy, || {
            client
                .list_buckets()
                .set_continuation_token(token.clone())
                .send()
        })
        .await
        .map_err(listing_failure_text)?;
        names.extend(
            out.buckets()
                .iter()
                .filter_map(|b| b.name().map(str::to_string)),
        );
        match out.continuation_token() {
            Some(t) if !t.is_empty() => token = Some(t.to_string()),
            _ => return Ok(names),
        }
    }
}

/// Lists a bucket's objects under `prefix` page by page (every version with `all_versions`).
pub struct Lister<'a> {
    client: &'a Client,
    bucket: &'a str,
    prefix: &'a str,
    opts: &'a S3Options,
    token: Option<String>,
    key_marker: Option<String>,
    version_marker: Option<String>,
    restore_attr: bool,
    done: bool,
}

impl<'a> Lister<'a> {
    /// A lister of `bucket` under `prefix`.
    pub fn new(client: &'a Client, bucket: &'a str, prefix: &'a str, opts: &'a S3Options) -> Self {
        Lister {
            client,
            bucket,
            prefix,
            opts,
            token: None,
            key_marker: None,
            version_marker: None,
            // Restore status tells whether an archived object has a readable copy; stores
            // that do not know the attribute get plain listings.
            restore_attr: true,
            done: false,
        }
    }

    /// The next page; `None` at the end. A failure that retries did not cure is an error
    /// (pages before it were already returned).
    pub async fn next_page(&mut self) -> Result<Option<Vec<Listed>>, String> {
        if self.done {
            return Ok(None);
        }
        let (client, bucket, prefix, policy) =
            (self.client, self.bucket, self.prefix, &self.opts.retry);
        if self.opts.all_versions {
            let (km, vm) = (self.key_marker.clone(), self.version_marker.clone());
            let out = with_retries(policy, || {
                client
                    .list_object_versions()
                    .bucket(bucket)
                    .prefix(prefix)
                    .set_key_marker(km.clone())
                    .set_version_id_marker(vm.clone())
                    .send()
            })
            .await
            .map_err(listing_failure_text)?;
            let page = out
                .versions()
                .iter()
                .filter_map(|v| {
                    let key = v.key()?;
                    let class = v.storage_class().map(|c| c.as_str());
                    Some(Listed {
                        obj: object_ref(
                            bucket,
                            key,
                            v.size(),
                            v.last_modified(),
                            v.e_tag(),
                            v.version_id(),
                            class,
                        ),
                        readable: readable_now(class, v.restore_status()),
                        encryption_status: None,
                    })
                })
                .collect();
            self.key_marker = out.next_key_marker().map(str::to_string);
            self.version_marker = out.next_version_id_marker().map(str::to_string);
            self.done = out.is_truncated() != Some(true) || self.key_marker.is_none();
            return Ok(Some(page));
        }
        loop {
            let token = self.token.clone();
            let restore_attr = self.restore_attr;
            let req = || {
                let r = client
                    .list_objects_v2()
                    .bucket(bucket)
                    .prefix(prefix)
                    .set_continuation_token(token.clone());
                if restore_attr {
                    r.optional_object_attributes(OptionalObjectAttributes::RestoreStatus)
                } else {
                    r
                }
                .send()
            };
            let out = match with_retries(policy, req).await {
                Ok(o) => o,
                Err(Failure::Final(r, _)) if restore_attr && r.message.contains("HTTP 400") => {
                    self.restore_attr = false;
                    continue;
                }
                Err(f) => return Err(listing_failure_text(f)),
            };
            let page = out
                .contents()
                .iter()
                .filter_map(|o| {
                    let key = o.key()?;
                    let class = o.storage_class().map(|c| c.as_str());
                    Some(Listed {
                        obj: object_ref(
                            bucket,
                            key,
                            o.size(),
                            o.last_modified(),
                            o.e_tag(),
                            None,
                            class,
                        ),
                        readable: readable_now(class, o.restore_status()),
                        encryption_status: None,
                    })
                })
                .collect();
            match out.next_continuation_token() {
                Some(t) if out.is_truncated() == Some(true) => self.token = Some(t.to_string()),
                _ => self.done = true,
            }
            return Ok(Some(page));
        }
    }
}

/// Fetches an object's tags (for scope criteria on tags).
pub async fn tags(
    client: &Client,
    obj: &ObjectRef,
    policy: &RetryPolicy,
) -> Result<Vec<(String, String)>, String> {
    let bucket = obj.bucket.as_deref().unwrap_or_default();
    let out = with_retries(policy, || {
        client
            .get_object_tagging()
            .bucket(bucket)
            .key(&obj.key)
            .set_version_id(obj.version_id.clone())
            .send()
    })
    .await
    .map_err(failure_text)?;
    Ok(out
        .tag_set()
        .iter()
        .map(|t| (t.key().to_string(), t.value().to_string()))
        .collect())
}

/// The reason for an archived object that is not restored (no GET is sent for it).
pub fn archived_reason(obj: &ObjectRef) -> Reason {
    Reason::new(
        ReasonCode::InvalidObjectState,
        format!(
            "storage class {} needs a restore before it can be read",
            obj.storage_class.as_deref().unwrap_or("archived")
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn archived_classes_need_a_restored_copy() {
        assert!(readable_now(None, None));
        assert!(readable_now(Some("STANDARD"), None));
        assert!(readable_now(Some("GLACIER_IR"), None));
        assert!(readable_now(Some("STANDARD_IA"), None));
        assert!(!readable_now(Some("GLACIER"), None));
        assert!(!readable_now(Some("DEEP_ARCHIVE"), None));
        let in_progress = RestoreStatus::builder()
            .is_restore_in_progress(true)
            .build();
        assert!(!readable_now(Some("GLACIER"), Some(&in_progress)));
        let restored = RestoreStatus::builder()
            .is_restore_in_progress(false)
            .restore_expiry_date(aws_smithy_types::DateTime::from_secs(2_000_000_000))
            .build();
        assert!(readable_now(Some("DEEP_ARCHIVE"), Some(&restored)));
    }
}
