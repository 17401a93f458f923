//! networkx adjacency JSON, the format of GerryChain's `Graph.from_json`/`to_json` and frcw's
//! `--graph-json`:
//!
//! ```json
//! {"directed": false, "multigraph": false, "graph": [...],
//!  "nodes": [{"GEOID": "37001000001", "TOTAL_POP": 5135, "id": 0}, ...],
//!  "adjacency": [[{"id": 1, "shared_perim": 0.12}, ...], ...]}
//! ```
//!
//! `adjacency[i]` lists the neighbours of `nodes[i]` by their `id` (an integer or a string).
//! Node `i` of the [`Graph`] is `nodes[i]` (array order, as frcw and GerryChain number them) and
//! its label is its `id` as text. Every other node attribute becomes a column (typed as in
//! [`crate::attrs`]: JSON integers → `Int`, other numbers → `Float`, strings → `Text`). Python's
//! `json` writes missing floats as the non-standard `NaN`/`Infinity`; those, `null` and absent
//! keys in an otherwise numeric column become `NaN` in a `Float` column, with a note (in a text
//! column they become ""). When every adjacency entry carries a numeric `shared_perim`, it
//! becomes the edge length.
//!
//! The reader deserialises into typed structs and skips unneeded edge attributes without
//! building them, so CA's 25,607-node, 10 MB file reads in tens of milliseconds.

use std::collections::{BTreeSet, HashMap};
use std::fmt;
use std::io::Write;

use serde::de::{self, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde::Deserialize;
use serde_json::Value;

use crate::error::ReadError;
use crate::graph::{Column, Graph};
use crate::read::Loaded;

/// The edge attribute read as (and written as) the shared-border length.
pub const LENGTH_ATTR: &str = "shared_perim";

#[derive(Deserialize)]
struct Doc {
    #[serde(default)]
    directed: bool,
    #[serde(default)]
    multigraph: bool,
    nodes: Vec<serde_json::Map<String, Value>>,
    adjacency: Option<Vec<Vec<Neighbor>>>,
    links: Option<IgnoredAny>,
}

/// One adjacency entry; only `id` and the length attribute are kept.
struct Neighbor {
    id: Value,
    length: Option<f64>,
}

impl<'de> Deserialize<'de> for Neighbor {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Neighbor;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an adjacency entry object with an \"id\"")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Neighbor, A::Error> {
                let mut id = None;
                let mut length = None;
                while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
                    match key.as_ref() {
                        "id" => id = Some(map.next_value::<Value>()?),
                        LENGTH_ATTR => length = map.next_value::<Value>()?.as_f64(),
                        _ => {
                            map.next_value::<IgnoredAny>()?;
                        }
                    }
                }
                let id = id.ok_or_else(|| de::Error::missing_field("id"))?;
                Ok(Neighbor { id, length })
            }
        }
        d.deserialize_map(V)
    }
}

/// The text form of a node id: strings as they are, numbers in JSON notation.
fn id_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Rewrites the non-standard `NaN`, `Infinity` and `-Infinity` tokens that Python's `json`
/// module writes for missing float values (GerryChain graphs built from shapefiles often have
/// them) into `null`. Returns `None` when there are none, which is the common case and costs one
/// scan without allocating.
fn python_nonfinite_to_null(text: &str) -> Option<(String, usize)> {
    let b = text.as_bytes();
    let mut out: Option<String> = None;
    let mut count = 0;
    let mut last = 0;
    let mut in_string = false;
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if in_string {
            match c {
                b'\\' => i += 1,
                b'"' => in_string = false,
                _ => {}
            }
            i += 1;
            continue;
        }
        let token = match c {
            b'"' => {
                in_string = true;
                None
            }
            b'N' if b[i..].starts_with(b"NaN") => Some(3),
            b'I' if b[i..].starts_with(b"Infinity") => Some(8),
            b'-' if b[i..].starts_with(b"-Infinity") => Some(9),
            _ => None,
        };
        match token {
            Some(len) => {
                let o = out.get_or_insert_with(|| String::with_capacity(text.len()));
                o.push_str(&text[last..i]);
                o.push_str("null");
                count += 1;
                i += len;
                last = i;
            }
            None => i += 1,
        }
    }
    out.map(|mut o| {
        o.push_str(&text[last..]);
        (o, count)
    })
}

/// Parses networkx adjacency JSON.
pub fn read_networkx(json: &str) -> Result<Loaded, ReadError> {
    let mut notes = Vec::new();
    let cleaned = python_nonfinite_to_null(json);
    let json = match &cleaned {
        Some((text, count)) => {
            notes.push(format!("{count} NaN/Infinity value(s) (Python JSON) read as missing"));
            text.as_str()
        }
        None => json,
    };
    let doc: Doc = serde_json::from_str(json).map_err(ReadError::from_json)?;
    if doc.directed {
        return Err(ReadError::NetworkxShape("\"directed\" is true; a dual graph must be undirected".into()));
    }
    if doc.multigraph {
        return Err(ReadError::NetworkxShape("\"multigraph\" is true; expected a simple graph".into()));
    }
    let adjacency =
        match doc.adjacency {
            Some(a) => a,
            None if doc.links.is_some() => return Err(ReadError::NetworkxShape(
                "this is node-link JSON (\"links\"); expected adjacency JSON (\"adjacency\"), as written by \
                 networkx.adjacency_data / GerryChain's Graph.to_json"
                    .into(),
            )),
            None => return Err(ReadError::NetworkxShape("no \"adjacency\" array".into())),
        };
    let n = doc.nodes.len();
    if adjacency.len() != n {
        return Err(ReadError::NetworkxShape(format!(
            "{} nodes but {} adjacency lists; they must be parallel",
            n,
            adjacency.len()
        )));
    }

    let mut labels = Vec::with_capacity(n);
    let mut index: HashMap<String, u32> = HashMap::with_capacity(n);
    for (i, node) in doc.nodes.iter().enumerate() {
        let id =
            node.get("id").ok_or_else(|| ReadError::MissingNodeId { location: format!("nodes[{i}]") })?;
        let label = id_text(id);
        if let Some(first) = index.insert(label.clone(), i as u32) {
            return Err(ReadError::DuplicateId {
                id: label,
                first: format!("nodes[{first}]"),
                second: format!("nodes[{i}]"),
            });
        }
        labels.push(label);
    }

    let mut directed: Vec<(u32, u32)> = Vec::with_capacity(adjacency.iter().map(Vec::len).sum());
    let mut lengths: Vec<f64> = Vec::with_capacity(directed.capacity());
    let mut with_length = 0usize;
    for (u, list) in adjacency.iter().enumerate() {
        for nb in list {
            let key = id_text(&nb.id);
            let v = *index.get(&key).ok_or_else(|| ReadError::UnknownId {
                location: format!("adjacency[{u}] (neighbours of node {:?})", labels[u]),
                id: key.clone(),
            })?;
            if v as usize == u {
                return Err(ReadError::SelfLoop { node: labels[u].clone() });
            }
            directed.push((u as u32, v));
            lengths.push(nb.length.unwrap_or(f64::NAN));
            with_length += nb.length.is_some() as usize;
        }
    }
    check_symmetric(&directed, &labels)?;

    let use_lengths = with_length == directed.len() && !directed.is_empty();
    if with_length > 0 && !use_lengths {
        notes.push(format!(
            "only {with_length} of {} adjacency entries have a numeric \"{LENGTH_ATTR}\"; edge lengths ignored",
            directed.len()
        ));
    }
    let mut graph = Graph::from_edges(labels, &directed, use_lengths.then_some(&lengths[..]))?;

    let names: BTreeSet<&str> =
        doc.nodes.iter().flat_map(|m| m.keys().map(String::as_str)).filter(|k| *k != "id").collect();
    for name in names {
        let values: Vec<Option<&Value>> = doc.nodes.iter().map(|m| m.get(name)).collect();
        let (col, note) = json_column(name, &values, graph.labels());
        if let Some(note) = note {
            notes.push(note);
        }
        graph.set_column(name, col)?;
    }
    Ok(Loaded { graph, notes })
}

/// Every directed entry `(u, v)` must have its reverse `(v, u)`.
pub(crate) fn check_symmetric(directed: &[(u32, u32)], labels: &[String]) -> Result<(), ReadError> {
    let mut sorted = directed.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    for &(u, v) in &sorted {
        if sorted.binary_search(&(v, u)).is_err() {
            return Err(ReadError::Asymmetric {
                node: labels[u as usize].clone(),
                neighbor: labels[v as usize].clone(),
            });
        }
    }
    Ok(())
}

fn json_column(name: &str, values: &[Option<&Value>], labels: &[String]) -> (Column, Option<String>) {
    let all_int = values.iter().all(|v| matches!(v, Some(Value::Number(x)) if x.is_i64()));
    if all_int {
        return (Column::Int(values.iter().map(|v| v.and_then(Value::as_i64).unwrap_or(0)).collect()), None);
    }
    let all_num = values.iter().all(|v| matches!(v, Some(Value::Number(x)) if x.as_f64().is_some()));
    if all_num {
        return (
            Column::Float(values.iter().map(|v| v.and_then(Value::as_f64).unwrap_or(f64::NAN)).collect()),
            None,
        );
    }
    let missing: Vec<usize> = values
        .iter()
        .enumerate()
        .filter(|(_, v)| matches!(v, None | Some(Value::Null)))
        .map(|(i, _)| i)
        .collect();
    let numeric_or_missing =
        values.iter().all(|v| matches!(v, None | Some(Value::Null) | Some(Value::Number(_))));
    let describe = |kept: &str| {
        format!(
            "column {name:?}: {} of {} nodes have no value (first: node {:?}); {kept}",
            missing.len(),
            values.len(),
            labels[missing[0]]
        )
    };
    if numeric_or_missing && missing.len() < values.len() {
        let col = values.iter().map(|v| v.and_then(Value::as_f64).unwrap_or(f64::NAN)).collect();
        return (Column::Float(col), Some(describe("read as NaN")));
    }
    let note = (!missing.is_empty()).then(|| describe("kept as text"));
    let text = values
        .iter()
        .map(|v| match v {
            None | Some(Value::Null) => String::new(),
            Some(Value::String(s)) => s.clone(),
            Some(other) => other.to_string(),
        })
        .collect();
    (Column::Text(text), note)
}

/// How the writer fills each node's `id`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NodeIds {
    /// The node's label (e.g. its GEOID), as a JSON string.
    Labels,
    /// The node index `0..n` as a JSON integer (the layout of the `graphs/bench` files).
    Index,
}

/// Writes a graph as networkx adjacency JSON that GerryChain's `Graph.from_json`, frcw and
/// [`read_networkx`] read back: every column becomes a node attribute (Int as JSON integers,
/// Float as numbers, non-finite floats as `null`, Text as strings) and edge lengths become
/// `shared_perim`. A column named `id` is not written (the id is). Streams node by node.
pub fn write_networkx<W: Write>(graph: &Graph, ids: NodeIds, mut w: W) -> std::io::Result<()> {
    let id_of = |u: u32| -> Value {
        match ids {
            NodeIds::Labels => Value::String(graph.label(u).to_string()),
            NodeIds::Index => Value::from(u),
        }
    };
    let columns: Vec<(&str, &Column)> = graph
        .column_names()
        .filter(|n| *n != "id")
        .map(|n| (n, graph.column(n).expect("listed column exists")))
        .collect();
    w.write_all(b"{\"directed\": false, \"multigraph\": false, \"graph\": [], \"nodes\": [")?;
    for u in 0..graph.node_count() {
        let mut m = serde_json::Map::new();
        for (name, col) in &columns {
            let v = match col {
                Column::Int(v) => Value::from(v[u]),
                Column::Float(v) => serde_json::Number::from_f64(v[u]).map_or(Value::Null, Value::Number),
                Column::Text(v) => Value::String(v[u].clone()),
            };
            m.insert(name.to_string(), v);
        }
        m.insert("id".into(), id_of(u as u32));
        if u > 0 {
            w.write_all(b", ")?;
        }
        serde_json::to_writer(&mut w, &m)?;
    }
    w.write_all(b"], \"adjacency\": [")?;
    for u in 0..graph.node_count() as u32 {
        if u > 0 {
            w.write_all(b", ")?;
        }
        w.write_all(b"[")?;
        let lens = graph.neighbor_lengths(u);
        for (j, &v) in graph.neighbors(u).iter().enumerate() {
            if j > 0 {
                w.write_all(b", ")?;
            }
            let mut m = serde_json::Map::new();
            if let Some(l) = lens {
                m.insert(
                    LENGTH_ATTR.into(),
                    serde_json::Number::from_f64(l[j]).map_or(Value::Null, Value::Number),
                );
            }
            m.insert("id".into(), id_of(v));
            serde_json::to_writer(&mut w, &m)?;
        }
        w.write_all(b"]")?;
    }
    w.write_all(b"]}\n")?;
    w.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SMALL: &str = r#"{"directed": false, "multigraph": false, "graph": [],
        "nodes": [{"GEOID": "01", "POP": 5, "AREA": 1.5, "id": "a"},
                  {"GEOID": "02", "POP": 7, "AREA": 2, "id": "b"},
                  {"GEOID": "03", "POP": 9, "AREA": 0.25, "id": "c"}],
        "adjacency": [[{"id": "b", "shared_perim": 2.0, "other": [1,2]}],
                      [{"id": "a", "shared_perim": 2.0}, {"id": "c", "shared_perim": 3.0}],
                      [{"id": "b", "shared_perim": 3.0}]]}"#;

    #[test]
    fn reads_nodes_columns_and_lengths() {
        let l = read_networkx(SMALL).unwrap();
        let g = &l.graph;
        assert_eq!(g.node_count(), 3);
        assert_eq!(g.edge_count(), 2);
        assert_eq!(g.labels(), &["a", "b", "c"]);
        assert_eq!(g.neighbors(1), &[0, 2]);
        assert_eq!(g.neighbor_lengths(1).unwrap(), &[2.0, 3.0]);
        assert_eq!(g.column("POP").unwrap(), &Column::Int(vec![5, 7, 9]));
        assert_eq!(g.column("AREA").unwrap(), &Column::Float(vec![1.5, 2.0, 0.25]));
        assert_eq!(g.column("GEOID").unwrap(), &Column::Text(vec!["01".into(), "02".into(), "03".into()]));
        assert!(l.notes.is_empty());
    }

    #[test]
    fn integer_ids_and_missing_values() {
        let j = r#"{"nodes": [{"id": 10, "X": 1, "S": "a"}, {"id": 11}], "adjacency": [[{"id": 11}], [{"id": 10}]]}"#;
        let l = read_networkx(j).unwrap();
        assert_eq!(l.graph.labels(), &["10", "11"]);
        assert!(!l.graph.has_edge_lengths());
        let Column::Float(x) = l.graph.column("X").unwrap() else { panic!("numeric with a gap is Float") };
        assert_eq!(x[0], 1.0);
        assert!(x[1].is_nan());
        assert_eq!(l.graph.column("S").unwrap(), &Column::Text(vec!["a".into(), String::new()]));
        assert_eq!(
            l.notes,
            vec![
                "column \"S\": 1 of 2 nodes have no value (first: node \"11\"); kept as text",
                "column \"X\": 1 of 2 nodes have no value (first: node \"11\"); read as NaN",
            ]
        );
        // The gap still fails clearly when the column is used as a count.
        let e = l.graph.column_counts("X").unwrap_err().to_string();
        assert!(e.contains("NaN at node 1 (11)"), "{e}");
    }

    #[test]
    fn python_nan_and_infinity_are_missing_values() {
        let j = r#"{"nodes": [{"id": "NaN \" Infinity", "A": NaN, "B": 2}, {"id": "b", "A": 1.5, "B": -Infinity}],
                    "adjacency": [[{"id": "b"}], [{"id": "NaN \" Infinity"}]]}"#;
        let l = read_networkx(j).unwrap();
        assert_eq!(l.graph.labels()[0], "NaN \" Infinity", "tokens inside strings are left alone");
        let Column::Float(a) = l.graph.column("A").unwrap() else { panic!() };
        assert!(a[0].is_nan() && a[1] == 1.5);
        let Column::Float(b) = l.graph.column("B").unwrap() else { panic!() };
        assert!(b[0] == 2.0 && b[1].is_nan());
        assert_eq!(l.notes[0], "2 NaN/Infinity value(s) (Python JSON) read as missing");
        assert!(python_nonfinite_to_null(r#"{"a": "NaN", "b": 1}"#).is_none());
    }

    #[test]
    fn structural_errors_name_the_culprit() {
        let err = |j: &str| read_networkx(j).unwrap_err().to_string();
        assert_eq!(
            err(r#"{"nodes": [{"id": 0}, {"id": 1}], "adjacency": [[{"id": 1}], []]}"#),
            "asymmetric adjacency: \"0\" lists \"1\" as a neighbour, but \"1\" does not list \"0\""
        );
        assert_eq!(
            err(r#"{"nodes": [{"id": 0}], "adjacency": [[{"id": 0}]]}"#),
            "node \"0\" lists itself as a neighbour (self-loop)"
        );
        assert_eq!(
            err(r#"{"nodes": [{"id": 0}, {"id": 0}], "adjacency": [[], []]}"#),
            "duplicate unit id \"0\": first at nodes[0], again at nodes[1]"
        );
        assert_eq!(
            err(r#"{"nodes": [{"id": 0}], "adjacency": [[{"id": 7}]]}"#),
            "adjacency[0] (neighbours of node \"0\"): unknown unit id \"7\" (not among the graph's nodes)"
        );
        assert_eq!(
            err(r#"{"nodes": [{"x": 0}], "adjacency": [[]]}"#),
            "nodes[0]: node has no \"id\" attribute"
        );
        assert!(err(r#"{"nodes": [], "links": []}"#).contains("node-link JSON"));
        assert!(err(r#"{"directed": true, "nodes": [], "adjacency": []}"#).contains("undirected"));
        assert!(err(r#"{"nodes": [{"id": 0}], "adjacency": []}"#).contains("1 nodes but 0 adjacency lists"));
        let e = err("{\"nodes\": [\n{\"id\": 0},,]}");
        assert!(e.starts_with("invalid JSON at line 2, column"), "{e}");
        let e = err(
            r#"{"nodes": [{"id": 0}, {"id": 1}], "adjacency": [[{"id": 1, "shared_perim": 1}], [{"id": 0, "shared_perim": 2}]]}"#,
        );
        assert!(e.contains("shared-border length"), "{e}");
    }

    #[test]
    fn writer_round_trips() {
        let g = read_networkx(SMALL).unwrap().graph;
        for ids in [NodeIds::Labels, NodeIds::Index] {
            let mut buf = Vec::new();
            write_networkx(&g, ids, &mut buf).unwrap();
            let back = read_networkx(std::str::from_utf8(&buf).unwrap()).unwrap().graph;
            assert_eq!(back.csr(), g.csr());
            assert_eq!(back.neighbor_lengths(1), g.neighbor_lengths(1));
            for name in g.column_names() {
                assert_eq!(back.column(name).unwrap(), g.column(name).unwrap(), "column {name}");
            }
            let want: Vec<String> = match ids {
                NodeIds::Labels => g.labels().to_vec(),
                NodeIds::Index => vec!["0".into(), "1".into(), "2".into()],
            };
            assert_eq!(back.labels(), &want[..]);
        }
    }
}
