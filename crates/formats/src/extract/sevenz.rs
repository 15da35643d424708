//! 7z archives. Each file member is read with its own extractor through a counting reader; a
//! block that cannot be decoded (AES-encrypted, unsupported method, corrupt) is reported and
//! the other blocks are still read.

use std::io::{self, Read, Seek, SeekFrom};

use sevenz_rust2::{Archive, BlockDecoder, Error, Password};

use super::ctx::{unsupported, Content, Ctx, Input};
use crate::limits::{Compressed, Counting};
use crate::reason::ReasonCode;

/// Extracts a 7z archive's members.
pub(crate) fn extract(ctx: &mut Ctx<'_>, content: Content<'_>) -> io::Result<()> {
    match content.input {
        Input::Seek(r) => {
            r.seek(SeekFrom::Start(0))?;
            archive(ctx, r)
        }
        Input::Stream(r) => {
            let mut s = super::archive::spool(ctx, r)?;
            archive(ctx, &mut s)
        }
    }
}

fn is_encryption(e: &Error) -> bool {
    match e {
        Error::PasswordRequired | Error::MaybeBadPassword(_) => true,
        Error::UnsupportedCompressionMethod(m) => m.to_ascii_uppercase().contains("AES"),
        other => {
            let s = other.to_string().to_ascii_uppercase();
            s.contains("AES") || s.contains("PASSWORD")
        }
    }
}

fn archive<R: Read + Seek>(ctx: &mut Ctx<'_>, mut source: R) -> io::Result<()> {
    let password = Password::empty();
    let archive = match Archive::read(&mut source, &password) {
        Ok(a) => a,
        Err(Error::Io(e, _)) if crate::limits::limit_of(&e).is_some() => return Err(e),
        Err(e) if is_encryption(&e) => {
            ctx.reason(
                ReasonCode::EncryptedContent,
                format!(
                    "7z archive with encrypted headers (AES, password protected); not read: {e}"
                ),
            );
            return Ok(());
        }
        Err(Error::UnsupportedCompressionMethod(m)) => {
            unsupported(
                ctx,
                &format!("7z header compression method {m} is not supported"),
            );
            return Ok(());
        }
        Err(e) => {
            ctx.reason(ReasonCode::MalformedFile, format!("7z: {e}"));
            return Ok(());
        }
    };
    let mut stop = false;
    for block in 0..archive.blocks.len() {
        if stop || ctx.exhausted() {
            break;
        }
        // The files of this block, for reasons about ones that were not read.
        let files: Vec<String> = archive
            .stream_map
            .file_block_index
            .iter()
            .enumerate()
            .filter(|(_, b)| **b == Some(block))
            .filter_map(|(i, _)| archive.files.get(i))
            .filter(|f| f.has_stream && !f.is_directory)
            .map(|f| f.name.clone())
            .collect();
        let mut seen = 0usize;
        let decoder = BlockDecoder::new(1, block, &archive, &password, &mut source);
        let result = decoder.for_each_entries(&mut |entry, reader| {
            if entry.is_directory || !entry.has_stream {
                return Ok(true);
            }
            seen += 1;
            if ctx.exhausted() {
                stop = true;
                return Ok(false);
            }
            if !ctx.budget.add_member(ctx.limits) {
                let n = ctx.limits.max_members;
                ctx.reason(
                    ReasonCode::ArchiveTotalDocumentsProcessedOverLimit,
                    format!("more than {n} archive members; the rest were not read"),
                );
                stop = true;
                return Ok(false);
            }
            let name = entry.name.clone();
            let declared = entry.size;
            if declared > ctx.limits.max_member_bytes {
                let limit = ctx.limits.max_member_bytes;
                ctx.enter(&name, |ctx| {
                    ctx.reason(
                        ReasonCode::ArchiveTotalBytesExtractedOverLimit,
                        format!(
                            "declared size {declared} bytes is over the {limit}-byte member limit; not read (nor the rest of its solid block)"
                        ),
                    )
                });
                return Ok(false);
            }
            let compressed = if entry.compressed_size > 0 {
                Compressed::Known(entry.compressed_size)
            } else {
                Compressed::Unknown
            };
            ctx.enter(&name, |ctx| {
                let mut counted = Counting::new(reader, ctx.budget, ctx.limits, compressed);
                ctx.content(Input::Stream(&mut counted), &name, Some(declared));
            });
            Ok(!ctx.exhausted())
        });
        match result {
            Ok(_) => {}
            Err(e) if is_encryption(&e) => {
                if files.is_empty() {
                    ctx.reason(
                        ReasonCode::EncryptedContent,
                        "7z block encrypted (AES, password protected); not read",
                    );
                }
                for f in &files {
                    ctx.enter(f, |ctx| {
                        ctx.reason(
                            ReasonCode::EncryptedContent,
                            "encrypted 7z entry (AES, password protected); not read",
                        )
                    });
                }
            }
            Err(Error::UnsupportedCompressionMethod(m)) => {
                for f in &files {
                    ctx.enter(f, |ctx| {
                        unsupported(ctx, &format!("7z compression method {m} is not supported"))
                    });
                }
            }
            Err(Error::Io(e, _)) if crate::limits::limit_of(&e).is_some() => {
                ctx.io_failure(&e);
            }
            Err(e) => {
                let rest = files.len().saturating_sub(seen);
                ctx.reason(
                    ReasonCode::MalformedFile,
                    format!(
                        "7z block {block}: {e}; {rest} later members of the block were not read"
                    ),
                );
            }
        }
    }
    Ok(())
}
