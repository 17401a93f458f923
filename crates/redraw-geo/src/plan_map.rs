//! The map of a districting plan: what `redraw map --plan` draws and the web app's ensemble
//! viewer shows for a judged plan. Districts are coloured (neighbours differ), the legend gives
//! each district's population and deviation (when populations are known), units, Polsby-Popper
//! and Reock, and the subtitle the plan's cut edges and mean compactness.

use std::collections::BTreeMap;

use crate::adjacency::{build_adjacency, AdjacencyOptions};
use crate::error::Result;
use crate::map::{render_map, MapProjection, MapRegion, MapSpec};
use crate::model::Layer;

/// A plan over a layer's features.
pub struct PlanMap<'a> {
    pub layer: &'a Layer,
    /// District index of each feature (`None`: not in the plan, drawn white).
    pub region_of: Vec<Option<u32>>,
    /// District labels, by index.
    pub names: Vec<String>,
    /// Population of each feature, for district populations and deviations.
    pub population: Option<Vec<f64>>,
    /// A grouping of features (e.g. counties) drawn with heavy outlines.
    pub outline_of: Option<Vec<u32>>,
    pub projection: MapProjection,
    pub title: String,
    pub footer: String,
}

/// `1234567` as `1,234,567`.
fn thousands(v: i64) -> String {
    redraw_core::text::group_thousands(v.into())
}

/// Renders the plan as SVG.
pub fn plan_map_svg(p: &PlanMap) -> Result<String> {
    let layer = p.layer;
    let adj = build_adjacency(layer, &AdjacencyOptions::default());
    let assigned: Vec<u32> = p.region_of.iter().map(|r| r.unwrap_or(u32::MAX)).collect();
    let shapes = crate::measure::district_shapes(layer, &adj, &assigned)?;
    let mut dpop: BTreeMap<u32, f64> = BTreeMap::new();
    if let Some(pop) = &p.population {
        for (i, r) in p.region_of.iter().enumerate() {
            if let Some(r) = r {
                *dpop.entry(*r).or_default() += pop[i];
            }
        }
    }
    let ideal = if dpop.is_empty() { 0.0 } else { dpop.values().sum::<f64>() / p.names.len() as f64 };
    let regions: Vec<MapRegion> = p
        .names
        .iter()
        .enumerate()
        .map(|(r, n)| {
            let s = shapes.iter().find(|s| s.district == r as u32);
            let mut note = String::new();
            if let Some(pop) = dpop.get(&(r as u32)) {
                note.push_str(&format!(
                    "pop {} ({:+.2}%) · ",
                    thousands(pop.round() as i64),
                    (pop / ideal - 1.0) * 100.0
                ));
            }
            if let Some(s) = s {
                note.push_str(&format!(
                    "{} unit{} · PP {:.2} · Reock {:.2}",
                    s.units,
                    if s.units == 1 { "" } else { "s" },
                    s.polsby_popper,
                    s.reock
                ));
            }
            let name = if n.parse::<i64>().is_ok() { format!("District {n}") } else { n.to_string() };
            MapRegion { name, short: n.to_string(), emphasis: true, note, fill: None, legend: true }
        })
        .collect();
    let cut = crate::measure::cut_edges(&adj, &assigned);
    let real: Vec<&crate::measure::DistrictShape> =
        shapes.iter().filter(|s| s.district != u32::MAX).collect();
    let mean_pp = real.iter().map(|s| s.polsby_popper).sum::<f64>() / real.len().max(1) as f64;
    let mean_reock = real.iter().map(|s| s.reock).sum::<f64>() / real.len().max(1) as f64;
    let units = p.region_of.iter().filter(|r| r.is_some()).count();
    let subtitle = vec![format!(
        "{} districts on {} units · {} cut edges · mean Polsby-Popper {:.3} · mean Reock {:.3}",
        p.names.len(),
        units,
        cut,
        mean_pp,
        mean_reock
    )];
    let focus: Vec<usize> = (0..p.region_of.len()).filter(|&i| p.region_of[i].is_some()).collect();
    let spec = MapSpec {
        layer,
        region_of: p.region_of.clone(),
        regions,
        outline_of: p.outline_of.clone(),
        title: p.title.clone(),
        subtitle,
        projection: p.projection,
        focus: Some(focus),
        unit_lines: None,
        legend_title: "Districts".into(),
        region_legend: true,
        legend_keys: Vec::new(),
        footer: p.footer.clone(),
    };
    Ok(render_map(&spec))
}
