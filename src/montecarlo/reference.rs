//! The reference paths of the tests: one draw at a time (scalar shocks through
//! [`crate::model::Model::simulate`]), and a year's summary from its whole columns (the
//! histogram engine of [`crate::summary::histogram`]). Production simulates draws in
//! lanes ([`super::engine`]) and summarises them from value windows
//! ([`super::summarize`]); the tests check both against these, bit for bit.

use rayon::prelude::*;

use super::engine::YearDraws;
use super::stream::Stream;
use super::{ShockProcess, draw_rng, draw_structure};
use crate::model::{Model, Year};
use crate::scenario::{N_SHOCKS, Scenario};
use crate::shocks::{Vector, next_state};
use crate::summary::YearSummary;
use crate::summary::histogram::summarize;

impl ShockProcess {
    /// The shock states u_1..u_T of one draw.
    pub(crate) fn draw_path(&self, rng: &mut Stream, years: usize) -> Vec<Vector> {
        let mut u = [0.0; N_SHOCKS];
        (0..years)
            .map(|_| {
                let z = self.draw_z(rng);
                u = next_state(&self.a_nz, &self.l_nz, &u, &z);
                u
            })
            .collect()
    }
}

/// Simulates draw `draw` of `sc` with `seed`: the per-year outputs of that draw.
pub(crate) fn simulate_draw(
    model: &Model,
    process: &ShockProcess,
    seed: u64,
    draw: u64,
) -> Vec<Year> {
    let mut rng = draw_rng(seed, draw, 0);
    let u = process.draw_path(&mut rng, model.years.len());
    model.simulate(|t| u[t])
}

/// Simulates draw `draw` of `sc` with `seed`, uncertain parameters included. `model` is
/// `Model::new(sc)` (used as is when the scenario has no `[uncertainty]`).
pub(crate) fn simulate_scenario_draw(
    sc: &Scenario,
    model: &Model,
    process: &ShockProcess,
    seed: u64,
    draw: u64,
) -> Vec<Year> {
    if sc.uncertainty.is_none() {
        return simulate_draw(model, process, seed, draw);
    }
    let drawn = Model::with_structure(sc, draw_structure(sc, seed, draw));
    simulate_draw(&drawn, process, seed, draw)
}

/// Summarises one simulated year (the columns in parallel; the result never depends on
/// the thread count). Draws that have broken down by this year are left out.
pub(crate) fn summarize_year(yd: &YearDraws, qs: &[f64]) -> YearSummary {
    let broken_draws = yd.broken_count();
    let stats = yd
        .columns
        .par_iter()
        .map(|col| {
            let sound: Vec<f64>;
            let values: &[f64] = if broken_draws == 0 {
                col
            } else {
                sound = col
                    .iter()
                    .enumerate()
                    .filter(|&(j, _)| yd.is_sound(j))
                    .map(|(_, &x)| x)
                    .collect();
                &sound
            };
            summarize(values, qs)
        })
        .collect();
    YearSummary {
        year: yd.year,
        stats,
        broken_draws,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::montecarlo::engine::NOT_BROKEN;

    #[test]
    fn broken_draws_are_left_out_from_the_year_they_break() {
        let n = 6000;
        let columns: Vec<Vec<f64>> = (0..crate::model::N_OUTPUTS)
            .map(|v| {
                (0..n)
                    .map(|j| {
                        if j % 10 == 3 {
                            f64::NAN
                        } else {
                            (j * (v + 1)) as f64
                        }
                    })
                    .collect()
            })
            .collect();
        // Draws 3, 13, 23, ... broke down in year index 1; draw 5 breaks in year index 4.
        let broken: Vec<u32> = (0..n)
            .map(|j| match j {
                _ if j % 10 == 3 => 1,
                5 => 4,
                _ => NOT_BROKEN,
            })
            .collect();
        let yd = YearDraws {
            index: 2,
            year: 2028,
            columns: &columns,
            broken: &broken,
        };
        let ys = summarize_year(&yd, &[0.1, 0.5]);
        assert_eq!(ys.broken_draws, 600);
        let sound: Vec<f64> = columns[7]
            .iter()
            .enumerate()
            .filter(|(j, _)| j % 10 != 3)
            .map(|(_, &x)| x)
            .collect();
        assert_eq!(ys.stats[7], summarize(&sound, &[0.1, 0.5]));
        assert_eq!(ys.stats[7].n, n - 600);
        assert!(
            ys.stats
                .iter()
                .all(|s| s.mean.is_finite() && s.quantiles.iter().all(|q| q.is_finite()))
        );
    }
}
