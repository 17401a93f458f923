//! Whole-graph checks that are errors for some callers and facts for others: a disconnected
//! graph cannot host a contiguity-constrained ensemble, but `redraw graph info` just reports it.

use crate::graph::Graph;

/// One connected component: its size and a few of its units' labels.
#[derive(Clone, Debug, PartialEq)]
pub struct ComponentSummary {
    pub size: usize,
    pub examples: Vec<String>,
}

/// The components of `graph`, largest first, each with up to `examples` labels.
pub fn component_summary(graph: &Graph, examples: usize) -> Vec<ComponentSummary> {
    graph
        .components()
        .into_iter()
        .map(|c| ComponentSummary {
            size: c.len(),
            examples: c.iter().take(examples).map(|&u| graph.label(u).to_string()).collect(),
        })
        .collect()
}

/// The graph is not connected.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{}", describe(.components))]
pub struct Disconnected {
    /// All components, largest first.
    pub components: Vec<ComponentSummary>,
}

fn describe(components: &[ComponentSummary]) -> String {
    let total: usize = components.iter().map(|c| c.size).sum();
    let mut s = format!(
        "the graph is disconnected: {} components (sizes {}{}) over {total} units; the smaller ones are ",
        components.len(),
        components.iter().take(8).map(|c| c.size.to_string()).collect::<Vec<_>>().join(", "),
        if components.len() > 8 { ", …" } else { "" },
    );
    let small: Vec<String> = components
        .iter()
        .skip(1)
        .take(5)
        .map(|c| format!("[{}{}]", c.examples.join(", "), if c.size > c.examples.len() { ", …" } else { "" }))
        .collect();
    s.push_str(&small.join(" "));
    s.push_str(
        "; connect them (e.g. add edges for islands/water crossings) or drop them before drawing contiguous districts",
    );
    s
}

/// Succeeds iff the graph has at most one component.
pub fn require_connected(graph: &Graph) -> Result<(), Disconnected> {
    let components = component_summary(graph, 3);
    if components.len() <= 1 {
        Ok(())
    } else {
        Err(Disconnected { components })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_components_with_examples() {
        let labels = ["a", "b", "c", "d", "e", "f"].iter().map(|s| s.to_string()).collect();
        let g = Graph::from_edges(labels, &[(0, 1), (1, 2), (2, 3), (4, 5)], None).unwrap();
        let err = require_connected(&g).unwrap_err();
        assert_eq!(err.components.iter().map(|c| c.size).collect::<Vec<_>>(), vec![4, 2]);
        assert_eq!(err.components[1].examples, vec!["e", "f"]);
        let msg = err.to_string();
        assert!(
            msg.starts_with("the graph is disconnected: 2 components (sizes 4, 2) over 6 units"),
            "{msg}"
        );
        assert!(msg.contains("[e, f]"), "{msg}");
        let g = Graph::from_edges(vec!["a".into(), "b".into()], &[(0, 1)], None).unwrap();
        assert!(require_connected(&g).is_ok());
    }
}
