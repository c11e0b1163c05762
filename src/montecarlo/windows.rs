//! Exact quantiles of millions of draws without keeping the draws: per output and year,
//! a few value *windows* around the ranks the quantiles need. While the draws are
//! simulated, a value below a window is only counted, a value inside one is kept, a value
//! in no window is dropped. The values at the needed ranks are then found among the kept
//! ones, since each window knows how many values lie below it.
//!
//! The windows come from the draws themselves, in stages (see
//! [`super::summarize`]): the first stage (the pilot) keeps every value; after each stage
//! [`refine`] shrinks the windows to the values whose ranks lie within [`SPREAD`]
//! standard deviations of where each quantile of the whole run can still end up, which
//! drops most kept values. A window only ever shrinks inside an old one, so its counts
//! stay exact. Ties are handled apart: a value repeated many times at the end of a
//! window gets a window of its own that only counts it (a ratio such as
//! `growth_spending_gdp` varies by rounding only and takes a handful of values a million
//! times each). If a needed rank still ends up outside every window, one more pass finds
//! the value exactly ([`gap`]). The result is always exactly the order statistic; which
//! values were kept never shows in it.

use super::engine::{BLOCK, GROUPS, Outputs};
use crate::lanes::W;

/// The most windows of one output and year.
pub const KMAX: usize = 32;

/// Margin of a window, in standard deviations of where its quantile's rank can still
/// move (about 1e-9 odds per window end of a miss, which would cost one more pass).
pub const SPREAD: f64 = 6.0;

/// More equal values than this at a window's end get a counting window of their own.
const HEAVY: usize = 32;

/// Values of a large window sampled to place the next windows' bounds.
const SAMPLE: usize = 512;

/// The windows of one output in one year: `lo[k] ≤ x ≤ hi[k]`, disjoint and in
/// increasing order. A window with `lo == hi` (a value with many ties) only counts.
///
/// The fields the tally reads first come first, in as few cache lines as can be (the
/// windows of every output and year are read in turn, far more than the caches hold).
#[derive(Debug, Clone, PartialEq)]
#[repr(C)]
pub struct Windows {
    /// Number of windows in use.
    pub n: usize,
    /// Bit 2k + 1 is set when window k keeps its values (slot 2k + 1 is window k).
    pub keep_slots: u64,
    /// Bit k is set when window k only counts.
    pub counting: u64,
    /// The ends of the first eight windows in order, lo_k and the next float above hi_k
    /// (unused and the last eight: +inf): a value's slot among them says which window or
    /// gap holds it.
    pub ends: [f64; 24],
    /// Lower bounds (unused: +inf).
    pub lo: [f64; KMAX],
    /// Upper bounds (unused: -inf).
    pub hi: [f64; KMAX],
}

impl Windows {
    /// One window holding every value (the pilot's).
    pub fn everything() -> Windows {
        let mut w = Windows::none();
        w.push(f64::NEG_INFINITY, f64::INFINITY);
        w
    }

    /// No window: values are neither counted nor kept.
    pub fn none() -> Windows {
        Windows {
            n: 0,
            lo: [f64::INFINITY; KMAX],
            hi: [f64::NEG_INFINITY; KMAX],
            ends: [f64::INFINITY; 24],
            keep_slots: 0,
            counting: 0,
        }
    }

    fn push(&mut self, lo: f64, hi: f64) {
        let k = self.n;
        self.lo[k] = lo;
        self.hi[k] = hi;
        self.counting |= u64::from(lo == hi) << k;
        if k < 8 {
            self.ends[2 * k] = lo;
            self.ends[2 * k + 1] = hi.next_up();
            if lo != hi {
                self.keep_slots |= 1 << (2 * k + 1);
            }
        }
        self.n += 1;
    }

    /// Whether window `k` only counts (all its values are equal).
    #[inline]
    pub fn counts_only(&self, k: usize) -> bool {
        self.counting >> k & 1 == 1
    }
}

/// What some draws left in the windows of one output and year (the tally's fields
/// first).
#[derive(Debug, Clone, Default, PartialEq)]
#[repr(C)]
pub struct Kept {
    /// Values kept by the tally, inside some window that keeps values, not yet sorted out
    /// by window ([`Kept::sort_out`]).
    pub raw: Vec<f64>,
    /// Per window, the number of values below it.
    pub below: [u64; KMAX],
    /// Per window, the number of values inside it (for a window that keeps values, those
    /// in `values`; the ones still in `raw` are not counted yet).
    pub inside: [u64; KMAX],
    /// Per window that keeps values, the number of its values still in `raw` and `more`.
    pub pending: [u64; KMAX],
    /// Per window, the values inside it (empty for counting-only windows), in no
    /// particular order.
    pub values: Vec<Vec<f64>>,
    /// More such values, from merged tallies (moved, never copied).
    pub more: Vec<Vec<f64>>,
}

impl Kept {
    /// Nothing yet, for `n` windows.
    pub fn new(n: usize) -> Kept {
        Kept {
            below: [0; KMAX],
            inside: [0; KMAX],
            pending: [0; KMAX],
            values: vec![Vec::new(); n],
            raw: Vec::new(),
            more: Vec::new(),
        }
    }

    /// Adds what other draws left in the same windows.
    pub fn merge(&mut self, mut o: Kept) {
        for k in 0..KMAX {
            self.below[k] += o.below[k];
            self.inside[k] += o.inside[k];
            self.pending[k] += o.pending[k];
        }
        for (a, b) in self.values.iter_mut().zip(o.values.iter_mut()) {
            if a.len() < b.len() {
                std::mem::swap(a, b);
            }
            a.extend_from_slice(b);
        }
        if !o.raw.is_empty() {
            self.more.push(o.raw);
        }
        self.more.append(&mut o.more);
    }

    /// Moves the `raw` (and `more`) values to the windows holding them (`w`, the
    /// windows they were tallied in), and counts them there: window by window, a
    /// branch-free filter over the values (no scatter, whose per-window lengths would
    /// make each value wait on the one before).
    pub fn sort_out(&mut self, w: &Windows) {
        let mut parts = std::mem::take(&mut self.more);
        parts.push(std::mem::take(&mut self.raw));
        for k in 0..w.n {
            let add = std::mem::take(&mut self.pending[k]);
            if add == 0 || w.counts_only(k) {
                continue;
            }
            let v = &mut self.values[k];
            v.reserve(add as usize + W);
            for part in &parts {
                append_between(part, w.lo[k], w.hi[k], v);
            }
            self.inside[k] += add;
        }
    }

    /// The window holding 0-based rank `r` among all values counted, if one does.
    fn window_of(&self, w: &Windows, r: u64) -> Option<usize> {
        (0..w.n).find(|&k| self.below[k] <= r && r < self.below[k] + self.inside[k])
    }

    /// The value at 0-based rank `r` among all values counted, if its window kept it
    /// (after [`Kept::sort_out`]). Reorders the window's values.
    pub fn at_rank(&mut self, w: &Windows, r: u64) -> Option<f64> {
        let k = self.window_of(w, r)?;
        if w.counts_only(k) {
            return Some(w.lo[k]);
        }
        let i = (r - self.below[k]) as usize;
        let v = &mut self.values[k];
        if i >= v.len() {
            return None;
        }
        Some(*v.select_nth_unstable_by(i, f64::total_cmp).1)
    }
}

/// Appends the values of `src` in `[lo, hi]` to `dst`, in order (with AVX-512, eight
/// at a time by compressing stores into room for eight more, which `dst` keeps for
/// the next call as long as it had room for the values appended plus [`W`]).
fn append_between(src: &[f64], lo: f64, hi: f64, dst: &mut Vec<f64>) {
    #[cfg(all(target_arch = "x86_64", target_feature = "avx512f"))]
    {
        use core::arch::x86_64::*;
        let chunks = src.chunks_exact(W);
        let tail = chunks.remainder();
        for c in chunks {
            dst.reserve(W);
            // SAFETY: `c` holds eight values; the store writes eight values within the
            // room just reserved, and the length grows only by those kept.
            unsafe {
                let x = _mm512_loadu_pd(c.as_ptr());
                let ge = _mm512_cmp_pd_mask::<_CMP_GE_OQ>(x, _mm512_set1_pd(lo));
                let held = _mm512_mask_cmp_pd_mask::<_CMP_LE_OQ>(ge, x, _mm512_set1_pd(hi));
                let len = dst.len();
                _mm512_storeu_pd(dst.as_mut_ptr().add(len), _mm512_maskz_compress_pd(held, x));
                dst.set_len(len + held.count_ones() as usize);
            }
        }
        dst.extend(tail.iter().copied().filter(|&x| (lo <= x) & (x <= hi)));
    }
    #[cfg(not(all(target_arch = "x86_64", target_feature = "avx512f")))]
    dst.extend(src.iter().copied().filter(|&x| (lo <= x) & (x <= hi)));
}

/// Moment sums of one output and year over some draws, around a pivot, in [`W`] lanes
/// (draw `b` of a block goes to lane `b mod W`), so that the order of additions is fixed
/// by the draws alone.
pub type LaneSums = [[f64; W]; 2];

/// One output of one block's year, as the tally reads it.
#[derive(Debug, Clone, Copy)]
pub struct Column<'a> {
    /// The block's outputs of the year.
    pub out: &'a Outputs,
    /// The output ([`crate::model::OUTPUT_NAMES`] order).
    pub o: usize,
    /// Bit `i` of `sound[g]` is set when draw `8g + i` of the block is sound.
    pub sound: &'a [u8; GROUPS],
    /// The pivot of the moment sums (same unit as the output).
    pub pivot: f64,
}

/// Tallies one output of a block's year (`col`): broken draws and padding lanes are
/// neither counted nor kept. Adds (x - pivot) and (x - pivot)² of the sound draws to
/// `sums`, the square with one rounding (a fused multiply-add).
///
/// With AVX-512 this is `avx512::tally`, otherwise [`portable_tally`]; both count,
/// keep and add exactly the same values in the same order. (Without hardware FMA,
/// `f64::mul_add` is a slower library call with the same result.)
#[inline]
pub fn tally(col: Column, w: &Windows, sums: &mut LaneSums, kept: &mut Kept) {
    #[cfg(all(target_arch = "x86_64", target_feature = "avx512f"))]
    avx512::tally(col, w, sums, kept);
    #[cfg(not(all(target_arch = "x86_64", target_feature = "avx512f")))]
    portable_tally(col, w, sums, kept);
}

/// [`tally`] in plain Rust (lane loops the compiler vectorises as it can).
pub fn portable_tally(col: Column, w: &Windows, sums: &mut LaneSums, kept: &mut Kept) {
    let Column {
        out,
        o,
        sound,
        pivot,
    } = col;
    // Unsound values become NaN, which no comparison counts or keeps.
    let mut x = [0.0f64; BLOCK];
    let [s1, s2] = sums;
    for g in 0..GROUPS {
        let v = out.v[g][o];
        for i in 0..W {
            let ok = sound[g] >> i & 1 == 1;
            let xv = if ok { v.0[i] } else { f64::NAN };
            x[g * W + i] = xv;
            if ok {
                let d = xv - pivot;
                s1[i] += d;
                s2[i] = d.mul_add(d, s2[i]);
            }
        }
    }
    // Window by window over the whole block, branch-free, so that the compiler
    // vectorises the comparisons and counts.
    let mut keep = [false; BLOCK];
    for k in 0..w.n {
        let (lo, hi) = (w.lo[k], w.hi[k]);
        let keeps = !w.counts_only(k);
        let (mut below, mut inside) = (0u64, 0u64);
        for (kb, &xv) in keep.iter_mut().zip(&x) {
            below += u64::from(xv < lo);
            let held = (lo <= xv) & (xv <= hi);
            inside += u64::from(held);
            *kb |= held & keeps;
        }
        kept.below[k] += below;
        if keeps {
            kept.pending[k] += inside;
        } else {
            kept.inside[k] += inside;
        }
    }
    kept.raw
        .extend(x.iter().zip(keep).filter(|(_, k)| *k).map(|(&xv, _)| xv));
}

/// [`tally`] with AVX-512: counts with masked adds or packed bytes, keeps with
/// compressing stores.
#[cfg(all(target_arch = "x86_64", target_feature = "avx512f"))]
pub mod avx512 {
    use super::{BLOCK, Column, GROUPS, Kept, LaneSums, Windows};
    use core::arch::x86_64::*;

    /// See [`super::tally`]: [`by_slot`] for up to [`SLOT_WINDOWS`] windows, else
    /// [`by_window`].
    #[inline]
    pub fn tally(col: Column, w: &Windows, sums: &mut LaneSums, kept: &mut Kept) {
        if w.n <= SLOT_WINDOWS {
            by_slot(col, w, sums, kept);
        } else {
            by_window(col, w, sums, kept);
        }
    }

    /// Most windows [`by_slot`] takes: their 14 ends (and two +inf) fill two registers,
    /// and a value's slot (0 to 14) indexes a nibble of a 64-bit counter.
    pub const SLOT_WINDOWS: usize = 7;

    /// Nibble counters of [`by_slot`]: each takes every `COUNTERS`-th group, at most 8,
    /// so that a nibble never carries.
    const COUNTERS: usize = GROUPS.div_ceil(8);

    /// Adds the moment sums of one group.
    #[inline(always)]
    fn moments(x: __m512d, p: __m512d, sound: u8, s1: &mut __m512d, s2: &mut __m512d) {
        // SAFETY: register arithmetic only (AVX-512F is enabled for this module).
        unsafe {
            let d = _mm512_sub_pd(x, p);
            *s1 = _mm512_mask_add_pd(*s1, sound, *s1, d);
            *s2 = _mm512_mask3_fmadd_pd(d, d, *s2, sound);
        }
    }

    /// The tally by *slots*: the window ends lo_0, hi_0⁺, lo_1, hi_1⁺, ... (hi⁺ the next
    /// float above hi) are sorted, so a value's slot, the number of ends at or below it,
    /// says where it lies: slot 2k is the gap below window k, slot 2k + 1 is window k. A
    /// branch-free binary search in registers finds the slots of eight values in four
    /// steps (each step's end is looked up in a copy of the ends shifted by its offset, so
    /// the slot so far is the index). A one-hot nibble per slot counts them, in two
    /// counters that take turns by group (at most 8 per nibble, so they never carry).
    #[inline]
    pub fn by_slot(col: Column, w: &Windows, sums: &mut LaneSums, kept: &mut Kept) {
        let Column {
            out,
            o,
            sound,
            pivot,
        } = col;
        let n = w.n;
        let (ends, keep_slots) = (&w.ends, w.keep_slots);
        // SAFETY: as in `by_window`; the loads read within `ends` (24 values) and the
        // permutes index 16 lanes with indices below 16.
        unsafe {
            let e = ends.as_ptr();
            let ends_at = |shift: usize| {
                (
                    _mm512_loadu_pd(e.add(shift)),
                    _mm512_loadu_pd(e.add(8 + shift)),
                )
            };
            let (t0l, t0h) = ends_at(0);
            let (t1l, t1h) = ends_at(1);
            let (t3l, t3h) = ends_at(3);
            let e7 = _mm512_set1_pd(ends[7]);
            let p = _mm512_set1_pd(pivot);
            let mut s1 = _mm512_loadu_pd(sums[0].as_ptr());
            let mut s2 = _mm512_loadu_pd(sums[1].as_ptr());
            let ones = _mm512_set1_epi64(1);
            let keep_bits = _mm512_set1_epi64(keep_slots as i64);
            let mut nibbles = [_mm512_setzero_si512(); COUNTERS];
            // First the slots and what to keep (no stores, so nothing waits on them)...
            let mut keep = [0u8; GROUPS];
            for g in 0..GROUPS {
                let x = _mm512_loadu_pd(out.v[g][o].0.as_ptr());
                let sg = sound[g];
                moments(x, p, sg, &mut s1, &mut s2);
                let le = _mm512_cmp_pd_mask::<_CMP_LE_OQ>(e7, x);
                let mut slot = _mm512_maskz_mov_epi64(le, _mm512_set1_epi64(8));
                for (lo, hi, step) in [(t3l, t3h, 4), (t1l, t1h, 2), (t0l, t0h, 1)] {
                    let end = _mm512_permutex2var_pd(lo, slot, hi);
                    let le = _mm512_cmp_pd_mask::<_CMP_LE_OQ>(end, x);
                    slot = _mm512_mask_add_epi64(slot, le, slot, _mm512_set1_epi64(step));
                }
                let one_hot = _mm512_sllv_epi64(ones, _mm512_slli_epi64::<2>(slot));
                let c = &mut nibbles[g % COUNTERS];
                *c = _mm512_mask_add_epi64(*c, sg, *c, one_hot);
                keep[g] = _mm512_mask_test_epi64_mask(sg, _mm512_srlv_epi64(keep_bits, slot), ones);
            }
            // ...then the kept values, branch-free: eight lanes stored at the end of the
            // kept values, the first `c` of them the values to keep.
            let v = &mut kept.raw;
            v.reserve(BLOCK);
            let ptr = v.as_mut_ptr();
            let mut len = v.len();
            for (g, &kg) in keep.iter().enumerate() {
                let x = _mm512_loadu_pd(out.v[g][o].0.as_ptr());
                _mm512_storeu_pd(ptr.add(len), _mm512_maskz_compress_pd(kg, x));
                len += kg.count_ones() as usize;
            }
            v.set_len(len);
            _mm512_storeu_pd(sums[0].as_mut_ptr(), s1);
            _mm512_storeu_pd(sums[1].as_mut_ptr(), s2);
            // Per counter, even and odd slots' nibbles widened to bytes (8 lanes of at
            // most 8 each), added up slot by slot.
            let nib = _mm512_set1_epi64(0x0F0F_0F0F_0F0F_0F0F);
            let mut words = [[0u64; 2]; COUNTERS];
            for (w, c) in words.iter_mut().zip(nibbles) {
                w[0] = _mm512_reduce_add_epi64(_mm512_and_si512(c, nib)) as u64;
                w[1] = _mm512_reduce_add_epi64(_mm512_and_si512(_mm512_srli_epi64::<4>(c), nib))
                    as u64;
            }
            let count = |slot: usize| -> u64 {
                (words.iter())
                    .map(|w| (w[slot % 2] >> (8 * (slot / 2))) & 0xFF)
                    .sum()
            };
            let mut below = 0;
            for k in 0..n {
                below += count(2 * k);
                kept.below[k] += below;
                let inside = count(2 * k + 1);
                if w.counts_only(k) {
                    kept.inside[k] += inside;
                } else {
                    kept.pending[k] += inside;
                }
                below += inside;
            }
        }
    }

    /// The tally window by window: each window compares all 128 values (in 16
    /// registers) with its two ends.
    #[inline]
    pub fn by_window(col: Column, w: &Windows, sums: &mut LaneSums, kept: &mut Kept) {
        let Column {
            out,
            o,
            sound,
            pivot,
        } = col;
        // SAFETY: the loads and stores read and write whole `[f64; 8]` arrays, or eight
        // values within the BLOCK reserved beyond the kept values (after g groups at most
        // 8g values were added, so the store of group g ends within the reserve).
        unsafe {
            let x: [__m512d; GROUPS] =
                std::array::from_fn(|g| _mm512_loadu_pd(out.v[g][o].0.as_ptr()));
            let p = _mm512_set1_pd(pivot);
            let mut s1 = _mm512_loadu_pd(sums[0].as_ptr());
            let mut s2 = _mm512_loadu_pd(sums[1].as_ptr());
            for g in 0..GROUPS {
                moments(x[g], p, sound[g], &mut s1, &mut s2);
            }
            _mm512_storeu_pd(sums[0].as_mut_ptr(), s1);
            _mm512_storeu_pd(sums[1].as_mut_ptr(), s2);
            let one = _mm512_set1_epi64(1);
            let sound_count: u64 = sound.iter().map(|m| u64::from(m.count_ones())).sum();
            // Per group, the lanes inside some window that keeps values.
            let mut keep = [0u8; GROUPS];
            for k in 0..w.n {
                let lo = _mm512_set1_pd(w.lo[k]);
                let hi = _mm512_set1_pd(w.hi[k]);
                let keeps = if w.counts_only(k) { 0 } else { 0xFF };
                let mut at_or_above = _mm512_setzero_si512();
                let mut inside = _mm512_setzero_si512();
                for g in 0..GROUPS {
                    let ge = _mm512_mask_cmp_pd_mask::<_CMP_GE_OQ>(sound[g], x[g], lo);
                    let le = _mm512_mask_cmp_pd_mask::<_CMP_LE_OQ>(ge, x[g], hi);
                    at_or_above = _mm512_mask_add_epi64(at_or_above, ge, at_or_above, one);
                    inside = _mm512_mask_add_epi64(inside, le, inside, one);
                    keep[g] |= le & keeps;
                }
                let inside = _mm512_reduce_add_epi64(inside) as u64;
                if keeps == 0 {
                    kept.inside[k] += inside;
                } else {
                    kept.pending[k] += inside;
                }
                kept.below[k] += sound_count - _mm512_reduce_add_epi64(at_or_above) as u64;
            }
            // Branch-free: every group stores eight lanes at the end of the kept values
            // (the first `c` of them are the values to keep).
            let v = &mut kept.raw;
            v.reserve(BLOCK);
            let ptr = v.as_mut_ptr();
            let mut len = v.len();
            for g in 0..GROUPS {
                _mm512_storeu_pd(ptr.add(len), _mm512_maskz_compress_pd(keep[g], x[g]));
                len += keep[g].count_ones() as usize;
            }
            v.set_len(len);
        }
    }
}

/// The 0-based rank interval, among `n` values counted so far, in which the type-7
/// quantile `q` of the whole run can still end up, when a share `done` of the run's
/// draws has been counted: the rank q (n - 1) moved by [`SPREAD`] standard deviations,
/// sqrt(n q (1 - q) (1 - done)) (the binomial spread of the draws still to come against
/// those seen), and two ranks more for the two order statistics that type 7 blends.
fn rank_interval(n: u64, q: f64, done: f64) -> (u64, u64) {
    let q = q.clamp(0.0, 1.0);
    let nf = n as f64;
    let rho = q * (nf - 1.0);
    let sigma = (nf * q * (1.0 - q) * (1.0 - done).max(0.0)).sqrt();
    let ra = (rho - SPREAD * sigma - 2.0).floor().max(0.0) as u64;
    let rb = ((rho + SPREAD * sigma + 2.0).ceil() as u64).min(n - 1);
    (ra, rb)
}

/// Shrinks the windows `w` (with what they `kept` from `n` counted values) around the
/// quantiles `qs`, for the draws still to come, `done` being the share of the run's draws
/// counted so far. Windows only shrink inside the old ones; a window no quantile can
/// reach is dropped.
pub fn refine(w: &Windows, mut kept: Kept, n: u64, done: f64, qs: &[f64]) -> (Windows, Kept) {
    kept.sort_out(w);
    if n == 0 {
        return (w.clone(), kept);
    }
    let mut want: Vec<(u64, u64)> = qs.iter().map(|&q| rank_interval(n, q, done)).collect();
    want.sort_unstable();
    let mut merged: Vec<(u64, u64)> = Vec::with_capacity(want.len());
    for (a, b) in want {
        match merged.last_mut() {
            Some(m) if a <= m.1 + 1 => m.1 = m.1.max(b),
            _ => merged.push((a, b)),
        }
    }
    // The rank intervals reaching each window.
    let reach = |k: usize| -> Vec<(u64, u64)> {
        let (first, end) = (kept.below[k], kept.below[k] + kept.inside[k]);
        merged
            .iter()
            .filter(|&&(a, b)| a < end && b >= first)
            .map(|&(a, b)| (a.max(first) - first, b.min(end - 1) - first))
            .collect()
    };
    // Whether every new window fits whatever the values (a counting window gives one, a
    // piece of a keeping window at most three), so that none can be refused.
    let reached: Vec<Vec<(u64, u64)>> = (0..w.n).map(reach).collect();
    let room = (reached.iter().enumerate())
        .map(|(k, r)| r.len() * if w.counts_only(k) { 1 } else { 3 })
        .sum::<usize>()
        <= KMAX;
    let mut nw = Windows::none();
    let mut nk = Kept::new(0);
    let mut add = |lo: f64, hi: f64, below: u64, inside: u64, values: Vec<f64>| -> bool {
        if nw.n == KMAX {
            return false;
        }
        nk.below[nw.n] = below;
        nk.inside[nw.n] = inside;
        nk.values.push(values);
        nw.push(lo, hi);
        true
    };
    for (k, reached) in reached.into_iter().enumerate() {
        let (first, end) = (kept.below[k], kept.below[k] + kept.inside[k]);
        if reached.is_empty() {
            continue;
        }
        if w.counts_only(k) {
            if !add(w.lo[k], w.hi[k], first, end - first, Vec::new()) {
                return (w.clone(), kept);
            }
            continue;
        }
        // Several quantiles in one window (the pilot's): sort once. Otherwise the bounds
        // come from a sample of the window when it is large (where a window ends need not
        // be exact, only what it then counts and keeps), else by selection.
        let values = &mut kept.values[k];
        let len = values.len();
        let sorted = reached.len() > 2;
        if sorted {
            values.sort_unstable_by(f64::total_cmp);
        }
        let mut sample: Option<(Vec<f64>, usize)> = (!sorted && len > 4 * SAMPLE).then(|| {
            let stride = len / SAMPLE;
            (values.iter().step_by(stride).copied().collect(), stride)
        });
        // The value about rank `i` of the window, moved by `side` (-1 or +1) past the
        // sample's own error (3 sd of a binomial count, plus one).
        let mut at = |values: &mut Vec<f64>, i: usize, side: f64| -> Option<f64> {
            if sorted {
                return Some(values[i]);
            }
            match &mut sample {
                None => Some(*values.select_nth_unstable_by(i, f64::total_cmp).1),
                Some((s, stride)) => {
                    let m = s.len() as f64;
                    let j = i as f64 / *stride as f64;
                    let j = j + side * (3.0 * (j * (1.0 - j / m)).max(0.0).sqrt() + 1.0);
                    (j >= 0.0 && j < m - 1.0).then(|| {
                        *s.select_nth_unstable_by(j.round() as usize, f64::total_cmp)
                            .1
                    })
                }
            }
        };
        // The value bounds of each reached rank interval, merged where they touch.
        let mut bounds: Vec<(f64, f64)> = Vec::with_capacity(reached.len());
        for (a, b) in reached {
            let lo = if a == 0 {
                w.lo[k]
            } else {
                at(values, a as usize, -1.0).unwrap_or(w.lo[k])
            };
            let hi = if b as usize + 1 >= len {
                w.hi[k]
            } else {
                at(values, b as usize, 1.0).unwrap_or(w.hi[k])
            };
            match bounds.last_mut() {
                Some(m) if lo <= m.1 => m.1 = m.1.max(hi),
                _ => bounds.push((lo, hi)),
            }
        }
        // One piece is cut from the window's own values, in place, when no window can be
        // refused any more (so that a refinement given up leaves `kept` whole).
        if bounds.len() == 1 && !sorted && room {
            let (lo, hi) = bounds[0];
            if !Piece::cut(std::mem::take(values), lo, hi).emit(first, &mut add) {
                return (w.clone(), kept);
            }
            continue;
        }
        for (lo, hi) in bounds {
            let piece = Piece::of(values, sorted, lo, hi);
            if !piece.emit(first, &mut add) {
                return (w.clone(), kept);
            }
        }
    }
    (nw, nk)
}

/// The values of an old window between two new bounds: how many lie below `lo`, how
/// many equal `lo` and `hi`, and those in `[lo, hi]`.
struct Piece {
    lo: f64,
    hi: f64,
    below: u64,
    at_lo: usize,
    at_hi: usize,
    inside: Vec<f64>,
}

impl Piece {
    /// The piece `[lo, hi]` of `values` (in total order when `sorted`, which makes it a
    /// few binary searches instead of one pass).
    fn of(values: &[f64], sorted: bool, lo: f64, hi: f64) -> Piece {
        if sorted {
            let below = values.partition_point(|&x| x < lo);
            let upto_lo = values.partition_point(|&x| x <= lo);
            let from_hi = values.partition_point(|&x| x < hi);
            let upto_hi = values.partition_point(|&x| x <= hi);
            return Piece {
                lo,
                hi,
                below: below as u64,
                at_lo: upto_lo - below,
                at_hi: upto_hi - from_hi,
                inside: values[below..upto_hi].to_vec(),
            };
        }
        let count = values.iter().filter(|&&x| (lo <= x) & (x <= hi)).count();
        let mut inside = Vec::with_capacity(count);
        inside.extend_from_slice(values);
        Piece::cut(inside, lo, hi)
    }

    /// The piece `[lo, hi]` of `values`, whose storage it keeps: one branch-free pass
    /// counts and moves the values inside to the front (the values come in no order, so
    /// branches would mispredict), keeping their order.
    fn cut(mut values: Vec<f64>, lo: f64, hi: f64) -> Piece {
        let (mut below, mut at_lo, mut at_hi, mut m) = (0u64, 0usize, 0usize, 0usize);
        let mut start = 0;
        // With AVX-512, eight values at a time, the ones inside compressed to the front.
        #[cfg(all(target_arch = "x86_64", target_feature = "avx512f"))]
        {
            use core::arch::x86_64::*;
            let n = values.len();
            let p = values.as_mut_ptr();
            // SAFETY: the loads read values[i..i + 8] (i + 8 <= n); the store writes
            // values[m..m + 8] with m <= i, all of which has been read already.
            unsafe {
                let (lo8, hi8) = (_mm512_set1_pd(lo), _mm512_set1_pd(hi));
                while start + W <= n {
                    let x = _mm512_loadu_pd(p.add(start));
                    below += u64::from(_mm512_cmp_pd_mask::<_CMP_LT_OQ>(x, lo8).count_ones());
                    at_lo += _mm512_cmp_pd_mask::<_CMP_EQ_OQ>(x, lo8).count_ones() as usize;
                    at_hi += _mm512_cmp_pd_mask::<_CMP_EQ_OQ>(x, hi8).count_ones() as usize;
                    let ge = _mm512_cmp_pd_mask::<_CMP_GE_OQ>(x, lo8);
                    let held = _mm512_mask_cmp_pd_mask::<_CMP_LE_OQ>(ge, x, hi8);
                    _mm512_storeu_pd(p.add(m), _mm512_maskz_compress_pd(held, x));
                    m += held.count_ones() as usize;
                    start += W;
                }
            }
        }
        for i in start..values.len() {
            let x = values[i];
            below += u64::from(x < lo);
            at_lo += usize::from(x == lo);
            at_hi += usize::from(x == hi);
            // m <= i: the value is read before its slot may be overwritten.
            values[m] = x;
            m += usize::from((lo <= x) & (x <= hi));
        }
        values.truncate(m);
        // Most of a window is usually cut away: give the room back.
        if values.capacity() > 2 * m {
            values.shrink_to_fit();
        }
        Piece {
            lo,
            hi,
            below,
            at_lo,
            at_hi,
            inside: values,
        }
    }

    /// Adds the piece's new windows with `add` (`first`: values below the old window):
    /// one counting window when `lo == hi`; else a window that keeps values, with a
    /// counting window of its own for a bound repeated more than [`HEAVY`] times.
    /// `false` when `add` ran out of windows.
    fn emit(self, first: u64, add: &mut impl FnMut(f64, f64, u64, u64, Vec<f64>) -> bool) -> bool {
        let Piece {
            lo,
            hi,
            below,
            at_lo,
            at_hi,
            mut inside,
        } = self;
        let mut below = first + below;
        // A counting window reports its bound as the value: -0 and +0 are one number
        // there (which sign a window gets may depend on the order values arrived in).
        let point = |v: f64| if v == 0.0 { 0.0 } else { v };
        if lo == hi {
            return add(point(lo), point(hi), below, inside.len() as u64, Vec::new());
        }
        let (mut a, mut b) = (lo, hi);
        if at_lo > HEAVY && lo.is_finite() {
            if !add(point(lo), point(lo), below, at_lo as u64, Vec::new()) {
                return false;
            }
            below += at_lo as u64;
            inside.retain(|&x| x != lo);
            a = lo.next_up();
        }
        let heavy_hi = at_hi > HEAVY && hi.is_finite();
        if heavy_hi {
            inside.retain(|&x| x != hi);
            b = hi.next_down();
        }
        if a <= b {
            let c = inside.len() as u64;
            if !add(a, b, below, c, inside) {
                return false;
            }
            below += c;
        }
        !heavy_hi || add(point(hi), point(hi), below, at_hi as u64, Vec::new())
    }
}

/// Where the value at rank `r` (of `n` values counted) must lie when no window kept it:
/// the values strictly between two windows (or beyond the first or last), as the bounds
/// of a window of their own and the number of values in it.
pub fn gap(w: &Windows, kept: &Kept, n: u64, r: u64) -> (f64, f64, u64) {
    let mut lo = f64::NEG_INFINITY;
    let mut end = 0;
    for k in 0..w.n {
        if r < kept.below[k] {
            return (lo, w.lo[k].next_down(), kept.below[k] - end);
        }
        lo = w.hi[k].next_up();
        end = kept.below[k] + kept.inside[k];
    }
    (lo, f64::INFINITY, n.saturating_sub(end))
}

/// Windows made of the given disjoint `(lo, hi)` ranges (sorted here).
pub fn windows_of(mut ranges: Vec<(f64, f64)>) -> Windows {
    ranges.sort_by(|a, b| a.0.total_cmp(&b.0));
    ranges.dedup();
    let mut w = Windows::none();
    for (lo, hi) in ranges.into_iter().take(KMAX) {
        w.push(lo, hi);
    }
    w
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Counts and keeps `values` in `w` as the tally does (without the block layout).
    fn count(w: &Windows, values: &[f64]) -> Kept {
        let mut k = Kept::new(w.n);
        for &x in values {
            for j in 0..w.n {
                if x < w.lo[j] {
                    k.below[j] += 1;
                } else if x <= w.hi[j] {
                    k.inside[j] += 1;
                    if !w.counts_only(j) {
                        k.values[j].push(x);
                    }
                }
            }
        }
        k
    }

    fn exact(values: &[f64], r: usize) -> f64 {
        let mut v = values.to_vec();
        v.sort_by(f64::total_cmp);
        v[r]
    }

    /// A reproducible stream of values with heavy ties and a continuous part.
    fn values(n: usize, seed: u64) -> Vec<f64> {
        let mut s = seed;
        (0..n)
            .map(|_| {
                s = s
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                let u = (s >> 11) as f64 / (1u64 << 53) as f64;
                if u < 0.3 {
                    0.161
                } else if u < 0.45 {
                    0.161f64.next_up()
                } else {
                    u
                }
            })
            .collect()
    }

    #[test]
    fn refined_windows_keep_the_ranks_exact_and_drop_most_values() {
        let qs = [0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95];
        let all = values(200_000, 7);
        let pilot = &all[..20_000];
        let w0 = Windows::everything();
        let k0 = count(&w0, pilot);
        let (w1, _) = refine(&w0, k0, pilot.len() as u64, 0.1, &qs);
        assert!(w1.n >= 3, "{w1:?}");
        // Counting everything in the refined windows from scratch.
        let mut k1 = count(&w1, &all);
        let kept: usize = k1.values.iter().map(Vec::len).sum();
        assert!(kept < all.len() / 2, "kept {kept}");
        let n = all.len() as u64;
        for &q in &qs {
            let r = ((n - 1) as f64 * q).floor() as u64;
            for rank in [r, r + 1] {
                assert_eq!(
                    k1.at_rank(&w1, rank),
                    Some(exact(&all, rank as usize)),
                    "q {q}"
                );
            }
        }
        // Ties at 0.161 are counted, not kept.
        assert!(
            (0..w1.n).any(|j| w1.counts_only(j) && w1.lo[j] == 0.161),
            "{w1:?}"
        );
        // A second refinement from large windows (bounds from a sample of each) keeps
        // the ranks exact too, with fewer values.
        let half = &all[..100_000];
        let kh = count(&w1, half);
        assert!(kh.values.iter().any(|v| v.len() > 4 * SAMPLE));
        let (w2, _) = refine(&w1, kh, half.len() as u64, 0.5, &qs);
        let mut k2 = count(&w2, &all);
        let kept2: usize = k2.values.iter().map(Vec::len).sum();
        assert!(kept2 < kept, "kept {kept2} of {kept}");
        for &q in &qs {
            let r = ((n - 1) as f64 * q).floor() as u64;
            for rank in [r, r + 1] {
                assert_eq!(k2.at_rank(&w2, rank), Some(exact(&all, rank as usize)));
            }
        }
    }

    /// A tally kernel's signature.
    type Kernel = dyn Fn(Column, &Windows, &mut LaneSums, &mut Kept);

    /// Every tally kernel counts, keeps and sums exactly what the portable one does:
    /// windows that keep and windows that count, infinite ends, ties at the ends, broken
    /// lanes, and more windows than the slot kernel takes.
    #[test]
    fn tally_kernels_agree_with_the_portable_tally() {
        let mut out = Outputs::new();
        let mut s = 11u64;
        let mut next = || {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            s >> 11
        };
        let layouts: Vec<Vec<(f64, f64)>> = vec![
            vec![(f64::NEG_INFINITY, f64::INFINITY)],
            vec![(0.1, 0.2), (0.3, 0.3), (0.5, 0.6)],
            vec![
                (f64::NEG_INFINITY, 0.05),
                (0.3, 0.3),
                (0.3f64.next_up(), 0.4),
                (0.9, f64::INFINITY),
            ],
            (0..7)
                .map(|k| (0.1 * k as f64, 0.1 * k as f64 + 0.05))
                .collect(),
            (0..12)
                .map(|k| (0.08 * k as f64, 0.08 * k as f64 + 0.02))
                .collect(),
        ];
        for round in 0..20 {
            for g in 0..GROUPS {
                for o in 0..2 {
                    for i in 0..W {
                        let u = (next() % 1000) as f64 / 1000.0;
                        // Ties at window ends.
                        out.v[g][o].0[i] = if u < 0.1 {
                            0.3
                        } else if u < 0.15 {
                            0.2
                        } else {
                            u
                        };
                    }
                }
            }
            let sound: [u8; GROUPS] =
                std::array::from_fn(|_| if round % 2 == 0 { 0xFF } else { next() as u8 });
            for layout in &layouts {
                let w = windows_of(layout.clone());
                let run = |kernel: &Kernel| {
                    let mut sums = [[0.0; W]; 2];
                    let mut kept = Kept::new(w.n);
                    kernel(
                        Column {
                            out: &out,
                            o: 1,
                            sound: &sound,
                            pivot: 0.4,
                        },
                        &w,
                        &mut sums,
                        &mut kept,
                    );
                    kept.sort_out(&w);
                    for v in kept.values.iter_mut() {
                        v.sort_by(f64::total_cmp);
                    }
                    (sums, kept)
                };
                let reference = run(&portable_tally);
                #[cfg(all(target_arch = "x86_64", target_feature = "avx512f"))]
                {
                    assert_eq!(run(&avx512::by_window), reference, "{layout:?}");
                    if w.n <= avx512::SLOT_WINDOWS {
                        assert_eq!(run(&avx512::by_slot), reference, "{layout:?}");
                    }
                }
                assert_eq!(run(&tally), reference, "{layout:?}");
                assert!(reference.1.below.iter().any(|&b| b > 0) || w.n == 1);
            }
        }
    }

    #[test]
    fn a_rank_outside_every_window_is_found_in_its_gap() {
        let all: Vec<f64> = (0..1000).map(|i| i as f64).collect();
        let w = windows_of(vec![(100.0, 200.0), (500.0, 600.0)]);
        let k = count(&w, &all);
        assert_eq!(k.window_of(&w, 300), None);
        let (lo, hi, size) = gap(&w, &k, 1000, 300);
        assert_eq!(size, 299);
        let g = windows_of(vec![(lo, hi)]);
        let mut kg = count(&g, &all);
        assert_eq!(kg.at_rank(&g, 300), Some(300.0));
        assert_eq!(kg.inside[0], 299);
    }
}
