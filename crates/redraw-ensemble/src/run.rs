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
//!
//! Safety of the directory (see `docs/run-format.md`, "Concurrency and integrity"): a run holds
//! an exclusive lock on `DIR/.lock` for its whole duration (a second process on the same `DIR`
//! is refused); a new run starts only in a new or empty directory (redraw never deletes or
//! overwrites files it did not create); checkpoints carry checksums of the part files, which a
//! resume and the final merge verify; every output is written to a temporary file that is
//! removed if anything fails. The file-system primitives are in `fsio`, the checkpoint codec in
//! [`crate::checkpoint`], and the checks of a finished run's files in [`crate::verify`].

use std::fmt::Write as _;
use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

pub use crate::assignments::Compression;
use crate::assignments::{Encoder, Header, HEADER_LEN};
use crate::checkpoint::{Checkpoint, PartSum};
use crate::fsio::{self, Budget, LockError, TmpFile};
pub use crate::fsio::{DiskFull, Phase, RunLock, LOCK};
use crate::partition::Partition;
use crate::problem::Problem;
use crate::proposal::{step, Counters, ProposalConfig, Workspace};
pub use crate::record::{estimate, human_bytes, Record, SizeEstimate};
use crate::record::{PartWriter, Recorder, Writer, WriterGone};
use crate::rng::Rng;

pub const MANIFEST: &str = "manifest.json";
pub const STATS: &str = "stats.csv";
/// Written beside stats.csv when [`Execution::parquet`] is set (feature `parquet`).
pub const STATS_PARQUET: &str = "stats.parquet";
/// Whether this build can write stats.parquet (the crate's `parquet` feature).
pub const PARQUET_AVAILABLE: bool = cfg!(feature = "parquet");
pub const ASSIGNMENTS: &str = "assignments.bin";
pub const CHAINS_DIR: &str = "chains";
/// The manifest's `format_version`: 2 added `params.record`, `params.compression`,
/// `plans_per_chain`, `tracked_columns` and a null `files.assignments` (readers still read 1).
pub const FORMAT_VERSION: u32 = 2;

#[derive(Debug, thiserror::Error)]
pub enum RunError {
    // The message includes the I/O error, so it is not also the error's `source()` (error
    // chains would print it twice).
    #[error("{}: {error}", path.display())]
    Io { path: PathBuf, error: io::Error },
    #[error(
        "{} already holds a run (manifest.json exists); pass --resume to continue it or choose \
         another --out directory",
        dir.display()
    )]
    Exists { dir: PathBuf },
    #[error("{}: no run to resume (no manifest.json)", dir.display())]
    NothingToResume { dir: PathBuf },
    #[error(
        "{} is being written by another redraw process (it holds {}); wait for it to finish, or \
         choose another --out directory",
        dir.display(),
        dir.join(LOCK).display()
    )]
    Locked { dir: PathBuf },
    #[error(
        "{} is not empty and holds no redraw run (no manifest.json; it contains {entries}): a new run \
         starts only in a new or empty directory, so that redraw never deletes or overwrites files it \
         did not create; choose another --out directory",
        dir.display()
    )]
    NotARun { dir: PathBuf, entries: String },
    #[error("{}: {msg}", path.display())]
    Invalid { path: PathBuf, msg: String },
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
    move |error| RunError::Io { path: path.to_path_buf(), error }
}

/// Chain parameters (everything that determines the output besides the inputs): the chains,
/// which of their steps are recorded, and how the plans are stored.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ChainParams {
    pub seed: u64,
    pub chains: u32,
    /// Proposals per chain (self-loops included).
    pub steps: u64,
    /// Record every `thin`-th step after burn-in (for [`Record::Thinned`], only the plans).
    pub thin: u64,
    /// Steps before the first recorded one.
    pub burn_in: u64,
    /// What is recorded at those steps (`--record`; manifests written before it existed mean
    /// `every`).
    #[serde(default)]
    pub record: Record,
    /// How assignments.bin stores the plans (`--compress`; older manifests mean `none`).
    #[serde(default)]
    pub compression: Compression,
    pub proposal: ProposalConfig,
}

impl ChainParams {
    /// Whether step `s` is on the `--burn-in`/`--thin` grid.
    fn on_grid(&self, s: u64) -> bool {
        s >= self.burn_in && (s - self.burn_in) % self.thin == 0
    }
    /// Grid steps in `0..=s`.
    fn grid_through(&self, s: u64) -> u64 {
        if s < self.burn_in {
            0
        } else {
            (s - self.burn_in) / self.thin.max(1) + 1
        }
    }
    /// Whether the state after step `s` (0 = the initial plan) gets a stats.csv row.
    pub fn records(&self, s: u64) -> bool {
        match self.record {
            Record::Thinned => s >= self.burn_in,
            Record::Every | Record::StatsOnly => self.on_grid(s),
        }
    }
    /// Whether the plan after step `s` is written to assignments.bin.
    pub fn records_plan(&self, s: u64) -> bool {
        self.record != Record::StatsOnly && self.on_grid(s)
    }
    /// stats.csv rows of a chain up to and including step `s`.
    pub fn rows_through(&self, s: u64) -> u64 {
        match self.record {
            Record::Thinned => s.checked_sub(self.burn_in).map_or(0, |d| d + 1),
            Record::Every | Record::StatsOnly => self.grid_through(s),
        }
    }
    /// Plans a chain records up to and including step `s`.
    pub fn plans_through(&self, s: u64) -> u64 {
        if self.record == Record::StatsOnly {
            0
        } else {
            self.grid_through(s)
        }
    }
    /// stats.csv rows per chain (the manifest's `samples_per_chain`).
    pub fn samples_per_chain(&self) -> u64 {
        self.rows_through(self.steps)
    }
    /// Recorded plans per chain (the manifest's `plans_per_chain`).
    pub fn plans_per_chain(&self) -> u64 {
        self.plans_through(self.steps)
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
    /// Test hook: simulate a full disk during the chains or the merge ([`DiskFull`]).
    pub disk_full: Option<DiskFull>,
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
            disk_full: None,
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
    /// stats.csv rows per chain.
    pub samples_per_chain: u64,
    /// assignments.bin records per chain (`samples_per_chain` unless `--record` is `thinned` or
    /// `stats-only`; manifests of format 1 do not have it and mean `samples_per_chain`).
    #[serde(default)]
    pub plans_per_chain: u64,
    /// The `--track` columns, whose per-district sums are the `sum_<COL>_<d>` columns.
    #[serde(default)]
    pub tracked_columns: Vec<String>,
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

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Files {
    pub stats: String,
    /// `"assignments.bin"`, or null when the run records no plans (`--record stats-only`).
    pub assignments: Option<String>,
}

/// What a finished run reports.
#[derive(Clone, Debug)]
pub struct Summary {
    pub manifest: Manifest,
    pub already_complete: bool,
}

impl Manifest {
    /// Reads `DIR/manifest.json` (bounded like every JSON document, see
    /// `redraw_graph::limits`). Only parses it: [`Manifest::check`] checks its consistency.
    pub fn read(dir: &Path) -> Result<Manifest, RunError> {
        let path = dir.join(MANIFEST);
        let text = redraw_graph::limits::read_text(&path, redraw_graph::limits::MAX_JSON_BYTES, "a manifest")
            .map_err(io_at(&path))?;
        Manifest::from_json(text.strip_prefix('\u{feff}').unwrap_or(&text))
            .map_err(|e| RunError::Invalid { path, msg: format!("not a run manifest: {e}") })
    }

    /// Parses a manifest's text (of any format version this redraw reads) without checking it.
    pub fn from_json(text: &str) -> Result<Manifest, serde_json::Error> {
        let mut m: Manifest = serde_json::from_str(text)?;
        if m.format_version == 1 {
            // Format 1 recorded a plan with every row.
            m.plans_per_chain = m.samples_per_chain;
        }
        Ok(m)
    }

    /// Totals over chains.
    pub fn totals(&self) -> Counters {
        let mut t = Counters::default();
        for c in &self.results {
            let (a, b) = (t.to_words(), c.to_words());
            let mut w = [0u64; 9];
            for i in 0..9 {
                w[i] = a[i].saturating_add(b[i]);
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
            "tracked_columns": self.tracked_columns,
            "sampler": self.sampler,
            "smc": self.smc.as_ref().map(|s| s.identity()),
            "shard": self.shard,
        })
    }
}

/// Opens `DIR/assignments.bin` of a complete run for iteration (see [`crate::AssignmentReader`]).
pub fn open_assignments(dir: &Path) -> Result<crate::AssignmentReader<io::BufReader<File>>, RunError> {
    let path = dir.join(ASSIGNMENTS);
    let f = match File::open(&path) {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            if Manifest::read(dir).is_ok_and(|m| !m.has_plans()) {
                return Err(RunError::Invalid {
                    path: dir.to_path_buf(),
                    msg: "the run recorded no plans (--record stats-only): it has stats.csv and no assignments.bin"
                        .into(),
                });
            }
            return Err(io_at(&path)(e));
        }
        Err(e) => return Err(io_at(&path)(e)),
    };
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
/// On failure (a full disk included) the temporary file is removed.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), RunError> {
    fsio::write_atomic_budget(path, bytes, &Budget::default()).map_err(io_at(path))
}

/// Takes the exclusive lock of the existing run directory `dir` without waiting (see
/// `docs/run-format.md`); [`run`] holds it for the whole run. Anything else that writes into a
/// run directory takes it too; `RunError::Locked` means another process holds it.
pub fn lock_run_dir(dir: &Path) -> Result<RunLock, RunError> {
    fsio::lock_dir(dir).map_err(|e| match e {
        LockError::Held => RunError::Locked { dir: dir.to_path_buf() },
        LockError::Io(path, error) => RunError::Io { path, error },
    })
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
    let names: Vec<&str> = problem.elections().iter().map(|e| e.name.as_str()).collect();
    let tracked: Vec<&str> = problem.tracked().iter().map(|t| t.column.as_str()).collect();
    crate::verify::stats_header(labels, &names, &tracked)
}

/// Appends `x` in decimal. A row holds hundreds of integers (CA: 52 districts x 3 sums), so
/// this short loop instead of `write!` keeps the stats row cheap on the chain's thread.
#[inline]
fn push_u64(out: &mut String, mut x: u64) {
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (x % 10) as u8;
        x /= 10;
        if x == 0 {
            break;
        }
    }
    // ASCII digits only.
    out.push_str(std::str::from_utf8(&buf[i..]).expect("ASCII digits"));
}

/// Appends the stats.csv row of the state after step `s` of chain `chain` (the columns of
/// [`stats_columns`]).
pub(crate) fn stats_row(out: &mut String, p: &Problem, part: &Partition, chain: u32, s: u64, accepted: bool) {
    let k = p.districts();
    push_u64(out, chain as u64);
    out.push(',');
    push_u64(out, s);
    out.push_str(if accepted { ",1," } else { ",0," });
    push_u64(out, part.cut_edges() as u64);
    out.push(',');
    if p.has_counties() {
        push_u64(out, part.county_splits() as u64);
    }
    for &pop in part.district_pops() {
        out.push(',');
        push_u64(out, pop);
    }
    for e in 0..p.elections().len() {
        out.push(',');
        push_u64(out, part.dem_seats(e) as u64);
        for d in 0..k {
            out.push(',');
            push_u64(out, part.dem(e, d));
        }
        for d in 0..k {
            out.push(',');
            push_u64(out, part.rep(e, d));
        }
    }
    for t in 0..p.tracked().len() {
        for d in 0..k {
            out.push(',');
            push_u64(out, part.tracked_sum(t, d));
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
        format_version: FORMAT_VERSION,
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
        plans_per_chain: spec.params.plans_per_chain(),
        tracked_columns: p.tracked().iter().map(|t| t.column.clone()).collect(),
        stats_columns: stats_columns(p, &spec.district_labels),
        files: Files {
            stats: STATS.into(),
            assignments: (spec.params.record != Record::StatsOnly).then(|| ASSIGNMENTS.into()),
        },
        results,
        sampler: Sampler::Mcmc,
        smc: None,
        shard: crate::shard::Shard::of(range, spec.params.chains),
    }
}

pub(crate) fn write_manifest(dir: &Path, m: &Manifest, budget: &Budget) -> Result<(), RunError> {
    let mut s = serde_json::to_string_pretty(m).expect("manifest serialises");
    s.push('\n');
    let path = dir.join(MANIFEST);
    fsio::write_atomic_budget(&path, s.as_bytes(), budget).map_err(io_at(&path))
}

fn validate(spec: &RunSpec) -> Result<(), RunError> {
    let p = spec.problem;
    let params = &spec.params;
    if p.districts() < 2 {
        return Err(RunError::Params("a chain needs at least 2 districts".into()));
    }
    if params.compression == Compression::Delta
        && params.record != Record::StatsOnly
        && p.node_count() > crate::assignments::MAX_DELTA_NODES as usize
    {
        return Err(RunError::Params(format!(
            "a graph of {} nodes: delta-encoded assignments hold at most {} nodes; record with --compress none",
            p.node_count(),
            crate::assignments::MAX_DELTA_NODES
        )));
    }
    if p.districts() > crate::verify::MAX_DISTRICTS {
        // assignments.bin stores a district index in 16 bits (docs/run-format.md).
        return Err(RunError::Params(format!(
            "{} districts: a run stores district indices in 16 bits, so at most {} districts",
            p.districts(),
            crate::verify::MAX_DISTRICTS
        )));
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

/// Up to five entries of a directory other than `ours`, for messages ("a, b, c, …").
fn foreign_entries(dir: &Path, ours: &[&str]) -> Result<Option<String>, RunError> {
    let mut names: Vec<String> = Vec::new();
    for e in fs::read_dir(dir).map_err(io_at(dir))? {
        let name = e.map_err(io_at(dir))?.file_name().to_string_lossy().into_owned();
        if !ours.contains(&name.as_str()) {
            names.push(name);
        }
    }
    if names.is_empty() {
        return Ok(None);
    }
    names.sort();
    let more = names.len() > 5;
    names.truncate(5);
    Ok(Some(names.join(", ") + if more { ", …" } else { "" }))
}

/// Makes `dir` ready for a new run (`resume` false) or a resume, and locks it.
///
/// A new run needs a new or empty directory. A directory holding a lock file is redraw's (a
/// run, or a run killed before it wrote its manifest), so it is locked first and checked under
/// the lock; any other non-empty directory is refused without creating anything in it. Under
/// the lock, a new run accepts only the lock file and a manifest's temporary file left by a
/// killed run (removed); a resume needs a manifest. Checking under the lock means two processes
/// starting together cannot both pass.
pub(crate) fn prepare_dir(dir: &Path, resume: bool) -> Result<RunLock, RunError> {
    const MANIFEST_TMP: &str = "manifest.json.tmp";
    if dir.exists() && !dir.is_dir() {
        return Err(RunError::Io {
            path: dir.to_path_buf(),
            error: io::Error::new(io::ErrorKind::AlreadyExists, "exists and is not a directory"),
        });
    }
    if resume {
        if !dir.join(MANIFEST).exists() {
            return Err(RunError::NothingToResume { dir: dir.to_path_buf() });
        }
    } else if dir.is_dir() && !dir.join(LOCK).exists() {
        if dir.join(MANIFEST).exists() {
            return Err(RunError::Exists { dir: dir.to_path_buf() });
        }
        // Our own lock and temporary manifest may appear here while another run starts in the
        // same directory (it created the directory and took the lock after our checks above):
        // that run is then refused or reported below, under the lock, not as a foreign folder.
        if let Some(entries) = foreign_entries(dir, &[LOCK, MANIFEST_TMP])? {
            return Err(RunError::NotARun { dir: dir.to_path_buf(), entries });
        }
    }
    if !resume {
        fs::create_dir_all(dir).map_err(io_at(dir))?;
    }
    let lock = lock_run_dir(dir)?;
    if resume {
        if !dir.join(MANIFEST).exists() {
            return Err(RunError::NothingToResume { dir: dir.to_path_buf() });
        }
    } else {
        if dir.join(MANIFEST).exists() {
            return Err(RunError::Exists { dir: dir.to_path_buf() });
        }
        if let Some(entries) = foreign_entries(dir, &[LOCK, MANIFEST_TMP])? {
            return Err(RunError::NotARun { dir: dir.to_path_buf(), entries });
        }
        let _ = fs::remove_file(dir.join(MANIFEST_TMP));
    }
    Ok(lock)
}

/// Starts a new run in `dir` (which must be new or empty), or resumes the run there when
/// `resume` is set. Holds the directory's lock throughout. Returns when every chain has finished
/// and the outputs are in place.
pub fn run(dir: &Path, spec: &RunSpec, exec: &Execution, resume: bool) -> Result<Summary, RunError> {
    validate(spec)?;
    if exec.parquet && !PARQUET_AVAILABLE {
        return Err(RunError::ParquetUnavailable);
    }
    let range = crate::shard::resolve_range(exec.chain_range.as_ref(), spec.params.chains)?;
    let fresh = build_manifest(spec, &range, "running", Vec::new());
    let _lock = prepare_dir(dir, resume)?;
    let chain_budget = Budget::new(exec.disk_full, Phase::Chains);
    let merge_budget = Budget::new(exec.disk_full, Phase::Merge);
    if resume {
        let saved = Manifest::read(dir)?;
        if saved.identity() != fresh.identity() {
            return Err(RunError::Mismatch { dir: dir.to_path_buf(), diff: describe_diff(&saved, &fresh) });
        }
        let outputs = dir.join(STATS).exists() && (!saved.has_plans() || dir.join(ASSIGNMENTS).exists());
        if saved.status == "complete" && outputs {
            // A complete run asked for Parquet afterwards: derive it from the final stats.csv
            // (the same bytes a run with the flag from the start would have written).
            if exec.parquet && !dir.join(STATS_PARQUET).exists() {
                write_parquet(dir, &merge_budget)?;
            }
            // A run killed after its manifest said "complete" but before it removed its parts.
            remove_parts(&dir.join(CHAINS_DIR), &range);
            return Ok(Summary { manifest: saved, already_complete: true });
        }
    } else {
        write_manifest(dir, &fresh, &chain_budget)?;
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
    let results: Vec<Result<ChainDone, RunError>> = pool.install(|| {
        range
            .clone()
            .into_par_iter()
            .map(|c| {
                let r = run_chain(&chains_dir, spec, exec, c, &bar, &failed, &chain_budget);
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
    let mut done = Vec::with_capacity(results.len());
    for r in results {
        done.push(r?);
    }
    merge(dir, spec, &range, &done, &merge_budget)?;
    // Before the manifest says "complete": an interruption here leaves a running run whose
    // resume merges again and writes both files.
    if exec.parquet {
        write_parquet(dir, &merge_budget)?;
    }
    let complete =
        build_manifest(spec, &range, "complete", done.iter().map(|d| d.counters.clone()).collect());
    write_manifest(dir, &complete, &merge_budget)?;
    remove_parts(&chains_dir, &range);
    Ok(Summary { manifest: complete, already_complete: false })
}

/// Removes the files the chains wrote (parts, checkpoints, a checkpoint's temporary file), then
/// `chains/` itself if nothing else is in it: never anything redraw did not create. Best
/// effort: the run is complete whatever remains.
/// Removes the part files of chains (or SMC runs) `range` that redraw writes under `chains/`,
/// their temporary siblings, and `chains/` itself when that leaves it empty: only names redraw
/// gives its own files, never anything else a user put there.
pub(crate) fn remove_parts(chains_dir: &Path, range: &Range<u32>) {
    for c in range.clone() {
        let f = chain_files(chains_dir, c);
        // `.json` beside the checkpoint: an SMC run's finished-run marker.
        let marker = f.ckpt.with_extension("json");
        for p in [&f.stats, &f.asg, &f.ckpt, &marker] {
            let _ = fs::remove_file(p);
            let _ = fs::remove_file(fsio::tmp_path(p));
        }
    }
    let _ = fs::remove_dir(chains_dir);
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

/// What a finished chain hands to the merge: its outcome counts and the checksums of the
/// bytes it wrote to its parts.
struct ChainDone {
    counters: Counters,
    stats: PartSum,
    asg: PartSum,
}

/// How a chain's loop ended when it did not finish.
enum Stop {
    /// An error of the chain itself (or an interruption): returned as is.
    Error(RunError),
    /// The writer thread stopped; its error is the chain's.
    Writer,
}

impl From<WriterGone> for Stop {
    fn from(_: WriterGone) -> Stop {
        Stop::Writer
    }
}

#[allow(clippy::too_many_arguments)]
fn run_chain(
    chains_dir: &Path,
    spec: &RunSpec,
    exec: &Execution,
    c: u32,
    bar: &indicatif::ProgressBar,
    failed: &AtomicBool,
    budget: &Budget,
) -> Result<ChainDone, RunError> {
    let p = spec.problem;
    let params = &spec.params;
    let files = chain_files(chains_dir, c);
    let mut encoder = Encoder::new(params.compression, p.districts());
    let (mut st, (stats_len, stats_sum), (asg_len, asg_sum)) = if files.ckpt.exists() {
        let (st, stats, asg, reference) = read_checkpoint(&files.ckpt, p, params, c)?;
        encoder.set_reference(reference);
        (st, stats, asg)
    } else {
        let part = Partition::new(p, spec.initial.clone()).map_err(|e| RunError::Plan(e.to_string()))?;
        let empty = PartSum::default().value();
        (
            ChainState {
                step: 0,
                rng: Rng::for_chain(params.seed, c as u64),
                part,
                counters: Counters::default(),
            },
            (0, empty),
            (0, empty),
        )
    };
    bar.inc(st.step);
    advance(exec, st.step);
    // The parts are checked against the checkpoint here, before the writer starts.
    let writer = Writer {
        stats: PartWriter::open(files.stats.clone(), stats_len, stats_sum, budget)?,
        asg: match params.record {
            Record::StatsOnly => None,
            _ => Some(PartWriter::open(files.asg.clone(), asg_len, asg_sum, budget)?),
        },
        ckpt: &files.ckpt,
        budget,
    };
    let fresh = st.step == 0 && stats_len == 0;
    std::thread::scope(|scope| {
        let (mut rec, handle) = writer.spawn(scope, c, encoder)?;
        let r = chain_loop(spec, exec, c, &mut st, &mut rec, fresh, bar, failed, chains_dir);
        let hung_up = rec.finish();
        drop(rec);
        let written = handle
            .join()
            .unwrap_or_else(|_| Err(RunError::Threads(format!("the writer thread of chain {c} panicked"))));
        match (r, hung_up) {
            (Ok(()), Ok(())) => {
                written.map(|w| ChainDone { counters: st.counters.clone(), stats: w.stats, asg: w.asg })
            }
            // A writer error explains whatever the chain saw (a cancelled chain whose checkpoint
            // could not be written is a failure, not a cancellation).
            (Err(Stop::Error(e)), _) => Err(written.err().unwrap_or(e)),
            _ => Err(written.err().unwrap_or_else(|| {
                RunError::Threads(format!("the writer thread of chain {c} stopped early"))
            })),
        }
    })
}

/// Steps chain `c` from `st` to the end (or an interruption), recording through `rec`.
#[allow(clippy::too_many_arguments)]
fn chain_loop(
    spec: &RunSpec,
    exec: &Execution,
    c: u32,
    st: &mut ChainState,
    rec: &mut Recorder,
    fresh: bool,
    bar: &indicatif::ProgressBar,
    failed: &AtomicBool,
    chains_dir: &Path,
) -> Result<(), Stop> {
    let p = spec.problem;
    let params = &spec.params;
    if fresh && params.records(0) {
        rec.record(p, &st.part, c, 0, false, params.records_plan(0))?;
    }
    let mut ws = Workspace::new(p);
    let mut pending = 0u64;
    let checkpoint = |st: &ChainState, rec: &mut Recorder| -> Result<(), Stop> {
        rec.checkpoint(Checkpoint {
            chain: c,
            step: st.step,
            rng: st.rng.state(),
            counters: st.counters.clone(),
            // Filled in by the writer.
            stats_len: 0,
            stats_sum: 0,
            asg_len: 0,
            asg_sum: 0,
            partition: st.part.clone(),
            reference: None,
        })?;
        Ok(())
    };
    while st.step < params.steps {
        let o = step(p, &mut st.part, &mut ws, &mut st.rng, &params.proposal, &mut st.counters);
        st.step += 1;
        if o == crate::proposal::Outcome::BoundExceeded {
            let found = ws.max_balanced();
            return Err(Stop::Error(RunError::BoundExceeded {
                chain: c,
                step: st.step,
                found,
                bound: params.proposal.balance_bound,
                // Headroom: larger trees than this one are likely elsewhere in the chain.
                suggest: (found * 2).max(found + 10),
            }));
        }
        if params.records(st.step) {
            let accepted = o == crate::proposal::Outcome::Accepted;
            rec.record(p, &st.part, c, st.step, accepted, params.records_plan(st.step))?;
        }
        pending += 1;
        if pending == 1024 {
            bar.inc(pending);
            advance(exec, pending);
            pending = 0;
            if exec.cancel.as_ref().is_some_and(|c| c.load(Ordering::Relaxed)) {
                // Stopped from outside (Ctrl-C in Python): keep every step done so far.
                checkpoint(st, rec)?;
                let dir = chains_dir.parent().unwrap_or(chains_dir).to_path_buf();
                return Err(Stop::Error(RunError::Cancelled { dir }));
            }
            if failed.load(Ordering::Relaxed) {
                // Another chain failed: stop early (our checkpoint stays valid for a resume).
                return Err(Stop::Error(RunError::Interrupted(st.step)));
            }
        }
        if exec.stop_after == Some(st.step) {
            // As if killed: what was recorded after the last checkpoint stays in the parts.
            return Err(Stop::Error(RunError::Interrupted(st.step)));
        }
        // Checkpoints fall on multiples of the interval only: the end of a chain is not one
        // (unless it is a multiple), because the merge follows at once. A run killed before its
        // merge redoes at most `checkpoint_every - 1` steps per chain, and runs of many short
        // chains do not pay four fsyncs per chain.
        if st.step % exec.checkpoint_every.max(1) == 0 {
            checkpoint(st, rec)?;
        }
    }
    bar.inc(pending);
    advance(exec, pending);
    Ok(())
}

fn advance(exec: &Execution, steps: u64) {
    if let Some(done) = &exec.steps_done {
        done.fetch_add(steps, Ordering::Relaxed);
    }
}

/// Reads and checks a chain's checkpoint; returns the state, the `(length, checksum)` of its
/// stats and assignments parts, and the delta encoder's reference plan.
#[allow(clippy::type_complexity)]
fn read_checkpoint(
    path: &Path,
    p: &Problem,
    params: &ChainParams,
    c: u32,
) -> Result<(ChainState, (u64, u64), (u64, u64), Option<Vec<u32>>), RunError> {
    let corrupt = |msg: String| RunError::Checkpoint { path: path.to_path_buf(), msg };
    let f = File::open(path).map_err(io_at(path))?;
    // Never read more than a checkpoint of this graph can hold (a sparse file of gigabytes is
    // refused here, not loaded).
    let max = Checkpoint::max_len(p);
    let bytes = redraw_graph::limits::read_bytes_capped(f, max, "the checkpoint")
        .map_err(|e| corrupt(format!("{e} (at most {max} bytes for this graph)")))?;
    let ck = Checkpoint::decode(&bytes, p, params, c).map_err(corrupt)?;
    let st =
        ChainState { step: ck.step, rng: Rng::from_state(ck.rng), part: ck.partition, counters: ck.counters };
    Ok((st, (ck.stats_len, ck.stats_sum), (ck.asg_len, ck.asg_sum), ck.reference))
}

/// Converts the final stats.csv to stats.parquet, atomically (temp file, fsync, rename).
#[cfg(feature = "parquet")]
pub(crate) fn write_parquet(dir: &Path, budget: &Budget) -> Result<(), RunError> {
    let csv_path = dir.join(STATS);
    let path = dir.join(STATS_PARQUET);
    let csv = io::BufReader::new(File::open(&csv_path).map_err(io_at(&csv_path))?);
    let mut tmp = TmpFile::create(&path, budget).map_err(io_at(&path))?;
    crate::stats_parquet::write_stats_parquet(csv, tmp.writer())
        .map_err(|e| RunError::Parquet { path: path.clone(), msg: e.to_string() })?;
    tmp.persist().map_err(io_at(&path))
}

#[cfg(not(feature = "parquet"))]
pub(crate) fn write_parquet(_dir: &Path, _budget: &Budget) -> Result<(), RunError> {
    Err(RunError::ParquetUnavailable)
}

/// Appends the part file `part` to `out`, checking that it holds exactly the bytes its chain
/// wrote (`want`): a part changed between the chain's end and the merge is refused.
fn copy_part(part: &Path, want: &PartSum, out: &mut TmpFile) -> Result<u64, RunError> {
    let mut f = File::open(part).map_err(io_at(part))?;
    let mut sum = PartSum::default();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = f.read(&mut buf).map_err(io_at(part))?;
        if n == 0 {
            break;
        }
        sum.update(&buf[..n]);
        out.writer().write_all(&buf[..n]).map_err(io_at(&out.path))?;
    }
    if sum != *want {
        return Err(RunError::Checkpoint {
            path: part.to_path_buf(),
            msg: format!(
                "holds {} bytes that are not the {} bytes its chain wrote (modified during the run?)",
                sum.len(),
                want.len()
            ),
        });
    }
    Ok(sum.len())
}

/// Concatenates the chains' parts into the final files, atomically, verifying each part
/// against the checksum of what its chain wrote.
fn merge(
    dir: &Path,
    spec: &RunSpec,
    range: &Range<u32>,
    done: &[ChainDone],
    budget: &Budget,
) -> Result<(), RunError> {
    let p = spec.problem;
    let chains_dir = dir.join(CHAINS_DIR);
    let stats_path = dir.join(STATS);
    let asg_path = dir.join(ASSIGNMENTS);
    let plans = spec.params.plans_per_chain() * range.len() as u64;
    // stats.csv
    let mut out = TmpFile::create(&stats_path, budget).map_err(io_at(&stats_path))?;
    let header: Vec<String> = stats_columns(p, &spec.district_labels).iter().map(|s| csv_field(s)).collect();
    writeln!(out.writer(), "{}", header.join(",")).map_err(io_at(&out.path))?;
    for (c, d) in range.clone().zip(done) {
        copy_part(&chain_files(&chains_dir, c).stats, &d.stats, &mut out)?;
    }
    if spec.params.record == Record::StatsOnly {
        return out.persist().map_err(io_at(&stats_path));
    }
    // assignments.bin, written before stats.csv is renamed into place so that a failure leaves
    // neither final file.
    let mut asg = TmpFile::create(&asg_path, budget).map_err(io_at(&asg_path))?;
    let h = Header::new(p.node_count(), p.districts(), plans).with_compression(spec.params.compression);
    crate::assignments::write_header(asg.writer(), &h).map_err(io_at(&asg.path))?;
    let mut total = 0u64;
    for (c, d) in range.clone().zip(done) {
        total += copy_part(&chain_files(&chains_dir, c).asg, &d.asg, &mut asg)?;
    }
    if let Err(msg) = h.check_file_len(HEADER_LEN as u64 + total) {
        return Err(RunError::Checkpoint {
            path: chains_dir,
            msg: format!("the chain parts hold {total} bytes: {msg}"),
        });
    }
    out.persist().map_err(io_at(&stats_path))?;
    asg.persist().map_err(io_at(&asg_path))
}
