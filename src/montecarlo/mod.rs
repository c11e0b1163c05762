//! Monte Carlo: draws of docs/MODEL.md's shock process pushed through the same
//! [`crate::model::step`] as the deterministic run.
//!
//! Reproducibility: draw `j` of a run with seed `s` has its own random stream, a
//! Xoshiro256++ generator whose 256-bit state is derived injectively from `(s, j)`, so a
//! draw's values never depend on threads, chunking or the number of draws (the first M
//! draws of an N-draw run are an M-draw run). Within a draw, each year takes six standard
//! normals in shock order, then (Student t only) one chi-square variate. Uncertain
//! structural parameters (`[uncertainty]`) come from the draw's purpose-1 stream, so they
//! never shift a shock.
//!
//! Production simulates draws in `engine::Block`s of 128, in eight-draw
//! `crate::lanes::Lanes`, for the summaries of millions of draws (`summarize`, with
//! the quantile windows of `windows`), the raw samples (`engine::for_each_year`) and
//! every per-draw quantity of sweeps, goal-seek and probabilities ([`map_draws`]). The
//! tests check them bit for bit against a reference that simulates one draw at a time
//! with scalar shocks (`reference`, compiled for tests only).

pub(crate) mod engine;
mod metrics;
pub(crate) mod pages;
pub mod probability;
#[cfg(test)]
pub(crate) mod reference;
pub mod samples;
pub(crate) mod stream;
pub(crate) mod summarize;
pub(crate) mod windows;
pub(crate) mod ziggurat;

use rand::RngExt;
use rand_distr::ChiSquared;

use crate::lanes::{Lanes, Vector, W, load_all, store_all};
use crate::lanes::{Real, Scalar};
use crate::model::Year;
use crate::scenario::{Distribution, N_SHOCKS, N_SHOCKS_V1, Scenario, Structure};
use crate::shocks::{Mat, SparseMat, cholesky_psd, covariance};
use stream::{Stream, StreamLanes, StreamRegs, Streams, normals};

pub use metrics::{OverDraws, over_draws};

/// SplitMix64's finaliser: a bijection of u64 that mixes all bits.
#[inline]
fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The random stream of draw `draw` of a run with `seed`, for `purpose` 0 (shocks);
/// other purposes (e.g. 1 for uncertain parameters) give independent streams.
pub fn draw_rng(seed: u64, draw: u64, purpose: u64) -> Stream {
    // Every state word mixes all three inputs (Xoshiro's first outputs read only some
    // words, so each must depend on seed, draw and purpose). The keys differ, so at most
    // one word can be zero: the state is never all zero.
    const KEYS: [u64; 4] = [
        0x9E37_79B9_7F4A_7C15,
        0xD1B5_4A32_D192_ED03,
        0x8CB9_2BA7_2F3D_8DD7,
        0xF135_7AEA_2E62_A9C5,
    ];
    Stream::from_words(KEYS.map(|key| mix64(seed ^ mix64(draw ^ mix64(purpose ^ key)))))
}

/// The shock process of a scenario, ready to draw: Cholesky factor L, persistence A,
/// and the t-distribution scaling.
#[derive(Debug, Clone, PartialEq)]
pub struct ShockProcess {
    /// L with L L' = diag(sd) C diag(sd).
    pub l: Mat,
    /// Persistence matrix A.
    pub a: Mat,
    /// `Some(dof)` for Student t innovations.
    pub dof: Option<f64>,
    /// The nonzero entries of `l`.
    pub l_nz: SparseMat,
    /// The nonzero entries of `a`.
    pub a_nz: SparseMat,
    /// Whether the seventh shock (`primary_balance`) is active: its sd or its row of A is
    /// not zero. An inactive seventh shock draws no random number (docs/MODEL.md version 2),
    /// so a six-shock scenario draws exactly version 1's numbers.
    pub seventh: bool,
}

impl ShockProcess {
    /// The process of `sc.shocks`.
    pub fn new(sc: &Scenario) -> ShockProcess {
        let l = cholesky_psd(&covariance(&sc.shocks));
        let a = sc.shocks.persistence;
        ShockProcess {
            l,
            a,
            l_nz: SparseMat::of(&l),
            a_nz: SparseMat::of(&a),
            seventh: sc.shocks.seventh_active(),
            dof: match sc.shocks.distribution {
                Distribution::Normal => None,
                Distribution::StudentT => sc.shocks.dof,
            },
        }
    }

    /// Draws z_t: six standard normals ([`stream::normals`]), a seventh when that shock is
    /// active (else z_7 = 0), rescaled to a unit-variance
    /// multivariate t (z = n sqrt((dof - 2) / w), w ~ chi-square(dof), drawn after the
    /// normals from the same stream) when the distribution is Student t.
    #[cfg(any(test, feature = "bench"))]
    #[inline]
    pub fn draw_z(&self, rng: &mut Stream) -> crate::shocks::Vector {
        let mut z = self.normals(rng);
        if let Some(scale) = self.t_scale(rng) {
            for v in z.iter_mut() {
                *v *= scale;
            }
        }
        z
    }

    /// `ShockProcess::draw_z` (tests and benchmarks) for `W` draws at once: lane `i` gets
    /// exactly what `draw_z` gives stream `i`.
    #[inline(always)]
    pub fn draw_z_lanes(&self, rng: &mut StreamLanes) -> [Lanes; N_SHOCKS] {
        self.draw_z_in::<Lanes>(rng)
    }

    /// [`ShockProcess::draw_z_lanes`] in the registers of a kernel ([`Vector`]).
    #[inline(always)]
    pub(crate) fn draw_z_in<V: Vector>(&self, rng: &mut StreamLanes) -> [V; N_SHOCKS]
    where
        f64: Scalar<V>,
    {
        let mut regs = StreamRegs::<V>::load(rng);
        let z = self.normals(&mut regs);
        regs.store(rng);
        if self.dof.is_none() {
            return z;
        }
        let mut z = store_all(&z);
        for i in 0..W {
            let mut one = rng.get(i);
            if let Some(scale) = self.t_scale(&mut one) {
                for v in z.iter_mut() {
                    v.0[i] *= scale;
                }
            }
            rng.set(i, one);
        }
        load_all(&z)
    }

    /// The standard normals of one year: six, then the seventh when it is active.
    #[inline(always)]
    fn normals<S: Streams>(&self, rng: &mut S) -> [S::Real; N_SHOCKS]
    where
        f64: Scalar<S::Real>,
    {
        let six = normals::<N_SHOCKS_V1, _>(rng);
        let seventh = if self.seventh {
            normals::<1, _>(rng)[0]
        } else {
            <S::Real as Real>::splat(0.0)
        };
        let mut z = [seventh; N_SHOCKS];
        // A loop, not `copy_from_slice`: a 384-byte copy of registers could become a call.
        #[allow(clippy::manual_memcpy)]
        for i in 0..N_SHOCKS_V1 {
            z[i] = six[i];
        }
        z
    }

    /// The Student-t rescaling sqrt((dof - 2) / w) of one year, or `None` for normal shocks.
    #[inline]
    fn t_scale(&self, rng: &mut Stream) -> Option<f64> {
        let dof = self.dof?;
        let chi = ChiSquared::new(dof).ok()?;
        let w: f64 = rng.sample(chi);
        Some(((dof - 2.0) / w).sqrt())
    }
}

/// The shocks alone of draws `0..draws` over `years` years, eight draws at a time, with the
/// kernel of [`crate::Kernel::chosen`] (`FISCALSIM_KERNEL`): the floor of a Monte Carlo
/// run, for the benchmarks. Returns a sum of shocks (to be kept from the optimiser).
#[cfg(feature = "bench")]
pub fn shocks_only(process: &ShockProcess, draws: u64, years: usize) -> f64 {
    crate::lanes::dispatch!(
        crate::lanes::Kernel::chosen(),
        fn(p: &ShockProcess, draws: u64, years: usize) -> f64 {
            let mut acc = 0.0;
            for first in (0..draws).step_by(W) {
                let mut rng =
                    StreamLanes::new(std::array::from_fn(|i| draw_rng(1, first + i as u64, 0)));
                let mut u = [V::splat(0.0); N_SHOCKS];
                for _ in 0..years {
                    let z = p.draw_z_in::<V>(&mut rng);
                    u = crate::shocks::next_state(&p.a_nz, &p.l_nz, &u, &z);
                }
                acc += u[0].store().0[0];
            }
            acc
        },
        (process, draws, years)
    )
}

/// The structure of draw `draw`: the scenario's own, or drawn from `[uncertainty]` with
/// the draw's purpose-1 stream.
pub fn draw_structure(sc: &Scenario, seed: u64, draw: u64) -> Structure {
    match &sc.uncertainty {
        None => sc.structure.clone(),
        Some(u) => u.draw(&sc.structure, &mut draw_rng(seed, draw, 1)),
    }
}

/// Applies `f` to every draw `0..draws` of `sc` (in parallel) and returns the results in
/// draw order. `f` receives the draw index and that draw's per-year outputs. The result
/// depends only on the scenario, `seed` and `draws`, never on the thread count. Draws are
/// simulated a block at a time in lanes (`engine::map_blocks`); draw `j` is bit for bit
/// the one-draw reference's draw `j`.
pub fn map_draws<T: Send>(
    sc: &Scenario,
    draws: u64,
    seed: u64,
    f: impl Fn(u64, &[Year]) -> T + Sync,
) -> Vec<T> {
    engine::map_blocks(sc, draws, seed, f)
}

/// Simulates `draws` draws of `sc` with `seed` and summarises every year and output:
/// mean, sd and the exact type-7 quantiles `qs` of the sound draws. Memory does not grow
/// with draws × years: blocks of draws run through all years while their outputs are
/// tallied (moment sums, and the quantile windows of `windows`).
/// `progress` is told how many draws each finished chunk simulated (all draws
/// `summarize::passes` times over). The result depends only on the
/// scenario, `draws`, `seed` and `qs`, never on the thread count.
pub fn summarize_run(
    sc: &crate::scenario::Scenario,
    draws: u64,
    seed: u64,
    qs: &[f64],
    progress: impl Fn(u64) + Sync,
) -> crate::Result<crate::summary::RunSummary> {
    summarize::run(
        crate::lanes::Kernel::chosen(),
        sc,
        draws,
        seed,
        qs,
        progress,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Model;
    use crate::shocks::next_state;

    /// Eight draws advanced together in `Lanes` (normals, shock state and the generic step)
    /// are bit for bit the eight draws of `simulate_draw`, normal and Student t.
    #[test]
    fn eight_draws_in_lanes_are_the_single_draws() {
        use crate::model::{State, step};
        use std::path::Path;
        for extra in [
            &[][..],
            &["shocks.distribution=\"student_t\"", "shocks.dof=5"][..],
        ] {
            let o: Vec<_> = extra.iter().map(|s| s.parse().unwrap()).collect();
            let sc =
                crate::scenario::load_str(engine::tests::SCENARIO, "mc.toml", Path::new("."), &o)
                    .unwrap();
            let model = Model::new(&sc);
            let process = ShockProcess::new(&sc);
            let first = 40;
            let mut rng =
                StreamLanes::new(std::array::from_fn(|i| draw_rng(3, first + i as u64, 0)));
            let mut u = [Lanes::default(); N_SHOCKS];
            let mut state: State<Lanes> = model.initial.splat();
            let singles: Vec<Vec<Year>> = (0..W as u64)
                .map(|i| reference::simulate_draw(&model, &process, 3, first + i))
                .collect();
            for t in 0..model.years.len() {
                let z = process.draw_z_lanes(&mut rng);
                u = next_state(&process.a_nz, &process.l_nz, &u, &z);
                let reference = Some(model.reference_at::<Lanes>(t));
                let (next, year) = step(&model.structure, &model.inputs[t], reference, &state, &u);
                state = next;
                for (i, single) in singles.iter().enumerate() {
                    let lanes: Vec<u64> = year.values().iter().map(|v| v.0[i].to_bits()).collect();
                    let one: Vec<u64> = single[t].values().iter().map(|v| v.to_bits()).collect();
                    assert_eq!(lanes, one, "{extra:?} year {t} draw {i}");
                }
            }
        }
    }

    #[test]
    fn streams_differ_by_seed_draw_and_purpose_and_repeat_exactly() {
        use rand::Rng;
        let first = |s, d, p| draw_rng(s, d, p).next_u64();
        assert_eq!(first(1, 2, 0), first(1, 2, 0));
        assert_ne!(first(1, 2, 0), first(1, 3, 0));
        assert_ne!(first(1, 2, 0), first(2, 2, 0));
        assert_ne!(first(1, 2, 0), first(1, 2, 1));
        assert_ne!(first(0, 1, 0), first(1, 0, 0));
    }
}
