//! Guard rails for the analyst: percent-typed rates refused, extremes allowed on request,
//! a Monte Carlo without uncertainty warned, defaults where a value cannot matter, the
//! two spellings of a year in an address, and the reasons for a zero swing.

use crate::util::{TOY, column, dir_with, fiscalsim, read_csv, scenario};

fn stderr_of(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn rates_typed_as_percent_are_refused_with_file_line_and_key() {
    let flagship = scenario("kazakhstan-2026-2028.toml");
    for (set, hint) in [
        ("baseline.real_growth=5.3", "did you mean 0.053?"),
        ("baseline.inflation=9.5", "did you mean 0.095?"),
        ("baseline.interest_rate=8", "did you mean 0.08?"),
        ("initial.debt_gdp=23", "did you mean 0.23?"),
    ] {
        let out = fiscalsim()
            .arg("run")
            .arg(&flagship)
            .args(["--set", set])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{set}");
        assert!(out.stdout.is_empty(), "{set}");
        let err = stderr_of(&out);
        let key = set.split('=').next().unwrap();
        assert!(
            err.contains(&format!("`{key}`")) && err.contains(hint),
            "{set}: {err}"
        );
    }
    let text = TOY.replace("real_growth = 0.05", "real_growth = 5");
    let dir = dir_with(&[("pct.toml", &text)]);
    let out = fiscalsim()
        .arg("run")
        .arg(dir.path().join("pct.toml"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let line = TOY
        .lines()
        .position(|l| l.starts_with("real_growth"))
        .unwrap()
        + 1;
    let err = stderr_of(&out);
    assert!(err.contains(&format!("pct.toml:{line}:")), "{err}");
    assert!(
        err.contains("500 % a year") && err.contains("did you mean 0.05?"),
        "{err}"
    );
}

#[test]
fn allow_extreme_admits_hyperinflation() {
    let text = format!("allow_extreme = [\"baseline.inflation\"]\n{TOY}")
        .replace("inflation = 0.05", "inflation = 9.5");
    let dir = dir_with(&[("hyper.toml", &text)]);
    let file = dir.path().join("hyper.toml");
    let out = fiscalsim().arg("run").arg(&file).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    let (h, rows) = read_csv(&String::from_utf8_lossy(&out.stdout));
    assert_eq!(column(&h, &rows, "inflation"), [9.5, 9.5]);
    // Only the key listed: another extreme is still refused.
    let out = fiscalsim()
        .arg("run")
        .arg(&file)
        .args(["--set", "baseline.interest_rate=8"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let out = fiscalsim()
        .arg("run")
        .arg(scenario("kazakhstan-2026-2028.toml"))
        .args([
            "--set",
            "baseline.real_growth=0.4",
            "--set",
            "allow_extreme=true",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    let out = fiscalsim()
        .arg("run")
        .arg(&file)
        .args(["--set", "allow_extreme=3"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr_of(&out).contains("`allow_extreme`"));
}

/// TOY without the commodity price and the exchange rate.
fn toy_without_levels() -> String {
    TOY.lines()
        .filter(|l| !l.starts_with("exchange_rate") && !l.starts_with("commodity_price"))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn monte_carlo_without_uncertainty_is_warned() {
    let dir = dir_with(&[("still.toml", &toy_without_levels())]);
    let out = fiscalsim()
        .arg("run")
        .arg(dir.path().join("still.toml"))
        .args(["--draws", "50"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(
        stderr_of(&out).contains("has no uncertainty"),
        "{}",
        stderr_of(&out)
    );
    let out = fiscalsim()
        .arg("sweep")
        .arg(dir.path().join("still.toml"))
        .args([
            "--vary",
            "structure.spending_multiplier=0.2,0.8",
            "--draws",
            "20",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    assert!(stderr_of(&out).contains("has no uncertainty"));
    let out = fiscalsim()
        .arg("run")
        .arg(scenario("kazakhstan-2026-2028.toml"))
        .args(["--draws", "50"])
        .output()
        .unwrap();
    assert!(!stderr_of(&out).contains("has no uncertainty"));
}

#[test]
fn levels_default_where_they_cannot_matter() {
    let dir = dir_with(&[("plain.toml", &toy_without_levels())]);
    let file = dir.path().join("plain.toml");
    let out = fiscalsim().arg("run").arg(&file).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    let (h, rows) = read_csv(&String::from_utf8_lossy(&out.stdout));
    assert_eq!(column(&h, &rows, "exchange_rate"), [1.0, 1.0]);
    assert_eq!(column(&h, &rows, "commodity_price"), [1.0, 1.0]);
    assert_eq!(
        column(&h, &rows, "gdp_usd"),
        column(&h, &rows, "gdp_nominal")
    );
    // Foreign-currency debt: the exchange rate matters and must be given.
    let out = fiscalsim()
        .arg("run")
        .arg(&file)
        .args(["--set", "structure.fx_debt_share=0.3"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = stderr_of(&out);
    assert!(err.contains("`baseline.exchange_rate`: missing"), "{err}");
    assert!(!err.contains("commodity_price"), "{err}");
    // Commodity revenue: both matter.
    let out = fiscalsim()
        .arg("run")
        .arg(&file)
        .args(["--set", "policy.commodity_revenue_gdp=0.05"])
        .output()
        .unwrap();
    let err = stderr_of(&out);
    assert!(err.contains("`baseline.commodity_price`: missing"), "{err}");
    assert!(err.contains("`baseline.exchange_rate`: missing"), "{err}");
}

fn growth_spending_pct(set: &str) -> Vec<f64> {
    let out = fiscalsim()
        .arg("run")
        .arg(scenario("kazakhstan-2026-2040.toml"))
        .args(["--set", set])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    let (h, rows) = read_csv(&String::from_utf8_lossy(&out.stdout));
    let s = column(&h, &rows, "growth_spending_gdp");
    s[1..5]
        .iter()
        .map(|x| (x * 10_000.0).round() / 100.0)
        .collect()
}

#[test]
fn a_year_is_one_year_with_at_and_a_target_with_a_dot() {
    // 2027..=2030, percent of GDP.
    let spike = growth_spending_pct("policy.growth_spending_share@2028=0.30");
    assert_eq!(spike, [2.25, 3.44, 2.10, 2.10]);
    let target = growth_spending_pct("policy.growth_spending_share.2028=0.30");
    assert_eq!(target, [2.25, 3.44, 3.44, 3.44]);
    let later = growth_spending_pct("policy.growth_spending_share.2030=0.30");
    assert!(later[1] < later[2] && later[2] < later[3], "{later:?}");
    let out = fiscalsim()
        .arg("run")
        .arg(scenario("kazakhstan-2026-2040.toml"))
        .args(["--set", "policy.revenue_gdp.2030=0.2"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = stderr_of(&out);
    assert!(
        err.contains("not a year-keyed table") && err.contains("@2030"),
        "{err}"
    );
}

#[test]
fn oat_says_why_a_parameter_has_zero_swing_and_the_example_matters() {
    let sweep = scenario("kazakhstan-2026-2040-sweep.toml");
    let out = fiscalsim()
        .args(["sensitivity", "--method", "oat"])
        .arg(&sweep)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    let (h, rows) = read_csv(&String::from_utf8_lossy(&out.stdout));
    assert!(
        column(&h, &rows, "swing").iter().all(|s| *s > 0.0),
        "{rows:?}"
    );
    let out = fiscalsim()
        .args(["sensitivity", "--method", "oat"])
        .arg(scenario("kazakhstan-2026-2040.toml"))
        .args(["--vary", "structure.spending_multiplier=0.2:0.8"])
        .args(["--vary", "policy.growth_spending_share=0.15:0.4"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    let err = stderr_of(&out);
    assert!(
        err.contains("`structure.spending_multiplier` has zero swing")
            && err.contains("equals the baseline's"),
        "{err}"
    );
}
