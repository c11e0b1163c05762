//! [`Zmm`]: eight draws in one AVX-512 register, the [`Real`] of the AVX-512 kernel.
//!
//! Every operation is one AVX-512 intrinsic (or two), the IEEE operation of the scalar
//! code lane by lane (no fused multiply-add, no reassociation, no approximation), so
//! [`Zmm`] computes the same bits as [`Lanes`] and `f64`. It exists because LLVM's
//! auto-vectorised lane loops of [`Lanes`] ran the simulation at about half this speed
//! (measured in docs/montecarlo.md): a comparison here gives a mask register, a select
//! is one blend, a table lookup one gather.
//!
//! # Where these values may exist
//!
//! Only inside code compiled for [`super::Kernel::Avx512`] by [`super::dispatch!`], which
//! runs only where the CPU has AVX-512 (F, BW, DQ, VL): the operations are
//! `#[inline(always)]`, so they are compiled into those functions with their instruction
//! set. A [`Zmm`] is made from [`Lanes`] by [`Vector::load`] and goes back by
//! [`Vector::store`]; nothing else makes one.

use std::ops::{Add, BitAnd, BitOr, BitXor, Div, Mul, Shl, Shr, Sub};

use core::arch::x86_64::*;

use super::{Lanes, Real, TABLE, Vector, W, Word, Words, mathfn};

/// Eight `f64` in an AVX-512 register (see the module's docs for where one may exist).
#[derive(Debug, Clone, Copy)]
#[repr(transparent)]
pub(crate) struct Zmm(__m512d);

/// Eight `u64` in an AVX-512 register: the bits of a [`Zmm`].
#[derive(Debug, Clone, Copy)]
#[repr(transparent)]
pub(crate) struct ZmmWords(__m512i);

/// Which lanes of a [`Zmm`] or [`ZmmWords`] comparison hold: bit `i` for lane `i`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ZmmMask(__mmask8);

impl BitAnd for ZmmMask {
    type Output = ZmmMask;
    #[inline(always)]
    fn bitand(self, o: ZmmMask) -> ZmmMask {
        ZmmMask(self.0 & o.0)
    }
}

/// Defines a binary operator of a register type as one intrinsic, and the same operator
/// with an element on the right (broadcast).
macro_rules! op {
    ($t:ident, $e:ty, $tr:ident, $f:ident, $simd:ident, $set1:expr) => {
        impl $tr for $t {
            type Output = $t;
            #[inline(always)]
            fn $f(self, o: $t) -> $t {
                // SAFETY: AVX-512F is available wherever a register value exists (see the
                // module's docs); register operations only.
                $t(unsafe { $simd(self.0, o.0) })
            }
        }
        impl $tr<$e> for $t {
            type Output = $t;
            #[inline(always)]
            fn $f(self, o: $e) -> $t {
                // SAFETY: as above.
                self.$f($t(unsafe { $set1(o) }))
            }
        }
    };
}

/// `_mm512_set1_epi64` of an unsigned word.
#[inline(always)]
unsafe fn set1_u64(x: u64) -> __m512i {
    // SAFETY: the caller runs with AVX-512F.
    unsafe { _mm512_set1_epi64(x as i64) }
}

op!(Zmm, f64, Add, add, _mm512_add_pd, _mm512_set1_pd);
op!(Zmm, f64, Sub, sub, _mm512_sub_pd, _mm512_set1_pd);
op!(Zmm, f64, Mul, mul, _mm512_mul_pd, _mm512_set1_pd);
op!(Zmm, f64, Div, div, _mm512_div_pd, _mm512_set1_pd);
op!(ZmmWords, u64, BitAnd, bitand, _mm512_and_si512, set1_u64);
op!(ZmmWords, u64, BitOr, bitor, _mm512_or_si512, set1_u64);
op!(ZmmWords, u64, BitXor, bitxor, _mm512_xor_si512, set1_u64);

super::derived_ops!(Zmm, ZmmWords);

impl Shl<u32> for ZmmWords {
    type Output = ZmmWords;
    #[inline(always)]
    fn shl(self, n: u32) -> ZmmWords {
        // SAFETY: AVX-512F (module docs). A constant amount becomes an immediate.
        ZmmWords(unsafe { _mm512_sllv_epi64(self.0, _mm512_set1_epi64(i64::from(n))) })
    }
}

impl Shr<u32> for ZmmWords {
    type Output = ZmmWords;
    #[inline(always)]
    fn shr(self, n: u32) -> ZmmWords {
        // SAFETY: as above.
        ZmmWords(unsafe { _mm512_srlv_epi64(self.0, _mm512_set1_epi64(i64::from(n))) })
    }
}

/// `a <op> c` for every lane, `OP` a `_CMP_*_OQ` predicate (ordered, quiet: false for
/// NaN, as Rust's `<`, `>`, `==`).
#[inline(always)]
fn cmp<const OP: i32>(a: Zmm, c: f64) -> ZmmMask {
    // SAFETY: AVX-512F (module docs); register operations only.
    ZmmMask(unsafe { _mm512_cmp_pd_mask::<OP>(a.0, _mm512_set1_pd(c)) })
}

impl Real for Zmm {
    type Bits = ZmmWords;
    type Mask = ZmmMask;

    #[inline(always)]
    fn splat(x: f64) -> Zmm {
        // SAFETY: AVX-512F (module docs).
        Zmm(unsafe { _mm512_set1_pd(x) })
    }
    #[inline(always)]
    fn exp(self) -> Zmm {
        mathfn::exp(self)
    }
    #[inline(always)]
    fn ln(self) -> Zmm {
        mathfn::ln(self)
    }
    #[inline(always)]
    fn max(self, other: Zmm) -> Zmm {
        // VMAXPD gives `a > b ? a : b`, `f64`'s max where `b` is not NaN; where `b` is NaN
        // the mask keeps `a`.
        // SAFETY: AVX-512F (module docs); register operations only.
        Zmm(unsafe {
            let (a, b) = (self.0, other.0);
            _mm512_mask_max_pd(a, _mm512_cmp_pd_mask::<_CMP_ORD_Q>(b, b), a, b)
        })
    }
    #[inline(always)]
    fn sqrt(self) -> Zmm {
        // SAFETY: AVX-512F (module docs).
        Zmm(unsafe { _mm512_sqrt_pd(self.0) })
    }
    #[inline(always)]
    fn to_bits(self) -> ZmmWords {
        // SAFETY: AVX-512F (module docs); a register cast.
        ZmmWords(unsafe { _mm512_castpd_si512(self.0) })
    }
    #[inline(always)]
    fn from_bits(bits: ZmmWords) -> Zmm {
        // SAFETY: AVX-512F (module docs); a register cast.
        Zmm(unsafe { _mm512_castsi512_pd(bits.0) })
    }
    #[inline(always)]
    fn cmp_lt(self, c: f64) -> ZmmMask {
        cmp::<_CMP_LT_OQ>(self, c)
    }
    #[inline(always)]
    fn cmp_gt(self, c: f64) -> ZmmMask {
        cmp::<_CMP_GT_OQ>(self, c)
    }
    #[inline(always)]
    fn cmp_eq(self, c: f64) -> ZmmMask {
        cmp::<_CMP_EQ_OQ>(self, c)
    }
    #[inline(always)]
    fn select(m: ZmmMask, a: Zmm, b: Zmm) -> Zmm {
        // SAFETY: AVX-512F (module docs). The blend takes its second operand where the
        // mask is set.
        Zmm(unsafe { _mm512_mask_blend_pd(m.0, b.0, a.0) })
    }
    #[inline(always)]
    fn lookup(table: &[f64; TABLE], i: ZmmWords) -> Zmm {
        // SAFETY: AVX-512F (module docs); every index is reduced modulo TABLE (a power of
        // two), within the table read (8 bytes apart).
        Zmm(unsafe {
            let at = _mm512_and_si512(i.0, _mm512_set1_epi64(TABLE as i64 - 1));
            _mm512_i64gather_pd::<8>(at, table.as_ptr().cast())
        })
    }
}

impl Word for ZmmWords {
    type Mask = ZmmMask;

    #[inline(always)]
    fn splat(x: u64) -> ZmmWords {
        // SAFETY: AVX-512F (module docs).
        ZmmWords(unsafe { set1_u64(x) })
    }
    #[inline(always)]
    fn wrapping_add(self, o: ZmmWords) -> ZmmWords {
        // SAFETY: AVX-512F (module docs); register operations only.
        ZmmWords(unsafe { _mm512_add_epi64(self.0, o.0) })
    }
    #[inline(always)]
    fn wrapping_sub(self, o: ZmmWords) -> ZmmWords {
        // SAFETY: as above.
        ZmmWords(unsafe { _mm512_sub_epi64(self.0, o.0) })
    }
    #[inline(always)]
    fn rotate_left(self, n: u32) -> ZmmWords {
        // SAFETY: as above. (A constant amount becomes an immediate.)
        ZmmWords(unsafe { _mm512_rolv_epi64(self.0, _mm512_set1_epi64(i64::from(n))) })
    }
    #[inline(always)]
    fn nonzero(self) -> ZmmMask {
        // SAFETY: as above.
        ZmmMask(unsafe { _mm512_test_epi64_mask(self.0, self.0) })
    }
}

impl Vector for Zmm {
    const COUNTS_IN_REGISTERS: bool = true;
    #[inline(always)]
    fn load(x: Lanes) -> Zmm {
        // SAFETY: AVX-512F (module docs); `Lanes` is eight `f64`, 64-byte aligned.
        Zmm(unsafe { _mm512_load_pd(x.0.as_ptr()) })
    }
    #[inline(always)]
    fn store(self) -> Lanes {
        let mut out = Lanes([0.0; W]);
        // SAFETY: as above.
        unsafe { _mm512_store_pd(out.0.as_mut_ptr(), self.0) };
        out
    }
    #[inline(always)]
    fn load_bits(w: Words) -> ZmmWords {
        // SAFETY: AVX-512F (module docs); `Words` is eight `u64`, 64-byte aligned.
        ZmmWords(unsafe { _mm512_load_si512(w.0.as_ptr().cast()) })
    }
    #[inline(always)]
    fn store_bits(b: ZmmWords) -> Words {
        let mut out = Words([0; W]);
        // SAFETY: as above.
        unsafe { _mm512_store_si512(out.0.as_mut_ptr().cast(), b.0) };
        out
    }
    #[inline(always)]
    fn mask_bits(m: ZmmMask) -> u8 {
        m.0
    }
    #[inline(always)]
    fn mask_words(m: ZmmMask) -> ZmmWords {
        // SAFETY: AVX-512DQ (module docs); register operation only.
        ZmmWords(unsafe { _mm512_movm_epi64(m.0) })
    }
    #[inline(always)]
    fn mul_add(self, a: Zmm, b: Zmm) -> Zmm {
        // SAFETY: AVX-512F (module docs); register operation only.
        Zmm(unsafe { _mm512_fmadd_pd(self.0, a.0, b.0) })
    }
    #[inline(always)]
    fn plus_zero_times(self, x: Zmm) -> Zmm {
        // SAFETY: AVX-512F (module docs); register operations only.
        Zmm(unsafe { _mm512_fmadd_pd(x.0, _mm512_setzero_pd(), self.0) })
    }
}
