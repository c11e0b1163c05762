//! `fiscalsim solve`: goal-seek one parameter so that a target holds at the boundary.

use std::io::Write;
use std::path::PathBuf;

use crate::cmd::ScenarioArgs;
use crate::error::{Error, Result};
use crate::metric::Metric;
use crate::output::{Destination, io_error, refuse_overwriting_inputs, write_with};
use crate::scenario::{Address, load_tree};
use crate::solve::report::{report, report_scan, write_result_csv, write_scan_csv};
use crate::solve::{Goal, Search, Target, find_boundary, scan_boundaries};

/// Find the value of one parameter (same addressing as `--set`) at which a target starts
/// to hold: e.g. the growth-spending share at which debt stays under the limit with 70 %
/// probability. Brackets the boundary within `--within` and narrows it (safeguarded
/// regula falsi); Monte Carlo targets use the same seed at every evaluation (common
/// random numbers). If the target holds at both ends or at neither, says so and shows
/// the metric at both ends (exit code 0: that is an answer, not an error).
///
/// Example: fiscalsim solve scenarios/kazakhstan-2026-2040.toml --adjust policy.revenue_gdp --within 0.08:0.14 --target 'prob(debt_gdp@2040 <= 0.2) >= 0.9' --draws 5000
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The scenario and its overrides (applied before the adjusted value).
    #[command(flatten)]
    pub scenario: ScenarioArgs,
    /// The parameter to adjust, e.g. `policy.growth_spending_share`,
    /// `structure.spending_multiplier`, `policy.revenue_gdp@2027` (one year of a path);
    /// a path without `@YEAR` is set to the same value in every year.
    #[arg(long, value_name = "ADDRESS")]
    pub adjust: String,
    /// The range searched, `LO:HI` (e.g. `0.10:0.25`).
    #[arg(long, value_name = "LO:HI")]
    pub within: String,
    /// The target, `METRIC OP NUMBER`: `'debt_gdp@2035 <= 0.3'`,
    /// `'prob(debt_gdp@2040 <= 0.33) >= 0.7'`, `'p90(debt_gdp@2040) < 0.5'`,
    /// `'mean(real_growth@2026..2028) >= 0.053'`.
    #[arg(long, value_name = "EXPR", allow_hyphen_values = true)]
    pub target: String,
    /// Monte Carlo draws per evaluation (default: the scenario's `montecarlo.draws` for
    /// metrics that need draws; a plain series without `--draws` is deterministic).
    #[arg(long, value_name = "N")]
    pub draws: Option<u64>,
    /// Seed of the draws, the same at every evaluation (default: `montecarlo.seed`).
    #[arg(long, value_name = "SEED")]
    pub seed: Option<u64>,
    /// Stop when the bracket is this narrow, in the parameter's units (default: a
    /// millionth of the range).
    #[arg(long, value_name = "X")]
    pub tol: Option<f64>,
    /// The most evaluations of the target, both ends included.
    #[arg(long, value_name = "N", default_value_t = 100)]
    pub max_evals: usize,
    /// Evaluate the target on N equal intervals of the range first and narrow every
    /// boundary the grid shows (for metrics that may not be monotone in the parameter).
    #[arg(long, value_name = "N")]
    pub scan: Option<usize>,
    /// Also write the result as CSV to this file (one row; with --scan, one per boundary);
    /// `-` writes it to standard output and the report to standard error.
    #[arg(long, value_name = "PATH")]
    pub out: Option<PathBuf>,
}

/// Parses `LO:HI`.
pub(crate) fn parse_range(s: &str) -> Result<(f64, f64)> {
    let bad = |m: String| Error::usage("--within", m);
    let (lo, hi) = s
        .split_once(':')
        .ok_or_else(|| bad(format!("`{s}` is not LO:HI (write e.g. 0.10:0.25)")))?;
    let num = |t: &str| {
        t.trim()
            .parse::<f64>()
            .ok()
            .filter(|x| x.is_finite())
            .ok_or_else(|| {
                bad(format!(
                    "`{t}` is not a finite number (write e.g. 0.10:0.25)"
                ))
            })
    };
    let (lo, hi) = (num(lo)?, num(hi)?);
    if lo >= hi {
        return Err(bad(format!("LO must be below HI, found {lo}:{hi}")));
    }
    Ok((lo, hi))
}

/// Runs `solve`.
pub(crate) fn run(args: &Args) -> Result<()> {
    let adjust: Address = args
        .adjust
        .parse()
        .map_err(|m| Error::usage("--adjust", m))?;
    let (lo, hi) = parse_range(&args.within)?;
    let target: Target = args
        .target
        .parse()
        .map_err(|m| Error::usage("--target", m))?;
    let metric: Metric = target
        .metric
        .parse()
        .map_err(|m| Error::usage("--target", m))?;
    if args.draws == Some(0) {
        return Err(Error::usage("--draws", "must be at least 1"));
    }
    let mut search = search_of(args, lo, hi)?;
    let dest = args
        .out
        .as_deref()
        .map(|p| Destination::from_option(Some(p)));
    if let Some(d) = &dest {
        refuse_overwriting_inputs(d, &[&args.scenario.file], "--out")?;
    }

    let tree = load_tree(&args.scenario.file)?;
    let goal = Goal {
        tree,
        sets: args.scenario.set.clone(),
        adjust,
        metric,
        draws: args.draws,
        seed: args.seed,
    };
    search.method = goal.method();
    let sc = goal.scenario_at(lo)?;
    goal.metric
        .check(&sc.years)
        .map_err(|m| Error::usage("--target", m))?;
    let mc = goal.draws_for(&sc);
    if args.seed.is_some() && mc.is_none() {
        eprintln!(
            "note: --seed has no effect: `{}` is evaluated on the deterministic projection (add \
             --draws N for the mean over draws)",
            goal.metric
        );
    }
    if mc.is_some() && goal.adjust_is_drawn(&sc) {
        eprintln!(
            "note: `{}` is drawn from [uncertainty] in every Monte Carlo draw, so adjusting it \
             cannot change the metric; remove it from [uncertainty] (e.g. in a file that extends \
             this one) to adjust it",
            goal.adjust
        );
    }
    if let Some(n) = args.scan {
        let scan = scan_boundaries(&search, target.op, target.threshold, n, |x| {
            goal.metric_at(x)
        })?;
        print_report(
            &report_scan(&goal, &target, (lo, hi), mc, &scan),
            dest.as_ref(),
        );
        if let Some(d) = &dest {
            write_with(d, |w| {
                write_scan_csv(w, &sc.name, &goal, &target, mc, &scan).map_err(|e| io_error(d, e))
            })?;
        }
        return Ok(());
    }
    let solution = find_boundary(&search, target.op, target.threshold, |x| goal.metric_at(x))?;

    print_report(
        &report(&goal, &target, (lo, hi), mc, &solution),
        dest.as_ref(),
    );
    if let Some(d) = &dest {
        write_with(d, |w| {
            write_result_csv(w, &sc.name, &goal, &target, mc, &solution).map_err(|e| io_error(d, e))
        })?;
    }
    Ok(())
}

/// The search over \[`lo`, `hi`\] with the tolerance, evaluation budget and scan checked.
fn search_of(args: &Args, lo: f64, hi: f64) -> Result<Search> {
    let mut search = Search::new(lo, hi);
    if let Some(tol) = args.tol {
        if !(tol.is_finite() && tol >= 0.0) {
            return Err(Error::usage(
                "--tol",
                format!("must be 0 or more, found {tol}"),
            ));
        }
        search.tol = tol;
    }
    if args.max_evals < 2 {
        return Err(Error::usage(
            "--max-evals",
            "must be at least 2 (the two ends of the range)",
        ));
    }
    search.max_evaluations = args.max_evals;
    if let Some(n) = args.scan
        && !(1..=10_000).contains(&n)
    {
        return Err(Error::usage(
            "--scan",
            format!("must be from 1 to 10000 intervals, found {n}"),
        ));
    }
    Ok(search)
}

/// Prints the human report on standard output, or on standard error when the CSV goes to
/// standard output (`--out -`). A closed pipe is not an error of the computation.
fn print_report(text: &str, csv_dest: Option<&Destination>) {
    if csv_dest == Some(&Destination::Stdout) {
        let _ = std::io::stderr().lock().write_all(text.as_bytes());
    } else {
        let _ = std::io::stdout().lock().write_all(text.as_bytes());
    }
}
