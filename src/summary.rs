//! Statistics of Monte Carlo draws: mean, sample standard deviation and exact quantiles
//! (Hyndman & Fan type 7, the default of numpy and R), their per-year and per-run
//! summaries, the overflow warning, and the summary CSV.
//!
//! Quantiles are exact: the same numbers as sorting the values and interpolating
//! linearly, with numpy's interpolation formula, so a result can be checked bit for bit
//! against `numpy.quantile(x, q)`. A Monte Carlo run never holds its columns:
//! [`crate::montecarlo::summarize_run`] tallies the draws while they are simulated and
//! finds the quantiles from value windows (see `crate::montecarlo::windows`), then
//! assembles them here. [`quantile_type7`] serves the per-draw metrics of sweeps,
//! goal-seek and backtests, whose values are in memory anyway. The histogram engine that
//! summarises a whole column is the reference of the tests and benchmarks only
//! (`histogram`, cargo feature `bench`).

use crate::model::OUTPUT_NAMES;
use crate::output::format_number;
use crate::stats::{lerp, type7_position};
pub use crate::stats::{mean, quantile_type7, sd};

#[cfg(any(test, feature = "bench"))]
#[doc(hidden)]
pub mod histogram;

/// Mean, sample standard deviation and quantiles of one column of draws.
#[derive(Debug, Clone, PartialEq)]
pub struct Stats {
    /// Number of values summarised.
    pub n: usize,
    /// Arithmetic mean (NaN when `n` = 0).
    pub mean: f64,
    /// Sample standard deviation, denominator n - 1 (numpy `ddof=1`, R `sd`); 0 when n = 1.
    pub sd: f64,
    /// The requested type-7 quantiles, in the order requested.
    pub quantiles: Vec<f64>,
}

pub(crate) fn empty_stats(qs: &[f64]) -> Stats {
    Stats {
        n: 0,
        mean: f64::NAN,
        sd: f64::NAN,
        quantiles: vec![f64::NAN; qs.len()],
    }
}

/// The type-7 positions of `qs` among `n` values, and the sorted distinct ranks they
/// need: ⌊h⌋ and, when interpolating, ⌊h⌋ + 1.
pub(crate) fn needed_ranks(n: usize, qs: &[f64]) -> (Vec<(usize, f64)>, Vec<usize>) {
    let positions: Vec<(usize, f64)> = qs.iter().map(|&q| type7_position(n, q)).collect();
    let mut ranks: Vec<usize> = positions
        .iter()
        .flat_map(|&(lo, f)| {
            let hi = if f > 0.0 && lo + 1 < n { lo + 1 } else { lo };
            [lo, hi]
        })
        .collect();
    ranks.sort_unstable();
    ranks.dedup();
    (positions, ranks)
}

/// The [`Stats`] from the moments and the values `ordered` at `ranks`.
pub(crate) fn assemble(
    n: usize,
    mean: f64,
    sd: f64,
    positions: &[(usize, f64)],
    ranks: &[usize],
    ordered: &[f64],
) -> Stats {
    let at = |r: usize| ordered[ranks.partition_point(|&x| x < r)];
    let quantiles = positions
        .iter()
        .map(|&(lo, f)| {
            if f > 0.0 && lo + 1 < n {
                lerp(at(lo), at(lo + 1), f)
            } else {
                at(lo)
            }
        })
        .collect();
    Stats {
        n,
        mean,
        sd,
        quantiles,
    }
}

/// Mean and sample sd (n - 1) of `n` values from the sums of (x - c) and (x - c)².
///
/// A moment whose sums overflowed `f64` is never shown as a plausible figure: the sd is
/// `+inf` when the sum of squares overflowed (not 0 from inf − inf, clamped), and the
/// mean is ±inf, or NaN when sums of both signs overflowed (see [`overflowed`]).
pub(crate) fn mean_sd(n: usize, c: f64, s1: f64, s2: f64) -> (f64, f64) {
    let nf = n as f64;
    let mean = c + s1 / nf;
    let sd = if n < 2 {
        0.0
    } else {
        let square = s1 * s1;
        // s2 ≥ s1² / n: when s1² alone overflows, s1 · (s1 / n) may not.
        let square_n = if square.is_finite() {
            square / nf
        } else {
            s1 * (s1 / nf)
        };
        let var = (s2 - square_n) / (nf - 1.0);
        if var.is_nan() || var == f64::INFINITY || !s2.is_finite() {
            f64::INFINITY
        } else {
            var.max(0.0).sqrt()
        }
    };
    (mean, sd)
}

/// Whether a statistic of `n` sound (finite) values overflowed `f64`: a mean or sd that
/// is not finite although there were values ([`Stats`] of sound draws are otherwise
/// finite).
pub fn overflowed(n: usize, x: f64) -> bool {
    n > 0 && !x.is_finite()
}

/// The statistics of every canonical output in one projection year.
#[derive(Debug, Clone, PartialEq)]
pub struct YearSummary {
    /// The calendar year.
    pub year: i32,
    /// One [`Stats`] per canonical output, in [`OUTPUT_NAMES`] order, over the draws still
    /// numerically sound in this year.
    pub stats: Vec<Stats>,
    /// Draws that broke down numerically in this year or earlier (left out of `stats`).
    pub broken_draws: u64,
}

/// The summary of a whole Monte Carlo run: every year, and the draws that broke down.
#[derive(Debug, Clone, PartialEq)]
pub struct RunSummary {
    /// Number of draws.
    pub draws: u64,
    /// The quantile levels, as requested.
    pub quantiles: Vec<f64>,
    /// One summary per projection year.
    pub years: Vec<YearSummary>,
    /// The first calendar year in which some draw broke down, if any did.
    pub first_broken_year: Option<i32>,
}

impl RunSummary {
    /// Draws that broke down in some year of the horizon.
    pub fn broken_draws(&self) -> u64 {
        self.years.last().map_or(0, |y| y.broken_draws)
    }

    /// The statistics that overflowed `f64` (see [`overflowed`]): `(year, output, stat)`
    /// with `stat` `"mean"` or `"sd"`, in CSV order.
    pub fn overflowed(&self) -> Vec<(i32, &'static str, &'static str)> {
        let mut found = Vec::new();
        for ys in &self.years {
            for (name, st) in OUTPUT_NAMES.iter().zip(&ys.stats) {
                for (stat, x) in [("mean", st.mean), ("sd", st.sd)] {
                    if overflowed(st.n, x) {
                        found.push((ys.year, *name, stat));
                    }
                }
            }
        }
        found
    }
}

/// The warning for statistics that overflowed, if any did: how many, and the first.
pub(crate) fn overflow_warning(found: &[(i32, &str, &str)]) -> Option<String> {
    let (year, name, stat) = found.first()?;
    Some(format!(
        "warning: {} statistics overflowed the range of f64 (their sums exceed 1.8e308), the \
         first the {stat} of {name} in {year}: an overflowed sd is written as inf, an \
         overflowed mean as inf, -inf or an empty cell; quantiles are exact",
        found.len()
    ))
}

/// Writes the summary CSV of a run: header, then one row per (year, variable).
pub fn write_summary_csv(
    w: &mut dyn std::io::Write,
    scenario: &str,
    run: &RunSummary,
) -> std::io::Result<()> {
    let mut csv = csv::Writer::from_writer(w);
    csv.write_record(summary_header(&run.quantiles))?;
    for ys in &run.years {
        write_summary_rows(&mut csv, scenario, ys)?;
    }
    csv.flush()
}

/// The column name of quantile `q`: `p05` for 0.05, `p50` for 0.5, `p2.5` for 0.025.
pub(crate) fn quantile_label(q: f64) -> String {
    let pct = (q * 100.0 * 1e9).round() / 1e9;
    if pct.fract() == 0.0 {
        format!("p{:02}", pct as u64)
    } else {
        format!("p{pct}")
    }
}

/// The header of the summary CSV.
pub(crate) fn summary_header(qs: &[f64]) -> Vec<String> {
    let mut h: Vec<String> = ["scenario", "year", "variable", "mean", "sd"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    h.extend(qs.iter().map(|&q| quantile_label(q)));
    h.push("broken_draws".into());
    h
}

/// Writes the rows of one year of the summary CSV: one row per canonical output. A
/// statistic with no sound draw left is an empty cell.
pub(crate) fn write_summary_rows<W: std::io::Write>(
    csv: &mut csv::Writer<W>,
    scenario: &str,
    ys: &YearSummary,
) -> std::io::Result<()> {
    let num = |x: f64| {
        if x.is_nan() {
            String::new()
        } else {
            format_number(x)
        }
    };
    for (name, st) in OUTPUT_NAMES.iter().zip(&ys.stats) {
        let mut rec = vec![
            scenario.to_string(),
            ys.year.to_string(),
            name.to_string(),
            num(st.mean),
            num(st.sd),
        ];
        rec.extend(st.quantiles.iter().map(|&q| num(q)));
        rec.push(ys.broken_draws.to_string());
        csv.write_record(&rec)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::histogram::summarize;
    use super::*;
    use proptest::prelude::*;

    /// The reference: sort, then numpy's formula.
    fn by_sorting(values: &[f64], q: f64) -> f64 {
        let mut v = values.to_vec();
        v.sort_by(f64::total_cmp);
        let (lo, f) = type7_position(v.len(), q);
        if f == 0.0 || lo + 1 >= v.len() {
            v[lo]
        } else {
            lerp(v[lo], v[lo + 1], f)
        }
    }

    #[test]
    fn matches_numpy_on_a_small_example() {
        // numpy.quantile([1, 2, 3, 4, 10], [0, 0.1, 0.5, 0.75, 0.9, 1])
        //   -> [1.0, 1.4, 3.0, 4.0, 7.6, 10.0]
        let x = [3.0, 1.0, 10.0, 4.0, 2.0];
        let want = [1.0, 1.4, 3.0, 4.0, 7.6, 10.0];
        for (q, w) in [0.0, 0.1, 0.5, 0.75, 0.9, 1.0].iter().zip(want) {
            let got = quantile_type7(&mut x.clone(), *q);
            assert!((got - w).abs() < 1e-12, "q {q}: {got} vs {w}");
        }
        let s = summarize(&x, &[0.1, 0.9]);
        assert_eq!(s.mean, 4.0);
        // numpy.std([1,2,3,4,10], ddof=1) = 3.5355339059327378
        assert!((s.sd - 3.5355339059327378).abs() < 1e-14);
        assert!((s.quantiles[0] - 1.4).abs() < 1e-12);
        assert!((s.quantiles[1] - 7.6).abs() < 1e-12);
    }

    #[test]
    fn one_value_and_no_values() {
        assert_eq!(quantile_type7(&mut [2.5], 0.3), 2.5);
        assert!(quantile_type7(&mut [], 0.3).is_nan());
        let s = summarize(&[2.5], &[0.05, 0.95]);
        assert_eq!(
            (s.mean, s.sd, s.quantiles.clone()),
            (2.5, 0.0, vec![2.5, 2.5])
        );
        assert!(summarize(&[], &[0.5]).mean.is_nan());
    }

    #[test]
    fn large_columns_with_outliers_ties_and_constant_values() {
        let qs = [0.0, 0.01, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 1.0];
        let n = 50_000;
        let mut cases: Vec<Vec<f64>> = Vec::new();
        // A smooth spread with far outliers beyond any sample.
        cases.push(
            (0..n)
                .map(|i| ((i as f64 * 0.7548776662).fract() - 0.5) * 3.0)
                .chain([1e12, -1e12, 5e300])
                .collect(),
        );
        // Heavy ties.
        cases.push((0..n).map(|i| (i % 7) as f64).collect());
        // Constant.
        cases.push(vec![0.042; n]);
        // Nearly constant: all mass in one bucket but two values.
        let mut v = vec![1.0; n];
        v[17] = 1.0 + 1e-15;
        v[n - 3] = 2.0;
        cases.push(v);
        // Log-normal-like, heavy right tail.
        cases.push(
            (0..n)
                .map(|i| (((i as f64 * 0.618034).fract() - 0.5) * 12.0).exp())
                .collect(),
        );
        for (c, v) in cases.iter().enumerate() {
            let s = summarize(v, &qs);
            for (q, got) in qs.iter().zip(&s.quantiles) {
                let want = by_sorting(v, *q);
                assert_eq!(got.to_bits(), want.to_bits(), "case {c} q {q}");
                assert_eq!(
                    quantile_type7(&mut v.clone(), *q).to_bits(),
                    want.to_bits(),
                    "case {c} q {q} (quantile_type7)"
                );
            }
        }
    }

    #[test]
    fn moments_that_overflow_are_infinite_never_zero() {
        // Sums of squares beyond f64: inf − inf must not become an sd of 0.
        let values = [0.1, 0.2, 1e200, 0.3, 1e200];
        let st = summarize(&values, &[0.5]);
        assert_eq!(st.sd, f64::INFINITY);
        assert!(overflowed(st.n, st.sd));
        assert!(!overflowed(st.n, st.quantiles[0]));
        // s1² overflows while s2 and the variance do not.
        let (_, sd) = mean_sd(4, 0.0, 2e154, 0.9 * f64::MAX);
        assert!(sd.is_finite() && sd > 0.0);
        // Sums of both signs overflowed: the mean is NaN, the sd inf.
        let (mean, sd) = mean_sd(4, 0.0, f64::NAN, f64::INFINITY);
        assert!(mean.is_nan() && sd == f64::INFINITY);
        // Ordinary sums: as before (a variance rounded below 0 is 0).
        assert_eq!(mean_sd(3, 1.0, 0.0, -1e-300), (1.0, 0.0));
        assert_eq!(mean_sd(3, 1.0, 3.0, 5.0), (2.0, 1.0));
    }

    #[test]
    fn hundreds_of_quantiles() {
        let v: Vec<f64> = (0..20_000)
            .map(|i| ((i as f64 * 0.7548776662).fract() - 0.3).powi(3))
            .collect();
        let qs: Vec<f64> = (1..1000).map(|i| i as f64 / 1000.0).collect();
        let s = summarize(&v, &qs);
        for (q, got) in qs.iter().zip(&s.quantiles) {
            assert_eq!(got.to_bits(), by_sorting(&v, *q).to_bits(), "q {q}");
        }
    }

    #[test]
    fn moments_match_two_pass_formulas() {
        let v: Vec<f64> = (0..10_000)
            .map(|i| 1e6 + ((i as f64 * 0.3819660113).fract()))
            .collect();
        let s = summarize(&v, &[0.5]);
        let mean = v.iter().sum::<f64>() / v.len() as f64;
        let var = v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (v.len() - 1) as f64;
        assert!((s.mean - mean).abs() < 1e-9, "{} vs {mean}", s.mean);
        assert!(
            (s.sd - var.sqrt()).abs() < 1e-9,
            "{} vs {}",
            s.sd,
            var.sqrt()
        );
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(40))]
        #[test]
        fn quantiles_equal_sorting(
            v in prop::collection::vec(
                prop_oneof![-1e6f64..1e6, (0i32..20).prop_map(f64::from), Just(0.5)],
                1..12_000,
            ),
            qs in prop::collection::vec(0.0f64..=1.0, 1..9),
        ) {
            let s = summarize(&v, &qs);
            for (q, got) in qs.iter().zip(&s.quantiles) {
                let want = by_sorting(&v, *q);
                prop_assert_eq!(got.to_bits(), want.to_bits());
                prop_assert_eq!(quantile_type7(&mut v.clone(), *q).to_bits(), want.to_bits());
            }
        }
    }
}
