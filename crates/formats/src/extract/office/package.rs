//! Zip packages (OOXML, OpenDocument), opened with their parts checked against the expansion
//! guards.

use std::io::{self, Read};

use crate::extract::ctx::{Ctx, ReadSeek};
use crate::reason::ReasonCode;

/// A part over this size is checked against [`MAX_PART_RATIO`].
const RATIO_PART_FLOOR: u64 = 10 << 20;
/// Uncompressed / compressed size that only a bomb has, for a part over [`RATIO_PART_FLOOR`].
const MAX_PART_RATIO: u64 = 100;

pub(super) type Package<'r> = zip::ZipArchive<&'r mut dyn ReadSeek>;

/// Opens a zip package and checks its parts' declared sizes against the expansion guard.
/// `None` when it is malformed or over a limit (the reason is recorded).
pub(super) fn open_package<'r>(
    ctx: &mut Ctx<'_>,
    r: &'r mut dyn ReadSeek,
) -> io::Result<Option<Package<'r>>> {
    let mut archive = match zip::ZipArchive::new(r) {
        Ok(a) => a,
        Err(zip::result::ZipError::Io(e)) if e.kind() != io::ErrorKind::UnexpectedEof => {
            return Err(e)
        }
        Err(e) => {
            ctx.reason(ReasonCode::MalformedFile, format!("office package: {e}"));
            return Ok(None);
        }
    };
    let mut total = 0u64;
    for i in 0..archive.len() {
        let (name, size, compressed) = match archive.by_index_raw(i) {
            Ok(f) => (
                String::from_utf8_lossy(f.name_raw()).into_owned(),
                f.size(),
                f.compressed_size(),
            ),
            Err(e) => {
                ctx.reason(
                    ReasonCode::MalformedFile,
                    format!("office package entry {i}: {e}"),
                );
                continue;
            }
        };
        if size > RATIO_PART_FLOOR && size / compressed.max(1) > MAX_PART_RATIO {
            ctx.reason(
                ReasonCode::OoxmlUncompressedRatioExceedsLimit,
                format!(
                    "part {name} expands from {compressed} to {size} bytes (over {MAX_PART_RATIO}:1); the package was not expanded"
                ),
            );
            return Ok(None);
        }
        total = total.saturating_add(size);
    }
    if let Some(part) = entity_declarations(ctx, &mut archive) {
        ctx.reason(
            ReasonCode::OoxmlUncompressedRatioExceedsLimit,
            format!("part {part} declares XML entities (an entity expansion bomb); the package was not expanded"),
        );
        return Ok(None);
    }
    if total > ctx.limits.max_member_bytes {
        let limit = ctx.limits.max_member_bytes;
        ctx.reason(
            ReasonCode::OoxmlUncompressedRatioExceedsLimit,
            format!(
                "parts expand to {total} bytes, over the {limit}-byte limit; the package was not expanded"
            ),
        );
        return Ok(None);
    }
    Ok(Some(archive))
}

/// The first XML part whose document type declares entities (office parts never have a DTD).
fn entity_declarations(ctx: &mut Ctx<'_>, archive: &mut Package<'_>) -> Option<String> {
    const HEAD: u64 = 4096;
    for i in 0..archive.len() {
        let Ok(mut file) = archive.by_index(i) else {
            continue;
        };
        let name = String::from_utf8_lossy(file.name_raw()).into_owned();
        let lower = name.to_ascii_lowercase();
        if !(lower.ends_with(".xml") || lower.ends_with(".rels")) {
            continue;
        }
        let compressed = file.compressed_size();
        let mut head = Vec::new();
        let counted = crate::limits::Counting::new(
            &mut file,
            ctx.budget,
            ctx.limits,
            crate::limits::Compressed::Known(compressed),
        );
        if counted.take(HEAD).read_to_end(&mut head).is_err() {
            continue;
        }
        if let Some(at) = memchr::memmem::find(&head, b"<!DOCTYPE") {
            if memchr::memmem::find(&head[at..], b"<!ENTITY").is_some() {
                return Some(name);
            }
        }
    }
    None
}
