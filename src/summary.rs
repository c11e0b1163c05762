//! Statistics of Monte Carlo draws: mean, sample standard deviation and exact quantiles
//! (Hyndman & Fan type 7, the default of numpy and R), computed one column of draws at a
//! time so that a run summarises each year as soon as it is simulated.
//!
//! Quantiles are exact: the same numbers as sorting the values and interpolating
//! linearly, with numpy's interpolation formula, so a result can be checked bit for bit
//! against `numpy.quantile(x, q)`. They are found without sorting: one pass builds a
//! histogram of the values (over a range estimated from a sample; values outside it go to
//! the edge buckets, which keeps the bucketing monotone and therefore exact), a second
//! pass gathers the few values that fall into the buckets holding the requested ranks, and
//! only those are ordered. A bucket that is still large is split again the same way.
//!
//! A Monte Carlo run never holds its columns: [`summarize_run`] tallies the draws while
//! they are simulated and finds the same exact quantiles from value windows (see
//! [`crate::montecarlo::windows`]).

use std::cmp::Ordering;

use rayon::prelude::*;

use crate::model::OUTPUT_NAMES;
use crate::montecarlo::engine::YearDraws;
use crate::output::format_number;

/// Number of histogram buckets (a histogram of `u32` fits in the L1 cache).
pub const BUCKETS: usize = 2048;
/// Below this many values, quantiles are found by sorting.
const SMALL: usize = 4096;

/// The type-7 quantile `q` (0 ≤ q ≤ 1) of `values`: with the values sorted ascending as
/// x\[0..n\], h = (n - 1) q, the result is x\[⌊h⌋\] + (h - ⌊h⌋) (x\[⌊h⌋+1\] - x\[⌊h⌋\]),
/// computed with numpy's formula. Reorders `values`. NaN sorts after every number (it is
/// the caller's job to leave NaN out); an empty slice gives NaN.
pub fn quantile_type7(values: &mut [f64], q: f64) -> f64 {
    let n = values.len();
    if n == 0 {
        return f64::NAN;
    }
    let (lo, frac) = type7_position(n, q);
    let (_, a, rest) = values.select_nth_unstable_by(lo, f64::total_cmp);
    let a = *a;
    if frac == 0.0 || rest.is_empty() {
        return a;
    }
    let b = rest.iter().copied().min_by(f64::total_cmp).unwrap_or(a);
    lerp(a, b, frac)
}

/// The 0-based rank ⌊h⌋ and the fraction h - ⌊h⌋ of the type-7 position h = (n - 1) q
/// among `n` sorted values (q clamped to \[0, 1\]).
fn type7_position(n: usize, q: f64) -> (usize, f64) {
    let q = if q.is_nan() { 0.0 } else { q.clamp(0.0, 1.0) };
    let h = (n - 1) as f64 * q;
    let lo = (h.floor() as usize).min(n - 1);
    (lo, h - lo as f64)
}

/// numpy's linear interpolation between consecutive order statistics `a ≤ b`.
#[inline]
fn lerp(a: f64, b: f64, t: f64) -> f64 {
    let diff = b - a;
    if t >= 0.5 {
        b - diff * (1.0 - t)
    } else {
        a + diff * t
    }
}

/// Mean of `values` (NaN when empty), summed in order.
pub fn mean(values: &[f64]) -> f64 {
    values.iter().sum::<f64>() / values.len() as f64
}

/// Sample standard deviation (n - 1 denominator; 0 for a single value, NaN when empty).
pub fn sd(values: &[f64]) -> f64 {
    let n = values.len();
    if n < 2 {
        return if n == 1 { 0.0 } else { f64::NAN };
    }
    let m = mean(values);
    (values.iter().map(|v| (v - m) * (v - m)).sum::<f64>() / (n - 1) as f64).sqrt()
}

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

/// Summarises `values` (finite numbers; ±inf are ordered but make the moments infinite):
/// mean, sd and the type-7 quantiles `qs` (each in \[0, 1\]). Does not reorder `values`;
/// the result depends only on the values and their order, never on threads.
pub fn summarize(values: &[f64], qs: &[f64]) -> Stats {
    let n = values.len();
    if n == 0 {
        return empty_stats(qs);
    }
    let (positions, ranks) = needed_ranks(n, qs);
    let (mean, sd, ordered) = if n <= SMALL {
        let (mean, sd) = moments(values);
        (mean, sd, by_sorting(values, &ranks))
    } else {
        large(values, &ranks)
    };
    assemble(n, mean, sd, &positions, &ranks, &ordered)
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

/// The values at `ranks` of `values`, by sorting a copy.
fn by_sorting(values: &[f64], ranks: &[usize]) -> Vec<f64> {
    let mut v = values.to_vec();
    v.sort_unstable_by(f64::total_cmp);
    ranks.iter().map(|&r| v[r]).collect()
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

/// Shifted moments: the mean and sample sd of `values` around a pivot `c`, with four
/// fixed accumulators (deterministic, vectorisable).
fn moments(values: &[f64]) -> (f64, f64) {
    let c = values[values.len() / 2];
    let mut s1 = [0.0f64; 4];
    let mut s2 = [0.0f64; 4];
    let chunks = values.chunks_exact(4);
    let rem = chunks.remainder();
    for ch in chunks {
        for k in 0..4 {
            let d = ch[k] - c;
            s1[k] += d;
            s2[k] += d * d;
        }
    }
    for (k, &x) in rem.iter().enumerate() {
        let d = x - c;
        s1[k] += d;
        s2[k] += d * d;
    }
    finish_moments(values.len(), c, s1, s2)
}

fn finish_moments(n: usize, c: f64, s1: [f64; 4], s2: [f64; 4]) -> (f64, f64) {
    let s1 = (s1[0] + s1[1]) + (s1[2] + s1[3]);
    let s2 = (s2[0] + s2[1]) + (s2[2] + s2[3]);
    mean_sd(n, c, s1, s2)
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

/// A monotone map from values to buckets 0..BUCKETS, linear over \[lo, hi\] and clamped
/// outside it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bucketing {
    lo: f64,
    scale: f64,
}

impl Bucketing {
    /// The map linear over \[`lo`, `hi`\] (every value to bucket 0 when the range is
    /// empty or not finite).
    pub fn new(lo: f64, hi: f64) -> Bucketing {
        let width = hi - lo;
        let scale = if width > 0.0 && width.is_finite() {
            (BUCKETS as f64 - 1.0) / width
        } else {
            0.0
        };
        Bucketing { lo, scale }
    }

    /// The bucket of `x`: non-decreasing in `x`, in 0..[`BUCKETS`].
    #[inline(always)]
    pub fn bucket(self, x: f64) -> usize {
        // Clamped to [0, BUCKETS - 1] (NaN gives 0): monotone non-decreasing in x.
        const LAST: f64 = (BUCKETS - 1) as f64;
        let f = (x - self.lo) * self.scale;
        let f = if f > 0.0 { f } else { 0.0 };
        let f = if f < LAST { f } else { LAST };
        // f is in [0, BUCKETS - 1]. Adding 2^52 rounds it to the nearest integer, which
        // then sits in the low mantissa bits (a monotone map, like truncation, but without
        // the saturating float-to-int conversion); the mask spares a bounds check.
        const TWO_52: f64 = 4_503_599_627_370_496.0;
        ((f + TWO_52).to_bits() as usize) & (BUCKETS - 1)
    }
}

/// Mean, sd and the values at `ranks` (sorted, distinct) of a large column.
fn large(values: &[f64], ranks: &[usize]) -> (f64, f64, Vec<f64>) {
    let n = values.len();
    // Estimate the range from an evenly spaced sample.
    let step = (n / 1024).max(1);
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for &x in values.iter().step_by(step) {
        if x.is_finite() {
            lo = lo.min(x);
            hi = hi.max(x);
        }
    }
    if lo > hi {
        (lo, hi) = (0.0, 0.0);
    }
    let c = values[n / 2];
    let bk = Bucketing::new(lo, hi);
    // Pass 1: moments, exact min and max, histogram (four sub-histograms, so that runs
    // of values in one bucket do not serialise on one counter).
    let mut sub = vec![[0u32; BUCKETS]; 4];
    let mut s1 = [0.0f64; 4];
    let mut s2 = [0.0f64; 4];
    let mut mn = [f64::INFINITY; 4];
    let mut mx = [f64::NEG_INFINITY; 4];
    let chunks = values.chunks_exact(4);
    let rem = chunks.remainder();
    for ch in chunks {
        for k in 0..4 {
            let x = ch[k];
            let d = x - c;
            s1[k] += d;
            s2[k] += d * d;
            mn[k] = if x < mn[k] { x } else { mn[k] };
            mx[k] = if x > mx[k] { x } else { mx[k] };
            sub[k][bk.bucket(x)] += 1;
        }
    }
    for (k, &x) in rem.iter().enumerate() {
        let d = x - c;
        s1[k] += d;
        s2[k] += d * d;
        mn[k] = if x < mn[k] { x } else { mn[k] };
        mx[k] = if x > mx[k] { x } else { mx[k] };
        sub[k][bk.bucket(x)] += 1;
    }
    let hist: Vec<u32> = (0..BUCKETS)
        .map(|b| sub[0][b] + sub[1][b] + sub[2][b] + sub[3][b])
        .collect();
    let (mean, sd) = finish_moments(n, c, s1, s2);
    let min = mn.iter().copied().fold(f64::INFINITY, f64::min);
    let max = mx.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if min == max {
        return (mean, sd, vec![min; ranks.len()]);
    }
    let ordered = select_ranks(values, bk, &hist, ranks, min, max);
    (mean, sd, ordered)
}

/// The values at `ranks` (sorted, distinct) of `values`, given the histogram `hist` of
/// `values` under `bk` and their exact `min` and `max`.
fn select_ranks(
    values: &[f64],
    bk: Bucketing,
    hist: &[u32],
    ranks: &[usize],
    min: f64,
    max: f64,
) -> Vec<f64> {
    // Bucket of each rank, and the rank within the bucket.
    let mut cum = Vec::with_capacity(BUCKETS + 1);
    let mut acc = 0usize;
    cum.push(0usize);
    for &h in hist {
        acc += h as usize;
        cum.push(acc);
    }
    let located: Vec<(usize, usize)> = ranks
        .iter()
        .map(|&r| {
            // The bucket b with cum[b] <= r < cum[b + 1].
            let b = cum.partition_point(|&c| c <= r) - 1;
            (b, r - cum[b])
        })
        .collect();
    // Pass 2: gather the wanted buckets.
    let mut slot = vec![u8::MAX; BUCKETS];
    let mut wanted: Vec<usize> = located.iter().map(|&(b, _)| b).collect();
    wanted.dedup();
    if wanted.len() >= usize::from(u8::MAX) {
        // Hundreds of quantiles: sorting once is simpler and as fast.
        let mut v = values.to_vec();
        v.sort_unstable_by(f64::total_cmp);
        return ranks.iter().map(|&r| v[r]).collect();
    }
    let mut gathered: Vec<Vec<f64>> = wanted
        .iter()
        .map(|&b| Vec::with_capacity(hist[b] as usize))
        .collect();
    for (i, &b) in wanted.iter().enumerate() {
        slot[b] = i as u8;
    }
    for &x in values {
        let s = slot[bk.bucket(x)];
        if s != u8::MAX {
            gathered[s as usize].push(x);
        }
    }
    let mut out = Vec::with_capacity(ranks.len());
    for (i, &b) in wanted.iter().enumerate() {
        let inner: Vec<usize> = located
            .iter()
            .filter(|&&(bb, _)| bb == b)
            .map(|&(_, r)| r)
            .collect();
        out.extend(ranks_of(&mut gathered[i], &inner, min, max));
    }
    out
}

/// The values at `ranks` (sorted, distinct) of `v` (reordered), splitting large sets
/// again with a histogram over their own range.
fn ranks_of(v: &mut [f64], ranks: &[usize], min: f64, max: f64) -> Vec<f64> {
    if v.len() <= SMALL {
        v.sort_unstable_by(f64::total_cmp);
        return ranks.iter().map(|&r| v[r]).collect();
    }
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for &x in v.iter() {
        lo = lo.min(x);
        hi = hi.max(x);
    }
    let (lo, hi) = (lo.max(min), hi.min(max));
    if lo.total_cmp(&hi) == Ordering::Equal {
        return vec![lo; ranks.len()];
    }
    if lo.total_cmp(&hi) != Ordering::Less || !(hi - lo).is_finite() {
        // A span too wide to bucket linearly: select directly.
        return ranks
            .iter()
            .map(|&r| *v.select_nth_unstable_by(r, f64::total_cmp).1)
            .collect();
    }
    let bk = Bucketing::new(lo, hi);
    let mut hist = vec![0u32; BUCKETS];
    for &x in v.iter() {
        hist[bk.bucket(x)] += 1;
    }
    if hist.iter().any(|&h| h as usize == v.len()) {
        return ranks
            .iter()
            .map(|&r| *v.select_nth_unstable_by(r, f64::total_cmp).1)
            .collect();
    }
    select_ranks(v, bk, &hist, ranks, lo, hi)
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

/// Summarises one simulated year (the columns in parallel; the result never depends on
/// the thread count). Draws that have broken down by this year are left out.
pub fn summarize_year(yd: &YearDraws, qs: &[f64]) -> YearSummary {
    let broken_draws = yd.broken_count();
    let stats = yd
        .columns
        .par_iter()
        .map(|col| {
            let sound: Vec<f64>;
            let values: &[f64] = if broken_draws == 0 {
                col
            } else {
                sound = col
                    .iter()
                    .enumerate()
                    .filter(|&(j, _)| yd.is_sound(j))
                    .map(|(_, &x)| x)
                    .collect();
                &sound
            };
            summarize(values, qs)
        })
        .collect();
    YearSummary {
        year: yd.year,
        stats,
        broken_draws,
    }
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
pub fn overflow_warning(found: &[(i32, &str, &str)]) -> Option<String> {
    let (year, name, stat) = found.first()?;
    Some(format!(
        "warning: {} statistics overflowed the range of f64 (their sums exceed 1.8e308), the \
         first the {stat} of {name} in {year}: an overflowed sd is written as inf, an \
         overflowed mean as inf, -inf or an empty cell; quantiles are exact",
        found.len()
    ))
}

/// Simulates `draws` draws of `sc` with `seed` and summarises every year and output:
/// mean, sd and the exact type-7 quantiles `qs` of the sound draws. Memory does not grow
/// with draws × years: blocks of draws run through all years while their outputs are
/// tallied (moment sums, and the quantile windows of [`crate::montecarlo::windows`]).
/// `progress` is told how many draws each finished chunk simulated (all draws
/// [`crate::montecarlo::summarize::passes`] times over). The result depends only on the
/// scenario, `draws`, `seed` and `qs`, never on the thread count.
pub fn summarize_run(
    sc: &crate::scenario::Scenario,
    draws: u64,
    seed: u64,
    qs: &[f64],
    progress: impl Fn(u64) + Sync,
) -> crate::Result<RunSummary> {
    crate::montecarlo::summarize::run(sc, draws, seed, qs, progress)
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
pub fn quantile_label(q: f64) -> String {
    let pct = (q * 100.0 * 1e9).round() / 1e9;
    if pct.fract() == 0.0 {
        format!("p{:02}", pct as u64)
    } else {
        format!("p{pct}")
    }
}

/// The header of the summary CSV.
pub fn summary_header(qs: &[f64]) -> Vec<String> {
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
pub fn write_summary_rows<W: std::io::Write>(
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
    fn broken_draws_are_left_out_from_the_year_they_break() {
        let n = 6000;
        let columns: Vec<Vec<f64>> = (0..crate::model::N_OUTPUTS)
            .map(|v| {
                (0..n)
                    .map(|j| {
                        if j % 10 == 3 {
                            f64::NAN
                        } else {
                            (j * (v + 1)) as f64
                        }
                    })
                    .collect()
            })
            .collect();
        // Draws 3, 13, 23, ... broke down in year index 1; draw 5 breaks in year index 4.
        let broken: Vec<u32> = (0..n)
            .map(|j| match j {
                _ if j % 10 == 3 => 1,
                5 => 4,
                _ => crate::montecarlo::engine::NOT_BROKEN,
            })
            .collect();
        let yd = YearDraws {
            index: 2,
            year: 2028,
            columns: &columns,
            broken: &broken,
        };
        let ys = summarize_year(&yd, &[0.1, 0.5]);
        assert_eq!(ys.broken_draws, 600);
        let sound: Vec<f64> = columns[7]
            .iter()
            .enumerate()
            .filter(|(j, _)| j % 10 != 3)
            .map(|(_, &x)| x)
            .collect();
        assert_eq!(ys.stats[7], summarize(&sound, &[0.1, 0.5]));
        assert_eq!(ys.stats[7].n, n - 600);
        assert!(
            ys.stats
                .iter()
                .all(|s| s.mean.is_finite() && s.quantiles.iter().all(|q| q.is_finite()))
        );
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
