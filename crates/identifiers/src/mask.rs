//! Masked samples: enough of a value to recognise it, never enough to use it.

/// How a matched value is masked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum MaskStyle {
    /// Keep the first `keep_start` and last `keep_end` significant (alphanumeric) characters;
    /// spaces and hyphens stay as they are; everything else becomes `*`.
    Keep {
        /// Significant characters kept at the start.
        keep_start: usize,
        /// Significant characters kept at the end.
        keep_end: usize,
    },
    /// PEM-style block: keep the `-----BEGIN ...-----` line, mask the rest.
    BlockHeader,
}

impl MaskStyle {
    /// Parses the catalogue form `keep:6:4` or `block_header`.
    pub fn parse(s: &str) -> Option<MaskStyle> {
        if s == "block_header" {
            return Some(MaskStyle::BlockHeader);
        }
        let mut it = s.split(':');
        if it.next()? != "keep" {
            return None;
        }
        let keep_start = it.next()?.parse().ok()?;
        let keep_end = it.next()?.parse().ok()?;
        if it.next().is_some() {
            return None;
        }
        Some(MaskStyle::Keep {
            keep_start,
            keep_end,
        })
    }
}

/// Masks `value`. The result never holds more than `keep_start + keep_end` significant
/// characters of the original, and at most five eighths of them for short values.
pub fn mask(value: &[u8], style: MaskStyle) -> String {
    match style {
        MaskStyle::BlockHeader => {
            let line_end = memchr::memchr2(b'\n', b'\r', value).unwrap_or(value.len());
            let header = String::from_utf8_lossy(&value[..line_end.min(80)]);
            format!("{header}********")
        }
        MaskStyle::Keep {
            keep_start,
            keep_end,
        } => {
            let text = String::from_utf8_lossy(value);
            let significant = text.chars().filter(|c| c.is_alphanumeric()).count();
            // Never reveal more than five eighths of a value (first 6 + last 4 of 16 digits).
            let (mut ks, mut ke) = (keep_start, keep_end);
            while ks + ke > significant * 5 / 8 && (ks > 0 || ke > 0) {
                if ks >= ke && ks > 0 {
                    ks -= 1;
                } else {
                    ke -= 1;
                }
            }
            let mut seen = 0usize;
            text.chars()
                .map(|c| {
                    if c.is_alphanumeric() {
                        seen += 1;
                        if seen <= ks || seen > significant - ke {
                            c
                        } else {
                            '*'
                        }
                    } else if c == ' ' || c == '-' {
                        c
                    } else {
                        '*'
                    }
                })
                .collect()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn card_and_key() {
        let card = MaskStyle::parse("keep:6:4").unwrap();
        assert_eq!(mask(b"4111111111111111", card), "411111******1111");
        assert_eq!(mask(b"4111 1111 1111 1111", card), "4111 11** **** 1111");
        let key = MaskStyle::parse("keep:4:4").unwrap();
        assert_eq!(mask(b"AKIAIOSFODNN7EXAMPLE", key), "AKIA************MPLE");
    }

    #[test]
    fn short_values_reveal_little() {
        let m = mask(b"123-45-6789", MaskStyle::parse("keep:0:4").unwrap());
        assert_eq!(m, "***-**-6789");
        let m = mask(b"abcd", MaskStyle::parse("keep:4:4").unwrap());
        assert_eq!(m.chars().filter(|c| *c != '*').count(), 2);
    }

    #[test]
    fn block_header() {
        let m = mask(
            b"-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----",
            MaskStyle::BlockHeader,
        );
        assert_eq!(m, "-----BEGIN RSA PRIVATE KEY-----********");
    }
}
