//! Ensembles from Python: runs (with Ctrl-C and progress), shards and merge, and streaming the
//! run directory's stats and plans into numpy arrays.

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};

use numpy::{PyArray1, PyArray2, PyArrayMethods};
use pyo3::prelude::*;
use redraw_ensemble::assignments::{Header, HEADER_LEN};
use redraw_ensemble::run::{self, ChainParams, Compression, Execution, Record, RunSpec};
use redraw_ensemble::setup::{self, CountySource, InitialPlan, Setup};
use redraw_ensemble::{PairSelection, ProposalConfig, ProposalKind};
use redraw_graph::Plan;

use super::graph::PyGraph;
use super::{err, err_msg};

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(run_ensemble, m)?)?;
    m.add_function(wrap_pyfunction!(merge_shards, m)?)?;
    m.add_function(wrap_pyfunction!(read_stats, m)?)?;
    m.add_function(wrap_pyfunction!(parse_chain_range, m)?)?;
    m.add_class::<Assignments>()?;
    Ok(())
}

/// Parses `"16..32"` as `--chain-range` does.
#[pyfunction]
fn parse_chain_range(s: &str) -> PyResult<(u32, u32)> {
    let r = redraw_ensemble::shard::parse_range(s).map_err(err_msg)?;
    Ok((r.start, r.end))
}

/// Runs (or resumes) an ensemble into `out`; returns the manifest JSON. The chains run on a
/// worker thread with the GIL released; this thread checks for Ctrl-C (then every chain
/// checkpoints where it stands and `KeyboardInterrupt` is raised: resume with `resume=True`)
/// and calls `progress(done, total)` a few times a second.
#[pyfunction]
#[pyo3(signature = (
    graph, out, *, pop, steps, districts=None, tol=0.02, chains=1, seed=0, elections=Vec::new(),
    assignment=None, plan_csv=None, initial_labels=None, initial_info=None, county=None,
    county_prefix=None, max_county_splits=None, proposal="recom", pair_selection="cut-edge",
    tree_attempts=100, balance_bound=30, thin=1, burn_in=0, record="every", compress="delta",
    track=Vec::new(), threads=None, checkpoint_every=10_000, resume=false, parquet=false,
    chain_range=None, progress=None
))]
#[allow(clippy::too_many_arguments)]
fn run_ensemble(
    py: Python<'_>,
    graph: &PyGraph,
    out: PathBuf,
    pop: String,
    steps: u64,
    districts: Option<usize>,
    tol: f64,
    chains: u32,
    seed: u64,
    elections: Vec<(String, String, String)>,
    assignment: Option<String>,
    plan_csv: Option<PathBuf>,
    initial_labels: Option<Vec<String>>,
    initial_info: Option<String>,
    county: Option<String>,
    county_prefix: Option<usize>,
    max_county_splits: Option<u32>,
    proposal: &str,
    pair_selection: &str,
    tree_attempts: u32,
    balance_bound: u32,
    thin: u64,
    burn_in: u64,
    record: &str,
    compress: &str,
    track: Vec<String>,
    threads: Option<usize>,
    checkpoint_every: u64,
    resume: bool,
    parquet: bool,
    chain_range: Option<(u32, u32)>,
    progress: Option<Py<PyAny>>,
) -> PyResult<String> {
    let kind = match proposal {
        "recom" => ProposalKind::Recom,
        "reversible-recom" | "reversible_recom" => ProposalKind::ReversibleRecom,
        "flip" => ProposalKind::Flip,
        other => {
            return Err(err_msg(format!(
                "unknown proposal {other:?} (expected recom, reversible-recom or flip)"
            )))
        }
    };
    let pairs = match pair_selection {
        "cut-edge" | "cut_edge" => PairSelection::CutEdge,
        "district-pair" | "district_pair" => PairSelection::DistrictPair,
        other => {
            return Err(err_msg(format!(
                "unknown pair_selection {other:?} (expected cut-edge or district-pair)"
            )))
        }
    };
    let record = match record {
        "every" => Record::Every,
        "thinned" => Record::Thinned,
        "stats-only" | "stats_only" => Record::StatsOnly,
        other => {
            return Err(err_msg(format!("unknown record {other:?} (expected every, thinned or stats-only)")))
        }
    };
    let compression = match compress {
        "delta" => Compression::Delta,
        "none" => Compression::None,
        other => return Err(err_msg(format!("unknown compress {other:?} (expected delta or none)"))),
    };
    if out.exists() && !out.is_dir() {
        return Err(err_msg(format!(
            "out {}: is a file; out names the run directory to create (or, with resume=True, an existing run \
             directory)",
            out.display()
        )));
    }
    if resume && !out.join(run::MANIFEST).is_file() {
        return Err(err_msg(format!(
            "resume: {} holds no run (no {}) to continue",
            out.display(),
            run::MANIFEST
        )));
    }
    if parquet && !run::PARQUET_AVAILABLE {
        return Err(err_msg(PARQUET_HELP));
    }
    let initial = match (assignment, plan_csv, initial_labels) {
        (Some(col), _, _) => InitialPlan::Column(col),
        (None, Some(csv), _) => InitialPlan::Csv(csv),
        (None, None, Some(labels)) => {
            let info = match initial_info {
                Some(s) => serde_json::from_str(&s).map_err(err)?,
                None => serde_json::json!({ "kind": "given" }),
            };
            InitialPlan::Given { plan: Plan::from_labels(&labels), info }
        }
        (None, None, None) => InitialPlan::Generated,
    };
    let county = match (county, county_prefix) {
        (Some(c), _) => Some(CountySource::Column(c)),
        (None, Some(n)) => Some(CountySource::Prefix(n)),
        (None, None) => None,
    };
    let chain_range = chain_range.map(|(a, b)| a..b);
    let own = chain_range.as_ref().map_or(chains, |r| r.end.saturating_sub(r.start)).max(1);
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    let threads = threads.unwrap_or(cores).clamp(1, own as usize);
    let cancel = Arc::new(AtomicBool::new(false));
    let done = Arc::new(AtomicU64::new(0));
    let exec = Execution {
        threads,
        progress: false,
        checkpoint_every,
        stop_after: None,
        parquet,
        chain_range,
        cancel: Some(cancel.clone()),
        steps_done: Some(done.clone()),
        disk_full: None,
    };
    let total = own as u64 * steps;
    let source = graph.graph_source();
    let g = graph.graph.clone();
    let key = graph.key.clone();

    let (tx, rx) = mpsc::channel();
    // `detach` needs a Sync environment; the receiver is only used by this thread.
    let rx = std::sync::Mutex::new(rx);
    let (result, interrupt) = py.detach(|| {
        std::thread::scope(|scope| {
            let worker = scope.spawn(|| {
                let r = (|| -> Result<String, PyErr> {
                    let prepared = setup::prepare(Setup {
                        graph: &g,
                        source: &source,
                        key: &key,
                        pop: &pop,
                        districts,
                        tolerance: tol,
                        elections,
                        initial,
                        county,
                        max_county_splits,
                        tracked: track,
                        seed,
                    })
                    .map_err(err)?;
                    let spec = RunSpec {
                        problem: &prepared.problem,
                        initial: prepared.initial,
                        district_labels: prepared.district_labels,
                        params: ChainParams {
                            seed,
                            chains,
                            steps,
                            thin,
                            burn_in,
                            record,
                            compression,
                            proposal: ProposalConfig {
                                kind,
                                pair_selection: pairs,
                                tree_attempts,
                                balance_bound,
                                ..ProposalConfig::default()
                            },
                        },
                        inputs: prepared.inputs,
                    };
                    if !resume {
                        let est = run::estimate(spec.problem, &spec.initial, &spec.params, own as u64);
                        if let Some(note) = est.warning(&spec.params, &out) {
                            let _ = tx.send(Event::Note(note));
                        }
                    }
                    let summary = run::run(&out, &spec, &exec, resume).map_err(err)?;
                    serde_json::to_string(&summary.manifest).map_err(err)
                })();
                let _ = tx.send(Event::Done);
                r
            });
            let mut interrupt: Option<PyErr> = None;
            let mut last = Instant::now();
            loop {
                match rx.lock().expect("not poisoned").recv_timeout(Duration::from_millis(100)) {
                    Ok(Event::Done) | Err(mpsc::RecvTimeoutError::Disconnected) => break,
                    Ok(Event::Note(note)) => {
                        // The size estimate of a large run, as a UserWarning (shown by default).
                        Python::attach(|py| {
                            let msg = std::ffi::CString::new(note.replace('\0', " ")).unwrap_or_default();
                            let category = py.get_type::<pyo3::exceptions::PyUserWarning>();
                            if let Err(e) = PyErr::warn(py, &category, &msg, 1) {
                                // `warnings` set to "error": stop the run like Ctrl-C does.
                                cancel.store(true, Ordering::Relaxed);
                                interrupt.get_or_insert(e);
                            }
                        });
                        continue;
                    }
                    Err(mpsc::RecvTimeoutError::Timeout) => {}
                }
                if interrupt.is_some() {
                    continue;
                }
                Python::attach(|py| {
                    if let Err(e) = py.check_signals() {
                        cancel.store(true, Ordering::Relaxed);
                        interrupt = Some(e);
                        return;
                    }
                    if let Some(cb) = &progress {
                        if last.elapsed() >= Duration::from_millis(200) {
                            last = Instant::now();
                            if let Err(e) = cb.call1(py, (done.load(Ordering::Relaxed), total)) {
                                cancel.store(true, Ordering::Relaxed);
                                interrupt = Some(e);
                            }
                        }
                    }
                });
            }
            (worker.join().unwrap_or_else(|_| Err(err_msg("the ensemble thread panicked"))), interrupt)
        })
    });
    if let Some(e) = interrupt {
        return Err(e);
    }
    let manifest = result?;
    if let Some(cb) = &progress {
        cb.call1(py, (done.load(Ordering::Relaxed), total))?;
    }
    Ok(manifest)
}

/// What the chains' thread tells the caller's thread.
enum Event {
    /// A note for the user (the size estimate of a large run).
    Note(String),
    Done,
}

const PARQUET_HELP: &str = "parquet=True: this redraw package was built without Parquet support; \
     reinstall it with `MATURIN_PEP517_ARGS=\"--features parquet\" pip install ./python`, or write \
     run.stats_arrow() with pyarrow.parquet.write_table";

/// Merges shard directories into `out` (`redraw merge`); returns the merged manifest JSON.
#[pyfunction]
#[pyo3(signature = (shards, out, parquet=false))]
fn merge_shards(py: Python<'_>, shards: Vec<PathBuf>, out: PathBuf, parquet: bool) -> PyResult<String> {
    if parquet && !run::PARQUET_AVAILABLE {
        return Err(err_msg(PARQUET_HELP));
    }
    py.detach(|| {
        let m = redraw_ensemble::shard::merge(&shards, &out, parquet).map_err(err)?;
        serde_json::to_string(&m).map_err(err)
    })
}

/// Reads a run's stats.csv into int64 columns: `(names, arrays, null masks)`; a column with
/// empty cells (county_splits without counties) has a boolean mask, the others `None`.
#[pyfunction]
#[allow(clippy::type_complexity)]
fn read_stats<'py>(
    py: Python<'py>,
    path: PathBuf,
) -> PyResult<(Vec<String>, Vec<Bound<'py, PyArray1<i64>>>, Vec<Option<Bound<'py, PyArray1<bool>>>>)> {
    let (names, cols, masks) = py.detach(|| parse_stats(&path))?;
    let arrays = cols.into_iter().map(|c| PyArray1::from_vec(py, c)).collect();
    let masks = masks.into_iter().map(|m| m.map(|m| PyArray1::from_vec(py, m))).collect();
    Ok((names, arrays, masks))
}

#[allow(clippy::type_complexity)]
fn parse_stats(path: &Path) -> PyResult<(Vec<String>, Vec<Vec<i64>>, Vec<Option<Vec<bool>>>)> {
    let f = File::open(path).map_err(|e| err_msg(format!("cannot read {}: {e}", path.display())))?;
    let mut r = BufReader::with_capacity(1 << 16, f);
    let mut line = String::new();
    r.read_line(&mut line).map_err(|e| err_msg(format!("{}: {e}", path.display())))?;
    let names: Vec<String> = split_csv(line.trim_end_matches(['\n', '\r']));
    let k = names.len();
    let mut cols: Vec<Vec<i64>> = vec![Vec::new(); k];
    let mut masks: Vec<Option<Vec<bool>>> = vec![None; k];
    let mut row = 0usize;
    let mut ln = 1u64;
    loop {
        line.clear();
        let n = r.read_line(&mut line).map_err(|e| err_msg(format!("{}: {e}", path.display())))?;
        if n == 0 {
            break;
        }
        ln += 1;
        let text = line.trim_end_matches(['\n', '\r']);
        let mut fields = text.split(',');
        for (j, col) in cols.iter_mut().enumerate() {
            let f = fields.next().ok_or_else(|| {
                err_msg(format!("{} line {ln}: {} fields, expected {k}", path.display(), j))
            })?;
            if f.is_empty() {
                masks[j].get_or_insert_with(|| vec![false; row]).push(true);
                col.push(0);
            } else {
                let v: i64 = f.parse().map_err(|_| {
                    err_msg(format!(
                        "{} line {ln}, column {}: expected an integer, found {f:?}",
                        path.display(),
                        names[j]
                    ))
                })?;
                if let Some(m) = &mut masks[j] {
                    m.push(false);
                }
                col.push(v);
            }
        }
        if fields.next().is_some() {
            return Err(err_msg(format!("{} line {ln}: more than {k} fields", path.display())));
        }
        row += 1;
    }
    Ok((names, cols, masks))
}

/// Splits a CSV header line (RFC 4180 quotes, as run.rs writes labels that need them).
fn split_csv(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                cur.push('"');
                chars.next();
            }
            ('"', _) => quoted = !quoted,
            (',', false) => out.push(std::mem::take(&mut cur)),
            _ => cur.push(c),
        }
    }
    out.push(cur);
    out
}

/// Streams the plans of a run's assignments.bin as numpy uint16 arrays. Fixed-size records
/// (version 1, `--compress none`) are read straight from the file into the array they are
/// returned in (one-byte labels are widened in place), so a plan is copied once; delta records
/// (version 2) are decoded by `redraw_ensemble::AssignmentReader`, then copied.
#[pyclass(module = "redraw._redraw")]
pub struct Assignments {
    file: File,
    /// Version 2 files: the decoder (it owns its own handle on the file).
    decoder: Option<redraw_ensemble::AssignmentReader<BufReader<File>>>,
    decoded: Vec<u32>,
    path: PathBuf,
    header: Header,
    remaining: u64,
    batch: usize,
    scratch: Vec<u8>,
}

#[pymethods]
impl Assignments {
    /// Opens `path`; `batch` plans per item (0: one plan per item, as a 1-D array).
    #[new]
    #[pyo3(signature = (path, batch=0))]
    fn new(path: PathBuf, batch: usize) -> PyResult<Self> {
        let f = File::open(&path).map_err(|e| err_msg(format!("cannot read {}: {e}", path.display())))?;
        let len = f.metadata().map_err(|e| err_msg(format!("{}: {e}", path.display())))?.len();
        let reader = redraw_ensemble::AssignmentReader::with_file_len(&f, len)
            .map_err(|e| err_msg(format!("{}: {e}", path.display())))?;
        let header = *reader.header();
        let mut file = f;
        use std::io::Seek;
        file.seek(std::io::SeekFrom::Start(HEADER_LEN as u64)).map_err(|e| err_msg(e.to_string()))?;
        let decoder = match header.compression {
            Compression::None => None,
            Compression::Delta => {
                let f =
                    File::open(&path).map_err(|e| err_msg(format!("cannot read {}: {e}", path.display())))?;
                Some(
                    redraw_ensemble::AssignmentReader::with_file_len(
                        BufReader::with_capacity(1 << 16, f),
                        len,
                    )
                    .map_err(|e| err_msg(format!("{}: {e}", path.display())))?,
                )
            }
        };
        Ok(Assignments {
            file,
            decoder,
            decoded: Vec::new(),
            path,
            remaining: header.samples,
            header,
            batch,
            scratch: Vec::new(),
        })
    }

    /// `(node_count, districts, samples)` from the header.
    #[getter]
    fn shape(&self) -> (u32, u32, u64) {
        (self.header.node_count, self.header.districts, self.header.samples)
    }

    /// Skips the next `m` plans (at most the plans left) without returning them: a seek for
    /// fixed-size records, a decode (no copy) for delta records, which depend on the ones
    /// before them.
    fn skip(&mut self, py: Python<'_>, m: u64) -> PyResult<()> {
        let m = m.min(self.remaining);
        let path = self.path.clone();
        let r = match &mut self.decoder {
            None => {
                use std::io::Seek;
                let len = m.saturating_mul(self.header.record_len() as u64);
                let file = &mut self.file;
                py.detach(|| file.seek(std::io::SeekFrom::Current(len as i64)).map(|_| ()))
            }
            Some(d) => {
                let a = &mut self.decoded;
                py.detach(|| {
                    for _ in 0..m {
                        d.next_into(a)?;
                    }
                    Ok(())
                })
            }
        };
        r.map_err(|e| err_msg(format!("{}: {e}", path.display())))?;
        self.remaining -= m;
        Ok(())
    }

    fn __iter__(slf: PyRef<'_, Self>) -> PyRef<'_, Self> {
        slf
    }

    /// The next plan `(chain, step, labels)`, or with `batch` the next up to `batch` plans
    /// `(chains u32[m], steps u64[m], labels u16[m, n])`.
    fn __next__<'py>(&mut self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        if self.remaining == 0 {
            return Ok(None);
        }
        let n = self.header.node_count as usize;
        let m = if self.batch == 0 { 1 } else { (self.batch as u64).min(self.remaining) as usize };
        let chains = PyArray1::<u32>::zeros(py, m, false);
        let steps = PyArray1::<u64>::zeros(py, m, false);
        let labels = PyArray2::<u16>::zeros(py, [m, n], false);
        {
            let mut c = chains.readwrite();
            let mut s = steps.readwrite();
            let mut l = labels.readwrite();
            let (cs, ss, ls) = (
                c.as_slice_mut().expect("contiguous"),
                s.as_slice_mut().expect("contiguous"),
                l.as_slice_mut().expect("contiguous"),
            );
            let wide = self.header.label_bytes == 2;
            let (file, scratch, path) = (&mut self.file, &mut self.scratch, &self.path);
            let r = match &mut self.decoder {
                None => py.detach(|| read_records(file, scratch, n, wide, cs, ss, ls)),
                Some(d) => {
                    let a = &mut self.decoded;
                    py.detach(|| decode_records(d, a, cs, ss, ls))
                }
            };
            r.map_err(|e| err_msg(format!("{}: {e}", path.display())))?;
        }
        self.remaining -= m as u64;
        if self.batch == 0 {
            let c = chains.readonly().as_slice().expect("contiguous")[0];
            let s = steps.readonly().as_slice().expect("contiguous")[0];
            let row = labels.reshape([n])?;
            return Ok(Some((c, s, row).into_pyobject(py)?.into_any()));
        }
        Ok(Some((chains, steps, labels).into_pyobject(py)?.into_any()))
    }
}

fn decode_records(
    reader: &mut redraw_ensemble::AssignmentReader<BufReader<File>>,
    a: &mut Vec<u32>,
    chains: &mut [u32],
    steps: &mut [u64],
    labels: &mut [u16],
) -> std::io::Result<()> {
    let n = labels.len() / chains.len().max(1);
    for (i, row) in labels.chunks_exact_mut(n.max(1)).enumerate() {
        let Some((c, s)) = reader.next_into(a)? else {
            return Err(std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                "fewer records than the header says",
            ));
        };
        chains[i] = c;
        steps[i] = s;
        for (d, &x) in row.iter_mut().zip(a.iter()) {
            *d = x as u16;
        }
    }
    Ok(())
}

fn read_records(
    file: &mut File,
    scratch: &mut Vec<u8>,
    n: usize,
    wide: bool,
    chains: &mut [u32],
    steps: &mut [u64],
    labels: &mut [u16],
) -> std::io::Result<()> {
    let mut prefix = [0u8; 12];
    for (i, row) in labels.chunks_exact_mut(n).enumerate() {
        file.read_exact(&mut prefix)?;
        chains[i] = u32::from_le_bytes(prefix[..4].try_into().unwrap());
        steps[i] = u64::from_le_bytes(prefix[4..].try_into().unwrap());
        if wide && cfg!(target_endian = "little") {
            // SAFETY: a u16 slice viewed as its bytes; u8 has no alignment or validity needs.
            let bytes = unsafe { std::slice::from_raw_parts_mut(row.as_mut_ptr().cast::<u8>(), 2 * n) };
            file.read_exact(bytes)?;
        } else if wide {
            scratch.resize(2 * n, 0);
            file.read_exact(scratch)?;
            for (d, s) in row.iter_mut().zip(scratch.chunks_exact(2)) {
                *d = u16::from_le_bytes([s[0], s[1]]);
            }
        } else {
            // Read the n bytes into the first half of the row's own memory, then widen from
            // the back: element i (bytes 2i, 2i+1) never overwrites an unread byte j < i.
            // SAFETY: as above.
            let bytes = unsafe { std::slice::from_raw_parts_mut(row.as_mut_ptr().cast::<u8>(), 2 * n) };
            file.read_exact(&mut bytes[..n])?;
            for i in (0..n).rev() {
                let b = bytes[i];
                let w = (b as u16).to_ne_bytes();
                bytes[2 * i] = w[0];
                bytes[2 * i + 1] = w[1];
            }
        }
    }
    Ok(())
}
