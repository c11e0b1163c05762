//! The fast Monte Carlo path: all draws advance together, one year at a time (structure
//! of arrays), and each finished year is handed to a visitor (summaries, raw samples,
//! progress) before the next one is simulated. Memory holds one year of outputs and the
//! per-draw state, never draws × years.
//!
//! Draw `j` consumes its own random stream exactly as [`super::simulate_draw`] does (per
//! year: six normals, then the Student-t chi-square), and goes through the same
//! [`crate::model::step`], so draw `j` here is bit for bit draw `j` of
//! [`super::map_draws`], whatever the thread count or chunking.

use rayon::prelude::*;

use super::tally::{Hist, Moments, Plan, YearTally};
use super::{ShockProcess, draw_rng, draw_structure};
use crate::error::{Error, Result};
use crate::model::{Model, N_OUTPUTS, State, breakdown, step};
use crate::scenario::{N_SHOCKS, Scenario, Structure};
use crate::shocks::{Vec6, next_state};

/// Draws simulated together by one task.
const CHUNK: usize = 1024;

/// Draws staged together before their outputs are copied to the columns.
const BLOCK: usize = 128;

/// Marks a draw that has not broken down.
pub const NOT_BROKEN: u32 = u32::MAX;

/// The most draws one summarised run may hold in memory (about 360 bytes a draw).
pub const MAX_DRAWS_IN_MEMORY: u64 = 5_000_000;

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
    /// The year's tallies (moments and histograms of the sound draws), when the run was
    /// started with [`for_each_year_tallied`].
    pub tally: Option<&'a YearTally>,
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
    rng: super::stream::Stream,
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
    moments: [Moments; N_OUTPUTS],
}

/// Simulates `draws` draws of `sc` with `seed` year by year, calling `visit` with the
/// outputs of all draws for each projection year in turn. Runs on the current rayon
/// pool; the values never depend on its size.
pub fn for_each_year(
    sc: &Scenario,
    draws: u64,
    seed: u64,
    visit: impl FnMut(&YearDraws) -> Result<()>,
) -> Result<()> {
    run_years(sc, draws, seed, false, visit)
}

/// As [`for_each_year`], and each year's sound draws are also tallied while they are
/// simulated ([`YearDraws::tally`]): the first chunk of draws is simulated first as the
/// pilot that fixes the tally's pivots and bucket maps, then the rest in parallel.
pub fn for_each_year_tallied(
    sc: &Scenario,
    draws: u64,
    seed: u64,
    visit: impl FnMut(&YearDraws) -> Result<()>,
) -> Result<()> {
    run_years(sc, draws, seed, true, visit)
}

fn run_years(
    sc: &Scenario,
    draws: u64,
    seed: u64,
    tallied: bool,
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
                moments: [Moments::default(); N_OUTPUTS],
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
        let tally = if tallied && !works.is_empty() {
            let mut rest = works.split_off(1);
            let mut pilot = works.pop();
            let pilot = pilot.as_mut().expect("works is not empty");
            simulate_chunk(&model, &process, t, pilot, None);
            let plan = Plan::from_pilot(&pilot_values(pilot, t));
            let mut hist = rest
                .par_iter_mut()
                .with_min_len(16)
                .fold(Hist::zero, |mut h, w| {
                    simulate_chunk(&model, &process, t, w, Some((&plan, &mut h)));
                    h
                })
                .reduce(Hist::zero, Hist::sum);
            tally_chunk(&plan, pilot, t, &mut hist);
            let mut moments = pilot.moments;
            for w in &rest {
                for (m, c) in moments.iter_mut().zip(&w.moments) {
                    m.merge(c);
                }
            }
            Some(YearTally {
                plan,
                moments,
                hist,
            })
        } else {
            works
                .par_iter_mut()
                .for_each(|w| simulate_chunk(&model, &process, t, w, None));
            None
        };
        visit(&YearDraws {
            index: t,
            year,
            columns: &columns,
            broken: &broken,
            tally: tally.as_ref(),
        })?;
    }
    Ok(())
}

/// The pilot's sound values of each output (a chunk already simulated for year `t`).
fn pilot_values(w: &Work, t: usize) -> Vec<Vec<f64>> {
    w.columns
        .iter()
        .map(|col| {
            col.iter()
                .zip(w.broken.iter())
                .filter(|&(_, &b)| b > t as u32)
                .map(|(&x, _)| x)
                .collect()
        })
        .collect()
}

/// Tallies an already simulated chunk (the pilot) into its moments and `hist`.
fn tally_chunk(plan: &Plan, w: &mut Work, t: usize, hist: &mut Hist) {
    let mut start = 0;
    while start < w.broken.len() {
        let end = (start + BLOCK).min(w.broken.len());
        tally_block(
            plan,
            &w.columns,
            &w.broken[start..end],
            start,
            t,
            &mut w.moments,
            hist,
        );
        start = end;
    }
}

/// Tallies draws `start..start + broken.len()` of a chunk's `columns`, leaving out the
/// draws broken by year `t`.
fn tally_block(
    plan: &Plan,
    columns: &[&mut [f64]],
    broken: &[u32],
    start: usize,
    t: usize,
    moments: &mut [Moments; N_OUTPUTS],
    hist: &mut Hist,
) {
    let end = start + broken.len();
    let all_sound = broken.iter().all(|&b| b > t as u32);
    let mut sound = [0.0f64; BLOCK];
    for (v, col) in columns.iter().enumerate() {
        let values = &col[start..end];
        if all_sound {
            plan.add(v, values, moments, hist);
        } else {
            let mut m = 0;
            for (&x, &b) in values.iter().zip(broken) {
                if b > t as u32 {
                    sound[m] = x;
                    m += 1;
                }
            }
            plan.add(v, &sound[..m], moments, hist);
        }
    }
}

/// Advances one chunk of draws by year `t`, tallying its sound draws when `tally` is given.
fn simulate_chunk(
    model: &Model,
    process: &ShockProcess,
    t: usize,
    w: &mut Work,
    mut tally: Option<(&Plan, &mut Hist)>,
) {
    let inp = &model.inputs[t];
    let reference_inputs = inp.reference();
    // Outputs are staged row-wise in a small buffer and copied out column by column per
    // block, so that memory sees a few sequential streams instead of 24 interleaved ones.
    let mut block = [[0.0f64; N_OUTPUTS]; BLOCK];
    let len = w.lanes.len();
    let mut start = 0;
    while start < len {
        let end = (start + BLOCK).min(len);
        for k in start..end {
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
            block[k - start] = year.values();
            if w.broken[k] == NOT_BROKEN && breakdown(&year).is_some() {
                w.broken[k] = t as u32;
            }
        }
        for (v, col) in w.columns.iter_mut().enumerate() {
            for (dst, row) in col[start..end].iter_mut().zip(&block) {
                *dst = row[v];
            }
        }
        if let Some((plan, hist)) = tally.as_mut() {
            tally_block(
                plan,
                &w.columns,
                &w.broken[start..end],
                start,
                t,
                &mut w.moments,
                hist,
            );
        }
        start = end;
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::model::{OUTPUT_NAMES, Year, project};
    use crate::montecarlo::map_draws;
    use crate::scenario::load_str;
    use std::path::Path;

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
            let slow = map_draws(sc, draws, 9, |_, path| bits(path));
            for (j, (f, s)) in fast.iter().zip(&slow).enumerate() {
                assert_eq!(&engine_bits(f), s, "draw {j}");
            }
            // Draws really differ from one another and from the deterministic run.
            assert_ne!(slow[0], slow[1]);
            assert_ne!(slow[0], bits(&project(sc).unwrap()));
        }
    }

    /// Summaries from the tallies taken during simulation against summaries of the
    /// materialised columns (the reference path).
    fn tallied_matches_columns(sc: &Scenario, draws: u64, qs: &[f64]) -> usize {
        let mut checked = 0;
        let mut broken_years = 0;
        for_each_year_tallied(sc, draws, 4, |yd| {
            let fast = crate::summary::summarize_year(yd, qs);
            let reference = crate::summary::summarize_year(&YearDraws { tally: None, ..*yd }, qs);
            assert!(yd.tally.is_some());
            if fast.broken_draws > 0 {
                broken_years += 1;
            }
            for (v, (f, r)) in fast.stats.iter().zip(&reference.stats).enumerate() {
                assert_eq!(f.n, r.n);
                for (a, b) in f.quantiles.iter().zip(&r.quantiles) {
                    assert_eq!(a.to_bits(), b.to_bits(), "year {} output {v}", yd.year);
                }
                let tol = 1e-12 * (r.mean.abs() + r.sd);
                assert!((f.mean - r.mean).abs() <= tol, "{} vs {}", f.mean, r.mean);
                assert!(
                    (f.sd - r.sd).abs() <= 1e-9 * r.sd + 1e-300,
                    "{} vs {}",
                    f.sd,
                    r.sd
                );
                checked += 1;
            }
            Ok(())
        })
        .unwrap();
        checked + 1000 * broken_years
    }

    #[test]
    fn tallied_summaries_equal_summaries_of_the_columns() {
        let qs = [0.0, 0.01, 0.05, 0.5, 0.9, 0.975, 1.0];
        // Several chunks, one partial; more sound draws than the sorting threshold.
        let n = tallied_matches_columns(&scenario("", &[]), 6 * CHUNK as u64 + 5, &qs);
        assert_eq!(n, 8 * N_OUTPUTS);
        // Broken draws are left out of the tallies as out of the columns.
        let wild = scenario("", &["shocks.sd=[0.0, 0.0, 0.45, 0.0, 0.0, 0.0]"]);
        let n = tallied_matches_columns(&wild, 6 * CHUNK as u64 + 5, &qs);
        assert!(n > 1000, "some year has broken draws: {n}");
    }

    #[test]
    fn tallied_summaries_do_not_depend_on_threads() {
        let sc = scenario("", &[]);
        let run = || {
            crate::summary::summarize_run(&sc, 5 * CHUNK as u64 + 77, 8, &[0.05, 0.5], |_| Ok(()))
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

    #[test]
    fn uncertainty_does_not_shift_the_shocks() {
        let plain = scenario("", &[]);
        let with = scenario(
            "[uncertainty]\nspending_multiplier = { distribution = \"uniform\", min = 0.2, max = 0.6 }\n",
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
        let run = crate::summary::summarize_run(&sc, draws, 2024, &[0.5], |_| Ok(())).unwrap();
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
