//! Runs: many independent chains in parallel writing a run directory, with checkpoints and
//! resume. This is the crate's only file-system code. The layout is specified in
//! `docs/run-format.md`; in short:
//!
//! ```text
//! DIR/manifest.json      parameters, inputs, version; "status": "running" | "complete"
//! DIR/stats.csv          one row per recorded sample (written when the run completes)
//! DIR/stats.parquet      the same rows in Parquet (only with `Execution::parquet`, feature `parquet`)
//! DIR/assignments.bin    the recorded plans (see `assignments`)
//! DIR/chains/            per-chain parts and checkpoints while running (removed at the end)
//! ```
//!
//! Determinism: chain `i` draws only from `Rng::for_chain(seed, i)` and writes only its own
//! part files; the final files concatenate the parts in chain order. So the bytes of the output
//! depend on the parameters and inputs, never on the thread count or on interruptions:
//! a checkpoint stores the complete chain state (RNG words, assignment, the order of the
//! member and cut-edge lists the proposals index into, counters, and the part files' lengths),
//! and resuming truncates the parts to those lengths and continues from there.

use std::fmt::Write as _;
use std::fs::{self, File, OpenOptions};
use std::io::{self, BufWriter, Read, Seek, SeekFrom, Write};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::assignments::{encode_record, Header};
use crate::partition::Partition;
use crate::problem::Problem;
use crate::proposal::{step, Counters, ProposalConfig, Workspace};
use crate::rng::Rng;

pub const MANIFEST: &str = "manifest.json";
pub const STATS: &str = "stats.csv";
/// Written beside stats.csv when [`Execution::parquet`] is set (feature `parquet`).
pub const STATS_PARQUET: &str = "stats.parquet";
/// Whether this build can write stats.parquet (the crate's `parquet` feature).
pub const PARQUET_AVAILABLE: bool = cfg!(feature = "parquet");
pub const ASSIGNMENTS: &str = "assignments.bin";
pub const CHAINS_DIR: &str = "chains";

#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error("{}: {source}", path.display())]
    Io { path: PathBuf, source: io::Error },
    #[error(
        "{} already holds a run (manifest.json exists); pass --resume to continue it or choose \
         another --out directory",
        dir.display()
    )]
    Exists { dir: PathBuf },
    #[error("{}: no run to resume (no manifest.json)", dir.display())]
    NothingToResume { dir: PathBuf },
    #[error("cannot resume {}: the parameters or inputs differ from the saved run: {diff}", dir.display())]
    Mismatch { dir: PathBuf, diff: String },
    #[error("{}: corrupt checkpoint: {msg}", path.display())]
    Checkpoint { path: PathBuf, msg: String },
    #[error("the initial plan is invalid: {0}")]
    Plan(String),
    #[error("invalid run parameters: {0}")]
    Params(String),
    #[error(
        "chain {chain} drew a spanning tree with {found} balanced edges at step {step}, more than \
         the bound M = {bound} of reversible ReCom / merge-split; with it the chain would not \
         sample its target exactly, so the run was stopped. Start a new run (another --out) with \
         --balance-bound {suggest} or more"
    )]
    BoundExceeded { chain: u32, step: u64, found: usize, bound: u32, suggest: usize },
    #[error("run interrupted after {0} steps per chain (test hook)")]
    Interrupted(u64),
    #[error(
        "the run in {} was stopped; every chain saved a checkpoint where it stood. Continue it \
         with the same arguments and --resume",
        dir.display()
    )]
    Cancelled { dir: PathBuf },
    #[error("invalid chain range: {0}")]
    ChainRange(String),
    #[error("cannot start the thread pool: {0}")]
    Threads(String),
    #[error("{}: {msg}", path.display())]
    Parquet { path: PathBuf, msg: String },
    #[error(
        "stats.parquet was requested but this redraw was built without Parquet support; rebuild \
         with `cargo build --release -p redraw-cli --features parquet`"
    )]
    ParquetUnavailable,
    #[error("SMC: {0}")]
    Smc(#[from] crate::smc::SmcError),
}

pub(crate) fn io_at(path: &Path) -> impl Fn(io::Error) -> RunError + '_ {
    move |source| RunError::Io { path: path.to_path_buf(), source }
}

/// Chain parameters (everything that determines the output besides the inputs).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ChainParams {
    pub seed: u64,
    pub chains: u32,
    /// Proposals per chain (self-loops included).
    pub steps: u64,
    /// Record every `thin`-th step after burn-in.
    pub thin: u64,
    /// Steps before the first recorded one.
    pub burn_in: u64,
    pub proposal: ProposalConfig,
}

impl ChainParams {
    /// Whether the state after step `s` (0 = the initial plan) is recorded.
    pub fn records(&self, s: u64) -> bool {
        s >= self.burn_in && (s - self.burn_in) % self.thin == 0
    }
    /// Recorded samples per chain.
    pub fn samples_per_chain(&self) -> u64 {
        if self.steps < self.burn_in {
            0
        } else {
            (self.steps - self.burn_in) / self.thin + 1
        }
    }
}

/// How to execute (does not affect the output).
#[derive(Clone, Debug)]
pub struct Execution {
    pub threads: usize,
    pub progress: bool,
    /// Steps between checkpoints of each chain.
    pub checkpoint_every: u64,
    /// Test hook: every chain stops abruptly after this many steps, as if the process had been
    /// killed (rows after the last checkpoint are left in the part files).
    pub stop_after: Option<u64>,
    /// Also write `stats.parquet` (the rows of stats.csv) when the run completes; needs the
    /// `parquet` feature, without it [`run`] returns [`RunError::ParquetUnavailable`].
    pub parquet: bool,
    /// Compute only these chains of the run: a shard (see [`crate::shard`]). `None`, or the
    /// whole `0..chains`, is the whole run. Shards merged with [`crate::shard::merge`] give the
    /// bytes of the whole run, since a chain depends only on `(seed, chain index)`.
    pub chain_range: Option<Range<u32>>,
    /// Set from another thread to stop the run early: every chain syncs its parts, writes a
    /// checkpoint at the step it reached and stops, and [`run`] returns
    /// [`RunError::Cancelled`]; a resume continues from there (Python's Ctrl-C).
    pub cancel: Option<Arc<AtomicBool>>,
    /// Advanced by the steps done, for progress displays other than the terminal bar (Python's
    /// tqdm); read it from another thread.
    pub steps_done: Option<Arc<AtomicU64>>,
}

impl Default for Execution {
    fn default() -> Self {
        Execution {
            threads: 1,
            progress: false,
            checkpoint_every: 10_000,
            stop_after: None,
            parquet: false,
            chain_range: None,
            cancel: None,
            steps_done: None,
        }
    }
}

/// Everything a run needs.
pub struct RunSpec<'a> {
    pub problem: &'a Problem,
    /// District index per node of the initial plan.
    pub initial: Vec<u32>,
    /// Label of each district index (column names use them).
    pub district_labels: Vec<String>,
    pub params: ChainParams,
    /// Description of the inputs for the manifest (paths, hashes, columns, how the initial plan
    /// was obtained). Compared on resume.
    pub inputs: serde_json::Value,
}

/// Which sampler wrote a run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sampler {
    /// Markov chains of proposals (`params`); manifests written before SMC existed say nothing
    /// and mean this.
    #[default]
    Mcmc,
    /// Sequential Monte Carlo (`smc`): weighted plans in a `weight` column.
    Smc,
}

/// The manifest written to `DIR/manifest.json`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Manifest {
    pub format: String,
    pub format_version: u32,
    pub redraw_version: String,
    pub status: String,
    pub inputs: serde_json::Value,
    pub node_count: usize,
    pub edge_count: usize,
    pub districts: usize,
    pub district_labels: Vec<String>,
    pub total_population: u64,
    pub tolerance: f64,
    /// Inclusive district population bounds.
    pub population_bounds: [u64; 2],
    pub elections: Vec<ElectionInfo>,
    pub county_splits_tracked: bool,
    pub max_county_splits: Option<u32>,
    pub params: ChainParams,
    pub samples_per_chain: u64,
    pub stats_columns: Vec<String>,
    pub files: Files,
    /// Per-chain outcome counts, filled when the run completes.
    pub results: Vec<Counters>,
    /// `mcmc` or `smc` (absent in older manifests: `mcmc`).
    #[serde(default)]
    pub sampler: Sampler,
    /// SMC runs only: parameters and per-run diagnostics (`crate::smc_run`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub smc: Option<crate::smc_run::SmcInfo>,
    /// Present only in a shard: the chains this directory holds (`results`, stats.csv and
    /// assignments.bin cover only them). Absent from whole and merged runs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shard: Option<crate::shard::Shard>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ElectionInfo {
    pub name: String,
    pub dem_column: String,
    pub rep_column: String,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Files {
    pub stats: String,
    pub assignments: String,
}

/// What a finished run reports.
#[derive(Clone, Debug)]
pub struct Summary {
    pub manifest: Manifest,
    pub already_complete: bool,
}

impl Manifest {
    /// Reads `DIR/manifest.json`.
    pub fn read(dir: &Path) -> Result<Manifest, RunError> {
        let path = dir.join(MANIFEST);
        let text = fs::read_to_string(&path).map_err(io_at(&path))?;
        serde_json::from_str(&text).map_err(|e| RunError::Io {
            path,
            source: io::Error::new(io::ErrorKind::InvalidData, e.to_string()),
        })
    }

    /// Totals over chains.
    pub fn totals(&self) -> Counters {
        let mut t = Counters::default();
        for c in &self.results {
            let (a, b) = (t.to_words(), c.to_words());
            let mut w = [0u64; 9];
            for i in 0..9 {
                w[i] = a[i] + b[i];
            }
            t = Counters::from_words(w);
        }
        t
    }

    /// The chains this directory holds: its shard's range, or every chain.
    pub fn chain_range(&self) -> Range<u32> {
        match &self.shard {
            Some(s) => s.range(),
            None => 0..self.params.chains,
        }
    }

    /// The parts of the manifest that must match for a resume (and, without `shard`, between
    /// the shards of one run).
    pub(crate) fn identity(&self) -> serde_json::Value {
        serde_json::json!({
            "format_version": self.format_version,
            "inputs": self.inputs,
            "node_count": self.node_count,
            "districts": self.districts,
            "district_labels": self.district_labels,
            "tolerance": self.tolerance,
            "elections": self.elections,
            "max_county_splits": self.max_county_splits,
            "county_splits_tracked": self.county_splits_tracked,
            "params": self.params,
            "sampler": self.sampler,
            "smc": self.smc.as_ref().map(|s| s.identity()),
            "shard": self.shard,
        })
    }
}

/// Opens `DIR/assignments.bin` of a complete run for iteration (see [`crate::AssignmentReader`]).
pub fn open_assignments(dir: &Path) -> Result<crate::AssignmentReader<io::BufReader<File>>, RunError> {
    let path = dir.join(ASSIGNMENTS);
    let f = File::open(&path).map_err(io_at(&path))?;
    let len = f.metadata().map_err(io_at(&path))?.len();
    // Checking the header against the file length up front turns a corrupt header into a clear
    // error before any sample is read.
    crate::AssignmentReader::with_file_len(io::BufReader::with_capacity(1 << 16, f), len)
        .map_err(io_at(&path))
}

/// SHA-256 of a byte string, lower-case hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    let d = Sha256::digest(bytes);
    let mut s = String::with_capacity(64);
    for b in d {
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// SHA-256 of a file, streamed.
pub fn sha256_file(path: &Path) -> Result<String, RunError> {
    let mut f = File::open(path).map_err(io_at(path))?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = f.read(&mut buf).map_err(io_at(path))?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    let mut s = String::with_capacity(64);
    for b in h.finalize() {
        let _ = write!(s, "{b:02x}");
    }
    Ok(s)
}

/// Writes `bytes` to `path` atomically: a temporary file in the same directory, fsync, rename.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), RunError> {
    let tmp = tmp_path(path);
    {
        let mut f = File::create(&tmp).map_err(io_at(&tmp))?;
        f.write_all(bytes).map_err(io_at(&tmp))?;
        f.sync_all().map_err(io_at(&tmp))?;
    }
    fs::rename(&tmp, path).map_err(io_at(path))?;
    sync_parent(path);
    Ok(())
}

/// Makes a rename in `path`'s directory durable (best effort: not every platform can open a
/// directory for syncing, and the rename itself already happened).
pub(crate) fn sync_parent(path: &Path) {
    if let Some(dir) = path.parent() {
        let dir = if dir.as_os_str().is_empty() { Path::new(".") } else { dir };
        if let Ok(d) = File::open(dir) {
            let _ = d.sync_all();
        }
    }
}

pub(crate) fn tmp_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".tmp");
    path.with_file_name(name)
}

/// Quotes a CSV field if needed (RFC 4180).
pub(crate) fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// The stats.csv column names, in order.
pub fn stats_columns(problem: &Problem, labels: &[String]) -> Vec<String> {
    let mut cols: Vec<String> =
        ["chain", "step", "accepted", "cut_edges", "county_splits"].iter().map(|s| s.to_string()).collect();
    for l in labels {
        cols.push(format!("pop_{l}"));
    }
    for e in problem.elections() {
        cols.push(format!("{}_dem_seats", e.name));
        for l in labels {
            cols.push(format!("{}_dem_{l}", e.name));
        }
        for l in labels {
            cols.push(format!("{}_rep_{l}", e.name));
        }
    }
    cols
}

pub(crate) fn stats_row(out: &mut String, p: &Problem, part: &Partition, chain: u32, s: u64, accepted: bool) {
    let k = p.districts();
    let _ = write!(out, "{chain},{s},{},{},", accepted as u8, part.cut_edges());
    if p.has_counties() {
        let _ = write!(out, "{}", part.county_splits());
    }
    for &pop in part.district_pops() {
        let _ = write!(out, ",{pop}");
    }
    for e in 0..p.elections().len() {
        let _ = write!(out, ",{}", part.dem_seats(e));
        for d in 0..k {
            let _ = write!(out, ",{}", part.dem(e, d));
        }
        for d in 0..k {
            let _ = write!(out, ",{}", part.rep(e, d));
        }
    }
    out.push('\n');
}

pub(crate) fn build_manifest(
    spec: &RunSpec,
    range: &Range<u32>,
    status: &str,
    results: Vec<Counters>,
) -> Manifest {
    let p = spec.problem;
    let (lo, hi) = p.pop_bounds();
    Manifest {
        format: "redraw-ensemble-run".into(),
        format_version: 1,
        redraw_version: env!("CARGO_PKG_VERSION").into(),
        status: status.into(),
        inputs: spec.inputs.clone(),
        node_count: p.node_count(),
        edge_count: p.edge_count(),
        districts: p.districts(),
        district_labels: spec.district_labels.clone(),
        total_population: p.total_pop(),
        tolerance: p.tol,
        population_bounds: [lo, hi],
        elections: p
            .elections()
            .iter()
            .map(|e| ElectionInfo {
                name: e.name.clone(),
                dem_column: e.dem_column.clone(),
                rep_column: e.rep_column.clone(),
            })
            .collect(),
        county_splits_tracked: p.has_counties(),
        max_county_splits: p.max_county_splits,
        params: spec.params.clone(),
        samples_per_chain: spec.params.samples_per_chain(),
        stats_columns: stats_columns(p, &spec.district_labels),
        files: Files { stats: STATS.into(), assignments: ASSIGNMENTS.into() },
        results,
        sampler: Sampler::Mcmc,
        smc: None,
        shard: crate::shard::Shard::of(range, spec.params.chains),
    }
}

pub(crate) fn write_manifest(dir: &Path, m: &Manifest) -> Result<(), RunError> {
    let mut s = serde_json::to_string_pretty(m).expect("manifest serialises");
    s.push('\n');
    write_atomic(&dir.join(MANIFEST), s.as_bytes())
}

fn validate(spec: &RunSpec) -> Result<(), RunError> {
    let p = spec.problem;
    let params = &spec.params;
    if p.districts() < 2 {
        return Err(RunError::Params("a chain needs at least 2 districts".into()));
    }
    if params.chains == 0 || params.thin == 0 {
        return Err(RunError::Params("--chains and --thin must be at least 1".into()));
    }
    if params.proposal.balance_bound == 0 || params.proposal.tree_attempts == 0 {
        return Err(RunError::Params("--balance-bound and --tree-attempts must be at least 1".into()));
    }
    if spec.district_labels.len() != p.districts() {
        return Err(RunError::Params(format!(
            "{} district labels for {} districts",
            spec.district_labels.len(),
            p.districts()
        )));
    }
    let part = Partition::new(p, spec.initial.clone()).map_err(|e| RunError::Plan(e.to_string()))?;
    let (lo, hi) = p.pop_bounds();
    for (d, &pop) in part.district_pops().iter().enumerate() {
        if pop < lo || pop > hi {
            return Err(RunError::Plan(format!(
                "district {} has population {pop}, outside the bounds [{lo}, {hi}] of tolerance {}",
                spec.district_labels[d], p.tol
            )));
        }
    }
    part.check(p)
        .map_err(|e| RunError::Plan(format!("{e} (district labels: {:?})", spec.district_labels)))?;
    if let Some(m) = p.max_county_splits {
        if part.county_splits() > m {
            return Err(RunError::Plan(format!(
                "the initial plan splits {} counties, more than --max-county-splits {m}",
                part.county_splits()
            )));
        }
    }
    Ok(())
}

/// Starts a new run in `dir` (which must not already hold one), or resumes the run there when
/// `resume` is set. Returns when every chain has finished and the outputs are in place.
pub fn run(dir: &Path, spec: &RunSpec, exec: &Execution, resume: bool) -> Result<Summary, RunError> {
    validate(spec)?;
    if exec.parquet && !PARQUET_AVAILABLE {
        return Err(RunError::ParquetUnavailable);
    }
    let range = crate::shard::resolve_range(exec.chain_range.as_ref(), spec.params.chains)?;
    let fresh = build_manifest(spec, &range, "running", Vec::new());
    let manifest_path = dir.join(MANIFEST);
    if resume {
        if !manifest_path.exists() {
            return Err(RunError::NothingToResume { dir: dir.to_path_buf() });
        }
        let saved = Manifest::read(dir)?;
        if saved.identity() != fresh.identity() {
            return Err(RunError::Mismatch { dir: dir.to_path_buf(), diff: describe_diff(&saved, &fresh) });
        }
        if saved.status == "complete" && dir.join(STATS).exists() && dir.join(ASSIGNMENTS).exists() {
            // A complete run asked for Parquet afterwards: derive it from the final stats.csv
            // (the same bytes a run with the flag from the start would have written).
            if exec.parquet && !dir.join(STATS_PARQUET).exists() {
                write_parquet(dir)?;
            }
            return Ok(Summary { manifest: saved, already_complete: true });
        }
    } else {
        if manifest_path.exists() {
            return Err(RunError::Exists { dir: dir.to_path_buf() });
        }
        fs::create_dir_all(dir).map_err(io_at(dir))?;
        let chains_dir = dir.join(CHAINS_DIR);
        if chains_dir.exists() {
            fs::remove_dir_all(&chains_dir).map_err(io_at(&chains_dir))?;
        }
        write_manifest(dir, &fresh)?;
    }
    let chains_dir = dir.join(CHAINS_DIR);
    fs::create_dir_all(&chains_dir).map_err(io_at(&chains_dir))?;

    let params = &spec.params;
    let bar = progress_bar(exec.progress, range.len() as u64 * params.steps);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(exec.threads.max(1))
        .build()
        .map_err(|e| RunError::Threads(e.to_string()))?;
    let failed = AtomicBool::new(false);
    let results: Vec<Result<Counters, RunError>> = pool.install(|| {
        range
            .clone()
            .into_par_iter()
            .map(|c| {
                let r = run_chain(&chains_dir, spec, exec, c, &bar, &failed);
                // Only a real failure stops the sibling chains. An interruption (`stop_after`,
                // which stands in for a kill) must not: each chain then stops exactly at its
                // own `stop_after` step, whatever the scheduling, so the outcome is deterministic.
                if matches!(&r, Err(e) if !matches!(e, RunError::Interrupted(_))) {
                    failed.store(true, Ordering::Relaxed);
                }
                r
            })
            .collect()
    });
    bar.finish_and_clear();
    // Report the error that stopped the run, not a chain that stopped because of it.
    if let Some(i) =
        results.iter().position(|r| matches!(r, Err(e) if !matches!(e, RunError::Interrupted(_))))
    {
        return Err(results.into_iter().nth(i).and_then(Result::err).expect("an error"));
    }
    let mut counters = Vec::with_capacity(results.len());
    for r in results {
        counters.push(r?);
    }
    merge(dir, spec, &range)?;
    // Before the manifest says "complete": an interruption here leaves a running run whose
    // resume merges again and writes both files.
    if exec.parquet {
        write_parquet(dir)?;
    }
    let done = build_manifest(spec, &range, "complete", counters);
    write_manifest(dir, &done)?;
    fs::remove_dir_all(&chains_dir).map_err(io_at(&chains_dir))?;
    Ok(Summary { manifest: done, already_complete: false })
}

pub(crate) fn describe_diff(saved: &Manifest, fresh: &Manifest) -> String {
    let (a, b) = (saved.identity(), fresh.identity());
    let (Some(a), Some(b)) = (a.as_object(), b.as_object()) else { return String::new() };
    let mut out = Vec::new();
    for (key, va) in a {
        let vb = &b[key];
        if va != vb {
            out.push(format!("{key}: saved {va}, now {vb}"));
        }
    }
    out.join("; ")
}

pub(crate) fn progress_bar(show: bool, total: u64) -> indicatif::ProgressBar {
    if !show {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::with_draw_target(
        Some(total),
        indicatif::ProgressDrawTarget::stderr_with_hz(4),
    );
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "{elapsed_precise} [{bar:40}] {human_pos}/{human_len} steps ({per_sec}, eta {eta})",
    ) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar
}

pub(crate) struct ChainFiles {
    pub(crate) stats: PathBuf,
    pub(crate) asg: PathBuf,
    pub(crate) ckpt: PathBuf,
}

pub(crate) fn chain_files(chains_dir: &Path, c: u32) -> ChainFiles {
    ChainFiles {
        stats: chains_dir.join(format!("chain-{c:05}.csv")),
        asg: chains_dir.join(format!("chain-{c:05}.asg")),
        ckpt: chains_dir.join(format!("chain-{c:05}.ckpt")),
    }
}

/// The complete state of one chain between steps.
struct ChainState {
    step: u64,
    rng: Rng,
    part: Partition,
    counters: Counters,
}

fn run_chain(
    chains_dir: &Path,
    spec: &RunSpec,
    exec: &Execution,
    c: u32,
    bar: &indicatif::ProgressBar,
    failed: &AtomicBool,
) -> Result<Counters, RunError> {
    let p = spec.problem;
    let params = &spec.params;
    let files = chain_files(chains_dir, c);
    let (mut st, stats_len, asg_len) = if files.ckpt.exists() {
        read_checkpoint(&files.ckpt, p, c)?
    } else {
        let part = Partition::new(p, spec.initial.clone()).map_err(|e| RunError::Plan(e.to_string()))?;
        (
            ChainState {
                step: 0,
                rng: Rng::for_chain(params.seed, c as u64),
                part,
                counters: Counters::default(),
            },
            0,
            0,
        )
    };
    bar.inc(st.step);
    advance(exec, st.step);
    let open = |path: &Path, len: u64| -> Result<BufWriter<File>, RunError> {
        let mut f =
            OpenOptions::new().create(true).write(true).truncate(false).open(path).map_err(io_at(path))?;
        let have = f.metadata().map_err(io_at(path))?.len();
        if have < len {
            // `set_len` would pad with zeros: recorded samples were lost, refuse to continue.
            return Err(RunError::Checkpoint {
                path: path.to_path_buf(),
                msg: format!("the part file holds {have} bytes but its checkpoint recorded {len}"),
            });
        }
        f.set_len(len).map_err(io_at(path))?;
        f.seek(SeekFrom::End(0)).map_err(io_at(path))?;
        Ok(BufWriter::with_capacity(1 << 16, f))
    };
    let mut stats_out = open(&files.stats, stats_len)?;
    let mut asg_out = open(&files.asg, asg_len)?;
    let mut stats_len = stats_len;
    let mut asg_len = asg_len;
    let mut row = String::new();
    let mut rec = Vec::new();
    let k = p.districts();
    let mut record = |st: &ChainState,
                      accepted: bool,
                      stats_out: &mut BufWriter<File>,
                      asg_out: &mut BufWriter<File>,
                      stats_len: &mut u64,
                      asg_len: &mut u64|
     -> Result<(), RunError> {
        row.clear();
        stats_row(&mut row, p, &st.part, c, st.step, accepted);
        stats_out.write_all(row.as_bytes()).map_err(io_at(&files.stats))?;
        *stats_len += row.len() as u64;
        rec.clear();
        encode_record(&mut rec, c, st.step, st.part.assignment(), k);
        asg_out.write_all(&rec).map_err(io_at(&files.asg))?;
        *asg_len += rec.len() as u64;
        Ok(())
    };
    if st.step == 0 && stats_len == 0 && params.records(0) {
        record(&st, false, &mut stats_out, &mut asg_out, &mut stats_len, &mut asg_len)?;
    }
    let mut ws = Workspace::new(p);
    let mut pending = 0u64;
    while st.step < params.steps {
        let o = step(p, &mut st.part, &mut ws, &mut st.rng, &params.proposal, &mut st.counters);
        st.step += 1;
        if o == crate::proposal::Outcome::BoundExceeded {
            let found = ws.max_balanced();
            return Err(RunError::BoundExceeded {
                chain: c,
                step: st.step,
                found,
                bound: params.proposal.balance_bound,
                // Headroom: larger trees than this one are likely elsewhere in the chain.
                suggest: (found * 2).max(found + 10),
            });
        }
        if params.records(st.step) {
            let accepted = o == crate::proposal::Outcome::Accepted;
            record(&st, accepted, &mut stats_out, &mut asg_out, &mut stats_len, &mut asg_len)?;
        }
        pending += 1;
        if pending == 1024 {
            bar.inc(pending);
            advance(exec, pending);
            pending = 0;
            if exec.cancel.as_ref().is_some_and(|c| c.load(Ordering::Relaxed)) {
                // Stopped from outside (Ctrl-C in Python): keep every step done so far.
                sync(&mut stats_out, &files.stats)?;
                sync(&mut asg_out, &files.asg)?;
                write_checkpoint(&files.ckpt, c, &st, stats_len, asg_len)?;
                let dir = chains_dir.parent().unwrap_or(chains_dir).to_path_buf();
                return Err(RunError::Cancelled { dir });
            }
            if failed.load(Ordering::Relaxed) {
                // Another chain failed: stop early (our checkpoint stays valid for a resume).
                return Err(RunError::Interrupted(st.step));
            }
        }
        if exec.stop_after == Some(st.step) {
            stats_out.flush().map_err(io_at(&files.stats))?;
            asg_out.flush().map_err(io_at(&files.asg))?;
            return Err(RunError::Interrupted(st.step));
        }
        if st.step % exec.checkpoint_every.max(1) == 0 || st.step == params.steps {
            sync(&mut stats_out, &files.stats)?;
            sync(&mut asg_out, &files.asg)?;
            write_checkpoint(&files.ckpt, c, &st, stats_len, asg_len)?;
        }
    }
    bar.inc(pending);
    advance(exec, pending);
    Ok(st.counters)
}

fn advance(exec: &Execution, steps: u64) {
    if let Some(done) = &exec.steps_done {
        done.fetch_add(steps, Ordering::Relaxed);
    }
}

fn sync(w: &mut BufWriter<File>, path: &Path) -> Result<(), RunError> {
    w.flush().map_err(io_at(path))?;
    w.get_ref().sync_data().map_err(io_at(path))
}

const CKPT_MAGIC: &[u8; 8] = b"RDRWCKP1";

fn write_checkpoint(
    path: &Path,
    c: u32,
    st: &ChainState,
    stats_len: u64,
    asg_len: u64,
) -> Result<(), RunError> {
    let part = &st.part;
    let mut b: Vec<u8> = Vec::with_capacity(16 * part.assignment.len() + 256);
    b.extend_from_slice(CKPT_MAGIC);
    let put32 = |b: &mut Vec<u8>, x: u32| b.extend_from_slice(&x.to_le_bytes());
    let put64 = |b: &mut Vec<u8>, x: u64| b.extend_from_slice(&x.to_le_bytes());
    put32(&mut b, c);
    put64(&mut b, st.step);
    for w in st.rng.state() {
        put64(&mut b, w);
    }
    for w in st.counters.to_words() {
        put64(&mut b, w);
    }
    put64(&mut b, stats_len);
    put64(&mut b, asg_len);
    put32(&mut b, part.assignment.len() as u32);
    put32(&mut b, part.members.len() as u32);
    for &d in &part.assignment {
        put32(&mut b, d);
    }
    for m in &part.members {
        put32(&mut b, m.len() as u32);
        for &v in m {
            put32(&mut b, v);
        }
    }
    put32(&mut b, part.cut_list.len() as u32);
    for &e in &part.cut_list {
        put32(&mut b, e);
    }
    let digest = Sha256::digest(&b);
    b.extend_from_slice(&digest);
    write_atomic(path, &b)
}

fn read_checkpoint(path: &Path, p: &Problem, c: u32) -> Result<(ChainState, u64, u64), RunError> {
    let bytes = fs::read(path).map_err(io_at(path))?;
    let corrupt = |msg: &str| RunError::Checkpoint { path: path.to_path_buf(), msg: msg.to_string() };
    if bytes.len() < 8 + 32 || &bytes[..8] != CKPT_MAGIC {
        return Err(corrupt("bad magic bytes"));
    }
    let (body, digest) = bytes.split_at(bytes.len() - 32);
    if Sha256::digest(body).as_slice() != digest {
        return Err(corrupt("checksum mismatch"));
    }
    let mut at = 8usize;
    let mut u32_ = || -> Result<u32, RunError> {
        let v = body.get(at..at + 4).ok_or_else(|| corrupt("truncated"))?;
        at += 4;
        Ok(u32::from_le_bytes(v.try_into().unwrap()))
    };
    let mut words = Vec::new();
    let chain = u32_()?;
    // u64s are read as two u32 halves (little-endian) to keep one cursor.
    let mut u64s = |count: usize, u32_: &mut dyn FnMut() -> Result<u32, RunError>| -> Result<(), RunError> {
        for _ in 0..count {
            let lo = u32_()? as u64;
            let hi = u32_()? as u64;
            words.push(lo | hi << 32);
        }
        Ok(())
    };
    u64s(1 + 4 + 9 + 2, &mut u32_)?;
    if chain != c {
        return Err(corrupt("checkpoint of another chain"));
    }
    let n = u32_()? as usize;
    let k = u32_()? as usize;
    if n != p.node_count() || k != p.districts() {
        return Err(corrupt("node or district count differs from the graph"));
    }
    let mut assignment = Vec::with_capacity(n);
    for _ in 0..n {
        let d = u32_()?;
        if d as usize >= k {
            return Err(corrupt("district index out of range"));
        }
        assignment.push(d);
    }
    let mut members = Vec::with_capacity(k);
    let mut seen = 0usize;
    for d in 0..k {
        let len = u32_()? as usize;
        // Lengths come from the file: never reserve more than the nodes left to place, so a
        // corrupt checkpoint is an error rather than a huge allocation.
        if len > n - seen {
            return Err(corrupt("member lists are longer than the graph"));
        }
        let mut m = Vec::with_capacity(len);
        for _ in 0..len {
            let v = u32_()?;
            if v as usize >= n || assignment[v as usize] as usize != d {
                return Err(corrupt("member lists disagree with the assignment"));
            }
            m.push(v);
        }
        seen += len;
        members.push(m);
    }
    if seen != n {
        return Err(corrupt("member lists do not cover every node"));
    }
    let cut_len = u32_()? as usize;
    if cut_len > p.edge_count() {
        return Err(corrupt("more cut edges than the graph has edges"));
    }
    let mut cut_list = Vec::with_capacity(cut_len);
    for _ in 0..cut_len {
        let e = u32_()?;
        if e as usize >= p.edge_count() {
            return Err(corrupt("edge id out of range"));
        }
        cut_list.push(e);
    }
    let part = Partition::with_order(p, assignment, members, cut_list);
    let w = &words;
    let st = ChainState {
        step: w[0],
        rng: Rng::from_state([w[1], w[2], w[3], w[4]]),
        part,
        counters: Counters::from_words(w[5..14].try_into().unwrap()),
    };
    Ok((st, w[14], w[15]))
}

/// Converts the final stats.csv to stats.parquet, atomically (temp file, fsync, rename).
#[cfg(feature = "parquet")]
pub(crate) fn write_parquet(dir: &Path) -> Result<(), RunError> {
    let csv_path = dir.join(STATS);
    let path = dir.join(STATS_PARQUET);
    let tmp = tmp_path(&path);
    let csv = io::BufReader::new(File::open(&csv_path).map_err(io_at(&csv_path))?);
    let mut out = BufWriter::new(File::create(&tmp).map_err(io_at(&tmp))?);
    crate::stats_parquet::write_stats_parquet(csv, &mut out)
        .map_err(|e| RunError::Parquet { path: path.clone(), msg: e.to_string() })?;
    let f = out.into_inner().map_err(|e| RunError::Io { path: tmp.clone(), source: e.into_error() })?;
    f.sync_all().map_err(io_at(&tmp))?;
    fs::rename(&tmp, &path).map_err(io_at(&path))?;
    sync_parent(&path);
    Ok(())
}

#[cfg(not(feature = "parquet"))]
pub(crate) fn write_parquet(_dir: &Path) -> Result<(), RunError> {
    Err(RunError::ParquetUnavailable)
}

/// Concatenates the parts of the chains in `range` into the final files, atomically.
fn merge(dir: &Path, spec: &RunSpec, range: &Range<u32>) -> Result<(), RunError> {
    let p = spec.problem;
    let chains_dir = dir.join(CHAINS_DIR);
    let stats_path = dir.join(STATS);
    let asg_path = dir.join(ASSIGNMENTS);
    let samples = spec.params.samples_per_chain() * range.len() as u64;
    // stats.csv
    {
        let tmp = tmp_path(&stats_path);
        let mut out = BufWriter::new(File::create(&tmp).map_err(io_at(&tmp))?);
        let header: Vec<String> =
            stats_columns(p, &spec.district_labels).iter().map(|s| csv_field(s)).collect();
        writeln!(out, "{}", header.join(",")).map_err(io_at(&tmp))?;
        for c in range.clone() {
            let part = chain_files(&chains_dir, c).stats;
            let mut f = File::open(&part).map_err(io_at(&part))?;
            io::copy(&mut f, &mut out).map_err(io_at(&tmp))?;
        }
        let f = out.into_inner().map_err(|e| RunError::Io { path: tmp.clone(), source: e.into_error() })?;
        f.sync_all().map_err(io_at(&tmp))?;
        fs::rename(&tmp, &stats_path).map_err(io_at(&stats_path))?;
        sync_parent(&stats_path);
    }
    // assignments.bin
    {
        let tmp = tmp_path(&asg_path);
        let mut out = BufWriter::new(File::create(&tmp).map_err(io_at(&tmp))?);
        let h = Header::new(p.node_count(), p.districts(), samples);
        crate::assignments::write_header(&mut out, &h).map_err(io_at(&tmp))?;
        let mut total = 0u64;
        for c in range.clone() {
            let part = chain_files(&chains_dir, c).asg;
            let mut f = File::open(&part).map_err(io_at(&part))?;
            total += io::copy(&mut f, &mut out).map_err(io_at(&tmp))?;
        }
        if total != samples * h.record_len() as u64 {
            return Err(RunError::Checkpoint {
                path: chains_dir,
                msg: format!(
                    "the chain parts hold {total} bytes, expected {}",
                    samples * h.record_len() as u64
                ),
            });
        }
        let f = out.into_inner().map_err(|e| RunError::Io { path: tmp.clone(), source: e.into_error() })?;
        f.sync_all().map_err(io_at(&tmp))?;
        fs::rename(&tmp, &asg_path).map_err(io_at(&asg_path))?;
        sync_parent(&asg_path);
    }
    Ok(())
}
