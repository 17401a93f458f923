//! redraw's metrics agree with GerryChain 1.0 on shared cases.
//!
//! The fixture `fixtures/gerrychain_reference.json` is produced by
//! `bench/metrics/gerrychain_reference.py` (GerryChain with the Democratic column listed first,
//! which gives GerryChain's metrics redraw's sign convention). Vote-vector cases check the
//! partisan formulas; plan cases recompute everything from the real bench graphs and enacted
//! plans in the shared data directory, so aggregation, cut edges and county splits are checked
//! on real data too.

use redraw_metrics::{plan, ElectionResults};
use serde_json::Value;

const TOL: f64 = 1e-9;

fn fixture() -> Value {
    let text = include_str!("fixtures/gerrychain_reference.json");
    serde_json::from_str(text).expect("fixture parses")
}

fn data_dir() -> std::path::PathBuf {
    std::env::var_os("REDRAW_DATA_DIR")
        .map(Into::into)
        .unwrap_or_else(|| concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data").into())
}

fn f64s(v: &Value) -> Vec<f64> {
    v.as_array().expect("array").iter().map(|x| x.as_f64().expect("number")).collect()
}

fn assert_close(name: &str, metric: &str, got: f64, want: f64) {
    assert!((got - want).abs() <= TOL, "{name}: {metric}: redraw {got} vs GerryChain {want}");
}

/// Compares every metric GerryChain defines. GerryChain's `partisan_bias` is redraw's
/// `partisan_bias` (Gelman and King's: the average district vote swung to 50 %). Both count a tied district (and a district exactly at the mean share) for
/// neither party, so seats and the bias agree on ties too; the efficiency gap differs on a tie by
/// design (GerryChain gives it to the second party listed; see `ElectionResults::wasted_votes`),
/// so the fixture's cases have none.
fn check_partisan(name: &str, e: &ElectionResults, case: &Value) {
    assert_close(name, "efficiency_gap", e.efficiency_gap(), case["efficiency_gap"].as_f64().unwrap());
    assert_close(name, "mean_median", e.mean_median(), case["mean_median"].as_f64().unwrap());
    assert_close(name, "partisan_bias", e.partisan_bias(), case["partisan_bias"].as_f64().unwrap());
    assert_close(name, "partisan_gini", e.partisan_gini(), case["partisan_gini"].as_f64().unwrap());
    assert_close(name, "dem_share", e.statewide_dem_share(), case["dem_share"].as_f64().unwrap());
    assert_eq!(e.dem_seats(), case["dem_seats"].as_f64().unwrap(), "{name}: seats");
}

#[test]
fn vote_vectors_agree_with_gerrychain() {
    let fx = fixture();
    let cases = fx["vectors"].as_array().unwrap();
    assert!(cases.len() >= 8);
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let e = ElectionResults::new(f64s(&case["dem"]), f64s(&case["rep"])).unwrap();
        let shares = e.dem_shares();
        let mean = e.mean_dem_share();
        assert!(shares.iter().all(|s| (s - mean).abs() > 1e-12), "{name}: a district sits at the mean");
        check_partisan(name, &e, case);
    }
}

/// Minimal reader for the networkx adjacency JSON of the bench graphs (test-only, so this
/// crate does not depend on the graph crate): GEOIDs, columns and CSR adjacency.
struct BenchGraph {
    geoid: Vec<String>,
    pop: Vec<f64>,
    dem: Vec<f64>,
    rep: Vec<f64>,
    offsets: Vec<u32>,
    neighbors: Vec<u32>,
}

fn read_bench_graph(rel: &str) -> BenchGraph {
    let path = data_dir().join(rel);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!("cannot read {} (set REDRAW_DATA_DIR to the shared data directory): {e}", path.display())
    });
    let v: Value = serde_json::from_str(&text).unwrap();
    let nodes = v["nodes"].as_array().unwrap();
    let col = |k: &str| nodes.iter().map(|n| n[k].as_f64().unwrap()).collect::<Vec<f64>>();
    for (i, n) in nodes.iter().enumerate() {
        assert_eq!(n["id"].as_u64().unwrap() as usize, i, "bench graphs number nodes 0..n in order");
    }
    let mut offsets = vec![0u32];
    let mut neighbors = Vec::new();
    for adj in v["adjacency"].as_array().unwrap() {
        let mut ids: Vec<u32> =
            adj.as_array().unwrap().iter().map(|a| a["id"].as_u64().unwrap() as u32).collect();
        ids.sort_unstable();
        neighbors.extend(ids);
        offsets.push(neighbors.len() as u32);
    }
    BenchGraph {
        geoid: nodes.iter().map(|n| n["GEOID"].as_str().unwrap().to_string()).collect(),
        pop: col("TOTAL_POP"),
        dem: col("DEM_VOTES"),
        rep: col("REP_VOTES"),
        offsets,
        neighbors,
    }
}

#[test]
fn enacted_plans_agree_with_gerrychain() {
    let fx = fixture();
    for case in fx["plans"].as_array().unwrap() {
        let name = case["plan"].as_str().unwrap();
        let g = read_bench_graph(case["graph"].as_str().unwrap());
        let plan_path = data_dir().join(name);
        let text = std::fs::read_to_string(&plan_path).unwrap();
        let by_geoid: std::collections::HashMap<&str, u32> = text
            .lines()
            .skip(1)
            .map(|l| {
                let (g, d) = l.split_once(',').unwrap();
                (g, d.trim().parse::<u32>().unwrap())
            })
            .collect();
        let districts: Vec<u32> =
            case["districts"].as_array().unwrap().iter().map(|d| d.as_u64().unwrap() as u32).collect();
        let k = districts.len();
        // District numbers are 1..=k; redraw's assignments are 0-based.
        let assignment: Vec<u32> = g.geoid.iter().map(|id| by_geoid[id.as_str()] - 1).collect();
        let dem = plan::tally(&assignment, &g.dem, k).unwrap();
        let rep = plan::tally(&assignment, &g.rep, k).unwrap();
        assert_eq!(dem, f64s(&case["dem"]), "{name}: Democratic votes by district");
        assert_eq!(rep, f64s(&case["rep"]), "{name}: Republican votes by district");
        let bal = plan::population_balance(&assignment, &g.pop, k).unwrap();
        assert_eq!(bal.district_populations, f64s(&case["population"]), "{name}: population");
        let e = ElectionResults::new(dem, rep).unwrap();
        check_partisan(name, &e, case);
        let cut = plan::cut_edges(&g.offsets, &g.neighbors, &assignment).unwrap();
        assert_eq!(cut as u64, case["cut_edges"].as_u64().unwrap(), "{name}: cut edges");
        let county: Vec<Option<u32>> =
            plan::dense_region_ids(&g.geoid.iter().map(|s| &s[..5]).collect::<Vec<_>>())
                .into_iter()
                .map(Some)
                .collect();
        let splits = plan::region_splits(&assignment, &county).unwrap();
        assert_eq!(splits.regions as u64, case["counties"].as_u64().unwrap(), "{name}: counties");
        assert_eq!(
            splits.split_regions as u64,
            case["split_counties"].as_u64().unwrap(),
            "{name}: split counties"
        );
    }
}

#[test]
fn enacted_plan_population_matches_sources() {
    // SOURCES.md: NC 2022 max |dev| 0.46 %, range 0.73 %; PA 2022 max 0.33 %, range 0.60 %.
    for (graph, plan_rel, k, max_dev, range) in [
        ("graphs/bench/NC.json", "plans/NC_cd_2022_vtds.csv", 14, 0.0046, 0.0073),
        ("graphs/bench/PA.json", "plans/PA_cd_2022_vtds.csv", 17, 0.0033, 0.0060),
    ] {
        let g = read_bench_graph(graph);
        let text = std::fs::read_to_string(data_dir().join(plan_rel)).unwrap();
        let by_geoid: std::collections::HashMap<String, u32> = text
            .lines()
            .skip(1)
            .map(|l| {
                let (g, d) = l.split_once(',').unwrap();
                (g.to_string(), d.trim().parse::<u32>().unwrap() - 1)
            })
            .collect();
        let assignment: Vec<u32> = g.geoid.iter().map(|id| by_geoid[id]).collect();
        let b = plan::population_balance(&assignment, &g.pop, k).unwrap();
        assert!((b.max_abs_deviation - max_dev).abs() < 5e-5, "{plan_rel}: {}", b.max_abs_deviation);
        assert!((b.range - range).abs() < 5e-5, "{plan_rel}: {}", b.range);
        let pieces = plan::district_components(&g.offsets, &g.neighbors, &assignment, k).unwrap();
        assert!(pieces.iter().all(|&p| p == 1), "{plan_rel}: all districts contiguous: {pieces:?}");
    }
}
