//! `fiscalsim merge`: joins the shard files of a sweep or sensitivity run.

use std::path::PathBuf;

use crate::cmd::sensitivity::{write_indices, write_samples};
use crate::error::{Error, Result};
use crate::output::{Destination, io_error, refuse_overwriting_inputs, write_with};
use crate::sensitivity::Plan;
use crate::sweep::merge;
use crate::sweep::shard::write_table;

/// Join the shard files of one `sweep` or `sensitivity` run (written with --shard i/n)
/// into exactly the output of the unsharded run; for sensitivity, compute the indices.
///
/// Example: fiscalsim merge shards/part-*.csv --out sweep.csv
#[derive(Debug, clap::Args)]
#[command(
    after_long_help = "Example: fiscalsim merge shards/part-*.csv --out sweep.csv\n\nReference: \
                       docs/sweep.md"
)]
pub struct Args {
    /// The shard files, in any order; every shard 1..n of the run exactly once.
    #[arg(value_name = "FILES", required = true)]
    pub files: Vec<PathBuf>,
    /// Write the merged CSV to this file (atomically) instead of standard output.
    #[arg(long, value_name = "PATH")]
    pub out: Option<PathBuf>,
    /// Sensitivity runs: also write the design and the metric at every point.
    #[arg(long, value_name = "PATH")]
    pub samples_out: Option<PathBuf>,
}

/// Runs `merge`.
pub(crate) fn run(args: &Args) -> Result<()> {
    let dest = Destination::from_option(args.out.as_deref());
    let inputs: Vec<&std::path::Path> = args.files.iter().map(PathBuf::as_path).collect();
    refuse_overwriting_inputs(&dest, &inputs, "--out")?;
    if let Some(p) = &args.samples_out {
        refuse_overwriting_inputs(&Destination::File(p.clone()), &inputs, "--samples-out")?;
    }
    let merged = merge(&inputs)?;
    match merged.head.kind.as_str() {
        "sweep" => {
            if args.samples_out.is_some() {
                return Err(Error::usage(
                    "--samples-out",
                    "applies to sensitivity shards; a sweep's output already holds every point",
                ));
            }
            write_with(&dest, |w| {
                write_table(w, &merged.header, &merged.rows).map_err(|e| io_error(&dest, e))
            })
        }
        "sensitivity" => {
            let plan: Plan = serde_json::from_value(merged.head.plan.clone())
                .map_err(|e| Error::usage("FILES", format!("the shards' plan is damaged: {e}")))?;
            plan.validate().map_err(|e| {
                Error::usage("FILES", format!("the shards' plan is not valid: {e}"))
            })?;
            if merged.rows.len() != plan.evaluations() {
                return Err(Error::usage(
                    "FILES",
                    format!(
                        "the shards hold {} points but their plan has {}",
                        merged.rows.len(),
                        plan.evaluations()
                    ),
                ));
            }
            let y = merged
                .rows
                .iter()
                .enumerate()
                .map(|(k, r)| {
                    r.last().and_then(|v| v.parse::<f64>().ok()).ok_or_else(|| {
                        Error::usage("FILES", format!("point {k} has no metric value"))
                    })
                })
                .collect::<Result<Vec<f64>>>()?;
            if let Some(p) = &args.samples_out {
                write_samples(p, &merged.header, &merged.rows)?;
            }
            write_indices(&plan, &y, &dest)
        }
        other => Err(Error::usage(
            "FILES",
            format!("unknown kind of shard `{other}`"),
        )),
    }
}
