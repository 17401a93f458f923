//! End-to-end `redraw judge` on real data: a small ReCom ensemble on the North Carolina VTD
//! graph (drawn here with the ensemble library), the enacted 2022 plan judged against it, and
//! the bad-input cases (unknown GEOIDs, missing units, wrong district count) failing clearly.

use std::path::{Path, PathBuf};
use std::process::Command;

use redraw_ensemble::run::{run, Execution, RunSpec};
use redraw_ensemble::{ChainParams, Compression, Problem, ProblemSpec, ProposalConfig, ProposalKind, Record};

fn data_dir() -> PathBuf {
    std::env::var_os("REDRAW_DATA_DIR")
        .map(Into::into)
        .unwrap_or_else(|| concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data").into())
}

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("redraw-judge-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Draws a small NC ensemble (2 chains × 300 ReCom steps from the bench seed plan, ±2 %).
fn nc_ensemble(dir: &Path) {
    let path = data_dir().join("graphs/bench/NC.json");
    let g = redraw_graph::io::read_networkx_file(&path)
        .unwrap_or_else(|e| panic!("the NC bench graph is needed (set REDRAW_DATA_DIR): {e}"))
        .graph;
    let counties = redraw_graph::Counties::from_prefix(&g, Some("GEOID"), 5).unwrap();
    let spec = ProblemSpec {
        pop_column: "TOTAL_POP".into(),
        districts: 14,
        tolerance: 0.02,
        elections: vec![("COMP".into(), "DEM_VOTES".into(), "REP_VOTES".into())],
        county: Some(counties),
        max_county_splits: None,
        tracked: Vec::new(),
    };
    let p = Problem::new(&g, &spec).unwrap();
    let seed = redraw_graph::Plan::from_column(&g, "district").unwrap();
    let rs = RunSpec {
        problem: &p,
        initial: seed.assignment().to_vec(),
        district_labels: seed.district_labels().to_vec(),
        params: ChainParams {
            seed: 7,
            chains: 2,
            steps: 300,
            thin: 1,
            burn_in: 0,
            record: Record::Every,
            compression: Compression::None,
            proposal: ProposalConfig { kind: ProposalKind::Recom, ..ProposalConfig::default() },
        },
        inputs: serde_json::json!({"graph": "graphs/bench/NC.json", "pop_column": "TOTAL_POP"}),
    };
    run(dir, &rs, &Execution { threads: 2, ..Default::default() }, false).unwrap();
}

fn redraw(args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_redraw")).args(args).env("NO_COLOR", "1").output().unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn judges_nc_2022_and_rejects_bad_plans() {
    let work = tmp("nc");
    let run_dir = work.join("run");
    nc_ensemble(&run_dir);
    let graph = data_dir().join("graphs/bench/NC.json");
    let graph = graph.to_str().unwrap();
    let plan = data_dir().join("plans/NC_cd_2022_vtds.csv");
    let plan = plan.to_str().unwrap();
    let report = work.join("report");
    let (ok, stdout, stderr) = redraw(&[
        "judge",
        "--graph",
        graph,
        "--plan",
        plan,
        "--ensemble",
        run_dir.to_str().unwrap(),
        "--format",
        "json",
        "--report",
        report.to_str().unwrap(),
    ]);
    assert!(ok, "judge failed: {stderr}");
    let j: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(j["samples"], 602, "2 chains × (300 steps + the initial plan)");
    assert_eq!(j["chains"], 2);
    // SOURCES.md: the NC 2022 proxy plan has 7 composite-Democratic districts, all contiguous,
    // max deviation 0.46 %.
    let e = &j["elections"][0];
    assert_eq!(e["name"], "COMP");
    assert_eq!(e["enacted"]["dem_seats"], 7.0);
    assert_eq!(j["plan"]["non_contiguous"].as_array().unwrap().len(), 0);
    assert_eq!(j["plan"]["within_tolerance"], true);
    let dev = j["plan"]["population"]["max_abs_deviation"].as_f64().unwrap();
    assert!((dev - 0.0046).abs() < 5e-5, "{dev}");
    // Every partisan metric judged, each with a percentile in [0, 1] and a verdict sentence.
    let metrics: Vec<&str> =
        e["metrics"].as_array().unwrap().iter().map(|m| m["metric"].as_str().unwrap()).collect();
    for m in [
        "dem_seats",
        "efficiency_gap",
        "mean_median",
        "partisan_bias",
        "statewide_bias",
        "declination",
        "partisan_gini",
        "responsiveness",
    ] {
        assert!(metrics.contains(&m), "{m} missing from {metrics:?}");
    }
    for m in e["metrics"].as_array().unwrap() {
        if let Some(p) = m["placement"]["percentile"].as_f64() {
            assert!((0.0..=1.0).contains(&p));
            assert!(m["verdict"].as_str().unwrap().ends_with('.'), "{m}");
        }
    }
    // Cut edges, county splits and population deviation are recorded by the run and judged.
    let structure: Vec<&str> =
        j["structure"].as_array().unwrap().iter().map(|m| m["metric"].as_str().unwrap()).collect();
    assert!(structure.contains(&"cut_edges") && structure.contains(&"county_splits"), "{structure:?}");
    // GerryChain counts 604 cut edges and 12 split counties for this plan (metrics fixture).
    assert_eq!(j["plan"]["cut_edges"], 604);
    assert_eq!(j["plan"]["county_splits"]["split_regions"], 12);
    // A 300-step ReCom run has not mixed, and the report says so.
    assert_eq!(j["not_mixed"], true);
    assert!(j["notes"].as_array().unwrap().iter().any(|n| n.as_str().unwrap().contains("NOT mixed")));
    for f in
        ["report.md", "report.json", "boxplot_comp.svg", "hist_comp_efficiency_gap.svg", "hist_cut_edges.svg"]
    {
        let p = report.join(f);
        assert!(p.exists(), "{} missing", p.display());
    }
    let md = std::fs::read_to_string(report.join("report.md")).unwrap();
    assert!(md.contains("| Efficiency gap |") && md.contains("## Convergence diagnostics"));

    // The table format prints the verdicts and plan facts.
    let (ok, table, _) =
        redraw(&["judge", "--graph", graph, "--plan", plan, "--ensemble", run_dir.to_str().unwrap()]);
    assert!(ok);
    assert!(table.contains("Efficiency gap") && table.contains("max population deviation"), "{table}");

    // Bad input: a 13-district plan (NC 2016) against a 14-district ensemble.
    let p2016 = data_dir().join("plans/NC_cd_2016_vtds.csv");
    let (ok, _, err) = redraw(&[
        "judge",
        "--graph",
        graph,
        "--plan",
        p2016.to_str().unwrap(),
        "--ensemble",
        run_dir.to_str().unwrap(),
    ]);
    assert!(!ok);
    assert!(err.contains("13 districts") && err.contains("14"), "{err}");

    // Bad input: unknown GEOIDs and missing units.
    let text = std::fs::read_to_string(plan).unwrap();
    let mut lines: Vec<&str> = text.lines().collect();
    let unknown = format!("{}\n99999999999,3\n", lines.join("\n"));
    let bad = work.join("unknown.csv");
    std::fs::write(&bad, unknown).unwrap();
    let (ok, _, err) = redraw(&[
        "judge",
        "--graph",
        graph,
        "--plan",
        bad.to_str().unwrap(),
        "--ensemble",
        run_dir.to_str().unwrap(),
    ]);
    assert!(!ok);
    assert!(err.contains("99999999999") && err.contains("not in the graph"), "{err}");
    lines.truncate(lines.len() - 5);
    let missing = work.join("missing.csv");
    std::fs::write(&missing, lines.join("\n") + "\n").unwrap();
    let (ok, _, err) = redraw(&[
        "judge",
        "--graph",
        graph,
        "--plan",
        missing.to_str().unwrap(),
        "--ensemble",
        run_dir.to_str().unwrap(),
    ]);
    assert!(!ok);
    assert!(err.contains("5 of 2666 units are missing"), "{err}");

    // Bad input: not a run directory.
    let (ok, _, err) =
        redraw(&["judge", "--graph", graph, "--plan", plan, "--ensemble", work.to_str().unwrap()]);
    assert!(!ok && err.contains("not an ensemble run directory"), "{err}");
    if std::env::var_os("REDRAW_KEEP_TEST_OUTPUT").is_none() {
        let _ = std::fs::remove_dir_all(&work);
    }
}

#[test]
fn split_california_into_three_places_cal3() {
    let (ok, stdout, stderr) = redraw(&[
        "split",
        "CA",
        "--into",
        "3",
        "--tol",
        "0.25",
        "--samples",
        "400",
        "--seed",
        "3",
        "--format",
        "json",
    ]);
    assert!(ok, "{stderr}");
    let s: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(s["samples"], 400);
    assert_eq!(s["invariants_checked"], 400);
    assert_eq!(s["proposals"][0]["id"], "cal-3");
    // Cal 3's parts (2020 census): they add up to California's 39,538,223.
    let pops: u64 = s["proposals"][0]["outcome"]["part_population"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_u64().unwrap())
        .sum();
    assert_eq!(pops, 39_538_223);
    let ev2020 = s["statistics"].as_array().unwrap().iter().find(|x| x["metric"] == "ev_dem_2020").unwrap();
    let pct = ev2020["proposals"][0]["percentile"].as_f64().unwrap();
    assert_eq!(ev2020["proposals"][0]["id"], "cal-3");
    assert_eq!(s["schema_version"], 1);
    assert!(s["diagnostics"][0]["statistic"].is_string() && s["diagnostics"][0]["rhat"].is_number());
    assert!((0.0..=1.0).contains(&pct));

    // Six parts at ±50 % is impossible with whole counties (Los Angeles County is too big).
    let (ok, _, err) = redraw(&["split", "CA", "--into", "6", "--tol", "0.5", "--samples", "40"]);
    assert!(!ok);
    assert!(err.contains("06037"), "{err}");
}

#[test]
fn split_leads_to_a_scenario_and_maps_and_handles_alaska_and_connecticut() {
    let dir = std::env::temp_dir().join(format!("redraw-split-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let toml = dir.join("tx.toml");
    let map = dir.join("tx.svg");
    let (ok, _, err) = redraw(&[
        "split",
        "TX",
        "--into",
        "3",
        "--samples",
        "120",
        "--export-sample",
        "typical",
        "--export",
        toml.to_str().unwrap(),
        "--map",
        map.to_str().unwrap(),
    ]);
    assert!(ok, "{err}");
    // The exported sample is a scenario file that evaluates: Texas as three states.
    let (ok, out, err) = redraw(&["scenario", toml.to_str().unwrap(), "--format", "json"]);
    assert!(ok, "{err}");
    let j: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(j["scenario"]["union_states"], 52);
    let pops: u64 = j["scenario"]["states"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["parents"] == serde_json::json!(["TX"]))
        .map(|s| s["population"].as_u64().unwrap())
        .sum();
    assert_eq!(pops, 29_145_505);
    for which in ["typical", "extreme"] {
        let svg = std::fs::read_to_string(dir.join(format!("tx-{which}.svg"))).unwrap();
        assert!(svg.contains(&format!("the most {which} of 120 neutral splits")), "{which}");
    }
    // A sample index out of range is a clear error.
    let (ok, _, err) =
        redraw(&["split", "TX", "--into", "3", "--samples", "40", "--export-sample", "40", "--export", "-"]);
    assert!(!ok && err.contains("the run has 40 samples"), "{err}");
    // Alaska used to fail (no borough results); now its elections are left out with a note and
    // the error never suggests an option `split` does not have.
    let (ok, out, err) = redraw(&["split", "AK", "--into", "2", "--tol", "0.3", "--samples", "80"]);
    assert!(ok, "{err}");
    assert!(err.contains("the 2016 election is left out") && err.contains("state house districts"), "{err}");
    assert!(out.contains("House seats of the new states") && !out.contains("electoral votes, 2016"), "{out}");
    assert!(!err.contains("--election-year"), "{err}");
    let (ok, out, err) = redraw(&["split", "CT", "--into", "2", "--tol", "0.3", "--samples", "80"]);
    assert!(
        ok && err.contains("2024 election is left out") && out.contains("electoral votes, 2020"),
        "{err}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The court report on NC 2022 end to end: a run drawn by the CLI on the rdabase graph with the
/// VAP columns tracked, judged with the VTD polygons, a burn-in and a thinning. The figures are
/// checked against independent computations: compactness against shapely + pyproj
/// (`bench/compactness/check.py` on the same TopoJSON), VAP shares and seat counts against the
/// input files.
#[test]
fn nc_2022_court_report_has_map_compactness_vra_provenance_and_definitions() {
    let shapes = data_dir().join("shapes/NC_2020_vtd.topojson");
    let graph = data_dir().join("graphs/rdabase/NC_2020_graph.json");
    let plan = data_dir().join("plans/NC_cd_2022_vtds.csv");
    let work = tmp("court");
    let run_dir = work.join("run");
    let (g, p, s, r) = (
        graph.to_str().unwrap(),
        plan.to_str().unwrap(),
        shapes.to_str().unwrap(),
        run_dir.to_str().unwrap(),
    );
    let mut args = vec![
        "ensemble",
        "--graph",
        g,
        "--pop",
        "TOTAL_POP",
        "--districts",
        "14",
        "--tol",
        "0.01",
        "--steps",
        "200",
        "--chains",
        "2",
        "--thin",
        "2",
        "--seed",
        "5",
        "--election",
        "COMP=DEM_VOTES,REP_VOTES",
        "--county-prefix",
        "5",
        "--threads",
        "1",
        "--out",
        r,
    ];
    for c in ["TOTAL_VAP", "BLACK_VAP", "HISPANIC_VAP", "ASIAN_VAP", "NATIVE_VAP", "MINORITY_VAP"] {
        args.extend(["--track", c]);
    }
    let (ok, _, err) = redraw(&args);
    assert!(ok, "ensemble failed: {err}");
    let report = work.join("report");
    let (ok, stdout, err) = redraw(&[
        "judge",
        "--graph",
        g,
        "--plan",
        p,
        "--ensemble",
        r,
        "--shapes",
        s,
        "--county-prefix",
        "5",
        "--burn-in",
        "100",
        "--thin",
        "2",
        "--election-label",
        "COMP=DRA's 2016-2020 composite of six statewide races",
        "--format",
        "json",
        "--report",
        report.to_str().unwrap(),
    ]);
    assert!(ok, "judge failed: {err}");
    let j: serde_json::Value = serde_json::from_str(&stdout).unwrap();

    // Burn-in and thinning: steps 0, 2, ..., 200 recorded; from step 100 on, every 2nd.
    assert_eq!(j["samples"], 2 * 26, "{}", j["selection"]);

    // Compactness of district 1 as shapely + pyproj measure it (bench/compactness/check.py).
    let d1 = j["districts"].as_array().unwrap().iter().find(|d| d["district"] == "1").unwrap();
    let c = &d1["compactness"];
    let close = |got: &serde_json::Value, want: f64| (got.as_f64().unwrap() - want).abs() / want < 1e-6;
    assert!(close(&c["polsby_popper"], 0.405813469), "{c}");
    assert!(close(&c["reock"], 0.4632956), "{c}");
    assert!(close(&c["area_km2"], 21918.108098), "{c}");
    assert!(close(&c["perimeter_km"], 823.840686), "{c}");
    let structure: Vec<&str> =
        j["structure"].as_array().unwrap().iter().map(|m| m["metric"].as_str().unwrap()).collect();
    assert!(
        structure.contains(&"mean_polsby_popper") && structure.contains(&"min_polsby_popper"),
        "{structure:?}"
    );

    // VRA figures: district 1's Black VAP share, summed from NC_2020_data.csv (242,417 of
    // 587,900), and the plan's one 40%+ Black district.
    let groups = d1["vap"]["groups"].as_array().unwrap();
    let black = groups.iter().find(|g| g["group"] == "Black").unwrap();
    assert_eq!(black["share"].as_f64().unwrap(), 242_417.0 / 587_900.0);
    let rep = j["representation"]["metrics"].as_array().unwrap();
    let b40 = rep.iter().find(|m| m["metric"] == "black_40_districts").unwrap();
    assert_eq!(b40["enacted"], 1.0);
    assert!(b40["placement"]["percentile"].is_number(), "tracked columns give ensemble percentiles: {b40}");

    // One tie rule: the judged seat counts are stats.csv's COMP_dem_seats of the kept rows.
    let stats = std::fs::read_to_string(run_dir.join("stats.csv")).unwrap();
    let mut lines = stats.lines();
    let head: Vec<&str> = lines.next().unwrap().split(',').collect();
    let col = |n: &str| head.iter().position(|h| *h == n).unwrap();
    let (cs, cseats) = (col("step"), col("COMP_dem_seats"));
    let kept: Vec<f64> = lines
        .map(|l| l.split(',').collect::<Vec<_>>())
        .filter(|f| {
            let st: u64 = f[cs].parse().unwrap();
            st >= 100 && (st - 100) % 4 == 0
        })
        .map(|f| f[cseats].parse().unwrap())
        .collect();
    assert_eq!(kept.len(), 52);
    let seats = &j["elections"][0]["metrics"][0];
    assert_eq!(seats["metric"], "dem_seats");
    let mean = kept.iter().sum::<f64>() / kept.len() as f64;
    assert!((seats["distribution"]["mean"].as_f64().unwrap() - mean).abs() < 1e-12, "{seats}");

    // Provenance: the plan's SHA-256 (SOURCES.md), the command line, the version; definitions.
    let inputs = j["provenance"]["inputs"].as_array().unwrap();
    assert!(
        inputs
            .iter()
            .any(|i| i["sha256"] == "6a83841d7ed217785f51835a0dee4aebe8deecc97f665bf6ba927ae6d2c874a6"),
        "{inputs:?}"
    );
    assert!(inputs
        .iter()
        .any(|i| i["sha256"] == "866132fd2f666122d650a8dff3932596d93b4d31e8a1f869d2366b25b502694a"));
    assert!(j["provenance"]["command_line"].to_string().contains("--burn-in"));
    assert_eq!(j["provenance"]["redraw_version"], env!("CARGO_PKG_VERSION"));
    let defs = j["definitions"].to_string();
    for k in ["polsby_popper", "reock", "efficiency_gap", "declination", "minority"] {
        assert!(defs.contains(k), "no definition of {k}");
    }

    // The files: a map, a self-contained HTML page (figures inline, nothing fetched).
    assert!(report.join("plan_map.svg").exists());
    let html = std::fs::read_to_string(report.join("report.html")).unwrap();
    assert!(
        html.contains("<svg") && !html.contains("src=\"") && !html.contains("href=\"http"),
        "not self-contained"
    );
    let md = std::fs::read_to_string(report.join("report.md")).unwrap();
    assert!(md.contains("## Definitions") && md.contains("## Provenance") && md.contains("plan_map.svg"));
    // What the election is, in the user's words, with its columns; a linked table of contents.
    assert!(
        md.contains(
            "COMP is DRA's 2016-2020 composite of six statewide races (graph columns DEM_VOTES and REP_VOTES)."
        ),
        "{}",
        &md[..md.len().min(3000)]
    );
    assert_eq!(
        j["elections"][0]["description"],
        "DRA's 2016-2020 composite of six statewide races (graph columns DEM_VOTES and REP_VOTES)"
    );
    assert!(md.contains("**Contents**") && md.contains("1. [Summary](#summary)"), "table of contents");
    assert!(md.contains("[Election COMP](#election-comp)") && md.contains("## Election COMP"));
    assert!(
        html.contains("<nav class=\"toc\">") && html.contains("<a href=\"#election_comp\">Election COMP</a>")
    );
    assert!(html.contains("<h2 id=\"election_comp\">"), "the anchor exists");
    if std::env::var_os("REDRAW_KEEP_TEST_OUTPUT").is_none() {
        let _ = std::fs::remove_dir_all(&work);
    }
}

/// `redraw plan import` round trip on California: a synthetic block-assignment file built from
/// the 2021 plan's block groups (three blocks per block group, in Census and CSV layouts)
/// aggregates back to exactly that plan; a block in another district is reported as a split,
/// and block populations decide the majority; mismatched inputs are refused with examples.
#[test]
fn plan_import_round_trips_a_block_assignment_file() {
    let graph = data_dir().join("graphs/bench/CA.json");
    let plan = data_dir().join("plans/CA_cd_2021_blockgroups.csv");
    let text = std::fs::read_to_string(&plan).unwrap();
    let rows: Vec<(String, String)> = text
        .lines()
        .skip(1)
        .map(|l| {
            let (g, d) = l.split_once(',').unwrap();
            (g.to_string(), d.to_string())
        })
        .collect();
    assert_eq!(rows.len(), 25_607);
    let work = tmp("baf");
    // Census layout; the first block group gets a third block in another district.
    let (bg0, d0) = (&rows[0].0, &rows[0].1);
    let other = if d0 == "1" { "2" } else { "1" };
    let mut baf = String::from("BLOCKID|DISTRICT\n");
    for (g, d) in &rows {
        for b in ["000", "001"] {
            baf.push_str(&format!("{g}{b}|{d}\n"));
        }
    }
    baf.push_str(&format!("{bg0}002|{other}\n"));
    let baf_path = work.join("baf.txt");
    std::fs::write(&baf_path, &baf).unwrap();
    let g = graph.to_str().unwrap();
    let out = work.join("plan.csv");
    let (ok, stdout, err) = redraw(&[
        "plan",
        "import",
        baf_path.to_str().unwrap(),
        "--graph",
        g,
        "--to",
        "block-group",
        "--out",
        out.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert!(ok, "{err}");
    let got = std::fs::read_to_string(&out).unwrap();
    let mut got_rows: Vec<&str> = got.lines().skip(1).collect();
    let mut want: Vec<String> = rows.iter().map(|(g, d)| format!("{g},{d}")).collect();
    got_rows.sort_unstable();
    want.sort_unstable();
    assert_eq!(got_rows, want, "the round trip is exact");
    assert!(got.starts_with("GEOID,district\n"));
    let split: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let split = &split["split_units"];
    assert_eq!(split.as_array().unwrap().len(), 1, "{split}");
    assert_eq!(split[0]["unit"], bg0.as_str());
    assert_eq!(split[0]["district"], d0.as_str(), "two blocks against one");
    assert_eq!(split[0]["moved"], 1.0);
    assert!(err.contains("1 unit(s) split"), "{err}");
    // The imported plan is read by the judge's plan reader (same ids).
    let (ok, info, err) = redraw(&["graph", "info", g]);
    assert!(ok && !info.is_empty(), "{err}");

    // Block populations: the third block holds most people, so the unit changes district.
    let mut pop = String::from("GEOID,P0010001\n");
    for (g, _) in &rows {
        pop.push_str(&format!("{g}000,10\n{g}001,10\n"));
    }
    pop.push_str(&format!("{bg0}002,100\n"));
    let pop_path = work.join("pop.csv");
    std::fs::write(&pop_path, &pop).unwrap();
    let out2 = work.join("plan2.csv");
    let (ok, _, err) = redraw(&[
        "plan",
        "import",
        baf_path.to_str().unwrap(),
        "--graph",
        g,
        "--to",
        "block-group",
        "--block-pop",
        pop_path.to_str().unwrap(),
        "--out",
        out2.to_str().unwrap(),
    ]);
    assert!(ok, "{err}");
    assert!(std::fs::read_to_string(&out2).unwrap().contains(&format!("{bg0},{other}\n")));
    assert!(err.contains("20 people placed in another district"), "{err}");

    // Refusals: the output exists; a BAF missing a block of the state (population file); a
    // block group with no block; another state's file.
    let (ok, _, err) = redraw(&[
        "plan",
        "import",
        baf_path.to_str().unwrap(),
        "--graph",
        g,
        "--to",
        "block-group",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(!ok && err.contains("exists"), "{err}");
    let short: String = baf
        .lines()
        .filter(|l| !l.starts_with(&format!("{}001", rows[5].0)))
        .map(|l| format!("{l}\n"))
        .collect();
    let short_path = work.join("short.txt");
    std::fs::write(&short_path, &short).unwrap();
    let (ok, _, err) = redraw(&[
        "plan",
        "import",
        short_path.to_str().unwrap(),
        "--graph",
        g,
        "--to",
        "block-group",
        "--block-pop",
        pop_path.to_str().unwrap(),
        "--out",
        work.join("p3.csv").to_str().unwrap(),
    ]);
    assert!(!ok && err.contains(&format!("{}001", rows[5].0)) && err.contains("every block"), "{err}");
    let gone: String =
        baf.lines().filter(|l| !l.starts_with(rows[7].0.as_str())).map(|l| format!("{l}\n")).collect();
    std::fs::write(&short_path, &gone).unwrap();
    let (ok, _, err) = redraw(&[
        "plan",
        "import",
        short_path.to_str().unwrap(),
        "--graph",
        g,
        "--to",
        "block-group",
        "--out",
        work.join("p4.csv").to_str().unwrap(),
    ]);
    assert!(!ok && err.contains(rows[7].0.as_str()) && err.contains("no block"), "{err}");
    std::fs::write(&short_path, "GEOID,CD\n370010201001000,1\n").unwrap();
    let (ok, _, err) = redraw(&[
        "plan",
        "import",
        short_path.to_str().unwrap(),
        "--graph",
        g,
        "--to",
        "block-group",
        "--out",
        work.join("p5.csv").to_str().unwrap(),
    ]);
    assert!(
        !ok && err.contains("370010201001") && err.contains("not in the graph") && err.contains("06"),
        "{err}"
    );
    assert!(!work.join("p3.csv").exists() && !work.join("p4.csv").exists() && !work.join("p5.csv").exists());
    if std::env::var_os("REDRAW_KEEP_TEST_OUTPUT").is_none() {
        let _ = std::fs::remove_dir_all(&work);
    }
}
