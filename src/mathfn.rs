//! Placeholder: replaced by the portable implementations.
#![allow(missing_docs)]
#[inline(always)]
pub fn exp(x: f64) -> f64 {
    x.exp()
}
#[inline(always)]
pub fn ln(x: f64) -> f64 {
    x.ln()
}
#[inline(always)]
pub fn sin_cos_turns(t: f64) -> (f64, f64) {
    (std::f64::consts::TAU * t).sin_cos()
}
