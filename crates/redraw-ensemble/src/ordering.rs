//! The orders in which SMC can draw the districts of a plan, and the exact correction that turns
//! "plans with an order" back into "plans".
//!
//! SMC draws a plan as a sequence `(V_1, ..., V_k)`: district `V_i` is split off the remainder
//! `R_{i-1} = V_i ∪ ... ∪ V_k`, and every remainder must be connected (it is drawn as a spanning
//! tree). A plan therefore arrives with one of its **valid orders**, and different plans have
//! different numbers of them (a ring of districts has fewer than a star). Importance weights that
//! ignore this sample plans in proportion to their number of valid orders. redist divides by the
//! number of valid orders, counted exactly up to 13 districts and estimated beyond
//! (`adjust_labels`).
//!
//! redraw uses an exact correction for any number of districts that can be paid **stage by
//! stage**. The target is extended to (plan, order) pairs as `π̄(σ, plan) = π(plan) · q(σ | plan)`
//! with `q` the distribution of the **reverse growth**: start from a uniformly random district,
//! then repeatedly add a uniformly random district adjacent to the union so far. Read backwards,
//! the growth lists the districts in a valid order (every union is connected, so every remainder
//! is), it never gets stuck (the district graph is connected), and every valid order can come out
//! of it, so `q` sums to one over the valid orders of each plan and `π̄`'s marginal on plans is
//! exactly `π`. For the order SMC drew,
//!
//! ```text
//! q(σ | plan) = (1/k) · ∏_{i=1}^{k-1} 1/a_i,   a_i = #{ j ≤ i : V_j touches R_i }
//! ```
//!
//! and `a_i` involves only districts already drawn at stage `i`, so SMC multiplies the weight of
//! stage `i` by `1/a_i` and resampling absorbs it as it goes. (A forward "random peeling" order
//! is exact too, but its factors depend on districts not yet drawn and can only be paid at the
//! end: on PA at ±0.5% its log-weight spread alone cut the final ESS from 105 to 11 of 200.)
//!
//! With the hierarchical county constraint a step of the growth must also be a valid stage (at
//! most one county piece of the union split, into two connected parts), and the growth can get
//! stuck, so it chooses only among additions from which the growth can still be completed
//! (decided by a memoised search over subsets of the parts, `u128` masks, with a work budget that
//! turns a pathological plan into an error instead of a hang); the start is uniform among the
//! districts from which it can be completed. Both counts involve only districts drawn so far,
//! except the number of starts, paid at the end.
//!
//! [`hierarchical_peelable`] decides whether a plan has a valid order under the county rule at
//! all (the support of the county-constrained target; merge-split uses it).

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use crate::problem::Problem;

/// Most districts the hierarchical county constraint supports (subsets are `u128` masks).
pub const MAX_HIER_DISTRICTS: usize = 128;
/// Work budget (valid-stage tests) of one plan's completability searches.
const BUDGET: u64 = 5_000_000;

#[derive(Debug, thiserror::Error, Clone, PartialEq)]
pub enum OrderingError {
    #[error(
        "the county structure of a drawn plan is too entangled to count its peeling orders within \
         the work budget ({BUDGET} stage tests); the weights cannot be made exact for it"
    )]
    Budget,
    #[error("the order in which this plan was drawn is not a valid peeling order (internal error)")]
    NotValid,
}

/// A hasher for the `u128` subset masks of the memoised searches, which run millions of lookups
/// per plan on PA with the county rule: SipHash's DoS resistance buys nothing for keys we make,
/// and it was a tenth of the search's time. One multiply-rotate round per 64-bit half.
#[derive(Default)]
struct MaskHasher(u64);

impl Hasher for MaskHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut b = [0u8; 8];
            b[..chunk.len()].copy_from_slice(chunk);
            self.write_u64(u64::from_le_bytes(b));
        }
    }
    fn write_u64(&mut self, x: u64) {
        self.0 = (self.0.rotate_left(26) ^ x).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
    fn write_u128(&mut self, x: u128) {
        self.write_u64(x as u64);
        self.write_u64((x >> 64) as u64);
    }
}

type MaskHash = BuildHasherDefault<MaskHasher>;

/// Scratch space of the order computations, reused across plans.
#[derive(Clone, Debug, Default)]
pub(crate) struct OrderingScratch {
    pairs: Vec<(u32, u32)>,
    atom_of: Vec<u32>,
    atom_district: Vec<u32>,
    atom_county: Vec<u32>,
    /// Atom adjacency within counties (CSR over atoms).
    aoff: Vec<u32>,
    aadj: Vec<u32>,
    apairs: Vec<(u32, u32)>,
    /// Per district, the counties it shares with another district (sorted, CSR).
    soff: Vec<u32>,
    scounty: Vec<u32>,
    /// Atoms of each county (CSR).
    coff: Vec<u32>,
    catoms: Vec<u32>,
    dmask: Vec<u128>,
    memo: HashMap<u128, bool, MaskHash>,
    memo_up: HashMap<u128, bool, MaskHash>,
    shared: Vec<(u32, u32)>,
    bfs: Vec<u32>,
    piece: Vec<u32>,
    seen: Vec<u32>,
    seen2: Vec<u32>,
    stamp: u32,
}

/// With the county rule: the number of drawn parts the reverse growth could add to the
/// remainder part `rem` of a partial plan with `parts` parts (`assignment` maps every node to its
/// part; the remainder is a part like the others): parts adjacent to `rem` whose addition is a
/// valid stage and from which the growth can still take in every part.
///
/// `known`: a part already known to be such an addition, which is then counted without a search.
/// In SMC it is the district just drawn: the growth that adds the drawn districts back in reverse
/// order retraces SMC's own valid stages.
pub(crate) fn growth_choices(
    p: &Problem,
    assignment: impl Fn(usize) -> u32,
    parts: usize,
    rem: u32,
    known: Option<u32>,
    s: &mut OrderingScratch,
) -> Result<u32, OrderingError> {
    district_graph(p, &assignment, parts, s);
    atoms(p, &assignment, parts, s);
    s.memo_up.clear();
    let mut budget = BUDGET;
    let full = full_mask(parts);
    let u = 1u128 << rem;
    let mut count = 0;
    for d in 0..parts as u32 {
        if d != rem && s.dmask[d as usize] & u != 0 {
            let grown = u | 1u128 << d;
            if Some(d) == known {
                debug_assert!(
                    valid_stage(grown, d, true, s, &mut budget)? && grows_to(grown, full, s, &mut budget)?,
                    "part {d} was said to be a valid, completable addition"
                );
                count += 1;
            } else if valid_stage(grown, d, true, s, &mut budget)? && grows_to(grown, full, s, &mut budget)? {
                count += 1;
            }
        }
    }
    Ok(count)
}

/// With the county rule: the number of districts of a complete plan from which the reverse
/// growth can take in every district.
pub(crate) fn growth_starts(
    p: &Problem,
    assignment: impl Fn(usize) -> u32,
    s: &mut OrderingScratch,
) -> Result<u32, OrderingError> {
    let k = p.k;
    district_graph(p, &assignment, k, s);
    atoms(p, &assignment, k, s);
    s.memo_up.clear();
    let mut budget = BUDGET;
    let full = full_mask(k);
    let mut count = 0;
    for d in 0..k as u32 {
        if grows_to(1u128 << d, full, s, &mut budget)? {
            count += 1;
        }
    }
    Ok(count)
}

fn full_mask(parts: usize) -> u128 {
    if parts == 128 {
        u128::MAX
    } else {
        (1u128 << parts) - 1
    }
}

/// Whether the union `u` (connected, a valid intermediate) can grow to `full` by valid steps.
fn grows_to(u: u128, full: u128, s: &mut OrderingScratch, budget: &mut u64) -> Result<bool, OrderingError> {
    if u == full {
        return Ok(true);
    }
    if let Some(&r) = s.memo_up.get(&u) {
        return Ok(r);
    }
    let mut ok = false;
    // Latest-drawn parts first: SMC drew the parts in label order, so adding them back in
    // reverse label order is a valid growth from the remainder, and the search usually finds a
    // completion on its first path (the answer does not depend on the order, only the work).
    let mut f = full & !u;
    while f != 0 {
        let d = 127 - f.leading_zeros();
        f &= !(1u128 << d);
        if s.dmask[d as usize] & u == 0 {
            continue;
        }
        let grown = u | 1u128 << d;
        if valid_stage(grown, d, true, s, budget)? && grows_to(grown, full, s, budget)? {
            ok = true;
            break;
        }
    }
    s.memo_up.insert(u, ok);
    Ok(ok)
}

/// Whether the plan admits a valid peeling order under the hierarchical county rule (the set of
/// plans SMC with the county constraint can draw).
pub(crate) fn hierarchical_peelable(
    p: &Problem,
    assignment: impl Fn(usize) -> u32,
    s: &mut OrderingScratch,
) -> Result<bool, OrderingError> {
    let k = p.k;
    district_graph(p, &assignment, k, s);
    atoms(p, &assignment, k, s);
    s.memo.clear();
    let mut budget = BUDGET;
    completable(full_mask(k), s, &mut budget)
}

/// The adjacency masks of the `k` parts of a (partial) plan.
fn district_graph(p: &Problem, assignment: &impl Fn(usize) -> u32, k: usize, s: &mut OrderingScratch) {
    s.pairs.clear();
    for &(u, v) in &p.edge_ends {
        let (a, b) = (assignment(u as usize), assignment(v as usize));
        if a != b {
            s.pairs.push((a, b));
            s.pairs.push((b, a));
        }
    }
    s.dmask.clear();
    s.dmask.resize(k, 0);
    for &(a, b) in &s.pairs {
        s.dmask[a as usize] |= 1u128 << b;
    }
}

/// Atoms: connected components of (district ∩ county), their within-county adjacency, and per
/// district the counties it shares with another district.
fn atoms(p: &Problem, assignment: &impl Fn(usize) -> u32, k: usize, s: &mut OrderingScratch) {
    let county = p.county.as_deref().expect("hierarchical mode needs counties");
    let n = p.n;
    s.atom_of.clear();
    s.atom_of.resize(n, u32::MAX);
    s.atom_district.clear();
    s.atom_county.clear();
    for start in 0..n {
        if s.atom_of[start] != u32::MAX {
            continue;
        }
        let id = s.atom_district.len() as u32;
        let (d, c) = (assignment(start), county[start]);
        s.atom_district.push(d);
        s.atom_county.push(c);
        s.atom_of[start] = id;
        s.bfs.clear();
        s.bfs.push(start as u32);
        while let Some(u) = s.bfs.pop() {
            for &w in p.nbrs(u) {
                let wu = w as usize;
                if s.atom_of[wu] == u32::MAX && county[wu] == c && assignment(wu) == d {
                    s.atom_of[wu] = id;
                    s.bfs.push(w);
                }
            }
        }
    }
    let na = s.atom_district.len();
    s.apairs.clear();
    for &(u, v) in &p.edge_ends {
        let (a, b) = (s.atom_of[u as usize], s.atom_of[v as usize]);
        if a != b && county[u as usize] == county[v as usize] {
            s.apairs.push((a, b));
            s.apairs.push((b, a));
        }
    }
    s.apairs.sort_unstable();
    s.apairs.dedup();
    s.aoff.clear();
    s.aoff.resize(na + 1, 0);
    s.aadj.clear();
    for &(a, b) in &s.apairs {
        s.aoff[a as usize + 1] += 1;
        s.aadj.push(b);
    }
    for a in 0..na {
        s.aoff[a + 1] += s.aoff[a];
    }
    // Atoms by county.
    let nc = p.county_names.len().max(s.atom_county.iter().map(|&c| c as usize + 1).max().unwrap_or(0));
    s.coff.clear();
    s.coff.resize(nc + 1, 0);
    for &c in &s.atom_county {
        s.coff[c as usize + 1] += 1;
    }
    for c in 0..nc {
        s.coff[c + 1] += s.coff[c];
    }
    s.catoms.clear();
    s.catoms.resize(na, 0);
    s.seen.clear();
    s.seen.extend_from_slice(&s.coff[..nc]);
    for a in 0..na {
        let c = s.atom_county[a] as usize;
        s.catoms[s.seen[c] as usize] = a as u32;
        s.seen[c] += 1;
    }
    // Per district: counties whose atoms belong to more than one district.
    let mut shared = std::mem::take(&mut s.shared);
    shared.clear();
    for c in 0..nc {
        let atoms_c = &s.catoms[s.coff[c] as usize..s.coff[c + 1] as usize];
        let first = atoms_c.first().map(|&a| s.atom_district[a as usize]);
        if atoms_c.iter().any(|&a| Some(s.atom_district[a as usize]) != first) {
            for &a in atoms_c {
                shared.push((s.atom_district[a as usize], c as u32));
            }
        }
    }
    shared.sort_unstable();
    shared.dedup();
    s.soff.clear();
    s.soff.resize(k + 1, 0);
    s.scounty.clear();
    for &(d, c) in &shared {
        s.soff[d as usize + 1] += 1;
        s.scounty.push(c);
    }
    for d in 0..k {
        s.soff[d + 1] += s.soff[d];
    }
    s.shared = shared;
    s.seen.clear();
    s.seen.resize(na, 0);
    s.seen2.clear();
    s.seen2.resize(na, 0);
    s.stamp = 0;
}

/// Whether removing district `d` from the set `set` is a valid stage: the rest is connected and
/// at most one county piece of `set` is split, into exactly two connected parts.
///
/// Per county `c` that `d` shares with another district: the pieces of `set ∩ c` are the
/// components of the atoms of `set`'s districts in `c` (atoms adjacent within the county). A
/// piece made only of `d`'s atoms leaves with `d`; otherwise it is split into `d`'s atoms (each
/// its own piece of `d`) and the components of the rest, adding `n_d + comps - 1` pieces. The
/// stage is valid iff the total added is at most one.
///
/// `grown`: `set` minus `d` is known to be connected (a union the growth already reached), so
/// the connectivity test is skipped.
fn valid_stage(
    set: u128,
    d: u32,
    grown: bool,
    s: &mut OrderingScratch,
    budget: &mut u64,
) -> Result<bool, OrderingError> {
    if *budget == 0 {
        return Err(OrderingError::Budget);
    }
    *budget -= 1;
    let rest = set & !(1u128 << d);
    if !grown && rest != 0 && !mask_connected(rest, &s.dmask) {
        return Ok(false);
    }
    let in_set = |s: &OrderingScratch, a: u32| set >> s.atom_district[a as usize] & 1 == 1;
    let mut added = 0u32;
    for ci in s.soff[d as usize]..s.soff[d as usize + 1] {
        let c = s.scounty[ci as usize] as usize;
        let (a0, a1) = (s.coff[c] as usize, s.coff[c + 1] as usize);
        s.stamp = s.stamp.wrapping_add(1);
        if s.stamp == 0 {
            s.seen.iter_mut().for_each(|x| *x = 0);
            s.seen2.iter_mut().for_each(|x| *x = 0);
            s.stamp = 1;
        }
        let stamp = s.stamp;
        for ai in a0..a1 {
            let a = s.catoms[ai];
            if s.seen[a as usize] == stamp || !in_set(s, a) {
                continue;
            }
            // Flood the piece of `a`.
            s.piece.clear();
            s.piece.push(a);
            s.seen[a as usize] = stamp;
            let mut head = 0;
            while head < s.piece.len() {
                let x = s.piece[head];
                head += 1;
                for yi in s.aoff[x as usize]..s.aoff[x as usize + 1] {
                    let y = s.aadj[yi as usize];
                    if s.seen[y as usize] != stamp && in_set(s, y) {
                        s.seen[y as usize] = stamp;
                        s.piece.push(y);
                    }
                }
            }
            let n_d = s.piece.iter().filter(|&&x| s.atom_district[x as usize] == d).count() as u32;
            if n_d == 0 || n_d as usize == s.piece.len() {
                continue;
            }
            // Components of the piece without d's atoms.
            let mut comps = 0u32;
            for i in 0..s.piece.len() {
                let x = s.piece[i];
                if s.atom_district[x as usize] == d || s.seen2[x as usize] == stamp {
                    continue;
                }
                comps += 1;
                s.bfs.clear();
                s.bfs.push(x);
                s.seen2[x as usize] = stamp;
                while let Some(y) = s.bfs.pop() {
                    for zi in s.aoff[y as usize]..s.aoff[y as usize + 1] {
                        let z = s.aadj[zi as usize];
                        if s.seen2[z as usize] != stamp && s.atom_district[z as usize] != d && in_set(s, z) {
                            s.seen2[z as usize] = stamp;
                            s.bfs.push(z);
                        }
                    }
                }
            }
            added += n_d + comps - 1;
            if added > 1 {
                return Ok(false);
            }
        }
    }
    Ok(true)
}

fn mask_connected(set: u128, dmask: &[u128]) -> bool {
    let start = set.trailing_zeros();
    let mut seen = 1u128 << start;
    let mut frontier = seen;
    while frontier != 0 {
        let mut next = 0u128;
        let mut f = frontier;
        while f != 0 {
            let d = f.trailing_zeros();
            f &= f - 1;
            next |= dmask[d as usize];
        }
        next &= set & !seen;
        seen |= next;
        frontier = next;
    }
    seen == set
}

/// Whether the districts in `set` can be peeled to the end by valid stages (memoised).
fn completable(set: u128, s: &mut OrderingScratch, budget: &mut u64) -> Result<bool, OrderingError> {
    if set.count_ones() <= 1 {
        return Ok(true);
    }
    if let Some(&r) = s.memo.get(&set) {
        return Ok(r);
    }
    let mut f = set;
    let mut ok = false;
    while f != 0 {
        let d = f.trailing_zeros();
        f &= f - 1;
        if valid_stage(set, d, false, s, budget)? && completable(set & !(1u128 << d), s, budget)? {
            ok = true;
            break;
        }
    }
    s.memo.insert(set, ok);
    Ok(ok)
}
