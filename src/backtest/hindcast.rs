//! One hindcast: the scenario built at an origin year T0 from what was known then, with
//! the shock process calibrated on data up to T0, run as a Monte Carlo; the ensembles of
//! the scored variables at horizons 1..H.
//!
//! The rule for what is known at T0 (documented in docs/backtest.md):
//! - initial values at T0: debt/GDP and revenue/GDP (their latest value in or before T0),
//!   exchange rate and oil price of T0; output gap 0; nominal GDP 100 (an index: only
//!   ratios and rates are scored);
//! - baseline: real growth and inflation at their trailing means over `trailing` years;
//!   oil price and exchange rate unchanged from T0 (no-change), or the exchange rate
//!   drifting at its trailing mean log change (`fx_drift`);
//! - budget: revenue unchanged; spending such that the primary balance stays at its
//!   trailing mean; `interest_rate` = 0 and net interest (negative in the 2000s: income of
//!   the oil fund) folded with the stock-flow adjustment into `other_flows_gdp`, at the
//!   trailing mean of debt's residual ([`Series::debt_residual`]), or (`debt_no_change`,
//!   the default of [`super::Options`]) such that debt/GDP stays at its T0 value;
//! - the seventh (`primary_balance`) shock, when calibrated, moves the primary balance
//!   around that trailing mean (MODEL.md version 2, step 7);
//! - conditional variant: the realised primary balance and oil price replace their
//!   baseline paths, the oil and primary-balance shocks are switched off and the other
//!   shocks are drawn from their distribution given the realised oil innovations
//!   ([`condition_on_oil`]).

use std::fmt::Write as _;
use std::path::Path;

use super::history::Series;
use crate::calibrate::Calibration;
use crate::error::Result;
use crate::model::Year;
use crate::scenario::{N_SHOCKS, Scenario, Shocks};

/// Index of the oil-price shock in docs/MODEL.md's shock order.
const OIL: usize = 3;
/// Index of the potential-growth shock.
const POTENTIAL: usize = 0;
/// Index of the inflation shock.
const INFLATION: usize = 2;
/// Index of the exchange-rate shock.
const FX: usize = 5;
/// Index of the primary-balance shock (MODEL.md version 2).
const PB: usize = crate::scenario::PRIMARY_BALANCE_SHOCK;

/// The variables a backtest scores, with their meaning.
pub const VARIABLES: [(&str, &str); 7] = [
    ("real_growth", "real GDP growth in year T0 + h (fraction)"),
    (
        "avg_growth",
        "average real growth over years T0 + 1 .. T0 + h (fraction)",
    ),
    (
        "inflation",
        "GDP-deflator inflation in year T0 + h (fraction)",
    ),
    (
        "exchange_rate",
        "exchange rate in year T0 + h (local currency per USD)",
    ),
    ("commodity_price", "oil price in year T0 + h (USD)"),
    (
        "debt_gdp",
        "general-government gross debt at the end of T0 + h (fraction of GDP)",
    ),
    (
        "primary_balance_gdp",
        "general-government primary balance in year T0 + h (fraction of GDP)",
    ),
];

/// Index of `debt_gdp` in [`VARIABLES`].
pub const DEBT: usize = 5;
/// Index of `primary_balance_gdp` in [`VARIABLES`].
pub const BALANCE: usize = 6;

/// Number of scored variables.
pub const N_VARIABLES: usize = VARIABLES.len();

/// The value of variable `v` ([`VARIABLES`] index) at horizon `h` (1-based) of a path.
pub fn model_value(path: &[Year], v: usize, h: usize) -> f64 {
    let y = &path[h - 1];
    match v {
        0 => y.real_growth,
        1 => path[..h].iter().map(|y| y.real_growth).sum::<f64>() / h as f64,
        2 => y.inflation,
        3 => y.exchange_rate,
        4 => y.commodity_price,
        DEBT => y.debt_gdp,
        _ => y.primary_balance_gdp,
    }
}

/// The realised value of variable `v` at horizon `h` from origin `t0` (None when the
/// data do not have it).
pub fn outcome(s: &Series, v: usize, t0: i32, h: usize) -> Option<f64> {
    let year = t0 + h as i32;
    match v {
        0 => s.at(&s.growth, year),
        1 => {
            let g: Option<Vec<f64>> = (1..=h as i32).map(|j| s.at(&s.growth, t0 + j)).collect();
            g.map(|g| g.iter().sum::<f64>() / h as f64)
        }
        2 => s.at(&s.inflation, year),
        3 => s.at(&s.exchange_rate, year),
        4 => s.at(&s.oil, year),
        DEBT => s.at(&s.debt, year),
        _ => s.at(&s.primary_balance, year),
    }
}

/// What the scenario at T0 is built from.
#[derive(Debug, Clone, PartialEq)]
pub struct Origin {
    /// The origin year T0 (the scenario's base year).
    pub t0: i32,
    /// Horizon H in years.
    pub horizon: usize,
    /// Years in the trailing means.
    pub trailing: usize,
    /// Feed the realised primary balance and oil price (the conditional variant).
    pub conditional: bool,
    /// The exchange rate's baseline: unchanged, or drifting at its trailing mean log change.
    pub fx_drift: bool,
    /// Debt's baseline: unchanged from T0 (`other_flows_gdp` such that debt/GDP stays at
    /// its T0 value without shocks) instead of following the trailing mean of its residual.
    pub debt_no_change: bool,
}

fn num(x: f64) -> String {
    crate::output::format_number(x)
}

fn list(v: &[f64]) -> String {
    let parts: Vec<String> = v.iter().map(|x| num(*x)).collect();
    format!("[{}]", parts.join(", "))
}

/// The scenario at T0 as TOML text (without shocks), or None when the data lack a value
/// that T0 needs (growth, inflation, exchange rate or oil price of T0).
pub fn scenario_text(s: &Series, o: &Origin) -> Option<String> {
    let (t0, k) = (o.t0, o.trailing);
    let fx = s.at(&s.exchange_rate, t0)?;
    let oil = s.at(&s.oil, t0)?;
    let g = s.trailing_mean(&s.growth, t0, k)?;
    let pi = s.trailing_mean(&s.inflation, t0, k)?;
    let debt = s.latest(&s.debt, t0).unwrap_or(0.0);
    // Revenue cancels out of the balance (spending = revenue - balance), so its level
    // only labels the budget; without balance data debt is not scored (see `score_origin`).
    let rev = s.latest(&s.revenue, t0).unwrap_or(0.2);
    let pb = s.trailing_mean(&s.primary_balance, t0, k).unwrap_or(0.0);
    let years = |f: &dyn Fn(i32) -> f64| -> Vec<f64> {
        (1..=o.horizon as i32).map(|j| f(t0 + j)).collect()
    };
    let (spending, oil_path) = if o.conditional {
        let real_pb = years(&|y| s.at(&s.primary_balance, y).unwrap_or(pb));
        let real_oil = years(&|y| s.at(&s.oil, y).unwrap_or(oil));
        let spend: Vec<f64> = real_pb.iter().map(|b| rev - b).collect();
        (list(&spend), list(&real_oil))
    } else {
        (num(rev - pb), num(oil))
    };
    let mut t = String::new();
    let _ = writeln!(t, "name = \"backtest-{t0}\"\nbase_year = {t0}");
    let _ = writeln!(
        t,
        "end_year = {}\ncurrency = \"index\"",
        t0 + o.horizon as i32
    );
    let _ = writeln!(t, "[initial]\ngdp_nominal = 100\ndebt_gdp = {}", num(debt));
    let _ = writeln!(
        t,
        "public_capital_gdp = 0.5\noutput_gap = 0\ngrowth_spending_gdp = 0"
    );
    let _ = writeln!(t, "revenue_gdp = {}\nexchange_rate = {}", num(rev), num(fx));
    let _ = writeln!(t, "commodity_price = {}", num(oil));
    let _ = writeln!(
        t,
        "[baseline]\nreal_growth = {}\ninflation = {}",
        num(g),
        num(pi)
    );
    let _ = writeln!(t, "growth_spending_gdp = 0\nrevenue_gdp = {}", num(rev));
    let fx_path = if o.fx_drift {
        let d = s.trailing_mean(&s.log_fx_change(), t0, k).unwrap_or(0.0);
        list(&years(&|y| fx * (d * f64::from(y - t0)).exp()))
    } else {
        num(fx)
    };
    let _ = writeln!(t, "commodity_price = {oil_path}\nexchange_rate = {fx_path}");
    let _ = writeln!(
        t,
        "interest_rate = 0\n[policy]\nother_spending_gdp = {spending}"
    );
    let _ = writeln!(t, "commodity_revenue_gdp = 0");
    let flows = if o.debt_no_change {
        // d_t = d_(t-1) / ((1 + g)(1 + pi)) - pb + f stays at d:
        // f = d (1 - 1 / ((1 + g)(1 + pi))) + pb.
        debt * (1.0 - 1.0 / ((1.0 + g) * (1.0 + pi))) + pb
    } else {
        s.trailing_residual(t0, k)
    };
    let _ = writeln!(t, "other_flows_gdp = {}", num(flows));
    Some(t)
}

/// The scenario at T0 with the calibrated shocks (conditioned on the realised oil price
/// in the conditional variant).
pub fn scenario(s: &Series, o: &Origin, cal: &Calibration) -> Result<Option<Scenario>> {
    let Some(text) = scenario_text(s, o) else {
        return Ok(None);
    };
    let name = format!("backtest-{}.toml", o.t0);
    let mut sc = crate::scenario::load_str(&text, &name, Path::new("."), &[])?;
    sc.shocks = cal.shocks.clone();
    if o.conditional {
        condition_on_oil(&mut sc);
        switch_off(&mut sc.shocks, PB);
    }
    Ok(Some(sc))
}

/// The conditional variant's shock process: the oil shock's state follows the realised
/// log deviation of the oil price from the no-change baseline; the other shocks'
/// innovations are drawn from their normal distribution given the realised oil
/// innovation, i.e. with the conditional covariance S_xx - S_xo S_ox / s_oo and the
/// conditional mean (S_xo / s_oo) e_oil carried through A. That mean is added to the
/// baseline paths of potential growth, inflation and the exchange rate; the demand and
/// interest-rate shocks have no baseline path, so their conditional mean is left out.
/// The realised oil price must already be the baseline `commodity_price` path, the
/// no-change price the initial one.
pub fn condition_on_oil(sc: &mut Scenario) {
    let cov = crate::shocks::covariance(&sc.shocks);
    let var_oil = cov[OIL][OIL];
    let beta: [f64; N_SHOCKS] = std::array::from_fn(|i| {
        if var_oil > 0.0 {
            cov[i][OIL] / var_oil
        } else {
            0.0
        }
    });
    let a = sc.shocks.persistence;
    let p0 = sc.initial.commodity_price;
    let mut m = [0.0; N_SHOCKS];
    for t in 0..sc.years.len() {
        let u_oil = (sc.baseline.commodity_price[t] / p0).ln();
        let prior: [f64; N_SHOCKS] =
            std::array::from_fn(|i| (0..N_SHOCKS).map(|j| a[i][j] * m[j]).sum());
        let e_oil = u_oil - prior[OIL];
        m = std::array::from_fn(|i| prior[i] + beta[i] * e_oil);
        m[OIL] = u_oil;
        sc.baseline.real_growth[t] += m[POTENTIAL];
        sc.baseline.inflation[t] += m[INFLATION];
        sc.baseline.exchange_rate[t] *= m[FX].exp();
    }
    // The realised oil price is the baseline: no oil shock.
    let cond: [[f64; N_SHOCKS]; N_SHOCKS] =
        std::array::from_fn(|i| std::array::from_fn(|j| cov[i][j] - beta[i] * cov[OIL][j]));
    sc.shocks = shocks_of_covariance(&sc.shocks, &cond);
}

/// `shocks` with the innovation covariance `cov` (sd and correlation; a zero sd gets zero
/// correlations) and the oil shock's persistence removed.
fn shocks_of_covariance(shocks: &Shocks, cov: &[[f64; N_SHOCKS]; N_SHOCKS]) -> Shocks {
    let mut out = shocks.clone();
    out.sd = std::array::from_fn(|i| cov[i][i].max(0.0).sqrt());
    let sd = out.sd;
    out.correlation = std::array::from_fn(|i| {
        std::array::from_fn(|j| {
            if i == j {
                1.0
            } else if sd[i] > 0.0 && sd[j] > 0.0 {
                (cov[i][j] / (sd[i] * sd[j])).clamp(-1.0, 1.0)
            } else {
                0.0
            }
        })
    });
    switch_off(&mut out, OIL);
    out
}

/// Switches shock `i` off: sd 0, no correlation, no persistence to or from it. The
/// conditional variant's realised primary balance replaces the seventh shock (the other
/// shocks are not conditioned on its innovations: an approximation, documented).
fn switch_off(shocks: &mut Shocks, i: usize) {
    shocks.sd[i] = 0.0;
    for j in 0..N_SHOCKS {
        if j != i {
            shocks.correlation[i][j] = 0.0;
            shocks.correlation[j][i] = 0.0;
        }
        shocks.persistence[i][j] = 0.0;
        shocks.persistence[j][i] = 0.0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_scenario_at_t0_follows_the_rule() {
        let text = "year,rgdp_growth_wdi,gdp_deflator_infl_wdi,kzt_per_usd_wdi,brent_usd_eia,\
                    gg_gross_debt_pct_weo,gg_revenue_pct_weo,gg_primary_bal_pct_weo\n\
                    2000,2,10,100,50,20,25,1\n\
                    2001,4,6,110,60,18,25,3\n\
                    2002,6,8,121,70,16,25,2\n";
        let h = crate::calibrate::History::parse(text, "t.csv").unwrap();
        let s = Series::from_history(&h, 2000).unwrap();
        let mut o = Origin {
            t0: 2002,
            horizon: 2,
            trailing: 2,
            conditional: false,
            fx_drift: false,
            debt_no_change: false,
        };
        let sc = |o: &Origin| {
            let text = scenario_text(&s, o).unwrap();
            crate::scenario::load_str(&text, "t.toml", Path::new("."), &[]).unwrap()
        };
        let a = sc(&o);
        assert_eq!((a.base_year, a.years.clone()), (2002, vec![2003, 2004]));
        assert!(
            (a.baseline.real_growth[0] - 0.05).abs() < 1e-15,
            "trailing mean of 4 and 6"
        );
        assert!((a.baseline.inflation[1] - 0.07).abs() < 1e-15);
        assert_eq!(a.baseline.exchange_rate, vec![121.0, 121.0], "no change");
        assert_eq!(a.baseline.commodity_price, vec![70.0, 70.0]);
        assert_eq!(a.initial.debt_gdp, 0.16);
        // Spending keeps the primary balance at its trailing mean (2.5 % of GDP).
        let ob = a.policy.revenue_gdp[0] - a.policy.other_spending_gdp[0];
        assert!((ob - 0.025).abs() < 1e-15);
        // Debt no-change: other flows offset nominal growth and the primary balance, so
        // the deterministic path keeps debt/GDP at 0.16.
        o.debt_no_change = true;
        let c = sc(&o);
        let f = 0.16 * (1.0 - 1.0 / (1.05 * 1.07)) + 0.025;
        assert!((c.policy.other_flows_gdp[0] - f).abs() < 1e-15);
        for y in crate::model::project(&c).unwrap() {
            assert!((y.debt_gdp - 0.16).abs() < 1e-12, "{}", y.debt_gdp);
        }
        o.debt_no_change = false;
        o.fx_drift = true;
        let b = sc(&o);
        // Log changes ln 1.1 twice: the drift is 10 % a year.
        assert!((b.baseline.exchange_rate[0] - 133.1).abs() < 1e-9);
        assert!((b.baseline.exchange_rate[1] - 146.41).abs() < 1e-9);
    }

    #[test]
    fn conditioning_on_oil_removes_its_variance_and_shifts_the_correlated_baselines() {
        let text = "name = \"t\"\nbase_year = 2020\nend_year = 2022\n[initial]\n\
            gdp_nominal = 100\ndebt_gdp = 0.2\npublic_capital_gdp = 0.5\ngrowth_spending_gdp = 0\n\
            revenue_gdp = 0.2\nexchange_rate = 100\ncommodity_price = 50\n[baseline]\n\
            real_growth = 0.04\ninflation = 0.05\ngrowth_spending_gdp = 0\nrevenue_gdp = 0.2\n\
            commodity_price = [100, 100]\nexchange_rate = 100\ninterest_rate = 0\n\
            [policy]\nother_spending_gdp = 0.2\n";
        let mut sc = crate::scenario::load_str(text, "t.toml", Path::new("."), &[]).unwrap();
        sc.shocks.sd = [0.01, 0.02, 0.05, 0.3, 0.01, 0.1, 0.0];
        sc.shocks.correlation[INFLATION][OIL] = 0.6;
        sc.shocks.correlation[OIL][INFLATION] = 0.6;
        condition_on_oil(&mut sc);
        // Oil doubled: innovation ln 2 in year 1; inflation's mean moves by
        // beta ln 2 = 0.6 * 0.05 / 0.3 * ln 2; then the oil level holds (A = 0: a new
        // innovation of ln 2 each year).
        let shift = 0.6 * 0.05 / 0.3 * 2f64.ln();
        assert!((sc.baseline.inflation[0] - 0.05 - shift).abs() < 1e-12);
        assert!((sc.baseline.inflation[1] - 0.05 - shift).abs() < 1e-12);
        assert_eq!(sc.baseline.real_growth[0], 0.04, "uncorrelated: unchanged");
        assert_eq!(sc.shocks.sd[OIL], 0.0);
        // Conditional sd of inflation: 0.05 sqrt(1 - 0.6^2) = 0.04.
        assert!((sc.shocks.sd[INFLATION] - 0.04).abs() < 1e-12);
        assert_eq!(sc.shocks.correlation[INFLATION][OIL], 0.0);
        assert_eq!(sc.shocks.sd[0], 0.01);
    }
}
