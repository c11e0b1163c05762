//! Per-year tallies taken while the draws are simulated, so that the statistics of a
//! year need not re-read its columns for moments and histograms: per output, shifted
//! moment sums, the exact minimum and maximum, and a histogram over a monotone bucket map
//! that is fixed before the year's bulk is simulated (from a pilot: the year's first
//! chunk of draws).
//!
//! Determinism: moment sums are accumulated draw by draw within a chunk and the chunks
//! are combined in chunk order, so they never depend on threads; histogram counts are
//! integers, whose sum does not depend on the order of addition. Exactness of quantiles
//! does not depend on where the bucket edges lie (any monotone map gives exact ranks);
//! only speed does.

use crate::model::N_OUTPUTS;
use crate::summary::{BUCKETS, Bucketing};

/// Moment sums of one output over some sound draws, around a pivot fixed per year. The
/// sums run in four lanes (value i of a slice goes to lane i mod 4), which breaks the
/// dependency chain of the additions and keeps the result independent of threads.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Moments {
    /// Number of values tallied.
    pub n: u64,
    /// Per lane, the sum of (x - pivot), in the output's unit.
    pub s1: [f64; 4],
    /// Per lane, the sum of (x - pivot)², in the output's unit squared.
    pub s2: [f64; 4],
    /// Smallest value tallied (+inf when none).
    pub min: f64,
    /// Largest value tallied (-inf when none).
    pub max: f64,
}

impl Default for Moments {
    fn default() -> Moments {
        Moments {
            n: 0,
            s1: [0.0; 4],
            s2: [0.0; 4],
            min: f64::INFINITY,
            max: f64::NEG_INFINITY,
        }
    }
}

impl Moments {
    /// Tallies `values` (finite) into these sums and into `hist` under `bk`.
    #[inline]
    pub fn add_slice(
        &mut self,
        values: &[f64],
        pivot: f64,
        bk: Bucketing,
        hist: &mut [u32; BUCKETS],
    ) {
        let mut mn = [self.min; 4];
        let mut mx = [self.max; 4];
        let chunks = values.chunks_exact(4);
        let rem = chunks.remainder();
        for ch in chunks {
            for k in 0..4 {
                let x = ch[k];
                let d = x - pivot;
                self.s1[k] += d;
                self.s2[k] += d * d;
                mn[k] = if x < mn[k] { x } else { mn[k] };
                mx[k] = if x > mx[k] { x } else { mx[k] };
                hist[bk.bucket(x)] += 1;
            }
        }
        for (k, &x) in rem.iter().enumerate() {
            let d = x - pivot;
            self.s1[k] += d;
            self.s2[k] += d * d;
            mn[k] = if x < mn[k] { x } else { mn[k] };
            mx[k] = if x > mx[k] { x } else { mx[k] };
            hist[bk.bucket(x)] += 1;
        }
        self.n += values.len() as u64;
        self.min = mn.iter().copied().fold(self.min, f64::min);
        self.max = mx.iter().copied().fold(self.max, f64::max);
    }

    /// Adds the tally of a later group of draws (lane by lane).
    pub fn merge(&mut self, o: &Moments) {
        self.n += o.n;
        for k in 0..4 {
            self.s1[k] += o.s1[k];
            self.s2[k] += o.s2[k];
        }
        self.min = self.min.min(o.min);
        self.max = self.max.max(o.max);
    }

    /// The sum of (x - pivot) over all lanes.
    pub fn sum1(&self) -> f64 {
        (self.s1[0] + self.s1[1]) + (self.s1[2] + self.s1[3])
    }

    /// The sum of (x - pivot)² over all lanes.
    pub fn sum2(&self) -> f64 {
        (self.s2[0] + self.s2[1]) + (self.s2[2] + self.s2[3])
    }
}

/// How one year is tallied: per output, the pivot of the moment sums and the bucket map
/// of the histogram. Fixed from the pilot before the rest of the year is simulated.
#[derive(Debug, Clone)]
pub struct Plan {
    /// Per output, the pivot (the median of the pilot's sound values, 0 without any).
    pub pivot: [f64; N_OUTPUTS],
    /// Per output, the monotone bucket map (linear over the pilot's range).
    pub bucketing: [Bucketing; N_OUTPUTS],
}

impl Plan {
    /// The plan for a year whose pilot values are `pilot[v]` (sound draws only, finite).
    pub fn from_pilot(pilot: &[Vec<f64>]) -> Plan {
        let mut pivot = [0.0; N_OUTPUTS];
        let mut bucketing = [Bucketing::new(0.0, 0.0); N_OUTPUTS];
        for (v, values) in pilot.iter().enumerate().take(N_OUTPUTS) {
            let mut s = values.clone();
            s.sort_unstable_by(f64::total_cmp);
            if let (Some(&lo), Some(&hi)) = (s.first(), s.last()) {
                pivot[v] = s[s.len() / 2];
                bucketing[v] = Bucketing::new(lo, hi);
            }
        }
        Plan { pivot, bucketing }
    }

    /// Tallies the sound values `values` of output `v`.
    #[inline]
    pub fn add(
        &self,
        v: usize,
        values: &[f64],
        moments: &mut [Moments; N_OUTPUTS],
        hist: &mut Hist,
    ) {
        moments[v].add_slice(values, self.pivot[v], self.bucketing[v], &mut hist.0[v]);
    }
}

/// One histogram of `BUCKETS` counts per output.
#[derive(Debug, Clone)]
pub struct Hist(pub Vec<[u32; BUCKETS]>);

impl Hist {
    /// All counts zero.
    pub fn zero() -> Hist {
        Hist(vec![[0; BUCKETS]; N_OUTPUTS])
    }

    /// The bucket-wise sum of two histograms.
    pub fn sum(mut self, o: Hist) -> Hist {
        for (a, b) in self.0.iter_mut().zip(&o.0) {
            for (x, y) in a.iter_mut().zip(b) {
                *x += y;
            }
        }
        self
    }
}

/// Everything tallied over one year's sound draws.
#[derive(Debug, Clone)]
pub struct YearTally {
    /// The plan the year was tallied with.
    pub plan: Plan,
    /// Per output, the combined moment sums (chunks combined in draw order).
    pub moments: [Moments; N_OUTPUTS],
    /// Per output, the histogram under `plan.bucketing`.
    pub hist: Hist,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plan_and_tally_count_every_value_once_in_a_monotone_bucket() {
        let pilot: Vec<Vec<f64>> = (0..N_OUTPUTS)
            .map(|v| (0..100).map(|i| (i * (v + 1)) as f64).collect())
            .collect();
        let plan = Plan::from_pilot(&pilot);
        assert_eq!(plan.pivot[0], 50.0);
        assert_eq!(plan.pivot[2], 150.0);
        let mut m = [Moments::default(); N_OUTPUTS];
        let mut h = Hist::zero();
        let values = [-1e9, 3.0, 40.0, 99.0, 1e9];
        for v in 0..N_OUTPUTS {
            plan.add(v, &values, &mut m, &mut h);
        }
        assert_eq!(m[0].n, 5);
        assert_eq!((m[0].min, m[0].max), (-1e9, 1e9));
        assert_eq!(m[0].s1, [(-1e9 - 50.0) + (1e9 - 50.0), -47.0, -10.0, 49.0]);
        assert_eq!(m[0].sum1(), -1e9 - 50.0 + (1e9 - 50.0) - 47.0 - 10.0 + 49.0);
        assert_eq!(h.0[0].iter().sum::<u32>(), 5);
        assert_eq!(h.0[0][0], 1, "below the pilot's range: the first bucket");
        assert_eq!(h.0[0][BUCKETS - 1], 2, "99 and beyond: the last bucket");
        let twice = h.clone().sum(h);
        assert_eq!(twice.0[5].iter().sum::<u32>(), 10);
    }
}
