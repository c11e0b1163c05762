//! Why a path grows and why its debt moves: the growth decomposition against the
//! reference path and the debt-dynamics decomposition of IMF debt sustainability
//! analyses (DSA).
//!
//! Both use only what [`crate::model::step`] returned (the [`Year`]s of a path, its
//! shock-free twin and the reference path [`Model::reference`]): no equation of the model
//! is repeated here. All parts are fractions (0.012 = 1.2 percentage points of growth, or
//! of GDP for the debt parts).
//!
//! **Growth** (per year t; g = real growth, gpot = potential growth; "det" is the same
//! scenario without shocks, "ref" the reference path):
//! - `growth_from_baseline` = gpot_ref_t (= gb_t, the baseline growth assumption);
//! - `growth_from_public_capital` = gpot_det_t - gpot_ref_t (extra public capital);
//! - `growth_from_demand` = (1 + gpot_det_t) (gap_det_t - gap_det_{t-1}) / (1 + gap_det_{t-1})
//!   (the change in the output gap: policy impulses and the closing of the initial gap;
//!   exactly 0 when the gap does not move);
//! - `growth_from_shocks` = g_t - g_det_t (zero in a deterministic run).
//!
//! The four add up to g_t (to rounding), because Y = Ypot (1 + gap) gives
//! 1 + g_t = (1 + gpot_t) (1 + gap_t) / (1 + gap_{t-1}).
//!
//! **Debt** (d = debt/GDP, with d_0 the base-year ratio; G_t = (1 + g_t)(1 + pi_t)):
//! - `debt_from_interest` = i_t d_{t-1} / G_t,
//! - `debt_from_real_growth` = -g_t (1 + pi_t) d_{t-1} / G_t,
//! - `debt_from_inflation` = -pi_t d_{t-1} / G_t,
//! - `debt_from_primary_balance` = -(PB_t - TR_t) / N_t (the balance without the fund's
//!   transfer),
//! - `debt_from_exchange_rate` = V_t / N_t,
//! - `debt_from_other_flows` = f_t N_t / N_t,
//! - `debt_from_fund_transfer` = -TR_t / N_t (model version 2; 0 without a fund),
//!
//! which add up to `debt_gdp_change` = d_t - d_{t-1} (to rounding, 1e-12).
//!
//! **Fund** (model version 2; a = A/N fund assets over GDP, rA the fund's return):
//! - `fund_from_return` = A_{t-1} rA_t / N_t,
//! - `fund_from_exchange_rate` = A_{t-1} (1 + rA_t) (E_t / E_{t-1} - 1) / N_t (valuation),
//! - `fund_from_inflow` = F_t / N_t,
//! - `fund_from_transfer` = -TR_t / N_t,
//! - `fund_from_nominal_growth` = A_{t-1} / N_t - a_{t-1} (a growing economy shrinks a
//!   given stock relative to GDP),
//!
//! which add up to `fund_gdp_change` = a_t - a_{t-1} (to rounding); without the last
//! term, the first four add up to the change in assets A_t - A_{t-1}, over N_t.

use std::io::{self, Write};

use crate::model::{Model, OUTPUT_NAMES, Year};
use crate::output::format_number;

/// The growth decomposition of one year (fractions a year).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Growth {
    /// Baseline potential growth gb_t (the reference path's potential growth).
    pub baseline: f64,
    /// Extra potential growth from public capital above the reference path.
    pub public_capital: f64,
    /// Growth from the change in the output gap (demand channel).
    pub demand: f64,
    /// Growth from shocks (zero in a deterministic run).
    pub shocks: f64,
}

impl Growth {
    /// The sum of the parts: real growth.
    pub fn total(&self) -> f64 {
        self.baseline + self.public_capital + self.demand + self.shocks
    }
}

/// The IMF DSA debt-dynamics decomposition of one year (fractions of GDP).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Debt {
    /// d_t - d_{t-1}: change in debt/GDP.
    pub change: f64,
    /// Effect of the effective interest rate on last year's stock.
    pub interest: f64,
    /// Effect of real growth on the stock (negative when growth is positive).
    pub real_growth: f64,
    /// Effect of inflation on the stock (negative when inflation is positive).
    pub inflation: f64,
    /// -PB_t / N_t: the primary balance (a surplus lowers debt).
    pub primary_balance: f64,
    /// V_t / N_t: revaluation of foreign-currency debt.
    pub exchange_rate: f64,
    /// f_t: other debt-creating flows (stock-flow adjustment).
    pub other_flows: f64,
    /// -TR_t / N_t: the fund's transfer to the budget (lowers debt).
    pub fund_transfer: f64,
}

impl Debt {
    /// The sum of the six parts (equals [`Debt::change`] to rounding).
    pub fn sum_of_parts(&self) -> f64 {
        self.interest
            + self.real_growth
            + self.inflation
            + self.primary_balance
            + self.exchange_rate
            + self.other_flows
            + self.fund_transfer
    }
}

/// The fund decomposition of one year (fractions of GDP; zeros without a fund).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct FundChange {
    /// a_t - a_{t-1}: change in fund assets / GDP.
    pub change: f64,
    /// The return earned in foreign currency.
    pub return_: f64,
    /// Revaluation of the assets with the exchange rate.
    pub exchange_rate: f64,
    /// Commodity revenue paid in.
    pub inflow: f64,
    /// The transfer to the budget (negative).
    pub transfer: f64,
    /// The fall of the ratio as nominal GDP grows.
    pub nominal_growth: f64,
}

impl FundChange {
    /// The sum of the five parts (equals [`FundChange::change`] to rounding).
    pub fn sum_of_parts(&self) -> f64 {
        self.return_ + self.exchange_rate + self.inflow + self.transfer + self.nominal_growth
    }
}

/// Both decompositions of one year.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Decomposition {
    /// Growth decomposition.
    pub growth: Growth,
    /// Debt-dynamics decomposition.
    pub debt: Debt,
    /// Fund decomposition.
    pub fund: FundChange,
}

/// Number of decomposition columns.
pub(crate) const N_PARTS: usize = 18;

/// Column names of the decomposition, in CSV order.
pub const DECOMPOSITION_NAMES: [&str; N_PARTS] = [
    "growth_from_baseline",
    "growth_from_public_capital",
    "growth_from_demand",
    "growth_from_shocks",
    "debt_gdp_change",
    "debt_from_interest",
    "debt_from_real_growth",
    "debt_from_inflation",
    "debt_from_primary_balance",
    "debt_from_exchange_rate",
    "debt_from_other_flows",
    "debt_from_fund_transfer",
    "fund_gdp_change",
    "fund_from_return",
    "fund_from_exchange_rate",
    "fund_from_inflow",
    "fund_from_transfer",
    "fund_from_nominal_growth",
];

impl Decomposition {
    /// The values in [`DECOMPOSITION_NAMES`] order.
    pub fn values(&self) -> [f64; N_PARTS] {
        let g = &self.growth;
        let d = &self.debt;
        let f = &self.fund;
        [
            g.baseline,
            g.public_capital,
            g.demand,
            g.shocks,
            d.change,
            d.interest,
            d.real_growth,
            d.inflation,
            d.primary_balance,
            d.exchange_rate,
            d.other_flows,
            d.fund_transfer,
            f.change,
            f.return_,
            f.exchange_rate,
            f.inflow,
            f.transfer,
            f.nominal_growth,
        ]
    }

    /// The decomposition of values in [`DECOMPOSITION_NAMES`] order.
    pub(crate) fn from_values(v: [f64; N_PARTS]) -> Decomposition {
        Decomposition {
            growth: Growth {
                baseline: v[0],
                public_capital: v[1],
                demand: v[2],
                shocks: v[3],
            },
            debt: Debt {
                change: v[4],
                interest: v[5],
                real_growth: v[6],
                inflation: v[7],
                primary_balance: v[8],
                exchange_rate: v[9],
                other_flows: v[10],
                fund_transfer: v[11],
            },
            fund: FundChange {
                change: v[12],
                return_: v[13],
                exchange_rate: v[14],
                inflow: v[15],
                transfer: v[16],
                nominal_growth: v[17],
            },
        }
    }
}

/// Decomposes `path` (a simulation of `model`, possibly with shocks) given `deterministic`,
/// the same model simulated without shocks (pass `path` itself for a deterministic run).
/// One [`Decomposition`] per projection year.
pub fn decompose(model: &Model, path: &[Year], deterministic: &[Year]) -> Vec<Decomposition> {
    let mut d_prev = model.initial.d / model.initial.n;
    let mut gap_prev = model.initial.gap;
    let (mut a_prev, mut n_prev, mut e_prev) = (model.initial.a, model.initial.n, model.initial.e);
    path.iter()
        .zip(deterministic)
        .zip(&model.reference)
        .zip(&model.inputs)
        .map(|(((y, det), r), inp)| {
            let growth = Growth {
                baseline: r.potential_growth,
                public_capital: det.potential_growth - r.potential_growth,
                demand: (1.0 + det.potential_growth) * (det.output_gap - gap_prev)
                    / (1.0 + gap_prev),
                shocks: y.real_growth - det.real_growth,
            };
            let n = y.gdp_nominal;
            let factor = (1.0 + y.real_growth) * (1.0 + y.inflation);
            let debt = Debt {
                change: y.debt_gdp - d_prev,
                interest: y.interest_rate * d_prev / factor,
                real_growth: -y.real_growth * (1.0 + y.inflation) * d_prev / factor,
                inflation: -y.inflation * d_prev / factor,
                primary_balance: -(y.primary_balance - y.fund_transfer) / n,
                exchange_rate: y.revaluation / n,
                other_flows: y.other_flows / n,
                // (+ 0.0: no -0 printed without a fund)
                fund_transfer: -y.fund_transfer / n + 0.0,
            };
            let ra = inp.fund.map_or(0.0, |f| f.return_rate);
            let fund = FundChange {
                change: y.fund_assets_gdp - a_prev / n_prev,
                return_: a_prev * ra / n,
                exchange_rate: a_prev * (1.0 + ra) * (y.exchange_rate / e_prev - 1.0) / n,
                inflow: y.fund_inflow / n,
                transfer: -y.fund_transfer / n + 0.0,
                nominal_growth: a_prev / n - a_prev / n_prev,
            };
            d_prev = y.debt_gdp;
            gap_prev = det.output_gap;
            (a_prev, n_prev, e_prev) = (y.fund_assets, n, y.exchange_rate);
            Decomposition { growth, debt, fund }
        })
        .collect()
}

/// The mean decomposition over `draws` Monte Carlo draws of `sc` with `seed` (the draws
/// of [`crate::montecarlo::map_draws`]): per year, the mean of each part over draws. The
/// means add up like the parts (to mean real growth and to the mean change in debt/GDP);
/// `growth_from_shocks` is the mean effect of the shocks on growth. Fails if a draw breaks
/// down numerically (its decomposition would be meaningless).
pub fn mean_over_draws(
    sc: &crate::scenario::Scenario,
    draws: u64,
    seed: u64,
) -> crate::error::Result<Vec<Decomposition>> {
    let model = Model::new(sc);
    let det = model.simulate(|_| [0.0; crate::scenario::N_SHOCKS]);
    let per_draw = crate::montecarlo::map_draws(sc, draws, seed, |_, path| {
        if path.iter().any(|y| crate::model::breakdown(y).is_some()) {
            None
        } else {
            Some(
                decompose(&model, path, &det)
                    .iter()
                    .map(Decomposition::values)
                    .collect::<Vec<_>>(),
            )
        }
    });
    let broken = per_draw.iter().filter(|d| d.is_none()).count();
    if broken > 0 {
        return Err(crate::error::Error::Numerical {
            year: sc.years.first().copied().unwrap_or_default(),
            message: format!(
                "{broken} of {draws} draws break down numerically (GDP not positive or a value \
                 not finite): no mean decomposition"
            ),
        });
    }
    let n = per_draw.len().max(1) as f64;
    let mut sums = vec![[0.0; N_PARTS]; sc.horizon()];
    for d in per_draw.iter().flatten() {
        for (sum, year) in sums.iter_mut().zip(d) {
            for (s, v) in sum.iter_mut().zip(year) {
                *s += v;
            }
        }
    }
    Ok(sums
        .iter()
        .map(|s| Decomposition::from_values(s.map(|x| x / n)))
        .collect())
}

/// Writes a projection with its decomposition as CSV: `scenario,year`, the canonical
/// outputs, then the [`DECOMPOSITION_NAMES`] columns.
pub fn write_csv(
    w: &mut dyn Write,
    scenario: &str,
    years: &[i32],
    path: &[Year],
    parts: &[Decomposition],
) -> io::Result<()> {
    let mut csv = csv::Writer::from_writer(w);
    let mut header = vec!["scenario", "year"];
    header.extend(OUTPUT_NAMES);
    header.extend(DECOMPOSITION_NAMES);
    csv.write_record(&header)?;
    for ((year, y), p) in years.iter().zip(path).zip(parts) {
        let mut record = vec![scenario.to_string(), year.to_string()];
        record.extend(y.values().iter().map(|v| format_number(*v)));
        record.extend(p.values().iter().map(|v| format_number(*v)));
        csv.write_record(&record)?;
    }
    csv.flush()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::{N_SHOCKS, Scenario, load_str};

    const TOY: &str = r#"
name = "toy"
base_year = 2025
end_year = 2030
[initial]
gdp_nominal = 100
debt_gdp = 0.6
public_capital_gdp = 0.5
output_gap = -0.01
growth_spending_gdp = 0.02
revenue_gdp = 0.2
exchange_rate = 500
commodity_price = 60
[baseline]
real_growth = 0.05
inflation = 0.05
growth_spending_gdp = 0.02
revenue_gdp = 0.2
commodity_price = 60
exchange_rate = 500
interest_rate = 0.1
[policy]
growth_spending_gdp = { 2025 = 0.02, 2028 = 0.04 }
revenue_gdp = { 2026 = 0.2, 2030 = 0.22 }
commodity_revenue_gdp = 0.03
other_spending_gdp = 0.2
other_flows_gdp = { 2026 = -0.01, 2030 = 0.005 }
[structure]
fx_debt_share = 0.4
"#;

    fn toy() -> Scenario {
        load_str(TOY, "toy.toml", std::path::Path::new("."), &[]).unwrap()
    }

    fn shocked(m: &Model) -> Vec<Year> {
        m.simulate(|t| {
            let s = if t % 2 == 0 { 1.0 } else { -1.0 };
            let mut u = [0.0; N_SHOCKS];
            u[0] = 0.01 * s;
            u[1] = -0.02 * s;
            u[2] = 0.03;
            u[3] = -0.2 * s;
            u[4] = 0.01;
            u[5] = 0.1 * (t as f64 + 1.0);
            u
        })
    }

    #[test]
    fn fund_and_debt_parts_add_up_with_a_fund() {
        for rule in ["fixed", "cutoff", "percent"] {
            let text = format!(
                "{TOY}\n[fund]\nrule = \"{rule}\"\ntransfer_gdp = 0.02\ncutoff_price = 45\n\
                 payout_rate = 0.05\nreturn = 0.04\n"
            )
            .replace("[initial]\n", "[initial]\nfund_assets_gdp = 0.5\n");
            let sc = load_str(&text, "toy.toml", std::path::Path::new("."), &[]).unwrap();
            let m = Model::new(&sc);
            let det = m.simulate(|_| [0.0; N_SHOCKS]);
            let path = shocked(&m);
            let parts = decompose(&m, &path, &det);
            let (mut a_prev, mut n_prev) = (0.5 * sc.initial.gdp_nominal, sc.initial.gdp_nominal);
            for (y, p) in path.iter().zip(&parts) {
                let f = &p.fund;
                assert!((f.change - (y.fund_assets_gdp - a_prev / n_prev)).abs() < 1e-15);
                assert!((f.sum_of_parts() - f.change).abs() < 1e-12, "{rule}");
                // without the growth term: the change in assets over N_t
                let level = f.return_ + f.exchange_rate + f.inflow + f.transfer;
                let want = (y.fund_assets - a_prev) / y.gdp_nominal;
                assert!((level - want).abs() < 1e-12, "{rule}");
                assert!(f.exchange_rate != 0.0 && f.inflow > 0.0 && f.transfer < 0.0);
                assert!(
                    (p.debt.sum_of_parts() - p.debt.change).abs() < 1e-12,
                    "{rule}"
                );
                assert_eq!(p.debt.fund_transfer, f.transfer);
                (a_prev, n_prev) = (y.fund_assets, y.gdp_nominal);
            }
        }
    }

    #[test]
    fn debt_parts_add_up_to_the_change_exactly() {
        let sc = toy();
        let m = Model::new(&sc);
        let det = m.simulate(|_| [0.0; N_SHOCKS]);
        let path = shocked(&m);
        let parts = decompose(&m, &path, &det);
        let mut d_prev = sc.initial.debt_gdp;
        for (y, p) in path.iter().zip(&parts) {
            assert!((p.debt.change - (y.debt_gdp - d_prev)).abs() < 1e-15);
            assert!(
                (p.debt.sum_of_parts() - p.debt.change).abs() < 1e-12,
                "{} vs {}",
                p.debt.sum_of_parts(),
                p.debt.change
            );
            // every channel is active in this path
            assert!(p.debt.exchange_rate != 0.0 && p.debt.other_flows != 0.0);
            assert!(p.debt.interest > 0.0 && p.debt.inflation < 0.0);
            d_prev = y.debt_gdp;
        }
    }

    #[test]
    fn debt_parts_match_hand_computation_first_year() {
        let sc = toy();
        let m = Model::new(&sc);
        let path = m.simulate(|_| [0.0; N_SHOCKS]);
        let p = decompose(&m, &path, &path)[0].debt;
        let y = path[0];
        let factor = (1.0 + y.real_growth) * 1.05;
        // premium: 0.04 * (0.6 - 0.5) on top of 10 %
        assert!((p.interest - 0.104 * 0.6 / factor).abs() < 1e-15);
        assert!((p.inflation - (-0.05 * 0.6 / factor)).abs() < 1e-15);
        assert!((p.other_flows - (-0.01)).abs() < 1e-15);
        assert_eq!(p.exchange_rate, 0.0); // no exchange-rate move without shocks
        // interest + growth + inflation = (1 + i) d0 / G - d0
        let stock = p.interest + p.real_growth + p.inflation;
        assert!((stock - (1.104 * 0.6 / factor - 0.6)).abs() < 1e-15);
    }

    #[test]
    fn growth_parts_add_up_to_real_growth() {
        let sc = toy();
        let m = Model::new(&sc);
        let det = m.simulate(|_| [0.0; N_SHOCKS]);
        let path = shocked(&m);
        for (y, p) in path.iter().zip(decompose(&m, &path, &det)) {
            assert!((p.growth.total() - y.real_growth).abs() < 1e-14);
            assert_eq!(p.growth.baseline, 0.05);
            assert!(p.growth.shocks != 0.0);
        }
        // deterministic: no shock part; the initial gap closing shows as demand
        let parts = decompose(&m, &det, &det);
        assert!(parts.iter().all(|p| p.growth.shocks == 0.0));
        assert!(parts[0].growth.demand > 0.0); // gap -1 % closes at rho = 0.5
        assert_eq!(parts[0].growth.public_capital, 0.0); // capital productive from t+1
        assert!(parts[2].growth.public_capital > 0.0); // more growth spending since 2026
    }

    #[test]
    fn policy_equal_to_baseline_is_all_baseline() {
        let mut sc = toy();
        sc.initial.output_gap = 0.0;
        sc.policy.growth_spending_gdp = sc.baseline.growth_spending_gdp.clone();
        sc.policy.revenue_gdp = sc.baseline.revenue_gdp.clone();
        let m = Model::new(&sc);
        let det = m.simulate(|_| [0.0; N_SHOCKS]);
        for p in decompose(&m, &det, &det) {
            assert_eq!(p.growth.baseline, 0.05);
            assert_eq!(p.growth.public_capital, 0.0);
            assert_eq!(p.growth.demand, 0.0);
        }
    }

    #[test]
    fn mean_over_draws_adds_up_and_shows_shocks() {
        let mut sc = toy();
        sc.shocks.sd = [0.01, 0.01, 0.01, 0.1, 0.005, 0.05, 0.0];
        let mean = mean_over_draws(&sc, 200, 7).unwrap();
        let again = mean_over_draws(&sc, 200, 7).unwrap();
        assert_eq!(mean, again); // same seed, same numbers
        let det = Model::new(&sc).simulate(|_| [0.0; N_SHOCKS]);
        let m = Model::new(&sc);
        let d = decompose(&m, &det, &det);
        // mean real growth and mean debt change, computed from the draws directly
        let paths = crate::montecarlo::map_draws(&sc, 200, 7, |_, p| p.to_vec());
        for t in 0..sc.horizon() {
            let g: f64 = paths.iter().map(|p| p[t].real_growth).sum::<f64>() / 200.0;
            assert!((mean[t].growth.total() - g).abs() < 1e-12);
            assert!((mean[t].debt.sum_of_parts() - mean[t].debt.change).abs() < 1e-12);
            assert!(mean[t].growth.shocks != 0.0);
            // baseline and capital parts do not depend on the draw (mean of constants)
            assert!((mean[t].growth.baseline - d[t].growth.baseline).abs() < 1e-15);
            assert!((mean[t].growth.public_capital - d[t].growth.public_capital).abs() < 1e-15);
        }
        // all sd = 0: the mean is the deterministic decomposition
        sc.shocks.sd = [0.0; N_SHOCKS];
        let flat = mean_over_draws(&sc, 20, 7).unwrap();
        for (a, b) in flat.iter().zip(&d) {
            assert_eq!(a.growth.shocks, 0.0);
            assert!((a.debt.change - b.debt.change).abs() < 1e-15);
        }
    }

    fn path6(lo: f64, hi: f64) -> impl proptest::strategy::Strategy<Value = Vec<f64>> {
        proptest::collection::vec(lo..hi, 5)
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(300))]

        /// Whatever the policy, parameters and shocks: the six debt parts add up to the
        /// change in debt/GDP to 1e-12, and the four growth parts to real growth.
        #[test]
        fn parts_always_add_up(
            s in path6(0.0, 0.1), o in path6(0.0, 0.3), tau in path6(0.05, 0.4),
            tauc in path6(0.0, 0.1), f in path6(-0.05, 0.05),
            phi in 0.0..1.0f64, lambda in 0.0..0.1f64, theta in 0.0..0.3f64,
            m in 0.0..1.0f64, rho in 0.0..0.9f64, gap0 in -0.05..0.05f64, d0 in 0.0..1.5f64,
            u in proptest::collection::vec(proptest::array::uniform7(-0.1..0.1f64), 5),
        ) {
            let mut sc = toy();
            sc.initial.output_gap = gap0;
            sc.initial.debt_gdp = d0;
            sc.policy.growth_spending_gdp = s;
            sc.policy.other_spending_gdp = o;
            sc.policy.revenue_gdp = tau;
            sc.policy.commodity_revenue_gdp = tauc;
            sc.policy.other_flows_gdp = f;
            sc.structure.fx_debt_share = phi;
            sc.structure.debt_premium = lambda;
            sc.structure.public_capital_elasticity = theta;
            sc.structure.spending_multiplier = m;
            sc.structure.gap_persistence = rho;
            let model = Model::new(&sc);
            let det = model.simulate(|_| [0.0; N_SHOCKS]);
            let path = model.simulate(|t| u[t]);
            let mut d_prev = d0;
            for (y, p) in path.iter().zip(decompose(&model, &path, &det)) {
                proptest::prop_assert!((p.debt.change - (y.debt_gdp - d_prev)).abs() <= 1e-15);
                proptest::prop_assert!(
                    (p.debt.sum_of_parts() - p.debt.change).abs() <= 1e-12,
                    "{} vs {}", p.debt.sum_of_parts(), p.debt.change
                );
                proptest::prop_assert!((p.growth.total() - y.real_growth).abs() <= 1e-12);
                d_prev = y.debt_gdp;
            }
        }
    }
}
