//! `redraw.Graph`: a graph loaded by the Rust readers (networkx JSON, rdabase, edge lists), or
//! built from a networkx graph by the Python side, plus how the manifest describes it.
//! Pickles (for Ray tasks) as a compact exact binary image with that description, so a run on
//! another machine records the same inputs as one on the machine that read the file.

use std::path::PathBuf;
use std::sync::Arc;

use numpy::PyArray1;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyList};
use redraw_ensemble::setup::GraphSource;
use redraw_graph::io::read_graph;
use redraw_graph::networkx::read_networkx;
use redraw_graph::{Column, Graph};

use super::{err, err_msg};

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyGraph>()?;
    Ok(())
}

/// A dual graph: nodes are geographic units (precincts, block groups, counties), edges join
/// units that touch; nodes carry attribute columns (population, votes, district ids).
#[pyclass(name = "Graph", module = "redraw._redraw", frozen)]
pub struct PyGraph {
    pub graph: Arc<Graph>,
    /// The manifest's `graph`, `graph_format` and `data` entries.
    pub source: serde_json::Map<String, serde_json::Value>,
    /// The unit-id column (plan CSV ids and county prefixes).
    pub key: String,
    pub notes: Vec<String>,
}

impl PyGraph {
    pub fn graph_source(&self) -> GraphSource {
        GraphSource::Described(self.source.clone())
    }
}

#[pymethods]
impl PyGraph {
    /// Reads any graph file redraw knows (networkx adjacency JSON, rdabase `*_graph.json` with
    /// its `*_data.csv`, edge-list `.csv` with `data`), as `redraw ensemble --graph` does.
    #[staticmethod]
    #[pyo3(signature = (path, data=None, key="GEOID"))]
    fn read(py: Python<'_>, path: PathBuf, data: Option<PathBuf>, key: &str) -> PyResult<PyGraph> {
        py.detach(|| {
            let (loaded, format) = read_graph(&path, data.as_deref(), key).map_err(err)?;
            let source = GraphSource::File { path: path.clone(), format, data: data.clone() }
                .describe()
                .map_err(err)?;
            Ok(PyGraph { graph: Arc::new(loaded.graph), source, key: key.to_string(), notes: loaded.notes })
        })
    }

    /// Parses networkx adjacency JSON text built in memory (by `Graph.from_networkx`);
    /// `origin` describes it in the manifest, with the SHA-256 of the graph's exact image.
    #[staticmethod]
    #[pyo3(signature = (text, origin, key="GEOID"))]
    fn from_networkx_json(py: Python<'_>, text: String, origin: String, key: &str) -> PyResult<PyGraph> {
        py.detach(|| {
            let loaded = read_networkx(&text).map_err(err)?;
            let sha256 = redraw_ensemble::run::sha256_hex(&image(&loaded.graph));
            let source = GraphSource::Memory { sha256, origin }.describe().map_err(err)?;
            Ok(PyGraph { graph: Arc::new(loaded.graph), source, key: key.to_string(), notes: loaded.notes })
        })
    }

    /// Rebuilds a graph from `__reduce__`'s state.
    #[staticmethod]
    fn _from_state(py: Python<'_>, state: &[u8]) -> PyResult<PyGraph> {
        let state = state.to_vec();
        py.detach(move || {
            from_image(&state).map_err(|m| err_msg(format!("cannot unpickle a redraw Graph: {m}")))
        })
    }

    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<(Bound<'py, PyAny>, (Bound<'py, PyBytes>,))> {
        let py = slf.py();
        let this = slf.get();
        let bytes = py.detach(|| {
            let mut b = Vec::new();
            let head = serde_json::json!({ "source": this.source, "key": this.key, "notes": this.notes });
            put_str(&mut b, &head.to_string());
            b.extend_from_slice(&image(&this.graph));
            b
        });
        let ctor = py.get_type::<PyGraph>().getattr("_from_state")?;
        Ok((ctor, (PyBytes::new(py, &bytes),)))
    }

    /// Number of nodes (units).
    #[getter]
    fn node_count(&self) -> usize {
        self.graph.node_count()
    }

    /// Number of (undirected) edges.
    #[getter]
    fn edge_count(&self) -> usize {
        self.graph.edge_count()
    }

    /// The node labels (ids as in the file), in node order.
    #[getter]
    fn labels<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        PyList::new(py, self.graph.labels())
    }

    /// The attribute column names.
    #[getter]
    fn columns(&self) -> Vec<String> {
        self.graph.column_names().map(str::to_string).collect()
    }

    /// The unit-id column name given when the graph was read.
    #[getter]
    fn key(&self) -> &str {
        &self.key
    }

    /// Notes from the reader (dropped pseudo-nodes, ignored lengths, missing values).
    #[getter]
    fn notes(&self) -> Vec<String> {
        self.notes.clone()
    }

    /// How a run's manifest describes this graph (JSON): path and SHA-256 for files.
    #[getter]
    fn source_json(&self) -> String {
        serde_json::Value::Object(self.source.clone()).to_string()
    }

    /// One column: a numpy int64 or float64 array, or a list of str.
    fn column<'py>(&self, py: Python<'py>, name: &str) -> PyResult<Bound<'py, PyAny>> {
        Ok(match self.graph.column(name).map_err(err)? {
            Column::Int(v) => PyArray1::from_slice(py, v).into_any(),
            Column::Float(v) => PyArray1::from_slice(py, v).into_any(),
            Column::Text(v) => PyList::new(py, v)?.into_any(),
        })
    }

    /// The edges as two int64 arrays `(u, v)` with `u < v`, in CSR order.
    fn edges<'py>(&self, py: Python<'py>) -> (Bound<'py, PyArray1<i64>>, Bound<'py, PyArray1<i64>>) {
        let (a, b): (Vec<i64>, Vec<i64>) = self.graph.edges().map(|(u, v)| (u as i64, v as i64)).unzip();
        (PyArray1::from_vec(py, a), PyArray1::from_vec(py, b))
    }

    /// Per-node district labels of a `unit id,district` plan CSV, ids matched against the key
    /// column (or the node labels when the graph has no such column), as `redraw judge --plan`.
    fn plan_labels_from_csv(&self, py: Python<'_>, path: PathBuf) -> PyResult<Vec<String>> {
        py.detach(|| {
            let key = self.graph.column(&self.key).is_ok().then_some(self.key.as_str());
            let plan = redraw_graph::io::read_plan_csv(&self.graph, &path, key).map_err(err)?;
            let labels = plan.district_labels();
            Ok(plan.assignment().iter().map(|&d| labels[d as usize].clone()).collect())
        })
    }

    fn __repr__(&self) -> String {
        format!(
            "<redraw.Graph: {} nodes, {} edges, columns {}>",
            self.graph.node_count(),
            self.graph.edge_count(),
            self.graph.column_names().collect::<Vec<_>>().join(", ")
        )
    }
}

// ---- exact binary image (pickling, hashing in-memory graphs) ----

const MAGIC: &[u8; 8] = b"RDRWGRF1";

fn put_u64(b: &mut Vec<u8>, x: u64) {
    b.extend_from_slice(&x.to_le_bytes());
}

fn put_str(b: &mut Vec<u8>, s: &str) {
    put_u64(b, s.len() as u64);
    b.extend_from_slice(s.as_bytes());
}

/// Labels, edges (u < v, CSR order), edge lengths and every column, little-endian.
fn image(g: &Graph) -> Vec<u8> {
    let mut b = Vec::new();
    b.extend_from_slice(MAGIC);
    put_u64(&mut b, g.node_count() as u64);
    for l in g.labels() {
        put_str(&mut b, l);
    }
    let edges: Vec<(u32, u32)> = g.edges().collect();
    put_u64(&mut b, edges.len() as u64);
    for &(u, v) in &edges {
        b.extend_from_slice(&u.to_le_bytes());
        b.extend_from_slice(&v.to_le_bytes());
    }
    b.push(g.has_edge_lengths() as u8);
    if g.has_edge_lengths() {
        for &(u, v) in &edges {
            let i = g.neighbors(u).binary_search(&v).expect("edge listed");
            let len = g.neighbor_lengths(u).expect("lengths present")[i];
            b.extend_from_slice(&len.to_le_bytes());
        }
    }
    let names: Vec<&str> = g.column_names().collect();
    put_u64(&mut b, names.len() as u64);
    for name in names {
        put_str(&mut b, name);
        match g.column(name).expect("listed") {
            Column::Int(v) => {
                b.push(0);
                v.iter().for_each(|x| b.extend_from_slice(&x.to_le_bytes()));
            }
            Column::Float(v) => {
                b.push(1);
                v.iter().for_each(|x| b.extend_from_slice(&x.to_le_bytes()));
            }
            Column::Text(v) => {
                b.push(2);
                v.iter().for_each(|s| put_str(&mut b, s));
            }
        }
    }
    b
}

struct Cursor<'a> {
    b: &'a [u8],
    at: usize,
}

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], String> {
        let s = self.b.get(self.at..self.at.checked_add(n).ok_or("truncated")?).ok_or("truncated")?;
        self.at += n;
        Ok(s)
    }
    fn u64(&mut self) -> Result<u64, String> {
        Ok(u64::from_le_bytes(self.take(8)?.try_into().unwrap()))
    }
    /// A count of items of at least `min_size` bytes each, bounded by the bytes left.
    fn count(&mut self, min_size: usize) -> Result<usize, String> {
        let n = self.u64()? as usize;
        if n.saturating_mul(min_size.max(1)) > self.b.len() - self.at {
            return Err("a count exceeds the data".into());
        }
        Ok(n)
    }
    fn str(&mut self) -> Result<String, String> {
        let n = self.count(1)?;
        String::from_utf8(self.take(n)?.to_vec()).map_err(|_| "invalid UTF-8".to_string())
    }
}

fn from_image(state: &[u8]) -> Result<PyGraph, String> {
    let mut c = Cursor { b: state, at: 0 };
    let head: serde_json::Value = serde_json::from_str(&c.str()?).map_err(|e| e.to_string())?;
    if c.take(8)? != MAGIC {
        return Err("bad magic bytes".into());
    }
    let n = c.count(8)?;
    let labels = (0..n).map(|_| c.str()).collect::<Result<Vec<_>, _>>()?;
    let m = c.count(8)?;
    let mut edges = Vec::with_capacity(m);
    for _ in 0..m {
        let e = c.take(8)?;
        edges.push((
            u32::from_le_bytes(e[..4].try_into().unwrap()),
            u32::from_le_bytes(e[4..].try_into().unwrap()),
        ));
    }
    let lengths = match c.take(1)?[0] {
        0 => None,
        _ => Some(
            (0..m)
                .map(|_| c.take(8).map(|x| f64::from_le_bytes(x.try_into().unwrap())))
                .collect::<Result<Vec<_>, _>>()?,
        ),
    };
    let mut g = Graph::from_edges(labels, &edges, lengths.as_deref()).map_err(|e| e.to_string())?;
    let cols = c.count(9)?;
    for _ in 0..cols {
        let name = c.str()?;
        let col = match c.take(1)?[0] {
            0 => Column::Int(
                (0..n)
                    .map(|_| c.take(8).map(|x| i64::from_le_bytes(x.try_into().unwrap())))
                    .collect::<Result<_, _>>()?,
            ),
            1 => Column::Float(
                (0..n)
                    .map(|_| c.take(8).map(|x| f64::from_le_bytes(x.try_into().unwrap())))
                    .collect::<Result<_, _>>()?,
            ),
            _ => Column::Text((0..n).map(|_| c.str()).collect::<Result<_, _>>()?),
        };
        g.set_column(name, col).map_err(|e| e.to_string())?;
    }
    let source = head["source"].as_object().cloned().ok_or("no source description")?;
    let key = head["key"].as_str().unwrap_or("GEOID").to_string();
    let notes = head["notes"]
        .as_array()
        .map(|a| a.iter().filter_map(|v| v.as_str().map(str::to_string)).collect())
        .unwrap_or_default();
    Ok(PyGraph { graph: Arc::new(g), source, key, notes })
}
