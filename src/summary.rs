//! Statistics of Monte Carlo samples.
//!
//! Quantiles follow the linear-interpolation definition of Hyndman & Fan (1996), type 7
//! (numpy's and R's default): for n values sorted x_0 <= ... <= x_{n-1} and probability q,
//! h = (n - 1) q and Q(q) = x_floor(h) + (h - floor(h)) (x_floor(h)+1 - x_floor(h)).

/// The exact type-7 quantile `q` (in [0, 1]) of `values`, reordering them in place.
/// Returns NaN for an empty slice. Values are compared with `f64::total_cmp`.
pub fn quantile_type7(values: &mut [f64], q: f64) -> f64 {
    let n = values.len();
    if n == 0 {
        return f64::NAN;
    }
    let h = (n - 1) as f64 * q.clamp(0.0, 1.0);
    let lo = (h.floor() as usize).min(n - 1);
    let (_, x_lo, upper) = values.select_nth_unstable_by(lo, f64::total_cmp);
    let x_lo = *x_lo;
    let frac = h - lo as f64;
    if frac == 0.0 || upper.is_empty() {
        return x_lo;
    }
    let x_hi = upper.iter().copied().fold(f64::INFINITY, f64::min);
    x_lo + frac * (x_hi - x_lo)
}

/// Mean of `values` (NaN when empty).
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type7_matches_numpy_on_known_values() {
        // numpy.quantile([1, 2, 3, 4, 10], [0.1, 0.5, 0.9]) == [1.4, 3.0, 7.6]
        let v = [4.0, 1.0, 10.0, 3.0, 2.0];
        let q = |p| quantile_type7(&mut v.clone(), p);
        assert!((q(0.1) - 1.4).abs() < 1e-12);
        assert_eq!(q(0.5), 3.0);
        assert!((q(0.9) - 7.6).abs() < 1e-12);
        assert_eq!(q(0.0), 1.0);
        assert_eq!(q(1.0), 10.0);
        assert!(quantile_type7(&mut [], 0.5).is_nan());
        assert_eq!(quantile_type7(&mut [7.0], 0.3), 7.0);
    }

    #[test]
    fn sd_uses_n_minus_one() {
        assert!((sd(&[1.0, 2.0, 3.0, 4.0]) - 1.290_994_448_735_805_6).abs() < 1e-15);
    }
}
