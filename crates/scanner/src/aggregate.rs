//! Scans one object: runs the engine over each extracted chunk and aggregates detections per
//! identifier into a result record.

use std::collections::HashMap;
use std::io::Read;

use trawl_formats::{
    extract, extract_seekable, CaughtPanic, Chunk, Extraction, Format, Limits, LineCursor, Locator,
    ReadSeek, Reason, TextSink,
};
use trawl_identifiers::{Engine, KeywordContext, Match, Scratch};

use crate::field_memo::FieldMemo;
use crate::record::{
    CellOut, Detection, ObjectInfo, Occurrence, ReasonOut, ResultRecord, Status, RESULT_SCHEMA,
};
use crate::source::ObjectRef;

/// Per-run options that shape result records.
#[derive(Clone, Debug, Default)]
pub struct RecordOptions {
    /// Occurrences listed per detection type (0 = all). The count stays exact.
    pub max_occurrences: usize,
    /// Add raw values to occurrences.
    pub reveal: bool,
    /// The run id.
    pub run_id: String,
    /// The job id, when run as a job.
    pub job_id: Option<String>,
    /// A secret key: when given, each listed occurrence gets a keyed hash of its value
    /// ([`Occurrence::value_hash`]), so that the same value in many objects can be grouped
    /// without keeping it.
    pub value_key: Option<ValueKey>,
}

/// The secret key of value hashes (HMAC-SHA-256), one per installation.
#[derive(Clone)]
pub struct ValueKey(pub [u8; 32]);

impl std::fmt::Debug for ValueKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ValueKey(..)")
    }
}

impl ValueKey {
    /// The keyed hash of a value (128 bits, hex). Numbers written with separators (`4539 2274
    /// ...`, `4539-2274-...`) hash as their digits, so that one card or id in two spellings is
    /// one value.
    pub fn hash(&self, value: &[u8]) -> String {
        use hmac::{KeyInit, Mac};
        let digits = value.iter().filter(|b| b.is_ascii_digit()).count();
        let numeric = digits * 10 >= value.len() * 6;
        let normal: Vec<u8> = value
            .iter()
            .copied()
            .filter(|b| !(b.is_ascii_whitespace() || numeric && matches!(b, b'-' | b'.' | b'/')))
            .collect();
        let mut mac = match hmac::Hmac::<sha2::Sha256>::new_from_slice(&self.0) {
            Ok(m) => m,
            // HMAC takes a key of any length.
            Err(_) => return String::new(),
        };
        mac.update(&normal);
        let out = mac.finalize().into_bytes();
        out[..16].iter().map(|b| format!("{b:02x}")).collect()
    }
}

#[derive(Default)]
struct Acc {
    count: u64,
    occurrences: Vec<Occurrence>,
}

/// Per-thread state for scanning objects: the engine's scratch and a cache of keyword
/// contexts (column names and JSON paths repeat: a lookup per cell, so a fast hash, seeded
/// per process).
pub struct ObjectScanner<'e> {
    engine: &'e Engine,
    scratch: Scratch,
    contexts: ContextCache,
    /// The engine's answers for recent short fields (JSON keys and values, table cells).
    fields: FieldMemo,
    /// The keyword contexts of table columns by column number (see [`column_context`]).
    column_contexts: Vec<(String, KeywordContext)>,
    matches: Vec<Match>,
    /// Matches found in table cells with their column names as context.
    cell_matches: Vec<Match>,
    /// Third-party reader panics caught in the last object (for the caller to warn about).
    panics: Vec<CaughtPanic>,
}

struct ScanSink<'a, 'e> {
    scanner: &'a mut ObjectScanner<'e>,
    opts: &'a RecordOptions,
    accs: HashMap<usize, Acc>,
    bytes_scanned: u64,
}

impl TextSink for ScanSink<'_, '_> {
    fn chunk(&mut self, chunk: &Chunk<'_>) {
        self.bytes_scanned += chunk.report.len() as u64;
        let s = &mut *self.scanner;
        let engine = s.engine;
        let none = KeywordContext::none();
        let ctx = match chunk.context {
            None => &none,
            Some(c) => {
                // A table's cells take their column's context: kept by column, so that a cell
                // costs a comparison of its column name, not a hash look-up.
                let column = match chunk.locator {
                    Locator::Cell { cell, .. } => usize::try_from(cell.column)
                        .ok()
                        .filter(|&c| c < COLUMN_CONTEXTS),
                    _ => None,
                };
                match column {
                    Some(i) => {
                        column_context(&mut s.column_contexts, &mut s.contexts, engine, c, i)
                    }
                    None => s.contexts.get(engine, c),
                }
            }
        };
        s.matches.clear();
        match chunk.locator {
            Locator::Stream { .. } | Locator::Table { .. } => {
                engine.scan(chunk.text, ctx, &mut s.scratch, &mut s.matches)
            }
            _ => s
                .fields
                .scan_field(engine, chunk.text, ctx, &mut s.scratch, &mut s.matches),
        }
        s.matches.retain(|m| chunk.report.contains(&m.start));
        if let Locator::Table { .. } = chunk.locator {
            s.add_cell_matches(chunk);
        }
        let mut cursor = LineCursor::default();
        for m in &s.matches {
            let acc = self.accs.entry(m.identifier).or_default();
            acc.count += 1;
            let max = self.opts.max_occurrences;
            if max != 0 && acc.occurrences.len() >= max {
                continue;
            }
            let loc = chunk.locator.locate(chunk.text, m.start, &mut cursor);
            let mut member = chunk.member.to_vec();
            member.extend(loc.member);
            let masked = engine.mask(m, chunk.text);
            let raw = String::from_utf8_lossy(&chunk.text[m.start..m.end]);
            acc.occurrences.push(Occurrence {
                member,
                line: loc.line,
                column: loc.column,
                offset: loc.offset,
                length: (m.end - m.start) as u64,
                cell: loc.cell.map(|c| CellOut {
                    row: c.row,
                    column: c.column,
                    column_name: masked_in(c.column_name, &raw, &masked),
                    sheet: c.sheet,
                    reference: c.reference,
                    table: c.table,
                }),
                record: loc.record,
                json_path: masked_in(loc.json_path, &raw, &masked),
                page: loc.page,
                masked,
                value: self
                    .opts
                    .reveal
                    .then(|| String::from_utf8_lossy(&chunk.text[m.start..m.end]).into_owned()),
                value_hash: self
                    .opts
                    .value_key
                    .as_ref()
                    .map(|k| k.hash(&chunk.text[m.start..m.end])),
            });
        }
    }
}

/// `place` (a JSON path, a column name) with the raw value of the match it locates replaced by
/// its masked sample: a sensitive map key or header name is itself the value found, and a
/// record shows raw values only behind `--reveal` (in `value`).
fn masked_in(place: Option<String>, raw: &str, masked: &str) -> Option<String> {
    match place {
        Some(p) if !raw.is_empty() && p.contains(raw) => Some(p.replace(raw, masked)),
        other => other,
    }
}

/// Columns whose keyword contexts are kept by column number.
const COLUMN_CONTEXTS: usize = 256;

/// The keyword context of column `i` named `c`: the one kept for the column when its name is
/// the same, else looked up (and kept).
fn column_context<'c>(
    columns: &'c mut Vec<(String, KeywordContext)>,
    contexts: &mut ContextCache,
    engine: &Engine,
    c: &str,
    i: usize,
) -> &'c KeywordContext {
    if columns.len() <= i {
        columns.resize_with(i + 1, || (String::new(), KeywordContext::none()));
    }
    let kept = &mut columns[i];
    if kept.0 != c || kept.0.is_empty() {
        let found = contexts.get(engine, c).clone();
        kept.0.clear();
        kept.0.push_str(c);
        kept.1 = found;
    }
    &kept.1
}

/// The keyword contexts of structural contexts (column names, JSON paths), cached: they
/// repeat, and each JSON value or cell looks one up, so a hit costs one look-up (a fast hash,
/// seeded per process).
#[derive(Default)]
struct ContextCache {
    index: HashMap<String, usize, foldhash::fast::RandomState>,
    contexts: Vec<KeywordContext>,
}

impl ContextCache {
    /// Most contexts kept; past it the cache starts again.
    const MAX: usize = 10_000;

    /// The keyword context of `c`.
    fn get(&mut self, engine: &Engine, c: &str) -> &KeywordContext {
        let i = match self.index.get(c) {
            Some(&i) => i,
            None => {
                if self.contexts.len() >= Self::MAX {
                    self.index.clear();
                    self.contexts.clear();
                }
                self.contexts.push(engine.keyword_context(c));
                self.index.insert(c.to_string(), self.contexts.len() - 1);
                self.contexts.len() - 1
            }
        };
        &self.contexts[i]
    }
}

impl ObjectScanner<'_> {
    /// Adds to `self.matches` (the running-text matches of a chunk with table cells, within
    /// its report range) what each cell under a column name holding a keyword gives with that
    /// name as context, as a CSV cell would. A cell's match replaces the running-text matches
    /// it overlaps (the same value, now with its column's keyword).
    fn add_cell_matches(&mut self, chunk: &Chunk<'_>) {
        let engine = self.engine;
        let mut extra = std::mem::take(&mut self.cell_matches);
        extra.clear();
        let report = &chunk.report;
        for (range, cell) in chunk.locator.table_cells(chunk.text.len()) {
            if range.end <= report.start || range.start >= report.end {
                continue;
            }
            let Some(name) = cell.column_name.as_deref() else {
                continue;
            };
            let ctx = self.contexts.get(engine, name);
            if ctx.is_empty() {
                continue;
            }
            let first = extra.len();
            let text = &chunk.text[range.clone()];
            engine.scan_field(text, ctx, &mut self.scratch, &mut extra);
            let mut kept = first;
            for i in first..extra.len() {
                let mut m = extra[i];
                m.start += range.start;
                m.end += range.start;
                if report.contains(&m.start) {
                    extra[kept] = m;
                    kept += 1;
                }
            }
            extra.truncate(kept);
        }
        if !extra.is_empty() {
            extra.sort_by_key(|m| (m.start, m.end));
            // The furthest end among the cell matches up to each one, to find overlaps.
            let mut reach = Vec::with_capacity(extra.len());
            let mut furthest = 0;
            for m in &extra {
                furthest = furthest.max(m.end);
                reach.push(furthest);
            }
            self.matches.retain(|m| {
                let before = extra.partition_point(|f| f.start < m.end);
                before == 0 || reach[before - 1] <= m.start
            });
            self.matches.append(&mut extra);
            self.matches.sort_by_key(|m| (m.start, m.end));
        }
        self.cell_matches = extra;
    }
}

fn object_info(obj: &ObjectRef) -> ObjectInfo {
    ObjectInfo {
        storage: obj.storage,
        bucket: obj.bucket.clone(),
        key: obj.key.clone(),
        uri: obj.uri.clone(),
        size: obj.size,
        last_modified: obj.last_modified.clone(),
        etag: obj.etag.clone(),
        version_id: obj.version_id.clone(),
        encryption: obj.encryption.clone(),
        account: obj.account.clone(),
    }
}

fn reasons_out(reasons: &[Reason]) -> Vec<ReasonOut> {
    reasons
        .iter()
        .map(|r| ReasonOut {
            code: r.code,
            member: r.member.clone(),
            message: r.message.clone(),
        })
        .collect()
}

/// A record for an object that could not be read at all.
pub fn skipped_record(obj: &ObjectRef, reasons: &[Reason], opts: &RecordOptions) -> ResultRecord {
    ResultRecord {
        schema: RESULT_SCHEMA.to_string(),
        run_id: opts.run_id.clone(),
        job_id: opts.job_id.clone(),
        object: object_info(obj),
        status: Status::Skipped,
        reasons: reasons_out(reasons),
        format: trawl_formats::format_from_name(&obj.key).name().to_string(),
        bytes_scanned: 0,
        severity: None,
        detections: Vec::new(),
    }
}

impl<'e> ObjectScanner<'e> {
    /// A scanner for one thread.
    pub fn new(engine: &'e Engine) -> ObjectScanner<'e> {
        ObjectScanner {
            engine,
            scratch: engine.scratch(),
            contexts: ContextCache::default(),
            fields: FieldMemo::default(),
            column_contexts: Vec::new(),
            matches: Vec::new(),
            cell_matches: Vec::new(),
            panics: Vec::new(),
        }
    }

    /// The third-party reader panics caught while scanning the last object (and forgets them).
    pub fn take_panics(&mut self) -> Vec<CaughtPanic> {
        std::mem::take(&mut self.panics)
    }

    /// Scans one object's content (a stream) into a result record.
    pub fn scan(
        &mut self,
        obj: &ObjectRef,
        reader: &mut dyn Read,
        limits: &Limits,
        opts: &RecordOptions,
    ) -> ResultRecord {
        self.scan_with(obj, limits, opts, |limits, sink| {
            extract(reader, &obj.key, limits, sink)
        })
    }

    /// Scans one object's content that can seek (a local file) into a result record.
    pub fn scan_seekable(
        &mut self,
        obj: &ObjectRef,
        reader: &mut dyn ReadSeek,
        limits: &Limits,
        opts: &RecordOptions,
    ) -> ResultRecord {
        self.scan_with(obj, limits, opts, |limits, sink| {
            extract_seekable(reader, &obj.key, Some(obj.size), limits, sink)
        })
    }

    fn scan_with(
        &mut self,
        obj: &ObjectRef,
        limits: &Limits,
        opts: &RecordOptions,
        run: impl FnOnce(&Limits, &mut dyn TextSink) -> Extraction,
    ) -> ResultRecord {
        let engine = self.engine;
        let mut sink = ScanSink {
            scanner: self,
            opts,
            accs: HashMap::new(),
            bytes_scanned: 0,
        };
        let Extraction {
            format,
            reasons,
            panics,
            ..
        } = run(limits, &mut sink);
        let ScanSink {
            accs,
            bytes_scanned,
            scanner,
            ..
        } = sink;
        scanner.panics = panics;
        let mut detections: Vec<Detection> = accs
            .into_iter()
            .filter_map(|(idx, acc)| {
                let ident = &engine.identifiers()[idx];
                // A custom identifier below its lowest occurrence threshold gives no detection.
                Some(Detection {
                    kind: ident.id.clone(),
                    category: ident.category,
                    count: acc.count,
                    severity: ident.severity.for_count(acc.count)?,
                    occurrences: acc.occurrences,
                })
            })
            .collect();
        detections.sort_by(|a, b| {
            b.severity
                .cmp(&a.severity)
                .then_with(|| a.kind.cmp(&b.kind))
        });
        let severity = detections.first().map(|d| d.severity);
        let unsupported = matches!(format, Format::Unsupported(_) | Format::Binary);
        let status = if reasons.is_empty() {
            Status::Complete
        } else if bytes_scanned > 0 && !unsupported {
            Status::Partial
        } else {
            Status::Skipped
        };
        ResultRecord {
            schema: RESULT_SCHEMA.to_string(),
            run_id: opts.run_id.clone(),
            job_id: opts.job_id.clone(),
            object: object_info(obj),
            status,
            reasons: reasons_out(&reasons),
            format: format.name().to_string(),
            bytes_scanned,
            severity,
            detections,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The cache answers as the engine does, before and after it starts again.
    #[test]
    fn context_cache_answers_as_the_engine() {
        let engine = trawl_identifiers::EngineBuilder::new().build().unwrap();
        let mut cache = ContextCache::default();
        for round in 0..2 {
            for name in ["ssn", "notes", "customer ssn", "ssn"] {
                assert_eq!(
                    cache.get(&engine, name),
                    &engine.keyword_context(name),
                    "{name}"
                );
            }
            assert!(!cache.get(&engine, "ssn").is_empty());
            assert!(cache.get(&engine, "notes").is_empty());
            if round == 0 {
                for i in 0..ContextCache::MAX + 3 {
                    cache.get(&engine, &format!("column {i}"));
                }
                assert!(cache.contexts.len() <= ContextCache::MAX);
            }
        }
    }
}
