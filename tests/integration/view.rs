//! `run --vars` and `--precision`: a rounded, narrowed CSV for people; the default stays
//! exact.

use crate::util::{TOY, column, dir_with, fiscalsim, read_csv};

fn run(dir: &std::path::Path, extra: &[&str]) -> (Option<i32>, String, String) {
    let o = fiscalsim()
        .args(["run", "toy.toml"])
        .args(extra)
        .current_dir(dir)
        .output()
        .unwrap();
    (
        o.status.code(),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

#[test]
fn vars_and_precision_narrow_and_round_the_csv() {
    let dir = dir_with(&[("toy.toml", TOY)]);
    let (_, exact, _) = run(dir.path(), &[]);
    let (code, text, err) = run(
        dir.path(),
        &["--vars", "debt_gdp,gdp_nominal", "--precision", "3"],
    );
    assert_eq!(code, Some(0), "{err}");
    let (h, rows) = read_csv(&text);
    assert_eq!(h, ["scenario", "year", "debt_gdp", "gdp_nominal"]);
    let (he, re) = read_csv(&exact);
    for name in ["debt_gdp", "gdp_nominal"] {
        for (a, b) in column(&h, &rows, name).iter().zip(column(&he, &re, name)) {
            assert_eq!(*a, format!("{b:.2e}").parse::<f64>().unwrap(), "{name}");
        }
    }
    // Monte Carlo summaries keep the rows of the variables asked for
    let (code, text, _) = run(dir.path(), &["--draws", "50", "--vars", "real_growth"]);
    assert_eq!(code, Some(0));
    let (h, rows) = read_csv(&text);
    let v = h.iter().position(|c| c == "variable").unwrap();
    assert!(!rows.is_empty() && rows.iter().all(|r| r[v] == "real_growth"));
    // mistakes: exit 2, nothing on standard output
    let (code, text, err) = run(dir.path(), &["--vars", "debt_gpd"]);
    assert_eq!(code, Some(2));
    assert!(
        text.is_empty() && err.contains("did you mean `debt_gdp`?"),
        "{err}"
    );
    let (code, _, err) = run(dir.path(), &["--precision", "0"]);
    assert_eq!(code, Some(2));
    assert!(err.contains("--precision"), "{err}");
}
