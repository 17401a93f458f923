//! redraw's convergence diagnostics agree with ArviZ on fixed datasets.
//!
//! The fixture `fixtures/arviz_reference.json` (draws and ArviZ's values) is produced by
//! `bench/metrics/arviz_reference.py`: rank-normalised split R-hat, bulk ESS and tail ESS.

use redraw_metrics::diagnostics::{ess_bulk, ess_tail, rank_rhat};
use serde_json::Value;

#[test]
fn diagnostics_agree_with_arviz() {
    let fx: Value = serde_json::from_str(include_str!("fixtures/arviz_reference.json")).unwrap();
    let sets = fx["datasets"].as_array().unwrap();
    assert!(sets.len() >= 6);
    for set in sets {
        let name = set["name"].as_str().unwrap();
        let chains: Vec<Vec<f64>> = set["draws"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c.as_array().unwrap().iter().map(|x| x.as_f64().unwrap()).collect())
            .collect();
        let rel = |got: f64, want: f64, what: &str| {
            assert!(
                (got - want).abs() <= 1e-9 * want.abs().max(1.0),
                "{name}: {what}: redraw {got} vs ArviZ {want}"
            );
        };
        rel(ess_bulk(&chains).unwrap(), set["ess_bulk"].as_f64().unwrap(), "bulk ESS");
        rel(ess_tail(&chains).unwrap(), set["ess_tail"].as_f64().unwrap(), "tail ESS");
        match set["rhat"].as_f64() {
            Some(want) => rel(rank_rhat(&chains).unwrap(), want, "R-hat"),
            None => assert!(rank_rhat(&chains).unwrap().is_nan(), "{name}: one chain has no R-hat"),
        }
    }
}
