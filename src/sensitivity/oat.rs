//! One-at-a-time sensitivity: each parameter alone at the low and at the high end of its
//! range, every other input as in the scenario; the tornado table sorted by swing.

/// The `2 d + 1` points: the scenario as is (no parameter set), then for each parameter
/// its low end and its high end. `None` leaves a parameter as in the scenario.
pub fn design(lo: &[f64], hi: &[f64]) -> Vec<Vec<Option<f64>>> {
    let d = lo.len();
    let mut rows = vec![vec![None; d]];
    for i in 0..d {
        for v in [lo[i], hi[i]] {
            let mut row = vec![None; d];
            row[i] = Some(v);
            rows.push(row);
        }
    }
    rows
}

/// One bar of the tornado: the metric with the parameter at its low and high end.
#[derive(Debug, Clone, PartialEq)]
pub struct Bar {
    /// Index of the parameter.
    pub param: usize,
    /// The metric with the parameter at the low end of its range.
    pub low: f64,
    /// The metric with the parameter at the high end of its range.
    pub high: f64,
    /// |high - low|.
    pub swing: f64,
}

/// The metric of the unchanged scenario and the tornado bars from the outputs `y` of
/// [`design`], sorted by decreasing swing (ties keep the parameters' order; NaN last).
pub fn tornado(y: &[f64]) -> (f64, Vec<Bar>) {
    let d = y.len().saturating_sub(1) / 2;
    let mut bars: Vec<Bar> = (0..d)
        .map(|i| {
            let (low, high) = (y[1 + 2 * i], y[2 + 2 * i]);
            Bar {
                param: i,
                low,
                high,
                swing: (high - low).abs(),
            }
        })
        .collect();
    bars.sort_by(|a, b| match (a.swing.is_nan(), b.swing.is_nan()) {
        (false, false) => b.swing.total_cmp(&a.swing),
        (x, y) => x.cmp(&y),
    });
    (y.first().copied().unwrap_or(f64::NAN), bars)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tornado_sorts_by_swing() {
        let rows = design(&[0.0, 1.0, 2.0], &[1.0, 2.0, 3.0]);
        assert_eq!(rows.len(), 7);
        assert_eq!(rows[3], [None, Some(1.0), None]);
        assert_eq!(rows[4], [None, Some(2.0), None]);
        // f = x0 + 10 x1 - 3 x2 around the base 0: swings 1, 10, 3.
        let f = |r: &[Option<f64>]| {
            r[0].unwrap_or(0.5) + 10.0 * r[1].unwrap_or(1.5) - 3.0 * r[2].unwrap_or(2.5)
        };
        let y: Vec<f64> = rows.iter().map(|r| f(r)).collect();
        let (base, bars) = tornado(&y);
        assert_eq!(base, 0.5 + 15.0 - 7.5);
        let order: Vec<usize> = bars.iter().map(|b| b.param).collect();
        assert_eq!(order, [1, 2, 0]);
        assert_eq!(
            (bars[1].low, bars[1].high, bars[1].swing),
            (base + 1.5, base - 1.5, 3.0)
        );
    }
}
