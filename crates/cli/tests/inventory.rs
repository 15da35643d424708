//! `trawl scan s3://BUCKET --inventory s3://...`: objects listed from an S3 Inventory (CSV
//! gzip or Parquet, AWS's layout: dated folders, `manifest.json` with `fileSchema`, file keys
//! and MD5) give the same results as ListObjectsV2 on the same objects; bad inventories are
//! one-line errors; an inventory with `EncryptionStatus` gives `trawl buckets` the objects by
//! encryption. Against moto, started by scripts/test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::io::Write;
use std::sync::Arc;

use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::Client;
use serde_json::Value;

mod common;
use common::s3::{bucket_name, client, moto, put, runtime, trawl_at};

/// One listed object, as an inventory row holds it.
struct Row {
    key: String,
    size: i64,
    modified_ms: i64,
    etag: String,
}

fn trawl(endpoint: &str, args: &[&str]) -> (String, String, Option<i32>) {
    let args: Vec<&str> = args
        .iter()
        .copied()
        .chain(["--format", "jsonl", "-q"])
        .collect();
    trawl_at(endpoint, "scan", &args)
}

fn by_uri(jsonl: &str) -> BTreeMap<String, Value> {
    jsonl
        .lines()
        .map(|l| {
            let mut r: Value = serde_json::from_str(l).unwrap();
            r["run_id"] = Value::Null;
            (r["object"]["uri"].as_str().unwrap().to_string(), r)
        })
        .collect()
}

/// Form encoding, as S3 Inventory writes keys in CSV files (`+` for a space).
fn form_encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'*' => {
                out.push(b as char)
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

fn md5_hex(bytes: &[u8]) -> String {
    use md5::{Digest, Md5};
    Md5::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn gzip(text: &str) -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(text.as_bytes()).unwrap();
    gz.finish().unwrap()
}

fn csv_inventory(bucket: &str, rows: &[Row]) -> Vec<u8> {
    csv_inventory_with(bucket, rows, None)
}

/// With `encryption`, each row's `EncryptionStatus` as a last column (`CSV_SCHEMA_ENC`).
fn csv_inventory_with(bucket: &str, rows: &[Row], encryption: Option<&[&str]>) -> Vec<u8> {
    let mut text = String::new();
    for (i, r) in rows.iter().enumerate() {
        let t = chrono::DateTime::from_timestamp_millis(r.modified_ms).unwrap();
        text.push_str(&format!(
            "\"{bucket}\",\"{}\",\"{}\",\"{}\",\"{}\",\"STANDARD\",\"true\",\"false\"",
            form_encode(&r.key),
            r.size,
            t.format("%Y-%m-%dT%H:%M:%S%.3fZ"),
            r.etag
        ));
        match encryption {
            Some(e) => text.push_str(&format!(",\"{}\"\n", e[i])),
            None => text.push('\n'),
        }
    }
    // A deleted object's marker: never scanned.
    text.push_str(&format!(
        "\"{bucket}\",\"gone.txt\",\"0\",\"2026-01-01T00:00:00.000Z\",\"\",\"\",\"true\",\"true\"{}\n",
        if encryption.is_some() { ",\"\"" } else { "" }
    ));
    gzip(&text)
}

fn parquet_inventory(bucket: &str, rows: &[Row]) -> Vec<u8> {
    parquet_inventory_with(bucket, rows, None)
}

/// With `encryption`, each row's `encryption_status` as a last column.
fn parquet_inventory_with(bucket: &str, rows: &[Row], encryption: Option<&[&str]>) -> Vec<u8> {
    use parquet::data_type::{BoolType, ByteArray, ByteArrayType, Int64Type};
    use parquet::file::properties::WriterProperties;
    use parquet::file::writer::SerializedFileWriter;
    use parquet::schema::parser::parse_message_type;
    let schema = parse_message_type(&format!(
        "message s3_inventory {{
            REQUIRED BYTE_ARRAY bucket (UTF8);
            REQUIRED BYTE_ARRAY key (UTF8);
            REQUIRED INT64 size;
            REQUIRED INT64 last_modified_date (TIMESTAMP(MILLIS,true));
            REQUIRED BYTE_ARRAY e_tag (UTF8);
            REQUIRED BYTE_ARRAY storage_class (UTF8);
            REQUIRED BOOLEAN is_latest;
            REQUIRED BOOLEAN is_delete_marker;
            {}
        }}",
        if encryption.is_some() {
            "REQUIRED BYTE_ARRAY encryption_status (UTF8);"
        } else {
            ""
        }
    ))
    .unwrap();
    let mut out = Vec::new();
    let mut w = SerializedFileWriter::new(
        &mut out,
        Arc::new(schema),
        Arc::new(WriterProperties::builder().build()),
    )
    .unwrap();
    let mut rg = w.next_row_group().unwrap();
    let text = |f: &dyn Fn(&Row) -> String| -> Vec<ByteArray> {
        rows.iter()
            .map(|r| ByteArray::from(f(r).as_str()))
            .collect()
    };
    let mut col = 0;
    while let Some(mut c) = rg.next_column().unwrap() {
        match col {
            0 => c
                .typed::<ByteArrayType>()
                .write_batch(&text(&|_| bucket.to_string()), None, None),
            1 => c
                .typed::<ByteArrayType>()
                .write_batch(&text(&|r| r.key.clone()), None, None),
            2 => c.typed::<Int64Type>().write_batch(
                &rows.iter().map(|r| r.size).collect::<Vec<_>>(),
                None,
                None,
            ),
            3 => c.typed::<Int64Type>().write_batch(
                &rows.iter().map(|r| r.modified_ms).collect::<Vec<_>>(),
                None,
                None,
            ),
            4 => c
                .typed::<ByteArrayType>()
                .write_batch(&text(&|r| r.etag.clone()), None, None),
            5 => c
                .typed::<ByteArrayType>()
                .write_batch(&text(&|_| "STANDARD".into()), None, None),
            6 => c
                .typed::<BoolType>()
                .write_batch(&vec![true; rows.len()], None, None),
            7 => c
                .typed::<BoolType>()
                .write_batch(&vec![false; rows.len()], None, None),
            _ => c.typed::<ByteArrayType>().write_batch(
                &encryption
                    .unwrap_or_default()
                    .iter()
                    .map(|e| ByteArray::from(*e))
                    .collect::<Vec<_>>(),
                None,
                None,
            ),
        }
        .unwrap();
        c.close().unwrap();
        col += 1;
    }
    rg.close().unwrap();
    w.close().unwrap();
    out
}

/// Puts an inventory file and its manifest under `dir` of the inventory bucket.
async fn put_inventory(
    c: &Client,
    inv: &str,
    dir: &str,
    source: &str,
    (format, schema): (&str, &str),
    file: Vec<u8>,
    md5: Option<String>,
) {
    let key = format!(
        "{dir}/files/inventory-1.{}",
        if format == "CSV" { "csv.gz" } else { "parquet" }
    );
    let manifest = serde_json::json!({
        "sourceBucket": source,
        "destinationBucket": format!("arn:aws:s3:::{inv}"),
        "version": "2016-11-30",
        "creationTimestamp": "1764892800000",
        "fileFormat": format,
        "fileSchema": schema,
        "files": [{ "key": key, "size": file.len(), "MD5checksum": md5.unwrap_or_else(|| md5_hex(&file)) }],
    });
    put(c, inv, &key, file).await;
    put(
        c,
        inv,
        &format!("{dir}/manifest.json"),
        manifest.to_string(),
    )
    .await;
}

const CSV_SCHEMA: &str =
    "Bucket, Key, Size, LastModifiedDate, ETag, StorageClass, IsLatest, IsDeleteMarker";
const CSV_SCHEMA_ENC: &str = "Bucket, Key, Size, LastModifiedDate, ETag, StorageClass, \
     IsLatest, IsDeleteMarker, EncryptionStatus";

#[test]
fn inventories_give_the_results_a_listing_gives() {
    let Some(endpoint) = moto() else { return };
    let rt = runtime();
    let c = client(&endpoint);
    let (src, inv) = (bucket_name("inv-src"), bucket_name("inv-dest"));
    let rows = rt.block_on(async {
        c.create_bucket().bucket(&src).send().await.unwrap();
        c.create_bucket().bucket(&inv).send().await.unwrap();
        for i in 0..12 {
            let body = match i % 3 {
                0 => format!("row {i}\ncard number: 4539 2274 2374 7675\n"),
                _ => format!("row {i}\nnothing\n"),
            };
            put(&c, &src, &format!("d{}/f{i}.txt", i % 2), body).await;
        }
        put(
            &c,
            &src,
            "odd/a b+c (1).txt",
            "ssn 372-81-4456 of someone\n",
        )
        .await;
        let listed = c.list_objects_v2().bucket(&src).send().await.unwrap();
        listed
            .contents()
            .iter()
            .map(|o| Row {
                key: o.key().unwrap().to_string(),
                size: o.size().unwrap(),
                modified_ms: o.last_modified().unwrap().to_millis().unwrap(),
                etag: o.e_tag().unwrap().trim_matches('"').to_string(),
            })
            .collect::<Vec<_>>()
    });
    assert_eq!(rows.len(), 13);
    let csv_dir = format!("dest/{src}/csv-config/2026-12-05T00-00Z");
    let pq_dir = format!("dest/{src}/pq-config/2026-12-05T00-00Z");
    rt.block_on(async {
        put_inventory(
            &c,
            &inv,
            &csv_dir,
            &src,
            ("CSV", CSV_SCHEMA),
            csv_inventory(&src, &rows),
            None,
        )
        .await;
        // An older inventory of the same configuration, whose file is gone: never read.
        let old = format!("dest/{src}/csv-config/2026-12-01T00-00Z/manifest.json");
        let manifest = serde_json::json!({ "sourceBucket": src, "fileFormat": "CSV",
            "fileSchema": CSV_SCHEMA, "files": [{ "key": "missing.csv.gz", "MD5checksum": "0" }] });
        put(&c, &inv, &old, manifest.to_string()).await;
        let schema =
            "message s3.inventory { required binary bucket (UTF8); required binary key (UTF8); }";
        put_inventory(
            &c,
            &inv,
            &pq_dir,
            &src,
            ("Parquet", schema),
            parquet_inventory(&src, &rows),
            None,
        )
        .await;
    });
    let target = format!("s3://{src}");
    let (listed, err, code) = trawl(&endpoint, &[&target]);
    assert_eq!(code, Some(0), "{err}");
    let listed = by_uri(&listed);
    assert_eq!(listed.len(), 13);
    assert!(listed.contains_key(&format!("s3://{src}/odd/a b+c (1).txt")));
    for inventory in [
        format!("s3://{inv}/dest/{src}/csv-config/"),
        format!("s3://{inv}/{pq_dir}/manifest.json"),
    ] {
        let (out, err, code) = trawl(&endpoint, &[&target, "--inventory", &inventory]);
        assert_eq!(code, Some(0), "{inventory}: {err}");
        assert_eq!(by_uri(&out), listed, "{inventory}");
    }
    // A prefix of the target applies to inventory rows as to a listing.
    let (out, _, _) = trawl(
        &endpoint,
        &[
            &format!("{target}/d1/"),
            "--inventory",
            &format!("s3://{inv}/{csv_dir}/manifest.json"),
        ],
    );
    assert_eq!(by_uri(&out).len(), 6);
}

#[test]
fn bad_inventories_are_one_line_errors() {
    let Some(endpoint) = moto() else { return };
    let rt = runtime();
    let c = client(&endpoint);
    let (src, inv) = (bucket_name("inv-bad"), bucket_name("inv-bad-dest"));
    rt.block_on(async {
        c.create_bucket().bucket(&src).send().await.unwrap();
        c.create_bucket().bucket(&inv).send().await.unwrap();
        put(&c, &src, "a.txt", "hello\n").await;
        let rows = [Row {
            key: "a.txt".into(),
            size: 6,
            modified_ms: 0,
            etag: "x".into(),
        }];
        put_inventory(
            &c,
            &inv,
            "nokey/2026-12-05T00-00Z",
            &src,
            ("CSV", "Bucket, Size"),
            csv_inventory(&src, &rows),
            None,
        )
        .await;
        put_inventory(
            &c,
            &inv,
            "badmd5/2026-12-05T00-00Z",
            &src,
            ("CSV", CSV_SCHEMA),
            csv_inventory(&src, &rows),
            Some("00".repeat(16)),
        )
        .await;
        put_inventory(
            &c,
            &inv,
            "other/2026-12-05T00-00Z",
            "some-other-bucket",
            ("CSV", CSV_SCHEMA),
            csv_inventory(&src, &rows),
            None,
        )
        .await;
        put_inventory(
            &c,
            &inv,
            "orc/2026-12-05T00-00Z",
            &src,
            ("ORC", "struct<bucket:string,key:string>"),
            vec![1, 2, 3],
            None,
        )
        .await;
        c.put_object()
            .bucket(&inv)
            .key("junk/manifest.json")
            .body(ByteStream::from_static(b"{ not json"))
            .send()
            .await
            .unwrap();
    });
    let target = format!("s3://{src}");
    for (dir, want) in [
        ("nothing/", "no manifest.json under s3://INV/nothing/: give an inventory's destination prefix or a manifest.json"),
        ("nokey/", "the inventory's schema lacks Key (fileSchema: \"Bucket, Size\")"),
        ("badmd5/", "is not the manifest's 00000000000000000000000000000000"),
        ("other/", "is the inventory of bucket some-other-bucket, not of SRC"),
        ("orc/", "ORC inventories are not read"),
        ("junk/", "not an S3 Inventory manifest"),
    ] {
        let inventory = format!("s3://{inv}/{dir}");
        let (out, err, code) = trawl(&endpoint, &[&target, "--inventory", &inventory]);
        assert_eq!(code, Some(2), "{dir}: {err}");
        assert!(out.is_empty());
        let first = err
            .lines()
            .find(|l| l.starts_with("trawl: error:"))
            .unwrap_or_default();
        let want = want.replace("INV", &inv).replace("SRC", &src);
        assert!(first.starts_with(&format!("trawl: error: cannot scan {target}: ")), "{first}");
        assert!(first.contains(&want), "{dir}: {first}");
        assert!(!err.contains("Some(") && !err.contains("{ "), "{err}");
    }
    let (_, err, code) = trawl(
        &endpoint,
        &["s3://", "--inventory", &format!("s3://{inv}/x/")],
    );
    assert_eq!(code, Some(2));
    assert!(
        err.contains("--inventory lists the objects of the bucket it inventories"),
        "{err}"
    );
}

#[test]
fn inventories_with_encryption_status_count_objects_by_encryption() {
    let Some(endpoint) = moto() else { return };
    let rt = runtime();
    let c = client(&endpoint);
    let (src, inv) = (bucket_name("inv-enc"), bucket_name("inv-enc-dest"));
    let rows = rt.block_on(async {
        c.create_bucket().bucket(&src).send().await.unwrap();
        c.create_bucket().bucket(&inv).send().await.unwrap();
        for i in 0..6 {
            let body = format!("row {i}\n{}", "x".repeat(i * 10));
            put(&c, &src, &format!("e{i}.txt"), body).await;
        }
        put(&c, &src, "card.txt", "card number: 4539 2274 2374 7675\n").await;
        let listed = c.list_objects_v2().bucket(&src).send().await.unwrap();
        listed
            .contents()
            .iter()
            .map(|o| Row {
                key: o.key().unwrap().to_string(),
                size: o.size().unwrap(),
                modified_ms: o.last_modified().unwrap().to_millis().unwrap(),
                etag: o.e_tag().unwrap().trim_matches('"').to_string(),
            })
            .collect::<Vec<_>>()
    });
    assert_eq!(rows.len(), 7);
    let kinds = ["SSE-S3", "SSE-KMS", "NOT-SSE", "DSSE-KMS", "SSE-C"];
    let encryption: Vec<&str> = (0..rows.len()).map(|i| kinds[i % kinds.len()]).collect();
    let mut want: BTreeMap<String, (u64, u64)> = BTreeMap::new();
    for (r, e) in rows.iter().zip(&encryption) {
        let t = want.entry(e.to_string()).or_default();
        t.0 += 1;
        t.1 += r.size as u64;
    }
    let (csv_dir, pq_dir, plain_dir) = (
        format!("dest/{src}/csv-enc/2026-12-05T00-00Z"),
        format!("dest/{src}/pq-enc/2026-12-05T00-00Z"),
        format!("dest/{src}/csv-plain/2026-12-05T00-00Z"),
    );
    rt.block_on(async {
        let csv = csv_inventory_with(&src, &rows, Some(&encryption[..]));
        put_inventory(&c, &inv, &csv_dir, &src, ("CSV", CSV_SCHEMA_ENC), csv, None).await;
        // A Parquet schema text that does not name the column: the file's own schema does.
        let schema = "message s3.inventory { required binary bucket (UTF8); }";
        let pq = parquet_inventory_with(&src, &rows, Some(&encryption[..]));
        put_inventory(&c, &inv, &pq_dir, &src, ("Parquet", schema), pq, None).await;
        let csv = csv_inventory(&src, &rows);
        put_inventory(&c, &inv, &plain_dir, &src, ("CSV", CSV_SCHEMA), csv, None).await;
    });
    let buckets = |inventory: Option<&str>| -> Value {
        let mut args = vec![src.as_str(), "--format", "jsonl"];
        if let Some(i) = inventory {
            args.extend(["--inventory", i]);
        }
        let (out, err, code) = trawl_at(&endpoint, "buckets", &args);
        assert_eq!(code, Some(0), "{err}");
        serde_json::from_str(out.trim()).unwrap()
    };
    for dir in [&csv_dir, &pq_dir] {
        let r = buckets(Some(&format!("s3://{inv}/{dir}/manifest.json")));
        let objects = &r["objects"];
        assert_eq!(objects["source"], "inventory");
        assert_eq!(objects["total"]["objects"], 7, "{dir}: {objects}");
        let got: BTreeMap<String, (u64, u64)> = objects["by_encryption"]
            .as_object()
            .unwrap_or_else(|| panic!("{dir}: {objects}"))
            .iter()
            .map(|(k, t)| {
                let n = |f: &str| t[f].as_u64().unwrap();
                (k.clone(), (n("objects"), n("bytes")))
            })
            .collect();
        assert_eq!(got, want, "{dir}");
        assert!(!r["unchecked"].to_string().contains("encryption"), "{r}");
    }
    // An inventory without the field, and a listing: null, and said in `unchecked`.
    let plain = format!("s3://{inv}/{plain_dir}/manifest.json");
    for (r, why) in [
        (
            buckets(Some(&plain)),
            "object encryption: the inventory has no EncryptionStatus field",
        ),
        (
            buckets(None),
            "object encryption: a listing does not say it; needs an S3 Inventory with EncryptionStatus (--inventory)",
        ),
    ] {
        assert_eq!(r["objects"]["total"]["objects"], 7, "{r}");
        assert_eq!(r["objects"]["by_encryption"], Value::Null, "{r}");
        let unchecked: Vec<&str> = r["unchecked"]
            .as_array()
            .unwrap()
            .iter()
            .map(|u| u.as_str().unwrap())
            .collect();
        assert!(unchecked.contains(&why), "{unchecked:?}");
    }
    // A scan listed from an inventory with the field gives a listing's results.
    let target = format!("s3://{src}");
    let (listed, err, code) = trawl(&endpoint, &[&target]);
    assert_eq!(code, Some(0), "{err}");
    for dir in [&csv_dir, &pq_dir] {
        let inventory = format!("s3://{inv}/{dir}/manifest.json");
        let (out, err, code) = trawl(&endpoint, &[&target, "--inventory", &inventory]);
        assert_eq!(code, Some(0), "{dir}: {err}");
        assert_eq!(by_uri(&out), by_uri(&listed), "{dir}");
    }
}
