//! Decoys: shaped like sensitive items, never valid.

use super::{civil_from_days, Gen};
use crate::DAY_MS;

impl Gen {
    /// A 13-digit millisecond timestamp (prefix 17: no card network).
    pub(crate) fn decoy_ms(&mut self) {
        self.tally.decoys += 1;
        let ms = self.clock_ms;
        self.num(ms);
    }

    /// A 19-digit nanosecond timestamp (prefix 17: no card network).
    pub(crate) fn decoy_ns(&mut self) {
        self.tally.decoys += 1;
        let ns = self.clock_ms * 1_000_000 + self.rng.below(1_000_000);
        self.num(ns);
    }

    /// A 14-digit order number `YYYYMMDD` + 6 digits (prefix 20: no card network).
    pub(crate) fn decoy_order(&mut self) {
        self.tally.decoys += 1;
        let (y, m, d) = civil_from_days(self.clock_ms / DAY_MS);
        self.num(y);
        self.num_w(m, 2);
        self.num_w(d, 2);
        self.digits(6);
    }

    /// A 16-digit account number starting with 9 (no card network).
    pub(crate) fn decoy_account(&mut self) {
        self.tally.decoys += 1;
        self.out.push(b'9');
        self.digits(15);
    }

    /// A 9-digit sequence number starting with 9 (area 9xx: never an SSN).
    pub(crate) fn decoy_seq(&mut self) {
        self.tally.decoys += 1;
        self.out.push(b'9');
        self.digits(8);
    }

    /// A card-like number of a real network whose Luhn check fails.
    pub(crate) fn decoy_luhn_fail(&mut self) {
        self.tally.decoys += 1;
        let (_, mut d) = self.card_digits();
        let last = d.len() - 1;
        d[last] = (d[last] + 1 + self.rng.below(9) as u8) % 10;
        self.put_card(&d);
    }

    /// A North American phone number in one of a few shapes.
    pub(crate) fn decoy_phone(&mut self) {
        self.tally.decoys += 1;
        let (area, exch, line) = (
            self.rng.range(201, 989),
            self.rng.range(200, 999),
            self.rng.below(10_000),
        );
        match self.rng.below(3) {
            0 => {
                self.put("+1-");
                self.num(area);
                self.out.push(b'-');
                self.num(exch);
                self.out.push(b'-');
            }
            1 => {
                self.out.push(b'(');
                self.num(area);
                self.put(") ");
                self.num(exch);
                self.out.push(b'-');
            }
            _ => {
                self.num(area);
                self.num(exch);
            }
        }
        self.num_w(line, 4);
    }
}
