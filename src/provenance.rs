//! Provenance records for an auditor: beside every output file `OUT`, a JSON record
//! `OUT.meta.json` of how it was made: the fiscalsim version and build, the command
//! line, the SHA-256 of every input file (scenario files with their whole `extends`
//! chain, the data files a `[stress]` table reads, CSV inputs), the `--set` values, the
//! seed, draws and quantiles, the SHA-256 of every output and the time (UTC).
//!
//! `fiscalsim verify OUT` ([`crate::cmd::verify`]) re-runs the recorded command line and
//! says whether the bytes match.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};

/// The suffix of a record beside its output: `fan.csv` -> `fan.csv.meta.json`.
pub(crate) const SUFFIX: &str = ".meta.json";

/// A file and the SHA-256 of its bytes (lower-case hex).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct FileHash {
    /// The path as given on the command line (or as reached through `extends`).
    pub path: String,
    /// SHA-256 of the file's bytes, 64 lower-case hex digits.
    pub sha256: String,
}

/// The Monte Carlo settings of one scenario input, as resolved (flags such as `--draws`
/// and `--seed` override them; they are in the command line).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct MonteCarloSettings {
    /// The scenario file.
    pub scenario: String,
    /// `[montecarlo] draws`.
    pub draws: u64,
    /// `[montecarlo] seed`.
    pub seed: u64,
    /// `[montecarlo] quantiles` (probabilities in (0, 1)).
    pub quantiles: Vec<f64>,
}

/// How an output was made.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Record {
    /// The fiscalsim version (Cargo package version).
    pub fiscalsim: String,
    /// The build: profile, target architecture and operating system.
    pub build: String,
    /// The command line after the program name, as typed.
    pub command: Vec<String>,
    /// The `--set` values, in order.
    pub set: Vec<String>,
    /// `--seed` as given, if any.
    pub seed: Option<String>,
    /// `--draws` as given, if any (`--mc` takes the scenario's draws).
    pub draws: Option<String>,
    /// The Monte Carlo settings of each scenario input.
    pub montecarlo: Vec<MonteCarloSettings>,
    /// Every input file with its SHA-256.
    pub inputs: Vec<FileHash>,
    /// Every output file of the run with its SHA-256.
    pub outputs: Vec<FileHash>,
    /// When the run finished, UTC, ISO 8601 (`2026-12-02T14:30:00Z`).
    pub time: String,
}

/// The record path of an output: `OUT.meta.json`.
pub(crate) fn meta_path(out: &Path) -> PathBuf {
    let mut s = out.as_os_str().to_os_string();
    s.push(SUFFIX);
    PathBuf::from(s)
}

/// The SHA-256 of `bytes` as 64 lower-case hex digits.
pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The SHA-256 of a file, read in blocks (a raw-samples output may be large).
pub(crate) fn hash_file(path: &Path) -> Result<FileHash> {
    use std::io::Read;
    let err = |e| Error::Read {
        path: path.to_path_buf(),
        source: e,
    };
    let mut file = std::fs::File::open(path).map_err(err)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        match file.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => hasher.update(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(err(e)),
        }
    }
    Ok(FileHash {
        path: path.display().to_string(),
        sha256: hasher
            .finalize()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect(),
    })
}

/// The build description: `release x86_64 linux` or `debug ...`.
pub(crate) fn build() -> String {
    let profile = if cfg!(debug_assertions) {
        "debug"
    } else {
        "release"
    };
    format!(
        "{profile} {} {}",
        std::env::consts::ARCH,
        std::env::consts::OS
    )
}

/// The value of a flag in a command line (`--seed 7` or `--seed=7`), every occurrence.
pub(crate) fn flag_values(args: &[String], flag: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        if a == flag {
            out.extend(it.next().cloned());
        } else if let Some(v) = a.strip_prefix(flag).and_then(|r| r.strip_prefix('=')) {
            out.push(v.to_string());
        }
    }
    out
}

/// The argument's value part: `x` of `--flag=x`, else the argument.
fn value_of(arg: &str) -> &str {
    match arg.split_once('=') {
        Some((flag, v)) if flag.starts_with("--") => v,
        _ => arg,
    }
}

/// The input files of a command line: every argument that names an existing file and is
/// not an output, and for scenario files (`.toml`) every file they `extends` and the
/// data files their `[stress]` table reads. Also the Monte Carlo settings of scenarios.
pub(crate) fn inputs_of(
    args: &[String],
    outputs: &[PathBuf],
) -> (Vec<PathBuf>, Vec<MonteCarloSettings>) {
    let mut files: Vec<PathBuf> = Vec::new();
    let mut mc = Vec::new();
    let overrides: Vec<crate::scenario::Override> = flag_values(args, "--set")
        .iter()
        .filter_map(|s| s.parse().ok())
        .collect();
    let add = |p: PathBuf, files: &mut Vec<PathBuf>| {
        if !files.contains(&p) && !outputs.contains(&p) {
            files.push(p);
        }
    };
    for a in args {
        let p = PathBuf::from(value_of(a));
        if !p.is_file() || outputs.contains(&p) {
            continue;
        }
        if p.extension().is_some_and(|e| e == "toml") {
            for f in crate::scenario::input_files(&p) {
                add(f, &mut files);
            }
            if let Ok(sc) = crate::scenario::load(&p, &overrides) {
                for d in crate::stress::data_files(&sc) {
                    add(d.to_path_buf(), &mut files);
                }
                mc.push(MonteCarloSettings {
                    scenario: p.display().to_string(),
                    draws: sc.montecarlo.draws,
                    seed: sc.montecarlo.seed,
                    quantiles: sc.montecarlo.quantiles.clone(),
                });
            }
        } else {
            add(p, &mut files);
        }
    }
    (files, mc)
}

/// The record of a finished run of `args` that wrote `outputs`.
pub(crate) fn record(args: &[String], outputs: &[PathBuf]) -> Result<Record> {
    let (inputs, montecarlo) = inputs_of(args, outputs);
    Ok(Record {
        fiscalsim: env!("CARGO_PKG_VERSION").to_string(),
        build: build(),
        command: args.to_vec(),
        set: flag_values(args, "--set"),
        seed: flag_values(args, "--seed").pop(),
        draws: flag_values(args, "--draws").pop(),
        montecarlo,
        inputs: inputs.iter().map(|p| hash_file(p)).collect::<Result<_>>()?,
        outputs: outputs
            .iter()
            .map(|p| hash_file(p))
            .collect::<Result<_>>()?,
        time: utc_now(),
    })
}

/// Writes `OUT.meta.json` beside each of `outputs` (atomically), all holding the same
/// record of the run.
pub(crate) fn write_records(args: &[String], outputs: &[PathBuf]) -> Result<()> {
    if outputs.is_empty() {
        return Ok(());
    }
    let rec = record(args, outputs)?;
    let json = serde_json::to_string_pretty(&rec).map_err(|e| Error::Internal(e.to_string()))?;
    for out in outputs {
        let meta = meta_path(out);
        crate::output::write_atomic(&meta, |w| {
            w.write_all(json.as_bytes())
                .and_then(|()| w.write_all(b"\n"))
                .map_err(|e| Error::Write {
                    path: meta.clone(),
                    message: e.to_string(),
                })
        })?;
    }
    Ok(())
}

/// Reads the record beside `out`.
pub(crate) fn read_record(out: &Path) -> Result<Record> {
    let meta = meta_path(out);
    if !meta.exists() && out.is_file() {
        return Err(Error::usage(
            "OUT",
            format!(
                "`{}` has no provenance record `{}` (fiscalsim writes one beside every output \
                 file; standard output gets none)",
                out.display(),
                meta.display()
            ),
        ));
    }
    let text = std::fs::read_to_string(&meta).map_err(|e| Error::Read {
        path: meta.clone(),
        source: e,
    })?;
    serde_json::from_str(&text).map_err(|e| {
        Error::usage(
            "OUT",
            format!(
                "`{}` is not a fiscalsim provenance record: {e}",
                meta.display()
            ),
        )
    })
}

/// The current time, UTC, as `YYYY-MM-DDTHH:MM:SSZ`.
pub(crate) fn utc_now() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    iso8601(secs)
}

/// Seconds since 1970-01-01 UTC as `YYYY-MM-DDTHH:MM:SSZ` (proleptic Gregorian).
pub(crate) fn iso8601(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    // Howard Hinnant's days-to-civil.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha256_of_known_text() {
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn dates() {
        assert_eq!(iso8601(0), "1970-01-01T00:00:00Z");
        assert_eq!(iso8601(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(iso8601(1_796_214_600), "2026-12-02T12:30:00Z");
    }

    #[test]
    fn flags_and_meta_paths() {
        let args: Vec<String> = ["run", "a.toml", "--set", "x=1", "--seed=7", "--set=y=2"]
            .map(String::from)
            .to_vec();
        assert_eq!(flag_values(&args, "--set"), ["x=1", "y=2"]);
        assert_eq!(flag_values(&args, "--seed"), ["7"]);
        assert_eq!(
            meta_path(Path::new("out/fan.csv")),
            Path::new("out/fan.csv.meta.json")
        );
    }
}
