//! # fiscalsim
//!
//! A budget and growth scenario simulator. From a scenario file it projects real and
//! nominal GDP and the public budget (revenue, growth-stimulating spending, other
//! spending, interest, balances, debt) year by year, following the model specified in
//! `docs/MODEL.md` (version 2, which keeps version 1 to the bit; `docs/model.md` describes
//! how fiscalsim reads it) with its canonical names.
//!
//! The library is usable without the command line:
//!
//! ```no_run
//! use std::path::Path;
//! let sc = fiscalsim::scenario::load(Path::new("scenarios/kazakhstan-2026-2028.toml"), &[])?;
//! let path = fiscalsim::model::project(&sc)?;
//! for (year, y) in sc.years.iter().zip(&path) {
//!     println!("{year}: growth {:.2} %, debt {:.1} % of GDP", 100.0 * y.real_growth, 100.0 * y.debt_gdp);
//! }
//! # Ok::<(), fiscalsim::Error>(())
//! ```
//!
//! Modules follow the concepts of the model:
//! - [`backtest`]: rolling-origin hindcasts scoring the fan charts against history;
//! - [`calibrate`]: estimating the shock process from annual history;
//! - [`scenario`]: the scenario file format, inheritance, overrides, validation, and the
//!   resolved [`scenario::Scenario`];
//! - [`model`]: the one step function of the economics, and the compiled [`model::Model`];
//! - [`shocks`]: the shock process (correlation, Cholesky factor, persistence);
//! - `lanes` (crate-private): the step on eight draws at once, with portable exp and ln;
//! - [`montecarlo`]: reproducible parallel draws through the same step function;
//! - [`chart`]: SVG fan, line, tornado and decomposition charts;
//! - [`compare`]: inputs aligned on (year, variable, stat) with differences and tolerances;
//! - [`decompose`]: growth and debt-dynamics decompositions of a path;
//! - [`report`]: the self-contained HTML report;
//! - [`summary`]: streaming per-year statistics of draws (mean, sd, exact type-7 quantiles);
//! - [`metric`]: the expression language of metrics and events (`p90(debt_gdp@2040)`), the
//!   public face of `expr`;
//! - `expr` (crate-private): the grammar of that language (types, parser, evaluation), a
//!   leaf that depends only on `canonical`, `stats` and [`error`]'s spelling hint, so that
//!   scenario files' events and Monte Carlo probabilities and metrics need not reach up to
//!   the metric layer;
//! - `canonical` (crate-private): the names of the canonical outputs and the trait a metric
//!   reads them through ([`metric::Outputs`]), shared by the model and the metric language
//!   (so that scenario files' events need not reach up to the model, nor the model to the
//!   metric language);
//! - `stats` (crate-private): mean, standard deviation and type-7 quantiles of a sample;
//! - [`output`]: atomic output files and CSV writers;
//! - [`solve`]: goal-seek, the parameter value at which a target starts to hold;
//! - [`stress`]: standard stress tests (growth, revenue, interest, exchange rate,
//!   commodity price, combined, contingent liability) and user-defined ones;
//! - `interrupt`: Ctrl-C and SIGTERM remove unfinished output files;
//! - [`cmd`]: the subcommands of the `fiscalsim` binary.
//!
//! Units: levels are in the scenario's currency unit (e.g. KZT trillion; real GDP in
//! base-year prices); rates and every `*_gdp` value are fractions (0.053 = 5.3 %).

#![deny(missing_docs)]

pub mod backtest;
pub mod calibrate;
mod canonical;
pub mod chart;
pub mod cmd;
pub mod compare;
pub mod decompose;
pub mod error;
mod expr;
pub(crate) mod interrupt;
pub(crate) mod lanes;
pub mod metric;
pub mod model;
pub mod montecarlo;
mod number;
pub mod output;
pub(crate) mod provenance;
pub mod report;
pub mod scenario;
pub mod sensitivity;
#[cfg(feature = "serve")]
pub(crate) mod serve;
pub mod shocks;
pub mod solve;
mod stats;
pub mod stress;
pub mod summary;
pub mod sweep;
#[cfg(any(test, feature = "bench"))]
#[doc(hidden)]
pub mod testing;
pub(crate) mod view;
#[cfg(feature = "xlsx")]
pub(crate) mod xlsx;

pub use error::{Error, Result};
pub use lanes::{Kernel, KernelError};
