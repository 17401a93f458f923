//! One SMC run on a bench graph (no output files), for profiling and tuning:
//!
//!     cargo run --release -p redraw-ensemble --example smc_speed -- \
//!         ../shared/data/graphs/bench/PA.json PARTICLES [tol] [threads] [county] [alpha]
//!
//! Prints the per-stage diagnostics, plans per second (wall and CPU time) and the final ESS and
//! number of distinct plans. `county` turns on the hierarchical county constraint (GEOID prefix
//! 5).

use redraw_ensemble::smc::{run_smc, SmcConfig};
use redraw_ensemble::*;
use std::time::Instant;

fn cpu_seconds() -> f64 {
    let s = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after = s.rsplit_once(')').map(|x| x.1).unwrap_or("");
    let f: Vec<&str> = after.split_whitespace().collect();
    let t = |i: usize| f.get(i).and_then(|x| x.parse::<f64>().ok()).unwrap_or(0.0);
    (t(11) + t(12)) / 100.0
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let path = args.get(1).expect("usage: smc_speed GRAPH.json PARTICLES [tol] [threads] [county] [alpha]");
    let particles: usize = args.get(2).map_or(200, |s| s.parse().unwrap());
    let tol: f64 = args.get(3).map_or(0.02, |s| s.parse().unwrap());
    let threads: usize = args.get(4).map_or(1, |s| s.parse().unwrap());
    let county = args.get(5).is_some_and(|s| s == "county");
    let alpha: f64 = args.get(6).map_or(SmcConfig::default().seq_alpha, |s| s.parse().unwrap());
    let g = redraw_graph::io::read_networkx_file(std::path::Path::new(path)).unwrap().graph;
    let plan = redraw_graph::Plan::from_column(&g, "district").unwrap();
    let counties = redraw_graph::Counties::from_prefix(&g, Some("GEOID"), 5).unwrap();
    let spec = ProblemSpec {
        pop_column: "TOTAL_POP".into(),
        districts: plan.district_count(),
        tolerance: tol,
        elections: vec![],
        county: Some(counties),
        max_county_splits: None,
        tracked: Vec::new(),
    };
    let p = Problem::new(&g, &spec).unwrap();
    let cfg = SmcConfig { particles, county_hierarchy: county, seq_alpha: alpha, ..SmcConfig::default() };
    let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
    let (t0, c0) = (Instant::now(), cpu_seconds());
    let out = pool.install(|| run_smc(&p, &cfg, 1, 0, None)).unwrap();
    let (wall, cpu) = (t0.elapsed().as_secs_f64(), cpu_seconds() - c0);
    for s in &out.stages {
        println!(
            "stage {:>2}: ess {:>8.1}  unique anc {:>6}  accept {:.4}  attempts {:>8}  no cand {:>8}  not sel {:>8}  m {:>3} (max {:>3}), lineages {}",
            s.stage, s.ess, s.unique_ancestors, s.acceptance, s.attempts, s.no_candidate, s.not_selected, s.floor, s.max_candidates, s.lineages
        );
    }
    println!(
        "{path}: {particles} particles, tol {tol}, county {county}, alpha {alpha}, {threads} thread(s): wall {wall:.2} s = {:.1} plans/s; cpu {cpu:.2} s = {:.1} plans/s; ESS {:.1} ({:.1}%), {} distinct plans",
        particles as f64 / wall,
        particles as f64 / cpu,
        out.ess(),
        100.0 * out.ess() / particles as f64,
        out.unique_plans()
    );
}
