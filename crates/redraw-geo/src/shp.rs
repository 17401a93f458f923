//! ESRI shapefile reader (.shp geometry + .dbf attributes, .cpg encoding, .prj CRS) on top
//! of the `shapefile`/`dbase` crates. Takes readers, not paths: [`crate::io`] finds the
//! sidecar files.
//!
//! Attribute text encoding, in order of precedence: the `.cpg` file (e.g. `UTF-8`, `1252`,
//! `ISO-8859-1`); else the code-page mark in the `.dbf` header; else UTF-8 with invalid bytes
//! replaced (and an `encoding` warning).

use crate::error::{GeoError, Result};
use crate::model::{
    clean_ring, ring_signed_area, validate, Crs, Feature, Layer, Polygon, Warning, WarningKind,
};
use serde_json::{Map, Number, Value};
use shapefile::dbase::{self, encoding_rs, FieldValue};
use shapefile::{PolygonRing, Shape};
use std::io::{Read, Seek, SeekFrom};

/// Maps a `.cpg` label to an encoding. Accepts WHATWG labels and the bare code-page numbers
/// ESRI software writes (`1252`, `65001`, `88591`).
pub fn encoding_for_cpg(label: &str) -> Option<&'static encoding_rs::Encoding> {
    let l = label.trim().trim_start_matches('\u{feff}').to_ascii_lowercase();
    let mapped = match l.as_str() {
        "65001" | "utf8" => "utf-8",
        "88591" | "8859_1" | "iso88591" => "iso-8859-1",
        "1252" | "ansi 1252" | "cp1252" => "windows-1252",
        "1250" => "windows-1250",
        "1251" => "windows-1251",
        "437" | "oem" => "ibm866", // no CP437 in encoding_rs; 866 is the nearest DOS page it has
        other => other,
    };
    encoding_rs::Encoding::for_label(mapped.as_bytes())
}

/// Reads the CRS from `.prj` WKT: `PROJCS[...]` is projected (with its linear unit),
/// `GEOGCS[...]`/`GEOGCRS[...]` is longitude/latitude.
pub fn crs_from_prj(wkt: &str) -> Crs {
    let t = wkt.trim();
    let name = t.split('"').nth(1).map(str::to_string);
    let upper = t.to_ascii_uppercase();
    if upper.starts_with("PROJCS") || upper.starts_with("PROJCRS") {
        // The projected CRS's linear unit is the last UNIT[...] of the WKT (the GEOGCS's
        // angular unit comes earlier).
        let unit_to_m = upper
            .rfind("UNIT[")
            .and_then(|i| {
                let rest = &t[i..];
                let factor = rest.split(',').nth(1)?.trim_end_matches([']', ' ']).trim();
                factor.split(']').next()?.trim().parse::<f64>().ok()
            })
            .filter(|f| *f > 0.0)
            .unwrap_or(1.0);
        Crs::projected(
            name.clone(),
            unit_to_m,
            format!(".prj: projected ({}), unit = {unit_to_m} m", name.unwrap_or_default()),
        )
    } else {
        Crs::geographic(name.clone(), format!(".prj: longitude/latitude ({})", name.unwrap_or_default()))
    }
}

fn field_to_json(v: FieldValue) -> Value {
    let num = |f: f64| Number::from_f64(f).map(Value::Number).unwrap_or(Value::Null);
    match v {
        FieldValue::Character(s) => s.map(|s| Value::String(s.trim().to_string())).unwrap_or(Value::Null),
        FieldValue::Numeric(n) => n
            .map(|f| if f.fract() == 0.0 && f.abs() < 9e15 { Value::from(f as i64) } else { num(f) })
            .unwrap_or(Value::Null),
        FieldValue::Float(f) => f.map(|f| num(f as f64)).unwrap_or(Value::Null),
        FieldValue::Logical(b) => b.map(Value::Bool).unwrap_or(Value::Null),
        FieldValue::Integer(i) => Value::from(i),
        FieldValue::Double(f) | FieldValue::Currency(f) => num(f),
        FieldValue::Date(d) => d
            .map(|d| Value::String(format!("{:04}-{:02}-{:02}", d.year(), d.month(), d.day())))
            .unwrap_or(Value::Null),
        FieldValue::DateTime(dt) => {
            let d = dt.date();
            Value::String(format!("{:04}-{:02}-{:02}", d.year(), d.month(), d.day()))
        }
        FieldValue::Memo(s) => Value::String(s),
    }
}

fn shp_err(part: &str, e: impl std::fmt::Display) -> GeoError {
    GeoError::Shapefile(format!("{part}: {e}"))
}

/// Groups shapefile rings into polygons: each outer ring starts a polygon, each inner ring
/// belongs to the outer ring before it (the ESRI convention). Rings whose winding contradicts
/// their declared role are still read; only degenerate ones are dropped.
fn polygons<P>(
    rings: &[PolygonRing<P>],
    xy: impl Fn(&P) -> [f64; 2],
    idx: usize,
    warnings: &mut Vec<Warning>,
) -> Vec<Polygon> {
    let mut out: Vec<Polygon> = Vec::new();
    for ring in rings {
        let (pts, outer) = match ring {
            PolygonRing::Outer(p) => (p, true),
            PolygonRing::Inner(p) => (p, false),
        };
        let Some(r) = clean_ring(pts.iter().map(&xy)) else {
            warnings.push(Warning {
                kind: WarningKind::DegenerateRing,
                feature: Some(idx),
                message: "ring with fewer than 3 distinct points dropped".into(),
            });
            continue;
        };
        match (outer, out.last_mut()) {
            (false, Some(p)) => p.rings.push(r),
            _ => out.push(Polygon { rings: vec![r] }),
        }
    }
    out.retain(|p| ring_signed_area(&p.rings[0]) != 0.0);
    out
}

/// Walks the `.shp` record headers before the `shapefile` crate parses it, and checks that
/// every record fits in the file and that the part and point counts a polygon, polyline or
/// multipoint record claims fit in the record: the crate sizes its buffers from those counts, so
/// a 2 kB file claiming a billion parts would otherwise allocate gigabytes. One sequential pass
/// (record contents are skipped, not kept); leaves the reader at the start.
fn check_shp_structure<S: Read + Seek>(shp: &mut S) -> Result<()> {
    let io = |e: std::io::Error| shp_err(".shp", e);
    let len = shp.seek(SeekFrom::End(0)).map_err(io)?;
    shp.seek(SeekFrom::Start(0)).map_err(io)?;
    let mut header = [0u8; 100];
    shp.read_exact(&mut header).map_err(|e| shp_err(".shp header", e))?;
    let code = i32::from_be_bytes(header[..4].try_into().expect("4 bytes"));
    if code != 9994 {
        return Err(shp_err(".shp header", format!("not a shapefile (file code {code}, expected 9994)")));
    }
    let mut pos = 100u64;
    let mut rec = 0u64;
    let mut head = [0u8; 52];
    while pos < len {
        if len - pos < 8 {
            return Err(shp_err(
                ".shp",
                format!("record {rec}: the file ends inside the record header (truncated)"),
            ));
        }
        let avail = (len - pos).min(head.len() as u64) as usize;
        shp.read_exact(&mut head[..avail]).map_err(io)?;
        let words = i32::from_be_bytes(head[4..8].try_into().expect("4 bytes"));
        let content = 2 * u64::try_from(words)
            .map_err(|_| shp_err(".shp", format!("record {rec}: negative content length {words}")))?;
        if content > len - pos - 8 {
            return Err(shp_err(
                ".shp",
                format!(
                    "record {rec}: claims {content} bytes but the file ends {} bytes later (truncated or corrupt)",
                    len - pos - 8
                ),
            ));
        }
        // Only this record's bytes: the crate reads a shape's counts wherever the record says
        // they are, so a record too short to hold them is itself an error.
        let body = &head[8..8 + (avail - 8).min(content as usize)];
        let i32_at =
            |o: usize| body.get(o..o + 4).map(|b| i32::from_le_bytes(b.try_into().expect("4 bytes")));
        let (min_len, counts) = match i32_at(0) {
            // Polyline, polygon (and their M and Z forms): bbox, parts, points, part starts, points.
            Some(3 | 5 | 13 | 15 | 23 | 25) => (44, i32_at(36).zip(i32_at(40))),
            // Multipoint: bbox, points.
            Some(8 | 18 | 28) => (40, i32_at(36).map(|p| (0, p))),
            _ => (0, None),
        };
        if (body.len() as u64) < min_len {
            return Err(shp_err(
                ".shp",
                format!("record {rec}: {content} bytes are too few for its shape type (corrupt file)"),
            ));
        }
        let mut read = (avail - 8) as u64;
        if let Some((parts, points)) = counts {
            let need = u64::try_from(parts)
                .ok()
                .zip(u64::try_from(points).ok())
                .map(|(a, b)| 40 + 4 + 4 * a + 16 * b);
            if need.is_none_or(|n| n > content) {
                return Err(shp_err(
                    ".shp",
                    format!(
                        "record {rec}: claims {parts} parts and {points} points, which do not fit in its {content} bytes (corrupt file)"
                    ),
                ));
            }
            if parts > 0 {
                // The crate sizes each part's buffer from the difference of consecutive part
                // starts, so they must rise from 0 and stay within the points (a fuzzed start of
                // -2^28 asked for a 4 GB part). They follow the 44 bytes already read (`min_len`
                // is 44 and `head` holds 8 + 44 bytes, so the reader is right at them).
                debug_assert_eq!(read, 44);
                let mut prev = 0i32;
                for part in 0..parts {
                    let mut b = [0u8; 4];
                    shp.read_exact(&mut b).map_err(io)?;
                    read += 4;
                    let start = i32::from_le_bytes(b);
                    let ok = if part == 0 { start == 0 } else { (prev..=points).contains(&start) };
                    if !ok {
                        return Err(shp_err(
                            ".shp",
                            format!(
                                "record {rec}: part {part} starts at point {start}, expected {} (corrupt file)",
                                if part == 0 { "0".to_string() } else { format!("{prev} to {points}") }
                            ),
                        ));
                    }
                    prev = start;
                }
            }
        }
        // Skip the rest of the record.
        if content > read {
            let skip = content - read;
            let n = std::io::copy(&mut shp.by_ref().take(skip), &mut std::io::sink()).map_err(io)?;
            if n != skip {
                return Err(shp_err(".shp", format!("record {rec}: the file ends inside it (truncated)")));
            }
        } else if content < read {
            shp.seek(SeekFrom::Current(-((read - content) as i64))).map_err(io)?;
        }
        pos += 8 + content;
        rec += 1;
    }
    shp.seek(SeekFrom::Start(0)).map_err(io)?;
    Ok(())
}

/// Reads a shapefile from its `.shp` and `.dbf` contents, with the optional `.cpg` and `.prj`
/// texts. Records are paired by position; a `.dbf` with a different record count is an error.
pub fn read_shapefile<S: Read + Seek, D: Read + Seek>(
    mut shp: S,
    mut dbf: D,
    cpg: Option<&str>,
    prj: Option<&str>,
) -> Result<Layer> {
    let mut warnings = Vec::new();
    check_shp_structure(&mut shp)?;
    let shape_reader = shapefile::ShapeReader::new(shp).map_err(|e| shp_err(".shp header", e))?;
    let mut builder = dbase::ReaderBuilder::new();
    match cpg {
        Some(label) => {
            let enc = encoding_for_cpg(label)
                .ok_or_else(|| GeoError::Shapefile(format!(".cpg: unknown encoding `{}`", label.trim())))?;
            builder = builder.with_encoding(dbase::encoding::EncodingRs::from(enc));
        }
        None => {
            // Byte 29 of a dBase header is the language driver (code page) mark; 0 = unset.
            let mut head = [0u8; 32];
            let n = dbf.read(&mut head).map_err(|e| shp_err(".dbf", e))?;
            dbf.seek(SeekFrom::Start(0)).map_err(|e| shp_err(".dbf", e))?;
            if n < 32 {
                return Err(GeoError::Shapefile(format!(
                    ".dbf: file too short for a dBase header ({n} bytes)"
                )));
            }
            if head[29] == 0 {
                warnings.push(Warning {
                    kind: WarningKind::Encoding,
                    feature: None,
                    message: "no .cpg file and no code page in the .dbf header; attribute text decoded as UTF-8 (invalid bytes replaced)".into(),
                });
                builder = builder.with_encoding(dbase::encoding::EncodingRs::from(encoding_rs::UTF_8));
            }
        }
    }
    let dbf_reader = builder.build(dbf).map_err(|e| shp_err(".dbf", e))?;
    let mut reader = shapefile::Reader::new(shape_reader, dbf_reader);
    let mut features = Vec::new();
    for (i, item) in reader.iter_shapes_and_records().enumerate() {
        let (shape, record) = item.map_err(|e| {
            shp_err(
                &format!("record {i}"),
                format!("{e} (is the .shp truncated or the .dbf from another file?)"),
            )
        })?;
        let geometry = match shape {
            Shape::NullShape => Vec::new(),
            Shape::Polygon(p) => polygons(p.rings(), |q| [q.x, q.y], i, &mut warnings),
            Shape::PolygonM(p) => polygons(p.rings(), |q| [q.x, q.y], i, &mut warnings),
            Shape::PolygonZ(p) => polygons(p.rings(), |q| [q.x, q.y], i, &mut warnings),
            other => {
                warnings.push(Warning {
                    kind: WarningKind::NonPolygonal,
                    feature: Some(i),
                    message: format!("{} shape ignored (only polygons become units)", other.shapetype()),
                });
                Vec::new()
            }
        };
        let mut properties = Map::new();
        let mut fields: Vec<(String, FieldValue)> = record.into_iter().collect();
        fields.sort_by(|a, b| a.0.cmp(&b.0));
        for (k, v) in fields {
            properties.insert(k, field_to_json(v));
        }
        features.push(Feature { geometry, properties });
    }
    crate::model::check_coordinates(&features)?;
    let crs = match prj {
        Some(wkt) => crs_from_prj(wkt),
        None => {
            let bbox = crate::model::bbox_of(
                features.iter().flat_map(|f: &Feature| &f.geometry).flat_map(|p| &p.rings).flatten(),
            );
            let c = Crs::assume_from_bbox(bbox, "no .prj file");
            warnings.push(Warning { kind: WarningKind::AssumedCrs, feature: None, message: c.note.clone() });
            c
        }
    };
    let mut layer = Layer { features, crs, warnings };
    validate(&mut layer);
    Ok(layer)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpg_labels() {
        assert_eq!(encoding_for_cpg("UTF-8").unwrap().name(), "UTF-8");
        assert_eq!(encoding_for_cpg("1252\n").unwrap().name(), "windows-1252");
        assert_eq!(encoding_for_cpg("ISO-8859-1").unwrap().name(), "windows-1252");
        assert!(encoding_for_cpg("klingon").is_none());
    }

    #[test]
    fn prj_kinds_and_units() {
        let geo = r#"GEOGCS["GCS_North_American_1983",DATUM["D_North_American_1983",SPHEROID["GRS_1980",6378137.0,298.257222101]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]]"#;
        let c = crs_from_prj(geo);
        assert!(c.is_geographic() && c.declared);
        assert_eq!(c.name.as_deref(), Some("GCS_North_American_1983"));
        let ft = r#"PROJCS["NAD_1983_StatePlane_California_V_FIPS_0405_Feet",GEOGCS["GCS_North_American_1983",UNIT["Degree",0.0174532925199433]],PROJECTION["Lambert_Conformal_Conic"],UNIT["Foot_US",0.3048006096012192]]"#;
        let c = crs_from_prj(ft);
        assert_eq!(c.kind, crate::model::CrsKind::Projected);
        assert!((c.unit_to_m - 0.3048006096012192).abs() < 1e-15);
    }
}
