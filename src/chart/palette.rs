//! Colours: one per series that never repeats within a chart, and the same colour for
//! the same concept in every chart (the baseline, real growth, the interest rate, ...).
//!
//! [`assign`] gives the colours of a chart's series from their labels: a label naming a
//! known concept gets the concept's colour, every other label the next palette colour
//! not yet used; past the palette, colours are generated around the hue circle.

use plotters::style::RGBColor;

/// The baseline, in every chart: near-black, drawn on top.
pub(crate) const BASELINE: RGBColor = RGBColor(34, 34, 34);

/// A benchmark or threshold line (e.g. the debt limit).
pub(crate) const BENCHMARK: RGBColor = RGBColor(200, 0, 0);

/// The palette: Okabe–Ito (colour-blind friendly) first, then further distinguishable
/// colours. None is the baseline's or the benchmark's.
pub const PALETTE: [RGBColor; 20] = [
    RGBColor(0, 114, 178),
    RGBColor(213, 94, 0),
    RGBColor(0, 158, 115),
    RGBColor(204, 121, 167),
    RGBColor(230, 159, 0),
    RGBColor(86, 180, 233),
    RGBColor(120, 120, 120),
    RGBColor(231, 41, 138),
    RGBColor(117, 112, 179),
    RGBColor(166, 118, 29),
    RGBColor(180, 160, 0),
    RGBColor(102, 166, 30),
    RGBColor(68, 1, 84),
    RGBColor(140, 86, 75),
    RGBColor(23, 190, 207),
    RGBColor(188, 189, 34),
    RGBColor(148, 103, 189),
    RGBColor(127, 0, 0),
    RGBColor(0, 0, 128),
    RGBColor(255, 105, 180),
];

/// Concepts and the labels that name them (after [`concept_key`]), with their colour.
const CONCEPTS: &[(&[&str], RGBColor)] = &[
    (&["baseline"], BASELINE),
    (&["real_growth"], PALETTE[0]),
    (&["interest", "interest_rate"], PALETTE[1]),
    (
        &["revenue", "primary_balance", "primary_deficit"],
        PALETTE[2],
    ),
    (&["inflation"], PALETTE[3]),
    (&["exchange_rate"], PALETTE[4]),
    (&["commodity_price"], PALETTE[5]),
    (&["other_flows", "contingent_liability"], PALETTE[6]),
    (&["demand"], PALETTE[8]),
    (&["shocks"], PALETTE[9]),
    (&["public_capital"], PALETTE[11]),
    (&["combined"], PALETTE[12]),
    (
        &["fund_transfer", "fund_return", "fund_assets"],
        PALETTE[14],
    ),
];

/// The concept a label names: lower case, spaces as `_`, without a `debt_from_` or
/// `growth_from_` prefix and without a bracketed remark (`demand (output gap)`).
pub(crate) fn concept_key(label: &str) -> String {
    let l = label
        .split('(')
        .next()
        .unwrap_or(label)
        .trim()
        .to_lowercase();
    let l = l.replace([' ', '-'], "_");
    let l = l.strip_prefix("debt_from_").unwrap_or(&l);
    l.strip_prefix("growth_from_").unwrap_or(l).to_string()
}

/// The colour of the concept a label names, if it names one.
pub(crate) fn concept_color(label: &str) -> Option<RGBColor> {
    let key = concept_key(label);
    CONCEPTS
        .iter()
        .find(|(names, _)| names.contains(&key.as_str()))
        .map(|(_, c)| *c)
}

/// The `k`-th colour after the palette: hues spread by the golden angle.
fn generated(k: usize) -> RGBColor {
    let h = (k as f64 * 137.507_764) % 360.0;
    let (s, l) = (0.65, if k.is_multiple_of(2) { 0.42 } else { 0.58 });
    let c = (1.0 - (2.0 * l - 1.0_f64).abs()) * s;
    let x = c * (1.0 - ((h / 60.0) % 2.0 - 1.0).abs());
    let (r, g, b) = match (h / 60.0) as u32 {
        0 => (c, x, 0.0),
        1 => (x, c, 0.0),
        2 => (0.0, c, x),
        3 => (0.0, x, c),
        4 => (x, 0.0, c),
        _ => (c, 0.0, x),
    };
    let m = l - c / 2.0;
    let byte = |v: f64| ((v + m) * 255.0).round().clamp(0.0, 255.0) as u8;
    RGBColor(byte(r), byte(g), byte(b))
}

/// The candidate colours in order: the palette, then generated ones.
fn candidate(i: usize) -> RGBColor {
    PALETTE
        .get(i)
        .copied()
        .unwrap_or_else(|| generated(i - PALETTE.len()))
}

/// One colour per label, all different: concept colours for labels naming a concept
/// (the first such label wins a concept), the next unused palette colour otherwise.
pub(crate) fn assign(labels: &[&str]) -> Vec<RGBColor> {
    let same = |a: &RGBColor, b: &RGBColor| (a.0, a.1, a.2) == (b.0, b.1, b.2);
    let mut out: Vec<Option<RGBColor>> = vec![None; labels.len()];
    let mut used: Vec<RGBColor> = vec![BENCHMARK];
    for (slot, label) in out.iter_mut().zip(labels) {
        if let Some(c) = concept_color(label).filter(|c| !used.iter().any(|u| same(u, c))) {
            used.push(c);
            *slot = Some(c);
        }
    }
    let mut next = 0;
    out.into_iter()
        .map(|slot| {
            slot.unwrap_or_else(|| {
                let reserved = |c: &RGBColor, n: usize| {
                    used.iter().any(|u| same(u, c))
                        || CONCEPTS.iter().any(|(_, k)| same(k, c)) && n < PALETTE.len()
                };
                while reserved(&candidate(next), next) && next < 10_000 {
                    next += 1;
                }
                let c = candidate(next);
                used.push(c);
                c
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rgb(c: RGBColor) -> (u8, u8, u8) {
        (c.0, c.1, c.2)
    }

    #[test]
    fn never_repeats_within_a_chart() {
        let labels: Vec<String> = (0..60).map(|i| format!("series {i}")).collect();
        let refs: Vec<&str> = labels.iter().map(String::as_str).collect();
        let colors: Vec<_> = assign(&refs).into_iter().map(rgb).collect();
        for (i, c) in colors.iter().enumerate() {
            assert!(!colors[..i].contains(c), "colour {i} repeats: {c:?}");
            assert_ne!(*c, rgb(BENCHMARK));
        }
    }

    #[test]
    fn the_same_concept_has_the_same_colour_everywhere() {
        let stress = assign(&["baseline", "real_growth", "interest_rate", "my_test"]);
        let debt = assign(&["interest rate", "real growth", "primary deficit"]);
        assert_eq!(rgb(stress[0]), rgb(BASELINE));
        assert_eq!(rgb(stress[1]), rgb(debt[1]));
        assert_eq!(rgb(stress[2]), rgb(debt[0]));
        // a label of no concept does not take a concept's colour
        assert!(CONCEPTS.iter().all(|(_, c)| rgb(*c) != rgb(stress[3])));
        let growth = assign(&["demand (output gap)", "growth_from_demand"]);
        assert_ne!(rgb(growth[0]), rgb(growth[1]));
    }
}
