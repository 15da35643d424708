//! Progress on standard error while a scan runs: objects and bytes done, the rate, findings so
//! far by severity, objects skipped; a bar and the time left once the listing is complete.
//! On a terminal it is drawn by `indicatif`; asked for elsewhere (`--progress always` in a
//! pipe or a CI log) it is a plain line every few seconds.

use std::io::{IsTerminal, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use trawl_scanner::ScanProgress;

/// `--progress`.
#[derive(Clone, Copy, Debug, clap::ValueEnum, PartialEq, Eq)]
pub enum ProgressChoice {
    /// On a terminal only.
    Auto,
    /// Always (plain lines when standard error is not a terminal).
    Always,
    /// Never.
    Never,
}

/// A running progress display; [`Progress::finish`] clears it.
pub struct Progress {
    stop: Arc<AtomicBool>,
    drawer: Option<std::thread::JoinHandle<()>>,
}

impl Progress {
    /// Starts a display of `scan`'s counters, or none (`None`) when not wanted.
    pub fn start(choice: ProgressChoice, scan: Arc<ScanProgress>) -> Option<Progress> {
        let terminal = std::io::stderr().is_terminal();
        let bar = match (choice, terminal) {
            (ProgressChoice::Never, _) | (ProgressChoice::Auto, false) => return None,
            (_, true) => true,
            (ProgressChoice::Always, false) => false,
        };
        let stop = Arc::new(AtomicBool::new(false));
        let s = stop.clone();
        let drawer = std::thread::Builder::new()
            .name("trawl-progress".into())
            .spawn(move || {
                if bar {
                    draw_bar(&scan, &s)
                } else {
                    draw_lines(&scan, &s)
                }
            })
            .ok();
        Some(Progress { stop, drawer })
    }

    /// Stops and clears the display.
    pub fn finish(mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(h) = self.drawer.take() {
            let _ = h.join();
        }
    }
}

fn status_text(d: &ScanProgress, started: Instant) -> String {
    let bytes = d.bytes.load(Ordering::Relaxed);
    let secs = started.elapsed().as_secs_f64().max(0.001);
    let skipped = d.skipped.load(Ordering::Relaxed);
    format!(
        "{} objects, {}, {}/s; HIGH {} MEDIUM {} LOW {}{}",
        d.objects.load(Ordering::Relaxed),
        crate::human::bytes(bytes),
        crate::human::bytes((bytes as f64 / secs) as u64),
        d.high.load(Ordering::Relaxed),
        d.medium.load(Ordering::Relaxed),
        d.low.load(Ordering::Relaxed),
        if skipped > 0 {
            format!("; {skipped} skipped")
        } else {
            String::new()
        }
    )
}

fn draw_bar(d: &ScanProgress, stop: &AtomicBool) {
    let started = Instant::now();
    let pb = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr_with_hz(10));
    let spinner = ProgressStyle::with_template("{spinner} {wide_msg} [listing: {prefix}]")
        .unwrap_or_else(|_| ProgressStyle::default_spinner());
    let bar = ProgressStyle::with_template("[{bar:20}] {percent:>3}% {eta:>4} left; {wide_msg}")
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ");
    pb.set_style(spinner);
    let mut sized = false;
    while !stop.load(Ordering::Relaxed) {
        let listed_bytes = d.listed_bytes.load(Ordering::Relaxed);
        if !sized && d.listing_done.load(Ordering::Relaxed) {
            pb.set_length(listed_bytes.max(1));
            pb.set_style(bar.clone());
            sized = true;
        }
        pb.set_prefix(format!("{} objects", d.listed.load(Ordering::Relaxed)));
        pb.set_position(d.bytes.load(Ordering::Relaxed));
        pb.set_message(status_text(d, started));
        pb.tick();
        std::thread::sleep(Duration::from_millis(100));
    }
    pb.finish_and_clear();
}

fn draw_lines(d: &ScanProgress, stop: &AtomicBool) {
    // A first line after a second, then one every five: enough for a CI log to show life.
    let started = Instant::now();
    let mut next = Duration::from_secs(1);
    while !stop.load(Ordering::Relaxed) {
        std::thread::sleep(Duration::from_millis(100));
        if started.elapsed() < next {
            continue;
        }
        next = started.elapsed() + Duration::from_secs(5);
        let listed = d.listed.load(Ordering::Relaxed);
        let total = if d.listing_done.load(Ordering::Relaxed) {
            format!(" of {listed} listed")
        } else {
            format!(" ({listed} listed so far)")
        };
        let _ = writeln!(
            std::io::stderr().lock(),
            "trawl: progress: {}{total}",
            status_text(d, started)
        );
    }
}
