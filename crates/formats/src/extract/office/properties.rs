//! Document properties of zip packages: OOXML `docProps/core.xml` (author, title, subject,
//! description, keywords, last modified by), `docProps/app.xml` (company, manager, titles of
//! parts), `docProps/custom.xml` (custom properties) and ODF `meta.xml` (creator, title,
//! user-defined properties). Each part is read as running text with one `name: value` line
//! per property, located by line under the part's name as member.

use quick_xml::events::Event;

use super::package::{part_reason, Package};
use crate::extract::ctx::Ctx;
use crate::extract::text;
use crate::location::StreamPos;
use crate::reason::ReasonCode;

/// The property parts, in the order they are read.
const PARTS: &[&str] = &[
    "docProps/core.xml",
    "docProps/app.xml",
    "docProps/custom.xml",
    "meta.xml",
];

/// Property parts are small; one past this is not read.
const MAX_PART_LEN: u64 = 8 << 20;

/// Reads the package's property parts (those it has).
pub(super) fn properties(ctx: &mut Ctx<'_>, archive: &mut Package<'_>) {
    for part in PARTS {
        if ctx.exhausted() {
            return;
        }
        let Some(size) = archive.by_name(part).ok().map(|f| f.size()) else {
            continue;
        };
        if size > MAX_PART_LEN {
            part_reason(
                ctx,
                part,
                ReasonCode::ArchiveContainsUnprocessedFiles,
                format!("document properties part of {size} bytes (over {MAX_PART_LEN}); not read"),
            );
            continue;
        }
        let Some(xml) = super::package::read_part(ctx, archive, part, MAX_PART_LEN) else {
            part_reason(
                ctx,
                part,
                ReasonCode::MalformedFile,
                "document properties part could not be read".to_string(),
            );
            continue;
        };
        let (lines, error) = property_lines(&xml);
        ctx.enter(part, |ctx| {
            if let Some(e) = error {
                ctx.reason(
                    ReasonCode::MalformedFile,
                    format!("document properties: {e}; what came before was read"),
                );
            }
            let member = ctx.member.clone();
            if let Err(e) = text::stream(
                lines.as_bytes(),
                StreamPos::start(),
                ctx.limits,
                &member,
                ctx.sink,
            ) {
                ctx.io_failure(&e);
            }
        });
    }
}

/// One `name: value` line per property with text: the name is the element's local name
/// (`creator`, `Company`), or the `name` attribute of a custom or user-defined property.
/// Typed values (`vt:lpwstr` in a vector) take their property's name. The XML error, if any,
/// ends the lines.
fn property_lines(xml: &[u8]) -> (String, Option<String>) {
    let mut reader = quick_xml::Reader::from_reader(xml);
    let cfg = reader.config_mut();
    cfg.check_end_names = false;
    cfg.allow_unmatched_ends = true;
    // The names of the open elements (a `name` attribute wins over the element's name), and
    // whether each is a typed value (namespace prefix `vt`).
    let mut open: Vec<(String, bool)> = Vec::new();
    let mut out = String::new();
    let mut value = String::new();
    let mut buf = Vec::new();
    let error = loop {
        buf.clear();
        match reader.read_event_into(&mut buf) {
            Ok(Event::Start(e)) => {
                let typed = e.name().prefix().is_some_and(|p| p.as_ref() == "vt");
                let named = e.attributes().flatten().find_map(|a| {
                    (a.key.local_name().as_ref() == "name").then(|| a.value.clone().into_owned())
                });
                let local = e.local_name().as_ref().to_string();
                open.push((named.unwrap_or(local), typed));
                flush(&mut out, &open, &mut value);
            }
            Ok(Event::End(_)) => {
                flush(&mut out, &open, &mut value);
                open.pop();
            }
            Ok(Event::Text(t)) => value.push_str(&t.xml10_content()),
            Ok(Event::CData(t)) => value.push_str(&t.xml10_content()),
            Ok(Event::GeneralRef(r)) => {
                if let Ok(Some(c)) = r.resolve_char_ref() {
                    value.push(c);
                } else if let Some(s) = quick_xml::escape::resolve_predefined_entity(&r) {
                    value.push_str(s);
                }
            }
            Ok(Event::Eof) => break None,
            Ok(_) => {}
            Err(e) => break Some(e.to_string()),
        }
    };
    flush(&mut out, &open, &mut value);
    (out, error)
}

/// Writes the pending text as a line named after its property, if it is not blank.
fn flush(out: &mut String, open: &[(String, bool)], value: &mut String) {
    let text = value.trim();
    if !text.is_empty() {
        let name = open
            .iter()
            .rev()
            .find(|(_, typed)| !typed)
            .map_or("property", |(n, _)| n.as_str());
        out.push_str(name);
        out.push_str(": ");
        for ch in text.chars() {
            out.push(if ch == '\n' || ch == '\r' { ' ' } else { ch });
        }
        out.push('\n');
    }
    value.clear();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_name_their_property() {
        let core = br#"<cp:coreProperties xmlns:cp="c" xmlns:dc="d"><dc:title>Plan &amp; budget</dc:title><dc:creator>Ann Smith</dc:creator><cp:keywords> </cp:keywords></cp:coreProperties>"#;
        assert_eq!(
            property_lines(core).0,
            "title: Plan & budget\ncreator: Ann Smith\n"
        );
        let custom = br#"<Properties xmlns:vt="v"><property fmtid="x" pid="2" name="Client SSN"><vt:lpwstr>123-45-6789</vt:lpwstr></property></Properties>"#;
        assert_eq!(property_lines(custom).0, "Client SSN: 123-45-6789\n");
        let meta = br#"<office:meta><meta:user-defined meta:name="Card">4111</meta:user-defined></office:meta>"#;
        assert_eq!(property_lines(meta).0, "Card: 4111\n");
        let (lines, error) = property_lines(b"<a><b>x</b><c");
        assert_eq!(lines, "b: x\n");
        assert!(error.is_some());
    }
}
