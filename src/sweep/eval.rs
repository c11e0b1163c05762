//! Evaluating metrics at points: each point is the scenario with the user's `--set`
//! overrides followed by the point's values, resolved from the once-parsed tree.
//!
//! A run is deterministic ([`crate::model::project`]) unless a metric needs draws or a
//! number of draws is given; then every point runs the same Monte Carlo draws
//! ([`crate::montecarlo::map_draws`] with the same seed everywhere: common random
//! numbers), so differences between points come from the parameters, not from noise,
//! and every metric is aggregated over the draws (a plain series is their mean).

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressStyle};
use rayon::prelude::*;

use crate::error::{Error, Result};
use crate::metric::Metric;
use crate::model::project;
use crate::montecarlo::engine::MAX_DRAWS_IN_MEMORY;
use crate::montecarlo::over_draws;
use crate::output::format_number;
use crate::scenario::tree::Table;
use crate::scenario::{Address, Override, Scenario, resolve_tree};

/// A scenario ready to be evaluated at many points.
#[derive(Debug, Clone)]
pub struct Evaluator {
    tree: Table,
    sets: Vec<Override>,
    addresses: Vec<Address>,
    metrics: Vec<Metric>,
    draws: Option<u64>,
    seed: Option<u64>,
    monte_carlo: bool,
    base: Scenario,
}

/// The metrics of one point.
#[derive(Debug, Clone, PartialEq)]
pub struct PointMetrics {
    /// One value per metric, in order.
    pub values: Vec<f64>,
    /// Monte Carlo draws left out of the metrics because they broke down numerically
    /// ([`crate::montecarlo::OverDraws::broken_draws`]); 0 for a deterministic point.
    pub broken_draws: u64,
}

/// The result of one point: the metrics, or why the (deterministic) projection broke down.
pub(crate) type PointResult = std::result::Result<PointMetrics, String>;

impl Evaluator {
    /// Prepares the evaluation of `metrics` for the scenario `tree` (after `sets`) at
    /// points that set `addresses`. `draws` forces Monte Carlo with that many draws per
    /// point; `seed` replaces the scenario's seed. Checks the metrics against the
    /// scenario's years.
    pub fn new(
        tree: Table,
        sets: Vec<Override>,
        addresses: Vec<Address>,
        metrics: Vec<Metric>,
        draws: Option<u64>,
        seed: Option<u64>,
    ) -> Result<Evaluator> {
        let base = resolve_tree(tree.clone(), &sets)?;
        for m in &metrics {
            m.check(&base.years)
                .map_err(|e| Error::usage("--metric", format!("`{m}`: {e}")))?;
        }
        let monte_carlo = draws.is_some() || metrics.iter().any(Metric::needs_draws);
        let per_point = draws.unwrap_or(base.montecarlo.draws);
        if monte_carlo && per_point > MAX_DRAWS_IN_MEMORY {
            return Err(Error::usage(
                "--draws",
                format!(
                    "{per_point} draws per point (from {}) would not fit in memory: a sweep keeps \
                     every draw's metrics; use at most {MAX_DRAWS_IN_MEMORY}",
                    if draws.is_some() {
                        "--draws"
                    } else {
                        "[montecarlo] draws"
                    }
                ),
            ));
        }
        Ok(Evaluator {
            tree,
            sets,
            addresses,
            metrics,
            draws,
            seed,
            monte_carlo,
            base,
        })
    }

    /// The scenario without any point's values.
    pub fn base(&self) -> &Scenario {
        &self.base
    }

    /// Whether points run Monte Carlo draws.
    pub(crate) fn is_monte_carlo(&self) -> bool {
        self.monte_carlo
    }

    /// The draws per point and the seed of a Monte Carlo run, for `sc`.
    pub(crate) fn draws_and_seed(&self, sc: &Scenario) -> (u64, u64) {
        (
            self.draws.unwrap_or(sc.montecarlo.draws),
            self.seed.unwrap_or(sc.montecarlo.seed),
        )
    }

    /// The metrics.
    pub fn metrics(&self) -> &[Metric] {
        &self.metrics
    }

    /// `a=1, b=2` for messages.
    fn describe(&self, values: &[Option<f64>]) -> String {
        let parts: Vec<String> = self
            .addresses
            .iter()
            .zip(values)
            .filter_map(|(a, v)| v.map(|v| format!("{a}={}", format_number(v))))
            .collect();
        if parts.is_empty() {
            "the scenario as is".into()
        } else {
            parts.join(", ")
        }
    }

    /// The scenario at a point (`None` leaves a parameter as in the scenario).
    pub(crate) fn scenario_at(&self, values: &[Option<f64>]) -> Result<Scenario> {
        let mut overrides = self.sets.clone();
        for (a, v) in self.addresses.iter().zip(values) {
            if let Some(v) = v {
                let text = format_number(*v);
                overrides.push(Override {
                    address: a.clone(),
                    arg: format!("{a}={text}"),
                    value: text,
                });
            }
        }
        let own = self.sets.len();
        resolve_tree(self.tree.clone(), &overrides).map_err(|e| match e {
            Error::Scenario(mut d) => {
                // Name the point's values as --vary values, not as --set arguments.
                for diag in &mut d.0 {
                    if let Some(loc) = &mut diag.loc
                        && overrides[own..]
                            .iter()
                            .any(|o| *loc.source == *format!("--set '{}'", o.arg))
                    {
                        loc.source = loc.source.replacen("--set", "--vary value", 1).into();
                    }
                }
                Error::usage(
                    "--vary",
                    format!(
                        "at {} the scenario is not valid:\n{d}",
                        self.describe(values)
                    ),
                )
            }
            other => other,
        })
    }

    /// The metrics at one point. A scenario that cannot be resolved is an error; a
    /// projection that breaks down numerically is `Ok(Err(why))`.
    pub fn point(&self, values: &[Option<f64>]) -> Result<PointResult> {
        let sc = self.scenario_at(values)?;
        if sc.years != self.base.years {
            for m in &self.metrics {
                m.check(&sc.years).map_err(|e| {
                    Error::usage(
                        "--metric",
                        format!("`{m}` at {}: {e}", self.describe(values)),
                    )
                })?;
            }
        }
        let years = &sc.years;
        if !self.monte_carlo {
            return Ok(match project(&sc) {
                Ok(path) => Ok(PointMetrics {
                    values: self
                        .metrics
                        .iter()
                        .map(|m| m.per_draw(years, &path))
                        .collect(),
                    broken_draws: 0,
                }),
                Err(e) => Err(e.to_string()),
            });
        }
        let (draws, seed) = self.draws_and_seed(&sc);
        let m = over_draws(&self.metrics, &sc, draws, seed);
        Ok(Ok(PointMetrics {
            values: m.values,
            broken_draws: m.broken_draws,
        }))
    }

    /// The metrics at every point, in parallel, in the order of `points`; a progress
    /// bar on standard error when it is a terminal and `progress` is set. Fails with the
    /// first (in point order) point that is not a valid scenario.
    pub fn run(&self, points: &[Vec<Option<f64>>], progress: bool) -> Result<Vec<PointResult>> {
        let bar = if progress && std::io::stderr().is_terminal() && !points.is_empty() {
            let bar = ProgressBar::new(points.len() as u64);
            if let Ok(style) = ProgressStyle::with_template(
                "{spinner} [{elapsed_precise}] {wide_bar} {pos}/{len} points ({per_sec}, \
                 ETA {eta})",
            ) {
                bar.set_style(style);
            }
            Some(bar)
        } else {
            None
        };
        let results: Vec<Result<PointResult>> = points
            .par_iter()
            .map(|p| {
                let r = self.point(p);
                if let Some(b) = &bar {
                    b.inc(1);
                }
                r
            })
            .collect();
        if let Some(b) = bar {
            b.finish_and_clear();
        }
        results.into_iter().collect()
    }
}
