//! stats.parquet (feature `parquet`): read back with the parquet crate's own reader, every value
//! equals stats.csv (names, order, INT64, nulls for untracked county splits), and the bytes are
//! identical for any thread count and after an interrupted run is resumed.
#![cfg(feature = "parquet")]

mod common;

use common::*;
use parquet::basic::{Repetition, Type as PhysicalType};
use parquet::file::reader::{FileReader, SerializedFileReader};
use parquet::record::Field;
use redraw_ensemble::run::{run, Execution, RunError, RunSpec};
use redraw_ensemble::*;
use std::path::{Path, PathBuf};

fn tmpdir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("redraw-pq-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

fn spec_for(p: &Problem) -> RunSpec<'_> {
    RunSpec {
        problem: p,
        initial: bands(12, 12, 6),
        district_labels: (1..=6).map(|d| format!("D{d}")).collect(),
        params: ChainParams {
            seed: 7,
            chains: 4,
            steps: 1200,
            thin: 5,
            burn_in: 10,
            record: Record::Every,
            compression: Compression::None,
            proposal: ProposalConfig::default(),
        },
        inputs: serde_json::json!({"graph": "grid 12x12"}),
    }
}

fn exec(threads: usize) -> Execution {
    Execution { threads, checkpoint_every: 250, parquet: true, ..Default::default() }
}

/// Asserts that stats.parquet in `dir` holds exactly the rows and columns of stats.csv.
/// Returns the number of rows.
fn assert_parquet_matches_csv(dir: &Path, counties_tracked: bool) -> usize {
    let text = std::fs::read_to_string(dir.join("stats.csv")).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();

    let reader = SerializedFileReader::new(std::fs::File::open(dir.join("stats.parquet")).unwrap()).unwrap();
    let meta = reader.metadata().file_metadata();
    assert_eq!(meta.num_rows() as usize, rows.len());
    let schema = meta.schema_descr();
    assert_eq!(schema.num_columns(), header.len());
    for (i, name) in header.iter().enumerate() {
        let c = schema.column(i);
        assert_eq!(c.name(), *name, "column {i}");
        let physical = if *name == "weight" { PhysicalType::DOUBLE } else { PhysicalType::INT64 };
        assert_eq!(c.physical_type(), physical, "{name}");
        let rep = c.self_type().get_basic_info().repetition();
        let want = if *name == "county_splits" { Repetition::OPTIONAL } else { Repetition::REQUIRED };
        assert_eq!(rep, want, "{name}");
    }
    let mut n = 0;
    for (r, row) in reader.get_row_iter(None).unwrap().enumerate() {
        let row = row.unwrap();
        let csv = &rows[r];
        let fields: Vec<(&String, &Field)> = row.get_column_iter().collect();
        assert_eq!(fields.len(), csv.len(), "row {r}");
        for (j, (name, field)) in fields.into_iter().enumerate() {
            assert_eq!(name.as_str(), header[j]);
            match field {
                Field::Long(v) => assert_eq!(v.to_string(), csv[j], "row {r} column {name}"),
                // The CSV holds the shortest round-trip decimal: parsing it gives the same f64.
                Field::Double(v) => assert_eq!(*v, csv[j].parse::<f64>().unwrap(), "row {r} column {name}"),
                Field::Null => {
                    assert_eq!(csv[j], "", "row {r} column {name}: null for a non-empty cell");
                    assert!(!counties_tracked && name == "county_splits", "unexpected null in {name}");
                }
                other => panic!("row {r} column {name}: expected INT64, got {other:?}"),
            }
        }
        n += 1;
    }
    assert_eq!(n, rows.len(), "every CSV row is in the Parquet file");
    n
}

#[test]
fn parquet_equals_csv_and_is_identical_across_threads_and_resume() {
    let g = grid(12, 12, |i| 10 + (i % 5) as i64);
    let p = Problem::new(&g, &spec(6, 0.08)).unwrap();
    let s = spec_for(&p);

    let one = tmpdir("one");
    let m = run(&one, &s, &exec(1), false).unwrap().manifest;
    let rows = assert_parquet_matches_csv(&one, false);
    assert_eq!(rows as u64, 4 * m.samples_per_chain);
    assert!(rows > 900, "a non-trivial file: {rows} rows");

    let three = tmpdir("three");
    run(&three, &s, &exec(3), false).unwrap();
    let a = std::fs::read(one.join("stats.parquet")).unwrap();
    assert_eq!(a, std::fs::read(three.join("stats.parquet")).unwrap(), "1 vs 3 threads differ");

    // Interrupted after the last checkpoint, resumed with another thread count.
    let cut = tmpdir("cut");
    let stop = Execution { stop_after: Some(777), ..exec(2) };
    assert!(matches!(run(&cut, &s, &stop, false), Err(RunError::Interrupted(777))));
    assert!(!cut.join("stats.parquet").exists(), "no Parquet from an unfinished run");
    run(&cut, &s, &exec(1), true).unwrap();
    assert_eq!(a, std::fs::read(cut.join("stats.parquet")).unwrap(), "resumed run differs");

    // A run made without the flag gets the same file when resumed with it.
    let later = tmpdir("later");
    run(&later, &s, &Execution { parquet: false, ..exec(2) }, false).unwrap();
    assert!(!later.join("stats.parquet").exists());
    assert!(run(&later, &s, &exec(1), true).unwrap().already_complete);
    assert_eq!(a, std::fs::read(later.join("stats.parquet")).unwrap(), "derived afterwards differs");
    assert!(!later.join("stats.parquet.tmp").exists());

    for d in [one, three, cut, later] {
        std::fs::remove_dir_all(d).unwrap();
    }
}

#[test]
fn parquet_county_splits_are_values_when_tracked() {
    let g = grid(12, 12, |i| 10 + (i % 5) as i64);
    let mut ps = spec(6, 0.08);
    ps.county = Some(redraw_graph::Counties::from_prefix(&g, None, 2).unwrap());
    let p = Problem::new(&g, &ps).unwrap();
    let dir = tmpdir("county");
    run(&dir, &spec_for(&p), &exec(2), false).unwrap();
    assert_parquet_matches_csv(&dir, true);
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn malformed_csv_is_reported_with_its_line() {
    let csv = "chain,step,county_splits\n0,1,\n0,x,3\n";
    let err = stats_parquet::write_stats_parquet(csv.as_bytes(), Vec::new()).unwrap_err().to_string();
    assert!(err.contains("line 3") && err.contains("step"), "{err}");
    let csv = "chain,step\n0,1,2\n";
    let err = stats_parquet::write_stats_parquet(csv.as_bytes(), Vec::new()).unwrap_err().to_string();
    assert!(err.contains("line 2") && err.contains("3 fields"), "{err}");
}

/// SMC runs: the `weight` column becomes DOUBLE, equal to the CSV's values.
#[test]
fn parquet_of_an_smc_run_has_double_weights() {
    use redraw_ensemble::smc::SmcConfig;
    use redraw_ensemble::smc_run::{run_smc_dir, SmcRunSpec};
    let g = grid(10, 10, |i| 10 + (i % 5) as i64);
    let p = Problem::new(&g, &spec(5, 0.05)).unwrap();
    let s = SmcRunSpec {
        problem: &p,
        district_labels: (1..=5).map(|d| d.to_string()).collect(),
        seed: 3,
        runs: 2,
        config: SmcConfig { particles: 40, ..SmcConfig::default() },
        rejuvenation: None,
        inputs: serde_json::json!({"graph": "grid 10x10"}),
    };
    let dir = tmpdir("smc");
    run_smc_dir(&dir, &s, &exec(2), false).unwrap();
    assert_eq!(assert_parquet_matches_csv(&dir, false), 80);
    std::fs::remove_dir_all(dir).unwrap();
}

/// `redraw merge --parquet` writes the stats.parquet of the whole run (shards of a Parquet run
/// need not have written their own).
#[test]
fn merged_shards_write_the_whole_runs_parquet() {
    let g = grid(12, 12, |i| 10 + (i % 5) as i64);
    let p = Problem::new(&g, &spec(6, 0.08)).unwrap();
    let s = spec_for(&p);
    let whole = tmpdir("merge-whole");
    run(&whole, &s, &exec(2), false).unwrap();
    let (a, b, merged) = (tmpdir("merge-a"), tmpdir("merge-b"), tmpdir("merge-out"));
    run(&a, &s, &Execution { chain_range: Some(0..1), parquet: false, ..exec(1) }, false).unwrap();
    run(&b, &s, &Execution { chain_range: Some(1..4), ..exec(2) }, false).unwrap();
    redraw_ensemble::shard::merge(&[a.clone(), b.clone()], &merged, true).unwrap();
    for f in ["manifest.json", "stats.csv", "assignments.bin", "stats.parquet"] {
        assert_eq!(std::fs::read(whole.join(f)).unwrap(), std::fs::read(merged.join(f)).unwrap(), "{f}");
    }
    for d in [whole, a, b, merged] {
        std::fs::remove_dir_all(d).unwrap();
    }
}
