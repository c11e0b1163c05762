//! Integration and CLI tests: one test binary, one module per feature, shared helpers in
//! `util`.

mod compare;
mod engine;
mod scenario_files;
mod util;
