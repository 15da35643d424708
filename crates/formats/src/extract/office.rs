//! Office documents: spreadsheets (xlsx, xlsb, xls, ods) and documents (docx, pptx, doc).

use std::io;

use super::{unsupported, Ctx, Input};
use crate::detect::Format;

/// Extracts an office document.
pub(crate) fn extract(
    ctx: &mut Ctx<'_>,
    format: Format,
    input: Input<'_>,
    name: &str,
) -> io::Result<()> {
    let _ = (input, name);
    unsupported(
        ctx,
        &format!("no extractor for {} content yet", format.name()),
    );
    Ok(())
}
