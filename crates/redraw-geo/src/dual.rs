//! The dual graph of a layer: one node per feature, one edge per adjacency, as a
//! [`redraw_graph::Graph`] so the project has one graph type and one networkx writer.
//!
//! Node columns: every feature attribute (integers as Int, other numbers as Float, anything
//! else as Text; a missing value makes the column Text with an empty entry), plus `area`,
//! `perimeter` and `boundary_perim` in square metres / metres (GerryChain's names; skipped when
//! the data already has a column of that name). Edge lengths (`shared_perim`) are the shared
//! border in metres; queen and bridge edges have length 0.

use crate::adjacency::Adjacency;
use crate::error::{GeoError, Result};
use crate::model::Layer;
use redraw_graph::{Column, Graph};
use serde_json::Value;
use std::collections::{BTreeSet, HashMap};

/// Checks that `key` gives every feature a unique id, and returns the ids.
pub fn unique_ids(layer: &Layer, key: &str) -> Result<Vec<String>> {
    let ids = layer.ids(key)?;
    let mut seen: HashMap<&str, usize> = HashMap::with_capacity(ids.len());
    for (i, id) in ids.iter().enumerate() {
        if let Some(&first) = seen.get(id.as_str()) {
            return Err(GeoError::DuplicateId { id: id.clone(), first, second: i });
        }
        seen.insert(id, i);
    }
    Ok(ids)
}

fn column_of(values: Vec<Option<&Value>>) -> Column {
    if values.iter().all(|v| matches!(v, Some(Value::Number(n)) if n.is_i64())) {
        return Column::Int(values.iter().map(|v| v.and_then(Value::as_i64).unwrap_or(0)).collect());
    }
    if values.iter().all(|v| matches!(v, Some(Value::Number(_)))) {
        return Column::Float(values.iter().map(|v| v.and_then(Value::as_f64).unwrap_or(f64::NAN)).collect());
    }
    Column::Text(
        values
            .iter()
            .map(|v| match v {
                None | Some(Value::Null) => String::new(),
                Some(Value::String(s)) => s.clone(),
                Some(other) => other.to_string(),
            })
            .collect(),
    )
}

/// Builds the dual graph with node labels from attribute `id_key` (which must be unique).
pub fn dual_graph(layer: &Layer, adj: &Adjacency, id_key: &str) -> Result<Graph> {
    let labels = unique_ids(layer, id_key)?;
    let edges: Vec<(u32, u32)> = adj.edges.iter().map(|e| (e.a, e.b)).collect();
    let lengths: Vec<f64> = adj.edges.iter().map(|e| e.shared_m).collect();
    let mut g =
        Graph::from_edges(labels, &edges, Some(&lengths)).map_err(|e| GeoError::Input(e.to_string()))?;
    let keys: BTreeSet<&String> = layer.features.iter().flat_map(|f| f.properties.keys()).collect();
    for key in &keys {
        let col = column_of(layer.features.iter().map(|f| f.properties.get(key.as_str())).collect());
        g.set_column(key.as_str(), col).map_err(|e| GeoError::Input(e.to_string()))?;
    }
    let areas = crate::measure::areas_m2(layer);
    let extra =
        [("area", areas), ("perimeter", adj.perimeters_m.clone()), ("boundary_perim", adj.exterior_m())];
    for (name, v) in extra {
        if !keys.iter().any(|k| k.as_str() == name) {
            g.set_column(name, Column::Float(v)).map_err(|e| GeoError::Input(e.to_string()))?;
        }
    }
    Ok(g)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::adjacency::{build_adjacency, AdjacencyOptions};

    #[test]
    fn dual_graph_round_trips_through_networkx() {
        let text = r#"{"type":"FeatureCollection","features":[
          {"type":"Feature","properties":{"GEOID":"a","pop":10,"share":0.5},
           "geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,1],[0,0]]]}},
          {"type":"Feature","properties":{"GEOID":"b","pop":20,"share":1},
           "geometry":{"type":"Polygon","coordinates":[[[1,0],[2,0],[2,1],[1,1],[1,0]]]}}]}"#;
        let layer = crate::geojson_reader::read_geojson(text).unwrap();
        let adj = build_adjacency(&layer, &AdjacencyOptions::default());
        let g = dual_graph(&layer, &adj, "GEOID").unwrap();
        assert_eq!(g.edge_count(), 1);
        assert_eq!(g.column("pop").unwrap(), &Column::Int(vec![10, 20]));
        assert!(matches!(g.column("share").unwrap(), Column::Float(_)));
        let mut out = Vec::new();
        redraw_graph::networkx::write_networkx(&g, redraw_graph::networkx::NodeIds::Index, &mut out).unwrap();
        let back = redraw_graph::networkx::read_networkx(std::str::from_utf8(&out).unwrap()).unwrap();
        assert_eq!(back.graph.edge_count(), 1);
        let len = back.graph.neighbor_lengths(0).unwrap()[0];
        // One degree of meridian at the equator, ~111.2 km.
        assert!((len / 111_195.0 - 1.0).abs() < 1e-3, "{len}");
        let dup = text.replace(r#""GEOID":"b""#, r#""GEOID":"a""#);
        let layer = crate::geojson_reader::read_geojson(&dup).unwrap();
        let e = dual_graph(&layer, &adj, "GEOID").unwrap_err().to_string();
        assert!(e.contains("duplicate id `a`"), "{e}");
    }
}
