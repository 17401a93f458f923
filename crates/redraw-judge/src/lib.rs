//! redraw-judge: is this map an outlier? And where do proposed state splits fall among neutral
//! ones?
//!
//! Modules and boundaries:
//! - [`ensemble`]: reads an ensemble run's `stats.csv` (from `impl Read`) into per-election
//!   district-vote matrices and numeric series grouped by chain ([`EnsembleStats`]).
//! - [`judge`](mod@judge): [`judge()`](fn@judge::judge) evaluates a plan (plain slices: CSR adjacency, assignment,
//!   population, unit votes) against [`EnsembleStats`]: every partisan metric of
//!   `redraw-metrics` per election, structural statistics the run recorded, enacted value,
//!   distribution, mid-rank percentile, outlier band and a plain-language verdict; the plan's
//!   own facts (population balance against the ensemble's tolerance, contiguity, cut edges,
//!   county splits); and convergence diagnostics per statistic. Plans are never repaired: facts
//!   that make a comparison unfair become notes.
//! - [`report`]: renders a [`judge::Judgement`] as a report directory's files (Markdown, JSON and
//!   SVG plots from `redraw-geo`) returned as bytes; the CLI writes them.
//! - [`split`]: neutral splits of a state into k new states: the embedded county graph
//!   (`redraw-core`) sampled with the ensemble engine's ReCom (`redraw-ensemble`) in memory,
//!   every sample scored by the national model and checked against the Senate / House /
//!   Electoral College identities, and named presets (Cal 3, Six Californias) placed in the
//!   distribution.
//!
//! Invariants: no file I/O; signs follow redraw-metrics (positive favours Democrats).

pub mod ensemble;
pub mod judge;
pub mod report;
pub mod split;

pub use ensemble::{EnsembleStats, StatsTable};
pub use judge::{judge, EnsembleInfo, Judgement, PlanInput, UnitVotes};

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
