//! `fiscalsim solve`: goal-seek one parameter so that a target holds at the boundary.

use std::io::Write;
use std::path::PathBuf;

use crate::cmd::ScenarioArgs;
use crate::error::{Error, Result};
use crate::metric::Metric;
use crate::output::{Destination, format_number, io_error, refuse_overwriting_inputs, write_with};
use crate::scenario::{Address, load_tree};
use crate::solve::{
    Goal, Point, Scan, Search, Solution, Target, find_boundary, op_text, scan_boundaries,
};

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
pub fn parse_range(s: &str) -> Result<(f64, f64)> {
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

/// The columns of the result CSV.
pub const RESULT_COLUMNS: [&str; 15] = [
    "scenario",
    "adjust",
    "target",
    "status",
    "value",
    "metric",
    "other_value",
    "other_metric",
    "lo",
    "metric_lo",
    "hi",
    "metric_hi",
    "evaluations",
    "draws",
    "seed",
];

/// Runs `solve`.
pub fn run(args: &Args) -> Result<()> {
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
            "note: --seed has no effect: `{}` is evaluated on the deterministic projection (add --draws N for the mean over draws)",
            goal.metric
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

/// Prints the human report on standard output, or on standard error when the CSV goes to
/// standard output (`--out -`). A closed pipe is not an error of the computation.
fn print_report(text: &str, csv_dest: Option<&Destination>) {
    if csv_dest == Some(&Destination::Stdout) {
        let _ = std::io::stderr().lock().write_all(text.as_bytes());
    } else {
        let _ = std::io::stdout().lock().write_all(text.as_bytes());
    }
}

fn target_text(goal: &Goal, target: &Target) -> String {
    format!(
        "{} {} {}",
        goal.metric,
        op_text(target.op),
        format_number(target.threshold)
    )
}

fn fmt_point(p: &Point) -> String {
    format!("{} at {}", format_number(p.metric), format_number(p.x))
}

/// The human report of a goal-seek.
pub fn report(
    goal: &Goal,
    target: &Target,
    (lo, hi): (f64, f64),
    mc: Option<(u64, u64)>,
    solution: &Solution,
) -> String {
    let how = match mc {
        Some((d, s)) => format!("{d} draws, seed {s}, common random numbers"),
        None => "deterministic projection".into(),
    };
    let mut out = format!(
        "solve {} in [{}, {}] for {} ({how})\n",
        goal.adjust,
        format_number(lo),
        format_number(hi),
        target_text(goal, target)
    );
    match solution {
        Solution::Found {
            value,
            other,
            ends,
            evaluations,
            converged,
        } => {
            let side = if value.x < other.x {
                "at and below"
            } else {
                "at and above"
            };
            out.push_str(&format!(
                "value:       {} = {}  (the target holds {side} this value)\n",
                goal.adjust,
                format_number(value.x)
            ));
            out.push_str(&format!(
                "achieved:    {} = {} there; {} just past it, at {}\n",
                goal.metric,
                format_number(value.metric),
                format_number(other.metric),
                format_number(other.x)
            ));
            if let (Some((draws, _)), Metric::Prob(_)) = (mc, &goal.metric) {
                let p = value.metric;
                out.push_str(&format!(
                    "precision:   Monte Carlo standard error of the probability there {:.4} ({draws} draws); the value is exact for these draws, not for the model: raise --draws to narrow it\n",
                    (p * (1.0 - p) / draws as f64).sqrt()
                ));
            }
            out.push_str(&format!(
                "ends:        {}; {}\n",
                fmt_point(&ends[0]),
                fmt_point(&ends[1])
            ));
            out.push_str(&format!(
                "evaluations: {evaluations}{}\n",
                if *converged {
                    format!(" (bracket {:.2e} wide)", (other.x - value.x).abs())
                } else {
                    format!(
                        " -- NOT converged: the bracket is still {:.2e} wide; raise --max-evals or --tol",
                        (other.x - value.x).abs()
                    )
                }
            ));
        }
        Solution::HoldsAtBoth { ends } | Solution::HoldsAtNeither { ends } => {
            let both = matches!(solution, Solution::HoldsAtBoth { .. });
            out.push_str(&format!(
                "no boundary in the range: the target holds at {} of [{}, {}]\n",
                if both { "BOTH ends" } else { "NEITHER end" },
                format_number(lo),
                format_number(hi)
            ));
            out.push_str(&format!(
                "  {} = {} at {} = {}\n  {} = {} at {} = {}\n",
                goal.metric,
                format_number(ends[0].metric),
                goal.adjust,
                format_number(ends[0].x),
                goal.metric,
                format_number(ends[1].metric),
                goal.adjust,
                format_number(ends[1].x)
            ));
            out.push_str(if both {
                "  every value in the range meets the target (if the metric is monotone): widen --within to find where it stops\n"
            } else {
                "  no value at either end meets the target: widen --within, or the target cannot be met by this parameter\n"
            });
        }
    }
    out
}

/// The human report of a scan (`--scan N`).
pub fn report_scan(
    goal: &Goal,
    target: &Target,
    (lo, hi): (f64, f64),
    mc: Option<(u64, u64)>,
    scan: &Scan,
) -> String {
    let how = match mc {
        Some((d, s)) => format!("{d} draws, seed {s}, common random numbers"),
        None => "deterministic projection".into(),
    };
    let mut out = format!(
        "scan {} in [{}, {}] ({} points) for {} ({how})\n",
        goal.adjust,
        format_number(lo),
        format_number(hi),
        scan.grid.len(),
        target_text(goal, target)
    );
    if scan.boundaries.is_empty() {
        let all = scan.grid.iter().all(|p| p.holds);
        out.push_str(&format!(
            "no boundary on the grid: the target holds at {} of its {} points\n",
            if all { "ALL" } else { "NONE" },
            scan.grid.len()
        ));
    } else {
        out.push_str(&format!(
            "{} boundar{}:\n",
            scan.boundaries.len(),
            if scan.boundaries.len() == 1 {
                "y"
            } else {
                "ies"
            }
        ));
    }
    for b in &scan.boundaries {
        let side = if b.value.x < b.other.x {
            "below"
        } else {
            "above"
        };
        out.push_str(&format!(
            "  {} = {}: holds at and {side} it ({} = {} there, {} just past it){}\n",
            goal.adjust,
            format_number(b.value.x),
            goal.metric,
            format_number(b.value.metric),
            format_number(b.other.metric),
            if b.converged { "" } else { " -- NOT converged" }
        ));
    }
    out.push_str("grid:\n");
    for p in &scan.grid {
        out.push_str(&format!(
            "  {:>24} {:>24} {}\n",
            format_number(p.x),
            format_number(p.metric),
            if p.holds { "holds" } else { "-" }
        ));
    }
    out.push_str(&format!("evaluations: {}\n", scan.evaluations));
    out
}

fn write_scan_csv(
    w: &mut dyn Write,
    scenario: &str,
    goal: &Goal,
    target: &Target,
    mc: Option<(u64, u64)>,
    scan: &Scan,
) -> std::io::Result<()> {
    let mut csv = csv::Writer::from_writer(w);
    csv.write_record(RESULT_COLUMNS)?;
    let n = |x: f64| format_number(x);
    let (first, last) = match (scan.grid.first(), scan.grid.last()) {
        (Some(f), Some(l)) => (f, l),
        _ => return csv.flush(),
    };
    let common = |status: &str, cells: [String; 4]| {
        let [v, m, ov, om] = cells;
        vec![
            scenario.to_string(),
            goal.adjust.to_string(),
            target_text(goal, target),
            status.to_string(),
            v,
            m,
            ov,
            om,
            n(first.x),
            n(first.metric),
            n(last.x),
            n(last.metric),
            scan.evaluations.to_string(),
            mc.map_or(String::new(), |m| m.0.to_string()),
            mc.map_or(String::new(), |m| m.1.to_string()),
        ]
    };
    if scan.boundaries.is_empty() {
        let status = if scan.grid.iter().all(|p| p.holds) {
            "holds_at_all_grid_points"
        } else {
            "holds_at_no_grid_point"
        };
        csv.write_record(common(status, Default::default()))?;
    }
    for b in &scan.boundaries {
        csv.write_record(common(
            if b.converged {
                "found"
            } else {
                "not_converged"
            },
            [
                n(b.value.x),
                n(b.value.metric),
                n(b.other.x),
                n(b.other.metric),
            ],
        ))?;
    }
    csv.flush()
}

fn write_result_csv(
    w: &mut dyn Write,
    scenario: &str,
    goal: &Goal,
    target: &Target,
    mc: Option<(u64, u64)>,
    solution: &Solution,
) -> std::io::Result<()> {
    let mut csv = csv::Writer::from_writer(w);
    csv.write_record(RESULT_COLUMNS)?;
    let n = |x: f64| format_number(x);
    let (status, value, other, ends, evaluations) = match solution {
        Solution::Found {
            value,
            other,
            ends,
            evaluations,
            converged,
        } => (
            if *converged { "found" } else { "not_converged" },
            Some(value),
            Some(other),
            ends,
            *evaluations,
        ),
        Solution::HoldsAtBoth { ends } => ("holds_at_both_ends", None, None, ends, 2),
        Solution::HoldsAtNeither { ends } => ("holds_at_neither_end", None, None, ends, 2),
    };
    let opt = |p: Option<&Point>, f: fn(&Point) -> f64| p.map_or(String::new(), |p| n(f(p)));
    csv.write_record([
        scenario.to_string(),
        goal.adjust.to_string(),
        target_text(goal, target),
        status.to_string(),
        opt(value, |p| p.x),
        opt(value, |p| p.metric),
        opt(other, |p| p.x),
        opt(other, |p| p.metric),
        n(ends[0].x),
        n(ends[0].metric),
        n(ends[1].x),
        n(ends[1].metric),
        evaluations.to_string(),
        mc.map_or(String::new(), |m| m.0.to_string()),
        mc.map_or(String::new(), |m| m.1.to_string()),
    ])?;
    csv.flush()
}
