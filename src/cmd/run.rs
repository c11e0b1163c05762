//! `fiscalsim run`: the projection of a scenario as CSV.

use std::io::IsTerminal;
use std::path::PathBuf;

use crate::cmd::ScenarioArgs;
use crate::decompose::{self, decompose};
use crate::error::Result;
use crate::model::{Model, Year, project};
use crate::output::{
    Destination, io_error, refuse_overwriting_inputs, write_projection_csv, write_with,
};
use crate::scenario::Scenario;

/// Run a scenario and write the projection as CSV: one row per year, `scenario,year`,
/// then every canonical output of MODEL.md.
///
/// Example: fiscalsim run scenarios/kazakhstan-2026-2028.toml --out flagship.csv
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The scenario and its overrides.
    #[command(flatten)]
    pub scenario: ScenarioArgs,
    /// Write the CSV to this file (atomically) instead of standard output.
    #[arg(long, value_name = "PATH")]
    pub out: Option<PathBuf>,
    /// Append the growth and debt-dynamics decompositions (`growth_from_*`,
    /// `debt_gdp_change`, `debt_from_*` columns; see docs/compare.md).
    #[arg(long)]
    pub decompose: bool,
}

/// Runs `run`.
pub fn run(args: &Args) -> Result<()> {
    let dest = Destination::from_option(args.out.as_deref());
    refuse_overwriting_inputs(&dest, &[&args.scenario.file], "--out")?;
    let sc = args.scenario.load()?;
    let path = project(&sc)?;
    write_with(&dest, |w| {
        if args.decompose {
            let parts = decompose(&Model::new(&sc), &path, &path);
            decompose::write_csv(w, &sc.name, &sc.years, &path, &parts)
        } else {
            write_projection_csv(w, &sc.name, &sc.years, &path)
        }
        .map_err(|e| io_error(&dest, e))
    })?;
    if std::io::stderr().is_terminal() {
        eprintln!("{}", summary_line(&sc, &path));
    }
    Ok(())
}

/// A one-line human summary of a deterministic projection: average growth, final
/// debt/GDP and overall balance.
pub fn summary_line(sc: &Scenario, path: &[Year]) -> String {
    let (Some(first), Some(last), Some(final_year)) =
        (sc.years.first(), path.last(), sc.years.last())
    else {
        return String::new();
    };
    let avg = path.iter().map(|y| y.real_growth).sum::<f64>() / path.len() as f64;
    format!(
        "{}: real growth {:.2} % a year on average {first}-{final_year}; in {final_year} debt {:.1} % of GDP, overall balance {:+.1} % of GDP",
        sc.name,
        100.0 * avg,
        100.0 * last.debt_gdp,
        100.0 * last.overall_balance_gdp
    )
}
