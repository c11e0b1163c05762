//! `fiscalsim sweep`, `sensitivity` and `merge` from the command line.

use std::path::Path;

use fiscalsim::model::project;
use fiscalsim::montecarlo::map_draws;
use fiscalsim::scenario::{Override, load_str};
use fiscalsim::summary::quantile_type7;

use crate::util::{TOY, column, dir_with, fiscalsim, read_csv};

const SHOCKS: &str =
    "\n[shocks]\nsd = [0.01, 0.02, 0.01, 0.2, 0.01, 0.05]\n[montecarlo]\nseed = 5\n";

fn toy_with(extra: &str, sets: &[&str]) -> fiscalsim::scenario::Scenario {
    let overrides: Vec<Override> = sets.iter().map(|s| s.parse().unwrap()).collect();
    load_str(
        &format!("{TOY}\n{extra}"),
        "toy.toml",
        Path::new("."),
        &overrides,
    )
    .unwrap()
}

fn run_ok(dir: &Path, args: &[&str]) -> String {
    let out = fiscalsim().current_dir(dir).args(args).output().unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn run_err(dir: &Path, args: &[&str]) -> String {
    let out = fiscalsim().current_dir(dir).args(args).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{args:?}");
    String::from_utf8(out.stderr).unwrap()
}

#[test]
fn grid_rows_equal_runs_with_set() {
    let dir = dir_with(&[("toy.toml", TOY)]);
    let csv = run_ok(
        dir.path(),
        &[
            "sweep",
            "toy.toml",
            "--vary",
            "structure.spending_multiplier=0.2:0.8:0.3",
            "--vary",
            "policy.growth_spending_gdp@2027=0.03,0.05",
            "--metric",
            "debt_gdp@2027",
            "--metric",
            "mean(real_growth@2026..2027)",
        ],
    );
    let (header, rows) = read_csv(&csv);
    assert_eq!(
        header,
        [
            "structure.spending_multiplier",
            "policy.growth_spending_gdp@2027",
            "debt_gdp@2027",
            "mean(real_growth@2026..2027)"
        ]
    );
    assert_eq!(rows.len(), 6);
    let m = column(&header, &rows, "structure.spending_multiplier");
    let s = column(&header, &rows, "policy.growth_spending_gdp@2027");
    assert_eq!(m, [0.2, 0.2, 0.5, 0.5, 0.8, 0.8]);
    assert_eq!(s, [0.03, 0.05, 0.03, 0.05, 0.03, 0.05]);
    let debt = column(&header, &rows, "debt_gdp@2027");
    let growth = column(&header, &rows, "mean(real_growth@2026..2027)");
    for k in 0..6 {
        let sc = toy_with(
            "",
            &[
                &format!("structure.spending_multiplier={}", m[k]),
                &format!("policy.growth_spending_gdp@2027={}", s[k]),
            ],
        );
        let p = project(&sc).unwrap();
        assert_eq!(debt[k], p[1].debt_gdp, "point {k}");
        assert_eq!(growth[k], (p[0].real_growth + p[1].real_growth) / 2.0);
    }
    // The parameters matter: more spending in 2027 raises growth, more so with a larger multiplier.
    assert!(growth[1] > growth[0] && growth[5] - growth[4] > growth[1] - growth[0]);
}

#[test]
fn monte_carlo_points_share_the_same_draws() {
    let dir = dir_with(&[("toy.toml", &format!("{TOY}{SHOCKS}"))]);
    let csv = run_ok(
        dir.path(),
        &[
            "sweep",
            "toy.toml",
            "--vary",
            "structure.spending_multiplier=0.2,0.6",
            "--draws",
            "300",
            "--metric",
            "p90(debt_gdp@2027)",
            "--metric",
            "prob(real_growth@2027 > 0.05)",
        ],
    );
    let (header, rows) = read_csv(&csv);
    let p90 = column(&header, &rows, "p90(debt_gdp@2027)");
    let prob = column(&header, &rows, "prob(real_growth@2027 > 0.05)");
    for (k, m) in ["0.2", "0.6"].iter().enumerate() {
        // The same seed (the scenario's, 5) at every point: common random numbers.
        let sc = toy_with(SHOCKS, &[&format!("structure.spending_multiplier={m}")]);
        let mut d = map_draws(&sc, 300, 5, |_, path| path[1].debt_gdp);
        let g = map_draws(&sc, 300, 5, |_, path| path[1].real_growth);
        let share = g.iter().filter(|x| **x > 0.05).count() as f64 / 300.0;
        assert_eq!(p90[k], quantile_type7(&mut d, 0.9));
        assert_eq!(prob[k], share);
    }
    assert!(prob[0] > 0.0 && prob[0] < 1.0, "{prob:?}");
}

fn shard_files(dir: &Path, base: &[&str], n: usize) -> Vec<String> {
    let mut files = Vec::new();
    for i in (1..=n).rev() {
        let name = format!("part-{i}.csv");
        let shard = format!("{i}/{n}");
        let mut args = base.to_vec();
        args.extend(["--shard", &shard, "--out", &name]);
        run_ok(dir, &args);
        files.push(name);
    }
    files
}

#[test]
fn merged_shards_are_byte_identical_to_the_unsharded_run() {
    let dir = dir_with(&[("toy.toml", &format!("{TOY}{SHOCKS}"))]);
    let d = dir.path();
    let runs: [&[&str]; 3] = [
        &[
            "sweep",
            "toy.toml",
            "--vary",
            "structure.spending_multiplier=0.2:0.8/7",
            "--vary",
            "structure.efficiency=0.5,0.7",
        ],
        &[
            "sweep",
            "toy.toml",
            "--design",
            "lhs",
            "--samples",
            "10",
            "--vary",
            "structure.spending_multiplier=0.2:0.8",
            "--draws",
            "50",
        ],
        &[
            "sensitivity",
            "toy.toml",
            "--method",
            "sobol",
            "--samples",
            "16",
            "--bootstrap",
            "50",
            "--vary",
            "structure.spending_multiplier=0.2:0.8",
            "--vary",
            "policy.growth_spending_gdp@2027=0.02:0.06",
            "--metric",
            "debt_gdp@2027",
        ],
    ];
    for (r, base) in runs.iter().enumerate() {
        let mut whole = base.to_vec();
        whole.extend(["--out", "whole.csv"]);
        let sensitivity = base[0] == "sensitivity";
        if sensitivity {
            whole.extend(["--samples-out", "whole-samples.csv"]);
        }
        run_ok(d, &whole);
        let files = shard_files(d, base, 3);
        let mut merge = vec!["merge"];
        merge.extend(files.iter().map(String::as_str));
        merge.extend(["--out", "merged.csv"]);
        if sensitivity {
            merge.extend(["--samples-out", "merged-samples.csv"]);
        }
        run_ok(d, &merge);
        let read = |f: &str| std::fs::read(d.join(f)).unwrap();
        assert_eq!(read("whole.csv"), read("merged.csv"), "run {r}");
        assert!(read("whole.csv").len() > 50);
        if sensitivity {
            assert_eq!(read("whole-samples.csv"), read("merged-samples.csv"));
        }
        // A missing shard is refused, naming it.
        let e = run_err(d, &["merge", &files[0], &files[1], "--out", "x.csv"]);
        assert!(e.contains("missing shard 1/3"), "{e}");
    }
    // Shards of different runs are refused.
    run_ok(
        d,
        &[
            "sweep",
            "toy.toml",
            "--vary",
            "structure.efficiency=0.5,0.6,0.7",
            "--shard",
            "1/3",
            "--out",
            "other.csv",
        ],
    );
    let e = run_err(d, &["merge", "other.csv", "part-2.csv", "part-3.csv"]);
    assert!(e.contains("another run"), "{e}");
}

#[test]
fn sweep_table_in_the_scenario_file_is_used_and_checked() {
    let with_table = format!(
        "{TOY}\n[sweep]\nmetrics = [\"debt_gdp@2027\"]\n[sweep.vary]\n\"structure.spending_multiplier\" = \"0.2:0.6:0.2\"\n"
    );
    let dir = dir_with(&[
        ("s.toml", &with_table),
        (
            "bad.toml",
            &format!("{TOY}\n[sweep]\nmetric = [\"debt_gdp@2027\"]\n"),
        ),
        (
            "badmetric.toml",
            &format!(
                "{TOY}\n[sweep]\nmetrics = [\"debt_gdp@2099\"]\n[sweep.vary]\n\"structure.efficiency\" = [0.5]\n"
            ),
        ),
    ]);
    let csv = run_ok(dir.path(), &["sweep", "s.toml"]);
    let (header, rows) = read_csv(&csv);
    assert_eq!(header, ["structure.spending_multiplier", "debt_gdp@2027"]);
    assert_eq!(rows.len(), 3);
    // `run` accepts the file too.
    run_ok(dir.path(), &["run", "s.toml"]);
    // Command-line --vary replaces the table's.
    let csv = run_ok(
        dir.path(),
        &["sweep", "s.toml", "--vary", "structure.efficiency=0.5,0.6"],
    );
    assert_eq!(read_csv(&csv).0[0], "structure.efficiency");
    let e = run_err(dir.path(), &["sweep", "bad.toml"]);
    assert!(
        e.contains("bad.toml:29:1: `sweep.metric`: unknown key `metric`: did you mean `metrics`?"),
        "{e}"
    );
    let e = run_err(dir.path(), &["sweep", "badmetric.toml"]);
    assert!(e.contains("--metric") && e.contains("2099"), "{e}");
}

#[test]
fn mistakes_are_user_errors_that_name_the_flag() {
    let dir = dir_with(&[("toy.toml", TOY)]);
    let d = dir.path();
    let e = run_err(
        d,
        &[
            "sweep",
            "toy.toml",
            "--vary",
            "structure.capital_share=0.5:1.5:0.5",
        ],
    );
    assert!(
        e.contains("structure.capital_share=1.5") && e.contains("share in [0, 1]"),
        "{e}"
    );
    let e = run_err(
        d,
        &[
            "sweep",
            "toy.toml",
            "--vary",
            "structure.spending_multiplier=0.8:0.2:0.1",
        ],
    );
    assert!(e.contains("--vary") && e.contains("sign"), "{e}");
    let e = run_err(
        d,
        &[
            "sweep",
            "toy.toml",
            "--vary",
            "structure.spending_multiplier=0.2:0.8",
        ],
    );
    assert!(e.contains("continuous range"), "{e}");
    let e = run_err(
        d,
        &[
            "sweep",
            "toy.toml",
            "--vary",
            "structure.spending_multiplr=0.2,0.4",
        ],
    );
    assert!(e.contains("did you mean `spending_multiplier`"), "{e}");
    let e = run_err(
        d,
        &[
            "sweep",
            "toy.toml",
            "--vary",
            "structure.efficiency=0.5",
            "--metric",
            "debt_gdp@2040",
        ],
    );
    assert!(e.contains("--metric"), "{e}");
    let e = run_err(d, &["sweep", "toy.toml"]);
    assert!(e.contains("--vary"), "{e}");
    let e = run_err(
        d,
        &[
            "sweep",
            "toy.toml",
            "--vary",
            "structure.efficiency=0.5",
            "--shard",
            "4/3",
        ],
    );
    assert!(e.contains("--shard"), "{e}");
    let e = run_err(
        d,
        &[
            "sensitivity",
            "toy.toml",
            "--method",
            "morris",
            "--levels",
            "3",
            "--vary",
            "structure.efficiency=0.5:0.7",
        ],
    );
    assert!(e.contains("--levels"), "{e}");
    let e = run_err(
        d,
        &[
            "sweep",
            "toy.toml",
            "--vary",
            "structure.efficiency=0.5,0.6",
            "--out",
            "toy.toml",
        ],
    );
    assert!(e.contains("refusing to overwrite"), "{e}");
}

#[test]
fn oat_tornado_matches_one_at_a_time_runs() {
    let dir = dir_with(&[("toy.toml", TOY)]);
    let csv = run_ok(
        dir.path(),
        &[
            "sensitivity",
            "toy.toml",
            "--method",
            "oat",
            "--metric",
            "debt_gdp@2027",
            "--vary",
            "structure.spending_multiplier=0.2:0.8",
            "--vary",
            "baseline.interest_rate=0.05:0.15",
            "--vary",
            "structure.depreciation=0.03:0.06",
        ],
    );
    let (header, rows) = read_csv(&csv);
    assert_eq!(header, ["parameter", "low", "high", "swing", "from", "to"]);
    let from = column(&header, &rows, "from");
    let to = column(&header, &rows, "to");
    let i = rows
        .iter()
        .position(|r| r[0] == "baseline.interest_rate")
        .unwrap();
    assert_eq!((from[i], to[i]), (0.05, 0.15));
    let names: Vec<&str> = rows.iter().map(|r| r[0].as_str()).collect();
    // Interest costs drive debt most; depreciation only moves potential growth a little.
    assert_eq!(names[0], "baseline.interest_rate");
    let swing = column(&header, &rows, "swing");
    assert!(swing.windows(2).all(|w| w[0] >= w[1]), "{swing:?}");
    let low = column(&header, &rows, "low");
    let high = column(&header, &rows, "high");
    let direct = |set: &str| project(&toy_with("", &[set])).unwrap()[1].debt_gdp;
    assert_eq!(low[0], direct("baseline.interest_rate=0.05"));
    assert_eq!(high[0], direct("baseline.interest_rate=0.15"));
    assert_eq!(swing[0], (high[0] - low[0]).abs());
    assert!(swing[0] > 0.05);
}

#[test]
fn morris_and_sobol_rank_the_driving_parameter_first() {
    let dir = dir_with(&[("toy.toml", TOY)]);
    let vary = [
        "--vary",
        "structure.depreciation=0.03:0.06",
        "--vary",
        "baseline.interest_rate=0.05:0.15",
        "--metric",
        "debt_gdp@2027",
    ];
    let mut morris = vec![
        "sensitivity",
        "toy.toml",
        "--method",
        "morris",
        "--samples",
        "10",
    ];
    morris.extend(vary);
    let (header, rows) = read_csv(&run_ok(dir.path(), &morris));
    assert_eq!(header, ["parameter", "mu_star", "mu_star_conf", "sigma"]);
    let mu = column(&header, &rows, "mu_star");
    assert!(mu[1] > 10.0 * mu[0], "{mu:?}");
    let mut sobol = vec![
        "sensitivity",
        "toy.toml",
        "--samples",
        "64",
        "--bootstrap",
        "100",
        "--samples-out",
        "samples.csv",
    ];
    sobol.extend(vary);
    let (header, rows) = read_csv(&run_ok(dir.path(), &sobol));
    assert_eq!(header, ["parameter", "S1", "S1_conf", "ST", "ST_conf"]);
    let st = column(&header, &rows, "ST");
    assert!(st[1] > 0.9 && st[0] < 0.05, "{st:?}");
    let samples = std::fs::read_to_string(dir.path().join("samples.csv")).unwrap();
    let (h, r) = read_csv(&samples);
    assert_eq!(
        h,
        [
            "structure.depreciation",
            "baseline.interest_rate",
            "debt_gdp@2027"
        ]
    );
    assert_eq!(r.len(), 64 * (2 * 2 + 2));
    // SALib's layout: blocks of A, AB_1, AB_2, BA_1, BA_2, B.
    let x: Vec<Vec<f64>> = r
        .iter()
        .map(|row| row.iter().map(|v| v.parse().unwrap()).collect())
        .collect();
    for b in x.chunks(6) {
        let (a, bb) = (&b[0], &b[5]);
        assert_eq!(b[1][..2], [bb[0], a[1]]);
        assert_eq!(b[2][..2], [a[0], bb[1]]);
        assert_eq!(b[3][..2], [a[0], bb[1]]);
        assert_eq!(b[4][..2], [bb[0], a[1]]);
        assert!((0.03..=0.06).contains(&a[0]) && (0.05..=0.15).contains(&a[1]));
    }
    // The indices recomputed from the samples file alone are the ones written.
    let y: Vec<f64> = x.iter().map(|row| row[2]).collect();
    let s = fiscalsim::sensitivity::sobol::indices(&y, 2, 100, 0.95, 1);
    assert_eq!(column(&header, &rows, "S1"), s.s1);
    assert_eq!(column(&header, &rows, "ST_conf"), s.st_conf);
}

#[test]
fn help_shows_the_default_metrics_and_methods() {
    let out = fiscalsim().args(["sweep", "--help"]).output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("Default metrics: debt_gdp@<last year>, mean(real_growth@<first>..<last>)"),
        "{text}"
    );
    assert!(text.contains("p90(debt_gdp@<last year>)"));
    let out = fiscalsim()
        .args(["sensitivity", "--help"])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("S1,S1_conf,ST,ST_conf"), "{text}");
    assert!(text.contains("mu_star,mu_star_conf,sigma") && text.contains("morris"));
}

#[test]
fn results_do_not_depend_on_the_number_of_threads() {
    let dir = dir_with(&[("toy.toml", &format!("{TOY}{SHOCKS}"))]);
    let args = [
        "sweep",
        "toy.toml",
        "--vary",
        "structure.spending_multiplier=0.2:0.8/5",
        "--vary",
        "baseline.interest_rate=0.05,0.1",
        "--draws",
        "64",
    ];
    let run = |threads: &str| {
        let out = fiscalsim()
            .current_dir(dir.path())
            .env("RAYON_NUM_THREADS", threads)
            .args(args)
            .output()
            .unwrap();
        assert!(out.status.success());
        out.stdout
    };
    let one = run("1");
    assert_eq!(one, run("3"));
    let (header, rows) = read_csv(&String::from_utf8(one).unwrap());
    assert_eq!(rows.len(), 10);
    assert_eq!(header[header.len() - 2], "p90(debt_gdp@2027)");
    // Monte Carlo sweeps end with the draws left out of the metrics (none here).
    assert_eq!(header.last().unwrap(), "broken_draws");
    assert!(rows.iter().all(|r| r.last().unwrap() == "0"));
}

#[test]
fn sensitivity_of_a_monte_carlo_metric_uses_common_draws() {
    let dir = dir_with(&[("toy.toml", &format!("{TOY}{SHOCKS}"))]);
    let csv = run_ok(
        dir.path(),
        &[
            "sensitivity",
            "toy.toml",
            "--method",
            "oat",
            "--metric",
            "p90(debt_gdp@2027)",
            "--draws",
            "200",
            "--vary",
            "baseline.interest_rate=0.05:0.15",
        ],
    );
    let (header, rows) = read_csv(&csv);
    let p90 = |rate: &str| {
        let sc = toy_with(SHOCKS, &[&format!("baseline.interest_rate={rate}")]);
        let mut d = map_draws(&sc, 200, 5, |_, path| path[1].debt_gdp);
        quantile_type7(&mut d, 0.9)
    };
    assert_eq!(column(&header, &rows, "low"), [p90("0.05")]);
    assert_eq!(column(&header, &rows, "high"), [p90("0.15")]);
}

/// Draws that broke down gave NaN means and quantiles, and a probability that counted
/// them as events that did not happen, with no warning. They are left out of every
/// metric, counted in the column `broken_draws`, and warned about.
#[test]
fn draws_that_break_down_are_counted_and_left_out_of_every_metric() {
    let out = fiscalsim()
        .args([
            "sweep",
            "scenarios/kazakhstan-2026-2040.toml",
            "--vary",
            "structure.revenue_multiplier=1:1.5/6",
            "--set",
            "policy.revenue_gdp=0.9",
            "--metric",
            "mean(debt_gdp@2035)",
            "--metric",
            "prob(debt_gdp@2035 > 0.5)",
            "--metric",
            "prob(debt_gdp@2035 <= 0.5)",
            "--draws",
            "200",
        ])
        .output()
        .expect("run");
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.starts_with("warning: draws broke down numerically"),
        "{stderr}"
    );
    let (header, rows) = read_csv(&String::from_utf8_lossy(&out.stdout));
    assert_eq!(header.last().unwrap(), "broken_draws");
    let mut broken_points = 0;
    let mut partly = 0;
    for r in &rows {
        let broken: u64 = r[4].parse().expect("a count");
        let (above, below): (f64, f64) = (r[2].parse().unwrap(), r[3].parse().unwrap());
        if broken < 200 {
            // The two complementary probabilities are over the same sound draws.
            assert!((above + below - 1.0).abs() < 1e-12, "{r:?}");
            assert!(r[1].parse::<f64>().unwrap().is_finite(), "{r:?}");
        } else {
            assert!(above.is_nan() && below.is_nan(), "{r:?}");
        }
        broken_points += usize::from(broken > 0);
        partly += usize::from(broken > 0 && broken < 200);
    }
    assert!(partly >= 1, "no point with some draws broken: {rows:?}");
    assert!(
        stderr.contains(&format!("at {broken_points} of 6 points")),
        "{stderr}"
    );
}
