//! The economics of docs/MODEL.md (version 2, which keeps version 1 to the bit): one pure
//! [`step`] function advancing the economy, the budget, the resource fund and the fiscal
//! rules by one year, and [`Model`], a scenario compiled into per-year inputs and its
//! reference path.
//!
//! Every computation of fiscalsim (deterministic runs, Monte Carlo draws, sweeps, stress
//! tests, goal-seek) goes through [`step`]; the equations exist nowhere else. Levels are
//! in the scenario's currency unit (real GDP in base-year prices), rates and `*_gdp`
//! values are fractions (0.053 = 5.3 %).

use crate::error::{Error, Result};
use crate::lanes::{Real, Scalar};
use crate::scenario::{
    DebtMeasure, Fund, FundRule, N_SHOCKS, PRIMARY_BALANCE_SHOCK, Rules, Scenario, Shock, Structure,
};

pub use crate::canonical::{N_OUTPUTS, N_OUTPUTS_V1, OUTPUT_NAMES, output_index};

/// Index of the commodity-price shock in u_t.
const OIL: usize = Shock::CommodityPrice.index();
/// Index of the potential-growth shock in u_t.
const POTENTIAL: usize = Shock::PotentialGrowth.index();
/// Index of the demand shock in u_t.
const DEMAND: usize = Shock::Demand.index();
/// Index of the inflation shock in u_t.
const INFLATION: usize = Shock::Inflation.index();
/// Index of the interest-rate shock in u_t.
const RATE: usize = Shock::InterestRate.index();
/// Index of the exchange-rate shock in u_t.
const FX: usize = Shock::ExchangeRate.index();

/// The `[fund]` inputs of one projection year (docs/MODEL.md version 2, step F).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FundYear {
    /// psi: part of commodity revenue paid into the fund.
    pub commodity_share: f64,
    /// rA_t: nominal return on fund assets in foreign currency.
    pub return_rate: f64,
    /// The withdrawal rule.
    pub rule: FundRule,
    /// `fixed`: TRfix_t, in the currency unit, or as a share of GDP when
    /// `transfer_is_gdp`.
    pub transfer: f64,
    /// Whether `transfer` is a share of GDP (`transfer_gdp`) rather than a level.
    pub transfer_is_gdp: bool,
    /// `cutoff`: pcut_t, the cut-off commodity price, USD.
    pub cutoff_price: f64,
    /// `percent`: q_t, the share of last year's (revalued) assets transferred.
    pub payout_rate: f64,
    /// amin_t: floor on assets / GDP.
    pub min_assets_gdp: f64,
}

/// The `[rules]` inputs of one projection year (docs/MODEL.md version 2, step 0).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RulesYear {
    /// dceil_t: the debt brake's ceiling on debt / GDP, `None` without a brake.
    pub debt_ceiling: Option<f64>,
    /// Whether the brake reads net debt ((D - A) / N) rather than gross (D / N).
    pub net: bool,
    /// b: the brake starts this far below the ceiling.
    pub debt_buffer: f64,
    /// gd: cut per unit of debt / GDP above dceil_t - b.
    pub debt_response: f64,
    /// nb_t: floor on the non-commodity primary balance / GDP, `None` without the rule.
    pub balance_target: Option<f64>,
    /// gn: part of last year's pre-cut shortfall closed.
    pub balance_response: f64,
    /// amax: the largest total cut in a year, share of GDP.
    pub max_adjustment: f64,
}

/// Exogenous inputs of one projection year t (shares of GDP and rates are fractions).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct YearInputs {
    /// gb_t: baseline real potential growth.
    pub gb: f64,
    /// pib_t: baseline inflation.
    pub pib: f64,
    /// sref_t: growth spending / GDP assumed in the baseline.
    pub sref: f64,
    /// sref_{t-1} (s0 for t = 1).
    pub sref_prev: f64,
    /// tauref_t: non-commodity revenue / GDP assumed in the baseline.
    pub tauref: f64,
    /// tauref_{t-1} (tau0 for t = 1).
    pub tauref_prev: f64,
    /// pb_t: baseline commodity price, USD.
    pub pb: f64,
    /// Eb_t: baseline exchange rate, local currency per USD.
    pub eb: f64,
    /// ib_t: baseline effective interest rate.
    pub ib: f64,
    /// s_t: growth-stimulating spending / GDP.
    pub s: f64,
    /// s_{t-1} (s0 for t = 1).
    pub s_prev: f64,
    /// tau_t: non-commodity revenue / GDP.
    pub tau: f64,
    /// tau_{t-1} (tau0 for t = 1).
    pub tau_prev: f64,
    /// tauc_t: commodity revenue / GDP at baseline price and exchange rate.
    pub tauc: f64,
    /// o_t: other primary spending / GDP.
    pub o: f64,
    /// f_t: stock-flow adjustment / GDP.
    pub f: f64,
    /// The fund's inputs, `None` without a fund.
    pub fund: Option<FundYear>,
    /// The rules' inputs, `None` without rules.
    pub rules: Option<RulesYear>,
}

impl YearInputs {
    /// The inputs of the reference path: policy equal to the baseline assumptions
    /// (s = sref, tau = tauref), no fund and no rules (docs/MODEL.md version 2).
    #[inline]
    pub fn reference(&self) -> YearInputs {
        YearInputs {
            s: self.sref,
            s_prev: self.sref_prev,
            tau: self.tauref,
            tau_prev: self.tauref_prev,
            fund: None,
            rules: None,
            ..*self
        }
    }
}

/// What a year of a simulated path takes from the reference path: Kref_t and gapref_t.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Reference<R = f64> {
    /// Kref_t: the reference public capital stock (real).
    pub capital: R,
    /// gapref_t: the reference output gap.
    pub gap: R,
}

/// The state carried from year t-1 to year t (`R` is `f64`, or `crate::lanes::Lanes`
/// for several draws at once).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct State<R = f64> {
    /// Potential real GDP.
    pub ypot: R,
    /// Real GDP (base-year prices).
    pub y: R,
    /// GDP deflator (1 in the base year).
    pub p: R,
    /// Nominal GDP.
    pub n: R,
    /// Public capital stock (real).
    pub k: R,
    /// Government debt (nominal).
    pub d: R,
    /// Output gap.
    pub gap: R,
    /// x_{t-1} = ln(K_{t-1} / Kref_{t-1}).
    pub x1: R,
    /// x_{t-2}.
    pub x2: R,
    /// Exchange rate E_{t-1}.
    pub e: R,
    /// Fund assets A_{t-1} (nominal).
    pub a: R,
    /// Effective interest rate ieff_{t-1}.
    pub ieff: R,
    /// Rule adjustment adj_{t-1}, share of GDP.
    pub adj: R,
    /// pre_{t-1}: last year's non-commodity primary balance / GDP without last year's cut.
    pub pre: R,
}

impl<R: Copy> State<R> {
    /// The state with `f` applied to every variable (lanes into a kernel's registers and
    /// back).
    #[inline(always)]
    pub(crate) fn map<S>(&self, f: impl Fn(R) -> S) -> State<S> {
        State {
            ypot: f(self.ypot),
            y: f(self.y),
            p: f(self.p),
            n: f(self.n),
            k: f(self.k),
            d: f(self.d),
            gap: f(self.gap),
            x1: f(self.x1),
            x2: f(self.x2),
            e: f(self.e),
            a: f(self.a),
            ieff: f(self.ieff),
            adj: f(self.adj),
            pre: f(self.pre),
        }
    }
}

impl State {
    /// This state in every lane of `R`.
    #[inline]
    pub(crate) fn splat<R: Real>(&self) -> State<R> {
        State {
            ypot: R::splat(self.ypot),
            y: R::splat(self.y),
            p: R::splat(self.p),
            n: R::splat(self.n),
            k: R::splat(self.k),
            d: R::splat(self.d),
            gap: R::splat(self.gap),
            x1: R::splat(self.x1),
            x2: R::splat(self.x2),
            e: R::splat(self.e),
            a: R::splat(self.a),
            ieff: R::splat(self.ieff),
            adj: R::splat(self.adj),
            pre: R::splat(self.pre),
        }
    }

    /// The base-year state (t = 0) of a scenario.
    pub fn initial(sc: &Scenario) -> State {
        let i = &sc.initial;
        let y = i.gdp_nominal;
        State {
            ypot: y / (1.0 + i.output_gap),
            y,
            p: 1.0,
            n: y,
            k: i.public_capital_gdp * i.gdp_nominal,
            d: i.debt_gdp * i.gdp_nominal,
            gap: i.output_gap,
            x1: 0.0,
            x2: 0.0,
            e: i.exchange_rate,
            a: i.fund_assets_gdp * i.gdp_nominal,
            ieff: i.interest_rate,
            adj: 0.0,
            // pre_0 = tau0 - s0 - o0 (only the balance rule reads it, and it requires o0).
            pre: i.revenue_gdp - i.growth_spending_gdp - i.other_spending_gdp.unwrap_or(0.0),
        }
    }
}

/// Everything the model computes for one year: the 37 canonical outputs, plus the two
/// debt-creating flows that the debt identity needs.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Year<R = f64> {
    /// Y_t: real GDP, base-year prices.
    pub gdp_real: R,
    /// N_t: nominal GDP.
    pub gdp_nominal: R,
    /// N_t / E_t: nominal GDP in USD (same scale as the currency unit).
    pub gdp_usd: R,
    /// g_t: real growth.
    pub real_growth: R,
    /// gpot_t: potential growth.
    pub potential_growth: R,
    /// gap_t: output gap.
    pub output_gap: R,
    /// pi_t: GDP-deflator inflation.
    pub inflation: R,
    /// p_t: commodity price, USD.
    pub commodity_price: R,
    /// E_t: exchange rate, local currency per USD.
    pub exchange_rate: R,
    /// ieff_t: effective interest rate on debt (the marginal rate when debt_maturity = 1).
    pub interest_rate: R,
    /// R_t: the budget's own revenue (non-commodity plus the commodity revenue the fund
    /// does not take), without the fund transfer.
    pub revenue: R,
    /// C_t: commodity revenue, wherever it goes (budget or fund).
    pub commodity_revenue: R,
    /// S_t: growth-stimulating spending.
    pub growth_spending: R,
    /// O_t: other primary spending.
    pub other_spending: R,
    /// I_t: interest paid.
    pub interest: R,
    /// PB_t = R_t + TR_t - S_t - O_t.
    pub primary_balance: R,
    /// OB_t = PB_t - I_t.
    pub overall_balance: R,
    /// D_t: debt.
    pub debt: R,
    /// K_t: public capital (real).
    pub public_capital: R,
    /// R_t / N_t (total revenue, commodity included).
    pub revenue_gdp: R,
    /// S_t / N_t.
    pub growth_spending_gdp: R,
    /// PB_t / N_t.
    pub primary_balance_gdp: R,
    /// OB_t / N_t.
    pub overall_balance_gdp: R,
    /// d_t = D_t / N_t.
    pub debt_gdp: R,
    /// imarg_t: the marginal interest rate on new debt.
    pub marginal_interest_rate: R,
    /// A_t: fund assets (nominal).
    pub fund_assets: R,
    /// F_t: commodity revenue paid into the fund.
    pub fund_inflow: R,
    /// TR_t: the fund's transfer to the budget.
    pub fund_transfer: R,
    /// NCPB_t = Rn_t - S_t - O_t: the non-commodity primary balance.
    pub non_commodity_primary_balance: R,
    /// adj_t N_t: the rules' cut in other primary spending.
    pub rule_adjustment: R,
    /// GFN_t = I_t - PB_t + D_{t-1} / M + f_t N_t: gross financing need.
    pub gross_financing_need: R,
    /// A_t / N_t.
    pub fund_assets_gdp: R,
    /// (D_t - A_t) / N_t: net debt / GDP.
    pub net_debt_gdp: R,
    /// NCPB_t / N_t.
    pub non_commodity_primary_balance_gdp: R,
    /// GFN_t / N_t.
    pub gross_financing_need_gdp: R,
    /// adj_t: the rules' cut, share of GDP.
    pub rule_adjustment_gdp: R,
    /// S_t / (S_t + O_t + I_t): growth spending as a share of total spending including
    /// interest (0 when there is no spending at all).
    pub growth_spending_budget_share: R,
    /// V_t: revaluation of foreign-currency debt (not a canonical output).
    pub revaluation: R,
    /// f_t N_t: stock-flow adjustment (not a canonical output).
    pub other_flows: R,
}

/// One list of the canonical outputs, checked against [`OUTPUT_NAMES`], gives
/// [`Year::values`] and [`Year::from_parts`], so the three can never disagree on the order.
macro_rules! canonical_outputs {
    ($($field:ident),* $(,)?) => {
        // The fields are the canonical outputs, named and ordered as in OUTPUT_NAMES.
        const _: () = assert!(crate::canonical::same_names(
            &[$(stringify!($field)),*],
            &OUTPUT_NAMES
        ));

        impl<R: Copy> Year<R> {
            /// The canonical outputs in [`OUTPUT_NAMES`] order.
            #[inline(always)]
            pub fn values(&self) -> [R; N_OUTPUTS] {
                [$(self.$field),*]
            }
        }

        impl Year {
            /// The year of the canonical outputs `v` ([`OUTPUT_NAMES`] order, as
            /// [`Year::values`] gives them) and the two debt-creating flows.
            pub fn from_parts(v: [f64; N_OUTPUTS], revaluation: f64, other_flows: f64) -> Year {
                let [$($field),*] = v;
                Year {
                    $($field,)*
                    revaluation,
                    other_flows,
                }
            }
        }
    };
}

canonical_outputs!(
    gdp_real,
    gdp_nominal,
    gdp_usd,
    real_growth,
    potential_growth,
    output_gap,
    inflation,
    commodity_price,
    exchange_rate,
    interest_rate,
    revenue,
    commodity_revenue,
    growth_spending,
    other_spending,
    interest,
    primary_balance,
    overall_balance,
    debt,
    public_capital,
    revenue_gdp,
    growth_spending_gdp,
    primary_balance_gdp,
    overall_balance_gdp,
    debt_gdp,
    marginal_interest_rate,
    fund_assets,
    fund_inflow,
    fund_transfer,
    non_commodity_primary_balance,
    rule_adjustment,
    gross_financing_need,
    fund_assets_gdp,
    net_debt_gdp,
    non_commodity_primary_balance_gdp,
    gross_financing_need_gdp,
    rule_adjustment_gdp,
    growth_spending_budget_share,
);

impl crate::canonical::Outputs for Year {
    #[inline]
    fn output(&self, var: usize) -> f64 {
        self.values()[var]
    }
}

impl Year {
    /// The value of the canonical output `name`, if it is one.
    pub fn get(&self, name: &str) -> Option<f64> {
        output_index(name).map(|i| self.values()[i])
    }
}

/// What is known of an output of a scenario before any draw is made: in every sound draw
/// (GDP positive, every value finite) it is computed, exactly 0, the same bits as
/// another output, or a year's share times another output. Summaries tally only the
/// computed ones in full.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Derived {
    /// Computed by the step.
    Computed,
    /// +0 in every sound draw.
    Zero,
    /// The same bits as the output of this index in every sound draw.
    SameAs(usize),
    /// `share × output` (the output of this index, a computed one), one IEEE product, in
    /// every sound draw, with the year's `share` (≥ 0 in every year) read by
    /// [`Share::of`]. Rounding keeps order, so such an output has its values in the
    /// order of the other's: its order statistics are the share times the other's
    /// (summaries tally only its moments).
    Times(usize, Share),
}

/// A year's share that an output is another output times ([`Derived::Times`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Share {
    /// s_t: growth-stimulating spending / GDP (of nominal GDP).
    GrowthSpending,
    /// o_t: other primary spending / GDP (of nominal GDP).
    OtherSpending,
    /// tau_t: non-commodity revenue / GDP (of nominal GDP).
    Revenue,
    /// The fund's `commodity_share` (of commodity revenue; 0 without a fund).
    FundInflow,
}

impl Share {
    /// This share in the year of `inp`.
    pub fn of(self, inp: &YearInputs) -> f64 {
        match self {
            Share::GrowthSpending => inp.s,
            Share::OtherSpending => inp.o,
            Share::Revenue => inp.tau,
            Share::FundInflow => inp.fund.as_ref().map_or(0.0, |f| f.commodity_share),
        }
    }
}

/// [`Derived`] for every output of `sc`, from what [`step`] does when a feature is off:
/// - no fund: `fund_assets` and `fund_inflow`, `fund_transfer` are +0, so is
///   `fund_assets_gdp` (0 / N, N > 0), and `net_debt_gdp` = (D − 0) / N = `debt_gdp`;
/// - no fund and no commodity revenue in any year: revenue is Rn + 0 = Rn, so the
///   non-commodity primary balance (and its ratio) is the primary balance;
/// - no commodity revenue in any year (every `commodity_revenue_gdp` +0): `commodity_revenue`
///   is N × 0 × relative = +0 (N > 0; a non-finite relative price breaks the draw);
/// - no rules: adj = +0, so `rule_adjustment` (0 N) and `rule_adjustment_gdp` are +0;
/// - `debt_maturity` = 1 (and not drawn by `[uncertainty]`): `interest_rate` is the
///   marginal rate itself;
/// - growth spending is s N, one product; so is other spending, (o − 0) N, without rules
///   and with an inactive seventh shock (u_7 = +0: no sd, no row of A); revenue is τ N
///   (+ 0) without cyclical revenue (its semi-elasticity 0 and not drawn) and with
///   `commodity_revenue` +0 (above): each is [`Derived::Times`] nominal GDP where its
///   share is ≥ 0 (and not -0, for revenue) in every year of `model`;
/// - with a fund, the inflow is `commodity_share` C, one product: [`Derived::Times`]
///   commodity revenue where that is computed.
pub(crate) fn derived_outputs(sc: &Scenario, model: &Model) -> [Derived; N_OUTPUTS] {
    let mut d = [Derived::Computed; N_OUTPUTS];
    let mut set = |name: &str, how: Derived| {
        if let Some(i) = output_index(name) {
            d[i] = how;
        }
    };
    let same = |name: &str| Derived::SameAs(output_index(name).unwrap_or(0));
    if sc.fund.is_none() {
        for name in [
            "fund_assets",
            "fund_inflow",
            "fund_transfer",
            "fund_assets_gdp",
        ] {
            set(name, Derived::Zero);
        }
        set("net_debt_gdp", same("debt_gdp"));
        if sc.policy.commodity_revenue_gdp.iter().all(|x| *x == 0.0) {
            set("non_commodity_primary_balance", same("primary_balance"));
            set(
                "non_commodity_primary_balance_gdp",
                same("primary_balance_gdp"),
            );
        }
    }
    // C_t = N_t * tauc_t * relative: +0 in a sound draw (N > 0, relative >= 0 and
    // finite, or C is NaN and the draw broken) when every tauc_t is +0 (not -0).
    let commodity_zero = sc
        .policy
        .commodity_revenue_gdp
        .iter()
        .all(|x| x.to_bits() == 0);
    if commodity_zero {
        set("commodity_revenue", Derived::Zero);
    }
    if sc.rules.is_none() {
        set("rule_adjustment", Derived::Zero);
        set("rule_adjustment_gdp", Derived::Zero);
    }
    let drawn = |p: &str| {
        sc.uncertainty
            .as_ref()
            .is_some_and(|u| u.params.iter().any(|(n, _)| *n == p))
    };
    if sc.structure.debt_maturity == 1.0 && !drawn("debt_maturity") {
        set("marginal_interest_rate", same("interest_rate"));
    }
    // x ↦ share × x keeps order for a share ≥ 0; a -0 share of revenue would give
    // -0 + (+0) = +0, not -0 × N.
    let shares = |share: Share, minus_zero_ok: bool| {
        model.inputs.iter().all(|inp| {
            let x = share.of(inp);
            x >= 0.0 && (minus_zero_ok || x.to_bits() != (-0.0f64).to_bits())
        })
    };
    let gdp = |share| Derived::Times(output_index("gdp_nominal").unwrap_or(1), share);
    if shares(Share::GrowthSpending, true) {
        set("growth_spending", gdp(Share::GrowthSpending));
    }
    if sc.rules.is_none() && !sc.shocks.seventh_active() && shares(Share::OtherSpending, true) {
        set("other_spending", gdp(Share::OtherSpending));
    }
    // C is +0 in every sound draw where `commodity_zero` (above).
    if commodity_zero
        && sc.structure.cyclical_revenue_semi_elasticity == 0.0
        && !drawn("cyclical_revenue_semi_elasticity")
        && shares(Share::Revenue, false)
    {
        set("revenue", gdp(Share::Revenue));
    }
    if sc.fund.is_some() && !commodity_zero && shares(Share::FundInflow, true) {
        let commodity = output_index("commodity_revenue").unwrap_or(0);
        set("fund_inflow", Derived::Times(commodity, Share::FundInflow));
    }
    d
}

/// The parts of [`step`]'s equations that involve no state or shock: plain numbers, the
/// same for every draw of a year.
struct Coefficients {
    /// Equation 2: spending multiplier × ((s_t - s_{t-1}) - (sref_t - sref_{t-1})).
    spending_impulse: f64,
    /// Equation 2: revenue multiplier × ((tau_t - tau_{t-1}) - (tauref_t - tauref_{t-1})).
    revenue_impulse: f64,
    /// Equation 8: 1 - delta, the share of capital that survives a year.
    kept: f64,
    /// Equation 8: capital share × efficiency, the part of growth spending that becomes
    /// capital.
    productive: f64,
}

impl Coefficients {
    #[inline]
    fn of(st: &Structure, inp: &YearInputs) -> Coefficients {
        Coefficients {
            spending_impulse: st.spending_multiplier
                * ((inp.s - inp.s_prev) - (inp.sref - inp.sref_prev)),
            revenue_impulse: st.revenue_multiplier
                * ((inp.tau - inp.tau_prev) - (inp.tauref - inp.tauref_prev)),
            kept: 1.0 - st.depreciation,
            productive: st.capital_share * st.efficiency,
        }
    }
}

/// Plain-number arithmetic inside generic code, where `f64: Scalar<R>` would otherwise
/// make the compiler look for an `R` on the right of `f64 - f64`.
mod plain {
    #[inline(always)]
    pub(super) fn sum(a: f64, b: f64) -> f64 {
        a + b
    }
    #[inline(always)]
    pub(super) fn diff(a: f64, b: f64) -> f64 {
        a - b
    }
    #[inline(always)]
    pub(super) fn prod(a: f64, b: f64) -> f64 {
        a * b
    }
    #[inline(always)]
    pub(super) fn quot(a: f64, b: f64) -> f64 {
        a / b
    }
}

/// min(a, b) through [`Real::max`] (exact: negation only flips the sign bit).
#[inline(always)]
fn min<R: Real>(a: R, b: R) -> R {
    -((-a).max(-b))
}

impl RulesYear {
    /// Step 0: adj_t, the cut in other primary spending / GDP decided from last year's
    /// outcome `prev`.
    #[inline(always)]
    fn adjustment<R: Real>(&self, prev: &State<R>) -> R
    where
        f64: Scalar<R>,
    {
        let zero = R::splat(0.0);
        // `match`, not `Option::map_or`: the Monte Carlo kernels need this inlined.
        let brake = match self.debt_ceiling {
            Some(ceiling) => {
                let debt = if self.net { prev.d - prev.a } else { prev.d };
                let measure = debt / prev.n;
                let start = plain::diff(ceiling, self.debt_buffer);
                self.debt_response * (measure - start).max(zero)
            }
            None => zero,
        };
        let balance = match self.balance_target {
            Some(target) => self.balance_response * (target - prev.pre).max(zero),
            None => zero,
        };
        min(R::splat(self.max_adjustment), brake + balance)
    }
}

impl FundYear {
    /// Step F: the transfer the rule asks for, TRrule_t. `valuation` is E_t / E_{t-1},
    /// `prev_assets` A_{t-1}.
    #[inline(always)]
    fn rule_transfer<R: Real>(
        &self,
        st: &Structure,
        inp: &YearInputs,
        n: R,
        e: R,
        valuation: R,
        prev_assets: R,
    ) -> R
    where
        f64: Scalar<R>,
    {
        match self.rule {
            FundRule::Fixed if self.transfer_is_gdp => self.transfer * n,
            FundRule::Fixed => R::splat(self.transfer),
            FundRule::Cutoff => {
                let baseline = plain::prod(inp.pb, inp.eb);
                let relative = (self.cutoff_price * e) / baseline;
                let relative = if st.commodity_revenue_elasticity == 1.0 {
                    relative
                } else {
                    (st.commodity_revenue_elasticity * relative.ln()).exp()
                };
                let share = plain::prod(self.commodity_share, inp.tauc);
                share * n * relative
            }
            FundRule::Percent => self.payout_rate * prev_assets * valuation,
        }
    }
}

/// The fund's year: (A_t, F_t, TR_t) from last year's assets, this year's commodity
/// revenue `c` and the rule (step F). Zeros without a fund.
#[inline(always)]
fn fund_year<R: Real>(
    st: &Structure,
    inp: &YearInputs,
    prev: &State<R>,
    n: R,
    e: R,
    c: R,
) -> (R, R, R)
where
    f64: Scalar<R>,
{
    let zero = R::splat(0.0);
    let Some(fund) = &inp.fund else {
        return (zero, zero, zero);
    };
    let inflow = fund.commodity_share * c;
    let valuation = e / prev.e;
    let growth = plain::sum(1.0, fund.return_rate);
    let before = prev.a * growth * valuation + inflow;
    let wanted = fund.rule_transfer(st, inp, n, e, valuation, prev.a);
    let transfer = min(wanted, (before - fund.min_assets_gdp * n).max(zero));
    (before - transfer, inflow, transfer)
}

/// One year of docs/MODEL.md: version 2's steps 0, 1-10, F, 11, 12 and N, in that order.
///
/// `prev` is the state at t-1, `u` the shock state u_t (zeros in a deterministic run),
/// `reference` the reference path's year t (Kref_t, gapref_t), or `None` while computing
/// the reference path itself (where K_t = Kref_t, so x_t = 0, and gap_t = gapref_t).
///
/// Without a fund, without rules, with debt_maturity = 1, no cyclical revenue, no oil
/// channel to activity and no primary-balance shock, every version-1 output is version
/// 1's to the bit: the version-2 terms are skipped, not added as zeros.
///
/// Generic over the number kind: `f64` for one draw, `crate::lanes::Lanes` for eight
/// draws at once (bit for bit the same per draw; see `crate::lanes`). Always inlined, so
/// that the Monte Carlo kernels compile it for their instruction set.
#[inline(always)]
pub fn step<R: Real>(
    st: &Structure,
    inp: &YearInputs,
    reference: Option<Reference<R>>,
    prev: &State<R>,
    u: &[R; N_SHOCKS],
) -> (State<R>, Year<R>)
where
    f64: Scalar<R>,
{
    let zero = R::splat(0.0);
    // 0. Rule adjustment, from last year's outcome.
    let adj = match &inp.rules {
        Some(r) => r.adjustment(prev),
        None => zero,
    };
    // 1. Potential growth; capital built in t-1 is productive from t.
    let gpot = inp.gb + st.public_capital_elasticity * (prev.x1 - prev.x2) + u[POTENTIAL];
    let ypot = prev.ypot * (1.0 + gpot);
    // 2. Output gap: demand effects of policy deviations from the baseline assumptions,
    //    of the rules' cuts and of the commodity price.
    let c = Coefficients::of(st, inp);
    let mut gap =
        st.gap_persistence * prev.gap + c.spending_impulse - c.revenue_impulse + u[DEMAND];
    if inp.rules.is_some() {
        gap = gap - st.adjustment_multiplier * (adj - prev.adj);
    }
    if st.commodity_gap_elasticity != 0.0 {
        gap = gap + st.commodity_gap_elasticity * u[OIL];
    }
    // 3. Real GDP.
    let y = ypot * (1.0 + gap);
    let g = y / prev.y - 1.0;
    // 4. Prices.
    let pi = inp.pib + u[INFLATION];
    let p = prev.p * (1.0 + pi);
    let n = y * p;
    // 5. Commodity price and exchange rate.
    let oil_shock = u[OIL].exp();
    let fx_shock = u[FX].exp();
    let price = inp.pb * oil_shock;
    let e = inp.eb * fx_shock;
    // 6. Revenue: ((p E) / (pb Eb))^epsc = exp(epsc (u_oil + u_fx)).
    let relative = if st.commodity_revenue_elasticity == 1.0 {
        oil_shock * fx_shock
    } else {
        (st.commodity_revenue_elasticity * (u[OIL] + u[FX])).exp()
    };
    let commodity_revenue = n * inp.tauc * relative;
    let non_commodity_revenue = match reference {
        Some(r) if st.cyclical_revenue_semi_elasticity != 0.0 => {
            n * (inp.tau + st.cyclical_revenue_semi_elasticity * (gap - r.gap))
        }
        _ => n * inp.tau,
    };
    let revenue = match &inp.fund {
        None => non_commodity_revenue + commodity_revenue,
        Some(f) => {
            let kept = plain::diff(1.0, f.commodity_share);
            non_commodity_revenue + kept * commodity_revenue
        }
    };
    // 7. Spending; the rules cut other spending, the seventh shock acts on it.
    let growth_spending = inp.s * n;
    let other_spending = if inp.rules.is_some() {
        (inp.o - adj - u[PRIMARY_BALANCE_SHOCK]) * n
    } else {
        (inp.o - u[PRIMARY_BALANCE_SHOCK]) * n
    };
    // 8. Public capital.
    let k = c.kept * prev.k + c.productive * growth_spending / p;
    let x = match reference {
        Some(r) => (k / r.capital).ln(),
        None => zero,
    };
    // 9. Interest: the marginal rate, with the premium on last year's debt ratio; the
    //    effective rate moves towards it as 1/M of the debt rolls over.
    let d_prev = prev.d / prev.n;
    let marginal = inp.ib + st.debt_premium * (d_prev - st.debt_threshold).max(zero) + u[RATE];
    let i = if st.debt_maturity == 1.0 {
        marginal
    } else {
        let rolled = plain::quot(1.0, st.debt_maturity);
        let kept = plain::diff(1.0, rolled);
        kept * prev.ieff + rolled * marginal
    };
    let interest = i * prev.d;
    // 10. Revaluation of foreign-currency debt.
    let revaluation = st.fx_debt_share * prev.d * (e / prev.e - 1.0);
    // F. The fund.
    let (assets, inflow, transfer) = fund_year(st, inp, prev, n, e, commodity_revenue);
    // 11. Balances.
    let primary_balance = match &inp.fund {
        None => revenue - growth_spending - other_spending,
        Some(_) => revenue + transfer - growth_spending - other_spending,
    };
    let overall_balance = primary_balance - interest;
    // Without a fund and without commodity revenue, revenue is the non-commodity revenue
    // (Rn + 0), so the two balances are the same numbers: computed once.
    let same_balances = inp.fund.is_none() && inp.tauc == 0.0;
    let non_commodity_balance = if same_balances {
        primary_balance
    } else {
        non_commodity_revenue - growth_spending - other_spending
    };
    // 12. Debt.
    let other_flows = inp.f * n;
    let d = prev.d + interest - primary_balance + revaluation + other_flows;
    // N. Net debt and gross financing need (deficit plus amortisation).
    let amortisation = if st.debt_maturity == 1.0 {
        prev.d
    } else {
        prev.d / st.debt_maturity
    };
    let financing = interest - primary_balance + amortisation + other_flows;
    let spending = growth_spending + other_spending + interest;
    let budget_share = R::select(spending.cmp_eq(0.0), zero, growth_spending / spending);
    // Ratios to GDP; the version-2 ones that are known without dividing (0 without a fund
    // or rules, a version-1 ratio) are not divided again (same numbers in sound draws).
    let debt_gdp = d / n;
    let primary_balance_gdp = primary_balance / n;
    let with_rules = inp.rules.is_some();
    let (fund_assets_gdp, net_debt_gdp) = match &inp.fund {
        None => (zero, debt_gdp),
        Some(_) => (assets / n, (d - assets) / n),
    };
    let non_commodity_balance_gdp = if same_balances {
        primary_balance_gdp
    } else {
        non_commodity_balance / n
    };
    let pre = match inp.rules {
        Some(RulesYear {
            balance_target: Some(_),
            ..
        }) => non_commodity_balance_gdp - adj,
        _ => zero,
    };
    let state = State {
        ypot,
        y,
        p,
        n,
        k,
        d,
        gap,
        x1: x,
        x2: prev.x1,
        e,
        a: assets,
        ieff: i,
        adj,
        pre,
    };
    let year = Year {
        gdp_real: y,
        gdp_nominal: n,
        gdp_usd: n / e,
        real_growth: g,
        potential_growth: gpot,
        output_gap: gap,
        inflation: pi,
        commodity_price: price,
        exchange_rate: e,
        interest_rate: i,
        revenue,
        commodity_revenue,
        growth_spending,
        other_spending,
        interest,
        primary_balance,
        overall_balance,
        debt: d,
        public_capital: k,
        revenue_gdp: revenue / n,
        growth_spending_gdp: growth_spending / n,
        primary_balance_gdp,
        overall_balance_gdp: overall_balance / n,
        debt_gdp,
        marginal_interest_rate: marginal,
        fund_assets: assets,
        fund_inflow: inflow,
        fund_transfer: transfer,
        non_commodity_primary_balance: non_commodity_balance,
        rule_adjustment: if with_rules { adj * n } else { zero },
        gross_financing_need: financing,
        fund_assets_gdp,
        net_debt_gdp,
        non_commodity_primary_balance_gdp: non_commodity_balance_gdp,
        gross_financing_need_gdp: financing / n,
        rule_adjustment_gdp: adj,
        growth_spending_budget_share: budget_share,
        revaluation,
        other_flows,
    };
    (state, year)
}

/// A scenario compiled for simulation: per-year inputs, the base-year state and the
/// reference path (Yref, Pref, Kref: the baseline policy without shocks).
#[derive(Debug, Clone, PartialEq)]
pub struct Model {
    /// Structural parameters.
    pub structure: Structure,
    /// Inputs of years t = 1..T.
    pub inputs: Vec<YearInputs>,
    /// The reference path (s = sref, tau = tauref, u = 0).
    pub reference: Vec<Year>,
    /// The base-year state.
    pub initial: State,
    /// The calendar years t = 1..T.
    pub years: Vec<i32>,
}

impl Model {
    /// Compiles a scenario with its own structural parameters.
    pub fn new(sc: &Scenario) -> Model {
        Model::with_structure(sc, sc.structure.clone())
    }

    /// Compiles a scenario with other structural parameters (e.g. drawn from
    /// `[uncertainty]`); the reference path is computed with them.
    pub(crate) fn with_structure(sc: &Scenario, structure: Structure) -> Model {
        let b = &sc.baseline;
        let p = &sc.policy;
        let s0 = sc.initial.growth_spending_gdp;
        let tau0 = sc.initial.revenue_gdp;
        let inputs: Vec<YearInputs> = (0..sc.horizon())
            .map(|t| {
                let prev = |v: &[f64], v0: f64| if t == 0 { v0 } else { v[t - 1] };
                YearInputs {
                    gb: b.real_growth[t],
                    pib: b.inflation[t],
                    sref: b.growth_spending_gdp[t],
                    sref_prev: prev(&b.growth_spending_gdp, s0),
                    tauref: b.revenue_gdp[t],
                    tauref_prev: prev(&b.revenue_gdp, tau0),
                    pb: b.commodity_price[t],
                    eb: b.exchange_rate[t],
                    ib: b.interest_rate[t],
                    s: p.growth_spending_gdp[t],
                    s_prev: prev(&p.growth_spending_gdp, s0),
                    tau: p.revenue_gdp[t],
                    tau_prev: prev(&p.revenue_gdp, tau0),
                    tauc: p.commodity_revenue_gdp[t],
                    o: p.other_spending_gdp[t],
                    f: p.other_flows_gdp[t],
                    fund: sc.fund.as_ref().map(|f| fund_year_inputs(f, t)),
                    rules: sc.rules.as_ref().map(|r| rules_year_inputs(r, t)),
                }
            })
            .collect();
        let initial = State::initial(sc);
        let mut state = initial;
        let reference = inputs
            .iter()
            .map(|inp| {
                let (next, year) =
                    step(&structure, &inp.reference(), None, &state, &[0.0; N_SHOCKS]);
                state = next;
                year
            })
            .collect();
        Model {
            structure,
            inputs,
            reference,
            initial,
            years: sc.years.clone(),
        }
    }

    /// What year index `t` of a simulated path takes from the reference path (Kref_t,
    /// gapref_t), in every lane of `R`.
    #[inline(always)]
    pub(crate) fn reference_at<R: Real>(&self, t: usize) -> Reference<R> {
        Reference {
            capital: R::splat(self.reference[t].public_capital),
            gap: R::splat(self.reference[t].output_gap),
        }
    }

    /// Runs all years with the shock states `u(t)` (0-based year index), returning one
    /// [`Year`] per projection year. A deterministic run passes zeros.
    pub fn simulate(&self, mut u: impl FnMut(usize) -> [f64; N_SHOCKS]) -> Vec<Year> {
        let mut state = self.initial;
        self.inputs
            .iter()
            .enumerate()
            .map(|(t, inp)| {
                let reference = Some(self.reference_at(t));
                let (next, year) = step(&self.structure, inp, reference, &state, &u(t));
                state = next;
                year
            })
            .collect()
    }
}

/// The `[fund]` inputs of projection year index `t`.
fn fund_year_inputs(f: &Fund, t: usize) -> FundYear {
    let at = |v: &Option<Vec<f64>>| v.as_ref().map_or(0.0, |v| v[t]);
    FundYear {
        commodity_share: f.commodity_share,
        return_rate: f.return_rate[t],
        rule: f.rule,
        transfer: f.transfer.as_ref().map_or(at(&f.transfer_gdp), |v| v[t]),
        transfer_is_gdp: f.transfer.is_none(),
        cutoff_price: at(&f.cutoff_price),
        payout_rate: at(&f.payout_rate),
        min_assets_gdp: f.min_assets_gdp[t],
    }
}

/// The `[rules]` inputs of projection year index `t`.
fn rules_year_inputs(r: &Rules, t: usize) -> RulesYear {
    RulesYear {
        debt_ceiling: r.debt_ceiling_gdp.as_ref().map(|v| v[t]),
        net: r.debt_measure == DebtMeasure::Net,
        debt_buffer: r.debt_buffer,
        debt_response: r.debt_response,
        balance_target: r.non_commodity_balance_target_gdp.as_ref().map(|v| v[t]),
        balance_response: r.balance_response,
        max_adjustment: r.max_adjustment_gdp,
    }
}

/// Why a simulated year is numerically broken, if it is: non-finite values, or real or
/// nominal GDP that is not positive.
pub fn breakdown(year: &Year) -> Option<&'static str> {
    let not_positive = |x: f64| x.is_nan() || x <= 0.0;
    if not_positive(year.gdp_real) || not_positive(year.gdp_nominal) {
        return Some("GDP is no longer positive (growth or inflation below -100 %)");
    }
    if year.values().iter().any(|v| !v.is_finite()) {
        return Some("a value is no longer finite (debt or a price exploded)");
    }
    None
}

/// Why a simulated year is numerically broken, in detail: which output, its value, and
/// the figures that led there. `prev` is the year before (`None` for the first
/// projection year). `None` when the year is sound (see [`breakdown`]).
pub fn diagnose(prev: Option<&Year>, year: &Year) -> Option<String> {
    let not_positive = |x: f64| x.is_nan() || x <= 0.0;
    let pct = |x: f64| format!("{:.1} %", 100.0 * x);
    if not_positive(year.gdp_real) {
        return Some(format!(
            "real GDP `gdp_real` is {} and must stay positive: the output gap is {} and potential \
             growth {} (a gap or growth at or below -100 % wipes out output; check multipliers, \
             policy jumps and growth paths)",
            year.gdp_real,
            pct(year.output_gap),
            pct(year.potential_growth)
        ));
    }
    if not_positive(year.gdp_nominal) {
        return Some(format!(
            "nominal GDP `gdp_nominal` is {} and must stay positive: the price level fell to zero \
             (inflation {})",
            year.gdp_nominal,
            pct(year.inflation)
        ));
    }
    let values = year.values();
    let (i, v) = values.iter().enumerate().find(|(_, v)| !v.is_finite())?;
    let name = OUTPUT_NAMES[i];
    let debt_before = prev.map_or(String::new(), |p| {
        format!(
            ", debt was {} % of GDP the year before",
            format_pct(p.debt_gdp)
        )
    });
    let why = match name {
        "interest"
        | "interest_rate"
        | "overall_balance"
        | "debt"
        | "debt_gdp"
        | "overall_balance_gdp" => format!(
            "debt and interest grow without bound (interest rate {} %{debt_before}); check \
             interest_rate, debt_premium and the primary balance",
            format_pct(year.interest_rate)
        ),
        _ => "a level overflowed the range of floating-point numbers; check the scenario for \
              extreme values"
            .into(),
    };
    Some(format!("`{name}` is {v}, not a finite number: {why}"))
}

fn format_pct(x: f64) -> String {
    if x.is_finite() && x.abs() < 1e6 {
        format!("{:.1}", 100.0 * x)
    } else {
        format!("{:.3e}", 100.0 * x)
    }
}

/// The deterministic projection of docs/MODEL.md (u_t = 0 for every t), one [`Year`] per
/// projection year. Fails with the first year that breaks down numerically, naming the
/// output, its value and why ([`diagnose`]).
pub fn project(sc: &Scenario) -> Result<Vec<Year>> {
    let path = Model::new(sc).simulate(|_| [0.0; N_SHOCKS]);
    for (t, (year, y)) in sc.years.iter().zip(&path).enumerate() {
        let prev = t.checked_sub(1).and_then(|p| path.get(p));
        if let Some(why) = diagnose(prev, y) {
            return Err(Error::Numerical {
                year: *year,
                message: why,
            });
        }
    }
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sound() -> Year {
        Year {
            gdp_real: 100.0,
            gdp_nominal: 110.0,
            debt_gdp: 0.5,
            interest_rate: 0.1,
            ..Year::default()
        }
    }

    #[test]
    fn a_sound_year_has_no_diagnosis() {
        assert_eq!(diagnose(None, &sound()), None);
        assert_eq!(breakdown(&sound()), None);
    }

    #[test]
    fn non_positive_gdp_names_the_output_its_value_and_the_gap() {
        let y = Year {
            gdp_real: -3.5,
            output_gap: -1.2,
            potential_growth: 0.05,
            ..sound()
        };
        let msg = diagnose(None, &y).expect("broken");
        assert!(
            msg.starts_with(
                "real GDP `gdp_real` is -3.5 and must stay positive: the output gap is \
                             -120.0 % and potential growth 5.0 %"
            ),
            "{msg}"
        );
        let y = Year {
            gdp_nominal: 0.0,
            inflation: -1.0,
            ..sound()
        };
        let msg = diagnose(None, &y).expect("broken");
        assert!(msg.contains("nominal GDP `gdp_nominal` is 0"), "{msg}");
        assert!(msg.contains("inflation -100.0 %"), "{msg}");
    }

    #[test]
    fn a_non_finite_output_is_named_with_the_debt_of_the_year_before() {
        let prev = Year {
            debt_gdp: 2.5,
            ..sound()
        };
        let y = Year {
            interest: f64::INFINITY,
            debt: f64::INFINITY,
            ..sound()
        };
        let msg = diagnose(Some(&prev), &y).expect("broken");
        assert!(
            msg.starts_with(
                "`interest` is inf, not a finite number: debt and interest grow \
                             without bound (interest rate 10.0 %, debt was 250.0 % of GDP the \
                             year before)"
            ),
            "{msg}"
        );
        let y = Year {
            commodity_price: f64::NAN,
            ..sound()
        };
        let msg = diagnose(None, &y).expect("broken");
        assert!(msg.starts_with("`commodity_price` is NaN"), "{msg}");
        assert!(msg.contains("overflowed"), "{msg}");
    }
}

/// Each equation of version 2 against numbers computed by hand, on one step from a
/// hand-made state (so that nothing else of the model is in the way).
#[cfg(test)]
mod version2 {
    use super::*;

    /// A plain year: no policy impulse, baseline price and exchange rate 50 and 400.
    fn inputs() -> YearInputs {
        YearInputs {
            gb: 0.05,
            pib: 0.10,
            sref: 0.02,
            sref_prev: 0.02,
            tauref: 0.2,
            tauref_prev: 0.2,
            pb: 50.0,
            eb: 400.0,
            ib: 0.06,
            s: 0.02,
            s_prev: 0.02,
            tau: 0.2,
            tau_prev: 0.2,
            tauc: 0.04,
            o: 0.18,
            f: 0.0,
            fund: None,
            rules: None,
        }
    }

    /// Base year: N = Y = 100, P = 1, D = 40, A = 30, E = 400, no gap.
    fn state() -> State {
        State {
            ypot: 100.0,
            y: 100.0,
            p: 1.0,
            n: 100.0,
            k: 50.0,
            d: 40.0,
            gap: 0.0,
            x1: 0.0,
            x2: 0.0,
            e: 400.0,
            a: 30.0,
            ieff: 0.04,
            adj: 0.0,
            pre: -0.01,
        }
    }

    fn fund(rule: FundRule) -> FundYear {
        FundYear {
            commodity_share: 1.0,
            return_rate: 0.05,
            rule,
            transfer: 2.0,
            transfer_is_gdp: false,
            cutoff_price: 40.0,
            payout_rate: 0.1,
            min_assets_gdp: 0.0,
        }
    }

    fn rules() -> RulesYear {
        RulesYear {
            debt_ceiling: None,
            net: false,
            debt_buffer: 0.0,
            debt_response: 0.05,
            balance_target: None,
            balance_response: 1.0,
            max_adjustment: 0.05,
        }
    }

    fn run(st: &Structure, inp: &YearInputs, u: [f64; N_SHOCKS]) -> (State, Year) {
        let reference = Reference {
            capital: 50.0 * 0.95 + 0.35 * 0.02 * 115.5,
            gap: 0.0,
        };
        step(st, inp, Some(reference), &state(), &u)
    }

    fn close(a: f64, b: f64) {
        assert!((a - b).abs() < 1e-12 * b.abs().max(1.0), "{a} vs {b}");
    }

    /// N_1 = 100 * 1.05 * 1.10 = 115.5 in every case without shocks.
    const N1: f64 = 115.5;

    #[test]
    fn fixed_rule_pays_the_level_and_the_fund_identity_holds() {
        let inp = YearInputs {
            fund: Some(fund(FundRule::Fixed)),
            ..inputs()
        };
        let (s, y) = run(&Structure::default(), &inp, [0.0; N_SHOCKS]);
        close(y.gdp_nominal, N1);
        let inflow = 0.04 * N1;
        close(y.commodity_revenue, inflow);
        close(y.fund_inflow, inflow);
        // A' = 30 * 1.05 * (400 / 400) + F; TR = 2; A = A' - 2.
        close(y.fund_transfer, 2.0);
        close(y.fund_assets, 30.0 * 1.05 + inflow - 2.0);
        close(s.a, y.fund_assets);
        // The budget keeps no commodity revenue, receives the transfer.
        close(y.revenue, 0.2 * N1);
        close(y.primary_balance, 0.2 * N1 + 2.0 - 0.02 * N1 - 0.18 * N1);
        close(y.non_commodity_primary_balance, (0.2 - 0.02 - 0.18) * N1);
        close(y.net_debt_gdp, (y.debt - y.fund_assets) / N1);
        close(y.fund_assets_gdp, y.fund_assets / N1);
    }

    #[test]
    fn transfer_as_a_share_of_gdp_and_a_partial_commodity_share() {
        let inp = YearInputs {
            fund: Some(FundYear {
                transfer: 0.01,
                transfer_is_gdp: true,
                commodity_share: 0.75,
                ..fund(FundRule::Fixed)
            }),
            ..inputs()
        };
        let (_, y) = run(&Structure::default(), &inp, [0.0; N_SHOCKS]);
        close(y.fund_transfer, 0.01 * N1);
        close(y.fund_inflow, 0.75 * 0.04 * N1);
        close(y.revenue, 0.2 * N1 + 0.25 * 0.04 * N1);
    }

    #[test]
    fn cutoff_rule_pays_the_revenue_at_the_cutoff_price() {
        let inp = YearInputs {
            fund: Some(fund(FundRule::Cutoff)),
            ..inputs()
        };
        // Exchange-rate shock 0.1: E = 400 e^0.1; TR = psi tauc N (40 E) / (50 * 400).
        let mut u = [0.0; N_SHOCKS];
        u[FX] = 0.1;
        let (_, y) = run(&Structure::default(), &inp, u);
        let e = 400.0 * 0.1f64.exp();
        close(y.exchange_rate, e);
        close(y.fund_transfer, 0.04 * N1 * (40.0 * e) / (50.0 * 400.0));
        // Assets are revalued with the exchange rate.
        close(
            y.fund_assets,
            30.0 * 1.05 * (e / 400.0) + y.fund_inflow - y.fund_transfer,
        );
        // With an elasticity of 2 the price ratio is squared.
        let st = Structure {
            commodity_revenue_elasticity: 2.0,
            ..Structure::default()
        };
        let (_, y) = run(&st, &inp, [0.0; N_SHOCKS]);
        close(y.fund_transfer, 0.04 * N1 * (40.0f64 / 50.0).powi(2));
    }

    #[test]
    fn percent_rule_pays_a_share_of_revalued_assets() {
        let inp = YearInputs {
            fund: Some(fund(FundRule::Percent)),
            ..inputs()
        };
        let mut u = [0.0; N_SHOCKS];
        u[FX] = -0.2;
        let (_, y) = run(&Structure::default(), &inp, u);
        close(y.fund_transfer, 0.1 * 30.0 * (-0.2f64).exp());
    }

    #[test]
    fn the_floor_caps_the_transfer_and_never_makes_it_negative() {
        // A' = 31.5 + 4.62 = 36.12; floor 0.3 N = 34.65: only 1.47 can be paid.
        let inp = YearInputs {
            fund: Some(FundYear {
                min_assets_gdp: 0.3,
                ..fund(FundRule::Fixed)
            }),
            ..inputs()
        };
        let (_, y) = run(&Structure::default(), &inp, [0.0; N_SHOCKS]);
        close(y.fund_transfer, 31.5 + 0.04 * N1 - 0.3 * N1);
        close(y.fund_assets, 0.3 * N1);
        // Assets already below the floor: no transfer, no negative one.
        let inp = YearInputs {
            fund: Some(FundYear {
                min_assets_gdp: 0.5,
                ..fund(FundRule::Fixed)
            }),
            ..inputs()
        };
        let (_, y) = run(&Structure::default(), &inp, [0.0; N_SHOCKS]);
        assert_eq!(y.fund_transfer, 0.0);
    }

    #[test]
    fn the_debt_brake_cuts_other_spending_by_the_excess_over_ceiling_less_buffer() {
        // Last year's debt 40 % of GDP, ceiling 35 %, buffer 1 %: cut 0.05 * 0.06.
        let inp = YearInputs {
            rules: Some(RulesYear {
                debt_ceiling: Some(0.35),
                debt_buffer: 0.01,
                ..rules()
            }),
            ..inputs()
        };
        let st = Structure::default();
        let (s, y) = run(&st, &inp, [0.0; N_SHOCKS]);
        let adj = 0.05 * (0.40 - 0.34);
        close(y.rule_adjustment_gdp, adj);
        close(s.adj, adj);
        close(y.rule_adjustment, adj * y.gdp_nominal);
        // The cut lowers demand: gap = -madj * adj.
        close(y.output_gap, -0.4 * adj);
        close(y.other_spending, (0.18 - adj) * y.gdp_nominal);
        // Net debt: (40 - 30) / 100 = 10 % is below the ceiling, no cut.
        let net = YearInputs {
            rules: Some(RulesYear {
                net: true,
                ..inp.rules.unwrap()
            }),
            ..inputs()
        };
        assert_eq!(run(&st, &net, [0.0; N_SHOCKS]).1.rule_adjustment_gdp, 0.0);
        // The cap.
        let capped = YearInputs {
            rules: Some(RulesYear {
                debt_response: 1.0,
                max_adjustment: 0.02,
                ..inp.rules.unwrap()
            }),
            ..inputs()
        };
        close(
            run(&st, &capped, [0.0; N_SHOCKS]).1.rule_adjustment_gdp,
            0.02,
        );
    }

    #[test]
    fn the_balance_rule_closes_last_years_pre_cut_shortfall() {
        // pre_0 = -1 %, floor -0.5 %: cut 0.5 % (gn = 1); with gn = 0.5, 0.25 %.
        let inp = YearInputs {
            rules: Some(RulesYear {
                balance_target: Some(-0.005),
                ..rules()
            }),
            ..inputs()
        };
        let st = Structure::default();
        let (s, y) = run(&st, &inp, [0.0; N_SHOCKS]);
        close(y.rule_adjustment_gdp, 0.005);
        // pre_1 = NCPB_1 / N_1 - adj_1 = (0.2 - 0.02 - (0.18 - 0.005)) - 0.005 = 0.
        close(s.pre, 0.0);
        let half = YearInputs {
            rules: Some(RulesYear {
                balance_response: 0.5,
                ..inp.rules.unwrap()
            }),
            ..inputs()
        };
        close(
            run(&st, &half, [0.0; N_SHOCKS]).1.rule_adjustment_gdp,
            0.0025,
        );
    }

    #[test]
    fn debt_maturity_moves_the_effective_rate_towards_the_marginal_one() {
        let st = Structure {
            debt_maturity: 4.0,
            ..Structure::default()
        };
        let (s, y) = run(&st, &inputs(), [0.0; N_SHOCKS]);
        // marginal 6 % (debt below the threshold); effective 0.75 * 4 % + 0.25 * 6 %.
        close(y.marginal_interest_rate, 0.06);
        close(y.interest_rate, 0.75 * 0.04 + 0.25 * 0.06);
        close(s.ieff, y.interest_rate);
        close(y.interest, y.interest_rate * 40.0);
        // GFN = I - PB + D_{t-1} / M.
        close(
            y.gross_financing_need,
            y.interest - y.primary_balance + 40.0 / 4.0,
        );
        close(y.gross_financing_need_gdp, y.gross_financing_need / N1);
        // M = 1: the effective rate is the marginal one, to the bit.
        let (_, y1) = run(&Structure::default(), &inputs(), [0.0; N_SHOCKS]);
        assert_eq!(
            y1.interest_rate.to_bits(),
            y1.marginal_interest_rate.to_bits()
        );
    }

    #[test]
    fn cyclical_revenue_follows_the_gap_relative_to_the_reference() {
        let st = Structure {
            cyclical_revenue_semi_elasticity: 0.3,
            ..Structure::default()
        };
        let mut u = [0.0; N_SHOCKS];
        u[DEMAND] = 0.02; // a demand shock: gap 2 %, reference gap 0
        let (_, y) = run(&st, &inputs(), u);
        close(y.output_gap, 0.02);
        let n = y.gdp_nominal;
        close(y.revenue, n * (0.2 + 0.3 * 0.02) + 0.04 * n);
    }

    #[test]
    fn the_commodity_price_moves_activity_and_the_seventh_shock_the_balance() {
        let st = Structure {
            commodity_gap_elasticity: 0.05,
            ..Structure::default()
        };
        let mut u = [0.0; N_SHOCKS];
        u[OIL] = -0.4; // oil 33 % below baseline
        u[PRIMARY_BALANCE_SHOCK] = 0.01;
        let (_, y) = run(&st, &inputs(), u);
        close(y.output_gap, 0.05 * -0.4);
        close(y.commodity_price, 50.0 * (-0.4f64).exp());
        // The balance shock lowers other spending by 1 % of GDP, nothing else.
        close(y.other_spending, (0.18 - 0.01) * y.gdp_nominal);
    }

    #[test]
    fn growth_spending_budget_share_counts_interest() {
        let (_, y) = run(&Structure::default(), &inputs(), [0.0; N_SHOCKS]);
        close(
            y.growth_spending_budget_share,
            y.growth_spending / (y.growth_spending + y.other_spending + y.interest),
        );
        // No spending at all: 0, not NaN.
        let none = YearInputs {
            s: 0.0,
            s_prev: 0.0,
            sref: 0.0,
            sref_prev: 0.0,
            o: 0.0,
            ..inputs()
        };
        let st = State { d: 0.0, ..state() };
        let (_, y) = step(&Structure::default(), &none, None, &st, &[0.0; N_SHOCKS]);
        assert_eq!(y.growth_spending_budget_share, 0.0);
    }
}
