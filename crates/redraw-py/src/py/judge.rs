//! `Run.judge(plan)`: the CLI's `redraw judge` on a run directory and an in-memory graph and
//! plan, returning the `Judgement` JSON (`redraw judge --format json`). The defaults follow the
//! CLI: elections from the manifest, counties from the first `county_prefix` characters of the
//! key column.

use std::path::PathBuf;

use pyo3::prelude::*;
use redraw_graph::{Counties, Plan};
use redraw_judge::{EnsembleInfo, EnsembleStats, PlanInput, UnitVotes};

use super::graph::PyGraph;
use super::{err, err_msg};

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(judge_json, m)?)?;
    Ok(())
}

/// Judges the plan with district label `labels[i]` for node `i` against the complete run in
/// `run_dir`, drawn on `graph`.
#[pyfunction]
#[pyo3(signature = (run_dir, graph, labels, elections=Vec::new(), pop=None, county=None, county_prefix=5))]
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
) -> PyResult<String> {
    let g = graph.graph.clone();
    let key = graph.key.clone();
    py.detach(move || {
        let mpath = run_dir.join("manifest.json");
        let text = std::fs::read_to_string(&mpath).map_err(|_| {
            err_msg(format!("{} is not an ensemble run directory (cannot read manifest.json)", run_dir.display()))
        })?;
        let manifest: serde_json::Value =
            serde_json::from_str(&text).map_err(|e| err_msg(format!("{}: not valid JSON: {e}", mpath.display())))?;
        if let Some(status) = manifest.get("status").and_then(|s| s.as_str()) {
            if status != "complete" {
                return Err(err_msg(format!(
                    "the ensemble run in {} is {status:?}, not complete: finish or resume it first",
                    run_dir.display()
                )));
            }
        }
        let stats_path = run_dir.join(
            manifest.get("files").and_then(|f| f.get("stats")).and_then(|s| s.as_str()).unwrap_or("stats.csv"),
        );
        let f = std::fs::File::open(&stats_path)
            .map_err(|e| err_msg(format!("cannot open the ensemble's statistics {}: {e}", stats_path.display())))?;
        let stats = EnsembleStats::from_csv(std::io::BufReader::new(f), &stats_path.display().to_string()).map_err(err)?;
        if labels.len() != g.node_count() {
            return Err(err_msg(format!(
                "the plan has {} entries but the graph has {} nodes",
                labels.len(),
                g.node_count()
            )));
        }
        let plan = Plan::from_labels(&labels);
        if let Some(k) = stats.districts() {
            if plan.district_count() != k {
                return Err(err_msg(format!(
                    "the plan has {} districts but the ensemble in {} has {k}: judge a plan against an ensemble \
                     drawn for the same number of districts",
                    plan.district_count(),
                    run_dir.display()
                )));
            }
        }
        if let Some(n) = manifest.get("node_count").and_then(|v| v.as_u64()) {
            if n as usize != g.node_count() {
                return Err(err_msg(format!(
                    "the graph has {} units but the ensemble was drawn on a graph of {n}: pass the ensemble's graph",
                    g.node_count()
                )));
            }
        }
        let pop_col = match pop {
            Some(p) => p,
            None => manifest["inputs"]["population_column"]
                .as_str()
                .map(str::to_string)
                .or_else(|| {
                    ["TOTAL_POP", "TOTPOP", "tot_pop_20", "POP100", "POP"]
                        .iter()
                        .find(|c| g.column(c).is_ok())
                        .map(|c| c.to_string())
                })
                .ok_or_else(|| err_msg("no population column found; pass pop=COL"))?,
        };
        let population = g.column_f64(&pop_col).map_err(err)?;
        let mut columns = elections;
        if let Some(list) = manifest.get("elections").and_then(|e| e.as_array()) {
            for e in list {
                let (Some(n), Some(d), Some(r)) = (
                    e.get("name").and_then(|v| v.as_str()),
                    e.get("dem_column").and_then(|v| v.as_str()),
                    e.get("rep_column").and_then(|v| v.as_str()),
                ) else {
                    continue;
                };
                if !columns.iter().any(|c| c.0 == n) {
                    columns.push((n.to_string(), d.to_string(), r.to_string()));
                }
            }
        }
        let mut votes = Vec::new();
        for (name, d, r) in &columns {
            if !stats.elections.iter().any(|e| &e.name == name) {
                return Err(err_msg(format!(
                    "election {name:?} is not recorded in {} (it records: {})",
                    stats_path.display(),
                    stats.elections.iter().map(|e| e.name.as_str()).collect::<Vec<_>>().join(", ")
                )));
            }
            let dem = g.column_f64(d).map_err(err)?;
            let rep = g.column_f64(r).map_err(err)?;
            votes.push((name.clone(), dem, rep));
        }
        let counties = if let Some(c) = &county {
            Some(Counties::from_column(&g, c).map_err(err)?)
        } else if county_prefix > 0 {
            Counties::from_prefix(&g, g.column(&key).is_ok().then_some(key.as_str()), county_prefix).ok()
        } else {
            None
        };
        let (offsets, neighbors) = g.csr();
        let input = PlanInput {
            offsets,
            neighbors,
            assignment: plan.assignment(),
            district_labels: plan.district_labels(),
            population: &population,
            counties: counties.as_ref().map(|c| c.of_node.as_slice()),
            elections: votes.iter().map(|(n, d, r)| UnitVotes { name: n.clone(), dem: d, rep: r }).collect(),
        };
        let judgement = redraw_judge::judge(&input, &stats, &EnsembleInfo::from_manifest(&manifest)).map_err(err)?;
        // The document `redraw judge --format json` prints: the Judgement with the CLI's
        // `schema_version` (redraw-cli `output::json_document`, SCHEMA_VERSION 1).
        let mut doc = serde_json::to_value(&judgement).map_err(err)?;
        if let Some(o) = doc.as_object_mut() {
            o.entry("schema_version").or_insert(serde_json::json!(1));
        }
        Ok(doc.to_string())
    })
}
