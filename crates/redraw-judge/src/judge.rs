//! Judging one plan against an ensemble: every metric's enacted value, the ensemble's
//! distribution, the plan's percentile and a plain-language verdict, plus the plan's own facts
//! (population balance, contiguity, splits) and the ensemble's convergence diagnostics.
//!
//! Nothing is repaired: a plan outside the ensemble's population tolerance or with
//! non-contiguous districts is judged as given, and the facts are reported as notes.

use redraw_metrics::diagnostics::{convergence, rank_rhat_runs, Convergence, MixingVerdict, StepRates};
use redraw_metrics::plan::{self, PopulationBalance, RegionSplits};
use redraw_metrics::stats::{placement, Distribution, Placement};
use redraw_metrics::weighted::{kish_ess, systematic_resample, WeightedSample};
use redraw_metrics::{ElectionResults, PartisanSummary};
use serde::Serialize;

use crate::ensemble::EnsembleStats;
use crate::JudgeError;

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
            let rho = get("rho").and_then(|x| x.as_f64()).unwrap_or(1.0);
            let county = if get("county_hierarchy").and_then(|x| x.as_bool()) == Some(true) {
                ", county constraint"
            } else {
                ""
            };
            let description = format!(
                "Sequential Monte Carlo, {} run(s) × {particles} weighted plans, ρ = {rho}{county}, seed {seed}{tol}",
                runs.map_or(0, |r| r.len())
            );
            return EnsembleInfo {
                tolerance,
                step_rates: None,
                description: Some(description),
                unique_plans,
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

/// How far into a tail of the ensemble the plan falls (by mid-rank percentile `p`).
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
        let tail = p.min(1.0 - p);
        if tail <= 0.005 {
            Outlier::Extreme
        } else if tail <= 0.025 {
            Outlier::Outlier
        } else if tail <= 0.10 {
            Outlier::Unusual
        } else {
            Outlier::Typical
        }
    }
    pub fn phrase(self) -> &'static str {
        match self {
            Outlier::Typical => "typical",
            Outlier::Unusual => "unusual (outside the middle 80% of the ensemble)",
            Outlier::Outlier => "an outlier (outside the middle 95%)",
            Outlier::Extreme => "an extreme outlier (outside the middle 99%)",
        }
    }
}

/// One metric judged.
#[derive(Clone, Debug, Serialize)]
pub struct MetricJudgement {
    /// Stable key (`efficiency_gap`, `dem_seats`, `cut_edges`, …).
    pub metric: String,
    /// Human label ("Efficiency gap").
    pub label: String,
    pub election: Option<String>,
    pub direction: Direction,
    pub enacted: f64,
    /// `None` when the metric is undefined for every ensemble plan (e.g. declination when one
    /// party always sweeps).
    pub distribution: Option<Distribution>,
    pub placement: Option<Placement>,
    pub outlier: Option<Outlier>,
    pub verdict: String,
    /// Ensemble values, per sample, for plots (not serialised).
    #[serde(skip)]
    pub values: Vec<f64>,
}

/// One election judged.
#[derive(Clone, Debug, Serialize)]
pub struct ElectionJudgement {
    pub name: String,
    pub enacted: PartisanSummary,
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

/// Convergence of one statistic across chains.
#[derive(Clone, Debug, Serialize)]
pub struct DiagnosticRow {
    pub statistic: String,
    #[serde(flatten)]
    pub convergence: Convergence,
    pub verdict: MixingVerdict,
    /// Per-chain draws (for trace plots; not serialised).
    #[serde(skip)]
    pub chains: Vec<Vec<f64>>,
}

/// Everything `redraw judge` reports.
#[derive(Clone, Debug, Serialize)]
pub struct Judgement {
    pub samples: usize,
    pub chains: usize,
    pub ensemble: EnsembleInfo,
    pub plan: PlanFacts,
    pub elections: Vec<ElectionJudgement>,
    /// Plan-level statistics the ensemble recorded and the plan has too (cut edges, …).
    pub structure: Vec<MetricJudgement>,
    pub diagnostics: Vec<DiagnosticRow>,
    /// Fraction of consecutive recorded samples (same chain) with identical district votes: a
    /// lower bound on the chain's self-loop rate, equal to it when every step was recorded.
    pub repeat_rate: Option<f64>,
    /// True when any diagnosed statistic has R-hat > 1.01 or ESS < 400.
    pub not_mixed: bool,
    /// Whether the ensemble carries importance weights (SMC): every distribution and percentile
    /// is then weighted, each run counting equally.
    pub weighted: bool,
    /// Weighted ensembles: effective samples, the sum over runs of the Kish ESS of the weights,
    /// each capped by the run's number of distinct plans when the manifest gives it.
    pub effective_samples: Option<f64>,
    /// Plain-language warnings: tolerance, contiguity, mixing, sample size.
    pub notes: Vec<String>,
}

/// Partisan metrics judged per election, in report order: key, label, direction, extractor.
type Extract = fn(&PartisanSummary) -> Option<f64>;
const PARTISAN: [(&str, &str, Direction, Extract); 8] = [
    ("dem_seats", "Democratic seats", Direction::ProDemocratic, |s| Some(s.dem_seats)),
    ("efficiency_gap", "Efficiency gap", Direction::ProDemocratic, |s| Some(s.efficiency_gap)),
    ("mean_median", "Mean-median difference", Direction::ProDemocratic, |s| Some(s.mean_median)),
    ("partisan_bias", "Partisan bias at 50% statewide vote", Direction::ProDemocratic, |s| {
        Some(s.partisan_bias)
    }),
    (
        "mean_share_bias",
        "Bias at 50% mean district vote (GerryChain partisan_bias)",
        Direction::ProDemocratic,
        |s| Some(s.mean_share_bias),
    ),
    ("declination", "Declination", Direction::ProDemocratic, |s| s.declination),
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

/// Judges `plan` against `ensemble`.
pub fn judge(
    plan_in: &PlanInput,
    ensemble: &EnsembleStats,
    info: &EnsembleInfo,
) -> Result<Judgement, JudgeError> {
    let n = plan_in.assignment.len();
    let k = plan_in.district_labels.len();
    for (what, len) in [("population", plan_in.population.len())] {
        if len != n {
            return Err(JudgeError::Input(format!("{what} has {len} values for {n} units")));
        }
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
    let pooled = ensemble.pooled_weights();
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
        let enacted_results = ElectionResults::new(dem, rep)?;
        let enacted = enacted_results.summary();
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
            metrics.push(judge_metric_weighted(
                key,
                label,
                Some(&samples.name),
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
                _ => diagnose(name.clone(), ensemble.by_chain(&per_metric[j])),
            };
            match d {
                Ok(d) => diagnostics.push(d),
                Err(e) => notes.push(format!("No convergence diagnostics for {name}: {e}.")),
            }
        }
        let per_rank = match weights {
            // Plots show a weighted ensemble resampled by weight (said in the notes).
            Some(w) => {
                let idx = resample_pooled(ensemble, w);
                per_rank.iter().map(|r| idx.iter().map(|&i| r[i]).collect()).collect()
            }
            None => per_rank,
        };
        elections.push(ElectionJudgement {
            name: samples.name.clone(),
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
            structure.push(judge_metric_weighted(key, label, None, Direction::Unsigned, v, values, weights));
            let d = match (weights, smc_ess) {
                (Some(w), Some(e)) => diagnose_weighted(label.to_string(), ensemble, values, w, e),
                _ => diagnose(label.to_string(), ensemble.by_chain(values)),
            };
            match d {
                Ok(d) => diagnostics.push(d),
                Err(e) => notes.push(format!("No convergence diagnostics for {label}: {e}.")),
            }
        }
    }

    let not_mixed = diagnostics.iter().any(|d| d.verdict == MixingVerdict::NotMixed);
    let chains = ranges.len();
    if let Some(e) = smc_ess {
        notes.push(format!(
            "The ensemble is weighted (Sequential Monte Carlo): every mean, quantile and percentile uses the \
             importance weights, each of the {chains} run(s) counting equally, and the plots show the ensemble \
             resampled by weight. Its weights amount to about {e:.0} effective samples (the weights' effective \
             sample size, capped by the number of distinct plans); plans of one run that descend from the same \
             early particles share districts, which this figure does not see and R-hat across runs does."
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
    let repeat_rate = (repeats.1 > 0).then(|| repeats.0 as f64 / repeats.1 as f64);
    if let Some(advice) =
        info.sampler.as_deref().and_then(|s| crate::advice::recommend(s, n, !not_mixed, smc_ess))
    {
        notes.push(advice);
    }

    Ok(Judgement {
        samples: ensemble.samples(),
        chains,
        ensemble: info.clone(),
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
        elections,
        structure,
        diagnostics,
        repeat_rate,
        not_mixed,
        weighted: weights.is_some(),
        effective_samples: smc_ess,
        notes,
    })
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
    Ok(DiagnosticRow { statistic, verdict: convergence.verdict(), convergence, chains: runs })
}

fn diagnose(statistic: String, chains: Vec<Vec<f64>>) -> Result<DiagnosticRow, redraw_metrics::MetricsError> {
    let mut chains = chains;
    redraw_metrics::diagnostics::truncate_to_shortest(&mut chains);
    // NaN draws (undefined metrics) cannot be diagnosed; such statistics are not in DIAGNOSED.
    let convergence = convergence(&chains)?;
    Ok(DiagnosticRow { statistic, verdict: convergence.verdict(), convergence, chains })
}

/// [`judge_metric`] for a possibly weighted ensemble: with `weights` (one per value, e.g.
/// [`EnsembleStats::pooled_weights`]) the distribution, quantiles and the plan's percentile are
/// weighted ([`WeightedSample`]: equal weights give the unweighted answers) and `values` for the
/// plots become the ensemble resampled by weight.
pub fn judge_metric_weighted(
    key: &str,
    label: &str,
    election: Option<&str>,
    direction: Direction,
    enacted: f64,
    values: &[f64],
    weights: Option<&[f64]>,
) -> MetricJudgement {
    let Some(w) = weights else { return judge_metric(key, label, election, direction, enacted, values) };
    let sample = WeightedSample::new(values, w).ok();
    let (distribution, placement_v, outlier, verdict) = match &sample {
        None => (None, None, None, "undefined for every ensemble plan".to_string()),
        Some(ws) if !enacted.is_finite() => {
            (Some(ws.distribution()), None, None, "undefined for this plan".to_string())
        }
        Some(ws) => {
            let pl = ws.placement(enacted);
            let o = Outlier::of_percentile(pl.percentile);
            (Some(ws.distribution()), Some(pl), Some(o), verdict_text(direction, &pl, o))
        }
    };
    let idx = systematic_resample(w, values.len(), 0.5);
    MetricJudgement {
        metric: key.to_string(),
        label: label.to_string(),
        election: election.map(str::to_string),
        direction,
        enacted,
        distribution,
        placement: placement_v,
        outlier,
        verdict,
        values: idx.into_iter().map(|i| values[i]).collect(),
    }
}

/// Places one enacted value in the ensemble's values and words the verdict.
pub fn judge_metric(
    key: &str,
    label: &str,
    election: Option<&str>,
    direction: Direction,
    enacted: f64,
    values: &[f64],
) -> MetricJudgement {
    let mut sorted: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
    sorted.sort_by(f64::total_cmp);
    let (distribution, placement_v, outlier, verdict) = if sorted.is_empty() {
        (None, None, None, "undefined for every ensemble plan".to_string())
    } else if !enacted.is_finite() {
        (Some(Distribution::of_sorted(&sorted)), None, None, "undefined for this plan".to_string())
    } else {
        let pl = placement(&sorted, enacted);
        let o = Outlier::of_percentile(pl.percentile);
        (Some(Distribution::of_sorted(&sorted)), Some(pl), Some(o), verdict_text(direction, &pl, o))
    };
    MetricJudgement {
        metric: key.to_string(),
        label: label.to_string(),
        election: election.map(str::to_string),
        direction,
        enacted,
        distribution,
        placement: placement_v,
        outlier,
        verdict,
        values: values.to_vec(),
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

/// The plain-language verdict, e.g. "More favourable to Republicans than 99.2% of ensemble
/// plans: an outlier (outside the middle 95%)."
pub fn verdict_text(direction: Direction, pl: &Placement, o: Outlier) -> String {
    let above = (1.0 - pl.below - pl.equal).max(0.0);
    if pl.equal >= 0.999_999 {
        return "Equal to every ensemble plan: typical.".into();
    }
    let head = match direction {
        Direction::ProDemocratic if pl.percentile >= 0.5 => {
            format!("More favourable to Democrats than {} of ensemble plans", pct(pl.below))
        }
        Direction::ProDemocratic => {
            format!("More favourable to Republicans than {} of ensemble plans", pct(above))
        }
        Direction::Unsigned if pl.percentile >= 0.5 => {
            format!("Higher than {} of ensemble plans", pct(pl.below))
        }
        Direction::Unsigned => format!("Lower than {} of ensemble plans", pct(above)),
    };
    let ties = if pl.equal > 0.0 { format!(" (equal to {})", pct(pl.equal)) } else { String::new() };
    format!("{head}{ties}: {}.", o.phrase())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Path graph 0-1-2-3 as CSR.
    fn path4() -> (Vec<u32>, Vec<u32>) {
        (vec![0, 1, 3, 5, 6], vec![1, 0, 2, 1, 3, 2])
    }

    fn stats(rows: &[(u32, u64, [f64; 4])]) -> EnsembleStats {
        let mut s = String::from("chain,step,cut_edges,E_dem_seats,E_dem_1,E_dem_2,E_rep_1,E_rep_2\n");
        for (c, st, v) in rows {
            s.push_str(&format!("{c},{st},1,0,{},{},{},{}\n", v[0], v[1], v[2], v[3]));
        }
        EnsembleStats::from_csv(s.as_bytes(), "stats.csv").unwrap()
    }

    #[test]
    fn outlier_bands() {
        assert_eq!(Outlier::of_percentile(0.5), Outlier::Typical);
        assert_eq!(Outlier::of_percentile(0.95), Outlier::Unusual);
        assert_eq!(Outlier::of_percentile(0.02), Outlier::Outlier);
        assert_eq!(Outlier::of_percentile(0.999), Outlier::Extreme);
    }

    #[test]
    fn verdict_words() {
        let pl = placement(&[1.0, 2.0, 3.0, 4.0], 0.5);
        let t = verdict_text(Direction::ProDemocratic, &pl, Outlier::of_percentile(pl.percentile));
        assert_eq!(t, "More favourable to Republicans than 100.0% of ensemble plans: an extreme outlier (outside the middle 99%).");
        let pl = placement(&[1.0, 2.0, 2.0, 3.0], 2.0);
        let t = verdict_text(Direction::Unsigned, &pl, Outlier::of_percentile(pl.percentile));
        assert_eq!(t, "Higher than 25.0% of ensemble plans (equal to 50.0%): typical.");
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
        // Ensemble seats: samples alternate 0 (70/130, 60/140) and 1 (110/90) seat.
        let pl = seats.placement.unwrap();
        assert_eq!((pl.below, pl.equal), (0.5, 0.5));
        assert_eq!(e.per_rank.len(), 2);
        assert_eq!(e.per_rank[0].len(), 8);
        // Alternating samples are never repeats.
        assert_eq!(j.repeat_rate, Some(0.0));
        assert_eq!(j.structure.len(), 1, "cut_edges is in stats.csv");
    }

    /// An SMC-style ensemble: two runs whose weights put most mass on 1-seat plans. The plan's
    /// percentile and the distribution follow the weights (not the raw row counts), plots get a
    /// resampled view, and the diagnostics compare the runs.
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
                s.push_str(&format!("{c},{st},1,0,{},{},{},{},{w}\n", v[0], v[1], v[2], v[3]));
            }
        }
        let ens = EnsembleStats::from_csv(s.as_bytes(), "stats.csv").unwrap();
        let info = EnsembleInfo { unique_plans: Some(vec![2, 2]), ..Default::default() };
        let j = judge(&input, &ens, &info).unwrap();
        assert!(j.weighted);
        let seats = &j.elections[0].metrics[0];
        let pl = seats.placement.unwrap();
        assert!((pl.below - 0.25).abs() < 1e-12 && (pl.equal - 0.75).abs() < 1e-12, "{pl:?}");
        assert!((seats.distribution.as_ref().unwrap().mean - 0.75).abs() < 1e-12);
        // Systematic resampling gives each row ⌊20·w⌋ or ⌈20·w⌉ copies: about 15 of 20.
        let ones = seats.values.iter().filter(|&&x| x == 1.0).count();
        assert!((13..=17).contains(&ones) && seats.values.len() == 20, "{ones}");
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
        // The report's plots show the ensemble resampled by weight and say so; no trace plots.
        let files = crate::report::render(&j, "plan");
        let text = |f: &crate::report::ReportFile| String::from_utf8_lossy(&f.bytes).into_owned();
        let plots: Vec<_> = files.iter().filter(|f| f.name.ends_with(".svg")).collect();
        assert!(plots.iter().any(|f| f.name.starts_with("boxplot_")), "{:?}", plots.len());
        assert!(
            plots.iter().all(|f| text(f).contains("resampled by weight")),
            "a plot does not say it is resampled"
        );
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
