//! The reference quantile engine: exact type-7 quantiles of a whole column held in
//! memory, found without sorting it. Production never holds a column (a Monte Carlo run
//! finds the same quantiles from value windows, [`crate::montecarlo::summarize`]); this
//! engine serves the tests, which check the windows against it, and the benchmarks
//! (cargo feature `bench`).
//!
//! One pass builds a histogram of the values (over a range estimated from a sample;
//! values outside it go to the edge buckets, which keeps the bucketing monotone and
//! therefore exact), a second pass gathers the few values that fall into the buckets
//! holding the requested ranks, and only those are ordered. A bucket that is still large
//! is split again the same way. Below 4,096 values, a copy is sorted.

use std::cmp::Ordering;

use super::{Stats, assemble, empty_stats, mean_sd, needed_ranks};

/// Number of histogram buckets (a histogram of `u32` fits in the L1 cache).
pub(crate) const BUCKETS: usize = 2048;
/// Below this many values, quantiles are found by sorting.
const SMALL: usize = 4096;

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

/// The values at `ranks` of `values`, by sorting a copy.
fn by_sorting(values: &[f64], ranks: &[usize]) -> Vec<f64> {
    let mut v = values.to_vec();
    v.sort_unstable_by(f64::total_cmp);
    ranks.iter().map(|&r| v[r]).collect()
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

/// A monotone map from values to buckets 0..BUCKETS, linear over \[lo, hi\] and clamped
/// outside it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Bucketing {
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
    pub(crate) fn bucket(self, x: f64) -> usize {
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
