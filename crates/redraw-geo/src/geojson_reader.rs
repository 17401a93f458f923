//! GeoJSON (RFC 7946) reader, on top of the `geojson` crate's parser.
//!
//! A FeatureCollection, a single Feature or a bare Geometry becomes a layer; polygonal
//! geometry (Polygon, MultiPolygon, and the polygons inside a GeometryCollection) is kept,
//! anything else is a `non-polygonal` warning. RFC 7946 says coordinates are WGS 84
//! longitude/latitude; files written before it may carry a legacy `crs` member naming a
//! projected system, which is honoured (and coordinates outside ±180/±90 are taken as planar).

use crate::error::{GeoError, Result};
use crate::model::{clean_ring, validate, Crs, Feature, Layer, Polygon, Warning, WarningKind};
use geojson::{GeoJson, GeometryValue};

fn polygon(
    rings: &[Vec<geojson::Position>],
    idx: usize,
    warnings: &mut Vec<Warning>,
) -> Result<Option<Polygon>> {
    let mut out = Vec::with_capacity(rings.len());
    for (k, r) in rings.iter().enumerate() {
        for p in r {
            if p.len() < 2 {
                return Err(GeoError::GeoJson(format!(
                    "feature {idx}: a position has fewer than 2 coordinates"
                )));
            }
        }
        match clean_ring(r.iter().map(|p| [p[0], p[1]])) {
            Some(ring) => out.push(ring),
            None => {
                warnings.push(Warning {
                    kind: WarningKind::DegenerateRing,
                    feature: Some(idx),
                    message: if k == 0 {
                        "exterior ring has fewer than 3 distinct points; polygon dropped".into()
                    } else {
                        format!("hole {k} has fewer than 3 distinct points; dropped")
                    },
                });
                if k == 0 {
                    return Ok(None);
                }
            }
        }
    }
    Ok((!out.is_empty()).then_some(Polygon { rings: out }))
}

fn geometry(
    g: &GeometryValue,
    idx: usize,
    out: &mut Vec<Polygon>,
    warnings: &mut Vec<Warning>,
) -> Result<()> {
    match g {
        GeometryValue::Polygon { coordinates } => out.extend(polygon(coordinates, idx, warnings)?),
        GeometryValue::MultiPolygon { coordinates } => {
            for p in coordinates {
                out.extend(polygon(p, idx, warnings)?);
            }
        }
        GeometryValue::GeometryCollection { geometries } => {
            for sub in geometries {
                geometry(&sub.value, idx, out, warnings)?;
            }
        }
        other => warnings.push(Warning {
            kind: WarningKind::NonPolygonal,
            feature: Some(idx),
            message: format!("{} ignored (only polygons become units)", other.type_name()),
        }),
    }
    Ok(())
}

/// Parses GeoJSON text into a layer.
pub fn read_geojson(text: &str) -> Result<Layer> {
    let gj: GeoJson = text.parse().map_err(|e: geojson::Error| GeoError::GeoJson(e.to_string()))?;
    let mut warnings = Vec::new();
    let mut features = Vec::new();
    let mut legacy_crs: Option<String> = None;
    let push = |f: Option<&geojson::Geometry>,
                props: serde_json::Map<String, serde_json::Value>,
                warnings: &mut Vec<Warning>,
                features: &mut Vec<Feature>|
     -> Result<()> {
        let idx = features.len();
        let mut geom = Vec::new();
        if let Some(g) = f {
            geometry(&g.value, idx, &mut geom, warnings)?;
        }
        features.push(Feature { geometry: geom, properties: props });
        Ok(())
    };
    match &gj {
        GeoJson::FeatureCollection(fc) => {
            legacy_crs = fc.foreign_members.as_ref().and_then(|m| m.get("crs")).map(|c| c.to_string());
            for f in &fc.features {
                let mut props = f.properties.clone().unwrap_or_default();
                if let Some(id) = &f.id {
                    let v = match id {
                        geojson::feature::Id::String(s) => serde_json::Value::String(s.clone()),
                        geojson::feature::Id::Number(n) => serde_json::Value::Number(n.clone()),
                    };
                    props.entry("id").or_insert(v);
                }
                push(f.geometry.as_ref(), props, &mut warnings, &mut features)?;
            }
        }
        GeoJson::Feature(f) => {
            push(f.geometry.as_ref(), f.properties.clone().unwrap_or_default(), &mut warnings, &mut features)?
        }
        GeoJson::Geometry(g) => push(Some(g), Default::default(), &mut warnings, &mut features)?,
    }
    crate::model::check_coordinates(&features)?;
    let bbox =
        crate::model::bbox_of(features.iter().flat_map(|f| &f.geometry).flat_map(|p| &p.rings).flatten());
    let fits = bbox.is_none_or(|[x0, y0, x1, y1]| x0 >= -180.0 && x1 <= 180.0 && y0 >= -90.0 && y1 <= 90.0);
    let crs = match (&legacy_crs, fits) {
        (Some(c), _) if !c.contains("4326") && !c.contains("CRS84") && !c.contains("4269") => Crs::projected(
            Some(c.clone()),
            1.0,
            format!("legacy GeoJSON `crs` member {c}; planar coordinates, metres assumed"),
        ),
        (_, true) => Crs::geographic(Some("WGS 84".into()), "GeoJSON: WGS 84 longitude/latitude (RFC 7946)"),
        (_, false) => {
            let c = Crs::assume_from_bbox(
                bbox,
                "GeoJSON coordinates exceed the longitude/latitude range of RFC 7946",
            );
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
    fn reads_features_with_ids_and_flags_problems() {
        let text = r#"{"type":"FeatureCollection","features":[
          {"type":"Feature","id":7,"properties":{"GEOID":"001","pop":10},
           "geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,1],[0,0]]]}},
          {"type":"Feature","properties":{"GEOID":"002"},"geometry":null},
          {"type":"Feature","properties":{"GEOID":"003"},
           "geometry":{"type":"Polygon","coordinates":[[[0,0],[1,1],[1,0],[0,1],[0,0]]]}},
          {"type":"Feature","properties":{"GEOID":"004"},
           "geometry":{"type":"LineString","coordinates":[[0,0],[1,1]]}}
        ]}"#;
        let l = read_geojson(text).unwrap();
        assert_eq!(l.features.len(), 4);
        assert_eq!(l.ids("GEOID").unwrap(), vec!["001", "002", "003", "004"]);
        assert_eq!(l.features[0].property_text("id").as_deref(), Some("7"));
        assert_eq!(l.features[0].geometry[0].rings[0].len(), 4);
        assert_eq!(l.warning_count(WarningKind::EmptyGeometry), 2); // null + line-only
        assert_eq!(l.warning_count(WarningKind::SelfIntersection), 1);
        assert_eq!(l.warning_count(WarningKind::NonPolygonal), 1);
        assert!(l.crs.is_geographic() && l.crs.declared);
        let e = l.ids("NAME").unwrap_err().to_string();
        assert!(e.contains("no attribute `NAME`") && e.contains("GEOID"), "{e}");
    }

    #[test]
    fn invalid_geojson_is_a_clear_error() {
        for bad in ["", "{", r#"{"type":"Nope"}"#, r#"{"type":"Polygon","coordinates":"x"}"#] {
            let e = read_geojson(bad).unwrap_err();
            assert!(e.to_string().starts_with("invalid"), "{bad}: {e}");
        }
    }

    #[test]
    fn projected_coordinates_are_detected() {
        let text = r#"{"type":"Polygon","coordinates":[[[500000,4000000],[501000,4000000],[501000,4001000],[500000,4000000]]]}"#;
        let l = read_geojson(text).unwrap();
        assert!(!l.crs.is_geographic());
        assert_eq!(l.warning_count(WarningKind::AssumedCrs), 1);
    }
}
