//! `fiscalsim serve`: a local web page with one slider per lever of a scenario; moving a
//! slider re-runs the Monte Carlo with the same seed (common random numbers) and redraws
//! the fan charts (the same SVG code as `fiscalsim chart fan`) over the scenario's own
//! median, a ghost. See docs/serve.md.
//!
//! - [`lever`]: levers from `[sweep.vary]` or `--lever ADDRESS=LO:HI`, checked.
//! - [`session`]: the scenario served; runs and figures.
//! - [`download`]: the scenario file of chosen lever values.
//! - [`api`]: requests to responses (no network).
//! - [`http`]: binding and worker threads (tiny_http).

pub(crate) mod api;
pub(crate) mod download;
pub(crate) mod http;
pub(crate) mod lever;
pub(crate) mod session;
