//! Property tests: MODEL.md's invariants over random scenarios and shocks.

use fiscalsim::model::{Model, project};
use fiscalsim::scenario::{Scenario, load_str};
use proptest::prelude::*;

use crate::util::TOY;

fn base(end_year: i32) -> Scenario {
    let text = TOY.replace("end_year = 2027", &format!("end_year = {end_year}"));
    load_str(&text, "toy.toml", std::path::Path::new("."), &[]).expect("toy resolves")
}

fn path(len: usize, lo: f64, hi: f64) -> impl Strategy<Value = Vec<f64>> {
    prop::collection::vec(lo..hi, len)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// Debt identity: D_t - D_{t-1} = I_t - PB_t + V_t + f_t N_t, every year, any shocks.
    #[test]
    fn debt_identity(
        s in path(6, 0.0, 0.1), o in path(6, 0.0, 0.3), tau in path(6, 0.05, 0.4),
        tauc in path(6, 0.0, 0.1), f in path(6, -0.05, 0.05),
        phi in 0.0..1.0f64, lambda in 0.0..0.1f64, theta in 0.0..0.3f64, epsc in 0.0..2.0f64,
        u in prop::collection::vec(prop::array::uniform7(-0.1..0.1f64), 6),
    ) {
        let mut sc = base(2031);
        sc.policy.growth_spending_gdp = s;
        sc.policy.other_spending_gdp = o;
        sc.policy.revenue_gdp = tau;
        sc.policy.commodity_revenue_gdp = tauc;
        sc.policy.other_flows_gdp = f;
        sc.structure.fx_debt_share = phi;
        sc.structure.debt_premium = lambda;
        sc.structure.public_capital_elasticity = theta;
        sc.structure.commodity_revenue_elasticity = epsc;
        let years = Model::new(&sc).simulate(|t| u[t]);
        let mut d_prev = sc.initial.debt_gdp * sc.initial.gdp_nominal;
        for y in &years {
            let rhs = y.interest - y.primary_balance + y.revaluation + y.other_flows;
            prop_assert!((y.debt - d_prev - rhs).abs() <= 1e-10 * (1.0 + y.debt.abs()));
            prop_assert!((y.debt_gdp - y.debt / y.gdp_nominal).abs() <= 1e-15 * (1.0 + y.debt_gdp.abs()));
            d_prev = y.debt;
        }
    }

    /// Policy = baseline assumptions, no shocks, gap0 = 0: real growth equals gb_t.
    #[test]
    fn baseline_policy_grows_at_baseline(
        gb in path(6, -0.05, 0.12), pib in path(6, -0.02, 0.3), sref in path(6, 0.0, 0.1),
        tauref in path(6, 0.05, 0.4), m in -1.0..1.0f64, mtau in -1.0..1.0f64, theta in 0.0..0.5f64,
    ) {
        let mut sc = base(2031);
        sc.baseline.real_growth = gb.clone();
        sc.baseline.inflation = pib;
        sc.baseline.growth_spending_gdp = sref.clone();
        sc.baseline.revenue_gdp = tauref.clone();
        sc.policy.growth_spending_gdp = sref;
        sc.policy.revenue_gdp = tauref;
        sc.structure.spending_multiplier = m;
        sc.structure.revenue_multiplier = mtau;
        sc.structure.public_capital_elasticity = theta;
        for (y, g) in project(&sc).unwrap().iter().zip(&gb) {
            prop_assert!((y.real_growth - g).abs() < 1e-13, "{} vs {}", y.real_growth, g);
            prop_assert_eq!(y.output_gap, 0.0);
        }
    }

    /// A longer horizon never changes the years both runs share.
    #[test]
    fn horizon_does_not_change_shared_years(extra in 1i32..20, m in 0.0..1.0f64) {
        let mut short = base(2028);
        let mut long = base(2028 + extra);
        short.structure.spending_multiplier = m;
        long.structure.spending_multiplier = m;
        let a = project(&short).unwrap();
        let b = project(&long).unwrap();
        prop_assert_eq!(&a[..], &b[..a.len()]);
    }
}
