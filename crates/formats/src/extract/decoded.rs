//! What a decompressor's error means: corrupt data (MALFORMED_FILE), something the decoder
//! does not support (UNSUPPORTED_FILE_TYPE_EXCEPTION), or a failure to read the compressed
//! bytes (READ_ERROR, passed on as it came).
//!
//! Decoders (zstd, liblzma) report corrupt data with `ErrorKind::Other` as often as with
//! `InvalidData`, so the kind alone cannot tell corrupt data from I/O; the compressed input is
//! watched instead, and any other error of the decoder is about the data.

use std::cell::Cell;
use std::io::{self, Read};
use std::rc::Rc;

use crate::limits::limit_of;

/// Wraps the compressed input: notes whether reading it failed.
pub(crate) struct Source<R> {
    inner: R,
    failed: Rc<Cell<bool>>,
}

impl<R: Read> Read for Source<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.inner.read(buf).inspect_err(|e| {
            if e.kind() != io::ErrorKind::Interrupted {
                self.failed.set(true);
            }
        })
    }
}

/// Wraps the decoder: its errors that are not the input's become data or support errors.
pub(crate) struct Decoded<D> {
    inner: D,
    source_failed: Rc<Cell<bool>>,
    codec: &'static str,
}

/// The compressed input and its decoder's wrapper, sharing what the input did.
pub(crate) fn watch<R: Read, D: Read>(
    source: R,
    codec: &'static str,
    decoder: impl FnOnce(Source<R>) -> io::Result<D>,
) -> io::Result<Decoded<D>> {
    let failed = Rc::new(Cell::new(false));
    let inner = decoder(Source {
        inner: source,
        failed: failed.clone(),
    })?;
    Ok(Decoded {
        inner,
        source_failed: failed,
        codec,
    })
}

impl<D: Read> Read for Decoded<D> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.inner.read(buf).map_err(|e| {
            if self.source_failed.get()
                || limit_of(&e).is_some()
                || e.kind() == io::ErrorKind::Interrupted
            {
                return e;
            }
            classify(self.codec, e)
        })
    }
}

/// A decoder's own error as `Unsupported` (what it cannot decode) or `InvalidData` (corrupt or
/// truncated data), with a one-line message.
fn classify(codec: &str, e: io::Error) -> io::Error {
    if let Some(lz) = e
        .get_ref()
        .and_then(|i| i.downcast_ref::<liblzma::stream::Error>())
    {
        return match lz {
            liblzma::stream::Error::Options | liblzma::stream::Error::UnsupportedCheck => {
                io::Error::new(
                    io::ErrorKind::Unsupported,
                    format!("{codec}: the stream uses a header, filter or check this reader does not support"),
                )
            }
            liblzma::stream::Error::MemLimit | liblzma::stream::Error::Mem => io::Error::new(
                io::ErrorKind::Unsupported,
                format!("{codec}: the stream needs more decoder memory than allowed"),
            ),
            _ => io::Error::new(io::ErrorKind::InvalidData, format!("{codec}: {lz}")),
        };
    }
    let text = e.to_string();
    if text.contains("Dictionary mismatch") {
        return io::Error::new(
            io::ErrorKind::Unsupported,
            format!("{codec}: the frame was compressed with an external dictionary, which is not available"),
        );
    }
    if e.kind() == io::ErrorKind::UnexpectedEof {
        return io::Error::new(io::ErrorKind::UnexpectedEof, format!("{codec}: {text}"));
    }
    io::Error::new(io::ErrorKind::InvalidData, format!("{codec}: {text}"))
}

/// The dictionary a zstd frame header names (0 or absent: none).
pub(crate) fn zstd_dictionary_id(head: &[u8]) -> Option<u32> {
    if head.get(..4)? != [0x28, 0xb5, 0x2f, 0xfd] {
        return None;
    }
    let descriptor = *head.get(4)?;
    let single_segment = descriptor & 0x20 != 0;
    let at = if single_segment { 5 } else { 6 };
    let id = match descriptor & 3 {
        0 => return None,
        1 => u32::from(*head.get(at)?),
        2 => u32::from(u16::from_le_bytes([*head.get(at)?, *head.get(at + 1)?])),
        _ => u32::from_le_bytes(head.get(at..at + 4)?.try_into().ok()?),
    };
    (id != 0).then_some(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zstd_dictionary_ids_are_read_from_the_frame_header() {
        assert_eq!(
            zstd_dictionary_id(&[0x28, 0xb5, 0x2f, 0xfd, 0x00, 0x58]),
            None
        );
        assert_eq!(
            zstd_dictionary_id(&[0x28, 0xb5, 0x2f, 0xfd, 0x23, 0x78, 0x56, 0x34, 0x12]),
            Some(0x1234_5678)
        );
        assert_eq!(
            zstd_dictionary_id(&[0x28, 0xb5, 0x2f, 0xfd, 0x01, 0x00, 0x07]),
            Some(7)
        );
    }
}
