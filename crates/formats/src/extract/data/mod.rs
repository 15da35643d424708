//! Record formats: Apache Parquet and Avro. Every leaf value is a chunk located by its 0-based
//! record (a Parquet row counted across row groups, an Avro datum counted across blocks) and
//! JSON path; the element names on the path are its keyword context.

pub(crate) mod avro;
mod avro_schema;
mod footer;
pub(crate) mod parquet;
mod thrift;

use crate::extract::ctx::{Chunk, Ctx};
use crate::location::{Locator, StreamPos};
use crate::reason::ReasonCode;

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
                Elem::Field { name, .. } => {
                    crate::extract::json::push_path_name(&mut self.rendered, name)
                }
                Elem::Key { name, .. } => {
                    crate::extract::json::push_quoted_path_name(&mut self.rendered, name)
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

/// Emits a map key as content, after [`Path::push_key`]: located by its own path (the value
/// it names), with the names above it as keyword context (the key is its value's context, not
/// its own).
fn emit_key(ctx: &mut Ctx<'_>, path: &mut Path, record: u64, key: &str) {
    if key.is_empty() {
        return;
    }
    let parent = match path.elems.last() {
        Some(Elem::Key { names_len, .. }) => *names_len,
        _ => path.names.len(),
    };
    path.render();
    let context = (parent > 0).then(|| &path.names[..parent]);
    ctx.sink.chunk(&Chunk {
        text: key.as_bytes(),
        report: 0..key.len(),
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

/// How deep nested values are followed.
pub(super) const MAX_NESTING: usize = 512;

fn time_up(ctx: &mut Ctx<'_>) {
    let _ = ctx.budget.trip(ReasonCode::TimeCutOffReached);
    ctx.reason(
        ReasonCode::TimeCutOffReached,
        "the time budget for this object was spent",
    );
}
