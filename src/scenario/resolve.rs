//! From the merged tree to a [`Scenario`]: the schema of each section, defaults, the two
//! spending forms, `@YEAR` overrides and every validation rule, all mistakes collected.

use std::sync::Arc;

use super::path::{expand, number};
use super::reader::{Check, Reader};
use super::tree::{self, Node, Table, Value};
use super::{
    Baseline, Distribution, Initial, MonteCarlo, N_SHOCKS, N_SHOCKS_V1, Override, Policy,
    SHOCK_NAMES, Scenario, Shocks, Structure, fund, rules,
};
use crate::error::suggest;
use crate::error::{Error, Loc, Result};

/// The sections of a scenario file, in order.
pub const SECTIONS: &[&str] = &[
    "initial",
    "baseline",
    "policy",
    "structure",
    "fund",
    "rules",
    "shocks",
    "montecarlo",
    "stress",
    "uncertainty",
    "sweep",
];

const TOP_KEYS: &[&str] = &[
    "name",
    "description",
    "base_year",
    "end_year",
    "years",
    "currency",
    "extends",
    super::plausible::ALLOW_KEY,
];

/// The largest horizon accepted, in years.
const MAX_YEARS: i32 = 500;
/// The most draws a scenario may ask for.
pub const MAX_DRAWS: u64 = 1_000_000_000;

const INITIAL_KEYS: &[(&str, Check)] = &[
    ("gdp_nominal", Check::Positive),
    ("debt_gdp", Check::NonNeg),
    ("public_capital_gdp", Check::Positive),
    ("output_gap", Check::Range(-0.5, 0.5)),
    ("growth_spending_gdp", Check::Share),
    ("primary_spending_gdp", Check::Share),
    ("growth_spending_share", Check::Share),
    ("revenue_gdp", Check::Share),
    ("exchange_rate", Check::Positive),
    ("commodity_price", Check::Positive),
    ("other_spending_gdp", Check::Share),
    ("fund_assets_gdp", Check::Range(0.0, 100.0)),
    ("interest_rate", Check::Rate),
];

const BASELINE_KEYS: &[(&str, Check)] = &[
    ("real_growth", Check::Rate),
    ("inflation", Check::Rate),
    ("growth_spending_gdp", Check::Share),
    ("primary_spending_gdp", Check::Share),
    ("growth_spending_share", Check::Share),
    ("revenue_gdp", Check::Share),
    ("commodity_price", Check::Positive),
    ("exchange_rate", Check::Positive),
    ("interest_rate", Check::Rate),
];

const POLICY_KEYS: &[(&str, Check)] = &[
    ("growth_spending_gdp", Check::Share),
    ("other_spending_gdp", Check::Share),
    ("primary_spending_gdp", Check::Share),
    ("growth_spending_share", Check::Share),
    ("revenue_gdp", Check::Share),
    ("commodity_revenue_gdp", Check::Share),
    ("other_flows_gdp", Check::Range(-1.0, 1.0)),
];

const STRUCTURE_KEYS: &[(&str, Check)] = &[
    ("capital_share", Check::Share),
    ("efficiency", Check::Share),
    ("depreciation", Check::Range(0.0, 0.99)),
    ("public_capital_elasticity", Check::Range(0.0, 1.0)),
    ("spending_multiplier", Check::Range(-10.0, 10.0)),
    ("revenue_multiplier", Check::Range(-10.0, 10.0)),
    ("gap_persistence", Check::Range(-1.0, 1.0)),
    ("debt_premium", Check::NonNeg),
    ("debt_threshold", Check::NonNeg),
    ("commodity_revenue_elasticity", Check::Range(-10.0, 10.0)),
    ("fx_debt_share", Check::Share),
    ("debt_maturity", Check::Range(1.0, 100.0)),
    (
        "cyclical_revenue_semi_elasticity",
        Check::Range(-10.0, 10.0),
    ),
    ("commodity_gap_elasticity", Check::Range(-10.0, 10.0)),
    ("adjustment_multiplier", Check::Range(-10.0, 10.0)),
];

const SHOCK_KEYS: &[&str] = &["sd", "correlation", "persistence", "distribution", "dof"];
const MONTECARLO_KEYS: &[&str] = &["draws", "seed", "quantiles", "probabilities"];
/// The keys of `[sweep]` (read by [`crate::sweep`]).
pub const SWEEP_KEYS: &[&str] = &["vary", "metrics", "design", "samples", "draws", "seed"];

/// Every key allowed in a section, for unknown-key messages.
fn section_keys(section: &str) -> Vec<&'static str> {
    let names = |k: &[(&'static str, Check)]| k.iter().map(|(n, _)| *n).collect();
    match section {
        "initial" => names(INITIAL_KEYS),
        "baseline" => names(BASELINE_KEYS),
        "policy" => names(POLICY_KEYS),
        "structure" => names(STRUCTURE_KEYS),
        "fund" => fund::KEYS.to_vec(),
        "rules" => rules::KEYS.to_vec(),
        "shocks" => SHOCK_KEYS.to_vec(),
        "montecarlo" => MONTECARLO_KEYS.to_vec(),
        "stress" => super::stress::section_keys(),
        "uncertainty" => names(STRUCTURE_KEYS),
        "sweep" => SWEEP_KEYS.to_vec(),
        _ => Vec::new(),
    }
}

/// Why `x` is not a valid value of the structural parameter `name` (None when it is).
fn structure_value_problem(name: &str, x: f64) -> Option<String> {
    let (_, check) = STRUCTURE_KEYS.iter().find(|(n, _)| *n == name)?;
    check.test(x)
}

fn unknown_key_message(section: Option<&str>, key: &str, allowed: &[&str]) -> String {
    let mut msg = format!("unknown key `{key}`");
    if let Some(s) = suggest(key, allowed.iter().copied()) {
        msg.push_str(&format!(": did you mean `{s}`?"));
    } else {
        let others: Vec<String> = SECTIONS
            .iter()
            .filter(|s| !matches!(**s, "stress" | "uncertainty" | "sweep"))
            .filter(|s| Some(**s) != section && section_keys(s).contains(&key))
            .map(|s| format!("[{s}]"))
            .collect();
        if !others.is_empty() {
            msg.push_str(&format!(": `{key}` belongs in {}", others.join(" or ")));
        }
    }
    msg.push_str(&format!(" (valid keys: {})", allowed.join(", ")));
    msg
}

/// A section of the scenario as a table, reporting unknown keys; `None` when absent or
/// not a table.
fn section<'a>(r: &mut Reader, root: &'a Table, name: &str) -> Option<&'a Table> {
    let t = r.table(root, name)?;
    let allowed = section_keys(name);
    for e in &t.entries {
        if !allowed.contains(&e.key.as_str()) {
            if let Some(s) = suggest(&e.key, allowed.iter().copied()) {
                r.suggested(format!("{name}.{s}"));
            }
            r.err(
                Some(&e.key_loc),
                format!("{name}.{}", e.key),
                unknown_key_message(Some(name), &e.key, &allowed),
            );
        }
    }
    Some(t)
}

/// A block of expanded paths, in the form written (spending possibly as budget shares).
#[derive(Default)]
pub(super) struct PathBlock {
    paths: Vec<(String, Vec<f64>, Loc)>,
}

impl PathBlock {
    pub(super) fn get(&self, key: &str) -> Option<&Vec<f64>> {
        self.paths.iter().find(|p| p.0 == key).map(|p| &p.1)
    }
    fn has(&self, key: &str) -> bool {
        self.get(key).is_some()
    }
    fn loc(&self, key: &str) -> Option<&Loc> {
        self.paths.iter().find(|p| p.0 == key).map(|p| &p.2)
    }
    fn set(&mut self, key: &str, v: Vec<f64>, loc: Loc) {
        match self.paths.iter_mut().find(|p| p.0 == key) {
            Some(slot) => slot.1 = v,
            None => self.paths.push((key.to_string(), v, loc)),
        }
    }
}

pub(super) fn read_paths(
    r: &mut Reader,
    t: Option<&Table>,
    section: &str,
    keys: &[(&str, Check)],
    base_year: i32,
    years: &[i32],
) -> PathBlock {
    let mut block = PathBlock::default();
    let Some(t) = t else { return block };
    for (key, check) in keys {
        let Some(node) = t.get(key) else { continue };
        let full = format!("{section}.{key}");
        let Some(v) = expand(node, &full, base_year, years, r) else {
            continue;
        };
        let mut ok = true;
        for (x, y) in v.iter().zip(years) {
            if let Some(msg) = r.value_problem(&full, *check, *x) {
                r.err(Some(&node.loc), &full, format!("{msg} (in {y})"));
                ok = false;
                break;
            }
        }
        if ok {
            block.set(key, v, node.loc.clone());
        }
    }
    block
}

/// Rejects a block that states spending in both forms.
fn check_one_form(r: &mut Reader, t: Option<&Table>, section: &str) {
    let Some(t) = t else { return };
    let gdp: Vec<&str> = tree::GDP_FORM
        .iter()
        .copied()
        .filter(|k| t.get(k).is_some())
        .collect();
    let share: Vec<&str> = tree::SHARE_FORM
        .iter()
        .copied()
        .filter(|k| t.get(k).is_some())
        .collect();
    if !gdp.is_empty() && !share.is_empty() {
        let loc = t.get(share[0]).map(|n| n.loc.clone());
        r.err(
            loc.as_ref(),
            format!("{section}.{}", share[0]),
            format!(
                "spending is given in both forms ({} and {}): state it either as shares of GDP \
                 (growth_spending_gdp, other_spending_gdp) or as primary_spending_gdp with \
                 growth_spending_share",
                gdp.join(", "),
                share.join(", ")
            ),
        );
    }
}

/// Resolves a merged tree, after applying `overrides`, into a validated [`Scenario`].
pub fn resolve_tree(mut root: Table, overrides: &[Override]) -> Result<Scenario> {
    let mut r = Reader::default();
    let year_overrides = apply_overrides(&mut r, &mut root, overrides);

    r.read_allow(&root);
    check_top_level(&mut r, &root);

    let name = resolve_name(&mut r, &root);
    let description = r.key_string(&root, "description").unwrap_or_default();
    let currency = r.key_string(&root, "currency").unwrap_or_default();

    let base_year = resolve_base_year(&mut r, &root);
    let years = base_year.and_then(|b| resolve_years(&mut r, &root, b));

    let initial_t = section(&mut r, &root, "initial");
    let baseline_t = section(&mut r, &root, "baseline");
    let policy_t = section(&mut r, &root, "policy");
    let structure_t = section(&mut r, &root, "structure");
    let fund_t = section(&mut r, &root, "fund");
    let rules_t = section(&mut r, &root, "rules");
    let shocks_t = section(&mut r, &root, "shocks");
    let montecarlo_t = section(&mut r, &root, "montecarlo");
    for (t, s) in [
        (initial_t, "initial"),
        (baseline_t, "baseline"),
        (policy_t, "policy"),
    ] {
        check_one_form(&mut r, t, s);
    }
    let structure = resolve_structure(&mut r, structure_t);
    let shocks = resolve_shocks(&mut r, shocks_t);
    let montecarlo = resolve_montecarlo(&mut r, montecarlo_t);
    let uncertainty_t = section(&mut r, &root, "uncertainty");
    let uncertainty = super::uncertainty::resolve(&mut r, uncertainty_t, structure_value_problem);

    let (Some(base_year), Some(years)) = (base_year, years) else {
        report_missing(&mut r, &root, base_year.is_none());
        return Err(r.finish());
    };
    r.set_years(&years);

    let paths = resolve_paths(
        &mut r,
        [baseline_t, policy_t, fund_t, rules_t],
        structure.as_ref(),
        base_year,
        &years,
        &year_overrides,
    );

    let probabilities =
        super::probabilities::resolve(&mut r, montecarlo_t.and_then(|t| t.get("probabilities")));
    let montecarlo = montecarlo.map(|m| MonteCarlo { probabilities, ..m });

    let initial = initial_with_rate(&mut r, initial_t, &paths.baseline, structure.as_ref());
    let fund = fund::resolve(&mut r, fund_t, &paths.fund, years.len());
    let rules = rules::resolve(
        &mut r,
        rules_t,
        &paths.rules,
        initial
            .as_ref()
            .is_none_or(|i| i.other_spending_gdp.is_some()),
    );
    let baseline = finish_baseline(&mut r, &paths.baseline);
    let policy = finish_policy(&mut r, &paths.policy);
    let stress = root
        .get("stress")
        .and_then(|n| super::stress::parse(&mut r, n));

    if !r.diags.is_empty() {
        return Err(r.finish());
    }
    let incomplete = || Error::Internal("scenario incomplete without a diagnostic".into());
    Ok(Scenario {
        name: name.ok_or_else(incomplete)?,
        description,
        currency,
        base_year,
        years,
        initial: initial.ok_or_else(incomplete)?,
        baseline: baseline.ok_or_else(incomplete)?,
        policy: policy.ok_or_else(incomplete)?,
        structure: structure.ok_or_else(incomplete)?,
        fund: fund.ok_or_else(incomplete)?,
        rules: rules.ok_or_else(incomplete)?,
        shocks: shocks.ok_or_else(incomplete)?,
        montecarlo: montecarlo.ok_or_else(incomplete)?,
        stress,
        uncertainty: uncertainty.ok_or_else(incomplete)?,
    })
}

/// The scenario's `name`, which must be given.
fn resolve_name(r: &mut Reader, root: &Table) -> Option<String> {
    let name = r.key_string(root, "name");
    if root.get("name").is_none() {
        r.err(
            None,
            "name",
            "missing: every scenario needs a `name` (it is the first column of the outputs)",
        );
    }
    name
}

/// The base-year values, with the interest rate of the base year filled in.
fn initial_with_rate(
    r: &mut Reader,
    initial_t: Option<&Table>,
    baseline: &PathBlock,
    structure: Option<&Structure>,
) -> Option<Initial> {
    let initial = resolve_initial(r, initial_t, baseline);
    initial.map(|i| Initial {
        interest_rate: base_interest_rate(initial_t, &i, baseline, structure),
        ..i
    })
}

/// Applies the `--set` overrides to the tree; those that address one year of a path
/// are returned, to be applied once the paths are read.
fn apply_overrides<'o>(
    r: &mut Reader,
    root: &mut Table,
    overrides: &'o [Override],
) -> Vec<(&'o Override, Node)> {
    let mut year_overrides = Vec::new();
    for o in overrides {
        let source: Arc<str> = Arc::from(format!("--set '{}'", o.arg));
        match tree::parse_value(&o.value, &source) {
            Err(d) => r.diags.extend(d.into_iter().map(|mut d| {
                d.key.get_or_insert_with(|| o.address.to_string());
                d
            })),
            Ok(node) if o.address.year.is_some() => year_overrides.push((o, node)),
            Ok(node) if super::year_key::is_year_key(o) => {
                if let Err(d) = super::year_key::apply(root, o, node) {
                    r.diags.push(d);
                }
            }
            Ok(node) => {
                let keys: Vec<&str> = o.address.keys.iter().map(String::as_str).collect();
                if !set_shock_entry(root, &keys, &node) {
                    tree::merge(root, tree::layer_for(&keys, node));
                }
            }
        }
    }
    year_overrides
}

/// Flags unknown top-level keys, and an `extends` that came from `--set`.
fn check_top_level(r: &mut Reader, root: &Table) {
    let allowed_top: Vec<&str> = TOP_KEYS.iter().chain(SECTIONS).copied().collect();
    for e in &root.entries {
        if !allowed_top.contains(&e.key.as_str()) {
            r.err(
                Some(&e.key_loc),
                e.key.clone(),
                unknown_key_message(None, &e.key, &allowed_top),
            );
        }
    }
    // `extends` is consumed while the files are read; one left here came from `--set`,
    // too late to take effect.
    if let Some(e) = root.entry("extends") {
        r.err(
            Some(&e.key_loc),
            "extends",
            "cannot be set with --set: inheritance is read from the files (write `extends` in the \
             scenario file, or run the other file)",
        );
    }
}

/// The `base_year`: present, an integer and a plausible year.
fn resolve_base_year(r: &mut Reader, root: &Table) -> Option<i32> {
    match root.get("base_year") {
        None => {
            r.err(
                None,
                "base_year",
                "missing: give the base year of observed values, e.g. base_year = 2025",
            );
            None
        }
        Some(n) => r.integer(n, "base_year").and_then(|y| {
            if (1000..=3000).contains(&y) {
                Some(y as i32)
            } else {
                r.err(
                    Some(&n.loc),
                    "base_year",
                    format!("{y} is not a plausible year"),
                );
                None
            }
        }),
    }
}

/// Reports the sections (and the end year) missing from a scenario whose years could
/// not be resolved.
fn report_missing(r: &mut Reader, root: &Table, no_base_year: bool) {
    for (section, what) in [
        (
            "initial",
            "the base-year values (gdp_nominal, debt_gdp, ...)",
        ),
        (
            "baseline",
            "the baseline assumptions (real_growth, inflation, ...)",
        ),
        (
            "policy",
            "the policy paths (growth_spending_gdp, other_spending_gdp, ...)",
        ),
    ] {
        if root.get(section).is_none() {
            r.err(
                None,
                section,
                format!("missing: the [{section}] section gives {what}"),
            );
        }
    }
    if no_base_year && root.get("end_year").is_none() && root.get("years").is_none() {
        r.err(
            None,
            "end_year",
            "missing: give the last projection year, e.g. end_year = 2030",
        );
    }
}

/// The four path blocks ([baseline], [policy], [fund], [rules]).
struct Paths {
    baseline: PathBlock,
    policy: PathBlock,
    fund: PathBlock,
    rules: PathBlock,
}

/// Reads the path blocks from their sections (`t`: baseline, policy, fund, rules), fills
/// defaults and applies the overrides of single years.
fn resolve_paths(
    r: &mut Reader,
    t: [Option<&Table>; 4],
    structure: Option<&Structure>,
    base_year: i32,
    years: &[i32],
    year_overrides: &[(&Override, Node)],
) -> Paths {
    let [baseline_t, policy_t, fund_t, rules_t] = t;
    let mut baseline = read_paths(r, baseline_t, "baseline", BASELINE_KEYS, base_year, years);
    let mut policy = read_paths(r, policy_t, "policy", POLICY_KEYS, base_year, years);
    fill_policy_defaults(&baseline, &mut policy);
    let mut fund_paths = read_paths(r, fund_t, "fund", fund::PATHS, base_year, years);
    let mut rules_paths = read_paths(r, rules_t, "rules", rules::PATHS, base_year, years);
    default_levels(
        &mut baseline,
        &policy,
        structure,
        fund_t.is_none(),
        years.len(),
    );

    for (o, node) in year_overrides {
        let mut blocks = [
            ("baseline", BASELINE_KEYS, &mut baseline),
            ("policy", POLICY_KEYS, &mut policy),
            ("fund", fund::PATHS, &mut fund_paths),
            ("rules", rules::PATHS, &mut rules_paths),
        ];
        apply_year_override(r, o, node, years, &mut blocks);
    }
    Paths {
        baseline,
        policy,
        fund: fund_paths,
        rules: rules_paths,
    }
}

/// `--set shocks.sd.<shock>=x` (or `shocks.persistence.<shock>`): changes that one shock's
/// entry of a list or table already given, keeping the others (a plain merge would
/// replace the whole value). Returns whether the address was of that form and a list or
/// table was there to change.
pub(crate) fn set_shock_entry(root: &mut Table, keys: &[&str], node: &Node) -> bool {
    let ["shocks", field @ ("sd" | "persistence"), shock] = keys else {
        return false;
    };
    let Some(i) = SHOCK_NAMES.iter().position(|n| n == shock) else {
        return false;
    };
    let Some(Value::Table(shocks)) = root
        .entries
        .iter_mut()
        .find(|e| e.key == "shocks")
        .map(|e| &mut e.node.value)
    else {
        return false;
    };
    let Some(current) = shocks.entries.iter_mut().find(|e| e.key == *field) else {
        return false;
    };
    match &mut current.node.value {
        Value::Array(items)
            if (items.len() == N_SHOCKS || items.len() == N_SHOCKS_V1)
                && items.iter().all(|x| number(x).is_some()) =>
        {
            while items.len() <= i {
                items.push(Node {
                    value: Value::Float(0.0),
                    loc: node.loc.clone(),
                });
            }
            items[i] = node.clone();
            true
        }
        Value::Table(t) => {
            t.insert(tree::Entry {
                key: shock.to_string(),
                key_loc: node.loc.clone(),
                node: node.clone(),
            });
            true
        }
        _ => false,
    }
}

fn resolve_years(r: &mut Reader, root: &Table, base_year: i32) -> Option<Vec<i32>> {
    let end = root.get("end_year");
    let list = root.get("years");
    let from_end = end.and_then(|n| {
        let y = r.integer(n, "end_year")?;
        if y <= i64::from(base_year) || y > i64::from(base_year + MAX_YEARS) {
            r.err(
                Some(&n.loc),
                "end_year",
                format!(
                    "must be after base_year {base_year} and at most {} years later, found {y}",
                    MAX_YEARS
                ),
            );
            return None;
        }
        Some(((base_year + 1)..=(y as i32)).collect::<Vec<i32>>())
    });
    let from_list = list.and_then(|n| {
        let Value::Array(items) = &n.value else {
            r.err(
                Some(&n.loc),
                "years",
                "expected a list of consecutive years, e.g. [2026, 2027, 2028]",
            );
            return None;
        };
        let ys: Vec<i64> = items.iter().filter_map(|i| r.integer(i, "years")).collect();
        let expected: Vec<i64> = (1..=ys.len() as i64)
            .map(|k| i64::from(base_year) + k)
            .collect();
        if ys.is_empty() || ys != expected || ys.len() as i32 > MAX_YEARS {
            r.err(
                Some(&n.loc),
                "years",
                format!(
                    "must be the consecutive years after base_year {base_year}: {}, {}, ...",
                    base_year + 1,
                    base_year + 2
                ),
            );
            return None;
        }
        Some(ys.iter().map(|&y| y as i32).collect::<Vec<i32>>())
    });
    match (end, list) {
        (None, None) => {
            r.err(
                None,
                "end_year",
                format!(
                    "missing: give the last projection year, e.g. end_year = {}",
                    base_year + 3
                ),
            );
            None
        }
        (Some(_), Some(n)) => match (from_end, from_list) {
            (Some(a), Some(b)) if a == b => Some(a),
            (Some(_), Some(_)) => {
                r.err(
                    Some(&n.loc),
                    "years",
                    "disagrees with end_year: give one of them",
                );
                None
            }
            _ => None,
        },
        _ => from_end.or(from_list),
    }
}

/// Policy spending and revenue default to the baseline assumptions, in the baseline's form.
fn fill_policy_defaults(baseline: &PathBlock, policy: &mut PathBlock) {
    let copy = |policy: &mut PathBlock, key: &str| {
        if !policy.has(key)
            && let (Some(v), Some(loc)) = (baseline.get(key), baseline.loc(key))
        {
            policy.set(key, v.clone(), loc.clone());
        }
    };
    copy(policy, "revenue_gdp");
    let policy_gdp = tree::GDP_FORM.iter().any(|k| policy.has(k));
    let policy_share = tree::SHARE_FORM.iter().any(|k| policy.has(k));
    let baseline_share = tree::SHARE_FORM.iter().any(|k| baseline.has(k));
    if policy_share || (!policy_gdp && baseline_share) {
        copy(policy, "primary_spending_gdp");
        copy(policy, "growth_spending_share");
    } else {
        copy(policy, "growth_spending_gdp");
        if !policy.has("other_spending_gdp")
            && let (Some(p), Some(sh), Some(loc)) = (
                baseline.get("primary_spending_gdp"),
                baseline.get("growth_spending_share"),
                baseline.loc("primary_spending_gdp"),
            )
        {
            let o = p.iter().zip(sh).map(|(p, s)| (1.0 - s) * p).collect();
            policy.set("other_spending_gdp", o, loc.clone());
        }
    }
}

/// A block of time paths that `@YEAR` may address: its section, its keys and checks.
type YearBlock<'a> = (
    &'static str,
    &'static [(&'static str, Check)],
    &'a mut PathBlock,
);
/// `baseline.commodity_price` and `exchange_rate` default to 1 (an index) where they
/// cannot matter: the commodity price when there is no commodity revenue, the exchange
/// rate when there is also no foreign-currency debt (`fx_debt_share = 0`), and neither
/// without a fund (whose assets are revalued with the exchange rate, and whose cut-off rule
/// reads the commodity price). Their levels then only label the `commodity_price`,
/// `exchange_rate` and `gdp_usd` columns.
fn default_levels(
    b: &mut PathBlock,
    policy: &PathBlock,
    st: Option<&Structure>,
    no_fund: bool,
    len: usize,
) {
    let no_commodity = no_fund
        && policy
            .get("commodity_revenue_gdp")
            .is_none_or(|v| v.iter().all(|x| *x == 0.0));
    let no_fx_debt = st.is_some_and(|s| s.fx_debt_share == 0.0);
    let loc = Loc::whole("default (no commodity revenue)");
    if no_commodity && !b.has("commodity_price") {
        b.set("commodity_price", vec![1.0; len], loc.clone());
    }
    if no_commodity && no_fx_debt && !b.has("exchange_rate") {
        b.set("exchange_rate", vec![1.0; len], loc);
    }
}

fn apply_year_override(
    r: &mut Reader,
    o: &Override,
    node: &Node,
    years: &[i32],
    blocks: &mut [YearBlock],
) {
    let addr = &o.address;
    let loc = Loc::whole(format!("--set '{}'", o.arg));
    let key = addr.to_string();
    let Some(year) = addr.year else { return };
    let found = match &addr.keys[..] {
        [section, _] => blocks.iter_mut().find(|(s, _, _)| s == section),
        _ => None,
    };
    let Some((_, keys, block)) = found else {
        r.err(
            Some(&loc),
            key,
            "only time paths in [baseline], [policy], [fund] or [rules] take `@YEAR`; set a scalar \
             without it",
        );
        return;
    };
    let keys: &[(&str, Check)] = keys;
    let name = addr.keys[1].as_str();
    let Some((_, check)) = keys.iter().find(|(k, _)| *k == name) else {
        let allowed: Vec<&str> = keys.iter().map(|(k, _)| *k).collect();
        r.err(
            Some(&loc),
            key,
            unknown_key_message(Some(&addr.keys[0]), name, &allowed),
        );
        return;
    };
    let Some(idx) = years.iter().position(|&y| y == year) else {
        r.err(
            Some(&loc),
            key,
            format!(
                "{year} is not a projection year ({}..={})",
                years.first().copied().unwrap_or_default(),
                years.last().copied().unwrap_or_default()
            ),
        );
        return;
    };
    let Some(x) = number(node) else {
        r.err(
            Some(&loc),
            key,
            format!("expected a number, found {}", node.value.a_type_name()),
        );
        return;
    };
    if let Some(msg) = r.value_problem(&addr.keys.join("."), *check, x) {
        r.err(Some(&loc), key, msg);
        return;
    }
    match block.paths.iter_mut().find(|p| p.0 == name) {
        Some(slot) => slot.1[idx] = x,
        None => r.err(
            Some(&loc),
            key,
            format!(
                "`{}` is not set in this scenario (its spending may be in the other form: \
                 growth_spending_gdp/other_spending_gdp or \
                 primary_spending_gdp/growth_spending_share)",
                addr.keys.join(".")
            ),
        ),
    }
}

/// Growth spending / GDP of a block in either form; `None` (reported) when missing.
fn growth_spending(r: &mut Reader, block: &PathBlock, section: &str) -> Option<Vec<f64>> {
    if let Some(s) = block.get("growth_spending_gdp") {
        return Some(s.clone());
    }
    match (
        block.get("primary_spending_gdp"),
        block.get("growth_spending_share"),
    ) {
        (Some(p), Some(sh)) => Some(p.iter().zip(sh).map(|(p, s)| p * s).collect()),
        (Some(_), None) | (None, Some(_)) => {
            let (have, need) = if block.has("primary_spending_gdp") {
                ("primary_spending_gdp", "growth_spending_share")
            } else {
                ("growth_spending_share", "primary_spending_gdp")
            };
            r.err(
                block.loc(have),
                format!("{section}.{need}"),
                format!("missing: `{have}` needs `{need}` beside it"),
            );
            None
        }
        (None, None) => {
            r.err(
                None,
                format!("{section}.growth_spending_gdp"),
                "missing: give growth_spending_gdp, or primary_spending_gdp with \
                 growth_spending_share",
            );
            None
        }
    }
}

fn required(
    r: &mut Reader,
    block: &PathBlock,
    section: &str,
    key: &str,
    hint: &str,
) -> Option<Vec<f64>> {
    let v = block.get(key).cloned();
    if v.is_none()
        && !r
            .diags
            .iter()
            .any(|d| d.key.as_deref() == Some(&format!("{section}.{key}")))
    {
        r.err(None, format!("{section}.{key}"), format!("missing: {hint}"));
    }
    v
}

fn finish_baseline(r: &mut Reader, b: &PathBlock) -> Option<Baseline> {
    let sref = growth_spending(r, b, "baseline");
    let real_growth = required(
        r,
        b,
        "baseline",
        "real_growth",
        "the baseline real growth path, e.g. real_growth = 0.053",
    );
    let inflation = required(
        r,
        b,
        "baseline",
        "inflation",
        "the GDP-deflator inflation path, e.g. inflation = 0.06",
    );
    let revenue_gdp = required(
        r,
        b,
        "baseline",
        "revenue_gdp",
        "the non-commodity revenue share assumed in real_growth",
    );
    let commodity_price = required(
        r,
        b,
        "baseline",
        "commodity_price",
        "the baseline commodity price in USD, e.g. commodity_price = 60 (needed with \
         commodity revenue)",
    );
    let exchange_rate = required(
        r,
        b,
        "baseline",
        "exchange_rate",
        "the baseline exchange rate, local currency per USD (needed with foreign-currency debt or \
         commodity revenue)",
    );
    let interest_rate = required(
        r,
        b,
        "baseline",
        "interest_rate",
        "the effective nominal interest rate on debt, e.g. interest_rate = 0.08",
    );
    Some(Baseline {
        real_growth: real_growth?,
        inflation: inflation?,
        growth_spending_gdp: sref?,
        revenue_gdp: revenue_gdp?,
        commodity_price: commodity_price?,
        exchange_rate: exchange_rate?,
        interest_rate: interest_rate?,
    })
}

fn finish_policy(r: &mut Reader, p: &PathBlock) -> Option<Policy> {
    let t = p
        .get("revenue_gdp")
        .map_or(0, Vec::len)
        .max(p.paths.first().map_or(0, |x| x.1.len()));
    let s = growth_spending(r, p, "policy");
    let o = match (
        p.get("primary_spending_gdp"),
        p.get("growth_spending_share"),
    ) {
        (Some(pr), Some(sh)) => Some(pr.iter().zip(sh).map(|(p, s)| (1.0 - s) * p).collect()),
        _ => required(
            r,
            p,
            "policy",
            "other_spending_gdp",
            "other primary spending / GDP (or state spending as primary_spending_gdp with \
             growth_spending_share)",
        ),
    };
    let revenue_gdp = required(
        r,
        p,
        "policy",
        "revenue_gdp",
        "non-commodity revenue / GDP (defaults to baseline.revenue_gdp)",
    );
    let zeros = vec![0.0; s.as_ref().map_or(t, Vec::len)];
    Some(Policy {
        growth_spending_gdp: s?,
        revenue_gdp: revenue_gdp?,
        commodity_revenue_gdp: p
            .get("commodity_revenue_gdp")
            .cloned()
            .unwrap_or_else(|| zeros.clone()),
        other_spending_gdp: o?,
        other_flows_gdp: p.get("other_flows_gdp").cloned().unwrap_or(zeros),
    })
}

/// Flags the base-year values that are required and missing; `ok` tells, for
/// gdp_nominal, debt_gdp, public_capital_gdp and revenue_gdp, whether a value was read.
fn report_missing_initial(r: &mut Reader, t: &Table, ok: [bool; 4]) {
    let mut missing = |key: &str, ok: bool, hint: &str| {
        if !ok && t.get(key).is_none() {
            r.err(None, format!("initial.{key}"), format!("missing: {hint}"));
        }
    };
    missing(
        "gdp_nominal",
        ok[0],
        "nominal GDP of the base year, in the scenario's currency unit",
    );
    missing(
        "debt_gdp",
        ok[1],
        "government debt / GDP in the base year, e.g. 0.23",
    );
    missing(
        "public_capital_gdp",
        ok[2],
        "public capital stock / GDP in the base year",
    );
    missing(
        "revenue_gdp",
        ok[3],
        "non-commodity revenue / GDP in the base year",
    );
}

/// The base-year growth spending / GDP: given, or primary spending times its growth
/// share; flags a missing or half-given form.
fn initial_growth_spending(
    r: &mut Reader,
    t: &Table,
    s_gdp: Option<f64>,
    primary: Option<f64>,
    share: Option<f64>,
) -> Option<f64> {
    match (s_gdp, primary, share) {
        (Some(s), _, _) => Some(s),
        (None, Some(p), Some(sh)) => Some(p * sh),
        _ => {
            let given = [
                "growth_spending_gdp",
                "primary_spending_gdp",
                "growth_spending_share",
            ]
            .iter()
            .any(|k| t.get(k).is_some());
            if !given {
                r.err(
                    None,
                    "initial.growth_spending_gdp",
                    "missing: give growth_spending_gdp, or primary_spending_gdp with \
                     growth_spending_share",
                );
            } else if s_gdp.is_none()
                && t.get("growth_spending_gdp").is_none()
                && (primary.is_none() != share.is_none())
            {
                let need = if primary.is_none() {
                    "primary_spending_gdp"
                } else {
                    "growth_spending_share"
                };
                r.err(
                    None,
                    format!("initial.{need}"),
                    "missing: the budget-share form needs both primary_spending_gdp and \
                     growth_spending_share",
                );
            }
            None
        }
    }
}

fn resolve_initial(r: &mut Reader, t: Option<&Table>, baseline: &PathBlock) -> Option<Initial> {
    let Some(t) = t else {
        r.err(
            None,
            "initial",
            "missing: the [initial] section gives the base-year values \
                       (gdp_nominal, debt_gdp, ...)",
        );
        return None;
    };
    let mut get = |key: &str| {
        let check = INITIAL_KEYS
            .iter()
            .find(|(k, _)| *k == key)
            .map_or(Check::Share, |c| c.1);
        r.scalar(t, "initial", key, check)
    };
    let gdp = get("gdp_nominal");
    let debt = get("debt_gdp");
    let capital = get("public_capital_gdp");
    let gap = get("output_gap");
    let s_gdp = get("growth_spending_gdp");
    let primary = get("primary_spending_gdp");
    let share = get("growth_spending_share");
    let revenue = get("revenue_gdp");
    let fx = get("exchange_rate");
    let oil = get("commodity_price");
    let o_gdp = get("other_spending_gdp");
    let fund_assets = get("fund_assets_gdp");
    let _ = get("interest_rate");
    report_missing_initial(
        r,
        t,
        [
            gdp.is_some(),
            debt.is_some(),
            capital.is_some(),
            revenue.is_some(),
        ],
    );
    let s0 = initial_growth_spending(r, t, s_gdp, primary, share);
    let first = |key: &str| baseline.get(key).and_then(|v| v.first().copied());
    Some(Initial {
        gdp_nominal: gdp?,
        debt_gdp: debt?,
        public_capital_gdp: capital?,
        output_gap: if t.get("output_gap").is_some() {
            gap?
        } else {
            0.0
        },
        growth_spending_gdp: s0?,
        revenue_gdp: revenue?,
        exchange_rate: if t.get("exchange_rate").is_some() {
            fx?
        } else {
            first("exchange_rate")?
        },
        commodity_price: if t.get("commodity_price").is_some() {
            oil?
        } else {
            first("commodity_price")?
        },
        fund_assets_gdp: fund_assets.unwrap_or(0.0),
        other_spending_gdp: o_gdp.or(match (primary, share) {
            (Some(p), Some(sh)) => Some((1.0 - sh) * p),
            _ => None,
        }),
        // Filled by `base_interest_rate` once the structure is known.
        interest_rate: 0.0,
    })
}

/// ieff_0: the base year's effective interest rate as given in [initial], else
/// ib_1 + lambda * max(0, d0 - dstar) (docs/MODEL.md version 2). Only read with
/// `debt_maturity` > 1.
fn base_interest_rate(
    t: Option<&Table>,
    initial: &Initial,
    baseline: &PathBlock,
    structure: Option<&Structure>,
) -> f64 {
    if let Some(x) = t.and_then(|t| t.get("interest_rate")).and_then(number) {
        return x;
    }
    let ib1 = baseline
        .get("interest_rate")
        .and_then(|v| v.first().copied())
        .unwrap_or(0.0);
    let st = structure.cloned().unwrap_or_default();
    ib1 + st.debt_premium * (initial.debt_gdp - st.debt_threshold).max(0.0)
}

fn resolve_structure(r: &mut Reader, t: Option<&Table>) -> Option<Structure> {
    let mut s = Structure::default();
    let Some(t) = t else { return Some(s) };
    let mut ok = true;
    for (key, check) in STRUCTURE_KEYS {
        if t.get(key).is_none() {
            continue;
        }
        let Some(x) = r.scalar(t, "structure", key, *check) else {
            ok = false;
            continue;
        };
        if let Some(slot) = s.field_mut(key) {
            *slot = x;
        }
    }
    ok.then_some(s)
}

/// One number per shock, as a list in canonical order (six, version 1's shocks, or seven)
/// or a table keyed by shock name (missing = `fill`; the seventh of a six-entry list = 0).
fn per_shock(r: &mut Reader, node: &Node, key: &str, fill: f64) -> Option<[f64; N_SHOCKS]> {
    let mut out = [fill; N_SHOCKS];
    match &node.value {
        Value::Array(items) if items.len() == N_SHOCKS || items.len() == N_SHOCKS_V1 => {
            out[N_SHOCKS_V1..].fill(0.0);
            for (slot, item) in out.iter_mut().zip(items) {
                match number(item) {
                    Some(x) if x.is_finite() => *slot = x,
                    _ => {
                        r.err(Some(&item.loc), key, "expected a finite number");
                        return None;
                    }
                }
            }
            Some(out)
        }
        Value::Table(t) => {
            for e in &t.entries {
                let Some(i) = SHOCK_NAMES.iter().position(|n| *n == e.key) else {
                    r.err(
                        Some(&e.key_loc),
                        format!("{key}.{}", e.key),
                        unknown_key_message(Some("shocks"), &e.key, &SHOCK_NAMES),
                    );
                    return None;
                };
                match number(&e.node) {
                    Some(x) if x.is_finite() => out[i] = x,
                    _ => {
                        r.err(
                            Some(&e.node.loc),
                            format!("{key}.{}", e.key),
                            "expected a finite number",
                        );
                        return None;
                    }
                }
            }
            Some(out)
        }
        v => {
            r.err(
                Some(&node.loc),
                key,
                format!(
                    "expected 6 or 7 numbers, one per shock in the order {} (or a table keyed by \
                     shock name), found {}",
                    SHOCK_NAMES.join(", "),
                    match v {
                        Value::Array(a) => format!("a list of {}", a.len()),
                        other => other.a_type_name().to_string(),
                    }
                ),
            );
            None
        }
    }
}

/// A 7x7 matrix, or a 6x6 one (version 1's shocks) whose seventh row and column are 0
/// but for `diagonal` on the diagonal.
fn matrix(
    r: &mut Reader,
    node: &Node,
    key: &str,
    diagonal: f64,
) -> Option<[[f64; N_SHOCKS]; N_SHOCKS]> {
    let bad = |r: &mut Reader, loc: &Loc| {
        r.err(
            Some(loc),
            key,
            format!(
                "expected a 7x7 matrix (or 6x6 without the seventh shock): a list of 7 rows of 7 \
                 numbers, in the shock order {}",
                SHOCK_NAMES.join(", ")
            ),
        );
    };
    let Value::Array(rows) = &node.value else {
        bad(r, &node.loc);
        return None;
    };
    let n = rows.len();
    if n != N_SHOCKS && n != N_SHOCKS_V1 {
        bad(r, &node.loc);
        return None;
    }
    let mut m = [[0.0; N_SHOCKS]; N_SHOCKS];
    for (i, row) in m.iter_mut().enumerate().skip(n) {
        row[i] = diagonal;
    }
    for (i, row) in rows.iter().enumerate() {
        match &row.value {
            Value::Array(cells) if cells.len() == n => {
                for (j, c) in cells.iter().enumerate() {
                    match number(c) {
                        Some(x) if x.is_finite() => m[i][j] = x,
                        _ => {
                            r.err(Some(&c.loc), key, "expected a finite number");
                            return None;
                        }
                    }
                }
            }
            _ => {
                bad(r, &row.loc);
                return None;
            }
        }
    }
    Some(m)
}

fn resolve_shocks(r: &mut Reader, t: Option<&Table>) -> Option<Shocks> {
    let mut s = Shocks::default();
    let Some(t) = t else { return Some(s) };
    let before = r.mark();
    if let Some(node) = t.get("sd")
        && let Some(sd) = per_shock(r, node, "shocks.sd", 0.0)
    {
        check_sd(r, node, &sd);
        s.sd = sd;
    }
    if let Some(node) = t.get("correlation")
        && let Some(c) = matrix(r, node, "shocks.correlation", 1.0)
    {
        if let Some(msg) = crate::scenario::check_correlation(&c) {
            r.err(Some(&node.loc), "shocks.correlation", msg);
        }
        s.correlation = c;
    }
    if let Some(node) = t.get("persistence") {
        let a = persistence(r, node);
        if let Some(a) = a {
            s.persistence = a;
        }
    }
    if let Some(node) = t.get("distribution") {
        match &node.value {
            Value::Str(d) if d == "normal" => s.distribution = Distribution::Normal,
            Value::Str(d) if d == "student_t" => s.distribution = Distribution::StudentT,
            _ => r.err(
                Some(&node.loc),
                "shocks.distribution",
                "must be \"normal\" or \"student_t\"",
            ),
        }
    }
    match (t.get("dof"), s.distribution) {
        (Some(node), Distribution::StudentT) => match number(node) {
            Some(d) if d > 2.0 && d.is_finite() => s.dof = Some(d),
            _ => r.err(
                Some(&node.loc),
                "shocks.dof",
                format!(
                    "must be a number greater than 2 (the t distribution has no variance \
                     otherwise), found {}",
                    match number(node) {
                        Some(x) => x.to_string(),
                        None => node.value.a_type_name().to_string(),
                    }
                ),
            ),
        },
        (None, Distribution::StudentT) => r.err(
            t.get("distribution").map(|n| &n.loc),
            "shocks.dof",
            "missing: distribution = \"student_t\" needs dof > 2, e.g. dof = 5",
        ),
        (Some(node), Distribution::Normal) => r.err(
            Some(&node.loc),
            "shocks.dof",
            "dof applies \
            only with distribution = \"student_t\"",
        ),
        (None, Distribution::Normal) => {}
    }
    r.since(before).then_some(s)
}

/// Errors for a negative sd, or one whose variance overflows `f64`.
fn check_sd(r: &mut Reader, node: &Node, sd: &[f64; N_SHOCKS]) {
    if let Some((i, x)) = sd.iter().enumerate().find(|(_, x)| **x < 0.0) {
        r.err(
            Some(&node.loc),
            "shocks.sd",
            format!(
                "the sd of `{}` is {x}: a standard deviation must be 0 or more",
                SHOCK_NAMES[i]
            ),
        );
    }
    // The covariance sd_i · c_ij · sd_j must stay within f64 (sqrt(f64::MAX) ≈ 1.3e154).
    if let Some((i, x)) = sd
        .iter()
        .enumerate()
        .find(|(_, x)| !(**x * **x).is_finite())
    {
        let msg = format!(
            "the sd of `{}` is {x:e}: its variance sd² overflows f64 \
             (an sd must be below 1.3e154)",
            SHOCK_NAMES[i]
        );
        r.err(Some(&node.loc), "shocks.sd", msg);
    }
}

/// `shocks.persistence`: a per-shock list or table (the diagonal of A), or the full matrix.
fn persistence(r: &mut Reader, node: &Node) -> Option<[[f64; N_SHOCKS]; N_SHOCKS]> {
    let diagonal = match &node.value {
        Value::Array(items) => items.iter().all(|i| number(i).is_some()),
        Value::Table(_) => true,
        _ => false,
    };
    if diagonal {
        per_shock(r, node, "shocks.persistence", 0.0).map(|d| {
            let mut a = [[0.0; N_SHOCKS]; N_SHOCKS];
            for i in 0..N_SHOCKS {
                a[i][i] = d[i];
            }
            a
        })
    } else {
        matrix(r, node, "shocks.persistence", 0.0)
    }
}

fn resolve_montecarlo(r: &mut Reader, t: Option<&Table>) -> Option<MonteCarlo> {
    let mut m = MonteCarlo::default();
    let Some(t) = t else { return Some(m) };
    let before = r.mark();
    if let Some(node) = t.get("draws")
        && let Some(d) = r.integer(node, "montecarlo.draws")
    {
        if d < 1 || d as u64 > MAX_DRAWS {
            r.err(
                Some(&node.loc),
                "montecarlo.draws",
                format!("must be from 1 to {MAX_DRAWS}, found {d}"),
            );
        } else {
            m.draws = d as u64;
        }
    }
    if let Some(node) = t.get("seed")
        && let Some(sd) = r.integer(node, "montecarlo.seed")
    {
        if sd < 0 {
            r.err(
                Some(&node.loc),
                "montecarlo.seed",
                format!("must be 0 or more, found {sd}"),
            );
        } else {
            m.seed = sd as u64;
        }
    }
    if let Some(node) = t.get("quantiles") {
        match &node.value {
            Value::Array(items) if !items.is_empty() => {
                let qs: Vec<f64> = items.iter().filter_map(number).collect();
                let bad = items
                    .iter()
                    .find(|i| number(i).is_none_or(|q| !(q > 0.0 && q < 1.0)));
                if let Some(item) = bad {
                    let found = number(item)
                        .map_or_else(|| item.value.a_type_name().to_string(), |q| q.to_string());
                    r.err(
                        Some(&item.loc),
                        "montecarlo.quantiles",
                        format!(
                            "each quantile must be a number strictly between 0 and 1, e.g. [0.05, \
                             0.5, 0.95], found {found}"
                        ),
                    );
                } else if qs.windows(2).any(|w| w[0] >= w[1]) {
                    r.err(
                        Some(&node.loc),
                        "montecarlo.quantiles",
                        "quantiles must be increasing, each once",
                    );
                } else {
                    m.quantiles = qs;
                }
            }
            _ => r.err(
                Some(&node.loc),
                "montecarlo.quantiles",
                "expected a non-empty list of quantiles in (0, 1), e.g. [0.05, 0.5, 0.95]",
            ),
        }
    }
    r.since(before).then_some(m)
}
