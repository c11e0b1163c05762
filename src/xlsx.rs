//! Excel workbooks from fiscalsim's tables (feature `xlsx`, on by default).
//!
//! A table that a command writes as CSV becomes, when its output path ends in `.xlsx`,
//! a workbook with: the table on its own sheet (numbers as numbers, exactly the values
//! of the CSV; shares, rates and probabilities formatted as percent; the header row
//! frozen; column widths to fit), a sheet `inputs` with the run's settings and each
//! scenario's resolved inputs, and native Excel line charts: the main paths (debt/GDP,
//! real growth, overall balance) of a per-year table, and the fan (quantiles by year) of
//! a Monte Carlo summary. The workbook's creation date is fixed, so that the same run
//! gives the same bytes.

use rust_xlsxwriter::{
    Chart, ChartType, DocProperties, ExcelDateTime, Format, Workbook, Worksheet, XlsxError,
};

use crate::error::{Error, Result};

/// The most rows a table sheet takes (Excel's limit, less the header).
pub(crate) const MAX_ROWS: usize = 1_048_575;

/// A cell of a table: a number or text.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Cell {
    /// A finite number.
    Number(f64),
    /// Anything else (names, empty cells, NaN and infinities as written in the CSV).
    Text(String),
}

/// A table read from CSV text.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Sheet {
    /// The column names.
    pub header: Vec<String>,
    /// The rows.
    pub rows: Vec<Vec<Cell>>,
}

impl Sheet {
    /// Reads CSV text (a header line, then records).
    pub(crate) fn from_csv(text: &str) -> Result<Sheet> {
        let bad = |e: csv::Error| Error::Internal(format!("reading a table for Excel: {e}"));
        let mut r = csv::ReaderBuilder::new()
            .flexible(true)
            .from_reader(text.as_bytes());
        let header = r.headers().map_err(bad)?.iter().map(String::from).collect();
        let mut rows = Vec::new();
        for rec in r.records() {
            let rec = rec.map_err(bad)?;
            rows.push(rec.iter().map(cell).collect());
        }
        Ok(Sheet { header, rows })
    }

    fn col(&self, name: &str) -> Option<usize> {
        self.header.iter().position(|h| h == name)
    }

    fn text(&self, row: usize, col: usize) -> Option<&str> {
        match self.rows.get(row)?.get(col)? {
            Cell::Text(s) => Some(s),
            Cell::Number(_) => None,
        }
    }
}

fn cell(s: &str) -> Cell {
    match crate::compare::parse_number(s) {
        Some(x) if x.is_finite() && !s.trim().is_empty() => Cell::Number(x),
        _ => Cell::Text(s.to_string()),
    }
}

/// Whether a column (or a `variable` value) holds fractions to show in percent: shares
/// of GDP, rates, and metrics and probabilities about them.
pub(crate) fn is_percent(name: &str) -> bool {
    if matches!(
        name,
        "year" | "broken_draws" | "draws" | "seed" | "peak_year"
    ) {
        return false;
    }
    let base = name
        .strip_prefix("diff_")
        .or_else(|| name.strip_prefix("rel_"))
        .unwrap_or(name);
    crate::chart::tornado::metric_unit(base).scale == 100.0
}

fn xerr(e: XlsxError) -> Error {
    Error::Internal(format!("writing the Excel workbook failed: {e}"))
}

/// A valid sheet name: at most 31 characters, none of `[]:*?/\`.
pub(crate) fn sheet_name(s: &str) -> String {
    let clean: String = s
        .chars()
        .map(|c| if "[]:*?/\\".contains(c) { '_' } else { c })
        .take(31)
        .collect();
    if clean.trim().is_empty() {
        "table".into()
    } else {
        clean
    }
}

/// Writes `sheet` onto `ws`: header bold and frozen, widths, percent formats.
fn write_table(ws: &mut Worksheet, sheet: &Sheet) -> Result<()> {
    if sheet.rows.len() > MAX_ROWS {
        return Err(Error::usage(
            "--out",
            format!(
                "{} rows do not fit in an Excel sheet (at most {MAX_ROWS}): write CSV instead",
                sheet.rows.len()
            ),
        ));
    }
    let bold = Format::new().set_bold();
    let pct = Format::new().set_num_format("0.00%");
    let var_col = sheet.col("variable");
    for (c, h) in sheet.header.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, h, &bold)
            .map_err(xerr)?;
        let width = sheet
            .rows
            .iter()
            .take(200)
            .map(|r| match r.get(c) {
                Some(Cell::Text(s)) => s.chars().count(),
                Some(Cell::Number(_)) => 12,
                None => 0,
            })
            .chain([h.chars().count()])
            .max()
            .unwrap_or(10);
        ws.set_column_width(c as u16, (width as f64 + 2.0).min(48.0))
            .map_err(xerr)?;
    }
    for (i, row) in sheet.rows.iter().enumerate() {
        let r = (i + 1) as u32;
        let row_pct = var_col
            .and_then(|v| sheet.text(i, v))
            .is_some_and(is_percent);
        for (c, v) in row.iter().enumerate() {
            let head = sheet.header.get(c).map_or("", String::as_str);
            match v {
                Cell::Number(x) if head != "year" && (is_percent(head) || row_pct) => {
                    ws.write_number_with_format(r, c as u16, *x, &pct)
                }
                Cell::Number(x) => ws.write_number(r, c as u16, *x),
                Cell::Text(s) => ws.write_string(r, c as u16, s),
            }
            .map_err(xerr)?;
        }
    }
    ws.set_freeze_panes(1, 0).map_err(xerr)?;
    Ok(())
}

/// Contiguous runs of rows with the same label in `col` (e.g. one per scenario or test).
fn groups(sheet: &Sheet, col: Option<usize>) -> Vec<(String, usize, usize)> {
    let mut out: Vec<(String, usize, usize)> = Vec::new();
    for i in 0..sheet.rows.len() {
        let label = col.and_then(|c| sheet.text(i, c)).unwrap_or("").to_string();
        match out.last_mut() {
            Some(g) if g.0 == label => g.2 = i,
            _ => out.push((label, i, i)),
        }
    }
    out
}

/// Line charts of the main paths of a per-year table (`year` and variable columns).
fn path_charts(ws: &mut Worksheet, name: &str, sheet: &Sheet) -> Result<()> {
    let Some(year) = sheet.col("year") else {
        return Ok(());
    };
    let label_col = sheet.col("test").or(sheet.col("scenario"));
    let runs = groups(sheet, label_col);
    let mut at = 1u32;
    for var in ["debt_gdp", "real_growth", "overall_balance_gdp"] {
        let Some(c) = sheet.col(var) else { continue };
        let mut chart = Chart::new(ChartType::Line);
        chart.title().set_name(crate::chart::title_of(var).as_str());
        chart.y_axis().set_num_format("0.0%");
        for (label, a, z) in runs.iter().take(40) {
            let (a, z) = ((a + 1) as u32, (z + 1) as u32);
            chart
                .add_series()
                .set_categories((name, a, year as u16, z, year as u16))
                .set_values((name, a, c as u16, z, c as u16))
                .set_name(if label.is_empty() {
                    var
                } else {
                    label.as_str()
                });
        }
        ws.insert_chart(at, 1, &chart).map_err(xerr)?;
        at += 20;
    }
    Ok(())
}

/// A fan chart of a Monte Carlo summary (`year,variable,...,p05..p95`) for `var`: the
/// quantiles by year on their own small sheet, drawn as lines.
fn fan_chart(wb: &mut Workbook, sheet: &Sheet, var: &str) -> Result<bool> {
    let (Some(year), Some(vc)) = (sheet.col("year"), sheet.col("variable")) else {
        return Ok(false);
    };
    let stats: Vec<usize> = (0..sheet.header.len())
        .filter(|&c| sheet.header[c].starts_with('p') || sheet.header[c] == "mean")
        .filter(|&c| sheet.header[c] != "mean" || sheet.col("p50").is_none())
        .collect();
    let rows: Vec<usize> = (0..sheet.rows.len())
        .filter(|&i| sheet.text(i, vc) == Some(var))
        .collect();
    if rows.is_empty() || stats.is_empty() {
        return Ok(false);
    }
    let name = sheet_name(&format!("fan {var}"));
    let ws = wb.add_worksheet();
    ws.set_name(name.as_str()).map_err(xerr)?;
    let pick = |i: usize, c: usize| sheet.rows[i].get(c).cloned();
    let mut sub = Sheet {
        header: std::iter::once("year".to_string())
            .chain(stats.iter().map(|&c| sheet.header[c].clone()))
            .collect(),
        rows: Vec::new(),
    };
    for &i in &rows {
        let mut r = vec![pick(i, year).unwrap_or(Cell::Text(String::new()))];
        r.extend(
            stats
                .iter()
                .map(|&c| pick(i, c).unwrap_or(Cell::Text(String::new()))),
        );
        sub.rows.push(r);
    }
    // the fan sheet's cells are percent when the variable is
    let pct = is_percent(var);
    if pct {
        sub.header = sub
            .header
            .iter()
            .map(|h| {
                if h == "year" {
                    h.clone()
                } else {
                    format!("{var} {h}")
                }
            })
            .collect();
    }
    write_table(ws, &sub)?;
    let mut chart = Chart::new(ChartType::Line);
    chart
        .title()
        .set_name(format!("{}: Monte Carlo fan", crate::chart::title_of(var)).as_str());
    if pct {
        chart.y_axis().set_num_format("0.0%");
    }
    let last = rows.len() as u32;
    for (k, &stat) in stats.iter().enumerate() {
        let c = (k + 1) as u16;
        chart
            .add_series()
            .set_categories((name.as_str(), 1, 0, last, 0))
            .set_values((name.as_str(), 1, c, last, c))
            .set_name(sheet.header[stat].as_str());
    }
    ws.insert_chart(1, (stats.len() + 2) as u16, &chart)
        .map_err(xerr)?;
    Ok(true)
}

/// Writes the `inputs` sheet: the run's settings, then each scenario's resolved inputs
/// (the JSON of `fiscalsim resolve`, one row per value or path).
fn write_inputs(
    ws: &mut Worksheet,
    settings: &[(String, String)],
    scenarios: &[(String, serde_json::Value)],
) -> Result<()> {
    let bold = Format::new().set_bold();
    ws.write_string_with_format(0, 0, "setting", &bold)
        .map_err(xerr)?;
    ws.write_string_with_format(0, 1, "value", &bold)
        .map_err(xerr)?;
    let mut r = 1u32;
    for (k, v) in settings {
        ws.write_string(r, 0, k).map_err(xerr)?;
        ws.write_string(r, 1, v).map_err(xerr)?;
        r += 1;
    }
    for (file, json) in scenarios {
        r += 1;
        ws.write_string_with_format(r, 0, format!("resolved inputs of {file}"), &bold)
            .map_err(xerr)?;
        r += 1;
        let mut flat = Vec::new();
        flatten("", json, &mut flat);
        for (k, vals) in flat {
            ws.write_string(r, 0, &k).map_err(xerr)?;
            for (j, v) in vals.iter().enumerate() {
                let c = (j + 1).min(16_000) as u16;
                match v {
                    Cell::Number(x) => ws.write_number(r, c, *x),
                    Cell::Text(s) => ws.write_string(r, c, s),
                }
                .map_err(xerr)?;
            }
            r += 1;
        }
    }
    ws.set_column_width(0, 40).map_err(xerr)?;
    ws.set_column_width(1, 24).map_err(xerr)?;
    ws.set_freeze_panes(1, 0).map_err(xerr)?;
    Ok(())
}

/// JSON as (dotted key, values) rows: a number or string is one value, an array of
/// scalars a row of values, objects and other arrays recurse.
fn flatten(prefix: &str, v: &serde_json::Value, out: &mut Vec<(String, Vec<Cell>)>) {
    use serde_json::Value as J;
    let key = |k: &str| {
        if prefix.is_empty() {
            k.to_string()
        } else {
            format!("{prefix}.{k}")
        }
    };
    let scalar = |v: &J| match v {
        J::Number(n) => n.as_f64().map(Cell::Number),
        J::String(s) => Some(Cell::Text(s.clone())),
        J::Bool(b) => Some(Cell::Text(b.to_string())),
        J::Null => Some(Cell::Text(String::new())),
        _ => None,
    };
    match v {
        J::Object(m) => m.iter().for_each(|(k, v)| flatten(&key(k), v, out)),
        J::Array(a) => match a.iter().map(scalar).collect::<Option<Vec<Cell>>>() {
            Some(cells) => out.push((prefix.to_string(), cells)),
            None => a
                .iter()
                .enumerate()
                .for_each(|(i, v)| flatten(&key(&i.to_string()), v, out)),
        },
        other => out.push((prefix.to_string(), scalar(other).into_iter().collect())),
    }
}

/// The workbook of a table (CSV text) named `name`, with the run's `settings` and the
/// resolved inputs of its scenarios (file, JSON of `fiscalsim resolve`).
pub(crate) fn workbook(
    csv_text: &str,
    name: &str,
    settings: &[(String, String)],
    scenarios: &[(String, serde_json::Value)],
) -> Result<Vec<u8>> {
    let sheet = Sheet::from_csv(csv_text)?;
    let name = sheet_name(name);
    let mut wb = Workbook::new();
    let fixed = ExcelDateTime::from_ymd(2000, 1, 1).map_err(xerr)?;
    wb.set_properties(&DocProperties::new().set_creation_datetime(&fixed));
    let ws = wb.add_worksheet();
    ws.set_name(name.as_str()).map_err(xerr)?;
    write_table(ws, &sheet)?;
    let per_year = sheet.col("variable").is_none() && sheet.col("debt_gdp").is_some();
    if per_year {
        let charts = wb.add_worksheet();
        charts.set_name("charts").map_err(xerr)?;
        path_charts(charts, &name, &sheet)?;
    }
    if sheet.col("stat").is_none() {
        for var in ["debt_gdp", "real_growth"] {
            fan_chart(&mut wb, &sheet, var)?;
        }
    }
    let inputs = wb.add_worksheet();
    inputs.set_name("inputs").map_err(xerr)?;
    write_inputs(inputs, settings, scenarios)?;
    wb.save_to_buffer().map_err(xerr)
}

/// The settings rows of a run given as the command line `args` (after the program
/// name): version, command, `--set`, seed and draws.
pub(crate) fn settings_of(args: &[String]) -> Vec<(String, String)> {
    use crate::provenance::flag_values;
    let mut rows = vec![
        (
            "fiscalsim".to_string(),
            env!("CARGO_PKG_VERSION").to_string(),
        ),
        (
            "command".to_string(),
            format!("fiscalsim {}", args.join(" ")),
        ),
    ];
    for (flag, name) in [("--set", "set"), ("--seed", "seed"), ("--draws", "draws")] {
        for v in flag_values(args, flag) {
            rows.push((name.to_string(), v));
        }
    }
    rows
}

/// The resolved inputs (JSON of `fiscalsim resolve`) of every scenario file in `args`,
/// with the run's `--set` values applied.
pub(crate) fn scenarios_of(args: &[String]) -> Vec<(String, serde_json::Value)> {
    let overrides: Vec<crate::scenario::Override> = crate::provenance::flag_values(args, "--set")
        .iter()
        .filter_map(|s| s.parse().ok())
        .collect();
    args.iter()
        .map(std::path::Path::new)
        .filter(|p| p.is_file() && p.extension().is_some_and(|e| e == "toml"))
        .filter_map(|p| {
            let sc = crate::scenario::load(p, &overrides).ok()?;
            let json = serde_json::from_str(&sc.to_json()).ok()?;
            Some((p.display().to_string(), json))
        })
        .collect()
}

/// Turns the CSV file `csv` (a command's table) into the workbook `out` (atomically),
/// with the settings and resolved inputs of the command line `args`.
/// `name` names the table's sheet (e.g. `run`, `summary`).
pub(crate) fn convert(
    csv: &std::path::Path,
    out: &std::path::Path,
    name: &str,
    args: &[String],
) -> Result<()> {
    let text = std::fs::read_to_string(csv).map_err(|e| Error::Read {
        path: csv.to_path_buf(),
        source: e,
    })?;
    let bytes = workbook(&text, name, &settings_of(args), &scenarios_of(args))?;
    crate::output::write_atomic(out, |w| {
        w.write_all(&bytes).map_err(|e| Error::Write {
            path: out.to_path_buf(),
            message: e.to_string(),
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_columns() {
        assert!(is_percent("debt_gdp") && is_percent("real_growth"));
        assert!(is_percent("prob(debt_gdp@2040 > 0.33)") && is_percent("diff_debt_gdp"));
        assert!(!is_percent("debt") && !is_percent("year") && !is_percent("gdp_nominal"));
    }

    #[test]
    fn sheet_names_are_valid() {
        assert_eq!(sheet_name("a/b:c"), "a_b_c");
        assert_eq!(sheet_name(&"x".repeat(40)).len(), 31);
        assert_eq!(sheet_name(" "), "table");
    }

    #[test]
    fn a_workbook_is_deterministic() {
        let csv = "scenario,year,debt_gdp,debt\nx,2026,0.3,30\nx,2027,0.31,32\n";
        let a = workbook(csv, "run", &[("command".into(), "run".into())], &[]).unwrap();
        let b = workbook(csv, "run", &[("command".into(), "run".into())], &[]).unwrap();
        assert_eq!(a, b);
        assert_eq!(&a[..2], b"PK");
    }
}
