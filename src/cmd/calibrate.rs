//! `fiscalsim calibrate`: the `[shocks]` block estimated from annual history.

use std::io::Write;
use std::path::PathBuf;

use crate::calibrate::{self, History, Mapping, Method, Options, Potential, SeriesOptions, Split};
use crate::error::Result;
use crate::output::{Destination, io_error, refuse_overwriting_inputs, write_with};

/// Estimate the shock process (innovation sd, correlation, persistence) from annual data
/// and write it as a `[shocks]` block, commented with the sample, the estimates and their
/// standard errors.
///
/// Without --map, the columns of the shipped data/kazakhstan_macro_annual.csv are used
/// (see docs/calibrate.md).
///
/// Example: fiscalsim calibrate data/kazakhstan_macro_annual.csv --potential local-level --level-from 2000 --prices random-walk --out scenarios/kazakhstan-shocks.toml
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The annual data (CSV with a `year` column; empty cell = missing).
    pub data: PathBuf,
    /// First year of the estimation window (default: the longest run of years in which
    /// every series has a value).
    #[arg(long, value_name = "YEAR")]
    pub from: Option<i32>,
    /// Last year of the estimation window.
    #[arg(long, value_name = "YEAR")]
    pub to: Option<i32>,
    /// How to estimate.
    #[command(flatten)]
    pub settings: Settings,
    /// Also write the shock series of the window to this CSV file (`year`, then one
    /// column per shock), to inspect or plot what was estimated.
    #[arg(long, value_name = "PATH")]
    pub series: Option<PathBuf>,
    /// Write the block to this file (atomically) instead of standard output.
    #[arg(long, value_name = "PATH")]
    pub out: Option<PathBuf>,
}

/// The estimation settings of `calibrate`, shared with `backtest` (which calibrates at
/// every origin with them).
#[derive(Debug, Clone, clap::Args)]
pub struct Settings {
    /// The history of one shock: `SHOCK=COLUMN[:TRANSFORM...]` or `SHOCK=none`, e.g.
    /// `--map inflation=cpi_avg_infl_wdi:pct:demean`. Transforms, applied left to right:
    /// pct, diff, log-diff, demean, detrend, hp, potential, demand. Repeatable; replaces
    /// the default mapping of that shock.
    #[arg(long = "map", value_name = "SHOCK=COLUMN[:TRANSFORM]", value_parser = parse_map)]
    pub map: Vec<Mapping>,
    /// Estimate a full VAR(1) persistence matrix instead of one AR(1) per shock.
    #[arg(long)]
    pub var: bool,
    /// How real growth splits into potential growth and the demand shock.
    #[arg(long, value_enum, default_value = "hp")]
    pub split: Split,
    /// HP smoothing parameter (for `--split hp` and the `hp` transform).
    #[arg(long, value_name = "LAMBDA", default_value_t = 100.0)]
    pub hp_lambda: f64,
    /// Output-gap persistence rho used to back the demand shock out of the gap
    /// (`--split hp`); should match the scenario's structure.gap_persistence.
    #[arg(long, value_name = "RHO", default_value_t = 0.5)]
    pub gap_persistence: f64,
    /// Potential share of real growth (`--split share`), a fraction.
    #[arg(long, value_name = "SHARE", default_value_t = 0.5)]
    pub potential_share: f64,
    /// How potential growth's sd and persistence are estimated: `filter` (AR(1) on the
    /// split's potential-growth series) or `local-level` (real growth = a random-walk
    /// level + noise, sds by the method of moments; docs/calibrate.md).
    #[arg(long, value_enum, default_value = "filter")]
    pub potential: Potential,
    /// Persistence of the potential-growth shock with `--potential local-level`, in [0, 1).
    #[arg(long, value_name = "RHO", default_value_t = calibrate::DEFAULT_LEVEL_PERSISTENCE)]
    pub level_persistence: f64,
    /// First year of the local-level moments (`--potential local-level`; default: the
    /// window's first year); they end with the window.
    #[arg(long, value_name = "YEAR")]
    pub level_from: Option<i32>,
    /// How the commodity-price and exchange-rate shocks are estimated from their log
    /// changes: `changes` (AR(1) on the changes) or `random-walk` (the log level a near
    /// random walk: sd of the changes, persistence --price-persistence; docs/calibrate.md).
    #[arg(long, value_enum, default_value = "changes")]
    pub prices: calibrate::Prices,
    /// Persistence of the price shocks with `--prices random-walk`, in [0, 1).
    #[arg(long, value_name = "RHO", default_value_t = calibrate::DEFAULT_PRICE_PERSISTENCE)]
    pub price_persistence: f64,
    /// When the estimated persistence has a root on or outside the unit circle, scale it
    /// to this spectral radius (e.g. 0.95) and warn, instead of failing.
    #[arg(long, value_name = "RADIUS")]
    pub stabilize: Option<f64>,
    /// Write `distribution = "student_t"` with the degrees of freedom that match the
    /// excess kurtosis of the innovations (dof = 4 + 6 / kurtosis, at least 4.5).
    #[arg(long)]
    pub student_t: bool,
}

fn parse_map(s: &str) -> std::result::Result<Mapping, String> {
    s.parse()
}

impl Settings {
    /// The library options these flags stand for (the whole-data window).
    pub fn options(&self) -> Options {
        Options {
            maps: self.map.clone(),
            from: None,
            to: None,
            method: if self.var {
                Method::Var
            } else {
                Method::Diagonal
            },
            series: SeriesOptions {
                split: self.split,
                hp_lambda: self.hp_lambda,
                gap_persistence: self.gap_persistence,
                potential_share: self.potential_share,
            },
            stabilize: self.stabilize,
            student_t: self.student_t,
            potential: self.potential,
            level_persistence: self.level_persistence,
            level_from: self.level_from,
            prices: self.prices,
            price_persistence: self.price_persistence,
        }
    }
}

/// The command line as typed, for the header of the block: `fiscalsim` and the
/// arguments, quoted for a POSIX shell where needed.
pub fn command_line() -> String {
    let mut parts = vec!["fiscalsim".to_string()];
    for a in std::env::args().skip(1) {
        let plain = !a.is_empty()
            && a.chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_./=:,@+".contains(c));
        parts.push(if plain {
            a
        } else {
            format!("'{}'", a.replace('\'', r"'\''"))
        });
    }
    parts.join(" ")
}

/// Runs `calibrate`.
pub fn run(args: &Args) -> Result<()> {
    let dest = Destination::from_option(args.out.as_deref());
    refuse_overwriting_inputs(&dest, &[&args.data], "--out")?;
    let series_dest = args
        .series
        .as_deref()
        .map(|p| Destination::File(p.to_path_buf()));
    if let Some(sd) = &series_dest {
        refuse_overwriting_inputs(sd, &[&args.data], "--series")?;
        if *sd == dest {
            return Err(crate::Error::usage(
                "--series",
                "is the same file as --out: choose another path for the series CSV",
            ));
        }
    }
    let history = History::read(&args.data)?;
    let cal = calibrate::calibrate(
        &history,
        &Options {
            from: args.from,
            to: args.to,
            ..args.settings.options()
        },
    )?;
    for w in &cal.warnings {
        eprintln!("warning: {w}");
    }
    if let Some(sd) = &series_dest {
        write_with(sd, |w| cal.write_series_csv(w).map_err(|e| io_error(sd, e)))?;
    }
    let text = cal.to_toml(&command_line());
    write_with(&dest, |w: &mut dyn Write| {
        w.write_all(text.as_bytes()).map_err(|e| io_error(&dest, e))
    })
}
