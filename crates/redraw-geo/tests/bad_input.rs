//! Regression tests for the shape readers' findings of issue 8 (reliability): corrupt archives,
//! absurd coordinates and binary input are clear errors, never an abort, a long run or
//! unbounded memory.

use redraw_geo::adjacency::{build_adjacency, AdjacencyOptions};
use redraw_geo::{Crs, Feature, Layer, Polygon};
use std::path::{Path, PathBuf};
use std::time::Instant;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name)
}

fn scratch(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("redraw-geo-bad-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Finding 2: a 710-byte zip whose central directory claims a 4 TiB `.shp` (a zip64 size field
/// patched by hand; the real member is 372 bytes) is a "corrupt archive" error. It aborted
/// `graph build` and `map --geometry` on a 4 TiB allocation.
#[test]
fn finding_2_a_zip_claiming_a_huge_member_is_a_corrupt_archive() {
    let e = redraw_geo::io::read_path(&fixture("claims-4tib-shp.zip"), None).unwrap_err().to_string();
    assert!(e.contains("claims-4tib-shp.zip: corrupt archive"), "{e}");
    assert!(e.contains("units.shp claims 4096 GiB"), "{e}");
}

/// Two unit squares side by side; `far` replaces one vertex of the second.
fn two_squares_geojson(far: &str) -> String {
    format!(
        r#"{{"type":"FeatureCollection","features":[
        {{"type":"Feature","properties":{{"id":"a"}},"geometry":{{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,1],[0,0]]]}}}},
        {{"type":"Feature","properties":{{"id":"b"}},"geometry":{{"type":"Polygon","coordinates":[[[1,0],[2,0],{far},[1,1],[1,0]]]}}}}]}}"#
    )
}

/// Finding 3: one vertex at ±1e300 in GeoJSON, TopoJSON or a shapefile is an error naming the
/// feature and the coordinate (it made adjacency run for over 30 s and grow to 4 GB).
#[test]
fn finding_3_an_absurd_coordinate_is_an_error_naming_the_feature() {
    let e = redraw_geo::io::read_json_text(&two_squares_geojson("[1e300,1]"), None).unwrap_err().to_string();
    assert!(e.contains("feature 1") && e.contains("(1e300, 1)"), "{e}");
    let e = redraw_geo::io::read_json_text(&two_squares_geojson("[2,-1e300]"), None).unwrap_err().to_string();
    assert!(e.contains("feature 1") && e.contains("(2, -1e300)"), "{e}");
    let topo = r#"{"type":"Topology","objects":{"u":{"type":"GeometryCollection","geometries":[
        {"type":"Polygon","id":"a","arcs":[[0]]},{"type":"Polygon","id":"b","arcs":[[1]]}]}},
        "arcs":[[[0,0],[1,0],[1,1],[0,0]],[[1,0],[1e300,0],[1,1],[1,0]]]}"#;
    let e = redraw_geo::topojson::read_topojson(topo, None).unwrap_err().to_string();
    assert!(e.contains("feature 1") && e.contains("(1e300, 0)"), "{e}");
}

/// Finding 3, shapefile flavour, through `io::read_path` (a .shp/.dbf pair written by hand).
#[test]
fn finding_3_an_absurd_shapefile_coordinate_is_an_error() {
    let dir = scratch("far-shp");
    let path = dir.join("far.shp");
    let table = shapefile::dbase::TableWriterBuilder::new()
        .add_character_field(shapefile::dbase::FieldName::try_from("ID").unwrap(), 4);
    let mut w = shapefile::Writer::from_path(&path, table).unwrap();
    for (i, far) in [(0, 1.0), (1, -1e300)] {
        let pts = vec![
            shapefile::Point::new(i as f64, 0.0),
            shapefile::Point::new(i as f64, 1.0),
            shapefile::Point::new(i as f64 + 1.0, far),
            shapefile::Point::new(i as f64 + 1.0, 0.0),
            shapefile::Point::new(i as f64, 0.0),
        ];
        let poly = shapefile::Polygon::with_rings(vec![shapefile::PolygonRing::Outer(pts)]);
        let mut rec = shapefile::dbase::Record::default();
        rec.insert("ID".into(), shapefile::dbase::FieldValue::Character(Some(format!("u{i}"))));
        w.write_shape_and_record(&poly, &rec).unwrap();
    }
    drop(w);
    let e = redraw_geo::io::read_path(&path, None).unwrap_err().to_string();
    assert!(e.contains("feature 1") && e.contains("(2, -1e300)"), "{e}");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Finding 3, the library side: a layer built in code with coordinates of any magnitude costs
/// adjacency no more than a normal one (the collinear-overlap grid is bounded whatever the
/// coordinates).
#[test]
fn finding_3_adjacency_work_does_not_grow_with_coordinate_magnitude() {
    let sq = |x: f64, far: f64| Feature {
        geometry: vec![Polygon { rings: vec![vec![[x, 0.0], [x + 1.0, 0.0], [x + 1.0, far], [x, 1.0]]] }],
        properties: Default::default(),
    };
    for far in [1e300, -1e300, 1e18, f64::MAX] {
        let layer = Layer {
            features: vec![sq(0.0, 1.0), sq(1.0, far), sq(3.0, 1.0)],
            crs: Crs::projected(None, 1.0, ""),
            warnings: vec![],
        };
        let t = Instant::now();
        let adj = build_adjacency(&layer, &AdjacencyOptions { connect_islands: true, ..Default::default() });
        assert!(t.elapsed().as_secs_f64() < 2.0, "{far}: {:?}", t.elapsed());
        assert_eq!(adj.node_count, 3);
    }
}

/// Finding 4: a huge sparse `.geojson` is refused on its first buffer.
#[test]
fn finding_4_a_sparse_geojson_is_refused_without_reading_it() {
    let dir = scratch("sparse");
    let p = dir.join("big.geojson");
    std::fs::File::create(&p).unwrap().set_len(256 << 20).unwrap();
    let t = Instant::now();
    let e = redraw_geo::io::read_path(&p, None).unwrap_err().to_string();
    assert!(e.contains("big.geojson") && e.contains("not a text file: NUL byte at line 1, column 1"), "{e}");
    assert!(t.elapsed().as_secs_f64() < 5.0);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Fuzz finding (shapefile target, 10-minute campaign): a polygon whose part starts do not rise
/// from 0 within its points (here the second part starts at -2^28) made the `shapefile` crate
/// reserve a buffer sized by the difference of two starts: 4 GB for a 700-byte file. The part
/// starts are now checked with the other counts before the crate reads the file.
#[test]
fn a_polygon_part_start_outside_its_points_is_refused_before_parsing() {
    let dir = scratch("part-start");
    let path = dir.join("parts.shp");
    let table = shapefile::dbase::TableWriterBuilder::new()
        .add_character_field(shapefile::dbase::FieldName::try_from("ID").unwrap(), 4);
    let mut w = shapefile::Writer::from_path(&path, table).unwrap();
    let ring = |x: f64| {
        vec![
            shapefile::Point::new(x, 0.0),
            shapefile::Point::new(x, 1.0),
            shapefile::Point::new(x + 1.0, 1.0),
            shapefile::Point::new(x + 1.0, 0.0),
            shapefile::Point::new(x, 0.0),
        ]
    };
    let poly = shapefile::Polygon::with_rings(vec![
        shapefile::PolygonRing::Outer(ring(0.0)),
        shapefile::PolygonRing::Outer(ring(5.0)),
    ]);
    let mut rec = shapefile::dbase::Record::default();
    rec.insert("ID".into(), shapefile::dbase::FieldValue::Character(Some("u0".into())));
    w.write_shape_and_record(&poly, &rec).unwrap();
    drop(w);
    // The valid file reads.
    assert_eq!(redraw_geo::io::read_path(&path, None).unwrap().features.len(), 1);
    // Record 0 starts at byte 100; its content: shape type (4), bbox (32), parts (4), points (4),
    // then the part starts: the second one, at content offset 48, becomes -2^28.
    let mut bytes = std::fs::read(&path).unwrap();
    bytes[100 + 8 + 48..100 + 8 + 52].copy_from_slice(&(-(1i32 << 28)).to_le_bytes());
    std::fs::write(&path, &bytes).unwrap();
    let e = redraw_geo::io::read_path(&path, None).unwrap_err().to_string();
    assert!(e.contains("record 0: part 1 starts at point -268435456, expected 0 to 10"), "{e}");
    std::fs::remove_dir_all(&dir).unwrap();
}
