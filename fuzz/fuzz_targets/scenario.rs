//! Fuzz target of the scenario parser and resolver (cargo-fuzz / libFuzzer).
//!
//! The input is either the bytes of a scenario file, or, when it starts with `!`, lines
//! of `--set KEY=VALUE` overrides applied to a small valid scenario, or, when it starts
//! with `?`, lines of the expressions of `sweep --metric`, `run --prob` and `solve
//! --target` (metrics, events, targets), evaluated on the small scenario's projection and
//! over a few Monte Carlo draws as sweeps and goal-seek evaluate them. Nothing may panic or
//! hang; a scenario that resolves is also projected. Run (see docs/errors.md):
//! `RUSTC_BOOTSTRAP=1 cargo fuzz run scenario -- -max_total_time=240`.

#![no_main]

use std::path::Path;

use fiscalsim::metric::{Event, Metric};
use fiscalsim::montecarlo::over_draws;
use fiscalsim::scenario::{Override, load_bytes, load_str};
use fiscalsim::solve::Target;
use libfuzzer_sys::fuzz_target;

const TOY: &str = r#"
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

/// Metric, event and target expressions, one a line, on the toy scenario.
fn expressions(text: &str) {
    let Ok(sc) = load_str(TOY, "toy.toml", Path::new("."), &[]) else {
        panic!("the toy scenario resolves");
    };
    let Ok(path) = fiscalsim::model::project(&sc) else {
        panic!("the toy scenario projects");
    };
    for line in text.lines().take(8) {
        let metric = match line.parse::<Target>() {
            Ok(t) => {
                assert!(!t.metric.is_empty());
                t.metric.parse::<Metric>()
            }
            Err(e) => {
                assert!(!e.is_empty());
                line.parse::<Metric>()
            }
        };
        if let Ok(e) = line.parse::<Event>()
            && e.check(&sc.years).is_ok()
        {
            let _ = e.holds(&sc.years, &path);
            assert_eq!(e.to_string().parse::<Event>().as_ref(), Ok(&e), "{e}");
        }
        let Ok(m) = metric else { continue };
        assert_eq!(m.to_string().parse::<Metric>().as_ref(), Ok(&m), "{m}");
        if m.check(&sc.years).is_err() {
            continue;
        }
        let _ = m.deterministic(&sc.years, &path);
        let _ = m.per_draw(&sc.years, &path);
        let r = over_draws(std::slice::from_ref(&m), &sc, 16, 1);
        assert_eq!(r.values.len(), 1);
        assert!(r.broken_draws <= r.draws);
    }
}

fuzz_target!(|data: &[u8]| {
    if let Some(rest) = data.strip_prefix(b"?") {
        expressions(&String::from_utf8_lossy(rest));
        return;
    }
    let result = match data.strip_prefix(b"!") {
        Some(rest) => {
            let text = String::from_utf8_lossy(rest);
            let overrides: Vec<Override> = text.lines().filter_map(|l| l.parse().ok()).collect();
            load_str(TOY, "toy.toml", Path::new("."), &overrides)
        }
        None => load_bytes(data, "fuzz.toml", Path::new("/nonexistent-fuzz-dir"), &[]),
    };
    match result {
        Ok(sc) => {
            let _ = sc.to_json();
            if let Ok(path) = fiscalsim::model::project(&sc) {
                assert_eq!(path.len(), sc.horizon());
            }
        }
        Err(e) => {
            assert_eq!(e.exit_code(), 2, "{e}");
            assert!(!e.to_string().is_empty());
        }
    }
});
