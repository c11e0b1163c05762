//! Elementary statistics of values held in memory: the mean, the sample standard
//! deviation and the type-7 quantile (numpy's and R's default). The lowest layer of the
//! statistics: scenarios, metrics and summaries use it; it uses nothing of the crate.

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
pub(crate) fn type7_position(n: usize, q: f64) -> (usize, f64) {
    let q = if q.is_nan() { 0.0 } else { q.clamp(0.0, 1.0) };
    let h = (n - 1) as f64 * q;
    let lo = (h.floor() as usize).min(n - 1);
    (lo, h - lo as f64)
}

/// numpy's linear interpolation between consecutive order statistics `a ≤ b`.
#[inline]
pub(crate) fn lerp(a: f64, b: f64, t: f64) -> f64 {
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
