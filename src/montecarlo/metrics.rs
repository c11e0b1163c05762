//! Metrics ([`crate::expr::Metric`]) over the Monte Carlo draws of a scenario: the
//! per-draw values of [`super::map_draws`], reduced over the draws still sound.

use super::engine::map_block_views;
use crate::expr::Metric;
use crate::scenario::Scenario;

/// Metrics over the Monte Carlo draws of a scenario (see [`over_draws`]).
#[derive(Debug, Clone, PartialEq)]
pub struct OverDraws {
    /// One value per metric, in order, over the sound draws (NaN when none is left).
    pub values: Vec<f64>,
    /// Draws that broke down numerically ([`crate::model::breakdown`]) in or before the
    /// last year any of the metrics reads: left out of every metric.
    pub broken_draws: u64,
    /// Draws simulated.
    pub draws: u64,
    /// The first year in which one of the broken draws broke down.
    pub first_broken_year: Option<i32>,
}

/// `metrics` over `draws` Monte Carlo draws of `sc` with `seed` (the draws of
/// [`super::map_draws`], read in place). A draw that broke down numerically by the last
/// year any metric reads is left out of all of them and counted in
/// [`OverDraws::broken_draws`], as `run` leaves it out of its statistics: never a NaN
/// mean, nor a probability that counts it as an event that did not happen.
pub fn over_draws(metrics: &[Metric], sc: &Scenario, draws: u64, seed: u64) -> OverDraws {
    let years = &sc.years;
    let last = metrics
        .iter()
        .map(|m| m.last_index(years))
        .max()
        .unwrap_or(0);
    let per_draw = map_block_views(sc, draws, seed, |_, path, broken| {
        match broken.filter(|&t| t <= last) {
            Some(t) => Err(t),
            None => Ok(metrics
                .iter()
                .map(|m| m.per_draw(years, path))
                .collect::<Vec<f64>>()),
        }
    });
    let first_broken = per_draw.iter().filter_map(|d| d.as_ref().err()).min();
    let sound: Vec<&Vec<f64>> = per_draw.iter().flatten().collect();
    let mut column = vec![0.0; sound.len()];
    let values = (0..metrics.len())
        .map(|i| {
            for (slot, d) in column.iter_mut().zip(&sound) {
                *slot = d[i];
            }
            metrics[i].aggregate(&mut column)
        })
        .collect();
    OverDraws {
        values,
        broken_draws: draws - sound.len() as u64,
        draws,
        first_broken_year: first_broken.and_then(|&t| years.get(t).copied()),
    }
}
