//! Sobol' sensitivity indices: the Sobol' low-discrepancy sequence, Saltelli's sampling
//! design and the first-order and total-order estimators with bootstrap confidence.
//!
//! Design (Saltelli 2002, 2010): two base matrices A and B (N rows, D columns) are the
//! first and last D coordinates of the first N points of the 2D-dimensional Sobol'
//! sequence (Joe & Kuo 2008 direction numbers, Gray-code order, starting at the origin);
//! AB_i is A with column i from B, BA_i is B with column i from A. The evaluations come
//! in SALib's order, N blocks of 2D + 2 rows: A_j, AB_1j .. AB_Dj, BA_1j .. BA_Dj, B_j,
//! so that SALib's `sobol.analyze(problem, Y, calc_second_order=True)` reads them.
//!
//! Estimators on the standardised outputs (as SALib): with V = var([f(A), f(B)]),
//! S1_i = mean(f(B) (f(AB_i) - f(A))) / V (Saltelli et al. 2010) and
//! ST_i = mean((f(A) - f(AB_i))^2) / (2 V) (Jansen 1999). Confidence half-widths are
//! z * sd of the indices over bootstrap resamples of the N base rows.

use rand::RngExt;

use crate::montecarlo::draw_rng;

use super::normal_quantile;

/// Random-stream purpose of the bootstrap resamples (see [`draw_rng`]).
pub(crate) const BOOTSTRAP_PURPOSE: u64 = 0x424F_4F54;

/// Primitive polynomials and initial direction numbers of dimensions 2..=64 of the
/// Sobol' sequence, from Joe & Kuo's `new-joe-kuo-6.21201` table
/// (<https://web.maths.unsw.edu.au/~fkuo/sobol/>): (degree s, coefficients a, m_1..m_s).
const JOE_KUO: [(u32, u32, &[u32]); 63] = [
    (1, 0, &[1]),
    (2, 1, &[1, 3]),
    (3, 1, &[1, 3, 1]),
    (3, 2, &[1, 1, 1]),
    (4, 1, &[1, 1, 3, 3]),
    (4, 4, &[1, 3, 5, 13]),
    (5, 2, &[1, 1, 5, 5, 17]),
    (5, 4, &[1, 1, 5, 5, 5]),
    (5, 7, &[1, 1, 7, 11, 19]),
    (5, 11, &[1, 1, 5, 1, 1]),
    (5, 13, &[1, 1, 1, 3, 11]),
    (5, 14, &[1, 3, 5, 5, 31]),
    (6, 1, &[1, 3, 3, 9, 7, 49]),
    (6, 13, &[1, 1, 1, 15, 21, 21]),
    (6, 16, &[1, 3, 1, 13, 27, 49]),
    (6, 19, &[1, 1, 1, 15, 7, 5]),
    (6, 22, &[1, 3, 1, 15, 13, 25]),
    (6, 25, &[1, 1, 5, 5, 19, 61]),
    (7, 1, &[1, 3, 7, 11, 23, 15, 103]),
    (7, 4, &[1, 3, 7, 13, 13, 15, 69]),
    (7, 7, &[1, 1, 3, 13, 7, 35, 63]),
    (7, 8, &[1, 3, 5, 9, 1, 25, 53]),
    (7, 14, &[1, 3, 1, 13, 9, 35, 107]),
    (7, 19, &[1, 3, 1, 5, 27, 61, 31]),
    (7, 21, &[1, 1, 5, 11, 19, 41, 61]),
    (7, 28, &[1, 3, 5, 3, 3, 13, 69]),
    (7, 31, &[1, 1, 7, 13, 1, 19, 1]),
    (7, 32, &[1, 3, 7, 5, 13, 19, 59]),
    (7, 37, &[1, 1, 3, 9, 25, 29, 41]),
    (7, 41, &[1, 3, 5, 13, 23, 1, 55]),
    (7, 42, &[1, 3, 7, 3, 13, 59, 17]),
    (7, 50, &[1, 3, 1, 3, 5, 53, 69]),
    (7, 55, &[1, 1, 5, 5, 23, 33, 13]),
    (7, 56, &[1, 1, 7, 7, 1, 61, 123]),
    (7, 59, &[1, 1, 7, 9, 13, 61, 49]),
    (7, 62, &[1, 3, 3, 5, 3, 55, 33]),
    (8, 14, &[1, 3, 1, 15, 31, 13, 49, 245]),
    (8, 21, &[1, 3, 5, 15, 31, 59, 63, 97]),
    (8, 22, &[1, 3, 1, 11, 11, 11, 77, 249]),
    (8, 38, &[1, 3, 1, 11, 27, 43, 71, 9]),
    (8, 47, &[1, 1, 7, 15, 21, 11, 81, 45]),
    (8, 49, &[1, 3, 7, 3, 25, 31, 65, 79]),
    (8, 50, &[1, 3, 1, 1, 19, 11, 3, 205]),
    (8, 52, &[1, 1, 5, 9, 19, 21, 29, 157]),
    (8, 56, &[1, 3, 7, 11, 1, 33, 89, 185]),
    (8, 67, &[1, 3, 3, 3, 15, 9, 79, 71]),
    (8, 70, &[1, 3, 7, 11, 15, 39, 119, 27]),
    (8, 84, &[1, 1, 3, 1, 11, 31, 97, 225]),
    (8, 97, &[1, 1, 1, 3, 23, 43, 57, 177]),
    (8, 103, &[1, 3, 7, 7, 17, 17, 37, 71]),
    (8, 115, &[1, 3, 1, 5, 27, 63, 123, 213]),
    (8, 122, &[1, 1, 3, 5, 11, 43, 53, 133]),
    (9, 8, &[1, 3, 5, 5, 29, 17, 47, 173, 479]),
    (9, 13, &[1, 3, 3, 11, 3, 1, 109, 9, 69]),
    (9, 16, &[1, 1, 1, 5, 17, 39, 23, 5, 343]),
    (9, 22, &[1, 3, 1, 5, 25, 15, 31, 103, 499]),
    (9, 25, &[1, 1, 1, 11, 11, 17, 63, 105, 183]),
    (9, 44, &[1, 1, 5, 11, 9, 29, 97, 231, 363]),
    (9, 47, &[1, 1, 5, 15, 19, 45, 41, 7, 383]),
    (9, 52, &[1, 3, 7, 7, 31, 19, 83, 137, 221]),
    (9, 55, &[1, 1, 1, 3, 23, 15, 111, 223, 83]),
    (9, 59, &[1, 1, 5, 13, 31, 15, 55, 25, 161]),
    (9, 62, &[1, 1, 3, 13, 25, 47, 39, 87, 257]),
];

/// The most dimensions of the Sobol' sequence available.
pub const MAX_DIMENSIONS: usize = JOE_KUO.len() + 1;

/// The most parameters of a Sobol' analysis (the design uses 2D dimensions).
pub(crate) const MAX_PARAMETERS: usize = MAX_DIMENSIONS / 2;

/// The most points of the sequence (32-bit direction numbers).
pub const MAX_POINTS: usize = 1 << 30;

/// The 32 direction numbers V_1..V_32 of dimension `dim` (0-based), as 32-bit fractions.
fn directions(dim: usize) -> [u32; 32] {
    let mut v = [0u32; 32];
    if dim == 0 {
        for (k, slot) in v.iter_mut().enumerate() {
            *slot = 1 << (31 - k);
        }
        return v;
    }
    let (s, a, m) = JOE_KUO[dim - 1];
    let s = s as usize;
    for k in 0..32 {
        v[k] = if k < s {
            m[k] << (31 - k)
        } else {
            let mut x = v[k - s] ^ (v[k - s] >> s);
            for l in 1..s {
                if (a >> (s - 1 - l)) & 1 == 1 {
                    x ^= v[k - l];
                }
            }
            x
        };
    }
    v
}

/// The first `n` points of the `d`-dimensional Sobol' sequence (unscrambled, Gray-code
/// order, the first point the origin), each in [0, 1)^d. `d` must be at most
/// [`MAX_DIMENSIONS`] and `n` at most [`MAX_POINTS`].
pub fn sequence(n: usize, d: usize) -> Vec<Vec<f64>> {
    let dirs: Vec<[u32; 32]> = (0..d.min(MAX_DIMENSIONS)).map(directions).collect();
    let mut x = vec![0u32; dirs.len()];
    let mut out = Vec::with_capacity(n);
    for i in 0..n.min(MAX_POINTS) {
        out.push(x.iter().map(|&b| f64::from(b) / 4_294_967_296.0).collect());
        let c = (!i).trailing_zeros() as usize; // lowest zero bit of i
        for (xj, vj) in x.iter_mut().zip(&dirs) {
            *xj ^= vj[c];
        }
    }
    out
}

/// Saltelli's design in the unit cube for `d` parameters and `n` base samples:
/// `n (2d + 2)` rows in SALib's order (see the module documentation).
pub fn saltelli(n: usize, d: usize) -> Vec<Vec<f64>> {
    let base = sequence(n, 2 * d);
    let mut rows = Vec::with_capacity(n * (2 * d + 2));
    for p in &base {
        let (a, b) = p.split_at(d);
        rows.push(a.to_vec());
        for i in 0..d {
            let mut ab = a.to_vec();
            ab[i] = b[i];
            rows.push(ab);
        }
        for i in 0..d {
            let mut ba = b.to_vec();
            ba[i] = a[i];
            rows.push(ba);
        }
        rows.push(b.to_vec());
    }
    rows
}

/// First-order and total-order indices of each parameter with their confidence
/// half-widths.
#[derive(Debug, Clone, PartialEq)]
pub struct SobolIndices {
    /// S1 per parameter.
    pub s1: Vec<f64>,
    /// Half-width of the confidence interval of S1.
    pub s1_conf: Vec<f64>,
    /// ST per parameter.
    pub st: Vec<f64>,
    /// Half-width of the confidence interval of ST.
    pub st_conf: Vec<f64>,
}

fn variance(values: impl Iterator<Item = f64> + Clone) -> f64 {
    let (n, sum) = values
        .clone()
        .fold((0usize, 0.0), |(n, s), v| (n + 1, s + v));
    let mean = sum / n as f64;
    values.map(|v| (v - mean) * (v - mean)).sum::<f64>() / n as f64
}

/// S1 and ST of parameter `i` over the base rows `rows` (indices into 0..n).
fn estimate(y: &[f64], d: usize, i: usize, rows: &[usize]) -> (f64, f64) {
    let step = 2 * d + 2;
    let a = |j: usize| y[j * step];
    let b = |j: usize| y[j * step + step - 1];
    let ab = |j: usize| y[j * step + 1 + i];
    let v = variance(rows.iter().map(|&j| a(j)).chain(rows.iter().map(|&j| b(j))));
    let n = rows.len() as f64;
    let s1 = rows.iter().map(|&j| b(j) * (ab(j) - a(j))).sum::<f64>() / n / v;
    let st = rows
        .iter()
        .map(|&j| (a(j) - ab(j)) * (a(j) - ab(j)))
        .sum::<f64>()
        / n
        / (2.0 * v);
    (s1, st)
}

fn sample_sd(v: &[f64]) -> f64 {
    crate::summary::sd(v)
}

/// Sobol' indices from the outputs `y` of the [`saltelli`] design of `d` parameters
/// (`y.len()` a multiple of 2d + 2), with `bootstrap` resamples for confidence
/// half-widths at level `confidence` (e.g. 0.95), reproducible from `seed`.
pub fn indices(y: &[f64], d: usize, bootstrap: usize, confidence: f64, seed: u64) -> SobolIndices {
    let step = 2 * d + 2;
    let n = y.len() / step;
    // Standardise the outputs, as SALib does.
    let mean = y.iter().sum::<f64>() / y.len() as f64;
    let sd = variance(y.iter().copied()).sqrt();
    let y: Vec<f64> = y.iter().map(|v| (v - mean) / sd).collect();
    let all: Vec<usize> = (0..n).collect();
    let z = normal_quantile(0.5 + confidence / 2.0);
    let mut rng = draw_rng(seed, 0, BOOTSTRAP_PURPOSE);
    let resamples: Vec<Vec<usize>> = (0..bootstrap)
        .map(|_| (0..n).map(|_| rng.random_range(0..n)).collect())
        .collect();
    let mut out = SobolIndices {
        s1: Vec::with_capacity(d),
        s1_conf: Vec::with_capacity(d),
        st: Vec::with_capacity(d),
        st_conf: Vec::with_capacity(d),
    };
    for i in 0..d {
        let (s1, st) = estimate(&y, d, i, &all);
        let (b1, bt): (Vec<f64>, Vec<f64>) =
            resamples.iter().map(|r| estimate(&y, d, i, r)).unzip();
        out.s1.push(s1);
        out.st.push(st);
        out.s1_conf.push(z * sample_sd(&b1));
        out.st_conf.push(z * sample_sd(&bt));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_points_are_the_published_ones() {
        let s = sequence(8, 3);
        let expected = [
            [0.0, 0.0, 0.0],
            [0.5, 0.5, 0.5],
            [0.75, 0.25, 0.25],
            [0.25, 0.75, 0.75],
            [0.375, 0.375, 0.625],
            [0.875, 0.875, 0.125],
            [0.625, 0.125, 0.875],
            [0.125, 0.625, 0.375],
        ];
        for (p, e) in s.iter().zip(expected) {
            assert_eq!(p.as_slice(), e.as_slice());
        }
    }

    #[test]
    fn every_dimension_is_balanced_over_powers_of_two() {
        // A (0, m, 1)-sequence in each dimension: the first 2^m points put exactly one
        // point in each interval [k / 2^m, (k + 1) / 2^m).
        let n = 1 << 10;
        let s = sequence(n, MAX_DIMENSIONS);
        for j in 0..MAX_DIMENSIONS {
            let mut cells: Vec<usize> = s.iter().map(|p| (p[j] * n as f64) as usize).collect();
            cells.sort_unstable();
            assert_eq!(cells, (0..n).collect::<Vec<_>>(), "dimension {j}");
        }
        // and no two dimensions are copies of each other
        for j in 0..MAX_DIMENSIONS {
            for k in j + 1..MAX_DIMENSIONS {
                assert!(s.iter().any(|p| p[j] != p[k]), "dimensions {j} and {k}");
            }
        }
    }

    #[test]
    fn saltelli_rows_are_in_salib_order() {
        let d = 2;
        let rows = saltelli(4, d);
        assert_eq!(rows.len(), 4 * (2 * d + 2));
        let base = sequence(4, 2 * d);
        let (a, b) = base[1].split_at(d);
        let block = &rows[6..12];
        assert_eq!(block[0], a);
        assert_eq!(block[1], [b[0], a[1]]);
        assert_eq!(block[2], [a[0], b[1]]);
        assert_eq!(block[3], [a[0], b[1]]);
        assert_eq!(block[4], [b[0], a[1]]);
        assert_eq!(block[5], b);
    }

    fn ishigami(x: &[f64]) -> f64 {
        x[0].sin() + 7.0 * x[1].sin().powi(2) + 0.1 * x[2].powi(4) * x[0].sin()
    }

    /// The Ishigami function (a = 7, b = 0.1) on [-pi, pi]^3, whose indices are known
    /// analytically: S1 = 0.3139, 0.4424, 0; ST = 0.5576, 0.4424, 0.2437.
    #[test]
    fn ishigami_indices_within_their_bootstrap_confidence() {
        use std::f64::consts::PI;
        let d = 3;
        let y: Vec<f64> = saltelli(4096, d)
            .iter()
            .map(|u| ishigami(&u.iter().map(|u| -PI + 2.0 * PI * u).collect::<Vec<_>>()))
            .collect();
        let s = indices(&y, d, 300, 0.95, 1);
        let s1 = [0.3139, 0.4424, 0.0];
        let st = [0.5576, 0.4424, 0.2437];
        for i in 0..d {
            assert!(s.s1_conf[i] > 0.0 && s.s1_conf[i] < 0.05, "{s:?}");
            assert!(s.st_conf[i] > 0.0 && s.st_conf[i] < 0.05, "{s:?}");
            assert!(
                (s.s1[i] - s1[i]).abs() <= 2.0 * s.s1_conf[i],
                "S1[{i}]: {s:?}"
            );
            assert!(
                (s.st[i] - st[i]).abs() <= 2.0 * s.st_conf[i],
                "ST[{i}]: {s:?}"
            );
        }
        // A linear function of independent uniforms: S1 = ST = share of variance.
        let y: Vec<f64> = saltelli(1024, 2)
            .iter()
            .map(|u| u[0] + 2.0 * u[1])
            .collect();
        let s = indices(&y, 2, 100, 0.95, 1);
        assert!(
            (s.s1[0] - 0.2).abs() < 0.02 && (s.st[1] - 0.8).abs() < 0.02,
            "{s:?}"
        );
    }
}
