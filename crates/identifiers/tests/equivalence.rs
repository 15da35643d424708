//! The engine never misses what running every identifier's regex over the whole buffer finds:
//! items are planted in random text, and `Engine::scan` must equal `Engine::scan_exhaustive`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use proptest::prelude::*;
use trawl_identifiers::{Catalog, EngineBuilder, KeywordContext, Selection};

fn planted_items() -> Vec<String> {
    let catalog = Catalog::builtin_with_examples();
    let mut items: Vec<String> = Vec::new();
    for ident in catalog.identifiers() {
        items.extend(ident.examples.iter().cloned());
        items.extend(ident.negative_examples.iter().cloned());
    }
    // Bare values and keywords, so that values and keywords combine at random distances.
    items.extend(
        [
            "4539227423747675",
            "4539 2274 2374 7675",
            "536-22-8921",
            "536228921",
            "AKIAZ7VRSQ5TJQ4NXCPE",
            "Tk3yP9sQ2mX7vL1nR8bW4cF6hJ0dG5aZ+e/uYiOp",
            "ssn",
            "SSN",
            "card",
            "credit card",
            "secret key",
            "credentials",
            "visa",
            "-----BEGIN RSA PRIVATE KEY-----",
            "-----END RSA PRIVATE KEY-----",
            "\n",
            " ",
            "0123456789",
            // Tokens whose anchors the keyword trie finds at word starts (ALL), bare, so
            // that fillers put letters, digits or punctuation right before them.
            "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",
            "xoxb-130159259538-8680909817290-c7Hrd0APsmYaUSRCsllZq3Zy",
            "_",
            "-",
            // Dotted runs: addresses beside versions and OIDs.
            "81.2.69.160",
            "1.3.6.1.4.1.311",
            "2.5.",
            ".8.8.4.4",
        ]
        .map(String::from),
    );
    items
}

fn engine() -> &'static trawl_identifiers::Engine {
    static ENGINE: std::sync::OnceLock<trawl_identifiers::Engine> = std::sync::OnceLock::new();
    ENGINE.get_or_init(|| {
        EngineBuilder::new()
            .selection(Selection::All)
            .build()
            .unwrap()
    })
}

/// The foundation set: few keywords, all searched by the one-pass prefilter.
fn small_engine() -> &'static trawl_identifiers::Engine {
    static ENGINE: std::sync::OnceLock<trawl_identifiers::Engine> = std::sync::OnceLock::new();
    ENGINE.get_or_init(|| {
        let ids = [
            "CREDIT_CARD_NUMBER",
            "CREDIT_CARD_NUMBER_(NO_KEYWORD)",
            "USA_SOCIAL_SECURITY_NUMBER",
            "AWS_CREDENTIALS",
            "AWS_ACCESS_KEY_ID",
            "OPENSSH_PRIVATE_KEY",
            "PKCS",
            "PGP_PRIVATE_KEY",
        ];
        EngineBuilder::new()
            .selection(Selection::Include(ids.map(String::from).to_vec()))
            .build()
            .unwrap()
    })
}

fn filler() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z ]{0,40}",
        "[0-9 -]{0,30}",
        "[A-Za-z0-9+/]{0,50}",
        "[ -~\n]{0,40}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1024))]

    #[test]
    fn engine_equals_every_regex(parts in prop::collection::vec((filler(), 0usize..1000), 1..25)) {
        let items = planted_items();
        let mut text = String::new();
        for (fill, pick) in &parts {
            text.push_str(fill);
            text.push_str(&items[pick % items.len()]);
        }
        for engine in [engine(), small_engine()] {
        let mut scratch = engine.scratch();
        for ctx in [KeywordContext::none(), engine.keyword_context("ssn card credentials")] {
            let mut fast = Vec::new();
            engine.scan(text.as_bytes(), &ctx, &mut scratch, &mut fast);
            let mut slow = Vec::new();
            engine.scan_exhaustive(text.as_bytes(), &ctx, &mut slow);
            for m in &slow {
                prop_assert!(fast.contains(m), "missed {:?} in text {:?}; engine gave {:?}", m, text, fast);
            }
            // Nor does it find more: its windows stay in step with the whole-buffer search.
            for m in &fast {
                prop_assert!(slow.contains(m), "extra {:?} in text {:?}; exhaustive gave {:?}", m, text, slow);
            }
        }
        }
    }
}

#[test]
fn planted_items_are_found() {
    // A sanity check that the property test exercises detections at all.
    let engine = EngineBuilder::new()
        .selection(Selection::All)
        .build()
        .unwrap();
    let text = planted_items().join(" | ");
    let mut out = Vec::new();
    engine.scan(
        text.as_bytes(),
        &KeywordContext::none(),
        &mut engine.scratch(),
        &mut out,
    );
    let ids: std::collections::BTreeSet<_> = out
        .iter()
        .map(|m| engine.identifiers()[m.identifier].id.as_str())
        .collect();
    for id in [
        "AWS_CREDENTIALS",
        "AWS_ACCESS_KEY_ID",
        "CREDIT_CARD_NUMBER",
        "CREDIT_CARD_NUMBER_(NO_KEYWORD)",
        "USA_SOCIAL_SECURITY_NUMBER",
        "PKCS",
        "OPENSSH_PRIVATE_KEY",
        "PGP_PRIVATE_KEY",
    ] {
        assert!(ids.contains(id), "{id} not found in planted text");
    }
}

/// A deterministic mixed text of about 400 KB: log-like lines (timestamps, hex ids, numbers,
/// words) with every catalogue example, negative example and bare value planted at random.
fn mixed_text() -> String {
    let items = planted_items();
    let words = [
        "user",
        "request",
        "id",
        "order",
        "number",
        "account",
        "status",
        "ok",
        "error",
        "the",
        "customer",
        "phone",
        "address",
        "tax",
        "passport",
        "licence",
        "card",
        "key",
        "token",
        "Value",
        "camelCase",
        "dni",
        "rut",
        "cpf",
        "nie",
        "iban",
        "bank",
        "routing",
        "ssn",
    ];
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    let mut next = move |n: usize| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed % n as u64) as usize
    };
    let mut text = String::new();
    let mut line = 0;
    while text.len() < 400_000 {
        line += 1;
        text.push_str(&format!(
            "2024-03-{:02}T{:02}:{:02}:{:02}.{:03}Z {} ",
            1 + next(28),
            next(24),
            next(60),
            next(60),
            next(1000),
            ["INFO", "WARN", "DEBUG"][next(3)]
        ));
        for _ in 0..3 + next(8) {
            match next(10) {
                0 => text.push_str(&items[next(items.len())]),
                1 => text.push_str(&format!("{:x}", next(usize::MAX))),
                2 => text.push_str(&format!("{}", next(10_000_000_000))),
                3 => text.push_str(&format!("10.{}.{}.{}", next(256), next(256), next(256))),
                _ => text.push_str(words[next(words.len())]),
            }
            text.push_str([" ", " ", "=", ": ", ", ", "\t", "/"][next(7)]);
        }
        text.push_str(&format!("line={line}\n"));
    }
    text
}

/// On a large mixed text, the windowed engine reports exactly what running every regex over
/// the whole text reports (nothing dropped, nothing extra), for ALL and the foundation set,
/// with and without structural context, whole and cut into buffers. A speed-up that drops or
/// adds a detection fails here.
#[test]
fn mixed_text_equals_exhaustive() {
    let text = mixed_text();
    let mut total = 0;
    for engine in [engine(), small_engine()] {
        let mut scratch = engine.scratch();
        for ctx in [
            KeywordContext::none(),
            engine.keyword_context("ssn card credentials"),
        ] {
            for chunk in [text.as_bytes(), &text.as_bytes()[..50_000]] {
                let mut fast = Vec::new();
                engine.scan(chunk, &ctx, &mut scratch, &mut fast);
                let mut slow = Vec::new();
                engine.scan_exhaustive(chunk, &ctx, &mut slow);
                assert_eq!(fast.len(), slow.len());
                assert!(fast == slow, "the engine and the exhaustive scan differ");
                total += fast.len();
            }
        }
    }
    // The text must exercise detections at all (a few thousand).
    assert!(total > 1000, "{total}");
}
