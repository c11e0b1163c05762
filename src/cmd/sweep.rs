//! `fiscalsim sweep`: metrics of a scenario over a grid or a Latin hypercube of inputs.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::time::Instant;

use crate::cmd::ScenarioArgs;
use crate::error::{Error, Result};
use crate::metric::Metric;
use crate::output::{Destination, format_number, io_error, refuse_overwriting_inputs, write_with};
use crate::scenario::{Scenario, load_tree};
use crate::sweep::eval::PointResult;
use crate::sweep::shard::{ShardHeader, fingerprint, write_shard, write_table};
use crate::sweep::{Evaluator, Param, Shard, SweepTable, grid, latin_hypercube, take_sweep_table};

/// How the points of a sweep are chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Design {
    /// Every combination of the parameters' values (the first --vary varies slowest).
    Grid,
    /// A Latin hypercube of --samples points over the parameters' ranges.
    Lhs,
}

/// Evaluate metrics of a scenario at every point of a grid (or Latin hypercube) of
/// inputs: one CSV row per point, the varied values, then one column per metric.
///
/// Default metrics: `debt_gdp@<last year>`, `mean(real_growth@<first>..<last>)`,
/// `overall_balance_gdp@<last year>`; with Monte Carlo (--draws, or a metric that needs
/// draws) also `p90(debt_gdp@<last year>)`. Monte Carlo points all use the same draws
/// (common random numbers).
///
/// Example: fiscalsim sweep scenarios/kazakhstan-2026-2040.toml
///   --vary structure.spending_multiplier=0.2:0.8:0.1
///   --vary policy.growth_spending_share.2028=0.10:0.20:0.02 --out sweep.csv
#[derive(Debug, clap::Args)]
#[command(
    after_long_help = "Default metrics: debt_gdp@<last year>, mean(real_growth@<first>..<last>), \
overall_balance_gdp@<last year>; with Monte Carlo (--draws, or a metric that needs draws) also \
p90(debt_gdp@<last year>). Monte Carlo points all run the same draws (common random numbers).\n\n\
Example: fiscalsim sweep scenarios/kazakhstan-2026-2040.toml \
--vary structure.spending_multiplier=0.2:0.8:0.1 \
--vary policy.growth_spending_share.2028=0.10:0.20:0.02 --out sweep.csv\n\n\
Reference: docs/sweep.md"
)]
pub struct Args {
    /// The scenario and its overrides (applied before each point's values).
    #[command(flatten)]
    pub scenario: ScenarioArgs,
    /// A varied parameter, PATH=SPEC. PATH as for --set (a scalar, a whole path, one
    /// year `policy.growth_spending_share@2028`, or a year-keyed table's target
    /// `policy.growth_spending_share.2028`); SPEC `a:b:step`, `a:b/N` (N points),
    /// a list `a,b,c`, or a range `a:b` (for --design lhs). Repeatable; replaces the
    /// file's [sweep.vary].
    #[arg(long = "vary", value_name = "PATH=SPEC", value_parser = parse_param)]
    pub vary: Vec<Param>,
    /// A metric: `debt_gdp@2040`, `mean(real_growth@2026..2028)`, `p90(debt_gdp@2040)`,
    /// `prob(debt_gdp@2040 > 0.33)`, ... Repeatable; replaces the file's metrics.
    #[arg(long = "metric", value_name = "M", value_parser = parse_metric)]
    pub metric: Vec<Metric>,
    /// The design: every combination (grid) or a Latin hypercube (lhs, needs --samples).
    #[arg(long, value_enum)]
    pub design: Option<Design>,
    /// Number of points of a Latin hypercube.
    #[arg(long, value_name = "N")]
    pub samples: Option<usize>,
    /// Monte Carlo draws per point (default: none, unless a metric needs draws; then the
    /// scenario's `[montecarlo]` draws).
    #[arg(long, value_name = "N", value_parser = crate::cmd::parse_draws)]
    pub draws: Option<u64>,
    /// Seed of the draws and of the Latin hypercube (default: the scenario's seed).
    #[arg(long, value_name = "S")]
    pub seed: Option<u64>,
    /// Run only the i-th of n slices of the points (1 <= i <= n); join the shard files
    /// with `fiscalsim merge`.
    #[arg(long, value_name = "i/n", value_parser = parse_shard)]
    pub shard: Option<Shard>,
    /// Write the CSV to this file (atomically) instead of standard output.
    #[arg(long, value_name = "PATH")]
    pub out: Option<PathBuf>,
}

pub(crate) fn parse_param(s: &str) -> std::result::Result<Param, String> {
    s.parse()
}

pub(crate) fn parse_metric(s: &str) -> std::result::Result<Metric, String> {
    s.parse()
}

pub(crate) fn parse_shard(s: &str) -> std::result::Result<Shard, String> {
    s.parse()
}

/// The parameters of the command line, else of the file; duplicates refused.
pub(crate) fn choose_params(cli: &[Param], table: Option<&SweepTable>) -> Result<Vec<Param>> {
    let params: Vec<Param> = if cli.is_empty() {
        table
            .map(|t| t.vary.iter().map(|(p, _)| p.clone()).collect())
            .unwrap_or_default()
    } else {
        cli.to_vec()
    };
    if params.is_empty() {
        return Err(Error::usage(
            "--vary",
            "give at least one parameter to vary, e.g. --vary \
             structure.spending_multiplier=0.2:0.8:0.1 (or a [sweep.vary] table in the \
             scenario file)",
        ));
    }
    for (i, p) in params.iter().enumerate() {
        if params[..i].iter().any(|q| q.address == p.address) {
            return Err(Error::usage(
                "--vary",
                format!("`{}` is varied twice: give each parameter once", p.address),
            ));
        }
    }
    Ok(params)
}

/// The metrics of the command line, else of the file (errors at their place in the
/// file), else `defaults`.
pub(crate) fn choose_metrics(
    cli: &[Metric],
    table: Option<&SweepTable>,
    defaults: Vec<String>,
) -> Result<Vec<Metric>> {
    if !cli.is_empty() {
        return Ok(cli.to_vec());
    }
    if let Some(t) = table
        && !t.metrics.is_empty()
    {
        return t
            .metrics
            .iter()
            .map(|(text, loc)| {
                text.parse()
                    .map_err(|e: String| Error::scenario(Some(loc), "sweep.metrics", e))
            })
            .collect();
    }
    defaults
        .iter()
        .map(|d| {
            d.parse()
                .map_err(|e: String| Error::Internal(format!("default metric `{d}`: {e}")))
        })
        .collect()
}

/// The default metrics of a scenario (see `--help`).
pub(crate) fn default_metrics(sc: &Scenario, monte_carlo: bool) -> Vec<String> {
    let (first, last) = (
        sc.years.first().copied().unwrap_or(sc.base_year),
        sc.years.last().copied().unwrap_or(sc.base_year),
    );
    let mut m = vec![
        format!("debt_gdp@{last}"),
        format!("mean(real_growth@{first}..{last})"),
        format!("overall_balance_gdp@{last}"),
    ];
    if monte_carlo {
        m.push(format!("p90(debt_gdp@{last})"));
    }
    m
}

/// Fails early, with the parameter named, when a parameter's smallest or largest value
/// does not give a valid scenario.
pub(crate) fn check_ends(ev: &Evaluator, bounds: &[(f64, f64)]) -> Result<()> {
    for (i, (lo, hi)) in bounds.iter().enumerate() {
        for v in [lo, hi] {
            let mut point = vec![None; bounds.len()];
            point[i] = Some(*v);
            ev.scenario_at(&point)?;
        }
    }
    Ok(())
}

/// The points of the design: every combination of the values (grid), or `--samples`
/// points of a Latin hypercube.
fn design_points(
    args: &Args,
    design: Design,
    samples: Option<usize>,
    params: &[Param],
    mc_seed: u64,
) -> Result<Vec<Vec<f64>>> {
    Ok(match design {
        Design::Grid => {
            if args.samples.is_some() {
                return Err(Error::usage(
                    "--samples",
                    "applies to --design lhs; a grid has every combination of the values",
                ));
            }
            grid(params).map_err(|e| Error::usage("--vary", e))?
        }
        Design::Lhs => {
            let n = samples.ok_or_else(|| {
                Error::usage(
                    "--samples",
                    "--design lhs needs the number of points, e.g. --samples 200",
                )
            })?;
            if n == 0 || n > crate::sweep::design::MAX_POINTS {
                return Err(Error::usage(
                    "--samples",
                    format!("must be from 1 to {}", crate::sweep::design::MAX_POINTS),
                ));
            }
            latin_hypercube(params, n, mc_seed)
        }
    })
}

/// The table's rows, with the points that broke down and those that lost draws.
struct Rows {
    /// One row per point: its values, metrics and (Monte Carlo) broken draws.
    rows: Vec<Vec<String>>,
    /// (point, why) of each point whose projection broke down.
    broken: Vec<(usize, String)>,
    /// (point, count) of each point with broken draws.
    broken_draws: Vec<(usize, u64)>,
}

/// The rows of the output table for the points `slice` (the first numbered `first`) and
/// their `results`.
fn table_rows(
    ev: &Evaluator,
    slice: &[Vec<Option<f64>>],
    results: &[PointResult],
    first: usize,
) -> Rows {
    let mc = ev.is_monte_carlo();
    let mut broken = Vec::new();
    let mut broken_draws = Vec::new();
    let rows: Vec<Vec<String>> = slice
        .iter()
        .zip(results)
        .enumerate()
        .map(|(k, (p, r))| {
            let mut row: Vec<String> = p
                .iter()
                .map(|v| format_number(v.unwrap_or(f64::NAN)))
                .collect();
            match r {
                Ok(m) => {
                    row.extend(m.values.iter().map(|v| format_number(*v)));
                    if m.broken_draws > 0 {
                        broken_draws.push((first + k, m.broken_draws));
                    }
                }
                Err(why) => {
                    broken.push((first + k, why.clone()));
                    row.extend(ev.metrics().iter().map(|_| "NaN".to_string()));
                }
            }
            if mc {
                let n = r.as_ref().map_or(0, |m| m.broken_draws);
                row.push(n.to_string());
            }
            row
        })
        .collect();

    Rows {
        rows,
        broken,
        broken_draws,
    }
}

/// The text a shard's fingerprint is taken of: everything that must agree between the
/// shards of one sweep.
fn shard_spec(
    ev: &Evaluator,
    params: &[Param],
    design: Design,
    samples: Option<usize>,
    header: &[String],
    (mc_draws, mc_seed): (u64, u64),
) -> String {
    format!(
        "sweep\n{}\n{}\n{:?}\n{:?}\n{}\n{}\n{}",
        ev.base().to_json(),
        params
            .iter()
            .map(|p| p.to_string())
            .collect::<Vec<_>>()
            .join("\n"),
        design,
        samples,
        header.join("\n"),
        if ev.is_monte_carlo() { mc_draws } else { 0 },
        mc_seed
    )
}

/// On a terminal, how many points (and draws) were run, and how fast.
fn report_speed(rows: usize, ev: &Evaluator, mc_draws: u64, mc_seed: u64, started: Instant) {
    if std::io::stderr().is_terminal() {
        let evals = rows as f64
            * if ev.is_monte_carlo() {
                mc_draws as f64
            } else {
                1.0
            };
        let secs = started.elapsed().as_secs_f64();
        eprintln!(
            "{} points{} in {:.2} s ({:.0} paths/s)",
            rows,
            if ev.is_monte_carlo() {
                format!(" x {mc_draws} draws (seed {mc_seed}, the same draws at every point)")
            } else {
                String::new()
            },
            secs,
            evals / secs.max(1e-9)
        );
    }
}

/// Runs `sweep`.
pub(crate) fn run(args: &Args) -> Result<()> {
    let dest = Destination::from_option(args.out.as_deref());
    refuse_overwriting_inputs(&dest, &[&args.scenario.file], "--out")?;
    let mut tree = load_tree(&args.scenario.file)?;
    let table = take_sweep_table(&mut tree)?;
    let params = choose_params(&args.vary, table.as_ref())?;
    let draws = args.draws.or(table.as_ref().and_then(|t| t.draws));
    let seed = args.seed.or(table.as_ref().and_then(|t| t.seed));
    let design = match (
        args.design,
        table.as_ref().and_then(|t| t.design.as_deref()),
    ) {
        (Some(d), _) => d,
        (None, Some("lhs")) => Design::Lhs,
        _ => Design::Grid,
    };
    let samples = args.samples.or(table.as_ref().and_then(|t| t.samples));

    let base = crate::scenario::resolve_tree(tree.clone(), &args.scenario.set)?;
    let cli_mc = draws.is_some() || args.metric.iter().any(Metric::needs_draws);
    let metrics = choose_metrics(&args.metric, table.as_ref(), default_metrics(&base, cli_mc))?;
    let ev = Evaluator::new(
        tree,
        args.scenario.set.clone(),
        params.iter().map(|p| p.address.clone()).collect(),
        metrics,
        draws,
        seed,
    )?;
    let bounds: Vec<(f64, f64)> = params.iter().map(|p| p.spec.bounds()).collect();
    check_ends(&ev, &bounds)?;
    if ev.is_monte_carlo()
        && let Some(w) = crate::scenario::plausible::degenerate_monte_carlo(ev.base())
    {
        eprintln!("{w}");
    }

    let (mc_draws, mc_seed) = ev.draws_and_seed(ev.base());
    let points = design_points(args, design, samples, &params, mc_seed)?;
    let total = points.len();
    let range = args.shard.map_or(0..total, |s| s.range(total));
    let first = range.start;
    let slice: Vec<Vec<Option<f64>>> = points[range]
        .iter()
        .map(|p| p.iter().map(|v| Some(*v)).collect())
        .collect();

    let started = Instant::now();
    let results = ev.run(&slice, true)?;
    let mc = ev.is_monte_carlo();
    let header: Vec<String> = params
        .iter()
        .map(|p| p.address.to_string())
        .chain(ev.metrics().iter().map(|m| m.to_string()))
        .chain(mc.then(|| "broken_draws".to_string()))
        .collect();
    let Rows {
        rows,
        broken,
        broken_draws,
    } = table_rows(&ev, &slice, &results, first);

    match args.shard {
        None => write_with(&dest, |w| {
            write_table(w, &header, &rows).map_err(|e| io_error(&dest, e))
        })?,
        Some(s) => {
            let spec = shard_spec(&ev, &params, design, samples, &header, (mc_draws, mc_seed));
            let head = ShardHeader {
                kind: "sweep".into(),
                shard: s.index,
                of: s.count,
                first,
                points: total,
                fingerprint: fingerprint(&spec),
                plan: serde_json::Value::Null,
            };
            write_with(&dest, |w| {
                write_shard(w, &head, &header, &rows).map_err(|e| io_error(&dest, e))
            })?
        }
    }
    if let Some((k, why)) = broken.first() {
        eprintln!(
            "warning: the projection broke down at {} of {} points (their metrics are NaN); first \
             at point {k}: {why}",
            broken.len(),
            rows.len()
        );
    }
    if let Some(w) = broken_draws_warning(&broken_draws, rows.len(), mc_draws) {
        eprintln!("{w}");
    }
    report_speed(rows.len(), &ev, mc_draws, mc_seed, started);
    Ok(())
}

/// The warning for Monte Carlo points some of whose draws broke down numerically:
/// `broken` holds (point, draws left out) of each such point.
pub(crate) fn broken_draws_warning(
    broken: &[(usize, u64)],
    points: usize,
    draws: u64,
) -> Option<String> {
    let (k, n) = broken.first()?;
    let most = broken.iter().map(|b| b.1).max().unwrap_or(0);
    Some(format!(
        "warning: draws broke down numerically (GDP no longer positive, or debt or a price \
         no longer finite) at {} of {points} points, {n} of {draws} at point {k} first and at \
         most {most}: the metrics there are over the remaining draws only and the worst paths \
         are missing from them (NaN where none is left; column broken_draws)",
        broken.len()
    ))
}
