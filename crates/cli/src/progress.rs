//! Progress on standard error while a scan runs: objects and bytes done, the rate, findings so
//! far by severity, objects skipped; a bar and the time left once the listing is complete.
//! On a terminal it is drawn by `indicatif`; asked for elsewhere (`--progress always` in a
//! pipe or a CI log) it is a plain line every few seconds.

use std::io::{IsTerminal, Write};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use trawl_identifiers::Severity;
use trawl_scanner::{ListingProgress, RecordSink, ResultRecord, Status};

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

/// What the records so far add up to.
#[derive(Default)]
struct Done {
    objects: AtomicU64,
    bytes: AtomicU64,
    skipped: AtomicU64,
    high: AtomicU64,
    medium: AtomicU64,
    low: AtomicU64,
}

/// A running progress display; [`Progress::finish`] clears it.
pub struct Progress {
    done: Arc<Done>,
    stop: Arc<AtomicBool>,
    drawer: Option<std::thread::JoinHandle<()>>,
}

impl Progress {
    /// Starts a display of `listing` and the records, or none (`None`) when not wanted.
    pub fn start(choice: ProgressChoice, listing: Arc<ListingProgress>) -> Option<Progress> {
        let terminal = std::io::stderr().is_terminal();
        let bar = match (choice, terminal) {
            (ProgressChoice::Never, _) | (ProgressChoice::Auto, false) => return None,
            (_, true) => true,
            (ProgressChoice::Always, false) => false,
        };
        let done = Arc::new(Done::default());
        let stop = Arc::new(AtomicBool::new(false));
        let (d, s) = (done.clone(), stop.clone());
        let drawer = std::thread::Builder::new()
            .name("trawl-progress".into())
            .spawn(move || {
                if bar {
                    draw_bar(&listing, &d, &s)
                } else {
                    draw_lines(&listing, &d, &s)
                }
            })
            .ok();
        Some(Progress { done, stop, drawer })
    }

    fn record(&self, r: &ResultRecord) {
        let d = &self.done;
        d.objects.fetch_add(1, Ordering::Relaxed);
        d.bytes.fetch_add(r.object.size, Ordering::Relaxed);
        if r.status == Status::Skipped {
            d.skipped.fetch_add(1, Ordering::Relaxed);
        }
        match r.severity {
            Some(Severity::High) => d.high.fetch_add(1, Ordering::Relaxed),
            Some(Severity::Medium) => d.medium.fetch_add(1, Ordering::Relaxed),
            Some(Severity::Low) => d.low.fetch_add(1, Ordering::Relaxed),
            None => 0,
        };
    }

    /// Stops and clears the display.
    pub fn finish(mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(h) = self.drawer.take() {
            let _ = h.join();
        }
    }
}

fn status_text(d: &Done, started: Instant) -> String {
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

fn draw_bar(listing: &ListingProgress, d: &Done, stop: &AtomicBool) {
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
        let listed_bytes = listing.listed_bytes.load(Ordering::Relaxed);
        if !sized && listing.listing_done.load(Ordering::Relaxed) {
            pb.set_length(listed_bytes.max(1));
            pb.set_style(bar.clone());
            sized = true;
        }
        pb.set_prefix(format!(
            "{} objects",
            listing.listed.load(Ordering::Relaxed)
        ));
        pb.set_position(d.bytes.load(Ordering::Relaxed));
        pb.set_message(status_text(d, started));
        pb.tick();
        std::thread::sleep(Duration::from_millis(100));
    }
    pb.finish_and_clear();
}

fn draw_lines(listing: &ListingProgress, d: &Done, stop: &AtomicBool) {
    // A first line after a second, then one every five: enough for a CI log to show life.
    let started = Instant::now();
    let mut next = Duration::from_secs(1);
    while !stop.load(Ordering::Relaxed) {
        std::thread::sleep(Duration::from_millis(100));
        if started.elapsed() < next {
            continue;
        }
        next = started.elapsed() + Duration::from_secs(5);
        let listed = listing.listed.load(Ordering::Relaxed);
        let total = if listing.listing_done.load(Ordering::Relaxed) {
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

/// A record sink that feeds a progress display and hands every record on.
pub struct Watched<'a, S: RecordSink + ?Sized> {
    /// The sink that writes.
    pub inner: &'a mut S,
    /// The display, if any.
    pub progress: Option<&'a Progress>,
}

impl<S: RecordSink + ?Sized> RecordSink for Watched<'_, S> {
    fn begin(&mut self, run_id: &str) -> std::io::Result<()> {
        self.inner.begin(run_id)
    }

    fn record(&mut self, record: &ResultRecord) -> std::io::Result<()> {
        if let Some(p) = self.progress {
            p.record(record);
        }
        self.inner.record(record)
    }

    fn finish(&mut self) -> std::io::Result<()> {
        self.inner.finish()
    }
}
