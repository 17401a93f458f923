//! Chain checkpoints (`chains/chain-NNNNN.ckpt`) and the checksums of the part files they vouch
//! for. The layout is specified in `docs/run-format.md`; in short, all integers little-endian:
//!
//! ```text
//! magic "RDRWCKP3", chain u32, step u64, generator state 4 x u64, outcome counters 9 x u64,
//! stats part length u64, assignments part length u64, stats part checksum u64, assignments
//! part checksum u64, n u32, k u32, assignment n x u32, member lists k x (len u32, nodes),
//! cut-edge list (len u32, edge ids), reference flag u8 (+ n x u32: the delta encoder's
//! reference plan, the chain's last recorded plan), SHA-256 of everything before it
//! ```
//!
//! Format 3 added the reference plan: with `--compress delta` a chain's next record is a delta
//! against its previous recorded plan, which is not the chain's state at the checkpoint when
//! `--thin` or `--burn-in` leave steps unrecorded, so a resume needs it to write the bytes of an
//! uninterrupted run.
//!
//! [`Checkpoint::decode`] trusts nothing: beyond the SHA-256 it checks every count against the
//! graph and the run's parameters and the rebuilt partition against a full recomputation
//! ([`Partition::check`]) and the population bounds, so a damaged or forged checkpoint is an
//! error, never a chain resumed from an impossible state or an allocation sized by a number in
//! the file.
//!
//! [`PartSum`] is the checksum of a part file's bytes: a chain updates it as it writes, the
//! checkpoint stores it, a resume recomputes it over the part file's first `len` bytes (a part
//! edited or damaged after its checkpoint is refused), and the merge recomputes it while copying
//! (the final files hold exactly the bytes the chains wrote).

use sha2::{Digest, Sha256};

use crate::partition::Partition;
use crate::problem::Problem;
use crate::proposal::Counters;
use crate::run::ChainParams;

pub const MAGIC: &[u8; 8] = b"RDRWCKP3";

/// A streaming 64-bit checksum of a byte stream (not cryptographic: it detects damage and
/// edits, at memory speed, so checksumming every recorded plan costs the chains nothing
/// measurable). Each 8-byte little-endian word goes through a bijective mix, so any change
/// confined to one word always changes the sum, and other changes do with probability
/// 1 - 2^-64. Independent of how the stream is split into `update` calls.
#[derive(Clone, Copy, Debug)]
pub struct PartSum {
    h: u64,
    tail: [u8; 8],
    tail_len: u8,
    len: u64,
}

impl Default for PartSum {
    fn default() -> Self {
        PartSum { h: 0x243F_6A88_85A3_08D3, tail: [0; 8], tail_len: 0, len: 0 }
    }
}

#[inline]
fn mix(h: u64, w: u64) -> u64 {
    let x = (h ^ w).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    x ^ (x >> 29)
}

/// Two sums are equal when they saw the same number of bytes with the same checksum.
impl PartialEq for PartSum {
    fn eq(&self, other: &PartSum) -> bool {
        self.len == other.len && self.value() == other.value()
    }
}

impl Eq for PartSum {}

impl PartSum {
    pub fn update(&mut self, mut bytes: &[u8]) {
        self.len += bytes.len() as u64;
        if self.tail_len > 0 {
            let t = self.tail_len as usize;
            let take = (8 - t).min(bytes.len());
            self.tail[t..t + take].copy_from_slice(&bytes[..take]);
            self.tail_len += take as u8;
            bytes = &bytes[take..];
            if self.tail_len < 8 {
                return;
            }
            self.h = mix(self.h, u64::from_le_bytes(self.tail));
            self.tail_len = 0;
        }
        let mut words = bytes.chunks_exact(8);
        for w in &mut words {
            self.h = mix(self.h, u64::from_le_bytes(w.try_into().expect("8 bytes")));
        }
        let rest = words.remainder();
        self.tail[..rest.len()].copy_from_slice(rest);
        self.tail_len = rest.len() as u8;
    }

    /// The checksum of everything so far (the stream may continue).
    pub fn value(&self) -> u64 {
        let mut last = [0u8; 8];
        last[..self.tail_len as usize].copy_from_slice(&self.tail[..self.tail_len as usize]);
        let h = mix(mix(self.h, u64::from_le_bytes(last)), self.len);
        h ^ (h >> 32)
    }

    /// Bytes seen.
    pub fn len(&self) -> u64 {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

/// The complete state of one chain between steps, and what its part files held then.
#[derive(Clone, Debug)]
pub struct Checkpoint {
    pub chain: u32,
    /// Steps done (the state is the one after this step).
    pub step: u64,
    pub rng: [u64; 4],
    pub counters: Counters,
    /// Length and checksum of the stats part (`chain-NNNNN.csv`) at this step.
    pub stats_len: u64,
    pub stats_sum: u64,
    /// Length and checksum of the assignments part (`chain-NNNNN.asg`) at this step.
    pub asg_len: u64,
    pub asg_sum: u64,
    pub partition: Partition,
    /// The delta encoder's reference (the chain's last recorded plan), when the run stores
    /// deltas and the chain has recorded a plan.
    pub reference: Option<Vec<u32>>,
}

impl Checkpoint {
    pub fn encode(&self) -> Vec<u8> {
        let part = &self.partition;
        let mut b: Vec<u8> = Vec::with_capacity(16 * part.assignment.len() + 256);
        b.extend_from_slice(MAGIC);
        let put32 = |b: &mut Vec<u8>, x: u32| b.extend_from_slice(&x.to_le_bytes());
        let put64 = |b: &mut Vec<u8>, x: u64| b.extend_from_slice(&x.to_le_bytes());
        put32(&mut b, self.chain);
        put64(&mut b, self.step);
        for w in self.rng {
            put64(&mut b, w);
        }
        for w in self.counters.to_words() {
            put64(&mut b, w);
        }
        for w in [self.stats_len, self.asg_len, self.stats_sum, self.asg_sum] {
            put64(&mut b, w);
        }
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
        match &self.reference {
            None => b.push(0),
            Some(r) => {
                b.push(1);
                for &d in r {
                    put32(&mut b, d);
                }
            }
        }
        let digest = Sha256::digest(&b);
        b.extend_from_slice(&digest);
        b
    }

    /// The most bytes a checkpoint of this problem can hold (a file larger than this is not one
    /// of its checkpoints, and is refused before it is read).
    pub fn max_len(p: &Problem) -> u64 {
        let (n, k, e) = (p.node_count() as u64, p.districts() as u64, p.edge_count() as u64);
        8 + 4 + 8 + 4 * 8 + 9 * 8 + 4 * 8 + 8 + 4 * n + 4 * k + 4 * n + 4 + 4 * e + 1 + 4 * n + 32
    }

    /// Decodes and checks a checkpoint of chain `chain` of a run with these parameters.
    pub fn decode(bytes: &[u8], p: &Problem, params: &ChainParams, chain: u32) -> Result<Checkpoint, String> {
        if bytes.len() < 8 + 32 {
            return Err("truncated".into());
        }
        if &bytes[..8] != MAGIC {
            return Err(if bytes[..7] == MAGIC[..7] {
                "written by another version of redraw (checkpoint format differs); resume with that version or start a new run".into()
            } else {
                "bad magic bytes".into()
            });
        }
        let (body, digest) = bytes.split_at(bytes.len() - 32);
        if Sha256::digest(body).as_slice() != digest {
            return Err("checksum mismatch (the file is damaged)".into());
        }
        let mut r = Reader { b: body, at: 8 };
        let c = r.u32()?;
        if c != chain {
            return Err(format!("checkpoint of chain {c}, not of chain {chain}"));
        }
        let step = r.u64()?;
        let rng = [r.u64()?, r.u64()?, r.u64()?, r.u64()?];
        let mut words = [0u64; 9];
        for w in &mut words {
            *w = r.u64()?;
        }
        let counters = Counters::from_words(words);
        let (stats_len, asg_len, stats_sum, asg_sum) = (r.u64()?, r.u64()?, r.u64()?, r.u64()?);
        let n = r.u32()? as usize;
        let k = r.u32()? as usize;
        if n != p.node_count() || k != p.districts() {
            return Err("node or district count differs from the graph".into());
        }
        if step > params.steps || counters.steps != step {
            return Err(format!(
                "step {step} (counters say {}) of a {}-step chain",
                counters.steps, params.steps
            ));
        }
        let outcomes = [
            counters.accepted,
            counters.non_adjacent,
            counters.no_split,
            counters.not_selected,
            counters.rejected,
            counters.invalid,
            counters.bound_exceeded,
        ]
        .iter()
        .try_fold(0u64, |a, &x| a.checked_add(x));
        if outcomes != Some(step) {
            return Err("outcome counts do not add up to the step".into());
        }
        // The assignments part holds one record per plan recorded so far: of a fixed size when
        // raw, between the smallest and the largest encoded record otherwise.
        let (rows, plans) = (params.rows_through(step), params.plans_through(step));
        let header = crate::assignments::Header::new(n, k, plans).with_compression(params.compression);
        let (lo, hi) = header.record_len_bounds();
        let fits = plans.checked_mul(lo).is_some_and(|min| min <= asg_len)
            && plans.checked_mul(hi).is_none_or(|max| asg_len <= max);
        if !fits {
            return Err(format!(
                "the assignments part length {asg_len} does not match {plans} records at step {step}"
            ));
        }
        if (stats_len == 0) != (rows == 0) {
            return Err(format!(
                "the stats part length {stats_len} does not match {rows} rows at step {step}"
            ));
        }
        let mut assignment = Vec::with_capacity(n);
        for _ in 0..n {
            let d = r.u32()?;
            if d as usize >= k {
                return Err("district index out of range".into());
            }
            assignment.push(d);
        }
        let mut seen = vec![false; n];
        let mut members = Vec::with_capacity(k);
        let mut placed = 0usize;
        for d in 0..k {
            let len = r.u32()? as usize;
            // Lengths come from the file: never reserve more than the nodes left to place.
            if len > n - placed {
                return Err("member lists are longer than the graph".into());
            }
            let mut m = Vec::with_capacity(len);
            for _ in 0..len {
                let v = r.u32()? as usize;
                if v >= n || assignment[v] as usize != d || std::mem::replace(&mut seen[v], true) {
                    return Err("member lists disagree with the assignment".into());
                }
                m.push(v as u32);
            }
            placed += len;
            members.push(m);
        }
        if placed != n {
            return Err("member lists do not cover every node".into());
        }
        let cut_len = r.u32()? as usize;
        if cut_len > p.edge_count() {
            return Err("more cut edges than the graph has edges".into());
        }
        let mut in_cut = vec![false; p.edge_count()];
        let mut cut_list = Vec::with_capacity(cut_len);
        for _ in 0..cut_len {
            let e = r.u32()? as usize;
            if e >= p.edge_count() || std::mem::replace(&mut in_cut[e], true) {
                return Err("cut-edge list names an edge twice or out of range".into());
            }
            let (u, v) = p.edge_ends[e];
            if assignment[u as usize] == assignment[v as usize] {
                return Err("cut-edge list names an edge inside a district".into());
            }
            cut_list.push(e as u32);
        }
        let reference = match r.u8()? {
            0 => None,
            1 => {
                let mut plan = Vec::with_capacity(n);
                for _ in 0..n {
                    let d = r.u32()?;
                    if d as usize >= k {
                        return Err("district index out of range in the reference plan".into());
                    }
                    plan.push(d);
                }
                Some(plan)
            }
            f => return Err(format!("reference flag {f}")),
        };
        // A delta run that has recorded a plan has a reference; nothing else has one.
        let want = params.compression == crate::assignments::Compression::Delta && plans > 0;
        if reference.is_some() != want {
            return Err(format!(
                "{} reference plan after {plans} recorded plans with compression {}",
                if reference.is_some() { "a" } else { "no" },
                params.compression.name()
            ));
        }
        if r.at != body.len() {
            return Err("trailing bytes".into());
        }
        let partition = Partition::with_order(p, assignment, members, cut_list);
        partition.check(p).map_err(|e| format!("inconsistent chain state: {e}"))?;
        let (lo, hi) = p.pop_bounds();
        if let Some(d) = partition.district_pops().iter().position(|&x| x < lo || x > hi) {
            return Err(format!("district index {d} is outside the population bounds"));
        }
        if let Some(m) = p.max_county_splits {
            if partition.county_splits() > m {
                return Err("the plan splits more counties than the run allows".into());
            }
        }
        Ok(Checkpoint {
            chain,
            step,
            rng,
            counters,
            stats_len,
            stats_sum,
            asg_len,
            asg_sum,
            partition,
            reference,
        })
    }
}

struct Reader<'a> {
    b: &'a [u8],
    at: usize,
}

impl Reader<'_> {
    fn u8(&mut self) -> Result<u8, String> {
        let v = *self.b.get(self.at).ok_or("truncated")?;
        self.at += 1;
        Ok(v)
    }
    fn u32(&mut self) -> Result<u32, String> {
        let v = self.b.get(self.at..self.at + 4).ok_or("truncated")?;
        self.at += 4;
        Ok(u32::from_le_bytes(v.try_into().expect("4 bytes")))
    }
    fn u64(&mut self) -> Result<u64, String> {
        let v = self.b.get(self.at..self.at + 8).ok_or("truncated")?;
        self.at += 8;
        Ok(u64::from_le_bytes(v.try_into().expect("8 bytes")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn part_sum_is_independent_of_chunking_and_sees_every_byte() {
        let data: Vec<u8> = (0..1000u32).map(|i| (i * 7 % 251) as u8).collect();
        let mut whole = PartSum::default();
        whole.update(&data);
        for cut in [0, 1, 7, 8, 9, 500, 999, 1000] {
            let mut s = PartSum::default();
            s.update(&data[..cut]);
            s.update(&data[cut..]);
            assert_eq!(s.value(), whole.value(), "split at {cut}");
        }
        for i in [0, 5, 8, 999] {
            let mut d = data.clone();
            d[i] ^= 1;
            let mut s = PartSum::default();
            s.update(&d);
            assert_ne!(s.value(), whole.value(), "byte {i}");
        }
        // Appending zeros changes the sum (the length is mixed in).
        let mut s = PartSum::default();
        s.update(&data);
        s.update(&[0]);
        assert_ne!(s.value(), whole.value());
    }
}
