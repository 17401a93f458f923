//! The readers and plan queries on the real graphs in `../shared/data` (see its SOURCES.md for
//! where every figure asserted here comes from). Set `REDRAW_DATA_DIR` to use another copy.

use std::collections::HashSet;
use std::path::PathBuf;

use redraw_graph::io::{read_networkx_file, read_plan_csv, read_rdabase_files};
use redraw_graph::plan::Counties;
use redraw_graph::{validate, Column, Graph, Plan};

fn data_dir() -> PathBuf {
    let dir = std::env::var_os("REDRAW_DATA_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data")));
    assert!(
        dir.join("graphs").is_dir(),
        "shared data not found at {} (set REDRAW_DATA_DIR to the directory holding graphs/ and plans/)",
        dir.display()
    );
    dir
}

fn total(g: &Graph, col: &str) -> u64 {
    g.column_counts(col).unwrap().iter().sum()
}

/// (state, nodes, edges, 2020 population, districts in the seed plan)
const STATES: [(&str, usize, usize, u64, usize); 3] = [
    ("NC", 2_666, 7_529, 10_439_388, 14),
    ("PA", 9_178, 25_523, 13_002_700, 17),
    ("CA", 25_607, 69_384, 39_538_223, 52),
];

fn bench(state: &str) -> Graph {
    let l = read_networkx_file(&data_dir().join(format!("graphs/bench/{state}.json"))).unwrap();
    assert!(l.notes.is_empty(), "{:?}", l.notes);
    l.graph
}

fn rdabase(state: &str) -> (Graph, Vec<String>) {
    let dir = data_dir().join("graphs/rdabase");
    let l = read_rdabase_files(
        &dir.join(format!("{state}_2020_graph.json")),
        Some(&dir.join(format!("{state}_2020_data.csv"))),
        "GEOID",
    )
    .unwrap();
    (l.graph, l.notes)
}

/// Edge set by GEOID, so graphs with different node orders can be compared.
fn geoid_edges(g: &Graph) -> HashSet<(String, String)> {
    let Column::Text(geoid) = g.column("GEOID").unwrap() else { panic!("GEOID must be text") };
    g.edges()
        .map(|(u, v)| {
            let (a, b) = (geoid[u as usize].clone(), geoid[v as usize].clone());
            if a < b {
                (a, b)
            } else {
                (b, a)
            }
        })
        .collect()
}

#[test]
fn bench_graphs_match_the_official_counts_and_rdabase() {
    for (state, nodes, edges, pop, k) in STATES {
        let g = bench(state);
        assert_eq!(g.node_count(), nodes, "{state} nodes");
        assert_eq!(g.edge_count(), edges, "{state} edges");
        assert_eq!(total(&g, "TOTAL_POP"), pop, "{state} 2020 population");
        assert!(validate::require_connected(&g).is_ok(), "{state} connected");
        assert!(matches!(g.column("GEOID").unwrap(), Column::Text(_)));
        assert!(matches!(g.column("TOTAL_POP").unwrap(), Column::Int(_)));
        assert_eq!(g.labels()[0], "0", "bench ids are array indices");

        let (r, notes) = rdabase(state);
        assert_eq!(r.node_count(), nodes, "{state} rdabase nodes");
        assert_eq!(r.edge_count(), edges, "{state} rdabase edges");
        assert_eq!(total(&r, "TOTAL_POP"), pop, "{state} rdabase population");
        assert!(notes[0].starts_with("dropped the OUT_OF_STATE pseudo-node"), "{notes:?}");
        assert!(validate::require_connected(&r).is_ok());
        assert_eq!(geoid_edges(&g), geoid_edges(&r), "{state}: bench JSON and rdabase have the same edges");
        // Leading zeros survive: CA's GEOIDs start with its FIPS code 06.
        if state == "CA" {
            assert!(r.labels().iter().all(|l| l.starts_with("06") && l.len() == 12));
        }

        // The seed plan was drawn at 1% tolerance and is contiguous.
        let seed = Plan::from_column(&g, "district").unwrap();
        seed.expect_districts(k).unwrap();
        assert_eq!(seed.district_labels()[0], "1");
        assert_eq!(seed.district_labels()[k - 1], k.to_string());
        let pop_col = g.column_counts("TOTAL_POP").unwrap();
        assert_eq!(seed.district_populations(&pop_col).iter().sum::<u64>(), pop);
        let dev = seed.population_deviation(&pop_col);
        assert!(dev.max_abs <= 0.01 + 1e-9, "{state} seed plan deviation {}", dev.max_abs);
        assert!(seed.non_contiguous(&g).is_empty(), "{state} seed plan contiguous");
        let cut = seed.cut_edge_count(&g);
        assert!(cut > 0 && cut < edges);
    }
}

#[test]
fn gerrychain_fixtures() {
    let dir = data_dir().join("graphs/gerrychain_fixtures");
    let ia = read_networkx_file(&dir.join("IA_counties.json")).unwrap().graph;
    assert_eq!((ia.node_count(), ia.edge_count()), (99, 222));
    assert_eq!(total(&ia, "TOTPOP"), 3_046_355);
    assert!(ia.has_edge_lengths(), "shared_perim becomes the edge length");
    assert!(ia.neighbor_lengths(0).unwrap().iter().all(|&l| l > 0.0));
    assert!(matches!(ia.column("boundary_node").unwrap(), Column::Text(_)));
    assert!(matches!(ia.column("area").unwrap(), Column::Float(_)));
    // Iowa had 4 congressional districts in 2012–2020.
    Plan::from_column(&ia, "CD").unwrap().expect_districts(4).unwrap();

    let ar = read_networkx_file(&dir.join("AR_bg_census_2020.json")).unwrap().graph;
    assert_eq!((ar.node_count(), ar.edge_count()), (2_294, 6_357));
    assert_eq!(total(&ar, "tot_pop_20"), 3_011_524);
    assert_eq!(ar.labels()[0], "050310011011", "string ids keep their leading zero");
    assert!(ar.has_edge_lengths());
}

fn enacted(state: &str, file: &str) -> (Graph, Plan, Vec<u64>) {
    let (g, _) = rdabase(state);
    let plan = read_plan_csv(&g, &data_dir().join("plans").join(file), None).unwrap();
    let pop = g.column_counts("TOTAL_POP").unwrap();
    (g, plan, pop)
}

fn pct(x: f64) -> f64 {
    (x * 10_000.0).round() / 100.0
}

#[test]
fn enacted_plans_deviation_and_contiguity() {
    let (g, p, pop) = enacted("PA", "PA_cd_2022_vtds.csv");
    p.expect_districts(17).unwrap();
    let dev = p.population_deviation(&pop);
    assert_eq!(pct(dev.max_abs), 0.33);
    assert_eq!(pct(dev.max - dev.min), 0.60);
    assert!(p.non_contiguous(&g).is_empty());
    assert_eq!(Counties::from_prefix(&g, None, 5).unwrap().names.len(), 67, "PA has 67 counties");

    let (g, p, pop) = enacted("NC", "NC_cd_2022_vtds.csv");
    p.expect_districts(14).unwrap();
    assert_eq!(pct(p.population_deviation(&pop).max_abs), 0.46);
    assert!(p.non_contiguous(&g).is_empty());
    assert_eq!(Counties::from_prefix(&g, None, 5).unwrap().names.len(), 100, "NC has 100 counties");

    let (g, p, _) = enacted("NC", "NC_cd_2011_vtds.csv");
    let nc: Vec<(String, usize)> =
        p.non_contiguous(&g).into_iter().map(|d| (d.label, d.piece_sizes.len())).collect();
    assert_eq!(nc, vec![("1".to_string(), 4), ("4".to_string(), 2), ("6".to_string(), 2)]);

    let (g, p, pop) = enacted("CA", "CA_cd_2021_blockgroups.csv");
    p.expect_districts(52).unwrap();
    let dev = p.population_deviation(&pop);
    assert_eq!(pct(dev.max), 3.44);
    assert_eq!(pct(dev.min), -1.27);
    let worst = dev.per_district.iter().enumerate().max_by(|a, b| a.1.total_cmp(b.1)).unwrap().0;
    assert_eq!(p.district_labels()[worst], "22");
    let nc = p.non_contiguous(&g);
    let labels: Vec<&str> = nc.iter().map(|d| d.label.as_str()).collect();
    assert_eq!(labels, ["8", "9", "18", "22", "28", "34", "36", "41", "42"]);
    let cd36 = nc.iter().find(|d| d.label == "36").unwrap();
    assert_eq!(cd36.piece_sizes[1], 227, "CD 36's detached South Bay piece");
    let cd28 = nc.iter().find(|d| d.label == "28").unwrap();
    assert_eq!(cd28.piece_sizes[1], 70);
    let counties = Counties::from_prefix(&g, None, 5).unwrap();
    assert_eq!(counties.names.len(), 58, "CA has 58 counties");
    let splits = p.county_splits(&counties);
    assert!(splits.split_counties > 0 && splits.split_counties < 58);
    assert!(splits.extra_pieces >= splits.split_counties);
}

#[test]
fn plan_csv_round_trips_on_real_data() {
    let (g, p, _) = enacted("PA", "PA_cd_2022_vtds.csv");
    let mut buf = Vec::new();
    p.write_csv(&g, Some("GEOID"), ("GEOID", "district"), &mut buf).unwrap();
    let original = std::fs::read_to_string(data_dir().join("plans/PA_cd_2022_vtds.csv")).unwrap();
    assert_eq!(String::from_utf8(buf).unwrap().replace("\r\n", "\n"), original.replace("\r\n", "\n"));
    // The same plan read against the bench graph (integer ids) through its GEOID column.
    let b = bench("PA");
    let q = read_plan_csv(&b, &data_dir().join("plans/PA_cd_2022_vtds.csv"), Some("GEOID")).unwrap();
    assert_eq!(q.district_count(), 17);
    let pop = b.column_counts("TOTAL_POP").unwrap();
    assert_eq!(pct(q.population_deviation(&pop).max_abs), 0.33);
    // Without the key column the GEOIDs are unknown ids and the error says so.
    let e = read_plan_csv(&b, &data_dir().join("plans/PA_cd_2022_vtds.csv"), None).unwrap_err().to_string();
    assert!(
        e.contains("the plan names 9178 unit id(s) that are not in the graph (first at CSV line 2)"),
        "{e}"
    );
    assert!(e.contains("PA_cd_2022_vtds.csv: "), "{e}");
}

#[test]
fn networkx_writer_round_trips_ca() {
    let g = bench("CA");
    let mut buf = Vec::new();
    redraw_graph::networkx::write_networkx(&g, redraw_graph::networkx::NodeIds::Index, &mut buf).unwrap();
    let back = redraw_graph::networkx::read_networkx(std::str::from_utf8(&buf).unwrap()).unwrap().graph;
    assert_eq!(back.csr(), g.csr());
    assert_eq!(back.labels(), g.labels());
    for name in g.column_names() {
        assert_eq!(back.column(name).unwrap(), g.column(name).unwrap(), "{name}");
    }
}

#[test]
fn edge_list_round_trip_of_the_nc_graph() {
    // Export NC as an edge list + attribute CSV (by GEOID), read it back, compare.
    let (g, _) = rdabase("NC");
    let mut edges = String::from("source,target\n");
    for (u, v) in g.edges() {
        edges.push_str(&format!("{},{}\n", g.label(u), g.label(v)));
    }
    let data = std::fs::read_to_string(data_dir().join("graphs/rdabase/NC_2020_data.csv")).unwrap();
    let table = redraw_graph::attrs::AttributeTable::from_csv(data.as_bytes(), "GEOID").unwrap();
    let back = redraw_graph::edgelist::read_edge_list(edges.as_bytes(), Some(&table)).unwrap().graph;
    assert_eq!((back.node_count(), back.edge_count()), (2_666, 7_529));
    assert_eq!(back.csr(), g.csr(), "same node order (the data CSV's) and the same adjacency");
    assert_eq!(total(&back, "TOTAL_POP"), 10_439_388);
    // NC VTD ids such as "370210001.1" stay text; they are not numbers.
    assert!(matches!(back.column("GEOID").unwrap(), Column::Text(_)));
}

/// `tests/fixtures/gerrychain_grid_3x4.json` was written by GerryChain 1.0.0's `Graph.to_json`
/// from `networkx.grid_2d_graph(3, 4)` (tuple node ids, which JSON stores as arrays) with
/// `POP` = 10, `part` = 1 for rows 0–1 and 2 for row 2, and `shared_perim` = 1.5 on every edge.
#[test]
fn reads_a_graph_written_by_gerrychain() {
    let path = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/gerrychain_grid_3x4.json"));
    let g = read_networkx_file(&path).unwrap().graph;
    assert_eq!((g.node_count(), g.edge_count()), (12, 17), "a 3x4 grid has 3*3 + 2*4 edges");
    assert_eq!(g.label(0), "[0,0]");
    assert_eq!(g.label(11), "[2,3]");
    // (1,1) touches (0,1), (1,0), (1,2), (2,1).
    let u = g.labels().iter().position(|l| l == "[1,1]").unwrap() as u32;
    let mut nb: Vec<&str> = g.neighbors(u).iter().map(|&v| g.label(v)).collect();
    nb.sort_unstable();
    assert_eq!(nb, ["[0,1]", "[1,0]", "[1,2]", "[2,1]"]);
    assert!(g.neighbor_lengths(u).unwrap().iter().all(|&l| l == 1.5));
    assert_eq!(total(&g, "POP"), 120);
    let plan = Plan::from_column(&g, "part").unwrap();
    assert_eq!(plan.district_populations(&g.column_counts("POP").unwrap()), vec![80, 40]);
    assert_eq!(plan.cut_edge_count(&g), 4);
    assert!(plan.non_contiguous(&g).is_empty());
}
