//! Tokens: random-looking shapes, age secret keys, tokens with an internal CRC32.

use super::common::{
    b64_decode, contains_ci, entropy, longest_repeat, longest_sequence, PLACEHOLDER_PARTS,
};

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

/// The Azurite storage emulator's published account key (a development default, no secret).
const AZURITE_KEY: &[u8] =
    b"Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

/// Azure storage account key in a connection string: `AccountKey=`, 86 base64 characters and
/// `==`, on one line or broken across lines (a line break, indentation, a `\` continuation
/// between parts); random-looking ([`secret_token`]), not the Azurite emulator's key.
pub(crate) fn azure_account_key(value: &[u8]) -> bool {
    let Some(eq) = memchr::memchr(b'=', value) else {
        return false;
    };
    let key: Vec<u8> = value[eq + 1..]
        .iter()
        .copied()
        .filter(|b| !matches!(b, b'\\' | b'\r' | b'\n' | b' ' | b'\t'))
        .collect();
    key.len() == 88 && key != AZURITE_KEY && secret_token(&key)
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
// Tokens with an internal CRC32 (GitHub classic tokens, npm tokens).

pub(super) fn crc32(data: &[u8]) -> u32 {
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
