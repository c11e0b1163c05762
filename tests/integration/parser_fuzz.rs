//! Property tests of the scenario parser and resolver on arbitrary input: raw bytes,
//! structured scenarios (a valid scenario with random keys, sections and values put in,
//! replaced or removed), mutated text and `--set` arguments. Whatever the input: no
//! panic, no hang, and an error is a user error (exit code 2) with a message; a scenario
//! that resolves projects without panicking, to finite numbers or a numerical error that
//! names a projection year.
//!
//! The default number of cases keeps the suite quick; the long fuzz run sets
//! `FISCALSIM_FUZZ_CASES` (see `docs/errors.md`):
//! `FISCALSIM_FUZZ_CASES=20000 cargo test --test integration parser_fuzz`.

use std::path::Path;

use proptest::collection::vec;
use proptest::prelude::*;

use fiscalsim::Error;
use fiscalsim::model::project;
use fiscalsim::scenario::{Override, load_bytes, load_str};

use crate::util::{TOY, dir_with};

fn config(default_cases: u32) -> ProptestConfig {
    let cases = std::env::var("FISCALSIM_FUZZ_CASES")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(default_cases);
    ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// Checks the outcome of loading `text`: a user error with a non-empty message whose
/// lines point inside the text, or a scenario that projects soundly.
fn check_outcome(result: Result<fiscalsim::scenario::Scenario, Error>, text_lines: usize) {
    match result {
        Err(e) => {
            assert_eq!(e.exit_code(), 2, "user input gave an internal error: {e}");
            if let Error::Scenario(d) = &e {
                assert!(!d.0.is_empty(), "a scenario error without diagnostics");
                for diag in &d.0 {
                    assert!(!diag.message.is_empty());
                    if let Some(loc) = &diag.loc {
                        assert!(
                            loc.line as usize <= text_lines + 1,
                            "line {} beyond the text ({text_lines} lines): {diag}",
                            loc.line
                        );
                    }
                }
            }
            assert!(!e.to_string().is_empty());
        }
        Ok(sc) => {
            let json: serde_json::Value =
                serde_json::from_str(&sc.to_json()).expect("resolve prints valid JSON");
            assert_eq!(json["years"].as_array().map(Vec::len), Some(sc.horizon()));
            match project(&sc) {
                Ok(path) => {
                    assert_eq!(path.len(), sc.horizon());
                    assert!(
                        path.iter()
                            .all(|y| y.values().iter().all(|v| v.is_finite())),
                        "a projection returned a non-finite value without an error"
                    );
                }
                Err(Error::Numerical { year, message }) => {
                    assert!(
                        sc.years.contains(&year),
                        "breakdown in {year}, not a projection year"
                    );
                    assert!(!message.is_empty());
                }
                Err(e) => panic!("projection failed with an unexpected error: {e}"),
            }
        }
    }
}

/// The keys a scenario knows (MODEL.md), some misspellings, and free identifiers.
fn key() -> impl Strategy<Value = String> {
    const KNOWN: &[&str] = &[
        "name",
        "description",
        "base_year",
        "end_year",
        "years",
        "currency",
        "extends",
        "gdp_nominal",
        "debt_gdp",
        "public_capital_gdp",
        "output_gap",
        "growth_spending_gdp",
        "revenue_gdp",
        "exchange_rate",
        "commodity_price",
        "real_growth",
        "inflation",
        "interest_rate",
        "commodity_revenue_gdp",
        "other_spending_gdp",
        "other_flows_gdp",
        "primary_spending_gdp",
        "growth_spending_share",
        "capital_share",
        "efficiency",
        "depreciation",
        "public_capital_elasticity",
        "spending_multiplier",
        "revenue_multiplier",
        "gap_persistence",
        "debt_premium",
        "debt_threshold",
        "commodity_revenue_elasticity",
        "fx_debt_share",
        "sd",
        "correlation",
        "persistence",
        "distribution",
        "dof",
        "draws",
        "seed",
        "quantiles",
        "revenue_gpd",
        "inflaton",
    ];
    prop_oneof![
        4 => proptest::sample::select(KNOWN).prop_map(str::to_string),
        1 => "[a-z_]{1,10}",
        1 => (1990i32..2100).prop_map(|y| y.to_string()),
    ]
}

fn section() -> impl Strategy<Value = String> {
    const SECTIONS: &[&str] = &[
        "",
        "initial",
        "baseline",
        "policy",
        "structure",
        "shocks",
        "montecarlo",
        "stress",
        "uncertainty",
        "sweep",
    ];
    prop_oneof![
        6 => proptest::sample::select(SECTIONS).prop_map(str::to_string),
        1 => "[a-z]{1,8}",
    ]
}

/// A float in TOML syntax, including inf and nan.
fn float(x: f64) -> String {
    if x.is_nan() {
        "nan".into()
    } else if x.is_infinite() {
        if x > 0.0 { "inf".into() } else { "-inf".into() }
    } else {
        format!("{x:?}")
    }
}

/// A TOML value: numbers (plausible and extreme), strings, booleans, arrays and inline
/// tables (often year-keyed paths), nested.
fn value() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        3 => (-1.5f64..1.5).prop_map(float),
        2 => (1990i64..2100).prop_map(|i| i.to_string()),
        1 => any::<i64>().prop_map(|i| i.to_string()),
        1 => any::<f64>().prop_map(float),
        1 => proptest::sample::select(&[0.0, -0.0, 1.0, 2.0, 1e300, -1e300, 5e-324, f64::INFINITY, f64::NAN][..]).prop_map(float),
        1 => "[a-z_ ]{0,10}".prop_map(|s| format!("\"{s}\"")),
        1 => proptest::sample::select(&["\"student_t\"", "\"normal\"", "\"step\"", "\"toy.toml\"", "\"missing.toml\"", "true"][..]).prop_map(str::to_string),
    ];
    leaf.prop_recursive(3, 40, 8, |inner| {
        prop_oneof![
            vec(inner.clone(), 0..8).prop_map(|v| format!("[{}]", v.join(", "))),
            vec((key(), inner), 0..5).prop_map(|kv| {
                let body: Vec<String> = kv.iter().map(|(k, v)| format!("{k} = {v}")).collect();
                format!("{{ {} }}", body.join(", "))
            }),
        ]
    })
}

/// An edit of the toy scenario.
#[derive(Debug, Clone)]
enum Edit {
    Set(String, String, String),
    Remove(usize),
    /// A plausible new value for the existing entry at this index (modulo their number).
    Tweak(usize, String),
}

/// A distribution of `[uncertainty]`, plausible or not.
fn distribution() -> impl Strategy<Value = String> {
    (
        proptest::sample::select(
            &[
                "triangular",
                "uniform",
                "truncated_normal",
                "normal",
                "beta",
                "",
            ][..],
        ),
        vec(
            (
                proptest::sample::select(&["min", "mode", "max", "mean", "sd", "mx"][..]),
                prop_oneof![(-1.0f64..2.0).prop_map(float), value()],
            ),
            0..5,
        ),
    )
        .prop_map(|(d, params)| {
            let mut body = vec![format!("distribution = \"{d}\"")];
            body.extend(params.iter().map(|(k, v)| format!("{k} = {v}")));
            format!("{{ {} }}", body.join(", "))
        })
}

/// A plausible value: a share-like number, a year-keyed path, a list of 6 numbers, or a
/// distribution of `[uncertainty]`.
fn plausible() -> impl Strategy<Value = String> {
    prop_oneof![
        1 => distribution(),
        3 => (-0.2f64..1.2).prop_map(float),
        2 => (2024i32..2030, -0.1f64..0.6, 2026i32..2031, -0.1f64..0.6)
            .prop_map(|(y1, a, y2, b)| format!("{{ {y1} = {}, {y2} = {} }}", float(a), float(b))),
        1 => vec(-0.1f64..0.5, 6).prop_map(|v| format!("[{}]", v.iter().map(|x| float(*x)).collect::<Vec<_>>().join(", "))),
        1 => (2024i64..2040).prop_map(|y| y.to_string()),
    ]
}

/// Known (section, key) pairs that the toy leaves at their defaults.
fn known_pair() -> impl Strategy<Value = (String, String)> {
    const PAIRS: &[(&str, &str)] = &[
        ("structure", "capital_share"),
        ("structure", "efficiency"),
        ("structure", "depreciation"),
        ("structure", "public_capital_elasticity"),
        ("structure", "spending_multiplier"),
        ("structure", "revenue_multiplier"),
        ("structure", "gap_persistence"),
        ("structure", "debt_premium"),
        ("structure", "debt_threshold"),
        ("structure", "fx_debt_share"),
        ("structure", "commodity_revenue_elasticity"),
        ("shocks", "sd"),
        ("shocks", "persistence"),
        ("montecarlo", "draws"),
        ("montecarlo", "seed"),
        ("policy", "commodity_revenue_gdp"),
        ("policy", "other_flows_gdp"),
        ("policy", "revenue_gdp"),
        ("initial", "output_gap"),
        ("", "end_year"),
        ("uncertainty", "spending_multiplier"),
        ("uncertainty", "efficiency"),
        ("uncertainty", "gap_persistence"),
        ("uncertainty", "debt_premium"),
    ];
    proptest::sample::select(PAIRS).prop_map(|(s, k)| (s.to_string(), k.to_string()))
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        2 => (section(), key(), value()).prop_map(|(s, k, v)| Edit::Set(s, k, v)),
        3 => (known_pair(), plausible()).prop_map(|((s, k), v)| Edit::Set(s, k, v)),
        3 => (0usize..40, plausible()).prop_map(|(i, v)| Edit::Tweak(i, v)),
        1 => (0usize..40).prop_map(Edit::Remove),
    ]
}

/// The toy scenario as (section, key, value) entries.
fn toy_entries() -> Vec<(String, String, String)> {
    let mut section = String::new();
    let mut out = Vec::new();
    for line in TOY.lines().map(str::trim).filter(|l| !l.is_empty()) {
        if let Some(s) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            section = s.to_string();
        } else if let Some((k, v)) = line.split_once(" = ") {
            out.push((section.clone(), k.to_string(), v.to_string()));
        }
    }
    out
}

/// TOML text from entries: top-level keys first, then one table per section.
fn render(entries: &[(String, String, String)]) -> String {
    let mut text = String::new();
    for (_, k, v) in entries.iter().filter(|e| e.0.is_empty()) {
        text.push_str(&format!("{k} = {v}\n"));
    }
    let mut sections: Vec<&str> = entries
        .iter()
        .map(|e| e.0.as_str())
        .filter(|s| !s.is_empty())
        .collect();
    sections.dedup();
    let mut seen = Vec::new();
    for s in sections {
        if seen.contains(&s) {
            continue;
        }
        seen.push(s);
        text.push_str(&format!("\n[{s}]\n"));
        for (_, k, v) in entries.iter().filter(|e| e.0 == s) {
            text.push_str(&format!("{k} = {v}\n"));
        }
    }
    text
}

fn apply(edits: &[Edit]) -> String {
    let mut entries = toy_entries();
    for e in edits {
        match e {
            Edit::Set(s, k, v) => match entries.iter_mut().find(|x| &x.0 == s && &x.1 == k) {
                Some(slot) => slot.2 = v.clone(),
                None => entries.push((s.clone(), k.clone(), v.clone())),
            },
            Edit::Tweak(i, v) => {
                if !entries.is_empty() {
                    let i = i % entries.len();
                    entries[i].2 = v.clone();
                }
            }
            Edit::Remove(i) => {
                if !entries.is_empty() {
                    let i = i % entries.len();
                    entries.remove(i);
                }
            }
        }
    }
    render(&entries)
}

#[test]
fn the_structured_generator_reproduces_the_toy() {
    let text = apply(&[]);
    let sc = load_str(&text, "toy.toml", Path::new("."), &[]).expect("toy resolves");
    assert_eq!(sc.years, [2026, 2027]);
    assert_eq!(sc.initial.gdp_nominal, 100.0);
}

proptest! {
    #![proptest_config(config(64))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in vec(any::<u8>(), 0..2048)) {
        let r = load_bytes(&bytes, "fuzz.toml", Path::new("."), &[]);
        check_outcome(r, bytes.iter().filter(|&&b| b == b'\n').count());
    }

    #[test]
    fn toml_like_text_never_panics(text in "(\\[[a-z]{0,8}\\]\n|[a-z_]{1,12} = ([-0-9.e]{1,8}|\"[a-z]*\"|\\[[0-9., ]*\\]|\\{[0-9 =.,]*\\})\n){0,20}") {
        let r = load_str(&text, "fuzz.toml", Path::new("."), &[]);
        check_outcome(r, text.lines().count());
    }

    #[test]
    fn edited_scenarios_never_panic(edits in vec(edit(), 1..6)) {
        let dir = dir_with(&[("toy.toml", TOY)]);
        let text = apply(&edits);
        let r = load_str(&text, "fuzz.toml", dir.path(), &[]);
        check_outcome(r, text.lines().count());
    }

    #[test]
    fn mutated_text_never_panics(pos in any::<prop::sample::Index>(), len in 0usize..40, insert in "[\\[\\]{}=,.\"0-9a-z \n-]{0,12}") {
        let mut text = TOY.to_string();
        let start = pos.index(text.len());
        let end = (start + len).min(text.len());
        if text.is_char_boundary(start) && text.is_char_boundary(end) {
            text.replace_range(start..end, &insert);
        }
        let r = load_str(&text, "fuzz.toml", Path::new("."), &[]);
        check_outcome(r, text.lines().count());
    }

    #[test]
    fn set_arguments_never_panic(addr in "(name|end_year|base_year|[a-z]{1,8})(\\.[a-z_]{1,12}){0,3}(@[0-9x]{1,5})?", v in value()) {
        let arg = format!("{addr}={v}");
        if let Ok(o) = arg.parse::<Override>() {
            let r = load_str(TOY, "toy.toml", Path::new("."), &[o]);
            check_outcome(r, TOY.lines().count());
        }
    }
}

/// The structured generator must reach the model, not stop at the parser: a fair share
/// of edited scenarios resolve and are projected, and a fair share are rejected.
#[test]
fn edited_scenarios_reach_both_the_model_and_the_validator() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::{RngAlgorithm, TestRng, TestRunner};
    let mut runner = TestRunner::new_with_rng(
        ProptestConfig::default(),
        TestRng::from_seed(RngAlgorithm::ChaCha, &[7; 32]),
    );
    let dir = dir_with(&[("toy.toml", TOY)]);
    let (mut resolved, mut rejected) = (0, 0);
    for _ in 0..300 {
        let edits = vec(edit(), 1..3)
            .new_tree(&mut runner)
            .expect("generate")
            .current();
        match load_str(&apply(&edits), "fuzz.toml", dir.path(), &[]) {
            Ok(sc) => {
                resolved += 1;
                let _ = project(&sc);
            }
            Err(_) => rejected += 1,
        }
    }
    eprintln!("edited scenarios: {resolved} resolved, {rejected} rejected");
    assert!(
        resolved >= 30,
        "only {resolved} of 300 edited scenarios resolved (and {rejected} rejected)"
    );
    assert!(
        rejected >= 30,
        "only {rejected} of 300 edited scenarios were rejected"
    );
}

proptest! {
    #![proptest_config(config(256))]

    /// The metric and event grammar (`--metric`, `--event`, sweep and solve targets):
    /// any text parses or is refused with a message; a metric that parses and fits the
    /// horizon evaluates on a projection without panicking, and prints back to itself.
    #[test]
    fn metric_expressions_never_panic(
        text in "(p[0-9]{1,3}|median|sd|prob|mean|min|max|sum|[a-z]{1,4})?\\(?(debt_gdp|real_growth|gdp_real|[a-z_]{1,9})(@[0-9]{0,5}(\\.\\.[0-9]{0,5})?)?\\)?( ?(>|<|>=|<=|==|=) ?-?[0-9.e]{1,6})?\\)?"
    ) {
        let sc = load_str(TOY, "toy.toml", Path::new("."), &[]).expect("toy");
        let path = project(&sc).expect("toy projects");
        match text.parse::<fiscalsim::metric::Metric>() {
            Err(msg) => prop_assert!(!msg.is_empty()),
            Ok(m) => {
                let printed = m.to_string();
                prop_assert_eq!(printed.parse::<fiscalsim::metric::Metric>().ok(), Some(m.clone()));
                if m.check(&sc.years).is_ok() {
                    let _ = m.per_draw(&sc.years, &path);
                    let _ = m.deterministic(&sc.years, &path);
                    let mut draws = vec![m.per_draw(&sc.years, &path); 3];
                    let _ = m.aggregate(&mut draws);
                }
            }
        }
    }
}

/// A `[sweep]` table with random keys and values (specs, lists, metrics, designs).
fn sweep_table() -> impl Strategy<Value = String> {
    let spec = prop_oneof![
        (-1.0f64..2.0, -1.0f64..2.0, -0.5f64..0.5).prop_map(|(a, b, s)| format!("\"{a}:{b}:{s}\"")),
        (-1.0f64..2.0, -1.0f64..2.0, 0u32..40).prop_map(|(a, b, n)| format!("\"{a}:{b}/{n}\"")),
        "\"[-0-9.:/,a-z]{0,12}\"",
        vec(-1.0f64..2.0, 0..5).prop_map(|v| format!(
            "[{}]",
            v.iter().map(|x| float(*x)).collect::<Vec<_>>().join(", ")
        )),
        value(),
    ];
    let path = prop_oneof![
        Just("structure.spending_multiplier".to_string()),
        Just("structure.capital_share".to_string()),
        Just("policy.growth_spending_gdp@2027".to_string()),
        Just("policy.revenue_gdp".to_string()),
        "[a-z_.@0-9]{1,20}",
    ];
    let setting = prop_oneof![
        (
            proptest::sample::select(
                &["metrics", "design", "samples", "draws", "seed", "sead"][..]
            ),
            prop_oneof![
                value(),
                Just("[\"debt_gdp@2027\", \"p90(debt_gdp@2027)\"]".to_string()),
                Just("\"lhs\"".to_string()),
                (0i64..5000).prop_map(|n| n.to_string()),
            ]
        )
            .prop_map(|(k, v)| format!("{k} = {v}\n")),
    ];
    (vec(setting, 0..4), vec((path, spec), 0..4)).prop_map(|(settings, vary)| {
        let mut t = format!("\n[sweep]\n{}", settings.concat());
        if !vary.is_empty() {
            t.push_str("\n[sweep.vary]\n");
            for (p, s) in vary {
                t.push_str(&format!("\"{p}\" = {s}\n"));
            }
        }
        t
    })
}

proptest! {
    #![proptest_config(config(128))]

    /// The `[sweep]` table is read from the parsed tree by the sweep and sensitivity
    /// commands: whatever it holds, reading it and then resolving the rest never panics.
    #[test]
    fn sweep_tables_never_panic(table in sweep_table()) {
        let text = format!("{TOY}{table}");
        let base = std::path::Path::new(".");
        if let Ok(mut tree) = fiscalsim::scenario::load_tree_str(&text, "fuzz.toml", base) {
            match fiscalsim::sweep::take_sweep_table(&mut tree) {
                Ok(_) => check_outcome(
                    fiscalsim::scenario::resolve_tree(tree, &[]),
                    text.lines().count(),
                ),
                Err(e) => prop_assert_eq!(e.exit_code(), 2),
            }
        }
    }
}
