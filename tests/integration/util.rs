//! Shared helpers of the integration tests.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

use assert_cmd::Command;

/// The project root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A path under `scenarios/`.
pub fn scenario(name: &str) -> PathBuf {
    root().join("scenarios").join(name)
}

/// The `fiscalsim` binary, run from the project root.
pub fn fiscalsim() -> Command {
    let mut cmd = Command::cargo_bin("fiscalsim").expect("binary builds");
    cmd.current_dir(root());
    cmd
}

/// What `fiscalsim resolve ARGS` prints, run in `dir`, as JSON (the run must succeed).
pub fn resolve_json(dir: &Path, args: &[&str]) -> serde_json::Value {
    let out = fiscalsim()
        .arg("resolve")
        .args(args)
        .current_dir(dir)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    serde_json::from_slice(&out).expect("resolve prints JSON")
}

/// A temporary directory with `files` (name, contents) written in it.
pub fn dir_with(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).expect("write fixture");
    }
    dir
}

/// A small complete scenario (two projection years) that tests can extend or override.
pub const TOY: &str = r#"
name = "toy"
base_year = 2025
end_year = 2027

[initial]
gdp_nominal = 100
debt_gdp = 0.5
public_capital_gdp = 0.5
growth_spending_gdp = 0.02
revenue_gdp = 0.2
exchange_rate = 500
commodity_price = 60

[baseline]
real_growth = 0.05
inflation = 0.05
growth_spending_gdp = 0.02
revenue_gdp = 0.2
commodity_price = 60
exchange_rate = 500
interest_rate = 0.1

[policy]
growth_spending_gdp = { 2025 = 0.02, 2027 = 0.04 }
other_spending_gdp = 0.2
"#;

/// Runs a shipped scenario (`scenarios/NAME`) with `extra` arguments, which must succeed,
/// and parses its CSV.
pub fn run_shipped_csv(name: &str, extra: &[&str]) -> (Vec<String>, Vec<Vec<String>>) {
    let out = fiscalsim()
        .arg("run")
        .arg(scenario(name))
        .args(extra)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    read_csv(&String::from_utf8(out).expect("UTF-8 CSV"))
}

/// Parses a projection CSV into (header, rows of strings).
pub fn read_csv(text: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let mut r = csv::Reader::from_reader(text.as_bytes());
    let header = r
        .headers()
        .expect("header")
        .iter()
        .map(String::from)
        .collect();
    let rows = r
        .records()
        .map(|rec| rec.expect("record").iter().map(String::from).collect())
        .collect();
    (header, rows)
}

/// The column `name` of a parsed CSV, as numbers.
pub fn column(header: &[String], rows: &[Vec<String>], name: &str) -> Vec<f64> {
    let i = header
        .iter()
        .position(|h| h == name)
        .unwrap_or_else(|| panic!("no column {name}"));
    rows.iter().map(|r| r[i].parse().expect("number")).collect()
}

/// Asserts that `path` does not exist.
pub fn assert_absent(path: &Path) {
    assert!(!path.exists(), "{} should not exist", path.display());
}
