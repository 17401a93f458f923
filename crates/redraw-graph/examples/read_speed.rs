//! Times the graph readers on the real graphs (a benchmark, not a test):
//! `cargo run --release -p redraw-graph --example read_speed [DATA_DIR]`.

use std::path::PathBuf;
use std::time::Instant;

use redraw_graph::io::{read_networkx_file, read_rdabase_files};

fn main() {
    let dir = std::env::args()
        .nth(1)
        .or_else(|| std::env::var("REDRAW_DATA_DIR").ok())
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data")));
    for state in ["NC", "PA", "CA"] {
        let path = dir.join(format!("graphs/bench/{state}.json"));
        let best = (0..5)
            .map(|_| {
                let t = Instant::now();
                let g = read_networkx_file(&path).expect("read").graph;
                std::hint::black_box(g.edge_count());
                t.elapsed().as_secs_f64()
            })
            .fold(f64::INFINITY, f64::min);
        let rd = dir.join("graphs/rdabase");
        let best_rd = (0..5)
            .map(|_| {
                let t = Instant::now();
                let g = read_rdabase_files(&rd.join(format!("{state}_2020_graph.json")), None, "GEOID")
                    .expect("read")
                    .graph;
                std::hint::black_box(g.edge_count());
                t.elapsed().as_secs_f64()
            })
            .fold(f64::INFINITY, f64::min);
        println!(
            "{state}: networkx JSON {:.1} ms, rdabase graph+data {:.1} ms (best of 5)",
            best * 1e3,
            best_rd * 1e3
        );
    }
}
