//! `redraw ensemble`: draw an ensemble of district plans into a run directory, with Markov
//! chains (`--sampler mcmc`, the default) or Sequential Monte Carlo (`--sampler smc`).
//!
//! This module only parses arguments, loads the graph and the initial plan, describes the
//! inputs for the manifest, and prints a summary; the samplers, checkpoints and output files
//! are `redraw_ensemble::run` (chains) and `redraw_ensemble::smc_run` (SMC).

use std::ops::Range;
use std::path::PathBuf;
use std::time::Instant;

use anyhow::bail;
use anyhow::Context as _;
use redraw_ensemble::run::{self, ChainParams, Compression, Execution, Record, RunSpec};
use redraw_ensemble::setup::{self, parse_election, CountySource, GraphSource, InitialPlan, Setup};
use redraw_ensemble::smc::{CutSelection, SmcConfig};
use redraw_ensemble::smc_run::{run_smc_dir, Rejuvenation, SmcRunSpec};
use redraw_ensemble::{PairSelection, ProposalConfig, ProposalKind};
use redraw_graph::io::read_graph;

use crate::output::{self, Cell, OutputArgs, Table};

/// The long help of `redraw ensemble` (shown after the options by `--help`; the one-line
/// summary comes from the subcommand list in main.rs).
const LONG_HELP: &str = "\
Chains start from the plan in --assignment (a node column) or --plan (a `GEOID,district`
CSV), or from a plan drawn by recursive spanning-tree bipartition when neither is given.
Chain i uses its own random stream derived from (--seed, i): the output for a seed is
byte-identical for any --threads, and a run interrupted at any point (even kill -9) and
continued with --resume ends with exactly the files an uninterrupted run writes. A run can
also be computed as shards (--chain-range A..B of the --chains, on any machines) and joined
by `redraw merge` into the same bytes.

The run directory (--out) holds manifest.json (parameters, input hashes, version),
stats.csv (one row per recorded plan: chain, step, accepted, cut_edges, county_splits,
pop_<d>, NAME_dem_seats, NAME_dem_<d>, NAME_rep_<d>) and assignments.bin (every recorded
plan, u8/u16 per node); see docs/run-format.md.

Proposals: recom (DeFord-Duchin-Solomon; pair by random cut edge like GerryChain and frcw,
or uniformly among adjacent district pairs; with --region-surcharge S the trees avoid county
lines, as GerryChain's region_surcharge: no known closed-form target), reversible-recom
(Cannon-Duchin-Randall-Rule; stationary distribution proportional to the product of the
districts' spanning-tree counts), merge-split (Carter et al.; the same target raised to
--rho, with --county-constraint and --county-penalty as for SMC), flip (random boundary flip
with a Metropolis-Hastings correction: uniform on valid plans). Every proposal counts as a
step, self-loops included.

SMC (--sampler smc, McCartan & Imai 2023) draws --particles weighted plans per run, --chains
independent runs (use 2 or more: `redraw judge` then reports R-hat across runs). Target: the
product of the districts' spanning-tree counts raised to --rho (1 = the reversible-ReCom
target, 0 = uniform on valid plans), times exp(-penalty x split counties); with
--county-constraint each stage may split at most one county piece (so at most k-1 counties
are split). The weights are exact (see docs/run-format.md) and are written in a `weight`
column; stats.csv has one row per particle (chain = run, step = particle). No initial plan is
needed: give --districts K (or a plan, whose district count is used).


Examples:
  redraw ensemble --graph NC.json --pop TOTAL_POP --assignment district --tol 0.02 \\
    --steps 100000 --chains 4 --seed 1 --election COMP=DEM_VOTES,REP_VOTES --out runs/nc
  redraw ensemble --graph PA_2020_graph.json --pop TOTAL_POP --districts 17 --tol 0.01 \\
    --steps 20000 --county-prefix 5 --out runs/pa
  redraw ensemble --graph NC.json --pop TOTAL_POP --assignment district ... --out runs/nc --resume
  redraw ensemble ... --chains 64 --chain-range 0..32 --out shards/a   (and 32..64 elsewhere)
  redraw merge shards/a shards/b --out runs/pa
  redraw ensemble --sampler smc --graph PA.json --pop TOTAL_POP --districts 17 --tol 0.005 \\
    --particles 5000 --chains 4 --county-prefix 5 --county-constraint \\
    --election COMP=DEM_VOTES,REP_VOTES --out runs/pa-smc";

/// Arguments of `redraw ensemble`.
#[derive(clap::Args)]
#[command(after_long_help = LONG_HELP)]
pub struct Args {
    /// The graph: networkx adjacency JSON, rdabase *_graph.json (with its *_data.csv), or an
    /// edge-list .csv (with --data).
    #[arg(long, value_name = "FILE")]
    pub graph: PathBuf,
    /// Attribute CSV for rdabase or edge-list graphs, keyed by --key.
    #[arg(long, value_name = "CSV")]
    pub data: Option<PathBuf>,
    /// The unit-id column (GEOID): matches --plan CSV rows and gives --county-prefix its ids.
    #[arg(long, default_value = "GEOID", value_name = "COL")]
    pub key: String,
    /// Population column.
    #[arg(long, value_name = "COL")]
    pub pop: String,
    /// Number of districts (taken from the initial plan when omitted; must match it if given).
    #[arg(long, short = 'k', value_name = "K")]
    pub districts: Option<usize>,
    /// Population tolerance: every district within this fraction of the ideal population.
    #[arg(long, default_value_t = 0.02, value_name = "FRACTION", allow_negative_numbers = true)]
    pub tol: f64,
    /// Sampler: Markov chains of --proposal steps, or Sequential Monte Carlo.
    #[arg(long, value_enum, default_value_t = SamplerArg::Mcmc)]
    pub sampler: SamplerArg,
    /// Steps (proposals, self-loops included) per chain (MCMC).
    #[arg(long, value_name = "N")]
    pub steps: Option<u64>,
    /// Number of independent chains (MCMC) or independent SMC runs.
    #[arg(long, default_value_t = 1, value_name = "C")]
    pub chains: u32,
    /// Compute only chains START..END-1 of the --chains (a shard), e.g. 16..32; merge the
    /// shards with `redraw merge`. The merged run is byte-identical to a run of every chain.
    #[arg(long, value_name = "START..END", value_parser = redraw_ensemble::shard::parse_range)]
    pub chain_range: Option<Range<u32>>,
    /// SMC: particles (weighted plans) per run.
    #[arg(long, default_value_t = 1000, value_name = "N")]
    pub particles: usize,
    /// SMC and merge-split: compactness exponent ρ of the target (product of spanning-tree
    /// counts)^ρ; 1 = the reversible-ReCom target, 0 = uniform on valid plans. ρ ≠ 1 costs a
    /// determinant per district and spreads the SMC weights (more particles needed).
    #[arg(long, default_value_t = 1.0, value_name = "RHO")]
    pub rho: f64,
    /// SMC and merge-split: the hierarchical county constraint (each stage splits at most one
    /// county piece, so at most k-1 counties are split when every county is connected). Needs
    /// --county or --county-prefix.
    #[arg(long)]
    pub county_constraint: bool,
    /// SMC and merge-split: multiply the target by exp(-PENALTY x split counties).
    #[arg(long, default_value_t = 0.0, value_name = "PENALTY")]
    pub county_penalty: f64,
    /// SMC: resample on weights^α and carry weights^(1-α) (redist's seq_alpha); 1 = plain.
    #[arg(long, default_value_t = 1.0, value_name = "ALPHA")]
    pub seq_alpha: f64,
    /// SMC: rejection control of the boundary weight 1/b (Liu, Chen & Wong 1998), threshold at
    /// this quantile of each stage's pilot cuts: a cut with b above it is kept with probability
    /// b0/b and weighs 1/b0. More even weights (a higher ESS; on PA the lineages barely grew),
    /// for more trees per plan; the target is unchanged. Needs --cut-selection uniform.
    #[arg(long, value_name = "QUANTILE")]
    pub rejection_control: Option<f64>,
    /// SMC: how a spanning tree's candidate cut is chosen. inverse-boundary: in proportion to
    /// 1/b (b = the cut's boundary edges), the weight carrying the sum of 1/b over the tree's
    /// candidates (more even weights); uniform: each with probability 1/max(c, --cut-floor).
    /// Both are exact.
    #[arg(long, value_enum, default_value_t = CutSelectionArg::InverseBoundary)]
    pub cut_selection: CutSelectionArg,
    /// SMC with --cut-selection uniform: the selection floor m: a tree with c candidate cuts
    /// selects each with probability 1/max(c, m) and the weight carries max(c, m). 1 takes a cut
    /// from every tree that has one (the fastest); a larger m accepts fewer trees for flatter
    /// weights. Exact for any m.
    #[arg(long, default_value_t = 1, value_name = "M", value_parser = clap::value_parser!(u32).range(1..))]
    pub cut_floor: u32,
    /// SMC: resample the final particles to equal weights and run this many merge-split steps
    /// on each (with --rho, --county-constraint, --county-penalty and --balance-bound).
    #[arg(long, value_name = "STEPS")]
    pub rejuvenate: Option<u64>,
    /// ReCom: draw trees as random minimum spanning trees with this surcharge on edges between
    /// counties (GerryChain's region_surcharge), so cuts follow county lines. Needs counties.
    #[arg(long, value_name = "S")]
    pub region_surcharge: Option<f64>,
    /// Random seed of the run.
    #[arg(long, default_value_t = 0, value_name = "S")]
    pub seed: u64,
    /// An election to tally per district: NAME=DEMCOL,REPCOL (repeatable).
    #[arg(long = "election", value_name = "NAME=DEM,REP")]
    pub elections: Vec<String>,
    /// The run directory to create (or to continue with --resume).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Initial plan from a node attribute column (e.g. `district`).
    #[arg(long, value_name = "COL", conflicts_with = "plan")]
    pub assignment: Option<String>,
    /// Initial plan from a `unit id,district` CSV (ids matched against --key).
    #[arg(long, value_name = "CSV")]
    pub plan: Option<PathBuf>,
    /// The proposal.
    #[arg(long, value_enum, default_value_t = Proposal::Recom)]
    pub proposal: Proposal,
    /// How ReCom picks the two districts to merge.
    #[arg(long, value_enum, default_value_t = Pairs::CutEdge)]
    pub pair_selection: Pairs,
    /// ReCom: spanning trees drawn on a pair before the step becomes a self-loop.
    #[arg(long, default_value_t = 100, value_name = "N")]
    pub tree_attempts: u32,
    /// Reversible ReCom and merge-split: M, the bound on balanced edges per tree (each is
    /// chosen with probability 1/M). A tree with more stops the run with an error naming the M
    /// needed: the chain is exact only when M bounds them all.
    #[arg(long, default_value_t = 30, value_name = "M")]
    pub balance_bound: u32,
    /// Record every T-th step (with --record thinned, only the plans: stats.csv then keeps a
    /// row for every step).
    #[arg(long, default_value_t = 1, value_name = "T")]
    pub thin: u64,
    /// What to record at the steps --burn-in and --thin select: `every` (a stats.csv row and
    /// the plan), `thinned` (a row at every step after burn-in, the plan at every T-th only),
    /// `stats-only` (the rows of `every`, no assignments.bin).
    #[arg(long, value_enum, default_value_t = RecordArg::Every)]
    pub record: RecordArg,
    /// How assignments.bin stores the plans: `delta` (each plan as the runs of nodes that
    /// changed since the chain's previous plan: 23-170x smaller on the NC, PA and CA bench
    /// graphs; read by redraw and its Python package) or `none` (fixed-size records, one byte
    /// per node, that numpy.fromfile reads).
    #[arg(long, value_enum, default_value_t = CompressArg::Delta)]
    pub compress: CompressArg,
    /// Also sum this node column per district in every row: columns sum_COL_<d> after the
    /// election columns, e.g. --track BLACK_VAP --track TOTAL_VAP (repeatable; non-negative
    /// integers).
    #[arg(long = "track", value_name = "COL")]
    pub track: Vec<String>,
    /// Steps before the first recorded one (step 0 is the initial plan).
    #[arg(long, default_value_t = 0, value_name = "B")]
    pub burn_in: u64,
    /// Worker threads (default: all cores; for chains at most one per chain). Does not change
    /// the output.
    #[arg(long, value_name = "T")]
    pub threads: Option<usize>,
    /// County of each unit from a node column (enables the county_splits statistic).
    #[arg(long, value_name = "COL", conflicts_with = "county_prefix")]
    pub county: Option<String>,
    /// County of each unit as the first N characters of its id (--key column): 5 for FIPS.
    #[arg(long, value_name = "N")]
    pub county_prefix: Option<usize>,
    /// Reject moves that leave more than M counties split (needs --county or --county-prefix).
    #[arg(long, value_name = "M")]
    pub max_county_splits: Option<u32>,
    /// Steps between checkpoints of each chain.
    #[arg(long, default_value_t = 10_000, value_name = "N")]
    pub checkpoint_every: u64,
    /// Continue the run in --out from its checkpoints (same arguments as the original run).
    #[arg(long)]
    pub resume: bool,
    /// Also write stats.parquet (the rows and columns of stats.csv, INT64, county_splits null
    /// when not tracked). Needs a build with `--features parquet`.
    #[arg(long)]
    pub parquet: bool,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Proposal {
    Recom,
    ReversibleRecom,
    MergeSplit,
    Flip,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum SamplerArg {
    /// Markov chains (--proposal, --steps).
    Mcmc,
    /// Sequential Monte Carlo (--particles).
    Smc,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum CutSelectionArg {
    InverseBoundary,
    Uniform,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Pairs {
    CutEdge,
    DistrictPair,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum RecordArg {
    Every,
    Thinned,
    StatsOnly,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum CompressArg {
    Delta,
    None,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let started = Instant::now();
    // Checked before the (possibly slow) graph load so the mistake is reported at once.
    if args.out.exists() && !args.out.is_dir() {
        bail!(
            "--out {}: is a file; --out names the run directory to create (or, with --resume, an \
             existing run directory)",
            args.out.display()
        );
    }
    if args.resume && !args.out.join(run::MANIFEST).is_file() {
        bail!("--resume: {} holds no run (no {}) to continue", args.out.display(), run::MANIFEST);
    }
    if args.parquet && !run::PARQUET_AVAILABLE {
        bail!(
            "--parquet: this redraw was built without Parquet support; rebuild it with \
             `cargo build --release -p redraw-cli --features parquet` (or `cargo install --path \
             crates/redraw-cli --features parquet`)"
        );
    }
    if args.county_prefix == Some(0) {
        bail!("--county-prefix must be at least 1 (5 for state+county FIPS)");
    }
    check_sampler_args(&args)?;
    let (loaded, format) = read_graph(&args.graph, args.data.as_deref(), &args.key)?;
    for note in &loaded.notes {
        eprintln!("note: {note}");
    }
    let g = loaded.graph;
    let elections = args
        .elections
        .iter()
        .map(|e| parse_election(e))
        .collect::<Result<Vec<_>, String>>()
        .map_err(anyhow::Error::msg)?;
    let source = GraphSource::File { path: args.graph.clone(), format, data: args.data.clone() };
    let prepared = setup::prepare(Setup {
        graph: &g,
        source: &source,
        key: &args.key,
        pop: &args.pop,
        districts: args.districts,
        tolerance: args.tol,
        elections,
        initial: match (&args.assignment, &args.plan) {
            (Some(col), _) => InitialPlan::Column(col.clone()),
            (None, Some(csv)) => InitialPlan::Csv(csv.clone()),
            // SMC draws its plans from scratch (a given plan only fixes k).
            (None, None) if args.sampler == SamplerArg::Smc => InitialPlan::None,
            (None, None) => InitialPlan::Generated,
        },
        county: match (&args.county, args.county_prefix) {
            (Some(c), _) => Some(CountySource::Column(c.clone())),
            (None, Some(n)) => Some(CountySource::Prefix(n)),
            (None, None) => None,
        },
        max_county_splits: args.max_county_splits,
        tracked: args.track.clone(),
        seed: args.seed,
    })?;
    let problem = &prepared.problem;
    for (given, flag) in [
        (args.county_constraint, "--county-constraint"),
        (args.county_penalty > 0.0, "--county-penalty"),
        (args.region_surcharge.is_some(), "--region-surcharge"),
    ] {
        if given && !problem.has_counties() {
            bail!("{flag} needs counties: give --county COL or --county-prefix N");
        }
    }
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    if args.sampler == SamplerArg::Smc {
        if args.chain_range.is_some() {
            bail!("--chain-range: an SMC run cannot be split into shards yet; run its --chains in one directory");
        }
        let threads = args.threads.unwrap_or(cores).max(1);
        return run_smc(&args, problem, prepared.inputs.clone(), threads, started);
    }
    let params = ChainParams {
        seed: args.seed,
        chains: args.chains,
        steps: args.steps.context("--steps N is required for Markov chains")?,
        thin: args.thin,
        burn_in: args.burn_in,
        record: match args.record {
            RecordArg::Every => Record::Every,
            RecordArg::Thinned => Record::Thinned,
            RecordArg::StatsOnly => Record::StatsOnly,
        },
        compression: match args.compress {
            CompressArg::Delta => Compression::Delta,
            CompressArg::None => Compression::None,
        },
        proposal: proposal_config(&args),
    };
    let own_chains = args.chain_range.as_ref().map_or(args.chains, |r| r.end.saturating_sub(r.start));
    let threads = args.threads.unwrap_or(cores).clamp(1, own_chains.max(1) as usize);
    let exec = Execution {
        threads,
        progress: output::progress_enabled(),
        checkpoint_every: args.checkpoint_every,
        parquet: args.parquet,
        chain_range: args.chain_range.clone(),
        ..Execution::default()
    };
    let rs = RunSpec {
        problem: &prepared.problem,
        initial: prepared.initial,
        district_labels: prepared.district_labels,
        params,
        inputs: prepared.inputs,
    };
    if !args.resume {
        let est = run::estimate(rs.problem, &rs.initial, &rs.params, own_chains as u64);
        if let Some(note) = est.warning(&rs.params, &args.out) {
            eprintln!("note: {note}");
        }
    }
    let load_secs = started.elapsed().as_secs_f64();
    let t0 = Instant::now();
    let summary = run::run(&args.out, &rs, &exec, args.resume)?;
    let secs = t0.elapsed().as_secs_f64();

    let m = &summary.manifest;
    if summary.already_complete {
        eprintln!("{}: the run is already complete; nothing to do", args.out.display());
    } else {
        let steps = m.params.steps * m.chain_range().len() as u64;
        eprintln!(
            "{} steps in {:.2} s ({} steps/s on {threads} thread(s); input loaded in {:.2} s) -> {}",
            output::group_thousands(steps as i128),
            secs,
            output::group_thousands((steps as f64 / secs.max(1e-9)).round() as i128),
            load_secs,
            args.out.display()
        );
    }
    output::emit(&[("chains", &summary_table(m))], &args.output)
}

/// The per-chain outcome table of a finished run or shard (also printed by `redraw merge`).
pub fn summary_table(m: &redraw_ensemble::Manifest) -> Table {
    let range = m.chain_range();
    let chains = match &m.shard {
        Some(_) => format!("chains {}..{} of {}", range.start, range.end, m.params.chains),
        None => format!("{} chain(s)", m.params.chains),
    };
    let mut t = Table::new(&[
        "chain",
        "steps",
        "accepted",
        "acceptance",
        "no_split",
        "non_adjacent",
        "not_selected",
        "rejected",
        "invalid",
        "bound_exceeded",
        "trees",
    ])
    .titled(format!(
        "{} ensemble: {chains} x {} steps, {} districts, tolerance {}",
        m.params.proposal.kind.name(),
        m.params.steps,
        m.districts,
        m.tolerance
    ))
    .right(&[1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    let row = |name: Cell, c: &redraw_ensemble::Counters| -> Vec<Cell> {
        vec![
            name,
            c.steps.into(),
            c.accepted.into(),
            Cell::float(c.accepted as f64 / c.steps.max(1) as f64, 4),
            c.no_split.into(),
            c.non_adjacent.into(),
            c.not_selected.into(),
            c.rejected.into(),
            c.invalid.into(),
            c.bound_exceeded.into(),
            c.trees.into(),
        ]
    };
    for (c, counts) in range.zip(&m.results) {
        t.push(row((c as u64).into(), counts));
    }
    if m.results.len() > 1 {
        t.push(row("all".into(), &m.totals()));
    }
    t
}

/// Flags that belong to one sampler or proposal are refused elsewhere, with the reason.
fn check_sampler_args(args: &Args) -> anyhow::Result<()> {
    let smc = args.sampler == SamplerArg::Smc;
    let ms = !smc && args.proposal == Proposal::MergeSplit;
    if !smc && args.steps.is_none() {
        bail!("--steps N is required for Markov chains (or use --sampler smc with --particles N)");
    }
    if smc {
        for (given, flag) in [
            (args.steps.is_some(), "--steps"),
            (args.thin != 1, "--thin"),
            (args.burn_in != 0, "--burn-in"),
            (args.proposal != Proposal::Recom, "--proposal"),
            (args.region_surcharge.is_some(), "--region-surcharge"),
            (args.max_county_splits.is_some(), "--max-county-splits (use --county-constraint)"),
        ] {
            if given {
                bail!("{flag} applies to Markov chains, not to --sampler smc");
            }
        }
        if args.particles < 2 {
            bail!("--particles must be at least 2");
        }
    } else {
        if args.rho != 1.0 && !ms {
            bail!("--rho applies to --proposal merge-split and --sampler smc");
        }
        if (args.county_constraint || args.county_penalty != 0.0) && !ms {
            bail!(
                "--county-constraint and --county-penalty apply to --proposal merge-split and --sampler smc"
            );
        }
        if args.rejuvenate.is_some()
            || args.seq_alpha != 1.0
            || args.rejection_control.is_some()
            || args.cut_floor != 1
            || args.cut_selection != CutSelectionArg::InverseBoundary
        {
            bail!(
                "--rejuvenate, --seq-alpha, --rejection-control, --cut-selection and --cut-floor apply to \
                 --sampler smc"
            );
        }
        if args.region_surcharge.is_some() && args.proposal != Proposal::Recom {
            bail!("--region-surcharge applies to --proposal recom");
        }
    }
    if !(args.rho.is_finite() && args.rho >= 0.0) {
        bail!("--rho must be a number ≥ 0 (got {})", args.rho);
    }
    if !(args.county_penalty.is_finite() && args.county_penalty >= 0.0) {
        bail!("--county-penalty must be a number ≥ 0 (got {})", args.county_penalty);
    }
    if let Some(s) = args.region_surcharge {
        if !(s.is_finite() && s >= 0.0) {
            bail!("--region-surcharge must be a number ≥ 0 (got {s})");
        }
    }
    Ok(())
}

fn proposal_config(args: &Args) -> ProposalConfig {
    ProposalConfig {
        kind: match args.proposal {
            Proposal::Recom => ProposalKind::Recom,
            Proposal::ReversibleRecom => ProposalKind::ReversibleRecom,
            Proposal::MergeSplit => ProposalKind::MergeSplit,
            Proposal::Flip => ProposalKind::Flip,
        },
        pair_selection: match args.pair_selection {
            Pairs::CutEdge => PairSelection::CutEdge,
            Pairs::DistrictPair => PairSelection::DistrictPair,
        },
        tree_attempts: args.tree_attempts,
        balance_bound: args.balance_bound,
        rho: args.rho,
        county_hierarchy: args.county_constraint,
        county_penalty: args.county_penalty,
        region_surcharge: args.region_surcharge,
    }
}

/// `--sampler smc`: the run directory, then a per-run and a per-stage table.
fn run_smc(
    args: &Args,
    problem: &redraw_ensemble::Problem,
    inputs: serde_json::Value,
    threads: usize,
    started: Instant,
) -> anyhow::Result<()> {
    let k = problem.districts();
    let config = SmcConfig {
        particles: args.particles,
        rho: args.rho,
        county_hierarchy: args.county_constraint,
        county_penalty: args.county_penalty,
        seq_alpha: args.seq_alpha,
        rejection_control: args.rejection_control,
        cut_floor: args.cut_floor,
        cut_selection: match args.cut_selection {
            CutSelectionArg::InverseBoundary => CutSelection::InverseBoundary,
            CutSelectionArg::Uniform => CutSelection::Uniform,
        },
        ..SmcConfig::default()
    };
    let rejuvenation = args.rejuvenate.map(|steps| Rejuvenation {
        steps,
        proposal: ProposalConfig { kind: ProposalKind::MergeSplit, ..proposal_config(args) },
    });
    let spec = SmcRunSpec {
        problem,
        district_labels: (1..=k).map(|d| d.to_string()).collect(),
        seed: args.seed,
        runs: args.chains,
        config,
        rejuvenation,
        inputs,
    };
    let exec = Execution {
        threads,
        progress: output::progress_enabled(),
        checkpoint_every: args.checkpoint_every,
        parquet: args.parquet,
        ..Execution::default()
    };
    let load_secs = started.elapsed().as_secs_f64();
    let t0 = Instant::now();
    let summary = run_smc_dir(&args.out, &spec, &exec, args.resume)?;
    let secs = t0.elapsed().as_secs_f64();
    let m = &summary.manifest;
    let info = m.smc.as_ref().context("the SMC run wrote no smc section")?;
    let plans = info.config.particles as u64 * info.runs.len() as u64;
    if summary.already_complete {
        eprintln!("{}: the run is already complete; nothing to do", args.out.display());
    } else {
        eprintln!(
            "{} plans in {:.2} s ({:.1} plans/s on {threads} thread(s); input loaded in {:.2} s) -> {}",
            output::group_thousands(plans as i128),
            secs,
            plans as f64 / secs.max(1e-9),
            load_secs,
            args.out.display()
        );
    }
    let mut runs = Table::new(&[
        "run",
        "particles",
        "ESS",
        "ESS %",
        "unique plans",
        "effective samples",
        "lowest stage ESS",
        "acceptance",
        "trees",
        "first-stage lineages",
    ])
    .keys(&[
        "run",
        "particles",
        "ess",
        "ess_pct",
        "unique_plans",
        "effective_samples",
        "lowest_stage_ess",
        "acceptance",
        "trees",
        "first_stage_lineages",
    ])
    .titled(format!(
        "SMC: {} run(s) x {} particles, {} districts, tolerance {}, rho {}{}",
        info.runs.len(),
        info.config.particles,
        m.districts,
        m.tolerance,
        info.config.rho,
        if info.config.county_hierarchy { ", county constraint" } else { "" }
    ))
    .right(&[1, 2, 3, 4, 5, 6, 7, 8, 9]);
    let n = info.config.particles as f64;
    for (r, (ri, c)) in info.runs.iter().zip(&m.results).enumerate() {
        let lowest = ri.stages.iter().map(|s| s.ess).fold(f64::INFINITY, f64::min);
        runs.push(vec![
            (r as u64).into(),
            (info.config.particles as u64).into(),
            Cell::float(ri.ess, 1),
            Cell::float(100.0 * ri.ess / n, 1),
            ri.unique_plans.into(),
            Cell::float(ri.effective_samples, 1),
            Cell::float(lowest, 1),
            Cell::float(c.accepted as f64 / c.steps.max(1) as f64, 4),
            c.trees.into(),
            ri.stages.first().map_or(0, |s| s.lineages).into(),
        ]);
    }
    let mut stages = Table::new(&[
        "run",
        "stage",
        "ESS",
        "unique ancestors",
        "lineages",
        "acceptance",
        "attempts",
        "no candidate",
        "not selected",
        "thinned",
        "m",
        "max candidates",
        "b0",
    ])
    .keys(&[
        "run",
        "stage",
        "ess",
        "unique_ancestors",
        "lineages",
        "acceptance",
        "attempts",
        "no_candidate",
        "not_selected",
        "thinned",
        "floor",
        "max_candidates",
        "threshold",
    ])
    .titled(
        "Stages (ESS of the weights entering the stage; lineages: this stage's particles with \
         descendants among the final ones; stage k = final weights)",
    )
    .right(&[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    for (r, ri) in info.runs.iter().enumerate() {
        for s in &ri.stages {
            stages.push(vec![
                (r as u64).into(),
                (s.stage as u64).into(),
                Cell::float(s.ess, 1),
                s.unique_ancestors.into(),
                s.lineages.into(),
                Cell::float(s.acceptance, 4),
                s.attempts.into(),
                s.no_candidate.into(),
                s.not_selected.into(),
                s.thinned.into(),
                (s.floor as u64).into(),
                (s.max_candidates as u64).into(),
                (s.threshold as u64).into(),
            ]);
        }
    }
    output::emit(&[("runs", &runs), ("stages", &stages)], &args.output)?;
    Ok(())
}
