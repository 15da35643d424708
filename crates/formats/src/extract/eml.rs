//! E-mail messages (RFC 5322 with MIME parts), parsed with `mailparse`.
//!
//! Headers are emitted decoded (RFC 2047 words), each at the line where it starts in the file.
//! Text parts (`text/plain`, `text/html` and other `text/*` shown inline) are emitted with
//! transfer encoding and charset undone. Line numbers of a text part: the part's decoded text
//! is placed at the file line where its encoded body starts, and lines inside it count the
//! decoded text's own lines; so they are exact for 7bit/8bit parts and approximate inside
//! quoted-printable or base64 parts. Every attachment and non-text part is read as a member
//! (its file name, else `part_N`) with its own extractor.

use std::io;

use mailparse::{DispositionType, ParsedMail};

use super::ctx::{Content, Ctx, Input};
use crate::format::Format;
use crate::limits::{Compressed, Counting};
use crate::location::StreamPos;
use crate::reason::ReasonCode;

/// Whether decoded `head` is an e-mail message (by content, then by extension `ext`).
///
/// Decided on the header block's structure and on the headers a message must or does carry,
/// not on `Key: value` lines (which YAML and other configuration files are made of): every
/// line up to the first blank one is a header field or a folded continuation, and
/// - an originator or trace header with a value of its kind (`From` or `To` with an address,
///   `Received`, `Return-Path` or `Message-ID` in angle brackets) comes with at least one more
///   valid message header (`Date` with a month or weekday name, `Subject`, `MIME-Version: 1.0`,
///   ...), or
/// - the block is a MIME entity's (a forwarded fragment): a `Content-Type` of `type/subtype`,
///   only fields a message or MIME entity carries (`Content-*`, `MIME-Version`, `Subject`,
///   `X-*`, ...), and a blank line before the body.
pub(crate) fn sniff(head: &[u8], ext: &str) -> bool {
    if ext == "eml" {
        return true;
    }
    let mut anchors = 0usize;
    let mut valid = 0usize;
    let mut entity_fields = true;
    let mut content_type = false;
    let mut ended = false;
    for (i, line) in head.split(|b| *b == b'\n').enumerate() {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.is_empty() {
            ended = true;
            break;
        }
        if i >= 200 {
            break;
        }
        // A folded continuation line; an mbox "From " separator may come first.
        if (i > 0 && (line[0] == b' ' || line[0] == b'\t'))
            || (i == 0 && line.starts_with(b"From "))
        {
            continue;
        }
        let Some(colon) = memchr::memchr(b':', line) else {
            return false;
        };
        let name = &line[..colon];
        if name.is_empty() || !name.iter().all(|b| b.is_ascii_graphic()) {
            return false;
        }
        // Every field name looked at is short: a longer one is lowercased only as far as
        // its prefix is compared, and its value is not read (a log or YAML file has a
        // colon on each of its 200 first lines; this runs for every text file).
        let mut lower = [0u8; NAME_MAX];
        let short = name.len() <= NAME_MAX;
        let n = name.len().min(NAME_MAX);
        lower[..n].copy_from_slice(&name[..n]);
        lower.make_ascii_lowercase();
        let name = &lower[..n];
        if short && valued_field(name) {
            let value = String::from_utf8_lossy(&line[colon + 1..])
                .trim()
                .to_ascii_lowercase();
            let (anchor, ok) = header_kind(name, &value);
            anchors += usize::from(anchor && ok);
            valid += usize::from(ok);
            content_type |= name == b"content-type" && mime_type(&value);
        }
        entity_fields &= if short {
            message_field(name)
        } else {
            name.starts_with(b"content-") || name.starts_with(b"x-")
        };
    }
    (anchors >= 1 && valid >= 2) || (content_type && entity_fields && ended)
}

/// A field name a message or MIME entity header carries (`X-` extensions included).
fn message_field(name: &[u8]) -> bool {
    const NAMES: &[&[u8]] = &[
        b"mime-version",
        b"subject",
        b"from",
        b"to",
        b"cc",
        b"bcc",
        b"date",
        b"sender",
        b"reply-to",
        b"message-id",
        b"in-reply-to",
        b"references",
        b"received",
        b"return-path",
        b"delivered-to",
        b"organization",
        b"comments",
        b"keywords",
    ];
    name.starts_with(b"content-") || name.starts_with(b"x-") || NAMES.contains(&name)
}

/// The longest field name [`header_kind`] and [`message_field`] know (`delivered-to`,
/// `content-type`, `organization`, ...), with room.
const NAME_MAX: usize = 16;

/// Whether [`header_kind`] tells anything of a field (lowercase name): false for the
/// others, whose value need not be read.
fn valued_field(name: &[u8]) -> bool {
    matches!(
        name,
        b"from"
            | b"to"
            | b"sender"
            | b"reply-to"
            | b"delivered-to"
            | b"received"
            | b"return-path"
            | b"message-id"
            | b"cc"
            | b"bcc"
            | b"date"
            | b"subject"
            | b"in-reply-to"
            | b"references"
            | b"mime-version"
            | b"content-type"
    )
}

/// Whether a header is an originator or trace field, and whether its value is of its kind.
fn header_kind(name: &[u8], value: &str) -> (bool, bool) {
    let address = value.contains('@') || value.contains('<');
    let angle = value.starts_with('<') && value.contains('>');
    match name {
        b"from" | b"to" | b"sender" | b"reply-to" | b"delivered-to" => (true, address),
        b"received" => (
            true,
            value.starts_with("from ") || value.starts_with("by ") || value.contains(';'),
        ),
        b"return-path" | b"message-id" => (true, angle),
        b"cc" | b"bcc" => (false, address),
        b"date" => (false, date_like(value)),
        b"subject" | b"in-reply-to" | b"references" => (false, true),
        b"mime-version" => (false, value.starts_with("1.0")),
        b"content-type" => (false, mime_type(value)),
        _ => (false, false),
    }
}

/// A date as RFC 5322 writes it: a month or weekday name among its words.
fn date_like(value: &str) -> bool {
    const NAMES: &[&str] = &[
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec", "mon",
        "tue", "wed", "thu", "fri", "sat", "sun",
    ];
    value
        .split(|c: char| !c.is_ascii_alphabetic())
        .any(|w| NAMES.contains(&w))
        && value.bytes().any(|b| b.is_ascii_digit())
}

/// A MIME type: `type/subtype`, optionally with parameters.
fn mime_type(value: &str) -> bool {
    let t = value.split(';').next().unwrap_or("").trim();
    match t.split_once('/') {
        Some((a, b)) => {
            let token = |s: &str| {
                !s.is_empty()
                    && s.bytes()
                        .all(|c| c.is_ascii_alphanumeric() || b"!#$&-^_.+".contains(&c))
            };
            token(a) && token(b)
        }
        None => false,
    }
}

/// A base64 body decoded as mail readers do when strict decoding fails: characters outside
/// the alphabet (and padding) skipped, a missing final padding supplied, a lone trailing
/// character dropped. `None` when the body is not base64.
fn lenient_base64(body: &mailparse::body::Body<'_>) -> Option<Vec<u8>> {
    use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
    use base64::Engine;
    let mailparse::body::Body::Base64(b) = body else {
        return None;
    };
    let mut clean: Vec<u8> = b
        .get_raw()
        .iter()
        .copied()
        .filter(|c| c.is_ascii_alphanumeric() || *c == b'+' || *c == b'/')
        .collect();
    if clean.len() % 4 == 1 {
        clean.pop();
    }
    let engine = GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        GeneralPurposeConfig::new()
            .with_decode_padding_mode(DecodePaddingMode::RequireNone)
            .with_decode_allow_trailing_bits(true),
    );
    engine.decode(&clean).ok()
}

/// The 1-based line of byte `at` in `buf`.
fn line_of(buf: &[u8], at: usize) -> u64 {
    1 + memchr::memchr_iter(b'\n', &buf[..at.min(buf.len())]).count() as u64
}

/// Where `part` lies in `buf`, if it is a slice of it.
fn offset_in(buf: &[u8], part: &[u8]) -> Option<usize> {
    let start = buf.as_ptr() as usize;
    let p = part.as_ptr() as usize;
    (p >= start && p + part.len() <= start + buf.len()).then(|| p - start)
}

fn emit(ctx: &mut Ctx<'_>, text: &[u8], line: u64) {
    let start = StreamPos {
        offset: 0,
        line,
        column0: 0,
    };
    super::text::stream(text, start, ctx.limits, &ctx.member, ctx.sink).ok();
}

struct Walk<'b> {
    buf: &'b [u8],
    parts: usize,
}

impl Walk<'_> {
    fn headers(&mut self, ctx: &mut Ctx<'_>, part: &ParsedMail<'_>) {
        let at = offset_in(self.buf, part.raw_bytes).unwrap_or(0);
        let first = line_of(self.buf, at);
        // Line of each header: the lines that do not continue a folded header.
        let mut starts = Vec::new();
        for (line, l) in (first..).zip(part.raw_bytes.split(|b| *b == b'\n')) {
            let l = l.strip_suffix(b"\r").unwrap_or(l);
            if l.is_empty() {
                break;
            }
            if l[0] != b' ' && l[0] != b'\t' {
                starts.push(line);
            }
        }
        let first_line = starts.first().copied().unwrap_or(first);
        let mut text = String::new();
        let mut cur = first_line;
        for (i, h) in part.headers.iter().enumerate() {
            let l = starts.get(i).copied().unwrap_or(cur);
            while cur < l {
                text.push('\n');
                cur += 1;
            }
            text.push_str(&h.get_key());
            text.push_str(": ");
            text.push_str(&h.get_value().replace(['\n', '\r'], " "));
            text.push('\n');
            cur += 1;
        }
        if !text.is_empty() {
            emit(ctx, text.as_bytes(), first_line);
        }
    }

    fn part(&mut self, ctx: &mut Ctx<'_>, part: &ParsedMail<'_>, top: bool) {
        if ctx.exhausted() {
            return;
        }
        if !top {
            self.headers(ctx, part);
        }
        let mime = part.ctype.mimetype.to_ascii_lowercase();
        if mime.starts_with("multipart/") {
            for sub in &part.subparts {
                self.part(ctx, sub, false);
            }
            return;
        }
        let disposition = part.get_content_disposition();
        let filename = disposition
            .params
            .get("filename")
            .or_else(|| part.ctype.params.get("name"))
            .cloned();
        let body = part.get_body_encoded();
        let raw = match &body {
            mailparse::body::Body::Base64(b) | mailparse::body::Body::QuotedPrintable(b) => {
                b.get_raw()
            }
            mailparse::body::Body::SevenBit(b) | mailparse::body::Body::EightBit(b) => b.get_raw(),
            mailparse::body::Body::Binary(b) => b.get_raw(),
        };
        let line = offset_in(self.buf, raw).map_or(1, |at| line_of(self.buf, at));
        let inline_text = mime.starts_with("text/")
            && disposition.disposition != DispositionType::Attachment
            && filename.is_none();
        if inline_text {
            match part.get_body() {
                Ok(text) => emit(ctx, text.as_bytes(), line),
                Err(e) => match lenient_base64(&body) {
                    Some(bytes) => {
                        let charset =
                            encoding_rs::Encoding::for_label(part.ctype.charset.as_bytes())
                                .unwrap_or(encoding_rs::UTF_8);
                        let (text, _, _) = charset.decode(&bytes);
                        emit(ctx, text.as_bytes(), line);
                    }
                    None => {
                        ctx.reason(
                            ReasonCode::MalformedFile,
                            format!("e-mail text part could not be decoded ({e}); scanned raw"),
                        );
                        emit(ctx, raw, line);
                    }
                },
            }
            return;
        }
        self.parts += 1;
        let name = filename
            .filter(|n| !n.trim().is_empty())
            .map(|n| n.rsplit(['/', '\\']).next().unwrap_or(&n).to_string())
            .unwrap_or_else(|| format!("part_{}", self.parts));
        if !ctx.budget.add_member(ctx.limits) {
            let n = ctx.limits.max_members;
            ctx.reason(
                ReasonCode::ArchiveTotalDocumentsProcessedOverLimit,
                format!("more than {n} members; the rest were not read"),
            );
            return;
        }
        let bytes = match part.get_body_raw() {
            Ok(b) => b,
            Err(e) => match lenient_base64(&body) {
                Some(b) => b,
                None => {
                    ctx.enter(&name, |ctx| {
                        ctx.reason(
                            ReasonCode::MalformedFile,
                            format!("attachment could not be decoded ({e}); scanned raw"),
                        );
                        emit(ctx, raw, 1);
                    });
                    return;
                }
            },
        };
        let len = bytes.len() as u64;
        let encoded = raw.len() as u64;
        // Decided by content: an attachment named (or typed) as a compressed or archive
        // format that does not start as one is not read as one (it would look corrupt, and
        // make the message look corrupt).
        let head = &bytes[..bytes.len().min(crate::detect::HEAD_LEN)];
        let by_name = crate::detect::format_from_name(&name);
        let misnamed = by_name.by_magic()
            && by_name != Format::Pdf
            && crate::detect::detect(head, &name).format != by_name
            && crate::detect::detect(head, "").format == Format::Binary;
        let detect_as = if misnamed { "" } else { name.as_str() };
        ctx.enter(&name, |ctx| {
            let mut cursor = io::Cursor::new(bytes);
            let mut counted = Counting::new(
                &mut cursor,
                ctx.budget,
                ctx.limits,
                Compressed::Known(encoded),
            );
            ctx.content(Input::Stream(&mut counted), detect_as, Some(len));
        });
    }
}

/// Extracts a message: headers, decoded text parts, attachments as members.
pub(crate) fn extract(ctx: &mut Ctx<'_>, content: Content<'_>) -> io::Result<()> {
    let Some(buf) = super::text::spool_or_stream(ctx, content, "e-mail", "MIME parts not decoded")?
    else {
        return Ok(());
    };
    let parsed = match mailparse::parse_mail(&buf) {
        Ok(p) => p,
        Err(e) => {
            ctx.reason(
                ReasonCode::MalformedFile,
                format!("e-mail could not be parsed ({e}); scanned as plain text"),
            );
            emit(ctx, &buf, 1);
            return Ok(());
        }
    };
    let mut walk = Walk {
        buf: &buf,
        parts: 0,
    };
    walk.headers(ctx, &parsed);
    walk.part(ctx, &parsed, true);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The sniff as written before it skipped the values of fields it does not look at.
    fn sniff_reading_every_value(head: &[u8]) -> bool {
        let (mut anchors, mut valid) = (0usize, 0usize);
        let (mut entity_fields, mut content_type, mut ended) = (true, false, false);
        for (i, line) in head.split(|b| *b == b'\n').enumerate() {
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            if line.is_empty() {
                ended = true;
                break;
            }
            if i >= 200 {
                break;
            }
            if (i > 0 && (line[0] == b' ' || line[0] == b'\t'))
                || (i == 0 && line.starts_with(b"From "))
            {
                continue;
            }
            let Some(colon) = memchr::memchr(b':', line) else {
                return false;
            };
            let name = &line[..colon];
            if name.is_empty() || !name.iter().all(|b| b.is_ascii_graphic()) {
                return false;
            }
            let value = String::from_utf8_lossy(&line[colon + 1..])
                .trim()
                .to_ascii_lowercase();
            let name = name.to_ascii_lowercase();
            let (anchor, ok) = header_kind(&name, &value);
            anchors += usize::from(anchor && ok);
            valid += usize::from(ok);
            content_type |= name == b"content-type" && mime_type(&value);
            entity_fields &= message_field(&name);
        }
        (anchors >= 1 && valid >= 2) || (content_type && entity_fields && ended)
    }

    fn heads() -> impl Strategy<Value = Vec<u8>> {
        let name = prop::sample::select(vec![
            "From",
            "TO",
            "Sender",
            "Reply-To",
            "Delivered-To",
            "Received",
            "Return-Path",
            "Message-ID",
            "Cc",
            "bcc",
            "Date",
            "Subject",
            "In-Reply-To",
            "References",
            "MIME-Version",
            "Content-Type",
            "Content-Transfer-Encoding",
            "X-Mailer",
            "X-A-Very-Long-Extension-Field",
            "Content-Disposition-Parameters",
            "Organization",
            "Keywords",
            "retry_backoff",
            "2024-01-01T10",
            "  db_host",
            "\tfolded",
            "From ",
            "",
        ]);
        let value = prop::sample::select(vec![
            " a@b.test",
            " <id@host>",
            " from relay by mx; Tue",
            " Tue, 1 Jan 2024 10:00",
            " 1.0",
            " text/plain; charset=utf-8",
            " hello",
            "",
            " multipart/mixed",
        ]);
        prop::collection::vec((name, value, any::<bool>()), 0..12).prop_map(|lines| {
            let mut head = Vec::new();
            for (name, value, colon) in lines {
                head.extend_from_slice(name.as_bytes());
                if colon {
                    head.push(b':');
                }
                head.extend_from_slice(value.as_bytes());
                head.extend_from_slice(b"\r\n");
            }
            head
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(3000))]
        #[test]
        fn sniff_equals_reading_every_value(head in heads()) {
            prop_assert_eq!(sniff(&head, "txt"), sniff_reading_every_value(&head));
        }
    }

    #[test]
    fn fields_without_a_kind_tell_nothing() {
        for name in [
            &b"x-mailer"[..],
            b"organization",
            b"keywords",
            b"content-length",
            b"db_host",
        ] {
            assert!(!valued_field(name));
            for value in ["a@b.test", "<x>", "from a; b", "tue 1", "1.0", "text/plain"] {
                assert_eq!(header_kind(name, value), (false, false));
            }
        }
    }
}
