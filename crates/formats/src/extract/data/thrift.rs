//! Just enough of Thrift's compact protocol to walk page headers and spot an encrypted
//! file's footer fields without decoding them.

use std::io::{self, Read};

/// A compact-protocol reader over at most `len` bytes. Every loop over a count read from
/// the input is checked against the bytes left first, so a forged count is an error at
/// once rather than a walk of billions of empty elements.
pub(super) struct Src<R> {
    pub(super) r: R,
    pub(super) read: u64,
    pub(super) len: u64,
}

pub(super) type Res<T> = Result<T, ()>;

impl<R: Read> Src<R> {
    pub(super) fn byte(&mut self) -> Res<u8> {
        let mut b = [0u8; 1];
        match self.r.read_exact(&mut b) {
            Ok(()) => {
                self.read += 1;
                Ok(b[0])
            }
            Err(_) => Err(()),
        }
    }

    pub(super) fn varint(&mut self) -> Res<u64> {
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

    pub(super) fn zigzag(&mut self) -> Res<i64> {
        let v = self.varint()?;
        Ok((v >> 1) as i64 ^ -((v & 1) as i64))
    }

    fn skip_bytes(&mut self, n: u64) -> Res<()> {
        if n > self.left() {
            return Err(());
        }
        let copied = io::copy(&mut (&mut self.r).take(n), &mut io::sink()).map_err(|_| ())?;
        self.read += copied;
        if copied == n {
            Ok(())
        } else {
            Err(())
        }
    }

    /// Bytes of input not yet read.
    pub(super) fn left(&self) -> u64 {
        self.len.saturating_sub(self.read)
    }

    /// Skips a value of compact type `t` (a struct field's value: booleans are held in
    /// the field header and take no byte).
    pub(super) fn skip(&mut self, t: u8, depth: usize) -> Res<()> {
        match t {
            1 | 2 => Ok(()),
            _ => self.skip_element(t, depth),
        }
    }

    /// Skips a value of compact type `t` inside a list, set or map, where a boolean is a
    /// byte of its own. Every element takes at least one byte. Containers of booleans are
    /// refused: no Parquet structure has one, and parquet-rs skips their elements as taking
    /// no byte, so a forged one sends its page-header walk round billions of times. Types it
    /// does not know (a UUID past the end of the input, say) are refused too.
    fn skip_element(&mut self, t: u8, depth: usize) -> Res<()> {
        if depth > 64 {
            return Err(());
        }
        match t {
            1..=3 => self.byte().map(|_| ()),
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
                if n > self.left() {
                    return Err(());
                }
                let et = h & 0x0f;
                if n > 0 && matches!(et, 1 | 2) {
                    return Err(());
                }
                for _ in 0..n {
                    self.skip_element(et, depth + 1)?;
                }
                Ok(())
            }
            11 => {
                let n = self.varint()?;
                if n == 0 {
                    return Ok(());
                }
                let kv = self.byte()?;
                if n > self.left() / 2 {
                    return Err(());
                }
                if matches!(kv >> 4, 1 | 2) || matches!(kv & 0x0f, 1 | 2) {
                    return Err(());
                }
                for _ in 0..n {
                    self.skip_element(kv >> 4, depth + 1)?;
                    self.skip_element(kv & 0x0f, depth + 1)?;
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

    /// Field 1 (num_values) of the nested page header struct that follows (0 if absent).
    fn num_values(&mut self) -> Res<i64> {
        let mut n = 0;
        self.structure(1, &mut |s, id, t| match id {
            1 => {
                n = s.i32_field(t)?;
                Ok(true)
            }
            _ => Ok(false),
        })?;
        Ok(n)
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
    /// The values of a data page (v1 or v2; 0 for other pages).
    pub(super) values: i64,
    /// The values of a dictionary page (0 for other pages).
    pub(super) dict_values: i64,
    /// The page type (0 data, 2 dictionary, 3 data v2; -1 if absent).
    pub(super) kind: i64,
}

/// Reads a page header from `r`, which holds `len` bytes.
pub(super) fn page_header<R: Read>(r: R, len: u64) -> Option<PageSizes> {
    let mut src = Src { r, read: 0, len };
    let mut uncompressed = None;
    let mut compressed = None;
    let mut values = 0;
    let mut dict_values = 0;
    let mut kind = -1;
    src.structure(0, &mut |s, id, t| match (id, t) {
        (1, _) => {
            kind = s.i32_field(t)?;
            Ok(true)
        }
        (2, _) => {
            uncompressed = Some(s.i32_field(t)?);
            Ok(true)
        }
        (3, _) => {
            compressed = Some(s.i32_field(t)?);
            Ok(true)
        }
        // DataPageHeader (5) and DataPageHeaderV2 (8) start with num_values (1).
        (5 | 8, 12) => {
            values = s.num_values()?;
            Ok(true)
        }
        // DictionaryPageHeader (7) starts with num_values (1) too.
        (7, 12) => {
            dict_values = s.num_values()?;
            Ok(true)
        }
        _ => Ok(false),
    })
    .ok()?;
    Some(PageSizes {
        uncompressed: uncompressed?,
        compressed: compressed?,
        header_len: src.read,
        values,
        dict_values,
        kind,
    })
}

/// Whether a (plaintext) FileMetaData declares an encryption algorithm (field 8).
pub(super) fn footer_encrypted(footer: &[u8]) -> bool {
    let mut src = Src {
        r: footer,
        read: 0,
        len: footer.len() as u64,
    };
    let mut found = false;
    let _ = src.structure(0, &mut |_, id, _| {
        if id == 8 {
            found = true;
        }
        Ok(false)
    });
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A page header: type (field 1), uncompressed and compressed sizes (fields 2, 3), then
    /// an unknown field 9 of compact type `t` holding `value`, then the stop byte.
    fn header_with(t: u8, value: &[u8]) -> Vec<u8> {
        let mut h = vec![0x15, 0x00, 0x15, 0x08, 0x15, 0x08];
        h.push(0x60 | t); // field 9 (delta 6 from 3)
        h.extend_from_slice(value);
        h.push(0);
        h
    }

    #[test]
    fn a_plain_header_reads() {
        let h = header_with(5, &[0x02]);
        let p = page_header(&h[..], h.len() as u64).unwrap();
        assert_eq!((p.uncompressed, p.compressed), (4, 4));
        assert_eq!(p.header_len, h.len() as u64);
    }

    /// parquet-rs skips booleans inside containers as taking no byte: a list or map of them
    /// is refused here, before it sees one (a forged map of 2^31 booleans ran for ever).
    #[test]
    fn containers_of_booleans_and_unknown_types_are_refused() {
        // A list of 3 booleans (each a byte of its own, as the protocol says).
        let list = header_with(9, &[0x31, 1, 1, 1]);
        assert!(page_header(&list[..], list.len() as u64).is_none());
        // A map of 2 entries, bool -> bool.
        let map = header_with(11, &[0x02, 0x11, 1, 1, 1, 1]);
        assert!(page_header(&map[..], map.len() as u64).is_none());
        // A map whose values are UUIDs (type 13): unknown here.
        let uuid = header_with(11, &[0x7f, 0x8d]);
        assert!(page_header(&uuid[..], uuid.len() as u64).is_none());
        // A list of i32 is fine.
        let ints = header_with(9, &[0x35, 2, 4, 6]);
        assert!(page_header(&ints[..], ints.len() as u64).is_some());
    }
}
