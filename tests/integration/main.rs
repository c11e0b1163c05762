//! Integration and CLI tests: one test binary, one module per feature, shared helpers in
//! `util`.

mod backtest;
mod bad_inputs;
mod calibrate;
mod charts;
mod compare;
mod engine;
mod guard_rails;
mod kazakhstan;
mod kazakhstan_nf;
mod kernel;
mod montecarlo;
mod output_files;
mod parser_fuzz;
mod properties;
mod provenance;
mod report;
mod scenario_files;
#[cfg(feature = "serve")]
mod serve;
mod stress;
mod sweep;
mod util;
mod version2;
mod view;
mod workbook;
