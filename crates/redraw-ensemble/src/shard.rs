//! Shards: a run of C chains computed as disjoint chain ranges (on several processes, machines,
//! Ray tasks or Slurm array jobs) and merged back into the run.
//!
//! A shard is an ordinary run directory made with [`Execution::chain_range`](crate::Execution)
//! set (`redraw ensemble ... --chains 64 --chain-range 16..32`): its manifest carries the whole
//! run's parameters plus `"shard": {"chain_range": [16, 32]}`, and its stats.csv,
//! assignments.bin and `results` hold only those chains. It checkpoints and resumes like any run.
//!
//! [`merge`] checks that the shards are complete parts of one run (same version, parameters,
//! graph and input hashes; disjoint ranges covering `0..C`) and concatenates them in chain order.
//! Because chain `i` depends only on `(seed, i)` and the final files are the chains' records in
//! chain order, the merged directory is byte-identical to the run made in one process (its
//! manifest too, when the shards read their inputs at the same paths: paths are recorded but not
//! compared, hashes are).

use std::fs::{self, File};
use std::io::{self, BufRead, BufReader, BufWriter, Read, Write};
use std::ops::Range;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::assignments::{Header, HEADER_LEN};
use crate::run::{self, Manifest, RunError, ASSIGNMENTS, MANIFEST, STATS};

/// The chains a shard holds, `[start, end)`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shard {
    pub chain_range: [u32; 2],
}

impl Shard {
    pub fn range(&self) -> Range<u32> {
        self.chain_range[0]..self.chain_range[1]
    }

    /// The shard record for computing `range` of a run of `chains` chains: `None` for the whole
    /// run, so a "shard" covering every chain writes exactly a whole run's manifest.
    pub(crate) fn of(range: &Range<u32>, chains: u32) -> Option<Shard> {
        (*range != (0..chains)).then_some(Shard { chain_range: [range.start, range.end] })
    }
}

/// Parses `A..B` (chains A to B-1), as `--chain-range` takes it.
pub fn parse_range(s: &str) -> Result<Range<u32>, String> {
    let bad = || format!("`{s}` is not a chain range: expected START..END, e.g. 16..32 (chains 16 to 31)");
    let (a, b) = s.trim().split_once("..").ok_or_else(bad)?;
    let a: u32 = a.trim().parse().map_err(|_| bad())?;
    let b: u32 = b.trim().parse().map_err(|_| bad())?;
    if a >= b {
        return Err(format!("chain range {a}..{b} is empty: START must be below END"));
    }
    Ok(a..b)
}

/// Checks a requested range against the run's chain count; `None` is every chain.
pub(crate) fn resolve_range(range: Option<&Range<u32>>, chains: u32) -> Result<Range<u32>, RunError> {
    match range {
        None => Ok(0..chains),
        Some(r) if r.start >= r.end => {
            Err(RunError::ChainRange(format!("{}..{} is empty: START must be below END", r.start, r.end)))
        }
        Some(r) if r.end > chains => Err(RunError::ChainRange(format!(
            "{}..{} goes past the run's {chains} chains (chains are numbered 0..{chains})",
            r.start, r.end
        ))),
        Some(r) => Ok(r.clone()),
    }
}

/// Why shards cannot be merged.
#[derive(Debug, thiserror::Error)]
pub enum MergeError {
    #[error("no shard directories given")]
    NoShards,
    #[error("{}: not a run directory (no manifest.json)", dir.display())]
    NotARun { dir: PathBuf },
    #[error(
        "shard {} (chains {}..{}) is not complete (status {status:?}): finish it with the same \
         `redraw ensemble ... --chain-range {}..{} --out {}` and --resume, then merge again",
        dir.display(), range.start, range.end, range.start, range.end, dir.display()
    )]
    Incomplete { dir: PathBuf, range: Range<u32>, status: String },
    #[error("shards {} and {} are not parts of the same run: {diff}", a.display(), b.display())]
    Mismatch { a: PathBuf, b: PathBuf, diff: String },
    #[error(
        "shards {} (chains {}..{}) and {} (chains {}..{}) overlap on chains {}..{}; each chain \
         must come from exactly one shard",
        a.display(), ra.start, ra.end, b.display(), rb.start, rb.end,
        rb.start.max(ra.start), ra.end.min(rb.end)
    )]
    Overlap { a: PathBuf, ra: Range<u32>, b: PathBuf, rb: Range<u32> },
    #[error(
        "the shards do not cover the run's {chains} chains: no shard holds chains {}; compute \
         them with --chain-range and merge again",
        missing.iter().map(|r| format!("{}..{}", r.start, r.end)).collect::<Vec<_>>().join(", ")
    )]
    Missing { chains: u32, missing: Vec<Range<u32>> },
    #[error(
        "{} already holds a run (manifest.json exists); merge writes a new directory: choose \
         another --out",
        dir.display()
    )]
    Exists { dir: PathBuf },
    #[error("{}: exists and is not an empty directory; merge writes a new directory: choose another --out", dir.display())]
    NotEmpty { dir: PathBuf },
    #[error("{}: {msg}", path.display())]
    Corrupt { path: PathBuf, msg: String },
    #[error(transparent)]
    Run(#[from] RunError),
}

fn io_err(path: &Path) -> impl Fn(io::Error) -> MergeError + '_ {
    move |error| MergeError::Run(RunError::Io { path: path.to_path_buf(), error })
}

/// The parts of a manifest that every shard of one run shares: [`Manifest::identity`] without
/// the shard, with the version, and with input paths left out (a shard may have read the graph
/// at another path on another machine; the hashes must agree).
fn shared_identity(m: &Manifest) -> serde_json::Value {
    let mut id = m.identity();
    if let Some(o) = id.as_object_mut() {
        o.remove("shard");
        o.insert("redraw_version".into(), m.redraw_version.clone().into());
        o.insert("format".into(), m.format.clone().into());
        if let Some(inputs) = o.get_mut("inputs") {
            strip_paths(inputs);
        }
    }
    id
}

fn strip_paths(v: &mut serde_json::Value) {
    match v {
        serde_json::Value::Object(o) => {
            o.remove("path");
            o.values_mut().for_each(strip_paths);
        }
        serde_json::Value::Array(a) => a.iter_mut().for_each(strip_paths),
        _ => {}
    }
}

fn describe(a: &serde_json::Value, b: &serde_json::Value, prefix: &str, out: &mut Vec<String>) {
    match (a, b) {
        (serde_json::Value::Object(x), serde_json::Value::Object(y)) => {
            let mut keys: Vec<&String> = x.keys().chain(y.keys()).collect();
            keys.sort();
            keys.dedup();
            for k in keys {
                let (va, vb) =
                    (&x.get(k).cloned().unwrap_or_default(), &y.get(k).cloned().unwrap_or_default());
                describe(va, vb, &format!("{prefix}{k}."), out);
            }
        }
        _ if a != b => out.push(format!("{}: {a} vs {b}", prefix.trim_end_matches('.'))),
        _ => {}
    }
}

struct Part {
    dir: PathBuf,
    manifest: Manifest,
    range: Range<u32>,
}

/// Merges complete shards of one run into a new run directory `out` (which must not exist, or
/// be an empty directory). Writes stats.parquet too when `parquet` is set (feature `parquet`).
/// The directory appears whole or not at all: it is assembled beside `out` and renamed into
/// place. Returns the merged manifest.
pub fn merge(shards: &[PathBuf], out: &Path, parquet: bool) -> Result<Manifest, MergeError> {
    if shards.is_empty() {
        return Err(MergeError::NoShards);
    }
    if parquet && !run::PARQUET_AVAILABLE {
        return Err(RunError::ParquetUnavailable.into());
    }
    check_out(out)?;
    let mut parts = Vec::with_capacity(shards.len());
    for dir in shards {
        if !dir.join(MANIFEST).is_file() {
            return Err(MergeError::NotARun { dir: dir.clone() });
        }
        let manifest = Manifest::read(dir)?;
        let range = manifest.chain_range();
        let files_there =
            dir.join(STATS).is_file() && (!manifest.has_plans() || dir.join(ASSIGNMENTS).is_file());
        if manifest.status != "complete" || !files_there {
            let status = if manifest.status == "complete" {
                "complete, but its stats.csv or assignments.bin is missing".to_string()
            } else {
                manifest.status.clone()
            };
            return Err(MergeError::Incomplete { dir: dir.clone(), range, status });
        }
        if range.start >= range.end || range.end > manifest.params.chains {
            return Err(MergeError::Corrupt {
                path: dir.join(MANIFEST),
                msg: format!(
                    "shard chain range {}..{} does not fit the run's {} chains",
                    range.start, range.end, manifest.params.chains
                ),
            });
        }
        if manifest.results.len() != range.len() {
            return Err(MergeError::Corrupt {
                path: dir.join(MANIFEST),
                msg: format!(
                    "{} chain results for the {} chains of the shard",
                    manifest.results.len(),
                    range.len()
                ),
            });
        }
        manifest.check().map_err(|msg| MergeError::Corrupt { path: dir.join(MANIFEST), msg })?;
        parts.push(Part { dir: dir.clone(), manifest, range });
    }
    let first = shared_identity(&parts[0].manifest);
    for p in &parts[1..] {
        let id = shared_identity(&p.manifest);
        if id != first {
            let mut diff = Vec::new();
            describe(&first, &id, "", &mut diff);
            return Err(MergeError::Mismatch {
                a: parts[0].dir.clone(),
                b: p.dir.clone(),
                diff: diff.join("; "),
            });
        }
    }
    parts.sort_by_key(|p| (p.range.start, p.range.end));
    let chains = parts[0].manifest.params.chains;
    let mut missing = Vec::new();
    let mut next = 0u32;
    for w in 0..parts.len() {
        let p = &parts[w];
        if w > 0 && parts[w - 1].range.end > p.range.start {
            let a = &parts[w - 1];
            return Err(MergeError::Overlap {
                a: a.dir.clone(),
                ra: a.range.clone(),
                b: p.dir.clone(),
                rb: p.range.clone(),
            });
        }
        if p.range.start > next {
            missing.push(next..p.range.start);
        }
        next = p.range.end;
    }
    if next < chains {
        missing.push(next..chains);
    }
    if !missing.is_empty() {
        return Err(MergeError::Missing { chains, missing });
    }
    for p in &parts {
        check_files(p)?;
    }

    let staging = staging_dir(out);
    if staging.exists() {
        // Only ever a leftover of an interrupted merge of ours (the name is ours, and it holds
        // only our file names); anything else is left alone.
        let ours = fs::read_dir(&staging).map_err(io_err(&staging))?.all(|e| {
            e.ok().and_then(|e| e.file_name().into_string().ok()).is_some_and(|n| {
                [MANIFEST, STATS, ASSIGNMENTS, run::STATS_PARQUET]
                    .iter()
                    .any(|f| n == *f || n == format!("{f}.tmp"))
            })
        });
        if !ours {
            return Err(MergeError::NotEmpty { dir: staging });
        }
        fs::remove_dir_all(&staging).map_err(io_err(&staging))?;
    }
    fs::create_dir_all(&staging).map_err(io_err(&staging))?;
    let merged = match write_merged(&parts, &staging, parquet) {
        Ok(m) => m,
        Err(e) => {
            let _ = fs::remove_dir_all(&staging);
            return Err(e);
        }
    };
    if out.exists() {
        // Checked empty above; rename cannot replace a directory everywhere.
        fs::remove_dir(out).map_err(io_err(out))?;
    }
    fs::rename(&staging, out).map_err(io_err(out))?;
    if let Some(parent) = out.parent() {
        let parent = if parent.as_os_str().is_empty() { Path::new(".") } else { parent };
        if let Ok(d) = File::open(parent) {
            let _ = d.sync_all();
        }
    }
    Ok(merged)
}

fn check_out(out: &Path) -> Result<(), MergeError> {
    if out.join(MANIFEST).exists() {
        return Err(MergeError::Exists { dir: out.to_path_buf() });
    }
    if out.exists() {
        let empty = out.is_dir() && fs::read_dir(out).map_err(io_err(out))?.next().is_none();
        if !empty {
            return Err(MergeError::NotEmpty { dir: out.to_path_buf() });
        }
    }
    Ok(())
}

fn staging_dir(out: &Path) -> PathBuf {
    let mut name = std::ffi::OsString::from(".");
    name.push(out.file_name().unwrap_or_else(|| std::ffi::OsStr::new("run")));
    name.push(".merging");
    out.with_file_name(name)
}

/// The stats.csv header a run's manifest implies.
fn stats_header(m: &Manifest) -> String {
    let cols: Vec<String> = m.stats_columns.iter().map(|c| run::csv_field(c)).collect();
    cols.join(",")
}

fn expected_header(m: &Manifest, plans: u64) -> Header {
    Header::new(m.node_count, m.districts, plans).with_compression(m.params.compression)
}

/// Checks a shard's final files against its manifest before anything is written.
fn check_files(p: &Part) -> Result<(), MergeError> {
    let m = &p.manifest;
    if m.has_plans() {
        let plans = m.plans_per_chain * p.range.len() as u64;
        let asg = p.dir.join(ASSIGNMENTS);
        let mut f = File::open(&asg).map_err(io_err(&asg))?;
        let len = f.metadata().map_err(io_err(&asg))?.len();
        let mut h = [0u8; HEADER_LEN];
        f.read_exact(&mut h).map_err(io_err(&asg))?;
        let want = expected_header(m, plans);
        if let Err(why) =
            if h == want.to_bytes() { want.check_file_len(len) } else { Err("another header".into()) }
        {
            return Err(MergeError::Corrupt {
                path: asg,
                msg: format!(
                    "expected {plans} plans of {} nodes ({} records) for chains {}..{}, found a file of {len} \
                     bytes: {why}",
                    m.node_count,
                    m.params.compression.name(),
                    p.range.start,
                    p.range.end,
                ),
            });
        }
    }
    let stats = p.dir.join(STATS);
    let mut line = String::new();
    BufReader::new(File::open(&stats).map_err(io_err(&stats))?)
        .read_line(&mut line)
        .map_err(io_err(&stats))?;
    if line.trim_end_matches(['\n', '\r']) != stats_header(m) {
        return Err(MergeError::Corrupt {
            path: stats,
            msg: "its header differs from the manifest's stats_columns".into(),
        });
    }
    Ok(())
}

fn write_merged(parts: &[Part], dir: &Path, parquet: bool) -> Result<Manifest, MergeError> {
    let m0 = &parts[0].manifest;
    let samples_per_chain = m0.samples_per_chain;
    // stats.csv: one header, then every shard's rows in chain order.
    let stats_path = dir.join(STATS);
    {
        let mut out =
            BufWriter::with_capacity(1 << 16, File::create(&stats_path).map_err(io_err(&stats_path))?);
        writeln!(out, "{}", stats_header(m0)).map_err(io_err(&stats_path))?;
        for p in parts {
            let src = p.dir.join(STATS);
            let mut r = BufReader::with_capacity(1 << 16, File::open(&src).map_err(io_err(&src))?);
            let mut header = String::new();
            r.read_line(&mut header).map_err(io_err(&src))?;
            let mut rows = 0u64;
            let mut ended_with_newline = true;
            loop {
                let buf = r.fill_buf().map_err(io_err(&src))?;
                if buf.is_empty() {
                    break;
                }
                rows += buf.iter().filter(|&&b| b == b'\n').count() as u64;
                ended_with_newline = buf.last() == Some(&b'\n');
                out.write_all(buf).map_err(io_err(&stats_path))?;
                let n = buf.len();
                r.consume(n);
            }
            let want = samples_per_chain * p.range.len() as u64;
            if rows != want || !ended_with_newline {
                return Err(MergeError::Corrupt {
                    path: src,
                    msg: format!(
                        "holds {rows} rows, expected {want} for chains {}..{}",
                        p.range.start, p.range.end
                    ),
                });
            }
        }
        finish(out, &stats_path)?;
    }
    // assignments.bin: one header for every plan, then the shards' records in chain order (each
    // chain's first record is a full plan, so encoded records concatenate as they are).
    let asg_path = dir.join(ASSIGNMENTS);
    if m0.has_plans() {
        let chains = m0.params.chains as u64;
        let mut out = BufWriter::with_capacity(1 << 16, File::create(&asg_path).map_err(io_err(&asg_path))?);
        out.write_all(&expected_header(m0, m0.plans_per_chain * chains).to_bytes())
            .map_err(io_err(&asg_path))?;
        for p in parts {
            let src = p.dir.join(ASSIGNMENTS);
            let mut f = File::open(&src).map_err(io_err(&src))?;
            io::copy(&mut (&mut f).take(HEADER_LEN as u64), &mut io::sink()).map_err(io_err(&src))?;
            io::copy(&mut f, &mut out).map_err(io_err(&asg_path))?;
        }
        finish(out, &asg_path)?;
    }
    if parquet {
        run::write_parquet(dir, &crate::fsio::Budget::default())?;
    }
    let mut merged = m0.clone();
    merged.shard = None;
    merged.status = "complete".into();
    merged.results = parts.iter().flat_map(|p| p.manifest.results.iter().cloned()).collect();
    run::write_manifest(dir, &merged, &crate::fsio::Budget::default())?;
    Ok(merged)
}

fn finish(out: BufWriter<File>, path: &Path) -> Result<(), MergeError> {
    let f = out.into_inner().map_err(|e| io_err(path)(e.into_error()))?;
    f.sync_all().map_err(io_err(path))
}
