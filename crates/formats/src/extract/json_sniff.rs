//! The JSON format sniff: whether a file's head is JSON or JSON Lines.
//!
//! A validator over the head in memory, written by hand rather than with `serde_json` (whose
//! `IgnoredAny` validates too): the sniff must accept exactly what the extractor's parser in
//! `json.rs` accepts (RFC 8259 as it reads it), tell a head cut short (still JSON) from a
//! syntax error, and cap nesting at its own depth. It keeps no path, copies no string and
//! tracks no line, so a head costs a fraction of the extractor's parse (it ran that parser
//! over every head before, which parsed a small JSON file twice).

use crate::format::Format;

/// Deeper nesting is still JSON: the recursion stops there and the head counts as JSON.
const MAX_DEPTH: usize = 512;

/// Why validation stopped early.
#[derive(Debug, PartialEq, Eq)]
enum Stop {
    /// The head ended inside a value (a file longer than the head, or a truncated one).
    Eof,
    /// Not JSON.
    Syntax,
    /// Nested deeper than [`MAX_DEPTH`].
    Depth,
}

/// Whether `head` looks like JSON (`Format::Json`) or JSON Lines (`Format::Jsonl`): its first
/// value must parse up to its end or the head's, and what follows it decides between the two.
pub(crate) fn sniff(head: &[u8], jsonl_name: bool) -> Option<Format> {
    let first = head.iter().find(|b| !b.is_ascii_whitespace())?;
    if *first != b'{' && *first != b'[' {
        return None;
    }
    let named = if jsonl_name {
        Format::Jsonl
    } else {
        Format::Json
    };
    let mut c = Check { b: head, i: 0 };
    c.ws();
    let start = c.i;
    match c.value(0) {
        Ok(()) => {}
        Err(Stop::Eof | Stop::Depth) => return Some(named),
        Err(Stop::Syntax) => return None,
    }
    let single_line = !has_line_end(&head[start..c.i]);
    c.ws();
    let more_lines = has_line_end(&head[start..c.i]);
    match c.peek() {
        None => Some(named),
        Some(b'{' | b'[') if single_line && more_lines => Some(Format::Jsonl),
        Some(_) if jsonl_name => Some(Format::Jsonl),
        Some(b'{' | b'[' | b'"') => Some(Format::Json),
        Some(_) => None,
    }
}

/// Whether `bytes` holds a line end (LF, CR or both).
fn has_line_end(bytes: &[u8]) -> bool {
    memchr::memchr2(b'\n', b'\r', bytes).is_some()
}

/// The validator: the head and the position of its next byte.
struct Check<'a> {
    b: &'a [u8],
    i: usize,
}

impl Check<'_> {
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    fn next(&mut self) -> Result<u8, Stop> {
        let c = self.peek().ok_or(Stop::Eof)?;
        self.i += 1;
        Ok(c)
    }

    fn ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\r' | b'\n') = self.peek() {
            self.i += 1;
        }
    }

    fn value(&mut self, depth: usize) -> Result<(), Stop> {
        self.ws();
        match self.peek().ok_or(Stop::Eof)? {
            b'{' => self.object(depth),
            b'[' => self.array(depth),
            b'"' => {
                self.i += 1;
                self.string()
            }
            b'-' | b'0'..=b'9' => self.number(),
            b't' => self.literal(b"true"),
            b'f' => self.literal(b"false"),
            b'n' => self.literal(b"null"),
            _ => Err(Stop::Syntax),
        }
    }

    fn object(&mut self, depth: usize) -> Result<(), Stop> {
        if depth >= MAX_DEPTH {
            return Err(Stop::Depth);
        }
        self.i += 1;
        self.ws();
        if self.peek() == Some(b'}') {
            self.i += 1;
            return Ok(());
        }
        loop {
            self.ws();
            if self.next()? != b'"' {
                return Err(Stop::Syntax);
            }
            self.string()?;
            self.ws();
            if self.next()? != b':' {
                return Err(Stop::Syntax);
            }
            self.value(depth + 1)?;
            self.ws();
            match self.next()? {
                b',' => {}
                b'}' => return Ok(()),
                _ => return Err(Stop::Syntax),
            }
        }
    }

    fn array(&mut self, depth: usize) -> Result<(), Stop> {
        if depth >= MAX_DEPTH {
            return Err(Stop::Depth);
        }
        self.i += 1;
        self.ws();
        if self.peek() == Some(b']') {
            self.i += 1;
            return Ok(());
        }
        loop {
            self.value(depth + 1)?;
            self.ws();
            match self.next()? {
                b',' => {}
                b']' => return Ok(()),
                _ => return Err(Stop::Syntax),
            }
        }
    }

    /// A string body, after its opening quote.
    fn string(&mut self) -> Result<(), Stop> {
        loop {
            let rest = &self.b[self.i..];
            match rest
                .iter()
                .position(|&b| b == b'"' || b == b'\\' || b < 0x20)
            {
                Some(n) => self.i += n,
                None => {
                    self.i = self.b.len();
                    return Err(Stop::Eof);
                }
            }
            match self.next()? {
                b'"' => return Ok(()),
                b'\\' => match self.next()? {
                    b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => {}
                    b'u' => {
                        let cp = self.hex4()?;
                        // A high surrogate takes the low half when another escape follows.
                        if (0xD800..0xDC00).contains(&cp) && self.peek() == Some(b'\\') {
                            self.i += 1;
                            if self.next()? != b'u' {
                                return Err(Stop::Syntax);
                            }
                            self.hex4()?;
                        }
                    }
                    _ => return Err(Stop::Syntax),
                },
                // A control byte.
                _ => return Err(Stop::Syntax),
            }
        }
    }

    fn hex4(&mut self) -> Result<u32, Stop> {
        let mut v = 0u32;
        for _ in 0..4 {
            let d = char::from(self.next()?).to_digit(16).ok_or(Stop::Syntax)?;
            v = v * 16 + d;
        }
        Ok(v)
    }

    fn digits(&mut self) -> usize {
        let n = self.b[self.i..]
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count();
        self.i += n;
        n
    }

    /// `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`, then the end, a space or a
    /// delimiter (a number cut by the head's end after a sign, point or exponent mark is a
    /// syntax error, as the extractor's parser has it).
    fn number(&mut self) -> Result<(), Stop> {
        if self.peek() == Some(b'-') {
            self.i += 1;
        }
        match self.peek() {
            Some(b'0') => self.i += 1,
            Some(b'1'..=b'9') => {
                self.digits();
            }
            _ => return Err(Stop::Syntax),
        }
        if self.peek() == Some(b'.') {
            self.i += 1;
            if self.digits() == 0 {
                return Err(Stop::Syntax);
            }
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.i += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.i += 1;
            }
            if self.digits() == 0 {
                return Err(Stop::Syntax);
            }
        }
        match self.peek() {
            None | Some(b' ' | b'\t' | b'\r' | b'\n' | b',' | b']' | b'}') => Ok(()),
            Some(_) => Err(Stop::Syntax),
        }
    }

    fn literal(&mut self, word: &[u8]) -> Result<(), Stop> {
        for &w in word {
            if self.next()? != w {
                return Err(Stop::Syntax);
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::json::sniff_by_parsing;
    use proptest::prelude::*;

    #[test]
    fn cut_numbers_nesting_and_escapes() {
        for (head, want) in [
            (&b"[1, -"[..], None),
            (b"[1.", None),
            (b"[1e+", None),
            (b"[1", Some(Format::Json)),
            (b"[\"\\ud800\\x\"]", None),
            (b"[\"\\ud800\\u12", Some(Format::Json)),
            (b"[\"a\x01\"]", None),
            (b"{\"a\":1,}", None),
            (b"[tru", Some(Format::Json)),
            (b"[trux]", None),
            (b"\x0c{}", None),
            (b"{}\r\n{}", Some(Format::Jsonl)),
            (b"{} x", None),
        ] {
            assert_eq!(
                sniff(head, false),
                want,
                "{:?}",
                String::from_utf8_lossy(head)
            );
            assert_eq!(sniff_by_parsing(head, false), want);
        }
        let deep = "[".repeat(600);
        assert_eq!(sniff(deep.as_bytes(), false), Some(Format::Json));
    }

    /// Heads made of JSON's own tokens, cut anywhere: every syntax error, cut value and
    /// line layout the extractor's parser meets.
    fn heads() -> impl Strategy<Value = Vec<u8>> {
        let token = prop::sample::select(vec![
            "{",
            "}",
            "[",
            "]",
            "\"",
            "\"k\"",
            ":",
            ",",
            " ",
            "\n",
            "\r",
            "\t",
            "0",
            "12",
            "-",
            ".",
            "5",
            "e",
            "E",
            "+",
            "true",
            "fals",
            "null",
            "\\",
            "\\u",
            "d83d",
            "\\ude00",
            "n",
            "x",
            "\u{1}",
            "é",
            "{\"a\":[1,{\"b\":\"c\"}]}",
            "\"\\ud83d",
            "\\ude00\"",
            "\\x",
            "\\n",
            "\"a\\ud83d\\ude00b\"",
            "\"\\ud83d\\n\"",
            "[\"x\",-1.5e+3]",
        ]);
        (
            prop::collection::vec(token, 0..40),
            any::<bool>(),
            any::<prop::sample::Index>(),
        )
            .prop_map(|(tokens, lead, cut)| {
                let mut head = if lead { b"{".to_vec() } else { b"[".to_vec() };
                for t in tokens {
                    head.extend_from_slice(t.as_bytes());
                }
                // Cut like a head of a longer file (anywhere, even inside a character).
                head.truncate(1 + cut.index(head.len()));
                head
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4000))]
        #[test]
        fn equals_the_parsers_sniff(head in heads(), jsonl_name in any::<bool>()) {
            prop_assert_eq!(sniff(&head, jsonl_name), sniff_by_parsing(&head, jsonl_name));
        }
    }
}
