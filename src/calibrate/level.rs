//! Potential growth as a local level: real growth g_t = mu_t + eps_t with a level that
//! moves as a random walk, mu_t = mu_(t-1) + eta_t. The change in growth is then
//! dg_t = eta_t + eps_t - eps_(t-1), whose variance is s_eta^2 + 2 s_eps^2 and whose
//! first autocovariance is -s_eps^2; the two moments give both sds (method of moments).
//!
//! This carries the long-run uncertainty of growth (shifts in its level, as between the
//! 2000s and the 2010s in Kazakhstan) that the increments of a smooth filtered trend miss:
//! an HP trend is a smoothed estimate, and its year-to-year changes are far less variable
//! than the innovations of the trend it estimates.

/// How the potential-growth shock's sd and persistence are estimated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Potential {
    /// AR(1) least squares on the potential-growth series of its mapping (the HP trend's
    /// growth with `--split hp`), like every other shock.
    Filter,
    /// Local level: innovation sd from the moments of the change in real growth, and
    /// persistence `--level-persistence` (a near random walk).
    LocalLevel,
}

/// The local-level moments of a growth series.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Level {
    /// sd of the level's innovations eta (fraction a year).
    pub sd_level: f64,
    /// sd of the transitory noise eps (fraction).
    pub sd_noise: f64,
    /// Variance of the change in growth (divisor: number of changes).
    pub gamma0: f64,
    /// First autocovariance of the change in growth.
    pub gamma1: f64,
    /// Number of changes used.
    pub n: usize,
}

/// Estimates the local level of growth `g` (fractions, consecutive years) by the method of
/// moments; None with fewer than 4 values. A positive first autocovariance (not possible
/// under the model) is read as no noise, s_eps = 0 and s_eta^2 = gamma0; a negative
/// s_eta^2 as no level shifts, s_eta = 0.
pub fn local_level(g: &[f64]) -> Option<Level> {
    if g.len() < 4 {
        return None;
    }
    let d: Vec<f64> = g.windows(2).map(|w| w[1] - w[0]).collect();
    let n = d.len();
    let m = d.iter().sum::<f64>() / n as f64;
    let gamma0 = d.iter().map(|x| (x - m).powi(2)).sum::<f64>() / n as f64;
    let gamma1 = d.windows(2).map(|w| (w[0] - m) * (w[1] - m)).sum::<f64>() / n as f64;
    let (level, noise) = if gamma1 >= 0.0 {
        (gamma0, 0.0)
    } else {
        ((gamma0 + 2.0 * gamma1).max(0.0), -gamma1)
    };
    Some(Level {
        sd_level: level.sqrt(),
        sd_noise: noise.sqrt(),
        gamma0,
        gamma1,
        n,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn moments_by_hand() {
        // Changes +1, -1, +1, -1: mean 0, gamma0 = 1, gamma1 = -3/4.
        let l = local_level(&[0.0, 1.0, 0.0, 1.0, 0.0]).unwrap();
        assert_eq!((l.n, l.gamma0, l.gamma1), (4, 1.0, -0.75));
        assert!((l.sd_noise - 0.75f64.sqrt()).abs() < 1e-15);
        assert_eq!(l.sd_level, 0.0, "1 - 1.5 < 0: no level shifts");
        // A straight line: all changes equal, no variance at all.
        let l = local_level(&[1.0, 2.0, 3.0, 4.0]).unwrap();
        assert_eq!((l.sd_level, l.sd_noise), (0.0, 0.0));
        assert!(local_level(&[1.0, 2.0, 3.0]).is_none());
    }

    #[test]
    fn recovers_a_simulated_local_level() {
        use rand_distr::{Distribution, Normal};
        let mut rng = crate::montecarlo::draw_rng(5, 0, 0);
        let (se, sn) = (0.01, 0.02);
        let (eta, eps) = (Normal::new(0.0, se).unwrap(), Normal::new(0.0, sn).unwrap());
        let mut mu = 0.05;
        let g: Vec<f64> = (0..200_000)
            .map(|_| {
                mu += eta.sample(&mut rng);
                mu + eps.sample(&mut rng)
            })
            .collect();
        let l = local_level(&g).unwrap();
        assert!((l.sd_level - se).abs() < 0.0005, "{l:?}");
        assert!((l.sd_noise - sn).abs() < 0.0005, "{l:?}");
    }
}
