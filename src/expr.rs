//! The grammar of metrics and events: the types ([`Metric`], [`Event`], [`Series`],
//! [`Reduce`], [`Op`]), their parsing and printing, and their evaluation over a path through
//! the [`Outputs`] trait.
//!
//! A crate-private leaf module: it depends only on the leaves `canonical` (the output
//! names and [`Outputs`]) and `stats` (mean, standard deviation, type-7 quantiles), besides
//! the "did you mean" spelling hint of `error`, which depends on nothing in the crate. So
//! the lower layers (the scenario's `[[montecarlo.probabilities]]` events, Monte Carlo
//! probabilities and metrics) use the grammar from here, without reaching up to the metric
//! layer. Its public face is [`crate::metric`], which re-exports every public item here and
//! describes the language for users.

use std::fmt;
use std::str::FromStr;

use crate::canonical::{OUTPUT_NAMES, output_index};
use crate::stats;

pub use crate::canonical::Outputs;

/// How a series reduces a variable over its years.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reduce {
    /// One year: `VAR@YEAR`.
    At,
    /// Average over the span.
    Mean,
    /// Minimum over the span.
    Min,
    /// Maximum over the span.
    Max,
    /// Sum over the span.
    Sum,
}

/// One number per simulated path: a variable in a year, or reduced over a span of years.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    /// Index of the variable in [`crate::canonical::OUTPUT_NAMES`].
    pub var: usize,
    /// The reduction.
    pub reduce: Reduce,
    /// First year of the span (`None`: the first projection year).
    pub from: Option<i32>,
    /// Last year of the span (`None`: the last projection year).
    pub to: Option<i32>,
}

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
}

impl Op {
    /// Whether `a OP b` holds.
    pub fn holds(self, a: f64, b: f64) -> bool {
        match self {
            Op::Lt => a < b,
            Op::Le => a <= b,
            Op::Gt => a > b,
            Op::Ge => a >= b,
        }
    }

    fn text(self) -> &'static str {
        match self {
            Op::Lt => "<",
            Op::Le => "<=",
            Op::Gt => ">",
            Op::Ge => ">=",
        }
    }

    /// Splits `s` at its comparison operator: (left, op, right).
    pub fn split(s: &str) -> Option<(&str, Op, &str)> {
        let i = s.find(['<', '>'])?;
        let (op, len) = match (&s[i..i + 1], s[i + 1..].starts_with('=')) {
            ("<", true) => (Op::Le, 2),
            ("<", false) => (Op::Lt, 1),
            (">", true) => (Op::Ge, 2),
            _ => (Op::Gt, 1),
        };
        Some((&s[..i], op, &s[i + len..]))
    }
}

/// A condition on one simulated path.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// `SERIES OP VALUE`.
    Compare {
        /// The series compared.
        series: Series,
        /// The operator.
        op: Op,
        /// The threshold.
        value: f64,
    },
    /// `VAR@Y1..Y2 OP VALUE`: holds in at least one year of the span.
    Ever {
        /// The variable and span (its `reduce` is [`Reduce::At`] per year).
        series: Series,
        /// The operator.
        op: Op,
        /// The threshold.
        value: f64,
    },
}

/// A number computed from one path (deterministic) or from many draws (Monte Carlo).
#[derive(Debug, Clone, PartialEq)]
pub enum Metric {
    /// A series; over draws, its mean.
    Value(Series),
    /// The type-7 quantile `q` of a series over draws (`p90(...)`, `median(...)`).
    Quantile(Series, f64),
    /// The sample standard deviation of a series over draws.
    Sd(Series),
    /// The share of draws in which an event holds.
    Prob(Event),
}

const GRAMMAR: &str = "write VAR@YEAR, mean|min|max|sum(VAR@Y1..Y2), pNN(SERIES), median(SERIES), \
                       sd(SERIES) or prob(SERIES > X)";

fn unknown_var(name: &str) -> String {
    match crate::error::suggest(name, OUTPUT_NAMES) {
        Some(c) => format!("unknown variable `{name}`: did you mean `{c}`?"),
        None => format!(
            "unknown variable `{name}` (variables: {})",
            OUTPUT_NAMES.join(", ")
        ),
    }
}

fn parse_year(s: &str, what: &str) -> Result<i32, String> {
    s.trim()
        .parse::<i32>()
        .map_err(|_| format!("`{s}` is not a year in `{what}`"))
}

/// `VAR@Y1..Y2` or `VAR@YEAR` → (var, from, to, is_span).
fn parse_var_years(s: &str) -> Result<(usize, Option<i32>, Option<i32>, bool), String> {
    let s = s.trim();
    let (name, years) = s.split_once('@').ok_or_else(|| {
        format!("`{s}` needs a year: write e.g. `debt_gdp@2040` or `real_growth@2026..2028`")
    })?;
    let var = output_index(name.trim()).ok_or_else(|| unknown_var(name.trim()))?;
    match years.split_once("..") {
        Some((a, b)) => {
            let from = if a.trim().is_empty() {
                None
            } else {
                Some(parse_year(a, s)?)
            };
            let to = if b.trim().is_empty() {
                None
            } else {
                Some(parse_year(b, s)?)
            };
            if let (Some(f), Some(t)) = (from, to)
                && f > t
            {
                return Err(format!("the span in `{s}` runs backwards ({f} > {t})"));
            }
            Ok((var, from, to, true))
        }
        None => {
            let y = parse_year(years, s)?;
            Ok((var, Some(y), Some(y), false))
        }
    }
}

/// `name(inner)` → Some((name, inner)).
fn call(s: &str) -> Option<(&str, &str)> {
    let s = s.trim();
    let open = s.find('(')?;
    let inner = s.strip_suffix(')')?.get(open + 1..)?;
    Some((s[..open].trim(), inner))
}

impl FromStr for Series {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if let Some((f, inner)) = call(s) {
            let reduce = match f {
                "mean" => Reduce::Mean,
                "min" => Reduce::Min,
                "max" => Reduce::Max,
                "sum" => Reduce::Sum,
                other => {
                    return Err(format!(
                        "unknown function `{other}` in `{}`: {GRAMMAR}",
                        s.trim()
                    ));
                }
            };
            let (var, from, to, _) = parse_var_years(inner)?;
            return Ok(Series {
                var,
                reduce,
                from,
                to,
            });
        }
        let (var, from, to, span) = parse_var_years(s)?;
        if span {
            return Err(format!(
                "`{}` spans several years: reduce it, e.g. `mean({})`",
                s.trim(),
                s.trim()
            ));
        }
        Ok(Series {
            var,
            reduce: Reduce::At,
            from,
            to,
        })
    }
}

impl Series {
    /// The 0-based indices (first, last) of the span in `years`.
    fn span(&self, years: &[i32]) -> (usize, usize) {
        let first = years.first().copied().unwrap_or_default();
        let idx = |y: i32| (y - first).max(0) as usize;
        let last = years.len().saturating_sub(1);
        (
            self.from.map_or(0, idx).min(last),
            self.to.map_or(last, idx).min(last),
        )
    }

    /// Checks that the years lie within `years`.
    pub fn check(&self, years: &[i32]) -> Result<(), String> {
        let (Some(&first), Some(&last)) = (years.first(), years.last()) else {
            return Err("the scenario has no projection years".into());
        };
        for y in [self.from, self.to].into_iter().flatten() {
            if y < first || y > last {
                return Err(format!(
                    "year {y} in `{self}` is outside the projection years {first}..{last}"
                ));
            }
        }
        Ok(())
    }

    /// The series' value on one path (`path[t]` is year `years[t]`).
    pub fn value<Y: Outputs>(&self, years: &[i32], path: &[Y]) -> f64 {
        let (a, b) = self.span(years);
        let vals = path[a..=b].iter().map(|y| y.output(self.var));
        match self.reduce {
            Reduce::At => path[a].output(self.var),
            Reduce::Mean => vals.sum::<f64>() / (b - a + 1) as f64,
            Reduce::Sum => vals.sum(),
            Reduce::Min => vals.fold(f64::INFINITY, f64::min),
            Reduce::Max => vals.fold(f64::NEG_INFINITY, f64::max),
        }
    }
}

impl fmt::Display for Series {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let var = OUTPUT_NAMES[self.var];
        let years = match (self.from, self.to) {
            (Some(a), Some(b)) if a == b && self.reduce == Reduce::At => a.to_string(),
            (a, b) => format!(
                "{}..{}",
                a.map_or(String::new(), |y| y.to_string()),
                b.map_or(String::new(), |y| y.to_string())
            ),
        };
        let f_name = match self.reduce {
            Reduce::At => return write!(f, "{var}@{years}"),
            Reduce::Mean => "mean",
            Reduce::Min => "min",
            Reduce::Max => "max",
            Reduce::Sum => "sum",
        };
        write!(f, "{f_name}({var}@{years})")
    }
}

impl FromStr for Event {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (lhs, op, rhs) = Op::split(s).ok_or_else(|| {
            format!(
                "`{}` is not a condition: write e.g. `debt_gdp@2040 > 0.6`, `debt_gdp@..2040 > \
                 0.6` (ever by 2040) or `mean(real_growth@2026..2028) >= 0.053`",
                s.trim()
            )
        })?;
        let value: f64 = rhs
            .trim()
            .parse()
            .map_err(|_| format!("`{}` is not a number in `{}`", rhs.trim(), s.trim()))?;
        if call(lhs).is_none() && lhs.contains("..") {
            let (var, from, to, _) = parse_var_years(lhs)?;
            return Ok(Event::Ever {
                series: Series {
                    var,
                    reduce: Reduce::At,
                    from,
                    to,
                },
                op,
                value,
            });
        }
        Ok(Event::Compare {
            series: lhs.parse()?,
            op,
            value,
        })
    }
}

impl Event {
    fn series(&self) -> &Series {
        match self {
            Event::Compare { series, .. } | Event::Ever { series, .. } => series,
        }
    }

    /// Checks that the years lie within `years`.
    pub fn check(&self, years: &[i32]) -> Result<(), String> {
        self.series().check(years)
    }

    /// Whether the event holds on one path.
    pub fn holds<Y: Outputs>(&self, years: &[i32], path: &[Y]) -> bool {
        match self {
            Event::Compare { series, op, value } => op.holds(series.value(years, path), *value),
            Event::Ever { series, op, value } => {
                let (a, b) = series.span(years);
                path[a..=b]
                    .iter()
                    .any(|y| op.holds(y.output(series.var), *value))
            }
        }
    }
}

impl fmt::Display for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Event::Compare { series, op, value } => write!(f, "{series} {} {value}", op.text()),
            Event::Ever { series, op, value } => {
                let var = OUTPUT_NAMES[series.var];
                let y = |v: Option<i32>| v.map_or(String::new(), |y| y.to_string());
                write!(
                    f,
                    "{var}@{}..{} {} {value}",
                    y(series.from),
                    y(series.to),
                    op.text()
                )
            }
        }
    }
}

impl FromStr for Metric {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        if let Some((f, inner)) = call(s) {
            match f {
                "prob" => return Ok(Metric::Prob(inner.parse()?)),
                "sd" => return Ok(Metric::Sd(inner.parse()?)),
                "median" => return Ok(Metric::Quantile(inner.parse()?, 0.5)),
                _ => {}
            }
            if let Some(nn) = f.strip_prefix('p')
                && !nn.is_empty()
                && nn.chars().all(|c| c.is_ascii_digit())
            {
                let q: u32 = nn
                    .parse()
                    .map_err(|_| format!("`{f}` is not a percentile"))?;
                if !(1..=99).contains(&q) {
                    return Err(format!("`{f}`: percentiles run from p1 to p99"));
                }
                return Ok(Metric::Quantile(inner.parse()?, f64::from(q) / 100.0));
            }
        }
        if Op::split(s).is_some() {
            return Err(format!(
                "`{s}` is a condition, not a number: wrap it in prob(...)"
            ));
        }
        Ok(Metric::Value(s.parse()?))
    }
}

impl Metric {
    /// Whether the metric needs Monte Carlo draws (`pNN`, `median`, `sd`, `prob`).
    pub fn needs_draws(&self) -> bool {
        !matches!(self, Metric::Value(_))
    }

    /// Checks that its years lie within `years`.
    pub fn check(&self, years: &[i32]) -> Result<(), String> {
        match self {
            Metric::Value(s) | Metric::Quantile(s, _) | Metric::Sd(s) => s.check(years),
            Metric::Prob(e) => e.check(years),
        }
    }

    /// The per-draw quantity that [`Metric::aggregate`] reduces: the series' value, or 1/0
    /// for an event that holds or not.
    pub fn per_draw<Y: Outputs>(&self, years: &[i32], path: &[Y]) -> f64 {
        match self {
            Metric::Value(s) | Metric::Quantile(s, _) | Metric::Sd(s) => s.value(years, path),
            Metric::Prob(e) => f64::from(u8::from(e.holds(years, path))),
        }
    }

    /// The metric of one deterministic path; an error for metrics that need draws.
    pub fn deterministic<Y: Outputs>(&self, years: &[i32], path: &[Y]) -> Result<f64, String> {
        match self {
            Metric::Value(s) => Ok(s.value(years, path)),
            _ => Err(format!("`{self}` needs Monte Carlo draws: add --draws N")),
        }
    }

    /// The index (in `years`) of the last year the metric reads.
    pub fn last_index(&self, years: &[i32]) -> usize {
        match self {
            Metric::Value(s) | Metric::Quantile(s, _) | Metric::Sd(s) => s.span(years).1,
            Metric::Prob(e) => e.series().span(years).1,
        }
    }

    /// Reduces per-draw values (from [`Metric::per_draw`]) to the metric (reorders them).
    pub fn aggregate(&self, per_draw: &mut [f64]) -> f64 {
        match self {
            Metric::Value(_) | Metric::Prob(_) => stats::mean(per_draw),
            Metric::Quantile(_, q) => stats::quantile_type7(per_draw, *q),
            Metric::Sd(_) => stats::sd(per_draw),
        }
    }
}

impl fmt::Display for Metric {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Metric::Value(s) => write!(f, "{s}"),
            Metric::Quantile(s, q) if *q == 0.5 => write!(f, "median({s})"),
            Metric::Quantile(s, q) => write!(f, "p{}({s})", (q * 100.0).round()),
            Metric::Sd(s) => write!(f, "sd({s})"),
            Metric::Prob(e) => write!(f, "prob({e})"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Year;

    fn path() -> (Vec<i32>, Vec<Year>) {
        let years = vec![2026, 2027, 2028];
        let path = [0.2, 0.35, 0.3]
            .iter()
            .zip([0.05, 0.06, 0.04])
            .map(|(d, g)| Year {
                debt_gdp: *d,
                real_growth: g,
                ..Year::default()
            })
            .collect();
        (years, path)
    }

    #[test]
    fn parses_and_prints_every_form() {
        for s in [
            "debt_gdp@2040",
            "mean(real_growth@2026..2028)",
            "max(debt_gdp@..2040)",
            "p90(debt_gdp@2040)",
            "median(debt_gdp@2040)",
            "sd(mean(real_growth@2026..2028))",
            "prob(debt_gdp@2040 > 0.33)",
            "prob(debt_gdp@..2040 >= 0.6)",
            "prob(mean(real_growth@2026..2028) >= 0.053)",
        ] {
            let m: Metric = s.parse().unwrap_or_else(|e| panic!("{s}: {e}"));
            assert_eq!(m.to_string(), s);
        }
    }

    #[test]
    fn evaluates_series_events_and_aggregates() {
        let (years, p) = path();
        let m: Metric = "mean(real_growth@2026..2028)".parse().unwrap();
        assert!((m.deterministic(&years, &p).unwrap() - 0.05).abs() < 1e-15);
        let e: Event = "debt_gdp@..2028 > 0.33".parse().unwrap();
        assert!(e.holds(&years, &p));
        let e: Event = "debt_gdp@2028 > 0.33".parse().unwrap();
        assert!(!e.holds(&years, &p));
        let q: Metric = "p90(debt_gdp@2027)".parse().unwrap();
        assert!(q.deterministic(&years, &p).is_err());
        assert!((q.aggregate(&mut [1.0, 2.0, 3.0, 4.0, 10.0]) - 7.6).abs() < 1e-12);
        let pr: Metric = "prob(debt_gdp@2027 > 0.3)".parse().unwrap();
        assert_eq!(pr.per_draw(&years, &p), 1.0);
        assert_eq!(pr.aggregate(&mut [1.0, 0.0, 0.0, 1.0]), 0.5);
        assert!(
            "debt_gdp@2030"
                .parse::<Metric>()
                .unwrap()
                .check(&years)
                .is_err()
        );
    }

    #[test]
    fn errors_say_what_would_be_valid() {
        let e = "dept_gdp@2040".parse::<Metric>().unwrap_err();
        assert!(e.contains("did you mean `debt_gdp`"), "{e}");
        assert!(
            "debt_gdp"
                .parse::<Metric>()
                .unwrap_err()
                .contains("needs a year")
        );
        assert!(
            "debt_gdp@2026..2028"
                .parse::<Metric>()
                .unwrap_err()
                .contains("mean(")
        );
        assert!(
            "p100(debt_gdp@2040)"
                .parse::<Metric>()
                .unwrap_err()
                .contains("p99")
        );
        assert!(
            "debt_gdp@2040 > 0.3"
                .parse::<Metric>()
                .unwrap_err()
                .contains("prob(")
        );
        assert!(
            "prob(debt_gdp@2040 > x)"
                .parse::<Metric>()
                .unwrap_err()
                .contains("not a number")
        );
    }
}
