//! A 2 GB text file scans in bounded memory: peak resident set of the `trawl` process under
//! 200 MB. Ignored by default (it writes 2 GB); `scripts/test` runs it in release mode.

use std::io::Write;
use std::path::Path;
use std::process::Command;

/// Peak RSS of finished children, in kilobytes (Linux `ru_maxrss`).
#[allow(unsafe_code)]
fn children_max_rss_kb() -> i64 {
    // SAFETY: getrusage only writes into the zeroed struct we pass.
    unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage);
        usage.ru_maxrss
    }
}

#[test]
#[ignore = "writes a 2 GB file; run by scripts/test"]
fn two_gb_text_file_scans_under_200_mb() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.log");
    let mb: usize = std::env::var("TRAWL_MEMTEST_MB")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2048);
    {
        let mut f =
            std::io::BufWriter::with_capacity(1 << 20, std::fs::File::create(&path).unwrap());
        let line = b"2026-11-20T10:15:04Z INFO request id=8f14e45fceea167a from 10.2.3.4 status=200 bytes=5120 took=12ms\n";
        let mut block = Vec::with_capacity(1 << 20);
        while block.len() + line.len() <= 1 << 20 {
            block.extend_from_slice(line);
        }
        f.write_all(b"ssn 536-22-8921\n").unwrap();
        for _ in 0..mb {
            f.write_all(&block).unwrap();
        }
        f.write_all(b"visa 4539227423747675\n").unwrap();
        f.flush().unwrap();
    }
    let before = children_max_rss_kb();
    let out = Command::new(env!("CARGO_BIN_EXE_trawl"))
        .args([
            "scan",
            path.to_str().unwrap(),
            "--format",
            "jsonl",
            "-q",
            "-j",
            "2",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let peak_kb = children_max_rss_kb();
    assert!(peak_kb >= before);
    let rec: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let types: Vec<&str> = rec["detections"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["type"].as_str().unwrap())
        .collect();
    assert!(types.contains(&"USA_SOCIAL_SECURITY_NUMBER"), "{types:?}");
    assert!(types.contains(&"CREDIT_CARD_NUMBER"), "{types:?}");
    assert_eq!(
        rec["bytes_scanned"].as_u64(),
        Some(std::fs::metadata(&path).unwrap().len())
    );
    eprintln!(
        "peak RSS scanning {mb} MiB: {:.1} MB",
        peak_kb as f64 / 1024.0
    );
    assert!(peak_kb < 200 * 1024, "peak RSS {peak_kb} kB is over 200 MB");
}

/// The formats issue: every file of the real corpus, and a generated 1 GB zip, scan with a
/// peak resident set under 300 MB.
#[test]
#[ignore = "writes a large zip; run by scripts/test"]
fn corpus_and_a_1_gb_zip_scan_under_300_mb() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.zip");
    let mb: usize = std::env::var("TRAWL_MEMTEST_ZIP_MB")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1024);
    {
        let file = std::fs::File::create(&path).unwrap();
        let mut w = zip::ZipWriter::new(std::io::BufWriter::new(file));
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .compression_level(Some(1))
            .large_file(true);
        let line = b"2026-11-20T10:15:04Z INFO request id=8f14e45fceea167a status=200 bytes=5120\n";
        let mut block = Vec::with_capacity(1 << 20);
        while block.len() + line.len() <= 1 << 20 {
            block.extend_from_slice(line);
        }
        // Four members: a big log, a CSV, and a nested zip holding a small file.
        w.start_file("logs/app.log", opts).unwrap();
        w.write_all(b"ssn 536-22-8921\n").unwrap();
        for _ in 0..mb {
            w.write_all(&block).unwrap();
        }
        w.start_file("table.csv", opts).unwrap();
        w.write_all(b"id,card_number\n1,4539227423747675\n")
            .unwrap();
        w.finish().unwrap();
    }
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus/real");
    let mut args = vec![path.to_str().unwrap().to_string()];
    if corpus.exists() {
        args.push(corpus.to_str().unwrap().to_string());
    }
    let before = children_max_rss_kb();
    let out = Command::new(env!("CARGO_BIN_EXE_trawl"))
        .args(["scan", "--format", "jsonl", "-q", "-j", "2"])
        .args(&args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let peak_kb = children_max_rss_kb();
    assert!(peak_kb >= before);
    let text = String::from_utf8(out.stdout).unwrap();
    let zip_rec: serde_json::Value = text
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .find(|r| r["object"]["key"] == "big.zip")
        .unwrap();
    let types: Vec<&str> = zip_rec["detections"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["type"].as_str().unwrap())
        .collect();
    assert!(types.contains(&"USA_SOCIAL_SECURITY_NUMBER"), "{types:?}");
    assert!(types.contains(&"CREDIT_CARD_NUMBER"), "{types:?}");
    eprintln!(
        "peak RSS scanning a {mb} MiB zip and the corpus: {:.1} MB",
        peak_kb as f64 / 1024.0
    );
    assert!(peak_kb < 300 * 1024, "peak RSS {peak_kb} kB is over 300 MB");
}
