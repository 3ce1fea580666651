//! The last line of defence around third-party codecs: a panic while decoding becomes the
//! panic message, and nothing is printed for it.
//!
//! Rust's panic hook prints "thread '…' panicked at …" (and a backtrace when `RUST_BACKTRACE`
//! is set) before `catch_unwind` sees the panic, so a caught codec panic would still reach the
//! user's terminal. The first call installs a hook that stays silent while the current thread
//! is inside [`catch_quietly`] and hands every other panic to the hook that was there before.
//! Where panics abort (`panic = "abort"`, as fuzz builds are) nothing can be caught, so the
//! hook is left alone and the abort keeps its message.

use std::cell::Cell;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Once;

thread_local! {
    /// Whether this thread is inside [`catch_quietly`].
    static QUIET: Cell<bool> = const { Cell::new(false) };
}

static INSTALL: Once = Once::new();

/// Runs `f`; a panic in it gives `Err(message)` and prints nothing.
pub(crate) fn catch_quietly<R>(f: impl FnOnce() -> R) -> Result<R, String> {
    if cfg!(panic = "unwind") {
        INSTALL.call_once(|| {
            let previous = std::panic::take_hook();
            std::panic::set_hook(Box::new(move |info| {
                if !QUIET.with(Cell::get) {
                    previous(info);
                }
            }));
        });
    }
    let outer = QUIET.with(|q| q.replace(true));
    let result = catch_unwind(AssertUnwindSafe(f));
    QUIET.with(|q| q.set(outer));
    result.map_err(|panic| {
        panic
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_else(|| "unknown panic".into())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_caught_panic_gives_its_message_and_later_panics_still_reach_the_hook() {
        assert_eq!(catch_quietly(|| 5), Ok(5));
        let caught = catch_quietly(|| -> u8 { panic!("index {} out of bounds", 126) });
        assert_eq!(caught, Err("index 126 out of bounds".to_string()));
        assert_eq!(
            catch_quietly(|| std::panic::panic_any(7u8)),
            Err::<(), _>("unknown panic".into())
        );
        // outside catch_quietly the flag is off again, so other panics are printed as before
        assert!(!QUIET.with(Cell::get));
    }

    /// Run by [`nothing_reaches_stderr_even_with_backtraces`] in a child process.
    #[test]
    fn child_catches_a_panic() {
        if std::env::var_os("BS_DICOM_QUIET_CHILD").is_some() {
            let caught = catch_quietly(|| -> u8 { panic!("codec bug") });
            eprintln!("caught: {caught:?}");
        }
    }

    #[test]
    fn nothing_reaches_stderr_even_with_backtraces() {
        let out = std::process::Command::new(std::env::current_exe().unwrap())
            .args(["--exact", "codec_panic::tests::child_catches_a_panic"])
            .args(["--nocapture", "--test-threads=1"])
            .env("BS_DICOM_QUIET_CHILD", "1")
            .env("RUST_BACKTRACE", "1")
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{stderr}");
        assert!(stderr.contains("caught: Err(\"codec bug\")"), "{stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
        assert!(!stderr.contains("backtrace"), "{stderr}");
    }
}
