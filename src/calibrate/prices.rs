//! The commodity-price and exchange-rate shocks read as random walks of the log level.
//!
//! MODEL.md applies both shocks to the **level**: p_t = pb_t exp(u_t), E_t = Eb_t exp(u_t),
//! with u_t = a u_(t-1) + e_t. Their history is a log change (`log-diff`), whose AR(1)
//! persistence is small (0.14 for oil, 0.16 for the tenge on 2010-2024). Used as the
//! persistence of the level deviation, that makes a price shock die out within a year or
//! two, so the bands stop widening after the first year, while prices wander like random
//! walks: the log level's change is the innovation. `--prices random-walk` reads the log
//! changes as those innovations: sd of the changes themselves, persistence of the level
//! near 1 (`--price-persistence`; the block cannot hold a unit root).

use super::var::Estimate;

/// Index of the commodity-price shock in MODEL.md's order.
pub const COMMODITY_PRICE: usize = 3;
/// Index of the exchange-rate shock.
pub const EXCHANGE_RATE: usize = 5;

/// How the commodity-price and exchange-rate shocks are estimated from their log changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Prices {
    /// AR(1) least squares on the log changes, like every other shock (the level
    /// deviation then has about one year's sd at every horizon).
    Changes,
    /// The log level is a (near) random walk whose steps are the log changes: innovation sd
    /// the root mean square of the changes (divisor n - 1), persistence
    /// `--price-persistence`.
    RandomWalk,
}

/// Default persistence of the level with [`Prices::RandomWalk`] (chosen by the backtest,
/// docs/backtest.md).
pub const DEFAULT_PRICE_PERSISTENCE: f64 = 0.9;

/// The innovation sd of a random walk whose steps are `changes` (deviations, as mapped):
/// sqrt(sum x^2 / (n - 1)); None with fewer than 2 values.
pub fn step_sd(changes: &[f64]) -> Option<f64> {
    let n = changes.len();
    (n >= 2).then(|| (changes.iter().map(|x| x * x).sum::<f64>() / (n - 1) as f64).sqrt())
}

/// With [`Prices::RandomWalk`]: the commodity-price and exchange-rate rows of `est` (shock
/// `active[r]`, window series `data[r]`) get the sd of their steps and `persistence`;
/// their correlations stay those of the AR(1) innovations. Returns the shocks changed.
pub fn apply(
    est: &mut Estimate,
    active: &[usize],
    data: &[Vec<f64>],
    persistence: f64,
) -> Vec<usize> {
    let mut changed = Vec::new();
    for (r, &i) in active.iter().enumerate() {
        if i != COMMODITY_PRICE && i != EXCHANGE_RATE {
            continue;
        }
        let Some(sd) = step_sd(&data[r]) else {
            continue;
        };
        est.sd[r] = sd;
        est.sd_se[r] = sd / (2.0 * (data[r].len() - 1) as f64).sqrt();
        est.persistence[(r, r)] = persistence;
        est.persistence_se[(r, r)] = 0.0;
        changed.push(i);
    }
    changed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn step_sd_by_hand() {
        // 0.1, -0.1, 0.2, -0.2: sum of squares 0.1, divisor 3.
        let sd = step_sd(&[0.1, -0.1, 0.2, -0.2]).unwrap();
        assert!((sd - (0.1f64 / 3.0).sqrt()).abs() < 1e-15);
        assert_eq!(step_sd(&[0.3]), None);
    }
}
