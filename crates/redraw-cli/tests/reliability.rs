//! Regression tests for the findings of issue 8 ("no input crashes, hangs or corrupts
//! anything") that show at the command line: each names its finding, and each failed before its
//! fix (see /work/notes/issue-8.md for the failures observed).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::mpsc;
use std::time::Duration;

fn redraw() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_redraw"));
    c.env("NO_COLOR", "1");
    c
}

fn tmpdir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("redraw-rel-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Runs a command with a deadline: a hang fails the test instead of stalling the suite.
fn run_within(mut cmd: Command, secs: u64) -> Output {
    let child =
        cmd.stdout(std::process::Stdio::piped()).stderr(std::process::Stdio::piped()).spawn().unwrap();
    let id = child.id();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    match rx.recv_timeout(Duration::from_secs(secs)) {
        Ok(out) => out.unwrap(),
        Err(_) => {
            let _ = Command::new("kill").args(["-9", &id.to_string()]).status();
            panic!("redraw did not finish within {secs} s")
        }
    }
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn ok(o: Output) -> Output {
    assert!(o.status.success(), "redraw failed: {}\n{}", stderr(&o), stdout(&o));
    o
}

fn fails(o: &Output) -> String {
    assert!(!o.status.success(), "redraw should have failed: {}", stdout(o));
    assert_eq!(o.status.code(), Some(1), "a clear error (exit 1), not a crash: {}", stderr(o));
    let e = stderr(o);
    assert!(!e.contains("panicked") && !e.contains("RUST_BACKTRACE"), "{e}");
    e
}

/// A w x h grid as networkx JSON with columns pop (varied), VAP (10 each), TOTAL_POP (10 on the
/// left half, 90 on the right), dem, rep, and `half` (left half district 1, right half 2).
fn grid_json(w: usize, h: usize) -> String {
    let mut nodes = Vec::new();
    let mut adj = Vec::new();
    for i in 0..w * h {
        let (x, y) = (i % w, i / w);
        let left = x < w / 2;
        nodes.push(format!(
            r#"{{"id": {i}, "GEOID": "{:05}{:03}", "pop": {}, "VAP": 10, "TOTAL_POP": {}, "dem": {}, "rep": {}, "half": {}}}"#,
            i / 8,
            i,
            100 + (i * 37) % 11,
            if left { 10 } else { 90 },
            (i * 13) % 50,
            (i * 7) % 40,
            if left { 1 } else { 2 }
        ));
        let mut a = Vec::new();
        if x > 0 {
            a.push(i - 1);
        }
        if x + 1 < w {
            a.push(i + 1);
        }
        if y > 0 {
            a.push(i - w);
        }
        if y + 1 < h {
            a.push(i + w);
        }
        adj.push(format!(
            "[{}]",
            a.iter().map(|j| format!(r#"{{"id": {j}}}"#)).collect::<Vec<_>>().join(", ")
        ));
    }
    format!(r#"{{"nodes": [{}], "adjacency": [{}]}}"#, nodes.join(", "), adj.join(", "))
}

/// A small complete run on a 6x4 grid (2 districts from the `half` plan, population `VAP`).
fn small_run(dir: &Path, name: &str) -> (PathBuf, PathBuf) {
    let g = dir.join("grid.json");
    if !g.exists() {
        std::fs::write(&g, grid_json(6, 4)).unwrap();
    }
    let out = dir.join(name);
    ok(redraw()
        .args(["ensemble", "--graph"])
        .arg(&g)
        .args(["--pop", "VAP", "--assignment", "half", "--tol", "0.2", "--steps", "60", "--chains", "2"])
        .args(["--seed", "5", "--election", "E=dem,rep", "--out"])
        .arg(&out)
        .output()
        .unwrap());
    (g, out)
}

fn judge(g: &Path, run: &Path, extra: &[&str]) -> Output {
    let mut c = redraw();
    c.args(["judge", "--graph"]).arg(g).args(["--plan", "half", "--ensemble"]).arg(run).args(extra);
    run_within(c, 120)
}

/// Finding 1: `plot --kind trace` with one row's chain = 4000000000 aborted allocating 96 GB;
/// with chain = 2^64-1 it panicked on an index. Now: an error naming the line and column, and
/// chain ids of any size are grouped without an allocation sized by them.
#[test]
fn finding_1_plot_refuses_bad_chain_ids_and_does_not_allocate_by_them() {
    let dir = tmpdir("plot");
    let csv = |rows: &str| {
        let p = dir.join("stats.csv");
        std::fs::write(&p, format!("chain,step,cut_edges\n0,0,5\n{rows}")).unwrap();
        p
    };
    let plot = |p: &Path| {
        let mut c = redraw();
        c.arg("plot").arg(p).args(["--kind", "trace", "--stat", "cut_edges", "-o"]).arg(dir.join("t.svg"));
        run_within(c, 60)
    };
    for bad in ["18446744073709551615", "-1", "1.5", "x", "4294967296"] {
        let e = fails(&plot(&csv(&format!("0,1,6\n{bad},0,7\n"))));
        assert!(e.contains("line 4") && e.contains("chain") && e.contains(bad), "{bad}: {e}");
    }
    // A chain id of four billion is a valid u32: grouped by value, three chains, no allocation
    // sized by the id.
    ok(plot(&csv("0,1,6\n4000000000,0,7\n4000000000,1,8\n7,0,1\n")));
    let svg = std::fs::read_to_string(dir.join("t.svg")).unwrap();
    assert!(svg.contains("<svg"), "{svg}");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Finding 5: `redraw apportion --house-size 51 --margins` never returned; the state holding
/// the only spare seat has no seat to gain: "none".
#[test]
fn finding_5_apportion_margins_with_a_tiny_house_terminate() {
    let mut c = redraw();
    c.args(["apportion", "--house-size", "51", "--margins", "--format", "csv"]);
    let out = stdout(&ok(run_within(c, 60)));
    // California holds the 51st seat: it cannot gain a 3rd (empty in CSV, "none" in the table).
    let ca = out.lines().find(|l| l.starts_with("California,")).unwrap();
    assert!(ca.ends_with(",2,52,-50,,10393467"), "{out}");
    let mut c = redraw();
    c.args(["apportion", "--house-size", "51", "--margins"]);
    let table = stdout(&ok(run_within(c, 60)));
    let ca = table.lines().find(|l| l.starts_with("California")).unwrap();
    assert!(ca.contains("none"), "{table}");
}

/// Finding 6: a run made with `--pop VAP`, judged without `--pop`: the judge read manifest keys
/// the manifest does not write, fell back to TOTAL_POP and called a 0 % plan an 80 % deviation.
#[test]
fn finding_6_judge_uses_the_runs_population_column() {
    let dir = tmpdir("judge-pop");
    let (g, run) = small_run(&dir, "run");
    let out = ok(judge(&g, &run, &["--format", "json"]));
    let j: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let dev = j["plan"]["population"]["max_abs_deviation"].as_f64().unwrap();
    assert_eq!(dev, 0.0, "the `half` plan is exactly balanced in VAP: {}", stdout(&out));
    // --pop still overrides: in TOTAL_POP the halves are 120 and 1080 people, 80 % off.
    let out = ok(judge(&g, &run, &["--format", "json", "--pop", "TOTAL_POP"]));
    let j: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert!((j["plan"]["population"]["max_abs_deviation"].as_f64().unwrap() - 0.8).abs() < 1e-12);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The manifest keys every reader uses, pinned against a manifest the CLI writes: the judge
/// (and scripts, see docs/run-format.md) read these and nothing else.
#[test]
fn the_manifest_keys_readers_use_are_written() {
    let dir = tmpdir("keys");
    let (_, run) = small_run(&dir, "run");
    let m: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(run.join("manifest.json")).unwrap()).unwrap();
    let paths = [
        "format",
        "format_version",
        "status",
        "inputs.population_column",
        "inputs.graph.sha256",
        "node_count",
        "districts",
        "district_labels",
        "total_population",
        "tolerance",
        "population_bounds",
        "elections.0.name",
        "elections.0.dem_column",
        "elections.0.rep_column",
        "params.seed",
        "params.chains",
        "params.steps",
        "params.thin",
        "params.burn_in",
        "params.proposal.kind",
        "samples_per_chain",
        "stats_columns",
        "files.stats",
        "files.assignments",
        "results.0.steps",
        "results.0.accepted",
    ];
    for p in paths {
        let mut v = &m;
        for k in p.split('.') {
            v = match k.parse::<usize>() {
                Ok(i) => &v[i],
                Err(_) => &v[k],
            };
        }
        assert!(!v.is_null(), "manifest.json lacks {p}: {m:#}");
    }
    assert_eq!(m["inputs"]["population_column"], "VAP");
    // The typed reader is the one the judge uses.
    let typed = redraw_ensemble::Manifest::read(&run).unwrap();
    assert_eq!(typed.population_column(), Some("VAP"));
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Finding 12: a tampered run folder (accepted > steps, a negative tolerance, duplicated rows,
/// an assignments file of another run) is refused by the judge, naming what disagrees.
#[test]
fn finding_12_judge_refuses_an_inconsistent_run_directory() {
    let dir = tmpdir("tampered");
    let (g, run) = small_run(&dir, "run");
    ok(judge(&g, &run, &[]));
    let manifest = std::fs::read_to_string(run.join("manifest.json")).unwrap();
    let stats = std::fs::read_to_string(run.join("stats.csv")).unwrap();
    let asg = std::fs::read(run.join("assignments.bin")).unwrap();
    let restore = || {
        std::fs::write(run.join("manifest.json"), &manifest).unwrap();
        std::fs::write(run.join("stats.csv"), &stats).unwrap();
        std::fs::write(run.join("assignments.bin"), &asg).unwrap();
    };
    let edit = |f: &dyn Fn(&mut serde_json::Value)| {
        let mut m: serde_json::Value = serde_json::from_str(&manifest).unwrap();
        f(&mut m);
        std::fs::write(run.join("manifest.json"), serde_json::to_string_pretty(&m).unwrap()).unwrap();
    };
    edit(&|m| m["results"][0]["accepted"] = serde_json::json!(1_000_000));
    let e = fails(&judge(&g, &run, &[]));
    assert!(e.contains("manifest.json") && e.contains("chain 0") && e.contains("accepted"), "{e}");
    edit(&|m| m["tolerance"] = serde_json::json!(-5.0));
    let e = fails(&judge(&g, &run, &[]));
    assert!(e.contains("tolerance -5"), "{e}");
    restore();
    // Every row of chain 0 twice: 122 rows where the manifest promises 2 x 61.
    let mut lines: Vec<&str> = stats.lines().collect();
    let chain0: Vec<&str> = lines[1..].iter().copied().filter(|l| l.starts_with("0,")).collect();
    lines.extend(chain0);
    std::fs::write(run.join("stats.csv"), lines.join("\n") + "\n").unwrap();
    let e = fails(&judge(&g, &run, &[]));
    assert!(e.contains("stats.csv") && e.contains("chain 0, step 0"), "{e}");
    restore();
    // A row of a step the run never records.
    std::fs::write(run.join("stats.csv"), stats.replacen("\n1,60,", "\n1,61,", 1)).unwrap();
    let e = fails(&judge(&g, &run, &[]));
    assert!(e.contains("stats.csv") && e.contains("step 61"), "{e}");
    restore();
    // The assignments of another run (3 samples instead of 122).
    let mut other = asg[..32].to_vec();
    other[24..32].copy_from_slice(&3u64.to_le_bytes());
    other.extend_from_slice(&asg[32..32 + 3 * (12 + 24)]);
    std::fs::write(run.join("assignments.bin"), &other).unwrap();
    let e = fails(&judge(&g, &run, &[]));
    assert!(e.contains("assignments.bin") && e.contains("122"), "{e}");
    restore();
    ok(judge(&g, &run, &[]));
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Four unit squares in a row as GeoJSON, ids a..d.
fn squares_geojson(dir: &Path) -> PathBuf {
    let feats: Vec<String> = (0..4)
        .map(|i| {
            format!(
                r#"{{"type":"Feature","properties":{{"GEOID":"{}","POP":10}},"geometry":{{"type":"Polygon","coordinates":[[[{i},0],[{},0],[{},1],[{i},1],[{i},0]]]}}}}"#,
                ["a", "b", "c", "d"][i],
                i + 1,
                i + 1
            )
        })
        .collect();
    let p = dir.join("sq.geojson");
    std::fs::write(&p, format!(r#"{{"type":"FeatureCollection","features":[{}]}}"#, feats.join(",")))
        .unwrap();
    p
}

/// Finding 14: `map --plan` ignored unknown unit ids and drew an empty district value as a
/// district named "".
#[test]
fn finding_14_map_plan_refuses_unknown_ids_and_empty_districts() {
    let dir = tmpdir("map-plan");
    let geo = squares_geojson(&dir);
    let map = |plan: &str| {
        let p = dir.join("plan.csv");
        std::fs::write(&p, plan).unwrap();
        let mut c = redraw();
        c.args(["map", "--plan"]).arg(&p).arg("--geometry").arg(&geo).args(["--id", "GEOID", "-o"]);
        c.arg(dir.join("m.svg"));
        run_within(c, 60)
    };
    ok(map("GEOID,district\na,1\nb,1\nc,2\nd,2\n"));
    let e = fails(&map("GEOID,district\na,1\nb,1\nc,2\nd,2\nzz,2\n"));
    assert!(e.contains("plan.csv") && e.contains("line 6") && e.contains("\"zz\""), "{e}");
    let e = fails(&map("GEOID,district\na,1\nb,\nc,2\nd,2\n"));
    assert!(e.contains("plan.csv line 3") && e.contains("empty district"), "{e}");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Finding 14: some errors printed the same cause twice (the message, then "caused by:" with
/// the same text).
#[test]
fn finding_14_errors_do_not_repeat_their_cause() {
    let dir = tmpdir("twice");
    let missing = dir.join("missing.geojson");
    let mut c = redraw();
    c.args(["graph", "build"]).arg(&missing).args(["--id", "GEOID", "--out"]).arg(dir.join("g.json"));
    let e = fails(&run_within(c, 60));
    assert_eq!(e.matches("No such file or directory").count(), 1, "{e}");
    let mut c = redraw();
    c.args(["map", "--plan"]).arg(dir.join("p.csv")).arg("--geometry").arg(&missing);
    c.args(["--id", "GEOID", "-o"]).arg(dir.join("m.svg"));
    let e = fails(&run_within(c, 60));
    assert_eq!(e.matches("No such file or directory").count(), 1, "{e}");
    std::fs::remove_dir_all(&dir).unwrap();
}
