//! Internals the benchmarks measure against (cargo feature `bench`; not part of the
//! library's API, no stability promised): the lanes, the portable exp and ln, the block
//! engine and random streams, and the tests' histogram quantile engine.

pub use crate::lanes::mathfn::{exp, ln};
pub use crate::lanes::{Lanes, W};
pub use crate::montecarlo::engine::{BLOCK, Block, Engine, Outputs, for_each_year};
pub use crate::montecarlo::stream::StreamLanes;
pub use crate::summary::histogram::summarize;
