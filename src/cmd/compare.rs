//! `fiscalsim compare`: several scenarios or outputs aligned in one CSV, with differences
//! against the first, and a tolerance check for golden outputs.

use std::path::{Path, PathBuf};

use crate::cmd::parse_override;
use crate::compare::{
    Table, align, check_only, is_scenario_file, parse_years, read_csv, run_scenario,
    run_scenario_draws,
};
use crate::error::{Error, Result};
use crate::output::{Destination, io_error, refuse_overwriting_inputs, write_with};
use crate::scenario::Override;

/// Compare scenarios or outputs: one aligned CSV `year,variable[,stat]`, one column per
/// input, then `diff_<input>` (absolute) and `rel_<input>` (relative) against the first.
///
/// Each input is a scenario file (`.toml`, run deterministically on the spot), a CSV of
/// `fiscalsim run` (with or without `--decompose`), or a Monte Carlo summary CSV
/// (`scenario,year,variable,mean,sd,p05,...`; the `stat` column then names the statistic).
///
/// With `--tolerance`/`--rtol` the command is a check, like `diff`: exit 0 when every
/// difference is within `tolerance + rtol * |first|`, exit 1 (listing the worst rows)
/// otherwise; bad input is exit 2.
///
/// Example: fiscalsim compare scenarios/kazakhstan-no-reform.toml scenarios/kazakhstan-2026-2028.toml --decompose --out compare.csv
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The inputs: scenario files (.toml) or CSVs; the first is the reference.
    #[arg(required = true, num_args = 2.., value_name = "FILE")]
    pub inputs: Vec<PathBuf>,
    /// Write the CSV to this file (atomically) instead of standard output. In check mode
    /// (--tolerance/--rtol) the CSV is written only when asked: `--out PATH`, or
    /// `--out -` for standard output.
    #[arg(long, value_name = "PATH")]
    pub out: Option<PathBuf>,
    /// Absolute tolerance (in each variable's unit): check mode, exit 1 when exceeded.
    #[arg(long, value_name = "X")]
    pub tolerance: Option<f64>,
    /// Relative tolerance (0.001 = 0.1 % of the first input's value): check mode.
    #[arg(long, value_name = "X")]
    pub rtol: Option<f64>,
    /// Keep rows present in only some inputs (empty cells) instead of refusing them.
    #[arg(long)]
    pub union: bool,
    /// Add the growth and debt-dynamics decompositions of scenario-file inputs as variables.
    #[arg(long)]
    pub decompose: bool,
    /// Override a value in every scenario-file input (as `run --set`). Repeatable.
    #[arg(long = "set", value_name = "KEY=VALUE", value_parser = parse_override)]
    pub set: Vec<Override>,
    /// Run scenario-file inputs as Monte Carlo summaries of N draws (the `stat` column
    /// then holds mean, sd, the quantiles and broken_draws), all with the same seed.
    #[arg(long, value_name = "N")]
    pub draws: Option<u64>,
    /// Seed of `--draws` for every scenario input (default: the first scenario input's
    /// `[montecarlo] seed`): common random numbers, so differences come from the scenarios.
    #[arg(long, value_name = "S", requires = "draws")]
    pub seed: Option<u64>,
    /// Keep only these variables (comma-separated canonical names or decomposition
    /// columns), e.g. `--only debt_gdp,real_growth`.
    #[arg(long, value_name = "VARS", value_delimiter = ',')]
    pub only: Vec<String>,
    /// Keep only these years: `2030`, `2026..2030` (inclusive) or a comma list of either.
    #[arg(long, value_name = "YEARS", value_parser = parse_year_spans)]
    pub years: Option<YearSpans>,
    /// How many of the worst rows to list when the tolerance is exceeded.
    #[arg(long, value_name = "N", default_value_t = 10)]
    pub show: usize,
}

fn tolerance(flag: &str, v: Option<f64>) -> Result<f64> {
    match v {
        None => Ok(0.0),
        Some(x) if x.is_finite() && x >= 0.0 => Ok(x),
        Some(x) => Err(Error::usage(
            flag,
            format!("{x} is not a tolerance (expected a finite number >= 0, e.g. 1e-9)"),
        )),
    }
}

/// Inclusive year spans of `--years`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YearSpans(pub Vec<(i32, i32)>);

fn parse_year_spans(s: &str) -> std::result::Result<YearSpans, String> {
    parse_years(s).map(YearSpans)
}

/// A tolerance as a user would write it: `0`, `0.01`, `1e-9`.
fn short(x: f64) -> String {
    if x != 0.0 && x.abs() < 1e-3 {
        format!("{x:e}")
    } else {
        x.to_string()
    }
}

/// Loads one input: a scenario file is run, anything else is read as CSV.
pub(crate) fn load_input(path: &Path, set: &[Override], decompose: bool) -> Result<Table> {
    if is_scenario_file(path) {
        run_scenario(path, set, decompose)
    } else {
        read_csv(path)
    }
}

/// Loads the inputs of `compare --draws`: scenario files as Monte Carlo summaries with
/// one seed, CSVs as they are.
fn monte_carlo_inputs(args: &Args, inputs: &[&Path], draws: u64) -> Result<Vec<Table>> {
    if draws == 0 {
        return Err(Error::usage(
            "--draws",
            "must be at least 1, e.g. --draws 10000",
        ));
    }
    if args.decompose {
        return Err(Error::usage(
            "--decompose",
            "applies to deterministic comparisons (without --draws)",
        ));
    }
    let seed = match args.seed {
        Some(s) => s,
        None => match inputs.iter().find(|p| is_scenario_file(p)) {
            Some(first) => crate::scenario::load(first, &args.set)?.montecarlo.seed,
            None => {
                return Err(Error::usage(
                    "--draws",
                    "no input is a scenario file: --draws runs scenario files (CSV inputs are \
                     compared as they are)",
                ));
            }
        },
    };
    inputs
        .iter()
        .map(|p| {
            if is_scenario_file(p) {
                run_scenario_draws(p, &args.set, draws, seed)
            } else {
                read_csv(p)
            }
        })
        .collect()
}

/// Runs `compare`.
pub(crate) fn run(args: &Args) -> Result<()> {
    let atol = tolerance("--tolerance", args.tolerance)?;
    let rtol = tolerance("--rtol", args.rtol)?;
    let dest = Destination::from_option(args.out.as_deref());
    let inputs: Vec<&Path> = args.inputs.iter().map(PathBuf::as_path).collect();
    refuse_overwriting_inputs(&dest, &inputs, "--out")?;
    let mut tables = match args.draws {
        None => inputs
            .iter()
            .map(|p| load_input(p, &args.set, args.decompose))
            .collect::<Result<Vec<_>>>()?,
        Some(draws) => monte_carlo_inputs(args, &inputs, draws)?,
    };
    if let Some(YearSpans(spans)) = &args.years {
        let keep = |y: i32| spans.iter().any(|(a, b)| (*a..=*b).contains(&y));
        for t in &mut tables {
            let years = t.years();
            if !years.iter().any(|y| keep(*y)) {
                return Err(Error::usage(
                    "--years",
                    format!(
                        "no year of `{}` is selected (it has {})",
                        t.source.display(),
                        years
                            .iter()
                            .map(i32::to_string)
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                ));
            }
            t.retain_years(keep);
        }
    }
    if !args.only.is_empty() {
        let only: Vec<String> = args.only.iter().map(|v| v.trim().to_string()).collect();
        check_only(&tables, &only)?;
        for t in &mut tables {
            t.retain_variables(&only);
        }
    }
    let cmp = align(&tables, args.union)?;
    let check = args.tolerance.is_some() || args.rtol.is_some();
    if !check || args.out.is_some() {
        write_with(&dest, |w| cmp.write_csv(w).map_err(|e| io_error(&dest, e)))?;
    }
    if check {
        let excesses = cmp.beyond(atol, rtol);
        if !excesses.is_empty() {
            let compared = cmp.rows.len() * (cmp.labels.len() - 1);
            return Err(Error::Differences(format!(
                "{} of {compared} values differ from `{}` by more than --tolerance {} + --rtol {} \
                 x |value|; worst:\n{}",
                excesses.len(),
                cmp.labels[0],
                short(atol),
                short(rtol),
                cmp.describe_worst(&excesses, args.show)
            )));
        }
    }
    Ok(())
}
