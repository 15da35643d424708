//! Loading a PDF with lopdf: bounded streams, a panic guard, decryption with the empty user
//! password (also when the trailer has no `/ID`), and what loading had to repair.

use lopdf::xref::XrefRecovery;
use lopdf::{Document, LoadOptions};

use super::super::ctx::Ctx;
use super::MAX_STREAM;
use crate::reason::ReasonCode;

/// A loaded document and the damage loading saw (one line), if any.
pub(super) struct Loaded {
    pub(super) doc: Document,
    pub(super) damage: Option<String>,
}

/// Whether the raw bytes declare encryption (`/Encrypt` in a trailer).
fn declares_encryption(data: &[u8]) -> bool {
    memchr::memmem::find_iter(data, b"/Encrypt").any(|i| {
        // Not "/EncryptMetadata" and the like.
        !data.get(i + 8).is_some_and(|b| b.is_ascii_alphanumeric())
    })
}

fn open(ctx: &mut Ctx<'_>, data: &[u8]) -> Option<lopdf::Result<Document>> {
    let options = LoadOptions {
        max_decompressed_size: Some(MAX_STREAM),
        ..LoadOptions::default()
    };
    ctx.guarded("lopdf", || Document::load_mem_with_options(data, options))
}

/// Loads `data`, or says why not (a reason is recorded) and gives `None`.
pub(super) fn load(ctx: &mut Ctx<'_>, data: &[u8]) -> Option<Loaded> {
    let mut loaded = open(ctx, data);
    let encrypted = declares_encryption(data);
    let locked = |r: &Option<lopdf::Result<Document>>| match r {
        Some(Ok(doc)) => doc.is_encrypted(),
        _ => true,
    };
    if encrypted && locked(&loaded) {
        if let Some(patched) = with_empty_id(data) {
            let again = open(ctx, &patched);
            if !locked(&again) {
                loaded = again;
            }
        }
    }
    let doc = match loaded {
        Some(Ok(doc)) => doc,
        Some(Err(e)) => {
            if encrypted {
                ctx.reason(ReasonCode::EncryptedContent, "encrypted PDF");
            }
            ctx.reason(
                ReasonCode::MalformedFile,
                format!("PDF could not be read: {}", one_line(&e.to_string())),
            );
            return None;
        }
        None => {
            let message = format!("PDF could not be read ({})", ctx.last_panic());
            ctx.reason(ReasonCode::MalformedFile, message);
            return None;
        }
    };
    let damage = damage(&doc, data);
    if doc.is_encrypted() || doc.trailer.get(b"Encrypt").is_ok() {
        ctx.reason(
            ReasonCode::EncryptedContent,
            "encrypted PDF (the empty user password does not open it)",
        );
        if let Some(d) = damage {
            ctx.reason(ReasonCode::MalformedFile, d);
        }
        return None;
    }
    Some(Loaded { doc, damage })
}

/// What loading repaired that cost content, in a file whose cross-reference data had to be
/// rebuilt: objects cut short (no `endobj`), streams whose data does not decode. A rebuilt
/// table alone loses nothing (every object is found by scanning), and other readers read
/// such files too.
fn damage(doc: &Document, data: &[u8]) -> Option<String> {
    let recovered = matches!(
        doc.xref_recovery,
        Some(XrefRecovery::Reconstructed | XrefRecovery::OffsetCorrected)
    );
    if !recovered {
        return None;
    }
    let headers = object_headers(data);
    let ends = memchr::memmem::find_iter(data, b"endobj").count();
    let broken = broken_streams(doc);
    let mut found = Vec::new();
    if let Some(why) = undecodable_xref_stream(data) {
        found.push(why);
    }
    if headers > ends {
        found.push(format!(
            "{} of {headers} objects not closed (endobj missing)",
            headers - ends
        ));
    }
    if broken > 0 {
        found.push(format!("{broken} stream(s) whose data does not decode"));
    }
    (!found.is_empty()).then(|| {
        format!(
            "PDF cross-reference data rebuilt; {}: content may be cut short",
            found.join(", ")
        )
    })
}

/// Why the cross-reference stream that the last `startxref` points at does not decode, if it
/// is one and does not: the file's own index of its objects is corrupt (a fuzzed or damaged
/// file), not merely shifted by a few bytes as many writers leave it. lopdf rebuilds the table
/// by scanning without saying why, so the stream is decoded again here with lopdf's filters.
fn undecodable_xref_stream(data: &[u8]) -> Option<String> {
    let at = memchr::memmem::rfind(data, b"startxref")?;
    let digits: String = data[at + 9..]
        .iter()
        .skip_while(|b| b.is_ascii_whitespace())
        .take_while(|b| b.is_ascii_digit())
        .take(20)
        .map(|&b| char::from(b))
        .collect();
    let start: usize = digits.parse().ok()?;
    let object = data.get(start..)?;
    let head_end = memchr::memmem::find(object, b"stream")?;
    let head = &object[..head_end];
    if !head.windows(3).any(|w| w == b"obj") || memchr::memmem::find(head, b"/XRef").is_none() {
        return None;
    }
    let filters = filter_names(head);
    if filters.is_empty() {
        return None;
    }
    let mut body = &object[head_end + 6..];
    body = body.strip_prefix(b"\r").unwrap_or(body);
    body = body.strip_prefix(b"\n").unwrap_or(body);
    let end = memchr::memmem::find(body, b"endstream")?;
    let mut dict = lopdf::Dictionary::new();
    let names: Vec<lopdf::Object> = filters
        .iter()
        .map(|f| lopdf::Object::Name(f.as_bytes().to_vec()))
        .collect();
    dict.set("Filter", lopdf::Object::Array(names));
    let stream = lopdf::Stream::new(dict, body[..end].to_vec());
    let decoded = match stream.decompressed_content_with_limit(MAX_STREAM) {
        Err(
            lopdf::Error::Unimplemented(_)
            | lopdf::Error::Decompress(
                lopdf::DecompressError::MemoryLimitExceeded { .. }
                | lopdf::DecompressError::TooManyFilters { .. },
            ),
        ) => return None,
        Err(e) => {
            return Some(format!(
                "the cross-reference stream ({}) does not decode: {}",
                filters.join(", "),
                one_line(&e.to_string())
            ))
        }
        Ok(decoded) => decoded,
    };
    // Decoders stop quietly at a byte they cannot take (lopdf's ASCII85 does): the entries
    // the dictionary declares must all be there.
    let width: u64 = numbers_after(head, b"/W").iter().sum();
    let entries: u64 = match numbers_after(head, b"/Index") {
        index if !index.is_empty() => index.iter().skip(1).step_by(2).sum(),
        _ => numbers_after(head, b"/Size").first().copied().unwrap_or(0),
    };
    let expected = width.saturating_mul(entries);
    (width > 0 && (decoded.len() as u64) < expected).then(|| {
        format!(
            "the cross-reference stream ({}) decodes to {} of its {expected} bytes",
            filters.join(", "),
            decoded.len()
        )
    })
}

/// The unsigned integers written after `key` in a dictionary (`/Size 19`, `/W [1 3 0]`), at
/// most 64.
fn numbers_after(head: &[u8], key: &[u8]) -> Vec<u64> {
    let Some(at) = memchr::memmem::find_iter(head, key).find(|&i| {
        !head
            .get(i + key.len())
            .is_some_and(u8::is_ascii_alphanumeric)
    }) else {
        return Vec::new();
    };
    let rest = head[at + key.len()..].trim_ascii_start();
    let (list, single) = match rest.strip_prefix(b"[") {
        Some(inner) => (
            &inner[..memchr::memchr(b']', inner).unwrap_or(inner.len())],
            false,
        ),
        None => (rest, true),
    };
    let numbers = list
        .split(|b| !b.is_ascii_digit())
        .filter(|w| !w.is_empty())
        .map_while(|w| std::str::from_utf8(w).ok()?.parse::<u64>().ok());
    if single {
        numbers.take(1).collect()
    } else {
        numbers.take(64).collect()
    }
}

/// The filter names of a stream dictionary's `/Filter` entry (`/Name` or `[/A /B]`), as
/// written, at most four.
fn filter_names(head: &[u8]) -> Vec<String> {
    let Some(at) = memchr::memmem::find(head, b"/Filter") else {
        return Vec::new();
    };
    let rest = &head[at + 7..];
    let rest = rest.trim_ascii_start();
    let list = match rest.strip_prefix(b"[") {
        Some(inner) => &inner[..memchr::memchr(b']', inner).unwrap_or(inner.len())],
        None => {
            let end = rest[1.min(rest.len())..]
                .iter()
                .position(|b| b.is_ascii_whitespace() || b"/>[]".contains(b))
                .map_or(rest.len(), |p| p + 1);
            &rest[..end]
        }
    };
    list.split(|&b| b == b'/')
        .map(|n| String::from_utf8_lossy(n.trim_ascii()).into_owned())
        .filter(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_alphanumeric()))
        .take(4)
        .collect()
}

/// Streams whose data fails its filters (not a filter lopdf lacks, not the size bound).
fn broken_streams(doc: &Document) -> usize {
    doc.objects
        .values()
        .filter_map(|o| o.as_stream().ok())
        .take(100_000)
        .filter(|s| {
            matches!(
                s.decompressed_content_with_limit(MAX_STREAM),
                Err(lopdf::Error::InvalidStream(_)
                    | lopdf::Error::Decompress(
                        lopdf::DecompressError::Ascii85(_)
                            | lopdf::DecompressError::AsciiHex(_)
                            | lopdf::DecompressError::Predictor(_)
                    ))
            )
        })
        .count()
}

/// Occurrences of `N G obj` (an indirect object's header).
fn object_headers(data: &[u8]) -> usize {
    memchr::memmem::find_iter(data, b"obj")
        .filter(|&i| {
            // Not "endobj"; preceded by "digits space digits space".
            let before = &data[..i];
            let after_ok = !data.get(i + 3).is_some_and(u8::is_ascii_alphanumeric);
            let mut rest = before
                .strip_suffix(b" ")
                .or_else(|| before.strip_suffix(b"\n"));
            let mut groups = 0;
            while let Some(r) = rest {
                let digits = r.iter().rev().take_while(|b| b.is_ascii_digit()).count();
                if digits == 0 {
                    break;
                }
                groups += 1;
                let r = &r[..r.len() - digits];
                if groups == 2 {
                    break;
                }
                rest = r.strip_suffix(b" ");
            }
            after_ok && groups == 2
        })
        .count()
}

/// `data` with an empty `/ID` pair added to its last trailer (a `trailer` dictionary or a
/// cross-reference stream's), when no `/ID` is there. The standard security handler derives
/// the file key from the first `/ID` string; a file written without one is read (by pdf.js,
/// pypdf, qpdf) as if that string were empty, while lopdf refuses to derive a key. Adding
/// `/ID [() ()]` right after the dictionary's `<<` moves no object (a trailer follows the
/// table, a cross-reference stream is the last object and keeps its start), so offsets stay
/// right.
fn with_empty_id(data: &[u8]) -> Option<Vec<u8>> {
    let trailer = memchr::memmem::rfind(data, b"trailer");
    let xref = memchr::memmem::rfind(data, b"/XRef");
    let start = match (trailer, xref) {
        (Some(t), Some(x)) if x > t => memchr::memmem::rfind(&data[..x], b"obj")?,
        (None, Some(x)) => memchr::memmem::rfind(&data[..x], b"obj")?,
        (Some(t), _) => t,
        (None, None) => return None,
    };
    let open = start + memchr::memmem::find(&data[start..], b"<<")? + 2;
    let end = open + memchr::memmem::find(&data[open..], b">>").unwrap_or(data.len() - open);
    if memchr::memmem::find(&data[open..end], b"/ID").is_some() {
        return None;
    }
    let mut out = Vec::with_capacity(data.len() + 12);
    out.extend_from_slice(&data[..open]);
    out.extend_from_slice(b"/ID[()()]");
    out.extend_from_slice(&data[open..]);
    Some(out)
}

/// The first line of a library's message.
fn one_line(message: &str) -> &str {
    message.lines().next().unwrap_or(message)
}
