//! Stress tests: each standard test against a hand computation of its effect, the
//! `[stress]` settings and user-defined tests, and the `stress` command.

use fiscalsim::model::{Year, project};
use fiscalsim::scenario::{Scenario, load_str};
use fiscalsim::stress;
use proptest::prelude::*;

use crate::util::{TOY, column, dir_with, fiscalsim, read_csv};

/// TOY over five years with commodity revenue, foreign-currency debt and a shock process
/// (sd and persistence) that sizes and carries the tests.
const SHOCKS: &str = r#"
[structure]
fx_debt_share = 0.4

[shocks]
sd = [0.02, 0.01, 0.01, 0.3, 0.005, 0.11]
persistence = [0.3, 0.5, 0, 0.5, 0.7, 0]
"#;

fn scenario_text(extra: &str) -> String {
    format!(
        "{}\ncommodity_revenue_gdp = 0.03\n{SHOCKS}\n{extra}",
        TOY.replace("end_year = 2027", "end_year = 2030")
    )
}

fn scenario(extra: &str) -> Scenario {
    load_str(
        &scenario_text(extra),
        "toy.toml",
        std::path::Path::new("."),
        &[],
    )
    .expect("scenario resolves")
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-12 * b.abs().max(1.0)
}

#[track_caller]
fn assert_close(a: f64, b: f64, what: &str) {
    assert!(close(a, b), "{what}: {a} vs {b}");
}

/// The path of the test named `name` in a stress run of `sc`.
fn path_of(sc: &Scenario, name: &str) -> Vec<Year> {
    let run = stress::run(sc, None).unwrap();
    let o = run
        .outcomes
        .iter()
        .find(|o| o.test.name == name)
        .unwrap_or_else(|| panic!("no test {name}"));
    assert!(!o.test.skipped, "{name} skipped: {:?}", o.test.notes);
    o.path.clone()
}

#[test]
fn the_standard_set_runs_in_order_after_the_baseline() {
    let sc = scenario("");
    let run = stress::run(&sc, None).unwrap();
    let names: Vec<&str> = run.outcomes.iter().map(|o| o.test.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "baseline",
            "real_growth",
            "revenue",
            "interest_rate",
            "exchange_rate",
            "commodity_price",
            "combined",
            "contingent_liability"
        ]
    );
    assert_eq!(run.outcomes[0].path, project(&sc).unwrap());
    assert_eq!(run.benchmark, 0.7);
}

#[test]
fn real_growth_lowers_potential_growth_by_one_sd_in_the_second_year() {
    let sc = scenario("");
    let base = project(&sc).unwrap();
    let p = path_of(&sc, "real_growth");
    assert_eq!(p[0], base[0], "the first year is untouched");
    assert_close(
        p[1].potential_growth,
        base[1].potential_growth - 0.02,
        "gpot 2027",
    );
    // Same gap, same deflator: real GDP scales with potential.
    assert_close(
        p[1].gdp_real,
        base[1].gdp_real * (1.0 + base[1].potential_growth - 0.02)
            / (1.0 + base[1].potential_growth),
        "Y 2027",
    );
    // 2028: innovation -0.02 again plus persistence 0.3 of -0.02, plus the capital effect
    // theta * (x_2 - x_1) where only x_2 moved (capital built from a smaller GDP).
    assert!(p[2].potential_growth < base[2].potential_growth - 0.02 - 0.3 * 0.02 + 1e-4);
    assert!(p[2].potential_growth > base[2].potential_growth - 0.02 - 0.3 * 0.02 - 1e-3);
}

#[test]
fn revenue_falls_one_point_of_gdp_for_two_years_with_its_demand_effect() {
    let sc = scenario("");
    let base = project(&sc).unwrap();
    let p = path_of(&sc, "revenue");
    for t in 0..2 {
        assert_close(p[t].revenue_gdp, base[t].revenue_gdp - 0.01, "revenue_gdp");
        assert_close(
            p[t].primary_balance_gdp,
            base[t].primary_balance_gdp - 0.01,
            "primary balance",
        );
    }
    assert_close(
        p[2].revenue_gdp,
        base[2].revenue_gdp,
        "revenue back in 2028",
    );
    // gap_1 moves by -mtau * (-0.01) = +0.0025; then persistence 0.5; in 2028 revenue
    // returns: -0.25 * 0.01.
    assert_close(p[0].output_gap - base[0].output_gap, 0.0025, "gap 2026");
    assert_close(p[1].output_gap - base[1].output_gap, 0.00125, "gap 2027");
    assert_close(
        p[2].output_gap - base[2].output_gap,
        0.000625 - 0.0025,
        "gap 2028",
    );
}

#[test]
fn revenue_in_sd_of_its_history() {
    let sc = scenario("[stress.revenue]\nhistory_sd = 0.012\n");
    let base = project(&sc).unwrap();
    let p = path_of(&sc, "revenue");
    assert_close(p[0].revenue_gdp, base[0].revenue_gdp - 0.006, "-0.5 sd");
    let sc = scenario("[stress.revenue]\nhistory_sd = 0.012\nsize_sd = -1\nyears = [2028]\n");
    let p = path_of(&sc, "revenue");
    assert_close(p[0].revenue_gdp, base[0].revenue_gdp, "2026 untouched");
    assert_close(
        p[2].revenue_gdp,
        base[2].revenue_gdp - 0.012,
        "-1 sd in 2028",
    );
}

#[test]
fn interest_rate_is_200bp_higher_from_the_first_year_on() {
    let sc = scenario("");
    let base = project(&sc).unwrap();
    let p = path_of(&sc, "interest_rate");
    // Year 1: i = 0.1 + 0.02 on D0 = 50 (no premium: d0 = threshold).
    assert_close(p[0].interest_rate, 0.12, "i 2026");
    assert_close(p[0].interest, 6.0, "I 2026");
    assert_close(p[0].debt, base[0].debt + 1.0, "D 2026");
    // Held at +200 bp (not compounded by the persistence 0.7): the premium of year 2
    // applies to the higher debt ratio.
    for t in 1..p.len() {
        let d_prev = p[t - 1].debt_gdp;
        assert_close(
            p[t].interest_rate,
            0.1 + 0.04 * (d_prev - 0.5).max(0.0) + 0.02,
            "held",
        );
    }
    // As innovations instead, persistence carries them: u_2 = 0.7 * 0.02 + 0.02.
    let sc = scenario("[stress.interest_rate]\nhold = false\n");
    let p = path_of(&sc, "interest_rate");
    let d1 = p[0].debt_gdp;
    assert_close(
        p[1].interest_rate,
        0.1 + 0.04 * (d1 - 0.5).max(0.0) + 0.034,
        "innovations",
    );
}

#[test]
fn exchange_rate_depreciates_30_percent_in_the_first_year() {
    let sc = scenario("");
    let base = project(&sc).unwrap();
    let p = path_of(&sc, "exchange_rate");
    assert_close(p[0].exchange_rate, 650.0, "E 2026");
    assert_close(p[0].gdp_usd, p[0].gdp_nominal / 650.0, "GDP in USD");
    assert_close(
        p[0].commodity_revenue,
        base[0].commodity_revenue * 1.3,
        "commodity revenue in local currency",
    );
    // Debt: revaluation phi * D0 * 0.3 = 0.4 * 50 * 0.3 = 6, less the extra commodity revenue.
    assert_close(
        p[0].debt,
        base[0].debt + 6.0 - 0.3 * base[0].commodity_revenue,
        "D 2026",
    );
    // No persistence on the exchange rate: back to baseline in 2027, with a revaluation
    // gain on the way back.
    assert_close(p[1].exchange_rate, 500.0, "E 2027");
}

#[test]
fn exchange_rate_from_the_largest_depreciation_in_calibration_data() {
    let csv =
        "year,fx,other\n2000,100,1\n2001,110,1\n2002,,1\n2003,150,1\n2004,200,1\n2005,190,1\n";
    let dir = dir_with(&[("fx.csv", csv)]);
    let file = dir.path().join("s.toml");
    let text = format!(
        "{}\ncommodity_revenue_gdp = 0.03\n{SHOCKS}\n[stress.exchange_rate]\ndata = \"fx.csv\"\ncolumn = \"fx\"\n",
        TOY.replace("end_year = 2027", "end_year = 2030")
    );
    std::fs::write(&file, &text).unwrap();
    let sc = fiscalsim::scenario::load(&file, &[]).unwrap();
    // 2001 -> 2003 is not a one-year change; 2003 -> 2004 is +33.3 %, the largest.
    let p = path_of(&sc, "exchange_rate");
    assert_close(p[0].exchange_rate, 500.0 * 200.0 / 150.0, "E 2026");
    let run = stress::run(&sc, None).unwrap();
    let d = &run.outcomes[4].test.description;
    assert!(d.contains("2004") && d.contains("+33.333 %"), "{d}");
    // `to` limits the data: only 2000 -> 2001 (+10 %).
    std::fs::write(&file, format!("{text}to = 2003\n")).unwrap();
    let sc = fiscalsim::scenario::load(&file, &[]).unwrap();
    assert_close(
        path_of(&sc, "exchange_rate")[0].exchange_rate,
        550.0,
        "E to 2003",
    );
    // A stated size wins over the data, with a note.
    std::fs::write(&file, format!("{text}size = 0.2\n")).unwrap();
    let sc = fiscalsim::scenario::load(&file, &[]).unwrap();
    assert_close(
        path_of(&sc, "exchange_rate")[0].exchange_rate,
        600.0,
        "E stated",
    );
    let run = stress::run(&sc, None).unwrap();
    assert!(run.outcomes[4].test.notes[0].contains("stated size is used"));
    // A missing column is a data error that lists the columns.
    std::fs::write(&file, text.replace("column = \"fx\"", "column = \"kzt\"")).unwrap();
    let sc = fiscalsim::scenario::load(&file, &[]).unwrap();
    let e = stress::run(&sc, None).unwrap_err().to_string();
    assert!(
        e.contains("no column `kzt`") && e.contains("year, fx, other"),
        "{e}"
    );
    assert!(e.contains("s.toml:"), "names the scenario line: {e}");
}

#[test]
fn commodity_price_falls_one_sd_and_persistence_carries_it() {
    let sc = scenario("");
    let base = project(&sc).unwrap();
    let p = path_of(&sc, "commodity_price");
    assert_close(p[0].commodity_price, 60.0 * (-0.3f64).exp(), "p 2026");
    assert_close(
        p[0].commodity_revenue,
        base[0].commodity_revenue * (-0.3f64).exp(),
        "commodity revenue",
    );
    assert_close(p[0].gdp_nominal, base[0].gdp_nominal, "no GDP effect");
    assert_close(
        p[1].commodity_price,
        60.0 * (-0.15f64).exp(),
        "p 2027 (A = 0.5)",
    );
}

#[test]
fn combined_is_half_of_each_test_together() {
    let mut sc = scenario("");
    // Without the capital channel, potential growth moves only by the shock.
    sc.structure.public_capital_elasticity = 0.0;
    let base = project(&sc).unwrap();
    let p = path_of(&sc, "combined");
    assert_close(p[0].interest_rate, 0.11, "+100 bp");
    assert_close(
        p[0].exchange_rate,
        500.0 * 1.3f64.sqrt(),
        "half the log depreciation",
    );
    assert_close(p[0].commodity_price, 60.0 * (-0.15f64).exp(), "-0.5 sd");
    let relative = (0.5 * 1.3f64.ln() - 0.15).exp();
    assert_close(
        p[0].revenue_gdp,
        0.2 - 0.005 + 0.03 * relative,
        "revenue_gdp",
    );
    assert_close(p[0].output_gap - base[0].output_gap, 0.25 * 0.005, "gap");
    assert_close(
        p[1].potential_growth - base[1].potential_growth,
        -0.01,
        "half of -1 sd in 2027",
    );
    // Disabling a test removes it from the combined test too.
    let sc = scenario("[stress.interest_rate]\nenabled = false\n[stress.combined]\nshare = 1\n");
    let p = path_of(&sc, "combined");
    assert_close(p[0].interest_rate, 0.1, "no interest shock");
    assert_close(p[0].commodity_price, 60.0 * (-0.3f64).exp(), "share 1");
}

#[test]
fn contingent_liability_adds_ten_percent_of_gdp_to_debt() {
    let sc = scenario("");
    let base = project(&sc).unwrap();
    let p = path_of(&sc, "contingent_liability");
    assert_close(p[0].debt_gdp, base[0].debt_gdp + 0.1, "d 2026");
    assert_close(p[0].gdp_nominal, base[0].gdp_nominal, "GDP unchanged");
    let sc = scenario("[stress.contingent_liability]\nsize = 0.05\nyears = [2027]\n");
    let p = path_of(&sc, "contingent_liability");
    assert_eq!(p[0], base[0]);
    assert_close(
        p[1].debt,
        base[1].debt + 0.05 * base[1].gdp_nominal,
        "D 2027 (interest on it only from 2028)",
    );
}

#[test]
fn tests_sized_in_sd_are_skipped_with_a_note_when_the_sd_is_zero() {
    let sc = scenario("").clone();
    let mut sc = sc;
    sc.shocks.sd = [0.0; 7];
    let run = stress::run(&sc, None).unwrap();
    let rg = &run.outcomes[1];
    assert!(rg.test.skipped && rg.path.is_empty());
    assert!(rg.test.notes[0].contains("sd of `potential_growth` is 0"));
    let comb = run
        .outcomes
        .iter()
        .find(|o| o.test.name == "combined")
        .unwrap();
    assert!(comb.test.notes[0].contains("without real_growth, commodity_price"));
    // An absolute size needs no sd.
    let mut sc2 = scenario("[stress.real_growth]\nsize = -0.01\n");
    sc2.shocks.sd = [0.0; 7];
    let base = project(&sc2).unwrap();
    let p = path_of(&sc2, "real_growth");
    assert_close(
        p[1].potential_growth,
        base[1].potential_growth - 0.01,
        "absolute",
    );
    // A stated size wins over size_sd (e.g. from a file that `extends` this one).
    let sc3 = scenario("[stress.real_growth]\nsize = -0.01\nsize_sd = -2\n");
    let base = project(&sc3).unwrap();
    let p = path_of(&sc3, "real_growth");
    assert_close(
        p[1].potential_growth,
        base[1].potential_growth - 0.01,
        "stated wins",
    );
    let run = stress::run(&sc3, None).unwrap();
    assert!(run.outcomes[1].test.notes[0].contains("not size_sd"));
}

#[test]
fn the_shipped_stress_scenario_takes_its_depreciation_from_the_data() {
    let file = crate::util::scenario("kazakhstan-stress.toml");
    let sc = fiscalsim::scenario::load(&file, &[]).unwrap();
    let run = stress::run(&sc, None).unwrap();
    assert_eq!(run.benchmark, 0.33);
    let fx = run
        .outcomes
        .iter()
        .find(|o| o.test.name == "exchange_rate")
        .unwrap();
    assert!(
        fx.test.description.contains("2016"),
        "{}",
        fx.test.description
    );
    // WDI: 221.73 -> 342.16 KZT per USD from 2015 to 2016, the largest since 2000.
    assert_close(
        fx.path[0].exchange_rate,
        sc.baseline.exchange_rate[0] * 342.16 / 221.73,
        "E 2026",
    );
    let oil = run
        .outcomes
        .iter()
        .find(|o| o.test.name == "oil_2015")
        .unwrap();
    // Held at 0.213 then 0.647 (log level against the baseline), then decaying with the
    // scenario's persistence.
    assert_close(
        oil.path[0].exchange_rate,
        sc.baseline.exchange_rate[0] * 0.213f64.exp(),
        "held in 2026",
    );
    assert_close(
        oil.path[1].exchange_rate,
        sc.baseline.exchange_rate[1] * 0.647f64.exp(),
        "held in 2027",
    );
    let a = sc.shocks.persistence[5][5];
    assert_close(
        oil.path[2].exchange_rate,
        sc.baseline.exchange_rate[2] * (a * 0.647f64).exp(),
        "decays in 2028",
    );
    assert_eq!(
        run.outcomes.len(),
        10,
        "baseline, 7 standard tests, oil_2015, real_growth_total"
    );
    // Demand -1 sd on top of potential -1 sd: real growth in 2027 falls by about
    // sd(potential) + sd(demand) (the gap starts from its baseline value).
    let total = run
        .outcomes
        .iter()
        .find(|o| o.test.name == "real_growth_total")
        .unwrap();
    let base = &run.outcomes[0].path;
    let drop = base[1].real_growth - total.path[1].real_growth;
    let expected = sc.shocks.sd[0] + sc.shocks.sd[1];
    assert!((drop - expected).abs() < 0.002, "{drop} vs {expected}");
}

#[test]
fn a_short_horizon_cuts_the_standard_timing_and_says_so() {
    let sc = load_str(
        &format!(
            "{}\n{SHOCKS}",
            TOY.replace("end_year = 2027", "end_year = 2026")
        ),
        "toy.toml",
        std::path::Path::new("."),
        &[],
    )
    .unwrap();
    let run = stress::run(&sc, None).unwrap();
    let rg = &run.outcomes[1];
    assert_eq!(rg.test.name, "real_growth");
    assert!(rg.test.skipped);
    assert!(
        rg.test.notes.join(" ").contains("cut to nothing"),
        "{:?}",
        rg.test.notes
    );
    let rev = &run.outcomes[2];
    assert!(!rev.test.skipped && rev.path.len() == 1);
    assert!(
        rev.test.notes[0].contains("cut to 2026"),
        "{:?}",
        rev.test.notes
    );
    let table = stress::summary_table("toy", &run);
    assert!(table.contains("real_growth            skipped"), "{table}");
    assert!(!table.contains("skipped: skipped"), "{table}");
    let mut csv = Vec::new();
    stress::write_summary_csv(&mut csv, "toy", &run).unwrap();
    let csv = String::from_utf8(csv).unwrap();
    assert!(
        !csv.contains("skipped,\"skipped: ") && !csv.contains("skipped,skipped"),
        "{csv}"
    );
}

#[test]
fn a_test_of_size_zero_reproduces_the_baseline_bit_for_bit() {
    let sc = scenario(
        "[stress.nothing]\ncommodity_price = 0\ninterest_rate = { size = 0, hold = true, years = [2026, 2027] }\nrevenue_gdp = 0\nother_flows_gdp = { size = 0, years = [2030] }\n",
    );
    let run = stress::run(&sc, None).unwrap();
    let nothing = run.outcomes.last().unwrap();
    assert_eq!(nothing.test.name, "nothing");
    assert_eq!(nothing.path, run.outcomes[0].path);
    assert!(nothing.test.notes[0].starts_with("no effect on debt"));
}

#[test]
fn a_test_that_breaks_the_projection_says_where() {
    // Potential growth of -150 % makes GDP negative in 2026.
    let sc = scenario("[stress.collapse]\npotential_growth = -1.5\n");
    let run = stress::run(&sc, None).unwrap();
    let collapse = run.outcomes.last().unwrap();
    let s = collapse.summary.as_ref().unwrap();
    assert_eq!(s.breakdown.as_ref().map(|b| b.0), Some(2026));
    let mut csv = Vec::new();
    stress::write_summary_csv(&mut csv, "toy", &run).unwrap();
    let (h, rows) = read_csv(&String::from_utf8(csv).unwrap());
    let status = h.iter().position(|c| c == "status").unwrap();
    assert_eq!(rows.last().unwrap()[status], "breakdown 2026");
    assert!(rows.last().unwrap()[status + 1].contains("GDP is no longer positive"));
    assert!(stress::summary_table("toy", &run).contains("breaks down in 2026"));
}

#[test]
fn a_test_without_effect_says_why() {
    // TOY has no commodity revenue and no foreign-currency debt.
    let sc = load_str(
        &format!("{TOY}\n[shocks]\nsd = [0.02, 0.01, 0.01, 0.3, 0.005, 0.11]\n"),
        "toy.toml",
        std::path::Path::new("."),
        &[],
    )
    .unwrap();
    let run = stress::run(&sc, None).unwrap();
    let notes = |name: &str| {
        run.outcomes
            .iter()
            .find(|o| o.test.name == name)
            .unwrap()
            .test
            .notes
            .join("; ")
    };
    assert!(notes("commodity_price").contains("commodity_revenue_gdp is 0"));
    assert!(notes("exchange_rate").contains("fx_debt_share is 0"));
    assert_eq!(notes("interest_rate"), "");
    assert!(stress::summary_table("toy", &run).contains("note: no effect on debt"));
}

#[test]
fn user_defined_tests_combine_innovations_and_path_changes() {
    let sc = scenario(
        "[stress.oil_crash]\ndescription = \"oil crash\"\ncommodity_price = -0.4\nexchange_rate = { size_sd = 1, years = [2027] }\nother_spending_gdp = { value = 0.25, years = [2028, 2029] }\ndemand = { size = -0.01, hold = true, years = [2026, 2027] }\n[stress.off]\nenabled = false\ninflation = 0.1\n",
    );
    let base = project(&sc).unwrap();
    let run = stress::run(&sc, None).unwrap();
    assert_eq!(run.outcomes.last().unwrap().test.name, "oil_crash");
    assert_eq!(run.outcomes.last().unwrap().test.description, "oil crash");
    assert!(run.outcomes.iter().all(|o| o.test.name != "off"));
    let p = path_of(&sc, "oil_crash");
    assert_close(p[0].commodity_price, 60.0 * (-0.4f64).exp(), "oil 2026");
    assert_close(p[1].exchange_rate, 500.0 * 0.11f64.exp(), "fx 2027, +1 sd");
    assert_close(p[0].exchange_rate, 500.0, "fx 2026");
    // The demand shock state is held at -0.01 in 2026 and 2027 (its persistence 0.5
    // does not add to it; as innovations u_2 would be -0.015); the gap's own
    // persistence rho = 0.5 still carries 2026 into 2027, and 2028 decays both.
    assert_close(p[0].output_gap - base[0].output_gap, -0.01, "gap 2026");
    assert_close(p[1].output_gap - base[1].output_gap, -0.015, "gap 2027");
    assert_close(
        p[2].output_gap - base[2].output_gap,
        0.5 * -0.015 + 0.5 * -0.01,
        "gap 2028: rho * gap + A * u",
    );
    assert_close(
        p[2].other_spending / p[2].gdp_nominal,
        0.25,
        "other spending replaced in 2028",
    );
    assert_close(
        p[4].other_spending / p[4].gdp_nominal,
        0.2,
        "2030 untouched",
    );
}

#[test]
fn summary_figures_come_from_the_paths() {
    let sc = scenario("[stress]\nbenchmark = 0.55\n");
    let run = stress::run(&sc, None).unwrap();
    assert_eq!(run.benchmark, 0.55);
    for o in &run.outcomes {
        let s = o.summary.as_ref().unwrap();
        let debts: Vec<f64> = o.path.iter().map(|y| y.debt_gdp).collect();
        let peak = debts.iter().copied().fold(f64::MIN, f64::max);
        assert_eq!(s.peak_debt_gdp, peak);
        assert_eq!(
            s.peak_year,
            sc.years[debts.iter().position(|d| *d == peak).unwrap()]
        );
        assert_eq!(s.final_debt_gdp, *debts.last().unwrap());
        let ob = o
            .path
            .iter()
            .map(|y| y.overall_balance_gdp)
            .fold(f64::MAX, f64::min);
        assert_eq!(s.worst_overall_balance_gdp, ob);
        let first = debts.iter().position(|d| *d > 0.55).map(|i| sc.years[i]);
        assert_eq!(s.first_year_above_benchmark, first);
    }
    let cl = run
        .outcomes
        .iter()
        .find(|o| o.test.name == "contingent_liability")
        .unwrap();
    assert_eq!(
        cl.summary.as_ref().unwrap().first_year_above_benchmark,
        Some(2026)
    );
    let base = run.outcomes[0].summary.as_ref().unwrap();
    assert_eq!(base.first_year_above_benchmark, None);
    // The --benchmark override of the library call.
    let run = stress::run(&sc, Some(0.4)).unwrap();
    assert_eq!(
        run.outcomes[0]
            .summary
            .as_ref()
            .unwrap()
            .first_year_above_benchmark,
        Some(2026)
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    /// Debt identity holds in every stress path, and a higher interest rate or a
    /// contingent liability never lowers debt/GDP in any year.
    #[test]
    fn stress_paths_keep_the_debt_identity_and_raise_debt(
        bp in 0.0f64..0.05, cl in 0.0f64..0.3, oil in -1.0f64..1.0
    ) {
        let sc = scenario(&format!(
            "[stress.interest_rate]\nsize = {bp}\n[stress.contingent_liability]\nsize = {cl}\n[stress.commodity_price]\nsize = {oil}\n"
        ));
        let run = stress::run(&sc, None).unwrap();
        let base = &run.outcomes[0].path;
        for o in &run.outcomes {
            let mut d_prev = 25.0 * 2.0; // D0 = 0.5 * 100
            for y in &o.path {
                let flow = y.interest - y.primary_balance + y.revaluation + y.other_flows;
                prop_assert!((y.debt - d_prev - flow).abs() <= 1e-9 * y.debt.abs().max(1.0));
                d_prev = y.debt;
            }
            if o.test.name == "interest_rate" || o.test.name == "contingent_liability" {
                for (y, b) in o.path.iter().zip(base) {
                    prop_assert!(y.debt_gdp >= b.debt_gdp - 1e-12);
                }
            }
        }
    }
}

#[test]
fn cli_writes_paths_and_summary() {
    let dir = dir_with(&[(
        "s.toml",
        &format!(
            "{}\ncommodity_revenue_gdp = 0.03\n{SHOCKS}\n[stress.oil]\ncommodity_price = -0.5\n",
            TOY.replace("end_year = 2027", "end_year = 2030")
        ),
    )]);
    let out = dir.path().join("paths.csv");
    let summary = dir.path().join("summary.csv");
    fiscalsim()
        .arg("stress")
        .arg(dir.path().join("s.toml"))
        .arg("--out")
        .arg(&out)
        .arg("--summary")
        .arg(&summary)
        .args(["--benchmark", "0.55"])
        .assert()
        .success()
        .stderr(predicates::str::contains("contingent_liability"));
    let (h, rows) = read_csv(&std::fs::read_to_string(&out).unwrap());
    assert_eq!(&h[..4], ["scenario", "test", "year", "gdp_real"]);
    assert_eq!(
        rows.len(),
        9 * 5,
        "baseline, 7 standard tests and oil, 5 years each"
    );
    let tests: Vec<&str> = rows.iter().step_by(5).map(|r| r[1].as_str()).collect();
    assert_eq!(tests[0], "baseline");
    assert_eq!(tests[8], "oil");
    let debt = column(&h, &rows, "debt_gdp");
    let (sh, srows) = read_csv(&std::fs::read_to_string(&summary).unwrap());
    assert_eq!(sh, stress::SUMMARY_COLUMNS);
    assert_eq!(srows.len(), 9);
    let cl_final: f64 = srows[7][4].parse().unwrap();
    assert_eq!(srows[7][1], "contingent_liability");
    assert_eq!(
        cl_final,
        debt[7 * 5 + 4],
        "final debt/GDP from the per-year CSV"
    );
    let base_final = debt[4];
    let delta: f64 = srows[7][5].parse().unwrap();
    assert!((delta - (cl_final - base_final)).abs() < 1e-15);
    let at = |name: &str| sh.iter().position(|c| c == name).unwrap();
    assert_eq!(srows[7][at("benchmark")], "0.55");
    assert_eq!(srows[7][at("first_year_above_benchmark")], "2026");
    assert_eq!(
        srows[0][at("first_year_above_benchmark")],
        "",
        "the baseline never exceeds 55 %"
    );
    assert_eq!(srows[7][at("status")], "ok");
    // The peak gross financing need is the largest of the per-year CSV's.
    let gfn = column(&h, &rows, "gross_financing_need_gdp");
    let peak = gfn[7 * 5..8 * 5].iter().copied().fold(f64::MIN, f64::max);
    let stated: f64 = srows[7][at("peak_gross_financing_need_gdp")]
        .parse()
        .unwrap();
    assert_eq!(stated, peak);
    // --chart: the debt/GDP paths on one SVG panel, one line per test.
    fiscalsim()
        .arg("stress")
        .arg(dir.path().join("s.toml"))
        .arg("--out")
        .arg(dir.path().join("chart-paths.csv"))
        .arg("--chart")
        .arg(dir.path().join("debt.svg"))
        .arg("--quiet")
        .assert()
        .success();
    let svg = std::fs::read_to_string(dir.path().join("debt.svg")).unwrap();
    assert!(svg.starts_with("<svg"));
    for name in ["baseline", "interest_rate", "contingent_liability", "oil"] {
        assert!(svg.contains(name), "{name} in the legend");
    }
    // `--set` reaches the [stress] table.
    fiscalsim()
        .arg("stress")
        .arg(dir.path().join("s.toml"))
        .args([
            "--set",
            "stress.interest_rate.size=0.03",
            "--summary",
            "-",
            "--quiet",
        ])
        .arg("--out")
        .arg(dir.path().join("other.csv"))
        .assert()
        .success()
        .stdout(predicates::str::contains("interest rate +300 bp held"));
    // Same run, same bytes.
    let first = std::fs::read(&out).unwrap();
    fiscalsim()
        .arg("stress")
        .arg(dir.path().join("s.toml"))
        .arg("--out")
        .arg(&out)
        .arg("--quiet")
        .assert()
        .success()
        .stderr("");
    assert!(
        std::fs::read(&out).unwrap() == first,
        "same run, same bytes"
    );
}

#[test]
fn only_runs_the_named_tests() {
    let dir = dir_with(&[("s.toml", &scenario_text(""))]);
    let out = fiscalsim()
        .arg("stress")
        .arg(dir.path().join("s.toml"))
        .args(["--only", "combined,interest_rate", "--quiet"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let (h, rows) = read_csv(&String::from_utf8(out.stdout).unwrap());
    let tests: Vec<&str> = rows.iter().step_by(5).map(|r| r[1].as_str()).collect();
    assert_eq!(tests, ["baseline", "interest_rate", "combined"]);
    // The combined test is unchanged by the selection.
    let sc = scenario("");
    let full = path_of(&sc, "combined");
    let debt = column(&h, &rows, "debt_gdp");
    assert_eq!(
        debt[10..15],
        full.iter().map(|y| y.debt_gdp).collect::<Vec<_>>()[..]
    );
    fiscalsim()
        .arg("stress")
        .arg(dir.path().join("s.toml"))
        .args(["--only", "interest"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("--only"))
        .stderr(predicates::str::contains("did you mean `interest_rate`"));
}

#[test]
fn cli_reports_user_errors_with_exit_code_2() {
    let dir = dir_with(&[(
        "s.toml",
        &format!("{TOY}\n[stress.interest_rate]\nsise = 0.03\n"),
    )]);
    fiscalsim()
        .arg("stress")
        .arg(dir.path().join("s.toml"))
        .assert()
        .code(2)
        .stderr(predicates::str::contains("s.toml:29:1"))
        .stderr(predicates::str::contains("did you mean `size`"));
    let dir = dir_with(&[("s.toml", TOY)]);
    fiscalsim()
        .arg("stress")
        .arg(dir.path().join("s.toml"))
        .arg("--benchmark=-1")
        .assert()
        .code(2)
        .stderr(predicates::str::contains("--benchmark"));
    fiscalsim()
        .arg("stress")
        .arg(dir.path().join("s.toml"))
        .arg("--out")
        .arg(dir.path().join("s.toml"))
        .assert()
        .code(2)
        .stderr(predicates::str::contains("refusing to overwrite"));
    // The [stress] section is part of the resolved JSON only when present.
    let json = fiscalsim()
        .arg("resolve")
        .arg(dir.path().join("s.toml"))
        .output()
        .unwrap();
    assert!(!String::from_utf8_lossy(&json.stdout).contains("stress"));
    fiscalsim()
        .arg("resolve")
        .arg(dir.path().join("s.toml"))
        .args(["--set", "stress.benchmark=0.6"])
        .assert()
        .success()
        .stdout(predicates::str::contains("\"benchmark\": 0.6"));
}

// ---------------------------------------------------------------------------------------
// Goal-seek (`fiscalsim solve`).

mod goal_seek {
    use std::path::Path;

    use fiscalsim::metric::Metric;
    use fiscalsim::montecarlo::map_draws;
    use fiscalsim::scenario::{Override, load};

    use super::*;

    /// TOY without the demand and capital channels and with policy growth spending equal
    /// to the baseline, so GDP does not depend on policy: N_1 = 100 * 1.05 * 1.05.
    /// Then d_1 = (D0 (1 + i) - (tau - s - o) N_1) / N_1 = 55 / 110.25 - 0.18 + o, and
    /// `debt_gdp@2026 <= 0.6` holds for o <= 0.78 - 55 / 110.25.
    const LINEAR: &str = r#"
[structure]
spending_multiplier = 0
revenue_multiplier = 0
public_capital_elasticity = 0
"#;

    fn linear_file() -> tempfile::TempDir {
        let text = format!(
            "{}\n{LINEAR}",
            TOY.replace("{ 2025 = 0.02, 2027 = 0.04 }", "0.02")
        );
        dir_with(&[("s.toml", &text)])
    }

    fn result_row(dir: &Path) -> (Vec<String>, Vec<String>) {
        let (h, rows) = read_csv(&std::fs::read_to_string(dir.join("result.csv")).unwrap());
        (h, rows.into_iter().next().unwrap())
    }

    fn field(h: &[String], row: &[String], name: &str) -> String {
        row[h.iter().position(|c| c == name).unwrap()].clone()
    }

    #[test]
    fn deterministic_target_matches_the_analytic_answer() {
        let dir = linear_file();
        let answer = 0.78 - 55.0 / 110.25;
        fiscalsim()
            .arg("solve")
            .arg(dir.path().join("s.toml"))
            .args(["--adjust", "policy.other_spending_gdp", "--within", "0:0.5"])
            .args(["--target", "debt_gdp@2026 <= 0.6"])
            .arg("--out")
            .arg(dir.path().join("result.csv"))
            .assert()
            .success()
            .stdout(predicates::str::contains("the target holds at and below"));
        let (h, row) = result_row(dir.path());
        assert_eq!(field(&h, &row, "status"), "found");
        let value: f64 = field(&h, &row, "value").parse().unwrap();
        let metric: f64 = field(&h, &row, "metric").parse().unwrap();
        let other: f64 = field(&h, &row, "other_value").parse().unwrap();
        assert!(
            value <= answer + 1e-12 && answer - value <= 5e-7,
            "{value} vs {answer}"
        );
        assert!(other > value && other - value <= 5e-7);
        assert!(metric <= 0.6 && 0.6 - metric < 1e-6, "{metric}");
        // A linear metric: interpolation lands on the answer in a few evaluations.
        let evaluations: usize = field(&h, &row, "evaluations").parse().unwrap();
        assert!(evaluations <= 8, "{evaluations} evaluations");
        assert_eq!(field(&h, &row, "draws"), "", "deterministic");
        // `--out -`: the CSV on standard output, the report on standard error.
        let out = fiscalsim()
            .arg("solve")
            .arg(dir.path().join("s.toml"))
            .args(["--adjust", "policy.other_spending_gdp", "--within", "0:0.5"])
            .args(["--target", "debt_gdp@2026 <= 0.6", "--out", "-"])
            .output()
            .unwrap();
        assert!(out.status.success());
        let (h2, rows) = read_csv(&String::from_utf8(out.stdout).unwrap());
        assert_eq!(h2, h);
        assert_eq!(rows[0], row, "same result, same bytes");
        assert!(String::from_utf8_lossy(&out.stderr).contains("value:"));
    }

    #[test]
    fn a_scan_lists_the_grid_and_narrows_each_boundary() {
        let dir = linear_file();
        let answer = 0.78 - 55.0 / 110.25;
        fiscalsim()
            .arg("solve")
            .arg(dir.path().join("s.toml"))
            .args(["--adjust", "policy.other_spending_gdp", "--within", "0:0.5"])
            .args(["--target", "debt_gdp@2026 <= 0.6", "--scan", "5"])
            .arg("--out")
            .arg(dir.path().join("result.csv"))
            .assert()
            .success()
            .stdout(predicates::str::contains("1 boundary:"))
            .stdout(predicates::str::contains("0.3       0.6188662131519274 -"));
        let (h, row) = result_row(dir.path());
        assert_eq!(field(&h, &row, "status"), "found");
        let value: f64 = field(&h, &row, "value").parse().unwrap();
        assert!(
            value <= answer + 1e-12 && answer - value <= 5e-7,
            "{value} vs {answer}"
        );
        // The target holds everywhere on a grid of [0, 0.1].
        fiscalsim()
            .arg("solve")
            .arg(dir.path().join("s.toml"))
            .args(["--adjust", "policy.other_spending_gdp", "--within", "0:0.1"])
            .args(["--target", "debt_gdp@2026 <= 0.6", "--scan", "4"])
            .assert()
            .success()
            .stdout(predicates::str::contains("holds at ALL of its 5 points"));
        fiscalsim()
            .arg("solve")
            .arg(dir.path().join("s.toml"))
            .args(["--adjust", "policy.other_spending_gdp", "--within", "0:0.1"])
            .args(["--target", "debt_gdp@2026 <= 0.6", "--scan", "0"])
            .assert()
            .code(2)
            .stderr(predicates::str::contains("--scan"));
    }

    #[test]
    fn one_year_of_a_path_can_be_adjusted_and_user_sets_apply_first() {
        let dir = linear_file();
        // With revenue 0.25 set by the user, d_1 = 55/110.25 - 0.23 + o: the answer moves
        // by 0.05; adjusting only the 2026 value of the path gives the same year-1 answer.
        let answer = 0.83 - 55.0 / 110.25;
        fiscalsim()
            .arg("solve")
            .arg(dir.path().join("s.toml"))
            .args(["--set", "policy.revenue_gdp=0.25"])
            .args([
                "--adjust",
                "policy.other_spending_gdp@2026",
                "--within",
                "0:0.5",
            ])
            .args(["--target", "debt_gdp@2026 <= 0.6", "--tol", "1e-9"])
            .arg("--out")
            .arg(dir.path().join("result.csv"))
            .assert()
            .success();
        let (h, row) = result_row(dir.path());
        let value: f64 = field(&h, &row, "value").parse().unwrap();
        assert!((value - answer).abs() <= 1e-9, "{value} vs {answer}");
    }

    /// The metric on a grid, computed here without the solver: resolve the scenario with
    /// the override, run the draws, aggregate.
    fn sweep(file: &Path, address: &str, grid: &[f64], metric: &Metric, draws: u64) -> Vec<f64> {
        grid.iter()
            .map(|x| {
                let o: Override = format!("{address}={x}").parse().unwrap();
                let sc = load(file, &[o]).unwrap();
                let mut v = map_draws(&sc, draws, sc.montecarlo.seed, |_, path| {
                    metric.per_draw(&sc.years, path)
                });
                metric.aggregate(&mut v)
            })
            .collect()
    }

    #[test]
    fn monte_carlo_target_agrees_with_a_fine_sweep() {
        let text = format!(
            "{}\ncommodity_revenue_gdp = 0.03\n{SHOCKS}\n[montecarlo]\nseed = 7\n",
            TOY.replace("end_year = 2027", "end_year = 2030")
        );
        let dir = dir_with(&[("s.toml", &text)]);
        let file = dir.path().join("s.toml");
        let target = "prob(debt_gdp@2030 <= 0.55) >= 0.5";
        let metric: Metric = "prob(debt_gdp@2030 <= 0.55)".parse().unwrap();
        let (lo, hi) = (0.10, 0.25);
        fiscalsim()
            .arg("solve")
            .arg(&file)
            .args([
                "--adjust",
                "policy.other_spending_gdp",
                "--within",
                "0.10:0.25",
            ])
            .args(["--target", target, "--draws", "400"])
            .arg("--out")
            .arg(dir.path().join("result.csv"))
            .assert()
            .success()
            .stdout(predicates::str::contains(
                "400 draws, seed 7, common random numbers",
            ));
        let (h, row) = result_row(dir.path());
        assert_eq!(field(&h, &row, "status"), "found");
        let value: f64 = field(&h, &row, "value").parse().unwrap();
        let achieved: f64 = field(&h, &row, "metric").parse().unwrap();
        let n = 151;
        let grid: Vec<f64> = (0..n)
            .map(|k| lo + (hi - lo) * k as f64 / (n - 1) as f64)
            .collect();
        let probs = sweep(&file, "policy.other_spending_gdp", &grid, &metric, 400);
        // More spending, more debt: the probability falls along the grid (common random
        // numbers make it monotone here), from above 0.5 to below.
        assert!(probs.windows(2).all(|w| w[1] <= w[0]), "{probs:?}");
        assert!(probs[0] >= 0.5 && probs[n - 1] < 0.5);
        let k = probs.iter().position(|p| *p < 0.5).unwrap();
        assert!(
            grid[k - 1] <= value && value < grid[k],
            "solve {value} outside the sweep's crossing [{}, {})",
            grid[k - 1],
            grid[k]
        );
        // The achieved metric is the sweep's value there, recomputed independently.
        let at = sweep(&file, "policy.other_spending_gdp", &[value], &metric, 400)[0];
        assert_eq!(achieved, at);
        assert!(achieved >= 0.5);
    }

    #[test]
    fn deterministic_target_agrees_with_a_fine_sweep_through_the_debt_premium() {
        // Year 4 with the premium and the capital channel: no closed form, so a sweep.
        let text = format!("{}\n", TOY.replace("end_year = 2027", "end_year = 2029"));
        let dir = dir_with(&[("s.toml", &text)]);
        let file = dir.path().join("s.toml");
        let out = fiscalsim()
            .arg("solve")
            .arg(&file)
            .args([
                "--adjust",
                "structure.spending_multiplier",
                "--within",
                "0:2",
            ])
            .args(["--target", "mean(real_growth@2026..2029) >= 0.053"])
            .arg("--out")
            .arg(dir.path().join("result.csv"))
            .assert()
            .success();
        drop(out);
        let (h, row) = result_row(dir.path());
        let value: f64 = field(&h, &row, "value").parse().unwrap();
        let metric: Metric = "mean(real_growth@2026..2029)".parse().unwrap();
        let grid: Vec<f64> = (0..=400).map(|k| 2.0 * k as f64 / 400.0).collect();
        let values: Vec<f64> = grid
            .iter()
            .map(|m| {
                let o: Override = format!("structure.spending_multiplier={m}")
                    .parse()
                    .unwrap();
                let sc = load(&file, &[o]).unwrap();
                metric
                    .deterministic(&sc.years, &project(&sc).unwrap())
                    .unwrap()
            })
            .collect();
        let k = values.iter().position(|v| *v >= 0.053).unwrap();
        assert!(k > 0 && values[k - 1] < 0.053);
        assert!(
            grid[k - 1] < value && value <= grid[k],
            "{value} vs [{}, {}]",
            grid[k - 1],
            grid[k]
        );
    }

    #[test]
    fn says_when_the_target_holds_at_both_or_neither_end() {
        let dir = linear_file();
        let file = dir.path().join("s.toml");
        fiscalsim()
            .arg("solve")
            .arg(&file)
            .args(["--adjust", "policy.other_spending_gdp", "--within", "0:0.1"])
            .args(["--target", "debt_gdp@2026 <= 0.6"])
            .arg("--out")
            .arg(dir.path().join("result.csv"))
            .assert()
            .success()
            .stdout(predicates::str::contains("holds at BOTH ends of [0, 0.1]"))
            .stdout(predicates::str::contains(
                "debt_gdp@2026 = 0.318866213151927",
            ));
        let (h, row) = result_row(dir.path());
        assert_eq!(field(&h, &row, "status"), "holds_at_both_ends");
        assert_eq!(field(&h, &row, "value"), "");
        fiscalsim()
            .arg("solve")
            .arg(&file)
            .args([
                "--adjust",
                "policy.other_spending_gdp",
                "--within",
                "0.4:0.5",
            ])
            .args(["--target", "debt_gdp@2026 <= 0.6"])
            .assert()
            .success()
            .stdout(predicates::str::contains(
                "holds at NEITHER end of [0.4, 0.5]",
            ));
    }

    #[test]
    fn a_seed_without_draws_is_pointed_out() {
        let dir = linear_file();
        fiscalsim()
            .arg("solve")
            .arg(dir.path().join("s.toml"))
            .args(["--adjust", "policy.other_spending_gdp", "--within", "0:0.5"])
            .args(["--target", "debt_gdp@2026 <= 0.6", "--seed", "3"])
            .assert()
            .success()
            .stderr(predicates::str::contains("--seed has no effect"));
        // With --draws, a plain series is the mean over draws (all sd = 0 in this file:
        // every draw is the deterministic run, so the answer is the same).
        fiscalsim()
            .arg("solve")
            .arg(dir.path().join("s.toml"))
            .args(["--adjust", "policy.other_spending_gdp", "--within", "0:0.5"])
            .args([
                "--target",
                "debt_gdp@2026 <= 0.6",
                "--seed",
                "3",
                "--draws",
                "10",
            ])
            .arg("--out")
            .arg(dir.path().join("result.csv"))
            .assert()
            .success()
            .stderr("");
        let (h, row) = result_row(dir.path());
        assert_eq!(field(&h, &row, "draws"), "10");
        let value: f64 = field(&h, &row, "value").parse().unwrap();
        assert!((value - (0.78 - 55.0 / 110.25)).abs() <= 5e-7);
    }

    #[test]
    fn adjusting_a_parameter_that_uncertainty_draws_is_pointed_out() {
        let text = format!(
            "{}\n{LINEAR}\n[uncertainty]\nrevenue_multiplier = {{ distribution = \"uniform\", min = 0.1, max = 0.3 }}\n",
            TOY.replace("{ 2025 = 0.02, 2027 = 0.04 }", "0.02")
        );
        let dir = dir_with(&[("s.toml", &text)]);
        fiscalsim()
            .arg("solve")
            .arg(dir.path().join("s.toml"))
            .args([
                "--adjust",
                "structure.revenue_multiplier",
                "--within",
                "0:1",
            ])
            .args(["--target", "debt_gdp@2026 <= 0.6", "--draws", "20"])
            .assert()
            .success()
            .stderr(predicates::str::contains("is drawn from [uncertainty]"))
            .stdout(predicates::str::contains("holds at BOTH ends"));
    }

    #[test]
    fn user_errors_name_the_flag_and_exit_2() {
        let dir = linear_file();
        let file = dir.path().join("s.toml");
        let run = |adjust: &str, within: &str, target: &str| {
            fiscalsim()
                .arg("solve")
                .arg(&file)
                .args(["--adjust", adjust, "--within", within, "--target", target])
                .assert()
                .code(2)
        };
        run(
            "policy.other_spending_gdp",
            "0.5:0.1",
            "debt_gdp@2026 <= 0.6",
        )
        .stderr(predicates::str::contains("--within"));
        run("policy.other_spending_gdp", "0.1", "debt_gdp@2026 <= 0.6")
            .stderr(predicates::str::contains("LO:HI"));
        run("policy.other_spending_gdp", "0:0.5", "debt_gdp@2026")
            .stderr(predicates::str::contains("--target"));
        run("policy.other_spending_gdp", "0:0.5", "debt_gpd@2026 <= 0.6")
            .stderr(predicates::str::contains("debt_gdp"));
        run("policy.other_spending_gdp", "0:0.5", "debt_gdp@2040 <= 0.6")
            .stderr(predicates::str::contains("--target"));
        run("policy.other_spendin_gdp", "0:0.5", "debt_gdp@2026 <= 0.6").stderr(
            predicates::str::contains("did you mean `other_spending_gdp`"),
        );
        run("policy.other_spending_gdp", "0:2", "debt_gdp@2026 <= 0.6")
            .stderr(predicates::str::contains("share in [0, 1]"));
    }
}

/// The stress debt/GDP panel is one drawing: `chart stress` and `stress --chart` give the
/// same bytes, and `report --stress` embeds it with one summary row per test.
#[test]
fn stress_chart_in_chart_and_report_commands() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = crate::util::scenario("kazakhstan-stress.toml");
    let a = dir.path().join("a.svg");
    let b = dir.path().join("b.svg");
    crate::util::fiscalsim()
        .args(["chart", "stress"])
        .arg(&file)
        .arg("--out")
        .arg(&a)
        .assert()
        .success();
    crate::util::fiscalsim()
        .arg("stress")
        .arg(&file)
        .args(["--quiet", "--out", "-", "--chart"])
        .arg(&b)
        .assert()
        .success();
    let svg = std::fs::read_to_string(&a).expect("chart written");
    assert_eq!(svg, std::fs::read_to_string(&b).expect("chart written"));
    assert!(
        svg.starts_with("<svg") && svg.contains("benchmark 33 %"),
        "{}",
        &svg[..200.min(svg.len())]
    );

    let html_path = dir.path().join("r.html");
    crate::util::fiscalsim()
        .arg("report")
        .arg(&file)
        .args(["--stress", "--out"])
        .arg(&html_path)
        .assert()
        .success();
    let html = std::fs::read_to_string(&html_path).expect("report written");
    let section = &html[html
        .find("<section id=\"stress\">")
        .expect("stress section")..];
    let section = &section[..section.find("</section>").expect("section closes")];
    for test in [
        "baseline",
        "interest_rate",
        "contingent_liability",
        "combined",
    ] {
        assert!(
            section.contains(&format!("<td class=\"l\">{test}</td>")),
            "row for {test}"
        );
    }
    assert!(section.contains("<svg"), "the panel is inlined");
    let plain = dir.path().join("plain.html");
    crate::util::fiscalsim()
        .arg("report")
        .arg(&file)
        .arg("--out")
        .arg(&plain)
        .assert()
        .success();
    assert!(
        !std::fs::read_to_string(&plain)
            .expect("report")
            .contains("id=\"stress\"")
    );
}
