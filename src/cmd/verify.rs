//! `fiscalsim verify OUT`: re-runs the command line recorded in `OUT.meta.json` with its
//! outputs redirected to a temporary directory and says whether the bytes match.

use std::path::{Path, PathBuf};

use clap::Parser;

use crate::error::{Error, Result};
use crate::provenance::{Record, hash_file, read_record, sha256_hex};

/// Check an output against its provenance record `OUT.meta.json`: re-run the recorded
/// command (from the current directory, as the paths in it are relative to where it was
/// run) and compare the bytes. Exit 0 when they match, 1 when they differ, 2 for bad
/// input (no record, an input gone, a command that no longer runs).
///
/// Example: fiscalsim verify fan.csv
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The output file to verify (its record is `OUT.meta.json` beside it).
    #[arg(value_name = "OUT")]
    pub output: PathBuf,
}

/// Where `out` stands among the record's outputs.
fn recorded_index(rec: &Record, out: &Path) -> Result<usize> {
    let same = |p: &str| {
        let p = Path::new(p);
        p == out
            || (p.canonicalize().ok().is_some() && p.canonicalize().ok() == out.canonicalize().ok())
    };
    rec.outputs
        .iter()
        .position(|o| same(&o.path))
        .ok_or_else(|| {
            Error::usage(
                "OUT",
                format!(
                    "the record names the outputs {} but not `{}`: run verify from the directory \
                 where the command was run ({})",
                    rec.outputs
                        .iter()
                        .map(|o| format!("`{}`", o.path))
                        .collect::<Vec<_>>()
                        .join(", "),
                    out.display(),
                    rec.command.join(" ")
                ),
            )
        })
}

/// The recorded command line with every output path replaced by a file in `dir`.
fn redirected(rec: &Record, dir: &Path) -> Vec<(String, PathBuf)> {
    rec.outputs
        .iter()
        .enumerate()
        .map(|(i, o)| {
            let name = Path::new(&o.path)
                .file_name()
                .map_or_else(|| format!("out-{i}"), |n| n.to_string_lossy().into_owned());
            (o.path.clone(), dir.join(format!("{i}-{name}")))
        })
        .collect()
}

fn replace_outputs(args: &[String], map: &[(String, PathBuf)]) -> Vec<String> {
    args.iter()
        .map(|a| {
            for (from, to) in map {
                if a == from {
                    return to.display().to_string();
                }
                if let Some((flag, v)) = a.split_once('=')
                    && flag.starts_with("--")
                    && v == from
                {
                    return format!("{flag}={}", to.display());
                }
            }
            a.clone()
        })
        .collect()
}

/// Warns about inputs whose bytes changed since the record, or that are gone.
fn check_inputs(rec: &Record) -> usize {
    let mut changed = 0;
    for i in &rec.inputs {
        match hash_file(Path::new(&i.path)) {
            Ok(h) if h.sha256 == i.sha256 => {}
            Ok(_) => {
                changed += 1;
                eprintln!(
                    "note: input `{}` changed since the record (SHA-256 differs)",
                    i.path
                );
            }
            Err(e) => {
                changed += 1;
                eprintln!("note: input `{}`: {e}", i.path);
            }
        }
    }
    changed
}

/// Runs `verify`.
pub(crate) fn run(args: &Args) -> Result<()> {
    let out = &args.output;
    let rec = read_record(out)?;
    let idx = recorded_index(&rec, out)?;
    let current = std::fs::read(out).map_err(|e| Error::Read {
        path: out.clone(),
        source: e,
    })?;
    if rec.fiscalsim != env!("CARGO_PKG_VERSION") {
        eprintln!(
            "note: made by fiscalsim {}, verified with {}",
            rec.fiscalsim,
            env!("CARGO_PKG_VERSION")
        );
    }
    let changed_inputs = check_inputs(&rec);
    let dir = tempfile::tempdir().map_err(|e| Error::Write {
        path: std::env::temp_dir(),
        message: e.to_string(),
    })?;
    let map = redirected(&rec, dir.path());
    let argv = replace_outputs(&rec.command, &map);
    let cli = super::Cli::try_parse_from(
        std::iter::once("fiscalsim".to_string()).chain(argv.iter().cloned()),
    )
    .map_err(|e| {
        Error::usage(
            "OUT",
            format!("the recorded command line no longer parses: {}", e.kind()),
        )
    })?;
    eprintln!("re-running: fiscalsim {}", rec.command.join(" "));
    super::run_recorded(cli.command, &rec.command)?;
    let fresh_path = &map[idx].1;
    let fresh = std::fs::read(fresh_path).map_err(|e| Error::Read {
        path: fresh_path.clone(),
        source: e,
    })?;
    let (now, again) = (sha256_hex(&current), sha256_hex(&fresh));
    let recorded = &rec.outputs[idx].sha256;
    if current == fresh {
        println!(
            "match: `{}` is reproduced byte for byte (SHA-256 {now}){}",
            out.display(),
            if *recorded == now {
                ""
            } else {
                "; note: the record's SHA-256 differs (the file was replaced by an identical run?)"
            }
        );
        return Ok(());
    }
    Err(Error::Differences(format!(
        "mismatch: re-running gives different bytes for `{}` (SHA-256 now {now}, re-run {again}, \
         recorded {recorded}){}{}",
        out.display(),
        if *recorded == now {
            ""
        } else {
            "; the file was changed after the run"
        },
        if changed_inputs > 0 {
            format!("; {changed_inputs} input(s) changed since the record")
        } else {
            String::new()
        }
    )))
}
