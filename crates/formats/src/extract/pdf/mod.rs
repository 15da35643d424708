//! PDF documents: text per page, and form field values. lopdf parses the file (held in memory
//! up to a size limit, each decompressed stream bounded, [`load`]); [`text`] walks each page's
//! content, [`fonts`] turns the codes it shows into text and counts those it cannot map;
//! [`forms`] reads AcroForm field values. The time budget is checked between pages and inside
//! long ones, and a panic inside lopdf is caught and reported.

mod fonts;
mod forms;
mod load;
mod text;

use std::io::{self, Read};

use super::ctx::{Chunk, Content, Ctx, LOOKBEHIND, OVERLAP_AHEAD};
use crate::location::{Locator, StreamPos};
use crate::reason::ReasonCode;
use fonts::Counts;

/// Pages read per document.
const MAX_PAGES: usize = 100_000;
/// Decompressed content per page, and per object stream while loading.
const MAX_STREAM: usize = 64 << 20;
/// Largest PDF read (held in memory).
const MAX_PDF: u64 = 512 << 20;
/// Glyphs shown without a character, over all pages, before we say the text is short: at
/// least this many, and at least a quarter of all glyphs shown.
const MIN_UNMAPPED: usize = 32;

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

/// Extracts text per page, then form field values.
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
    let Some(loaded) = load::load(ctx, &data) else {
        return Ok(());
    };
    drop(data);
    let doc = loaded.doc;
    let pages: Vec<(u32, lopdf::ObjectId)> = match ctx.guarded("lopdf", || doc.get_pages()) {
        Some(p) => p.into_iter().collect(),
        None => {
            let message = format!("PDF page tree could not be read ({})", ctx.last_panic());
            ctx.reason(ReasonCode::MalformedFile, message);
            return Ok(());
        }
    };
    if let Some(damage) = loaded.damage {
        ctx.reason(ReasonCode::MalformedFile, damage);
    }
    if pages.is_empty() {
        ctx.reason(ReasonCode::MalformedFile, "PDF has no readable pages");
    }
    read_pages(ctx, &doc, &pages)?;
    forms::read(ctx, &doc, &pages);
    Ok(())
}

/// Reads every page's text; says which pages could not be read whole, and whether the
/// fonts left much of the text shown without characters.
fn read_pages(
    ctx: &mut Ctx<'_>,
    doc: &lopdf::Document,
    pages: &[(u32, lopdf::ObjectId)],
) -> io::Result<()> {
    let budget = ctx.budget;
    let mut reader = text::Reader::new(doc, MAX_STREAM, budget);
    let mut failed = 0usize;
    let mut first_error = String::new();
    let mut counts = Counts::default();
    for (i, &(number, id)) in pages.iter().enumerate() {
        if i >= MAX_PAGES {
            ctx.reason(
                ReasonCode::FileExceedsSizeLimit,
                format!("PDF has more than {MAX_PAGES} pages; the rest were not read"),
            );
            break;
        }
        if budget.out_of_time() {
            return Err(budget.trip(ReasonCode::TimeCutOffReached));
        }
        let page = match ctx.guarded("lopdf", || reader.page(id)) {
            Some(p) => p,
            None => text::PageText {
                trouble: Some(ctx.last_panic().to_string()),
                ..text::PageText::default()
            },
        };
        if let Some(t) = page.trouble {
            failed += 1;
            if first_error.is_empty() {
                first_error = format!("page {number}: {t}");
            }
        }
        counts.add(page.counts);
        emit_page(ctx, u64::from(number), page.text.as_bytes());
        if page.out_of_time {
            return Err(budget.trip(ReasonCode::TimeCutOffReached));
        }
    }
    if failed > 0 {
        ctx.reason(
            ReasonCode::MalformedFile,
            format!("text of {failed} PDF page(s) could not be read whole ({first_error})"),
        );
    }
    if counts.unmapped >= MIN_UNMAPPED && counts.unmapped * 4 >= counts.glyphs {
        ctx.reason(
            ReasonCode::UnsupportedFileType,
            format!(
                "{} of {} glyphs shown in the PDF map to no character (fonts without a Unicode map); their text was not read",
                counts.unmapped, counts.glyphs
            ),
        );
    }
    Ok(())
}
