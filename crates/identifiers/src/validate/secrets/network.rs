//! The network identifiers: e-mail and IP addresses.

use std::net::{Ipv4Addr, Ipv6Addr};

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
        || local.windows(2).any(|w| w == b"..")
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
    // The top-level label lowercased on the stack, then one `match` (this runs for every
    // address a scan sees: no searcher to build, no list to walk). No label below is longer
    // than `localhost`.
    let mut lower = [0u8; 9];
    let Some(tld) = lower.get_mut(..tld.len()).map(|buf| {
        buf.copy_from_slice(tld);
        buf.make_ascii_lowercase();
        &*buf
    }) else {
        return true;
    };
    let not_tld = matches!(
        tld,
        b"png"
            | b"jpg"
            | b"jpeg"
            | b"gif"
            | b"svg"
            | b"webp"
            | b"bmp"
            | b"ico"
            | b"tif"
            | b"tiff"
            | b"css"
            | b"scss"
            | b"js"
            | b"mjs"
            | b"jsx"
            | b"tsx"
            | b"json"
            | b"txt"
            | b"html"
            | b"htm"
            | b"map"
            | b"lock"
            | b"yaml"
            | b"yml"
            | b"xml"
            | b"pdf"
            | b"woff"
            | b"woff2"
            | b"ttf"
            | b"eot"
            | b"example"
            | b"test"
            | b"invalid"
            | b"localhost"
            | b"local"
            | b"internal"
            | b"lan"
    );
    !(not_tld
        || (matches!(tld, b"com" | b"org" | b"net") && registered.eq_ignore_ascii_case(b"example")))
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

#[cfg(test)]
mod tests {
    use super::*;

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
                "a@b.LocalHost",
                "x@y.woff2",
                "q@r.Internal",
                "z@w.localhosts",
                "j@k.EXAMPLE.Com",
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
