//! `table FILE --mb N [--seed S]`: a table of corpus text as Parquet or XLSX (by the file's
//! extension), for format throughput benchmarks.
//!
//! The generator's text (the same mix as `corpus`, planted items included) is cut into rows
//! like `scripts/bench` cuts its CSV tables: every line becomes a row of three cells, the first
//! two space-separated words (`ts`, `level`) and the rest (`message`). Rows are added until
//! the cells hold `N` MiB of text. The planted counts are those of the text before the cut:
//! items that span lines (key blocks, some AWS secret key pairs) end up split across rows. The Parquet file has three required UTF-8 columns, Snappy
//! pages and row groups of 65,536 rows; the XLSX workbook has one sheet `Data` with a header
//! row and shared strings (as spreadsheet programs write them).

use std::collections::HashMap;
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::Path;
use std::sync::Arc;

use crate::gen::Gen;
use crate::plant::Tally;
use crate::{usage, Failure, MIB};

/// Rows per Parquet row group.
const ROW_GROUP: usize = 65_536;

/// One row: timestamp, level, message.
type Row = [String; 3];

/// Cuts the complete lines at the front of `buf` into rows (the rest stays in `buf`).
fn take_rows(buf: &mut Vec<u8>, rows: &mut Vec<Row>) -> u64 {
    let Some(last_nl) = buf.iter().rposition(|&b| b == b'\n') else {
        return 0;
    };
    let mut bytes = 0u64;
    for line in buf[..last_nl].split(|&b| b == b'\n') {
        let line = String::from_utf8_lossy(line);
        let line = line.trim_start_matches(' ');
        if line.is_empty() {
            continue;
        }
        let (ts, rest) = line.split_once(' ').unwrap_or((line, ""));
        let rest = rest.trim_start_matches(' ');
        let (level, message) = rest.split_once(' ').unwrap_or((rest, ""));
        let message = message.trim_start_matches(' ');
        bytes += (ts.len() + level.len() + message.len()) as u64;
        rows.push([ts.to_string(), level.to_string(), message.to_string()]);
    }
    buf.drain(..=last_nl);
    bytes
}

/// [`take_rows`] on the generator's output, keeping its position (which paces the plants).
fn take(g: &mut Gen, rows: &mut Vec<Row>) -> u64 {
    let before = g.out.len();
    let bytes = take_rows(&mut g.out, rows);
    g.flushed += (before - g.out.len()) as u64;
    bytes
}

/// Generates rows until their cells hold `target` bytes, handing them to `sink` in batches.
fn generate(
    target: u64,
    seed: u64,
    mut sink: impl FnMut(&[Row]) -> io::Result<()>,
) -> io::Result<Tally> {
    let mut g = Gen::new(seed, true);
    let mut rows = Vec::new();
    let mut bytes = 0u64;
    g.log_run();
    while bytes < target {
        g.section();
        if g.out.len() >= 256 * 1024 {
            bytes += take(&mut g, &mut rows);
        }
        if rows.len() >= ROW_GROUP || (bytes >= target && !rows.is_empty()) {
            sink(&rows)?;
            rows.clear();
        }
    }
    bytes += take(&mut g, &mut rows);
    if !rows.is_empty() {
        sink(&rows)?;
    }
    g.tally.bytes = bytes;
    Ok(g.tally)
}

fn pq_error(e: parquet::errors::ParquetError) -> io::Error {
    io::Error::other(e.to_string())
}

fn parquet(path: &Path, target: u64, seed: u64) -> io::Result<Tally> {
    use parquet::basic::Compression;
    use parquet::data_type::{ByteArray, ByteArrayType};
    use parquet::file::properties::WriterProperties;
    use parquet::file::writer::SerializedFileWriter;
    use parquet::schema::parser::parse_message_type;

    let schema = parse_message_type(
        "message table {
            REQUIRED BYTE_ARRAY ts (UTF8);
            REQUIRED BYTE_ARRAY level (UTF8);
            REQUIRED BYTE_ARRAY message (UTF8);
        }",
    )
    .map_err(pq_error)?;
    let props = WriterProperties::builder()
        .set_compression(Compression::SNAPPY)
        .build();
    let file = File::create(path)?;
    let mut w =
        SerializedFileWriter::new(file, Arc::new(schema), Arc::new(props)).map_err(pq_error)?;
    let tally = generate(target, seed, |rows| {
        let mut rg = w.next_row_group().map_err(pq_error)?;
        let mut col = 0;
        while let Some(mut c) = rg.next_column().map_err(pq_error)? {
            let values: Vec<ByteArray> = rows
                .iter()
                .map(|r| ByteArray::from(r[col].as_str()))
                .collect();
            c.typed::<ByteArrayType>()
                .write_batch(&values, None, None)
                .map_err(pq_error)?;
            c.close().map_err(pq_error)?;
            col += 1;
        }
        rg.close().map_err(pq_error)?;
        Ok(())
    })?;
    w.close().map_err(pq_error)?;
    Ok(tally)
}

/// `s` escaped for XML text, without the control characters XML 1.0 forbids.
fn xml_text(out: &mut impl Write, s: &str) -> io::Result<()> {
    let mut from = 0;
    for (i, c) in s.char_indices() {
        let rep = match c {
            '&' => "&amp;",
            '<' => "&lt;",
            '>' => "&gt;",
            '\t' | '\n' | '\r' => continue,
            c if (c as u32) < 0x20 => "",
            _ => continue,
        };
        out.write_all(&s.as_bytes()[from..i])?;
        out.write_all(rep.as_bytes())?;
        from = i + c.len_utf8();
    }
    out.write_all(&s.as_bytes()[from..])
}

const CONTENT_TYPES: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>"#;
const RELS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#;
const WORKBOOK: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Data" sheetId="1" r:id="rId1"/></sheets></workbook>"#;
const WORKBOOK_RELS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>"#;

fn xlsx(path: &Path, target: u64, seed: u64) -> io::Result<Tally> {
    use zip::write::SimpleFileOptions;
    let mut z = zip::ZipWriter::new(BufWriter::new(File::create(path)?));
    let opts = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for (name, text) in [
        ("[Content_Types].xml", CONTENT_TYPES),
        ("_rels/.rels", RELS),
        ("xl/workbook.xml", WORKBOOK),
        ("xl/_rels/workbook.xml.rels", WORKBOOK_RELS),
    ] {
        z.start_file(name, opts).map_err(io::Error::other)?;
        z.write_all(text.as_bytes())?;
    }
    z.start_file("xl/worksheets/sheet1.xml", opts)
        .map_err(io::Error::other)?;
    z.write_all(
        br#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>"#,
    )?;
    let mut strings: Vec<String> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    let mut row_no = 0u64;
    let mut write_row = |z: &mut zip::ZipWriter<_>, cells: &[String; 3]| -> io::Result<()> {
        row_no += 1;
        write!(z, r#"<row r="{row_no}">"#)?;
        for (col, text) in ["A", "B", "C"].iter().zip(cells) {
            if text.is_empty() {
                continue;
            }
            let i = match index.get(text.as_str()) {
                Some(&i) => i,
                None => {
                    strings.push(text.clone());
                    index.insert(text.clone(), strings.len() - 1);
                    strings.len() - 1
                }
            };
            write!(z, r#"<c r="{col}{row_no}" t="s"><v>{i}</v></c>"#)?;
        }
        z.write_all(b"</row>")
    };
    write_row(&mut z, &["ts".into(), "level".into(), "message".into()])?;
    let tally = generate(target, seed, |rows| {
        for r in rows {
            write_row(&mut z, r)?;
        }
        Ok(())
    })?;
    z.write_all(b"</sheetData></worksheet>")?;
    z.start_file("xl/sharedStrings.xml", opts)
        .map_err(io::Error::other)?;
    write!(
        z,
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" uniqueCount="{}">"#,
        strings.len()
    )?;
    for s in &strings {
        z.write_all(b"<si><t xml:space=\"preserve\">")?;
        xml_text(&mut z, s)?;
        z.write_all(b"</t></si>")?;
    }
    z.write_all(b"</sst>")?;
    z.finish().map_err(io::Error::other)?.flush()?;
    Ok(tally)
}

/// Writes the table to `path` (`.parquet` or `.xlsx`) with `mb` MiB of cell text.
pub fn table(path: &Path, mb: u64, seed: u64) -> Result<Tally, Failure> {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    let target = mb * MIB;
    Ok(match ext.as_str() {
        "parquet" => parquet(path, target, seed)?,
        "xlsx" => xlsx(path, target, seed)?,
        _ => return Err(usage("table: the file must end in .parquet or .xlsx")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_cut_like_the_bench_csv() {
        let mut buf = b"2024-01-01T00:00:00Z INFO  [api] done a=1\n  lone\n\nx y\npartial".to_vec();
        let mut rows = Vec::new();
        let bytes = take_rows(&mut buf, &mut rows);
        assert_eq!(buf, b"partial");
        assert_eq!(rows.len(), 3);
        assert_eq!(
            rows[0],
            ["2024-01-01T00:00:00Z", "INFO", "[api] done a=1"].map(String::from)
        );
        assert_eq!(rows[1], ["lone", "", ""].map(String::from));
        assert_eq!(rows[2], ["x", "y", ""].map(String::from));
        assert_eq!(bytes, 20 + 4 + 14 + 4 + 2);
    }

    #[test]
    fn xml_text_escapes() {
        let mut out = Vec::new();
        xml_text(&mut out, "a<b>&c\u{1}\td").unwrap();
        assert_eq!(out, b"a&lt;b&gt;&amp;c\td");
    }
}
