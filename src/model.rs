//! The economics of MODEL.md (version 1): one pure [`step`] function advancing the economy
//! and the budget by one year, and [`Model`], a scenario compiled into per-year inputs and
//! its reference path.
//!
//! Every computation of fiscalsim (deterministic runs, Monte Carlo draws, sweeps, stress
//! tests, goal-seek) goes through [`step`]; the equations exist nowhere else. Levels are
//! in the scenario's currency unit (real GDP in base-year prices), rates and `*_gdp`
//! values are fractions (0.053 = 5.3 %).

use std::ops::{Add, Mul, Sub};

use crate::error::{Error, Result};
use crate::lanes::Real;
use crate::scenario::{N_SHOCKS, Scenario, Structure};

/// Number of canonical outputs.
pub const N_OUTPUTS: usize = 24;

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
}

impl YearInputs {
    /// The inputs of the reference path: policy equal to the baseline assumptions
    /// (s = sref, tau = tauref).
    #[inline]
    pub fn reference(&self) -> YearInputs {
        YearInputs {
            s: self.sref,
            s_prev: self.sref_prev,
            tau: self.tauref,
            tau_prev: self.tauref_prev,
            ..*self
        }
    }
}

/// The state carried from year t-1 to year t (`R` is `f64`, or [`crate::lanes::Lanes`]
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
}

impl State {
    /// This state in every lane of `R`.
    #[inline]
    pub fn splat<R: Real>(&self) -> State<R> {
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
        }
    }
}

/// Everything the model computes for one year: the 24 canonical outputs, plus the two
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
    /// i_t: effective interest rate on debt.
    pub interest_rate: R,
    /// R_t: revenue (non-commodity plus commodity).
    pub revenue: R,
    /// Commodity part of R_t.
    pub commodity_revenue: R,
    /// S_t: growth-stimulating spending.
    pub growth_spending: R,
    /// O_t: other primary spending.
    pub other_spending: R,
    /// I_t: interest paid.
    pub interest: R,
    /// PB_t = R_t - S_t - O_t.
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
    /// V_t: revaluation of foreign-currency debt (not a canonical output).
    pub revaluation: R,
    /// f_t N_t: stock-flow adjustment (not a canonical output).
    pub other_flows: R,
}

/// One list of the canonical outputs gives their names, [`Year::values`] and
/// [`Year::from_parts`], so the three can never disagree on the order.
macro_rules! canonical_outputs {
    ($($field:ident),* $(,)?) => {
        /// The canonical outputs of MODEL.md, in column order.
        pub const OUTPUT_NAMES: [&str; N_OUTPUTS] = [$(stringify!($field)),*];

        impl<R: Copy> Year<R> {
            /// The canonical outputs in [`OUTPUT_NAMES`] order.
            #[inline]
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
);

impl Year {
    /// The value of the canonical output `name`, if it is one.
    pub fn get(&self, name: &str) -> Option<f64> {
        output_index(name).map(|i| self.values()[i])
    }
}

/// Index of a canonical output name in [`OUTPUT_NAMES`].
pub fn output_index(name: &str) -> Option<usize> {
    OUTPUT_NAMES.iter().position(|n| *n == name)
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

/// One year of MODEL.md, equations 1 to 12.
///
/// `prev` is the state at t-1, `u` the shock state u_t (zeros in a deterministic run),
/// `kref` the reference capital stock Kref_t, or `None` while computing the reference
/// path itself (where K_t = Kref_t, so x_t = 0).
///
/// Generic over the number kind: `f64` for one draw, [`crate::lanes::Lanes`] for eight
/// draws at once (bit for bit the same per draw; see [`crate::lanes`]).
#[inline]
pub fn step<R: Real>(
    st: &Structure,
    inp: &YearInputs,
    kref: Option<R>,
    prev: &State<R>,
    u: &[R; N_SHOCKS],
) -> (State<R>, Year<R>)
where
    f64: Add<R, Output = R> + Sub<R, Output = R> + Mul<R, Output = R>,
{
    // 1. Potential growth; capital built in t-1 is productive from t.
    let gpot = inp.gb + st.public_capital_elasticity * (prev.x1 - prev.x2) + u[0];
    let ypot = prev.ypot * (1.0 + gpot);
    // 2. Output gap: demand effects of policy deviations from the baseline assumptions.
    let c = Coefficients::of(st, inp);
    let gap = st.gap_persistence * prev.gap + c.spending_impulse - c.revenue_impulse + u[1];
    // 3. Real GDP.
    let y = ypot * (1.0 + gap);
    let g = y / prev.y - 1.0;
    // 4. Prices.
    let pi = inp.pib + u[2];
    let p = prev.p * (1.0 + pi);
    let n = y * p;
    // 5. Commodity price and exchange rate.
    let oil_shock = u[3].exp();
    let fx_shock = u[5].exp();
    let price = inp.pb * oil_shock;
    let e = inp.eb * fx_shock;
    // 6. Revenue: ((p E) / (pb Eb))^epsc = exp(epsc (u_oil + u_fx)).
    let relative = if st.commodity_revenue_elasticity == 1.0 {
        oil_shock * fx_shock
    } else {
        (st.commodity_revenue_elasticity * (u[3] + u[5])).exp()
    };
    let commodity_revenue = n * inp.tauc * relative;
    let revenue = n * inp.tau + commodity_revenue;
    // 7. Spending.
    let growth_spending = inp.s * n;
    let other_spending = inp.o * n;
    // 8. Public capital.
    let k = c.kept * prev.k + c.productive * growth_spending / p;
    let x = kref.map_or(R::splat(0.0), |kr| (k / kr).ln());
    // 9. Interest, with the premium on last year's debt ratio.
    let d_prev = prev.d / prev.n;
    let i = inp.ib + st.debt_premium * (d_prev - st.debt_threshold).max(R::splat(0.0)) + u[4];
    let interest = i * prev.d;
    // 10. Revaluation of foreign-currency debt.
    let revaluation = st.fx_debt_share * prev.d * (e / prev.e - 1.0);
    // 11. Balances.
    let primary_balance = revenue - growth_spending - other_spending;
    let overall_balance = primary_balance - interest;
    // 12. Debt.
    let other_flows = inp.f * n;
    let d = prev.d + interest - primary_balance + revaluation + other_flows;

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
        primary_balance_gdp: primary_balance / n,
        overall_balance_gdp: overall_balance / n,
        debt_gdp: d / n,
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
    pub fn with_structure(sc: &Scenario, structure: Structure) -> Model {
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

    /// Kref_t for projection year index `t` (0-based: t = 0 is the first projection year).
    #[inline]
    pub fn kref(&self, t: usize) -> f64 {
        self.reference[t].public_capital
    }

    /// Runs all years with the shock states `u(t)` (0-based year index), returning one
    /// [`Year`] per projection year. A deterministic run passes zeros.
    pub fn simulate(&self, mut u: impl FnMut(usize) -> [f64; N_SHOCKS]) -> Vec<Year> {
        let mut state = self.initial;
        self.inputs
            .iter()
            .enumerate()
            .map(|(t, inp)| {
                let (next, year) = step(&self.structure, inp, Some(self.kref(t)), &state, &u(t));
                state = next;
                year
            })
            .collect()
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
            "real GDP `gdp_real` is {} and must stay positive: the output gap is {} and potential growth {} (a gap or growth at or below -100 % wipes out output; check multipliers, policy jumps and growth paths)",
            year.gdp_real,
            pct(year.output_gap),
            pct(year.potential_growth)
        ));
    }
    if not_positive(year.gdp_nominal) {
        return Some(format!(
            "nominal GDP `gdp_nominal` is {} and must stay positive: the price level fell to zero (inflation {})",
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
        "interest" | "interest_rate" | "overall_balance" | "debt" | "debt_gdp"
        | "overall_balance_gdp" => format!(
            "debt and interest grow without bound (interest rate {} %{debt_before}); check interest_rate, debt_premium and the primary balance",
            format_pct(year.interest_rate)
        ),
        _ => "a level overflowed the range of floating-point numbers; check the scenario for extreme values".into(),
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

/// The deterministic projection of MODEL.md (u_t = 0 for every t), one [`Year`] per
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
            msg.starts_with("real GDP `gdp_real` is -3.5 and must stay positive: the output gap is -120.0 % and potential growth 5.0 %"),
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
            msg.starts_with("`interest` is inf, not a finite number: debt and interest grow without bound (interest rate 10.0 %, debt was 250.0 % of GDP the year before)"),
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
