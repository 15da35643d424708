//! `bigtext`: one file of exactly N MiB of log text, planted near both ends.

use std::fs::File;
use std::io::Write;
use std::path::Path;

use crate::gen::Gen;
use crate::plant::Plant;
use crate::{usage, Failure, BIG_BLOCK, MIB};

/// What `bigtext` wrote.
pub struct BigText {
    /// Bytes written.
    pub bytes: u64,
    /// Identifier and byte offset of each planted item.
    pub planted: Vec<(&'static str, u64)>,
}

/// Card numbers and SSNs planted by `bigtext`, first near the start, then near the end.
pub(crate) const BIG_SSNS: [&str; 2] = ["536-22-8921", "601-44-2718"];
pub(crate) const BIG_CARDS: [&str; 2] = ["4539 2274 2374 7675", "5425852580973782"];

/// Two log lines carrying an SSN and a card, each with a keyword; their values' offsets
/// (relative to the start of the lines) are pushed to `offsets`.
pub(crate) fn big_plants(g: &mut Gen, which: usize, offsets: &mut Vec<(&'static str, u64)>) {
    g.timestamp();
    g.put(" INFO  [profile] employee record verified ssn=");
    offsets.push((Plant::Ssn.identifier(), g.out.len() as u64));
    g.put(BIG_SSNS[which]);
    g.put(" dept=finance\n");
    g.timestamp();
    g.put(" INFO  [payments] charge accepted card=");
    offsets.push((Plant::Card.identifier(), g.out.len() as u64));
    g.put(BIG_CARDS[which]);
    g.put(" amount=42.00 currency=USD\n");
}

/// Writes exactly `mb` MiB of log text to `path`: planted lines, repeated blocks, planted
/// lines. Memory use is about two blocks.
pub fn bigtext(path: &Path, mb: u64, seed: u64) -> Result<BigText, Failure> {
    let total = mb * MIB;
    let mut g = Gen::new(seed, false);
    let mut planted = Vec::new();

    big_plants(&mut g, 0, &mut planted);
    let head = std::mem::take(&mut g.out);

    // The block: log lines; its first line carries a counter patched per copy.
    g.timestamp();
    g.put(" INFO  [reports] block ");
    let counter_at = g.out.len();
    g.put("00000000 begins\n");
    while g.out.len() < BIG_BLOCK {
        g.log_line();
    }
    let mut block = std::mem::take(&mut g.out);

    let mut tail_offsets = Vec::new();
    big_plants(&mut g, 1, &mut tail_offsets);
    let tail = std::mem::take(&mut g.out);

    let fixed = (head.len() + tail.len()) as u64;
    if total < fixed {
        return Err(usage(format!("--mb {mb} is too small")));
    }
    let mut file = File::create(path)?;
    file.write_all(&head)?;
    let mut body = total - fixed;
    let mut index: u64 = 0;
    while body > 0 {
        let counter = format!("{:08x}", index % (1 << 32));
        block[counter_at..counter_at + 8].copy_from_slice(counter.as_bytes());
        if body >= block.len() as u64 {
            file.write_all(&block)?;
            body -= block.len() as u64;
        } else {
            // The last, partial block: whole lines, then a filler line to the exact size.
            let part = &block[..body as usize];
            let keep = part.iter().rposition(|&b| b == b'\n').map_or(0, |p| p + 1);
            file.write_all(&part[..keep])?;
            let filler = part.len() - keep;
            if filler > 0 {
                let mut line = vec![b'.'; filler];
                line[filler - 1] = b'\n';
                file.write_all(&line)?;
            }
            body = 0;
        }
        index += 1;
    }
    let tail_start = total - tail.len() as u64;
    planted.extend(tail_offsets.into_iter().map(|(id, o)| (id, tail_start + o)));
    file.write_all(&tail)?;
    Ok(BigText {
        bytes: total,
        planted,
    })
}
