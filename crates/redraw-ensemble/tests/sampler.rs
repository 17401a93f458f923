//! Sampler invariants and distributions on small grids, where every plan can be enumerated.

mod common;

use common::*;
use redraw_ensemble::enumerate::{chi_square, enumerate_partitions, partition_key, spanning_trees};
use redraw_ensemble::proposal::step;
use redraw_ensemble::*;
use std::collections::HashMap;

fn run_checked(
    kind: ProposalKind,
    sel: PairSelection,
    w: usize,
    h: usize,
    k: usize,
    tol: f64,
    steps: usize,
) -> Counters {
    let g = grid(w, h, |i| 10 + (i % 5) as i64);
    let p = Problem::new(&g, &spec(k, tol)).unwrap();
    let mut rng = Rng::for_chain(11, 0);
    let plan = seed_plan(&p, &mut rng).unwrap();
    let mut part = Partition::new(&p, plan).unwrap();
    assert_valid(&p, &part, "seed plan");
    let mut ws = Workspace::new(&p);
    let cfg = ProposalConfig { kind, pair_selection: sel, ..ProposalConfig::default() };
    let mut c = Counters::default();
    for s in 0..steps {
        step(&p, &mut part, &mut ws, &mut rng, &cfg, &mut c);
        assert_valid(&p, &part, &format!("{kind:?} step {s}"));
    }
    c
}

#[test]
fn recom_keeps_invariants_every_step_on_a_grid() {
    let c = run_checked(ProposalKind::Recom, PairSelection::CutEdge, 12, 12, 6, 0.05, 3000);
    assert!(c.accepted > 2500, "{c:?}");
    let c = run_checked(ProposalKind::Recom, PairSelection::DistrictPair, 12, 12, 6, 0.05, 1000);
    assert!(c.accepted > 800, "{c:?}");
}

#[test]
fn reversible_recom_keeps_invariants_every_step_on_a_grid() {
    let c = run_checked(ProposalKind::ReversibleRecom, PairSelection::CutEdge, 12, 12, 6, 0.05, 3000);
    assert!(c.accepted > 20, "{c:?}");
    assert_eq!(c.steps, 3000);
}

#[test]
fn flip_keeps_invariants_every_step_on_a_grid() {
    let c = run_checked(ProposalKind::Flip, PairSelection::CutEdge, 10, 10, 4, 0.10, 5000);
    assert!(c.accepted > 500, "{c:?}");
    assert!(c.invalid > 0, "contiguity or population must reject some flips: {c:?}");
}

/// Runs a chain and tallies the unlabelled partition every `thin` steps.
fn empirical(
    p: &Problem,
    cfg: &ProposalConfig,
    seed: u64,
    steps: usize,
    thin: usize,
) -> HashMap<Vec<u64>, u64> {
    let mut rng = Rng::for_chain(seed, 0);
    let plan = seed_plan(p, &mut rng).unwrap();
    let mut part = Partition::new(p, plan).unwrap();
    let mut ws = Workspace::new(p);
    let mut c = Counters::default();
    let mut counts = HashMap::new();
    for s in 1..=steps {
        step(p, &mut part, &mut ws, &mut rng, cfg, &mut c);
        if s % thin == 0 {
            *counts.entry(partition_key(part.assignment(), p.districts())).or_insert(0) += 1;
        }
    }
    counts
}

fn goodness_of_fit(all: &[Vec<u64>], weights: &[f64], counts: &HashMap<Vec<u64>, u64>) -> (f64, f64) {
    let total_w: f64 = weights.iter().sum();
    let probs: Vec<f64> = weights.iter().map(|w| w / total_w).collect();
    let observed: Vec<u64> = all.iter().map(|key| counts.get(key).copied().unwrap_or(0)).collect();
    let seen: u64 = counts.values().sum();
    assert_eq!(observed.iter().sum::<u64>(), seen, "the chain visited a plan outside the enumeration");
    chi_square(&observed, &probs)
}

/// Reversible ReCom on the 4x4 grid into 4 districts of exactly 4 nodes (117 partitions):
/// the empirical distribution must match the spanning-tree weighted target, prod tau(district).
#[test]
fn reversible_recom_matches_spanning_tree_distribution() {
    let g = grid(4, 4, |_| 1);
    let p = Problem::new(&g, &spec(4, 0.0)).unwrap();
    let all = enumerate_partitions(&p);
    assert_eq!(all.len(), 117, "tetromino tilings of the 4x4 grid");
    let weights: Vec<f64> =
        all.iter().map(|pl| pl.iter().map(|&m| spanning_trees(&p, m)).product()).collect();
    let cfg =
        ProposalConfig { kind: ProposalKind::ReversibleRecom, balance_bound: 4, ..ProposalConfig::default() };
    // Thinning by 400 makes the 20,000 samples practically independent (the mean chi-square
    // statistic over seeds is then the nominal 116; at thinning 100 it is about 1.2 times that),
    // so the stated significance level holds.
    let counts = empirical(&p, &cfg, 2024, 8_000_000, 400);
    let (stat, pval) = goodness_of_fit(&all, &weights, &counts);
    eprintln!("reversible ReCom 4x4/4: chi2 = {stat:.1} on {} df, p = {pval:.4}", all.len() - 1);
    assert!(pval > 0.001, "chi2 = {stat}, p = {pval}");
    // The test can fail: the same samples are far from uniform.
    let (_, p_uniform) = goodness_of_fit(&all, &vec![1.0; all.len()], &counts);
    assert!(p_uniform < 1e-6, "uniform should be rejected, p = {p_uniform}");
}

/// Flip with its Metropolis-Hastings correction targets the uniform distribution on valid plans:
/// 3x4 grid into 3 districts of 3 to 5 nodes.
#[test]
fn flip_matches_uniform_distribution() {
    let g = grid(4, 3, |_| 1);
    let p = Problem::new(&g, &spec(3, 0.26)).unwrap();
    assert_eq!(p.pop_bounds(), (3, 5));
    let all = enumerate_partitions(&p);
    assert!(all.len() > 30, "{}", all.len());
    let cfg = ProposalConfig { kind: ProposalKind::Flip, ..ProposalConfig::default() };
    // Thinning by 200: the mean statistic over seeds is the nominal 158 (samples ~independent).
    let counts = empirical(&p, &cfg, 7, 4_000_000, 200);
    let (stat, pval) = goodness_of_fit(&all, &vec![1.0; all.len()], &counts);
    eprintln!("flip 4x3/3: chi2 = {stat:.1} on {} df, p = {pval:.4}", all.len() - 1);
    assert!(pval > 0.001, "chi2 = {stat}, p = {pval}");
    // ... and the spanning-tree weighting is rejected.
    let weights: Vec<f64> =
        all.iter().map(|pl| pl.iter().map(|&m| spanning_trees(&p, m)).product()).collect();
    let (_, p_tree) = goodness_of_fit(&all, &weights, &counts);
    assert!(p_tree < 1e-6, "p = {p_tree}");
}

#[test]
fn matrix_tree_counts_known_graphs() {
    let g = grid(3, 3, |_| 1);
    let p = Problem::new(&g, &spec(1, 0.5)).unwrap();
    assert_eq!(spanning_trees(&p, 0b1_1111_1111), 192.0); // 3x3 grid graph
    assert_eq!(spanning_trees(&p, 0b1111), 1.0); // nodes 0..3: a path 0-1-2 plus 3 under 0
    let g = grid(2, 2, |_| 1);
    let p = Problem::new(&g, &spec(1, 0.5)).unwrap();
    assert_eq!(spanning_trees(&p, 0b1111), 4.0); // a 4-cycle
}

#[test]
fn seed_plan_reports_infeasible_tolerance() {
    // 5 nodes of population 1 into 2 districts at 0% tolerance: 2.5 each is no integer, which
    // is caught up front (it used to surface only after the seed-plan search gave up).
    let g = grid(5, 1, |_| 1);
    let err = Problem::new(&g, &spec(2, 0.0)).unwrap_err().to_string();
    assert!(err.contains("allows no integer district population") && err.contains("2.500"), "{err}");
    // A path 1-1-3-3 into 2 districts of exactly 4: the range is fine but no connected split
    // exists, which only the search can find.
    let pops = [1, 1, 3, 3];
    let g = grid(4, 1, |i| pops[i]);
    let p = Problem::new(&g, &spec(2, 0.0)).unwrap();
    let err = seed_plan(&p, &mut Rng::from_seed(1)).unwrap_err();
    let msg = err.to_string();
    assert!(msg.contains("could not draw a plan of 2"), "{msg}");
    // A node heavier than any district allows is caught up front.
    let g = grid(3, 1, |i| if i == 0 { 100 } else { 1 });
    let err = Problem::new(&g, &spec(2, 0.1)).unwrap_err();
    assert!(err.to_string().contains("alone has population 100"), "{err}");
}

#[test]
fn disconnected_graph_names_components() {
    let mut g =
        redraw_graph::Graph::from_edges(vec!["a".into(), "b".into(), "c".into()], &[(0, 1)], None).unwrap();
    g.set_column("pop", redraw_graph::Column::Int(vec![1, 1, 1])).unwrap();
    let mut s = spec(2, 0.5);
    s.elections.clear();
    let err = Problem::new(&g, &s).unwrap_err().to_string();
    assert!(err.contains("2 components") && err.contains("1: c"), "{err}");
}

/// The real North Carolina VTD graph (2,666 nodes, 14 districts) from the enacted-plan seed:
/// invariants after every step of each proposal.
#[test]
fn nc_invariants_every_step() {
    let path = data_dir().join("graphs/bench/NC.json");
    let loaded = redraw_graph::io::read_networkx_file(&path)
        .unwrap_or_else(|e| panic!("NC graph needed for this test (set REDRAW_DATA_DIR): {e}"));
    let g = loaded.graph;
    assert_eq!(g.node_count(), 2666);
    let counties = redraw_graph::Counties::from_prefix(&g, Some("GEOID"), 5).unwrap();
    assert_eq!(counties.names.len(), 100, "North Carolina has 100 counties");
    let plan = redraw_graph::Plan::from_column(&g, "district").unwrap();
    assert_eq!(plan.district_count(), 14);
    let s = ProblemSpec {
        pop_column: "TOTAL_POP".into(),
        districts: 14,
        tolerance: 0.02,
        elections: vec![("COMP".into(), "DEM_VOTES".into(), "REP_VOTES".into())],
        county: Some(counties),
        max_county_splits: None,
        tracked: Vec::new(),
    };
    let p = Problem::new(&g, &s).unwrap();
    assert_eq!(p.total_pop(), 10_439_388, "NC 2020 census population");
    for (kind, steps) in [
        (ProposalKind::Recom, 300),
        (ProposalKind::ReversibleRecom, 300),
        (ProposalKind::Flip, 2000),
        (ProposalKind::MergeSplit, 300),
    ] {
        let mut part = Partition::new(&p, plan.assignment().to_vec()).unwrap();
        assert_valid(&p, &part, "enacted plan");
        let mut rng = Rng::for_chain(5, 0);
        let mut ws = Workspace::new(&p);
        let cfg = ProposalConfig { kind, ..ProposalConfig::default() };
        let mut c = Counters::default();
        for i in 0..steps {
            step(&p, &mut part, &mut ws, &mut rng, &cfg, &mut c);
            assert_valid(&p, &part, &format!("NC {kind:?} step {i}"));
        }
        assert!(c.accepted > 0, "{kind:?}: {c:?}");
        eprintln!("NC {kind:?}: {c:?}");
    }
}

/// A county-split limit is respected on every step of a ReCom chain on NC.
#[test]
fn nc_county_split_limit_holds() {
    let path = data_dir().join("graphs/bench/NC.json");
    let g = redraw_graph::io::read_networkx_file(&path).unwrap().graph;
    let counties = redraw_graph::Counties::from_prefix(&g, Some("GEOID"), 5).unwrap();
    let plan = redraw_graph::Plan::from_column(&g, "district").unwrap();
    let mut s = ProblemSpec {
        pop_column: "TOTAL_POP".into(),
        districts: 14,
        tolerance: 0.02,
        elections: vec![],
        county: Some(counties.clone()),
        max_county_splits: None,
        tracked: Vec::new(),
    };
    let p0 = Problem::new(&g, &s).unwrap();
    let start = Partition::new(&p0, plan.assignment().to_vec()).unwrap().county_splits();
    s.max_county_splits = Some(start);
    let p = Problem::new(&g, &s).unwrap();
    let mut part = Partition::new(&p, plan.assignment().to_vec()).unwrap();
    let mut rng = Rng::for_chain(9, 0);
    let mut ws = Workspace::new(&p);
    let cfg = ProposalConfig::default();
    let mut c = Counters::default();
    for i in 0..300 {
        step(&p, &mut part, &mut ws, &mut rng, &cfg, &mut c);
        assert!(part.county_splits() <= start, "step {i}: {} > {start}", part.county_splits());
        if i % 50 == 0 {
            assert_valid(&p, &part, "limited chain");
            // The incremental statistics agree with redraw-graph's plan queries (what the judge
            // uses): county splits and cut edges.
            let q =
                redraw_graph::Plan::new(part.assignment().to_vec(), plan.district_labels().to_vec()).unwrap();
            assert_eq!(q.county_splits(&counties).split_counties as u32, part.county_splits());
            assert_eq!(q.cut_edge_count(&g), part.cut_edges());
        }
    }
    assert!(c.invalid > 0 && c.accepted > 0, "the limit must bind sometimes: {c:?}");
}

/// Plain ReCom has no closed-form stationary distribution; what it is documented to do on the
/// 4x4 grid into 4 equal districts is move between all 117 partitions (irreducibility), keeping
/// every district at exactly 4 nodes.
#[test]
fn recom_visits_every_partition_of_the_4x4_grid() {
    let g = grid(4, 4, |_| 1);
    let p = Problem::new(&g, &spec(4, 0.0)).unwrap();
    let all = enumerate_partitions(&p);
    for sel in [PairSelection::CutEdge, PairSelection::DistrictPair] {
        let cfg = ProposalConfig { pair_selection: sel, ..ProposalConfig::default() };
        let counts = empirical(&p, &cfg, 3, 100_000, 1);
        assert_eq!(counts.len(), all.len(), "{sel:?}: visited {} of {}", counts.len(), all.len());
        assert!(counts.keys().all(|k| all.binary_search(k).is_ok()));
    }
}

/// Seed plans on the real NC graph: 14 contiguous districts within 1% of the ideal population.
#[test]
fn nc_seed_plan_is_valid() {
    let path = data_dir().join("graphs/bench/NC.json");
    let g = redraw_graph::io::read_networkx_file(&path).unwrap().graph;
    let s = ProblemSpec {
        pop_column: "TOTAL_POP".into(),
        districts: 14,
        tolerance: 0.01,
        elections: vec![],
        county: None,
        max_county_splits: None,
        tracked: Vec::new(),
    };
    let p = Problem::new(&g, &s).unwrap();
    let plan = seed_plan(&p, &mut Rng::from_seed(77)).unwrap();
    let part = Partition::new(&p, plan).unwrap();
    assert_valid(&p, &part, "NC seed plan");
}

/// ReCom with a county surcharge on the random spanning-tree weights (GerryChain's
/// `region_surcharge`) keeps every invariant on real NC and splits clearly fewer counties than
/// plain ReCom from the same start with the same seed.
#[test]
fn nc_region_surcharge_keeps_invariants_and_splits_fewer_counties() {
    let path = data_dir().join("graphs/bench/NC.json");
    let g = redraw_graph::io::read_networkx_file(&path).unwrap().graph;
    let counties = redraw_graph::Counties::from_prefix(&g, Some("GEOID"), 5).unwrap();
    let plan = redraw_graph::Plan::from_column(&g, "district").unwrap();
    let s = ProblemSpec {
        pop_column: "TOTAL_POP".into(),
        districts: 14,
        tolerance: 0.02,
        elections: vec![],
        county: Some(counties),
        max_county_splits: None,
        tracked: Vec::new(),
    };
    let p = Problem::new(&g, &s).unwrap();
    let mut mean_splits = Vec::new();
    for surcharge in [None, Some(1.0)] {
        let mut part = Partition::new(&p, plan.assignment().to_vec()).unwrap();
        let mut rng = Rng::for_chain(3, 0);
        let mut ws = Workspace::new(&p);
        let cfg = ProposalConfig { region_surcharge: surcharge, ..ProposalConfig::default() };
        let mut c = Counters::default();
        let (mut sum, mut count) = (0u64, 0u64);
        for i in 0..1500 {
            step(&p, &mut part, &mut ws, &mut rng, &cfg, &mut c);
            if i % 10 == 0 {
                assert_valid(&p, &part, &format!("surcharge {surcharge:?} step {i}"));
            }
            if i >= 500 {
                sum += part.county_splits() as u64;
                count += 1;
            }
        }
        assert!(c.accepted > 1000, "{c:?}");
        mean_splits.push(sum as f64 / count as f64);
    }
    eprintln!("mean split counties: plain ReCom {:.1}, surcharge 1.0 {:.1}", mean_splits[0], mean_splits[1]);
    assert!(mean_splits[1] < 0.8 * mean_splits[0], "{mean_splits:?}");
}
