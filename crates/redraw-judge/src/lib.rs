//! redraw-judge: is this map an outlier? And where do proposed state splits fall among neutral
//! ones?
//!
//! Modules and boundaries:
//! - [`ensemble`]: reads an ensemble run's `stats.csv` (from `impl Read`) into per-election
//!   district-vote matrices and numeric series grouped by chain ([`EnsembleStats`]).
//! - [`judge`](mod@judge): [`judge()`](fn@judge::judge) / [`judge_with`] evaluate a plan (plain
//!   slices: CSR adjacency, assignment, population, unit votes; optionally voting-age population,
//!   district compactness, county names, weights) against [`EnsembleStats`]: every partisan
//!   metric of `redraw-metrics` per election, structural and compactness statistics, minority
//!   district counts, enacted value, distribution, mid-rank percentile and a verdict with its
//!   direction ("outlier" only for partisan metrics); the per-district table; and convergence
//!   diagnostics per statistic. Plans are never repaired: facts that make a comparison unfair
//!   become notes. [`Judgement`] is the schema-versioned JSON document ([`SCHEMA_VERSION`]).
//! - [`advice`]: which sampler to use, worded from the effective samples per CPU-second that
//!   `bench/samplers` measured (a note of the judgement).
//! - [`sample`]: the one function every distribution, percentile and histogram goes through
//!   ([`sample::ensemble_summary`], optional importance weights).
//! - [`request`]: [`evaluate`], the glue every front end shares (CLI, Python, web): choose the
//!   columns, apply burn-in and thinning, match polygons to units, measure compactness for the
//!   plan and across the ensemble (streamed assignments), judge, draw the plan's map.
//! - [`definitions`], [`provenance`]: the definitions section (sign conventions, ties, citations)
//!   and the provenance (version, command line, input SHA-256, run parameters, date).
//! - [`plan_map`]: the plan's map (districts by winner and margin, county lines, state outline).
//! - [`report`]: renders a [`judge::Judgement`] as a report directory's files from one document
//!   model (Markdown, one self-contained HTML file, JSON, SVG figures) returned as bytes; the CLI
//!   writes them.
//! - [`split`]: neutral splits of a state into k new states: the embedded county graph
//!   (`redraw-core`) sampled with the ensemble engine's ReCom (`redraw-ensemble`) in memory,
//!   every sample scored by the national model and checked against the Senate / House /
//!   Electoral College identities, and named presets (Cal 3, Six Californias) placed in the
//!   distribution.
//!
//! Invariants: no file I/O; signs follow redraw-metrics (positive favours Democrats).

pub mod advice;
pub mod definitions;
pub mod ensemble;
pub mod judge;
pub mod plan_map;
pub mod provenance;
pub mod report;
pub mod request;
pub mod sample;
pub mod split;

pub use ensemble::{EnsembleStats, Selection, StatsTable};
pub use judge::{judge, judge_with, EnsembleInfo, Extras, Judgement, PlanInput, UnitVotes, SCHEMA_VERSION};
pub use request::{evaluate, Evaluation, Options, Request};

/// Errors from judging.
#[derive(Debug, thiserror::Error)]
pub enum JudgeError {
    #[error("{file}, line {line}: {message}")]
    Stats { file: String, line: u64, message: String },
    /// The file is not readable text (binary, an overlong line); the message names the line.
    #[error("{file}: {message}")]
    Text { file: String, message: String },
    #[error(
        "the plan has {plan} districts but the ensemble's plans have {ensemble}: judge a plan against an \
         ensemble drawn for the same number of districts"
    )]
    DistrictCount { plan: usize, ensemble: usize },
    #[error("ensemble sample (chain {chain}, step {step}), election {election:?}: {message}")]
    Sample { election: String, chain: u32, step: u64, message: String },
    #[error("{0}")]
    Input(String),
    #[error(transparent)]
    Metrics(#[from] redraw_metrics::MetricsError),
}
