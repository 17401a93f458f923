//! What every graph reader returns, and format sniffing for callers that accept "any graph file".

use crate::graph::Graph;

/// A graph read from a file, with the notes a user should see (e.g. "dropped the OUT_OF_STATE
/// pseudo-node", "edge lengths ignored"). Notes are informational: nothing in them is an error.
#[derive(Clone, Debug)]
pub struct Loaded {
    pub graph: Graph,
    pub notes: Vec<String>,
}

/// The graph file layouts redraw reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SourceFormat {
    /// networkx adjacency JSON ([`crate::networkx`]).
    Networkx,
    /// rdabase `*_graph.json` adjacency dict plus `*_data.csv` ([`crate::rdabase`]).
    Rdabase,
    /// An edge-list CSV plus an optional attribute CSV ([`crate::edgelist`]).
    EdgeList,
}

/// Guesses the layout of a JSON graph from its text: networkx adjacency JSON has top-level
/// `"nodes"` and `"adjacency"` keys; an rdabase adjacency dict is any other JSON object (its keys
/// are unit ids). Returns `None` for text that is not a JSON object.
pub fn sniff_json(text: &str) -> Option<SourceFormat> {
    let t = text.trim_start_matches('\u{feff}').trim_start();
    if !t.starts_with('{') {
        return None;
    }
    if t.contains("\"adjacency\"") && t.contains("\"nodes\"") {
        Some(SourceFormat::Networkx)
    } else {
        Some(SourceFormat::Rdabase)
    }
}
