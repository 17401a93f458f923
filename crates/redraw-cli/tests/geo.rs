//! End-to-end tests of `redraw map`, `redraw graph build` and `redraw plot`.

use std::path::{Path, PathBuf};
use std::process::Command;

fn redraw(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_redraw")).args(args).env("NO_COLOR", "1").output().expect("run redraw")
}

fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("redraw-cli-geo-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn ok(out: &std::process::Output) {
    assert!(out.status.success(), "stderr: {}", String::from_utf8_lossy(&out.stderr));
}

/// California's counties from the embedded geometry as a GeoJSON file with GEOID, NAME, POP.
fn california_geojson(path: &Path) {
    let layer = redraw_geo::counties::us_counties().unwrap();
    let features: Vec<serde_json::Value> = layer
        .features
        .iter()
        .filter(|f| f.property_text("state_fips").as_deref() == Some("06"))
        .map(|f| {
            let polys: Vec<Vec<Vec<[f64; 2]>>> = f
                .geometry
                .iter()
                .map(|p| {
                    p.rings
                        .iter()
                        .map(|r| {
                            let mut r = r.clone();
                            r.push(r[0]);
                            r
                        })
                        .collect()
                })
                .collect();
            serde_json::json!({"type": "Feature",
                "properties": {"GEOID": f.property_text("id"), "NAME": f.property_text("name"), "POP": 1000},
                "geometry": {"type": "MultiPolygon", "coordinates": polys}})
        })
        .collect();
    let fc = serde_json::json!({"type": "FeatureCollection", "features": features});
    std::fs::write(path, serde_json::to_string(&fc).unwrap()).unwrap();
}

#[test]
fn every_preset_renders_a_map() {
    let dir = temp_dir("presets");
    for p in redraw_core::scenario::presets() {
        let out = dir.join(format!("{}.svg", p.id));
        ok(&redraw(&["map", p.id, "-o", out.to_str().unwrap()]));
        let svg = std::fs::read_to_string(&out).unwrap();
        assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"), "{}", p.id);
        // Every new or changed state is named in the legend.
        let ds = redraw_core::Dataset::embedded();
        let resolved = p.resolve(ds, &Default::default()).unwrap();
        for s in resolved
            .states
            .iter()
            .filter(|s| s.status != redraw_core::scenario::StateStatus::Unchanged && s.in_union)
        {
            assert!(svg.contains(&format!(">{}</text>", s.name)), "{}: legend lacks {}", p.id, s.name);
        }
        assert!(svg.len() < 1_500_000, "{} map is {} bytes", p.id, svg.len());
        // The Electoral College map of every preset, for 2024.
        let ec = dir.join(format!("{}-ec-2024.svg", p.id));
        ok(&redraw(&["map", p.id, "--ec", "2024", "-o", ec.to_str().unwrap()]));
        let ec = std::fs::read_to_string(&ec).unwrap();
        assert!(
            ec.contains("Pledged electors under this map") && ec.contains("D by 15 points or more"),
            "{}",
            p.id
        );
        // Every state whose House seats change but whose lines do not is shown and listed.
        let cmp = redraw_core::evaluate::compare(ds, &resolved, &Default::default()).unwrap();
        for (i, s) in resolved.states.iter().enumerate() {
            let f = &cmp.scenario.states[i];
            if let Some(o) =
                s.original.filter(|_| s.status == redraw_core::scenario::StateStatus::Unchanged && s.in_union)
            {
                let before = cmp.baseline.states[o].house_seats;
                if before != f.house_seats && !cmp.scenario.blocs.iter().any(|b| b.members.contains(&s.name))
                {
                    assert!(
                        svg.contains(&format!("{} {before}→{}", s.name, f.house_seats)),
                        "{}: {} changes seats",
                        p.id,
                        s.name
                    );
                }
            }
        }
        // Captions say "pledged"; legend areas are square miles, as in the tables.
        assert!(svg.contains("pledged electors") && !svg.contains("actual"), "{}", p.id);
        assert!(!svg.contains("km²"), "{}", p.id);
    }
    // An inset is drawn only when its state is framed: a map of Texas used to show Hawaii in
    // the Gulf of Mexico; the West Coast Health Alliance includes Hawaii, so it has the inset.
    let tx = std::fs::read_to_string(dir.join("texas-five.svg")).unwrap();
    assert!(
        !tx.contains("<title>Hawaii</title>") && !tx.contains("stroke-dasharray"),
        "Hawaii inset on a Texas map"
    );
    let wc = std::fs::read_to_string(dir.join("west-coast-health-alliance.svg")).unwrap();
    assert!(wc.contains("<title>Hawaii</title>") && wc.contains("stroke-dasharray"));
    // One colour per bloc: the four members of the alliance share the first bloc colour.
    assert!(wc.contains("#E69F00") && wc.contains(">West Coast Health Alliance</text>"));
    // A territory has no county shapes: the map says it is not drawn.
    let pr = dir.join("pr.toml");
    std::fs::write(&pr, "name = \"pr\"\n[[admit]]\nterritory = \"PR\"\n[[new_state]]\nname = \"Molokai\"\ncounties.HI = [\"Kalawao\", \"Maui\"]\n").unwrap();
    let prsvg = dir.join("pr.svg");
    ok(&redraw(&["map", pr.to_str().unwrap(), "-o", prsvg.to_str().unwrap()]));
    assert!(std::fs::read_to_string(&prsvg).unwrap().contains("Not drawn (no county shapes): Puerto Rico"));
    // A .pdf path never receives SVG; an unknown extension is refused.
    let pdf = dir.join("six.pdf");
    let o = redraw(&["map", "six-californias", "-o", pdf.to_str().unwrap()]);
    assert!(!o.status.success() && !pdf.exists(), "a .pdf path received something");
    // The default build names the feature that adds PDF output.
    assert!(String::from_utf8_lossy(&o.stderr).contains("--features pdf"));
    let o = redraw(&["map", "six-californias", "-o", dir.join("six.jpg").to_str().unwrap()]);
    assert!(!o.status.success() && String::from_utf8_lossy(&o.stderr).contains("unknown output format"));
    let six = std::fs::read_to_string(dir.join("six-californias.svg")).unwrap();
    for name in [
        "Jefferson",
        "North California",
        "Silicon Valley",
        "Central California",
        "West California",
        "South California",
    ] {
        assert!(six.contains(&format!("<title>{name}</title>")), "{name}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn graph_build_from_geojson_and_plan_map() {
    let dir = temp_dir("build");
    let gj = dir.join("ca.geojson");
    california_geojson(&gj);
    let graph = dir.join("ca.json");
    let out = redraw(&[
        "graph",
        "build",
        gj.to_str().unwrap(),
        "--id",
        "GEOID",
        "--out",
        graph.to_str().unwrap(),
        "--format",
        "json",
    ]);
    ok(&out);
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let get = |k: &str| {
        summary["summary"].as_array().unwrap().iter().find(|r| r["measure"] == k).unwrap()["value"].clone()
    };
    assert_eq!(get("units"), 58);
    assert_eq!(get("rook edges (shared border)"), 136);
    assert_eq!(get("components"), 1);
    let loaded = redraw_graph::networkx::read_networkx(&std::fs::read_to_string(&graph).unwrap()).unwrap();
    assert_eq!(loaded.graph.node_count(), 58);
    assert_eq!(loaded.graph.edge_count(), 136);
    assert!(loaded.graph.has_edge_lengths());
    assert!(loaded.graph.column("area").is_ok() && loaded.graph.column("GEOID").is_ok());

    // A county-level plan on the user's geometry: Six Californias as six "districts".
    let ds = redraw_core::Dataset::embedded();
    let six =
        redraw_core::scenario::preset("six-californias").unwrap().resolve(ds, &Default::default()).unwrap();
    let mut csv = String::from("GEOID,district\n");
    for (fips, state) in six.assignments(ds).filter(|(f, _)| f.starts_with("06")) {
        csv.push_str(&format!("{fips},{state}\n"));
    }
    let plan = dir.join("plan.csv");
    std::fs::write(&plan, csv).unwrap();
    let svg = dir.join("plan.svg");
    ok(&redraw(&[
        "map",
        "--geometry",
        gj.to_str().unwrap(),
        "--id",
        "GEOID",
        "--plan",
        plan.to_str().unwrap(),
        "--pop",
        "POP",
        "-o",
        svg.to_str().unwrap(),
    ]));
    let text = std::fs::read_to_string(&svg).unwrap();
    assert!(text.contains("6 districts on 58 units"), "subtitle");
    assert!(text.contains("Silicon Valley") && text.contains("PP 0."));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn bad_geometry_input_fails_cleanly() {
    let dir = temp_dir("bad");
    let bad = dir.join("bad.geojson");
    std::fs::write(&bad, r#"{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"Polygon","coordinates":[[[0,0],[1"#).unwrap();
    let out_path = dir.join("g.json");
    let out = redraw(&[
        "graph",
        "build",
        bad.to_str().unwrap(),
        "--id",
        "GEOID",
        "--out",
        out_path.to_str().unwrap(),
    ]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("bad.geojson") && err.contains("invalid GeoJSON"), "{err}");
    assert!(!out_path.exists(), "no partial output");

    // Missing id attribute: names the attribute and what exists.
    let gj = dir.join("ca.geojson");
    california_geojson(&gj);
    let out = redraw(&[
        "graph",
        "build",
        gj.to_str().unwrap(),
        "--id",
        "GEOID20",
        "--out",
        out_path.to_str().unwrap(),
    ]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("GEOID20") && err.contains("GEOID"), "{err}");
    assert!(!out_path.exists());

    // Self-intersecting and empty polygons: warnings, not failures.
    let warn = dir.join("warn.geojson");
    std::fs::write(&warn, r#"{"type":"FeatureCollection","features":[
      {"type":"Feature","properties":{"id":"a"},"geometry":{"type":"Polygon","coordinates":[[[0,0],[1,1],[1,0],[0,1],[0,0]]]}},
      {"type":"Feature","properties":{"id":"b"},"geometry":{"type":"Polygon","coordinates":[]}}]}"#).unwrap();
    let out = redraw(&[
        "graph",
        "build",
        warn.to_str().unwrap(),
        "--id",
        "id",
        "--out",
        out_path.to_str().unwrap(),
    ]);
    ok(&out);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("self-intersection") && err.contains("empty-geometry"), "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn plots_from_a_stats_file() {
    let dir = temp_dir("plot");
    let mut csv = String::from("chain,step,accepted,cut_edges,county_splits,pop_1,pop_2,E_dem_seats,E_dem_1,E_dem_2,E_rep_1,E_rep_2\n");
    for chain in 0..2 {
        for step in 0..50 {
            let d1 = 40 + (step * 7 + chain) % 20;
            csv.push_str(&format!(
                "{chain},{step},1,{},,{},{},{},{d1},70,60,30\n",
                100 + step % 13,
                500,
                500,
                u32::from(d1 > 60) + 1
            ));
        }
    }
    std::fs::write(dir.join("stats.csv"), csv).unwrap();
    let d = dir.to_str().unwrap();
    let h = dir.join("h.svg");
    ok(&redraw(&[
        "plot",
        d,
        "--kind",
        "histogram",
        "--stat",
        "cut_edges",
        "--mark",
        "105",
        "-o",
        h.to_str().unwrap(),
    ]));
    assert!(std::fs::read_to_string(&h).unwrap().contains("100 plans; marked value 105"));
    let b = dir.join("b.svg");
    ok(&redraw(&[
        "plot",
        d,
        "--kind",
        "boxplot",
        "--election",
        "E",
        "--overlay",
        "initial",
        "-o",
        b.to_str().unwrap(),
    ]));
    assert!(std::fs::read_to_string(&b).unwrap().contains("2 districts, 100 plans"));
    let t = dir.join("t.svg");
    ok(&redraw(&["plot", d, "--kind", "trace", "--stat", "cut_edges", "-o", t.to_str().unwrap()]));
    // One panel per chain (issue 11): the subtitle counts the chains and their recorded values.
    let trace = std::fs::read_to_string(&t).unwrap();
    assert!(trace.contains("2 chains, 50 values each") && trace.contains(">chain 2<"), "{trace}");
    let out = redraw(&["plot", d, "--kind", "histogram", "--stat", "nope", "-o", t.to_str().unwrap()]);
    assert!(!out.status.success() && String::from_utf8_lossy(&out.stderr).contains("no column `nope`"));
    std::fs::remove_dir_all(&dir).unwrap();
}

fn data_dir() -> PathBuf {
    std::env::var_os("REDRAW_DATA_DIR")
        .map_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data"), PathBuf::from)
}

/// Issue 11: `map --plan` on the NC VTD polygons with the graph's votes draws what the judge's
/// report draws: districts shaded by winner and margin, district numbers, county borders.
#[test]
fn plan_map_shades_districts_by_winner_and_margin_with_county_lines() {
    let d = data_dir();
    let shapes = d.join("shapes/NC_2020_vtd.topojson");
    if !shapes.exists() {
        panic!("the NC polygons are needed: set REDRAW_DATA_DIR ({})", shapes.display());
    }
    let dir = temp_dir("margin-map");
    let out = dir.join("nc.svg");
    let graph = d.join("graphs/rdabase/NC_2020_graph.json");
    let plan = d.join("plans/NC_cd_2022_vtds.csv");
    let args = |extra: &[&str]| -> Vec<String> {
        let mut v: Vec<String> = [
            "map",
            "--geometry",
            shapes.to_str().unwrap(),
            "--plan",
            plan.to_str().unwrap(),
            "--graph",
            graph.to_str().unwrap(),
            "--pop",
            "TOTAL_POP",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        v.extend(extra.iter().map(|s| s.to_string()));
        v
    };
    let run = |a: &[String]| redraw(&a.iter().map(String::as_str).collect::<Vec<_>>());
    ok(&run(&args(&["--election", "COMP=DEM_VOTES,REP_VOTES", "-o", out.to_str().unwrap()])));
    let svg = std::fs::read_to_string(&out).unwrap();
    assert!(svg.contains("shaded by the winner and two-party margin of COMP"), "{}", &svg[..600]);
    assert!(svg.contains("dashed lines: county borders"));
    // District 4 (Durham/Orange) is D+35.5 under the composite: the darkest blue; district 10 is
    // R+38.1: the darkest red; district 13 is D+1.3: the lightest blue. (Figures of the enacted
    // plan in docs/examples/nc-2022/report.md.)
    let legend_fill = |district: &str, note: &str| {
        let at = svg.find(note).unwrap_or_else(|| panic!("district {district}: {note} in the legend"));
        let before = &svg[..at];
        let rect = before.rfind("<rect").unwrap();
        before[rect..].split("fill=\"").nth(1).unwrap().split('"').next().unwrap().to_string()
    };
    assert_eq!(legend_fill("4", "D+35.5 · pop 745,033"), "#2166ac");
    assert_eq!(legend_fill("10", "R+38.1 · pop 744,646"), "#b2182b");
    assert_eq!(legend_fill("13", "D+1.3 · pop 745,370"), "#d1e5f0");
    assert!(svg.contains(">14</text>"), "district numbers on the map");

    // A vote column the graph lacks: the graph's file and the column are named.
    let o = run(&args(&["--election", "X=NOPE,REP_VOTES", "-o", dir.join("x.svg").to_str().unwrap()]));
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("NC_2020_graph.json") && err.contains("NOPE"), "{err}");
    assert!(!dir.join("x.svg").exists(), "no partial output");
    let o = run(&args(&["--election", "COMP", "-o", dir.join("x.svg").to_str().unwrap()]));
    assert!(String::from_utf8_lossy(&o.stderr).contains("expected NAME=DEM_COLUMN,REP_COLUMN"));
    let _ = std::fs::remove_dir_all(&dir);
}
