//! Portable, branch-free `exp` and `ln`, written once for one number and for eight at a
//! time.
//!
//! The standard library's `f64::exp` and `f64::ln` are opaque calls into the
//! platform's libm, so they cannot run on lanes of draws. The functions here are generic
//! over [`Real`]: `f64` (one draw) or eight draws at once in the lanes of a Monte Carlo
//! kernel (one AVX-512 register, two AVX2 registers, or plain lane loops; see
//! [`crate::lanes`]).
//! They are written so that both are fast and agree bit for bit:
//!
//! - every function is `#[inline(always)]`;
//! - there is no branch on the value, no loop, no table: special cases are handled with
//!   [`Real::select`] (`if c { a } else { b }` on `f64`) on computed values, which become
//!   blends on lanes;
//! - only IEEE `+ - * /`, comparisons, bit casts and integer `& | ^ << >>` and wrapping
//!   `+ -` are used (no `mul_add`, no libm call, no float-to-int conversion), so the
//!   results are deterministic: the same bits on every IEEE-754 machine, whether one value
//!   is computed or eight at once.
//!
//! Accuracy (measured by the tests of this module on millions of inputs against the
//! platform's libm): `exp` and `ln` are within 1 ulp of libm. The polynomials are truncated
//! Taylor series whose first omitted term is below 2^-56 relative on the reduced range.

use super::{Real, Scalar, Word};

/// 1.5 * 2^52: adding and subtracting it rounds a float of magnitude < 2^51 to the nearest
/// integer (ties to even), and the low bits of the sum are that integer.
const SHIFT: f64 = 6_755_399_441_055_744.0;
/// 2^52 as a float; `(n + TWO52).to_bits()` has `n` in its low 52 bits for `0 <= n < 2^52`.
const TWO52: f64 = 4_503_599_627_370_496.0;

/// `2^n` for an integer-valued `n` in [-1022, 1023], built from the exponent bits.
#[inline(always)]
fn pow2i<R: Real>(n: R) -> R {
    // (n + 1023 + 2^52) holds n + 1023 in its low bits; shifting by 52 moves it into the
    // exponent field and drops the 2^52 marker bits off the top.
    R::from_bits((n + (1023.0 + TWO52)).to_bits() << 52)
}

/// e^x.
///
/// Domain: every `f64`. Accuracy: within 1 ulp of the correctly rounded result (max error
/// found against libm in the tests: 1 ulp; about 10 % of results differ from libm by it),
/// including the subnormal output range (x in about [-745.13, -708.4]), which underflows
/// gradually with a single rounding.
///
/// Special cases: `exp(0) = 1` exactly, `exp(-inf) = 0`, `exp(+inf) = +inf`, NaN gives NaN,
/// `x > 709.782712893384` gives `+inf`, `x < -745.1332191019412` gives `0`.
///
/// Method: `k = round(x / ln 2)`, `r = x - k ln2_hi - k ln2_lo` (Cody–Waite, exact first
/// product), Taylor polynomial of degree 13 (Estrin evaluation) for `e^r` on
/// `|r| <= ln2 / 2`, then scaling by `2^k` in two exact factors `2^(k/2) 2^(k - k/2)` so
/// that overflow and underflow round once.
#[inline(always)]
pub fn exp<R: Real>(x: R) -> R
where
    f64: Scalar<R>,
{
    const INV_LN2: f64 = std::f64::consts::LOG2_E;
    // ln 2 = LN2_HI + LN2_LO, LN2_HI with 32 significant bits so k * LN2_HI is exact.
    const LN2_HI: f64 = 0.693_147_180_369_123_8;
    const LN2_LO: f64 = 1.908_214_929_270_587_7e-10;
    // Clamp so that k stays in [-1077, 1025]; the clamped values still give 0 and +inf.
    // NaN passes through the comparisons unchanged and propagates to the result.
    let xc = R::select(x.cmp_gt(710.0), R::splat(710.0), x);
    let xc = R::select(xc.cmp_lt(-746.0), R::splat(-746.0), xc);
    let k = (xc * INV_LN2 + SHIFT) - SHIFT;
    let r = (xc - k * LN2_HI) - k * LN2_LO;
    // e^r - 1 - r = r^2 (1/2! + r/3! + ... + r^11/13!)
    // Estrin's scheme (shorter dependency chain than Horner, so more lanes in flight).
    let r2 = r * r;
    let r4 = r2 * r2;
    let p0 = 0.5 + 0.166_666_666_666_666_66 * r;
    let p1 = 4.166_666_666_666_666_4e-2 + 8.333_333_333_333_333e-3 * r;
    let p2 = 1.388_888_888_888_889e-3 + 1.984_126_984_126_984e-4 * r;
    let p3 = 2.480_158_730_158_73e-5 + 2.755_731_922_398_589_3e-6 * r;
    let p4 = 2.755_731_922_398_589e-7 + 2.505_210_838_544_172e-8 * r;
    let p5 = 2.087_675_698_786_81e-9 + 1.605_904_383_682_161_3e-10 * r;
    let a0 = p0 + p1 * r2;
    let a1 = p2 + p3 * r2;
    let a2 = p4 + p5 * r2;
    let q = a0 + r4 * (a1 + r4 * a2);
    let p = 1.0 + (r + r2 * q);
    // k = k1 + k2 with both halves in [-539, 513]: each 2^ki is a normal number.
    let k1 = (k * 0.5 + SHIFT) - SHIFT;
    let k2 = k - k1;
    (p * pow2i(k1)) * pow2i(k2)
}

/// Natural logarithm ln(x).
///
/// Domain: every `f64`; subnormal inputs are handled (scaled by 2^54 first). Accuracy:
/// within 1 ulp of the correctly rounded result (max error found against libm in the tests:
/// 1 ulp; about 7 % of results on [0.5, 2] and 0.01 % of log-uniform ones differ by that ulp).
///
/// Special cases: `ln(1) = 0` exactly, `ln(±0) = -inf`, `ln(x < 0) = NaN`,
/// `ln(+inf) = +inf`, `ln(NaN)` is NaN.
///
/// Method: `x = 2^e m` with `m` in [sqrt(2)/2, sqrt(2)) (one integer addition on the bits
/// picks `e`), `f = m - 1`, `s = f / (2 + f)`,
/// `ln(m) = f - (f^2/2 - s (f^2/2 + R(s^2)))` with `R` the Taylor series of
/// `2 atanh(s) / s - 2` through `s^20`, plus `e ln2_hi + e ln2_lo`.
#[inline(always)]
pub fn ln<R: Real>(x: R) -> R
where
    f64: Scalar<R>,
{
    const LN2_HI: f64 = 0.693_147_180_369_123_8;
    const LN2_LO: f64 = 1.908_214_929_270_587_7e-10;
    const TWO54: f64 = 18_014_398_509_481_984.0;
    /// The exponent bias of a subnormal input scaled by 2^54. (A sum of constants is a
    /// constant of its own: in the body, `f64 + ...` would look for the `f64: Scalar<R>`
    /// bound's `Add<R>`.)
    const BIAS_SUB: f64 = 1023.0 + 54.0;
    /// Bits of sqrt(1/2) rounded down.
    const SQRT_HALF_BITS: u64 = 0x3FE6_A09E_667F_3BCD;
    let sub = x.cmp_lt(f64::MIN_POSITIVE);
    let xs = R::select(sub, x * TWO54, x);
    // Adding 1.0 - sqrt(1/2) (as bit patterns) carries into the exponent exactly when the
    // significand is >= sqrt(2): the exponent field of `ix` is then that of x * sqrt(1/2),
    // and the low bits plus sqrt(1/2) rebuild m in [sqrt(1/2), sqrt(2)) without a select.
    let ix = xs
        .to_bits()
        .wrapping_add(Word::splat(1.0f64.to_bits().wrapping_sub(SQRT_HALF_BITS)));
    // Biased exponent as a float: (ix >> 52) is in [0, 2047] for x >= 0.
    let eb = R::from_bits((ix >> 52) | TWO52.to_bits()) - TWO52;
    let m = R::from_bits((ix & 0x000F_FFFF_FFFF_FFFF).wrapping_add(Word::splat(SQRT_HALF_BITS)));
    let e = eb - R::select(sub, R::splat(BIAS_SUB), R::splat(1023.0));
    let f = m - 1.0;
    let s = f / (2.0 + f);
    let z = s * s;
    // R(z) = 2/3 z + 2/5 z^2 + ... + 2/21 z^10
    let z2 = z * z;
    let z4 = z2 * z2;
    let p0 = 0.666_666_666_666_666_6 + 0.4 * z;
    let p1 = 0.285_714_285_714_285_7 + 0.222_222_222_222_222_2 * z;
    let p2 = 0.181_818_181_818_181_82 + 0.153_846_153_846_153_85 * z;
    let p3 = 0.133_333_333_333_333_33 + 0.117_647_058_823_529_41 * z;
    let p4 = 0.105_263_157_894_736_84 + 0.095_238_095_238_095_23 * z;
    let q = (p0 + p1 * z2) + z4 * ((p2 + p3 * z2) + z4 * p4);
    let r = z * q;
    let hfsq = 0.5 * f * f;
    let y = e * LN2_HI - ((hfsq - (s * (hfsq + r) + e * LN2_LO)) - f);
    // +inf and NaN give x; ±0 gives -inf; x < 0 gives NaN.
    let y = R::select(x.cmp_lt(f64::INFINITY), y, x);
    let y = R::select(x.cmp_eq(0.0), R::splat(f64::NEG_INFINITY), y);
    R::select(x.cmp_lt(0.0), R::splat(f64::NAN), y)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// SplitMix64: a small deterministic generator for test inputs.
    struct SplitMix(u64);

    impl SplitMix {
        fn next_u64(&mut self) -> u64 {
            self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^ (z >> 31)
        }
        /// Uniform in [0, 1).
        fn unit(&mut self) -> f64 {
            (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
        }
        fn range(&mut self, lo: f64, hi: f64) -> f64 {
            lo + (hi - lo) * self.unit()
        }
    }

    /// Distance in ulps (steps between adjacent doubles) between two finite values.
    fn ulps(a: f64, b: f64) -> u64 {
        fn key(x: f64) -> i64 {
            let b = x.to_bits() as i64;
            if b < 0 { i64::MIN - b } else { b }
        }
        key(a).abs_diff(key(b))
    }

    struct Worst {
        max: u64,
        at: f64,
        count: usize,
        off: usize,
    }

    fn check(
        f: impl Fn(f64) -> f64,
        g: impl Fn(f64) -> f64,
        xs: &mut dyn Iterator<Item = f64>,
    ) -> Worst {
        let mut w = Worst {
            max: 0,
            at: f64::NAN,
            count: 0,
            off: 0,
        };
        for x in xs {
            let (a, b) = (f(x), g(x));
            let d = if a == b { 0 } else { ulps(a, b) };
            if d > w.max {
                w.max = d;
                w.at = x;
            }
            w.count += 1;
            w.off += usize::from(d > 0);
        }
        w
    }

    #[test]
    fn exp_accuracy() {
        let mut rng = SplitMix(1);
        let mut total = 0;
        let mut worst = 0;
        for (lo, hi, n) in [
            (-745.0, 710.0, 2_000_000),
            (-1.0, 1.0, 1_000_000),
            (-30.0, 30.0, 1_000_000),
            (-745.13, -708.4, 200_000),
            (709.0, 709.782712893384, 100_000),
            (-1e-8, 1e-8, 100_000),
        ] {
            let w = check(exp, f64::exp, &mut (0..n).map(|_| rng.range(lo, hi)));
            eprintln!(
                "exp [{lo}, {hi}]: {} inputs, {} differ from libm, max {} ulp at {:e}",
                w.count, w.off, w.max, w.at
            );
            assert!(w.max <= 1, "exp error {} ulp at {:e}", w.max, w.at);
            total += w.count;
            worst = worst.max(w.max);
        }
        eprintln!("exp: {total} inputs, max {worst} ulp");
    }

    #[test]
    fn exp_special() {
        assert_eq!(exp(0.0).to_bits(), 1.0f64.to_bits());
        assert_eq!(exp(-0.0).to_bits(), 1.0f64.to_bits());
        assert_eq!(exp(f64::NEG_INFINITY).to_bits(), 0.0f64.to_bits());
        assert_eq!(exp(f64::INFINITY), f64::INFINITY);
        assert!(exp(f64::NAN).is_nan());
        assert!(exp(-f64::NAN).is_nan());
        assert!(ulps(exp(1.0), std::f64::consts::E) <= 1);
        for x in [709.782712893385, 709.8, 710.0, 1e4, 1e300, f64::MAX] {
            assert_eq!(exp(x), f64::INFINITY, "exp({x})");
        }
        assert!(exp(709.782712893384).is_finite());
        assert_eq!(exp(709.782712893384), 709.782712893384f64.exp());
        for x in [-745.1332191019413, -745.2, -746.0, -1e4, -1e300, f64::MIN] {
            assert_eq!(exp(x).to_bits(), 0, "exp({x})");
        }
        // Smallest subnormal and gradual underflow.
        assert_eq!(exp(-745.0), 5e-324);
        for x in [-744.0, -740.0, -720.0, -709.0, -708.4, -708.39] {
            assert!(
                ulps(exp(x), x.exp()) <= 1,
                "exp({x}) = {:e} vs {:e}",
                exp(x),
                x.exp()
            );
        }
    }

    #[test]
    fn ln_accuracy() {
        let mut rng = SplitMix(2);
        let mut total = 0;
        let mut worst = 0;
        let mut run = |name: &str, xs: &mut dyn Iterator<Item = f64>| {
            let w = check(ln, f64::ln, xs);
            eprintln!(
                "ln {name}: {} inputs, {} differ from libm, max {} ulp at {:e}",
                w.count, w.off, w.max, w.at
            );
            assert!(w.max <= 1, "ln error {} ulp at {:e}", w.max, w.at);
            total += w.count;
            worst = worst.max(w.max);
        };
        let (l0, l1) = (1e-300f64.ln(), 1e300f64.ln());
        let xs: Vec<f64> = (0..2_000_000).map(|_| rng.range(l0, l1).exp()).collect();
        run("log-uniform [1e-300, 1e300]", &mut xs.into_iter());
        let xs: Vec<f64> = (0..500_000)
            .map(|_| rng.range(1.0 - 1e-3, 1.0 + 1e-3))
            .collect();
        run("1 ± 1e-3", &mut xs.into_iter());
        let xs: Vec<f64> = (0..500_000)
            .map(|_| rng.range(1.0 - 1e-10, 1.0 + 1e-10))
            .collect();
        run("1 ± 1e-10", &mut xs.into_iter());
        let xs: Vec<f64> = (0..500_000).map(|_| rng.range(0.5, 2.0)).collect();
        run("[0.5, 2]", &mut xs.into_iter());
        // Subnormals: random bit patterns, and log-uniform over [5e-324, 2.2e-308].
        let xs: Vec<f64> = (0..200_000)
            .map(|_| f64::from_bits(1 + rng.next_u64() % ((1u64 << 52) - 1)))
            .collect();
        run("subnormal bits", &mut xs.into_iter());
        let (s0, s1) = (5e-324f64.ln(), f64::MIN_POSITIVE.ln());
        let xs: Vec<f64> = (0..200_000)
            .map(|_| rng.range(s0, s1).exp())
            .filter(|x| *x > 0.0)
            .collect();
        run("subnormal log-uniform", &mut xs.into_iter());
        let xs = [
            5e-324,
            1e-323,
            1e-310,
            1e-308,
            f64::MIN_POSITIVE,
            f64::MAX,
            2.0,
            0.5,
            10.0,
        ];
        run("points", &mut xs.into_iter());
        eprintln!("ln: {total} inputs, max {worst} ulp");
    }

    #[test]
    fn ln_special() {
        assert_eq!(ln(1.0).to_bits(), 0.0f64.to_bits());
        assert_eq!(ln(0.0), f64::NEG_INFINITY);
        assert_eq!(ln(-0.0), f64::NEG_INFINITY);
        assert_eq!(ln(f64::INFINITY), f64::INFINITY);
        for x in [
            -1.0,
            -5e-324,
            -1e300,
            f64::NEG_INFINITY,
            f64::NAN,
            -f64::NAN,
        ] {
            assert!(ln(x).is_nan(), "ln({x})");
        }
        assert!(ulps(ln(std::f64::consts::E), 1.0) <= 1);
        assert!(ulps(ln(2.0), std::f64::consts::LN_2) <= 1);
    }

    /// On `Lanes` (eight at once: AVX-512 registers, or lane loops) every function gives
    /// lane by lane the bits of the `f64` call, on random inputs and on edge values (zeros,
    /// subnormals, the clamps of `exp`, huge values,
    /// infinities, NaNs).
    #[test]
    fn lanes_match_scalar() {
        use crate::lanes::{Lanes, W};
        fn check(x: [f64; W]) {
            let l = Lanes(x);
            let (e, g) = (exp(l), ln(l));
            for (i, &xi) in x.iter().enumerate() {
                let xi = std::hint::black_box(xi);
                // The same bits, or both NaN (which NaN comes out of operations on NaNs
                // is not specified, and LLVM may swap the operands of `+` and `*`).
                let key = |v: f64| {
                    if v.is_nan() {
                        f64::NAN.to_bits()
                    } else {
                        v.to_bits()
                    }
                };
                let got = [e.0[i], g.0[i]].map(key);
                let want = [exp(xi), ln(xi)].map(key);
                assert_eq!(got, want, "x = {xi:e} ({:#x})", xi.to_bits());
            }
        }
        let mut rng = SplitMix(4);
        for _ in 0..10_000 {
            check(std::array::from_fn(|_| rng.range(-800.0, 800.0)));
            check(std::array::from_fn(|_| rng.range(-700.0, 700.0).exp()));
            check(std::array::from_fn(|_| rng.unit()));
            check(std::array::from_fn(|_| f64::from_bits(rng.next_u64())));
        }
        let edges = [
            0.0,
            -0.0,
            1.0,
            -1.0,
            0.25,
            0.5,
            0.75,
            0.125,
            5e-324,
            -5e-324,
            1e-310,
            f64::MIN_POSITIVE,
            f64::MIN_POSITIVE * (1.0 - f64::EPSILON),
            709.782712893384,
            709.7827128933841,
            710.0,
            710.5,
            -745.1332191019412,
            -745.1332191019411,
            -746.0,
            -746.5,
            -708.4,
            4_503_599_627_370_495.5,
            4_503_599_627_370_496.0,
            -4_503_599_627_370_497.0,
            6_755_399_441_055_744.0,
            1e300,
            -1e300,
            f64::MAX,
            f64::MIN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NAN,
            -f64::NAN,
        ];
        for k in 0..edges.len() {
            check(std::array::from_fn(|i| edges[(k + i) % edges.len()]));
        }
    }
}
