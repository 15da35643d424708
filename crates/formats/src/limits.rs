//! Limits and the per-object budget they are checked against: nesting depth, member count,
//! extracted bytes (in total and per member), expansion ratio, time. A hit limit becomes a
//! reason code, never a crash or unbounded memory.

use std::cell::Cell;
use std::io::{self, Read};
use std::rc::Rc;
use std::time::{Duration, Instant};

use crate::reason::ReasonCode;

/// The default time per object: 10 minutes. No object within the other default limits comes
/// near it: the slowest extraction measured (XLSX cells, about 45 MB/s of text on one core of
/// the benchmark machine) reads the 10 GB per-object limit in under 4 minutes; a hostile
/// object (a decoder that spins on crafted input) is stopped long before a scheduled job's
/// next run. Amazon Macie stops a file after hours; an object that takes this long is stuck.
pub const DEFAULT_TIME_BUDGET: Duration = Duration::from_secs(600);

/// Extraction limits. Defaults follow Amazon Macie's quotas where one applies.
#[derive(Clone, Debug)]
pub struct Limits {
    /// JSON nesting deeper than this gives `JSON_NESTING_LEVEL_OVER_LIMIT` (default 256).
    pub json_max_depth: usize,
    /// A single field (CSV cell, JSON string) longer than this is scanned in pieces of this
    /// size, so that memory stays bounded (default 16 MiB).
    pub max_field_len: usize,
    /// The read buffer for running text (default 4 MiB). Peak memory per stream is about this
    /// plus [`crate::OVERLAP_AHEAD`].
    pub buffer_len: usize,
    /// Archive and compression layers read (default 10); deeper content gives
    /// `ARCHIVE_NESTING_LEVEL_OVER_LIMIT`.
    pub max_depth: usize,
    /// Archive members read per object (default 1,000,000).
    pub max_members: u64,
    /// Decompressed bytes per object (default 10 GB).
    pub max_total_bytes: u64,
    /// Decompressed bytes per member (default 3 GB).
    pub max_member_bytes: u64,
    /// Expansion ratio (decompressed / compressed) that only a bomb has (default 1000), checked
    /// once a member has expanded past `ratio_floor` bytes.
    pub max_ratio: u64,
    /// See `max_ratio` (default 100 MiB).
    pub ratio_floor: u64,
    /// Members needing random access (zip inside an archive, office files) are held in memory
    /// up to this size, else in a temporary file (default 64 MiB).
    pub spool_in_memory: u64,
    /// Time per object (default [`DEFAULT_TIME_BUDGET`]; `None`: no limit); past it,
    /// `TIME_CUT_OFF_REACHED` with what was read so far.
    pub time_budget: Option<Duration>,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            json_max_depth: 256,
            max_field_len: 16 << 20,
            buffer_len: 4 << 20,
            max_depth: 10,
            max_members: 1_000_000,
            max_total_bytes: 10_000_000_000,
            max_member_bytes: 3_000_000_000,
            max_ratio: 1000,
            ratio_floor: 100 << 20,
            spool_in_memory: 64 << 20,
            time_budget: Some(DEFAULT_TIME_BUDGET),
        }
    }
}

/// What one object has used of its limits. Extraction of an object runs on one thread.
#[derive(Debug)]
pub(crate) struct Budget {
    pub(crate) members: Cell<u64>,
    pub(crate) bytes: Cell<u64>,
    deadline: Option<Instant>,
    /// The first limit hit, with what to say about it.
    tripped: Cell<Option<ReasonCode>>,
}

/// The io::Error payload a counting reader returns when a limit is hit.
#[derive(Debug)]
pub(crate) struct LimitHit(pub(crate) ReasonCode);

impl std::fmt::Display for LimitHit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "limit reached: {}", self.0.as_str())
    }
}

impl std::error::Error for LimitHit {}

/// The reason code of an io::Error a limit caused, if it was one.
pub(crate) fn limit_of(e: &io::Error) -> Option<ReasonCode> {
    e.get_ref()
        .and_then(|inner| inner.downcast_ref::<LimitHit>())
        .map(|h| h.0)
}

impl Budget {
    pub(crate) fn new(limits: &Limits) -> Budget {
        Budget {
            members: Cell::new(0),
            bytes: Cell::new(0),
            deadline: limits.time_budget.map(|d| Instant::now() + d),
            tripped: Cell::new(None),
        }
    }

    pub(crate) fn trip(&self, code: ReasonCode) -> io::Error {
        if self.tripped.get().is_none() {
            self.tripped.set(Some(code));
        }
        io::Error::other(LimitHit(code))
    }

    pub(crate) fn tripped(&self) -> Option<ReasonCode> {
        self.tripped.get()
    }

    /// Whether the time budget is spent.
    pub(crate) fn out_of_time(&self) -> bool {
        self.deadline.is_some_and(|d| Instant::now() >= d)
    }

    /// Counts one more member; false when over the limit.
    pub(crate) fn add_member(&self, limits: &Limits) -> bool {
        let n = self.members.get() + 1;
        self.members.set(n);
        n <= limits.max_members
    }
}

/// The compressed side of an expansion, for the ratio check.
#[derive(Clone, Debug)]
pub(crate) enum Compressed {
    /// Not known (a stored member, plain content).
    Unknown,
    /// Declared (a zip member's compressed size).
    Known(u64),
    /// Counted as the decoder consumes it.
    Consumed(Rc<Cell<u64>>),
}

impl Compressed {
    fn bytes(&self) -> Option<u64> {
        match self {
            Compressed::Unknown => None,
            Compressed::Known(n) => Some(*n),
            Compressed::Consumed(c) => Some(c.get()),
        }
    }
}

/// Counts the bytes a decoder consumes from its compressed input.
pub(crate) struct Tally<R> {
    inner: R,
    count: Rc<Cell<u64>>,
}

impl<R: Read> Tally<R> {
    pub(crate) fn new(inner: R) -> (Tally<R>, Compressed) {
        let count = Rc::new(Cell::new(0));
        (
            Tally {
                inner,
                count: count.clone(),
            },
            Compressed::Consumed(count),
        )
    }
}

impl<R: Read> Read for Tally<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count.set(self.count.get() + n as u64);
        Ok(n)
    }
}

/// Counts decompressed bytes of one member against the per-member, per-object and ratio
/// limits, and checks the time budget.
pub(crate) struct Counting<'b, R> {
    inner: R,
    budget: &'b Budget,
    limits: &'b Limits,
    read: u64,
    compressed: Compressed,
}

impl<'b, R: Read> Counting<'b, R> {
    pub(crate) fn new(
        inner: R,
        budget: &'b Budget,
        limits: &'b Limits,
        compressed: Compressed,
    ) -> Counting<'b, R> {
        Counting {
            inner,
            budget,
            limits,
            read: 0,
            compressed,
        }
    }
}

impl<R: Read> Read for Counting<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.budget.out_of_time() {
            return Err(self.budget.trip(ReasonCode::TimeCutOffReached));
        }
        let n = self.inner.read(buf)?;
        self.read += n as u64;
        let total = self.budget.bytes.get() + n as u64;
        self.budget.bytes.set(total);
        if self.read > self.limits.max_member_bytes || total > self.limits.max_total_bytes {
            return Err(self
                .budget
                .trip(ReasonCode::ArchiveTotalBytesExtractedOverLimit));
        }
        if let Some(c) = self.compressed.bytes() {
            if self.read > self.limits.ratio_floor && self.read / c.max(1) > self.limits.max_ratio {
                return Err(self
                    .budget
                    .trip(ReasonCode::ArchiveTotalBytesExtractedOverLimit));
            }
        }
        Ok(n)
    }
}

/// The object's own bytes, read with the time budget checked: an extractor that reads its
/// input as it goes (text, CSV, JSON, markup, e-mail, tar, compressed streams) stops at the
/// deadline whatever it is doing with the bytes. The clock is read every few calls, so that a
/// reader taking a byte at a time pays little for it.
pub(crate) struct Timed<'b, R> {
    inner: R,
    budget: &'b Budget,
    calls: u32,
}

impl<'b, R> Timed<'b, R> {
    pub(crate) fn new(inner: R, budget: &'b Budget) -> Timed<'b, R> {
        Timed {
            inner,
            budget,
            calls: 0,
        }
    }

    fn check(&mut self) -> io::Result<()> {
        self.calls = self.calls.wrapping_add(1);
        if self.calls % 16 == 1 && self.budget.out_of_time() {
            return Err(self.budget.trip(ReasonCode::TimeCutOffReached));
        }
        Ok(())
    }
}

impl<R: Read> Read for Timed<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.check()?;
        self.inner.read(buf)
    }
}

impl<R: io::Seek> io::Seek for Timed<'_, R> {
    fn seek(&mut self, pos: io::SeekFrom) -> io::Result<u64> {
        self.check()?;
        self.inner.seek(pos)
    }
}
