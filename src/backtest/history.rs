//! The series a backtest reads from the annual history, and the rules that turn what is
//! known at an origin year T0 into a scenario's initial values and baseline paths.
//!
//! Units: fractions (0.05 = 5 %) for growth, inflation and shares of GDP (the file's
//! percent columns are divided by 100); USD per barrel for oil; local currency per USD.

use crate::calibrate::History;
use crate::error::{Error, Loc, Result};

/// The columns a backtest needs (names of the shipped `data/kazakhstan_macro_annual.csv`),
/// with what they hold.
pub const COLUMNS: [(&str, &str); 7] = [
    ("rgdp_growth_wdi", "real GDP growth, percent"),
    ("gdp_deflator_infl_wdi", "GDP-deflator inflation, percent"),
    ("kzt_per_usd_wdi", "exchange rate, local currency per USD"),
    ("brent_usd_eia", "oil price, USD per barrel"),
    (
        "gg_gross_debt_pct_weo",
        "general-government gross debt, percent of GDP",
    ),
    (
        "gg_revenue_pct_weo",
        "general-government revenue, percent of GDP",
    ),
    (
        "gg_primary_bal_pct_weo",
        "general-government primary balance, percent of GDP",
    ),
];

/// The history a backtest uses, one value per year from `first_year` (missing = `None`).
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    /// The first year kept (earlier years are ignored).
    pub first_year: i32,
    /// Real growth (fraction).
    pub growth: Vec<Option<f64>>,
    /// GDP-deflator inflation (fraction).
    pub inflation: Vec<Option<f64>>,
    /// Exchange rate, local currency per USD.
    pub exchange_rate: Vec<Option<f64>>,
    /// Oil price, USD.
    pub oil: Vec<Option<f64>>,
    /// General-government gross debt (fraction of GDP).
    pub debt: Vec<Option<f64>>,
    /// General-government revenue (fraction of GDP).
    pub revenue: Vec<Option<f64>>,
    /// General-government primary balance (fraction of GDP).
    pub primary_balance: Vec<Option<f64>>,
}

impl Series {
    /// Reads the [`COLUMNS`] of `h` from `first_year` on; a missing column is an error
    /// that lists the columns the file has.
    pub fn from_history(h: &History, first_year: i32) -> Result<Series> {
        let (y0, y1) = (h.years[0], h.years[h.years.len() - 1]);
        if !(y0..=y1).contains(&first_year) {
            return Err(Error::usage(
                "--history-from",
                format!("{first_year} is outside the data, which run from {y0} to {y1}"),
            ));
        }
        let skip = (first_year - y0) as usize;
        let col = |name: &str, scale: f64| -> Result<Vec<Option<f64>>> {
            let Some(v) = h.column(name) else {
                let need: Vec<String> = COLUMNS
                    .iter()
                    .map(|(c, m)| format!("`{c}` ({m})"))
                    .collect();
                return Err(Error::Data {
                    loc: Loc::whole(h.source.clone()),
                    message: format!(
                        "no column `{name}`: a backtest needs the columns {}; the file has {}",
                        need.join(", "),
                        h.names().join(", ")
                    ),
                });
            };
            Ok(v[skip..].iter().map(|x| x.map(|x| x * scale)).collect())
        };
        Ok(Series {
            first_year,
            growth: col(COLUMNS[0].0, 0.01)?,
            inflation: col(COLUMNS[1].0, 0.01)?,
            exchange_rate: col(COLUMNS[2].0, 1.0)?,
            oil: col(COLUMNS[3].0, 1.0)?,
            debt: col(COLUMNS[4].0, 0.01)?,
            revenue: col(COLUMNS[5].0, 0.01)?,
            primary_balance: col(COLUMNS[6].0, 0.01)?,
        })
    }

    /// The last year of the data.
    pub fn last_year(&self) -> i32 {
        self.first_year + self.growth.len() as i32 - 1
    }

    /// The value of `v` in `year` (None outside the data or missing).
    pub fn at(&self, v: &[Option<f64>], year: i32) -> Option<f64> {
        let i = usize::try_from(year - self.first_year).ok()?;
        v.get(i).copied().flatten()
    }

    /// The mean of the values of `v` in the `k` years up to `year` (those present, at
    /// least one; years before the first kept year do not count).
    pub fn trailing_mean(&self, v: &[Option<f64>], year: i32, k: usize) -> Option<f64> {
        let vals: Vec<f64> = (0..k as i32).filter_map(|j| self.at(v, year - j)).collect();
        (!vals.is_empty()).then(|| vals.iter().sum::<f64>() / vals.len() as f64)
    }

    /// The latest value of `v` in or before `year`.
    pub fn latest(&self, v: &[Option<f64>], year: i32) -> Option<f64> {
        (self.first_year..=year).rev().find_map(|y| self.at(v, y))
    }

    /// The log change of the exchange rate, one value per year (None without both years).
    pub fn log_fx_change(&self) -> Vec<Option<f64>> {
        let e = &self.exchange_rate;
        (0..e.len())
            .map(|i| match (i.checked_sub(1).and_then(|j| e[j]), e[i]) {
                (Some(a), Some(b)) if a > 0.0 && b > 0.0 => Some((b / a).ln()),
                _ => None,
            })
            .collect()
    }

    /// The residual of debt in `year` (fraction of GDP): the change in debt/GDP not
    /// explained by the primary balance and nominal growth,
    /// d_t - d_(t-1) / ((1 + g_t)(1 + pi_t)) + pb_t: net interest and the stock-flow
    /// adjustment together.
    pub fn debt_residual(&self, year: i32) -> Option<f64> {
        let d = self.at(&self.debt, year)?;
        let d0 = self.at(&self.debt, year - 1)?;
        let g = self.at(&self.growth, year)?;
        let pi = self.at(&self.inflation, year)?;
        let pb = self.at(&self.primary_balance, year)?;
        Some(d - d0 / ((1.0 + g) * (1.0 + pi)) + pb)
    }

    /// The trailing mean of the debt residual over the `k` years up to `year` (0 when no
    /// year has one).
    pub fn trailing_residual(&self, year: i32, k: usize) -> f64 {
        let vals: Vec<f64> = (0..k as i32)
            .filter_map(|j| self.debt_residual(year - j))
            .collect();
        if vals.is_empty() {
            0.0
        } else {
            vals.iter().sum::<f64>() / vals.len() as f64
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tiny() -> Series {
        let text = "year,rgdp_growth_wdi,gdp_deflator_infl_wdi,kzt_per_usd_wdi,brent_usd_eia,\
                    gg_gross_debt_pct_weo,gg_revenue_pct_weo,gg_primary_bal_pct_weo\n\
                    1999,50,1,1,1,,,\n\
                    2000,2,10,100,50,20,25,1\n\
                    2001,4,0,110,60,20,25,\n\
                    2002,6,10,120,70,,25,-2\n";
        Series::from_history(&History::parse(text, "t.csv").unwrap(), 2000).unwrap()
    }

    #[test]
    fn trailing_means_latest_values_and_residuals() {
        let s = tiny();
        assert_eq!(s.last_year(), 2002);
        assert_eq!(
            s.at(&s.growth, 1999),
            None,
            "years before the first are ignored"
        );
        let m = s.trailing_mean(&s.growth, 2002, 2).unwrap();
        assert!((m - 0.05).abs() < 1e-15);
        let m = s.trailing_mean(&s.growth, 2002, 10).unwrap();
        assert!((m - 0.04).abs() < 1e-15, "only the years present count");
        assert_eq!(s.latest(&s.debt, 2002), Some(0.2));
        // 2001: 0.2 - 0.2 / 1.04 + ob (missing) -> None; no residual anywhere -> 0.
        assert_eq!(s.debt_residual(2001), None);
        assert_eq!(s.trailing_residual(2002, 5), 0.0);
        // 2000 has everything but the year before; a full year by hand: see below.
        let text = "year,rgdp_growth_wdi,gdp_deflator_infl_wdi,kzt_per_usd_wdi,brent_usd_eia,\
                    gg_gross_debt_pct_weo,gg_revenue_pct_weo,gg_primary_bal_pct_weo\n\
                    2000,2,10,100,50,20,25,1\n\
                    2001,4,0,110,60,22,25,-2\n";
        let s = Series::from_history(&History::parse(text, "t.csv").unwrap(), 2000).unwrap();
        // 0.22 - 0.20 / 1.04 + (-0.02): the debt change not explained by the primary balance.
        let r = s.debt_residual(2001).unwrap();
        assert!((r - (0.22 - 0.2 / 1.04 - 0.02)).abs() < 1e-15, "{r}");
    }

    #[test]
    fn a_missing_column_is_named_with_the_columns_needed() {
        let h = History::parse("year,rgdp_growth_wdi\n2000,1\n", "t.csv").unwrap();
        let e = Series::from_history(&h, 2000).unwrap_err().to_string();
        assert!(e.contains("no column `gdp_deflator_infl_wdi`"), "{e}");
        assert!(e.contains("the file has rgdp_growth_wdi"), "{e}");
        let e = Series::from_history(&h, 1990).unwrap_err().to_string();
        assert!(e.contains("outside the data"), "{e}");
    }
}
