//! Apache Avro object container files: every datum's leaf values, located by record and JSON
//! path.

use std::collections::HashMap;
use std::io::{self, Read};

use apache_avro::schema::{Name, Schema};
use apache_avro::types::Value;

use super::avro_schema;
use super::{
    binary_text, date_text, decimal_text, emit, emit_key, time_text, time_up, timestamp_text, Path,
    MAX_NESTING,
};
use crate::extract::ctx::{unsupported, Content, Ctx};
use crate::limits::{Compressed, Counting};
use crate::reason::ReasonCode;

enum Fault {
    /// The input ended.
    Eof,
    Bad(&'static str),
    Io(io::Error),
}

fn byte(r: &mut dyn Read) -> Result<Option<u8>, Fault> {
    let mut b = [0u8; 1];
    loop {
        match r.read(&mut b) {
            Ok(0) => return Ok(None),
            Ok(_) => return Ok(Some(b[0])),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(Fault::Io(e)),
        }
    }
}

/// A zigzag varint long; `first` is its first byte if already read.
fn long_from(r: &mut dyn Read, first: Option<u8>) -> Result<i64, Fault> {
    let mut v = 0u64;
    let mut shift = 0u32;
    let mut next = first;
    loop {
        let b = match next.take() {
            Some(b) => b,
            None => byte(r)?.ok_or(Fault::Eof)?,
        };
        if shift > 63 {
            return Err(Fault::Bad("varint longer than 10 bytes"));
        }
        v |= u64::from(b & 0x7f) << shift;
        if b & 0x80 == 0 {
            break;
        }
        shift += 7;
    }
    Ok((v >> 1) as i64 ^ -((v & 1) as i64))
}

fn long(r: &mut dyn Read) -> Result<i64, Fault> {
    long_from(r, None)
}

fn bytes(r: &mut dyn Read, max: u64) -> Result<Vec<u8>, Fault> {
    let n = long(r)?;
    if n < 0 || n as u64 > max {
        return Err(Fault::Bad("bad length in the header"));
    }
    let mut v = Vec::new();
    r.take(n as u64).read_to_end(&mut v).map_err(Fault::Io)?;
    if v.len() as u64 != n as u64 {
        return Err(Fault::Eof);
    }
    Ok(v)
}

fn fault(ctx: &mut Ctx<'_>, f: Fault, what: &str) {
    match f {
        Fault::Eof => ctx.reason(
            ReasonCode::MalformedFile,
            format!("avro: truncated {what}; the rest was not read"),
        ),
        Fault::Bad(m) => ctx.reason(
            ReasonCode::MalformedFile,
            format!("avro: malformed {what} ({m}); the rest was not read"),
        ),
        Fault::Io(e) => ctx.io_failure(&e),
    }
}

/// Extracts every datum's values with its record index and JSON path.
pub(crate) fn extract(ctx: &mut Ctx<'_>, content: Content<'_>) -> io::Result<()> {
    let input = content.input.stream();
    let mut buffered = io::BufReader::with_capacity(64 * 1024, input);
    let r: &mut dyn Read = &mut buffered;
    let mut magic = [0u8; 4];
    if let Err(e) = r.read_exact(&mut magic) {
        if e.kind() == io::ErrorKind::UnexpectedEof {
            ctx.reason(ReasonCode::MalformedFile, "avro: truncated header");
            return Ok(());
        }
        return Err(e);
    }
    if &magic != b"Obj\x01" {
        unsupported(ctx, "not an Avro 1.3+ object container file");
        return Ok(());
    }
    let mut meta: HashMap<String, Vec<u8>> = HashMap::new();
    let header = (|| -> Result<[u8; 16], Fault> {
        let mut entries = 0u64;
        loop {
            let mut count = long(r)?;
            if count == 0 {
                break;
            }
            if count < 0 {
                count = count
                    .checked_neg()
                    .ok_or(Fault::Bad("bad map block count"))?;
                long(r)?;
            }
            for _ in 0..count {
                entries += 1;
                if entries > 100_000 {
                    return Err(Fault::Bad("too many metadata entries"));
                }
                let key = bytes(r, 1 << 20)?;
                let value = bytes(r, 64 << 20)?;
                meta.insert(String::from_utf8_lossy(&key).into_owned(), value);
            }
        }
        let mut sync = [0u8; 16];
        r.read_exact(&mut sync).map_err(|e| match e.kind() {
            io::ErrorKind::UnexpectedEof => Fault::Eof,
            _ => Fault::Io(e),
        })?;
        Ok(sync)
    })();
    let sync = match header {
        Ok(s) => s,
        Err(f) => {
            fault(ctx, f, "header");
            return Ok(());
        }
    };
    let Some(schema_json) = meta.get("avro.schema") else {
        ctx.reason(
            ReasonCode::MalformedFile,
            "avro: the header has no avro.schema",
        );
        return Ok(());
    };
    let schema_text = String::from_utf8_lossy(schema_json);
    let normalised = avro_schema::normalise(&schema_text);
    let parsed = match &normalised {
        Some(n) => Schema::parse_str(&n.json),
        None => Schema::parse_str(&schema_text),
    };
    let renamed = normalised.map(|n| n.renamed).unwrap_or_default();
    let schema = match parsed {
        Ok(s) => s,
        Err(e) => {
            ctx.reason(ReasonCode::MalformedFile, format!("avro schema: {e}"));
            return Ok(());
        }
    };
    let codec = meta
        .get("avro.codec")
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .unwrap_or_else(|| "null".to_string());
    if !matches!(
        codec.as_str(),
        "null" | "deflate" | "snappy" | "zstandard" | "bzip2" | "xz"
    ) {
        unsupported(ctx, &format!("avro codec {codec:?} is not supported"));
        return Ok(());
    }
    let resolved = apache_avro::schema::ResolvedSchema::try_from(&schema).ok();
    let names = Names {
        schemas: resolved
            .as_ref()
            .map(|r| r.get_names().clone())
            .unwrap_or_default(),
        renamed,
    };
    let datum_reader =
        match apache_avro::reader::datum::GenericDatumReader::builder(&schema).build() {
            Ok(d) => d,
            Err(e) => {
                ctx.reason(ReasonCode::MalformedFile, format!("avro schema: {e}"));
                return Ok(());
            }
        };
    let mut record = 0u64;
    let mut path = Path::default();
    loop {
        if ctx.budget.out_of_time() {
            time_up(ctx);
            return Ok(());
        }
        let first = match byte(r) {
            Ok(Some(b)) => b,
            Ok(None) => return Ok(()),
            Err(f) => {
                fault(ctx, f, "data block");
                return Ok(());
            }
        };
        let block = (|| -> Result<(i64, i64), Fault> {
            let count = long_from(r, Some(first))?;
            let size = long(r)?;
            Ok((count, size))
        })();
        let (count, size) = match block {
            Ok(b) => b,
            Err(f) => {
                fault(ctx, f, "data block header");
                return Ok(());
            }
        };
        if count < 0 || size < 0 {
            ctx.reason(
                ReasonCode::MalformedFile,
                "avro: negative block count or size; the rest was not read",
            );
            return Ok(());
        }
        let size = size as u64;
        if size > ctx.limits.max_member_bytes {
            let max = ctx.limits.max_member_bytes;
            ctx.reason(
                ReasonCode::FileExceedsSizeLimit,
                format!("avro block of {size} bytes is over the {max}-byte limit; the rest was not read"),
            );
            return Ok(());
        }
        let mut raw = Vec::new();
        r.take(size).read_to_end(&mut raw)?;
        let truncated = (raw.len() as u64) < size;
        let (data, decode_error) = decompress(ctx, &codec, &raw);
        drop(raw);
        let mut cur: &[u8] = &data;
        let mut empty_datums = 0u64;
        for k in 0..count {
            if k % 1024 == 1023 && ctx.budget.out_of_time() {
                time_up(ctx);
                return Ok(());
            }
            let before = cur.len();
            match datum_reader.read_value(&mut cur) {
                Ok(v) => {
                    value(ctx, &mut path, record, &v, Some(&schema), &names, 0);
                    record += 1;
                }
                Err(e) => {
                    let msg = if truncated || decode_error.is_some() {
                        format!(
                            "avro: truncated or undecodable block ({}); records from {record} on were not read",
                            decode_error.as_deref().unwrap_or("data ends early")
                        )
                    } else {
                        format!("avro record {record}: {e}; the rest was not read")
                    };
                    ctx.reason(ReasonCode::MalformedFile, msg);
                    return Ok(());
                }
            }
            if cur.len() == before {
                empty_datums += 1;
                if empty_datums > 10_000_000 {
                    ctx.reason(
                        ReasonCode::MalformedFile,
                        "avro: a block declares more empty records than it can hold; the rest was not read",
                    );
                    return Ok(());
                }
            }
        }
        if let Some(m) = decode_error {
            ctx.reason(
                ReasonCode::MalformedFile,
                format!("avro: block could not be decompressed whole ({m}); the rest was not read"),
            );
            return Ok(());
        }
        if truncated {
            ctx.reason(
                ReasonCode::MalformedFile,
                "avro: truncated data block; the rest was not read",
            );
            return Ok(());
        }
        let mut marker = [0u8; 16];
        match r.read_exact(&mut marker) {
            Ok(()) if marker == sync => {}
            Ok(()) => {
                ctx.reason(
                    ReasonCode::MalformedFile,
                    "avro: a block does not end with the sync marker; the rest was not read",
                );
                return Ok(());
            }
            Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => {
                ctx.reason(
                    ReasonCode::MalformedFile,
                    "avro: truncated after a data block",
                );
                return Ok(());
            }
            Err(e) => return Err(e),
        }
    }
}

/// Decompresses one block (through the byte limits); returns what was decoded and, if
/// decoding stopped early, why.
fn decompress(ctx: &mut Ctx<'_>, codec: &str, raw: &[u8]) -> (Vec<u8>, Option<String>) {
    let mut out = Vec::new();
    let compressed = Compressed::Known(raw.len() as u64);
    let result = match codec {
        "null" => return (raw.to_vec(), None),
        "snappy" => {
            // Raw snappy followed by a CRC-32 of the uncompressed data.
            let body = &raw[..raw.len().saturating_sub(4)];
            match snap::raw::decompress_len(body) {
                Ok(n) if n as u64 > ctx.limits.max_member_bytes => {
                    return (
                        out,
                        Some(format!("snappy block declares {n} bytes, over the limit")),
                    );
                }
                Ok(_) => match snap::raw::Decoder::new().decompress_vec(body) {
                    Ok(v) => {
                        let mut c =
                            Counting::new(&v[..], ctx.budget, ctx.limits, compressed.clone());
                        c.read_to_end(&mut out).map(|_| ())
                    }
                    Err(e) => Err(io::Error::new(io::ErrorKind::InvalidData, e)),
                },
                Err(e) => Err(io::Error::new(io::ErrorKind::InvalidData, e)),
            }
        }
        "deflate" => {
            let mut d = flate2::read::DeflateDecoder::new(raw);
            Counting::new(&mut d, ctx.budget, ctx.limits, compressed)
                .read_to_end(&mut out)
                .map(|_| ())
        }
        "zstandard" => match zstd::stream::read::Decoder::new(raw) {
            Ok(mut d) => Counting::new(&mut d, ctx.budget, ctx.limits, compressed)
                .read_to_end(&mut out)
                .map(|_| ()),
            Err(e) => Err(e),
        },
        "bzip2" => {
            let mut d = bzip2::read::MultiBzDecoder::new(raw);
            Counting::new(&mut d, ctx.budget, ctx.limits, compressed)
                .read_to_end(&mut out)
                .map(|_| ())
        }
        "xz" => {
            let mut d = liblzma::read::XzDecoder::new_multi_decoder(raw);
            Counting::new(&mut d, ctx.budget, ctx.limits, compressed)
                .read_to_end(&mut out)
                .map(|_| ())
        }
        _ => return (out, Some(format!("codec {codec}"))),
    };
    match result {
        Ok(()) => (out, None),
        Err(e) => {
            if crate::limits::limit_of(&e).is_some() {
                ctx.io_failure(&e);
            }
            (out, Some(format!("{codec}: {e}")))
        }
    }
}

/// The named schemas, and the file's own spelling of the field names and symbols that were
/// rewritten to be valid.
struct Names<'s> {
    schemas: HashMap<Name, &'s Schema>,
    renamed: HashMap<String, String>,
}

impl Names<'_> {
    fn original<'a>(&'a self, name: &'a str) -> &'a str {
        self.renamed.get(name).map_or(name, String::as_str)
    }
}

fn resolve<'s>(mut schema: Option<&'s Schema>, names: &Names<'s>) -> Option<&'s Schema> {
    for _ in 0..64 {
        match schema {
            Some(Schema::Ref { name }) => schema = names.schemas.get(name).copied(),
            _ => return schema,
        }
    }
    None
}

fn value<'s>(
    ctx: &mut Ctx<'_>,
    path: &mut Path,
    record: u64,
    v: &Value,
    schema: Option<&'s Schema>,
    names: &Names<'s>,
    depth: usize,
) {
    if depth > MAX_NESTING {
        return;
    }
    let schema = resolve(schema, names);
    let text = match v {
        Value::Null => return,
        Value::Boolean(b) => b.to_string(),
        Value::Int(i) => i.to_string(),
        Value::Long(i) => i.to_string(),
        Value::Float(f) => f.to_string(),
        Value::Double(f) => f.to_string(),
        Value::Bytes(b) | Value::Fixed(_, b) => match schema {
            Some(Schema::Decimal(d)) => decimal_text(b, d.scale as i64),
            _ => match binary_text(b) {
                Some(t) => t,
                None => return,
            },
        },
        Value::String(s) => {
            emit(ctx, path, record, s.as_bytes());
            return;
        }
        Value::Enum(_, s) => names.original(s).to_string(),
        Value::Union(i, inner) => {
            let branch = match schema {
                Some(Schema::Union(u)) => u.variants().get(*i as usize),
                _ => None,
            };
            value(ctx, path, record, inner, branch, names, depth + 1);
            return;
        }
        Value::Array(items) => {
            let item_schema = match schema {
                Some(Schema::Array(a)) => Some(&*a.items),
                _ => None,
            };
            for (i, item) in items.iter().enumerate() {
                path.push_index(i as u64);
                value(ctx, path, record, item, item_schema, names, depth + 1);
                path.pop();
            }
            return;
        }
        Value::Map(m) => {
            let value_schema = match schema {
                Some(Schema::Map(m)) => Some(&*m.types),
                _ => None,
            };
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort();
            for k in keys {
                if let Some(item) = m.get(k) {
                    path.push_key(k);
                    emit_key(ctx, path, record, k);
                    value(ctx, path, record, item, value_schema, names, depth + 1);
                    path.pop();
                }
            }
            return;
        }
        Value::Record(fields) => {
            let field_schemas = match schema {
                Some(Schema::Record(r)) => Some(&r.fields),
                _ => None,
            };
            for (i, (name, item)) in fields.iter().enumerate() {
                let fs = field_schemas.and_then(|fs| {
                    fs.get(i)
                        .filter(|f| &f.name == name)
                        .or_else(|| fs.iter().find(|f| &f.name == name))
                        .map(|f| &f.schema)
                });
                path.push_field(names.original(name));
                value(ctx, path, record, item, fs, names, depth + 1);
                path.pop();
            }
            return;
        }
        Value::Date(d) => date_text(i64::from(*d)),
        Value::Decimal(d) => {
            let scale = match schema {
                Some(Schema::Decimal(s)) => s.scale as i64,
                _ => 0,
            };
            match Vec::<u8>::try_from(d) {
                Ok(b) => decimal_text(&b, scale),
                Err(_) => return,
            }
        }
        Value::BigDecimal(b) => b.to_string(),
        Value::TimeMillis(t) => time_text(i64::from(*t), 1000, 3),
        Value::TimeMicros(t) => time_text(*t, 1_000_000, 6),
        Value::TimestampMillis(t) => timestamp_text(*t, 1000, 3, true),
        Value::TimestampMicros(t) => timestamp_text(*t, 1_000_000, 6, true),
        Value::TimestampNanos(t) => timestamp_text(*t, 1_000_000_000, 9, true),
        Value::LocalTimestampMillis(t) => timestamp_text(*t, 1000, 3, false),
        Value::LocalTimestampMicros(t) => timestamp_text(*t, 1_000_000, 6, false),
        Value::LocalTimestampNanos(t) => timestamp_text(*t, 1_000_000_000, 9, false),
        Value::Duration(d) => format!(
            "P{}M{}DT{}S",
            u32::from(d.months()),
            u32::from(d.days()),
            f64::from(u32::from(d.millis())) / 1000.0
        ),
        Value::Uuid(u) => u.to_string(),
    };
    emit(ctx, path, record, text.as_bytes());
}
