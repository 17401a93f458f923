//! The dual graph of a set of geographic units, in compressed sparse row (CSR) form.
//!
//! Invariants (checked by [`Graph::from_edges`], relied on everywhere downstream):
//! - node ids are `u32` in `0..n`; the adjacency of node `u` is `neighbors[offsets[u]..offsets[u+1]]`,
//!   sorted ascending, without duplicates and without self-loops;
//! - the adjacency is symmetric: `v` is a neighbour of `u` iff `u` is a neighbour of `v`;
//! - `edge_lengths`, when present, is parallel to `neighbors` (the shared-border length of each
//!   directed entry, equal in both directions);
//! - every attribute column has exactly `n` values.
//!
//! The hot loops of the samplers only touch `offsets`/`neighbors` and plain `Vec<u64>`/`Vec<f64>`
//! columns extracted once before a run, never the name-keyed column map.

use std::collections::BTreeMap;

/// Errors from constructing or querying a graph.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum GraphError {
    #[error("edge {index} ({a}, {b}) names node {bad}, but the graph has only {n} nodes (ids 0..{n})")]
    NodeOutOfRange { index: usize, a: u32, b: u32, bad: u32, n: usize },
    #[error("edge {index} is a self-loop on node {node} ({label})")]
    SelfLoop { index: usize, node: u32, label: String },
    #[error("edge ({a}, {b}) has shared-border length {a}->{b} = {ab} but {b}->{a} = {ba}")]
    AsymmetricLength { a: u32, b: u32, ab: f64, ba: f64 },
    #[error("{count} edge lengths given for {edges} edges")]
    LengthCount { count: usize, edges: usize },
    #[error("{count} node labels given for {n} nodes")]
    LabelCount { count: usize, n: usize },
    #[error("column {name:?} has {len} values but the graph has {n} nodes")]
    ColumnLength { name: String, len: usize, n: usize },
    #[error("no column named {name:?}; available columns: {available}")]
    NoColumn { name: String, available: String },
    #[error("column {name:?} is not numeric (node {node} {label:?} has value {value:?})")]
    NotNumeric { name: String, node: u32, label: String, value: String },
    #[error("column {name:?} has a negative or non-integer value {value} at node {node} ({label}); expected a count")]
    NotCount { name: String, node: u32, label: String, value: f64 },
    #[error(
        "column {name:?} sums to more than 2^53 (9,007,199,254,740,992) by node {node}: counts that \
         large cannot be totalled exactly (is it the right column?)"
    )]
    CountOverflow { name: String, node: u32 },
    #[error("the graph has more than u32::MAX nodes or edges")]
    TooLarge,
}

/// The largest total a count column may have ([`Graph::column_counts`]): 2^53, the largest
/// integer every `f64` computation on totals represents exactly; no sum of counts can overflow
/// `u64` below it (a hundred million times the world's population).
pub const MAX_COUNT_TOTAL: u64 = 1 << 53;

/// One attribute column, stored densely by node id.
#[derive(Clone, Debug, PartialEq)]
pub enum Column {
    Int(Vec<i64>),
    Float(Vec<f64>),
    Text(Vec<String>),
}

impl Column {
    pub fn len(&self) -> usize {
        match self {
            Column::Int(v) => v.len(),
            Column::Float(v) => v.len(),
            Column::Text(v) => v.len(),
        }
    }
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// An undirected simple graph over geographic units, with named per-node attribute columns.
#[derive(Clone, Debug)]
pub struct Graph {
    offsets: Vec<u32>,
    neighbors: Vec<u32>,
    edge_lengths: Option<Vec<f64>>,
    labels: Vec<String>,
    columns: BTreeMap<String, Column>,
}

impl Graph {
    /// Builds a graph from an undirected edge list. Each edge may be listed once or in both
    /// directions; duplicates are merged. `labels` are the units' identifiers (GEOIDs), used in
    /// error messages and outputs. `lengths`, if given, is parallel to `edges`; when an edge is
    /// listed twice its lengths must agree (within 1e-6 relative).
    pub fn from_edges(
        labels: Vec<String>,
        edges: &[(u32, u32)],
        lengths: Option<&[f64]>,
    ) -> Result<Graph, GraphError> {
        let n = labels.len();
        if n > u32::MAX as usize || edges.len() > (u32::MAX / 2) as usize {
            return Err(GraphError::TooLarge);
        }
        if let Some(l) = lengths {
            if l.len() != edges.len() {
                return Err(GraphError::LengthCount { count: l.len(), edges: edges.len() });
            }
        }
        // Collect both directions, then sort and dedup per node: simple and O(E log E), which is
        // negligible next to reading the file the edges came from.
        let mut directed: Vec<(u32, u32, f64)> = Vec::with_capacity(edges.len() * 2);
        for (i, &(a, b)) in edges.iter().enumerate() {
            for x in [a, b] {
                if x as usize >= n {
                    return Err(GraphError::NodeOutOfRange { index: i, a, b, bad: x, n });
                }
            }
            if a == b {
                return Err(GraphError::SelfLoop { index: i, node: a, label: labels[a as usize].clone() });
            }
            let len = lengths.map_or(f64::NAN, |l| l[i]);
            directed.push((a, b, len));
            directed.push((b, a, len));
        }
        directed.sort_by_key(|x| (x.0, x.1));
        let mut offsets = vec![0u32; n + 1];
        let mut neighbors = Vec::with_capacity(directed.len());
        let mut lens = Vec::with_capacity(if lengths.is_some() { directed.len() } else { 0 });
        let mut k = 0;
        while k < directed.len() {
            let (a, b, len) = directed[k];
            let mut j = k + 1;
            while j < directed.len() && directed[j].0 == a && directed[j].1 == b {
                let other = directed[j].2;
                if lengths.is_some() && !close(len, other) {
                    return Err(GraphError::AsymmetricLength { a, b, ab: len, ba: other });
                }
                j += 1;
            }
            neighbors.push(b);
            if lengths.is_some() {
                lens.push(len);
            }
            offsets[a as usize + 1] += 1;
            k = j;
        }
        for u in 0..n {
            offsets[u + 1] += offsets[u];
        }
        Ok(Graph {
            offsets,
            neighbors,
            edge_lengths: lengths.map(|_| lens),
            labels,
            columns: BTreeMap::new(),
        })
    }

    /// Assembles a graph from CSR arrays that already satisfy the module invariants (each list
    /// sorted and duplicate-free, symmetric, no self-loops, lengths parallel and equal both ways):
    /// readers that build CSR directly use this instead of [`Graph::from_edges`], which would copy
    /// the edge list twice over.
    pub(crate) fn from_csr(
        labels: Vec<String>,
        offsets: Vec<u32>,
        neighbors: Vec<u32>,
        edge_lengths: Option<Vec<f64>>,
    ) -> Result<Graph, GraphError> {
        if labels.len() > u32::MAX as usize || neighbors.len() > (u32::MAX / 2) as usize * 2 {
            return Err(GraphError::TooLarge);
        }
        debug_assert_eq!(offsets.len(), labels.len() + 1);
        debug_assert_eq!(offsets.last().copied(), Some(neighbors.len() as u32));
        debug_assert!(edge_lengths.as_ref().is_none_or(|l| l.len() == neighbors.len()));
        Ok(Graph { offsets, neighbors, edge_lengths, labels, columns: BTreeMap::new() })
    }

    /// Number of nodes.
    #[inline]
    pub fn node_count(&self) -> usize {
        self.labels.len()
    }

    /// Number of undirected edges.
    #[inline]
    pub fn edge_count(&self) -> usize {
        self.neighbors.len() / 2
    }

    /// The sorted neighbours of `u`.
    #[inline]
    pub fn neighbors(&self, u: u32) -> &[u32] {
        let u = u as usize;
        &self.neighbors[self.offsets[u] as usize..self.offsets[u + 1] as usize]
    }

    /// Shared-border lengths parallel to [`Graph::neighbors`], if the graph has them.
    #[inline]
    pub fn neighbor_lengths(&self, u: u32) -> Option<&[f64]> {
        let u = u as usize;
        self.edge_lengths.as_ref().map(|l| &l[self.offsets[u] as usize..self.offsets[u + 1] as usize])
    }

    #[inline]
    pub fn degree(&self, u: u32) -> usize {
        (self.offsets[u as usize + 1] - self.offsets[u as usize]) as usize
    }

    /// The raw CSR arrays `(offsets, neighbors)` for hot loops.
    #[inline]
    pub fn csr(&self) -> (&[u32], &[u32]) {
        (&self.offsets, &self.neighbors)
    }

    /// Whether shared-border lengths are known.
    pub fn has_edge_lengths(&self) -> bool {
        self.edge_lengths.is_some()
    }

    /// Each undirected edge once, as `(u, v)` with `u < v`, in CSR order.
    pub fn edges(&self) -> impl Iterator<Item = (u32, u32)> + '_ {
        (0..self.node_count() as u32)
            .flat_map(move |u| self.neighbors(u).iter().filter(move |&&v| u < v).map(move |&v| (u, v)))
    }

    /// The unit identifiers (e.g. GEOIDs), by node id.
    pub fn labels(&self) -> &[String] {
        &self.labels
    }

    pub fn label(&self, u: u32) -> &str {
        &self.labels[u as usize]
    }

    /// Adds or replaces an attribute column.
    pub fn set_column(&mut self, name: impl Into<String>, column: Column) -> Result<(), GraphError> {
        let name = name.into();
        if column.len() != self.node_count() {
            return Err(GraphError::ColumnLength { name, len: column.len(), n: self.node_count() });
        }
        self.columns.insert(name, column);
        Ok(())
    }

    pub fn column(&self, name: &str) -> Result<&Column, GraphError> {
        self.columns.get(name).ok_or_else(|| GraphError::NoColumn {
            name: name.to_string(),
            available: self.columns.keys().cloned().collect::<Vec<_>>().join(", "),
        })
    }

    /// Column names in sorted order.
    pub fn column_names(&self) -> impl Iterator<Item = &str> {
        self.columns.keys().map(String::as_str)
    }

    /// A numeric column as `f64` (integers are converted exactly up to 2^53).
    pub fn column_f64(&self, name: &str) -> Result<Vec<f64>, GraphError> {
        match self.column(name)? {
            Column::Int(v) => Ok(v.iter().map(|&x| x as f64).collect()),
            Column::Float(v) => Ok(v.clone()),
            Column::Text(v) => {
                // Numbers stored as strings are common in hand-made files; accept them.
                v.iter()
                    .enumerate()
                    .map(|(i, s)| {
                        s.trim().parse::<f64>().map_err(|_| GraphError::NotNumeric {
                            name: name.to_string(),
                            node: i as u32,
                            label: self.labels[i].clone(),
                            value: s.clone(),
                        })
                    })
                    .collect()
            }
        }
    }

    /// A count column (population, votes) as `u64`: every value must be a non-negative integer
    /// below 9e15, and the column's total at most [`MAX_COUNT_TOTAL`] (2^53), so every sum
    /// downstream (district totals, two-party totals, ideal populations as `f64`) is exact and
    /// cannot overflow.
    pub fn column_counts(&self, name: &str) -> Result<Vec<u64>, GraphError> {
        let v = self.column_f64(name)?;
        let mut total = 0u64;
        let mut out = Vec::with_capacity(v.len());
        for (i, &x) in v.iter().enumerate() {
            if !(x >= 0.0 && x.fract() == 0.0 && x < 9.0e15) {
                return Err(GraphError::NotCount {
                    name: name.to_string(),
                    node: i as u32,
                    label: self.labels[i].clone(),
                    value: x,
                });
            }
            total = total.saturating_add(x as u64);
            if total > MAX_COUNT_TOTAL {
                return Err(GraphError::CountOverflow { name: name.to_string(), node: i as u32 });
            }
            out.push(x as u64);
        }
        Ok(out)
    }

    /// Connected components, each a sorted list of node ids, largest first.
    pub fn components(&self) -> Vec<Vec<u32>> {
        let n = self.node_count();
        let mut comp = vec![u32::MAX; n];
        let mut out: Vec<Vec<u32>> = Vec::new();
        let mut stack = Vec::new();
        for s in 0..n as u32 {
            if comp[s as usize] != u32::MAX {
                continue;
            }
            let id = out.len() as u32;
            let mut members = vec![s];
            comp[s as usize] = id;
            stack.push(s);
            while let Some(u) = stack.pop() {
                for &v in self.neighbors(u) {
                    if comp[v as usize] == u32::MAX {
                        comp[v as usize] = id;
                        members.push(v);
                        stack.push(v);
                    }
                }
            }
            members.sort_unstable();
            out.push(members);
        }
        out.sort_by(|a, b| b.len().cmp(&a.len()).then(a[0].cmp(&b[0])));
        out
    }
}

pub(crate) fn close(a: f64, b: f64) -> bool {
    (a.is_nan() && b.is_nan()) || (a - b).abs() <= 1e-6 * a.abs().max(b.abs()).max(1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("u{i}")).collect()
    }

    #[test]
    fn csr_is_sorted_symmetric_and_deduplicated() {
        let g = Graph::from_edges(labels(4), &[(2, 0), (0, 1), (1, 0), (2, 3)], None).unwrap();
        assert_eq!(g.node_count(), 4);
        assert_eq!(g.edge_count(), 3);
        assert_eq!(g.neighbors(0), &[1, 2]);
        assert_eq!(g.neighbors(2), &[0, 3]);
        assert_eq!(g.edges().collect::<Vec<_>>(), vec![(0, 1), (0, 2), (2, 3)]);
    }

    #[test]
    fn rejects_self_loops_and_out_of_range() {
        assert!(matches!(
            Graph::from_edges(labels(2), &[(1, 1)], None),
            Err(GraphError::SelfLoop { node: 1, .. })
        ));
        assert!(matches!(
            Graph::from_edges(labels(2), &[(0, 5)], None),
            Err(GraphError::NodeOutOfRange { bad: 5, .. })
        ));
    }

    #[test]
    fn lengths_follow_neighbors_and_must_agree() {
        let g = Graph::from_edges(labels(3), &[(0, 1), (2, 1)], Some(&[10.0, 7.5])).unwrap();
        assert_eq!(g.neighbor_lengths(1).unwrap(), &[10.0, 7.5]);
        let err = Graph::from_edges(labels(2), &[(0, 1), (1, 0)], Some(&[1.0, 2.0])).unwrap_err();
        assert!(matches!(err, GraphError::AsymmetricLength { .. }));
    }

    #[test]
    fn components_largest_first() {
        let g = Graph::from_edges(labels(5), &[(0, 1), (3, 4), (4, 2)], None).unwrap();
        assert_eq!(g.components(), vec![vec![2, 3, 4], vec![0, 1]]);
    }

    #[test]
    fn count_columns_reject_negative_and_fractional() {
        let mut g = Graph::from_edges(labels(2), &[(0, 1)], None).unwrap();
        g.set_column("pop", Column::Float(vec![3.0, 2.5])).unwrap();
        assert!(matches!(g.column_counts("pop"), Err(GraphError::NotCount { node: 1, .. })));
        g.set_column("pop", Column::Int(vec![3, 4])).unwrap();
        assert_eq!(g.column_counts("pop").unwrap(), vec![3, 4]);
        assert!(matches!(g.column("nope"), Err(GraphError::NoColumn { .. })));
        g.set_column("name", Column::Text(vec!["12".into(), "n/a".into()])).unwrap();
        assert_eq!(
            g.column_counts("name").unwrap_err().to_string(),
            "column \"name\" is not numeric (node 1 \"u1\" has value \"n/a\")"
        );
        assert!(g.set_column("x", Column::Int(vec![1])).is_err());
    }
}
