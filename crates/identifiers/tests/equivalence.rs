//! The engine never misses what running every identifier's regex over the whole buffer finds:
//! items are planted in random text, and `Engine::scan` must equal `Engine::scan_exhaustive`.

use proptest::prelude::*;
use trawl_identifiers::{Catalog, EngineBuilder, KeywordContext, Selection};

fn planted_items() -> Vec<String> {
    let catalog = Catalog::builtin();
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
    #![proptest_config(ProptestConfig::with_cases(512))]

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
