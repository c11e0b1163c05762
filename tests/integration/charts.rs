//! Charts read back as SVG: a distinct colour per series, the same colour for the same
//! concept across charts, the baseline on top, the benchmark line, axes that do not blow
//! up small differences, the base year as the first point, percent on the tornado.

use std::collections::BTreeSet;

use crate::util::{fiscalsim, scenario};

/// A polyline of the SVG: its stroke colour and points.
struct Poly {
    stroke: String,
    points: Vec<(f64, f64)>,
}

fn attr<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let at = tag.find(&format!(" {name}=\""))? + name.len() + 3;
    Some(&tag[at..at + tag[at..].find('"')?])
}

fn polylines(svg: &str) -> Vec<Poly> {
    svg.split("<polyline")
        .skip(1)
        .filter_map(|rest| {
            let tag = &rest[..rest.find('>')?];
            let points = attr(tag, "points")?
                .split_whitespace()
                .filter_map(|p| {
                    let (x, y) = p.split_once(',')?;
                    Some((x.parse().ok()?, y.parse().ok()?))
                })
                .collect();
            Some(Poly {
                stroke: attr(tag, "stroke")?.to_string(),
                points,
            })
        })
        .collect()
}

/// The texts of the SVG, trimmed.
fn texts(svg: &str) -> Vec<String> {
    svg.split("<text")
        .skip(1)
        .filter_map(|rest| {
            let body = &rest[rest.find('>')? + 1..];
            Some(body[..body.find("</text>")?].trim().to_string())
        })
        .collect()
}

/// Data lines: polylines of more than two points, not the black axes or white grid.
fn series(svg: &str) -> Vec<Poly> {
    polylines(svg)
        .into_iter()
        .filter(|p| p.points.len() > 2 && p.stroke != "#000000" && p.stroke != "#FFFFFF")
        .collect()
}

fn chart(args: &[&str]) -> String {
    let out = fiscalsim().arg("chart").args(args).output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn stress_chart_has_distinct_colours_the_baseline_on_top_and_the_benchmark() {
    let file = scenario("kazakhstan-stress.toml");
    let svg = chart(&["stress", file.to_str().unwrap()]);
    let lines = series(&svg);
    assert!(lines.len() >= 9, "{} lines", lines.len());
    let colours: BTreeSet<&str> = lines.iter().map(|p| p.stroke.as_str()).collect();
    assert_eq!(colours.len(), lines.len(), "a colour repeats: {colours:?}");
    // the baseline (near-black) is the last line drawn, on top of the others
    assert_eq!(lines.last().unwrap().stroke, "#222222");
    // every line starts at the base year: 2025..=2040 is 16 points
    assert!(
        lines.iter().all(|p| p.points.len() == 16),
        "base year missing"
    );
    // the benchmark named in the title is drawn: a horizontal red line
    let bench: Vec<Poly> = polylines(&svg)
        .into_iter()
        .filter(|p| p.stroke == "#C80000" && p.points.len() == 2)
        .collect();
    assert!(!bench.is_empty(), "no benchmark line");
    assert!(bench.iter().any(|p| p.points[0].1 == p.points[1].1));
    assert!(texts(&svg).iter().any(|t| t == "benchmark 33 %"));
}

#[test]
fn a_concept_has_one_colour_across_charts() {
    let file = scenario("kazakhstan-stress.toml");
    let stress = chart(&["stress", file.to_str().unwrap()]);
    let flagship = scenario("kazakhstan-2026-2040.toml");
    let debt = chart(&["debt", flagship.to_str().unwrap()]);
    // the interest-rate stress line and the interest-rate bar share one colour
    let vermillion = "#D55E00";
    assert!(series(&stress).iter().any(|p| p.stroke == vermillion));
    assert!(debt.contains(&format!("fill=\"{vermillion}\"")));
}

#[test]
fn small_differences_are_not_blown_up_and_tornado_is_in_percent() {
    let a = scenario("kazakhstan-no-reform.toml");
    let b = scenario("kazakhstan-2026-2028.toml");
    let svg = chart(&[
        "lines",
        a.to_str().unwrap(),
        b.to_str().unwrap(),
        "--variable",
        "real_growth",
    ]);
    let ticks: Vec<f64> = svg
        .split("<text")
        .filter(|t| t.contains("text-anchor=\"end\""))
        .filter_map(|t| {
            let body = &t[t.find('>')? + 1..];
            body[..body.find("</text>")?].trim().parse().ok()
        })
        .collect();
    let span = ticks.iter().cloned().fold(f64::NEG_INFINITY, f64::max)
        - ticks.iter().cloned().fold(f64::INFINITY, f64::min);
    assert!(span >= 3.0, "growth axis spans {span} pp: {ticks:?}");
    let oat = "parameter,low,high,swing,from,to\n\
               structure.spending_multiplier,0.45,0.6,0.15,0.2,0.8\n";
    let dir = crate::util::dir_with(&[("oat.csv", oat)]);
    let svg = chart(&[
        "tornado",
        dir.path().join("oat.csv").to_str().unwrap(),
        "--metric",
        "debt_gdp@2040",
    ]);
    let t = texts(&svg);
    assert!(t.iter().any(|x| x == "debt_gdp@2040 (% of GDP)"), "{t:?}");
    assert!(
        t.iter()
            .any(|x| x == "structure.spending_multiplier (0.2 to 0.8)"),
        "{t:?}"
    );
    assert!(
        t.iter().any(|x| x.starts_with("45") && x.ends_with('%')),
        "{t:?}"
    );
}

#[test]
fn growth_decomposition_shows_deviations_from_the_baseline() {
    let flagship = scenario("kazakhstan-2026-2040.toml");
    let svg = chart(&["growth", flagship.to_str().unwrap()]);
    let t = texts(&svg);
    assert!(t.iter().any(|x| x.contains("beyond the baseline")), "{t:?}");
    assert!(t.iter().all(|x| x != "baseline"), "{t:?}");
    assert!(t.iter().any(|x| x == "real growth minus baseline"), "{t:?}");
}
