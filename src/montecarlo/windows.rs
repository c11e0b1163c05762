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

/// The windows of one output in one year: `lo[k] ≤ x ≤ hi[k]`, disjoint and in
/// increasing order. A window with `lo == hi` (a value with many ties) only counts.
#[derive(Debug, Clone, PartialEq)]
pub struct Windows {
    /// Number of windows in use.
    pub n: usize,
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
        }
    }

    fn push(&mut self, lo: f64, hi: f64) {
        self.lo[self.n] = lo;
        self.hi[self.n] = hi;
        self.n += 1;
    }

    /// Whether window `k` only counts (all its values are equal).
    #[inline]
    pub fn counts_only(&self, k: usize) -> bool {
        self.lo[k] == self.hi[k]
    }
}

/// What some draws left in the windows of one output and year.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Kept {
    /// Per window, the number of values below it.
    pub below: [u64; KMAX],
    /// Per window, the number of values inside it (for a window that keeps values, those
    /// in `values`; the ones still in `raw` are not counted yet).
    pub inside: [u64; KMAX],
    /// Per window, the values inside it (empty for counting-only windows), in no
    /// particular order.
    pub values: Vec<Vec<f64>>,
    /// Values kept by the tally, inside some window that keeps values, not yet sorted out
    /// by window ([`Kept::sort_out`]).
    pub raw: Vec<f64>,
}

impl Kept {
    /// Nothing yet, for `n` windows.
    pub fn new(n: usize) -> Kept {
        Kept {
            below: [0; KMAX],
            inside: [0; KMAX],
            values: vec![Vec::new(); n],
            raw: Vec::new(),
        }
    }

    /// Adds what other draws left in the same windows.
    pub fn merge(&mut self, mut o: Kept) {
        for k in 0..KMAX {
            self.below[k] += o.below[k];
            self.inside[k] += o.inside[k];
        }
        for (a, b) in self.values.iter_mut().zip(o.values.iter_mut()) {
            if a.len() < b.len() {
                std::mem::swap(a, b);
            }
            a.extend_from_slice(b);
        }
        if self.raw.len() < o.raw.len() {
            std::mem::swap(&mut self.raw, &mut o.raw);
        }
        self.raw.extend_from_slice(&o.raw);
    }

    /// Moves the `raw` values to the windows `w` holding them, and counts them there.
    pub fn sort_out(&mut self, w: &Windows) {
        if self.raw.is_empty() {
            return;
        }
        let raw = std::mem::take(&mut self.raw);
        // 1 + the window starting at or below x (the last such holds it: windows are
        // disjoint and ordered).
        let slot = |x: f64| -> usize { w.lo[..w.n].iter().map(|&lo| usize::from(lo <= x)).sum() };
        let slots: Vec<u8> = raw.iter().map(|&x| slot(x) as u8).collect();
        let mut count = [0usize; KMAX + 1];
        for &s in &slots {
            count[s as usize] += 1;
        }
        for k in 0..w.n {
            self.values[k].reserve(count[k + 1]);
        }
        for (x, s) in raw.into_iter().zip(slots) {
            let s = s as usize;
            if s > 0 && x <= w.hi[s - 1] {
                self.values[s - 1].push(x);
                self.inside[s - 1] += 1;
            }
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

/// Moment sums of one output and year over some draws, around a pivot, in [`W`] lanes
/// (draw `b` of a block goes to lane `b mod W`), so that the order of additions is fixed
/// by the draws alone.
pub type LaneSums = [[f64; W]; 2];

/// Tallies output `o` of one block's year `out`: bit `i` of `sound[g]` is set when draw
/// `8g + i` of the block is sound (broken draws and padding lanes are neither counted nor
/// kept). Adds (x - pivot) and (x - pivot)² of the sound draws to `sums`.
///
/// With AVX-512 this is [`avx512::tally`], otherwise [`portable_tally`]; both count,
/// keep and add exactly the same values in the same order.
#[inline]
pub fn tally(
    out: &Outputs,
    o: usize,
    sound: &[u8; GROUPS],
    pivot: f64,
    w: &Windows,
    sums: &mut LaneSums,
    kept: &mut Kept,
) {
    #[cfg(all(target_arch = "x86_64", target_feature = "avx512f"))]
    avx512::tally(out, o, sound, pivot, w, sums, kept);
    #[cfg(not(all(target_arch = "x86_64", target_feature = "avx512f")))]
    portable_tally(out, o, sound, pivot, w, sums, kept);
}

/// [`tally`] in plain Rust (lane loops the compiler vectorises as it can).
pub fn portable_tally(
    out: &Outputs,
    o: usize,
    sound: &[u8; GROUPS],
    pivot: f64,
    w: &Windows,
    sums: &mut LaneSums,
    kept: &mut Kept,
) {
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
                s2[i] += d * d;
            }
        }
    }
    for &xv in &x {
        for k in 0..w.n {
            if xv < w.lo[k] {
                kept.below[k] += 1;
            } else if xv <= w.hi[k] {
                if w.counts_only(k) {
                    kept.inside[k] += 1;
                } else {
                    kept.raw.push(xv);
                }
            }
        }
    }
}

/// [`tally`] with AVX-512: a block's 128 values of one output sit in 16 registers while
/// each window compares them, counts with masked adds and keeps with compressing stores.
#[cfg(all(target_arch = "x86_64", target_feature = "avx512f"))]
pub mod avx512 {
    use super::{BLOCK, GROUPS, Kept, LaneSums, Outputs, Windows};
    use core::arch::x86_64::*;

    /// See [`super::tally`].
    #[inline]
    pub fn tally(
        out: &Outputs,
        o: usize,
        sound: &[u8; GROUPS],
        pivot: f64,
        w: &Windows,
        sums: &mut LaneSums,
        kept: &mut Kept,
    ) {
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
                let d = _mm512_sub_pd(x[g], p);
                s1 = _mm512_mask_add_pd(s1, sound[g], s1, d);
                s2 = _mm512_mask_add_pd(s2, sound[g], s2, _mm512_mul_pd(d, d));
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
                let mut at_or_above = _mm512_setzero_si512();
                if w.counts_only(k) {
                    let mut inside = _mm512_setzero_si512();
                    for g in 0..GROUPS {
                        let ge = _mm512_mask_cmp_pd_mask::<_CMP_GE_OQ>(sound[g], x[g], lo);
                        let le = _mm512_mask_cmp_pd_mask::<_CMP_LE_OQ>(ge, x[g], hi);
                        at_or_above = _mm512_mask_add_epi64(at_or_above, ge, at_or_above, one);
                        inside = _mm512_mask_add_epi64(inside, le, inside, one);
                    }
                    kept.inside[k] += _mm512_reduce_add_epi64(inside) as u64;
                } else {
                    for g in 0..GROUPS {
                        let ge = _mm512_mask_cmp_pd_mask::<_CMP_GE_OQ>(sound[g], x[g], lo);
                        let le = _mm512_mask_cmp_pd_mask::<_CMP_LE_OQ>(ge, x[g], hi);
                        at_or_above = _mm512_mask_add_epi64(at_or_above, ge, at_or_above, one);
                        keep[g] |= le;
                    }
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
    for k in 0..w.n {
        let (first, end) = (kept.below[k], kept.below[k] + kept.inside[k]);
        let reached: Vec<(u64, u64)> = merged
            .iter()
            .filter(|&&(a, b)| a < end && b >= first)
            .map(|&(a, b)| (a.max(first) - first, b.min(end - 1) - first))
            .collect();
        if reached.is_empty() {
            continue;
        }
        if w.counts_only(k) {
            if !add(w.lo[k], w.hi[k], first, end - first, Vec::new()) {
                return (w.clone(), kept);
            }
            continue;
        }
        let mut values = std::mem::take(&mut kept.values[k]);
        let len = values.len();
        // Several quantiles in one window (the pilot's): sort once; otherwise select.
        let sorted = reached.len() > 2;
        if sorted {
            values.sort_unstable_by(f64::total_cmp);
        }
        let at = |values: &mut Vec<f64>, i: usize| -> f64 {
            if sorted {
                values[i]
            } else {
                *values.select_nth_unstable_by(i, f64::total_cmp).1
            }
        };
        // The value bounds of each reached rank interval, merged where they touch.
        let mut bounds: Vec<(f64, f64)> = Vec::with_capacity(reached.len());
        for (a, b) in reached {
            let lo = if a == 0 {
                w.lo[k]
            } else {
                at(&mut values, a as usize)
            };
            let hi = if b as usize + 1 >= len {
                w.hi[k]
            } else {
                at(&mut values, b as usize)
            };
            match bounds.last_mut() {
                Some(m) if lo <= m.1 => m.1 = m.1.max(hi),
                _ => bounds.push((lo, hi)),
            }
        }
        for (lo, hi) in bounds {
            let piece = Piece::of(&values, sorted, lo, hi);
            if !piece.emit(first, &mut add) {
                return (w.clone(), kept_back(kept, k, values));
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
        let (mut below, mut at_lo, mut at_hi) = (0, 0, 0);
        let mut inside = Vec::new();
        for &x in values {
            if x < lo {
                below += 1;
            } else if x <= hi {
                at_lo += usize::from(x == lo);
                at_hi += usize::from(x == hi);
                inside.push(x);
            }
        }
        Piece {
            lo,
            hi,
            below,
            at_lo,
            at_hi,
            inside,
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
        if lo == hi {
            return add(lo, hi, below, inside.len() as u64, Vec::new());
        }
        let (mut a, mut b) = (lo, hi);
        if at_lo > HEAVY && lo.is_finite() {
            if !add(lo, lo, below, at_lo as u64, Vec::new()) {
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
        !heavy_hi || add(hi, hi, below, at_hi as u64, Vec::new())
    }
}

/// `kept` with window `k`'s values put back (a refinement given up).
fn kept_back(mut kept: Kept, k: usize, values: Vec<f64>) -> Kept {
    kept.values[k] = values;
    kept
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
