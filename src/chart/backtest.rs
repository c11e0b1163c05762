//! The backtest chart: PIT histograms (one per variable, pooled over horizons) above the
//! coverage of the 50 % and 90 % bands by horizon against their nominal levels.

use plotters::prelude::*;

use super::{Mark, Size, color, draw_error, draw_legend, legend_width, title_size};
use crate::backtest::{PIT_BINS, Score, VARIABLES};
use crate::error::Result;

/// The default size of the backtest chart.
pub(crate) fn default_size() -> Size {
    Size {
        width: 1260,
        height: 760,
    }
}

/// Draws the backtest chart of `scores` as SVG; `size` None for [`default_size`].
pub(crate) fn draw(scores: &[Score], size: &Option<Size>) -> Result<String> {
    let size = size.unwrap_or_else(default_size);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (size.width, size.height)).into_drawing_area();
        root.fill(&WHITE).map_err(draw_error)?;
        let (top, bottom) = root.split_vertically(size.height * 2 / 5);
        let panels = top.split_evenly((1, VARIABLES.len()));
        for ((v, (name, _)), panel) in VARIABLES.iter().enumerate().zip(&panels) {
            let mut counts = [0usize; PIT_BINS];
            for s in scores.iter().filter(|s| s.variable == *name) {
                for (c, k) in counts.iter_mut().zip(&s.pit_histogram) {
                    *c += k;
                }
            }
            pit_panel(panel, name, &counts, color(v))?;
        }
        coverage_panel(&bottom, scores, size.width)?;
        root.present().map_err(draw_error)?;
    }
    Ok(svg)
}

type Area<'a> = DrawingArea<SVGBackend<'a>, plotters::coord::Shift>;

/// One PIT histogram: shares of the cases per bin, the uniform share dashed.
fn pit_panel(area: &Area<'_>, name: &str, counts: &[usize; PIT_BINS], c: RGBColor) -> Result<()> {
    let n: usize = counts.iter().sum();
    let shares: Vec<f64> = counts
        .iter()
        .map(|k| if n == 0 { 0.0 } else { *k as f64 / n as f64 })
        .collect();
    let top = shares.iter().copied().fold(2.0 / PIT_BINS as f64, f64::max) * 1.1;
    let title = format!("PIT {name} (n = {n}, all horizons)");
    let mut chart = ChartBuilder::on(area)
        .caption(&title, ("sans-serif", title_size(&title, 180, 14)))
        .margin(8)
        .x_label_area_size(28)
        .y_label_area_size(36)
        .build_cartesian_2d(0.0..1.0, 0.0..top)
        .map_err(draw_error)?;
    chart
        .configure_mesh()
        .x_labels(3)
        .y_labels(4)
        .y_label_formatter(&|v| format!("{:.0}%", 100.0 * v))
        .light_line_style(WHITE)
        .label_style(("sans-serif", 11))
        .draw()
        .map_err(draw_error)?;
    let w = 1.0 / PIT_BINS as f64;
    chart
        .draw_series(shares.iter().enumerate().map(|(b, s)| {
            let x = b as f64 * w;
            Rectangle::new([(x + 0.01, 0.0), (x + w - 0.01, *s)], c.filled())
        }))
        .map_err(draw_error)?;
    let uniform = 1.0 / PIT_BINS as f64;
    chart
        .draw_series(DashedLineSeries::new(
            [(0.0, uniform), (1.0, uniform)],
            5,
            4,
            BLACK.stroke_width(1),
        ))
        .map_err(draw_error)?;
    Ok(())
}

/// Coverage of the 90 % (solid) and 50 % (thin) bands by horizon, nominal levels dashed.
fn coverage_panel(area: &Area<'_>, scores: &[Score], width: u32) -> Result<()> {
    let labels: Vec<String> = VARIABLES
        .iter()
        .map(|(n, _)| n.to_string())
        .chain([
            "90 % band (thick)".into(),
            "50 % band (thin)".into(),
            "nominal".into(),
        ])
        .collect();
    let lw = legend_width(labels.iter().map(String::as_str));
    let (plot, legend) = area.split_horizontally(width.saturating_sub(lw));
    let h_max = scores.iter().map(|s| s.horizon).max().unwrap_or(1) as f64;
    let title = "Coverage of the 50 % and 90 % bands by horizon (small samples)";
    let mut chart = ChartBuilder::on(&plot)
        .caption(title, ("sans-serif", title_size(title, width - lw, 20)))
        .margin(16)
        .x_label_area_size(44)
        .y_label_area_size(60)
        .build_cartesian_2d(0.8..h_max + 0.2, 0.0..105.0)
        .map_err(draw_error)?;
    chart
        .configure_mesh()
        .x_desc("horizon (years)")
        .y_desc("% of outcomes in the band")
        .x_labels(h_max as usize + 1)
        .x_label_formatter(&|v| {
            if (v - v.round()).abs() < 1e-6 {
                format!("{:.0}", v)
            } else {
                String::new()
            }
        })
        .light_line_style(WHITE)
        .axis_desc_style(("sans-serif", 15))
        .label_style(("sans-serif", 13))
        .draw()
        .map_err(draw_error)?;
    for nominal in [50.0, 90.0] {
        chart
            .draw_series(DashedLineSeries::new(
                [(0.8, nominal), (h_max + 0.2, nominal)],
                6,
                4,
                BLACK.stroke_width(1),
            ))
            .map_err(draw_error)?;
    }
    for (v, (name, _)) in VARIABLES.iter().enumerate() {
        let s: Vec<&Score> = scores.iter().filter(|s| s.variable == *name).collect();
        for (cov, w) in [
            (Score::coverage_90 as fn(&Score) -> f64, 3),
            (Score::coverage_50, 1),
        ] {
            let pts: Vec<(f64, f64)> = s
                .iter()
                .map(|s| (s.horizon as f64, 100.0 * cov(s)))
                .collect();
            chart
                .draw_series(LineSeries::new(pts.clone(), color(v).stroke_width(w)))
                .map_err(draw_error)?;
            chart
                .draw_series(
                    pts.iter()
                        .map(|p| Circle::new(*p, w + 1, color(v).filled())),
                )
                .map_err(draw_error)?;
        }
    }
    let mut items: Vec<(String, Mark)> = VARIABLES
        .iter()
        .enumerate()
        .map(|(v, (n, _))| (n.to_string(), Mark::Line(color(v), 3)))
        .collect();
    items.push((
        "90 % band (thick)".into(),
        Mark::Line(RGBColor(60, 60, 60), 3),
    ));
    items.push((
        "50 % band (thin)".into(),
        Mark::Line(RGBColor(60, 60, 60), 1),
    ));
    items.push(("nominal (dashed)".into(), Mark::Line(BLACK, 1)));
    draw_legend(&legend, &items)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_every_variable_and_the_nominal_levels() {
        let score = |v: &'static str, h| Score {
            variable: v,
            horizon: h,
            n: 4,
            hits_50: 2,
            hits_90: 3,
            crps: 0.01,
            n_naive: 4,
            crps_naive: 0.02,
            crps_skill: 0.5,
            pit_histogram: vec![1, 0, 2, 0, 1],
        };
        let scores: Vec<Score> = VARIABLES
            .iter()
            .flat_map(|(v, _)| (1..=3).map(move |h| score(v, h)))
            .collect();
        let svg = draw(&scores, &None).unwrap();
        for (v, _) in VARIABLES {
            assert!(
                svg.contains(&format!("PIT {v} (n = 12, all horizons)")),
                "{v}"
            );
        }
        assert!(svg.contains("nominal (dashed)"));
    }
}
