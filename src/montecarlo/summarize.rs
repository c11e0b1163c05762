//! The summarised Monte Carlo run: draws simulated in blocks through all years while
//! their outputs are tallied, in stages whose quantile windows shrink as the draws
//! accumulate (see [`super::windows`]).
//!
//! Determinism: draws are grouped in chunks of a size fixed by the number of draws alone;
//! each chunk's moment sums are accumulated draw by draw and the chunks are added in
//! order. Counts are integers and kept values are only ever selected from, so neither
//! depends on which thread saw which chunk. Every byte of the result is therefore
//! independent of the thread count.

use std::sync::{Mutex, PoisonError};

use rayon::prelude::*;

use super::engine::{BLOCK, Block, Engine, GROUPS, MAX_DRAWS_IN_MEMORY, Outputs};
use super::pages::{Paged, Pool};
use super::windows::{
    CellTally, Column, Counts, FLUSH_BLOCKS, Kept, LaneSums, TALLY_BLOCKS, Windows, gap,
    prefetch_cell, prefetch_kept, refine, tally, values_at, windows_of,
};
use crate::error::Error;
use crate::lanes::{Kernel, W};
use crate::model::{Derived, N_OUTPUTS};
use crate::scenario::{N_SHOCKS, Scenario};
use crate::summary::{
    RunSummary, Stats, YearSummary, assemble, empty_stats, mean_sd, needed_ranks,
};

/// Draws in the pilot stage (every value kept).
const PILOT: u64 = 4_096;

/// The end of the stage that starts after `done` of `draws` draws (before rounding to
/// whole chunks): stages double up to half the run, then each takes half of the draws
/// left while more than a quarter of the run is left, and the last stage takes the rest.
/// (Each stage keeps about as many values as the windows of the one before allow:
/// doubling keeps that small, and the windows narrow as the run nears its end; a further
/// refinement for the last eighth cost more than it saved, see docs/montecarlo.md.)
fn stage_end(done: u64, draws: u64) -> u64 {
    if done < draws / 2 {
        (2 * done).min(draws / 2)
    } else if draws - done > draws / 4 {
        done + (draws - done) / 2
    } else {
        draws
    }
}

/// Most kept values one exact pass may hold (256 MB).
const EXACT_PASS_VALUES: u64 = 32 << 20;

/// Draws of one chunk: fixed by the number of draws (at most about 256 chunks a run).
fn chunk_size(draws: u64) -> u64 {
    let per = draws.div_ceil(256).max(4 * BLOCK as u64);
    per.div_ceil(BLOCK as u64) * BLOCK as u64
}

/// What one worker thread tallied in a run over some draws: per (year, output) its
/// [`CellTally`] (kept values in pages of a [`Pool`]), and per year the sound draws.
struct ThreadTally<'p> {
    cells: Vec<CellTally<'p>>,
    sound: Vec<u64>,
    /// Blocks tallied since the byte counters were last flushed.
    blocks: usize,
    /// The blocks simulated together, and their outputs of the year being tallied.
    work: Vec<(Block, Box<Outputs>)>,
}

impl ThreadTally<'_> {
    fn new(cells: usize, years: usize) -> Self {
        ThreadTally {
            cells: (0..cells).map(|_| CellTally::default()).collect(),
            sound: vec![0; years],
            blocks: 0,
            work: Vec::new(),
        }
    }

    /// Flushes every cell's byte counters (`windows`: those they were counted in).
    fn flush(&mut self, windows: &[Windows]) {
        for (t, w) in self.cells.iter_mut().zip(windows) {
            t.flush(w);
        }
        self.blocks = 0;
    }
}

/// One tally per worker thread of the current pool.
fn thread_tallies<'p>(cells: usize, years: usize) -> Vec<Mutex<ThreadTally<'p>>> {
    (0..rayon::current_num_threads().max(1))
        .map(|_| Mutex::new(ThreadTally::new(cells, years)))
        .collect()
}

/// Simulates draws `from..to` (one chunk) into `acc`, and its moment sums into `sums`:
/// [`TALLY_BLOCKS`] blocks advance together year by year, and each output of a year is
/// tallied over all of them at once (the windows and counters of an output are read once
/// for them all).
#[allow(clippy::too_many_arguments)]
fn simulate_chunk<'p>(
    e: &Engine,
    from: u64,
    to: u64,
    windows: &[Windows],
    pivots: &[f64],
    acc: &mut ThreadTally<'p>,
    sums: &mut [LaneSums],
    pool: &'p Pool,
) {
    let years = e.years();
    let mut first = from;
    while first < to {
        // The next blocks, in the room of the ones before.
        let mut n = 0;
        while n < TALLY_BLOCKS && first < to {
            let len = (to - first).min(BLOCK as u64) as usize;
            let block = Block::new(e, first, len);
            match acc.work.get_mut(n) {
                Some(w) => w.0 = block,
                None => acc.work.push((block, Outputs::new())),
            }
            first += len as u64;
            n += 1;
        }
        if acc.blocks + n > FLUSH_BLOCKS {
            acc.flush(windows);
        }
        let ThreadTally {
            cells,
            sound,
            blocks,
            work,
        } = acc;
        let work = &mut work[..n];
        let mut masks = [[0u8; GROUPS]; TALLY_BLOCKS];
        for (t, sound) in sound.iter_mut().enumerate().take(years) {
            for ((block, out), mask) in work.iter_mut().zip(masks.iter_mut()) {
                block.advance(e, t, out);
                *mask = block.sound(t);
                *sound += mask.iter().map(|m| u64::from(m.count_ones())).sum::<u64>();
            }
            for (k, &v) in e.tallied.iter().enumerate() {
                let c = t * e.tallied.len() + k;
                let col = |b: usize| Column {
                    out: &work[b.min(n - 1)].1,
                    o: v,
                    sound: &masks[b.min(n - 1)],
                    pivot: pivots[c],
                };
                let cols: [Column; TALLY_BLOCKS] = std::array::from_fn(col);
                // The state of the cells four and two ahead, on its way while this one is
                // tallied.
                let ahead = |d: usize| (c + d).min(windows.len() - 1);
                prefetch_cell(&windows[ahead(4)], &sums[ahead(4)], &cells[ahead(4)]);
                prefetch_kept(&cells[ahead(2)]);
                tally(
                    e.kernel(),
                    &cols[..n],
                    &windows[c],
                    &mut sums[c],
                    &mut cells[c],
                    pool,
                );
            }
        }
        *blocks += n;
    }
}

/// Simulates draws `from..to` in chunks of `chunk` draws, in parallel, into the worker
/// threads' `tallies`, and adds the chunks' moment sums to `sums` in chunk order
/// (`scratch`: room for them, kept from pass to pass).
#[allow(clippy::too_many_arguments)]
fn pass<'p>(
    e: &Engine,
    from: u64,
    to: u64,
    chunk: u64,
    windows: &[Windows],
    pivots: &[f64],
    progress: &(impl Fn(u64) + Sync),
    tallies: &mut [Mutex<ThreadTally<'p>>],
    sums: &mut [LaneSums],
    scratch: &mut Vec<LaneSums>,
    pool: &'p Pool,
) {
    let cells = windows.len();
    let starts: Vec<u64> = (from..to).step_by(chunk as usize).collect();
    scratch.clear();
    scratch.resize(starts.len() * cells, [[0.0; W]; 2]);
    let shared: &[Mutex<ThreadTally<'p>>] = tallies;
    // One chunk a job: a thread that runs out of work takes the next chunk, not half of
    // a run of chunks that another thread had already begun (the last stage ended with
    // one thread idle for five chunks' time).
    scratch
        .par_chunks_mut(cells.max(1))
        .zip(starts.par_iter())
        .with_max_len(1)
        .for_each(|(chunk_sums, &a)| {
            let b = (a + chunk).min(to);
            // Each worker thread has its own tally: the lock is never contended.
            let i = rayon::current_thread_index().unwrap_or(0) % shared.len();
            let mut t = shared[i].lock().unwrap_or_else(PoisonError::into_inner);
            simulate_chunk(e, a, b, windows, pivots, &mut t, chunk_sums, pool);
            drop(t);
            progress(b - a);
        });
    tallies.par_iter_mut().for_each(|m| {
        m.get_mut()
            .unwrap_or_else(PoisonError::into_inner)
            .flush(windows)
    });
    for chunk_sums in scratch.chunks(cells.max(1)) {
        for (acc, add) in sums.iter_mut().zip(chunk_sums) {
            for m in 0..2 {
                for i in 0..W {
                    acc[m][i] += add[m][i];
                }
            }
        }
    }
}

/// The worker threads' tallies after a pass: per year the sound draws added to `sound`,
/// and per cell the threads' tallies.
fn collect<'p>(
    tallies: &mut [Mutex<ThreadTally<'p>>],
    sound: &mut [u64],
) -> Vec<Vec<CellTally<'p>>> {
    let mut by_cell: Vec<Vec<CellTally<'p>>> = Vec::new();
    for m in tallies.iter_mut() {
        let t = m.get_mut().unwrap_or_else(PoisonError::into_inner);
        for (a, b) in sound.iter_mut().zip(t.sound.iter_mut()) {
            *a += std::mem::take(b);
        }
        if by_cell.is_empty() {
            by_cell = (0..t.cells.len()).map(|_| Vec::with_capacity(2)).collect();
        }
        for (c, ct) in std::mem::take(&mut t.cells).into_iter().enumerate() {
            by_cell[c].push(ct);
        }
    }
    by_cell
}

/// Gives the cells' tallies back to their threads (the inverse of [`collect`]).
fn give_back<'p>(tallies: &mut [Mutex<ThreadTally<'p>>], by_cell: Vec<Vec<CellTally<'p>>>) {
    for per_thread in by_cell {
        for (m, ct) in tallies.iter_mut().zip(per_thread) {
            m.get_mut()
                .unwrap_or_else(PoisonError::into_inner)
                .cells
                .push(ct);
        }
    }
}

/// Quantile levels whose windows one run over the draws tallies together (each takes at
/// most three windows, a value repeated at either end being counted apart, and at most
/// [`super::windows::KMAX`] fit); more levels take more runs over the same draws.
pub(crate) const QUANTILES_PER_PASS: usize = 8;

/// How many runs over the draws [`run`] makes for the quantile levels `qs`.
pub(crate) fn passes(qs: &[f64]) -> u64 {
    qs.len().div_ceil(QUANTILES_PER_PASS).max(1) as u64
}

/// What one staged run over the draws found: per year the sound draws, per cell the
/// moment sums and the values at the ranks of its quantile levels.
struct Staged {
    sound: Vec<u64>,
    sums: Vec<LaneSums>,
    found: Vec<Vec<(usize, f64)>>,
}

/// See [`super::summarize_run`], with the kernel `kernel` (one this CPU has, else
/// [`Kernel::chosen`]). `progress` is told the draws of every finished chunk, [`passes`]
/// times over in all.
pub(crate) fn run(
    kernel: Kernel,
    sc: &Scenario,
    draws: u64,
    seed: u64,
    qs: &[f64],
    progress: impl Fn(u64) + Sync,
) -> crate::Result<RunSummary> {
    if draws > MAX_DRAWS_IN_MEMORY {
        return Err(Error::usage(
            "--draws",
            format!(
                "{draws} draws would not fit in memory for exact summaries; use at most \
                 {MAX_DRAWS_IN_MEMORY}"
            ),
        ));
    }
    let mut e = Engine::new(sc, seed);
    e.set_kernel(kernel);
    let years = e.years();
    // Pivots of the moment sums: the deterministic path, per tallied cell.
    let pivots: Vec<f64> = e
        .model
        .simulate(|_| [0.0; N_SHOCKS])
        .iter()
        .flat_map(|y| {
            let v = y.values();
            e.tallied.iter().map(move |&o| v[o])
        })
        .map(|x| if x.is_finite() { x } else { 0.0 })
        .collect();
    let derived = &e.derived;
    let chunk = chunk_size(draws);
    let groups: Vec<&[f64]> = if qs.is_empty() {
        vec![qs]
    } else {
        qs.chunks(QUANTILES_PER_PASS).collect()
    };
    let mut first: Option<Staged> = None;
    let mut values: Vec<Vec<(usize, f64)>> = Vec::new();
    for group in groups {
        let st = staged(
            &e,
            draws,
            chunk,
            &pivots,
            group,
            &progress,
            Windows::everything(),
            EXACT_PASS_VALUES,
        )?;
        if values.is_empty() {
            values = vec![Vec::new(); st.found.len()];
        }
        for (v, f) in values.iter_mut().zip(&st.found) {
            v.extend_from_slice(f);
        }
        // Every run sees the same draws: the moments and counts of the first serve.
        first.get_or_insert(st);
    }
    let Some(Staged { sound, sums, .. }) = first else {
        return Err(Error::Internal(
            "a summary without a run over the draws".into(),
        ));
    };
    for v in values.iter_mut() {
        v.sort_unstable_by_key(|x| x.0);
    }

    let mut out = Vec::with_capacity(years);
    let mut first_broken_year = None;
    for (t, &year) in e.model.years.iter().enumerate() {
        let n = sound[t] as usize;
        let broken_draws = draws - sound[t];
        if broken_draws > 0 && first_broken_year.is_none() {
            first_broken_year = Some(year);
        }
        // The tallied outputs' statistics, then every output's: zero columns and copies
        // take theirs without a tally (the same values give the same statistics).
        let tallied: Vec<Stats> = e
            .tallied
            .iter()
            .enumerate()
            .map(|(k, _)| {
                let c = t * e.tallied.len() + k;
                if n == 0 {
                    return empty_stats(qs);
                }
                let (positions, ranks) = needed_ranks(n, qs);
                let at = |c: usize, r: usize| {
                    let f = &values[c];
                    f.get(f.partition_point(|x| x.0 < r))
                        .filter(|x| x.0 == r)
                        .map_or(f64::NAN, |x| x.1)
                };
                // A share of another output has its order statistics at that one's ranks.
                let ordered: Vec<f64> = match e.scaled[k] {
                    None => ranks.iter().map(|&r| at(c, r)).collect(),
                    Some((of, share)) => {
                        let share = share.of(&e.model.inputs[t]);
                        let of = t * e.tallied.len() + of;
                        ranks.iter().map(|&r| share * at(of, r)).collect()
                    }
                };
                let (mean, sd) = moments(n, pivots[c], &sums[c]);
                assemble(n, mean, sd, &positions, &ranks, &ordered)
            })
            .collect();
        let of = |o: usize| e.tallied.iter().position(|&x| x == o).map(|k| &tallied[k]);
        let stats = (0..N_OUTPUTS)
            .map(|o| match derived[o] {
                Derived::Computed | Derived::SameAs(_) | Derived::Times(..) if n == 0 => {
                    empty_stats(qs)
                }
                Derived::SameAs(src) => of(src).cloned().unwrap_or_else(|| empty_stats(qs)),
                Derived::Computed | Derived::Times(..) => {
                    of(o).cloned().unwrap_or_else(|| empty_stats(qs))
                }
                Derived::Zero if n == 0 => empty_stats(qs),
                Derived::Zero => {
                    let (positions, ranks) = needed_ranks(n, qs);
                    let zeros = vec![0.0; ranks.len()];
                    assemble(n, 0.0, 0.0, &positions, &ranks, &zeros)
                }
            })
            .collect::<Vec<Stats>>();
        out.push(YearSummary {
            year,
            stats,
            broken_draws,
        });
    }
    Ok(RunSummary {
        draws,
        quantiles: qs.to_vec(),
        years: out,
        first_broken_year,
    })
}

/// One staged run over all draws for the quantile levels `qs`: the pilot (with windows
/// `start`, everything in a real run), then stages whose windows shrink, then the values
/// at the needed ranks (from more passes, holding at most `budget` values each, where a
/// rank fell outside every window).
#[allow(clippy::too_many_arguments)]
fn staged(
    e: &Engine,
    draws: u64,
    chunk: u64,
    pivots: &[f64],
    qs: &[f64],
    progress: &(impl Fn(u64) + Sync),
    start: Windows,
    budget: u64,
) -> crate::Result<Staged> {
    let years = e.years();
    let kernel = e.kernel();
    let per_year = e.tallied.len();
    let cells = years * per_year;
    // A share of another output tallies its moments only: no window.
    let mut windows: Vec<Windows> = (0..cells)
        .map(|c| match e.scaled[c % per_year] {
            Some(_) => Windows::none(),
            None => start.clone(),
        })
        .collect();
    let mut counts = vec![Counts::default(); cells];
    // Kept values live in pages of one pool, taken and given back stage after stage.
    let pool = Pool::new();
    let mut stores: Vec<Paged> = (0..cells).map(|_| Paged::new()).collect();
    let mut tallies = thread_tallies(cells, years);
    let mut sound = vec![0u64; years];
    let mut sums: Vec<LaneSums> = vec![[[0.0; W]; 2]; cells];
    let mut scratch = Vec::new();
    let mut done = 0;
    let mut end = PILOT.div_ceil(chunk) * chunk;
    let mut found: Vec<Vec<(usize, Option<f64>)>>;
    loop {
        let to = end.min(draws);
        pass(
            e,
            done,
            to,
            chunk,
            &windows,
            pivots,
            progress,
            &mut tallies,
            &mut sums,
            &mut scratch,
            &pool,
        );
        let mut by_cell = collect(&mut tallies, &mut sound);
        done = to;
        let last = done >= draws;
        let share = done as f64 / draws as f64;
        if !last {
            end = stage_end(done, draws).div_ceil(chunk) * chunk;
        }
        // Per cell: the threads' counts added up, then the windows refined, or after the
        // last stage the values at the needed ranks (`None` where no window kept one).
        let at_ranks: Vec<Vec<(usize, Option<f64>)>> = windows
            .par_iter_mut()
            .zip(counts.par_iter_mut())
            .zip(stores.par_iter_mut())
            .zip(by_cell.par_iter_mut())
            .enumerate()
            .with_max_len(1)
            .map(|(c, (((w, n), store), ts))| {
                for t in ts.iter_mut() {
                    n.absorb(&mut t.counts);
                }
                let kept = Kept {
                    parts: store
                        .parts()
                        .chain(ts.iter().flat_map(|t| t.raw.parts()))
                        .collect(),
                };
                let sound = sound[c / per_year];
                let mut found = Vec::new();
                let mut next = Paged::new();
                if e.scaled[c % per_year].is_some() {
                    // No window: nothing kept, nothing to find (see `summarize_run`).
                } else if !last {
                    (*w, *n) = refine(kernel, w, n, &kept, sound, share, qs, &mut next, &pool);
                } else if sound > 0 {
                    let (_, ranks) = needed_ranks(sound as usize, qs);
                    let ranks: Vec<u64> = ranks.iter().map(|&r| r as u64).collect();
                    let values = values_at(kernel, w, n, &kept, &ranks);
                    found = ranks.iter().map(|&r| r as usize).zip(values).collect();
                }
                drop(kept);
                // The pages read go back to the pool; the values that stay are `next`.
                store.release(&pool);
                *store = next;
                for t in ts.iter_mut() {
                    t.raw.release(&pool);
                }
                found
            })
            .collect();
        give_back(&mut tallies, by_cell);
        if last {
            found = at_ranks;
            break;
        }
    }
    drop(tallies);
    for store in stores.iter_mut() {
        store.release(&pool);
    }

    let missing: Vec<(usize, usize)> = found
        .iter()
        .enumerate()
        .flat_map(|(c, f)| {
            f.iter()
                .enumerate()
                .filter(|(_, v)| v.1.is_none())
                .map(move |(i, _)| (c, i))
        })
        .collect();
    if !missing.is_empty() {
        exact_pass(
            e, draws, chunk, pivots, &windows, &counts, &sound, &missing, &mut found, budget,
        )?;
    }
    let found = found
        .into_iter()
        .map(|f| {
            f.into_iter()
                .map(|(r, v)| (r, v.unwrap_or(f64::NAN)))
                .collect()
        })
        .collect();
    Ok(Staged { sound, sums, found })
}

/// Mean and sample sd of `n` values from their lane sums around `pivot`.
fn moments(n: usize, pivot: f64, sums: &LaneSums) -> (f64, f64) {
    let total = |l: &[f64; W]| {
        let mut v = *l;
        let mut width = W;
        while width > 1 {
            width /= 2;
            for i in 0..width {
                v[i] += v[i + width];
            }
        }
        v[0]
    };
    mean_sd(n, pivot, total(&sums[0]), total(&sums[1]))
}

/// Finds the `missing` values (cell, index into the needed ranks) exactly: more passes
/// over all draws keep the values strictly between the windows where those ranks lie,
/// as many gaps at once as `budget` values allow ([`EXACT_PASS_VALUES`] in a real run).
#[allow(clippy::too_many_arguments)]
fn exact_pass(
    e: &Engine,
    draws: u64,
    chunk: u64,
    pivots: &[f64],
    windows: &[Windows],
    counts: &[Counts],
    sound: &[u64],
    missing: &[(usize, usize)],
    found: &mut [Vec<(usize, Option<f64>)>],
    budget: u64,
) -> crate::Result<()> {
    let cells = windows.len();
    let years = sound.len();
    // Per missing value: cell, index, rank, and the gap holding it with its size.
    let mut wanted: Vec<(usize, usize, u64)> = Vec::new();
    let mut sizes: Vec<Vec<((f64, f64), u64)>> = vec![Vec::new(); cells];
    for &(c, i) in missing {
        let n = sound[c / e.tallied.len()];
        let r = found[c][i].0 as u64;
        let (lo, hi, size) = gap(&windows[c], &counts[c], n, r);
        wanted.push((c, i, r));
        if !sizes[c].iter().any(|g| g.0 == (lo, hi)) {
            sizes[c].push(((lo, hi), size));
        }
    }
    // Batches of cells whose gaps fit in memory together.
    let mut batches: Vec<Vec<usize>> = vec![Vec::new()];
    let mut held = 0;
    for (c, gaps) in sizes.iter().enumerate().filter(|(_, g)| !g.is_empty()) {
        let size: u64 = gaps.iter().map(|g| g.1).sum();
        if held + size > budget && held > 0 {
            batches.push(Vec::new());
            held = 0;
        }
        held += size;
        if let Some(b) = batches.last_mut() {
            b.push(c);
        }
    }
    for batch in batches.iter().filter(|b| !b.is_empty()) {
        let mut gw = vec![Windows::none(); cells];
        for &c in batch {
            gw[c] = windows_of(sizes[c].iter().map(|g| g.0).collect());
        }
        let pool = Pool::new();
        let mut tallies = thread_tallies(cells, years);
        let (mut s, mut m) = (vec![0; years], vec![[[0.0; W]; 2]; cells]);
        pass(
            e,
            0,
            draws,
            chunk,
            &gw,
            pivots,
            &|_| {},
            &mut tallies,
            &mut m,
            &mut Vec::new(),
            &pool,
        );
        let mut by_cell = collect(&mut tallies, &mut s);
        for &c in batch {
            let mut gc = Counts::default();
            for t in by_cell[c].iter_mut() {
                gc.absorb(&mut t.counts);
            }
            let kept = Kept {
                parts: by_cell[c].iter().flat_map(|t| t.raw.parts()).collect(),
            };
            for &(_, i, r) in wanted.iter().filter(|w| w.0 == c) {
                found[c][i].1 = values_at(e.kernel(), &gw[c], &gc, &kept, &[r])[0];
                if found[c][i].1.is_none() {
                    return Err(crate::Error::Internal(format!(
                        "the exact pass missed rank {r} of output {} in year {}",
                        e.tallied[c % e.tallied.len()],
                        c / e.tallied.len()
                    )));
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::montecarlo::engine::{for_each_year, tests::SCENARIO};
    use std::path::Path;

    /// Ranks that no window holds are found by the exact passes, in batches: started
    /// with no windows at all, every quantile comes from them, and equals sorting.
    #[test]
    fn ranks_outside_every_window_come_from_exact_passes() {
        let sc = crate::scenario::load_str(SCENARIO, "mc.toml", Path::new("."), &[]).unwrap();
        let e = Engine::new(&sc, 5);
        let draws = 3_000;
        let qs = [0.05, 0.5, 0.95];
        let pivots = vec![0.0; e.years() * e.tallied.len()];
        let chunk = chunk_size(draws);
        // A budget of one cell's values: one batch per cell.
        let st = staged(
            &e,
            draws,
            chunk,
            &pivots,
            &qs,
            &|_| {},
            Windows::none(),
            draws,
        )
        .unwrap();
        let mut t = 0;
        for_each_year(&sc, draws, 5, |yd| {
            for (k, &v) in e.tallied.iter().enumerate() {
                if e.scaled[k].is_some() {
                    // Read off another output's ranks (engine::tests).
                    assert!(st.found[t * e.tallied.len() + k].is_empty());
                    continue;
                }
                let mut sorted = yd.columns[v].clone();
                sorted.sort_by(f64::total_cmp);
                let col = &yd.columns[v];
                let found = &st.found[t * e.tallied.len() + k];
                assert_eq!(found.len(), needed_ranks(col.len(), &qs).1.len());
                for &(r, x) in found {
                    assert_eq!(
                        x.to_bits(),
                        sorted[r].to_bits(),
                        "year {t} output {v} rank {r}"
                    );
                }
            }
            t += 1;
            Ok(())
        })
        .unwrap();
    }
}
