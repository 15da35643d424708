//! PDF documents.

use std::io;

use super::{unsupported, Ctx, Input};

/// Extracts text per page.
pub(crate) fn extract(ctx: &mut Ctx<'_>, input: Input<'_>, name: &str) -> io::Result<()> {
    let _ = (input, name);
    unsupported(ctx, "no extractor for pdf content yet");
    Ok(())
}
