//! The formats trawl knows and the text encodings it reads: a leaf every extractor may use.

/// A detected format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Format {
    /// Plain text of any kind.
    Txt,
    /// Comma (or sniffed) separated values.
    Csv,
    /// Tab separated values.
    Tsv,
    /// A JSON document (or a sequence of them).
    Json,
    /// JSON Lines.
    Jsonl,
    /// gzip (one or more members).
    Gzip,
    /// bzip2.
    Bzip2,
    /// xz.
    Xz,
    /// Zstandard.
    Zstd,
    /// LZ4 frame format.
    Lz4,
    /// Brotli (no magic: known by the `.br` name).
    Brotli,
    /// tar (ustar, GNU, PAX, v7).
    Tar,
    /// zip.
    Zip,
    /// 7z.
    SevenZ,
    /// XML.
    Xml,
    /// HTML.
    Html,
    /// E-mail message (RFC 5322).
    Eml,
    /// PDF.
    Pdf,
    /// Excel 2007+ workbook.
    Xlsx,
    /// Excel binary workbook.
    Xlsb,
    /// Excel 97-2003 workbook.
    Xls,
    /// OpenDocument spreadsheet.
    Ods,
    /// Word 2007+ document.
    Docx,
    /// PowerPoint 2007+ presentation.
    Pptx,
    /// OpenDocument text.
    Odt,
    /// OpenDocument presentation.
    Odp,
    /// Word 97-2003 document.
    Doc,
    /// PowerPoint 97-2003 presentation.
    Ppt,
    /// Outlook message (OLE compound file).
    Msg,
    /// Rich Text Format document.
    Rtf,
    /// Apache Parquet.
    Parquet,
    /// Apache Avro object container file.
    Avro,
    /// A recognised container or binary format with no extractor yet; the contract name.
    Unsupported(&'static str),
    /// Binary content of no recognised kind.
    Binary,
}

impl Format {
    /// The contract's `format` name.
    pub fn name(self) -> &'static str {
        match self {
            Format::Txt => "txt",
            Format::Csv => "csv",
            Format::Tsv => "tsv",
            Format::Json => "json",
            Format::Jsonl => "jsonl",
            Format::Gzip => "gzip",
            Format::Bzip2 => "bzip2",
            Format::Xz => "xz",
            Format::Zstd => "zstd",
            Format::Lz4 => "lz4",
            Format::Brotli => "brotli",
            Format::Tar => "tar",
            Format::Zip => "zip",
            Format::SevenZ => "7z",
            Format::Xml => "xml",
            Format::Html => "html",
            Format::Eml => "eml",
            Format::Pdf => "pdf",
            Format::Xlsx => "xlsx",
            Format::Xlsb => "xlsb",
            Format::Xls => "xls",
            Format::Ods => "ods",
            Format::Docx => "docx",
            Format::Pptx => "pptx",
            Format::Odt => "odt",
            Format::Odp => "odp",
            Format::Doc => "doc",
            Format::Ppt => "ppt",
            Format::Msg => "msg",
            Format::Rtf => "rtf",
            Format::Parquet => "parquet",
            Format::Avro => "avro",
            Format::Unsupported(n) => n,
            Format::Binary => "binary",
        }
    }

    /// Whether detection knows this format by its magic bytes (archives, compressed streams,
    /// PDF, office documents, Parquet, Avro), not by its text.
    pub(crate) fn by_magic(self) -> bool {
        matches!(
            self,
            Format::Gzip
                | Format::Bzip2
                | Format::Xz
                | Format::Zstd
                | Format::Lz4
                | Format::Brotli
                | Format::Tar
                | Format::Zip
                | Format::SevenZ
                | Format::Pdf
                | Format::Xlsx
                | Format::Xlsb
                | Format::Xls
                | Format::Ods
                | Format::Docx
                | Format::Pptx
                | Format::Odt
                | Format::Odp
                | Format::Doc
                | Format::Ppt
                | Format::Msg
                | Format::Parquet
                | Format::Avro
        )
    }
}

/// The text encoding of text content.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TextEncoding {
    /// UTF-8 (or ASCII), BOM or not; scanned as raw bytes.
    Utf8,
    /// UTF-16 little endian with a BOM; transcoded to UTF-8.
    Utf16Le,
    /// UTF-16 big endian with a BOM; transcoded to UTF-8.
    Utf16Be,
    /// Not valid UTF-8: read as Windows-1252 (a superset of Latin-1), transcoded to UTF-8.
    Latin1,
}
