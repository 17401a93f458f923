//! Shared test helpers: grid graphs and the real NC graph.
#![allow(dead_code)]

use redraw_ensemble::{Partition, Problem, ProblemSpec};
use redraw_graph::{Column, Graph};

/// A `w`×`h` grid graph (rook adjacency) with population `pop(i)` per node and two vote
/// columns, nodes numbered row-major.
pub fn grid(w: usize, h: usize, pop: impl Fn(usize) -> i64) -> Graph {
    let n = w * h;
    let mut edges = Vec::new();
    for y in 0..h {
        for x in 0..w {
            let i = (y * w + x) as u32;
            if x + 1 < w {
                edges.push((i, i + 1));
            }
            if y + 1 < h {
                edges.push((i, i + w as u32));
            }
        }
    }
    let labels = (0..n).map(|i| format!("{:02}{:03}", i / 7, i)).collect();
    let mut g = Graph::from_edges(labels, &edges, None).unwrap();
    g.set_column("pop", Column::Int((0..n).map(&pop).collect())).unwrap();
    // Votes with some structure so that seats vary between plans.
    g.set_column("d", Column::Int((0..n).map(|i| ((i * 7919) % 13) as i64 + 1).collect())).unwrap();
    g.set_column("r", Column::Int((0..n).map(|i| ((i * 104_729) % 11) as i64 + 2).collect())).unwrap();
    g
}

pub fn spec(k: usize, tol: f64) -> ProblemSpec {
    ProblemSpec {
        pop_column: "pop".into(),
        districts: k,
        tolerance: tol,
        elections: vec![("E".into(), "d".into(), "r".into())],
        county: None,
        max_county_splits: None,
        tracked: Vec::new(),
    }
}

/// Assigns grid nodes to `k` districts as horizontal bands of rows (rows divisible by k).
pub fn bands(w: usize, h: usize, k: usize) -> Vec<u32> {
    (0..w * h).map(|i| ((i / w) * k / h) as u32).collect()
}

pub fn data_dir() -> std::path::PathBuf {
    match std::env::var_os("REDRAW_DATA_DIR") {
        Some(d) => d.into(),
        None => concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data").into(),
    }
}

pub fn assert_valid(p: &Problem, part: &Partition, ctx: &str) {
    if let Err(e) = part.check(p) {
        panic!("{ctx}: {e}");
    }
    let (lo, hi) = p.pop_bounds();
    for (d, &pop) in part.district_pops().iter().enumerate() {
        assert!(pop >= lo && pop <= hi, "{ctx}: district {d} population {pop} outside [{lo}, {hi}]");
    }
}
