//! Times adjacency and validation on zig-zag rings (issue 8's slow case): a ring with `n` teeth
//! of width 1 and height `n` (a sawtooth as tall as it is wide), a second one interleaved with
//! it, and a square neighbour, for growing `n`. Before the fix the time grew quadratically.
//!
//! `cargo run --release -p redraw-geo --example zigzag`
use redraw_geo::adjacency::{build_adjacency, AdjacencyOptions};
use redraw_geo::model::{validate, Crs, Feature, Layer, Polygon};
use std::time::Instant;

fn sawtooth(n: usize, x0: f64, flip: bool) -> Vec<[f64; 2]> {
    let h = n as f64;
    let mut ring = vec![[x0, -h]];
    for i in 0..=n {
        let y = if (i % 2 == 0) ^ flip { 0.0 } else { h };
        ring.push([x0 + i as f64, y]);
    }
    ring.push([x0 + n as f64, -h]);
    ring
}

fn main() {
    println!("{:>8} {:>12} {:>12}", "teeth", "validate ms", "adjacency ms");
    for n in [1_000, 2_000, 4_000, 8_000, 16_000, 32_000] {
        // Two interleaved sawtooth features sharing the same strip (neither's edges match the
        // other's, so every segment goes through the collinear-overlap pass), and a square.
        let features = vec![
            Feature {
                geometry: vec![Polygon { rings: vec![sawtooth(n, 0.0, false)] }],
                properties: Default::default(),
            },
            Feature {
                geometry: vec![Polygon { rings: vec![sawtooth(n, 0.5, true)] }],
                properties: Default::default(),
            },
            Feature {
                geometry: vec![Polygon {
                    rings: vec![vec![
                        [n as f64 + 1.0, -1.0],
                        [n as f64 + 2.0, -1.0],
                        [n as f64 + 2.0, 1.0],
                        [n as f64 + 1.0, 1.0],
                    ]],
                }],
                properties: Default::default(),
            },
        ];
        let mut layer = Layer { features, crs: Crs::projected(None, 1.0, ""), warnings: vec![] };
        let t = Instant::now();
        validate(&mut layer);
        let v = t.elapsed().as_secs_f64() * 1e3;
        let t = Instant::now();
        let adj = build_adjacency(&layer, &AdjacencyOptions::default());
        let a = t.elapsed().as_secs_f64() * 1e3;
        println!("{n:>8} {v:>12.1} {a:>12.1}   ({} edges)", adj.edges.len());
    }
}
