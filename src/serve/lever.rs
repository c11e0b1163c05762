//! Levers of `fiscalsim serve`: scenario addresses (as for `--set`) with a range, one
//! slider each, from the scenario's `[sweep]` table or `--lever ADDRESS=LO:HI`.

use serde::Serialize;

use crate::error::{Error, Result};
use crate::output::format_number;
use crate::scenario::tree::{Table, Value};
use crate::scenario::{Address, Override, Scenario};

/// The most levers (sliders) on one page.
pub(crate) const MAX_LEVERS: usize = 16;

/// Positions of a slider between its ends.
const STEPS: f64 = 100.0;

/// One lever: an address and the range its slider covers.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct Lever {
    /// The address, e.g. `structure.spending_multiplier` (`--set` syntax).
    pub address: String,
    /// The lowest value of the slider.
    pub lo: f64,
    /// The highest value of the slider.
    pub hi: f64,
    /// The slider's step: a hundredth of the range.
    pub step: f64,
    /// The value in the scenario file, when it is a number within the range; else the
    /// middle of the range.
    pub value: f64,
    /// Whether `value` is the scenario's own (false: the middle of the range).
    pub from_scenario: bool,
    #[serde(skip)]
    pub(crate) parsed: Address,
}

/// A lever as given on the command line or in `[sweep.vary]`, not yet checked.
#[derive(Debug, Clone, PartialEq)]
pub struct LeverSpec {
    /// Where the value goes.
    pub address: Address,
    /// The range's lower end.
    pub lo: f64,
    /// The range's upper end.
    pub hi: f64,
}

impl std::str::FromStr for LeverSpec {
    type Err = String;

    /// Parses `ADDRESS=LO:HI`.
    fn from_str(s: &str) -> std::result::Result<Self, Self::Err> {
        let (addr, range) = s.split_once('=').ok_or_else(|| {
            format!(
                "`{s}` has no `=`: write ADDRESS=LO:HI, e.g. structure.spending_multiplier=0.2:0.8"
            )
        })?;
        let address: Address = addr.parse()?;
        let (lo, hi) = range
            .split_once(':')
            .and_then(|(a, b)| Some((a.trim().parse::<f64>().ok()?, b.trim().parse::<f64>().ok()?)))
            .ok_or_else(|| {
                format!("`{range}` is not a range LO:HI of two numbers, e.g. 0.2:0.8")
            })?;
        Ok(LeverSpec { address, lo, hi })
    }
}

impl LeverSpec {
    /// The `--set` override that puts `value` at this address.
    pub fn set(&self, value: f64) -> Override {
        set(&self.address, value)
    }
}

/// The `--set` override that puts `value` at `address`.
pub(crate) fn set(address: &Address, value: f64) -> Override {
    let text = format_number(value);
    Override {
        address: address.clone(),
        arg: format!("{address}={text}"),
        value: text,
    }
}

/// The levers of the `[sweep.vary]` table: each parameter's smallest and largest value.
pub(crate) fn from_sweep(table: &crate::sweep::SweepTable) -> Vec<LeverSpec> {
    table
        .vary
        .iter()
        .map(|(p, _)| {
            let (lo, hi) = p.spec.bounds();
            LeverSpec {
                address: p.address.clone(),
                lo,
                hi,
            }
        })
        .collect()
}

/// Checks the levers against the scenario `tree` (with `set` applied first): each range
/// finite and not empty, no `@YEAR` address (a file cannot state a one-year change, so
/// the download could not reproduce it), no address twice, and the scenario resolving
/// at both ends of every range. Errors name the lever (exit code 2).
pub(crate) fn check(
    tree: &Table,
    set: &[Override],
    specs: &[LeverSpec],
    base: &Scenario,
) -> Result<Vec<Lever>> {
    if specs.is_empty() {
        return Err(Error::usage(
            "--lever",
            "no levers: the scenario has no [sweep.vary] table; give one or more \
             --lever ADDRESS=LO:HI, e.g. --lever structure.spending_multiplier=0.2:0.8",
        ));
    }
    if specs.len() > MAX_LEVERS {
        return Err(Error::usage(
            "--lever",
            format!(
                "{} levers: at most {MAX_LEVERS} sliders fit on the page",
                specs.len()
            ),
        ));
    }
    let mut out: Vec<Lever> = Vec::new();
    for spec in specs {
        let name = spec.address.to_string();
        let bad = |m: String| Error::usage("--lever", format!("`{name}`: {m}"));
        if !(spec.lo.is_finite() && spec.hi.is_finite()) || spec.lo >= spec.hi {
            return Err(bad(format!(
                "the range {}:{} is not a range LO:HI of finite numbers with LO < HI",
                spec.lo, spec.hi
            )));
        }
        if let Some(y) = spec.address.year {
            return Err(bad(format!(
                "a one-year address (`@{y}`) cannot be a lever: the downloaded scenario \
                 file could not state it; use the year key `.{y}` (an interpolation target) \
                 or the whole value"
            )));
        }
        if out.iter().any(|l| l.address == name) {
            return Err(bad("given twice".into()));
        }
        for end in [spec.lo, spec.hi] {
            let mut o = set.to_vec();
            o.push(spec.set(end));
            crate::scenario::resolve_tree(tree.clone(), &o)
                .map_err(|e| bad(format!("the scenario does not resolve at {end}: {e}")))?;
        }
        let current = current_value(tree, set, &spec.address, base)
            .filter(|v| (spec.lo..=spec.hi).contains(v));
        out.push(Lever {
            address: name,
            lo: spec.lo,
            hi: spec.hi,
            step: crate::sweep::spec::clean((spec.hi - spec.lo) / STEPS),
            value: current.unwrap_or((spec.lo + spec.hi) / 2.0),
            from_scenario: current.is_some(),
            parsed: spec.address.clone(),
        });
    }
    Ok(out)
}

/// The value at `address` in the scenario, when it is one number: written in the tree
/// (after `set`), a year key of a policy path inherited from the baseline, or a
/// `[structure]` default.
fn current_value(
    tree: &Table,
    set: &[Override],
    address: &Address,
    base: &Scenario,
) -> Option<f64> {
    if let Some(o) = set.iter().rev().find(|o| &o.address == address) {
        return o.value.trim().parse().ok();
    }
    let keys: Vec<&str> = address.keys.iter().map(String::as_str).collect();
    let lookup = |keys: &[&str]| -> Option<f64> {
        let mut t = tree;
        let (last, path) = keys.split_last()?;
        for k in path {
            match &t.get(k)?.value {
                Value::Table(inner) => t = inner,
                _ => return None,
            }
        }
        match t.get(last)?.value {
            Value::Float(x) => Some(x),
            Value::Int(i) => Some(i as f64),
            _ => None,
        }
    };
    lookup(&keys)
        .or_else(|| match keys.as_slice() {
            ["policy", rest @ ..] => {
                let mut k = vec!["baseline"];
                k.extend(rest);
                lookup(&k)
            }
            _ => None,
        })
        .or_else(|| match keys.as_slice() {
            ["structure", name] => base.structure.get(name),
            _ => None,
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_lever_specs() {
        let l: LeverSpec = "structure.spending_multiplier=0.2:0.8".parse().unwrap();
        assert_eq!(l.address.to_string(), "structure.spending_multiplier");
        assert_eq!((l.lo, l.hi), (0.2, 0.8));
        assert!(
            "structure.spending_multiplier"
                .parse::<LeverSpec>()
                .is_err()
        );
        assert!(
            "structure.spending_multiplier=0.2"
                .parse::<LeverSpec>()
                .is_err()
        );
        assert!(
            "structure.spending_multiplier=a:b"
                .parse::<LeverSpec>()
                .is_err()
        );
        assert_eq!(l.set(0.5).arg, "structure.spending_multiplier=0.5");
    }
}
