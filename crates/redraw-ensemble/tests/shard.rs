//! Shards: a run computed as chain ranges, each checkpointed and resumable, merges into the
//! bytes of the whole run; merge refuses shards that do not form one run. Also the external
//! stop flag (Python's Ctrl-C) and the progress counter.

mod common;

use common::*;
use redraw_ensemble::run::{run, Execution, RunError, RunSpec};
use redraw_ensemble::shard::{merge, MergeError};
use redraw_ensemble::*;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;

fn tmpdir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("redraw-shard-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn spec_for(p: &Problem, seed: u64) -> RunSpec<'_> {
    RunSpec {
        problem: p,
        initial: bands(12, 12, 6),
        district_labels: (1..=6).map(|d| format!("D{d}")).collect(),
        params: ChainParams {
            seed,
            chains: 7,
            steps: 900,
            thin: 5,
            burn_in: 10,
            record: Record::Every,
            compression: Compression::None,
            proposal: ProposalConfig::default(),
        },
        inputs: serde_json::json!({"graph": {"path": "/somewhere/grid.json", "sha256": "abc"}}),
    }
}

fn files(dir: &Path) -> Vec<Vec<u8>> {
    ["manifest.json", "stats.csv", "assignments.bin"]
        .iter()
        .map(|f| std::fs::read(dir.join(f)).unwrap())
        .collect()
}

fn shard(range: std::ops::Range<u32>) -> Execution {
    Execution { threads: 2, checkpoint_every: 200, chain_range: Some(range), ..Default::default() }
}

#[test]
fn shards_merge_to_the_bytes_of_the_whole_run_and_resume_like_runs() {
    let g = grid(12, 12, |i| 10 + (i % 5) as i64);
    let p = Problem::new(&g, &spec(6, 0.08)).unwrap();
    let s = spec_for(&p, 5);
    let root = tmpdir("merge");
    let whole = root.join("whole");
    run(&whole, &s, &Execution { threads: 2, ..Default::default() }, false).unwrap();

    // Three shards of unequal sizes; the middle one is killed after its first checkpoints and
    // resumed on another thread count.
    let (a, b, c) = (root.join("a"), root.join("b"), root.join("c"));
    let m = run(&a, &s, &shard(0..2), false).unwrap().manifest;
    assert_eq!(m.shard.as_ref().unwrap().chain_range, [0, 2]);
    assert_eq!(m.results.len(), 2);
    let text = std::fs::read_to_string(a.join("manifest.json")).unwrap();
    assert!(text.contains("\"shard\"") && text.contains("\"chain_range\""), "{text}");
    let stop = Execution { stop_after: Some(555), ..shard(2..3) };
    assert!(matches!(run(&b, &s, &stop, false), Err(RunError::Interrupted(555))));
    // A shard resumed with another range is another shard: refused.
    let err = run(&b, &s, &shard(2..4), true).unwrap_err().to_string();
    assert!(err.contains("shard"), "{err}");
    run(&b, &s, &Execution { threads: 1, ..shard(2..3) }, true).unwrap();
    run(&c, &s, &shard(3..7), false).unwrap();
    // Each shard's stats.csv holds exactly its chains.
    let rows_c = std::fs::read_to_string(c.join("stats.csv")).unwrap();
    let chains: std::collections::BTreeSet<&str> =
        rows_c.lines().skip(1).map(|l| l.split(',').next().unwrap()).collect();
    assert_eq!(chains.into_iter().collect::<Vec<_>>(), ["3", "4", "5", "6"]);

    let merged = root.join("merged");
    // Given in any order.
    let out = merge(&[c.clone(), a.clone(), b.clone()], &merged, false).unwrap();
    assert!(out.shard.is_none());
    assert_eq!(files(&merged), files(&whole), "merged shards differ from the whole run");
    // The merged run is a run: resuming it is a no-op.
    assert!(run(&merged, &s, &Execution::default(), true).unwrap().already_complete);
    // A range covering every chain is the whole run, not a shard.
    let all = root.join("all");
    run(&all, &s, &Execution { chain_range: Some(0..7), ..Default::default() }, false).unwrap();
    assert_eq!(files(&all), files(&whole));
    // Shards computed where the graph sat at another path still merge (hashes are compared),
    // and the merged manifest keeps the first shard's path.
    let mut moved = spec_for(&p, 5);
    moved.inputs["graph"]["path"] = "/elsewhere/grid.json".into();
    let c2 = root.join("c2");
    run(&c2, &moved, &shard(3..7), false).unwrap();
    let merged2 = root.join("merged2");
    merge(&[a.clone(), b.clone(), c2], &merged2, false).unwrap();
    assert_eq!(files(&merged2), files(&whole));
    std::fs::remove_dir_all(root).unwrap();
}

#[test]
fn merge_refuses_shards_that_are_not_one_complete_run() {
    let g = grid(12, 12, |i| 10 + (i % 5) as i64);
    let p = Problem::new(&g, &spec(6, 0.08)).unwrap();
    let s = spec_for(&p, 5);
    let root = tmpdir("refuse");
    let d = |n: &str| root.join(n);
    run(&d("a"), &s, &shard(0..3), false).unwrap();
    run(&d("b"), &s, &shard(3..7), false).unwrap();
    run(&d("b2"), &s, &shard(2..7), false).unwrap();
    run(&d("b3"), &s, &shard(4..7), false).unwrap();
    let other_seed = spec_for(&p, 6);
    run(&d("b-seed"), &other_seed, &shard(3..7), false).unwrap();
    let mut other_graph = spec_for(&p, 5);
    other_graph.inputs["graph"]["sha256"] = "def".into();
    run(&d("b-graph"), &other_graph, &shard(3..7), false).unwrap();
    let stop = Execution { stop_after: Some(300), ..shard(3..7) };
    assert!(matches!(run(&d("b-cut"), &s, &stop, false), Err(RunError::Interrupted(300))));

    let out = d("out");
    let refuse = |shards: &[&str]| -> MergeError {
        let dirs: Vec<PathBuf> = shards.iter().map(|n| d(n)).collect();
        let e = merge(&dirs, &out, false).unwrap_err();
        assert!(!out.exists(), "a refused merge leaves no output ({e})");
        e
    };
    // Mismatched parameters, and mismatched input hashes.
    let e = refuse(&["a", "b-seed"]);
    assert!(matches!(e, MergeError::Mismatch { .. }), "{e:?}");
    assert!(e.to_string().contains("params.seed: 5 vs 6"), "{e}");
    let e = refuse(&["a", "b-graph"]);
    assert!(e.to_string().contains("inputs.graph.sha256: \"abc\" vs \"def\""), "{e}");
    // Overlapping ranges.
    let e = refuse(&["b2", "a"]);
    assert!(matches!(e, MergeError::Overlap { .. }), "{e:?}");
    assert!(e.to_string().contains("overlap on chains 2..3"), "{e}");
    // Missing chains, at the end and in the middle.
    let e = refuse(&["a"]);
    assert!(matches!(e, MergeError::Missing { .. }), "{e:?}");
    assert!(e.to_string().contains("no shard holds chains 3..7"), "{e}");
    let e = refuse(&["a", "b3"]);
    assert!(e.to_string().contains("no shard holds chains 3..4"), "{e}");
    // An incomplete (interrupted) shard, named with the command that finishes it.
    let e = refuse(&["a", "b-cut"]);
    assert!(matches!(e, MergeError::Incomplete { .. }), "{e:?}");
    assert!(e.to_string().contains("not complete") && e.to_string().contains("--chain-range 3..7"), "{e}");
    // Not a run directory at all.
    std::fs::create_dir_all(d("empty")).unwrap();
    let e = refuse(&["a", "empty"]);
    assert!(matches!(e, MergeError::NotARun { .. }), "{e:?}");
    // A shard whose assignments were truncated after it completed.
    std::fs::create_dir_all(d("b-trunc")).unwrap();
    for f in ["manifest.json", "stats.csv", "assignments.bin"] {
        std::fs::copy(d("b").join(f), d("b-trunc").join(f)).unwrap();
    }
    let f = std::fs::OpenOptions::new().write(true).open(d("b-trunc").join("assignments.bin")).unwrap();
    f.set_len(1000).unwrap();
    let e = refuse(&["a", "b-trunc"]);
    assert!(matches!(e, MergeError::Corrupt { .. }), "{e:?}");
    // An existing run or a non-empty directory is never overwritten.
    merge(&[d("a"), d("b")], &out, false).unwrap();
    let before = files(&out);
    let e = merge(&[d("a"), d("b")], &out, false).unwrap_err();
    assert!(matches!(e, MergeError::Exists { .. }), "{e:?}");
    assert_eq!(files(&out), before);
    std::fs::create_dir_all(d("notes")).unwrap();
    std::fs::write(d("notes/keep.txt"), "mine").unwrap();
    let e = merge(&[d("a"), d("b")], &d("notes"), false).unwrap_err();
    assert!(matches!(e, MergeError::NotEmpty { .. }), "{e:?}");
    assert_eq!(std::fs::read_to_string(d("notes/keep.txt")).unwrap(), "mine");
    std::fs::remove_dir_all(root).unwrap();
}

#[test]
fn a_shard_range_outside_the_run_is_refused() {
    let g = grid(12, 12, |i| 10 + (i % 5) as i64);
    let p = Problem::new(&g, &spec(6, 0.08)).unwrap();
    let s = spec_for(&p, 5);
    let root = tmpdir("range");
    let e = run(&root.join("x"), &s, &shard(5..9), false).unwrap_err();
    assert!(e.to_string().contains("goes past the run's 7 chains"), "{e}");
    assert!(!root.join("x").join("manifest.json").exists());
    assert_eq!(redraw_ensemble::shard::parse_range("16..32").unwrap(), 16..32);
    assert!(redraw_ensemble::shard::parse_range("32..16").unwrap_err().contains("empty"));
    assert!(redraw_ensemble::shard::parse_range("16-32").unwrap_err().contains("START..END"));
    std::fs::remove_dir_all(root).unwrap();
}

/// The stop flag (Python's Ctrl-C) ends every chain at a checkpoint of the step it reached; a
/// resume gives the bytes of an uninterrupted run. The progress counter ends at every step.
#[test]
fn a_cancelled_run_resumes_to_the_same_bytes() {
    let g = grid(12, 12, |i| 10 + (i % 5) as i64);
    let p = Problem::new(&g, &spec(6, 0.08)).unwrap();
    let mut s = spec_for(&p, 9);
    s.params.steps = 20_000;
    s.params.chains = 2;
    let root = tmpdir("cancel");
    let whole = root.join("whole");
    let done = Arc::new(AtomicU64::new(0));
    let exec = Execution { threads: 2, steps_done: Some(done.clone()), ..Default::default() };
    run(&whole, &s, &exec, false).unwrap();
    assert_eq!(done.load(Ordering::Relaxed), 40_000);

    let cut = root.join("cut");
    let cancel = Arc::new(AtomicBool::new(false));
    let done = Arc::new(AtomicU64::new(0));
    let exec = Execution {
        threads: 2,
        checkpoint_every: 1_000_000,
        cancel: Some(cancel.clone()),
        steps_done: Some(done.clone()),
        ..Default::default()
    };
    let result = std::thread::scope(|sc| {
        let h = sc.spawn(|| run(&cut, &s, &exec, false));
        while done.load(Ordering::Relaxed) < 3000 && !h.is_finished() {
            std::thread::yield_now();
        }
        cancel.store(true, Ordering::Relaxed);
        h.join().unwrap()
    });
    match result {
        Err(e @ RunError::Cancelled { .. }) => assert!(e.to_string().contains("--resume"), "{e}"),
        other => panic!("expected a cancelled run, got {other:?}"),
    }
    // Checkpoints were written where the chains stood, although none was due.
    for c in 0..2 {
        assert!(cut.join(format!("chains/chain-{c:05}.ckpt")).is_file());
    }
    assert!(!cut.join("stats.csv").exists());
    let done = Arc::new(AtomicU64::new(0));
    let exec = Execution { threads: 1, steps_done: Some(done.clone()), ..Default::default() };
    run(&cut, &s, &exec, true).unwrap();
    assert_eq!(done.load(Ordering::Relaxed), 40_000, "resumed steps count from the checkpoints");
    assert_eq!(files(&cut), files(&whole));
    std::fs::remove_dir_all(root).unwrap();
}

/// Shards of delta-encoded, thinned and stats-only runs (with tracked columns) merge into the
/// bytes of the whole run too: every chain's first record is a full plan, so encoded records
/// concatenate as they are.
#[test]
fn shards_of_every_recording_mode_merge_to_the_whole_run() {
    let g = grid(12, 12, |i| 10 + (i % 5) as i64);
    let mut ps = spec(6, 0.08);
    ps.tracked = vec!["r".into()];
    let p = Problem::new(&g, &ps).unwrap();
    for (record, compression) in [
        (Record::Every, Compression::Delta),
        (Record::Thinned, Compression::Delta),
        (Record::StatsOnly, Compression::Delta),
    ] {
        let mut s = spec_for(&p, 9);
        s.params.record = record;
        s.params.compression = compression;
        let root = tmpdir(&format!("modes-{}", record.name()));
        let whole = root.join("whole");
        run(&whole, &s, &Execution { threads: 2, ..Default::default() }, false).unwrap();
        let (a, b) = (root.join("a"), root.join("b"));
        run(&a, &s, &shard(0..3), false).unwrap();
        let stop = Execution { stop_after: Some(333), ..shard(3..7) };
        assert!(matches!(run(&b, &s, &stop, false), Err(RunError::Interrupted(333))));
        run(&b, &s, &shard(3..7), true).unwrap();
        let merged = root.join("merged");
        merge(&[b.clone(), a.clone()], &merged, false).unwrap();
        let read = |d: &Path| -> Vec<Option<Vec<u8>>> {
            ["manifest.json", "stats.csv", "assignments.bin"]
                .iter()
                .map(|f| std::fs::read(d.join(f)).ok())
                .collect()
        };
        assert_eq!(read(&merged), read(&whole), "{}: merged shards differ from the whole run", record.name());
        assert_eq!(read(&whole)[2].is_none(), record == Record::StatsOnly);
        std::fs::remove_dir_all(root).unwrap();
    }
}
