//! Sequential Monte Carlo (McCartan & Imai, *Annals of Applied Statistics* 17(4), 2023): `N`
//! weighted, nearly independent plans drawn by splitting districts off the map one at a time.
//!
//! # Target
//!
//! On plans whose `k` districts are contiguous and within the population bounds,
//!
//! ```text
//! π(plan) ∝ ∏_d τ(V_d)^ρ · exp(−λ · split_counties(plan))
//! ```
//!
//! where `τ(V)` is the number of spanning trees of district `V`, `ρ ≥ 0` the compactness exponent
//! (ρ = 1 by default: the target of reversible ReCom and merge-split; ρ = 0: uniform on valid
//! plans) and `λ ≥ 0` an optional county-split penalty. With the **county constraint**
//! ([`SmcConfig::county_hierarchy`]), `τ` becomes `τ_h`, the number of county-respecting
//! spanning trees (trees whose restriction to every county piece is a tree of the piece: `τ_h(V)
//! = ∏_{pieces p of V} τ(p) · τ(piece multigraph of V)`), and the target is restricted to the
//! plans that can be peeled off district by district with each stage splitting at most one county
//! piece (into two connected parts). Each stage adds at most one piece, so the number of
//! (district, county) pieces exceeds the number of county pieces of the state by at most `k − 1`:
//! when every county is connected in the graph, at most `k − 1` counties are split (a county that
//! is already in several pieces, say across water, can end up in several districts without any
//! stage splitting it).
//!
//! # The sampler
//!
//! Stage `i = 1..k−1` turns each particle `(V_1..V_{i−1}, R_{i−1})` into `(V_1..V_i, R_i)`:
//!
//! 1. **Resample and split together** (redist's rejection resampling): draw an ancestor by
//!    systematic resampling on weights `W^α` (the first attempt; each retry draws a fresh ancestor
//!    multinomially from the same weights), draw a uniform spanning tree `T` of its remainder
//!    (Wilson; with the county constraint a uniform county-respecting tree), and list its
//!    **candidate cuts**: (edge, side) pairs whose side has population in `[lo, hi]` while the
//!    rest stays splittable into the `k − i` remaining districts (`[(k−i)·lo, (k−i)·hi]`). A tree
//!    without candidates is an attempt that failed: it starts over with a new ancestor, which is
//!    what lets the acceptance probability of each ancestor stay out of the weights. Otherwise
//!    one cut `e` is selected with probability `s(e | T)` ([`SmcConfig::cut_selection`]):
//!    - **in proportion to `1/b(e)`** (the default), `b(e)` the number of edges between the two
//!      sides of the cut: `s = (1/b(e)) / B(T)`, `B(T) = Σ_{candidates e'} 1/b(e')`;
//!    - **uniformly**, with a floor `m ≥ 1` ([`SmcConfig::cut_floor`]): `s = 1/max(c(T), m)`,
//!      `c(T)` the number of candidates, and with probability `1 − c/m` none is (a failed
//!      attempt too).
//! 2. **Weight.** The probability of the split itself, a sum over all the trees that contain it,
//!    is out of reach, so the tree is kept as an auxiliary variable (an SMC sampler on an
//!    extended space, Del Moral, Doucet & Jasra 2006): the extended target of stage `i` is
//!    `γ_i(plan) · L(T | plan)`, with the backward kernel `L` drawing the tree that cut `V` off
//!    `R` uniformly among the `τ(V)·τ(R')·b(V, R')` trees of `R` that contain such a cut (`R' =
//!    R \ V`). It integrates to one, so the marginal of the extended target is the plan target.
//!    The forward draw of `(T, cut)` has probability `s(e | T) / τ(R)`, so with intermediate
//!    targets `γ_i = ∏_{j≤i} τ(V_j)^ρ · τ(R_i)` the incremental weight is
//!    **`w_i = γ_i L / (γ_{i−1} P) = τ(V_i)^{ρ−1} / (s(e | T) · b(V_i, R_i))`**: the `τ` of the
//!    remainders cancel, as in McCartan & Imai. That is `B(T) · τ(V_i)^{ρ−1}` for the default
//!    selection, whose weight no longer depends on which of the tree's cuts was taken (on PA
//!    with the county constraint the stages' ESS came out about a third higher than with the
//!    uniform selection), and `max(c(T), m) · τ(V_i)^{ρ−1} / b` for the uniform one. (The fixed
//!    bound `M_i` of earlier versions, each candidate taken with probability `1/M_i` for an `M_i`
//!    above every tree's count, is the uniform selection with `m = M_i`; taking a cut from every
//!    tree with a candidate drew 5.7× fewer trees on PA for a similar ESS. redist picks
//!    uniformly among the `k` edges closest to the target population and weighs as if that were
//!    exact, which it is only when every valid edge is among them.) The order factor below is
//!    part of `γ_i` too. With the county constraint `b` counts only the edges inside the county
//!    piece the stage split, or all of `∂(V, R')` when it split none, and `τ` is `τ_h`.
//!    The county-split penalty is paid as the splits appear: stage `i` multiplies the weight by
//!    `exp(−λ · s_i)`, `s_i` the counties that `V_i` takes part of and no earlier district
//!    touches; the `s_i` sum to the plan's split counties.
//!    Stage `i` also multiplies the weight by **`1/a_i`**, `a_i` the number of drawn districts
//!    `V_1..V_i` that touch `R_i`: the product of these factors is the probability of the order
//!    in which the districts were drawn under the reverse growth of [`crate::ordering`]. Without
//!    it plans would be sampled in proportion to their number of valid orders.
//! 3. **Final weight.** After the last split (`V_k = R_{k−1}`) the weight is multiplied by
//!    `τ(V_k)^{ρ−1}`, which completes `∏ τ^ρ` (and, with the county constraint, by one over the
//!    number of districts the reverse growth can start from).
//!
//! Resampling on `W^α` (α = [`SmcConfig::seq_alpha`], redist's `seq_alpha`) carries `W^{1−α}`
//! into the next stage, which tempers the resampling without changing the target.
//!
//! # Reproducibility and speed
//!
//! Particle `j` of stage `i` draws only from its own stream `(seed, run, stage, j)`, and
//! ancestors come from one systematic draw per stage, so the output is byte-identical for any
//! number of threads. Particles of a stage run in parallel (rayon) in fixed blocks, each with
//! its own tree workspace; plans live in one flat `N × n` array of `u8` (or `u16` above 255
//! districts) per generation. No allocation happens per tree.
//!
//! The exactness is tested by exact enumeration (`tests/smc.rs`): chi-square against the target
//! on 4×4 grids into 4 and 2 districts and a 3×4 grid with several candidates per tree, at ρ = 1
//! and ρ = 0, with the county constraint on a graph with a county layer, with both selections
//! (the uniform one at several floors), and with each correction switched off the same tests
//! fail.

use std::sync::atomic::{AtomicU64, Ordering};

use rayon::prelude::*;

use crate::masked::{CountyLayout, GlobalAdjacency, MaskedTree};
use crate::ordering::{growth_choices, growth_starts, OrderingError, OrderingScratch, MAX_HIER_DISTRICTS};
use crate::partition::NONE;
use crate::problem::Problem;
use crate::rng::Rng;
use crate::spanning::DistrictTrees;
use crate::tree::TreeWorkspace;

/// SMC parameters (everything besides the problem and the seed that determines the output).
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SmcConfig {
    /// Particles (plans) per run.
    pub particles: usize,
    /// Compactness exponent ρ of the target `∏ τ^ρ`.
    pub rho: f64,
    /// The hierarchical county constraint (needs counties in the problem).
    pub county_hierarchy: bool,
    /// λ in `exp(−λ · split counties)` (needs counties; 0 = none).
    pub county_penalty: f64,
    /// Resampling exponent α in (0, 1]: ancestors are resampled on `W^α` and `W^{1−α}` is carried.
    pub seq_alpha: f64,
    /// How a tree's candidate cut is chosen (see the module documentation).
    #[serde(default = "legacy_selection")]
    pub cut_selection: CutSelection,
    /// The selection floor `m ≥ 1` of [`CutSelection::Uniform`]: a tree with `c` candidate cuts
    /// selects each with probability `1/max(c, m)` (and none with the rest), and the weight
    /// carries `max(c, m)`. `m = 1` takes a cut from every tree that has one; a large `m` is the
    /// fixed bound of earlier versions (fewer accepted trees, flatter weights).
    #[serde(default = "one")]
    pub cut_floor: u32,
    /// Attempts (spanning trees) per particle and stage before the run gives up.
    pub max_attempts: u64,
    /// Rejection control (Liu, Chen & Wong 1998) of the boundary weight, with the threshold at
    /// this quantile (in (0, 1]) of the boundary sizes `b` of a stage's pilot cuts: a selected cut
    /// whose `b` exceeds the threshold `b₀` is kept with probability `b₀/b`, and its incremental
    /// weight becomes `1/b₀` instead of `1/b`. `None`: off. Only with
    /// [`CutSelection::Uniform`] (the default selection already averages `1/b` over a tree's
    /// candidates).
    #[serde(default)]
    pub rejection_control: Option<f64>,
}

fn one() -> u32 {
    1
}

/// Manifests written before the choice existed selected uniformly.
fn legacy_selection() -> CutSelection {
    CutSelection::Uniform
}

/// How SMC chooses among the candidate cuts of a spanning tree. Both are exact; they differ in
/// how even the weights come out.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CutSelection {
    /// Each candidate in proportion to `1/b`, `b` its boundary (the factor of its weight), and
    /// the weight carries `Σ 1/b` over the tree's candidates: the cut's own `1/b` is averaged
    /// out. On PA with the county constraint the stages' ESS came out about a third higher
    /// than with [`CutSelection::Uniform`] at the same cost; without it, the same.
    #[default]
    InverseBoundary,
    /// Each candidate with probability `1/max(c, m)` ([`SmcConfig::cut_floor`]); the weight
    /// carries `max(c, m) / b`. Rejection control needs it.
    Uniform,
}

impl Default for SmcConfig {
    fn default() -> Self {
        SmcConfig {
            particles: 1000,
            rho: 1.0,
            county_hierarchy: false,
            county_penalty: 0.0,
            seq_alpha: 1.0,
            cut_selection: CutSelection::InverseBoundary,
            cut_floor: 1,
            max_attempts: 200_000,
            rejection_control: None,
        }
    }
}

/// What happened in one stage (one district split off every particle).
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct StageDiagnostics {
    /// Stage number, 1-based (district `stage` is split off).
    pub stage: u32,
    /// Kish effective sample size of the importance weights entering the stage (before
    /// resampling); for the final row, of the final weights.
    pub ess: f64,
    /// Distinct ancestors among the `N` new particles.
    pub unique_ancestors: u64,
    /// Of the `N` particles this stage made, how many have descendants among the final
    /// particles (the genealogy's width at this stage; the final row counts all `N`). Few
    /// surviving lineages mean the final plans share their first districts, so they are less
    /// independent than the weights' ESS says. Absent (0) in manifests written before it was
    /// recorded.
    #[serde(default)]
    pub lineages: u64,
    /// `N / attempts`: the fraction of split attempts that succeeded.
    pub acceptance: f64,
    pub attempts: u64,
    /// Attempts whose tree had no candidate cut.
    pub no_candidate: u64,
    /// Attempts whose tree had candidates but the `1/max(c, m)` draw selected none (only when
    /// the floor `m` exceeds the tree's count `c`).
    pub not_selected: u64,
    /// The selection floor `m` ([`SmcConfig::cut_floor`]). Manifests written before the floor
    /// replaced the adaptive bound call it `bound` and hold that bound `M_i`.
    #[serde(alias = "bound")]
    pub floor: u32,
    /// The most candidates seen in one tree of this stage.
    pub max_candidates: u32,
    /// Rejection control's threshold `b₀` for this stage (0: off).
    #[serde(default)]
    pub threshold: u32,
    /// Selected cuts that rejection control turned down (`b > b₀`, kept with probability
    /// `b₀/b`).
    #[serde(default)]
    pub thinned: u64,
}

/// Everything one SMC run produces.
#[derive(Clone, Debug)]
pub struct SmcOutput {
    pub n: usize,
    pub k: usize,
    /// Plans, particle-major: `plans[j * n + v]` is node `v`'s district in particle `j`. District
    /// `i` is the one split off at stage `i + 1` (the last is the final remainder).
    pub plans: Plans,
    /// Natural log of each particle's importance weight (unnormalised).
    pub log_weights: Vec<f64>,
    /// One row per stage, then a final row (stage `k`) with the final weights' ESS.
    pub stages: Vec<StageDiagnostics>,
}

/// Particle plans in one flat array.
#[derive(Clone, Debug)]
pub enum Plans {
    U8(Vec<u8>),
    U16(Vec<u16>),
}

impl Plans {
    /// District of node `v` in particle `j`.
    #[inline]
    pub fn get(&self, n: usize, j: usize, v: usize) -> u32 {
        match self {
            Plans::U8(x) => x[j * n + v] as u32,
            Plans::U16(x) => x[j * n + v] as u32,
        }
    }
    /// Copies particle `j`'s plan into `out`.
    pub fn copy_into(&self, n: usize, j: usize, out: &mut Vec<u32>) {
        out.clear();
        match self {
            Plans::U8(x) => out.extend(x[j * n..(j + 1) * n].iter().map(|&d| d as u32)),
            Plans::U16(x) => out.extend(x[j * n..(j + 1) * n].iter().map(|&d| d as u32)),
        }
    }
}

impl SmcOutput {
    /// Importance weights normalised to sum to one.
    pub fn normalized_weights(&self) -> Vec<f64> {
        normalize(&self.log_weights)
    }
    /// Kish effective sample size of the final weights.
    pub fn ess(&self) -> f64 {
        kish(&self.normalized_weights())
    }
    /// Number of distinct plans (as partitions, ignoring district labels).
    pub fn unique_plans(&self) -> usize {
        let mut keys: Vec<u64> = (0..self.log_weights.len()).map(|j| self.plan_hash(j)).collect();
        keys.sort_unstable();
        keys.dedup();
        keys.len()
    }
    /// A hash of particle `j`'s partition that ignores labels (districts renumbered by first
    /// node).
    pub fn plan_hash(&self, j: usize) -> u64 {
        let mut relabel = vec![u32::MAX; self.k];
        let mut next = 0u32;
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for v in 0..self.n {
            let d = self.plans.get(self.n, j, v) as usize;
            if relabel[d] == u32::MAX {
                relabel[d] = next;
                next += 1;
            }
            h ^= relabel[d] as u64;
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
        h
    }
}

/// Errors of an SMC run.
#[derive(Debug, thiserror::Error, Clone, PartialEq)]
pub enum SmcError {
    #[error("SMC needs at least 2 districts")]
    TooFewDistricts,
    #[error("SMC needs at least 2 particles")]
    TooFewParticles,
    #[error("rho must be a finite number ≥ 0, got {0}")]
    BadRho(f64),
    #[error("--seq-alpha must be in (0, 1], got {0}")]
    BadAlpha(f64),
    #[error("--rejection-control must be a quantile in (0, 1], got {0}")]
    BadRejectionControl(f64),
    #[error("{0} needs --cut-selection uniform")]
    NeedsUniformSelection(&'static str),
    #[error("the county penalty must be a finite number ≥ 0, got {0}")]
    BadPenalty(f64),
    #[error("the county constraint and the county penalty need counties (--county or --county-prefix)")]
    NoCounties,
    #[error("the SMC county constraint supports at most {MAX_HIER_DISTRICTS} districts ({0} requested)")]
    TooManyDistrictsForCounties(usize),
    #[error(
        "stage {stage}: particle {particle} made {attempts} attempts without a valid split; the \
         population tolerance is probably too tight for this graph (or the county constraint \
         leaves no valid plan); try a larger --tol"
    )]
    Stuck { stage: u32, particle: usize, attempts: u64 },
    #[error(
        "rejuvenation: a merge-split tree had {found} balanced edges, more than the bound \
         M = {bound}; use a larger --balance-bound"
    )]
    RejuvenationBound { found: u32, bound: u32 },
    #[error("particle {particle}: {source}")]
    Ordering { particle: usize, source: OrderingError },
}

/// Which weight corrections are on. Always all of them outside the tests, which switch each off
/// to show that the enumeration tests detect its absence.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Corrections {
    /// The `1/b` boundary factor (and `τ^{ρ−1}`) of the incremental weights.
    pub(crate) boundary: bool,
    /// The selection factor of the incremental weights: `max(c, m)` for the uniform selection,
    /// `B(T) · b` for the 1/b one.
    pub(crate) selection: bool,
    /// The `∏ 1/c_i` order correction of the final weights.
    pub(crate) order: bool,
    /// Not a correction: whether uniform trees are drawn on the whole graph when it fits the
    /// packing (the tests switch it off to cover the loaded-region fallback on small grids).
    pub(crate) whole_graph: bool,
}

pub(crate) const EXACT: Corrections =
    Corrections { boundary: true, selection: true, order: true, whole_graph: true };

/// Runs SMC (run number `run` of a run with seed `seed`) on the current rayon thread pool.
/// `progress` is advanced by one per particle and stage.
pub fn run_smc(
    p: &Problem,
    cfg: &SmcConfig,
    seed: u64,
    run: u32,
    progress: Option<&AtomicU64>,
) -> Result<SmcOutput, SmcError> {
    run_smc_with(p, cfg, seed, run, progress, EXACT)
}

pub(crate) fn run_smc_with(
    p: &Problem,
    cfg: &SmcConfig,
    seed: u64,
    run: u32,
    progress: Option<&AtomicU64>,
    corr: Corrections,
) -> Result<SmcOutput, SmcError> {
    validate(p, cfg)?;
    if p.k < 255 {
        run_typed::<u8>(p, cfg, seed, run, progress, corr).map(|(plans, w, s)| SmcOutput {
            n: p.n,
            k: p.k,
            plans: Plans::U8(plans),
            log_weights: w,
            stages: s,
        })
    } else {
        run_typed::<u16>(p, cfg, seed, run, progress, corr).map(|(plans, w, s)| SmcOutput {
            n: p.n,
            k: p.k,
            plans: Plans::U16(plans),
            log_weights: w,
            stages: s,
        })
    }
}

/// Rejuvenation (McCartan & Imai's optional merge-split moves): resamples the final particles to
/// equal weights (systematic, stream `(seed, run)`), then runs `steps` steps of `proposal` (a
/// merge-split with the SMC's ρ, county rule and penalty keeps the target) on every particle,
/// each from its own stream. Returns the summed outcome counts; the log weights become all zero.
pub fn rejuvenate(
    p: &Problem,
    out: &mut SmcOutput,
    steps: u64,
    proposal: &crate::proposal::ProposalConfig,
    seed: u64,
    run: u32,
) -> Result<crate::proposal::Counters, SmcError> {
    use crate::partition::Partition;
    use crate::proposal::{step, Counters, Outcome, Workspace};
    let (n, big_n) = (p.n, out.log_weights.len());
    let prob = out.normalized_weights();
    let mut rng = particle_rng(seed, run, p.k as u32 + 1, u32::MAX, u64::MAX);
    let ancestors = systematic(&prob, rng.unit());
    let mut plans = vec![0u32; big_n * n];
    for (j, &a) in ancestors.iter().enumerate() {
        for v in 0..n {
            plans[j * n + v] = out.plans.get(n, a as usize, v);
        }
    }
    let threads = rayon::current_num_threads().max(1);
    let block = big_n.div_ceil(threads * 4).max(1);
    let results: Vec<Result<Counters, SmcError>> = plans
        .par_chunks_mut(block * n)
        .enumerate()
        .map(|(b, chunk)| {
            let mut ws = Workspace::new(p);
            let mut total = Counters::default();
            for (i, plan) in chunk.chunks_mut(n).enumerate() {
                let j = (b * block + i) as u64;
                let mut rng = particle_rng(seed, run, p.k as u32 + 2, 0, j);
                let mut part = Partition::new(p, plan.to_vec()).expect("an SMC plan is a valid plan");
                for _ in 0..steps {
                    if step(p, &mut part, &mut ws, &mut rng, proposal, &mut total) == Outcome::BoundExceeded {
                        return Err(SmcError::RejuvenationBound {
                            found: ws.max_balanced() as u32,
                            bound: proposal.balance_bound,
                        });
                    }
                }
                plan.copy_from_slice(part.assignment());
            }
            Ok(total)
        })
        .collect();
    let mut counters = Counters::default();
    for r in results {
        let c = r?;
        counters.steps += c.steps;
        counters.accepted += c.accepted;
        counters.non_adjacent += c.non_adjacent;
        counters.no_split += c.no_split;
        counters.not_selected += c.not_selected;
        counters.rejected += c.rejected;
        counters.invalid += c.invalid;
        counters.bound_exceeded += c.bound_exceeded;
        counters.trees += c.trees;
    }
    out.plans = match out.plans {
        Plans::U8(_) => Plans::U8(plans.iter().map(|&d| d as u8).collect()),
        Plans::U16(_) => Plans::U16(plans.iter().map(|&d| d as u16).collect()),
    };
    out.log_weights.iter_mut().for_each(|w| *w = 0.0);
    Ok(counters)
}

/// Checks the parameters against the problem.
pub fn validate(p: &Problem, cfg: &SmcConfig) -> Result<(), SmcError> {
    if p.k < 2 {
        return Err(SmcError::TooFewDistricts);
    }
    if cfg.particles < 2 {
        return Err(SmcError::TooFewParticles);
    }
    if !(cfg.rho.is_finite() && cfg.rho >= 0.0) {
        return Err(SmcError::BadRho(cfg.rho));
    }
    if !(cfg.seq_alpha > 0.0 && cfg.seq_alpha <= 1.0) {
        return Err(SmcError::BadAlpha(cfg.seq_alpha));
    }
    if let Some(q) = cfg.rejection_control {
        if !(q > 0.0 && q <= 1.0) {
            return Err(SmcError::BadRejectionControl(q));
        }
    }
    if cfg.cut_selection != CutSelection::Uniform {
        if cfg.rejection_control.is_some() {
            return Err(SmcError::NeedsUniformSelection("--rejection-control"));
        }
        if cfg.cut_floor > 1 {
            return Err(SmcError::NeedsUniformSelection("a --cut-floor above 1"));
        }
    }
    if !(cfg.county_penalty.is_finite() && cfg.county_penalty >= 0.0) {
        return Err(SmcError::BadPenalty(cfg.county_penalty));
    }
    if (cfg.county_hierarchy || cfg.county_penalty > 0.0) && p.county.is_none() {
        return Err(SmcError::NoCounties);
    }
    if cfg.county_hierarchy && p.k > MAX_HIER_DISTRICTS {
        return Err(SmcError::TooManyDistrictsForCounties(p.k));
    }
    Ok(())
}

/// A district label type for the flat plan arrays.
trait Label: Copy + Send + Sync + Eq + 'static {
    const UNASSIGNED: Self;
    fn from_u32(x: u32) -> Self;
    fn to_u32(self) -> u32;
}
impl Label for u8 {
    const UNASSIGNED: u8 = u8::MAX;
    fn from_u32(x: u32) -> u8 {
        x as u8
    }
    fn to_u32(self) -> u32 {
        self as u32
    }
}
impl Label for u16 {
    const UNASSIGNED: u16 = u16::MAX;
    fn from_u32(x: u32) -> u16 {
        x as u16
    }
    fn to_u32(self) -> u32 {
        self as u32
    }
}

/// Per-block scratch: everything one attempt needs.
struct Scratch {
    tree: TreeWorkspace,
    /// Tree buffers of the whole-graph draw (no county constraint), see [`crate::masked`].
    masked: Option<MaskedTree>,
    region: Vec<u32>,
    cands: Vec<u32>,
    /// Running sums of `1/b` over the candidates of the last tree (the 1/b cut selection).
    inv: Vec<f64>,
    /// τ of districts (ρ ≠ 1).
    trees: DistrictTrees,
    /// County marks (`NONE` = unmarked) and a list, for the stage penalty.
    county_mark: Vec<u32>,
    county_list: Vec<u32>,
    ordering: OrderingScratch,
    /// Per-label stamps for counting distinct adjacent districts.
    label_stamp: Vec<u32>,
    stamp: u32,
    /// `(stage, ancestor)` of the region loaded in `tree` (with its county pieces), if any:
    /// retries often redraw on the same ancestor, and every stage-1 ancestor is the whole map.
    loaded: Option<(usize, usize)>,
}

impl Scratch {
    fn new(p: &Problem, whole: Option<Whole>) -> Scratch {
        Scratch {
            tree: TreeWorkspace::new(p.n),
            masked: whole.map(|_| MaskedTree::new(p)),
            region: Vec::new(),
            cands: Vec::new(),
            inv: Vec::new(),
            trees: DistrictTrees::new(p.n),
            county_mark: vec![
                NONE;
                p.county_names.len().max(
                    p.county.as_ref().map_or(0, |c| c.iter().map(|&x| x as usize + 1).max().unwrap_or(0))
                )
            ],
            county_list: Vec::new(),
            ordering: OrderingScratch::default(),
            label_stamp: vec![0; p.k],
            stamp: 0,
            loaded: None,
        }
    }
}

/// What one particle's stage produced.
#[derive(Clone, Copy, Debug, Default)]
struct Outcome {
    ancestor: u32,
    log_incr: f64,
    pop_left: u64,
    attempts: u64,
    no_candidate: u64,
    not_selected: u64,
    thinned: u64,
    /// Most candidates in one tree.
    max_candidates: u32,
    stuck: bool,
    /// The county-rule order search ran out of budget (see `ordering`).
    ordering_failed: bool,
}

/// The stream of particle `j` in stage `stage` of run `run` (`lane` 0; other lanes name the
/// stage-wide and the rejuvenation streams): each coordinate is
/// mixed in turn through [`Rng::for_chain`], so distinct tuples give unrelated streams.
fn particle_rng(seed: u64, run: u32, stage: u32, lane: u32, j: u64) -> Rng {
    let mut x = seed ^ 0x5EED_5A11_C0FF_EE00;
    for part in [run as u64, stage as u64, lane as u64] {
        x = Rng::for_chain(x, part).next_u64();
    }
    Rng::for_chain(x, j)
}

fn normalize(logw: &[f64]) -> Vec<f64> {
    let max = logw.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let w: Vec<f64> = logw.iter().map(|&l| (l - max).exp()).collect();
    let s: f64 = w.iter().sum();
    w.into_iter().map(|x| x / s).collect()
}

/// Kish effective sample size `(Σw)² / Σw²` of normalised weights.
pub fn kish(w: &[f64]) -> f64 {
    let s: f64 = w.iter().sum();
    let s2: f64 = w.iter().map(|x| x * x).sum();
    if s2 > 0.0 {
        s * s / s2
    } else {
        0.0
    }
}

/// Systematic resampling: `N` ancestor indices for normalised probabilities `prob` and one
/// uniform `u` in [0, 1).
fn systematic(prob: &[f64], u: f64) -> Vec<u32> {
    let n = prob.len();
    // Rounding can leave the running sum a hair below a target near 1: never step past the last
    // particle with positive weight.
    let last = prob.iter().rposition(|&q| q > 0.0).unwrap_or(n.saturating_sub(1));
    let mut out = Vec::with_capacity(n);
    let mut cum = 0.0;
    let mut i = 0usize;
    for j in 0..n {
        let target = (j as f64 + u) / n as f64;
        while i < last && cum + prob[i] <= target {
            cum += prob[i];
            i += 1;
        }
        out.push(i as u32);
    }
    out
}

/// Index `i` with `cum[i-1] <= x < cum[i]` (inclusive cumulative probabilities).
fn pick_cumulative(cum: &[f64], x: f64) -> usize {
    cum.partition_point(|&c| c <= x).min(cum.len() - 1)
}

type StageResult<L> = Result<(Vec<L>, Vec<f64>, Vec<StageDiagnostics>), SmcError>;

fn run_typed<L: Label>(
    p: &Problem,
    cfg: &SmcConfig,
    seed: u64,
    run: u32,
    progress: Option<&AtomicU64>,
    corr: Corrections,
) -> StageResult<L> {
    let (n, k, big_n) = (p.n, p.k, cfg.particles);
    let mut plans: Vec<L> = vec![L::UNASSIGNED; big_n * n];
    let mut next: Vec<L> = vec![L::UNASSIGNED; big_n * n];
    let mut pop_left = vec![p.total_pop; big_n];
    let mut logw = vec![0.0f64; big_n];
    let mut outcomes = vec![Outcome::default(); big_n];
    let mut stages: Vec<StageDiagnostics> = Vec::with_capacity(k);
    // `lineage[g][j]`: the index, among the particles made by stage `g + 1`, of particle `j`'s
    // ancestor (of itself, for the latest stage).
    let mut lineage: Vec<Vec<u32>> = Vec::with_capacity(k);
    let threads = rayon::current_num_threads().max(1);
    // Fixed-size blocks of particles, each with its own scratch: the block layout does not
    // influence any result (every particle uses only its own stream).
    let block = big_n.div_ceil(threads * 4).max(1);
    let alpha = cfg.seq_alpha;
    let county_nodes = (cfg.county_penalty > 0.0).then(|| county_csr(p));
    let (global, layout) = if cfg.county_hierarchy {
        (None, Some(CountyLayout::new(p, p.county.as_deref().expect("validated"))))
    } else if !corr.whole_graph {
        (None, None)
    } else {
        (GlobalAdjacency::new(p), None)
    };
    let whole = match (&global, &layout) {
        (_, Some(l)) => Some(Whole::Hierarchical(l)),
        (Some(g), None) => Some(Whole::Uniform(g)),
        (None, None) => None,
    };
    for s in 0..k - 1 {
        let stage = s as u32 + 1;
        // Resampling probabilities ∝ W^α.
        let full = normalize(&logw);
        let ess = kish(&full);
        let scaled: Vec<f64> = logw.iter().map(|&l| alpha * l).collect();
        let prob = normalize(&scaled);
        let mut cum = Vec::with_capacity(big_n);
        let mut acc = 0.0;
        for &q in &prob {
            acc += q;
            cum.push(acc);
        }
        // Exactly 1 from the last positive weight on, so a uniform draw in [0, 1) can never land
        // on a trailing zero-weight particle.
        if let Some(last) = prob.iter().rposition(|&q| q > 0.0) {
            cum[last..].iter_mut().for_each(|c| *c = 1.0);
        }
        let mut stage_rng = particle_rng(seed, run, stage, u32::MAX, u64::MAX);
        let ancestors = systematic(&prob, stage_rng.unit());
        let threshold = cfg
            .rejection_control
            .map(|q| rejection_threshold(p, cfg, q, whole, &plans, &cum, s, &mut stage_rng));
        let floor = cfg.cut_floor.max(1);
        let abort = std::sync::atomic::AtomicBool::new(false);
        let ctx = StageCtx {
            p,
            cfg,
            s,
            floor,
            threshold,
            plans: &plans,
            pop_left: &pop_left,
            cum: &cum,
            ancestors: &ancestors,
            seed,
            run,
            corr,
            progress,
            county_nodes: county_nodes.as_ref(),
            whole,
            abort: &abort,
        };
        next.par_chunks_mut(block * n).zip(outcomes.par_chunks_mut(block)).enumerate().for_each(
            |(b, (dst, outs))| {
                let mut scr = Scratch::new(p, ctx.whole);
                for (i, out) in outs.iter_mut().enumerate() {
                    if abort.load(Ordering::Relaxed) {
                        break;
                    }
                    let j = b * block + i;
                    *out = split_particle(&ctx, j, &mut dst[i * n..(i + 1) * n], &mut scr);
                    if out.stuck || out.ordering_failed {
                        abort.store(true, Ordering::Relaxed);
                    }
                }
                unload(&mut scr);
            },
        );
        if let Some((j, o)) = outcomes.iter().enumerate().find(|(_, o)| o.stuck) {
            return Err(SmcError::Stuck { stage, particle: j, attempts: o.attempts });
        }
        if let Some(j) = outcomes.iter().position(|o| o.ordering_failed) {
            return Err(SmcError::Ordering { particle: j, source: OrderingError::Budget });
        }
        // Carry W^{1−α} of the ancestor, add the incremental weight.
        let mut new_logw = vec![0.0; big_n];
        let mut new_pop = vec![0u64; big_n];
        let mut uniq: Vec<u32> = Vec::with_capacity(big_n);
        let mut d =
            StageDiagnostics { stage, ess, floor, threshold: threshold.unwrap_or(0), ..Default::default() };
        for (j, o) in outcomes.iter().enumerate() {
            new_logw[j] = (1.0 - alpha) * logw[o.ancestor as usize] + o.log_incr;
            new_pop[j] = o.pop_left;
            uniq.push(o.ancestor);
            d.attempts += o.attempts;
            d.no_candidate += o.no_candidate;
            d.not_selected += o.not_selected;
            d.thinned += o.thinned;
            d.max_candidates = d.max_candidates.max(o.max_candidates);
        }
        uniq.sort_unstable();
        uniq.dedup();
        d.unique_ancestors = uniq.len() as u64;
        if s > 0 {
            for g in lineage.iter_mut() {
                let next: Vec<u32> = outcomes.iter().map(|o| g[o.ancestor as usize]).collect();
                *g = next;
            }
        }
        lineage.push((0..big_n as u32).collect());
        d.acceptance = big_n as f64 / d.attempts.max(1) as f64;
        stages.push(d);
        logw = new_logw;
        pop_left = new_pop;
        std::mem::swap(&mut plans, &mut next);
    }
    // Final weights: τ(V_k)^{ρ−1}, the county penalty and the order correction.
    let finals: Vec<Result<f64, SmcError>> = {
        let plans = &plans;
        (0..big_n)
            .into_par_iter()
            .with_min_len(block)
            .map_init(
                || Scratch::new(p, None),
                |scr, j| {
                    let plan = &plans[j * n..(j + 1) * n];
                    final_log_factor(p, cfg, plan, scr, corr).map_err(|e| match e {
                        SmcError::Ordering { source, .. } => SmcError::Ordering { particle: j, source },
                        e => e,
                    })
                },
            )
            .collect()
    };
    for (j, f) in finals.into_iter().enumerate() {
        logw[j] += f?;
    }
    for (d, g) in stages.iter_mut().zip(&lineage) {
        let mut seen = g.clone();
        seen.sort_unstable();
        seen.dedup();
        d.lineages = seen.len() as u64;
    }
    let full = normalize(&logw);
    stages.push(StageDiagnostics {
        stage: k as u32,
        ess: kish(&full),
        unique_ancestors: big_n as u64,
        lineages: big_n as u64,
        acceptance: 1.0,
        ..Default::default()
    });
    Ok((plans, logw, stages))
}

/// Trees drawn on the whole graph with the remainder masked ([`crate::masked`]): uniform ones
/// from the packed adjacency, or the county constraint's hierarchical ones.
#[derive(Clone, Copy)]
enum Whole<'a> {
    Uniform(&'a GlobalAdjacency),
    Hierarchical(&'a CountyLayout),
}

struct StageCtx<'a, L> {
    p: &'a Problem,
    cfg: &'a SmcConfig,
    /// 0-based stage: district `s` is split off.
    s: usize,
    /// The selection floor `m`.
    floor: u32,
    /// Rejection control's `b₀`, if on.
    threshold: Option<u32>,
    plans: &'a [L],
    pop_left: &'a [u64],
    cum: &'a [f64],
    ancestors: &'a [u32],
    seed: u64,
    run: u32,
    corr: Corrections,
    progress: Option<&'a AtomicU64>,
    /// Nodes of each county (CSR), when a county penalty is set.
    county_nodes: Option<&'a (Vec<u32>, Vec<u32>)>,
    /// How trees are drawn on the whole graph, if they are (see [`crate::masked`]).
    whole: Option<Whole<'a>>,
    /// Set when a particle failed (stuck, or the order search ran out of budget): the others
    /// stop, and the run ends with the error.
    abort: &'a std::sync::atomic::AtomicBool,
}

/// Population windows of stage `s` (0-based): the district's `[lo, hi]` and the remainder's.
fn windows(p: &Problem, s: usize) -> (u64, u64, u64, u64) {
    let left = (p.k - s - 1) as u64;
    (p.lo, p.hi, left * p.lo, left * p.hi)
}

/// Loads the remainder (unassigned nodes) of `plan`, ancestor `key` of stage `s`, into the tree
/// workspace, unless it is already loaded.
fn load_remainder<L: Label>(p: &Problem, plan: &[L], s: usize, key: usize, scr: &mut Scratch) {
    // In stage 0 every ancestor is the empty plan: one region for all.
    let key = (s, if s == 0 { 0 } else { key });
    if scr.loaded == Some(key) {
        return;
    }
    if scr.loaded.is_some() {
        scr.tree.clear();
    }
    scr.region.clear();
    scr.region.extend((0..p.n as u32).filter(|&v| plan[v as usize] == L::UNASSIGNED));
    let region = std::mem::take(&mut scr.region);
    scr.tree.load(p, &[&region]);
    scr.region = region;
    scr.loaded = Some(key);
}

/// Forgets the loaded region.
fn unload(scr: &mut Scratch) {
    if scr.loaded.take().is_some() {
        scr.tree.clear();
    }
}

/// Draws a tree of the remainder of `plan` (ancestor `key`) and lists its candidate cuts as
/// `2·v + side` (side 0: the subtree below `v` becomes the district; side 1: the rest does).
/// Trees are drawn on the whole graph with the remainder masked ([`Whole`]) and `v` is a node;
/// only a uniform tree on a graph the packing cannot hold is drawn on the loaded remainder, and
/// `v` is then a local id of the loaded region.
#[allow(clippy::too_many_arguments)]
fn draw_and_list<L: Label>(
    p: &Problem,
    cfg: &SmcConfig,
    whole: Option<Whole>,
    plan: &[L],
    s: usize,
    key: usize,
    rng: &mut Rng,
    scr: &mut Scratch,
) {
    let (lo, hi, rlo, rhi) = windows(p, s);
    let list = |cands: &mut Vec<u32>, order: &[u32], sub: &[u64], total: u64| {
        cands.clear();
        for &v in &order[1..] {
            let below = sub[v as usize];
            let above = total - below;
            if below >= lo && below <= hi && above >= rlo && above <= rhi {
                cands.push(2 * v);
            }
            if above >= lo && above <= hi && below >= rlo && below <= rhi {
                cands.push(2 * v + 1);
            }
        }
    };
    if let (Some(whole), Some(t)) = (whole, scr.masked.as_mut()) {
        let inside = |v: usize| plan[v] == L::UNASSIGNED;
        // A uniform root by rejection: the remainder holds at least 2/k of the population.
        let root = loop {
            let v = rng.below(p.n as u32);
            if inside(v as usize) {
                break v;
            }
        };
        match whole {
            Whole::Uniform(g) => t.draw(g, p, inside, root, rng),
            Whole::Hierarchical(lay) => t.draw_hierarchical(lay, p, inside, root, rng),
        }
        list(&mut scr.cands, &t.order, &t.sub, t.sub[root as usize]);
        return;
    }
    debug_assert!(!cfg.county_hierarchy, "county-constrained trees are always drawn masked");
    load_remainder(p, plan, s, key, scr);
    let m = scr.tree.len() as u32;
    let root = rng.below(m);
    // Impossible cut bounds: `draw` then only computes the subtree populations.
    scr.tree.draw(rng, root, (1, 0, 1, 0));
    list(&mut scr.cands, &scr.tree.order, &scr.tree.sub, scr.tree.total);
}

/// Rejection control's threshold `b₀` for stage `s`: the `q`-quantile of the boundary sizes of
/// the candidate cuts of a pilot draw of trees on resampled ancestors.
#[allow(clippy::too_many_arguments)]
fn rejection_threshold<L: Label>(
    p: &Problem,
    cfg: &SmcConfig,
    q: f64,
    whole: Option<Whole>,
    plans: &[L],
    cum: &[f64],
    s: usize,
    rng: &mut Rng,
) -> u32 {
    let n = p.n;
    let mut scr = Scratch::new(p, whole);
    // A stage draws 2 to 4 trees per particle: the pilot adds at most a tenth.
    let trials = (cfg.particles / 5).clamp(32, 400);
    let mut sizes = Vec::new();
    for _ in 0..trials {
        let a = pick_cumulative(cum, rng.unit());
        let plan = &plans[a * n..(a + 1) * n];
        draw_and_list(p, cfg, whole, plan, s, a, rng, &mut scr);
        for i in 0..scr.cands.len() {
            let v = scr.cands[i] / 2;
            sizes.push(cut_boundary(p, cfg, plan, v, &mut scr));
            unmark(&mut scr);
        }
    }
    sizes.sort_unstable();
    if sizes.is_empty() {
        u32::MAX
    } else {
        sizes[((q * sizes.len() as f64).ceil() as usize).clamp(1, sizes.len()) - 1].max(1)
    }
}

/// Marks the side below `v` of the last tree's cut at `v` and returns `b`, the number of edges
/// between the two sides: inside the split county piece when the cut edge lies in one (county
/// constraint), else all of them. The marks stay until [`unmark`].
fn cut_boundary<L: Label>(p: &Problem, cfg: &SmcConfig, plan: &[L], v: u32, scr: &mut Scratch) -> u32 {
    if let Some(t) = scr.masked.as_mut() {
        t.mark_subtree(v);
        let pv = t.parent[v as usize] as usize;
        if cfg.county_hierarchy && t.piece_of[pv] == t.piece_of[v as usize] {
            t.boundary_within(p, t.piece_of[v as usize])
        } else {
            t.boundary(p, |u| plan[u] == L::UNASSIGNED)
        }
    } else {
        scr.tree.mark_subtree(v);
        scr.tree.piece_boundary()
    }
}

/// Clears the marks of [`cut_boundary`].
fn unmark(scr: &mut Scratch) {
    match scr.masked.as_mut() {
        Some(t) => t.unmark(),
        None => scr.tree.unmark(),
    }
}

fn split_particle<L: Label>(ctx: &StageCtx<L>, j: usize, dst: &mut [L], scr: &mut Scratch) -> Outcome {
    let p = ctx.p;
    let n = p.n;
    let s = ctx.s;
    let mut rng = particle_rng(ctx.seed, ctx.run, s as u32 + 1, 0, j as u64);
    let mut o = Outcome::default();
    let mut ancestor = ctx.ancestors[j] as usize;
    loop {
        // Another particle failed: the run ends with its error, so stop drawing.
        if o.attempts % 64 == 63 && ctx.abort.load(Ordering::Relaxed) {
            return o;
        }
        if o.attempts >= ctx.cfg.max_attempts {
            o.stuck = true;
            return o;
        }
        if o.attempts > 0 {
            ancestor = pick_cumulative(ctx.cum, rng.unit());
        }
        o.attempts += 1;
        let plan = &ctx.plans[ancestor * n..(ancestor + 1) * n];
        draw_and_list(p, ctx.cfg, ctx.whole, plan, s, ancestor, &mut rng, scr);
        let count = scr.cands.len() as u32;
        o.max_candidates = o.max_candidates.max(count);
        if count == 0 {
            o.no_candidate += 1;
            continue;
        }
        // The selection: the tree is an auxiliary variable of the sampler, so any choice among
        // its candidates is exact once the weight carries the inverse of the choice's
        // probability (see the module documentation). `log_select` is its log: `max(c, m)`, or
        // `Σ 1/b` over the candidates over the cut's own `1/b` (which the boundary factor below
        // pays).
        let inverse_boundary = ctx.cfg.cut_selection == CutSelection::InverseBoundary;
        let (pick, log_select) = if inverse_boundary {
            scr.inv.clear();
            let mut total = 0.0;
            for i in 0..count as usize {
                let b = cut_boundary(p, ctx.cfg, plan, scr.cands[i] / 2, scr);
                unmark(scr);
                total += 1.0 / b as f64;
                scr.inv.push(total);
            }
            let x = rng.unit() * total;
            let pick = scr.inv.iter().position(|&c| x < c).unwrap_or(count as usize - 1);
            // The cut's own 1/b is taken out below, once its b is known.
            (pick as u32, total.ln())
        } else {
            let spread = count.max(ctx.floor);
            (rng.below(spread), (spread as f64).ln())
        };
        if pick >= count {
            o.not_selected += 1;
            continue;
        }
        let c = scr.cands[pick as usize];
        let (v, side) = (c / 2, c % 2);
        let b = cut_boundary(p, ctx.cfg, plan, v, scr);
        let log_select = if inverse_boundary { log_select + (b as f64).ln() } else { log_select };
        // Rejection control: a cut with more boundary edges than the threshold has a smaller
        // weight (1/b); keep it with probability b₀/b and give it weight 1/b₀. The probability
        // depends only on the split, so the retry (a new ancestor, as for an unselected cut)
        // keeps the target exact.
        let b_eff = match ctx.threshold {
            Some(b0) if b > b0 => {
                if rng.unit() * b as f64 >= b0 as f64 {
                    unmark(scr);
                    o.thinned += 1;
                    continue;
                }
                b0
            }
            _ => b,
        };
        let label = L::from_u32(s as u32);
        let mut pop = 0;
        dst.copy_from_slice(plan);
        // The district: the marked side for side 0, the rest of the remainder for side 1.
        if let Some(t) = scr.masked.as_ref() {
            if side == 0 {
                for &u in &t.piece {
                    dst[u as usize] = label;
                    pop += p.pop[u as usize];
                }
            } else {
                for &u in &t.order {
                    if !t.mark[u as usize] {
                        dst[u as usize] = label;
                        pop += p.pop[u as usize];
                    }
                }
            }
        } else {
            for (i, &u) in scr.tree.nodes.iter().enumerate() {
                if scr.tree.mark[i] == (side == 0) {
                    dst[u as usize] = label;
                    pop += p.pop[u as usize];
                }
            }
        }
        unmark(scr);
        if s + 2 == p.k {
            // The remainder is the last district.
            let last = L::from_u32(s as u32 + 1);
            for x in dst.iter_mut() {
                if *x == L::UNASSIGNED {
                    *x = last;
                }
            }
        }
        let mut log_incr = 0.0;
        if ctx.corr.selection {
            log_incr += log_select;
        }
        if ctx.corr.boundary {
            log_incr -= (b_eff as f64).ln();
            if ctx.cfg.rho != 1.0 {
                log_incr += (ctx.cfg.rho - 1.0) * log_tau(p, ctx.cfg.county_hierarchy, dst, label, scr);
            }
        }
        if let Some(cn) = ctx.county_nodes {
            log_incr -= ctx.cfg.county_penalty * new_splits(p, cn, dst, label, scr) as f64;
        }
        if ctx.corr.order {
            // The reverse-growth order probability (see `ordering`): 1/a_i, a_i = drawn districts
            // the growth could add to the remainder R_i.
            let rem = s as u32 + 1;
            let a = if ctx.cfg.county_hierarchy {
                let part = |v: usize| if dst[v] == L::UNASSIGNED { rem } else { dst[v].to_u32() };
                match growth_choices(p, part, s + 2, rem, Some(s as u32), &mut scr.ordering) {
                    Ok(a) => a,
                    Err(_) => {
                        o.ordering_failed = true;
                        return o;
                    }
                }
            } else {
                drawn_neighbours(p, dst, s, scr)
            };
            log_incr -= (a.max(1) as f64).ln();
        }
        o.ancestor = ancestor as u32;
        o.log_incr = log_incr;
        o.pop_left = ctx.pop_left[ancestor] - pop;
        if let Some(pr) = ctx.progress {
            pr.fetch_add(1, Ordering::Relaxed);
        }
        return o;
    }
}

/// `ln τ(V)` (or `ln τ_h(V)` with the county constraint) of district `label` in `plan`.
fn log_tau<L: Label>(p: &Problem, hier: bool, plan: &[L], label: L, scr: &mut Scratch) -> f64 {
    scr.region.clear();
    scr.region.extend((0..p.n as u32).filter(|&v| plan[v as usize] == label));
    let nodes = std::mem::take(&mut scr.region);
    let r = scr.trees.log_tau(p, hier, &nodes);
    scr.region = nodes;
    r
}

/// Number of drawn districts (labels `0..=s`) adjacent to the remainder after stage `s` (the
/// unassigned nodes, or the last district after the final stage). The remainder is the region
/// of the last tree (the whole-graph tree's nodes, or the loaded region) minus the new district.
fn drawn_neighbours<L: Label>(p: &Problem, plan: &[L], s: usize, scr: &mut Scratch) -> u32 {
    let rem = if s + 2 == p.k { L::from_u32(s as u32 + 1) } else { L::UNASSIGNED };
    scr.stamp = scr.stamp.wrapping_add(1);
    if scr.stamp == 0 {
        scr.label_stamp.iter_mut().for_each(|x| *x = 0);
        scr.stamp = 1;
    }
    let mut count = 0;
    let region = match &scr.masked {
        Some(t) => &t.order,
        None => &scr.tree.nodes,
    };
    for &u in region {
        if plan[u as usize] != rem {
            continue;
        }
        for &w in p.nbrs(u) {
            let l = plan[w as usize];
            if l != rem && l != L::UNASSIGNED {
                let l = l.to_u32() as usize;
                if scr.label_stamp[l] != scr.stamp {
                    scr.label_stamp[l] = scr.stamp;
                    count += 1;
                }
            }
        }
    }
    count
}

/// Nodes of each county as CSR `(offsets, nodes)`.
fn county_csr(p: &Problem) -> (Vec<u32>, Vec<u32>) {
    let county = p.county.as_deref().expect("validated");
    let nc = p.county_names.len().max(county.iter().map(|&c| c as usize + 1).max().unwrap_or(0));
    let mut off = vec![0u32; nc + 1];
    for &c in county {
        off[c as usize + 1] += 1;
    }
    for c in 0..nc {
        off[c + 1] += off[c];
    }
    let mut at = off.clone();
    let mut nodes = vec![0u32; county.len()];
    for (v, &c) in county.iter().enumerate() {
        nodes[at[c as usize] as usize] = v as u32;
        at[c as usize] += 1;
    }
    (off, nodes)
}

/// Counties that become split when district `label` (just written into `plan`) is split off:
/// those it takes part of (the rest of the county is in the remainder or in the final remainder
/// district) that no earlier district touches. Summed over the stages this is exactly the
/// plan's number of split counties, so the penalty can be paid stage by stage.
fn new_splits<L: Label>(
    p: &Problem,
    cn: &(Vec<u32>, Vec<u32>),
    plan: &[L],
    label: L,
    scr: &mut Scratch,
) -> u32 {
    let county = p.county.as_deref().expect("validated");
    let (off, nodes) = cn;
    let lab = label.to_u32();
    scr.county_list.clear();
    for (v, &x) in plan.iter().enumerate() {
        if x == label {
            let c = county[v];
            if scr.county_mark[c as usize] == NONE {
                scr.county_mark[c as usize] = 0;
                scr.county_list.push(c);
            }
        }
    }
    let mut count = 0;
    for &c in &scr.county_list {
        let mut earlier = false;
        let mut elsewhere = false;
        for &v in &nodes[off[c as usize] as usize..off[c as usize + 1] as usize] {
            let x = plan[v as usize].to_u32();
            if x < lab {
                earlier = true;
                break;
            }
            if x != lab {
                elsewhere = true;
            }
        }
        if elsewhere && !earlier {
            count += 1;
        }
    }
    for &c in &scr.county_list {
        scr.county_mark[c as usize] = NONE;
    }
    count
}

/// The final factor of a particle's log weight: `(ρ−1) ln τ(V_k)` and, with the county rule,
/// `−ln` of the number of growth starts (the county penalty and the other order factors were
/// paid stage by stage; without the county rule the start factor is the constant `1/k`).
fn final_log_factor<L: Label>(
    p: &Problem,
    cfg: &SmcConfig,
    plan: &[L],
    scr: &mut Scratch,
    corr: Corrections,
) -> Result<f64, SmcError> {
    let k = p.k;
    let mut f = 0.0;
    if corr.boundary && cfg.rho != 1.0 {
        f += (cfg.rho - 1.0) * log_tau(p, cfg.county_hierarchy, plan, L::from_u32(k as u32 - 1), scr);
    }
    if corr.order && cfg.county_hierarchy {
        let starts = growth_starts(p, |v| plan[v].to_u32(), &mut scr.ordering)
            .map_err(|source| SmcError::Ordering { particle: 0, source })?;
        f -= (starts.max(1) as f64).ln();
    }
    Ok(f)
}

#[cfg(test)]
mod tests {
    //! Exactness against exact enumeration. Each test runs many independent SMC runs and draws
    //! one plan from each by its weight: those draws are independent, so Pearson's chi-square
    //! against the target applies (the O(1/N) bias of a finite particle count is far below what
    //! these sample sizes can detect). The same tests with a weight correction switched off must
    //! reject the target, which shows that they have power.
    use super::*;
    use crate::enumerate::partition_key;
    use crate::testkit::{grid_problem, p_value, target};
    use std::collections::HashMap;

    fn sample(
        p: &Problem,
        cfg: &SmcConfig,
        runs: usize,
        seed: u64,
        corr: Corrections,
    ) -> HashMap<Vec<u64>, u64> {
        let keys: Vec<Vec<u64>> = (0..runs)
            .into_par_iter()
            .map(|r| {
                let out = run_smc_with(p, cfg, seed, r as u32, None, corr).unwrap();
                let w = out.normalized_weights();
                let mut rng = Rng::for_chain(seed ^ 0xD1CE, r as u64);
                let mut x = rng.unit();
                let mut j = 0;
                while j + 1 < w.len() && x >= w[j] {
                    x -= w[j];
                    j += 1;
                }
                let mut plan = Vec::new();
                out.plans.copy_into(p.n, j, &mut plan);
                partition_key(&plan, p.k)
            })
            .collect();
        let mut counts = HashMap::new();
        for k in keys {
            *counts.entry(k).or_insert(0u64) += 1;
        }
        counts
    }

    fn cfg(particles: usize, rho: f64) -> SmcConfig {
        SmcConfig { particles, rho, ..SmcConfig::default() }
    }

    const NO_BOUNDARY: Corrections = Corrections { boundary: false, ..EXACT };
    const NO_ORDER: Corrections = Corrections { order: false, ..EXACT };

    /// Samples `runs` runs and returns the p-value against the target.
    fn check(p: &Problem, cfg: &SmcConfig, runs: usize, corr: Corrections, lambda: f64) -> f64 {
        let (all, w) = target(p, cfg.rho, cfg.county_hierarchy, lambda);
        let t = std::time::Instant::now();
        let counts = sample(p, cfg, runs, 7, corr);
        let pv = p_value(&all, &w, &counts);
        eprintln!(
            "{}x{} into {}, rho {}, county {}, lambda {lambda}, {corr:?}: {} plans, p = {pv:.3e} ({:.1} s)",
            p.n / 4,
            4,
            p.k,
            cfg.rho,
            cfg.county_hierarchy,
            all.len(),
            t.elapsed().as_secs_f64()
        );
        pv
    }

    /// 4x4 grid into 4 tetrominoes (117 plans), ρ = 1 (the reversible-ReCom target) and ρ = 0
    /// (uniform); without the boundary weight or the order correction the test rejects.
    ///
    /// At ρ = 0 the weights `1/(τ(V)·τ(R')·b)` spread over orders of magnitude, so a small
    /// particle count carries a visible O(1/N) bias (32 particles: rejected; 256: not): the
    /// sampler is exact as N grows, and the final ESS tells users when N is too small.
    #[test]
    fn smc_4x4_into_4_is_exact_and_each_correction_matters() {
        let p = grid_problem(4, 4, 4, 0.0, None);
        assert_eq!(target(&p, 1.0, false, 0.0).0.len(), 117);
        let c = cfg(32, 1.0);
        assert!(check(&p, &c, 12_000, EXACT, 0.0) > 0.001);
        assert!(check(&p, &cfg(256, 0.0), 6_000, EXACT, 0.0) > 0.001);
        assert!(check(&p, &c, 12_000, NO_BOUNDARY, 0.0) < 1e-6, "the boundary weight must matter");
        assert!(check(&p, &c, 12_000, NO_ORDER, 0.0) < 1e-6, "the order correction must matter");
    }

    /// 4x4 grid into 2 halves of 8 nodes, ρ = 1 and ρ = 0 (an 8-node half has between 1 and
    /// 209 spanning trees, so ρ = 0 needs thousands of particles: see the 4x4 test above).
    #[test]
    fn smc_4x4_into_2_is_exact() {
        let p = grid_problem(4, 4, 2, 0.0, None);
        assert!(check(&p, &cfg(32, 1.0), 12_000, EXACT, 0.0) > 0.001);
        assert!(check(&p, &cfg(1024, 0.0), 2_000, EXACT, 0.0) > 0.001);
        assert!(check(&p, &cfg(32, 1.0), 12_000, NO_BOUNDARY, 0.0) < 1e-6);
    }

    /// 4x3 grid into 3 districts of 3 to 5 nodes: trees have several candidate cuts, so the
    /// `1/M` selection is exercised (the adaptive `M` of each stage is at least 2).
    #[test]
    fn smc_3x4_with_several_candidates_is_exact() {
        let p = grid_problem(4, 3, 3, 0.26, None);
        assert_eq!(p.pop_bounds(), (3, 5));
        let out = run_smc(&p, &cfg(200, 1.0), 3, 0, None).unwrap();
        assert!(out.stages.iter().any(|s| s.max_candidates >= 3), "{:?}", out.stages);
        assert!(check(&p, &cfg(32, 1.0), 12_000, EXACT, 0.0) > 0.001);
        assert!(check(&p, &cfg(128, 0.0), 6_000, EXACT, 0.0) > 0.001);
        assert!(check(&p, &cfg(32, 1.0), 12_000, NO_BOUNDARY, 0.0) < 1e-6);
    }

    /// Uniform selection with a floor: each candidate of a tree with `c` of them is taken with
    /// probability `1/max(c, m)` and the weight carries `max(c, m)`. Exact for a floor of 1,
    /// below the typical count, between, and above every count (the fixed bound of earlier
    /// versions); without the factor the test rejects (at m = 1 the draw favours trees with few
    /// candidates). The default selection (in proportion to 1/b) is the subject of the other
    /// tests; here it too must fail without its factor.
    #[test]
    fn selection_floor_is_exact_and_its_factor_matters() {
        let p = grid_problem(4, 3, 3, 0.26, None);
        let floor = |m: u32| SmcConfig { cut_floor: m, cut_selection: CutSelection::Uniform, ..cfg(32, 1.0) };
        for m in [1, 2, 3, 16] {
            assert!(check(&p, &floor(m), 12_000, EXACT, 0.0) > 0.001, "floor {m}");
        }
        let out = run_smc(&p, &floor(16), 3, 0, None).unwrap();
        assert!(out.stages[..2].iter().all(|s| s.not_selected > 0 && s.floor == 16), "{:?}", out.stages);
        let no_selection = Corrections { selection: false, ..EXACT };
        assert!(check(&p, &floor(1), 12_000, no_selection, 0.0) < 1e-6, "the selection factor must matter");
        assert!(check(&p, &cfg(32, 1.0), 12_000, no_selection, 0.0) < 1e-6, "Σ 1/b must matter");
    }

    /// The county constraint on the 4x3 grid into 3 districts of 3 to 5 nodes whose counties
    /// are its left and right halves (68 of the 159 plans can be peeled with at most one county
    /// piece split per stage), and on the 4x4 grid into 4 whose top row is one county (23 of
    /// 117): every drawn plan satisfies the rule, and the distribution matches the enumeration
    /// restricted to those plans with county-respecting tree counts. Without the order
    /// correction the constrained sampler is off target on the 4x4 grid (on the 4x3 one every
    /// plan has the same number of valid orders, so the correction is a constant there).
    #[test]
    fn smc_county_constraint_is_exact() {
        let halves: Vec<u32> = (0..12).map(|i| ((i % 4) / 2) as u32).collect();
        let p = grid_problem(4, 3, 3, 0.26, Some(halves));
        let (hier, _) = target(&p, 1.0, true, 0.0);
        assert_eq!((hier.len(), target(&p, 1.0, false, 0.0).0.len()), (68, 159));
        let mut c = cfg(32, 1.0);
        c.county_hierarchy = true;
        assert!(check(&p, &c, 12_000, EXACT, 0.0) > 0.001);
        let rows: Vec<u32> = (0..16).map(|i| u32::from(i / 4 != 0)).collect();
        let p = grid_problem(4, 4, 4, 0.0, Some(rows));
        assert_eq!(target(&p, 1.0, true, 0.0).0.len(), 23);
        assert!(check(&p, &c, 12_000, EXACT, 0.0) > 0.001);
        assert!(check(&p, &c, 12_000, NO_ORDER, 0.0) < 1e-6);
    }

    /// The county-split penalty `exp(−λ · split counties)` on the 4x3 grid into 3 whose counties
    /// are columns {0, 1}, {2}, {3} (so a district can hold a whole county and the number of
    /// split counties varies): alone at ρ = 1, and with the county constraint at ρ = 0 (35
    /// plans). The penalty visibly changes the target (the ρ = 1 samples reject λ = 0).
    #[test]
    fn smc_county_penalty_is_exact() {
        let bands: Vec<u32> = (0..12).map(|i| [0, 0, 1, 2][i % 4]).collect();
        let p = grid_problem(4, 3, 3, 0.26, Some(bands));
        let mut c = cfg(32, 1.0);
        c.county_penalty = 1.0;
        c.particles = 64;
        assert!(check(&p, &c, 12_000, EXACT, 1.0) > 0.001);
        let (all, w0) = target(&p, 1.0, false, 0.0);
        let counts = sample(&p, &c, 12_000, 7, EXACT);
        assert!(p_value(&all, &w0, &counts) < 1e-6, "the penalty must change the distribution");
        c.county_hierarchy = true;
        c.rho = 0.0;
        c.particles = 128;
        assert_eq!(target(&p, 0.0, true, 1.0).0.len(), 35);
        assert!(check(&p, &c, 6_000, EXACT, 1.0) > 0.001);
    }

    /// Rejection control of the boundary weight keeps the target: on the 4x3 grid into 3 (ρ = 1
    /// and ρ = 0) and with the county constraint on the 4x4 grid into 4, with the threshold at
    /// the pilot's median boundary (so about half the cuts are candidates for thinning). Without
    /// the boundary weight the test still rejects (the thinning alone does not hit the target).
    #[test]
    fn rejection_control_is_exact() {
        let p = grid_problem(4, 3, 3, 0.26, None);
        let rc = |mut c: SmcConfig| {
            c.rejection_control = Some(0.5);
            c.cut_selection = CutSelection::Uniform;
            c
        };
        let out = run_smc(&p, &rc(cfg(200, 1.0)), 3, 0, None).unwrap();
        assert!(out.stages.iter().any(|s| s.thinned > 0 && s.threshold > 0), "{:?}", out.stages);
        assert!(check(&p, &rc(cfg(32, 1.0)), 12_000, EXACT, 0.0) > 0.001);
        assert!(check(&p, &rc(cfg(128, 0.0)), 6_000, EXACT, 0.0) > 0.001);
        assert!(check(&p, &rc(cfg(32, 1.0)), 12_000, NO_BOUNDARY, 0.0) < 1e-6);
        let rows: Vec<u32> = (0..16).map(|i| u32::from(i / 4 != 0)).collect();
        let p = grid_problem(4, 4, 4, 0.0, Some(rows));
        let mut c = rc(cfg(32, 1.0));
        c.county_hierarchy = true;
        assert!(check(&p, &c, 12_000, EXACT, 0.0) > 0.001);
    }

    /// The fallback for graphs the packed whole-graph walk cannot hold (a degree above 255):
    /// trees drawn on the loaded remainder give the same exact target on the 4x3 grid.
    #[test]
    fn loaded_region_fallback_is_exact() {
        let p = grid_problem(4, 3, 3, 0.26, None);
        let loaded = Corrections { whole_graph: false, ..EXACT };
        assert!(check(&p, &cfg(32, 1.0), 12_000, loaded, 0.0) > 0.001);
        let loaded_no_boundary = Corrections { boundary: false, ..loaded };
        assert!(check(&p, &cfg(32, 1.0), 12_000, loaded_no_boundary, 0.0) < 1e-6);
    }

    #[test]
    fn systematic_resampling_counts() {
        let prob = [0.5, 0.25, 0.0, 0.25];
        assert_eq!(systematic(&prob, 0.3), vec![0, 0, 1, 3]);
        // Each index gets floor or ceil of N·p copies.
        let prob = [0.1, 0.6, 0.3];
        for u in [0.0, 0.2, 0.5, 0.99] {
            let a = systematic(&prob, u);
            let c1 = a.iter().filter(|&&x| x == 1).count();
            assert!(c1 == 1 || c1 == 2, "{a:?}");
        }
    }

    #[test]
    fn zero_weight_particles_are_never_ancestors() {
        // Weights whose sum rounds below 1, with zero-weight particles at the end.
        let mut prob = vec![0.1; 10];
        prob.extend([0.0, 0.0]);
        for k in 0..50 {
            let u = (k as f64 / 50.0 + 0.0199).min(0.999_999_999);
            assert!(systematic(&prob, u).iter().all(|&a| a < 10), "u {u}");
        }
        assert_eq!(systematic(&prob, 0.999_999_999_999)[11], 9);
    }

    #[test]
    fn kish_of_uniform_and_degenerate() {
        assert!((kish(&[0.25; 4]) - 4.0).abs() < 1e-12);
        assert!((kish(&[1.0, 0.0, 0.0]) - 1.0).abs() < 1e-12);
        let w = normalize(&[0.0, 1000.0]);
        assert!(w[0] < 1e-300 && (w[1] - 1.0).abs() < 1e-12);
    }

    /// A path 1-1-3-3 into two districts of exactly 4 has no valid plan: the run stops with an
    /// error naming the stage instead of drawing trees forever.
    #[test]
    fn an_impossible_split_is_an_error_not_a_hang() {
        use redraw_graph::{Column, Graph};
        let mut g =
            Graph::from_edges((0..4).map(|i| i.to_string()).collect(), &[(0, 1), (1, 2), (2, 3)], None)
                .unwrap();
        g.set_column("pop", Column::Int(vec![1, 1, 3, 3])).unwrap();
        let spec = crate::ProblemSpec {
            pop_column: "pop".into(),
            districts: 2,
            tolerance: 0.0,
            elections: vec![],
            county: None,
            max_county_splits: None,
            tracked: Vec::new(),
        };
        let p = Problem::new(&g, &spec).unwrap();
        let c = SmcConfig { particles: 50, max_attempts: 2_000, ..SmcConfig::default() };
        let err = run_smc(&p, &c, 1, 0, None).unwrap_err();
        assert!(matches!(err, SmcError::Stuck { stage: 1, .. }), "{err}");
        assert!(err.to_string().contains("tolerance is probably too tight"), "{err}");
    }

    #[test]
    fn same_seed_same_output_on_any_thread_count() {
        let p = grid_problem(6, 6, 4, 0.1, None);
        let c = cfg(300, 1.0);
        let one = rayon::ThreadPoolBuilder::new().num_threads(1).build().unwrap();
        let two = rayon::ThreadPoolBuilder::new().num_threads(3).build().unwrap();
        let a = one.install(|| run_smc(&p, &c, 11, 2, None).unwrap());
        let b = two.install(|| run_smc(&p, &c, 11, 2, None).unwrap());
        let (Plans::U8(x), Plans::U8(y)) = (&a.plans, &b.plans) else { panic!() };
        assert_eq!(x, y);
        assert_eq!(a.log_weights, b.log_weights);
        assert_eq!(a.stages, b.stages);
        let other = run_smc(&p, &c, 11, 3, None).unwrap();
        assert_ne!(a.log_weights, other.log_weights, "runs are independent streams");
    }
}
