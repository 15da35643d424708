//! The header level of a tar stream: which blocks are headers, which headers describe the
//! next member (GNU long names, PAX records), and where each member's data is.
//!
//! Written here rather than left to the `tar` crate because the crate's merging of extension
//! headers rejects archives that GNU tar, Go and Python read (a repeated GNU long-name or PAX
//! header, where the last one wins; a GNU volume label; some old-GNU sparse layouts), while it
//! accepts PAX records that are malformed (a wrong length, a NUL inside a path). Its raw mode
//! cannot be used instead: it applies neither a PAX `size` nor skips GNU sparse extension
//! blocks, so it loses its place. The crate's [`tar::Header`] still decodes every field.
//!
//! Sparse members (old GNU, and PAX formats 0.x and 1.0) are read as their stored regions
//! packed together, without the holes of zeros between them: that is all the text they hold.
//! Their logical size is still what the member-size limit is checked against.

use std::io::{self, Read};

use tar::{EntryType, Header};

/// A tar block: headers and data are laid out in these.
const BLOCK: u64 = 512;

/// Largest GNU long name or PAX extended header read (real ones are a few hundred bytes).
const EXTENSION_MAX: u64 = 1 << 20;

/// Most GNU sparse extension blocks after one header (each lists 21 more regions).
const SPARSE_EXTENSIONS_MAX: u32 = 4096;

fn malformed(message: impl Into<String>) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, message.into())
}

/// One member of the archive, with what its extension headers said about it.
pub(crate) struct Member {
    /// The member's path: from PAX, else a GNU long name, else the header.
    pub(crate) path: Vec<u8>,
    pub(crate) kind: EntryType,
    /// Bytes stored in the archive for it (for a sparse file, its packed regions).
    pub(crate) stored: u64,
    /// The size it declares for itself (a sparse file's logical size can be larger).
    pub(crate) declared: u64,
}

/// Reads a tar stream header by header; the data of the member last returned is read
/// through [`Headers::data`].
pub(crate) struct Headers<'r> {
    inner: &'r mut dyn Read,
    /// Data bytes of the current member not yet read.
    remaining: u64,
    /// Padding after the current member's data, up to the next block.
    padding: u64,
    done: bool,
}

/// Fills `buf` unless the stream ends first; returns how many bytes were read.
fn read_full(r: &mut dyn Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

/// Whether the header's checksum is right (the sum of its bytes with the checksum field as
/// spaces; historic tars summed signed bytes, which Go and GNU tar also accept).
fn checksum_ok(block: &[u8; 512], header: &Header) -> io::Result<bool> {
    let stored = header.cksum()?;
    let (mut unsigned, mut signed) = (0u32, 0i64);
    for (i, b) in block.iter().enumerate() {
        let (u, s) = if (148..156).contains(&i) {
            (32, 32)
        } else {
            (u32::from(*b), i64::from(*b as i8))
        };
        unsigned += u;
        signed += s;
    }
    Ok(unsigned == stored || signed == i64::from(stored))
}

/// The records of a PAX extended header, checked strictly as Go's archive/tar does: each is
/// `"<length> <key>=<value>\n"` with the decimal length counting the whole record, a
/// non-empty key, and no NUL in a path or link path.
fn pax_records(data: &[u8]) -> io::Result<Vec<(&[u8], &[u8])>> {
    let mut records = Vec::new();
    let mut rest = data;
    // Some writers pad the header's data with NULs.
    while !rest.is_empty() && rest.iter().any(|b| *b != 0) {
        let bad = |why: &str| malformed(format!("tar: malformed PAX record: {why}"));
        let space = memchr::memchr(b' ', rest).ok_or_else(|| bad("no length"))?;
        let digits = &rest[..space];
        if digits.is_empty() || digits.len() > 20 || !digits.iter().all(u8::is_ascii_digit) {
            return Err(bad("the length is not a decimal number"));
        }
        let len: usize = std::str::from_utf8(digits)
            .ok()
            .and_then(|d| d.parse().ok())
            .ok_or_else(|| bad("the length is not a decimal number"))?;
        if len <= space + 1 || len > rest.len() {
            return Err(bad("the length does not fit the header"));
        }
        let record = &rest[space + 1..len];
        let Some((b'\n', body)) = record.split_last() else {
            return Err(bad("the record does not end with a newline"));
        };
        let eq = memchr::memchr(b'=', body).ok_or_else(|| bad("no '=' in the record"))?;
        let (key, value) = (&body[..eq], &body[eq + 1..]);
        if key.is_empty() {
            return Err(bad("empty key"));
        }
        if matches!(key, b"path" | b"linkpath") && memchr::memchr(0, value).is_some() {
            return Err(bad("a NUL byte inside a path"));
        }
        records.push((key, value));
        rest = &rest[len..];
    }
    Ok(records)
}

/// The decimal number a PAX record holds.
fn pax_number(key: &[u8], value: &[u8]) -> io::Result<u64> {
    std::str::from_utf8(value)
        .ok()
        .filter(|v| !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()))
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| {
            malformed(format!(
                "tar: PAX record {} is not a number: {:?}",
                String::from_utf8_lossy(key),
                String::from_utf8_lossy(value)
            ))
        })
}

/// Cuts a name at its first NUL (names are NUL-terminated when shorter than their field).
fn until_nul(mut name: Vec<u8>) -> Vec<u8> {
    if let Some(end) = memchr::memchr(0, &name) {
        name.truncate(end);
    }
    name
}

impl<'r> Headers<'r> {
    pub(crate) fn new(inner: &'r mut dyn Read) -> Self {
        Headers {
            inner,
            remaining: 0,
            padding: 0,
            done: false,
        }
    }

    /// Skips `n` bytes; an end of stream first means the archive is truncated.
    fn skip(&mut self, n: u64) -> io::Result<()> {
        let skipped = io::copy(&mut (&mut *self.inner).take(n), &mut io::sink())?;
        if skipped < n {
            return Err(malformed("tar: the archive ends inside a member"));
        }
        Ok(())
    }

    /// Reads the next header block; `None` at the end of the archive.
    fn block(&mut self) -> io::Result<Option<[u8; 512]>> {
        let rest = self.remaining.saturating_add(self.padding);
        self.remaining = 0;
        self.padding = 0;
        self.skip(rest)?;
        let mut block = [0u8; 512];
        match read_full(self.inner, &mut block)? {
            0 => Ok(None),
            512 => Ok(Some(block)),
            _ => Err(malformed("tar: the archive ends inside a header")),
        }
    }

    /// Makes the data that follows a header (of `size` bytes) the current data.
    fn set_data(&mut self, size: u64) {
        self.remaining = size;
        self.padding = (BLOCK - size % BLOCK) % BLOCK;
    }

    /// Reads all of the current data (an extension header's, at most [`EXTENSION_MAX`]).
    fn read_extension(&mut self, what: &str) -> io::Result<Vec<u8>> {
        if self.remaining > EXTENSION_MAX {
            return Err(malformed(format!(
                "tar: a {} of {} bytes is over the {EXTENSION_MAX}-byte limit",
                what, self.remaining
            )));
        }
        let mut buf = vec![0u8; self.remaining as usize];
        let n = read_full(self.inner, &mut buf)?;
        if n < buf.len() {
            return Err(malformed("tar: the archive ends inside a member"));
        }
        self.remaining = 0;
        Ok(buf)
    }

    /// Skips the region map that starts the data of a PAX sparse member of format 1.0: decimal
    /// numbers, one a line (the count of regions, then an offset and a length for each),
    /// padded to a whole block. What follows is the regions packed together.
    fn skip_sparse_map(&mut self) -> io::Result<()> {
        let bad = || malformed("tar: malformed PAX sparse map");
        let mut map: Vec<u8> = Vec::new();
        // Where the next number starts, and how many numbers are still to come after the
        // count (unknown until the count is read).
        let mut at = 0;
        let mut needed: Option<u64> = None;
        loop {
            if self.remaining < BLOCK || map.len() as u64 >= EXTENSION_MAX {
                return Err(bad());
            }
            let mut block = [0u8; 512];
            if read_full(self.inner, &mut block)? < block.len() {
                return Err(malformed("tar: the archive ends inside a member"));
            }
            self.remaining -= BLOCK;
            map.extend_from_slice(&block);
            while let Some(end) = memchr::memchr(b'\n', &map[at..]) {
                let line = &map[at..at + end];
                at += end + 1;
                if line.is_empty() || line.len() > 20 || !line.iter().all(u8::is_ascii_digit) {
                    return Err(bad());
                }
                let n: u64 = std::str::from_utf8(line)
                    .ok()
                    .and_then(|c| c.parse().ok())
                    .ok_or_else(bad)?;
                let left = match needed {
                    None => n.checked_mul(2).ok_or_else(bad)?,
                    Some(k) => k.saturating_sub(1),
                };
                if left == 0 {
                    return Ok(());
                }
                needed = Some(left);
            }
        }
    }

    /// The data of the member last returned by [`Headers::next_member`]. It ends early (and
    /// the next header then reports the truncation) when the stream does.
    pub(crate) fn data(&mut self) -> Data<'_, 'r> {
        Data { headers: self }
    }

    /// The next member (of any kind) with its extension headers applied; `None` at the end.
    pub(crate) fn next_member(&mut self) -> io::Result<Option<Member>> {
        if self.done {
            return Ok(None);
        }
        let mut long_name: Option<Vec<u8>> = None;
        let mut long_link = false;
        let mut pax: Option<Vec<u8>> = None;
        loop {
            let block = self.block()?;
            let Some(block) = block.filter(|b| b.iter().any(|x| *x != 0)) else {
                self.done = true;
                if long_name.is_some() || long_link || pax.is_some() {
                    return Err(malformed(
                        "tar: extension headers describing a member, but no member follows",
                    ));
                }
                return Ok(None);
            };
            let mut header = Header::new_old();
            header.as_mut_bytes().copy_from_slice(&block);
            if !checksum_ok(&block, &header)? {
                return Err(malformed("tar: header checksum mismatch"));
            }
            let kind = header.entry_type();
            // An empty size field is 0 (as in Go and GNU tar; the crate refuses it).
            let size_field = &block[124..136];
            let mut size = if size_field.iter().all(|b| matches!(b, 0 | b' ')) {
                0
            } else {
                header.entry_size()?
            };
            // Extension headers describe the next member, and repeats replace each other (the
            // last one wins, as in GNU tar, Go and Python).
            match kind.as_byte() {
                b'L' => {
                    self.set_data(size);
                    long_name = Some(until_nul(self.read_extension("GNU long name")?));
                    continue;
                }
                b'K' => {
                    // A long link name: not needed, but read to keep the stream in step.
                    self.set_data(size);
                    self.read_extension("GNU long link name")?;
                    long_link = true;
                    continue;
                }
                b'x' | b'X' => {
                    self.set_data(size);
                    let data = self.read_extension("PAX header")?;
                    pax_records(&data)?;
                    pax = Some(data);
                    continue;
                }
                b'g' => {
                    // Global records set defaults no member here needs; they are still checked.
                    self.set_data(size);
                    pax_records(&self.read_extension("PAX global header")?)?;
                    continue;
                }
                // A GNU volume label names the volume; it is not a member.
                b'V' => {
                    self.set_data(size);
                    continue;
                }
                _ => {}
            }
            let mut path = header.path_bytes().into_owned();
            if let Some(n) = long_name.take() {
                path = n;
            }
            let mut declared = size;
            let mut sparse_name = None;
            let mut sparse_map_in_data = false;
            if let Some(data) = pax.take() {
                for (key, value) in pax_records(&data)? {
                    match key {
                        b"path" => path = value.to_vec(),
                        b"GNU.sparse.name" => sparse_name = Some(value.to_vec()),
                        b"GNU.sparse.major" => sparse_map_in_data = value == b"1",
                        b"size" => size = pax_number(key, value)?,
                        b"GNU.sparse.realsize" | b"GNU.sparse.size" => {
                            declared = declared.max(pax_number(key, value)?)
                        }
                        _ => {}
                    }
                }
            }
            if let Some(n) = sparse_name {
                path = n;
            }
            declared = declared.max(size);
            // An old-GNU sparse header lists its regions in the header and in extension blocks
            // after it; the member's stored data is the regions packed together, which is what
            // is scanned (the holes between them hold only zeros).
            if kind.is_gnu_sparse() {
                if let Some(gnu) = header.as_gnu() {
                    if let Ok(real) = gnu.real_size() {
                        declared = declared.max(real);
                    }
                    let mut extended = gnu.is_extended();
                    let mut count = 0;
                    while extended {
                        count += 1;
                        if count > SPARSE_EXTENSIONS_MAX {
                            return Err(malformed("tar: too many GNU sparse extension blocks"));
                        }
                        let mut ext = [0u8; 512];
                        if read_full(self.inner, &mut ext)? < ext.len() {
                            return Err(malformed("tar: the archive ends inside a header"));
                        }
                        extended = ext[504] != 0;
                    }
                }
            }
            self.set_data(size);
            if sparse_map_in_data {
                self.skip_sparse_map()?;
            }
            return Ok(Some(Member {
                path,
                kind,
                stored: self.remaining,
                declared,
            }));
        }
    }
}

/// The data of the current member.
pub(crate) struct Data<'h, 'r> {
    headers: &'h mut Headers<'r>,
}

impl Read for Data<'_, '_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let h = &mut *self.headers;
        let want = (buf.len() as u64).min(h.remaining) as usize;
        if want == 0 {
            return Ok(0);
        }
        let n = h.inner.read(&mut buf[..want])?;
        h.remaining = h.remaining.saturating_sub(n as u64);
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pax_records_strict() {
        let ok = b"11 path=ab\n12 size=123\n";
        let r = pax_records(ok).unwrap();
        assert_eq!(
            r,
            vec![(&b"path"[..], &b"ab"[..]), (&b"size"[..], &b"123"[..])]
        );
        assert!(pax_records(b"11 path=ab\n\0\0\0").is_ok());
        for bad in [
            &b"12 path=ab\n"[..],
            b"10 path=ab\n",
            b"x path=ab\n",
            b"11 pathxab\n",
            b"9 =value\n",
            b"12 path=a\0b\n",
            b"99999999999999999999999 path=ab\n",
            b"3 a\n",
        ] {
            assert!(
                pax_records(bad).is_err(),
                "{:?}",
                String::from_utf8_lossy(bad)
            );
        }
    }
}
