//! [`Problem`]: everything about a districting problem that does not change during a chain —
//! adjacency in CSR with undirected edge ids, populations and the population bounds, election
//! vote columns, tracked columns (`--track`), counties — extracted once from a [`Graph`] into
//! flat arrays for the hot loops.

use redraw_graph::Graph;

/// Errors in setting up a problem.
#[derive(Debug, thiserror::Error)]
pub enum ProblemError {
    #[error(transparent)]
    Graph(#[from] redraw_graph::GraphError),
    #[error("the graph has no nodes")]
    Empty,
    #[error("{k} districts requested but the graph has only {n} nodes")]
    TooManyDistricts { k: usize, n: usize },
    #[error("the number of districts must be at least 1")]
    NoDistricts,
    #[error("population tolerance {0} must be a finite number in [0, 1)")]
    BadTolerance(f64),
    #[error(
        "the graph is disconnected ({count} components); a plan needs one connected graph. \
         Components (size: first nodes): {summary}"
    )]
    Disconnected { count: usize, summary: String },
    #[error("the total population (column {column:?}) is zero")]
    ZeroPopulation { column: String },
    #[error(
        "node {label} alone has population {pop}, above the largest district population {hi} \
         allowed by tolerance {tol} (ideal {ideal:.1}); no plan can satisfy it"
    )]
    NodeTooBig { label: String, pop: u64, hi: u64, tol: f64, ideal: f64 },
    #[error(
        "tolerance {tol} allows no integer district population: the ideal is {ideal:.3} \
         ({total} people / {k} districts), so populations would need to lie in \
         [{lo_f:.3}, {hi_f:.3}]; use a larger --tol"
    )]
    EmptyRange { tol: f64, ideal: f64, total: u64, k: usize, lo_f: f64, hi_f: f64 },
    #[error("election name {0:?} must be non-empty and use only letters, digits, '_' or '-'")]
    BadElectionName(String),
    #[error("election name {0:?} is given twice")]
    DuplicateElection(String),
    #[error("county membership has {got} entries but the graph has {n} nodes")]
    CountyLength { got: usize, n: usize },
    #[error("--track {0:?}: the column is tracked twice")]
    DuplicateTracked(String),
    #[error("--track {column:?}: {source}")]
    Tracked { column: String, source: Box<redraw_graph::GraphError> },
}

/// An election whose per-node vote counts are tallied per district.
#[derive(Clone, Debug)]
pub struct Election {
    pub name: String,
    pub dem_column: String,
    pub rep_column: String,
    pub dem: Vec<u64>,
    pub rep: Vec<u64>,
}

/// A node column whose per-district sum every recorded row carries (`--track COL`: the
/// `sum_<COL>_<d>` columns of stats.csv), maintained incrementally like the vote tallies.
#[derive(Clone, Debug)]
pub struct Tracked {
    pub column: String,
    pub values: Vec<u64>,
}

/// The fixed data of a chain.
#[derive(Clone, Debug)]
pub struct Problem {
    pub(crate) n: usize,
    pub(crate) k: usize,
    pub(crate) offsets: Vec<u32>,
    pub(crate) neighbors: Vec<u32>,
    /// Undirected edge id of each CSR entry (parallel to `neighbors`).
    pub(crate) edge_of: Vec<u32>,
    /// Endpoints `(u, v)`, `u < v`, of each undirected edge.
    pub(crate) edge_ends: Vec<(u32, u32)>,
    pub(crate) pop: Vec<u64>,
    pub(crate) total_pop: u64,
    /// Inclusive district population bounds.
    pub(crate) lo: u64,
    pub(crate) hi: u64,
    pub(crate) tol: f64,
    pub(crate) elections: Vec<Election>,
    /// Columns summed per district (`--track`), in the order given.
    pub(crate) tracked: Vec<Tracked>,
    /// County index of each node, if counties are tracked.
    pub(crate) county: Option<Vec<u32>>,
    pub(crate) county_names: Vec<String>,
    pub(crate) max_county_splits: Option<u32>,
}

/// What to extract from a graph.
#[derive(Clone, Debug)]
pub struct ProblemSpec {
    pub pop_column: String,
    pub districts: usize,
    pub tolerance: f64,
    /// `(name, dem column, rep column)`.
    pub elections: Vec<(String, String, String)>,
    /// County of each node (from a column or a GEOID prefix; see `redraw_graph::Counties`).
    pub county: Option<redraw_graph::Counties>,
    pub max_county_splits: Option<u32>,
    /// Node columns (non-negative integers, e.g. `BLACK_VAP`) to sum per district in every
    /// recorded row (`--track COL`), in this order.
    pub tracked: Vec<String>,
}

impl Problem {
    pub fn new(graph: &Graph, spec: &ProblemSpec) -> Result<Problem, ProblemError> {
        let n = graph.node_count();
        let k = spec.districts;
        if n == 0 {
            return Err(ProblemError::Empty);
        }
        if k == 0 {
            return Err(ProblemError::NoDistricts);
        }
        if k > n {
            return Err(ProblemError::TooManyDistricts { k, n });
        }
        if !(spec.tolerance.is_finite() && (0.0..1.0).contains(&spec.tolerance)) {
            return Err(ProblemError::BadTolerance(spec.tolerance));
        }
        let comps = graph.components();
        if comps.len() > 1 {
            let summary = comps
                .iter()
                .take(6)
                .map(|c| {
                    let names: Vec<&str> = c.iter().take(3).map(|&u| graph.label(u)).collect();
                    format!("{}: {}{}", c.len(), names.join(", "), if c.len() > 3 { ", ..." } else { "" })
                })
                .collect::<Vec<_>>()
                .join("; ");
            return Err(ProblemError::Disconnected { count: comps.len(), summary });
        }
        let pop = graph.column_counts(&spec.pop_column)?;
        let total_pop: u64 = pop.iter().sum();
        if total_pop == 0 {
            return Err(ProblemError::ZeroPopulation { column: spec.pop_column.clone() });
        }
        let (lo, hi) = bounds(total_pop, k, spec.tolerance);
        if lo > hi {
            // E.g. tolerance 0 when the total is not divisible by k: every plan is infeasible,
            // which the seed-plan search would only discover after many trees.
            let ideal = total_pop as f64 / k as f64;
            return Err(ProblemError::EmptyRange {
                tol: spec.tolerance,
                ideal,
                total: total_pop,
                k,
                lo_f: ideal * (1.0 - spec.tolerance),
                hi_f: ideal * (1.0 + spec.tolerance),
            });
        }
        if let Some((u, &p)) = pop.iter().enumerate().find(|(_, &p)| p > hi) {
            return Err(ProblemError::NodeTooBig {
                label: graph.label(u as u32).to_string(),
                pop: p,
                hi,
                tol: spec.tolerance,
                ideal: total_pop as f64 / k as f64,
            });
        }
        let (offsets, neighbors) = graph.csr();
        let mut edge_of = vec![0u32; neighbors.len()];
        let mut edge_ends = Vec::with_capacity(neighbors.len() / 2);
        for u in 0..n {
            for i in offsets[u] as usize..offsets[u + 1] as usize {
                let v = neighbors[i] as usize;
                if u < v {
                    edge_of[i] = edge_ends.len() as u32;
                    edge_ends.push((u as u32, v as u32));
                } else {
                    // The reverse entry was numbered when v < u was visited: find it in v's
                    // sorted list.
                    let row = &neighbors[offsets[v] as usize..offsets[v + 1] as usize];
                    let j = row.binary_search(&(u as u32)).expect("symmetric adjacency");
                    edge_of[i] = edge_of[offsets[v] as usize + j];
                }
            }
        }
        let mut elections = Vec::new();
        for (name, d, r) in &spec.elections {
            if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-') {
                return Err(ProblemError::BadElectionName(name.clone()));
            }
            if elections.iter().any(|e: &Election| &e.name == name) {
                return Err(ProblemError::DuplicateElection(name.clone()));
            }
            elections.push(Election {
                name: name.clone(),
                dem_column: d.clone(),
                rep_column: r.clone(),
                dem: graph.column_counts(d)?,
                rep: graph.column_counts(r)?,
            });
        }
        let mut tracked: Vec<Tracked> = Vec::with_capacity(spec.tracked.len());
        for column in &spec.tracked {
            if tracked.iter().any(|t| &t.column == column) {
                return Err(ProblemError::DuplicateTracked(column.clone()));
            }
            let values = graph.column_counts(column).map_err(|source| ProblemError::Tracked {
                column: column.clone(),
                source: Box::new(source),
            })?;
            tracked.push(Tracked { column: column.clone(), values });
        }
        let (county, county_names) = match &spec.county {
            None => (None, Vec::new()),
            Some(c) => {
                if c.of_node.len() != n {
                    return Err(ProblemError::CountyLength { got: c.of_node.len(), n });
                }
                (Some(c.of_node.clone()), c.names.clone())
            }
        };
        Ok(Problem {
            n,
            k,
            offsets: offsets.to_vec(),
            neighbors: neighbors.to_vec(),
            edge_of,
            edge_ends,
            pop,
            total_pop,
            lo,
            hi,
            tol: spec.tolerance,
            elections,
            tracked,
            county,
            county_names,
            max_county_splits: spec.max_county_splits,
        })
    }

    pub fn node_count(&self) -> usize {
        self.n
    }
    pub fn districts(&self) -> usize {
        self.k
    }
    /// Inclusive bounds on a district's population.
    pub fn pop_bounds(&self) -> (u64, u64) {
        (self.lo, self.hi)
    }
    pub fn total_pop(&self) -> u64 {
        self.total_pop
    }
    pub fn elections(&self) -> &[Election] {
        &self.elections
    }
    /// The tracked columns (`--track`), in order.
    pub fn tracked(&self) -> &[Tracked] {
        &self.tracked
    }
    pub fn edge_count(&self) -> usize {
        self.edge_ends.len()
    }
    pub fn has_counties(&self) -> bool {
        self.county.is_some()
    }
    pub fn county_count(&self) -> usize {
        self.county_names.len()
    }
    #[inline]
    pub(crate) fn nbrs(&self, u: u32) -> &[u32] {
        &self.neighbors[self.offsets[u as usize] as usize..self.offsets[u as usize + 1] as usize]
    }
}

/// District population bounds for tolerance `tol`: every district's population `p` must satisfy
/// `|p - ideal| <= tol * ideal` with `ideal = total / k` (GerryChain's `within_percent_of_ideal_population`),
/// expressed as inclusive integer bounds.
pub fn bounds(total: u64, k: usize, tol: f64) -> (u64, u64) {
    let ideal = total as f64 / k as f64;
    let lo = (ideal * (1.0 - tol)).ceil().max(0.0) as u64;
    let hi = (ideal * (1.0 + tol)).floor() as u64;
    (lo, hi)
}
