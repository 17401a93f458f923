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
//!   With `region_surcharge` (GerryChain's `region_surcharge`, frcw's region-aware trees) the
//!   tree is instead the minimum spanning tree of random edge weights, uniform in [0, 1) plus the
//!   surcharge on edges between counties, so that cuts fall on county lines more often: a
//!   county-aware proposal with, likewise, no known closed-form target.
//! - **Reversible ReCom** (Cannon, Duchin, Randall & Rule 2022): choose an unordered pair of
//!   districts uniformly among all `k(k-1)/2` pairs, self-loop if they are not adjacent; draw
//!   one uniform spanning tree of the merged region; each balanced edge is selected with
//!   probability `1/M` (`balance_bound`, so the tree yields a move with probability
//!   `|balanced|/M`), otherwise self-loop; finally accept with the Metropolis probability
//!   `min(1, seam(P)/seam(P'))`, where `seam` is the number of edges between the two districts
//!   before and after. This satisfies detailed balance for the target ∝ ∏ τ(district), τ the
//!   number of spanning trees of the district (see `docs/run-format.md` for the derivation):
//!   a uniform tree of `A ∪ B` splits into `(A', B')` with probability
//!   `τ(A')τ(B')·seam(A',B')/τ(A∪B)`, so `π(P)·Q(P→P')·accept` is
//!   `∏τ(others)·τ(A)τ(B)τ(A')τ(B')·min(seam(P), seam(P'))/(τ(A∪B)·M·C(k,2))`, symmetric in `P`
//!   and `P'`. (GerryChain's `reversible_recom` accepts with `1/(M·seam(P'))` instead, which is
//!   also exact but rejects more.) A tree with more than `M` balanced edges cannot give each
//!   of them probability `1/M`: such a step is a self-loop with outcome `BoundExceeded`, and
//!   `run` stops the run with an error asking for a larger `M` (GerryChain raises
//!   `ReversibilityError` likewise), so a finished run is exact.
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

use crate::ordering::{hierarchical_peelable, OrderingScratch};
use crate::partition::{Partition, NONE};
use crate::problem::Problem;
use crate::rng::Rng;
use crate::spanning::DistrictTrees;
use crate::tree::TreeWorkspace;

/// The proposal family.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ProposalKind {
    Recom,
    ReversibleRecom,
    Flip,
    MergeSplit,
}

impl ProposalKind {
    pub fn name(self) -> &'static str {
        match self {
            ProposalKind::Recom => "recom",
            ProposalKind::ReversibleRecom => "reversible-recom",
            ProposalKind::Flip => "flip",
            ProposalKind::MergeSplit => "merge-split",
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
    /// Reversible ReCom and merge-split: `M`, the bound on balanced edges per tree.
    pub balance_bound: u32,
    /// Merge-split: the compactness exponent ρ of the target `∏ τ^ρ` (1 = the reversible-ReCom
    /// target, 0 = uniform).
    #[serde(default = "one")]
    pub rho: f64,
    /// Merge-split: county-respecting trees and the hierarchical county constraint (the target
    /// of SMC with the county constraint, see `smc`).
    #[serde(default)]
    pub county_hierarchy: bool,
    /// Merge-split: λ of the target factor `exp(−λ · split counties)`.
    #[serde(default)]
    pub county_penalty: f64,
    /// Plain ReCom: draw the tree as a minimum spanning tree of random edge weights, each
    /// uniform in [0, 1) plus this surcharge on edges between counties (GerryChain's
    /// `region_surcharge`), so that cuts fall on county lines more often. No closed-form target.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region_surcharge: Option<f64>,
}

fn one() -> f64 {
    1.0
}

impl Default for ProposalConfig {
    fn default() -> Self {
        ProposalConfig {
            kind: ProposalKind::Recom,
            pair_selection: PairSelection::CutEdge,
            tree_attempts: 100,
            balance_bound: 30,
            rho: 1.0,
            county_hierarchy: false,
            county_penalty: 0.0,
            region_surcharge: None,
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
    /// Reversible ReCom: the tree had more than `M` balanced edges (self-loop; the chain is not
    /// exact for this `M`, see the module docs).
    BoundExceeded,
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
    /// Reversible ReCom trees with more than `M` balanced edges (self-loops; see module docs).
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
            Outcome::BoundExceeded => self.bound_exceeded += 1,
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
    /// The largest number of balanced edges of a tree seen by reversible ReCom (what `M` must
    /// be at least).
    pub(crate) max_balanced: usize,
    /// Merge-split: τ of districts (ρ ≠ 1), peeling-order checks (county constraint), and the
    /// old labels of the merged region.
    trees: DistrictTrees,
    ordering: OrderingScratch,
    old: Vec<u32>,
    nodes_a: Vec<u32>,
    nodes_b: Vec<u32>,
    piece_sides: Vec<u8>,
    seen_local: Vec<bool>,
}

impl Workspace {
    pub fn new(problem: &Problem) -> Workspace {
        Workspace {
            tree: TreeWorkspace::new(problem.n),
            stamp: vec![0; problem.n],
            generation: 0,
            stack: Vec::new(),
            max_balanced: 0,
            trees: DistrictTrees::new(problem.n),
            ordering: OrderingScratch::default(),
            old: Vec::new(),
            nodes_a: Vec::new(),
            nodes_b: Vec::new(),
            piece_sides: Vec::new(),
            seen_local: Vec::new(),
        }
    }

    /// The largest number of balanced edges in one spanning tree seen so far by reversible
    /// ReCom steps with this workspace: `--balance-bound` must be at least this.
    pub fn max_balanced(&self) -> usize {
        self.max_balanced
    }
}

/// Which corrections of the exact chains are on. Always all of them outside this module's
/// tests, which switch each off to show that the distribution tests can detect its absence.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Corrections {
    /// Reversible ReCom: the seam-length Metropolis ratio.
    pub(crate) seam: bool,
    /// Reversible ReCom: each balanced edge with probability `1/M` (off: uniform among them).
    pub(crate) one_over_m: bool,
    /// Flip: the Metropolis-Hastings correction.
    pub(crate) flip: bool,
    /// Merge-split: the ratio of adjacent-pair counts.
    pub(crate) pairs: bool,
}

const EXACT: Corrections = Corrections { seam: true, one_over_m: true, flip: true, pairs: true };

/// Performs one step of the chain.
pub fn step(
    p: &Problem,
    part: &mut Partition,
    ws: &mut Workspace,
    rng: &mut Rng,
    cfg: &ProposalConfig,
    counters: &mut Counters,
) -> Outcome {
    step_with(p, part, ws, rng, cfg, counters, EXACT)
}

pub(crate) fn step_with(
    p: &Problem,
    part: &mut Partition,
    ws: &mut Workspace,
    rng: &mut Rng,
    cfg: &ProposalConfig,
    counters: &mut Counters,
    corr: Corrections,
) -> Outcome {
    let o = match cfg.kind {
        ProposalKind::Recom => recom(p, part, ws, rng, cfg, counters),
        ProposalKind::ReversibleRecom => reversible_recom(p, part, ws, rng, cfg, counters, corr),
        ProposalKind::Flip => flip(p, part, ws, rng, corr),
        ProposalKind::MergeSplit => merge_split(p, part, ws, rng, cfg, counters, corr),
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
        match (cfg.region_surcharge, p.county.as_deref()) {
            (Some(s), Some(county)) => ws.tree.draw_surcharge(rng, root, county, s, (p.lo, p.hi, p.lo, p.hi)),
            _ => ws.tree.draw(rng, ws.tree.wilson_root(root), (p.lo, p.hi, p.lo, p.hi)),
        }
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
    corr: Corrections,
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
    ws.max_balanced = ws.max_balanced.max(nb);
    let bound = cfg.balance_bound.max(1) as usize;
    let outcome = if nb == 0 {
        Outcome::NoSplit
    } else if nb > bound {
        // Each balanced edge cannot have probability 1/M: refuse to move (see module docs).
        Outcome::BoundExceeded
    } else {
        // Select each balanced edge with probability 1/M: draw j uniform in 0..M and use
        // candidate j if it exists.
        let pick = if corr.one_over_m {
            let j = rng.index(bound);
            (j < nb).then_some(j)
        } else {
            Some(rng.index(nb))
        };
        match pick {
            None => Outcome::NotSelected,
            Some(j) => {
                let v = ws.tree.cands[j];
                ws.tree.mark_subtree(v);
                let new_seam = ws.tree.piece_boundary();
                let o = if corr.seam && new_seam > seam && !rng.chance(seam as f64 / new_seam as f64) {
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

/// Number of unordered pairs of adjacent districts.
fn adjacent_pairs(part: &Partition) -> u32 {
    let k = part.k;
    let mut c = 0;
    for a in 0..k {
        for b in a + 1..k {
            c += (part.pair_cut[a * k + b] > 0) as u32;
        }
    }
    c
}

/// Number of districts other than `b` adjacent to `a`.
fn neighbours_except(part: &Partition, a: usize, b: usize) -> u32 {
    let k = part.k;
    (0..k).filter(|&x| x != a && x != b && part.pair_cut[a * k + x] > 0).count() as u32
}

/// Merge-split (Carter, Herschlag, Hunter, Mattingly & Tucker 2019; redist's
/// `redist_mergesplit`), exact for `π ∝ ∏ τ(V)^ρ · exp(−λ · split counties)`: a uniformly random
/// pair of **adjacent** districts is merged, one uniform spanning tree of the union is drawn and
/// each balanced edge is cut with probability `1/M` (as reversible ReCom). The split `(A', B')`
/// of `U = A ∪ B` then has probability `τ(A')τ(B')·b(A', B')/(τ(U)·M)` (`b` = edges between the
/// parts) times `1/adj(P)` for the pair, so the Metropolis–Hastings ratio is
///
/// ```text
/// adj(P)/adj(P') · b(A, B)/b(A', B') · (τ(A')τ(B') / τ(A)τ(B))^(ρ−1) · exp(−λ Δsplits)
/// ```
///
/// With `county_hierarchy` the tree is a uniform county-respecting tree of `U`, `τ` becomes `τ_h`
/// and `b` counts only the edges inside the county piece of `U` that the split divides (all of
/// them when it divides none); a move to a plan that cannot be peeled under the county rule, or
/// from a pair whose current split is not a county-respecting split of `U` (its reverse move is
/// impossible), is rejected. This is the target of SMC with the same options, so SMC output can
/// be rejuvenated or checked with merge-split steps.
fn merge_split(
    p: &Problem,
    part: &mut Partition,
    ws: &mut Workspace,
    rng: &mut Rng,
    cfg: &ProposalConfig,
    counters: &mut Counters,
    corr: Corrections,
) -> Outcome {
    let k = p.k;
    // A uniformly random adjacent pair (rejection over all pairs is uniform on adjacent ones).
    let (a, b) = loop {
        let (a, b) = random_pair(k, rng);
        if part.pair_cut(a, b) > 0 {
            break (a, b);
        }
    };
    let hier = cfg.county_hierarchy;
    ws.tree.load_with(p, &[&part.members[a], &part.members[b]], !hier);
    let m = ws.tree.len() as u32;
    let root = rng.below(m);
    if hier {
        ws.tree.compute_pieces(p.county.as_deref().expect("county hierarchy needs counties"));
        ws.tree.draw_hierarchical(rng, ws.tree.wilson_root(root));
        // Balanced edges, collected as in `draw`.
        ws.tree.cands.clear();
        let total = ws.tree.total;
        for i in 1..ws.tree.len() {
            let v = ws.tree.order[i];
            let sv = ws.tree.sub[v as usize];
            if sv >= p.lo && sv <= p.hi && total - sv >= p.lo && total - sv <= p.hi {
                ws.tree.cands.push(v);
            }
        }
    } else {
        ws.tree.draw(rng, ws.tree.wilson_root(root), (p.lo, p.hi, p.lo, p.hi));
    }
    counters.trees += 1;
    let nb = ws.tree.cands.len();
    ws.max_balanced = ws.max_balanced.max(nb);
    let bound = cfg.balance_bound.max(1) as usize;
    let outcome = if nb == 0 {
        Outcome::NoSplit
    } else if nb > bound {
        Outcome::BoundExceeded
    } else {
        let j = rng.index(bound);
        if j >= nb {
            Outcome::NotSelected
        } else {
            let v = ws.tree.cands[j];
            ws.tree.mark_subtree(v);
            let o = merge_split_accept(p, part, ws, rng, cfg, corr, (a, b), v, root);
            ws.tree.unmark();
            o
        }
    };
    ws.tree.clear();
    outcome
}

/// The Metropolis–Hastings decision of a merge-split proposal whose new split is marked in the
/// tree workspace (the subtree of local node `v`); applies the move if accepted.
#[allow(clippy::too_many_arguments)]
fn merge_split_accept(
    p: &Problem,
    part: &mut Partition,
    ws: &mut Workspace,
    rng: &mut Rng,
    cfg: &ProposalConfig,
    corr: Corrections,
    (a, b): (usize, usize),
    v: u32,
    root: u32,
) -> Outcome {
    let hier = cfg.county_hierarchy;
    let t = &ws.tree;
    // b(A', B'): edges between the new parts (inside the split piece with the county rule).
    let new_b = if hier && t.piece_of[t.parent[v as usize] as usize] == t.piece_of[v as usize] {
        t.piece_boundary_within(t.piece_of[v as usize])
    } else {
        t.piece_boundary()
    };
    // b(A, B) of the current split, or None if it is not a split this proposal could make.
    let old_b = if hier { old_hier_boundary(part, ws, a) } else { Some(part.pair_cut(a, b)) };
    let Some(old_b) = old_b else { return Outcome::Rejected };
    let mut log_ratio = 0.0;
    if corr.seam {
        log_ratio += (old_b as f64).ln() - (new_b as f64).ln();
    }
    if cfg.rho != 1.0 {
        let t = &ws.tree;
        ws.nodes_a.clear();
        ws.nodes_b.clear();
        for (i, &u) in t.nodes.iter().enumerate() {
            if t.mark[i] {
                ws.nodes_a.push(u);
            } else {
                ws.nodes_b.push(u);
            }
        }
        let new_t = ws.trees.log_tau(p, hier, &ws.nodes_a) + ws.trees.log_tau(p, hier, &ws.nodes_b);
        let old_t = ws.trees.log_tau(p, hier, &part.members[a]) + ws.trees.log_tau(p, hier, &part.members[b]);
        log_ratio += (cfg.rho - 1.0) * (new_t - old_t);
    }
    // Apply, then the terms that need the new plan: adjacent pairs, county splits, the county
    // rule; revert on rejection.
    let adj_old = adjacent_pairs(part);
    let touch_old = neighbours_except(part, a, b) + neighbours_except(part, b, a);
    let splits_old = part.county_splits;
    ws.old.clear();
    ws.old.extend(ws.tree.nodes.iter().map(|&u| part.assignment[u as usize]));
    apply_split(p, part, &ws.tree, root, a, b);
    if !county_ok(p, part) {
        revert_split(p, part, &ws.tree, &ws.old);
        return Outcome::Invalid;
    }
    if hier {
        let asg = &part.assignment;
        match hierarchical_peelable(p, |x| asg[x], &mut ws.ordering) {
            Ok(true) => {}
            _ => {
                revert_split(p, part, &ws.tree, &ws.old);
                return Outcome::Invalid;
            }
        }
    }
    if corr.pairs {
        // Only pairs involving a or b change (a and b stay adjacent).
        let touch_new = neighbours_except(part, a, b) + neighbours_except(part, b, a);
        let adj_new = adj_old + touch_new - touch_old;
        log_ratio += (adj_old as f64).ln() - (adj_new as f64).ln();
    }
    if cfg.county_penalty > 0.0 {
        log_ratio -= cfg.county_penalty * (part.county_splits as f64 - splits_old as f64);
    }
    if log_ratio < 0.0 && rng.unit() >= log_ratio.exp() {
        revert_split(p, part, &ws.tree, &ws.old);
        return Outcome::Rejected;
    }
    Outcome::Accepted
}

/// With the county rule: `b(A, B)` of the current split of the merged region (loaded with its
/// pieces; district `a` is one side), or `None` if the split divides more than one county piece
/// or a piece into more than two connected parts (then no county-respecting tree yields it).
fn old_hier_boundary(part: &Partition, ws: &mut Workspace, a: usize) -> Option<u32> {
    let t = &ws.tree;
    let m = t.len();
    let in_a = |i: usize| part.assignment[t.nodes[i] as usize] as usize == a;
    // Pieces with nodes on both sides (bit 1: side a, bit 2: side b).
    let np = t.pieces;
    let sides = &mut ws.piece_sides;
    sides.clear();
    sides.resize(np, 0);
    for i in 0..m {
        sides[t.piece_of[i] as usize] |= if in_a(i) { 1 } else { 2 };
    }
    let mut split_piece = NONE;
    for (q, &x) in sides.iter().enumerate() {
        if x == 3 {
            if split_piece != NONE {
                return None;
            }
            split_piece = q as u32;
        }
    }
    let (off, adj) = t.local_csr();
    let nbrs = |u: usize| &adj[off[u] as usize..off[u + 1] as usize];
    if split_piece == NONE {
        let c: usize =
            (0..m).filter(|&i| in_a(i)).map(|i| nbrs(i).iter().filter(|&&w| !in_a(w as usize)).count()).sum();
        return Some(c as u32);
    }
    // Both parts of the split piece must be connected: flood each from one of its nodes.
    let seen = &mut ws.seen_local;
    seen.clear();
    seen.resize(m, false);
    for side in [true, false] {
        let members = (0..m).filter(|&i| t.piece_of[i] == split_piece && in_a(i) == side).count();
        let start = (0..m).find(|&i| t.piece_of[i] == split_piece && in_a(i) == side)?;
        ws.stack.clear();
        ws.stack.push(start as u32);
        seen[start] = true;
        let mut count = 1;
        while let Some(u) = ws.stack.pop() {
            for &w in nbrs(u as usize) {
                let w = w as usize;
                if !seen[w] && t.piece_of[w] == split_piece && in_a(w) == side {
                    seen[w] = true;
                    count += 1;
                    ws.stack.push(w as u32);
                }
            }
        }
        if count != members {
            return None;
        }
    }
    let c: usize = (0..m)
        .filter(|&i| t.piece_of[i] == split_piece && in_a(i))
        .map(|i| {
            nbrs(i).iter().filter(|&&w| t.piece_of[w as usize] == split_piece && !in_a(w as usize)).count()
        })
        .sum();
    Some(c as u32)
}

fn flip(p: &Problem, part: &mut Partition, ws: &mut Workspace, rng: &mut Rng, corr: Corrections) -> Outcome {
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
    if corr.flip && num < den && !rng.chance(num as f64 / den as f64) {
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

#[cfg(test)]
mod tests {
    //! Power of the distribution tests: each correction that makes reversible ReCom and flip
    //! exact is switched off in turn, and the same chi-square test against exact enumeration,
    //! at the same sample size, must then reject the target. (The exact chains pass it, here and
    //! in `tests/sampler.rs`.)
    use super::*;
    use crate::enumerate::{chi_square, enumerate_partitions, partition_key, spanning_trees};
    use crate::problem::ProblemSpec;
    use redraw_graph::{Column, Graph};
    use std::collections::HashMap;

    fn grid_problem(w: usize, h: usize, k: usize, tol: f64) -> Problem {
        let mut edges = Vec::new();
        for y in 0..h {
            for x in 0..w {
                let i = (y * w + x) as u32;
                if x + 1 < w {
                    edges.push((i, i + 1));
                }
                if y + 1 < h {
                    edges.push((i, i + w as u32));
                }
            }
        }
        let n = w * h;
        let mut g = Graph::from_edges((0..n).map(|i| i.to_string()).collect(), &edges, None).unwrap();
        g.set_column("pop", Column::Int(vec![1; n])).unwrap();
        let spec = ProblemSpec {
            pop_column: "pop".into(),
            districts: k,
            tolerance: tol,
            elections: vec![],
            county: None,
            max_county_splits: None,
            tracked: Vec::new(),
        };
        Problem::new(&g, &spec).unwrap()
    }

    struct Sampled {
        counts: HashMap<Vec<u64>, u64>,
        counters: Counters,
        max_balanced: usize,
    }

    fn sample(p: &Problem, cfg: &ProposalConfig, corr: Corrections, steps: usize, thin: usize) -> Sampled {
        let mut rng = Rng::for_chain(2024, 0);
        let plan = crate::seed_plan(p, &mut rng).unwrap();
        let mut part = Partition::new(p, plan).unwrap();
        let mut ws = Workspace::new(p);
        let mut counters = Counters::default();
        let mut counts = HashMap::new();
        for s in 1..=steps {
            step_with(p, &mut part, &mut ws, &mut rng, cfg, &mut counters, corr);
            if s % thin == 0 {
                *counts.entry(partition_key(part.assignment(), p.k)).or_insert(0) += 1;
            }
        }
        Sampled { counts, counters, max_balanced: ws.max_balanced() }
    }

    fn p_value(all: &[Vec<u64>], weights: &[f64], counts: &HashMap<Vec<u64>, u64>) -> f64 {
        let total: f64 = weights.iter().sum();
        let probs: Vec<f64> = weights.iter().map(|w| w / total).collect();
        let observed: Vec<u64> = all.iter().map(|key| counts.get(key).copied().unwrap_or(0)).collect();
        assert_eq!(
            observed.iter().sum::<u64>(),
            counts.values().sum::<u64>(),
            "plan outside the enumeration"
        );
        chi_square(&observed, &probs).1
    }

    fn tree_weights(p: &Problem, all: &[Vec<u64>]) -> Vec<f64> {
        all.iter().map(|pl| pl.iter().map(|&m| spanning_trees(p, m)).product()).collect()
    }

    const NO_SEAM: Corrections = Corrections { seam: false, ..EXACT };
    const NO_ONE_OVER_M: Corrections = Corrections { one_over_m: false, ..EXACT };

    /// 3x4 grid into 3 districts of 3 to 5 nodes: trees of a merged pair have up to 3 balanced
    /// edges, so the `1/M` rule matters here (with districts of exactly equal size a tree has at
    /// most one balanced edge and the rule is invisible: the 4x4 test cannot see it).
    #[test]
    fn reversible_recom_is_exact_with_several_balanced_edges_and_each_correction_matters() {
        let p = grid_problem(4, 3, 3, 0.26);
        let all = enumerate_partitions(&p);
        let w = tree_weights(&p, &all);
        let cfg =
            ProposalConfig { kind: ProposalKind::ReversibleRecom, balance_bound: 3, ..Default::default() };
        let (steps, thin) = (3_000_000, 150);
        let exact = sample(&p, &cfg, EXACT, steps, thin);
        assert_eq!(exact.counters.bound_exceeded, 0, "{:?}", exact.counters);
        assert_eq!(exact.max_balanced, 3, "the test must exercise trees with several balanced edges");
        let pv = p_value(&all, &w, &exact.counts);
        eprintln!("exact: p = {pv:.4} ({} plans, {:?})", all.len(), exact.counters);
        assert!(pv > 0.001, "exact reversible ReCom rejected: p = {pv}");
        for (name, corr) in [("no seam correction", NO_SEAM), ("uniform balanced edge", NO_ONE_OVER_M)] {
            let s = sample(&p, &cfg, corr, steps, thin);
            let pv = p_value(&all, &w, &s.counts);
            eprintln!("{name}: p = {pv:.3e}");
            assert!(pv < 1e-6, "{name}: the test cannot tell it from the exact chain, p = {pv}");
        }
    }

    /// The 4x4 grid into 4 tetrominoes (`tests/sampler.rs` checks the exact chain there): without
    /// the seam correction the same test rejects.
    #[test]
    fn the_4x4_test_detects_a_missing_seam_correction() {
        let p = grid_problem(4, 4, 4, 0.0);
        let all = enumerate_partitions(&p);
        let w = tree_weights(&p, &all);
        let cfg =
            ProposalConfig { kind: ProposalKind::ReversibleRecom, balance_bound: 4, ..Default::default() };
        let s = sample(&p, &cfg, NO_SEAM, 8_000_000, 400);
        let pv = p_value(&all, &w, &s.counts);
        eprintln!("4x4 without seam correction: p = {pv:.3e}");
        assert!(pv < 1e-6, "p = {pv}");
    }

    /// Flip without its Metropolis-Hastings correction is not uniform, and the test sees it.
    #[test]
    fn flip_test_detects_a_missing_metropolis_correction() {
        let p = grid_problem(4, 3, 3, 0.26);
        let all = enumerate_partitions(&p);
        let cfg = ProposalConfig { kind: ProposalKind::Flip, ..Default::default() };
        let s = sample(&p, &cfg, Corrections { flip: false, ..EXACT }, 4_000_000, 200);
        let pv = p_value(&all, &vec![1.0; all.len()], &s.counts);
        eprintln!("flip without correction: p = {pv:.3e}");
        assert!(pv < 1e-6, "p = {pv}");
    }

    /// Merge-split: a chain from `start` (or a seed plan), tallied every `thin` steps.
    fn ms_counts(
        p: &Problem,
        cfg: &ProposalConfig,
        corr: Corrections,
        steps: usize,
        thin: usize,
        start: Option<Vec<u32>>,
    ) -> (HashMap<Vec<u64>, u64>, Counters) {
        let mut rng = Rng::for_chain(99, 0);
        let plan = start.unwrap_or_else(|| crate::seed_plan(p, &mut rng).unwrap());
        let mut part = Partition::new(p, plan).unwrap();
        let mut ws = Workspace::new(p);
        let mut counters = Counters::default();
        let mut counts = HashMap::new();
        for s in 1..=steps {
            step_with(p, &mut part, &mut ws, &mut rng, cfg, &mut counters, corr);
            if s % thin == 0 {
                *counts.entry(partition_key(part.assignment(), p.k)).or_insert(0) += 1;
            }
        }
        assert_eq!(counters.bound_exceeded, 0, "{counters:?}");
        (counts, counters)
    }

    fn ms_cfg(rho: f64, bound: u32) -> ProposalConfig {
        ProposalConfig { kind: ProposalKind::MergeSplit, balance_bound: bound, rho, ..Default::default() }
    }

    /// Merge-split's p-value against the target of `testkit::target`.
    fn ms_check(p: &Problem, cfg: &ProposalConfig, corr: Corrections, steps: usize, thin: usize) -> f64 {
        let (all, w) = crate::testkit::target(p, cfg.rho, cfg.county_hierarchy, cfg.county_penalty);
        // Start from an enumerated plan of the target's support (the county rule's plans too).
        let mut start = vec![0u32; p.n];
        for (d, &mask) in all[all.len() / 2].iter().enumerate() {
            for (v, s) in start.iter_mut().enumerate() {
                if mask >> v & 1 == 1 {
                    *s = d as u32;
                }
            }
        }
        let t = std::time::Instant::now();
        let (counts, c) = ms_counts(p, cfg, corr, steps, thin, Some(start));
        let pv = crate::testkit::p_value(&all, &w, &counts);
        eprintln!(
            "merge-split n={} k={} rho={} county={} lambda={}: {} plans, p = {pv:.3e}, accepted {:.3} ({:.1} s)",
            p.n,
            p.k,
            cfg.rho,
            cfg.county_hierarchy,
            cfg.county_penalty,
            all.len(),
            c.accepted as f64 / c.steps as f64,
            t.elapsed().as_secs_f64()
        );
        pv
    }

    const NO_PAIRS: Corrections = Corrections { pairs: false, ..EXACT };

    /// Merge-split is exact for `∏ τ^ρ` at ρ = 1 and ρ = 0 on the 4x4 grid into 4 and into 2
    /// and on the 4x3 grid into 3 (trees with up to 3 balanced edges); without the seam ratio or
    /// the adjacent-pair ratio the same test rejects.
    #[test]
    fn merge_split_is_exact_and_each_correction_matters() {
        use crate::testkit::grid_problem;
        let g44 = grid_problem(4, 4, 4, 0.0, None);
        assert!(ms_check(&g44, &ms_cfg(1.0, 4), EXACT, 4_000_000, 200) > 0.001);
        assert!(ms_check(&g44, &ms_cfg(0.0, 4), EXACT, 4_000_000, 200) > 0.001);
        assert!(ms_check(&g44, &ms_cfg(1.0, 4), NO_SEAM, 4_000_000, 200) < 1e-6);
        assert!(ms_check(&g44, &ms_cfg(1.0, 4), NO_PAIRS, 4_000_000, 200) < 1e-6);
        let g42 = grid_problem(4, 4, 2, 0.0, None);
        assert!(ms_check(&g42, &ms_cfg(1.0, 4), EXACT, 2_000_000, 100) > 0.001);
        // At ρ = 0 on two halves merge-split mixes slowly (3.7% acceptance: halves with few
        // spanning trees are rarely proposed, and hard to leave once reached), so its draws are
        // thinned by 1500 to be nearly independent (at 100 the test rejects; at 1600, p ≈ 0.7).
        assert!(ms_check(&g42, &ms_cfg(0.0, 4), EXACT, 6_000_000, 1500) > 0.001);
        let g43 = grid_problem(4, 3, 3, 0.26, None);
        assert!(ms_check(&g43, &ms_cfg(1.0, 3), EXACT, 3_000_000, 150) > 0.001);
        assert!(ms_check(&g43, &ms_cfg(0.0, 3), EXACT, 3_000_000, 150) > 0.001);
        assert!(ms_check(&g43, &ms_cfg(1.0, 3), NO_SEAM, 3_000_000, 150) < 1e-6);
    }

    /// Merge-split with the county rule and the county penalty has the target of SMC with the
    /// same options (same grids and county layers as the SMC tests).
    #[test]
    fn merge_split_county_rule_and_penalty_are_exact() {
        use crate::testkit::grid_problem;
        let halves: Vec<u32> = (0..12).map(|i| ((i % 4) / 2) as u32).collect();
        let p = grid_problem(4, 3, 3, 0.26, Some(halves));
        let mut c = ms_cfg(1.0, 3);
        c.county_hierarchy = true;
        assert!(ms_check(&p, &c, EXACT, 3_000_000, 150) > 0.001);
        let rows: Vec<u32> = (0..16).map(|i| u32::from(i / 4 != 0)).collect();
        let p = grid_problem(4, 4, 4, 0.0, Some(rows));
        let mut c = ms_cfg(1.0, 4);
        c.county_hierarchy = true;
        assert!(ms_check(&p, &c, EXACT, 4_000_000, 200) > 0.001);
        let bands: Vec<u32> = (0..12).map(|i| [0, 0, 1, 2][i % 4]).collect();
        let p = grid_problem(4, 3, 3, 0.26, Some(bands));
        let mut c = ms_cfg(1.0, 3);
        c.county_penalty = 1.0;
        assert!(ms_check(&p, &c, EXACT, 3_000_000, 150) > 0.001);
        c.rho = 0.0;
        c.county_hierarchy = true;
        assert!(ms_check(&p, &c, EXACT, 3_000_000, 150) > 0.001);
    }

    /// A tree with more than `M` balanced edges is a self-loop counted as `bound_exceeded`
    /// (it used to pick one uniformly, silently breaking exactness).
    #[test]
    fn trees_above_the_bound_leave_the_plan_unchanged() {
        let p = grid_problem(4, 3, 3, 0.26);
        let cfg =
            ProposalConfig { kind: ProposalKind::ReversibleRecom, balance_bound: 1, ..Default::default() };
        let mut rng = Rng::for_chain(5, 0);
        let mut part = Partition::new(&p, crate::seed_plan(&p, &mut rng).unwrap()).unwrap();
        let mut ws = Workspace::new(&p);
        let mut c = Counters::default();
        let mut seen = 0;
        for _ in 0..20_000 {
            let before = part.assignment().to_vec();
            if step(&p, &mut part, &mut ws, &mut rng, &cfg, &mut c) == Outcome::BoundExceeded {
                assert_eq!(part.assignment(), &before[..]);
                seen += 1;
            }
        }
        assert!(seen > 0 && c.bound_exceeded == seen && c.accepted > 0, "{c:?}");
        assert!(ws.max_balanced() >= 2);
    }
}
