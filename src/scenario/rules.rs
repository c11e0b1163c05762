//! The `[rules]` table of docs/MODEL.md version 2: a debt brake and a floor on the
//! non-commodity primary balance, both cutting other primary spending from last year's
//! outcome (budgets are set in advance), capped at `max_adjustment_gdp` a year.
//!
//! Absent, the scenario has no rule (adj = 0) and runs as version 1. Each rule is on when
//! its path is given: `debt_ceiling_gdp` for the brake, `non_commodity_balance_target_gdp`
//! for the balance rule.

use serde::Serialize;

use super::reader::{Check, Reader};
use super::resolve::PathBlock;
use super::tree::Table;

/// Which debt the brake reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DebtMeasure {
    /// Gross debt / GDP, D / N.
    Gross,
    /// Net debt / GDP, (D - A) / N (A: fund assets).
    Net,
}

/// The rules' keys, for unknown-key messages.
pub const KEYS: &[&str] = &[
    "debt_ceiling_gdp",
    "debt_measure",
    "debt_buffer",
    "debt_response",
    "non_commodity_balance_target_gdp",
    "balance_response",
    "max_adjustment_gdp",
];

/// The rules' time paths and what each must satisfy.
pub(super) const PATHS: &[(&str, Check)] = &[
    ("debt_ceiling_gdp", Check::Range(0.0, 100.0)),
    ("non_commodity_balance_target_gdp", Check::Range(-1.0, 1.0)),
];

/// The rules' scalars, their checks and defaults.
const SCALARS: &[(&str, Check, f64)] = &[
    ("debt_buffer", Check::Range(0.0, 100.0), 0.0),
    ("debt_response", Check::Range(0.0, 10.0), 0.05),
    ("balance_response", Check::Range(0.0, 10.0), 1.0),
    ("max_adjustment_gdp", Check::Share, 0.05),
];

/// A resolved `[rules]`: paths one number per projection year.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Rules {
    /// dceil_t: the debt brake's ceiling on debt / GDP; `None`: no brake.
    pub debt_ceiling_gdp: Option<Vec<f64>>,
    /// The debt the brake reads (default gross).
    pub debt_measure: DebtMeasure,
    /// b: the brake starts this far below the ceiling (share of GDP; default 0).
    pub debt_buffer: f64,
    /// gd: spending cut (share of GDP) per unit of debt / GDP above dceil_t - b (default
    /// 0.05, the EU's 1/20 debt-reduction benchmark).
    pub debt_response: f64,
    /// nb_t: floor on the non-commodity primary balance / GDP; `None`: no balance rule.
    pub non_commodity_balance_target_gdp: Option<Vec<f64>>,
    /// gn: part of last year's pre-cut shortfall below nb_t that this year's cut closes
    /// (default 1).
    pub balance_response: f64,
    /// amax: the largest total cut in a year, share of GDP (default 0.05).
    pub max_adjustment_gdp: f64,
}

impl Rules {
    /// The scalar `name` of the rules (`debt_buffer`, ...), if it is one.
    pub(crate) fn scalar_mut(&mut self, name: &str) -> Option<&mut f64> {
        Some(match name {
            "debt_buffer" => &mut self.debt_buffer,
            "debt_response" => &mut self.debt_response,
            "balance_response" => &mut self.balance_response,
            "max_adjustment_gdp" => &mut self.max_adjustment_gdp,
            _ => return None,
        })
    }
}

/// Resolves `[rules]` (`t`, absent: `Some(None)`) from its table and its expanded `paths`
/// ([`PATHS`], `@YEAR` overrides applied); `None` when a mistake was reported.
/// `base_other_spending` tells whether the base year's other spending is known (the
/// balance rule needs it).
pub(super) fn resolve(
    r: &mut Reader,
    t: Option<&Table>,
    paths: &PathBlock,
    base_other_spending: bool,
) -> Option<Option<Rules>> {
    let Some(t) = t else { return Some(None) };
    let before = r.mark();
    let debt_measure = r.choice(
        t,
        "rules",
        "debt_measure",
        &[("gross", DebtMeasure::Gross), ("net", DebtMeasure::Net)],
        DebtMeasure::Gross,
        "debt measure",
        "valid measures are \"gross\" (debt / GDP) and \"net\" ((debt - fund assets) / GDP)",
    );
    let mut rules = Rules {
        debt_ceiling_gdp: paths.get("debt_ceiling_gdp").cloned(),
        debt_measure,
        debt_buffer: 0.0,
        debt_response: 0.0,
        non_commodity_balance_target_gdp: paths.get("non_commodity_balance_target_gdp").cloned(),
        balance_response: 0.0,
        max_adjustment_gdp: 0.0,
    };
    for (key, check, default) in SCALARS {
        let x = r.scalar(t, "rules", key, *check).unwrap_or(*default);
        if let Some(slot) = rules.scalar_mut(key) {
            *slot = x;
        }
    }
    if let Some(node) = t.get("non_commodity_balance_target_gdp")
        && !base_other_spending
    {
        r.err(
            Some(&node.loc),
            "initial.other_spending_gdp",
            "missing: the balance rule needs the base year's non-commodity primary balance, so \
             [initial] must give other_spending_gdp (or primary_spending_gdp with \
             growth_spending_share)",
        );
    }
    r.since(before).then_some(Some(rules))
}
