//! Interruptions (Ctrl-C, `kill`): a run that is stopped leaves no partial file behind.
//!
//! Every output file is first written to a temporary file beside it (see
//! [`crate::output::write_atomic`]), which is registered here while it exists. On
//! SIGINT, SIGTERM or SIGHUP, [`install`]'s handler removes every registered temporary
//! file and ends the process with the conventional exit code 128 + signal number (130
//! for Ctrl-C, 143 for SIGTERM, 129 for SIGHUP); existing outputs are untouched because
//! they are only ever replaced by a rename. A run killed with SIGKILL cannot react: its
//! temporary file is removed by the next run that writes the same output (see
//! [`crate::output::remove_stale_temporaries`]).

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

/// Temporary files being written, removed if the process is interrupted.
static PENDING: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

fn pending() -> MutexGuard<'static, Vec<PathBuf>> {
    // A panic while holding the lock leaves a plain list: still usable.
    PENDING.lock().unwrap_or_else(|e| e.into_inner())
}

/// Registers a temporary file to be removed if the process is interrupted.
pub(crate) fn register(tmp: &Path) {
    pending().push(tmp.to_path_buf());
}

/// Runs `finish` (typically the rename of `tmp` over the output) with interruptions held
/// off, then unregisters `tmp`: an interruption happens either before (the temporary file
/// is removed, the old output stays) or after (the new output is complete), never during.
pub(crate) fn complete<R>(tmp: &Path, finish: impl FnOnce() -> R) -> R {
    let mut list = pending();
    let result = finish();
    list.retain(|p| p != tmp);
    result
}

/// Outputs this process has written in full (renamed into place), named in the message
/// of an interruption: they were replaced, not left as they were.
static WRITTEN: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

/// Records that the output `path` was written in full (replacing any file there).
pub(crate) fn written(path: &Path) {
    WRITTEN
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .push(path.to_path_buf());
}

/// The message of an interruption by `name`: what was removed, and which outputs were
/// already replaced in full (`written`) rather than left as they were.
pub(crate) fn message(name: &str, written: &[PathBuf]) -> String {
    if written.is_empty() {
        return format!(
            "fiscalsim: interrupted by {name}: unfinished output removed, existing files left \
             as they were"
        );
    }
    let names: Vec<String> = written
        .iter()
        .map(|p| format!("`{}`", p.display()))
        .collect();
    format!(
        "fiscalsim: interrupted by {name}: unfinished output removed; {} already written in \
         full by this run; other existing files left as they were",
        names.join(", ")
    )
}

/// Unregisters a temporary file that was removed or renamed without [`complete`].
pub(crate) fn unregister(tmp: &Path) {
    pending().retain(|p| p != tmp);
}

/// The exit code of a process ended by signal `signal`: 128 + its number.
pub(crate) fn exit_code(signal: i32) -> i32 {
    128 + signal
}

/// Installs the handler of SIGINT, SIGTERM and SIGHUP (once per process; later calls do
/// nothing). On platforms without Unix signals this does nothing: an interrupted run
/// there may leave a temporary file, which the next run writing the same output removes.
pub(crate) fn install() {
    #[cfg(unix)]
    {
        use std::sync::Once;
        static INSTALLED: Once = Once::new();
        INSTALLED.call_once(unix::install);
    }
}

#[cfg(unix)]
mod unix {
    use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
    use signal_hook::iterator::Signals;

    pub(super) fn install() {
        let Ok(mut signals) = Signals::new([SIGINT, SIGTERM, SIGHUP]) else {
            // Without a handler the default action (termination) applies; the next run
            // removes any temporary file left behind.
            return;
        };
        let spawned = std::thread::Builder::new()
            .name("fiscalsim-signals".into())
            .spawn(move || {
                if let Some(signal) = signals.forever().next() {
                    // Holding the lock until exit: no rename can start after this point.
                    let list = super::pending();
                    for tmp in list.iter() {
                        let _ = std::fs::remove_file(tmp);
                    }
                    let name = match signal {
                        SIGINT => "SIGINT (Ctrl-C)",
                        SIGTERM => "SIGTERM",
                        _ => "SIGHUP",
                    };
                    let written = super::WRITTEN.lock().map(|w| w.clone()).unwrap_or_default();
                    eprintln!("{}", super::message(name, &written));
                    std::process::exit(super::exit_code(signal));
                }
            });
        // If the thread cannot start, the default action of the signals applies.
        drop(spawned);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn complete_unregisters_and_returns_the_result() {
        let p = Path::new("/nonexistent/.x.fiscalsim-tmp");
        register(p);
        assert!(pending().iter().any(|q| q == p));
        assert_eq!(complete(p, || 7), 7);
        assert!(!pending().iter().any(|q| q == p));
        register(p);
        unregister(p);
        assert!(!pending().iter().any(|q| q == p));
        assert_eq!(exit_code(2), 130);
        assert_eq!(exit_code(15), 143);
    }

    #[test]
    fn the_message_names_outputs_already_replaced() {
        assert!(message("SIGTERM", &[]).ends_with("existing files left as they were"));
        let m = message("SIGINT (Ctrl-C)", &[PathBuf::from("samples.csv")]);
        assert!(m.contains("`samples.csv` already written in full"), "{m}");
        assert!(!m.contains(", existing files left as they were"), "{m}");
    }
}
