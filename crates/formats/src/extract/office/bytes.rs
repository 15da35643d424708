//! Little-endian fields and OLE streams, read with their bounds checked.

use std::io::{self, Read, Seek};

pub(super) fn le16(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes([*b.get(at)?, *b.get(at + 1)?]))
}

pub(super) fn le32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes([
        *b.get(at)?,
        *b.get(at + 1)?,
        *b.get(at + 2)?,
        *b.get(at + 3)?,
    ]))
}

pub(super) fn read_stream<F: Read + Seek>(
    cf: &mut cfb::CompoundFile<F>,
    name: &str,
    cap: u64,
) -> io::Result<Vec<u8>> {
    let s = cf.open_stream(name)?;
    let mut out = Vec::new();
    s.take(cap).read_to_end(&mut out)?;
    Ok(out)
}
