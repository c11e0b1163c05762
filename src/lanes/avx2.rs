//! [`Ymm`]: eight draws in two AVX2 registers, the [`Real`] of the AVX2 kernel.
//!
//! Every operation is the AVX2 instruction (or two or three) of the IEEE operation of the
//! scalar code, on each half (no fused multiply-add, no reassociation, no
//! approximation), so [`Ymm`] computes the same bits as [`Lanes`] and `f64`. It exists
//! because LLVM's auto-vectorised lane loops of [`Lanes`] drew the shocks 2.7 times slower
//! in `ymm` registers than [`super::avx512::Zmm`] in `zmm` ones (docs/montecarlo.md): here
//! a comparison is one `vcmppd`, a select one `vblendvpd`, a table lookup one gather per
//! half.
//!
//! # Where these values may exist
//!
//! Only inside code compiled for [`super::Kernel::Avx2`] or [`super::Kernel::Avx512`]
//! by [`super::dispatch!`], which runs only where the CPU has AVX2: the operations are
//! `#[inline(always)]`, so they are compiled into those functions with their instruction
//! set. A [`Ymm`] is made from [`Lanes`] by [`Vector::load`] and goes back by
//! [`Vector::store`]; nothing else makes one.

use std::ops::{Add, BitAnd, BitOr, BitXor, Div, Mul, Shl, Shr, Sub};

use core::arch::x86_64::*;

use super::{Lanes, Real, TABLE, Vector, W, Word, Words, mathfn};

/// Eight `f64` in two AVX2 registers, lanes 0-3 and 4-7 (see the module's docs for where
/// one may exist).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Ymm([__m256d; 2]);

/// Eight `u64` in two AVX2 registers: the bits of a [`Ymm`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct YmmWords([__m256i; 2]);

/// Which lanes of a [`Ymm`] or [`YmmWords`] comparison hold: all ones where it holds.
#[derive(Debug, Clone, Copy)]
pub(crate) struct YmmMask([__m256i; 2]);

/// `f` on both halves.
#[inline(always)]
fn both<T: Copy, U>(a: [T; 2], f: impl Fn(T) -> U) -> [U; 2] {
    [f(a[0]), f(a[1])]
}

/// `f` on both halves of two values.
#[inline(always)]
fn both2<T: Copy, U>(a: [T; 2], b: [T; 2], f: impl Fn(T, T) -> U) -> [U; 2] {
    [f(a[0], b[0]), f(a[1], b[1])]
}

impl BitAnd for YmmMask {
    type Output = YmmMask;
    #[inline(always)]
    fn bitand(self, o: YmmMask) -> YmmMask {
        // SAFETY: AVX2 is available wherever a register value exists (module docs).
        YmmMask(both2(self.0, o.0, |a, b| unsafe { _mm256_and_si256(a, b) }))
    }
}

/// Defines a binary operator of a register type as one intrinsic per half, and the same
/// operator with an element on the right (broadcast).
macro_rules! op {
    ($t:ident, $e:ty, $tr:ident, $f:ident, $simd:ident, $set1:expr) => {
        impl $tr for $t {
            type Output = $t;
            #[inline(always)]
            fn $f(self, o: $t) -> $t {
                // SAFETY: AVX2 is available wherever a register value exists (see the
                // module's docs); register operations only.
                $t(both2(self.0, o.0, |a, b| unsafe { $simd(a, b) }))
            }
        }
        impl $tr<$e> for $t {
            type Output = $t;
            #[inline(always)]
            fn $f(self, o: $e) -> $t {
                // SAFETY: as above.
                let c = unsafe { $set1(o) };
                self.$f($t([c, c]))
            }
        }
    };
}

/// `_mm256_set1_epi64x` of an unsigned word.
#[inline(always)]
unsafe fn set1_u64(x: u64) -> __m256i {
    // SAFETY: the caller runs with AVX.
    unsafe { _mm256_set1_epi64x(x as i64) }
}

op!(Ymm, f64, Add, add, _mm256_add_pd, _mm256_set1_pd);
op!(Ymm, f64, Sub, sub, _mm256_sub_pd, _mm256_set1_pd);
op!(Ymm, f64, Mul, mul, _mm256_mul_pd, _mm256_set1_pd);
op!(Ymm, f64, Div, div, _mm256_div_pd, _mm256_set1_pd);
op!(YmmWords, u64, BitAnd, bitand, _mm256_and_si256, set1_u64);
op!(YmmWords, u64, BitOr, bitor, _mm256_or_si256, set1_u64);
op!(YmmWords, u64, BitXor, bitxor, _mm256_xor_si256, set1_u64);

super::derived_ops!(Ymm, YmmWords);

impl Shl<u32> for YmmWords {
    type Output = YmmWords;
    #[inline(always)]
    fn shl(self, n: u32) -> YmmWords {
        // SAFETY: AVX2 (module docs). Amounts of 64 and more give 0, as `u64` would not.
        YmmWords(both(self.0, |a| unsafe {
            _mm256_sllv_epi64(a, set1_u64(u64::from(n)))
        }))
    }
}

impl Shr<u32> for YmmWords {
    type Output = YmmWords;
    #[inline(always)]
    fn shr(self, n: u32) -> YmmWords {
        // SAFETY: as above.
        YmmWords(both(self.0, |a| unsafe {
            _mm256_srlv_epi64(a, set1_u64(u64::from(n)))
        }))
    }
}

/// `a <op> c` for every lane, `OP` a `_CMP_*_OQ` predicate (ordered, quiet: false for
/// NaN, as Rust's `<`, `>`, `==`).
#[inline(always)]
fn cmp<const OP: i32>(a: Ymm, c: f64) -> YmmMask {
    // SAFETY: AVX2 (module docs); register operations only.
    YmmMask(both(a.0, |x| unsafe {
        _mm256_castpd_si256(_mm256_cmp_pd::<OP>(x, _mm256_set1_pd(c)))
    }))
}

impl Real for Ymm {
    type Bits = YmmWords;
    type Mask = YmmMask;

    #[inline(always)]
    fn splat(x: f64) -> Ymm {
        // SAFETY: AVX2 (module docs).
        let v = unsafe { _mm256_set1_pd(x) };
        Ymm([v, v])
    }
    #[inline(always)]
    fn exp(self) -> Ymm {
        mathfn::exp(self)
    }
    #[inline(always)]
    fn ln(self) -> Ymm {
        mathfn::ln(self)
    }
    #[inline(always)]
    fn max(self, other: Ymm) -> Ymm {
        // VMAXPD gives `a > b ? a : b`, `f64`'s max where `b` is not NaN; where `b` is NaN
        // the blend keeps `a`.
        // SAFETY: AVX2 (module docs); register operations only.
        Ymm(both2(self.0, other.0, |a, b| unsafe {
            let b_nan = _mm256_cmp_pd::<_CMP_UNORD_Q>(b, b);
            _mm256_blendv_pd(_mm256_max_pd(a, b), a, b_nan)
        }))
    }
    #[inline(always)]
    fn sqrt(self) -> Ymm {
        // SAFETY: AVX2 (module docs).
        Ymm(both(self.0, |a| unsafe { _mm256_sqrt_pd(a) }))
    }
    #[inline(always)]
    fn to_bits(self) -> YmmWords {
        // SAFETY: AVX2 (module docs); a register cast.
        YmmWords(both(self.0, |a| unsafe { _mm256_castpd_si256(a) }))
    }
    #[inline(always)]
    fn from_bits(bits: YmmWords) -> Ymm {
        // SAFETY: AVX2 (module docs); a register cast.
        Ymm(both(bits.0, |a| unsafe { _mm256_castsi256_pd(a) }))
    }
    #[inline(always)]
    fn cmp_lt(self, c: f64) -> YmmMask {
        cmp::<_CMP_LT_OQ>(self, c)
    }
    #[inline(always)]
    fn cmp_gt(self, c: f64) -> YmmMask {
        cmp::<_CMP_GT_OQ>(self, c)
    }
    #[inline(always)]
    fn cmp_eq(self, c: f64) -> YmmMask {
        cmp::<_CMP_EQ_OQ>(self, c)
    }
    #[inline(always)]
    fn select(m: YmmMask, a: Ymm, b: Ymm) -> Ymm {
        // SAFETY: AVX2 (module docs). The blend takes its second operand where the mask's
        // sign bit is set (the mask is all ones or all zeros in each lane).
        let pick =
            |i: usize| unsafe { _mm256_blendv_pd(b.0[i], a.0[i], _mm256_castsi256_pd(m.0[i])) };
        Ymm([pick(0), pick(1)])
    }
    #[inline(always)]
    fn lookup(table: &[f64; TABLE], i: YmmWords) -> Ymm {
        // SAFETY: AVX2 (module docs); every index is reduced modulo TABLE (a power of
        // two), within the table read (8 bytes apart).
        Ymm(both(i.0, |k| unsafe {
            let at = _mm256_and_si256(k, set1_u64(TABLE as u64 - 1));
            _mm256_i64gather_pd::<8>(table.as_ptr(), at)
        }))
    }
}

impl Word for YmmWords {
    type Mask = YmmMask;

    #[inline(always)]
    fn splat(x: u64) -> YmmWords {
        // SAFETY: AVX2 (module docs).
        let v = unsafe { set1_u64(x) };
        YmmWords([v, v])
    }
    #[inline(always)]
    fn wrapping_add(self, o: YmmWords) -> YmmWords {
        // SAFETY: AVX2 (module docs); register operations only.
        YmmWords(both2(self.0, o.0, |a, b| unsafe { _mm256_add_epi64(a, b) }))
    }
    #[inline(always)]
    fn wrapping_sub(self, o: YmmWords) -> YmmWords {
        // SAFETY: as above.
        YmmWords(both2(self.0, o.0, |a, b| unsafe { _mm256_sub_epi64(a, b) }))
    }
    #[inline(always)]
    fn rotate_left(self, n: u32) -> YmmWords {
        // (x << n) | (x >> (64 - n)); for n = 0 the right shift by 64 gives 0.
        (self << n) | (self >> (64 - n))
    }
    #[inline(always)]
    fn nonzero(self) -> YmmMask {
        // SAFETY: as above: all ones where the word is not 0.
        YmmMask(both(self.0, |a| unsafe {
            let zero = _mm256_cmpeq_epi64(a, _mm256_setzero_si256());
            _mm256_xor_si256(zero, _mm256_set1_epi64x(-1))
        }))
    }
}

impl Vector for Ymm {
    const COUNTS_IN_REGISTERS: bool = true;
    #[inline(always)]
    fn load(x: Lanes) -> Ymm {
        let p = x.0.as_ptr();
        // SAFETY: AVX2 (module docs); `Lanes` is eight `f64`, 64-byte aligned.
        Ymm(unsafe { [_mm256_load_pd(p), _mm256_load_pd(p.add(4))] })
    }
    #[inline(always)]
    fn store(self) -> Lanes {
        let mut out = Lanes([0.0; W]);
        let p = out.0.as_mut_ptr();
        // SAFETY: as above.
        unsafe {
            _mm256_store_pd(p, self.0[0]);
            _mm256_store_pd(p.add(4), self.0[1]);
        }
        out
    }
    #[inline(always)]
    fn load_bits(w: Words) -> YmmWords {
        let p = w.0.as_ptr().cast::<__m256i>();
        // SAFETY: AVX2 (module docs); `Words` is eight `u64`, 64-byte aligned.
        YmmWords(unsafe { [_mm256_load_si256(p), _mm256_load_si256(p.add(1))] })
    }
    #[inline(always)]
    fn store_bits(b: YmmWords) -> Words {
        let mut out = Words([0; W]);
        let p = out.0.as_mut_ptr().cast::<__m256i>();
        // SAFETY: as above.
        unsafe {
            _mm256_store_si256(p, b.0[0]);
            _mm256_store_si256(p.add(1), b.0[1]);
        }
        out
    }
    #[inline(always)]
    fn mask_bits(m: YmmMask) -> u8 {
        // SAFETY: AVX2 (module docs); the sign bit of each lane.
        let bits = |h: __m256i| unsafe { _mm256_movemask_pd(_mm256_castsi256_pd(h)) as u8 };
        bits(m.0[0]) | bits(m.0[1]) << 4
    }
    #[inline(always)]
    fn mask_words(m: YmmMask) -> YmmWords {
        YmmWords(m.0)
    }
    #[inline(always)]
    fn mul_add(self, a: Ymm, b: Ymm) -> Ymm {
        // SAFETY: AVX2 and FMA (module docs: the AVX2 kernel's functions enable both).
        let f = |i: usize| unsafe { _mm256_fmadd_pd(self.0[i], a.0[i], b.0[i]) };
        Ymm([f(0), f(1)])
    }
    #[inline(always)]
    fn plus_zero_times(self, x: Ymm) -> Ymm {
        // SAFETY: AVX2 and FMA (module docs: the AVX2 kernel's functions enable both).
        let f = |i: usize| unsafe { _mm256_fmadd_pd(x.0[i], _mm256_setzero_pd(), self.0[i]) };
        Ymm([f(0), f(1)])
    }
}
