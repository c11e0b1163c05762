//! Morris's elementary effects (Morris 1991; mu* of Campolongo, Cariboni & Saltelli 2007).
//!
//! Design: `r` trajectories of D + 1 points on a grid of `p` levels (p even) of the unit
//! cube. A trajectory starts at a random grid point and moves one parameter at a time,
//! in random order, by Delta = p / (2 (p - 1)), up or down. The elementary effect of
//! parameter i on a trajectory is EE_i = (f(x + Delta e_i) - f(x)) / Delta: the change of
//! the output per unit of the parameter's range (SALib's convention). mu* is the mean of
//! |EE_i| over trajectories, sigma their sample standard deviation; the confidence
//! half-width of mu* is z * sd of mu* over bootstrap resamples of the trajectories.

use rand::RngExt;

use crate::montecarlo::draw_rng;

use super::normal_quantile;
use super::sobol::BOOTSTRAP_PURPOSE;

/// Random-stream purpose of the trajectories (see [`draw_rng`]).
pub(crate) const DESIGN_PURPOSE: u64 = 0x4D4F_5252;

/// The step Delta of a `levels`-level grid.
pub(crate) fn delta(levels: usize) -> f64 {
    levels as f64 / (2.0 * (levels as f64 - 1.0))
}

/// `r` trajectories of `d` parameters on a grid of `levels` levels (even, at least 2),
/// in the unit cube: `r (d + 1)` rows, trajectory by trajectory, as SALib lays them out.
pub(crate) fn trajectories(r: usize, d: usize, levels: usize, seed: u64) -> Vec<Vec<f64>> {
    let mut rng = draw_rng(seed, 0, DESIGN_PURPOSE);
    let step = delta(levels);
    let top = levels / 2; // base levels k / (p - 1) with k < p / 2 keep x + Delta <= 1
    let mut rows = Vec::with_capacity(r * (d + 1));
    for _ in 0..r {
        let mut x: Vec<f64> = Vec::with_capacity(d);
        let mut up: Vec<bool> = Vec::with_capacity(d);
        for _ in 0..d {
            let k = rng.random_range(0..top);
            let base = k as f64 / (levels as f64 - 1.0);
            let dir = rng.random_bool(0.5);
            x.push(if dir { base } else { base + step });
            up.push(dir);
        }
        let mut order: Vec<usize> = (0..d).collect();
        for i in (1..d).rev() {
            let k = rng.random_range(0..=i);
            order.swap(i, k);
        }
        rows.push(x.clone());
        for &i in &order {
            x[i] = if up[i] { x[i] + step } else { x[i] - step };
            rows.push(x.clone());
        }
    }
    rows
}

/// mu*, its confidence half-width, and sigma of each parameter.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct MorrisIndices {
    /// Mean absolute elementary effect per parameter.
    pub mu_star: Vec<f64>,
    /// Confidence half-width of mu*.
    pub mu_star_conf: Vec<f64>,
    /// Standard deviation of the elementary effects (NaN with one trajectory).
    pub sigma: Vec<f64>,
    /// Mean elementary effect (signed).
    pub mu: Vec<f64>,
}

/// The elementary effects of each parameter (one per trajectory) from the unit-cube
/// design `x` (from [`trajectories`]) and its outputs `y`.
pub(crate) fn elementary_effects(x: &[Vec<f64>], y: &[f64], d: usize) -> Vec<Vec<f64>> {
    let mut ee = vec![Vec::new(); d];
    for (tx, ty) in x.chunks(d + 1).zip(y.chunks(d + 1)) {
        for k in 1..tx.len() {
            let Some(i) = (0..d).find(|&i| tx[k][i] != tx[k - 1][i]) else {
                continue;
            };
            let dx = tx[k][i] - tx[k - 1][i];
            ee[i].push((ty[k] - ty[k - 1]) / dx);
        }
    }
    ee
}

/// Morris indices from the design `x` (unit cube) and outputs `y`, with `bootstrap`
/// resamples of the trajectories for the confidence of mu* at level `confidence`.
pub(crate) fn indices(
    x: &[Vec<f64>],
    y: &[f64],
    d: usize,
    bootstrap: usize,
    confidence: f64,
    seed: u64,
) -> MorrisIndices {
    let ee = elementary_effects(x, y, d);
    let z = normal_quantile(0.5 + confidence / 2.0);
    let mut rng = draw_rng(seed, 0, BOOTSTRAP_PURPOSE);
    let r = ee.first().map_or(0, Vec::len);
    let resamples: Vec<Vec<usize>> = (0..bootstrap)
        .map(|_| (0..r).map(|_| rng.random_range(0..r.max(1))).collect())
        .collect();
    let mean_abs = |e: &[f64], idx: &mut dyn Iterator<Item = usize>| {
        let (n, s) = idx.fold((0usize, 0.0), |(n, s), k| (n + 1, s + e[k].abs()));
        s / n as f64
    };
    let mut out = MorrisIndices {
        mu_star: Vec::with_capacity(d),
        mu_star_conf: Vec::with_capacity(d),
        sigma: Vec::with_capacity(d),
        mu: Vec::with_capacity(d),
    };
    for e in &ee {
        out.mu_star.push(mean_abs(e, &mut (0..e.len())));
        let boot: Vec<f64> = resamples
            .iter()
            .map(|rs| mean_abs(e, &mut rs.iter().copied().filter(|&k| k < e.len())))
            .collect();
        out.mu_star_conf.push(z * crate::summary::sd(&boot));
        out.sigma.push(crate::summary::sd(e));
        out.mu.push(crate::summary::mean(e));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trajectories_move_one_parameter_by_delta_on_the_grid() {
        let (r, d, p) = (20, 4, 6);
        let x = trajectories(r, d, p, 3);
        assert_eq!(x.len(), r * (d + 1));
        assert_eq!(x, trajectories(r, d, p, 3));
        for t in x.chunks(d + 1) {
            let mut moved = vec![0; d];
            for k in 1..=d {
                let changed: Vec<usize> = (0..d).filter(|&i| t[k][i] != t[k - 1][i]).collect();
                assert_eq!(changed.len(), 1);
                let i = changed[0];
                moved[i] += 1;
                assert!(((t[k][i] - t[k - 1][i]).abs() - delta(p)).abs() < 1e-12);
            }
            assert_eq!(moved, vec![1; d]);
            for v in t.iter().flatten() {
                let level = v * (p as f64 - 1.0);
                assert!((level - level.round()).abs() < 1e-9 && (-1e-12..=1.0 + 1e-12).contains(v));
            }
        }
    }

    /// f = 2 x1 - 5 x2 + 0 x3 + 3 x1 x4: the linear effects are exact (mu* = |a|,
    /// sigma = 0), the interaction gives x1 and x4 a spread.
    #[test]
    fn known_effects_are_recovered() {
        let d = 4;
        let x = trajectories(50, d, 4, 11);
        let y: Vec<f64> = x
            .iter()
            .map(|v| 2.0 * v[0] - 5.0 * v[1] + 0.0 * v[2] + 3.0 * v[0] * v[3])
            .collect();
        let m = indices(&x, &y, d, 200, 0.95, 1);
        assert!(
            (m.mu_star[1] - 5.0).abs() < 1e-9 && m.sigma[1].abs() < 1e-9,
            "{m:?}"
        );
        assert!((m.mu[1] + 5.0).abs() < 1e-9);
        assert!(m.mu_star[2].abs() < 1e-12 && m.sigma[2].abs() < 1e-12);
        assert!(m.mu_star_conf[1] < 1e-9);
        // x1: EE = 2 + 3 x4, x4 in [0, 1]: mu* between 2 and 5, spread > 0.
        assert!(
            m.mu_star[0] > 2.0 && m.mu_star[0] < 5.0 && m.sigma[0] > 0.5,
            "{m:?}"
        );
        assert!(m.mu_star_conf[0] > 0.0);
        // x4: EE = 3 x1.
        assert!(
            m.mu_star[3] > 0.0 && m.mu_star[3] < 3.0 && m.sigma[3] > 0.5,
            "{m:?}"
        );
    }
}
