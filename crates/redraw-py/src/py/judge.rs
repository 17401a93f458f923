//! `Run.judge(plan)`: the CLI's `redraw judge` on a run directory and an in-memory graph and
//! plan, returning the `Judgement` JSON (`redraw judge --format json`). The defaults follow the
//! CLI: elections from the manifest, counties from the first `county_prefix` characters of the
//! key column.

use std::path::PathBuf;

use pyo3::prelude::*;
use redraw_graph::Plan;
use redraw_judge::request::{CountyChoice, Options, Request};
use redraw_judge::EnsembleStats;

use super::graph::PyGraph;
use super::{err, err_msg};

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(judge_json, m)?)?;
    Ok(())
}

/// Judges the plan with district label `labels[i]` for node `i` against the complete run in
/// `run_dir`, drawn on `graph`.
#[pyfunction]
#[pyo3(signature = (run_dir, graph, labels, elections=Vec::new(), pop=None, county=None, county_prefix=5, plan_name=String::new(), burn_in=0, thin=1, election_labels=Vec::new()))]
#[allow(clippy::too_many_arguments)]
fn judge_json(
    py: Python<'_>,
    run_dir: PathBuf,
    graph: &PyGraph,
    labels: Vec<String>,
    elections: Vec<(String, String, String)>,
    pop: Option<String>,
    county: Option<String>,
    county_prefix: usize,
    plan_name: String,
    burn_in: u64,
    thin: u64,
    election_labels: Vec<(String, String)>,
) -> PyResult<String> {
    let g = graph.graph.clone();
    let key = graph.key.clone();
    py.detach(move || {
        // The checks `redraw judge` applies: the manifest against itself, the rows of
        // stats.csv against the manifest.
        let manifest = redraw_ensemble::verify::open_complete(&run_dir).map_err(|e| {
            err_msg(format!("{} is not an ensemble run directory ready to judge: {e}", run_dir.display()))
        })?;
        let stats_path = run_dir.join(&manifest.files.stats);
        let f = std::fs::File::open(&stats_path).map_err(|e| {
            err_msg(format!("cannot open the ensemble's statistics {}: {e}", stats_path.display()))
        })?;
        let stats = EnsembleStats::from_csv(std::io::BufReader::new(f), &stats_path.display().to_string())
            .map_err(err)?;
        manifest
            .check_rows(stats.chain.iter().copied().zip(stats.step.iter().copied()))
            .map_err(|msg| err_msg(format!("{}: {msg}", stats_path.display())))?;
        if labels.len() != g.node_count() {
            return Err(err_msg(format!(
                "the plan has {} entries but the graph has {} nodes",
                labels.len(),
                g.node_count()
            )));
        }
        let plan = Plan::from_labels(&labels);
        // The same glue as `redraw judge` (redraw_judge::evaluate): the same columns, counties,
        // minority VAP, definitions; no polygons and no invocation (the CLI's provenance names
        // its command line and files).
        let options = Options {
            pop,
            key,
            elections,
            election_labels,
            burn_in,
            thin: thin.max(1),
            county: match (county, county_prefix) {
                (Some(c), _) => CountyChoice::Column(c),
                (None, 0) => CountyChoice::None,
                (None, n) => CountyChoice::Prefix(n),
            },
            ..Options::default()
        };
        let evaluation = redraw_judge::evaluate(Request {
            graph: &g,
            plan: &plan,
            plan_name,
            manifest: &manifest,
            stats: &stats,
            options: &options,
            shapes: None,
            shapes_missing: None,
            assignments: None,
            invocation: None,
        })
        .map_err(err)?;
        let judgement = evaluation.judgement;
        // The document `redraw judge --format json` prints: the Judgement with the CLI's
        // `schema_version` (redraw-cli `output::json_document`, SCHEMA_VERSION 1).
        let mut doc = serde_json::to_value(&judgement).map_err(err)?;
        if let Some(o) = doc.as_object_mut() {
            o.entry("schema_version").or_insert(serde_json::json!(1));
        }
        Ok(doc.to_string())
    })
}
