//! A tolerant, bounded read of an OLE compound file's allocation table and directory, for
//! what the `cfb` crate does not tell: the names of the streams of a file it refuses (an
//! encrypted OOXML package whose writer padded the FAT with end-of-chain marks, which `cfb`
//! takes for a malformed FAT), and whether two chains claim the same sector (a corrupt
//! directory or FAT that `cfb` reads without a word). Hand-written because `cfb` exposes
//! neither its FAT nor the entries' start sectors.

use std::io::{self, SeekFrom};

use super::bytes::{le16, le32};
use crate::extract::ctx::ReadSeek;

const END_OF_CHAIN: u32 = 0xFFFF_FFFE;
const MAX_REGULAR_SECTOR: u32 = 0xFFFF_FFFA;
/// The most sectors read into the FAT here (a 2 GiB file of 512-byte sectors; 16 MiB of FAT).
const MAX_SECTORS: u64 = 1 << 22;

/// One directory entry: its name, object type (1 storage, 2 stream, 5 root), first sector
/// and size.
pub(super) struct Entry {
    pub(super) name: String,
    pub(super) kind: u8,
    start: u32,
    size: u64,
}

pub(super) struct Compound {
    fat: Vec<u32>,
    first_dir: u32,
    first_minifat: u32,
    mini_cutoff: u64,
    pub(super) entries: Vec<Entry>,
}

fn read_at(r: &mut dyn ReadSeek, at: u64, buf: &mut [u8]) -> io::Result<()> {
    r.seek(SeekFrom::Start(at))?;
    r.read_exact(buf)
}

impl Compound {
    /// Reads the header, the FAT (through the DIFAT) and the directory; `None` when the file
    /// is not a compound file this can make sense of or is too large to check.
    pub(super) fn read(r: &mut dyn ReadSeek) -> io::Result<Option<Compound>> {
        let len = r.seek(SeekFrom::End(0))?;
        let mut header = [0u8; 512];
        if len < 512 || read_at(r, 0, &mut header).is_err() {
            return Ok(None);
        }
        let shift = le16(&header, 0x1E).unwrap_or(0);
        if shift != 9 && shift != 12 {
            return Ok(None);
        }
        let sector_len = 1u64 << shift;
        let sectors = len.saturating_sub(sector_len) / sector_len;
        if sectors > MAX_SECTORS {
            return Ok(None);
        }
        let field = |at: usize| le32(&header, at).unwrap_or(END_OF_CHAIN);
        let mut sector = vec![0u8; sector_len as usize];
        // DIFAT: 109 entries in the header, then a chain of DIFAT sectors.
        let mut difat: Vec<u32> = (0..109).map(|i| field(0x4C + 4 * i)).collect();
        let mut next = field(0x44);
        let mut hops = 0u64;
        while u64::from(next) < sectors && hops < sectors {
            hops += 1;
            read_at(r, (u64::from(next) + 1) * sector_len, &mut sector)?;
            let n = sector.len() / 4;
            difat.extend((0..n - 1).filter_map(|i| le32(&sector, 4 * i)));
            next = le32(&sector, 4 * (n - 1)).unwrap_or(END_OF_CHAIN);
        }
        let mut fat = Vec::new();
        for s in difat.into_iter().filter(|s| u64::from(*s) < sectors) {
            if fat.len() as u64 >= sectors {
                break;
            }
            read_at(r, (u64::from(s) + 1) * sector_len, &mut sector)?;
            fat.extend((0..sector.len() / 4).filter_map(|i| le32(&sector, 4 * i)));
        }
        // Entries past the last sector (padding, whatever the writer put there) say nothing.
        fat.truncate(sectors as usize);
        let mut c = Compound {
            fat,
            first_dir: field(0x30),
            first_minifat: field(0x3C),
            mini_cutoff: u64::from(field(0x38)),
            entries: Vec::new(),
        };
        let v4 = shift == 12;
        for s in c.chain(c.first_dir) {
            read_at(r, (u64::from(s) + 1) * sector_len, &mut sector)?;
            for e in sector.chunks_exact(128) {
                c.entries.push(entry(e, v4));
            }
        }
        Ok(Some(c))
    }

    /// The sectors of the chain starting at `start`, as far as it is sound (it stops at a
    /// sector past the end or one it has visited).
    fn chain(&self, start: u32) -> Vec<u32> {
        let mut out = Vec::new();
        let mut seen = vec![false; self.fat.len()];
        let mut s = start;
        while let Some(next) = self.fat.get(s as usize) {
            if std::mem::replace(&mut seen[s as usize], true) {
                break;
            }
            out.push(s);
            s = *next;
        }
        out
    }

    /// Whether a stream of this name is in the directory.
    pub(super) fn has_stream(&self, name: &str) -> bool {
        self.entries.iter().any(|e| e.kind == 2 && e.name == name)
    }

    /// A sector that two chains claim (or one chain twice): the directory's, the mini FAT's,
    /// the mini stream's and every large stream's chain are followed to their end, as the
    /// FAT links them. `None` when every sector has at most one owner.
    pub(super) fn shared_sector(&self) -> Option<String> {
        let mut owner: Vec<Option<usize>> = vec![None; self.fat.len()];
        let mut starts = vec![
            ("the directory".to_string(), self.first_dir),
            ("the mini FAT".to_string(), self.first_minifat),
        ];
        for e in &self.entries {
            let large = e.kind == 5 || (e.kind == 2 && e.size >= self.mini_cutoff);
            if large && e.size > 0 {
                let what = if e.kind == 5 {
                    "the mini stream".to_string()
                } else {
                    format!("stream {}", e.name)
                };
                starts.push((what, e.start));
            }
        }
        for (i, (what, start)) in starts.iter().enumerate() {
            let mut s = *start;
            while s <= MAX_REGULAR_SECTOR {
                let Some(slot) = owner.get_mut(s as usize) else {
                    break;
                };
                if let Some(other) = *slot {
                    let first = &starts[other].0;
                    return Some(if other == i {
                        format!("the chain of {what} runs through sector {s} twice")
                    } else {
                        format!("sector {s} belongs both to {first} and to {what}")
                    });
                }
                *slot = Some(i);
                s = self.fat[s as usize];
            }
        }
        None
    }
}

fn entry(e: &[u8], v4: bool) -> Entry {
    let name_len = usize::from(le16(e, 64).unwrap_or(0)).min(64);
    let units: Vec<u16> = (0..name_len.saturating_sub(2) / 2)
        .filter_map(|i| le16(e, 2 * i))
        .collect();
    let low = u64::from(le32(e, 120).unwrap_or(0));
    let high = u64::from(le32(e, 124).unwrap_or(0));
    Entry {
        name: String::from_utf16_lossy(&units),
        kind: e.get(66).copied().unwrap_or(0),
        start: le32(e, 116).unwrap_or(END_OF_CHAIN),
        size: if v4 { low | (high << 32) } else { low },
    }
}
