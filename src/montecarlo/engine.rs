//! The fast Monte Carlo path: all draws advance together, one year at a time (structure
//! of arrays), and each finished year is handed to a visitor (summaries, raw samples,
//! progress) before the next one is simulated. Memory holds one year of outputs and the
//! per-draw state, never draws × years.
//!
//! Draw `j` consumes its own random stream exactly as [`super::simulate_draw`] does (per
//! year: six normals, then the Student-t chi-square), and goes through the same
//! [`crate::model::step`], so draw `j` here is bit for bit draw `j` of
//! [`super::map_draws`], whatever the thread count or chunking.

use rand_xoshiro::Xoshiro256PlusPlus;
use rayon::prelude::*;

use super::{ShockProcess, draw_rng, draw_structure};
use crate::error::{Error, Result};
use crate::model::{Model, N_OUTPUTS, State, breakdown, step};
use crate::scenario::{N_SHOCKS, Scenario, Structure};
use crate::shocks::{Vec6, next_state};

/// Draws simulated together by one task.
const CHUNK: usize = 1024;

/// Marks a draw that has not broken down.
pub const NOT_BROKEN: u32 = u32::MAX;

/// The most draws one summarised run may hold in memory (about 360 bytes a draw).
pub const MAX_DRAWS_IN_MEMORY: u64 = 5_000_000;

/// The outputs of every draw in one projection year.
#[derive(Debug)]
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
    pub fn is_sound(&self, j: usize) -> bool {
        self.broken[j] > self.index as u32
    }

    /// Number of draws that have broken down in this year or earlier.
    pub fn broken_count(&self) -> u64 {
        let t = self.index as u32;
        self.broken.iter().filter(|&&b| b <= t).count() as u64
    }
}

/// Per-draw state of the shock process and the economy.
#[derive(Clone)]
struct Lane {
    state: State,
    u: Vec6,
    rng: Xoshiro256PlusPlus,
}

/// Per-draw structure and reference path, with `[uncertainty]`.
#[derive(Clone)]
struct UncertainLane {
    structure: Structure,
    reference: State,
}

/// One task's share of a year.
struct Work<'a> {
    lanes: &'a mut [Lane],
    broken: &'a mut [u32],
    uncertain: Option<&'a mut [UncertainLane]>,
    columns: Vec<&'a mut [f64]>,
}

/// Simulates `draws` draws of `sc` with `seed` year by year, calling `visit` with the
/// outputs of all draws for each projection year in turn. Runs on the current rayon
/// pool; the values never depend on its size.
pub fn for_each_year(
    sc: &Scenario,
    draws: u64,
    seed: u64,
    mut visit: impl FnMut(&YearDraws) -> Result<()>,
) -> Result<()> {
    if draws > MAX_DRAWS_IN_MEMORY {
        return Err(Error::usage(
            "--draws",
            format!(
                "{draws} draws would not fit in memory for exact summaries; use at most {MAX_DRAWS_IN_MEMORY}"
            ),
        ));
    }
    let n = draws as usize;
    let model = Model::new(sc);
    let process = ShockProcess::new(sc);
    let mut lanes: Vec<Lane> = (0..draws)
        .into_par_iter()
        .map(|j| Lane {
            state: model.initial,
            u: [0.0; N_SHOCKS],
            rng: draw_rng(seed, j, 0),
        })
        .collect();
    let mut uncertain: Option<Vec<UncertainLane>> = sc.uncertainty.as_ref().map(|_| {
        (0..draws)
            .into_par_iter()
            .map(|j| UncertainLane {
                structure: draw_structure(sc, seed, j),
                reference: model.initial,
            })
            .collect()
    });
    let mut broken = vec![NOT_BROKEN; n];
    let mut columns: Vec<Vec<f64>> = (0..N_OUTPUTS).map(|_| vec![0.0; n]).collect();

    for (t, &year) in model.years.iter().enumerate() {
        let mut works: Vec<Work> = lanes
            .chunks_mut(CHUNK)
            .zip(broken.chunks_mut(CHUNK))
            .map(|(lanes, broken)| Work {
                lanes,
                broken,
                uncertain: None,
                columns: Vec::with_capacity(N_OUTPUTS),
            })
            .collect();
        if let Some(u) = uncertain.as_mut() {
            for (w, part) in works.iter_mut().zip(u.chunks_mut(CHUNK)) {
                w.uncertain = Some(part);
            }
        }
        for col in columns.iter_mut() {
            for (w, part) in works.iter_mut().zip(col.chunks_mut(CHUNK)) {
                w.columns.push(part);
            }
        }
        works
            .into_par_iter()
            .for_each(|w| simulate_chunk(&model, &process, t, w));
        visit(&YearDraws {
            index: t,
            year,
            columns: &columns,
            broken: &broken,
        })?;
    }
    Ok(())
}

/// Advances one chunk of draws by year `t`.
fn simulate_chunk(model: &Model, process: &ShockProcess, t: usize, mut w: Work) {
    let inp = &model.inputs[t];
    let reference_inputs = inp.reference();
    for k in 0..w.lanes.len() {
        let lane = &mut w.lanes[k];
        let z = process.draw_z(&mut lane.rng);
        lane.u = next_state(&process.a, &process.l, &lane.u, &z);
        let (structure, kref) = match w.uncertain.as_deref_mut() {
            None => (&model.structure, model.kref(t)),
            Some(ul) => {
                let ul = &mut ul[k];
                let (next, reference) = step(
                    &ul.structure,
                    &reference_inputs,
                    None,
                    &ul.reference,
                    &[0.0; N_SHOCKS],
                );
                ul.reference = next;
                (&ul.structure, reference.public_capital)
            }
        };
        let (next, year) = step(structure, inp, Some(kref), &lane.state, &lane.u);
        lane.state = next;
        for (col, v) in w.columns.iter_mut().zip(year.values()) {
            col[k] = v;
        }
        if w.broken[k] == NOT_BROKEN && breakdown(&year).is_some() {
            w.broken[k] = t as u32;
        }
    }
}
