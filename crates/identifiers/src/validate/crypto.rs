//! Validators: cryptocurrency addresses with their checksums (issue 18): Bitcoin base58check
//! (double SHA-256) and bech32 / bech32m (BIP-173, BIP-350), Ethereum EIP-55 (Keccak-256).

use sha2::{Digest, Sha256};
use sha3::Keccak256;

use super::Check;

/// The validators this module provides, by catalogue name.
pub(crate) const VALIDATORS: &[(&str, Check)] = &[
    ("bitcoin_base58", bitcoin_base58),
    ("bitcoin_bech32", bitcoin_bech32),
    ("ethereum_address", ethereum_address),
];

const BASE58: &[u8; 58] = b"123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

/// Decodes base58 `value` into exactly 25 bytes (None if it does not fit, or if its leading
/// `1`s do not match the leading zero bytes).
fn base58_25(value: &[u8]) -> Option<[u8; 25]> {
    let mut out = [0u8; 25];
    for &c in value {
        let mut carry = BASE58.iter().position(|&b| b == c)? as u32;
        for byte in out.iter_mut().rev() {
            carry += u32::from(*byte) * 58;
            *byte = (carry & 0xff) as u8;
            carry >>= 8;
        }
        if carry != 0 {
            return None;
        }
    }
    let ones = value.iter().take_while(|&&b| b == b'1').count();
    let zeros = out.iter().take_while(|&&b| b == 0).count();
    (ones == zeros).then_some(out)
}

/// Bitcoin legacy address (P2PKH `1...`, P2SH `3...`): base58 of version, 20-byte hash and the
/// first four bytes of SHA-256(SHA-256(version and hash)).
pub(crate) fn bitcoin_base58(value: &[u8]) -> bool {
    if !(26..=35).contains(&value.len()) {
        return false;
    }
    let Some(raw) = base58_25(value) else {
        return false;
    };
    let check = Sha256::digest(Sha256::digest(&raw[..21]));
    matches!(raw[0], 0x00 | 0x05) && check[..4] == raw[21..]
}

const BECH32: &[u8; 32] = b"qpzry9x8gf2tvdw0s3jn54khce6mua7l";
const BECH32_CONST: u32 = 1;
const BECH32M_CONST: u32 = 0x2bc8_30a3;

/// The BIP-173 checksum polynomial over 5-bit values.
fn polymod(values: impl Iterator<Item = u8>) -> u32 {
    const GEN: [u32; 5] = [
        0x3b6a_57b2,
        0x2650_8e6d,
        0x1ea1_19fa,
        0x3d42_33dd,
        0x2a14_62b3,
    ];
    let mut chk = 1u32;
    for v in values {
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

/// Bitcoin segwit address (`bc1...`): bech32 for witness version 0 (a 20- or 32-byte
/// program), bech32m for versions 1-16 (2-40 bytes); one case throughout.
pub(crate) fn bitcoin_bech32(value: &[u8]) -> bool {
    let lower = value.to_ascii_lowercase();
    let upper = value.to_ascii_uppercase();
    if (value != lower && value != upper) || !(14..=90).contains(&value.len()) {
        return false;
    }
    let Some(data) = lower.strip_prefix(b"bc1") else {
        return false;
    };
    let Some(values) = data
        .iter()
        .map(|c| BECH32.iter().position(|b| b == c).map(|p| p as u8))
        .collect::<Option<Vec<u8>>>()
    else {
        return false;
    };
    if values.len() < 7 {
        return false;
    }
    let hrp = [3u8, 3, 0, 2, 3]; // "bc" expanded: high bits, 0, low bits.
    let constant = polymod(hrp.iter().chain(&values).copied());
    let version = values[0];
    let expected = if version == 0 {
        BECH32_CONST
    } else {
        BECH32M_CONST
    };
    let Some(program) = regroup(&values[1..values.len() - 6]) else {
        return false;
    };
    let length_ok = match version {
        0 => program.len() == 20 || program.len() == 32,
        1..=16 => (2..=40).contains(&program.len()),
        _ => false,
    };
    constant == expected && length_ok
}

/// 5-bit groups to bytes; None when the padding is over four bits or not zero.
fn regroup(values: &[u8]) -> Option<Vec<u8>> {
    let (mut acc, mut bits) = (0u32, 0u32);
    let mut out = Vec::with_capacity(values.len() * 5 / 8);
    for &v in values {
        acc = (acc << 5) | u32::from(v);
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    (bits <= 4 && acc == 0).then_some(out)
}

/// Ethereum address: `0x` and 40 hex digits; all lower or all upper case (no checksum), or
/// mixed case matching EIP-55 (a letter is upper case where the Keccak-256 of the lower-case
/// hex has a nibble of 8 or more). Not all zero.
pub(crate) fn ethereum_address(value: &[u8]) -> bool {
    let Some(hex) = value.strip_prefix(b"0x") else {
        return false;
    };
    if hex.len() != 40 || !hex.iter().all(u8::is_ascii_hexdigit) || hex.iter().all(|&b| b == b'0') {
        return false;
    }
    let lower = hex.to_ascii_lowercase();
    if hex == lower.as_slice() || hex == hex.to_ascii_uppercase().as_slice() {
        return true;
    }
    let hash = Keccak256::digest(&lower);
    hex.iter().enumerate().all(|(i, &c)| {
        let nibble = (hash[i / 2] >> if i % 2 == 0 { 4 } else { 0 }) & 0xf;
        !c.is_ascii_alphabetic() || c.is_ascii_uppercase() == (nibble >= 8)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bitcoin_legacy() {
        // The genesis block's address and BIP-16's P2SH example.
        assert!(bitcoin_base58(b"1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa"));
        assert!(bitcoin_base58(b"3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy"));
        assert!(!bitcoin_base58(b"1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNb"));
        assert!(!bitcoin_base58(b"11A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa"));
        assert!(!bitcoin_base58(b"3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLz"));
        assert!(!bitcoin_base58(b"1A1zP1eP5QGefi2DMPTfTL5SLmv7Divf0a"));
    }

    #[test]
    fn bitcoin_segwit() {
        // BIP-173 and BIP-350 test vectors.
        assert!(bitcoin_bech32(
            b"BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4"
        ));
        assert!(bitcoin_bech32(
            b"bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4"
        ));
        assert!(bitcoin_bech32(
            b"bc1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3qccfmv3"
        ));
        assert!(bitcoin_bech32(
            b"bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0"
        ));
        assert!(!bitcoin_bech32(
            b"bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t5"
        ));
        assert!(!bitcoin_bech32(
            b"bc1Qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4"
        ));
        // Version 1 with a bech32 (not bech32m) checksum.
        assert!(!bitcoin_bech32(
            b"bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqh2y7hd"
        ));
        assert!(!bitcoin_bech32(
            b"tb1qw508d6qejxtdg4y5r3zarvary0c5xw7kxpjzsx"
        ));
    }

    #[test]
    fn ethereum() {
        // EIP-55's own examples.
        for a in [
            "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
            "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
            "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB",
            "0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb",
            "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed",
        ] {
            assert!(ethereum_address(a.as_bytes()), "{a}");
        }
        assert!(!ethereum_address(
            b"0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD"
        ));
        assert!(!ethereum_address(
            b"0x5AAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"
        ));
        assert!(!ethereum_address(
            b"0x0000000000000000000000000000000000000000"
        ));
        assert!(!ethereum_address(
            b"0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeA"
        ));
    }

    #[test]
    fn markets() {
        use crate::validate::markets::*;
        assert!(usa_aba_routing(b"011000015") && usa_aba_routing(b"021000021"));
        assert!(!usa_aba_routing(b"011000016") && !usa_aba_routing(b"991000013"));
        assert!(swift_bic(b"DEUTDEFF") && swift_bic(b"DEUTDEFF500") && swift_bic(b"NWBKGB2L"));
        assert!(!swift_bic(b"DEUTQQFF") && !swift_bic(b"DEUTDEF0") && !swift_bic(b"DEUTDEFF50"));
        // Apple's ISIN and CUSIP, an Australian ISIN with letters, GLEIF's LEI examples.
        assert!(isin(b"US0378331005") && isin(b"AU0000XVGZA3") && isin(b"GB0002634946"));
        assert!(!isin(b"US0378331006") && !isin(b"QQ0378331005"));
        assert!(cusip(b"037833100") && cusip(b"38259P508"));
        assert!(!cusip(b"037833101") && !cusip(b"000000000"));
        assert!(lei(b"5493001KJTIIGC8Y1R12") && lei(b"213800D1EI4B9WTWWD28"));
        assert!(!lei(b"5493001KJTIIGC8Y1R13") && !lei(b"5493001KJTIIGC8Y1R1"));
        // The IMEI of 3GPP TS 23.003's example layout (Wikipedia: 49-015420-323751-8).
        assert!(imei(b"490154203237518") && imei(b"49-015420-323751-8"));
        assert!(!imei(b"490154203237519") && !imei(b"000000000000000"));
        assert!(mac_address(b"00:1A:2B:3C:4D:5E") && mac_address(b"00-1a-2b-3c-4d-5e"));
        assert!(mac_address(b"001a.2b3c.4d5e"));
        assert!(!mac_address(b"ff:ff:ff:ff:ff:ff") && !mac_address(b"00:00:00:00:00:00"));
        assert!(!mac_address(b"01:00:5e:00:00:fb") && !mac_address(b"00:1A-2B:3C:4D:5E"));
        assert!(!mac_address(b"00:1A:2B:3C:4D:5E:6F"));
    }
}
