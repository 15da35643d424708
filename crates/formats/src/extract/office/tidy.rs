//! Fix-ups of spreadsheet packages that `calamine` refuses whole for one part, done before it
//! opens them: the package is rewritten with the offending small part tidied (the other
//! parts are copied as they are, still compressed).
//!
//! - Macro sheets (`xlMacrosheet`, `xlIntlMacrosheet`): calamine knows worksheets, chart and
//!   dialog sheets and refuses a workbook holding any other sheet type. Their relationships
//!   are relabelled as dialog sheets, which the sheet reader skips; each is reported as a part
//!   not read.
//! - Sheets the expansion guard stopped (a part over its ratio): relabelled the same way, so
//!   that the other sheets are read; the guard has reported them.
//! - ODS table rows holding whitespace text (or comments) between their cells, as some
//!   writers indent them: calamine expects only cells there. Those nodes are dropped.

use std::collections::BTreeSet;
use std::io::{self, Cursor};

use quick_xml::events::{BytesStart, Event};

use super::package::{part_reason, read_part, rewritten, Package};
use crate::extract::archive::Spool;
use crate::extract::ctx::Ctx;
use crate::format::Format;
use crate::reason::ReasonCode;

/// The workbook relationships of xlsx and xlsb.
const WORKBOOK_RELS: &[&str] = &["xl/_rels/workbook.xml.rels", "xl/_rels/workbook.bin.rels"];
const DIALOG_SHEET: &str =
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships/dialogsheet";
/// Parts rewritten here are small; past this they are left as they are.
const MAX_TIDY_LEN: u64 = 64 << 20;

/// The package rewritten for the sheet reader, when it needs it.
pub(super) fn tidied(
    ctx: &mut Ctx<'_>,
    format: Format,
    archive: &mut Package<'_>,
    stopped: &BTreeSet<String>,
) -> io::Result<Option<Spool>> {
    let mut replace = Vec::new();
    match format {
        Format::Xlsx | Format::Xlsb => {
            for rels in WORKBOOK_RELS {
                if archive.index_for_name(rels).is_none() {
                    continue;
                }
                let Some(xml) = read_part(ctx, archive, rels, MAX_TIDY_LEN) else {
                    continue;
                };
                let (fixed, macros) = without_unread_sheets(&xml, stopped);
                for target in macros {
                    let part = format!("xl/{}", target.trim_start_matches('/'));
                    part_reason(
                        ctx,
                        &part,
                        ReasonCode::ArchiveContainsUnprocessedFiles,
                        format!("macro sheet {part} not read (macro sheets are not read)"),
                    );
                }
                if let Some(fixed) = fixed {
                    replace.push((rels.to_string(), fixed));
                }
            }
        }
        Format::Ods => {
            let fits = archive
                .by_name("content.xml")
                .is_ok_and(|f| f.size() <= MAX_TIDY_LEN);
            if fits {
                if let Some(fixed) = read_part(ctx, archive, "content.xml", MAX_TIDY_LEN)
                    .and_then(|xml| rows_without_stray_text(&xml))
                {
                    replace.push(("content.xml".to_string(), fixed));
                }
            }
        }
        _ => {}
    }
    if replace.is_empty() {
        return Ok(None);
    }
    match rewritten(ctx, archive, &replace)? {
        Ok(spool) => Ok(Some(spool)),
        // The package could not be copied: the reader gets it as it is and says what fails.
        Err(_) => Ok(None),
    }
}

fn is_macro_sheet(typ: &str, target: &str) -> bool {
    let last = typ.rsplit('/').next().unwrap_or(typ).to_ascii_lowercase();
    last.ends_with("macrosheet") || target.to_ascii_lowercase().contains("macrosheets/")
}

/// The package part a workbook relationship's target names (targets are relative to `xl/`
/// unless they start with `/`).
fn target_part(target: &str) -> String {
    match target.strip_prefix('/') {
        Some(absolute) => absolute.to_string(),
        None => format!("xl/{target}"),
    }
}

/// Relationships with macro sheets and `stopped` sheets relabelled as dialog sheets (their
/// targets moved to `dialogsheets/`, which is how the xlsb reader tells the type): the new
/// XML, when anything changed, and the macro sheets' original targets.
fn without_unread_sheets(xml: &[u8], stopped: &BTreeSet<String>) -> (Option<Vec<u8>>, Vec<String>) {
    let mut reader = quick_xml::Reader::from_reader(xml);
    let mut writer = quick_xml::Writer::new(Cursor::new(Vec::new()));
    let mut macros = Vec::new();
    let mut changed = false;
    let mut buf = Vec::new();
    loop {
        buf.clear();
        let ev = match reader.read_event_into(&mut buf) {
            Ok(Event::Eof) => break,
            Ok(ev) => ev,
            Err(_) => return (None, Vec::new()),
        };
        let ev = match ev {
            Event::Start(e) if e.local_name().as_ref() == "Relationship" => {
                Event::Start(relabelled(e, &mut macros, &mut changed, stopped))
            }
            Event::Empty(e) if e.local_name().as_ref() == "Relationship" => {
                Event::Empty(relabelled(e, &mut macros, &mut changed, stopped))
            }
            ev => ev,
        };
        if writer.write_event(ev).is_err() {
            return (None, Vec::new());
        }
    }
    if !changed {
        return (None, macros);
    }
    (Some(writer.into_inner().into_inner()), macros)
}

fn relabelled<'a>(
    e: BytesStart<'a>,
    macros: &mut Vec<String>,
    changed: &mut bool,
    stopped: &BTreeSet<String>,
) -> BytesStart<'a> {
    let attr = |key: &str| {
        e.attributes()
            .flatten()
            .find(|a| a.key.as_ref() == key)
            .map(|a| a.value.into_owned())
            .unwrap_or_default()
    };
    let (typ, target) = (attr("Type"), attr("Target"));
    let macro_sheet = is_macro_sheet(&typ, &target);
    if !macro_sheet && !stopped.contains(&target_part(&target)) {
        return e;
    }
    let file = target.rsplit('/').next().unwrap_or(&target);
    let moved = format!("dialogsheets/{file}");
    let mut out = BytesStart::new(e.name().as_ref().to_string());
    for a in e.attributes().flatten() {
        match a.key.as_ref() {
            "Type" => out.push_attribute(("Type", DIALOG_SHEET)),
            "Target" => out.push_attribute(("Target", moved.as_str())),
            _ => out.push_attribute(a),
        }
    }
    if macro_sheet {
        macros.push(target);
    }
    *changed = true;
    out
}

/// ODS content with the text and comment nodes directly inside table rows dropped; `None`
/// when there are none (or the XML does not parse: the reader reports it).
fn rows_without_stray_text(xml: &[u8]) -> Option<Vec<u8>> {
    let mut reader = quick_xml::Reader::from_reader(xml);
    let mut writer = quick_xml::Writer::new(Cursor::new(Vec::with_capacity(xml.len())));
    let mut open: Vec<bool> = Vec::new();
    let mut dropped = false;
    let mut buf = Vec::new();
    loop {
        buf.clear();
        let ev = match reader.read_event_into(&mut buf).ok()? {
            Event::Eof => break,
            ev => ev,
        };
        let in_row = open.last().copied().unwrap_or(false);
        match &ev {
            Event::Start(e) => open.push(e.name().as_ref() == "table:table-row"),
            Event::End(_) => {
                open.pop();
            }
            Event::Text(t) if in_row && t.as_ref().trim().is_empty() => {
                dropped = true;
                continue;
            }
            Event::Comment(_) if in_row => {
                dropped = true;
                continue;
            }
            _ => {}
        }
        writer.write_event(ev).ok()?;
    }
    dropped.then(|| writer.into_inner().into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn macro_sheet_relationships_are_relabelled() {
        let rels = br#"<?xml version="1.0"?><Relationships xmlns="r"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.microsoft.com/office/2006/relationships/xlMacrosheet" Target="macrosheets/sheet1.xml"/></Relationships>"#;
        let none = BTreeSet::new();
        let (fixed, macros) = without_unread_sheets(rels, &none);
        assert_eq!(macros, ["macrosheets/sheet1.xml"]);
        let fixed = String::from_utf8(fixed.unwrap()).unwrap();
        assert!(
            fixed.contains(r#"Target="dialogsheets/sheet1.xml""#),
            "{fixed}"
        );
        assert!(fixed.contains("relationships/dialogsheet\""), "{fixed}");
        assert!(
            fixed.contains(r#"Target="worksheets/sheet1.xml""#),
            "{fixed}"
        );
        assert_eq!(without_unread_sheets(b"<Relationships/>", &none).0, None);

        // A sheet the expansion guard stopped is hidden the same way, not counted as a macro.
        let stopped = BTreeSet::from(["xl/worksheets/sheet1.xml".to_string()]);
        let (fixed, macros) = without_unread_sheets(rels, &stopped);
        assert_eq!(macros, ["macrosheets/sheet1.xml"]);
        let fixed = String::from_utf8(fixed.unwrap()).unwrap();
        assert!(!fixed.contains("worksheets/"), "{fixed}");
    }

    #[test]
    fn whitespace_between_row_cells_is_dropped() {
        let xml = b"<table:table><table:table-row>\n  <table:table-cell><text:p>a b</text:p></table:table-cell>\n</table:table-row></table:table>";
        let fixed = String::from_utf8(rows_without_stray_text(xml).unwrap()).unwrap();
        assert_eq!(
            fixed,
            "<table:table><table:table-row><table:table-cell><text:p>a b</text:p></table:table-cell></table:table-row></table:table>"
        );
        assert_eq!(rows_without_stray_text(b"<a> <b/> </a>"), None);
    }
}
