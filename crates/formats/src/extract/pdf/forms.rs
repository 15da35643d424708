//! Form field values (AcroForm): filled tax and application forms hold their data there, not
//! in the page content. Each field's value is sent as `label: value` with the field's names as
//! keyword context, on the page of its widget (`/P`, or the page whose `/Annots` holds it),
//! else located by the field's full name (`$.AcroForm.<name>` as the JSON path).

use std::collections::{HashMap, HashSet};

use lopdf::{Dictionary, Document, Object, ObjectId};

use super::super::ctx::{Chunk, Ctx};
use crate::location::{Locator, StreamPos};

/// Field nodes visited per document.
const MAX_FIELDS: usize = 100_000;
/// Depth of the field tree.
const MAX_DEPTH: usize = 32;
/// Bytes of one value kept (a text field holds a line or a paragraph).
const MAX_VALUE: usize = 64 << 10;

/// One filled field.
struct Field {
    /// Full name (partial names joined by dots).
    name: String,
    /// The name shown to users (`/TU`), if any.
    label: Option<String>,
    value: String,
    page: Option<u64>,
}

/// Sends the values of the document's form fields; `pages` maps page ids to page numbers.
pub(super) fn read(ctx: &mut Ctx<'_>, doc: &Document, pages: &[(u32, ObjectId)]) {
    let Some(fields) = ctx.guarded("lopdf", || collect(doc, pages)) else {
        let message = format!("PDF form fields could not be read ({})", ctx.last_panic());
        ctx.reason(crate::reason::ReasonCode::MalformedFile, message);
        return;
    };
    for f in fields {
        let shown = f.label.as_deref().unwrap_or(&f.name);
        let text = format!("{shown}: {}", f.value);
        let context = match &f.label {
            Some(label) => format!("{label} {}", f.name),
            None => f.name.clone(),
        };
        let path = format!("$.AcroForm.{}", f.name);
        let locator = match f.page {
            Some(page) => Locator::Page {
                page,
                start: StreamPos::start(),
            },
            None => Locator::Record {
                record: 0,
                json_path: &path,
                start: StreamPos::start(),
            },
        };
        ctx.sink.chunk(&Chunk {
            text: text.as_bytes(),
            report: 0..text.len(),
            context: Some(&context),
            locator,
            member: &ctx.member,
        });
    }
}

/// The filled fields of `/AcroForm /Fields`, walked through `/Kids` with a bound.
fn collect(doc: &Document, pages: &[(u32, ObjectId)]) -> Vec<Field> {
    let mut out = Vec::new();
    let Ok(form) = doc
        .catalog()
        .and_then(|c| c.get_deref(b"AcroForm", doc))
        .and_then(Object::as_dict)
    else {
        return out;
    };
    let Ok(roots) = form.get_deref(b"Fields", doc).and_then(Object::as_array) else {
        return out;
    };
    let mut walk = Walk {
        doc,
        numbers: pages.iter().map(|&(n, id)| (id, u64::from(n))).collect(),
        annots: None,
        pages,
        seen: HashSet::new(),
        visited: 0,
        out: &mut out,
    };
    for root in roots {
        walk.node(root, "", 0);
    }
    out
}

struct Walk<'d, 'o> {
    doc: &'d Document,
    /// Page ids to page numbers.
    numbers: HashMap<ObjectId, u64>,
    /// Widget annotation ids to page numbers, built when first needed.
    annots: Option<HashMap<ObjectId, u64>>,
    pages: &'d [(u32, ObjectId)],
    seen: HashSet<ObjectId>,
    visited: usize,
    out: &'o mut Vec<Field>,
}

impl Walk<'_, '_> {
    fn node(&mut self, node: &Object, parent: &str, depth: usize) {
        self.visited += 1;
        if depth > MAX_DEPTH || self.visited > MAX_FIELDS {
            return;
        }
        let id = node.as_reference().ok();
        if let Some(id) = id {
            if !self.seen.insert(id) {
                return;
            }
        }
        let Ok((_, Object::Dictionary(dict))) = self.doc.dereference(node) else {
            return;
        };
        let name = match dict.get(b"T").ok().and_then(text) {
            Some(t) if parent.is_empty() => t,
            Some(t) => format!("{parent}.{t}"),
            None => parent.to_string(),
        };
        if let Some(value) = dict.get(b"V").ok().and_then(|v| self.value(v)) {
            let page = self.page_of(id, dict);
            self.out.push(Field {
                label: dict.get(b"TU").ok().and_then(text),
                name: name.clone(),
                value,
                page,
            });
        }
        if let Ok(kids) = dict.get_deref(b"Kids", self.doc).and_then(Object::as_array) {
            for kid in kids {
                self.node(kid, &name, depth + 1);
            }
        }
    }

    /// A field value as text: a text string, several (a list box), a name (a check box
    /// state other than `Off`), or a text stream.
    fn value(&self, v: &Object) -> Option<String> {
        let v = self.doc.dereference(v).ok()?.1;
        let mut value = match v {
            Object::String(..) => text(v)?,
            Object::Array(items) => {
                let parts: Vec<String> = items.iter().filter_map(text).collect();
                parts.join("\n")
            }
            Object::Name(n) if n != b"Off" => String::from_utf8_lossy(n).into_owned(),
            Object::Stream(s) => {
                let data = s.get_plain_content_with_limit(MAX_VALUE).ok()?;
                String::from_utf8_lossy(&data).into_owned()
            }
            _ => return None,
        };
        if value.len() > MAX_VALUE {
            let mut end = MAX_VALUE;
            while !value.is_char_boundary(end) {
                end -= 1;
            }
            value.truncate(end);
        }
        (!value.trim().is_empty()).then_some(value)
    }

    /// The page of a field: its own `/P`, its widgets' `/P`, or the page listing the field or
    /// a widget among its annotations.
    fn page_of(&mut self, id: Option<ObjectId>, dict: &Dictionary) -> Option<u64> {
        let doc = self.doc;
        let mut widgets: Vec<(Option<ObjectId>, &Dictionary)> = vec![(id, dict)];
        if let Ok(kids) = dict.get_deref(b"Kids", doc).and_then(Object::as_array) {
            for kid in kids.iter().take(64) {
                if let Ok((kid_id, Object::Dictionary(d))) = doc.dereference(kid) {
                    widgets.push((kid_id, d));
                }
            }
        }
        for (_, w) in &widgets {
            if let Some(page) = w
                .get(b"P")
                .and_then(Object::as_reference)
                .ok()
                .and_then(|p| self.numbers.get(&p))
            {
                return Some(*page);
            }
        }
        let annots = self
            .annots
            .get_or_insert_with(|| annotations(doc, self.pages));
        widgets
            .iter()
            .find_map(|(id, _)| id.and_then(|id| annots.get(&id).copied()))
    }
}

/// Annotation ids to the number of the page that lists them.
fn annotations(doc: &Document, pages: &[(u32, ObjectId)]) -> HashMap<ObjectId, u64> {
    let mut map = HashMap::new();
    for &(number, id) in pages {
        let Ok(annots) = doc
            .get_dictionary(id)
            .and_then(|p| p.get_deref(b"Annots", doc))
            .and_then(Object::as_array)
        else {
            continue;
        };
        for a in annots {
            if map.len() >= MAX_FIELDS {
                return map;
            }
            if let Ok(a) = a.as_reference() {
                map.entry(a).or_insert(u64::from(number));
            }
        }
    }
    map
}

/// A text string (PDFDocEncoding, UTF-16BE or UTF-8 with their byte order marks).
fn text(o: &Object) -> Option<String> {
    let bytes = o.as_str().ok()?;
    if let Some(units) = bytes.strip_prefix(b"\xFE\xFF") {
        let units: Vec<u16> = units
            .chunks_exact(2)
            .map(|c| u16::from_be_bytes([c[0], c[1]]))
            .collect();
        return Some(String::from_utf16_lossy(&units));
    }
    lopdf::decode_text_string(o).ok()
}
