//! Run directories: byte-identical output across thread counts and after an interrupted run is
//! resumed; the stats and assignments agree with each other and with a recomputation.

mod common;

use common::*;
use redraw_ensemble::run::{run, Execution, RunError, RunSpec};
use redraw_ensemble::*;
use std::path::PathBuf;
// Records, compression and tracked columns (format 2).
use redraw_ensemble::{Compression, Record};

fn tmpdir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("redraw-ens-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

fn params(kind: ProposalKind) -> ChainParams {
    ChainParams {
        seed: 42,
        chains: 4,
        steps: 1500,
        thin: 7,
        burn_in: 20,
        record: Record::Every,
        compression: Compression::None,
        proposal: ProposalConfig { kind, ..ProposalConfig::default() },
    }
}

fn files(dir: &std::path::Path) -> (Vec<u8>, Vec<u8>, String) {
    let stats = std::fs::read(dir.join("stats.csv")).unwrap();
    let asg = std::fs::read(dir.join("assignments.bin")).unwrap();
    let manifest = std::fs::read_to_string(dir.join("manifest.json")).unwrap();
    (stats, asg, manifest)
}

fn spec_for(p: &Problem, kind: ProposalKind) -> RunSpec<'_> {
    RunSpec {
        problem: p,
        initial: bands(12, 12, 6),
        district_labels: (1..=6).map(|d| format!("D{d}")).collect(),
        params: params(kind),
        inputs: serde_json::json!({"graph": "grid 12x12"}),
    }
}

#[test]
fn output_is_identical_for_any_thread_count_and_after_resume() {
    let g = grid(12, 12, |i| 10 + (i % 5) as i64);
    let p = Problem::new(&g, &spec(6, 0.08)).unwrap();
    for kind in [ProposalKind::Recom, ProposalKind::ReversibleRecom, ProposalKind::Flip] {
        let s = spec_for(&p, kind);
        let one = tmpdir(&format!("{kind:?}-one"));
        let summary =
            run(&one, &s, &Execution { threads: 1, checkpoint_every: 300, ..Default::default() }, false)
                .unwrap();
        assert_eq!(summary.manifest.status, "complete");
        assert_eq!(summary.manifest.totals().steps, 4 * 1500);
        let three = tmpdir(&format!("{kind:?}-three"));
        run(&three, &s, &Execution { threads: 3, checkpoint_every: 1000, ..Default::default() }, false)
            .unwrap();
        let a = files(&one);
        assert_eq!(a, files(&three), "{kind:?}: 1 vs 3 threads differ");
        assert!(!one.join("chains").exists(), "part files are removed after the merge");

        // Interrupt every chain at step 1234 (last checkpoint at 1200, with rows written after
        // it), then resume with a different thread count.
        let cut = tmpdir(&format!("{kind:?}-cut"));
        let exec =
            Execution { threads: 2, checkpoint_every: 300, stop_after: Some(1234), ..Default::default() };
        match run(&cut, &s, &exec, false) {
            Err(RunError::Interrupted(1234)) => {}
            other => panic!("expected an interruption, got {other:?}"),
        }
        assert!(!cut.join("stats.csv").exists(), "no final output from an unfinished run");
        let m = Manifest::read(&cut).unwrap();
        assert_eq!(m.status, "running");
        // Starting over in the same directory without --resume is refused.
        assert!(matches!(run(&cut, &s, &Execution::default(), false), Err(RunError::Exists { .. })));
        run(&cut, &s, &Execution { threads: 1, checkpoint_every: 500, ..Default::default() }, true).unwrap();
        assert_eq!(a, files(&cut), "{kind:?}: resumed run differs from the uninterrupted one");
        // Resuming a complete run is a no-op.
        assert!(run(&cut, &s, &Execution::default(), true).unwrap().already_complete);
        // Resuming with different parameters is refused and names the difference.
        let mut other = spec_for(&p, kind);
        other.params.seed = 43;
        let err = run(&cut, &other, &Execution::default(), true).unwrap_err().to_string();
        assert!(err.contains("params"), "{err}");
        for d in [one, three, cut] {
            std::fs::remove_dir_all(d).unwrap();
        }
    }
}

#[test]
fn stats_and_assignments_agree_with_recomputation() {
    let g = grid(12, 12, |i| 10 + (i % 5) as i64);
    let p = Problem::new(&g, &spec(6, 0.08)).unwrap();
    let s = spec_for(&p, ProposalKind::Recom);
    let dir = tmpdir("agree");
    let summary = run(&dir, &s, &Execution::default(), false).unwrap();
    let m = &summary.manifest;
    assert_eq!(m.samples_per_chain, (1500 - 20) / 7 + 1);
    let text = std::fs::read_to_string(dir.join("stats.csv")).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    assert_eq!(&header[..6], &["chain", "step", "accepted", "cut_edges", "county_splits", "pop_D1"]);
    assert!(header.contains(&"E_dem_seats") && header.contains(&"E_dem_D6") && header.contains(&"E_rep_D1"));
    assert_eq!(header, m.stats_columns);
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    assert_eq!(rows.len() as u64, 4 * m.samples_per_chain);
    let reader = redraw_ensemble::run::open_assignments(&dir).unwrap();
    assert_eq!(reader.header().samples, rows.len() as u64);
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
    for (sample, row) in reader.zip(&rows) {
        let sample = sample.unwrap();
        assert_eq!(row[0], sample.chain.to_string());
        assert_eq!(row[1], sample.step.to_string());
        assert!(sample.step >= 20 && (sample.step - 20) % 7 == 0);
        let part = Partition::new(&p, sample.assignment.clone()).unwrap();
        assert_valid(&p, &part, "recorded plan");
        assert_eq!(row[col("cut_edges")], part.cut_edges().to_string());
        assert_eq!(row[col("county_splits")], "", "no county column given");
        for d in 0..6 {
            assert_eq!(row[col(&format!("pop_D{}", d + 1))], part.district_pops()[d].to_string());
            assert_eq!(row[col(&format!("E_dem_D{}", d + 1))], part.dem(0, d).to_string());
            assert_eq!(row[col(&format!("E_rep_D{}", d + 1))], part.rep(0, d).to_string());
        }
        assert_eq!(row[col("E_dem_seats")], part.dem_seats(0).to_string());
    }
    // Chains differ from each other (independent streams).
    assert_ne!(rows[1][3..], rows[m.samples_per_chain as usize + 1][3..]);
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn invalid_initial_plan_is_rejected() {
    let g = grid(12, 12, |i| 10 + (i % 5) as i64);
    let p = Problem::new(&g, &spec(6, 0.01)).unwrap();
    let mut s = spec_for(&p, ProposalKind::Recom);
    // Bands are not within 1%: row sums vary.
    s.initial = (0..144).map(|i| if i < 10 { 0 } else { 1 + (i % 5) as u32 }).collect();
    let dir = tmpdir("invalid");
    let err = run(&dir, &s, &Execution::default(), false).unwrap_err().to_string();
    assert!(err.contains("outside the bounds"), "{err}");
    assert!(!dir.join("manifest.json").exists());
}

/// Reversible ReCom with a bound M below the balanced edges of some tree cannot be exact: the
/// run stops with an error naming a sufficient M instead of finishing an inexact ensemble.
#[test]
fn reversible_recom_run_stops_when_a_tree_exceeds_the_bound() {
    let g = grid(12, 12, |i| 10 + (i % 5) as i64);
    let p = Problem::new(&g, &spec(6, 0.08)).unwrap();
    let mut s = spec_for(&p, ProposalKind::ReversibleRecom);
    s.params.proposal.balance_bound = 1;
    let dir = tmpdir("bound");
    match run(&dir, &s, &Execution { threads: 2, ..Default::default() }, false) {
        Err(e @ RunError::BoundExceeded { found, bound: 1, suggest, .. }) => {
            assert!(found >= 2 && suggest >= found, "{e}");
            assert!(e.to_string().contains("--balance-bound"), "{e}");
        }
        other => panic!("expected BoundExceeded, got {other:?}"),
    }
    assert!(!dir.join("stats.csv").exists(), "no output from an inexact run");
    // M = 0 is refused up front.
    s.params.proposal.balance_bound = 0;
    let dir0 = tmpdir("bound0");
    let err = run(&dir0, &s, &Execution::default(), false).unwrap_err().to_string();
    assert!(err.contains("--balance-bound"), "{err}");
    std::fs::remove_dir_all(dir).unwrap();
}

/// A part file shorter than its checkpoint says (samples lost) is refused on resume; it used to
/// be padded with zero bytes, giving an assignments.bin with all-zero plans.
#[test]
fn resume_refuses_a_part_file_shorter_than_its_checkpoint() {
    let g = grid(12, 12, |i| 10 + (i % 5) as i64);
    let p = Problem::new(&g, &spec(6, 0.08)).unwrap();
    let s = spec_for(&p, ProposalKind::Recom);
    let dir = tmpdir("short-part");
    let exec = Execution { threads: 1, checkpoint_every: 300, stop_after: Some(700), ..Default::default() };
    assert!(matches!(run(&dir, &s, &exec, false), Err(RunError::Interrupted(700))));
    let part = dir.join("chains/chain-00002.asg");
    let len = std::fs::metadata(&part).unwrap().len();
    std::fs::OpenOptions::new().write(true).open(&part).unwrap().set_len(len / 3).unwrap();
    let err = run(&dir, &s, &Execution::default(), true).unwrap_err();
    assert!(matches!(err, RunError::Checkpoint { .. }), "{err:?}");
    assert!(err.to_string().contains("chain-00002.asg") && err.to_string().contains("recorded"), "{err}");
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn resume_refuses_a_checkpoint_whose_sizes_exceed_the_graph() {
    // A checkpoint with a valid checksum but a member-list length far beyond the graph must be
    // an error, not a multi-gigabyte allocation.
    use sha2::{Digest, Sha256};
    let g = grid(12, 12, |i| 10 + (i % 5) as i64);
    let p = Problem::new(&g, &spec(6, 0.08)).unwrap();
    let s = spec_for(&p, ProposalKind::Recom);
    let dir = tmpdir("huge-ckpt");
    let exec = Execution { threads: 1, checkpoint_every: 300, stop_after: Some(700), ..Default::default() };
    assert!(matches!(run(&dir, &s, &exec, false), Err(RunError::Interrupted(700))));
    let path = dir.join("chains/chain-00000.ckpt");
    let mut bytes = std::fs::read(&path).unwrap();
    // magic (8), chain (4), 18 u64 words (144: step, generator, counters, part lengths and
    // checksums), n (4), k (4), n assignments, then the first district's member count.
    let n = 144;
    let at = 8 + 4 + 144 + 4 + 4 + 4 * n;
    bytes[at..at + 4].copy_from_slice(&0xFFFF_FFF0u32.to_le_bytes());
    let body_len = bytes.len() - 32;
    let digest = Sha256::digest(&bytes[..body_len]);
    bytes[body_len..].copy_from_slice(&digest);
    std::fs::write(&path, &bytes).unwrap();
    let err = run(&dir, &s, &Execution::default(), true).unwrap_err();
    assert!(matches!(err, RunError::Checkpoint { .. }), "{err:?}");
    assert!(err.to_string().contains("longer than the graph"), "{err}");
    std::fs::remove_dir_all(dir).unwrap();
}

/// The files of a run directory, `None` for one that is absent.
fn all_files(dir: &std::path::Path) -> Vec<Option<Vec<u8>>> {
    ["stats.csv", "assignments.bin", "manifest.json"]
        .iter()
        .map(|f| std::fs::read(dir.join(f)).ok())
        .collect()
}

fn decoded(dir: &std::path::Path) -> Vec<Sample> {
    redraw_ensemble::run::open_assignments(dir).unwrap().map(Result::unwrap).collect()
}

fn rows(dir: &std::path::Path) -> Vec<Vec<String>> {
    let text = std::fs::read_to_string(dir.join("stats.csv")).unwrap();
    text.lines().map(|l| l.split(',').map(str::to_string).collect()).collect()
}

/// Every recording mode with both encodings: byte-identical for any thread count and after a
/// kill and resume at a step where the chain's state is not its last recorded plan (so a delta
/// run needs the checkpoint's reference plan); the same rows and, decoded, the same plans as
/// the plain run; the tracked sums equal a recomputation.
#[test]
fn every_recording_mode_is_deterministic_resumable_and_decodes_to_the_same_plans() {
    let g = grid(12, 12, |i| 10 + (i % 5) as i64);
    let mut ps = spec(6, 0.08);
    ps.tracked = vec!["d".into(), "pop".into()];
    let p = Problem::new(&g, &ps).unwrap();
    let modes = [
        (Record::Every, Compression::None),
        (Record::Every, Compression::Delta),
        (Record::Thinned, Compression::Delta),
        (Record::Thinned, Compression::None),
        (Record::StatsOnly, Compression::Delta),
    ];
    let mut dirs = Vec::new();
    for (record, compression) in modes {
        let mut s = spec_for(&p, ProposalKind::Recom);
        s.params.record = record;
        s.params.compression = compression;
        let name = format!("{}-{}", record.name(), compression.name());
        let one = tmpdir(&format!("mode-{name}-one"));
        run(&one, &s, &Execution { threads: 1, checkpoint_every: 300, ..Default::default() }, false).unwrap();
        let three = tmpdir(&format!("mode-{name}-three"));
        run(&three, &s, &Execution { threads: 3, checkpoint_every: 1000, ..Default::default() }, false)
            .unwrap();
        assert_eq!(all_files(&one), all_files(&three), "{name}: 1 vs 3 threads differ");
        // Killed at 1234 (checkpoint at 1200, not a recorded plan: (1200 - 20) % 7 != 0).
        let cut = tmpdir(&format!("mode-{name}-cut"));
        let exec =
            Execution { threads: 2, checkpoint_every: 300, stop_after: Some(1234), ..Default::default() };
        assert!(matches!(run(&cut, &s, &exec, false), Err(RunError::Interrupted(1234))));
        run(&cut, &s, &Execution { threads: 1, checkpoint_every: 500, ..Default::default() }, true).unwrap();
        assert_eq!(all_files(&one), all_files(&cut), "{name}: resumed run differs");
        let m = redraw_ensemble::verify::open_complete(&one).unwrap();
        redraw_ensemble::verify::check_assignments_file(&one, &m).unwrap();
        let got = rows(&one);
        m.check_rows(got[1..].iter().map(|r| (r[0].parse().unwrap(), r[1].parse().unwrap()))).unwrap();
        assert_eq!(m.tracked_columns, ["d", "pop"]);
        assert_eq!(m.params.record, record);
        for d in [three, cut] {
            std::fs::remove_dir_all(d).unwrap();
        }
        dirs.push((record, compression, one, m));
    }
    let (every, thinned, stats_only) = (&dirs[0], &dirs[2], &dirs[4]);
    let plain = rows(&every.2);
    let header = &plain[0];
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    assert_eq!(
        &header[header.len() - 12..header.len() - 6],
        &["sum_d_D1", "sum_d_D2", "sum_d_D3", "sum_d_D4", "sum_d_D5", "sum_d_D6"]
    );
    assert_eq!(header.last().unwrap(), "sum_pop_D6");
    // The same plans whatever the encoding; thinned runs record the same plans as `every`.
    let want = decoded(&every.2);
    assert_eq!(want.len() as u64, 4 * every.3.plans_per_chain);
    assert_eq!(decoded(&dirs[1].2), want, "delta decodes to the raw plans");
    assert_eq!(decoded(&thinned.2), want, "thinned: the plans of every --thin-th step");
    assert_eq!(decoded(&dirs[3].2), want);
    // Delta records are smaller than raw ones (even 7 steps apart on a 144-node grid).
    let size = |d: &std::path::Path| std::fs::metadata(d.join("assignments.bin")).unwrap().len();
    assert!(size(&dirs[1].2) < size(&every.2), "{} vs {}", size(&dirs[1].2), size(&every.2));
    // Rows: `stats-only` and the encodings keep the rows of `every`; `thinned` has one per step
    // after burn-in, and those on the --thin grid are the rows of `every`.
    assert_eq!(rows(&dirs[1].2), plain);
    assert_eq!(rows(&stats_only.2), plain);
    assert!(!stats_only.2.join("assignments.bin").exists());
    assert_eq!(stats_only.3.files.assignments, None);
    assert_eq!(stats_only.3.plans_per_chain, 0);
    let err = redraw_ensemble::run::open_assignments(&stats_only.2).err().unwrap().to_string();
    assert!(err.contains("recorded no plans (--record stats-only)"), "{err}");
    let thin_rows = rows(&thinned.2);
    assert_eq!(thin_rows.len() - 1, 4 * (1500 - 20 + 1));
    assert_eq!(thinned.3.samples_per_chain, 1481);
    assert_eq!(thinned.3.plans_per_chain, every.3.plans_per_chain);
    let on_grid: Vec<&Vec<String>> =
        thin_rows[1..].iter().filter(|r| (r[1].parse::<u64>().unwrap() - 20) % 7 == 0).collect();
    assert_eq!(on_grid, plain[1..].iter().collect::<Vec<_>>());
    // Tracked sums: equal to a recomputation from the plan, and `d` equals the election's tally.
    for (sample, row) in want.iter().zip(&plain[1..]) {
        let part = Partition::new(&p, sample.assignment.clone()).unwrap();
        for d in 0..6 {
            let l = d + 1;
            assert_eq!(row[col(&format!("sum_d_D{l}"))], part.dem(0, d).to_string());
            assert_eq!(row[col(&format!("sum_pop_D{l}"))], part.district_pops()[d].to_string());
            assert_eq!(part.tracked_sum(1, d), part.district_pops()[d]);
        }
    }
    for (_, _, d, _) in dirs {
        std::fs::remove_dir_all(d).unwrap();
    }
}

/// A tracked column must exist, hold non-negative integers, and be named once.
#[test]
fn tracked_columns_are_checked() {
    let g = grid(12, 12, |i| 10 + (i % 5) as i64);
    let mut ps = spec(6, 0.08);
    ps.tracked = vec!["BLACK_VAP".into()];
    let e = Problem::new(&g, &ps).unwrap_err().to_string();
    assert!(e.contains("--track \"BLACK_VAP\"") && e.contains("BLACK_VAP"), "{e}");
    ps.tracked = vec!["d".into(), "d".into()];
    let e = Problem::new(&g, &ps).unwrap_err().to_string();
    assert!(e.contains("tracked twice"), "{e}");
}

/// Run directories of format 1 (before --record, --compress and --track) stay readable: a
/// manifest without the new fields reads as `every`, uncompressed, no tracked columns, one plan
/// per row, and passes the checks readers apply.
#[test]
fn format_1_run_directories_stay_readable() {
    let g = grid(12, 12, |i| 10 + (i % 5) as i64);
    let p = Problem::new(&g, &spec(6, 0.08)).unwrap();
    let s = spec_for(&p, ProposalKind::Recom);
    let dir = tmpdir("format1");
    run(&dir, &s, &Execution::default(), false).unwrap();
    // Rewrite the manifest as redraw wrote format 1.
    let mut m: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("manifest.json")).unwrap()).unwrap();
    m["format_version"] = 1.into();
    for key in ["plans_per_chain", "tracked_columns"] {
        m.as_object_mut().unwrap().remove(key).unwrap();
    }
    for key in ["record", "compression"] {
        m["params"].as_object_mut().unwrap().remove(key).unwrap();
    }
    m["files"]["assignments"] = "assignments.bin".into();
    std::fs::write(dir.join("manifest.json"), serde_json::to_string_pretty(&m).unwrap()).unwrap();
    let read = redraw_ensemble::verify::open_complete(&dir).unwrap();
    assert_eq!((read.params.record, read.params.compression), (Record::Every, Compression::None));
    assert_eq!(read.plans_per_chain, read.samples_per_chain);
    redraw_ensemble::verify::check_assignments_file(&dir, &read).unwrap();
    assert_eq!(decoded(&dir).len() as u64, 4 * read.samples_per_chain);
    // The version 1 assignments header.
    let bytes = std::fs::read(dir.join("assignments.bin")).unwrap();
    assert_eq!(&bytes[8..12], &1u32.to_le_bytes());
    std::fs::remove_dir_all(dir).unwrap();
}

/// A checkpoint of a delta run carries the reference plan; one without it (or damaged) is
/// refused instead of resuming into different bytes.
#[test]
fn a_delta_checkpoint_needs_its_reference_plan() {
    use sha2::{Digest, Sha256};
    let g = grid(12, 12, |i| 10 + (i % 5) as i64);
    let p = Problem::new(&g, &spec(6, 0.08)).unwrap();
    let mut s = spec_for(&p, ProposalKind::Recom);
    s.params.compression = Compression::Delta;
    let dir = tmpdir("delta-ckpt");
    let exec = Execution { threads: 1, checkpoint_every: 300, stop_after: Some(700), ..Default::default() };
    assert!(matches!(run(&dir, &s, &exec, false), Err(RunError::Interrupted(700))));
    let path = dir.join("chains/chain-00001.ckpt");
    let bytes = std::fs::read(&path).unwrap();
    // Drop the reference (flag 0, no plan) and re-sign: a valid checksum, a wrong state.
    let body = &bytes[..bytes.len() - 32];
    let mut forged = body[..body.len() - 1 - 4 * 144].to_vec();
    assert_eq!(body[body.len() - 1 - 4 * 144], 1, "the reference flag");
    forged.push(0);
    let digest = Sha256::digest(&forged);
    forged.extend_from_slice(&digest);
    std::fs::write(&path, &forged).unwrap();
    let err = run(&dir, &s, &Execution::default(), true).unwrap_err().to_string();
    assert!(err.contains("no reference plan after"), "{err}");
    std::fs::remove_dir_all(dir).unwrap();
}
