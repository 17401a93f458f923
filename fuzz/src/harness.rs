//! One function per fuzz target: feed arbitrary bytes to a reader exactly as redraw does, and
//! check that it returns either a clear error or a value that satisfies the reader's documented
//! invariants. A panic anywhere (including a failed invariant below) is a finding; libFuzzer's
//! `-timeout` and `-rss_limit_mb`/`-malloc_limit_mb` turn hangs and runaway allocations into
//! findings too.
//!
//! This file is compiled twice: by the fuzz crate (nightly, cargo-fuzz) and, through
//! `#[path]`, by the stable test `crates/redraw-cli/tests/fuzz_regressions.rs`, which replays
//! the committed seeds and minimized crashers. So it may use only the workspace crates and std.

#![allow(dead_code)]

use std::io::Cursor;

use redraw_graph::{Column, Graph};

/// Splits `data` at the first `\n---\n` into two documents (the second may be absent), the
/// layout of the multi-file targets' inputs.
fn split2(data: &[u8]) -> (&[u8], Option<&[u8]>) {
    const SEP: &[u8] = b"\n---\n";
    match data.windows(SEP.len()).position(|w| w == SEP) {
        Some(i) => (&data[..i], Some(&data[i + SEP.len()..])),
        None => (data, None),
    }
}

/// The invariants every reader promises of a graph (`redraw_graph::graph` module docs).
pub fn check_graph(g: &Graph) {
    let n = g.node_count();
    let (offsets, neighbors) = g.csr();
    assert_eq!(offsets.len(), n + 1);
    assert_eq!(offsets[n] as usize, neighbors.len());
    for u in 0..n as u32 {
        let nb = g.neighbors(u);
        assert!(nb.windows(2).all(|w| w[0] < w[1]), "adjacency of {u} not sorted or has duplicates");
        for &v in nb {
            assert!((v as usize) < n && v != u, "bad neighbour {v} of {u}");
            assert!(g.neighbors(v).binary_search(&u).is_ok(), "asymmetric edge {u}-{v}");
        }
        if let Some(l) = g.neighbor_lengths(u) {
            assert_eq!(l.len(), nb.len());
        }
    }
    assert_eq!(g.labels().len(), n);
    for name in g.column_names() {
        assert_eq!(g.column(name).unwrap().len(), n, "column {name}");
        // Count columns either convert or fail cleanly, and their totals never overflow.
        if let Ok(c) = g.column_counts(name) {
            let total = c.iter().try_fold(0u64, |a, &x| a.checked_add(x));
            assert!(total.is_some_and(|t| t <= redraw_graph::graph::MAX_COUNT_TOTAL));
        }
    }
    let _ = g.components();
}

/// networkx adjacency JSON (`redraw_graph::networkx`), plus the writer round trip.
pub fn networkx(data: &[u8]) {
    let Ok(text) = redraw_graph::limits::read_text_capped(data, 1 << 30, "fuzz input") else { return };
    let Ok(loaded) = redraw_graph::networkx::read_networkx(&text) else { return };
    let g = &loaded.graph;
    check_graph(g);
    let mut out = Vec::new();
    redraw_graph::networkx::write_networkx(g, redraw_graph::networkx::NodeIds::Labels, &mut out).unwrap();
    let back = redraw_graph::networkx::read_networkx(std::str::from_utf8(&out).unwrap());
    // Labels must be unique for the writer's output to read back; a graph read from a file
    // always has unique labels (duplicates are an error), so the round trip must succeed.
    let back = back.expect("the networkx writer's output reads back");
    assert_eq!(back.graph.csr(), g.csr());
}

/// rdabase adjacency dict, optionally followed by `\n---\n` and its data CSV keyed by GEOID.
pub fn rdabase(data: &[u8]) {
    let (json, csv) = split2(data);
    let Ok(json) = std::str::from_utf8(json) else { return };
    let table = csv.and_then(|c| redraw_graph::attrs::AttributeTable::from_csv(c, "GEOID").ok());
    if let Ok(l) = redraw_graph::rdabase::read_rdabase(json, table.as_ref()) {
        check_graph(&l.graph);
    }
}

/// Edge-list CSV, optionally followed by `\n---\n` and an attribute CSV keyed by `id`.
pub fn edge_list(data: &[u8]) {
    let (edges, csv) = split2(data);
    let table = csv.and_then(|c| redraw_graph::attrs::AttributeTable::from_csv(c, "id").ok());
    if let Ok(l) = redraw_graph::edgelist::read_edge_list(edges, table.as_ref()) {
        check_graph(&l.graph);
    }
}

/// A 3x3 grid whose units are `u0`..`u8`, with a GEOID column `060010`.. (leading zeros).
fn grid() -> Graph {
    let labels: Vec<String> = (0..9).map(|i| format!("u{i}")).collect();
    let mut edges = Vec::new();
    for r in 0..3u32 {
        for c in 0..3u32 {
            let u = r * 3 + c;
            if c < 2 {
                edges.push((u, u + 1));
            }
            if r < 2 {
                edges.push((u, u + 3));
            }
        }
    }
    let mut g = Graph::from_edges(labels, &edges, None).unwrap();
    g.set_column("GEOID", Column::Text((0..9).map(|i| format!("06001{i}")).collect())).unwrap();
    g.set_column("POP", Column::Int(vec![10, 11, 12, 13, 14, 15, 16, 17, 18])).unwrap();
    g
}

/// A plan CSV against a fixed 3x3 grid, matched by node label and by the GEOID column.
pub fn plan_csv(data: &[u8]) {
    let g = grid();
    for key in [None, Some("GEOID")] {
        let Ok(plan) = redraw_graph::Plan::from_csv(&g, data, key) else { continue };
        let k = plan.district_count();
        assert_eq!(plan.assignment().len(), g.node_count());
        let mut seen = vec![false; k];
        for &d in plan.assignment() {
            assert!((d as usize) < k);
            seen[d as usize] = true;
        }
        assert!(seen.iter().all(|&s| s), "a district without units");
        assert!(plan.district_labels().iter().all(|l| !l.is_empty()), "an empty district label");
        let mut out = Vec::new();
        plan.write_csv(&g, key, ("id", "district"), &mut out).unwrap();
        let back = redraw_graph::Plan::from_csv(&g, &out[..], key).expect("written plan reads back");
        assert_eq!(back, plan);
    }
}

/// A scenario TOML file: parsed, resolved against the embedded dataset and evaluated.
pub fn scenario(data: &[u8]) {
    use redraw_core::scenario::{ResolveOptions, Scenario};
    let Ok(text) = redraw_graph::limits::read_text_capped(data, 1 << 24, "fuzz input") else { return };
    let Ok(sc) = Scenario::from_toml(&text, "fuzz.toml") else { return };
    let ds = redraw_core::Dataset::embedded();
    let Ok(resolved) = sc.resolve(ds, &ResolveOptions::default(), Some((&text, "fuzz.toml"))) else {
        return;
    };
    let opts = redraw_core::evaluate::EvalOptions::default();
    let _ = redraw_core::evaluate::compare(ds, &resolved, &opts);
    // Export and re-read: the TOML writer's output is a valid scenario file.
    let again = Scenario::from_toml(&sc.to_toml(), "export.toml").expect("exported scenario reads back");
    assert_eq!(again.to_toml(), sc.to_toml());
}

/// Everything downstream of a shape reader: adjacency (rook, queen, island bridging), the dual
/// graph, and the graph invariants.
fn check_layer(layer: &redraw_geo::Layer) {
    use redraw_geo::adjacency::{build_adjacency, AdjacencyOptions};
    for opts in [
        AdjacencyOptions::default(),
        AdjacencyOptions { queen: true, connect_islands: true, ..Default::default() },
    ] {
        let adj = build_adjacency(layer, &opts);
        assert_eq!(adj.node_count, layer.features.len());
        for e in &adj.edges {
            assert!(e.a < e.b && (e.b as usize) < adj.node_count);
        }
        let _ = adj.exterior_m();
        // Node labels from the feature index: always unique.
        let mut l = layer.clone();
        for (i, f) in l.features.iter_mut().enumerate() {
            f.properties.insert("__fuzz_id".into(), serde_json::Value::from(i as u64));
        }
        if let Ok(g) = redraw_geo::dual::dual_graph(&l, &adj, "__fuzz_id") {
            check_graph(&g);
        }
    }
}

/// GeoJSON text (`redraw_geo::io::read_json_text`, which also routes topologies).
pub fn geojson(data: &[u8]) {
    let Ok(text) = redraw_graph::limits::read_text_capped(data, 1 << 30, "fuzz input") else { return };
    if let Ok(layer) = redraw_geo::geojson_reader::read_geojson(&text) {
        check_layer(&layer);
    }
    if let Ok(layer) = redraw_geo::io::read_json_text(&text, None) {
        check_layer(&layer);
    }
}

/// TopoJSON text.
pub fn topojson(data: &[u8]) {
    let Ok(text) = redraw_graph::limits::read_text_capped(data, 1 << 30, "fuzz input") else { return };
    if let Ok(layer) = redraw_geo::topojson::read_topojson(&text, None) {
        check_layer(&layer);
    }
    let _ = redraw_geo::topojson::object_names(&text);
}

/// A shapefile: either `ZIP!` and a zip archive (read by `redraw_geo::io::read_zip` exactly as
/// a `.zip` path is), or 4 bytes (little-endian, modulo the rest's length) giving the length of
/// the `.shp` part, then the `.shp` bytes, then the `.dbf` bytes.
pub fn shapefile(data: &[u8]) {
    if let Some(zip) = data.strip_prefix(b"ZIP!") {
        if let Ok(layer) = redraw_geo::io::read_zip(Cursor::new(zip), "fuzz.zip", None) {
            check_layer(&layer);
        }
        return;
    }
    if data.len() < 4 {
        return;
    }
    let rest = &data[4..];
    let cut = u32::from_le_bytes(data[..4].try_into().unwrap()) as usize % (rest.len() + 1);
    let (shp, dbf) = rest.split_at(cut);
    if let Ok(layer) = redraw_geo::shp::read_shapefile(Cursor::new(shp), Cursor::new(dbf), None, None) {
        check_layer(&layer);
    }
}

/// `assignments.bin` (`redraw_ensemble::AssignmentReader`), checked against its length as
/// `run::open_assignments` does, then every record read.
pub fn assignments(data: &[u8]) {
    let Ok(mut r) = redraw_ensemble::AssignmentReader::with_file_len(data, data.len() as u64) else { return };
    let h = *r.header();
    let mut a = Vec::new();
    let mut records = 0u64;
    while let Ok(Some(_)) = r.next_into(&mut a) {
        assert_eq!(a.len(), h.node_count as usize);
        assert!(a.iter().all(|&d| d < h.districts));
        records += 1;
    }
    assert!(records <= h.samples);
}

/// `redraw apportion --populations`: the file parsed, then every method on it, and the margins
/// (which used to loop forever) for small state counts.
pub fn populations(data: &[u8]) {
    use redraw_core::apportion::{apportion, margins, parse_populations};
    let Ok(text) = redraw_graph::limits::read_text_capped(data, 1 << 24, "fuzz input") else { return };
    let Ok(rows) = parse_populations(&text, "fuzz.csv") else { return };
    let pops: Vec<u64> = rows.iter().map(|r| r.1).collect();
    let house = pops.len() as u32 + (data.len() as u32 % 120);
    for m in redraw_core::Method::ALL {
        let Ok(app) = apportion(&pops, house, m) else { continue };
        assert_eq!(app.seats.iter().sum::<u32>(), house);
        assert!(app.seats.iter().all(|&s| s >= 1));
        if pops.len() <= 12 && house <= 200 {
            let marg = margins(&pops, &app).expect("margins of a valid apportionment");
            assert_eq!(marg.len(), pops.len());
        }
    }
}

/// A run directory's `manifest.json`, then `\n---\n` and its `stats.csv`: the manifest checks,
/// the judge's and the plotter's stats readers, and the rows against the manifest.
pub fn run_dir(data: &[u8]) {
    let (manifest, stats) = split2(data);
    let manifest =
        std::str::from_utf8(manifest).ok().and_then(|t| redraw_ensemble::Manifest::from_json(t).ok());
    let checked = manifest.filter(|m| m.check().is_ok());
    if let Some(m) = &checked {
        // Sizes the judge relies on after the check.
        let _ = m.totals();
        assert!(m.total_samples().is_some() && m.total_plans().is_some());
        let _ = m.expected_rows().take(1000).count();
        let _ = m.expected_plans().take(1000).count();
    }
    let Some(stats) = stats else { return };
    if let Ok(s) = redraw_judge::EnsembleStats::from_csv(stats, "stats.csv") {
        assert_eq!(s.chain.len(), s.step.len());
        let _ = s.chain_ranges();
        if let Some(m) = &checked {
            let _ = m.check_rows(s.chain.iter().copied().zip(s.step.iter().copied()));
        }
    }
    if let Ok(t) = redraw_judge::StatsTable::from_csv(stats, "stats.csv", |_| true) {
        assert!(t.columns.iter().all(|(_, v)| v.len() == t.chain.len()));
    }
}

/// The fixed problem of the checkpoint target: a 3x3 grid of populations 10..18 into 3
/// districts at 50 % tolerance, and 10-step chains recording a row every step and a
/// delta-encoded plan every third.
pub fn checkpoint_problem() -> (redraw_ensemble::Problem, redraw_ensemble::ChainParams) {
    let g = grid();
    let spec = redraw_ensemble::ProblemSpec {
        pop_column: "POP".into(),
        districts: 3,
        tolerance: 0.5,
        elections: vec![],
        county: None,
        max_county_splits: None,
        tracked: vec![],
    };
    let p = redraw_ensemble::Problem::new(&g, &spec).expect("a valid problem");
    // Delta records with a thinning that leaves steps unrecorded: checkpoints then carry a
    // reference plan that is not the chain's state.
    let params = redraw_ensemble::ChainParams {
        seed: 1,
        chains: 1,
        steps: 10,
        thin: 3,
        burn_in: 0,
        record: redraw_ensemble::Record::Thinned,
        compression: redraw_ensemble::Compression::Delta,
        proposal: redraw_ensemble::ProposalConfig::default(),
    };
    (p, params)
}

fn sha256(bytes: &[u8]) -> Vec<u8> {
    let hex = redraw_ensemble::run::sha256_hex(bytes);
    (0..32).map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).unwrap()).collect()
}

/// A chain checkpoint: as given (the SHA-256 must match), and with its SHA-256 recomputed so
/// that mutations reach the decoder's other checks. A decoded checkpoint must hold a valid
/// chain state.
pub fn checkpoint(data: &[u8]) {
    use redraw_ensemble::checkpoint::Checkpoint;
    let (p, params) = checkpoint_problem();
    let mut resealed = data.get(..data.len().saturating_sub(32)).unwrap_or_default().to_vec();
    let digest = sha256(&resealed);
    resealed.extend_from_slice(&digest);
    for bytes in [data, &resealed[..]] {
        if let Ok(ck) = Checkpoint::decode(bytes, &p, &params, 0) {
            ck.partition.check(&p).expect("a decoded checkpoint holds a valid state");
            assert!(ck.step <= params.steps);
            assert_eq!(Checkpoint::decode(&ck.encode(), &p, &params, 0).map(|c| c.step), Ok(ck.step));
        }
    }
}
