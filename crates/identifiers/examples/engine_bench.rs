//! A small harness for profiling the engine (`valgrind --tool=callgrind`, `perf stat`):
//!
//! ```text
//! cargo run --release -p trawl-identifiers --example engine_bench -- SELECTION [FILE...]
//! ```
//!
//! SELECTION is `ALL`, `RECOMMENDED`, `FOUNDATION` (the eight ids `scripts/bench` mirrors), a
//! comma-separated list of ids or `EXCLUDE:` and such a list (all but those). It builds the
//! engine (timed), scans each file in 4 MiB buffers
//! like the scanner does, and prints the detections per identifier and the throughput. With no
//! file it only builds the engine (start-up cost).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::time::Instant;

use trawl_identifiers::{EngineBuilder, KeywordContext, Selection};

const FOUNDATION: [&str; 8] = [
    "CREDIT_CARD_NUMBER",
    "CREDIT_CARD_NUMBER_(NO_KEYWORD)",
    "USA_SOCIAL_SECURITY_NUMBER",
    "AWS_CREDENTIALS",
    "AWS_ACCESS_KEY_ID",
    "OPENSSH_PRIVATE_KEY",
    "PKCS",
    "PGP_PRIVATE_KEY",
];

fn cpu_seconds() -> f64 {
    // user + system time of this process, from /proc/self/stat (clock ticks of 1/100 s).
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after = stat.rsplit(')').next().unwrap_or("");
    let f: Vec<&str> = after.split_whitespace().collect();
    let t = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    (t(11) + t(12)) / 100.0
}

fn main() {
    let mut args = std::env::args().skip(1);
    let sel = args.next().unwrap_or_else(|| "ALL".into());
    let files: Vec<String> = args.collect();
    let selection = match sel.as_str() {
        "ALL" => Selection::All,
        "RECOMMENDED" => Selection::Recommended,
        "FOUNDATION" => Selection::Include(FOUNDATION.map(String::from).to_vec()),
        list => match list.strip_prefix("EXCLUDE:") {
            Some(ids) => Selection::Exclude(ids.split(',').map(String::from).collect()),
            None => Selection::Include(list.split(',').map(String::from).collect()),
        },
    };
    let t0 = Instant::now();
    let c0 = cpu_seconds();
    let engine = EngineBuilder::new().selection(selection).build().unwrap();
    let build_wall = t0.elapsed().as_secs_f64();
    let build_cpu = cpu_seconds() - c0;
    eprintln!(
        "build: {} identifiers, {:.1} ms wall, {:.0} ms cpu",
        engine.identifiers().len(),
        build_wall * 1e3,
        build_cpu * 1e3
    );
    if files.is_empty() {
        return;
    }

    let mut scratch = engine.scratch();
    // ENGINE_BENCH_WARM=N: the first N files only warm the engine up (lazy regexes, the
    // prefilter's states) and are not counted; profile the steady state with
    // `valgrind --tool=callgrind --toggle-collect='*measured*'`.
    let warm: usize = std::env::var("ENGINE_BENCH_WARM")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let (warm_files, files) = files.split_at(warm.min(files.len()));
    warm_up(&engine, &mut scratch, warm_files);
    measured(&engine, &mut scratch, files);
}

#[inline(never)]
fn warm_up(
    engine: &trawl_identifiers::Engine,
    scratch: &mut trawl_identifiers::Scratch,
    files: &[String],
) {
    let mut out = Vec::new();
    for f in files {
        let data = std::fs::read(f).unwrap();
        for chunk in data.chunks(4 << 20) {
            out.clear();
            engine.scan(chunk, &KeywordContext::none(), scratch, &mut out);
        }
    }
}

#[inline(never)]
fn measured(
    engine: &trawl_identifiers::Engine,
    scratch: &mut trawl_identifiers::Scratch,
    files: &[String],
) {
    const BUF: usize = 4 << 20;
    const OVERLAP: usize = 80 << 10;
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    let mut out = Vec::new();
    let mut bytes = 0usize;
    // A digest of every counted match (file, offset, end, identifier): equal digests, equal
    // detections.
    let mut digest: u64 = 0xcbf2_9ce4_8422_2325;
    let mut mix = |v: u64| {
        for b in v.to_le_bytes() {
            digest = (digest ^ u64::from(b)).wrapping_mul(0x100_0000_01b3);
        }
    };
    let t0 = Instant::now();
    for f in files {
        let data = std::fs::read(f).unwrap();
        bytes += data.len();
        // Buffers overlap; a match is counted by the buffer in which it starts at or after
        // the buffer's own region start.
        let mut from = 0;
        while from < data.len() {
            let lo = from.saturating_sub(OVERLAP);
            let hi = (from + BUF).min(data.len());
            out.clear();
            engine.scan(&data[lo..hi], &KeywordContext::none(), scratch, &mut out);
            for m in &out {
                let s = lo + m.start;
                if s >= from && (s < hi || hi == data.len()) {
                    mix(bytes as u64);
                    mix(s as u64);
                    mix((lo + m.end) as u64);
                    mix(m.identifier as u64);
                    *counts
                        .entry(engine.identifiers()[m.identifier].id.clone())
                        .or_default() += 1;
                }
            }
            from = hi;
        }
    }
    let secs = t0.elapsed().as_secs_f64();
    let total: usize = counts.values().sum();
    for (id, n) in &counts {
        println!("{id} {n}");
    }
    println!("total {total}");
    println!("digest {digest:016x}");
    eprintln!(
        "scan: {:.1} MB in {:.3} s = {:.1} MB/s",
        bytes as f64 / 1e6,
        secs,
        bytes as f64 / 1e6 / secs
    );
}
