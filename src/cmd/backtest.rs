//! `fiscalsim backtest`: rolling-origin hindcasts that score the fan charts against history.

use std::path::PathBuf;

use crate::backtest::{self, Backtest, Options, pooled, table};
use crate::calibrate::History;
use crate::cmd::calibrate::Settings;
use crate::error::{Error, Result};
use crate::output::{Destination, io_error, refuse_overwriting_inputs, write_with};

/// Backtest the fan charts: for each origin year T0, calibrate the shocks on data up to
/// T0, build the scenario at T0 from what was known then, run the Monte Carlo and score
/// the outcomes at horizons 1..H (band coverage with Wilson intervals, PIT, CRPS against
/// a naive forecast). Samples are small: one case per origin and horizon.
///
/// Example (the shipped calibration): fiscalsim backtest data/kazakhstan_macro_annual.csv --potential local-level --prices random-walk --out backtest.csv
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The annual data (the columns of the shipped data/kazakhstan_macro_annual.csv).
    pub data: PathBuf,
    /// The calibration under test (the flags of `calibrate`).
    #[command(flatten)]
    pub settings: Settings,
    /// First year of history used: calibration windows start here; trailing means and
    /// the naive forecast's errors use no earlier year.
    #[arg(long, value_name = "YEAR", default_value_t = 2000)]
    pub history_from: i32,
    /// First year of the calibration windows (default: --history-from; a mapped series
    /// that starts later, e.g. the primary balance in 2002, starts them later, and is
    /// switched off at origins with fewer than 8 of its years).
    #[arg(long, value_name = "YEAR")]
    pub calibrate_from: Option<i32>,
    /// First origin (default: the first with 8 years of history).
    #[arg(long, value_name = "YEAR")]
    pub first_origin: Option<i32>,
    /// Last origin (default: the last year with an outcome a year later).
    #[arg(long, value_name = "YEAR")]
    pub last_origin: Option<i32>,
    /// Horizons 1..H, in years.
    #[arg(long, value_name = "H", default_value_t = 5)]
    pub horizon: usize,
    /// Years of the trailing means (baseline growth and inflation; naive forecast).
    #[arg(long, value_name = "YEARS", default_value_t = 10)]
    pub trailing: usize,
    /// Monte Carlo draws per origin (at least 100).
    #[arg(long, value_name = "N", default_value_t = 2000, value_parser = crate::cmd::parse_draws)]
    pub draws: u64,
    /// Seed of the Monte Carlo (origin T0 uses seed + T0).
    #[arg(long, value_name = "SEED", default_value_t = 17)]
    pub seed: u64,
    /// Conditional variant: feed the realised primary balance and oil price; the other
    /// shocks are drawn given the realised oil innovations.
    #[arg(long)]
    pub conditional: bool,
    /// The exchange rate's baseline: `no-change` from T0, or `drift` at its trailing mean
    /// log change.
    #[arg(long, value_enum, default_value = "no-change")]
    pub exchange_rate: FxBaseline,
    /// Debt/GDP's baseline: `no-change` (other flows such that debt/GDP stays at its T0
    /// value without shocks) or `trailing` (debt's residual at its trailing mean).
    #[arg(long, value_enum, default_value = "no-change")]
    pub debt_baseline: DebtBaseline,
    /// Write every scored case (origin, variable, horizon, outcome, quantiles, PIT,
    /// CRPS) to this CSV file.
    #[arg(long, value_name = "PATH")]
    pub cases: Option<PathBuf>,
    /// Draw PIT histograms and coverage against nominal to this SVG file.
    #[arg(long, value_name = "PATH")]
    pub chart: Option<PathBuf>,
    /// Write the scores to this CSV file (atomically) instead of standard output.
    #[arg(long, value_name = "PATH")]
    pub out: Option<PathBuf>,
}

/// Debt's baseline path in the scenario at T0.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DebtBaseline {
    /// The primary balance and debt's residual at their trailing means.
    Trailing,
    /// Debt/GDP unchanged from T0 without shocks.
    NoChange,
}

/// The exchange rate's baseline path in the scenario at T0.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FxBaseline {
    /// Unchanged from T0.
    NoChange,
    /// Drifting at the trailing mean of its log changes.
    Drift,
}

impl Args {
    /// The library options these flags stand for.
    pub fn options(&self) -> Options {
        Options {
            calibration: self.settings.options(),
            history_from: self.history_from,
            calibrate_from: self.calibrate_from,
            first_origin: self.first_origin,
            last_origin: self.last_origin,
            horizon: self.horizon,
            trailing: self.trailing,
            draws: self.draws,
            seed: self.seed,
            conditional: self.conditional,
            fx_drift: self.exchange_rate == FxBaseline::Drift,
            debt_no_change: self.debt_baseline == DebtBaseline::NoChange,
        }
    }
}

/// The destinations, checked: none is the input, no two are the same file.
fn destinations(args: &Args) -> Result<Vec<(Destination, &'static str)>> {
    let mut d = vec![(Destination::from_option(args.out.as_deref()), "--out")];
    for (p, flag) in [(&args.cases, "--cases"), (&args.chart, "--chart")] {
        if let Some(p) = p {
            d.push((Destination::File(p.clone()), flag));
        }
    }
    for (i, (dest, flag)) in d.iter().enumerate() {
        refuse_overwriting_inputs(dest, &[&args.data], flag)?;
        if let Destination::File(_) = dest
            && d[..i].iter().any(|(other, _)| other == dest)
        {
            return Err(Error::usage(
                *flag,
                "is the same file as another output: choose another path",
            ));
        }
    }
    Ok(d)
}

/// A summary for standard error: origins, pooled growth coverage, warnings.
fn summary(bt: &Backtest) -> String {
    let (n, h50, h90) = pooled(&bt.cases, 0, &[1, 3, 5]);
    let pct = |k: usize| 100.0 * k as f64 / n.max(1) as f64;
    let mut s = format!(
        "backtest: origins {}-{} ({} run); real growth at horizons 1, 3, 5 pooled: {n} \
         cases, {:.0} % in the 50 % bands, {:.0} % in the 90 % bands (small samples: see the \
         Wilson intervals in the CSV)",
        bt.origins.first().copied().unwrap_or_default(),
        bt.origins.last().copied().unwrap_or_default(),
        bt.origins.len(),
        pct(h50),
        pct(h90),
    );
    if bt.broken > 0 {
        s += &format!(
            "\nwarning: {} draw values were not finite and were left out of the ensembles",
            bt.broken
        );
    }
    for w in &bt.warnings {
        s += &format!("\nwarning: {w}");
    }
    for n in &bt.notes {
        s += &format!("\nnote: {n}");
    }
    s
}

/// Runs `backtest`.
pub fn run(args: &Args) -> Result<()> {
    let dests = destinations(args)?;
    let history = History::read(&args.data)?;
    let bt = backtest::run(&history, &args.options())?;
    eprintln!("{}", summary(&bt));
    for (dest, flag) in &dests {
        match *flag {
            "--cases" => write_with(dest, |w| {
                table::write_cases(&bt.cases, w).map_err(|e| io_error(dest, e))
            })?,
            "--chart" => {
                let svg = crate::chart::backtest::draw(&bt.scores, &None)?;
                write_with(dest, |w| {
                    w.write_all(svg.as_bytes()).map_err(|e| io_error(dest, e))
                })?
            }
            _ => write_with(dest, |w| {
                table::write_scores(&bt.scores, w).map_err(|e| io_error(dest, e))
            })?,
        }
    }
    Ok(())
}
