//! The shipped Kazakhstan scenarios: the published baseline, the golden flagship CSV, and
//! the direction of each alternative.

use crate::util::{column, read_csv, root, run_shipped_csv as run};

fn mean(v: &[f64]) -> f64 {
    v.iter().sum::<f64>() / v.len() as f64
}

#[test]
fn flagship_grows_5_3_percent_on_average_and_matches_the_budget() {
    let (h, rows) = run("kazakhstan-2026-2028.toml", &[]);
    assert_eq!(column(&h, &rows, "year"), [2026.0, 2027.0, 2028.0]);
    let g = column(&h, &rows, "real_growth");
    assert!(
        (mean(&g) - 0.053).abs() < 1e-12,
        "average growth {}",
        mean(&g)
    );
    // Budget calibration: nominal GDP 184 / 206 / 229 trn, 2026 spending 27.7 trn,
    // growth spending 16.1 % of it (about 2.4 % of GDP).
    let n = column(&h, &rows, "gdp_nominal");
    for (got, want) in n.iter().zip([184.0, 206.0, 229.0]) {
        assert!((got - want).abs() < 0.05, "nominal GDP {got} vs {want}");
    }
    let s = column(&h, &rows, "growth_spending");
    let o = column(&h, &rows, "other_spending");
    let i = column(&h, &rows, "interest");
    let total = s[0] + o[0] + i[0];
    assert!((total - 27.7).abs() < 0.01, "2026 spending {total}");
    assert!((s[0] / total - 0.161).abs() < 1e-3);
    assert!((column(&h, &rows, "growth_spending_gdp")[0] - 0.0242).abs() < 5e-4);
}

#[test]
fn flagship_matches_the_golden_csv() {
    let golden = std::fs::read_to_string(root().join("tests/golden/kazakhstan-2026-2028.csv"))
        .expect("golden file");
    let (gh, grows) = read_csv(&golden);
    let (h, rows) = run("kazakhstan-2026-2028.toml", &[]);
    assert_eq!(h, gh, "columns changed");
    assert_eq!(rows.len(), grows.len());
    for (r, g) in rows.iter().zip(&grows) {
        assert_eq!(r[..2], g[..2]);
        for ((got, want), name) in r[2..].iter().zip(&g[2..]).zip(&h[2..]) {
            let (got, want): (f64, f64) = (got.parse().unwrap(), want.parse().unwrap());
            assert!(
                (got - want).abs() <= 1e-12 * want.abs().max(1e-9),
                "{name} in {}: {got} vs golden {want}",
                r[1]
            );
        }
    }
}

#[test]
fn no_reform_has_less_growth_spending_and_more_debt() {
    let (fh, f) = run("kazakhstan-2026-2028.toml", &[]);
    let (nh, n) = run("kazakhstan-no-reform.toml", &[]);
    let last = |h: &[String], r: &[Vec<String>], c: &str| *column(h, r, c).last().unwrap();
    assert!(last(&nh, &n, "growth_spending_gdp") < 0.7 * last(&fh, &f, "growth_spending_gdp"));
    assert!(last(&nh, &n, "debt_gdp") > last(&fh, &f, "debt_gdp") + 0.01);
    // Less public capital: growth below the baseline once capital matters (2027 on).
    let g = column(&nh, &n, "real_growth");
    assert!(g[1] < 0.053 && g[2] < 0.053, "{g:?}");
}

#[test]
fn literal_16_percent_of_gdp_explodes_the_debt() {
    let (h, rows) = run("kazakhstan-16pct-of-gdp.toml", &[]);
    let d = column(&h, &rows, "debt_gdp");
    assert!(d[2] > 0.5, "debt/GDP 2028 {}", d[2]);
    assert!(column(&h, &rows, "output_gap")[0] > 0.05);
}

#[test]
fn long_horizon_runs_to_2040_and_extends_to_2055() {
    let (h, rows) = run("kazakhstan-2026-2040.toml", &[]);
    assert_eq!(rows.len(), 15);
    let (h2, rows2) = run("kazakhstan-2026-2040.toml", &["--set", "end_year=2055"]);
    assert_eq!(rows2.len(), 30);
    // The first 15 years do not depend on the horizon.
    assert_eq!(
        column(&h, &rows, "debt_gdp"),
        column(&h2, &rows2, "debt_gdp")[..15]
    );
}
