//! Scores per variable and horizon from the scored cases, and the backtest's CSV files.

use std::io::Write;

use super::hindcast::VARIABLES;
use super::scoring::{Z95, pit_histogram, wilson};
use super::{Case, PIT_BINS};
use crate::error::{Error, Loc, Result};
use crate::output::format_number;

/// The scores of one variable at one horizon.
#[derive(Debug, Clone, PartialEq)]
pub struct Score {
    /// Variable name ([`VARIABLES`]).
    pub variable: &'static str,
    /// Horizon in years.
    pub horizon: usize,
    /// Number of scored cases (origins with an outcome).
    pub n: usize,
    /// Cases whose outcome lies in the central 50 % band.
    pub hits_50: usize,
    /// Cases whose outcome lies in the central 90 % band.
    pub hits_90: usize,
    /// Mean CRPS of the Monte Carlo ensemble over the n cases (units of the variable).
    pub crps: f64,
    /// Cases that also have a naive forecast.
    pub n_naive: usize,
    /// Mean CRPS of the naive forecast over those cases.
    pub crps_naive: f64,
    /// 1 - (model CRPS / naive CRPS) over the cases that have both: above 0 the model
    /// beats the naive forecast.
    pub crps_skill: f64,
    /// PIT counts in [`PIT_BINS`] equal bins of [0, 1].
    pub pit_histogram: Vec<usize>,
}

impl Score {
    /// Share of outcomes in the 50 % band.
    pub fn coverage_50(&self) -> f64 {
        self.hits_50 as f64 / self.n as f64
    }

    /// Share of outcomes in the 90 % band.
    pub fn coverage_90(&self) -> f64 {
        self.hits_90 as f64 / self.n as f64
    }
}

fn mean(v: impl Iterator<Item = f64>) -> f64 {
    let (s, n) = v.fold((0.0, 0usize), |(s, n), x| (s + x, n + 1));
    if n == 0 { f64::NAN } else { s / n as f64 }
}

/// Scores of every variable and horizon 1..=`horizon` that has cases.
pub fn scores(cases: &[Case], horizon: usize) -> Vec<Score> {
    let mut out = Vec::new();
    for (v, (name, _)) in VARIABLES.iter().enumerate() {
        for h in 1..=horizon {
            let c: Vec<&Case> = cases
                .iter()
                .filter(|c| c.variable == v && c.horizon == h)
                .collect();
            if c.is_empty() {
                continue;
            }
            let both: Vec<(f64, f64)> = c
                .iter()
                .filter_map(|c| c.crps_naive.map(|n| (c.crps, n)))
                .collect();
            let model_common = mean(both.iter().map(|b| b.0));
            let naive = mean(both.iter().map(|b| b.1));
            let pits: Vec<f64> = c.iter().map(|c| c.pit).collect();
            out.push(Score {
                variable: name,
                horizon: h,
                n: c.len(),
                hits_50: c.iter().filter(|c| c.in_50()).count(),
                hits_90: c.iter().filter(|c| c.in_90()).count(),
                crps: mean(c.iter().map(|c| c.crps)),
                n_naive: both.len(),
                crps_naive: naive,
                crps_skill: 1.0 - model_common / naive,
                pit_histogram: pit_histogram(&pits, PIT_BINS),
            });
        }
    }
    out
}

/// Pooled coverage of `variable` over `horizons`: (n, hits in the 50 % band, hits in the
/// 90 % band). The cases of one origin at several horizons are not independent.
pub fn pooled(cases: &[Case], variable: usize, horizons: &[usize]) -> (usize, usize, usize) {
    let c: Vec<&Case> = cases
        .iter()
        .filter(|c| c.variable == variable && horizons.contains(&c.horizon))
        .collect();
    (
        c.len(),
        c.iter().filter(|c| c.in_50()).count(),
        c.iter().filter(|c| c.in_90()).count(),
    )
}

/// The header of the scores CSV.
pub fn header() -> Vec<String> {
    let mut h: Vec<String> = [
        "variable",
        "horizon",
        "n",
        "coverage_50",
        "coverage_50_lo",
        "coverage_50_hi",
        "coverage_90",
        "coverage_90_lo",
        "coverage_90_hi",
        "crps",
        "n_naive",
        "crps_naive",
        "crps_skill",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    h.extend((1..=PIT_BINS).map(|b| format!("pit_{b}")));
    h
}

/// Writes the scores as CSV: [`header`], one row per variable and horizon. The `_lo` and
/// `_hi` columns are the 95 % Wilson interval of the coverage; `pit_b` counts PIT values
/// in the b-th of [`PIT_BINS`] equal bins of [0, 1].
pub fn write_scores(scores: &[Score], w: &mut dyn Write) -> std::io::Result<()> {
    let mut csv = csv::Writer::from_writer(w);
    csv.write_record(header())?;
    for s in scores {
        let (l50, h50) = wilson(s.hits_50, s.n, Z95);
        let (l90, h90) = wilson(s.hits_90, s.n, Z95);
        let mut row = vec![
            s.variable.to_string(),
            s.horizon.to_string(),
            s.n.to_string(),
        ];
        row.extend(
            [s.coverage_50(), l50, h50, s.coverage_90(), l90, h90, s.crps]
                .iter()
                .map(|x| format_number(*x)),
        );
        row.push(s.n_naive.to_string());
        row.extend([s.crps_naive, s.crps_skill].iter().map(|x| opt_number(*x)));
        row.extend(s.pit_histogram.iter().map(|c| c.to_string()));
        csv.write_record(&row)?;
    }
    csv.flush()
}

/// A number, or an empty cell for NaN (no naive forecast).
fn opt_number(x: f64) -> String {
    if x.is_nan() {
        String::new()
    } else {
        format_number(x)
    }
}

/// Writes every case as CSV: `origin,variable,horizon,outcome,p05,p25,p50,p75,p95,pit,
/// crps,crps_naive` (empty `crps_naive` without a naive forecast).
pub fn write_cases(cases: &[Case], w: &mut dyn Write) -> std::io::Result<()> {
    let mut csv = csv::Writer::from_writer(w);
    csv.write_record([
        "origin",
        "variable",
        "horizon",
        "outcome",
        "p05",
        "p25",
        "p50",
        "p75",
        "p95",
        "pit",
        "crps",
        "crps_naive",
    ])?;
    for c in cases {
        let mut row = vec![
            c.origin.to_string(),
            VARIABLES[c.variable].0.to_string(),
            c.horizon.to_string(),
            format_number(c.outcome),
        ];
        row.extend(c.quantiles.iter().map(|q| format_number(*q)));
        row.push(format_number(c.pit));
        row.push(format_number(c.crps));
        row.push(c.crps_naive.map_or(String::new(), format_number));
        csv.write_record(&row)?;
    }
    csv.flush()
}

/// Reads a scores CSV written by [`write_scores`] (e.g. for the report); `source` names it
/// in messages. The coverage columns are recomputed from `n` and the hit counts they imply.
pub fn read_scores(text: &str, source: &str) -> Result<Vec<Score>> {
    let bad = |line: usize, m: String| Error::Data {
        loc: Loc {
            source: source.into(),
            line: line as u32,
            col: 1,
        },
        message: m,
    };
    let mut r = csv::Reader::from_reader(text.as_bytes());
    let head: Vec<String> = r
        .headers()
        .map_err(|e| bad(1, format!("cannot read the header: {e}")))?
        .iter()
        .map(String::from)
        .collect();
    let want = header();
    if head != want {
        return Err(bad(
            1,
            format!(
                "not a `fiscalsim backtest` scores CSV: expected the columns {}",
                want.join(",")
            ),
        ));
    }
    let mut out = Vec::new();
    for (i, rec) in r.records().enumerate() {
        let line = i + 2;
        let rec = rec.map_err(|e| bad(line, e.to_string()))?;
        let num = |c: usize| -> Result<f64> {
            let s = &rec[c];
            if s.is_empty() {
                return Ok(f64::NAN);
            }
            s.parse()
                .map_err(|_| bad(line, format!("`{}` is not a number ({})", s, want[c])))
        };
        let count = |c: usize| -> Result<usize> {
            rec[c]
                .parse()
                .map_err(|_| bad(line, format!("`{}` is not a count ({})", &rec[c], want[c])))
        };
        let Some((variable, _)) = VARIABLES.iter().find(|(v, _)| *v == &rec[0]) else {
            return Err(bad(line, format!("unknown variable `{}`", &rec[0])));
        };
        let n = count(2)?;
        let hits = |c: usize| -> Result<usize> { Ok((num(c)? * n as f64).round() as usize) };
        out.push(Score {
            variable,
            horizon: count(1)?,
            n,
            hits_50: hits(3)?,
            hits_90: hits(6)?,
            crps: num(9)?,
            n_naive: count(10)?,
            crps_naive: num(11)?,
            crps_skill: num(12)?,
            pit_histogram: (13..13 + PIT_BINS).map(count).collect::<Result<_>>()?,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn case(v: usize, h: usize, outcome: f64, naive: Option<f64>) -> Case {
        Case {
            origin: 2010,
            variable: v,
            horizon: h,
            outcome,
            quantiles: [0.0, 1.0, 2.0, 3.0, 4.0],
            pit: outcome / 4.0,
            crps: 1.0,
            crps_naive: naive,
        }
    }

    #[test]
    fn scores_count_hits_and_compare_with_the_naive_on_common_cases() {
        let cases = [
            case(0, 1, 2.0, Some(2.0)),
            case(0, 1, 3.5, None),
            case(0, 1, 5.0, Some(4.0)),
            case(0, 2, 0.5, None),
        ];
        let s = scores(&cases, 2);
        assert_eq!(s.len(), 2);
        let (a, b) = (&s[0], &s[1]);
        assert_eq!(
            (a.variable, a.horizon, a.n, a.hits_50, a.hits_90),
            ("real_growth", 1, 3, 1, 2)
        );
        assert_eq!(a.n_naive, 2);
        assert_eq!(a.crps_naive, 3.0);
        assert!((a.crps_skill - (1.0 - 1.0 / 3.0)).abs() < 1e-15);
        assert_eq!(a.pit_histogram, vec![0, 0, 1, 0, 2]);
        assert_eq!((b.n, b.hits_50, b.hits_90, b.n_naive), (1, 0, 1, 0));
        assert!(b.crps_naive.is_nan());
        assert_eq!(pooled(&cases, 0, &[1, 2]), (4, 1, 3));
        let mut out = Vec::new();
        write_scores(&s, &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(
            text.starts_with("variable,horizon,n,coverage_50,"),
            "{text}"
        );
        assert!(text.contains("\nreal_growth,2,1,0,0,"), "{text}");
        assert_eq!(read_scores(&text, "bt.csv").unwrap().len(), 2);
        let back = read_scores(&text, "bt.csv").unwrap();
        assert_eq!(
            (back[0].hits_50, back[0].hits_90, back[0].n_naive),
            (1, 2, 2)
        );
        assert_eq!(back[0].pit_histogram, s[0].pit_histogram);
        let e = read_scores("a,b\n1,2\n", "x.csv").unwrap_err().to_string();
        assert!(
            e.contains("x.csv:1") && e.contains("not a `fiscalsim backtest`"),
            "{e}"
        );
    }
}
