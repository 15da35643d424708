//! JSON Lines: one result record per line.

use std::io::{self, Write};

use super::RecordSink;
use crate::record::ResultRecord;

/// Writes each record as one JSON line.
pub struct JsonlSink<W: Write> {
    out: W,
}

impl<W: Write> JsonlSink<W> {
    /// Writes to `out` (buffer it; the sink flushes after each record so consumers see
    /// records as they come).
    pub fn new(out: W) -> JsonlSink<W> {
        JsonlSink { out }
    }
}

impl<W: Write> RecordSink for JsonlSink<W> {
    fn record(&mut self, record: &ResultRecord) -> io::Result<()> {
        // `From` keeps an I/O error's kind (a closed pipe stays `BrokenPipe`).
        serde_json::to_writer(&mut self.out, record).map_err(io::Error::from)?;
        self.out.write_all(b"\n")?;
        Ok(())
    }

    fn finish(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}
