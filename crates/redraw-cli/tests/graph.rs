//! End-to-end tests of `redraw graph info` on the real graphs and on broken inputs.

use std::path::PathBuf;
use std::process::{Command, Output};

fn data_dir() -> PathBuf {
    let dir = std::env::var_os("REDRAW_DATA_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data")));
    assert!(dir.join("graphs").is_dir(), "shared data not found at {} (set REDRAW_DATA_DIR)", dir.display());
    dir
}

fn redraw(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_redraw")).args(args).env("NO_COLOR", "1").output().expect("run redraw")
}

fn ok_json(args: &[&str]) -> (serde_json::Value, String) {
    let out = redraw(args);
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(out.status.success(), "redraw {args:?} failed: {stderr}");
    (serde_json::from_slice(&out.stdout).expect("JSON output"), stderr)
}

fn fails(args: &[&str]) -> String {
    let out = redraw(args);
    assert!(!out.status.success(), "redraw {args:?} should fail");
    assert!(out.stdout.is_empty(), "no partial output on failure");
    String::from_utf8_lossy(&out.stderr).to_string()
}

fn prop(doc: &serde_json::Value, key: &str) -> serde_json::Value {
    doc["summary"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["property"] == key)
        .unwrap_or_else(|| panic!("{key}"))["value"]
        .clone()
}

fn tmp(name: &str, contents: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("redraw-graph-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(name);
    std::fs::write(&p, contents).unwrap();
    p
}

#[test]
fn info_on_the_bench_and_rdabase_graphs() {
    let d = data_dir();
    for (state, nodes, edges, pop) in [
        ("NC", 2_666, 7_529, 10_439_388u64),
        ("PA", 9_178, 25_523, 13_002_700),
        ("CA", 25_607, 69_384, 39_538_223),
    ] {
        let bench = d.join(format!("graphs/bench/{state}.json"));
        let (doc, _) = ok_json(&["graph", "info", bench.to_str().unwrap(), "--format", "json"]);
        assert_eq!(prop(&doc, "format"), "networkx adjacency JSON");
        assert_eq!(prop(&doc, "nodes"), nodes);
        assert_eq!(prop(&doc, "edges"), edges);
        assert_eq!(prop(&doc, "components"), 1);
        assert_eq!(prop(&doc, "population"), pop);
        let cols = doc["columns"].as_array().unwrap();
        let total_pop = cols.iter().find(|c| c["column"] == "TOTAL_POP").unwrap();
        assert_eq!(total_pop["type"], "int");
        assert_eq!(total_pop["total"], pop);

        // rdabase: the data CSV beside the graph is found; OUT_OF_STATE is dropped and said so.
        let rd = d.join(format!("graphs/rdabase/{state}_2020_graph.json"));
        let (doc, stderr) = ok_json(&["graph", "info", rd.to_str().unwrap(), "--format", "json"]);
        assert_eq!(prop(&doc, "format"), "rdabase adjacency dict");
        assert_eq!(
            (prop(&doc, "nodes"), prop(&doc, "edges"), prop(&doc, "population")),
            (nodes.into(), edges.into(), pop.into())
        );
        assert!(stderr.contains("dropped the OUT_OF_STATE pseudo-node"), "{stderr}");
        let notes = doc["notes"].as_array().unwrap();
        assert!(notes[0]["note"].as_str().unwrap().starts_with("dropped the OUT_OF_STATE pseudo-node"));
    }
}

#[test]
fn info_summarises_a_plan() {
    let d = data_dir();
    let rd = d.join("graphs/rdabase/CA_2020_graph.json");
    let plan = d.join("plans/CA_cd_2021_blockgroups.csv");
    let (doc, _) = ok_json(&[
        "graph",
        "info",
        rd.to_str().unwrap(),
        "--plan",
        plan.to_str().unwrap(),
        "--format",
        "json",
    ]);
    let rows = doc["districts"].as_array().unwrap();
    assert_eq!(rows.len(), 52);
    let split: Vec<&str> = rows
        .iter()
        .filter(|r| r["pieces"].as_array().unwrap().len() > 1)
        .map(|r| r["district"].as_str().unwrap())
        .collect();
    assert_eq!(split, ["8", "9", "18", "22", "28", "34", "36", "41", "42"]);
    let total: u64 = rows.iter().map(|r| r["population"].as_u64().unwrap()).sum();
    assert_eq!(total, 39_538_223);
    // A column plan on the bench graph: the seed plan.
    let bench = d.join("graphs/bench/PA.json");
    let out =
        redraw(&["graph", "info", bench.to_str().unwrap(), "--plan", "district", "--format", "markdown"]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("### Plan district: 17 districts, ideal 764,865"), "{text}");
}

#[test]
fn edge_list_with_attributes_and_a_disconnected_graph() {
    let edges = tmp("edges.csv", "a,b,length\nx,y,1.5\ny,z,2\nw,v,1\n");
    let attrs = tmp("units.csv", "id,POP\nx,10\ny,20\nz,30\nw,40\nv,50\n");
    let (doc, _) = ok_json(&[
        "graph",
        "info",
        edges.to_str().unwrap(),
        "--data",
        attrs.to_str().unwrap(),
        "--key",
        "id",
        "--pop",
        "POP",
        "--format",
        "json",
    ]);
    assert_eq!(prop(&doc, "format"), "edge-list CSV");
    assert_eq!(prop(&doc, "nodes"), 5);
    assert_eq!(prop(&doc, "edges"), 3);
    assert_eq!(prop(&doc, "components"), 2, "disconnected is reported, not an error");
    assert_eq!(prop(&doc, "population"), 150);
    assert_eq!(prop(&doc, "edge lengths"), "yes");
    let comps = doc["components"].as_array().unwrap();
    assert_eq!((comps[0]["units"].as_u64(), comps[1]["units"].as_u64()), (Some(3), Some(2)));
    assert_eq!(comps[1]["examples"], "w, v");
}

#[test]
fn errors_name_the_file_and_the_problem() {
    let asym = tmp("asym.json", r#"{"nodes": [{"id": 0}, {"id": 1}], "adjacency": [[{"id": 1}], []]}"#);
    let e = fails(&["graph", "info", asym.to_str().unwrap()]);
    assert!(e.contains("asym.json: asymmetric adjacency: \"0\" lists \"1\""), "{e}");

    let e = fails(&["graph", "info", "/nonexistent/graph.json"]);
    assert!(e.contains("cannot read /nonexistent/graph.json"), "{e}");

    let junk = tmp("junk.json", "not json at all");
    let e = fails(&["graph", "info", junk.to_str().unwrap()]);
    assert!(e.contains("junk.json: not a graph file redraw knows"), "{e}");

    let edges = tmp("bad_edges.csv", "x,y\ny,q\n");
    let attrs = tmp("bad_units.csv", "id,POP\nx,1\ny,2\n");
    let e =
        fails(&["graph", "info", edges.to_str().unwrap(), "--data", attrs.to_str().unwrap(), "--key", "id"]);
    assert!(e.contains("bad_edges.csv: CSV line 2: unknown unit id \"q\""), "{e}");

    let attrs = tmp("nokey.csv", "name,POP\nx,1\n");
    let e =
        fails(&["graph", "info", edges.to_str().unwrap(), "--data", attrs.to_str().unwrap(), "--key", "id"]);
    assert!(e.contains("nokey.csv: missing column \"id\"; the header has: name, POP"), "{e}");

    let bench = data_dir().join("graphs/bench/NC.json");
    let e = fails(&["graph", "info", bench.to_str().unwrap(), "--pop", "NOPE"]);
    assert!(e.contains("no column named \"NOPE\""), "{e}");
    let e = fails(&["graph", "info", bench.to_str().unwrap(), "--pop", "GEOID"]);
    assert!(e.contains("column \"GEOID\" is not numeric"), "{e}");
    let e = fails(&["graph", "info", bench.to_str().unwrap(), "--plan", "nope"]);
    assert!(e.contains("--plan nope: neither a node attribute column nor an existing file"), "{e}");
    let plan = tmp("plan.csv", "GEOID,district\n37001000001,1\n");
    let e = fails(&["graph", "info", bench.to_str().unwrap(), "--plan", plan.to_str().unwrap()]);
    assert!(e.contains("plan.csv: 2665 of 2666 units are missing from the plan"), "{e}");
}
