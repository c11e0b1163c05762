//! Line charts: one variable across several scenarios or outputs.

use plotters::prelude::*;

use super::fan::check_variable;
use super::palette::{BENCHMARK, assign};
use super::{
    Mark, Size, axis_range, draw_error, draw_legend, legend_width, min_span, title_of, unit_of,
    year_chart,
};
use crate::compare::{Kind, Table, labels};
use crate::error::{Error, Result};

/// One line: a label and its points (year, raw value).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Line {
    /// Legend label.
    pub label: String,
    /// (year, value) points, years ascending; missing years are skipped.
    pub points: Vec<(i32, f64)>,
}

/// Lines of `variable`, one per table, labelled by scenario name (or the file when names
/// repeat). Deterministic tables give their path; Monte Carlo summaries give the
/// statistic `stat` (e.g. `p50`), which they then need.
pub(crate) fn from_tables(
    tables: &[Table],
    variable: &str,
    stat: Option<&str>,
) -> Result<Vec<Line>> {
    let files = labels(tables);
    let suffix = |t: &Table| match (t.kind, stat) {
        (Kind::Summary, Some(st)) => format!(" ({st})"),
        _ => String::new(),
    };
    let names: Vec<String> = tables
        .iter()
        .zip(&files)
        .map(|(t, f)| {
            let name = t.scenario.clone().filter(|s| !s.is_empty());
            format!("{}{}", name.unwrap_or(f.clone()), suffix(t))
        })
        .collect();
    let unique = names
        .iter()
        .all(|n| names.iter().filter(|m| *m == n).count() == 1);
    tables
        .iter()
        .enumerate()
        .map(|(i, t)| {
            check_variable(t, variable)?;
            let stat = match t.kind {
                Kind::Deterministic => None,
                Kind::Summary => {
                    let stats = t.stats();
                    match stat {
                        Some(st) if stats.iter().any(|x| x == st) => Some(st),
                        Some(st) => {
                            return Err(Error::usage(
                                "--stat",
                                format!(
                                    "`{st}` is not a statistic of `{}`: valid: {}",
                                    t.source.display(),
                                    stats.join(", ")
                                ),
                            ));
                        }
                        None => {
                            return Err(Error::usage(
                                "--stat",
                                format!(
                                    "`{}` is a Monte Carlo summary: choose the statistic to draw \
                                     with --stat ({}), or draw its bands with `chart fan`",
                                    t.source.display(),
                                    stats.join(", ")
                                ),
                            ));
                        }
                    }
                }
            };
            let points = t
                .years()
                .into_iter()
                .filter_map(|y| t.get(y, variable, stat).map(|v| (y, v)))
                .collect();
            let label = if unique {
                names[i].clone()
            } else {
                format!("{}{}", files[i], suffix(t))
            };
            Ok(Line { label, points })
        })
        .collect()
}

/// Draws the lines of `variable` as SVG; `title` replaces the default title when given.
pub(crate) fn render(
    lines: &[Line],
    variable: &str,
    title: Option<&str>,
    size: Size,
    currency: &str,
) -> Result<String> {
    render_with_benchmark(lines, variable, title, size, currency, None)
}

/// A horizontal benchmark line: its value (raw, e.g. 0.33 for 33 % of GDP) and legend.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Benchmark {
    /// The value, in the variable's raw unit.
    pub value: f64,
    /// The legend label, e.g. `benchmark 33 %`.
    pub label: String,
}

/// [`render`] with a benchmark line drawn across the chart. Each line has its own colour
/// ([`super::palette::assign`]); a line labelled `baseline` is drawn last, on top. The
/// value axis spans at least [`super::min_span`] and includes the benchmark.
pub(crate) fn render_with_benchmark(
    lines: &[Line],
    variable: &str,
    title: Option<&str>,
    size: Size,
    currency: &str,
    benchmark: Option<&Benchmark>,
) -> Result<String> {
    let unit = unit_of(variable, currency);
    let values = lines
        .iter()
        .flat_map(|l| l.points.iter().map(|p| p.1 * unit.scale))
        .chain(benchmark.map(|b| b.value * unit.scale));
    let (lo, hi) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
        (a.min(v), b.max(v))
    });
    let (y0, y1) = axis_range(lo, hi, min_span(&unit, lo.abs().max(hi.abs())));
    let years = lines.iter().flat_map(|l| l.points.iter().map(|p| p.0));
    let (first, last) = years.fold((i32::MAX, i32::MIN), |(a, b), y| (a.min(y), b.max(y)));
    if first > last {
        return Err(Error::usage(
            "--variable",
            format!("no values of `{variable}` to draw"),
        ));
    }
    let (x0, x1) = (f64::from(first) - 0.3, f64::from(last) + 0.3);
    let title = title.map_or_else(|| title_of(variable), str::to_string);
    let labels: Vec<&str> = lines.iter().map(|l| l.label.as_str()).collect();
    let colors = assign(&labels);
    // the baseline last, so that it is drawn on top
    let mut order: Vec<usize> = (0..lines.len()).collect();
    order.sort_by_key(|i| lines[*i].label == "baseline");
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (size.width, size.height)).into_drawing_area();
        root.fill(&WHITE).map_err(draw_error)?;
        let lw = legend_width(
            labels
                .iter()
                .copied()
                .chain(benchmark.map(|b| b.label.as_str())),
        );
        let (plot, legend_area) = root.split_horizontally(size.width.saturating_sub(lw));
        let mut chart = year_chart(
            &plot,
            &title,
            size.width.saturating_sub(lw),
            (x0, x1),
            (y0, y1),
            (last - first + 1) as usize,
            &unit.label,
        )?;
        if let Some(b) = benchmark {
            let y = b.value * unit.scale;
            chart
                .draw_series(LineSeries::new(
                    [(x0, y), (x1, y)],
                    BENCHMARK.stroke_width(2),
                ))
                .map_err(draw_error)?;
        }
        for &i in &order {
            let (line, c) = (&lines[i], colors[i]);
            let width = if line.label == "baseline" { 4 } else { 2 };
            let pts: Vec<(f64, f64)> = line
                .points
                .iter()
                .map(|(y, v)| (f64::from(*y), v * unit.scale))
                .collect();
            chart
                .draw_series(LineSeries::new(pts.clone(), c.stroke_width(width)))
                .map_err(draw_error)?;
            chart
                .draw_series(pts.iter().map(|p| Circle::new(*p, 3, c.filled())))
                .map_err(draw_error)?;
        }
        let mut items: Vec<(String, Mark)> = lines
            .iter()
            .zip(&colors)
            .map(|(l, c)| (l.label.clone(), Mark::Line(*c, 3)))
            .collect();
        if let Some(b) = benchmark {
            items.push((b.label.clone(), Mark::Line(BENCHMARK, 2)));
        }
        draw_legend(&legend_area, &items)?;
        root.present().map_err(draw_error)?;
    }
    Ok(svg)
}

/// Puts `(year, value)` first on `line` unless it already has a point for that year.
pub(crate) fn prepend(line: &mut Line, year: i32, value: f64) {
    if value.is_finite() && line.points.first().is_none_or(|p| p.0 > year) {
        line.points.insert(0, (year, value));
    }
}
