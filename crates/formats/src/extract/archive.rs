//! Compression layers and archives: gzip (multi-member), bzip2, xz, zstd, lz4 (frame format),
//! brotli, tar, zip. Each layer
//! adds one level of nesting and one element to the member path; every member is read with its
//! own extractor, through a counting reader that enforces the byte, ratio and time limits.

use std::io::{self, Read, Seek, SeekFrom, Write};

use super::ctx::{unsupported, Content, Ctx, Input};
use super::decoded::watch;
use crate::format::Format;
use crate::limits::{Compressed, Counting, Tally};
use crate::reason::ReasonCode;

/// The name of what a compression layer holds: the gzip header's name, else the outer name
/// without its compression suffix (`.tgz` gives `.tar`).
fn inner_name(format: Format, head: &[u8], outer: &str) -> String {
    if format == Format::Gzip {
        if let Some(n) = gzip_header_name(head) {
            return n;
        }
    }
    let base = outer.rsplit(['/', '\\']).next().unwrap_or(outer);
    let lower = base.to_ascii_lowercase();
    for (suffix, replacement) in [
        (".tgz", ".tar"),
        (".taz", ".tar"),
        (".tbz2", ".tar"),
        (".tbz", ".tar"),
        (".txz", ".tar"),
        (".tzst", ".tar"),
        (".gzip", ""),
        (".gz", ""),
        (".bz2", ""),
        (".xz", ""),
        (".zstd", ""),
        (".zst", ""),
        (".tlz4", ".tar"),
        (".lz4", ""),
        (".br", ""),
    ] {
        if lower.ends_with(suffix) && base.len() > suffix.len() {
            return format!("{}{replacement}", &base[..base.len() - suffix.len()]);
        }
    }
    base.to_string()
}

/// The original file name stored in a gzip header (FNAME), if any.
fn gzip_header_name(head: &[u8]) -> Option<String> {
    const FEXTRA: u8 = 4;
    const FNAME: u8 = 8;
    let flags = *head.get(3)?;
    if flags & FNAME == 0 {
        return None;
    }
    let mut at = 10usize;
    if flags & FEXTRA != 0 {
        let xlen = u16::from_le_bytes([*head.get(10)?, *head.get(11)?]) as usize;
        at = 12 + xlen;
    }
    let rest = head.get(at..)?;
    let end = memchr::memchr(0, rest)?;
    // ISO 8859-1 by the format's definition.
    let name: String = rest[..end].iter().map(|&b| b as char).collect();
    let base = name.rsplit(['/', '\\']).next().unwrap_or(&name).to_string();
    (!base.is_empty()).then_some(base)
}

/// Most memory the xz decoder may use (dictionaries of real files are at most 64 MiB).
const XZ_MEMORY_LIMIT: u64 = 256 << 20;

/// A compression layer: decompress and read what is inside as its own content.
pub(crate) fn decompress(ctx: &mut Ctx<'_>, content: Content<'_>) -> io::Result<()> {
    let format = content.format;
    let inner = inner_name(format, content.head, content.name);
    if format == Format::Zstd {
        if let Some(id) = super::decoded::zstd_dictionary_id(content.head) {
            unsupported(
                ctx,
                &format!("zstd frame compressed with an external dictionary (id {id}), which is not available"),
            );
            return Ok(());
        }
    }
    let reader = content.input.stream();
    let (reader, compressed) = Tally::new(reader);
    let codec = format.name();
    let buffered = |r| io::BufReader::with_capacity(64 * 1024, r);
    let mut decoder: Box<dyn Read + '_> = match format {
        Format::Gzip => Box::new(watch(reader, codec, |r| {
            Ok(flate2::bufread::MultiGzDecoder::new(buffered(r)))
        })?),
        Format::Bzip2 => Box::new(watch(reader, codec, |r| {
            Ok(bzip2::bufread::MultiBzDecoder::new(buffered(r)))
        })?),
        Format::Xz => Box::new(watch(reader, codec, |r| {
            // The .xz stream format only (not legacy .lzma, whose header can ask for a 4 GiB
            // dictionary), with a memory limit on the decoder.
            let stream = liblzma::stream::Stream::new_stream_decoder(
                XZ_MEMORY_LIMIT,
                liblzma::stream::CONCATENATED,
            )
            .map_err(io::Error::other)?;
            Ok(liblzma::bufread::XzDecoder::new_stream(buffered(r), stream))
        })?),
        Format::Zstd => Box::new(watch(reader, codec, |r| {
            zstd::stream::read::Decoder::with_buffer(buffered(r))
        })?),
        Format::Lz4 => Box::new(watch(reader, codec, |r| {
            Ok(Corrupt {
                inner: lz4_flex::frame::FrameDecoder::new(buffered(r)),
                format: "lz4",
            })
        })?),
        Format::Brotli => Box::new(watch(reader, codec, |r| {
            Ok(Corrupt {
                inner: brotli_decompressor::Decompressor::new(buffered(r), 64 * 1024),
                format: "brotli",
            })
        })?),
        _ => return Ok(()),
    };
    ctx.enter(&inner, |ctx| {
        let mut counted = Counting::new(&mut decoder, ctx.budget, ctx.limits, compressed);
        ctx.content(Input::Stream(&mut counted), &inner, None);
    });
    Ok(())
}

/// A decoder whose errors are corrupt data: said in one plain line (the lz4 crate's errors
/// print as their `Debug` form), as `InvalidData` so that they become `MALFORMED_FILE`.
struct Corrupt<R> {
    inner: R,
    format: &'static str,
}

impl<R: Read> Read for Corrupt<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.inner.read(buf).map_err(|e| {
            if crate::limits::limit_of(&e).is_some() || e.kind() == io::ErrorKind::Interrupted {
                return e;
            }
            let what = match e
                .get_ref()
                .and_then(|i| i.downcast_ref::<lz4_flex::frame::Error>())
            {
                Some(lz4_flex::frame::Error::WrongMagicNumber) => {
                    "not an lz4 frame (a legacy or skippable frame?)"
                }
                Some(
                    lz4_flex::frame::Error::BlockChecksumError
                    | lz4_flex::frame::Error::ContentChecksumError
                    | lz4_flex::frame::Error::HeaderChecksumError,
                ) => "checksum mismatch",
                Some(lz4_flex::frame::Error::DictionaryNotSupported) => {
                    "frame needs an external dictionary"
                }
                Some(_) => "corrupt frame",
                None if e.kind() == io::ErrorKind::UnexpectedEof => "truncated stream",
                None if e.kind() == io::ErrorKind::InvalidData => "corrupt stream",
                None => return e,
            };
            io::Error::new(
                io::ErrorKind::InvalidData,
                format!("{} data: {what}", self.format),
            )
        })
    }
}

fn too_many_members(ctx: &mut Ctx<'_>) {
    let n = ctx.limits.max_members;
    ctx.reason(
        ReasonCode::ArchiveTotalDocumentsProcessedOverLimit,
        format!("more than {n} archive members; the rest were not read"),
    );
}

fn member_too_big(ctx: &mut Ctx<'_>, name: &str, declared: u64) {
    let limit = ctx.limits.max_member_bytes;
    ctx.enter(name, |ctx| {
        ctx.reason(
            ReasonCode::ArchiveTotalBytesExtractedOverLimit,
            format!(
                "declared size {declared} bytes is over the {limit}-byte member limit; not read"
            ),
        )
    });
}

/// A tar archive, read as a stream (its headers by [`super::tar_headers`]).
pub(crate) fn tar(ctx: &mut Ctx<'_>, content: Content<'_>) -> io::Result<()> {
    let mut headers = super::tar_headers::Headers::new(content.input.stream());
    loop {
        if ctx.exhausted() {
            break;
        }
        let member = match headers.next_member() {
            Ok(Some(m)) => m,
            Ok(None) => break,
            Err(e) => {
                if crate::limits::limit_of(&e).is_some() {
                    ctx.io_failure(&e);
                } else {
                    let e = e.to_string();
                    let e = e.strip_prefix("tar: ").unwrap_or(&e);
                    ctx.reason(
                        ReasonCode::MalformedFile,
                        format!("tar: {e}; the rest of the archive was not read"),
                    );
                }
                break;
            }
        };
        let kind = member.kind;
        if !(kind.is_file() || kind.is_contiguous() || kind.is_gnu_sparse()) {
            continue;
        }
        let path = String::from_utf8_lossy(&member.path).into_owned();
        if !ctx.budget.add_member(ctx.limits) {
            too_many_members(ctx);
            break;
        }
        // A sparse member declares its logical size apart from what is stored.
        let declared = member.declared;
        if declared > ctx.limits.max_member_bytes {
            member_too_big(ctx, &path, declared);
            continue;
        }
        // What is read: for a sparse member, its stored regions packed together.
        let stored = member.stored;
        ctx.enter(&path, |ctx| {
            let mut data = headers.data();
            let mut counted = Counting::new(&mut data, ctx.budget, ctx.limits, Compressed::Unknown);
            ctx.content(Input::Stream(&mut counted), &path, Some(stored));
        });
    }
    Ok(())
}

/// A member held for random access: in memory when small, else in a temporary file.
pub(crate) enum Spool {
    Memory(io::Cursor<Vec<u8>>),
    File(std::fs::File),
}

impl Read for Spool {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Spool::Memory(c) => c.read(buf),
            Spool::File(f) => f.read(buf),
        }
    }
}

impl Seek for Spool {
    fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
        match self {
            Spool::Memory(c) => c.seek(pos),
            Spool::File(f) => f.seek(pos),
        }
    }
}

/// Reads `reader` into a spool (its bytes are already counted by the caller's limits).
pub(crate) fn spool(ctx: &Ctx<'_>, reader: &mut dyn Read) -> io::Result<Spool> {
    let limit = ctx.limits.spool_in_memory;
    let mut buf = Vec::new();
    reader.take(limit + 1).read_to_end(&mut buf)?;
    if buf.len() as u64 <= limit {
        return Ok(Spool::Memory(io::Cursor::new(buf)));
    }
    let mut f = tempfile::tempfile()?;
    f.write_all(&buf)?;
    drop(buf);
    io::copy(reader, &mut f)?;
    f.seek(SeekFrom::Start(0))?;
    Ok(Spool::File(f))
}

/// A zip archive (spooled first when it is a stream).
pub(crate) fn zip(ctx: &mut Ctx<'_>, content: Content<'_>) -> io::Result<()> {
    match content.input {
        Input::Seek(r) => zip_archive(ctx, r),
        Input::Stream(r) => {
            let mut s = spool(ctx, r)?;
            zip_archive(ctx, &mut s)
        }
    }
}

/// General-purpose flag bits of a zip local file header: encrypted (0), PKWARE strong
/// encryption (6), central directory encrypted (13).
const ZIP_ENCRYPTED: u16 = 1;
const ZIP_STRONG_ENCRYPTION: u16 = 1 << 6;
const ZIP_CD_ENCRYPTED: u16 = 1 << 13;

/// When the zip crate cannot open an archive: says whether its first local header declares
/// PKWARE strong or central-directory encryption (which the crate does not read), so that the
/// archive is reported as encrypted rather than as corrupt.
fn strong_encryption<R: Read + Seek>(reader: &mut R) -> Option<&'static str> {
    let mut h = [0u8; 8];
    reader.seek(SeekFrom::Start(0)).ok()?;
    reader.read_exact(&mut h).ok()?;
    if &h[..4] != b"PK\x03\x04" {
        return None;
    }
    // Strong encryption needs version 5.0 to extract (APPNOTE 7.2.2); garbage headers of
    // corrupt files rarely have a plausible version and both encryption bits.
    let version = u16::from_le_bytes([h[4], h[5]]);
    let flags = u16::from_le_bytes([h[6], h[7]]);
    if !(50..=63).contains(&version) || flags & ZIP_ENCRYPTED == 0 {
        return None;
    }
    if flags & ZIP_CD_ENCRYPTED != 0 {
        Some("zip with an encrypted central directory (PKWARE strong encryption): not even member names can be read")
    } else if flags & ZIP_STRONG_ENCRYPTION != 0 {
        Some("zip with PKWARE strong encryption: not read")
    } else {
        None
    }
}

/// Whether the last 64 KiB hold a zip end-of-central-directory record (a zip appended to an
/// executable stub: a self-extracting archive).
fn has_zip_end<R: Read + Seek + ?Sized>(reader: &mut R) -> io::Result<bool> {
    let len = reader.seek(SeekFrom::End(0))?;
    let window = len.min(65_557);
    reader.seek(SeekFrom::Start(len - window))?;
    let mut tail = Vec::with_capacity(window as usize);
    reader.take(window).read_to_end(&mut tail)?;
    reader.seek(SeekFrom::Start(0))?;
    Ok(memchr::memmem::rfind(&tail, b"PK\x05\x06").is_some())
}

/// How far into content a zip local file header is looked for (content that starts with one
/// is recognised as a zip by its magic).
const ZIP_PREFIX_MAX: usize = 512;

/// Whether `head` starts with text (no control bytes but line breaks and tabs) followed,
/// within its first [`ZIP_PREFIX_MAX`] bytes, by a plausible zip local file header: the
/// signature, a version needed to extract up to 6.3, a known compression method, and a file
/// name of printable bytes. Such content is a zip behind a text prefix (a shell stub, a note),
/// which binary content of no supported format rarely looks like. A binary prefix is not
/// taken: other archive formats store zips inside them (a RAR holding a zip is a RAR).
pub(crate) fn zip_local_header_after_prefix(head: &[u8]) -> bool {
    let window = &head[..head.len().min(ZIP_PREFIX_MAX + 4)];
    let Some(p) = memchr::memmem::find(window, b"PK\x03\x04") else {
        return false;
    };
    let text_prefix = window[..p]
        .iter()
        .all(|b| *b >= 0x20 && *b != 0x7f || matches!(b, b'\t' | b'\n' | b'\r'));
    text_prefix && {
        let Some(h) = head.get(p..p + 30) else {
            return false;
        };
        let le16 = |at: usize| u16::from_le_bytes([h[at], h[at + 1]]);
        let (version, method, name_len) = (le16(4), le16(8), usize::from(le16(26)));
        let name = head.get(p + 30..p + 30 + name_len);
        version <= 63
            && matches!(method, 0 | 8 | 9 | 12 | 14 | 93 | 95 | 98 | 99)
            && name_len > 0
            && name.is_some_and(|n| n.iter().all(|b| *b >= 0x20 && *b != 0x7f))
    }
}

/// Executables up to this size are checked for an appended zip when they arrive as streams
/// (they must be spooled for it).
const SFX_STREAM_MAX: u64 = 256 << 20;

/// An executable (`MZ`) that may be a self-extracting zip: reads the zip when there is one.
/// Returns whether it was one.
pub(crate) fn self_extracting(
    ctx: &mut Ctx<'_>,
    input: Input<'_>,
    size: Option<u64>,
) -> io::Result<bool> {
    match input {
        Input::Seek(r) => {
            if !has_zip_end(r)? {
                return Ok(false);
            }
            zip_archive(ctx, r)?;
        }
        Input::Stream(r) => {
            if size.is_some_and(|s| s > SFX_STREAM_MAX) {
                return Ok(false);
            }
            let mut s = spool(ctx, r)?;
            if !has_zip_end(&mut s)? {
                return Ok(false);
            }
            zip_archive(ctx, &mut s)?;
        }
    }
    Ok(true)
}

/// Size of the end-of-central-directory record without its comment.
const EOCD_LEN: usize = 22;
/// Size of the zip64 end-of-central-directory locator.
const EOCD64_LOCATOR_LEN: u64 = 20;
/// Size of a central-directory file header without its variable fields.
const CD_HEADER_LEN: u64 = 46;

/// Checks the end-of-central-directory record the way strict readers (Go's archive/zip,
/// Python's zipfile) do, since the zip crate searches for any record it can make sense of and
/// silently reads archives whose directory end is inconsistent. Returns what is wrong, if
/// anything; `None` also when there is no record at all (the crate then reports that).
///
/// Checks: the record's comment does not run past the end of the file; for a zip64 archive,
/// the locator points to a zip64 record; otherwise the directory ends where the record
/// starts (allowing for bytes prepended to the whole archive, as in self-extractors, whose
/// offsets are relative to the zip's own start) and is large enough for its entry count.
fn zip_end_problem<R: Read + Seek + ?Sized>(reader: &mut R) -> io::Result<Option<String>> {
    let len = reader.seek(SeekFrom::End(0))?;
    let window = len.min(65_535 + EOCD_LEN as u64);
    let start = len - window;
    reader.seek(SeekFrom::Start(start))?;
    let mut tail = Vec::with_capacity(window as usize);
    reader.take(window).read_to_end(&mut tail)?;
    reader.seek(SeekFrom::Start(0))?;
    let u16_at = |b: &[u8], at: usize| -> Option<u64> {
        Some(u64::from(u16::from_le_bytes(
            b.get(at..at + 2)?.try_into().ok()?,
        )))
    };
    let u32_at = |b: &[u8], at: usize| -> Option<u64> {
        Some(u64::from(u32::from_le_bytes(
            b.get(at..at + 4)?.try_into().ok()?,
        )))
    };
    let u64_at = |b: &[u8], at: usize| -> Option<u64> {
        Some(u64::from_le_bytes(b.get(at..at + 8)?.try_into().ok()?))
    };
    // The last signature with a whole record after it, as readers find it scanning back.
    let mut end = tail.len();
    let mut last = None;
    while let Some(p) = memchr::memmem::rfind(&tail[..end], b"PK\x05\x06") {
        if p + EOCD_LEN <= tail.len() {
            last = Some(p);
            break;
        }
        end = p;
    }
    let Some(mut at) = last else {
        return Ok(None);
    };
    let comment_fits = |at: usize| {
        u16_at(&tail, at + 20).is_some_and(|n| at + EOCD_LEN + n as usize <= tail.len())
    };
    if !comment_fits(at) {
        // A signature inside an archive comment: the real record is an earlier one whose
        // comment reaches exactly the end of the file.
        let earlier = memchr::memmem::rfind_iter(&tail[..at], b"PK\x05\x06").find(|&p| {
            u16_at(&tail, p + 20).is_some_and(|n| p + EOCD_LEN + n as usize == tail.len())
        });
        match earlier {
            Some(p) => at = p,
            None => {
                return Ok(Some(
                    "the end-of-central-directory comment runs past the end of the file".into(),
                ))
            }
        }
    }
    let rec = &tail[at..];
    let (Some(disk), Some(entries), Some(cd_size), Some(cd_offset)) = (
        u16_at(rec, 4),
        u16_at(rec, 10),
        u32_at(rec, 12),
        u32_at(rec, 16),
    ) else {
        return Ok(None);
    };
    let eocd_pos = start + at as u64;
    // Read a few bytes of the file at `pos` (for signatures).
    let mut bytes_at = |pos: u64, n: usize| -> io::Result<Vec<u8>> {
        let mut b = Vec::with_capacity(n);
        if pos < len {
            reader.seek(SeekFrom::Start(pos))?;
            reader.take(n as u64).read_to_end(&mut b)?;
        }
        reader.seek(SeekFrom::Start(0))?;
        Ok(b)
    };
    // Values zip64 archives leave to the zip64 record; multi-disk archives are reported by
    // the crate.
    let sentinels = entries == 0xffff || cd_size == 0xffff_ffff || cd_offset == 0xffff_ffff;
    // A directory that ends right at the record leaves no room for a zip64 locator (the
    // locator's signature can be part of a file name).
    if !sentinels && cd_offset + cd_size == eocd_pos && entries * CD_HEADER_LEN <= cd_size {
        return Ok(None);
    }
    // Zip64: a locator right before the record, pointing to the zip64 record (by its offset
    // from the zip's start, or right before the locator when bytes were prepended).
    if let Some(loc_pos) = eocd_pos.checked_sub(EOCD64_LOCATOR_LEN) {
        let loc = bytes_at(loc_pos, EOCD64_LOCATOR_LEN as usize)?;
        if loc.starts_with(b"PK\x06\x07") {
            let target = u64_at(&loc, 8).unwrap_or(u64::MAX);
            let at_target = bytes_at(target, 4)?;
            let before = match loc_pos.checked_sub(56) {
                Some(p) => bytes_at(p, 4)?,
                None => Vec::new(),
            };
            if at_target != b"PK\x06\x06" && before != b"PK\x06\x06" {
                return Ok(Some(format!(
                    "the zip64 end-of-central-directory locator points to offset {target}, \
                     where there is no zip64 end-of-central-directory record"
                )));
            }
            return Ok(None);
        }
    }
    if sentinels || disk != 0 {
        return Ok(None);
    }
    if entries * CD_HEADER_LEN > cd_size {
        return Ok(Some(format!(
            "the end-of-central-directory record lists {entries} entries in a {cd_size}-byte \
             central directory (each takes at least {CD_HEADER_LEN} bytes)"
        )));
    }
    let Some(prefix) = eocd_pos.checked_sub(cd_size + cd_offset) else {
        return Ok(Some(format!(
            "the central directory (offset {cd_offset}, {cd_size} bytes) runs past the \
             end-of-central-directory record at {eocd_pos}"
        )));
    };
    // Bytes before the zip shift where the directory is; if instead a directory is found at
    // the stated offset itself, the stated size is wrong (Go reads such archives by
    // guessing; Python's zipfile rejects them).
    if prefix > 0 && entries > 0 && bytes_at(cd_offset, 4)? == b"PK\x01\x02" {
        return Ok(Some(format!(
            "the end-of-central-directory record gives a {cd_size}-byte central directory at \
             offset {cd_offset}, which does not end where the record starts ({eocd_pos})"
        )));
    }
    Ok(None)
}

pub(crate) fn zip_archive<R: Read + Seek>(ctx: &mut Ctx<'_>, mut reader: R) -> io::Result<()> {
    // An inconsistent directory end is reported, and what the crate still reads is scanned.
    let end_problem = zip_end_problem(&mut reader)?;
    if let Some(why) = &end_problem {
        ctx.reason(
            ReasonCode::MalformedFile,
            format!("zip: {why}; the entries that could be found were read"),
        );
    }
    let mut archive = match zip::ZipArchive::new(&mut reader) {
        Ok(a) => a,
        Err(zip::result::ZipError::Io(e)) => return Err(e),
        Err(e) => {
            match strong_encryption(&mut reader) {
                Some(why) => ctx.reason(ReasonCode::EncryptedContent, why),
                None if end_problem.is_some() => {}
                None => ctx.reason(ReasonCode::MalformedFile, format!("zip: {e}")),
            }
            return Ok(());
        }
    };
    for i in 0..archive.len() {
        if ctx.exhausted() {
            break;
        }
        let (name, encrypted, is_dir, declared, compressed, method) = match archive.by_index_raw(i)
        {
            Ok(f) => (
                f.name()
                    .map(|n| n.into_owned())
                    .unwrap_or_else(|_| String::from_utf8_lossy(f.name_raw()).into_owned()),
                f.encrypted(),
                f.is_dir(),
                f.size(),
                f.compressed_size(),
                f.compression(),
            ),
            Err(e) => {
                ctx.reason(ReasonCode::MalformedFile, format!("zip entry {i}: {e}"));
                continue;
            }
        };
        if is_dir {
            continue;
        }
        if !ctx.budget.add_member(ctx.limits) {
            too_many_members(ctx);
            break;
        }
        if encrypted {
            ctx.enter(&name, |ctx| {
                ctx.reason(
                    ReasonCode::EncryptedContent,
                    "encrypted zip entry (password protected); not read",
                )
            });
            continue;
        }
        use zip::CompressionMethod as M;
        let readable = matches!(
            method,
            M::Stored | M::Deflated | M::Deflate64 | M::Bzip2 | M::Zstd | M::Lzma | M::Xz | M::Ppmd
        );
        if !readable {
            ctx.enter(&name, |ctx| {
                unsupported(
                    ctx,
                    &format!("zip compression method {method} is not supported"),
                )
            });
            continue;
        }
        if declared > ctx.limits.max_member_bytes {
            member_too_big(ctx, &name, declared);
            continue;
        }
        match archive.by_index(i) {
            Ok(mut file) => {
                ctx.enter(&name, |ctx| {
                    let mut counted = Counting::new(
                        &mut file,
                        ctx.budget,
                        ctx.limits,
                        Compressed::Known(compressed),
                    );
                    ctx.content(Input::Stream(&mut counted), &name, Some(declared));
                });
            }
            Err(zip::result::ZipError::UnsupportedArchive(m)) => {
                ctx.enter(&name, |ctx| unsupported(ctx, &format!("zip: {m}")));
            }
            Err(e) => {
                ctx.enter(&name, |ctx| {
                    ctx.reason(ReasonCode::MalformedFile, format!("zip: {e}"))
                });
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inner_names() {
        assert_eq!(inner_name(Format::Gzip, b"", "logs/app.log.gz"), "app.log");
        assert_eq!(inner_name(Format::Gzip, b"", "x.tgz"), "x.tar");
        assert_eq!(inner_name(Format::Bzip2, b"", "x.tar.bz2"), "x.tar");
        assert_eq!(inner_name(Format::Zstd, b"", "noext"), "noext");
        let mut head = vec![0x1f, 0x8b, 8, 8, 0, 0, 0, 0, 0, 3];
        head.extend_from_slice(b"orig.csv\0");
        assert_eq!(inner_name(Format::Gzip, &head, "y.gz"), "orig.csv");
    }
}
