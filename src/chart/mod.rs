//! Charts as SVG (plotters' SVG backend, no system libraries): fan charts of Monte Carlo
//! summaries, line charts of several scenarios, tornado charts of one-at-a-time
//! sensitivities and stacked-bar decompositions.
//!
//! Every chart is returned as an SVG string, so it can be written to a file or inlined
//! in the HTML report. Rates and shares of GDP are drawn in percent (0.053 as 5.3);
//! levels in the scenario's currency unit.

pub(crate) mod backtest;
pub mod bars;
pub(crate) mod fan;
pub(crate) mod lines;
pub(crate) mod palette;
pub(crate) mod tornado;

use plotters::coord::Shift;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use plotters::style::RGBColor;

use crate::error::Error;

/// The frame that line and fan charts share: a caption sized to fit `plot_width`, years on
/// the x axis (at most 12 labels for `n_years`), values in `y_desc` on the y axis.
pub(crate) fn year_chart<'a, 'b>(
    plot: &'a DrawingArea<SVGBackend<'b>, Shift>,
    title: &str,
    plot_width: u32,
    x: (f64, f64),
    y: (f64, f64),
    n_years: usize,
    y_desc: &str,
) -> Result<ChartContext<'a, SVGBackend<'b>, Cartesian2d<RangedCoordf64, RangedCoordf64>>, Error> {
    let mut chart = ChartBuilder::on(plot)
        .caption(title, ("sans-serif", title_size(title, plot_width, 22)))
        .margin(16)
        .x_label_area_size(48)
        .y_label_area_size(72)
        .build_cartesian_2d(x.0..x.1, y.0..y.1)
        .map_err(draw_error)?;
    chart
        .configure_mesh()
        .x_desc("year")
        .y_desc(y_desc)
        .x_labels(n_years.clamp(2, 12))
        .x_label_formatter(&year_label)
        .y_label_formatter(&|v| value_label(v, y.1 - y.0))
        .light_line_style(WHITE)
        .axis_desc_style(("sans-serif", 15))
        .label_style(("sans-serif", 13))
        .draw()
        .map_err(draw_error)?;
    Ok(chart)
}

/// Width and height of a chart, in pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Size {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
}

impl Default for Size {
    fn default() -> Self {
        Size {
            width: 900,
            height: 520,
        }
    }
}

/// How a variable is displayed: a scale factor and the axis unit.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Unit {
    /// Multiply values by this to display them (100 for fractions shown in percent).
    pub scale: f64,
    /// The axis label, e.g. `% of GDP`.
    pub label: String,
}

/// The display unit of a variable (canonical output or decomposition column);
/// `currency` names the unit of levels (e.g. `KZT trillion`), empty when unknown.
pub(crate) fn unit_of(variable: &str, currency: &str) -> Unit {
    let pct = |label: &str| Unit {
        scale: 100.0,
        label: label.to_string(),
    };
    let level = |label: String| Unit { scale: 1.0, label };
    match variable {
        "real_growth" | "potential_growth" | "inflation" => pct("% a year"),
        "interest_rate" => pct("% a year (effective rate)"),
        "output_gap" => pct("% of potential GDP"),
        v if v.starts_with("growth_from_") => pct("percentage points of growth"),
        v if v.starts_with("debt_from_") || v == "debt_gdp_change" => {
            pct("percentage points of GDP")
        }
        v if v.ends_with("_gdp") => pct("% of GDP"),
        "exchange_rate" => level("local currency per USD".into()),
        "commodity_price" => level("USD".into()),
        "gdp_real" if currency.is_empty() => level("base-year prices".into()),
        "gdp_real" => level(format!("{currency}, base-year prices")),
        "gdp_usd" if currency.is_empty() => level("USD (same scale as the currency unit)".into()),
        "gdp_usd" => level(format!("USD, same scale as {currency}")),
        _ if currency.is_empty() => level("currency unit".into()),
        _ => level(currency.to_string()),
    }
}

/// A human title for a variable, e.g. `debt_gdp` -> `Debt (% of GDP)`-style wording.
pub(crate) fn title_of(variable: &str) -> String {
    let known = match variable {
        "debt_gdp" => "Government debt",
        "real_growth" => "Real GDP growth",
        "potential_growth" => "Potential growth",
        "output_gap" => "Output gap",
        "inflation" => "Inflation (GDP deflator)",
        "interest_rate" => "Effective interest rate",
        "overall_balance_gdp" => "Overall balance",
        "primary_balance_gdp" => "Primary balance",
        "revenue_gdp" => "Revenue",
        "growth_spending_gdp" => "Growth-stimulating spending",
        "gdp_real" => "Real GDP",
        "gdp_nominal" => "Nominal GDP",
        "net_debt_gdp" => "Net debt (debt less fund assets)",
        "fund_assets_gdp" => "Resource fund assets",
        "gross_financing_need_gdp" => "Gross financing need",
        "non_commodity_primary_balance_gdp" => "Non-commodity primary balance",
        "rule_adjustment_gdp" => "Fiscal-rule spending cut",
        "growth_spending_budget_share" => "Growth spending, share of budget spending",
        _ => "",
    };
    if known.is_empty() {
        variable.replace('_', " ")
    } else {
        known.to_string()
    }
}

pub use palette::PALETTE;

/// The `i`-th palette colour (cycling; charts of many series use [`palette::assign`]).
pub(crate) fn color(i: usize) -> RGBColor {
    PALETTE[i % PALETTE.len()]
}

/// The smallest span of a value axis, in display units, so that small differences are
/// not blown up: 4 percentage points for rates, 5 for shares of GDP, 1 for
/// contributions in percentage points; for levels, 20 % of the largest magnitude.
pub(crate) fn min_span(unit: &Unit, largest: f64) -> f64 {
    if unit.scale == 100.0 {
        if unit.label.starts_with("percentage points") {
            1.0
        } else if unit.label.contains("of GDP") {
            5.0
        } else {
            4.0
        }
    } else {
        0.2 * largest.abs()
    }
}

/// A value axis range: [`padded`], then widened about its middle to at least `span`,
/// without crossing zero when every value is on one side of it.
pub(crate) fn axis_range(lo: f64, hi: f64, span: f64) -> (f64, f64) {
    let (a, b) = padded(lo, hi, None);
    if !span.is_finite() || span <= b - a {
        return (a, b);
    }
    let mid = (a + b) / 2.0;
    let (mut a2, mut b2) = (mid - span / 2.0, mid + span / 2.0);
    if lo >= 0.0 && a2 < 0.0 {
        (a2, b2) = (0.0, span);
    } else if hi <= 0.0 && b2 > 0.0 {
        (a2, b2) = (-span, 0.0);
    }
    (a2, b2)
}

/// The base-year value of a canonical output, from the scenario's `[initial]`, where
/// the scenario states it (rates and flows have none); used as the first point of a
/// chart's lines.
pub(crate) fn base_year_value(sc: &crate::scenario::Scenario, variable: &str) -> Option<f64> {
    let i = &sc.initial;
    Some(match variable {
        "debt_gdp" => i.debt_gdp,
        "debt" => i.debt_gdp * i.gdp_nominal,
        "growth_spending_gdp" => i.growth_spending_gdp,
        "gdp_nominal" | "gdp_real" => i.gdp_nominal,
        "gdp_usd" => i.gdp_nominal / i.exchange_rate,
        "output_gap" => i.output_gap,
        "exchange_rate" => i.exchange_rate,
        "commodity_price" => i.commodity_price,
        _ => return None,
    })
}

/// Maps a plotters error to an internal error (drawing into a string cannot fail on
/// user input).
pub(crate) fn draw_error(e: impl std::fmt::Debug) -> Error {
    Error::Internal(format!("drawing the chart failed: {e:?}"))
}

/// A value range padded by 8 % of its span on each side (or ±1 around a constant),
/// always including `include` (e.g. 0 for bars).
pub(crate) fn padded(lo: f64, hi: f64, include: Option<f64>) -> (f64, f64) {
    let (mut lo, mut hi) = (lo, hi);
    if let Some(z) = include {
        lo = lo.min(z);
        hi = hi.max(z);
    }
    if !lo.is_finite() || !hi.is_finite() {
        return (0.0, 1.0);
    }
    let span = hi - lo;
    if span <= f64::EPSILON * hi.abs().max(1.0) {
        let pad = if lo == 0.0 { 1.0 } else { lo.abs() * 0.1 };
        return (lo - pad, hi + pad);
    }
    (lo - 0.08 * span, hi + 0.08 * span)
}

/// How a legend entry is drawn.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Mark {
    /// A filled box (areas, bars).
    Box(plotters::style::RGBAColor),
    /// A line of the given width.
    Line(RGBColor, u32),
    /// A short black bar (totals of stacked bars).
    Total,
}

/// Width in pixels of a side legend holding `labels`.
pub(crate) fn legend_width<'a>(labels: impl Iterator<Item = &'a str>) -> u32 {
    let longest = labels.map(|l| l.chars().count()).max().unwrap_or(0) as u32;
    (longest * 8 + 50).clamp(120, 320)
}

/// Draws a legend in its own area (beside the plot, so it never covers data).
pub(crate) fn draw_legend(
    area: &plotters::drawing::DrawingArea<
        plotters::backend::SVGBackend<'_>,
        plotters::coord::Shift,
    >,
    items: &[(String, Mark)],
) -> crate::error::Result<()> {
    use plotters::prelude::*;
    let font = ("sans-serif", 14).into_font();
    let mut y = 70;
    for (label, mark) in items {
        match *mark {
            Mark::Box(c) => area.draw(&Rectangle::new([(8, y - 7), (26, y + 7)], c.filled())),
            Mark::Line(c, w) => area.draw(&PathElement::new([(6, y), (28, y)], c.stroke_width(w))),
            Mark::Total => area.draw(&Rectangle::new([(6, y - 2), (28, y + 2)], BLACK.filled())),
        }
        .map_err(draw_error)?;
        area.draw(&Text::new(label.clone(), (34, y - 8), font.clone()))
            .map_err(draw_error)?;
        y += 24;
    }
    Ok(())
}

/// The font size (pixels) of a title so that it fits in `width` pixels: at most
/// `largest`, at least 11 (a sans-serif character is about 0.55 em wide).
pub(crate) fn title_size(title: &str, width: u32, largest: u32) -> u32 {
    let chars = title.chars().count().max(1) as f64;
    let fit = (f64::from(width.saturating_sub(24)) / (0.55 * chars)).floor();
    (fit as u32).clamp(11, largest)
}

/// Label for a year axis value: the integer year, or nothing between years.
pub(crate) fn year_label(v: &f64) -> String {
    if (v - v.round()).abs() < 1e-6 {
        format!("{:.0}", v)
    } else {
        String::new()
    }
}

/// A number on a value axis, with as few decimals as the step needs.
pub(crate) fn value_label(v: &f64, span: f64) -> String {
    let decimals = if span >= 50.0 {
        0
    } else if span >= 5.0 {
        1
    } else if span >= 0.5 {
        2
    } else {
        3
    };
    let s = format!("{:.*}", decimals, v);
    if s.starts_with('-') && s.trim_start_matches(['-', '0', '.']).is_empty() {
        s[1..].to_string()
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units() {
        assert_eq!(unit_of("debt_gdp", "KZT trillion").label, "% of GDP");
        assert_eq!(unit_of("debt_gdp", "").scale, 100.0);
        assert_eq!(unit_of("debt", "KZT trillion").label, "KZT trillion");
        assert_eq!(unit_of("debt", "").label, "currency unit");
        assert_eq!(unit_of("real_growth", "").label, "% a year");
        assert_eq!(
            unit_of("debt_from_interest", "").label,
            "percentage points of GDP"
        );
        assert_eq!(unit_of("exchange_rate", "").scale, 1.0);
    }

    #[test]
    fn long_titles_shrink() {
        assert_eq!(title_size("Debt", 900, 22), 22);
        let long = "x".repeat(100);
        assert!(title_size(&long, 690, 22) * 55 * 100 / 100 <= 690);
        assert_eq!(title_size(&"x".repeat(1000), 400, 22), 11);
    }

    #[test]
    fn padding_and_labels() {
        assert_eq!(padded(0.0, 10.0, None), (-0.8, 10.8));
        assert_eq!(padded(5.0, 5.0, None), (4.5, 5.5));
        assert_eq!(padded(2.0, 3.0, Some(0.0)).0, -0.24);
        assert_eq!(year_label(&2026.0), "2026");
        assert_eq!(year_label(&2026.5), "");
        assert_eq!(value_label(&-0.0001, 1.0), "0.00");
        assert_eq!(value_label(&12.345, 10.0), "12.3");
    }

    #[test]
    fn axes_have_a_minimum_span() {
        let growth = unit_of("real_growth", "");
        let (a, b) = axis_range(5.24, 5.33, min_span(&growth, 5.33));
        assert!(
            (b - a - 4.0).abs() < 1e-9 && a < 5.24 && b > 5.33,
            "{a}..{b}"
        );
        let (a, b) = axis_range(0.5, 1.0, min_span(&unit_of("debt_gdp", ""), 1.0));
        assert_eq!((a, b), (0.0, 5.0));
        // a wide range keeps its padding
        assert_eq!(axis_range(0.0, 10.0, 4.0), (-0.8, 10.8));
    }
}
