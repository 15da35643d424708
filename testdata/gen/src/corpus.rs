//! `corpus`: many files of mixed text with planted items.

use std::fs::{self, File};
use std::io;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;

use crate::gen::Gen;
use crate::plant::Tally;
use crate::rng::file_seed;
use crate::{FLUSH_AT, MIB};

/// The name of corpus file `index`.
pub(crate) fn part_name(index: usize) -> String {
    format!("part-{index:03}.log")
}

pub(crate) fn is_part_name(name: &str) -> bool {
    name.strip_prefix("part-")
        .and_then(|s| s.strip_suffix(".log"))
        .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

/// Creates `dir`, or empties it of an earlier corpus. Refuses to touch a directory holding
/// anything else.
pub(crate) fn prepare_dir(dir: &Path) -> io::Result<()> {
    fs::create_dir_all(dir)?;
    let mut old = Vec::new();
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name();
        match name.to_str() {
            Some(n) if is_part_name(n) && entry.file_type()?.is_file() => old.push(entry.path()),
            _ => {
                return Err(io::Error::other(format!(
                    "{} holds {:?}, which is not a corpus file; refusing to write there",
                    dir.display(),
                    name
                )))
            }
        }
    }
    old.into_iter().try_for_each(fs::remove_file)
}

/// Writes a corpus of `files` files and about `mb` MiB into `dir`, on all cores.
pub fn corpus(dir: &Path, mb: u64, files: usize, seed: u64) -> io::Result<Tally> {
    prepare_dir(dir)?;
    let total = mb * MIB;
    let n = files as u64;
    let sizes: Vec<u64> = (0..n)
        .map(|i| total / n + u64::from(i < total % n))
        .collect();
    in_parallel(files, |i| {
        corpus_file(&dir.join(part_name(i)), sizes[i], file_seed(seed, i))
    })
}

/// Runs `write(i)` for every file index below `files` on all cores (each worker takes the
/// next index) and adds up what the files hold; the first error is returned.
pub(crate) fn in_parallel(
    files: usize,
    write: impl Fn(usize) -> io::Result<Tally> + Sync,
) -> io::Result<Tally> {
    let workers = thread::available_parallelism()
        .map_or(1, |p| p.get())
        .min(files);
    let next = AtomicUsize::new(0);
    let results: Vec<io::Result<Tally>> = thread::scope(|s| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                s.spawn(|| {
                    let mut tally = Tally::default();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        if i >= files {
                            return Ok(tally);
                        }
                        tally.add(&write(i)?);
                    }
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
            .collect()
    });
    let mut tally = Tally::default();
    for r in results {
        tally.add(&r?);
    }
    Ok(tally)
}

/// Writes one corpus file of about `target` bytes (it ends after the section that reaches
/// the target).
pub(crate) fn corpus_file(path: &Path, target: u64, seed: u64) -> io::Result<Tally> {
    let mut file = File::create(path)?;
    let mut g = Gen::new(seed, true);
    // Start with log lines, so format detection sees plain text.
    g.log_run();
    while g.pos() < target {
        if g.out.len() >= FLUSH_AT {
            g.drain(&mut file)?;
        }
        g.section();
    }
    g.drain(&mut file)?;
    g.tally.bytes = g.pos();
    Ok(g.tally)
}
