//! Integration and CLI tests: one test binary, one module per feature, shared helpers in
//! `util`.

mod bad_inputs;
mod calibrate;
mod compare;
mod engine;
mod kazakhstan;
mod kazakhstan_nf;
mod montecarlo;
mod output_files;
mod parser_fuzz;
mod properties;
mod scenario_files;
mod stress;
mod sweep;
mod util;
mod version2;
