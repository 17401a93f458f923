//! Shapefile round trips: California's counties from the embedded geometry are written as a
//! real .shp/.dbf (with the `shapefile` crate's writer), read back through `io::read_path`, and
//! must give the same graph as the TopoJSON they came from. Then the file is damaged in the
//! ways users' files are damaged.

use redraw_geo::adjacency::{build_adjacency, AdjacencyOptions};
use redraw_geo::counties::us_counties;
use redraw_geo::{Layer, WarningKind};
use shapefile::dbase::{self, FieldName, FieldValue};
use shapefile::{Point, PolygonRing};
use std::path::{Path, PathBuf};

fn california() -> Layer {
    let mut l = us_counties().unwrap();
    l.features.retain(|f| f.property_text("state_fips").as_deref() == Some("06"));
    l.warnings.clear();
    l
}

fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("redraw-geo-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Writes the layer as `dir/ca.shp` (+ .shx, .dbf) with GEOID, NAME and POP fields.
fn write_shapefile(layer: &Layer, dir: &Path) -> PathBuf {
    let path = dir.join("ca.shp");
    let table = dbase::TableWriterBuilder::new()
        .add_character_field(FieldName::try_from("GEOID").unwrap(), 5)
        .add_character_field(FieldName::try_from("NAME").unwrap(), 40)
        .add_numeric_field(FieldName::try_from("POP").unwrap(), 10, 0);
    let mut w = shapefile::Writer::from_path(&path, table).unwrap();
    for (i, f) in layer.features.iter().enumerate() {
        let mut rings = Vec::new();
        for p in &f.geometry {
            for (k, r) in p.rings.iter().enumerate() {
                let mut pts: Vec<Point> = r.iter().map(|q| Point::new(q[0], q[1])).collect();
                pts.push(pts[0]);
                rings.push(if k == 0 { PolygonRing::Outer(pts) } else { PolygonRing::Inner(pts) });
            }
        }
        let poly = shapefile::Polygon::with_rings(rings);
        let mut rec = dbase::Record::default();
        rec.insert("GEOID".into(), FieldValue::Character(f.property_text("id")));
        // A non-ASCII name to check the .cpg handling.
        let name = if i == 0 { "Cañada Ñandú".to_string() } else { f.property_text("name").unwrap() };
        rec.insert("NAME".into(), FieldValue::Character(Some(name)));
        rec.insert("POP".into(), FieldValue::Numeric(Some(1000.0 + i as f64)));
        w.write_shape_and_record(&poly, &rec).unwrap();
    }
    drop(w);
    path
}

const NAD83: &str = r#"GEOGCS["GCS_North_American_1983",DATUM["D_North_American_1983",SPHEROID["GRS_1980",6378137.0,298.257222101]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]]"#;

#[test]
fn shapefile_round_trip_gives_the_same_graph() {
    let ca = california();
    assert_eq!(ca.features.len(), 58);
    let dir = temp_dir("roundtrip");
    let shp = write_shapefile(&ca, &dir);
    std::fs::write(dir.join("ca.cpg"), "UTF-8").unwrap();
    std::fs::write(dir.join("ca.prj"), NAD83).unwrap();

    let read = redraw_geo::io::read_path(&shp, None).unwrap();
    assert_eq!(read.features.len(), 58);
    assert!(read.crs.is_geographic() && read.crs.declared, "{:?}", read.crs);
    assert_eq!(read.crs.name.as_deref(), Some("GCS_North_American_1983"));
    assert_eq!(read.features[0].property_text("NAME").as_deref(), Some("Cañada Ñandú"));
    assert_eq!(read.features[5].property_text("POP").as_deref(), Some("1005"));
    let ids = read.ids("GEOID").unwrap();
    assert_eq!(ids, ca.ids("id").unwrap());

    let a = build_adjacency(&ca, &AdjacencyOptions::default());
    let b = build_adjacency(&read, &AdjacencyOptions::default());
    let pairs = |x: &redraw_geo::adjacency::Adjacency| x.edges.iter().map(|e| (e.a, e.b)).collect::<Vec<_>>();
    assert_eq!(pairs(&a), pairs(&b));
    // The Census file lists 144 California pairs; the other 8 are water crossings (SF Bay) or points.
    assert_eq!(a.edges.len(), 136);
    for (x, y) in a.edges.iter().zip(&b.edges) {
        assert!((x.shared_m - y.shared_m).abs() < 1e-6 * x.shared_m.max(1.0));
    }

    // Without a .prj the CRS is assumed, and said so.
    std::fs::remove_file(dir.join("ca.prj")).unwrap();
    let read = redraw_geo::io::read_path(&shp, None).unwrap();
    assert!(read.crs.is_geographic() && !read.crs.declared);
    assert_eq!(read.warning_count(WarningKind::AssumedCrs), 1);
    assert!(read.crs.note.contains("no .prj"), "{}", read.crs.note);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn damaged_shapefiles_are_clear_errors() {
    let ca = california();
    let dir = temp_dir("damaged");
    let shp = write_shapefile(&ca, &dir);
    let bytes = std::fs::read(&shp).unwrap();

    // Truncated in the middle of the records.
    std::fs::write(&shp, &bytes[..bytes.len() / 2]).unwrap();
    let e = redraw_geo::io::read_path(&shp, None).unwrap_err().to_string();
    assert!(e.contains("ca.shp") && e.contains("truncated"), "{e}");

    // Truncated inside the 100-byte header.
    std::fs::write(&shp, &bytes[..60]).unwrap();
    let e = redraw_geo::io::read_path(&shp, None).unwrap_err().to_string();
    assert!(e.contains(".shp header"), "{e}");

    // Not a shapefile at all.
    std::fs::write(&shp, vec![7u8; 400]).unwrap();
    assert!(redraw_geo::io::read_path(&shp, None).is_err());

    // Missing .dbf.
    std::fs::write(&shp, &bytes).unwrap();
    std::fs::remove_file(dir.join("ca.dbf")).unwrap();
    let e = redraw_geo::io::read_path(&shp, None).unwrap_err().to_string();
    assert!(e.contains("ca.dbf") && e.contains("missing"), "{e}");

    // An unknown .cpg encoding.
    let shp = write_shapefile(&ca, &dir);
    std::fs::write(dir.join("ca.cpg"), "EBCDIC-Klingon").unwrap();
    let e = redraw_geo::io::read_path(&shp, None).unwrap_err().to_string();
    assert!(e.contains(".cpg") && e.contains("EBCDIC-Klingon"), "{e}");

    // Missing file and unsupported extension.
    assert!(redraw_geo::io::read_path(&dir.join("nope.shp"), None)
        .unwrap_err()
        .to_string()
        .contains("nope.shp"));
    let e = redraw_geo::io::read_path(&dir.join("ca.kml"), None).unwrap_err().to_string();
    assert!(e.contains("unsupported"), "{e}");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A zipped shapefile, as TIGER/Line files are distributed (deflated members in a folder).
#[test]
fn zipped_shapefile_reads_like_the_unzipped_one() {
    use std::io::Write as _;
    let ca = california();
    let dir = temp_dir("zip");
    write_shapefile(&ca, &dir);
    std::fs::write(dir.join("ca.cpg"), "UTF-8").unwrap();
    std::fs::write(dir.join("ca.prj"), NAD83).unwrap();
    let zip_path = dir.join("tl_ca.zip");
    {
        let mut z = zip::ZipWriter::new(std::fs::File::create(&zip_path).unwrap());
        let opts =
            zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
        for ext in ["shp", "shx", "dbf", "cpg", "prj"] {
            z.start_file(format!("tl_ca/ca.{}", ext.to_uppercase()), opts).unwrap();
            z.write_all(&std::fs::read(dir.join(format!("ca.{ext}"))).unwrap()).unwrap();
        }
        z.finish().unwrap();
    }
    let zipped = redraw_geo::io::read_path(&zip_path, None).unwrap();
    let plain = redraw_geo::io::read_path(&dir.join("ca.shp"), None).unwrap();
    assert_eq!(zipped.features.len(), 58);
    assert!(zipped.crs.declared && zipped.crs.is_geographic());
    assert_eq!(zipped.features[0].property_text("NAME").as_deref(), Some("Cañada Ñandú"));
    assert_eq!(zipped.ids("GEOID").unwrap(), plain.ids("GEOID").unwrap());
    assert_eq!(zipped.features[10].geometry, plain.features[10].geometry);

    // An archive without a .dbf, and a file that is not a zip.
    let bad = dir.join("bad.zip");
    {
        let mut z = zip::ZipWriter::new(std::fs::File::create(&bad).unwrap());
        z.start_file("x.shp", zip::write::SimpleFileOptions::default()).unwrap();
        z.write_all(&std::fs::read(dir.join("ca.shp")).unwrap()).unwrap();
        z.finish().unwrap();
    }
    let e = redraw_geo::io::read_path(&bad, None).unwrap_err().to_string();
    assert!(e.contains("x.dbf"), "{e}");
    std::fs::write(&bad, b"not a zip").unwrap();
    let e = redraw_geo::io::read_path(&bad, None).unwrap_err().to_string();
    assert!(e.contains("not a readable zip"), "{e}");
    std::fs::remove_dir_all(&dir).unwrap();
}
