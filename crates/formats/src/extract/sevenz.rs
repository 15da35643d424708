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

/// One plain line for a 7z error (the crate's `Display` is its `Debug` dump).
fn describe(e: &Error) -> String {
    match e {
        Error::BadSignature(_) => "not a 7z signature".into(),
        Error::UnsupportedVersion { major, minor } => {
            format!("7z format version {major}.{minor} is not supported")
        }
        Error::ChecksumVerificationFailed => "CRC mismatch: the data is corrupt".into(),
        Error::NextHeaderCrcMismatch => "header CRC mismatch: the header is corrupt".into(),
        Error::Io(e, what) if what.is_empty() => io_text(e),
        Error::Io(e, what) => format!("{what}: {}", io_text(e)),
        Error::MaybeBadPassword(e) => format!("wrong password or corrupt data ({})", io_text(e)),
        Error::FileOpen(e, name) => format!("{name}: {}", io_text(e)),
        Error::Other(m) | Error::Unsupported(m) => m.to_string(),
        Error::BadTerminatedStreamsInfo(_)
        | Error::BadTerminatedUnpackInfo
        | Error::BadTerminatedPackInfo(_)
        | Error::BadTerminatedSubStreamsInfo
        | Error::BadTerminatedHeader(_) => "the header is malformed".into(),
        Error::ExternalUnsupported => "header data in another stream is not supported".into(),
        Error::UnsupportedCompressionMethod(m) => {
            format!("compression method {m} is not supported")
        }
        Error::MaxMemLimited { max_kb, actaul_kb } => {
            format!("needs {actaul_kb} KiB of decoder memory, over the {max_kb} KiB allowed")
        }
        Error::PasswordRequired => "a password is required".into(),
        Error::FileNotFound => "a file was not found".into(),
    }
}

/// An I/O error's text, the 7z error inside it described, a short read called truncation.
fn io_text(e: &io::Error) -> String {
    if let Some(inner) = e.get_ref().and_then(|i| i.downcast_ref::<Error>()) {
        return describe(inner);
    }
    match e.kind() {
        io::ErrorKind::UnexpectedEof => "the archive is truncated (its data ends early)".into(),
        _ => e.to_string(),
    }
}

/// A member's decoder: its errors (CRC mismatches, corrupt streams) are about the data, not I/O
/// (the archive is spooled), so they come out as `InvalidData` with a plain message.
struct Member<'r>(&'r mut dyn Read);

impl Read for Member<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.0.read(buf).map_err(|e| {
            if crate::limits::limit_of(&e).is_some() || e.kind() == io::ErrorKind::Interrupted {
                e
            } else {
                io::Error::new(io::ErrorKind::InvalidData, format!("7z: {}", io_text(&e)))
            }
        })
    }
}

/// Whether the start header says the archive holds nothing (no next header: an empty 7z).
fn is_empty_archive<R: Read + Seek>(source: &mut R) -> io::Result<bool> {
    let mut start = [0u8; 32];
    let mut len = 0;
    while len < start.len() {
        match source.read(&mut start[len..])? {
            0 => break,
            n => len += n,
        }
    }
    source.seek(SeekFrom::Start(0))?;
    Ok(len == start.len() && start[12..28].iter().all(|&b| b == 0))
}

fn archive<R: Read + Seek>(ctx: &mut Ctx<'_>, mut source: R) -> io::Result<()> {
    let password = Password::empty();
    if is_empty_archive(&mut source)? {
        return Ok(());
    }
    let archive = match Archive::read(&mut source, &password) {
        Ok(a) => a,
        Err(Error::Io(e, _)) if crate::limits::limit_of(&e).is_some() => return Err(e),
        Err(e) if is_encryption(&e) => {
            ctx.reason(
                ReasonCode::EncryptedContent,
                format!(
                    "7z archive with encrypted headers (AES, password protected); not read: {}",
                    describe(&e)
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
            ctx.reason(
                ReasonCode::MalformedFile,
                format!("7z: {}; not read", describe(&e)),
            );
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
                let mut member = Member(reader);
                let mut counted = Counting::new(&mut member, ctx.budget, ctx.limits, compressed);
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
                        "7z block {block}: {}; {rest} later members of the block were not read",
                        describe(&e)
                    ),
                );
            }
        }
    }
    Ok(())
}
