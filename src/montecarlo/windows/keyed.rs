//! The AVX2 kernel's tally by *slots* on 32-bit keys, for one to seven windows.
//!
//! A value's slot among the window ends (see [`super::SLOTS`]) is searched on the upper
//! half of its order key ([`super::key`]: the bits of an `f64`, turned so that their
//! integer order is the values' order), eight values a register, instead of on the value
//! itself, four a register. Upper halves order values as the values do except where a
//! value and a window end share one (2^32 keys, about a millionth of the value): such a
//! value is *ambiguous*. The search flags it at no extra pass (its upper half equals
//! that of the end just below the slot found), leaves it out of the register counts and
//! keep marks, and places it afterwards by comparing the value itself with the ends.
//! Every value is therefore counted and kept exactly as [`super::generic_tally`] does.
//!
//! The key orders -0 below +0, which compare equal: windows with an end whose key's
//! upper half is that of -0 or +0 (-1 or 0) are left to the generic tally
//! ([`takes`]), as are windows that only count (their two ends share an upper half).

use core::arch::x86_64::*;

use super::super::engine::GROUPS;
use super::{CellTally, Column, LaneSums, Paged, Pool, Windows, add_slots, keep_values, key};

/// Most windows the keyed tally takes: their 14 ends fill a 16-entry search table (two
/// left over), and a slot (0 to 14) indexes a nibble of two 32-bit counters.
pub(crate) const KEYED_WINDOWS: usize = 7;

/// The upper half of a value's order key.
pub(super) fn upper(x: f64) -> i32 {
    (key(x) >> 32) as i32
}

/// The upper half of the key of the NaN a broken draw becomes: above every end's (the
/// largest end is +inf, 0x7FF0_0000).
const NAN_UPPER: i32 = 0x7FF8_0000;

/// Whether [`tally`] takes the windows `w`: one to [`KEYED_WINDOWS`] windows, none that
/// only counts, and no end about zero (see the module's docs).
pub(crate) fn takes(w: &Windows) -> bool {
    w.keyed.is_some()
}

/// The search tables of windows the keyed search takes, made when a window is added
/// ([`Windows::keyed`]). With T the ends' upper halves (sorted, up to 14 of them, then
/// `i32::MAX`) and U = T - 1 (so that `x > U[j]` is `T[j] <= x`; `i32::MAX` where T is),
/// the binary search reads U[7], then U[3] or U[11], then `odd` = U[1], U[5], U[9],
/// U[13], then `even` = U[0], U[2], ..., U[14]; `below` holds T[s - 1] for slot s
/// (`i32::MIN` for 0).
#[derive(Debug, Clone, Copy, PartialEq)]
#[repr(C, align(32))]
pub(crate) struct KeyTables {
    odd: [i32; 8],
    even: [i32; 8],
    below: [i32; 16],
    /// U[7], U[3], U[11], and the bits of the slots that are windows keeping values.
    splats: [i32; 4],
}

impl KeyTables {
    /// The tables of `w`, if the keyed search takes it: one to [`KEYED_WINDOWS`]
    /// windows, none that only counts, and no end about zero (see the module's docs).
    pub(crate) fn of(w: &Windows) -> Option<KeyTables> {
        if !(1..=KEYED_WINDOWS).contains(&w.n) || w.counting != 0 {
            return None;
        }
        let mut t = [i32::MAX; 16];
        for (t, &e) in t.iter_mut().zip(&w.ends[..2 * w.n]) {
            *t = upper(e);
        }
        if t[..2 * w.n].iter().any(|&u| matches!(u, -1 | 0)) {
            return None;
        }
        let u: [i32; 16] =
            std::array::from_fn(|j| if t[j] == i32::MAX { i32::MAX } else { t[j] - 1 });
        let keep = (0..16).fold(0i32, |b, s| {
            b | (((w.keep_nibbles >> (4 * s)) & 1) as i32) << s
        });
        Some(KeyTables {
            odd: [u[1], u[5], u[9], u[13], 0, 0, 0, 0],
            even: std::array::from_fn(|j| u[2 * j]),
            below: std::array::from_fn(|s| if s == 0 { i32::MIN } else { t[s - 1] }),
            splats: [u[7], u[3], u[11], keep],
        })
    }
}

/// [`KeyTables`] in registers.
#[derive(Clone, Copy)]
struct Keys {
    u7: __m256i,
    u3: __m256i,
    u11: __m256i,
    odd: __m256i,
    even: __m256i,
    below_lo: __m256i,
    below_hi: __m256i,
    /// Bit s set when slot s is a window that keeps values.
    keep: __m256i,
}

impl Keys {
    /// The tables of `w` (which [`takes`]).
    #[inline]
    #[target_feature(enable = "avx2,fma,bmi1,bmi2,lzcnt,popcnt")]
    fn new(w: &Windows) -> Keys {
        let Some(t) = &w.keyed else {
            unreachable!("keyed search of windows it does not take")
        };
        let load = |a: &[i32]| {
            debug_assert!(a.len() >= 8);
            // SAFETY: `a` holds eight values.
            unsafe { _mm256_loadu_si256(a.as_ptr().cast()) }
        };
        let [u7, u3, u11, keep] = t.splats;
        Keys {
            u7: _mm256_set1_epi32(u7),
            u3: _mm256_set1_epi32(u3),
            u11: _mm256_set1_epi32(u11),
            odd: load(&t.odd),
            even: load(&t.even),
            below_lo: load(&t.below[..8]),
            below_hi: load(&t.below[8..]),
            keep: _mm256_set1_epi32(keep),
        }
    }

    /// Per lane of the upper halves `h`, the slot (the number of ends at or below, 0 to
    /// 15: a branch-free binary search in four steps) and whether the lane is ambiguous
    /// (all ones: its upper half is that of the end below its slot).
    #[inline]
    #[target_feature(enable = "avx2,fma,bmi1,bmi2,lzcnt,popcnt")]
    fn slot(&self, h: __m256i) -> (__m256i, __m256i) {
        let step = |s: __m256i, u: __m256i, bit: i32| {
            let le = _mm256_cmpgt_epi32(h, u);
            _mm256_or_si256(s, _mm256_and_si256(le, _mm256_set1_epi32(bit)))
        };
        let high = _mm256_cmpgt_epi32(h, self.u7);
        let s = _mm256_and_si256(high, _mm256_set1_epi32(8));
        let s = step(s, _mm256_blendv_epi8(self.u3, self.u11, high), 4);
        let s = step(
            s,
            _mm256_permutevar8x32_epi32(self.odd, _mm256_srli_epi32::<2>(s)),
            2,
        );
        let s = step(
            s,
            _mm256_permutevar8x32_epi32(self.even, _mm256_srli_epi32::<1>(s)),
            1,
        );
        let below = _mm256_blendv_epi8(
            _mm256_permutevar8x32_epi32(self.below_lo, s),
            _mm256_permutevar8x32_epi32(self.below_hi, s),
            high,
        );
        (s, _mm256_cmpeq_epi32(below, h))
    }

    /// Adds the one-hot nibbles of the slots `s` of the lanes not `ambiguous` to the
    /// counters `c` (slots 0-7, slots 8-15), and returns those lanes' keep marks (bit i:
    /// lane i's slot is a window that keeps values).
    ///
    /// For the counts, an ambiguous lane's slot becomes -1 (all ones, one OR): both
    /// shifts by it times four (less 32) are by 32 or more and give 0, so the lane
    /// counts nothing. (The keep marks mask it with an ANDNOT: LLVM turns a shift by
    /// the OR there into three instructions.)
    #[inline]
    #[target_feature(enable = "avx2,fma,bmi1,bmi2,lzcnt,popcnt")]
    fn count(&self, s: __m256i, ambiguous: __m256i, c: &mut [__m256i; 2]) -> u8 {
        let k = _mm256_slli_epi32::<31>(_mm256_srlv_epi32(self.keep, s));
        let one = _mm256_set1_epi32(1);
        let four = _mm256_slli_epi32::<2>(_mm256_or_si256(s, ambiguous));
        c[0] = _mm256_add_epi32(c[0], _mm256_sllv_epi32(one, four));
        let hi = _mm256_sub_epi32(four, _mm256_set1_epi32(32));
        c[1] = _mm256_add_epi32(c[1], _mm256_sllv_epi32(one, hi));
        _mm256_movemask_ps(_mm256_castsi256_ps(_mm256_andnot_si256(ambiguous, k))) as u8
    }
}

/// Places the `ambiguous` lanes of a group (bits in the search's shuffled order, see
/// [`uppers`]) by their values (`value(lane)`): adds their slots to `slots` and returns
/// their keep marks, in lane order.
fn place_ambiguous(
    w: &Windows,
    ambiguous: u8,
    value: impl Fn(usize) -> f64,
    slots: &mut [u64],
) -> u8 {
    let (mut a, mut keep) = (in_lane_order(u64::from(ambiguous)) as u8, 0u8);
    while a != 0 {
        let lane = a.trailing_zeros() as usize;
        a &= a - 1;
        let s = exact_slot(w, value(lane));
        slots[s] += 1;
        keep |= (((w.keep_nibbles >> (4 * s)) & 1) as u8) << lane;
    }
    keep
}

/// The upper halves of the keys of eight values (lanes 0-3 in `a`, 4-7 in `b`), in the
/// *shuffled* order of the lanes 0 1 4 5 2 3 6 7 (one shuffle, no permutation across
/// the register's halves: the counts do not depend on the order, and the lane masks of
/// a column are put back in lane order 64 lanes at a time, [`in_lane_order`]),
/// `NAN_UPPER` where `sound` (all ones: a sound lane, in the same shuffled order) is not
/// set (`SOUND`: every lane is).
#[inline]
#[target_feature(enable = "avx2,fma,bmi1,bmi2,lzcnt,popcnt")]
fn uppers<const SOUND: bool>(a: __m256d, b: __m256d, sound: __m256i) -> __m256i {
    // Odd 32-bit halves: lanes 0 1 4 5 2 3 6 7.
    let h = _mm256_castps_si256(_mm256_shuffle_ps::<0b11_01_11_01>(
        _mm256_castpd_ps(a),
        _mm256_castpd_ps(b),
    ));
    let h = _mm256_xor_si256(h, _mm256_srli_epi32::<1>(_mm256_srai_epi32::<31>(h)));
    if SOUND {
        h
    } else {
        _mm256_blendv_epi8(_mm256_set1_epi32(NAN_UPPER), h, sound)
    }
}

/// Lane masks of the shuffled order of [`uppers`] (bit p of a byte for lane 0 1 4 5 2 3
/// 6 7 at p) in lane order, in every byte of `m`: bits 2-3 and 4-5 swap places (the
/// same swap puts lane order into the shuffled one).
pub(super) const fn in_lane_order(m: u64) -> u64 {
    const STAY: u64 = 0xC3C3_C3C3_C3C3_C3C3;
    const SWAP: u64 = 0x0C0C_0C0C_0C0C_0C0C;
    (m & STAY) | ((m & SWAP) << 2) | ((m >> 2) & SWAP)
}

/// The tally of one output over the blocks `cols` (any number) for windows that
/// [`takes`]: see [`super::tally`]. Per block, a one-hot nibble per value counts its slot
/// in counters that take turns by group (at most 8 per nibble), added as bytes (at most
/// 16 per block) to the cell's byte counters in the slot kernel's layout
/// ([`CellTally::bytes`]); ambiguous values are placed by their value and counted
/// straight into the counts.
///
/// # Safety
///
/// The CPU has AVX2, FMA, BMI1/2, LZCNT and POPCNT; `w` is one that [`takes`].
#[target_feature(enable = "avx2,fma,bmi1,bmi2,lzcnt,popcnt")]
pub(crate) unsafe fn tally<'p>(
    cols: &[Column],
    w: &Windows,
    sums: &mut LaneSums,
    t: &mut CellTally<'p>,
    pool: &'p Pool,
) {
    debug_assert!(takes(w));
    let keys = Keys::new(w);
    let nibbles = _mm256_set1_epi32(0x0F0F_0F0F);
    let [s1, s2] = &mut *sums;
    let mut extra = [0u64; 16];
    // SAFETY: the loads and stores read and write whole `[f64; 8]` arrays and the
    // cell's two 64-byte byte counters.
    unsafe {
        let mut a = [
            [
                _mm256_loadu_pd(s1.as_ptr()),
                _mm256_loadu_pd(s1.as_ptr().add(4)),
            ],
            [
                _mm256_loadu_pd(s2.as_ptr()),
                _mm256_loadu_pd(s2.as_ptr().add(4)),
            ],
        ];
        // Byte counters: slots 0-7 and 8-15, even and odd nibbles.
        let mut bytes = [_mm256_setzero_si256(); 4];
        for col in cols {
            let Column { out, o, sound, .. } = *col;
            // Per turn, the counters of slots 0-7 and of slots 8-15.
            let mut c = [[_mm256_setzero_si256(); 2]; 2];
            let mut keep = [0u8; GROUPS];
            let mut ambiguous = [0u8; GROUPS];
            let mut state = (&mut a, &mut c, &mut keep, &mut ambiguous);
            if sound.iter().all(|&s| s == 0xFF) {
                column::<true>(&keys, col, &mut state);
            } else {
                column::<false>(&keys, col, &mut state);
            }
            for (i, b) in bytes.iter_mut().enumerate() {
                // Slots 0-7 (i even) or 8-15 (i odd): even nibbles (i < 2) or odd ones.
                let part = |c: __m256i| {
                    let c = if i < 2 { c } else { _mm256_srli_epi32::<4>(c) };
                    _mm256_and_si256(c, nibbles)
                };
                *b = _mm256_add_epi8(*b, _mm256_add_epi8(part(c[0][i % 2]), part(c[1][i % 2])));
            }
            let mut bits: [u64; GROUPS / 8] = std::array::from_fn(|h| {
                in_lane_order(u64::from_le_bytes(std::array::from_fn(|i| keep[8 * h + i])))
            });
            if ambiguous != [0; GROUPS] {
                for (g, &a) in ambiguous.iter().enumerate() {
                    let k = place_ambiguous(w, a, |lane| out.v[g][o].0[lane], &mut extra);
                    bits[g / 8] |= u64::from(k) << (8 * (g % 8));
                }
            }
            keep_values(&bits, |j| out.v[j / 8][o].0[j % 8], &mut t.raw, pool);
        }
        _mm256_storeu_pd(s1.as_mut_ptr(), a[0][0]);
        _mm256_storeu_pd(s1.as_mut_ptr().add(4), a[0][1]);
        _mm256_storeu_pd(s2.as_mut_ptr(), a[1][0]);
        _mm256_storeu_pd(s2.as_mut_ptr().add(4), a[1][1]);
        // Into the slot kernel's layout: byte 8i + j of `bytes[0]` counts slot 2j, of
        // `bytes[1]` slot 2j + 1 (lane i: any), from pairs of 32-bit lanes (slots 0-7
        // then 8-15).
        let [even_lo, even_hi, odd_lo, odd_hi] = bytes;
        let cell = t.bytes.as_mut_ptr().cast::<__m256i>();
        let add = |at: usize, v: __m256i| {
            let p = cell.add(at);
            _mm256_storeu_si256(p, _mm256_add_epi8(_mm256_loadu_si256(p), v));
        };
        add(0, _mm256_unpacklo_epi32(even_lo, even_hi));
        add(1, _mm256_unpackhi_epi32(even_lo, even_hi));
        add(2, _mm256_unpacklo_epi32(odd_lo, odd_hi));
        add(3, _mm256_unpackhi_epi32(odd_lo, odd_hi));
    }
    if extra != [0; 16] {
        add_slots(w, &extra, &mut t.counts);
    }
}

/// What [`column`] adds to: the moment sums (sum, sum of squares; lanes 0-3 and 4-7),
/// the nibble counters (per turn, slots 0-7 and 8-15), and per group the lanes kept and
/// the lanes ambiguous.
type ColumnState<'a> = (
    &'a mut [[__m256d; 2]; 2],
    &'a mut [[__m256i; 2]; 2],
    &'a mut [u8; GROUPS],
    &'a mut [u8; GROUPS],
);

/// One block's values of one output through the moment sums and the slot search, group
/// by group, the counters taking turns (`SOUND`: every draw of the block is sound, so no
/// lane needs masking).
#[inline]
#[target_feature(enable = "avx2,fma,bmi1,bmi2,lzcnt,popcnt")]
fn column<const SOUND: bool>(keys: &Keys, col: &Column, state: &mut ColumnState) {
    let Column {
        out,
        o,
        sound,
        pivot,
    } = *col;
    let (a, c, keep, ambiguous) = state;
    let lane_bit = _mm256_setr_epi32(1, 2, 4, 8, 16, 32, 64, 128);
    let shuffled_bit = _mm256_setr_epi32(1, 2, 16, 32, 4, 8, 64, 128);
    let zero = _mm256_setzero_pd();
    let p = _mm256_set1_pd(pivot);
    for g in 0..GROUPS {
        let v = out.v[g][o].0.as_ptr();
        // SAFETY: `v` points to eight values.
        let x = unsafe { [_mm256_loadu_pd(v), _mm256_loadu_pd(v.add(4))] };
        // Sound lanes, in lane order (the sums) and in the search's order.
        let (sm, shuffled) = if SOUND {
            (_mm256_set1_epi32(-1), _mm256_set1_epi32(-1))
        } else {
            let sm = _mm256_set1_epi32(i32::from(sound[g]));
            let bits = |b: __m256i| _mm256_cmpeq_epi32(_mm256_and_si256(sm, b), b);
            (bits(lane_bit), bits(shuffled_bit))
        };
        let halves = [
            _mm256_castsi256_si128(sm),
            _mm256_extracti128_si256::<1>(sm),
        ];
        for i in 0..2 {
            let d = _mm256_sub_pd(x[i], p);
            let d = if SOUND {
                d
            } else {
                let m = _mm256_castsi256_pd(_mm256_cvtepi32_epi64(halves[i]));
                _mm256_blendv_pd(zero, d, m)
            };
            a[0][i] = _mm256_add_pd(a[0][i], d);
            a[1][i] = _mm256_fmadd_pd(d, d, a[1][i]);
        }
        let (s, amb) = keys.slot(uppers::<SOUND>(x[0], x[1], shuffled));
        keep[g] = keys.count(s, amb, &mut c[g % 2]);
        ambiguous[g] = _mm256_movemask_ps(_mm256_castsi256_ps(amb)) as u8;
    }
}

/// The exact slot of `x` among the ends of `w` (the number at or below it).
fn exact_slot(w: &Windows, x: f64) -> usize {
    w.ends[..2 * w.n].iter().filter(|&&e| e <= x).count()
}

/// Per lane of eight values at `p`, the slot, and whether it is ambiguous (see
/// [`Keys::slot`]), in the shuffled order of [`uppers`], or in lane order (`ORDERED`).
/// The values are sound (finite).
///
/// # Safety
///
/// Eight values from `p`.
#[inline]
#[target_feature(enable = "avx2,fma,bmi1,bmi2,lzcnt,popcnt")]
unsafe fn slots8<const ORDERED: bool>(keys: &Keys, p: *const f64) -> (__m256i, __m256i) {
    // SAFETY: the caller's promise.
    let (a, b) = unsafe { (_mm256_loadu_pd(p), _mm256_loadu_pd(p.add(4))) };
    let h = uppers::<true>(a, b, _mm256_set1_epi32(-1));
    let h = if ORDERED {
        _mm256_permute4x64_epi64::<0b11_01_10_00>(h)
    } else {
        h
    };
    keys.slot(h)
}

/// See [`super::slots_of`], for windows that [`takes`].
///
/// # Safety
///
/// The CPU has AVX2, FMA, BMI1/2, LZCNT and POPCNT; `w` is one that [`takes`].
#[target_feature(enable = "avx2,fma,bmi1,bmi2,lzcnt,popcnt")]
pub(crate) unsafe fn slots_of(values: &[f64], w: &Windows, out: &mut Vec<u8>) {
    let keys = Keys::new(w);
    // Byte 0 of each 32-bit lane, lanes 0-3 then 4-7 in the low 64 bits.
    let first = _mm256_setr_epi8(
        0, 4, 8, 12, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 0, 4, 8, 12, -1, -1, -1, -1,
        -1, -1, -1, -1, -1, -1, -1, -1,
    );
    let order = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);
    let chunks = values.chunks_exact(8);
    let tail = chunks.remainder();
    for c in chunks {
        // SAFETY: `c` holds eight values.
        let (s, amb) = unsafe { slots8::<true>(&keys, c.as_ptr()) };
        let b = _mm256_permutevar8x32_epi32(_mm256_shuffle_epi8(s, first), order);
        let mut b = (_mm256_extract_epi64::<0>(b) as u64).to_le_bytes();
        let mut a = _mm256_movemask_ps(_mm256_castsi256_ps(amb));
        while a != 0 {
            let lane = a.trailing_zeros() as usize;
            a &= a - 1;
            b[lane] = exact_slot(w, c[lane]) as u8;
        }
        out.extend_from_slice(&b);
    }
    out.extend(tail.iter().map(|&x| exact_slot(w, x) as u8));
}

/// See [`super::cut`], for windows that [`takes`]: values 64 at a time through the slot
/// search, their slots counted in nibbles (flushed every 15 groups), the kept ones marked
/// by bits and stored in order; the last values of a part (fewer than eight) and
/// ambiguous ones placed by their value.
///
/// # Safety
///
/// The CPU has AVX2, FMA, BMI1/2, LZCNT and POPCNT; `w` is one that [`takes`].
#[target_feature(enable = "avx2,fma,bmi1,bmi2,lzcnt,popcnt")]
pub(crate) unsafe fn cut<'p>(
    parts: &[&[f64]],
    w: &Windows,
    slots: &mut [u64; super::SLOTS],
    out: &mut Paged<'p>,
    pool: &'p Pool,
) {
    let keys = Keys::new(w);
    let keeps = |s: usize| (w.keep_nibbles >> (4 * s)) & 1 == 1;
    let mut counters = [_mm256_setzero_si256(); 2];
    let mut since = 0;
    for (j, part) in parts.iter().enumerate() {
        if let Some(next) = parts.get(j + 1) {
            for l in (0..next.len().min(128)).step_by(8) {
                super::prefetch(next.as_ptr().wrapping_add(l));
            }
        }
        let whole = part.len() / 8 * 8;
        for (h, piece) in part[..whole].chunks(64).enumerate() {
            // Keep marks of the search (shuffled order) and of ambiguous values (lane order).
            let (mut bits, mut placed) = (0u64, 0u64);
            for (g, c) in piece.chunks_exact(8).enumerate() {
                super::prefetch(c.as_ptr().wrapping_add(128));
                // SAFETY: `c` holds eight values.
                let (s, amb) = unsafe { slots8::<false>(&keys, c.as_ptr()) };
                bits |= u64::from(keys.count(s, amb, &mut counters)) << (8 * g);
                let a = _mm256_movemask_ps(_mm256_castsi256_ps(amb)) as u8;
                if a != 0 {
                    placed |= u64::from(place_ambiguous(w, a, |lane| c[lane], slots)) << (8 * g);
                }
                since += 1;
                if since == 15 {
                    flush_nibbles(counters, slots);
                    (counters, since) = ([_mm256_setzero_si256(); 2], 0);
                }
            }
            let base = 64 * h;
            keep_values(
                &[in_lane_order(bits) | placed],
                |i| part[base + i],
                out,
                pool,
            );
        }
        for &x in &part[whole..] {
            let s = exact_slot(w, x);
            slots[s] += 1;
            if keeps(s) {
                out.extend_from_slice(&[x], pool);
            }
        }
    }
    flush_nibbles(counters, slots);
}

/// Adds the nibble counters of slots 0-7 and 8-15 (`c`), at most 15 a nibble, to `slots`.
#[inline]
#[target_feature(enable = "avx2,fma,bmi1,bmi2,lzcnt,popcnt")]
fn flush_nibbles(c: [__m256i; 2], slots: &mut [u64; super::SLOTS]) {
    let mut n = [[0u32; 8]; 2];
    // SAFETY: two stores of eight 32-bit values into `n`.
    unsafe {
        _mm256_storeu_si256(n[0].as_mut_ptr().cast(), c[0]);
        _mm256_storeu_si256(n[1].as_mut_ptr().cast(), c[1]);
    }
    for (half, lanes) in n.iter().enumerate() {
        for &c in lanes {
            for j in 0..8 {
                slots[8 * half + j] += u64::from((c >> (4 * j)) & 0xF);
            }
        }
    }
}
