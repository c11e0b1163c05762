//! Comparing scenarios: inputs (scenario files run on the spot, `run` CSVs, Monte Carlo
//! summary CSVs) read into one long form, aligned on `(year, variable[, stat])`, with the
//! absolute and relative difference of each input against the first, and a tolerance
//! check for golden outputs.
//!
//! Alignment never guesses: inputs whose years, variables or statistics differ are an
//! error naming what is missing where, unless the caller asks for the union (missing
//! values are then empty cells).
//!
//! ```
//! use fiscalsim::{compare, decompose, model::{Model, project}, scenario};
//! use std::path::Path;
//! let sc = scenario::load(Path::new("scenarios/kazakhstan-2026-2028.toml"), &[])?;
//! let path = project(&sc)?;
//! let parts = decompose::decompose(&Model::new(&sc), &path, &path); // one per year
//! assert!((parts[0].debt.sum_of_parts() - parts[0].debt.change).abs() < 1e-12);
//! // the flagship against its golden output: no difference at all
//! let a = compare::read_csv(Path::new("tests/golden/kazakhstan-2026-2028.csv"))?;
//! let b = compare::run_scenario(Path::new("scenarios/kazakhstan-2026-2028.toml"), &[], false)?;
//! let cmp = compare::align(&[a, b], false)?;
//! assert!(cmp.beyond(0.0, 0.0).is_empty());
//! # Ok::<(), fiscalsim::Error>(())
//! ```

use std::collections::{BTreeSet, HashMap};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use crate::decompose::{DECOMPOSITION_NAMES, decompose};
use crate::error::{Error, Loc, Result};
use crate::model::{Model, OUTPUT_NAMES, project};
use crate::output::format_number;
use crate::scenario::{Override, load};

/// What kind of values an input holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// One value per (year, variable): a deterministic projection (`run`).
    Deterministic,
    /// One value per (year, variable, statistic): a Monte Carlo summary
    /// (`scenario,year,variable,mean,sd,p05,...`).
    Summary,
}

/// The key of one value: year, variable and, for summaries, the statistic.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Key {
    /// Calendar year.
    pub year: i32,
    /// Variable name (a canonical output, or a decomposition column).
    pub variable: String,
    /// Statistic (`mean`, `sd`, `p05`, ...) for Monte Carlo summaries, `None` otherwise.
    pub stat: Option<String>,
}

/// One input in long form.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    /// The file it came from, as given.
    pub source: PathBuf,
    /// The scenario name (the `scenario` column or the scenario file's `name`), if any.
    pub scenario: Option<String>,
    /// What it holds.
    pub kind: Kind,
    /// Keys in file order.
    pub keys: Vec<Key>,
    /// Values by key (levels in the scenario's currency unit, rates and shares as fractions).
    pub values: HashMap<Key, f64>,
}

impl Table {
    fn new(source: &Path, kind: Kind) -> Table {
        Table {
            source: source.to_path_buf(),
            scenario: None,
            kind,
            keys: Vec::new(),
            values: HashMap::new(),
        }
    }

    /// A deterministic table from `(year, variable, value)` triples, in that order (a
    /// repeated key keeps its first value).
    pub(crate) fn from_values<'a>(
        source: &Path,
        scenario: Option<String>,
        values: impl IntoIterator<Item = (i32, &'a str, f64)>,
    ) -> Table {
        let mut t = Table::new(source, Kind::Deterministic);
        t.scenario = scenario;
        for (year, variable, v) in values {
            t.insert(key(year, variable, None), v);
        }
        t
    }

    fn insert(&mut self, key: Key, value: f64) -> bool {
        if self.values.contains_key(&key) {
            return false;
        }
        self.keys.push(key.clone());
        self.values.insert(key, value);
        true
    }

    /// The value of `variable` in `year` (deterministic) or of its statistic `stat`.
    pub fn get(&self, year: i32, variable: &str, stat: Option<&str>) -> Option<f64> {
        self.values
            .get(&Key {
                year,
                variable: variable.to_string(),
                stat: stat.map(str::to_string),
            })
            .copied()
    }

    /// Keeps only the variables in `keep` (their order in the output stays the file's).
    pub(crate) fn retain_variables(&mut self, keep: &[String]) {
        self.keys.retain(|k| keep.contains(&k.variable));
        self.values.retain(|k, _| keep.contains(&k.variable));
    }

    /// Keeps only the years for which `keep` holds.
    pub(crate) fn retain_years(&mut self, keep: impl Fn(i32) -> bool) {
        self.keys.retain(|k| keep(k.year));
        self.values.retain(|k, _| keep(k.year));
    }

    /// The years present, ascending.
    pub fn years(&self) -> Vec<i32> {
        let set: BTreeSet<i32> = self.keys.iter().map(|k| k.year).collect();
        set.into_iter().collect()
    }

    /// The variables present, in order of first appearance.
    pub fn variables(&self) -> Vec<String> {
        first_appearance(self.keys.iter().map(|k| k.variable.as_str()))
    }

    /// The statistics present (summaries), in order of first appearance.
    pub fn stats(&self) -> Vec<String> {
        first_appearance(self.keys.iter().filter_map(|k| k.stat.as_deref()))
    }
}

fn first_appearance<'a>(items: impl Iterator<Item = &'a str>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for i in items {
        if seen.insert(i) {
            out.push(i.to_string());
        }
    }
    out
}

/// True when `path` names a scenario file (`.toml`) rather than a CSV.
pub(crate) fn is_scenario_file(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("toml"))
}

/// Runs a scenario file deterministically (with `overrides`) into a table; with
/// `decomposition`, the growth and debt decompositions are added as variables.
pub fn run_scenario(path: &Path, overrides: &[Override], decomposition: bool) -> Result<Table> {
    let sc = load(path, overrides)?;
    let projection = project(&sc)?;
    let mut t = Table::new(path, Kind::Deterministic);
    t.scenario = Some(sc.name.clone());
    let parts = if decomposition {
        decompose(&Model::new(&sc), &projection, &projection)
    } else {
        Vec::new()
    };
    for (i, (year, y)) in sc.years.iter().zip(&projection).enumerate() {
        for (name, v) in OUTPUT_NAMES.iter().zip(y.values()) {
            t.insert(key(*year, name, None), v);
        }
        if let Some(p) = parts.get(i) {
            for (name, v) in DECOMPOSITION_NAMES.iter().zip(p.values()) {
                t.insert(key(*year, name, None), v);
            }
        }
    }
    Ok(t)
}

/// Runs a scenario file as a Monte Carlo summary (`draws` draws with `seed`, the
/// scenario's quantiles) into a table of the same shape as the CSV of `run --draws`:
/// statistics `mean`, `sd`, the quantiles (`p05`, ...) and `broken_draws`. A statistic
/// with no sound draw left is missing, as an empty cell of that CSV is.
pub(crate) fn run_scenario_draws(
    path: &Path,
    overrides: &[Override],
    draws: u64,
    seed: u64,
) -> Result<Table> {
    let sc = load(path, overrides)?;
    let run = crate::montecarlo::summarize_run(&sc, draws, seed, &sc.montecarlo.quantiles, |_| {})?;
    let mut t = Table::new(path, Kind::Summary);
    t.scenario = Some(sc.name.clone());
    let labels: Vec<String> = run
        .quantiles
        .iter()
        .map(|q| crate::summary::quantile_label(*q))
        .collect();
    for ys in &run.years {
        for (name, st) in OUTPUT_NAMES.iter().zip(&ys.stats) {
            let stats = [("mean", st.mean), ("sd", st.sd)]
                .into_iter()
                .chain(
                    labels
                        .iter()
                        .map(String::as_str)
                        .zip(st.quantiles.iter().copied()),
                )
                .chain(std::iter::once(("broken_draws", ys.broken_draws as f64)));
            for (stat, v) in stats {
                if !v.is_nan() {
                    t.insert(key(ys.year, name, Some(stat)), v);
                }
            }
        }
    }
    Ok(t)
}

fn key(year: i32, variable: &str, stat: Option<&str>) -> Key {
    Key {
        year,
        variable: variable.to_string(),
        stat: stat.map(str::to_string),
    }
}

/// Parses a number as written in fiscalsim CSVs (`NaN`, `inf`, `-inf` included).
pub(crate) fn parse_number(s: &str) -> Option<f64> {
    match s.trim() {
        "NaN" | "nan" => Some(f64::NAN),
        "inf" | "+inf" => Some(f64::INFINITY),
        "-inf" => Some(f64::NEG_INFINITY),
        t => t.parse().ok(),
    }
}

/// Reads a CSV written by `run` (`scenario,year,<variables>...`, with or without the
/// decomposition columns) or a Monte Carlo summary (`scenario,year,variable,<stats>...`).
/// Empty cells are missing values. A file holding several scenarios is an error.
pub fn read_csv(path: &Path) -> Result<Table> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::Read {
        path: path.to_path_buf(),
        source: e,
    })?;
    read_csv_str(&text, path)
}

/// A data error in the CSV file `source` at `line`.
fn data_at(source: &str, line: u64, message: String) -> Error {
    Error::Data {
        loc: Loc {
            source: source.into(),
            line: u32::try_from(line).unwrap_or(u32::MAX),
            col: 0,
        },
        message,
    }
}

/// The index of the `year` column; an error for a file that is not a `run` CSV or
/// summary (no `year`, `;`-separated, or compare's own output).
fn year_column(header: &[String], source: &str) -> Result<usize> {
    let at = |line: u64, message: String| data_at(source, line, message);
    let find = |name: &str| header.iter().position(|h| h == name);
    let Some(year_col) = find("year") else {
        if header.len() == 1 && header[0].contains(';') {
            return Err(at(
                1,
                "the columns are separated by `;`: fiscalsim reads comma-separated CSV (save \
                 the sheet as CSV with commas)"
                    .into(),
            ));
        }
        return Err(at(
            1,
            "no `year` column: expected the CSV of `fiscalsim run` (scenario,year,<variables>) \
             or a Monte Carlo summary (scenario,year,variable,mean,sd,p05,...)"
                .into(),
        ));
    };
    if find("stat").is_some() {
        return Err(at(
            1,
            "this looks like the output of `fiscalsim compare` (a `stat` column): compare \
             takes `run` CSVs, Monte Carlo summaries or scenario files"
                .into(),
        ));
    }
    Ok(year_col)
}

/// Every column name appears once.
fn check_unique_columns(header: &[String], source: &str) -> Result<()> {
    let mut seen_header = std::collections::HashSet::new();
    for h in header {
        if !seen_header.insert(h.as_str()) {
            return Err(data_at(source, 1, format!("column `{h}` appears twice")));
        }
    }
    Ok(())
}

/// The `scenario` column holds one name (`name`, at `line`) throughout.
fn one_scenario(table: &mut Table, name: &str, line: u64, source: &str) -> Result<()> {
    let at = |line: u64, message: String| data_at(source, line, message);
    match &table.scenario {
        None => table.scenario = Some(name.to_string()),
        Some(first) if first != name => {
            return Err(at(
                line,
                format!(
                    "column `scenario`: `{name}` after `{first}`: this file holds \
                     several scenarios; compare takes one scenario per input (split \
                     the file, or give each scenario file)"
                ),
            ));
        }
        Some(_) => {}
    }
    Ok(())
}

/// [`read_csv`] on text; `path` names it in messages.
pub(crate) fn read_csv_str(text: &str, path: &Path) -> Result<Table> {
    let source = path.display().to_string();
    let at = |line: u64, message: String| data_at(&source, line, message);
    // a spreadsheet's byte-order mark is not part of the first column's name
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(text.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| at(1, format!("cannot read the header: {e}")))?
        .iter()
        .map(|h| h.trim().to_string())
        .collect();
    let find = |name: &str| header.iter().position(|h| h == name);
    let year_col = year_column(&header, &source)?;
    let scenario_col = find("scenario");
    let variable_col = find("variable");
    let kind = if variable_col.is_some() {
        Kind::Summary
    } else {
        Kind::Deterministic
    };
    let value_cols: Vec<usize> = (0..header.len())
        .filter(|&i| Some(i) != scenario_col && i != year_col && Some(i) != variable_col)
        .collect();
    if value_cols.is_empty() {
        return Err(at(1, "no value columns besides the keys".into()));
    }
    check_unique_columns(&header, &source)?;
    let mut table = Table::new(path, kind);
    for record in reader.records() {
        let record = record.map_err(|e| {
            let line = e.position().map_or(0, |p| p.line());
            at(line, format!("malformed CSV: {e}"))
        })?;
        let line = record.position().map_or(0, |p| p.line());
        let field = |i: usize| record.get(i).unwrap_or("").trim();
        let year: i32 = field(year_col).parse().map_err(|_| {
            at(
                line,
                format!(
                    "column `year`: `{}` is not a year (expected an integer)",
                    field(year_col)
                ),
            )
        })?;
        if let Some(c) = scenario_col {
            one_scenario(&mut table, field(c), line, &source)?;
        }
        let variable = variable_col.map(field);
        if variable == Some("") {
            return Err(at(line, "column `variable` is empty".into()));
        }
        for &c in &value_cols {
            let cell = field(c);
            if cell.is_empty() {
                continue;
            }
            let Some(v) = parse_number(cell) else {
                return Err(at(
                    line,
                    format!(
                        "column `{}`: `{cell}` is not a number (expected e.g. 0.053, \
                         1e-3, NaN, inf)",
                        header[c]
                    ),
                ));
            };
            let k = match variable {
                Some(var) => key(year, var, Some(&header[c])),
                None => key(year, &header[c], None),
            };
            let what = match &k.stat {
                Some(s) => format!("`{}` `{s}` in {year}", k.variable),
                None => format!("`{}` in {year}", k.variable),
            };
            if !table.insert(k, v) {
                return Err(at(line, format!("a second value for {what}")));
            }
        }
    }
    if table.keys.is_empty() {
        return Err(at(1, "no data rows".into()));
    }
    Ok(table)
}

/// One aligned row: the key and one value per input (`None`: missing, with `--union`).
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// The key.
    pub key: Key,
    /// One value per input, in input order.
    pub values: Vec<Option<f64>>,
}

impl Row {
    /// Absolute difference of input `j` against the first: x_j - x_0.
    pub fn diff(&self, j: usize) -> Option<f64> {
        Some(self.values.get(j).copied()?? - self.values.first().copied()??)
    }

    /// Relative difference of input `j` against the first: (x_j - x_0) / |x_0|; `None`
    /// when a value is missing or x_0 = 0 with x_j != 0 (0 when both are 0).
    pub fn rel(&self, j: usize) -> Option<f64> {
        let a = self.values.first().copied()??;
        let b = self.values.get(j).copied()??;
        if a == 0.0 {
            return (b == 0.0).then_some(0.0);
        }
        Some((b - a) / a.abs())
    }
}

/// Inputs aligned on their keys.
#[derive(Debug, Clone, PartialEq)]
pub struct Comparison {
    /// Column labels of the inputs (file stems, or the paths when stems collide).
    pub labels: Vec<String>,
    /// Whether the rows carry a statistic (Monte Carlo summaries).
    pub kind: Kind,
    /// Rows ordered by year, then variable, then statistic (order of first appearance).
    pub rows: Vec<Row>,
}

/// Labels of the inputs: file stems, or the paths as given when two stems collide.
pub(crate) fn labels(tables: &[Table]) -> Vec<String> {
    let stem = |t: &Table| {
        t.source.file_stem().map_or_else(
            || t.source.display().to_string(),
            |s| s.to_string_lossy().into(),
        )
    };
    let stems: Vec<String> = tables.iter().map(stem).collect();
    let mut labels: Vec<String> = stems
        .iter()
        .zip(tables)
        .map(|(s, t)| {
            if stems.iter().filter(|x| *x == s).count() > 1 {
                t.source.display().to_string()
            } else {
                s.clone()
            }
        })
        .collect();
    // the same path twice: number the repeats
    for i in 0..labels.len() {
        let repeats = labels[..i].iter().filter(|l| **l == labels[i]).count();
        if repeats > 0 {
            labels[i] = format!("{}#{}", labels[i], repeats + 1);
        }
    }
    labels
}

fn list(items: &[String]) -> String {
    const MAX: usize = 8;
    let mut s = items
        .iter()
        .take(MAX)
        .map(|i| format!("`{i}`"))
        .collect::<Vec<_>>()
        .join(", ");
    if items.len() > MAX {
        s.push_str(&format!(" and {} more", items.len() - MAX));
    }
    s
}

fn only_in(a: &[String], b: &[String]) -> Vec<String> {
    a.iter().filter(|x| !b.contains(x)).cloned().collect()
}

/// All inputs are of the kind of the `first`: projections or Monte Carlo summaries.
fn check_one_kind(first: &Table, tables: &[Table]) -> Result<()> {
    for t in tables {
        if t.kind != first.kind {
            let describe = |t: &Table| match t.kind {
                Kind::Deterministic => {
                    format!("`{}` is a deterministic projection", t.source.display())
                }
                Kind::Summary => format!("`{}` is a Monte Carlo summary", t.source.display()),
            };
            return Err(Error::usage(
                "FILE",
                format!(
                    "{} but {}: compare inputs of one kind (all `run` CSVs or scenario files, \
                     or all Monte Carlo summaries)",
                    describe(first),
                    describe(t)
                ),
            ));
        }
    }
    Ok(())
}

/// `t` has the years, variables, statistics and values of `first` (without --union).
fn check_lined_up(first: &Table, t: &Table) -> Result<()> {
    let mut problems = Vec::new();
    let (fy, ty) = (first.years(), t.years());
    let fy: Vec<String> = fy.iter().map(i32::to_string).collect();
    let ty: Vec<String> = ty.iter().map(i32::to_string).collect();
    let (fv, tv) = (first.variables(), t.variables());
    let (fs, ts) = (first.stats(), t.stats());
    for (what, a, b) in [
        ("years", &fy, &ty),
        ("variables", &fv, &tv),
        ("statistics", &fs, &ts),
    ] {
        let missing = only_in(a, b);
        if !missing.is_empty() {
            problems.push(format!(
                "{what} {} only in `{}`",
                list(&missing),
                first.source.display()
            ));
        }
        let extra = only_in(b, a);
        if !extra.is_empty() {
            problems.push(format!(
                "{what} {} only in `{}`",
                list(&extra),
                t.source.display()
            ));
        }
    }
    if problems.is_empty() {
        // same years, variables and statistics, but single cells may be empty
        let missing: Vec<String> = first
            .keys
            .iter()
            .filter(|k| !t.values.contains_key(*k))
            .chain(t.keys.iter().filter(|k| !first.values.contains_key(*k)))
            .map(describe_key)
            .collect();
        if !missing.is_empty() {
            problems.push(format!("values missing in one of them: {}", list(&missing)));
        }
    }
    if !problems.is_empty() {
        let decomposition_missing = only_in(&fv, &tv)
            .iter()
            .chain(&only_in(&tv, &fv))
            .any(|v| DECOMPOSITION_NAMES.contains(&v.as_str()));
        let hint = if decomposition_missing {
            " (scenario-file inputs get the decomposition columns with --decompose)"
        } else {
            ""
        };
        return Err(Error::usage(
            "FILE",
            format!(
                "`{}` and `{}` do not line up: {}. Compare inputs with the same years, \
                 variables and statistics{hint}, or pass --union to keep every row \
                 (missing values as empty cells)",
                first.source.display(),
                t.source.display(),
                problems.join("; ")
            ),
        ));
    }
    Ok(())
}

/// Aligns `tables` on their keys. Without `union`, inputs must hold exactly the same
/// keys (years, variables, statistics), otherwise the error says what is missing where;
/// with `union`, every key of any input is a row and missing values are `None`.
/// Mixing deterministic and Monte Carlo summary inputs is an error.
pub fn align(tables: &[Table], union: bool) -> Result<Comparison> {
    let Some(first) = tables.first() else {
        return Err(Error::usage("FILE", "give at least two inputs to compare"));
    };
    let labels = labels(tables);
    check_one_kind(first, tables)?;
    if !union {
        for t in &tables[1..] {
            check_lined_up(first, t)?;
        }
    }
    // Order: year ascending, then variable and statistic by first appearance.
    let variables = first_appearance(
        tables
            .iter()
            .flat_map(|t| t.keys.iter().map(|k| k.variable.as_str())),
    );
    let stats = first_appearance(
        tables
            .iter()
            .flat_map(|t| t.keys.iter().filter_map(|k| k.stat.as_deref())),
    );
    let var_rank: HashMap<&str, usize> = variables
        .iter()
        .enumerate()
        .map(|(i, v)| (v.as_str(), i))
        .collect();
    let stat_rank: HashMap<&str, usize> = stats
        .iter()
        .enumerate()
        .map(|(i, v)| (v.as_str(), i))
        .collect();
    let mut keys: Vec<&Key> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for t in tables {
        for k in &t.keys {
            if seen.insert(k) {
                keys.push(k);
            }
        }
    }
    keys.sort_by_key(|k| {
        (
            k.year,
            var_rank
                .get(k.variable.as_str())
                .copied()
                .unwrap_or(usize::MAX),
            k.stat.as_deref().and_then(|s| stat_rank.get(s).copied()),
        )
    });
    let rows = keys
        .into_iter()
        .map(|k| Row {
            key: k.clone(),
            values: tables.iter().map(|t| t.values.get(k).copied()).collect(),
        })
        .collect();
    Ok(Comparison {
        labels,
        kind: first.kind,
        rows,
    })
}

/// Parses a year selection: `2030`, `2026..2030` (inclusive), or a comma list of either
/// (`2026,2030..2035`). Returns inclusive ranges.
pub(crate) fn parse_years(s: &str) -> std::result::Result<Vec<(i32, i32)>, String> {
    let bad = |part: &str| {
        format!(
            "`{part}` is not a year or a span: expected e.g. 2030, 2026..2030 or 2026,2030..2035"
        )
    };
    s.split(',')
        .map(|part| {
            let part = part.trim();
            let (a, b) = match part.split_once("..") {
                Some((a, b)) => (a.trim(), b.trim()),
                None => (part, part),
            };
            let a: i32 = a.parse().map_err(|_| bad(part))?;
            let b: i32 = b.parse().map_err(|_| bad(part))?;
            if b < a {
                return Err(format!("`{part}`: the span ends before it starts"));
            }
            Ok((a, b))
        })
        .collect()
}

/// Checks that every name of `only` is a variable of some table, suggesting the closest
/// name otherwise (flag `--only`).
pub(crate) fn check_only(tables: &[Table], only: &[String]) -> Result<()> {
    let all = first_appearance(
        tables
            .iter()
            .flat_map(|t| t.keys.iter().map(|k| k.variable.as_str())),
    );
    for name in only {
        if all.contains(name) {
            continue;
        }
        let hint = all
            .iter()
            .min_by_key(|v| strsim::levenshtein(v, name))
            .filter(|v| strsim::levenshtein(v, name) <= 3)
            .map(|v| format!("did you mean `{v}`? "))
            .unwrap_or_default();
        return Err(Error::usage(
            "--only",
            format!(
                "`{name}` is not a variable of the inputs: {hint}valid: {}",
                all.join(", ")
            ),
        ));
    }
    Ok(())
}

fn describe_key(k: &Key) -> String {
    match &k.stat {
        Some(s) => format!("{} {} {}", k.year, k.variable, s),
        None => format!("{} {}", k.year, k.variable),
    }
}

impl Comparison {
    /// The CSV header: `year,variable[,stat]`, one column per input, then `diff_<label>`
    /// and `rel_<label>` for every input after the first.
    pub fn header(&self) -> Vec<String> {
        let mut h = vec!["year".to_string(), "variable".to_string()];
        if self.kind == Kind::Summary {
            h.push("stat".into());
        }
        h.extend(self.labels.iter().cloned());
        for l in &self.labels[1..] {
            h.push(format!("diff_{l}"));
            h.push(format!("rel_{l}"));
        }
        h
    }

    /// Writes the aligned CSV (missing values and undefined relative differences are
    /// empty cells).
    pub fn write_csv(&self, w: &mut dyn Write) -> io::Result<()> {
        let mut csv = csv::Writer::from_writer(w);
        csv.write_record(self.header())?;
        let cell = |v: Option<f64>| v.map(format_number).unwrap_or_default();
        for row in &self.rows {
            let mut r = vec![row.key.year.to_string(), row.key.variable.clone()];
            if self.kind == Kind::Summary {
                r.push(row.key.stat.clone().unwrap_or_default());
            }
            r.extend(row.values.iter().map(|v| cell(*v)));
            for j in 1..self.labels.len() {
                r.push(cell(row.diff(j)));
                r.push(cell(row.rel(j)));
            }
            csv.write_record(&r)?;
        }
        csv.flush()
    }

    /// Every (row, input) whose difference against the first input exceeds
    /// `atol + rtol * |x_0|` (numpy's `isclose` rule), worst first: by how many times the
    /// difference exceeds what is allowed (by relative difference when nothing is
    /// allowed), so that levels and fractions rank fairly. A value missing in one input
    /// but not the other, or NaN against a number, always exceeds; two NaNs or two equal
    /// infinities are equal.
    pub fn beyond(&self, atol: f64, rtol: f64) -> Vec<Excess> {
        let mut out = Vec::new();
        for (i, row) in self.rows.iter().enumerate() {
            let a = row.values.first().copied().flatten();
            for j in 1..row.values.len() {
                let b = row.values[j];
                let (excess, severity) = match (a, b) {
                    (None, None) => continue,
                    (Some(x), Some(y)) if x == y || (x.is_nan() && y.is_nan()) => continue,
                    (Some(x), Some(y)) if x.is_finite() && y.is_finite() => {
                        let allowed = atol + rtol * x.abs();
                        let d = (y - x).abs();
                        if d <= allowed {
                            continue;
                        }
                        let severity = if allowed > 0.0 {
                            d / allowed
                        } else if x != 0.0 {
                            d / x.abs()
                        } else {
                            f64::INFINITY
                        };
                        (d - allowed, severity)
                    }
                    _ => (f64::INFINITY, f64::INFINITY),
                };
                out.push(Excess {
                    row: i,
                    input: j,
                    excess,
                    severity,
                });
            }
        }
        out.sort_by(|a, b| {
            b.severity
                .total_cmp(&a.severity)
                .then(b.excess.total_cmp(&a.excess))
                .then(a.row.cmp(&b.row))
        });
        out
    }

    /// A human listing of the `n` worst excesses.
    pub(crate) fn describe_worst(&self, excesses: &[Excess], n: usize) -> String {
        let cell = |v: Option<f64>| v.map_or_else(|| "(missing)".to_string(), format_number);
        excesses
            .iter()
            .take(n)
            .map(|e| {
                let row = &self.rows[e.row];
                format!(
                    "  {}: {}={} {}={} diff={} rel={}",
                    describe_key(&row.key),
                    self.labels[0],
                    cell(row.values[0]),
                    self.labels[e.input],
                    cell(row.values[e.input]),
                    cell(row.diff(e.input)),
                    row.rel(e.input)
                        .map_or_else(|| "(undefined)".to_string(), format_number),
                )
            })
            .collect::<Vec<_>>()
            .join("\n")
    }
}

/// A difference beyond the tolerance.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Excess {
    /// Index into [`Comparison::rows`].
    pub row: usize,
    /// Index of the input (>= 1) compared against the first.
    pub input: usize,
    /// |x_j - x_0| - (atol + rtol |x_0|), in the variable's unit (infinite when a value is
    /// missing or not finite).
    pub excess: f64,
    /// How bad: |x_j - x_0| / (atol + rtol |x_0|), or the relative difference when nothing
    /// is allowed (infinite when a value is missing or not finite).
    pub severity: f64,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(text: &str, name: &str) -> Table {
        read_csv_str(text, Path::new(name)).unwrap()
    }

    #[test]
    fn reads_run_and_summary_csvs() {
        let a = t(
            "scenario,year,debt_gdp,real_growth\ns,2026,0.5,0.05\ns,2027,0.6,NaN\n",
            "a.csv",
        );
        assert_eq!(a.kind, Kind::Deterministic);
        assert_eq!(a.get(2027, "debt_gdp", None), Some(0.6));
        assert!(a.get(2027, "real_growth", None).unwrap().is_nan());
        assert_eq!(a.variables(), vec!["debt_gdp", "real_growth"]);
        let s = t(
            "scenario,year,variable,mean,p50\ns,2026,debt_gdp,0.5,0.49\ns,2026,real_growth,0.05,\n",
            "s.csv",
        );
        assert_eq!(s.kind, Kind::Summary);
        assert_eq!(s.get(2026, "debt_gdp", Some("p50")), Some(0.49));
        assert_eq!(s.get(2026, "real_growth", Some("p50")), None); // empty cell
        assert_eq!(s.stats(), vec!["mean", "p50"]);
    }

    #[test]
    fn spreadsheet_quirks() {
        let a = t("\u{feff}scenario,year,x\r\ns,2026,1\r\n", "bom.csv");
        assert_eq!(a.get(2026, "x", None), Some(1.0));
        assert_eq!(a.scenario.as_deref(), Some("s"));
        let e = read_csv_str("scenario;year;x\ns;2026;1\n", Path::new("semi.csv"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("separated by `;`"), "{e}");
    }

    #[test]
    fn bad_csvs_name_line_and_column() {
        let e = read_csv_str("year,debt_gdp\n2026,0.5\n2027,abc\n", Path::new("x.csv"))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("x.csv:3") && e.contains("`debt_gdp`") && e.contains("abc"),
            "{e}"
        );
        let e = read_csv_str("scenario,year,d\na,2026,1\nb,2027,1\n", Path::new("x.csv"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("several scenarios"), "{e}");
        let e = read_csv_str("year,d\n2026,1\n2026,2\n", Path::new("x.csv"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("a second value for `d` in 2026"), "{e}");
        let e = read_csv_str("when,d\n2026,1\n", Path::new("x.csv"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("no `year` column"), "{e}");
    }

    #[test]
    fn diffs_and_relative_diffs() {
        let a = t("year,x,y\n2026,2,0\n", "a.csv");
        let b = t("year,x,y\n2026,3,0\n", "b.csv");
        let c = t("year,x,y\n2026,1,1\n", "c.csv");
        let cmp = align(&[a, b, c], false).unwrap();
        assert_eq!(cmp.labels, vec!["a", "b", "c"]);
        let x = &cmp.rows[0];
        assert_eq!((x.diff(1), x.rel(1)), (Some(1.0), Some(0.5)));
        assert_eq!((x.diff(2), x.rel(2)), (Some(-1.0), Some(-0.5)));
        let y = &cmp.rows[1];
        assert_eq!((y.rel(1), y.rel(2)), (Some(0.0), None)); // 0 -> 1 has no relative change
        let mut out = Vec::new();
        cmp.write_csv(&mut out).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "year,variable,a,b,c,diff_b,rel_b,diff_c,rel_c\n\
             2026,x,2,3,1,1,0.5,-1,-0.5\n2026,y,0,0,1,0,0,1,\n"
        );
    }

    #[test]
    fn misalignment_is_an_error_unless_union() {
        let a = t("year,x\n2026,1\n2027,2\n", "a.csv");
        let b = t("year,x,z\n2026,1,5\n2028,3,5\n", "b.csv");
        let e = align(&[a.clone(), b.clone()], false)
            .unwrap_err()
            .to_string();
        assert!(e.contains("years `2027` only in `a.csv`"), "{e}");
        assert!(e.contains("years `2028` only in `b.csv`"), "{e}");
        assert!(e.contains("variables `z` only in `b.csv`"), "{e}");
        assert!(e.contains("--union"), "{e}");
        let cmp = align(&[a, b], true).unwrap();
        let keys: Vec<String> = cmp.rows.iter().map(|r| describe_key(&r.key)).collect();
        assert_eq!(keys, ["2026 x", "2026 z", "2027 x", "2028 x", "2028 z"]);
        assert_eq!(cmp.rows[2].values, vec![Some(2.0), None]);
        assert_eq!(cmp.rows[2].diff(1), None);
    }

    #[test]
    fn single_missing_cells_are_caught() {
        let a = t("year,x,y\n2026,1,2\n2027,1,2\n", "a.csv");
        let b = t("year,x,y\n2026,1,\n2027,1,2\n", "b.csv");
        let e = align(&[a, b], false).unwrap_err().to_string();
        assert!(e.contains("values missing in one of them: `2026 y`"), "{e}");
    }

    #[test]
    fn mixing_kinds_is_an_error() {
        let a = t("year,x\n2026,1\n", "a.csv");
        let b = t("year,variable,mean\n2026,x,1\n", "b.csv");
        let e = align(&[a, b], true).unwrap_err().to_string();
        assert!(e.contains("Monte Carlo summary"), "{e}");
    }

    #[test]
    fn tolerance_uses_isclose_rule_and_orders_worst_first() {
        let a = t("year,x,y,z,w\n2026,100,1,NaN,5\n", "a.csv");
        let b = t("year,x,y,z,w\n2026,100.5,1.2,NaN,\n", "b.csv");
        let cmp = align(&[a, b], true).unwrap();
        // atol 0.1: x (0.5, 5 times the tolerance) and y (0.2, twice) exceed, w is missing
        let ex = cmp.beyond(0.1, 0.0);
        let names: Vec<&str> = ex
            .iter()
            .map(|e| cmp.rows[e.row].key.variable.as_str())
            .collect();
        assert_eq!(names, ["w", "x", "y"]);
        assert!((ex[1].excess - 0.4).abs() < 1e-12);
        assert!((ex[1].severity - 5.0).abs() < 1e-12);
        // nothing allowed: ranked by relative difference, y (20 %) before x (0.5 %)
        let ex = cmp.beyond(0.0, 0.0);
        let names: Vec<&str> = ex
            .iter()
            .map(|e| cmp.rows[e.row].key.variable.as_str())
            .collect();
        assert_eq!(names, ["w", "y", "x"]);
        // rtol 1 % allows 1.0 on x and 0.01 on y
        let ex = cmp.beyond(0.0, 0.01);
        let names: Vec<&str> = ex
            .iter()
            .map(|e| cmp.rows[e.row].key.variable.as_str())
            .collect();
        assert_eq!(names, ["w", "y"]);
        assert!(cmp.describe_worst(&ex, 5).contains("b=(missing)"));
    }

    #[test]
    fn only_keeps_named_variables_and_checks_names() {
        let mut a = t("year,x,y,z\n2026,1,2,3\n", "a.csv");
        let only = vec!["z".to_string(), "x".to_string()];
        check_only(std::slice::from_ref(&a), &only).unwrap();
        a.retain_variables(&only);
        assert_eq!(a.variables(), ["x", "z"]);
        assert_eq!(a.values.len(), 2);
        let e = check_only(&[a], &["zz".to_string()])
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("--only") && e.contains("did you mean `z`"),
            "{e}"
        );
    }

    #[test]
    fn year_selections() {
        assert_eq!(parse_years("2030").unwrap(), [(2030, 2030)]);
        assert_eq!(
            parse_years("2026..2028, 2035").unwrap(),
            [(2026, 2028), (2035, 2035)]
        );
        assert!(
            parse_years("2030..2026")
                .unwrap_err()
                .contains("ends before")
        );
        assert!(parse_years("20x0").unwrap_err().contains("expected e.g."));
        let mut a = t("year,x\n2026,1\n2027,2\n2028,3\n", "a.csv");
        a.retain_years(|y| y != 2027);
        assert_eq!(a.years(), [2026, 2028]);
    }

    #[test]
    fn colliding_stems_use_paths() {
        let a = t("year,x\n2026,1\n", "golden/run.csv");
        let b = t("year,x\n2026,1\n", "new/run.csv");
        let c = t("year,x\n2026,1\n", "new/run.csv");
        assert_eq!(
            labels(&[a, b, c]),
            ["golden/run.csv", "new/run.csv", "new/run.csv#2"]
        );
    }
}
