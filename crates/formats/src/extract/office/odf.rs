//! OpenDocument text and presentations (odt, odp): `content.xml` (the body, slides and their
//! notes), the `content.xml` of embedded objects, and `styles.xml` (headers, footers, master
//! pages) read through `quick-xml` as one running text with one paragraph per line, tables
//! (`table:table`) located cell by cell as in Word documents, and `meta.xml` as document
//! properties.
//!
//! White space in paragraphs is collapsed as ODF renders it; `text:s` (with its count, capped),
//! `text:tab` and `text:line-break` give a space, a tab and a space. Repeated and spanned
//! cells (`table:number-columns-repeated`, `-spanned`, `table:covered-table-cell`) and
//! repeated rows advance the column and row numbers without their text being repeated.
//!
//! A package whose manifest marks parts as encrypted (a password-protected document) gives
//! `ENCRYPTED_CONTENT`; its encrypted parts are not read.

use std::collections::BTreeSet;
use std::io::{self, BufRead, SeekFrom};

use quick_xml::events::{BytesStart, Event};

use super::documents::{read_parts, Dialect, Paragraphs};
use super::package::{read_part, Package};
use crate::extract::ctx::{Ctx, ReadSeek};
use crate::format::Format;
use crate::reason::ReasonCode;

/// The package manifest, which names the encrypted parts.
const MANIFEST: &str = "META-INF/manifest.xml";
/// A manifest past this size is not read (real ones are a few KiB).
const MAX_MANIFEST_LEN: u64 = 8 << 20;
/// Spaces one `text:s` gives at most.
const MAX_SPACES: u64 = 256;
/// Columns or rows one repeated cell or row stands for at most.
const MAX_REPEAT: u64 = 1 << 20;

/// Reads an OpenDocument text or presentation package.
pub(super) fn odf(
    ctx: &mut Ctx<'_>,
    format: Format,
    archive: &mut Package<'_>,
    stopped: &BTreeSet<String>,
) -> io::Result<()> {
    let encrypted = encrypted_parts(ctx, archive);
    if !encrypted.is_empty() {
        ctx.reason(
            ReasonCode::EncryptedContent,
            format!(
                "password-protected OpenDocument {} ({} encrypted parts); not read",
                format.name(),
                encrypted.len()
            ),
        );
    }
    if archive.index_for_name("content.xml").is_none() && encrypted.is_empty() {
        ctx.reason(
            ReasonCode::MalformedFile,
            format!("{} package without its content part", format.name()),
        );
        return Ok(());
    }
    let parts: Vec<String> = text_parts(archive)
        .into_iter()
        .filter(|p| !encrypted.contains(p))
        .collect();
    let any = read_parts(ctx, archive, &parts, stopped, Dialect::Odf);
    if !encrypted.contains("meta.xml") {
        super::properties::properties(ctx, archive);
    }
    if !any && encrypted.is_empty() {
        ctx.empty_text();
    }
    Ok(())
}

/// The parts holding a document's text, in reading order: the content, the content of
/// embedded objects (a spreadsheet or chart in a document or on a slide), the styles.
fn text_parts(archive: &Package<'_>) -> Vec<String> {
    let mut objects: Vec<String> = archive
        .file_names()
        .filter_map(|n| n.ok())
        .filter(|n| {
            n.strip_suffix("/content.xml")
                .is_some_and(|dir| !dir.is_empty() && !dir.starts_with("META-INF"))
        })
        .map(|n| n.into_owned())
        .collect();
    objects.sort();
    let mut parts = vec!["content.xml".to_string()];
    parts.extend(objects);
    parts.push("styles.xml".to_string());
    parts
}

/// Whether a zip that declares itself an OpenDocument package (by its `mimetype` entry) has
/// no `content.xml`, and so is an ordinary zip; the reader is left at its start.
pub(super) fn plain_zip(r: &mut dyn ReadSeek) -> io::Result<bool> {
    let plain = match zip::ZipArchive::new(&mut *r) {
        Ok(archive) => archive.index_for_name("content.xml").is_none(),
        Err(_) => false,
    };
    r.seek(SeekFrom::Start(0))?;
    Ok(plain)
}

/// The parts the manifest marks as encrypted (`manifest:encryption-data` in their entry).
pub(super) fn encrypted_parts(ctx: &Ctx<'_>, archive: &mut Package<'_>) -> BTreeSet<String> {
    let mut encrypted = BTreeSet::new();
    if archive.index_for_name(MANIFEST).is_none() {
        return encrypted;
    }
    let Some(xml) = read_part(ctx, archive, MANIFEST, MAX_MANIFEST_LEN) else {
        return encrypted;
    };
    let mut reader = quick_xml::Reader::from_reader(xml.as_slice());
    let cfg = reader.config_mut();
    cfg.check_end_names = false;
    cfg.allow_unmatched_ends = true;
    let mut entry: Option<String> = None;
    let mut buf = Vec::new();
    loop {
        buf.clear();
        match reader.read_event_into(&mut buf) {
            Ok(Event::Start(e)) | Ok(Event::Empty(e)) => match e.local_name().as_ref() {
                "file-entry" => {
                    entry = e.attributes().flatten().find_map(|a| {
                        (a.key.local_name().as_ref() == "full-path").then(|| a.value.to_string())
                    });
                }
                "encryption-data" => {
                    encrypted.insert(entry.clone().unwrap_or_else(|| "content.xml".into()));
                }
                _ => {}
            },
            Ok(Event::Eof) | Err(_) => break,
            Ok(_) => {}
        }
    }
    encrypted
}

/// The numeric attribute of `e` with local name `name`.
fn number(e: &BytesStart<'_>, name: &str) -> Option<u64> {
    e.attributes()
        .flatten()
        .find(|a| a.key.local_name().as_ref() == name)
        .and_then(|a| a.value.trim().parse().ok())
}

/// Elements whose text is not the document's: annotation and change authors and dates,
/// alternative text, note numbers, embedded binary data, index templates.
fn skipped(e: &BytesStart<'_>) -> bool {
    matches!(
        e.name().as_ref(),
        "dc:creator"
            | "dc:date"
            | "meta:date-string"
            | "office:change-info"
            | "office:binary-data"
            | "svg:title"
            | "svg:desc"
            | "text:note-citation"
            | "text:index-title-template"
            | "text:table-of-content-entry-template"
    )
}

impl<R: BufRead> Paragraphs<R> {
    /// Handles one event of an OpenDocument part.
    pub(super) fn odf_event(&mut self, ev: Event<'static>) {
        match ev {
            Event::Start(e) => {
                if self.skip > 0 {
                    self.skip += 1;
                } else if skipped(&e) {
                    self.skip = 1;
                } else {
                    self.odf_start(&e, false);
                }
            }
            Event::Empty(e) if self.skip == 0 => self.odf_start(&e, true),
            Event::End(e) => {
                if self.skip > 0 {
                    self.skip -= 1;
                    return;
                }
                let at = self.at();
                match e.local_name().as_ref() {
                    "p" | "h" => self.close_paragraph(),
                    "table-cell" | "covered-table-cell" => self.tables.close_cell(at),
                    "table" => self.tables.close_table(at),
                    _ => {}
                }
            }
            Event::Text(t) => {
                let s = t.xml10_content();
                self.push_odf_text(&s);
            }
            Event::CData(t) => {
                let s = t.xml10_content();
                self.push_odf_text(&s);
            }
            Event::GeneralRef(r) => {
                if let Ok(Some(c)) = r.resolve_char_ref() {
                    if self.skip == 0 {
                        self.push_char(c);
                    }
                } else if let Some(s) = quick_xml::escape::resolve_predefined_entity(&r) {
                    self.push_odf_text(s);
                }
            }
            Event::Eof => self.finish(),
            _ => {}
        }
    }

    /// A start tag (or an empty one, `empty`) outside skipped elements.
    fn odf_start(&mut self, e: &BytesStart<'_>, empty: bool) {
        let at = self.at();
        match e.local_name().as_ref() {
            "p" | "h" => {
                self.open.push(String::new());
                if empty {
                    self.close_paragraph();
                }
            }
            "s" => {
                let n = number(e, "c").unwrap_or(1).clamp(1, MAX_SPACES);
                for _ in 0..n {
                    self.push_char(' ');
                }
            }
            "tab" => self.push_char('\t'),
            "line-break" => self.push_char(' '),
            "table" => {
                self.tables.open_table(at);
                if empty {
                    self.tables.close_table(at);
                }
            }
            "table-row" => {
                let rows = number(e, "number-rows-repeated").unwrap_or(1);
                self.tables.open_row(at, rows.clamp(1, MAX_REPEAT));
            }
            "table-cell" | "covered-table-cell" => {
                let columns = number(e, "number-columns-repeated")
                    .unwrap_or(1)
                    .clamp(1, MAX_REPEAT);
                let spanned = number(e, "number-columns-spanned").unwrap_or(1);
                // A spanned cell is followed by covered cells for the columns it covers, but
                // as a header it names them all.
                let span = columns.max(spanned.clamp(1, MAX_REPEAT));
                self.tables.open_cell(at, empty, columns, span);
            }
            _ => {}
        }
    }

    /// Text of a paragraph, its white space collapsed (a run of spaces, tabs and line ends is
    /// one space, none at the start of a paragraph).
    fn push_odf_text(&mut self, s: &str) {
        if self.skip > 0 {
            return;
        }
        let Some(p) = self.open.last_mut() else {
            return;
        };
        for ch in s.chars() {
            if matches!(ch, ' ' | '\t' | '\n' | '\r') {
                if !p.is_empty() && !p.ends_with(' ') {
                    p.push(' ');
                }
            } else {
                p.push(ch);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::location::StreamPos;
    use std::io::Read;

    /// A cell stretch: table, row, column, column name, text.
    type CellText = (u64, u64, u64, Option<String>, String);

    fn text_of(xml: &str) -> (String, Vec<CellText>) {
        let mut p = Paragraphs::new(xml.as_bytes(), StreamPos::start(), 0, Dialect::Odf);
        let mut out = Vec::new();
        let mut cells = Vec::new();
        let mut buf = [0u8; 4096];
        loop {
            let n = p.read(&mut buf).unwrap_or(0);
            if n == 0 {
                break;
            }
            out.extend_from_slice(&buf[..n]);
        }
        for c in p.tables.cells_from(0) {
            let text = String::from_utf8_lossy(&out[c.start as usize..c.end as usize]);
            cells.push((
                c.table,
                c.row,
                c.column,
                c.column_name.as_deref().map(str::to_string),
                text.into_owned(),
            ));
        }
        (String::from_utf8_lossy(&out).into_owned(), cells)
    }

    #[test]
    fn odf_paragraphs_spaces_and_notes() {
        let xml = r#"<office:document-content xmlns:office="o" xmlns:text="t" xmlns:dc="d"><office:body><office:text>
  <text:h>Title  of
   it</text:h>
  <text:p>a<text:s text:c="3"/>b<text:tab/>c<text:line-break/>d<text:span> e</text:span></text:p>
  <text:p/>
  <text:list><text:list-item><text:p>item &amp; more</text:p></text:list-item></text:list>
  <text:p>x<text:note><text:note-citation>1</text:note-citation><text:note-body><text:p>note</text:p></text:note-body></text:note>y</text:p>
  <text:p><office:annotation><dc:creator>Ann</dc:creator><text:p>comment</text:p></office:annotation>z</text:p>
</office:text></office:body></office:document-content>"#;
        let (text, cells) = text_of(xml);
        assert_eq!(
            text,
            "Title of it\na   b\tc d e\n\nitem & more\nnote\nxy\ncomment\nz\n"
        );
        assert!(cells.is_empty());
    }

    #[test]
    fn odf_table_cells_repeat_and_span() {
        let xml = r#"<table:table xmlns:table="t" xmlns:text="x">
<table:table-column table:number-columns-repeated="4"/>
<table:table-header-rows><table:table-row>
 <table:table-cell table:number-columns-spanned="2"><text:p>Card number</text:p></table:table-cell><table:covered-table-cell/>
 <table:table-cell table:number-columns-repeated="2"><text:p>SSN</text:p></table:table-cell>
</table:table-row></table:table-header-rows>
<table:table-row table:number-rows-repeated="3"><table:table-cell table:number-columns-repeated="4"/></table:table-row>
<table:table-row><table:table-cell/><table:table-cell><text:p>b</text:p></table:table-cell><table:covered-table-cell/><table:table-cell><text:p>d</text:p></table:table-cell></table:table-row>
<table:table-row><table:table-cell table:number-columns-repeated="16384"/></table:table-row>
</table:table>"#;
        let (text, cells) = text_of(xml);
        assert_eq!(text, "Card number\nSSN\nb\nd\n");
        let name = |s: &str| Some(s.to_string());
        assert_eq!(
            cells[2..],
            [
                (1, 5, 2, name("Card number"), "b\n".to_string()),
                (1, 5, 4, name("SSN"), "d\n".to_string()),
            ]
        );
    }
}
