//! The metrics on arbitrary input (issue 8): every metric of any vote vector is either a clear
//! error at construction or finite and within its documented range (declination `None` is the
//! documented "undefined"); the convergence diagnostics of any chains are finite or an error.

use proptest::prelude::*;
use redraw_metrics::partisan::ElectionResults;
use redraw_metrics::plan::balance_of;
use redraw_metrics::{convergence, Distribution};

/// Vote counts as users' files give them: zeros, small counts, real totals, and extremes.
fn votes() -> impl Strategy<Value = f64> {
    prop_oneof![
        3 => Just(0.0),
        5 => (0u64..1000).prop_map(|x| x as f64),
        5 => (0u64..50_000_000).prop_map(|x| x as f64),
        2 => 0.0f64..1e-300,
        2 => 1e300f64..f64::MAX,
        2 => any::<f64>(),
    ]
}

fn check_results(dem: Vec<f64>, rep: Vec<f64>) -> Result<(), TestCaseError> {
    let k = dem.len();
    let Ok(r) = ElectionResults::new(dem, rep) else { return Ok(()) };
    let s = r.summary();
    let finite = |name: &str, x: f64| -> Result<(), TestCaseError> {
        prop_assert!(x.is_finite(), "{} is {} for {:?} / {:?}", name, x, r.dem_votes(), r.rep_votes());
        Ok(())
    };
    finite("statewide share", s.statewide_dem_share)?;
    prop_assert!((0.0..=1.0).contains(&s.statewide_dem_share));
    prop_assert!(s.dem_seats >= 0.0 && s.dem_seats <= k as f64);
    finite("efficiency gap", s.efficiency_gap)?;
    prop_assert!(s.efficiency_gap.abs() <= 1.0);
    finite("mean-median", s.mean_median)?;
    prop_assert!(s.mean_median.abs() <= 1.0);
    prop_assert!(s.partisan_bias.abs() <= 0.5 && s.statewide_bias.abs() <= 0.5);
    finite("partisan Gini", s.partisan_gini)?;
    // Each district's flip point lies within [V - 1/2, V + 1/2] and so does its reflection:
    // the mean gap is at most 2 (reached only when uniform swing leaves [0, 1], as with a
    // lopsided statewide vote).
    prop_assert!((0.0..=2.0 + 1e-12).contains(&s.partisan_gini));
    if let Some(d) = s.declination {
        finite("declination", d)?;
        prop_assert!(d.abs() <= 1.0 + 1e-12);
    }
    finite("responsiveness", s.responsiveness)?;
    prop_assert!(s.responsiveness >= 0.0);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn partisan_metrics_are_finite_or_refused(
        pairs in prop::collection::vec((votes(), votes()), 1..30),
    ) {
        let (dem, rep): (Vec<f64>, Vec<f64>) = pairs.into_iter().unzip();
        check_results(dem, rep)?;
    }

    #[test]
    fn integer_tallies_always_give_finite_metrics(
        pairs in prop::collection::vec((0u64..1u64 << 53, 0u64..1u64 << 53), 1..30),
    ) {
        let (dem, rep): (Vec<u64>, Vec<u64>) = pairs.into_iter().unzip();
        // Tallies of a count column (each total at most 2^53) are always accepted unless a
        // district has no votes at all.
        match ElectionResults::from_counts(&dem, &rep) {
            Ok(_) => check_results(dem.iter().map(|&x| x as f64).collect(), rep.iter().map(|&x| x as f64).collect())?,
            Err(e) => prop_assert!(dem.iter().zip(&rep).any(|(d, r)| d + r == 0), "{}", e),
        }
    }

    #[test]
    fn population_balance_is_finite_or_infinite_only_for_an_empty_ideal(
        pops in prop::collection::vec(0u64..10_000_000, 1..40),
    ) {
        let b = balance_of(pops.iter().map(|&p| p as f64).collect());
        if pops.iter().sum::<u64>() > 0 {
            prop_assert!(b.max_abs_deviation.is_finite() && b.max_abs_deviation >= 0.0);
        }
    }

    #[test]
    fn convergence_diagnostics_are_finite_or_an_error(
        chains in prop::collection::vec(prop::collection::vec(prop_oneof![votes(), -1e6f64..1e6], 4..40), 1..5),
    ) {
        if let Ok(c) = convergence(&chains) {
            // Constant chains are reported as such (R-hat is then undefined and NaN by design);
            // otherwise every figure is a number.
            prop_assert!(c.ess_bulk.is_nan() || c.ess_bulk >= 0.0);
            prop_assert!(c.ess_tail.is_nan() || c.ess_tail >= 0.0);
            let _ = c.verdict();
        }
        let flat: Vec<f64> = chains.concat();
        if let Some(d) = Distribution::of(&flat) {
            if flat.iter().all(|x| x.is_finite()) {
                prop_assert!(d.q05 <= d.q95);
            }
        }
    }
}
