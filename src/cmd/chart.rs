//! `fiscalsim chart`: SVG charts of scenarios and results.

use std::path::{Path, PathBuf};

use crate::chart::{Size, bars, fan, lines, tornado};
use crate::cmd::compare::load_input;
use crate::cmd::parse_override;
use crate::decompose::mean_over_draws;
use crate::error::{Error, Result};
use crate::output::{Destination, io_error, refuse_overwriting_inputs, write_with};
use crate::scenario::Override;

/// The kinds of chart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ChartKind {
    /// Monte Carlo fan (quantile bands, median, deterministic path) from a summary CSV.
    Fan,
    /// One variable across several scenario files or `run` CSVs.
    Lines,
    /// Tornado of a `sensitivity --method oat` CSV.
    Tornado,
    /// Stacked-bar debt-dynamics decomposition of one scenario.
    Debt,
    /// Stacked-bar growth decomposition of one scenario.
    Growth,
    /// Debt/GDP of the baseline and of every stress test of one scenario (`fiscalsim stress`).
    Stress,
}

/// Draw a chart as SVG (self-contained, no fonts or system libraries needed).
///
/// Examples:
///   fiscalsim chart lines scenarios/kazakhstan-no-reform.toml scenarios/kazakhstan-2026-2028.toml --variable debt_gdp --out debt.svg
///   fiscalsim chart debt scenarios/kazakhstan-2026-2028.toml --out debt-decomposition.svg
///   fiscalsim chart stress scenarios/kazakhstan-stress.toml --out stress.svg
///   fiscalsim chart fan summary.csv --variable debt_gdp --deterministic scenarios/kazakhstan-2026-2028.toml --out fan.svg
///   fiscalsim chart tornado oat.csv --metric 'debt_gdp@2040' --scenario scenarios/kazakhstan-2026-2040-sweep.toml --out tornado.svg
#[derive(Debug, clap::Args)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// Which chart.
    #[arg(value_enum)]
    pub kind: ChartKind,
    /// Inputs: scenario files (.toml) or CSVs (`fan`: one Monte Carlo summary; `lines`:
    /// one or more scenarios or `run` CSVs; `tornado`: one OAT sensitivity CSV; `debt`,
    /// `growth`: one scenario file or `run --decompose` CSV; `stress`: one scenario file).
    #[arg(required = true, value_name = "FILE")]
    pub inputs: Vec<PathBuf>,
    /// The variable drawn by `fan` and `lines` (a canonical output name).
    #[arg(long, default_value = "debt_gdp")]
    pub variable: String,
    /// `lines`: the statistic drawn from Monte Carlo summary inputs (e.g. `p50`, `mean`).
    #[arg(long)]
    pub stat: Option<String>,
    /// `fan`: the deterministic path to draw over the bands (scenario file or `run` CSV).
    #[arg(long, value_name = "FILE")]
    pub deterministic: Option<PathBuf>,
    /// `tornado`: the metric at the central parameter values (a vertical line).
    #[arg(long, value_name = "X")]
    pub base: Option<f64>,
    /// `tornado`: the metric's name for the axis (e.g. `debt_gdp@2040`).
    #[arg(long, default_value = "the metric")]
    pub metric: String,
    /// `tornado`: the scenario the sensitivity was run on; the central value (`--base`) is
    /// then `--metric` evaluated on its deterministic projection, as OAT holds every other
    /// input at its value in the scenario.
    #[arg(long, value_name = "FILE", conflicts_with = "base")]
    pub scenario: Option<PathBuf>,
    /// `tornado`: draw only the N parameters with the largest swing.
    #[arg(long, value_name = "N")]
    pub top: Option<usize>,
    /// `debt`, `growth`: the mean decomposition over N Monte Carlo draws of the scenario
    /// (the shocks' part then shows), instead of the deterministic one.
    #[arg(long, value_name = "N")]
    pub draws: Option<u64>,
    /// `debt`, `growth` with `--draws`: the seed (default: the scenario's `montecarlo.seed`).
    #[arg(long, value_name = "SEED", requires = "draws")]
    pub seed: Option<u64>,
    /// Unit of levels on the axis (e.g. `KZT trillion`); default: the scenario's `currency`.
    #[arg(long)]
    pub currency: Option<String>,
    /// Chart title (`lines` only; the others have descriptive titles).
    #[arg(long)]
    pub title: Option<String>,
    /// Width in pixels.
    #[arg(long, default_value_t = 900)]
    pub width: u32,
    /// Height in pixels.
    #[arg(long, default_value_t = 520)]
    pub height: u32,
    /// Override a value in every scenario-file input (as `run --set`). Repeatable.
    #[arg(long = "set", value_name = "KEY=VALUE", value_parser = parse_override)]
    pub set: Vec<Override>,
    /// Write the SVG to this file (atomically) instead of standard output.
    #[arg(long, value_name = "PATH")]
    pub out: Option<PathBuf>,
}

fn one<'a>(args: &'a Args, what: &str) -> Result<&'a Path> {
    match args.inputs.as_slice() {
        [one] => Ok(one),
        _ => Err(Error::usage(
            "FILE",
            format!(
                "`chart {what}` takes exactly one input, got {}",
                args.inputs.len()
            ),
        )),
    }
}

fn currency_of(args: &Args, files: &[&Path]) -> String {
    if let Some(c) = &args.currency {
        return c.clone();
    }
    files
        .iter()
        .filter(|f| crate::compare::is_scenario_file(f))
        .find_map(|f| crate::scenario::load(f, &args.set).ok())
        .map(|sc| sc.currency)
        .unwrap_or_default()
}

/// The central value of a tornado: `metric` on the scenario `file`'s projection.
fn central_value(file: &Path, set: &[Override], metric: &str) -> Result<f64> {
    let sc = crate::scenario::load(file, set)?;
    tornado::central_value(&sc, metric).map_err(|e| {
        Error::usage(
            "--metric",
            format!("{e}; give the central value with --base instead of --scenario"),
        )
    })
}

/// The mean decomposition over `draws` draws of the scenario `file`.
fn mean_decomposition(
    file: &Path,
    args: &Args,
    draws: u64,
    which: bars::Which,
) -> Result<bars::Stacked> {
    if !crate::compare::is_scenario_file(file) {
        return Err(Error::usage(
            "--draws",
            format!(
                "`{}` is not a scenario file (.toml): --draws runs a scenario",
                file.display()
            ),
        ));
    }
    if !(1..=MAX_DRAWS).contains(&draws) {
        return Err(Error::usage(
            "--draws",
            format!("{draws}: expected 1 to {MAX_DRAWS} draws"),
        ));
    }
    let sc = crate::scenario::load(file, &args.set)?;
    let seed = args.seed.unwrap_or(sc.montecarlo.seed);
    let parts = mean_over_draws(&sc, draws, seed)?;
    let name = format!("{}, mean of {draws} draws", sc.name);
    Ok(bars::from_decomposition(which, &name, &sc.years, &parts))
}

/// The most draws `chart --draws` takes (each keeps its decomposition in memory).
const MAX_DRAWS: u64 = 200_000;

/// Renders the chart `args` asks for, as SVG text.
pub(crate) fn render(args: &Args) -> Result<String> {
    if !(400..=10_000).contains(&args.width) {
        return Err(Error::usage(
            "--width",
            format!(
                "{} pixels: expected 400 to 10000 (a smaller chart is unreadable)",
                args.width
            ),
        ));
    }
    if !(250..=10_000).contains(&args.height) {
        return Err(Error::usage(
            "--height",
            format!(
                "{} pixels: expected 250 to 10000 (a smaller chart is unreadable)",
                args.height
            ),
        ));
    }
    let size = Size {
        width: args.width,
        height: args.height,
    };
    let inputs: Vec<&Path> = args.inputs.iter().map(PathBuf::as_path).collect();
    match args.kind {
        ChartKind::Fan => {
            let file = one(args, "fan")?;
            let summary = load_input(file, &args.set, false)?;
            let det = args
                .deterministic
                .as_deref()
                .map(|d| load_input(d, &args.set, false))
                .transpose()?;
            let data = fan::from_tables(&summary, det.as_ref(), &args.variable)?;
            let mut files = inputs.clone();
            files.extend(args.deterministic.as_deref());
            fan::render(&data, size, &currency_of(args, &files))
        }
        ChartKind::Lines => {
            let tables = inputs
                .iter()
                .map(|p| load_input(p, &args.set, false))
                .collect::<Result<Vec<_>>>()?;
            let mut data = lines::from_tables(&tables, &args.variable, args.stat.as_deref())?;
            add_base_year(&mut data, &inputs, &args.set, &args.variable)?;
            lines::render(
                &data,
                &args.variable,
                args.title.as_deref(),
                size,
                &currency_of(args, &inputs),
            )
        }
        ChartKind::Tornado => {
            let file = one(args, "tornado")?;
            let text = std::fs::read_to_string(file).map_err(|e| Error::Read {
                path: file.to_path_buf(),
                source: e,
            })?;
            let mut data = tornado::read_oat(&text, &file.display().to_string())?;
            if let Some(n) = args.top {
                if n == 0 {
                    return Err(Error::usage("--top", "expected at least 1 parameter"));
                }
                data.truncate(n);
            }
            if let Some(b) = args.base.filter(|b| !b.is_finite()) {
                return Err(Error::usage(
                    "--base",
                    format!("{b} is not a finite number"),
                ));
            }
            let base = match &args.scenario {
                Some(file) => Some(central_value(file, &args.set, &args.metric)?),
                None => args.base,
            };
            tornado::render(&data, base, &args.metric, size)
        }
        ChartKind::Debt | ChartKind::Growth => {
            let file = one(args, "debt/growth")?;
            let which = if args.kind == ChartKind::Debt {
                bars::Which::Debt
            } else {
                bars::Which::Growth
            };
            let stacked = match args.draws {
                None => bars::from_table(&load_input(file, &args.set, true)?, which)?,
                Some(draws) => mean_decomposition(file, args, draws, which)?,
            };
            bars::render(&stacked, size)
        }
        ChartKind::Stress => {
            let file = one(args, "stress")?;
            let sc = crate::scenario::load(file, &args.set)?;
            let run = crate::stress::run(&sc, None)?;
            crate::stress::debt_chart(&sc, &run, size)
        }
    }
}

/// Starts each line of a scenario-file input at its base year, where the scenario
/// states the variable's base-year value (CSV inputs carry no base year).
fn add_base_year(
    data: &mut [lines::Line],
    inputs: &[&Path],
    set: &[Override],
    variable: &str,
) -> Result<()> {
    for (line, file) in data.iter_mut().zip(inputs) {
        if file.extension().is_some_and(|e| e == "toml") {
            let sc = crate::scenario::load(file, set)?;
            if let Some(v) = crate::chart::base_year_value(&sc, variable) {
                lines::prepend(line, sc.base_year, v);
            }
        }
    }
    Ok(())
}

/// Runs `chart`.
pub(crate) fn run(args: &Args) -> Result<()> {
    let dest = Destination::from_option(args.out.as_deref());
    let mut inputs: Vec<&Path> = args.inputs.iter().map(PathBuf::as_path).collect();
    inputs.extend(args.deterministic.as_deref());
    inputs.extend(args.scenario.as_deref());
    refuse_overwriting_inputs(&dest, &inputs, "--out")?;
    let svg = render(args)?;
    write_with(&dest, |w| {
        w.write_all(svg.as_bytes()).map_err(|e| io_error(&dest, e))
    })
}
