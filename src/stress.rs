//! Standard stress tests (as in IMF and European Commission debt sustainability
//! analyses): the baseline beside a set of deterministic shocks, each fed through the one
//! step function of the model.
//!
//! A test is a list of [`Impulse`]s. Shock impulses are innovations e_t of docs/MODEL.md: the
//! shock state follows u_t = A u_{t-1} + e_t, so the scenario's persistence A carries
//! them on (a `hold` impulse instead keeps one shock's state at its size in its years).
//! Policy impulses change the scenario's policy paths (added to, or replacing, the
//! resolved values) before the model is compiled. Nothing here computes an equation of
//! the model: the runs go through [`Model::simulate`].
//!
//! The standard set (sizes and timing overridable in `[stress]`, see
//! [`crate::scenario::stress`]):
//! 1. `real_growth`: potential-growth innovation of -1 sd in the 2nd and 3rd projection years;
//! 2. `revenue`: non-commodity revenue -1 pp of GDP (or -0.5 sd of its history, when
//!    `history_sd` is given) in the first two years;
//! 3. `interest_rate`: +200 bp from the first year on (held at +200 bp every year);
//! 4. `exchange_rate`: a depreciation of 30 % (or the largest one-year depreciation in
//!    calibration data) in the first year, as a log innovation ln(1.3);
//! 5. `commodity_price`: -1 sd (log) in the first year;
//! 6. `combined`: half of each of the enabled tests 1-5, together;
//! 7. `contingent_liability`: a one-off debt increase of 10 % of GDP in the first year
//!    (through `other_flows_gdp`);
//! 8. `fund_return` (scenarios with a `[fund]`): the fund's return falls by 23.3 pp in the
//!    first year, the loss of Norway's Government Pension Fund Global in 2008 (NBIM,
//!    annual report 2008: -23.3 % in its currency basket), a 2008-type equity fall for
//!    an equity-heavy fund. Left out without a fund (skipped, with a note, when
//!    `[stress.fund_return]` names it).

use std::io::{self, Write};
use std::path::Path;

use crate::error::{Error, Result};
use crate::model::{Model, OUTPUT_NAMES, Year, breakdown};
use crate::output::format_number;
use crate::scenario::stress::{
    CustomTest, DataColumn, STANDARD_TESTS, StandardSettings, StressSpec,
};
use crate::scenario::{N_SHOCKS, SHOCK_NAMES, Scenario, Shock};
use crate::shocks::mat_vec;

/// Index of a shock in [`SHOCK_NAMES`].
fn shock(name: &str) -> usize {
    SHOCK_NAMES.iter().position(|s| *s == name).unwrap_or(0)
}

/// What an impulse moves.
#[derive(Debug, Clone, PartialEq)]
pub enum Target {
    /// A shock, by index in [`SHOCK_NAMES`].
    Shock(usize),
    /// A policy path, by its canonical name (e.g. `revenue_gdp`).
    Policy(String),
}

impl Target {
    /// The canonical name of the shock or policy path.
    pub fn name(&self) -> &str {
        match self {
            Target::Shock(i) => SHOCK_NAMES[*i],
            Target::Policy(p) => p,
        }
    }
}

/// How an impulse acts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// A shock innovation e_t, carried on by persistence.
    Innovation,
    /// The shock state u_t is held at the size (the innovation is whatever does that).
    Hold,
    /// Added to a policy path (fraction of GDP).
    Add,
    /// Replaces a policy path.
    Set,
}

/// One impulse of a test.
#[derive(Debug, Clone, PartialEq)]
pub struct Impulse {
    /// What it moves.
    pub target: Target,
    /// How.
    pub mode: Mode,
    /// Size in the target's units (fractions; log for commodity price and exchange rate).
    pub size: f64,
    /// Projection-year indices (0 = first projection year) in which it applies.
    pub years: Vec<usize>,
}

/// A stress test, ready to run.
#[derive(Debug, Clone, PartialEq)]
pub struct Test {
    /// Name (the `test` column).
    pub name: String,
    /// What it does, in words, with its sizes.
    pub description: String,
    /// Its impulses.
    pub impulses: Vec<Impulse>,
    /// Remarks (a fallback taken, years cut by the horizon, ...).
    pub notes: Vec<String>,
    /// `true` when the test cannot run (the reason is in `notes`).
    pub skipped: bool,
}

/// Summary of one path: the figures of a debt sustainability table.
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    /// Highest debt/GDP over the projection years.
    pub peak_debt_gdp: f64,
    /// The (first) year of that peak.
    pub peak_year: i32,
    /// Debt/GDP in the last projection year.
    pub final_debt_gdp: f64,
    /// Lowest overall balance / GDP (the worst deficit is the most negative value).
    pub worst_overall_balance_gdp: f64,
    /// The (first) year of that balance.
    pub worst_balance_year: i32,
    /// Highest gross financing need / GDP (deficit plus amortisation).
    pub peak_gross_financing_need_gdp: f64,
    /// The (first) year of that need.
    pub peak_financing_year: i32,
    /// First projection year in which debt/GDP exceeds the benchmark (strictly).
    pub first_year_above_benchmark: Option<i32>,
    /// The year and reason when the path breaks down numerically.
    pub breakdown: Option<(i32, String)>,
}

/// A test with its path and summary.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    /// The test (for the baseline: no impulses).
    pub test: Test,
    /// Per-year outputs (empty when skipped).
    pub path: Vec<Year>,
    /// The summary (`None` when skipped).
    pub summary: Option<Summary>,
}

/// The baseline and every enabled test of a scenario.
#[derive(Debug, Clone, PartialEq)]
pub struct StressRun {
    /// The debt/GDP benchmark used (fraction).
    pub benchmark: f64,
    /// The projection years.
    pub years: Vec<i32>,
    /// The baseline first, then the tests in order.
    pub outcomes: Vec<Outcome>,
}

/// Default sizes of the standard set.
pub mod defaults {
    /// Real growth test: innovation in sd of the potential-growth shock.
    pub const REAL_GROWTH_SD: f64 = -1.0;
    /// Revenue test: change of non-commodity revenue / GDP (-1 pp).
    pub const REVENUE: f64 = -0.01;
    /// Revenue test, when `history_sd` is given: size in sd of revenue's history.
    pub const REVENUE_SD: f64 = -0.5;
    /// Interest rate test: +200 bp.
    pub const INTEREST_RATE: f64 = 0.02;
    /// Exchange-rate test: depreciation (0.3 = 30 % more local currency per USD).
    pub const EXCHANGE_RATE: f64 = 0.30;
    /// Commodity price test: innovation in sd of the (log) commodity price shock.
    pub const COMMODITY_PRICE_SD: f64 = -1.0;
    /// Combined test: part of each of tests 1-5.
    pub const COMBINED_SHARE: f64 = 0.5;
    /// Contingent liability: one-off debt increase, fraction of GDP.
    pub const CONTINGENT_LIABILITY: f64 = 0.10;
    /// Fund return test: change in the fund's return in one year (-23.3 pp: Norway's
    /// GPFG in 2008, NBIM annual report 2008).
    pub const FUND_RETURN: f64 = -0.233;
}

fn pct_text(x: f64) -> String {
    let s = format!("{:.3}", 100.0 * x);
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if x > 0.0 {
        format!("+{s} %")
    } else {
        format!("{s} %")
    }
}

/// Calendar years to indices; years outside the horizon were rejected by the resolver.
fn indices(sc: &Scenario, years: &[i32]) -> Vec<usize> {
    years
        .iter()
        .filter_map(|y| sc.years.iter().position(|p| p == y))
        .collect()
}

fn year_list(sc: &Scenario, idx: &[usize]) -> String {
    let ys: Vec<String> = idx.iter().map(|&i| sc.years[i].to_string()).collect();
    ys.join(", ")
}

/// The default timing (0-based offsets), cut to the horizon, with a note when cut.
fn default_years(sc: &Scenario, offsets: &[usize], notes: &mut Vec<String>) -> Vec<usize> {
    let t = sc.horizon();
    let kept: Vec<usize> = offsets.iter().copied().filter(|&i| i < t).collect();
    if kept.len() < offsets.len() {
        notes.push(format!(
            "the horizon has {t} projection year(s): the standard timing (projection years {}) \
             is cut to {}",
            offsets
                .iter()
                .map(|i| (i + 1).to_string())
                .collect::<Vec<_>>()
                .join(" and "),
            if kept.is_empty() {
                "nothing".to_string()
            } else {
                year_list(sc, &kept)
            }
        ));
    }
    kept
}

/// The largest one-year depreciation, `E_t / E_{t-1} - 1` between consecutive years with
/// values, in a column of a calibration CSV (a `year` column and the exchange rate in
/// local currency per USD). Returns the depreciation and the year it ended in.
pub(crate) fn largest_depreciation(data: &DataColumn) -> Result<(f64, i32)> {
    let display = data.file.display().to_string();
    let bad = |message: String| Error::Data {
        loc: data.loc.clone(),
        message: format!("`{display}`: {message}"),
    };
    let text = std::fs::read_to_string(&data.file).map_err(|e| {
        bad(format!(
            "cannot read the calibration data ({e}); `data` is relative to the scenario file"
        ))
    })?;
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| bad(format!("not a CSV file: {e}")))?
        .iter()
        .map(|h| h.trim().to_string())
        .collect();
    let year_col = header
        .iter()
        .position(|h| h == "year")
        .ok_or_else(|| bad("needs a `year` column".into()))?;
    let col = header
        .iter()
        .position(|h| *h == data.column)
        .ok_or_else(|| {
            bad(format!(
                "has no column `{}` (columns: {})",
                data.column,
                header.join(", ")
            ))
        })?;
    let mut points: Vec<(i32, f64)> = Vec::new();
    for (i, rec) in reader.records().enumerate() {
        let line = i + 2;
        let rec = rec.map_err(|e| bad(format!("line {line}: {e}")))?;
        let year: i32 = rec
            .get(year_col)
            .and_then(|y| y.trim().parse().ok())
            .ok_or_else(|| bad(format!("line {line}: `year` is not a year")))?;
        let cell = rec.get(col).unwrap_or("").trim();
        if cell.is_empty() {
            continue;
        }
        let v: f64 = cell.parse().map_err(|_| {
            bad(format!(
                "line {line}: `{cell}` in column `{}` is not a number",
                data.column
            ))
        })?;
        if !(v.is_finite() && v > 0.0) {
            return Err(bad(format!(
                "line {line}: an exchange rate must be above 0, found {v} in `{}`",
                data.column
            )));
        }
        if data.from.is_some_and(|f| year < f) || data.to.is_some_and(|t| year > t) {
            continue;
        }
        points.push((year, v));
    }
    points.sort_by_key(|p| p.0);
    let mut best: Option<(f64, i32)> = None;
    for w in points.windows(2) {
        let ((y0, e0), (y1, e1)) = (w[0], w[1]);
        if y1 != y0 + 1 {
            continue; // a one-year change needs consecutive years
        }
        let dep = e1 / e0 - 1.0;
        if best.is_none_or(|(b, _)| dep > b) {
            best = Some((dep, y1));
        }
    }
    best.ok_or_else(|| {
        bad(format!(
            "column `{}` has no two consecutive years with values{}",
            data.column,
            match (data.from, data.to) {
                (None, None) => String::new(),
                (f, t) => format!(
                    " between {} and {}",
                    f.map_or("the start".into(), |y| y.to_string()),
                    t.map_or("the end".into(), |y| y.to_string())
                ),
            }
        ))
    })
}

/// A test whose size is in sd of a shock: the absolute size, or `None` (with a note)
/// when that sd is zero.
fn sd_sized(
    sc: &Scenario,
    s: &StandardSettings,
    shock_name: &str,
    default_sd: f64,
    notes: &mut Vec<String>,
) -> Option<(f64, String)> {
    if let Some(size) = s.size {
        if s.size_sd.is_some() {
            notes.push("the stated size is used, not size_sd".into());
        }
        return Some((size, format!("{} (stated)", pct_text(size))));
    }
    let k = s.size_sd.unwrap_or(default_sd);
    let sd = sc.shocks.sd[shock(shock_name)];
    if sd == 0.0 {
        notes.push(format!(
            "skipped: the innovation sd of `{shock_name}` is 0 in [shocks]; give shocks.sd, or an \
             absolute size in [stress.{}] size = ...",
            s.test
        ));
        return None;
    }
    Some((k * sd, format!("{k:+} sd = {}", pct_text(k * sd))))
}

/// A standard test's description and its one impulse, or `None` when it is skipped.
type Built = Option<(String, Impulse)>;

/// Builds one standard test, adding to its notes.
type Build = fn(&Ctx, &mut Vec<String>) -> Result<Built>;

/// What every standard test reads: the scenario and the test's settings.
struct Ctx<'a> {
    sc: &'a Scenario,
    s: &'a StandardSettings,
}

impl Ctx<'_> {
    /// The test's year indices: the stated years, else the default `offsets`.
    fn timing(&self, offsets: &[usize], notes: &mut Vec<String>) -> Vec<usize> {
        match &self.s.years {
            Some(y) => indices(self.sc, y),
            None => default_years(self.sc, offsets, notes),
        }
    }

    /// The years as the descriptions list them.
    fn years(&self, years: &[usize]) -> String {
        year_list(self.sc, years)
    }
}

/// The standard tests built from one impulse (`combined` is built from the others), by
/// name: the table behind [`STANDARD_TESTS`].
const BUILDERS: [(&str, Build); 7] = [
    ("real_growth", real_growth),
    ("revenue", revenue),
    ("interest_rate", interest_rate),
    ("exchange_rate", exchange_rate),
    ("commodity_price", commodity_price),
    ("contingent_liability", contingent_liability),
    ("fund_return", fund_return),
];

fn standard_test(sc: &Scenario, test: &str, s: &StandardSettings) -> Result<Test> {
    let Some((_, build)) = BUILDERS.iter().find(|(name, _)| *name == test) else {
        return Err(Error::Internal(format!("unknown standard test {test}")));
    };
    let mut notes = Vec::new();
    let built = build(&Ctx { sc, s }, &mut notes)?;
    let (description, mut impulses) = match built {
        Some((description, impulse)) => (description, vec![impulse]),
        None => (String::new(), Vec::new()),
    };
    if impulses.iter().any(|i| i.years.is_empty()) {
        notes.push("skipped: no projection year left for it".into());
        impulses.clear();
    }
    let skipped = impulses.is_empty();
    Ok(Test {
        name: test.to_string(),
        description: s.description.clone().unwrap_or(description),
        impulses,
        notes,
        skipped,
    })
}

/// An innovation to `shock` of a size in sd of that shock (see [`sd_sized`]), in the
/// years after `offsets`: `what {size} in {years}`.
fn sd_shock(
    ctx: &Ctx,
    notes: &mut Vec<String>,
    offsets: &[usize],
    (shock, default_sd): (Shock, f64),
    what: &str,
) -> Result<Built> {
    let years = ctx.timing(offsets, notes);
    let Some((size, text)) = sd_sized(ctx.sc, ctx.s, shock.name(), default_sd, notes) else {
        return Ok(None);
    };
    let description = format!("{what} {text} in {}", ctx.years(&years));
    let impulse = Impulse {
        target: Target::Shock(shock.index()),
        mode: Mode::Innovation,
        size,
        years,
    };
    Ok(Some((description, impulse)))
}

/// Potential growth lower, in sd of its innovation, in the second and third years.
fn real_growth(ctx: &Ctx, notes: &mut Vec<String>) -> Result<Built> {
    let shock = (Shock::PotentialGrowth, defaults::REAL_GROWTH_SD);
    sd_shock(ctx, notes, &[1, 2], shock, "potential growth innovation")
}

/// The commodity price lower, in sd of its log innovation, in the first year.
fn commodity_price(ctx: &Ctx, notes: &mut Vec<String>) -> Result<Built> {
    let shock = (Shock::CommodityPrice, defaults::COMMODITY_PRICE_SD);
    sd_shock(ctx, notes, &[0], shock, "commodity price log innovation")
}

/// Non-commodity revenue lower in the first two years: by the stated size, by `size_sd`
/// sd of its history, or by the default share of GDP.
fn revenue(ctx: &Ctx, notes: &mut Vec<String>) -> Result<Built> {
    let s = ctx.s;
    let years = ctx.timing(&[0, 1], notes);
    let (size, text) = match (s.size, s.history_sd) {
        (Some(x), _) => {
            if s.size_sd.is_some() {
                notes.push("the stated size is used, not size_sd".into());
            }
            (x, format!("{} of GDP (stated)", pct_text(x)))
        }
        (None, Some(h)) => {
            let k = s.size_sd.unwrap_or(defaults::REVENUE_SD);
            if h == 0.0 {
                notes.push("history_sd is 0: the -1 pp of GDP default is used instead".into());
                (
                    defaults::REVENUE,
                    format!("{} of GDP", pct_text(defaults::REVENUE)),
                )
            } else {
                (
                    k * h,
                    format!("{k:+} sd of its history = {} of GDP", pct_text(k * h)),
                )
            }
        }
        (None, None) => (
            defaults::REVENUE,
            format!("{} of GDP", pct_text(defaults::REVENUE)),
        ),
    };
    let description = format!("non-commodity revenue {text} in {}", ctx.years(&years));
    let impulse = Impulse {
        target: Target::Policy("revenue_gdp".into()),
        mode: Mode::Add,
        size,
        years,
    };
    Ok(Some((description, impulse)))
}

/// The interest rate higher, held (or an innovation) every year unless years are stated.
fn interest_rate(ctx: &Ctx, _notes: &mut Vec<String>) -> Result<Built> {
    let (sc, s) = (ctx.sc, ctx.s);
    let all: Vec<usize> = (0..sc.horizon()).collect();
    let years = s.years.as_ref().map_or(all, |y| indices(sc, y));
    let size = s.size.unwrap_or(defaults::INTEREST_RATE);
    let hold = s.hold.unwrap_or(true);
    let description = format!(
        "interest rate {:+} bp {} in {}",
        (size * 1e4 * 100.0).round() / 100.0,
        if hold { "held" } else { "innovation" },
        if years.len() == sc.horizon() && !years.is_empty() {
            format!("every year from {}", sc.years[0])
        } else {
            ctx.years(&years)
        }
    );
    let impulse = Impulse {
        target: Target::Shock(Shock::InterestRate.index()),
        mode: if hold { Mode::Hold } else { Mode::Innovation },
        size,
        years,
    };
    Ok(Some((description, impulse)))
}

/// A depreciation in the first year: stated, the largest one-year depreciation in the
/// data, or the default.
fn exchange_rate(ctx: &Ctx, notes: &mut Vec<String>) -> Result<Built> {
    let s = ctx.s;
    let years = ctx.timing(&[0], notes);
    let (dep, text) = match (&s.data, s.size) {
        (Some(data), Some(x)) => {
            // A stated size wins (e.g. a file that `extends` one naming data).
            notes.push(format!(
                "the stated size is used; the data in `{}` is not",
                data.file.display()
            ));
            (x, format!("{} (stated)", pct_text(x)))
        }
        (Some(data), None) => {
            let (dep, year) = largest_depreciation(data)?;
            (
                dep,
                format!(
                    "{} (largest one-year depreciation in `{}`, {year})",
                    pct_text(dep),
                    data.column
                ),
            )
        }
        (None, Some(x)) => (x, format!("{} (stated)", pct_text(x))),
        (None, None) => (defaults::EXCHANGE_RATE, pct_text(defaults::EXCHANGE_RATE)),
    };
    if dep <= 0.0 {
        notes.push(format!(
            "the depreciation is {}: this is an appreciation",
            pct_text(dep)
        ));
    }
    let description = format!("depreciation {text} in {}", ctx.years(&years));
    let impulse = Impulse {
        target: Target::Shock(Shock::ExchangeRate.index()),
        mode: Mode::Innovation,
        size: (1.0 + dep).ln(),
        years,
    };
    Ok(Some((description, impulse)))
}

/// A one-off debt increase (other flows) in the first year.
fn contingent_liability(ctx: &Ctx, notes: &mut Vec<String>) -> Result<Built> {
    let years = ctx.timing(&[0], notes);
    let size = ctx.s.size.unwrap_or(defaults::CONTINGENT_LIABILITY);
    let description = format!(
        "one-off debt increase of {} of GDP (other_flows_gdp) in {}",
        pct_text(size),
        ctx.years(&years)
    );
    let impulse = Impulse {
        target: Target::Policy("other_flows_gdp".into()),
        mode: Mode::Add,
        size,
        years,
    };
    Ok(Some((description, impulse)))
}

/// A fall in the fund's return in the first year (skipped without a `[fund]`).
fn fund_return(ctx: &Ctx, notes: &mut Vec<String>) -> Result<Built> {
    let s = ctx.s;
    let years = ctx.timing(&[0], notes);
    if ctx.sc.fund.is_none() {
        notes.push("skipped: the scenario has no [fund]".into());
        return Ok(None);
    }
    let size = s.size.unwrap_or(defaults::FUND_RETURN);
    let description = format!(
        "fund return {} in {}{}",
        pct_text(size),
        ctx.years(&years),
        if s.size.is_none() {
            " (a 2008-type fall: Norway's GPFG returned -23.3 % in 2008)"
        } else {
            " (stated)"
        }
    );
    let impulse = Impulse {
        target: Target::Policy("fund_return".into()),
        mode: Mode::Add,
        size,
        years,
    };
    Ok(Some((description, impulse)))
}

fn combined(parts: &[Test], s: &StandardSettings) -> Test {
    let share = s.share.unwrap_or(defaults::COMBINED_SHARE);
    let used: Vec<&Test> = parts.iter().filter(|t| !t.skipped).collect();
    let impulses = used
        .iter()
        .flat_map(|t| t.impulses.iter())
        .map(|i| Impulse {
            size: i.size * share,
            ..i.clone()
        })
        .collect::<Vec<_>>();
    let mut notes = Vec::new();
    let left_out: Vec<&str> = parts
        .iter()
        .filter(|t| t.skipped)
        .map(|t| t.name.as_str())
        .collect();
    if !left_out.is_empty() {
        notes.push(format!("without {} (skipped)", left_out.join(", ")));
    }
    let skipped = impulses.is_empty();
    if skipped {
        notes.push("skipped: none of tests 1-5 is enabled".into());
    }
    Test {
        name: "combined".into(),
        description: s.description.clone().unwrap_or_else(|| {
            format!(
                "{} of each of {} together",
                if share == 0.5 {
                    "half".to_string()
                } else {
                    format!("{share} times the size")
                },
                used.iter()
                    .map(|t| t.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        }),
        impulses,
        notes,
        skipped,
    }
}

fn custom_test(sc: &Scenario, c: &CustomTest) -> Test {
    let mut impulses = Vec::new();
    let mut notes = Vec::new();
    let mut parts = Vec::new();
    for e in &c.entries {
        let years = indices(sc, &e.years);
        let when = year_list(sc, &years);
        match SHOCK_NAMES.iter().position(|s| *s == e.target) {
            Some(i) => {
                let size = match (e.size, e.size_sd) {
                    (Some(x), _) => x,
                    (None, Some(k)) => {
                        if sc.shocks.sd[i] == 0.0 {
                            notes.push(format!(
                                "`{}` is sized in sd, but its innovation sd is 0: it does nothing",
                                e.target
                            ));
                        }
                        k * sc.shocks.sd[i]
                    }
                    _ => 0.0,
                };
                parts.push(format!(
                    "{} {} {size:+} in {when}",
                    e.target,
                    if e.hold { "held at" } else { "innovation" }
                ));
                impulses.push(Impulse {
                    target: Target::Shock(i),
                    mode: if e.hold { Mode::Hold } else { Mode::Innovation },
                    size,
                    years,
                });
            }
            None => {
                let (mode, size) = match e.value {
                    Some(v) => (Mode::Set, v),
                    None => (Mode::Add, e.size.unwrap_or(0.0)),
                };
                parts.push(match mode {
                    Mode::Set => format!("{} = {size} in {when}", e.target),
                    _ => format!("{} {} in {when}", e.target, pct_text(size)),
                });
                impulses.push(Impulse {
                    target: Target::Policy(e.target.clone()),
                    mode,
                    size,
                    years,
                });
            }
        }
    }
    Test {
        name: c.name.clone(),
        description: if c.description.is_empty() {
            parts.join("; ")
        } else {
            c.description.clone()
        },
        impulses,
        notes,
        skipped: false,
    }
}

/// The tests of a scenario under the `[stress]` specification `spec`, in order: the
/// enabled standard tests (with their settings), then the enabled user-defined tests.
/// Disabled tests are left out.
pub(crate) fn plan_with(sc: &Scenario, spec: &StressSpec) -> Result<Vec<Test>> {
    let mut tests = Vec::new();
    let mut singles = Vec::new();
    for name in STANDARD_TESTS {
        let s = spec.settings(name);
        if name == "combined" {
            if s.enabled != Some(false) {
                tests.push(combined(&singles, &s));
            }
            continue;
        }
        // A disabled test is left out of the combined test too.
        if s.enabled == Some(false) {
            continue;
        }
        // A fund test in a scenario without a fund is not a stress test of it: left out
        // unless the scenario names it (then it shows as skipped, with the reason).
        let named = spec.standard.iter().any(|t| t.test == name);
        if name == "fund_return" && sc.fund.is_none() && !named {
            continue;
        }
        let t = standard_test(sc, name, &s)?;
        if singles.len() < 5 && name != "contingent_liability" {
            singles.push(t.clone());
        }
        tests.push(t);
    }
    for c in spec.custom.iter().filter(|c| c.enabled) {
        tests.push(custom_test(sc, c));
    }
    Ok(tests)
}

/// The scenario with a test's policy impulses applied, and the shock states u_1..u_T.
/// Fails on a policy path that is not one of
/// [`crate::scenario::stress::POLICY_PATHS`].
pub fn apply(sc: &Scenario, test: &Test) -> Result<(Scenario, Vec<[f64; N_SHOCKS]>)> {
    let mut out = sc.clone();
    let t_max = sc.horizon();
    let mut innov = vec![[0.0; N_SHOCKS]; t_max];
    let mut hold: Vec<[Option<f64>; N_SHOCKS]> = vec![[None; N_SHOCKS]; t_max];
    for imp in &test.impulses {
        for &t in imp.years.iter().filter(|&&t| t < t_max) {
            match (&imp.target, imp.mode) {
                (Target::Shock(i), Mode::Hold) => {
                    *hold[t][*i].get_or_insert(0.0) += imp.size;
                }
                (Target::Shock(i), _) => innov[t][*i] += imp.size,
                (Target::Policy(p), mode) => {
                    let no_fund = || {
                        Error::usage(
                            format!("stress test `{}`", test.name),
                            "`fund_return` needs a [fund] in the scenario",
                        )
                    };
                    let path = match p.as_str() {
                        "fund_return" => &mut out.fund.as_mut().ok_or_else(no_fund)?.return_rate,
                        "growth_spending_gdp" => &mut out.policy.growth_spending_gdp,
                        "other_spending_gdp" => &mut out.policy.other_spending_gdp,
                        "revenue_gdp" => &mut out.policy.revenue_gdp,
                        "commodity_revenue_gdp" => &mut out.policy.commodity_revenue_gdp,
                        "other_flows_gdp" => &mut out.policy.other_flows_gdp,
                        other => {
                            return Err(Error::usage(
                                format!("stress test `{}`", test.name),
                                format!(
                                    "`{other}` is not a policy path (valid: {})",
                                    crate::scenario::stress::POLICY_PATHS.join(", ")
                                ),
                            ));
                        }
                    };
                    if mode == Mode::Set {
                        path[t] = imp.size;
                    } else {
                        path[t] += imp.size;
                    }
                }
            }
        }
    }
    let a = &sc.shocks.persistence;
    let mut u = [0.0; N_SHOCKS];
    let states = (0..t_max)
        .map(|t| {
            let au = mat_vec(a, &u);
            for i in 0..N_SHOCKS {
                u[i] = match hold[t][i] {
                    Some(level) => level,
                    None => au[i] + innov[t][i],
                };
            }
            u
        })
        .collect();
    Ok((out, states))
}

/// Runs one test: its per-year outputs.
pub fn simulate(sc: &Scenario, test: &Test) -> Result<Vec<Year>> {
    let (shocked, u) = apply(sc, test)?;
    Ok(Model::new(&shocked).simulate(|t| u[t]))
}

/// The summary of a path against a debt/GDP `benchmark` (fraction).
pub fn summarize(years: &[i32], path: &[Year], benchmark: f64) -> Summary {
    let mut s = Summary {
        peak_debt_gdp: f64::NEG_INFINITY,
        peak_year: years.first().copied().unwrap_or_default(),
        final_debt_gdp: path.last().map_or(f64::NAN, |y| y.debt_gdp),
        worst_overall_balance_gdp: f64::INFINITY,
        worst_balance_year: years.first().copied().unwrap_or_default(),
        peak_gross_financing_need_gdp: f64::NEG_INFINITY,
        peak_financing_year: years.first().copied().unwrap_or_default(),
        first_year_above_benchmark: None,
        breakdown: None,
    };
    for (&year, y) in years.iter().zip(path) {
        if s.breakdown.is_none()
            && let Some(why) = breakdown(y)
        {
            s.breakdown = Some((year, why.to_string()));
        }
        if y.debt_gdp > s.peak_debt_gdp {
            s.peak_debt_gdp = y.debt_gdp;
            s.peak_year = year;
        }
        if y.overall_balance_gdp < s.worst_overall_balance_gdp {
            s.worst_overall_balance_gdp = y.overall_balance_gdp;
            s.worst_balance_year = year;
        }
        if y.gross_financing_need_gdp > s.peak_gross_financing_need_gdp {
            s.peak_gross_financing_need_gdp = y.gross_financing_need_gdp;
            s.peak_financing_year = year;
        }
        if s.first_year_above_benchmark.is_none() && y.debt_gdp > benchmark {
            s.first_year_above_benchmark = Some(year);
        }
    }
    s
}

/// Why a test leaves debt and the balance exactly at the baseline, as far as can be told.
fn no_effect_note(sc: &Scenario, test: &Test) -> String {
    let moves = |name: &str| test.impulses.iter().any(|i| i.target.name() == name);
    let no_commodity_revenue = sc.policy.commodity_revenue_gdp.iter().all(|x| *x == 0.0);
    let mut why = Vec::new();
    if (moves("commodity_price") || moves("exchange_rate")) && no_commodity_revenue {
        why.push(
            "commodity_revenue_gdp is 0 in every year, so commodity prices do not reach the budget",
        );
    }
    if moves("exchange_rate") && sc.structure.fx_debt_share == 0.0 {
        why.push("fx_debt_share is 0, so no debt is revalued");
    }
    let mut note = "no effect on debt or the overall balance in this scenario".to_string();
    if !why.is_empty() {
        note.push_str(&format!(": {}", why.join("; ")));
    }
    note
}

/// Runs the baseline and every enabled test of `sc` (the enabled standard tests, then the
/// enabled user-defined ones). `benchmark` overrides the scenario's `[stress] benchmark`.
pub fn run(sc: &Scenario, benchmark: Option<f64>) -> Result<StressRun> {
    run_only(sc, benchmark, &[])
}

/// [`run`] restricted to the tests named in `only` (all when empty), in the usual order;
/// the baseline always comes first. The combined test keeps its full definition.
pub(crate) fn run_only(
    sc: &Scenario,
    benchmark: Option<f64>,
    only: &[String],
) -> Result<StressRun> {
    let spec = sc.stress.clone().unwrap_or_default();
    let benchmark = benchmark.unwrap_or(spec.benchmark);
    let mut tests = plan_with(sc, &spec)?;
    if !only.is_empty() {
        let names: Vec<&str> = tests.iter().map(|t| t.name.as_str()).collect();
        for want in only {
            if !names.contains(&want.as_str()) {
                let close = crate::error::suggest(want, names.iter().copied())
                    .map(|n| format!(": did you mean `{n}`?"))
                    .unwrap_or_default();
                return Err(Error::usage(
                    "--only",
                    format!(
                        "`{want}` is not an enabled test of this scenario{close} (tests: {})",
                        names.join(", ")
                    ),
                ));
            }
        }
        tests.retain(|t| only.contains(&t.name));
    }
    let baseline = Test {
        name: "baseline".into(),
        description: "the scenario without shocks".into(),
        impulses: Vec::new(),
        notes: Vec::new(),
        skipped: false,
    };
    let mut outcomes = Vec::with_capacity(tests.len() + 1);
    for test in std::iter::once(baseline).chain(tests) {
        if test.skipped {
            outcomes.push(Outcome {
                test,
                path: Vec::new(),
                summary: None,
            });
            continue;
        }
        let mut test = test;
        let path = simulate(sc, &test)?;
        let summary = summarize(&sc.years, &path, benchmark);
        if let Some(base) = outcomes.first().map(|o: &Outcome| &o.path)
            && base.iter().zip(&path).all(|(b, y)| {
                b.debt_gdp == y.debt_gdp && b.overall_balance_gdp == y.overall_balance_gdp
            })
        {
            let fund_moves = base
                .iter()
                .zip(&path)
                .any(|(b, y)| b.net_debt_gdp != y.net_debt_gdp);
            test.notes.push(if fund_moves {
                "gross debt and the overall balance as in the baseline: the fund absorbs the shock \
                 (fund assets and net debt move)"
                    .into()
            } else {
                no_effect_note(sc, &test)
            });
        }
        if test.name == "baseline"
            && let Some((year, why)) = &summary.breakdown
        {
            return Err(Error::Numerical {
                year: *year,
                message: why.clone(),
            });
        }
        outcomes.push(Outcome {
            test,
            path,
            summary: Some(summary),
        });
    }
    Ok(StressRun {
        benchmark,
        years: sc.years.clone(),
        outcomes,
    })
}

/// Writes the per-year outputs of every test as CSV: `scenario,test,year`, then every
/// canonical output. Skipped tests have no rows.
pub(crate) fn write_paths_csv(
    w: &mut dyn Write,
    scenario: &str,
    run: &StressRun,
) -> io::Result<()> {
    let mut csv = csv::Writer::from_writer(w);
    let mut header = vec!["scenario", "test", "year"];
    header.extend(OUTPUT_NAMES);
    csv.write_record(&header)?;
    for o in &run.outcomes {
        for (year, y) in run.years.iter().zip(&o.path) {
            let mut record = vec![scenario.to_string(), o.test.name.clone(), year.to_string()];
            record.extend(y.values().iter().map(|v| format_number(*v)));
            csv.write_record(&record)?;
        }
    }
    csv.flush()
}

/// The columns of the summary CSV.
pub const SUMMARY_COLUMNS: [&str; 15] = [
    "scenario",
    "test",
    "peak_debt_gdp",
    "peak_year",
    "final_debt_gdp",
    "final_debt_gdp_vs_baseline",
    "worst_overall_balance_gdp",
    "worst_balance_year",
    "peak_gross_financing_need_gdp",
    "peak_financing_year",
    "benchmark",
    "first_year_above_benchmark",
    "description",
    "status",
    "note",
];

/// Writes the summary table as CSV ([`SUMMARY_COLUMNS`]): one row per test, the baseline
/// first. `status` is `ok`, `skipped` or `breakdown YEAR`; empty cells where a figure does
/// not exist (a skipped test, a benchmark never exceeded).
pub fn write_summary_csv(w: &mut dyn Write, scenario: &str, run: &StressRun) -> io::Result<()> {
    let mut csv = csv::Writer::from_writer(w);
    csv.write_record(SUMMARY_COLUMNS)?;
    let base_final = run
        .outcomes
        .first()
        .and_then(|o| o.summary.as_ref())
        .map_or(f64::NAN, |s| s.final_debt_gdp);
    for o in &run.outcomes {
        let mut notes = o.test.notes.clone();
        let record: Vec<String> = match &o.summary {
            None => {
                let mut r = vec![scenario.to_string(), o.test.name.clone()];
                r.extend(std::iter::repeat_n(String::new(), 8));
                r.push(format_number(run.benchmark));
                r.push(String::new());
                r.push(o.test.description.clone());
                r.push("skipped".into());
                r.push(skip_reasons(&notes));
                r
            }
            Some(s) => {
                let status = match &s.breakdown {
                    Some((y, why)) => {
                        notes.push(format!("breaks down in {y}: {why}"));
                        format!("breakdown {y}")
                    }
                    None => "ok".into(),
                };
                vec![
                    scenario.to_string(),
                    o.test.name.clone(),
                    format_number(s.peak_debt_gdp),
                    s.peak_year.to_string(),
                    format_number(s.final_debt_gdp),
                    format_number(s.final_debt_gdp - base_final),
                    format_number(s.worst_overall_balance_gdp),
                    s.worst_balance_year.to_string(),
                    format_number(s.peak_gross_financing_need_gdp),
                    s.peak_financing_year.to_string(),
                    format_number(run.benchmark),
                    s.first_year_above_benchmark
                        .map_or(String::new(), |y| y.to_string()),
                    o.test.description.clone(),
                    status,
                    notes.join("; "),
                ]
            }
        };
        csv.write_record(&record)?;
    }
    csv.flush()
}

/// The summary as an aligned text table for people (percent of GDP).
pub fn summary_table(scenario: &str, run: &StressRun) -> String {
    let mut out = format!(
        "{scenario}: stress tests, debt/GDP benchmark {}\n",
        pct_text(run.benchmark).trim_start_matches('+')
    );
    out.push_str(&format!(
        "{:<22} {:>16} {:>14} {:>18} {:>16} {:>12}\n",
        "test", "peak debt (year)", "final", "worst OB (year)", "peak GFN (year)", "> benchmark"
    ));
    let base_final = run
        .outcomes
        .first()
        .and_then(|o| o.summary.as_ref())
        .map_or(f64::NAN, |s| s.final_debt_gdp);
    for o in &run.outcomes {
        match &o.summary {
            None => out.push_str(&format!(
                "{:<22} skipped: {}\n",
                o.test.name,
                skip_reasons(&o.test.notes)
            )),
            Some(s) => {
                let delta = if o.test.name == "baseline" {
                    String::new()
                } else {
                    format!(" ({:+.1})", 100.0 * (s.final_debt_gdp - base_final))
                };
                out.push_str(&format!(
                    "{:<22} {:>9.1} ({}) {:>14} {:>11.1} ({}) {:>9.1} ({}) {:>12}\n",
                    o.test.name,
                    100.0 * s.peak_debt_gdp,
                    s.peak_year,
                    format!("{:.1}{delta}", 100.0 * s.final_debt_gdp),
                    100.0 * s.worst_overall_balance_gdp,
                    s.worst_balance_year,
                    100.0 * s.peak_gross_financing_need_gdp,
                    s.peak_financing_year,
                    s.first_year_above_benchmark
                        .map_or("never".into(), |y| y.to_string())
                ));
                if let Some((y, why)) = &s.breakdown {
                    out.push_str(&format!("{:<22} breaks down in {y}: {why}\n", ""));
                }
                for note in &o.test.notes {
                    out.push_str(&format!("{:<22} note: {note}\n", ""));
                }
            }
        }
    }
    out.push_str("(percent of GDP; final: last year, in brackets the change from the baseline)\n");
    out
}

/// The debt/GDP path of the baseline and of every test that ran, as chart lines (one per
/// test, labelled by its name), for [`crate::chart::lines::render`].
pub(crate) fn debt_lines(run: &StressRun) -> Vec<crate::chart::lines::Line> {
    run.outcomes
        .iter()
        .filter(|o| !o.path.is_empty())
        .map(|o| crate::chart::lines::Line {
            label: o.test.name.clone(),
            points: run
                .years
                .iter()
                .zip(&o.path)
                .filter(|(_, y)| y.debt_gdp.is_finite())
                .map(|(year, y)| (*year, y.debt_gdp))
                .collect(),
        })
        .collect()
}

/// The baseline and every test on one debt/GDP panel (SVG), titled with the scenario's
/// name and the benchmark (in percent of GDP). Used by `stress --chart`, `chart stress`
/// and `report --stress`.
pub(crate) fn debt_chart(
    sc: &Scenario,
    run: &StressRun,
    size: crate::chart::Size,
) -> Result<String> {
    let title = format!(
        "{}: debt/GDP under stress (benchmark {} %)",
        sc.name,
        crate::output::format_number(100.0 * run.benchmark)
    );
    let mut lines = debt_lines(run);
    for l in &mut lines {
        crate::chart::lines::prepend(l, sc.base_year, sc.initial.debt_gdp);
    }
    let benchmark = crate::chart::lines::Benchmark {
        value: run.benchmark,
        label: format!(
            "benchmark {} %",
            crate::output::format_number(100.0 * run.benchmark)
        ),
    };
    crate::chart::lines::render_with_benchmark(
        &lines,
        "debt_gdp",
        Some(&title),
        size,
        &sc.currency,
        Some(&benchmark),
    )
}

/// The calibration data files named by `sc`'s `[stress]` section (inputs that an output
/// must not overwrite).
pub(crate) fn data_files(sc: &Scenario) -> Vec<&Path> {
    sc.stress
        .iter()
        .flat_map(|s| s.standard.iter())
        .filter_map(|s| s.data.as_ref().map(|d| d.file.as_path()))
        .collect()
}

/// The notes of a skipped test, without the "skipped: " that the status already says.
fn skip_reasons(notes: &[String]) -> String {
    notes
        .iter()
        .map(|n| n.strip_prefix("skipped: ").unwrap_or(n))
        .collect::<Vec<_>>()
        .join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_standard_test_but_combined_has_a_builder() {
        let names: Vec<&str> = BUILDERS.iter().map(|(name, _)| *name).collect();
        let listed: Vec<&str> = STANDARD_TESTS
            .into_iter()
            .filter(|t| *t != "combined")
            .collect();
        assert_eq!(names, listed);
    }

    fn scenario(extra: &str) -> Scenario {
        let text = format!(
            "name = \"t\"\nbase_year = 2025\nend_year = 2028\n[initial]\ngdp_nominal = \
             100\ndebt_gdp = 0.5\npublic_capital_gdp = 0.5\ngrowth_spending_gdp = \
             0.02\nrevenue_gdp = 0.2\nexchange_rate = 500\ncommodity_price = \
             60\n[baseline]\nreal_growth = 0.05\ninflation = 0.05\ngrowth_spending_gdp = \
             0.02\nrevenue_gdp = 0.2\ncommodity_price = 60\nexchange_rate = 500\ninterest_rate = \
             0.1\n[policy]\nother_spending_gdp = 0.2\n{extra}"
        );
        crate::scenario::load_str(&text, "t.toml", Path::new("."), &[]).unwrap()
    }

    fn test_of(impulses: Vec<Impulse>) -> Test {
        Test {
            name: "t".into(),
            description: String::new(),
            impulses,
            notes: Vec::new(),
            skipped: false,
        }
    }

    #[test]
    fn shock_states_follow_the_persistence_matrix_and_holds() {
        // Commodity state persists at 0.5 and feeds potential growth at 0.1.
        let mut sc = scenario("");
        sc.shocks.persistence[3][3] = 0.5;
        sc.shocks.persistence[0][3] = 0.1;
        sc.shocks.persistence[4][4] = 0.9;
        let t = test_of(vec![
            Impulse {
                target: Target::Shock(3),
                mode: Mode::Innovation,
                size: -0.3,
                years: vec![0],
            },
            Impulse {
                target: Target::Shock(4),
                mode: Mode::Hold,
                size: 0.02,
                years: vec![0, 1],
            },
            Impulse {
                target: Target::Policy("revenue_gdp".into()),
                mode: Mode::Add,
                size: -0.01,
                years: vec![1],
            },
            Impulse {
                target: Target::Policy("other_spending_gdp".into()),
                mode: Mode::Set,
                size: 0.3,
                years: vec![2],
            },
        ]);
        let (shocked, u) = apply(&sc, &t).unwrap();
        assert_eq!(u[0], [0.0, 0.0, 0.0, -0.3, 0.02, 0.0, 0.0]);
        assert_eq!(u[1], [-0.03, 0.0, 0.0, -0.15, 0.02, 0.0, 0.0]);
        // 2028: no more hold, the interest state decays at 0.9.
        assert!((u[2][0] - (0.1 * -0.15)).abs() < 1e-15);
        assert!((u[2][3] - -0.075).abs() < 1e-15);
        assert!((u[2][4] - 0.018).abs() < 1e-15);
        assert_eq!(shocked.policy.revenue_gdp, [0.2, 0.19, 0.2]);
        assert_eq!(shocked.policy.other_spending_gdp, [0.2, 0.2, 0.3]);
        // Nothing else of the scenario changes.
        assert_eq!(shocked.baseline, sc.baseline);
        assert_eq!(
            shocked.policy.growth_spending_gdp,
            sc.policy.growth_spending_gdp
        );
    }

    #[test]
    fn an_unknown_policy_path_is_an_error() {
        let sc = scenario("");
        let t = test_of(vec![Impulse {
            target: Target::Policy("taxes".into()),
            mode: Mode::Add,
            size: 0.1,
            years: vec![0],
        }]);
        let e = apply(&sc, &t).unwrap_err().to_string();
        assert!(e.contains("`taxes` is not a policy path"), "{e}");
    }

    #[test]
    fn the_plan_follows_the_stress_table() {
        let sc = scenario(
            "[shocks]\nsd = [0.02, 0, 0, 0.3, 0, 0.1]\n[stress.revenue]\nenabled = \
             false\n[stress.combined]\nshare = 0.25\n",
        );
        let plan = plan_with(&sc, &sc.stress.clone().unwrap_or_default()).unwrap();
        let names: Vec<&str> = plan.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "real_growth",
                "interest_rate",
                "exchange_rate",
                "commodity_price",
                "combined",
                "contingent_liability"
            ]
        );
        let combined = &plan[4];
        assert_eq!(combined.impulses.len(), 4, "revenue left out");
        assert!((combined.impulses[0].size - 0.25 * -0.02).abs() < 1e-15);
        assert!((combined.impulses[2].size - 0.25 * 1.3f64.ln()).abs() < 1e-15);
        assert_eq!(plan[0].impulses[0].years, [1, 2], "2nd and 3rd years");
    }
}
