//! Errors from reading graph and attribute files. Parsers do not know the file name (they read
//! `&str`/`impl Read`); [`crate::io`] wraps these errors with the path.

use crate::graph::GraphError;

/// What went wrong while reading a graph, an attribute table or a plan.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("invalid JSON at line {line}, column {column}: {message}")]
    Json { line: usize, column: usize, message: String },
    #[error("CSV line {line}: {message}")]
    Csv { line: u64, message: String },
    #[error("unsupported networkx JSON: {0}")]
    NetworkxShape(String),
    #[error("unsupported rdabase adjacency JSON: {0}")]
    RdabaseShape(String),
    #[error("{location}: node has no \"id\" attribute")]
    MissingNodeId { location: String },
    #[error("duplicate unit id {id:?}: first at {first}, again at {second}")]
    DuplicateId { id: String, first: String, second: String },
    #[error("{location}: unknown unit id {id:?} (not among the graph's nodes)")]
    UnknownId { location: String, id: String },
    #[error("node {node:?} lists itself as a neighbour (self-loop)")]
    SelfLoop { node: String },
    #[error(
        "asymmetric adjacency: {node:?} lists {neighbor:?} as a neighbour, but {neighbor:?} does not list {node:?}"
    )]
    Asymmetric { node: String, neighbor: String },
    #[error("missing column {column:?}; the header has: {available}")]
    MissingColumn { column: String, available: String },
    #[error("{location}: field {field:?} is {found:?}, expected {expected}")]
    BadField { location: String, field: String, found: String, expected: String },
    #[error("the attribute table and the adjacency disagree: {0}")]
    Mismatch(String),
    /// The stream is not readable text (a NUL byte, an overlong line, invalid UTF-8): the
    /// message names the line (see [`crate::limits`]).
    #[error("{0}")]
    Text(String),
    #[error(transparent)]
    Graph(#[from] GraphError),
}

impl ReadError {
    pub(crate) fn from_json(e: serde_json::Error) -> ReadError {
        ReadError::Json { line: e.line(), column: e.column(), message: e.to_string() }
    }

    pub(crate) fn from_csv(e: csv::Error) -> ReadError {
        if let csv::ErrorKind::Io(io) = e.kind() {
            return ReadError::Text(io.to_string());
        }
        let line = e.position().map_or(0, |p| p.line());
        let message = match e.kind() {
            csv::ErrorKind::UnequalLengths { expected_len, len, .. } => {
                format!("row has {len} fields but the header has {expected_len}")
            }
            csv::ErrorKind::Utf8 { .. } => "not valid UTF-8".to_string(),
            _ => e.to_string(),
        };
        ReadError::Csv { line, message }
    }
}

/// Up to `n` examples from a list, quoted and comma-separated, with "…" when there are more.
pub(crate) fn examples<S: AsRef<str>>(items: &[S], n: usize) -> String {
    let mut s: Vec<String> = items.iter().take(n).map(|x| format!("{:?}", x.as_ref())).collect();
    if items.len() > n {
        s.push("…".to_string());
    }
    s.join(", ")
}
