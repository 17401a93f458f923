//! SMC on the real North Carolina VTD graph (2,666 nodes, 14 districts): every particle is a
//! complete plan of contiguous districts within the population bounds, the weights are finite,
//! and with the county constraint every plan splits at most k − 1 counties. (Exactness against
//! enumeration is tested in `src/smc.rs`, where the weight corrections can be switched off.)

mod common;

use common::*;
use redraw_ensemble::smc::{run_smc, SmcConfig};
use redraw_ensemble::*;

fn nc(tol: f64) -> (redraw_graph::Graph, Problem, redraw_graph::Counties) {
    let path = data_dir().join("graphs/bench/NC.json");
    let g = redraw_graph::io::read_networkx_file(&path)
        .unwrap_or_else(|e| panic!("NC graph needed for this test (set REDRAW_DATA_DIR): {e}"))
        .graph;
    let counties = redraw_graph::Counties::from_prefix(&g, Some("GEOID"), 5).unwrap();
    let s = ProblemSpec {
        pop_column: "TOTAL_POP".into(),
        districts: 14,
        tolerance: tol,
        elections: vec![("COMP".into(), "DEM_VOTES".into(), "REP_VOTES".into())],
        county: Some(counties.clone()),
        max_county_splits: None,
        tracked: Vec::new(),
    };
    let p = Problem::new(&g, &s).unwrap();
    (g, p, counties)
}

fn check_output(p: &Problem, out: &redraw_ensemble::smc::SmcOutput, max_splits: Option<u32>) {
    let mut plan = Vec::new();
    let mut splits_seen = 0;
    for j in 0..out.log_weights.len() {
        out.plans.copy_into(p.node_count(), j, &mut plan);
        assert!(plan.iter().all(|&d| (d as usize) < p.districts()), "particle {j}: incomplete plan");
        let part = Partition::new(p, plan.clone()).unwrap_or_else(|e| panic!("particle {j}: {e}"));
        assert_valid(p, &part, &format!("particle {j}"));
        if let Some(m) = max_splits {
            assert!(part.county_splits() <= m, "particle {j}: {} split counties > {m}", part.county_splits());
        }
        splits_seen = splits_seen.max(part.county_splits());
        assert!(out.log_weights[j].is_finite(), "particle {j}: weight {}", out.log_weights[j]);
    }
    let w = out.normalized_weights();
    assert!((w.iter().sum::<f64>() - 1.0).abs() < 1e-9);
    assert!(out.ess() > 1.0 && out.ess() <= out.log_weights.len() as f64 + 1e-9);
    eprintln!(
        "NC SMC: ESS {:.1} of {}, {} distinct plans, up to {splits_seen} split counties; stages {:?}",
        out.ess(),
        out.log_weights.len(),
        out.unique_plans(),
        out.stages.iter().map(|s| (s.stage, s.acceptance, s.max_candidates, s.lineages)).collect::<Vec<_>>()
    );
    assert!(out.unique_plans() > out.log_weights.len() / 2, "particles should be mostly distinct");
    // The default floor takes a cut from every tree that has one: nothing is left unselected.
    for s in &out.stages {
        assert!(s.floor == 1 && s.not_selected == 0 || s.stage as usize == p.districts(), "{s:?}");
        assert!(s.lineages >= 1 && s.lineages <= out.log_weights.len() as u64, "{s:?}");
    }
}

#[test]
fn nc_smc_plans_are_complete_contiguous_and_balanced() {
    let (_, p, _) = nc(0.02);
    let cfg = SmcConfig { particles: 120, ..SmcConfig::default() };
    let out = run_smc(&p, &cfg, 2026, 0, None).unwrap();
    check_output(&p, &out, None);
}

#[test]
fn nc_smc_county_constraint_splits_at_most_k_minus_1_counties() {
    let (_, p, _) = nc(0.02);
    let cfg = SmcConfig { particles: 80, county_hierarchy: true, ..SmcConfig::default() };
    let out = run_smc(&p, &cfg, 2026, 0, None).unwrap();
    check_output(&p, &out, Some(13));
}
