//! Record formats: Apache Parquet and Avro.

use std::io;

use super::{unsupported, Ctx, Input};
use crate::detect::Format;

/// Extracts every value with its record index and JSON path.
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
