//! Fuzz target of the scenario parser and resolver (cargo-fuzz / libFuzzer).
//!
//! The input is either the bytes of a scenario file, or, when it starts with `!`, lines
//! of `--set KEY=VALUE` overrides applied to a small valid scenario. Nothing may panic or
//! hang; a scenario that resolves is also projected. Run (see docs/errors.md):
//! `RUSTC_BOOTSTRAP=1 cargo fuzz run scenario -- -max_total_time=240`.

#![no_main]

use std::path::Path;

use fiscalsim::scenario::{Override, load_bytes, load_str};
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

fuzz_target!(|data: &[u8]| {
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
