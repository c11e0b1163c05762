//! `fiscalsim run`: the projection of a scenario as CSV, deterministic or, with `--draws`
//! or `--mc`, the Monte Carlo distribution (fan-chart statistics per year and variable).

use std::io::IsTerminal;
use std::path::PathBuf;

use crate::cmd::ScenarioArgs;
use crate::decompose::{self, decompose};
use crate::error::{Error, Result};
use crate::metric::Event;
use crate::model::{Model, Year, output_index, project};
use crate::montecarlo::engine::for_each_year;
use crate::montecarlo::probability;
use crate::montecarlo::samples::SampleSpec;
use crate::montecarlo::summarize_run;
use crate::output::{
    Destination, io_error, refuse_overwriting_inputs, write_projection_csv, write_with,
};
use crate::scenario::Scenario;
use crate::scenario::probabilities::Probability;
use crate::summary::{RunSummary, overflow_warning, write_summary_csv};
use crate::view::View;

/// Run a scenario and write the projection as CSV: one row per year, `scenario,year`,
/// then every canonical output of MODEL.md. With `--draws N` (or `--mc`, which takes
/// draws and seed from `[montecarlo]`), run N Monte Carlo draws instead and write one row
/// per (year, variable): `scenario,year,variable,mean,sd,p05,...,p95,broken_draws`.
///
/// Examples:
///   fiscalsim run scenarios/kazakhstan-2026-2028.toml --out flagship.csv
///   fiscalsim run scenarios/kazakhstan-2026-2040.toml --draws 100000 --seed 7 --out fan.csv
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The scenario and its overrides.
    #[command(flatten)]
    pub scenario: ScenarioArgs,
    /// Write the CSV to this file (atomically) instead of standard output.
    #[arg(long, value_name = "PATH")]
    pub out: Option<PathBuf>,
    /// Append the growth and debt-dynamics decompositions (`growth_from_*`,
    /// `debt_gdp_change`, `debt_from_*` columns; see docs/compare.md). Deterministic runs.
    #[arg(long)]
    pub decompose: bool,
    /// Monte Carlo: simulate N draws of the shock process (and of `[uncertainty]`) and
    /// write fan-chart statistics instead of the deterministic projection.
    #[arg(long, value_name = "N", value_parser = crate::cmd::parse_draws)]
    pub draws: Option<u64>,
    /// Monte Carlo with the draws and seed of the scenario's `[montecarlo]` section
    /// (`--draws` and `--seed` still override them).
    #[arg(long)]
    pub mc: bool,
    /// Seed of the random streams (default: `[montecarlo] seed`, else 1). The same seed
    /// gives the same bytes, whatever the thread count.
    #[arg(long, value_name = "S")]
    pub seed: Option<u64>,
    /// Worker threads (default: all cores). Never changes the results.
    #[arg(long, value_name = "K")]
    pub threads: Option<usize>,
    /// Write raw per-draw paths to this CSV (long format: scenario,year,draw,broken,VARS),
    /// streamed year by year.
    #[arg(long, value_name = "PATH")]
    pub samples_out: Option<PathBuf>,
    /// Outputs written by `--samples-out`: comma-separated canonical names, or `all`.
    #[arg(
        long,
        value_name = "LIST",
        default_value = "debt_gdp,real_growth,overall_balance_gdp"
    )]
    pub samples_vars: String,
    /// Number of draws written by `--samples-out` (the first ones; at most `--draws`).
    #[arg(long, value_name = "M", default_value_t = 1000)]
    pub samples_draws: u64,
    /// The probability of an event over the draws, e.g. `--prob 'debt_gdp@..2040 > 0.6'`
    /// (ever above 60 % by 2040) or `--prob 'mean(real_growth@2026..2028) >= 0.053'`.
    /// Repeatable; added to the scenario's `[[montecarlo.probabilities]]`.
    #[arg(long = "prob", value_name = "EVENT", value_parser = parse_event)]
    pub prob: Vec<Event>,
    /// Write the probabilities as CSV to this file (without it they go to standard error).
    #[arg(long, value_name = "PATH")]
    pub prob_out: Option<PathBuf>,
    /// Keep these variables only (comma-separated output names): columns of the
    /// projection, rows of a Monte Carlo summary. For people; the default is every output.
    #[arg(long, value_name = "LIST", value_delimiter = ',')]
    pub vars: Vec<String>,
    /// Round every number to N significant digits (1 to 17), for people; the default
    /// CSV is exact (the shortest decimal that reads back as the same binary value).
    #[arg(long, value_name = "N")]
    pub precision: Option<usize>,
}

fn parse_event(s: &str) -> std::result::Result<Event, String> {
    s.parse()
}

/// Writes a table through the `--vars`/`--precision` view (directly when there is none).
fn write_view(
    dest: &Destination,
    view: &View,
    fill: impl FnOnce(&mut dyn std::io::Write) -> Result<()>,
) -> Result<()> {
    if view.is_identity() {
        return write_with(dest, fill);
    }
    let mut buf: Vec<u8> = Vec::new();
    fill(&mut buf)?;
    let text = String::from_utf8(buf).map_err(|e| Error::Internal(e.to_string()))?;
    let text = view.apply(&text)?;
    write_with(dest, |w| {
        w.write_all(text.as_bytes()).map_err(|e| io_error(dest, e))
    })
}

impl Args {
    /// The `--vars`/`--precision` view of the table.
    fn view(&self) -> View {
        View {
            vars: self.vars.iter().map(|v| v.trim().to_string()).collect(),
            precision: self.precision,
        }
    }

    /// Whether this is a Monte Carlo run.
    fn monte_carlo(&self) -> bool {
        self.mc || self.draws.is_some()
    }
}

/// Runs `run`.
pub(crate) fn run(args: &Args) -> Result<()> {
    let dest = Destination::from_option(args.out.as_deref());
    refuse_overwriting_inputs(&dest, &[&args.scenario.file], "--out")?;
    if !args.monte_carlo() {
        for (given, flag) in [
            (args.seed.is_some(), "--seed"),
            (args.threads.is_some(), "--threads"),
            (args.samples_out.is_some(), "--samples-out"),
            (!args.prob.is_empty(), "--prob"),
            (args.prob_out.is_some(), "--prob-out"),
        ] {
            if given {
                return Err(Error::usage(
                    flag,
                    "applies to Monte Carlo runs only: add --draws N, or --mc to use the \
                     scenario's [montecarlo] settings",
                ));
            }
        }
        let sc = args.scenario.load()?;
        let path = project(&sc)?;
        write_view(&dest, &args.view(), |w| {
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
        return Ok(());
    }
    if args.decompose {
        return Err(Error::usage(
            "--decompose",
            "applies to deterministic runs; for the mean decomposition over draws use `fiscalsim \
             chart debt FILE --draws N`",
        ));
    }
    run_monte_carlo(args, &dest)
}

/// Where `--samples-out` writes, if given: not over an input nor the same as `--out`.
fn samples_destination(args: &Args, dest: &Destination) -> Result<Option<Destination>> {
    let samples_dest = args
        .samples_out
        .as_deref()
        .map(|p| Destination::from_option(Some(p)));
    if let Some(sd) = &samples_dest {
        refuse_overwriting_inputs(sd, &[&args.scenario.file], "--samples-out")?;
        if sd == dest {
            return Err(Error::usage(
                "--samples-out",
                "must differ from --out (both would be written to the same place)",
            ));
        }
    }
    Ok(samples_dest)
}

/// Where `--prob-out` writes, if given: not over an input nor `--out`/`--samples-out`.
fn prob_destination(
    args: &Args,
    dest: &Destination,
    samples_dest: Option<&Destination>,
) -> Result<Option<Destination>> {
    let prob_dest = args
        .prob_out
        .as_deref()
        .map(|p| Destination::from_option(Some(p)));
    if let Some(pd) = &prob_dest {
        refuse_overwriting_inputs(pd, &[&args.scenario.file], "--prob-out")?;
        if pd == dest || Some(pd) == samples_dest {
            return Err(Error::usage(
                "--prob-out",
                "must differ from --out and --samples-out",
            ));
        }
    }
    Ok(prob_dest)
}

/// The events whose probabilities are estimated: the scenario's and `--prob`'s; there
/// must be some when `--prob-out` is given (`prob_out`).
fn events(args: &Args, sc: &Scenario, prob_out: bool) -> Result<Vec<Probability>> {
    let mut events = sc.montecarlo.probabilities.clone();
    for e in &args.prob {
        e.check(&sc.years).map_err(|m| Error::usage("--prob", m))?;
        events.push(Probability {
            event: e.clone(),
            label: String::new(),
        });
    }
    if prob_out && events.is_empty() {
        return Err(Error::usage(
            "--prob-out",
            "there are no probabilities to write: add --prob EVENT or [[montecarlo.probabilities]] \
             to the scenario",
        ));
    }
    Ok(events)
}

/// Writes the first draws' raw samples to `sd`, year by year.
fn write_raw_samples(sd: &Destination, sc: &Scenario, spec: &SampleSpec, seed: u64) -> Result<()> {
    write_with(sd, |w| {
        let mut csv = csv::Writer::from_writer(w);
        csv.write_record(spec.header())
            .map_err(|e| io_error(sd, e))?;
        for_each_year(sc, spec.draws, seed, |yd| {
            spec.write_year(&mut csv, &sc.name, yd)
                .map_err(|e| io_error(sd, e))
        })?;
        csv.flush().map_err(|e| io_error(sd, e))
    })
}

/// The estimated probabilities, one line each on stderr.
fn print_probabilities(probabilities: &[probability::EventProbability]) {
    for r in probabilities {
        eprintln!(
            "probability {}{}: {:.4} (Monte Carlo standard error {:.4}, {} draws)",
            r.spec.event,
            if r.spec.label.is_empty() {
                String::new()
            } else {
                format!(" ({})", r.spec.label)
            },
            r.probability(),
            r.standard_error(),
            r.counted
        );
    }
}

fn run_monte_carlo(args: &Args, dest: &Destination) -> Result<()> {
    if args.threads == Some(0) {
        return Err(Error::usage("--threads", "must be at least 1"));
    }
    if args.samples_draws == 0 {
        return Err(Error::usage("--samples-draws", "must be at least 1"));
    }
    let samples_dest = samples_destination(args, dest)?;
    let variables = SampleSpec::parse_variables(&args.samples_vars)
        .map_err(|m| Error::usage("--samples-vars", m))?;

    let prob_dest = prob_destination(args, dest, samples_dest.as_ref())?;

    let sc = args.scenario.load()?;
    let events = events(args, &sc, prob_dest.is_some())?;
    let draws = args.draws.unwrap_or(sc.montecarlo.draws);
    let seed = args.seed.unwrap_or(sc.montecarlo.seed);
    let spec = SampleSpec {
        variables,
        draws: args.samples_draws.min(draws),
    };

    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(args.threads.unwrap_or(0))
        .build()
        .map_err(|e| Error::Internal(format!("cannot start worker threads: {e}")))?;
    let progress = progress_bar(&sc, draws);
    let summary = pool.install(|| -> Result<RunSummary> {
        if let Some(sd) = &samples_dest {
            // The raw samples: the first draws again, year by year (the same draws).
            write_raw_samples(sd, &sc, &spec, seed)?;
        }
        summarize_run(&sc, draws, seed, &sc.montecarlo.quantiles, |n| {
            if let Some(p) = &progress {
                p.inc(n);
            }
        })
    })?;
    let probabilities = if events.is_empty() {
        Vec::new()
    } else {
        pool.install(|| probability::estimate(&sc, draws, seed, &events))?
    };
    if let Some(p) = progress {
        p.finish_and_clear();
    }
    // A reader that stops early (`| head`) is not an error: see `write_with`.
    write_view(dest, &args.view(), |w| {
        write_summary_csv(w, &sc.name, &summary).map_err(|e| io_error(dest, e))
    })?;
    match &prob_dest {
        Some(pd) => write_with(pd, |w| {
            probability::write_csv(w, &sc.name, &probabilities).map_err(|e| io_error(pd, e))
        })?,
        None => {
            print_probabilities(&probabilities);
        }
    }
    if let Some(w) = crate::scenario::plausible::degenerate_monte_carlo(&sc) {
        eprintln!("{w}");
    }
    if let Some(year) = summary.first_broken_year {
        eprintln!(
            "warning: {} of {draws} draws broke down numerically (GDP no longer positive, or debt \
             or a price no longer finite), the first in {year}; each is left out of the statistics \
             from the year it broke down (column broken_draws)",
            summary.broken_draws()
        );
    }
    if let Some(w) = overflow_warning(&summary.overflowed()) {
        eprintln!("{w}");
    }
    if std::io::stderr().is_terminal() {
        eprintln!("{}", mc_summary_line(&sc, &summary, seed));
    }
    Ok(())
}

/// A progress bar on standard error, for runs longer than a moment, on a terminal only.
fn progress_bar(sc: &Scenario, draws: u64) -> Option<indicatif::ProgressBar> {
    let work = draws.saturating_mul(sc.horizon() as u64);
    if work < 2_000_000 || !std::io::stderr().is_terminal() {
        return None;
    }
    // Every group of quantile levels is one more run over the draws.
    let passes = crate::montecarlo::summarize::passes(&sc.montecarlo.quantiles);
    let bar = indicatif::ProgressBar::new(draws.saturating_mul(passes));
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "{prefix} [{bar:30}] {percent} %, {elapsed} (eta {eta})",
    ) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.set_prefix(format!("{draws} draws"));
    Some(bar)
}

/// A one-line human summary of a Monte Carlo run: the final year's debt/GDP fan.
pub(crate) fn mc_summary_line(sc: &Scenario, run: &RunSummary, seed: u64) -> String {
    let (Some(last), Some(d)) = (run.years.last(), output_index("debt_gdp")) else {
        return String::new();
    };
    let st = &last.stats[d];
    let q = |level: f64| {
        run.quantiles
            .iter()
            .position(|&x| (x - level).abs() < 1e-12)
            .map(|i| st.quantiles[i])
    };
    let mut line = format!(
        "{}: {} draws (seed {seed}); in {} debt {:.1} % of GDP on average (sd {:.1} pp)",
        sc.name,
        run.draws,
        last.year,
        100.0 * st.mean,
        100.0 * st.sd
    );
    if let (Some(lo), Some(hi)) = (q(0.05), q(0.95)) {
        line.push_str(&format!(
            ", 90 % band {:.1}-{:.1} %",
            100.0 * lo,
            100.0 * hi
        ));
    }
    line
}

/// A one-line human summary of a deterministic projection: average growth, final
/// debt/GDP and overall balance.
pub(crate) fn summary_line(sc: &Scenario, path: &[Year]) -> String {
    let (Some(first), Some(last), Some(final_year)) =
        (sc.years.first(), path.last(), sc.years.last())
    else {
        return String::new();
    };
    let avg = path.iter().map(|y| y.real_growth).sum::<f64>() / path.len() as f64;
    format!(
        "{}: real growth {:.2} % a year on average {first}-{final_year}; in {final_year} debt \
         {:.1} % of GDP, overall balance {:+.1} % of GDP",
        sc.name,
        100.0 * avg,
        100.0 * last.debt_gdp,
        100.0 * last.overall_balance_gdp
    )
}
