//! Integration and CLI tests: one test binary, one module per feature, shared helpers in
//! `util`.

mod engine;
mod montecarlo;
mod scenario_files;
mod util;
