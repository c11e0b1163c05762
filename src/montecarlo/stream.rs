//! The random streams of the draws: Xoshiro256++ (the same sequence as `rand_xoshiro`'s
//! `Xoshiro256PlusPlus`), for one draw ([`Stream`]) or for [`W`] draws side by side
//! ([`StreamLanes`]), and the standard normals the shocks are made of.
//!
//! Normals come from the ziggurat method ([`super::ziggurat`]): one 64-bit word per normal
//! in about 996 cases of 1000, more words in the others. Eight streams take the common
//! path together in SIMD registers; a lane that needs more words finishes alone on its
//! own stream with the code a single stream runs, so one draw alone gets exactly the same
//! numbers as the same draw among eight.
//!
//! The generator step and the uniforms are written once, generic over the streams
//! ([`Streams`]: [`Stream`] or [`StreamLanes`]) and their numbers
//! ([`crate::lanes::Real`]: `f64` or [`Lanes`], with bits `u64` or [`Words`]). With AVX-512
//! each operation on eight streams is one 512-bit instruction: the state words of
//! [`StreamLanes`] are four [`Words`], each one `zmm` register (see [`crate::lanes`] for
//! why this takes intrinsics rather than auto-vectorised loops); without AVX-512 they are
//! lane loops.

// Lane loops index several arrays at once; they read as the SIMD they compile to.
#![allow(clippy::needless_range_loop)]

use std::convert::Infallible;

use rand::TryRng;

use super::ziggurat::{self, Ziggurat};
use crate::lanes::{Lanes, Real, Scalar, Vector, W, Word, Words};

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
    pub(crate) fn from_words(s: [u64; 4]) -> Stream {
        Stream { s }
    }

    /// The next 64 random bits.
    #[inline(always)]
    pub(crate) fn next_word(&mut self) -> u64 {
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

    /// Lane `i` as a stream of its own.
    pub(crate) fn get(&self, i: usize) -> Stream {
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
    pub(crate) fn set(&mut self, i: usize, st: Stream) {
        for k in 0..4 {
            self.s[k].0[i] = st.s[k];
        }
    }
}

/// One stream ([`Stream`], numbers `f64`) or [`W`] streams side by side ([`StreamLanes`],
/// numbers [`Lanes`]): what [`normals`] draws from.
pub(crate) trait Streams {
    /// The numbers the streams give: `f64`, or [`Lanes`].
    type Real: Real;
    /// The next 64 random bits of every stream.
    fn next_bits(&mut self) -> <Self::Real as Real>::Bits;
    /// The normals of the words `w` whose fast path gave `x` (see [`ziggurat::fast`]),
    /// finishing with [`ziggurat::slow`] where it did not hold (`inside` not set).
    fn complete(
        &mut self,
        z: &Ziggurat,
        w: <Self::Real as Real>::Bits,
        x: Self::Real,
        inside: <Self::Real as Real>::Mask,
    ) -> Self::Real;
}

impl Streams for Stream {
    type Real = f64;
    #[inline(always)]
    fn next_bits(&mut self) -> u64 {
        self.next_word()
    }
    #[inline(always)]
    fn complete(&mut self, z: &Ziggurat, w: u64, x: f64, inside: bool) -> f64 {
        if inside {
            x
        } else {
            ziggurat::slow(z, self, w)
        }
    }
}

/// [`W`] streams in the registers of a kernel ([`Vector`]: [`Lanes`] or the AVX-512
/// registers), loaded from a [`StreamLanes`] and stored back to it.
#[derive(Clone, Copy)]
pub(crate) struct StreamRegs<V: Vector> {
    s: [V::Bits; 4],
}

impl<V: Vector> StreamRegs<V> {
    /// The streams of `st`.
    #[inline(always)]
    pub(crate) fn load(st: &StreamLanes) -> StreamRegs<V> {
        let [a, b, c, d] = st.s;
        StreamRegs {
            s: [
                V::load_bits(a),
                V::load_bits(b),
                V::load_bits(c),
                V::load_bits(d),
            ],
        }
    }

    /// The streams, back into `st`.
    #[inline(always)]
    pub(crate) fn store(&self, st: &mut StreamLanes) {
        let [a, b, c, d] = self.s;
        st.s = [
            V::store_bits(a),
            V::store_bits(b),
            V::store_bits(c),
            V::store_bits(d),
        ];
    }
}

impl<V: Vector> Streams for StreamRegs<V> {
    type Real = V;
    #[inline(always)]
    fn next_bits(&mut self) -> V::Bits {
        let [s0, s1, s2, s3] = &mut self.s;
        advance(s0, s1, s2, s3)
    }
    #[inline(always)]
    fn complete(&mut self, z: &Ziggurat, w: V::Bits, x: V, inside: V::Mask) -> V {
        let outside = !V::mask_bits(inside);
        if outside == 0 {
            x
        } else {
            let mut st = StreamLanes {
                s: [Words([0; W]); 4],
            };
            self.store(&mut st);
            let x = st.complete_lanes(z, V::store_bits(w), x.store(), outside);
            *self = StreamRegs::load(&st);
            V::load(x)
        }
    }
}

impl StreamLanes {
    /// [`Streams::complete`] for the lanes of the bits of `outside`: each on its own.
    #[cold]
    #[inline(never)]
    fn complete_lanes(&mut self, z: &Ziggurat, w: Words, mut x: Lanes, mut outside: u8) -> Lanes {
        while outside != 0 {
            let i = outside.trailing_zeros() as usize;
            outside &= outside - 1;
            let mut one = self.get(i);
            x.0[i] = ziggurat::slow(z, &mut one, w.0[i]);
            self.set(i, one);
        }
        x
    }
}

/// The 52 high bits of `x` as a number in [0, 1).
#[inline(always)]
pub(super) fn unit<R: Real>(x: R::Bits) -> R {
    R::from_bits((x >> 12) | 0x3FF0_0000_0000_0000) - 1.0
}

/// `N` standard normals of every stream, in order (see [`super::ziggurat`]). Lane `i` of
/// a [`StreamLanes`] gets exactly what its lane alone ([`StreamLanes::get`]) gets.
#[inline(always)]
pub(crate) fn normals<const N: usize, S: Streams>(rng: &mut S) -> [S::Real; N]
where
    f64: Scalar<S::Real>,
{
    let z = ziggurat::tables();
    // A loop, not `array::from_fn`, which would not be inlined into the kernels.
    let mut out = [<S::Real as Real>::splat(0.0); N];
    for o in out.iter_mut() {
        let w = rng.next_bits();
        let (x, inside) = ziggurat::fast::<S::Real>(z, w);
        *o = rng.complete(z, w, x, inside);
    }
    out
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

    /// Six normals of one stream.
    fn six_normals(s: &mut Stream) -> [f64; 6] {
        normals::<6, _>(s)
    }

    /// Eight streams in lanes (in the registers of kernel `V`) get exactly the normals
    /// of each stream alone, through every path of the ziggurat: the fast one, wedges,
    /// restarts and the tail (about 1 normal in 19,000 lies beyond R, so 1.2 million
    /// normals give some 60 of them). Returns how many lay beyond R.
    fn lanes_give_the_normals_of_each_stream<V: Vector>() -> usize
    where
        f64: Scalar<V>,
    {
        let streams: [Stream; W] =
            std::array::from_fn(|i| Stream::from_words([i as u64 + 1, 7, 11 * i as u64, 3]));
        let mut lanes = StreamLanes::new(streams);
        let mut single = streams;
        let mut beyond = 0;
        for _ in 0..25_000 {
            let mut regs = StreamRegs::<V>::load(&lanes);
            let z = normals::<6, _>(&mut regs).map(V::store);
            regs.store(&mut lanes);
            for i in 0..W {
                let zi = six_normals(&mut single[i]);
                for k in 0..6 {
                    assert_eq!(z[k].0[i].to_bits(), zi[k].to_bits());
                    beyond += usize::from(zi[k].abs() >= ziggurat::R);
                }
            }
        }
        for (i, s) in single.iter().enumerate() {
            assert_eq!(lanes.get(i), *s);
        }
        beyond
    }

    #[test]
    fn lanes_are_independent_streams_giving_the_same_normals() {
        let beyond = lanes_give_the_normals_of_each_stream::<Lanes>();
        assert!(beyond > 20, "{beyond} tail values");
        #[cfg(target_arch = "x86_64")]
        {
            use crate::lanes::{Kernel, avx2::Ymm, avx512::Zmm};
            if Kernel::Avx512.supported() {
                assert_eq!(lanes_give_the_normals_of_each_stream::<Zmm>(), beyond);
            }
            if Kernel::Avx2.supported() {
                assert_eq!(lanes_give_the_normals_of_each_stream::<Ymm>(), beyond);
            }
        }
    }

    /// Two million normals against the standard normal law: moments, tail frequencies
    /// (beyond 1 to 4, and beyond the ziggurat's R, all from the tail path), and a
    /// chi-square test over 48 bins of width 0.25 on [-6, 6] (probabilities by Simpson's
    /// rule on the density).
    #[test]
    fn normals_follow_the_standard_normal_law() {
        let mut rng = Stream::from_words([0x1234, 0x5678, 0x9ABC, 0xDEF0]);
        let n = 2_000_004;
        let (mut s1, mut s2, mut s4) = (0.0, 0.0, 0.0);
        let bounds = [1.0, 2.0, 3.0, 4.0, ziggurat::R];
        let mut beyond = [0usize; 5];
        const BINS: usize = 48;
        let mut bins = [0usize; BINS + 2];
        for _ in 0..n / 6 {
            for z in normals::<6, _>(&mut rng) {
                s1 += z;
                s2 += z * z;
                s4 += z * z * z * z;
                for (b, c) in bounds.iter().zip(beyond.iter_mut()) {
                    *c += usize::from(z.abs() > *b);
                }
                let at = ((z + 6.0) / 0.25).floor();
                bins[if at < 0.0 {
                    0
                } else {
                    (at as usize + 1).min(BINS + 1)
                }] += 1;
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
        // P(|z| > b) = erfc(b / sqrt 2).
        let expected = [
            0.317_310_507_862_914_15,
            0.045_500_263_896_358_44,
            0.002_699_796_063_260_191_3,
            6.334_248_366_623_993e-5,
            5.371_393_460_685_53e-5,
        ];
        for ((b, &c), p) in bounds.iter().zip(&beyond).zip(expected) {
            let share = c as f64 / nf;
            assert!(
                (share - p).abs() < 4.0 * (p * (1.0 - p) / nf).sqrt(),
                "P(|z| > {b}) = {share}, not {p}"
            );
        }
        // Chi-square with 47 degrees of freedom (the two outer bins hold about 4 values
        // together and are left out): mean 47, sd 9.7; 99.9999th percentile about 100.
        let density = |x: f64| (-0.5 * x * x).exp() / (2.0 * std::f64::consts::PI).sqrt();
        let mut chi = 0.0;
        for k in 0..BINS {
            let (a, h) = (-6.0 + 0.25 * k as f64, 0.25 / 200.0);
            let p: f64 = (0..200)
                .map(|j| {
                    let x = a + h * j as f64;
                    h / 6.0 * (density(x) + 4.0 * density(x + h / 2.0) + density(x + h))
                })
                .sum();
            let e = p * nf;
            chi += (bins[k + 1] as f64 - e).powi(2) / e;
        }
        assert!(chi < 100.0, "chi-square {chi} over {BINS} bins");
    }
}
