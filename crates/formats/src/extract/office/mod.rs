//! Office documents: spreadsheets (xlsx, xlsb, xls, ods) through `calamine`, one chunk per cell
//! with its sheet, row, column, reference and header; documents (docx, pptx, odt, odp) through
//! `zip` and `quick-xml`, and Word 97-2003 (doc) through `cfb` and its piece table, as running
//! text with one paragraph per line.
//!
//! Guards: zip packages whose parts expand too far are not expanded
//! (`OOXML_UNCOMPRESSED_RATIO_EXCEEDS_LIMIT`); password-protected files (OOXML in an encrypted
//! OLE container, xls with FILEPASS, doc with fEncrypted, OpenDocument whose manifest holds
//! encryption data) give `ENCRYPTED_CONTENT`.

mod bytes;
mod compound;
mod documents;
mod msg;
mod odf;
mod ole;
mod package;
mod ppt;
mod properties;
mod sheets;
mod summary;
mod tables;
mod tidy;
mod word97;

use std::io::{self, Read, Seek, SeekFrom};

use crate::extract::archive::spool;
use crate::extract::ctx::{unsupported, Content, Ctx, Input, ReadSeek};
use crate::format::Format;
use crate::reason::ReasonCode;

const CFB_MAGIC: &[u8] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1";

/// Extracts an office document.
pub(crate) fn extract(ctx: &mut Ctx<'_>, content: Content<'_>) -> io::Result<()> {
    let format = content.format;
    match content.input {
        Input::Seek(r) => by_content(ctx, format, r, content.name),
        Input::Stream(r) => {
            let mut s = spool(ctx, r)?;
            by_content(ctx, format, &mut s, content.name)
        }
    }
}

fn by_content(
    ctx: &mut Ctx<'_>,
    format: Format,
    r: &mut dyn ReadSeek,
    name: &str,
) -> io::Result<()> {
    let size = r.seek(SeekFrom::End(0))?;
    r.seek(SeekFrom::Start(0))?;
    let mut magic = Vec::with_capacity(8);
    (&mut *r).take(8).read_to_end(&mut magic)?;
    r.seek(SeekFrom::Start(0))?;
    if magic == CFB_MAGIC {
        return ole::ole(ctx, format, r);
    }
    match format {
        Format::Xlsx
        | Format::Xlsb
        | Format::Ods
        | Format::Docx
        | Format::Pptx
        | Format::Odt
        | Format::Odp => {
            if !magic.starts_with(b"PK") {
                ctx.reason(
                    ReasonCode::MalformedFile,
                    format!("{} content that is not a zip package", format.name()),
                );
                return Ok(());
            }
            let odf = matches!(format, Format::Ods | Format::Odt | Format::Odp);
            if odf && crate::detect::format_from_name(name) != format && odf::plain_zip(r)? {
                // Known by a `mimetype` entry only, with no content: an ordinary zip.
                let read = crate::extract::archive::zip_archive(ctx, r);
                // Set after the members, whose own reads reset it.
                ctx.found_format = Some(Format::Zip);
                return read;
            }
            let Some(mut opened) = package::open_package(ctx, format, r)? else {
                return Ok(());
            };
            match format {
                Format::Docx | Format::Pptx => {
                    documents::documents(ctx, format, &mut opened.archive, &opened.stopped)?;
                    properties::properties(ctx, &mut opened.archive);
                    Ok(())
                }
                Format::Odt | Format::Odp => {
                    odf::odf(ctx, format, &mut opened.archive, &opened.stopped)
                }
                Format::Ods if !odf::encrypted_parts(ctx, &mut opened.archive).is_empty() => {
                    ctx.reason(
                        ReasonCode::EncryptedContent,
                        "password-protected OpenDocument spreadsheet; not read",
                    );
                    Ok(())
                }
                _ => {
                    let tidied = tidy::tidied(ctx, format, &mut opened.archive, &opened.stopped)?;
                    properties::properties(ctx, &mut opened.archive);
                    drop(opened);
                    match tidied {
                        Some(mut spool) => {
                            let size = spool.seek(SeekFrom::End(0))?;
                            spool.seek(SeekFrom::Start(0))?;
                            sheets::workbook(ctx, format, &mut spool, size)
                        }
                        None => {
                            r.seek(SeekFrom::Start(0))?;
                            sheets::workbook(ctx, format, r, size)
                        }
                    }
                }
            }
        }
        Format::Xls => {
            // BIFF2-4 workbooks are bare record streams (BOF 0x0009/0x0209/0x0409/0x0809).
            let biff = magic.len() >= 2 && magic[1] <= 0x08 && magic[0] == 0x09;
            if biff {
                unsupported(ctx, "Excel 2-4 (BIFF2-4) workbook outside an OLE container");
            } else {
                ctx.reason(
                    ReasonCode::MalformedFile,
                    "xls content that is not an OLE compound file",
                );
            }
            Ok(())
        }
        _ => {
            ctx.reason(
                ReasonCode::MalformedFile,
                format!("{} content that is not an OLE compound file", format.name()),
            );
            Ok(())
        }
    }
}
