//! What a chain records and how it reaches the disk without slowing the chain.
//!
//! - [`Record`] (`--record`): which steps get a stats.csv row and which a plan in
//!   assignments.bin (see [`crate::run::ChainParams::records`] and `records_plan`).
//! - [`Recorder`]: the chain's side. It formats rows and encodes plans (an
//!   [`Encoder`](crate::assignments::Encoder): delta records against the chain's previous
//!   plan, or raw) into a batch of a few hundred kilobytes, and hands full batches to the
//!   chain's writer thread through a bounded queue; emptied batches come back, so a chain
//!   allocates nothing per step. The chain waits only when its writer is [`DEPTH`] batches
//!   behind (a disk slower than the chain), never for a `write` or an `fsync`.
//! - [`Writer`]: the writer thread of one chain. It appends the batches to the chain's part
//!   files, keeping their checksums ([`PartSum`]), and writes checkpoints in order: the parts
//!   are flushed and synced before a checkpoint that vouches for them is written. So the
//!   bytes, the checkpoints and the resume are exactly those of writing on the chain's thread.
//! - [`estimate`]: the bytes a run will write, printed before a large run.

use std::fs::OpenOptions;
use std::io::{BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, Receiver, Sender, SyncSender};

use serde::{Deserialize, Serialize};

use crate::assignments::{label_bytes, Compression, Encoder, ENCODED_PREFIX};
use crate::checkpoint::{Checkpoint, PartSum};
use crate::fsio::{self, Budget, BudgetFile};
use crate::partition::Partition;
use crate::problem::Problem;
use crate::proposal::ProposalKind;
use crate::run::{ChainParams, RunError};

/// What a run records at the steps its `--burn-in` and `--thin` select (`--record`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Record {
    /// A stats.csv row and the plan at every `thin`-th step.
    #[default]
    Every,
    /// A stats.csv row at every step after burn-in (full resolution for the trace plots and
    /// diagnostics), and the plan only at every `thin`-th step: rows are cheap, plans are not.
    Thinned,
    /// The stats.csv rows of `every`, and no assignments.bin at all.
    StatsOnly,
}

impl Record {
    pub fn name(self) -> &'static str {
        match self {
            Record::Every => "every",
            Record::Thinned => "thinned",
            Record::StatsOnly => "stats-only",
        }
    }
}

fn io_at(path: &Path) -> impl Fn(std::io::Error) -> RunError + '_ {
    move |error| RunError::Io { path: path.to_path_buf(), error }
}

/// One part file of a chain, open for appending, with the checksum of everything in it.
pub(crate) struct PartWriter {
    path: PathBuf,
    out: BufWriter<BudgetFile>,
    pub(crate) sum: PartSum,
}

impl PartWriter {
    /// Opens a part for a chain resuming at a checkpoint that recorded `len` bytes with
    /// checksum `sum` (a fresh chain: 0 and the empty checksum). Bytes after `len` (written
    /// after the checkpoint by a killed process) are dropped; the first `len` bytes must be
    /// exactly what the chain wrote, or the resume is refused.
    pub(crate) fn open(path: PathBuf, len: u64, sum: u64, budget: &Budget) -> Result<PartWriter, RunError> {
        let mut f = OpenOptions::new()
            .create(true)
            .read(true)
            .write(true)
            .truncate(false)
            .open(&path)
            .map_err(io_at(&path))?;
        let have = f.metadata().map_err(io_at(&path))?.len();
        let refuse = |msg: String| RunError::Checkpoint { path: path.clone(), msg };
        if have < len {
            // `set_len` would pad with zeros: recorded samples were lost, refuse to continue.
            return Err(refuse(format!(
                "the part file holds {have} bytes but its checkpoint recorded {len}"
            )));
        }
        let mut check = PartSum::default();
        let mut buf = vec![0u8; 1 << 16];
        let mut left = len;
        while left > 0 {
            let want = left.min(buf.len() as u64) as usize;
            f.read_exact(&mut buf[..want]).map_err(io_at(&path))?;
            check.update(&buf[..want]);
            left -= want as u64;
        }
        if check.value() != sum {
            return Err(refuse(format!(
                "its first {len} bytes do not match the checksum its checkpoint recorded: the part was \
                 modified or damaged after the checkpoint, so the run cannot be resumed; start a new run"
            )));
        }
        f.set_len(len).map_err(io_at(&path))?;
        f.seek(SeekFrom::End(0)).map_err(io_at(&path))?;
        Ok(PartWriter {
            out: BufWriter::with_capacity(1 << 16, BudgetFile::new(f, budget)),
            path,
            sum: check,
        })
    }

    fn write(&mut self, bytes: &[u8]) -> Result<(), RunError> {
        self.sum.update(bytes);
        self.out.write_all(bytes).map_err(io_at(&self.path))
    }

    fn flush(&mut self) -> Result<(), RunError> {
        self.out.flush().map_err(io_at(&self.path))
    }

    /// Flushes and syncs the data to disk (before a checkpoint vouches for it).
    fn sync(&mut self) -> Result<(), RunError> {
        self.flush()?;
        self.out.get_ref().file.sync_data().map_err(io_at(&self.path))
    }
}

/// Bytes a chain gathers before handing them to its writer.
const BATCH: usize = 1 << 18;
/// Batches in flight between a chain and its writer before the chain waits.
pub(crate) const DEPTH: usize = 4;

/// Rows and encoded plans on their way to the part files.
#[derive(Default)]
struct Batch {
    stats: Vec<u8>,
    asg: Vec<u8>,
}

enum Msg {
    Data(Batch),
    /// Flush and sync the parts, then write this checkpoint (its part lengths and checksums
    /// are filled in by the writer, which knows them).
    Checkpoint(Box<Checkpoint>),
}

/// The writer thread of one chain: its part files and checkpoint.
pub(crate) struct Writer<'a> {
    pub(crate) stats: PartWriter,
    /// `None` when the run records no plans.
    pub(crate) asg: Option<PartWriter>,
    pub(crate) ckpt: &'a Path,
    pub(crate) budget: &'a Budget,
}

/// The checksums of what a chain's writer wrote to its parts.
pub(crate) struct Written {
    pub(crate) stats: PartSum,
    pub(crate) asg: PartSum,
}

impl Writer<'_> {
    /// Writes what the chain sends until it hangs up, then flushes (without syncing: a
    /// finished chain's parts are merged at once, and a checkpoint vouches only for synced
    /// bytes). An error ends the thread, which the chain notices at its next hand-over.
    fn run(mut self, rx: Receiver<Msg>, free: Sender<Batch>) -> Result<Written, RunError> {
        for msg in rx {
            match msg {
                Msg::Data(mut b) => {
                    self.stats.write(&b.stats)?;
                    if let Some(a) = &mut self.asg {
                        a.write(&b.asg)?;
                    }
                    b.stats.clear();
                    b.asg.clear();
                    // The chain may have finished; then the batch is simply dropped.
                    let _ = free.send(b);
                }
                Msg::Checkpoint(mut ck) => {
                    self.stats.sync()?;
                    let asg = match &mut self.asg {
                        Some(a) => {
                            a.sync()?;
                            a.sum
                        }
                        None => PartSum::default(),
                    };
                    ck.stats_len = self.stats.sum.len();
                    ck.stats_sum = self.stats.sum.value();
                    ck.asg_len = asg.len();
                    ck.asg_sum = asg.value();
                    fsio::write_atomic_budget(self.ckpt, &ck.encode(), self.budget)
                        .map_err(io_at(self.ckpt))?;
                }
            }
        }
        self.stats.flush()?;
        let asg = match &mut self.asg {
            Some(a) => {
                a.flush()?;
                a.sum
            }
            None => PartSum::default(),
        };
        Ok(Written { stats: self.stats.sum, asg })
    }

    /// Starts the writer on its own thread in `scope` and returns the chain's side.
    pub(crate) fn spawn<'scope, 'env>(
        self,
        scope: &'scope std::thread::Scope<'scope, 'env>,
        chain: u32,
        encoder: Encoder,
    ) -> Result<(Recorder, std::thread::ScopedJoinHandle<'scope, Result<Written, RunError>>), RunError>
    where
        Self: 'scope,
    {
        let (tx, rx) = mpsc::sync_channel(DEPTH);
        let (free_tx, free_rx) = mpsc::channel();
        let handle = std::thread::Builder::new()
            .name(format!("redraw-writer-{chain}"))
            .spawn_scoped(scope, move || self.run(rx, free_tx))
            .map_err(|e| {
                RunError::Threads(format!("cannot start the writer thread of chain {chain}: {e}"))
            })?;
        let recorder = Recorder {
            tx: Some(tx),
            free: free_rx,
            batch: Batch { stats: Vec::with_capacity(BATCH), asg: Vec::with_capacity(BATCH) },
            encoder,
            row: String::new(),
        };
        Ok((recorder, handle))
    }
}

/// The writer thread stopped (its error is what joining it returns).
#[derive(Debug)]
pub(crate) struct WriterGone;

/// A chain's side of its recording (see the module docs).
pub(crate) struct Recorder {
    tx: Option<SyncSender<Msg>>,
    free: Receiver<Batch>,
    batch: Batch,
    encoder: Encoder,
    row: String,
}

impl Recorder {
    /// Records the state after `step`: its row, and its plan when `plan` is set.
    pub(crate) fn record(
        &mut self,
        p: &Problem,
        part: &Partition,
        chain: u32,
        step: u64,
        accepted: bool,
        plan: bool,
    ) -> Result<(), WriterGone> {
        self.row.clear();
        crate::run::stats_row(&mut self.row, p, part, chain, step, accepted);
        self.batch.stats.extend_from_slice(self.row.as_bytes());
        if plan {
            self.encoder.encode(&mut self.batch.asg, chain, step, part.assignment());
        }
        if self.batch.stats.len() + self.batch.asg.len() >= BATCH {
            self.send_batch()?;
        }
        Ok(())
    }

    fn send_batch(&mut self) -> Result<(), WriterGone> {
        if self.batch.stats.is_empty() && self.batch.asg.is_empty() {
            return Ok(());
        }
        // A batch the writer emptied, or (until DEPTH + 1 exist) a new one.
        let next = self
            .free
            .try_recv()
            .unwrap_or_else(|_| Batch { stats: Vec::with_capacity(BATCH), asg: Vec::with_capacity(BATCH) });
        let full = std::mem::replace(&mut self.batch, next);
        self.tx.as_ref().ok_or(WriterGone)?.send(Msg::Data(full)).map_err(|_| WriterGone)
    }

    /// Hands over everything recorded so far, then a checkpoint of `ck` (whose reference plan
    /// is set here; the writer fills in the part lengths and checksums).
    pub(crate) fn checkpoint(&mut self, mut ck: Checkpoint) -> Result<(), WriterGone> {
        self.send_batch()?;
        ck.reference = self.encoder.reference().map(<[u32]>::to_vec);
        self.tx.as_ref().ok_or(WriterGone)?.send(Msg::Checkpoint(Box::new(ck))).map_err(|_| WriterGone)
    }

    /// Hands over everything recorded so far and hangs up: the writer then flushes and ends.
    pub(crate) fn finish(&mut self) -> Result<(), WriterGone> {
        let r = self.send_batch();
        self.tx = None;
        r
    }
}

/// What a run is expected to write (see [`estimate`]).
#[derive(Clone, Debug, PartialEq)]
pub struct SizeEstimate {
    /// stats.csv rows and their bytes (from the initial plan's row).
    pub rows: u64,
    pub stats_bytes: u64,
    /// Plans written to assignments.bin.
    pub plans: u64,
    /// Their bytes stored raw (`--compress none`, exact).
    pub plans_raw_bytes: u64,
    /// Their bytes as the run stores them (for `--compress delta` an estimate, see [`estimate`]).
    pub plans_bytes: u64,
}

/// Runs estimated to write more than this get a warning before they start.
pub const WARN_BYTES: u64 = 1_000_000_000;

impl SizeEstimate {
    pub fn total(&self) -> u64 {
        self.stats_bytes.saturating_add(self.plans_bytes)
    }

    /// The warning printed before a run of more than [`WARN_BYTES`] (CLI: on stderr; Python: a
    /// `ResourceWarning`), or `None` for a smaller run.
    pub fn warning(&self, params: &ChainParams, out: &Path) -> Option<String> {
        if self.total() <= WARN_BYTES {
            return None;
        }
        let stats = format!("stats.csv {} ({} rows)", human_bytes(self.stats_bytes), group(self.rows));
        let plans = match (params.record, params.compression) {
            (Record::StatsOnly, _) => "no assignments.bin (--record stats-only)".to_string(),
            (_, Compression::None) => format!(
                "assignments.bin {} ({} plans, uncompressed: --compress delta stores them in far less)",
                human_bytes(self.plans_bytes),
                group(self.plans)
            ),
            (_, Compression::Delta) => format!(
                "assignments.bin about {} ({} plans as deltas; {} uncompressed)",
                human_bytes(self.plans_bytes),
                group(self.plans),
                human_bytes(self.plans_raw_bytes)
            ),
        };
        let advice = match params.record {
            Record::Every => "; --record thinned keeps every row but only every --thin-th plan, --record stats-only no plan",
            Record::Thinned => "; --record stats-only keeps the rows and no plan",
            Record::StatsOnly => "; a larger --thin writes fewer rows",
        };
        Some(format!(
            "this run will write about {} to {}: {stats}, {plans}{advice}",
            human_bytes(self.total()),
            out.display()
        ))
    }
}

/// `1234567` as `1,234,567`.
fn group(x: u64) -> String {
    let s = x.to_string();
    let mut out = String::with_capacity(s.len() + s.len() / 3);
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Estimates the bytes a run of the chains in `chains` writes: stats.csv from the initial
/// plan's row times the rows; assignments.bin exactly when raw, and for delta records from the
/// nodes a step can change. A ReCom step redraws two of k districts, so `thin` steps change at
/// most about `min(n, thin * 2n/k)` nodes. Measured on the PA and CA bench graphs (2 % ReCom),
/// a delta payload costs 0.14 (CA) to 0.21 (PA) byte per such node at `--thin 1` and 0.18 (PA)
/// at `--thin 10` (changes come in long runs of consecutive nodes); this takes 0.25, so the
/// estimate errs on the large side. Flip changes one node a step.
pub fn estimate(p: &Problem, initial: &[u32], params: &ChainParams, chains: u64) -> SizeEstimate {
    let rows = params.samples_per_chain().saturating_mul(chains);
    let plans = params.plans_per_chain().saturating_mul(chains);
    let row_len = match Partition::new(p, initial.to_vec()) {
        Ok(part) => {
            let mut s = String::new();
            crate::run::stats_row(&mut s, p, &part, 0, params.steps, true);
            s.len() as u64
        }
        Err(_) => 0,
    };
    let (n, k) = (p.node_count() as u64, p.districts() as u64);
    let raw = n * label_bytes(p.districts()) as u64;
    let per_plan = match params.compression {
        Compression::None => 12 + raw,
        Compression::Delta => {
            let moved_per_step = match params.proposal.kind {
                ProposalKind::Flip => 1,
                _ => (2 * n).div_ceil(k),
            };
            let changed = moved_per_step.saturating_mul(params.thin).min(n);
            ENCODED_PREFIX as u64 + (changed.div_ceil(4)).min(raw)
        }
    };
    SizeEstimate {
        rows,
        stats_bytes: rows.saturating_mul(row_len),
        plans,
        plans_raw_bytes: plans.saturating_mul(12 + raw),
        plans_bytes: plans.saturating_mul(per_plan),
    }
}

/// `bytes` for people: "3.7 GB", "512 MB", "12 kB" (SI units, as disks are sold).
pub fn human_bytes(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["bytes", "kB", "MB", "GB", "TB"];
    let mut x = bytes as f64;
    let mut u = 0;
    while x >= 1000.0 && u + 1 < UNITS.len() {
        x /= 1000.0;
        u += 1;
    }
    if u == 0 {
        format!("{bytes} bytes")
    } else if x < 10.0 {
        format!("{x:.1} {}", UNITS[u])
    } else {
        format!("{x:.0} {}", UNITS[u])
    }
}
