//! The one geometry + attribute model every reader produces: a [`Layer`] of polygonal
//! [`Feature`]s with JSON-like attributes, the coordinate system it is in, and the named
//! [`Warning`]s found while reading or validating it.
//!
//! Invariants: rings are stored without the repeated closing vertex and hold at least 3
//! distinct points; a polygon's first ring is its exterior, the rest are holes; a feature may
//! have an empty geometry (kept so feature indices match attribute rows) and is then flagged
//! by an `EmptyGeometry` warning.

use serde_json::{Map, Value};

/// A coordinate pair: (x, y) = (longitude, latitude) for geographic data, metres or feet for
/// projected data.
pub type Point = [f64; 2];

/// A simple polygon with holes: `rings[0]` is the exterior, the rest are holes.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Polygon {
    pub rings: Vec<Vec<Point>>,
}

/// A feature's geometry: zero or more polygons.
pub type MultiPolygon = Vec<Polygon>;

/// One geographic unit: geometry plus attributes.
#[derive(Clone, Debug, Default)]
pub struct Feature {
    pub geometry: MultiPolygon,
    pub properties: Map<String, Value>,
}

impl Feature {
    /// The attribute `key` as text: strings as they are, numbers without a trailing `.0`
    /// (so a numeric GEOID column still makes a usable id). `None` if absent or null.
    pub fn property_text(&self, key: &str) -> Option<String> {
        match self.properties.get(key)? {
            Value::Null => None,
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(match n.as_f64() {
                Some(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", f as i64),
                _ => n.to_string(),
            }),
            other => Some(other.to_string()),
        }
    }

    /// Number of vertices over all rings.
    pub fn vertex_count(&self) -> usize {
        self.geometry.iter().flat_map(|p| &p.rings).map(Vec::len).sum()
    }
}

/// The kind of coordinates a layer is in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CrsKind {
    /// Longitude/latitude in degrees.
    Geographic,
    /// Planar coordinates (metres or feet), e.g. UTM or a state plane.
    Projected,
}

/// What is known about a layer's coordinate reference system, and how it was learnt.
#[derive(Clone, Debug, PartialEq)]
pub struct Crs {
    pub kind: CrsKind,
    /// The CRS name from the .prj / GeoJSON `crs` member, if any (e.g. "GCS_North_American_1983").
    pub name: Option<String>,
    /// Linear unit to metres for projected data (1.0 for metres, 0.3048006096 for US survey feet).
    pub unit_to_m: f64,
    /// `true` when the CRS was declared by the data (.prj, GeoJSON spec, TopoJSON convention);
    /// `false` when it was guessed from the coordinate ranges (see `note`).
    pub declared: bool,
    /// Human-readable explanation, printed by the CLI when the CRS was assumed.
    pub note: String,
}

impl Crs {
    pub fn geographic(name: Option<String>, note: impl Into<String>) -> Self {
        Crs { kind: CrsKind::Geographic, name, unit_to_m: 1.0, declared: true, note: note.into() }
    }

    /// A declared planar CRS whose unit is `unit_to_m` metres.
    pub fn projected(name: Option<String>, unit_to_m: f64, note: impl Into<String>) -> Self {
        Crs { kind: CrsKind::Projected, name, unit_to_m, declared: true, note: note.into() }
    }

    /// Guesses the CRS from coordinates when nothing declares it: lon/lat if every coordinate
    /// fits in ±180 / ±90, projected (metres assumed) otherwise.
    pub fn assume_from_bbox(bbox: Option<[f64; 4]>, why: &str) -> Self {
        let geographic =
            bbox.is_none_or(|[x0, y0, x1, y1]| x0 >= -180.0 && x1 <= 180.0 && y0 >= -90.0 && y1 <= 90.0);
        if geographic {
            Crs {
                kind: CrsKind::Geographic,
                name: None,
                unit_to_m: 1.0,
                declared: false,
                note: format!(
                    "{why}; assumed longitude/latitude degrees because every coordinate lies within ±180/±90"
                ),
            }
        } else {
            Crs {
                kind: CrsKind::Projected,
                name: None,
                unit_to_m: 1.0,
                declared: false,
                note: format!(
                    "{why}; assumed projected coordinates in metres because coordinates exceed ±180/±90"
                ),
            }
        }
    }

    pub fn is_geographic(&self) -> bool {
        self.kind == CrsKind::Geographic
    }
}

/// The kinds of problems found in input geometry that do not stop reading.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum WarningKind {
    /// A feature with no polygon at all (null shape, empty coordinates, or only degenerate rings).
    EmptyGeometry,
    /// A ring with fewer than 3 distinct vertices, dropped.
    DegenerateRing,
    /// A ring whose edges cross each other (a "bow-tie"); kept, but areas may be wrong.
    SelfIntersection,
    /// A non-polygon geometry (point, line) that was skipped.
    NonPolygonal,
    /// The coordinate system was not declared and had to be assumed.
    AssumedCrs,
    /// Attributes whose encoding could not be determined exactly.
    Encoding,
}

impl WarningKind {
    pub fn name(self) -> &'static str {
        match self {
            WarningKind::EmptyGeometry => "empty-geometry",
            WarningKind::DegenerateRing => "degenerate-ring",
            WarningKind::SelfIntersection => "self-intersection",
            WarningKind::NonPolygonal => "non-polygonal",
            WarningKind::AssumedCrs => "assumed-crs",
            WarningKind::Encoding => "encoding",
        }
    }
}

/// A named, non-fatal problem, attached to a feature where one is involved.
#[derive(Clone, Debug, PartialEq)]
pub struct Warning {
    pub kind: WarningKind,
    pub feature: Option<usize>,
    pub message: String,
}

impl std::fmt::Display for Warning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.feature {
            Some(i) => write!(f, "[{}] feature {}: {}", self.kind.name(), i, self.message),
            None => write!(f, "[{}] {}", self.kind.name(), self.message),
        }
    }
}

/// A set of polygonal features in one coordinate system.
#[derive(Clone, Debug)]
pub struct Layer {
    pub features: Vec<Feature>,
    pub crs: Crs,
    pub warnings: Vec<Warning>,
}

impl Layer {
    /// Bounding box `[xmin, ymin, xmax, ymax]` over all features, `None` if there are no vertices.
    pub fn bbox(&self) -> Option<[f64; 4]> {
        bbox_of(self.features.iter().flat_map(|f| f.geometry.iter()).flat_map(|p| &p.rings).flatten())
    }

    /// The value of attribute `key` for every feature, as text, failing on the first feature
    /// that lacks it (ids must be complete).
    pub fn ids(&self, key: &str) -> Result<Vec<String>, crate::GeoError> {
        self.features
            .iter()
            .enumerate()
            .map(|(i, f)| {
                f.property_text(key).ok_or_else(|| {
                    let mut known: Vec<&str> = f.properties.keys().map(String::as_str).collect();
                    known.truncate(20);
                    crate::GeoError::MissingAttribute {
                        feature: i,
                        key: key.to_string(),
                        available: known.join(", "),
                    }
                })
            })
            .collect()
    }

    /// Counts warnings of one kind.
    pub fn warning_count(&self, kind: WarningKind) -> usize {
        self.warnings.iter().filter(|w| w.kind == kind).count()
    }
}

pub(crate) fn bbox_of<'a>(pts: impl IntoIterator<Item = &'a Point>) -> Option<[f64; 4]> {
    let mut b = [f64::INFINITY, f64::INFINITY, f64::NEG_INFINITY, f64::NEG_INFINITY];
    let mut any = false;
    for p in pts {
        any = true;
        b[0] = b[0].min(p[0]);
        b[1] = b[1].min(p[1]);
        b[2] = b[2].max(p[0]);
        b[3] = b[3].max(p[1]);
    }
    any.then_some(b)
}

/// The largest coordinate magnitude a layer may have: far beyond any longitude/latitude and any
/// projected coordinate on Earth in metres or feet (the equator is 1.3e8 ft), and small enough
/// that snapping to a grid (`coordinate / tolerance` as `i64`) and grid cell counts stay exact.
pub const MAX_COORDINATE: f64 = 1e9;

/// Formats a coordinate for messages: plain for ordinary magnitudes, `1e300` for absurd ones.
pub fn fmt_coord(x: f64) -> String {
    if x != 0.0 && !(1e-6..1e9).contains(&x.abs()) {
        format!("{x:e}")
    } else {
        format!("{x}")
    }
}

/// Fails on the first vertex beyond [`MAX_COORDINATE`], naming the feature and the coordinate.
/// Every reader calls it before returning a layer, so no later stage (adjacency, maps) sees
/// coordinates whose magnitude could make its work grow.
pub fn check_coordinates(features: &[Feature]) -> Result<(), crate::GeoError> {
    for (i, f) in features.iter().enumerate() {
        for p in f.geometry.iter().flat_map(|p| &p.rings).flatten() {
            if !(p[0].abs() <= MAX_COORDINATE && p[1].abs() <= MAX_COORDINATE) {
                return Err(crate::GeoError::Coordinate { feature: i, x: p[0], y: p[1] });
            }
        }
    }
    Ok(())
}

/// Normalises one ring from a reader: drops the closing duplicate and consecutive duplicate
/// vertices and non-finite coordinates. Returns `None` for a degenerate ring (< 3 distinct points).
pub(crate) fn clean_ring(raw: impl IntoIterator<Item = Point>) -> Option<Vec<Point>> {
    let mut ring: Vec<Point> = Vec::new();
    for p in raw {
        if !(p[0].is_finite() && p[1].is_finite()) {
            continue;
        }
        if ring.last() != Some(&p) {
            ring.push(p);
        }
    }
    while ring.len() > 1 && ring.first() == ring.last() {
        ring.pop();
    }
    (ring.len() >= 3).then_some(ring)
}

/// Signed area (shoelace; positive = counter-clockwise in a y-up plane).
pub fn ring_signed_area(ring: &[Point]) -> f64 {
    let n = ring.len();
    let mut s = 0.0;
    for i in 0..n {
        let a = ring[i];
        let b = ring[(i + 1) % n];
        s += a[0] * b[1] - b[0] * a[1];
    }
    s / 2.0
}

/// Validates geometry after reading: flags empty features and self-intersecting rings.
///
/// The crossing test buckets each ring's edges in a uniform grid, so it costs about linear
/// time per ring instead of the quadratic all-pairs test; touching at shared vertices
/// (adjacent edges) is not a crossing.
pub fn validate(layer: &mut Layer) {
    let mut warnings = Vec::new();
    for (i, f) in layer.features.iter().enumerate() {
        if f.geometry.is_empty() {
            warnings.push(Warning {
                kind: WarningKind::EmptyGeometry,
                feature: Some(i),
                message: "no polygon (null or empty geometry); it will be an isolated node".into(),
            });
            continue;
        }
        for (pi, p) in f.geometry.iter().enumerate() {
            for (ri, r) in p.rings.iter().enumerate() {
                if let Some(at) = ring_self_intersection(r) {
                    warnings.push(Warning {
                        kind: WarningKind::SelfIntersection,
                        feature: Some(i),
                        message: format!(
                            "polygon {pi} ring {ri} crosses itself near ({:.6}, {:.6}); areas and compactness for this feature are unreliable",
                            at[0], at[1]
                        ),
                    });
                    break;
                }
            }
        }
    }
    layer.warnings.extend(warnings);
}

fn orient(a: Point, b: Point, c: Point) -> f64 {
    (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0])
}

/// Proper crossing of segments ab and cd (interiors cross at a single point).
fn segments_cross(a: Point, b: Point, c: Point, d: Point) -> bool {
    let d1 = orient(a, b, c);
    let d2 = orient(a, b, d);
    let d3 = orient(c, d, a);
    let d4 = orient(c, d, b);
    d1 * d2 < 0.0 && d3 * d4 < 0.0
}

/// The first point where two non-adjacent edges of `ring` cross, if any.
pub fn ring_self_intersection(ring: &[Point]) -> Option<Point> {
    let n = ring.len();
    if n < 4 {
        return None;
    }
    let b = bbox_of(ring)?;
    let cells = ((n as f64).sqrt().ceil() as usize).clamp(1, 512);
    let cw = ((b[2] - b[0]) / cells as f64).max(f64::MIN_POSITIVE);
    let ch = ((b[3] - b[1]) / cells as f64).max(f64::MIN_POSITIVE);
    let cell = |x: f64, y: f64| {
        ((((x - b[0]) / cw) as usize).min(cells - 1), (((y - b[1]) / ch) as usize).min(cells - 1))
    };
    let mut grid: Vec<Vec<u32>> = vec![Vec::new(); cells * cells];
    for i in 0..n {
        let p = ring[i];
        let q = ring[(i + 1) % n];
        let (cx0, cy0) = cell(p[0].min(q[0]), p[1].min(q[1]));
        let (cx1, cy1) = cell(p[0].max(q[0]), p[1].max(q[1]));
        for cx in cx0..=cx1 {
            for cy in cy0..=cy1 {
                grid[cy * cells + cx].push(i as u32);
            }
        }
    }
    for bucket in &grid {
        for (k, &i) in bucket.iter().enumerate() {
            for &j in &bucket[k + 1..] {
                let (i, j) = (i as usize, j as usize);
                let adjacent = j == i + 1 || i == j + 1 || (i == 0 && j == n - 1) || (j == 0 && i == n - 1);
                if adjacent {
                    continue;
                }
                let (a, bb, c, d) = (ring[i], ring[(i + 1) % n], ring[j], ring[(j + 1) % n]);
                if segments_cross(a, bb, c, d) {
                    return Some(a);
                }
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_ring_drops_closure_and_degenerates() {
        let r = clean_ring([[0.0, 0.0], [1.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 0.0]]).unwrap();
        assert_eq!(r, vec![[0.0, 0.0], [1.0, 0.0], [1.0, 1.0]]);
        assert!(clean_ring([[0.0, 0.0], [1.0, 0.0], [0.0, 0.0]]).is_none());
        assert!(clean_ring([[0.0, 0.0], [f64::NAN, 0.0], [1.0, 1.0]]).is_none());
    }

    #[test]
    fn bow_tie_is_found_square_is_not() {
        let square = [[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0]];
        assert!(ring_self_intersection(&square).is_none());
        let bow = [[0.0, 0.0], [1.0, 1.0], [1.0, 0.0], [0.0, 1.0]];
        assert!(ring_self_intersection(&bow).is_some());
        assert_eq!(ring_signed_area(&square), 1.0);
    }

    #[test]
    fn crs_guess_from_bbox() {
        assert!(Crs::assume_from_bbox(Some([-120.0, 30.0, -110.0, 40.0]), "no .prj").is_geographic());
        let p = Crs::assume_from_bbox(Some([500000.0, 4e6, 600000.0, 4.1e6]), "no .prj");
        assert!(!p.is_geographic() && !p.declared && p.note.contains("no .prj"));
    }
}
