//! From a loaded graph and the user's choices to a [`RunSpec`](crate::RunSpec)'s parts: the
//! [`Problem`], the initial plan (a node column, a plan CSV, a given assignment, or a seed plan
//! drawn from the run's seed), and the manifest's `inputs` description with the input files'
//! SHA-256.
//!
//! The CLI (`redraw ensemble`) and the Python bindings both call [`prepare`], so a run started
//! from either with the same inputs writes the same manifest, byte for byte. Reads only the
//! input files it describes (plan CSV, and the graph files to hash them).

use std::path::{Path, PathBuf};

use redraw_graph::io::{read_plan_csv, FileError};
use redraw_graph::{Counties, Graph, Plan, SourceFormat};

use crate::problem::{Problem, ProblemError, ProblemSpec};
use crate::rng::Rng;
use crate::run::{sha256_file, RunError};
use crate::seed::{seed_plan, SeedError};

/// Where the graph came from, as the manifest records it.
#[derive(Clone, Debug)]
pub enum GraphSource {
    /// Read from a file (and, for rdabase and edge lists, an attribute CSV).
    File { path: PathBuf, format: SourceFormat, data: Option<PathBuf> },
    /// Built in memory (e.g. from a networkx graph in Python): identified by the SHA-256 of its
    /// networkx JSON as `redraw_graph::networkx::write_networkx` writes it, and a description.
    Memory { sha256: String, origin: String },
    /// A description [`GraphSource::describe`] made earlier, e.g. on the machine that read the
    /// file, for a graph that was then sent elsewhere (a Ray task, a pickle).
    Described(serde_json::Map<String, serde_json::Value>),
}

impl GraphSource {
    /// The `graph`, `graph_format` and (if any) `data` entries of the manifest's inputs.
    pub fn describe(&self) -> Result<serde_json::Map<String, serde_json::Value>, SetupError> {
        let mut m = serde_json::Map::new();
        match self {
            GraphSource::File { path, format, data } => {
                m.insert("graph".into(), file_info(path)?);
                m.insert(
                    "graph_format".into(),
                    match format {
                        SourceFormat::Networkx => "networkx",
                        SourceFormat::Rdabase => "rdabase",
                        SourceFormat::EdgeList => "edge-list",
                    }
                    .into(),
                );
                // The attribute CSV: given, or found beside an rdabase graph by the reader.
                let data = match (data, format) {
                    (Some(d), _) => Some(d.clone()),
                    (None, SourceFormat::Rdabase) => redraw_graph::io::rdabase_data_path(path),
                    _ => None,
                };
                if let Some(d) = data {
                    m.insert("data".into(), file_info(&d)?);
                }
            }
            GraphSource::Memory { sha256, origin } => {
                m.insert("graph".into(), serde_json::json!({ "sha256": sha256, "origin": origin }));
                m.insert("graph_format".into(), "networkx".into());
            }
            GraphSource::Described(d) => m = d.clone(),
        }
        Ok(m)
    }
}

/// `{path (absolute), sha256}` of an input file.
pub fn file_info(path: &Path) -> Result<serde_json::Value, SetupError> {
    let abs = std::fs::canonicalize(path)
        .map_err(|error| SetupError::from(FileError::Io { path: path.to_path_buf(), error }))?;
    Ok(serde_json::json!({ "path": abs.display().to_string(), "sha256": sha256_file(path)? }))
}

/// The initial plan of every chain.
#[derive(Clone, Debug)]
pub enum InitialPlan {
    /// A node attribute column (`--assignment COL`).
    Column(String),
    /// A `unit id,district` CSV matched against the key column (`--plan CSV`).
    Csv(PathBuf),
    /// A plan given directly (e.g. a GerryChain `Partition` in Python); `info` is what the
    /// manifest records (`kind` and a hash of the assignment).
    Given { plan: Plan, info: serde_json::Value },
    /// Drawn by recursive spanning-tree bipartition from the stream `(seed, 2^64-1)`.
    Generated,
    /// None: SMC draws every plan from scratch. [`Prepared::initial`] is empty, the labels are
    /// `"1"`..`"k"` and `Setup::districts` gives k.
    None,
}

/// Where each unit's county comes from.
#[derive(Clone, Debug)]
pub enum CountySource {
    Column(String),
    /// The first N characters of the key column (or of the node ids).
    Prefix(usize),
}

/// Everything [`prepare`] needs.
pub struct Setup<'a> {
    pub graph: &'a Graph,
    pub source: &'a GraphSource,
    /// The unit-id column (plan CSV ids and county prefixes come from it when the graph has it).
    pub key: &'a str,
    pub pop: &'a str,
    /// Number of districts; taken from the initial plan when `None` (must match it if given).
    pub districts: Option<usize>,
    pub tolerance: f64,
    /// `(name, dem column, rep column)`.
    pub elections: Vec<(String, String, String)>,
    pub initial: InitialPlan,
    pub county: Option<CountySource>,
    pub max_county_splits: Option<u32>,
    /// Node columns to sum per district in every recorded row (`--track COL`), in order.
    pub tracked: Vec<String>,
    /// The run's seed (a generated initial plan draws from it).
    pub seed: u64,
}

/// The parts of a [`RunSpec`](crate::RunSpec) that depend on the inputs.
pub struct Prepared {
    pub problem: Problem,
    pub initial: Vec<u32>,
    pub district_labels: Vec<String>,
    pub inputs: serde_json::Value,
}

/// Why the inputs cannot make a run. Messages name the flag (or the Python keyword of the same
/// name) at fault.
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    // Boxed: the file errors are large and errors are rare.
    #[error(transparent)]
    File(Box<FileError>),
    #[error("--assignment {column}")]
    Assignment {
        column: String,
        #[source]
        source: redraw_graph::PlanError,
    },
    #[error("the initial plan has {found} districts ({labels}) but --districts is {k}")]
    DistrictCount { found: usize, labels: String, k: usize },
    #[error("give --districts K, or an initial plan with --assignment COL or --plan CSV")]
    NoDistricts,
    #[error("the initial plan: {0}")]
    Plan(#[source] redraw_graph::PlanError),
    #[error("--county {column}")]
    County {
        column: String,
        #[source]
        source: redraw_graph::PlanError,
    },
    #[error("--county-prefix {len}")]
    CountyPrefix {
        len: usize,
        #[source]
        source: redraw_graph::PlanError,
    },
    #[error("--county-prefix must be at least 1 (5 for state+county FIPS)")]
    ZeroPrefix,
    #[error("--max-county-splits needs --county COL or --county-prefix N")]
    SplitsWithoutCounties,
    #[error("{graph}")]
    Problem {
        graph: String,
        #[source]
        source: ProblemError,
    },
    #[error(transparent)]
    Seed(#[from] SeedError),
    #[error(transparent)]
    Run(Box<RunError>),
}

impl From<FileError> for SetupError {
    fn from(e: FileError) -> Self {
        SetupError::File(Box::new(e))
    }
}

impl From<RunError> for SetupError {
    fn from(e: RunError) -> Self {
        SetupError::Run(Box::new(e))
    }
}

/// Parses `--election NAME=DEM_COLUMN,REP_COLUMN` (of `redraw ensemble`, `judge` and `map`):
/// spaces around each part are dropped, and an empty part is an error.
pub fn parse_election(s: &str) -> Result<(String, String, String), String> {
    let parsed = s.split_once('=').and_then(|(n, cols)| {
        let (d, r) = cols.split_once(',')?;
        let (n, d, r) = (n.trim(), d.trim(), r.trim());
        (!n.is_empty() && !d.is_empty() && !r.is_empty())
            .then(|| (n.to_string(), d.to_string(), r.to_string()))
    });
    parsed.ok_or_else(|| format!("--election {s:?}: expected NAME=DEM_COLUMN,REP_COLUMN"))
}

/// Loads the initial plan and counties, builds the [`Problem`], draws a seed plan if asked, and
/// describes the inputs for the manifest.
pub fn prepare(s: Setup) -> Result<Prepared, SetupError> {
    let g = s.graph;
    let no_plan = matches!(s.initial, InitialPlan::None);
    let key_col = g.column(s.key).is_ok().then_some(s.key);
    let (plan, plan_info) = match s.initial {
        InitialPlan::Column(col) => {
            let p = Plan::from_column(g, &col)
                .map_err(|source| SetupError::Assignment { column: col.clone(), source })?;
            (Some(p), serde_json::json!({ "kind": "column", "column": col }))
        }
        InitialPlan::Csv(csv) => {
            let p = read_plan_csv(g, &csv, key_col)?;
            (Some(p), serde_json::json!({ "kind": "csv", "file": file_info(&csv)? }))
        }
        InitialPlan::Given { plan, info } => {
            plan.check_graph(g).map_err(SetupError::Plan)?;
            (Some(plan), info)
        }
        InitialPlan::Generated | InitialPlan::None => (None, serde_json::Value::Null),
    };
    let k = match (&plan, s.districts) {
        (Some(p), Some(k)) if p.district_count() != k => {
            return Err(SetupError::DistrictCount {
                found: p.district_count(),
                labels: p.district_labels().join(", "),
                k,
            })
        }
        (Some(p), _) => p.district_count(),
        (None, Some(k)) => k,
        (None, None) => return Err(SetupError::NoDistricts),
    };
    let counties = match &s.county {
        Some(CountySource::Column(c)) => Some(
            Counties::from_column(g, c).map_err(|source| SetupError::County { column: c.clone(), source })?,
        ),
        Some(CountySource::Prefix(0)) => return Err(SetupError::ZeroPrefix),
        Some(CountySource::Prefix(n)) => Some(
            Counties::from_prefix(g, key_col, *n)
                .map_err(|source| SetupError::CountyPrefix { len: *n, source })?,
        ),
        None => None,
    };
    if s.max_county_splits.is_some() && counties.is_none() {
        return Err(SetupError::SplitsWithoutCounties);
    }
    let county_info = match &s.county {
        Some(CountySource::Column(c)) => serde_json::json!({ "column": c }),
        Some(CountySource::Prefix(n)) => {
            serde_json::json!({ "prefix": n, "of": key_col.unwrap_or("node ids") })
        }
        None => serde_json::Value::Null,
    };
    let spec = ProblemSpec {
        pop_column: s.pop.to_string(),
        districts: k,
        tolerance: s.tolerance,
        elections: s.elections,
        county: counties,
        max_county_splits: s.max_county_splits,
        tracked: s.tracked,
    };
    let graph_name = match s.source {
        GraphSource::File { path, .. } => path.display().to_string(),
        GraphSource::Memory { origin, .. } => origin.clone(),
        GraphSource::Described(d) => {
            let g = &d.get("graph").cloned().unwrap_or_default();
            g.get("path")
                .or_else(|| g.get("origin"))
                .and_then(|v| v.as_str())
                .unwrap_or("the graph")
                .to_string()
        }
    };
    let problem =
        Problem::new(g, &spec).map_err(|source| SetupError::Problem { graph: graph_name, source })?;
    let (initial, district_labels, plan_info) = match plan {
        Some(p) => (p.assignment().to_vec(), p.district_labels().to_vec(), plan_info),
        None if no_plan => (Vec::new(), (1..=k).map(|d| d.to_string()).collect(), serde_json::Value::Null),
        None => {
            // The seed plan's stream is separate from every chain's.
            let mut rng = Rng::for_chain(s.seed, u64::MAX);
            let a = seed_plan(&problem, &mut rng)?;
            let labels = (1..=k).map(|d| d.to_string()).collect();
            let info = serde_json::json!({
                "kind": "generated",
                "method": "recursive spanning-tree bipartition",
                "stream": "Rng::for_chain(seed, 2^64-1)",
            });
            (a, labels, info)
        }
    };
    let mut inputs = serde_json::Value::Object(s.source.describe()?);
    inputs[crate::verify::INPUT_POPULATION_COLUMN] = s.pop.into();
    inputs["initial_plan"] = plan_info;
    inputs["county"] = county_info;
    Ok(Prepared { problem, initial, district_labels, inputs })
}

#[cfg(test)]
mod tests {
    use super::parse_election;

    #[test]
    fn election_flags_are_trimmed_and_need_three_parts() {
        let ok = |n: &str, d: &str, r: &str| Ok((n.to_string(), d.to_string(), r.to_string()));
        assert_eq!(parse_election("COMP=DEM_VOTES,REP_VOTES"), ok("COMP", "DEM_VOTES", "REP_VOTES"));
        assert_eq!(parse_election(" COMP = D , R "), ok("COMP", "D", "R"));
        for bad in ["COMP", "COMP=D", "=D,R", "COMP=,R", "COMP=D, ", ""] {
            let e = parse_election(bad).unwrap_err();
            assert!(
                e.contains("expected NAME=DEM_COLUMN,REP_COLUMN") && e.contains(&format!("{bad:?}")),
                "{e}"
            );
        }
    }
}
