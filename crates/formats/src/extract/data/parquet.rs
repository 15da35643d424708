//! Apache Parquet: every row's leaf values, located by row (counted across row groups) and JSON
//! path. Row groups whose declared sizes are over the limits are refused before decoding.

use std::io;

use super::{
    binary_text, date_text, decimal_text, emit, thrift, time_text, time_up, timestamp_text, Path,
    MAX_NESTING,
};
use crate::extract::archive::{spool, Spool};
use crate::extract::ctx::{Content, Ctx, Input};
use crate::reason::ReasonCode;

/// Extracts every row's values with its row index and JSON path.
pub(crate) fn extract(ctx: &mut Ctx<'_>, content: Content<'_>) -> io::Result<()> {
    let spooled = match content.input {
        Input::Stream(r) => spool(ctx, r)?,
        Input::Seek(r) => spool(ctx, r)?,
    };
    match spooled {
        Spool::Memory(c) => parquet_read(ctx, bytes::Bytes::from(c.into_inner())),
        Spool::File(f) => parquet_read(ctx, f),
    }
    Ok(())
}

/// Why a row group is not read.
struct Refusal {
    code: ReasonCode,
    message: String,
}

fn parquet_read<R: parquet::file::reader::ChunkReader + 'static>(ctx: &mut Ctx<'_>, reader: R) {
    let len = parquet::file::reader::Length::len(&reader);
    if len < 12 {
        ctx.reason(
            ReasonCode::MalformedFile,
            format!("parquet: {len} bytes is too short for a parquet file"),
        );
        return;
    }
    let (head, tail) = match (reader.get_bytes(0, 4), reader.get_bytes(len - 8, 8)) {
        (Ok(h), Ok(t)) => (h, t),
        (Err(e), _) | (_, Err(e)) => {
            ctx.reason(ReasonCode::ReadError, format!("parquet: {e}"));
            return;
        }
    };
    if &head[..] == b"PARE" || &tail[4..] == b"PARE" {
        ctx.reason(
            ReasonCode::EncryptedContent,
            "Parquet modular encryption with an encrypted footer (PARE); no key, nothing read",
        );
        return;
    }
    if &tail[4..] != b"PAR1" {
        ctx.reason(
            ReasonCode::MalformedFile,
            "parquet: no PAR1 magic at the end (truncated or not parquet); nothing read",
        );
        return;
    }
    let footer_len = u64::from(u32::from_le_bytes([tail[0], tail[1], tail[2], tail[3]]));
    if footer_len + 12 > len {
        ctx.reason(
            ReasonCode::MalformedFile,
            format!(
                "parquet: footer length {footer_len} is past the start of the file ({len} bytes)"
            ),
        );
        return;
    }
    if footer_len > ctx.limits.max_member_bytes {
        let limit = ctx.limits.max_member_bytes;
        ctx.reason(
            ReasonCode::FileExceedsSizeLimit,
            format!(
                "parquet footer of {footer_len} bytes is over the {limit}-byte limit; not read"
            ),
        );
        return;
    }
    let footer = match reader.get_bytes(len - 8 - footer_len, footer_len as usize) {
        Ok(f) => f,
        Err(e) => {
            ctx.reason(ReasonCode::ReadError, format!("parquet: {e}"));
            return;
        }
    };
    if thrift::footer_encrypted(&footer) {
        ctx.reason(
            ReasonCode::EncryptedContent,
            "Parquet modular encryption (plaintext footer, encrypted columns); no key, values not read",
        );
        return;
    }
    let meta = match parquet::file::metadata::ParquetMetaDataReader::decode_metadata(&footer) {
        Ok(m) => m,
        Err(e) => {
            ctx.reason(ReasonCode::MalformedFile, format!("parquet footer: {e}"));
            return;
        }
    };
    drop(footer);
    // Refuse row groups whose declared sizes would need too much memory, before decoding.
    let mut refused: Vec<Option<Refusal>> = Vec::new();
    for (i, rg) in meta.row_groups().iter().enumerate() {
        if ctx.budget.out_of_time() {
            time_up(ctx);
            return;
        }
        refused.push(check_row_group(ctx, &reader, len, i, rg));
    }
    let file = match parquet::file::reader::SerializedFileReader::new(reader) {
        Ok(f) => f,
        Err(e) => {
            ctx.reason(ReasonCode::MalformedFile, format!("parquet: {e}"));
            return;
        }
    };
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        parquet_rows(ctx, &file, &refused)
    }));
    if outcome.is_err() {
        ctx.reason(
            ReasonCode::MalformedFile,
            "parquet: the reader failed on malformed content; the rest was not read",
        );
    }
}

fn check_row_group<R: parquet::file::reader::ChunkReader>(
    ctx: &Ctx<'_>,
    reader: &R,
    len: u64,
    i: usize,
    rg: &parquet::file::metadata::RowGroupMetaData,
) -> Option<Refusal> {
    let limits = ctx.limits;
    let max = limits.max_member_bytes;
    let total = rg.total_byte_size();
    if total < 0 || total as u64 > max {
        return Some(Refusal {
            code: ReasonCode::FileExceedsSizeLimit,
            message: format!(
                "parquet row group {i} declares {total} uncompressed bytes, over the {max}-byte limit; its rows were not read"
            ),
        });
    }
    for col in rg.columns() {
        let (start, clen) = col.byte_range();
        let name = col.column_path().string();
        if start.checked_add(clen).is_none_or(|end| end > len) {
            return Some(Refusal {
                code: ReasonCode::MalformedFile,
                message: format!(
                    "parquet row group {i} column {name}: chunk at {start}+{clen} lies past the end of the file ({len} bytes); its rows were not read"
                ),
            });
        }
        let unc = col.uncompressed_size();
        if unc < 0 || unc as u64 > max {
            return Some(Refusal {
                code: ReasonCode::FileExceedsSizeLimit,
                message: format!(
                    "parquet row group {i} column {name} declares {unc} uncompressed bytes, over the {max}-byte limit; its rows were not read"
                ),
            });
        }
        // Walk the page headers: each page is decompressed whole.
        let end = start + clen;
        let mut pos = start;
        while pos < end {
            let Ok(r) = reader.get_read(pos) else { break };
            let Some(p) = thrift::page_header(r) else {
                break;
            };
            if p.uncompressed < 0 || p.compressed < 0 {
                break;
            }
            let (u, c) = (p.uncompressed as u64, p.compressed as u64);
            if u > max {
                return Some(Refusal {
                    code: ReasonCode::FileExceedsSizeLimit,
                    message: format!(
                        "parquet row group {i} column {name}: a page declares {u} uncompressed bytes, over the {max}-byte limit; its rows were not read"
                    ),
                });
            }
            if u > limits.ratio_floor && u / c.max(1) > limits.max_ratio {
                return Some(Refusal {
                    code: ReasonCode::ArchiveTotalBytesExtractedOverLimit,
                    message: format!(
                        "parquet row group {i} column {name}: a page of {c} bytes declares {u} uncompressed bytes (over a {}:1 ratio); its rows were not read",
                        limits.max_ratio
                    ),
                });
            }
            pos = pos.saturating_add(p.header_len).saturating_add(c);
        }
    }
    None
}

fn parquet_rows<R: parquet::file::reader::ChunkReader + 'static>(
    ctx: &mut Ctx<'_>,
    file: &parquet::file::reader::SerializedFileReader<R>,
    refused: &[Option<Refusal>],
) {
    use parquet::file::reader::FileReader;
    let mut base = 0u64;
    let mut path = Path::default();
    for (i, refusal) in refused.iter().enumerate() {
        let declared = file
            .metadata()
            .row_groups()
            .get(i)
            .map_or(0, |rg| rg.num_rows().max(0) as u64);
        if let Some(r) = refusal {
            ctx.reason(r.code, r.message.clone());
            base += declared;
            continue;
        }
        let rg = match file.get_row_group(i) {
            Ok(rg) => rg,
            Err(e) => {
                ctx.reason(
                    ReasonCode::MalformedFile,
                    format!("parquet row group {i}: {e}; its rows were not read"),
                );
                base += declared;
                continue;
            }
        };
        let rows = match rg.get_row_iter(None) {
            Ok(r) => r,
            Err(e) => {
                ctx.reason(
                    ReasonCode::MalformedFile,
                    format!("parquet row group {i}: {e}; its rows were not read"),
                );
                base += declared;
                continue;
            }
        };
        let mut n = 0u64;
        for row in rows {
            if n % 1024 == 1023 && ctx.budget.out_of_time() {
                time_up(ctx);
                return;
            }
            match row {
                Ok(row) => {
                    parquet_group(ctx, &mut path, base + n, &row, 0);
                    n += 1;
                }
                Err(e) => {
                    ctx.reason(
                        ReasonCode::MalformedFile,
                        format!(
                            "parquet row group {i}: {e}; rows from {} on were not read",
                            base + n
                        ),
                    );
                    break;
                }
            }
        }
        base += declared.max(n);
    }
}

fn parquet_group(
    ctx: &mut Ctx<'_>,
    path: &mut Path,
    record: u64,
    row: &parquet::record::Row,
    depth: usize,
) {
    for (name, field) in row.get_column_iter() {
        path.push_field(name);
        parquet_field(ctx, path, record, field, depth + 1);
        path.pop();
    }
}

fn parquet_field(
    ctx: &mut Ctx<'_>,
    path: &mut Path,
    record: u64,
    field: &parquet::record::Field,
    depth: usize,
) {
    use parquet::record::Field;
    if depth > MAX_NESTING {
        return;
    }
    match field {
        Field::Group(row) => parquet_group(ctx, path, record, row, depth),
        Field::ListInternal(list) => {
            for (i, e) in list.elements().iter().enumerate() {
                path.push_index(i as u64);
                parquet_field(ctx, path, record, e, depth + 1);
                path.pop();
            }
        }
        Field::MapInternal(map) => {
            for (k, v) in map.entries() {
                let key = parquet_scalar(k).unwrap_or_default();
                path.push_key(&key);
                parquet_field(ctx, path, record, v, depth + 1);
                path.pop();
            }
        }
        Field::Str(s) => emit(ctx, path, record, s.as_bytes()),
        other => {
            if let Some(text) = parquet_scalar(other) {
                emit(ctx, path, record, text.as_bytes());
            }
        }
    }
}

/// A scalar value as text (`None` for nulls, groups and binary that is not text).
fn parquet_scalar(field: &parquet::record::Field) -> Option<String> {
    use parquet::record::Field;
    Some(match field {
        Field::Null => return None,
        Field::Bool(v) => v.to_string(),
        Field::Byte(v) => v.to_string(),
        Field::Short(v) => v.to_string(),
        Field::Int(v) => v.to_string(),
        Field::Long(v) => v.to_string(),
        Field::UByte(v) => v.to_string(),
        Field::UShort(v) => v.to_string(),
        Field::UInt(v) => v.to_string(),
        Field::ULong(v) => v.to_string(),
        Field::Float16(v) => v.to_string(),
        Field::Float(v) => v.to_string(),
        Field::Double(v) => v.to_string(),
        Field::Decimal(d) => decimal_text(d.data(), i64::from(d.scale())),
        Field::Str(s) => s.clone(),
        Field::Bytes(b) => return binary_text(b.data()),
        Field::Date(d) => date_text(i64::from(*d)),
        Field::TimeMillis(v) => time_text(i64::from(*v), 1000, 3),
        Field::TimeMicros(v) => time_text(*v, 1_000_000, 6),
        Field::TimestampMillis(v) => timestamp_text(*v, 1000, 3, true),
        Field::TimestampMicros(v) => timestamp_text(*v, 1_000_000, 6, true),
        Field::Group(_) | Field::ListInternal(_) | Field::MapInternal(_) => return None,
    })
}
