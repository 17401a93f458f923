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
/// The crossing test ([`ring_crossing`]) splits each ring into monotone chains, so it costs
/// about linear time for real boundaries and zig-zags alike; touching at shared vertices
/// (adjacent edges) is not a crossing. A ring too intricate to settle within a work budget
/// proportional to its size (a spiral of thousands of turns) gets a warning saying it was not
/// fully checked, never an unbounded run.
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
        'rings: for (pi, p) in f.geometry.iter().enumerate() {
            for (ri, r) in p.rings.iter().enumerate() {
                match ring_crossing(r) {
                    Crossing::None => {}
                    Crossing::At(at) => {
                        warnings.push(Warning {
                            kind: WarningKind::SelfIntersection,
                            feature: Some(i),
                            message: format!(
                                "polygon {pi} ring {ri} crosses itself near ({:.6}, {:.6}); areas and compactness for this feature are unreliable",
                                at[0], at[1]
                            ),
                        });
                        break 'rings;
                    }
                    Crossing::Unknown => {
                        warnings.push(Warning {
                            kind: WarningKind::SelfIntersection,
                            feature: Some(i),
                            message: format!(
                                "polygon {pi} ring {ri} ({} vertices) is too intricate to check fully for self-crossings; areas and compactness assume it does not cross itself",
                                r.len()
                            ),
                        });
                        break 'rings;
                    }
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

/// Whether a ring crosses itself.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Crossing {
    /// No two non-adjacent edges cross.
    None,
    /// Two edges cross; the start of one of them.
    At(Point),
    /// Not settled within the work budget.
    Unknown,
}

/// The first point where two non-adjacent edges of `ring` cross, if any (see [`ring_crossing`];
/// an unsettled ring counts as not crossing).
pub fn ring_self_intersection(ring: &[Point]) -> Option<Point> {
    match ring_crossing(ring) {
        Crossing::At(p) => Some(p),
        _ => None,
    }
}

/// Finds a proper crossing of two non-adjacent edges of a closed ring.
///
/// The ring is cut into maximal runs of edges monotone along one axis (x or y, whichever gives
/// fewer runs). Two non-adjacent edges of one monotone run cannot cross properly (their extents
/// along the axis meet at most at a point that is an endpoint of each), so only edges of
/// different runs are compared, and of those only pairs whose extents along the axis overlap,
/// found by merging the two runs' edge lists in axis order. A zig-zag of thousands of teeth is
/// then one or two runs and costs linear time, where a grid of cells compared every pair of
/// teeth. The pair tests are capped at `64 n + 10^7`; beyond that the answer is
/// [`Crossing::Unknown`].
pub fn ring_crossing(ring: &[Point]) -> Crossing {
    let n = ring.len();
    if n < 4 {
        return Crossing::None;
    }
    let edge = |i: usize| (ring[i], ring[(i + 1) % n]);
    // Runs along the axis with fewer direction changes.
    let runs_along = |axis: usize| -> Vec<(usize, usize)> {
        let dir = |i: usize| {
            let (a, b) = edge(i);
            (b[axis] - a[axis]).partial_cmp(&0.0).unwrap_or(std::cmp::Ordering::Equal) as i8
        };
        let mut runs = Vec::new();
        let (mut start, mut d) = (0, dir(0));
        for i in 1..n {
            let e = dir(i);
            if e != 0 && d != 0 && e != d {
                runs.push((start, i));
                start = i;
                d = e;
            } else if d == 0 {
                d = e;
            }
        }
        runs.push((start, n));
        runs
    };
    let (rx, ry) = (runs_along(0), runs_along(1));
    let (axis, runs) = if rx.len() <= ry.len() { (0, rx) } else { (1, ry) };
    let other = 1 - axis;
    // Each run's edges sorted by their lower end along the axis (a monotone run is already in
    // order, forwards or backwards), and its bounding box.
    struct Run {
        edges: Vec<(f64, f64, usize)>,
        bbox: [f64; 4],
    }
    let runs: Vec<Run> = runs
        .iter()
        .map(|&(s, e)| {
            let mut edges: Vec<(f64, f64, usize)> = (s..e)
                .map(|i| {
                    let (a, b) = edge(i);
                    (a[axis].min(b[axis]), a[axis].max(b[axis]), i)
                })
                .collect();
            edges.sort_by(|x, y| x.0.total_cmp(&y.0).then(x.1.total_cmp(&y.1)));
            let mut bbox = [f64::INFINITY, f64::INFINITY, f64::NEG_INFINITY, f64::NEG_INFINITY];
            for i in s..e {
                let (a, b) = edge(i);
                for p in [a, b] {
                    bbox = [
                        bbox[0].min(p[axis]),
                        bbox[1].min(p[other]),
                        bbox[2].max(p[axis]),
                        bbox[3].max(p[other]),
                    ];
                }
            }
            Run { edges, bbox }
        })
        .collect();
    let adjacent = |i: usize, j: usize| i.abs_diff(j) == 1 || i.abs_diff(j) == n - 1 || i == j;
    let mut budget: u64 = 64 * n as u64 + 10_000_000;
    // Runs in order of their lower end; each is compared with the later-starting runs whose
    // extent overlaps it.
    let mut order: Vec<usize> = (0..runs.len()).collect();
    order.sort_by(|&a, &b| runs[a].bbox[0].total_cmp(&runs[b].bbox[0]));
    for (oi, &ai) in order.iter().enumerate() {
        let a = &runs[ai];
        for &bi in &order[oi + 1..] {
            let b = &runs[bi];
            if b.bbox[0] > a.bbox[2] {
                break;
            }
            budget = budget.saturating_sub(1);
            if b.bbox[1] > a.bbox[3] || b.bbox[3] < a.bbox[1] {
                continue;
            }
            // Merge: for each edge of a, the edges of b whose extents overlap it.
            let mut j0 = 0;
            for &(lo, hi, i) in &a.edges {
                while j0 < b.edges.len() && b.edges[j0].1 < lo {
                    j0 += 1;
                }
                let mut k = j0;
                while k < b.edges.len() && b.edges[k].0 <= hi {
                    let j = b.edges[k].2;
                    if budget == 0 {
                        return Crossing::Unknown;
                    }
                    budget -= 1;
                    if !adjacent(i, j) {
                        let ((p, q), (r, s)) = (edge(i), edge(j));
                        if segments_cross(p, q, r, s) {
                            return Crossing::At(p);
                        }
                    }
                    k += 1;
                }
            }
        }
        if budget == 0 {
            return Crossing::Unknown;
        }
    }
    Crossing::None
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

    /// The monotone-run test agrees with comparing every pair of edges, on random rings
    /// (crossing and not), zig-zags, rings with vertical and repeated-direction edges.
    #[test]
    fn ring_crossing_agrees_with_all_pairs() {
        let brute = |r: &[Point]| {
            let n = r.len();
            (0..n).any(|i| {
                (i + 1..n).any(|j| {
                    let adj = j == i + 1 || (i == 0 && j == n - 1);
                    !adj && segments_cross(r[i], r[(i + 1) % n], r[j], r[(j + 1) % n])
                })
            })
        };
        let mut x = 0x2545_F491_4F6C_DD1Du64;
        let mut rnd = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 11) as f64 / (1u64 << 53) as f64
        };
        let mut crossing = 0;
        for round in 0..3000 {
            let n = 4 + (rnd() * 30.0) as usize;
            let ring: Vec<Point> = match round % 4 {
                // Random points: usually crossing.
                0 => (0..n).map(|_| [(rnd() * 10.0).round(), (rnd() * 10.0).round()]).collect(),
                // A star-shaped polygon (simple), sometimes with a vertex pushed across.
                1 => {
                    let mut r: Vec<Point> = (0..n)
                        .map(|i| {
                            let t = i as f64 / n as f64 * std::f64::consts::TAU;
                            let rad = 1.0 + rnd() * 4.0;
                            [rad * t.cos(), rad * t.sin()]
                        })
                        .collect();
                    if rnd() < 0.5 {
                        let k = (rnd() * n as f64) as usize;
                        r[k] = [-r[k][0] * 0.3, -r[k][1] * 0.3 + 0.1];
                    }
                    r
                }
                // A zig-zag with vertical edges, possibly with a tooth pulled through.
                2 => {
                    let mut r = vec![[0.0, -3.0]];
                    for i in 0..n {
                        r.push([(i / 2) as f64, if i % 4 < 2 { 0.0 } else { 2.0 }]);
                    }
                    r.push([(n / 2) as f64, -3.0]);
                    if rnd() < 0.5 {
                        let k = 1 + (rnd() * n as f64) as usize;
                        r[k][1] = -4.0;
                    }
                    r
                }
                // Integer points on a small grid: many collinear and touching edges.
                _ => (0..n).map(|_| [(rnd() * 4.0).floor(), (rnd() * 4.0).floor()]).collect(),
            };
            let want = brute(&ring);
            crossing += want as usize;
            match ring_crossing(&ring) {
                Crossing::At(_) => assert!(want, "round {round}: false crossing in {ring:?}"),
                Crossing::None => assert!(!want, "round {round}: missed crossing in {ring:?}"),
                Crossing::Unknown => panic!("round {round}: a small ring must be settled"),
            }
        }
        assert!(crossing > 500 && crossing < 2800, "{crossing} crossing rings of 3000");
    }

    #[test]
    fn crs_guess_from_bbox() {
        assert!(Crs::assume_from_bbox(Some([-120.0, 30.0, -110.0, 40.0]), "no .prj").is_geographic());
        let p = Crs::assume_from_bbox(Some([500000.0, 4e6, 600000.0, 4.1e6]), "no .prj");
        assert!(!p.is_geographic() && !p.declared && p.note.contains("no .prj"));
    }
}
