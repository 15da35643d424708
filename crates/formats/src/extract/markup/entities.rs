//! DTD entities: declared ones expanded within a budget, so that entity bombs (billion laughs,
//! quadratic blowup, parameter entities) are reported, not expanded.

use std::collections::HashMap;

use super::sniff::{is_name_byte, skip_ws};
use crate::reason::ReasonCode;

/// Total bytes custom entities may expand to in one document.
const ENTITY_BUDGET: u64 = 1 << 20;
/// An entity expanding to more than this many times its declared text (and over
/// [`AMPLIFY_FLOOR`] bytes) is a nested-entity bomb.
const MAX_AMPLIFICATION: u64 = 16;
const AMPLIFY_FLOOR: u64 = 256;
/// Entities nested deeper than this are not expanded.
const MAX_ENTITY_DEPTH: usize = 32;
/// Declarations read from one DTD.
const MAX_DECLARATIONS: usize = 10_000;

/// A declared entity.
enum Entity {
    /// Replacement text (character references already decoded).
    Internal(Vec<u8>),
    /// An external entity: never fetched, left unexpanded.
    External,
}

#[derive(Clone, Copy)]
enum Size {
    Bytes(u64),
    Cycle,
    TooDeep,
}

/// Custom DTD entities and the expansion budget.
#[derive(Default)]
pub(super) struct Entities {
    general: HashMap<Vec<u8>, Entity>,
    params: HashMap<Vec<u8>, Vec<u8>>,
    sizes: HashMap<(bool, Vec<u8>), Size>,
    left: u64,
    pub(super) reasons: Vec<(ReasonCode, String)>,
    bomb_reported: bool,
    cycle_reported: bool,
}

/// A reference found in text: `&name;`, `&#..;` or `%name;` (for parameter entities).
enum Piece<'a> {
    Literal(&'a [u8]),
    Ref(&'a [u8], &'a [u8]),
}

/// Splits `s` into literal runs and references starting with `sigil` (the raw reference and
/// the name inside it).
fn pieces(s: &[u8], sigil: u8) -> impl Iterator<Item = Piece<'_>> {
    let mut i = 0usize;
    std::iter::from_fn(move || {
        if i >= s.len() {
            return None;
        }
        let rest = &s[i..];
        if rest[0] == sigil {
            let limit = rest.len().min(64);
            let body = &rest[1..limit];
            let n = body
                .iter()
                .take_while(|b| is_name_byte(**b) || **b == b'#')
                .count();
            if n > 0 && body.get(n) == Some(&b';') {
                i += n + 2;
                return Some(Piece::Ref(&rest[..n + 2], &body[..n]));
            }
            i += 1;
            return Some(Piece::Literal(&rest[..1]));
        }
        let n = memchr::memchr(sigil, rest).unwrap_or(rest.len());
        i += n;
        Some(Piece::Literal(&rest[..n]))
    })
}

/// The character a `#..` reference names.
fn char_ref(name: &[u8]) -> Option<char> {
    let digits = name.strip_prefix(b"#")?;
    let text = std::str::from_utf8(digits).ok()?;
    let code = if let Some(hex) = text.strip_prefix(['x', 'X']) {
        u32::from_str_radix(hex, 16).ok()?
    } else {
        text.parse::<u32>().ok()?
    };
    if code == 0 {
        return None;
    }
    char::from_u32(code)
}

/// Pushes `s` with newlines as spaces (an expansion must not add lines).
fn push_flat(out: &mut Vec<u8>, s: &[u8]) {
    out.extend(s.iter().map(|b| match b {
        b'\n' | b'\r' => b' ',
        b => *b,
    }));
}

fn push_char(out: &mut Vec<u8>, c: char) {
    let c = if c == '\n' || c == '\r' { ' ' } else { c };
    let mut tmp = [0u8; 4];
    out.extend_from_slice(c.encode_utf8(&mut tmp).as_bytes());
}

fn decode_char_refs(s: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(s.len());
    for p in pieces(s, b'&') {
        match p {
            Piece::Literal(l) => out.extend_from_slice(l),
            Piece::Ref(raw, name) => match char_ref(name) {
                Some(c) => {
                    let mut tmp = [0u8; 4];
                    out.extend_from_slice(c.encode_utf8(&mut tmp).as_bytes());
                }
                None => out.extend_from_slice(raw),
            },
        }
    }
    out
}

impl Entities {
    pub(super) fn new() -> Entities {
        Entities {
            left: ENTITY_BUDGET,
            ..Entities::default()
        }
    }

    /// Reads the entity declarations of a DOCTYPE token and checks its parameter-entity
    /// references against the budget.
    pub(super) fn declare(&mut self, dtd: &[u8]) {
        let mut i = 0usize;
        let mut count = 0usize;
        while i < dtd.len() {
            let rest = &dtd[i..];
            if rest.starts_with(b"<!--") {
                i += memchr::memmem::find(&rest[4..], b"-->").map_or(rest.len(), |j| j + 7);
                continue;
            }
            if !rest.starts_with(b"<!ENTITY") {
                i += memchr::memchr2(b'<', b'\0', &rest[1..]).map_or(rest.len(), |j| j + 1);
                continue;
            }
            count += 1;
            if count > MAX_DECLARATIONS {
                break;
            }
            let mut s = skip_ws(&rest[8..]);
            let param = s.first() == Some(&b'%') && s.get(1).is_some_and(u8::is_ascii_whitespace);
            if param {
                s = skip_ws(&s[1..]);
            }
            let n = s.iter().take_while(|b| is_name_byte(**b)).count();
            let name = s[..n].to_vec();
            s = skip_ws(&s[n..]);
            let value = match s.first() {
                Some(&q) if q == b'"' || q == b'\'' => {
                    let end = memchr::memchr(q, &s[1..]).unwrap_or(s.len() - 1);
                    let v = &s[1..1 + end];
                    s = &s[(end + 2).min(s.len())..];
                    Some(decode_char_refs(v))
                }
                _ => None,
            };
            i = dtd.len() - s.len();
            if name.is_empty() {
                continue;
            }
            // The first declaration of a name binds.
            if param {
                if let Some(v) = value {
                    self.params.entry(name).or_insert(v);
                }
            } else {
                self.general.entry(name).or_insert(match value {
                    Some(v) => Entity::Internal(v),
                    None => Entity::External,
                });
            }
        }
        // Parameter-entity references in the DTD (expanded by a validating parser).
        let mut total = 0u64;
        let mut names = Vec::new();
        for p in pieces(dtd, b'%') {
            if let Piece::Ref(_, name) = p {
                names.push(name.to_vec());
            }
        }
        for name in names {
            if !self.params.contains_key(&name) {
                continue;
            }
            match self.size(true, &name, 0) {
                Size::Bytes(n) => total = total.saturating_add(n),
                Size::Cycle => self.cycle(&name),
                Size::TooDeep => total = u64::MAX,
            }
        }
        if total > ENTITY_BUDGET {
            self.bomb(format!(
                "DTD parameter entities would expand to over {ENTITY_BUDGET} bytes (entity expansion bomb); not expanded"
            ));
        }
    }

    fn bomb(&mut self, message: String) {
        if !self.bomb_reported {
            self.bomb_reported = true;
            self.reasons
                .push((ReasonCode::ArchiveTotalBytesExtractedOverLimit, message));
        }
    }

    fn cycle(&mut self, name: &[u8]) {
        if !self.cycle_reported {
            self.cycle_reported = true;
            self.reasons.push((
                ReasonCode::MalformedFile,
                format!(
                    "entity '{}' refers to itself; not expanded",
                    String::from_utf8_lossy(name)
                ),
            ));
        }
    }

    /// The expanded size of an entity (general or parameter), memoised; saturates.
    fn size(&mut self, param: bool, name: &[u8], depth: usize) -> Size {
        let key = (param, name.to_vec());
        if let Some(s) = self.sizes.get(&key) {
            return *s;
        }
        if depth > MAX_ENTITY_DEPTH {
            return Size::TooDeep;
        }
        let value = if param {
            match self.params.get(name) {
                Some(v) => v.clone(),
                None => return Size::Bytes(name.len() as u64 + 2),
            }
        } else {
            match self.general.get(name) {
                Some(Entity::Internal(v)) => v.clone(),
                _ => return Size::Bytes(name.len() as u64 + 2),
            }
        };
        // Mark as in progress: meeting it again below is a cycle.
        self.sizes.insert(key.clone(), Size::Cycle);
        let sigil = if param { b'%' } else { b'&' };
        let mut total = 0u64;
        let mut result = None;
        for p in pieces(&value, sigil) {
            match p {
                Piece::Literal(l) => total = total.saturating_add(l.len() as u64),
                Piece::Ref(raw, inner) => {
                    let known = if param {
                        self.params.contains_key(inner)
                    } else {
                        matches!(self.general.get(inner), Some(Entity::Internal(_)))
                    };
                    if !known {
                        total = total.saturating_add(raw.len() as u64);
                        continue;
                    }
                    match self.size(param, inner, depth + 1) {
                        Size::Bytes(n) => total = total.saturating_add(n),
                        other => {
                            result = Some(other);
                            break;
                        }
                    }
                }
            }
        }
        let size = result.unwrap_or(Size::Bytes(total));
        match size {
            Size::TooDeep => {
                self.sizes.remove(&key);
            }
            s => {
                self.sizes.insert(key, s);
            }
        }
        size
    }

    /// Expands general entity `name` into `out` if the budget allows; false if left raw.
    fn expand_ref(&mut self, name: &[u8], out: &mut Vec<u8>) -> bool {
        let declared_len = match self.general.get(name) {
            Some(Entity::Internal(v)) => v.len() as u64,
            _ => return false,
        };
        match self.size(false, name, 0) {
            Size::Cycle => {
                self.cycle(name);
                false
            }
            Size::TooDeep => {
                self.bomb(format!(
                    "entities nested deeper than {MAX_ENTITY_DEPTH} levels (entity expansion bomb); not expanded"
                ));
                false
            }
            Size::Bytes(n) => {
                if n > self.left {
                    self.bomb(format!(
                        "entity expansion over {ENTITY_BUDGET} bytes per document (entity expansion bomb); the rest left unexpanded"
                    ));
                    return false;
                }
                if n > AMPLIFY_FLOOR && n > declared_len.saturating_mul(MAX_AMPLIFICATION) {
                    self.bomb(format!(
                        "entity '{}' expands {}:1 through nested entities (entity expansion bomb); not expanded",
                        String::from_utf8_lossy(name),
                        n / declared_len.max(1)
                    ));
                    return false;
                }
                self.left -= n;
                self.write(name, out, 0);
                true
            }
        }
    }

    fn write(&self, name: &[u8], out: &mut Vec<u8>, depth: usize) {
        let Some(Entity::Internal(v)) = self.general.get(name) else {
            out.extend_from_slice(name);
            return;
        };
        if depth > MAX_ENTITY_DEPTH {
            return;
        }
        for p in pieces(v, b'&') {
            match p {
                Piece::Literal(l) => push_flat(out, l),
                Piece::Ref(raw, inner) => {
                    if let Some(c) = char_ref(inner) {
                        push_char(out, c);
                    } else if let Some(s) = std::str::from_utf8(inner)
                        .ok()
                        .and_then(quick_xml::escape::resolve_xml_entity)
                    {
                        out.extend_from_slice(s.as_bytes());
                    } else if matches!(self.general.get(inner), Some(Entity::Internal(_))) {
                        self.write(inner, out, depth + 1);
                    } else {
                        push_flat(out, raw);
                    }
                }
            }
        }
    }
}

/// Decodes references in `raw` into `out`, keeping its newlines.
pub(super) fn unescape_into(raw: &[u8], out: &mut Vec<u8>, ents: &mut Entities, html: bool) {
    for p in pieces(raw, b'&') {
        match p {
            Piece::Literal(l) => out.extend_from_slice(l),
            Piece::Ref(raw, name) => {
                if let Some(c) = char_ref(name) {
                    push_char(out, c);
                    continue;
                }
                let Ok(text) = std::str::from_utf8(name) else {
                    out.extend_from_slice(raw);
                    continue;
                };
                if let Some(s) = quick_xml::escape::resolve_xml_entity(text) {
                    out.extend_from_slice(s.as_bytes());
                } else if html {
                    match quick_xml::escape::resolve_html5_entity(text) {
                        Some(s) => push_flat(out, s.as_bytes()),
                        None => out.extend_from_slice(raw),
                    }
                } else if !ents.expand_ref(name, out) {
                    out.extend_from_slice(raw);
                }
            }
        }
    }
}
