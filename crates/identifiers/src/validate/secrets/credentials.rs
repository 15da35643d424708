//! Credentials in text: HTTP basic authentication, JSON Web Tokens, password assignments and
//! URLs carrying a password.

use super::common::{
    b64_decode, contains_ci, distinct, entropy, find_ci, is_placeholder, looks_like_code,
};
use crate::validate::Failure;

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
// Assignments and URLs carrying a password.

/// `password = "value"` and the like: the value is a literal with some entropy, not a
/// placeholder, template, variable or code ([`Failure::Structure`]), nor a reference to
/// something else ([`Failure::NoSecret`]: an ARN, a URL or path, a CSS pseudo-class).
pub(crate) fn password_assignment(value: &[u8]) -> Result<(), Failure> {
    let Some(sep) = value.iter().position(|b| *b == b':' || *b == b'=') else {
        return Err(Failure::Structure);
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
        return Err(Failure::Structure);
    }
    // A CSS selector's pseudo-class follows the `:` at once (`#password:focus`); an
    // assignment's value usually after a space (`password: hover`, a word, not a reference).
    let selector = value[sep] == b':'
        && value
            .get(sep + 1)
            .is_some_and(|b| !b.is_ascii_whitespace() && !matches!(b, b'"' | b'\''));
    if is_reference(v) || (selector && is_css_pseudo(v)) {
        return Err(Failure::NoSecret);
    }
    if distinct(v) >= 5 && entropy(v) >= 2.3 {
        Ok(())
    } else {
        Err(Failure::Structure)
    }
}

/// CSS pseudo-classes and pseudo-elements that follow a `password` class or id in a selector
/// (`#password:focus-visible`, `.password::placeholder`).
const CSS_PSEUDO: &[&[u8]] = &[
    b"active",
    b"autofill",
    b"blank",
    b"checked",
    b"default",
    b"disabled",
    b"empty",
    b"enabled",
    b"first-child",
    b"first-of-type",
    b"focus",
    b"focus-visible",
    b"focus-within",
    b"hover",
    b"in-range",
    b"indeterminate",
    b"invalid",
    b"last-child",
    b"last-of-type",
    b"not",
    b"nth-child",
    b"nth-of-type",
    b"only-child",
    b"optional",
    b"out-of-range",
    b"placeholder",
    b"placeholder-shown",
    b"read-only",
    b"read-write",
    b"required",
    b"user-invalid",
    b"user-valid",
    b"valid",
    b"visited",
    b"after",
    b"before",
    b"selection",
    b"-webkit-",
    b"-moz-",
    b"-ms-",
];

/// An assigned value that names something rather than being a secret: an AWS ARN
/// (`arn:aws:iam::...`), a URL (`https://...`: its user info is `URL_WITH_CREDENTIALS`'s), a
/// path (`/run/secrets/db`, `./pw.txt`, `~/.pgpass`).
fn is_reference(v: &[u8]) -> bool {
    let lower = v.to_ascii_lowercase();
    lower.starts_with(b"arn:aws") || is_url(&lower) || is_path(v)
}

/// `scheme://...`: a letter, then letters, digits, `+`, `.` or `-` up to `://`.
fn is_url(v: &[u8]) -> bool {
    memchr::memmem::find(v, b"://").is_some_and(|p| {
        v.first().is_some_and(u8::is_ascii_alphabetic)
            && v[..p]
                .iter()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'.' | b'-'))
    })
}

/// A file path: it starts at the root, `./`, `../` or `~/`, holds a `/` past its first byte,
/// and only path characters; no segment mixes upper case, lower case and digits as a random
/// token does (a base64 password may start with `/` too).
fn is_path(v: &[u8]) -> bool {
    let starts = [&b"/"[..], b"./", b"../", b"~/"]
        .iter()
        .any(|p| v.starts_with(p));
    let random = |seg: &[u8]| {
        seg.iter().any(u8::is_ascii_uppercase)
            && seg.iter().any(u8::is_ascii_lowercase)
            && seg.iter().any(u8::is_ascii_digit)
    };
    starts
        && v[1..].contains(&b'/')
        && v.iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'/' | b'.' | b'_' | b'-' | b'~'))
        && !v.split(|b| *b == b'/').any(random)
}

/// A CSS pseudo-class or pseudo-element (`focus-visible`, `:placeholder`, `hover:not(...)`),
/// what follows a `password` class or id in a selector.
fn is_css_pseudo(v: &[u8]) -> bool {
    let lower = v.to_ascii_lowercase();
    let pseudo = lower.strip_prefix(b":").unwrap_or(&lower);
    CSS_PSEUDO.iter().any(|p| {
        pseudo.starts_with(p)
            && (p.ends_with(b"-")
                || matches!(
                    pseudo.get(p.len()),
                    None | Some(b':' | b'(' | b'.' | b'#' | b'[')
                ))
    })
}

/// Any `scheme://userinfo@host` (the `URL_WITH_CREDENTIALS` entry): a literal password
/// ([`url_password`]) passes; a user name or token alone, or a placeholder password, is the
/// right shape without a secret ([`Failure::NoSecret`]: its span still keeps e-mail addresses
/// out); no `://` or `@` is not the shape.
pub(crate) fn url_credentials(value: &[u8]) -> Result<(), Failure> {
    let Some(p) = memchr::memmem::find(value, b"://") else {
        return Err(Failure::Structure);
    };
    if memchr::memrchr(b'@', &value[p + 3..]).is_none() {
        return Err(Failure::Structure);
    }
    if url_password(value) {
        Ok(())
    } else {
        Err(Failure::NoSecret)
    }
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
