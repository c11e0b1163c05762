//! The fast Monte Carlo path. A [`Block`] holds [`BLOCK`] consecutive draws in structure
//! of arrays ([`Lanes`] of eight draws) and advances them one year at a time through the
//! generic [`crate::model::step`], writing that year's outputs to [`Outputs`]. Two
//! drivers use it:
//!
//! - [`for_each_year`]: all draws advance together year by year and each finished year is
//!   handed to a visitor with its full columns (raw samples, tests);
//! - the summaries ([`crate::montecarlo::summarize_run`]): each block runs through all years
//!   at once while its outputs are tallied, so memory never holds draws × years.
//!
//! Draw `j` consumes its own random stream exactly as the tests' one-draw reference does
//! (per year: six normals, then the Student-t chi-square) and goes through the same step with
//! the same IEEE operations, so draw `j` here is bit for bit draw `j` of
//! [`super::map_draws`], whatever the thread count, block or lane it lands in.

use rayon::prelude::*;

use super::stream::StreamLanes;
use super::{ShockProcess, draw_rng, draw_structure};
use crate::error::{Error, Result};
use crate::lanes::{Kernel, Lanes, Scalar, Vector, W, load_all, store_all};
use crate::model::{Model, N_OUTPUTS, Reference, State, Year, YearInputs, step};
use crate::scenario::{N_SHOCKS, Scenario, Structure};
use crate::shocks::next_state;

/// Draws in one [`Block`] (a multiple of [`W`]).
pub const BLOCK: usize = 128;

/// Lane groups in one block.
pub(crate) const GROUPS: usize = BLOCK / W;

/// Marks a draw that has not broken down.
pub(crate) const NOT_BROKEN: u32 = u32::MAX;

/// The most draws one summarised run may take (its probabilities keep 16 bytes a draw,
/// a sweep every draw's metrics).
pub(crate) const MAX_DRAWS_IN_MEMORY: u64 = 5_000_000;

/// The most draws [`for_each_year`] holds at once (about 400 bytes a draw).
pub(crate) const MAX_DRAWS_IN_COLUMNS: u64 = 5_000_000;

/// A scenario compiled for Monte Carlo: the model, the shock process and, per year, the
/// reference capital stock.
#[derive(Debug, Clone)]
pub struct Engine<'a> {
    /// The scenario (for `[uncertainty]`).
    pub scenario: &'a Scenario,
    /// The compiled model.
    pub model: Model,
    /// The shock process.
    pub process: ShockProcess,
    /// The seed of the run.
    pub seed: u64,
    /// What is known of each output before any draw ([`crate::model::derived_outputs`]).
    pub derived: [crate::model::Derived; N_OUTPUTS],
    /// The outputs that summaries tally (the [`crate::model::Derived::Computed`] and
    /// [`crate::model::Derived::Times`] ones), in output order; the others are 0 or
    /// copies of one of these in every sound draw.
    pub tallied: Vec<usize>,
    /// Per tallied output, `Some((k, share))` where it is `share ×` the tallied output
    /// `k` ([`crate::model::Derived::Times`]): only its moments are tallied, its order
    /// statistics are output `k`'s times the share.
    pub(crate) scaled: Vec<Option<(usize, crate::model::Share)>>,
    /// The instruction set the kernels run with (one this CPU has; every kernel gives the
    /// same bits).
    kernel: Kernel,
}

impl<'a> Engine<'a> {
    /// The engine of `sc` with `seed`.
    pub fn new(sc: &'a Scenario, seed: u64) -> Engine<'a> {
        use crate::model::Derived;
        let model = Model::new(sc);
        let derived = crate::model::derived_outputs(sc, &model);
        let tallied: Vec<usize> = (0..N_OUTPUTS)
            .filter(|&o| matches!(derived[o], Derived::Computed | Derived::Times(..)))
            .collect();
        // The output a share multiplies must be tallied in full (a computed one).
        let full = |of: usize| {
            (derived[of] == Derived::Computed)
                .then(|| tallied.iter().position(|&x| x == of))
                .flatten()
        };
        let scaled = tallied
            .iter()
            .map(|&o| match derived[o] {
                Derived::Times(of, share) => full(of).map(|k| (k, share)),
                _ => None,
            })
            .collect();
        Engine {
            scenario: sc,
            model,
            process: ShockProcess::new(sc),
            seed,
            derived,
            tallied,
            scaled,
            kernel: Kernel::chosen(),
        }
    }

    /// The instruction set the engine's kernels run with ([`Kernel::chosen`] unless set).
    pub fn kernel(&self) -> Kernel {
        self.kernel
    }

    /// Runs the engine's kernels with `kernel`: `false`, and nothing changes, when this
    /// CPU cannot run it.
    pub fn set_kernel(&mut self, kernel: Kernel) -> bool {
        if kernel.supported() {
            self.kernel = kernel;
        }
        self.kernel == kernel
    }

    /// Number of projection years.
    pub(crate) fn years(&self) -> usize {
        self.model.years.len()
    }
}

/// One year of outputs of a block, lane group by lane group: `v[g][output]` holds the
/// output (in [`crate::model::OUTPUT_NAMES`] order) of draws `8g..8g + 8` of the block.
/// A group's outputs are contiguous, so the step writes them in one sequential run.
#[derive(Debug, Clone)]
#[repr(C, align(64))]
pub struct Outputs {
    /// The values, per lane group, per output, per lane.
    pub v: [[Lanes; N_OUTPUTS]; GROUPS],
    /// Per lane group, the two debt-creating flows of [`Year`]: revaluation and other
    /// flows (not canonical outputs, so never tallied).
    pub flows: [[Lanes; 2]; GROUPS],
}

impl Outputs {
    /// All zeros.
    pub fn new() -> Box<Outputs> {
        Box::new(Outputs {
            v: [[Lanes::default(); N_OUTPUTS]; GROUPS],
            flows: [[Lanes::default(); 2]; GROUPS],
        })
    }

    /// The value of `output` for draw `b` of the block.
    #[inline]
    pub(crate) fn get(&self, output: usize, b: usize) -> f64 {
        self.v[b / W][output].0[b % W]
    }

    /// The whole [`Year`] of draw `b` of the block.
    pub(crate) fn year(&self, b: usize) -> Year {
        let (g, i) = (b / W, b % W);
        let [revaluation, other_flows] = self.flows[g].map(|l| l.0[i]);
        Year::from_parts(self.v[g].map(|l| l.0[i]), revaluation, other_flows)
    }
}

/// Per draw of a block with `[uncertainty]`: its structure, its reference path's state and
/// its own state.
#[derive(Debug, Clone)]
struct UncertainLane {
    structure: Structure,
    reference: State,
    state: State,
}

/// [`BLOCK`] consecutive draws, advanced together one year at a time.
#[derive(Debug, Clone)]
pub struct Block {
    /// Index of the first draw.
    pub first: u64,
    /// Number of real draws (the lanes after them are padding, simulated and ignored).
    pub len: usize,
    /// Per draw, the first year index in which it broke down numerically, or
    /// [`NOT_BROKEN`].
    pub broken: [u32; BLOCK],
    rng: [StreamLanes; GROUPS],
    u: [[Lanes; N_SHOCKS]; GROUPS],
    state: [State<Lanes>; GROUPS],
    uncertain: Option<Vec<UncertainLane>>,
}

impl Block {
    /// Draws `first..first + len` (`len` ≤ [`BLOCK`]) before their first year.
    pub fn new(e: &Engine, first: u64, len: usize) -> Block {
        let rng = std::array::from_fn(|g| {
            StreamLanes::new(std::array::from_fn(|i| {
                draw_rng(e.seed, first + (g * W + i) as u64, 0)
            }))
        });
        let uncertain = e.scenario.uncertainty.as_ref().map(|_| {
            (0..BLOCK)
                .map(|b| UncertainLane {
                    structure: draw_structure(e.scenario, e.seed, first + b as u64),
                    reference: e.model.initial,
                    state: e.model.initial,
                })
                .collect()
        });
        Block {
            first,
            len,
            broken: [NOT_BROKEN; BLOCK],
            rng,
            u: [[Lanes::default(); N_SHOCKS]; GROUPS],
            state: [e.model.initial.splat(); GROUPS],
            uncertain,
        }
    }

    /// Simulates projection year `t` (0-based; years must come in order) into `out`, and
    /// records the draws that break down in it, with the engine's [`Kernel`].
    pub fn advance(&mut self, e: &Engine, t: usize, out: &mut Outputs) {
        crate::lanes::dispatch!(
            e.kernel,
            fn(b: &mut Block, e: &Engine, t: usize, out: &mut Outputs) {
                b.advance_in::<V>(e, t, out)
            },
            (self, e, t, out)
        )
    }

    /// [`Block::advance`] in the registers of a kernel ([`Vector`]).
    #[inline(always)]
    fn advance_in<V: Vector>(&mut self, e: &Engine, t: usize, out: &mut Outputs)
    where
        f64: Scalar<V>,
    {
        let inp = &e.model.inputs[t];
        let reference = e.model.reference_at::<V>(t);
        for g in 0..GROUPS {
            let z = e.process.draw_z_in::<V>(&mut self.rng[g]);
            let u = next_state(&e.process.a_nz, &e.process.l_nz, &load_all(&self.u[g]), &z);
            self.u[g] = store_all(&u);
            let values = match self.uncertain.as_mut() {
                None => {
                    let (next, year) = step(
                        &e.model.structure,
                        inp,
                        Some(reference),
                        &self.state[g].map(V::load),
                        &u,
                    );
                    self.state[g] = next.map(V::store);
                    out.flows[g] = store_all(&[year.revaluation, year.other_flows]);
                    let values = year.values();
                    out.v[g] = store_all(&values);
                    values
                }
                Some(lanes) => {
                    advance_uncertain(&mut lanes[g * W..(g + 1) * W], inp, &self.u[g], g, out);
                    load_all(&out.v[g])
                }
            };
            // Numerical breakdown, as crate::model::breakdown: real and nominal GDP
            // positive, every output finite.
            let ok = values[0].cmp_gt(0.0) & values[1].cmp_gt(0.0) & all_finite(&values);
            let mut bad = u32::from(!V::mask_bits(ok));
            while bad != 0 {
                let br = &mut self.broken[g * W + bad.trailing_zeros() as usize];
                bad &= bad - 1;
                if *br == NOT_BROKEN {
                    *br = t as u32;
                }
            }
        }
    }

    /// The draws still sound in year `t`, as bits: bit `i` of element `g` for draw
    /// `8g + i` (padding lanes are never sound).
    #[inline]
    pub(crate) fn sound(&self, t: usize) -> [u8; GROUPS] {
        std::array::from_fn(|g| {
            (0..W).fold(0u8, |m, i| {
                let b = g * W + i;
                m | u8::from((b < self.len) & (self.broken[b] > t as u32)) << i
            })
        })
    }
}

/// The lanes in which every output is finite, as a mask. x * 0 is ±0 for a finite x and
/// NaN otherwise, and a sum of such terms is ±0 unless one of them is NaN, in any order;
/// so the terms go to four sums in turn, not to one: a chain of 37 dependent additions
/// held the step's end back (a tree of all 37 at once needed more registers than AVX2
/// has). A term and its addition are one fused instruction where the kernel has FMA
/// ([`Vector::plus_zero_times`]).
#[inline(always)]
fn all_finite<V: Vector>(values: &[V; N_OUTPUTS]) -> V::Mask
where
    f64: Scalar<V>,
{
    let (mut a, mut b, mut c, mut d) = (V::splat(0.0), V::splat(0.0), V::splat(0.0), V::splat(0.0));
    let mut four = values.chunks_exact(4);
    for x in four.by_ref() {
        a = a.plus_zero_times(x[0]);
        b = b.plus_zero_times(x[1]);
        c = c.plus_zero_times(x[2]);
        d = d.plus_zero_times(x[3]);
    }
    for &x in four.remainder() {
        a = a.plus_zero_times(x);
    }
    ((a + b) + (c + d)).cmp_eq(0.0)
}

/// Lane group `g` of a block with `[uncertainty]`: each draw has a structure of its own, so
/// its step runs alone, on `f64`, with its shocks `u` (lane `i` for draw `g W + i`).
fn advance_uncertain(
    lanes: &mut [UncertainLane],
    inp: &YearInputs,
    u: &[Lanes; N_SHOCKS],
    g: usize,
    out: &mut Outputs,
) {
    let reference_inputs = inp.reference();
    for (i, ul) in lanes.iter_mut().enumerate() {
        let (r, ry) = step(
            &ul.structure,
            &reference_inputs,
            None,
            &ul.reference,
            &[0.0; N_SHOCKS],
        );
        ul.reference = r;
        let u = u.map(|x| x.0[i]);
        let reference = Reference {
            capital: ry.public_capital,
            gap: ry.output_gap,
        };
        let (next, year) = step(&ul.structure, inp, Some(reference), &ul.state, &u);
        ul.state = next;
        for (o, v) in out.v[g].iter_mut().zip(year.values()) {
            o.0[i] = v;
        }
        out.flows[g][0].0[i] = year.revaluation;
        out.flows[g][1].0[i] = year.other_flows;
    }
}

/// The outputs of every draw in one projection year.
#[derive(Debug, Clone, Copy)]
pub struct YearDraws<'a> {
    /// 0-based projection year index (0 is the first projection year).
    pub index: usize,
    /// The calendar year.
    pub year: i32,
    /// One column per canonical output ([`crate::model::OUTPUT_NAMES`] order), one value
    /// per draw, in draw order.
    pub columns: &'a [Vec<f64>],
    /// Per draw, the index of the first year in which it broke down numerically (see
    /// [`crate::model::breakdown`]), or [`NOT_BROKEN`].
    pub broken: &'a [u32],
}

impl YearDraws<'_> {
    /// Whether draw `j` is still numerically sound in this year.
    #[inline]
    pub(crate) fn is_sound(&self, j: usize) -> bool {
        self.broken[j] > self.index as u32
    }

    /// Number of draws that have broken down in this year or earlier.
    #[cfg(test)]
    pub(crate) fn broken_count(&self) -> u64 {
        let t = self.index as u32;
        self.broken.iter().filter(|&&b| b <= t).count() as u64
    }
}

/// The blocks covering draws `from..to`.
pub(crate) fn blocks(e: &Engine, from: u64, to: u64) -> Vec<Block> {
    (from..to)
        .step_by(BLOCK)
        .collect::<Vec<u64>>()
        .into_par_iter()
        .map(|first| Block::new(e, first, (to - first).min(BLOCK as u64) as usize))
        .collect()
}

/// Simulates every block of draws `0..draws` of `sc` with `seed` through all years, in
/// parallel, and returns what `each` makes of each block (given the block and its
/// outputs, one [`Outputs`] a year), in draw order. A worker thread keeps its years'
/// outputs from block to block (one block's are 30 x 40 KB for a 30-year scenario).
fn per_block<T: Send>(
    sc: &Scenario,
    draws: u64,
    seed: u64,
    each: impl Fn(&Block, &[Box<Outputs>]) -> Vec<T> + Sync,
) -> Vec<T> {
    let e = Engine::new(sc, seed);
    let years = e.years();
    let starts: Vec<u64> = (0..draws).step_by(BLOCK).collect();
    let per_block: Vec<Vec<T>> = starts
        .into_par_iter()
        .map_init(
            || -> Vec<Box<Outputs>> { (0..years).map(|_| Outputs::new()).collect() },
            |outs, first| {
                let len = (draws - first).min(BLOCK as u64) as usize;
                let mut block = Block::new(&e, first, len);
                for (t, out) in outs.iter_mut().enumerate() {
                    block.advance(&e, t, out);
                }
                each(&block, outs)
            },
        )
        .collect();
    per_block.into_iter().flatten().collect()
}

/// Applies `f` to every draw `0..draws` of `sc` (in parallel, a block of draws at a
/// time) and returns the results in draw order; `f` receives the draw index and that
/// draw's per-year outputs. See [`super::map_draws`].
pub(crate) fn map_blocks<T: Send>(
    sc: &Scenario,
    draws: u64,
    seed: u64,
    f: impl Fn(u64, &[Year]) -> T + Sync,
) -> Vec<T> {
    per_block(sc, draws, seed, |block, outs| {
        (0..block.len)
            .map(|b| {
                let path: Vec<Year> = outs.iter().map(|o| o.year(b)).collect();
                f(block.first + b as u64, &path)
            })
            .collect()
    })
}

/// One year of one draw, read where its block wrote it (see [`map_block_views`]).
#[derive(Debug, Clone, Copy)]
pub(crate) struct YearView<'a> {
    out: &'a Outputs,
    b: usize,
}

impl crate::canonical::Outputs for YearView<'_> {
    #[inline]
    fn output(&self, var: usize) -> f64 {
        self.out.get(var, self.b)
    }
}

/// [`map_blocks`] without copying a draw's years: `f` receives the draw index, its years
/// as views of the block's outputs, and the index of the first year in which it broke
/// down numerically (as [`crate::model::breakdown`] says, checked once as the block ran),
/// if it did.
pub(crate) fn map_block_views<T: Send>(
    sc: &Scenario,
    draws: u64,
    seed: u64,
    f: impl Fn(u64, &[YearView<'_>], Option<usize>) -> T + Sync,
) -> Vec<T> {
    per_block(sc, draws, seed, |block, outs| {
        let mut path = Vec::with_capacity(outs.len());
        let mut results = Vec::with_capacity(block.len);
        for b in 0..block.len {
            path.clear();
            path.extend(outs.iter().map(|out| YearView { out, b }));
            let broken = block.broken[b];
            let broken = (broken != NOT_BROKEN).then_some(broken as usize);
            results.push(f(block.first + b as u64, &path, broken));
        }
        results
    })
}

/// Simulates `draws` draws of `sc` with `seed` year by year, calling `visit` with the
/// outputs of all draws for each projection year in turn. Runs on the current rayon
/// pool; the values never depend on its size. Holds every draw's outputs of one year
/// (at most [`MAX_DRAWS_IN_COLUMNS`] draws).
pub fn for_each_year(
    sc: &Scenario,
    draws: u64,
    seed: u64,
    mut visit: impl FnMut(&YearDraws) -> Result<()>,
) -> Result<()> {
    if draws > MAX_DRAWS_IN_COLUMNS {
        return Err(Error::usage(
            "--samples-draws",
            format!(
                "{draws} draws of raw samples would not fit in memory; use at most \
                 {MAX_DRAWS_IN_COLUMNS}"
            ),
        ));
    }
    let n = draws as usize;
    let e = Engine::new(sc, seed);
    let mut blocks = blocks(&e, 0, draws);
    let mut outs: Vec<Box<Outputs>> = blocks.iter().map(|_| Outputs::new()).collect();
    let mut columns: Vec<Vec<f64>> = (0..N_OUTPUTS).map(|_| vec![0.0; n]).collect();
    let mut broken = vec![NOT_BROKEN; n];
    for (t, &year) in e.model.years.iter().enumerate() {
        blocks
            .par_iter_mut()
            .zip(outs.par_iter_mut())
            .for_each(|(b, out)| b.advance(&e, t, out));
        for (b, out) in blocks.iter().zip(&outs) {
            let range = b.first as usize..b.first as usize + b.len;
            for (v, col) in columns.iter_mut().enumerate() {
                for (i, x) in col[range.clone()].iter_mut().enumerate() {
                    *x = out.get(v, i);
                }
            }
            broken[range].copy_from_slice(&b.broken[..b.len]);
        }
        visit(&YearDraws {
            index: t,
            year,
            columns: &columns,
            broken: &broken,
        })?;
    }
    Ok(())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::model::{Derived, OUTPUT_NAMES, Share, Year, project};
    use crate::montecarlo::map_draws;
    use crate::scenario::load_str;
    use std::path::Path;

    /// Draws of one test chunk.
    const CHUNK: usize = 1024;

    #[test]
    fn all_finite_sees_a_value_that_is_not_finite_in_any_output_and_lane() {
        for o in 0..N_OUTPUTS {
            for bad in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
                // Finite extremes and zeros of both signs elsewhere.
                let mut values: [Lanes; N_OUTPUTS] = std::array::from_fn(|i| {
                    Lanes(std::array::from_fn(|l| match (i + l) % 4 {
                        0 => f64::MAX,
                        1 => -0.0,
                        2 => -f64::MIN_POSITIVE / 8.0,
                        _ => 1.5,
                    }))
                });
                let lane = (o * 3) % W;
                values[o].0[lane] = bad;
                // In every kernel's registers (fused terms with FMA, two operations without).
                for kernel in crate::lanes::Kernel::available() {
                    let bits = crate::lanes::dispatch!(
                        kernel,
                        fn(values: &[Lanes; N_OUTPUTS]) -> u8 {
                            V::mask_bits(all_finite(&load_all::<V, N_OUTPUTS>(values)))
                        },
                        (&values)
                    );
                    assert_eq!(
                        bits,
                        !(1u8 << lane),
                        "{kernel:?}: output {o}, lane {lane}, {bad}"
                    );
                }
            }
        }
    }

    pub(crate) const SCENARIO: &str = r#"
name = "mc"
base_year = 2025
end_year = 2033
[initial]
gdp_nominal = 100
debt_gdp = 0.55
public_capital_gdp = 0.5
output_gap = 0.01
growth_spending_gdp = 0.02
revenue_gdp = 0.2
exchange_rate = 500
commodity_price = 60
[baseline]
real_growth = 0.04
inflation = 0.05
growth_spending_gdp = 0.02
revenue_gdp = 0.2
commodity_price = 60
exchange_rate = 500
interest_rate = 0.08
[policy]
growth_spending_gdp = { 2025 = 0.02, 2030 = 0.04 }
commodity_revenue_gdp = 0.05
other_spending_gdp = 0.2
[structure]
fx_debt_share = 0.3
[shocks]
sd = [0.01, 0.01, 0.015, 0.2, 0.005, 0.08]
correlation = [
  [1.0, 0.2, 0.0, 0.3, 0.0, -0.2],
  [0.2, 1.0, 0.1, 0.2, 0.0, -0.1],
  [0.0, 0.1, 1.0, 0.0, 0.2, 0.3],
  [0.3, 0.2, 0.0, 1.0, 0.0, -0.5],
  [0.0, 0.0, 0.2, 0.0, 1.0, 0.2],
  [-0.2, -0.1, 0.3, -0.5, 0.2, 1.0],
]
persistence = [0.3, 0.5, 0.4, 0.6, 0.7, 0.5]
"#;

    fn scenario(extra: &str, overrides: &[&str]) -> Scenario {
        let o: Vec<_> = overrides.iter().map(|s| s.parse().unwrap()).collect();
        load_str(&format!("{SCENARIO}{extra}"), "mc.toml", Path::new("."), &o).unwrap()
    }

    /// The flagship file (`scenarios/kazakhstan-2026-2040.toml`) with the benchmarks'
    /// version-2 settings (`testing::V2`: a fund, both rules, every version-2 feature),
    /// then `extra` overrides.
    fn v2_flagship(extra: &[&str]) -> Scenario {
        let path =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/kazakhstan-2026-2040.toml");
        let sets: Vec<crate::scenario::Override> = crate::testing::V2
            .iter()
            .chain(extra)
            .map(|s| s.parse().unwrap())
            .collect();
        crate::scenario::load(&path, &sets).unwrap()
    }

    /// Every year of every draw from the engine, as `[draw][year]` of output values.
    fn engine_paths(sc: &Scenario, draws: u64, seed: u64) -> Vec<Vec<[f64; N_OUTPUTS]>> {
        let mut out = vec![Vec::new(); draws as usize];
        for_each_year(sc, draws, seed, |yd| {
            for (j, path) in out.iter_mut().enumerate() {
                let mut v = [0.0; N_OUTPUTS];
                for (k, col) in yd.columns.iter().enumerate() {
                    v[k] = col[j];
                }
                path.push(v);
            }
            Ok(())
        })
        .unwrap();
        out
    }

    fn bits(path: &[Year]) -> Vec<Vec<u64>> {
        path.iter()
            .map(|y| y.values().iter().map(|v| v.to_bits()).collect())
            .collect()
    }

    fn engine_bits(p: &[[f64; N_OUTPUTS]]) -> Vec<Vec<u64>> {
        p.iter()
            .map(|y| y.iter().map(|v| v.to_bits()).collect())
            .collect()
    }

    #[test]
    fn engine_draw_j_is_map_draws_draw_j() {
        let uncertainty = r#"
[uncertainty]
spending_multiplier = { distribution = "triangular", min = 0.2, mode = 0.4, max = 0.8 }
efficiency = { distribution = "uniform", min = 0.5, max = 0.9 }
public_capital_elasticity = { distribution = "truncated_normal", mean = 0.1, sd = 0.03, min = 0.05, max = 0.15 }
"#;
        let cases = [
            scenario("", &[]),
            scenario("", &["shocks.distribution=\"student_t\"", "shocks.dof=5"]),
            scenario(uncertainty, &[]),
        ];
        for sc in &cases {
            let draws = 2 * CHUNK as u64 + 37; // several chunks, one partial
            let fast = engine_paths(sc, draws, 9);
            let model = Model::new(sc);
            let process = ShockProcess::new(sc);
            let singles: Vec<Vec<Year>> = (0..draws)
                .map(|j| {
                    crate::montecarlo::reference::simulate_scenario_draw(sc, &model, &process, 9, j)
                })
                .collect();
            let slow: Vec<Vec<Vec<u64>>> = singles.iter().map(|p| bits(p)).collect();
            // map_draws (blocks) gives every draw's whole years, debt flows included.
            let mapped = map_draws(sc, draws, 9, |_, path| path.to_vec());
            assert_eq!(mapped, singles);
            for (j, (f, s)) in fast.iter().zip(&slow).enumerate() {
                assert_eq!(&engine_bits(f), s, "draw {j}");
            }
            // Draws really differ from one another and from the deterministic run.
            assert_ne!(slow[0], slow[1]);
            assert_ne!(slow[0], bits(&project(sc).unwrap()));
        }
    }

    /// The run's summary (quantile windows, never the columns) against summaries of the
    /// materialised columns (sorting): quantiles bit for bit, moments to rounding.
    /// Returns the number of (year, output) cells checked and the years with broken draws.
    fn summary_matches_columns(sc: &Scenario, draws: u64, qs: &[f64]) -> (usize, usize) {
        let run = crate::montecarlo::summarize_run(sc, draws, 4, qs, |_| {}).unwrap();
        let mut checked = 0;
        let mut broken_years = 0;
        let mut t = 0;
        for_each_year(sc, draws, 4, |yd| {
            let reference = crate::montecarlo::reference::summarize_year(yd, qs);
            let fast = &run.years[t];
            t += 1;
            assert_eq!(fast.broken_draws, reference.broken_draws);
            if fast.broken_draws > 0 {
                broken_years += 1;
            }
            for (v, (f, r)) in fast.stats.iter().zip(&reference.stats).enumerate() {
                assert_eq!(f.n, r.n);
                for (a, b) in f.quantiles.iter().zip(&r.quantiles) {
                    assert_eq!(a.to_bits(), b.to_bits(), "year {} output {v}", yd.year);
                }
                let tol = 1e-12 * (r.mean.abs() + r.sd);
                // Equal covers moments that overflowed to inf in both (fat tails).
                let close = |a: f64, b: f64, tol: f64| a == b || (a - b).abs() <= tol;
                assert!(close(f.mean, r.mean, tol), "{} vs {}", f.mean, r.mean);
                assert!(
                    close(f.sd, r.sd, 1e-9 * r.sd + 1e-300),
                    "{} vs {}",
                    f.sd,
                    r.sd
                );
                checked += 1;
            }
            Ok(())
        })
        .unwrap();
        (checked, broken_years)
    }

    #[test]
    fn summaries_equal_summaries_of_the_columns() {
        let qs = [0.0, 0.01, 0.05, 0.5, 0.9, 0.975, 1.0];
        // Several stages (the pilot, refined windows), one partial block; ratios with ties.
        let (n, _) = summary_matches_columns(&scenario("", &[]), 6 * CHUNK as u64 + 5, &qs);
        assert_eq!(n, 8 * N_OUTPUTS);
        let (n, _) = summary_matches_columns(&scenario("", &[]), 40_000, &[0.05, 0.5, 0.95]);
        assert_eq!(n, 8 * N_OUTPUTS);
        // More levels than one run over the draws takes (three runs here).
        let many: Vec<f64> = (0..=20).map(|i| f64::from(i) / 20.0).collect();
        assert_eq!(crate::montecarlo::summarize::passes(&many), 3);
        let (n, _) = summary_matches_columns(&scenario("", &[]), 5_000, &many);
        assert_eq!(n, 8 * N_OUTPUTS);
        // Outputs read off others (`Derived`: no fund, maturity 1, no commodity revenue)
        // summarise as their own columns do.
        let derived = scenario("", &["policy.commodity_revenue_gdp=0"]);
        let known = crate::model::derived_outputs(&derived, &Model::new(&derived));
        let same = |name: &str| {
            let i = crate::canonical::output_index(name).unwrap();
            matches!(known[i], crate::model::Derived::SameAs(_))
        };
        for name in [
            "net_debt_gdp",
            "non_commodity_primary_balance_gdp",
            "marginal_interest_rate",
        ] {
            assert!(same(name), "{name}");
        }
        let commodity = crate::canonical::output_index("commodity_revenue").unwrap();
        assert_eq!(known[commodity], crate::model::Derived::Zero);
        // Shares of nominal GDP take their order statistics from nominal GDP's.
        for (name, share) in [
            ("growth_spending", Share::GrowthSpending),
            ("other_spending", Share::OtherSpending),
            ("revenue", Share::Revenue),
        ] {
            let i = crate::canonical::output_index(name).unwrap();
            let gdp = crate::canonical::output_index("gdp_nominal").unwrap();
            assert_eq!(known[i], Derived::Times(gdp, share), "{name}");
        }
        let (n, _) = summary_matches_columns(&derived, 6 * CHUNK as u64 + 5, &qs);
        assert_eq!(n, 8 * N_OUTPUTS);
        // Broken draws are left out of the summary as out of the columns.
        let wild = scenario("", &["shocks.sd=[0.0, 0.0, 0.45, 0.0, 0.0, 0.0]"]);
        let (_, broken_years) = summary_matches_columns(&wild, 6 * CHUNK as u64 + 5, &qs);
        assert!(broken_years > 0, "some year has broken draws");
    }

    /// An output is a share of another only where the step computes it as one
    /// product with a share that is never negative.
    #[test]
    fn shares_of_outputs_only_where_the_step_multiplies() {
        let of = |sc: &Scenario, name: &str| {
            let i = crate::canonical::output_index(name).unwrap();
            crate::model::derived_outputs(sc, &Model::new(sc))[i]
        };
        let gdp = crate::canonical::output_index("gdp_nominal").unwrap();
        let times = |share| Derived::Times(gdp, share);
        let plain = scenario("", &[]);
        assert_eq!(of(&plain, "growth_spending"), times(Share::GrowthSpending));
        assert_eq!(of(&plain, "other_spending"), times(Share::OtherSpending));
        // Commodity revenue is part of revenue here.
        assert_eq!(of(&plain, "revenue"), Derived::Computed);
        let no_oil = ["policy.commodity_revenue_gdp=0"];
        assert_eq!(of(&scenario("", &no_oil), "revenue"), times(Share::Revenue));
        let cyclical = [no_oil[0], "structure.cyclical_revenue_semi_elasticity=0.2"];
        assert_eq!(of(&scenario("", &cyclical), "revenue"), Derived::Computed);
        let drawn = "[uncertainty]\ncyclical_revenue_semi_elasticity = { distribution = \"uniform\", min = 0.0, max = 0.1 }\n";
        assert_eq!(of(&scenario(drawn, &no_oil), "revenue"), Derived::Computed);
        // The seventh shock and the rules move other spending.
        let seventh = [
            "shocks.sd=[0.01, 0.01, 0.015, 0.2, 0.005, 0.08, 0.01]",
            "shocks.persistence=[0.3, 0.5, 0.4, 0.6, 0.7, 0.5, 0.0]",
        ];
        let sc = scenario("", &seventh);
        assert_eq!(of(&sc, "other_spending"), Derived::Computed);
        assert_eq!(of(&sc, "growth_spending"), times(Share::GrowthSpending));
        let rules = "[rules]\ndebt_ceiling_gdp = 0.6\n";
        assert_eq!(
            of(&scenario(rules, &[]), "other_spending"),
            Derived::Computed
        );
        // Version 2 with a fund, both rules and every feature: growth spending only.
        let v2 = v2_flagship(&["end_year=2033"]);
        assert_eq!(of(&v2, "growth_spending"), times(Share::GrowthSpending));
        assert_eq!(of(&v2, "other_spending"), Derived::Computed);
        assert_eq!(of(&v2, "revenue"), Derived::Computed);
        let commodity = crate::canonical::output_index("commodity_revenue").unwrap();
        assert_eq!(
            of(&v2, "fund_inflow"),
            Derived::Times(commodity, Share::FundInflow)
        );
        // Without commodity revenue the inflow is computed (C is not tallied).
        let dry = v2_flagship(&["end_year=2033", "policy.commodity_revenue_gdp=0"]);
        assert_eq!(of(&dry, "fund_inflow"), Derived::Computed);
        // Summaries of each case equal the columns' (quantiles to the bit).
        for sc in [scenario("", &seventh), scenario("", &cyclical), v2] {
            let (n, _) = summary_matches_columns(&sc, 3 * CHUNK as u64 + 9, &[0.05, 0.5, 0.95]);
            assert_eq!(n, 8 * N_OUTPUTS);
        }
    }

    #[test]
    fn tallied_summaries_do_not_depend_on_threads() {
        let sc = scenario("", &[]);
        let run = || {
            crate::montecarlo::summarize_run(&sc, 5 * CHUNK as u64 + 77, 8, &[0.05, 0.5], |_| {})
                .unwrap()
        };
        let one = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .unwrap();
        let three = rayon::ThreadPoolBuilder::new()
            .num_threads(3)
            .build()
            .unwrap();
        let a = one.install(run);
        let b = three.install(run);
        assert_eq!(a, b);
        let bits = |r: &crate::summary::RunSummary| -> Vec<u64> {
            r.years
                .iter()
                .flat_map(|y| {
                    y.stats
                        .iter()
                        .flat_map(|s| [s.mean.to_bits(), s.sd.to_bits()])
                })
                .collect()
        };
        assert_eq!(bits(&a), bits(&b));
    }

    /// Every kernel this CPU has (AVX-512, AVX2, portable) gives the portable kernel's
    /// summaries bit for bit: version 1 with three quantiles (the slot tally), and version
    /// 2 (the benchmarks' `testing::V2`, with Student-t shocks, to 2045) with nine
    /// quantiles (more windows than the slot tally takes), over several stages.
    #[test]
    fn every_kernel_gives_the_portable_summaries_bit_for_bit() {
        let path =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/kazakhstan-2026-2040.toml");
        let v2 = v2_flagship(&[
            "shocks.distribution=\"student_t\"",
            "shocks.dof=6",
            "end_year=2045",
        ]);
        let nine = [0.01, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99];
        let v1 = crate::scenario::load(&path, &[]).unwrap();
        let cases: [(Scenario, &[f64]); 2] = [(v1, &[0.05, 0.5, 0.95]), (v2, &nine)];
        let kernels: Vec<Kernel> = Kernel::available().collect();
        assert!(kernels.contains(&Kernel::best()));
        for (sc, qs) in cases {
            let run = |k| {
                super::super::summarize::run(k, &sc, 3 * CHUNK as u64 + 77, 9, qs, |_| {}).unwrap()
            };
            let reference = run(Kernel::Portable);
            let bits = |r: &crate::summary::RunSummary| -> Vec<u64> {
                r.years
                    .iter()
                    .flat_map(|y| y.stats.iter())
                    .flat_map(|s| {
                        let q = s.quantiles.iter().map(|q| q.to_bits());
                        [s.mean.to_bits(), s.sd.to_bits()].into_iter().chain(q)
                    })
                    .collect()
            };
            for &k in &kernels {
                let got = run(k);
                assert_eq!(bits(&got), bits(&reference), "{k:?}");
                assert_eq!(got, reference, "{k:?}");
            }
        }
    }

    #[test]
    fn uncertainty_does_not_shift_the_shocks() {
        let plain = scenario("", &[]);
        let with = scenario(
            "[uncertainty]\nspending_multiplier = { distribution = \"uniform\", min = 0.2, \
             max = 0.6 }\n",
            &[],
        );
        let a = engine_paths(&plain, 50, 3);
        let b = engine_paths(&with, 50, 3);
        let i = OUTPUT_NAMES
            .iter()
            .position(|n| *n == "commodity_price")
            .unwrap();
        for (pa, pb) in a.iter().zip(&b) {
            for (ya, yb) in pa.iter().zip(pb) {
                assert_eq!(ya[i].to_bits(), yb[i].to_bits());
            }
        }
        let g = OUTPUT_NAMES
            .iter()
            .position(|n| *n == "output_gap")
            .unwrap();
        assert!(a.iter().zip(&b).any(|(pa, pb)| pa[6][g] != pb[6][g]));
    }

    #[test]
    fn zero_sd_reproduces_the_deterministic_run_in_every_draw() {
        let sc = scenario("", &["shocks.sd=[0, 0, 0, 0, 0, 0]"]);
        let det = bits(&project(&sc).unwrap());
        for (j, p) in engine_paths(&sc, 300, 5).iter().enumerate() {
            assert_eq!(engine_bits(p), det, "draw {j}");
        }
    }

    #[test]
    fn first_draws_do_not_depend_on_the_number_of_draws_or_threads() {
        let sc = scenario("", &[]);
        let small = engine_paths(&sc, 40, 11);
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .unwrap();
        let big = pool.install(|| engine_paths(&sc, 3000, 11));
        for (s, b) in small.iter().zip(&big) {
            assert_eq!(engine_bits(s), engine_bits(b));
        }
    }

    #[test]
    fn broken_draws_are_flagged_from_the_year_they_break() {
        // Huge inflation shocks: some draws see prices fall by more than 100 %.
        let sc = scenario("", &["shocks.sd=[0.0, 0.0, 0.6, 0.0, 0.0, 0.0]"]);
        let mut seen = Vec::new();
        for_each_year(&sc, 2000, 1, |yd| {
            let n = yd.broken_count();
            for j in 0..yd.broken.len() {
                let sound = yd.is_sound(j);
                let gdp = yd.columns[1][j];
                if sound {
                    assert!(gdp > 0.0, "a sound draw has positive GDP");
                }
            }
            seen.push(n);
            Ok(())
        })
        .unwrap();
        assert!(seen.windows(2).all(|w| w[0] <= w[1]), "{seen:?}");
        assert!(*seen.last().unwrap() > 0, "{seen:?}");
        // The block's lane-wise check flags exactly the years `model::breakdown` flags.
        let first_broken = map_draws(&sc, 2000, 1, |_, path| {
            path.iter()
                .position(|y| crate::model::breakdown(y).is_some())
                .map_or(NOT_BROKEN, |t| t as u32)
        });
        let mut flagged = Vec::new();
        for_each_year(&sc, 2000, 1, |yd| {
            flagged = yd.broken.to_vec();
            Ok(())
        })
        .unwrap();
        assert_eq!(flagged, first_broken);
        assert!(first_broken.iter().any(|&b| b != NOT_BROKEN));
        // The views of `map_block_views` read the very values `map_draws` copies, and
        // come with the year `model::breakdown` flags first.
        let bits = |v: &mut dyn Iterator<Item = f64>| v.map(f64::to_bits).collect::<Vec<_>>();
        let viewed = map_block_views(&sc, 2000, 1, |j, path, broken| {
            let years: Vec<Vec<u64>> = path
                .iter()
                .map(|y| bits(&mut (0..N_OUTPUTS).map(|o| crate::canonical::Outputs::output(y, o))))
                .collect();
            (j, years, broken.map_or(NOT_BROKEN, |t| t as u32))
        });
        let copied = map_draws(&sc, 2000, 1, |j, path| {
            let years: Vec<Vec<u64>> = path
                .iter()
                .map(|y| bits(&mut y.values().into_iter()))
                .collect();
            (j, years)
        });
        assert_eq!(viewed.len(), 2000);
        for ((v, (j, years)), &first) in viewed.iter().zip(&copied).zip(&first_broken) {
            assert_eq!((v.0, &v.1, v.2), (*j, years, first), "draw {j}");
        }
    }

    #[test]
    fn mean_of_the_linear_case_meets_the_analytic_mean() {
        // theta = m = mtau = lambda = phi = 0, only potential-growth shocks, A = 0,
        // policy = baseline, gap0 = 0: E[Y_T] = Y0 prod(1 + gb_t).
        let sc = scenario(
            "",
            &[
                "structure.public_capital_elasticity=0",
                "structure.spending_multiplier=0",
                "structure.revenue_multiplier=0",
                "structure.debt_premium=0",
                "structure.fx_debt_share=0",
                "initial.output_gap=0",
                "policy.growth_spending_gdp=0.02",
                "shocks.sd=[0.03, 0, 0, 0, 0, 0]",
                "shocks.persistence=[0, 0, 0, 0, 0, 0]",
                "baseline.real_growth={2026 = 0.02, 2033 = 0.06}",
            ],
        );
        let draws = 20_000;
        let run = crate::montecarlo::summarize_run(&sc, draws, 2024, &[0.5], |_| {}).unwrap();
        let expected: f64 = sc
            .baseline
            .real_growth
            .iter()
            .map(|g| 1.0 + g)
            .product::<f64>()
            * sc.initial.gdp_nominal;
        let last = run.years.last().unwrap();
        let st = &last.stats[0];
        let se = st.sd / (draws as f64).sqrt();
        assert!(st.sd > 0.05 * expected, "the shocks matter: sd {}", st.sd);
        assert!(
            (st.mean - expected).abs() < 4.0 * se,
            "mean {} vs analytic {expected} (se {se})",
            st.mean
        );
        // The summary's quantiles are those of the simulated column.
        let mut col = Vec::new();
        for_each_year(&sc, draws, 2024, |yd| {
            col = yd.columns[0].clone();
            Ok(())
        })
        .unwrap();
        assert_eq!(
            st.quantiles[0].to_bits(),
            crate::summary::quantile_type7(&mut col, 0.5).to_bits()
        );
    }
    #[test]
    fn first_year_shocks_have_the_declared_sd_correlation_and_tails() {
        // In the first year gpot = gb + u_potential, ln(p / pb) = u_oil, ln(E / Eb) = u_fx.
        let col = |sc: &Scenario, name: &str| {
            let i = OUTPUT_NAMES.iter().position(|n| *n == name).unwrap();
            let mut out = Vec::new();
            for_each_year(sc, 40_000, 77, |yd| {
                if yd.index == 0 {
                    out = yd.columns[i].clone();
                }
                Ok(())
            })
            .unwrap();
            out
        };
        let moments = |x: &[f64]| {
            let n = x.len() as f64;
            let m = x.iter().sum::<f64>() / n;
            let v = x.iter().map(|a| (a - m).powi(2)).sum::<f64>() / n;
            let k = x.iter().map(|a| (a - m).powi(4)).sum::<f64>() / n / (v * v) - 3.0;
            (m, v.sqrt(), k)
        };
        for (overrides, tol, fat) in [
            (vec![], 0.03, false),
            (
                vec!["shocks.distribution=\"student_t\"", "shocks.dof=5"],
                0.05,
                true,
            ),
        ] {
            let sc = scenario("", &overrides);
            let gb = sc.baseline.real_growth[0];
            let pb = sc.baseline.commodity_price[0];
            let eb = sc.baseline.exchange_rate[0];
            let u0: Vec<f64> = col(&sc, "potential_growth")
                .iter()
                .map(|g| g - gb)
                .collect();
            let u3: Vec<f64> = col(&sc, "commodity_price")
                .iter()
                .map(|p| (p / pb).ln())
                .collect();
            let u5: Vec<f64> = col(&sc, "exchange_rate")
                .iter()
                .map(|e| (e / eb).ln())
                .collect();
            for (u, sd) in [(&u0, 0.01), (&u3, 0.2), (&u5, 0.08)] {
                let (m, s, _) = moments(u);
                assert!(m.abs() < 4.0 * sd / 200.0, "{overrides:?}: mean {m}");
                assert!((s / sd - 1.0).abs() < tol, "{overrides:?}: sd {s} vs {sd}");
            }
            let (m3, s3, k3) = moments(&u3);
            let (m5, s5, _) = moments(&u5);
            let corr = u3
                .iter()
                .zip(&u5)
                .map(|(a, b)| (a - m3) * (b - m5))
                .sum::<f64>()
                / u3.len() as f64
                / (s3 * s5);
            assert!(
                (corr + 0.5).abs() < 0.02,
                "{overrides:?}: correlation {corr}"
            );
            if fat {
                assert!(k3 > 1.0, "Student t(5) has fat tails: excess kurtosis {k3}");
            } else {
                assert!(k3.abs() < 0.15, "normal: excess kurtosis {k3}");
            }
        }
    }
}
