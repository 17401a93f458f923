//! redraw-ensemble: Markov chain ensembles of district plans.
//!
//! Modules and their boundaries:
//! - [`rng`]: the chains' hand-rolled xoshiro256++ generator; its state is part of checkpoints.
//! - [`problem`]: [`Problem`], the immutable inputs of a chain extracted from a
//!   `redraw_graph::Graph` (CSR adjacency with undirected edge ids, populations and bounds,
//!   election columns, counties).
//! - [`partition`]: [`Partition`], the chain state with every statistic maintained
//!   incrementally on each node move (populations, member lists, cut edges, pairwise seams,
//!   vote tallies, county splits); `Partition::check` compares it with a full recomputation.
//! - `tree` (private): Wilson's uniform spanning trees on a region with local index remapping
//!   (a packed adjacency so each walk step is one dependent load; the walk is rooted on the
//!   seam of the merged pair), a parents-first order from the loop-erased retrace, subtree
//!   population sums and balanced cuts in one reverse pass; uniform county-respecting trees
//!   (Wilson per county piece, then on the piece multigraph) and random minimum spanning trees
//!   with a county surcharge. Allocation-free after warm-up.
//! - [`proposal`]: ReCom (optionally with a county surcharge on random-MST trees), reversible
//!   ReCom, merge-split and flip steps, their parameters and outcome counters.
//! - [`smc`]: Sequential Monte Carlo: `N` weighted plans by splitting districts off one at a time,
//!   exact weights for `∏ τ^ρ · exp(−λ·splits)` (optionally under the hierarchical county rule),
//!   rejection resampling, adaptive candidate bounds, merge-split rejuvenation; particles in
//!   parallel with thread-independent output. [`ordering`]: the exact correction for the order in
//!   which districts are drawn (reverse growth), and the county-rule peeling checks. `spanning`
//!   (private): log spanning-tree counts (envelope Cholesky after reverse Cuthill–McKee), plain and
//!   county-respecting, for ρ ≠ 1.
//! - [`smc_run`]: SMC runs as run directories (a `weight` column, per-run parts, resume by
//!   finished run).
//! - [`seed`]: seed plans by recursive spanning-tree bipartition.
//! - [`run`]: the main file-system code — run directories (manifest, stats.csv,
//!   assignments.bin), parallel chains (rayon), checkpoints and resume, atomic writes.
//! - [`setup`]: from a loaded graph and the user's choices (initial plan, counties, elections)
//!   to a `RunSpec`'s problem, initial plan and manifest `inputs`; shared by the CLI and the
//!   Python bindings so both write the same manifest. Reads (and hashes) input files.
//! - [`shard`]: a run computed as disjoint chain ranges (`Execution::chain_range`) and
//!   [`shard::merge`], which checks that shards form one run and concatenates them into the
//!   bytes of the whole run.
//! - `stats_parquet` (feature `parquet`, off by default): converts the finished stats.csv text to
//!   Parquet (same columns, INT64 but the SMC `weight` DOUBLE, `county_splits` nullable); `run` calls it in the merge when
//!   `Execution::parquet` is set, so `stats.parquet` is a pure function of `stats.csv`.
//! - [`assignments`]: the binary assignments format (fixed-size records, or delta records
//!   against the chain's previous plan), its [`assignments::Encoder`] and its streaming reader.
//! - [`record`]: what a chain records (`--record`) and the writer thread that takes the
//!   chain's rows and plans to its part files, so recording costs the chain little; the size
//!   estimate of a run.
//! - [`checkpoint`]: the chain checkpoint codec (trusts nothing it reads) and the checksums of
//!   the part files; `fsio` (private): the run lock, temporary files, atomic writes and the
//!   simulated full disk; [`verify`]: the consistency checks of a finished run's manifest, rows
//!   and assignments header, used by every reader of a run directory.
//! - [`enumerate`]: exact enumeration of all plans of a small graph and spanning-tree counts (the
//!   ground truth of the distribution tests; `testkit` adds county-respecting counts and the
//!   county rule by brute force).
//!
//! Invariants: after every step every district is non-empty and contiguous and within the
//! population bounds, and the incremental statistics equal a recomputation. Chains are driven
//! by `(seed, chain index)` only, so outputs are byte-identical for any thread count and after
//! a resume. The run directory format is specified in `docs/run-format.md`.
//!
//! Speed is measured, not asserted: `cargo run --release -p redraw-ensemble --example
//! recom_speed -- GRAPH.json STEPS` (bare chain, CPU-time rate), `--example smc_speed --
//! GRAPH.json PARTICLES` (one SMC run with its stage diagnostics), `bench/ensemble/` (the CLI
//! against GerryChain) and `bench/samplers/` (effective samples per second of every sampler).
pub mod assignments;
pub mod checkpoint;
pub mod enumerate;
mod fsio;
mod masked;
pub mod ordering;
pub mod partition;
pub mod problem;
pub mod proposal;
pub mod record;
pub mod rng;
pub mod run;
pub mod seed;
pub mod setup;
pub mod shard;
pub mod smc;
pub mod smc_run;
mod spanning;
#[cfg(feature = "parquet")]
pub mod stats_parquet;
#[cfg(test)]
mod testkit;
mod tree;
pub mod verify;

pub use assignments::{AssignmentReader, Sample};
pub use partition::{Partition, PlanError};
pub use problem::{Election, Problem, ProblemError, ProblemSpec};
pub use proposal::{Counters, Outcome, PairSelection, ProposalConfig, ProposalKind, Workspace};
pub use record::Record;
pub use rng::Rng;
pub use run::{ChainParams, Compression, Execution, Manifest, RunError, RunSpec};
pub use seed::{seed_plan, SeedError};
