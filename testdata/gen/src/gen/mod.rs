//! The text generator.

use std::io::{self, Write};

use crate::plant::Tally;
use crate::rng::Rng;
use crate::vocab::{DOMAINS, FIRST_NAMES, LAST_NAMES};
use crate::{DAY_MS, FLUSH_AT, PLANT_GAP, START_MS};

mod decoys;
mod planted;
mod sections;

/// A word of prose.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Word {
    Text(&'static str),
    Num(u64),
}

/// Generates text into an in-memory buffer that the caller drains now and then.
pub(crate) struct Gen {
    pub(crate) rng: Rng,
    /// Generated, not yet written bytes.
    pub(crate) out: Vec<u8>,
    /// Bytes already drained from `out` (so the file position is `flushed + out.len()`).
    pub(crate) flushed: u64,
    /// The log clock in milliseconds since the epoch; it only moves forward.
    pub(crate) clock_ms: u64,
    /// The file position at or after which the next item is planted; None plants nothing.
    pub(crate) next_plant: Option<u64>,
    pub(crate) tally: Tally,
}

impl Gen {
    pub(crate) fn new(seed: u64, plant: bool) -> Gen {
        let mut rng = Rng::new(seed);
        let clock_ms = START_MS + rng.below(300 * DAY_MS);
        let next_plant = plant.then(|| rng.range(PLANT_GAP.0, PLANT_GAP.1));
        Gen {
            rng,
            out: Vec::with_capacity(FLUSH_AT + 64 * 1024),
            flushed: 0,
            clock_ms,
            next_plant,
            tally: Tally::default(),
        }
    }

    /// The position in the output of the next byte generated.
    pub(crate) fn pos(&self) -> u64 {
        self.flushed + self.out.len() as u64
    }

    /// Writes `out` to `w` and empties it.
    pub(crate) fn drain(&mut self, w: &mut impl Write) -> io::Result<()> {
        w.write_all(&self.out)?;
        self.flushed += self.out.len() as u64;
        self.out.clear();
        Ok(())
    }

    // --- primitives ---------------------------------------------------------------------

    pub(crate) fn put(&mut self, s: &str) {
        self.out.extend_from_slice(s.as_bytes());
    }

    pub(crate) fn nl(&mut self) {
        self.out.push(b'\n');
    }

    pub(crate) fn pick_put(&mut self, items: &[&str]) {
        let s = *self.rng.pick(items);
        self.put(s);
    }

    pub(crate) fn num(&mut self, mut n: u64) {
        let mut buf = [0u8; 20];
        let mut i = buf.len();
        loop {
            i -= 1;
            buf[i] = b'0' + (n % 10) as u8;
            n /= 10;
            if n == 0 {
                break;
            }
        }
        self.out.extend_from_slice(&buf[i..]);
    }

    /// `n` zero-padded to `width` digits.
    pub(crate) fn num_w(&mut self, n: u64, width: usize) {
        let len = n.checked_ilog10().map_or(1, |l| l as usize + 1);
        self.out
            .extend(std::iter::repeat_n(b'0', width.saturating_sub(len)));
        self.num(n);
    }

    /// `len` random characters of `alphabet`.
    pub(crate) fn chars(&mut self, alphabet: &[u8], len: usize) {
        for _ in 0..len {
            let c = *self.rng.pick(alphabet);
            self.out.push(c);
        }
    }

    pub(crate) fn digits(&mut self, len: usize) {
        self.chars(b"0123456789", len);
    }

    /// Lowercase hex, never more than 8 decimal digits in a row (a longer run could look like
    /// a card number).
    pub(crate) fn hex(&mut self, len: usize) {
        const HEX: &[u8] = b"0123456789abcdef";
        let mut run = 0;
        for _ in 0..len {
            let mut c = *self.rng.pick(HEX);
            if c.is_ascii_digit() {
                run += 1;
                if run > 8 {
                    c = HEX[10 + self.rng.below(6) as usize];
                    run = 0;
                }
            } else {
                run = 0;
            }
            self.out.push(c);
        }
    }

    /// An amount like `129.99`.
    pub(crate) fn amount(&mut self) {
        let cents = self.rng.range(99, 250_000);
        self.num(cents / 100);
        self.out.push(b'.');
        self.num_w(cents % 100, 2);
    }

    pub(crate) fn ip(&mut self) {
        let (net, parts) = *self.rng.pick(&[("10.", 3), ("192.168.", 2), ("203.0.", 2)]);
        self.put(net);
        for i in 0..parts {
            if i > 0 {
                self.out.push(b'.');
            }
            let n = self.rng.range(1, 254);
            self.num(n);
        }
    }

    pub(crate) fn email(&mut self) {
        let first = *self.rng.pick(FIRST_NAMES);
        let last = *self.rng.pick(LAST_NAMES);
        let start = self.out.len();
        self.put(first);
        self.out.push(b'.');
        self.put(last);
        self.out[start..].make_ascii_lowercase();
        if self.rng.chance(40) {
            let n = self.rng.range(1, 99);
            self.num(n);
        }
        self.out.push(b'@');
        self.pick_put(DOMAINS);
    }

    pub(crate) fn name(&mut self) {
        self.pick_put(FIRST_NAMES);
        self.out.push(b' ');
        self.pick_put(LAST_NAMES);
    }

    /// Advances the clock a little and returns it.
    pub(crate) fn tick(&mut self) -> u64 {
        self.clock_ms += self.rng.range(1, 2_000);
        self.clock_ms
    }

    /// `YYYY-MM-DD` then `sep` then `hh:mm:ss` of `ms`; with `.mmmZ` if `millis`.
    pub(crate) fn datetime(&mut self, ms: u64, sep: u8, millis: bool) {
        let secs = ms / 1000;
        let (y, m, d) = civil_from_days(secs / 86_400);
        let tod = secs % 86_400;
        self.num(y);
        self.out.push(b'-');
        self.num_w(m, 2);
        self.out.push(b'-');
        self.num_w(d, 2);
        self.out.push(sep);
        self.num_w(tod / 3600, 2);
        self.out.push(b':');
        self.num_w(tod / 60 % 60, 2);
        self.out.push(b':');
        self.num_w(tod % 60, 2);
        if millis {
            self.out.push(b'.');
            self.num_w(ms % 1000, 3);
            self.out.push(b'Z');
        }
    }

    /// A log-line timestamp: `2024-03-14T09:26:53.589Z`.
    pub(crate) fn timestamp(&mut self) {
        let ms = self.tick();
        self.datetime(ms, b'T', true);
    }
}

/// `(year, month, day)` of a day count since 1970-01-01 (Howard Hinnant's algorithm).
pub(crate) fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z % 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + u64::from(m <= 2);
    (y, m, d)
}
