//! Numbers the model's [`crate::model::step`] can run on: a single `f64` (deterministic
//! runs, one draw at a time) or [`Lanes`], [`W`] draws side by side (the Monte Carlo
//! engine), so that one written-once step serves both.
//!
//! Every operation on [`Lanes`] is the same IEEE operation applied lane by lane, and the
//! transcendental functions are fiscalsim's own ([`crate::mathfn`]) for both kinds, so
//! lane `i` of a [`Lanes`] computation has exactly the bits of the same computation on
//! `f64`. The compiler turns the lane loops into SIMD instructions.

// Lane loops index several arrays at once; they read as the SIMD they compile to.
#![allow(clippy::needless_range_loop)]

use std::ops::{Add, Div, Mul, Neg, Sub};

use crate::mathfn;

/// Number of draws in one [`Lanes`] value.
pub const W: usize = 8;

/// A number of the model: `f64` or [`Lanes`]. Arithmetic is IEEE, without fused
/// operations, so the two kinds agree bit for bit.
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
    /// `x` in every lane.
    fn splat(x: f64) -> Self;
    /// e^self ([`mathfn::exp`]).
    fn exp(self) -> Self;
    /// ln(self) ([`mathfn::ln`]).
    fn ln(self) -> Self;
    /// The larger of `self` and `other`, lane by lane; a NaN never wins (as `f64::max`).
    fn max(self, other: Self) -> Self;
}

/// The larger of `a` and `b`, NaN never winning; for equal values (±0) `b`.
#[inline(always)]
fn max1(a: f64, b: f64) -> f64 {
    if a > b || b.is_nan() { a } else { b }
}

impl Real for f64 {
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
        max1(self, other)
    }
}

/// [`W`] values, one per draw, operated on lane by lane.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
#[repr(C, align(64))]
pub struct Lanes(pub [f64; W]);

impl Lanes {
    /// Applies `f` to every lane.
    #[inline(always)]
    pub fn map(self, f: impl Fn(f64) -> f64) -> Lanes {
        let mut out = [0.0; W];
        for i in 0..W {
            out[i] = f(self.0[i]);
        }
        Lanes(out)
    }

    /// Combines two values lane by lane with `f`.
    #[inline(always)]
    pub fn zip(self, o: Lanes, f: impl Fn(f64, f64) -> f64) -> Lanes {
        let mut out = [0.0; W];
        for i in 0..W {
            out[i] = f(self.0[i], o.0[i]);
        }
        Lanes(out)
    }
}

impl Real for Lanes {
    #[inline(always)]
    fn splat(x: f64) -> Lanes {
        Lanes([x; W])
    }
    #[inline(always)]
    fn exp(self) -> Lanes {
        self.map(mathfn::exp)
    }
    #[inline(always)]
    fn ln(self) -> Lanes {
        self.map(mathfn::ln)
    }
    #[inline(always)]
    fn max(self, other: Lanes) -> Lanes {
        self.zip(other, max1)
    }
}

macro_rules! lane_op {
    ($tr:ident, $f:ident, $op:tt) => {
        impl $tr for Lanes {
            type Output = Lanes;
            #[inline(always)]
            fn $f(self, o: Lanes) -> Lanes {
                self.zip(o, |a, b| a $op b)
            }
        }
        impl $tr<f64> for Lanes {
            type Output = Lanes;
            #[inline(always)]
            fn $f(self, o: f64) -> Lanes {
                self.map(|a| a $op o)
            }
        }
        impl $tr<Lanes> for f64 {
            type Output = Lanes;
            #[inline(always)]
            fn $f(self, o: Lanes) -> Lanes {
                o.map(|b| self $op b)
            }
        }
    };
}

lane_op!(Add, add, +);
lane_op!(Sub, sub, -);
lane_op!(Mul, mul, *);
lane_op!(Div, div, /);

impl Neg for Lanes {
    type Output = Lanes;
    #[inline(always)]
    fn neg(self) -> Lanes {
        self.map(|a| -a)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
