//! The HTML report: one self-contained page (inline CSS and SVG, no script, no network)
//! with the key results of one or more scenarios, their differences from the first, the
//! growth and debt decompositions, optional fan and tornado charts, and every assumption.
//!
//! The page holds no time stamp: the same inputs give the same bytes.

use std::fmt::Write as _;

use crate::chart::{self, Size, bars, fan, lines, tornado};
use crate::compare::Table;
use crate::decompose::{DECOMPOSITION_NAMES, Decomposition, decompose};
use crate::error::{Error, Result};
use crate::model::{Model, OUTPUT_NAMES, Year, project};
use crate::scenario::Scenario;

/// One scenario of the report, run deterministically.
#[derive(Debug, Clone)]
pub struct Run {
    /// The resolved scenario.
    pub scenario: Scenario,
    /// Its deterministic projection.
    pub path: Vec<Year>,
    /// Its decompositions, per year.
    pub parts: Vec<Decomposition>,
}

impl Run {
    /// Runs `scenario` deterministically with its decompositions.
    pub fn new(scenario: Scenario) -> Result<Run> {
        let path = project(&scenario)?;
        let parts = decompose(&Model::new(&scenario), &path, &path);
        Ok(Run {
            scenario,
            path,
            parts,
        })
    }

    /// The run as a [`Table`] (outputs and decompositions), for the chart functions.
    pub fn table(&self) -> Table {
        let values = self
            .scenario
            .years
            .iter()
            .zip(&self.path)
            .zip(&self.parts)
            .flat_map(|((year, y), p)| {
                OUTPUT_NAMES
                    .iter()
                    .chain(&DECOMPOSITION_NAMES)
                    .zip(y.values().into_iter().chain(p.values()))
                    .map(move |(name, v)| (*year, *name, v))
            });
        Table::from_values(
            std::path::Path::new(&self.scenario.name),
            Some(self.scenario.name.clone()),
            values,
        )
    }
}

/// A tornado to include: the OAT bars, the metric's name and its central value.
#[derive(Debug, Clone)]
pub struct Sensitivity {
    /// Bars, largest swing first.
    pub bars: Vec<tornado::Bar>,
    /// The metric (e.g. `debt_gdp@2040`).
    pub metric: String,
    /// The metric at the central parameter values, if known.
    pub base: Option<f64>,
}

/// Everything a report shows.
#[derive(Debug, Clone)]
pub struct Report {
    /// Page title.
    pub title: String,
    /// The scenarios; the first is the reference for differences.
    pub runs: Vec<Run>,
    /// Monte Carlo summaries to draw as fan charts (debt/GDP and real growth).
    pub summaries: Vec<Table>,
    /// Tornado charts.
    pub sensitivities: Vec<Sensitivity>,
    /// Standard stress tests of the first scenario (`fiscalsim stress`), if asked for.
    pub stress: Option<crate::stress::StressRun>,
    /// Backtest scores (`fiscalsim backtest`), if given.
    pub backtest: Option<Vec<crate::backtest::Score>>,
    /// (draws, seed) of the Monte Carlo runs the report made itself (`report --draws`),
    /// for the subtitle; `None` when the summaries, if any, were given as files.
    pub draws: Option<(u64, u64)>,
}

/// The stress-test section: the debt/GDP panel and the summary table of each test.
fn write_stress(
    w: &mut String,
    sc: &Scenario,
    run: &crate::stress::StressRun,
    size: Size,
) -> Result<()> {
    let svg = crate::stress::debt_chart(sc, run, size)?;
    let _ = writeln!(w, "<section id=\"stress\">\n<h2>Stress tests</h2>");
    let _ = write!(
        w,
        "{}",
        figure(
            &svg,
            &format!(
                "Debt/GDP of {} under the standard stress tests (fiscalsim stress).",
                esc(&sc.name)
            )
        )
    );
    let _ = writeln!(
        w,
        "<table>\n<tr><th class=\"l\">test</th><th>peak debt, % GDP</th><th>peak year</th>\
         <th>final debt, % GDP</th><th>worst overall balance, % GDP</th>\
         <th>first year above {} %</th><th class=\"l\">note</th></tr>",
        pct(run.benchmark)
    );
    for o in &run.outcomes {
        let note = esc(&o.test.notes.join("; "));
        match &o.summary {
            Some(s) => {
                let _ = writeln!(
                    w,
                    "<tr><td class=\"l\">{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"wrap\">{note}</td></tr>",
                    esc(&o.test.name),
                    pct(s.peak_debt_gdp),
                    s.peak_year,
                    pct(s.final_debt_gdp),
                    pct(s.worst_overall_balance_gdp),
                    s.first_year_above_benchmark
                        .map_or_else(|| "never".to_string(), |y| y.to_string()),
                );
            }
            None => {
                let _ = writeln!(
                    w,
                    "<tr><td class=\"l\">{}</td><td colspan=\"5\">not run</td><td \
                     class=\"wrap\">{note}</td></tr>",
                    esc(&o.test.name)
                );
            }
        }
    }
    let _ = writeln!(w, "</table>\n</section>");
    Ok(())
}

/// The subtitle's account of what the page shows: deterministic projections, and where
/// its uncertainty section comes from.
fn what_is_shown(report: &Report) -> String {
    match (report.summaries.is_empty(), report.draws) {
        (true, _) => "Deterministic projections".into(),
        (false, Some((draws, seed))) => format!(
            "Deterministic projections, and Monte Carlo quantiles of {draws} draws (seed {seed}) \
             in the uncertainty section"
        ),
        (false, None) => "Deterministic projections, and Monte Carlo quantiles from the summary \
                          files given in the uncertainty section"
            .into(),
    }
}

/// The budget of one scenario as a finance ministry states it: levels in the currency
/// unit and growth spending as a share of total budget spending.
fn budget_in_levels(w: &mut String, r: &Run, currency: &str) {
    let unit = if currency.is_empty() {
        "currency unit".to_string()
    } else {
        esc(currency)
    };
    let _ = writeln!(
        w,
        "<table>\n<tr><th class=\"l\">year, {unit}</th><th>Nominal GDP</th><th>Revenue</th>\
         <th>Total spending</th><th>of which growth spending</th><th>Interest</th>\
         <th>Overall balance</th><th>Debt</th><th>Gross financing need</th>\
         <th>Growth spending, % of budget spending</th></tr>"
    );
    for (year, y) in r.scenario.years.iter().zip(&r.path) {
        let total = y.growth_spending + y.other_spending + y.interest;
        let _ = writeln!(
            w,
            "<tr><td class=\"l\">{year}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>\
             <td>{}</td><td{}>{}</td><td>{}</td><td>{}</td>{}</tr>",
            level(y.gdp_nominal),
            level(y.revenue),
            level(total),
            level(y.growth_spending),
            level(y.interest),
            if y.overall_balance < 0.0 {
                " class=\"neg\""
            } else {
                ""
            },
            level(y.overall_balance),
            level(y.debt),
            level(y.gross_financing_need),
            td_pct(y.growth_spending_budget_share),
        );
    }
    let _ = writeln!(
        w,
        "</table>\n<p class=\"note\">Total spending is growth-stimulating, other primary \
         spending and interest. The gross financing need is the deficit plus maturing debt \
         (debt / debt_maturity; with the default maturity of one year the whole stock is \
         refinanced every year) plus other flows.</p>"
    );
}

/// Escapes text for HTML.
pub(crate) fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A fraction in percent with one decimal (0.0534 -> "5.3").
fn pct(v: f64) -> String {
    if v.is_finite() {
        let s = format!("{:.1}", 100.0 * v);
        if s == "-0.0" { "0.0".into() } else { s }
    } else {
        crate::output::format_number(v)
    }
}

/// A signed difference in percentage points (0.012 -> "+1.2").
fn pp(v: f64) -> String {
    if v.is_finite() {
        let s = format!("{:+.1}", 100.0 * v);
        if s == "-0.0" || s == "+0.0" {
            "0.0".into()
        } else {
            s
        }
    } else {
        crate::output::format_number(v)
    }
}

/// A level with a sensible number of decimals.
fn level(v: f64) -> String {
    if !v.is_finite() {
        crate::output::format_number(v)
    } else if v.abs() >= 100.0 {
        format!("{v:.0}")
    } else if v.abs() >= 1.0 {
        format!("{v:.2}")
    } else {
        format!("{v:.4}")
    }
}

const STYLE: &str = "
body{font-family:-apple-system,'Segoe \
UI',Helvetica,Arial,sans-serif;color:#222;max-width:1000px;margin:24px auto;padding:0 \
16px;line-height:1.4}
h1{font-size:26px;margin-bottom:4px}h2{font-size:20px;border-bottom:2px solid \
#0072b2;padding-bottom:4px;margin-top:36px}
h3{font-size:16px;margin-top:24px}h4{font-size:14px;margin:16px 0 \
4px}p.meta{color:#555;margin-top:0}
table{border-collapse:collapse;margin:8px 0 16px;font-size:13px}
th,td{border:1px solid #ccc;padding:3px 8px;text-align:right}th{background:#eef3f8}
td.l,th.l{text-align:left;white-space:nowrap}td.wrap{text-align:left;white-space:normal;min-width:16em}td.neg{color:#b00}
figure{margin:12px 0}figcaption{font-size:13px;color:#555}svg{max-width:100%;height:auto}
.note{font-size:13px;color:#555}
nav a{margin-right:14px}
";

/// Key variables of the results tables: (output, heading, is a fraction).
const KEY: [(&str, &str); 7] = [
    ("real_growth", "Real growth, %"),
    ("inflation", "Inflation, %"),
    ("revenue_gdp", "Revenue, % GDP"),
    ("growth_spending_gdp", "Growth spending, % GDP"),
    ("primary_balance_gdp", "Primary balance, % GDP"),
    ("overall_balance_gdp", "Overall balance, % GDP"),
    ("debt_gdp", "Debt, % GDP"),
];

/// With a resource fund (model version 2): net debt and fund assets beside gross debt.
const FUND_KEY: [(&str, &str); 2] = [
    ("net_debt_gdp", "Net debt, % GDP"),
    ("fund_assets_gdp", "Fund assets, % GDP"),
];

impl Report {
    /// Whether any scenario of the report has a resource fund.
    fn has_fund(&self) -> bool {
        self.runs.iter().any(|r| r.scenario.fund.is_some())
    }

    /// The key variables of the results tables: [`KEY`], and [`FUND_KEY`] after gross
    /// debt when a scenario has a fund.
    fn key(&self) -> Vec<(&'static str, &'static str)> {
        let mut key = KEY.to_vec();
        if self.has_fund() {
            key.extend(FUND_KEY);
        }
        key
    }

    /// The variables drawn (lines by scenario, fans): debt/GDP, net debt and fund assets
    /// when a scenario has a fund, then `rest`.
    fn drawn<'a>(&self, rest: &[&'a str]) -> Vec<&'a str> {
        let mut vars = vec!["debt_gdp"];
        if self.has_fund() {
            vars.extend(["net_debt_gdp", "fund_assets_gdp"]);
        }
        vars.extend(rest);
        vars
    }
}

fn td_pct(v: f64) -> String {
    if v < 0.0 {
        format!("<td class=\"neg\">{}</td>", pct(v))
    } else {
        format!("<td>{}</td>", pct(v))
    }
}

fn figure(svg: &str, caption: &str) -> String {
    format!(
        "<figure>{svg}<figcaption>{}</figcaption></figure>\n",
        esc(caption)
    )
}

/// Renders the report as one HTML page.
pub fn render(report: &Report) -> Result<String> {
    let Some(first) = report.runs.first() else {
        return Err(Error::usage(
            "FILE",
            "a report needs at least one scenario file",
        ));
    };
    let size = Size::default();
    let currency = first.scenario.currency.as_str();
    let mut h = String::new();
    let w = &mut h;
    let names: Vec<String> = report.runs.iter().map(|r| esc(&r.scenario.name)).collect();
    write_head(w, report, first, &names, currency);
    write_results(w, report, first, &names, currency);
    let tables: Vec<Table> = report.runs.iter().map(Run::table).collect();
    write_charts(w, report, &tables, size, currency)?;
    write_why(w, report, &names, &tables, size)?;
    write_uncertainty(w, report, &tables, size, currency)?;
    write_sensitivity(w, report, size)?;
    // Stress tests
    if let (Some(run), Some(first)) = (&report.stress, report.runs.first()) {
        write_stress(w, &first.scenario, run, size)?;
    }

    if let Some(scores) = &report.backtest {
        write_backtest(w, scores)?;
    }
    // Assumptions
    let _ = writeln!(w, "<section id=\"assumptions\">\n<h2>Assumptions</h2>");
    for (r, name) in report.runs.iter().zip(&names) {
        assumptions(w, &r.scenario, name);
    }
    let _ = writeln!(w, "</section>\n</body>\n</html>");
    Ok(h)
}

/// The page head, title, what is shown and the navigation.
fn write_head(w: &mut String, report: &Report, first: &Run, names: &[String], currency: &str) {
    let _ = write!(
        w,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n",
        esc(&report.title)
    );
    let _ = writeln!(w, "<h1>{}</h1>", esc(&report.title));
    let years = &first.scenario.years;
    let _ = writeln!(
        w,
        "<p class=\"meta\">Scenarios: {}. Base year {}, projection {}–{}. Levels in {}; rates and \
         shares in percent. {} (fiscalsim {}, MODEL.md version 1).</p>",
        names.join(", "),
        first.scenario.base_year,
        years.first().copied().unwrap_or_default(),
        years.last().copied().unwrap_or_default(),
        if currency.is_empty() {
            "the scenario's currency unit".to_string()
        } else {
            esc(currency)
        },
        what_is_shown(report),
        env!("CARGO_PKG_VERSION"),
    );
    let _ = writeln!(
        w,
        "<nav><a href=\"#results\">Results</a><a href=\"#charts\">Charts</a>\
         <a href=\"#why\">Why they differ</a>{}{}{}<a href=\"#assumptions\">Assumptions</a></nav>",
        if report.summaries.is_empty() {
            ""
        } else {
            "<a href=\"#uncertainty\">Uncertainty</a>"
        },
        if report.sensitivities.is_empty() {
            ""
        } else {
            "<a href=\"#sensitivity\">Sensitivity</a>"
        },
        if report.stress.is_none() {
            ""
        } else {
            "<a href=\"#stress\">Stress tests</a>"
        },
    );
}

/// Key results: the comparison table and each scenario's key outputs and budget.
fn write_results(w: &mut String, report: &Report, first: &Run, names: &[String], currency: &str) {
    let years = &first.scenario.years;
    let _ = writeln!(w, "<section id=\"results\">\n<h2>Key results</h2>");
    if report.runs.len() > 1 {
        let last = report
            .runs
            .iter()
            .map(|r| r.scenario.years.last())
            .collect::<Vec<_>>();
        let final_year = last[0].copied().unwrap_or_default();
        let _ = writeln!(
            w,
            "<h3>Differences from {} (percentage points)</h3>\n<table>\n<tr><th \
             class=\"l\">scenario</th>\
             <th>avg real growth {}–{final_year}</th><th>debt {final_year}</th><th>overall balance \
             {final_year}</th>\
             <th>Δ avg growth</th><th>Δ debt {final_year}</th><th>Δ overall balance</th></tr>",
            names[0],
            years.first().copied().unwrap_or_default()
        );
        let summary = |r: &Run| {
            let n = r.path.len().max(1) as f64;
            let avg = r.path.iter().map(|y| y.real_growth).sum::<f64>() / n;
            let end = r.path.last().copied().unwrap_or_default();
            (avg, end.debt_gdp, end.overall_balance_gdp)
        };
        let base = summary(first);
        for (r, name) in report.runs.iter().zip(names) {
            let s = summary(r);
            let same_years = r.scenario.years == first.scenario.years;
            let diff = |a: f64, b: f64| if same_years { pp(a - b) } else { "n/a".into() };
            let _ = writeln!(
                w,
                "<tr><td class=\"l\">{name}</td>{}{}{}<td>{}</td><td>{}</td><td>{}</td></tr>",
                td_pct(s.0),
                td_pct(s.1),
                td_pct(s.2),
                diff(s.0, base.0),
                diff(s.1, base.1),
                diff(s.2, base.2),
            );
        }
        let _ = writeln!(w, "</table>");
        // year by year, for scenarios on the same years
        for (r, name) in report.runs.iter().zip(names).skip(1) {
            if r.scenario.years != first.scenario.years {
                continue;
            }
            let _ = write!(
                w,
                "<h4>{name} minus {} (percentage points)</h4>\n<table>\n<tr><th \
                 class=\"l\">year</th>",
                names[0]
            );
            for (_, head) in report.key() {
                let _ = write!(w, "<th>{}</th>", head.split(',').next().unwrap_or(head));
            }
            let _ = writeln!(w, "</tr>");
            for ((year, y), y0) in r.scenario.years.iter().zip(&r.path).zip(&first.path) {
                let _ = write!(w, "<tr><td class=\"l\">{year}</td>");
                for (var, _) in report.key() {
                    let d = y.get(var).unwrap_or(f64::NAN) - y0.get(var).unwrap_or(f64::NAN);
                    let _ = write!(w, "<td>{}</td>", pp(d));
                }
                let _ = writeln!(w, "</tr>");
            }
            let _ = writeln!(w, "</table>");
        }
    }
    for (r, name) in report.runs.iter().zip(names) {
        let _ = writeln!(w, "<h3>{name}</h3>\n<table>\n<tr><th class=\"l\">year</th>");
        for (_, head) in report.key() {
            let _ = write!(w, "<th>{head}</th>");
        }
        let _ = writeln!(w, "</tr>");
        for (year, y) in r.scenario.years.iter().zip(&r.path) {
            let _ = write!(w, "<tr><td class=\"l\">{year}</td>");
            for (var, _) in report.key() {
                let _ = write!(w, "{}", td_pct(y.get(var).unwrap_or(f64::NAN)));
            }
            let _ = writeln!(w, "</tr>");
        }
        let _ = writeln!(w, "</table>");
        budget_in_levels(w, r, currency);
    }
    let _ = writeln!(w, "</section>");
}

/// Line charts of the drawn variables, by scenario.
fn write_charts(
    w: &mut String,
    report: &Report,
    tables: &[Table],
    size: Size,
    currency: &str,
) -> Result<()> {
    let _ = writeln!(w, "<section id=\"charts\">\n<h2>Charts</h2>");
    for var in report.drawn(&["real_growth", "overall_balance_gdp"]) {
        let mut data = lines::from_tables(tables, var, None)?;
        for (line, r) in data.iter_mut().zip(&report.runs) {
            if let Some(v) = chart::base_year_value(&r.scenario, var) {
                lines::prepend(line, r.scenario.base_year, v);
            }
        }
        let svg = lines::render(&data, var, None, size, currency)?;
        let unit = chart::unit_of(var, currency);
        let _ = write!(
            w,
            "{}",
            figure(
                &svg,
                &format!("{} ({}), by scenario.", chart::title_of(var), unit.label)
            )
        );
    }
    let _ = writeln!(w, "</section>");
    Ok(())
}

/// Why they differ: debt and growth decompositions of each scenario.
fn write_why(
    w: &mut String,
    report: &Report,
    names: &[String],
    tables: &[Table],
    size: Size,
) -> Result<()> {
    let _ = writeln!(
        w,
        "<section id=\"why\">\n<h2>Why they differ</h2>\n<p class=\"note\">Debt dynamics in the \
         form of IMF debt sustainability analyses: the change in debt/GDP is split into \
         the effects \
         of the interest rate, real growth and inflation on last year's stock, the \
         primary deficit, \
         the revaluation of foreign-currency debt and other flows; the parts add up to the change. \
         Growth is split into the baseline assumption, extra public capital (against the reference \
         path of the baseline policy), the demand channel (change in the output gap) and \
         shocks.</p>"
    );
    for (i, (r, name)) in report.runs.iter().zip(names).enumerate() {
        let _ = writeln!(w, "<h3>{name}</h3>");
        let debt = bars::render(&bars::from_table(&tables[i], bars::Which::Debt)?, size)?;
        let _ = write!(
            w,
            "{}",
            figure(
                &debt,
                "Contributions to the change in debt/GDP, percentage points; black bars: \
                 the change."
            )
        );
        let growth = bars::render(&bars::from_table(&tables[i], bars::Which::Growth)?, size)?;
        let _ = write!(
            w,
            "{}",
            figure(
                &growth,
                "Contributions to real growth, percentage points; black bars: real growth."
            )
        );
        // cumulative debt decomposition over the horizon
        let sum = |f: fn(&Decomposition) -> f64| r.parts.iter().map(f).sum::<f64>();
        let mut rows: Vec<(&str, f64)> = vec![
            ("interest rate", sum(|p| p.debt.interest)),
            ("real growth", sum(|p| p.debt.real_growth)),
            ("inflation", sum(|p| p.debt.inflation)),
            ("primary deficit", sum(|p| p.debt.primary_balance)),
            ("exchange rate", sum(|p| p.debt.exchange_rate)),
            ("other flows", sum(|p| p.debt.other_flows)),
            ("change in debt/GDP", sum(|p| p.debt.change)),
        ];
        if r.parts.iter().any(|p| p.debt.fund_transfer != 0.0) {
            rows.insert(6, ("fund transfer", sum(|p| p.debt.fund_transfer)));
        }
        let _ = writeln!(
            w,
            "<table>\n<tr><th class=\"l\">debt/GDP over {}–{}</th><th>percentage points</th></tr>",
            r.scenario.years.first().copied().unwrap_or_default(),
            r.scenario.years.last().copied().unwrap_or_default()
        );
        for (label, v) in rows {
            let _ = writeln!(w, "<tr><td class=\"l\">{label}</td><td>{}</td></tr>", pp(v));
        }
        let _ = writeln!(w, "</table>");
    }
    let _ = writeln!(w, "</section>");
    Ok(())
}

/// Fan charts of the Monte Carlo summaries given.
fn write_uncertainty(
    w: &mut String,
    report: &Report,
    tables: &[Table],
    size: Size,
    currency: &str,
) -> Result<()> {
    if !report.summaries.is_empty() {
        let _ = writeln!(w, "<section id=\"uncertainty\">\n<h2>Uncertainty</h2>");
        for s in &report.summaries {
            let det = s
                .scenario
                .as_ref()
                .and_then(|n| tables.iter().find(|t| t.scenario.as_ref() == Some(n)));
            for var in report.drawn(&["real_growth"]) {
                if !s.variables().iter().any(|v| v == var) {
                    continue;
                }
                let data = fan::from_tables(s, det, var)?;
                let svg = fan::render(&data, size, currency)?;
                let _ = write!(
                    w,
                    "{}",
                    figure(
                        &svg,
                        &format!(
                            "{}: Monte Carlo quantile bands from {}{}.",
                            chart::title_of(var),
                            // the file name only: a report sent by e-mail should not
                            // show the sender's directories
                            s.source.file_name().map_or_else(
                                || s.source.display().to_string(),
                                |n| n.to_string_lossy().into_owned()
                            ),
                            if det.is_some() {
                                ", with the deterministic path"
                            } else {
                                ""
                            }
                        )
                    )
                );
            }
        }
        let _ = writeln!(w, "</section>");
    }
    Ok(())
}

/// Tornado charts of the sensitivity analyses given.
fn write_sensitivity(w: &mut String, report: &Report, size: Size) -> Result<()> {
    if !report.sensitivities.is_empty() {
        let _ = writeln!(w, "<section id=\"sensitivity\">\n<h2>Sensitivity</h2>");
        for s in &report.sensitivities {
            let svg = tornado::render(&s.bars, s.base, &s.metric, size)?;
            let _ = write!(
                w,
                "{}",
                figure(
                    &svg,
                    &format!(
                        "One-at-a-time sensitivity of {}: each parameter at the low and high end \
                         of its range.",
                        s.metric
                    )
                )
            );
        }
        let _ = writeln!(w, "</section>");
    }
    Ok(())
}

fn assumptions(w: &mut String, sc: &Scenario, name: &str) {
    let _ = writeln!(w, "<h3>{name}</h3>");
    if !sc.description.trim().is_empty() {
        let _ = writeln!(w, "<p>{}</p>", esc(sc.description.trim()));
    }
    let i = &sc.initial;
    let cur = if sc.currency.is_empty() {
        "currency unit".to_string()
    } else {
        esc(&sc.currency)
    };
    let _ = writeln!(
        w,
        "<table>\n<tr><th class=\"l\">base year {}</th><th>value</th></tr>\n\
         <tr><td class=\"l\">nominal GDP, {cur}</td><td>{}</td></tr>\n\
         <tr><td class=\"l\">debt, % GDP</td><td>{}</td></tr>\n\
         <tr><td class=\"l\">public capital, % GDP</td><td>{}</td></tr>\n\
         <tr><td class=\"l\">output gap, %</td><td>{}</td></tr>\n\
         <tr><td class=\"l\">growth spending, % GDP</td><td>{}</td></tr>\n\
         <tr><td class=\"l\">non-commodity revenue, % GDP</td><td>{}</td></tr>\n\
         <tr><td class=\"l\">exchange rate, per USD</td><td>{}</td></tr>\n\
         <tr><td class=\"l\">commodity price, USD</td><td>{}</td></tr>\n</table>",
        sc.base_year,
        level(i.gdp_nominal),
        pct(i.debt_gdp),
        pct(i.public_capital_gdp),
        pct(i.output_gap),
        pct(i.growth_spending_gdp),
        pct(i.revenue_gdp),
        level(i.exchange_rate),
        level(i.commodity_price),
    );
    let b = &sc.baseline;
    let p = &sc.policy;
    let baseline: [(&str, &[f64], bool); 7] = [
        ("real growth, %", &b.real_growth, true),
        ("inflation, %", &b.inflation, true),
        ("growth spending, % GDP", &b.growth_spending_gdp, true),
        ("non-commodity revenue, % GDP", &b.revenue_gdp, true),
        ("commodity price, USD", &b.commodity_price, false),
        ("exchange rate, per USD", &b.exchange_rate, false),
        ("interest rate, %", &b.interest_rate, true),
    ];
    let policy: [(&str, &[f64], bool); 5] = [
        ("growth spending, % GDP", &p.growth_spending_gdp, true),
        ("non-commodity revenue, % GDP", &p.revenue_gdp, true),
        ("commodity revenue, % GDP", &p.commodity_revenue_gdp, true),
        ("other primary spending, % GDP", &p.other_spending_gdp, true),
        ("other flows, % GDP", &p.other_flows_gdp, true),
    ];
    // years as rows: readable for any horizon, in print too
    for (title, paths) in [
        ("Baseline assumptions", &baseline[..]),
        ("Policy", &policy[..]),
    ] {
        let _ = write!(
            w,
            "<h4>{title}</h4>\n<table>\n<tr><th class=\"l\">year</th>"
        );
        for (label, _, _) in paths {
            let _ = write!(w, "<th>{label}</th>");
        }
        let _ = writeln!(w, "</tr>");
        for (t, y) in sc.years.iter().enumerate() {
            let _ = write!(w, "<tr><td class=\"l\">{y}</td>");
            for (_, values, is_pct) in paths {
                let v = values.get(t).copied().unwrap_or(f64::NAN);
                let _ = write!(w, "<td>{}</td>", if *is_pct { pct(v) } else { level(v) });
            }
            let _ = writeln!(w, "</tr>");
        }
        let _ = writeln!(w, "</table>");
    }
    let s = &sc.structure;
    let params = s.named_values();
    let _ = writeln!(
        w,
        "<table>\n<tr><th class=\"l\">structural parameter</th><th>value</th></tr>"
    );
    for (n, v) in params {
        let _ = writeln!(
            w,
            "<tr><td class=\"l\">{n}</td><td>{}</td></tr>",
            crate::output::format_number(v)
        );
    }
    let _ = writeln!(w, "</table>");
}

/// The backtest section: the chart of PIT histograms and coverage, and the scores table
/// (coverage with 95 % Wilson intervals, CRPS against the naive forecast).
fn write_backtest(w: &mut String, scores: &[crate::backtest::Score]) -> Result<()> {
    use crate::backtest::scoring::{Z95, wilson};
    let svg = crate::chart::backtest::draw(scores, &None)?;
    let _ = writeln!(
        w,
        "<section id=\"backtest\">\n<h2>Backtest: are the fan charts honest?</h2>"
    );
    let _ = writeln!(
        w,
        "<p class=\"note\">Rolling-origin hindcasts (fiscalsim backtest, docs/backtest.md): share \
         of outcomes inside the 50 % and 90 % bands, with 95 % Wilson intervals (one case per \
         origin: samples are small), and CRPS against a naive forecast (skill above 0: the model \
         is better).</p>"
    );
    let _ = write!(
        w,
        "{}",
        figure(&svg, "PIT histograms and band coverage by horizon.")
    );
    let _ = writeln!(
        w,
        "<table>\n<tr><th class=\"l\">variable</th><th>horizon</th><th>n</th>\
         <th>in 50 % band, %</th><th>in 90 % band, %</th><th>CRPS skill</th></tr>"
    );
    for s in scores {
        let band = |k: usize| {
            let (lo, hi) = wilson(k, s.n, Z95);
            format!("{} ({}–{})", pct(k as f64 / s.n as f64), pct(lo), pct(hi))
        };
        let skill = if s.crps_skill.is_finite() {
            format!("{:+.2}", s.crps_skill)
        } else {
            "–".into()
        };
        let _ = writeln!(
            w,
            "<tr><td class=\"l\">{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>\
             <td>{skill}</td></tr>",
            esc(s.variable),
            s.horizon,
            s.n,
            band(s.hits_50),
            band(s.hits_90)
        );
    }
    let _ = writeln!(w, "</table>\n</section>");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_and_formats() {
        assert_eq!(esc("<a & \"b\">"), "&lt;a &amp; &quot;b&quot;&gt;");
        assert_eq!(pct(0.0534), "5.3");
        assert_eq!(pct(-0.0001), "0.0");
        assert_eq!(pp(0.012), "+1.2");
        assert_eq!(pp(-0.00001), "0.0");
        assert_eq!(level(1234.4), "1234");
        assert_eq!(level(12.345), "12.35");
    }
}
