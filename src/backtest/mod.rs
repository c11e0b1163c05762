//! Backtests: are the fan charts honest? Rolling-origin hindcasts from annual history,
//! scored against what happened.
//!
//! For each origin year T0 the shock process is calibrated on data up to T0 only
//! ([`crate::calibrate`], window `history_from`..T0), the scenario at T0 is built from
//! what was known then ([`hindcast`]), its Monte Carlo is run, and the realised outcomes
//! at horizons 1..H are scored ([`scoring`]): coverage of the 50 % and 90 % bands with a
//! Wilson interval, the PIT histogram, and the CRPS against a naive forecast ([`naive`]).
//! Samples are small (one case per origin and horizon): read the intervals.

pub mod hindcast;
pub mod history;
pub mod naive;
pub mod scoring;
pub mod table;

use crate::calibrate::{self, History, Mapping, Source};
use crate::error::{Error, Result};
pub use hindcast::{N_VARIABLES, VARIABLES};
pub use history::Series;
pub use table::{Score, pooled};

/// Index of the interest-rate shock (its yield series starts in 2010 in the shipped data).
const INTEREST: usize = 4;
/// Fewest years of a calibration window (the AR(1) minimum of [`crate::calibrate`]).
pub const MIN_WINDOW: i32 = 8;
/// Number of equal bins of the PIT histograms.
pub const PIT_BINS: usize = 5;

/// What to backtest and how.
#[derive(Debug, Clone, PartialEq)]
pub struct Options {
    /// The calibration settings under test (maps, method, split, lambda...); `from` and
    /// `to` are set per origin. Unless mapped, `interest_rate` is switched off.
    pub calibration: calibrate::Options,
    /// First year of history used (calibration windows, trailing means, naive errors).
    pub history_from: i32,
    /// First origin (default: the first with an 8-year calibration window).
    pub first_origin: Option<i32>,
    /// Last origin (default: the last year with an outcome one year ahead).
    pub last_origin: Option<i32>,
    /// Horizons 1..=horizon, in years.
    pub horizon: usize,
    /// Years of the trailing means (baseline growth and inflation, naive forecast).
    pub trailing: usize,
    /// Monte Carlo draws per origin.
    pub draws: u64,
    /// Seed (origin T0 uses seed + T0).
    pub seed: u64,
    /// Feed the realised overall balance and oil price (the conditional variant).
    pub conditional: bool,
    /// Exchange-rate baseline drifting at its trailing mean log change (else no change).
    pub fx_drift: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            calibration: calibrate::Options::default(),
            history_from: 2000,
            first_origin: None,
            last_origin: None,
            horizon: 5,
            trailing: 10,
            draws: 2000,
            seed: 17,
            conditional: false,
            fx_drift: false,
        }
    }
}

/// One scored forecast: a variable at one horizon from one origin.
#[derive(Debug, Clone, PartialEq)]
pub struct Case {
    /// Origin year T0.
    pub origin: i32,
    /// Variable ([`VARIABLES`] index).
    pub variable: usize,
    /// Horizon h in years.
    pub horizon: usize,
    /// The realised value (units of [`VARIABLES`]).
    pub outcome: f64,
    /// Type-7 quantiles 0.05, 0.25, 0.5, 0.75, 0.95 of the Monte Carlo ensemble.
    pub quantiles: [f64; 5],
    /// PIT of the outcome.
    pub pit: f64,
    /// CRPS of the ensemble (units of the variable).
    pub crps: f64,
    /// CRPS of the naive forecast, when it has enough past errors.
    pub crps_naive: Option<f64>,
}

impl Case {
    /// Whether the outcome lies in the central 50 % band.
    pub fn in_50(&self) -> bool {
        self.quantiles[1] <= self.outcome && self.outcome <= self.quantiles[3]
    }

    /// Whether the outcome lies in the central 90 % band.
    pub fn in_90(&self) -> bool {
        self.quantiles[0] <= self.outcome && self.outcome <= self.quantiles[4]
    }
}

/// The result of a backtest.
#[derive(Debug, Clone, PartialEq)]
pub struct Backtest {
    /// The origins run.
    pub origins: Vec<i32>,
    /// Every scored case, by origin, variable, horizon.
    pub cases: Vec<Case>,
    /// Scores per variable and horizon.
    pub scores: Vec<Score>,
    /// Draws whose value was not finite (left out of the ensembles), over all origins.
    pub broken: usize,
    /// Origins skipped and why, one sentence each.
    pub warnings: Vec<String>,
}

/// The calibration options of origin `t0`: window `from`..`t0`, interest rate off unless
/// mapped.
fn calibration_at(opts: &Options, t0: i32) -> calibrate::Options {
    let mut c = opts.calibration.clone();
    c.from = Some(opts.history_from);
    c.to = Some(t0);
    c.level_from = Some(
        c.level_from
            .map_or(opts.history_from, |y| y.max(opts.history_from)),
    );
    if c.maps.iter().all(|m| m.shock != INTEREST) {
        c.maps.push(Mapping {
            shock: INTEREST,
            source: Source::None,
        });
    }
    c
}

fn check(opts: &Options, series: &Series) -> Result<(i32, i32)> {
    if opts.horizon == 0 || opts.horizon > 30 {
        return Err(Error::usage("--horizon", "must be 1 to 30 years"));
    }
    if opts.trailing == 0 {
        return Err(Error::usage("--trailing", "must be at least 1 year"));
    }
    if opts.draws < 100 {
        return Err(Error::usage(
            "--draws",
            "at least 100 draws per origin are needed for the 5 % and 95 % quantiles",
        ));
    }
    let earliest = opts.history_from + MIN_WINDOW - 1;
    let latest = series.last_year() - 1;
    let first = opts.first_origin.unwrap_or(earliest);
    let last = opts.last_origin.unwrap_or(latest);
    if first < earliest {
        return Err(Error::usage(
            "--first-origin",
            format!(
                "{first} leaves fewer than {MIN_WINDOW} years of history from {} to calibrate \
                 on; the earliest origin is {earliest} (or lower --history-from)",
                opts.history_from
            ),
        ));
    }
    if last > latest || first > last {
        return Err(Error::usage(
            "--last-origin",
            format!(
                "origins must run from {first} to at most {latest} (the last year with an \
                 outcome a year later); found {first}..{last}"
            ),
        ));
    }
    Ok((first, last))
}

/// Runs the backtest on `history`.
pub fn run(history: &History, opts: &Options) -> Result<Backtest> {
    let series = Series::from_history(history, opts.history_from)?;
    let (first, last) = check(opts, &series)?;
    let mut bt = Backtest {
        origins: Vec::new(),
        cases: Vec::new(),
        scores: Vec::new(),
        broken: 0,
        warnings: Vec::new(),
    };
    for t0 in first..=last {
        let cal = match calibrate::calibrate(history, &calibration_at(opts, t0)) {
            Ok(c) => c,
            Err(e @ Error::Usage { .. }) => return Err(e),
            Err(e) => {
                bt.warnings.push(format!("origin {t0} skipped: {e}"));
                continue;
            }
        };
        let o = hindcast::Origin {
            t0,
            horizon: opts.horizon,
            trailing: opts.trailing,
            conditional: opts.conditional,
            fx_drift: opts.fx_drift,
        };
        let Some(sc) = hindcast::scenario(&series, &o, &cal)? else {
            bt.warnings.push(format!(
                "origin {t0} skipped: the data lack growth, inflation, exchange rate or oil \
                 price of {t0}"
            ));
            continue;
        };
        bt.origins.push(t0);
        score_origin(&mut bt, &series, opts, &sc, t0);
    }
    if bt.cases.is_empty() {
        return Err(Error::usage(
            "--first-origin",
            format!(
                "no origin in {first}..{last} could be scored:\n  {}",
                bt.warnings.join("\n  ")
            ),
        ));
    }
    bt.scores = table::scores(&bt.cases, opts.horizon);
    Ok(bt)
}

/// Runs the Monte Carlo of origin `t0` and scores every variable and horizon with an
/// outcome.
fn score_origin(
    bt: &mut Backtest,
    s: &Series,
    opts: &Options,
    sc: &crate::scenario::Scenario,
    t0: i32,
) {
    let h_max = opts.horizon;
    let seed = opts.seed.wrapping_add(t0 as u64);
    let draws = crate::montecarlo::map_draws(sc, opts.draws, seed, |_, path| {
        let mut v = Vec::with_capacity(N_VARIABLES * h_max);
        for var in 0..N_VARIABLES {
            for h in 1..=h_max {
                v.push(hindcast::model_value(path, var, h));
            }
        }
        v
    });
    for var in 0..N_VARIABLES {
        for h in 1..=h_max {
            let Some(y) = hindcast::outcome(s, var, t0, h) else {
                continue;
            };
            // Debt needs debt at T0 (its initial value) and a balance in the trailing
            // years (its path); the conditional variant is given the oil price, so it is
            // not scored.
            let no_debt = s.at(&s.debt, t0).is_none()
                || s.trailing_mean(&s.balance, t0, opts.trailing).is_none();
            if (var == 5 && no_debt) || (var == 4 && opts.conditional) {
                continue;
            }
            let k = var * h_max + h - 1;
            let column: Vec<f64> = draws.iter().map(|d| d[k]).collect();
            let (sorted, dropped) = scoring::sorted_finite(&column);
            bt.broken += dropped;
            if sorted.is_empty() {
                continue;
            }
            let q = |p: f64| scoring::band(&sorted, 1.0 - 2.0 * p).0;
            let crps_naive = naive::ensemble(s, var, t0, h, opts.trailing).map(|e| {
                let (e, _) = scoring::sorted_finite(&e);
                scoring::crps(&e, y)
            });
            bt.cases.push(Case {
                origin: t0,
                variable: var,
                horizon: h,
                outcome: y,
                quantiles: [
                    q(0.05),
                    q(0.25),
                    q(0.5),
                    scoring::band(&sorted, 0.5).1,
                    scoring::band(&sorted, 0.9).1,
                ],
                pit: scoring::pit(&sorted, y),
                crps: scoring::crps(&sorted, y),
                crps_naive,
            });
        }
    }
}
