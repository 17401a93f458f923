//! The rdabase layout (rdatools/rdabase): `XX_2020_graph.json`, an adjacency dict
//! `{"GEOID": ["GEOID", ...], ...}`, plus `XX_2020_data.csv`, one row of attributes per unit keyed
//! by `GEOID`.
//!
//! The adjacency dict contains a virtual `OUT_OF_STATE` node adjacent to every unit on the state
//! border; it is not a unit, so the reader drops it (and says so in the notes). Node `i` of the
//! graph is row `i` of the data CSV, so plans and outputs follow the data file's order; without a
//! data table the nodes are the dict's keys in sorted order. The node set of the dict and of the
//! table must be equal.

use std::collections::{BTreeMap, HashMap};

use crate::attrs::AttributeTable;
use crate::error::{examples, ReadError};
use crate::graph::Graph;
use crate::networkx::check_symmetric;
use crate::read::Loaded;

/// The name of rdabase's virtual border node.
pub const OUT_OF_STATE: &str = "OUT_OF_STATE";

/// Reads an rdabase adjacency dict and, optionally, its attribute table.
pub fn read_rdabase(graph_json: &str, data: Option<&AttributeTable>) -> Result<Loaded, ReadError> {
    let graph_json = graph_json.strip_prefix('\u{feff}').unwrap_or(graph_json);
    let adj: BTreeMap<String, Vec<String>> = serde_json::from_str(graph_json).map_err(|e| {
        if e.is_data() {
            ReadError::RdabaseShape(format!(
                "expected an object mapping each unit id to an array of neighbour ids (line {}, column {}: {e})",
                e.line(),
                e.column()
            ))
        } else {
            ReadError::from_json(e)
        }
    })?;
    let mut notes = Vec::new();
    if let Some(border) = adj.get(OUT_OF_STATE) {
        notes.push(format!(
            "dropped the {OUT_OF_STATE} pseudo-node (adjacent to {} border units); it is not a unit",
            border.len()
        ));
    }

    let labels: Vec<String> = match data {
        Some(t) => {
            let missing: Vec<&String> = t.keys.iter().filter(|k| !adj.contains_key(*k)).collect();
            if let Some(first) = missing.first() {
                let line = t.lines[t.keys.iter().position(|k| k == *first).unwrap_or(0)];
                return Err(ReadError::Mismatch(format!(
                    "{} unit(s) of the data table have no adjacency entry (first: {first:?} at CSV line {line}; {})",
                    missing.len(),
                    examples(&missing, 5)
                )));
            }
            t.keys.clone()
        }
        None => adj.keys().filter(|k| *k != OUT_OF_STATE).cloned().collect(),
    };
    let index: HashMap<&str, u32> = labels.iter().enumerate().map(|(i, k)| (k.as_str(), i as u32)).collect();
    if data.is_some() {
        let extra: Vec<&String> =
            adj.keys().filter(|k| *k != OUT_OF_STATE && !index.contains_key(k.as_str())).collect();
        if !extra.is_empty() {
            return Err(ReadError::Mismatch(format!(
                "{} unit(s) of the adjacency have no row in the data table: {}",
                extra.len(),
                examples(&extra, 5)
            )));
        }
    }

    let mut directed = Vec::new();
    for (u, label) in labels.iter().enumerate() {
        for nb in &adj[label] {
            if nb == OUT_OF_STATE {
                continue;
            }
            let v = *index.get(nb.as_str()).ok_or_else(|| ReadError::UnknownId {
                location: format!("neighbours of {label:?}"),
                id: nb.clone(),
            })?;
            if v as usize == u {
                return Err(ReadError::SelfLoop { node: label.clone() });
            }
            directed.push((u as u32, v));
        }
    }
    check_symmetric(&directed, &labels)?;
    let mut graph = Graph::from_edges(labels, &directed, None)?;
    if let Some(t) = data {
        // Rows are already in node order.
        for (name, col) in &t.columns {
            graph.set_column(name.clone(), col.clone())?;
        }
        graph.set_column(t.key_column.clone(), crate::graph::Column::Text(t.keys.clone()))?;
    }
    Ok(Loaded { graph, notes })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::Column;

    fn table(csv: &str) -> AttributeTable {
        AttributeTable::from_csv(csv.as_bytes(), "GEOID").unwrap()
    }

    #[test]
    fn drops_out_of_state_and_follows_data_order() {
        let adj = r#"{"OUT_OF_STATE": ["a", "c"], "a": ["b", "OUT_OF_STATE"], "b": ["a", "c"], "c": ["b", "OUT_OF_STATE"]}"#;
        let l = read_rdabase(adj, Some(&table("GEOID,POP\nc,3\na,1\nb,2\n"))).unwrap();
        assert_eq!(l.graph.labels(), &["c", "a", "b"]);
        assert_eq!(l.graph.edge_count(), 2);
        assert_eq!(l.graph.column("POP").unwrap(), &Column::Int(vec![3, 1, 2]));
        assert_eq!(l.graph.column("GEOID").unwrap(), &Column::Text(vec!["c".into(), "a".into(), "b".into()]));
        assert_eq!(
            l.notes,
            vec!["dropped the OUT_OF_STATE pseudo-node (adjacent to 2 border units); it is not a unit"]
        );
        let l = read_rdabase(adj, None).unwrap();
        assert_eq!(l.graph.labels(), &["a", "b", "c"]);
    }

    #[test]
    fn errors() {
        let t = table("GEOID,POP\na,1\nb,2\n");
        let err = |adj: &str| read_rdabase(adj, Some(&t)).unwrap_err().to_string();
        assert_eq!(
            err(r#"{"a": ["b"], "b": []}"#),
            "asymmetric adjacency: \"a\" lists \"b\" as a neighbour, but \"b\" does not list \"a\""
        );
        assert_eq!(err(r#"{"a": ["a"], "b": []}"#), "node \"a\" lists itself as a neighbour (self-loop)");
        assert!(err(r#"{"a": ["b"]}"#)
            .contains("1 unit(s) of the data table have no adjacency entry (first: \"b\" at CSV line 3"));
        assert!(err(r#"{"a": ["b"], "b": ["a"], "z": []}"#)
            .contains("1 unit(s) of the adjacency have no row in the data table: \"z\""));
        assert!(err(r#"{"a": ["q"], "b": []}"#).contains("neighbours of \"a\": unknown unit id \"q\""));
        assert!(err(r#"{"a": 3}"#).contains("expected an object mapping each unit id"));
    }
}
