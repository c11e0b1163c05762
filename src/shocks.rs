//! The shock process of docs/MODEL.md: u_t = A u_{t-1} + e_t, e_t = L z_t with
//! L L' = diag(sd) C diag(sd).
//!
//! This module holds the deterministic algebra (the covariance, the Cholesky factor, the
//! persistence recursion); the scenario checks the correlation matrix
//! ([`crate::scenario::check_correlation`]); drawing z_t is the Monte Carlo driver's.

// Index loops read as the matrix algebra they implement.
#![allow(clippy::needless_range_loop)]

use crate::lanes::Real;
use crate::scenario::{N_SHOCKS, Shocks};

/// A matrix over the shocks (N_SHOCKS × N_SHOCKS) as plain arrays (row-major).
pub type Mat = [[f64; N_SHOCKS]; N_SHOCKS];
/// One value per shock, in [`crate::scenario::SHOCK_NAMES`] order.
pub type Vector = [f64; N_SHOCKS];

/// The covariance diag(sd) C diag(sd) of the innovations.
pub fn covariance(shocks: &Shocks) -> Mat {
    let mut s = [[0.0; N_SHOCKS]; N_SHOCKS];
    for i in 0..N_SHOCKS {
        for j in 0..N_SHOCKS {
            s[i][j] = shocks.sd[i] * shocks.correlation[i][j] * shocks.sd[j];
        }
    }
    s
}

/// Lower-triangular L with L L' = `s`, for a positive semi-definite `s`: the Cholesky
/// factor, where a pivot that is zero (up to rounding) gives a zero column, so shocks with
/// sd = 0 and perfectly correlated shocks are handled. A variance that is not finite
/// (an sd above 1.3e154, which scenario validation refuses) gives a factor of NaN, so
/// that every draw breaks down and is counted, never a factor that drops the shock.
pub fn cholesky_psd(s: &Mat) -> Mat {
    let mut l = [[0.0; N_SHOCKS]; N_SHOCKS];
    let scale = (0..N_SHOCKS).map(|i| s[i][i]).fold(0.0, f64::max);
    if !scale.is_finite() || (0..N_SHOCKS).any(|i| s[i][i].is_nan()) {
        return [[f64::NAN; N_SHOCKS]; N_SHOCKS];
    }
    for j in 0..N_SHOCKS {
        let mut d = s[j][j];
        for k in 0..j {
            d -= l[j][k] * l[j][k];
        }
        if d <= 1e-14 * scale.max(f64::MIN_POSITIVE) {
            continue;
        }
        let ljj = d.sqrt();
        l[j][j] = ljj;
        for i in (j + 1)..N_SHOCKS {
            let mut v = s[i][j];
            for k in 0..j {
                v -= l[i][k] * l[j][k];
            }
            l[i][j] = v / ljj;
        }
    }
    l
}

/// The nonzero entries of a shock matrix, row by row in column order (a persistence
/// matrix is usually diagonal and a Cholesky factor triangular, so this halves the work
/// of a product, and the zero tests are made once, not at every product).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SparseMat {
    /// (column, entry) of the nonzero entries, row after row.
    entries: [(usize, f64); N_SHOCKS * N_SHOCKS],
    /// Per row, the end of its entries in `entries` (the next row's start).
    row_end: [usize; N_SHOCKS],
}

impl SparseMat {
    /// The nonzero entries of `m`.
    pub fn of(m: &Mat) -> SparseMat {
        let mut s = SparseMat {
            entries: [(0, 0.0); N_SHOCKS * N_SHOCKS],
            row_end: [0; N_SHOCKS],
        };
        let mut n = 0;
        for (i, row) in m.iter().enumerate() {
            for (k, &x) in row.iter().enumerate() {
                if x != 0.0 {
                    s.entries[n] = (k, x);
                    n += 1;
                }
            }
            s.row_end[i] = n;
        }
        s
    }

    /// `m * v`, each row summed left to right from its first nonzero product (zero
    /// entries skipped). A row of zeros gives 0.
    #[inline(always)]
    pub(crate) fn mul<R: Real>(&self, v: &[R; N_SHOCKS]) -> [R; N_SHOCKS] {
        let mut out = [R::splat(0.0); N_SHOCKS];
        let mut start = 0;
        for (o, &end) in out.iter_mut().zip(&self.row_end) {
            if let Some((&(k0, c0), rest)) = self.entries[start..end].split_first() {
                let mut acc = v[k0] * c0;
                for &(k, c) in rest {
                    acc = acc + v[k] * c;
                }
                *o = acc;
            }
            start = end;
        }
        out
    }
}

/// `m * v` as [`SparseMat::mul`] computes it (for a matrix used once).
pub(crate) fn mat_vec<R: Real>(m: &Mat, v: &[R; N_SHOCKS]) -> [R; N_SHOCKS] {
    SparseMat::of(m).mul(v)
}

/// The next shock state u_t = A u_{t-1} + L z_t (`R` is `f64`, or
/// `crate::lanes::Lanes` for several draws at once, bit for bit the same per draw).
#[inline(always)]
pub fn next_state<R: Real>(
    a: &SparseMat,
    l: &SparseMat,
    u_prev: &[R; N_SHOCKS],
    z: &[R; N_SHOCKS],
) -> [R; N_SHOCKS] {
    let au = a.mul(u_prev);
    let lz = l.mul(z);
    let mut u = au;
    for i in 0..N_SHOCKS {
        u[i] = au[i] + lz[i];
    }
    u
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::check_correlation;

    fn identity() -> Mat {
        let mut c = [[0.0; N_SHOCKS]; N_SHOCKS];
        for (i, row) in c.iter_mut().enumerate() {
            row[i] = 1.0;
        }
        c
    }

    #[test]
    fn an_infinite_variance_gives_nan_not_a_dropped_shock() {
        let mut s = [[0.0; N_SHOCKS]; N_SHOCKS];
        s[0][0] = f64::INFINITY;
        s[1][1] = 1e-4;
        assert!(cholesky_psd(&s).iter().flatten().all(|x| x.is_nan()));
    }

    #[test]
    fn cholesky_reproduces_the_covariance_even_when_singular() {
        let mut sh = Shocks {
            sd: [0.02, 0.0, 0.01, 0.3, 0.005, 0.11, 0.0],
            correlation: identity(),
            ..Shocks::default()
        };
        sh.correlation[0][3] = 0.47;
        sh.correlation[3][0] = 0.47;
        sh.correlation[3][5] = -0.47;
        sh.correlation[5][3] = -0.47;
        sh.correlation[0][5] = -0.5;
        sh.correlation[5][0] = -0.5;
        assert!(check_correlation(&sh.correlation).is_none());
        let s = covariance(&sh);
        let l = cholesky_psd(&s);
        for i in 0..N_SHOCKS {
            for j in 0..N_SHOCKS {
                let v: f64 = (0..N_SHOCKS).map(|k| l[i][k] * l[j][k]).sum();
                assert!((v - s[i][j]).abs() < 1e-15, "({i},{j}) {v} vs {}", s[i][j]);
                if j > i {
                    assert_eq!(l[i][j], 0.0);
                }
            }
        }
        assert_eq!(l[1], [0.0; N_SHOCKS], "a shock with sd 0 gets a zero row");
    }
}
