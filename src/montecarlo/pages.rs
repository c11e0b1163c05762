//! Pages of kept values: fixed-size buffers carved from large slabs, for the values the
//! Monte Carlo summaries keep ([`super::windows`]).
//!
//! A run keeps tens of millions of values, a few thousand per output and year and per
//! stage, in buffers that grow and shrink from stage to stage. In growable vectors they
//! would be copied on every growth and their memory given back and taken again; here a
//! value is written once into a page and pages go back to the [`Pool`], which hands them
//! out again, stage after stage. The pool's slabs are large and aligned to 2 MB, so that
//! where the system backs memory with transparent huge pages by default they can be.
//!
//! The pool does not ask for huge pages itself (`madvise(MADV_HUGEPAGE)`): the system's
//! own policy decides (docs/montecarlo.md, "Speed and memory", has the measurements).

use std::alloc::Layout;
use std::marker::PhantomData;
use std::ptr::NonNull;
use std::sync::{Mutex, PoisonError};

/// Values in one page (8 KB).
pub(crate) const PAGE: usize = 1024;

/// Pages in one slab (4 MB).
const SLAB_PAGES: usize = 512;

/// Alignment of a slab: a huge page (for systems that back memory with them unasked).
const SLAB_ALIGN: usize = 2 << 20;

/// Where pages come from and go back to. Dropping the pool frees every page it ever
/// gave out, which the lifetime of [`Page`] ensures are no longer used.
#[derive(Debug, Default)]
pub(crate) struct Pool {
    free: Mutex<Vec<NonNull<f64>>>,
    slabs: Mutex<Vec<NonNull<u8>>>,
}

// SAFETY: the pool owns the slabs; a free page's pointer is only handed to one `Page` at
// a time, under the mutex.
unsafe impl Send for Pool {}
// SAFETY: as for `Send`: all shared state is behind mutexes.
unsafe impl Sync for Pool {}

/// The layout of a slab.
fn slab_layout() -> Layout {
    // PAGE × SLAB_PAGES × 8 bytes is a multiple of SLAB_ALIGN, a power of two.
    Layout::from_size_align(PAGE * SLAB_PAGES * size_of::<f64>(), SLAB_ALIGN)
        .unwrap_or_else(|_| Layout::new::<[f64; PAGE]>())
}

impl Pool {
    /// An empty pool (slabs are allocated as pages are needed).
    pub(crate) fn new() -> Pool {
        Pool::default()
    }

    /// A page, from the free ones or a new slab. Its values are unspecified.
    pub(crate) fn take(&self) -> Page<'_> {
        let mut free = self.free.lock().unwrap_or_else(PoisonError::into_inner);
        if free.is_empty() {
            free.extend(self.slab());
        }
        match free.pop() {
            Some(ptr) => Page {
                ptr,
                pool: PhantomData,
            },
            // Only when a slab could not be allocated (as `Vec` would, it aborts).
            None => std::alloc::handle_alloc_error(slab_layout()),
        }
    }

    /// Gives pages back.
    pub(crate) fn give<'p>(&'p self, pages: impl IntoIterator<Item = Page<'p>>) {
        let mut free = self.free.lock().unwrap_or_else(PoisonError::into_inner);
        free.extend(pages.into_iter().map(|p| p.ptr));
    }

    /// The pages of a new slab.
    fn slab(&self) -> Vec<NonNull<f64>> {
        let layout = slab_layout();
        // SAFETY: the layout has a non-zero size.
        let Some(base) = NonNull::new(unsafe { std::alloc::alloc(layout) }) else {
            return Vec::new();
        };
        self.slabs
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(base);
        let first = base.cast::<f64>();
        // SAFETY: every page starts within the slab (i × PAGE < PAGE × SLAB_PAGES).
        (0..SLAB_PAGES)
            .map(|i| unsafe { first.add(i * PAGE) })
            .collect()
    }
}

impl Drop for Pool {
    fn drop(&mut self) {
        let layout = slab_layout();
        for base in self
            .slabs
            .get_mut()
            .unwrap_or_else(PoisonError::into_inner)
            .drain(..)
        {
            // SAFETY: each slab was allocated with this layout and is freed once; no page
            // outlives the pool (`Page` borrows it).
            unsafe { std::alloc::dealloc(base.as_ptr(), layout) };
        }
    }
}

/// A page of [`PAGE`] values, owned by whoever holds it, borrowed from a [`Pool`].
#[derive(Debug)]
pub(crate) struct Page<'p> {
    ptr: NonNull<f64>,
    pool: PhantomData<&'p Pool>,
}

// SAFETY: a page is memory owned by exactly one `Page` (no aliases), like a `Box`.
unsafe impl Send for Page<'_> {}
// SAFETY: shared access only reads.
unsafe impl Sync for Page<'_> {}

impl Page<'_> {
    /// The first `len` values (`len` ≤ [`PAGE`], all written before).
    fn values(&self, len: usize) -> &[f64] {
        // SAFETY: the page holds PAGE values owned by this `Page`; the caller's first
        // `len` were written (a `Paged` only counts values it wrote).
        unsafe { std::slice::from_raw_parts(self.ptr.as_ptr(), len.min(PAGE)) }
    }
}

/// Values in pages, in order: each page with how many values it holds. The last page
/// (the one written to) is held in the struct itself, not behind the list's pointer: a
/// tally call reads it first thing, once per output and year, and the list would be one
/// more cache miss each time.
#[derive(Debug, Default)]
pub(crate) struct Paged<'p> {
    full: Vec<(Page<'p>, usize)>,
    last: Option<(Page<'p>, usize)>,
}

impl<'p> Paged<'p> {
    /// No values.
    pub(crate) fn new() -> Paged<'p> {
        Paged {
            full: Vec::new(),
            last: None,
        }
    }

    /// Number of values.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.parts().map(<[f64]>::len).sum()
    }

    /// Whether there are no values.
    #[cfg(test)]
    pub(crate) fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The values, page by page.
    pub(crate) fn parts(&self) -> impl Iterator<Item = &[f64]> + '_ {
        self.full
            .iter()
            .chain(&self.last)
            .map(|(p, n)| p.values(*n))
    }

    /// The values in the order they were written (tests).
    #[cfg(test)]
    pub(crate) fn to_vec(&self) -> Vec<f64> {
        self.parts().flatten().copied().collect()
    }

    /// Where the next value goes, with room for at least `room` (≤ [`PAGE`]) values from
    /// there in the same page (a new page from `pool` when the last has less); add the
    /// values written with [`Paged::wrote`].
    #[inline]
    pub(crate) fn room(&mut self, room: usize, pool: &'p Pool) -> *mut f64 {
        match &self.last {
            Some((page, n)) if n + room <= PAGE => page.ptr.as_ptr().wrapping_add(*n),
            _ => self.new_page(pool),
        }
    }

    /// Starts a new last page from `pool`; returns its start.
    #[cold]
    #[inline(never)]
    fn new_page(&mut self, pool: &'p Pool) -> *mut f64 {
        let page = pool.take();
        let ptr = page.ptr.as_ptr();
        if let Some(last) = self.last.replace((page, 0)) {
            self.full.push(last);
        }
        ptr
    }

    /// Where the next value goes in the last page, if it has room (for prefetching).
    #[inline]
    pub(crate) fn next_place(&self) -> Option<*const f64> {
        match &self.last {
            Some((page, n)) if *n < PAGE => Some(page.ptr.as_ptr().wrapping_add(*n).cast_const()),
            _ => None,
        }
    }

    /// How many values the last page holds (0 without pages).
    #[inline]
    #[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
    pub(crate) fn last_len(&self) -> usize {
        self.last.as_ref().map_or(0, |p| p.1)
    }

    /// Counts `n` more values written at [`Paged::room`]'s place.
    ///
    /// # Safety
    ///
    /// The `n` values from the place the last [`Paged::room`] returned were written since
    /// (`n` ≤ the room asked for): [`Paged::parts`] reads them back as initialised `f64`s.
    /// Safe code cannot count values it did not write:
    ///
    /// ```compile_fail,E0133
    /// use fiscalsim::montecarlo::pages::{Paged, Pool};
    /// let pool = Pool::new();
    /// let mut p = Paged::new();
    /// p.room(4, &pool);
    /// p.wrote(4); // error: call to unsafe function
    /// ```
    #[inline]
    pub(crate) unsafe fn wrote(&mut self, n: usize) {
        if let Some(last) = &mut self.last {
            last.1 = (last.1 + n).min(PAGE);
        }
    }

    /// Sets how many values the last page holds (`len` ≤ [`PAGE`], all of them written
    /// before, from [`Paged::room`]'s places): for writers that track the room left in a
    /// register and tell the page only when they move on.
    ///
    /// # Safety
    ///
    /// The first `len` values of the last page were all written (through
    /// [`Paged::room`]'s places): [`Paged::parts`] reads them back as initialised `f64`s.
    /// Safe code cannot do it:
    ///
    /// ```compile_fail,E0133
    /// use fiscalsim::montecarlo::pages::{Paged, Pool};
    /// let pool = Pool::new();
    /// let mut p = Paged::new();
    /// p.room(4, &pool);
    /// p.set_last_len(4); // error: call to unsafe function
    /// ```
    #[inline]
    #[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
    pub(crate) unsafe fn set_last_len(&mut self, len: usize) {
        if let Some(last) = &mut self.last {
            last.1 = len.min(PAGE);
        }
    }

    /// Appends `values`.
    pub(crate) fn extend_from_slice(&mut self, mut values: &[f64], pool: &'p Pool) {
        while !values.is_empty() {
            let ptr = self.room(1, pool);
            let n = (PAGE - self.last_len()).min(values.len());
            // SAFETY: `room` returned a place in the last page with at least n values of
            // room after it; `values` is a different allocation. The n values are written
            // there, then counted.
            unsafe {
                std::ptr::copy_nonoverlapping(values.as_ptr(), ptr, n);
                self.wrote(n);
            }
            values = &values[n..];
        }
    }

    /// Gives every page back to `pool`, leaving no values.
    pub(crate) fn release(&mut self, pool: &Pool) {
        pool.give(self.full.drain(..).chain(self.last.take()).map(|p| p.0));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paged_values_keep_their_order_across_pages_and_pages_are_reused() {
        let pool = Pool::new();
        let mut a = Paged::new();
        let values: Vec<f64> = (0..3 * PAGE + 17).map(|i| i as f64).collect();
        a.extend_from_slice(&values[..10], &pool);
        a.extend_from_slice(&values[10..], &pool);
        assert_eq!(a.len(), values.len());
        let back = a.to_vec();
        assert_eq!(back, values);
        // Writing in place: room for eight, then the count of those written.
        let mut b = Paged::new();
        for i in 0..PAGE {
            let p = b.room(8, &pool);
            // SAFETY: room for eight values at p; one written, then counted.
            unsafe {
                *p = i as f64;
                b.wrote(1);
            }
        }
        // The next value's place, as a prefetch sees it, is where `room` writes.
        let next = b.next_place();
        assert_eq!(next, Some(b.room(1, &pool).cast_const()));
        // The last page had less than eight places: a new page was started.
        assert_eq!(b.len(), PAGE);
        assert_eq!(b.full.len(), 1);
        assert_eq!(b.full[0].1, PAGE - 7);
        let back = b.to_vec();
        assert_eq!(back, (0..PAGE).map(|i| i as f64).collect::<Vec<_>>());
        let slabs = pool.slabs.lock().map(|s| s.len()).unwrap_or(0);
        a.release(&pool);
        b.release(&pool);
        assert!(a.is_empty() && b.is_empty());
        // Pages given back are taken again before any new slab.
        let mut c = Paged::new();
        c.extend_from_slice(&values, &pool);
        assert_eq!(pool.slabs.lock().map(|s| s.len()).unwrap_or(0), slabs);
        c.release(&pool);
    }
}
