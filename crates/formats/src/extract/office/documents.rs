//! Word and PowerPoint 2007+ (docx, pptx): the text parts of the zip package through
//! `quick-xml`, as running text with one paragraph per line. The part reader is shared with
//! OpenDocument text and presentations (`odf`), which read their own XML vocabulary.

use std::collections::BTreeSet;
use std::io::{self, BufRead, Read};

use quick_xml::events::Event;

use super::package::Package;
use super::tables::Tables;
use crate::extract::ctx::Ctx;
use crate::extract::text;
use crate::format::Format;
use crate::location::{StreamPos, TableCell};
use crate::reason::ReasonCode;

/// Paragraph text handed to the text streamer per refill.
const FILL_LEN: usize = 64 * 1024;

/// The parts holding a document's text, in reading order.
fn text_parts(archive: &Package<'_>, format: Format) -> Vec<String> {
    let names: Vec<String> = archive
        .file_names()
        .filter_map(|n| n.ok().map(|n| n.into_owned()))
        .collect();
    let numbered = |dir: &str, stem: &str| -> Vec<String> {
        let mut v: Vec<(u64, String)> = names
            .iter()
            .filter_map(|n| {
                let rest = n.strip_prefix(dir)?.strip_prefix(stem)?;
                let num = rest.strip_suffix(".xml")?;
                let k = if num.is_empty() {
                    0
                } else {
                    num.parse::<u64>().ok()?
                };
                Some((k, n.clone()))
            })
            .collect();
        v.sort();
        v.into_iter().map(|(_, n)| n).collect()
    };
    let mut parts = Vec::new();
    if format == Format::Docx {
        let main = main_document(&names).unwrap_or_else(|| "word/document.xml".into());
        let dir = match main.rfind('/') {
            Some(i) => main[..=i].to_string(),
            None => String::new(),
        };
        parts.push(main);
        for stem in ["header", "footer"] {
            parts.extend(numbered(&dir, stem));
        }
        for single in ["footnotes.xml", "endnotes.xml", "comments.xml"] {
            let n = format!("{dir}{single}");
            if names.contains(&n) {
                parts.push(n);
            }
        }
    } else {
        // Slides and their notes, then what every slide shows from its layout and master
        // (footers, fixed text): a presentation with no slides still has those.
        parts.extend(numbered("ppt/slides/", "slide"));
        parts.extend(numbered("ppt/notesSlides/", "notesSlide"));
        parts.extend(numbered("ppt/slideLayouts/", "slideLayout"));
        parts.extend(numbered("ppt/slideMasters/", "slideMaster"));
        parts.extend(numbered("ppt/notesMasters/", "notesMaster"));
        parts.extend(numbered("ppt/handoutMasters/", "handoutMaster"));
    }
    parts
}

/// The main document part: `word/document.xml`, else a part named `document.xml`.
fn main_document(names: &[String]) -> Option<String> {
    let candidates = ["word/document.xml", "word/document2.xml"];
    candidates
        .iter()
        .find(|c| names.iter().any(|n| n == *c))
        .map(|c| c.to_string())
        .or_else(|| {
            names
                .iter()
                .find(|n| n.ends_with("/document.xml") || n.as_str() == "document.xml")
                .cloned()
        })
}

/// Reads the text parts of a docx or pptx; parts in `stopped` (by the expansion guard) are
/// skipped. A presentation with no slides is read for what it has (layouts, masters), and
/// one with no text at all is an empty presentation, read whole.
pub(super) fn documents(
    ctx: &mut Ctx<'_>,
    format: Format,
    archive: &mut Package<'_>,
    stopped: &BTreeSet<String>,
) -> io::Result<()> {
    let parts = text_parts(archive, format);
    if format == Format::Docx && archive.index_for_name(&parts[0]).is_none() {
        ctx.reason(
            ReasonCode::MalformedFile,
            format!("{} package without its document part", format.name()),
        );
        return Ok(());
    }
    if !read_parts(ctx, archive, &parts, stopped, Dialect::Ooxml) {
        ctx.empty_text();
    }
    Ok(())
}

/// The XML vocabulary of a document's text parts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Dialect {
    /// WordprocessingML and DrawingML (docx, pptx).
    Ooxml,
    /// OpenDocument (odt, odp).
    Odf,
}

/// Reads `parts` of a document, in order, as one running text (parts in `stopped`, by the
/// expansion guard, and parts absent are skipped); whether any text was read.
pub(super) fn read_parts(
    ctx: &mut Ctx<'_>,
    archive: &mut Package<'_>,
    parts: &[String],
    stopped: &BTreeSet<String>,
    dialect: Dialect,
) -> bool {
    let mut pos = StreamPos::start();
    let mut tables = 0u64;
    let mut any = false;
    for part in parts {
        if ctx.exhausted() {
            break;
        }
        if stopped.contains(part) {
            continue;
        }
        let Some(index) = archive.index_for_name(part) else {
            continue;
        };
        let mut file = match archive.by_index(index) {
            Ok(f) => f,
            Err(zip::result::ZipError::Io(e)) => {
                ctx.io_failure(&e);
                continue;
            }
            Err(e) => {
                ctx.reason(ReasonCode::MalformedFile, format!("part {part}: {e}"));
                continue;
            }
        };
        let compressed = file.compressed_size();
        let counted = crate::limits::Counting::new(
            &mut file,
            ctx.budget,
            ctx.limits,
            crate::limits::Compressed::Known(compressed),
        );
        let mut paras = Paragraphs::new(io::BufReader::new(counted), pos, tables, dialect);
        paras.fill();
        if !paras.out.is_empty() {
            any = true;
            let start = paras.start;
            let limits = ctx.limits;
            let member = ctx.member.clone();
            if let Err(e) = text::stream_cells(&mut paras, start, limits, &member, ctx.sink) {
                ctx.io_failure(&e);
            }
        }
        pos = paras.end;
        tables = paras.tables.count();
        match paras.error.take() {
            Some(PartError::Io(e)) => ctx.io_failure(&e),
            Some(PartError::Xml(m)) => ctx.reason(
                ReasonCode::MalformedFile,
                format!("part {part}: {m}; what came before was read"),
            ),
            None => {}
        }
    }
    any
}

enum PartError {
    Io(io::Error),
    Xml(String),
}

/// Paragraph text of one XML part, pulled as a byte stream: one paragraph per line, with the
/// stretches of it that lie in table cells.
pub(super) struct Paragraphs<R: BufRead> {
    xml: quick_xml::Reader<R>,
    buf: Vec<u8>,
    dialect: Dialect,
    /// Open paragraphs' text (nested ones: text boxes).
    pub(super) open: Vec<String>,
    /// Depth inside an element whose text is not content (field codes, fallbacks).
    pub(super) skip: usize,
    in_text: usize,
    in_run: usize,
    out: Vec<u8>,
    at: usize,
    done: bool,
    error: Option<PartError>,
    /// Where the first byte not yet handed out lies.
    start: StreamPos,
    /// Where the text produced so far ends.
    end: StreamPos,
    /// Table cells in the text.
    pub(super) tables: Tables,
}

impl<R: BufRead> Paragraphs<R> {
    /// Reads a part whose text starts at `start`, after `tables` tables of the document.
    pub(super) fn new(reader: R, start: StreamPos, tables: u64, dialect: Dialect) -> Self {
        let mut xml = quick_xml::Reader::from_reader(reader);
        let cfg = xml.config_mut();
        cfg.check_end_names = false;
        cfg.allow_unmatched_ends = true;
        cfg.allow_dangling_amp = true;
        Paragraphs {
            xml,
            buf: Vec::new(),
            dialect,
            open: Vec::new(),
            skip: 0,
            in_text: 0,
            in_run: 0,
            out: Vec::new(),
            at: 0,
            done: false,
            error: None,
            start,
            end: start,
            tables: Tables::after(tables),
        }
    }

    /// The offset of the next byte of text.
    pub(super) fn at(&self) -> u64 {
        self.end.offset + self.out.len() as u64
    }

    fn push_text(&mut self, s: &str) {
        if self.in_text == 0 || self.skip > 0 {
            return;
        }
        if let Some(p) = self.open.last_mut() {
            for ch in s.chars() {
                p.push(match ch {
                    '\n' | '\r' => ' ',
                    c => c,
                });
            }
        }
    }

    pub(super) fn push_char(&mut self, c: char) {
        if self.skip > 0 {
            return;
        }
        if let Some(p) = self.open.last_mut() {
            p.push(c);
        }
    }

    pub(super) fn close_paragraph(&mut self) {
        if let Some(p) = self.open.pop() {
            self.out.extend_from_slice(p.as_bytes());
            self.out.push(b'\n');
            self.tables.paragraph(&p);
        }
    }

    /// Reads events until some text is out or the part ends.
    fn fill(&mut self) {
        self.out.clear();
        self.at = 0;
        while !self.done && self.out.len() < FILL_LEN {
            self.buf.clear();
            let ev = match self.xml.read_event_into(&mut self.buf) {
                Ok(ev) => ev.into_owned(),
                Err(e) => {
                    self.error = Some(match e {
                        quick_xml::Error::Io(io) => {
                            PartError::Io(match std::sync::Arc::try_unwrap(io) {
                                Ok(e) => e,
                                Err(arc) => {
                                    if let Some(code) = crate::limits::limit_of(&arc) {
                                        io::Error::other(crate::limits::LimitHit(code))
                                    } else {
                                        io::Error::new(arc.kind(), arc.to_string())
                                    }
                                }
                            })
                        }
                        e => PartError::Xml(e.to_string()),
                    });
                    self.finish();
                    break;
                }
            };
            match self.dialect {
                Dialect::Ooxml => self.ooxml_event(ev),
                Dialect::Odf => self.odf_event(ev),
            }
        }
        self.end = self.end.advance(&self.out);
    }

    /// Handles one event of an OOXML part.
    fn ooxml_event(&mut self, ev: Event<'static>) {
        match ev {
            Event::Start(e) => {
                if self.skip > 0 {
                    self.skip += 1;
                    return;
                }
                match e.local_name().as_ref() {
                    "p" => self.open.push(String::new()),
                    "t" | "delText" => self.in_text += 1,
                    "r" => self.in_run += 1,
                    "instrText" | "Fallback" | "delInstrText" => self.skip = 1,
                    name => {
                        let at = self.at();
                        self.tables.start(name, &e, false, at);
                    }
                }
            }
            Event::Empty(e) => match e.local_name().as_ref() {
                "p" if self.skip == 0 => {
                    self.open.push(String::new());
                    self.close_paragraph();
                }
                "br" | "cr" => self.push_char(' '),
                "tab" if self.in_run > 0 => self.push_char('\t'),
                "noBreakHyphen" => self.push_char('-'),
                name if self.skip == 0 => {
                    let at = self.at();
                    self.tables.start(name, &e, true, at);
                }
                _ => {}
            },
            Event::End(e) => {
                if self.skip > 0 {
                    self.skip -= 1;
                    return;
                }
                match e.local_name().as_ref() {
                    "p" => self.close_paragraph(),
                    "t" | "delText" => self.in_text = self.in_text.saturating_sub(1),
                    "r" => self.in_run = self.in_run.saturating_sub(1),
                    name => {
                        let at = self.at();
                        self.tables.end(name, at);
                    }
                }
            }
            Event::Text(t) => {
                let s = t.xml10_content();
                self.push_text(&s);
            }
            Event::CData(t) => {
                let s = t.xml10_content();
                self.push_text(&s);
            }
            Event::GeneralRef(r) => {
                if let Ok(Some(c)) = r.resolve_char_ref() {
                    let mut b = [0u8; 4];
                    self.push_text(c.encode_utf8(&mut b));
                } else if let Some(s) = quick_xml::escape::resolve_predefined_entity(&r) {
                    self.push_text(s);
                }
                // Other entities are not expanded (no DTDs in office parts).
            }
            Event::Eof => self.finish(),
            _ => {}
        }
    }

    /// Ends the part, keeping the text of paragraphs left open by a truncated part.
    pub(super) fn finish(&mut self) {
        while !self.open.is_empty() {
            self.close_paragraph();
        }
        let at = self.at();
        self.tables.finish(at);
        self.done = true;
    }
}

impl<R: BufRead> text::CellSource for Paragraphs<R> {
    fn cells_from(&mut self, offset: u64) -> &[TableCell] {
        self.tables.cells_from(offset)
    }

    fn crowded(&self) -> bool {
        self.tables.crowded()
    }
}

impl<R: BufRead> Read for Paragraphs<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.at == self.out.len() {
            if self.done {
                return Ok(0);
            }
            self.fill();
        }
        let n = (self.out.len() - self.at).min(buf.len());
        buf[..n].copy_from_slice(&self.out[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}
