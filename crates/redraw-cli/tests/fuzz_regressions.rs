//! Replays, on stable and in `cargo test`, every committed input of the fuzz targets: the seeds
//! (`fuzz/seeds/TARGET/`) and the minimized inputs that once crashed, hung or blew up memory
//! (`fuzz/regressions/TARGET/`), through the very same target bodies (`fuzz/src/harness.rs`).
//! A regression that comes back fails here without nightly or cargo-fuzz.

#[path = "../../../fuzz/src/harness.rs"]
mod harness;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz")
}

/// A target: its name (the folder of its inputs) and its body.
type Target = (&'static str, fn(&[u8]));

const TARGETS: [Target; 12] = [
    ("networkx", harness::networkx),
    ("rdabase", harness::rdabase),
    ("edge_list", harness::edge_list),
    ("plan_csv", harness::plan_csv),
    ("scenario", harness::scenario),
    ("populations", harness::populations),
    ("geojson", harness::geojson),
    ("topojson", harness::topojson),
    ("shapefile", harness::shapefile),
    ("run_dir", harness::run_dir),
    ("checkpoint", harness::checkpoint),
    ("assignments", harness::assignments),
];

fn inputs(kind: &str, target: &str) -> Vec<PathBuf> {
    let dir = fuzz_dir().join(kind).join(target);
    let mut v: Vec<PathBuf> = match std::fs::read_dir(&dir) {
        Ok(rd) => rd.map(|e| e.unwrap().path()).filter(|p| p.is_file()).collect(),
        Err(_) => Vec::new(),
    };
    v.sort();
    v
}

fn replay(kind: &str) -> usize {
    let mut n = 0;
    for (target, body) in TARGETS {
        for path in inputs(kind, target) {
            let data = std::fs::read(&path).unwrap();
            let t = Instant::now();
            body(&data);
            // libFuzzer runs the targets with -timeout=10; the same bound here.
            assert!(t.elapsed() < Duration::from_secs(10), "{} took {:?}", path.display(), t.elapsed());
            n += 1;
        }
    }
    n
}

#[test]
fn every_seed_runs_through_its_target() {
    let n = replay("seeds");
    assert!(n >= 30, "only {n} seeds found under fuzz/seeds");
    // Every target has seeds.
    for (target, _) in TARGETS {
        assert!(!inputs("seeds", target).is_empty(), "no seed for {target}");
    }
}

#[test]
fn every_minimized_crasher_is_fixed() {
    replay("regressions");
}

/// Writes the checkpoint seeds (their layout is redraw's own, so redraw writes them): chain
/// checkpoints of the checkpoint target's fixed problem. Run after a checkpoint format change:
/// `cargo test --release -p redraw-cli --test fuzz_regressions -- --ignored write_checkpoint_seeds`
#[test]
#[ignore]
fn write_checkpoint_seeds() {
    use redraw_ensemble::run::{run, Execution, RunError, RunSpec};
    let (p, params) = harness::checkpoint_problem();
    let out = fuzz_dir().join("seeds/checkpoint");
    std::fs::create_dir_all(&out).unwrap();
    for stop in [2u64, 4, 8] {
        let dir = std::env::temp_dir().join(format!("redraw-ckpt-seed-{}-{stop}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let spec = RunSpec {
            problem: &p,
            initial: vec![0, 0, 0, 1, 1, 1, 2, 2, 2],
            district_labels: vec!["1".into(), "2".into(), "3".into()],
            params: params.clone(),
            inputs: serde_json::json!({}),
        };
        let exec = Execution { checkpoint_every: 1, stop_after: Some(stop), ..Default::default() };
        assert!(matches!(run(&dir, &spec, &exec, false), Err(RunError::Interrupted(_))));
        let bytes = std::fs::read(dir.join("chains/chain-00000.ckpt")).unwrap();
        std::fs::write(out.join(format!("grid3x3-step{stop}.ckpt")), bytes).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
