//! The one place where an ensemble's values of a statistic become the numbers a report shows:
//! its distribution (mean, quantiles), where the plan falls in it (mid-rank percentile), and
//! the histogram bars. Every percentile, quantile and histogram of the judge goes through
//! [`ensemble_summary`], which takes optional importance weights (SMC ensembles): without
//! weights it uses `redraw_metrics::stats` (type-7 quantiles, mid-rank percentiles), with
//! weights `redraw_metrics::WeightedSample`, which gives exactly the unweighted answers when
//! the weights are equal; the bars come from `redraw_geo::Bins` with the same weights.

use redraw_geo::Bins;
use redraw_metrics::stats::{placement, Distribution, Placement};
use redraw_metrics::WeightedSample;

/// An ensemble statistic summarised against the plan's value.
#[derive(Clone, Debug, PartialEq)]
pub struct EnsembleSummary {
    /// `None` when no ensemble value is finite (with a positive weight).
    pub distribution: Option<Distribution>,
    /// `None` when the plan's value is not finite or there is no distribution.
    pub placement: Option<Placement>,
    /// Histogram bars (shares of the ensemble), with the plan's value in range.
    pub bins: Option<Bins>,
}

/// Summarises `values` (one per ensemble plan; non-finite values are left out) with optional
/// `weights` (one per plan, any positive scale) against the plan's value `plan`.
///
/// Weights that do not match the values (length, negative or non-finite entries) are a caller
/// error: the summary is then empty rather than silently unweighted.
pub fn ensemble_summary(values: &[f64], weights: Option<&[f64]>, plan: f64) -> EnsembleSummary {
    let (distribution, place) = match weights {
        None => {
            let mut sorted: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
            if sorted.is_empty() {
                (None, None)
            } else {
                sorted.sort_by(f64::total_cmp);
                let d = Distribution::of_sorted(&sorted);
                (Some(d), plan.is_finite().then(|| placement(&sorted, plan)))
            }
        }
        Some(w) => match WeightedSample::new(values, w) {
            Ok(ws) => (Some(ws.distribution()), plan.is_finite().then(|| ws.placement(plan))),
            Err(_) => (None, None),
        },
    };
    let bins =
        distribution.as_ref().and_then(|_| Bins::new(values, weights, plan.is_finite().then_some(plan)));
    EnsembleSummary { distribution, placement: place, bins }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unweighted_and_equal_weights_agree() {
        let v = [3.0, 1.0, 4.0, 1.0, 5.0, 9.0, 2.0, 6.0, f64::NAN];
        let a = ensemble_summary(&v, None, 4.0);
        let b = ensemble_summary(&v, Some(&[2.0; 9]), 4.0);
        let (pa, pb) = (a.placement.unwrap(), b.placement.unwrap());
        assert!((pa.percentile - pb.percentile).abs() < 1e-12);
        assert!((a.distribution.as_ref().unwrap().q95 - b.distribution.as_ref().unwrap().q95).abs() < 1e-12);
        assert_eq!(a.bins, b.bins);
        assert_eq!(pa.below, 4.0 / 8.0);
    }

    #[test]
    fn weights_move_the_percentile_and_the_bars() {
        let s = ensemble_summary(&[0.0, 10.0], Some(&[0.1, 0.9]), 10.0);
        assert!((s.placement.unwrap().percentile - 0.55).abs() < 1e-12);
        let bins = s.bins.unwrap();
        assert!((bins.share[bins.bin_of(10.0)] - 0.9).abs() < 1e-12);
        // Mismatched weights: nothing, rather than an unweighted answer.
        let bad = ensemble_summary(&[1.0, 2.0], Some(&[1.0]), 1.0);
        assert!(bad.distribution.is_none() && bad.placement.is_none() && bad.bins.is_none());
    }

    #[test]
    fn undefined_values() {
        let s = ensemble_summary(&[f64::NAN, f64::NAN], None, 1.0);
        assert!(s.distribution.is_none() && s.placement.is_none());
        let s = ensemble_summary(&[1.0, 2.0], None, f64::NAN);
        assert!(s.distribution.is_some() && s.placement.is_none() && s.bins.is_some());
    }
}
