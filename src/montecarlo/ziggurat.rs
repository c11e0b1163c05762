//! Standard normals by the ziggurat method (Marsaglia and Tsang, "The Ziggurat Method for
//! Generating Random Variables", 2000), from the random words of [`super::stream`].
//!
//! The density e^(-x²/2) on x ≥ 0 is covered by [`LAYERS`] (1,024) horizontal layers of
//! equal area [`V`]: layer i (1 ≤ i ≤ 1023) is the rectangle [0, x_i] × [f(x_i), f(x_(i+1))],
//! with x_1 = [`R`] > x_2 > ... > x_1024 = 0, and layer 0 is the base strip [0, R] ×
//! [0, f(R)] together with the tail beyond R, drawn as a rectangle of width
//! x_0 = V / f(R). One 64-bit word w gives a layer i (its low 10 bits), a sign (bit 10)
//! and a uniform u in [0, 1) (its high 52 bits, as `unit` makes them), hence x = u x_i.
//! When x < x_(i+1) the point lies under the curve whatever its height: x, signed, is the
//! normal. That *fast path* is taken for 99.57 % of words (the mean of x_(i+1) / x_i).
//! Otherwise ([`slow`]): in layer 0 a value from the tail beyond R (Marsaglia's method:
//! a = -ln(u1) / R, b = -ln(u2), accepted when 2b > a²; the normal is R + a); in another
//! layer a second word gives the point's height y, and x is accepted when
//! y < e^(-x²/2), else the draw starts over with a new word. Every step is exact in
//! distribution; the result is a standard normal. (1,024 layers rather than the usual
//! 256: the fast path misses 3.5 times less often, and the tables, 24 KB, still sit in
//! the first-level cache; 2,048 measured no faster.)
//!
//! Eight streams run the fast path together, as SIMD (the two table reads are gathers).
//! A lane that misses it finishes alone, on its own stream, with the same scalar code a
//! single stream uses ([`slow`]), so a draw gets the same normals, bit for bit, alone or
//! among eight (the streams are independent, so lanes may consume different numbers of
//! words). The tables are computed once with [`crate::lanes::mathfn`]'s `exp` and `ln` and IEEE
//! square roots: the same bits on every machine.

use std::sync::LazyLock;

use super::stream::{Stream, unit};
use crate::lanes::mathfn;
use crate::lanes::{Real, Scalar, TABLE};

/// Layers of the ziggurat: one word's low 10 bits pick one.
pub(crate) const LAYERS: usize = TABLE;

/// Where the tail begins: x_1, the width of the widest layer above the base strip. With
/// [`V`], the value for which 1024 layers of area V close exactly at the top
/// (x_1024 = 0), found by bisection in double precision.
pub(crate) const R: f64 = 4.038_849_846_109_504;

/// The area of every layer under e^(-x²/2): R e^(-R²/2) + the tail's area beyond R,
/// sqrt(π/2) erfc(R / sqrt(2)).
pub(crate) const V: f64 = 0.001_226_324_646_353_089_3;

/// The layers: their widths and the density at them.
#[derive(Debug, Clone)]
pub(crate) struct Ziggurat {
    /// `wide[i]` = x_i, the width of layer i (x_0 = V / f(R), the base strip's).
    wide: [f64; LAYERS],
    /// `inner[i]` = x_(i+1), the width of the layer above: points of layer i with
    /// x < x_(i+1) lie under the curve.
    inner: [f64; LAYERS],
    /// `f[i]` = e^(-x_i²/2) (`f[LAYERS]` = 1): layer i spans the heights f[i] to f[i + 1].
    f: [f64; LAYERS + 1],
}

/// The density without its constant: e^(-x²/2).
fn density(x: f64) -> f64 {
    mathfn::exp(-0.5 * x * x)
}

impl Ziggurat {
    /// The layers for [`R`] and [`V`]: x_(i+1) = sqrt(-2 ln(V / x_i + f(x_i))), so that
    /// x_i (f(x_(i+1)) - f(x_i)) = V.
    fn new() -> Ziggurat {
        let mut x = [0.0; LAYERS + 1];
        x[0] = V / density(R);
        x[1] = R;
        for i in 1..LAYERS - 1 {
            x[i + 1] = (-2.0 * mathfn::ln(V / x[i] + density(x[i]))).sqrt();
        }
        x[LAYERS] = 0.0;
        Ziggurat {
            wide: std::array::from_fn(|i| x[i]),
            inner: std::array::from_fn(|i| x[i + 1]),
            f: x.map(density),
        }
    }
}

/// The ziggurat's tables, computed on first use.
pub(crate) fn tables() -> &'static Ziggurat {
    static TABLES: LazyLock<Ziggurat> = LazyLock::new(Ziggurat::new);
    &TABLES
}

/// The bit of a word that gives the sign (the one above the layer's bits).
const SIGN_BIT: u32 = LAYERS.trailing_zeros();

/// `x` with the sign of bit [`SIGN_BIT`] of its word `w` (set: negative).
#[inline(always)]
fn signed<R: Real>(x: R, w: R::Bits) -> R {
    R::from_bits(x.to_bits() ^ ((w >> SIGN_BIT) << 63))
}

/// The fast path for one word (`R` is `f64`) or [`crate::lanes::W`] words at once
/// ([`crate::lanes::Lanes`]): the signed x = u x_i of each word, and where it lies inside
/// the layer above (x < x_(i+1)), which makes it the normal. Elsewhere [`slow`] takes over.
#[inline(always)]
pub(crate) fn fast<R: Real>(z: &Ziggurat, w: R::Bits) -> (R, R::Mask)
where
    f64: Scalar<R>,
{
    let x = unit::<R>(w) * R::lookup(&z.wide, w);
    // x - x_(i+1) < 0 exactly when x < x_(i+1) (both finite, non-negative).
    let inside = (x - R::lookup(&z.inner, w)).cmp_lt(0.0);
    (signed(x, w), inside)
}

/// The normal of a word `w` whose fast path failed, drawing more words from `rng` as
/// needed: a tail value for layer 0, else the wedge test, and while that rejects, new
/// words from the start.
pub(crate) fn slow(z: &Ziggurat, rng: &mut Stream, mut w: u64) -> f64 {
    loop {
        let i = w as usize % LAYERS;
        if i == 0 {
            return signed(R + tail(rng), w);
        }
        let x = unit::<f64>(w) * z.wide[i];
        let y = z.f[i] + (z.f[i + 1] - z.f[i]) * unit::<f64>(rng.next_word());
        if y < density(x) {
            return signed(x, w);
        }
        w = rng.next_word();
        let (x, inside) = fast::<f64>(z, w);
        if inside {
            return x;
        }
    }
}

/// How far beyond [`R`] a tail value lies (Marsaglia's method for the normal tail: with
/// u1, u2 in (0, 1], a = -ln(u1) / R is accepted when -2 ln(u2) > a²).
fn tail(rng: &mut Stream) -> f64 {
    loop {
        let a = -mathfn::ln(1.0 - unit::<f64>(rng.next_word())) / R;
        let b = -mathfn::ln(1.0 - unit::<f64>(rng.next_word()));
        if b + b > a * a {
            return a;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layers_have_equal_areas_and_close_at_the_top() {
        let z = tables();
        assert_eq!(z.wide[1], R);
        assert_eq!(z.inner[LAYERS - 1], 0.0);
        assert_eq!(z.f[LAYERS], 1.0);
        for i in 0..LAYERS {
            assert!(z.inner[i] < z.wide[i], "layer {i}");
            if i + 1 < LAYERS {
                assert_eq!(z.inner[i], z.wide[i + 1]);
            }
        }
        // The base strip with its tail, and every layer above, has area V; the top one
        // closes at x = 0 with the density's peak.
        assert!((z.wide[0] * z.f[1] - V).abs() < 1e-15);
        for i in 1..LAYERS {
            let area = z.wide[i] * (z.f[i + 1] - z.f[i]);
            assert!((area / V - 1.0).abs() < 1e-11, "layer {i}: {area}");
        }
        // V is the base strip plus the tail's area: sqrt(pi/2) erfc(R / sqrt 2).
        let tail_area = (std::f64::consts::PI / 2.0).sqrt() * 5.371_393_460_685_53e-5;
        assert!((R * density(R) + tail_area - V).abs() < 1e-17);
    }

    #[test]
    fn the_fast_path_holds_about_996_words_in_a_thousand() {
        let z = tables();
        let mut rng = Stream::from_words([3, 1, 4, 1]);
        let n = 200_000;
        let fast_hits = (0..n).filter(|_| fast::<f64>(z, rng.next_word()).1).count();
        let share = fast_hits as f64 / n as f64;
        // The mean of x_(i+1) / x_i over the layers: 0.99572.
        assert!((0.9950..0.9965).contains(&share), "{share}");
    }

    #[test]
    fn slow_words_give_tail_and_wedge_values() {
        let z = tables();
        let mut rng = Stream::from_words([9, 8, 7, 6]);
        // Layer 0 beyond R (u close to 1): a tail value, signed by the sign bit.
        let w = u64::MAX << 12;
        assert!(!fast::<f64>(z, w).1);
        let t = slow(z, &mut rng.clone(), w);
        assert!(t >= R && t.is_finite(), "{t}");
        let t = slow(z, &mut rng.clone(), w | 1 << SIGN_BIT);
        assert!(t <= -R && t.is_finite(), "{t}");
        // The top layer (x_1024 = 0): always the wedge test, which accepts or starts over.
        for k in 0..1000u64 {
            let w = (k << 12) | (LAYERS as u64 - 1);
            assert!(!fast::<f64>(z, w).1);
            let x = slow(z, &mut rng, w);
            assert!(x.is_finite() && x.abs() < 9.0, "{x}");
        }
        // Tail values lie between R and the largest one, from u1 = 2^-52.
        let mut one = Stream::from_words([1, 2, 3, 4]);
        let worst = R + (-mathfn::ln(f64::EPSILON) / R);
        for _ in 0..100 {
            let t = slow(z, &mut one, u64::MAX << 12);
            assert!(t.is_finite() && (R..=worst).contains(&t), "{t}");
        }
    }
}
