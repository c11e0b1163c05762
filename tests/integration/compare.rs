//! `compare`, `run --decompose`, `chart` and `report` from the command line.

use crate::util::{TOY, column, dir_with, fiscalsim, read_csv};

/// A second toy scenario: more growth spending, same years.
fn reform() -> String {
    TOY.replace("name = \"toy\"", "name = \"reform\"")
        .replace("2027 = 0.04", "2027 = 0.06")
}

/// A Monte Carlo summary in the format of `run --draws`.
pub const SUMMARY: &str = "scenario,year,variable,mean,sd,p05,p10,p25,p50,p75,p90,p95
toy,2026,debt_gdp,0.52,0.02,0.49,0.5,0.51,0.52,0.53,0.54,0.55
toy,2026,real_growth,0.05,0.01,0.034,0.037,0.043,0.05,0.057,0.063,0.066
toy,2027,debt_gdp,0.54,0.04,0.48,0.49,0.51,0.535,0.57,0.59,0.61
toy,2027,real_growth,0.051,0.012,0.031,0.036,0.043,0.051,0.059,0.066,0.07
";

fn run_csv(dir: &std::path::Path, file: &str, extra: &[&str]) -> String {
    let out = fiscalsim()
        .arg("run")
        .arg(dir.join(file))
        .args(extra)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn compare_two_scenario_files_gives_aligned_differences() {
    let dir = dir_with(&[("toy.toml", TOY), ("reform.toml", &reform())]);
    let out = fiscalsim()
        .arg("compare")
        .arg(dir.path().join("toy.toml"))
        .arg(dir.path().join("reform.toml"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (h, rows) = read_csv(&String::from_utf8(out.stdout).unwrap());
    assert_eq!(
        h,
        [
            "year",
            "variable",
            "toy",
            "reform",
            "diff_reform",
            "rel_reform"
        ]
    );
    assert_eq!(rows.len(), 2 * 37);
    // the values are those of `run`, and the difference is exact
    let (rh, toy) = read_csv(&run_csv(dir.path(), "toy.toml", &[]));
    let (_, reform) = read_csv(&run_csv(dir.path(), "reform.toml", &[]));
    let debt = rows
        .iter()
        .find(|r| r[0] == "2027" && r[1] == "debt_gdp")
        .unwrap();
    let a = column(&rh, &toy, "debt_gdp")[1];
    let b = column(&rh, &reform, "debt_gdp")[1];
    assert_eq!(debt[2].parse::<f64>().unwrap(), a);
    assert_eq!(debt[3].parse::<f64>().unwrap(), b);
    assert_eq!(debt[4].parse::<f64>().unwrap(), b - a);
    assert!(b > a, "more spending, more debt");
    assert!((debt[5].parse::<f64>().unwrap() - (b - a) / a).abs() < 1e-15);
}

#[test]
fn run_decompose_parts_add_up() {
    let extra = "[structure]\nfx_debt_share = 0.3\n";
    let text = format!("{TOY}\n{extra}").replace(
        "other_spending_gdp = 0.2",
        "other_spending_gdp = 0.2\nother_flows_gdp = -0.01\ncommodity_revenue_gdp = 0.03",
    );
    let dir = dir_with(&[("toy.toml", &text)]);
    let (h, rows) = read_csv(&run_csv(dir.path(), "toy.toml", &["--decompose"]));
    assert_eq!(h.len(), 2 + 37 + 18);
    let debt = column(&h, &rows, "debt_gdp");
    let change = column(&h, &rows, "debt_gdp_change");
    let parts = [
        "debt_from_interest",
        "debt_from_real_growth",
        "debt_from_inflation",
        "debt_from_primary_balance",
        "debt_from_exchange_rate",
        "debt_from_other_flows",
    ]
    .map(|p| column(&h, &rows, p));
    for t in 0..rows.len() {
        let prev = if t == 0 { 0.5 } else { debt[t - 1] };
        assert!((change[t] - (debt[t] - prev)).abs() < 1e-15);
        let sum: f64 = parts.iter().map(|p| p[t]).sum();
        assert!((sum - change[t]).abs() < 1e-12, "{sum} vs {}", change[t]);
        assert_eq!(parts[5][t], -0.01);
    }
    let growth = column(&h, &rows, "real_growth");
    let gparts = [
        "growth_from_baseline",
        "growth_from_public_capital",
        "growth_from_demand",
        "growth_from_shocks",
    ]
    .map(|p| column(&h, &rows, p));
    for t in 0..rows.len() {
        let sum: f64 = gparts.iter().map(|p| p[t]).sum();
        assert!((sum - growth[t]).abs() < 1e-14);
        assert_eq!(gparts[0][t], 0.05);
        assert_eq!(gparts[3][t], 0.0);
    }
    // 2026: growth spending rises 1 pp above baseline: demand channel 0.4 * 1 pp
    assert!((gparts[2][0] - 1.05 * 0.004).abs() < 1e-12);
}

#[test]
fn golden_check_exits_0_within_and_1_beyond_tolerance() {
    let dir = dir_with(&[("toy.toml", TOY)]);
    let golden = run_csv(dir.path(), "toy.toml", &[]);
    // the same numbers, one nudged by 1e-9
    let (h, rows) = read_csv(&golden);
    let i = h.iter().position(|c| c == "debt_gdp").unwrap();
    // (only that cell: gross_financing_need_gdp and net_debt_gdp hold the same number)
    let old = &rows[1][i];
    let new = (old.parse::<f64>().unwrap() + 1e-9).to_string();
    let mut lines: Vec<String> = golden.lines().map(String::from).collect();
    let mut cells: Vec<String> = lines[2].split(',').map(String::from).collect();
    cells[i] = new;
    lines[2] = cells.join(",");
    let nudged = lines.join("\n") + "\n";
    std::fs::write(dir.path().join("golden.csv"), &golden).unwrap();
    std::fs::write(dir.path().join("new.csv"), &nudged).unwrap();
    let compare = |extra: &[&str]| {
        fiscalsim()
            .arg("compare")
            .arg(dir.path().join("golden.csv"))
            .arg(dir.path().join("new.csv"))
            .args(extra)
            .arg("--out")
            .arg(dir.path().join("cmp.csv"))
            .output()
            .unwrap()
    };
    let ok = compare(&["--tolerance", "1e-8"]);
    assert_eq!(
        ok.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    let bad = compare(&["--tolerance", "1e-10"]);
    assert_eq!(bad.status.code(), Some(1));
    let err = String::from_utf8_lossy(&bad.stderr);
    assert!(err.contains("1 of 74 values differ"), "{err}");
    assert!(err.contains("2027 debt_gdp"), "{err}");
    // relative tolerance alone
    assert_eq!(compare(&["--rtol", "1e-6"]).status.code(), Some(0));
    assert_eq!(compare(&["--rtol", "1e-12"]).status.code(), Some(1));
    // the scenario file itself matches its golden output exactly
    let same = fiscalsim()
        .arg("compare")
        .arg(dir.path().join("golden.csv"))
        .arg(dir.path().join("toy.toml"))
        .args(["--tolerance", "0"])
        .output()
        .unwrap();
    assert_eq!(
        same.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&same.stderr)
    );
    // a check prints no CSV unless asked for with --out (here `--out -`)
    assert!(
        same.stdout.is_empty(),
        "{}",
        String::from_utf8_lossy(&same.stdout)
    );
    let asked = fiscalsim()
        .arg("compare")
        .arg(dir.path().join("golden.csv"))
        .arg(dir.path().join("toy.toml"))
        .args(["--tolerance", "0", "--out", "-"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&asked.stdout).starts_with("year,variable,"));
    // bad input is still exit 2
    let neg = compare(&["--tolerance=-1"]);
    assert_eq!(neg.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&neg.stderr).contains("--tolerance"));
}

#[test]
fn decomposed_csv_against_plain_scenario_hints_at_decompose() {
    let dir = dir_with(&[("toy.toml", TOY)]);
    std::fs::write(
        dir.path().join("d.csv"),
        run_csv(dir.path(), "toy.toml", &["--decompose"]),
    )
    .unwrap();
    let out = fiscalsim()
        .arg("compare")
        .arg(dir.path().join("d.csv"))
        .arg(dir.path().join("toy.toml"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("with --decompose"), "{err}");
    let ok = fiscalsim()
        .arg("compare")
        .arg(dir.path().join("d.csv"))
        .arg(dir.path().join("toy.toml"))
        .args(["--decompose", "--tolerance", "0"])
        .output()
        .unwrap();
    assert_eq!(
        ok.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
}

#[test]
fn misaligned_inputs_fail_or_union() {
    let longer = TOY.replace("end_year = 2027", "end_year = 2028");
    let dir = dir_with(&[("toy.toml", TOY), ("longer.toml", &longer)]);
    let out = fiscalsim()
        .arg("compare")
        .arg(dir.path().join("toy.toml"))
        .arg(dir.path().join("longer.toml"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("years `2028` only in") && err.contains("--union"),
        "{err}"
    );
    let out = fiscalsim()
        .arg("compare")
        .arg(dir.path().join("toy.toml"))
        .arg(dir.path().join("longer.toml"))
        .arg("--union")
        .output()
        .unwrap();
    assert!(out.status.success());
    let (_, rows) = read_csv(&String::from_utf8(out.stdout).unwrap());
    assert_eq!(rows.len(), 3 * 37);
    let last = rows
        .iter()
        .find(|r| r[0] == "2028" && r[1] == "debt_gdp")
        .unwrap();
    assert_eq!(last[2], "");
    assert!(last[3].parse::<f64>().is_ok());
    assert_eq!((last[4].as_str(), last[5].as_str()), ("", ""));
    // or compare only the common years
    let out = fiscalsim()
        .arg("compare")
        .arg(dir.path().join("toy.toml"))
        .arg(dir.path().join("longer.toml"))
        .args(["--years", "2026..2027", "--only", "debt_gdp"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (_, rows) = read_csv(&String::from_utf8(out.stdout).unwrap());
    let keys: Vec<(&str, &str)> = rows
        .iter()
        .map(|r| (r[0].as_str(), r[1].as_str()))
        .collect();
    assert_eq!(keys, [("2026", "debt_gdp"), ("2027", "debt_gdp")]);
    let out = fiscalsim()
        .arg("compare")
        .arg(dir.path().join("toy.toml"))
        .arg(dir.path().join("longer.toml"))
        .args(["--years", "2040"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("it has 2026, 2027"));
}

#[test]
fn monte_carlo_summaries_compare_by_stat() {
    let other = SUMMARY.replace("0.535", "0.545");
    let dir = dir_with(&[("a.csv", SUMMARY), ("b.csv", &other), ("toy.toml", TOY)]);
    let out = fiscalsim()
        .arg("compare")
        .arg(dir.path().join("a.csv"))
        .arg(dir.path().join("b.csv"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (h, rows) = read_csv(&String::from_utf8(out.stdout).unwrap());
    assert_eq!(h, ["year", "variable", "stat", "a", "b", "diff_b", "rel_b"]);
    assert_eq!(rows.len(), 2 * 2 * 9);
    assert_eq!(rows[0][..3], ["2026", "debt_gdp", "mean"]);
    let p50 = rows
        .iter()
        .find(|r| r[0] == "2027" && r[1] == "debt_gdp" && r[2] == "p50")
        .unwrap();
    assert!((p50[5].parse::<f64>().unwrap() - 0.01).abs() < 1e-15);
    let changed: Vec<_> = rows.iter().filter(|r| r[5] != "0").collect();
    assert_eq!(changed.len(), 1);
    // a deterministic input with a summary: refused, with the reason
    let out = fiscalsim()
        .arg("compare")
        .arg(dir.path().join("a.csv"))
        .arg(dir.path().join("toy.toml"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("Monte Carlo summary"));
}

#[test]
fn compare_refuses_to_overwrite_an_input_and_reports_bad_csv() {
    let dir = dir_with(&[
        ("a.csv", "year,x\n2026,1\n"),
        ("b.csv", "year,x\n2026,zz\n"),
    ]);
    let out = fiscalsim()
        .arg("compare")
        .arg(dir.path().join("a.csv"))
        .arg(dir.path().join("a.csv"))
        .arg("--out")
        .arg(dir.path().join("a.csv"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        std::fs::read_to_string(dir.path().join("a.csv")).unwrap(),
        "year,x\n2026,1\n"
    );
    let out = fiscalsim()
        .arg("compare")
        .arg(dir.path().join("a.csv"))
        .arg(dir.path().join("b.csv"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("b.csv:2") && err.contains("`x`"), "{err}");
}

const OAT: &str = "parameter,low,high,swing
structure.efficiency,0.51,0.53,0.02
structure.spending_multiplier,0.49,0.56,0.07
";

fn svg_of(args: &[&str], files: &[(&str, &str)]) -> String {
    let dir = dir_with(files);
    let out_path = dir.path().join("out.svg");
    let out = fiscalsim()
        .current_dir(dir.path())
        .arg("chart")
        .args(args)
        .arg("--out")
        .arg(&out_path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::read_to_string(out_path).unwrap()
}

#[test]
fn chart_kinds_draw_labelled_svg() {
    let reform = reform();
    let files = [
        ("toy.toml", TOY),
        ("reform.toml", reform.as_str()),
        ("s.csv", SUMMARY),
        ("oat.csv", OAT),
    ];
    let fan = svg_of(&["fan", "s.csv", "--deterministic", "toy.toml"], &files);
    assert!(fan.starts_with("<svg") && fan.trim_end().ends_with("</svg>"));
    for needle in [
        "p05–p95",
        "p10–p90",
        "p25–p75",
        "median",
        "deterministic",
        "% of GDP",
        "2026",
        "2027",
        "year",
    ] {
        assert!(fan.contains(needle), "fan lacks {needle}");
    }
    assert_eq!(fan.matches("<polygon").count(), 3);
    let lines = svg_of(
        &[
            "lines",
            "toy.toml",
            "reform.toml",
            "--variable",
            "real_growth",
        ],
        &files,
    );
    for needle in ["Real GDP growth", "% a year", "\ntoy\n", "\nreform\n"] {
        assert!(lines.contains(needle), "lines lacks {needle}");
    }
    // the median of a Monte Carlo summary against the deterministic path
    let med = svg_of(&["lines", "toy.toml", "s.csv", "--stat", "p50"], &files);
    assert!(
        med.contains("\ntoy (p50)\n") && med.contains("\ntoy\n"),
        "{med}"
    );
    let tornado = svg_of(
        &[
            "tornado",
            "oat.csv",
            "--metric",
            "debt_gdp@2027",
            "--base",
            "0.52",
        ],
        &files,
    );
    assert!(tornado.contains("structure.spending_multiplier") && tornado.contains("debt_gdp@2027"));
    // the central value from the scenario: debt/GDP in 2027 of the toy, as `run` gives it
    let central = svg_of(
        &[
            "tornado",
            "oat.csv",
            "--metric",
            "debt_gdp@2027",
            "--scenario",
            "toy.toml",
        ],
        &files,
    );
    let dir = dir_with(&[("toy.toml", TOY)]);
    let (h, rows) = read_csv(&run_csv(dir.path(), "toy.toml", &[]));
    let d = column(&h, &rows, "debt_gdp")[1];
    assert!(
        central.contains(&format!("central value {:.1}", 100.0 * d)),
        "{central}"
    );
    let debt = svg_of(&["debt", "toy.toml"], &files);
    for needle in [
        "interest rate",
        "real growth",
        "inflation",
        "primary deficit",
        "exchange rate",
        "other flows",
        "percentage points of GDP",
    ] {
        assert!(debt.contains(needle), "debt chart lacks {needle}");
    }
    let mean = svg_of(
        &["growth", "toy.toml", "--draws", "50", "--seed", "3"],
        &files,
    );
    assert!(mean.contains("toy, mean of 50 draws"), "{mean}");
    assert_eq!(
        mean,
        svg_of(
            &["growth", "toy.toml", "--draws", "50", "--seed", "3"],
            &files
        )
    );
    // the same chart from the CSV of `run --decompose`
    let dir = dir_with(&[("toy.toml", TOY)]);
    let decomposed = run_csv(dir.path(), "toy.toml", &["--decompose"]);
    let from_csv = svg_of(&["debt", "d.csv"], &[("d.csv", decomposed.as_str())]);
    assert_eq!(from_csv, debt);
    let growth = svg_of(&["growth", "reform.toml"], &files);
    assert!(growth.contains("public capital") && growth.contains("demand (output gap)"));
}

#[test]
fn chart_errors_are_user_errors() {
    let dir = dir_with(&[
        ("toy.toml", TOY),
        ("s.csv", SUMMARY),
        ("oat.csv", "parameter,S1\nx,0.2\n"),
    ]);
    let run = |args: &[&str]| {
        let out = fiscalsim()
            .current_dir(dir.path())
            .arg("chart")
            .args(args)
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (code, err) = run(&["fan", "toy.toml"]);
    assert_eq!(code, Some(2));
    assert!(err.contains("not a Monte Carlo summary"), "{err}");
    let (code, err) = run(&["lines", "toy.toml", "--variable", "debt_gpd"]);
    assert_eq!(code, Some(2));
    assert!(err.contains("did you mean `debt_gdp`"), "{err}");
    let (code, err) = run(&["lines", "s.csv"]);
    assert_eq!(code, Some(2));
    assert!(err.contains("--stat (mean, sd, p05"), "{err}");
    let (code, err) = run(&["lines", "s.csv", "--stat", "p99"]);
    assert_eq!(code, Some(2));
    assert!(err.contains("`p99` is not a statistic"), "{err}");
    let (code, err) = run(&["tornado", "oat.csv"]);
    assert_eq!(code, Some(2));
    assert!(err.contains("--method oat"), "{err}");
    let (code, err) = run(&["debt", "toy.toml", "--width", "100"]);
    assert_eq!(code, Some(2));
    assert!(
        err.contains("--width") && err.contains("400 to 10000"),
        "{err}"
    );
    let (code, err) = run(&["debt", "toy.toml", "--draws", "0"]);
    assert_eq!(code, Some(2));
    assert!(err.contains("--draws"), "{err}");
    let (code, err) = run(&["debt", "s.csv"]);
    assert_eq!(code, Some(2));
    assert!(err.contains("Monte Carlo summary"), "{err}");
}

#[test]
fn report_is_one_self_contained_page() {
    let reform = reform().replace("name = \"reform\"", "name = \"reform <b>&\"");
    let dir = dir_with(&[
        ("toy.toml", TOY),
        ("reform.toml", &reform),
        ("s.csv", SUMMARY),
        ("oat.csv", OAT),
    ]);
    let out_path = dir.path().join("report.html");
    let out = fiscalsim()
        .current_dir(dir.path())
        .args([
            "report",
            "toy.toml",
            "reform.toml",
            "--summary",
            "s.csv",
            "--sensitivity",
            "oat.csv",
            "--metric",
            "debt_gdp@2027",
            "--out",
        ])
        .arg(&out_path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let html = std::fs::read_to_string(&out_path).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.trim_end().ends_with("</html>"));
    // self-contained: no scripts, no external resources; the only URL is the SVG namespace
    for bad in ["<script", "<link", "<img", "src=", "@import", "url("] {
        assert!(!html.contains(bad), "report contains {bad}");
    }
    assert_eq!(
        html.matches("http").count(),
        html.matches("http://www.w3.org/2000/svg").count()
    );
    // sections, each closed
    for id in [
        "results",
        "charts",
        "why",
        "uncertainty",
        "sensitivity",
        "assumptions",
    ] {
        assert!(
            html.contains(&format!("<section id=\"{id}\">")),
            "no section {id}"
        );
    }
    assert_eq!(
        html.matches("<section").count(),
        html.matches("</section>").count()
    );
    assert_eq!(
        html.matches("<table").count(),
        html.matches("</table>").count()
    );
    assert_eq!(html.matches("<svg").count(), html.matches("</svg>").count());
    // 3 line charts + 2 x (debt + growth) + 2 fans + 1 tornado
    assert_eq!(html.matches("<svg").count(), 3 + 4 + 2 + 1);
    // names are escaped
    assert!(html.contains("reform &lt;b&gt;&amp;") && !html.contains("reform <b>&"));
    // year-by-year differences from the first scenario
    assert!(html.contains("<h4>reform &lt;b&gt;&amp; minus toy (percentage points)</h4>"));
    // the key table shows the run's numbers: toy debt/GDP in 2027, in percent
    let (h, rows) = read_csv(&run_csv(dir.path(), "toy.toml", &[]));
    let debt = column(&h, &rows, "debt_gdp")[1];
    assert!(html.contains(&format!("<td>{:.1}</td></tr>", 100.0 * debt)));
    // same inputs, same bytes
    let again = fiscalsim()
        .current_dir(dir.path())
        .args([
            "report",
            "toy.toml",
            "reform.toml",
            "--summary",
            "s.csv",
            "--sensitivity",
            "oat.csv",
            "--metric",
            "debt_gdp@2027",
        ])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8(again.stdout).unwrap(), html);
}

#[test]
fn flagship_matches_its_golden_csv_and_a_change_is_caught() {
    let golden = "tests/golden/kazakhstan-2026-2028.csv";
    let flagship = "scenarios/kazakhstan-2026-2028.toml";
    let ok = fiscalsim()
        .args([
            "compare",
            golden,
            flagship,
            "--tolerance",
            "0",
            "--out",
            "-",
        ])
        .output()
        .unwrap();
    assert_eq!(
        ok.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    let (h, rows) = read_csv(&String::from_utf8(ok.stdout).unwrap());
    assert!(
        column(&h, &rows, "diff_scenarios/kazakhstan-2026-2028.toml")
            .iter()
            .all(|d| *d == 0.0)
    );
    // a lower debt threshold raises the interest bill: found, and interest ranks worst
    let changed = fiscalsim()
        .args(["compare", golden, flagship, "--rtol", "1e-9", "--show", "1"])
        .args(["--set", "structure.debt_threshold=0.1"])
        .output()
        .unwrap();
    assert_eq!(changed.status.code(), Some(1));
    let err = String::from_utf8_lossy(&changed.stderr);
    assert!(
        err.contains("values differ") && err.contains("interest:"),
        "{err}"
    );
    assert_eq!(err.lines().count(), 2, "{err}");
}

/// clap's own consistency check of every subcommand's arguments (catches, e.g., a flag
/// whose parser returns another type than its field, which would panic at run time).
#[test]
fn command_line_definition_is_consistent() {
    use clap::CommandFactory;
    fiscalsim::cmd::Cli::command().debug_assert();
}

#[test]
fn monte_carlo_compare_runs_scenarios_with_one_seed() {
    let flagship = "scenarios/kazakhstan-2026-2028.toml";
    let no_reform = "scenarios/kazakhstan-no-reform.toml";
    let dir = dir_with(&[]);
    let mc = dir.path().join("mc.csv");
    let out = fiscalsim()
        .args(["run", flagship, "--draws", "300", "--seed", "9", "--out"])
        .arg(&mc)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // the summary of `run --draws` is exactly what compare computes with the same seed
    let same = fiscalsim()
        .arg("compare")
        .arg(&mc)
        .args([
            flagship,
            "--draws",
            "300",
            "--seed",
            "9",
            "--tolerance",
            "0",
        ])
        .output()
        .unwrap();
    assert_eq!(
        same.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&same.stderr)
    );
    // another seed gives other draws: differences found
    let other = fiscalsim()
        .arg("compare")
        .arg(&mc)
        .args([
            flagship,
            "--draws",
            "300",
            "--seed",
            "10",
            "--tolerance",
            "0",
        ])
        .output()
        .unwrap();
    assert_eq!(other.status.code(), Some(1));
    // two scenarios side by side, per statistic; more growth spending, less debt here
    let both = fiscalsim()
        .args([
            "compare", no_reform, flagship, "--draws", "300", "--only", "debt_gdp",
        ])
        .output()
        .unwrap();
    assert!(
        both.status.success(),
        "{}",
        String::from_utf8_lossy(&both.stderr)
    );
    let (h, rows) = read_csv(&String::from_utf8(both.stdout).unwrap());
    assert_eq!(h[..3], ["year", "variable", "stat"]);
    let stats: Vec<&str> = rows.iter().take(11).map(|r| r[2].as_str()).collect();
    assert_eq!(
        stats,
        [
            "mean",
            "sd",
            "p05",
            "p10",
            "p25",
            "p50",
            "p75",
            "p90",
            "p95",
            "broken_draws",
            "mean"
        ]
    );
    let p50 = rows
        .iter()
        .find(|r| r[0] == "2028" && r[2] == "p50")
        .unwrap();
    assert!(p50[5].parse::<f64>().unwrap() < 0.0, "{p50:?}");
    // --decompose is deterministic only
    let bad = fiscalsim()
        .args([
            "compare",
            no_reform,
            flagship,
            "--draws",
            "10",
            "--decompose",
        ])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
}
