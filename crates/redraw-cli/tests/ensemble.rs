//! `redraw ensemble` end to end: determinism across thread counts, kill -9 and resume, errors.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

fn redraw() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_redraw"));
    c.env("NO_COLOR", "1");
    c
}

fn tmpdir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("redraw-cli-ens-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn data_dir() -> PathBuf {
    match std::env::var_os("REDRAW_DATA_DIR") {
        Some(d) => d.into(),
        None => concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data").into(),
    }
}

fn nc() -> PathBuf {
    let p = data_dir().join("graphs/bench/NC.json");
    assert!(p.is_file(), "{} is needed by this test (set REDRAW_DATA_DIR)", p.display());
    p
}

/// A w x h grid as networkx adjacency JSON; `extra_isolated` adds nodes without edges.
fn grid_json(w: usize, h: usize, extra_isolated: usize) -> String {
    let n = w * h;
    let mut nodes = Vec::new();
    let mut adj = Vec::new();
    for i in 0..n + extra_isolated {
        let (x, y) = (i % w, i / w);
        nodes.push(format!(
            r#"{{"id": {i}, "GEOID": "{:05}{:03}", "pop": {}, "dem": {}, "rep": {}, "band": {}}}"#,
            i / 8,
            i,
            100 + (i * 37) % 11,
            (i * 13) % 50,
            (i * 7) % 40,
            y * 4 / h.max(1)
        ));
        let mut a = Vec::new();
        if i < n {
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
        }
        adj.push(format!(
            "[{}]",
            a.iter().map(|j| format!(r#"{{"id": {j}}}"#)).collect::<Vec<_>>().join(", ")
        ));
    }
    format!(
        r#"{{"directed": false, "multigraph": false, "graph": [], "nodes": [{}], "adjacency": [{}]}}"#,
        nodes.join(", "),
        adj.join(", ")
    )
}

fn ok(out: Output) -> Output {
    assert!(
        out.status.success(),
        "redraw failed: {}\n{}",
        String::from_utf8_lossy(&out.stderr),
        String::from_utf8_lossy(&out.stdout)
    );
    out
}

fn read_all(dir: &Path) -> (Vec<u8>, Vec<u8>, String) {
    (
        std::fs::read(dir.join("stats.csv")).unwrap(),
        std::fs::read(dir.join("assignments.bin")).unwrap(),
        std::fs::read_to_string(dir.join("manifest.json")).unwrap(),
    )
}

#[test]
fn same_bytes_for_one_and_two_threads_and_a_generated_seed_plan() {
    let dir = tmpdir("threads");
    let g = dir.join("grid.json");
    std::fs::write(&g, grid_json(10, 8, 0)).unwrap();
    let run = |out: &str, threads: &str| {
        ok(redraw()
            .args(["ensemble", "--graph"])
            .arg(&g)
            .args(["--pop", "pop", "--districts", "4", "--tol", "0.05", "--steps", "400", "--chains", "3"])
            .args(["--seed", "9", "--election", "E=dem,rep", "--thin", "2", "--threads", threads, "--out"])
            .arg(dir.join(out))
            .output()
            .unwrap())
    };
    let out = run("one", "1");
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(table.contains("recom ensemble: 3 chain(s) x 400 steps"), "{table}");
    run("two", "2");
    let a = read_all(&dir.join("one"));
    assert_eq!(a, read_all(&dir.join("two")));
    let m: serde_json::Value = serde_json::from_str(&a.2).unwrap();
    assert_eq!(m["status"], "complete");
    assert_eq!(m["inputs"]["initial_plan"]["kind"], "generated");
    assert_eq!(m["district_labels"], serde_json::json!(["1", "2", "3", "4"]));
    assert_eq!(m["inputs"]["graph"]["sha256"].as_str().unwrap().len(), 64);
    let stats = String::from_utf8(a.0).unwrap();
    assert_eq!(stats.lines().count(), 1 + 3 * 201);
    assert!(stats.starts_with(
        "chain,step,accepted,cut_edges,county_splits,pop_1,pop_2,pop_3,pop_4,E_dem_seats,E_dem_1"
    ));
    std::fs::remove_dir_all(&dir).unwrap();
}

fn nc_run(out: &Path, threads: &str, extra: &[&str]) -> Command {
    let mut c = redraw();
    c.args(["ensemble", "--graph"])
        .arg(nc())
        .args(["--pop", "TOTAL_POP", "--assignment", "district", "--tol", "0.02", "--steps", "12000"])
        .args(["--chains", "2", "--seed", "3", "--thin", "25", "--election", "COMP=DEM_VOTES,REP_VOTES"])
        .args(["--county-prefix", "5", "--checkpoint-every", "500", "--threads", threads, "--out"])
        .arg(out)
        .args(extra);
    c
}

/// Kill the process with SIGKILL after its first checkpoints, resume, and compare with an
/// uninterrupted run byte for byte.
#[test]
fn kill_dash_nine_then_resume_equals_uninterrupted_run() {
    let dir = tmpdir("kill");
    let full = dir.join("full");
    ok(nc_run(&full, "2", &[]).output().unwrap());
    let cut = dir.join("cut");
    let mut child = nc_run(&cut, "2", &[])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let t0 = Instant::now();
    let ckpt = cut.join("chains/chain-00000.ckpt");
    while !ckpt.exists() {
        assert!(t0.elapsed() < Duration::from_secs(60), "no checkpoint appeared");
        if child.try_wait().unwrap().is_some() {
            panic!("the run finished before it could be killed; make it longer");
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    std::thread::sleep(Duration::from_millis(150));
    let finished_early = child.try_wait().unwrap().is_some();
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    assert!(!finished_early, "the run finished before it could be killed; make it longer");
    assert!(!cut.join("stats.csv").exists(), "killed run must not leave final outputs");
    // Without --resume the directory is refused.
    let refused = nc_run(&cut, "2", &[]).output().unwrap();
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("--resume"));
    // A resume with a different seed is refused.
    let mut other = redraw();
    other
        .args(["ensemble", "--graph"])
        .arg(nc())
        .args(["--pop", "TOTAL_POP", "--assignment", "district", "--steps", "12000", "--chains", "2"])
        .args(["--seed", "4", "--out"])
        .arg(&cut)
        .arg("--resume");
    let refused = other.output().unwrap();
    assert!(!refused.status.success());
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("differ"),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );
    ok(nc_run(&cut, "1", &["--resume"]).output().unwrap());
    let a = read_all(&full);
    let b = read_all(&cut);
    assert!(a.0 == b.0, "stats.csv differs after kill -9 and resume");
    assert!(a.1 == b.1, "assignments.bin differs after kill -9 and resume");
    assert_eq!(a.2, b.2);
    assert!(!cut.join("chains").exists());
    // Real figures: NC's 14 districts and its 2020 population in every row.
    let stats = String::from_utf8(a.0).unwrap();
    let header: Vec<&str> = stats.lines().next().unwrap().split(',').collect();
    assert_eq!(header.iter().filter(|h| h.starts_with("pop_")).count(), 14);
    for line in stats.lines().skip(1).take(50) {
        let f: Vec<&str> = line.split(',').collect();
        let total: u64 = (5..19).map(|i| f[i].parse::<u64>().unwrap()).sum();
        assert_eq!(total, 10_439_388);
        assert!(!f[4].is_empty(), "county splits are tracked");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn clear_errors() {
    let dir = tmpdir("errors");
    // k mismatch with the plan.
    let out = redraw()
        .args(["ensemble", "--graph"])
        .arg(nc())
        .args([
            "--pop",
            "TOTAL_POP",
            "--assignment",
            "district",
            "--districts",
            "13",
            "--steps",
            "10",
            "--out",
        ])
        .arg(dir.join("k"))
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("14 districts") && err.contains("--districts is 13"), "{err}");
    // Disconnected graph: the components are named.
    let g = dir.join("disc.json");
    std::fs::write(&g, grid_json(4, 4, 1)).unwrap();
    let out = redraw()
        .args(["ensemble", "--graph"])
        .arg(&g)
        .args(["--pop", "pop", "--districts", "2", "--steps", "10", "--out"])
        .arg(dir.join("d"))
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("disconnected (2 components)") && err.contains("1: 16"), "{err}");
    // Infeasible tolerance: 5 nodes of unequal population cannot make 2 equal districts.
    let g = dir.join("line.json");
    std::fs::write(&g, grid_json(5, 1, 0)).unwrap();
    let out = redraw()
        .args(["ensemble", "--graph"])
        .arg(&g)
        .args(["--pop", "pop", "--districts", "2", "--tol", "0.0", "--steps", "10", "--out"])
        .arg(dir.join("t"))
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("could not draw a plan of 2 contiguous districts"), "{err}");
    assert!(!dir.join("t").exists(), "no run directory for a failed start");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Mistakes that used to give an unclear message or none: a file as --out, a negative or
/// zero tolerance, --county-prefix 0, --resume of a directory without a run or of another
/// run, and a reversible-ReCom bound too small for exactness.
#[test]
fn clear_errors_for_bad_arguments() {
    let dir = tmpdir("bad-args");
    let g = dir.join("grid.json");
    std::fs::write(&g, grid_json(8, 8, 0)).unwrap();
    let run = |extra: &[&str]| -> (bool, String) {
        let out = redraw()
            .args(["ensemble", "--graph"])
            .arg(&g)
            .args(["--pop", "pop", "--steps", "200"])
            .args(extra)
            .output()
            .unwrap();
        (out.status.success(), String::from_utf8_lossy(&out.stderr).into_owned())
    };
    // Defaults --districts 4 --seed 3 unless given.
    let run = |extra: &[&str]| {
        let mut all = extra.to_vec();
        for (flag, value) in [("--districts", "4"), ("--seed", "3")] {
            if !extra.contains(&flag) {
                all.extend([flag, value]);
            }
        }
        run(&all)
    };
    let file = dir.join("a-file");
    std::fs::write(&file, "x").unwrap();
    let (ok_, err) = run(&["--out", file.to_str().unwrap()]);
    assert!(!ok_ && err.contains("is a file") && err.contains("--out"), "{err}");
    let o = dir.join("o");
    let o = o.to_str().unwrap();
    let (ok_, err) = run(&["--tol", "-0.1", "--out", o]);
    assert!(!ok_ && err.contains("tolerance -0.1 must be a finite number in [0, 1)"), "{err}");
    // The grid's 6,720 people over 9 districts is 746.67 each: no integer population fits.
    let (ok_, err) = run(&["--districts", "9", "--tol", "0", "--out", o]);
    assert!(!ok_ && err.contains("allows no integer district population"), "{err}");
    let (ok_, err) = run(&["--county-prefix", "0", "--out", o]);
    assert!(!ok_ && err.contains("--county-prefix must be at least 1"), "{err}");
    let (ok_, err) = run(&["--resume", "--out", dir.to_str().unwrap()]);
    assert!(!ok_ && err.contains("holds no run"), "{err}");
    assert!(!Path::new(o).exists(), "failed starts leave no run directory");
    // A finished run, then --resume with another seed: refused, naming the difference.
    let (ok_, err) = run(&["--out", o]);
    assert!(ok_, "{err}");
    let (ok_, err) = run(&["--out", o, "--resume", "--seed", "4"]);
    assert!(!ok_ && err.contains("differ from the saved run") && err.contains("\"seed\":3"), "{err}");
    // Reversible ReCom with M = 1 on a grid at 10%: trees with several balanced edges occur.
    let r = dir.join("r");
    let (ok_, err) = run(&[
        "--proposal",
        "reversible-recom",
        "--tol",
        "0.1",
        "--balance-bound",
        "1",
        "--out",
        r.to_str().unwrap(),
    ]);
    assert!(!ok_ && err.contains("balanced edges") && err.contains("--balance-bound"), "{err}");
    assert!(!r.join("stats.csv").exists(), "no output from an inexact run");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Without the `parquet` feature, `--parquet` is refused before anything is read or written.
#[cfg(not(feature = "parquet"))]
#[test]
fn parquet_flag_without_the_feature_is_a_clear_error() {
    let dir = tmpdir("no-parquet");
    let out_dir = dir.join("run");
    let out = redraw()
        .args(["ensemble", "--graph"])
        .arg(nc())
        .args(["--pop", "TOTAL_POP", "--assignment", "district", "--steps", "10", "--parquet", "--out"])
        .arg(&out_dir)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("without Parquet support") && err.contains("--features parquet"), "{err}");
    assert!(!out_dir.exists(), "no output directory is created");
    std::fs::remove_dir_all(dir).unwrap();
}

/// With the `parquet` feature, `--parquet` writes a Parquet file beside stats.csv.
#[cfg(feature = "parquet")]
#[test]
fn parquet_flag_writes_stats_parquet() {
    let dir = tmpdir("parquet");
    let out_dir = dir.join("run");
    ok(nc_run(&out_dir, "2", &["--parquet"]).output().unwrap());
    let bytes = std::fs::read(out_dir.join("stats.parquet")).unwrap();
    assert!(bytes.starts_with(b"PAR1") && bytes.ends_with(b"PAR1"), "not a Parquet file");
    std::fs::remove_dir_all(dir).unwrap();
}

/// `--sampler smc` end to end on a grid with a county layer: same bytes on 1 and 2 threads, a
/// weighted stats.csv, `redraw judge` weighs it and reports R-hat across runs and effective
/// samples, `redraw plot` resamples it and refuses a trace.
#[test]
fn smc_runs_are_reproducible_weighted_and_judged() {
    let dir = tmpdir("smc");
    let g = dir.join("grid.json");
    std::fs::write(&g, grid_json(12, 10, 0)).unwrap();
    let run = |out: &str, threads: &str, extra: &[&str]| {
        ok(redraw()
            .args(["ensemble", "--sampler", "smc", "--graph"])
            .arg(&g)
            .args(["--pop", "pop", "--districts", "4", "--tol", "0.05", "--particles", "80", "--chains", "2"])
            .args(["--seed", "5", "--election", "E=dem,rep", "--county", "band", "--threads", threads])
            .args(extra)
            .arg("--out")
            .arg(dir.join(out))
            .output()
            .unwrap())
    };
    let out = run("one", "1", &["--county-constraint"]);
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(
        table.contains("SMC: 2 run(s) x 80 particles, 4 districts") && table.contains("county constraint"),
        "{table}"
    );
    assert!(table.contains("unique plans") && table.contains("Stages"), "{table}");
    run("two", "2", &["--county-constraint"]);
    let a = read_all(&dir.join("one"));
    assert_eq!(a, read_all(&dir.join("two")), "SMC output depends on the thread count");
    let m: serde_json::Value = serde_json::from_str(&a.2).unwrap();
    assert_eq!((m["sampler"].as_str(), m["samples_per_chain"].as_u64()), (Some("smc"), Some(80)));
    assert_eq!(m["smc"]["config"]["county_hierarchy"], true);
    assert_eq!(m["smc"]["runs"].as_array().unwrap().len(), 2);
    // The genealogy's width: some of the first stage's 80 particles have final descendants,
    // all of the last row's do.
    for r in m["smc"]["runs"].as_array().unwrap() {
        let stages = r["stages"].as_array().unwrap();
        let first = stages[0]["lineages"].as_u64().unwrap();
        assert!((1..=80).contains(&first), "{r}");
        assert_eq!(stages.last().unwrap()["lineages"].as_u64(), Some(80));
        assert_eq!(stages[0]["threshold"].as_u64(), Some(0), "rejection control is off by default");
        // The default selection floor takes a cut from every tree that has one.
        assert!(stages[..3].iter().all(|s| s["floor"] == 1 && s["not_selected"] == 0), "{r}");
    }
    assert_eq!(m["smc"]["config"]["cut_floor"], 1);
    assert_eq!(m["smc"]["config"]["cut_selection"], "inverse_boundary");
    assert!(table.contains("lineages"), "{table}");
    // Rejection control: a threshold per stage, some cuts thinned, every plan within the county
    // rule.
    run("rc", "2", &["--county-constraint", "--rejection-control", "0.5", "--cut-selection", "uniform"]);
    let rc_files = read_all(&dir.join("rc"));
    let rc: serde_json::Value = serde_json::from_str(&rc_files.2).unwrap();
    let rc_stats = String::from_utf8(rc_files.0.clone()).unwrap();
    assert_eq!(rc_stats.lines().count(), 1 + 160);
    for line in rc_stats.lines().skip(1) {
        assert!(line.split(',').nth(4).unwrap().parse::<u32>().unwrap() <= 3, "{line}");
    }
    assert_eq!(rc["smc"]["config"]["rejection_control"].as_f64(), Some(0.5));
    let stages = rc["smc"]["runs"][0]["stages"].as_array().unwrap();
    assert!(stages.iter().take(3).all(|s| s["threshold"].as_u64().unwrap() > 0), "{stages:?}");
    assert!(stages.iter().map(|s| s["thinned"].as_u64().unwrap()).sum::<u64>() > 0, "{stages:?}");
    // A selection floor above the trees' counts leaves some candidates unselected, and is
    // recorded; the plans still keep the county rule.
    run("floor", "2", &["--county-constraint", "--cut-floor", "6", "--cut-selection", "uniform"]);
    let fl_files = read_all(&dir.join("floor"));
    let fl: serde_json::Value = serde_json::from_str(&fl_files.2).unwrap();
    assert_eq!(fl["smc"]["config"]["cut_floor"], 6);
    let stages = fl["smc"]["runs"][0]["stages"].as_array().unwrap();
    assert!(stages[0]["floor"] == 6 && stages[0]["not_selected"].as_u64().unwrap() > 0, "{stages:?}");
    for line in String::from_utf8(fl_files.0).unwrap().lines().skip(1) {
        assert!(line.split(',').nth(4).unwrap().parse::<u32>().unwrap() <= 3, "{line}");
    }
    // `params.proposal` names the merge-split kernel of the same target, not a ReCom default.
    let p = &m["params"]["proposal"];
    assert_eq!(
        (p["kind"].as_str(), p["county_hierarchy"].as_bool(), p["rho"].as_f64()),
        (Some("merge-split"), Some(true), Some(1.0)),
        "{p}"
    );
    let stats = String::from_utf8(a.0).unwrap();
    assert_eq!(stats.lines().count(), 1 + 160);
    assert!(stats.lines().next().unwrap().ends_with(",weight"));
    // Every plan splits at most k - 1 = 3 counties (the `band` counties are connected rows).
    for line in stats.lines().skip(1) {
        let splits: u32 = line.split(',').nth(4).unwrap().parse().unwrap();
        assert!(splits <= 3, "{line}");
    }

    // The judge weighs the ensemble and diagnoses runs.
    std::fs::write(dir.join("plan.csv"), {
        let mut s = String::from("GEOID,district\n");
        for i in 0..120 {
            s.push_str(&format!("{:05}{:03},{}\n", i / 8, i, (i % 12) / 3 + 1));
        }
        s
    })
    .unwrap();
    let out = ok(redraw()
        .args(["judge", "--graph"])
        .arg(&g)
        .arg("--plan")
        .arg(dir.join("plan.csv"))
        .arg("--ensemble")
        .arg(dir.join("one"))
        .args(["--pop", "pop", "--election", "E=dem,rep", "--format", "json"])
        .output()
        .unwrap());
    let j: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(j["weighted"], true);
    assert!(j["effective_samples"].as_f64().unwrap() > 10.0, "{}", j["effective_samples"]);
    let cut = j["diagnostics"].as_array().unwrap().iter().find(|d| d["statistic"] == "Cut edges").unwrap();
    assert_eq!((cut["chains"].as_u64(), cut["draws_per_chain"].as_u64()), (Some(2), Some(80)));
    assert!(cut["rhat"].as_f64().unwrap().is_finite(), "{cut}");
    assert!(j["ensemble"]["description"]
        .as_str()
        .unwrap()
        .starts_with("Sequential Monte Carlo, 2 run(s) × 80"));
    assert!(j["notes"].as_array().unwrap().iter().any(|n| n.as_str().unwrap().contains("weighted")));

    let plot = |kind: &str, out: &str| {
        redraw()
            .args(["plot"])
            .arg(dir.join("one"))
            .args(["--kind", kind, "--stat", "cut_edges", "-o"])
            .arg(dir.join(out))
            .output()
            .unwrap()
    };
    ok(plot("histogram", "h.svg"));
    let svg = std::fs::read_to_string(dir.join("h.svg")).unwrap();
    assert!(svg.contains("resampled by weight"));
    let refused = plot("trace", "t.svg");
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("no chain to trace"));
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Flags of one sampler are refused with the other, with the reason; merge-split and the
/// region surcharge run.
#[test]
fn sampler_flags_are_checked_and_merge_split_runs() {
    let dir = tmpdir("flags");
    let g = dir.join("grid.json");
    std::fs::write(&g, grid_json(8, 8, 0)).unwrap();
    let base = |extra: &[&str]| {
        let mut c = redraw();
        c.args(["ensemble", "--graph"])
            .arg(&g)
            .args(["--pop", "pop", "--districts", "4", "--tol", "0.1", "--out"])
            .arg(dir.join(extra.join("_").replace(['-', ' '], "")))
            .args(extra);
        c.output().unwrap()
    };
    for (args, msg) in [
        (vec!["--sampler", "smc", "--steps", "10"], "--steps applies to Markov chains"),
        (vec!["--steps", "10", "--rho", "0.5"], "--rho applies to --proposal merge-split"),
        (vec!["--steps", "10", "--rejuvenate", "5"], "apply to --sampler smc"),
        (vec!["--sampler", "smc", "--county-constraint"], "--county-constraint needs counties"),
        (vec!["--steps", "10", "--region-surcharge", "1"], "--region-surcharge needs counties"),
        (vec!["--sampler", "smc", "--particles", "1"], "--particles must be at least 2"),
        (
            vec!["--sampler", "smc", "--particles", "30", "--rejection-control", "1.5"],
            "a quantile in (0, 1], got 1.5",
        ),
        (vec!["--steps", "10", "--rejection-control", "0.5"], "apply to --sampler smc"),
        (vec!["--steps", "10", "--cut-floor", "3"], "apply to --sampler smc"),
        (vec!["--sampler", "smc", "--particles", "30", "--cut-floor", "0"], "--cut-floor"),
        (vec!["--sampler", "smc", "--particles", "30", "--cut-floor", "3"], "needs --cut-selection uniform"),
        (
            vec!["--sampler", "smc", "--particles", "30", "--rejection-control", "0.5"],
            "--rejection-control needs --cut-selection uniform",
        ),
        (vec!["--steps", "10", "--cut-selection", "uniform"], "apply to --sampler smc"),
        (vec![], "--steps N is required"),
    ] {
        let out = base(&args);
        assert!(!out.status.success(), "{args:?} should fail");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(msg), "{args:?}: {err}");
    }
    let out = ok(base(&["--steps", "200", "--proposal", "merge-split", "--rho", "0.5", "--chains", "2"]));
    assert!(String::from_utf8_lossy(&out.stdout).contains("merge-split ensemble: 2 chain(s) x 200 steps"));
    ok(base(&["--steps", "200", "--region-surcharge", "0.5", "--county-prefix", "5"]));
    let out =
        ok(base(&["--sampler", "smc", "--particles", "30", "--rejuvenate", "5", "--balance-bound", "60"]));
    assert!(String::from_utf8_lossy(&out.stdout).contains("SMC: 1 run(s) x 30 particles"));
}

/// `--chain-range` shards merged by `redraw merge` are byte-identical to the run of every chain,
/// and merge refuses mismatched, overlapping, missing and incomplete shards with a clear message.
#[test]
fn shards_merge_to_the_whole_run_and_bad_shards_are_refused() {
    let dir = tmpdir("shards");
    let g = dir.join("grid.json");
    std::fs::write(&g, grid_json(10, 8, 0)).unwrap();
    let ens = |out: &str, extra: &[&str]| {
        redraw()
            .args(["ensemble", "--graph"])
            .arg(&g)
            .args(["--pop", "pop", "--districts", "4", "--tol", "0.05", "--steps", "600", "--chains", "5"])
            .args(["--election", "E=dem,rep", "--checkpoint-every", "100", "--out"])
            .arg(dir.join(out))
            .args(if extra.contains(&"--seed") { &[][..] } else { &["--seed", "9"][..] })
            .args(extra)
            .output()
            .unwrap()
    };
    let merge = |shards: &[&str], out: &str| {
        let mut c = redraw();
        c.arg("merge");
        for s in shards {
            c.arg(dir.join(s));
        }
        c.arg("--out").arg(dir.join(out)).output().unwrap()
    };
    let refused = |out: Output, needle: &str| {
        let err = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(!out.status.success() && err.contains(needle), "expected {needle:?} in: {err}");
    };
    ok(ens("whole", &[]));
    let shard = ok(ens("a", &["--chain-range", "0..2"]));
    let table = String::from_utf8_lossy(&shard.stdout);
    assert!(table.contains("chains 0..2 of 5"), "{table}");
    ok(ens("b", &["--chain-range", "2..5", "--threads", "1"]));
    ok(merge(&["b", "a"], "merged"));
    assert_eq!(read_all(&dir.join("merged")), read_all(&dir.join("whole")));

    ok(ens("b-seed", &["--chain-range", "2..5", "--seed", "10"]));
    refused(merge(&["a", "b-seed"], "m1"), "params.seed: 9 vs 10");
    ok(ens("b-over", &["--chain-range", "1..5"]));
    refused(merge(&["a", "b-over"], "m2"), "overlap on chains 1..2");
    refused(merge(&["a"], "m3"), "no shard holds chains 2..5");
    // A shard killed part-way (here: its chains/ left behind without final files).
    ok(ens("b-cut", &["--chain-range", "2..5"]));
    let m = dir.join("b-cut/manifest.json");
    let text = std::fs::read_to_string(&m).unwrap().replace("\"complete\"", "\"running\"");
    std::fs::write(&m, text).unwrap();
    refused(merge(&["a", "b-cut"], "m4"), "is not complete");
    for o in ["m1", "m2", "m3", "m4"] {
        assert!(!dir.join(o).exists(), "a refused merge wrote {o}");
    }
    refused(ens("c", &["--chain-range", "3..9"]), "goes past the run's 5 chains");
    refused(ens("c", &["--chain-range", "3-9"]), "START..END");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// `--record thinned --track COL`: kill -9 mid-run and resume gives the bytes of the
/// uninterrupted run (the delta reference comes back from the checkpoint: 12,000 steps
/// checkpointed every 500 with plans every 25th step), stats.csv has a row per step and the
/// tracked sums, which add up to the column's total in every row.
#[test]
fn thinned_tracked_run_survives_kill_dash_nine() {
    let dir = tmpdir("kill-thinned");
    let extra = ["--record", "thinned", "--track", "TOTAL_POP", "--track", "REP_VOTES"];
    let full = dir.join("full");
    ok(nc_run(&full, "2", &extra).output().unwrap());
    let cut = dir.join("cut");
    let mut child = nc_run(&cut, "2", &extra)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let t0 = Instant::now();
    while !cut.join("chains/chain-00001.ckpt").exists() {
        assert!(t0.elapsed() < Duration::from_secs(60), "no checkpoint appeared");
        assert!(child.try_wait().unwrap().is_none(), "the run finished before it could be killed");
        std::thread::sleep(Duration::from_millis(5));
    }
    std::thread::sleep(Duration::from_millis(100));
    child.kill().unwrap();
    child.wait().unwrap();
    if !cut.join("stats.csv").exists() {
        ok(nc_run(&cut, "1", &[&extra[..], &["--resume"]].concat()).output().unwrap());
    }
    assert!(read_all(&full) == read_all(&cut), "files differ after kill -9 and resume");
    let m: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(full.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(m["format_version"], 2);
    assert_eq!(m["tracked_columns"], serde_json::json!(["TOTAL_POP", "REP_VOTES"]));
    assert_eq!(m["params"]["record"], "thinned");
    assert_eq!(m["params"]["compression"], "delta");
    assert_eq!((m["samples_per_chain"].as_u64(), m["plans_per_chain"].as_u64()), (Some(12_001), Some(481)));
    let stats = std::fs::read_to_string(full.join("stats.csv")).unwrap();
    let mut lines = stats.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let idx = |p: &str| -> Vec<usize> { (0..header.len()).filter(|&i| header[i].starts_with(p)).collect() };
    let (pop, sum_pop, sum_rep, rep) =
        (idx("pop_"), idx("sum_TOTAL_POP_"), idx("sum_REP_VOTES_"), idx("COMP_rep_"));
    assert_eq!((sum_pop.len(), sum_rep.len()), (14, 14));
    assert_eq!(header[header.len() - 1], "sum_REP_VOTES_14", "tracked columns come last, in label order");
    let mut rows = 0;
    for line in lines {
        let f: Vec<u64> = line.split(',').map(|x| x.parse().unwrap_or(0)).collect();
        // The tracked TOTAL_POP sums are the district populations; REP_VOTES the election's
        // Republican tallies; both add up to NC's totals.
        assert!(sum_pop.iter().zip(&pop).all(|(&a, &b)| f[a] == f[b]));
        assert!(sum_rep.iter().zip(&rep).all(|(&a, &b)| f[a] == f[b]));
        assert_eq!(sum_pop.iter().map(|&i| f[i]).sum::<u64>(), 10_439_388);
        assert_eq!(sum_rep.iter().map(|&i| f[i]).sum::<u64>(), 15_468_564);
        rows += 1;
    }
    assert_eq!(rows, 2 * 12_001, "a row at every step");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Before a run of more than 1 GB, its size is estimated on stderr (here the run itself is then
/// refused: the folder holds a file of the user's, which stays untouched). The README's PA
/// example with fixed-size records: 400,004 plans of 9,178 nodes are 3.7 GB.
#[test]
fn a_large_run_prints_its_size_first_and_small_ones_do_not() {
    let pa = data_dir().join("graphs/bench/PA.json");
    let dir = tmpdir("size");
    std::fs::write(dir.join("mine.txt"), "keep").unwrap();
    let out = redraw()
        .args(["ensemble", "--graph"])
        .arg(&pa)
        .args(["--pop", "TOTAL_POP", "--assignment", "district", "--steps", "100000", "--chains", "4"])
        .args(["--seed", "1", "--election", "PRES=DEM_VOTES,REP_VOTES", "--compress", "none", "--out"])
        .arg(&dir)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        err.contains("note: this run will write about 3.8 GB to ")
            && err.contains("assignments.bin 3.7 GB (400,004 plans, uncompressed")
            && err.contains("(400,004 rows)")
            && err.contains("--record thinned"),
        "{err}"
    );
    assert!(err.contains("is not empty"), "{err}");
    assert_eq!(std::fs::read_to_string(dir.join("mine.txt")).unwrap(), "keep");
    // With delta records (the default) the same run stays under 1 GB: no note.
    let out = redraw()
        .args(["ensemble", "--graph"])
        .arg(&pa)
        .args(["--pop", "TOTAL_POP", "--assignment", "district", "--steps", "100000", "--chains", "4"])
        .args(["--seed", "1", "--election", "PRES=DEM_VOTES,REP_VOTES", "--out"])
        .arg(&dir)
        .output()
        .unwrap();
    assert!(!String::from_utf8_lossy(&out.stderr).contains("will write"));
    std::fs::remove_dir_all(&dir).unwrap();
}

/// `--record stats-only` writes no assignments.bin and the judge still reads the run;
/// --track of a column the graph lacks, and a bad --record value, are clear errors.
#[test]
fn stats_only_runs_are_judged_and_bad_recording_flags_are_clear_errors() {
    let dir = tmpdir("stats-only");
    let run = dir.join("run");
    ok(redraw()
        .args(["ensemble", "--graph"])
        .arg(nc())
        .args(["--pop", "TOTAL_POP", "--assignment", "district", "--steps", "300", "--chains", "2"])
        .args(["--election", "COMP=DEM_VOTES,REP_VOTES", "--record", "stats-only", "--out"])
        .arg(&run)
        .output()
        .unwrap());
    assert!(run.join("stats.csv").is_file() && !run.join("assignments.bin").exists());
    let judged = redraw()
        .args(["judge", "--graph"])
        .arg(nc())
        .args(["--plan", "district", "--ensemble"])
        .arg(&run)
        .args(["--format", "json"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&judged.stdout);
    let err = String::from_utf8_lossy(&judged.stderr);
    assert!(judged.status.success(), "{err}");
    assert!(text.contains("\"schema_version\""), "{text}");
    let bad = |args: &[&str]| -> String {
        let o = redraw()
            .args(["ensemble", "--graph"])
            .arg(nc())
            .args(["--pop", "TOTAL_POP", "--assignment", "district", "--steps", "10", "--out"])
            .arg(dir.join("bad"))
            .args(args)
            .output()
            .unwrap();
        assert!(!o.status.success());
        String::from_utf8_lossy(&o.stderr).into_owned()
    };
    let e = bad(&["--track", "BLACK_VAP"]);
    assert!(e.contains("--track \"BLACK_VAP\"") && e.contains("BLACK_VAP"), "{e}");
    let e = bad(&["--record", "sometimes"]);
    assert!(e.contains("every") && e.contains("thinned") && e.contains("stats-only"), "{e}");
    assert!(!dir.join("bad").join("manifest.json").exists());
    std::fs::remove_dir_all(&dir).unwrap();
}
