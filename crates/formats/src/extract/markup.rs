//! XML and HTML.

use std::io::{self, Read};

use super::Ctx;
use crate::detect::{Format, TextEncoding};

/// Whether decoded `head` is XML or HTML (by content, then by extension `ext`).
pub(crate) fn sniff(head: &[u8], ext: &str) -> Option<Format> {
    let _ = (head, ext);
    None
}

/// Extracts XML or HTML text with its lines.
pub(crate) fn extract(
    ctx: &mut Ctx<'_>,
    format: Format,
    reader: &mut dyn Read,
    encoding: TextEncoding,
) -> io::Result<()> {
    let _ = format;
    super::text::extract(reader, encoding, ctx.limits, &ctx.member, ctx.sink)
}
