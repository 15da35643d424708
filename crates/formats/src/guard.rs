//! Third-party readers (parquet-rs, calamine, lopdf, ...) run behind a guard. A panic inside
//! one, a bug it has on crafted input, costs what that reader was reading, not the scan; the
//! user sees one line about it (a [`CaughtPanic`] in the [`Extraction`](crate::Extraction)),
//! never the panic message and a backtrace on standard error. With `TRAWL_DEBUG_PANICS=1` in
//! the environment the standard panic report is printed as well (with `RUST_BACKTRACE=1`, its
//! backtrace).
//!
//! A panic outside a guard (in trawl's own code) is reported as Rust does by default.

use std::cell::{Cell, RefCell};
use std::panic::{self, AssertUnwindSafe, PanicHookInfo};
use std::sync::{Once, OnceLock};

/// A panic caught inside a third-party reader.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CaughtPanic {
    /// The reader that panicked (`parquet`, `calamine`, `lopdf`).
    pub reader: &'static str,
    /// Path inside archives, outermost first (empty for the object itself).
    pub member: Vec<String>,
    /// The panic's message and where it was raised (crate, file and line).
    pub message: String,
}

thread_local! {
    /// Guards entered on this thread and not yet left.
    static GUARDED: Cell<u32> = const { Cell::new(0) };
    /// What the hook saw of the last guarded panic on this thread.
    static LAST: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Runs `f`, a call into `reader`; a panic inside it comes back as `Err` with its message.
pub(crate) fn run<T>(
    reader: &'static str,
    f: impl FnOnce() -> T,
) -> Result<T, (&'static str, String)> {
    install_hook();
    GUARDED.with(|g| g.set(g.get() + 1));
    let out = panic::catch_unwind(AssertUnwindSafe(f));
    GUARDED.with(|g| g.set(g.get().saturating_sub(1)));
    out.map_err(|payload| {
        let seen = LAST.with(|l| l.borrow_mut().take());
        let message = seen.unwrap_or_else(|| payload_text(payload.as_ref()));
        (reader, message)
    })
}

fn debug() -> bool {
    static DEBUG: OnceLock<bool> = OnceLock::new();
    *DEBUG.get_or_init(|| std::env::var_os("TRAWL_DEBUG_PANICS").is_some_and(|v| v != "0"))
}

/// Installs (once per process) a hook that keeps guarded panics quiet and hands every other
/// panic to the hook that was there before.
fn install_hook() {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if GUARDED.with(|g| g.get()) > 0 {
                LAST.with(|l| *l.borrow_mut() = Some(describe(info)));
                if !debug() {
                    return;
                }
            }
            previous(info)
        }));
    });
}

/// `message (at crate-version/src/file.rs:line)`, without the registry's folders.
fn describe(info: &PanicHookInfo<'_>) -> String {
    let message = payload_text(info.payload());
    match info.location() {
        Some(l) => format!("{message} (at {}:{})", short_path(l.file()), l.line()),
        None => message,
    }
}

fn payload_text(payload: &(dyn std::any::Any + Send)) -> String {
    let text = if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "a panic without a message".to_string()
    };
    // One line, and short: messages can quote whole buffers.
    let line: String = text
        .lines()
        .next()
        .unwrap_or("")
        .chars()
        .take(200)
        .collect();
    line
}

/// `.../registry/src/index.crates.io-abc/parquet-60.0.0/src/x.rs` -> `parquet-60.0.0/src/x.rs`.
fn short_path(file: &str) -> &str {
    match file.find("/registry/src/") {
        Some(i) => {
            let rest = &file[i + "/registry/src/".len()..];
            rest.split_once('/')
                .map_or(rest, |(_, crate_path)| crate_path)
        }
        None => file,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_guarded_panic_is_caught_with_its_message_and_place() {
        let out: Result<(), _> = run("test-reader", || panic!("index {} out of range", 7));
        let (reader, message) = out.unwrap_err();
        assert_eq!(reader, "test-reader");
        assert!(
            message.starts_with("index 7 out of range (at "),
            "{message}"
        );
        assert!(message.contains("guard.rs:"), "{message}");
        // The guard is left: a value passes through.
        assert_eq!(run("test-reader", || 5).unwrap(), 5);
        assert_eq!(GUARDED.with(|g| g.get()), 0);
    }

    #[test]
    fn registry_paths_are_shortened() {
        assert_eq!(
            short_path("/root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/parquet-60.0.0/src/util/bit_util.rs"),
            "parquet-60.0.0/src/util/bit_util.rs"
        );
        assert_eq!(
            short_path("crates/formats/src/x.rs"),
            "crates/formats/src/x.rs"
        );
    }
}
