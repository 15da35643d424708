//! A page's text: its content streams walked operator by operator (text-showing operators
//! through each font's [`Decoder`], Form XObjects entered to a bounded depth and count), with
//! the glyphs shown and those that mapped to nothing counted.

use std::collections::HashMap;

use lopdf::content::Content;
use lopdf::{Dictionary, Document, Object, ObjectId};

use super::fonts::{Counts, Decoder, Fonts};
use crate::limits::Budget;

/// Form XObjects nested inside each other.
const MAX_FORM_DEPTH: usize = 12;
/// Form XObjects entered per page (a small form drawn many times, or forms that draw each
/// other, would otherwise multiply the work).
const MAX_FORMS: usize = 2_000;
/// Operators walked per page, forms included.
const MAX_OPERATIONS: usize = 20_000_000;
/// Text kept per page.
const MAX_TEXT: usize = 64 << 20;

/// What reading one page gave.
#[derive(Default)]
pub(super) struct PageText {
    pub(super) text: String,
    pub(super) counts: Counts,
    /// Why part of the page was not read (one line), if it was not.
    pub(super) trouble: Option<String>,
    /// The time budget ran out during the page.
    pub(super) out_of_time: bool,
}

/// Reads pages of one document, sharing font decoders between them.
pub(super) struct Reader<'d> {
    doc: &'d Document,
    fonts: Fonts,
    decoders: HashMap<FontKey, Decoder>,
    /// Decompressed bytes per content stream (and per page).
    limit: usize,
    budget: &'d Budget,
}

/// A font by object id, or by its place in memory when written inline.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
enum FontKey {
    Id(ObjectId),
    Inline(usize),
}

/// The walk of one page.
struct Walk<'r, 'd> {
    reader: &'r mut Reader<'d>,
    page: PageText,
    font: Option<FontKey>,
    forms: usize,
    operations: usize,
    /// Decompressed content bytes walked on this page, forms included.
    bytes: usize,
    /// Form XObjects being drawn (to refuse one that draws itself).
    stack: Vec<ObjectId>,
    last_y: Option<f32>,
}

impl<'d> Reader<'d> {
    pub(super) fn new(doc: &'d Document, limit: usize, budget: &'d Budget) -> Reader<'d> {
        Reader {
            doc,
            fonts: Fonts::default(),
            decoders: HashMap::new(),
            limit,
            budget,
        }
    }

    /// The text of the page `page_id`.
    pub(super) fn page(&mut self, page_id: ObjectId) -> PageText {
        let doc = self.doc;
        let mut resources = Vec::new();
        match doc.get_page_resources(page_id) {
            Ok((inline, ids)) => {
                resources.extend(inline);
                resources.extend(ids.iter().filter_map(|id| doc.get_dictionary(*id).ok()));
            }
            Err(e) => return trouble(format!("page resources could not be read: {e}")),
        }
        let content = match doc.get_page_content_with_limit(page_id, self.limit) {
            Ok(c) => c,
            Err(e) => return trouble(format!("page content could not be read: {e}")),
        };
        let mut walk = Walk {
            reader: self,
            page: PageText::default(),
            font: None,
            forms: 0,
            operations: 0,
            bytes: content.len(),
            stack: Vec::new(),
            last_y: None,
        };
        walk.content(&content, &resources);
        walk.page
    }
}

fn trouble(message: String) -> PageText {
    PageText {
        trouble: Some(message),
        ..PageText::default()
    }
}

impl Walk<'_, '_> {
    fn note(&mut self, message: impl FnOnce() -> String) {
        if self.page.trouble.is_none() {
            self.page.trouble = Some(message());
        }
    }

    /// Walks one content stream drawn with `resources` (nearest first).
    fn content(&mut self, data: &[u8], resources: &[&Dictionary]) {
        let content = match Content::decode(data) {
            Ok(c) => c,
            Err(e) => {
                self.note(|| format!("content stream could not be parsed: {e}"));
                return;
            }
        };
        for op in &content.operations {
            self.operations += 1;
            if self.operations > MAX_OPERATIONS || self.page.text.len() > MAX_TEXT {
                self.note(|| "page content over the operator or text limit".to_string());
                return;
            }
            if self.page.out_of_time
                || (self.operations.is_multiple_of(4096) && self.reader.budget.out_of_time())
            {
                self.page.out_of_time = true;
                return;
            }
            self.operation(&op.operator, &op.operands, resources);
        }
    }

    fn operation(&mut self, operator: &str, operands: &[Object], resources: &[&Dictionary]) {
        match operator {
            "Tf" => {
                let name = operands.first().and_then(|o| o.as_name().ok());
                self.font = name.and_then(|n| self.select_font(n, resources));
            }
            "Tj" => self.show(operands.first()),
            "'" => {
                self.newline();
                self.show(operands.first());
            }
            "\"" => {
                self.newline();
                self.show(operands.get(2));
            }
            "TJ" => {
                let Some(Ok(items)) = operands.first().map(Object::as_array) else {
                    return;
                };
                for item in items {
                    match number(item) {
                        // A gap wider than a quarter of the font size separates words.
                        Some(n) if n < -250.0 => self.space(),
                        Some(_) => {}
                        None => self.show(Some(item)),
                    }
                }
            }
            "T*" | "ET" => self.newline(),
            "Td" | "TD" => match operands.get(1).and_then(number) {
                Some(y) if y != 0.0 => self.newline(),
                _ => self.space(),
            },
            "Tm" => {
                let y = operands.get(5).and_then(number);
                if y.is_some() && self.last_y.is_some() && y != self.last_y {
                    self.newline();
                } else {
                    self.space();
                }
                self.last_y = y;
            }
            "Do" => {
                if let Some(name) = operands.first().and_then(|o| o.as_name().ok()) {
                    self.form(name, resources);
                }
            }
            _ => {}
        }
    }

    fn newline(&mut self) {
        if !self.page.text.is_empty() && !self.page.text.ends_with('\n') {
            self.page.text.push('\n');
        }
    }

    fn space(&mut self) {
        if !self.page.text.is_empty() && !self.page.text.ends_with([' ', '\n']) {
            self.page.text.push(' ');
        }
    }

    /// Shows one string operand in the current font.
    fn show(&mut self, operand: Option<&Object>) {
        let Some(Object::String(bytes, _)) = operand else {
            return;
        };
        let decoder = self.font.and_then(|k| self.reader.decoders.get(&k));
        let counts = match decoder {
            Some(d) => d.decode(bytes, &mut self.page.text),
            // No font selected, or one that could not be read.
            None => Counts {
                glyphs: bytes.len(),
                unmapped: bytes.len(),
            },
        };
        self.page.counts.add(counts);
    }

    /// Looks up a font resource and builds its decoder once per document.
    fn select_font(&mut self, name: &[u8], resources: &[&Dictionary]) -> Option<FontKey> {
        let doc = self.reader.doc;
        let (key, font) = resources.iter().find_map(|r| {
            let fonts = r.get_deref(b"Font", doc).and_then(Object::as_dict).ok()?;
            match fonts.get(name).ok()? {
                Object::Reference(id) => Some((FontKey::Id(*id), doc.get_dictionary(*id).ok()?)),
                Object::Dictionary(d) => Some((FontKey::Inline(std::ptr::from_ref(d) as usize), d)),
                _ => None,
            }
        })?;
        if !self.reader.decoders.contains_key(&key) {
            let limit = self.reader.limit;
            let decoder = self.reader.fonts.decoder(doc, font, limit);
            self.reader.decoders.insert(key, decoder);
        }
        Some(key)
    }

    /// Draws a Form XObject (an image or anything else is skipped).
    fn form(&mut self, name: &[u8], resources: &[&Dictionary]) {
        let doc = self.reader.doc;
        let found = resources.iter().find_map(|r| {
            let xobjects = r
                .get_deref(b"XObject", doc)
                .and_then(Object::as_dict)
                .ok()?;
            let id = xobjects.get(name).and_then(Object::as_reference).ok()?;
            Some((id, doc.get_object(id).and_then(Object::as_stream).ok()?))
        });
        let Some((id, stream)) = found else {
            return;
        };
        if stream.dict.get(b"Subtype").and_then(Object::as_name).ok() != Some(b"Form".as_slice()) {
            return;
        }
        // A form that draws itself (through others or directly) shows nothing new: its text
        // was read on the way in.
        if self.stack.contains(&id) {
            return;
        }
        if self.stack.len() >= MAX_FORM_DEPTH {
            self.note(|| format!("Form XObjects nested more than {MAX_FORM_DEPTH} deep"));
            return;
        }
        self.forms += 1;
        if self.forms > MAX_FORMS {
            self.note(|| format!("more than {MAX_FORMS} Form XObjects drawn on one page"));
            return;
        }
        // One budget for the page and every form it draws, so that nested forms cannot hold
        // more than one page's worth of content at once.
        let remaining = self.reader.limit.saturating_sub(self.bytes);
        let data = match stream.get_plain_content_with_limit(remaining) {
            Ok(d) => d,
            Err(e) => {
                self.note(|| format!("Form XObject could not be read: {e}"));
                return;
            }
        };
        self.bytes += data.len();
        let own = stream
            .dict
            .get_deref(b"Resources", doc)
            .and_then(Object::as_dict)
            .ok();
        let mut nested: Vec<&Dictionary> = own.into_iter().collect();
        nested.extend_from_slice(resources);
        let font = self.font;
        self.stack.push(id);
        self.content(&data, &nested);
        self.stack.pop();
        self.font = font;
    }
}

fn number(o: &Object) -> Option<f32> {
    match o {
        Object::Integer(i) => Some(*i as f32),
        Object::Real(r) => Some(*r),
        _ => None,
    }
}
