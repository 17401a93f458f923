//! redraw-metrics: pure functions that measure district plans and ensembles.
//!
//! Modules and boundaries:
//! - [`partisan`]: [`ElectionResults`] (validated per-district Democratic/Republican totals) and
//!   every partisan metric of one plan: seats, efficiency gap, mean-median, partisan bias
//!   (Gelman–King: average district vote swung to 50 %, GerryChain's `partisan_bias`), its
//!   statewide-vote variant `statewide_bias`, partisan Gini, declination, responsiveness. Each
//!   is audited against its original paper in `docs/metrics.md` and pinned by
//!   `tests/original_definitions.rs`. **Sign convention: positive favours
//!   Democrats**, for every signed metric; the module docs list where GerryChain,
//!   redistmetrics and Warrington differ.
//! - [`plan`]: population balance, cut edges, district contiguity and region (county,
//!   municipality) splits over plain slices / CSR arrays, so any graph representation can feed
//!   them.
//! - [`diagnostics`]: rank-normalised split R-hat, bulk and tail ESS (Vehtari et al. 2021),
//!   acceptance / self-loop rates, and the "has not mixed" rule (R-hat > 1.01 or ESS < 400).
//! - [`stats`]: type-7 quantiles, mid-rank percentiles, distribution summaries, normal CDF and
//!   quantile.
//! - [`weighted`]: the same for importance-weighted samples (SMC): [`WeightedSample`] gives
//!   weighted type-7 quantiles, mid-rank percentiles and summaries that equal the unweighted
//!   ones under equal weights; Kish ESS and systematic resampling.
//!
//! Invariants: no I/O, no global state; inputs are validated at construction
//! ([`ElectionResults::new`]) or on entry (length checks) and errors are [`MetricsError`].
//! Agreement with GerryChain 1.0 is tested against `tests/fixtures/gerrychain_reference.json`
//! (produced by `bench/metrics/gerrychain_reference.py`) and with ArviZ against
//! `tests/fixtures/arviz_reference.json` (`bench/metrics/arviz_reference.py`); the relation to
//! redistmetrics' definitions (negated signs, winning threshold) is tested against a literal
//! transcription of its formulas (`tests/redistmetrics_conventions.rs`).

pub mod diagnostics;
pub mod partisan;
pub mod plan;
pub mod stats;
pub mod weighted;

pub use diagnostics::{convergence, Convergence, MixingVerdict, StepRates};
pub use partisan::{ElectionResults, PartisanSummary};
pub use plan::{PopulationBalance, RegionSplits};
pub use stats::{Distribution, Placement};
pub use weighted::{kish_ess, systematic_resample, WeightedSample};

/// Errors from malformed metric inputs.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum MetricsError {
    #[error("{what}: expected {expected} values, found {found}")]
    LengthMismatch { what: &'static str, expected: usize, found: usize },
    #[error("no {0} given")]
    Empty(&'static str),
    #[error("district {district}: votes must be finite and non-negative (dem {dem}, rep {rep})")]
    InvalidVotes { district: usize, dem: f64, rep: f64 },
    #[error("district {district} has no votes, so it has no vote share")]
    NoVotes { district: usize },
    #[error("unit {unit} is assigned to district {district}, but the plan has only {districts} districts")]
    DistrictOutOfRange { unit: usize, district: u32, districts: usize },
    #[error("{draws} draws per chain; at least {needed} are needed")]
    TooFewDraws { draws: usize, needed: usize },
    #[error("malformed input: {0}")]
    Malformed(&'static str),
}
