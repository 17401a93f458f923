//! Judging one plan against an ensemble: every metric's enacted value, the ensemble's
//! distribution, the plan's percentile and a plain-language verdict, plus the plan's own facts
//! (population balance, contiguity, splits, the per-district table, compactness, minority
//! voting-age population) and the ensemble's convergence diagnostics.
//!
//! Nothing is repaired: a plan outside the ensemble's population tolerance or with
//! non-contiguous districts is judged as given, and the facts are reported as notes.
//!
//! Words: the percentile is always stated with its direction ("more Democratic seats than
//! 98.5% of neutral plans"). Only **partisan** metrics (those computed from election results)
//! can make a plan an "outlier"; structural, compactness and representation figures are
//! described as typical or as outside the middle 80/95/99 % of the ensemble, never as outliers,
//! because being unusually compact or unusually whole-county is not an accusation. The
//! definitions section of every report says so.

use redraw_geo::{Bins, TraceChain};
use redraw_metrics::diagnostics::{convergence, rank_rhat_runs, Convergence, MixingVerdict, StepRates};
use redraw_metrics::plan::{self, PopulationBalance, RegionSplits};
use redraw_metrics::stats::{Distribution, Placement};
use redraw_metrics::weighted::{kish_ess, systematic_resample};
use redraw_metrics::{ElectionResults, PartisanSummary};
use serde::Serialize;

use crate::ensemble::{EnsembleStats, Selection};
use crate::sample::ensemble_summary;
use crate::JudgeError;

/// Version of the [`Judgement`] JSON layout (`redraw judge --format json`, `report.json`, the
/// Python `Run.judge` dictionary, the web app's `/api/judge`). It changes when a key is renamed
/// or removed or its meaning changes; adding a key does not change it, so readers should ignore
/// keys they do not know. Version 2: one tie rule (a tied district is won by neither party),
/// Warrington's declination, `kind`/`tail` on every metric with `outlier` only on partisan ones,
/// and the `districts`, `representation`, `compactness`, `selection`, `provenance`,
/// `definitions` sections. Version 3: `partisan_bias` is Gelman and King's (the average district
/// vote swung to 50%, formerly reported as `mean_share_bias`, which is gone); the former
/// statewide-swing value is `statewide_bias`.
pub const SCHEMA_VERSION: u32 = 3;

/// Unit-level votes of one election for the plan being judged.
pub struct UnitVotes<'a> {
    /// Election name as in the ensemble's `stats.csv` (`NAME_dem_<d>`).
    pub name: String,
    pub dem: &'a [f64],
    pub rep: &'a [f64],
}

/// The plan being judged, on the ensemble's graph, as plain slices.
pub struct PlanInput<'a> {
    /// CSR adjacency of the graph (`offsets.len() == units + 1`).
    pub offsets: &'a [u32],
    pub neighbors: &'a [u32],
    /// 0-based district index of each unit.
    pub assignment: &'a [u32],
    /// Label of each district index (official numbering, e.g. "1".."14").
    pub district_labels: &'a [String],
    pub population: &'a [f64],
    /// Dense county id of each unit, when counties are known.
    pub counties: Option<&'a [u32]>,
    pub elections: Vec<UnitVotes<'a>>,
}

/// Voting-age population columns of the graph, for the representation figures.
pub struct VapInput<'a> {
    /// The denominator column (`TOTAL_VAP`) and its unit values.
    pub total_column: String,
    pub total: &'a [f64],
    pub groups: Vec<VapGroupInput<'a>>,
}

/// One group's voting-age population column.
pub struct VapGroupInput<'a> {
    /// Stable key (`black`, `hispanic`, `asian`, `native`, `minority`).
    pub key: String,
    /// Words for tables ("Black", "Hispanic", "all minority").
    pub label: String,
    /// The graph column (`BLACK_VAP`).
    pub column: String,
    pub values: &'a [f64],
}

/// Compactness of one district of the plan (from polygons).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DistrictCompactness {
    pub polsby_popper: f64,
    pub reock: f64,
    pub area_km2: f64,
    pub perimeter_km: f64,
}

impl DistrictCompactness {
    /// One entry per district index `0..k` from the measured district shapes (in km and km²); a
    /// district without a shape stays at zero.
    pub fn per_district(shapes: &[redraw_geo::measure::DistrictShape], k: usize) -> Vec<DistrictCompactness> {
        let mut out =
            vec![DistrictCompactness { polsby_popper: 0.0, reock: 0.0, area_km2: 0.0, perimeter_km: 0.0 }; k];
        for s in shapes {
            out[s.district as usize] = DistrictCompactness {
                polsby_popper: s.polsby_popper,
                reock: s.reock,
                area_km2: s.area_m2 / 1e6,
                perimeter_km: s.perimeter_m / 1e3,
            };
        }
        out
    }
}

/// What polygons add to a judgement, computed by the caller from the shapes.
#[derive(Clone, Debug, Default)]
pub struct ShapeInput {
    /// Per district index of the plan.
    pub districts: Vec<DistrictCompactness>,
    /// Total length of the borders between districts (km).
    pub cut_length_km: f64,
    /// Where the polygons come from (file name, units matched).
    pub source: String,
    /// Per ensemble sample (aligned with the `EnsembleStats` given to [`judge_with`]): the mean
    /// and the minimum Polsby-Popper score of the sample's districts. Empty when the run's
    /// assignments were not read.
    pub ensemble_mean_pp: Vec<f64>,
    pub ensemble_min_pp: Vec<f64>,
    /// Why the ensemble's compactness is missing, when it is.
    pub ensemble_note: Option<String>,
}

/// Everything a judgement can add to the core comparison; all optional.
#[derive(Default)]
pub struct Extras<'a> {
    pub vap: Option<VapInput<'a>>,
    pub shapes: Option<ShapeInput>,
    /// Names of the dense county ids of [`PlanInput::counties`] (e.g. "Wake County").
    pub county_names: Option<Vec<String>>,
    /// Importance weights of the ensemble's samples (SMC), one per sample; `None`: unweighted.
    pub weights: Option<Vec<f64>>,
    /// The burn-in and thinning applied to the ensemble before judging.
    pub selection: Option<Selection>,
    /// The plan's name (its file name) for titles.
    pub plan_name: Option<String>,
    /// Why there are no polygons, when there are none (said in the report).
    pub shapes_missing: Option<String>,
}

/// What the ensemble's manifest says about how it was drawn (all optional).
#[derive(Clone, Debug, Default, Serialize)]
pub struct EnsembleInfo {
    /// Population tolerance the chains enforced (fraction, e.g. 0.02).
    pub tolerance: Option<f64>,
    /// Proposal counts over all chains, when the run recorded them.
    pub step_rates: Option<StepRates>,
    /// Free-text description (proposal, seed, …) for the report header.
    pub description: Option<String>,
    /// SMC runs: distinct plans in each run (from the manifest), which cap its effective
    /// sample size.
    pub unique_plans: Option<Vec<u64>>,
    /// SMC runs: `(lineages, particles)` of each run's first stage, when the manifest records
    /// them: how many of the first districts drawn have descendants among the final plans.
    pub first_lineages: Option<Vec<(u64, u64)>>,
    /// The sampler: a proposal kind (`recom`, `reversible-recom`, `merge-split`, `flip`) or
    /// `smc`; used to word the sampler advice ([`crate::advice`]).
    pub sampler: Option<String>,
}

impl EnsembleInfo {
    /// What a run directory's `manifest.json` (as JSON) says about how the ensemble was drawn:
    /// tolerance, proposal rates, a description for the report, and for SMC runs the distinct
    /// plans of each run. Missing fields are left out, so any manifest version reads.
    pub fn from_manifest(m: &serde_json::Value) -> EnsembleInfo {
        let tolerance = m.get("tolerance").and_then(|t| t.as_f64());
        let tol = tolerance.map(|t| format!(", population tolerance ±{:.2}%", 100.0 * t)).unwrap_or_default();
        let seed = m.get("params").and_then(|p| p.get("seed")).and_then(|x| x.as_u64()).unwrap_or(0);
        if m.get("sampler").and_then(|s| s.as_str()) == Some("smc") {
            // SMC: no chain steps; describe the runs and pass their distinct-plan counts.
            let smc = m.get("smc");
            let runs = smc.and_then(|s| s.get("runs")).and_then(|r| r.as_array());
            let unique_plans = runs
                .map(|r| r.iter().filter_map(|x| x.get("unique_plans").and_then(|u| u.as_u64())).collect());
            let cfg = smc.and_then(|s| s.get("config"));
            let get = |k: &str| cfg.and_then(|c| c.get(k));
            let particles = get("particles").and_then(|x| x.as_u64()).unwrap_or(0);
            // Manifests written before lineages were recorded have none (or 0).
            let first_lineages: Option<Vec<(u64, u64)>> = runs.and_then(|r| {
                r.iter()
                    .map(|x| {
                        let l = x.pointer("/stages/0/lineages")?.as_u64().filter(|&l| l > 0)?;
                        Some((l, particles))
                    })
                    .collect()
            });
            let rho = get("rho").and_then(|x| x.as_f64()).unwrap_or(1.0);
            let county = if get("county_hierarchy").and_then(|x| x.as_bool()) == Some(true) {
                ", county constraint"
            } else {
                ""
            };
            let description = format!(
                "Sequential Monte Carlo, {} run(s) × {} weighted plans, ρ = {rho}{county}, seed {seed}{tol}",
                runs.map_or(0, |r| r.len()),
                crate::report::thousands(particles as f64)
            );
            return EnsembleInfo {
                tolerance,
                step_rates: None,
                description: Some(description),
                unique_plans,
                first_lineages,
                sampler: Some("smc".into()),
            };
        }
        let step_rates = m.get("results").and_then(|r| r.as_array()).and_then(|chains| {
            let (mut steps, mut accepted) = (0u64, 0u64);
            for c in chains {
                steps += c.get("steps")?.as_u64()?;
                accepted += c.get("accepted")?.as_u64()?;
            }
            // Every outcome other than acceptance leaves the plan unchanged (a self-loop).
            (steps > 0).then(|| StepRates::from_counts(steps, accepted, steps - accepted))
        });
        let kind = m
            .get("params")
            .and_then(|p| p.get("proposal"))
            .and_then(|x| x.get("kind"))
            .and_then(|x| x.as_str());
        let description = m.get("params").map(|p| {
            let steps = p.get("steps").and_then(|x| x.as_u64()).unwrap_or(0);
            format!("{}, {steps} steps per chain, seed {seed}{tol}", kind.unwrap_or("chain"))
        });
        EnsembleInfo {
            tolerance,
            step_rates,
            description,
            unique_plans: None,
            first_lineages: None,
            sampler: kind.map(str::to_string),
        }
    }
}

/// Whether a larger value of a metric favours Democrats, or is merely "larger".
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// Signed metric: positive favours Democrats (redraw's convention).
    ProDemocratic,
    /// No partisan direction (Gini, responsiveness, cut edges, splits).
    Unsigned,
}

/// What a metric measures; only partisan metrics can make a plan an outlier.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MetricKind {
    /// Computed from election results (seats, efficiency gap, …).
    Partisan,
    /// Cut edges, split counties, population deviation.
    Structural,
    /// Polsby-Popper scores from polygons.
    Compactness,
    /// Districts by minority share of the voting-age population.
    Representation,
}

/// How far into a tail of the ensemble the plan falls (by mid-rank percentile `p`), for every
/// metric; words without accusation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Tail {
    /// Within the middle 80 % (0.10 < p < 0.90).
    Typical,
    /// Outside the middle 80 %.
    Outside80,
    /// Outside the middle 95 % (p ≤ 0.025 or ≥ 0.975).
    Outside95,
    /// Outside the middle 99 % (p ≤ 0.005 or ≥ 0.995).
    Outside99,
}

impl Tail {
    pub fn of_percentile(p: f64) -> Self {
        let tail = p.min(1.0 - p);
        if tail <= 0.005 {
            Tail::Outside99
        } else if tail <= 0.025 {
            Tail::Outside95
        } else if tail <= 0.10 {
            Tail::Outside80
        } else {
            Tail::Typical
        }
    }
    /// Neutral words (structural, compactness and representation metrics).
    pub fn phrase(self) -> &'static str {
        match self {
            Tail::Typical => "typical",
            Tail::Outside80 => "outside the middle 80% of neutral plans",
            Tail::Outside95 => "outside the middle 95% of neutral plans",
            Tail::Outside99 => "outside the middle 99% of neutral plans",
        }
    }
}

/// How far into a tail a **partisan** metric falls: the words that can call a plan an outlier.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outlier {
    /// Within the middle 80 % (0.10 < p < 0.90).
    Typical,
    /// Outside the middle 80 %.
    Unusual,
    /// Outside the middle 95 % (p ≤ 0.025 or ≥ 0.975).
    Outlier,
    /// Outside the middle 99 % (p ≤ 0.005 or ≥ 0.995).
    Extreme,
}

impl Outlier {
    pub fn of_percentile(p: f64) -> Self {
        match Tail::of_percentile(p) {
            Tail::Typical => Outlier::Typical,
            Tail::Outside80 => Outlier::Unusual,
            Tail::Outside95 => Outlier::Outlier,
            Tail::Outside99 => Outlier::Extreme,
        }
    }
    pub fn phrase(self) -> &'static str {
        match self {
            Outlier::Typical => "typical",
            Outlier::Unusual => "unusual (outside the middle 80% of neutral plans)",
            Outlier::Outlier => "an outlier (outside the middle 95%)",
            Outlier::Extreme => "an extreme outlier (outside the middle 99%)",
        }
    }
}

/// One metric judged.
#[derive(Clone, Debug, Serialize)]
pub struct MetricJudgement {
    /// Stable key (`efficiency_gap`, `dem_seats`, `cut_edges`, `majority_black_districts`, …).
    pub metric: String,
    /// Human label ("Efficiency gap").
    pub label: String,
    pub election: Option<String>,
    pub kind: MetricKind,
    pub direction: Direction,
    pub enacted: f64,
    /// `None` when the metric is undefined for every ensemble plan (e.g. declination when one
    /// party always sweeps).
    pub distribution: Option<Distribution>,
    pub placement: Option<Placement>,
    /// How far into a tail the plan falls (every metric).
    pub tail: Option<Tail>,
    /// Partisan metrics only: typical / unusual / outlier / extreme outlier.
    pub outlier: Option<Outlier>,
    /// The sentence: percentile, direction, and the tail in words.
    pub verdict: String,
    /// Ensemble values, per sample, for plots (not serialised).
    #[serde(skip)]
    pub values: Vec<f64>,
    /// Histogram bars of the ensemble (not serialised).
    #[serde(skip)]
    pub bins: Option<Bins>,
}

/// One election judged.
#[derive(Clone, Debug, Serialize)]
pub struct ElectionJudgement {
    pub name: String,
    /// What the election is, in words: the user's label (`redraw judge --election-label`), else
    /// the graph columns it sums (filled by `request::evaluate`; `None` from `judge` alone).
    pub description: Option<String>,
    pub enacted: PartisanSummary,
    /// Districts of the plan with exactly equal Democratic and Republican votes (won by
    /// neither party).
    pub tied_districts: usize,
    /// The plan's district Democratic shares, sorted ascending (the boxplot overlay).
    pub enacted_sorted_shares: Vec<f64>,
    pub metrics: Vec<MetricJudgement>,
    /// Ensemble sorted shares by rank: `per_rank[r]` = the r-th smallest share of every sample.
    #[serde(skip)]
    pub per_rank: Vec<Vec<f64>>,
}

/// A district that is not one connected piece on the graph.
#[derive(Clone, Debug, Serialize)]
pub struct NonContiguousDistrict {
    pub district: String,
    pub pieces: usize,
}

/// Facts about the plan itself.
#[derive(Clone, Debug, Serialize)]
pub struct PlanFacts {
    pub units: usize,
    pub districts: usize,
    pub population: PopulationBalance,
    pub tolerance: Option<f64>,
    pub within_tolerance: Option<bool>,
    pub non_contiguous: Vec<NonContiguousDistrict>,
    pub cut_edges: usize,
    pub county_splits: Option<RegionSplits>,
}

/// One election's result in one district.
#[derive(Clone, Debug, Serialize)]
pub struct DistrictVote {
    pub election: String,
    pub dem: f64,
    pub rep: f64,
    /// Democratic share of the two-party vote.
    pub dem_share: f64,
    /// `"D"`, `"R"`, or `"tie"` (won by neither party).
    pub winner: String,
}

/// The counties a district touches.
#[derive(Clone, Debug, Serialize)]
pub struct DistrictCounties {
    /// Counties with at least one unit in the district.
    pub touched: usize,
    /// Counties entirely inside the district (names, or ids when names are unknown).
    pub whole: Vec<String>,
    /// Counties the district shares with other districts.
    pub part: Vec<String>,
}

/// One group's share of a district's voting-age population.
#[derive(Clone, Debug, Serialize)]
pub struct GroupShare {
    pub group: String,
    pub vap: f64,
    /// Share of the district's total voting-age population.
    pub share: f64,
}

/// Voting-age population of one district.
#[derive(Clone, Debug, Serialize)]
pub struct DistrictVap {
    pub total: f64,
    pub groups: Vec<GroupShare>,
}

/// One row of the per-district table.
#[derive(Clone, Debug, Serialize)]
pub struct DistrictRow {
    pub district: String,
    pub units: usize,
    pub population: f64,
    /// `(population − ideal) / ideal`.
    pub deviation: f64,
    /// Connected pieces on the graph (1 = contiguous).
    pub pieces: usize,
    pub elections: Vec<DistrictVote>,
    pub counties: Option<DistrictCounties>,
    pub compactness: Option<DistrictCompactness>,
    pub vap: Option<DistrictVap>,
}

/// A voting-age population group judged.
#[derive(Clone, Debug, Serialize)]
pub struct VapGroupInfo {
    pub key: String,
    pub label: String,
    pub column: String,
    /// Whether the ensemble recorded this group's per-district sums (`--track`).
    pub tracked_in_ensemble: bool,
}

/// The representation section: districts by minority share of the voting-age population.
#[derive(Clone, Debug, Serialize)]
pub struct Representation {
    pub total_column: String,
    pub groups: Vec<VapGroupInfo>,
    /// Counts for the plan and, where the ensemble tracked the columns, across the ensemble.
    pub metrics: Vec<MetricJudgement>,
}

/// The plan's compactness from polygons.
#[derive(Clone, Debug, Serialize)]
pub struct CompactnessFacts {
    pub mean_polsby_popper: f64,
    pub min_polsby_popper: f64,
    pub mean_reock: f64,
    pub min_reock: f64,
    pub cut_length_km: f64,
    pub source: String,
}

/// Convergence of one statistic across chains.
#[derive(Clone, Debug, Serialize)]
pub struct DiagnosticRow {
    pub statistic: String,
    #[serde(flatten)]
    pub convergence: Convergence,
    pub verdict: MixingVerdict,
    /// Per-chain draws with their steps (for trace plots; not serialised).
    #[serde(skip)]
    pub chains: Vec<TraceChain>,
}

/// Everything `redraw judge` reports: the JSON document of `redraw judge --format json` and
/// `report.json` (see [`SCHEMA_VERSION`]).
#[derive(Clone, Debug, Serialize)]
pub struct Judgement {
    pub schema_version: u32,
    /// The plan's name (its file name), when known.
    pub plan_name: Option<String>,
    /// Samples judged (after any burn-in and thinning) and the chains they come from.
    pub samples: usize,
    pub chains: usize,
    /// The burn-in and thinning applied, when the caller applied any.
    pub selection: Option<Selection>,
    pub ensemble: EnsembleInfo,
    /// Whether the ensemble carries importance weights (every statistic is then weighted).
    pub weighted: bool,
    pub plan: PlanFacts,
    /// The per-district table.
    pub districts: Vec<DistrictRow>,
    pub elections: Vec<ElectionJudgement>,
    /// Plan-level statistics the ensemble recorded or that were computed for it: cut edges,
    /// split counties, population deviation, compactness.
    pub structure: Vec<MetricJudgement>,
    /// Districts by minority share of the voting-age population, when the graph has VAP
    /// columns.
    pub representation: Option<Representation>,
    /// The plan's compactness, when polygons were given.
    pub compactness: Option<CompactnessFacts>,
    pub diagnostics: Vec<DiagnosticRow>,
    /// Fraction of consecutive recorded samples (same chain) with identical district votes: a
    /// lower bound on the chain's self-loop rate, equal to it when every step was recorded.
    pub repeat_rate: Option<f64>,
    /// True when any diagnosed statistic has R-hat > 1.01 or ESS < 400.
    pub not_mixed: bool,
    /// Weighted ensembles: effective samples, the sum over runs of the Kish ESS of the weights,
    /// each capped by the run's number of distinct plans when the manifest gives it.
    pub effective_samples: Option<f64>,
    /// Plain-language warnings: tolerance, contiguity, mixing, sample size, missing inputs.
    pub notes: Vec<String>,
    /// The one rule for tied districts, in words.
    pub tie_rule: String,
    /// Definitions, sign conventions and citations of every metric in this judgement.
    pub definitions: Vec<crate::definitions::Definition>,
    /// Version, command line, input hashes, run parameters, date: filled by the front end.
    pub provenance: Option<crate::provenance::Provenance>,
}

/// The tie rule stated in every judgement.
pub const TIE_RULE: &str =
    "A district is won by the party with strictly more votes; a district with exactly equal \
     Democratic and Republican votes is won by neither party. This is the rule of the ensemble's stats.csv \
     (NAME_dem_seats), applied to every metric and to the enacted plan alike.";

/// Partisan metrics judged per election, in report order: key, label, direction, extractor.
type Extract = fn(&PartisanSummary) -> Option<f64>;
const PARTISAN: [(&str, &str, Direction, Extract); 8] = [
    ("dem_seats", "Democratic seats", Direction::ProDemocratic, |s| Some(s.dem_seats)),
    ("efficiency_gap", "Efficiency gap", Direction::ProDemocratic, |s| Some(s.efficiency_gap)),
    ("mean_median", "Mean-median difference", Direction::ProDemocratic, |s| Some(s.mean_median)),
    ("partisan_bias", "Partisan bias (Gelman-King)", Direction::ProDemocratic, |s| Some(s.partisan_bias)),
    ("statewide_bias", "Seats bias at 50% statewide vote", Direction::ProDemocratic, |s| {
        Some(s.statewide_bias)
    }),
    ("declination", "Declination (Warrington)", Direction::ProDemocratic, |s| s.declination),
    ("partisan_gini", "Partisan Gini", Direction::Unsigned, |s| Some(s.partisan_gini)),
    ("responsiveness", "Responsiveness (seat share per vote share)", Direction::Unsigned, |s| {
        Some(s.responsiveness)
    }),
];

/// Statistics diagnosed for convergence, per election.
const DIAGNOSED: [&str; 3] = ["dem_seats", "efficiency_gap", "mean_median"];

/// Ensemble series that correspond to a fact of the plan, with their labels.
const STRUCTURAL: [(&str, &str); 5] = [
    ("cut_edges", "Cut edges"),
    ("county_splits", "Split counties"),
    ("split_counties", "Split counties"),
    ("max_pop_deviation", "Max population deviation"),
    ("max_pop_dev", "Max population deviation"),
];

/// The comparative words of a metric: `(higher, lower)`, completed by "than X% of neutral
/// plans".
pub fn comparison_words(metric: &str, label: &str) -> (String, String) {
    let pair = |a: &str, b: &str| (a.to_string(), b.to_string());
    match metric {
        "dem_seats" => pair("More Democratic seats", "Fewer Democratic seats"),
        "efficiency_gap" => {
            pair("A more pro-Democratic efficiency gap", "A more pro-Republican efficiency gap")
        }
        "mean_median" => pair(
            "A more pro-Democratic mean-median difference",
            "A more pro-Republican mean-median difference",
        ),
        "partisan_bias" | "mean_share_bias" => {
            pair("A more pro-Democratic partisan bias", "A more pro-Republican partisan bias")
        }
        "statewide_bias" => pair(
            "A more pro-Democratic seats bias at 50% statewide vote",
            "A more pro-Republican seats bias at 50% statewide vote",
        ),
        "declination" => pair("A more pro-Democratic declination", "A more pro-Republican declination"),
        "partisan_gini" => pair(
            "A larger partisan Gini (a less symmetric seats-votes curve)",
            "A smaller partisan Gini (a more symmetric seats-votes curve)",
        ),
        "responsiveness" => pair("More responsive to vote swings", "Less responsive to vote swings"),
        "cut_edges" => pair("More cut edges", "Fewer cut edges"),
        "county_splits" | "split_counties" => pair("More split counties", "Fewer split counties"),
        "max_pop_deviation" | "max_pop_dev" => {
            pair("A larger population deviation", "A smaller population deviation")
        }
        "mean_polsby_popper" => pair(
            "A higher mean Polsby-Popper score (more compact)",
            "A lower mean Polsby-Popper score (less compact)",
        ),
        "min_polsby_popper" => pair(
            "A higher minimum Polsby-Popper score (its least compact district is more compact)",
            "A lower minimum Polsby-Popper score (its least compact district is less compact)",
        ),
        m if m.starts_with("ev_dem_") => {
            pair("More Democratic electoral votes", "Fewer Democratic electoral votes")
        }
        m if m.starts_with("senate_dem_") => {
            pair("More Democratic Senate seats", "Fewer Democratic Senate seats")
        }
        m if m.starts_with("parts_dem_") => {
            pair("More new states carried by the Democrat", "Fewer new states carried by the Democrat")
        }
        "parts_house_seats" => {
            pair("More House seats for the new states", "Fewer House seats for the new states")
        }
        "parts_electoral_votes" => {
            pair("More electoral votes for the new states", "Fewer electoral votes for the new states")
        }
        "max_part_deviation" => pair("A larger population deviation", "A smaller population deviation"),
        "mean_reock" => {
            pair("A higher mean Reock score (more compact)", "A lower mean Reock score (less compact)")
        }
        m if m.ends_with("_districts") => {
            let what = lower_first(label);
            (format!("More {what}"), format!("Fewer {what}"))
        }
        _ => (format!("A higher {}", lower_first(label)), format!("A lower {}", lower_first(label))),
    }
}

/// The label inside a sentence: its first letter in lower case unless the first word is an
/// acronym or a name ("Black VAP", "R-hat" keep theirs).
fn lower_first(label: &str) -> String {
    let first = label.split_whitespace().next().unwrap_or("");
    // An acronym ("VAP", "EG") keeps its case; so do proper names. "Majority-Black" does not
    // ("more majority-Black districts").
    let letters: Vec<char> = first.chars().filter(|c| c.is_alphabetic()).collect();
    let keep = (letters.len() > 1 && letters.iter().all(|c| c.is_uppercase()))
        || ["Black", "Hispanic", "Asian", "Native", "Polsby-Popper", "Reock"].contains(&first);
    let mut c = label.chars();
    match c.next() {
        Some(f) if !keep => f.to_lowercase().chain(c).collect(),
        _ => label.to_string(),
    }
}

fn pct(x: f64) -> String {
    let v = 100.0 * x;
    if v > 0.0 && v < 0.1 {
        "<0.1%".to_string()
    } else if v < 100.0 && v > 99.9 {
        ">99.9%".to_string()
    } else {
        format!("{v:.1}%")
    }
}

/// The plain-language verdict: the percentile with its direction, and the tail in words
/// ("Fewer split counties than every neutral plan (percentile 0.0): outside the middle 99% of
/// neutral plans."; "More Democratic seats than 98.5% of neutral plans (as many as 1.0%;
/// percentile 99.0): an extreme outlier (outside the middle 99%).").
pub fn verdict_text(metric: &str, label: &str, kind: MetricKind, pl: &Placement) -> String {
    if pl.equal >= 0.999_999 {
        return "The same as every neutral plan: typical.".into();
    }
    let above = (1.0 - pl.below - pl.equal).max(0.0);
    let (higher, lower) = comparison_words(metric, label);
    let (head, share) = if pl.percentile >= 0.5 { (higher, pl.below) } else { (lower, above) };
    let whom = if share >= 1.0 - 1e-12 {
        "every neutral plan".to_string()
    } else {
        format!("{} of neutral plans", pct(share))
    };
    let ties = if pl.equal > 0.0 {
        let same =
            if metric == "dem_seats" || metric.ends_with("_districts") { "as many as" } else { "equal to" };
        format!("{same} {}; ", pct(pl.equal))
    } else {
        String::new()
    };
    let band = match kind {
        MetricKind::Partisan => Outlier::of_percentile(pl.percentile).phrase(),
        _ => Tail::of_percentile(pl.percentile).phrase(),
    };
    format!("{head} than {whom} ({ties}percentile {:.1}): {band}.", 100.0 * pl.percentile)
}

/// Places one enacted value in the ensemble's values (optionally weighted) and words the
/// verdict.
#[allow(clippy::too_many_arguments)]
pub fn judge_metric_in(
    key: &str,
    label: &str,
    election: Option<&str>,
    kind: MetricKind,
    direction: Direction,
    enacted: f64,
    values: &[f64],
    weights: Option<&[f64]>,
) -> MetricJudgement {
    let s = ensemble_summary(values, weights, enacted);
    let (tail, outlier, verdict) = match (&s.distribution, s.placement) {
        (None, _) => (None, None, "undefined for every ensemble plan".to_string()),
        (Some(_), None) => (None, None, "undefined for this plan".to_string()),
        (Some(_), Some(pl)) => (
            Some(Tail::of_percentile(pl.percentile)),
            (kind == MetricKind::Partisan).then(|| Outlier::of_percentile(pl.percentile)),
            verdict_text(key, label, kind, &pl),
        ),
    };
    MetricJudgement {
        metric: key.to_string(),
        label: label.to_string(),
        election: election.map(str::to_string),
        kind,
        direction,
        enacted,
        distribution: s.distribution,
        placement: s.placement,
        tail,
        outlier,
        verdict,
        values: values.to_vec(),
        bins: s.bins,
    }
}

/// [`judge_metric_in`] for an unweighted ensemble, with the kind implied by the key (partisan
/// metrics of an election, structural otherwise).
pub fn judge_metric(
    key: &str,
    label: &str,
    election: Option<&str>,
    direction: Direction,
    enacted: f64,
    values: &[f64],
) -> MetricJudgement {
    let kind = if election.is_some() { MetricKind::Partisan } else { MetricKind::Structural };
    judge_metric_in(key, label, election, kind, direction, enacted, values, None)
}

/// Judges `plan` against `ensemble` (the core comparison, without extras).
pub fn judge(
    plan_in: &PlanInput,
    ensemble: &EnsembleStats,
    info: &EnsembleInfo,
) -> Result<Judgement, JudgeError> {
    judge_with(plan_in, ensemble, info, &Extras::default())
}

/// Judges `plan` against `ensemble` with everything `extras` adds (per-district VAP, shapes,
/// county names, weights, the selection applied).
pub fn judge_with(
    plan_in: &PlanInput,
    ensemble: &EnsembleStats,
    info: &EnsembleInfo,
    extras: &Extras,
) -> Result<Judgement, JudgeError> {
    let n = plan_in.assignment.len();
    let k = plan_in.district_labels.len();
    if plan_in.population.len() != n {
        return Err(JudgeError::Input(format!(
            "population has {} values for {n} units",
            plan_in.population.len()
        )));
    }
    if let Some(ek) = ensemble.districts() {
        if ek != k {
            return Err(JudgeError::DistrictCount { plan: k, ensemble: ek });
        }
    }
    if ensemble.elections.is_empty() {
        return Err(JudgeError::Input(
            "the ensemble's stats.csv records no election (no NAME_dem_<d> / NAME_rep_<d> columns)".into(),
        ));
    }
    let weights = extras.weights.as_deref();
    if let Some(w) = weights {
        if w.len() != ensemble.samples() {
            return Err(JudgeError::Input(format!(
                "{} weights for {} ensemble samples",
                w.len(),
                ensemble.samples()
            )));
        }
    }

    // Facts of the plan.
    let population = plan::population_balance(plan_in.assignment, plan_in.population, k)?;
    let pieces = plan::district_components(plan_in.offsets, plan_in.neighbors, plan_in.assignment, k)?;
    let non_contiguous: Vec<NonContiguousDistrict> = pieces
        .iter()
        .enumerate()
        .filter(|(_, &p)| p > 1)
        .map(|(d, &p)| NonContiguousDistrict { district: plan_in.district_labels[d].clone(), pieces: p })
        .collect();
    let cut_edges = plan::cut_edges(plan_in.offsets, plan_in.neighbors, plan_in.assignment)?;
    let county_splits = match plan_in.counties {
        Some(c) => {
            if c.len() != n {
                return Err(JudgeError::Input(format!("counties have {} values for {n} units", c.len())));
            }
            let region: Vec<Option<u32>> = c.iter().map(|&x| Some(x)).collect();
            Some(plan::region_splits(plan_in.assignment, &region)?)
        }
        None => None,
    };
    let within_tolerance = info.tolerance.map(|t| population.within(t + 1e-12));
    let mut notes = Vec::new();
    if let (Some(t), Some(false)) = (info.tolerance, within_tolerance) {
        notes.push(format!(
            "The plan is outside the ensemble's population tolerance: its largest deviation is {:.2}% \
             (ensemble plans are within ±{:.2}%). On these units it could not have been drawn by the \
             ensemble; it is judged as given, not repaired.",
            100.0 * population.max_abs_deviation,
            100.0 * t
        ));
    }
    if !non_contiguous.is_empty() {
        let list: Vec<String> =
            non_contiguous.iter().map(|d| format!("{} ({} pieces)", d.district, d.pieces)).collect();
        notes.push(format!(
            "{} district(s) are not contiguous on the graph's units: {}. Ensemble plans are contiguous, \
             so structural comparisons (cut edges, splits) are not like for like; the plan is judged as given.",
            non_contiguous.len(),
            list.join(", ")
        ));
    }

    // Elections.
    let ranges = ensemble.chain_ranges();
    // Importance weights: the caller's, else the run's own (SMC `weight` column), pooled so that
    // every run counts equally.
    let pooled = match &extras.weights {
        Some(w) => Some(w.clone()),
        None => ensemble.pooled_weights(),
    };
    let weights = pooled.as_deref();
    let smc_ess = weights.map(|w| {
        ranges
            .iter()
            .enumerate()
            .map(|(i, (_, r))| {
                let e = kish_ess(&w[r.clone()]);
                match info.unique_plans.as_ref().and_then(|u| u.get(i)) {
                    Some(&u) => e.min(u as f64),
                    None => e,
                }
            })
            .sum::<f64>()
    });
    let mut elections = Vec::new();
    let mut diagnostics = Vec::new();
    let mut repeats = (0usize, 0usize);
    let mut district_votes: Vec<Vec<DistrictVote>> = vec![Vec::new(); k];
    for samples in &ensemble.elections {
        let votes = plan_in.elections.iter().find(|v| v.name == samples.name).ok_or_else(|| {
            JudgeError::Input(format!(
                "the ensemble records election {:?} but no unit-level vote columns were given for it \
                 (pass --election {}=DEM_COLUMN,REP_COLUMN)",
                samples.name, samples.name
            ))
        })?;
        if votes.dem.len() != n || votes.rep.len() != n {
            return Err(JudgeError::Input(format!(
                "election {:?}: vote columns do not cover every unit",
                votes.name
            )));
        }
        let dem = plan::tally(plan_in.assignment, votes.dem, k)?;
        let rep = plan::tally(plan_in.assignment, votes.rep, k)?;
        let enacted_results = ElectionResults::new(dem.clone(), rep.clone())?;
        let enacted = enacted_results.summary();
        for d in 0..k {
            district_votes[d].push(DistrictVote {
                election: samples.name.clone(),
                dem: dem[d],
                rep: rep[d],
                dem_share: dem[d] / (dem[d] + rep[d]),
                winner: if dem[d] > rep[d] {
                    "D"
                } else if rep[d] > dem[d] {
                    "R"
                } else {
                    "tie"
                }
                .into(),
            });
        }
        let mut enacted_sorted_shares = enacted_results.dem_shares();
        enacted_sorted_shares.sort_by(f64::total_cmp);

        let m = ensemble.samples();
        let mut per_metric: Vec<Vec<f64>> = vec![Vec::with_capacity(m); PARTISAN.len()];
        let mut per_rank: Vec<Vec<f64>> = vec![Vec::with_capacity(m); k];
        for i in 0..m {
            let (d, r) = samples.sample(i);
            let res = ElectionResults::new(d.to_vec(), r.to_vec()).map_err(|e| JudgeError::Sample {
                election: samples.name.clone(),
                chain: ensemble.chain[i],
                step: ensemble.step[i],
                message: e.to_string(),
            })?;
            let s = res.summary();
            // One tie rule: the seats recomputed here must be the run's own count.
            if let Some(&recorded) = samples.recorded_seats.get(i) {
                if recorded.is_finite() && recorded != s.dem_seats {
                    return Err(JudgeError::Sample {
                        election: samples.name.clone(),
                        chain: ensemble.chain[i],
                        step: ensemble.step[i],
                        message: format!(
                            "the row records {recorded} Democratic seats but its district votes give {} \
                             (strictly more Democratic votes; a tie is won by neither party): the file is \
                             inconsistent",
                            s.dem_seats
                        ),
                    });
                }
            }
            for (j, (_, _, _, f)) in PARTISAN.iter().enumerate() {
                per_metric[j].push(f(&s).unwrap_or(f64::NAN));
            }
            let mut shares = res.dem_shares();
            shares.sort_by(f64::total_cmp);
            for (rk, v) in shares.into_iter().enumerate() {
                per_rank[rk].push(v);
            }
        }
        if weights.is_none() {
            for (_, r) in &ranges {
                for i in r.start + 1..r.end {
                    repeats.1 += 1;
                    if samples.sample(i) == samples.sample(i - 1) {
                        repeats.0 += 1;
                    }
                }
            }
        }
        let mut metrics = Vec::new();
        for (j, (key, label, dir, f)) in PARTISAN.iter().enumerate() {
            let enacted_value = f(&enacted).unwrap_or(f64::NAN);
            metrics.push(judge_metric_in(
                key,
                label,
                Some(&samples.name),
                MetricKind::Partisan,
                *dir,
                enacted_value,
                &per_metric[j],
                weights,
            ));
        }
        for key in DIAGNOSED {
            let j = PARTISAN.iter().position(|p| p.0 == key).expect("diagnosed metric is judged");
            let name = format!("{} {}", samples.name, PARTISAN[j].1);
            let d = match (weights, smc_ess) {
                (Some(w), Some(e)) => diagnose_weighted(name.clone(), ensemble, &per_metric[j], w, e),
                _ => diagnose(name.clone(), ensemble, &per_metric[j]),
            };
            match d {
                Ok(d) => diagnostics.push(d),
                Err(e) => notes.push(format!("No convergence diagnostics for {name}: {e}.")),
            }
        }
        let per_rank = match weights {
            // The box plots show a weighted ensemble resampled by weight (said in the notes).
            Some(w) => {
                let idx = resample_pooled(ensemble, w);
                per_rank.iter().map(|r| idx.iter().map(|&i| r[i]).collect()).collect()
            }
            None => per_rank,
        };
        elections.push(ElectionJudgement {
            name: samples.name.clone(),
            description: None,
            tied_districts: enacted_results.tied_districts(),
            enacted,
            enacted_sorted_shares,
            metrics,
            per_rank,
        });
    }

    // Structural statistics the ensemble recorded.
    let mut structure = Vec::new();
    for (key, label) in STRUCTURAL {
        let Some(values) = ensemble.series(key) else { continue };
        let enacted_value = match key {
            "cut_edges" => Some(cut_edges as f64),
            "county_splits" | "split_counties" => county_splits.as_ref().map(|s| s.split_regions as f64),
            _ => Some(population.max_abs_deviation),
        };
        if let Some(v) = enacted_value {
            structure.push(judge_metric_in(
                key,
                label,
                None,
                MetricKind::Structural,
                Direction::Unsigned,
                v,
                values,
                weights,
            ));
            let d = match (weights, smc_ess) {
                (Some(w), Some(e)) => diagnose_weighted(label.to_string(), ensemble, values, w, e),
                _ => diagnose(label.to_string(), ensemble, values),
            };
            match d {
                Ok(d) => diagnostics.push(d),
                Err(e) => notes.push(format!("No convergence diagnostics for {label}: {e}.")),
            }
        }
    }

    // Compactness from polygons.
    let mut compactness = None;
    let mut district_shapes: Vec<Option<DistrictCompactness>> = vec![None; k];
    match &extras.shapes {
        Some(sh) if sh.districts.len() == k => {
            let pp: Vec<f64> = sh.districts.iter().map(|d| d.polsby_popper).collect();
            let reock: Vec<f64> = sh.districts.iter().map(|d| d.reock).collect();
            let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len().max(1) as f64;
            let min = |v: &[f64]| v.iter().copied().fold(f64::INFINITY, f64::min);
            let facts = CompactnessFacts {
                mean_polsby_popper: mean(&pp),
                min_polsby_popper: min(&pp),
                mean_reock: mean(&reock),
                min_reock: min(&reock),
                cut_length_km: sh.cut_length_km,
                source: sh.source.clone(),
            };
            for (d, c) in sh.districts.iter().enumerate() {
                district_shapes[d] = Some(c.clone());
            }
            for (key, label, enacted, values) in [
                ("mean_polsby_popper", "Mean Polsby-Popper", facts.mean_polsby_popper, &sh.ensemble_mean_pp),
                ("min_polsby_popper", "Minimum Polsby-Popper", facts.min_polsby_popper, &sh.ensemble_min_pp),
            ] {
                if values.len() == ensemble.samples() && !values.is_empty() {
                    structure.push(judge_metric_in(
                        key,
                        label,
                        None,
                        MetricKind::Compactness,
                        Direction::Unsigned,
                        enacted,
                        values,
                        weights,
                    ));
                    match diagnose(label.to_string(), ensemble, values) {
                        Ok(d) => diagnostics.push(d),
                        Err(e) => notes.push(format!("No convergence diagnostics for {label}: {e}.")),
                    }
                } else if !values.is_empty() {
                    return Err(JudgeError::Input(format!(
                        "{label}: {} ensemble values for {} samples",
                        values.len(),
                        ensemble.samples()
                    )));
                }
            }
            if let Some(note) = &sh.ensemble_note {
                notes.push(note.clone());
            }
            compactness = Some(facts);
        }
        Some(sh) => {
            return Err(JudgeError::Input(format!(
                "compactness given for {} districts, the plan has {k}",
                sh.districts.len()
            )))
        }
        None => {
            if let Some(why) = &extras.shapes_missing {
                notes.push(why.clone());
            }
        }
    }

    // Representation: minority shares of the voting-age population.
    let (representation, district_vap) = match &extras.vap {
        Some(vap) => {
            let (r, dv, more_notes) = representation(plan_in, ensemble, vap, weights)?;
            notes.extend(more_notes);
            for m in &r.metrics {
                if !m.values.is_empty() {
                    if let Ok(d) = diagnose(m.label.clone(), ensemble, &m.values) {
                        diagnostics.push(d);
                    }
                }
            }
            (Some(r), Some(dv))
        }
        None => (None, None),
    };

    // The per-district table.
    let mut units = vec![0usize; k];
    for &d in plan_in.assignment {
        units[d as usize] += 1;
    }
    let counties_by_district =
        plan_in.counties.map(|c| district_counties(plan_in.assignment, c, k, extras.county_names.as_deref()));
    let districts: Vec<DistrictRow> = (0..k)
        .map(|d| DistrictRow {
            district: plan_in.district_labels[d].clone(),
            units: units[d],
            population: population.district_populations[d],
            deviation: population.district_populations[d] / population.ideal - 1.0,
            pieces: pieces[d],
            elections: district_votes[d].clone(),
            counties: counties_by_district.as_ref().map(|c| c[d].clone()),
            compactness: district_shapes[d].clone(),
            vap: district_vap.as_ref().map(|v: &Vec<DistrictVap>| v[d].clone()),
        })
        .collect();

    let not_mixed = diagnostics.iter().any(|d| d.verdict == MixingVerdict::NotMixed);
    let chains = ranges.len();
    if let Some(e) = smc_ess {
        // How narrow each run's genealogy is, when the manifest says.
        let lineage = info.first_lineages.as_ref().filter(|l| !l.is_empty()).map(|l| {
            let lo = l.iter().map(|x| x.0).min().unwrap_or(0);
            let hi = l.iter().map(|x| x.0).max().unwrap_or(0);
            let range = if lo == hi {
                crate::report::thousands(lo as f64)
            } else {
                format!("{} to {}", crate::report::thousands(lo as f64), crate::report::thousands(hi as f64))
            };
            format!(
                " Each run's final plans descend from only {range} of the {} first districts it drew, so \
                 they share their early districts.",
                crate::report::thousands(l[0].1 as f64)
            )
        });
        notes.push(format!(
            "The ensemble is weighted (Sequential Monte Carlo): every mean, quantile and percentile uses the \
             importance weights, each of the {chains} run(s) counting equally; the histograms' bars are shares \
             of the weight and the box plots show the ensemble resampled by weight. Its weights amount to about {} effective samples (the weights' effective \
             sample size, capped by the number of distinct plans); plans of one run that descend from the same \
             early particles share districts, which this figure does not see and R-hat across runs does.{}",
            crate::report::thousands(e),
            lineage.unwrap_or_default()
        ));
    }
    if chains < 2 {
        notes.push(if smc_ess.is_some() {
            "The ensemble has a single SMC run, so R-hat cannot compare independent runs; draw two or more \
             (--chains) before relying on percentiles."
                .into()
        } else {
            "The ensemble has a single chain, so R-hat cannot check that it explored the whole space; \
             run several chains from different seeds before relying on percentiles."
                .into()
        });
    }
    if not_mixed {
        let bad: Vec<&str> = diagnostics
            .iter()
            .filter(|d| d.verdict == MixingVerdict::NotMixed)
            .map(|d| d.statistic.as_str())
            .collect();
        notes.push(if smc_ess.is_some() {
            format!(
                "The ensemble has NOT converged (R-hat across runs > 1.01 or fewer than 400 effective samples) \
                 for: {}. When R-hat is high the independent runs disagree: each run's plans descend from few \
                 ancestors, so it holds fewer independent plans than its weights suggest. Percentiles and \
                 verdicts may change with more particles per run; treat them as provisional.",
                bad.join(", ")
            )
        } else {
            format!(
                "The ensemble has NOT mixed (R-hat > 1.01 or effective sample size < 400) for: {}. \
                 Percentiles and verdicts may change with a longer run; treat them as provisional.",
                bad.join(", ")
            )
        });
    }
    // A plan that keeps counties whole far more than every neutral plan is compared with plans
    // drawn under another rule: the partisan percentiles then mix the two effects. Say so.
    if let Some(m) = structure.iter().find(|m| m.metric == "county_splits") {
        if let (Some(p), Some(d)) = (m.placement, m.distribution.as_ref()) {
            if p.percentile < 0.01 && d.q05 > m.enacted {
                notes.push(format!(
                    "The plan splits {} counties; the neutral plans split {}–{} (5th–95th percentile). The ensemble \
                     does not keep counties whole the way the plan does, so its partisan percentiles compare the \
                     plan with plans drawn under a different rule. A county-aware ensemble (`redraw ensemble \
                     --sampler smc --county-constraint`, or ReCom with `--region-surcharge`) separates the county \
                     rule from partisanship.",
                    m.enacted, d.q05, d.q95
                ));
            }
        }
    }
    let repeat_rate = (repeats.1 > 0).then(|| repeats.0 as f64 / repeats.1 as f64);
    if let Some(advice) =
        info.sampler.as_deref().and_then(|s| crate::advice::recommend(s, n, !not_mixed, smc_ess))
    {
        notes.push(advice);
    }

    let mut j = Judgement {
        schema_version: SCHEMA_VERSION,
        plan_name: extras.plan_name.clone(),
        samples: ensemble.samples(),
        chains,
        selection: extras.selection.clone(),
        ensemble: info.clone(),
        weighted: weights.is_some(),
        plan: PlanFacts {
            units: n,
            districts: k,
            population,
            tolerance: info.tolerance,
            within_tolerance,
            non_contiguous,
            cut_edges,
            county_splits,
        },
        districts,
        elections,
        structure,
        representation,
        compactness,
        diagnostics,
        repeat_rate,
        not_mixed,
        effective_samples: smc_ess,
        notes,
        tie_rule: TIE_RULE.into(),
        definitions: Vec::new(),
        provenance: None,
    };
    j.definitions = crate::definitions::for_judgement(&j);
    Ok(j)
}

/// Counties touched by each district: whole ones (every unit of the county in the district) and
/// partial ones, by name when names are given.
fn district_counties(
    assignment: &[u32],
    county: &[u32],
    k: usize,
    names: Option<&[String]>,
) -> Vec<DistrictCounties> {
    let nc = county.iter().map(|&c| c as usize + 1).max().unwrap_or(0);
    // Units of each (county, district) and of each county.
    let mut in_cd = vec![std::collections::BTreeMap::<u32, usize>::new(); k];
    let mut county_units = vec![0usize; nc];
    for (&d, &c) in assignment.iter().zip(county) {
        *in_cd[d as usize].entry(c).or_default() += 1;
        county_units[c as usize] += 1;
    }
    let name = |c: u32| names.and_then(|n| n.get(c as usize)).cloned().unwrap_or_else(|| c.to_string());
    in_cd
        .iter()
        .map(|m| {
            let mut whole: Vec<String> = Vec::new();
            let mut part: Vec<String> = Vec::new();
            for (&c, &u) in m {
                if u == county_units[c as usize] {
                    whole.push(name(c));
                } else {
                    part.push(name(c));
                }
            }
            whole.sort();
            part.sort();
            DistrictCounties { touched: m.len(), whole, part }
        })
        .collect()
}

/// Thresholds of the representation counts: a group's majority (strictly more than half of the
/// district's voting-age population) and the 40 % screening level.
pub const MAJORITY: f64 = 0.5;
pub const OPPORTUNITY: f64 = 0.4;

type RepresentationParts = (Representation, Vec<DistrictVap>, Vec<String>);

fn representation(
    plan_in: &PlanInput,
    ensemble: &EnsembleStats,
    vap: &VapInput,
    weights: Option<&[f64]>,
) -> Result<RepresentationParts, JudgeError> {
    let n = plan_in.assignment.len();
    let k = plan_in.district_labels.len();
    if vap.total.len() != n || vap.groups.iter().any(|g| g.values.len() != n) {
        return Err(JudgeError::Input("voting-age population columns do not cover every unit".into()));
    }
    let total = plan::tally(plan_in.assignment, vap.total, k)?;
    let mut rows: Vec<DistrictVap> =
        total.iter().map(|&t| DistrictVap { total: t, groups: Vec::new() }).collect();
    let mut notes = Vec::new();
    let mut metrics = Vec::new();
    let mut groups = Vec::new();
    let ens_total = ensemble.tracked(&vap.total_column);
    for g in &vap.groups {
        let sums = plan::tally(plan_in.assignment, g.values, k)?;
        let shares: Vec<f64> =
            sums.iter().zip(&total).map(|(s, t)| if *t > 0.0 { s / t } else { f64::NAN }).collect();
        for d in 0..k {
            rows[d].groups.push(GroupShare { group: g.label.clone(), vap: sums[d], share: shares[d] });
        }
        let ens_group = ensemble.tracked(&g.column);
        let tracked = ens_total.is_some() && ens_group.is_some();
        groups.push(VapGroupInfo {
            key: g.key.clone(),
            label: g.label.clone(),
            column: g.column.clone(),
            tracked_in_ensemble: tracked,
        });
        let count =
            |shares: &[f64], pred: &dyn Fn(f64) -> bool| shares.iter().filter(|&&s| pred(s)).count() as f64;
        let majority = |s: f64| s > MAJORITY;
        let forty = |s: f64| s >= OPPORTUNITY;
        let (maj_label, forty_label) = if g.key == "minority" {
            (
                "Majority-minority districts (all minority groups together)".to_string(),
                "Districts with 40% or more minority VAP".to_string(),
            )
        } else {
            (format!("Majority-{} districts", g.label), format!("Districts with 40% or more {} VAP", g.label))
        };
        let maj_key = if g.key == "minority" {
            "majority_minority_districts".to_string()
        } else {
            format!("majority_{}_districts", g.key)
        };
        let forty_key = format!("{}_40_districts", g.key);
        let (ens_maj, ens_forty) = match (ens_total, ens_group) {
            (Some(t), Some(gr)) => {
                let m = ensemble.samples();
                let (mut a, mut b) = (Vec::with_capacity(m), Vec::with_capacity(m));
                let mut sh = vec![0.0; k];
                for i in 0..m {
                    for (d, s) in sh.iter_mut().enumerate() {
                        let tv = t.sample(i)[d];
                        *s = if tv > 0.0 { gr.sample(i)[d] / tv } else { f64::NAN };
                    }
                    a.push(count(&sh, &majority));
                    b.push(count(&sh, &forty));
                }
                (a, b)
            }
            _ => (Vec::new(), Vec::new()),
        };
        for (key, label, enacted, values) in [
            (maj_key, maj_label, count(&shares, &majority), ens_maj),
            (forty_key, forty_label, count(&shares, &forty), ens_forty),
        ] {
            if values.is_empty() {
                metrics.push(MetricJudgement {
                    metric: key,
                    label,
                    election: None,
                    kind: MetricKind::Representation,
                    direction: Direction::Unsigned,
                    enacted,
                    distribution: None,
                    placement: None,
                    tail: None,
                    outlier: None,
                    verdict: "the ensemble did not record this group's voting-age population".into(),
                    values: Vec::new(),
                    bins: None,
                });
            } else {
                metrics.push(judge_metric_in(
                    &key,
                    &label,
                    None,
                    MetricKind::Representation,
                    Direction::Unsigned,
                    enacted,
                    &values,
                    weights,
                ));
            }
        }
    }
    let untracked: Vec<&str> =
        groups.iter().filter(|g| !g.tracked_in_ensemble).map(|g| g.column.as_str()).collect();
    if !untracked.is_empty() {
        let mut cols: Vec<&str> = Vec::new();
        if ens_total.is_none() {
            cols.push(&vap.total_column);
        }
        cols.extend(untracked.iter().filter(|c| ensemble.tracked(c).is_none()));
        notes.push(format!(
            "The ensemble did not record the voting-age population of {}, so the plan's counts of majority-minority \
             and 40% districts are given without ensemble percentiles. Draw the ensemble with {} to get them.",
            untracked.join(", "),
            cols.iter().map(|c| format!("--track {c}")).collect::<Vec<_>>().join(" ")
        ));
    }
    Ok((Representation { total_column: vap.total_column.clone(), groups, metrics }, rows, notes))
}

fn diagnose(
    statistic: String,
    ensemble: &EnsembleStats,
    values: &[f64],
) -> Result<DiagnosticRow, redraw_metrics::MetricsError> {
    let ranges = ensemble.chain_ranges();
    let mut chains: Vec<Vec<f64>> = ranges.iter().map(|(_, r)| values[r.clone()].to_vec()).collect();
    let traces: Vec<TraceChain> = ranges
        .iter()
        .map(|(c, r)| TraceChain {
            label: format!("chain {}", c + 1),
            steps: ensemble.step[r.clone()].to_vec(),
            values: values[r.clone()].to_vec(),
        })
        .collect();
    redraw_metrics::diagnostics::truncate_to_shortest(&mut chains);
    // NaN draws (undefined metrics) cannot be diagnosed; such statistics are not in DIAGNOSED.
    let convergence = convergence(&chains)?;
    Ok(DiagnosticRow { statistic, verdict: convergence.verdict(), convergence, chains: traces })
}

/// Indices of an equal-weight view of a weighted ensemble: each chain (run) resampled
/// systematically (offset ½, deterministic) to its own number of samples.
fn resample_pooled(ensemble: &EnsembleStats, pooled: &[f64]) -> Vec<usize> {
    let mut out = Vec::with_capacity(pooled.len());
    for (_, r) in ensemble.chain_ranges() {
        out.extend(systematic_resample(&pooled[r.clone()], r.len(), 0.5).into_iter().map(|i| r.start + i));
    }
    out
}

/// Diagnostics of a weighted (SMC) ensemble: R-hat across independent runs (rank-normalised,
/// unsplit, on each run resampled by weight to the shortest run's length) and, as both ESS
/// columns, the effective samples of the whole ensemble (`ess`).
fn diagnose_weighted(
    statistic: String,
    ensemble: &EnsembleStats,
    values: &[f64],
    pooled: &[f64],
    ess: f64,
) -> Result<DiagnosticRow, redraw_metrics::MetricsError> {
    let ranges = ensemble.chain_ranges();
    let m = ranges.iter().map(|(_, r)| r.len()).min().unwrap_or(0);
    let runs: Vec<Vec<f64>> = ranges
        .iter()
        .map(|(_, r)| {
            systematic_resample(&pooled[r.clone()], m, 0.5).into_iter().map(|i| values[r.start + i]).collect()
        })
        .collect();
    let rhat = rank_rhat_runs(&runs)?;
    let constant = runs.iter().flatten().all(|&x| x == runs[0][0]);
    let convergence =
        Convergence { chains: runs.len(), draws_per_chain: m, rhat, ess_bulk: ess, ess_tail: ess, constant };
    // Independent SMC runs have no steps: the "trace" is each run's resampled particles in order.
    let chains = ranges
        .iter()
        .zip(runs)
        .map(|((c, _), values)| TraceChain {
            label: format!("run {}", c + 1),
            steps: (0..values.len() as u64).collect(),
            values,
        })
        .collect();
    Ok(DiagnosticRow { statistic, verdict: convergence.verdict(), convergence, chains })
}

/// [`judge_metric_in`] for a possibly weighted ensemble with the kind implied by the key
/// (partisan metrics of an election, structural otherwise): with `weights` (one per value, e.g.
/// [`EnsembleStats::pooled_weights`]) the distribution, quantiles, the plan's percentile and the
/// histogram bars are weighted (equal weights give the unweighted answers).
pub fn judge_metric_weighted(
    key: &str,
    label: &str,
    election: Option<&str>,
    direction: Direction,
    enacted: f64,
    values: &[f64],
    weights: Option<&[f64]>,
) -> MetricJudgement {
    let kind = if election.is_some() { MetricKind::Partisan } else { MetricKind::Structural };
    judge_metric_in(key, label, election, kind, direction, enacted, values, weights)
}

#[cfg(test)]
mod tests {
    use super::*;
    use redraw_metrics::stats::placement;

    /// Path graph 0-1-2-3 as CSR.
    fn path4() -> (Vec<u32>, Vec<u32>) {
        (vec![0, 1, 3, 5, 6], vec![1, 0, 2, 1, 3, 2])
    }

    fn stats(rows: &[(u32, u64, [f64; 4])]) -> EnsembleStats {
        let mut s = String::from("chain,step,cut_edges,E_dem_seats,E_dem_1,E_dem_2,E_rep_1,E_rep_2\n");
        for (c, st, v) in rows {
            let seats = (v[0] > v[2]) as u8 + (v[1] > v[3]) as u8;
            s.push_str(&format!("{c},{st},1,{seats},{},{},{},{}\n", v[0], v[1], v[2], v[3]));
        }
        EnsembleStats::from_csv(s.as_bytes(), "stats.csv").unwrap()
    }

    #[test]
    fn tail_and_outlier_bands() {
        assert_eq!(Outlier::of_percentile(0.5), Outlier::Typical);
        assert_eq!(Outlier::of_percentile(0.95), Outlier::Unusual);
        assert_eq!(Outlier::of_percentile(0.02), Outlier::Outlier);
        assert_eq!(Outlier::of_percentile(0.999), Outlier::Extreme);
        assert_eq!(Tail::of_percentile(0.999), Tail::Outside99);
    }

    #[test]
    fn verdicts_state_percentile_and_direction() {
        let pl = placement(&[1.0, 2.0, 3.0, 4.0], 0.5);
        let t = verdict_text("efficiency_gap", "Efficiency gap", MetricKind::Partisan, &pl);
        assert_eq!(
            t,
            "A more pro-Republican efficiency gap than every neutral plan (percentile 0.0): an extreme outlier \
             (outside the middle 99%)."
        );
        let pl = placement(&[6.0, 7.0, 7.0, 8.0], 7.0);
        let t = verdict_text("dem_seats", "Democratic seats", MetricKind::Partisan, &pl);
        assert_eq!(
            t,
            "More Democratic seats than 25.0% of neutral plans (as many as 50.0%; percentile 50.0): typical."
        );
        // Structural metrics are never outliers, however far out.
        let pl = placement(&[10.0, 11.0, 12.0], 3.0);
        let t = verdict_text("county_splits", "Split counties", MetricKind::Structural, &pl);
        assert_eq!(t, "Fewer split counties than every neutral plan (percentile 0.0): outside the middle 99% of neutral plans.");
        assert!(!t.contains("outlier"));
        let v: Vec<f64> = (0..1000).map(f64::from).collect();
        let pl = placement(&v, 985.0);
        let t = verdict_text("dem_seats", "Democratic seats", MetricKind::Partisan, &pl);
        assert!(t.starts_with("More Democratic seats than 98.5% of neutral plans"), "{t}");
    }

    #[test]
    fn judges_a_small_plan_and_reports_facts() {
        let (o, nb) = path4();
        // Plan: {0, 2} and {1, 3}: both districts are in two pieces; populations 10+10 vs 10+14.
        let assignment = [0, 1, 0, 1];
        let labels = vec!["1".to_string(), "2".to_string()];
        let pop = [10.0, 10.0, 10.0, 14.0];
        let dem = [60.0, 10.0, 60.0, 10.0];
        let rep = [40.0, 90.0, 40.0, 90.0];
        let input = PlanInput {
            offsets: &o,
            neighbors: &nb,
            assignment: &assignment,
            district_labels: &labels,
            population: &pop,
            counties: Some(&[0, 0, 1, 1]),
            elections: vec![UnitVotes { name: "E".into(), dem: &dem, rep: &rep }],
        };
        // Ensemble: two chains of 4 samples with 0 or 1 Democratic seats.
        let mut rows = Vec::new();
        for c in 0..2u32 {
            for s in 0..4u64 {
                let v = if s % 2 == 0 { [70.0, 60.0, 130.0, 140.0] } else { [110.0, 20.0, 90.0, 180.0] };
                rows.push((c, s, v));
            }
        }
        let ens = stats(&rows);
        let info = EnsembleInfo { tolerance: Some(0.05), ..Default::default() };
        let j = judge(&input, &ens, &info).unwrap();
        assert_eq!(j.schema_version, SCHEMA_VERSION);
        assert_eq!(j.samples, 8);
        assert_eq!(j.chains, 2);
        assert_eq!(j.plan.within_tolerance, Some(false), "24 vs ideal 22 is 9% over");
        assert_eq!(j.plan.non_contiguous.len(), 2);
        assert_eq!(j.plan.cut_edges, 3);
        assert_eq!(j.plan.county_splits.as_ref().unwrap().split_regions, 2);
        assert!(j.notes.iter().any(|n| n.contains("outside the ensemble's population tolerance")));
        assert!(j.notes.iter().any(|n| n.contains("not contiguous")));
        let e = &j.elections[0];
        // Enacted: district 1 = 120 D / 80 R (won), district 2 = 20 D / 180 R: 1 seat.
        assert_eq!(e.enacted.dem_seats, 1.0);
        let seats = &e.metrics[0];
        assert_eq!(seats.metric, "dem_seats");
        assert_eq!(seats.kind, MetricKind::Partisan);
        // Ensemble seats: samples alternate 0 (70/130, 60/140) and 1 (110/90) seat.
        let pl = seats.placement.unwrap();
        assert_eq!((pl.below, pl.equal), (0.5, 0.5));
        assert_eq!(e.per_rank.len(), 2);
        assert_eq!(e.per_rank[0].len(), 8);
        assert_eq!(j.repeat_rate, Some(0.0));
        assert_eq!(j.structure.len(), 1, "cut_edges is in stats.csv");
        assert!(j.structure[0].outlier.is_none() && j.structure[0].tail.is_some());
        // The per-district table.
        assert_eq!(j.districts.len(), 2);
        let d1 = &j.districts[0];
        assert_eq!((d1.units, d1.population, d1.pieces), (2, 20.0, 2));
        assert_eq!(d1.elections[0].winner, "D");
        assert_eq!(d1.counties.as_ref().unwrap().touched, 2);
        assert!(!j.definitions.is_empty() && j.tie_rule.contains("neither party"));
    }

    /// A plan that keeps counties whole more than every neutral plan gets a note that the ensemble
    /// follows another rule (and names the county-aware samplers); an ensemble that keeps them
    /// whole as often does not.
    #[test]
    fn a_county_blind_ensemble_is_said_to_be_one() {
        let (o, nb) = path4();
        let labels = vec!["1".to_string(), "2".to_string()];
        let (pop, dem, rep) = ([10.0; 4], [60.0, 10.0, 60.0, 10.0], [40.0, 90.0, 40.0, 90.0]);
        // Counties {0, 1} and {2, 3}; the plan {0, 1} / {2, 3} splits none.
        let input = PlanInput {
            offsets: &o,
            neighbors: &nb,
            assignment: &[0, 0, 1, 1],
            district_labels: &labels,
            population: &pop,
            counties: Some(&[0, 0, 1, 1]),
            elections: vec![UnitVotes { name: "E".into(), dem: &dem, rep: &rep }],
        };
        let ensemble = |splits: &[u32]| {
            let mut s = String::from(
                "chain,step,cut_edges,county_splits,E_dem_seats,E_dem_1,E_dem_2,E_rep_1,E_rep_2\n",
            );
            for (i, k) in splits.iter().enumerate() {
                s.push_str(&format!("{},{},1,{k},1,70,70,30,130\n", i % 2, i / 2));
            }
            EnsembleStats::from_csv(s.as_bytes(), "stats.csv").unwrap()
        };
        let info = EnsembleInfo::default();
        let j = judge(&input, &ensemble(&[2, 2, 1, 2, 2, 2, 1, 2]), &info).unwrap();
        let note = j.notes.iter().find(|n| n.contains("does not keep counties whole")).expect("the note");
        assert!(note.starts_with("The plan splits 0 counties; the neutral plans split 1–2"), "{note}");
        assert!(note.contains("--county-constraint") && note.contains("--region-surcharge"), "{note}");
        let j = judge(&input, &ensemble(&[0, 2, 1, 2, 0, 2, 1, 2]), &info).unwrap();
        assert!(!j.notes.iter().any(|n| n.contains("does not keep counties whole")), "{:?}", j.notes);
    }

    /// The judge's seat counts (its histogram) are the run's own `NAME_dem_seats`, ties
    /// included: a tied district is won by neither party in both.
    #[test]
    fn seats_histogram_agrees_with_stats_csv_on_ties() {
        let (o, nb) = path4();
        let labels = vec!["1".to_string(), "2".to_string()];
        let v = [10.0; 4];
        let input = PlanInput {
            offsets: &o,
            neighbors: &nb,
            assignment: &[0, 0, 1, 1],
            district_labels: &labels,
            population: &v,
            counties: None,
            elections: vec![UnitVotes { name: "E".into(), dem: &v, rep: &v }],
        };
        // Samples with a tied district (50/50), the stats.csv rule giving it to neither party.
        let rows: Vec<(u32, u64, [f64; 4])> = (0..2)
            .flat_map(|c| {
                (0..6u64).map(move |s| {
                    (c, s, if s % 3 == 0 { [50.0, 70.0, 50.0, 30.0] } else { [60.0, 20.0, 40.0, 80.0] })
                })
            })
            .collect();
        let ens = stats(&rows);
        let j = judge(&input, &ens, &EnsembleInfo::default()).unwrap();
        let seats = &j.elections[0].metrics[0];
        assert_eq!(seats.values, ens.elections[0].recorded_seats, "one seat count per plan");
        assert!(seats.values.iter().all(|s| s.fract() == 0.0), "no half seats");
        // The enacted plan ties both districts: zero seats, two tied districts.
        assert_eq!((j.elections[0].enacted.dem_seats, j.elections[0].tied_districts), (0.0, 2));
        // A stats.csv whose seat column used another rule is refused.
        let bad = "chain,step,E_dem_seats,E_dem_1,E_dem_2,E_rep_1,E_rep_2\n0,0,1.5,50,70,50,30\n0,1,1,60,20,40,80\n";
        let ens = EnsembleStats::from_csv(bad.as_bytes(), "s").unwrap();
        let e = judge(&input, &ens, &EnsembleInfo::default()).unwrap_err();
        assert!(e.to_string().contains("records 1.5 Democratic seats"), "{e}");
    }

    #[test]
    fn representation_counts_with_and_without_tracked_columns() {
        let (o, nb) = path4();
        let labels = vec!["1".to_string(), "2".to_string()];
        let pop = [10.0; 4];
        let votes = [5.0, 6.0, 7.0, 8.0];
        let total = [100.0, 100.0, 100.0, 100.0];
        let black = [80.0, 30.0, 10.0, 0.0]; // district {0,1}: 55%; {2,3}: 5%
        let input = PlanInput {
            offsets: &o,
            neighbors: &nb,
            assignment: &[0, 0, 1, 1],
            district_labels: &labels,
            population: &pop,
            counties: None,
            elections: vec![UnitVotes { name: "E".into(), dem: &votes, rep: &votes }],
        };
        let vap = VapInput {
            total_column: "TOTAL_VAP".into(),
            total: &total,
            groups: vec![VapGroupInput {
                key: "black".into(),
                label: "Black".into(),
                column: "BLACK_VAP".into(),
                values: &black,
            }],
        };
        let mut csv = String::from("chain,step,E_dem_seats,E_dem_1,E_dem_2,E_rep_1,E_rep_2,sum_BLACK_VAP_1,sum_BLACK_VAP_2,sum_TOTAL_VAP_1,sum_TOTAL_VAP_2\n");
        for c in 0..2 {
            for s in 0..5 {
                // 40% and 50% (not a majority) in 4 of 5 samples; a 60% majority in one.
                let b1 = if s == 0 { 120 } else { 100 };
                csv.push_str(&format!("{c},{s},0,1,1,2,2,{b1},80,200,200\n"));
            }
        }
        let ens = EnsembleStats::from_csv(csv.as_bytes(), "s").unwrap();
        let extras = Extras { vap: Some(vap), ..Default::default() };
        let j = judge_with(&input, &ens, &EnsembleInfo::default(), &extras).unwrap();
        let r = j.representation.as_ref().unwrap();
        let maj = r.metrics.iter().find(|m| m.metric == "majority_black_districts").unwrap();
        assert_eq!(maj.enacted, 1.0);
        assert_eq!(maj.values.iter().sum::<f64>(), 2.0, "one majority district in 2 of 10 samples");
        assert!(maj.outlier.is_none(), "representation counts are never outliers");
        let forty = r.metrics.iter().find(|m| m.metric == "black_40_districts").unwrap();
        assert_eq!(forty.enacted, 1.0);
        assert!(forty.values.iter().all(|&v| v == 2.0 || v == 1.0));
        let d1 = j.districts[0].vap.as_ref().unwrap();
        assert!((d1.groups[0].share - 0.55).abs() < 1e-12);
        // Without tracked columns: the plan's counts, and a note saying how to get the rest.
        let plain = stats(&[(0, 0, [1.0, 1.0, 2.0, 2.0]), (0, 1, [1.0, 1.0, 2.0, 2.0])]);
        let vap = VapInput {
            total_column: "TOTAL_VAP".into(),
            total: &total,
            groups: vec![VapGroupInput {
                key: "black".into(),
                label: "Black".into(),
                column: "BLACK_VAP".into(),
                values: &black,
            }],
        };
        let extras = Extras { vap: Some(vap), ..Default::default() };
        let j = judge_with(&input, &plain, &EnsembleInfo::default(), &extras).unwrap();
        let maj = &j.representation.as_ref().unwrap().metrics[0];
        assert_eq!(maj.enacted, 1.0);
        assert!(maj.distribution.is_none());
        assert!(j.notes.iter().any(|n| n.contains("--track TOTAL_VAP --track BLACK_VAP")), "{:?}", j.notes);
    }

    /// An SMC-style ensemble: two runs whose weights put most mass on 1-seat plans. The plan's
    /// percentile and the distribution follow the weights (not the raw row counts), plots get a
    /// resampled view, and the diagnostics compare the runs.
    /// An SMC manifest's first-stage lineages reach the judge; a manifest written before they
    /// were recorded (no field, or 0) gives none.
    #[test]
    fn smc_manifest_lineages_are_read() {
        let m = serde_json::json!({
            "sampler": "smc",
            "smc": {"config": {"particles": 8000},
                    "runs": [{"unique_plans": 7990, "stages": [{"stage": 1, "lineages": 41}]},
                             {"unique_plans": 7980, "stages": [{"stage": 1, "lineages": 57}]}]}
        });
        let info = EnsembleInfo::from_manifest(&m);
        assert_eq!(info.first_lineages, Some(vec![(41, 8000), (57, 8000)]));
        assert_eq!(info.unique_plans, Some(vec![7990, 7980]));
        let old = serde_json::json!({
            "sampler": "smc",
            "smc": {"config": {"particles": 10}, "runs": [{"stages": [{"stage": 1, "lineages": 0}]}, {"stages": [{"stage": 1}]}]}
        });
        assert_eq!(EnsembleInfo::from_manifest(&old).first_lineages, None);
    }

    #[test]
    fn weighted_ensembles_use_their_weights() {
        let (o, nb) = path4();
        let labels = vec!["1".to_string(), "2".to_string()];
        let pop = [10.0; 4];
        let dem = [60.0, 60.0, 10.0, 10.0];
        let rep = [40.0, 40.0, 90.0, 90.0];
        let input = PlanInput {
            offsets: &o,
            neighbors: &nb,
            assignment: &[0, 0, 1, 1],
            district_labels: &labels,
            population: &pop,
            counties: None,
            elections: vec![UnitVotes { name: "E".into(), dem: &dem, rep: &rep }],
        };
        // Per run: 10 samples, rows 0..5 have 0 seats (weight 1), rows 5..10 have 1 seat
        // (weight 3), so the weighted share of 1-seat plans is 75% while the rows are 50/50.
        let mut s = String::from("chain,step,cut_edges,E_dem_seats,E_dem_1,E_dem_2,E_rep_1,E_rep_2,weight\n");
        for c in 0..2 {
            for st in 0..10 {
                let (v, w) = if st < 5 {
                    ([70.0, 60.0, 130.0, 140.0], 1.0)
                } else {
                    ([110.0, 20.0, 90.0, 180.0], 3.0)
                };
                let seats = (v[0] > v[2]) as u8 + (v[1] > v[3]) as u8;
                s.push_str(&format!("{c},{st},1,{seats},{},{},{},{},{w}\n", v[0], v[1], v[2], v[3]));
            }
        }
        let ens = EnsembleStats::from_csv(s.as_bytes(), "stats.csv").unwrap();
        let info = EnsembleInfo {
            unique_plans: Some(vec![2, 2]),
            first_lineages: Some(vec![(3, 10), (5, 10)]),
            ..Default::default()
        };
        let j = judge(&input, &ens, &info).unwrap();
        assert!(
            j.notes.iter().any(|n| n.contains("descend from only 3 to 5 of the 10 first districts")),
            "{:?}",
            j.notes
        );
        assert!(j.weighted);
        let seats = &j.elections[0].metrics[0];
        let pl = seats.placement.unwrap();
        assert!((pl.below - 0.25).abs() < 1e-12 && (pl.equal - 0.75).abs() < 1e-12, "{pl:?}");
        assert!((seats.distribution.as_ref().unwrap().mean - 0.75).abs() < 1e-12);
        // The histogram's bars are weighted: the 1-seat bar holds 75% of the ensemble.
        let bins = seats.bins.as_ref().unwrap();
        assert!((bins.share[bins.bin_of(1.0)] - 0.75).abs() < 1e-12, "{bins:?}");
        assert!((bins.share[bins.bin_of(0.0)] - 0.25).abs() < 1e-12, "{bins:?}");
        // Effective samples: Kish ESS per run is 10²·... capped by 2 distinct plans each.
        assert_eq!(j.effective_samples, Some(4.0));
        assert!(j.notes.iter().any(|n| n.contains("weighted")), "{:?}", j.notes);
        let d = &j.diagnostics[0];
        assert_eq!((d.convergence.chains, d.convergence.draws_per_chain), (2, 10));
        // Identical runs: no between-run variance, R-hat = sqrt((n - 1)/n).
        assert!((d.convergence.rhat - 0.9f64.sqrt()).abs() < 1e-9, "identical runs: {d:?}");
        assert_eq!(d.verdict, MixingVerdict::NotMixed, "4 effective samples are too few");
        assert!(j.notes.iter().any(|n| n.contains("NOT converged") && n.contains("more particles per run")));
        assert_eq!(j.repeat_rate, None);
        // The report's plots say how they show a weighted ensemble; no trace plots.
        let files = crate::report::render(&j, "plan");
        let text = |f: &crate::report::ReportFile| String::from_utf8_lossy(&f.bytes).into_owned();
        let plots: Vec<_> = files.iter().filter(|f| f.name.ends_with(".svg")).collect();
        assert!(plots.iter().any(|f| f.name.starts_with("boxplot_")), "{:?}", plots.len());
        // The box plot is drawn from the ensemble resampled by weight, the histograms from the
        // weights themselves (bars are shares of the weight); each says so.
        for f in &plots {
            let want =
                if f.name.starts_with("boxplot_") { "resampled by weight" } else { "weighted SMC plans" };
            assert!(text(f).contains(want), "{} does not say {want:?}", f.name);
        }
        assert!(!plots.iter().any(|f| f.name.starts_with("trace_")));
    }

    #[test]
    fn district_count_mismatch_is_an_error() {
        let (o, nb) = path4();
        let labels = vec!["1".to_string(), "2".to_string(), "3".to_string()];
        let assignment = [0, 1, 2, 2];
        let v = [1.0; 4];
        let input = PlanInput {
            offsets: &o,
            neighbors: &nb,
            assignment: &assignment,
            district_labels: &labels,
            population: &v,
            counties: None,
            elections: vec![UnitVotes { name: "E".into(), dem: &v, rep: &v }],
        };
        let ens = stats(&[(0, 0, [1.0, 1.0, 2.0, 2.0]); 4]);
        let err = judge(&input, &ens, &EnsembleInfo::default()).unwrap_err();
        assert!(err.to_string().contains("3 districts") && err.to_string().contains("2"), "{err}");
    }

    #[test]
    fn missing_election_columns_is_an_error() {
        let (o, nb) = path4();
        let labels = vec!["1".to_string(), "2".to_string()];
        let v = [1.0; 4];
        let input = PlanInput {
            offsets: &o,
            neighbors: &nb,
            assignment: &[0, 0, 1, 1],
            district_labels: &labels,
            population: &v,
            counties: None,
            elections: vec![],
        };
        let ens = stats(&[(0, 0, [1.0, 1.0, 2.0, 2.0]); 4]);
        let err = judge(&input, &ens, &EnsembleInfo::default()).unwrap_err();
        assert!(err.to_string().contains("--election E="), "{err}");
    }
}
