//! A judgement from loaded inputs: the glue every front end shares (`redraw judge`, Python's
//! `Run.judge`, the web app), so they give the same document for the same inputs. The caller
//! reads the files (graph, plan, the run's manifest and stats.csv, optionally polygons and the
//! run's assignments as a stream) and hashes them for the provenance; [`evaluate`] chooses the
//! columns (population, elections, counties, voting-age population), applies the burn-in and
//! thinning, matches the polygons to the graph's units, measures compactness for the plan and
//! across the ensemble, judges, and draws the plan's map.
//!
//! No file I/O here: the assignments arrive through [`AssignmentSource`], which the caller
//! implements over a file (see `impl AssignmentSource for redraw_ensemble::AssignmentReader`).

use std::collections::{HashMap, HashSet};

use redraw_ensemble::{AssignmentReader, Manifest};
use redraw_geo::adjacency::{build_adjacency, AdjacencyOptions};
use redraw_geo::measure::{cut_length_m, PolsbyPopperIndex, ShapeIndex};
use redraw_geo::Layer;
use redraw_graph::{Counties, Graph, Plan};

use crate::ensemble::EnsembleStats;
use crate::judge::{
    judge_with, DistrictCompactness, EnsembleInfo, Extras, Judgement, PlanInput, ShapeInput, UnitVotes,
    VapGroupInput, VapInput,
};
use crate::provenance::{check_inputs, run_provenance, InputFile, Provenance};
use crate::JudgeError;

/// Population columns tried when neither the option nor the run names one.
pub const POPULATION_COLUMNS: [&str; 5] = ["TOTAL_POP", "TOTPOP", "tot_pop_20", "POP100", "POP"];

/// Where counties come from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CountyChoice {
    /// A node attribute column.
    Column(String),
    /// The first N characters of the unit id (5 = state + county FIPS).
    Prefix(usize),
    None,
}

/// Which voting-age population columns to use.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub enum VapChoice {
    /// The rdabase names when the graph has them: TOTAL_VAP with BLACK_VAP, HISPANIC_VAP,
    /// ASIAN_VAP, NATIVE_VAP and MINORITY_VAP (whichever exist).
    #[default]
    Auto,
    /// No representation section.
    None,
    /// The total column and `(key, label, column)` per group.
    Columns { total: String, groups: Vec<(String, String, String)> },
}

/// The rdabase voting-age population groups: key, label, column.
pub const RDABASE_VAP: [(&str, &str, &str); 5] = [
    ("black", "Black", "BLACK_VAP"),
    ("hispanic", "Hispanic", "HISPANIC_VAP"),
    ("asian", "Asian", "ASIAN_VAP"),
    ("native", "Native American", "NATIVE_VAP"),
    ("minority", "all minority", "MINORITY_VAP"),
];

/// The user's choices.
#[derive(Clone, Debug)]
pub struct Options {
    /// Population column (default: the run's, else the first of [`POPULATION_COLUMNS`]).
    pub pop: Option<String>,
    /// Unit-id column of the graph (plan ids, county prefixes, shape matching).
    pub key: String,
    /// `(name, dem column, rep column)`; elections of the run not listed use the run's columns.
    pub elections: Vec<(String, String, String)>,
    /// `(name, what the election is)`, e.g. `("COMP", "DRA's 2016–2020 composite of six
    /// statewide races")`: said wherever the election is reported.
    pub election_labels: Vec<(String, String)>,
    pub county: CountyChoice,
    pub burn_in: u64,
    pub thin: u64,
    pub vap: VapChoice,
    /// The attribute of the polygons holding the unit id (default: `GEOID`, else `id`).
    pub shapes_id: Option<String>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            pop: None,
            key: "GEOID".into(),
            elections: Vec::new(),
            election_labels: Vec::new(),
            county: CountyChoice::Prefix(5),
            burn_in: 0,
            thin: 1,
            vap: VapChoice::Auto,
            shapes_id: None,
        }
    }
}

/// A stream of the run's recorded plans (`assignments.bin`).
pub trait AssignmentSource {
    /// Units per plan.
    fn node_count(&self) -> usize;
    /// The next plan into `buf`: `Some((chain, step))`, or `None` at the end.
    fn next_plan(&mut self, buf: &mut Vec<u32>) -> Result<Option<(u32, u64)>, String>;
}

impl<R: std::io::Read> AssignmentSource for AssignmentReader<R> {
    fn node_count(&self) -> usize {
        self.header().node_count as usize
    }
    fn next_plan(&mut self, buf: &mut Vec<u32>) -> Result<Option<(u32, u64)>, String> {
        self.next_into(buf).map_err(|e| e.to_string())
    }
}

/// What the front end knows about how it was called, for the provenance.
#[derive(Clone, Debug, Default)]
pub struct Invocation {
    pub command_line: Vec<String>,
    pub generated_utc: String,
    /// Every file read, with its SHA-256.
    pub inputs: Vec<InputFile>,
}

/// Everything [`evaluate`] needs.
pub struct Request<'a> {
    pub graph: &'a Graph,
    pub plan: &'a Plan,
    /// The plan's name for titles (its file name).
    pub plan_name: String,
    pub manifest: &'a Manifest,
    /// The run's stats.csv, as read (before any burn-in or thinning).
    pub stats: &'a EnsembleStats,
    pub options: &'a Options,
    /// Polygons of the graph's units, and the file they came from.
    pub shapes: Option<(&'a Layer, String)>,
    /// Why there are no polygons (the front end looked and found none).
    pub shapes_missing: Option<String>,
    /// The run's recorded plans, for compactness across the ensemble.
    pub assignments: Option<&'a mut dyn AssignmentSource>,
    pub invocation: Option<Invocation>,
}

/// A judgement and the figure that needs the polygons.
pub struct Evaluation {
    pub judgement: Judgement,
    /// The plan's map (SVG), when polygons were given.
    pub plan_map: Option<String>,
}

/// What the manifest says about how the ensemble was drawn: [`EnsembleInfo::from_manifest`]
/// (the reading the server shares; SMC runs), with a fuller description of Markov chains.
pub fn ensemble_info(m: &Manifest) -> EnsembleInfo {
    let shared = EnsembleInfo::from_manifest(&serde_json::to_value(m).unwrap_or_default());
    if m.sampler == redraw_ensemble::run::Sampler::Smc {
        return shared;
    }
    let t = m.totals();
    // Every outcome other than acceptance leaves the plan unchanged (a self-loop).
    let step_rates = (t.steps > 0)
        .then(|| redraw_metrics::StepRates::from_counts(t.steps, t.accepted, t.steps - t.accepted));
    let description = Some(format!(
        "{}, {} chains of {} steps, seed {}, population tolerance ±{:.2}%",
        m.params.proposal.kind.name(),
        m.params.chains,
        crate::report::thousands(m.params.steps as f64),
        m.params.seed,
        100.0 * m.tolerance
    ));
    EnsembleInfo { tolerance: Some(m.tolerance), step_rates, description, ..shared }
}

/// The total VAP column and the groups `(key, label, column)`.
type VapColumns = (String, Vec<(String, String, String)>);

/// Judges the request's plan against its run (see the module docs).
pub fn evaluate(req: Request) -> Result<Evaluation, JudgeError> {
    let g = req.graph;
    let o = req.options;
    let m = req.manifest;
    if m.node_count != g.node_count() {
        return Err(JudgeError::Input(format!(
            "the graph has {} units but the ensemble was drawn on a graph of {}: pass the ensemble's graph",
            g.node_count(),
            m.node_count
        )));
    }
    if let Some(k) = req.stats.districts() {
        if req.plan.district_count() != k {
            return Err(JudgeError::Input(format!(
                "the plan {} has {} districts but the ensemble has {k}: judge a plan against an ensemble drawn \
                 for the same number of districts",
                req.plan_name,
                req.plan.district_count()
            )));
        }
    }
    let (stats, selection, _) = req.stats.select(o.burn_in, o.thin)?;

    // Population.
    let pop_col = match &o.pop {
        Some(p) => p.clone(),
        None => m
            .population_column()
            .map(str::to_string)
            .or_else(|| POPULATION_COLUMNS.iter().find(|c| g.column(c).is_ok()).map(|c| c.to_string()))
            .ok_or_else(|| JudgeError::Input("no population column found; pass --pop COL".into()))?,
    };
    let population = g
        .column_f64(&pop_col)
        .map_err(|e| JudgeError::Input(format!("population column {pop_col:?}: {e}")))?;

    // Elections: the options override the run's columns.
    let mut columns: Vec<(String, String, String)> = o.elections.clone();
    for e in &m.elections {
        if !columns.iter().any(|c| c.0 == e.name) {
            columns.push((e.name.clone(), e.dem_column.clone(), e.rep_column.clone()));
        }
    }
    let mut vote_data = Vec::new();
    for (name, d, r) in &columns {
        if !stats.elections.iter().any(|e| &e.name == name) {
            return Err(JudgeError::Input(format!(
                "election {name:?} is not recorded in the run's stats.csv (it records: {})",
                stats.elections.iter().map(|e| e.name.as_str()).collect::<Vec<_>>().join(", ")
            )));
        }
        let dem = g
            .column_f64(d)
            .map_err(|e| JudgeError::Input(format!("election {name}: Democratic column {d:?}: {e}")))?;
        let rep = g
            .column_f64(r)
            .map_err(|e| JudgeError::Input(format!("election {name}: Republican column {r:?}: {e}")))?;
        vote_data.push((name.clone(), dem, rep));
    }

    // Counties, with names when they are county FIPS codes.
    let key_col = g.column(&o.key).is_ok().then_some(o.key.as_str());
    let (counties, county_names) = match &o.county {
        CountyChoice::Column(c) => {
            let cs = Counties::from_column(g, c)
                .map_err(|e| JudgeError::Input(format!("county column {c:?}: {e}")))?;
            let names = cs.names.clone();
            (Some(cs), Some(names))
        }
        CountyChoice::Prefix(n) if *n > 0 => match Counties::from_prefix(g, key_col, *n) {
            Ok(cs) => {
                let names = county_names(&cs.names);
                (Some(cs), Some(names))
            }
            Err(_) => (None, None),
        },
        _ => (None, None),
    };

    // Voting-age population.
    let vap_cols: Option<VapColumns> = match &o.vap {
        VapChoice::None => None,
        VapChoice::Columns { total, groups } => Some((total.clone(), groups.clone())),
        VapChoice::Auto => {
            let groups: Vec<(String, String, String)> = RDABASE_VAP
                .iter()
                .filter(|(_, _, c)| g.column(c).is_ok())
                .map(|(k, l, c)| (k.to_string(), l.to_string(), c.to_string()))
                .collect();
            (g.column("TOTAL_VAP").is_ok() && !groups.is_empty()).then(|| ("TOTAL_VAP".to_string(), groups))
        }
    };
    let vap_values: Option<(Vec<f64>, Vec<Vec<f64>>)> = match &vap_cols {
        Some((total, groups)) => {
            let t = g
                .column_f64(total)
                .map_err(|e| JudgeError::Input(format!("voting-age population column {total:?}: {e}")))?;
            let mut gs = Vec::new();
            for (_, _, c) in groups {
                gs.push(
                    g.column_f64(c)
                        .map_err(|e| JudgeError::Input(format!("voting-age population column {c:?}: {e}")))?,
                );
            }
            Some((t, gs))
        }
        None => None,
    };

    // Polygons: matched to the graph's units by id, compactness for the plan and the ensemble.
    let mut shapes_missing = req.shapes_missing.clone();
    let mut plan_map = None;
    let shape_input = match &req.shapes {
        Some((layer, source)) => {
            let ordered = order_layer(layer, g, key_col, o.shapes_id.as_deref(), source)?;
            let adj = build_adjacency(&ordered, &AdjacencyOptions::default());
            let index = ShapeIndex::new(&ordered);
            let k = req.plan.district_count();
            let shapes = index
                .district_shapes(&adj, req.plan.assignment())
                .map_err(|e| JudgeError::Input(format!("{source}: {e}")))?;
            let districts = DistrictCompactness::per_district(&shapes, k);
            let cut_length_km = cut_length_m(&adj, req.plan.assignment()) / 1e3;
            let (mean_pp, min_pp, note) = match req.assignments {
                Some(src) => {
                    let fast = PolsbyPopperIndex::new(index.areas_m2(), &adj).map_err(|e| JudgeError::Input(e.to_string()))?;
                    let (a, b, found) = ensemble_compactness(src, &stats, &fast, k)?;
                    // A run recording plans less often than stats rows (`--record thinned`):
                    // the compactness distribution is that of the recorded plans.
                    let note = (found < stats.samples()).then(|| {
                        format!(
                            "The ensemble's Polsby-Popper scores come from the {found} recorded plans among its {} \
                             judged samples (the run recorded plans less often than statistics).",
                            stats.samples()
                        )
                    });
                    (a, b, note)
                }
                None => (
                    Vec::new(),
                    Vec::new(),
                    Some(
                        "The run's assignments were not read, so the ensemble's Polsby-Popper scores are not compared \
                         (a stats-only run records none)."
                            .to_string(),
                    ),
                ),
            };
            plan_map = Some(crate::plan_map::render(&crate::plan_map::PlanMap {
                layer: &ordered,
                plan: req.plan,
                votes: vote_data.first().map(|(n, d, r)| (n.as_str(), d.as_slice(), r.as_slice())),
                counties: counties.as_ref().map(|c| c.of_node.as_slice()),
                population: &population,
                shapes: &districts,
                title: format!("Plan {}", req.plan_name),
                source: std::path::Path::new(source.as_str())
                    .file_name()
                    .map_or(source.clone(), |f| f.to_string_lossy().into_owned()),
                district_legend: false,
            }));
            shapes_missing = None;
            Some(ShapeInput {
                districts,
                cut_length_km,
                source: format!("{source} ({} units matched to the graph)", ordered.features.len()),
                ensemble_mean_pp: mean_pp,
                ensemble_min_pp: min_pp,
                ensemble_note: note,
            })
        }
        None => None,
    };

    let (offsets, neighbors) = g.csr();
    let input = PlanInput {
        offsets,
        neighbors,
        assignment: req.plan.assignment(),
        district_labels: req.plan.district_labels(),
        population: &population,
        counties: counties.as_ref().map(|c| c.of_node.as_slice()),
        elections: vote_data.iter().map(|(n, d, r)| UnitVotes { name: n.clone(), dem: d, rep: r }).collect(),
    };
    let vap = match (&vap_cols, &vap_values) {
        (Some((total, groups)), Some((t, gs))) => Some(VapInput {
            total_column: total.clone(),
            total: t,
            groups: groups
                .iter()
                .zip(gs)
                .map(|((k, l, c), v)| VapGroupInput {
                    key: k.clone(),
                    label: l.clone(),
                    column: c.clone(),
                    values: v,
                })
                .collect(),
        }),
        _ => None,
    };
    let extras = Extras {
        vap,
        shapes: shape_input,
        county_names,
        weights: None,
        selection: Some(selection),
        plan_name: Some(req.plan_name.clone()),
        shapes_missing: shapes_missing.take(),
    };
    let mut judgement = judge_with(&input, &stats, &ensemble_info(m), &extras)?;
    for (name, _) in &o.election_labels {
        if !judgement.elections.iter().any(|e| &e.name == name) {
            return Err(JudgeError::Input(format!(
                "election label for {name:?}: the run records no such election (it records: {})",
                judgement.elections.iter().map(|e| e.name.as_str()).collect::<Vec<_>>().join(", ")
            )));
        }
    }
    for e in &mut judgement.elections {
        let columns = columns.iter().find(|c| c.0 == e.name).map(|(_, d, r)| (d.as_str(), r.as_str()));
        e.description = match (o.election_labels.iter().find(|l| l.0 == e.name), columns) {
            (Some((_, label)), Some((d, r))) => Some(format!("{label} (graph columns {d} and {r})")),
            (Some((_, label)), None) => Some(label.clone()),
            (None, Some((d, r))) => Some(format!(
                "the Democratic and Republican votes of the graph's columns {d} and {r} (no --election-label says \
                 which races they are)"
            )),
            (None, None) => None,
        };
    }
    if let Some(inv) = req.invocation {
        let (checks, differs) = check_inputs(m, &inv.inputs);
        if differs {
            judgement.notes.push(
                "An input file differs from the one the ensemble was drawn on (see the provenance checks): the \
                 comparison may not be like for like."
                    .into(),
            );
        }
        judgement.provenance = Some(Provenance {
            redraw_version: env!("CARGO_PKG_VERSION").to_string(),
            command_line: inv.command_line,
            generated_utc: inv.generated_utc,
            inputs: inv.inputs,
            run: run_provenance(m),
            checks,
        });
    }
    Ok(Evaluation { judgement, plan_map })
}

/// County names for 5-character FIPS prefixes ("Wake County"), else the prefixes themselves.
fn county_names(prefixes: &[String]) -> Vec<String> {
    let ds = redraw_core::Dataset::embedded();
    prefixes
        .iter()
        .map(|p| match ds.county_by_fips(p) {
            Some(c) => ds.counties[c as usize].name.clone(),
            None => p.clone(),
        })
        .collect()
}

/// The polygons in the graph's node order (a copy), or an error naming real example ids from
/// both sides when they do not match.
fn order_layer(
    layer: &Layer,
    g: &Graph,
    key_col: Option<&str>,
    shapes_id: Option<&str>,
    source: &str,
) -> Result<Layer, JudgeError> {
    let graph_ids = redraw_graph::plan::unit_ids(g, key_col).map_err(|e| JudgeError::Input(e.to_string()))?;
    let try_keys: Vec<&str> = match shapes_id {
        Some(k) => vec![k],
        None => vec!["GEOID", "id", "GEOID20", "GEOID10"],
    };
    let mut best: Option<(usize, &str, Vec<String>)> = None;
    let mut tried = Vec::new();
    for key in &try_keys {
        let Ok(ids) = layer.ids(key) else {
            tried.push(format!("{key} (absent)"));
            continue;
        };
        let set: HashSet<&str> = ids.iter().map(String::as_str).collect();
        let hits = graph_ids.iter().filter(|id| set.contains(id.as_str())).count();
        tried.push(format!("{key} ({hits} of {} graph ids found)", graph_ids.len()));
        if best.as_ref().is_none_or(|b| hits > b.0) {
            best = Some((hits, key, ids));
        }
    }
    let example = |v: &[String]| v.iter().take(3).map(|s| format!("{s:?}")).collect::<Vec<_>>().join(", ");
    let Some((hits, key, ids)) = best else {
        return Err(JudgeError::Input(format!(
            "{source}: no unit id attribute found (tried {}); name it with --shapes-id",
            tried.join(", ")
        )));
    };
    if hits < graph_ids.len() {
        let set: HashSet<&str> = ids.iter().map(String::as_str).collect();
        let missing: Vec<String> =
            graph_ids.iter().filter(|id| !set.contains(id.as_str())).take(3).cloned().collect();
        return Err(JudgeError::Input(format!(
            "{source}: the polygons do not cover the graph's units: {} of {} graph ids have no polygon (matched on \
             attribute {key}; tried {}). Graph ids look like {} (missing: {}); polygon ids look like {}. Pass the \
             polygons of the graph's units, or name the id attribute with --shapes-id",
            graph_ids.len() - hits,
            graph_ids.len(),
            tried.join(", "),
            example(&graph_ids),
            example(&missing),
            example(&ids)
        )));
    }
    let pos: HashMap<&str, usize> = ids.iter().enumerate().map(|(i, s)| (s.as_str(), i)).collect();
    if pos.len() != ids.len() {
        return Err(JudgeError::Input(format!("{source}: attribute {key} repeats an id")));
    }
    let features = graph_ids.iter().map(|id| layer.features[pos[id.as_str()]].clone()).collect();
    Ok(Layer { features, crs: layer.crs.clone(), warnings: Vec::new() })
}

/// Mean and minimum Polsby-Popper of every selected sample, in the order of `stats`' samples.
fn ensemble_compactness(
    src: &mut dyn AssignmentSource,
    stats: &EnsembleStats,
    fast: &PolsbyPopperIndex,
    k: usize,
) -> Result<(Vec<f64>, Vec<f64>, usize), JudgeError> {
    if src.node_count() != fast.units() {
        return Err(JudgeError::Input(format!(
            "the run's assignments have {} units per plan, the polygons {}",
            src.node_count(),
            fast.units()
        )));
    }
    let want: HashMap<(u32, u64), usize> =
        stats.chain.iter().zip(&stats.step).enumerate().map(|(i, (&c, &s))| ((c, s), i)).collect();
    let (mut mean, mut min) = (vec![f64::NAN; stats.samples()], vec![f64::NAN; stats.samples()]);
    let mut found = 0usize;
    let mut buf = Vec::new();
    let (mut scores, mut area, mut perim) = (vec![0.0; k], vec![0.0; k], vec![0.0; k]);
    while let Some((c, s)) =
        src.next_plan(&mut buf).map_err(|e| JudgeError::Input(format!("the run's assignments: {e}")))?
    {
        let Some(&i) = want.get(&(c, s)) else { continue };
        fast.scores_into(&buf, &mut scores, &mut area, &mut perim)
            .map_err(|e| JudgeError::Input(format!("the run's assignments, chain {c} step {s}: {e}")))?;
        mean[i] = scores.iter().sum::<f64>() / k as f64;
        min[i] = scores.iter().copied().fold(f64::INFINITY, f64::min);
        found += 1;
    }
    if found == 0 {
        return Err(JudgeError::Input(format!(
            "the run's assignments hold none of the {} plans judged from its stats.csv",
            stats.samples()
        )));
    }
    Ok((mean, min, found))
}
