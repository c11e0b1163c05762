//! Internals the benchmarks measure against (cargo feature `bench`; not part of the
//! library's API, no stability promised): the lanes, the portable exp and ln, the block
//! engine and random streams, the tests' histogram quantile engine, and the version-2
//! settings of the benchmarks.

pub use crate::lanes::mathfn::{exp, ln};
pub use crate::lanes::{Lanes, W};
pub use crate::montecarlo::engine::{BLOCK, Block, Engine, Outputs, for_each_year};
pub use crate::montecarlo::stream::StreamLanes;
pub use crate::summary::histogram::summarize;

/// The version-2 settings of the `v2` benchmarks and of the kernels' tests, as `--set`
/// overrides on `scenarios/kazakhstan-2026-2040.toml` (also usable on the command line to
/// time a million draws: see docs/montecarlo.md): a fund with a transfer and a floor, the
/// debt brake and the balance rule, 6-year maturity, cyclical revenue, the oil channel,
/// the seventh shock.
pub const V2: [&str; 13] = [
    "policy.commodity_revenue_gdp=0.08",
    "policy.other_flows_gdp=0",
    "initial.fund_assets_gdp=0.2",
    "fund.transfer_gdp=0.015",
    "fund.min_assets_gdp=0.05",
    "rules.debt_ceiling_gdp=0.25",
    "rules.non_commodity_balance_target_gdp=-0.08",
    "structure.debt_maturity=6",
    "structure.cyclical_revenue_semi_elasticity=0.2",
    "structure.commodity_gap_elasticity=0.05",
    "shocks.sd.primary_balance=0.01",
    "initial.other_spending_gdp=0.12",
    "end_year=2055",
];
