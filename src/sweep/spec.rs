//! The values of one varied parameter: `--vary PATH=SPEC`.
//!
//! A SPEC is one of
//! - `a:b:step`: from `a` to `b` (included when reached) by `step`, e.g. `0.2:0.8:0.1`;
//! - `a:b/N`: `N` evenly spaced points from `a` to `b`, both included, e.g. `0.2:0.8/7`;
//! - `a,b,c`: a list (a single number is a list of one), e.g. `0.2,0.4,0.8`;
//! - `a:b`: a continuous range, for Latin hypercube designs and sensitivity analysis.
//!
//! Every spec has bounds (its smallest and largest value), which Latin hypercube
//! designs and the sensitivity methods use as the range of the parameter.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::scenario::{Address, Override};

/// The most values one spec may produce.
pub(crate) const MAX_VALUES: usize = 1_000_000;

/// The values of one parameter (see the module documentation for the syntax).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Spec {
    /// `a:b:step`.
    Step {
        /// First value.
        from: f64,
        /// Last value (included when the steps reach it, within rounding).
        to: f64,
        /// Step, with the sign of `to - from`.
        step: f64,
    },
    /// `a:b/N`: `points` evenly spaced values, both ends included.
    Points {
        /// First value.
        from: f64,
        /// Last value.
        to: f64,
        /// Number of points, at least 2.
        points: usize,
    },
    /// `a,b,c`.
    List(Vec<f64>),
    /// `a:b`: a continuous range.
    Range {
        /// Lower end.
        lo: f64,
        /// Upper end.
        hi: f64,
    },
}

/// Rounds to 12 significant digits, removing the noise of `a + k * step`
/// (0.30000000000000004 becomes 0.3), so that values read as the analyst wrote them.
pub(crate) fn clean(x: f64) -> f64 {
    if x == 0.0 || !x.is_finite() {
        return x;
    }
    format!("{x:.11e}").parse().unwrap_or(x)
}

fn number(text: &str, what: &str) -> Result<f64, String> {
    let t = text.trim();
    let x: f64 = t
        .parse()
        .map_err(|_| format!("`{t}` is not a number ({what})"))?;
    if x.is_finite() {
        Ok(x)
    } else {
        Err(format!("`{t}` is not a finite number ({what})"))
    }
}

const SYNTAX: &str = "write `a:b:step` (e.g. 0.2:0.8:0.1), `a:b/N` (N points, e.g. 0.2:0.8/7), a \
                      list `a,b,c` or a range `a:b`";

impl FromStr for Spec {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        if s.is_empty() {
            return Err(format!("empty values: {SYNTAX}"));
        }
        if s.contains(',') {
            if s.contains(':') {
                return Err(format!("`{s}` mixes a list and a range: {SYNTAX}"));
            }
            let values = s
                .split(',')
                .map(|v| number(v, "in a list"))
                .collect::<Result<Vec<f64>, String>>()?;
            return Ok(Spec::List(values));
        }
        let parts: Vec<&str> = s.split(':').collect();
        match parts[..] {
            [single] => Ok(Spec::List(vec![number(single, "a single value")?])),
            [a, b] => match b.split_once('/') {
                Some((b, n)) => {
                    let from = number(a, "the start")?;
                    let to = number(b, "the end")?;
                    let points: usize = n.trim().parse().map_err(|_| {
                        format!(
                            "`{}` after `/` is not a number of points (write e.g. 0.2:0.8/7)",
                            n.trim()
                        )
                    })?;
                    if !(2..=MAX_VALUES).contains(&points) {
                        return Err(format!(
                            "`{s}`: the number of points must be from 2 to {MAX_VALUES}, \
                             found {points}"
                        ));
                    }
                    Ok(Spec::Points { from, to, points })
                }
                None => {
                    let lo = number(a, "the lower end")?;
                    let hi = number(b, "the upper end")?;
                    if lo >= hi {
                        return Err(format!(
                            "`{s}`: a range `lo:hi` needs lo < hi, found {lo} >= {hi}"
                        ));
                    }
                    Ok(Spec::Range { lo, hi })
                }
            },
            [a, b, step] => {
                let from = number(a, "the start")?;
                let to = number(b, "the end")?;
                let step = number(step, "the step")?;
                if step == 0.0 {
                    return Err(format!("`{s}`: the step must not be 0"));
                }
                if (to - from) * step < 0.0 {
                    return Err(format!(
                        "`{s}`: a step of {step} never goes from {from} to {to} (give the step the \
                         sign of the end minus the start)"
                    ));
                }
                let spec = Spec::Step { from, to, step };
                let n = spec.count();
                if n > MAX_VALUES {
                    return Err(format!(
                        "`{s}` gives {n} values, more than {MAX_VALUES}: use a larger step"
                    ));
                }
                Ok(spec)
            }
            _ => Err(format!("`{s}` has too many `:`: {SYNTAX}")),
        }
    }
}

impl fmt::Display for Spec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Spec::Step { from, to, step } => write!(f, "{from}:{to}:{step}"),
            Spec::Points { from, to, points } => write!(f, "{from}:{to}/{points}"),
            Spec::List(v) => {
                let items: Vec<String> = v.iter().map(f64::to_string).collect();
                write!(f, "{}", items.join(","))
            }
            Spec::Range { lo, hi } => write!(f, "{lo}:{hi}"),
        }
    }
}

impl Spec {
    /// Number of steps of `a:b:step` (values = steps + 1), tolerant to rounding.
    fn count(&self) -> usize {
        match self {
            Spec::Step { from, to, step } => {
                let k = ((to - from) / step * (1.0 + 1e-12) + 1e-9).floor();
                if k.is_finite() && k >= 0.0 {
                    (k as usize).saturating_add(1)
                } else {
                    usize::MAX
                }
            }
            Spec::Points { points, .. } => *points,
            Spec::List(v) => v.len(),
            Spec::Range { .. } => 0,
        }
    }

    /// The discrete values, in order; `None` for a continuous range `a:b`.
    pub fn values(&self) -> Option<Vec<f64>> {
        match self {
            Spec::Step { from, step, .. } => Some(
                (0..self.count())
                    .map(|k| clean(from + k as f64 * step))
                    .collect(),
            ),
            Spec::Points { from, to, points } => {
                let last = (*points - 1) as f64;
                Some(
                    (0..*points)
                        .map(|k| {
                            let w = k as f64 / last;
                            clean(from * (1.0 - w) + to * w)
                        })
                        .collect(),
                )
            }
            Spec::List(v) => Some(v.clone()),
            Spec::Range { .. } => None,
        }
    }

    /// The smallest and largest value: the range used by Latin hypercube designs and
    /// sensitivity analysis.
    pub fn bounds(&self) -> (f64, f64) {
        match self {
            Spec::Range { lo, hi } => (*lo, *hi),
            _ => {
                let v = self.values().unwrap_or_default();
                let lo = v.iter().copied().fold(f64::INFINITY, f64::min);
                let hi = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                (lo, hi)
            }
        }
    }
}

/// One varied parameter: an address (as for `--set`) and its values.
#[derive(Debug, Clone, PartialEq)]
pub struct Param {
    /// Where the values go, e.g. `structure.spending_multiplier` or
    /// `policy.growth_spending_share@2028`.
    pub address: Address,
    /// Its values.
    pub spec: Spec,
}

impl FromStr for Param {
    type Err = String;

    /// Parses `PATH=SPEC`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (path, spec) = s.split_once('=').ok_or_else(|| {
            format!(
                "`{s}` has no `=`: write PATH=SPEC, e.g. \
                     `structure.spending_multiplier=0.2:0.8:0.1`"
            )
        })?;
        Ok(Param {
            address: path.parse()?,
            spec: spec
                .parse()
                .map_err(|e| format!("`{}`: {e}", path.trim()))?,
        })
    }
}

impl fmt::Display for Param {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}={}", self.address, self.spec)
    }
}

impl Param {
    /// The `--set`-style override that puts `value` at this parameter's address.
    pub fn set(&self, value: f64) -> Override {
        let text = crate::output::format_number(value);
        Override {
            address: self.address.clone(),
            arg: format!("{}={text}", self.address),
            value: text,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(s: &str) -> Vec<f64> {
        s.parse::<Spec>().unwrap().values().unwrap()
    }

    #[test]
    fn steps_include_the_end_and_read_as_written() {
        assert_eq!(values("0.2:0.8:0.1"), [0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8]);
        assert_eq!(values("0:1:0.25"), [0.0, 0.25, 0.5, 0.75, 1.0]);
        assert_eq!(values("0:1:0.3"), [0.0, 0.3, 0.6, 0.9]);
        assert_eq!(values("1:0:-0.5"), [1.0, 0.5, 0.0]);
        assert_eq!(values("2:2:1"), [2.0]);
    }

    #[test]
    fn points_lists_and_ranges() {
        assert_eq!(values("0.2:0.8/4"), [0.2, 0.4, 0.6, 0.8]);
        assert_eq!(values("0.1, 0.5,0.3"), [0.1, 0.5, 0.3]);
        assert_eq!(values("0.4"), [0.4]);
        let r: Spec = "0.1:0.5".parse().unwrap();
        assert_eq!(r.values(), None);
        assert_eq!(r.bounds(), (0.1, 0.5));
        assert_eq!("0.5,0.1,0.3".parse::<Spec>().unwrap().bounds(), (0.1, 0.5));
    }

    #[test]
    fn bad_specs_say_what_would_be_valid() {
        for (bad, hint) in [
            ("0.8:0.2:0.1", "sign"),
            ("0:1:0", "not be 0"),
            ("0.5:0.5", "lo < hi"),
            ("0:1/1", "from 2"),
            ("0:1/x", "number of points"),
            ("a,b", "not a number"),
            ("0:1:2:3", "too many"),
            ("0:1,2", "mixes"),
            ("0:1:0.0000001", "more than"),
            ("", "empty"),
        ] {
            let e = bad.parse::<Spec>().unwrap_err();
            assert!(e.contains(hint), "{bad}: {e}");
        }
    }

    #[test]
    fn params_parse_addresses_with_years() {
        let p: Param = "policy.growth_spending_share@2028=0.1:0.3:0.1"
            .parse()
            .unwrap();
        assert_eq!(p.address.year, Some(2028));
        assert_eq!(
            p.to_string(),
            "policy.growth_spending_share@2028=0.1:0.3:0.1"
        );
        let o = p.set(0.2);
        assert_eq!(o.value, "0.2");
        assert_eq!(o.arg, "policy.growth_spending_share@2028=0.2");
        assert!(
            "structure.x"
                .parse::<Param>()
                .unwrap_err()
                .contains("no `=`")
        );
    }

    proptest::proptest! {
        /// a:b:step stays within [a, b], moves monotonically by about `step`, and ends
        /// within one step of b; a:b/N gives exactly N points from a to b.
        #[test]
        fn generated_values_stay_in_range(
            a in -100.0f64..100.0,
            width in 0.001f64..50.0,
            k in 1usize..200,
            n in 2usize..200,
        ) {
            let b = a + width;
            let step = width / k as f64;
            let v = Spec::Step { from: a, to: b, step }.values().unwrap();
            let tol = 1e-9 * (a.abs() + b.abs() + 1.0);
            proptest::prop_assert!(v.len() == k + 1 || v.len() == k, "{} values for k = \
                {}", v.len(), k);
            proptest::prop_assert!(v.iter().all(|x| *x >= a - tol && *x <= b + tol));
            proptest::prop_assert!(v.windows(2).all(|w| (w[1] - w[0] - step).abs() <= tol + 1e-11 * step.abs().max(1.0) * 10.0));
            proptest::prop_assert!(b - v[v.len() - 1] < step + tol);
            let p = Spec::Points { from: a, to: b, points: n }.values().unwrap();
            proptest::prop_assert_eq!(p.len(), n);
            proptest::prop_assert!((p[0] - a).abs() <= tol && (p[n - 1] - b).abs() <= tol);
        }
    }
}
