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
//! - `debt_from_primary_balance` = -PB_t / N_t,
//! - `debt_from_exchange_rate` = V_t / N_t,
//! - `debt_from_other_flows` = f_t N_t / N_t,
//!
//! which add up to `debt_gdp_change` = d_t - d_{t-1} (to rounding, 1e-12).

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
    }
}

/// Both decompositions of one year.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Decomposition {
    /// Growth decomposition.
    pub growth: Growth,
    /// Debt-dynamics decomposition.
    pub debt: Debt,
}

/// Column names of the decomposition, in CSV order.
pub const DECOMPOSITION_NAMES: [&str; 11] = [
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
];

impl Decomposition {
    /// The values in [`DECOMPOSITION_NAMES`] order.
    pub fn values(&self) -> [f64; 11] {
        let g = &self.growth;
        let d = &self.debt;
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
        ]
    }
}

/// Decomposes `path` (a simulation of `model`, possibly with shocks) given `deterministic`,
/// the same model simulated without shocks (pass `path` itself for a deterministic run).
/// One [`Decomposition`] per projection year.
pub fn decompose(model: &Model, path: &[Year], deterministic: &[Year]) -> Vec<Decomposition> {
    let mut d_prev = model.initial.d / model.initial.n;
    let mut gap_prev = model.initial.gap;
    path.iter()
        .zip(deterministic)
        .zip(&model.reference)
        .map(|((y, det), r)| {
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
                primary_balance: -y.primary_balance / n,
                exchange_rate: y.revaluation / n,
                other_flows: y.other_flows / n,
            };
            d_prev = y.debt_gdp;
            gap_prev = det.output_gap;
            Decomposition { growth, debt }
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
    let mut sums = vec![[0.0; 11]; sc.horizon()];
    for d in per_draw.iter().flatten() {
        for (sum, year) in sums.iter_mut().zip(d) {
            for (s, v) in sum.iter_mut().zip(year) {
                *s += v;
            }
        }
    }
    Ok(sums
        .iter()
        .map(|s| {
            let m = |i: usize| s[i] / n;
            Decomposition {
                growth: Growth {
                    baseline: m(0),
                    public_capital: m(1),
                    demand: m(2),
                    shocks: m(3),
                },
                debt: Debt {
                    change: m(4),
                    interest: m(5),
                    real_growth: m(6),
                    inflation: m(7),
                    primary_balance: m(8),
                    exchange_rate: m(9),
                    other_flows: m(10),
                },
            }
        })
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
