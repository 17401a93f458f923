//! `redraw ensemble`: run Markov chains of district plans into a run directory.
//!
//! This module only parses arguments, loads the graph and the initial plan, describes the
//! inputs for the manifest, and prints a summary; the chains, checkpoints and output files are
//! `redraw_ensemble::run`.

use std::ops::Range;
use std::path::PathBuf;
use std::time::Instant;

use anyhow::bail;
use redraw_ensemble::run::{self, ChainParams, Execution, RunSpec};
use redraw_ensemble::setup::{self, parse_election, CountySource, GraphSource, InitialPlan, Setup};
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
or uniformly among adjacent district pairs), reversible-recom (Cannon-Duchin-Randall-Rule;
stationary distribution proportional to the product of the districts' spanning-tree
counts), flip (random boundary flip with a Metropolis-Hastings correction: uniform on valid
plans). Every proposal counts as a step, self-loops included.

Examples:
  redraw ensemble --graph NC.json --pop TOTAL_POP --assignment district --tol 0.02 \\
    --steps 100000 --chains 4 --seed 1 --election COMP=DEM_VOTES,REP_VOTES --out runs/nc
  redraw ensemble --graph PA_2020_graph.json --pop TOTAL_POP --districts 17 --tol 0.01 \\
    --steps 20000 --county-prefix 5 --out runs/pa
  redraw ensemble --graph NC.json --pop TOTAL_POP --assignment district ... --out runs/nc --resume
  redraw ensemble ... --chains 64 --chain-range 0..32 --out shards/a   (and 32..64 elsewhere)
  redraw merge shards/a shards/b --out runs/pa";

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
    /// Steps (proposals, self-loops included) per chain.
    #[arg(long, value_name = "N")]
    pub steps: u64,
    /// Number of independent chains.
    #[arg(long, default_value_t = 1, value_name = "C")]
    pub chains: u32,
    /// Compute only chains START..END-1 of the --chains (a shard), e.g. 16..32; merge the
    /// shards with `redraw merge`. The merged run is byte-identical to a run of every chain.
    #[arg(long, value_name = "START..END", value_parser = redraw_ensemble::shard::parse_range)]
    pub chain_range: Option<Range<u32>>,
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
    /// Reversible ReCom: M, the bound on balanced edges per tree (each is chosen with
    /// probability 1/M). A tree with more stops the run with an error naming the M needed:
    /// the chain is exact only when M bounds them all.
    #[arg(long, default_value_t = 30, value_name = "M")]
    pub balance_bound: u32,
    /// Record every T-th step.
    #[arg(long, default_value_t = 1, value_name = "T")]
    pub thin: u64,
    /// Steps before the first recorded one (step 0 is the initial plan).
    #[arg(long, default_value_t = 0, value_name = "B")]
    pub burn_in: u64,
    /// Worker threads (default: all cores, at most one per chain). Does not change the output.
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
    Flip,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Pairs {
    CutEdge,
    DistrictPair,
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
            (None, None) => InitialPlan::Generated,
        },
        county: match (&args.county, args.county_prefix) {
            (Some(c), _) => Some(CountySource::Column(c.clone())),
            (None, Some(n)) => Some(CountySource::Prefix(n)),
            (None, None) => None,
        },
        max_county_splits: args.max_county_splits,
        seed: args.seed,
    })?;
    let params = ChainParams {
        seed: args.seed,
        chains: args.chains,
        steps: args.steps,
        thin: args.thin,
        burn_in: args.burn_in,
        proposal: ProposalConfig {
            kind: match args.proposal {
                Proposal::Recom => ProposalKind::Recom,
                Proposal::ReversibleRecom => ProposalKind::ReversibleRecom,
                Proposal::Flip => ProposalKind::Flip,
            },
            pair_selection: match args.pair_selection {
                Pairs::CutEdge => PairSelection::CutEdge,
                Pairs::DistrictPair => PairSelection::DistrictPair,
            },
            tree_attempts: args.tree_attempts,
            balance_bound: args.balance_bound,
        },
    };
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
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
