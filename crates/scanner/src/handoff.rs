//! Hand-offs between the run's threads that do not make the scanning workers wake anybody.
//!
//! A channel wakes a thread parked on it at every send or receive that could unblock it (a
//! futex call, and a context switch on the core it runs on), and its waiting side spins with
//! `sched_yield` first. When objects are small (a tree of 4-100 KB files scans one in about
//! 200 µs) the calling thread parked on the record channel and the walker parked on the full
//! work queue were woken about once an object each, by the workers: on the benchmark's tree
//! of 5,333 files, one worker with `ALL`, 38,037 `sched_yield` and 18,712 `futex` calls, and
//! 0.22-0.25 s of system time in a 1.9 s run. Both ends that wait on the workers therefore
//! poll while work flows, sleeping [`POLL`] between tries on their own thread (and core), and
//! the workers never wake them: the same run makes neither call, and its system time is
//! 0.10-0.13 s.

use std::thread::sleep;
use std::time::Duration;

use crossbeam_channel::{Receiver, Sender, TryRecvError, TrySendError};

/// How long a waiting end sleeps between tries: the record channel (256) and the work queue
/// (1,024) hold far more than the workers take or give in that time (1 ms was no faster,
/// and woke the waiting ends five times as often).
const POLL: Duration = Duration::from_millis(5);

/// After this many empty tries in a row (a tenth of a second without anything), the
/// receiving end waits on the channel instead: work arriving that slowly (objects from S3, a
/// few large files) makes a wake-up a record cheap, and an idle run then costs no polling.
const IDLE_POLLS: u32 = 20;

/// Sends `item`, sleeping while the channel is full rather than waiting on it (a waiting sender
/// is woken by every receive). False when every receiver is gone.
pub(crate) fn send_polling<T>(tx: &Sender<T>, mut item: T) -> bool {
    loop {
        match tx.try_send(item) {
            Ok(()) => return true,
            Err(TrySendError::Full(back)) => {
                item = back;
                sleep(POLL);
            }
            Err(TrySendError::Disconnected(_)) => return false,
        }
    }
}

/// What arrives on `rx`, in order, until every sender is gone: polled while it flows, waited
/// for after [`IDLE_POLLS`] empty tries.
pub(crate) fn arrivals<T>(rx: &Receiver<T>) -> impl Iterator<Item = T> + '_ {
    let mut idle = 0u32;
    std::iter::from_fn(move || loop {
        match rx.try_recv() {
            Ok(item) => {
                idle = 0;
                return Some(item);
            }
            Err(TryRecvError::Disconnected) => return None,
            Err(TryRecvError::Empty) if idle < IDLE_POLLS => {
                idle += 1;
                sleep(POLL);
            }
            Err(TryRecvError::Empty) => {
                idle = 0;
                return rx.recv().ok();
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crossbeam_channel::bounded;

    /// Everything sent arrives, in order, through a queue much shorter than the stream, with
    /// the sender sometimes faster and sometimes slower than the receiver; and the stream ends
    /// when the sender is gone.
    #[test]
    fn every_item_arrives_in_order() {
        let (tx, rx) = bounded::<u32>(4);
        let sender = std::thread::spawn(move || {
            for i in 0..2_000 {
                assert!(send_polling(&tx, i));
                if i % 500 == 0 {
                    // Slower than the receiver for a while: it polls, then waits.
                    std::thread::sleep(Duration::from_millis(150));
                }
            }
        });
        let got: Vec<u32> = arrivals(&rx).collect();
        sender.join().unwrap();
        assert_eq!(got, (0..2_000).collect::<Vec<_>>());
    }

    /// A send to a channel whose receivers are gone says so instead of waiting for room.
    #[test]
    fn a_send_without_receivers_returns() {
        let (tx, rx) = bounded::<u32>(1);
        assert!(send_polling(&tx, 1));
        drop(rx);
        assert!(!send_polling(&tx, 2));
    }
}
