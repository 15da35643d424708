//! Footers of older Parquet writers, repaired before parquet-rs reads them.
//!
//! parquet-rs refuses what older writers wrote and other readers accept: converted types that
//! were dropped from the format (old parquet-cpp wrote 24 for its NULL type), and column chunks
//! whose `total_compressed_size` leaves out a dictionary page header (old parquet-mr), so that
//! the last page runs past the chunk ("EOF: Invalid page header"). No crate edits Thrift in
//! place, so the footer is rewritten here with the bounded compact-protocol walker: unknown
//! converted types are dropped, a chunk size is raised to what its page headers say the chunk
//! holds. parquet-rs then reads the file through [`Patched`], which serves the new footer.

use std::io::{self, Read};
use std::ops::Range;

use bytes::{Buf, Bytes};
use parquet::file::reader::{ChunkReader, Length};

use super::thrift::{self, Res, Src};

/// The last converted type parquet-rs knows (`INTERVAL`).
const LAST_CONVERTED_TYPE: i64 = 21;

/// One field of a compact-protocol struct: its id, type, and where its value lies.
struct Field {
    id: i16,
    t: u8,
    value: Range<usize>,
}

enum Edit {
    Keep,
    Drop,
    Value(Vec<u8>),
}

type Editor<'e> = dyn FnMut(&[u8], &[Field], &Field) -> Res<Edit> + 'e;

fn src(buf: &[u8], at: usize) -> Src<&[u8]> {
    let rest = buf.get(at..).unwrap_or(&[]);
    Src {
        r: rest,
        read: 0,
        len: rest.len() as u64,
    }
}

/// The fields of the struct at `at`, and where it ends.
fn fields(buf: &[u8], at: usize) -> Res<(Vec<Field>, usize)> {
    let mut s = src(buf, at);
    let mut last = 0i16;
    let mut out = Vec::new();
    loop {
        let h = s.byte()?;
        let t = h & 0x0f;
        if t == 0 {
            return Ok((out, at + s.read as usize));
        }
        let id = match h >> 4 {
            0 => s.zigzag()? as i16,
            delta => last.wrapping_add(i16::from(delta)),
        };
        last = id;
        let start = at + s.read as usize;
        s.skip(t, 0)?;
        out.push(Field {
            id,
            t,
            value: start..at + s.read as usize,
        });
    }
}

fn varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn zigzag(out: &mut Vec<u8>, v: i64) {
    varint(out, ((v << 1) ^ (v >> 63)) as u64);
}

fn int(buf: &[u8], f: &Field) -> Option<i64> {
    matches!(f.t, 4..=6)
        .then(|| src(buf, f.value.start).zigzag().ok())
        .flatten()
}

/// Rewrites the struct at `at` into `out` field by field (headers written afresh, since a
/// dropped field changes the next one's id delta); returns where the struct ended.
fn rewrite(buf: &[u8], at: usize, out: &mut Vec<u8>, edit: &mut Editor<'_>) -> Res<usize> {
    let (fields, end) = fields(buf, at)?;
    let mut last = 0i16;
    for f in &fields {
        let value = match edit(buf, &fields, f)? {
            Edit::Drop => continue,
            Edit::Keep => buf.get(f.value.clone()).ok_or(())?.to_vec(),
            Edit::Value(v) => v,
        };
        let delta = i32::from(f.id) - i32::from(last);
        if (1..=15).contains(&delta) {
            out.push(((delta as u8) << 4) | f.t);
        } else {
            out.push(f.t);
            zigzag(out, i64::from(f.id));
        }
        last = f.id;
        out.extend_from_slice(&value);
    }
    out.push(0);
    Ok(end)
}

/// A list of structs (`f`'s value) with each element rewritten by `edit`.
fn rewrite_list(buf: &[u8], f: &Field, edit: &mut Editor<'_>) -> Res<Edit> {
    if f.t != 9 {
        return Ok(Edit::Keep);
    }
    let mut s = src(buf, f.value.start);
    let h = s.byte()?;
    let n = match h >> 4 {
        15 => s.varint()?,
        n => u64::from(n),
    };
    if h & 0x0f != 12 {
        return Ok(Edit::Keep);
    }
    let mut at = f.value.start + s.read as usize;
    let mut out = buf.get(f.value.start..at).ok_or(())?.to_vec();
    for _ in 0..n {
        at = rewrite(buf, at, &mut out, edit)?;
    }
    Ok(Edit::Value(out))
}

/// The footer (`FileMetaData`) repaired, or `None` when nothing needed it. `chunk_len(start,
/// values)` walks a column chunk's page headers: the bytes from `start` that hold `values`.
pub(super) fn repair(
    footer: &[u8],
    chunk_len: &mut dyn FnMut(u64, i64) -> Option<u64>,
) -> Option<Vec<u8>> {
    let changed = std::cell::Cell::new(false);
    let mut out = Vec::with_capacity(footer.len());
    let mut schema_element = |buf: &[u8], _: &[Field], f: &Field| -> Res<Edit> {
        if f.id == 6 && int(buf, f).is_some_and(|v| !(0..=LAST_CONVERTED_TYPE).contains(&v)) {
            changed.set(true);
            return Ok(Edit::Drop);
        }
        Ok(Edit::Keep)
    };
    let mut schema = Vec::new();
    let mut groups = Vec::new();
    let (top, _) = fields(footer, 0).ok()?;
    for f in &top {
        match f.id {
            2 => schema.push(rewrite_list(footer, f, &mut schema_element).ok()?),
            4 => {
                let mut column_meta = |buf: &[u8], all: &[Field], f: &Field| -> Res<Edit> {
                    if f.id != 7 {
                        return Ok(Edit::Keep);
                    }
                    let get = |id| all.iter().find(|g| g.id == id).and_then(|g| int(buf, g));
                    let (Some(declared), Some(values), Some(data)) = (get(7), get(5), get(9))
                    else {
                        return Ok(Edit::Keep);
                    };
                    // Old parquet-mr set no dictionary_page_offset: its data_page_offset
                    // points at the dictionary page. Writers that set it are not walked.
                    if get(11).is_some_and(|d| d > 0) {
                        return Ok(Edit::Keep);
                    }
                    match u64::try_from(data).ok().and_then(|s| chunk_len(s, values)) {
                        Some(walked) if declared >= 0 && (walked as i64) > declared => {
                            changed.set(true);
                            let mut v = Vec::new();
                            zigzag(&mut v, walked as i64);
                            Ok(Edit::Value(v))
                        }
                        _ => Ok(Edit::Keep),
                    }
                };
                let mut column_chunk = |buf: &[u8], _: &[Field], f: &Field| -> Res<Edit> {
                    if f.id != 3 || f.t != 12 {
                        return Ok(Edit::Keep);
                    }
                    let mut v = Vec::new();
                    rewrite(buf, f.value.start, &mut v, &mut column_meta)?;
                    Ok(Edit::Value(v))
                };
                let mut row_group = |buf: &[u8], _: &[Field], f: &Field| -> Res<Edit> {
                    match f.id {
                        1 => rewrite_list(buf, f, &mut column_chunk),
                        _ => Ok(Edit::Keep),
                    }
                };
                groups.push(rewrite_list(footer, f, &mut row_group).ok()?);
            }
            _ => {}
        }
    }
    let (mut schema, mut groups) = (schema.into_iter(), groups.into_iter());
    rewrite(footer, 0, &mut out, &mut |_, _, f| {
        Ok(match f.id {
            2 => schema.next().unwrap_or(Edit::Keep),
            4 => groups.next().unwrap_or(Edit::Keep),
            _ => Edit::Keep,
        })
    })
    .ok()?;
    changed.get().then_some(out)
}

/// The bytes from `start` (up to `end`) that hold a column chunk's `values`, by its page
/// headers, for a chunk that starts with a dictionary page; `None` if it does not, if a header
/// cannot be read or the pages run past `end`. Every page moves the walk on by at least its
/// header's first byte, so it ends.
pub(super) fn walk_chunk<R: ChunkReader>(
    reader: &R,
    end: u64,
    start: u64,
    values: i64,
) -> Option<u64> {
    let mut pos = start;
    let mut seen = 0i64;
    while seen < values {
        if pos >= end {
            return None;
        }
        let p = thrift::page_header(reader.get_read(pos).ok()?, end - pos)?;
        if pos == start && p.kind != 2 {
            return None;
        }
        let compressed = u64::try_from(p.compressed).ok()?;
        seen = seen.saturating_add(p.values.max(0));
        pos = pos.checked_add(p.header_len)?.checked_add(compressed)?;
    }
    (pos <= end).then(|| pos - start)
}

/// A parquet file with its footer replaced: the original bytes up to `body`, then `tail` (the
/// new footer, its length and the magic).
pub(super) struct Patched<R> {
    inner: R,
    body: u64,
    tail: Bytes,
}

impl<R> Patched<R> {
    pub(super) fn new(inner: R, body: u64, footer: Vec<u8>) -> Patched<R> {
        let mut tail = footer;
        let len = tail.len() as u32;
        tail.extend_from_slice(&len.to_le_bytes());
        tail.extend_from_slice(b"PAR1");
        Patched {
            inner,
            body,
            tail: Bytes::from(tail),
        }
    }
}

impl<R: ChunkReader> Length for Patched<R> {
    fn len(&self) -> u64 {
        self.body + self.tail.len() as u64
    }
}

fn eof(what: String) -> parquet::errors::ParquetError {
    parquet::errors::ParquetError::EOF(what)
}

impl<R: ChunkReader> ChunkReader for Patched<R> {
    type T = io::Chain<io::Take<R::T>, bytes::buf::Reader<Bytes>>;

    fn get_read(&self, start: u64) -> parquet::errors::Result<Self::T> {
        let at = start.min(self.body);
        let skip = usize::try_from(start - at).map_err(|_| eof(format!("offset {start}")))?;
        let tail = self
            .tail
            .get(skip..)
            .map(|_| self.tail.slice(skip..))
            .ok_or_else(|| eof(format!("offset {start} is past the end")))?;
        Ok(self
            .inner
            .get_read(at)?
            .take(self.body - at)
            .chain(tail.reader()))
    }

    fn get_bytes(&self, start: u64, length: usize) -> parquet::errors::Result<Bytes> {
        let end = start.saturating_add(length as u64);
        if end <= self.body {
            return self.inner.get_bytes(start, length);
        }
        if end > self.len() {
            return Err(eof(format!("{length} bytes at {start} run past the end")));
        }
        let mut out = Vec::with_capacity(length);
        self.get_read(start)?
            .take(length as u64)
            .read_to_end(&mut out)
            .map_err(|e| eof(e.to_string()))?;
        Ok(Bytes::from(out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A parquet file of one dictionary-encoded string column `name`.
    fn dictionary_file() -> Vec<u8> {
        use parquet::data_type::{ByteArray, ByteArrayType};
        use parquet::file::properties::WriterProperties;
        use parquet::file::writer::SerializedFileWriter;
        use std::sync::Arc;
        let schema = Arc::new(
            parquet::schema::parser::parse_message_type(
                "message s { REQUIRED BYTE_ARRAY name (UTF8); }",
            )
            .unwrap(),
        );
        let props = Arc::new(WriterProperties::builder().build());
        let mut w = SerializedFileWriter::new(Vec::new(), schema, props).unwrap();
        let mut rg = w.next_row_group().unwrap();
        let mut col = rg.next_column().unwrap().unwrap();
        let values: Vec<ByteArray> = ["ALGERIA", "ARGENTINA", "NEEDLE", "ALGERIA"]
            .iter()
            .map(|v| ByteArray::from(*v))
            .collect();
        col.typed::<ByteArrayType>()
            .write_batch(&values, None, None)
            .unwrap();
        col.close().unwrap();
        rg.close().unwrap();
        w.into_inner().unwrap()
    }

    /// The file as old parquet-mr wrote it: no dictionary_page_offset, data_page_offset at the
    /// dictionary page, and a chunk size that leaves out the dictionary page header.
    fn as_old_parquet_mr(data: &[u8]) -> Vec<u8> {
        let len = data.len();
        let flen = u32::from_le_bytes(data[len - 8..len - 4].try_into().unwrap()) as usize;
        let body = len - 8 - flen;
        let footer = &data[body..len - 8];
        let mut column_meta = |buf: &[u8], all: &[Field], f: &Field| -> Res<Edit> {
            let dict = all.iter().find(|g| g.id == 11).and_then(|g| int(buf, g));
            let Some(dict) = dict else {
                return Ok(Edit::Keep);
            };
            let header = thrift::page_header(&data[dict as usize..], 1 << 20).unwrap();
            let mut v = Vec::new();
            match f.id {
                7 => zigzag(&mut v, int(buf, f).unwrap() - header.header_len as i64),
                9 => zigzag(&mut v, dict),
                11 => return Ok(Edit::Drop),
                _ => return Ok(Edit::Keep),
            }
            Ok(Edit::Value(v))
        };
        let mut column_chunk = |buf: &[u8], _: &[Field], f: &Field| -> Res<Edit> {
            if f.id != 3 {
                return Ok(Edit::Keep);
            }
            let mut v = Vec::new();
            rewrite(buf, f.value.start, &mut v, &mut column_meta)?;
            Ok(Edit::Value(v))
        };
        let mut row_group = |buf: &[u8], _: &[Field], f: &Field| -> Res<Edit> {
            match f.id {
                1 => rewrite_list(buf, f, &mut column_chunk),
                _ => Ok(Edit::Keep),
            }
        };
        let mut new = Vec::new();
        rewrite(footer, 0, &mut new, &mut |buf, _, f| match f.id {
            4 => rewrite_list(buf, f, &mut row_group),
            _ => Ok(Edit::Keep),
        })
        .unwrap();
        let mut out = data[..body].to_vec();
        out.extend_from_slice(&new);
        out.extend_from_slice(&(new.len() as u32).to_le_bytes());
        out.extend_from_slice(b"PAR1");
        out
    }

    #[derive(Default)]
    struct Texts(String);

    impl crate::TextSink for Texts {
        fn chunk(&mut self, c: &crate::Chunk<'_>) {
            self.0.push_str(&String::from_utf8_lossy(c.text));
            self.0.push('\n');
        }
    }

    #[test]
    fn a_chunk_size_without_its_dictionary_page_header_is_raised_to_what_its_pages_hold() {
        let old = as_old_parquet_mr(&dictionary_file());
        let mut texts = Texts::default();
        let e = crate::extract(
            &mut std::io::Cursor::new(&old),
            "old.parquet",
            &crate::Limits::default(),
            &mut texts,
        );
        assert!(e.reasons.is_empty(), "{:?}", e.reasons);
        assert!(texts.0.contains("NEEDLE"), "{}", texts.0);
        assert!(texts.0.contains("ARGENTINA"), "{}", texts.0);
    }

    #[test]
    fn unknown_converted_types_are_dropped_and_later_fields_keep_their_ids() {
        // FileMetaData { 2: [SchemaElement { 4: "a", 6: 24, 7: 3 }] }.
        let footer = [
            0x29, 0x1c, // field 2, list of 1 struct
            0x48, 0x01, b'a', // field 4: binary "a"
            0x25, 0x30, // field 6: i32 24
            0x15, 0x06, // field 7: i32 3
            0x00, 0x00,
        ];
        let fixed = repair(&footer, &mut |_, _| None).expect("changed");
        assert_eq!(
            fixed,
            [0x29, 0x1c, 0x48, 0x01, b'a', 0x35, 0x06, 0x00, 0x00]
        );
        assert!(repair(&fixed, &mut |_, _| None).is_none());
    }
}
