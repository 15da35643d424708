//! Record formats: Apache Parquet and Avro. Every leaf value is a chunk located by its 0-based
//! record (a Parquet row counted across row groups, an Avro datum counted across blocks) and
//! JSON path; the element names on the path are its keyword context.

use std::io::{self, Read};

use super::{unsupported, Chunk, Ctx, Input};
use crate::format::Format;
use crate::location::{Locator, StreamPos};
use crate::reason::ReasonCode;

/// Extracts every value with its record index and JSON path.
pub(crate) fn extract(
    ctx: &mut Ctx<'_>,
    format: Format,
    input: Input<'_>,
    name: &str,
) -> io::Result<()> {
    let _ = name;
    match format {
        Format::Parquet => parquet_file(ctx, input),
        Format::Avro => {
            let r: &mut dyn Read = match input {
                Input::Stream(r) => r,
                Input::Seek(r) => r,
            };
            avro::extract(ctx, r)
        }
        _ => {
            unsupported(ctx, &format!("no extractor for {} content", format.name()));
            Ok(())
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Paths and emission shared by both formats.

/// A JSON path being walked: rendered `$.a.b[0]['key']`, and the element names for keywords.
#[derive(Default)]
struct Path {
    elems: Vec<Elem>,
    names: String,
    rendered: String,
}

enum Elem {
    Field { name: String, names_len: usize },
    Key { name: String, names_len: usize },
    Index(u64),
}

impl Path {
    fn push_names(&mut self, name: &str) -> usize {
        let names_len = self.names.len();
        if !self.names.is_empty() {
            self.names.push('\n');
        }
        self.names.push_str(name);
        names_len
    }

    fn push_field(&mut self, name: &str) {
        let names_len = self.push_names(name);
        self.elems.push(Elem::Field {
            name: name.to_string(),
            names_len,
        });
    }

    /// A map key (always rendered in brackets: `$.m['key']`).
    fn push_key(&mut self, name: &str) {
        let names_len = self.push_names(name);
        self.elems.push(Elem::Key {
            name: name.to_string(),
            names_len,
        });
    }

    fn push_index(&mut self, i: u64) {
        self.elems.push(Elem::Index(i));
    }

    fn pop(&mut self) {
        match self.elems.pop() {
            Some(Elem::Field { names_len, .. }) | Some(Elem::Key { names_len, .. }) => {
                self.names.truncate(names_len)
            }
            _ => {}
        }
    }

    fn render(&mut self) {
        use std::fmt::Write;
        self.rendered.clear();
        self.rendered.push('$');
        for e in &self.elems {
            match e {
                Elem::Index(i) => {
                    let _ = write!(self.rendered, "[{i}]");
                }
                Elem::Field { name, .. } => super::json::push_path_name(&mut self.rendered, name),
                Elem::Key { name, .. } => {
                    super::json::push_quoted_path_name(&mut self.rendered, name)
                }
            }
        }
    }
}

/// Emits one value of `record` at the current path.
fn emit(ctx: &mut Ctx<'_>, path: &mut Path, record: u64, text: &[u8]) {
    if text.is_empty() {
        return;
    }
    path.render();
    let context = (!path.names.is_empty()).then_some(path.names.as_str());
    ctx.sink.chunk(&Chunk {
        text,
        report: 0..text.len(),
        context,
        locator: Locator::Record {
            record,
            json_path: &path.rendered,
            start: StreamPos::start(),
        },
        member: &ctx.member,
    });
}

/// Binary as text when it mostly is (lossy UTF-8), else `None`.
fn binary_text(b: &[u8]) -> Option<String> {
    if b.is_empty() {
        return None;
    }
    let s = String::from_utf8_lossy(b);
    let mut total = 0usize;
    let mut bad = 0usize;
    for c in s.chars() {
        total += 1;
        if c == char::REPLACEMENT_CHARACTER || (c.is_control() && !c.is_whitespace()) {
            bad += 1;
        }
    }
    (bad * 10 <= total).then(|| s.into_owned())
}

/// Days since 1970-01-01 to (year, month, day) (proleptic Gregorian).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

fn date_text(days: i64) -> String {
    let (y, m, d) = civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02}")
}

/// A time of day from a count of `unit`s per second (1e3, 1e6, 1e9) since midnight.
fn time_text(v: i64, per_sec: i64, digits: usize) -> String {
    let secs = v.div_euclid(per_sec);
    let frac = v.rem_euclid(per_sec);
    format!(
        "{:02}:{:02}:{:02}.{:0digits$}",
        secs / 3600,
        (secs / 60) % 60,
        secs % 60,
        frac
    )
}

/// A timestamp from a count of `unit`s per second since the epoch; `utc` adds a `Z`.
fn timestamp_text(v: i64, per_sec: i64, digits: usize, utc: bool) -> String {
    let secs = v.div_euclid(per_sec);
    let frac = v.rem_euclid(per_sec);
    let days = secs.div_euclid(86_400);
    let sod = secs.rem_euclid(86_400);
    format!(
        "{}T{:02}:{:02}:{:02}.{:0digits$}{}",
        date_text(days),
        sod / 3600,
        (sod / 60) % 60,
        sod % 60,
        frac,
        if utc { "Z" } else { "" }
    )
}

/// A decimal from its big-endian two's complement unscaled value and scale.
fn decimal_text(be: &[u8], scale: i64) -> String {
    let negative = be.first().is_some_and(|b| b & 0x80 != 0);
    let mut mag: Vec<u8> = be.to_vec();
    if negative {
        // Two's complement negation.
        for b in mag.iter_mut() {
            *b = !*b;
        }
        for b in mag.iter_mut().rev() {
            let (v, carry) = b.overflowing_add(1);
            *b = v;
            if !carry {
                break;
            }
        }
    }
    // Repeated division by 10.
    let mut digits = Vec::new();
    let mut start = 0;
    while start < mag.len() {
        let mut rem = 0u32;
        for b in mag[start..].iter_mut() {
            let cur = (rem << 8) | u32::from(*b);
            *b = (cur / 10) as u8;
            rem = cur % 10;
        }
        digits.push(b'0' + rem as u8);
        while start < mag.len() && mag[start] == 0 {
            start += 1;
        }
    }
    if digits.is_empty() {
        digits.push(b'0');
    }
    digits.reverse();
    let mut s = String::new();
    if negative {
        s.push('-');
    }
    let digits = String::from_utf8_lossy(&digits).into_owned();
    if scale <= 0 {
        s.push_str(&digits);
        if scale < 0 && digits != "0" {
            for _ in 0..(-scale).min(1000) {
                s.push('0');
            }
        }
        return s;
    }
    let scale = scale as usize;
    if digits.len() > scale {
        let (int, frac) = digits.split_at(digits.len() - scale);
        s.push_str(int);
        s.push('.');
        s.push_str(frac);
    } else {
        s.push_str("0.");
        for _ in 0..(scale - digits.len()) {
            s.push('0');
        }
        s.push_str(&digits);
    }
    s
}

// ---------------------------------------------------------------------------------------------
// Parquet.

mod thrift {
    //! Just enough of Thrift's compact protocol to walk page headers and spot an encrypted
    //! file's footer fields without decoding them.

    use std::io::{self, Read};

    pub(super) struct Src<R> {
        pub(super) r: R,
        pub(super) read: u64,
    }

    type Res<T> = Result<T, ()>;

    impl<R: Read> Src<R> {
        fn byte(&mut self) -> Res<u8> {
            let mut b = [0u8; 1];
            match self.r.read_exact(&mut b) {
                Ok(()) => {
                    self.read += 1;
                    Ok(b[0])
                }
                Err(_) => Err(()),
            }
        }

        fn varint(&mut self) -> Res<u64> {
            let mut v = 0u64;
            for shift in (0..70).step_by(7) {
                let b = self.byte()?;
                v |= u64::from(b & 0x7f) << shift.min(63);
                if b & 0x80 == 0 {
                    return Ok(v);
                }
            }
            Err(())
        }

        fn zigzag(&mut self) -> Res<i64> {
            let v = self.varint()?;
            Ok((v >> 1) as i64 ^ -((v & 1) as i64))
        }

        fn skip_bytes(&mut self, n: u64) -> Res<()> {
            let copied = io::copy(&mut (&mut self.r).take(n), &mut io::sink()).map_err(|_| ())?;
            self.read += copied;
            if copied == n {
                Ok(())
            } else {
                Err(())
            }
        }

        /// Skips a value of compact type `t`.
        fn skip(&mut self, t: u8, depth: usize) -> Res<()> {
            if depth > 64 {
                return Err(());
            }
            match t {
                1 | 2 => Ok(()),
                3 => self.byte().map(|_| ()),
                4..=6 => self.varint().map(|_| ()),
                7 => self.skip_bytes(8),
                8 => {
                    let n = self.varint()?;
                    self.skip_bytes(n)
                }
                9 | 10 => {
                    let h = self.byte()?;
                    let mut n = u64::from(h >> 4);
                    if n == 15 {
                        n = self.varint()?;
                    }
                    let et = h & 0x0f;
                    for _ in 0..n {
                        if et == 1 || et == 2 {
                            self.byte()?;
                        } else {
                            self.skip(et, depth + 1)?;
                        }
                    }
                    Ok(())
                }
                11 => {
                    let n = self.varint()?;
                    if n == 0 {
                        return Ok(());
                    }
                    let kv = self.byte()?;
                    for _ in 0..n {
                        self.skip(kv >> 4, depth + 1)?;
                        self.skip(kv & 0x0f, depth + 1)?;
                    }
                    Ok(())
                }
                12 => {
                    self.structure(depth + 1, &mut |_, _, _| Ok(false))?;
                    Ok(())
                }
                _ => Err(()),
            }
        }

        /// Walks a struct's fields; `f(src, id, type)` returns true when it consumed the value.
        pub(super) fn structure(
            &mut self,
            depth: usize,
            f: &mut dyn FnMut(&mut Self, i16, u8) -> Res<bool>,
        ) -> Res<()> {
            let mut last = 0i16;
            loop {
                let h = self.byte()?;
                let t = h & 0x0f;
                if t == 0 {
                    return Ok(());
                }
                let delta = h >> 4;
                let id = if delta == 0 {
                    self.zigzag()? as i16
                } else {
                    last.wrapping_add(i16::from(delta))
                };
                last = id;
                if !f(self, id, t)? {
                    self.skip(t, depth)?;
                }
            }
        }

        pub(super) fn i32_field(&mut self, t: u8) -> Res<i64> {
            if t == 5 || t == 4 || t == 6 {
                self.zigzag()
            } else {
                Err(())
            }
        }
    }

    /// A page header's declared sizes and its own length.
    pub(super) struct PageSizes {
        pub(super) uncompressed: i64,
        pub(super) compressed: i64,
        pub(super) header_len: u64,
    }

    pub(super) fn page_header<R: Read>(r: R) -> Option<PageSizes> {
        let mut src = Src { r, read: 0 };
        let mut uncompressed = None;
        let mut compressed = None;
        src.structure(0, &mut |s, id, t| match id {
            2 => {
                uncompressed = Some(s.i32_field(t)?);
                Ok(true)
            }
            3 => {
                compressed = Some(s.i32_field(t)?);
                Ok(true)
            }
            _ => Ok(false),
        })
        .ok()?;
        Some(PageSizes {
            uncompressed: uncompressed?,
            compressed: compressed?,
            header_len: src.read,
        })
    }

    /// Whether a (plaintext) FileMetaData declares an encryption algorithm (field 8).
    pub(super) fn footer_encrypted(footer: &[u8]) -> bool {
        let mut src = Src { r: footer, read: 0 };
        let mut found = false;
        let _ = src.structure(0, &mut |_, id, _| {
            if id == 8 {
                found = true;
            }
            Ok(false)
        });
        found
    }
}

fn parquet_file(ctx: &mut Ctx<'_>, input: Input<'_>) -> io::Result<()> {
    use super::archive::Spool;
    let spooled = match input {
        Input::Stream(r) => super::archive::spool(ctx, r)?,
        Input::Seek(r) => super::archive::spool(ctx, r)?,
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

fn time_up(ctx: &mut Ctx<'_>) {
    let _ = ctx.budget.trip(ReasonCode::TimeCutOffReached);
    ctx.reason(
        ReasonCode::TimeCutOffReached,
        "the time budget for this object was spent",
    );
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

const MAX_NESTING: usize = 512;

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

// ---------------------------------------------------------------------------------------------
// Avro.

mod avro {
    use std::collections::HashMap;
    use std::io::{self, Read};

    use apache_avro::schema::{Name, Schema};
    use apache_avro::types::Value;

    use super::{
        binary_text, date_text, decimal_text, emit, time_text, time_up, timestamp_text,
        unsupported, Ctx, Path, MAX_NESTING,
    };
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

    pub(super) fn extract(ctx: &mut Ctx<'_>, input: &mut dyn Read) -> io::Result<()> {
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
        let schema = match Schema::parse_str(&String::from_utf8_lossy(schema_json)) {
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
        let names: HashMap<Name, &Schema> = resolved
            .as_ref()
            .map(|r| r.get_names().clone())
            .unwrap_or_default();
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
            for _ in 0..count {
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
                    format!(
                        "avro: block could not be decompressed whole ({m}); the rest was not read"
                    ),
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
                let mut d = xz2::read::XzDecoder::new_multi_decoder(raw);
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

    fn resolve<'s>(
        mut schema: Option<&'s Schema>,
        names: &HashMap<Name, &'s Schema>,
    ) -> Option<&'s Schema> {
        for _ in 0..64 {
            match schema {
                Some(Schema::Ref { name }) => schema = names.get(name).copied(),
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
        names: &HashMap<Name, &'s Schema>,
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
            Value::Enum(_, s) => s.clone(),
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
                    path.push_field(name);
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
}
