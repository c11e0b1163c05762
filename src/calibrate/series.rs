//! From data columns to the six shock series of docs/MODEL.md: the `--map` mappings, their
//! transforms (`pct`, `diff`, `log-diff`, `demean`, `detrend`, `hp`, `potential`,
//! `demand`), the Hodrick-Prescott filter and the split of real growth into potential
//! growth and demand.
//!
//! Transforms apply left to right. The point-wise ones (`pct`, `diff`, `log-diff`) apply
//! to the whole column; the others use statistics of the estimation window (its mean, its
//! trend, its HP filter) and apply to the window only, so they must come last.

use std::fmt;

use nalgebra::{DMatrix, DVector};

use crate::scenario::{N_SHOCKS, SHOCK_NAMES};

/// One step of a mapping.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transform {
    /// Percent to fraction: x / 100.
    Pct,
    /// First difference x_t - x_{t-1}.
    Diff,
    /// Log change ln x_t - ln x_{t-1} (x must be positive).
    LogDiff,
    /// Deviation from the window mean.
    Demean,
    /// Deviation from a linear trend fitted by least squares over the window.
    Detrend,
    /// Deviation from the Hodrick-Prescott trend over the window (the HP cycle).
    Hp,
    /// Real growth (fraction) to potential growth (fraction), by the `--split`.
    Potential,
    /// Real growth (fraction) to the demand shock (fraction of GDP), by the `--split`.
    Demand,
}

/// Every transform with its name in `--map`.
pub const TRANSFORMS: [(&str, Transform); 8] = [
    ("pct", Transform::Pct),
    ("diff", Transform::Diff),
    ("log-diff", Transform::LogDiff),
    ("demean", Transform::Demean),
    ("detrend", Transform::Detrend),
    ("hp", Transform::Hp),
    ("potential", Transform::Potential),
    ("demand", Transform::Demand),
];

impl Transform {
    /// The name used in `--map`.
    pub fn name(self) -> &'static str {
        TRANSFORMS
            .iter()
            .find(|(_, t)| *t == self)
            .map_or("?", |(n, _)| n)
    }

    /// Whether it applies value by value to the whole column (rather than over the window).
    pub fn pointwise(self) -> bool {
        matches!(self, Transform::Pct | Transform::Diff | Transform::LogDiff)
    }
}

/// Where one shock's history comes from.
#[derive(Debug, Clone, PartialEq)]
pub enum Source {
    /// No history: the shock is switched off (sd 0, no persistence, no correlation).
    None,
    /// A data column and the transforms applied to it, in order.
    Column {
        /// The column name in the CSV header.
        column: String,
        /// The transforms, applied left to right.
        transforms: Vec<Transform>,
    },
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::None => write!(f, "none"),
            Source::Column { column, transforms } => {
                write!(f, "{column}")?;
                for t in transforms {
                    write!(f, ":{}", t.name())?;
                }
                Ok(())
            }
        }
    }
}

/// One `--map shock=column[:transform...]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Mapping {
    /// Index of the shock in [`SHOCK_NAMES`].
    pub shock: usize,
    /// The history of that shock.
    pub source: Source,
}

/// The default mapping for the shipped `data/kazakhstan_macro_annual.csv`, in shock order.
pub const DEFAULT_MAP: [&str; N_SHOCKS] = [
    "potential_growth=rgdp_growth_wdi:pct:potential:demean",
    "demand=rgdp_growth_wdi:pct:demand:demean",
    "inflation=gdp_deflator_infl_wdi:pct:demean",
    "commodity_price=brent_usd_eia:log-diff:demean",
    "interest_rate=gsec10y_avg_afr:pct:detrend",
    "exchange_rate=kzt_per_usd_wdi:log-diff:demean",
    "primary_balance=none",
];

fn suggest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    crate::error::closest(word, candidates)
        .filter(|(s, _)| *s > 0.8)
        .map(|(_, c)| c)
}

fn did_you_mean(s: Option<&str>) -> String {
    s.map_or(String::new(), |c| format!(" (did you mean `{c}`?)"))
}

impl std::str::FromStr for Mapping {
    type Err = String;

    /// Parses `shock=column[:transform...]` or `shock=none`; checks shock and transform
    /// names (columns are checked against the data later).
    fn from_str(s: &str) -> Result<Self, String> {
        let Some((shock, rhs)) = s.split_once('=') else {
            return Err(format!(
                "expected SHOCK=COLUMN[:TRANSFORM...], e.g. \
                 `inflation=gdp_deflator_infl_wdi:pct:demean`, found `{s}`"
            ));
        };
        let shock = shock.trim();
        let Some(i) = SHOCK_NAMES.iter().position(|n| *n == shock) else {
            return Err(format!(
                "unknown shock `{shock}`{}; the shocks are {}",
                did_you_mean(suggest(shock, SHOCK_NAMES)),
                SHOCK_NAMES.join(", ")
            ));
        };
        let rhs = rhs.trim();
        if rhs == "none" {
            return Ok(Mapping {
                shock: i,
                source: Source::None,
            });
        }
        let mut parts = rhs.split(':');
        let column = parts.next().unwrap_or_default().trim().to_string();
        if column.is_empty() {
            return Err(format!(
                "`{shock}=` needs a column name (or `none` to switch the shock off)"
            ));
        }
        let mut transforms = Vec::new();
        for p in parts {
            let p = p.trim();
            let Some((_, t)) = TRANSFORMS.iter().find(|(n, _)| *n == p) else {
                return Err(format!(
                    "unknown transform `{p}` in `{s}`{}; the transforms are {}",
                    did_you_mean(suggest(p, TRANSFORMS.iter().map(|(n, _)| *n))),
                    TRANSFORMS
                        .iter()
                        .map(|(n, _)| *n)
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            };
            if t.pointwise()
                && let Some(prev) = transforms.iter().find(|t: &&Transform| !t.pointwise())
            {
                return Err(format!(
                    "in `{s}`, `{}` comes after `{}`: put pct, diff and log-diff first (they apply \
                     to the whole column), then demean, detrend, hp, potential or demand (they \
                     apply over the window)",
                    t.name(),
                    prev.name()
                ));
            }
            transforms.push(*t);
        }
        Ok(Mapping {
            shock: i,
            source: Source::Column { column, transforms },
        })
    }
}

/// How real growth is split into potential growth and the demand shock.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Split {
    /// Hodrick-Prescott filter of the log real-GDP level rebuilt from growth: potential
    /// growth is the growth of the HP trend; the output gap is the deviation from it and the
    /// demand shock is the gap's innovation gap_t - rho * gap_{t-1} (MODEL.md, equation 2).
    Hp,
    /// A fixed share: potential growth = share * growth, demand = (1 - share) * growth.
    Share,
}

/// Parameters of the window transforms.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SeriesOptions {
    /// The potential/demand split.
    pub split: Split,
    /// Smoothing parameter of the HP filter (annual data: 100 classic, 6.25 Ravn-Uhlig).
    pub hp_lambda: f64,
    /// rho of MODEL.md's gap equation, used to back the demand shock out of the gap.
    pub gap_persistence: f64,
    /// The potential share of growth for `--split share` (fraction in [0, 1]).
    pub potential_share: f64,
}

impl Default for SeriesOptions {
    fn default() -> Self {
        SeriesOptions {
            split: Split::Hp,
            hp_lambda: 100.0,
            gap_persistence: 0.5,
            potential_share: 0.5,
        }
    }
}

/// Applies the point-wise transforms of `transforms` (the leading ones) to a whole column.
/// Errors name the year of a value a transform cannot take (a log of a non-positive number).
pub fn pointwise(
    years: &[i32],
    values: &[Option<f64>],
    transforms: &[Transform],
) -> Result<Vec<Option<f64>>, String> {
    let mut v = values.to_vec();
    for t in transforms.iter().take_while(|t| t.pointwise()) {
        v = match t {
            Transform::Pct => v.iter().map(|x| x.map(|x| x / 100.0)).collect(),
            Transform::Diff => lagged(&v, |a, b| Ok(b - a))?,
            Transform::LogDiff => {
                if let Some((i, x)) = v
                    .iter()
                    .enumerate()
                    .find_map(|(i, x)| x.filter(|x| *x <= 0.0).map(|x| (i, x)))
                {
                    return Err(format!(
                        "log-diff needs positive values, but the value in {} is {x}",
                        years[i]
                    ));
                }
                lagged(&v, |a, b| Ok(b.ln() - a.ln()))?
            }
            _ => v,
        };
    }
    Ok(v)
}

fn lagged(
    v: &[Option<f64>],
    f: impl Fn(f64, f64) -> Result<f64, String>,
) -> Result<Vec<Option<f64>>, String> {
    let mut out = vec![None; v.len()];
    for i in 1..v.len() {
        if let (Some(a), Some(b)) = (v[i - 1], v[i]) {
            out[i] = Some(f(a, b)?);
        }
    }
    Ok(out)
}

/// Applies the window transforms of `transforms` (those after the point-wise ones) to the
/// values of the window. `years` are the window's years, for messages.
pub fn windowed(
    years: &[i32],
    values: &[f64],
    transforms: &[Transform],
    opts: &SeriesOptions,
) -> Result<Vec<f64>, String> {
    let mut v = values.to_vec();
    for t in transforms.iter().skip_while(|t| t.pointwise()) {
        v = match t {
            Transform::Demean => demean(&v),
            Transform::Detrend => detrend(&v),
            Transform::Hp => {
                let trend = hp_trend(&v, opts.hp_lambda);
                v.iter().zip(&trend).map(|(x, t)| x - t).collect()
            }
            Transform::Potential | Transform::Demand => {
                if let Some((i, g)) = v.iter().enumerate().find(|(_, g)| g.abs() >= 1.0) {
                    return Err(format!(
                        "`{}` takes real growth as a fraction (0.05 = 5 %), but the value in {} is \
                         {g}; add `:pct` if the column is in percent",
                        t.name(),
                        years[i]
                    ));
                }
                split(&v, *t == Transform::Potential, opts)
            }
            _ => v,
        };
    }
    Ok(v)
}

/// Deviation from the mean.
pub fn demean(v: &[f64]) -> Vec<f64> {
    let m = v.iter().sum::<f64>() / v.len().max(1) as f64;
    v.iter().map(|x| x - m).collect()
}

/// Deviation from the least-squares line a + b t.
pub fn detrend(v: &[f64]) -> Vec<f64> {
    let n = v.len() as f64;
    let tm = (n - 1.0) / 2.0;
    let ym = v.iter().sum::<f64>() / n.max(1.0);
    let (mut sxy, mut sxx) = (0.0, 0.0);
    for (t, y) in v.iter().enumerate() {
        sxy += (t as f64 - tm) * (y - ym);
        sxx += (t as f64 - tm).powi(2);
    }
    let b = if sxx > 0.0 { sxy / sxx } else { 0.0 };
    v.iter()
        .enumerate()
        .map(|(t, y)| y - ym - b * (t as f64 - tm))
        .collect()
}

/// The Hodrick-Prescott trend: minimises sum (y - tau)^2 + lambda * sum (second
/// difference of tau)^2, by solving (I + lambda D'D) tau = y. Fewer than 3 points, or
/// lambda = 0, give y itself.
pub fn hp_trend(y: &[f64], lambda: f64) -> Vec<f64> {
    let n = y.len();
    if n < 3 || lambda <= 0.0 {
        return y.to_vec();
    }
    let mut m = DMatrix::<f64>::identity(n, n);
    for r in 0..n - 2 {
        let d = [(r, 1.0), (r + 1, -2.0), (r + 2, 1.0)];
        for &(i, a) in &d {
            for &(j, b) in &d {
                m[(i, j)] += lambda * a * b;
            }
        }
    }
    // I + lambda D'D is symmetric positive definite: Cholesky always succeeds.
    match m.cholesky() {
        Some(c) => c
            .solve(&DVector::from_column_slice(y))
            .iter()
            .copied()
            .collect(),
        None => y.to_vec(),
    }
}

/// Potential growth (`potential = true`) or the demand shock from real growth `g`.
fn split(g: &[f64], potential: bool, opts: &SeriesOptions) -> Vec<f64> {
    match opts.split {
        Split::Share => {
            let s = if potential {
                opts.potential_share
            } else {
                1.0 - opts.potential_share
            };
            g.iter().map(|x| s * x).collect()
        }
        Split::Hp => {
            // Log real GDP, 0 in the year before the window.
            let mut y = Vec::with_capacity(g.len() + 1);
            y.push(0.0);
            for x in g {
                y.push(y[y.len() - 1] + x.ln_1p());
            }
            let tau = hp_trend(&y, opts.hp_lambda);
            if potential {
                tau.windows(2).map(|w| (w[1] - w[0]).exp_m1()).collect()
            } else {
                let gap: Vec<f64> = y.iter().zip(&tau).map(|(y, t)| (y - t).exp_m1()).collect();
                gap.windows(2)
                    .map(|w| w[1] - opts.gap_persistence * w[0])
                    .collect()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_mappings_with_helpful_errors() {
        let m: Mapping = "inflation=gdp_deflator_infl_wdi:pct:demean"
            .parse()
            .unwrap();
        assert_eq!(m.shock, 2);
        assert_eq!(
            m.source.to_string(),
            "gdp_deflator_infl_wdi:pct:demean",
            "round trip"
        );
        let e = "inflaton=x".parse::<Mapping>().unwrap_err();
        assert!(e.contains("did you mean `inflation`"), "{e}");
        let e = "inflation=x:log_diff".parse::<Mapping>().unwrap_err();
        assert!(e.contains("did you mean `log-diff`"), "{e}");
        let e = "inflation=x:demean:pct".parse::<Mapping>().unwrap_err();
        assert!(e.contains("`pct` comes after `demean`"), "{e}");
        let m: Mapping = "demand=none".parse().unwrap();
        assert_eq!(m.source, Source::None);
        for d in DEFAULT_MAP {
            assert!(d.parse::<Mapping>().is_ok(), "{d}");
        }
    }

    #[test]
    fn pointwise_transforms() {
        let years = [2000, 2001, 2002];
        let v = [Some(100.0), Some(110.0), None];
        let d = pointwise(&years, &v, &[Transform::Diff]).unwrap();
        assert_eq!(d, vec![None, Some(10.0), None]);
        let l = pointwise(&years, &v, &[Transform::LogDiff]).unwrap();
        assert!((l[1].unwrap() - 1.1f64.ln()).abs() < 1e-15);
        let p = pointwise(&years, &v, &[Transform::Pct, Transform::Demean]).unwrap();
        assert_eq!(p, vec![Some(1.0), Some(1.1), None]);
        let e = pointwise(&years, &[Some(1.0), Some(0.0), None], &[Transform::LogDiff]);
        assert!(e.unwrap_err().contains("2001"));
    }

    #[test]
    fn detrend_removes_a_line_and_hp_keeps_it() {
        let line: Vec<f64> = (0..10).map(|t| 2.0 + 0.5 * t as f64).collect();
        assert!(detrend(&line).iter().all(|x| x.abs() < 1e-12));
        // A straight line has zero second differences: the HP trend is the line itself.
        let tau = hp_trend(&line, 1600.0);
        for (a, b) in tau.iter().zip(&line) {
            assert!((a - b).abs() < 1e-9, "{a} vs {b}");
        }
        // With a huge lambda the trend of any series tends to its least-squares line.
        let y = [1.0, 3.0, 2.0, 5.0, 4.0, 6.0];
        let tau = hp_trend(&y, 1e9);
        let resid = detrend(&y);
        for ((t, y), r) in tau.iter().zip(&y).zip(&resid) {
            assert!((y - t - r).abs() < 1e-5);
        }
        // lambda = 0: the trend is the data.
        assert_eq!(hp_trend(&y, 0.0), y.to_vec());
    }

    #[test]
    fn hp_split_of_constant_growth_is_all_potential() {
        let g = vec![0.05; 12];
        let opts = SeriesOptions::default();
        let pot = split(&g, true, &opts);
        let dem = split(&g, false, &opts);
        for (p, d) in pot.iter().zip(&dem) {
            assert!((p - 0.05).abs() < 1e-9, "{p}");
            assert!(d.abs() < 1e-9, "{d}");
        }
        let share = SeriesOptions {
            split: Split::Share,
            potential_share: 0.3,
            ..opts
        };
        assert!((split(&g, true, &share)[0] - 0.015).abs() < 1e-15);
        assert!((split(&g, false, &share)[0] - 0.035).abs() < 1e-15);
    }

    mod properties {
        use super::super::*;
        use proptest::prelude::*;

        proptest! {
            #[test]
            fn hp_trend_is_linear_and_keeps_lines(
                y in proptest::collection::vec(-1.0f64..1.0, 3..30),
                a in -3.0f64..3.0,
                b in -1.0f64..1.0,
                lambda in 0.0f64..2000.0,
            ) {
                // HP(y + a + b t) = HP(y) + a + b t: lines pass through untouched.
                let shifted: Vec<f64> = y.iter().enumerate().map(|(t, v)| v + a + b * t as f64).collect();
                let t1 = hp_trend(&y, lambda);
                let t2 = hp_trend(&shifted, lambda);
                for (t, (u, v)) in t1.iter().zip(&t2).enumerate() {
                    prop_assert!((v - u - a - b * t as f64).abs() < 1e-8);
                }
                // The cycle sums to zero (the trend keeps the mean).
                let cycle: f64 = y.iter().zip(&t1).map(|(y, t)| y - t).sum();
                prop_assert!(cycle.abs() < 1e-8);
            }

            #[test]
            fn demean_and_detrend_leave_zero_mean(y in proptest::collection::vec(-5.0f64..5.0, 2..40)) {
                prop_assert!(demean(&y).iter().sum::<f64>().abs() < 1e-9);
                let d = detrend(&y);
                prop_assert!(d.iter().sum::<f64>().abs() < 1e-9);
                let slope: f64 = d.iter().enumerate().map(|(t, v)| t as f64 * v).sum();
                prop_assert!(slope.abs() < 1e-7);
            }

            #[test]
            fn hp_split_adds_back_to_growth(
                g in proptest::collection::vec(-0.1f64..0.15, 4..30),
                lambda in 1.0f64..2000.0,
            ) {
                // ln(1 + g_t) = ln(1 + potential_t) + ln(1 + gap_t) - ln(1 + gap_(t-1)), exactly;
                // with rho = 0 the demand series is the gap itself.
                let opts = SeriesOptions { hp_lambda: lambda, gap_persistence: 0.0, ..SeriesOptions::default() };
                let pot = split(&g, true, &opts);
                let gap = split(&g, false, &opts);
                for t in 1..g.len() {
                    let rebuilt = pot[t].ln_1p() + gap[t].ln_1p() - gap[t - 1].ln_1p();
                    prop_assert!((g[t].ln_1p() - rebuilt).abs() < 1e-10, "year {}: {} vs \
                        {}", t, g[t], rebuilt);
                }
            }
        }
    }
}
