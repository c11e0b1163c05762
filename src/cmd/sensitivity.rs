//! `fiscalsim sensitivity`: which uncertain inputs drive a metric (OAT, Morris, Sobol').

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use crate::cmd::ScenarioArgs;
use crate::cmd::sweep::{
    check_ends, choose_metrics, choose_params, parse_metric, parse_param, parse_shard,
};
use crate::error::{Error, Result};
use crate::metric::Metric;
use crate::output::{
    Destination, format_number, io_error, refuse_overwriting_inputs, write_atomic, write_with,
};
use crate::scenario::{load_tree, resolve_tree};
use crate::sensitivity::{Method, Plan};
use crate::sweep::eval::PointResult;
use crate::sweep::shard::{ShardHeader, fingerprint, write_shard, write_table};
use crate::sweep::{Evaluator, Param, Shard, take_sweep_table};

/// Global sensitivity of one metric to the parameters' ranges: one CSV row per
/// parameter, `parameter` then the method's indices: `low,high,swing` (oat, sorted by
/// swing: a tornado table), `mu_star,mu_star_conf,sigma` (morris), or
/// `S1,S1_conf,ST,ST_conf` (sobol; `_conf` are confidence half-widths).
///
/// Default metric: the first of the file's `[sweep]` metrics, else `debt_gdp@<last year>`.
///
/// Example: fiscalsim sensitivity scenarios/kazakhstan-2026-2040.toml --method sobol
///   --vary structure.spending_multiplier=0.2:0.8 --vary structure.efficiency=0.5:0.9
///   --vary structure.public_capital_elasticity=0.08:0.12 --metric debt_gdp@2040
///   --samples 512 --out sobol.csv
#[derive(Debug, clap::Args)]
#[command(
    after_long_help = "Output: one row per parameter: parameter,low,high,swing,from,to (oat, \
                       sorted by swing; from/to: the parameter's range), \
parameter,mu_star,mu_star_conf,sigma (morris) or parameter,S1,S1_conf,ST,ST_conf (sobol); \
_conf are confidence half-widths. Default metric: the first of the file's [sweep] metrics, \
else debt_gdp@<last year>.\n\n\
Example: fiscalsim sensitivity scenarios/kazakhstan-2026-2040-sweep.toml --method sobol --samples \
512 --out sobol.csv\n\n\
Reference: docs/sweep.md"
)]
pub struct Args {
    /// The scenario and its overrides (applied before each point's values).
    #[command(flatten)]
    pub scenario: ScenarioArgs,
    /// A parameter and its range, PATH=lo:hi (any spec: its smallest to largest value).
    /// Repeatable; replaces the file's [sweep.vary].
    #[arg(long = "vary", value_name = "PATH=lo:hi", value_parser = parse_param)]
    pub vary: Vec<Param>,
    /// The method.
    #[arg(long, value_enum, default_value = "sobol")]
    pub method: Method,
    /// The metric analysed, e.g. `debt_gdp@2040` or `p90(debt_gdp@2040)` (Monte Carlo).
    #[arg(long = "metric", value_name = "M", value_parser = parse_metric)]
    pub metric: Option<Metric>,
    /// Base sample size: Sobol' N (N (2D + 2) evaluations; default 1024, a power of two
    /// is best), Morris trajectories r (r (D + 1) evaluations; default 20). Default also
    /// from the file's `[sweep]` samples.
    #[arg(long, value_name = "N")]
    pub samples: Option<usize>,
    /// Morris: number of grid levels (even).
    #[arg(long, value_name = "P", default_value_t = 4)]
    pub levels: usize,
    /// Bootstrap resamples for the confidence half-widths.
    #[arg(long, value_name = "B", default_value_t = 1000)]
    pub bootstrap: usize,
    /// Confidence level of the half-widths.
    #[arg(long, value_name = "LEVEL", default_value_t = 0.95)]
    pub confidence: f64,
    /// Monte Carlo draws per evaluation (default: none unless the metric needs draws).
    #[arg(long, value_name = "N", value_parser = crate::cmd::parse_draws)]
    pub draws: Option<u64>,
    /// Seed of the draws, the Morris design and the bootstrap (default: the scenario's).
    #[arg(long, value_name = "S")]
    pub seed: Option<u64>,
    /// Also write the design and the metric at every point (SALib's row order) as CSV.
    #[arg(long, value_name = "PATH")]
    pub samples_out: Option<PathBuf>,
    /// Evaluate only the i-th of n slices of the design; `fiscalsim merge` joins the
    /// shard files and computes the indices.
    #[arg(long, value_name = "i/n", value_parser = parse_shard)]
    pub shard: Option<Shard>,
    /// Write the CSV to this file (atomically) instead of standard output.
    #[arg(long, value_name = "PATH")]
    pub out: Option<PathBuf>,
}

/// The design rows with the metric, as written to `--samples-out` and shard files.
pub(crate) fn sample_rows(design: &[Vec<Option<f64>>], y: &[f64]) -> Vec<Vec<String>> {
    design
        .iter()
        .zip(y)
        .map(|(p, v)| {
            p.iter()
                .map(|x| x.map(format_number).unwrap_or_default())
                .chain(std::iter::once(format_number(*v)))
                .collect()
        })
        .collect()
}

/// Writes the indices table of `plan` from the outputs `y`; prints the plan's note on
/// a terminal.
pub(crate) fn write_indices(plan: &Plan, y: &[f64], dest: &Destination) -> Result<()> {
    let (rows, note) = plan.analyse(y)?;
    write_with(dest, |w: &mut dyn Write| {
        write_table(w, &plan.columns(), &rows).map_err(|e| io_error(dest, e))
    })?;
    let bad = y.iter().filter(|v| !v.is_finite()).count();
    if bad > 0 {
        eprintln!(
            "warning: the metric is not finite at {bad} of {} points (the projection broke down): \
             indices may be NaN",
            y.len()
        );
    }
    if y.len() > 1 && y.iter().all(|v| *v == y[0]) {
        eprintln!(
            "warning: {} is {} at every point: it does not depend on these parameters over \
             these ranges",
            plan.metric,
            format_number(y[0])
        );
    } else if std::io::stderr().is_terminal() {
        eprintln!("{note}");
    }
    Ok(())
}

/// Says on standard error why each parameter of a one-at-a-time run left the metric
/// unchanged (unless the metric never moves at all, which is warned already).
fn explain_zero_swings(plan: &Plan, y: &[f64], sc: &crate::scenario::Scenario) {
    if plan.method != Method::Oat || y.iter().all(|v| *v == y[0]) {
        return;
    }
    let (_, bars) = crate::sensitivity::oat::tornado(y);
    for bar in bars.iter().filter(|b| b.swing == 0.0) {
        let name = &plan.names[bar.param];
        let why = crate::sensitivity::oat::zero_swing_reason(sc, name);
        eprintln!("note: `{name}` has zero swing: {why}");
    }
}

/// Writes `--samples-out`.
pub(crate) fn write_samples(path: &Path, header: &[String], rows: &[Vec<String>]) -> Result<()> {
    write_atomic(path, |w| {
        write_table(w, header, rows)
            .map_err(|e| io_error(&Destination::File(path.to_path_buf()), e))
    })
}

/// `--samples-out` must not overwrite the scenario, and is not for a shard.
fn check_samples_out(args: &Args) -> Result<()> {
    if let Some(p) = &args.samples_out {
        refuse_overwriting_inputs(
            &Destination::File(p.clone()),
            &[&args.scenario.file],
            "--samples-out",
        )?;
        if args.shard.is_some() {
            return Err(Error::usage(
                "--samples-out",
                "a shard writes its samples into its own file: give --samples-out to `fiscalsim \
                 merge` instead",
            ));
        }
    }
    Ok(())
}

/// The plan of the analysis: method, parameters with their ranges, samples, metric.
fn make_plan(
    args: &Args,
    params: &[Param],
    bounds: &[(f64, f64)],
    samples: usize,
    seed: u64,
    metric: &Metric,
) -> Plan {
    Plan {
        method: args.method,
        names: params.iter().map(|p| p.address.to_string()).collect(),
        lo: bounds.iter().map(|b| b.0).collect(),
        hi: bounds.iter().map(|b| b.1).collect(),
        samples,
        levels: args.levels,
        bootstrap: args.bootstrap,
        confidence: args.confidence,
        seed,
        metric: metric.to_string(),
    }
}

/// Notes a Sobol' sample size that is not a power of two.
fn sobol_note(plan: &Plan) {
    if plan.method == Method::Sobol && !plan.samples.is_power_of_two() {
        eprintln!(
            "note: --samples {} is not a power of two; the Sobol' sequence is balanced at powers \
             of two (e.g. {})",
            plan.samples,
            plan.samples.next_power_of_two()
        );
    }
}

/// (point, count) of each point, numbered from `first`, that lost draws.
fn broken_draws(results: &[PointResult], first: usize) -> Vec<(usize, u64)> {
    results
        .iter()
        .enumerate()
        .filter_map(|(k, r)| r.as_ref().ok().map(|m| (first + k, m.broken_draws)))
        .filter(|b| b.1 > 0)
        .collect()
}

/// Runs `sensitivity`.
pub(crate) fn run(args: &Args) -> Result<()> {
    let dest = Destination::from_option(args.out.as_deref());
    refuse_overwriting_inputs(&dest, &[&args.scenario.file], "--out")?;
    check_samples_out(args)?;
    let mut tree = load_tree(&args.scenario.file)?;
    let table = take_sweep_table(&mut tree)?;
    let params = choose_params(&args.vary, table.as_ref())?;
    let draws = args.draws.or(table.as_ref().and_then(|t| t.draws));
    let seed = args.seed.or(table.as_ref().and_then(|t| t.seed));
    let base = resolve_tree(tree.clone(), &args.scenario.set)?;
    let last = base.years.last().copied().unwrap_or(base.base_year);
    let cli: Vec<Metric> = args.metric.iter().cloned().collect();
    let metric = choose_metrics(&cli, table.as_ref(), vec![format!("debt_gdp@{last}")])?
        .into_iter()
        .next()
        .ok_or_else(|| Error::Internal("no metric".into()))?;
    let ev = Evaluator::new(
        tree,
        args.scenario.set.clone(),
        params.iter().map(|p| p.address.clone()).collect(),
        vec![metric.clone()],
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
    let samples = args
        .samples
        .or(table.as_ref().and_then(|t| t.samples))
        .unwrap_or(match args.method {
            Method::Sobol => 1024,
            _ => 20,
        });
    let plan = make_plan(args, &params, &bounds, samples, mc_seed, &metric);
    plan.validate()?;
    sobol_note(&plan);
    let design = plan.design();
    let total = design.len();
    let range = args.shard.map_or(0..total, |s| s.range(total));
    let first = range.start;
    let slice = &design[range];
    let results = ev.run(slice, true)?;
    let y: Vec<f64> = results
        .iter()
        .map(|r| r.as_ref().map_or(f64::NAN, |m| m.values[0]))
        .collect();
    let broken = broken_draws(&results, first);
    let (mc_draws_base, _) = ev.draws_and_seed(ev.base());
    if let Some(w) = super::sweep::broken_draws_warning(&broken, results.len(), mc_draws_base) {
        eprintln!("{w}");
    }
    let header: Vec<String> = plan
        .names
        .iter()
        .cloned()
        .chain(std::iter::once(plan.metric.clone()))
        .collect();
    match args.shard {
        Some(s) => {
            let plan_json =
                serde_json::to_value(&plan).map_err(|e| Error::Internal(e.to_string()))?;
            let spec = format!(
                "sensitivity\n{}\n{plan_json}\n{}\n{mc_seed}",
                ev.base().to_json(),
                if ev.is_monte_carlo() { mc_draws } else { 0 }
            );
            let head = ShardHeader {
                kind: "sensitivity".into(),
                shard: s.index,
                of: s.count,
                first,
                points: total,
                fingerprint: fingerprint(&spec),
                plan: plan_json,
            };
            let rows = sample_rows(slice, &y);
            write_with(&dest, |w| {
                write_shard(w, &head, &header, &rows).map_err(|e| io_error(&dest, e))
            })
        }
        None => {
            if let Some(p) = &args.samples_out {
                write_samples(p, &header, &sample_rows(&design, &y))?;
            }
            write_indices(&plan, &y, &dest)?;
            explain_zero_swings(&plan, &y, ev.base());
            Ok(())
        }
    }
}
