//! Writing results: atomic files (temporary file in the same directory, then rename) or
//! standard output, and the per-year CSV of a projection.
//!
//! Numbers are written with Rust's shortest round-trip formatting, so a CSV read back
//! gives the very same `f64` and the same run always writes the same bytes.

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::model::{OUTPUT_NAMES, Year};

/// Where an output goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Destination {
    /// Standard output.
    Stdout,
    /// A file, replaced atomically.
    File(PathBuf),
}

impl Destination {
    /// A file when `path` is given (and is not `-`), otherwise standard output.
    pub fn from_option(path: Option<&Path>) -> Destination {
        match path {
            Some(p) if p != Path::new("-") => Destination::File(p.to_path_buf()),
            _ => Destination::Stdout,
        }
    }
}

/// Refuses an output path that is one of the inputs (it would destroy the input).
pub fn refuse_overwriting_inputs(out: &Destination, inputs: &[&Path], flag: &str) -> Result<()> {
    let Destination::File(out) = out else {
        return Ok(());
    };
    let Ok(out_canon) = out.canonicalize() else {
        return Ok(()); // does not exist yet: cannot be an input
    };
    for input in inputs {
        if input.canonicalize().is_ok_and(|i| i == out_canon) {
            return Err(Error::usage(
                flag,
                format!(
                    "`{}` is also an input: refusing to overwrite it (choose another output path)",
                    out.display()
                ),
            ));
        }
    }
    Ok(())
}

/// Writes an output with `fill`. For a file, everything goes to a temporary file in the
/// same directory that is renamed over `path` only once complete: on any error (or a
/// crash) the previous file, if any, is untouched and no partial file remains.
pub fn write_with(
    dest: &Destination,
    fill: impl FnOnce(&mut dyn Write) -> Result<()>,
) -> Result<()> {
    match dest {
        Destination::Stdout => {
            let stdout = io::stdout();
            let mut lock = io::BufWriter::new(stdout.lock());
            fill(&mut lock)?;
            match lock.flush() {
                Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
                other => other.map_err(|e| Error::Write {
                    path: PathBuf::from("<stdout>"),
                    message: e.to_string(),
                }),
            }
        }
        Destination::File(path) => write_atomic(path, fill),
    }
}

/// Atomically replaces `path` with what `fill` writes.
pub fn write_atomic(path: &Path, fill: impl FnOnce(&mut dyn Write) -> Result<()>) -> Result<()> {
    let werr = |e: &dyn std::fmt::Display| Error::Write {
        path: path.to_path_buf(),
        message: e.to_string(),
    };
    if path.is_dir() {
        return Err(werr(&"it is a directory"));
    }
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    if !dir.is_dir() {
        return Err(werr(&format!(
            "directory `{}` does not exist",
            dir.display()
        )));
    }
    let file_name = path
        .file_name()
        .map_or_else(|| "output".into(), |n| n.to_string_lossy().into_owned());
    let tmp = tempfile::Builder::new()
        .prefix(&format!(".{file_name}."))
        .suffix(".fiscalsim-tmp")
        .tempfile_in(dir)
        .map_err(|e| werr(&e))?;
    {
        let mut w = io::BufWriter::new(tmp.as_file());
        fill(&mut w)?;
        w.flush().map_err(|e| werr(&e))?;
    }
    tmp.as_file().sync_all().map_err(|e| werr(&e))?;
    tmp.persist(path).map_err(|e| werr(&e.error))?;
    Ok(())
}

/// Maps an I/O error while writing to `dest` to an [`Error`].
pub fn io_error(dest: &Destination, e: impl std::fmt::Display) -> Error {
    Error::Write {
        path: match dest {
            Destination::Stdout => PathBuf::from("<stdout>"),
            Destination::File(p) => p.clone(),
        },
        message: e.to_string(),
    }
}

/// Writes a deterministic projection as CSV: `scenario,year`, then every canonical output.
pub fn write_projection_csv(
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

/// A number as written in every CSV: shortest round-trip decimal; `NaN`, `inf`, `-inf`.
pub fn format_number(v: f64) -> String {
    if v.is_nan() {
        "NaN".into()
    } else if v.is_infinite() {
        if v > 0.0 { "inf".into() } else { "-inf".into() }
    } else {
        v.to_string()
    }
}
