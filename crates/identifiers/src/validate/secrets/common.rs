//! What the secret validators share: base64, entropy and shape measures, placeholders.

/// Decodes base64 (standard or URL-safe alphabet, padding optional). None on any other byte or
/// an impossible length.
pub(super) fn b64_decode(input: &[u8]) -> Option<Vec<u8>> {
    let mut end = input.len();
    while end > 0 && input[end - 1] == b'=' {
        end -= 1;
    }
    if input.len() - end > 2 {
        return None;
    }
    let data = &input[..end];
    if data.len() % 4 == 1 {
        return None;
    }
    let mut out = Vec::with_capacity(data.len() * 3 / 4);
    let mut acc: u32 = 0;
    let mut bits = 0u32;
    for &b in data {
        let v = match b {
            b'A'..=b'Z' => b - b'A',
            b'a'..=b'z' => b - b'a' + 26,
            b'0'..=b'9' => b - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push(((acc >> bits) & 0xff) as u8);
        }
    }
    Some(out)
}

/// Shannon entropy in bits per byte.
pub(super) fn entropy(v: &[u8]) -> f64 {
    if v.is_empty() {
        return 0.0;
    }
    let mut counts = [0u32; 256];
    for &b in v {
        counts[usize::from(b)] += 1;
    }
    let n = v.len() as f64;
    counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = f64::from(c) / n;
            -p * p.log2()
        })
        .sum()
}

pub(super) fn distinct(v: &[u8]) -> usize {
    let mut seen = [false; 256];
    let mut n = 0;
    for &b in v {
        if !seen[usize::from(b)] {
            seen[usize::from(b)] = true;
            n += 1;
        }
    }
    n
}

/// The longest run of one repeated byte.
pub(super) fn longest_repeat(v: &[u8]) -> usize {
    let mut best = 0;
    let mut run = 0;
    let mut prev = None;
    for &b in v {
        if Some(b) == prev {
            run += 1;
        } else {
            run = 1;
            prev = Some(b);
        }
        best = best.max(run);
    }
    best
}

/// The longest run of consecutive ascending alphanumerics (`abcdef`, `123456`).
pub(super) fn longest_sequence(v: &[u8]) -> usize {
    let mut best = 0;
    let mut run = 0;
    let mut prev: Option<u8> = None;
    for &b in v {
        if b.is_ascii_alphanumeric() && prev.is_some_and(|p| p.wrapping_add(1) == b) {
            run += 1;
        } else {
            run = 1;
        }
        prev = Some(b);
        best = best.max(run);
    }
    best
}

pub(super) fn contains_ci(hay: &[u8], needle: &[u8]) -> bool {
    if needle.is_empty() || needle.len() > hay.len() {
        return needle.is_empty();
    }
    hay.windows(needle.len())
        .any(|w| w.eq_ignore_ascii_case(needle))
}

pub(super) fn find_ci(hay: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() || needle.len() > hay.len() {
        return None;
    }
    hay.windows(needle.len())
        .position(|w| w.eq_ignore_ascii_case(needle))
}

/// Substrings that mark a value as a placeholder, a template or a redaction.
pub(super) const PLACEHOLDER_PARTS: &[&[u8]] = &[
    b"changeme",
    b"change_me",
    b"change-me",
    b"changeit",
    b"example",
    b"placeholder",
    b"redacted",
    b"your_",
    b"your-",
    b"yourpass",
    b"yoursecret",
    b"xxxx",
    b"****",
    b"...",
    b"<",
    b">",
    b"${",
    b"{{",
    b"}}",
    b"%(",
    b"dummy",
    b"replace_me",
    b"replaceme",
    b"fixme",
    b"todo",
    b"!vault",
    b"notreal",
    b"not_real",
    b"fake",
];

/// Whole values that are placeholders or code, not secrets.
const PLACEHOLDER_WORDS: &[&[u8]] = &[
    b"password",
    b"passwd",
    b"pass",
    b"secret",
    b"pwd",
    b"admin",
    b"root",
    b"test",
    b"testing",
    b"null",
    b"none",
    b"nil",
    b"true",
    b"false",
    b"undefined",
    b"empty",
    b"string",
    b"required",
    b"optional",
    b"masked",
    b"hidden",
    b"default",
    b"password123",
    b"123456",
    b"12345678",
    b"qwerty",
    b"letmein",
    b"secret123",
    b"mypassword",
    b"mysecret",
    b"postgres",
    b"mysql",
    b"guest",
];

pub(super) fn is_placeholder(v: &[u8]) -> bool {
    if v.is_empty() {
        return true;
    }
    if matches!(v[0], b'$' | b'%' | b'@' | b'&') {
        return true;
    }
    if PLACEHOLDER_WORDS.iter().any(|w| v.eq_ignore_ascii_case(w)) {
        return true;
    }
    if PLACEHOLDER_PARTS.iter().any(|p| contains_ci(v, p)) {
        return true;
    }
    longest_repeat(v) >= 5 || distinct(v) <= 2
}

/// Looks like code rather than a literal: `self.password`, `os.getenv(...)`, `DB_PASSWORD`,
/// `user_password`.
pub(super) fn looks_like_code(v: &[u8]) -> bool {
    if v.iter().any(|b| matches!(b, b'(' | b')' | b'[' | b']')) {
        return true;
    }
    let ident = |s: &[u8]| {
        !s.is_empty()
            && (s[0].is_ascii_alphabetic() || s[0] == b'_')
            && s.iter().all(|b| b.is_ascii_alphanumeric() || *b == b'_')
    };
    // Dotted names: settings.DB_PASSWORD, self.password, config.db.pass.
    let parts: Vec<&[u8]> = v.split(|b| *b == b'.').collect();
    if parts.len() >= 2 && parts.iter().all(|p| ident(p)) && parts.iter().all(|p| p.len() >= 2) {
        return true;
    }
    // Identifiers with an underscore and no digits: DB_PASSWORD, user_password.
    ident(v) && v.contains(&b'_') && !v.iter().any(u8::is_ascii_digit)
}
