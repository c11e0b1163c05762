//! Sweeps: a scenario evaluated over a set of points in the space of its inputs.
//!
//! A sweep varies parameters addressed like `--set` (any scalar, any whole path, any
//! single year of a path, e.g. `policy.growth_spending_share@2028`), over a full grid or
//! a Latin hypercube ([`grid`], [`latin_hypercube`]) of the values given by a [`Spec`].
//! The `[sweep]` table of a scenario file declares one ([`SweepTable`]); a run can be cut
//! into deterministic shards and merged back byte for byte ([`Shard`], [`merge`]).

pub(crate) mod design;
pub(crate) mod eval;
pub(crate) mod shard;
pub(crate) mod spec;
pub(crate) mod table;

pub use design::{grid, latin_hypercube};
pub use eval::Evaluator;
pub use shard::{Shard, ShardHeader, merge};
pub use spec::{Param, Spec};
pub use table::{SweepTable, take_sweep_table};
