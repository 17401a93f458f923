//! Proposals: one Markov chain step each. Every call is one step, whether it moves the plan or
//! is a self-loop (as frcw and GerryChain count steps); the returned [`Outcome`] says which.
//!
//! - **ReCom** (DeFord, Duchin & Solomon 2021): choose two adjacent districts — by a uniformly
//!   random cut edge (GerryChain's and frcw's rule, the default) or uniformly among adjacent
//!   district pairs — merge them, draw a uniform spanning tree of the merged region (Wilson), and
//!   cut a uniformly chosen edge whose removal leaves both sides within the population bounds.
//!   If a tree has no such edge, up to `tree_attempts` fresh trees are drawn on the same pair
//!   (GerryChain's `bipartition_tree` likewise redraws trees on the same pair; frcw redraws the
//!   pair too); if all fail the step is a self-loop (`no_split`). Its stationary distribution is
//!   not known in closed form.
//! - **Reversible ReCom** (Cannon, Duchin, Randall & Rule 2022): choose an unordered pair of
//!   districts uniformly among all `k(k-1)/2` pairs, self-loop if they are not adjacent; draw
//!   one uniform spanning tree of the merged region; each balanced edge is selected with
//!   probability `1/M` (`balance_bound`, so the tree yields a move with probability
//!   `|balanced|/M`), otherwise self-loop; finally accept with the Metropolis probability
//!   `min(1, seam(P)/seam(P'))`, where `seam` is the number of edges between the two districts
//!   before and after. This satisfies detailed balance for the target ∝ ∏ τ(district), τ the
//!   number of spanning trees of the district (see `docs/run-format.md` for the derivation). If a
//!   tree has more than `M` balanced edges the step picks one uniformly anyway and counts a
//!   `bound_exceeded` event: exactness needs `M` ≥ the largest count, so raise `M` if any occur.
//! - **Flip**: pick a uniformly random cut edge and one of its two endpoints `v` uniformly; move
//!   `v` to the other endpoint's district (GerryChain's `propose_random_flip`). Then a
//!   Metropolis–Hastings correction accepts with probability `min(1, c_A·C / (c_B·C'))` where
//!   `c_A`, `c_B` are `v`'s neighbours in its old and new district and `C`, `C'` the cut-edge
//!   counts before and after, so the chain is reversible with respect to the **uniform**
//!   distribution on valid plans (contiguous, within tolerance, within the county-split limit).
//!
//! In all proposals the two resulting pieces keep district labels as follows: a node `r` of the
//! merged region is chosen uniformly (independently of the tree), and the piece
//! containing `r` keeps `r`'s current label. This rule is symmetric between a move and its
//! reverse, which the reversibility argument needs.

use crate::partition::{Partition, NONE};
use crate::problem::Problem;
use crate::rng::Rng;
use crate::tree::TreeWorkspace;

/// The proposal family.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ProposalKind {
    Recom,
    ReversibleRecom,
    Flip,
}

impl ProposalKind {
    pub fn name(self) -> &'static str {
        match self {
            ProposalKind::Recom => "recom",
            ProposalKind::ReversibleRecom => "reversible-recom",
            ProposalKind::Flip => "flip",
        }
    }
}

/// How plain ReCom picks the two districts to merge.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PairSelection {
    /// Endpoints of a uniformly random cut edge (GerryChain, frcw).
    CutEdge,
    /// Uniform among pairs of adjacent districts.
    DistrictPair,
}

/// Proposal parameters.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ProposalConfig {
    pub kind: ProposalKind,
    pub pair_selection: PairSelection,
    /// Plain ReCom: spanning trees drawn on the chosen pair before giving up (self-loop).
    pub tree_attempts: u32,
    /// Reversible ReCom: `M`, the bound on balanced edges per tree.
    pub balance_bound: u32,
}

impl Default for ProposalConfig {
    fn default() -> Self {
        ProposalConfig {
            kind: ProposalKind::Recom,
            pair_selection: PairSelection::CutEdge,
            tree_attempts: 100,
            balance_bound: 30,
        }
    }
}

/// What a step did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    Accepted,
    /// Reversible ReCom: the chosen pair is not adjacent.
    NonAdjacent,
    /// No balanced cut in any tree drawn.
    NoSplit,
    /// Reversible ReCom: no edge selected by the `|balanced|/M` draw.
    NotSelected,
    /// Metropolis rejection (reversible ReCom seam ratio, flip correction).
    Rejected,
    /// The move would violate population, contiguity or the county-split limit.
    Invalid,
}

/// Running counts of outcomes, kept per chain and written to the manifest.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Counters {
    pub steps: u64,
    pub accepted: u64,
    pub non_adjacent: u64,
    pub no_split: u64,
    pub not_selected: u64,
    pub rejected: u64,
    pub invalid: u64,
    /// Reversible ReCom trees with more than `M` balanced edges (see module docs).
    pub bound_exceeded: u64,
    /// Spanning trees drawn.
    pub trees: u64,
}

impl Counters {
    pub fn record(&mut self, o: Outcome) {
        self.steps += 1;
        match o {
            Outcome::Accepted => self.accepted += 1,
            Outcome::NonAdjacent => self.non_adjacent += 1,
            Outcome::NoSplit => self.no_split += 1,
            Outcome::NotSelected => self.not_selected += 1,
            Outcome::Rejected => self.rejected += 1,
            Outcome::Invalid => self.invalid += 1,
        }
    }
    pub(crate) fn to_words(&self) -> [u64; 9] {
        [
            self.steps,
            self.accepted,
            self.non_adjacent,
            self.no_split,
            self.not_selected,
            self.rejected,
            self.invalid,
            self.bound_exceeded,
            self.trees,
        ]
    }
    pub(crate) fn from_words(w: [u64; 9]) -> Counters {
        Counters {
            steps: w[0],
            accepted: w[1],
            non_adjacent: w[2],
            no_split: w[3],
            not_selected: w[4],
            rejected: w[5],
            invalid: w[6],
            bound_exceeded: w[7],
            trees: w[8],
        }
    }
}

/// Per-chain scratch space: every buffer a step needs, allocated once.
#[derive(Clone, Debug)]
pub struct Workspace {
    pub(crate) tree: TreeWorkspace,
    /// Visit stamps for the flip contiguity search.
    stamp: Vec<u32>,
    generation: u32,
    stack: Vec<u32>,
}

impl Workspace {
    pub fn new(problem: &Problem) -> Workspace {
        Workspace {
            tree: TreeWorkspace::new(problem.n),
            stamp: vec![0; problem.n],
            generation: 0,
            stack: Vec::new(),
        }
    }
}

/// Performs one step of the chain.
pub fn step(
    p: &Problem,
    part: &mut Partition,
    ws: &mut Workspace,
    rng: &mut Rng,
    cfg: &ProposalConfig,
    counters: &mut Counters,
) -> Outcome {
    let o = match cfg.kind {
        ProposalKind::Recom => recom(p, part, ws, rng, cfg, counters),
        ProposalKind::ReversibleRecom => reversible_recom(p, part, ws, rng, cfg, counters),
        ProposalKind::Flip => flip(p, part, ws, rng),
    };
    counters.record(o);
    o
}

fn pick_adjacent_pair(p: &Problem, part: &Partition, rng: &mut Rng, sel: PairSelection) -> (usize, usize) {
    match sel {
        PairSelection::CutEdge => {
            let e = part.cut_list[rng.index(part.cut_list.len())];
            let (u, v) = p.edge_ends[e as usize];
            (part.assignment[u as usize] as usize, part.assignment[v as usize] as usize)
        }
        PairSelection::DistrictPair => loop {
            // Rejection sampling over unordered pairs is uniform over the adjacent ones.
            let (a, b) = random_pair(p.k, rng);
            if part.pair_cut(a, b) > 0 {
                break (a, b);
            }
        },
    }
}

/// A uniformly random unordered pair `a < b` of `0..k` (`k >= 2`).
fn random_pair(k: usize, rng: &mut Rng) -> (usize, usize) {
    let a = rng.index(k);
    let mut b = rng.index(k - 1);
    if b >= a {
        b += 1;
    }
    (a.min(b), a.max(b))
}

/// Relabels the merged region: the marked piece (subtree) gets one label and the rest the
/// other, so that the piece containing local node `root` keeps `root`'s current label.
fn apply_split(p: &Problem, part: &mut Partition, t: &TreeWorkspace, root: u32, a: usize, b: usize) {
    let root_label = part.assignment[t.nodes[root as usize] as usize] as usize;
    let other = if root_label == a { b } else { a };
    let (piece_label, rest_label) =
        if t.mark[root as usize] { (root_label, other) } else { (other, root_label) };
    for (i, &u) in t.nodes.iter().enumerate() {
        let want = if t.mark[i] { piece_label } else { rest_label } as u32;
        if part.assignment[u as usize] != want {
            part.move_node(p, u, want);
        }
    }
}

/// Undo an applied split (when a constraint checked after the fact fails).
fn revert_split(p: &Problem, part: &mut Partition, t: &TreeWorkspace, old: &[u32]) {
    for (i, &u) in t.nodes.iter().enumerate() {
        if part.assignment[u as usize] != old[i] {
            part.move_node(p, u, old[i]);
        }
    }
}

fn county_ok(p: &Problem, part: &Partition) -> bool {
    match p.max_county_splits {
        Some(m) => part.county_splits <= m,
        None => true,
    }
}

/// Applies the split marked in the tree workspace and checks the county limit, reverting on
/// violation. Returns whether the move stands.
fn commit(p: &Problem, part: &mut Partition, ws: &mut Workspace, root: u32, a: usize, b: usize) -> bool {
    if p.max_county_splits.is_none() {
        apply_split(p, part, &ws.tree, root, a, b);
        return true;
    }
    // Save the old labels of the region (reusing the stack buffer) to revert if needed.
    ws.stack.clear();
    ws.stack.extend(ws.tree.nodes.iter().map(|&u| part.assignment[u as usize]));
    apply_split(p, part, &ws.tree, root, a, b);
    if county_ok(p, part) {
        true
    } else {
        revert_split(p, part, &ws.tree, &ws.stack);
        false
    }
}

fn recom(
    p: &Problem,
    part: &mut Partition,
    ws: &mut Workspace,
    rng: &mut Rng,
    cfg: &ProposalConfig,
    counters: &mut Counters,
) -> Outcome {
    let (a, b) = pick_adjacent_pair(p, part, rng, cfg.pair_selection);
    ws.tree.load(p, &[&part.members[a], &part.members[b]]);
    let m = ws.tree.len() as u32;
    let mut outcome = Outcome::NoSplit;
    for _ in 0..cfg.tree_attempts.max(1) {
        // `root` decides the labels (see the module docs) and must be uniform; the tree's own
        // root only affects speed.
        let root = rng.below(m);
        ws.tree.draw(rng, ws.tree.wilson_root(root), (p.lo, p.hi, p.lo, p.hi));
        counters.trees += 1;
        if ws.tree.cands.is_empty() {
            continue;
        }
        let v = ws.tree.cands[rng.index(ws.tree.cands.len())];
        ws.tree.mark_subtree(v);
        outcome = if commit(p, part, ws, root, a, b) { Outcome::Accepted } else { Outcome::Invalid };
        ws.tree.unmark();
        break;
    }
    ws.tree.clear();
    outcome
}

fn reversible_recom(
    p: &Problem,
    part: &mut Partition,
    ws: &mut Workspace,
    rng: &mut Rng,
    cfg: &ProposalConfig,
    counters: &mut Counters,
) -> Outcome {
    let (a, b) = random_pair(p.k, rng);
    let seam = part.pair_cut(a, b);
    if seam == 0 {
        return Outcome::NonAdjacent;
    }
    ws.tree.load(p, &[&part.members[a], &part.members[b]]);
    let m = ws.tree.len() as u32;
    let root = rng.below(m);
    ws.tree.draw(rng, ws.tree.wilson_root(root), (p.lo, p.hi, p.lo, p.hi));
    counters.trees += 1;
    let nb = ws.tree.cands.len();
    let bound = cfg.balance_bound.max(1) as usize;
    let outcome = if nb == 0 {
        Outcome::NoSplit
    } else {
        // Select each balanced edge with probability 1/M: draw j uniform in 0..M and use
        // candidate j if it exists.
        let pick = if nb > bound {
            counters.bound_exceeded += 1;
            Some(rng.index(nb))
        } else {
            let j = rng.index(bound);
            (j < nb).then_some(j)
        };
        match pick {
            None => Outcome::NotSelected,
            Some(j) => {
                let v = ws.tree.cands[j];
                ws.tree.mark_subtree(v);
                let new_seam = ws.tree.piece_boundary();
                let o = if new_seam > seam && !rng.chance(seam as f64 / new_seam as f64) {
                    Outcome::Rejected
                } else if commit(p, part, ws, root, a, b) {
                    Outcome::Accepted
                } else {
                    Outcome::Invalid
                };
                ws.tree.unmark();
                o
            }
        }
    };
    ws.tree.clear();
    outcome
}

fn flip(p: &Problem, part: &mut Partition, ws: &mut Workspace, rng: &mut Rng) -> Outcome {
    let c = part.cut_list.len() as u64;
    let e = part.cut_list[rng.index(c as usize)];
    let (x, y) = p.edge_ends[e as usize];
    let (v, w) = if rng.below(2) == 0 { (x, y) } else { (y, x) };
    let from = part.assignment[v as usize] as usize;
    let to = part.assignment[w as usize] as usize;
    let mut c_from = 0u64;
    let mut c_to = 0u64;
    for &u in p.nbrs(v) {
        let d = part.assignment[u as usize] as usize;
        if d == from {
            c_from += 1;
        } else if d == to {
            c_to += 1;
        }
    }
    // Metropolis-Hastings correction towards the uniform distribution on valid plans.
    let c_new = c + c_from - c_to;
    let (num, den) = (c_from * c, c_to * c_new);
    if num < den && !rng.chance(num as f64 / den as f64) {
        return Outcome::Rejected;
    }
    let pv = p.pop[v as usize];
    if part.members[from].len() <= 1 || part.dist_pop[from] - pv < p.lo || part.dist_pop[to] + pv > p.hi {
        return Outcome::Invalid;
    }
    if c_from >= 2 && !still_connected_without(p, part, ws, v, from as u32) {
        return Outcome::Invalid;
    }
    part.move_node(p, v, to as u32);
    if !county_ok(p, part) {
        part.move_node(p, v, from as u32);
        return Outcome::Invalid;
    }
    Outcome::Accepted
}

/// Whether district `d` stays connected when `v` leaves it: a search inside `d \ {v}` from one
/// of `v`'s neighbours in `d`, stopping as soon as all of them have been reached.
fn still_connected_without(p: &Problem, part: &Partition, ws: &mut Workspace, v: u32, d: u32) -> bool {
    ws.generation = ws.generation.wrapping_add(1);
    if ws.generation == 0 {
        ws.stamp.iter_mut().for_each(|s| *s = 0);
        ws.generation = 1;
    }
    let g = ws.generation;
    let mut targets = 0u32;
    let mut start = NONE;
    for &u in p.nbrs(v) {
        if part.assignment[u as usize] == d {
            targets += 1;
            if start == NONE {
                start = u;
            }
        }
    }
    ws.stamp[v as usize] = g;
    ws.stack.clear();
    ws.stack.push(start);
    ws.stamp[start as usize] = g;
    let mut found = 1;
    // Mark which nodes are targets cheaply: they are neighbours of v; test adjacency on visit.
    while let Some(u) = ws.stack.pop() {
        for &w in p.nbrs(u) {
            let wu = w as usize;
            if ws.stamp[wu] != g && part.assignment[wu] == d {
                ws.stamp[wu] = g;
                if p.nbrs(v).binary_search(&w).is_ok() {
                    found += 1;
                    if found == targets {
                        return true;
                    }
                }
                ws.stack.push(w);
            }
        }
    }
    found == targets
}
