//! Probabilities of events over Monte Carlo draws (`--prob`, `[[montecarlo.probabilities]]`):
//! the share of draws in which an event of the shared grammar ([`crate::expr::Event`])
//! holds, with its Monte Carlo standard error.
//!
//! Draws are those of [`super::map_draws`] with the run's seed (the same blocks, read in
//! place), so they are the very draws of the summary. A draw that broke down numerically
//! (see [`crate::model::breakdown`]) in or before the last year an event looks at is left
//! out of that event's count (`excluded_draws`); a later breakdown does not matter to it.

use std::io::Write;

use super::engine::map_block_views;
use crate::error::{Error, Result};
use crate::expr::Event;
use crate::output::format_number;
use crate::scenario::Scenario;
use crate::scenario::probabilities::Probability;

/// At most this many events per run (one bit each per draw).
pub const MAX_EVENTS: usize = 64;

/// The estimated probability of one event.
#[derive(Debug, Clone, PartialEq)]
pub struct EventProbability {
    /// The event and its label.
    pub spec: Probability,
    /// Draws in which the event holds.
    pub hits: u64,
    /// Draws counted (sound up to the event's last year).
    pub counted: u64,
    /// Draws left out because they broke down by the event's last year.
    pub excluded: u64,
}

impl EventProbability {
    /// The share of counted draws in which the event holds (a fraction; NaN if none counted).
    pub fn probability(&self) -> f64 {
        self.hits as f64 / self.counted as f64
    }

    /// Monte Carlo standard error sqrt(p (1 - p) / n) of [`Self::probability`].
    pub fn standard_error(&self) -> f64 {
        let p = self.probability();
        (p * (1.0 - p) / self.counted as f64).sqrt()
    }
}

/// Index of the last projection year an event looks at.
fn last_index(event: &Event, years: &[i32]) -> usize {
    let series = match event {
        Event::Compare { series, .. } | Event::Ever { series, .. } => series,
    };
    let first = years.first().copied().unwrap_or_default();
    let last = years.len().saturating_sub(1);
    series
        .to
        .map_or(last, |y| ((y - first).max(0) as usize).min(last))
}

/// Estimates the probability of each event over `draws` draws of `sc` with `seed`.
pub fn estimate(
    sc: &Scenario,
    draws: u64,
    seed: u64,
    events: &[Probability],
) -> Result<Vec<EventProbability>> {
    if events.len() > MAX_EVENTS {
        return Err(Error::usage(
            "--prob",
            format!("{} events in one run; at most {MAX_EVENTS}", events.len()),
        ));
    }
    let years = &sc.years;
    let per_draw: Vec<(u64, u32)> = map_block_views(sc, draws, seed, |_, path, broken| {
        let broken = broken.map_or(u32::MAX, |b| b as u32);
        let mut bits = 0u64;
        for (k, p) in events.iter().enumerate() {
            if p.event.holds(years, path) {
                bits |= 1 << k;
            }
        }
        (bits, broken)
    });
    Ok(events
        .iter()
        .enumerate()
        .map(|(k, p)| {
            let last = last_index(&p.event, years) as u32;
            let (mut hits, mut counted) = (0, 0);
            for &(bits, broken) in &per_draw {
                if broken > last {
                    counted += 1;
                    hits += (bits >> k) & 1;
                }
            }
            EventProbability {
                spec: p.clone(),
                hits,
                counted,
                excluded: draws - counted,
            }
        })
        .collect())
}

/// Writes the probabilities CSV: `scenario,event,label,probability,mc_se,draws,excluded_draws`.
pub fn write_csv(
    w: &mut dyn Write,
    scenario: &str,
    results: &[EventProbability],
) -> std::io::Result<()> {
    let mut csv = csv::Writer::from_writer(w);
    csv.write_record([
        "scenario",
        "event",
        "label",
        "probability",
        "mc_se",
        "draws",
        "excluded_draws",
    ])?;
    let num = |x: f64| {
        if x.is_nan() {
            String::new()
        } else {
            format_number(x)
        }
    };
    for r in results {
        csv.write_record([
            scenario.to_string(),
            r.spec.event.to_string(),
            r.spec.label.clone(),
            num(r.probability()),
            num(r.standard_error()),
            r.counted.to_string(),
            r.excluded.to_string(),
        ])?;
    }
    csv.flush()
}
