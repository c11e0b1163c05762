//! The deterministic engine against hand-checked numbers and MODEL.md's invariants.

use fiscalsim::model::{Model, project};
use fiscalsim::scenario::{Scenario, load_str};

use crate::util::{TOY, column, dir_with, fiscalsim, read_csv};

fn toy(extra: &str) -> Scenario {
    load_str(
        &format!("{TOY}\n{extra}"),
        "toy.toml",
        std::path::Path::new("."),
        &[],
    )
    .expect("toy scenario resolves")
}

fn close(a: f64, b: f64, tol: f64) -> bool {
    (a - b).abs() <= tol * b.abs().max(1.0)
}

/// Two years worked out by hand from MODEL.md's equations (see the comments).
#[test]
fn two_year_toy_matches_hand_computation() {
    let sc = toy("");
    let p = project(&sc).unwrap();
    // 2026: s goes 0.02 -> 0.03 while sref stays 0.02: gap = 0.4 * 0.01 = 0.004.
    let y1 = &p[0];
    assert!(close(y1.output_gap, 0.004, 1e-14));
    assert!(close(y1.gdp_real, 100.0 * 1.05 * 1.004, 1e-14)); // 105.42
    assert!(close(y1.gdp_nominal, 105.42 * 1.05, 1e-14)); // 110.691
    assert!(close(y1.revenue, 0.2 * 110.691, 1e-14));
    assert!(close(y1.growth_spending, 0.03 * 110.691, 1e-14));
    // K1 = 0.95 * 50 + 0.5 * 0.7 * S1 / P1
    assert!(close(
        y1.public_capital,
        47.5 + 0.35 * 0.03 * 110.691 / 1.05,
        1e-14
    ));
    // Interest on D0 = 50 at 10 %, no premium (d0 = threshold 0.5).
    assert!(close(y1.interest, 5.0, 1e-14));
    assert!(close(y1.debt, 50.0 + 5.0 + 0.03 * 110.691, 1e-14));
    assert_eq!(y1.potential_growth, 0.05); // x_0 - x_{-1} = 0: no capital effect yet
    // 2027: capital built in 2026 is productive. Kref1 = 47.5 + 0.35 * 0.02 * 105 = 48.235.
    let x1 = (y1.public_capital / 48.235f64).ln();
    let y2 = &p[1];
    assert!(close(y2.potential_growth, 0.05 + 0.1 * x1, 1e-12));
    // gap2 = 0.5 * 0.004 + 0.4 * (0.04 - 0.03) = 0.006
    assert!(close(y2.output_gap, 0.006, 1e-12));
    // premium on d1 above 0.5
    let d1 = y1.debt / y1.gdp_nominal;
    assert!(close(y2.interest_rate, 0.1 + 0.04 * (d1 - 0.5), 1e-14));
    assert!(close(y2.interest, y2.interest_rate * y1.debt, 1e-14));
}

#[test]
fn policy_equal_to_baseline_grows_exactly_at_baseline_growth() {
    let sc = toy("[structure]\nfx_debt_share = 0.3\n");
    let mut sc2 = sc.clone();
    sc2.policy.growth_spending_gdp = sc.baseline.growth_spending_gdp.clone();
    sc2.baseline.real_growth = vec![0.031, 0.067];
    for (y, gb) in project(&sc2).unwrap().iter().zip(&sc2.baseline.real_growth) {
        assert!(
            (y.real_growth - gb).abs() < 1e-14,
            "{} vs {gb}",
            y.real_growth
        );
        assert_eq!(y.output_gap, 0.0);
    }
}

#[test]
fn debt_identity_holds_every_year() {
    let mut sc = toy("[structure]\nfx_debt_share = 0.4\n");
    sc.policy.other_flows_gdp = vec![-0.01, 0.02];
    sc.policy.commodity_revenue_gdp = vec![0.05, 0.04];
    let m = Model::new(&sc);
    let path = m.simulate(|t| [0.01, -0.02, 0.03, -0.2, 0.01, 0.15 * (t as f64 + 1.0), 0.0]);
    let mut d_prev = sc.initial.debt_gdp * sc.initial.gdp_nominal;
    for y in &path {
        let lhs = y.debt - d_prev;
        let rhs = y.interest - y.primary_balance + y.revaluation + y.other_flows;
        assert!((lhs - rhs).abs() < 1e-12 * y.debt.abs(), "{lhs} vs {rhs}");
        assert!(y.revaluation != 0.0 && y.other_flows != 0.0);
        d_prev = y.debt;
    }
}

#[test]
fn reference_path_grows_at_baseline_from_a_zero_gap() {
    let sc = toy("");
    let m = Model::new(&sc);
    for (r, gb) in m.reference.iter().zip(&sc.baseline.real_growth) {
        assert!((r.real_growth - gb).abs() < 1e-14);
    }
}

#[test]
fn run_writes_every_canonical_output_per_year() {
    let dir = dir_with(&[("toy.toml", TOY)]);
    let out = fiscalsim()
        .args(["run", "toy.toml"])
        .current_dir(dir.path())
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let (header, rows) = read_csv(std::str::from_utf8(&out).unwrap());
    assert_eq!(&header[..2], ["scenario", "year"]);
    assert_eq!(
        header[2..],
        fiscalsim::model::OUTPUT_NAMES.map(String::from)
    );
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0][0], "toy");
    assert_eq!(column(&header, &rows, "year"), [2026.0, 2027.0]);
    assert_eq!(column(&header, &rows, "gdp_real")[0], 105.42);
}
