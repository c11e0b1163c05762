//! Exact quantiles of millions of draws without keeping the draws: per output and year,
//! a few value *windows* around the ranks the quantiles need. While the draws are
//! simulated, a value below a window is only counted, a value inside one is kept, a value
//! in no window is dropped. The values at the needed ranks are then found among the kept
//! ones, since each window knows how many values lie below it.
//!
//! The windows come from the draws themselves, in stages (see [`super::summarize`]): the
//! first stage (the pilot) keeps every value; after each stage [`refine`] shrinks the
//! windows to the values whose ranks lie within [`SPREAD`] standard deviations of where
//! each quantile of the whole run can still end up, which drops most kept values. A
//! window only ever shrinks inside an old one, so its counts stay exact. Ties are handled
//! apart: a value repeated many times at the end of a window gets a window of its own
//! that only counts it (a ratio such as `growth_spending_gdp` varies by rounding only and
//! takes a handful of values a million times each). If a needed rank still ends up
//! outside every window, one more pass finds the value exactly ([`gap`]). The result is
//! always exactly the order statistic; which values were kept never shows in it.
//!
//! Where the work goes, and how it is kept small:
//!
//! - **The tally** ([`tally`]) sees every value of every output and year. With up to
//!   seven windows (`avx512::SLOT_WINDOWS`, the AVX-512 kernel) it finds each value's *slot*
//!   among the sorted window ends (a branch-free binary search in registers) and counts
//!   slots in nibbles, then in bytes per output ([`CellTally`]), which become integer
//!   counts only every [`FLUSH_BLOCKS`] blocks ([`CellTally::flush`]). The AVX2 kernel
//!   does the same search on the upper 32 bits of the values' order keys, eight values a
//!   register (`keyed`), for up to seven windows none of which only counts. Otherwise
//!   (portable, or other windows) [`generic_tally`] counts, per window end and lane, the
//!   values below it, two windows a pass with the counters in the kernel's registers.
//! - **Kept values** of a stage go, unsorted and mixed across windows, into pages of the
//!   thread that tallied them ([`super::pages`]: written once, given back to a pool and
//!   reused stage after stage). A page's room is counted in a register, and a column's
//!   kept values are stored without any check when the page has room for all of them.
//! - **A refinement** ([`refine`]) takes the new windows' bounds from a sample of the
//!   kept values (sorted out by window with a counting sort on their slots, the bounds
//!   selected on integer keys), then cuts every kept value to the new windows in one
//!   branch-free pass ([`cut`]), counting slots as the tally does and reading ahead.

use super::engine::{BLOCK, GROUPS, Outputs};
use super::pages::{Paged, Pool};
use crate::lanes::{Kernel, Lanes, Vector, W, Word, Words, dispatch};

#[cfg(target_arch = "x86_64")]
mod keyed;

/// The most windows of one output and year.
pub(crate) const KMAX: usize = 32;

/// Slots of [`KMAX`] windows: slot 2k is the gap below window k, slot 2k + 1 window k,
/// slot 2 [`KMAX`] the gap above the last window.
pub(crate) const SLOTS: usize = 2 * KMAX + 1;

/// Margin of a window, in standard deviations of where its quantile's rank can still
/// move (about 1e-9 odds per window end of a miss, which would cost one more pass).
pub(crate) const SPREAD: f64 = 6.0;

/// More equal values than this at a window's end get a counting window of their own.
const HEAVY: usize = 32;

/// Values sampled, at least, of each window to place the next windows' bounds (all of
/// them when a window keeps fewer).
const SAMPLE: usize = 128;
/// Standard deviations of a sample's own error by which a bound placed from a sample
/// is moved out.
const MARGIN: f64 = 1.0;

/// Blocks whose slot counts [`CellTally`]'s byte counters hold before they are flushed
/// into integer counts (each block adds at most 16 per byte: 15 × 16 = 240 < 256).
pub(crate) const FLUSH_BLOCKS: usize = 15;

/// The windows of one output in one year: `lo[k] ≤ x ≤ hi[k]`, disjoint and in
/// increasing order. A window with `lo == hi` (a value with many ties) only counts.
///
/// The fields the tally reads come first, in as few cache lines as can be (the windows
/// of every output and year are read in turn, far more than the caches hold).
#[derive(Debug, Clone, PartialEq)]
#[repr(C, align(64))]
pub(crate) struct Windows {
    /// Number of windows in use.
    pub n: usize,
    /// Nibble s (bits 4s to 4s + 3) is all ones when slot s (s < 16) is a window that
    /// keeps its values: a one-hot nibble of a value's slot tests against it.
    pub keep_nibbles: u64,
    /// The ends of the first eight windows in order, lo_k and the next float above hi_k
    /// (unused and the last eight: +inf): a value's slot among them says which window or
    /// gap holds it.
    pub ends: [f64; 24],
    /// Bit k is set when window k only counts.
    pub counting: u64,
    /// The AVX2 kernel's search tables, where it takes these windows.
    #[cfg(target_arch = "x86_64")]
    pub keyed: Option<keyed::KeyTables>,
    /// Lower bounds (unused: +inf).
    pub lo: [f64; KMAX],
    /// Upper bounds (unused: -inf).
    pub hi: [f64; KMAX],
}

impl Windows {
    /// One window holding every value (the pilot's).
    pub(crate) fn everything() -> Windows {
        let mut w = Windows::none();
        w.push(f64::NEG_INFINITY, f64::INFINITY);
        w
    }

    /// No window: values are neither counted nor kept.
    pub(crate) fn none() -> Windows {
        Windows {
            n: 0,
            keep_nibbles: 0,
            ends: [f64::INFINITY; 24],
            counting: 0,
            #[cfg(target_arch = "x86_64")]
            keyed: None,
            lo: [f64::INFINITY; KMAX],
            hi: [f64::NEG_INFINITY; KMAX],
        }
    }

    /// Adds the window `[lo, hi]` after the others (`lo == hi`: a counting window).
    fn push(&mut self, lo: f64, hi: f64) {
        let k = self.n;
        self.lo[k] = lo;
        self.hi[k] = hi;
        self.counting |= u64::from(lo == hi) << k;
        if k < 8 {
            self.ends[2 * k] = lo;
            self.ends[2 * k + 1] = hi.next_up();
            if lo != hi {
                self.keep_nibbles |= 0xF << (4 * (2 * k + 1));
            }
        }
        self.n += 1;
        #[cfg(target_arch = "x86_64")]
        {
            self.keyed = keyed::KeyTables::of(self);
        }
    }

    /// Whether window `k` only counts (all its values are equal).
    #[inline]
    pub(crate) fn counts_only(&self, k: usize) -> bool {
        self.counting >> k & 1 == 1
    }

    /// The sorted window ends (lo_k and the next float above hi_k): a value's slot is the
    /// number of them at or below it.
    fn all_ends(&self) -> Vec<f64> {
        (0..self.n)
            .flat_map(|k| [self.lo[k], self.hi[k].next_up()])
            .collect()
    }
}

/// Counts of the values of one output and year, per window.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Counts {
    /// Per window, the number of values below it.
    pub below: [u64; KMAX],
    /// Per window, the number of values inside it.
    pub inside: [u64; KMAX],
}

impl Default for Counts {
    fn default() -> Counts {
        Counts {
            below: [0; KMAX],
            inside: [0; KMAX],
        }
    }
}

impl Counts {
    /// Adds the counts of other values in the same windows, and zeroes them.
    pub(crate) fn absorb(&mut self, o: &mut Counts) {
        for k in 0..KMAX {
            self.below[k] += o.below[k];
            self.inside[k] += o.inside[k];
        }
        *o = Counts::default();
    }

    /// The window holding 0-based rank `r` among all values counted, if one does.
    pub(crate) fn window_of(&self, w: &Windows, r: u64) -> Option<usize> {
        (0..w.n).find(|&k| self.below[k] <= r && r < self.below[k] + self.inside[k])
    }
}

/// What one thread's draws left in the windows of one output and year during a stage.
#[derive(Debug)]
#[repr(C, align(64))]
pub(crate) struct CellTally<'p> {
    /// Slot counts not flushed yet, per lane: `bytes[0][8i + j]` counts slot 2j of lane
    /// i, `bytes[1][8i + j]` slot 2j + 1 (the slot kernel's, see [`CellTally::flush`]).
    pub bytes: [[u8; 64]; 2],
    /// Values kept, inside some window that keeps values, in no particular order.
    pub raw: Paged<'p>,
    /// Counts flushed so far.
    pub counts: Counts,
}

impl Default for CellTally<'_> {
    fn default() -> Self {
        CellTally {
            bytes: [[0; 64]; 2],
            raw: Paged::new(),
            counts: Counts::default(),
        }
    }
}

impl CellTally<'_> {
    /// Moves the byte counters into [`CellTally::counts`] (`w`: the windows they were
    /// counted in).
    pub(crate) fn flush(&mut self, w: &Windows) {
        if self.bytes == [[0; 64]; 2] {
            return;
        }
        let mut slots = [0u64; 16];
        for lane in 0..W {
            for j in 0..8 {
                slots[2 * j] += u64::from(self.bytes[0][8 * lane + j]);
                slots[2 * j + 1] += u64::from(self.bytes[1][8 * lane + j]);
            }
        }
        self.bytes = [[0; 64]; 2];
        add_slots(w, &slots, &mut self.counts);
    }
}

/// Adds values counted by slot (see [`SLOTS`]) to the counts of the windows `w`.
fn add_slots(w: &Windows, slots: &[u64], counts: &mut Counts) {
    let mut below = 0;
    for k in 0..w.n.min(slots.len() / 2) {
        below += slots[2 * k];
        counts.below[k] += below;
        counts.inside[k] += slots[2 * k + 1];
        below += slots[2 * k + 1];
    }
}

/// Moment sums of one output and year over some draws, around a pivot, in [`W`] lanes
/// (draw `b` of a block goes to lane `b mod W`), so that the order of additions is fixed
/// by the draws alone.
pub(crate) type LaneSums = [[f64; W]; 2];

/// One output of one block's year, as the tally reads it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Column<'a> {
    /// The block's outputs of the year.
    pub out: &'a Outputs,
    /// The output ([`crate::model::OUTPUT_NAMES`] order).
    pub o: usize,
    /// Bit `i` of `sound[g]` is set when draw `8g + i` of the block is sound.
    pub sound: &'a [u8; GROUPS],
    /// The pivot of the moment sums (same unit as the output).
    pub pivot: f64,
}

/// Tallies one output of the same year of consecutive blocks (`cols`, at most
/// [`TALLY_BLOCKS`]) into `t`: broken draws and padding lanes are neither counted nor
/// kept. Adds (x - pivot) and (x - pivot)² of the sound draws to `sums`, the square with
/// one rounding (a fused multiply-add).
///
/// With the AVX-512 kernel this is `avx512::tally`, with the AVX2 kernel `keyed::tally`
/// where it takes the windows, otherwise [`generic_tally`] in the kernel's registers,
/// compiled for its instruction set; all count, keep and add exactly the same values in
/// the same order (the slot kernel's counts reach `t.counts` at
/// [`CellTally::flush`], which must come before the byte counters have seen
/// [`FLUSH_BLOCKS`] blocks). (Without hardware FMA, the portable kernel's `f64::mul_add`
/// is a slower library call with the same result.)
///
/// Kept values go to `t.raw`, in pages from `pool`. `kernel` is one this CPU has.
#[inline]
pub(crate) fn tally<'p>(
    kernel: Kernel,
    cols: &[Column],
    w: &Windows,
    sums: &mut LaneSums,
    t: &mut CellTally<'p>,
    pool: &'p Pool,
) {
    #[cfg(target_arch = "x86_64")]
    match kernel {
        // SAFETY: the caller passes a kernel this CPU has.
        Kernel::Avx512 => return unsafe { avx512::tally(cols, w, sums, t, pool) },
        // SAFETY: as above; `keyed::takes(w)` holds.
        Kernel::Avx2 if keyed::takes(w) => return unsafe { keyed::tally(cols, w, sums, t, pool) },
        _ => {}
    }
    dispatch!(
        kernel,
        fn<'p>(
            cols: &[Column],
            w: &Windows,
            sums: &mut LaneSums,
            t: &mut CellTally<'p>,
            pool: &'p Pool,
        ) {
            generic_tally::<V>(cols, w, sums, t, pool);
        },
        (cols, w, sums, t, pool)
    )
}

/// Most blocks one [`tally`] call takes.
pub(crate) const TALLY_BLOCKS: usize = 4;

/// [`tally`] over the blocks of `cols` ([`TALLY_BLOCKS`] at once), in the registers `V`
/// of a kernel (the AVX2 and portable kernels; [`Lanes`] for reference).
#[inline(always)]
pub(crate) fn generic_tally<'p, V: Vector>(
    cols: &[Column],
    w: &Windows,
    sums: &mut LaneSums,
    t: &mut CellTally<'p>,
    pool: &'p Pool,
) {
    if cols.len() > TALLY_BLOCKS {
        for cols in cols.chunks(TALLY_BLOCKS) {
            generic_tally::<V>(cols, w, sums, t, pool);
        }
        return;
    }
    // Unsound values become NaN, which no comparison counts or keeps, and add +0 to the
    // sums, which changes none (a sum that starts at +0 never becomes -0).
    let [s1, s2] = &mut *sums;
    let (mut a1, mut a2) = (V::load(Lanes(*s1)), V::load(Lanes(*s2)));
    let lane_bit = V::load_bits(Words([1, 2, 4, 8, 16, 32, 64, 128]));
    if w.n == 0 {
        // No window: the moments only.
        for col in cols {
            for g in 0..GROUPS {
                add_moments(col, g, lane_bit, &mut a1, &mut a2);
            }
        }
        (*s1, *s2) = (a1.store().0, a2.store().0);
        return;
    }
    let mut values = [Lanes([f64::NAN; W]); TALLY_BLOCKS * GROUPS];
    let nan = V::splat(f64::NAN);
    for (col, x) in cols.iter().zip(values.chunks_exact_mut(GROUPS)) {
        for (g, x) in x.iter_mut().enumerate() {
            let (v, sound) = add_moments(col, g, lane_bit, &mut a1, &mut a2);
            *x = V::select(sound, v, nan).store();
        }
    }
    (*s1, *s2) = (a1.store().0, a2.store().0);
    count_and_keep::<V>(
        &values[..cols.len() * GROUPS],
        w,
        &mut t.counts,
        &mut t.raw,
        pool,
    );
}

/// Adds group `g` of the column `col` to the moment sums `a1` (x - pivot) and `a2`
/// ((x - pivot)², one rounding), its unsound lanes as +0 (`lane_bit`: bit i in lane i);
/// returns the group's values and its sound lanes. (A function always inlined, not a
/// closure: a closure is not inlined into a kernel, whose intrinsics it would then call.)
#[inline(always)]
fn add_moments<V: Vector>(
    col: &Column,
    g: usize,
    lane_bit: V::Bits,
    a1: &mut V,
    a2: &mut V,
) -> (V, V::Mask) {
    let v = V::load(col.out.v[g][col.o]);
    let sound = (lane_bit & u64::from(col.sound[g])).nonzero();
    let d = V::select(sound, v - col.pivot, V::splat(0.0));
    *a1 = *a1 + d;
    *a2 = d.mul_add(d, *a2);
    (v, sound)
}

/// Counts the values `x` in the windows `w` into `counts` (NaN: in none), and appends
/// those inside windows that keep values to `out` (pages from `pool`), in order. `x`
/// holds at most [`TALLY_BLOCKS`] blocks, in whole 64s of values. Two windows at a time
/// over all the values, branch-free, the counters in registers: a value's mark flips
/// where a window that keeps values holds it; the marks become bits, and the values of
/// the set bits are written straight into the page.
#[inline(always)]
fn count_and_keep<'p, V: Vector>(
    x: &[Lanes],
    w: &Windows,
    counts: &mut Counts,
    out: &mut Paged<'p>,
    pool: &'p Pool,
) {
    debug_assert!(x.len() <= TALLY_BLOCKS * GROUPS && x.len().is_multiple_of(64 / W));
    let mut keep = [Words([0; W]); TALLY_BLOCKS * GROUPS];
    let keep = &mut keep[..x.len()];
    let mut k = 0;
    while k < w.n {
        // Windows that only count mark nothing: their passes skip the marks.
        if V::COUNTS_IN_REGISTERS && k + 1 < w.n {
            if w.counts_only(k) && w.counts_only(k + 1) {
                count_windows::<V, 2, 4, false>(x, keep, w, k, counts);
            } else {
                count_windows::<V, 2, 4, true>(x, keep, w, k, counts);
            }
            k += 2;
        } else {
            if w.counts_only(k) {
                count_windows::<V, 1, 2, false>(x, keep, w, k, counts);
            } else {
                count_windows::<V, 1, 2, true>(x, keep, w, k, counts);
            }
            k += 1;
        }
    }
    if w.counting.count_ones() as usize == w.n {
        return;
    }
    let mut bits = [0u64; TALLY_BLOCKS * BLOCK / 64];
    let bits = &mut bits[..x.len() * W / 64];
    for (b, marks) in bits.iter_mut().zip(keep.chunks_exact(64 / W)) {
        for (g, &m) in marks.iter().enumerate() {
            *b |= u64::from(V::mask_bits(V::load_bits(m).nonzero())) << (W * g);
        }
    }
    keep_values(bits, |j| x[j / W].0[j % W], out, pool);
}

/// Appends to `out` (in pages from `pool`), in order, `value(j)` for each set bit j of
/// `bits` (bit j % 64 of `bits[j / 64]`).
#[inline(always)]
fn keep_values<'p>(
    bits: &[u64],
    value: impl Fn(usize) -> f64,
    out: &mut Paged<'p>,
    pool: &'p Pool,
) {
    let n: usize = bits.iter().map(|b| b.count_ones() as usize).sum();
    if n == 0 {
        return;
    }
    let at = out.room(n, pool);
    let mut m = 0;
    for (h, &b) in bits.iter().enumerate() {
        let mut b = b;
        while b != 0 {
            let j = 64 * h + b.trailing_zeros() as usize;
            b &= b - 1;
            // SAFETY: `room(n)` gave a place with room for n values; m < n (n counts the
            // set bits visited here).
            unsafe { *at.add(m) = value(j) };
            m += 1;
        }
    }
    // SAFETY: the n values at `room(n)`'s place were written above (m == n).
    unsafe { out.wrote(n) };
}

/// Counts the values `x` below and inside windows `k..k + N` of `w` into `counts`, and
/// flips the `keep` mark of a value inside one that keeps values (`E` = 2 `N` window
/// ends; `MARK` false: none of them keeps values, no mark is touched). Per end e (lo, and
/// the next float above hi) and lane, the values below e are counted: below = those below
/// lo, inside = those below the upper end minus those below lo (sound values are finite,
/// NaN is below nothing).
#[inline(always)]
fn count_windows<V: Vector, const N: usize, const E: usize, const MARK: bool>(
    x: &[Lanes],
    keep: &mut [Words],
    w: &Windows,
    k: usize,
    counts: &mut Counts,
) {
    let mut ends = [0.0; E];
    let mut keeps = [0u64; N];
    for i in 0..N {
        ends[2 * i] = w.lo[k + i];
        ends[2 * i + 1] = w.hi[k + i].next_up();
        keeps[i] = if w.counts_only(k + i) { 0 } else { u64::MAX };
    }
    if !V::COUNTS_IN_REGISTERS {
        // The portable kernel: one flat loop a window, which LLVM vectorises for SSE2.
        // SAFETY: `Lanes` and `Words` are `repr(C)` arrays of W values, 64 bytes, aligned
        // to 64: no padding, so the slices are the same memory as W-value runs.
        let (flat, marks) = unsafe {
            (
                std::slice::from_raw_parts(x.as_ptr().cast::<f64>(), x.len() * W),
                std::slice::from_raw_parts_mut(keep.as_mut_ptr().cast::<u64>(), keep.len() * W),
            )
        };
        for i in 0..N {
            let (lo, hi, keeps) = (ends[2 * i], ends[2 * i + 1], keeps[i]);
            let (mut below, mut under) = (0u64, 0u64);
            for (m, &v) in marks.iter_mut().zip(flat) {
                let (a, b) = (u64::from(v < lo), u64::from(v < hi));
                below += a;
                under += b;
                if MARK {
                    *m ^= 0u64.wrapping_sub(a ^ b) & keeps;
                }
            }
            counts.below[k + i] += below;
            counts.inside[k + i] += under - below;
        }
        return;
    }
    let zero = V::load_bits(Words([0; W]));
    let mut below = [zero; E];
    for (&v, marks) in x.iter().zip(keep.iter_mut()) {
        let v = V::load(v);
        let mut flip = zero;
        for i in 0..N {
            let a = V::mask_words(v.cmp_lt(ends[2 * i]));
            let b = V::mask_words(v.cmp_lt(ends[2 * i + 1]));
            below[2 * i] = below[2 * i].wrapping_sub(a);
            below[2 * i + 1] = below[2 * i + 1].wrapping_sub(b);
            flip ^= (a ^ b) & keeps[i];
        }
        if MARK {
            *marks = V::store_bits(V::load_bits(*marks) ^ flip);
        }
    }
    for i in 0..N {
        let lo: u64 = V::store_bits(below[2 * i]).0.iter().sum();
        let hi: u64 = V::store_bits(below[2 * i + 1]).0.iter().sum();
        counts.below[k + i] += lo;
        counts.inside[k + i] += hi - lo;
    }
}

/// [`tally`] and [`cut`] with AVX-512: slots found by a binary search in registers and
/// counted in nibbles, values kept with compressing stores.
#[cfg(target_arch = "x86_64")]
pub(crate) mod avx512 {
    use super::super::pages::PAGE;
    use super::{BLOCK, CellTally, Column, GROUPS, LaneSums, Paged, Pool, Windows};
    use core::arch::x86_64::*;

    /// See [`super::tally`]: [`by_slot`] for 1 to [`SLOT_WINDOWS`] windows, else the
    /// generic [`super::generic_tally`] in `zmm` registers.
    #[inline]
    #[target_feature(enable = "avx512f,avx512bw,avx512dq,avx512vl,avx2,fma,bmi1,bmi2,lzcnt,popcnt")]
    pub(crate) fn tally<'p>(
        cols: &[Column],
        w: &Windows,
        sums: &mut LaneSums,
        t: &mut CellTally<'p>,
        pool: &'p Pool,
    ) {
        if (1..=SLOT_WINDOWS).contains(&w.n) {
            by_slot(cols, w, sums, t, pool);
        } else {
            super::generic_tally::<crate::lanes::avx512::Zmm>(cols, w, sums, t, pool);
        }
    }

    /// Stores the lanes `keep` of `x` at the end of `out`, branch-free: eight lanes are
    /// stored, the first `keep.count_ones()` of them the values kept (a new page is
    /// started when fewer than eight places are left). The page's length is only kept in
    /// `left` (a register: written to memory on each store it would wait on the store
    /// before): the caller ends with `out.set_last_len(PAGE - left)`.
    ///
    /// # Safety
    ///
    /// `*at` is `out.room(8, pool)`, with `*left` places from there in its page.
    #[inline]
    #[target_feature(enable = "avx512f,avx512bw,avx512dq,avx512vl,avx2,fma,bmi1,bmi2,lzcnt,popcnt")]
    unsafe fn keep_lanes<'p>(
        x: __m512d,
        keep: u8,
        at: &mut *mut f64,
        left: &mut usize,
        out: &mut Paged<'p>,
        pool: &'p Pool,
    ) {
        // SAFETY: the caller's promise, kept below.
        unsafe { store_lanes(x, keep, at, left) };
        if *left < 8 {
            // SAFETY: the values before `*at` in the last page were all stored.
            unsafe { out.set_last_len(PAGE - *left) };
            *at = out.room(8, pool);
            *left = PAGE - out.last_len();
        }
    }

    /// Stores the lanes `keep` of `x` at `*at`, moving `*at` past them and counting them
    /// off `*left`: eight lanes are stored, the first `keep.count_ones()` of them the values
    /// kept.
    ///
    /// # Safety
    ///
    /// At least eight places from `*at` in its page, `*left` of them.
    #[inline]
    #[target_feature(enable = "avx512f,avx512bw,avx512dq,avx512vl,avx2,fma,bmi1,bmi2,lzcnt,popcnt")]
    unsafe fn store_lanes(x: __m512d, keep: u8, at: &mut *mut f64, left: &mut usize) {
        let m = keep.count_ones() as usize;
        // SAFETY: at least eight places from `at` (the caller's promise).
        unsafe { _mm512_storeu_pd(*at, _mm512_maskz_compress_pd(keep, x)) };
        *at = at.wrapping_add(m);
        *left -= m;
    }

    /// Most windows [`by_slot`] takes: their 14 ends (and two +inf) fill two registers,
    /// and a value's slot (0 to 14) indexes a nibble of a 64-bit counter.
    pub(crate) const SLOT_WINDOWS: usize = 7;

    /// Adds the moment sums of one group.
    #[inline]
    #[target_feature(enable = "avx512f,avx512bw,avx512dq,avx512vl,avx2,fma,bmi1,bmi2,lzcnt,popcnt")]
    fn moments(x: __m512d, p: __m512d, sound: u8, s1: &mut __m512d, s2: &mut __m512d) {
        let d = _mm512_sub_pd(x, p);
        *s1 = _mm512_mask_add_pd(*s1, sound, *s1, d);
        *s2 = _mm512_mask3_fmadd_pd(d, d, *s2, sound);
    }

    /// The ends of up to [`SLOT_WINDOWS`] windows in registers, for [`Slots::of`].
    #[derive(Clone, Copy)]
    pub(crate) struct Slots {
        e7: __m512d,
        e3: __m512d,
        e11: __m512d,
        t1: (__m512d, __m512d),
        t0: (__m512d, __m512d),
        keep: __m512i,
    }

    impl Slots {
        /// The ends of `w` (at most [`SLOT_WINDOWS`] windows).
        #[inline]
        #[target_feature(
            enable = "avx512f,avx512bw,avx512dq,avx512vl,avx2,fma,bmi1,bmi2,lzcnt,popcnt"
        )]
        pub(crate) fn new(w: &Windows) -> Slots {
            let e = w.ends.as_ptr();
            // SAFETY: the loads read within `ends` (24 values: at most 11 + 8).
            unsafe {
                let at = |shift: usize| {
                    (
                        _mm512_loadu_pd(e.add(shift)),
                        _mm512_loadu_pd(e.add(8 + shift)),
                    )
                };
                Slots {
                    e7: _mm512_set1_pd(w.ends[7]),
                    e3: _mm512_set1_pd(w.ends[3]),
                    e11: _mm512_set1_pd(w.ends[11]),
                    t1: at(1),
                    t0: at(0),
                    keep: _mm512_set1_epi64(w.keep_nibbles as i64),
                }
            }
        }

        /// Per lane, the slot of `x` after the search's first two steps (0, 4, 8 or 12):
        /// their ends are one of three, so they are compared without a table.
        #[inline]
        #[target_feature(
            enable = "avx512f,avx512bw,avx512dq,avx512vl,avx2,fma,bmi1,bmi2,lzcnt,popcnt"
        )]
        fn half(&self, x: __m512d) -> __m512i {
            let high = _mm512_cmp_pd_mask::<_CMP_LE_OQ>(self.e7, x);
            let slot = _mm512_maskz_mov_epi64(high, _mm512_set1_epi64(8));
            let end = _mm512_mask_blend_pd(high, self.e3, self.e11);
            let le = _mm512_cmp_pd_mask::<_CMP_LE_OQ>(end, x);
            _mm512_mask_or_epi64(slot, le, slot, _mm512_set1_epi64(4))
        }

        /// Per lane, the one-hot nibble of the slot of `x` (the number of ends at or
        /// below it, 0 to 15): a branch-free binary search in four steps, the first two
        /// ([`Slots::half`]) against broadcast ends, each later step's end looked up in a
        /// copy of the ends shifted by its offset, so that the slot so far is the index;
        /// the last step shifts the one-hot nibble instead. NaN gets slot 0.
        #[inline]
        #[target_feature(
            enable = "avx512f,avx512bw,avx512dq,avx512vl,avx2,fma,bmi1,bmi2,lzcnt,popcnt"
        )]
        pub(crate) fn one_hot(&self, x: __m512d) -> __m512i {
            let mut slot = self.half(x);
            let end = _mm512_permutex2var_pd(self.t1.0, slot, self.t1.1);
            let le = _mm512_cmp_pd_mask::<_CMP_LE_OQ>(end, x);
            slot = _mm512_mask_or_epi64(slot, le, slot, _mm512_set1_epi64(2));
            let end = _mm512_permutex2var_pd(self.t0.0, slot, self.t0.1);
            let le = _mm512_cmp_pd_mask::<_CMP_LE_OQ>(end, x);
            let one_hot = _mm512_sllv_epi64(_mm512_set1_epi64(1), _mm512_slli_epi64::<2>(slot));
            _mm512_mask_slli_epi64::<4>(one_hot, le, one_hot)
        }

        /// Per lane, the slot of `x` (see [`Slots::one_hot`]).
        #[inline]
        #[target_feature(
            enable = "avx512f,avx512bw,avx512dq,avx512vl,avx2,fma,bmi1,bmi2,lzcnt,popcnt"
        )]
        pub(crate) fn slot(&self, x: __m512d) -> __m512i {
            let mut slot = self.half(x);
            for ((lo, hi), step) in [(self.t1, 2), (self.t0, 1)] {
                let end = _mm512_permutex2var_pd(lo, slot, hi);
                let le = _mm512_cmp_pd_mask::<_CMP_LE_OQ>(end, x);
                slot = _mm512_mask_or_epi64(slot, le, slot, _mm512_set1_epi64(step));
            }
            slot
        }

        /// The lanes of `valid` whose one-hot slot is a window that keeps values.
        #[inline]
        #[target_feature(
            enable = "avx512f,avx512bw,avx512dq,avx512vl,avx2,fma,bmi1,bmi2,lzcnt,popcnt"
        )]
        pub(crate) fn keeps(&self, valid: u8, one_hot: __m512i) -> u8 {
            _mm512_mask_test_epi64_mask(valid, one_hot, self.keep)
        }
    }

    /// Nibble counters: even and odd nibbles, widened to bytes.
    #[inline]
    #[target_feature(enable = "avx512f,avx512bw,avx512dq,avx512vl,avx2,fma,bmi1,bmi2,lzcnt,popcnt")]
    fn split(c: __m512i) -> (__m512i, __m512i) {
        let m = _mm512_set1_epi64(0x0F0F_0F0F_0F0F_0F0F);
        (
            _mm512_and_si512(c, m),
            _mm512_and_si512(_mm512_srli_epi64::<4>(c), m),
        )
    }

    /// The tally by *slots* ([`Slots`]), for the blocks `cols` (at most
    /// [`super::TALLY_BLOCKS`]): a one-hot nibble per value counts its slot, in two
    /// counters that take turns by group (at most 8 per nibble, so they never carry),
    /// added as bytes (at most 16 per block) and, after the last block, to the cell's
    /// byte counters. Kept values leave through compress-in-register and a full store at
    /// the end of the kept values, branch-free (kept values come in no order).
    #[inline]
    #[target_feature(enable = "avx512f,avx512bw,avx512dq,avx512vl,avx2,fma,bmi1,bmi2,lzcnt,popcnt")]
    pub(crate) fn by_slot<'p>(
        cols: &[Column],
        w: &Windows,
        sums: &mut LaneSums,
        t: &mut CellTally<'p>,
        pool: &'p Pool,
    ) {
        let slots = Slots::new(w);
        // SAFETY: the loads read whole `[f64; 8]` arrays; kept values are stored by
        // `keep_lanes` at a place with room for eight (`room(8)`, and `left` kept up to
        // date); the byte counters are two aligned 64-byte arrays.
        unsafe {
            let mut s1 = _mm512_loadu_pd(sums[0].as_ptr());
            let mut s2 = _mm512_loadu_pd(sums[1].as_ptr());
            let (mut even, mut odd) = (_mm512_setzero_si512(), _mm512_setzero_si512());
            let raw = &mut t.raw;
            let mut at = raw.room(8, pool);
            let mut left = PAGE - raw.last_len();
            for col in cols {
                let Column {
                    out,
                    o,
                    sound,
                    pivot,
                } = *col;
                let p = _mm512_set1_pd(pivot);
                let (mut c0, mut c1) = (_mm512_setzero_si512(), _mm512_setzero_si512());
                let mut group = |g: usize, c: &mut __m512i| -> (__m512d, u8) {
                    let x = _mm512_loadu_pd(out.v[g][o].0.as_ptr());
                    let sg = sound[g];
                    moments(x, p, sg, &mut s1, &mut s2);
                    let one_hot = slots.one_hot(x);
                    *c = _mm512_mask_add_epi64(*c, sg, *c, one_hot);
                    (x, slots.keeps(sg, one_hot))
                };
                if left >= BLOCK + 8 {
                    // Room for the whole column: no page fills up, no check.
                    for g in (0..GROUPS).step_by(2) {
                        let (x, keep) = group(g, &mut c0);
                        store_lanes(x, keep, &mut at, &mut left);
                        let (x, keep) = group(g + 1, &mut c1);
                        store_lanes(x, keep, &mut at, &mut left);
                    }
                } else {
                    for g in (0..GROUPS).step_by(2) {
                        let (x, keep) = group(g, &mut c0);
                        keep_lanes(x, keep, &mut at, &mut left, raw, pool);
                        let (x, keep) = group(g + 1, &mut c1);
                        keep_lanes(x, keep, &mut at, &mut left, raw, pool);
                    }
                }
                let (e0, o0) = split(c0);
                let (e1, o1) = split(c1);
                even = _mm512_add_epi8(even, _mm512_add_epi8(e0, e1));
                odd = _mm512_add_epi8(odd, _mm512_add_epi8(o0, o1));
            }
            // SAFETY (in the block above): `keep_lanes` stored every value before `at`.
            raw.set_last_len(PAGE - left);
            _mm512_storeu_pd(sums[0].as_mut_ptr(), s1);
            _mm512_storeu_pd(sums[1].as_mut_ptr(), s2);
            let b = t.bytes.as_mut_ptr().cast::<__m512i>();
            _mm512_store_si512(b, _mm512_add_epi8(_mm512_load_si512(b), even));
            _mm512_store_si512(b.add(1), _mm512_add_epi8(_mm512_load_si512(b.add(1)), odd));
        }
    }

    /// Adds the nibble counter `c` (at most 15 per nibble) to `slots` (16 of them).
    #[inline]
    #[target_feature(enable = "avx512f,avx512bw,avx512dq,avx512vl,avx2,fma,bmi1,bmi2,lzcnt,popcnt")]
    fn flush_nibbles(c: __m512i, slots: &mut [u64]) {
        let (even, odd) = split(c);
        let e = _mm512_reduce_add_epi64(even) as u64;
        let o = _mm512_reduce_add_epi64(odd) as u64;
        for j in 0..8 {
            slots[2 * j] += (e >> (8 * j)) & 0xFF;
            slots[2 * j + 1] += (o >> (8 * j)) & 0xFF;
        }
    }

    /// See [`super::slots_of`], for windows the slot search takes.
    #[target_feature(enable = "avx512f,avx512bw,avx512dq,avx512vl,avx2,fma,bmi1,bmi2,lzcnt,popcnt")]
    pub(crate) fn slots_of(values: &[f64], w: &Windows, out: &mut Vec<u8>) {
        let s = Slots::new(w);
        let chunks = values.chunks_exact(8);
        let tail = chunks.remainder();
        for c in chunks {
            // SAFETY: `c` holds eight values; the slots are below 16.
            unsafe {
                let slot = s.slot(_mm512_loadu_pd(c.as_ptr()));
                let mut b = [0u8; 16];
                _mm_storeu_si128(b.as_mut_ptr().cast(), _mm512_cvtepi64_epi8(slot));
                out.extend_from_slice(&b[..8]);
            }
        }
        super::portable_slots_of(tail, w, out);
    }

    /// See [`super::cut`], for windows the slot search takes.
    #[target_feature(enable = "avx512f,avx512bw,avx512dq,avx512vl,avx2,fma,bmi1,bmi2,lzcnt,popcnt")]
    pub(crate) fn cut<'p>(
        parts: &[&[f64]],
        w: &Windows,
        slots: &mut [u64],
        out: &mut Paged<'p>,
        pool: &'p Pool,
    ) {
        let s = Slots::new(w);
        let mut at = out.room(8, pool);
        let mut left = PAGE - out.last_len();
        // SAFETY: the loads read part[i..i + 8] (i + 8 <= len), or only the valid lanes of
        // a part's last group; kept values go through `keep_lanes` from `room(8)` with
        // `left` up to date.
        unsafe {
            let mut c = _mm512_setzero_si512();
            let mut since = 0;
            for (j, part) in parts.iter().enumerate() {
                let (p, n) = (part.as_ptr(), part.len());
                // Kept values were written stages ago and lie in pages all over memory:
                // ask for the next part's first lines and this part's values 1 KB ahead
                // (a prefetch never faults, wherever it points).
                if let Some(next) = parts.get(j + 1) {
                    for l in (0..next.len().min(128)).step_by(8) {
                        _mm_prefetch::<_MM_HINT_T0>(next.as_ptr().wrapping_add(l).cast());
                    }
                }
                let mut i = 0;
                while i < n {
                    _mm_prefetch::<_MM_HINT_T0>(p.wrapping_add(i + 128).cast());
                    let valid = if i + 8 <= n {
                        0xFF
                    } else {
                        (1u8 << (n - i)) - 1
                    };
                    let x = _mm512_maskz_loadu_pd(valid, p.add(i));
                    let one_hot = s.one_hot(x);
                    c = _mm512_mask_add_epi64(c, valid, c, one_hot);
                    keep_lanes(x, s.keeps(valid, one_hot), &mut at, &mut left, out, pool);
                    i += 8;
                    since += 1;
                    if since == 15 {
                        flush_nibbles(c, slots);
                        c = _mm512_setzero_si512();
                        since = 0;
                    }
                }
            }
            flush_nibbles(c, slots);
        }
        // SAFETY: `keep_lanes` stored every value before `at` in the last page.
        unsafe { out.set_last_len(PAGE - left) };
    }
}

/// Appends to `out` the slot (see [`SLOTS`]) of each of `values` among the ends of `w`
/// (`kernel`: one this CPU has).
pub(crate) fn slots_of(kernel: Kernel, values: &[f64], w: &Windows, out: &mut Vec<u8>) {
    #[cfg(target_arch = "x86_64")]
    match kernel {
        // SAFETY: the caller passes a kernel this CPU has.
        Kernel::Avx512 if (1..=avx512::SLOT_WINDOWS).contains(&w.n) => {
            return unsafe { avx512::slots_of(values, w, out) };
        }
        // SAFETY: as above; `keyed::takes(w)` holds.
        Kernel::Avx2 if keyed::takes(w) => return unsafe { keyed::slots_of(values, w, out) },
        _ => {}
    }
    dispatch!(
        kernel,
        fn(values: &[f64], w: &Windows, out: &mut Vec<u8>) {
            portable_slots_of(values, w, out)
        },
        (values, w, out)
    )
}

/// [`slots_of`] in plain Rust, for any number of windows: how many ends are at or below
/// each value, counted branch-free (values come in no order, so a binary search would
/// mispredict) eight values at a time, so that the loop vectorises across them.
#[inline(always)]
pub(crate) fn portable_slots_of(values: &[f64], w: &Windows, out: &mut Vec<u8>) {
    let ends = w.all_ends();
    for c in values.chunks(8) {
        let mut v = [f64::NAN; 8];
        v[..c.len()].copy_from_slice(c);
        let mut s = [0u8; 8];
        for &e in &ends {
            for i in 0..8 {
                s[i] += u8::from(e <= v[i]);
            }
        }
        out.extend_from_slice(&s[..c.len()]);
    }
}

/// Adds to `counts` how many of `slots` there are of each slot (see [`SLOTS`]): four
/// tallies that take turns, so that runs of one slot do not wait on one another.
fn count_slots(slots: &[u8], counts: &mut [u64; SLOTS]) {
    let mut tally = [[0u64; SLOTS]; 4];
    let quads = slots.chunks_exact(4);
    for &s in quads.remainder() {
        tally[0][usize::from(s)] += 1;
    }
    for q in quads {
        for (t, &s) in tally.iter_mut().zip(q) {
            t[usize::from(s)] += 1;
        }
    }
    for (j, c) in counts.iter_mut().enumerate() {
        *c += tally.iter().map(|t| t[j]).sum::<u64>();
    }
}

/// Appends to `out` (in pages from `pool`), in their order, the values of `parts` inside
/// windows of `w` that keep values, and adds each value's slot to `slots` (see [`SLOTS`]):
/// one branch-free pass (the values come in no order, so branches would mispredict).
pub(crate) fn cut<'p>(
    kernel: Kernel,
    parts: &[&[f64]],
    w: &Windows,
    slots: &mut [u64; SLOTS],
    out: &mut Paged<'p>,
    pool: &'p Pool,
) {
    #[cfg(target_arch = "x86_64")]
    match kernel {
        // SAFETY: the caller passes a kernel this CPU has.
        Kernel::Avx512 if (1..=avx512::SLOT_WINDOWS).contains(&w.n) => {
            return unsafe { avx512::cut(parts, w, slots, out, pool) };
        }
        // SAFETY: as above; `keyed::takes(w)` holds.
        Kernel::Avx2 if keyed::takes(w) => {
            return unsafe { keyed::cut(parts, w, slots, out, pool) };
        }
        _ => {}
    }
    dispatch!(
        kernel,
        fn<'p>(
            parts: &[&[f64]],
            w: &Windows,
            slots: &mut [u64; SLOTS],
            out: &mut Paged<'p>,
            pool: &'p Pool,
        ) {
            generic_cut::<V>(parts, w, slots, out, pool)
        },
        (parts, w, slots, out, pool)
    )
}

/// [`cut`] in the registers `V` of a kernel, for any number of windows: the values a
/// tally's worth at a time through the tally's [`count_and_keep`], the slots from the
/// windows' counts.
#[inline(always)]
pub(crate) fn generic_cut<'p, V: Vector>(
    parts: &[&[f64]],
    w: &Windows,
    slots: &mut [u64; SLOTS],
    out: &mut Paged<'p>,
    pool: &'p Pool,
) {
    let mut counts = Counts::default();
    let mut values = [Lanes([f64::NAN; W]); TALLY_BLOCKS * GROUPS];
    let mut total = 0;
    for (p, part) in parts.iter().enumerate() {
        // Kept values were written stages ago and lie in pages all over memory: ask for
        // the next part's first lines, and for each value 1 KB ahead.
        if let Some(next) = parts.get(p + 1) {
            for l in (0..next.len().min(128)).step_by(8) {
                prefetch(next.as_ptr().wrapping_add(l));
            }
        }
        for piece in part.chunks(TALLY_BLOCKS * BLOCK) {
            // Whole 64s of values, NaN after the piece's.
            let lanes = piece.len().div_ceil(64) * (64 / W);
            for (j, lane) in values[..lanes].iter_mut().enumerate() {
                prefetch(piece.as_ptr().wrapping_add(j * W + 128));
                let from = (j * W).min(piece.len());
                let these = &piece[from..(from + W).min(piece.len())];
                lane.0 = [f64::NAN; W];
                lane.0[..these.len()].copy_from_slice(these);
            }
            count_and_keep::<V>(&values[..lanes], w, &mut counts, out, pool);
            total += piece.len() as u64;
        }
    }
    let mut end = 0;
    for k in 0..w.n {
        slots[2 * k] += counts.below[k] - end;
        slots[2 * k + 1] += counts.inside[k];
        end = counts.below[k] + counts.inside[k];
    }
    slots[2 * w.n] += total - end;
}

/// Asks for the cache line at `p` (a hint: never faults, wherever `p` points).
#[inline(always)]
fn prefetch(p: *const f64) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: SSE is in the x86-64 baseline; a prefetch reads nothing.
    unsafe {
        core::arch::x86_64::_mm_prefetch::<{ core::arch::x86_64::_MM_HINT_T0 }>(p.cast());
    }
}

/// Asks for the cache lines of `bytes` bytes from `p` (a hint: never faults).
#[inline(always)]
fn prefetch_bytes(p: *const u8, bytes: usize) {
    for at in (0..bytes).step_by(64) {
        prefetch(p.wrapping_add(at).cast());
    }
}

/// Asks for the state a [`tally`] of one output and year reads first: its windows'
/// counts and ends, its moment sums and its byte counters (with where its kept values
/// go). A run goes through thousands of cells per block, and each one's state has left
/// the nearest caches since its last turn: asked for a few cells ahead, it arrives while
/// the cells before are tallied.
#[inline(always)]
pub(crate) fn prefetch_cell(w: &Windows, sums: &LaneSums, t: &CellTally) {
    // The windows up to the AVX2 search tables (the bounds are read by a refinement only).
    prefetch_bytes(
        (w as *const Windows).cast(),
        std::mem::offset_of!(Windows, lo),
    );
    prefetch_bytes(sums.as_ptr().cast(), size_of::<LaneSums>());
    prefetch_bytes(
        (t as *const CellTally).cast(),
        std::mem::offset_of!(CellTally, counts),
    );
}

/// Asks for the cache line where the next value `t` keeps goes (`t` itself should be
/// in cache already: [`prefetch_cell`] a cell earlier).
#[inline(always)]
pub(crate) fn prefetch_kept(t: &CellTally) {
    if let Some(next) = t.raw.next_place() {
        prefetch(next);
    }
}

/// The 0-based rank interval, among `n` values counted so far, in which the type-7
/// quantile `q` of the whole run can still end up, when a share `done` of the run's
/// draws has been counted: the rank q (n - 1) moved by [`SPREAD`] standard deviations,
/// sqrt(n q (1 - q) (1 - done)) (the binomial spread of the draws still to come against
/// those seen), and two ranks more for the two order statistics that type 7 blends; and
/// that standard deviation.
fn rank_interval(n: u64, q: f64, done: f64) -> (u64, u64, f64) {
    let q = q.clamp(0.0, 1.0);
    let nf = n as f64;
    let rho = q * (nf - 1.0);
    let sigma = (nf * q * (1.0 - q) * (1.0 - done).max(0.0)).sqrt();
    let ra = (rho - SPREAD * sigma - 2.0).floor().max(0.0) as u64;
    let rb = ((rho + SPREAD * sigma + 2.0).ceil() as u64).min(n - 1);
    (ra, rb, sigma)
}

/// The kept values of one output and year, all inside windows that keep values: those
/// of earlier stages, cut to the current windows, and those the threads kept in the last
/// stage, as slices.
pub(crate) struct Kept<'a> {
    /// The values, part by part.
    pub parts: Vec<&'a [f64]>,
}

impl Kept<'_> {
    /// Number of values.
    fn len(&self) -> usize {
        self.parts.iter().map(|r| r.len()).sum()
    }

    /// The first `len` values, in order across the parts, as slices. (The values of a
    /// window, wherever they lie, are independent draws of the same law: any of them are
    /// a fair sample, and the first ones are read at memory speed.)
    fn first(&self, mut len: usize) -> impl Iterator<Item = &[f64]> + '_ {
        // (`filter_map`, not `map_while`: an empty part may come before more values.)
        self.parts.iter().filter_map(move |part| {
            let take = len.min(part.len());
            len -= take;
            (take > 0).then(|| &part[..take])
        })
    }

    /// Appends every value to `out`.
    pub(crate) fn copy_to<'p>(&self, out: &mut Paged<'p>, pool: &'p Pool) {
        for part in &self.parts {
            out.extend_from_slice(part, pool);
        }
    }
}

/// Flips every bit but the sign of a negative number's bits: what makes the integer
/// order of a float's bits `f64::total_cmp`'s order, and its own inverse.
#[inline]
fn flip(b: i64) -> i64 {
    b ^ (((b >> 63) as u64) >> 1) as i64
}

/// The key of `x` whose integer order is `f64::total_cmp`'s order of the values.
#[inline]
fn key(x: f64) -> i64 {
    flip(x.to_bits() as i64)
}

/// The value of a [`key`].
#[inline]
fn unkey(k: i64) -> f64 {
    f64::from_bits(flip(k) as u64)
}

/// Puts the keys at the sorted positions `at` of `v` where sorting would put them: the
/// middle position first, then each half with its positions, so that each level of the
/// recursion reads the keys once; a half whose only position is its last (or first) key
/// takes its largest (smallest) key by a scan, the second of two neighbouring ranks that
/// a type-7 quantile blends. (Integer keys compare faster than `total_cmp`.)
fn multi_select(v: &mut [i64], at: &[usize]) {
    select_from(v, at, 0);
}

/// [`multi_select`] of the keys `v` that start at sorted position `base` (`at`: sorted
/// positions in the whole, those from `base` on).
fn select_from(v: &mut [i64], at: &[usize], base: usize) {
    let mid = at.len() / 2;
    let Some(j) = at.get(mid).map(|&a| a - base) else {
        return;
    };
    if j >= v.len() {
        return;
    }
    let (left, _, right) = v.select_nth_unstable(j);
    let (below, above) = (&at[..mid], &at[mid + 1..]);
    match below {
        [i] if i - base + 1 == left.len() => extreme_to(left, left.len() - 1, i64::max),
        _ => select_from(left, below, base),
    }
    match above {
        [i] if *i == base + j + 1 && !right.is_empty() => extreme_to(right, 0, i64::min),
        _ => select_from(right, above, base + j + 1),
    }
}

/// Swaps the extreme key of `v` (`pick`: [`i64::max`] or [`i64::min`]) to position `to`.
fn extreme_to(v: &mut [i64], to: usize, pick: fn(i64, i64) -> i64) {
    let Some(&first) = v.first() else {
        return;
    };
    let x = v.iter().copied().fold(first, pick);
    if let Some(i) = v.iter().position(|&k| k == x) {
        v.swap(i, to);
    }
}

/// The first kept values sorted out by window, as [`key`]s: window k's are
/// `keys[start[k]..start[k] + size[k]]`, in the order they came.
struct ByWindow {
    keys: Vec<i64>,
    start: [usize; KMAX],
    size: [usize; KMAX],
}

/// The first `taken` values of `kept` (all inside windows of `w` that keep values) sorted
/// out by window, branch-free: a counting sort on each value's slot.
fn by_window(kernel: Kernel, kept: &Kept, w: &Windows, taken: usize) -> ByWindow {
    let mut sorted = ByWindow {
        keys: Vec::new(),
        start: [0; KMAX],
        size: [0; KMAX],
    };
    if taken == 0 {
        return sorted;
    }
    let mut slot = Vec::with_capacity(taken);
    for part in kept.first(taken) {
        slots_of(kernel, part, w, &mut slot);
    }
    let mut per_slot = [0u64; SLOTS];
    count_slots(&slot, &mut per_slot);
    let mut next = [0usize; SLOTS];
    let mut acc = 0;
    for (at, &c) in next.iter_mut().zip(&per_slot) {
        *at = acc;
        acc += c as usize;
    }
    for k in 0..w.n {
        sorted.start[k] = next[2 * k + 1];
        sorted.size[k] = next[2 * k + 2] - next[2 * k + 1];
    }
    sorted.keys = vec![0; taken];
    let mut slots = slot.as_slice();
    for part in kept.first(taken) {
        let (these, rest) = slots.split_at(part.len().min(slots.len()));
        slots = rest;
        for (&x, &s) in part.iter().zip(these) {
            let at = &mut next[s as usize];
            if let Some(v) = sorted.keys.get_mut(*at) {
                *v = key(x);
            }
            *at += 1;
        }
    }
    sorted
}

/// Shrinks the windows `w` (with `counts` of `n` values, and the `kept` values) around
/// the quantiles `qs`, for the draws still to come, `done` being the share of the run's
/// draws counted so far. Windows only shrink inside the old ones; a window no quantile
/// can reach is dropped. Returns the new windows and counts, and appends to `out` (in
/// pages from `pool`) exactly the kept values inside the new windows that keep values.
#[allow(clippy::too_many_arguments)]
pub(crate) fn refine<'p>(
    kernel: Kernel,
    w: &Windows,
    counts: &Counts,
    kept: &Kept,
    n: u64,
    done: f64,
    qs: &[f64],
    out: &mut Paged<'p>,
    pool: &'p Pool,
) -> (Windows, Counts) {
    let unchanged = |kept: &Kept, out: &mut Paged<'p>| {
        kept.copy_to(out, pool);
        (w.clone(), counts.clone())
    };
    if n == 0 {
        return unchanged(kept, out);
    }
    // The rank intervals the quantiles can still reach, merged where they touch, each
    // with the smallest standard deviation of the ranks that make it.
    let mut want: Vec<(u64, u64, f64)> = qs.iter().map(|&q| rank_interval(n, q, done)).collect();
    want.sort_unstable_by_key(|x| x.0);
    let mut merged: Vec<(u64, u64, f64)> = Vec::with_capacity(want.len());
    for (a, b, sd) in want {
        match merged.last_mut() {
            Some(m) if a <= m.1 + 1 => {
                m.1 = m.1.max(b);
                m.2 = m.2.min(sd);
            }
            _ => merged.push((a, b, sd)),
        }
    }
    // The rank intervals reaching each window, relative to its first value, and the
    // smallest standard deviation among them.
    let mut sd = vec![f64::INFINITY; w.n];
    let reached: Vec<Vec<(u64, u64)>> = (0..w.n)
        .map(|k| {
            let (first, end) = (counts.below[k], counts.below[k] + counts.inside[k]);
            merged
                .iter()
                .filter(|&&(a, b, _)| a < end && b >= first)
                .map(|&(a, b, s)| {
                    sd[k] = sd[k].min(s);
                    (a.max(first) - first, b.min(end - 1) - first)
                })
                .collect()
        })
        .collect();
    // A sample of the values of each window that keeps values and is reached: its first
    // kept values, m of them, enough that the sample's own error on a bound's rank, at
    // most inside / (2 sqrt(m)) for a window holding `inside`, stays within half a
    // standard deviation s of the ranks, and at least [`SAMPLE`]; all of them when that
    // is most (the pilot's single window, say). The first `taken` kept values hold
    // about m of the window that needs the largest share; the other windows keep only
    // their first m of them (`cap`). With bounds moved out by one such error, the final
    // rank falls outside with odds Q((6 + 0.5) / sqrt(1 + 0.25)) = Q(5.8), 3e-9 per
    // window end.
    let total = kept.len();
    let mut cap = [0usize; KMAX];
    let mut share = 0.0f64;
    for k in 0..w.n {
        if reached[k].is_empty() || w.counts_only(k) || counts.inside[k] == 0 {
            continue;
        }
        let inside = counts.inside[k] as f64;
        let m = (inside / sd[k].max(1e-9))
            .powi(2)
            .max(SAMPLE as f64)
            .min(inside);
        cap[k] = m.ceil() as usize;
        share = share.max(m / inside);
    }
    let taken = ((share * total as f64).ceil() as usize).min(total);
    // The sample sorted out by window, as keys.
    let ByWindow {
        keys: mut sorted,
        start,
        size,
    } = by_window(kernel, kept, w, taken);
    // The new windows, each inside an old one (its parent), or an old counting window
    // carried over with its counts: (lo, hi, parent, carried).
    let mut planned: Vec<(f64, f64, usize, bool)> = Vec::new();
    for k in 0..w.n {
        if reached[k].is_empty() {
            continue;
        }
        if w.counts_only(k) {
            planned.push((w.lo[k], w.hi[k], k, true));
            continue;
        }
        let inside = counts.inside[k];
        // The window's first `cap` values in the sample (a counting sort keeps their order).
        let s = &mut sorted[start[k]..start[k] + size[k].min(cap[k])];
        let m = s.len();
        let exact = taken == total && m as u64 == inside;
        // A few of the window's values as they came (before any selection reorders them),
        // to spot heavy ties.
        let probe: Vec<f64> = s[..m.min(SAMPLE)].iter().map(|&k| unkey(k)).collect();
        // The sample position about rank `i` of the window, moved by `side` (-1 or +1)
        // past the sample's own error (MARGIN sd of a binomial count, plus one); `None`
        // past either end.
        let position = |i: u64, side: f64| -> Option<usize> {
            if exact {
                return Some(i as usize);
            }
            let mf = m as f64;
            let j = i as f64 * mf / inside as f64;
            let j = j + side * (MARGIN * (j * (1.0 - j / mf)).max(0.0).sqrt() + 1.0);
            (j >= 0.0 && j < mf - 1.0).then(|| j.round() as usize)
        };
        // Per reached rank interval, the sample positions of its two bounds (`None`: the
        // old window's bound), then the values there, all selected at once.
        let wanted: Vec<(Option<usize>, Option<usize>)> = reached[k]
            .iter()
            .map(|&(a, b)| {
                let lo = if a == 0 { None } else { position(a, -1.0) };
                let hi = if b + 1 >= inside {
                    None
                } else {
                    position(b, 1.0)
                };
                (lo, hi)
            })
            .collect();
        let mut at: Vec<usize> = wanted
            .iter()
            .flat_map(|&(lo, hi)| [lo, hi])
            .flatten()
            .collect();
        at.sort_unstable();
        at.dedup();
        multi_select(s, &at);
        // The value bounds of each reached rank interval, merged where they touch.
        let mut bounds: Vec<(f64, f64)> = Vec::with_capacity(reached[k].len());
        for (lo, hi) in wanted {
            let lo = lo.map_or(w.lo[k], |j| unkey(s[j]));
            let hi = hi.map_or(w.hi[k], |j| unkey(s[j]));
            match bounds.last_mut() {
                Some(m) if lo <= m.1 => m.1 = m.1.max(hi),
                _ => bounds.push((lo, hi)),
            }
        }
        // Heavy ties at a bound get a counting window of their own: more than [`HEAVY`]
        // equal values in the window, as a few of its values tell (any choice is exact:
        // the cut counts every window; a tie too light to be seen costs only the room of
        // its values). A counting window reports its bound as the value: -0 and +0 are
        // one number there (which sign a window gets may depend on the order values
        // arrived in).
        let point = |v: f64| if v == 0.0 { 0.0 } else { v };
        let seen = probe.len().max(1) as f64;
        let heavy = |x: f64| -> bool {
            let copies = probe.iter().filter(|&&v| v == x).count();
            x.is_finite() && copies > 1 && copies as f64 * (inside as f64 / seen) > HEAVY as f64
        };
        for (lo, hi) in bounds {
            if lo == hi {
                planned.push((point(lo), point(hi), k, false));
                continue;
            }
            let (heavy_lo, heavy_hi) = (heavy(lo), heavy(hi));
            let a = if heavy_lo { lo.next_up() } else { lo };
            let b = if heavy_hi { hi.next_down() } else { hi };
            if heavy_lo {
                planned.push((point(lo), point(lo), k, false));
            }
            if a <= b {
                planned.push((a, b, k, false));
            }
            if heavy_hi {
                planned.push((point(hi), point(hi), k, false));
            }
        }
    }
    // More windows than fit: the old ones stay (a rare cell with ties everywhere).
    if planned.len() > KMAX {
        return unchanged(kept, out);
    }
    let mut nw = Windows::none();
    for &(lo, hi, _, _) in &planned {
        nw.push(lo, hi);
    }
    // Every kept value cut to the new windows, its slot counted.
    let mut slots = [0u64; SLOTS];
    cut(kernel, &kept.parts, &nw, &mut slots, out, pool);
    // Kept values of the old windows before each one.
    let mut before = [0u64; KMAX];
    let mut acc = 0;
    for (k, b) in before.iter_mut().enumerate().take(w.n) {
        *b = acc;
        if !w.counts_only(k) {
            acc += counts.inside[k];
        }
    }
    let mut nc = Counts::default();
    let mut lt = 0;
    for (j, &(_, _, k, carried)) in planned.iter().enumerate() {
        lt += slots[2 * j];
        if carried {
            nc.below[j] = counts.below[k];
            nc.inside[j] = counts.inside[k];
        } else {
            // Values below the new window: those below the old one, and the kept values
            // of the old one below the new bound.
            nc.below[j] = counts.below[k] + (lt - before[k]);
            nc.inside[j] = slots[2 * j + 1];
        }
        lt += slots[2 * j + 1];
    }
    (nw, nc)
}

/// The values at the 0-based `ranks` among all values counted in the windows `w`
/// (`counts`, and the `kept` values), where a window holds them; `None` where a rank lies
/// between windows. The kept values are sorted out by window once (as integer keys, in a
/// copy), and each window's values at its ranks are selected at once.
pub(crate) fn values_at(
    kernel: Kernel,
    w: &Windows,
    counts: &Counts,
    kept: &Kept,
    ranks: &[u64],
) -> Vec<Option<f64>> {
    let at: Vec<Option<usize>> = ranks.iter().map(|&r| counts.window_of(w, r)).collect();
    let mut out: Vec<Option<f64>> = vec![None; ranks.len()];
    let needs_values = at.iter().flatten().any(|&k| !w.counts_only(k));
    let mut by = by_window(kernel, kept, w, if needs_values { kept.len() } else { 0 });
    for k in 0..w.n {
        let mine: Vec<(usize, u64)> = (0..ranks.len())
            .filter(|&j| at[j] == Some(k))
            .map(|j| (j, ranks[j] - counts.below[k]))
            .collect();
        if mine.is_empty() {
            continue;
        }
        if w.counts_only(k) {
            for &(j, _) in &mine {
                out[j] = Some(w.lo[k]);
            }
            continue;
        }
        let s = &mut by.keys[by.start[k]..by.start[k] + by.size[k]];
        let mut positions: Vec<usize> = mine
            .iter()
            .map(|&(_, i)| i as usize)
            .filter(|&i| i < s.len())
            .collect();
        positions.sort_unstable();
        positions.dedup();
        multi_select(s, &positions);
        for &(j, i) in &mine {
            out[j] = s.get(i as usize).map(|&x| unkey(x));
        }
    }
    out
}

/// Where the value at rank `r` (of `n` values counted) must lie when no window kept it:
/// the values strictly between two windows (or beyond the first or last), as the bounds
/// of a window of their own and the number of values in it.
pub(crate) fn gap(w: &Windows, counts: &Counts, n: u64, r: u64) -> (f64, f64, u64) {
    let mut lo = f64::NEG_INFINITY;
    let mut end = 0;
    for k in 0..w.n {
        if r < counts.below[k] {
            return (lo, w.lo[k].next_down(), counts.below[k] - end);
        }
        lo = w.hi[k].next_up();
        end = counts.below[k] + counts.inside[k];
    }
    (lo, f64::INFINITY, n.saturating_sub(end))
}

/// Windows made of the given disjoint `(lo, hi)` ranges (sorted here).
pub(crate) fn windows_of(mut ranges: Vec<(f64, f64)>) -> Windows {
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
    fn count(w: &Windows, values: &[f64]) -> (Counts, Vec<f64>) {
        let mut c = Counts::default();
        let mut kept = Vec::new();
        for &x in values {
            for j in 0..w.n {
                if x < w.lo[j] {
                    c.below[j] += 1;
                } else if x <= w.hi[j] {
                    c.inside[j] += 1;
                    if !w.counts_only(j) {
                        kept.push(x);
                    }
                }
            }
        }
        (c, kept)
    }

    fn exact(values: &[f64], r: usize) -> f64 {
        let mut v = values.to_vec();
        v.sort_by(f64::total_cmp);
        v[r]
    }

    /// A reproducible stream of 53-bit integers from `seed` (a 64-bit LCG's high bits).
    fn stream(seed: u64) -> impl FnMut() -> u64 {
        let mut s = seed;
        move || {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            s >> 11
        }
    }

    /// A reproducible stream of values with heavy ties and a continuous part.
    fn values(n: usize, seed: u64) -> Vec<f64> {
        let mut next = stream(seed);
        (0..n)
            .map(|_| {
                let u = next() as f64 / (1u64 << 53) as f64;
                if u < 0.3 {
                    0.161
                } else if u < 0.35 {
                    0.161f64.next_up()
                } else {
                    u
                }
            })
            .collect()
    }

    /// The values at `ranks` of all the values, from windows, counts and kept values.
    fn at(w: &Windows, c: &Counts, kept: &[f64], ranks: &[u64]) -> Vec<Option<f64>> {
        values_at(Kernel::chosen(), w, c, &Kept { parts: vec![kept] }, ranks)
    }

    /// The values of `p`, sorted.
    fn sorted(p: &Paged) -> Vec<f64> {
        let mut v = p.to_vec();
        v.sort_by(f64::total_cmp);
        v
    }

    /// Values at ranks come out of kept values in parts of any length, empty parts
    /// included (a page may be taken and nothing written to it), in windows of every
    /// kind: the values of sorting, whatever order the ranks are asked in.
    #[test]
    fn values_at_ranks_are_those_of_sorting_across_parts_empty_or_not() {
        let all = values(20_000, 11);
        let mut w = Windows::none();
        w.push(0.161, 0.161);
        w.push(0.36, 0.37);
        w.push(0.4, 0.6);
        w.push(0.9, f64::INFINITY);
        let (c, kept) = count(&w, &all);
        let n = all.len() as u64;
        let ranks: Vec<u64> = vec![
            n - 1,
            c.below[2] + 7,
            c.below[2] - 1,
            c.below[0],
            c.below[1] + 3,
        ];
        let want: Vec<Option<f64>> = ranks
            .iter()
            .map(|&r| c.window_of(&w, r).map(|_| exact(&all, r as usize)))
            .collect();
        assert_eq!(
            want[2], None,
            "the rank just below [0.4, 0.6] lies between windows"
        );
        assert_eq!(want[3], Some(0.161));
        let cut_at = [0, 0, 5, 1000, 1000, 4321, kept.len()];
        let parts: Vec<&[f64]> = cut_at.windows(2).map(|p| &kept[p[0]..p[1]]).collect();
        assert!(parts.iter().any(|p| p.is_empty()));
        assert_eq!(
            values_at(Kernel::chosen(), &w, &c, &Kept { parts }, &ranks),
            want
        );
        assert_eq!(at(&w, &c, &kept, &ranks), want);
    }

    #[test]
    fn refined_windows_keep_the_ranks_exact_with_fewer_values() {
        let all = values(400_000, 3);
        let qs = [0.05, 0.5, 0.95];
        let n = all.len() as u64;
        let ranks: Vec<u64> = {
            let mut r: Vec<u64> = qs
                .iter()
                .flat_map(|&q| {
                    let r = ((n - 1) as f64 * q).floor() as u64;
                    [r, r + 1]
                })
                .collect();
            r.sort_unstable();
            r
        };
        let truth: Vec<Option<f64>> = ranks
            .iter()
            .map(|&r| Some(exact(&all, r as usize)))
            .collect();
        // The pilot: one window holding everything, refined exactly (few values).
        let pool = Pool::new();
        let pilot = &all[..6_000];
        let w0 = Windows::everything();
        let (c0, k0) = count(&w0, pilot);
        let mut k1_pages = Paged::new();
        let (w1, c1) = refine(
            Kernel::chosen(),
            &w0,
            &c0,
            &Kept {
                parts: vec![&k0[..100], &k0[100..]],
            },
            pilot.len() as u64,
            pilot.len() as f64 / n as f64,
            &qs,
            &mut k1_pages,
            &pool,
        );
        assert!(w1.n >= 3, "{w1:?}");
        // The refined counts and kept values are those of counting the pilot afresh.
        let (again, mut kept_again) = count(&w1, pilot);
        assert_eq!(c1, again);
        kept_again.sort_by(f64::total_cmp);
        assert_eq!(sorted(&k1_pages), kept_again);
        // Ties at 0.161 are counted, not kept.
        assert!(
            (0..w1.n).any(|j| w1.counts_only(j) && w1.lo[j] == 0.161),
            "{w1:?}"
        );
        // Counting everything in the refined windows finds every rank.
        let (cw1, k1) = count(&w1, &all);
        assert!(k1.len() < all.len() / 2, "kept {}", k1.len());
        assert_eq!(at(&w1, &cw1, &k1, &ranks), truth);
        // A second refinement, from a sample of many kept values in two parts (store and
        // a thread's raw values), keeps the ranks exact with fewer values.
        let half = &all[..200_000];
        let (ch, kh) = count(&w1, half);
        assert!(kh.len() > 3 * SAMPLE * qs.len());
        let mut k2_pages = Paged::new();
        let (w2, c2) = refine(
            Kernel::chosen(),
            &w1,
            &ch,
            &Kept {
                parts: vec![&kh[..kh.len() / 3], &kh[kh.len() / 3..]],
            },
            half.len() as u64,
            0.5,
            &qs,
            &mut k2_pages,
            &pool,
        );
        let (again, mut kept_again) = count(&w2, half);
        assert_eq!(c2, again);
        kept_again.sort_by(f64::total_cmp);
        assert_eq!(sorted(&k2_pages), kept_again);
        let (cw2, k2) = count(&w2, &all);
        assert!(k2.len() < k1.len(), "kept {} of {}", k2.len(), k1.len());
        assert_eq!(at(&w2, &cw2, &k2, &ranks), truth);
        k1_pages.release(&pool);
        k2_pages.release(&pool);
    }

    /// Random values with ties at window ends, in blocks.
    fn block(out: &mut Outputs, next: &mut impl FnMut() -> u64) {
        for g in 0..GROUPS {
            for o in 0..2 {
                for i in 0..W {
                    let u = (next() % 1000) as f64 / 1000.0;
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
    }

    fn layouts() -> Vec<Vec<(f64, f64)>> {
        vec![
            vec![],
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
        ]
    }

    /// A tally's signature (several blocks a call).
    type ManyTallyFn<'a> =
        dyn for<'p> Fn(&[Column], &mut LaneSums, &mut CellTally<'p>, &'p Pool) + 'a;

    /// Tallies output 1 of `blocks` around `pivot` with `f`, [`TALLY_BLOCKS`] blocks a
    /// call, the byte counters flushed after every [`FLUSH_BLOCKS`] blocks at most (as a
    /// run flushes them); the moment sums, the counts and the kept values, in the order
    /// they were kept (every kernel keeps them in draw order).
    fn tally_in_calls(
        blocks: &[(Box<Outputs>, [u8; GROUPS])],
        w: &Windows,
        pivot: f64,
        f: &ManyTallyFn<'_>,
    ) -> (LaneSums, Counts, Vec<f64>) {
        let pool = Pool::new();
        let mut sums = [[0.0; W]; 2];
        let mut t = CellTally::default();
        for (i, group) in blocks.chunks(TALLY_BLOCKS).enumerate() {
            let cols: Vec<Column> = group
                .iter()
                .map(|(out, sound)| Column {
                    out,
                    o: 1,
                    sound,
                    pivot,
                })
                .collect();
            f(&cols, &mut sums, &mut t, &pool);
            if (i + 1) % (FLUSH_BLOCKS / TALLY_BLOCKS) == 0 {
                t.flush(w);
            }
        }
        t.flush(w);
        let kept = t.raw.to_vec();
        t.raw.release(&pool);
        (sums, t.counts, kept)
    }

    /// A tally kernel's signature (blocks one at a time).
    type TallyFn = dyn for<'p> Fn(Column, &Windows, &mut LaneSums, &mut CellTally<'p>, &'p Pool);

    /// Every tally kernel counts, keeps and sums exactly what the portable one does, over
    /// more blocks than the byte counters hold: windows that keep and windows that count,
    /// infinite ends, ties at the ends, broken lanes, and more windows than the slot
    /// kernel takes.
    #[test]
    fn tally_kernels_agree_with_the_generic_tally() {
        let mut next = stream(11);
        let mut blocks = Vec::new();
        for round in 0..40 {
            let mut out = Outputs::new();
            block(&mut out, &mut next);
            let sound: [u8; GROUPS] =
                std::array::from_fn(|_| if round % 2 == 0 { 0xFF } else { next() as u8 });
            blocks.push((out, sound));
        }
        for layout in layouts() {
            let w = windows_of(layout.clone());
            let pool = Pool::new();
            let run = |kernel: &TallyFn| {
                let mut sums = [[0.0; W]; 2];
                let mut t = CellTally::default();
                for (b, (out, sound)) in blocks.iter().enumerate() {
                    let col = Column {
                        out,
                        o: 1,
                        sound,
                        pivot: 0.4,
                    };
                    kernel(col, &w, &mut sums, &mut t, &pool);
                    if b % FLUSH_BLOCKS == FLUSH_BLOCKS - 1 {
                        t.flush(&w);
                    }
                }
                t.flush(&w);
                let kept = t.raw.to_vec();
                t.raw.release(&pool);
                (sums, t.counts, kept)
            };
            let reference = run(&|c, w, s, t, p| generic_tally::<Lanes>(&[c], w, s, t, p));
            #[cfg(target_arch = "x86_64")]
            if Kernel::Avx512.supported() {
                // SAFETY: this CPU has AVX-512 (F, BW).
                if (1..=avx512::SLOT_WINDOWS).contains(&w.n) {
                    let by_slot =
                        run(&|c, w, s, t, p| unsafe { avx512::by_slot(&[c], w, s, t, p) });
                    assert_eq!(by_slot, reference, "{layout:?}");
                }
            }
            for kernel in Kernel::available() {
                assert_eq!(
                    run(&move |c, w, s, t, p| tally(kernel, &[c], w, s, t, p)),
                    reference,
                    "{kernel:?} {layout:?}"
                );
                // Several blocks a call, flushed before the byte counters could overflow.
                assert_eq!(
                    tally_in_calls(&blocks, &w, 0.4, &|c, s, t, p| tally(
                        kernel, c, &w, s, t, p
                    )),
                    reference,
                    "{kernel:?} {layout:?}"
                );
            }
            assert!(reference.1.below.iter().any(|&b| b > 0) || w.n <= 1);
        }
    }

    /// The cut keeps and counts what the portable cut does, with every kernel this CPU
    /// has, for lengths that are not whole groups and runs longer than the nibble
    /// counters hold; and the slots of every kernel are the portable ones.
    #[test]
    fn cut_agrees_with_the_generic_cut() {
        let mut bits = stream(5);
        let mut next = || {
            let u = bits() % 1000;
            match u {
                0..100 => 0.3,
                100..150 => 0.2,
                _ => u as f64 / 1000.0,
            }
        };
        let pool = Pool::new();
        for len in [0, 1, 7, 8, 9, 119, 120, 121, 1000, 4099] {
            let values: Vec<f64> = (0..len).map(|_| next()).collect();
            // In parts of odd sizes, into pages that fill up.
            let mut cuts = [0, len / 3, (len / 3 + 1).min(len), len / 2 + len / 3, len];
            cuts.sort_unstable();
            let parts: Vec<&[f64]> = cuts.windows(2).map(|c| &values[c[0]..c[1]]).collect();
            for layout in layouts() {
                let w = windows_of(layout.clone());
                let mut b = Paged::new();
                let mut sb = [0u64; SLOTS];
                generic_cut::<Lanes>(&parts, &w, &mut sb, &mut b, &pool);
                let bv = b.to_vec();
                assert_eq!(sb.iter().sum::<u64>(), len as u64);
                // The kept values are those inside windows that keep them, in order.
                let (_, expected) = count(&w, &values);
                assert_eq!(bv, expected, "{len} {layout:?}");
                let mut slots = Vec::new();
                portable_slots_of(&values, &w, &mut slots);
                for kernel in Kernel::available() {
                    let mut a = Paged::new();
                    let mut sa = [0u64; SLOTS];
                    cut(kernel, &parts, &w, &mut sa, &mut a, &pool);
                    let av = a.to_vec();
                    assert_eq!(av, bv, "{kernel:?} {len} {layout:?}");
                    assert_eq!(sa, sb, "{kernel:?} {len} {layout:?}");
                    a.release(&pool);
                    let mut got = Vec::new();
                    slots_of(kernel, &values, &w, &mut got);
                    assert_eq!(got, slots, "{kernel:?} {len} {layout:?}");
                }
                b.release(&pool);
            }
        }
    }

    /// The AVX2 kernel's search on the upper halves of keys counts, keeps (in the same
    /// order) and sums what the generic tally, cut and slots do (and so does the AVX-512
    /// kernel's tally), for values next to every window end (the
    /// same upper half, one float away, a millionth away), about zero (-0, +0, the
    /// smallest floats), of both signs and infinite ends; windows with an end about zero
    /// are left to the generic kernels.
    #[cfg(target_arch = "x86_64")]
    #[test]
    fn keyed_search_agrees_next_to_every_end() {
        if !Kernel::Avx2.supported() {
            return;
        }
        let layouts: Vec<Vec<(f64, f64)>> = vec![
            vec![(f64::NEG_INFINITY, f64::INFINITY)],
            vec![(0.1, 0.2), (0.3, 0.5)],
            vec![(-2.5, -1.0), (-0.75, -1e-300), (1e-300, 3.0)],
            (0..7).map(|k| (k as f64 - 3.2, k as f64 - 2.9)).collect(),
            vec![
                (f64::NEG_INFINITY, -0.3),
                (0.7, 1e300),
                (1e301, f64::INFINITY),
            ],
            vec![(0.0, 0.5)],
            vec![(-0.5, -0.0)],
        ];
        let pool = Pool::new();
        let mut next = stream(3);
        for layout in layouts {
            let w = windows_of(layout.clone());
            let about_zero = layout.iter().any(|&(lo, hi)| lo == 0.0 || hi == 0.0);
            assert_eq!(keyed::takes(&w), !about_zero, "{layout:?}");
            let mut near: Vec<f64> = vec![0.0, -0.0, 5e-324, -5e-324, f64::MIN_POSITIVE, 1e300];
            for &e in &w.all_ends() {
                if e.is_finite() {
                    for x in [e, e.next_up(), e.next_down(), e.next_up().next_up()] {
                        near.extend([x, x * (1.0 + 1e-9), x * (1.0 - 1e-9), x * (1.0 + 1e-6)]);
                    }
                }
            }
            let ambiguous = near
                .iter()
                .filter(|&&x| {
                    w.all_ends()
                        .iter()
                        .any(|&e| keyed::upper(e) == keyed::upper(x))
                })
                .count();
            let finite = w.all_ends().iter().any(|e| e.is_finite());
            assert!(
                ambiguous * 4 > near.len() || about_zero || !finite,
                "{layout:?}"
            );
            let mut values: Vec<f64> = (0..5000).map(|i| near[i % near.len()]).collect();
            for i in 0..values.len() {
                let j = next() as usize % values.len();
                values.swap(i, j);
            }
            // The tally, block by block, some draws broken.
            let blocks: Vec<(Box<Outputs>, [u8; GROUPS])> = values
                .chunks(BLOCK)
                .map(|c| {
                    let mut out = Outputs::new();
                    for (j, &x) in c.iter().enumerate() {
                        out.v[j / W][1].0[j % W] = x;
                    }
                    let sound = std::array::from_fn(|g| {
                        let valid = (c.len().saturating_sub(W * g)).min(W);
                        let m = ((1u16 << valid) - 1) as u8;
                        if next().is_multiple_of(3) {
                            m & next() as u8
                        } else {
                            m
                        }
                    });
                    (out, sound)
                })
                .collect();
            let run = |f: &ManyTallyFn<'_>| tally_in_calls(&blocks, &w, 0.25, f);
            let reference = run(&|c, s, t, p| generic_tally::<Lanes>(c, &w, s, t, p));
            let avx2 = run(&|c, s, t, p| tally(Kernel::Avx2, c, &w, s, t, p));
            assert_eq!(avx2, reference, "{layout:?}");
            if Kernel::Avx512.supported() {
                // The AVX-512 kernel's tally on the same values next to the ends.
                let avx512 = run(&|c, s, t, p| tally(Kernel::Avx512, c, &w, s, t, p));
                assert_eq!(avx512, reference, "{layout:?}");
            }
            assert!(reference.2.len() > 100, "{layout:?}");
            assert!(
                reference.1.below[..w.n].iter().any(|&b| b > 0) || w.n == 1,
                "{layout:?}"
            );
            // The cut and the slots, over parts of odd lengths.
            let parts: Vec<&[f64]> = vec![&values[..1001], &values[1001..1003], &values[1003..]];
            let (mut a, mut b) = (Paged::new(), Paged::new());
            let (mut sa, mut sb) = ([0u64; SLOTS], [0u64; SLOTS]);
            cut(Kernel::Avx2, &parts, &w, &mut sa, &mut a, &pool);
            generic_cut::<Lanes>(&parts, &w, &mut sb, &mut b, &pool);
            let (av, bv) = (a.to_vec(), b.to_vec());
            assert_eq!((sa, av), (sb, bv), "{layout:?}");
            a.release(&pool);
            b.release(&pool);
            let (mut got, mut want) = (Vec::new(), Vec::new());
            slots_of(Kernel::Avx2, &values[3..], &w, &mut got);
            portable_slots_of(&values[3..], &w, &mut want);
            assert_eq!(got, want, "{layout:?}");
        }
    }

    /// The AVX2 keyed search sees a group's lanes in the order 0 1 4 5 2 3 6 7: its mask
    /// bit p (of any byte) belongs to that order's p-th lane, and `in_lane_order` moves it
    /// there, in every byte at once, and back (the swap is its own inverse).
    #[cfg(target_arch = "x86_64")]
    #[test]
    fn keyed_masks_go_back_to_lane_order_in_every_byte() {
        const SHUFFLED: [usize; 8] = [0, 1, 4, 5, 2, 3, 6, 7];
        for byte in 0..8 {
            for (p, &lane) in SHUFFLED.iter().enumerate() {
                let m = 1u64 << (8 * byte + p);
                assert_eq!(
                    keyed::in_lane_order(m),
                    1u64 << (8 * byte + lane),
                    "{byte} {p}"
                );
            }
        }
        let mut next = stream(11);
        for _ in 0..1000 {
            let m = next();
            assert_eq!(keyed::in_lane_order(keyed::in_lane_order(m)), m);
            assert_eq!(keyed::in_lane_order(m).count_ones(), m.count_ones());
        }
    }

    #[test]
    fn keys_order_as_total_cmp_and_give_the_value_back() {
        let mut special = vec![
            f64::NEG_INFINITY,
            f64::MIN,
            -1.0,
            -f64::MIN_POSITIVE,
            -5e-324,
            -0.0,
            0.0,
            5e-324,
            f64::MIN_POSITIVE,
            1.0,
            f64::MAX,
            f64::INFINITY,
            f64::NAN,
            -f64::NAN,
        ];
        special.extend(values(2_000, 3));
        for &a in &special {
            assert_eq!(unkey(key(a)).to_bits(), a.to_bits());
            for &b in &special {
                assert_eq!(key(a).cmp(&key(b)), a.total_cmp(&b), "{a} {b}");
            }
        }
    }

    #[test]
    fn multi_select_puts_values_where_sorting_would() {
        let all = values(5_000, 9);
        let mut sorted = all.clone();
        sorted.sort_by(f64::total_cmp);
        let keys: Vec<i64> = all.iter().map(|&x| key(x)).collect();
        for at in [
            vec![],
            vec![0],
            vec![4_999],
            vec![3, 4, 5, 2_500, 4_998, 4_999],
            vec![2_500, 2_501],
            vec![0, 1],
            vec![4_998, 4_999],
            vec![0, 1, 2],
            vec![2_499, 2_500, 2_501],
            vec![10, 11, 4_000, 4_001],
        ] {
            let mut v = keys.clone();
            multi_select(&mut v, &at);
            for &j in &at {
                assert_eq!(unkey(v[j]).to_bits(), sorted[j].to_bits(), "{j}");
            }
        }
        // Ties: three values a thousand times each, neighbouring ranks across the ties.
        let tied: Vec<i64> = (0..3_000).map(|i| key(f64::from((i * 7) % 3))).collect();
        for at in [
            vec![999, 1_000],
            vec![1_999, 2_000],
            vec![0, 1, 2_998, 2_999],
        ] {
            let mut v = tied.clone();
            multi_select(&mut v, &at);
            for &j in &at {
                assert_eq!(unkey(v[j]), (j / 1_000) as f64, "{j}");
            }
        }
        let at: Vec<usize> = (0..50).map(|i| i * 97).collect();
        let mut v = keys.clone();
        multi_select(&mut v, &at);
        assert!(
            at.iter()
                .all(|&j| unkey(v[j]).to_bits() == sorted[j].to_bits())
        );
    }

    #[test]
    fn a_rank_outside_every_window_is_found_in_its_gap() {
        let all: Vec<f64> = (0..1000).map(|i| i as f64).collect();
        let w = windows_of(vec![(100.0, 200.0), (500.0, 600.0)]);
        let (c, kept) = count(&w, &all);
        assert_eq!(c.window_of(&w, 300), None);
        assert_eq!(at(&w, &c, &kept, &[150, 300]), vec![Some(150.0), None]);
        let (lo, hi, size) = gap(&w, &c, 1000, 300);
        assert_eq!(size, 299);
        let g = windows_of(vec![(lo, hi)]);
        let (cg, kg) = count(&g, &all);
        assert_eq!(at(&g, &cg, &kg, &[300]), vec![Some(300.0)]);
        assert_eq!(cg.inside[0], 299);
    }
}
