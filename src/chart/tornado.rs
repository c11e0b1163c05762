//! Tornado charts of one-at-a-time sensitivities: for each parameter, the metric at its
//! low and at its high value, as a horizontal bar, largest swing on top.

use plotters::prelude::*;

use super::{Size, color, draw_error, padded, title_size, value_label};
use crate::compare::parse_number;
use crate::error::{Error, Loc, Result};

/// One parameter of a tornado.
#[derive(Debug, Clone, PartialEq)]
pub struct Bar {
    /// The parameter (its `--vary` address).
    pub parameter: String,
    /// The metric with the parameter at its low value.
    pub low: f64,
    /// The metric with the parameter at its high value.
    pub high: f64,
    /// The parameter's range (its low and high value), when the CSV gives it.
    pub range: Option<(f64, f64)>,
}

impl Bar {
    /// |high - low|.
    pub fn swing(&self) -> f64 {
        (self.high - self.low).abs()
    }
}

/// Reads the CSV of `fiscalsim sensitivity --method oat` (columns `parameter`, `low`,
/// `high`; others ignored), sorted by swing, largest first. `source` names it in messages.
pub(crate) fn read_oat(text: &str, source: &str) -> Result<Vec<Bar>> {
    let at = |line: u64, message: String| Error::Data {
        loc: Loc {
            source: source.into(),
            line: u32::try_from(line).unwrap_or(u32::MAX),
            col: 0,
        },
        message,
    };
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut r = csv::Reader::from_reader(text.as_bytes());
    let header: Vec<String> = r
        .headers()
        .map_err(|e| at(1, format!("cannot read the header: {e}")))?
        .iter()
        .map(|h| h.trim().to_string())
        .collect();
    let col = |n: &str| header.iter().position(|h| h == n);
    let (from, to) = (col("from"), col("to"));
    let (Some(p), Some(l), Some(h)) = (col("parameter"), col("low"), col("high")) else {
        return Err(at(
            1,
            "a tornado needs the CSV of `fiscalsim sensitivity --method oat` (columns \
             parameter,low,high,swing)"
                .into(),
        ));
    };
    let mut bars = Vec::new();
    for rec in r.records() {
        let rec = rec.map_err(|e| {
            at(
                e.position().map_or(0, |p| p.line()),
                format!("malformed CSV: {e}"),
            )
        })?;
        let line = rec.position().map_or(0, |p| p.line());
        let num = |i: usize, name: &str| {
            let cell = rec.get(i).unwrap_or("").trim();
            parse_number(cell).filter(|v| v.is_finite()).ok_or_else(|| {
                at(
                    line,
                    format!("column `{name}`: `{cell}` is not a finite number"),
                )
            })
        };
        bars.push(Bar {
            parameter: rec.get(p).unwrap_or("").trim().to_string(),
            low: num(l, "low")?,
            high: num(h, "high")?,
            range: match (from, to) {
                (Some(a), Some(b)) => Some((num(a, "from")?, num(b, "to")?)),
                _ => None,
            },
        });
    }
    if bars.is_empty() {
        return Err(at(1, "no parameters".into()));
    }
    bars.sort_by(|a, b| b.swing().total_cmp(&a.swing()));
    Ok(bars)
}

/// The central value of a one-at-a-time analysis: `metric` (the grammar of
/// [`crate::metric::Metric`], e.g. `debt_gdp@2040`) on the deterministic projection of
/// `sc`, since OAT holds every other input at its value in the scenario. Monte Carlo
/// statistics (`p90(...)`, `prob(...)`) are refused: they need draws.
pub(crate) fn central_value(
    sc: &crate::scenario::Scenario,
    metric: &str,
) -> std::result::Result<f64, String> {
    let m: crate::metric::Metric = metric.parse()?;
    if m.needs_draws() {
        return Err(format!(
            "`{metric}` is a Monte Carlo statistic: its central value needs draws"
        ));
    }
    m.check(&sc.years)?;
    let path = crate::model::project(sc).map_err(|e| e.to_string())?;
    m.deterministic(&sc.years, &path)
}

/// The variable a metric is about (`debt_gdp` in `max(debt_gdp@2026..2040)`), and
/// whether it is a probability.
fn metric_variable(metric: &str) -> (&str, bool) {
    let inner = metric.rsplit('(').next().unwrap_or(metric);
    let end = inner
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(inner.len());
    (
        inner[..end].trim(),
        metric.trim_start().starts_with("prob("),
    )
}

/// The display unit of a metric: percent for rates, shares and probabilities.
pub(crate) fn metric_unit(metric: &str) -> super::Unit {
    match metric_variable(metric) {
        (_, true) => super::Unit {
            scale: 100.0,
            label: "% of draws".into(),
        },
        (v, false) => super::unit_of(v, ""),
    }
}

/// A parameter's label: its address and, when known, its range (`0.2 to 0.8`).
fn bar_label(b: &Bar) -> String {
    match b.range {
        Some((a, z)) => format!(
            "{} ({} to {})",
            b.parameter,
            crate::output::format_number(a),
            crate::output::format_number(z)
        ),
        None => b.parameter.clone(),
    }
}

/// The bars in the unit of the chart (their values times `k`).
fn scaled_bars(bars: &[Bar], k: f64) -> Vec<Bar> {
    bars.iter()
        .map(|b| Bar {
            low: b.low * k,
            high: b.high * k,
            ..b.clone()
        })
        .collect()
}

/// The value axis: the bars' ends and the central value, padded, with room for the
/// labels at the ends.
fn x_range(bars: &[Bar], base: Option<f64>) -> (f64, f64) {
    let (lo, hi) = bars
        .iter()
        .flat_map(|b| [b.low, b.high])
        .chain(base)
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
            (a.min(v), b.max(v))
        });
    let (x0, x1) = padded(lo, hi, None);
    (x0 - 0.12 * (x1 - x0), x1 + 0.12 * (x1 - x0))
}

/// A mark where each parameter without effect sits (bar i at y = n - 1 - i).
fn no_effect_marks(bars: &[Bar]) -> Vec<PathElement<(f64, f64)>> {
    let n = bars.len();
    bars.iter()
        .enumerate()
        .filter(|(_, b)| b.swing() == 0.0)
        .map(|(i, b)| {
            let y = (n - 1 - i) as f64;
            PathElement::new(
                [(b.low, y - 0.35), (b.low, y + 0.35)],
                BLACK.stroke_width(3),
            )
        })
        .collect()
}

/// The values at both ends of each bar, as text beside them.
fn end_labels(
    bars: &[Bar],
    span: f64,
    unit: &super::Unit,
) -> Vec<Text<'static, (f64, f64), String>> {
    let n = bars.len();
    let font = ("sans-serif", 12).into_font();
    bars.iter()
        .enumerate()
        .flat_map(|(i, b)| {
            let y = (n - 1 - i) as f64 + 0.45;
            [b.low, b.high].map(|v| {
                Text::new(
                    format!("{} %", value_label(&v, span)).replace(" %", unit_suffix(unit)),
                    (v, y),
                    font.clone(),
                )
            })
        })
        .collect()
}

/// The width of the labels' area: the longest label, within 80 and half the width.
fn label_area(bars: &[Bar], width: u32) -> u32 {
    let longest = bars
        .iter()
        .map(|b| bar_label(b).chars().count())
        .max()
        .unwrap_or(8);
    (longest as u32 * 8 + 20).clamp(80, width / 2)
}

/// Draws a tornado as SVG. `base` is the metric at the central values (a vertical line
/// splitting each bar); `metric` labels the axis, in percent for rates, shares and
/// probabilities; each bar is labelled with the parameter's range and ends with the
/// metric's values.
pub(crate) fn render(bars: &[Bar], base: Option<f64>, metric: &str, size: Size) -> Result<String> {
    let unit = metric_unit(metric);
    let k = unit.scale;
    let scaled = scaled_bars(bars, k);
    let bars = &scaled[..];
    let base = base.map(|b| b * k);
    let n = bars.len();
    let (x0, x1) = x_range(bars, base);
    let label_area = label_area(bars, size.width);
    let height = size.height.max(120 + 34 * n as u32);
    let names: Vec<String> = bars.iter().map(bar_label).collect();
    let axis = format!("{metric} ({})", unit.label);
    let title = format!("Sensitivity of {metric}");
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (size.width, height)).into_drawing_area();
        root.fill(&WHITE).map_err(draw_error)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(&title, ("sans-serif", title_size(&title, size.width, 22)))
            .margin(16)
            .x_label_area_size(48)
            .y_label_area_size(label_area)
            .build_cartesian_2d(x0..x1, -0.5..(n as f64 - 0.5))
            .map_err(draw_error)?;
        // bar i is drawn at y = n - 1 - i (largest swing on top)
        let name_at = |y: &f64| {
            let r = y.round();
            if (y - r).abs() > 1e-6 || r < 0.0 || r >= n as f64 {
                return String::new();
            }
            names[n - 1 - r as usize].clone()
        };
        chart
            .configure_mesh()
            .x_desc(&axis)
            .y_labels(n + 2)
            .y_label_formatter(&name_at)
            .x_label_formatter(&|v| value_label(v, x1 - x0))
            .disable_y_mesh()
            .light_line_style(WHITE)
            .axis_desc_style(("sans-serif", 15))
            .label_style(("sans-serif", 13))
            .draw()
            .map_err(draw_error)?;
        let (c_low, c_high) = (color(0), color(1));
        let split = |b: &Bar| base.unwrap_or((b.low + b.high) / 2.0);
        let rect = |y: f64, a: f64, b: f64, c: RGBColor| {
            Rectangle::new([(a, y - 0.35), (b, y + 0.35)], c.filled())
        };
        chart
            .draw_series(
                bars.iter()
                    .enumerate()
                    .map(|(i, b)| rect((n - 1 - i) as f64, split(b), b.low, c_low)),
            )
            .map_err(draw_error)?
            .label("parameter at its low value")
            .legend(move |(x, y)| Rectangle::new([(x, y - 6), (x + 18, y + 6)], c_low.filled()));
        chart
            .draw_series(
                bars.iter()
                    .enumerate()
                    .map(|(i, b)| rect((n - 1 - i) as f64, split(b), b.high, c_high)),
            )
            .map_err(draw_error)?
            .label("parameter at its high value")
            .legend(move |(x, y)| Rectangle::new([(x, y - 6), (x + 18, y + 6)], c_high.filled()));
        // a parameter without effect still shows where it sits
        chart
            .draw_series(no_effect_marks(bars))
            .map_err(draw_error)?;
        let span = x1 - x0;
        let ends = end_labels(bars, span, &unit);
        chart.draw_series(ends).map_err(draw_error)?;
        if let Some(b) = base {
            chart
                .draw_series(std::iter::once(PathElement::new(
                    [(b, -0.5), (b, n as f64 - 0.5)],
                    BLACK.stroke_width(2),
                )))
                .map_err(draw_error)?
                .label(format!("central value {}", value_label(&b, x1 - x0)))
                .legend(|(x, y)| {
                    PathElement::new([(x + 9, y - 7), (x + 9, y + 7)], BLACK.stroke_width(2))
                });
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::LowerRight)
            .background_style(WHITE.mix(0.85))
            .border_style(RGBColor(180, 180, 180))
            .label_font(("sans-serif", 13))
            .draw()
            .map_err(draw_error)?;
        root.present().map_err(draw_error)?;
    }
    Ok(svg)
}

/// The suffix of a value label: ` %` for percent units, nothing otherwise.
fn unit_suffix(unit: &super::Unit) -> &'static str {
    if unit.scale == 100.0 { " %" } else { "" }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_and_sorts_by_swing() {
        let csv = "parameter,low,high,swing\nstructure.efficiency,0.5,0.52,0.02\nstructure.spending_multiplier,0.45,0.6,0.15\n";
        let bars = read_oat(csv, "s.csv").unwrap();
        assert_eq!(bars[0].parameter, "structure.spending_multiplier");
        assert!((bars[0].swing() - 0.15).abs() < 1e-15);
        let svg = render(&bars, Some(0.51), "debt_gdp@2040", Size::default()).unwrap();
        assert!(svg.contains("structure.efficiency") && svg.contains("central value"));
        let e = read_oat("parameter,S1,ST\nx,0.1,0.2\n", "sobol.csv")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("sobol.csv:1") && e.contains("--method oat"),
            "{e}"
        );
    }
}
