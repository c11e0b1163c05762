//! Least-squares estimation of the shock process u_t = A u_{t-1} + e_t (no constant:
//! the series are deviations), either one AR(1) per shock (diagonal A) or a full VAR(1),
//! with standard errors; and the checks of the result (roots of A, positive definiteness
//! of the innovation correlation) with their fixes (scaling A, shrinking C).

use nalgebra::{DMatrix, SymmetricEigen};

/// How the persistence matrix A is estimated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// One AR(1) per shock: A diagonal, each a_i by least squares of u_i,t on u_i,t-1.
    Diagonal,
    /// A full VAR(1): every shock on the lags of all shocks, by least squares.
    Var,
}

impl Method {
    /// Fewest years in the window for `k` estimated shocks: the regressions use one year
    /// less, and keep at least 6 degrees of freedom per equation.
    pub fn min_years(self, k: usize) -> usize {
        match self {
            Method::Diagonal => 8,
            Method::Var => k + 7,
        }
    }
}

/// The estimates for `k` shocks (the ones that have data), with standard errors.
#[derive(Debug, Clone, PartialEq)]
pub struct Estimate {
    /// The method.
    pub method: Method,
    /// Regression observations T (window years minus one).
    pub obs: usize,
    /// Degrees of freedom of each equation (T minus regressors per equation).
    pub dof: usize,
    /// A (k x k); row i is the equation of shock i.
    pub persistence: DMatrix<f64>,
    /// Standard errors of A (0 where A is fixed at 0 by the diagonal method).
    pub persistence_se: DMatrix<f64>,
    /// Innovation standard deviations (units of the series).
    pub sd: Vec<f64>,
    /// Their standard errors, sd / sqrt(2 dof).
    pub sd_se: Vec<f64>,
    /// Innovation correlations.
    pub correlation: DMatrix<f64>,
    /// Their standard errors, (1 - r^2) / sqrt(T).
    pub correlation_se: DMatrix<f64>,
    /// Excess kurtosis of each shock's innovations (m4 / m2^2 - 3; 0 for a normal).
    pub excess_kurtosis: Vec<f64>,
}

impl Estimate {
    /// The mean excess kurtosis over the shocks and the Student t degrees of freedom that
    /// match it: every marginal of docs/MODEL.md's multivariate t has excess kurtosis
    /// 6 / (dof - 4), so dof = 4 + 6 / kurtosis. `None` when the innovations have no
    /// excess kurtosis (the normal fits).
    pub fn student_t_dof(&self) -> (f64, Option<f64>) {
        let k = self.excess_kurtosis.len().max(1) as f64;
        let pooled = self.excess_kurtosis.iter().sum::<f64>() / k;
        (pooled, (pooled > 0.0).then(|| 4.0 + 6.0 / pooled))
    }
}

/// The series can be estimated: some shock, enough years, none zero throughout.
fn check_series(series: &[Vec<f64>], names: &[&str], method: Method) -> Result<(), String> {
    let k = series.len();
    let n = series.first().map_or(0, Vec::len);
    if k == 0 {
        return Err("no shock has data: map at least one shock to a column".into());
    }
    let min = method.min_years(k);
    if n < min {
        return Err(format!(
            "too few years: the window has {n}, and {} of {k} shock(s) needs at least {min}; widen \
             it with --from/--to{}",
            match method {
                Method::Diagonal => "a diagonal AR(1)",
                Method::Var => "a VAR(1)",
            },
            if method == Method::Var {
                ", use the diagonal AR(1) (drop --var), or switch shocks off with --map SHOCK=none"
            } else {
                ""
            }
        ));
    }
    for (s, name) in series.iter().zip(names) {
        if s.iter().all(|x| *x == 0.0) {
            return Err(format!(
                "the series of `{name}` is zero in every year of the window: nothing to estimate \
                 (switch it off with --map {name}=none)"
            ));
        }
    }
    Ok(())
}

/// The innovation correlations from their covariance `cov` (sds `sd`), with standard
/// errors (1 - r^2) / sqrt(t).
fn correlations(cov: &DMatrix<f64>, sd: &[f64], t: usize) -> (DMatrix<f64>, DMatrix<f64>) {
    let k = sd.len();
    let mut corr = DMatrix::identity(k, k);
    let mut corr_se = DMatrix::zeros(k, k);
    for i in 0..k {
        for j in 0..k {
            if i != j && sd[i] > 0.0 && sd[j] > 0.0 {
                let r = (cov[(i, j)] / (sd[i] * sd[j])).clamp(-1.0, 1.0);
                corr[(i, j)] = r;
                corr_se[(i, j)] = (1.0 - r * r) / (t as f64).sqrt();
            }
        }
    }
    (corr, corr_se)
}

/// The excess kurtosis of each column of the residuals `resid` (`t` rows).
fn excess_kurtosis(resid: &DMatrix<f64>, t: usize) -> Vec<f64> {
    (0..resid.ncols())
        .map(|i| {
            let c = resid.column(i);
            let m = c.mean();
            let m2 = c.iter().map(|x| (x - m).powi(2)).sum::<f64>() / t as f64;
            let m4 = c.iter().map(|x| (x - m).powi(4)).sum::<f64>() / t as f64;
            if m2 > 0.0 { m4 / (m2 * m2) - 3.0 } else { 0.0 }
        })
        .collect()
}

/// Estimates the process from `series` (k series of equal length n, named `names`).
/// Errors (as a message) on too few years, a series that is zero throughout, or a
/// singular regression.
pub fn estimate(series: &[Vec<f64>], names: &[&str], method: Method) -> Result<Estimate, String> {
    let k = series.len();
    let n = series.first().map_or(0, Vec::len);
    check_series(series, names, method)?;
    let t = n - 1;
    let x = DMatrix::from_fn(t, k, |r, c| series[c][r]);
    let y = DMatrix::from_fn(t, k, |r, c| series[c][r + 1]);
    let mut a = DMatrix::zeros(k, k);
    let mut a_se = DMatrix::zeros(k, k);
    let (resid, dof) = match method {
        Method::Diagonal => {
            let mut e = DMatrix::zeros(t, k);
            for i in 0..k {
                let sxx: f64 = x.column(i).iter().map(|v| v * v).sum();
                if sxx == 0.0 {
                    return Err(format!(
                        "singular system: the lagged series of `{}` is zero throughout the window",
                        names[i]
                    ));
                }
                let ai = x.column(i).dot(&y.column(i)) / sxx;
                a[(i, i)] = ai;
                for r in 0..t {
                    e[(r, i)] = y[(r, i)] - ai * x[(r, i)];
                }
                let s2 = e.column(i).norm_squared() / (t - 1) as f64;
                a_se[(i, i)] = (s2 / sxx).sqrt();
            }
            (e, t - 1)
        }
        Method::Var => {
            let xtx = x.transpose() * &x;
            let d = DMatrix::from_fn(k, k, |i, j| {
                if i == j {
                    1.0 / xtx[(i, i)].sqrt()
                } else {
                    0.0
                }
            });
            let r = &d * &xtx * &d;
            let eig = SymmetricEigen::new(r);
            let (imin, lmin) = eig
                .eigenvalues
                .iter()
                .copied()
                .enumerate()
                .min_by(|a, b| a.1.total_cmp(&b.1))
                .unwrap_or((0, 0.0));
            let lmax = eig.eigenvalues.iter().copied().fold(0.0, f64::max);
            let inv = xtx.clone().try_inverse();
            match inv {
                Some(inv) if lmin > 1e-10 * lmax => {
                    let b = &inv * x.transpose() * &y; // k x k, column i = equation i
                    a = b.transpose();
                    let e = &y - &x * &b;
                    let dof = t - k;
                    for i in 0..k {
                        let s2 = e.column(i).norm_squared() / dof as f64;
                        for j in 0..k {
                            a_se[(i, j)] = (s2 * inv[(j, j)]).sqrt();
                        }
                    }
                    (e, dof)
                }
                _ => {
                    let v = eig.eigenvectors.column(imin);
                    let involved: Vec<String> = (0..k)
                        .filter(|&i| v[i].abs() >= 0.3)
                        .map(|i| format!("`{}`", names[i]))
                        .collect();
                    return Err(format!(
                        "singular system: the lagged series of {} are (nearly) collinear in the \
                         window, so the VAR(1) cannot separate their effects; map one of them to \
                         another column, switch one off (--map SHOCK=none), or use the diagonal \
                         AR(1) (drop --var)",
                        involved.join(" and ")
                    ));
                }
            }
        }
    };
    let cov = resid.transpose() * &resid / dof as f64;
    let sd: Vec<f64> = (0..k).map(|i| cov[(i, i)].sqrt()).collect();
    let sd_se = sd.iter().map(|s| s / (2.0 * dof as f64).sqrt()).collect();
    let (corr, corr_se) = correlations(&cov, &sd, t);
    let excess_kurtosis = excess_kurtosis(&resid, t);
    Ok(Estimate {
        excess_kurtosis,
        method,
        obs: t,
        dof,
        persistence: a,
        persistence_se: a_se,
        sd,
        sd_se,
        correlation: corr,
        correlation_se: corr_se,
    })
}

/// The spectral radius of A: the largest modulus of its (complex) eigenvalues. The process
/// is stationary when it is below 1.
pub fn spectral_radius(a: &DMatrix<f64>) -> f64 {
    if a.is_empty() || a.iter().any(|x| !x.is_finite()) {
        return f64::NAN;
    }
    a.complex_eigenvalues()
        .iter()
        .map(|z| z.norm())
        .fold(0.0, f64::max)
}

/// The smallest eigenvalue of a symmetric matrix.
pub fn min_eigenvalue(c: &DMatrix<f64>) -> f64 {
    SymmetricEigen::new(c.clone())
        .eigenvalues
        .iter()
        .copied()
        .fold(f64::INFINITY, f64::min)
}

/// Shrinks a correlation matrix toward the identity, (1 - w) C + w I, with the smallest
/// w in [0, 1] that makes its smallest eigenvalue at least `floor`. Returns the new matrix
/// and w (0 when C already satisfies it).
pub fn shrink_correlation(c: &DMatrix<f64>, floor: f64) -> (DMatrix<f64>, f64) {
    let lmin = min_eigenvalue(c);
    if lmin >= floor {
        return (c.clone(), 0.0);
    }
    // The eigenvalues of (1 - w) C + w I are (1 - w) l + w.
    let w = ((floor - lmin) / (1.0 - lmin)).clamp(0.0, 1.0);
    let k = c.nrows();
    let shrunk = DMatrix::from_fn(
        k,
        k,
        |i, j| {
            if i == j { 1.0 } else { (1.0 - w) * c[(i, j)] }
        },
    );
    (shrunk, w)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ar1_by_hand() {
        // x = 1, 0.5, 0.5, -1, 0.2, 0.1, 0.4, -0.3: a = sum x_t x_{t-1} / sum x_{t-1}^2.
        let x = vec![1.0, 0.5, 0.5, -1.0, 0.2, 0.1, 0.4, -0.3];
        let num: f64 = x.windows(2).map(|w| w[0] * w[1]).sum();
        let den: f64 = x[..7].iter().map(|v| v * v).sum();
        let e = estimate(std::slice::from_ref(&x), &["a"], Method::Diagonal).unwrap();
        assert!((e.persistence[(0, 0)] - num / den).abs() < 1e-15);
        let a = num / den;
        let ssr: f64 = x.windows(2).map(|w| (w[1] - a * w[0]).powi(2)).sum();
        assert!((e.sd[0] - (ssr / 6.0).sqrt()).abs() < 1e-15);
        assert!((e.persistence_se[(0, 0)] - (ssr / 6.0 / den).sqrt()).abs() < 1e-15);
        assert_eq!(e.obs, 7);
        // The same single series as a VAR(1) gives the same coefficient.
        let v = estimate(&[x], &["a"], Method::Var).unwrap();
        assert!((v.persistence[(0, 0)] - a).abs() < 1e-12);
    }

    #[test]
    fn guards() {
        let short = vec![vec![1.0, 2.0, 1.0]];
        assert!(
            estimate(&short, &["a"], Method::Diagonal)
                .unwrap_err()
                .contains("too few years")
        );
        let zero = vec![vec![0.0; 20]];
        assert!(
            estimate(&zero, &["a"], Method::Diagonal)
                .unwrap_err()
                .contains("zero in every year")
        );
        let x: Vec<f64> = (0..20).map(|i| ((i * 7 % 5) as f64) - 2.0).collect();
        let twice: Vec<f64> = x.iter().map(|v| 2.0 * v).collect();
        let e = estimate(&[x, twice], &["a", "b"], Method::Var).unwrap_err();
        assert!(e.contains("singular") && e.contains("`a` and `b`"), "{e}");
    }

    #[test]
    fn roots_and_shrinkage() {
        let a = DMatrix::from_row_slice(2, 2, &[0.5, 0.8, -0.8, 0.5]);
        // Eigenvalues 0.5 +- 0.8i: modulus sqrt(0.89).
        assert!((spectral_radius(&a) - 0.89f64.sqrt()).abs() < 1e-12);
        let c = DMatrix::from_row_slice(2, 2, &[1.0, 1.0, 1.0, 1.0]);
        let (s, w) = shrink_correlation(&c, 0.01);
        assert!((w - 0.01).abs() < 1e-12);
        assert!((min_eigenvalue(&s) - 0.01).abs() < 1e-12);
        let (same, w0) = shrink_correlation(&DMatrix::identity(2, 2), 0.01);
        assert_eq!(w0, 0.0);
        assert_eq!(same, DMatrix::identity(2, 2));
    }

    mod properties {
        use super::super::*;
        use proptest::prelude::*;

        /// A correlation matrix from k random vectors (a normalised Gram matrix), possibly
        /// singular when there are fewer vectors' dimensions than k.
        fn correlation(k: usize, dim: usize, xs: &[f64]) -> DMatrix<f64> {
            let v = DMatrix::from_fn(k, dim, |i, j| xs[i * dim + j]);
            let g = &v * v.transpose();
            DMatrix::from_fn(k, k, |i, j| g[(i, j)] / (g[(i, i)] * g[(j, j)]).sqrt())
        }

        proptest! {
            #[test]
            fn shrinkage_reaches_the_floor_with_the_smallest_weight(
                dim in 1usize..5,
                xs in proptest::collection::vec(0.1f64..1.0, 30),
                signs in proptest::collection::vec(any::<bool>(), 30),
            ) {
                let xs: Vec<f64> = xs.iter().zip(&signs).map(|(x, s)| if *s { *x } else { -x }).collect();
                let c = correlation(6, dim, &xs);
                let (s, w) = shrink_correlation(&c, 0.01);
                prop_assert!(min_eigenvalue(&s) >= 0.01 - 1e-9);
                for i in 0..6 {
                    prop_assert_eq!(s[(i, i)], 1.0);
                    for j in 0..6 {
                        prop_assert_eq!(s[(i, j)], s[(j, i)]);
                    }
                }
                if w > 0.0 {
                    // Minimal: a slightly smaller weight misses the floor.
                    let less = DMatrix::from_fn(6, 6, |i, j| if i == j { 1.0 } else { (1.0 - 0.99 * w) * c[(i, j)] });
                    prop_assert!(min_eigenvalue(&less) < 0.01);
                } else {
                    prop_assert_eq!(s, c);
                }
            }

            #[test]
            fn least_squares_residuals_are_orthogonal_to_the_regressors(
                xs in proptest::collection::vec(-1.0f64..1.0, 60),
                var in any::<bool>(),
            ) {
                let series: Vec<Vec<f64>> = xs.chunks(20).map(|c| c.to_vec()).collect();
                let method = if var { Method::Var } else { Method::Diagonal };
                let Ok(e) = estimate(&series, &["a", "b", "c"], method) else {
                    return Ok(()); // a singular draw is a legitimate error
                };
                for i in 0..3 {
                    let resid: Vec<f64> = (1..20)
                        .map(|t| series[i][t] - (0..3).map(|j| e.persistence[(i, j)] * series[j][t - 1]).sum::<f64>())
                        .collect();
                    let regressors: Vec<usize> = if var { vec![0, 1, 2] } else { vec![i] };
                    for j in regressors {
                        let dot: f64 = (1..20).map(|t| resid[t - 1] * series[j][t - 1]).sum();
                        prop_assert!(dot.abs() < 1e-9, "e_{} . x_{} = {}", i, j, dot);
                    }
                    let ssr: f64 = resid.iter().map(|r| r * r).sum();
                    prop_assert!((e.sd[i] - (ssr / e.dof as f64).sqrt()).abs() < 1e-12);
                }
            }
        }
    }
}
