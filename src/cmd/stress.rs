//! `fiscalsim stress`: the baseline beside the standard stress tests (and the scenario's
//! own tests from `[stress]`).

use std::path::PathBuf;

use crate::cmd::ScenarioArgs;
use crate::error::{Error, Result};
use crate::output::{Destination, io_error, refuse_overwriting_inputs, write_with};
use crate::stress;

/// Run the standard stress tests: the baseline and each shock (real growth, revenue,
/// interest rate, exchange rate, commodity price, combined, contingent liability, plus
/// the scenario's own tests in `[stress]`). Writes the per-year outputs of every test as
/// one CSV (a `test` column), the summary table (peak and final debt/GDP, worst overall
/// balance, first year above the debt benchmark) to standard error, and as CSV with
/// `--summary`.
///
/// Example: fiscalsim stress scenarios/kazakhstan-stress.toml --out stress.csv --summary stress-summary.csv
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The scenario and its overrides (e.g. `--set stress.interest_rate.size=0.03`).
    #[command(flatten)]
    pub scenario: ScenarioArgs,
    /// Write the per-year CSV to this file (atomically) instead of standard output.
    #[arg(long, value_name = "PATH")]
    pub out: Option<PathBuf>,
    /// Also write the summary table as CSV to this file (`-` for standard output).
    #[arg(long, value_name = "PATH")]
    pub summary: Option<PathBuf>,
    /// Also draw the debt/GDP paths of the baseline and every test on one panel, as SVG.
    #[arg(long, value_name = "PATH")]
    pub chart: Option<PathBuf>,
    /// Debt/GDP benchmark of the summary, a fraction (0.7 = 70 % of GDP); overrides
    /// `[stress] benchmark`.
    #[arg(long, value_name = "RATIO")]
    pub benchmark: Option<f64>,
    /// Run only these tests (comma-separated names, e.g. `interest_rate,combined`); the
    /// baseline is always included.
    #[arg(long, value_name = "NAMES", value_delimiter = ',')]
    pub only: Vec<String>,
    /// Do not print the summary table on standard error.
    #[arg(long)]
    pub quiet: bool,
}

/// Runs `stress`.
pub(crate) fn run(args: &Args) -> Result<()> {
    if let Some(b) = args.benchmark
        && !(b.is_finite() && b > 0.0)
    {
        return Err(Error::usage(
            "--benchmark",
            format!("must be a debt/GDP ratio above 0 (0.7 means 70 %), found {b}"),
        ));
    }
    let dest = Destination::from_option(args.out.as_deref());
    let summary_dest = args
        .summary
        .as_deref()
        .map(|p| Destination::from_option(Some(p)));
    if dest == Destination::Stdout && summary_dest == Some(Destination::Stdout) {
        return Err(Error::usage(
            "--summary",
            "the per-year CSV already goes to standard output: give --out PATH, or a file \
             for --summary",
        ));
    }
    if let (Destination::File(a), Some(Destination::File(b))) = (&dest, &summary_dest)
        && a == b
    {
        return Err(Error::usage(
            "--summary",
            "is the same file as --out: give two different paths",
        ));
    }
    refuse_overwriting_inputs(&dest, &[&args.scenario.file], "--out")?;
    if let Some(d) = &summary_dest {
        refuse_overwriting_inputs(d, &[&args.scenario.file], "--summary")?;
    }
    let chart_dest = args
        .chart
        .as_deref()
        .map(|p| Destination::from_option(Some(p)));
    if let Some(d) = &chart_dest {
        refuse_overwriting_inputs(d, &[&args.scenario.file], "--chart")?;
    }
    let sc = args.scenario.load()?;
    let data = stress::data_files(&sc);
    refuse_overwriting_inputs(&dest, &data, "--out")?;
    if let Some(d) = &summary_dest {
        refuse_overwriting_inputs(d, &data, "--summary")?;
    }
    let result = stress::run_only(&sc, args.benchmark, &args.only)?;
    write_with(&dest, |w| {
        stress::write_paths_csv(w, &sc.name, &result).map_err(|e| io_error(&dest, e))
    })?;
    if let Some(d) = &summary_dest {
        write_with(d, |w| {
            stress::write_summary_csv(w, &sc.name, &result).map_err(|e| io_error(d, e))
        })?;
    }
    if let Some(d) = &chart_dest {
        let svg = stress::debt_chart(&sc, &result, crate::chart::Size::default())?;
        write_with(d, |w| {
            w.write_all(svg.as_bytes()).map_err(|e| io_error(d, e))
        })?;
    }
    if !args.quiet {
        eprint!("{}", stress::summary_table(&sc.name, &result));
    }
    Ok(())
}
