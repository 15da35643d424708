use std::fs;
use std::path::{Path, PathBuf};

use crate::bigtext::{bigtext, BIG_CARDS, BIG_SSNS};
use crate::corpus::{corpus, part_name};
use crate::gen::{civil_from_days, Gen};
use crate::plant::luhn_check_digit;
use crate::tree::{sizes, tree, tree_file, Kind, MAX_FILE, MIN_FILE, SLACK};
use crate::{DAY_MS, DEFAULT_SEED, MIB, START_MS};

/// Every trawl keyword (from crates/identifiers/src/builtin), lowercase.
#[rustfmt::skip]
const KEYWORDS: &[&str] = &[
    "amex", "american express", "bank card", "card", "card no", "card num", "card number",
    "cc #", "cc#", "ccn", "check card", "credit card", "credit card number", "creditcard",
    "debit", "debit card", "diners club", "discover", "electron", "japanese card bureau",
    "jcb", "mastercard", "master card", "pan", "union pay", "unionpay", "visa",
    "visa electron", "dankort", "maestro", "payment card", "carte bancaire", "carte de credit",
    "kreditkarte", "tarjeta de credito", "carta di credito", "cartao de credito",
    "numero de tarjeta", "kartennummer", "ssn", "ss#", "ss #", "social security", "soc sec",
    "ssn#", "social security number", "aws_secret_access_key", "secret access key",
    "secret key", "credentials", "set-awscredential", "aws secret", "aws_secret",
    "secretaccesskey", "aws key",
];
/// Keywords the clean text may hold: no valid AWS secret ever follows them.
const ALLOWED: &[&str] = &["credentials", "secret_key"];

/// Keyword variants as trawl matches them: a space may also be nothing, `_` or `-`.
fn variants() -> Vec<String> {
    let mut v = Vec::new();
    for k in KEYWORDS {
        v.push(k.to_string());
        if k.contains(' ') {
            for sep in ["", "_", "-"] {
                v.push(k.replace(' ', sep));
            }
        }
    }
    v
}

fn clean_text(seed: u64, len: usize) -> Vec<u8> {
    let mut g = Gen::new(seed, false);
    while g.out.len() < len {
        g.section();
    }
    g.out
}

fn digits_of(s: &[u8]) -> Vec<u8> {
    s.iter()
        .filter(|b| b.is_ascii_digit())
        .map(|b| b - b'0')
        .collect()
}

fn luhn_ok(d: &[u8]) -> bool {
    luhn_check_digit(&d[..d.len() - 1]) == d[d.len() - 1]
}

fn temp(name: &str) -> std::path::PathBuf {
    std::env::temp_dir().join(format!("trawl-testgen-{}-{name}", std::process::id()))
}

#[test]
fn same_seed_same_bytes() {
    assert_eq!(clean_text(7, 200_000), clean_text(7, 200_000));
    assert_ne!(clean_text(7, 200_000), clean_text(8, 200_000));
}

#[test]
fn clean_text_has_no_keywords() {
    let raw = clean_text(DEFAULT_SEED, 4 << 20);
    let text = raw.to_ascii_lowercase();
    let variants: Vec<String> = variants()
        .into_iter()
        .filter(|k| !ALLOWED.contains(&k.as_str()))
        .collect();
    for i in 0..text.len() {
        // trawl's rule: a keyword starts a word (or a camelCase hump).
        let starts_word = i == 0
            || !raw[i - 1].is_ascii_alphabetic()
            || (raw[i - 1].is_ascii_lowercase() && raw[i].is_ascii_uppercase());
        if !starts_word {
            continue;
        }
        if let Some(k) = variants
            .iter()
            .find(|k| text[i..].starts_with(k.as_bytes()))
        {
            let context = &raw[i.saturating_sub(40)..(i + 40).min(raw.len())];
            panic!(
                "keyword {k:?} in clean text: {:?}",
                String::from_utf8_lossy(context)
            );
        }
    }
}

#[test]
fn planted_cards_are_valid_and_decoys_are_not() {
    let mut g = Gen::new(1, false);
    for _ in 0..5_000 {
        let (_, d) = g.card_digits();
        assert!(luhn_ok(&d), "{d:?}");
        assert!((13..=19).contains(&d.len()));
        g.out.clear();
        g.decoy_luhn_fail();
        assert!(!luhn_ok(&digits_of(&g.out)));
    }
    for card in BIG_CARDS {
        assert!(luhn_ok(&digits_of(card.as_bytes())), "{card}");
    }
}

#[test]
fn dates() {
    assert_eq!(civil_from_days(0), (1970, 1, 1));
    assert_eq!(civil_from_days(19_797), (2024, 3, 15));
    assert_eq!(civil_from_days(START_MS / DAY_MS), (2024, 1, 1));
}

#[test]
fn corpus_is_reproducible() {
    let (a, b) = (temp("corpus-a"), temp("corpus-b"));
    let ta = corpus(&a, 2, 3, DEFAULT_SEED).unwrap();
    let tb = corpus(&b, 2, 3, DEFAULT_SEED).unwrap();
    assert_eq!(ta, tb);
    assert!(ta.bytes >= 2 * MIB && ta.bytes < 2 * MIB + 100_000);
    // About one planted item per 20 KB.
    let planted: u64 = ta.planted.iter().sum();
    assert!((60..=150).contains(&planted), "{planted}");
    for i in 0..3 {
        let fa = fs::read(a.join(part_name(i))).unwrap();
        assert_eq!(fa, fs::read(b.join(part_name(i))).unwrap());
        assert!(
            fa[..4].iter().all(u8::is_ascii_digit),
            "starts with a timestamp"
        );
    }
    // A second run replaces the corpus; a foreign file stops it.
    corpus(&a, 1, 2, DEFAULT_SEED).unwrap();
    assert_eq!(fs::read_dir(&a).unwrap().count(), 2);
    fs::write(a.join("notes.txt"), "mine").unwrap();
    assert!(corpus(&a, 1, 2, DEFAULT_SEED).is_err());
    fs::remove_dir_all(&a).unwrap();
    fs::remove_dir_all(&b).unwrap();
}

#[test]
fn bigtext_has_exact_size_and_plants() {
    let path = temp("big.log");
    let big = bigtext(&path, 3, DEFAULT_SEED).unwrap();
    let data = fs::read(&path).unwrap();
    assert_eq!(data.len() as u64, 3 * MIB);
    assert_eq!(big.bytes, 3 * MIB);
    assert_eq!(big.planted.len(), 4);
    let values = [BIG_SSNS[0], BIG_CARDS[0], BIG_SSNS[1], BIG_CARDS[1]];
    for ((_, offset), value) in big.planted.iter().zip(values) {
        let at = *offset as usize;
        assert_eq!(&data[at..at + value.len()], value.as_bytes());
    }
    assert!(big.planted[1].1 < 1_000 && big.planted[2].1 > 3 * MIB - 1_000);
    assert!(data.ends_with(b"currency=USD\n"));
    assert!(data.windows(23).any(|w| w == b"block 00000002 begins\n2"));
    fs::remove_file(&path).unwrap();
}

// --- tree ----------------------------------------------------------------------------------

fn listing(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let bytes = fs::read(&p).unwrap();
                files.push((p.strip_prefix(dir).unwrap().to_path_buf(), bytes));
            }
        }
    }
    files.sort();
    files
}

#[test]
fn tree_is_deterministic_and_sizes_are_within_bounds() {
    let base = std::env::temp_dir().join(format!("trawl-testgen-{}-tree", std::process::id()));
    let (a, b) = (base.join("a"), base.join("b"));
    let ta = tree(&a, 4, 120, DEFAULT_SEED).unwrap();
    let tb = tree(&b, 4, 120, DEFAULT_SEED).unwrap();
    let (la, lb) = (listing(&a), listing(&b));
    fs::remove_dir_all(&base).unwrap();
    assert_eq!(ta, tb);
    assert_eq!(la, lb, "two runs wrote different trees");
    assert_eq!(la.len(), 120);
    let total: u64 = la.iter().map(|(_, b)| b.len() as u64).sum();
    assert_eq!(total, ta.bytes);
    assert!(
        total.abs_diff(4 * MIB) < MIB,
        "{total} bytes, asked for 4 MiB"
    );
    for (path, bytes) in &la {
        let n = bytes.len() as u64;
        assert!(
            (MIN_FILE..=MAX_FILE).contains(&n),
            "{}: {n} bytes",
            path.display()
        );
    }
    let exts: std::collections::BTreeSet<_> =
        la.iter().filter_map(|(p, _)| p.extension()).collect();
    assert_eq!(exts.len(), Kind::ALL.len(), "{exts:?}");
    assert!(ta.planted.iter().sum::<u64>() > 50, "{ta:?}");
}

#[test]
fn tree_json_files_hold_one_array() {
    for i in 0..400 {
        let (path, bytes, _) = tree_file(Path::new("t"), i, MAX_FILE, i as u64);
        if path.extension().is_some_and(|e| e == "json") {
            assert!(bytes.starts_with(b"[\n  {") && bytes.ends_with(b"}\n]\n"));
            let strings = bytes
                .split(|&b| b == b'\n')
                .filter(|l| l.starts_with(b"  \""));
            assert!(strings
                .clone()
                .all(|l| l.ends_with(b"\",") || l.ends_with(b"\"")));
        }
    }
}

#[test]
fn tree_sizes_hit_the_mean() {
    let s = sizes(210 * MIB, 5333, DEFAULT_SEED);
    let total: u64 = s.iter().sum();
    assert!(total.abs_diff(210 * MIB) < 21 * MIB, "{total}");
    assert!(s.iter().all(|n| (MIN_FILE..=MAX_FILE - SLACK).contains(n)));
}
