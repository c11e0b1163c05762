//! The `[uncertainty]` section: distributions for structural parameters, drawn once per
//! Monte Carlo draw so that fan charts include model uncertainty, not only shocks.
//!
//! ```toml
//! [uncertainty]
//! spending_multiplier = { distribution = "triangular", min = 0.2, mode = 0.4, max = 0.8 }
//! efficiency = { distribution = "uniform", min = 0.5, max = 0.9 }
//! public_capital_elasticity = { distribution = "truncated_normal", mean = 0.1, sd = 0.02, min = 0.05, max = 0.15 }
//! gap_persistence = { distribution = "normal", mean = 0.5, sd = 0.05 }
//! ```
//!
//! Any scalar of `[structure]` may be given a distribution. Draws happen in the canonical
//! order of the structural parameters (docs/MODEL.md's table), whatever the order in the file,
//! from the draw's own purpose-1 stream, so adding `[uncertainty]` never changes a shock.

use rand::RngExt;
use rand_distr::{Distribution as _, StandardNormal, Triangular};
use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};

use super::reader::Reader;
use super::tree::{Table, Value};
use super::{Structure, path::number};
use crate::error::Loc;

/// The structural parameters, in canonical order.
pub(crate) const STRUCTURE_NAMES: [&str; Structure::NAMES.len()] = Structure::NAMES;

/// The distributions a structural parameter may follow.
pub(crate) const DISTRIBUTIONS: [&str; 4] = ["uniform", "normal", "truncated_normal", "triangular"];

/// The distribution of one uncertain structural parameter.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "distribution", rename_all = "snake_case")]
pub enum ParamDistribution {
    /// Uniform on \[min, max\].
    Uniform {
        /// Lower bound.
        min: f64,
        /// Upper bound.
        max: f64,
    },
    /// Normal with mean and standard deviation (unbounded).
    Normal {
        /// Mean.
        mean: f64,
        /// Standard deviation (> 0).
        sd: f64,
    },
    /// A normal(mean, sd) restricted to \[min, max\] (drawn by rejection).
    TruncatedNormal {
        /// Mean of the untruncated normal.
        mean: f64,
        /// Standard deviation of the untruncated normal (> 0).
        sd: f64,
        /// Lower bound.
        min: f64,
        /// Upper bound.
        max: f64,
    },
    /// Triangular on \[min, max\] with its peak at mode.
    Triangular {
        /// Lower bound.
        min: f64,
        /// Most likely value.
        mode: f64,
        /// Upper bound.
        max: f64,
    },
}

impl ParamDistribution {
    /// One draw from the distribution.
    pub fn sample<R: rand::Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        match *self {
            ParamDistribution::Uniform { min, max } => min + (max - min) * rng.random::<f64>(),
            ParamDistribution::Normal { mean, sd } => {
                mean + sd * rng.sample::<f64, _>(StandardNormal)
            }
            ParamDistribution::TruncatedNormal { mean, sd, min, max } => loop {
                // Validation guarantees an acceptance probability of at least 1e-3.
                let x = mean + sd * rng.sample::<f64, _>(StandardNormal);
                if (min..=max).contains(&x) {
                    break x;
                }
            },
            ParamDistribution::Triangular { min, mode, max } => {
                Triangular::new(min, max, mode).map_or(mode, |t| t.sample(rng))
            }
        }
    }
}

/// The uncertain structural parameters of a scenario, in canonical order.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Uncertainty {
    /// (structural parameter name, its distribution).
    pub params: Vec<(&'static str, ParamDistribution)>,
}

impl Serialize for Uncertainty {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(self.params.len()))?;
        for (k, v) in &self.params {
            m.serialize_entry(k, v)?;
        }
        m.end()
    }
}

impl Uncertainty {
    /// The structure of one draw: `base` with every uncertain parameter drawn, in
    /// canonical order, from `rng`.
    pub fn draw<R: rand::Rng + ?Sized>(&self, base: &Structure, rng: &mut R) -> Structure {
        let mut st = base.clone();
        for (name, dist) in &self.params {
            let x = dist.sample(rng);
            if let Some(slot) = field(&mut st, name) {
                *slot = x;
            }
        }
        st
    }
}

/// The field of `st` named `name`.
pub fn field<'a>(st: &'a mut Structure, name: &str) -> Option<&'a mut f64> {
    st.field_mut(name)
}

/// The standard normal CDF (Abramowitz & Stegun 7.1.26, absolute error < 1.5e-7).
fn normal_cdf(x: f64) -> f64 {
    let z = x.abs() / std::f64::consts::SQRT_2;
    let t = 1.0 / (1.0 + 0.3275911 * z);
    let poly = t
        * (0.254829592
            + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
    let erf = 1.0 - poly * (-z * z).exp();
    if x >= 0.0 {
        0.5 * (1.0 + erf)
    } else {
        0.5 * (1.0 - erf)
    }
}

/// The parameters of a `kind` distribution read from `spec` (at `loc`, under the dotted
/// `key`), in the order
/// the kind takes them; `None`, with errors reported, when one is missing or bad or an
/// unknown key is given.
fn read_values(r: &mut Reader, key: &str, spec: &Table, loc: &Loc, kind: &str) -> Option<Vec<f64>> {
    let mut err = |loc: &Loc, msg: String| r.err(Some(loc), key, msg);
    let needed: &[&str] = match kind {
        "uniform" => &["min", "max"],
        "normal" => &["mean", "sd"],
        "truncated_normal" => &["mean", "sd", "min", "max"],
        _ => &["min", "mode", "max"],
    };
    let mut ok = true;
    for e in &spec.entries {
        if e.key != "distribution" && !needed.contains(&e.key.as_str()) {
            err(
                &e.key_loc,
                format!(
                    "unknown key `{}` for a {kind} distribution (it takes distribution, {})",
                    e.key,
                    needed.join(", ")
                ),
            );
            ok = false;
        }
    }
    let mut values = Vec::new();
    for k in needed {
        match spec.get(k) {
            None => {
                err(
                    loc,
                    format!(
                        "a {kind} distribution needs `{k}` (it takes {})",
                        needed.join(", ")
                    ),
                );
                ok = false;
            }
            Some(n) => match number(n) {
                Some(x) if x.is_finite() => values.push(x),
                _ => {
                    err(&n.loc, format!("`{k}` must be a finite number"));
                    ok = false;
                }
            },
        }
    }
    ok.then_some(values)
}

/// The distribution of `kind` with its parameters `values` (as read by [`read_values`]).
fn distribution(kind: &str, values: &[f64]) -> ParamDistribution {
    match kind {
        "uniform" => ParamDistribution::Uniform {
            min: values[0],
            max: values[1],
        },
        "normal" => ParamDistribution::Normal {
            mean: values[0],
            sd: values[1],
        },
        "truncated_normal" => ParamDistribution::TruncatedNormal {
            mean: values[0],
            sd: values[1],
            min: values[2],
            max: values[3],
        },
        _ => ParamDistribution::Triangular {
            min: values[0],
            mode: values[1],
            max: values[2],
        },
    }
}

/// What is wrong with a distribution's parameters (empty bounds, sd not positive), if
/// anything.
fn problem(dist: &ParamDistribution) -> Option<String> {
    match *dist {
        ParamDistribution::Uniform { min, max } if min >= max => {
            Some(format!("needs min < max, found min = {min}, max = {max}"))
        }
        ParamDistribution::Normal { sd, .. } | ParamDistribution::TruncatedNormal { sd, .. }
            if sd <= 0.0 =>
        {
            Some(format!("needs sd > 0, found {sd}"))
        }
        ParamDistribution::TruncatedNormal { min, max, .. } if min >= max => {
            Some(format!("needs min < max, found min = {min}, max = {max}"))
        }
        ParamDistribution::TruncatedNormal { mean, sd, min, max }
            if normal_cdf((max - mean) / sd) - normal_cdf((min - mean) / sd) < 1e-3 =>
        {
            Some(format!(
                "[{min}, {max}] holds less than 0.1 % of a normal with mean {mean} and sd \
                 {sd}: move the bounds towards the mean"
            ))
        }
        ParamDistribution::Triangular { min, mode, max }
            if !(min <= mode && mode <= max && min < max) =>
        {
            Some(format!(
                "needs min <= mode <= max and min < max, found min = {min}, mode = {mode}, \
                 max = {max}"
            ))
        }
        _ => None,
    }
}

/// The ends of a distribution's support (8 sd for a normal), each with its name.
fn support_bounds(dist: &ParamDistribution) -> Vec<(f64, &'static str)> {
    match *dist {
        ParamDistribution::Uniform { min, max }
        | ParamDistribution::TruncatedNormal { min, max, .. }
        | ParamDistribution::Triangular { min, max, .. } => vec![(min, "min"), (max, "max")],
        ParamDistribution::Normal { mean, sd } => {
            vec![
                (mean - 8.0 * sd, "mean - 8 sd"),
                (mean + 8.0 * sd, "mean + 8 sd"),
            ]
        }
    }
}

/// Parses `[uncertainty]` (unknown parameter names are already reported by the caller).
/// `check(name, x)` says why `x` is not a valid value of structural parameter `name`.
/// Returns `None` after reporting mistakes to `r`.
pub(super) fn resolve(
    r: &mut Reader,
    t: Option<&Table>,
    check: impl Fn(&str, f64) -> Option<String>,
) -> Option<Option<Uncertainty>> {
    let Some(t) = t else { return Some(None) };
    let before = r.mark();
    let mut params = Vec::new();
    for name in STRUCTURE_NAMES {
        let Some(node) = t.get(name) else { continue };
        let key = format!("uncertainty.{name}");
        let Value::Table(spec) = &node.value else {
            r.err(
                Some(&node.loc),
                &key,
                format!(
                    "expected a table such as {{ distribution = \"uniform\", min = 0.3, max = 0.7 \
                     }}, found a {}",
                    node.value.type_name()
                ),
            );
            continue;
        };
        let kind = match spec.get("distribution").map(|n| &n.value) {
            Some(Value::Str(d)) if DISTRIBUTIONS.contains(&d.as_str()) => d.as_str(),
            other => {
                let found = match other {
                    None => "nothing".to_string(),
                    Some(Value::Str(s)) => format!("\"{s}\""),
                    Some(v) => format!("a {}", v.type_name()),
                };
                r.err(
                    Some(spec.get("distribution").map_or(&node.loc, |n| &n.loc)),
                    &key,
                    format!(
                        "`distribution` must be one of \"uniform\", \"normal\", \
                         \"truncated_normal\", \"triangular\"; found {found}"
                    ),
                );
                continue;
            }
        };
        let Some(values) = read_values(r, &key, spec, &node.loc, kind) else {
            continue;
        };
        let dist = distribution(kind, &values);
        let problem = problem(&dist);
        if let Some(p) = problem {
            r.err(Some(&node.loc), &key, p);
            continue;
        }
        // The support must lie within the parameter's valid range.
        let bounds = support_bounds(&dist);
        let mut bad = false;
        for (x, what) in bounds {
            if let Some(why) = check(name, x) {
                let hint = if matches!(dist, ParamDistribution::Normal { .. }) {
                    ": a normal can draw such values; use distribution = \"truncated_normal\" with \
                     min and max inside the valid range"
                } else {
                    ""
                };
                r.err(
                    Some(&node.loc),
                    &key,
                    format!("{what} = {x}: every draw of `{name}` {why}{hint}"),
                );
                bad = true;
                break;
            }
        }
        if !bad {
            params.push((name, dist));
        }
    }
    if !r.since(before) {
        return None;
    }
    Some((!params.is_empty()).then_some(Uncertainty { params }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn normal_cdf_is_accurate() {
        assert!((normal_cdf(0.0) - 0.5).abs() < 1e-7);
        assert!((normal_cdf(1.959963985) - 0.975).abs() < 2e-7);
        assert!((normal_cdf(-1.0) - 0.158655254).abs() < 2e-7);
    }

    #[test]
    fn draws_have_the_right_moments_and_support() {
        let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(7);
        let n = 200_000;
        let cases = [
            (
                ParamDistribution::Uniform { min: 0.2, max: 0.8 },
                0.5,
                0.6 / 12f64.sqrt(),
            ),
            (ParamDistribution::Normal { mean: 0.4, sd: 0.1 }, 0.4, 0.1),
            (
                ParamDistribution::Triangular {
                    min: 0.0,
                    mode: 0.3,
                    max: 0.9,
                },
                0.4,
                (0.81f64 + 0.09 - 0.27).sqrt() / 18f64.sqrt(),
            ),
        ];
        for (d, mean, sd) in cases {
            let x: Vec<f64> = (0..n).map(|_| d.sample(&mut rng)).collect();
            let m = x.iter().sum::<f64>() / n as f64;
            let s = (x.iter().map(|v| (v - m).powi(2)).sum::<f64>() / (n - 1) as f64).sqrt();
            assert!(
                (m - mean).abs() < 4.0 * sd / (n as f64).sqrt(),
                "{d:?}: mean {m}"
            );
            assert!((s - sd).abs() < 0.01 * sd, "{d:?}: sd {s} vs {sd}");
        }
        let tn = ParamDistribution::TruncatedNormal {
            mean: 0.1,
            sd: 0.05,
            min: 0.08,
            max: 0.2,
        };
        let x: Vec<f64> = (0..10_000).map(|_| tn.sample(&mut rng)).collect();
        assert!(x.iter().all(|v| (0.08..=0.2).contains(v)));
        // Mean of N(0.1, 0.05) truncated to [0.08, 0.2]:
        // 0.1 + 0.05 (phi(-0.4) - phi(2)) / (Phi(2) - Phi(-0.4)).
        let m = x.iter().sum::<f64>() / x.len() as f64;
        let phi = |z: f64| (-0.5 * z * z).exp() / (2.0 * std::f64::consts::PI).sqrt();
        let want = 0.1 + 0.05 * (phi(-0.4) - phi(2.0)) / (normal_cdf(2.0) - normal_cdf(-0.4));
        assert!((m - want).abs() < 0.001, "{m} vs {want}");
    }
}
