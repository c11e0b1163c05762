//! Monte Carlo runs from the command line: `run --draws/--mc`, summaries, samples,
//! reproducibility across threads and draw counts, `[uncertainty]`.

use crate::util::{TOY, column, dir_with, fiscalsim, read_csv};

/// TOY with all six shocks, a longer horizon and Monte Carlo settings.
fn shocked() -> String {
    format!(
        "{}\n{}",
        TOY.replace("end_year = 2027", "end_year = 2032"),
        r#"
[shocks]
sd = [0.01, 0.01, 0.015, 0.2, 0.005, 0.08]
correlation = [
  [1.0, 0.2, 0.0, 0.3, 0.0, -0.2],
  [0.2, 1.0, 0.1, 0.2, 0.0, -0.1],
  [0.0, 0.1, 1.0, 0.0, 0.2, 0.3],
  [0.3, 0.2, 0.0, 1.0, 0.0, -0.5],
  [0.0, 0.0, 0.2, 0.0, 1.0, 0.2],
  [-0.2, -0.1, 0.3, -0.5, 0.2, 1.0],
]
persistence = [0.3, 0.5, 0.4, 0.6, 0.7, 0.5]

[montecarlo]
draws = 3000
seed = 5
quantiles = [0.05, 0.5, 0.975]
"#
    )
}

fn stdout(args: &[&str], dir: &std::path::Path) -> String {
    let out = fiscalsim().args(args).current_dir(dir).output().unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn summary_has_one_row_per_year_and_variable_with_the_scenario_quantiles() {
    let d = dir_with(&[("s.toml", &shocked())]);
    let text = stdout(&["run", "s.toml", "--mc"], d.path());
    let (header, rows) = read_csv(&text);
    assert_eq!(
        header,
        [
            "scenario",
            "year",
            "variable",
            "mean",
            "sd",
            "p05",
            "p50",
            "p97.5",
            "broken_draws"
        ]
    );
    assert_eq!(rows.len(), 7 * 37);
    assert_eq!(rows[0][..3], ["toy", "2026", "gdp_real"]);
    assert_eq!(rows[23][2], "debt_gdp");
    let p05 = column(&header, &rows, "p05");
    let p50 = column(&header, &rows, "p50");
    let p975 = column(&header, &rows, "p97.5");
    let sd = column(&header, &rows, "sd");
    for i in 0..rows.len() {
        assert!(p05[i] <= p50[i] && p50[i] <= p975[i], "row {i}");
    }
    // Shocked variables have a spread; the fan widens over time for debt/GDP.
    let debt: Vec<usize> = (0..rows.len())
        .filter(|&i| rows[i][2] == "debt_gdp")
        .collect();
    assert!(sd[debt[0]] > 0.0 && sd[debt[6]] > 2.0 * sd[debt[0]]);
    assert!(
        column(&header, &rows, "broken_draws")
            .iter()
            .all(|&b| b == 0.0)
    );
}

#[test]
fn bytes_do_not_depend_on_threads_and_first_draws_not_on_the_draw_count() {
    let d = dir_with(&[("s.toml", &shocked())]);
    let p = d.path();
    let run = |threads: &str, draws: &str, tag: &str| {
        stdout(
            &[
                "run",
                "s.toml",
                "--draws",
                draws,
                "--threads",
                threads,
                "--out",
                &format!("sum{tag}.csv"),
                "--samples-out",
                &format!("smp{tag}.csv"),
                "--samples-draws",
                "40",
                "--samples-vars",
                "all",
            ],
            p,
        );
        (
            std::fs::read(p.join(format!("sum{tag}.csv"))).unwrap(),
            std::fs::read(p.join(format!("smp{tag}.csv"))).unwrap(),
        )
    };
    let one = run("1", "2500", "a");
    let two = run("2", "2500", "b");
    let three = run("3", "2500", "c");
    assert_eq!(one, two);
    assert_eq!(one, three);
    let fewer = run("2", "40", "d");
    assert_eq!(
        fewer.1, one.1,
        "the first 40 draws of 2500 are a 40-draw run"
    );
    assert_ne!(fewer.0, one.0);
    let (header, rows) = read_csv(&String::from_utf8(one.1).unwrap());
    assert_eq!(
        header[..5],
        ["scenario", "year", "draw", "broken", "gdp_real"]
    );
    assert_eq!(rows.len(), 40 * 7);
}

#[test]
fn seed_changes_results_and_mc_takes_the_scenario_settings() {
    let d = dir_with(&[("s.toml", &shocked())]);
    let mc = stdout(&["run", "s.toml", "--mc"], d.path());
    let same = stdout(
        &["run", "s.toml", "--draws", "3000", "--seed", "5"],
        d.path(),
    );
    let other = stdout(&["run", "s.toml", "--mc", "--seed", "6"], d.path());
    assert_eq!(mc, same);
    assert_ne!(mc, other);
}

#[test]
fn zero_sd_gives_the_deterministic_value_in_every_statistic() {
    let sc = shocked().replace(
        "sd = [0.01, 0.01, 0.015, 0.2, 0.005, 0.08]",
        "sd = [0, 0, 0, 0, 0, 0]",
    );
    let d = dir_with(&[("s.toml", &sc)]);
    let det = stdout(&["run", "s.toml"], d.path());
    let (dh, drows) = read_csv(&det);
    let mc = stdout(&["run", "s.toml", "--draws", "200"], d.path());
    let (h, rows) = read_csv(&mc);
    for r in &rows {
        let year: usize = drows.iter().position(|d| d[1] == r[1]).unwrap();
        let want = column(&dh, &drows, &r[2])[year];
        for c in ["mean", "p05", "p50", "p97.5"] {
            let i = h.iter().position(|x| x == c).unwrap();
            let got: f64 = r[i].parse().unwrap();
            assert!(
                (got - want).abs() <= 1e-12 * want.abs().max(1.0),
                "{} {} {c}: {got} vs {want}",
                r[1],
                r[2]
            );
        }
        assert_eq!(r[4], "0", "sd of {} {}", r[1], r[2]);
    }
}

#[test]
fn broken_draws_are_counted_not_hidden() {
    let sc = shocked().replace(
        "sd = [0.01, 0.01, 0.015, 0.2, 0.005, 0.08]",
        "sd = [0, 0, 0.7, 0, 0, 0]",
    );
    let d = dir_with(&[("s.toml", &sc)]);
    let out = fiscalsim()
        .args(["run", "s.toml", "--draws", "500"])
        .current_dir(d.path())
        .output()
        .unwrap();
    assert!(out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("draws broke down numerically"), "{err}");
    let (h, rows) = read_csv(&String::from_utf8(out.stdout.clone()).unwrap());
    let broken = column(&h, &rows, "broken_draws");
    assert!(broken.last().copied().unwrap() > 0.0);
    assert!(!String::from_utf8_lossy(&out.stdout).contains("NaN"));
}

#[test]
fn usage_errors_name_the_flag() {
    let d = dir_with(&[("s.toml", &shocked())]);
    for (args, needle) in [
        (vec!["run", "s.toml", "--seed", "3"], "--seed"),
        (vec!["run", "s.toml", "--draws", "0"], "--draws"),
        (vec!["run", "s.toml", "--mc", "--threads", "0"], "--threads"),
        (
            vec![
                "run",
                "s.toml",
                "--mc",
                "--samples-out",
                "x.csv",
                "--samples-vars",
                "debt_gpd",
            ],
            "did you mean",
        ),
    ] {
        let out = fiscalsim()
            .args(&args)
            .current_dir(d.path())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(needle), "{args:?}: {err}");
    }
    assert!(!d.path().join("x.csv").exists());
}

#[test]
fn uncertainty_widens_the_fan_and_is_validated() {
    let unc = format!(
        "{}\n[uncertainty]\nspending_multiplier = {{ distribution = \"uniform\", min = 0.0, max = 1.5 }}\ngap_persistence = {{ distribution = \"triangular\", min = 0.3, mode = 0.5, max = 0.8 }}\n",
        shocked()
    );
    let d = dir_with(&[("s.toml", &shocked()), ("u.toml", &unc)]);
    let sd_gap = |file: &str| {
        let (h, rows) = read_csv(&stdout(&["run", file, "--draws", "2000"], d.path()));
        let sd = column(&h, &rows, "sd");
        let i = rows
            .iter()
            .position(|r| r[1] == "2027" && r[2] == "output_gap")
            .unwrap();
        sd[i]
    };
    assert!(sd_gap("u.toml") > 1.05 * sd_gap("s.toml"));
    let json = stdout(&["resolve", "u.toml"], d.path());
    assert!(json.contains("\"uncertainty\"") && json.contains("\"triangular\""));
    assert!(!stdout(&["resolve", "s.toml"], d.path()).contains("uncertainty"));

    for (bad, needle) in [
        (
            "spending_multipler = { distribution = \"uniform\", min = 0, max = 1 }",
            "did you mean `spending_multiplier`",
        ),
        (
            "efficiency = { distribution = \"beta\", min = 0, max = 1 }",
            "must be one of",
        ),
        (
            "efficiency = { distribution = \"normal\", mean = 0.7, sd = 0.1 }",
            "truncated_normal",
        ),
        (
            "efficiency = { distribution = \"uniform\", min = 0.9, max = 0.5 }",
            "min < max",
        ),
        (
            "efficiency = { distribution = \"uniform\", min = 0.5 }",
            "needs `max`",
        ),
    ] {
        let text = format!("{}\n[uncertainty]\n{bad}\n", shocked());
        let d = dir_with(&[("b.toml", &text)]);
        let out = fiscalsim()
            .args(["run", "b.toml", "--mc"])
            .current_dir(d.path())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{bad}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains(needle) && err.contains("b.toml:"),
            "{bad}: {err}"
        );
    }
}

#[test]
fn probabilities_match_the_raw_samples() {
    let sc = format!(
        "{}\n{}",
        shocked(),
        r#"
[[montecarlo.probabilities]]
event = "debt_gdp@..2031 > 0.75"
label = "debt ever above 75 % by 2031"
"#
    );
    let d = dir_with(&[("s.toml", &sc)]);
    stdout(
        &[
            "run",
            "s.toml",
            "--draws",
            "800",
            "--out",
            "sum.csv",
            "--samples-out",
            "smp.csv",
            "--samples-draws",
            "800",
            "--samples-vars",
            "debt_gdp,real_growth",
            "--prob",
            "debt_gdp@2030 > 0.7",
            "--prob",
            "mean(real_growth@2026..2028) >= 0.05",
            "--prob-out",
            "p.csv",
        ],
        d.path(),
    );
    let (sh, srows) = read_csv(&std::fs::read_to_string(d.path().join("smp.csv")).unwrap());
    let debt = column(&sh, &srows, "debt_gdp");
    let growth = column(&sh, &srows, "real_growth");
    let year = column(&sh, &srows, "year");
    let draw = column(&sh, &srows, "draw");
    let share = |f: &dyn Fn(usize) -> bool| (0..800).filter(|&j| f(j)).count() as f64 / 800.0;
    let at = |v: &[f64], j: usize, y: f64| {
        (0..srows.len())
            .find(|&i| draw[i] == j as f64 && year[i] == y)
            .map(|i| v[i])
            .unwrap()
    };
    let ever = share(&|j| (2026..=2031).any(|y| at(&debt, j, y as f64) > 0.75));
    let in2030 = share(&|j| at(&debt, j, 2030.0) > 0.7);
    let mean_growth =
        share(&|j| (2026..=2028).map(|y| at(&growth, j, y as f64)).sum::<f64>() / 3.0 >= 0.05);
    let (h, rows) = read_csv(&std::fs::read_to_string(d.path().join("p.csv")).unwrap());
    assert_eq!(
        h,
        [
            "scenario",
            "event",
            "label",
            "probability",
            "mc_se",
            "draws",
            "excluded_draws"
        ]
    );
    assert_eq!(rows[0][1], "debt_gdp@..2031 > 0.75");
    assert_eq!(rows[0][2], "debt ever above 75 % by 2031");
    assert_eq!(rows[1][1], "debt_gdp@2030 > 0.7");
    let p = column(&h, &rows, "probability");
    assert_eq!(p, vec![ever, in2030, mean_growth]);
    assert!(
        p.iter().all(|&x| x > 0.02 && x < 0.98),
        "{p:?}: the thresholds bite"
    );
}

#[test]
fn bad_events_are_reported_where_they_stand() {
    let sc = format!(
        "{}\n[[montecarlo.probabilities]]\nevent = \"debt_gdp@2050 > 0.6\"\n",
        shocked()
    );
    let d = dir_with(&[("s.toml", &sc), ("ok.toml", &shocked())]);
    let out = fiscalsim()
        .args(["run", "s.toml", "--mc"])
        .current_dir(d.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("s.toml:") && err.contains("montecarlo.probabilities") && err.contains("2050"),
        "{err}"
    );
    for (args, needle) in [
        (
            vec!["run", "ok.toml", "--mc", "--prob", "debt_gdp@2031 >> 1"],
            "--prob",
        ),
        (
            vec!["run", "ok.toml", "--mc", "--prob", "debt_gdp@2040 > 0.6"],
            "outside",
        ),
        (
            vec!["run", "ok.toml", "--mc", "--prob-out", "p.csv"],
            "no probabilities",
        ),
        (
            vec!["run", "ok.toml", "--prob", "debt_gdp@2030 > 0.6"],
            "Monte Carlo",
        ),
    ] {
        let out = fiscalsim()
            .args(&args)
            .current_dir(d.path())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(needle), "{args:?}: {err}");
    }
}

/// With fat tails (Student t, 2.5 degrees of freedom) some sums of squares overflow:
/// the sd was printed as 0 beside a visible spread (inf - inf, clamped). An overflowed
/// statistic is `inf` (or empty), counted and warned about, never 0.
#[test]
fn statistics_that_overflow_are_flagged_never_zero() {
    let out = fiscalsim()
        .args([
            "run",
            "scenarios/kazakhstan-2026-2040.toml",
            "--set",
            "shocks.distribution=\"student_t\"",
            "--set",
            "shocks.dof=2.5",
            "--draws",
            "5000",
            "--seed",
            "3",
        ])
        .output()
        .expect("run");
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(
            "warning: 16 statistics overflowed the range of f64 (their sums exceed 1.8e308), \
             the first the sd of interest in 2038"
        ),
        "{stderr}"
    );
    let (header, rows) = read_csv(&String::from_utf8_lossy(&out.stdout));
    let at = |name: &str| header.iter().position(|h| h == name).expect("column");
    let (sd, p05, p95) = (at("sd"), at("p05"), at("p95"));
    let mut flagged = 0;
    for r in &rows {
        if r[sd] == "0" {
            assert_eq!(r[p05], r[p95], "sd 0 beside a spread: {r:?}");
        }
        flagged += usize::from(r[sd] == "inf");
    }
    assert!(flagged >= 1, "no sd was flagged");
}
