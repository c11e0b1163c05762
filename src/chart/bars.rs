//! Stacked-bar decompositions: the debt-dynamics parts (IMF DSA form) or the growth parts
//! per year, positive parts stacked up from zero and negative parts down, with the total
//! (change in debt/GDP, or real growth) as a marked line.

use plotters::prelude::*;

use super::{
    Mark, Size, draw_error, draw_legend, legend_width, padded, title_size, value_label, year_label,
};
use crate::compare::{Kind, Table};
use crate::decompose::{DECOMPOSITION_NAMES, Decomposition};
use crate::error::{Error, Result};

/// Which decomposition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Which {
    /// Debt dynamics: `debt_from_*` parts, total `debt_gdp_change`.
    Debt,
    /// Growth: `growth_from_*` parts, total `real_growth`.
    Growth,
}

impl Which {
    /// (column, legend label) of each part, and of the total.
    pub fn columns(
        self,
    ) -> (
        &'static [(&'static str, &'static str)],
        (&'static str, &'static str),
    ) {
        match self {
            Which::Debt => (
                &[
                    ("debt_from_interest", "interest rate"),
                    ("debt_from_real_growth", "real growth"),
                    ("debt_from_inflation", "inflation"),
                    ("debt_from_primary_balance", "primary deficit"),
                    ("debt_from_exchange_rate", "exchange rate"),
                    ("debt_from_other_flows", "other flows"),
                    (FUND_PART, "fund transfer"),
                ],
                ("debt_gdp_change", "change in debt/GDP"),
            ),
            Which::Growth => (
                &[
                    ("growth_from_baseline", "baseline"),
                    ("growth_from_public_capital", "public capital"),
                    ("growth_from_demand", "demand (output gap)"),
                    ("growth_from_shocks", "shocks"),
                ],
                ("real_growth", "real growth"),
            ),
        }
    }
}

/// The part that only scenarios with a fund have (model version 2): drawn only where it
/// is not zero, and a CSV without the column (an older `run --decompose`) has none.
const FUND_PART: &str = "debt_from_fund_transfer";

/// Whether the part `column` with values `v` is drawn.
fn drawn(column: &str, v: &[f64]) -> bool {
    column != FUND_PART || v.iter().any(|x| *x != 0.0)
}

/// A decomposition ready to draw (fractions).
#[derive(Debug, Clone, PartialEq)]
pub struct Stacked {
    /// Which decomposition.
    pub which: Which,
    /// Scenario name.
    pub scenario: String,
    /// Years.
    pub years: Vec<i32>,
    /// Per part: (legend label, value per year).
    pub parts: Vec<(String, Vec<f64>)>,
    /// The total per year.
    pub total: Vec<f64>,
}

/// Extracts a decomposition from a table holding the decomposition columns (a scenario
/// run with decompositions, or a `run --decompose` CSV).
pub fn from_table(table: &Table, which: Which) -> Result<Stacked> {
    let (parts, total) = which.columns();
    if table.kind != Kind::Deterministic {
        return Err(Error::usage(
            "FILE",
            format!(
                "`{}` is a Monte Carlo summary; a decomposition needs a scenario file or a `run \
                 --decompose` CSV",
                table.source.display()
            ),
        ));
    }
    let years = table.years();
    let series = |col: &str| -> Result<Vec<f64>> {
        years
            .iter()
            .map(|y| table.get(*y, col, None))
            .collect::<Option<Vec<f64>>>()
            .ok_or_else(|| {
                Error::usage(
                    "FILE",
                    format!(
                        "`{}` has no column `{col}` for every year: give the scenario file, or a \
                         CSV of `fiscalsim run --decompose`",
                        table.source.display()
                    ),
                )
            })
    };
    Ok(Stacked {
        which,
        scenario: table.scenario.clone().unwrap_or_default(),
        parts: parts
            .iter()
            .filter(|(c, _)| *c != FUND_PART || table.get(years[0], c, None).is_some())
            .map(|(c, l)| Ok((c, l.to_string(), series(c)?)))
            .filter(|p| p.as_ref().map_or(true, |(c, _, v)| drawn(c, v)))
            .map(|p| p.map(|(_, l, v)| (l, v)))
            .collect::<Result<_>>()?,
        total: series(total.0)?,
        years,
    })
}

/// A decomposition ready to draw from per-year [`Decomposition`]s (e.g. the mean over
/// Monte Carlo draws); the growth total is the sum of the growth parts.
pub(crate) fn from_decomposition(
    which: Which,
    scenario: &str,
    years: &[i32],
    parts: &[Decomposition],
) -> Stacked {
    let (cols, _) = which.columns();
    let index = |c: &str| DECOMPOSITION_NAMES.iter().position(|n| *n == c);
    let series = |c: &str| -> Vec<f64> {
        parts
            .iter()
            .map(|p| index(c).map_or(f64::NAN, |i| p.values()[i]))
            .collect()
    };
    Stacked {
        which,
        scenario: scenario.to_string(),
        years: years.to_vec(),
        parts: cols
            .iter()
            .map(|(c, l)| (c, l.to_string(), series(c)))
            .filter(|(c, _, v)| drawn(c, v))
            .map(|(_, l, v)| (l, v))
            .collect(),
        total: match which {
            Which::Debt => parts.iter().map(|p| p.debt.change).collect(),
            Which::Growth => parts.iter().map(|p| p.growth.total()).collect(),
        },
    }
}

/// The growth decomposition as deviations from the baseline: without the baseline part
/// (the growth the scenario assumes), the total being real growth minus it; the debt
/// decomposition as it is. Also returns the baseline part, when removed.
pub(crate) fn relative_to_baseline(s: &Stacked) -> (Stacked, Option<Vec<f64>>) {
    if s.which != Which::Growth {
        return (s.clone(), None);
    }
    let mut out = s.clone();
    let Some(i) = out.parts.iter().position(|p| p.0 == "baseline") else {
        return (out, None);
    };
    let (_, base) = out.parts.remove(i);
    for (t, b) in out.total.iter_mut().zip(&base) {
        *t -= b;
    }
    (out, Some(base))
}

/// The value axis, in percent: the stacks and totals with 0, padded, at least 1 high.
fn y_range(s: &Stacked) -> (f64, f64) {
    let pct = |v: f64| 100.0 * v;
    let mut lo: f64 = 0.0;
    let mut hi: f64 = 0.0;
    for t in 0..s.years.len() {
        let pos: f64 = s.parts.iter().map(|p| p.1[t].max(0.0)).sum();
        let neg: f64 = s.parts.iter().map(|p| p.1[t].min(0.0)).sum();
        lo = lo.min(pct(neg)).min(pct(s.total[t]));
        hi = hi.max(pct(pos)).max(pct(s.total[t]));
    }
    let (y0, y1) = padded(lo, hi, Some(0.0));
    if y1 - y0 < 1.0 {
        let mid = (y0 + y1) / 2.0;
        (y0.min(mid - 0.5), y1.max(mid + 0.5))
    } else {
        (y0, y1)
    }
}

/// The chart's title (with the scenario and, relative to a `base`line growth, its
/// range) and the unit of its value axis.
fn title_and_unit(s: &Stacked, base: Option<&[f64]>) -> (String, &'static str) {
    let (title, unit) = match s.which {
        Which::Debt => (
            "Contributions to the change in debt/GDP",
            "percentage points of GDP",
        ),
        Which::Growth => (
            "Real growth: contributions beyond the baseline",
            "percentage points of growth",
        ),
    };
    let base_note = base.map(|b| {
        let (a, z) = b
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, z), v| {
                (a.min(*v), z.max(*v))
            });
        if (z - a).abs() < 5e-5 {
            format!(" (baseline growth {:.1} %)", 100.0 * a)
        } else {
            format!(" (baseline growth {:.1}-{:.1} %)", 100.0 * a, 100.0 * z)
        }
    });
    let title = if s.scenario.is_empty() {
        title.to_string()
    } else {
        format!("{title}, {}", s.scenario)
    } + base_note.as_deref().unwrap_or("");
    (title, unit)
}

/// The stacked bars, in percent: positive parts stacked up from 0, negative ones down.
fn stacked_rects(s: &Stacked, colors: &[RGBColor], width: f64) -> Vec<Rectangle<(f64, f64)>> {
    let pct = |v: f64| 100.0 * v;
    let mut up = vec![0.0; s.years.len()];
    let mut down = vec![0.0; s.years.len()];
    let mut rects = Vec::new();
    for (i, (_, values)) in s.parts.iter().enumerate() {
        let c = colors[i];
        for (t, v) in values.iter().enumerate() {
            let x = f64::from(s.years[t]);
            let v = pct(*v);
            let (a, b) = if v >= 0.0 {
                let a = up[t];
                up[t] += v;
                (a, up[t])
            } else {
                let a = down[t];
                down[t] += v;
                (a, down[t])
            };
            rects.push(Rectangle::new([(x - width, a), (x + width, b)], c.filled()));
        }
    }
    rects
}

/// Draws the stacked bars as SVG (values in percentage points). Growth is drawn as
/// deviations from the baseline growth (`relative_to_baseline`), so that the parts
/// the scenario changes are visible; the title gives the baseline's range.
pub fn render(s: &Stacked, size: Size) -> Result<String> {
    let (s, base) = relative_to_baseline(s);
    let s = &s;
    let (_, (_, total_label)) = s.which.columns();
    let total_label = if base.is_some() {
        "real growth minus baseline"
    } else {
        total_label
    };
    let pct = |v: f64| 100.0 * v;
    let (y0, y1) = y_range(s);
    let (first, last) = (
        f64::from(*s.years.first().unwrap_or(&0)),
        f64::from(*s.years.last().unwrap_or(&0)),
    );
    let (title, unit) = title_and_unit(s, base.as_deref());
    let labels: Vec<&str> = s.parts.iter().map(|p| p.0.as_str()).collect();
    let colors = super::palette::assign(&labels);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (size.width, size.height)).into_drawing_area();
        root.fill(&WHITE).map_err(draw_error)?;
        let lw = legend_width(s.parts.iter().map(|p| p.0.as_str()).chain([total_label]));
        let (plot, legend_area) = root.split_horizontally(size.width.saturating_sub(lw));
        let mut chart = ChartBuilder::on(&plot)
            .caption(
                &title,
                (
                    "sans-serif",
                    title_size(&title, size.width.saturating_sub(lw), 20),
                ),
            )
            .margin(16)
            .x_label_area_size(48)
            .y_label_area_size(72)
            .build_cartesian_2d((first - 0.6)..(last + 0.6), y0..y1)
            .map_err(draw_error)?;
        chart
            .configure_mesh()
            .x_desc("year")
            .y_desc(unit)
            .x_labels(s.years.len().clamp(2, 12))
            .x_label_formatter(&year_label)
            .y_label_formatter(&|v| value_label(v, y1 - y0))
            .disable_x_mesh()
            .light_line_style(WHITE)
            .axis_desc_style(("sans-serif", 15))
            .label_style(("sans-serif", 13))
            .draw()
            .map_err(draw_error)?;
        chart
            .draw_series(std::iter::once(PathElement::new(
                [(first - 0.6, 0.0), (last + 0.6, 0.0)],
                BLACK.stroke_width(1),
            )))
            .map_err(draw_error)?;
        let width = if s.years.len() > 20 { 0.4 } else { 0.33 };
        let rects = stacked_rects(s, &colors, width);
        chart.draw_series(rects).map_err(draw_error)?;
        let pts: Vec<(f64, f64)> = s
            .years
            .iter()
            .zip(&s.total)
            .map(|(y, v)| (f64::from(*y), pct(*v)))
            .collect();
        chart
            .draw_series(
                pts.iter().map(|p| {
                    EmptyElement::at(*p) + Rectangle::new([(-9, -2), (9, 2)], BLACK.filled())
                }),
            )
            .map_err(draw_error)?;
        // legend, beside the plot, top part first as in the stack
        let mut items: Vec<(String, Mark)> = s
            .parts
            .iter()
            .enumerate()
            .map(|(i, (l, _))| (l.clone(), Mark::Box(colors[i].to_rgba())))
            .collect();
        items.reverse();
        items.push((total_label.to_string(), Mark::Total));
        draw_legend(&legend_area, &items)?;
        root.present().map_err(draw_error)?;
    }
    Ok(svg)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::load_str;

    #[test]
    fn from_decomposition_matches_from_table() {
        let text = "name = \"t\"\nbase_year = 2025\nend_year = 2028\n[initial]\ngdp_nominal = 100\n\
            debt_gdp = 0.5\npublic_capital_gdp = 0.5\ngrowth_spending_gdp = \
            0.02\nrevenue_gdp = 0.2\n\
            [baseline]\nreal_growth = 0.05\ninflation = 0.05\ngrowth_spending_gdp = 0.02\n\
            revenue_gdp = 0.2\ncommodity_price = 60\nexchange_rate = 500\ninterest_rate = 0.1\n\
            [policy]\ngrowth_spending_gdp = 0.03\nother_spending_gdp = 0.2\n";
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("t.toml");
        std::fs::write(&file, text).unwrap();
        let sc = load_str(text, "t.toml", dir.path(), &[]).unwrap();
        let table = crate::compare::run_scenario(&file, &[], true).unwrap();
        let m = crate::model::Model::new(&sc);
        let path = crate::model::project(&sc).unwrap();
        let parts = crate::decompose::decompose(&m, &path, &path);
        for which in [Which::Debt, Which::Growth] {
            let a = from_table(&table, which).unwrap();
            let b = from_decomposition(which, "t", &sc.years, &parts);
            assert_eq!(a.parts, b.parts);
            for (x, y) in a.total.iter().zip(&b.total) {
                assert!((x - y).abs() < 1e-15, "{x} vs {y}");
            }
        }
        let svg = render(
            &from_decomposition(Which::Debt, "t", &sc.years, &parts),
            Size::default(),
        )
        .unwrap();
        assert!(svg.contains("primary deficit") && svg.contains("2028"));
        let growth = from_decomposition(Which::Growth, "t", &sc.years, &parts);
        let (rel, base) = relative_to_baseline(&growth);
        assert!(rel.parts.iter().all(|p| p.0 != "baseline"));
        let base = base.unwrap();
        for ((r, b), g) in rel.total.iter().zip(&base).zip(&growth.total) {
            assert!((r + b - g).abs() < 1e-15);
        }
        let svg = render(&growth, Size::default()).unwrap();
        assert!(svg.contains("beyond the baseline") && svg.contains("baseline growth 5.0 %"));
    }
}
