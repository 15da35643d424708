//! Whether text is XML or HTML, by its first tokens and its name.

use crate::format::Format;

fn ext_is_xml(ext: &str) -> bool {
    matches!(
        ext,
        "xml"
            | "svg"
            | "xsd"
            | "xsl"
            | "xslt"
            | "rss"
            | "atom"
            | "plist"
            | "wsdl"
            | "kml"
            | "gpx"
            | "rdf"
            | "xul"
            | "resx"
            | "xaml"
            | "xlf"
            | "xliff"
            | "pom"
            | "nuspec"
            | "csproj"
            | "vcxproj"
            | "dtd"
    )
}

fn ext_is_html(ext: &str) -> bool {
    matches!(ext, "html" | "htm" | "xhtml" | "shtml")
}

const HTML_TAGS: &[&[u8]] = &[
    b"html", b"head", b"body", b"div", b"p", b"table", b"meta", b"title", b"link", b"script",
    b"style", b"span", b"a", b"ul", b"ol", b"li", b"h1", b"h2", b"h3", b"h4", b"br", b"form",
    b"img", b"section", b"article", b"header", b"nav", b"main", b"footer", b"iframe",
];

fn is_name_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_' || b == b':' || b >= 0x80
}

pub(super) fn is_name_byte(b: u8) -> bool {
    is_name_start(b) || b.is_ascii_digit() || b == b'-' || b == b'.'
}

pub(super) fn skip_ws(s: &[u8]) -> &[u8] {
    let n = s.iter().take_while(|b| b.is_ascii_whitespace()).count();
    &s[n..]
}

fn starts_with_ci(s: &[u8], p: &[u8]) -> bool {
    s.len() >= p.len() && s[..p.len()].eq_ignore_ascii_case(p)
}

/// Whether decoded `head` is XML or HTML (by content, then by extension `ext`).
pub(crate) fn sniff(head: &[u8], ext: &str) -> Option<Format> {
    let mut t = skip_ws(head.strip_prefix(b"\xef\xbb\xbf").unwrap_or(head));
    let html_ext = ext_is_html(ext);
    let xml_ext = ext_is_xml(ext);
    // Leading comments and processing instructions say nothing; look past them.
    let mut xml_decl = false;
    for _ in 0..64 {
        if t.starts_with(b"<?") {
            xml_decl |= starts_with_ci(t, b"<?xml");
            match memchr::memmem::find(t, b"?>") {
                Some(i) => t = skip_ws(&t[i + 2..]),
                None => break,
            }
        } else if t.starts_with(b"<!--") {
            match memchr::memmem::find(&t[4..], b"-->") {
                Some(i) => t = skip_ws(&t[4 + i + 3..]),
                None => break,
            }
        } else {
            break;
        }
    }
    if html_ext && (xml_decl || t.starts_with(b"<")) {
        return Some(Format::Html);
    }
    if starts_with_ci(t, b"<!doctype html") || starts_with_ci(t, b"<html") {
        return Some(if xml_decl { Format::Xml } else { Format::Html });
    }
    if xml_decl || starts_with_ci(t, b"<!doctype") {
        return Some(Format::Xml);
    }
    if xml_ext {
        // Named XML: the extractor says what is wrong if it is not.
        return Some(Format::Xml);
    }
    if t.first() == Some(&b'<') && t.get(1).is_some_and(|b| is_name_start(*b)) {
        let name_len = t[1..].iter().take_while(|b| is_name_byte(**b)).count();
        let name = &t[1..1 + name_len];
        let mut close = b"</".to_vec();
        close.extend_from_slice(name);
        let closed = memchr::memmem::find(t, &close).is_some();
        let lower = name.to_ascii_lowercase();
        if HTML_TAGS.contains(&lower.as_slice()) && (closed || html_ext) {
            return Some(Format::Html);
        }
        let tag_end = memchr::memchr(b'>', t).map(|i| &t[..i]);
        let xmlns = tag_end.is_some_and(|tag| memchr::memmem::find(tag, b"xmlns").is_some());
        if closed || xmlns {
            return Some(Format::Xml);
        }
        return None;
    }
    if html_ext {
        // Text with some markup in it.
        let has_tag = t
            .windows(2)
            .any(|w| w[0] == b'<' && (w[1].is_ascii_alphabetic() || w[1] == b'/' || w[1] == b'!'));
        if has_tag && memchr::memchr(b'>', t).is_some() {
            return Some(Format::Html);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffing() {
        assert_eq!(sniff(b"<?xml version='1.0'?><a/>", ""), Some(Format::Xml));
        assert_eq!(sniff(b"<!DOCTYPE html><p>x", ""), Some(Format::Html));
        assert_eq!(sniff(b"<html><body>", "txt"), Some(Format::Html));
        assert_eq!(sniff(b"<root><a>1</a></root>", ""), Some(Format::Xml));
        assert_eq!(sniff(b"<div>x</div>", ""), Some(Format::Html));
        assert_eq!(sniff(b"a < b and c > d", ""), None);
        assert_eq!(sniff(b"<not closed", ""), None);
        assert_eq!(sniff(b"hello", "html"), None);
        assert_eq!(sniff(b"", "xml"), Some(Format::Xml));
        assert_eq!(sniff(b"text <b>bold</b>", "htm"), Some(Format::Html));
    }
}
