//! Validators: secrets (credentials, tokens, keys) and the network identifiers e-mail address
//! and IP address.
//!
//! Every function is a pure `fn(&[u8]) -> bool` over the matched bytes; none panics on any
//! input.

use std::net::{Ipv4Addr, Ipv6Addr};

use super::Check;

// ---------------------------------------------------------------------------------------------
// Helpers.

/// Decodes base64 (standard or URL-safe alphabet, padding optional). None on any other byte or
/// an impossible length.
fn b64_decode(input: &[u8]) -> Option<Vec<u8>> {
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
fn entropy(v: &[u8]) -> f64 {
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

fn distinct(v: &[u8]) -> usize {
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
fn longest_repeat(v: &[u8]) -> usize {
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
fn longest_sequence(v: &[u8]) -> usize {
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

fn contains_ci(hay: &[u8], needle: &[u8]) -> bool {
    if needle.is_empty() || needle.len() > hay.len() {
        return needle.is_empty();
    }
    hay.windows(needle.len())
        .any(|w| w.eq_ignore_ascii_case(needle))
}

fn find_ci(hay: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() || needle.len() > hay.len() {
        return None;
    }
    hay.windows(needle.len())
        .position(|w| w.eq_ignore_ascii_case(needle))
}

/// Substrings that mark a value as a placeholder, a template or a redaction.
const PLACEHOLDER_PARTS: &[&[u8]] = &[
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

fn is_placeholder(v: &[u8]) -> bool {
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
fn looks_like_code(v: &[u8]) -> bool {
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

/// A random-looking token: not a placeholder, no long repeats or runs like `abcdef`, enough
/// entropy. Used for keyword-gated tokens without an internal checksum.
pub(crate) fn secret_token(value: &[u8]) -> bool {
    if value.len() < 16 {
        return false;
    }
    if PLACEHOLDER_PARTS.iter().any(|p| contains_ci(value, p)) {
        return false;
    }
    // Binary parts of real tokens base64-encode to runs like AAAAA; only a run covering a
    // quarter of the value marks a placeholder.
    longest_repeat(value) * 4 <= value.len() && longest_sequence(value) < 6 && entropy(value) >= 3.0
}

/// A random-looking token that mixes upper case, lower case and digits (base62 / base64
/// tokens): rejects hex digests and words near a keyword.
pub(crate) fn mixed_token(value: &[u8]) -> bool {
    value.iter().any(u8::is_ascii_uppercase)
        && value.iter().any(u8::is_ascii_lowercase)
        && value.iter().any(u8::is_ascii_digit)
        && secret_token(value)
}

/// Discord bot token: the first part is the bot's user id (a 17-20 digit snowflake) in base64.
pub(crate) fn discord_bot_token(value: &[u8]) -> bool {
    let first = value.split(|b| *b == b'.').next().unwrap_or_default();
    let Some(id) = b64_decode(first) else {
        return false;
    };
    (17..=20).contains(&id.len()) && id.iter().all(u8::is_ascii_digit) && secret_token(value)
}

// ---------------------------------------------------------------------------------------------
// age secret keys (Bech32, BIP 173).

const BECH32_CHARSET: &[u8; 32] = b"qpzry9x8gf2tvdw0s3jn54khce6mua7l";

fn bech32_polymod(values: &[u8]) -> u32 {
    const GEN: [u32; 5] = [
        0x3b6a_57b2,
        0x2650_8e6d,
        0x1ea1_19fa,
        0x3d42_33dd,
        0x2a14_62b3,
    ];
    let mut chk: u32 = 1;
    for &v in values {
        let top = chk >> 25;
        chk = ((chk & 0x01ff_ffff) << 5) ^ u32::from(v);
        for (i, g) in GEN.iter().enumerate() {
            if (top >> i) & 1 == 1 {
                chk ^= g;
            }
        }
    }
    chk
}

/// `AGE-SECRET-KEY-1...`: a Bech32 string whose checksum verifies.
pub(crate) fn age_secret_key(value: &[u8]) -> bool {
    let lower = value.to_ascii_lowercase();
    let Some(sep) = memchr::memrchr(b'1', &lower) else {
        return false;
    };
    let (hrp, data) = (&lower[..sep], &lower[sep + 1..]);
    if hrp.is_empty() || data.len() < 6 {
        return false;
    }
    let mut values: Vec<u8> = hrp.iter().map(|c| c >> 5).collect();
    values.push(0);
    values.extend(hrp.iter().map(|c| c & 31));
    for c in data {
        match BECH32_CHARSET.iter().position(|x| x == c) {
            Some(p) => values.push(p as u8),
            None => return false,
        }
    }
    bech32_polymod(&values) == 1
}

// ---------------------------------------------------------------------------------------------
// HTTP basic authentication.

/// `Authorization: Basic <base64>`: the credentials decode to printable `user:password` text.
pub(crate) fn http_basic_auth(value: &[u8]) -> bool {
    let Some(p) = find_ci(value, b"basic") else {
        return false;
    };
    let rest = &value[p + 5..];
    let start = rest
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(rest.len());
    let b64 = &rest[start..];
    if b64.len() < 8 {
        return false;
    }
    let Some(decoded) = b64_decode(b64) else {
        return false;
    };
    let Ok(text) = std::str::from_utf8(&decoded) else {
        return false;
    };
    if text.chars().any(char::is_control) {
        return false;
    }
    let Some((user, password)) = text.split_once(':') else {
        return false;
    };
    if password.is_empty() || user.len() + password.len() < 3 {
        return false;
    }
    // RFC 7617's examples and the usual documentation pairs.
    const DOCS: &[&str] = &[
        "Aladdin:open sesame",
        "test:123\u{a3}",
        "user:pass",
        "user:password",
        "username:password",
        "login:password",
        "foo:bar",
        "admin:password",
        "user:secret",
        "client_id:client_secret",
        "clientid:clientsecret",
        "id:secret",
        "key:secret",
        "api_key:api_secret",
    ];
    if DOCS.iter().any(|d| d.eq_ignore_ascii_case(text)) {
        return false;
    }
    !is_placeholder(password.as_bytes()) || password.len() > 12
}

// ---------------------------------------------------------------------------------------------
// JSON Web Token.

fn json_object(v: &[u8]) -> bool {
    let t = v.trim_ascii();
    t.len() >= 2 && t[0] == b'{' && t[t.len() - 1] == b'}'
}

/// `header.payload.signature` (RFC 7515 compact JWS): the header is a JSON object with `"alg"`
/// (and no `"enc"`: that is JWE), the payload a JSON object; an empty signature only with
/// `"alg":"none"`.
pub(crate) fn json_web_token(value: &[u8]) -> bool {
    let mut parts = value.split(|b| *b == b'.');
    let (Some(h), Some(p), Some(s), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return false;
    };
    let Some(header) = b64_decode(h) else {
        return false;
    };
    if !json_object(&header)
        || !contains_ci(&header, b"\"alg\"")
        || contains_ci(&header, b"\"enc\"")
    {
        return false;
    }
    let Some(payload) = b64_decode(p) else {
        return false;
    };
    if !json_object(&payload) {
        return false;
    }
    if s.is_empty() {
        contains_ci(&header, b"none")
    } else {
        s.len() >= 16 && b64_decode(s).is_some()
    }
}

// ---------------------------------------------------------------------------------------------
// Tokens with an internal CRC32 (GitHub classic tokens, npm tokens).

fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xffff_ffffu32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            let mask = (crc & 1).wrapping_neg();
            crc = (crc >> 1) ^ (0xedb8_8320 & mask);
        }
    }
    !crc
}

fn base62_value(s: &[u8], alphabet: &[u8; 62]) -> Option<u64> {
    let mut v: u64 = 0;
    for &b in s {
        let d = alphabet.iter().position(|&a| a == b)? as u64;
        v = v.checked_mul(62)?.checked_add(d)?;
    }
    Some(v)
}

const BASE62_UPPER_FIRST: &[u8; 62] =
    b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const BASE62_LOWER_FIRST: &[u8; 62] =
    b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";

/// `prefix` + 30 random base62 characters + the CRC32 of those 30, as 6 base62 characters.
fn crc_token(value: &[u8], prefix_len: usize) -> bool {
    if value.len() != prefix_len + 36 {
        return false;
    }
    let body = &value[prefix_len..prefix_len + 30];
    let check = &value[prefix_len + 30..];
    let crc = u64::from(crc32(body));
    [BASE62_UPPER_FIRST, BASE62_LOWER_FIRST]
        .iter()
        .any(|a| base62_value(check, a) == Some(crc))
}

/// GitHub tokens: classic `gh?_` tokens carry a CRC32; fine-grained `github_pat_` tokens must
/// look random.
pub(crate) fn github_token(value: &[u8]) -> bool {
    if value.starts_with(b"github_pat_") {
        return secret_token(value);
    }
    crc_token(value, 4)
}

/// npm access tokens (`npm_` + 30 + CRC32), the same scheme as GitHub's.
pub(crate) fn npm_token(value: &[u8]) -> bool {
    value.starts_with(b"npm_") && crc_token(value, 4)
}

// ---------------------------------------------------------------------------------------------
// Assignments and URLs carrying a password.

/// `password = "value"` and the like: the value is a literal with some entropy, not a
/// placeholder, template, variable or code.
pub(crate) fn password_assignment(value: &[u8]) -> bool {
    let Some(sep) = value.iter().position(|b| *b == b':' || *b == b'=') else {
        return false;
    };
    let mut v = &value[sep + 1..];
    while let [first, rest @ ..] = v {
        if first.is_ascii_whitespace() || matches!(first, b'=' | b'"' | b'\'') {
            v = rest;
        } else {
            break;
        }
    }
    while let [rest @ .., last] = v {
        if matches!(last, b'"' | b'\'' | b'}' | b')') {
            v = rest;
        } else {
            break;
        }
    }
    if v.len() < 6 || is_placeholder(v) || looks_like_code(v) {
        return false;
    }
    distinct(v) >= 5 && entropy(v) >= 2.3
}

/// `scheme://user:password@host`: the password is not empty, a placeholder, a template or the
/// user name again.
pub(crate) fn url_password(value: &[u8]) -> bool {
    let Some(p) = memchr::memmem::find(value, b"://") else {
        return false;
    };
    let rest = &value[p + 3..];
    let Some(at) = memchr::memrchr(b'@', rest) else {
        return false;
    };
    let userinfo = &rest[..at];
    let Some(colon) = memchr::memchr(b':', userinfo) else {
        return false;
    };
    let (user, password) = (&userinfo[..colon], &userinfo[colon + 1..]);
    if password.len() < 3 || password.eq_ignore_ascii_case(user) {
        return false;
    }
    !is_placeholder(password)
}

// ---------------------------------------------------------------------------------------------
// E-mail and IP addresses.

/// An e-mail address: a sane local part and a domain outside the reserved example and test
/// names, whose last label is not a file extension (`logo@2x.png`).
pub(crate) fn email_address(value: &[u8]) -> bool {
    let Some(at) = memchr::memrchr(b'@', value) else {
        return false;
    };
    let (local, domain) = (&value[..at], &value[at + 1..]);
    if local.is_empty()
        || local[0] == b'.'
        || local[local.len() - 1] == b'.'
        || memchr::memmem::find(local, b"..").is_some()
    {
        return false;
    }
    // Labels: at least two, none empty; the last two decide.
    let mut labels = 0;
    let (mut registered, mut tld): (&[u8], &[u8]) = (b"", b"");
    for l in domain.split(|b| *b == b'.') {
        if l.is_empty() {
            return false;
        }
        labels += 1;
        registered = tld;
        tld = l;
    }
    if labels < 2 {
        return false;
    }
    const NOT_TLDS: &[&[u8]] = &[
        b"png",
        b"jpg",
        b"jpeg",
        b"gif",
        b"svg",
        b"webp",
        b"bmp",
        b"ico",
        b"tif",
        b"tiff",
        b"css",
        b"scss",
        b"js",
        b"mjs",
        b"jsx",
        b"tsx",
        b"json",
        b"txt",
        b"html",
        b"htm",
        b"map",
        b"lock",
        b"yaml",
        b"yml",
        b"xml",
        b"pdf",
        b"woff",
        b"woff2",
        b"ttf",
        b"eot",
        b"example",
        b"test",
        b"invalid",
        b"localhost",
        b"local",
        b"internal",
        b"lan",
    ];
    if NOT_TLDS.iter().any(|t| t.eq_ignore_ascii_case(tld)) {
        return false;
    }
    !(registered.eq_ignore_ascii_case(b"example")
        && [&b"com"[..], b"org", b"net"]
            .iter()
            .any(|t| t.eq_ignore_ascii_case(tld)))
}

fn ipv4_public(ip: Ipv4Addr) -> bool {
    let o = ip.octets();
    let private =
        o[0] == 10 || (o[0] == 172 && (16..=31).contains(&o[1])) || (o[0] == 192 && o[1] == 168);
    let shared = o[0] == 100 && (64..=127).contains(&o[1]);
    let documentation = (o[0] == 192 && o[1] == 0 && o[2] == 2)
        || (o[0] == 198 && o[1] == 51 && o[2] == 100)
        || (o[0] == 203 && o[1] == 0 && o[2] == 113);
    let special = o[0] == 0
        || o[0] == 127
        || (o[0] == 169 && o[1] == 254)
        || (o[0] == 192 && o[1] == 0 && o[2] == 0)
        || (o[0] == 198 && (o[1] == 18 || o[1] == 19))
        || o[0] >= 224;
    !(private || shared || documentation || special)
}

fn ipv6_public(ip: Ipv6Addr) -> bool {
    let s = ip.segments();
    // Global unicast is 2000::/3; everything else (loopback, unspecified, link-local fe80::/10,
    // unique-local fc00::/7, multicast ff00::/8, mapped IPv4) is not a public address.
    let global = (0x2000..=0x3fff).contains(&s[0]);
    let documentation = (s[0] == 0x2001 && s[1] == 0x0db8) || (s[0] & 0xfff0) == 0x3ff0;
    global && !documentation
}

/// A public IPv4 or IPv6 address: dotted quad without leading zeros and exactly four parts, or
/// an IPv6 address in global unicast space; private, loopback, link-local, shared, multicast,
/// documentation and unspecified addresses fail.
pub(crate) fn ip_address(value: &[u8]) -> bool {
    if value.get(4) == Some(&b':') && !value[..4].contains(&b':') {
        // Global unicast (2000::/3) starts with a four-digit group 2xxx or 3xxx: rejecting
        // anything else before parsing (times like 12:30:05) gives the same answer, faster.
        if !matches!(value[0], b'2' | b'3') {
            return false;
        }
        return std::str::from_utf8(value)
            .ok()
            .and_then(|text| text.parse::<Ipv6Addr>().ok())
            .is_some_and(ipv6_public);
    }
    // A dotted quad, parsed by hand in one pass: logs hold one on most lines, and this runs
    // for each. Groups of one to three digits, no leading zero, at most 255.
    let mut octets = [0u8; 4];
    let mut parts = 0;
    let (mut n, mut digits, mut first_zero) = (0u32, 0u32, false);
    for &b in value {
        match b {
            b'0'..=b'9' => {
                if digits == 0 {
                    first_zero = b == b'0';
                } else if first_zero || digits == 3 {
                    return false;
                }
                n = n * 10 + u32::from(b - b'0');
                digits += 1;
            }
            b'.' if digits > 0 && n <= 255 && parts < 3 => {
                octets[parts] = n as u8;
                parts += 1;
                (n, digits) = (0, 0);
            }
            _ => return false,
        }
    }
    if digits == 0 || n > 255 || parts != 3 {
        return false;
    }
    octets[3] = n as u8;
    ipv4_public(Ipv4Addr::from(octets))
}

/// The validators this file provides, by catalogue name.
pub(crate) const VALIDATORS: &[(&str, Check)] = &[
    ("secret_token", secret_token),
    ("http_basic_auth", http_basic_auth),
    ("json_web_token", json_web_token),
    ("github_token", github_token),
    ("npm_token", npm_token),
    ("password_assignment", password_assignment),
    ("url_password", url_password),
    ("email_address", email_address),
    ("ip_address", ip_address),
    ("mixed_token", mixed_token),
    ("discord_bot_token", discord_bot_token),
    ("age_secret_key", age_secret_key),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64() {
        assert_eq!(b64_decode(b"dXNlcjpwYXNz").unwrap(), b"user:pass");
        assert_eq!(b64_decode(b"YQ==").unwrap(), b"a");
        assert_eq!(b64_decode(b"YQ").unwrap(), b"a");
        assert!(b64_decode(b"Y").is_none());
        assert!(b64_decode(b"Y===").is_none());
        assert!(b64_decode(b"a b").is_none());
        assert_eq!(b64_decode(b"").unwrap(), b"");
    }

    #[test]
    fn crc32_known() {
        assert_eq!(crc32(b"123456789"), 0xcbf4_3926);
        assert_eq!(crc32(b""), 0);
    }

    #[test]
    fn basic_auth() {
        // "deploy:Vq8#nT2w!pLz" and "svc-backup:9fJ2kLmQx7"
        assert!(http_basic_auth(
            b"Authorization: Basic ZGVwbG95OlZxOCNuVDJ3IXBMeg=="
        ));
        assert!(http_basic_auth(
            b"Proxy-Authorization: Basic c3ZjLWJhY2t1cDo5Zkoya0xtUXg3"
        ));
        // RFC 7617's example.
        assert!(!http_basic_auth(
            b"Authorization: Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ=="
        ));
        // No colon ("deployVq8nT2w").
        assert!(!http_basic_auth(
            b"Authorization: Basic ZGVwbG95VnE4blQydw=="
        ));
        // Binary.
        assert!(!http_basic_auth(b"Authorization: Basic AAECAwQFBgcICQ=="));
        assert!(!http_basic_auth(b"Authorization: Basic"));
        assert!(!http_basic_auth(b""));
    }

    #[test]
    fn jwt() {
        let good = b"eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiI4MzkyMDEiLCJpYXQiOjE3MTYyMzkwMjJ9.7bq3Q0m1pW9XkR2sT4uV6wY8zA0cE2gI4kM6oQ8sU0w";
        assert!(json_web_token(good));
        // Unsigned.
        assert!(json_web_token(
            b"eyJhbGciOiJub25lIn0.eyJzdWIiOiI4MzkyMDEifQ."
        ));
        // Empty signature with a real algorithm.
        assert!(!json_web_token(
            b"eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiI4MzkyMDEifQ."
        ));
        // Header without alg ({"typ":"JWT"}).
        assert!(!json_web_token(
            b"eyJ0eXAiOiJKV1QifQ.eyJzdWIiOiI4MzkyMDEifQ.7bq3Q0m1pW9XkR2sT4uV6wY8zA0cE2gI4kM6oQ8sU0w"
        ));
        assert!(!json_web_token(b"eyJ.x"));
        assert!(!json_web_token(b""));
    }

    #[test]
    fn crc_tokens() {
        assert!(github_token(b"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"));
        assert!(!github_token(b"ghp_Dr2Qm7WkV9xLp4nT8bZc1sHyF6aJ0e2M2JjY"));
        assert!(!github_token(b"ghp_short"));
        assert!(npm_token(b"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"));
        assert!(!npm_token(b"npm_Kq3Zt8VmW1xPc6nLr9bYd2sHf5aJ0g1kFyfZ"));
    }

    #[test]
    fn passwords() {
        assert!(password_assignment(b"password = \"Xk9#mP2vL!qR\""));
        assert!(password_assignment(b"DB_PASSWORD=hunter22"));
        assert!(!password_assignment(b"password: changeme"));
        assert!(!password_assignment(b"password=${DB_PASSWORD}"));
        assert!(!password_assignment(b"password: ********"));
        assert!(!password_assignment(b"password = settings.DB_PASSWORD"));
        assert!(!password_assignment(b"password=os.getenv('X')"));
        assert!(!password_assignment(b"password=aaaaaaa1"));
        assert!(!password_assignment(b"password="));
        assert!(url_password(b"postgres://app:Tq7vLx92Kd@db.internal"));
        assert!(!url_password(b"postgres://postgres:postgres@localhost"));
        assert!(!url_password(b"mysql://user:${DB_PASS}@db"));
        assert!(!url_password(b"redis://host"));
    }

    #[test]
    fn token_shape() {
        assert!(secret_token(b"3f9a1c7e5b2d8f4a6c0e9b1d7f3a5c8e"));
        assert!(!secret_token(b"0123456789abcdef0123456789abcdef"));
        assert!(!secret_token(b"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"));
        assert!(!secret_token(b"short"));
    }

    /// The validators as first written (allocating, no shortcuts): the faster ones must agree.
    fn email_reference(value: &[u8]) -> bool {
        let Some(at) = memchr::memrchr(b'@', value) else {
            return false;
        };
        let (local, domain) = (&value[..at], &value[at + 1..]);
        if local.is_empty()
            || local[0] == b'.'
            || local[local.len() - 1] == b'.'
            || memchr::memmem::find(local, b"..").is_some()
        {
            return false;
        }
        let domain = domain.to_ascii_lowercase();
        let labels: Vec<&[u8]> = domain.split(|b| *b == b'.').collect();
        if labels.len() < 2 || labels.iter().any(|l| l.is_empty()) {
            return false;
        }
        let tld = labels[labels.len() - 1];
        let not_tlds: &[&[u8]] = &[
            b"png",
            b"jpg",
            b"jpeg",
            b"gif",
            b"svg",
            b"webp",
            b"bmp",
            b"ico",
            b"tif",
            b"tiff",
            b"css",
            b"scss",
            b"js",
            b"mjs",
            b"jsx",
            b"tsx",
            b"json",
            b"txt",
            b"html",
            b"htm",
            b"map",
            b"lock",
            b"yaml",
            b"yml",
            b"xml",
            b"pdf",
            b"woff",
            b"woff2",
            b"ttf",
            b"eot",
            b"example",
            b"test",
            b"invalid",
            b"localhost",
            b"local",
            b"internal",
            b"lan",
        ];
        if not_tlds.contains(&tld) {
            return false;
        }
        let registered = &labels[labels.len() - 2..];
        !(registered[0] == b"example" && matches!(registered[1], b"com" | b"org" | b"net"))
    }

    fn ip_reference(value: &[u8]) -> bool {
        let Ok(text) = std::str::from_utf8(value) else {
            return false;
        };
        if text.contains(':') {
            return text.parse::<Ipv6Addr>().is_ok_and(ipv6_public);
        }
        let parts: Vec<&str> = text.split('.').collect();
        if parts.len() != 4 || parts.iter().any(|p| p.len() > 1 && p.starts_with('0')) {
            return false;
        }
        text.parse::<Ipv4Addr>().is_ok_and(ipv4_public)
    }

    #[test]
    fn fast_validators_equal_reference() {
        let mut seed = 11u64;
        let mut next = move |n: usize| {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (seed >> 33) as usize % n
        };
        let mut agree =
            |alphabet: &[u8], samples: &[&str], f: fn(&[u8]) -> bool, r: fn(&[u8]) -> bool| {
                let mut positives = 0;
                for i in 0..200_000 {
                    let v: Vec<u8> = if i < samples.len() {
                        samples[i].as_bytes().to_vec()
                    } else if i % 2 == 0 {
                        // A sample with a few bytes changed.
                        let mut v = samples[next(samples.len())].as_bytes().to_vec();
                        for _ in 0..1 + next(3) {
                            let at = next(v.len().max(1));
                            if at < v.len() {
                                v[at] = alphabet[next(alphabet.len())];
                            }
                        }
                        v
                    } else {
                        (0..1 + next(30))
                            .map(|_| alphabet[next(alphabet.len())])
                            .collect()
                    };
                    assert_eq!(f(&v), r(&v), "{:?}", String::from_utf8_lossy(&v));
                    positives += usize::from(r(&v));
                }
                assert!(positives > 100, "{positives}");
            };
        agree(
            b"0123456789abcdefABCDEF:.",
            &[
                "8.8.4.4",
                "81.2.69.160",
                "2a00:1450:4001:80b::200e",
                "2001:4860::8888",
                "3fff::1",
                "12:30:45",
                "1.2.3.4.5",
                "2a00:1450:4001:80b:0:0:0:200e",
            ],
            ip_address,
            ip_reference,
        );
        agree(
            b"abcEXAMPLcomnetorgpjs0-_.@",
            &[
                "jane.doe@acme-corp.io",
                "jane@example.com",
                "a@EXAMPLE.ORG",
                "x@b.example.net",
                "logo@2x.PNG",
                "a@b.c",
                "a@b..c",
                "a@.b",
                "a@b.",
                "a.@b.c",
                "a@b",
            ],
            email_address,
            email_reference,
        );
    }

    #[test]
    fn emails() {
        assert!(email_address(b"jane.doe@acme-corp.io"));
        assert!(!email_address(b"jane@example.com"));
        assert!(!email_address(b"logo@2x.png"));
        assert!(!email_address(b".jane@acme.io"));
        assert!(!email_address(b"jane..doe@acme.io"));
        assert!(!email_address(b"jane@host"));
    }

    #[test]
    fn ips() {
        assert!(ip_address(b"8.8.4.4"));
        assert!(ip_address(b"81.2.69.160"));
        assert!(ip_address(b"2a00:1450:4001:80b::200e"));
        for bad in [
            "10.1.2.3",
            "172.20.0.1",
            "192.168.1.1",
            "127.0.0.1",
            "169.254.10.1",
            "0.0.0.0",
            "192.0.2.44",
            "198.51.100.7",
            "203.0.113.9",
            "255.255.255.255",
            "256.1.1.1",
            "01.2.3.4",
            "1.2.3.4.5",
            "::1",
            "::",
            "fe80::1",
            "fd12:3456::1",
            "2001:db8::1",
            "d::",
            "12:30:45",
            "",
        ] {
            assert!(!ip_address(bad.as_bytes()), "{bad}");
        }
    }

    /// The one-pass dotted-quad parser says what the standard library's parser does (which
    /// also refuses leading zeros), on random strings of digits, dots and colons.
    #[test]
    fn dotted_quad_parser_equals_std() {
        let reference = |v: &[u8]| -> bool {
            if v.get(4) == Some(&b':') && !v[..4].contains(&b':') {
                return matches!(v[0], b'2' | b'3')
                    && std::str::from_utf8(v)
                        .ok()
                        .and_then(|t| t.parse::<Ipv6Addr>().ok())
                        .is_some_and(ipv6_public);
            }
            std::str::from_utf8(v)
                .ok()
                .and_then(|t| t.parse::<Ipv4Addr>().ok())
                .is_some_and(ipv4_public)
        };
        let mut seed = 11u64;
        let mut next = || {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (seed >> 33) as usize
        };
        let alphabet = b"0123456789..2581:a";
        let mut valid = 0;
        for _ in 0..200_000 {
            let v: Vec<u8> = if next() % 2 == 0 {
                let len = 1 + next() % 17;
                (0..len)
                    .map(|_| alphabet[next() % alphabet.len()])
                    .collect()
            } else {
                // Dot-separated groups of zero to four digits.
                let groups: Vec<String> = (0..1 + next() % 6)
                    .map(|_| {
                        let digits = next() % 5;
                        (0..digits)
                            .map(|_| char::from(b'0' + (next() % 10) as u8))
                            .collect()
                    })
                    .collect();
                groups.join(".").into_bytes()
            };
            assert_eq!(
                ip_address(&v),
                reference(&v),
                "{}",
                String::from_utf8_lossy(&v)
            );
            valid += usize::from(ip_address(&v));
        }
        assert!(
            valid > 100,
            "{valid} valid addresses: the test exercises too few"
        );
    }
}
