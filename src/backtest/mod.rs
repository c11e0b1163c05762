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
use crate::scenario::{N_SHOCKS, SHOCK_NAMES};
pub use hindcast::{BALANCE, DEBT, N_VARIABLES, VARIABLES};
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
    /// First year of the calibration windows (default: `history_from`, or later where a
    /// mapped series starts later; see [`run`]).
    pub calibrate_from: Option<i32>,
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
    /// Debt/GDP's baseline unchanged from T0 (the default; else the trailing mean of its
    /// residual).
    pub debt_no_change: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            calibration: calibrate::Options::default(),
            history_from: 2000,
            calibrate_from: None,
            first_origin: None,
            last_origin: None,
            horizon: 5,
            trailing: 10,
            draws: 2000,
            seed: 17,
            conditional: false,
            fx_drift: false,
            debt_no_change: true,
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
    /// Shocks switched off at an origin because their series is too short there.
    pub notes: Vec<String>,
}

/// The calibration options common to every origin: interest rate off unless mapped.
fn base_calibration(opts: &Options) -> calibrate::Options {
    let mut c = opts.calibration.clone();
    if c.maps.iter().all(|m| m.shock != INTEREST) {
        c.maps.push(Mapping {
            shock: INTEREST,
            source: Source::None,
        });
    }
    c
}

/// The first year of the calibration windows: `calibrate_from`, not before `history_from`.
fn calibration_start(opts: &Options) -> i32 {
    opts.calibrate_from
        .map_or(opts.history_from, |y| y.max(opts.history_from))
}

/// The calibration options of origin `t0`, and a note per shock switched off. The window
/// runs from the calibration start, or from the first year of a mapped series that starts
/// later (e.g. the primary balance, 2002), to `t0`, or to the last year before it that
/// every series has (the primary balance ends in 2023); `years` holds each series' years
/// with a value. A series with fewer than [`MIN_WINDOW`] years from the start to `t0` is
/// switched off at this origin instead. The local-level moments start at `history_from`
/// (or `--level-from`, if later).
fn calibration_at(
    opts: &Options,
    base: &calibrate::Options,
    years: &[Option<Vec<i32>>; N_SHOCKS],
    t0: i32,
) -> (calibrate::Options, Vec<String>) {
    let mut c = base.clone();
    let (mut from, mut to) = (calibration_start(opts), t0);
    let mut notes = Vec::new();
    for (i, y) in years.iter().enumerate() {
        let Some(y) = y else { continue };
        let known: Vec<i32> = y.iter().copied().filter(|y| *y <= t0).collect();
        if known.len() < MIN_WINDOW as usize {
            notes.push(format!(
                "origin {t0}: `{}` switched off ({} years of its series up to {t0}, fewer \
                 than {MIN_WINDOW})",
                SHOCK_NAMES[i],
                known.len()
            ));
            c.maps.retain(|m| m.shock != i);
            c.maps.push(Mapping {
                shock: i,
                source: Source::None,
            });
        } else {
            from = from.max(known[0]);
            to = to.min(known[known.len() - 1]);
        }
    }
    c.from = Some(from);
    c.to = Some(to);
    c.level_from = Some(
        c.level_from
            .map_or(opts.history_from, |y| y.max(opts.history_from)),
    );
    (c, notes)
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
    let earliest = calibration_start(opts) + MIN_WINDOW - 1;
    let latest = series.last_year() - 1;
    if let Some(c) = opts.calibrate_from
        && c + MIN_WINDOW - 1 > latest
    {
        return Err(Error::usage(
            "--calibrate-from",
            format!(
                "{c} leaves fewer than {MIN_WINDOW} years of history before the last origin \
                 ({latest}); the latest start is {}",
                latest + 1 - MIN_WINDOW
            ),
        ));
    }
    let first = opts.first_origin.unwrap_or(earliest);
    let last = opts.last_origin.unwrap_or(latest);
    if first < earliest {
        return Err(Error::usage(
            "--first-origin",
            format!(
                "{first} leaves fewer than {MIN_WINDOW} years of history from {} to calibrate \
                 on; the earliest origin is {earliest} (or lower --history-from)",
                calibration_start(opts)
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
        notes: Vec::new(),
    };
    let base = base_calibration(opts);
    let years = calibrate::years_with_values(history, &base, calibration_start(opts))?;
    for t0 in first..=last {
        let (c, notes) = calibration_at(opts, &base, &years, t0);
        bt.notes.extend(notes);
        let cal = match calibrate::calibrate(history, &c) {
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
            debt_no_change: opts.debt_no_change,
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
            // Debt needs debt at T0 (its initial value) and a primary balance in the
            // trailing years (its path), the primary balance the latter; the conditional
            // variant is given the oil price and the primary balance, so they are not scored.
            let no_balance = s
                .trailing_mean(&s.primary_balance, t0, opts.trailing)
                .is_none();
            let no_debt = s.at(&s.debt, t0).is_none() || no_balance;
            let given = opts.conditional && (var == 4 || var == BALANCE);
            if (var == DEBT && no_debt) || (var == BALANCE && no_balance) || given {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_late_series_starts_the_window_or_is_switched_off() {
        let opts = Options::default();
        let base = base_calibration(&opts);
        let mut years: [Option<Vec<i32>>; N_SHOCKS] = Default::default();
        years[0] = Some((2000..=2025).collect());
        // The primary balance: 2002-2023.
        years[6] = Some((2002..=2023).collect());
        let (c, notes) = calibration_at(&opts, &base, &years, 2008);
        assert_eq!((c.from, c.to), (Some(2000), Some(2008)));
        assert_eq!(notes.len(), 1);
        assert!(
            notes[0].contains("7 years of its series up to 2008"),
            "{notes:?}"
        );
        assert!(
            c.maps
                .iter()
                .any(|m| m.shock == 6 && m.source == Source::None)
        );
        let (c, notes) = calibration_at(&opts, &base, &years, 2009);
        assert_eq!((c.from, c.to, notes.len()), (Some(2002), Some(2009), 0));
        let (c, _) = calibration_at(&opts, &base, &years, 2024);
        assert_eq!((c.from, c.to), (Some(2002), Some(2023)), "known at T0");
        assert_eq!(c.level_from, Some(2000), "the local level keeps its start");
        // The interest rate is switched off unless mapped.
        assert!(
            base.maps
                .iter()
                .any(|m| m.shock == INTEREST && m.source == Source::None)
        );
    }
}
