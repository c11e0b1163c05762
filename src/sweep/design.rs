//! Designs: the points at which a sweep evaluates the model.
//!
//! - [`grid`]: the full factorial grid of the parameters' values, the first parameter
//!   varying slowest (like nested loops in the order the parameters are given);
//! - [`latin_hypercube`]: `n` points that stratify every parameter's range into `n`
//!   equal intervals and take exactly one point in each (McKay, Beckman & Conover 1979),
//!   reproducible from a seed.

use rand::RngExt;

use super::spec::Param;
use crate::montecarlo::draw_rng;

/// The most points a design may have.
pub(crate) const MAX_POINTS: usize = 10_000_000;

/// Random-stream purpose of Latin hypercube designs (see [`draw_rng`]).
pub(crate) const LHS_PURPOSE: u64 = 0x4C48_5321;

/// The full grid of the parameters' values: one row per point, one column per
/// parameter, the last parameter varying fastest. Fails (with a message) when a
/// parameter is a continuous range or when the grid would exceed `MAX_POINTS` (10 million).
pub fn grid(params: &[Param]) -> Result<Vec<Vec<f64>>, String> {
    let mut axes = Vec::with_capacity(params.len());
    let mut total: usize = 1;
    for p in params {
        let values = p.spec.values().ok_or_else(|| {
            format!(
                "`{}={}` is a continuous range: a grid needs values, e.g. `{}:{}:step` or \
                 `{}:{}/N` (or use --design lhs --samples N)",
                p.address,
                p.spec,
                p.spec.bounds().0,
                p.spec.bounds().1,
                p.spec.bounds().0,
                p.spec.bounds().1
            )
        })?;
        total = total
            .checked_mul(values.len())
            .filter(|t| *t <= MAX_POINTS)
            .ok_or_else(|| {
                format!(
                    "the grid has more than {MAX_POINTS} points: use fewer values or --design lhs"
                )
            })?;
        axes.push(values);
    }
    let mut rows = Vec::with_capacity(total);
    for k in 0..total {
        let mut row = vec![0.0; axes.len()];
        let mut rest = k;
        for (j, axis) in axes.iter().enumerate().rev() {
            row[j] = axis[rest % axis.len()];
            rest /= axis.len();
        }
        rows.push(row);
    }
    Ok(rows)
}

/// A Latin hypercube of `n` points over the parameters' bounds (see
/// [`super::spec::Spec::bounds`]). The same `seed` gives the same design.
pub fn latin_hypercube(params: &[Param], n: usize, seed: u64) -> Vec<Vec<f64>> {
    let unit = unit_latin_hypercube(params.len(), n, seed);
    unit.into_iter()
        .map(|u| {
            u.iter()
                .zip(params)
                .map(|(u, p)| {
                    let (lo, hi) = p.spec.bounds();
                    lo + u * (hi - lo)
                })
                .collect()
        })
        .collect()
}

/// A Latin hypercube in the unit cube [0, 1)^d: `n` rows of `d` columns; in every
/// column each interval [k/n, (k+1)/n) holds exactly one point.
pub(crate) fn unit_latin_hypercube(d: usize, n: usize, seed: u64) -> Vec<Vec<f64>> {
    let mut rng = draw_rng(seed, 0, LHS_PURPOSE);
    let mut rows = vec![vec![0.0; d]; n];
    for j in 0..d {
        let mut strata: Vec<usize> = (0..n).collect();
        for i in (1..n).rev() {
            let k = rng.random_range(0..=i);
            strata.swap(i, k);
        }
        for (row, s) in rows.iter_mut().zip(strata) {
            let u: f64 = rng.random();
            row[j] = (s as f64 + u) / n as f64;
        }
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(specs: &[&str]) -> Vec<Param> {
        specs.iter().map(|s| s.parse().unwrap()).collect()
    }

    #[test]
    fn grid_is_full_factorial_last_fastest() {
        let g = grid(&params(&["structure.a=1,2", "structure.b=0:1:0.5"])).unwrap();
        assert_eq!(
            g,
            [
                [1.0, 0.0],
                [1.0, 0.5],
                [1.0, 1.0],
                [2.0, 0.0],
                [2.0, 0.5],
                [2.0, 1.0]
            ]
        );
        assert!(
            grid(&params(&["structure.a=0:1"]))
                .unwrap_err()
                .contains("continuous")
        );
        assert!(
            grid(&params(&[
                "structure.a=0:1/1000",
                "structure.b=0:1/1000",
                "structure.c=0:1/100"
            ]))
            .unwrap_err()
            .contains("more than")
        );
    }

    #[test]
    fn latin_hypercube_has_one_point_per_stratum_and_repeats() {
        let p = params(&["structure.a=0:10", "structure.b=-1,1"]);
        let n = 50;
        let d = latin_hypercube(&p, n, 7);
        assert_eq!(d, latin_hypercube(&p, n, 7));
        assert_ne!(d, latin_hypercube(&p, n, 8));
        for (j, (lo, hi)) in [(0.0, 10.0), (-1.0, 1.0)].into_iter().enumerate() {
            let mut strata: Vec<usize> = d
                .iter()
                .map(|r| {
                    assert!(r[j] >= lo && r[j] < hi);
                    ((r[j] - lo) / (hi - lo) * n as f64).floor() as usize
                })
                .collect();
            strata.sort_unstable();
            assert_eq!(strata, (0..n).collect::<Vec<_>>());
        }
    }
}
