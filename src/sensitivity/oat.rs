//! One-at-a-time sensitivity: each parameter alone at the low and at the high end of its
//! range, every other input as in the scenario; the tornado table sorted by swing.

use crate::scenario::Scenario;

/// The `2 d + 1` points: the scenario as is (no parameter set), then for each parameter
/// its low end and its high end. `None` leaves a parameter as in the scenario.
pub(crate) fn design(lo: &[f64], hi: &[f64]) -> Vec<Vec<Option<f64>>> {
    let d = lo.len();
    let mut rows = vec![vec![None; d]];
    for i in 0..d {
        for v in [lo[i], hi[i]] {
            let mut row = vec![None; d];
            row[i] = Some(v);
            rows.push(row);
        }
    }
    rows
}

/// One bar of the tornado: the metric with the parameter at its low and high end.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Bar {
    /// Index of the parameter.
    pub param: usize,
    /// The metric with the parameter at the low end of its range.
    pub low: f64,
    /// The metric with the parameter at the high end of its range.
    pub high: f64,
    /// |high - low|.
    pub swing: f64,
}

/// The metric of the unchanged scenario and the tornado bars from the outputs `y` of
/// [`design`], sorted by decreasing swing (ties keep the parameters' order; NaN last).
pub(crate) fn tornado(y: &[f64]) -> (f64, Vec<Bar>) {
    let d = y.len().saturating_sub(1) / 2;
    let mut bars: Vec<Bar> = (0..d)
        .map(|i| {
            let (low, high) = (y[1 + 2 * i], y[2 + 2 * i]);
            Bar {
                param: i,
                low,
                high,
                swing: (high - low).abs(),
            }
        })
        .collect();
    bars.sort_by(|a, b| match (a.swing.is_nan(), b.swing.is_nan()) {
        (false, false) => b.swing.total_cmp(&a.swing),
        (x, y) => x.cmp(&y),
    });
    (y.first().copied().unwrap_or(f64::NAN), bars)
}

/// Parameters that only scale the effects of policy spending minus baseline spending
/// (the demand impulse and the extra public capital).
const SPENDING_GAP: &[&str] = &[
    "structure.spending_multiplier",
    "structure.efficiency",
    "structure.capital_share",
    "structure.depreciation",
    "structure.public_capital_elasticity",
];

/// Why a parameter of a tornado moved the metric not at all, in the scenario `sc` as
/// the other parameters leave it: names the model's reason where one is known.
pub(crate) fn zero_swing_reason(sc: &Scenario, param: &str) -> String {
    let (p, b) = (&sc.policy, &sc.baseline);
    let equal = |x: &[f64], y: &[f64]| x.iter().zip(y).all(|(a, b)| a == b);
    if SPENDING_GAP.contains(&param) && equal(&p.growth_spending_gdp, &b.growth_spending_gdp) {
        return format!(
            "the policy's growth spending equals the baseline's in every year, and `{param}` \
             only scales the effects of policy minus baseline (demand impulse, extra public \
             capital): it has nothing to multiply. Give the policy its own path, e.g. \
             --set policy.growth_spending_share.2030=0.25"
        );
    }
    if param == "structure.revenue_multiplier" && equal(&p.revenue_gdp, &b.revenue_gdp) {
        return "the policy's revenue equals the baseline's in every year, and the revenue \
                multiplier only scales policy minus baseline: it has nothing to multiply"
            .into();
    }
    match param {
        "structure.debt_premium" | "structure.debt_threshold" => {
            "debt/GDP stays below the threshold over this range, so the premium never applies"
                .into()
        }
        "structure.commodity_revenue_elasticity" => {
            "it acts on commodity revenue under price or exchange-rate shocks only".into()
        }
        "structure.gap_persistence" => {
            "the output gap stays zero, so its persistence is moot".into()
        }
        _ => "the metric does not move over this range (check that the range is wide enough \
              and that the metric's years are affected)"
            .into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tornado_sorts_by_swing() {
        let rows = design(&[0.0, 1.0, 2.0], &[1.0, 2.0, 3.0]);
        assert_eq!(rows.len(), 7);
        assert_eq!(rows[3], [None, Some(1.0), None]);
        assert_eq!(rows[4], [None, Some(2.0), None]);
        // f = x0 + 10 x1 - 3 x2 around the base 0: swings 1, 10, 3.
        let f = |r: &[Option<f64>]| {
            r[0].unwrap_or(0.5) + 10.0 * r[1].unwrap_or(1.5) - 3.0 * r[2].unwrap_or(2.5)
        };
        let y: Vec<f64> = rows.iter().map(|r| f(r)).collect();
        let (base, bars) = tornado(&y);
        assert_eq!(base, 0.5 + 15.0 - 7.5);
        let order: Vec<usize> = bars.iter().map(|b| b.param).collect();
        assert_eq!(order, [1, 2, 0]);
        assert_eq!(
            (bars[1].low, bars[1].high, bars[1].swing),
            (base + 1.5, base - 1.5, 3.0)
        );
    }

    #[test]
    fn zero_swing_says_policy_equals_baseline() {
        let sc = crate::scenario::load_str(SC, "t", std::path::Path::new("."), &[]).unwrap();
        let why = zero_swing_reason(&sc, "structure.spending_multiplier");
        assert!(why.contains("equals the baseline"), "{why}");
        let why = zero_swing_reason(&sc, "structure.revenue_multiplier");
        assert!(why.contains("nothing to multiply"), "{why}");
        let why = zero_swing_reason(&sc, "initial.debt_gdp");
        assert!(why.contains("does not move"), "{why}");
    }

    const SC: &str = "name = 'x'\nbase_year = 2025\nend_year = 2026\n\
        [initial]\ngdp_nominal = 100\ndebt_gdp = 0.3\npublic_capital_gdp = 0.5\n\
        growth_spending_gdp = 0.02\nrevenue_gdp = 0.2\n\
        [baseline]\nreal_growth = 0.03\ninflation = 0.02\ngrowth_spending_gdp = 0.02\n\
        revenue_gdp = 0.2\ninterest_rate = 0.04\n[policy]\nother_spending_gdp = 0.18\n";
}
