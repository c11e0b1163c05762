//! The names of the canonical outputs of docs/MODEL.md, in column order: the vocabulary
//! shared by the model (whose [`crate::model::Year`] holds them), the metric language
//! ([`crate::expr`], public as [`crate::metric`]) and every output file, and the trait
//! through which a metric reads them ([`Outputs`]). A leaf module, so that the layers that
//! read names (scenario files' events, metrics) need not depend on the model, nor the
//! model on them.

/// Number of canonical outputs (24 of version 1, then 13 of version 2).
pub const N_OUTPUTS: usize = 37;

/// Number of canonical outputs of docs/MODEL.md version 1 (the first of [`OUTPUT_NAMES`]).
pub const N_OUTPUTS_V1: usize = 24;

/// The canonical outputs of docs/MODEL.md, in column order (the field order of
/// [`crate::model::Year`], checked when the crate compiles).
pub const OUTPUT_NAMES: [&str; N_OUTPUTS] = [
    "gdp_real",
    "gdp_nominal",
    "gdp_usd",
    "real_growth",
    "potential_growth",
    "output_gap",
    "inflation",
    "commodity_price",
    "exchange_rate",
    "interest_rate",
    "revenue",
    "commodity_revenue",
    "growth_spending",
    "other_spending",
    "interest",
    "primary_balance",
    "overall_balance",
    "debt",
    "public_capital",
    "revenue_gdp",
    "growth_spending_gdp",
    "primary_balance_gdp",
    "overall_balance_gdp",
    "debt_gdp",
    "marginal_interest_rate",
    "fund_assets",
    "fund_inflow",
    "fund_transfer",
    "non_commodity_primary_balance",
    "rule_adjustment",
    "gross_financing_need",
    "fund_assets_gdp",
    "net_debt_gdp",
    "non_commodity_primary_balance_gdp",
    "gross_financing_need_gdp",
    "rule_adjustment_gdp",
    "growth_spending_budget_share",
];

/// What a metric ([`crate::metric`]) reads of one simulated year: its canonical outputs
/// by index ([`crate::model::Year`] is one). Here, with the names, so that the model
/// implements it without depending on the metric language.
pub trait Outputs {
    /// The canonical output of index `var` ([`OUTPUT_NAMES`] order), in the output's
    /// own unit (docs/MODEL.md).
    fn output(&self, var: usize) -> f64;
}

/// Index of a canonical output name in [`OUTPUT_NAMES`].
pub fn output_index(name: &str) -> Option<usize> {
    OUTPUT_NAMES.iter().position(|n| *n == name)
}

/// Whether two lists of names are equal (usable in constants).
pub(crate) const fn same_names(a: &[&str], b: &[&str]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        let (x, y) = (a[i].as_bytes(), b[i].as_bytes());
        if x.len() != y.len() {
            return false;
        }
        let mut j = 0;
        while j < x.len() {
            if x[j] != y[j] {
                return false;
            }
            j += 1;
        }
        i += 1;
    }
    true
}
