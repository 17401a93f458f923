//! [`Partition`]: the chain state — an assignment of every node to a district — together with
//! everything the proposals and the statistics need, all maintained incrementally by
//! [`Partition::move_node`].
//!
//! Invariants (checked against a full recomputation by [`Partition::check`] in tests):
//! - `members[d]` lists exactly the nodes assigned to `d`, and `pos[v]` is `v`'s index there;
//! - `cut_list` holds exactly the ids of edges whose endpoints lie in different districts, and
//!   `cut_pos[e]` is `e`'s index there (or `NONE`);
//! - `pair_cut[a*k+b]` is the number of edges between districts `a` and `b` (symmetric);
//! - `dist_pop`, `dem`/`rep` (election-major, `e*k+d`) and `tracked` (column-major, `t*k+d`,
//!   the `--track` columns) are the district sums;
//! - with counties, `county_dist[c*k+d]` counts nodes of county `c` in district `d`,
//!   `county_ndist[c]` the districts county `c` touches, and `county_splits` the counties
//!   touching two or more districts.
//!
//! The order of `members` and `cut_list` depends on the history of moves; proposals sample from
//! them by index, so a checkpoint stores them verbatim (see `run`), which is what makes a resumed
//! chain continue exactly as the uninterrupted one.

use crate::problem::Problem;

pub(crate) const NONE: u32 = u32::MAX;

#[derive(Clone, Debug)]
pub struct Partition {
    pub(crate) assignment: Vec<u32>,
    pub(crate) dist_pop: Vec<u64>,
    pub(crate) members: Vec<Vec<u32>>,
    pub(crate) pos: Vec<u32>,
    pub(crate) cut_list: Vec<u32>,
    pub(crate) cut_pos: Vec<u32>,
    pub(crate) pair_cut: Vec<u32>,
    pub(crate) dem: Vec<u64>,
    pub(crate) rep: Vec<u64>,
    pub(crate) tracked: Vec<u64>,
    pub(crate) county_dist: Vec<u32>,
    pub(crate) county_ndist: Vec<u32>,
    pub(crate) county_splits: u32,
    pub(crate) k: usize,
}

/// Errors in an initial assignment.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum PlanError {
    #[error("the assignment has {got} entries but the graph has {n} nodes")]
    Length { got: usize, n: usize },
    #[error("node {node} is assigned to district index {d}, but there are only {k} districts")]
    OutOfRange { node: usize, d: u32, k: usize },
    #[error("district {d} is empty")]
    EmptyDistrict { d: usize },
}

impl Partition {
    /// Builds the state from an assignment of district indices `0..k` by full computation.
    pub fn new(problem: &Problem, assignment: Vec<u32>) -> Result<Partition, PlanError> {
        let (n, k) = (problem.n, problem.k);
        if assignment.len() != n {
            return Err(PlanError::Length { got: assignment.len(), n });
        }
        if let Some((node, &d)) = assignment.iter().enumerate().find(|(_, &d)| d as usize >= k) {
            return Err(PlanError::OutOfRange { node, d, k });
        }
        let mut members = vec![Vec::new(); k];
        let mut pos = vec![0u32; n];
        for (v, &d) in assignment.iter().enumerate() {
            pos[v] = members[d as usize].len() as u32;
            members[d as usize].push(v as u32);
        }
        if let Some(d) = members.iter().position(|m| m.is_empty()) {
            return Err(PlanError::EmptyDistrict { d });
        }
        let mut cut_list = Vec::new();
        let mut cut_pos = vec![NONE; problem.edge_ends.len()];
        for (e, &(u, v)) in problem.edge_ends.iter().enumerate() {
            if assignment[u as usize] != assignment[v as usize] {
                cut_pos[e] = cut_list.len() as u32;
                cut_list.push(e as u32);
            }
        }
        Ok(Self::with_order(problem, assignment, members, cut_list))
    }

    /// Rebuilds a state whose member lists and cut-edge list have a given order (a checkpoint).
    /// The caller guarantees they are consistent with `assignment`.
    pub(crate) fn with_order(
        problem: &Problem,
        assignment: Vec<u32>,
        members: Vec<Vec<u32>>,
        cut_list: Vec<u32>,
    ) -> Partition {
        let (n, k) = (problem.n, problem.k);
        let mut pos = vec![0u32; n];
        for m in &members {
            for (i, &v) in m.iter().enumerate() {
                pos[v as usize] = i as u32;
            }
        }
        let mut cut_pos = vec![NONE; problem.edge_ends.len()];
        let mut pair_cut = vec![0u32; k * k];
        for (i, &e) in cut_list.iter().enumerate() {
            cut_pos[e as usize] = i as u32;
            let (u, v) = problem.edge_ends[e as usize];
            let (a, b) = (assignment[u as usize] as usize, assignment[v as usize] as usize);
            pair_cut[a * k + b] += 1;
            pair_cut[b * k + a] += 1;
        }
        let mut dist_pop = vec![0u64; k];
        for (v, &d) in assignment.iter().enumerate() {
            dist_pop[d as usize] += problem.pop[v];
        }
        let ne = problem.elections.len();
        let mut dem = vec![0u64; ne * k];
        let mut rep = vec![0u64; ne * k];
        for (ei, el) in problem.elections.iter().enumerate() {
            for (v, &d) in assignment.iter().enumerate() {
                dem[ei * k + d as usize] += el.dem[v];
                rep[ei * k + d as usize] += el.rep[v];
            }
        }
        let mut tracked = vec![0u64; problem.tracked.len() * k];
        for (ti, t) in problem.tracked.iter().enumerate() {
            for (v, &d) in assignment.iter().enumerate() {
                tracked[ti * k + d as usize] += t.values[v];
            }
        }
        let nc = problem.county_names.len();
        let mut county_dist = vec![0u32; nc * k];
        let mut county_ndist = vec![0u32; nc];
        let mut county_splits = 0;
        if let Some(county) = &problem.county {
            for (v, &d) in assignment.iter().enumerate() {
                county_dist[county[v] as usize * k + d as usize] += 1;
            }
            for c in 0..nc {
                county_ndist[c] = county_dist[c * k..(c + 1) * k].iter().filter(|&&x| x > 0).count() as u32;
                if county_ndist[c] > 1 {
                    county_splits += 1;
                }
            }
        }
        Partition {
            assignment,
            dist_pop,
            members,
            pos,
            cut_list,
            cut_pos,
            pair_cut,
            dem,
            rep,
            tracked,
            county_dist,
            county_ndist,
            county_splits,
            k,
        }
    }

    /// Moves node `v` to district `to`, updating every derived quantity in time proportional
    /// to `v`'s degree (plus the number of elections and tracked columns).
    #[inline]
    pub fn move_node(&mut self, p: &Problem, v: u32, to: u32) {
        let vu = v as usize;
        let from = self.assignment[vu];
        if from == to {
            return;
        }
        let k = self.k;
        let (fu, tu) = (from as usize, to as usize);
        // Member lists: swap-remove from `from`, push onto `to`.
        let i = self.pos[vu] as usize;
        let last = self.members[fu].pop().expect("non-empty district");
        if last != v {
            self.members[fu][i] = last;
            self.pos[last as usize] = i as u32;
        }
        self.pos[vu] = self.members[tu].len() as u32;
        self.members[tu].push(v);
        self.assignment[vu] = to;
        let pv = p.pop[vu];
        self.dist_pop[fu] -= pv;
        self.dist_pop[tu] += pv;
        for (ei, el) in p.elections.iter().enumerate() {
            self.dem[ei * k + fu] -= el.dem[vu];
            self.dem[ei * k + tu] += el.dem[vu];
            self.rep[ei * k + fu] -= el.rep[vu];
            self.rep[ei * k + tu] += el.rep[vu];
        }
        for (ti, t) in p.tracked.iter().enumerate() {
            let x = t.values[vu];
            self.tracked[ti * k + fu] -= x;
            self.tracked[ti * k + tu] += x;
        }
        let (s, t) = (p.offsets[vu] as usize, p.offsets[vu + 1] as usize);
        for j in s..t {
            let w = p.neighbors[j] as usize;
            let dw = self.assignment[w] as usize;
            let e = p.edge_of[j] as usize;
            if dw != fu {
                // Was cut between from and dw.
                self.pair_cut[fu * k + dw] -= 1;
                self.pair_cut[dw * k + fu] -= 1;
            }
            if dw != tu {
                self.pair_cut[tu * k + dw] += 1;
                self.pair_cut[dw * k + tu] += 1;
            }
            let was_cut = dw != fu;
            let is_cut = dw != tu;
            if was_cut && !is_cut {
                let i = self.cut_pos[e] as usize;
                let last = self.cut_list.pop().expect("cut edge present");
                if last as usize != e {
                    self.cut_list[i] = last;
                    self.cut_pos[last as usize] = i as u32;
                }
                self.cut_pos[e] = NONE;
            } else if !was_cut && is_cut {
                self.cut_pos[e] = self.cut_list.len() as u32;
                self.cut_list.push(e as u32);
            }
        }
        if let Some(county) = &p.county {
            let c = county[vu] as usize;
            let row = c * k;
            self.county_dist[row + fu] -= 1;
            if self.county_dist[row + fu] == 0 {
                self.county_ndist[c] -= 1;
                if self.county_ndist[c] == 1 {
                    self.county_splits -= 1;
                }
            }
            if self.county_dist[row + tu] == 0 {
                self.county_ndist[c] += 1;
                if self.county_ndist[c] == 2 {
                    self.county_splits += 1;
                }
            }
            self.county_dist[row + tu] += 1;
        }
    }

    pub fn assignment(&self) -> &[u32] {
        &self.assignment
    }
    pub fn district_pops(&self) -> &[u64] {
        &self.dist_pop
    }
    pub fn cut_edges(&self) -> usize {
        self.cut_list.len()
    }
    pub fn county_splits(&self) -> u32 {
        self.county_splits
    }
    pub fn members(&self, d: usize) -> &[u32] {
        &self.members[d]
    }
    /// Number of edges between districts `a` and `b`.
    pub fn pair_cut(&self, a: usize, b: usize) -> u32 {
        self.pair_cut[a * self.k + b]
    }
    /// Democratic votes of election `e` in district `d`.
    pub fn dem(&self, e: usize, d: usize) -> u64 {
        self.dem[e * self.k + d]
    }
    pub fn rep(&self, e: usize, d: usize) -> u64 {
        self.rep[e * self.k + d]
    }
    /// Sum of tracked column `t` (the problem's `t`-th `--track` column) over district `d`.
    pub fn tracked_sum(&self, t: usize, d: usize) -> u64 {
        self.tracked[t * self.k + d]
    }
    /// Districts where the Democratic tally of election `e` strictly exceeds the Republican one.
    pub fn dem_seats(&self, e: usize) -> usize {
        let k = self.k;
        (0..k).filter(|&d| self.dem[e * k + d] > self.rep[e * k + d]).count()
    }

    /// Compares every incrementally maintained quantity with a full recomputation, and checks
    /// that every district is non-empty and contiguous. Returns a description of the first
    /// discrepancy. Used by tests after every step; O(n + m).
    pub fn check(&self, p: &Problem) -> Result<(), String> {
        let fresh = Partition::new(p, self.assignment.clone()).map_err(|e| e.to_string())?;
        if fresh.dist_pop != self.dist_pop {
            return Err(format!("populations {:?} != recomputed {:?}", self.dist_pop, fresh.dist_pop));
        }
        if fresh.dem != self.dem || fresh.rep != self.rep {
            return Err("vote tallies differ from a recomputation".into());
        }
        if fresh.tracked != self.tracked {
            return Err("tracked column sums differ from a recomputation".into());
        }
        if fresh.pair_cut != self.pair_cut {
            return Err("pairwise cut counts differ from a recomputation".into());
        }
        let mut a = self.cut_list.clone();
        a.sort_unstable();
        let mut b = fresh.cut_list.clone();
        b.sort_unstable();
        if a != b {
            return Err(format!("cut edges {} != recomputed {}", a.len(), b.len()));
        }
        for (i, &e) in self.cut_list.iter().enumerate() {
            if self.cut_pos[e as usize] as usize != i {
                return Err("cut_pos out of sync".into());
            }
        }
        if fresh.county_dist != self.county_dist
            || fresh.county_ndist != self.county_ndist
            || fresh.county_splits != self.county_splits
        {
            return Err("county counts differ from a recomputation".into());
        }
        for (d, m) in self.members.iter().enumerate() {
            for (i, &v) in m.iter().enumerate() {
                if self.assignment[v as usize] as usize != d || self.pos[v as usize] as usize != i {
                    return Err(format!("member list of district {d} out of sync at node {v}"));
                }
            }
            if m.len() != fresh.members[d].len() {
                return Err(format!("member list of district {d} has the wrong length"));
            }
            if !district_connected(p, &self.assignment, m) {
                return Err(format!("district {d} is not contiguous"));
            }
        }
        Ok(())
    }
}

/// Whether the nodes `m` (all assigned the same district) induce a connected subgraph.
pub(crate) fn district_connected(p: &Problem, assignment: &[u32], m: &[u32]) -> bool {
    if m.is_empty() {
        return false;
    }
    let d = assignment[m[0] as usize];
    let mut seen = vec![false; p.n];
    let mut stack = vec![m[0]];
    seen[m[0] as usize] = true;
    let mut count = 1;
    while let Some(u) = stack.pop() {
        for &w in p.nbrs(u) {
            if !seen[w as usize] && assignment[w as usize] == d {
                seen[w as usize] = true;
                count += 1;
                stack.push(w);
            }
        }
    }
    count == m.len()
}
