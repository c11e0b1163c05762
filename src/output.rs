//! Writing results: atomic files (temporary file in the same directory, then rename) or
//! standard output, and the per-year CSV of a projection.
//!
//! Numbers are written with Rust's shortest round-trip formatting, so a CSV read back
//! gives the very same `f64` and the same run always writes the same bytes.

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use crate::error::{Error, Result, describe_io};
use crate::model::{OUTPUT_NAMES, Year};
pub use crate::number::format_number;

/// Where an output goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Destination {
    /// Standard output.
    Stdout,
    /// A file, replaced atomically.
    File(PathBuf),
}

impl Destination {
    /// A file when `path` is given (and is not `-`), otherwise standard output.
    pub(crate) fn from_option(path: Option<&Path>) -> Destination {
        match path {
            Some(p) if p != Path::new("-") => Destination::File(p.to_path_buf()),
            _ => Destination::Stdout,
        }
    }
}

/// Refuses an output path that is one of the inputs (it would destroy the input). A
/// scenario input also protects every file it `extends`, directly or not. Paths are
/// compared after resolving symbolic links and `..`.
pub(crate) fn refuse_overwriting_inputs(
    out: &Destination,
    inputs: &[&Path],
    flag: &str,
) -> Result<()> {
    let Destination::File(out) = out else {
        return Ok(());
    };
    let Ok(out_canon) = out.canonicalize() else {
        return Ok(()); // does not exist yet: cannot be an input
    };
    for input in inputs {
        for (depth, file) in crate::scenario::input_files(input).iter().enumerate() {
            if file.canonicalize().is_ok_and(|i| i == out_canon) {
                let what = if depth == 0 {
                    "is also an input".to_string()
                } else {
                    format!("is extended by the input `{}`", input.display())
                };
                return Err(Error::usage(
                    flag,
                    format!(
                        "`{}` {what}: refusing to overwrite it (choose another output path)",
                        out.display()
                    ),
                ));
            }
        }
    }
    Ok(())
}

/// Writes an output with `fill`. For a file, everything goes to a temporary file in the
/// same directory that is renamed over `path` only once complete: on any error (or a
/// crash) the previous file, if any, is untouched and no partial file remains.
pub(crate) fn write_with(
    dest: &Destination,
    fill: impl FnOnce(&mut dyn Write) -> Result<()>,
) -> Result<()> {
    match dest {
        Destination::Stdout => {
            let stdout = io::stdout();
            let mut lock = io::BufWriter::new(UntilClosed {
                inner: stdout.lock(),
                closed: false,
            });
            fill(&mut lock)?;
            lock.flush().map_err(|e| Error::Write {
                path: PathBuf::from("<stdout>"),
                message: e.to_string(),
            })
        }
        Destination::File(path) => write_atomic(path, fill),
    }
}

/// Standard output that a reader may close early (`fiscalsim run ... | head`): once the
/// pipe is closed, the rest is discarded and counted as written. The one rule for every
/// command, deterministic or Monte Carlo: a reader that stops early is not an error (exit
/// code 0, no message), as for `cat` or `grep` whose reader went away.
struct UntilClosed<W: Write> {
    inner: W,
    closed: bool,
}

impl<W: Write> UntilClosed<W> {
    fn guard<T>(&mut self, r: io::Result<T>, done: T) -> io::Result<T> {
        match r {
            Err(e) if e.kind() == io::ErrorKind::BrokenPipe => {
                self.closed = true;
                Ok(done)
            }
            other => other,
        }
    }
}

impl<W: Write> Write for UntilClosed<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.closed {
            return Ok(buf.len());
        }
        let r = self.inner.write(buf);
        self.guard(r, buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        if self.closed {
            return Ok(());
        }
        let r = self.inner.flush();
        self.guard(r, ())
    }
}

/// The suffix of the temporary files of [`write_atomic`].
pub(crate) const TEMP_SUFFIX: &str = ".fiscalsim-tmp";

/// Environment variable read by `write_atomic` in tests only: milliseconds to wait
/// after the temporary file is complete and before it is renamed, so that a test can
/// interrupt a run while its temporary file exists.
pub const TEST_DELAY_ENV: &str = "FISCALSIM_TEST_DELAY_RENAME_MS";

/// The prefix of the temporary files for an output named `file_name` (hidden, beside it).
fn temp_prefix(file_name: &str) -> String {
    format!(".{file_name}.")
}

/// Atomically replaces `path` with what `fill` writes.
///
/// A `path` that exists and is not a regular file (a device such as `/dev/null`, a named
/// pipe) is written into directly: it cannot be replaced, and must not be. A symbolic
/// link to a file stays a link: the file it points to is replaced.
///
/// The content goes to a hidden temporary file in the same directory,
/// `.<name>.<pid>.<random>.fiscalsim-tmp`, which is flushed, synced and then renamed over
/// `path`: readers see the old file or the new one, never a mixture. On any error the
/// temporary file is removed and `path` is untouched; on Ctrl-C or SIGTERM the handler of
/// `crate::interrupt` removes it. Temporary files of the same output left by a run
/// that was killed outright (SIGKILL, power loss) are removed first
/// ([`remove_stale_temporaries`]).
pub(crate) fn write_atomic(
    path: &Path,
    fill: impl FnOnce(&mut dyn Write) -> Result<()>,
) -> Result<()> {
    let werr = |e: &dyn std::fmt::Display| Error::Write {
        path: path.to_path_buf(),
        message: e.to_string(),
    };
    let ioerr = |e: &io::Error| werr(&describe_io(e));
    let named = path;
    // A symbolic link to a file: replace the file it points to and keep the link.
    let target;
    let path = match std::fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_symlink() && path.is_file() => {
            target = path.canonicalize().map_err(|e| ioerr(&e))?;
            target.as_path()
        }
        // A link that leads nowhere (a loop of links, or to a missing file): replacing
        // the link would hide the mistake.
        Ok(m) if m.file_type().is_symlink() => {
            if let Err(e) = std::fs::metadata(path) {
                return Err(werr(&format!(
                    "it is a symbolic link that leads to no file ({}): refusing to replace \
                     the link (fix or remove it, or choose another path)",
                    describe_io(&e)
                )));
            }
            path
        }
        _ => path,
    };
    if crate::scenario::is_input(path) {
        // The last guard, for inputs the early check could not see (an `extends` chain
        // read from a pipe): every scenario file read is protected, at any depth.
        return Err(werr(
            &"it is a scenario file read by this run (possibly through `extends`): refusing \
              to overwrite it (choose another output path)",
        ));
    }
    if let Ok(meta) = std::fs::metadata(path)
        && !meta.is_file()
        && !meta.is_dir()
    {
        // A device, FIFO or socket (`/dev/null`, `/dev/stdout`, a named pipe): there is
        // nothing to replace atomically, and renaming over it would destroy it.
        let file = std::fs::OpenOptions::new()
            .write(true)
            .open(path)
            .map_err(|e| ioerr(&e))?;
        let mut w = io::BufWriter::new(file);
        fill(&mut w)?;
        return w.flush().map_err(|e| ioerr(&e));
    }
    if path.is_dir() {
        return Err(werr(
            &"it is a directory (give a file path, e.g. `results/run.csv`)",
        ));
    }
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    if !dir.is_dir() {
        return Err(werr(&format!(
            "directory `{}` does not exist (create it first, or choose another path)",
            dir.display()
        )));
    }
    let tmp = temp_file_beside(named, path, dir)?;
    let tmp_path = tmp.path().to_path_buf();
    crate::interrupt::register(&tmp_path);
    let written = (|| {
        let mut w = io::BufWriter::new(tmp.as_file());
        fill(&mut w)?;
        w.flush().map_err(|e| ioerr(&e))?;
        drop(w);
        tmp.as_file().sync_all().map_err(|e| ioerr(&e))
    })();
    if let Err(e) = written {
        drop(tmp); // removes the temporary file
        crate::interrupt::unregister(&tmp_path);
        return Err(e);
    }
    if let Some(ms) = std::env::var(TEST_DELAY_ENV)
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
    {
        std::thread::sleep(std::time::Duration::from_millis(ms));
    }
    crate::interrupt::complete(&tmp_path, || tmp.persist(path)).map_err(|e| ioerr(&e.error))?;
    crate::interrupt::written(path);
    // Make the rename itself durable (a crash right after it keeps the new file). Not all
    // systems can sync a directory; the output is complete either way.
    #[cfg(unix)]
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

/// A new temporary file in `dir` for `path` (the file an output named `named` replaces),
/// with the permissions `path` has, or those of a new file.
fn temp_file_beside(named: &Path, path: &Path, dir: &Path) -> Result<tempfile::NamedTempFile> {
    let werr = |e: &dyn std::fmt::Display| Error::Write {
        path: named.to_path_buf(),
        message: e.to_string(),
    };
    let ioerr = |e: &io::Error| werr(&describe_io(e));
    let file_name = path
        .file_name()
        .map_or_else(|| "output".into(), |n| n.to_string_lossy().into_owned());
    remove_stale_temporaries(dir, &file_name);
    let prefix = format!("{}{}.", temp_prefix(&file_name), std::process::id());
    let mut builder = tempfile::Builder::new();
    builder.prefix(&prefix).suffix(TEMP_SUFFIX);
    // A new output gets the usual permissions of a new file (0666 less the umask), not
    // the private 0600 of a temporary file; a replaced output keeps its permissions.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    let tmp = builder
        .tempfile_in(dir)
        .map_err(|e| werr(&create_failure(dir, &e)))?;
    if let Ok(old) = std::fs::metadata(path) {
        tmp.as_file()
            .set_permissions(old.permissions())
            .map_err(|e| ioerr(&e))?;
    }
    Ok(tmp)
}

/// Why a file could not be created in `dir`: a directory that refuses new files is named
/// as such (not the file, whose permissions do not matter).
fn create_failure(dir: &Path, e: &io::Error) -> String {
    match e.kind() {
        io::ErrorKind::PermissionDenied | io::ErrorKind::ReadOnlyFilesystem => {
            let what = if e.kind() == io::ErrorKind::PermissionDenied {
                "permission denied"
            } else {
                "the file system is read-only"
            };
            format!(
                "cannot create a file in directory `{}`: {what} (check the directory's \
                 permissions, or choose another directory)",
                dir.display()
            )
        }
        _ => describe_io(e),
    }
}

/// Removes the temporary files of output `file_name` in `dir` that a killed run left
/// behind: those whose process (the pid in their name) no longer runs. Where running
/// processes cannot be listed (no `/proc`), a temporary file counts as left behind once
/// it is a day old. Files of running processes, and every other file, are left alone.
/// Returns how many files were removed.
pub(crate) fn remove_stale_temporaries(dir: &Path, file_name: &str) -> usize {
    let prefix = temp_prefix(file_name);
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    let own = std::process::id();
    let proc_fs = Path::new("/proc/self").exists();
    let mut removed = 0;
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(pid) = name
            .strip_prefix(&prefix)
            .and_then(|rest| rest.strip_suffix(TEMP_SUFFIX))
            .and_then(|rest| rest.split_once('.'))
            .filter(|(_, random)| random.chars().all(|c| c.is_ascii_alphanumeric()))
            .and_then(|(pid, _)| pid.parse::<u32>().ok())
        else {
            continue;
        };
        if pid == own {
            continue;
        }
        let stale = if proc_fs {
            !Path::new(&format!("/proc/{pid}")).exists()
        } else {
            entry
                .metadata()
                .and_then(|m| m.modified())
                .ok()
                .and_then(|t| t.elapsed().ok())
                .is_some_and(|age| age.as_secs() > 24 * 3600)
        };
        if stale && std::fs::remove_file(entry.path()).is_ok() {
            removed += 1;
        }
    }
    removed
}

/// Maps an I/O error while writing to `dest` to an [`Error`].
pub(crate) fn io_error(dest: &Destination, e: impl std::fmt::Display) -> Error {
    Error::Write {
        path: match dest {
            Destination::Stdout => PathBuf::from("<stdout>"),
            Destination::File(p) => p.clone(),
        },
        message: e.to_string(),
    }
}

/// Writes a deterministic projection as CSV: `scenario,year`, then every canonical output.
pub(crate) fn write_projection_csv(
    w: &mut dyn Write,
    scenario: &str,
    years: &[i32],
    path: &[Year],
) -> io::Result<()> {
    let mut csv = csv::Writer::from_writer(w);
    let mut header = vec!["scenario", "year"];
    header.extend(OUTPUT_NAMES);
    csv.write_record(&header)?;
    for (year, y) in years.iter().zip(path) {
        let mut record = vec![scenario.to_string(), year.to_string()];
        record.extend(y.values().iter().map(|v| format_number(*v)));
        csv.write_record(&record)?;
    }
    csv.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_closed_pipe_discards_the_rest_and_is_no_error() {
        struct Closed(usize);
        impl Write for Closed {
            fn write(&mut self, _buf: &[u8]) -> io::Result<usize> {
                self.0 += 1;
                Err(io::Error::from(io::ErrorKind::BrokenPipe))
            }
            fn flush(&mut self) -> io::Result<()> {
                Err(io::Error::from(io::ErrorKind::BrokenPipe))
            }
        }
        let mut w = UntilClosed {
            inner: Closed(0),
            closed: false,
        };
        assert_eq!(w.write(b"abc").unwrap(), 3);
        assert!(w.write_all(b"more").is_ok() && w.flush().is_ok());
        assert_eq!(w.inner.0, 1);
    }

    /// Root may write anywhere, so the message is checked on the description itself.
    #[test]
    fn a_directory_that_refuses_files_is_named_not_the_file() {
        let e = io::Error::from(io::ErrorKind::PermissionDenied);
        let m = create_failure(Path::new("results"), &e);
        assert_eq!(
            m,
            "cannot create a file in directory `results`: permission denied (check the \
             directory's permissions, or choose another directory)"
        );
        assert!(!m.contains("file's permissions"));
    }

    #[test]
    fn stale_temporaries_of_dead_processes_only_are_removed() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        // u32::MAX - 1 exceeds every pid limit: that process cannot be running.
        let dead = format!(".out.csv.{}.AbC123.fiscalsim-tmp", u32::MAX - 1);
        let live = format!(".out.csv.{}.AbC123.fiscalsim-tmp", std::process::id());
        let other_output = format!(".out.csv.5.{}.AbC123.fiscalsim-tmp", u32::MAX - 1);
        let not_ours = ".out.csv.123.txt";
        for name in [&dead, &live, &other_output, not_ours, "out.csv"] {
            std::fs::write(d.join(name), "x").unwrap();
        }
        if Path::new("/proc/self").exists() {
            assert_eq!(remove_stale_temporaries(d, "out.csv"), 1);
            assert!(!d.join(&dead).exists());
        }
        for kept in [&live, &other_output, not_ours, "out.csv"] {
            assert!(d.join(kept).exists(), "{kept} must stay");
        }
    }

    #[test]
    fn a_failing_fill_leaves_the_old_file_and_no_temporary() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out.csv");
        std::fs::write(&out, "old").unwrap();
        let r = write_atomic(&out, |w| {
            w.write_all(b"partial").unwrap();
            Err(Error::Internal("boom".into()))
        });
        assert!(matches!(r, Err(Error::Internal(_))));
        assert_eq!(std::fs::read_to_string(&out).unwrap(), "old");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
        write_atomic(&out, |w| {
            w.write_all(b"new")
                .map_err(|e| io_error(&Destination::File(out.clone()), e))
        })
        .unwrap();
        assert_eq!(std::fs::read_to_string(&out).unwrap(), "new");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[cfg(unix)]
    #[test]
    fn a_named_pipe_is_written_into_not_replaced() {
        use std::os::unix::fs::FileTypeExt;
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("pipe");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        if !made.is_ok_and(|s| s.success()) {
            return; // no mkfifo on this system
        }
        let reader = {
            let fifo = fifo.clone();
            std::thread::spawn(move || std::fs::read_to_string(fifo).unwrap())
        };
        write_atomic(&fifo, |w| {
            w.write_all(b"through the pipe")
                .map_err(|e| io_error(&Destination::File(fifo.clone()), e))
        })
        .unwrap();
        assert_eq!(reader.join().unwrap(), "through the pipe");
        assert!(std::fs::metadata(&fifo).unwrap().file_type().is_fifo());
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[cfg(unix)]
    #[test]
    fn outputs_get_ordinary_permissions_and_replacements_keep_theirs() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("new.csv");
        let write = |p: &Path| {
            write_atomic(p, |w| {
                w.write_all(b"x")
                    .map_err(|e| io_error(&Destination::File(p.to_path_buf()), e))
            })
            .unwrap()
        };
        write(&out);
        let mode = std::fs::metadata(&out).unwrap().permissions().mode() & 0o777;
        // 0666 less the umask: at least readable and writable by the owner, never
        // executable, and not the 0600 of a private temporary file unless the umask says so.
        let probe = dir.path().join("probe");
        std::fs::write(&probe, "").unwrap();
        let umask_mode = std::fs::metadata(&probe).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, umask_mode);
        std::fs::set_permissions(&out, std::fs::Permissions::from_mode(0o640)).unwrap();
        write(&out);
        let mode = std::fs::metadata(&out).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o640);
    }

    #[cfg(unix)]
    #[test]
    fn a_link_to_a_file_stays_a_link_and_its_target_is_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("real.csv");
        let link = dir.path().join("latest.csv");
        std::fs::write(&real, "old").unwrap();
        std::os::unix::fs::symlink("real.csv", &link).unwrap();
        write_atomic(&link, |w| {
            w.write_all(b"new")
                .map_err(|e| io_error(&Destination::File(link.clone()), e))
        })
        .unwrap();
        assert!(
            std::fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(std::fs::read_to_string(&real).unwrap(), "new");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 2);
    }

    #[test]
    fn numbers_are_written_shortest_and_non_finite_by_name() {
        assert_eq!(format_number(0.1), "0.1");
        assert_eq!(format_number(f64::NAN), "NaN");
        assert_eq!(format_number(f64::NEG_INFINITY), "-inf");
    }
}
