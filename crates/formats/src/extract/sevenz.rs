//! 7z archives.

use std::io;

use super::{unsupported, Ctx, Input};

/// Extracts a 7z archive's members.
pub(crate) fn extract(ctx: &mut Ctx<'_>, input: Input<'_>, name: &str) -> io::Result<()> {
    let _ = (input, name);
    unsupported(ctx, "no extractor for 7z content yet");
    Ok(())
}
