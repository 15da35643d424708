//! The engine on arbitrary text: never panics, and finds exactly what a whole-buffer search of
//! every identifier's regex finds (nothing missed, nothing extra).
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use trawl_identifiers::{Engine, EngineBuilder, KeywordContext, Selection};

fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| {
        EngineBuilder::new()
            .selection(Selection::All)
            .build()
            .expect("the builtin catalogue compiles")
    })
}

fuzz_target!(|data: &[u8]| {
    let engine = engine();
    let mut fast = Vec::new();
    engine.scan(data, &KeywordContext::none(), &mut engine.scratch(), &mut fast);
    let mut slow = Vec::new();
    engine.scan_exhaustive(data, &KeywordContext::none(), &mut slow);
    for m in &slow {
        assert!(fast.contains(m), "missed {m:?}");
    }
    for m in &fast {
        assert!(slow.contains(m), "extra {m:?}");
    }
    for m in &fast {
        let _ = engine.mask(m, data);
    }
});
