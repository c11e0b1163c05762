//! The command-line interface: one module per subcommand, each with its clap `Args` and
//! a `run` function. `src/main.rs` only parses the arguments and calls [`main`].

pub(crate) mod backtest;
pub(crate) mod calibrate;
pub(crate) mod chart;
pub(crate) mod compare;
pub(crate) mod merge;
pub(crate) mod report;
pub(crate) mod resolve;
pub(crate) mod run;
pub(crate) mod sensitivity;
#[cfg(feature = "serve")]
pub(crate) mod serve;
pub(crate) mod solve;
pub(crate) mod stress;
pub(crate) mod sweep;
pub(crate) mod verify;

use clap::{Parser, Subcommand};

use crate::error::Result;
use crate::scenario::Override;

/// fiscalsim: budget and growth scenario simulator.
///
/// Projects real and nominal GDP and the public budget year by year from a scenario
/// file (TOML), deterministically or as a Monte Carlo distribution.
///
/// Example: fiscalsim run scenarios/kazakhstan-2026-2028.toml
#[derive(Debug, Parser)]
#[command(name = "fiscalsim", version, long_version = long_version(), about, long_about)]
pub struct Cli {
    /// The subcommand.
    #[command(subcommand)]
    pub command: Command,
}

/// `fiscalsim --version`: the version, and the instruction set of the Monte Carlo kernels
/// (the one `FISCALSIM_KERNEL` names, else the best this CPU has) with the others it has.
fn long_version() -> &'static str {
    use crate::lanes::Kernel;
    static TEXT: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    TEXT.get_or_init(|| {
        let kernel = match Kernel::from_env() {
            Ok(Some(k)) => k.name().to_string(),
            Ok(None) => Kernel::best().name().to_string(),
            Err(e) => format!("{} (not as asked: {e})", Kernel::best().name()),
        };
        let all: Vec<&str> = Kernel::available().map(Kernel::name).collect();
        format!(
            "{}\nkernel: {kernel} (this CPU can run: {})",
            env!("CARGO_PKG_VERSION"),
            all.join(", ")
        )
    })
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Estimate the `[shocks]` block (sd, correlation, persistence) from annual history.
    ///
    /// Builds MODEL.md's six shock series from data columns (`--map`), estimates one
    /// AR(1) per shock or a VAR(1) (`--var`) by least squares, and writes a `[shocks]`
    /// block commented with the window, the estimates and their standard errors.
    ///
    /// Example: fiscalsim calibrate data/kazakhstan_macro_annual.csv --potential local-level --level-from 2000 --prices random-walk --out scenarios/kazakhstan-shocks.toml
    Calibrate(calibrate::Args),
    /// Backtest the fan charts against history: rolling-origin hindcasts, scored.
    ///
    /// For each origin year T0: the shocks calibrated on data up to T0, the scenario
    /// built at T0 from what was known then, its Monte Carlo scored against the outcomes
    /// at horizons 1..H: coverage of the 50 % and 90 % bands (Wilson intervals), PIT
    /// histogram, CRPS against a naive forecast. Writes one CSV row per variable and
    /// horizon (docs/backtest.md).
    ///
    /// Example (the shipped calibration): fiscalsim backtest data/kazakhstan_macro_annual.csv --potential local-level --prices random-walk --out backtest.csv
    Backtest(backtest::Args),
    /// Print the resolved scenario (after extends, --set and interpolation) as JSON.
    ///
    /// Every path is expanded to one number per projection year, spending is converted
    /// to shares of GDP and every default is filled: the shape of MODEL.md's "resolved
    /// scenario", so that any other tool can rerun it.
    ///
    /// Example: fiscalsim resolve scenarios/kazakhstan-no-reform.toml --set end_year=2030
    Resolve(resolve::Args),
    /// Run a scenario: the projection as CSV, one row per year, or Monte Carlo fan charts.
    ///
    /// Writes `scenario,year`, then every canonical output of MODEL.md (levels in the
    /// scenario's currency unit, `*_gdp` and rates as fractions). On a terminal a
    /// one-line summary goes to standard error. With `--draws N` (or `--mc`), simulates N
    /// draws of the shocks and of `[uncertainty]` and writes one row per (year, variable):
    /// `scenario,year,variable,mean,sd,p05,...,p95,broken_draws` (exact type-7 quantiles);
    /// `--prob EVENT` adds probabilities, `--samples-out` raw draws (docs/montecarlo.md).
    ///
    /// Example: fiscalsim run scenarios/kazakhstan-2026-2028.toml --out flagship.csv
    ///
    /// Example: fiscalsim run scenarios/kazakhstan-2026-2040.toml --draws 100000 --seed 7
    /// --prob 'debt_gdp@..2040 > 0.3' --prob-out prob.csv --out fan.csv
    Run(run::Args),
    /// Standard stress tests: the baseline beside growth, revenue, interest-rate,
    /// exchange-rate, commodity-price, combined and contingent-liability shocks.
    ///
    /// Shocks are innovations of MODEL.md's shock process, carried on by the scenario's
    /// persistence; sizes, timing and user-defined tests come from `[stress]`. Writes the
    /// per-year outputs of every test (a `test` column) and a summary: peak and final
    /// debt/GDP, worst overall balance, first year above a debt benchmark.
    ///
    /// Example: fiscalsim stress scenarios/kazakhstan-stress.toml --out stress.csv --summary stress-summary.csv
    Stress(stress::Args),
    /// Goal-seek: the value of one parameter at which a target (deterministic or Monte
    /// Carlo) holds with equality at the boundary.
    ///
    /// Brackets the boundary within `--within` and narrows it; Monte Carlo targets use
    /// the same seed at every evaluation (common random numbers). Reports the value, the
    /// metric there and the evaluations, or that the target holds at both or neither end.
    ///
    /// Example: fiscalsim solve scenarios/kazakhstan-2026-2040.toml --adjust policy.revenue_gdp --within 0.08:0.14 --target 'prob(debt_gdp@2040 <= 0.2) >= 0.9' --draws 5000
    Solve(solve::Args),
    /// Compare scenarios or outputs: aligned CSV with differences, or a tolerance check.
    ///
    /// Inputs are scenario files (run on the spot), `run` CSVs or Monte Carlo summary
    /// CSVs. Writes `year,variable[,stat]`, one column per input, then `diff_<input>` and
    /// `rel_<input>` against the first. Inputs that do not line up are an error unless
    /// `--union`. With `--tolerance`/`--rtol`: exit 0 within tolerance, 1 when differences
    /// are found (the worst are listed), 2 for bad input, like `diff`.
    ///
    /// Example: fiscalsim compare scenarios/kazakhstan-no-reform.toml scenarios/kazakhstan-2026-2028.toml --decompose --out compare.csv
    Compare(compare::Args),
    /// Draw a chart as SVG: fan, lines, tornado, debt or growth decomposition.
    ///
    /// Rates and shares are drawn in percent, levels in the scenario's currency; the
    /// SVG needs no fonts or system libraries.
    ///
    /// Example: fiscalsim chart lines scenarios/kazakhstan-no-reform.toml scenarios/kazakhstan-2026-2028.toml --variable debt_gdp --out debt.svg
    Chart(chart::Args),
    /// Write a self-contained HTML report of one or more scenarios.
    ///
    /// Key results, differences from the first scenario, charts, growth and debt
    /// decompositions and every assumption, in one file with inline SVG and CSS (no
    /// script, no network) to send by e-mail.
    ///
    /// Example: fiscalsim report scenarios/kazakhstan-no-reform.toml scenarios/kazakhstan-2026-2028.toml --out report.html
    Report(report::Args),
    /// Evaluate metrics over a grid or Latin hypercube of inputs: one CSV row per point.
    ///
    /// Each `--vary ADDRESS=SPEC` (same addresses as `--set`; SPEC `a:b:step`, `a:b/N`
    /// points, or `a,b,c`) adds a grid dimension; `--design lhs --samples N` draws a Latin
    /// hypercube instead. Metrics: `debt_gdp@2040`, `mean(real_growth@2026..2028)`, and
    /// with `--draws N` (common random numbers at every point) `p90(...)`, `prob(... > x)`.
    ///
    /// Example: fiscalsim sweep scenarios/kazakhstan-2026-2028.toml
    /// --vary structure.spending_multiplier=0.2:0.8/4 --vary 'policy.growth_spending_share.2028=0.15,0.2'
    /// --metric 'mean(real_growth@2026..2028)' --metric debt_gdp@2028 --out sweep.csv
    Sweep(sweep::Args),
    /// Global sensitivity of a metric: one-at-a-time (tornado), Morris or Sobol' indices.
    ///
    /// Ranges come from `--vary ADDRESS=LO:HI` (or the scenario's `[sweep]` table), the
    /// output from one `--metric`; `--method oat|morris|sobol` (default sobol, with
    /// bootstrap confidence half-widths).
    ///
    /// Example: fiscalsim sensitivity scenarios/kazakhstan-2026-2040-sweep.toml --method oat --out tornado.csv
    Sensitivity(sensitivity::Args),
    /// Join the shard files of a sweep or sensitivity run (--shard i/n).
    ///
    /// The merged file is byte-identical to the unsharded run; every shard 1..n must be
    /// given once (in any order).
    ///
    /// Example: fiscalsim merge part-*.csv --out sweep.csv
    Merge(merge::Args),
    /// Check an output against its provenance record: re-run the recorded command line
    /// and compare the bytes (exit 0 match, 1 mismatch, 2 bad input).
    ///
    /// Every output file `OUT` gets `OUT.meta.json` beside it: the fiscalsim version, the
    /// command line, the SHA-256 of every input (the whole `extends` chain, data files),
    /// the `--set` values, seed, draws, quantiles and the time.
    ///
    /// Example: fiscalsim verify fan.csv
    Verify(verify::Args),
    /// Serve a scenario as a local web page: fan charts, key figures, one slider per lever.
    ///
    /// Moving a slider re-runs the Monte Carlo with the same seed and redraws the fans
    /// over the scenario's own median; "Download scenario" gives a file that `extends`
    /// the scenario with the chosen values. Levers: the `[sweep.vary]` table or
    /// `--lever ADDRESS=LO:HI`. Listens on 127.0.0.1 (docs/serve.md).
    ///
    /// Example: fiscalsim serve scenarios/kazakhstan-2026-2040-sweep.toml --open
    #[cfg(feature = "serve")]
    Serve(serve::Args),
}

impl Command {
    /// The output-file flags of this command: (flag, whether it writes a table, its
    /// value). Standard output is `None` or `-`.
    fn output_slots(&mut self) -> Vec<(&'static str, bool, &mut Option<std::path::PathBuf>)> {
        match self {
            Command::Calibrate(a) => vec![("--out", false, &mut a.out)],
            Command::Resolve(a) => vec![("--out", false, &mut a.out)],
            Command::Run(a) => vec![
                ("--out", true, &mut a.out),
                ("--prob-out", true, &mut a.prob_out),
                ("--samples-out", true, &mut a.samples_out),
            ],
            Command::Stress(a) => vec![
                ("--out", true, &mut a.out),
                ("--summary", true, &mut a.summary),
                ("--chart", false, &mut a.chart),
            ],
            Command::Solve(a) => vec![("--out", true, &mut a.out)],
            Command::Compare(a) => vec![("--out", true, &mut a.out)],
            Command::Chart(a) => vec![("--out", false, &mut a.out)],
            Command::Report(a) => vec![("--out", false, &mut a.out)],
            Command::Sweep(a) => vec![("--out", true, &mut a.out)],
            Command::Sensitivity(a) => vec![
                ("--out", true, &mut a.out),
                ("--samples-out", true, &mut a.samples_out),
            ],
            Command::Merge(a) => vec![
                ("--out", true, &mut a.out),
                ("--samples-out", true, &mut a.samples_out),
            ],
            Command::Backtest(a) => vec![
                ("--out", true, &mut a.out),
                ("--cases", true, &mut a.cases),
                ("--chart", false, &mut a.chart),
            ],
            Command::Verify(_) => vec![],
            #[cfg(feature = "serve")]
            Command::Serve(_) => vec![],
        }
    }
}

/// Options shared by every command that loads a scenario.
#[derive(Debug, Clone, clap::Args)]
pub struct ScenarioArgs {
    /// The scenario file (TOML).
    pub file: std::path::PathBuf,
    /// Override a value, e.g. `--set structure.spending_multiplier=0.6`,
    /// `--set 'policy.revenue_gdp={2026=0.16}'`, `--set end_year=2055`; a year two ways:
    /// `policy.growth_spending_share@2028=0.2` changes 2028 alone,
    /// `policy.growth_spending_share.2028=0.2` sets the 2028 key of the year-keyed table
    /// (the target the years around it are interpolated towards). Repeatable; applied in
    /// order after `extends`. `--set allow_extreme=true` admits values beyond the
    /// plausible ranges (e.g. hyperinflation).
    #[arg(long = "set", value_name = "KEY=VALUE", value_parser = parse_override)]
    pub set: Vec<Override>,
}

impl ScenarioArgs {
    /// Loads and resolves the scenario.
    pub fn load(&self) -> Result<crate::scenario::Scenario> {
        crate::scenario::load(&self.file, &self.set)
    }
}

pub(crate) fn parse_override(s: &str) -> std::result::Result<Override, String> {
    s.parse()
}

/// The value parser of every `--draws N` flag: a whole number of Monte Carlo draws from 1
/// to [`crate::scenario::MAX_DRAWS`] (as `[montecarlo] draws` in a scenario).
pub fn parse_draws(s: &str) -> std::result::Result<u64, String> {
    let max = crate::scenario::MAX_DRAWS;
    match s.trim().parse::<u64>() {
        Ok(n) if (1..=max).contains(&n) => Ok(n),
        Ok(n) => Err(format!(
            "{n} draws: give a whole number of draws from 1 to {max}"
        )),
        Err(_) => Err(format!(
            "`{s}` is not a number of draws: give a whole number from 1 to {max}, e.g. --draws 10000"
        )),
    }
}

/// Runs the parsed command line; returns the process exit code (0 ok, 2 user error,
/// 1 internal error). Errors are printed to standard error.
pub fn main(cli: Cli) -> i32 {
    crate::interrupt::install();
    match crate::lanes::Kernel::from_env() {
        Ok(Some(kernel)) => {
            kernel.choose();
        }
        Ok(None) => {}
        Err(e) => {
            eprintln!("error: {e}");
            return 2;
        }
    }
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = run_recorded(cli.command, &args);
    match result {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("error: {e}");
            e.exit_code()
        }
    }
}

/// Runs a command given on the command line `args` (after the program name) and writes
/// the provenance record of each output file it wrote.
pub fn run_recorded(mut command: Command, args: &[String]) -> Result<()> {
    let mut tmp: Option<tempfile::TempDir> = None;
    let mut outputs = Vec::new();
    let mut workbooks = Vec::new();
    for (flag, table, slot) in command.output_slots() {
        let Some(path) = slot.clone().filter(|p| p.as_os_str() != "-") else {
            continue;
        };
        if path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("xlsx"))
        {
            check_workbook(flag, table)?;
            if tmp.is_none() {
                tmp = Some(tempfile::tempdir().map_err(|e| crate::error::Error::Write {
                    path: std::env::temp_dir(),
                    message: format!("cannot make a directory for the workbook's table: {e}"),
                })?);
            }
            let dir = tmp.as_ref().map_or(std::path::Path::new("."), |t| t.path());
            let csv = dir.join(format!("{}.csv", workbooks.len()));
            *slot = Some(csv.clone());
            let name = match flag {
                "--out" => args.first().map_or("table", String::as_str),
                other => other.trim_start_matches('-'),
            };
            workbooks.push((csv, path.clone(), name.to_string()));
        }
        outputs.push(path);
    }
    dispatch(command)?;
    #[cfg(feature = "xlsx")]
    for (csv, out, name) in &workbooks {
        crate::xlsx::convert(csv, out, name, args)?;
    }
    let written: Vec<std::path::PathBuf> = outputs.into_iter().filter(|p| p.is_file()).collect();
    crate::provenance::write_records(args, &written)
}

/// Refuses an `.xlsx` output where it cannot be one: a chart, a report, a scenario or
/// JSON, or a build without the `xlsx` feature.
fn check_workbook(flag: &str, table: bool) -> Result<()> {
    if !table {
        return Err(crate::error::Error::usage(
            flag,
            "an Excel workbook holds tables: this output is not a table (write .svg, .html, \
             .toml or .json); tables of `run`, `stress`, `compare`, `sweep`, `sensitivity`, \
             `solve` and `merge` can be written as .xlsx",
        ));
    }
    if cfg!(feature = "xlsx") {
        Ok(())
    } else {
        Err(crate::error::Error::usage(
            flag,
            "this fiscalsim was built without Excel support: rebuild with the default \
             feature `xlsx`, or write CSV",
        ))
    }
}

/// Runs a parsed command.
pub(crate) fn dispatch(command: Command) -> Result<()> {
    match command {
        Command::Calibrate(args) => calibrate::run(&args),
        Command::Backtest(args) => backtest::run(&args),
        Command::Resolve(args) => resolve::run(&args),
        Command::Run(args) => run::run(&args),
        Command::Stress(args) => stress::run(&args),
        Command::Solve(args) => solve::run(&args),
        Command::Compare(args) => compare::run(&args),
        Command::Chart(args) => chart::run(&args),
        Command::Report(args) => report::run(&args),
        Command::Sweep(args) => sweep::run(&args),
        Command::Sensitivity(args) => sensitivity::run(&args),
        Command::Merge(args) => merge::run(&args),
        Command::Verify(args) => verify::run(&args),
        #[cfg(feature = "serve")]
        Command::Serve(args) => serve::run(&args),
    }
}
