//! `fiscalsim report`: one self-contained HTML page for e-mail.

use std::path::{Path, PathBuf};

use crate::chart::tornado;
use crate::cmd::parse_override;
use crate::compare::read_csv;
use crate::error::{Error, Result};
use crate::output::{Destination, io_error, refuse_overwriting_inputs, write_with};
use crate::report::{Report, Run, Sensitivity, render};
use crate::scenario::Override;

/// Write an HTML report of one or more scenarios: key results, differences from the
/// first scenario, charts, growth and debt decompositions and all assumptions, in one
/// self-contained file (inline SVG and CSS, no script, no network).
///
/// Example: fiscalsim report scenarios/kazakhstan-no-reform.toml scenarios/kazakhstan-2026-2028.toml --out report.html
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Scenario files (.toml); the first is the reference for differences.
    #[arg(required = true, value_name = "FILE")]
    pub scenarios: Vec<PathBuf>,
    /// A Monte Carlo summary CSV (`run --draws`) to draw as fan charts. Repeatable.
    #[arg(long, value_name = "CSV")]
    pub summary: Vec<PathBuf>,
    /// A `sensitivity --method oat` CSV to draw as a tornado. Repeatable.
    #[arg(long, value_name = "CSV")]
    pub sensitivity: Vec<PathBuf>,
    /// The metric of the sensitivity CSVs, for the axis (e.g. `debt_gdp@2040`).
    #[arg(long, default_value = "the metric")]
    pub metric: String,
    /// The metric at the central parameter values (a line on the tornado).
    #[arg(long, value_name = "X")]
    pub base: Option<f64>,
    /// Page title (default: the scenario names).
    #[arg(long)]
    pub title: Option<String>,
    /// Override a value in every scenario (as `run --set`). Repeatable.
    #[arg(long = "set", value_name = "KEY=VALUE", value_parser = parse_override)]
    pub set: Vec<Override>,
    /// Write the HTML to this file (atomically) instead of standard output.
    #[arg(long, value_name = "PATH")]
    pub out: Option<PathBuf>,
    /// Add the standard stress tests of the first scenario (as `fiscalsim stress`): a
    /// debt/GDP panel and a summary table.
    #[arg(long)]
    pub stress: bool,
    /// A `fiscalsim backtest` scores CSV: adds a backtest section (chart and table).
    #[arg(long, value_name = "CSV")]
    pub backtest: Option<PathBuf>,
    /// Run N Monte Carlo draws of every scenario (one seed for all) and draw them as fan
    /// charts in the uncertainty section.
    #[arg(long, value_name = "N", value_parser = crate::cmd::parse_draws)]
    pub draws: Option<u64>,
    /// Monte Carlo with the draws and seed of the first scenario's `[montecarlo]`
    /// (`--draws` and `--seed` still override them).
    #[arg(long)]
    pub mc: bool,
    /// Seed of `--draws`/`--mc` (default: the first scenario's `[montecarlo] seed`).
    #[arg(long, value_name = "S")]
    pub seed: Option<u64>,
}

/// The (draws, seed) of `--draws`/`--mc`, `None` without either.
fn monte_carlo(args: &Args, runs: &[Run]) -> Result<Option<(u64, u64)>> {
    let first = runs.first().map(|r| &r.scenario.montecarlo);
    let draws = match (args.draws, args.mc, first) {
        (Some(n), _, _) => n,
        (None, true, Some(m)) => m.draws,
        (None, _, _) => {
            if args.seed.is_some() {
                return Err(Error::usage("--seed", "applies with --draws N or --mc"));
            }
            return Ok(None);
        }
    };
    let seed = args.seed.or(first.map(|m| m.seed)).unwrap_or_default();
    Ok(Some((draws, seed)))
}

/// Runs `report`.
pub(crate) fn run(args: &Args) -> Result<()> {
    let dest = Destination::from_option(args.out.as_deref());
    let inputs: Vec<&Path> = args
        .scenarios
        .iter()
        .chain(&args.summary)
        .chain(&args.sensitivity)
        .chain(&args.backtest)
        .map(PathBuf::as_path)
        .collect();
    refuse_overwriting_inputs(&dest, &inputs, "--out")?;
    for s in &args.scenarios {
        if !crate::compare::is_scenario_file(s) {
            return Err(Error::usage(
                "FILE",
                format!(
                    "`{}` is not a scenario file (.toml): give Monte Carlo summaries with \
                     --summary and sensitivity CSVs with --sensitivity",
                    s.display()
                ),
            ));
        }
    }
    let runs = args
        .scenarios
        .iter()
        .map(|p| Run::new(crate::scenario::load(p, &args.set)?))
        .collect::<Result<Vec<_>>>()?;
    let mut summaries = args
        .summary
        .iter()
        .map(|p| read_csv(p))
        .collect::<Result<Vec<_>>>()?;
    let draws = monte_carlo(args, &runs)?;
    if let Some((n, seed)) = draws {
        for (p, r) in args.scenarios.iter().zip(&runs) {
            if let Some(w) = crate::scenario::plausible::degenerate_monte_carlo(&r.scenario) {
                eprintln!("{w}");
            }
            summaries.push(crate::compare::run_scenario_draws(p, &args.set, n, seed)?);
        }
    }
    let sensitivities = args
        .sensitivity
        .iter()
        .map(|p| {
            let text = std::fs::read_to_string(p).map_err(|e| Error::Read {
                path: p.clone(),
                source: e,
            })?;
            Ok(Sensitivity {
                bars: tornado::read_oat(&text, &p.display().to_string())?,
                metric: args.metric.clone(),
                base: args.base,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let title = args.title.clone().unwrap_or_else(|| {
        let names: Vec<&str> = runs.iter().map(|r| r.scenario.name.as_str()).collect();
        format!("Fiscal scenarios: {}", names.join(" vs "))
    });
    let stress = match (args.stress, runs.first()) {
        (true, Some(first)) => Some(crate::stress::run(&first.scenario, None)?),
        _ => None,
    };
    let backtest = match &args.backtest {
        Some(p) => {
            let text = std::fs::read_to_string(p).map_err(|e| Error::Read {
                path: p.clone(),
                source: e,
            })?;
            Some(crate::backtest::table::read_scores(
                &text,
                &p.display().to_string(),
            )?)
        }
        None => None,
    };
    let html = render(&Report {
        title,
        runs,
        summaries,
        sensitivities,
        stress,
        backtest,
        draws,
    })?;
    write_with(&dest, |w| {
        w.write_all(html.as_bytes()).map_err(|e| io_error(&dest, e))
    })
}
