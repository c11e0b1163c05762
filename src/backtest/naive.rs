//! The naive forecast a backtest compares the model with: a point forecast known at T0
//! plus the errors that same rule made in the history before T0 (its empirical errors).
//!
//! - growth, average growth, inflation: the trailing mean over `trailing` years, plus
//!   the past errors of trailing means at the same horizon;
//! - exchange rate and oil price: no change, times the past h-year ratios x_(s+h) / x_s;
//! - debt/GDP: no change, plus the past h-year changes;
//! - primary balance: the trailing mean (the scenario's baseline), plus its past errors.
//!
//! Only outcomes known at T0 are used (s + h <= T0).

use super::hindcast::outcome;
use super::history::Series;

/// Fewest past errors a naive ensemble needs; with fewer there is no naive forecast.
pub const MIN_ERRORS: usize = 3;

/// The point forecast of variable `v` made at `s` for horizon `h`.
fn point(series: &Series, v: usize, s: i32, trailing: usize) -> Option<f64> {
    match v {
        0 | 1 => series.trailing_mean(&series.growth, s, trailing),
        2 => series.trailing_mean(&series.inflation, s, trailing),
        3 => series.at(&series.exchange_rate, s),
        4 => series.at(&series.oil, s),
        super::DEBT => series.at(&series.debt, s),
        _ => series.trailing_mean(&series.primary_balance, s, trailing),
    }
}

/// Whether the naive rule of `v` is multiplicative (ratios) rather than additive.
fn ratio(v: usize) -> bool {
    matches!(v, 3 | 4)
}

/// The naive ensemble of variable `v` at origin `t0`, horizon `h`, unsorted; None with
/// fewer than [`MIN_ERRORS`] past errors or no point forecast.
pub fn ensemble(series: &Series, v: usize, t0: i32, h: usize, trailing: usize) -> Option<Vec<f64>> {
    let p = point(series, v, t0, trailing)?;
    let mut out = Vec::new();
    for s in series.first_year..=t0 - h as i32 {
        let (Some(ps), Some(y)) = (point(series, v, s, trailing), outcome(series, v, s, h)) else {
            continue;
        };
        out.push(if ratio(v) { p * y / ps } else { p + (y - ps) });
    }
    (out.len() >= MIN_ERRORS).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calibrate::History;

    #[test]
    fn naive_ensembles_by_hand() {
        let mut text = String::from(
            "year,rgdp_growth_wdi,gdp_deflator_infl_wdi,kzt_per_usd_wdi,brent_usd_eia,\
             gg_gross_debt_pct_weo,gg_revenue_pct_weo,gg_primary_bal_pct_weo\n",
        );
        let g = [2.0, 4.0, 6.0, 8.0, 10.0];
        let fx = [100.0, 110.0, 121.0, 100.0, 150.0];
        for (i, (g, fx)) in g.iter().zip(fx).enumerate() {
            text += &format!("{},{g},5,{fx},50,{},20,0\n", 2000 + i, 10 + i);
        }
        let s = Series::from_history(&History::parse(&text, "t.csv").unwrap(), 2000).unwrap();
        // Growth, trailing 1 (last value), h = 1 at 2004: errors 0.02 each year; point 0.10.
        let e = ensemble(&s, 0, 2004, 1, 1).unwrap();
        assert_eq!(e.len(), 4);
        assert!(e.iter().all(|x| (x - 0.12).abs() < 1e-12), "{e:?}");
        // Exchange rate, h = 1: ratios 1.1, 1.1, 100/121 applied to 100 (at 2003).
        let e = ensemble(&s, 3, 2003, 1, 1).unwrap();
        let want = [110.0, 110.0, 100.0 * 100.0 / 121.0];
        for (a, b) in e.iter().zip(want) {
            assert!((a - b).abs() < 1e-9, "{e:?}");
        }
        // Debt, h = 2 at 2004: changes of 0.02 from 2000, 2001, 2002; point 0.14.
        let e = ensemble(&s, 5, 2004, 2, 1).unwrap();
        assert!(e.iter().all(|x| (x - 0.16).abs() < 1e-12), "{e:?}");
        // Too few errors.
        assert!(ensemble(&s, 5, 2004, 3, 1).is_none());
        // Primary balance (0 every year), trailing 1, h = 1: point 0 plus errors of 0.
        let e = ensemble(&s, super::super::BALANCE, 2004, 1, 1).unwrap();
        assert_eq!(e, vec![0.0; 4]);
    }
}
