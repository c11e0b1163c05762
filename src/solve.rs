//! Goal-seek: the value of one scenario parameter at which a target (a metric compared
//! with a number) starts or stops holding.
//!
//! The search brackets the boundary between the two ends of a range and narrows it with
//! regula falsi (Illinois variant) safeguarded by bisection: every step keeps one end
//! where the target holds and one where it does not, and a bisection is forced whenever
//! interpolation fails to halve the bracket over two steps, so the bracket shrinks at
//! least as fast as bisection every other step whatever the shape of the metric (a Monte
//! Carlo probability is a staircase in the parameter). The answer reported is the end of
//! the final bracket at which the target holds.
//!
//! Monte Carlo targets are evaluated with the same seed at every point (common random
//! numbers), so the metric is a smooth (or finely stepped) function of the parameter and
//! the bracketing is not confused by sampling noise.

pub(crate) mod report;

use std::str::FromStr;

use crate::error::{Error, Result};
use crate::metric::Metric;
use crate::model::project;
use crate::montecarlo::over_draws;
use crate::output::format_number;
use crate::scenario::tree::Table;
use crate::scenario::{Address, Override, Scenario, resolve_tree};

pub use crate::metric::Op;

/// The text of an operator (`<=`).
pub(crate) fn op_text(op: Op) -> &'static str {
    match op {
        Op::Lt => "<",
        Op::Le => "<=",
        Op::Gt => ">",
        Op::Ge => ">=",
    }
}

/// `+1` when the target asks for a larger value, `-1` for a smaller one.
fn orientation(op: Op) -> f64 {
    match op {
        Op::Gt | Op::Ge => 1.0,
        Op::Lt | Op::Le => -1.0,
    }
}

/// A target `METRIC OP NUMBER`, split but with the metric not yet parsed (its grammar is
/// [`crate::metric`]'s).
#[derive(Debug, Clone, PartialEq)]
pub struct Target {
    /// The metric as written, e.g. `prob(debt_gdp@2040 <= 0.33)` or `debt_gdp@2035`.
    pub metric: String,
    /// The comparison.
    pub op: Op,
    /// The number compared with (same units as the metric: fractions, shares of draws).
    pub threshold: f64,
}

impl FromStr for Target {
    type Err = String;

    /// Splits at the last comparison operator outside parentheses:
    /// `prob(debt_gdp@2040 <= 0.33) >= 0.7` gives `prob(debt_gdp@2040 <= 0.33)`, `>=`, 0.7.
    fn from_str(s: &str) -> std::result::Result<Self, Self::Err> {
        let example = "write METRIC OP NUMBER, e.g. 'debt_gdp@2035 <= 0.3' or 'prob(debt_gdp@2040 \
                       <= 0.33) >= 0.7'";
        let bytes = s.as_bytes();
        let mut depth = 0i32;
        let mut found: Option<(usize, usize)> = None; // (start, length) of the operator
        let mut i = 0;
        while i < bytes.len() {
            match bytes[i] {
                b'(' => depth += 1,
                b')' => depth -= 1,
                b'<' | b'>' if depth == 0 => {
                    let len = if bytes.get(i + 1) == Some(&b'=') {
                        2
                    } else {
                        1
                    };
                    found = Some((i, len));
                    i += len;
                    continue;
                }
                _ => {}
            }
            i += 1;
        }
        if depth != 0 {
            return Err(format!("`{s}` has unbalanced parentheses: {example}"));
        }
        let Some((at, len)) = found else {
            return Err(format!(
                "`{s}` has no comparison (<, <=, >, >=) outside parentheses: {example}"
            ));
        };
        let op = match &s[at..at + len] {
            "<" => Op::Lt,
            "<=" => Op::Le,
            ">" => Op::Gt,
            _ => Op::Ge,
        };
        let metric = s[..at].trim();
        let number = s[at + len..].trim();
        if metric.is_empty() {
            return Err(format!(
                "`{s}` has no metric before `{}`: {example}",
                op_text(op)
            ));
        }
        let threshold: f64 = number.parse().map_err(|_| {
            format!(
                "`{number}` after `{}` is not a number: {example}",
                op_text(op)
            )
        })?;
        if !threshold.is_finite() {
            return Err(format!(
                "the target number must be finite, found `{number}`"
            ));
        }
        Ok(Target {
            metric: metric.to_string(),
            op,
            threshold,
        })
    }
}

/// The metric at one value of the parameter.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Point {
    /// The parameter value.
    pub x: f64,
    /// The metric there.
    pub metric: f64,
    /// Whether the target holds there.
    pub holds: bool,
}

impl Point {
    /// The metric at `x` and whether `metric OP threshold` holds there.
    fn evaluate(
        metric: &mut impl FnMut(f64) -> Result<f64>,
        x: f64,
        op: Op,
        threshold: f64,
    ) -> Result<Point> {
        let m = metric(x)?;
        Ok(Point {
            x,
            metric: m,
            holds: op.holds(m, threshold),
        })
    }
}

/// The result of a goal-seek.
#[derive(Debug, Clone, PartialEq)]
pub enum Solution {
    /// The target holds at one end and not at the other: the boundary was bracketed.
    Found {
        /// The end of the final bracket where the target holds: the answer.
        value: Point,
        /// The other end (where it does not hold).
        other: Point,
        /// The two ends of the search range.
        ends: [Point; 2],
        /// Evaluations of the metric.
        evaluations: usize,
        /// Whether the bracket is within the tolerance (otherwise the evaluation budget ran out).
        converged: bool,
    },
    /// The target holds at both ends of the range (no boundary is bracketed).
    HoldsAtBoth {
        /// The two ends.
        ends: [Point; 2],
    },
    /// The target holds at neither end of the range.
    HoldsAtNeither {
        /// The two ends.
        ends: [Point; 2],
    },
}

/// How the bracket is narrowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// Regula falsi (Illinois) safeguarded by bisection: few evaluations for smooth
    /// metrics (a deterministic series, a Monte Carlo mean or quantile).
    Interpolate,
    /// Plain bisection: best for step functions such as a Monte Carlo probability
    /// (a share of draws), where interpolation gains nothing.
    Bisect,
}

/// Settings of the search.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Search {
    /// Lower end of the range.
    pub lo: f64,
    /// Upper end of the range.
    pub hi: f64,
    /// Stop when the bracket is at most this wide (parameter units).
    pub tol: f64,
    /// The most evaluations of the metric (the two ends included).
    pub max_evaluations: usize,
    /// How the bracket is narrowed.
    pub method: Method,
}

impl Search {
    /// A search over `[lo, hi]` to a millionth of its width, at most 100 evaluations.
    pub fn new(lo: f64, hi: f64) -> Search {
        Search {
            lo,
            hi,
            tol: (hi - lo).abs() * 1e-6,
            max_evaluations: 100,
            method: Method::Interpolate,
        }
    }
}

/// Finds where `metric(x) OP threshold` switches between holding and not in
/// `[search.lo, search.hi]`. `metric` is called once per evaluation, the two ends first.
pub fn find_boundary(
    search: &Search,
    op: Op,
    threshold: f64,
    mut metric: impl FnMut(f64) -> Result<f64>,
) -> Result<Solution> {
    if !(search.lo.is_finite() && search.hi.is_finite() && search.lo < search.hi) {
        return Err(Error::Internal(format!(
            "a search range needs finite lo < hi, found {}:{}",
            search.lo, search.hi
        )));
    }
    let mut eval = |x: f64| Point::evaluate(&mut metric, x, op, threshold);
    let lo = eval(search.lo)?;
    let hi = eval(search.hi)?;
    let ends = [lo, hi];
    match (lo.holds, hi.holds) {
        (true, true) => return Ok(Solution::HoldsAtBoth { ends }),
        (false, false) => return Ok(Solution::HoldsAtNeither { ends }),
        _ => {}
    }
    let (value, other, used, converged) = narrow(
        search,
        op,
        threshold,
        lo,
        hi,
        search.max_evaluations.saturating_sub(2),
        &mut eval,
    )?;
    Ok(Solution::Found {
        value,
        other,
        ends,
        evaluations: 2 + used,
        converged,
    })
}

/// One boundary found by [`scan_boundaries`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Boundary {
    /// The end of the final bracket where the target holds.
    pub value: Point,
    /// The other end.
    pub other: Point,
    /// Whether the bracket is within the tolerance.
    pub converged: bool,
}

/// The result of [`scan_boundaries`].
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Scan {
    /// The metric on the evenly spaced grid, `lo` to `hi`.
    pub grid: Vec<Point>,
    /// Every boundary between neighbouring grid points where holding switches, in order.
    pub boundaries: Vec<Boundary>,
    /// Evaluations in all.
    pub evaluations: usize,
}

/// Evaluates the target on `intervals + 1` evenly spaced points of the range first, then
/// narrows every pair of neighbours where holding switches (each with at most
/// `search.max_evaluations` evaluations): all the boundaries a grid of that resolution
/// can see, for metrics that are not monotone in the parameter.
pub(crate) fn scan_boundaries(
    search: &Search,
    op: Op,
    threshold: f64,
    intervals: usize,
    mut metric: impl FnMut(f64) -> Result<f64>,
) -> Result<Scan> {
    if !(search.lo.is_finite() && search.hi.is_finite() && search.lo < search.hi) || intervals < 1 {
        return Err(Error::Internal(format!(
            "a scan needs finite lo < hi and at least one interval, found {}:{} and {intervals}",
            search.lo, search.hi
        )));
    }
    let mut eval = |x: f64| Point::evaluate(&mut metric, x, op, threshold);
    let width = search.hi - search.lo;
    let grid = (0..=intervals)
        .map(|k| {
            let x = if k == intervals {
                search.hi
            } else {
                search.lo + width * k as f64 / intervals as f64
            };
            eval(x)
        })
        .collect::<Result<Vec<Point>>>()?;
    let mut evaluations = grid.len();
    let mut boundaries = Vec::new();
    for w in grid.windows(2) {
        if w[0].holds != w[1].holds {
            let budget = search.max_evaluations.saturating_sub(2);
            let (value, other, used, converged) =
                narrow(search, op, threshold, w[0], w[1], budget, &mut eval)?;
            evaluations += used;
            boundaries.push(Boundary {
                value,
                other,
                converged,
            });
        }
    }
    Ok(Scan {
        grid,
        boundaries,
        evaluations,
    })
}

/// Narrows a bracket `[a, b]` (the target holds at exactly one end) with at most `budget`
/// further evaluations. Returns the end where the target holds, the other end, the
/// evaluations used and whether the bracket is within `search.tol`.
fn narrow(
    search: &Search,
    op: Op,
    threshold: f64,
    a: Point,
    b: Point,
    budget: usize,
    eval: &mut impl FnMut(f64) -> Result<Point>,
) -> Result<(Point, Point, usize, bool)> {
    // Oriented distance to the threshold: >= 0 where the target (nearly) holds.
    let f = |p: &Point| orientation(op) * (p.metric - threshold);
    let (mut a, mut b) = (a, b);
    let (mut fa, mut fb) = (f(&a), f(&b));
    let mut used = 0;
    let mut last_side = 0i8; // -1: a was replaced last, +1: b
    let mut widths = vec![b.x - a.x];
    let mut bisect = false;
    while (b.x - a.x) > search.tol && used < budget {
        let mid = 0.5 * (a.x + b.x);
        let x = if bisect
            || search.method == Method::Bisect
            || !(fa.is_finite() && fb.is_finite())
            || fa == fb
        {
            mid
        } else {
            let s = a.x - fa * (b.x - a.x) / (fb - fa);
            // Keep interpolated points strictly inside, away from the ends.
            let margin = 1e-3 * (b.x - a.x);
            if s.is_finite() && s > a.x + margin && s < b.x - margin {
                s
            } else if s.is_finite() && s <= a.x + margin {
                a.x + margin
            } else if s.is_finite() {
                b.x - margin
            } else {
                mid
            }
        };
        if !(x > a.x && x < b.x) {
            break; // the bracket is as narrow as floating point allows
        }
        let p = eval(x)?;
        used += 1;
        let fp = f(&p);
        if p.holds == a.holds {
            a = p;
            fa = fp;
            if last_side == -1 {
                fb *= 0.5; // Illinois: the other end has been kept twice
            }
            last_side = -1;
        } else {
            b = p;
            fb = fp;
            if last_side == 1 {
                fa *= 0.5;
            }
            last_side = 1;
        }
        widths.push(b.x - a.x);
        let n = widths.len();
        bisect = n >= 3 && widths[n - 1] > 0.5 * widths[n - 3];
    }
    let converged = (b.x - a.x) <= search.tol;
    let (value, other) = if a.holds { (a, b) } else { (b, a) };
    Ok((value, other, used, converged))
}

/// What a goal-seek evaluates at each value of the adjusted parameter: the scenario
/// (its tree loaded once, the user's overrides, then `adjust = x`) and the metric.
#[derive(Debug, Clone)]
pub struct Goal {
    /// The merged scenario tree (`scenario::load_tree`, done once).
    pub tree: Table,
    /// The user's `--set` overrides, applied before the adjusted value.
    pub sets: Vec<Override>,
    /// The adjusted parameter (same addressing as `--set`).
    pub adjust: Address,
    /// The metric of the target.
    pub metric: Metric,
    /// Monte Carlo draws: `None` runs a plain series deterministically and takes the
    /// scenario's `montecarlo.draws` for metrics that need draws.
    pub draws: Option<u64>,
    /// Seed, the same at every evaluation (common random numbers); `None`: the
    /// scenario's `montecarlo.seed`.
    pub seed: Option<u64>,
}

impl Goal {
    /// The scenario with the adjusted parameter at `x`.
    pub(crate) fn scenario_at(&self, x: f64) -> Result<Scenario> {
        let value = format_number(x);
        let mut sets = self.sets.clone();
        sets.push(Override {
            address: self.adjust.clone(),
            arg: format!("{}={value}", self.adjust),
            value,
        });
        resolve_tree(self.tree.clone(), &sets)
    }

    /// The narrowing method that suits the metric: bisection for a probability (a step
    /// function of the parameter), interpolation otherwise.
    pub fn method(&self) -> Method {
        if matches!(self.metric, Metric::Prob(_)) {
            Method::Bisect
        } else {
            Method::Interpolate
        }
    }

    /// Whether the adjusted parameter is a structural one that `[uncertainty]` draws in
    /// every Monte Carlo draw of `sc` (then adjusting it cannot change a Monte Carlo metric).
    pub(crate) fn adjust_is_drawn(&self, sc: &Scenario) -> bool {
        match (&sc.uncertainty, self.adjust.keys.as_slice()) {
            (Some(u), [section, name]) if section == "structure" => {
                u.params.iter().any(|(p, _)| p == name)
            }
            _ => false,
        }
    }

    /// Whether the evaluation is a Monte Carlo one, and with how many draws and which
    /// seed, for scenario `sc`.
    pub(crate) fn draws_for(&self, sc: &Scenario) -> Option<(u64, u64)> {
        let seed = self.seed.unwrap_or(sc.montecarlo.seed);
        match (self.draws, self.metric.needs_draws()) {
            (Some(d), _) => Some((d, seed)),
            (None, true) => Some((sc.montecarlo.draws, seed)),
            (None, false) => None,
        }
    }

    /// The metric with the adjusted parameter at `x`: from the deterministic projection,
    /// or aggregated over Monte Carlo draws with the same seed at every `x`.
    pub fn metric_at(&self, x: f64) -> Result<f64> {
        let sc = self.scenario_at(x)?;
        self.metric
            .check(&sc.years)
            .map_err(|m| Error::usage("--target", m))?;
        match self.draws_for(&sc) {
            None => {
                let path = project(&sc).map_err(|e| match e {
                    Error::Numerical { year, message } => Error::Numerical {
                        year,
                        message: format!("{message} (with {} = {})", self.adjust, format_number(x)),
                    },
                    other => other,
                })?;
                self.metric
                    .deterministic(&sc.years, &path)
                    .map_err(|m| Error::usage("--target", m))
            }
            Some((draws, seed)) => {
                let m = over_draws(std::slice::from_ref(&self.metric), &sc, draws, seed);
                if let Some(year) = m.first_broken_year {
                    // A target met on the draws left would be met on the survivors only.
                    return Err(Error::Numerical {
                        year,
                        message: format!(
                            "{} of {draws} draws broke down numerically (GDP no longer \
                             positive, or debt or a price no longer finite) with {} = \
                             {}: `{}` over the others would leave out the worst paths, so the \
                             target cannot be judged there; narrow --within",
                            m.broken_draws,
                            self.adjust,
                            format_number(x),
                            self.metric
                        ),
                    });
                }
                Ok(m.values[0])
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        /// For any monotone cubic and threshold inside its range, the answer meets the
        /// target, the other end does not, and the bracket is within the tolerance.
        #[test]
        fn the_answer_always_meets_the_target(
            a in 0.1f64..5.0, b in -3.0f64..3.0, c in 0.0f64..2.0, t in 0.05f64..0.95,
            decreasing in any::<bool>(), bisect in any::<bool>(),
        ) {
            let sign = if decreasing { -1.0 } else { 1.0 };
            let f = |x: f64| sign * (a * x + c * x * x * x) + b;
            let thr = f(0.0) + t * (f(1.0) - f(0.0));
            let op = if decreasing { Op::Le } else { Op::Ge };
            let search = Search {
                method: if bisect { Method::Bisect } else { Method::Interpolate },
                ..Search::new(0.0, 1.0)
            };
            let s = find_boundary(&search, op, thr, |x| Ok(f(x))).unwrap();
            let Solution::Found { value, other, converged, evaluations, .. } = s else {
                panic!("not bracketed: {s:?}")
            };
            prop_assert!(converged);
            prop_assert!(value.holds && op.holds(f(value.x), thr));
            prop_assert!(!other.holds);
            prop_assert!((value.x - other.x).abs() <= 1e-6);
            prop_assert!(evaluations <= 2 + 2 * 21);
        }
    }

    #[test]
    fn splits_targets_at_the_last_top_level_comparison() {
        let t: Target = "prob(debt_gdp@2040 <= 0.33) >= 0.7".parse().unwrap();
        assert_eq!(t.metric, "prob(debt_gdp@2040 <= 0.33)");
        assert_eq!(t.op, Op::Ge);
        assert_eq!(t.threshold, 0.7);
        let t: Target = " debt_gdp@2035<0.3 ".parse().unwrap();
        assert_eq!(
            (t.metric.as_str(), t.op, t.threshold),
            ("debt_gdp@2035", Op::Lt, 0.3)
        );
        assert!(
            "debt_gdp@2035"
                .parse::<Target>()
                .unwrap_err()
                .contains("no comparison")
        );
        assert!(
            "prob(debt_gdp@2040 <= 0.33"
                .parse::<Target>()
                .unwrap_err()
                .contains("unbalanced")
        );
        assert!(
            "debt_gdp@2035 <= x"
                .parse::<Target>()
                .unwrap_err()
                .contains("not a number")
        );
        assert!(
            "<= 0.3"
                .parse::<Target>()
                .unwrap_err()
                .contains("no metric")
        );
    }

    fn solve(lo: f64, hi: f64, op: Op, thr: f64, f: impl Fn(f64) -> f64) -> Solution {
        find_boundary(&Search::new(lo, hi), op, thr, |x| Ok(f(x))).unwrap()
    }

    #[test]
    fn finds_the_root_of_smooth_monotone_functions_in_few_evaluations() {
        // Decreasing: x^3 + x <= 2 holds for x <= 1.
        let Solution::Found {
            value,
            other,
            evaluations,
            converged,
            ..
        } = solve(0.0, 3.0, Op::Le, 2.0, |x| x * x * x + x)
        else {
            panic!("bracketed")
        };
        assert!(converged);
        assert!(value.holds && !other.holds);
        assert!(value.x <= 1.0 && 1.0 - value.x <= 3e-6, "{value:?}");
        assert!(evaluations < 25, "{evaluations} evaluations");
        // Increasing the other way round: exp(x) >= 5 holds for x >= ln 5.
        let Solution::Found { value, .. } = solve(-2.0, 4.0, Op::Ge, 5.0, f64::exp) else {
            panic!()
        };
        assert!(value.x >= 5f64.ln() && value.x - 5f64.ln() <= 6e-6);
    }

    #[test]
    fn staircases_are_bracketed_to_the_step() {
        // A Monte Carlo share: steps of 1/1000 in x.
        let stair = |x: f64| (x * 1000.0).floor() / 1000.0;
        let Solution::Found {
            value,
            other,
            evaluations,
            ..
        } = solve(0.0, 1.0, Op::Ge, 0.4567, stair)
        else {
            panic!()
        };
        assert!(value.metric >= 0.4567 && other.metric < 0.4567);
        assert!((value.x - 0.457).abs() < 2e-6, "{value:?}");
        assert!(evaluations <= 60, "{evaluations}");
        // Bisection: exactly 2 + ceil(log2(1 / 1e-6)) = 22 evaluations.
        let search = Search {
            method: Method::Bisect,
            ..Search::new(0.0, 1.0)
        };
        let Solution::Found {
            value, evaluations, ..
        } = find_boundary(&search, Op::Ge, 0.4567, |x| Ok(stair(x))).unwrap()
        else {
            panic!()
        };
        assert!((value.x - 0.457).abs() < 2e-6, "{value:?}");
        assert_eq!(evaluations, 22);
    }

    #[test]
    fn says_when_the_target_holds_at_both_or_neither_end() {
        let s = solve(0.0, 1.0, Op::Le, 5.0, |x| x);
        assert!(matches!(s, Solution::HoldsAtBoth { ends } if ends[1].metric == 1.0));
        let s = solve(0.0, 1.0, Op::Gt, 5.0, |x| x);
        assert!(matches!(s, Solution::HoldsAtNeither { ends } if ends[0].metric == 0.0));
    }

    #[test]
    fn strict_and_loose_comparisons_differ_at_equality() {
        // Exactly linear: 2x <= 1 holds at x = 0.5 itself.
        let Solution::Found { value, .. } = solve(0.0, 1.0, Op::Le, 1.0, |x| 2.0 * x) else {
            panic!()
        };
        assert!(value.x <= 0.5 && value.metric <= 1.0);
        let Solution::Found { value, .. } = solve(0.0, 1.0, Op::Lt, 1.0, |x| 2.0 * x) else {
            panic!()
        };
        assert!(value.x < 0.5 && value.metric < 1.0);
    }

    #[test]
    fn a_scan_finds_every_crossing_of_a_non_monotone_metric() {
        // (x - 0.3)(x - 0.7) <= 0 holds on [0.3, 0.7]: two boundaries; the ends alone
        // see neither.
        let f = |x: f64| (x - 0.3) * (x - 0.7);
        let s = solve(0.0, 1.0, Op::Le, 0.0, f);
        assert!(matches!(s, Solution::HoldsAtNeither { .. }));
        let scan = scan_boundaries(&Search::new(0.0, 1.0), Op::Le, 0.0, 10, |x| Ok(f(x))).unwrap();
        assert_eq!(scan.grid.len(), 11);
        assert_eq!(scan.grid[10].x, 1.0);
        assert_eq!(scan.boundaries.len(), 2, "{scan:?}");
        let b = &scan.boundaries;
        assert!(b[0].value.x >= 0.3 && b[0].value.x - 0.3 <= 1e-6 && b[0].other.x < b[0].value.x);
        assert!(b[1].value.x <= 0.7 && 0.7 - b[1].value.x <= 1e-6 && b[1].other.x > b[1].value.x);
        assert!(
            b.iter()
                .all(|b| b.converged && b.value.holds && !b.other.holds)
        );
        // A grid point on a root counts as holding (<=), so 0.3 and 0.7 may be exact.
        assert!(scan.evaluations > 11);
    }

    #[test]
    fn the_evaluation_budget_is_respected() {
        let mut calls = 0;
        let s = find_boundary(
            &Search {
                lo: 0.0,
                hi: 1.0,
                tol: 0.0,
                max_evaluations: 7,
                method: Method::Interpolate,
            },
            Op::Ge,
            0.3,
            |x| {
                calls += 1;
                Ok(x)
            },
        )
        .unwrap();
        let Solution::Found {
            evaluations,
            converged,
            ..
        } = s
        else {
            panic!()
        };
        assert_eq!((evaluations, calls), (7, 7));
        assert!(!converged);
    }
}
