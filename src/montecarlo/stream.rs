//! The random streams of the draws: Xoshiro256++ (the same sequence as `rand_xoshiro`'s
//! `Xoshiro256PlusPlus`), for one draw ([`Stream`]) or for [`W`] draws side by side
//! ([`StreamLanes`]), and the standard normals the shocks are made of.
//!
//! Normals come from the Box–Muller transform: two 64-bit outputs `a`, `b` give
//! u1 = 1 - a/2^64 rounded down to 52 bits (in (0, 1]) and t = b/2^64 (52 bits, in
//! [0, 1)), and the pair sqrt(-2 ln u1) (cos 2πt, sin 2πt). It has no rejection step, so
//! eight streams advance in lock-step in SIMD registers, and with fiscalsim's own `ln` and
//! `sin_cos_turns` ([`crate::mathfn`]) one draw alone gets exactly the same numbers as
//! the same draw among eight. The largest normal it can produce is
//! sqrt(-2 ln 2^-52) ≈ 8.49 in absolute value.
//!
//! The generator step, the uniforms and the normals are written once, generic over the
//! streams ([`Streams`]: [`Stream`] or [`StreamLanes`]) and their numbers
//! ([`crate::lanes::Real`]: `f64` or [`Lanes`], with bits `u64` or [`Words`]). With AVX-512
//! each operation on eight streams is one 512-bit instruction: the state words of
//! [`StreamLanes`] are four [`Words`], each one `zmm` register, and the Box–Muller
//! arithmetic runs on [`Lanes`] (see [`crate::lanes`] for why this takes intrinsics rather
//! than auto-vectorised loops); without AVX-512 they are lane loops.

// Lane loops index several arrays at once; they read as the SIMD they compile to.
#![allow(clippy::needless_range_loop)]

use std::convert::Infallible;

use rand::TryRng;

use crate::lanes::{Lanes, Real, Scalar, W, Word, Words};
use crate::mathfn;

/// One Xoshiro256++ stream (256 bits of state).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stream {
    s: [u64; 4],
}

/// One Xoshiro256++ step: returns the output and advances `s` (of one stream, `u64`, or
/// of [`W`] streams, [`Words`]).
#[inline(always)]
fn advance<U: Word>(s0: &mut U, s1: &mut U, s2: &mut U, s3: &mut U) -> U {
    let out = s0.wrapping_add(*s3).rotate_left(23).wrapping_add(*s0);
    let t = *s1 << 17;
    *s2 ^= *s0;
    *s3 ^= *s1;
    *s1 ^= *s2;
    *s0 ^= *s3;
    *s2 ^= t;
    *s3 = s3.rotate_left(45);
    out
}

impl Stream {
    /// The stream with state words `s` (not all zero).
    pub fn from_words(s: [u64; 4]) -> Stream {
        Stream { s }
    }

    /// The next 64 random bits.
    #[inline(always)]
    pub fn next_word(&mut self) -> u64 {
        let [a, b, c, d] = &mut self.s;
        advance(a, b, c, d)
    }
}

impl TryRng for Stream {
    type Error = Infallible;

    #[inline]
    fn try_next_u32(&mut self) -> Result<u32, Infallible> {
        Ok((self.next_word() >> 32) as u32)
    }

    #[inline]
    fn try_next_u64(&mut self) -> Result<u64, Infallible> {
        Ok(self.next_word())
    }

    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Infallible> {
        rand::rand_core::utils::fill_bytes_via_next_word(dst, || self.try_next_u64())
    }
}

/// [`W`] streams advanced together (structure of arrays: word k of lane i is `s[k].0[i]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(C, align(64))]
pub struct StreamLanes {
    s: [Words; 4],
}

impl StreamLanes {
    /// Lane `i` is `lanes[i]`.
    pub fn new(lanes: [Stream; W]) -> StreamLanes {
        let mut s = [Words::default(); 4];
        for (i, l) in lanes.iter().enumerate() {
            for k in 0..4 {
                s[k].0[i] = l.s[k];
            }
        }
        StreamLanes { s }
    }

    /// The next 64 random bits of every lane.
    #[inline(always)]
    pub fn next_words(&mut self) -> Words {
        let [s0, s1, s2, s3] = &mut self.s;
        advance(s0, s1, s2, s3)
    }

    /// Lane `i` as a stream of its own.
    pub fn get(&self, i: usize) -> Stream {
        Stream {
            s: [
                self.s[0].0[i],
                self.s[1].0[i],
                self.s[2].0[i],
                self.s[3].0[i],
            ],
        }
    }

    /// Replaces lane `i`.
    pub fn set(&mut self, i: usize, st: Stream) {
        for k in 0..4 {
            self.s[k].0[i] = st.s[k];
        }
    }
}

/// One stream ([`Stream`], numbers `f64`) or [`W`] streams side by side ([`StreamLanes`],
/// numbers [`Lanes`]): what [`normals`] draws from.
pub trait Streams {
    /// The numbers the streams give: `f64`, or [`Lanes`].
    type Real: Real;
    /// The next 64 random bits of every stream.
    fn next_bits(&mut self) -> <Self::Real as Real>::Bits;
}

impl Streams for Stream {
    type Real = f64;
    #[inline(always)]
    fn next_bits(&mut self) -> u64 {
        self.next_word()
    }
}

impl Streams for StreamLanes {
    type Real = Lanes;
    #[inline(always)]
    fn next_bits(&mut self) -> Words {
        self.next_words()
    }
}

/// The 52 high bits of `x` as a number in [0, 1).
#[inline(always)]
fn unit<R: Real>(x: R::Bits) -> R {
    R::from_bits((x >> 12) | 0x3FF0_0000_0000_0000) - 1.0
}

/// Two independent standard normals from two 64-bit random words (Box–Muller), for one
/// pair of words (`R` is `f64`) or [`W`] pairs (`R` is [`Lanes`]).
#[inline(always)]
pub fn normal_pair<R: Real>(a: R::Bits, b: R::Bits) -> (R, R)
where
    f64: Scalar<R>,
{
    let u1 = 1.0 - unit::<R>(a);
    let r = (-2.0 * mathfn::ln(u1)).sqrt();
    let (s, c) = mathfn::sin_cos_turns(unit::<R>(b));
    (r * c, r * s)
}

/// `N` standard normals (N even) of every stream: pairs from consecutive words. Lane `i`
/// of a [`StreamLanes`] gets exactly what its lane alone ([`StreamLanes::get`]) gets.
#[inline(always)]
pub fn normals<const N: usize, S: Streams>(rng: &mut S) -> [S::Real; N]
where
    f64: Scalar<S::Real>,
{
    let mut z = [S::Real::splat(0.0); N];
    for p in 0..N / 2 {
        let a = rng.next_bits();
        let b = rng.next_bits();
        (z[2 * p], z[2 * p + 1]) = normal_pair(a, b);
    }
    z
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};
    use rand_xoshiro::Xoshiro256PlusPlus;

    #[test]
    fn the_stream_is_xoshiro256_plus_plus() {
        let words = [1u64, 2, 3, 0xDEAD_BEEF_0123_4567];
        let mut bytes = [0u8; 32];
        for (c, w) in bytes.chunks_exact_mut(8).zip(words) {
            c.copy_from_slice(&w.to_le_bytes());
        }
        let mut reference = Xoshiro256PlusPlus::from_seed(bytes);
        let mut ours = Stream::from_words(words);
        for _ in 0..1000 {
            assert_eq!(ours.next_u64(), reference.next_u64());
        }
        assert_eq!(ours.next_u32(), reference.next_u32());
    }

    #[test]
    fn lanes_are_independent_streams_giving_the_same_normals() {
        let streams: [Stream; W] =
            std::array::from_fn(|i| Stream::from_words([i as u64 + 1, 7, 11 * i as u64, 3]));
        let mut lanes = StreamLanes::new(streams);
        let mut single = streams;
        for _ in 0..50 {
            let z = normals::<6, _>(&mut lanes);
            for i in 0..W {
                let zi = normals::<6, _>(&mut single[i]);
                for k in 0..6 {
                    assert_eq!(z[k].0[i].to_bits(), zi[k].to_bits());
                }
            }
        }
        for (i, s) in single.iter().enumerate() {
            assert_eq!(lanes.get(i), *s);
        }
    }

    #[test]
    fn normals_have_the_moments_and_tails_of_a_standard_normal() {
        let mut rng = Stream::from_words([0x1234, 0x5678, 0x9ABC, 0xDEF0]);
        let n = 600_000;
        let (mut s1, mut s2, mut s4, mut beyond2, mut beyond3) = (0.0, 0.0, 0.0, 0, 0);
        for _ in 0..n / 6 {
            for z in normals::<6, _>(&mut rng) {
                s1 += z;
                s2 += z * z;
                s4 += z * z * z * z;
                beyond2 += usize::from(z.abs() > 2.0);
                beyond3 += usize::from(z.abs() > 3.0);
            }
        }
        let nf = n as f64;
        let mean = s1 / nf;
        let var = s2 / nf - mean * mean;
        assert!(mean.abs() < 4.0 / nf.sqrt(), "mean {mean}");
        assert!(
            (var - 1.0).abs() < 4.0 * (2.0 / nf).sqrt(),
            "variance {var}"
        );
        assert!(
            (s4 / nf - 3.0).abs() < 4.0 * (96.0 / nf).sqrt(),
            "kurtosis {}",
            s4 / nf
        );
        // P(|z| > 2) = 0.0455003, P(|z| > 3) = 0.0026998.
        let p2 = beyond2 as f64 / nf;
        let p3 = beyond3 as f64 / nf;
        assert!(
            (p2 - 0.0455003).abs() < 4.0 * (0.0455 * 0.9545 / nf).sqrt(),
            "{p2}"
        );
        assert!(
            (p3 - 0.0026998).abs() < 4.0 * (0.0027 * 0.9973 / nf).sqrt(),
            "{p3}"
        );
    }

    /// Box–Muller on eight pairs of words at once gives each pair's scalar normals, for
    /// extreme words (u1 = 1 and u1 = 2^-52, t at quadrant points) and random ones.
    #[test]
    fn normal_pairs_in_lanes_are_the_scalar_ones() {
        let mut words = vec![
            0,
            1,
            u64::MAX,
            u64::MAX - 1,
            1 << 63,
            1 << 62,
            3 << 62,
            1 << 12,
            0xFFF,
        ];
        let mut rng = Stream::from_words([5, 6, 7, 8]);
        words.extend((0..1000).map(|_| rng.next_word()));
        let pairs: Vec<(u64, u64)> = words
            .iter()
            .flat_map(|&a| words[..9].iter().map(move |&b| [(a, b), (b, a)]))
            .flatten()
            .collect();
        for c in pairs.chunks(W) {
            let p: [(u64, u64); W] = std::array::from_fn(|i| c[i % c.len()]);
            let (x, y) = normal_pair::<Lanes>(Words(p.map(|q| q.0)), Words(p.map(|q| q.1)));
            for i in 0..W {
                let (xs, ys) = normal_pair::<f64>(p[i].0, p[i].1);
                assert_eq!(
                    (x.0[i].to_bits(), y.0[i].to_bits()),
                    (xs.to_bits(), ys.to_bits()),
                    "words {:#x} {:#x}",
                    p[i].0,
                    p[i].1
                );
            }
        }
    }

    #[test]
    fn extreme_words_give_finite_normals() {
        for (a, b) in [(0, 0), (u64::MAX, u64::MAX), (u64::MAX, 0), (0, u64::MAX)] {
            let (x, y) = normal_pair::<f64>(a, b);
            assert!(x.is_finite() && y.is_finite(), "{a} {b}: {x} {y}");
            assert!(x.abs() <= 8.5 && y.abs() <= 8.5);
        }
    }
}
