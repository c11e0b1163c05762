//! One scenario served: its tree, its levers, the baseline (the scenario's own Monte
//! Carlo, drawn as a ghost) and [`Session::run`], which runs the Monte Carlo at chosen
//! lever values with the scenario's seed (common random numbers) and draws the fans.

use std::path::Path;
use std::time::Instant;

use serde::Serialize;

use super::lever::{self, Lever, LeverSpec};
use crate::chart::Size;
use crate::chart::fan::{self, Band, Fan, Ghost};
use crate::error::{Error, Result};
use crate::model::OUTPUT_NAMES;
use crate::montecarlo::summarize_run;
use crate::scenario::probabilities::Probability;
use crate::scenario::tree::Table;
use crate::scenario::{Override, Scenario};
use crate::summary::{RunSummary, quantile_label};

/// The most Monte Carlo draws one request may ask for.
pub(crate) const MAX_DRAWS: u64 = 200_000;
/// The most projection years a served scenario may have (a lever may move `end_year`).
pub(crate) const MAX_YEARS: usize = 100;

/// The scenario being served.
#[derive(Debug)]
pub(crate) struct Session {
    tree: Table,
    set: Vec<Override>,
    /// The scenario file's name (its last component), which the download `extends`.
    pub file_name: String,
    /// The resolved scenario with `--set` and without levers.
    pub base: Scenario,
    /// The levers, in order.
    pub levers: Vec<Lever>,
    /// Draws of a run when a request does not say.
    pub draws: u64,
    baseline: Vec<Vec<f64>>,
    /// The probability events shown: the scenario's, or by default "debt/GDP in the last
    /// year above its base-year value".
    pub events: Vec<Probability>,
    /// The baseline's key figures (the scenario's own, at `draws`).
    pub baseline_figures: Figures,
}

/// The key figures of one run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct Figures {
    /// First and last projection year.
    pub years: (i32, i32),
    /// Average real growth over the projection years, mean over draws (a fraction).
    pub average_growth: f64,
    /// Debt/GDP in the last year: median, 5th and 95th percentile over draws (fractions).
    pub debt_end: [f64; 3],
    /// Net debt/GDP in the last year (median), when the scenario has a fund.
    pub net_debt_end: Option<f64>,
    /// The scenario's probability events: label (or the event) and probability.
    pub probabilities: Vec<(String, f64)>,
    /// Draws that broke down numerically (left out of the statistics).
    pub broken_draws: u64,
}

/// The result of a run at chosen lever values.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Outcome {
    /// One fan chart per variable drawn: (variable, SVG).
    pub charts: Vec<(String, String)>,
    /// The key figures.
    pub figures: Figures,
    /// The baseline's key figures, for comparison.
    pub baseline: Figures,
    /// The lever values used, in lever order.
    pub values: Vec<f64>,
    /// Draws and seed of the run.
    pub draws: u64,
    /// The seed (the scenario's `montecarlo.seed`).
    pub seed: u64,
    /// Seconds the Monte Carlo and the charts took.
    pub seconds: f64,
}

impl Session {
    /// Loads `path` with `set`, checks the levers (`specs`, or the `[sweep.vary]` table
    /// when empty) and runs the baseline with `draws` draws.
    pub(crate) fn new(
        path: &Path,
        set: &[Override],
        specs: &[LeverSpec],
        draws: u64,
    ) -> Result<Session> {
        check_draws(draws, "--draws")?;
        if let Some(o) = set.iter().find(|o| o.address.year.is_some()) {
            return Err(Error::usage(
                "--set",
                format!(
                    "`{}`: `serve` takes no one-year `@YEAR` override, which the downloaded \
                     scenario file could not state; use the year key `KEY.YEAR` or the \
                     whole value",
                    o.arg
                ),
            ));
        }
        let mut tree = crate::scenario::load_tree(path)?;
        let table = crate::sweep::take_sweep_table(&mut tree)?;
        let base = crate::scenario::resolve_tree(tree.clone(), set)?;
        check_years(&base)?;
        let specs = match (specs.is_empty(), &table) {
            (true, Some(t)) => lever::from_sweep(t),
            _ => specs.to_vec(),
        };
        let levers = lever::check(&tree, set, &specs, &base)?;
        let file_name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .ok_or_else(|| Error::usage("SCENARIO", "not a file name"))?;
        let events = events_of(&base)?;
        let mut s = Session {
            events,
            tree,
            set: set.to_vec(),
            file_name,
            baseline: Vec::new(),
            baseline_figures: empty_figures(&base),
            base,
            levers,
            draws,
        };
        let run = s.simulate(&s.base, draws)?;
        s.baseline = s.variables().iter().map(|v| median(&run, v)).collect();
        s.baseline_figures = figures(&s.base, &run, draws, &s.events)?;
        Ok(s)
    }

    /// The variables drawn as fans: debt/GDP and real growth, and with a fund net debt
    /// and the fund's assets.
    pub(crate) fn variables(&self) -> Vec<&'static str> {
        let mut v = vec!["debt_gdp", "real_growth"];
        if self.base.fund.is_some() {
            v.extend(["net_debt_gdp", "fund_assets_gdp"]);
        }
        v
    }

    /// The `--set` overrides (the command line's, then the levers') for `values`.
    pub(crate) fn overrides(&self, values: &[f64]) -> Vec<Override> {
        let mut o = self.set.clone();
        o.extend(
            self.levers
                .iter()
                .zip(values)
                .map(|(l, v)| lever::set(&l.parsed, *v)),
        );
        o
    }

    /// The scenario tree as read (after `extends`, without `[sweep]`).
    pub(crate) fn tree(&self) -> &Table {
        &self.tree
    }

    /// The scenario at lever `values` (one per lever, each within its range).
    pub(crate) fn scenario(&self, values: &[f64]) -> Result<Scenario> {
        if values.len() != self.levers.len() {
            return Err(Error::usage("lever", "one value per lever is needed"));
        }
        for (l, v) in self.levers.iter().zip(values) {
            let tol = 1e-9 * (l.hi - l.lo);
            if !v.is_finite() || *v < l.lo - tol || *v > l.hi + tol {
                return Err(Error::usage(
                    l.address.clone(),
                    format!("{v} is outside the lever's range {}:{}", l.lo, l.hi),
                ));
            }
        }
        let sc = crate::scenario::resolve_tree(self.tree.clone(), &self.overrides(values))?;
        check_years(&sc)?;
        Ok(sc)
    }

    /// Runs `draws` draws at lever `values` with the scenario's seed and draws the fans
    /// with the baseline's median as a ghost.
    pub(crate) fn run(&self, values: &[f64], draws: u64) -> Result<Outcome> {
        check_draws(draws, "draws")?;
        let start = Instant::now();
        let sc = self.scenario(values)?;
        let run = self.simulate(&sc, draws)?;
        let size = Size {
            width: 760,
            height: 400,
        };
        let mut charts = Vec::new();
        for (var, ghost) in self.variables().into_iter().zip(&self.baseline) {
            let data = fan_of(&sc, &run, var);
            let ghost = (ghost.len() == data.years.len()).then(|| Ghost {
                label: "baseline median".into(),
                values: ghost.clone(),
            });
            charts.push((
                var.to_string(),
                fan::render_with_ghost(&data, ghost.as_ref(), size, &sc.currency)?,
            ));
        }
        Ok(Outcome {
            charts,
            figures: figures(&sc, &run, draws, &self.events)?,
            baseline: self.baseline_figures.clone(),
            values: values.to_vec(),
            draws,
            seed: sc.montecarlo.seed,
            seconds: start.elapsed().as_secs_f64(),
        })
    }

    fn simulate(&self, sc: &Scenario, draws: u64) -> Result<RunSummary> {
        summarize_run(
            sc,
            draws,
            sc.montecarlo.seed,
            &sc.montecarlo.quantiles,
            |_| {},
        )
    }
}

fn check_draws(draws: u64, what: &str) -> Result<()> {
    if (1..=MAX_DRAWS).contains(&draws) {
        Ok(())
    } else {
        Err(Error::usage(
            what,
            format!("{draws} draws: expected 1 to {MAX_DRAWS}"),
        ))
    }
}

fn check_years(sc: &Scenario) -> Result<()> {
    if sc.horizon() > MAX_YEARS {
        return Err(Error::usage(
            "end_year",
            format!(
                "{} projection years: `serve` runs at most {MAX_YEARS}",
                sc.horizon()
            ),
        ));
    }
    Ok(())
}

fn index_of(var: &str) -> usize {
    OUTPUT_NAMES.iter().position(|n| *n == var).unwrap_or(0)
}

fn stat(run: &RunSummary, var: &str, q: f64) -> Vec<f64> {
    let i = index_of(var);
    let k = run.quantiles.iter().position(|x| (x - q).abs() < 1e-12);
    run.years
        .iter()
        .map(|y| k.map_or(f64::NAN, |k| y.stats[i].quantiles[k]))
        .collect()
}

fn median(run: &RunSummary, var: &str) -> Vec<f64> {
    stat(run, var, 0.5)
}

/// The fan of `var` from a run: every symmetric pair of quantiles, and the median.
fn fan_of(sc: &Scenario, run: &RunSummary, var: &str) -> Fan {
    let qs = &run.quantiles;
    let bands = qs
        .iter()
        .filter(|q| **q < 0.5)
        .filter(|q| qs.iter().any(|u| (u - (1.0 - *q)).abs() < 1e-9))
        .map(|q| Band {
            lower_label: quantile_label(*q),
            upper_label: quantile_label(1.0 - q),
            lower: stat(run, var, *q),
            upper: stat(run, var, 1.0 - q),
        })
        .collect();
    let med = median(run, var);
    Fan {
        variable: var.to_string(),
        scenario: sc.name.clone(),
        years: run.years.iter().map(|y| y.year).collect(),
        bands,
        median: (!med.iter().any(|v| v.is_nan())).then_some(med),
        deterministic: None,
    }
}

fn empty_figures(sc: &Scenario) -> Figures {
    Figures {
        years: (
            sc.years.first().copied().unwrap_or_default(),
            sc.years.last().copied().unwrap_or_default(),
        ),
        average_growth: f64::NAN,
        debt_end: [f64::NAN; 3],
        net_debt_end: None,
        probabilities: Vec::new(),
        broken_draws: 0,
    }
}

/// The scenario's probability events, or the default one.
fn events_of(sc: &Scenario) -> Result<Vec<Probability>> {
    if !sc.montecarlo.probabilities.is_empty() {
        return Ok(sc.montecarlo.probabilities.clone());
    }
    let (Some(last), d0) = (sc.years.last(), sc.initial.debt_gdp) else {
        return Ok(Vec::new());
    };
    let text = format!("debt_gdp@{last} > {}", crate::output::format_number(d0));
    let event = text
        .parse()
        .map_err(|e| Error::Internal(format!("default event `{text}`: {e}")))?;
    Ok(vec![Probability {
        event,
        label: format!(
            "debt/GDP {last} above its {} value ({:.1} %)",
            sc.base_year,
            100.0 * d0
        ),
    }])
}

/// The key figures of a run of `sc`.
fn figures(sc: &Scenario, run: &RunSummary, draws: u64, events: &[Probability]) -> Result<Figures> {
    let g = index_of("real_growth");
    let means: Vec<f64> = run.years.iter().map(|y| y.stats[g].mean).collect();
    let last = |var: &str, q: f64| stat(run, var, q).last().copied().unwrap_or(f64::NAN);
    let probabilities = if events.is_empty() {
        Vec::new()
    } else {
        crate::montecarlo::probability::estimate(sc, draws, sc.montecarlo.seed, events)?
            .into_iter()
            .map(|p| {
                let label = if p.spec.label.is_empty() {
                    p.spec.event.to_string()
                } else {
                    p.spec.label.clone()
                };
                (label, p.probability())
            })
            .collect()
    };
    Ok(Figures {
        average_growth: means.iter().sum::<f64>() / means.len().max(1) as f64,
        debt_end: [
            last("debt_gdp", 0.5),
            last("debt_gdp", 0.05),
            last("debt_gdp", 0.95),
        ],
        net_debt_end: sc.fund.as_ref().map(|_| last("net_debt_gdp", 0.5)),
        probabilities,
        broken_draws: run.broken_draws(),
        ..empty_figures(sc)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scenario(name: &str) -> std::path::PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("scenarios")
            .join(name)
    }

    #[test]
    fn a_fund_adds_net_debt_and_fund_fans() {
        let lever: LeverSpec = "fund.commodity_share=0.5:1".parse().unwrap();
        let s = Session::new(&scenario("kazakhstan-nf-2026-2028.toml"), &[], &[lever], 50).unwrap();
        assert_eq!(
            s.variables(),
            ["debt_gdp", "real_growth", "net_debt_gdp", "fund_assets_gdp"]
        );
        assert!(s.levers[0].from_scenario, "{:?}", s.levers[0]);
        let out = s.run(&[0.6], 50).unwrap();
        assert_eq!(out.charts.len(), 4);
        assert!(out.figures.net_debt_end.is_some());
        // Another share of oil revenue into the fund moves net debt.
        assert_ne!(out.figures.net_debt_end, s.baseline_figures.net_debt_end);
        let at_start = s.run(&[s.levers[0].value], 50).unwrap();
        assert_eq!(
            at_start.figures, s.baseline_figures,
            "common random numbers"
        );
        assert!(s.run(&[0.4], 50).is_err(), "outside the range");
        assert!(s.run(&[0.6], MAX_DRAWS + 1).is_err());
    }
}
