//! `fiscalsim resolve`: the scenario exactly as the simulator will use it.

use std::io::Write;
use std::path::PathBuf;

use crate::cmd::ScenarioArgs;
use crate::error::Result;
use crate::output::{Destination, io_error, refuse_overwriting_inputs, write_with};

/// Print the resolved scenario as JSON: every path expanded to one number per year,
/// spending in shares of GDP, every default filled (the shape of MODEL.md).
///
/// Example: fiscalsim resolve scenarios/kazakhstan-no-reform.toml --set end_year=2030
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The scenario and its overrides.
    #[command(flatten)]
    pub scenario: ScenarioArgs,
    /// Write the JSON to this file instead of standard output.
    #[arg(long, value_name = "PATH")]
    pub out: Option<PathBuf>,
}

/// Runs `resolve`.
pub(crate) fn run(args: &Args) -> Result<()> {
    let dest = Destination::from_option(args.out.as_deref());
    refuse_overwriting_inputs(&dest, &[&args.scenario.file], "--out")?;
    let sc = args.scenario.load()?;
    let json = sc.to_json();
    write_with(&dest, |w: &mut dyn Write| {
        writeln!(w, "{json}").map_err(|e| io_error(&dest, e))
    })
}
