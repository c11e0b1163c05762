//! Calibrating the shock process of docs/MODEL.md from annual history.
//!
//! [`calibrate`] takes a [`History`] (a CSV of annual data), builds the six shock series
//! from `--map` mappings ([`series`]), picks the estimation window, estimates innovation
//! sd, correlation and persistence by least squares ([`var`]), checks the result and
//! applies the named fixes (scaling an explosive A, shrinking a nearly singular
//! correlation), and returns a [`Calibration`] whose [`Calibration::to_toml`] is a
//! `[shocks]` block that a scenario can `extends` or paste.
//!
//! Units follow docs/MODEL.md: every shock series is a fraction (0.01 = 1 percentage point);
//! `commodity_price` and `exchange_rate` are log changes.

mod block;
pub mod data;
pub mod level;
pub mod prices;
pub mod series;
pub mod var;

use nalgebra::DMatrix;

pub use data::History;
pub use level::{Level, Potential};
pub use prices::{DEFAULT_PRICE_PERSISTENCE, Prices};
pub use series::{DEFAULT_MAP, Mapping, SeriesOptions, Source, Split, Transform};
pub use var::{Estimate, Method};

use crate::error::{Error, Loc, Result};
use crate::output::format_number;
use crate::scenario::{N_SHOCKS, SHOCK_NAMES, Shocks};

/// Smallest eigenvalue a calibrated correlation matrix must have; below it the matrix is
/// shrunk toward the identity until it has this one.
pub const MIN_CORRELATION_EIGENVALUE: f64 = 0.01;
/// Fewest degrees of freedom `--student-t` writes (the kurtosis of a t is infinite at 4).
pub const MIN_STUDENT_T_DOF: f64 = 4.5;
/// Most degrees of freedom `--student-t` writes; beyond, the t is practically normal.
pub const MAX_STUDENT_T_DOF: f64 = 100.0;
/// Decimals of the written correlations and persistence coefficients.
pub const MATRIX_DECIMALS: i32 = 4;
/// Decimals of the written innovation sd.
pub const SD_DECIMALS: i32 = 6;

/// What to calibrate and how.
#[derive(Debug, Clone, PartialEq)]
pub struct Options {
    /// Mappings that replace the default one of their shock ([`DEFAULT_MAP`]).
    pub maps: Vec<Mapping>,
    /// First year of the window (default: see [`calibrate`]).
    pub from: Option<i32>,
    /// Last year of the window.
    pub to: Option<i32>,
    /// Diagonal AR(1) or full VAR(1).
    pub method: Method,
    /// Split of growth and HP parameters.
    pub series: SeriesOptions,
    /// Write `distribution = "student_t"` with the dof matched to the innovations' excess
    /// kurtosis (see [`Estimate::student_t_dof`]) instead of leaving the normal default.
    pub student_t: bool,
    /// When the estimated A has a root on or outside the unit circle: `None` is an error;
    /// `Some(r)` scales A to spectral radius r (in (0, 1)) and warns.
    pub stabilize: Option<f64>,
    /// How the potential-growth shock's sd and persistence are estimated.
    pub potential: Potential,
    /// Persistence written for potential growth with [`Potential::LocalLevel`], in [0, 1).
    pub level_persistence: f64,
    /// First year of the local-level moments (default: the window's first year); they
    /// end with the window. Level shifts are rare: a longer history than the window of
    /// every series shows more of them.
    pub level_from: Option<i32>,
    /// How the commodity-price and exchange-rate shocks are estimated ([`prices`]).
    pub prices: Prices,
    /// Persistence written for those shocks with [`Prices::RandomWalk`], in [0, 1).
    pub price_persistence: f64,
}

/// Default persistence of the potential-growth shock with [`Potential::LocalLevel`].
pub const DEFAULT_LEVEL_PERSISTENCE: f64 = 0.8;

impl Default for Options {
    fn default() -> Self {
        Options {
            maps: Vec::new(),
            from: None,
            to: None,
            method: Method::Diagonal,
            series: SeriesOptions::default(),
            stabilize: None,
            student_t: false,
            potential: Potential::Filter,
            level_persistence: DEFAULT_LEVEL_PERSISTENCE,
            level_from: None,
            prices: Prices::Changes,
            price_persistence: DEFAULT_PRICE_PERSISTENCE,
        }
    }
}

/// The result: the shock block as it is written, the estimates behind it and the
/// judgements applied.
#[derive(Debug, Clone, PartialEq)]
pub struct Calibration {
    /// The data file, as given.
    pub source: String,
    /// First and last year of the window.
    pub window: (i32, i32),
    /// The mapping of each shock, in shock order.
    pub sources: [Source; N_SHOCKS],
    /// The shock series over the window (`None` for a shock switched off).
    pub series: [Option<Vec<f64>>; N_SHOCKS],
    /// Indices of the shocks that have data, in shock order (the rows of `estimate`).
    pub active: Vec<usize>,
    /// The raw least-squares estimates for the active shocks.
    pub estimate: Estimate,
    /// Spectral radius of the estimated A (before any fix).
    pub spectral_radius: f64,
    /// The block written: rounded estimates with the fixes applied.
    pub shocks: Shocks,
    /// The options used.
    pub options: Options,
    /// Judgements applied (shrinkage, stabilisation) and other warnings, one sentence each.
    pub warnings: Vec<String>,
    /// The local-level moments behind potential growth's sd ([`Potential::LocalLevel`]).
    pub level: Option<Level>,
    /// The shocks read as random walks of the log level ([`Prices::RandomWalk`]).
    pub random_walks: Vec<usize>,
}

fn data_error(h: &History, message: impl Into<String>) -> Error {
    Error::Data {
        loc: Loc::whole(h.source.clone()),
        message: message.into(),
    }
}

/// Compresses sorted years into ranges: `1995-2009, 2012`.
fn year_ranges(years: &[i32]) -> String {
    let mut out: Vec<String> = Vec::new();
    let mut i = 0;
    while i < years.len() {
        let mut j = i;
        while j + 1 < years.len() && years[j + 1] == years[j] + 1 {
            j += 1;
        }
        out.push(if i == j {
            years[i].to_string()
        } else {
            format!("{}-{}", years[i], years[j])
        });
        i = j + 1;
    }
    out.join(", ")
}

fn round(x: f64, decimals: i32) -> f64 {
    let f = 10f64.powi(decimals);
    let r = (x * f).round() / f;
    if r == 0.0 { 0.0 } else { r } // no -0
}

/// The mapping of every shock: the defaults, replaced by `maps`.
pub fn mappings(maps: &[Mapping]) -> Result<[Source; N_SHOCKS]> {
    let mut sources: [Source; N_SHOCKS] = std::array::from_fn(|i| {
        DEFAULT_MAP[i]
            .parse::<Mapping>()
            .map_or(Source::None, |m| m.source)
    });
    let mut seen = [false; N_SHOCKS];
    for m in maps {
        if seen[m.shock] {
            return Err(Error::usage(
                "--map",
                format!(
                    "`{}` is mapped twice; give one mapping per shock",
                    SHOCK_NAMES[m.shock]
                ),
            ));
        }
        seen[m.shock] = true;
        sources[m.shock] = m.source.clone();
    }
    Ok(sources)
}

/// The estimation window for the point-wise series `full` (shock index, one value per
/// data year), by the rules documented at [`calibrate`]; a missing value inside it is an
/// error that lists every gap.
fn choose_window(
    h: &History,
    full: &[(usize, Vec<Option<f64>>)],
    sources: &[Source; N_SHOCKS],
    opts: &Options,
) -> Result<(i32, i32)> {
    let avail: Vec<bool> = (0..h.years.len())
        .map(|t| full.iter().all(|(_, v)| v[t].is_some()))
        .collect();
    let idx = |year: i32| (year - h.years[0]) as usize;
    let (first, last) = (h.years[0], h.years[h.years.len() - 1]);
    for (flag, y) in [("--from", opts.from), ("--to", opts.to)] {
        if let Some(y) = y
            && !(first..=last).contains(&y)
        {
            return Err(Error::usage(
                flag,
                format!("{y} is outside the data, which run from {first} to {last}"),
            ));
        }
    }
    let avail_years: Vec<i32> = h
        .years
        .iter()
        .zip(&avail)
        .filter(|(_, a)| **a)
        .map(|(y, _)| *y)
        .collect();
    let none_avail = || {
        data_error(
            h,
            "no year has a value for every mapped shock series: check the mappings (a diff or \
             log-diff also needs the year before)",
        )
    };
    let (from, to) = match (opts.from, opts.to) {
        (Some(f), Some(t)) => (f, t),
        (Some(f), None) => (
            f,
            *avail_years
                .iter()
                .rfind(|y| **y >= f)
                .ok_or_else(none_avail)?,
        ),
        (None, Some(t)) => (
            *avail_years
                .iter()
                .find(|y| **y <= t)
                .ok_or_else(none_avail)?,
            t,
        ),
        (None, None) => longest_run(&h.years, &avail).ok_or_else(none_avail)?,
    };
    if from > to {
        return Err(Error::usage(
            "--from",
            format!("the window starts in {from} but ends in {to}"),
        ));
    }
    let window_years: Vec<i32> = (from..=to).collect();
    let mut gaps = Vec::new();
    for (i, v) in full {
        let missing: Vec<i32> = window_years
            .iter()
            .filter(|y| v[idx(**y)].is_none())
            .copied()
            .collect();
        if !missing.is_empty() {
            gaps.push(format!(
                "`{}` ({}): {}",
                SHOCK_NAMES[*i],
                sources[*i],
                year_ranges(&missing)
            ));
        }
    }
    if !gaps.is_empty() {
        return Err(data_error(
            h,
            format!(
                "missing values in the window {from}-{to} (a diff or log-diff also needs the year \
                 before):\n  {}\nnarrow the window with --from/--to, map the shock to another \
                 column, or switch it off with --map SHOCK=none",
                gaps.join("\n  ")
            ),
        ));
    }
    Ok((from, to))
}

/// The first and last year of the longest run of consecutive years whose values are
/// all available (the latest of equally long runs).
fn longest_run(years: &[i32], avail: &[bool]) -> Option<(i32, i32)> {
    let mut best: Option<(i32, i32)> = None;
    let mut start: Option<i32> = None;
    for (y, a) in years.iter().zip(avail) {
        if *a {
            let s = *start.get_or_insert(*y);
            if best.is_none_or(|(bf, bt)| y - s >= bt - bf) {
                best = Some((s, *y));
            }
        } else {
            start = None;
        }
    }
    best
}

/// Checks the numeric options (`--stabilize`, `--hp-lambda`, `--gap-persistence`,
/// `--potential-share`).
fn check_options(opts: &Options) -> Result<()> {
    if let Some(r) = opts.stabilize
        && !(r > 0.0 && r < 1.0)
    {
        return Err(Error::usage(
            "--stabilize",
            format!("the target spectral radius must be in (0, 1), e.g. 0.9; found {r}"),
        ));
    }
    let so = &opts.series;
    if !(so.hp_lambda >= 0.0 && so.hp_lambda.is_finite()) {
        return Err(Error::usage(
            "--hp-lambda",
            "must be a number >= 0 (annual data: 100, or 6.25 after Ravn and Uhlig)",
        ));
    }
    if !(-1.0..1.0).contains(&so.gap_persistence) {
        return Err(Error::usage(
            "--gap-persistence",
            "must be in (-1, 1), like structure.gap_persistence (default 0.5)",
        ));
    }
    if !(0.0..=1.0).contains(&so.potential_share) {
        return Err(Error::usage(
            "--potential-share",
            "must be a share in [0, 1]",
        ));
    }
    Ok(())
}

/// Reads the mapped columns of the history and applies their point-wise transforms:
/// (shock index, values by year) for each shock that is not switched off.
fn read_columns(
    h: &History,
    sources: &[Source],
    opts: &Options,
) -> Result<Vec<(usize, Vec<Option<f64>>)>> {
    let mut full: Vec<(usize, Vec<Option<f64>>)> = Vec::new();
    for (i, src) in sources.iter().enumerate() {
        let Source::Column { column, transforms } = src else {
            continue;
        };
        let Some(values) = h.column(column) else {
            let names = h.names();
            let hint = crate::error::closest(column, names.iter().copied())
                .filter(|(s, _)| *s > 0.8)
                .map_or(String::new(), |(_, c)| format!(" (did you mean `{c}`?)"));
            let default = if opts.maps.iter().all(|m| m.shock != i) {
                format!(
                    " (this is the default mapping `{}`, made for the shipped \
                     data/kazakhstan_macro_annual.csv: give --map {}=COLUMN[:TRANSFORM...] or \
                     --map {}=none)",
                    DEFAULT_MAP[i], SHOCK_NAMES[i], SHOCK_NAMES[i]
                )
            } else {
                String::new()
            };
            return Err(Error::usage(
                "--map",
                format!(
                    "`{}`: no column `{column}` in {}{hint}{default}; the columns are {}",
                    SHOCK_NAMES[i],
                    h.source,
                    names.join(", ")
                ),
            ));
        };
        let v = series::pointwise(&h.years, values, transforms)
            .map_err(|m| data_error(h, format!("`{}` ({src}): {m}", SHOCK_NAMES[i])))?;
        full.push((i, v));
    }
    if full.is_empty() {
        return Err(Error::usage(
            "--map",
            "every shock is switched off (`none`): map at least one to a column",
        ));
    }
    Ok(full)
}

/// The years in or after `from` in which each mapped shock series has a value (after its
/// point-wise transforms: a `diff` needs the year before), in shock order; None for a
/// shock switched off. Errors as [`calibrate`]'s for a bad mapping.
pub fn years_with_values(
    history: &History,
    opts: &Options,
    from: i32,
) -> Result<[Option<Vec<i32>>; N_SHOCKS]> {
    let sources = mappings(&opts.maps)?;
    let full = read_columns(history, &sources, opts)?;
    let mut out: [Option<Vec<i32>>; N_SHOCKS] = Default::default();
    for (i, v) in &full {
        let years = history.years.iter().zip(v);
        out[*i] = Some(
            years
                .filter(|(y, x)| **y >= from && x.is_some())
                .map(|(y, _)| *y)
                .collect(),
        );
    }
    Ok(out)
}

/// Warns of each series whose mean in the window is significantly away from 0.
fn mean_warnings(data: &[Vec<f64>], names: &[&str], warnings: &mut Vec<String>) {
    for (s, name) in data.iter().zip(names) {
        let n = s.len() as f64;
        let mean = s.iter().sum::<f64>() / n;
        let sd = (s.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
        // a: first autocorrelation of the demeaned series (the regression without
        // constant would be biased toward 1 by the very mean under test).
        let c0: f64 = s.iter().map(|x| (x - mean).powi(2)).sum();
        let c1: f64 = s.windows(2).map(|w| (w[0] - mean) * (w[1] - mean)).sum();
        let a = if c0 > 0.0 { c1 / c0 } else { 0.0 }.clamp(-0.9, 0.9);
        if mean.abs() > 3.0 * sd / n.sqrt() * ((1.0 + a) / (1.0 - a)).sqrt() {
            warnings.push(format!(
                "the series of `{name}` has mean {} in the window, significantly away from 0: the \
                 process has no constant, so its persistence is overstated; add `:demean` or \
                 `:detrend` to its mapping",
                format_number(round(mean, 6))
            ));
        }
    }
}

/// A persistence `a` with a root on or outside the unit circle: an error, or with
/// `--stabilize` scaled down to the target (warned).
fn stabilize(
    h: &History,
    opts: &Options,
    (from, to): (i32, i32),
    radius: f64,
    names: &[&str],
    a: &mut DMatrix<f64>,
    warnings: &mut Vec<String>,
) -> Result<()> {
    if radius.is_nan() || radius >= 1.0 {
        let Some(target) = opts.stabilize else {
            return Err(data_error(
                h,
                format!(
                    "window {from}-{to}: the estimated persistence A has a root of modulus \
                     {radius:.4}, on or outside the unit circle, so shocks would never die out and \
                     the fan chart would explode; detrend or difference the series (e.g. \
                     `:detrend` instead of `:demean`), change the window, or accept --stabilize \
                     0.95 to scale A down to that spectral radius"
                ),
            ));
        };
        match opts.method {
            Method::Diagonal => {
                for j in 0..a.nrows() {
                    if a[(j, j)].abs() > target {
                        warnings.push(format!(
                            "stabilised: the AR(1) coefficient of `{}` was {:.4}; set to {target} \
                             (--stabilize, because the estimated A had a root on or outside the \
                             unit circle)",
                            names[j],
                            a[(j, j)]
                        ));
                        a[(j, j)] = target.copysign(a[(j, j)]);
                    }
                }
            }
            Method::Var => {
                *a *= target / radius;
                warnings.push(format!(
                    "stabilised: the estimated A had spectral radius {radius:.4} (a root on or \
                     outside the unit circle); scaled by {:.4} to spectral radius {target} \
                     (--stabilize)",
                    target / radius
                ));
            }
        }
    }
    Ok(())
}

/// The `[shocks]` values as written: rounded, with a Student t when asked and fitting.
fn rounded_block(
    opts: &Options,
    est: &Estimate,
    active: &[usize],
    a: &DMatrix<f64>,
    corr: &DMatrix<f64>,
    warnings: &mut Vec<String>,
) -> Shocks {
    let mut shocks = Shocks::default();
    if opts.student_t {
        match est.student_t_dof() {
            (_, Some(dof)) if dof <= MAX_STUDENT_T_DOF => {
                let dof = dof.max(MIN_STUDENT_T_DOF);
                shocks.distribution = crate::scenario::Distribution::StudentT;
                shocks.dof = Some(round(dof, 1));
            }
            (k, _) => warnings.push(format!(
                "--student-t: the innovations have mean excess kurtosis {k:.2}, too little for a \
                 Student t with at most {MAX_STUDENT_T_DOF} degrees of freedom; the normal \
                 distribution is kept"
            )),
        }
    }
    for (r, &i) in active.iter().enumerate() {
        shocks.sd[i] = round(est.sd[r], SD_DECIMALS);
        for (c, &j) in active.iter().enumerate() {
            shocks.persistence[i][j] = round(a[(r, c)], MATRIX_DECIMALS);
            if i != j {
                shocks.correlation[i][j] = round(corr[(r, c)], MATRIX_DECIMALS);
            }
        }
    }
    shocks
}

/// Calibrates the shock process from `history`.
///
/// The window: `--from`/`--to` when given (a missing value inside is an error that lists
/// every gap); otherwise the longest run of consecutive years in which every mapped series
/// has a value (the latest such run on a tie); with only one bound given, the other is the
/// first (last) year in which every series has a value.
pub fn calibrate(history: &History, opts: &Options) -> Result<Calibration> {
    let h = history;
    let sources = mappings(&opts.maps)?;
    check_options(opts)?;
    let so = &opts.series;
    // Columns and point-wise transforms.
    let full = read_columns(h, &sources, opts)?;
    let (from, to) = choose_window(h, &full, &sources, opts)?;
    let idx = |year: i32| (year - h.years[0]) as usize;
    let window_years: Vec<i32> = (from..=to).collect();
    // Window transforms.
    let mut series_out: [Option<Vec<f64>>; N_SHOCKS] = Default::default();
    let mut active = Vec::new();
    let mut data = Vec::new();
    for (i, v) in &full {
        let Source::Column { transforms, .. } = &sources[*i] else {
            continue;
        };
        let dense: Vec<f64> = window_years
            .iter()
            .map(|y| v[idx(*y)].unwrap_or(f64::NAN))
            .collect();
        let w = series::windowed(&window_years, &dense, transforms, so)
            .map_err(|m| data_error(h, format!("`{}` ({}): {m}", SHOCK_NAMES[*i], sources[*i])))?;
        series_out[*i] = Some(w.clone());
        active.push(*i);
        data.push(w);
    }
    let names: Vec<&str> = active.iter().map(|i| SHOCK_NAMES[*i]).collect();
    let est = var::estimate(&data, &names, opts.method)
        .map_err(|m| data_error(h, format!("window {from}-{to}: {m}")))?;
    let mut warnings = Vec::new();
    // Means: the process has no constant, so each series should be a deviation.
    // The standard error of a mean of an AR(1) series with coefficient a is
    // sd / sqrt(n) * sqrt((1 + a) / (1 - a)); warn beyond 3 of them.
    mean_warnings(&data, &names, &mut warnings);
    if opts.method == Method::Var && est.dof < 4 * active.len() {
        warnings.push(format!(
            "few degrees of freedom: the VAR(1) estimates {} coefficients per equation from {} \
             observations ({} degrees of freedom), so its off-diagonal coefficients are imprecise \
             (see their standard errors); the diagonal AR(1) (without --var) is the robust choice \
             on short samples",
            active.len(),
            est.obs,
            est.dof
        ));
    }
    let mut est = est;
    let level = local_level(h, &full, &active, &window_years, opts, &mut est)?;
    let random_walks = random_walk_prices(opts, &active, &data, &mut est)?;
    // Persistence: roots.
    let radius = var::spectral_radius(&est.persistence);
    let mut a = est.persistence.clone();
    stabilize(h, opts, (from, to), radius, &names, &mut a, &mut warnings)?;
    // Correlation: positive definite enough.
    let lmin = var::min_eigenvalue(&est.correlation);
    let (corr, w) = var::shrink_correlation(&est.correlation, MIN_CORRELATION_EIGENVALUE);
    if w > 0.0 {
        warnings.push(format!(
            "shrunk: the innovation correlation matrix is {} (smallest eigenvalue {lmin:.2e}); \
             shrunk toward the identity, (1 - w) C + w I with w = {w:.4}, to a smallest eigenvalue \
             of {MIN_CORRELATION_EIGENVALUE}",
            if lmin <= 1e-12 {
                "not positive definite"
            } else {
                "nearly singular"
            }
        ));
    }
    // The block, rounded as written.
    let shocks = rounded_block(opts, &est, &active, &a, &corr, &mut warnings);
    if let Some(m) = crate::scenario::check_correlation(&shocks.correlation) {
        return Err(Error::Internal(format!(
            "the calibrated correlation is invalid after rounding: {m}"
        )));
    }
    let written = DMatrix::from_fn(N_SHOCKS, N_SHOCKS, |i, j| shocks.persistence[i][j]);
    let written_radius = var::spectral_radius(&written);
    if written_radius.is_nan() || written_radius >= 1.0 {
        return Err(data_error(
            h,
            "the persistence matrix has a root on the unit circle after rounding to 4 decimals; \
             use --stabilize 0.95",
        ));
    }
    Ok(Calibration {
        source: h.source.to_string(),
        window: (from, to),
        sources,
        series: series_out,
        active,
        estimate: est,
        spectral_radius: radius,
        shocks,
        options: opts.clone(),
        warnings,
        level,
        random_walks,
    })
}

/// With [`Prices::RandomWalk`]: the commodity-price and exchange-rate shocks as random
/// walks of the log level ([`prices::apply`]); the shocks changed.
fn random_walk_prices(
    opts: &Options,
    active: &[usize],
    data: &[Vec<f64>],
    est: &mut Estimate,
) -> Result<Vec<usize>> {
    if opts.prices == Prices::Changes {
        return Ok(Vec::new());
    }
    let p = opts.price_persistence;
    if !(0.0..1.0).contains(&p) {
        return Err(Error::usage(
            "--price-persistence",
            format!("must be in [0, 1) (a unit root is not allowed), e.g. 0.95; found {p}"),
        ));
    }
    if opts.method == Method::Var {
        return Err(Error::usage(
            "--prices",
            "`random-walk` sets the price shocks' own persistence: use it without --var",
        ));
    }
    Ok(prices::apply(est, active, data, p))
}

/// With [`Potential::LocalLevel`]: the local-level moments of the real growth behind the
/// `potential_growth` mapping over the window, written into `est` (innovation sd, and the
/// persistence `opts.level_persistence`). None with [`Potential::Filter`].
fn local_level(
    h: &History,
    full: &[(usize, Vec<Option<f64>>)],
    active: &[usize],
    window: &[i32],
    opts: &Options,
    est: &mut Estimate,
) -> Result<Option<Level>> {
    if opts.potential == Potential::Filter {
        return Ok(None);
    }
    let p = &opts.level_persistence;
    if !(0.0..1.0).contains(p) {
        return Err(Error::usage(
            "--level-persistence",
            format!("must be in [0, 1) (a unit root is not allowed), e.g. 0.95; found {p}"),
        ));
    }
    if opts.method == Method::Var {
        return Err(Error::usage(
            "--potential",
            "`local-level` sets potential growth's own persistence: use it without --var",
        ));
    }
    let (Some(r), Some((_, g))) = (
        active.iter().position(|i| *i == 0),
        full.iter().find(|(i, _)| *i == 0),
    ) else {
        return Err(Error::usage(
            "--potential",
            "`local-level` needs a `potential_growth` mapping (it is switched off)",
        ));
    };
    let (first, to) = (h.years[0], window[window.len() - 1]);
    let from = opts.level_from.unwrap_or(window[0]);
    if !(first..=to).contains(&from) {
        return Err(Error::usage(
            "--level-from",
            format!("{from} must be a year of the data ({first}) up to the window's end ({to})"),
        ));
    }
    let years: Vec<i32> = (from..=to).collect();
    let idx = |y: i32| (y - first) as usize;
    let missing: Vec<i32> = years
        .iter()
        .copied()
        .filter(|y| g[idx(*y)].is_none())
        .collect();
    if !missing.is_empty() {
        return Err(data_error(
            h,
            format!(
                "--potential local-level: real growth is missing in {} (the local-level \
                 moments run from --level-from {from} to {to})",
                year_ranges(&missing)
            ),
        ));
    }
    let window = &years;
    let g: Vec<f64> = years
        .iter()
        .map(|y| g[idx(*y)].unwrap_or(f64::NAN))
        .collect();
    if let Some((i, x)) = g.iter().enumerate().find(|(_, x)| x.abs() >= 1.0) {
        return Err(data_error(
            h,
            format!(
                "--potential local-level takes real growth as a fraction, but the value in {} \
                 is {x}; add `:pct` to the potential_growth mapping",
                window[i]
            ),
        ));
    }
    let Some(l) = level::local_level(&g) else {
        return Err(data_error(
            h,
            "--potential local-level needs at least 4 years",
        ));
    };
    est.sd[r] = l.sd_level;
    est.sd_se[r] = l.sd_level / (2.0 * l.n as f64).sqrt();
    est.persistence[(r, r)] = *p;
    est.persistence_se[(r, r)] = 0.0;
    Ok(Some(l))
}

impl Calibration {
    /// Writes the shock series of the window as CSV: `year`, then one column per shock in
    /// docs/MODEL.md's order (fractions; log changes for commodity price and exchange rate);
    /// a shock switched off has empty cells. Numbers in shortest round-trip form.
    pub fn write_series_csv(&self, w: &mut dyn std::io::Write) -> std::io::Result<()> {
        let mut csv = csv::Writer::from_writer(w);
        let mut header = vec!["year"];
        header.extend(SHOCK_NAMES);
        csv.write_record(&header)?;
        let (from, to) = self.window;
        for (t, year) in (from..=to).enumerate() {
            let mut record = vec![year.to_string()];
            record.extend(
                self.series
                    .iter()
                    .map(|s| s.as_ref().map_or(String::new(), |v| format_number(v[t]))),
            );
            csv.write_record(&record)?;
        }
        csv.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn year_ranges_compress() {
        assert_eq!(
            year_ranges(&[1995, 1996, 1997, 2001, 2003, 2004]),
            "1995-1997, 2001, 2003-2004"
        );
        assert_eq!(year_ranges(&[]), "");
    }

    #[test]
    fn rounding_gives_short_numbers() {
        assert_eq!(format_number(round(0.123456789, 4)), "0.1235");
        assert_eq!(format_number(round(-0.00001, 4)), "0");
    }
}
