//! Scenario files: the TOML format, inheritance (`extends`), overrides (`--set`), time
//! paths, validation, and the resolved [`Scenario`] that every computation uses.
//!
//! A scenario is loaded with [`load`] (a file) or [`load_str`] (text), which merges the
//! `extends` chain, applies the overrides, expands every time path to one number per
//! projection year, converts spending stated as budget shares into shares of GDP, fills
//! the documented defaults and checks everything, reporting all mistakes at once with
//! their file, line, column and key.
//!
//! Inside, the text is parsed into a tree that remembers where each value was written
//! (`tree`), and every section, `[sweep]` included, is read from it by one `reader`:
//! typed access to keys, each mistake collected with its place and key.

pub(crate) mod address;
mod correlation;
pub mod fund;
pub(crate) mod path;
pub(crate) mod plausible;
pub(crate) mod probabilities;
pub(crate) mod reader;
mod resolve;
pub mod rules;
pub mod stress;
pub(crate) mod tree;
pub mod uncertainty;
pub(crate) mod year_key;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Serialize;

pub use address::{Address, Override};
pub use correlation::check_correlation;
pub use fund::{Fund, FundRule};
pub use probabilities::Probability;
#[cfg(feature = "serve")]
pub(crate) use resolve::set_shock_entry;
pub use resolve::{MAX_DRAWS, SECTIONS, SWEEP_KEYS, resolve_tree};
pub use rules::{DebtMeasure, Rules};
pub use uncertainty::Uncertainty;

use crate::error::{Diagnostic, Diagnostics, Error, Loc, Result};
pub use tree::Table;

/// The seven shocks of docs/MODEL.md, in their canonical order (version 2 added the seventh,
/// `primary_balance`; a six-entry `[shocks]` block leaves it at zero).
pub const SHOCK_NAMES: [&str; N_SHOCKS] = [
    "potential_growth",
    "demand",
    "inflation",
    "commodity_price",
    "interest_rate",
    "exchange_rate",
    "primary_balance",
];

/// Number of shocks.
pub const N_SHOCKS: usize = 7;

/// Number of shocks of docs/MODEL.md version 1: a `[shocks]` block may give this many.
pub(crate) const N_SHOCKS_V1: usize = 6;

/// Index of the primary-balance shock (version 2's seventh) in [`SHOCK_NAMES`].
pub(crate) const PRIMARY_BALANCE_SHOCK: usize = Shock::PrimaryBalance.index();

/// One of the seven shocks: [`Shock::index`] addresses u_t, e_t and the rows of
/// `[shocks]`; [`Shock::name`] is its name in files and columns ([`SHOCK_NAMES`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shock {
    /// Potential growth (fraction).
    PotentialGrowth,
    /// Demand: the output gap's innovation (fraction of potential).
    Demand,
    /// Inflation (fraction).
    Inflation,
    /// Commodity (oil) price, log deviation from the baseline path.
    CommodityPrice,
    /// Interest rate on new borrowing (fraction).
    InterestRate,
    /// Exchange rate, log depreciation against the baseline path.
    ExchangeRate,
    /// Primary balance (fraction of GDP; version 2's seventh shock).
    PrimaryBalance,
}

impl Shock {
    /// The shocks in canonical order.
    pub const ALL: [Shock; N_SHOCKS] = [
        Shock::PotentialGrowth,
        Shock::Demand,
        Shock::Inflation,
        Shock::CommodityPrice,
        Shock::InterestRate,
        Shock::ExchangeRate,
        Shock::PrimaryBalance,
    ];

    /// Its position in u_t and in [`SHOCK_NAMES`].
    pub const fn index(self) -> usize {
        self as usize
    }

    /// Its name in scenario files and columns.
    pub const fn name(self) -> &'static str {
        SHOCK_NAMES[self as usize]
    }

    /// The shock called `name`, if any.
    pub fn from_name(name: &str) -> Option<Shock> {
        Shock::ALL.into_iter().find(|s| s.name() == name)
    }
}

/// Base-year (t = 0) observed values.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Initial {
    /// N0: nominal GDP, in the scenario's currency unit (e.g. KZT trillion).
    pub gdp_nominal: f64,
    /// d0: government debt / GDP (fraction).
    pub debt_gdp: f64,
    /// k0: public capital stock / GDP (fraction).
    pub public_capital_gdp: f64,
    /// gap0: output gap, fraction of potential.
    pub output_gap: f64,
    /// s0: growth-stimulating spending / GDP in the base year.
    pub growth_spending_gdp: f64,
    /// tau0: non-commodity revenue / GDP in the base year.
    pub revenue_gdp: f64,
    /// E0: local currency per USD.
    pub exchange_rate: f64,
    /// p0: commodity (oil) price, USD.
    pub commodity_price: f64,
    /// a0: fund assets / GDP in the base year (version 2; default 0).
    pub fund_assets_gdp: f64,
    /// o0: other primary spending / GDP in the base year (version 2; `None` where neither
    /// it nor the budget-share form is given; only the balance rule needs it).
    pub other_spending_gdp: Option<f64>,
    /// ieff_0: effective interest rate on the debt stock in the base year (fraction a
    /// year; default ib_1 + lambda * max(0, d0 - dstar)).
    pub interest_rate: f64,
}

/// Baseline assumptions: paths over t = 1..T, one value per projection year.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Baseline {
    /// gb_t: baseline real potential growth (fraction a year).
    pub real_growth: Vec<f64>,
    /// pib_t: baseline GDP-deflator inflation (fraction a year).
    pub inflation: Vec<f64>,
    /// sref_t: growth-stimulating spending / GDP assumed in `real_growth`.
    pub growth_spending_gdp: Vec<f64>,
    /// tauref_t: non-commodity revenue / GDP assumed in `real_growth`.
    pub revenue_gdp: Vec<f64>,
    /// pb_t: baseline commodity price, USD.
    pub commodity_price: Vec<f64>,
    /// Eb_t: baseline exchange rate, local currency per USD.
    pub exchange_rate: Vec<f64>,
    /// ib_t: baseline effective nominal interest rate on debt (fraction a year).
    pub interest_rate: Vec<f64>,
}

/// Policy: what the scenario actually does, paths over t = 1..T (shares of nominal GDP).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Policy {
    /// s_t: growth-stimulating spending / GDP.
    pub growth_spending_gdp: Vec<f64>,
    /// tau_t: non-commodity revenue / GDP.
    pub revenue_gdp: Vec<f64>,
    /// tauc_t: commodity revenue / GDP at baseline price and exchange rate.
    pub commodity_revenue_gdp: Vec<f64>,
    /// o_t: other primary spending / GDP.
    pub other_spending_gdp: Vec<f64>,
    /// f_t: stock-flow adjustment / GDP (positive adds to debt).
    pub other_flows_gdp: Vec<f64>,
}

/// Structural parameters (scalars), with docs/MODEL.md's defaults.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Structure {
    /// kappa: part of growth spending that builds public capital (fraction).
    pub capital_share: f64,
    /// eta: part of that investment that becomes productive capital (fraction).
    pub efficiency: f64,
    /// delta: public capital depreciation (fraction a year).
    pub depreciation: f64,
    /// theta: output elasticity of public capital.
    pub public_capital_elasticity: f64,
    /// m: first-year multiplier of growth spending.
    pub spending_multiplier: f64,
    /// mtau: first-year multiplier of revenue (tax) changes.
    pub revenue_multiplier: f64,
    /// rho: output-gap persistence.
    pub gap_persistence: f64,
    /// lambda: interest premium per unit of debt/GDP above the threshold.
    pub debt_premium: f64,
    /// dstar: debt/GDP above which the premium applies.
    pub debt_threshold: f64,
    /// epsc: elasticity of commodity revenue to the local-currency commodity price.
    pub commodity_revenue_elasticity: f64,
    /// phi: share of debt in foreign currency.
    pub fx_debt_share: f64,
    /// M: average maturity of debt, years (>= 1; 1 reprices the whole stock every year).
    pub debt_maturity: f64,
    /// eps: change in non-commodity revenue / GDP per unit of output gap (relative to the
    /// reference path's gap).
    pub cyclical_revenue_semi_elasticity: f64,
    /// betac: output-gap response to the commodity-price shock (log).
    pub commodity_gap_elasticity: f64,
    /// madj: first-year multiplier of rule-driven spending cuts.
    pub adjustment_multiplier: f64,
}

impl Default for Structure {
    fn default() -> Self {
        Structure {
            capital_share: 0.5,
            efficiency: 0.7,
            depreciation: 0.05,
            public_capital_elasticity: 0.10,
            spending_multiplier: 0.4,
            revenue_multiplier: 0.25,
            gap_persistence: 0.5,
            debt_premium: 0.04,
            debt_threshold: 0.5,
            commodity_revenue_elasticity: 1.0,
            fx_debt_share: 0.0,
            debt_maturity: 1.0,
            cyclical_revenue_semi_elasticity: 0.0,
            commodity_gap_elasticity: 0.0,
            adjustment_multiplier: 0.4,
        }
    }
}

/// One list of the structural parameters gives their names and their access by name, so
/// that parsing, `[uncertainty]`, sweeps and reports can never disagree.
macro_rules! structure_parameters {
    ($($field:ident),* $(,)?) => {
        impl Structure {
            /// The structural parameters' names, in canonical (docs/MODEL.md) order.
            pub const NAMES: [&'static str; [$(stringify!($field)),*].len()] =
                [$(stringify!($field)),*];

            /// The parameter `name`, if it is one.
            pub fn get(&self, name: &str) -> Option<f64> {
                match name {
                    $(stringify!($field) => Some(self.$field),)*
                    _ => None,
                }
            }

            /// The parameter `name`, to change it, if it is one.
            pub fn field_mut(&mut self, name: &str) -> Option<&mut f64> {
                match name {
                    $(stringify!($field) => Some(&mut self.$field),)*
                    _ => None,
                }
            }

            /// Every parameter with its name, in [`Structure::NAMES`] order.
            pub fn named_values(&self) -> [(&'static str, f64); Structure::NAMES.len()] {
                [$((stringify!($field), self.$field)),*]
            }
        }
    };
}

structure_parameters!(
    capital_share,
    efficiency,
    depreciation,
    public_capital_elasticity,
    spending_multiplier,
    revenue_multiplier,
    gap_persistence,
    debt_premium,
    debt_threshold,
    commodity_revenue_elasticity,
    fx_debt_share,
    debt_maturity,
    cyclical_revenue_semi_elasticity,
    commodity_gap_elasticity,
    adjustment_multiplier,
);

/// The distribution of the standardised shock innovations z_t.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Distribution {
    /// Independent standard normals.
    Normal,
    /// Multivariate Student t with `dof` degrees of freedom, rescaled to unit variance.
    StudentT,
}

/// The shock process: innovation sd, correlation, persistence and distribution.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Shocks {
    /// The shock names, always [`SHOCK_NAMES`].
    pub names: [&'static str; N_SHOCKS],
    /// Innovation standard deviations, in the units of each shock (fractions; logs for
    /// commodity price and exchange rate).
    pub sd: [f64; N_SHOCKS],
    /// Correlation matrix C (symmetric, unit diagonal, positive semi-definite).
    pub correlation: [[f64; N_SHOCKS]; N_SHOCKS],
    /// Persistence matrix A of u_t = A u_{t-1} + e_t.
    pub persistence: [[f64; N_SHOCKS]; N_SHOCKS],
    /// Distribution of the innovations.
    pub distribution: Distribution,
    /// Degrees of freedom of the Student t (> 2), `None` for normal.
    pub dof: Option<f64>,
}

impl Shocks {
    /// Whether the seventh shock (`primary_balance`) is active: its sd or its row of A is
    /// not zero. An inactive one draws no random number and is exactly +0 in every draw
    /// (docs/MODEL.md version 2).
    pub fn seventh_active(&self) -> bool {
        self.sd[PRIMARY_BALANCE_SHOCK] != 0.0
            || self.persistence[PRIMARY_BALANCE_SHOCK]
                .iter()
                .any(|x| *x != 0.0)
    }
}

impl Default for Shocks {
    fn default() -> Self {
        let mut correlation = [[0.0; N_SHOCKS]; N_SHOCKS];
        for (i, row) in correlation.iter_mut().enumerate() {
            row[i] = 1.0;
        }
        Shocks {
            names: SHOCK_NAMES,
            sd: [0.0; N_SHOCKS],
            correlation,
            persistence: [[0.0; N_SHOCKS]; N_SHOCKS],
            distribution: Distribution::Normal,
            dof: None,
        }
    }
}

/// Monte Carlo settings of a scenario.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MonteCarlo {
    /// Number of draws.
    pub draws: u64,
    /// Seed of the random streams.
    pub seed: u64,
    /// Quantiles reported in summaries, each in (0, 1), increasing.
    pub quantiles: Vec<f64>,
    /// Events whose probability Monte Carlo runs report (`[[montecarlo.probabilities]]`);
    /// absent from the JSON when empty.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub probabilities: Vec<probabilities::Probability>,
}

/// The default quantiles of Monte Carlo summaries.
pub(crate) const DEFAULT_QUANTILES: [f64; 7] = [0.05, 0.10, 0.25, 0.50, 0.75, 0.90, 0.95];

impl Default for MonteCarlo {
    fn default() -> Self {
        MonteCarlo {
            draws: 10_000,
            seed: 1,
            quantiles: DEFAULT_QUANTILES.to_vec(),
            probabilities: Vec::new(),
        }
    }
}

/// A resolved scenario: every path expanded to one number per projection year, spending
/// in shares of GDP, every default filled. Serialises to the JSON of docs/MODEL.md ("The
/// resolved scenario").
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Scenario {
    /// Scenario name (first column of the outputs).
    pub name: String,
    /// Free-text description (not part of the resolved JSON).
    #[serde(skip)]
    pub description: String,
    /// Currency unit of levels, e.g. "KZT trillion" (not part of the resolved JSON).
    #[serde(skip)]
    pub currency: String,
    /// The base year (t = 0).
    pub base_year: i32,
    /// The projection years t = 1..T, consecutive.
    pub years: Vec<i32>,
    /// Base-year values.
    pub initial: Initial,
    /// Baseline assumptions.
    pub baseline: Baseline,
    /// Policy.
    pub policy: Policy,
    /// Structural parameters.
    pub structure: Structure,
    /// The sovereign resource fund (`[fund]`, version 2); `None` (JSON null): no fund.
    pub fund: Option<Fund>,
    /// Fiscal rules (`[rules]`, version 2); `None` (JSON null): no rule.
    pub rules: Option<Rules>,
    /// Shock process.
    pub shocks: Shocks,
    /// Monte Carlo settings.
    pub montecarlo: MonteCarlo,
    /// The `[stress]` section, when the scenario has one (serialised only then).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stress: Option<stress::StressSpec>,
    /// Distributions of uncertain structural parameters (`[uncertainty]`), drawn once per
    /// Monte Carlo draw; `None` when the scenario has none (then absent from the JSON).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uncertainty: Option<Uncertainty>,
}

impl Scenario {
    /// Number of projection years T.
    pub fn horizon(&self) -> usize {
        self.years.len()
    }

    /// The resolved scenario as pretty JSON (docs/MODEL.md's shape).
    pub fn to_json(&self) -> String {
        // Serialising plain numbers and strings cannot fail; non-finite numbers are
        // rejected by validation before a Scenario exists.
        serde_json::to_string_pretty(self).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
    }
}

/// Loads a scenario file, following `extends`, then applies `overrides` in order.
pub fn load(path: &Path, overrides: &[Override]) -> Result<Scenario> {
    let tree = load_tree(path)?;
    resolve_tree(tree, overrides).map_err(|e| name_file(e, &path.display().to_string()))
}

/// Gives diagnostics without a place (a missing key) the file the user named.
fn name_file(e: Error, file: &str) -> Error {
    match e {
        Error::Scenario(Diagnostics(mut diags)) => {
            for d in &mut diags {
                if d.loc.is_none() {
                    d.loc = Some(Loc::whole(file));
                }
            }
            Error::Scenario(Diagnostics(diags))
        }
        other => other,
    }
}

/// Loads a scenario from text. `name` names it in messages; `extends` is resolved
/// relative to `base_dir`.
pub fn load_str(
    text: &str,
    name: &str,
    base_dir: &Path,
    overrides: &[Override],
) -> Result<Scenario> {
    let tree = load_tree_str(text, name, base_dir)?;
    resolve_tree(tree, overrides).map_err(|e| name_file(e, name))
}

/// Loads a scenario text, following `extends` (relative to `base_dir`), into one merged
/// tree without resolving it: [`load_str`] is this, then [`resolve_tree`]. `name` names
/// the text in messages.
pub fn load_tree_str(text: &str, name: &str, base_dir: &Path) -> Result<Table> {
    let source = Arc::from(name);
    let first = tree::parse_document(text, &source).map_err(|d| Error::Scenario(Diagnostics(d)))?;
    follow_extends(first, base_dir.to_path_buf(), &mut Chain::default(), |_| {})
}

/// Reads a file and its `extends` chain into one merged tree.
pub fn load_tree(path: &Path) -> Result<Table> {
    walk_chain(path, &mut Chain::default(), |_| {})
}

/// The scenario file `path` and every file it `extends`, directly or not, outermost
/// first, as far as they can be read: an output must never replace any of them. The walk
/// is [`load_tree`]'s own (same limit, [`MAX_EXTENDS`]); files that cannot be read or
/// parsed end the list (loading reports them). A non-regular `path` (a pipe, a FIFO) is
/// not opened here: it is read once, by loading, and the files it extends are protected
/// by [`is_input`] when the output is written.
pub(crate) fn input_files(path: &Path) -> Vec<PathBuf> {
    if !is_regular(path) {
        return vec![path.to_path_buf()];
    }
    let mut files = Vec::new();
    let _ = walk_chain(path, &mut Chain::default(), |f| files.push(f.to_path_buf()));
    files
}

/// Whether `path` is (or leads to) a regular file.
fn is_regular(path: &Path) -> bool {
    std::fs::metadata(path).is_ok_and(|m| m.is_file())
}

/// The files read as scenario inputs by this process, canonical (see [`is_input`]).
static INPUTS: std::sync::Mutex<Vec<PathBuf>> = std::sync::Mutex::new(Vec::new());

/// Whether `path` is a file this process has read as a scenario input, at any depth of
/// an `extends` chain (compared after resolving symbolic links and `..`): the last check
/// before an output replaces a file.
pub(crate) fn is_input(path: &Path) -> bool {
    let Ok(canonical) = path.canonicalize() else {
        return false;
    };
    INPUTS
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .contains(&canonical)
}

/// The longest `extends` chain loaded, in files (the scenario itself included): longer
/// chains are refused (exit code 2), whatever the stack.
pub const MAX_EXTENDS: usize = 1000;

/// Loads a scenario from the raw bytes of a file: they must be UTF-8 text and not
/// blank. `name` names it in messages; `extends` is resolved relative to `base_dir`.
pub fn load_bytes(
    bytes: &[u8],
    name: &str,
    base_dir: &Path,
    overrides: &[Override],
) -> Result<Scenario> {
    let text = decode(bytes.to_vec(), Path::new(name))?;
    load_str(&text, name, base_dir, overrides)
}

/// The largest scenario file read, in bytes: scenarios are small text files, and a device
/// such as `/dev/zero` given by mistake must not be read forever.
pub(crate) const MAX_FILE_BYTES: u64 = 16 * 1024 * 1024;

/// Reads at most [`MAX_FILE_BYTES`] + 1 bytes of `path` (one more tells a file too large).
fn read_bounded(path: &Path) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let file = std::fs::File::open(path)?;
    let mut bytes = Vec::new();
    file.take(MAX_FILE_BYTES + 1).read_to_end(&mut bytes)?;
    Ok(bytes)
}

fn read_text(path: &Path) -> Result<String> {
    let bytes = read_bounded(path).map_err(|source| Error::Read {
        path: path.to_path_buf(),
        source,
    })?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(Error::Scenario(Diagnostics(vec![Diagnostic {
            loc: Some(Loc::whole(path.display().to_string())),
            key: None,
            message: format!(
                "the file is larger than {} MiB: a scenario is a small text file (is this the \
                 right file?)",
                MAX_FILE_BYTES / (1024 * 1024)
            ),
        }])));
    }
    decode(bytes, path)
}

/// The text of a scenario file: UTF-8 and not blank, or a diagnostic naming `path`.
fn decode(bytes: Vec<u8>, path: &Path) -> Result<String> {
    let text = String::from_utf8(bytes).map_err(|e| {
        let valid = &e.as_bytes()[..e.utf8_error().valid_up_to()];
        let line = valid.iter().filter(|&&b| b == b'\n').count() + 1;
        let col = valid.iter().rev().take_while(|&&b| b != b'\n').count() + 1;
        Error::Scenario(Diagnostics(vec![Diagnostic {
            loc: Some(Loc {
                source: Arc::from(path.display().to_string()),
                line: line as u32,
                col: col as u32,
            }),
            key: None,
            message: format!(
                "the file is not valid UTF-8 text: invalid byte sequence starting with 0x{:02x} \
                 (save the file as UTF-8)",
                e.as_bytes()
                    .get(e.utf8_error().valid_up_to())
                    .copied()
                    .unwrap_or_default()
            ),
        }]))
    })?;
    if text.trim().is_empty() {
        return Err(Error::Scenario(Diagnostics(vec![Diagnostic {
            loc: Some(Loc::whole(path.display().to_string())),
            key: None,
            message: "the file is empty: a scenario needs at least `name`, `base_year`, \
                      `end_year`, [initial], [baseline] and [policy]"
                .into(),
        }])));
    }
    Ok(text)
}

/// The files being loaded, outermost first: the identity (canonical path; the path as
/// named for a pipe, which has none) to detect cycles, and the path as named (for
/// messages).
#[derive(Debug, Default)]
struct Chain {
    files: Vec<(PathBuf, PathBuf)>,
    seen: std::collections::HashSet<PathBuf>,
}

impl Chain {
    /// The cycle that loading `path` (identity `id`) would close, if it would, as the
    /// file names joined by arrows.
    fn cycle_through(&self, id: &Path, path: &Path) -> Option<String> {
        if !self.seen.contains(id) {
            return None;
        }
        let i = self.files.iter().position(|(c, _)| c == id)?;
        let names: Vec<String> = self.files[i..]
            .iter()
            .map(|(_, shown)| shown.display().to_string())
            .chain(std::iter::once(path.display().to_string()))
            .collect();
        Some(names.join(" -> "))
    }

    fn push(&mut self, id: PathBuf, path: &Path) {
        self.seen.insert(id.clone());
        self.files.push((id, path.to_path_buf()));
    }
}

fn cycle_error(loc: &Loc, cycle: &str) -> Error {
    Error::scenario(
        Some(loc),
        "extends",
        format!(
            "`extends` forms a cycle: {cycle} (a scenario cannot extend itself, directly or \
             through others)"
        ),
    )
}

/// The identity of an input file: its canonical path, or, for a file that has none (a
/// pipe such as `/dev/stdin`), the path as named.
fn identity(path: &Path) -> Result<PathBuf> {
    match path.canonicalize() {
        Ok(c) => Ok(c),
        Err(_) if std::fs::metadata(path).is_ok() => Ok(path.to_path_buf()),
        Err(source) => Err(Error::Read {
            path: path.to_path_buf(),
            source,
        }),
    }
}

/// Reads and parses the scenario file `path` (the first of a chain, or the file an
/// `extends` names), recording it in `chain` and telling `seen` about it.
fn read_layer(path: &Path, chain: &mut Chain, seen: &mut impl FnMut(&Path)) -> Result<Table> {
    seen(path);
    if path.is_dir() {
        return Err(Error::Read {
            path: path.to_path_buf(),
            source: std::io::Error::new(
                std::io::ErrorKind::IsADirectory,
                "it is a directory, not a scenario file",
            ),
        });
    }
    let id = identity(path)?;
    if let Some(cycle) = chain.cycle_through(&id, path) {
        return Err(cycle_error(&Loc::whole(path.display().to_string()), &cycle));
    }
    chain.push(id.clone(), path);
    let text = read_text(path)?;
    INPUTS
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .push(id);
    let source = Arc::from(path.display().to_string());
    tree::parse_document(&text, &source).map_err(|d| Error::Scenario(Diagnostics(d)))
}

/// Reads the file `path` and its `extends` chain, one file after the other (no
/// recursion: the chain's length is bounded by [`MAX_EXTENDS`], not by the stack), and
/// merges them. `seen` is told every file as it is reached.
fn walk_chain(path: &Path, chain: &mut Chain, mut seen: impl FnMut(&Path)) -> Result<Table> {
    let first = read_layer(path, chain, &mut seen)?;
    let base_dir = path.parent().unwrap_or(Path::new(".")).to_path_buf();
    follow_extends(first, base_dir, chain, seen)
}

/// Follows the `extends` of `table` (a layer whose relative paths start at `base_dir`)
/// to the root of its chain, then merges the layers, each over the one it extends.
fn follow_extends(
    mut table: Table,
    mut base_dir: PathBuf,
    chain: &mut Chain,
    mut seen: impl FnMut(&Path),
) -> Result<Table> {
    let mut layers = Vec::new();
    while let Some(ext) = table.remove("extends") {
        let parent_path = parent_of(&ext.node, &base_dir, chain)?;
        if chain.files.len() >= MAX_EXTENDS {
            return Err(Error::scenario(
                Some(&ext.node.loc),
                "extends",
                format!(
                    "the `extends` chain of `{}` is longer than {MAX_EXTENDS} files: merge \
                     some of them (each file may extend one other)",
                    chain
                        .files
                        .first()
                        .map_or(String::new(), |f| f.1.display().to_string())
                ),
            ));
        }
        layers.push(table);
        table = read_layer(&parent_path, chain, &mut seen)?;
        base_dir = parent_path.parent().unwrap_or(Path::new(".")).to_path_buf();
    }
    while let Some(child) = layers.pop() {
        tree::merge(&mut table, child);
    }
    Ok(table)
}

/// The file an `extends` value names (relative to `base_dir`), once it is known to be a
/// readable file that closes no cycle.
fn parent_of(node: &tree::Node, base_dir: &Path, chain: &Chain) -> Result<PathBuf> {
    let tree::Value::Str(parent_name) = &node.value else {
        return Err(Error::scenario(
            Some(&node.loc),
            "extends",
            format!(
                "expected a file name (a string such as \"kazakhstan-2026-2028.toml\"), found {}",
                node.value.a_type_name()
            ),
        ));
    };
    let parent_path = base_dir.join(parent_name);
    let problem = if parent_path.is_dir() {
        Some(format!(
            "`{}` is a directory: `extends` names a scenario file (e.g. \
             \"kazakhstan-2026-2028.toml\")",
            parent_path.display()
        ))
    } else if let Err(e) = std::fs::metadata(&parent_path) {
        Some(match std::fs::symlink_metadata(&parent_path) {
            // The name exists but cannot be followed: a loop of links, or a dangling one.
            Ok(_) => format!(
                "`{}` is a symbolic link that leads to no file ({}): fix or remove the link",
                parent_path.display(),
                crate::error::describe_io(&e)
            ),
            Err(_) => format!(
                "cannot find `{}` (paths in `extends` are relative to the file that names them)",
                parent_path.display()
            ),
        })
    } else {
        None
    };
    if let Some(message) = problem {
        return Err(Error::scenario(Some(&node.loc), "extends", message));
    }
    if let Ok(id) = identity(&parent_path)
        && let Some(cycle) = chain.cycle_through(&id, &parent_path)
    {
        return Err(cycle_error(&node.loc, &cycle));
    }
    Ok(parent_path)
}
