//! Scores of probabilistic forecasts against realised outcomes: band coverage with a
//! binomial confidence interval, the probability integral transform (PIT) and the
//! continuous ranked probability score (CRPS) of an ensemble.
//!
//! Every function takes the ensemble (the Monte Carlo draws, or the naive forecast's
//! values) **sorted ascending** and free of NaN; [`sorted_finite`] makes one.

use crate::summary::quantile_type7;

/// z of a two-sided 95 % normal interval, for [`wilson`].
pub const Z95: f64 = 1.959_963_984_540_054;

/// The finite values of `values`, sorted ascending, and how many were not finite.
pub fn sorted_finite(values: &[f64]) -> (Vec<f64>, usize) {
    let mut v: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
    v.sort_by(f64::total_cmp);
    let dropped = values.len() - v.len();
    (v, dropped)
}

/// The central band of probability `level` (e.g. 0.9) of a sorted ensemble: its type-7
/// quantiles (1 - level) / 2 and (1 + level) / 2, as in the Monte Carlo summaries.
pub fn band(sorted: &[f64], level: f64) -> (f64, f64) {
    let mut v = sorted.to_vec();
    let lo = quantile_type7(&mut v, (1.0 - level) / 2.0);
    let hi = quantile_type7(&mut v, (1.0 + level) / 2.0);
    (lo, hi)
}

/// Whether `y` lies in the central band of probability `level` (bounds included).
pub fn covers(sorted: &[f64], y: f64, level: f64) -> bool {
    let (lo, hi) = band(sorted, level);
    lo <= y && y <= hi
}

/// The probability integral transform of `y` under the ensemble: the share of members
/// below `y`, ties counted half (the mid-rank), in [0, 1]. Calibrated forecasts give
/// PIT values uniform on [0, 1].
pub fn pit(sorted: &[f64], y: f64) -> f64 {
    let n = sorted.len();
    if n == 0 {
        return f64::NAN;
    }
    let below = sorted.partition_point(|x| *x < y);
    let not_above = sorted.partition_point(|x| *x <= y);
    (below as f64 + 0.5 * (not_above - below) as f64) / n as f64
}

/// The CRPS of the ensemble's empirical distribution for outcome `y`, in the units of
/// `y` (lower is better; 0 for a point mass at the outcome):
/// CRPS = mean |x_i - y| - (1 / 2n^2) sum_ij |x_i - x_j|, with the double sum from the
/// sorted sample as 2 sum_i (2i - n - 1) x_(i) (i = 1..n).
pub fn crps(sorted: &[f64], y: f64) -> f64 {
    let n = sorted.len();
    if n == 0 {
        return f64::NAN;
    }
    let nf = n as f64;
    let mut abs = 0.0;
    let mut spread = 0.0;
    for (i, x) in sorted.iter().enumerate() {
        abs += (x - y).abs();
        spread += (2.0 * (i + 1) as f64 - nf - 1.0) * x;
    }
    abs / nf - spread / (nf * nf)
}

/// The CRPS of the normal distribution N(mu, sigma^2) for outcome `y` (closed form,
/// Gneiting and Raftery 2007): sigma (z (2 Phi(z) - 1) + 2 phi(z) - 1 / sqrt(pi)),
/// z = (y - mu) / sigma.
pub fn crps_normal(mu: f64, sigma: f64, y: f64) -> f64 {
    if sigma <= 0.0 {
        return (y - mu).abs();
    }
    let z = (y - mu) / sigma;
    let pdf = (-0.5 * z * z).exp() / (2.0 * std::f64::consts::PI).sqrt();
    let cdf = crate::sensitivity::normal_cdf(z);
    sigma * (z * (2.0 * cdf - 1.0) + 2.0 * pdf - 1.0 / std::f64::consts::PI.sqrt())
}

/// The Wilson score interval of a binomial proportion: `k` successes in `n` trials,
/// normal quantile `z` ([`Z95`] for 95 %). Returns (lower, upper) in [0, 1]; (0, 1) for
/// n = 0. Reliable for small n, unlike the Wald interval.
pub fn wilson(k: usize, n: usize, z: f64) -> (f64, f64) {
    if n == 0 {
        return (0.0, 1.0);
    }
    let (nf, p) = (n as f64, k as f64 / n as f64);
    let z2 = z * z;
    let centre = (p + z2 / (2.0 * nf)) / (1.0 + z2 / nf);
    let half = z / (1.0 + z2 / nf) * (p * (1.0 - p) / nf + z2 / (4.0 * nf * nf)).sqrt();
    // Exact bounds at the ends (the formula gives them up to rounding).
    let lo = if k == 0 {
        0.0
    } else {
        (centre - half).max(0.0)
    };
    let hi = if k >= n {
        1.0
    } else {
        (centre + half).min(1.0)
    };
    (lo, hi)
}

/// Counts of PIT values in `bins` equal bins of [0, 1] (a value of 1 goes to the last).
pub fn pit_histogram(pits: &[f64], bins: usize) -> Vec<usize> {
    let mut h = vec![0; bins];
    if bins == 0 {
        return h;
    }
    for p in pits.iter().filter(|p| p.is_finite()) {
        let b = ((p * bins as f64).floor() as usize).min(bins - 1);
        h[b] += 1;
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coverage_of_a_hand_computed_band() {
        // 1..=11: type-7 5 % and 95 % quantiles are 1.5 and 10.5; 25 % and 75 % are 3.5, 8.5.
        let e: Vec<f64> = (1..=11).map(f64::from).collect();
        assert_eq!(band(&e, 0.9), (1.5, 10.5));
        assert_eq!(band(&e, 0.5), (3.5, 8.5));
        assert!(covers(&e, 1.5, 0.9) && covers(&e, 10.5, 0.9));
        assert!(!covers(&e, 1.4, 0.9) && !covers(&e, 10.6, 0.9));
        assert!(covers(&e, 6.0, 0.5) && !covers(&e, 9.0, 0.5));
    }

    #[test]
    fn pit_by_hand() {
        let e = [1.0, 2.0, 3.0, 4.0];
        assert_eq!(pit(&e, 0.0), 0.0);
        assert_eq!(pit(&e, 2.5), 0.5);
        assert_eq!(pit(&e, 2.0), 0.375); // 1 below, 1 tie counted half: 1.5 / 4
        assert_eq!(pit(&e, 9.0), 1.0);
        assert!(pit(&[], 1.0).is_nan());
        assert_eq!(
            pit_histogram(&[0.0, 0.19, 0.2, 0.99, 1.0], 5),
            vec![2, 1, 0, 0, 2]
        );
    }

    #[test]
    fn crps_by_hand() {
        // A single member: |x - y|.
        assert_eq!(crps(&[3.0], 1.0), 2.0);
        // {0, 1} and y = 0: mean |x - y| = 0.5, spread term (1/(2*4)) * 2 = 0.25.
        assert!((crps(&[0.0, 1.0], 0.0) - 0.25).abs() < 1e-15);
        // Same from the definition with the double sum, on an unequal sample.
        let e: [f64; 4] = [-1.0, 0.5, 2.0, 7.0];
        let y: f64 = 1.2;
        let n = e.len() as f64;
        let abs: f64 = e.iter().map(|x| (x - y).abs()).sum::<f64>() / n;
        let pairs: f64 = e
            .iter()
            .flat_map(|a| e.iter().map(move |b| (a - b).abs()))
            .sum();
        assert!((crps(&e, y) - (abs - pairs / (2.0 * n * n))).abs() < 1e-12);
    }

    #[test]
    fn crps_of_a_normal_closed_form_and_the_ensemble_converges_to_it() {
        // At the mean: sigma (2 phi(0) - 1/sqrt(pi)) = sigma (sqrt(2/pi) - 1/sqrt(pi)).
        let at_mean = (2.0 / std::f64::consts::PI).sqrt() - 1.0 / std::f64::consts::PI.sqrt();
        assert!((crps_normal(0.0, 1.0, 0.0) - at_mean).abs() < 1e-12);
        assert!((crps_normal(5.0, 2.0, 5.0) - 2.0 * at_mean).abs() < 1e-12);
        // Far in the tail it tends to |y - mu| - sigma / sqrt(pi).
        let tail = crps_normal(0.0, 1.0, 10.0);
        assert!((tail - (10.0 - 1.0 / std::f64::consts::PI.sqrt())).abs() < 1e-9);
        // The ensemble of the normal's n quantiles (i - 0.5) / n converges to the closed form.
        let (mu, sigma) = (0.04, 0.02);
        for y in [0.04, 0.01, 0.09] {
            let exact = crps_normal(mu, sigma, y);
            let mut errs = Vec::new();
            for n in [100, 1000, 10_000] {
                let e: Vec<f64> = (0..n)
                    .map(|i| mu + sigma * inverse_normal((i as f64 + 0.5) / n as f64))
                    .collect();
                errs.push((crps(&e, y) - exact).abs());
            }
            assert!(errs[2] < 2e-6 * sigma / 0.02, "{y}: {errs:?}");
            assert!(errs[2] < errs[0], "{y}: {errs:?}");
        }
    }

    #[test]
    fn crps_of_random_normal_draws_is_close_to_the_closed_form() {
        use rand_distr::{Distribution, Normal};
        let mut rng = crate::montecarlo::draw_rng(11, 0, 0);
        let normal = Normal::new(0.05, 0.02).unwrap();
        let draws: Vec<f64> = (0..200_000).map(|_| normal.sample(&mut rng)).collect();
        let (e, dropped) = sorted_finite(&draws);
        assert_eq!(dropped, 0);
        for y in [0.05, 0.0, 0.12] {
            let exact = crps_normal(0.05, 0.02, y);
            assert!((crps(&e, y) - exact).abs() < 0.01 * exact, "{y}");
        }
    }

    mod properties {
        use super::super::*;
        use proptest::prelude::*;

        proptest! {
            #[test]
            fn scores_stay_in_their_ranges(
                v in proptest::collection::vec(-10.0f64..10.0, 1..60),
                y in -20.0f64..20.0,
            ) {
                let (e, _) = sorted_finite(&v);
                let p = pit(&e, y);
                prop_assert!((0.0..=1.0).contains(&p));
                prop_assert!(crps(&e, y) >= -1e-12);
                // CRPS is at most the mean absolute error, the 50 % band inside the 90 %.
                let mae = e.iter().map(|x| (x - y).abs()).sum::<f64>() / e.len() as f64;
                prop_assert!(crps(&e, y) <= mae + 1e-12);
                prop_assert!(!covers(&e, y, 0.5) || covers(&e, y, 0.9));
                let (lo, hi) = wilson(e.len() / 2, e.len(), Z95);
                prop_assert!((0.0..=0.5 + 1e-12).contains(&lo) && hi <= 1.0);
            }
        }
    }

    /// Inverse standard normal by bisection on the crate's normal distribution function.
    fn inverse_normal(p: f64) -> f64 {
        let (mut lo, mut hi) = (-9.0, 9.0);
        for _ in 0..100 {
            let mid = 0.5 * (lo + hi);
            if crate::sensitivity::normal_cdf(mid) < p {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        0.5 * (lo + hi)
    }

    #[test]
    fn wilson_by_hand() {
        // 8 of 10 at 95 %: (0.4902, 0.9433) (standard tables).
        let (lo, hi) = wilson(8, 10, Z95);
        assert!(
            (lo - 0.4902).abs() < 1e-4 && (hi - 0.9433).abs() < 1e-4,
            "{lo} {hi}"
        );
        let (lo, hi) = wilson(0, 5, Z95);
        assert_eq!(lo, 0.0);
        assert!((hi - 0.4345).abs() < 1e-4, "{hi}");
        assert_eq!(wilson(0, 0, Z95), (0.0, 1.0));
    }
}
