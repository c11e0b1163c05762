//! Global sensitivity analysis: which uncertain inputs drive a metric.
//!
//! A [`Plan`] holds the method, the parameters with their ranges, the sample sizes and
//! the seed; [`Plan::design`] gives the points to evaluate (in the parameters' units) and
//! [`Plan::analyse`] turns the metric at those points into the table of indices. The
//! plan is serialisable, so that shards of a run can be merged and analysed later.
//!
//! - `oat`: one at a time, low and high end of each range: a tornado table;
//! - `morris`: elementary effects (mu*, sigma) on trajectories;
//! - [`sobol`]: first-order and total-order Sobol' indices, Saltelli sampling on a
//!   Sobol' sequence, bootstrap confidence.

pub(crate) mod morris;
pub(crate) mod oat;
pub mod sobol;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::output::format_number;

/// The most bootstrap resamples.
pub const MAX_BOOTSTRAP: usize = 100_000;

/// The method of a sensitivity analysis.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    /// One at a time: low and high end of each range (2D + 1 evaluations).
    Oat,
    /// Morris elementary effects: `samples` trajectories (samples x (D + 1) evaluations).
    Morris,
    /// Sobol' indices with Saltelli sampling (samples x (2D + 2) evaluations).
    Sobol,
}

/// A sensitivity run, without its scenario: enough to rebuild the design and analyse
/// the outputs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    /// The method.
    pub method: Method,
    /// The parameters' addresses, e.g. `structure.spending_multiplier`.
    pub names: Vec<String>,
    /// Lower end of each range (parameter units).
    pub lo: Vec<f64>,
    /// Upper end of each range (parameter units).
    pub hi: Vec<f64>,
    /// Sobol': base sample size N; Morris: number of trajectories r; unused by OAT.
    pub samples: usize,
    /// Morris: number of grid levels p (even).
    pub levels: usize,
    /// Bootstrap resamples for the confidence half-widths.
    pub bootstrap: usize,
    /// Confidence level of the half-widths, e.g. 0.95.
    pub confidence: f64,
    /// Seed of the random design (Morris) and of the bootstrap.
    pub seed: u64,
    /// The metric analysed (canonical text).
    pub metric: String,
}

impl Plan {
    /// Checks the sizes; errors name the flag to change.
    pub fn validate(&self) -> Result<()> {
        let d = self.names.len();
        if self.lo.len() != d || self.hi.len() != d {
            return Err(Error::usage(
                "--vary",
                format!(
                    "{d} parameters but {} lower and {} upper ends",
                    self.lo.len(),
                    self.hi.len()
                ),
            ));
        }
        if d == 0 {
            return Err(Error::usage(
                "--vary",
                "give at least one parameter with its range, e.g. --vary \
                 structure.spending_multiplier=0.2:0.8 (or a [sweep.vary] table)",
            ));
        }
        if let Some(i) =
            (0..d).find(|&i| self.lo[i] >= self.hi[i] || self.lo[i].is_nan() || self.hi[i].is_nan())
        {
            return Err(Error::usage(
                "--vary",
                format!(
                    "`{}` needs a range lo:hi with lo < hi, found {}..{}",
                    self.names[i], self.lo[i], self.hi[i]
                ),
            ));
        }
        if self.bootstrap > MAX_BOOTSTRAP {
            return Err(Error::usage(
                "--bootstrap",
                format!(
                    "at most {MAX_BOOTSTRAP} resamples (1000 is usual), found {}",
                    self.bootstrap
                ),
            ));
        }
        if !(self.confidence > 0.0 && self.confidence < 1.0) {
            return Err(Error::usage(
                "--confidence",
                format!(
                    "must be strictly between 0 and 1, e.g. 0.95, found {}",
                    self.confidence
                ),
            ));
        }
        self.validate_method(d)?;
        let n = self.evaluations();
        if n > crate::sweep::design::MAX_POINTS {
            return Err(Error::usage(
                "--samples",
                format!(
                    "{n} evaluations is more than {}: use a smaller sample",
                    crate::sweep::design::MAX_POINTS
                ),
            ));
        }
        Ok(())
    }

    /// The checks of the method's own settings (`d` parameters).
    fn validate_method(&self, d: usize) -> Result<()> {
        match self.method {
            Method::Oat => {}
            Method::Morris => {
                if self.levels < 2 || !self.levels.is_multiple_of(2) || self.levels > 1000 {
                    return Err(Error::usage(
                        "--levels",
                        format!(
                            "Morris needs an even number of levels from 2 to 1000 (4 is \
                             usual), found {}",
                            self.levels
                        ),
                    ));
                }
                if self.samples < 2 {
                    return Err(Error::usage(
                        "--samples",
                        format!(
                            "Morris needs at least 2 trajectories (10 to 50 is usual), found {}",
                            self.samples
                        ),
                    ));
                }
            }
            Method::Sobol => {
                if d > sobol::MAX_PARAMETERS {
                    return Err(Error::usage(
                        "--vary",
                        format!(
                            "Sobol' analysis handles at most {} parameters, found {d}: screen them \
                             with --method morris first",
                            sobol::MAX_PARAMETERS
                        ),
                    ));
                }
                if self.samples < 2 || self.samples > sobol::MAX_POINTS {
                    return Err(Error::usage(
                        "--samples",
                        format!(
                            "the Sobol' base sample must be from 2 to {} (a power of two such as \
                             1024 is best), found {}",
                            sobol::MAX_POINTS,
                            self.samples
                        ),
                    ));
                }
            }
        }
        Ok(())
    }

    /// Number of model evaluations.
    pub fn evaluations(&self) -> usize {
        let d = self.names.len();
        match self.method {
            Method::Oat => 2 * d + 1,
            Method::Morris => self.samples.saturating_mul(d + 1),
            Method::Sobol => self.samples.saturating_mul(2 * d + 2),
        }
    }

    fn unit_design(&self) -> Vec<Vec<f64>> {
        let d = self.names.len();
        match self.method {
            Method::Oat => Vec::new(),
            Method::Morris => morris::trajectories(self.samples, d, self.levels, self.seed),
            Method::Sobol => sobol::saltelli(self.samples, d),
        }
    }

    /// The points to evaluate, in the parameters' units; `None` leaves a parameter as
    /// in the scenario (only OAT's base point and one-at-a-time points do).
    pub fn design(&self) -> Vec<Vec<Option<f64>>> {
        if self.method == Method::Oat {
            return oat::design(&self.lo, &self.hi);
        }
        self.unit_design()
            .into_iter()
            .map(|u| {
                u.iter()
                    .enumerate()
                    .map(|(i, u)| Some(self.lo[i] + u * (self.hi[i] - self.lo[i])))
                    .collect()
            })
            .collect()
    }

    /// The columns of the indices table.
    pub fn columns(&self) -> Vec<String> {
        let cols: &[&str] = match self.method {
            Method::Oat => &["parameter", "low", "high", "swing", "from", "to"],
            Method::Morris => &["parameter", "mu_star", "mu_star_conf", "sigma"],
            Method::Sobol => &["parameter", "S1", "S1_conf", "ST", "ST_conf"],
        };
        cols.iter().map(|c| c.to_string()).collect()
    }

    /// The indices table from the metric at every point of [`Plan::design`], in order:
    /// one row per parameter (OAT: sorted by decreasing swing). Also returns a one-line
    /// note for the terminal (OAT: the metric of the unchanged scenario).
    pub fn analyse(&self, y: &[f64]) -> Result<(Vec<Vec<String>>, String)> {
        if y.len() != self.evaluations() {
            return Err(Error::Internal(format!(
                "{} outputs for a design of {} points",
                y.len(),
                self.evaluations()
            )));
        }
        let d = self.names.len();
        let f = |v: f64| format_number(v);
        let name = |i: usize| self.names[i].clone();
        Ok(match self.method {
            Method::Oat => {
                let (base, bars) = oat::tornado(y);
                let rows = bars
                    .iter()
                    .map(|b| {
                        let (lo, hi) = (self.lo[b.param], self.hi[b.param]);
                        vec![name(b.param), f(b.low), f(b.high), f(b.swing), f(lo), f(hi)]
                    })
                    .collect();
                (
                    rows,
                    format!("{} of the unchanged scenario: {}", self.metric, f(base)),
                )
            }
            Method::Morris => {
                let m = morris::indices(
                    &self.unit_design(),
                    y,
                    d,
                    self.bootstrap,
                    self.confidence,
                    self.seed,
                );
                let rows = (0..d)
                    .map(|i| {
                        vec![
                            name(i),
                            f(m.mu_star[i]),
                            f(m.mu_star_conf[i]),
                            f(m.sigma[i]),
                        ]
                    })
                    .collect();
                (
                    rows,
                    format!(
                        "Morris: {} trajectories of {} levels; effects per whole range of \
                         each parameter",
                        self.samples, self.levels
                    ),
                )
            }
            Method::Sobol => {
                let s = sobol::indices(y, d, self.bootstrap, self.confidence, self.seed);
                let rows = (0..d)
                    .map(|i| {
                        vec![
                            name(i),
                            f(s.s1[i]),
                            f(s.s1_conf[i]),
                            f(s.st[i]),
                            f(s.st_conf[i]),
                        ]
                    })
                    .collect();
                let sum: f64 = s.s1.iter().sum();
                if y.iter().all(|v| *v == y[0]) {
                    let note = format!(
                        "{} does not change over these ranges: Sobol' indices are undefined (NaN)",
                        self.metric
                    );
                    return Ok((rows, note));
                }
                (
                    rows,
                    format!(
                        "Sobol': N = {}, sum of S1 = {:.3} (1 - sum = share of variance from \
                         interactions)",
                        self.samples, sum
                    ),
                )
            }
        })
    }
}

/// Standard normal distribution function, from the series
/// Phi(x) = 1/2 + phi(x) (x + x^3/3 + x^5/(3*5) + ...), exact to rounding for |x| <= 8.
pub(crate) fn normal_cdf(x: f64) -> f64 {
    if x.is_nan() {
        return f64::NAN;
    }
    if x.abs() > 8.0 {
        return if x > 0.0 { 1.0 } else { 0.0 };
    }
    let mut term = x;
    let mut sum = x;
    let mut k = 1.0;
    while term.abs() > 1e-17 * sum.abs() {
        k += 2.0;
        term *= x * x / k;
        sum += term;
    }
    let phi = (-0.5 * x * x).exp() / (2.0 * std::f64::consts::PI).sqrt();
    0.5 + phi * sum
}

/// The standard normal quantile of `p` in (0, 1), by bisection of [`normal_cdf`].
pub(crate) fn normal_quantile(p: f64) -> f64 {
    if !(p > 0.0 && p < 1.0) {
        return f64::NAN;
    }
    let (mut lo, mut hi) = (-8.0, 8.0);
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if normal_cdf(mid) < p {
            lo = mid;
        } else {
            hi = mid;
        }
        if hi - lo < 1e-15 {
            break;
        }
    }
    0.5 * (lo + hi)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normal_quantiles_match_tables() {
        assert!((normal_quantile(0.975) - 1.959_963_984_540_054).abs() < 1e-12);
        assert!((normal_quantile(0.95) - 1.644_853_626_951_472_6).abs() < 1e-12);
        assert!((normal_quantile(0.5)).abs() < 1e-14);
        assert!((normal_cdf(-1.0) - 0.158_655_253_931_457_05).abs() < 1e-15);
        assert!(normal_quantile(1.0).is_nan());
    }

    fn plan(method: Method) -> Plan {
        Plan {
            method,
            names: vec!["structure.a".into(), "structure.b".into()],
            lo: vec![0.0, 10.0],
            hi: vec![1.0, 20.0],
            samples: 8,
            levels: 4,
            bootstrap: 50,
            confidence: 0.95,
            seed: 1,
            metric: "debt_gdp@2040".into(),
        }
    }

    #[test]
    fn designs_are_scaled_to_the_ranges_and_sized() {
        for m in [Method::Oat, Method::Morris, Method::Sobol] {
            let p = plan(m);
            p.validate().unwrap();
            let x = p.design();
            assert_eq!(x.len(), p.evaluations());
            for row in &x {
                if let Some(a) = row[0] {
                    assert!((0.0..=1.0).contains(&a));
                }
                if let Some(b) = row[1] {
                    assert!((10.0..=20.0).contains(&b));
                }
            }
            // Linear in a and b (b ten times stronger per range): b ranks first.
            let y: Vec<f64> = x
                .iter()
                .map(|r| r[0].unwrap_or(0.5) + r[1].unwrap_or(15.0))
                .collect();
            let (rows, _) = p.analyse(&y).unwrap();
            assert_eq!(rows.len(), 2);
            assert_eq!(rows[0].len(), p.columns().len());
        }
        let mut p = plan(Method::Morris);
        p.levels = 3;
        assert!(p.validate().unwrap_err().to_string().contains("--levels"));
        let mut p = plan(Method::Sobol);
        p.lo[1] = 30.0;
        assert!(p.validate().unwrap_err().to_string().contains("lo < hi"));
    }
}
