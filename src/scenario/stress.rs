//! The `[stress]` section of a scenario: settings of the standard stress tests (size,
//! timing, on/off), the debt benchmark, and user-defined tests.
//!
//! ```toml
//! [stress]
//! benchmark = 0.6                          # debt/GDP benchmark of the summary (default 0.7)
//!
//! [stress.interest_rate]                   # a standard test: change its size or timing
//! size = 0.03                              # +300 bp instead of +200 bp
//!
//! [stress.exchange_rate]                   # largest one-year depreciation in the data
//! data = "../data/kazakhstan_macro_annual.csv"
//! column = "kzt_per_usd_wdi"
//! from = 2000
//!
//! [stress.combined]
//! enabled = false
//!
//! [stress.oil_crash]                       # a user-defined test
//! description = "Oil at -40 % with a 20 % devaluation, revenue measures"
//! years = [2026]                           # default timing of its entries
//! commodity_price = -0.5                   # innovation (log) in 2026
//! exchange_rate = { size = 0.18, years = [2026, 2027] }
//! demand = { 2026 = -0.02, 2027 = -0.01 }  # year-keyed sizes (`hold = true` allowed)
//! revenue_gdp = { size = 0.005, years = [2027, 2028] }   # policy path: added
//! ```
//!
//! This module only reads and checks the section; [`crate::stress`] turns it into tests.

use std::path::{Path, PathBuf};

use serde::Serialize;

use super::reader::Reader;
use super::tree::{Node, Table, Value};
use super::{N_SHOCKS, SHOCK_NAMES};
use crate::error::{Loc, suggest};

/// The standard tests, in the order of the issue (and of every output).
pub const STANDARD_TESTS: [&str; 8] = [
    "real_growth",
    "revenue",
    "interest_rate",
    "exchange_rate",
    "commodity_price",
    "combined",
    "contingent_liability",
    "fund_return",
];

/// The policy paths a user-defined test may change (shares of GDP; `fund_return`, the
/// fund's return, a fraction a year, needs a `[fund]`).
pub const POLICY_PATHS: [&str; 6] = [
    "growth_spending_gdp",
    "other_spending_gdp",
    "revenue_gdp",
    "commodity_revenue_gdp",
    "other_flows_gdp",
    "fund_return",
];

/// Default debt/GDP benchmark of the stress summary (0.7 = 70 % of GDP).
pub(crate) const DEFAULT_BENCHMARK: f64 = 0.7;

/// Keys of the `[stress]` table itself (every other key names a test).
const TOP_KEYS: &[&str] = &["benchmark"];

/// The keys directly under `[stress]` (the benchmark and the standard tests), for
/// unknown-key messages elsewhere in the file.
pub(crate) fn section_keys() -> Vec<&'static str> {
    let mut keys = TOP_KEYS.to_vec();
    keys.extend(STANDARD_TESTS);
    keys
}

/// The keys each standard test accepts.
fn standard_keys(test: &str) -> &'static [&'static str] {
    match test {
        "real_growth" | "commodity_price" => {
            &["enabled", "description", "years", "size", "size_sd"]
        }
        "revenue" => &[
            "enabled",
            "description",
            "years",
            "size",
            "size_sd",
            "history_sd",
            "history",
        ],
        "interest_rate" => &["enabled", "description", "years", "size", "hold"],
        "exchange_rate" => &[
            "enabled",
            "description",
            "years",
            "size",
            "data",
            "column",
            "from",
            "to",
        ],
        "combined" => &["enabled", "description", "share"],
        _ => &["enabled", "description", "years", "size"],
    }
}

/// A calibration data file and the column to read from it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DataColumn {
    /// The CSV file, relative to the working directory (resolved from the scenario file
    /// that names it).
    pub file: PathBuf,
    /// The column (e.g. `kzt_per_usd_wdi`, local currency per USD).
    pub column: String,
    /// First year of the data to use (inclusive), if limited.
    pub from: Option<i32>,
    /// Last year of the data to use (inclusive), if limited.
    pub to: Option<i32>,
    /// Where `data` was written, for messages.
    #[serde(skip)]
    pub loc: Loc,
}

/// Settings of one standard test, as written (absent = the standard default).
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct StandardSettings {
    /// One of [`STANDARD_TESTS`].
    pub test: String,
    /// `false` switches the test off.
    pub enabled: Option<bool>,
    /// Text shown beside the test.
    pub description: Option<String>,
    /// Calendar years in which the test applies.
    pub years: Option<Vec<i32>>,
    /// Absolute size, in the units of what the test moves (fraction; log for the
    /// commodity price; depreciation fraction for the exchange rate, 0.3 = 30 %).
    pub size: Option<f64>,
    /// Size in standard deviations (of the shock's innovation, or of revenue's history);
    /// a stated `size` wins over it.
    pub size_sd: Option<f64>,
    /// Interest-rate test: hold the rate shock at `size` in every year (true, default),
    /// or add `size` as an innovation each year, carried on by persistence (false).
    pub hold: Option<bool>,
    /// Revenue test: sd of the history of non-commodity revenue / GDP (fraction), given
    /// directly or computed (sample sd, n - 1) from a `history` list.
    pub history_sd: Option<f64>,
    /// Exchange-rate test: take the largest one-year depreciation in this data.
    pub data: Option<DataColumn>,
    /// Combined test: the part of each of tests 1-5 applied together (default 0.5).
    pub share: Option<f64>,
}

/// One entry of a user-defined test: an innovation on a shock, or a change of a policy path.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CustomEntry {
    /// A shock name ([`SHOCK_NAMES`]) or a policy path ([`POLICY_PATHS`]).
    pub target: String,
    /// Calendar years in which it applies.
    pub years: Vec<i32>,
    /// Absolute size: an innovation (shock units) or an amount added to a policy path.
    pub size: Option<f64>,
    /// Size in sd of the shock's innovation (shocks only).
    pub size_sd: Option<f64>,
    /// Replacement value of a policy path in `years` (policy paths only).
    pub value: Option<f64>,
    /// Shocks only: hold the shock state at the size in `years` instead of adding an
    /// innovation.
    pub hold: bool,
}

/// A user-defined test.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CustomTest {
    /// Its name (the key of its table, shown in the `test` column).
    pub name: String,
    /// Text shown beside the test.
    pub description: String,
    /// `false` switches the test off.
    pub enabled: bool,
    /// What it does.
    pub entries: Vec<CustomEntry>,
}

/// The `[stress]` section, checked.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StressSpec {
    /// Debt/GDP benchmark of the summary (fraction, default 0.7).
    pub benchmark: f64,
    /// Settings of standard tests, for those that have a table.
    pub standard: Vec<StandardSettings>,
    /// User-defined tests, in the order written.
    pub custom: Vec<CustomTest>,
}

impl Default for StressSpec {
    fn default() -> Self {
        StressSpec {
            benchmark: DEFAULT_BENCHMARK,
            standard: Vec::new(),
            custom: Vec::new(),
        }
    }
}

impl StressSpec {
    /// The settings of standard test `test` (all defaults when not written).
    pub fn settings(&self, test: &str) -> StandardSettings {
        self.standard
            .iter()
            .find(|s| s.test == test)
            .cloned()
            .unwrap_or_else(|| StandardSettings {
                test: test.to_string(),
                ..StandardSettings::default()
            })
    }
}

/// A path named in a scenario file, taken relative to that file's directory.
fn relative_to_source(loc: &Loc, file: &str) -> PathBuf {
    let p = Path::new(file);
    if p.is_absolute() || loc.line == 0 {
        return p.to_path_buf();
    }
    match Path::new(&*loc.source).parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.join(p),
        _ => p.to_path_buf(),
    }
}

/// Reads and checks the `[stress]` section against `r`'s projection years. Mistakes are
/// reported to `r` (with file, line, column and key); `None` when there are any.
pub(super) fn parse(r: &mut Reader, node: &Node) -> Option<StressSpec> {
    let before = r.mark();
    let Value::Table(t) = &node.value else {
        r.err(
            Some(&node.loc),
            "stress",
            format!(
                "expected a table [stress], found a {}",
                node.value.type_name()
            ),
        );
        return None;
    };
    let mut spec = StressSpec::default();
    for e in &t.entries {
        let key = format!("stress.{}", e.key);
        if TOP_KEYS.contains(&e.key.as_str()) {
            if let Some(b) = r.number(&e.node, &key) {
                if b <= 0.0 {
                    r.err(
                        Some(&e.node.loc),
                        &key,
                        format!("must be a debt/GDP ratio above 0 (0.7 means 70 %), found {b}"),
                    );
                } else {
                    spec.benchmark = b;
                }
            }
            continue;
        }
        let Value::Table(test) = &e.node.value else {
            let mut candidates: Vec<&str> = TOP_KEYS.to_vec();
            candidates.extend(STANDARD_TESTS);
            let hint = suggest(&e.key, candidates.iter().copied())
                .map(|s| format!(" (did you mean `{s}`?)"))
                .unwrap_or_default();
            r.err(
                Some(&e.key_loc),
                &key,
                format!(
                    "expected `benchmark = NUMBER` or a test table [stress.{}]{hint}; \
                     standard tests: {}",
                    e.key,
                    STANDARD_TESTS.join(", ")
                ),
            );
            continue;
        };
        if e.key == "baseline" {
            r.err(
                Some(&e.key_loc),
                &key,
                "`baseline` names the run without shocks in every output: give this test \
                 another name",
            );
        } else if STANDARD_TESTS.contains(&e.key.as_str()) {
            if let Some(s) = standard(r, &e.key, test) {
                spec.standard.push(s);
            }
        } else if let Some(c) = custom(r, &e.key, &e.key_loc, test) {
            spec.custom.push(c);
        }
    }
    r.since(before).then_some(spec)
}

/// `history` of the revenue test: the past values whose sd is the test's unit.
fn read_history(r: &mut Reader, t: &Table, n: &Node, key: &str, s: &mut StandardSettings) {
    let values: Option<Vec<f64>> = match &n.value {
        Value::Array(items) => items.iter().map(|i| r.number(i, key)).collect(),
        _ => None,
    };
    match values {
        Some(v) if v.len() >= 2 => {
            if t.get("history_sd").is_some() {
                r.err(
                    Some(&n.loc),
                    key,
                    "give either `history` (the series) or `history_sd` (its sd), not both",
                );
            }
            s.history_sd = Some(crate::stats::sd(&v));
        }
        _ => r.err(
            Some(&n.loc),
            key,
            "expected a list of at least two past values of non-commodity revenue / GDP \
             (fractions), e.g. [0.105, 0.112, 0.098]",
        ),
    }
}

/// The exchange-rate test's `data` file and `column` (with `from`, `to`): both or
/// neither, a window in order, and a depreciation above -1.
fn check_exchange_rate(
    r: &mut Reader,
    test: &str,
    t: &Table,
    s: &mut StandardSettings,
    data_file: Option<(String, Loc)>,
    column: Option<String>,
    (from, to): (Option<i32>, Option<i32>),
) {
    let loc = t.entries.first().map(|e| e.key_loc.clone());
    match (&data_file, &column) {
        (Some((file, loc)), Some(col)) => {
            s.data = Some(DataColumn {
                file: relative_to_source(loc, file),
                column: col.clone(),
                from,
                to,
                loc: loc.clone(),
            });
        }
        (Some((_, loc)), None) => r.err(
            Some(loc),
            format!("stress.{test}.column"),
            "missing: `data` needs `column`, the exchange-rate column of the file (local currency \
             per USD), e.g. column = \"kzt_per_usd_wdi\"",
        ),
        (None, Some(_)) => {
            if let Some(loc) = loc {
                r.err(
                    Some(&loc),
                    format!("stress.{test}.data"),
                    "missing: `column` needs `data`, the calibration CSV file (relative to this \
                     scenario file)",
                );
            }
        }
        (None, None) => {
            if (from.is_some() || to.is_some())
                && let Some(loc) = loc
            {
                r.err(
                    Some(&loc),
                    format!("stress.{test}.data"),
                    "missing: `from`/`to` limit the years of `data`, which is not given",
                );
            }
        }
    }
    if let (Some(f), Some(t)) = (from, to)
        && f >= t
        && let Some((_, loc)) = &data_file
    {
        r.err(
            Some(loc),
            format!("stress.{test}.from"),
            format!("`from` ({f}) must be before `to` ({t})"),
        );
    }
    if let Some(x) = s.size
        && x <= -1.0
    {
        let loc = t
            .get("size")
            .map_or_else(|| Loc::whole("[stress]"), |n| n.loc.clone());
        r.err(
            Some(&loc),
            format!("stress.{test}.size"),
            format!(
                "a depreciation is a fraction above -1 (0.3 = the local currency loses 30 %: 30 % \
                 more per USD), found {x}"
            ),
        );
    }
}

/// A revenue test sized in sd (`size_sd`) needs the sd of revenue's history.
fn check_revenue(r: &mut Reader, test: &str, t: &Table, s: &StandardSettings) {
    if test == "revenue"
        && s.size_sd.is_some()
        && s.size.is_none()
        && s.history_sd.is_none()
        && t.get("history").is_none()
    {
        let loc = t
            .get("size_sd")
            .map(|n| n.loc.clone())
            .unwrap_or_else(|| Loc::whole("[stress]"));
        r.err(
            Some(&loc),
            "stress.revenue.size_sd",
            "`size_sd` of the revenue test is in sd of revenue's \
                     history: give `history_sd` (sd of non-commodity revenue / GDP, e.g. 0.012) \
                     too, or an absolute `size`",
        );
    }
}

fn standard(r: &mut Reader, test: &str, t: &Table) -> Option<StandardSettings> {
    let before = r.mark();
    let allowed = standard_keys(test);
    let mut s = StandardSettings {
        test: test.to_string(),
        ..StandardSettings::default()
    };
    let mut data_file: Option<(String, Loc)> = None;
    let mut column = None;
    let mut from = None;
    let mut to = None;
    for e in &t.entries {
        let key = format!("stress.{test}.{}", e.key);
        if !allowed.contains(&e.key.as_str()) {
            r.unknown(&e.key_loc, &key, &e.key, allowed);
            continue;
        }
        let n = &e.node;
        match e.key.as_str() {
            "enabled" => s.enabled = r.bool(n, &key),
            "description" => s.description = r.string(n, &key),
            "years" => s.years = r.projection_years(n, &key),
            "size" => s.size = r.number(n, &key),
            "size_sd" => s.size_sd = r.number(n, &key),
            "hold" => s.hold = r.bool(n, &key),
            "history_sd" => match r.number(n, &key) {
                Some(x) if x < 0.0 => r.err(
                    Some(&n.loc),
                    &key,
                    format!("an sd must be 0 or more, found {x}"),
                ),
                x => s.history_sd = x,
            },
            "history" => read_history(r, t, n, &key, &mut s),
            "share" => match r.number(n, &key) {
                Some(x) if x <= 0.0 => r.err(
                    Some(&n.loc),
                    &key,
                    format!("must be above 0 (0.5 = half of each test), found {x}"),
                ),
                x => s.share = x,
            },
            "data" => data_file = r.string(n, &key).map(|f| (f, n.loc.clone())),
            "column" => column = r.string(n, &key),
            "from" => from = r.year(n, &key),
            "to" => to = r.year(n, &key),
            _ => {}
        }
    }
    if test == "exchange_rate" {
        check_exchange_rate(r, test, t, &mut s, data_file, column, (from, to));
    }
    check_revenue(r, test, t, &s);
    r.since(before).then_some(s)
}

/// The message for an unknown key `k` in the user-defined test `name`.
fn unknown_custom_key(k: &str, name: &str, allowed: &[&str]) -> String {
    let mut msg = format!("unknown key `{k}` in the user-defined test `{name}`");
    if let Some(s) = suggest(k, allowed.iter().copied()) {
        msg.push_str(&format!(": did you mean `{s}`?"));
    } else if let Some(s) = suggest(name, STANDARD_TESTS) {
        msg.push_str(&format!(
            " (is [stress.{name}] meant to be the standard test `{s}`?)"
        ));
    }
    msg.push_str(&format!(
        " (a test moves shocks: {}; or policy paths: {}; and takes enabled, \
         description, years)",
        SHOCK_NAMES.join(", "),
        POLICY_PATHS.join(", ")
    ));
    msg
}

/// Year-keyed sizes of a shock (`{ 2026 = 0.2, 2027 = 0.4 }`, maybe with `hold`): one
/// entry, like `entry`, per year.
fn read_year_sizes(
    r: &mut Reader,
    sub: &Table,
    key: &str,
    entry: &CustomEntry,
    entries: &mut Vec<CustomEntry>,
) {
    let hold = match sub.get("hold") {
        Some(n) => r.bool(n, &format!("{key}.hold")).unwrap_or(false),
        None => false,
    };
    for se in sub.entries.iter().filter(|se| se.key != "hold") {
        let skey = format!("{key}.{}", se.key);
        let year_node = Node {
            value: Value::Int(se.key.parse().unwrap_or(0)),
            loc: se.key_loc.clone(),
        };
        let (Some(years), Some(size)) = (
            r.projection_years(&year_node, &skey),
            r.number(&se.node, &skey),
        ) else {
            continue;
        };
        entries.push(CustomEntry {
            years,
            size: Some(size),
            hold,
            ..entry.clone()
        });
    }
}

/// An entry given as a table (`{ size = ..., years = ... }`, at `loc`): reads it into
/// `entry`; exactly one of its sizes must be given.
fn read_entry_table(
    r: &mut Reader,
    sub: &Table,
    key: &str,
    loc: &Loc,
    is_shock: bool,
    entry: &mut CustomEntry,
) {
    let entry_keys: &[&str] = if is_shock {
        &["size", "size_sd", "years", "hold"]
    } else {
        &["size", "value", "years"]
    };
    for se in &sub.entries {
        let skey = format!("{key}.{}", se.key);
        if !entry_keys.contains(&se.key.as_str()) {
            r.unknown(&se.key_loc, &skey, &se.key, entry_keys);
            continue;
        }
        match se.key.as_str() {
            "size" => entry.size = r.number(&se.node, &skey),
            "size_sd" => entry.size_sd = r.number(&se.node, &skey),
            "value" => entry.value = r.number(&se.node, &skey),
            "hold" => entry.hold = r.bool(&se.node, &skey).unwrap_or(false),
            _ => {
                if let Some(y) = r.projection_years(&se.node, &skey) {
                    entry.years = y;
                }
            }
        }
    }
    let given = [entry.size, entry.size_sd, entry.value]
        .iter()
        .filter(|x| x.is_some())
        .count();
    if given != 1 {
        r.err(
            Some(loc),
            key,
            if is_shock {
                "give exactly one of `size` (the innovation, in the shock's units) or \
                 `size_sd` (in sd of the shock's innovation)"
            } else {
                "give exactly one of `size` (added to the path, fraction of GDP) or \
                 `value` (replaces the path in `years`)"
            },
        );
    }
}

fn custom(r: &mut Reader, name: &str, name_loc: &Loc, t: &Table) -> Option<CustomTest> {
    let before = r.mark();
    let mut targets: Vec<&str> = SHOCK_NAMES.to_vec();
    targets.extend(POLICY_PATHS);
    let mut allowed: Vec<&str> = vec!["enabled", "description", "years"];
    allowed.extend(&targets);
    let mut test = CustomTest {
        name: name.to_string(),
        description: String::new(),
        enabled: true,
        entries: Vec::new(),
    };
    let default_years = match t.get("years") {
        Some(n) => r.projection_years(n, &format!("stress.{name}.years"))?,
        None => r.years().first().map(|y| vec![*y]).unwrap_or_default(),
    };
    for e in &t.entries {
        let key = format!("stress.{name}.{}", e.key);
        match e.key.as_str() {
            "years" => continue,
            "enabled" => {
                if let Some(b) = r.bool(&e.node, &key) {
                    test.enabled = b;
                }
                continue;
            }
            "description" => {
                if let Some(s) = r.string(&e.node, &key) {
                    test.description = s;
                }
                continue;
            }
            k if targets.contains(&k) => {}
            k => {
                let msg = unknown_custom_key(k, name, &allowed);
                r.err(Some(&e.key_loc), &key, msg);
                continue;
            }
        }
        let is_shock = SHOCK_NAMES.contains(&e.key.as_str());
        let mut entry = CustomEntry {
            target: e.key.clone(),
            years: default_years.clone(),
            size: None,
            size_sd: None,
            value: None,
            hold: false,
        };
        match &e.node.value {
            Value::Table(sub)
                if sub
                    .entries
                    .iter()
                    .any(|se| se.key.chars().all(|c| c.is_ascii_digit()))
                    && sub.entries.iter().all(|se| {
                        se.key.chars().all(|c| c.is_ascii_digit()) || (is_shock && se.key == "hold")
                    }) =>
            {
                // Year-keyed sizes: { 2026 = 0.2, 2027 = 0.4 }, for shocks with `hold`.
                read_year_sizes(r, sub, &key, &entry, &mut test.entries);
                continue;
            }
            Value::Table(sub) => {
                read_entry_table(r, sub, &key, &e.node.loc, is_shock, &mut entry);
            }
            _ => entry.size = r.number(&e.node, &key),
        }
        test.entries.push(entry);
    }
    if test.entries.is_empty() && r.since(before) {
        r.err(
            Some(name_loc),
            format!("stress.{name}"),
            format!(
                "the test `{name}` changes nothing: give innovations on shocks ({}) or changes of \
                 policy paths ({}), e.g. commodity_price = -0.3{}",
                SHOCK_NAMES.join(", "),
                POLICY_PATHS.join(", "),
                suggest(name, STANDARD_TESTS)
                    .map(|s| format!(" (or did you mean the standard test `{s}`?)"))
                    .unwrap_or_default()
            ),
        );
    }
    debug_assert!(SHOCK_NAMES.len() == N_SHOCKS);
    r.since(before).then_some(test)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::error::Diagnostic;
    use crate::scenario::tree::parse_document;

    fn parse_text(text: &str) -> Result<StressSpec, Vec<Diagnostic>> {
        let t = parse_document(text, &Arc::from("dir/s.toml")).unwrap();
        let node = t.get("stress").unwrap().clone();
        let mut r = Reader::with_years(&[2026, 2027, 2028]);
        parse(&mut r, &node).ok_or(r.diags)
    }

    #[test]
    fn reads_standard_settings_and_custom_tests() {
        let s = parse_text(
            "[stress]\nbenchmark = 0.6\n[stress.interest_rate]\nsize = 0.03\nyears = [2027, \
             2028]\n[stress.exchange_rate]\ndata = \"x.csv\"\ncolumn = \"fx\"\nfrom = \
             2000\n[stress.oil]\ncommodity_price = -0.4\nrevenue_gdp = { value = 0.1, years = \
             [2028] }\n",
        )
        .unwrap();
        assert_eq!(s.benchmark, 0.6);
        let ir = s.settings("interest_rate");
        assert_eq!(ir.size, Some(0.03));
        assert_eq!(ir.years, Some(vec![2027, 2028]));
        let fx = s.settings("exchange_rate").data.unwrap();
        assert_eq!(fx.file, PathBuf::from("dir/x.csv"));
        assert_eq!(fx.from, Some(2000));
        assert_eq!(s.settings("revenue").size, None);
        assert_eq!(s.custom.len(), 1);
        let oil = &s.custom[0];
        assert_eq!(oil.entries[0].target, "commodity_price");
        assert_eq!(oil.entries[0].years, vec![2026]);
        assert_eq!(oil.entries[0].size, Some(-0.4));
        assert_eq!(oil.entries[1].value, Some(0.1));
        assert_eq!(oil.entries[1].years, vec![2028]);
        let s = parse_text("[stress.fx]\nexchange_rate = { 2026 = 0.2, 2028 = 0.4 }\n").unwrap();
        let e = &s.custom[0].entries;
        assert_eq!((e[0].years.as_slice(), e[0].size), (&[2026][..], Some(0.2)));
        assert_eq!((e[1].years.as_slice(), e[1].size), (&[2028][..], Some(0.4)));
        let e = parse_text("[stress.fx]\nexchange_rate = { 2030 = 0.2 }\n").unwrap_err();
        assert!(e[0].message.contains("not a projection year"), "{}", e[0]);
        let s = parse_text("[stress.fx]\nexchange_rate = { 2026 = 0.2, hold = true }\n").unwrap();
        assert!(s.custom[0].entries[0].hold);
        let e = parse_text("[stress.fx]\nrevenue_gdp = { 2026 = 0.2, hold = true }\n").unwrap_err();
        assert!(e[0].message.contains("unknown key `2026`"), "{}", e[0]);
    }

    #[test]
    fn reports_mistakes_with_place_and_suggestion() {
        let e = parse_text("[stress.interest_rate]\nsise = 0.03\n").unwrap_err();
        assert_eq!(e.len(), 1);
        assert!(e[0].message.contains("did you mean `size`"), "{}", e[0]);
        assert_eq!(e[0].loc.as_ref().unwrap().line, 2);
        let e = parse_text("[stress.real_growth]\nyears = [2030]\n").unwrap_err();
        assert!(
            e[0].message.contains("not a projection year (2026..=2028)"),
            "{}",
            e[0]
        );
        let e = parse_text("[stress.oil]\ncommodity_prize = -0.4\n").unwrap_err();
        assert!(
            e[0].message.contains("did you mean `commodity_price`"),
            "{}",
            e[0]
        );
        let e = parse_text("[stress.real_growht]\nsize = -0.01\n").unwrap_err();
        assert!(
            e.iter()
                .any(|d| d.message.contains("standard test `real_growth`")),
            "{e:?}"
        );
        let e = parse_text("[stress.baseline]\ndemand = -0.01\n").unwrap_err();
        assert!(e[0].message.contains("another name"), "{}", e[0]);
        let e = parse_text("[stress]\nbenchmark = 0\n").unwrap_err();
        assert!(e[0].message.contains("above 0"));
        let e = parse_text("[stress.exchange_rate]\ndata = \"x.csv\"\n").unwrap_err();
        assert!(e[0].message.contains("needs `column`"));
        let e =
            parse_text("[stress.oil]\ncommodity_price = { size = 1, size_sd = 1 }\n").unwrap_err();
        assert!(e[0].message.contains("exactly one"));
        let e = parse_text("[stress.revenue]\nsize_sd = -1\n").unwrap_err();
        assert!(e[0].message.contains("history_sd"));
        let s = parse_text("[stress.revenue]\nhistory = [0.1, 0.12, 0.14]\n").unwrap();
        assert!((s.settings("revenue").history_sd.unwrap() - 0.02).abs() < 1e-15);
        let e = parse_text("[stress.revenue]\nhistory = [0.1]\n").unwrap_err();
        assert!(e[0].message.contains("at least two"), "{}", e[0]);
    }
}
