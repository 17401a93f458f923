//! Convenience readers that open files by path: the only module of this crate that touches the
//! file system. Every error names the file it came from; parse errors inside also name the line,
//! node or field.

use std::path::{Path, PathBuf};

use crate::attrs::AttributeTable;
use crate::edgelist::read_edge_list;
use crate::error::ReadError;
use crate::graph::Graph;
use crate::limits;
use crate::networkx::read_networkx;
use crate::plan::{Plan, PlanError};
use crate::rdabase::read_rdabase;
use crate::read::{sniff_json, Loaded, SourceFormat};

/// An error reading a named file. The message includes the underlying error (which is
/// therefore not also exposed as `source()`, so error chains do not print it twice).
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    #[error("cannot read {}: {error}", path.display())]
    Io { path: PathBuf, error: std::io::Error },
    #[error("{}: {error}", path.display())]
    Read { path: PathBuf, error: ReadError },
    #[error("{}: {error}", path.display())]
    Plan { path: PathBuf, error: PlanError },
    #[error("{}: not a graph file redraw knows: expected networkx adjacency JSON, an rdabase \
             adjacency dict (*_graph.json, with --data *_data.csv) or an edge-list .csv", path.display())]
    UnknownFormat { path: PathBuf },
}

/// A JSON graph file, read whole within [`limits::MAX_JSON_BYTES`] (refused at its first NUL
/// byte, so a sparse file or `/dev/zero` fails at once).
fn read_text(path: &Path) -> Result<String, FileError> {
    limits::read_text(path, limits::MAX_JSON_BYTES, "a JSON graph")
        .map_err(|error| FileError::Io { path: path.to_path_buf(), error })
}

/// Opens a streamed file (CSV). The parsers guard the stream themselves ([`limits::TextGuard`]).
fn open(path: &Path) -> Result<std::io::BufReader<std::fs::File>, FileError> {
    std::fs::File::open(path)
        .map(std::io::BufReader::new)
        .map_err(|error| FileError::Io { path: path.to_path_buf(), error })
}

fn at(path: &Path) -> impl Fn(ReadError) -> FileError + '_ {
    move |error| FileError::Read { path: path.to_path_buf(), error }
}

/// Reads networkx adjacency JSON from a file.
pub fn read_networkx_file(path: &Path) -> Result<Loaded, FileError> {
    read_networkx(&read_text(path)?).map_err(at(path))
}

/// Reads an attribute CSV keyed by `key_column`.
pub fn read_attributes(path: &Path, key_column: &str) -> Result<AttributeTable, FileError> {
    AttributeTable::from_csv(open(path)?, key_column).map_err(at(path))
}

/// `XX_graph.json` → `XX_data.csv`, if that file exists (the rdabase naming convention).
pub fn rdabase_data_path(graph_json: &Path) -> Option<PathBuf> {
    let name = graph_json.file_name()?.to_str()?;
    let stem = name.strip_suffix("_graph.json")?;
    let p = graph_json.with_file_name(format!("{stem}_data.csv"));
    p.is_file().then_some(p)
}

/// Reads an rdabase adjacency dict plus its data CSV (keyed by `key_column`, usually `GEOID`).
/// When `data` is `None` and `XX_data.csv` sits beside `XX_graph.json`, that file is used.
pub fn read_rdabase_files(
    graph_json: &Path,
    data: Option<&Path>,
    key_column: &str,
) -> Result<Loaded, FileError> {
    rdabase_from_text(graph_json, &read_text(graph_json)?, data, key_column)
}

fn rdabase_from_text(
    graph_json: &Path,
    text: &str,
    data: Option<&Path>,
    key_column: &str,
) -> Result<Loaded, FileError> {
    let found = if data.is_none() { rdabase_data_path(graph_json) } else { None };
    let data_path = data.or(found.as_deref());
    let table = data_path.map(|p| read_attributes(p, key_column)).transpose()?;
    let mut loaded = read_rdabase(text, table.as_ref()).map_err(|error| match (&error, data_path) {
        // Disagreements between the two files are reported against both.
        (ReadError::Mismatch(_), Some(d)) => FileError::Read {
            path: PathBuf::from(format!("{} + {}", graph_json.display(), d.display())),
            error,
        },
        _ => FileError::Read { path: graph_json.to_path_buf(), error },
    })?;
    if let Some(p) = found {
        loaded.notes.push(format!("attributes from {}", p.display()));
    }
    Ok(loaded)
}

/// Reads an edge-list CSV plus an optional attribute CSV keyed by `key_column`.
pub fn read_edge_list_files(
    edges: &Path,
    attrs: Option<&Path>,
    key_column: &str,
) -> Result<Loaded, FileError> {
    let table = attrs.map(|p| read_attributes(p, key_column)).transpose()?;
    read_edge_list(open(edges)?, table.as_ref()).map_err(at(edges))
}

/// The format of a graph file: `.csv` is an edge list; JSON is sniffed by [`sniff_json`].
pub fn detect_format(path: &Path) -> Result<SourceFormat, FileError> {
    if is_csv(path) {
        return Ok(SourceFormat::EdgeList);
    }
    // The top-level keys of networkx JSON may follow megabytes of nodes, so read it all (within
    // the JSON cap; binary input fails on its first NUL byte).
    sniff_json(&read_text(path)?).ok_or_else(|| FileError::UnknownFormat { path: path.to_path_buf() })
}

fn is_csv(path: &Path) -> bool {
    path.extension().is_some_and(|e| e.eq_ignore_ascii_case("csv"))
}

/// Reads any graph file redraw knows, detecting its format (the file is read once). `data` is
/// the attribute CSV for the rdabase and edge-list layouts, keyed by `key_column`.
pub fn read_graph(
    path: &Path,
    data: Option<&Path>,
    key_column: &str,
) -> Result<(Loaded, SourceFormat), FileError> {
    if is_csv(path) {
        return Ok((read_edge_list_files(path, data, key_column)?, SourceFormat::EdgeList));
    }
    let text = read_text(path)?;
    let format = sniff_json(&text).ok_or_else(|| FileError::UnknownFormat { path: path.to_path_buf() })?;
    let loaded = match format {
        SourceFormat::Networkx => read_networkx(&text).map_err(at(path))?,
        SourceFormat::Rdabase => rdabase_from_text(path, &text, data, key_column)?,
        // sniff_json only tells JSON layouts apart; an edge list is recognised by its extension.
        SourceFormat::EdgeList => read_edge_list_files(path, data, key_column)?,
    };
    Ok((loaded, format))
}

/// Reads a `unit id,district` plan CSV, matching ids against the graph column `key` (or the
/// node labels when `None`).
pub fn read_plan_csv(graph: &Graph, path: &Path, key: Option<&str>) -> Result<Plan, FileError> {
    Plan::from_csv(graph, open(path)?, key)
        .map_err(|error| FileError::Plan { path: path.to_path_buf(), error })
}
