//! File access, isolated here so the rest of the crate works on text and readers: finds a
//! shapefile's sidecar files and picks the reader by extension and content.

use crate::error::{GeoError, Result};
use crate::model::Layer;
use std::path::{Path, PathBuf};

fn io_err(path: &Path, source: std::io::Error) -> GeoError {
    GeoError::Io { path: path.display().to_string(), source }
}

/// The sidecar of `shp` with extension `ext`, matching the extension case-insensitively
/// (`.DBF` next to `.SHP` is common on Windows-made data).
fn sidecar(shp: &Path, ext: &str) -> Option<PathBuf> {
    let stem = shp.file_stem()?.to_string_lossy().to_string();
    let dir = match shp.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let direct = dir.join(format!("{stem}.{ext}"));
    if direct.exists() {
        return Some(direct);
    }
    std::fs::read_dir(&dir).ok()?.filter_map(|e| e.ok()).map(|e| e.path()).find(|p| {
        p.file_stem().map(|s| s.to_string_lossy() == stem).unwrap_or(false)
            && p.extension().map(|x| x.to_string_lossy().eq_ignore_ascii_case(ext)).unwrap_or(false)
    })
}

/// Reads a polygon layer from a file: `.shp` (with its `.dbf`, and `.cpg`/`.prj` when present),
/// `.geojson`/`.json` (GeoJSON or TopoJSON, told apart by the top-level `type`) or `.topojson`.
/// `object` picks the TopoJSON object when the topology has several.
pub fn read_path(path: &Path, object: Option<&str>) -> Result<Layer> {
    let ext = path.extension().map(|e| e.to_string_lossy().to_ascii_lowercase()).unwrap_or_default();
    match ext.as_str() {
        "shp" => {
            let shp = std::fs::File::open(path).map_err(|e| io_err(path, e))?;
            let dbf_path = sidecar(path, "dbf").ok_or_else(|| {
                GeoError::Shapefile(format!(
                    "{}: the attribute table {} is missing (a shapefile needs its .dbf for ids and attributes)",
                    path.display(),
                    path.with_extension("dbf").display()
                ))
            })?;
            let dbf = std::fs::File::open(&dbf_path).map_err(|e| io_err(&dbf_path, e))?;
            let read_text = |ext: &str| -> Result<Option<String>> {
                match sidecar(path, ext) {
                    Some(p) => std::fs::read(&p)
                        .map(|b| Some(String::from_utf8_lossy(&b).into_owned()))
                        .map_err(|e| io_err(&p, e)),
                    None => Ok(None),
                }
            };
            let cpg = read_text("cpg")?;
            let prj = read_text("prj")?;
            crate::shp::read_shapefile(
                std::io::BufReader::new(shp),
                std::io::BufReader::new(dbf),
                cpg.as_deref(),
                prj.as_deref(),
            )
            .map_err(|e| GeoError::Input(format!("{}: {e}", path.display())))
        }
        "json" | "geojson" | "topojson" => {
            let text = std::fs::read_to_string(path).map_err(|e| io_err(path, e))?;
            read_json_text(&text, object).map_err(|e| GeoError::Input(format!("{}: {e}", path.display())))
        }
        other => Err(GeoError::Input(format!(
            "{}: unsupported file type `.{other}` (expected .shp, .geojson, .json or .topojson)",
            path.display()
        ))),
    }
}

/// GeoJSON or TopoJSON text, told apart by the top-level `"type": "Topology"`.
///
/// ```
/// let topo = r#"{"arcs": [[[0,0],[1,0],[1,1],[0,0]]], "type": "Topology",
///   "objects": {"u": {"type": "Polygon", "arcs": [[0]], "id": "a"}}}"#;
/// let layer = redraw_geo::io::read_json_text(topo, None).unwrap();
/// assert_eq!(layer.features.len(), 1);
/// ```
pub fn read_json_text(text: &str, object: Option<&str>) -> Result<Layer> {
    // Cheap sniff on the first kilobyte before a full parse.
    let head: String = text.chars().take(1024).collect::<String>().replace(char::is_whitespace, "");
    if head.contains(r#""type":"Topology""#) {
        return crate::topojson::read_topojson(text, object);
    }
    match crate::geojson_reader::read_geojson(text) {
        // A topology whose `type` member comes after a large `arcs` array.
        Err(_) if text.contains(r#""Topology""#) => crate::topojson::read_topojson(text, object),
        other => other,
    }
}
