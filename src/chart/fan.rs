//! Fan charts: the quantile bands of a Monte Carlo summary (p05–p95, p10–p90, p25–p75,
//! or whichever symmetric pairs the summary has), the median, and the deterministic path.

use plotters::prelude::*;

use super::{
    Mark, Size, color, draw_error, draw_legend, legend_width, title_of, unit_of, year_chart,
};
use crate::compare::{Kind, Table};
use crate::error::{Error, Result};

/// One band between two quantiles, per year (raw values, fractions or levels).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Band {
    /// The lower quantile's column, e.g. `p05`.
    pub lower_label: String,
    /// The upper quantile's column, e.g. `p95`.
    pub upper_label: String,
    /// Lower bound per year.
    pub lower: Vec<f64>,
    /// Upper bound per year.
    pub upper: Vec<f64>,
}

/// The data of one fan chart.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Fan {
    /// The variable drawn.
    pub variable: String,
    /// Scenario name, for the title.
    pub scenario: String,
    /// Projection years.
    pub years: Vec<i32>,
    /// Bands from the widest to the narrowest.
    pub bands: Vec<Band>,
    /// The median (p50) per year, if the summary has it.
    pub median: Option<Vec<f64>>,
    /// The deterministic path per year, if given.
    pub deterministic: Option<Vec<f64>>,
}

/// The quantile level, in percent, of a statistic named like `p05`, `p50` or `p2.5`.
fn quantile_of(stat: &str) -> Option<f64> {
    let n = stat.strip_prefix('p')?;
    if n.is_empty() || !n.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        return None;
    }
    n.parse::<f64>().ok().filter(|q| *q > 0.0 && *q < 100.0)
}

/// Checks that `variable` is in `table`, suggesting the closest names otherwise.
pub(crate) fn check_variable(table: &Table, variable: &str) -> Result<()> {
    let vars = table.variables();
    if vars.iter().any(|v| v == variable) {
        return Ok(());
    }
    let best = vars
        .iter()
        .min_by(|a, b| strsim::levenshtein(a, variable).cmp(&strsim::levenshtein(b, variable)))
        .filter(|b| strsim::levenshtein(b, variable) <= 3)
        .map(|b| format!("did you mean `{b}`? "))
        .unwrap_or_default();
    Err(Error::usage(
        "--variable",
        format!(
            "`{variable}` is not in `{}`: {best}available: {}",
            table.source.display(),
            vars.join(", ")
        ),
    ))
}

/// Extracts the fan of `variable` from a Monte Carlo summary, with the deterministic
/// path from `deterministic` (a `run` CSV or scenario table), if given.
pub(crate) fn from_tables(
    summary: &Table,
    deterministic: Option<&Table>,
    variable: &str,
) -> Result<Fan> {
    if summary.kind != Kind::Summary {
        return Err(Error::usage(
            "FILE",
            format!(
                "`{}` is not a Monte Carlo summary (scenario,year,variable,mean,sd,p05,...): a fan \
                 chart needs one; for deterministic paths use `chart lines`",
                summary.source.display()
            ),
        ));
    }
    check_variable(summary, variable)?;
    let years = summary.years();
    let series = |stat: &str| -> Option<Vec<f64>> {
        years
            .iter()
            .map(|y| summary.get(*y, variable, Some(stat)))
            .collect()
    };
    // (level in percent, column name) of every quantile column
    let mut qs: Vec<(f64, String)> = summary
        .stats()
        .into_iter()
        .filter_map(|s| quantile_of(&s).map(|q| (q, s)))
        .collect();
    qs.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut bands = Vec::new();
    for (q, lower_name) in qs.iter().filter(|(q, _)| *q < 50.0) {
        let Some((_, upper_name)) = qs.iter().find(|(u, _)| (u - (100.0 - q)).abs() < 1e-9) else {
            continue;
        };
        if let (Some(lower), Some(upper)) = (series(lower_name), series(upper_name)) {
            bands.push(Band {
                lower_label: lower_name.clone(),
                upper_label: upper_name.clone(),
                lower,
                upper,
            });
        }
    }
    if bands.is_empty() {
        return Err(Error::usage(
            "FILE",
            format!(
                "`{}` has no pair of quantiles (e.g. p05 and p95) for `{variable}` in every year: \
                 nothing to fan",
                summary.source.display()
            ),
        ));
    }
    let deterministic = match deterministic {
        None => None,
        Some(t) => {
            check_variable(t, variable)?;
            let path: Option<Vec<f64>> = years.iter().map(|y| t.get(*y, variable, None)).collect();
            Some(path.ok_or_else(|| {
                Error::usage(
                    "--deterministic",
                    format!(
                        "`{}` does not cover the years {}..{} of the summary",
                        t.source.display(),
                        years.first().copied().unwrap_or_default(),
                        years.last().copied().unwrap_or_default()
                    ),
                )
            })?)
        }
    };
    let median = series("p50");
    Ok(Fan {
        variable: variable.to_string(),
        scenario: summary.scenario.clone().unwrap_or_default(),
        years,
        bands,
        median,
        deterministic,
    })
}

/// Draws a fan chart as SVG; `currency` names the unit of levels.
pub(crate) fn render(fan: &Fan, size: Size, currency: &str) -> Result<String> {
    render_with_ghost(fan, None, size, currency)
}

/// A reference path drawn as a grey line under a fan (`fiscalsim serve`'s baseline).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Ghost {
    /// The legend label, e.g. `baseline median`.
    pub label: String,
    /// One value per year of the fan (raw values, fractions or levels).
    pub values: Vec<f64>,
}

/// The lowest and highest value drawn (bands, median, deterministic path, ghost), times
/// `scale`.
fn extent(fan: &Fan, ghost: Option<&Ghost>, scale: f64) -> (f64, f64) {
    let sc = |v: &f64| v * scale;
    let all = fan
        .bands
        .iter()
        .flat_map(|b| b.lower.iter().chain(&b.upper))
        .chain(fan.median.iter().flatten())
        .chain(fan.deterministic.iter().flatten())
        .chain(ghost.iter().flat_map(|g| &g.values))
        .map(sc);
    all.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
        (a.min(v), b.max(v))
    })
}

/// The chart's title: the variable, and the scenario when named.
fn fan_title(fan: &Fan) -> String {
    if fan.scenario.is_empty() {
        format!("{}: Monte Carlo fan", title_of(&fan.variable))
    } else {
        format!(
            "{}: Monte Carlo fan, {}",
            title_of(&fan.variable),
            fan.scenario
        )
    }
}

/// [`render`] with a `ghost` path (same years as the fan) drawn as a grey line.
pub(crate) fn render_with_ghost(
    fan: &Fan,
    ghost: Option<&Ghost>,
    size: Size,
    currency: &str,
) -> Result<String> {
    let unit = unit_of(&fan.variable, currency);
    let sc = |v: &f64| v * unit.scale;
    let (lo, hi) = extent(fan, ghost, unit.scale);
    let (y0, y1) = super::axis_range(lo, hi, super::min_span(&unit, lo.abs().max(hi.abs())));
    let (x0, x1) = (
        f64::from(*fan.years.first().unwrap_or(&0)) - 0.3,
        f64::from(*fan.years.last().unwrap_or(&0)) + 0.3,
    );
    let title = fan_title(fan);
    let xs: Vec<f64> = fan.years.iter().map(|y| f64::from(*y)).collect();
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (size.width, size.height)).into_drawing_area();
        root.fill(&WHITE).map_err(draw_error)?;
        let lw =
            legend_width(std::iter::once("deterministic").chain(ghost.map(|g| g.label.as_str())));
        let (plot, legend_area) = root.split_horizontally(size.width.saturating_sub(lw));
        let mut chart = year_chart(
            &plot,
            &title,
            size.width.saturating_sub(lw),
            (x0, x1),
            (y0, y1),
            fan.years.len(),
            &unit.label,
        )?;
        let base = color(0);
        let n = fan.bands.len();
        let mut items: Vec<(String, Mark)> = Vec::new();
        for (i, band) in fan.bands.iter().enumerate() {
            let alpha = 0.15 + 0.45 * (i as f64 + 1.0) / n as f64;
            let fill = base.mix(alpha);
            let mut pts: Vec<(f64, f64)> = xs
                .iter()
                .zip(&band.upper)
                .map(|(x, v)| (*x, sc(v)))
                .collect();
            pts.extend(xs.iter().zip(&band.lower).rev().map(|(x, v)| (*x, sc(v))));
            chart
                .draw_series(std::iter::once(Polygon::new(pts, fill.filled())))
                .map_err(draw_error)?;
            items.push((
                format!("{}–{}", band.lower_label, band.upper_label),
                Mark::Box(fill),
            ));
        }
        if let Some(median) = &fan.median {
            chart
                .draw_series(LineSeries::new(
                    xs.iter().zip(median).map(|(x, v)| (*x, sc(v))),
                    base.stroke_width(3),
                ))
                .map_err(draw_error)?;
            items.push(("median".into(), Mark::Line(base, 3)));
        }
        if let Some(det) = &fan.deterministic {
            let c = color(1);
            let pts: Vec<(f64, f64)> = xs.iter().zip(det).map(|(x, v)| (*x, sc(v))).collect();
            chart
                .draw_series(DashedLineSeries::new(pts.clone(), 8, 5, c.stroke_width(2)))
                .map_err(draw_error)?;
            items.push(("deterministic".into(), Mark::Line(c, 2)));
            chart
                .draw_series(pts.iter().map(|p| Circle::new(*p, 3, c.filled())))
                .map_err(draw_error)?;
        }
        if let Some(g) = ghost {
            let grey = RGBColor(110, 110, 110);
            chart
                .draw_series(DashedLineSeries::new(
                    xs.iter().zip(&g.values).map(|(x, v)| (*x, sc(v))),
                    4,
                    4,
                    grey.stroke_width(2),
                ))
                .map_err(draw_error)?;
            items.push((g.label.clone(), Mark::Line(grey, 2)));
        }
        draw_legend(&legend_area, &items)?;
        root.present().map_err(draw_error)?;
    }
    Ok(svg)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compare::read_csv_str;
    use std::path::Path;

    const SUMMARY: &str = "scenario,year,variable,mean,sd,p05,p10,p25,p50,p75,p90,p95
toy,2026,debt_gdp,0.52,0.02,0.49,0.5,0.51,0.52,0.53,0.54,0.55
toy,2027,debt_gdp,0.54,0.04,0.48,0.49,0.51,0.535,0.57,0.59,0.61
";

    #[test]
    fn bands_from_symmetric_quantiles() {
        let s = read_csv_str(SUMMARY, Path::new("s.csv")).unwrap();
        let fan = from_tables(&s, None, "debt_gdp").unwrap();
        let qs: Vec<&str> = fan.bands.iter().map(|b| b.lower_label.as_str()).collect();
        assert_eq!(qs, ["p05", "p10", "p25"]);
        // decimal levels, as `run` labels 0.025 and 0.975
        let s2 = read_csv_str(
            "year,variable,p2.5,p50,p97.5\n2026,x,1,2,3\n",
            Path::new("s2.csv"),
        )
        .unwrap();
        let f2 = from_tables(&s2, None, "x").unwrap();
        assert_eq!(
            (
                f2.bands[0].lower_label.as_str(),
                f2.bands[0].upper_label.as_str()
            ),
            ("p2.5", "p97.5")
        );
        assert_eq!(fan.bands[0].upper, [0.55, 0.61]);
        assert_eq!(fan.median, Some(vec![0.52, 0.535]));
        let svg = render(&fan, Size::default(), "").unwrap();
        assert!(svg.starts_with("<svg") && svg.contains("p05–p95") && svg.contains("% of GDP"));
        assert_eq!(svg.matches("<polygon").count(), 3, "{svg}");
    }

    #[test]
    fn unknown_variable_suggests() {
        let s = read_csv_str(SUMMARY, Path::new("s.csv")).unwrap();
        let e = from_tables(&s, None, "debt_gpd").unwrap_err().to_string();
        assert!(e.contains("did you mean `debt_gdp`"), "{e}");
    }
}
