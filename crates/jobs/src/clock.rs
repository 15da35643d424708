//! Time, injectable: the daemon and runs read the time from a [`Clock`], so tests drive
//! schedules with a [`FakeClock`] and never sleep.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

use chrono::{DateTime, Utc};

/// A source of time that can wait.
pub trait Clock: Send + Sync {
    /// Now.
    fn now(&self) -> DateTime<Utc>;
    /// Waits until `until` or until `stop` is set, whichever comes first.
    fn sleep_until(&self, until: DateTime<Utc>, stop: &AtomicBool);
}

/// The system clock.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }

    fn sleep_until(&self, until: DateTime<Utc>, stop: &AtomicBool) {
        while !stop.load(Ordering::Relaxed) {
            let left = until - Utc::now();
            if left <= chrono::Duration::zero() {
                return;
            }
            let step = left
                .to_std()
                .unwrap_or_default()
                .min(std::time::Duration::from_millis(200));
            std::thread::sleep(step);
        }
    }
}

/// A clock that moves only when told to (sleeping jumps to the wake-up time at once).
#[derive(Debug)]
pub struct FakeClock {
    now: Mutex<DateTime<Utc>>,
    sleeps: Mutex<Vec<DateTime<Utc>>>,
}

impl FakeClock {
    /// A clock standing at `now`.
    pub fn new(now: DateTime<Utc>) -> FakeClock {
        FakeClock {
            now: Mutex::new(now),
            sleeps: Mutex::new(Vec::new()),
        }
    }

    /// Sets the time.
    pub fn set(&self, t: DateTime<Utc>) {
        if let Ok(mut n) = self.now.lock() {
            *n = t;
        }
    }

    /// Moves the time on.
    pub fn advance(&self, d: chrono::Duration) {
        if let Ok(mut n) = self.now.lock() {
            *n += d;
        }
    }

    /// The wake-up times asked for so far.
    pub fn sleeps(&self) -> Vec<DateTime<Utc>> {
        self.sleeps.lock().map(|s| s.clone()).unwrap_or_default()
    }
}

impl Clock for FakeClock {
    fn now(&self) -> DateTime<Utc> {
        self.now.lock().map(|n| *n).unwrap_or_else(|_| Utc::now())
    }

    fn sleep_until(&self, until: DateTime<Utc>, _stop: &AtomicBool) {
        if let Ok(mut s) = self.sleeps.lock() {
            s.push(until);
        }
        if let Ok(mut n) = self.now.lock() {
            if until > *n {
                *n = until;
            }
        }
    }
}
