//! The `[fund]` table of docs/MODEL.md version 2: a sovereign resource fund that receives a
//! share of commodity revenue, earns a return in foreign currency and pays the budget a
//! transfer by one of three withdrawal rules.
//!
//! Absent, the scenario has no fund (psi = 0, assets and transfer 0) and runs as version 1.
//! Keys that the chosen rule does not use are allowed and ignored, so that a child
//! scenario may switch rule; the fixed rule's two forms (`transfer` as a level,
//! `transfer_gdp` as a share of GDP) exclude each other, and a layer that gives one drops
//! the inherited other (when the layers of the scenario tree are merged).

use serde::Serialize;

use super::reader::{Check, Reader};
use super::resolve::PathBlock;
use super::tree::Table;

/// How the fund pays the budget.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FundRule {
    /// A stated transfer: `transfer` (currency unit) or `transfer_gdp` (share of GDP).
    Fixed,
    /// The commodity revenue the fund would receive at `cutoff_price`.
    Cutoff,
    /// `payout_rate` of last year's assets, revalued at this year's exchange rate.
    Percent,
}

/// The fund's keys, for unknown-key messages.
pub const KEYS: &[&str] = &[
    "commodity_share",
    "return",
    "rule",
    "transfer",
    "transfer_gdp",
    "cutoff_price",
    "payout_rate",
    "min_assets_gdp",
];

/// The fund's time paths and what each must satisfy.
pub(super) const PATHS: &[(&str, Check)] = &[
    ("return", Check::Rate),
    ("transfer", Check::NonNeg),
    ("transfer_gdp", Check::Share),
    ("cutoff_price", Check::Positive),
    ("payout_rate", Check::Share),
    ("min_assets_gdp", Check::Range(0.0, 100.0)),
];

/// The two forms of the fixed rule's transfer.
pub(crate) const TRANSFER_FORMS: [&str; 2] = ["transfer", "transfer_gdp"];

/// A resolved `[fund]`: paths one number per projection year.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Fund {
    /// psi: part of commodity revenue paid into the fund (fraction, 0..1; default 1).
    pub commodity_share: f64,
    /// rA_t: nominal return on fund assets in foreign currency (fraction a year; default 0.03).
    #[serde(rename = "return")]
    pub return_rate: Vec<f64>,
    /// The withdrawal rule (default `fixed`).
    pub rule: FundRule,
    /// TRfix_t: the fixed transfer to the budget, in the currency unit.
    pub transfer: Option<Vec<f64>>,
    /// TRfix_t / N_t: the fixed transfer as a share of GDP.
    pub transfer_gdp: Option<Vec<f64>>,
    /// pcut_t: the cut-off commodity price, USD.
    pub cutoff_price: Option<Vec<f64>>,
    /// q_t: share of last year's (revalued) assets transferred.
    pub payout_rate: Option<Vec<f64>>,
    /// amin_t: floor on assets / GDP that no transfer breaches (default 0).
    pub min_assets_gdp: Vec<f64>,
}

/// Resolves `[fund]` (`t`, absent: `Some(None)`) from its table and its expanded `paths`
/// ([`PATHS`], `@YEAR` overrides applied); `None` when a mistake was reported.
pub(super) fn resolve(
    r: &mut Reader,
    t: Option<&Table>,
    paths: &PathBlock,
    horizon: usize,
) -> Option<Option<Fund>> {
    let Some(t) = t else { return Some(None) };
    let before = r.mark();
    let commodity_share = r
        .scalar(t, "fund", "commodity_share", Check::Share)
        .unwrap_or(1.0);
    let rule = r.choice(
        t,
        "fund",
        "rule",
        &[
            ("fixed", FundRule::Fixed),
            ("cutoff", FundRule::Cutoff),
            ("percent", FundRule::Percent),
        ],
        FundRule::Fixed,
        "withdrawal rule",
        "valid rules are \"fixed\" (a stated transfer), \"cutoff\" (the revenue at a cut-off \
         price) and \"percent\" (a share of assets)",
    );
    if let (Some(_), Some(node)) = (t.get("transfer"), t.get("transfer_gdp")) {
        r.err(
            Some(&node.loc),
            "fund.transfer_gdp",
            "the transfer is given both as a level (`transfer`, currency unit) and as a share of \
             GDP (`transfer_gdp`): give one of them",
        );
    }
    let needs = |r: &mut Reader, key: &str, what: &str| {
        if t.get(key).is_none() {
            r.err(
                t.get("rule").map(|n| &n.loc),
                format!("fund.{key}"),
                format!("missing: {what}"),
            );
        }
    };
    match rule {
        FundRule::Fixed if t.get("transfer").is_none() && t.get("transfer_gdp").is_none() => {
            needs(
                r,
                "transfer",
                "rule \"fixed\" needs the transfer to the budget: `transfer` (currency unit) or \
                 `transfer_gdp` (share of GDP)",
            );
        }
        FundRule::Cutoff => needs(
            r,
            "cutoff_price",
            "rule \"cutoff\" needs `cutoff_price`, the commodity price (USD) at which the budget \
             is allowed commodity revenue",
        ),
        FundRule::Percent => needs(
            r,
            "payout_rate",
            "rule \"percent\" needs `payout_rate`, the share of last year's assets transferred \
             (e.g. 0.03)",
        ),
        FundRule::Fixed => {}
    }
    if !r.since(before) {
        return None;
    }
    let get = |k: &str| paths.get(k).cloned();
    Some(Some(Fund {
        commodity_share,
        return_rate: get("return").unwrap_or_else(|| vec![0.03; horizon]),
        rule,
        transfer: get("transfer"),
        transfer_gdp: get("transfer_gdp"),
        cutoff_price: get("cutoff_price"),
        payout_rate: get("payout_rate"),
        min_assets_gdp: get("min_assets_gdp").unwrap_or_else(|| vec![0.0; horizon]),
    }))
}
