//! The catalogue of bad inputs: every way a user can go wrong, with the exact message it
//! must give. Each case runs in a fresh copy of `tests/bad_inputs/` (plus an existing
//! output `existing.csv` and an empty directory `a_directory/`) and must exit with code 2,
//! print nothing on standard output, print exactly `stderr` (plus a final newline) on
//! standard error, and leave every file of the directory as it was: no output written,
//! no temporary file left, the existing output untouched.
//!
//! To add a case: add a fixture file under `tests/bad_inputs/` if needed and a [`Case`]
//! below; the message is part of the contract, so write it out in full.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::util::{fiscalsim, root};

/// One bad input: the command line (run in the fixture directory) and the exact message.
/// `{SECTIONS}` in a message stands for the scenario's sections, in order
/// ([`fiscalsim::scenario::SECTIONS`]): the list grows as features add sections.
struct Case {
    name: &'static str,
    args: &'static [&'static str],
    stderr: &'static str,
}

/// Every file under `dir` (relative path -> bytes), directories as empty entries.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Option<Vec<u8>>> {
    fn walk(base: &Path, dir: &Path, out: &mut BTreeMap<PathBuf, Option<Vec<u8>>>) {
        for entry in std::fs::read_dir(dir).expect("read fixture dir") {
            let path = entry.expect("dir entry").path();
            let rel = path.strip_prefix(base).expect("under base").to_path_buf();
            if path.is_dir() {
                out.insert(rel, None);
                walk(base, &path, out);
            } else {
                out.insert(rel, Some(std::fs::read(&path).expect("read fixture")));
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

/// A fresh working directory: the fixtures, `existing.csv` and `a_directory/`.
fn workspace() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    let fixtures = root().join("tests").join("bad_inputs");
    for entry in std::fs::read_dir(&fixtures).expect("fixtures") {
        let path = entry.expect("entry").path();
        std::fs::copy(&path, dir.path().join(path.file_name().expect("name"))).expect("copy");
    }
    std::fs::write(dir.path().join("existing.csv"), "previous results\n").expect("write");
    std::fs::create_dir(dir.path().join("a_directory")).expect("mkdir");
    dir
}

/// Runs one case; returns what is wrong with the outcome, if anything.
fn check(case: &Case) -> Option<String> {
    let dir = workspace();
    let before = snapshot(dir.path());
    let out = fiscalsim()
        .args(case.args)
        .current_dir(dir.path())
        .output()
        .expect("run fiscalsim");
    let after = snapshot(dir.path());
    let stderr = String::from_utf8_lossy(&out.stderr);
    let mut problems = Vec::new();
    if out.status.code() != Some(2) {
        problems.push(format!("exit code {:?}, expected 2", out.status.code()));
    }
    if !out.stdout.is_empty() {
        problems.push(format!(
            "wrote {} bytes to standard output",
            out.stdout.len()
        ));
    }
    let expected = case
        .stderr
        .replace("{SECTIONS}", &fiscalsim::scenario::SECTIONS.join(", "));
    if stderr != format!("{expected}\n") {
        problems.push(format!(
            "standard error differs:\n--- expected\n{expected}\n--- got\n{stderr}"
        ));
    }
    if before != after {
        let changed: Vec<String> = before
            .keys()
            .chain(after.keys())
            .filter(|k| before.get(*k) != after.get(*k))
            .map(|k| k.display().to_string())
            .collect();
        problems.push(format!("files changed: {}", changed.join(", ")));
    }
    (!problems.is_empty()).then(|| format!("case `{}`: {}", case.name, problems.join("; ")))
}

#[test]
fn every_bad_input_gives_its_exact_message_exit_code_2_and_writes_nothing() {
    assert!(CASES.len() >= 40, "the catalogue has {} cases", CASES.len());
    let failures: Vec<String> = CASES.iter().filter_map(check).collect();
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n\n{}",
        failures.len(),
        CASES.len(),
        failures.join("\n\n")
    );
}

#[test]
fn every_fixture_file_is_used_by_a_case() {
    let fixtures = root().join("tests").join("bad_inputs");
    let used: Vec<&str> = CASES.iter().flat_map(|c| c.args.iter().copied()).collect();
    // Files used only as parents or cycle partners of other fixtures.
    let helpers = ["good.toml", "valid_child.toml", "extends_cycle_b.toml"];
    for entry in std::fs::read_dir(fixtures).expect("fixtures") {
        let name = entry
            .expect("entry")
            .file_name()
            .to_string_lossy()
            .into_owned();
        assert!(
            helpers.contains(&name.as_str()) || used.contains(&name.as_str()),
            "fixture {name} has no case"
        );
    }
}

#[test]
fn the_good_fixture_runs_so_each_case_fails_for_its_own_mistake() {
    let dir = workspace();
    fiscalsim()
        .args(["run", "valid_child.toml", "--out", "existing.csv"])
        .current_dir(dir.path())
        .assert()
        .success();
    let text = std::fs::read_to_string(dir.path().join("existing.csv")).expect("output");
    assert!(text.starts_with("scenario,year,gdp_real,"), "{text}");
    assert_eq!(text.lines().count(), 3, "header and 2026, 2027");
}

/// Permission denied cannot be provoked when the tests run as root; then the message is
/// checked on the library's description of the error instead.
#[cfg(unix)]
#[test]
fn an_unreadable_file_is_named_with_the_reason() {
    use std::os::unix::fs::PermissionsExt;
    let dir = workspace();
    let locked = dir.path().join("good.toml");
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).expect("chmod");
    if std::fs::read(&locked).is_ok() {
        let e = std::io::Error::from(std::io::ErrorKind::PermissionDenied);
        assert_eq!(
            fiscalsim::error::describe_io(&e),
            "permission denied (check the file's permissions)"
        );
        return;
    }
    fiscalsim()
        .args(["run", "good.toml", "--out", "existing.csv"])
        .current_dir(dir.path())
        .assert()
        .code(2)
        .stdout("")
        .stderr(
            "error: cannot read `good.toml`: permission denied (check the file's permissions)\n",
        );
}

const CASES: &[Case] = &[
    Case {
        name: "correlation_asymmetric",
        args: &[
            "run",
            "correlation_asymmetric.toml",
            "--out",
            "existing.csv",
        ],
        stderr: r#"error: invalid scenario:
correlation_asymmetric.toml:3:15: `shocks.correlation`: the matrix must be symmetric, but entry [0][1] is 0.5 and [1][0] is 0.2"#,
    },
    Case {
        name: "correlation_diagonal",
        args: &["run", "correlation_diagonal.toml", "--out", "existing.csv"],
        stderr: r#"error: invalid scenario:
correlation_diagonal.toml:3:15: `shocks.correlation`: the diagonal must be 1, but entry [1][1] is 2"#,
    },
    Case {
        name: "correlation_not_psd",
        args: &["run", "correlation_not_psd.toml", "--out", "existing.csv"],
        stderr: r#"error: invalid scenario:
correlation_not_psd.toml:3:15: `shocks.correlation`: the matrix is not positive semi-definite (smallest eigenvalue -8.000e-1): these correlations cannot hold together; lower the largest ones"#,
    },
    Case {
        name: "correlation_short_row",
        args: &["run", "correlation_short_row.toml", "--out", "existing.csv"],
        stderr: r#"error: invalid scenario:
correlation_short_row.toml:6:3: `shocks.correlation`: expected a 7x7 matrix (or 6x6 without the seventh shock): a list of 7 rows of 7 numbers, in the shock order potential_growth, demand, inflation, commodity_price, interest_rate, exchange_rate, primary_balance"#,
    },
    Case {
        name: "correlation_wrong_size",
        args: &[
            "run",
            "correlation_wrong_size.toml",
            "--out",
            "existing.csv",
        ],
        stderr: r#"error: invalid scenario:
correlation_wrong_size.toml:3:15: `shocks.correlation`: expected a 7x7 matrix (or 6x6 without the seventh shock): a list of 7 rows of 7 numbers, in the shock order potential_growth, demand, inflation, commodity_price, interest_rate, exchange_rate, primary_balance"#,
    },
    Case {
        name: "date_value",
        args: &["run", "date_value.toml", "--out", "existing.csv"],
        stderr: r#"error: invalid scenario:
date_value.toml:2:13: `base_year`: dates are not used in scenarios, found `2025-01-01` (write a year as a whole number, e.g. 2025, or a quoted string)"#,
    },
    Case {
        name: "debt_explodes",
        args: &["run", "debt_explodes.toml", "--out", "existing.csv"],
        stderr: r#"error: the projection breaks down in 2027: `interest` is inf, not a finite number: debt and interest grow without bound (interest rate 1.018e302 %, debt was 4.517e301 % of GDP the year before); check interest_rate, debt_premium and the primary balance"#,
    },
    Case {
        name: "distribution_unknown",
        args: &["run", "distribution_unknown.toml", "--out", "existing.csv"],
        stderr: r#"error: invalid scenario:
distribution_unknown.toml:3:16: `shocks.distribution`: must be "normal" or "student_t""#,
    },
    Case {
        name: "dof_too_small",
        args: &["run", "dof_too_small.toml", "--out", "existing.csv"],
        stderr: r#"error: invalid scenario:
dof_too_small.toml:4:7: `shocks.dof`: must be a number greater than 2 (the t distribution has no variance otherwise), found 2"#,
    },
    Case {
        name: "dof_with_normal",
        args: &["run", "dof_with_normal.toml", "--out", "existing.csv"],
        stderr: r#"error: invalid scenario:
dof_with_normal.toml:3:7: `shocks.dof`: dof applies only with distribution = "student_t""#,
    },
    Case {
        name: "draws_fraction",
        args: &["run", "draws_fraction.toml", "--out", "existing.csv"],
        stderr: r#"error: invalid scenario:
draws_fraction.toml:3:9: `montecarlo.draws`: expected a whole number, found 10.5"#,
    },
    Case {
        name: "draws_huge",
        args: &["run", "draws_huge.toml", "--out", "existing.csv"],
        stderr: r#"error: invalid scenario:
draws_huge.toml:3:9: `montecarlo.draws`: must be from 1 to 1000000000, found 100000000000"#,
    },
    Case {
        name: "draws_zero",
        args: &["run", "draws_zero.toml", "--out", "existing.csv"],
        stderr: r#"error: invalid scenario:
draws_zero.toml:3:9: `montecarlo.draws`: must be from 1 to 1000000000, found 0"#,
    },
    Case {
        name: "empty",
        args: &["run", "empty.toml", "--out", "existing.csv"],
        stderr: r#"error: invalid scenario:
empty.toml: the file is empty: a scenario needs at least `name`, `base_year`, `end_year`, [initial], [baseline] and [policy]"#,
    },
    Case {
        name: "end_year_before_base",
        args: &["run", "end_year_before_base.toml", "--out", "existing.csv"],
        stderr: r#"error: invalid scenario:
end_year_before_base.toml:3:12: `end_year`: must be after base_year 2025 and at most 500 years later, found 2020"#,
    },
    Case {
        name: "extends_cycle_a",
        args: &["run", "extends_cycle_a.toml", "--out", "existing.csv"],
        stderr: r#"error: invalid scenario:
extends_cycle_b.toml:1:11: `extends`: `extends` forms a cycle: extends_cycle_a.toml -> extends_cycle_b.toml -> extends_cycle_a.toml (a scenario cannot extend itself, directly or through others)"#,
    },
    Case {
        name: "extends_directory",
        args: &["run", "extends_directory.toml", "--out", "existing.csv"],
        stderr: r#"error: invalid scenario:
extends_directory.toml:1:11: `extends`: `.` is a directory: `extends` names a scenario file (e.g. "kazakhstan-2026-2028.toml")"#,
    },
    Case {
        name: "extends_missing",
        args: &["run", "extends_missing.toml", "--out", "existing.csv"],
        stderr: r#"error: invalid scenario:
extends_missing.toml:1:11: `extends`: cannot find `no-such-parent.toml` (paths in `extends` are relative to the file that names them)"#,
    },
    Case {
        name: "extends_not_string",
        args: &["run", "extends_not_string.toml", "--out", "existing.csv"],
        stderr: r#"error: invalid scenario:
extends_not_string.toml:1:11: `extends`: expected a file name (a string such as "kazakhstan-2026-2028.toml"), found an integer"#,
    },
    Case {
        name: "gdp_collapse",
        args: &["run", "gdp_collapse.toml", "--out", "existing.csv"],
        stderr: r#"error: the projection breaks down in 2026: real GDP `gdp_real` is -399 and must stay positive: the output gap is -480.0 % and potential growth 5.0 % (a gap or growth at or below -100 % wipes out output; check multipliers, policy jumps and growth paths)"#,
    },
    Case {
        name: "inf_path",
        args: &["run", "inf_path.toml", "--out", "existing.csv"],
        stderr: r#"error: invalid scenario:
inf_path.toml:3:15: `baseline.real_growth`: must be a finite number, found inf (in 2026)"#,
    },
    Case {
        name: "integer_too_large",
        args: &["run", "integer_too_large.toml", "--out", "existing.csv"],
        stderr: r#"error: invalid scenario:
integer_too_large.toml:3:8: `montecarlo.seed`: integer `99999999999999999999` is out of range (whole numbers must lie within ±9223372036854775807)"#,
    },
    Case {
        name: "key_in_wrong_section",
        args: &["run", "key_in_wrong_section.toml", "--out", "existing.csv"],
        stderr: r#"error: invalid scenario:
key_in_wrong_section.toml:3:1: `structure.interest_rate`: unknown key `interest_rate`: `interest_rate` belongs in [initial] or [baseline] (valid keys: capital_share, efficiency, depreciation, public_capital_elasticity, spending_multiplier, revenue_multiplier, gap_persistence, debt_premium, debt_threshold, commodity_revenue_elasticity, fx_debt_share, debt_maturity, cyclical_revenue_semi_elasticity, commodity_gap_elasticity, adjustment_multiplier)"#,
    },
    Case {
        name: "missing_everything",
        args: &["run", "missing_everything.toml", "--out", "existing.csv"],
        stderr: r#"error: invalid scenario:
missing_everything.toml: `name`: missing: every scenario needs a `name` (it is the first column of the outputs)
missing_everything.toml: `base_year`: missing: give the base year of observed values, e.g. base_year = 2025
missing_everything.toml: `initial`: missing: the [initial] section gives the base-year values (gdp_nominal, debt_gdp, ...)
missing_everything.toml: `baseline`: missing: the [baseline] section gives the baseline assumptions (real_growth, inflation, ...)
missing_everything.toml: `policy`: missing: the [policy] section gives the policy paths (growth_spending_gdp, other_spending_gdp, ...)
missing_everything.toml: `end_year`: missing: give the last projection year, e.g. end_year = 2030"#,
    },
    Case {
        name: "misspelt_policy_key",
        args: &["run", "misspelt_policy_key.toml", "--out", "existing.csv"],
        stderr: r#"error: invalid scenario:
misspelt_policy_key.toml:3:1: `policy.revenue_gpd`: unknown key `revenue_gpd`: did you mean `revenue_gdp`? (valid keys: growth_spending_gdp, other_spending_gdp, primary_spending_gdp, growth_spending_share, revenue_gdp, commodity_revenue_gdp, other_flows_gdp)"#,
    },
    Case {
        name: "nan_value",
        args: &["run", "nan_value.toml", "--out", "existing.csv"],
        stderr: r#"error: invalid scenario:
nan_value.toml:3:14: `structure.efficiency`: must be a finite number, found NaN"#,
    },
    Case {
        name: "nesting_too_deep",
        args: &["run", "nesting_too_deep.toml", "--out", "existing.csv"],
        stderr: r#"error: invalid scenario:
nesting_too_deep.toml:3:97: TOML syntax error: cannot recurse further; max recursion depth met"#,
    },
    Case {
        name: "not_utf8",
        args: &["run", "not_utf8.toml", "--out", "existing.csv"],
        stderr: r#"error: invalid scenario:
not_utf8.toml:2:19: the file is not valid UTF-8 text: invalid byte sequence starting with 0xe9 (save the file as UTF-8)"#,
    },
    Case {
        name: "path_bad_interp",
        args: &["run", "path_bad_interp.toml", "--out", "existing.csv"],
        stderr: r#"error: invalid scenario:
path_bad_interp.toml:3:51: `policy.revenue_gdp`: `interp` must be "linear" or "step""#,
    },
    Case {
        name: "path_key_not_year",
        args: &["run", "path_key_not_year.toml", "--out", "existing.csv"],
        stderr: r#"error: invalid scenario:
path_key_not_year.toml:3:29: `policy.revenue_gdp`: `next` is not a year: a path table has year keys (e.g. { 2026 = 0.1 }) and optionally interp = "step""#,
    },
    Case {
        name: "path_list_wrong_length",
        args: &[
            "run",
            "path_list_wrong_length.toml",
            "--out",
            "existing.csv",
        ],
        stderr: r#"error: invalid scenario:
path_list_wrong_length.toml:3:15: `baseline.real_growth`: a list needs one value per projection year: 2 values for 2026..=2027, found 3 (or write a year-keyed table such as { 2026 = 0.1 })"#,
    },
    Case {
        name: "path_year_before_base",
        args: &["run", "path_year_before_base.toml", "--out", "existing.csv"],
        stderr: r#"error: invalid scenario:
path_year_before_base.toml:3:17: `policy.revenue_gdp`: year 2020 is before the base year 2025: path years must be 2025 or later"#,
    },
    Case {
        name: "persistence_wrong_size",
        args: &[
            "run",
            "persistence_wrong_size.toml",
            "--out",
            "existing.csv",
        ],
        stderr: r#"error: invalid scenario:
persistence_wrong_size.toml:3:15: `shocks.persistence`: expected 6 or 7 numbers, one per shock in the order potential_growth, demand, inflation, commodity_price, interest_rate, exchange_rate, primary_balance (or a table keyed by shock name), found a list of 3"#,
    },
    Case {
        name: "quantile_above_one",
        args: &["run", "quantile_above_one.toml", "--out", "existing.csv"],
        stderr: r#"error: invalid scenario:
quantile_above_one.toml:3:19: `montecarlo.quantiles`: each quantile must be a number strictly between 0 and 1, e.g. [0.05, 0.5, 0.95], found 1.5"#,
    },
    Case {
        name: "quantiles_not_increasing",
        args: &[
            "run",
            "quantiles_not_increasing.toml",
            "--out",
            "existing.csv",
        ],
        stderr: r#"error: invalid scenario:
quantiles_not_increasing.toml:3:13: `montecarlo.quantiles`: quantiles must be increasing, each once"#,
    },
    Case {
        name: "sd_negative",
        args: &["run", "sd_negative.toml", "--out", "existing.csv"],
        stderr: r#"error: invalid scenario:
sd_negative.toml:3:6: `shocks.sd`: the sd of `demand` is -0.02: a standard deviation must be 0 or more"#,
    },
    Case {
        name: "sd_unknown_shock",
        args: &["run", "sd_unknown_shock.toml", "--out", "existing.csv"],
        stderr: r#"error: invalid scenario:
sd_unknown_shock.toml:3:33: `shocks.sd.oil`: unknown key `oil` (valid keys: potential_growth, demand, inflation, commodity_price, interest_rate, exchange_rate, primary_balance)"#,
    },
    Case {
        name: "sd_wrong_length",
        args: &["run", "sd_wrong_length.toml", "--out", "existing.csv"],
        stderr: r#"error: invalid scenario:
sd_wrong_length.toml:3:6: `shocks.sd`: expected 6 or 7 numbers, one per shock in the order potential_growth, demand, inflation, commodity_price, interest_rate, exchange_rate, primary_balance (or a table keyed by shock name), found a list of 5"#,
    },
    Case {
        name: "section_not_table",
        args: &["run", "section_not_table.toml", "--out", "existing.csv"],
        stderr: r#"error: invalid scenario:
section_not_table.toml:2:13: `structure`: expected a table [structure], found a float"#,
    },
    Case {
        name: "seed_negative",
        args: &["run", "seed_negative.toml", "--out", "existing.csv"],
        stderr: r#"error: invalid scenario:
seed_negative.toml:3:8: `montecarlo.seed`: must be 0 or more, found -1"#,
    },
    Case {
        name: "several_mistakes",
        args: &["run", "several_mistakes.toml", "--out", "existing.csv"],
        stderr: r#"error: invalid scenario:
several_mistakes.toml:7:12: `initial.debt_gdp`: must be 0 or more, found -0.5
several_mistakes.toml:16:1: `baseline.inflaton`: unknown key `inflaton`: did you mean `inflation`? (valid keys: real_growth, inflation, growth_spending_gdp, primary_spending_gdp, growth_spending_share, revenue_gdp, commodity_price, exchange_rate, interest_rate)
several_mistakes.toml:26:15: `policy.revenue_gdp`: must be a share in [0, 1] (0.109 means 10.9 %), found 1.7: did you mean 0.017? (in 2026)
several_mistakes.toml:29:6: `shocks.sd`: the sd of `inflation` is -0.01: a standard deviation must be 0 or more
several_mistakes.toml:30:7: `shocks.dof`: dof applies only with distribution = "student_t""#,
    },
    Case {
        name: "share_negative_in_path",
        args: &[
            "run",
            "share_negative_in_path.toml",
            "--out",
            "existing.csv",
        ],
        stderr: r#"error: invalid scenario:
share_negative_in_path.toml:3:22: `policy.other_spending_gdp`: must be a share in [0, 1] (0.109 means 10.9 %), found -0.1 (in 2027)"#,
    },
    Case {
        name: "share_percent",
        args: &["run", "share_percent.toml", "--out", "existing.csv"],
        stderr: r#"error: invalid scenario:
share_percent.toml:3:15: `policy.revenue_gdp`: must be a share in [0, 1] (0.109 means 10.9 %), found 20: did you mean 0.2? (in 2026)"#,
    },
    Case {
        name: "spending_both_forms",
        args: &["run", "spending_both_forms.toml", "--out", "existing.csv"],
        stderr: r#"error: invalid scenario:
spending_both_forms.toml:5:24: `policy.primary_spending_gdp`: spending is given in both forms (growth_spending_gdp, other_spending_gdp and primary_spending_gdp): state it either as shares of GDP (growth_spending_gdp, other_spending_gdp) or as primary_spending_gdp with growth_spending_share"#,
    },
    Case {
        name: "structure_share_out_of_range",
        args: &[
            "run",
            "structure_share_out_of_range.toml",
            "--out",
            "existing.csv",
        ],
        stderr: r#"error: invalid scenario:
structure_share_out_of_range.toml:3:17: `structure.capital_share`: must be a share in [0, 1] (0.109 means 10.9 %), found 1.5: did you mean 0.015?"#,
    },
    Case {
        name: "student_t_without_dof",
        args: &["run", "student_t_without_dof.toml", "--out", "existing.csv"],
        stderr: r#"error: invalid scenario:
student_t_without_dof.toml:3:16: `shocks.dof`: missing: distribution = "student_t" needs dof > 2, e.g. dof = 5"#,
    },
    Case {
        name: "syntax_duplicate_key",
        args: &["run", "syntax_duplicate_key.toml", "--out", "existing.csv"],
        stderr: r#"error: invalid scenario:
syntax_duplicate_key.toml:4:1: TOML syntax error: duplicate key"#,
    },
    Case {
        name: "syntax_several_errors",
        args: &["run", "syntax_several_errors.toml", "--out", "existing.csv"],
        stderr: r#"error: invalid scenario:
syntax_several_errors.toml:2:13: TOML syntax error: extra `=`, expected nothing
syntax_several_errors.toml:2:15: TOML syntax error: unexpected key or value, expected newline, `#`
syntax_several_errors.toml:3:10: TOML syntax error: key with no value, expected `=`
syntax_several_errors.toml:4:9: TOML syntax error: unclosed table, expected `]`"#,
    },
    Case {
        name: "syntax_unterminated_string",
        args: &[
            "run",
            "syntax_unterminated_string.toml",
            "--out",
            "existing.csv",
        ],
        stderr: r#"error: invalid scenario:
syntax_unterminated_string.toml:1:15: TOML syntax error: invalid basic string, expected `"`"#,
    },
    Case {
        name: "unknown_section",
        args: &["run", "unknown_section.toml", "--out", "existing.csv"],
        stderr: r#"error: invalid scenario:
unknown_section.toml:2:2: `polcy`: unknown key `polcy`: did you mean `policy`? (valid keys: name, description, base_year, end_year, years, currency, extends, allow_extreme, initial, baseline, policy, structure, fund, rules, shocks, montecarlo, stress, uncertainty, sweep)"#,
    },
    Case {
        name: "unknown_top_key",
        args: &["run", "unknown_top_key.toml", "--out", "existing.csv"],
        stderr: r#"error: invalid scenario:
unknown_top_key.toml:2:1: `base_yeer`: unknown key `base_yeer`: did you mean `base_year`? (valid keys: name, description, base_year, end_year, years, currency, extends, allow_extreme, initial, baseline, policy, structure, fund, rules, shocks, montecarlo, stress, uncertainty, sweep)"#,
    },
    Case {
        name: "wrong_type_base_year",
        args: &["run", "wrong_type_base_year.toml", "--out", "existing.csv"],
        stderr: r#"error: invalid scenario:
wrong_type_base_year.toml:2:13: `base_year`: expected a whole number, found 2025.5"#,
    },
    Case {
        name: "wrong_type_path_bool",
        args: &["run", "wrong_type_path_bool.toml", "--out", "existing.csv"],
        stderr: r#"error: invalid scenario:
wrong_type_path_bool.toml:3:15: `policy.revenue_gdp`: expected a time path (a number, a list with one number per year, or a year-keyed table), found a boolean"#,
    },
    Case {
        name: "wrong_type_string_number",
        args: &[
            "run",
            "wrong_type_string_number.toml",
            "--out",
            "existing.csv",
        ],
        stderr: r#"error: invalid scenario:
wrong_type_string_number.toml:3:15: `initial.gdp_nominal`: expected a number, found a string"#,
    },
    Case {
        name: "years_disagree",
        args: &["run", "years_disagree.toml", "--out", "existing.csv"],
        stderr: r#"error: invalid scenario:
years_disagree.toml:4:9: `years`: disagrees with end_year: give one of them"#,
    },
    Case {
        name: "set_without_equals",
        args: &[
            "run",
            "good.toml",
            "--set",
            "policy.revenue_gdp",
            "--out",
            "existing.csv",
        ],
        stderr: r#"error: invalid value 'policy.revenue_gdp' for '--set <KEY=VALUE>': `policy.revenue_gdp` has no `=`: write KEY=VALUE, e.g. `structure.spending_multiplier=0.6`

For more information, try '--help'."#,
    },
    Case {
        name: "set_empty_value",
        args: &[
            "run",
            "good.toml",
            "--set",
            "policy.revenue_gdp=",
            "--out",
            "existing.csv",
        ],
        stderr: r#"error: invalid value 'policy.revenue_gdp=' for '--set <KEY=VALUE>': `policy.revenue_gdp=` has no value after `=`

For more information, try '--help'."#,
    },
    Case {
        name: "set_bad_key_path",
        args: &[
            "run",
            "good.toml",
            "--set",
            "policy..x=1",
            "--out",
            "existing.csv",
        ],
        stderr: r#"error: invalid value 'policy..x=1' for '--set <KEY=VALUE>': `policy..x` is not a key path (write dotted keys such as `structure.spending_multiplier` or `policy.revenue_gdp@2028`)

For more information, try '--help'."#,
    },
    Case {
        name: "set_bad_year",
        args: &[
            "run",
            "good.toml",
            "--set",
            "policy.revenue_gdp@20x8=0.2",
            "--out",
            "existing.csv",
        ],
        stderr: r#"error: invalid value 'policy.revenue_gdp@20x8=0.2' for '--set <KEY=VALUE>': `20x8` after `@` is not a year (write e.g. `policy.revenue_gdp@2028`)

For more information, try '--help'."#,
    },
    Case {
        name: "set_misspelt_key",
        args: &[
            "run",
            "good.toml",
            "--set",
            "policy.revenue_gpd=0.2",
            "--out",
            "existing.csv",
        ],
        stderr: r#"error: invalid scenario:
--set 'policy.revenue_gpd=0.2': `policy.revenue_gpd`: unknown key `revenue_gpd`: did you mean `revenue_gdp`? (valid keys: growth_spending_gdp, other_spending_gdp, primary_spending_gdp, growth_spending_share, revenue_gdp, commodity_revenue_gdp, other_flows_gdp)"#,
    },
    Case {
        name: "set_unknown_top_key",
        args: &[
            "run",
            "good.toml",
            "--set",
            "nonsense=1",
            "--out",
            "existing.csv",
        ],
        stderr: r#"error: invalid scenario:
--set 'nonsense=1': `nonsense`: unknown key `nonsense` (valid keys: name, description, base_year, end_year, years, currency, extends, allow_extreme, initial, baseline, policy, structure, fund, rules, shocks, montecarlo, stress, uncertainty, sweep)"#,
    },
    Case {
        name: "set_bad_toml_value",
        args: &[
            "run",
            "good.toml",
            "--set",
            "policy.revenue_gdp=[0.1,",
            "--out",
            "existing.csv",
        ],
        stderr: r#"error: invalid scenario:
--set 'policy.revenue_gdp=[0.1,': `policy.revenue_gdp`: `[0.1,` is not a valid value: unclosed array, expected `]` (write a number, a list `[0.1, 0.2]`, a table `{2026 = 0.1}` or a quoted string)"#,
    },
    Case {
        name: "set_year_outside_projection",
        args: &[
            "run",
            "good.toml",
            "--set",
            "policy.revenue_gdp@2040=0.2",
            "--out",
            "existing.csv",
        ],
        stderr: r#"error: invalid scenario:
--set 'policy.revenue_gdp@2040=0.2': `policy.revenue_gdp@2040`: 2040 is not a projection year (2026..=2027)"#,
    },
    Case {
        name: "set_year_on_scalar",
        args: &[
            "run",
            "good.toml",
            "--set",
            "structure.capital_share@2026=0.2",
            "--out",
            "existing.csv",
        ],
        stderr: r#"error: invalid scenario:
--set 'structure.capital_share@2026=0.2': `structure.capital_share@2026`: only time paths in [baseline], [policy], [fund] or [rules] take `@YEAR`; set a scalar without it"#,
    },
    Case {
        name: "set_several_mistakes",
        args: &[
            "run",
            "good.toml",
            "--set",
            "policy.revenue_gdp=1.5",
            "--set",
            "shocks.sd=-1",
            "--set",
            "montecarlo.draws=0",
            "--out",
            "existing.csv",
        ],
        stderr: r#"error: invalid scenario:
--set 'montecarlo.draws=0': `montecarlo.draws`: must be from 1 to 1000000000, found 0
--set 'policy.revenue_gdp=1.5': `policy.revenue_gdp`: must be a share in [0, 1] (0.109 means 10.9 %), found 1.5: did you mean 0.015? (in 2026)
--set 'shocks.sd=-1': `shocks.sd`: expected 6 or 7 numbers, one per shock in the order potential_growth, demand, inflation, commodity_price, interest_rate, exchange_rate, primary_balance (or a table keyed by shock name), found an integer"#,
    },
    Case {
        name: "set_end_year_before_base",
        args: &[
            "run",
            "good.toml",
            "--set",
            "end_year=2020",
            "--out",
            "existing.csv",
        ],
        stderr: r#"error: invalid scenario:
--set 'end_year=2020': `end_year`: must be after base_year 2025 and at most 500 years later, found 2020"#,
    },
    Case {
        name: "set_dof_too_small",
        args: &[
            "resolve",
            "good.toml",
            "--set",
            "shocks.distribution=student_t",
            "--set",
            "shocks.dof=1",
            "--out",
            "existing.csv",
        ],
        stderr: r#"error: invalid scenario:
--set 'shocks.dof=1': `shocks.dof`: must be a number greater than 2 (the t distribution has no variance otherwise), found 1"#,
    },
    Case {
        name: "set_quantile_outside",
        args: &[
            "resolve",
            "good.toml",
            "--set",
            "montecarlo.quantiles=[0.5, 1]",
            "--out",
            "existing.csv",
        ],
        stderr: r#"error: invalid scenario:
--set 'montecarlo.quantiles=[0.5, 1]': `montecarlo.quantiles`: each quantile must be a number strictly between 0 and 1, e.g. [0.05, 0.5, 0.95], found 1"#,
    },
    Case {
        name: "out_equals_input",
        args: &["run", "good.toml", "--out", "good.toml"],
        stderr: r#"error: invalid value for --out: `good.toml` is also an input: refusing to overwrite it (choose another output path)"#,
    },
    Case {
        name: "out_equals_extended_input",
        args: &["run", "valid_child.toml", "--out", "good.toml"],
        stderr: r#"error: invalid value for --out: `good.toml` is extended by the input `valid_child.toml`: refusing to overwrite it (choose another output path)"#,
    },
    Case {
        name: "resolve_out_equals_input",
        args: &["resolve", "good.toml", "--out", "good.toml"],
        stderr: r#"error: invalid value for --out: `good.toml` is also an input: refusing to overwrite it (choose another output path)"#,
    },
    Case {
        name: "out_in_missing_directory",
        args: &["run", "good.toml", "--out", "missing_dir/out.csv"],
        stderr: r#"error: cannot write `missing_dir/out.csv`: directory `missing_dir` does not exist (create it first, or choose another path)"#,
    },
    Case {
        name: "out_is_a_directory",
        args: &["run", "good.toml", "--out", "a_directory"],
        stderr: r#"error: cannot write `a_directory`: it is a directory (give a file path, e.g. `results/run.csv`)"#,
    },
    Case {
        name: "missing_file",
        args: &["run", "nope.toml", "--out", "existing.csv"],
        stderr: r#"error: cannot read `nope.toml`: no such file (check the name; a relative path is taken from the current directory)"#,
    },
    Case {
        name: "file_is_a_directory",
        args: &["run", "a_directory", "--out", "existing.csv"],
        stderr: r#"error: cannot read `a_directory`: it is a directory, not a file (give a file path)"#,
    },
    Case {
        name: "no_file_argument",
        args: &["run"],
        stderr: r#"error: the following required arguments were not provided:
  <FILE>

Usage: fiscalsim run <FILE>

For more information, try '--help'."#,
    },
    Case {
        name: "unknown_subcommand",
        args: &["qq", "good.toml"],
        stderr: r#"error: unrecognized subcommand 'qq'

Usage: fiscalsim <COMMAND>

For more information, try '--help'."#,
    },
    Case {
        name: "unknown_flag",
        args: &["run", "good.toml", "--outt", "existing.csv"],
        stderr: r#"error: unexpected argument '--outt' found

  tip: a similar argument exists: '--out'

Usage: fiscalsim run --out <PATH> <FILE>

For more information, try '--help'."#,
    },
    Case {
        name: "set_extends",
        args: &[
            "run",
            "good.toml",
            "--set",
            "extends=valid_child.toml",
            "--out",
            "existing.csv",
        ],
        stderr: r#"error: invalid scenario:
--set 'extends=valid_child.toml': `extends`: cannot be set with --set: inheritance is read from the files (write `extends` in the scenario file, or run the other file)"#,
    },
    Case {
        name: "sweep_vary_without_equals",
        args: &[
            "sweep",
            "good.toml",
            "--vary",
            "structure.spending_multiplier",
            "--out",
            "existing.csv",
        ],
        stderr: r#"error: invalid value 'structure.spending_multiplier' for '--vary <PATH=SPEC>': `structure.spending_multiplier` has no `=`: write PATH=SPEC, e.g. `structure.spending_multiplier=0.2:0.8:0.1`

For more information, try '--help'."#,
    },
    Case {
        name: "sweep_vary_misspelt_key",
        args: &[
            "sweep",
            "good.toml",
            "--vary",
            "structure.spending_mutliplier=0.2:0.8:0.1",
            "--out",
            "existing.csv",
        ],
        stderr: r#"error: invalid value for --vary: at structure.spending_mutliplier=0.2 the scenario is not valid:
--vary value 'structure.spending_mutliplier=0.2': `structure.spending_mutliplier`: unknown key `spending_mutliplier`: did you mean `spending_multiplier`? (valid keys: capital_share, efficiency, depreciation, public_capital_elasticity, spending_multiplier, revenue_multiplier, gap_persistence, debt_premium, debt_threshold, commodity_revenue_elasticity, fx_debt_share, debt_maturity, cyclical_revenue_semi_elasticity, commodity_gap_elasticity, adjustment_multiplier)"#,
    },
    Case {
        name: "sweep_vary_backwards_range",
        args: &[
            "sweep",
            "good.toml",
            "--vary",
            "structure.spending_multiplier=0.8:0.2:0.1",
            "--out",
            "existing.csv",
        ],
        stderr: r#"error: invalid value 'structure.spending_multiplier=0.8:0.2:0.1' for '--vary <PATH=SPEC>': `structure.spending_multiplier`: `0.8:0.2:0.1`: a step of 0.1 never goes from 0.8 to 0.2 (give the step the sign of the end minus the start)

For more information, try '--help'."#,
    },
    Case {
        name: "sweep_vary_zero_step",
        args: &[
            "sweep",
            "good.toml",
            "--vary",
            "structure.spending_multiplier=0.2:0.8:0",
            "--out",
            "existing.csv",
        ],
        stderr: r#"error: invalid value 'structure.spending_multiplier=0.2:0.8:0' for '--vary <PATH=SPEC>': `structure.spending_multiplier`: `0.2:0.8:0`: the step must not be 0

For more information, try '--help'."#,
    },
    Case {
        name: "sweep_vary_outside_valid_range",
        args: &[
            "sweep",
            "good.toml",
            "--vary",
            "structure.capital_share=0.5:1.5:0.5",
            "--out",
            "existing.csv",
        ],
        stderr: r#"error: invalid value for --vary: at structure.capital_share=1.5 the scenario is not valid:
--vary value 'structure.capital_share=1.5': `structure.capital_share`: must be a share in [0, 1] (0.109 means 10.9 %), found 1.5: did you mean 0.015?"#,
    },
    Case {
        name: "sweep_vary_year_outside_projection",
        args: &[
            "sweep",
            "good.toml",
            "--vary",
            "policy.revenue_gdp@2050=0.1,0.2",
            "--out",
            "existing.csv",
        ],
        stderr: r#"error: invalid value for --vary: at policy.revenue_gdp@2050=0.1 the scenario is not valid:
--vary value 'policy.revenue_gdp@2050=0.1': `policy.revenue_gdp@2050`: 2050 is not a projection year (2026..=2027)"#,
    },
    Case {
        name: "sweep_vary_twice",
        args: &[
            "sweep",
            "good.toml",
            "--vary",
            "structure.capital_share=0.1,0.2",
            "--vary",
            "structure.capital_share=0.3,0.4",
            "--out",
            "existing.csv",
        ],
        stderr: r#"error: invalid value for --vary: `structure.capital_share` is varied twice: give each parameter once"#,
    },
    Case {
        name: "sweep_nothing_to_vary",
        args: &["sweep", "good.toml", "--out", "existing.csv"],
        stderr: r#"error: invalid value for --vary: give at least one parameter to vary, e.g. --vary structure.spending_multiplier=0.2:0.8:0.1 (or a [sweep.vary] table in the scenario file)"#,
    },
    Case {
        name: "sweep_metric_misspelt",
        args: &[
            "sweep",
            "good.toml",
            "--vary",
            "structure.capital_share=0.2,0.3",
            "--metric",
            "debt_gpd@2027",
            "--out",
            "existing.csv",
        ],
        stderr: r#"error: invalid value 'debt_gpd@2027' for '--metric <M>': unknown variable `debt_gpd`: did you mean `debt_gdp`?

For more information, try '--help'."#,
    },
    Case {
        name: "sweep_metric_without_year",
        args: &[
            "sweep",
            "good.toml",
            "--vary",
            "structure.capital_share=0.2,0.3",
            "--metric",
            "debt_gdp",
            "--out",
            "existing.csv",
        ],
        stderr: r#"error: invalid value 'debt_gdp' for '--metric <M>': `debt_gdp` needs a year: write e.g. `debt_gdp@2040` or `real_growth@2026..2028`

For more information, try '--help'."#,
    },
    Case {
        name: "sweep_metric_year_outside",
        args: &[
            "sweep",
            "good.toml",
            "--vary",
            "structure.capital_share=0.2,0.3",
            "--metric",
            "debt_gdp@2040",
            "--out",
            "existing.csv",
        ],
        stderr: r#"error: invalid value for --metric: `debt_gdp@2040`: year 2040 in `debt_gdp@2040` is outside the projection years 2026..2027"#,
    },
    Case {
        name: "sweep_metric_quantile_above_one",
        args: &[
            "sweep",
            "good.toml",
            "--vary",
            "structure.capital_share=0.2,0.3",
            "--metric",
            "p150(debt_gdp@2027)",
            "--out",
            "existing.csv",
        ],
        stderr: r#"error: invalid value 'p150(debt_gdp@2027)' for '--metric <M>': `p150`: percentiles run from p1 to p99

For more information, try '--help'."#,
    },
    Case {
        name: "sweep_metric_quantile_zero",
        args: &[
            "sweep",
            "good.toml",
            "--vary",
            "structure.capital_share=0.2,0.3",
            "--metric",
            "p0(debt_gdp@2027)",
            "--out",
            "existing.csv",
        ],
        stderr: r#"error: invalid value 'p0(debt_gdp@2027)' for '--metric <M>': `p0`: percentiles run from p1 to p99

For more information, try '--help'."#,
    },
    Case {
        name: "sweep_metric_condition",
        args: &[
            "sweep",
            "good.toml",
            "--vary",
            "structure.capital_share=0.2,0.3",
            "--metric",
            "debt_gdp@2027>0.3",
            "--out",
            "existing.csv",
        ],
        stderr: r#"error: invalid value 'debt_gdp@2027>0.3' for '--metric <M>': `debt_gdp@2027>0.3` is a condition, not a number: wrap it in prob(...)

For more information, try '--help'."#,
    },
    Case {
        name: "sweep_draws_zero",
        args: &[
            "sweep",
            "good.toml",
            "--vary",
            "structure.capital_share=0.2,0.3",
            "--draws",
            "0",
            "--out",
            "existing.csv",
        ],
        stderr: r#"error: invalid value '0' for '--draws <N>': 0 draws: give a whole number of draws from 1 to 1000000000

For more information, try '--help'."#,
    },
    Case {
        name: "sweep_draws_huge",
        args: &[
            "sweep",
            "good.toml",
            "--vary",
            "structure.capital_share=0.2,0.3",
            "--draws",
            "100000000000",
            "--out",
            "existing.csv",
        ],
        stderr: r#"error: invalid value '100000000000' for '--draws <N>': 100000000000 draws: give a whole number of draws from 1 to 1000000000

For more information, try '--help'."#,
    },
    Case {
        name: "sweep_draws_not_a_number",
        args: &[
            "sweep",
            "good.toml",
            "--vary",
            "structure.capital_share=0.2,0.3",
            "--draws",
            "1e6",
            "--out",
            "existing.csv",
        ],
        stderr: r#"error: invalid value '1e6' for '--draws <N>': `1e6` is not a number of draws: give a whole number from 1 to 1000000000, e.g. --draws 10000

For more information, try '--help'."#,
    },
    Case {
        name: "sweep_lhs_without_samples",
        args: &[
            "sweep",
            "good.toml",
            "--design",
            "lhs",
            "--vary",
            "structure.capital_share=0.2:0.8",
            "--out",
            "existing.csv",
        ],
        stderr: r#"error: invalid value for --samples: --design lhs needs the number of points, e.g. --samples 200"#,
    },
    Case {
        name: "sweep_bad_shard",
        args: &[
            "sweep",
            "good.toml",
            "--vary",
            "structure.capital_share=0.2,0.3",
            "--shard",
            "3/2",
            "--out",
            "existing.csv",
        ],
        stderr: r#"error: invalid value '3/2' for '--shard <i/n>': `3/2` is not a shard: write i/n with 1 <= i <= n <= 100000, e.g. 3/8 (in a Slurm array: $SLURM_ARRAY_TASK_ID/8 with --array=1-8)

For more information, try '--help'."#,
    },
    Case {
        name: "sensitivity_draws_zero",
        args: &[
            "sensitivity",
            "good.toml",
            "--method",
            "oat",
            "--vary",
            "structure.capital_share=0.2:0.8",
            "--metric",
            "debt_gdp@2027",
            "--draws",
            "0",
            "--out",
            "existing.csv",
        ],
        stderr: r#"error: invalid value '0' for '--draws <N>': 0 draws: give a whole number of draws from 1 to 1000000000

For more information, try '--help'."#,
    },
    Case {
        name: "calibrate_missing_file",
        args: &["calibrate", "nope.csv", "--out", "existing.csv"],
        stderr: r#"error: cannot read `nope.csv`: no such file (check the name; a relative path is taken from the current directory)"#,
    },
    Case {
        name: "calibrate_not_a_csv",
        args: &["calibrate", "good.toml", "--out", "existing.csv"],
        stderr: r#"error: good.toml:1:1: no `year` column: the first line must name the columns, one of them `year` (found: name = "good")"#,
    },
    Case {
        name: "calibrate_unknown_shock",
        args: &[
            "calibrate",
            "history.csv",
            "--map",
            "oil=brent_usd",
            "--out",
            "existing.csv",
        ],
        stderr: r#"error: invalid value 'oil=brent_usd' for '--map <SHOCK=COLUMN[:TRANSFORM]>': unknown shock `oil`; the shocks are potential_growth, demand, inflation, commodity_price, interest_rate, exchange_rate, primary_balance

For more information, try '--help'."#,
    },
    Case {
        name: "calibrate_unknown_transform",
        args: &[
            "calibrate",
            "history.csv",
            "--map",
            "commodity_price=brent_usd_eia:log",
            "--out",
            "existing.csv",
        ],
        stderr: r#"error: invalid value 'commodity_price=brent_usd_eia:log' for '--map <SHOCK=COLUMN[:TRANSFORM]>': unknown transform `log` in `commodity_price=brent_usd_eia:log` (did you mean `log-diff`?); the transforms are pct, diff, log-diff, demean, detrend, hp, potential, demand

For more information, try '--help'."#,
    },
    Case {
        name: "calibrate_unknown_column",
        args: &[
            "calibrate",
            "history.csv",
            "--map",
            "commodity_price=brent:log-diff",
            "--out",
            "existing.csv",
        ],
        stderr: r#"error: invalid value for --map: `commodity_price`: no column `brent` in history.csv (did you mean `brent_usd_eia`?); the columns are rgdp_growth_wdi, rgdp_growth_weo, ngdp_kzt_bn_weo, ngdp_usd_bn_wdi, gdp_deflator_infl_wdi, cpi_avg_infl_wdi, cpi_avg_infl_weo, kzt_per_usd_wdi, brent_usd_eia, gg_gross_debt_pct_weo, gg_revenue_pct_weo, gg_expenditure_pct_weo, gg_net_lending_pct_weo, gg_primary_bal_pct_weo, cg_debt_pct_wdi, tonia_avg_afr, gsec10y_avg_afr"#,
    },
    Case {
        name: "calibrate_window_outside_data",
        args: &[
            "calibrate",
            "history.csv",
            "--from",
            "2030",
            "--to",
            "2020",
            "--out",
            "existing.csv",
        ],
        stderr: r#"error: invalid value for --from: 2030 is outside the data, which run from 1995 to 2025"#,
    },
    Case {
        name: "run_draws_zero",
        args: &["run", "good.toml", "--draws", "0", "--out", "existing.csv"],
        stderr: r#"error: invalid value '0' for '--draws <N>': 0 draws: give a whole number of draws from 1 to 1000000000

For more information, try '--help'."#,
    },
    Case {
        name: "run_draws_huge",
        args: &[
            "run",
            "good.toml",
            "--draws",
            "100000000000",
            "--out",
            "existing.csv",
        ],
        stderr: r#"error: invalid value '100000000000' for '--draws <N>': 100000000000 draws: give a whole number of draws from 1 to 1000000000

For more information, try '--help'."#,
    },
    Case {
        name: "run_draws_above_memory_cap",
        args: &[
            "run",
            "good.toml",
            "--draws",
            "5000001",
            "--out",
            "existing.csv",
        ],
        stderr: r#"error: invalid value for --draws: 5000001 draws would not fit in memory for exact summaries; use at most 5000000"#,
    },
    Case {
        name: "run_draws_not_a_number",
        args: &[
            "run",
            "good.toml",
            "--draws",
            "many",
            "--out",
            "existing.csv",
        ],
        stderr: r#"error: invalid value 'many' for '--draws <N>': `many` is not a number of draws: give a whole number from 1 to 1000000000, e.g. --draws 10000

For more information, try '--help'."#,
    },
    Case {
        name: "sweep_draws_from_scenario_above_memory_cap",
        args: &[
            "sweep",
            "good.toml",
            "--vary",
            "structure.spending_multiplier=0.2,0.4",
            "--set",
            "montecarlo.draws=900000000",
            "--metric",
            "p90(debt_gdp@2027)",
            "--out",
            "existing.csv",
        ],
        stderr: r#"error: invalid value for --draws: 900000000 draws per point (from [montecarlo] draws) would not fit in memory: a sweep keeps every draw's metrics; use at most 5000000"#,
    },
    Case {
        name: "run_prob_misspelt",
        args: &[
            "run",
            "good.toml",
            "--draws",
            "10",
            "--prob",
            "debt_gpd@2027 > 0.5",
            "--out",
            "existing.csv",
        ],
        stderr: r#"error: invalid value 'debt_gpd@2027 > 0.5' for '--prob <EVENT>': unknown variable `debt_gpd`: did you mean `debt_gdp`?

For more information, try '--help'."#,
    },
    Case {
        name: "run_prob_not_a_condition",
        args: &[
            "run",
            "good.toml",
            "--draws",
            "10",
            "--prob",
            "debt_gdp@2027",
            "--out",
            "existing.csv",
        ],
        stderr: r#"error: invalid value 'debt_gdp@2027' for '--prob <EVENT>': `debt_gdp@2027` is not a condition: write e.g. `debt_gdp@2040 > 0.6`, `debt_gdp@..2040 > 0.6` (ever by 2040) or `mean(real_growth@2026..2028) >= 0.053`

For more information, try '--help'."#,
    },
    Case {
        name: "run_prob_year_outside",
        args: &[
            "run",
            "good.toml",
            "--draws",
            "10",
            "--prob",
            "debt_gdp@2040 > 0.5",
            "--out",
            "existing.csv",
        ],
        stderr: r#"error: invalid value for --prob: year 2040 in `debt_gdp@2040` is outside the projection years 2026..2027"#,
    },
    Case {
        name: "run_samples_out_equals_input",
        args: &[
            "run",
            "good.toml",
            "--draws",
            "10",
            "--samples-out",
            "good.toml",
            "--out",
            "existing.csv",
        ],
        stderr: r#"error: invalid value for --samples-out: `good.toml` is also an input: refusing to overwrite it (choose another output path)"#,
    },
    Case {
        name: "run_samples_draws_zero",
        args: &[
            "run",
            "good.toml",
            "--draws",
            "10",
            "--samples-draws",
            "0",
            "--samples-out",
            "samples.csv",
            "--out",
            "existing.csv",
        ],
        stderr: r#"error: invalid value for --samples-draws: must be at least 1"#,
    },
    Case {
        name: "run_mc_with_bad_quantiles",
        args: &[
            "run",
            "quantile_above_one.toml",
            "--mc",
            "--out",
            "existing.csv",
        ],
        stderr: r#"error: invalid scenario:
quantile_above_one.toml:3:19: `montecarlo.quantiles`: each quantile must be a number strictly between 0 and 1, e.g. [0.05, 0.5, 0.95], found 1.5"#,
    },
    Case {
        name: "key_nested_too_deep",
        args: &["run", "key_nested_too_deep.toml", "--out", "existing.csv"],
        stderr: r#"error: invalid scenario:
key_nested_too_deep.toml:90:1: `a.a.a…`: TOML syntax error: this key has 100 dotted parts; at most 80 can nest (recursion limit)"#,
    },
    Case {
        name: "sd_whose_variance_overflows",
        args: &[
            "run",
            "good.toml",
            "--set",
            "shocks.sd=[1e155,0,0,0,0,0]",
            "--draws",
            "100",
            "--out",
            "existing.csv",
        ],
        stderr: r#"error: invalid scenario:
--set 'shocks.sd=[1e155,0,0,0,0,0]': `shocks.sd`: the sd of `potential_growth` is 1e155: its variance sd² overflows f64 (an sd must be below 1.3e154)"#,
    },
    Case {
        name: "solve_on_broken_draws",
        args: &[
            "solve",
            "good.toml",
            "--adjust",
            "structure.revenue_multiplier",
            "--within",
            "0:10",
            "--set",
            "policy.revenue_gdp=0.9",
            "--target",
            "prob(debt_gdp@2027 > 0.5) >= 0.1",
            "--draws",
            "50",
            "--out",
            "existing.csv",
        ],
        stderr: r#"error: the projection breaks down in 2026: 50 of 50 draws broke down numerically (GDP no longer positive, or debt or a price no longer finite) with structure.revenue_multiplier = 10: `prob(debt_gdp@2027 > 0.5)` over the others would leave out the worst paths, so the target cannot be judged there; narrow --within"#,
    },
    Case {
        name: "device_instead_of_file",
        args: &["run", "/dev/zero", "--out", "existing.csv"],
        stderr: r#"error: invalid scenario:
/dev/zero: the file is larger than 16 MiB: a scenario is a small text file (is this the right file?)"#,
    },
];

/// Writes the `extends` chain `c0.toml` (the good fixture) ← `c1.toml` ← … ← `c{n}.toml`
/// into `dir`, each file extending the one before.
fn write_chain(dir: &Path, n: usize) {
    let good = root().join("tests").join("bad_inputs").join("good.toml");
    std::fs::copy(good, dir.join("c0.toml")).expect("copy");
    for i in 1..=n {
        let text = format!("extends = \"c{}.toml\"\n", i - 1);
        std::fs::write(dir.join(format!("c{i}.toml")), text).expect("write chain");
    }
}

/// A 10,000-file chain overflowed the stack (exit 134); it is refused at the documented
/// limit, and a chain at the limit loads.
#[test]
fn an_extends_chain_beyond_the_limit_is_refused_not_a_stack_overflow() {
    let dir = tempfile::tempdir().expect("temp dir");
    write_chain(dir.path(), 10_000);
    let limit = fiscalsim::scenario::MAX_EXTENDS;
    let out = fiscalsim()
        .args(["run", "c10000.toml", "--out", "out.csv"])
        .current_dir(dir.path())
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    let last = 10_000 - limit + 1;
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        format!(
            "error: invalid scenario:\nc{last}.toml:1:11: `extends`: the `extends` chain of \
             `c10000.toml` is longer than {limit} files: merge some of them (each file may \
             extend one other)\n"
        )
    );
    assert!(!dir.path().join("out.csv").exists());
    // The longest chain allowed: the scenario and limit - 1 files it extends.
    let top = format!("c{}.toml", limit - 1);
    fiscalsim()
        .args(["run", &top, "--out", "out.csv"])
        .current_dir(dir.path())
        .assert()
        .success();
}

/// The input walk stopped after 64 steps: `c35.toml`, 65 levels down, was overwritten.
#[test]
fn every_file_of_an_extends_chain_is_protected_at_any_depth() {
    let dir = tempfile::tempdir().expect("temp dir");
    write_chain(dir.path(), 1_200);
    for (top, out) in [("c100.toml", "c35.toml"), ("c999.toml", "c0.toml")] {
        let before = std::fs::read(dir.path().join(out)).expect("read");
        let result = fiscalsim()
            .args(["run", top, "--out", out])
            .current_dir(dir.path())
            .output()
            .expect("run");
        assert_eq!(result.status.code(), Some(2), "{top} --out {out}");
        assert_eq!(
            String::from_utf8_lossy(&result.stderr),
            format!(
                "error: invalid value for --out: `{out}` is extended by the input `{top}`: \
                 refusing to overwrite it (choose another output path)\n"
            )
        );
        assert_eq!(std::fs::read(dir.path().join(out)).expect("read"), before);
    }
    // Beyond the limit, loading refuses the chain before anything is written.
    let before = std::fs::read(dir.path().join("c35.toml")).expect("read");
    let result = fiscalsim()
        .args(["run", "c1200.toml", "--out", "c35.toml"])
        .current_dir(dir.path())
        .output()
        .expect("run");
    assert_eq!(result.status.code(), Some(2));
    assert_eq!(
        std::fs::read(dir.path().join("c35.toml")).expect("read"),
        before
    );
}

/// A scenario with one line of 1.2 MB (640,000 list elements) took 16 s to reject, the
/// time growing with the square of the line's length; it is now rejected in linear time
/// (this test would run for minutes, not a second, if it regressed).
#[test]
fn a_megabyte_line_is_rejected_with_its_place() {
    let dir = tempfile::tempdir().expect("temp dir");
    let list = vec!["1"; 640_000].join(",");
    std::fs::write(dir.path().join("long.toml"), format!("x = [{list}]\n")).expect("write");
    let out = fiscalsim()
        .args(["run", "long.toml", "--out", "existing.csv"])
        .current_dir(dir.path())
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("long.toml:1:1: `x`: unknown key `x`"),
        "{stderr}"
    );
}

/// `extends` naming a loop of symbolic links said "cannot find".
#[cfg(unix)]
#[test]
fn an_extends_symlink_loop_is_named_as_such() {
    let dir = crate::util::dir_with(&[("top.toml", "extends = \"loop1.toml\"\n")]);
    std::os::unix::fs::symlink("loop2.toml", dir.path().join("loop1.toml")).expect("link");
    std::os::unix::fs::symlink("loop1.toml", dir.path().join("loop2.toml")).expect("link");
    let out = fiscalsim()
        .args(["run", "top.toml"])
        .current_dir(dir.path())
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        stderr,
        "error: invalid scenario:\ntop.toml:1:11: `extends`: `loop1.toml` is a symbolic link \
         that leads to no file (Too many levels of symbolic links): fix or remove the link\n"
    );
}

/// A FIFO as the scenario: the output check read it, then loading opened it again and
/// hung. Every input is read once.
#[cfg(unix)]
#[test]
fn a_fifo_scenario_is_read_once() {
    let dir = crate::util::dir_with(&[
        ("existing.csv", "previous\n"),
        ("toy.toml", crate::util::TOY),
    ]);
    let fifo = dir.path().join("f.toml");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo");
    assert!(made.success());
    let writer = std::thread::spawn(move || std::fs::write(&fifo, crate::util::TOY));
    fiscalsim()
        .args(["run", "f.toml", "--out", "existing.csv"])
        .current_dir(dir.path())
        .timeout(std::time::Duration::from_secs(120))
        .assert()
        .success();
    writer.join().expect("writer").expect("write to the FIFO");
    let text = std::fs::read_to_string(dir.path().join("existing.csv")).expect("output");
    assert!(text.starts_with("scenario,year,"), "{text}");

    // A FIFO whose scenario extends a file: that file is protected when the output is
    // written, although the early check could not read the FIFO.
    let fifo = dir.path().join("g.toml");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo");
    assert!(made.success());
    let writer = std::thread::spawn(move || std::fs::write(&fifo, "extends = \"toy.toml\"\n"));
    let out = fiscalsim()
        .args(["run", "g.toml", "--out", "toy.toml"])
        .current_dir(dir.path())
        .timeout(std::time::Duration::from_secs(120))
        .output()
        .expect("run");
    writer.join().expect("writer").expect("write to the FIFO");
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "error: cannot write `toy.toml`: it is a scenario file read by this run (possibly \
         through `extends`): refusing to overwrite it (choose another output path)\n"
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("toy.toml")).expect("read"),
        crate::util::TOY
    );
}

/// A piped `/dev/stdin` said "no such file": it has no canonical path, and is read once.
#[cfg(unix)]
#[test]
fn a_scenario_piped_to_dev_stdin_is_read() {
    let out = fiscalsim()
        .args(["run", "/dev/stdin"])
        .write_stdin(crate::util::TOY)
        .output()
        .expect("run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("scenario,year,"));
}
