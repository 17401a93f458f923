//! Benchmark: adjacency from polygons (not a test; prints timings).
//!
//!   cargo run --release -p redraw-geo --example bench_adjacency
//!
//! 1. The 3,142 US counties of the embedded us-atlas geometry (TopoJSON decode, rook, queen,
//!    and the dual graph with areas).
//! 2. Synthetic grids at block-group scale: n x n squares whose sides carry 6 intermediate
//!    vertices each (so ~28 vertices per unit, like simplified TIGER block groups), with shared
//!    vertices (clean topology), and the same grid with every other column's sides split
//!    differently (T-junctions everywhere, exercising the collinear-overlap pass).

use redraw_geo::adjacency::{build_adjacency, AdjacencyOptions};
use redraw_geo::model::{Crs, Feature, Layer, Polygon};
use std::time::Instant;

fn median_ms(mut f: impl FnMut(), runs: usize) -> f64 {
    let mut t: Vec<f64> = (0..runs)
        .map(|_| {
            let s = Instant::now();
            f();
            s.elapsed().as_secs_f64() * 1e3
        })
        .collect();
    t.sort_by(f64::total_cmp);
    t[t.len() / 2]
}

/// A square cell with `k` intermediate vertices per side; `odd` cells get `k + 1` (so their
/// shared sides do not match vertex for vertex: T-junctions).
fn grid(n: usize, k: usize, tjunctions: bool) -> Layer {
    let mut features = Vec::with_capacity(n * n);
    for y in 0..n {
        for x in 0..n {
            let kk = if tjunctions && x % 2 == 1 { k + 1 } else { k };
            let (x0, y0) = (x as f64 * 100.0, y as f64 * 100.0);
            let corners = [[x0, y0], [x0 + 100.0, y0], [x0 + 100.0, y0 + 100.0], [x0, y0 + 100.0]];
            let mut ring = Vec::new();
            for s in 0..4 {
                let (a, b) = (corners[s], corners[(s + 1) % 4]);
                // Horizontal sides are shared with rows above/below (same kk in a column);
                // vertical sides are shared across columns, where kk differs for T-junctions.
                let m = if s % 2 == 0 { k } else { kk };
                for i in 0..=m {
                    let t = i as f64 / (m + 1) as f64;
                    ring.push([a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t]);
                }
            }
            features.push(Feature {
                geometry: vec![Polygon { rings: vec![ring] }],
                properties: Default::default(),
            });
        }
    }
    Layer { features, crs: Crs::projected(None, 1.0, ""), warnings: vec![] }
}

fn main() {
    let t = Instant::now();
    let counties = redraw_geo::counties::us_counties().unwrap();
    println!(
        "us-atlas counties: decode {:.1} ms, {} units, {} vertices",
        t.elapsed().as_secs_f64() * 1e3,
        counties.features.len(),
        counties.features.iter().map(|f| f.vertex_count()).sum::<usize>()
    );
    let mut edges = 0;
    let rook = median_ms(|| edges = build_adjacency(&counties, &AdjacencyOptions::default()).edges.len(), 15);
    println!("  rook:  {rook:.1} ms median of 15 ({edges} edges)");
    let queen = median_ms(
        || {
            edges = build_adjacency(&counties, &AdjacencyOptions { queen: true, ..Default::default() })
                .edges
                .len()
        },
        15,
    );
    println!("  queen: {queen:.1} ms median of 15 ({edges} edges)");
    let adj = build_adjacency(&counties, &AdjacencyOptions::default());
    let dual = median_ms(|| drop(redraw_geo::dual::dual_graph(&counties, &adj, "id").unwrap()), 15);
    println!("  dual graph with areas: {dual:.1} ms");

    // Compactness of a 6-way split of California's 58 counties (what the judge's neutral
    // splits measure per sample).
    let mut ca = counties.clone();
    ca.features.retain(|f| f.property_text("state_fips").as_deref() == Some("06"));
    ca.warnings.clear();
    let ca_adj = build_adjacency(&ca, &AdjacencyOptions::default());
    let plan: Vec<u32> = (0..ca.features.len() as u32).map(|i| i % 6).collect();
    let index = redraw_geo::measure::ShapeIndex::new(&ca);
    let per_indexed = median_ms(
        || {
            for _ in 0..100 {
                std::hint::black_box(index.district_shapes(&ca_adj, &plan).unwrap());
            }
        },
        5,
    ) / 100.0;
    let per = median_ms(
        || {
            for _ in 0..100 {
                std::hint::black_box(redraw_geo::measure::district_shapes(&ca, &ca_adj, &plan).unwrap());
            }
        },
        5,
    ) / 100.0;
    println!(
        "district_shapes, California 58 counties in 6 parts: {per:.3} ms per plan; with a ShapeIndex built once: {per_indexed:.3} ms"
    );

    for (n, tj) in [(160, false), (160, true), (300, false)] {
        let layer = grid(n, 6, tj);
        let verts: usize = layer.features.iter().map(|f| f.vertex_count()).sum();
        let mut a = None;
        let ms = median_ms(|| a = Some(build_adjacency(&layer, &AdjacencyOptions::default())), 5);
        let a = a.unwrap();
        println!(
            "grid {n}x{n}{}: {} units, {verts} vertices: rook {ms:.0} ms median of 5 ({} edges, {} by near-match; expected {})",
            if tj { " with T-junctions" } else { "" },
            n * n,
            a.edges.len(),
            a.near_matches,
            2 * n * (n - 1)
        );
        assert_eq!(a.edges.len(), 2 * n * (n - 1));
    }
}
