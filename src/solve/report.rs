//! What a goal-seek reports: the text for people and the CSV for tools.

use std::io::Write;

use super::{Goal, Point, Scan, Solution, Target, op_text};
use crate::metric::Metric;
use crate::output::format_number;

/// The columns of the result CSV.
pub(crate) const RESULT_COLUMNS: [&str; 15] = [
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

/// The target as text, with the metric in canonical form.
pub(crate) fn target_text(goal: &Goal, target: &Target) -> String {
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

/// How the metric is evaluated: Monte Carlo (draws, seed) or the deterministic projection.
fn method_text(mc: Option<(u64, u64)>) -> String {
    match mc {
        Some((d, s)) => format!("{d} draws, seed {s}, common random numbers"),
        None => "deterministic projection".into(),
    }
}

/// The human report of a goal-seek.
pub(crate) fn report(
    goal: &Goal,
    target: &Target,
    (lo, hi): (f64, f64),
    mc: Option<(u64, u64)>,
    solution: &Solution,
) -> String {
    let how = method_text(mc);
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
                    "precision:   Monte Carlo standard error of the probability there {:.4} \
                     ({draws} draws); the value is exact for these draws, not for the model: raise \
                     --draws to narrow it\n",
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
                        " -- NOT converged: the bracket is still {:.2e} wide; raise \
                         --max-evals or --tol",
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
                "  every value in the range meets the target (if the metric is monotone): widen \
                 --within to find where it stops\n"
            } else {
                "  no value at either end meets the target: widen --within, or the target cannot \
                 be met by this parameter\n"
            });
        }
    }
    out
}

/// The human report of a scan (`--scan N`).
pub(crate) fn report_scan(
    goal: &Goal,
    target: &Target,
    (lo, hi): (f64, f64),
    mc: Option<(u64, u64)>,
    scan: &Scan,
) -> String {
    let how = method_text(mc);
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

/// Writes the result of a scan as CSV ([`RESULT_COLUMNS`]): one row per boundary, or one
/// row saying that the target holds at all or no grid points.
pub(crate) fn write_scan_csv(
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

/// Writes the result of a goal-seek as a one-row CSV ([`RESULT_COLUMNS`]).
pub(crate) fn write_result_csv(
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
