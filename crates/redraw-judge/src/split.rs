//! Neutral splits of a state into new states, and where named proposals fall among them.
//!
//! The state's county graph (embedded counties, 2020 population, Census adjacency) is sampled
//! with the ensemble engine's ReCom chain into `k` parts within a population tolerance chosen
//! by the user (state splits are far looser than districts: ±25 % is typical). Every recorded
//! sample is scored by the national model ([`redraw_core::SplitEvaluator`]: House
//! re-apportionment among 50 − 1 + k states, Senate, Electoral College under each election
//! year) and checked against the identities every map must satisfy (see [`check_invariants`]).
//! Named proposals for the same state and number of parts (Cal 3, Six Californias) are scored
//! the same way and placed in the distribution; whether they would satisfy the tolerance or be
//! contiguous is reported, never repaired.

use std::sync::atomic::{AtomicBool, Ordering};

use redraw_core::split::SplitOutcome;
use redraw_core::{Dataset, SplitEvaluator};
use redraw_ensemble::{
    Counters, Partition, Problem, ProblemSpec, ProposalConfig, ProposalKind, Rng, Workspace,
};
use redraw_metrics::diagnostics::{convergence, Convergence, MixingVerdict};
use serde::Serialize;

use crate::judge::{judge_metric, Direction, MetricJudgement};

/// What to sample.
#[derive(Clone, Debug)]
pub struct SplitSpec {
    /// State abbreviation, name or FIPS.
    pub state: String,
    pub parts: usize,
    /// Largest allowed |part population − ideal| / ideal.
    pub tolerance: f64,
    /// Samples recorded per chain.
    pub samples_per_chain: usize,
    pub chains: u32,
    pub seed: u64,
    /// ReCom steps between recorded samples.
    pub thin: u64,
    /// Steps before the first recorded sample.
    pub burn_in: u64,
}

/// Errors of the split sampler.
#[derive(Debug, thiserror::Error)]
pub enum SplitError {
    #[error("{0}")]
    Input(String),
    #[error(transparent)]
    Scenario(#[from] redraw_core::ScenarioError),
    #[error("the county graph: {0}")]
    Problem(#[from] redraw_ensemble::ProblemError),
    #[error("no starting split of {state} into {parts} parts within ±{tol:.0}%: {message}")]
    Seed { state: String, parts: usize, tol: f64, message: String },
    #[error("sample (chain {chain}, step {step}) breaks an invariant: {message}")]
    Invariant { chain: u32, step: u64, message: String },
    #[error("cancelled after {samples} samples")]
    Cancelled { samples: usize },
}

/// One recorded neutral split.
#[derive(Clone, Debug, Serialize)]
pub struct SplitSample {
    pub chain: u32,
    pub step: u64,
    /// Part (`0..k`) of each of the state's counties, in [`SplitRun::county_fips`] order.
    pub assignment: Vec<u32>,
    pub outcome: SplitOutcome,
    /// Compactness of the parts (when county polygons exist for every county).
    pub shapes: Option<PartShapes>,
}

/// All samples of a split run.
#[derive(Clone, Debug, Serialize)]
pub struct SplitRun {
    pub state: String,
    pub state_abbr: String,
    pub parts: usize,
    pub tolerance: f64,
    pub house_size: u32,
    /// The state's counties (FIPS), in assignment order.
    pub county_fips: Vec<String>,
    pub samples: Vec<SplitSample>,
    /// Proposal outcomes over all chains.
    pub counters: Counters,
    /// Samples whose invariants were checked (all of them).
    pub invariants_checked: usize,
    /// Election years left out, with the reason: the state's results exist only as a
    /// statewide total that year (Alaska every year, Connecticut 2024).
    pub skipped_elections: Vec<SkippedElection>,
}

/// An election year a split run cannot score, and why.
#[derive(Clone, Debug, Serialize)]
pub struct SkippedElection {
    pub year: u16,
    pub reason: String,
}

/// The identities every evaluated map satisfies: the parts hold 2 k senators; the union has
/// 2 × (50 − 1 + k) senators (DC has none); and in every election the electoral votes add up
/// to House size + senators + DC's 3, which (each state having House seats + 2 electors)
/// holds exactly when the re-apportioned House seats add up to the House size.
pub fn check_invariants(o: &SplitOutcome, parts: usize, house_size: u32) -> Result<(), String> {
    let states = 50 - 1 + parts as u32;
    if o.part_senators != 2 * parts as u32 {
        return Err(format!("the {parts} new states have {} senators, not {}", o.part_senators, 2 * parts));
    }
    if o.senators != 2 * states {
        return Err(format!("the Senate has {} seats, not 2 × {states} states", o.senators));
    }
    if o.part_house_seats.len() != parts || o.part_house_seats.contains(&0) {
        return Err(format!("every new state needs at least one House seat: {:?}", o.part_house_seats));
    }
    for (ev, seats) in o.part_electoral_votes.iter().zip(&o.part_house_seats) {
        if *ev != seats + 2 {
            return Err(format!("a new state has {ev} electors for {seats} House seats"));
        }
    }
    for e in &o.elections {
        let total = e.electoral_votes_dem + e.electoral_votes_rep;
        if total != house_size + o.senators + 3 {
            return Err(format!(
                "{}: {total} electoral votes, not House {house_size} + senators {} + DC 3",
                e.year, o.senators
            ));
        }
        if e.senate_dem + e.senate_rep != o.senators {
            return Err(format!("{}: implied Senate seats do not add up to {}", e.year, o.senators));
        }
    }
    Ok(())
}

/// The county graph of one state as a `redraw_graph::Graph` with a `TOTAL_POP` column (2020
/// census) and the shared-border lengths the Census adjacency gives.
pub fn county_graph(ds: &Dataset, state: &str) -> Result<(redraw_graph::Graph, Vec<String>), SplitError> {
    let st = ds.state_by_name(state).ok_or_else(|| {
        SplitError::Input(format!("unknown state `{state}` ({})", ds.unknown_state_hint(state)))
    })?;
    let counties = &ds.states[st].counties;
    let local: std::collections::HashMap<u32, u32> =
        counties.iter().enumerate().map(|(i, &c)| (c, i as u32)).collect();
    let mut edges = Vec::new();
    let mut lengths = Vec::new();
    for (i, &c) in counties.iter().enumerate() {
        for (nb, len) in ds.adjacency.edges(c) {
            if let Some(&j) = local.get(&nb) {
                if (i as u32) < j {
                    edges.push((i as u32, j));
                    lengths.push(len.map_or(1.0, |l| l as f64));
                }
            }
        }
    }
    let fips: Vec<String> = counties.iter().map(|&c| ds.counties[c as usize].fips.clone()).collect();
    let mut g = redraw_graph::Graph::from_edges(fips.clone(), &edges, Some(&lengths))
        .map_err(|e| SplitError::Input(format!("county graph of {state}: {e}")))?;
    let pop: Vec<i64> = counties.iter().map(|&c| ds.counties[c as usize].pop2020 as i64).collect();
    g.set_column("TOTAL_POP", redraw_graph::Column::Int(pop))
        .map_err(|e| SplitError::Input(format!("county graph of {state}: {e}")))?;
    Ok((g, fips))
}

/// Compactness of new states from the embedded county polygons (us-atlas 10m): a sub-layer
/// of the state's counties in assignment order with its own rook adjacency, built once, so
/// measuring a split only touches the state's counties.
pub struct SplitShapes {
    // The plan-independent parts (unit areas and hulls) are computed once: measuring each of
    // thousands of samples then costs a fraction of a fresh `district_shapes` call.
    index: redraw_geo::measure::ShapeIndex,
    adj: redraw_geo::adjacency::Adjacency,
}

/// Polsby-Popper and Reock of each part of a split.
#[derive(Clone, Debug, Default, Serialize)]
pub struct PartShapes {
    pub polsby_popper: Vec<f64>,
    pub reock: Vec<f64>,
}

impl SplitShapes {
    /// `None` when a county has no polygon of its own (Alaska's Chugach and Copper River share
    /// one 2017 polygon), so the parts' shapes are not defined.
    pub fn new(county_fips: &[String]) -> Result<Option<Self>, SplitError> {
        let (all, _) = redraw_geo::counties::us_counties_with_adjacency()
            .map_err(|e| SplitError::Input(format!("embedded county shapes: {e}")))?;
        let ids = all.ids("id").map_err(|e| SplitError::Input(format!("embedded county shapes: {e}")))?;
        let index: std::collections::HashMap<&str, usize> =
            ids.iter().enumerate().map(|(i, id)| (id.as_str(), i)).collect();
        let mut features = Vec::with_capacity(county_fips.len());
        for f in county_fips {
            if redraw_geo::counties::atlas_fips(f) != f {
                return Ok(None);
            }
            match index.get(f.as_str()) {
                Some(&i) => features.push(all.features[i].clone()),
                None => return Ok(None),
            }
        }
        let layer = redraw_geo::Layer { features, crs: all.crs.clone(), warnings: Vec::new() };
        let adj = redraw_geo::adjacency::build_adjacency(&layer, &Default::default());
        Ok(Some(SplitShapes { index: redraw_geo::measure::ShapeIndex::new(&layer), adj }))
    }

    /// Shapes of the parts `0..k` of `assignment` (county order of the run).
    pub fn measure(&self, assignment: &[u32]) -> Result<PartShapes, SplitError> {
        let shapes = self
            .index
            .district_shapes(&self.adj, assignment)
            .map_err(|e| SplitError::Input(format!("part shapes: {e}")))?;
        Ok(PartShapes {
            polsby_popper: shapes.iter().map(|s| s.polsby_popper).collect(),
            reock: shapes.iter().map(|s| s.reock).collect(),
        })
    }
}

/// Draws neutral splits with ReCom chains and scores each with the national model.
/// `progress` is called with the number of samples recorded so far.
pub fn draw_splits(
    ds: &Dataset,
    spec: &SplitSpec,
    progress: impl FnMut(usize),
) -> Result<SplitRun, SplitError> {
    draw_splits_cancellable(ds, spec, &AtomicBool::new(false), progress)
}

/// [`draw_splits`] that stops with [`SplitError::Cancelled`] soon after `cancel` is set (it is
/// checked before every chain step, so within one step: microseconds on a county graph). The web
/// app sets it when the client that asked goes away.
pub fn draw_splits_cancellable(
    ds: &Dataset,
    spec: &SplitSpec,
    cancel: &AtomicBool,
    mut progress: impl FnMut(usize),
) -> Result<SplitRun, SplitError> {
    let cancelled = |n: usize| -> Result<(), SplitError> {
        if cancel.load(Ordering::Relaxed) {
            Err(SplitError::Cancelled { samples: n })
        } else {
            Ok(())
        }
    };
    if spec.parts < 2 {
        return Err(SplitError::Input("a split needs at least 2 parts".into()));
    }
    if !(spec.tolerance > 0.0 && spec.tolerance < 1.0) {
        return Err(SplitError::Input(format!("tolerance {} must be between 0 and 1", spec.tolerance)));
    }
    if spec.thin == 0 || spec.chains == 0 || spec.samples_per_chain == 0 {
        return Err(SplitError::Input("samples, chains and thinning must be at least 1".into()));
    }
    let mut evaluator = SplitEvaluator::new(ds, &spec.state, spec.parts, Default::default())?;
    let st = ds.state_by_name(&spec.state).expect("checked by the evaluator");
    let (graph, county_fips) = county_graph(ds, &spec.state)?;
    let problem = Problem::new(
        &graph,
        &ProblemSpec {
            pop_column: "TOTAL_POP".into(),
            districts: spec.parts,
            tolerance: spec.tolerance,
            elections: Vec::new(),
            county: None,
            max_county_splits: None,
            tracked: Vec::new(),
        },
    )?;
    let cfg = ProposalConfig { kind: ProposalKind::Recom, ..ProposalConfig::default() };
    let shapes = SplitShapes::new(&county_fips)?;
    let house_size = redraw_core::evaluate::EvalOptions::default().house_size;
    let mut samples = Vec::with_capacity(spec.samples_per_chain * spec.chains as usize);
    let mut counters = Counters::default();
    let mut outcome = SplitOutcome::default();
    for chain in 0..spec.chains {
        let mut rng = Rng::for_chain(spec.seed, chain as u64);
        let start = redraw_ensemble::seed_plan(&problem, &mut rng).map_err(|e| SplitError::Seed {
            state: ds.states[st].name.clone(),
            parts: spec.parts,
            tol: 100.0 * spec.tolerance,
            message: e.to_string(),
        })?;
        let mut part = Partition::new(&problem, start).map_err(|e| SplitError::Input(e.to_string()))?;
        let mut ws = Workspace::new(&problem);
        let mut step = 0u64;
        for _ in 0..spec.burn_in {
            cancelled(samples.len())?;
            redraw_ensemble::proposal::step(&problem, &mut part, &mut ws, &mut rng, &cfg, &mut counters);
            step += 1;
        }
        for s in 0..spec.samples_per_chain {
            cancelled(samples.len())?;
            if s > 0 {
                for _ in 0..spec.thin {
                    cancelled(samples.len())?;
                    redraw_ensemble::proposal::step(
                        &problem,
                        &mut part,
                        &mut ws,
                        &mut rng,
                        &cfg,
                        &mut counters,
                    );
                    step += 1;
                }
            }
            evaluator.evaluate(part.assignment(), &mut outcome)?;
            check_invariants(&outcome, spec.parts, house_size).map_err(|message| SplitError::Invariant {
                chain,
                step,
                message,
            })?;
            let part_shapes = match &shapes {
                Some(sh) => Some(sh.measure(part.assignment())?),
                None => None,
            };
            samples.push(SplitSample {
                chain,
                step,
                assignment: part.assignment().to_vec(),
                outcome: outcome.clone(),
                shapes: part_shapes,
            });
            progress(samples.len());
        }
    }
    let skipped_elections = evaluator
        .skipped()
        .iter()
        .map(|(y, note)| SkippedElection { year: y.year(), reason: note.clone() })
        .collect();
    Ok(SplitRun {
        skipped_elections,
        state: ds.states[st].name.clone(),
        state_abbr: ds.states[st].abbr.clone(),
        parts: spec.parts,
        tolerance: spec.tolerance,
        house_size,
        county_fips,
        invariants_checked: samples.len(),
        samples,
        counters,
    })
}

/// A named proposal scored like the samples.
#[derive(Clone, Debug, Serialize)]
pub struct ProposalResult {
    pub id: String,
    pub title: String,
    /// Names of the parts, in part-index order.
    pub part_names: Vec<String>,
    pub assignment: Vec<u32>,
    pub outcome: SplitOutcome,
    pub shapes: Option<PartShapes>,
    /// Largest |part population − ideal| / ideal.
    pub max_deviation: f64,
    pub within_tolerance: bool,
    /// Parts that are not connected on the county graph.
    pub non_contiguous_parts: Vec<String>,
}

/// Built-in presets that split `state` into exactly `parts` states (and change nothing else).
pub fn matching_presets(ds: &Dataset, state: &str, parts: usize) -> Vec<&'static str> {
    let Some(st) = ds.state_by_name(state) else { return Vec::new() };
    let mut out = Vec::new();
    for p in redraw_core::scenario::presets() {
        let Ok(r) = p.resolve(ds, &Default::default()) else { continue };
        let counties = &ds.states[st].counties;
        let mut names: Vec<&str> =
            counties.iter().map(|&c| r.states[r.county_state[c as usize] as usize].name.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        // Every resulting state that holds one of these counties must hold only these counties.
        let only_this_state = r
            .states
            .iter()
            .filter(|s| names.contains(&s.name.as_str()))
            .all(|s| s.counties.iter().all(|c| ds.counties[*c as usize].state == st));
        if names.len() == parts && only_this_state && r.seceded.is_empty() {
            out.push(p.id);
        }
    }
    out
}

/// Scores a preset as a split of the run's state.
pub fn evaluate_preset(ds: &Dataset, run: &SplitRun, id: &str) -> Result<ProposalResult, SplitError> {
    let preset = redraw_core::scenario::preset(id)
        .ok_or_else(|| SplitError::Input(format!("unknown preset {id:?}")))?;
    let resolved = preset.resolve(ds, &Default::default())?;
    let title = preset.scenario().title.clone().unwrap_or_else(|| id.to_string());
    evaluate_resolved(ds, run, id, &title, &resolved)
}

/// Scores any resolved scenario (a preset, a file, the map being drawn in the web app) as a
/// split of the run's state: the resulting states of the state's counties are the parts.
/// `id` and `title` name it in the results.
pub fn evaluate_resolved(
    ds: &Dataset,
    run: &SplitRun,
    id: &str,
    title: &str,
    resolved: &redraw_core::ResolvedScenario,
) -> Result<ProposalResult, SplitError> {
    let mut part_names: Vec<String> = Vec::new();
    let mut assignment = Vec::with_capacity(run.county_fips.len());
    for fips in &run.county_fips {
        let name = resolved
            .county_state(ds, fips)
            .map(|s| s.name.clone())
            .ok_or_else(|| SplitError::Input(format!("county {fips} missing from {id}")))?;
        let idx = part_names.iter().position(|n| *n == name).unwrap_or_else(|| {
            part_names.push(name);
            part_names.len() - 1
        });
        assignment.push(idx as u32);
    }
    if part_names.len() != run.parts {
        return Err(SplitError::Input(format!(
            "{id} splits {} into {} parts, not {}",
            run.state,
            part_names.len(),
            run.parts
        )));
    }
    let mut evaluator = SplitEvaluator::new(ds, &run.state_abbr, run.parts, Default::default())?;
    let mut outcome = SplitOutcome::default();
    evaluator.evaluate(&assignment, &mut outcome)?;
    check_invariants(&outcome, run.parts, run.house_size).map_err(|message| SplitError::Invariant {
        chain: 0,
        step: 0,
        message,
    })?;
    let balance =
        redraw_metrics::plan::balance_of(outcome.part_population.iter().map(|&p| p as f64).collect());
    let (graph, _) = county_graph(ds, &run.state_abbr)?;
    let (offsets, neighbors) = graph.csr();
    let pieces = redraw_metrics::plan::district_components(offsets, neighbors, &assignment, run.parts)
        .map_err(|e| SplitError::Input(e.to_string()))?;
    let shapes = match SplitShapes::new(&run.county_fips)? {
        Some(sh) => Some(sh.measure(&assignment)?),
        None => None,
    };
    Ok(ProposalResult {
        shapes,
        id: id.to_string(),
        title: title.to_string(),
        non_contiguous_parts: pieces
            .iter()
            .zip(&part_names)
            .filter(|(p, _)| **p > 1)
            .map(|(_, n)| n.clone())
            .collect(),
        part_names,
        assignment,
        within_tolerance: balance.max_abs_deviation <= run.tolerance + 1e-12,
        max_deviation: balance.max_abs_deviation,
        outcome,
    })
}

/// One national consequence across the samples, with proposals placed in it.
#[derive(Clone, Debug, Serialize)]
pub struct SplitStatistic {
    #[serde(flatten)]
    pub judged: MetricJudgement,
    /// Where each named proposal falls.
    pub proposals: Vec<ProposalPlacement>,
}

/// A named proposal's value of one statistic and its place among the samples.
#[derive(Clone, Debug, Serialize)]
pub struct ProposalPlacement {
    pub id: String,
    pub value: f64,
    /// Mid-rank percentile among the samples (0–1).
    pub percentile: Option<f64>,
    pub verdict: String,
}

/// Convergence of one statistic across chains.
#[derive(Clone, Debug, Serialize)]
pub struct SplitDiagnostic {
    pub statistic: String,
    #[serde(flatten)]
    pub convergence: Convergence,
    pub verdict: MixingVerdict,
}

/// Distribution summary of a split run.
#[derive(Clone, Debug, Serialize)]
pub struct SplitSummary {
    pub state: String,
    pub parts: usize,
    pub tolerance: f64,
    pub samples: usize,
    pub chains: usize,
    pub invariants_checked: usize,
    pub acceptance: f64,
    pub statistics: Vec<SplitStatistic>,
    pub proposals: Vec<ProposalResult>,
    pub diagnostics: Vec<SplitDiagnostic>,
    pub skipped_elections: Vec<SkippedElection>,
}

type SplitExtract = Box<dyn Fn(&SplitOutcome, Option<&PartShapes>) -> f64>;

/// The statistics reported for every sample: (key, label, direction, extractor).
fn statistics(run: &SplitRun) -> Vec<(String, String, Direction, SplitExtract)> {
    let mut out: Vec<(String, String, Direction, SplitExtract)> = Vec::new();
    let years: Vec<u16> =
        run.samples.first().map(|s| s.outcome.elections.iter().map(|e| e.year).collect()).unwrap_or_default();
    for (i, y) in years.iter().enumerate() {
        out.push((
            format!("ev_dem_{y}"),
            format!("Democratic electoral votes, {y}"),
            Direction::ProDemocratic,
            Box::new(move |o, _| o.elections[i].electoral_votes_dem as f64),
        ));
        out.push((
            format!("senate_dem_{y}"),
            format!("Democratic Senate seats implied by {y} presidential winners"),
            Direction::ProDemocratic,
            Box::new(move |o, _| o.elections[i].senate_dem as f64),
        ));
        out.push((
            format!("parts_dem_{y}"),
            format!("New states carried by the Democrat, {y}"),
            Direction::ProDemocratic,
            Box::new(move |o, _| {
                o.elections[i]
                    .part_winner
                    .iter()
                    .filter(|w| matches!(w, Some(redraw_core::evaluate::Party::Dem)))
                    .count() as f64
            }),
        ));
    }
    out.push((
        "parts_house_seats".into(),
        "House seats of the new states (2020 census)".into(),
        Direction::Unsigned,
        Box::new(|o, _| o.part_house_seats.iter().sum::<u32>() as f64),
    ));
    out.push((
        "parts_electoral_votes".into(),
        "Electoral votes of the new states".into(),
        Direction::Unsigned,
        Box::new(|o, _| o.part_electoral_votes.iter().sum::<u32>() as f64),
    ));
    out.push((
        "max_part_deviation".into(),
        "Largest population deviation of a new state".into(),
        Direction::Unsigned,
        Box::new(|o, _| {
            redraw_metrics::plan::balance_of(o.part_population.iter().map(|&p| p as f64).collect())
                .max_abs_deviation
        }),
    ));
    if run.samples.first().is_some_and(|s| s.shapes.is_some()) {
        let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
        out.push((
            "mean_polsby_popper".into(),
            "Mean Polsby-Popper of the new states".into(),
            Direction::Unsigned,
            Box::new(move |_, sh| sh.map_or(f64::NAN, |sh| mean(&sh.polsby_popper))),
        ));
        out.push((
            "min_polsby_popper".into(),
            "Least compact new state (Polsby-Popper)".into(),
            Direction::Unsigned,
            Box::new(|_, sh| {
                sh.map_or(f64::NAN, |sh| sh.polsby_popper.iter().copied().fold(f64::INFINITY, f64::min))
            }),
        ));
        out.push((
            "mean_reock".into(),
            "Mean Reock of the new states".into(),
            Direction::Unsigned,
            Box::new(move |_, sh| sh.map_or(f64::NAN, |sh| mean(&sh.reock))),
        ));
    }
    out
}

/// The value of every reported statistic for every sample, in sample order: `(key, values)`,
/// for plots (the summary keeps only the distribution).
pub fn statistic_values(run: &SplitRun) -> Vec<(String, Vec<f64>)> {
    statistics(run)
        .into_iter()
        .map(|(key, _, _, f)| (key, run.samples.iter().map(|s| f(&s.outcome, s.shapes.as_ref())).collect()))
        .collect()
}

/// Summarises a run and places the proposals.
pub fn summarise(run: &SplitRun, proposals: Vec<ProposalResult>) -> SplitSummary {
    let chains: Vec<u32> = {
        let mut c: Vec<u32> = run.samples.iter().map(|s| s.chain).collect();
        c.dedup();
        c
    };
    let mut stats = Vec::new();
    let mut diagnostics = Vec::new();
    for (key, label, dir, f) in statistics(run) {
        let values: Vec<f64> = run.samples.iter().map(|s| f(&s.outcome, s.shapes.as_ref())).collect();
        let judged = judge_metric(&key, &label, None, dir, f64::NAN, &values);
        let mut sorted: Vec<f64> = values.clone();
        sorted.sort_by(f64::total_cmp);
        let placed = proposals
            .iter()
            .map(|p| {
                let v = f(&p.outcome, p.shapes.as_ref());
                let pl = redraw_metrics::stats::placement(&sorted, v);
                // Electoral outcomes are partisan; sizes, deviations and shapes are not.
                let kind = if dir == Direction::ProDemocratic {
                    crate::judge::MetricKind::Partisan
                } else {
                    crate::judge::MetricKind::Structural
                };
                ProposalPlacement {
                    id: p.id.clone(),
                    value: v,
                    percentile: Some(pl.percentile),
                    verdict: crate::judge::verdict_text(&key, &label, kind, &pl),
                }
            })
            .collect();
        if key.starts_with("ev_dem_") || key == "max_part_deviation" {
            let per_chain: Vec<Vec<f64>> = chains
                .iter()
                .map(|&c| {
                    run.samples.iter().zip(&values).filter(|(s, _)| s.chain == c).map(|(_, v)| *v).collect()
                })
                .collect();
            if let Ok(conv) = convergence(&per_chain) {
                diagnostics.push(SplitDiagnostic {
                    statistic: label.clone(),
                    verdict: conv.verdict(),
                    convergence: conv,
                });
            }
        }
        stats.push(SplitStatistic { judged, proposals: placed });
    }
    SplitSummary {
        state: run.state.clone(),
        parts: run.parts,
        tolerance: run.tolerance,
        samples: run.samples.len(),
        chains: chains.len(),
        invariants_checked: run.invariants_checked,
        acceptance: run.counters.accepted as f64 / run.counters.steps.max(1) as f64,
        statistics: stats,
        proposals,
        diagnostics,
        skipped_elections: run.skipped_elections.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(parts: usize, samples: usize) -> SplitSpec {
        SplitSpec {
            state: "CA".into(),
            parts,
            tolerance: 0.25,
            samples_per_chain: samples,
            chains: 2,
            seed: 1,
            thin: 3,
            burn_in: 0,
        }
    }

    #[test]
    fn california_county_graph() {
        let ds = Dataset::embedded();
        let (g, fips) = county_graph(ds, "CA").unwrap();
        assert_eq!(g.node_count(), 58, "California has 58 counties");
        assert_eq!(fips[18], "06037", "Los Angeles");
        let pop: i64 = g.column_f64("TOTAL_POP").unwrap().iter().map(|&x| x as i64).sum();
        assert_eq!(pop, 39_538_223, "California's 2020 census population");
        assert_eq!(g.components().len(), 1, "connected");
    }

    #[test]
    fn every_sample_satisfies_the_invariants_and_the_tolerance() {
        let ds = Dataset::embedded();
        let run = draw_splits(ds, &spec(3, 150), |_| {}).unwrap();
        assert_eq!(run.samples.len(), 300);
        assert_eq!(run.invariants_checked, 300);
        for s in &run.samples {
            let o = &s.outcome;
            // Re-check independently of the sampler: populations add up to California's, each
            // part is within ±25 %, and the identities hold.
            assert_eq!(o.part_population.iter().sum::<u64>(), 39_538_223);
            let b = redraw_metrics::plan::balance_of(o.part_population.iter().map(|&p| p as f64).collect());
            assert!(b.max_abs_deviation <= 0.25 + 1e-9, "{b:?}");
            check_invariants(o, 3, 435).unwrap();
            assert_eq!(o.senators, 2 * 52);
            for e in &o.elections {
                assert_eq!(e.electoral_votes_dem + e.electoral_votes_rep, 435 + 104 + 3);
            }
        }
        assert!(run.counters.accepted > 0);
    }

    #[test]
    fn house_totals_match_the_full_national_model() {
        // The fast evaluator's House seats agree with a full evaluation of the same split
        // written as a scenario, whose states' House seats add up to 435.
        let ds = Dataset::embedded();
        let run = draw_splits(ds, &spec(3, 5), |_| {}).unwrap();
        for s in run.samples.iter().take(4) {
            let mut toml = String::from("name = \"sample\"\n[[split]]\nstate = \"CA\"\n");
            for p in 0..3u32 {
                let list: Vec<String> = run
                    .county_fips
                    .iter()
                    .zip(&s.assignment)
                    .filter(|(_, &a)| a == p)
                    .map(|(f, _)| format!("\"{f}\""))
                    .collect();
                toml.push_str(&format!(
                    "[[split.part]]\nname = \"Part {p}\"\nabbr = \"P{p}\"\ncounties = [{}]\n",
                    list.join(", ")
                ));
            }
            let sc = redraw_core::Scenario::from_toml(&toml, "sample").unwrap();
            let resolved = sc.resolve(ds, &Default::default(), None).unwrap();
            let report = redraw_core::evaluate::evaluate(ds, &resolved, &Default::default()).unwrap();
            let house: u32 = report.states.iter().filter(|st| st.in_union).map(|st| st.house_seats).sum();
            assert_eq!(house, 435);
            assert_eq!(report.senators, s.outcome.senators);
            for p in 0..3 {
                let name = format!("Part {p}");
                let st = report.states.iter().find(|st| st.name == name).unwrap();
                assert_eq!(st.house_seats, s.outcome.part_house_seats[p], "{name}");
            }
            for (full, fast) in report.elections.iter().zip(&s.outcome.elections) {
                assert_eq!(full.electoral_votes_dem, fast.electoral_votes_dem);
                assert_eq!(full.electoral_votes_total, 435 + report.senators + 3);
            }
        }
    }

    #[test]
    fn cal3_and_six_californias_are_placed() {
        let ds = Dataset::embedded();
        assert_eq!(matching_presets(ds, "CA", 3), vec!["cal-3"]);
        assert!(matching_presets(ds, "CA", 6).contains(&"six-californias"));
        let run = draw_splits(ds, &spec(3, 40), |_| {}).unwrap();
        let cal3 = evaluate_preset(ds, &run, "cal-3").unwrap();
        assert_eq!(cal3.part_names.len(), 3);
        assert_eq!(cal3.outcome.part_population.iter().sum::<u64>(), 39_538_223);
        assert!(cal3.within_tolerance, "Cal 3's parts are within ±25 %: {}", cal3.max_deviation);
        assert!(cal3.non_contiguous_parts.is_empty());
        let sh = cal3.shapes.as_ref().expect("California's counties all have polygons");
        assert_eq!(sh.polsby_popper.len(), 3);
        assert!(sh.polsby_popper.iter().chain(&sh.reock).all(|&x| x > 0.0 && x < 1.0), "{sh:?}");
        assert!(run.samples.iter().all(|s| s.shapes.as_ref().is_some_and(|p| p.reock.len() == 3)));
        let summary = summarise(&run, vec![cal3]);
        assert_eq!(summary.samples, 80);
        let ev = summary.statistics.iter().find(|s| s.judged.metric == "ev_dem_2020").unwrap();
        assert_eq!(ev.proposals.len(), 1);
        assert!(ev.proposals[0].percentile.is_some());
        // Los Angeles County alone (10,014,009) exceeds 1.5 × the sixth of California
        // (6,589,704): whole-county splits into six need a tolerance above 52 %.
        let err = draw_splits(ds, &SplitSpec { parts: 6, tolerance: 0.5, ..spec(6, 5) }, |_| {}).unwrap_err();
        assert!(err.to_string().contains("06037"), "{err}");
        // Six Californias is far outside even ±60 % (Jefferson vs Silicon Valley): reported,
        // not repaired.
        let run6 = draw_splits(ds, &SplitSpec { parts: 6, tolerance: 0.6, ..spec(6, 5) }, |_| {}).unwrap();
        let six = evaluate_preset(ds, &run6, "six-californias").unwrap();
        assert!(!six.within_tolerance, "{}", six.max_deviation);
    }

    #[test]
    fn a_cancelled_run_stops_at_once_and_progress_counts_up() {
        let ds = Dataset::embedded();
        // Set before the start: nothing is drawn.
        let flag = AtomicBool::new(true);
        let err = draw_splits_cancellable(ds, &spec(3, 100), &flag, |_| {}).unwrap_err();
        assert!(matches!(err, SplitError::Cancelled { samples: 0 }), "{err}");
        // Set from the progress callback after the 7th sample: the run stops there.
        let flag = AtomicBool::new(false);
        let mut seen = Vec::new();
        let err = draw_splits_cancellable(ds, &spec(3, 100), &flag, |n| {
            seen.push(n);
            if n == 7 {
                flag.store(true, Ordering::Relaxed);
            }
        })
        .unwrap_err();
        assert!(matches!(err, SplitError::Cancelled { samples: 7 }), "{err}");
        assert_eq!(seen, (1..=7).collect::<Vec<_>>());
        // Never set: the same run as draw_splits, progress up to the total.
        let flag = AtomicBool::new(false);
        let mut last = 0;
        let a = draw_splits_cancellable(ds, &spec(3, 20), &flag, |n| last = n).unwrap();
        let b = draw_splits(ds, &spec(3, 20), |_| {}).unwrap();
        assert_eq!(last, 40);
        assert_eq!(
            a.samples.iter().map(|s| &s.assignment).collect::<Vec<_>>(),
            b.samples.iter().map(|s| &s.assignment).collect::<Vec<_>>()
        );
    }

    #[test]
    fn a_resolved_scenario_is_scored_like_its_preset() {
        let ds = Dataset::embedded();
        let run = draw_splits(ds, &spec(3, 5), |_| {}).unwrap();
        let preset = evaluate_preset(ds, &run, "cal-3").unwrap();
        let resolved =
            redraw_core::scenario::preset("cal-3").unwrap().resolve(ds, &Default::default()).unwrap();
        let mine = evaluate_resolved(ds, &run, "mine", "My map", &resolved).unwrap();
        assert_eq!(mine.outcome.part_population, preset.outcome.part_population);
        assert_eq!(mine.assignment, preset.assignment);
        assert_eq!((mine.id.as_str(), mine.title.as_str()), ("mine", "My map"));
        // Six Californias is not a split into 3.
        let six = redraw_core::scenario::preset("six-californias")
            .unwrap()
            .resolve(ds, &Default::default())
            .unwrap();
        let err = evaluate_resolved(ds, &run, "six", "Six", &six).unwrap_err();
        assert!(err.to_string().contains("into 6 parts, not 3"), "{err}");
    }

    #[test]
    fn bad_requests_are_errors() {
        let ds = Dataset::embedded();
        assert!(draw_splits(ds, &SplitSpec { state: "ZZ".into(), ..spec(3, 1) }, |_| {}).is_err());
        assert!(draw_splits(ds, &spec(1, 1), |_| {}).is_err());
        assert!(draw_splits(ds, &SplitSpec { tolerance: 0.0, ..spec(3, 1) }, |_| {}).is_err());
    }
}
