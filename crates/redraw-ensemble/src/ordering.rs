//! The orders in which SMC can peel the districts of a plan off the map, and the exact
//! correction that turns "plans with a peeling order" back into "plans".
//!
//! SMC draws a plan as a sequence `(V_1, ..., V_k)`: district `V_i` is split off the remainder
//! `R_{i-1} = V_i ∪ ... ∪ V_k`, and every remainder must be connected (it is drawn as a spanning
//! tree). A plan therefore arrives with one of its **valid orders**, and different plans have
//! different numbers of them (a plan whose districts form a ring has fewer than one whose
//! districts form a star). Importance weights that ignore this sample plans in proportion to
//! their number of valid orders, not the stated target. redist corrects by the number of valid
//! orders, counted exactly up to 13 districts and estimated beyond (`adjust_labels`).
//!
//! redraw uses an exact correction for any number of districts instead: the target is extended
//! to (plan, order) pairs as `π̄(σ, plan) = π(plan) · q(σ | plan)`, where `q` is the
//! probability that the **random peeling** — at each stage remove a district chosen uniformly
//! among those whose removal is a valid stage — produces `σ`. `q` sums to one over the valid
//! orders of each plan, so `π̄`'s marginal on plans is exactly `π`, and for the order SMC drew,
//! `q(σ | plan) = ∏_i 1 / c_i`, with `c_i` the number of valid choices at stage `i`. The final
//! importance weight is multiplied by `∏ 1 / c_i` ([`log_peeling_choices`] returns `Σ ln c_i`).
//!
//! A valid stage removes a district `D` from the remaining set `S` such that `S \ D` is
//! connected; with the hierarchical county constraint also such that at most one county piece
//! of `S` is split, into two connected parts (see `smc`), **and** `S \ D` can still be peeled to
//! the end. Without counties the last condition always holds (a connected graph has a vertex
//! whose removal leaves it connected, so greedy peeling never gets stuck) and `c_i` is the number
//! of non-cut vertices of the district graph on `S` (Tarjan). With counties greedy peeling can
//! get stuck, so completability is decided by a memoised depth-first search over subsets of
//! districts (masks of at most 128 districts), with a work budget that turns a pathological
//! plan into an error instead of a hang.

use std::collections::HashMap;

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

/// Per-plan scratch for [`log_peeling_choices`], reused across plans.
#[derive(Clone, Debug, Default)]
pub(crate) struct OrderingScratch {
    /// District adjacency lists (CSR over districts).
    doff: Vec<u32>,
    dadj: Vec<u32>,
    pairs: Vec<(u32, u32)>,
    // Tarjan.
    disc: Vec<u32>,
    low: Vec<u32>,
    stack: Vec<(u32, u32)>,
    // Hierarchical mode.
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
    memo: HashMap<u128, bool>,
    bfs: Vec<u32>,
    piece: Vec<u32>,
    seen: Vec<u32>,
    seen2: Vec<u32>,
    stamp: u32,
}

/// `Σ_i ln c_i` over the stages `i = 0..k-1` of the order in which the plan was drawn, where the
/// plan's district `i` (label `i`) was split off at stage `i` and `c_i` counts the valid choices
/// at that stage (module docs). `assignment[v]` is node `v`'s district index.
pub(crate) fn log_peeling_choices(
    p: &Problem,
    assignment: impl Fn(usize) -> u32,
    hierarchical: bool,
    s: &mut OrderingScratch,
) -> Result<f64, OrderingError> {
    let k = p.k;
    district_graph(p, &assignment, s);
    if !hierarchical {
        let mut total = 0.0;
        for i in 0..k - 1 {
            // Districts i..k are left; removing one keeps the rest connected iff it is not a cut
            // vertex of the district graph on them.
            let left = (k - i) as u32;
            let c = if left <= 2 { left } else { left - cut_vertices(s, i as u32, k as u32) };
            total += (c as f64).ln();
        }
        return Ok(total);
    }
    atoms(p, &assignment, s);
    let mut budget = BUDGET;
    s.memo.clear();
    let mut total = 0.0;
    let mut set: u128 = if k == 128 { u128::MAX } else { (1u128 << k) - 1 };
    for i in 0..k - 1 {
        let mut c = 0u32;
        let mut own = false;
        for d in 0..k {
            if set >> d & 1 == 0 {
                continue;
            }
            if valid_stage(set, d as u32, s, &mut budget)? && completable(set & !(1 << d), s, &mut budget)? {
                c += 1;
                own |= d == i;
            }
        }
        if !own {
            return Err(OrderingError::NotValid);
        }
        total += (c as f64).ln();
        set &= !(1u128 << i);
    }
    Ok(total)
}

/// Whether the plan admits a valid peeling order under the hierarchical county rule (the set of
/// plans SMC with the county constraint can draw).
pub(crate) fn hierarchical_peelable(
    p: &Problem,
    assignment: impl Fn(usize) -> u32,
    s: &mut OrderingScratch,
) -> Result<bool, OrderingError> {
    let k = p.k;
    district_graph(p, &assignment, s);
    atoms(p, &assignment, s);
    s.memo.clear();
    let mut budget = BUDGET;
    let set: u128 = if k == 128 { u128::MAX } else { (1u128 << k) - 1 };
    completable(set, s, &mut budget)
}

fn district_graph(p: &Problem, assignment: &impl Fn(usize) -> u32, s: &mut OrderingScratch) {
    let k = p.k;
    s.pairs.clear();
    for &(u, v) in &p.edge_ends {
        let (a, b) = (assignment(u as usize), assignment(v as usize));
        if a != b {
            s.pairs.push((a, b));
            s.pairs.push((b, a));
        }
    }
    s.pairs.sort_unstable();
    s.pairs.dedup();
    s.doff.clear();
    s.doff.resize(k + 1, 0);
    s.dadj.clear();
    for &(a, b) in &s.pairs {
        s.doff[a as usize + 1] += 1;
        s.dadj.push(b);
    }
    for d in 0..k {
        s.doff[d + 1] += s.doff[d];
    }
    if k <= MAX_HIER_DISTRICTS {
        s.dmask.clear();
        s.dmask.resize(k, 0);
        for &(a, b) in &s.pairs {
            s.dmask[a as usize] |= 1u128 << b;
        }
    }
}

/// Number of cut vertices of the district graph induced on districts `lo..k` (connected).
fn cut_vertices(s: &mut OrderingScratch, lo: u32, k: u32) -> u32 {
    let kk = k as usize;
    s.disc.clear();
    s.disc.resize(kk, 0);
    s.low.clear();
    s.low.resize(kk, 0);
    let mut time = 0u32;
    let mut cuts = 0u32;
    let root = lo;
    // Iterative DFS: stack of (node, next adjacency index).
    s.stack.clear();
    time += 1;
    s.disc[root as usize] = time;
    s.low[root as usize] = time;
    s.stack.push((root, s.doff[root as usize]));
    let mut root_children = 0;
    // Parent of each node in the DFS tree (reuse `bfs` as storage).
    s.bfs.clear();
    s.bfs.resize(kk, u32::MAX);
    // A node is counted once even if several children prove it a cut vertex.
    s.seen.clear();
    s.seen.resize(kk, 0);
    while let Some(&mut (u, ref mut next)) = s.stack.last_mut() {
        let end = s.doff[u as usize + 1];
        if *next < end {
            let w = s.dadj[*next as usize];
            *next += 1;
            if w < lo {
                continue;
            }
            if s.disc[w as usize] == 0 {
                time += 1;
                s.disc[w as usize] = time;
                s.low[w as usize] = time;
                s.bfs[w as usize] = u;
                if u == root {
                    root_children += 1;
                }
                s.stack.push((w, s.doff[w as usize]));
            } else if w != s.bfs[u as usize] {
                let d = s.disc[w as usize];
                if d < s.low[u as usize] {
                    s.low[u as usize] = d;
                }
            }
        } else {
            s.stack.pop();
            let parent = s.bfs[u as usize];
            if parent != u32::MAX {
                let lu = s.low[u as usize];
                if lu < s.low[parent as usize] {
                    s.low[parent as usize] = lu;
                }
                if parent != root && lu >= s.disc[parent as usize] && s.seen[parent as usize] == 0 {
                    s.seen[parent as usize] = 1;
                    cuts += 1;
                }
            }
        }
    }
    if root_children > 1 {
        cuts += 1;
    }
    cuts
}

/// Atoms: connected components of (district ∩ county), their within-county adjacency, and per
/// district the counties it shares with another district.
fn atoms(p: &Problem, assignment: &impl Fn(usize) -> u32, s: &mut OrderingScratch) {
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
    let k = p.k;
    let mut shared: Vec<(u32, u32)> = Vec::new();
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
fn valid_stage(set: u128, d: u32, s: &mut OrderingScratch, budget: &mut u64) -> Result<bool, OrderingError> {
    if *budget == 0 {
        return Err(OrderingError::Budget);
    }
    *budget -= 1;
    let rest = set & !(1u128 << d);
    if rest != 0 && !mask_connected(rest, &s.dmask) {
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
        if valid_stage(set, d, s, budget)? && completable(set & !(1u128 << d), s, budget)? {
            ok = true;
            break;
        }
    }
    s.memo.insert(set, ok);
    Ok(ok)
}
