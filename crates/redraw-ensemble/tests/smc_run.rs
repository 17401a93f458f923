//! SMC run directories: the chain-run layout plus weights; byte-identical for any thread count
//! and after an interrupted run is resumed; stats rows and assignment records agree.

mod common;

use common::*;
use redraw_ensemble::run::{Execution, Manifest, RunError, Sampler};
use redraw_ensemble::smc::SmcConfig;
use redraw_ensemble::smc_run::{run_smc_dir, Rejuvenation, SmcRunSpec};
use redraw_ensemble::*;
use std::path::PathBuf;

fn tmpdir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("redraw-smc-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

fn files(dir: &std::path::Path) -> (Vec<u8>, Vec<u8>, String) {
    (
        std::fs::read(dir.join("stats.csv")).unwrap(),
        std::fs::read(dir.join("assignments.bin")).unwrap(),
        std::fs::read_to_string(dir.join("manifest.json")).unwrap(),
    )
}

fn spec_for(p: &Problem, rejuvenation: Option<Rejuvenation>) -> SmcRunSpec<'_> {
    SmcRunSpec {
        problem: p,
        district_labels: (1..=5).map(|d| d.to_string()).collect(),
        seed: 9,
        runs: 3,
        config: SmcConfig { particles: 60, ..SmcConfig::default() },
        rejuvenation,
        inputs: serde_json::json!({"graph": "grid 10x10"}),
    }
}

#[test]
fn smc_run_directory_is_reproducible_resumable_and_consistent() {
    let g = grid(10, 10, |i| 10 + (i % 5) as i64);
    let p = Problem::new(&g, &spec(5, 0.05)).unwrap();
    let s = spec_for(&p, None);
    let one = tmpdir("one");
    let summary = run_smc_dir(&one, &s, &Execution { threads: 1, ..Default::default() }, false).unwrap();
    let m = &summary.manifest;
    assert_eq!((m.status.as_str(), m.sampler, m.samples_per_chain), ("complete", Sampler::Smc, 60));
    let info = m.smc.as_ref().unwrap();
    assert_eq!(info.runs.len(), 3);
    for r in &info.runs {
        assert_eq!(r.stages.len(), 5, "4 splits and the final row");
        assert!(r.ess > 1.0 && r.ess <= 60.0 && r.unique_plans >= 2, "{r:?}");
    }
    assert_eq!(m.stats_columns.last().map(String::as_str), Some("weight"));
    let two = tmpdir("two");
    run_smc_dir(&two, &s, &Execution { threads: 3, ..Default::default() }, false).unwrap();
    let a = files(&one);
    assert_eq!(a, files(&two), "1 vs 3 threads differ");
    assert!(!one.join("chains").exists());

    // Stats rows and assignment records agree; weights sum to one per run.
    let text = String::from_utf8(a.0.clone()).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    assert_eq!(header, m.stats_columns.iter().map(String::as_str).collect::<Vec<_>>());
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let rows: Vec<Vec<String>> = lines.map(|l| l.split(',').map(str::to_string).collect()).collect();
    assert_eq!(rows.len(), 180);
    let mut reader = redraw_ensemble::run::open_assignments(&one).unwrap();
    let mut plan = Vec::new();
    let mut sums = [0.0f64; 3];
    for row in &rows {
        let sample = reader.next_into(&mut plan).unwrap().unwrap();
        assert_eq!(sample.0.to_string(), row[col("chain")]);
        assert_eq!(sample.1.to_string(), row[col("step")]);
        let part = Partition::new(&p, plan.clone()).unwrap();
        assert_valid(&p, &part, "SMC plan");
        assert_eq!(part.cut_edges().to_string(), row[col("cut_edges")]);
        for d in 0..5 {
            assert_eq!(part.district_pops()[d].to_string(), row[col(&format!("pop_{}", d + 1))]);
        }
        let w: f64 = row[col("weight")].parse().unwrap();
        assert!(w >= 0.0);
        sums[sample.0 as usize] += w;
    }
    for s in sums {
        assert!((s - 1.0).abs() < 1e-9, "{sums:?}");
    }

    // Interrupted after 2 of 3 runs, resumed with another thread count: the same bytes.
    let cut = tmpdir("cut");
    match run_smc_dir(&cut, &s, &Execution { threads: 2, stop_after: Some(2), ..Default::default() }, false) {
        Err(RunError::Interrupted(2)) => {}
        other => panic!("expected an interruption, got {:?}", other.map(|_| ())),
    }
    assert!(!cut.join("stats.csv").exists());
    assert_eq!(Manifest::read(&cut).unwrap().status, "running");
    assert!(matches!(run_smc_dir(&cut, &s, &Execution::default(), false), Err(RunError::Exists { .. })));
    run_smc_dir(&cut, &s, &Execution { threads: 1, ..Default::default() }, true).unwrap();
    let b = files(&cut);
    assert!(a.0 == b.0, "resumed SMC run: stats.csv differs");
    assert!(a.1 == b.1, "resumed SMC run: assignments.bin differs");
    assert_eq!(a.2, b.2, "resumed SMC run: manifest differs");
    let again = run_smc_dir(&cut, &s, &Execution::default(), true).unwrap();
    assert!(again.already_complete);
    // Other parameters do not resume this run.
    let mut other = spec_for(&p, None);
    other.config.rho = 0.5;
    assert!(matches!(run_smc_dir(&cut, &other, &Execution::default(), true), Err(RunError::Mismatch { .. })));
    for d in [one, two, cut] {
        let _ = std::fs::remove_dir_all(d);
    }
}

#[test]
fn rejuvenation_resamples_to_equal_weights_and_keeps_plans_valid() {
    let g = grid(10, 10, |i| 10 + (i % 5) as i64);
    let p = Problem::new(&g, &spec(5, 0.05)).unwrap();
    let rj = Rejuvenation {
        steps: 20,
        proposal: ProposalConfig {
            kind: ProposalKind::MergeSplit,
            balance_bound: 40,
            ..ProposalConfig::default()
        },
    };
    let s = spec_for(&p, Some(rj));
    let dir = tmpdir("rejuv");
    let m = run_smc_dir(&dir, &s, &Execution { threads: 2, ..Default::default() }, false).unwrap().manifest;
    let info = m.smc.as_ref().unwrap();
    for r in &info.runs {
        let c = r.rejuvenation.as_ref().unwrap();
        assert_eq!(c.steps, 60 * 20);
        assert!(c.accepted > 0, "{c:?}");
        assert!((r.ess - 60.0).abs() < 1e-9, "equal weights after resampling");
    }
    let text = std::fs::read_to_string(dir.join("stats.csv")).unwrap();
    let mut reader = redraw_ensemble::run::open_assignments(&dir).unwrap();
    let mut plan = Vec::new();
    for line in text.lines().skip(1) {
        let w: f64 = line.rsplit(',').next().unwrap().parse().unwrap();
        assert!((w - 1.0 / 60.0).abs() < 1e-12);
        reader.next_into(&mut plan).unwrap().unwrap();
        assert_valid(&p, &Partition::new(&p, plan.clone()).unwrap(), "rejuvenated plan");
    }
    let _ = std::fs::remove_dir_all(dir);
}
