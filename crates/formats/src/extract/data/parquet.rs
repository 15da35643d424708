//! Apache Parquet: every row's leaf values, located by row (counted across row groups) and JSON
//! path. Row groups and column chunks whose declared places or sizes are wrong or over the
//! limits are refused before decoding; parquet-rs runs behind the panic guard.

use std::io;

use super::footer;
use super::{
    binary_text, date_text, decimal_text, emit, emit_key, thrift, time_text, time_up,
    timestamp_text, Path, MAX_NESTING,
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

/// Why a row group or a column is not read.
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
    let body = len - 8 - footer_len;
    let repaired = footer::repair(&footer, &mut |start, values| {
        footer::walk_chunk(&reader, body, start, values)
    });
    match repaired {
        Some(fixed) => {
            drop(footer);
            let patched = footer::Patched::new(reader, body, fixed.clone());
            parquet_open(ctx, patched, &fixed)
        }
        None => parquet_open(ctx, reader, &footer),
    }
}

/// Reads the rows of a file whose footer (`footer`, as `reader` holds it) is checked.
fn parquet_open<R: parquet::file::reader::ChunkReader + 'static>(
    ctx: &mut Ctx<'_>,
    reader: R,
    footer: &[u8],
) {
    let len = parquet::file::reader::Length::len(&reader);
    let decoded = ctx.guarded("parquet", || {
        parquet::file::metadata::ParquetMetaDataReader::decode_metadata(footer)
    });
    let meta = match decoded {
        Some(Ok(m)) => m,
        Some(Err(e)) => {
            ctx.reason(ReasonCode::MalformedFile, format!("parquet footer: {e}"));
            return;
        }
        None => {
            ctx.reason(
                ReasonCode::MalformedFile,
                "parquet footer: the reader failed on malformed metadata; nothing read",
            );
            return;
        }
    };
    // Check every row group and column chunk against the file and the limits before any is
    // decoded: parquet-rs panics on some forged offsets, and decompresses pages whole.
    let mut plans: Vec<RowGroupPlan> = Vec::new();
    for (i, rg) in meta.row_groups().iter().enumerate() {
        if ctx.budget.out_of_time() {
            time_up(ctx);
            return;
        }
        plans.push(plan_row_group(ctx, &reader, len, i, rg));
    }
    if ctx.exhausted() {
        return;
    }
    let opened = ctx.guarded("parquet", || {
        let options = parquet::file::serialized_reader::ReadOptionsBuilder::new().build();
        parquet::file::reader::SerializedFileReader::new_with_options(reader, options)
    });
    let file = match opened {
        Some(Ok(f)) => f,
        Some(Err(e)) => {
            ctx.reason(ReasonCode::MalformedFile, format!("parquet: {e}"));
            return;
        }
        None => {
            ctx.reason(
                ReasonCode::MalformedFile,
                "parquet: the reader failed on malformed metadata; nothing read",
            );
            return;
        }
    };
    parquet_rows(ctx, &file, &plans);
}

/// What is read of one row group: all of it, its rows without some columns, or nothing.
enum RowGroupPlan {
    /// Read the row group's rows without the top-level fields at `skip` (indices into the
    /// schema's root fields: a bad column chunk costs its field, not the row group).
    Read {
        skip: Vec<usize>,
        notes: Vec<Refusal>,
    },
    /// The row group is not read.
    Refuse(Refusal),
}

fn plan_row_group<R: parquet::file::reader::ChunkReader>(
    ctx: &mut Ctx<'_>,
    reader: &R,
    len: u64,
    i: usize,
    rg: &parquet::file::metadata::RowGroupMetaData,
) -> RowGroupPlan {
    let max = ctx.limits.max_member_bytes;
    let total = rg.total_byte_size();
    if total < 0 || total as u64 > max {
        return RowGroupPlan::Refuse(Refusal {
            code: ReasonCode::FileExceedsSizeLimit,
            message: format!(
                "parquet row group {i} declares {total} uncompressed bytes, over the {max}-byte limit; its rows were not read"
            ),
        });
    }
    let schema = rg.schema_descr();
    let mut skip = Vec::new();
    let mut notes = Vec::new();
    for (c, col) in rg.columns().iter().enumerate() {
        if let Some(refusal) = check_column(ctx, reader, len, i, col) {
            let root = schema.get_column_root_idx(c);
            if !skip.contains(&root) {
                skip.push(root);
            }
            notes.push(refusal);
        }
        if ctx.budget.out_of_time() {
            time_up(ctx);
            break;
        }
    }
    if !skip.is_empty() && skip.len() >= schema.root_schema().get_fields().len() {
        return RowGroupPlan::Refuse(Refusal {
            code: notes[0].code,
            message: format!(
                "{}; no column of row group {i} could be read, so its rows were not read",
                notes[0].message
            ),
        });
    }
    RowGroupPlan::Read { skip, notes }
}

/// Why a column chunk cannot be read, if it cannot: its place in the file, its declared
/// sizes and each page header's sizes, all checked before parquet-rs sees them.
fn check_column<R: parquet::file::reader::ChunkReader>(
    ctx: &Ctx<'_>,
    reader: &R,
    len: u64,
    i: usize,
    col: &parquet::file::metadata::ColumnChunkMetaData,
) -> Option<Refusal> {
    let limits = ctx.limits;
    let max = limits.max_member_bytes;
    let name = col.column_path().string();
    let start = col
        .dictionary_page_offset()
        .unwrap_or_else(|| col.data_page_offset());
    let clen = col.compressed_size();
    let malformed = |what: String| Refusal {
        code: ReasonCode::MalformedFile,
        message: format!("parquet row group {i} column {name}: {what}; the column was not read"),
    };
    if start < 0 || clen < 0 || col.data_page_offset() < 0 {
        return Some(malformed(format!(
            "chunk at {start}+{clen} has a negative offset or length"
        )));
    }
    let (start, clen) = (start as u64, clen as u64);
    if start.checked_add(clen).is_none_or(|end| end > len) {
        return Some(malformed(format!(
            "chunk at {start}+{clen} lies past the end of the file ({len} bytes)"
        )));
    }
    let unc = col.uncompressed_size();
    if unc < 0 || unc as u64 > max {
        return Some(Refusal {
            code: ReasonCode::FileExceedsSizeLimit,
            message: format!(
                "parquet row group {i} column {name} declares {unc} uncompressed bytes, over the {max}-byte limit; the column was not read"
            ),
        });
    }
    // Walk the page headers: each page is decompressed whole. Every step moves past at least
    // one header byte, so the walk ends within the chunk.
    let end = start + clen;
    let bits = value_bits(col.column_type(), col.column_descr().type_length());
    let mut pos = start;
    while pos < end {
        if ctx.budget.out_of_time() {
            return None;
        }
        let Ok(r) = reader.get_read(pos) else { break };
        // A header our bounded walk cannot read is not handed to parquet-rs, whose own walk
        // of unknown fields does not stop at the end of the input.
        let Some(p) = thrift::page_header(r, len - pos) else {
            return Some(malformed(format!(
                "the page header at byte {pos} cannot be read"
            )));
        };
        if p.uncompressed < 0 || p.compressed < 0 {
            return Some(malformed(
                "a page header declares a negative size".to_string(),
            ));
        }
        let (u, c) = (p.uncompressed as u64, p.compressed as u64);
        if u > max {
            return Some(Refusal {
                code: ReasonCode::FileExceedsSizeLimit,
                message: format!(
                    "parquet row group {i} column {name}: a page declares {u} uncompressed bytes, over the {max}-byte limit; the column was not read"
                ),
            });
        }
        if u > limits.ratio_floor && u / c.max(1) > limits.max_ratio {
            return Some(Refusal {
                code: ReasonCode::ArchiveTotalBytesExtractedOverLimit,
                message: format!(
                    "parquet row group {i} column {name}: a page of {c} bytes declares {u} uncompressed bytes (over a {}:1 ratio); the column was not read",
                    limits.max_ratio
                ),
            });
        }
        // parquet-rs sizes a dictionary from its declared count before decoding it: a count
        // that the page's bytes cannot hold would be a huge allocation (a fuzzing finding).
        let dict = u64::try_from(p.dict_values).ok();
        if dict.is_none_or(|n| n.saturating_mul(bits) > u.saturating_mul(8)) {
            return Some(malformed(format!(
                "a dictionary page of {u} bytes declares {} values",
                p.dict_values
            )));
        }
        pos = pos.saturating_add(p.header_len).saturating_add(c);
    }
    None
}

/// The fewest bits one PLAIN-encoded value of a physical type takes (a byte array: its 4-byte
/// length).
fn value_bits(physical: parquet::basic::Type, type_length: i32) -> u64 {
    use parquet::basic::Type;
    match physical {
        Type::BOOLEAN => 1,
        Type::INT32 | Type::FLOAT | Type::BYTE_ARRAY => 32,
        Type::INT64 | Type::DOUBLE => 64,
        Type::INT96 => 96,
        Type::FIXED_LEN_BYTE_ARRAY => u64::try_from(type_length).unwrap_or(0).max(1) * 8,
    }
}

/// The schema without the root fields at `skip`, for a row iterator's projection.
fn projection(
    file: &parquet::file::reader::SerializedFileReader<
        impl parquet::file::reader::ChunkReader + 'static,
    >,
    skip: &[usize],
) -> Option<parquet::schema::types::Type> {
    use parquet::file::reader::FileReader;
    if skip.is_empty() {
        return None;
    }
    let root = file.metadata().file_metadata().schema_descr().root_schema();
    let kept: Vec<_> = root
        .get_fields()
        .iter()
        .enumerate()
        .filter(|(i, _)| !skip.contains(i))
        .map(|(_, f)| f.clone())
        .collect();
    parquet::schema::types::Type::group_type_builder(root.name())
        .with_fields(kept)
        .build()
        .ok()
}

const PANICKED: &str = "the parquet reader failed on malformed content";

fn parquet_rows<R: parquet::file::reader::ChunkReader + 'static>(
    ctx: &mut Ctx<'_>,
    file: &parquet::file::reader::SerializedFileReader<R>,
    plans: &[RowGroupPlan],
) {
    use parquet::file::reader::FileReader;
    let mut base = 0u64;
    let mut path = Path::default();
    for (i, plan) in plans.iter().enumerate() {
        let declared = file
            .metadata()
            .row_groups()
            .get(i)
            .map_or(0, |rg| rg.num_rows().max(0) as u64);
        let skip = match plan {
            RowGroupPlan::Refuse(r) => {
                ctx.reason(r.code, r.message.clone());
                base += declared;
                continue;
            }
            RowGroupPlan::Read { skip, notes } => {
                for r in notes {
                    ctx.reason(r.code, r.message.clone());
                }
                skip
            }
        };
        let n = parquet_row_group(ctx, file, i, base, skip, &mut path);
        if ctx.exhausted() {
            return;
        }
        base += declared.max(n);
    }
}

/// Reads row group `i`'s rows (numbered from `base`) without the root fields at `skip`;
/// returns how many rows it holds, as far as they were read. When parquet-rs fails part-way
/// (an error, or a panic on a malformed page), the rest of the row group is read again one
/// top-level field at a time, so that one bad column chunk costs that column only.
fn parquet_row_group<R: parquet::file::reader::ChunkReader + 'static>(
    ctx: &mut Ctx<'_>,
    file: &parquet::file::reader::SerializedFileReader<R>,
    i: usize,
    base: u64,
    skip: &[usize],
    path: &mut Path,
) -> u64 {
    use parquet::file::reader::FileReader;
    let (n, what) = match parquet_read_rows(ctx, file, i, base, skip, 0, path) {
        Ok(n) => return n,
        Err(failed) => failed,
    };
    let root = file.metadata().file_metadata().schema_descr().root_schema();
    let fields = root.get_fields();
    let kept: Vec<usize> = (0..fields.len()).filter(|f| !skip.contains(f)).collect();
    if kept.len() < 2 || ctx.exhausted() {
        ctx.reason(
            ReasonCode::MalformedFile,
            format!(
                "parquet row group {i}: {what}; rows from {} on were not read",
                base + n
            ),
        );
        return n;
    }
    ctx.reason(
        ReasonCode::MalformedFile,
        format!(
            "parquet row group {i}: {what}; rows from {} on were read one column at a time",
            base + n
        ),
    );
    let mut most = n;
    for &field in &kept {
        let others: Vec<usize> = (0..fields.len()).filter(|f| *f != field).collect();
        match parquet_read_rows(ctx, file, i, base, &others, n, path) {
            Ok(m) => most = most.max(m),
            Err((m, what)) => {
                let name = fields[field].name();
                ctx.reason(
                    ReasonCode::MalformedFile,
                    format!(
                        "parquet row group {i} column {name}: {what}; its values from row {} on were not read",
                        base + m
                    ),
                );
                most = most.max(m);
            }
        }
        if ctx.exhausted() {
            break;
        }
    }
    most
}

/// Reads row group `i` without the root fields at `skip`, emitting rows from `from` on (the
/// ones before were read already). Ok: the rows it holds; Err: how far it got, and why not
/// further.
fn parquet_read_rows<R: parquet::file::reader::ChunkReader + 'static>(
    ctx: &mut Ctx<'_>,
    file: &parquet::file::reader::SerializedFileReader<R>,
    i: usize,
    base: u64,
    skip: &[usize],
    from: u64,
    path: &mut Path,
) -> Result<u64, (u64, String)> {
    use parquet::file::reader::FileReader;
    let rg = match ctx.guarded("parquet", || file.get_row_group(i)) {
        Some(Ok(rg)) => rg,
        Some(Err(e)) => return Err((0, e.to_string())),
        None => return Err((0, PANICKED.to_string())),
    };
    let mut rows = match ctx.guarded("parquet", || rg.get_row_iter(projection(file, skip))) {
        Some(Ok(rows)) => rows,
        Some(Err(e)) => return Err((0, e.to_string())),
        None => return Err((0, PANICKED.to_string())),
    };
    let mut n = 0u64;
    loop {
        if n % 1024 == 1023 && ctx.budget.out_of_time() {
            time_up(ctx);
            return Ok(n);
        }
        match ctx.guarded("parquet", || rows.next()) {
            Some(Some(Ok(row))) => {
                if n >= from {
                    parquet_group(ctx, path, base + n, &row, 0);
                }
                n += 1;
            }
            Some(None) => return Ok(n),
            Some(Some(Err(e))) => return Err((n, e.to_string())),
            None => return Err((n, PANICKED.to_string())),
        }
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
                emit_key(ctx, path, record, &key);
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
