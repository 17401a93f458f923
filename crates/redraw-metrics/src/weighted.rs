//! Weighted ensembles: quantiles, percentiles and summaries of samples that carry importance
//! weights (SMC), defined so that **equal weights give exactly the unweighted answers** of
//! [`crate::stats`] (type-7 quantiles, mid-rank percentiles, the `n − 1` standard deviation).
//! Plus the Kish effective sample size and deterministic systematic resampling.
//!
//! Use [`WeightedSample::new`] once per statistic (it sorts and normalises), then ask it for
//! quantiles, placements or a [`Distribution`]. Weights must be finite and non-negative with a
//! positive sum; any positive scale works (they are normalised).
//!
//! - **Quantile** (weighted type 7): sort the values, give value `i` the position
//!   `t_i = (C_i − w_i/2 − w_first/2) / (1 − w_first/2 − w_last/2)`, `C_i` the cumulative
//!   normalised weight up to and including `i`, and interpolate linearly between positions; so
//!   the smallest value sits at 0, the largest at 1, and with `n` equal weights `t_i = i/(n−1)`,
//!   which is type 7. Zero-weight values are dropped first (they carry no probability).
//! - **Placement**: the weight strictly below a value and the weight equal to it; the mid-rank
//!   percentile is `below + equal/2`, as in [`crate::stats::placement`].
//! - **Standard deviation** with reliability weights, `Σ w (x − m)² / (1 − Σ w²)` under
//!   normalised weights, which is the `n − 1` sample variance when weights are equal.

use crate::stats::{Distribution, Placement};
use crate::MetricsError;

/// Values with normalised weights, sorted by value (zero weights dropped).
#[derive(Clone, Debug, PartialEq)]
pub struct WeightedSample {
    values: Vec<f64>,
    weights: Vec<f64>,
    /// Cumulative weights (inclusive).
    cum: Vec<f64>,
}

impl WeightedSample {
    /// Pairs `values[i]` with `weights[i]`; non-finite values are dropped with their weights.
    pub fn new(values: &[f64], weights: &[f64]) -> Result<WeightedSample, MetricsError> {
        if values.len() != weights.len() {
            return Err(MetricsError::LengthMismatch {
                what: "weights",
                expected: values.len(),
                found: weights.len(),
            });
        }
        if weights.iter().any(|w| !(w.is_finite() && *w >= 0.0)) {
            return Err(MetricsError::Malformed("weights must be finite and non-negative"));
        }
        let mut pairs: Vec<(f64, f64)> = values
            .iter()
            .zip(weights)
            .filter(|(v, w)| v.is_finite() && **w > 0.0)
            .map(|(&v, &w)| (v, w))
            .collect();
        if pairs.is_empty() {
            return Err(MetricsError::Empty("samples with a finite value and a positive weight"));
        }
        pairs.sort_by(|a, b| a.0.total_cmp(&b.0));
        let total: f64 = pairs.iter().map(|p| p.1).sum();
        let mut cum = Vec::with_capacity(pairs.len());
        let mut acc = 0.0;
        for p in &pairs {
            acc += p.1 / total;
            cum.push(acc);
        }
        Ok(WeightedSample {
            values: pairs.iter().map(|p| p.0).collect(),
            weights: pairs.iter().map(|p| p.1 / total).collect(),
            cum,
        })
    }

    /// Number of samples with positive weight.
    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// Always false: construction needs at least one sample.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// Sorted values and their normalised weights.
    pub fn values(&self) -> (&[f64], &[f64]) {
        (&self.values, &self.weights)
    }

    /// Weighted type-7 quantile at probability `p` (module docs).
    pub fn quantile(&self, p: f64) -> f64 {
        let n = self.values.len();
        if n == 1 {
            return self.values[0];
        }
        let (w0, wn) = (self.weights[0], self.weights[n - 1]);
        let span = 1.0 - w0 / 2.0 - wn / 2.0;
        let pos = |i: usize| (self.cum[i] - self.weights[i] / 2.0 - w0 / 2.0) / span;
        if p <= 0.0 {
            return self.values[0];
        }
        if p >= 1.0 {
            return self.values[n - 1];
        }
        // First index whose position is >= p.
        let (mut lo, mut hi) = (0usize, n - 1);
        while lo < hi {
            let mid = (lo + hi) / 2;
            if pos(mid) < p {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        if lo == 0 {
            return self.values[0];
        }
        let (t0, t1) = (pos(lo - 1), pos(lo));
        let f = if t1 > t0 { (p - t0) / (t1 - t0) } else { 1.0 };
        self.values[lo - 1] + f.clamp(0.0, 1.0) * (self.values[lo] - self.values[lo - 1])
    }

    /// Where `value` falls: weight strictly below it, weight equal to it, mid-rank percentile.
    pub fn placement(&self, value: f64) -> Placement {
        let below_i = self.values.partition_point(|&x| x < value);
        let not_above_i = self.values.partition_point(|&x| x <= value);
        let cum_at = |i: usize| if i == 0 { 0.0 } else { self.cum[i - 1] };
        let below = cum_at(below_i);
        let equal = (cum_at(not_above_i) - below).max(0.0);
        Placement { below, equal, percentile: (below + equal / 2.0).min(1.0) }
    }

    /// Weighted mean.
    pub fn mean(&self) -> f64 {
        self.values.iter().zip(&self.weights).map(|(x, w)| x * w).sum()
    }

    /// Summary with weighted quantiles; `count` is the number of samples with positive weight.
    pub fn distribution(&self) -> Distribution {
        let mean = self.mean();
        let s2: f64 = self.weights.iter().map(|w| w * w).sum();
        let var = if s2 < 1.0 - 1e-12 {
            self.values.iter().zip(&self.weights).map(|(x, w)| w * (x - mean) * (x - mean)).sum::<f64>()
                / (1.0 - s2)
        } else {
            0.0
        };
        let q = |p| self.quantile(p);
        Distribution {
            count: self.values.len(),
            mean,
            sd: var.max(0.0).sqrt(),
            min: self.values[0],
            q01: q(0.01),
            q05: q(0.05),
            q25: q(0.25),
            median: q(0.5),
            q75: q(0.75),
            q95: q(0.95),
            q99: q(0.99),
            max: self.values[self.values.len() - 1],
        }
    }
}

/// Kish effective sample size `(Σ w)² / Σ w²` (0 for no positive weight).
pub fn kish_ess(weights: &[f64]) -> f64 {
    let s: f64 = weights.iter().sum();
    let s2: f64 = weights.iter().map(|w| w * w).sum();
    if s2 > 0.0 {
        s * s / s2
    } else {
        0.0
    }
}

/// Systematic resampling: `n` indices into `weights` (any positive scale), drawn with the single
/// uniform offset `u` in [0, 1): index `i` appears ⌊n·w_i⌋ or ⌈n·w_i⌉ times, in increasing
/// order. With `u = 0.5` it is a deterministic "equal-weight view" of a weighted ensemble (plots,
/// R-hat across runs).
pub fn systematic_resample(weights: &[f64], n: usize, u: f64) -> Vec<usize> {
    let total: f64 = weights.iter().sum();
    let mut out = Vec::with_capacity(n);
    if total <= 0.0 || weights.is_empty() {
        return out;
    }
    let mut cum = weights[0] / total;
    let mut i = 0;
    for j in 0..n {
        let target = (j as f64 + u) / n as f64;
        while cum <= target && i + 1 < weights.len() {
            i += 1;
            cum += weights[i] / total;
        }
        out.push(i);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::{placement, quantile_sorted};

    #[test]
    fn equal_weights_reduce_to_the_unweighted_rules() {
        let v = [3.0, 1.0, 4.0, 1.0, 5.0, 9.0, 2.0, 6.0];
        let ws = WeightedSample::new(&v, &[0.7; 8]).unwrap();
        let mut sorted = v.to_vec();
        sorted.sort_by(f64::total_cmp);
        for p in [0.0, 0.01, 0.05, 0.25, 0.5, 0.6, 0.75, 0.95, 1.0] {
            assert!((ws.quantile(p) - quantile_sorted(&sorted, p)).abs() < 1e-12, "p {p}");
        }
        for x in [0.0, 1.0, 2.5, 9.0, 10.0] {
            let (a, b) = (ws.placement(x), placement(&sorted, x));
            assert!((a.below - b.below).abs() < 1e-12 && (a.equal - b.equal).abs() < 1e-12, "{x}");
        }
        let (a, b) = (ws.distribution(), Distribution::of_sorted(&sorted));
        for (x, y) in [
            (a.mean, b.mean),
            (a.sd, b.sd),
            (a.min, b.min),
            (a.q01, b.q01),
            (a.q05, b.q05),
            (a.q25, b.q25),
            (a.median, b.median),
            (a.q75, b.q75),
            (a.q95, b.q95),
            (a.q99, b.q99),
            (a.max, b.max),
        ] {
            assert!((x - y).abs() < 1e-12, "{a:?} vs {b:?}");
        }
        assert_eq!(a.count, b.count);
    }

    #[test]
    fn weights_move_quantiles_and_percentiles() {
        // Value 10 carries 90% of the weight.
        let ws = WeightedSample::new(&[0.0, 10.0], &[0.1, 0.9]).unwrap();
        assert_eq!(ws.placement(10.0).below, 0.1);
        assert!((ws.placement(10.0).percentile - 0.55).abs() < 1e-12);
        assert!((ws.mean() - 9.0).abs() < 1e-12);
        assert_eq!(ws.quantile(0.0), 0.0);
        assert_eq!(ws.quantile(1.0), 10.0);
        // Integer weights act like repeated values: {1 x1, 2 x3} has the quantiles of
        // [1, 2, 2, 2] at the positions the weighted rule assigns.
        let ws = WeightedSample::new(&[1.0, 2.0], &[1.0, 3.0]).unwrap();
        assert!((ws.placement(2.0).percentile - (0.25 + 0.375)).abs() < 1e-12);
        assert!((ws.mean() - 1.75).abs() < 1e-12);
        // Zero weights and NaN values are dropped.
        let ws = WeightedSample::new(&[f64::NAN, 5.0, 7.0], &[1.0, 0.0, 2.0]).unwrap();
        assert_eq!(ws.len(), 1);
        assert_eq!(ws.quantile(0.3), 7.0);
    }

    #[test]
    fn bad_weights_are_errors() {
        assert!(WeightedSample::new(&[1.0], &[-1.0]).is_err());
        assert!(WeightedSample::new(&[1.0], &[f64::NAN]).is_err());
        assert!(WeightedSample::new(&[1.0, 2.0], &[1.0]).is_err());
        assert!(WeightedSample::new(&[1.0], &[0.0]).is_err());
    }

    #[test]
    fn kish_and_systematic() {
        assert!((kish_ess(&[1.0; 10]) - 10.0).abs() < 1e-12);
        assert!((kish_ess(&[1.0, 0.0, 0.0]) - 1.0).abs() < 1e-12);
        let idx = systematic_resample(&[0.5, 0.25, 0.0, 0.25], 4, 0.5);
        assert_eq!(idx, vec![0, 0, 1, 3]);
        let idx = systematic_resample(&[1.0, 3.0], 8, 0.5);
        assert_eq!(idx.iter().filter(|&&i| i == 1).count(), 6);
    }
}
