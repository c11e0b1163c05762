//! The scenario format: paths, forms, extends, --set, and its error messages.

use crate::util::{TOY, dir_with, fiscalsim, resolve_json};

#[test]
fn resolve_prints_the_shape_of_model_md() {
    let dir = dir_with(&[("toy.toml", TOY)]);
    let v = resolve_json(dir.path(), &["toy.toml"]);
    let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    for k in [
        "name",
        "base_year",
        "years",
        "initial",
        "baseline",
        "policy",
        "structure",
        "shocks",
        "montecarlo",
    ] {
        assert!(keys.contains(&k), "missing {k}");
    }
    assert_eq!(v["years"], serde_json::json!([2026, 2027]));
    // {2025 = 0.02, 2027 = 0.04}: linear from the base-year anchor.
    let s = v["policy"]["growth_spending_gdp"].as_array().unwrap();
    assert!((s[0].as_f64().unwrap() - 0.03).abs() < 1e-15);
    assert_eq!(s[1].as_f64().unwrap(), 0.04);
    assert_eq!(
        v["policy"]["revenue_gdp"],
        serde_json::json!([0.2, 0.2]),
        "defaults to baseline"
    );
    assert_eq!(v["structure"]["capital_share"], 0.5);
    assert_eq!(v["shocks"]["names"][0], "potential_growth");
    assert_eq!(v["shocks"]["distribution"], "normal");
    assert!(v["shocks"]["dof"].is_null());
}

#[test]
fn budget_share_form_converts_and_extends_may_switch_form() {
    let child = r#"
extends = "toy.toml"
name = "child"
[policy]
primary_spending_gdp = 0.25
growth_spending_share = { 2026 = 0.10, 2027 = 0.20, interp = "step" }
"#;
    let dir = dir_with(&[("toy.toml", TOY), ("child.toml", child)]);
    let v = resolve_json(dir.path(), &["child.toml"]);
    assert_eq!(v["name"], "child");
    let s: Vec<f64> = v["policy"]["growth_spending_gdp"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect();
    let o: Vec<f64> = v["policy"]["other_spending_gdp"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect();
    assert!((s[0] - 0.025).abs() < 1e-15 && (s[1] - 0.05).abs() < 1e-15);
    assert!((o[0] - 0.225).abs() < 1e-15 && (o[1] - 0.2).abs() < 1e-15);
    // one year of a share path, set from the command line
    let v = resolve_json(
        dir.path(),
        &[
            "child.toml",
            "--set",
            "policy.growth_spending_share@2027=0.4",
        ],
    );
    assert!((v["policy"]["growth_spending_gdp"][1].as_f64().unwrap() - 0.1).abs() < 1e-15);
}

#[test]
fn set_overrides_scalars_paths_and_the_horizon() {
    let dir = dir_with(&[("toy.toml", TOY)]);
    let v = resolve_json(
        dir.path(),
        &[
            "toy.toml",
            "--set",
            "structure.spending_multiplier=0.6",
            "--set",
            "policy.revenue_gdp={2026=0.16}",
            "--set",
            "end_year=2030",
        ],
    );
    assert_eq!(v["structure"]["spending_multiplier"], 0.6);
    assert_eq!(v["years"].as_array().unwrap().len(), 5);
    assert_eq!(
        v["policy"]["revenue_gdp"],
        serde_json::json!([0.16, 0.16, 0.16, 0.16, 0.16])
    );
}

#[test]
fn both_forms_in_one_block_is_an_error_naming_the_line() {
    let bad = TOY.replace(
        "other_spending_gdp = 0.2",
        "other_spending_gdp = 0.2\ngrowth_spending_share = 0.1",
    );
    let dir = dir_with(&[("bad.toml", &bad)]);
    fiscalsim()
        .args(["run", "bad.toml"])
        .current_dir(dir.path())
        .assert()
        .code(2)
        .stderr(predicates::str::contains(
            "bad.toml:27:25: `policy.growth_spending_share`: spending is given in both forms",
        ));
}

#[test]
fn several_mistakes_are_reported_at_once() {
    let bad = TOY
        .replace(
            "revenue_gdp = 0.2\nexchange_rate = 500\ncommodity_price = 60\n\n[baseline]",
            "revenue_gdp = 20\nexchange_rate = 500\ncommodity_price = 60\n\n[baseline]",
        )
        .replace("interest_rate = 0.1", "interest_rat = 0.1");
    let dir = dir_with(&[("bad.toml", &bad)]);
    let assert = fiscalsim()
        .args(["resolve", "bad.toml"])
        .current_dir(dir.path())
        .assert()
        .code(2);
    let err = String::from_utf8_lossy(&assert.get_output().stderr).to_string();
    assert!(
        err.contains("bad.toml:11:15: `initial.revenue_gdp`: must be a share in [0, 1]"),
        "{err}"
    );
    assert!(err.contains("did you mean 0.2?"), "{err}");
    assert!(
        err.contains(
            "`baseline.interest_rat`: unknown key `interest_rat`: did you mean `interest_rate`?"
        ),
        "{err}"
    );
}

#[test]
fn extends_cycle_is_an_error() {
    let dir = dir_with(&[
        ("a.toml", "extends = \"b.toml\"\n"),
        ("b.toml", "extends = \"a.toml\"\n"),
    ]);
    fiscalsim()
        .args(["resolve", "a.toml"])
        .current_dir(dir.path())
        .assert()
        .code(2)
        .stderr(predicates::str::contains("`extends` forms a cycle"));
}

fn error_of(files: &[(&str, &str)], args: &[&str]) -> String {
    let dir = dir_with(files);
    let out = fiscalsim()
        .args(args)
        .current_dir(dir.path())
        .assert()
        .code(2)
        .get_output()
        .stderr
        .clone();
    String::from_utf8(out).expect("UTF-8 stderr")
}

#[test]
fn validation_messages_name_the_place_and_what_is_valid() {
    let cases: &[(&str, &str, &str)] = &[
        (
            "growth_spending_gdp = { 2025 = 0.02, 2027 = 0.04 }",
            "growth_spending_gdp = { 2020 = 0.02 }",
            "year 2020 is before the base year 2025",
        ),
        (
            "growth_spending_gdp = { 2025 = 0.02, 2027 = 0.04 }",
            "growth_spending_gdp = [0.02, 0.03, 0.04]",
            "a list needs one value per projection year: 2 values for 2026..=2027, found 3",
        ),
        (
            "gdp_nominal = 100",
            "gdp_nominal = -5",
            "`initial.gdp_nominal`: must be greater than 0, found -5",
        ),
        (
            "interest_rate = 0.1",
            "interest_rate = \"high\"",
            "`baseline.interest_rate`: expected a time path",
        ),
    ];
    for (from, to, want) in cases {
        let text = TOY.replace(from, to);
        let err = error_of(&[("s.toml", &text)], &["run", "s.toml"]);
        assert!(err.contains(want), "{to}: {err}");
        assert!(err.contains("s.toml:"), "names the file: {err}");
    }
}

#[test]
fn shock_validation() {
    let cases: &[(&str, &str)] = &[
        (
            "[shocks]\nsd = [0.01, -0.02, 0, 0, 0, 0]\n",
            "the sd of `demand` is -0.02",
        ),
        ("[shocks]\nsd = [0.01, 0.02]\n", "expected 6 or 7 numbers"),
        (
            "[shocks]\ndistribution = \"student_t\"\ndof = 2\n",
            "`shocks.dof`: must be a number greater than 2",
        ),
        (
            "[shocks]\ncorrelation = [[1,0.5,0,0,0,0],[0,1,0,0,0,0],[0,0,1,0,0,0],[0,0,0,1,0,0],[0,0,0,0,1,0],[0,0,0,0,0,1]]\n",
            "must be symmetric",
        ),
        (
            "[shocks]\ncorrelation = [[1,-0.9,-0.9,0,0,0],[-0.9,1,-0.9,0,0,0],[-0.9,-0.9,1,0,0,0],[0,0,0,1,0,0],[0,0,0,0,1,0],[0,0,0,0,0,1]]\n",
            "not positive semi-definite",
        ),
        (
            "[montecarlo]\nquantiles = [0.5, 1.5]\n",
            "strictly between 0 and 1",
        ),
        (
            "[montecarlo]\ndraws = 0\n",
            "`montecarlo.draws`: must be from 1",
        ),
    ];
    for (extra, want) in cases {
        let text = format!("{TOY}\n{extra}");
        let err = error_of(&[("s.toml", &text)], &["resolve", "s.toml"]);
        assert!(err.contains(want), "{extra}: {err}");
    }
}

#[test]
fn a_missing_key_names_the_file_and_the_key() {
    let text = TOY.replace("interest_rate = 0.1\n", "");
    let err = error_of(&[("s.toml", &text)], &["run", "s.toml"]);
    assert!(
        err.contains("s.toml: `baseline.interest_rate`: missing"),
        "{err}"
    );
}
