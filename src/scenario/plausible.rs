//! Guard rails on values that are valid numbers but almost surely a typing mistake: a
//! rate or a ratio written as a percent (`real_growth = 5.3` for 5.3 %, `debt_gdp = 23`).
//!
//! Each guarded key has a plausible range; a value outside it is refused with a "did you
//! mean 0.053?" hint, unless the scenario allows extremes with the top-level key
//! `allow_extreme = true` (every key) or `allow_extreme = ["baseline.inflation", ...]`
//! (the keys listed), e.g. for hyperinflation. `--set allow_extreme=true` works too.
//! Also here: the warning for a Monte Carlo run that cannot vary.

use super::Scenario;
use super::reader::Reader;
use super::tree::{Table, Value};
use crate::error::Diagnostic;

/// The top-level key that allows values outside the plausible ranges.
pub(crate) const ALLOW_KEY: &str = "allow_extreme";

/// A guarded key: its plausible range (fractions) and what one unit of it is.
struct Bound {
    key: &'static str,
    lo: f64,
    hi: f64,
    unit: &'static str,
}

const fn bound(key: &'static str, lo: f64, hi: f64, unit: &'static str) -> Bound {
    Bound { key, lo, hi, unit }
}

/// The guarded keys. Ranges are wide enough for any economy in normal times; beyond
/// them, a value is refused unless allowed.
const BOUNDS: &[Bound] = &[
    bound("baseline.real_growth", -0.3, 0.3, "a year"),
    bound("baseline.inflation", -0.3, 1.0, "a year"),
    bound("baseline.interest_rate", -0.05, 0.5, "a year"),
    bound("initial.debt_gdp", 0.0, 3.0, "of GDP"),
    bound("initial.public_capital_gdp", 0.0, 5.0, "of GDP"),
    bound("structure.debt_threshold", 0.0, 3.0, "of GDP"),
    bound("initial.interest_rate", -0.05, 0.5, "a year"),
    bound("initial.fund_assets_gdp", 0.0, 3.0, "of GDP"),
    bound("fund.return", -0.5, 0.5, "a year"),
    bound("fund.min_assets_gdp", 0.0, 3.0, "of GDP"),
    bound("rules.debt_ceiling_gdp", 0.0, 3.0, "of GDP"),
];

/// Which keys may take extreme values.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) enum Allow {
    /// None: every guarded key is checked (the default).
    #[default]
    Nothing,
    /// Every key (`allow_extreme = true`).
    Everything,
    /// The keys listed (`allow_extreme = ["baseline.inflation"]`).
    Keys(Vec<String>),
}

impl Allow {
    fn allows(&self, key: &str) -> bool {
        match self {
            Allow::Nothing => false,
            Allow::Everything => true,
            Allow::Keys(k) => k.iter().any(|k| k == key),
        }
    }
}

/// Reads the top-level `allow_extreme` of a merged tree, reporting a malformed one.
pub(super) fn read_allow(root: &Table, r: &mut Reader) -> Allow {
    let Some(node) = root.get(ALLOW_KEY) else {
        return Allow::Nothing;
    };
    let bad = |found: &str| {
        Diagnostic::new(
            Some(&node.loc),
            ALLOW_KEY,
            format!(
                "expected true, false or a list of keys such as [\"baseline.inflation\"], \
                 found {found}"
            ),
        )
    };
    match &node.value {
        Value::Bool(true) => Allow::Everything,
        Value::Bool(false) => Allow::Nothing,
        Value::Array(items) => {
            let mut keys = Vec::new();
            for item in items {
                match &item.value {
                    Value::Str(s) if BOUNDS.iter().any(|b| b.key == s) => keys.push(s.clone()),
                    Value::Str(s) => r.diags.push(Diagnostic::new(
                        Some(&item.loc),
                        ALLOW_KEY,
                        format!(
                            "`{s}` has no plausible range to lift (guarded keys: {})",
                            keys_list()
                        ),
                    )),
                    v => r.diags.push(bad(v.a_type_name())),
                }
            }
            Allow::Keys(keys)
        }
        v => {
            r.diags.push(bad(v.a_type_name()));
            Allow::Nothing
        }
    }
}

fn keys_list() -> String {
    BOUNDS.iter().map(|b| b.key).collect::<Vec<_>>().join(", ")
}

fn percent(x: f64) -> String {
    if x.abs() >= 1e4 {
        format!("{:.3e}", x * 100.0)
    } else {
        crate::number::format_number((x * 1e6).round() / 1e4)
    }
}

/// Why `x` is implausible for the dotted `key` (None when plausible, allowed or not
/// guarded). The message says what the value means and suggests `x / 100` when that
/// is plausible.
pub(crate) fn problem(key: &str, x: f64, allow: &Allow) -> Option<String> {
    let b = BOUNDS.iter().find(|b| b.key == key)?;
    if !x.is_finite() || (b.lo..=b.hi).contains(&x) || allow.allows(key) {
        return None;
    }
    let hint = if (b.lo..=b.hi).contains(&(x / 100.0)) {
        let guess = (x / 100.0 * 1e12).round() / 1e12;
        format!(": did you mean {}?", crate::number::format_number(guess))
    } else {
        String::new()
    };
    Some(format!(
        "{} means {} % {}, outside the plausible {} % to {} %{hint} (rates and ratios are \
         fractions: 0.053 means 5.3 %; for a genuine extreme write `{ALLOW_KEY} = true` or \
         `{ALLOW_KEY} = [\"{key}\"]` at the top of the scenario, or --set {ALLOW_KEY}=true)",
        if x.abs() >= 1e6 {
            format!("{x:.3e}")
        } else {
            x.to_string()
        },
        percent(x),
        b.unit,
        percent(b.lo),
        percent(b.hi),
    ))
}

/// A warning when a Monte Carlo run of `sc` cannot vary: every shock's sd is 0 and no
/// structural parameter is uncertain, so every draw is the deterministic projection.
pub(crate) fn degenerate_monte_carlo(sc: &Scenario) -> Option<String> {
    let still = sc.shocks.sd.iter().all(|s| *s == 0.0)
        && sc.uncertainty.as_ref().is_none_or(|u| u.params.is_empty());
    still.then(|| {
        format!(
            "warning: scenario `{}` has no uncertainty: every shock's sd is 0 (no [shocks] sd) \
             and there is no [uncertainty], so every Monte Carlo draw is the deterministic \
             projection (add [shocks], e.g. `extends` a calibrated shock file)",
            sc.name
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_typed_rates_are_refused_with_a_hint() {
        let msg = problem("baseline.real_growth", 5.3, &Allow::Nothing).unwrap();
        assert!(msg.contains("530 % a year"), "{msg}");
        assert!(msg.contains("did you mean 0.053?"), "{msg}");
        let msg = problem("initial.debt_gdp", 23.0, &Allow::Nothing).unwrap();
        assert!(msg.contains("did you mean 0.23?"), "{msg}");
        assert!(problem("baseline.real_growth", 0.053, &Allow::Nothing).is_none());
        assert!(problem("policy.revenue_gdp", 50.0, &Allow::Nothing).is_none());
        // Beyond 100x the range: no hint, still refused.
        let msg = problem("baseline.inflation", 500.0, &Allow::Nothing).unwrap();
        assert!(!msg.contains("did you mean"), "{msg}");
    }

    #[test]
    fn extremes_can_be_allowed() {
        assert!(problem("baseline.inflation", 9.5, &Allow::Everything).is_none());
        let only = Allow::Keys(vec!["baseline.inflation".into()]);
        assert!(problem("baseline.inflation", 9.5, &only).is_none());
        assert!(problem("baseline.interest_rate", 8.0, &only).is_some());
    }
}
