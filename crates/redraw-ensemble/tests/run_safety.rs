//! Run directories under abuse (issue 8): a folder that is not a run is never touched, two runs
//! on one directory cannot both proceed, damaged parts are refused on resume, too many
//! districts are refused, and a full disk during the chains or the merge leaves nothing partial
//! behind and resumes to the same bytes. Each test names the finding it pins.

mod common;

use common::*;
use redraw_ensemble::run::{lock_run_dir, run, DiskFull, Execution, Phase, RunError, RunSpec};
use redraw_ensemble::*;
use std::path::{Path, PathBuf};

fn tmpdir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("redraw-safety-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

fn problem() -> (redraw_graph::Graph, ProblemSpec) {
    (grid(10, 10, |i| 10 + (i % 3) as i64), spec(5, 0.1))
}

fn spec_for(p: &Problem) -> RunSpec<'_> {
    RunSpec {
        problem: p,
        initial: bands(10, 10, 5),
        district_labels: (1..=5).map(|d| d.to_string()).collect(),
        params: ChainParams {
            seed: 11,
            chains: 3,
            steps: 700,
            thin: 3,
            burn_in: 0,
            record: Record::Every,
            compression: Compression::None,
            proposal: ProposalConfig::default(),
        },
        inputs: serde_json::json!({"graph": "grid 10x10"}),
    }
}

fn files(dir: &Path) -> (Vec<u8>, Vec<u8>, String) {
    (
        std::fs::read(dir.join("stats.csv")).unwrap(),
        std::fs::read(dir.join("assignments.bin")).unwrap(),
        std::fs::read_to_string(dir.join("manifest.json")).unwrap(),
    )
}

/// Every file under `dir`, relative, sorted.
fn tree(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p.clone());
            }
            out.push(p.strip_prefix(dir).unwrap().display().to_string());
        }
    }
    out.sort();
    out
}

fn reference(p: &Problem, name: &str) -> (Vec<u8>, Vec<u8>, String) {
    let dir = tmpdir(&format!("reference-{name}"));
    run(&dir, &spec_for(p), &Execution { threads: 2, ..Default::default() }, false).unwrap();
    let f = files(&dir);
    std::fs::remove_dir_all(&dir).unwrap();
    f
}

/// Finding 7: `--out` naming a folder with other files but no manifest (`--out .` in a
/// project) deleted its `chains/` folder recursively and overwrote stats.csv, exit 0. Now the
/// folder is refused and every file in it is left exactly as it was.
#[test]
fn finding_7_a_folder_that_is_not_a_run_is_refused_and_untouched() {
    let (g, ps) = problem();
    let p = Problem::new(&g, &ps).unwrap();
    let dir = tmpdir("not-a-run");
    std::fs::create_dir_all(dir.join("chains")).unwrap();
    std::fs::write(dir.join("chains/my-notes.txt"), "mine").unwrap();
    std::fs::write(dir.join("stats.csv"), "my own stats").unwrap();
    let before = tree(&dir);
    let e = run(&dir, &spec_for(&p), &Execution::default(), false).unwrap_err();
    assert!(matches!(e, RunError::NotARun { .. }), "{e}");
    let msg = e.to_string();
    assert!(msg.contains("not empty") && msg.contains("chains, stats.csv"), "{msg}");
    assert_eq!(tree(&dir), before, "nothing created or deleted");
    assert_eq!(std::fs::read_to_string(dir.join("chains/my-notes.txt")).unwrap(), "mine");
    assert_eq!(std::fs::read_to_string(dir.join("stats.csv")).unwrap(), "my own stats");
    // An empty directory is fine, and so is a new one.
    let empty = tmpdir("empty");
    std::fs::create_dir_all(&empty).unwrap();
    run(&empty, &spec_for(&p), &Execution::default(), false).unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    std::fs::remove_dir_all(&empty).unwrap();
}

/// Finding 8: two runs on one `--out` could both proceed, the second silently replacing the
/// first's output. A run holds an exclusive lock for its whole duration: a second one is
/// refused, whether it starts while the first holds the lock or races it.
#[test]
fn finding_8_a_second_run_on_a_locked_directory_is_refused() {
    let (g, ps) = problem();
    let p = Problem::new(&g, &ps).unwrap();
    let s = spec_for(&p);
    let dir = tmpdir("locked");
    std::fs::create_dir_all(&dir).unwrap();
    let lock = lock_run_dir(&dir).unwrap();
    let e = run(&dir, &s, &Execution::default(), false).unwrap_err();
    assert!(matches!(e, RunError::Locked { .. }), "{e}");
    assert!(e.to_string().contains("another redraw process"), "{e}");
    assert!(!dir.join("manifest.json").exists());
    drop(lock);
    run(&dir, &s, &Execution::default(), false).unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    // Two runs started together, many times: exactly one proceeds each time.
    for round in 0..8 {
        let dir = tmpdir(&format!("race-{round}"));
        let results: Vec<Result<_, RunError>> = std::thread::scope(|sc| {
            let a = sc.spawn(|| run(&dir, &s, &Execution::default(), false));
            let b = sc.spawn(|| run(&dir, &s, &Execution::default(), false));
            vec![a.join().unwrap(), b.join().unwrap()]
        });
        let ok = results.iter().filter(|r| r.is_ok()).count();
        assert_eq!(ok, 1, "round {round}: {results:?}");
        for r in &results {
            if let Err(e) = r {
                assert!(matches!(e, RunError::Locked { .. } | RunError::Exists { .. }), "round {round}: {e}");
            }
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

/// An interrupted run (every chain stopped at step 350; checkpoints at 300).
fn interrupted(p: &Problem, name: &str) -> PathBuf {
    let dir = tmpdir(name);
    let exec = Execution { threads: 2, checkpoint_every: 100, stop_after: Some(350), ..Default::default() };
    assert!(matches!(run(&dir, &spec_for(p), &exec, false), Err(RunError::Interrupted(350))));
    dir
}

/// Finding 9: bytes edited in `chains/*.csv` or `*.asg` were kept by `--resume` (only lengths
/// were checked). The checkpoint now holds checksums of the parts; a mismatch refuses to
/// resume. Rows written after the last checkpoint may differ (they are dropped and redone).
#[test]
fn finding_9_damaged_part_files_are_refused_on_resume() {
    let (g, ps) = problem();
    let p = Problem::new(&g, &ps).unwrap();
    let want = reference(&p, "damaged");
    for (part, at) in [("chain-00001.csv", 40), ("chain-00002.asg", 100)] {
        let dir = interrupted(&p, &format!("damaged-{part}"));
        let path = dir.join("chains").join(part);
        let mut bytes = std::fs::read(&path).unwrap();
        bytes[at] ^= 0x01; // a digit changes (or a district index)
        std::fs::write(&path, &bytes).unwrap();
        let e = run(&dir, &spec_for(&p), &Execution::default(), true).unwrap_err();
        let msg = e.to_string();
        assert!(matches!(e, RunError::Checkpoint { .. }), "{msg}");
        assert!(msg.contains(part) && msg.contains("modified or damaged"), "{msg}");
        assert!(!dir.join("stats.csv").exists());
        std::fs::remove_dir_all(&dir).unwrap();
    }
    // Damage after the checkpoint's length (rows the killed process wrote after it) is
    // harmless: those rows are dropped and redrawn, and the output is the reference.
    let dir = interrupted(&p, "damaged-tail");
    let path = dir.join("chains/chain-00000.asg");
    let mut bytes = std::fs::read(&path).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 0x01;
    std::fs::write(&path, &bytes).unwrap();
    run(&dir, &spec_for(&p), &Execution::default(), true).unwrap();
    assert_eq!(files(&dir), want);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Finding 11: more than 65,536 districts were stored modulo 65,536 in assignments.bin. They
/// are refused before anything is written.
#[test]
fn finding_11_more_districts_than_the_format_stores_are_refused() {
    let n = 65_537;
    let edges: Vec<(u32, u32)> = (1..n as u32).map(|i| (i - 1, i)).collect();
    let mut g =
        redraw_graph::Graph::from_edges((0..n).map(|i| i.to_string()).collect(), &edges, None).unwrap();
    g.set_column("pop", redraw_graph::Column::Int(vec![1; n])).unwrap();
    let mut ps = spec(n, 0.0);
    ps.elections.clear();
    let p = Problem::new(&g, &ps).unwrap();
    let s = RunSpec {
        problem: &p,
        initial: (0..n as u32).collect(),
        district_labels: (0..n).map(|d| d.to_string()).collect(),
        params: ChainParams {
            seed: 1,
            chains: 1,
            steps: 1,
            thin: 1,
            burn_in: 0,
            record: Record::Every,
            compression: Compression::None,
            proposal: ProposalConfig::default(),
        },
        inputs: serde_json::json!({}),
    };
    let dir = tmpdir("too-many");
    let e = run(&dir, &s, &Execution::default(), false).unwrap_err();
    assert!(e.to_string().contains("65537 districts") && e.to_string().contains("at most 65536"), "{e}");
    assert!(!dir.exists(), "nothing written");
}

fn no_tmp_files(dir: &Path) {
    let t = tree(dir);
    assert!(!t.iter().any(|f| f.ends_with(".tmp")), "temporary files left: {t:?}");
}

/// A full disk while the chains write (finding 14: `*.tmp` files were left behind): a clear
/// error naming the file, no temporary files, no final outputs, and once there is space again
/// the resume writes exactly the uninterrupted run's bytes.
#[test]
fn full_disk_during_the_chains_then_resume() {
    let (g, ps) = problem();
    let p = Problem::new(&g, &ps).unwrap();
    let want = reference(&p, "full-chains");
    for after in [0, 1, 5_000, 20_000, 60_000] {
        let dir = tmpdir(&format!("full-chains-{after}"));
        let exec = Execution {
            threads: 2,
            checkpoint_every: 100,
            disk_full: Some(DiskFull { phase: Phase::Chains, after_bytes: after }),
            ..Default::default()
        };
        let e = run(&dir, &spec_for(&p), &exec, false).unwrap_err();
        let msg = e.to_string();
        assert!(msg.contains("No space left on device"), "{after}: {msg}");
        no_tmp_files(&dir);
        assert!(!dir.join("stats.csv").exists() && !dir.join("assignments.bin").exists());
        if dir.join("manifest.json").exists() {
            run(&dir, &spec_for(&p), &Execution::default(), true).unwrap();
        } else {
            // The disk filled before the manifest was written: nothing to resume, start again
            // in the same directory (only the lock file is there).
            assert_eq!(tree(&dir), vec![".lock".to_string()], "{after}");
            run(&dir, &spec_for(&p), &Execution::default(), false).unwrap();
        }
        assert_eq!(files(&dir), want, "{after}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

/// A full disk during the merge of the parts into the final files: no partial final file, no
/// temporary file, the manifest still says "running", the parts are intact, and the resume
/// writes the uninterrupted run's bytes. The chains' ends are not checkpoints (none falls on the
/// 10,000-step interval), so the resume redraws the chains and merges again.
#[test]
fn full_disk_during_the_merge_then_resume() {
    let (g, ps) = problem();
    let p = Problem::new(&g, &ps).unwrap();
    let want = reference(&p, "full-merge");
    for after in [0, 100, 30_000, want.0.len() as u64 + 1_000] {
        let dir = tmpdir(&format!("full-merge-{after}"));
        let exec = Execution {
            threads: 2,
            disk_full: Some(DiskFull { phase: Phase::Merge, after_bytes: after }),
            ..Default::default()
        };
        let e = run(&dir, &spec_for(&p), &exec, false).unwrap_err();
        assert!(e.to_string().contains("No space left on device"), "{after}: {e}");
        no_tmp_files(&dir);
        assert!(!dir.join("stats.csv").exists() && !dir.join("assignments.bin").exists(), "{after}");
        assert_eq!(Manifest::read(&dir).unwrap().status, "running");
        let parts = tree(&dir.join("chains"));
        assert_eq!(
            parts,
            [
                "chain-00000.asg",
                "chain-00000.csv",
                "chain-00001.asg",
                "chain-00001.csv",
                "chain-00002.asg",
                "chain-00002.csv"
            ],
            "parts, and no checkpoint for a chain's end: {after}"
        );
        run(&dir, &spec_for(&p), &Execution::default(), true).unwrap();
        assert_eq!(files(&dir), want, "{after}");
        assert_eq!(tree(&dir), [".lock", "assignments.bin", "manifest.json", "stats.csv"]);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

/// The checkpoint decoder trusts nothing but what it can check: every count against the graph
/// and the parameters, and the state against a recomputation.
#[test]
fn checkpoints_that_lie_are_refused() {
    use redraw_ensemble::checkpoint::Checkpoint;
    let (g, ps) = problem();
    let p = Problem::new(&g, &ps).unwrap();
    let s = spec_for(&p);
    let dir = interrupted(&p, "ckpt");
    let bytes = std::fs::read(dir.join("chains/chain-00000.ckpt")).unwrap();
    let ck = Checkpoint::decode(&bytes, &p, &s.params, 0).unwrap();
    assert_eq!(ck.step, 300);
    assert!(Checkpoint::decode(&bytes, &p, &s.params, 1).unwrap_err().contains("chain 0"));
    // Re-encode a forged state (valid SHA-256): a non-contiguous, out-of-bounds plan.
    let mut forged = ck.clone();
    let mut a = forged.partition.assignment().to_vec();
    a.swap(0, 99);
    forged.partition = Partition::new(&p, a).unwrap();
    let e = Checkpoint::decode(&forged.encode(), &p, &s.params, 0).unwrap_err();
    assert!(e.contains("contiguous") || e.contains("bounds"), "{e}");
    // A step beyond the chain's length, or counters that do not add up.
    let mut late = ck.clone();
    late.step = 10_000;
    assert!(Checkpoint::decode(&late.encode(), &p, &s.params, 0).is_err());
    let mut lens = ck.clone();
    lens.asg_len += 1;
    assert!(Checkpoint::decode(&lens.encode(), &p, &s.params, 0)
        .unwrap_err()
        .contains("assignments part length"));
    std::fs::remove_dir_all(&dir).unwrap();
}
