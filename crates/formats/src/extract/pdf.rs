//! PDF documents: text per page with `lopdf`. The document is held in memory (up to a size
//! limit); each page's decompressed content is bounded, pages are capped, the time budget is
//! checked between pages, and a panic inside the parser is caught and reported.

use std::io::{self, Read};

use super::ctx::{Chunk, Content, Ctx, LOOKBEHIND, OVERLAP_AHEAD};
use crate::location::{Locator, StreamPos};
use crate::reason::ReasonCode;

/// Pages read per document.
const MAX_PAGES: usize = 100_000;
/// Decompressed content per page, and per object stream while loading.
const MAX_STREAM: usize = 64 << 20;
/// Largest PDF read (held in memory).
const MAX_PDF: u64 = 512 << 20;

/// Emits one page's text in overlapping windows.
fn emit_page(ctx: &mut Ctx<'_>, page: u64, text: &[u8]) {
    let cap = ctx.limits.buffer_len.max(4 * (OVERLAP_AHEAD + LOOKBEHIND));
    let mut pos = StreamPos::start();
    let mut from = 0usize;
    loop {
        let end = (from + cap).min(text.len());
        let window = &text[from..end];
        let last = end == text.len();
        let report_from = if from == 0 { 0 } else { LOOKBEHIND };
        let report_to = if last {
            window.len()
        } else {
            window.len() - OVERLAP_AHEAD
        };
        ctx.sink.chunk(&Chunk {
            text: window,
            report: report_from..report_to,
            context: None,
            locator: Locator::Page { page, start: pos },
            member: &ctx.member,
        });
        if last {
            return;
        }
        let next = from + report_to - LOOKBEHIND;
        pos = pos.advance(&text[from..next]);
        from = next;
    }
}

/// Whether the raw bytes declare encryption (`/Encrypt` in a trailer).
fn declares_encryption(data: &[u8]) -> bool {
    memchr::memmem::find_iter(data, b"/Encrypt").any(|i| {
        // Not "/EncryptMetadata" and the like.
        !data.get(i + 8).is_some_and(|b| b.is_ascii_alphanumeric())
    })
}

/// Extracts text per page.
pub(crate) fn extract(ctx: &mut Ctx<'_>, content: Content<'_>) -> io::Result<()> {
    let reader = content.input.stream();
    let mut data = Vec::new();
    reader.take(MAX_PDF + 1).read_to_end(&mut data)?;
    if data.len() as u64 > MAX_PDF {
        ctx.reason(
            ReasonCode::FileExceedsSizeLimit,
            format!("PDF over {MAX_PDF} bytes; not read"),
        );
        return Ok(());
    }
    let options = lopdf::LoadOptions {
        max_decompressed_size: Some(MAX_STREAM),
        ..lopdf::LoadOptions::default()
    };
    let loaded = ctx.guarded("lopdf", || {
        lopdf::Document::load_mem_with_options(&data, options)
    });
    let doc = match loaded {
        Some(Ok(doc)) => doc,
        Some(Err(e)) => {
            if declares_encryption(&data) {
                ctx.reason(ReasonCode::EncryptedContent, "encrypted PDF");
            } else {
                ctx.reason(
                    ReasonCode::MalformedFile,
                    format!("PDF could not be read: {e}"),
                );
            }
            return Ok(());
        }
        None => {
            let message = format!("PDF could not be read ({})", ctx.last_panic());
            ctx.reason(ReasonCode::MalformedFile, message);
            return Ok(());
        }
    };
    if doc.trailer.get(b"Encrypt").is_ok() || doc.is_encrypted() {
        ctx.reason(ReasonCode::EncryptedContent, "encrypted PDF");
        return Ok(());
    }
    let pages: Vec<u32> = match ctx.guarded("lopdf", || doc.get_pages()) {
        Some(p) => p.keys().copied().collect(),
        None => {
            let message = format!("PDF page tree could not be read ({})", ctx.last_panic());
            ctx.reason(ReasonCode::MalformedFile, message);
            return Ok(());
        }
    };
    if pages.is_empty() {
        ctx.reason(ReasonCode::MalformedFile, "PDF has no readable pages");
        return Ok(());
    }
    let mut failed = 0usize;
    let mut first_error = String::new();
    for (i, &number) in pages.iter().enumerate() {
        if i >= MAX_PAGES {
            ctx.reason(
                ReasonCode::FileExceedsSizeLimit,
                format!("PDF has more than {MAX_PAGES} pages; the rest were not read"),
            );
            break;
        }
        if ctx.budget.out_of_time() {
            return Err(ctx.budget.trip(ReasonCode::TimeCutOffReached));
        }
        let chunks = ctx.guarded("lopdf", || {
            doc.extract_text_chunks_with_limit(&[number], MAX_STREAM)
        });
        let mut text = String::new();
        match chunks {
            Some(chunks) => {
                for c in chunks {
                    match c {
                        Ok(t) => text.push_str(&t),
                        Err(e) => {
                            failed += 1;
                            if first_error.is_empty() {
                                first_error = format!("page {number}: {e}");
                            }
                        }
                    }
                }
            }
            None => {
                failed += 1;
                if first_error.is_empty() {
                    first_error = format!("page {number}: {}", ctx.last_panic());
                }
            }
        }
        emit_page(ctx, u64::from(number), text.as_bytes());
    }
    if failed > 0 {
        ctx.reason(
            ReasonCode::MalformedFile,
            format!("text of {failed} PDF page part(s) could not be read ({first_error})"),
        );
    }
    Ok(())
}
