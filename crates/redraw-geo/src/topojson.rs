//! A TopoJSON decoder (https://github.com/topojson/topojson-specification): shared arcs,
//! optional quantisation with delta-encoded positions, negative (reversed) arc references,
//! and nested geometry collections. Only polygonal geometries become features; points and
//! lines are reported as `non-polygonal` warnings.

use crate::error::{GeoError, Result};
use crate::model::{clean_ring, validate, Crs, Feature, Layer, Point, Polygon, Warning, WarningKind};
use serde_json::{Map, Value};

fn err(msg: impl Into<String>) -> GeoError {
    GeoError::TopoJson(msg.into())
}

/// Decoded arcs in output coordinates.
struct Arcs(Vec<Vec<Point>>);

fn decode_arcs(topo: &Map<String, Value>) -> Result<Arcs> {
    let transform = match topo.get("transform") {
        None | Some(Value::Null) => None,
        Some(t) => {
            let pair = |k: &str| -> Result<[f64; 2]> {
                let a = t
                    .get(k)
                    .and_then(Value::as_array)
                    .ok_or_else(|| err(format!("transform.{k} must be an array [x, y]")))?;
                match (a.first().and_then(Value::as_f64), a.get(1).and_then(Value::as_f64)) {
                    (Some(x), Some(y)) => Ok([x, y]),
                    _ => Err(err(format!("transform.{k} must hold two numbers"))),
                }
            };
            Some((pair("scale")?, pair("translate")?))
        }
    };
    let raw = topo.get("arcs").and_then(Value::as_array).ok_or_else(|| err("missing `arcs` array"))?;
    let mut arcs = Vec::with_capacity(raw.len());
    for (i, arc) in raw.iter().enumerate() {
        let pts = arc.as_array().ok_or_else(|| err(format!("arc {i} is not an array of positions")))?;
        let mut out = Vec::with_capacity(pts.len());
        let (mut x, mut y) = (0.0f64, 0.0f64);
        for (j, p) in pts.iter().enumerate() {
            let (px, py) = match p
                .as_array()
                .map(|a| (a.first().and_then(Value::as_f64), a.get(1).and_then(Value::as_f64)))
            {
                Some((Some(px), Some(py))) => (px, py),
                _ => return Err(err(format!("arc {i} position {j} is not [x, y]"))),
            };
            match transform {
                // Quantised topologies store each position as a delta from the previous one.
                Some((s, t)) => {
                    x += px;
                    y += py;
                    out.push([x * s[0] + t[0], y * s[1] + t[1]]);
                }
                None => out.push([px, py]),
            }
        }
        arcs.push(out);
    }
    Ok(Arcs(arcs))
}

impl Arcs {
    /// Stitches a ring from arc references (`~i` = arc `i` reversed).
    fn ring(&self, refs: &Value, ctx: &str) -> Result<Vec<Point>> {
        let refs =
            refs.as_array().ok_or_else(|| err(format!("{ctx}: a ring must be an array of arc indices")))?;
        let mut ring: Vec<Point> = Vec::new();
        for r in refs {
            let r = r.as_i64().ok_or_else(|| err(format!("{ctx}: arc index {r} is not an integer")))?;
            let (idx, rev) = if r < 0 { ((!r) as usize, true) } else { (r as usize, false) };
            let arc = self.0.get(idx).ok_or_else(|| {
                err(format!("{ctx}: arc index {r} out of range (the topology has {} arcs)", self.0.len()))
            })?;
            let skip = usize::from(!ring.is_empty());
            if rev {
                ring.extend(arc.iter().rev().skip(skip));
            } else {
                ring.extend(arc.iter().skip(skip));
            }
        }
        Ok(ring)
    }

    fn polygon(&self, rings: &Value, ctx: &str, warn: &mut Vec<String>) -> Result<Option<Polygon>> {
        let rings =
            rings.as_array().ok_or_else(|| err(format!("{ctx}: polygon arcs must be an array of rings")))?;
        let mut out = Vec::with_capacity(rings.len());
        for (k, r) in rings.iter().enumerate() {
            match clean_ring(self.ring(r, ctx)?) {
                Some(ring) => out.push(ring),
                None if k == 0 => {
                    warn.push(format!(
                        "{ctx}: exterior ring has fewer than 3 distinct points; polygon dropped"
                    ));
                    return Ok(None);
                }
                None => warn.push(format!("{ctx}: hole {k} has fewer than 3 distinct points; dropped")),
            }
        }
        Ok((!out.is_empty()).then_some(Polygon { rings: out }))
    }
}

/// Names of the objects in a topology, in file order.
pub fn object_names(text: &str) -> Result<Vec<String>> {
    let v: Value = serde_json::from_str(text)?;
    Ok(v.get("objects").and_then(Value::as_object).map(|o| o.keys().cloned().collect()).unwrap_or_default())
}

/// Reads the polygons of one object of a TopoJSON topology as a layer.
///
/// `object` names the object (e.g. `counties`); it may be omitted when the topology has a
/// single object. Each geometry's `id` becomes the attribute `id` (unless a property of that
/// name exists). TopoJSON coordinates are longitude/latitude unless the data says otherwise;
/// if they exceed ±180/±90 (a pre-projected topology) they are taken as planar.
pub fn read_topojson(text: &str, object: Option<&str>) -> Result<Layer> {
    let v: Value = serde_json::from_str(text)?;
    let topo = v.as_object().ok_or_else(|| err("top level is not an object"))?;
    if topo.get("type").and_then(Value::as_str) != Some("Topology") {
        return Err(err("top-level `type` must be \"Topology\""));
    }
    let objects = topo.get("objects").and_then(Value::as_object).ok_or_else(|| err("missing `objects`"))?;
    let names: Vec<&str> = objects.keys().map(String::as_str).collect();
    let name = match object {
        Some(n) => n,
        None if names.len() == 1 => names[0],
        None => {
            return Err(err(format!(
                "the topology has {} objects ({}); choose one with --layer",
                names.len(),
                names.join(", ")
            )))
        }
    };
    let obj = objects
        .get(name)
        .ok_or_else(|| err(format!("no object `{name}` in the topology (objects: {})", names.join(", "))))?;
    let arcs = decode_arcs(topo)?;
    let mut features = Vec::new();
    let mut warnings = Vec::new();
    collect(obj, &arcs, &mut features, &mut warnings, name)?;
    crate::model::check_coordinates(&features)?;
    let bbox = crate::model::bbox_of(
        features.iter().flat_map(|f: &Feature| &f.geometry).flat_map(|p| &p.rings).flatten(),
    );
    let crs = match bbox {
        Some([x0, y0, x1, y1]) if x0 < -180.0 || x1 > 180.0 || y0 < -90.0 || y1 > 90.0 => {
            let c = Crs::assume_from_bbox(bbox, "TopoJSON coordinates exceed the longitude/latitude range");
            warnings.push(Warning { kind: WarningKind::AssumedCrs, feature: None, message: c.note.clone() });
            c
        }
        _ => Crs::geographic(None, "TopoJSON: longitude/latitude (WGS 84) by convention"),
    };
    let mut layer = Layer { features, crs, warnings };
    validate(&mut layer);
    Ok(layer)
}

fn collect(
    g: &Value,
    arcs: &Arcs,
    features: &mut Vec<Feature>,
    warnings: &mut Vec<Warning>,
    path: &str,
) -> Result<()> {
    let ty = g
        .get("type")
        .and_then(Value::as_str)
        .ok_or_else(|| err(format!("{path}: geometry without `type`")))?;
    if ty == "GeometryCollection" {
        let geoms = g
            .get("geometries")
            .and_then(Value::as_array)
            .ok_or_else(|| err(format!("{path}: GeometryCollection without `geometries`")))?;
        for (i, sub) in geoms.iter().enumerate() {
            collect(sub, arcs, features, warnings, &format!("{path}[{i}]"))?;
        }
        return Ok(());
    }
    let mut properties = g.get("properties").and_then(Value::as_object).cloned().unwrap_or_default();
    if let Some(id) = g.get("id") {
        properties.entry("id").or_insert_with(|| id.clone());
    }
    let idx = features.len();
    let mut notes = Vec::new();
    let geometry = match ty {
        "Polygon" => {
            let a = g.get("arcs").ok_or_else(|| err(format!("{path}: Polygon without `arcs`")))?;
            arcs.polygon(a, path, &mut notes)?.into_iter().collect()
        }
        "MultiPolygon" => {
            let a = g
                .get("arcs")
                .and_then(Value::as_array)
                .ok_or_else(|| err(format!("{path}: MultiPolygon without `arcs` array")))?;
            let mut ps = Vec::new();
            for p in a {
                if let Some(p) = arcs.polygon(p, path, &mut notes)? {
                    ps.push(p);
                }
            }
            ps
        }
        "Point" | "MultiPoint" | "LineString" | "MultiLineString" => {
            warnings.push(Warning {
                kind: WarningKind::NonPolygonal,
                feature: None,
                message: format!("{path}: {ty} skipped (only polygons become units)"),
            });
            return Ok(());
        }
        // A null-type geometry: keep the feature so attributes survive.
        _ if g.get("arcs").is_none() && (ty.is_empty() || ty == "null") => Vec::new(),
        other => return Err(err(format!("{path}: unknown geometry type `{other}`"))),
    };
    for n in notes {
        warnings.push(Warning { kind: WarningKind::DegenerateRing, feature: Some(idx), message: n });
    }
    features.push(Feature { geometry, properties });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two unit squares sharing the arc x=1, quantised with scale 1 and translate (10, 20).
    const TWO_SQUARES: &str = r#"{"type":"Topology",
      "transform":{"scale":[1,1],"translate":[10,20]},
      "objects":{"units":{"type":"GeometryCollection","geometries":[
        {"type":"Polygon","id":"A","arcs":[[0,1]],"properties":{"pop":5}},
        {"type":"Polygon","id":"B","arcs":[[2,-1]]},
        {"type":"Point","coordinates":[0,0]}
      ]}},
      "arcs":[[[1,0],[0,1]],[[1,1],[-1,0],[0,-1],[1,0]],[[1,0],[1,0],[0,1],[-1,0]]]}"#;

    #[test]
    fn decodes_quantised_delta_arcs_and_reversal() {
        let l = read_topojson(TWO_SQUARES, None).unwrap();
        assert_eq!(l.features.len(), 2);
        assert_eq!(l.features[0].property_text("id").as_deref(), Some("A"));
        assert_eq!(l.features[0].property_text("pop").as_deref(), Some("5"));
        let a = &l.features[0].geometry[0].rings[0];
        assert_eq!(a, &vec![[11.0, 20.0], [11.0, 21.0], [10.0, 21.0], [10.0, 20.0]]);
        let b = &l.features[1].geometry[0].rings[0];
        assert_eq!(b, &vec![[11.0, 20.0], [12.0, 20.0], [12.0, 21.0], [11.0, 21.0]]);
        assert_eq!(l.warning_count(WarningKind::NonPolygonal), 1);
        assert!(l.crs.is_geographic());
    }

    #[test]
    fn bad_topologies_are_errors_not_panics() {
        assert!(read_topojson("{", None).is_err());
        assert!(read_topojson(r#"{"type":"FeatureCollection"}"#, None).is_err());
        let bad_arc = TWO_SQUARES.replace("[[0,1]]", "[[0,7]]");
        let e = read_topojson(&bad_arc, None).unwrap_err().to_string();
        assert!(e.contains("out of range"), "{e}");
        let e = read_topojson(TWO_SQUARES, Some("nope")).unwrap_err().to_string();
        assert!(e.contains("objects: units"), "{e}");
    }
}
