//! File access, isolated here so the rest of the crate works on text and readers: finds a
//! shapefile's sidecar files and picks the reader by extension and content.

use crate::error::{GeoError, Result};
use crate::model::Layer;
use redraw_graph::limits;
use std::path::{Path, PathBuf};

fn io_err(path: &Path, error: std::io::Error) -> GeoError {
    GeoError::Io { path: path.display().to_string(), error }
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
/// a `.zip` holding such a shapefile,
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
            // .cpg and .prj are one-line texts: read at most a few megabytes of them.
            let read_text = |ext: &str| -> Result<Option<String>> {
                match sidecar(path, ext) {
                    Some(p) => std::fs::File::open(&p)
                        .and_then(|f| {
                            limits::read_bytes_capped(
                                f,
                                limits::MAX_SMALL_TEXT_BYTES,
                                &format!("a .{ext} file"),
                            )
                        })
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
        "zip" => {
            let file = std::fs::File::open(path).map_err(|e| io_err(path, e))?;
            read_zip(std::io::BufReader::new(file), &path.display().to_string(), object)
        }
        "json" | "geojson" | "topojson" => {
            let text = limits::read_text(path, limits::MAX_JSON_BYTES, "a GeoJSON or TopoJSON file")
                .map_err(|e| io_err(path, e))?;
            read_json_text(&text, object).map_err(|e| GeoError::Input(format!("{}: {e}", path.display())))
        }
        other => Err(GeoError::Input(format!(
            "{}: unsupported file type `.{other}` (expected .shp, .zip, .geojson, .json or .topojson)",
            path.display()
        ))),
    }
}

/// A zipped shapefile (as the Census Bureau distributes TIGER/Line files) from any seekable
/// reader (`display` names the archive in messages). Members are decompressed in memory, each
/// within [`limits::MAX_ZIP_MEMBER_BYTES`]: a member's declared size is checked before reading
/// and never used to size a buffer, so a tiny archive claiming a 4 TiB member is a "corrupt
/// archive" error, not an allocation. With several shapefiles in the archive, `member` picks one
/// by file name (with or without `.shp`). An archive without a shapefile but with one
/// GeoJSON/TopoJSON file reads that instead.
pub fn read_zip<R: std::io::Read + std::io::Seek>(
    reader: R,
    display: &str,
    member: Option<&str>,
) -> Result<Layer> {
    let zerr =
        |e: zip::result::ZipError| GeoError::Input(format!("{display}: not a readable zip archive: {e}"));
    let mut archive = zip::ZipArchive::new(reader).map_err(zerr)?;
    let names: Vec<String> = archive.file_names().map(str::to_string).collect();
    let lower = |s: &str| s.to_ascii_lowercase();
    let shps: Vec<&String> = names.iter().filter(|n| lower(n).ends_with(".shp")).collect();
    let mut read = |name: &str| -> Result<Vec<u8>> {
        let f = archive.by_name(name).map_err(zerr)?;
        let declared = f.size();
        if declared > limits::MAX_ZIP_MEMBER_BYTES {
            return Err(GeoError::Input(format!(
                "{display}: corrupt archive (or one redraw will not unpack): member {name} claims {} \
                 uncompressed, more than the {} redraw reads from an archive; unzip it and pass the \
                 .shp instead",
                limits::human_bytes(declared),
                limits::human_bytes(limits::MAX_ZIP_MEMBER_BYTES)
            )));
        }
        limits::read_bytes_capped(f, declared, &format!("member {name}"))
            .map_err(|e| GeoError::Input(format!("{display}: corrupt archive: {e}")))
    };
    let shp = match (shps.as_slice(), member) {
        ([], _) => {
            let json: Vec<&String> = names
                .iter()
                .filter(|n| [".geojson", ".json", ".topojson"].iter().any(|e| lower(n).ends_with(e)))
                .collect();
            return match json.as_slice() {
                [one] => {
                    let bytes = read(one)?;
                    let text = String::from_utf8_lossy(&bytes);
                    read_json_text(&text, None).map_err(|e| GeoError::Input(format!("{display}/{one}: {e}")))
                }
                _ => Err(GeoError::Input(format!(
                    "{display}: no shapefile (.shp) and no single GeoJSON/TopoJSON file in the archive (members: {})",
                    names.join(", ")
                ))),
            };
        }
        ([one], None) => (*one).clone(),
        (many, Some(m)) => many
            .iter()
            .find(|n| {
                let n = lower(n);
                let m = lower(m);
                n == m
                    || n == format!("{m}.shp")
                    || n.ends_with(&format!("/{m}"))
                    || n.ends_with(&format!("/{m}.shp"))
            })
            .map(|s| (*s).clone())
            .ok_or_else(|| {
                GeoError::Input(format!(
                    "{display}: no member `{m}` (shapefiles: {})",
                    many.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ")
                ))
            })?,
        (many, None) => {
            return Err(GeoError::Input(format!(
                "{display}: the archive holds {} shapefiles ({}); choose one with --layer",
                many.len(),
                many.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ")
            )))
        }
    };
    let stem = &shp[..shp.len() - 4];
    let sidecar = |ext: &str| names.iter().find(|n| lower(n) == lower(&format!("{stem}.{ext}"))).cloned();
    let dbf_name = sidecar("dbf").ok_or_else(|| {
        GeoError::Shapefile(format!(
            "{display}: {shp} has no {stem}.dbf in the archive (needed for ids and attributes)"
        ))
    })?;
    let cpg = sidecar("cpg").map(|n| read(&n)).transpose()?.map(|b| String::from_utf8_lossy(&b).into_owned());
    let prj = sidecar("prj").map(|n| read(&n)).transpose()?.map(|b| String::from_utf8_lossy(&b).into_owned());
    let shp_bytes = read(&shp)?;
    let dbf_bytes = read(&dbf_name)?;
    crate::shp::read_shapefile(
        std::io::Cursor::new(shp_bytes),
        std::io::Cursor::new(dbf_bytes),
        cpg.as_deref(),
        prj.as_deref(),
    )
    .map_err(|e| GeoError::Input(format!("{display}/{shp}: {e}")))
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
