//! S3 Inventory as the listing (`--inventory`): a `manifest.json`, or the newest one under an
//! inventory's destination prefix, and its CSV (gzip) or Parquet files, each checked against
//! the manifest's MD5, instead of ListObjectsV2.
//!
//! The layout is AWS's: `DEST/PREFIX/SOURCE-BUCKET/CONFIG-ID/YYYY-MM-DDTHH-MMZ/manifest.json`
//! naming `sourceBucket`, `fileFormat`, `fileSchema` and `files` (`key`, `size`,
//! `MD5checksum`). CSV files have no header: their columns are `fileSchema`'s, and their keys
//! are URL-encoded (form encoding: `+` is a space). Parquet columns carry their own names
//! (`bucket`, `key`, `version_id`, `is_latest`, `is_delete_marker`, `size`,
//! `last_modified_date`, `e_tag`, `storage_class`, `encryption_status`). An inventory with
//! the optional `EncryptionStatus` field says each object's server-side encryption (`NOT-SSE`,
//! `SSE-S3`, `SSE-C`, `SSE-KMS`, `DSSE-KMS`), which a listing does not. ORC inventories are
//! refused with a clear error: no well-kept Rust crate reads ORC.

use std::io::Read;

use aws_sdk_s3::Client;
use md5::{Digest, Md5};
use serde::Deserialize;

use super::list::{readable_now, Listed};
use super::options::S3Options;
use super::retry::{failure_text, with_retries};
use crate::source::{ObjectRef, Storage};

/// The largest manifest read.
const MAX_MANIFEST: u64 = 64 << 20;
/// The largest inventory file read (compressed, as stored).
const MAX_FILE: u64 = 4 << 30;
/// Objects handed to the feed at a time.
const PAGE: usize = 1000;

#[derive(Deserialize)]
struct ManifestJson {
    #[serde(rename = "sourceBucket")]
    source_bucket: String,
    #[serde(rename = "fileFormat")]
    file_format: String,
    #[serde(rename = "fileSchema", default)]
    file_schema: String,
    files: Vec<ManifestFile>,
}

#[derive(Clone, Deserialize)]
struct ManifestFile {
    key: String,
    #[serde(rename = "MD5checksum", default)]
    md5: Option<String>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum FileFormat {
    Csv,
    Parquet,
}

/// The fields of one inventory row that a listing needs.
#[derive(Debug, Default, PartialEq)]
struct Row {
    bucket: String,
    key: String,
    version_id: Option<String>,
    is_latest: Option<bool>,
    is_delete_marker: Option<bool>,
    size: Option<u64>,
    last_modified: Option<String>,
    etag: Option<String>,
    storage_class: Option<String>,
    /// `EncryptionStatus`, when the inventory has it.
    encryption: Option<String>,
}

/// Lists a bucket's objects from an inventory, page by page, like [`super::list::Lister`].
pub struct InventoryLister<'a> {
    client: Client,
    inventory_bucket: String,
    bucket: &'a str,
    prefix: &'a str,
    opts: &'a S3Options,
    format: FileFormat,
    /// CSV columns, lower-cased.
    columns: Vec<String>,
    files: std::vec::IntoIter<ManifestFile>,
    pending: std::vec::IntoIter<Listed>,
    /// Whether the inventory has the `EncryptionStatus` field.
    encryption_status: bool,
}

/// Splits `s3://bucket/key` (`key` may be empty).
fn split_uri(uri: &str) -> Result<(String, String), String> {
    let rest = uri.strip_prefix("s3://").ok_or_else(|| {
        format!("--inventory {uri}: give s3://BUCKET/PREFIX or .../manifest.json")
    })?;
    let (bucket, key) = rest.split_once('/').unwrap_or((rest, ""));
    if bucket.is_empty() {
        return Err(format!("--inventory {uri}: no bucket"));
    }
    Ok((bucket.to_string(), key.to_string()))
}

async fn get_bytes(
    client: &Client,
    bucket: &str,
    key: &str,
    opts: &S3Options,
    max: u64,
) -> Result<Vec<u8>, String> {
    let out = with_retries(&opts.retry, || {
        client.get_object().bucket(bucket).key(key).send()
    })
    .await
    .map_err(failure_text)?;
    if out.content_length().is_some_and(|n| n as u64 > max) {
        return Err(format!("larger than {} MiB", max >> 20));
    }
    let body = out
        .body
        .collect()
        .await
        .map_err(|e| format!("reading: {e}"))?;
    Ok(body.into_bytes().to_vec())
}

/// The manifest's key: the one given, or the newest `manifest.json` under the prefix (the
/// dated folder names sort by time).
async fn find_manifest(
    client: &Client,
    bucket: &str,
    key: &str,
    opts: &S3Options,
) -> Result<String, String> {
    if key.ends_with("manifest.json") {
        return Ok(key.to_string());
    }
    let mut newest: Option<String> = None;
    let mut lister = super::list::Lister::new(client, bucket, key, opts);
    while let Some(page) = lister.next_page().await? {
        for l in page {
            if l.obj.key.ends_with("/manifest.json")
                && newest.as_deref().is_none_or(|n| l.obj.key.as_str() > n)
            {
                newest = Some(l.obj.key);
            }
        }
    }
    newest.ok_or_else(|| {
        format!(
            "no manifest.json under s3://{bucket}/{key}: give an inventory's destination \
             prefix or a manifest.json"
        )
    })
}

impl<'a> InventoryLister<'a> {
    /// Reads the inventory's manifest and checks that it is of `bucket`.
    pub async fn open(
        client: &Client,
        inventory: &str,
        bucket: &'a str,
        prefix: &'a str,
        opts: &'a S3Options,
    ) -> Result<InventoryLister<'a>, String> {
        let (inv_bucket, key) = split_uri(inventory)?;
        let client = super::client::client_for_bucket(client, &inv_bucket, opts).await;
        let key = find_manifest(&client, &inv_bucket, &key, opts).await?;
        let at = format!("manifest s3://{inv_bucket}/{key}");
        let bytes = get_bytes(&client, &inv_bucket, &key, opts, MAX_MANIFEST)
            .await
            .map_err(|e| format!("{at}: {e}"))?;
        let manifest: ManifestJson = serde_json::from_slice(&bytes)
            .map_err(|e| format!("{at}: not an S3 Inventory manifest ({e})"))?;
        if manifest.source_bucket != bucket {
            return Err(format!(
                "{at} is the inventory of bucket {}, not of {bucket}",
                manifest.source_bucket
            ));
        }
        let format = match manifest.file_format.to_ascii_uppercase().as_str() {
            "CSV" => FileFormat::Csv,
            "PARQUET" => FileFormat::Parquet,
            "ORC" => {
                return Err(format!(
                    "{at}: ORC inventories are not read (no well-kept Rust ORC reader); \
                     configure the inventory as CSV or Parquet"
                ))
            }
            other => return Err(format!("{at}: unknown fileFormat {other:?}")),
        };
        let columns: Vec<String> = manifest
            .file_schema
            .split(',')
            .map(|c| c.trim().to_ascii_lowercase())
            .collect();
        if format == FileFormat::Csv && !columns.iter().any(|c| c == "key") {
            return Err(format!(
                "{at}: the inventory's schema lacks Key (fileSchema: {:?})",
                manifest.file_schema
            ));
        }
        // A CSV file's columns are the schema's; a Parquet schema names its columns too, and a
        // Parquet file read with the column says so as well.
        let encryption_status = match format {
            FileFormat::Csv => columns.iter().any(|c| c == "encryptionstatus"),
            FileFormat::Parquet => manifest.file_schema.contains("encryption_status"),
        };
        Ok(InventoryLister {
            encryption_status,
            client,
            inventory_bucket: inv_bucket,
            bucket,
            prefix,
            opts,
            format,
            columns,
            files: manifest.files.into_iter(),
            pending: Vec::new().into_iter(),
        })
    }

    /// The next page of objects; `None` at the end.
    pub async fn next_page(&mut self) -> Result<Option<Vec<Listed>>, String> {
        loop {
            let page: Vec<Listed> = self.pending.by_ref().take(PAGE).collect();
            if !page.is_empty() {
                return Ok(Some(page));
            }
            let Some(file) = self.files.next() else {
                return Ok(None);
            };
            let rows = self.read_file(&file).await?;
            if rows.iter().any(|r| r.encryption.is_some()) {
                self.encryption_status = true;
            }
            self.pending = rows
                .into_iter()
                .filter_map(|r| self.listed(r))
                .collect::<Vec<_>>()
                .into_iter();
        }
    }

    /// Whether the inventory has the `EncryptionStatus` field (so far as read: a Parquet
    /// schema that does not name it is known to have it once a file with it is read).
    pub fn has_encryption_status(&self) -> bool {
        self.encryption_status
    }

    async fn read_file(&self, file: &ManifestFile) -> Result<Vec<Row>, String> {
        let at = format!("inventory file s3://{}/{}", self.inventory_bucket, file.key);
        let bytes = get_bytes(
            &self.client,
            &self.inventory_bucket,
            &file.key,
            self.opts,
            MAX_FILE,
        )
        .await
        .map_err(|e| format!("{at}: {e}"))?;
        if let Some(want) = &file.md5 {
            let got: String = Md5::digest(&bytes)
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect();
            if !got.eq_ignore_ascii_case(want) {
                return Err(format!("{at}: MD5 {got} is not the manifest's {want}"));
            }
        }
        match self.format {
            FileFormat::Csv => csv_rows(&bytes, &self.columns),
            FileFormat::Parquet => parquet_rows(bytes),
        }
        .map_err(|e| format!("{at}: {e}"))
    }

    /// The row as a listed object, or None when it is not one to scan (another bucket, outside
    /// the prefix, a delete marker, an older version without `--all-versions`).
    fn listed(&self, r: Row) -> Option<Listed> {
        if r.bucket != self.bucket || !r.key.starts_with(self.prefix) {
            return None;
        }
        if r.is_delete_marker == Some(true) {
            return None;
        }
        if !self.opts.all_versions && r.is_latest == Some(false) {
            return None;
        }
        let class = r.storage_class.filter(|c| !c.is_empty());
        let readable = readable_now(class.as_deref(), None);
        let encryption = r
            .encryption
            .map(|e| e.trim().to_ascii_uppercase())
            .filter(|e| !e.is_empty());
        Some(Listed {
            obj: ObjectRef {
                storage: Storage::S3,
                bucket: Some(r.bucket.clone()),
                uri: format!("s3://{}/{}", r.bucket, r.key),
                key: r.key,
                size: r.size.unwrap_or(0),
                last_modified: r.last_modified,
                etag: r.etag.map(|e| e.trim_matches('"').to_string()),
                version_id: r.version_id.filter(|v| !v.is_empty() && v != "null"),
                encryption: None,
                account: None,
                storage_class: class,
                tags: None,
                path: None,
            },
            readable,
            encryption_status: encryption,
        })
    }
}

/// `+` as a space, then `%XX` escapes: how S3 Inventory writes keys in CSV files.
fn form_decode(text: &str) -> String {
    let spaced = text.replace('+', " ");
    percent_encoding::percent_decode_str(&spaced)
        .decode_utf8_lossy()
        .into_owned()
}

/// A last-modified time as RFC 3339 to the second, as listings give it.
fn rfc3339(text: &str) -> Option<String> {
    let t = chrono::DateTime::parse_from_rfc3339(text).ok()?;
    Some(
        t.with_timezone(&chrono::Utc)
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
    )
}

fn csv_rows(gz: &[u8], columns: &[String]) -> Result<Vec<Row>, String> {
    let mut text = Vec::new();
    flate2::read::MultiGzDecoder::new(gz)
        .take(MAX_FILE * 8)
        .read_to_end(&mut text)
        .map_err(|e| format!("not gzip ({e})"))?;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_slice());
    let at = |name: &str| columns.iter().position(|c| c == name);
    let (bucket, key) = (at("bucket"), at("key"));
    let (version, latest, marker) = (at("versionid"), at("islatest"), at("isdeletemarker"));
    let (size, modified, etag, class) = (
        at("size"),
        at("lastmodifieddate"),
        at("etag"),
        at("storageclass"),
    );
    let encryption = at("encryptionstatus");
    let mut rows = Vec::new();
    for (n, rec) in reader.records().enumerate() {
        let rec = rec.map_err(|e| format!("line {}: {e}", n + 1))?;
        let field = |i: Option<usize>| i.and_then(|i| rec.get(i)).map(str::to_string);
        let flag = |i: Option<usize>| field(i).map(|v| v.eq_ignore_ascii_case("true"));
        let Some(k) = field(key) else {
            return Err(format!("line {}: no Key column", n + 1));
        };
        rows.push(Row {
            bucket: field(bucket).unwrap_or_default(),
            key: form_decode(&k),
            version_id: field(version),
            is_latest: flag(latest),
            is_delete_marker: flag(marker),
            size: field(size).and_then(|s| s.parse().ok()),
            last_modified: field(modified).and_then(|t| rfc3339(&t)),
            etag: field(etag),
            storage_class: field(class),
            encryption: field(encryption),
        });
    }
    Ok(rows)
}

fn parquet_rows(bytes: Vec<u8>) -> Result<Vec<Row>, String> {
    use parquet::file::reader::{FileReader, SerializedFileReader};
    use parquet::record::Field;
    let reader = SerializedFileReader::new(bytes::Bytes::from(bytes))
        .map_err(|e| format!("not Parquet ({e})"))?;
    let has_key = reader
        .metadata()
        .file_metadata()
        .schema_descr()
        .columns()
        .iter()
        .any(|c| c.name() == "key");
    if !has_key {
        return Err("the inventory's schema lacks key".into());
    }
    let iter = reader
        .get_row_iter(None)
        .map_err(|e| format!("unreadable ({e})"))?;
    let text = |f: &Field| match f {
        Field::Str(s) => Some(s.clone()),
        _ => None,
    };
    let flag = |f: &Field| match f {
        Field::Bool(b) => Some(*b),
        _ => None,
    };
    let mut rows = Vec::new();
    for row in iter {
        let row = row.map_err(|e| format!("unreadable row ({e})"))?;
        let mut r = Row::default();
        for (name, f) in row.get_column_iter() {
            match name.as_str() {
                "bucket" => r.bucket = text(f).unwrap_or_default(),
                "key" => r.key = text(f).unwrap_or_default(),
                "version_id" => r.version_id = text(f),
                "is_latest" => r.is_latest = flag(f),
                "is_delete_marker" => r.is_delete_marker = flag(f),
                "size" => {
                    r.size = match f {
                        Field::Long(n) => u64::try_from(*n).ok(),
                        Field::Int(n) => u64::try_from(*n).ok(),
                        _ => None,
                    }
                }
                "last_modified_date" => {
                    r.last_modified = match f {
                        Field::TimestampMillis(ms) => chrono::DateTime::from_timestamp_millis(*ms),
                        Field::TimestampMicros(us) => chrono::DateTime::from_timestamp_micros(*us),
                        _ => None,
                    }
                    .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
                }
                "e_tag" => r.etag = text(f),
                "storage_class" => r.storage_class = text(f),
                "encryption_status" => r.encryption = text(f),
                _ => {}
            }
        }
        if !r.key.is_empty() {
            rows.push(r);
        }
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn csv_rows_follow_the_schema_and_decode_keys() {
        let text = "\"b\",\"dir/a+b%2Bc.txt\",\"\",\"true\",\"false\",\"12\",\"2026-01-02T03:04:05.000Z\",\"abc\",\"STANDARD\"\n\
                    \"b\",\"old\",\"v1\",\"false\",\"false\",\"1\",\"2026-01-02T03:04:05.000Z\",\"e\",\"GLACIER\"\n";
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(text.as_bytes()).unwrap();
        let gz = gz.finish().unwrap();
        let columns: Vec<String> = "Bucket, Key, VersionId, IsLatest, IsDeleteMarker, Size, LastModifiedDate, ETag, StorageClass"
            .split(',')
            .map(|c| c.trim().to_ascii_lowercase())
            .collect();
        let rows = csv_rows(&gz, &columns).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].key, "dir/a b+c.txt");
        assert_eq!(rows[0].size, Some(12));
        assert_eq!(
            rows[0].last_modified.as_deref(),
            Some("2026-01-02T03:04:05Z")
        );
        assert_eq!(rows[0].is_latest, Some(true));
        assert_eq!(rows[1].version_id.as_deref(), Some("v1"));
        assert!(csv_rows(b"not gzip", &columns)
            .unwrap_err()
            .starts_with("not gzip"));
    }

    #[test]
    fn csv_rows_read_the_encryption_status_when_the_schema_has_it() {
        let text = "\"b\",\"k1\",\"SSE-KMS\"\n\"b\",\"k2\",\"\"\n";
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(text.as_bytes()).unwrap();
        let gz = gz.finish().unwrap();
        let with: Vec<String> = ["bucket", "key", "encryptionstatus"]
            .map(String::from)
            .into();
        let rows = csv_rows(&gz, &with).unwrap();
        assert_eq!(rows[0].encryption.as_deref(), Some("SSE-KMS"));
        assert_eq!(rows[1].encryption.as_deref(), Some(""));
        let without: Vec<String> = ["bucket", "key", "storageclass"].map(String::from).into();
        assert_eq!(csv_rows(&gz, &without).unwrap()[0].encryption, None);
    }

    #[test]
    fn uris_split_and_say_what_to_give() {
        assert_eq!(
            split_uri("s3://inv/p/q").unwrap(),
            ("inv".into(), "p/q".into())
        );
        assert_eq!(
            split_uri("s3://inv").unwrap(),
            ("inv".into(), String::new())
        );
        assert!(split_uri("inv/p")
            .unwrap_err()
            .contains("give s3://BUCKET/PREFIX"));
    }
}
