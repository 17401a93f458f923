//! Steps per second of the bare chain (no output files) on a bench graph, for profiling:
//!
//!     cargo run --release -p redraw-ensemble --example recom_speed -- \
//!         ../shared/data/graphs/bench/PA.json 20000 [recom|reversible-recom|flip] [tol]
//!
//! Prints wall-clock and CPU-time rates (CPU time from getrusage-free `/proc/self/stat`, so the
//! figure is meaningful on a loaded machine too).

use redraw_ensemble::proposal::step;
use redraw_ensemble::*;
use std::time::Instant;

fn cpu_seconds() -> f64 {
    // utime + stime in clock ticks (fields 14 and 15 of /proc/self/stat); 100 ticks/s on Linux.
    let s = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after = s.rsplit_once(')').map(|x| x.1).unwrap_or("");
    let f: Vec<&str> = after.split_whitespace().collect();
    let t = |i: usize| f.get(i).and_then(|x| x.parse::<f64>().ok()).unwrap_or(0.0);
    (t(11) + t(12)) / 100.0
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let path = args.get(1).expect("usage: recom_speed GRAPH.json STEPS [proposal] [tol]");
    let steps: u64 = args.get(2).map_or(10_000, |s| s.parse().unwrap());
    let kind = match args.get(3).map(String::as_str) {
        Some("reversible-recom") => ProposalKind::ReversibleRecom,
        Some("flip") => ProposalKind::Flip,
        _ => ProposalKind::Recom,
    };
    let tol: f64 = args.get(4).map_or(0.02, |s| s.parse().unwrap());
    let g = redraw_graph::io::read_networkx_file(std::path::Path::new(path)).unwrap().graph;
    let plan = redraw_graph::Plan::from_column(&g, "district").unwrap();
    let spec = ProblemSpec {
        pop_column: "TOTAL_POP".into(),
        districts: plan.district_count(),
        tolerance: tol,
        elections: vec![("E".into(), "DEM_VOTES".into(), "REP_VOTES".into())],
        county: None,
        max_county_splits: None,
        tracked: Vec::new(),
    };
    let p = Problem::new(&g, &spec).unwrap();
    let mut part = Partition::new(&p, plan.assignment().to_vec()).unwrap();
    let mut ws = Workspace::new(&p);
    let mut rng = Rng::for_chain(1, 0);
    let cfg = ProposalConfig { kind, ..ProposalConfig::default() };
    let mut c = Counters::default();
    let (t0, c0) = (Instant::now(), cpu_seconds());
    for _ in 0..steps {
        step(&p, &mut part, &mut ws, &mut rng, &cfg, &mut c);
    }
    let (wall, cpu) = (t0.elapsed().as_secs_f64(), cpu_seconds() - c0);
    println!(
        "{path}: {steps} steps, {} accepted, {} trees; wall {wall:.2} s = {:.0} steps/s; cpu {cpu:.2} s = {:.0} steps/s",
        c.accepted,
        c.trees,
        steps as f64 / wall,
        steps as f64 / cpu
    );
}
