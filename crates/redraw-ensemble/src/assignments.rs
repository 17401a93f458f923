//! The assignments file of a run (`assignments.bin`): every recorded plan, compactly.
//!
//! Layout (all integers little-endian; specified in `docs/run-format.md`):
//!
//! ```text
//! header (32 bytes):
//!   magic        8 bytes  "RDRWASG1"
//!   version      u32      1 (fixed-size records) or 2 (encoded records)
//!   node_count   u32      n
//!   districts    u32      k
//!   label_bytes  u32      1 if k <= 256, else 2
//!   samples      u64      number of records that follow
//! version 1 record (12 + n * label_bytes bytes), in (chain, step) order:
//!   chain        u32
//!   step         u64
//!   labels       n x u8 (or u16): district index of node 0..n-1 (index into the manifest's
//!                district_labels; node order is the graph's node order)
//! version 2 record (17 + len bytes), in (chain, step) order:
//!   chain u32, step u64, kind u8, len u32, payload (len bytes, at most n * label_bytes):
//!   kind 0 raw    n x u8 (or u16), as in version 1
//!   kind 1 runs   (count, label) varint pairs covering the n nodes in order
//!   kind 2 delta  (skip, count, label) varint triples against the chain's previous record:
//!                 leave `skip` nodes unchanged, then set `count` nodes to `label`
//! ```
//!
//! Version 2 ([`Compression::Delta`]) is what `--compress delta` writes: a chain's first record
//! is a keyframe (kind 0 or 1), every later one the smallest of the three kinds. A ReCom step
//! redraws two districts, so a delta holds the few runs of nodes that changed: PA and CA plans
//! shrink 40-100 fold (`docs/run-format.md` has the measurements). The [`Encoder`] finds the
//! changed nodes with one pass comparing 16 nodes at a time against its copy of the previous
//! plan, and updates that copy as it goes, so encoding costs about a memory scan of the plan.
//!
//! [`AssignmentReader`] iterates the records of any `impl Read`, either version. It never trusts
//! the file's sizes for allocation: a record buffer grows only as record bytes actually arrive,
//! and a version 2 payload longer than a raw plan is refused, so a corrupt header or length
//! (say, a node count of four billion) fails with a clear error instead of allocating
//! gigabytes; [`AssignmentReader::with_file_len`] also checks the header against the file's
//! length up front.

use std::io::{self, Read, Write};

use serde::{Deserialize, Serialize};

pub const MAGIC: &[u8; 8] = b"RDRWASG1";
/// The version of fixed-size records ([`Compression::None`]); kept as `VERSION` for callers
/// that predate version 2.
pub const VERSION: u32 = 1;
/// The version of encoded records ([`Compression::Delta`]).
pub const VERSION_ENCODED: u32 = 2;
pub const HEADER_LEN: usize = 32;
/// Bytes of a version 2 record before its payload: chain, step, kind, payload length.
pub const ENCODED_PREFIX: usize = 4 + 8 + 1 + 4;

/// Record kinds of version 2.
/// The most nodes a delta-encoded file (version 2) may declare. A run-length record of a few
/// bytes can stand for any number of nodes, so the file's length does not bound the plan a
/// reader must hold, as it does for version 1; this cap does (2^25 nodes: four times the
/// 8.1 million census blocks of the whole country, a 128 MiB plan). Runs on larger graphs
/// record with `--compress none`.
pub const MAX_DELTA_NODES: u32 = 1 << 25;

const KIND_RAW: u8 = 0;
const KIND_RUNS: u8 = 1;
const KIND_DELTA: u8 = 2;

/// How `assignments.bin` stores the plans (`--compress`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Compression {
    /// Version 1: fixed-size records, one byte (or two) per node; `numpy.fromfile` reads it.
    /// What runs written before `--compress` existed hold (so a manifest without the field
    /// means this).
    #[default]
    None,
    /// Version 2: a keyframe per chain, then each plan as the runs of nodes that changed since
    /// the chain's previous recorded plan (or the smaller of runs and raw labels).
    Delta,
}

impl Compression {
    pub fn name(self) -> &'static str {
        match self {
            Compression::None => "none",
            Compression::Delta => "delta",
        }
    }
}

/// Bytes per node label for `k` districts.
pub fn label_bytes(k: usize) -> usize {
    if k <= 256 {
        1
    } else {
        2
    }
}

/// The file header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Header {
    pub node_count: u32,
    pub districts: u32,
    pub label_bytes: u32,
    pub samples: u64,
    /// Version 1 ([`Compression::None`]) or 2 ([`Compression::Delta`]).
    pub compression: Compression,
}

impl Header {
    /// A version 1 header (fixed-size records).
    pub fn new(node_count: usize, districts: usize, samples: u64) -> Header {
        Header {
            node_count: node_count as u32,
            districts: districts as u32,
            label_bytes: label_bytes(districts) as u32,
            samples,
            compression: Compression::None,
        }
    }
    /// The same header for records stored with `compression`.
    pub fn with_compression(mut self, compression: Compression) -> Header {
        self.compression = compression;
        self
    }
    pub fn version(&self) -> u32 {
        match self.compression {
            Compression::None => VERSION,
            Compression::Delta => VERSION_ENCODED,
        }
    }
    pub fn to_bytes(&self) -> [u8; HEADER_LEN] {
        let mut b = [0u8; HEADER_LEN];
        b[..8].copy_from_slice(MAGIC);
        b[8..12].copy_from_slice(&self.version().to_le_bytes());
        b[12..16].copy_from_slice(&self.node_count.to_le_bytes());
        b[16..20].copy_from_slice(&self.districts.to_le_bytes());
        b[20..24].copy_from_slice(&self.label_bytes.to_le_bytes());
        b[24..32].copy_from_slice(&self.samples.to_le_bytes());
        b
    }
    /// Bytes of a plan stored raw (`n * label_bytes`).
    pub fn raw_len(&self) -> u64 {
        self.node_count as u64 * self.label_bytes as u64
    }
    /// Bytes per version 1 record.
    pub fn record_len(&self) -> usize {
        12 + self.node_count as usize * self.label_bytes as usize
    }
    /// The fewest and most bytes one record can take.
    pub fn record_len_bounds(&self) -> (u64, u64) {
        match self.compression {
            Compression::None => (self.record_len() as u64, self.record_len() as u64),
            Compression::Delta => (ENCODED_PREFIX as u64, ENCODED_PREFIX as u64 + self.raw_len()),
        }
    }
    /// Bytes of the whole file this header describes when that is fixed (version 1), or `None`
    /// (version 2, or a size that overflows `u64`).
    pub fn file_len(&self) -> Option<u64> {
        if self.compression != Compression::None {
            return None;
        }
        (12 + self.node_count as u64 * self.label_bytes as u64)
            .checked_mul(self.samples)
            .and_then(|b| b.checked_add(HEADER_LEN as u64))
    }
    /// Whether a file of `len` bytes can hold what this header says; `Err` says why not.
    pub fn check_file_len(&self, len: u64) -> Result<(), String> {
        let (lo, hi) = self.record_len_bounds();
        let fits = |per: u64| per.checked_mul(self.samples).and_then(|b| b.checked_add(HEADER_LEN as u64));
        match (self.compression, fits(lo), fits(hi)) {
            (Compression::None, Some(want), _) if want == len => Ok(()),
            (Compression::None, want, _) => {
                let want = want.map_or_else(|| "more than 2^64".to_string(), |b| b.to_string());
                Err(format!(
                    "corrupt assignments header: {} samples of {} nodes x {} byte(s) need {want} bytes, \
                     but the file has {len}",
                    self.samples, self.node_count, self.label_bytes
                ))
            }
            (Compression::Delta, Some(min), max) if min <= len && max.is_none_or(|m| len <= m) => Ok(()),
            (Compression::Delta, min, max) => {
                let show = |b: Option<u64>| b.map_or_else(|| "more than 2^64".to_string(), |b| b.to_string());
                Err(format!(
                    "corrupt assignments header: {} encoded samples of {} nodes take between {} and {} bytes, \
                     but the file has {len}",
                    self.samples,
                    self.node_count,
                    show(min),
                    show(max)
                ))
            }
        }
    }
}

/// Appends one version 1 record (without header) to `out`.
pub fn encode_record(out: &mut Vec<u8>, chain: u32, step: u64, assignment: &[u32], k: usize) {
    out.extend_from_slice(&chain.to_le_bytes());
    out.extend_from_slice(&step.to_le_bytes());
    push_raw(out, assignment, k);
}

fn push_raw(out: &mut Vec<u8>, assignment: &[u32], k: usize) {
    if label_bytes(k) == 1 {
        out.extend(assignment.iter().map(|&d| d as u8));
    } else {
        for &d in assignment {
            out.extend_from_slice(&(d as u16).to_le_bytes());
        }
    }
}

#[inline]
fn push_varint(out: &mut Vec<u8>, mut x: u64) {
    while x >= 0x80 {
        out.push((x as u8) | 0x80);
        x >>= 7;
    }
    out.push(x as u8);
}

/// Whether 16 consecutive labels are equal, without a branch per node (vectorises).
#[inline]
fn block_eq(a: &[u32], b: &[u32]) -> bool {
    let mut x = 0u32;
    for j in 0..16 {
        x |= a[j] ^ b[j];
    }
    x == 0
}

/// Encodes one chain's recorded plans, in order, as the records of its compression. A
/// [`Compression::Delta`] encoder keeps the chain's previous recorded plan (its reference),
/// which a checkpoint saves ([`Encoder::reference`]) so that a resumed chain writes the bytes
/// of an uninterrupted one.
#[derive(Clone, Debug)]
pub struct Encoder {
    compression: Compression,
    k: usize,
    /// The previous recorded plan of the chain; empty before the first record (and always for
    /// [`Compression::None`]).
    prev: Vec<u32>,
    delta: Vec<u8>,
    runs: Vec<u8>,
}

impl Encoder {
    pub fn new(compression: Compression, k: usize) -> Encoder {
        Encoder { compression, k, prev: Vec::new(), delta: Vec::new(), runs: Vec::new() }
    }

    pub fn compression(&self) -> Compression {
        self.compression
    }

    /// The plan the next delta refers to (the chain's previous recorded plan), if any.
    pub fn reference(&self) -> Option<&[u32]> {
        (!self.prev.is_empty()).then_some(&self.prev[..])
    }

    /// Restores the reference (from a checkpoint); `None` makes the next record a keyframe.
    pub fn set_reference(&mut self, plan: Option<Vec<u32>>) {
        self.prev = if self.compression == Compression::None { Vec::new() } else { plan.unwrap_or_default() };
    }

    /// Appends the record of `assignment` (chain `chain`, step `step`) to `out`.
    pub fn encode(&mut self, out: &mut Vec<u8>, chain: u32, step: u64, assignment: &[u32]) {
        if self.compression == Compression::None {
            encode_record(out, chain, step, assignment, self.k);
            return;
        }
        let n = assignment.len();
        let raw = n * label_bytes(self.k);
        out.extend_from_slice(&chain.to_le_bytes());
        out.extend_from_slice(&step.to_le_bytes());
        let (kind, payload): (u8, &[u8]) = if self.prev.len() == n {
            self.diff(assignment);
            // Runs only when the delta is large (thinned plans, a chain's keyframe): most steps
            // change a few runs and never pay for the second pass.
            if self.delta.len() * 4 > raw {
                self.encode_runs(assignment);
                if self.runs.len() < self.delta.len() {
                    (KIND_RUNS, &self.runs)
                } else {
                    (KIND_DELTA, &self.delta)
                }
            } else {
                (KIND_DELTA, &self.delta)
            }
        } else {
            self.prev.clear();
            self.prev.extend_from_slice(assignment);
            self.encode_runs(assignment);
            (KIND_RUNS, &self.runs)
        };
        if payload.len() >= raw {
            out.push(KIND_RAW);
            out.extend_from_slice(&(raw as u32).to_le_bytes());
            push_raw(out, assignment, self.k);
        } else {
            out.push(kind);
            out.extend_from_slice(&(payload.len() as u32).to_le_bytes());
            out.extend_from_slice(payload);
        }
    }

    /// `self.delta` = the (skip, count, label) triples from `self.prev` to `a`; `self.prev`
    /// becomes `a`.
    fn diff(&mut self, a: &[u32]) {
        let prev = &mut self.prev;
        let out = &mut self.delta;
        out.clear();
        let n = a.len();
        let mut i = 0;
        let mut last = 0;
        while i < n {
            if i + 16 <= n && block_eq(&a[i..i + 16], &prev[i..i + 16]) {
                i += 16;
                continue;
            }
            if a[i] == prev[i] {
                i += 1;
                continue;
            }
            let (start, label) = (i, a[i]);
            while i < n && a[i] == label && prev[i] != label {
                prev[i] = label;
                i += 1;
            }
            push_varint(out, (start - last) as u64);
            push_varint(out, (i - start) as u64);
            push_varint(out, label as u64);
            last = i;
        }
    }

    /// `self.runs` = the (count, label) pairs of `a`.
    fn encode_runs(&mut self, a: &[u32]) {
        let out = &mut self.runs;
        out.clear();
        let mut i = 0;
        while i < a.len() {
            let (start, label) = (i, a[i]);
            while i < a.len() && a[i] == label {
                i += 1;
            }
            push_varint(out, (i - start) as u64);
            push_varint(out, label as u64);
        }
    }
}

/// Writes a header; records are then appended with an [`Encoder`] (or [`encode_record`] for
/// version 1).
pub fn write_header<W: Write>(w: &mut W, h: &Header) -> io::Result<()> {
    w.write_all(&h.to_bytes())
}

/// Streams the records of an assignments file.
pub struct AssignmentReader<R: Read> {
    inner: R,
    header: Header,
    read: u64,
    buf: Vec<u8>,
    /// Version 2: the plan of the last record and its chain (deltas apply to it).
    cur: Vec<u32>,
    cur_chain: Option<u32>,
}

fn bad(msg: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, msg)
}

/// Reads a LEB128 varint of at most 64 bits from `b` at `*at`.
fn read_varint(b: &[u8], at: &mut usize) -> Result<u64, String> {
    let mut x = 0u64;
    for shift in (0..64).step_by(7) {
        let byte = *b.get(*at).ok_or("the payload ends inside a number")?;
        *at += 1;
        x |= ((byte & 0x7F) as u64) << shift;
        if byte & 0x80 == 0 {
            if shift == 63 && byte > 1 {
                break;
            }
            return Ok(x);
        }
    }
    Err("a number in the payload exceeds 64 bits".into())
}

impl<R: Read> AssignmentReader<R> {
    /// Reads and checks the header.
    pub fn new(mut inner: R) -> io::Result<Self> {
        let mut h = [0u8; HEADER_LEN];
        inner.read_exact(&mut h).map_err(|e| bad(format!("assignments header: {e}")))?;
        if &h[..8] != MAGIC {
            return Err(bad("not a redraw assignments file (bad magic bytes)".into()));
        }
        let u32_at = |i: usize| u32::from_le_bytes(h[i..i + 4].try_into().unwrap());
        let compression = match u32_at(8) {
            VERSION => Compression::None,
            VERSION_ENCODED => Compression::Delta,
            v => {
                return Err(bad(format!(
                    "assignments format version {v}, this redraw reads {VERSION} and {VERSION_ENCODED}"
                )))
            }
        };
        let header = Header {
            node_count: u32_at(12),
            districts: u32_at(16),
            label_bytes: u32_at(20),
            samples: u64::from_le_bytes(h[24..32].try_into().unwrap()),
            compression,
        };
        if header.compression == Compression::Delta && header.node_count > MAX_DELTA_NODES {
            return Err(bad(format!(
                "corrupt assignments header: {} nodes, more than the {MAX_DELTA_NODES} a delta-encoded file may hold",
                header.node_count
            )));
        }
        if header.label_bytes as usize != label_bytes(header.districts as usize) {
            return Err(bad(format!(
                "label width {} does not match {} districts",
                header.label_bytes, header.districts
            )));
        }
        // The buffers are sized to the data actually read (see `next_into`), never to the header.
        Ok(AssignmentReader { inner, header, read: 0, buf: Vec::new(), cur: Vec::new(), cur_chain: None })
    }

    /// Like [`AssignmentReader::new`] for a source of known length `len` (an opened file's
    /// metadata length): a header whose node count, label width and sample count cannot add up
    /// to `len` bytes (exactly, for version 1) is an error naming both sizes.
    pub fn with_file_len(inner: R, len: u64) -> io::Result<Self> {
        let reader = Self::new(inner)?;
        reader.header.check_file_len(len).map_err(bad)?;
        Ok(reader)
    }

    pub fn header(&self) -> &Header {
        &self.header
    }

    /// Reads exactly `want` bytes into `self.buf` (grown with the bytes that arrive, so a lying
    /// size cannot force a huge allocation).
    fn fill(&mut self, want: usize) -> io::Result<()> {
        self.buf.clear();
        let got = (&mut self.inner)
            .take(want as u64)
            .read_to_end(&mut self.buf)
            .map_err(|e| bad(format!("record {} of {}: {e}", self.read + 1, self.header.samples)))?;
        if got != want {
            return Err(bad(format!(
                "record {} of {}: the file ends after {got} of its {want} bytes (truncated file or corrupt header)",
                self.read + 1,
                self.header.samples
            )));
        }
        Ok(())
    }

    /// Reads the next record into `assignment` (resized to `n`); returns `(chain, step)`, or
    /// `None` after the last record.
    pub fn next_into(&mut self, assignment: &mut Vec<u32>) -> io::Result<Option<(u32, u64)>> {
        if self.read == self.header.samples {
            return Ok(None);
        }
        let (chain, step) = match self.header.compression {
            Compression::None => self.next_raw(assignment)?,
            Compression::Delta => {
                let cs = self.next_encoded()?;
                assignment.clear();
                assignment.extend_from_slice(&self.cur);
                cs
            }
        };
        self.read += 1;
        Ok(Some((chain, step)))
    }

    fn next_raw(&mut self, assignment: &mut Vec<u32>) -> io::Result<(u32, u64)> {
        self.fill(self.header.record_len())?;
        let chain = u32::from_le_bytes(self.buf[0..4].try_into().unwrap());
        let step = u64::from_le_bytes(self.buf[4..12].try_into().unwrap());
        decode_raw(&self.buf[12..], self.header.label_bytes == 2, assignment);
        if let Some(&d) = assignment.iter().find(|&&d| d >= self.header.districts) {
            return Err(bad(format!(
                "record {}: district index {d} >= {}",
                self.read + 1,
                self.header.districts
            )));
        }
        Ok((chain, step))
    }

    fn next_encoded(&mut self) -> io::Result<(u32, u64)> {
        self.fill(ENCODED_PREFIX)?;
        let chain = u32::from_le_bytes(self.buf[0..4].try_into().unwrap());
        let step = u64::from_le_bytes(self.buf[4..12].try_into().unwrap());
        let kind = self.buf[12];
        let len = u32::from_le_bytes(self.buf[13..17].try_into().unwrap()) as u64;
        let rec = self.read + 1;
        let raw = self.header.raw_len();
        if len > raw {
            return Err(bad(format!(
                "record {rec}: a payload of {len} bytes, more than a plan of {} nodes takes raw ({raw})",
                self.header.node_count
            )));
        }
        self.fill(len as usize)?;
        let (n, k) = (self.header.node_count as usize, self.header.districts);
        let r = match kind {
            KIND_RAW if len == raw => {
                decode_raw(&self.buf, self.header.label_bytes == 2, &mut self.cur);
                match self.cur.iter().find(|&&d| d >= k) {
                    Some(&d) => Err(format!("district index {d} >= {k}")),
                    None => Ok(()),
                }
            }
            KIND_RAW => Err(format!("a raw plan of {len} bytes, expected {raw}")),
            KIND_RUNS => decode_runs(&self.buf, n, k, &mut self.cur),
            KIND_DELTA if self.cur_chain == Some(chain) => decode_delta(&self.buf, k, &mut self.cur),
            KIND_DELTA => Err(format!(
                "a delta record of chain {chain} follows no record of that chain (every chain starts with a full plan)"
            )),
            other => Err(format!("unknown record kind {other}")),
        };
        if let Err(msg) = r {
            // The reference is unusable after a failed decode.
            self.cur_chain = None;
            return Err(bad(format!("record {rec} (chain {chain}, step {step}): {msg}")));
        }
        self.cur_chain = Some(chain);
        Ok((chain, step))
    }
}

fn decode_raw(body: &[u8], wide: bool, assignment: &mut Vec<u32>) {
    assignment.clear();
    if wide {
        assignment.extend(body.chunks_exact(2).map(|b| u16::from_le_bytes([b[0], b[1]]) as u32));
    } else {
        assignment.extend(body.iter().map(|&b| b as u32));
    }
}

fn decode_runs(b: &[u8], n: usize, k: u32, cur: &mut Vec<u32>) -> Result<(), String> {
    cur.clear();
    let mut at = 0;
    while at < b.len() {
        let count = read_varint(b, &mut at)?;
        let label = read_varint(b, &mut at)?;
        if label >= k as u64 {
            return Err(format!("district index {label} >= {k}"));
        }
        if count == 0 || count > (n - cur.len()) as u64 {
            return Err(format!("a run of {count} nodes does not fit the {n} nodes"));
        }
        cur.resize(cur.len() + count as usize, label as u32);
    }
    if cur.len() != n {
        return Err(format!("the runs cover {} of the {n} nodes", cur.len()));
    }
    Ok(())
}

fn decode_delta(b: &[u8], k: u32, cur: &mut [u32]) -> Result<(), String> {
    let n = cur.len() as u64;
    let mut at = 0;
    let mut pos = 0u64;
    while at < b.len() {
        let skip = read_varint(b, &mut at)?;
        let count = read_varint(b, &mut at)?;
        let label = read_varint(b, &mut at)?;
        if label >= k as u64 {
            return Err(format!("district index {label} >= {k}"));
        }
        let start = pos.checked_add(skip).filter(|&s| s <= n);
        let end = start.and_then(|s| s.checked_add(count)).filter(|&e| e <= n && count > 0);
        let (Some(s), Some(e)) = (start, end) else {
            return Err(format!("a change of {count} nodes after {skip} more goes past the {n} nodes"));
        };
        cur[s as usize..e as usize].fill(label as u32);
        pos = e;
    }
    Ok(())
}

/// One recorded plan.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sample {
    pub chain: u32,
    pub step: u64,
    pub assignment: Vec<u32>,
}

impl<R: Read> Iterator for AssignmentReader<R> {
    type Item = io::Result<Sample>;
    fn next(&mut self) -> Option<Self::Item> {
        let mut a = Vec::new();
        match self.next_into(&mut a) {
            Ok(Some((chain, step))) => Some(Ok(Sample { chain, step, assignment: a })),
            Ok(None) => None,
            Err(e) => Some(Err(e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_u8_and_u16() {
        for k in [3usize, 300] {
            let h = Header::new(4, k, 2);
            let mut bytes = h.to_bytes().to_vec();
            encode_record(&mut bytes, 0, 5, &[0, 1, 2, 1], k);
            encode_record(&mut bytes, 1, 7, &[2, 2, 0, 1], k);
            assert_eq!(bytes.len(), HEADER_LEN + 2 * h.record_len());
            let got: Vec<Sample> = AssignmentReader::new(&bytes[..]).unwrap().map(Result::unwrap).collect();
            assert_eq!(got.len(), 2);
            assert_eq!(got[1], Sample { chain: 1, step: 7, assignment: vec![2, 2, 0, 1] });
        }
    }

    /// Plans that drift like a chain's: runs of a few labels, each step repainting a stretch.
    fn drifting_plans(n: usize, k: u32, steps: usize, seed: u64) -> Vec<Vec<u32>> {
        let mut x = seed | 1;
        let mut rnd = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        let mut a: Vec<u32> = (0..n).map(|i| (i * k as usize / n) as u32).collect();
        let mut out = vec![a.clone()];
        for _ in 0..steps {
            let start = (rnd() % n as u64) as usize;
            let len = 1 + (rnd() % (n as u64 / 4).max(1)) as usize;
            let label = (rnd() % k as u64) as u32;
            for v in &mut a[start..(start + len).min(n)] {
                *v = label;
            }
            if rnd() % 5 == 0 {
                // Scattered single changes (and sometimes none at all).
                for _ in 0..(rnd() % 4) {
                    let i = (rnd() % n as u64) as usize;
                    a[i] = (rnd() % k as u64) as u32;
                }
            }
            out.push(a.clone());
        }
        out
    }

    #[test]
    fn delta_round_trips_every_kind_across_chains_and_widths() {
        for (n, k) in
            [(1usize, 2u32), (15, 3), (16, 3), (17, 3), (100, 7), (1000, 300), (333, 256), (333, 257)]
        {
            let kk = k as usize;
            let mut bytes = Vec::new();
            let mut want = Vec::new();
            for chain in 0..3u32 {
                let mut enc = Encoder::new(Compression::Delta, kk);
                for (s, a) in drifting_plans(n, k, 40, 7 + chain as u64 + n as u64).into_iter().enumerate() {
                    enc.encode(&mut bytes, chain, s as u64 * 3, &a);
                    want.push(Sample { chain, step: s as u64 * 3, assignment: a });
                }
                // A fully repainted plan (the runs or raw kinds).
                let a: Vec<u32> = (0..n).map(|i| (i as u32 * 7 + chain) % k).collect();
                enc.encode(&mut bytes, chain, 1000, &a);
                want.push(Sample { chain, step: 1000, assignment: a });
            }
            let h = Header::new(n, kk, want.len() as u64).with_compression(Compression::Delta);
            let mut file = h.to_bytes().to_vec();
            file.extend_from_slice(&bytes);
            let len = file.len() as u64;
            let got: Vec<Sample> =
                AssignmentReader::with_file_len(&file[..], len).unwrap().map(Result::unwrap).collect();
            assert_eq!(got, want, "n {n}, k {k}");
            // Smaller than raw whenever plans change little.
            if n >= 100 {
                assert!(
                    bytes.len() * 2 < want.len() * (12 + n * label_bytes(kk)),
                    "n {n}: {} bytes",
                    bytes.len()
                );
            }
        }
    }

    #[test]
    fn an_unchanged_plan_is_an_empty_delta_and_a_restored_reference_continues_the_bytes() {
        let plans = drifting_plans(500, 9, 30, 3);
        let mut whole = Vec::new();
        let mut enc = Encoder::new(Compression::Delta, 9);
        for (s, a) in plans.iter().enumerate() {
            enc.encode(&mut whole, 0, s as u64, a);
        }
        // Stop after 12 plans, then continue with a new encoder given the reference (a resume).
        let mut split = Vec::new();
        let mut first = Encoder::new(Compression::Delta, 9);
        for (s, a) in plans.iter().enumerate().take(12) {
            first.encode(&mut split, 0, s as u64, a);
        }
        let mut second = Encoder::new(Compression::Delta, 9);
        second.set_reference(first.reference().map(<[u32]>::to_vec));
        for (s, a) in plans.iter().enumerate().skip(12) {
            second.encode(&mut split, 0, s as u64, a);
        }
        assert_eq!(split, whole);
        let mut one = Vec::new();
        enc.encode(&mut one, 0, 99, plans.last().unwrap());
        assert_eq!(one.len(), ENCODED_PREFIX, "a self-loop costs only the prefix");
        assert_eq!(one[12], KIND_DELTA);
    }

    #[test]
    fn corrupt_encoded_records_are_clear_errors() {
        let mut enc = Encoder::new(Compression::Delta, 3);
        let mut recs = Vec::new();
        enc.encode(&mut recs, 0, 0, &[0, 0, 1, 1, 2, 2]);
        let first = recs.len();
        enc.encode(&mut recs, 0, 1, &[0, 1, 1, 1, 2, 2]);
        let file = |body: &[u8], samples: u64| {
            let mut f = Header::new(6, 3, samples).with_compression(Compression::Delta).to_bytes().to_vec();
            f.extend_from_slice(body);
            f
        };
        let err = |f: Vec<u8>| -> String {
            AssignmentReader::new(&f[..]).unwrap().find_map(Result::err).expect("an error").to_string()
        };
        // A delta without its keyframe.
        assert!(err(file(&recs[first..], 1)).contains("follows no record of that chain"));
        // A delta of chain 1 after chain 0's keyframe.
        let mut other = recs.clone();
        other[first..first + 4].copy_from_slice(&1u32.to_le_bytes());
        assert!(err(file(&other, 2)).contains("follows no record of that chain"));
        // A label out of range inside the keyframe's runs.
        let mut bad_label = recs.clone();
        bad_label[ENCODED_PREFIX + 1] = 7;
        assert!(err(file(&bad_label, 2)).contains("district index 7 >= 3"));
        // A payload length beyond a raw plan, and an unknown kind.
        let mut long = recs.clone();
        long[13..17].copy_from_slice(&1000u32.to_le_bytes());
        assert!(err(file(&long, 2)).contains("more than a plan of 6 nodes"));
        let mut kind = recs.clone();
        kind[12] = 9;
        assert!(err(file(&kind, 2)).contains("unknown record kind 9"));
        // Truncated.
        assert!(err(file(&recs[..recs.len() - 1], 2)).contains("the file ends"));
        // The file length must fit the header.
        let f = file(&recs, 5);
        let e = AssignmentReader::with_file_len(&f[..], f.len() as u64).err().unwrap().to_string();
        assert!(e.contains("encoded samples"), "{e}");
    }

    #[test]
    fn truncated_file_is_an_error() {
        let h = Header::new(4, 3, 2);
        let mut bytes = h.to_bytes().to_vec();
        encode_record(&mut bytes, 0, 5, &[0, 1, 2, 1], 3);
        let mut r = AssignmentReader::new(&bytes[..]).unwrap();
        assert!(r.next().unwrap().is_ok());
        assert!(r.next().unwrap().is_err());
        assert!(AssignmentReader::new(&b"NOTMAGIC0000000000000000000000000"[..]).is_err());
    }

    /// Fuzz finding (assignments target, 10-minute campaign): a 118-byte delta file declaring
    /// 2^31 nodes whose first record is one run of every node made the reader allocate the whole
    /// plan (1.8 GB in the fuzzer's case, 8 GB here) before noticing anything. The node count of a
    /// delta file is now capped, and the header says so before any record is read.
    #[test]
    fn a_delta_file_cannot_declare_more_nodes_than_the_cap() {
        let mut h = Header::new(4, 3, 1).with_compression(Compression::Delta);
        h.node_count = 1 << 31;
        let mut bytes = h.to_bytes().to_vec();
        // One KIND_RUNS record: a single run of 2^31 nodes in district 0.
        let mut payload = Vec::new();
        for v in [1u64 << 31, 0] {
            let mut x = v;
            loop {
                let b = (x & 0x7f) as u8;
                x >>= 7;
                payload.push(if x == 0 { b } else { b | 0x80 });
                if x == 0 {
                    break;
                }
            }
        }
        bytes.extend_from_slice(&0u32.to_le_bytes());
        bytes.extend_from_slice(&0u64.to_le_bytes());
        bytes.push(KIND_RUNS);
        bytes.extend_from_slice(&(payload.len() as u32).to_le_bytes());
        bytes.extend_from_slice(&payload);
        let len = bytes.len() as u64;
        let e = AssignmentReader::with_file_len(&bytes[..], len).err().expect("refused").to_string();
        assert_eq!(
            e,
            "corrupt assignments header: 2147483648 nodes, more than the 33554432 a delta-encoded file may hold"
        );
        assert!(AssignmentReader::new(&bytes[..]).is_err());
        // At the cap the header is accepted (its records are then checked one by one).
        h.node_count = MAX_DELTA_NODES;
        assert!(AssignmentReader::new(&h.to_bytes()[..]).is_ok());
    }

    #[test]
    fn huge_node_count_in_a_corrupt_header_is_a_clear_error_not_an_allocation() {
        // A header claiming u32::MAX nodes x 2 bytes (8 GB per record) in front of one tiny record.
        let mut h = Header::new(4, 300, 1);
        h.node_count = u32::MAX;
        let mut bytes = h.to_bytes().to_vec();
        encode_record(&mut bytes, 0, 5, &[0, 1, 2, 1], 300);
        let len = bytes.len() as u64;
        let e = AssignmentReader::with_file_len(&bytes[..], len).err().expect("header does not fit the file");
        assert_eq!(
            e.to_string(),
            "corrupt assignments header: 1 samples of 4294967295 nodes x 2 byte(s) need 8589934634 bytes, \
             but the file has 52"
        );
        // Without the length, reading fails at the end of the data, having allocated only that.
        let mut r = AssignmentReader::new(&bytes[..]).unwrap();
        let e = r.next().unwrap().unwrap_err().to_string();
        assert_eq!(
            e,
            "record 1 of 1: the file ends after 20 of its 8589934602 bytes (truncated file or corrupt header)"
        );
        assert!(r.buf.capacity() < 1 << 20, "buffer grew to {}", r.buf.capacity());
        // A sample count whose size overflows u64 is caught too; a consistent header passes.
        let mut h = Header::new(4, 3, u64::MAX);
        h.node_count = u32::MAX;
        let e = AssignmentReader::with_file_len(&h.to_bytes()[..], 32).err().unwrap().to_string();
        assert!(e.contains("need more than 2^64 bytes"), "{e}");
        let h = Header::new(4, 3, 1);
        let mut ok = h.to_bytes().to_vec();
        encode_record(&mut ok, 0, 5, &[0, 1, 2, 1], 3);
        let n = ok.len() as u64;
        assert_eq!(AssignmentReader::with_file_len(&ok[..], n).unwrap().count(), 1);
        // The same for an encoded file: its samples must fit between the smallest and the
        // largest record.
        let h = Header::new(4, 300, u64::MAX).with_compression(Compression::Delta);
        let e = AssignmentReader::with_file_len(&h.to_bytes()[..], 32).err().unwrap().to_string();
        assert!(e.contains("more than 2^64"), "{e}");
    }
}
