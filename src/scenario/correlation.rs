//! The check of a `[shocks] correlation` matrix: symmetric, unit diagonal, entries in
//! \[-1, 1\], positive semi-definite (the Cholesky factor of [`crate::shocks`] needs it).

// Index loops read as the matrix algebra they implement.
#![allow(clippy::needless_range_loop)]

use nalgebra::{SMatrix, SymmetricEigen};

use super::N_SHOCKS;

/// Tolerance for symmetry and the unit diagonal of a correlation matrix.
const SYMMETRY_TOL: f64 = 1e-9;
/// Tolerance for the smallest eigenvalue of a correlation matrix (PSD check).
const PSD_TOL: f64 = 1e-9;

/// Why `c` is not a valid correlation matrix, or `None` when it is one: symmetric, unit
/// diagonal, entries in [-1, 1], positive semi-definite.
pub fn check_correlation(c: &[[f64; N_SHOCKS]; N_SHOCKS]) -> Option<String> {
    for i in 0..N_SHOCKS {
        if (c[i][i] - 1.0).abs() > SYMMETRY_TOL {
            return Some(format!(
                "the diagonal must be 1, but entry [{i}][{i}] is {}",
                c[i][i]
            ));
        }
        for j in 0..N_SHOCKS {
            if !(-1.0..=1.0).contains(&c[i][j]) {
                return Some(format!(
                    "correlations must be in [-1, 1], but entry [{i}][{j}] is {}",
                    c[i][j]
                ));
            }
            if (c[i][j] - c[j][i]).abs() > SYMMETRY_TOL {
                return Some(format!(
                    "the matrix must be symmetric, but entry [{i}][{j}] is {} and [{j}][{i}] is {}",
                    c[i][j], c[j][i]
                ));
            }
        }
    }
    let m = SMatrix::<f64, N_SHOCKS, N_SHOCKS>::from_fn(|i, j| c[i][j]);
    let min = SymmetricEigen::new(m)
        .eigenvalues
        .iter()
        .copied()
        .fold(f64::INFINITY, f64::min);
    if min < -PSD_TOL {
        return Some(format!(
            "the matrix is not positive semi-definite (smallest eigenvalue {min:.3e}): these \
             correlations cannot hold together; lower the largest ones"
        ));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn identity() -> [[f64; N_SHOCKS]; N_SHOCKS] {
        let mut c = [[0.0; N_SHOCKS]; N_SHOCKS];
        for (i, row) in c.iter_mut().enumerate() {
            row[i] = 1.0;
        }
        c
    }

    #[test]
    fn rejects_asymmetric_and_indefinite_matrices() {
        let mut c = identity();
        c[0][1] = 0.5;
        assert!(check_correlation(&c).unwrap().contains("symmetric"));
        let mut c = identity();
        for (i, j) in [(0, 1), (0, 2), (1, 2)] {
            c[i][j] = -0.9;
            c[j][i] = -0.9;
        }
        assert!(
            check_correlation(&c)
                .unwrap()
                .contains("positive semi-definite")
        );
        let mut c = identity();
        c[2][2] = 0.9;
        assert!(check_correlation(&c).unwrap().contains("diagonal"));
    }
}
