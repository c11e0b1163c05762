//! Numbers the model's [`crate::model::step`] can run on: a single `f64` (deterministic
//! runs, one draw at a time) or [`Lanes`], [`W`] draws side by side (the Monte Carlo
//! engine), so that one written-once step serves both. The same holds for the functions of
//! [`mathfn`] and the random streams of [`crate::montecarlo::stream`]: they are
//! written once, generic over [`Real`], which besides arithmetic offers what their
//! branch-free code needs: comparisons to masks, selects, and the bits of its numbers (a
//! [`Word`]: `u64`, or [`Words`] for [`Lanes`]).
//!
//! Every operation on [`Lanes`] is the same IEEE operation applied lane by lane, and the
//! transcendental functions are fiscalsim's own ([`mathfn`]) for both kinds, so
//! lane `i` of a [`Lanes`] computation has exactly the bits of the same computation on
//! `f64`.
//!
//! # How the lanes reach the vector registers
//!
//! [`Lanes`] is plain Rust: every operation is a loop over the eight lanes, which the
//! compiler vectorises as far as the instruction set of the code it is inlined into
//! allows. The Monte Carlo kernels are compiled for several instruction sets from one
//! source and chosen at run time ([`Kernel`], [`dispatch!`]). They run the same generic
//! code on the lanes of their instruction set, through [`Vector`], the lanes' common
//! interface: [`avx512::Zmm`] (one `zmm` register, one intrinsic per operation, a mask
//! register per comparison), [`avx2::Ymm`] (two `ymm` registers), or [`Lanes`] (the
//! portable kernel, SSE2 on x86-64). LLVM's auto-vectorised lane loops ran the shocks and
//! the step at about half the speed of the registers' intrinsics, hence the two register
//! kinds. The results are the same bits on every path; the tests of this module hold every
//! operation, on edge values, to the scalar one, for every kind of lanes this CPU has.

// Lane loops index several arrays at once; they read as the SIMD they compile to.
#![allow(clippy::needless_range_loop)]

use std::ops::{Add, BitAnd, BitOr, BitXor, BitXorAssign, Div, Mul, Neg, Shl, Shr, Sub};

#[cfg(target_arch = "x86_64")]
pub(crate) mod avx2;
#[cfg(target_arch = "x86_64")]
pub(crate) mod avx512;
mod kernel;
pub(crate) mod mathfn;

pub(crate) use kernel::dispatch;
pub use kernel::{Kernel, KernelError};

/// Number of draws in one [`Lanes`] value.
pub const W: usize = 8;

/// Values in a table that [`Real::lookup`] reads (a power of two).
pub const TABLE: usize = 1024;

/// A number of the model: `f64` or [`Lanes`]. Arithmetic is IEEE, without fused
/// operations, so the two kinds agree bit for bit.
///
/// Besides arithmetic it offers what branch-free code needs: comparisons giving a
/// [`Real::Mask`] (`bool`, or a [`LaneMask`]), [`Real::select`] in place of
/// `if c { a } else { b }`, and the bits of the number as a [`Word`].
pub trait Real:
    Copy
    + Add<Output = Self>
    + Sub<Output = Self>
    + Mul<Output = Self>
    + Div<Output = Self>
    + Neg<Output = Self>
    + Add<f64, Output = Self>
    + Sub<f64, Output = Self>
    + Mul<f64, Output = Self>
    + Div<f64, Output = Self>
{
    /// The bits of the number: `u64`, or [`Words`] for [`Lanes`].
    type Bits: Word<Mask = Self::Mask>;
    /// The outcome of a comparison: `bool`, or a [`LaneMask`] for [`Lanes`].
    type Mask: Copy;

    /// `x` in every lane.
    fn splat(x: f64) -> Self;
    /// e^self ([`mathfn::exp`]).
    fn exp(self) -> Self;
    /// ln(self) ([`mathfn::ln`]).
    fn ln(self) -> Self;
    /// The larger of `self` and `other`, lane by lane; a NaN never wins (as `f64::max`).
    /// For equal values (±0) `other`.
    fn max(self, other: Self) -> Self;
    /// The square root (IEEE, correctly rounded).
    fn sqrt(self) -> Self;
    /// The absolute value (the sign bit cleared, NaN included).
    #[inline(always)]
    fn abs(self) -> Self {
        Self::from_bits(self.to_bits() & !(1u64 << 63))
    }
    /// The bits of every lane (`f64::to_bits`).
    fn to_bits(self) -> Self::Bits;
    /// The number of the bits of every lane (`f64::from_bits`).
    fn from_bits(bits: Self::Bits) -> Self;
    /// Where `self < c` (false for NaN).
    fn cmp_lt(self, c: f64) -> Self::Mask;
    /// Where `self > c` (false for NaN).
    fn cmp_gt(self, c: f64) -> Self::Mask;
    /// Where `self == c` (false for NaN; `-0.0 == 0.0`).
    fn cmp_eq(self, c: f64) -> Self::Mask;
    /// `if m { a } else { b }`, lane by lane.
    fn select(m: Self::Mask, a: Self, b: Self) -> Self;
    /// `table[i % TABLE]`, lane by lane (a gather with AVX-512).
    fn lookup(table: &[f64; TABLE], i: Self::Bits) -> Self;
}

/// The operations of `f64` with the number on the left (`2.0 - x`), for generic code:
/// a bound `where f64: Scalar<R>` gives all four.
pub trait Scalar<R>:
    Add<R, Output = R> + Sub<R, Output = R> + Mul<R, Output = R> + Div<R, Output = R>
{
}

impl<R, T> Scalar<R> for T where
    T: Add<R, Output = R> + Sub<R, Output = R> + Mul<R, Output = R> + Div<R, Output = R>
{
}

/// The bits of a [`Real`]: `u64`, or [`Words`] ([`W`] of them), with the integer
/// operations of the bit manipulations in [`mathfn`] and of the random streams.
/// Shift and rotation amounts must be below 64.
pub trait Word:
    Copy
    + BitAnd<Output = Self>
    + BitOr<Output = Self>
    + BitXor<Output = Self>
    + BitXorAssign
    + BitAnd<u64, Output = Self>
    + BitOr<u64, Output = Self>
    + Shl<u32, Output = Self>
    + Shr<u32, Output = Self>
{
    /// The outcome of a comparison: `bool`, or a [`LaneMask`] for [`Words`].
    type Mask: Copy;

    /// `x` in every lane.
    fn splat(x: u64) -> Self;
    /// `self + o` modulo 2^64.
    fn wrapping_add(self, o: Self) -> Self;
    /// `self - o` modulo 2^64.
    fn wrapping_sub(self, o: Self) -> Self;
    /// The bits rotated left by `n`.
    fn rotate_left(self, n: u32) -> Self;
    /// Where `self != 0`.
    fn nonzero(self) -> Self::Mask;
}

impl Real for f64 {
    type Bits = u64;
    type Mask = bool;

    #[inline(always)]
    fn splat(x: f64) -> f64 {
        x
    }
    #[inline(always)]
    fn exp(self) -> f64 {
        mathfn::exp(self)
    }
    #[inline(always)]
    fn ln(self) -> f64 {
        mathfn::ln(self)
    }
    #[inline(always)]
    fn max(self, other: f64) -> f64 {
        if self > other || other.is_nan() {
            self
        } else {
            other
        }
    }
    #[inline(always)]
    fn sqrt(self) -> f64 {
        f64::sqrt(self)
    }
    #[inline(always)]
    fn to_bits(self) -> u64 {
        f64::to_bits(self)
    }
    #[inline(always)]
    fn from_bits(bits: u64) -> f64 {
        f64::from_bits(bits)
    }
    #[inline(always)]
    fn cmp_lt(self, c: f64) -> bool {
        self < c
    }
    #[inline(always)]
    fn cmp_gt(self, c: f64) -> bool {
        self > c
    }
    #[inline(always)]
    fn cmp_eq(self, c: f64) -> bool {
        self == c
    }
    #[inline(always)]
    fn lookup(table: &[f64; TABLE], i: u64) -> f64 {
        table[i as usize % TABLE]
    }
    #[inline(always)]
    fn select(m: bool, a: f64, b: f64) -> f64 {
        if m { a } else { b }
    }
}

impl Word for u64 {
    type Mask = bool;

    #[inline(always)]
    fn splat(x: u64) -> u64 {
        x
    }
    #[inline(always)]
    fn wrapping_add(self, o: u64) -> u64 {
        u64::wrapping_add(self, o)
    }
    #[inline(always)]
    fn wrapping_sub(self, o: u64) -> u64 {
        u64::wrapping_sub(self, o)
    }
    #[inline(always)]
    fn rotate_left(self, n: u32) -> u64 {
        u64::rotate_left(self, n)
    }
    #[inline(always)]
    fn nonzero(self) -> bool {
        self != 0
    }
}

/// [`W`] values, one per draw, operated on lane by lane.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
#[repr(C, align(64))]
pub struct Lanes(pub [f64; W]);

/// [`W`] 64-bit words, one per draw (the bits of [`Lanes`], the states of the random
/// streams), operated on lane by lane.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[repr(C, align(64))]
pub struct Words(pub [u64; W]);

/// Which lanes of a [`Lanes`] or [`Words`] comparison hold: one 64-bit word per lane, all
/// ones where it holds (the form of an AVX2 comparison; with one `bool` per lane LLVM
/// vectorised parts of `mathfn::ln` only in 128-bit pieces).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LaneMask([u64; W]);

/// `[f(0), ..., f(W - 1)]`: a loop always inlined (core's `array::from_fn` and
/// `array::map` are not, and a kernel's call to them would run baseline code).
#[inline(always)]
fn each<T: Copy + Default>(f: impl Fn(usize) -> T) -> [T; W] {
    let mut out = [T::default(); W];
    for i in 0..W {
        out[i] = f(i);
    }
    out
}

/// A lane of a [`LaneMask`]: all ones for `true`.
#[inline(always)]
fn lane_mask(holds: bool) -> u64 {
    0u64.wrapping_sub(u64::from(holds))
}

impl LaneMask {
    /// Whether lane `i` (< [`W`]) holds.
    #[cfg(test)]
    #[inline(always)]
    pub(crate) fn get(self, i: usize) -> bool {
        self.0[i] != 0
    }

    /// The lanes as bits: bit `i` set where lane `i` holds.
    #[inline(always)]
    pub(crate) fn bits(self) -> u8 {
        (0..W).fold(0u8, |b, i| b | (u8::from(self.0[i] != 0) << i))
    }
}

impl BitAnd for LaneMask {
    type Output = LaneMask;
    /// Where both hold.
    #[inline(always)]
    fn bitand(self, other: LaneMask) -> LaneMask {
        LaneMask(each(|i| self.0[i] & other.0[i]))
    }
}

impl Lanes {
    /// Applies `f` to every lane.
    #[inline(always)]
    pub(crate) fn map(self, f: impl Fn(f64) -> f64) -> Lanes {
        Lanes(each(|i| f(self.0[i])))
    }

    /// Combines two values lane by lane with `f`.
    #[inline(always)]
    pub(crate) fn zip(self, o: Lanes, f: impl Fn(f64, f64) -> f64) -> Lanes {
        Lanes(each(|i| f(self.0[i], o.0[i])))
    }
}

/// Defines a binary operator on a lane type (`$t` over elements `$e`) as a loop over the
/// lanes, and the same operator with an element on the right.
macro_rules! lane_op {
    ($t:ident, $e:ty, $tr:ident, $f:ident, $op:tt) => {
        impl $tr for $t {
            type Output = $t;
            #[inline(always)]
            fn $f(self, o: $t) -> $t {
                let mut out = self.0;
                for i in 0..W {
                    out[i] = self.0[i] $op o.0[i];
                }
                $t(out)
            }
        }
        impl $tr<$e> for $t {
            type Output = $t;
            #[inline(always)]
            fn $f(self, o: $e) -> $t {
                self $op $t([o; W])
            }
        }
    };
}

/// The operations a kind of lanes `$t` (with words `$w`) derives from its own: `+ - * /`
/// with an `f64` on the left (through [`Real::splat`]), negation (the sign bit flipped,
/// NaN included, as `-x` on `f64`) and `^=` on its words. For [`Lanes`] and the register
/// kinds alike.
macro_rules! derived_ops {
    ($t:ty, $w:ty) => {
        $crate::lanes::derived_ops!(@left $t, Add, add);
        $crate::lanes::derived_ops!(@left $t, Sub, sub);
        $crate::lanes::derived_ops!(@left $t, Mul, mul);
        $crate::lanes::derived_ops!(@left $t, Div, div);
        impl std::ops::Neg for $t {
            type Output = $t;
            #[inline(always)]
            fn neg(self) -> $t {
                <$t as $crate::lanes::Real>::from_bits(
                    $crate::lanes::Real::to_bits(self) ^ (1u64 << 63),
                )
            }
        }
        impl std::ops::BitXorAssign for $w {
            #[inline(always)]
            fn bitxor_assign(&mut self, o: $w) {
                *self = *self ^ o;
            }
        }
    };
    (@left $t:ty, $tr:ident, $f:ident) => {
        impl std::ops::$tr<$t> for f64 {
            type Output = $t;
            #[inline(always)]
            fn $f(self, o: $t) -> $t {
                std::ops::$tr::$f(<$t as $crate::lanes::Real>::splat(self), o)
            }
        }
    };
}
pub(crate) use derived_ops;

lane_op!(Lanes, f64, Add, add, +);
lane_op!(Lanes, f64, Sub, sub, -);
lane_op!(Lanes, f64, Mul, mul, *);
lane_op!(Lanes, f64, Div, div, /);
lane_op!(Words, u64, BitAnd, bitand, &);
lane_op!(Words, u64, BitOr, bitor, |);
lane_op!(Words, u64, BitXor, bitxor, ^);
derived_ops!(Lanes, Words);

impl Shl<u32> for Words {
    type Output = Words;
    #[inline(always)]
    fn shl(self, n: u32) -> Words {
        Words(each(|i| self.0[i] << n))
    }
}

impl Shr<u32> for Words {
    type Output = Words;
    #[inline(always)]
    fn shr(self, n: u32) -> Words {
        Words(each(|i| self.0[i] >> n))
    }
}

impl Real for Lanes {
    type Bits = Words;
    type Mask = LaneMask;

    #[inline(always)]
    fn splat(x: f64) -> Lanes {
        Lanes([x; W])
    }
    #[inline(always)]
    fn exp(self) -> Lanes {
        mathfn::exp(self)
    }
    #[inline(always)]
    fn ln(self) -> Lanes {
        mathfn::ln(self)
    }
    #[inline(always)]
    fn max(self, other: Lanes) -> Lanes {
        self.zip(other, Real::max)
    }
    #[inline(always)]
    fn sqrt(self) -> Lanes {
        self.map(f64::sqrt)
    }
    #[inline(always)]
    fn to_bits(self) -> Words {
        Words(each(|i| self.0[i].to_bits()))
    }
    #[inline(always)]
    fn from_bits(bits: Words) -> Lanes {
        Lanes(each(|i| f64::from_bits(bits.0[i])))
    }
    #[inline(always)]
    fn cmp_lt(self, c: f64) -> LaneMask {
        LaneMask(each(|i| lane_mask(self.0[i] < c)))
    }
    #[inline(always)]
    fn cmp_gt(self, c: f64) -> LaneMask {
        LaneMask(each(|i| lane_mask(self.0[i] > c)))
    }
    #[inline(always)]
    fn cmp_eq(self, c: f64) -> LaneMask {
        LaneMask(each(|i| lane_mask(self.0[i] == c)))
    }
    #[inline(always)]
    fn select(m: LaneMask, a: Lanes, b: Lanes) -> Lanes {
        Lanes(each(|i| if m.0[i] != 0 { a.0[i] } else { b.0[i] }))
    }
    #[inline(always)]
    fn lookup(table: &[f64; TABLE], i: Words) -> Lanes {
        Lanes(each(|j| table[i.0[j] as usize % TABLE]))
    }
}

impl Word for Words {
    type Mask = LaneMask;

    #[inline(always)]
    fn splat(x: u64) -> Words {
        Words([x; W])
    }
    #[inline(always)]
    fn wrapping_add(self, o: Words) -> Words {
        Words(each(|i| self.0[i].wrapping_add(o.0[i])))
    }
    #[inline(always)]
    fn wrapping_sub(self, o: Words) -> Words {
        Words(each(|i| self.0[i].wrapping_sub(o.0[i])))
    }
    #[inline(always)]
    fn rotate_left(self, n: u32) -> Words {
        Words(each(|i| self.0[i].rotate_left(n)))
    }
    #[inline(always)]
    fn nonzero(self) -> LaneMask {
        LaneMask(each(|i| lane_mask(self.0[i] != 0)))
    }
}

/// [`W`] draws side by side as a kernel computes them: [`Lanes`] (plain lane loops, the
/// portable and AVX2 kernels) or [`avx512::Zmm`] (the AVX-512 kernel). The simulation is
/// written once over it; its state is kept in [`Lanes`] and [`Words`] between calls.
pub(crate) trait Vector: Real<Mask: BitAnd<Output = Self::Mask>> {
    /// Whether the generic tally counts windows in these registers (AVX2, AVX-512: two
    /// windows a pass, their eight counters in registers), or in one flat loop a window
    /// ([`Lanes`], the portable kernel: LLVM does not vectorise `Lanes` operations for
    /// SSE2, and sixteen SSE2 registers would not hold the counters).
    const COUNTS_IN_REGISTERS: bool;
    /// The lanes of `x`.
    fn load(x: Lanes) -> Self;
    /// The lanes as [`Lanes`].
    fn store(self) -> Lanes;
    /// The words of `w`.
    fn load_bits(w: Words) -> Self::Bits;
    /// The words as [`Words`].
    fn store_bits(b: Self::Bits) -> Words;
    /// A comparison's lanes as bits: bit `i` set where lane `i` holds.
    fn mask_bits(m: Self::Mask) -> u8;
    /// A comparison's lanes as words: all ones where the lane holds, zero elsewhere.
    fn mask_words(m: Self::Mask) -> Self::Bits;
    /// `self * a + b` with one rounding (`f64::mul_add`), for the Monte Carlo moment
    /// sums; the model's equations never fuse.
    fn mul_add(self, a: Self, b: Self) -> Self;
    /// `self + x * 0`, the breakdown check's term: ±0 while `self` is ±0 and `x` finite,
    /// NaN from the first `x` that is not. Fused (one instruction) in the kernels with
    /// FMA, two operations in [`Lanes`] (where `f64::mul_add` would be a library call);
    /// fused or not, the same lanes are NaN.
    #[inline(always)]
    fn plus_zero_times(self, x: Self) -> Self
    where
        f64: Scalar<Self>,
    {
        self + x * 0.0
    }
}

/// `x` lane by lane in a kernel's registers (a loop always inlined, unlike `array::map`,
/// so that it is compiled for the kernel's instruction set).
#[inline(always)]
pub(crate) fn load_all<V: Vector, const N: usize>(x: &[Lanes; N]) -> [V; N] {
    let mut out = [V::splat(0.0); N];
    for i in 0..N {
        out[i] = V::load(x[i]);
    }
    out
}

/// `x` back from a kernel's registers into [`Lanes`] (see [`load_all`]).
#[inline(always)]
pub(crate) fn store_all<V: Vector, const N: usize>(x: &[V; N]) -> [Lanes; N] {
    let mut out = [Lanes([0.0; W]); N];
    for i in 0..N {
        out[i] = x[i].store();
    }
    out
}

impl Vector for Lanes {
    const COUNTS_IN_REGISTERS: bool = false;
    #[inline(always)]
    fn load(x: Lanes) -> Lanes {
        x
    }
    #[inline(always)]
    fn store(self) -> Lanes {
        self
    }
    #[inline(always)]
    fn load_bits(w: Words) -> Words {
        w
    }
    #[inline(always)]
    fn store_bits(b: Words) -> Words {
        b
    }
    #[inline(always)]
    fn mask_bits(m: LaneMask) -> u8 {
        m.bits()
    }
    #[inline(always)]
    fn mask_words(m: LaneMask) -> Words {
        Words(m.0)
    }
    #[inline(always)]
    fn mul_add(self, a: Lanes, b: Lanes) -> Lanes {
        let mut out = b;
        for i in 0..W {
            out.0[i] = self.0[i].mul_add(a.0[i], b.0[i]);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A lookup reads, lane by lane, what the scalar lookup reads: the index modulo the
    /// table's length, whatever the word's high bits.
    #[test]
    fn lookups_read_the_table_lane_by_lane() {
        let table: [f64; TABLE] = std::array::from_fn(|i| i as f64 * 0.5 - 7.0);
        let mut s = 0x2545_F491_4F6C_DD1Du64;
        for _ in 0..1000 {
            let words = Words(std::array::from_fn(|_| {
                s ^= s << 13;
                s ^= s >> 7;
                s ^= s << 17;
                s
            }));
            let got = Lanes::lookup(&table, words);
            for i in 0..W {
                let want = <f64 as Real>::lookup(&table, words.0[i]);
                assert_eq!(got.0[i], want);
                assert_eq!(want, table[(words.0[i] % TABLE as u64) as usize]);
            }
        }
        let edges = Words([
            0,
            1,
            1023,
            1024,
            u64::MAX,
            u64::MAX - 1023,
            1 << 63,
            0x3FF << 10,
        ]);
        let got = Lanes::lookup(&table, edges);
        assert_eq!(got.0, [-7.0, -6.5, 504.5, -7.0, 504.5, -7.0, -7.0, -7.0]);
    }

    #[test]
    fn masks_combine_and_read_as_bits_lane_by_lane() {
        let a = Lanes([0.1, -2.5, 1e300, f64::NAN, 0.0, -0.0, 3.0, 7e-310]);
        let b = Lanes([0.3, 4.0, 1e10, 1.0, -0.0, 0.0, f64::NAN, 2.0]);
        let both = a.cmp_gt(0.0) & b.cmp_gt(0.5);
        let mut expected = 0u8;
        for i in 0..W {
            let holds = a.0[i] > 0.0 && b.0[i] > 0.5;
            assert_eq!(both.get(i), holds, "lane {i}");
            expected |= u8::from(holds) << i;
        }
        assert_eq!(both.bits(), expected);
        assert_eq!(expected, 0b1000_0100);
        assert_eq!(a.cmp_eq(0.0).bits(), 0b0011_0000);
    }

    #[test]
    fn lanes_compute_exactly_what_scalars_compute() {
        let a = Lanes([0.1, -2.5, 1e300, f64::NAN, 0.0, -0.0, 3.0, 7e-310]);
        let b = Lanes([0.3, 4.0, 1e10, 1.0, -0.0, 0.0, f64::NAN, 2.0]);
        let lanes = ((a + b) * a - b / a).max(Lanes::splat(0.5)).exp() + (2.0 - b).ln();
        for i in 0..W {
            let (x, y) = (a.0[i], b.0[i]);
            let scalar = Real::exp(Real::max((x + y) * x - y / x, 0.5)) + Real::ln(2.0 - y);
            assert_eq!(lanes.0[i].to_bits(), scalar.to_bits(), "lane {i}");
        }
    }

    #[test]
    fn max_never_lets_nan_win() {
        assert_eq!(Real::max(f64::NAN, 0.0), 0.0);
        assert_eq!(Real::max(0.0, f64::NAN), 0.0);
        assert_eq!(Real::max(-1.0, 0.0), 0.0);
        assert_eq!(Real::max(2.0, 0.0), 2.0);
    }

    /// Edge values: zeros, ones, subnormals, the normal limits, huge values, infinities,
    /// NaNs (quiet, negative, signalling with a payload), the constants of `mathfn`.
    fn edges() -> Vec<f64> {
        vec![
            0.0,
            -0.0,
            1.0,
            -1.0,
            0.5,
            0.1,
            -2.5,
            3.0,
            5e-324,
            -5e-324,
            1e-310,
            -2.2e-308,
            f64::MIN_POSITIVE,
            -f64::MIN_POSITIVE,
            1e-300,
            1e300,
            -1e300,
            f64::MAX,
            f64::MIN,
            710.0,
            -746.0,
            4_503_599_627_370_496.0,
            6_755_399_441_055_744.0,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NAN,
            -f64::NAN,
            f64::from_bits(0x7FF0_0000_0000_0001),
        ]
    }

    /// Lanes of `f(x)` for every `x` of `xs`, eight at a time (the last group padded by
    /// repeating values).
    fn groups<T: Copy>(xs: &[T]) -> Vec<[T; W]> {
        xs.chunks(W)
            .map(|c| std::array::from_fn(|i| c[i % c.len()]))
            .collect()
    }

    /// An operation's name, its result on lanes `a` and `b` (and element `c`), and the
    /// same on elements, `f(a, b, c)`.
    type Case<L, E> = (&'static str, L, fn(E, E, E) -> E);

    /// The same bits, or both NaN (which NaN an operation on NaNs returns is not
    /// specified by IEEE or Rust, and LLVM may swap the operands of `+` and `*`).
    fn same(x: f64, y: f64) -> bool {
        x.to_bits() == y.to_bits() || (x.is_nan() && y.is_nan())
    }

    /// Every operation of [`Real`] on [`Lanes`], on every pair of edge values, gives
    /// lane by lane what it gives on `f64`.
    #[test]
    fn every_lane_operation_is_the_scalar_one_on_edge_values() {
        let e = edges();
        let pairs: Vec<(f64, f64)> = e
            .iter()
            .flat_map(|&a| e.iter().map(move |&b| (a, b)))
            .collect();
        for g in groups(&pairs) {
            let a = Lanes(g.map(|p| p.0));
            let b = Lanes(g.map(|p| p.1));
            let c = b.0[0];
            let arith: [Case<Lanes, f64>; 17] = [
                ("a + b", a + b, |x, y, _| x + y),
                ("a - b", a - b, |x, y, _| x - y),
                ("a * b", a * b, |x, y, _| x * y),
                ("a / b", a / b, |x, y, _| x / y),
                ("a + c", a + c, |x, _, c| x + c),
                ("a - c", a - c, |x, _, c| x - c),
                ("a * c", a * c, |x, _, c| x * c),
                ("a / c", a / c, |x, _, c| x / c),
                ("c + a", c + a, |x, _, c| c + x),
                ("c - a", c - a, |x, _, c| c - x),
                ("c * a", c * a, |x, _, c| c * x),
                ("c / a", c / a, |x, _, c| c / x),
                ("sqrt", a.sqrt(), |x, _, _| x.sqrt()),
                ("splat", Lanes::splat(c), |_, _, c| c),
                ("exp", a.exp(), |x, _, _| Real::exp(x)),
                ("ln", a.ln(), |x, _, _| Real::ln(x)),
                ("ln |a|", Real::abs(a).ln(), |x, _, _| Real::ln(x.abs())),
            ];
            for (name, lanes, f) in arith {
                for i in 0..W {
                    let (x, y) = (a.0[i], b.0[i]);
                    let want = f(x, y, c);
                    assert!(
                        same(lanes.0[i], want),
                        "{name}: {x:e}, {y:e}, {c:e}: {} vs {want}",
                        lanes.0[i]
                    );
                }
            }
            // Operations on bits and selections: exactly the same bits, NaNs included.
            let exact: [Case<Lanes, f64>; 7] = [
                ("-a", -a, |x, _, _| -x),
                ("abs", Real::abs(a), |x, _, _| x.abs()),
                ("max", a.max(b), |x, y, _| Real::max(x, y)),
                ("bits", Lanes::from_bits(a.to_bits()), |x, _, _| {
                    f64::from_bits(x.to_bits())
                }),
                (
                    "a < c ? a : b",
                    Lanes::select(a.cmp_lt(c), a, b),
                    |x, y, c| Real::select(Real::cmp_lt(x, c), x, y),
                ),
                (
                    "a > c ? b : a",
                    Lanes::select(a.cmp_gt(c), b, a),
                    |x, y, c| Real::select(Real::cmp_gt(x, c), y, x),
                ),
                (
                    "a == c ? a : b",
                    Lanes::select(a.cmp_eq(c), a, b),
                    |x, y, c| Real::select(Real::cmp_eq(x, c), x, y),
                ),
            ];
            for (name, lanes, f) in exact {
                for i in 0..W {
                    let (x, y) = (a.0[i], b.0[i]);
                    let want = f(x, y, c);
                    assert_eq!(
                        lanes.0[i].to_bits(),
                        want.to_bits(),
                        "{name}: {x:e}, {y:e}, {c:e}"
                    );
                }
            }
            for (i, w) in a.to_bits().0.iter().enumerate() {
                assert_eq!(*w, a.0[i].to_bits());
            }
            for &c in &e {
                let (lt, gt, eq) = (a.cmp_lt(c), a.cmp_gt(c), a.cmp_eq(c));
                for i in 0..W {
                    let x = a.0[i];
                    let want = (Real::cmp_lt(x, c), Real::cmp_gt(x, c), Real::cmp_eq(x, c));
                    assert_eq!(want, (x < c, x > c, x == c));
                    assert_eq!((lt.get(i), gt.get(i), eq.get(i)), want, "{x:e} vs {c:e}");
                }
            }
        }
    }

    /// The results of [`all_ops`]: lanes, then words.
    type Ops = (Vec<Lanes>, Vec<Words>);

    /// A table to look up.
    fn lookup_table() -> [f64; TABLE] {
        std::array::from_fn(|i| i as f64 * 0.25 - 3.0)
    }

    /// Every operation of a [`Vector`] kind on the lanes `a`, `b`, element `c` and words
    /// `u`, as [`Lanes`] and [`Words`]: arithmetic first (its NaNs may differ), then the
    /// exact operations (bits, selections, masks, words, table lookups).
    fn all_ops<V: Vector>(a: Lanes, b: Lanes, c: f64, u: Words) -> Ops
    where
        f64: Scalar<V>,
    {
        let (x, y) = (V::load(a), V::load(b));
        let w = V::load_bits(u);
        let table = lookup_table();
        let arith = [
            x + y,
            x - y,
            x * y,
            x / y,
            x + c,
            x - c,
            x * c,
            x / c,
            c + x,
            c - x,
            c * x,
            c / x,
            x.sqrt(),
            x.exp(),
            x.ln(),
            x.abs().ln(),
        ];
        let exact = [
            -x,
            x.abs(),
            x.max(y),
            V::splat(c),
            V::from_bits(x.to_bits()),
            V::select(x.cmp_lt(c), x, y),
            V::select(x.cmp_gt(c), y, x),
            V::select(x.cmp_eq(c) & y.cmp_gt(0.0), x, y),
            V::lookup(&table, w),
        ];
        let mut xw = w;
        xw ^= V::load_bits(Words([c.to_bits(); W]));
        let masks = [
            x.cmp_lt(c),
            x.cmp_gt(c),
            x.cmp_eq(c),
            w.nonzero(),
            (w & 7).nonzero(),
        ]
        .map(|m| Words([u64::from(V::mask_bits(m)); W]));
        let words = [
            w & V::load_bits(a.to_bits()),
            w | 0xF0F0,
            w ^ <V::Bits as Word>::splat(77),
            xw,
            w << 13,
            w >> 45,
            w.rotate_left(23),
            w.wrapping_add(<V::Bits as Word>::splat(u64::MAX - 3)),
            w.wrapping_sub(V::load_bits(b.to_bits())),
        ];
        let lanes = arith.iter().chain(&exact).map(|v| v.store()).collect();
        let words = words
            .iter()
            .map(|&v| V::store_bits(v))
            .chain(masks)
            .collect();
        (lanes, words)
    }

    /// The AVX-512 and AVX2 registers compute exactly what [`Lanes`] compute (which the
    /// tests above hold to `f64`), on every pair of edge values, where this CPU has them.
    #[test]
    fn the_registers_compute_what_lanes_compute() {
        let e = edges();
        let pairs: Vec<(f64, f64)> = e
            .iter()
            .flat_map(|&a| e.iter().map(move |&b| (a, b)))
            .collect();
        for (j, g) in groups(&pairs).into_iter().enumerate() {
            let a = Lanes(g.map(|p| p.0));
            let b = Lanes(g.map(|p| p.1));
            let c = e[j % e.len()];
            let u = Words(std::array::from_fn(|i| {
                a.0[i].to_bits().rotate_left(j as u32) ^ b.0[i].to_bits()
            }));
            let want = all_ops::<Lanes>(a, b, c, u);
            let mut kinds: Vec<(&str, Ops)> = Vec::new();
            #[cfg(target_arch = "x86_64")]
            {
                if Kernel::Avx512.supported() {
                    kinds.push(("zmm", all_ops::<avx512::Zmm>(a, b, c, u)));
                }
                if Kernel::Avx2.supported() {
                    kinds.push(("ymm", all_ops::<avx2::Ymm>(a, b, c, u)));
                }
            }
            for (kind, (got, got_words)) in kinds {
                assert_eq!(got_words, want.1, "{kind}: {a:?} {b:?} {c:e}");
                for (k, (g, w)) in got.iter().zip(&want.0).enumerate() {
                    for i in 0..W {
                        let ok = if k < 16 {
                            same(g.0[i], w.0[i])
                        } else {
                            g.0[i].to_bits() == w.0[i].to_bits()
                        };
                        assert!(ok, "{kind} op {k}, lane {i}: {:e} vs {:e}", g.0[i], w.0[i]);
                    }
                }
            }
        }
    }

    /// Every operation of [`Word`] on [`Words`] gives lane by lane what it gives on `u64`.
    #[test]
    fn every_word_operation_is_the_scalar_one() {
        let mut xs = vec![
            0u64,
            1,
            2,
            3,
            u64::MAX,
            1 << 63,
            (1 << 63) + 1,
            0x7FF0_0000_0000_0000,
            0x3FF0_0000_0000_0000,
            0x000F_FFFF_FFFF_FFFF,
            0xDEAD_BEEF_0123_4567,
        ];
        let mut s = 0x9E37_79B9_7F4A_7C15u64;
        for _ in 0..37 {
            s = s
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            xs.push(s ^ (s >> 29));
        }
        let pairs: Vec<(u64, u64)> = xs
            .iter()
            .flat_map(|&a| xs.iter().map(move |&b| (a, b)))
            .collect();
        for g in groups(&pairs) {
            let a = Words(g.map(|p| p.0));
            let b = Words(g.map(|p| p.1));
            let c = b.0[0];
            let mut x = a;
            x ^= b;
            let ops: [Case<Words, u64>; 11] = [
                ("a & b", a & b, |x, y, _| x & y),
                ("a | b", a | b, |x, y, _| x | y),
                ("a ^ b", a ^ b, |x, y, _| x ^ y),
                ("a ^= b", x, |x, y, _| x ^ y),
                ("a & c", a & c, |x, _, c| x & c),
                ("a | c", a | c, |x, _, c| x | c),
                ("a ^ c", a ^ c, |x, _, c| x ^ c),
                ("a + b", a.wrapping_add(b), |x, y, _| {
                    Word::wrapping_add(x, y)
                }),
                ("a - b", a.wrapping_sub(b), |x, y, _| {
                    Word::wrapping_sub(x, y)
                }),
                ("splat", Words::splat(c), |_, _, c| Word::splat(c)),
                ("a + c", a.wrapping_add(Word::splat(c)), |x, _, c| {
                    x.wrapping_add(c)
                }),
            ];
            for (name, words, f) in ops {
                for i in 0..W {
                    let (x, y) = (a.0[i], b.0[i]);
                    assert_eq!(words.0[i], f(x, y, c), "{name}: {x:#x} {y:#x} {c:#x}");
                }
            }
            for n in [0, 1, 3, 12, 17, 23, 45, 52, 62, 63] {
                let (l, r, rot) = (a << n, a >> n, a.rotate_left(n));
                for i in 0..W {
                    let x = a.0[i];
                    assert_eq!(l.0[i], x << n, "{x:#x} << {n}");
                    assert_eq!(r.0[i], x >> n, "{x:#x} >> {n}");
                    assert_eq!(rot.0[i], Word::rotate_left(x, n), "{x:#x} rotated by {n}");
                    assert_eq!(rot.0[i], x.rotate_left(n));
                }
            }
            for m in [a, a & 1, a & 2, a & c] {
                let nz = m.nonzero();
                for i in 0..W {
                    assert_eq!(nz.get(i), Word::nonzero(m.0[i]));
                    assert_eq!(nz.get(i), m.0[i] != 0);
                }
            }
        }
    }
}
