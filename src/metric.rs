//! The expression language of metrics and events, shared by probabilities, sweeps,
//! sensitivity analysis and goal-seek.
//!
//! ```text
//! series  VAR@YEAR | mean(VAR@Y1..Y2) | min(..) | max(..) | sum(..)     (`..Y2`: from the first year)
//! event   SERIES OP NUMBER | VAR@Y1..Y2 OP NUMBER (holds in at least one year of the span)
//! metric  SERIES | pNN(SERIES) | median(SERIES) | sd(SERIES) | prob(EVENT)
//! OP      <  <=  >  >=
//! ```
//! VAR is a canonical output of docs/MODEL.md. Over Monte Carlo draws, a plain SERIES metric
//! is the mean across draws, `pNN` the type-7 quantile, `sd` the sample standard
//! deviation, `prob` the share of draws in which the event holds.
//!
//! The language knows the outputs by name only and reads a path through the [`Outputs`]
//! trait, which [`crate::model::Year`] implements. This module is the public face of the
//! language: the grammar itself (types, parser, evaluation) lives in a crate-private leaf
//! module (`src/expr.rs`) that depends only on the output names and the statistics, and is
//! re-exported here. So the scenario layer parses the events of a scenario file, and Monte
//! Carlo evaluates events and metrics, without depending on this upper layer, and the model
//! does not depend on the language at all.

pub use crate::expr::{Event, Metric, Op, Outputs, Reduce, Series};
