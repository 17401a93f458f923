//! Areas, perimeters and compactness of units and of districts (or new states) made of them.
//!
//! Metric conventions:
//! - Longitude/latitude data: a unit's area is computed in a Lambert azimuthal equal-area
//!   projection centred on that unit (exact equal area on the authalic sphere); perimeters and
//!   shared borders are great-circle lengths. Projected data: planar, times the CRS unit.
//! - A district's area is the sum of its units' areas; its perimeter is the sum of its units'
//!   perimeters minus twice the borders shared inside it (the rook lengths from
//!   [`crate::adjacency`]), so no polygon union is needed.
//! - Polsby-Popper = 4πA / P² (1 for a disc). Reock = A / area of the minimum bounding circle
//!   (1 for a disc), the circle found by Welzl's algorithm on the convex hull of the district's
//!   vertices; for lon/lat data the smallest spherical cap holding the district
//!   ([`smallest_cap`]: the circle in an equal-area projection re-centred on itself).
//! - Cut edges: adjacency edges whose ends lie in different districts; cut length: the total
//!   shared-border length of those edges (each counted once).

use crate::adjacency::{Adjacency, EdgeKind};
use crate::error::{GeoError, Result};
use crate::model::{ring_signed_area, Feature, Layer, Point};
use crate::projection::Laea;
use std::collections::BTreeMap;

/// A representative lon/lat centre of many points: the normalised mean of their unit vectors
/// (robust across the antimeridian, unlike the bounding-box centre).
pub fn geographic_centre<'a>(pts: impl IntoIterator<Item = &'a Point>) -> Option<Point> {
    let (mut x, mut y, mut z, mut n) = (0.0, 0.0, 0.0, 0usize);
    for p in pts {
        let (l, f) = (p[0].to_radians(), p[1].to_radians());
        x += f.cos() * l.cos();
        y += f.cos() * l.sin();
        z += f.sin();
        n += 1;
    }
    if n == 0 {
        return None;
    }
    let h = x.hypot(y);
    Some([y.atan2(x).to_degrees(), z.atan2(h).to_degrees()])
}

/// Area of one feature in square metres (holes subtracted).
pub fn feature_area_m2(f: &Feature, layer: &Layer) -> f64 {
    let rings_area = |proj: &dyn Fn(Point) -> Point| -> f64 {
        f.geometry
            .iter()
            .map(|p| {
                p.rings
                    .iter()
                    .enumerate()
                    .map(|(k, r)| {
                        let pts: Vec<Point> = r.iter().map(|&q| proj(q)).collect();
                        let a = ring_signed_area(&pts).abs();
                        if k == 0 {
                            a
                        } else {
                            -a
                        }
                    })
                    .sum::<f64>()
            })
            .sum::<f64>()
            .max(0.0)
    };
    if layer.crs.is_geographic() {
        match geographic_centre(f.geometry.iter().flat_map(|p| &p.rings).flatten()) {
            Some(c) => {
                let laea = Laea::new(c[0], c[1]);
                rings_area(&|q| laea.forward(q))
            }
            None => 0.0,
        }
    } else {
        let u = layer.crs.unit_to_m;
        rings_area(&|q| [q[0] * u, q[1] * u])
    }
}

/// Areas of all features, square metres.
pub fn areas_m2(layer: &Layer) -> Vec<f64> {
    layer.features.iter().map(|f| feature_area_m2(f, layer)).collect()
}

/// Polsby-Popper score 4πA/P² (0 when the perimeter is 0).
pub fn polsby_popper(area: f64, perimeter: f64) -> f64 {
    if perimeter > 0.0 {
        4.0 * std::f64::consts::PI * area / (perimeter * perimeter)
    } else {
        0.0
    }
}

/// Convex hull (Andrew's monotone chain), counter-clockwise, without collinear points.
pub fn convex_hull(points: &[Point]) -> Vec<Point> {
    convex_hull_indices(points).into_iter().map(|i| points[i]).collect()
}

/// Indices of the convex hull's vertices in `points`, counter-clockwise (non-finite points are
/// ignored; duplicates appear once).
pub fn convex_hull_indices(points: &[Point]) -> Vec<usize> {
    let mut idx: Vec<usize> =
        (0..points.len()).filter(|&i| points[i][0].is_finite() && points[i][1].is_finite()).collect();
    idx.sort_by(|&a, &b| points[a][0].total_cmp(&points[b][0]).then(points[a][1].total_cmp(&points[b][1])));
    idx.dedup_by(|a, b| points[*a] == points[*b]);
    if idx.len() < 3 {
        return idx;
    }
    let cross = |o: usize, a: usize, b: usize| {
        let (o, a, b) = (points[o], points[a], points[b]);
        (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])
    };
    let mut hull: Vec<usize> = Vec::with_capacity(idx.len() * 2);
    for &q in &idx {
        while hull.len() >= 2 && cross(hull[hull.len() - 2], hull[hull.len() - 1], q) <= 0.0 {
            hull.pop();
        }
        hull.push(q);
    }
    let lower = hull.len() + 1;
    for &q in idx.iter().rev().skip(1) {
        while hull.len() >= lower && cross(hull[hull.len() - 2], hull[hull.len() - 1], q) <= 0.0 {
            hull.pop();
        }
        hull.push(q);
    }
    hull.pop();
    hull
}

fn circle2(a: Point, b: Point) -> (Point, f64) {
    let c = [(a[0] + b[0]) / 2.0, (a[1] + b[1]) / 2.0];
    (c, (a[0] - c[0]).hypot(a[1] - c[1]))
}

fn circle3(a: Point, b: Point, c: Point) -> (Point, f64) {
    let (bx, by) = (b[0] - a[0], b[1] - a[1]);
    let (cx, cy) = (c[0] - a[0], c[1] - a[1]);
    let d = 2.0 * (bx * cy - by * cx);
    if d.abs() < 1e-300 {
        // Collinear: the circle on the farthest pair.
        let cands = [circle2(a, b), circle2(a, c), circle2(b, c)];
        return cands.into_iter().max_by(|x, y| x.1.total_cmp(&y.1)).unwrap_or(([0.0, 0.0], 0.0));
    }
    let b2 = bx * bx + by * by;
    let c2 = cx * cx + cy * cy;
    let ux = (cy * b2 - by * c2) / d;
    let uy = (bx * c2 - cx * b2) / d;
    ([a[0] + ux, a[1] + uy], ux.hypot(uy))
}

/// The minimum enclosing circle (centre, radius) of a point set: Welzl's algorithm in its
/// iterative form (randomised incremental, expected linear time), run on the convex hull.
/// The shuffle uses a fixed seed so results are reproducible.
pub fn min_enclosing_circle(points: &[Point]) -> Option<(Point, f64)> {
    let mut p = convex_hull(points);
    if p.is_empty() {
        return None;
    }
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    for i in (1..p.len()).rev() {
        state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        let j = (state >> 33) as usize % (i + 1);
        p.swap(i, j);
    }
    let inside =
        |c: &(Point, f64), q: Point| (q[0] - c.0[0]).hypot(q[1] - c.0[1]) <= c.1 * (1.0 + 1e-12) + 1e-9;
    let mut c = (p[0], 0.0);
    for i in 1..p.len() {
        if inside(&c, p[i]) {
            continue;
        }
        c = (p[i], 0.0);
        for j in 0..i {
            if inside(&c, p[j]) {
                continue;
            }
            c = circle2(p[i], p[j]);
            for k in 0..j {
                if !inside(&c, p[k]) {
                    c = circle3(p[i], p[j], p[k]);
                }
            }
        }
    }
    Some(c)
}

/// Shape figures of one district (or new state).
#[derive(Clone, Debug, PartialEq)]
pub struct DistrictShape {
    pub district: u32,
    pub units: usize,
    pub area_m2: f64,
    pub perimeter_m: f64,
    pub polsby_popper: f64,
    pub reock: f64,
}

/// The smallest spherical cap holding lon/lat points, as the centre (lon/lat) and the radius of
/// its image in the Lambert azimuthal equal-area projection centred on it, where the cap is a
/// disc of the same area (π r² = the cap's area). Found as the minimum enclosing circle in an
/// equal-area projection centred on the points, then re-centred on that circle's centre until
/// the centre moves less than a millimetre (two or three rounds): the answer does not depend on
/// where the first projection was centred, so an independent computation can reproduce it.
pub fn smallest_cap(points: &[Point]) -> Option<(Point, f64)> {
    let mut centre = geographic_centre(points)?;
    let mut planar: Vec<Point> = Vec::with_capacity(points.len());
    let mut best = None;
    for _ in 0..8 {
        let laea = Laea::new(centre[0], centre[1]);
        planar.clear();
        planar.extend(points.iter().map(|&q| laea.forward(q)));
        let (c, r) = min_enclosing_circle(&planar)?;
        best = Some((centre, r));
        if c[0].hypot(c[1]) < 1e-3 {
            break;
        }
        centre = laea.inverse(c);
    }
    best
}

/// The plan-independent part of [`district_shapes`], computed once for a layer so that many
/// plans (ensemble samples, neutral splits) can be measured quickly: each unit's area and the
/// vertices of its convex hull (found in an equal-area projection centred on the layer; only
/// those vertices can touch a district's minimum bounding circle).
#[derive(Clone, Debug)]
pub struct ShapeIndex {
    areas: Vec<f64>,
    /// Per unit: hull vertices in the layer's coordinates (lon/lat for geographic layers,
    /// metres otherwise).
    hulls: Vec<Vec<Point>>,
    geographic: bool,
}

impl ShapeIndex {
    pub fn new(layer: &Layer) -> Self {
        let geographic = layer.crs.is_geographic();
        let u = layer.crs.unit_to_m;
        let reference = geographic
            .then(|| {
                geographic_centre(
                    layer.features.iter().flat_map(|f| f.geometry.iter()).flat_map(|p| &p.rings).flatten(),
                )
            })
            .flatten()
            .map(|c| Laea::new(c[0], c[1]));
        let hulls = layer
            .features
            .iter()
            .map(|f| {
                let pts: Vec<Point> =
                    f.geometry.iter().flat_map(|p| p.rings.first()).flatten().copied().collect();
                match reference {
                    Some(laea) => {
                        let planar: Vec<Point> = pts.iter().map(|&q| laea.forward(q)).collect();
                        convex_hull_indices(&planar).into_iter().map(|i| pts[i]).collect()
                    }
                    None => {
                        let scaled: Vec<Point> = pts.iter().map(|q| [q[0] * u, q[1] * u]).collect();
                        convex_hull(&scaled)
                    }
                }
            })
            .collect();
        ShapeIndex { areas: areas_m2(layer), hulls, geographic }
    }

    /// Unit areas in square metres.
    pub fn areas_m2(&self) -> &[f64] {
        &self.areas
    }

    /// Per-district area, perimeter, Polsby-Popper and Reock for a plan (`plan[i]` = district of
    /// unit `i`), using the shared-border lengths of `adj` (built from the same layer).
    /// Districts are returned in ascending id order.
    pub fn district_shapes(&self, adj: &Adjacency, plan: &[u32]) -> Result<Vec<DistrictShape>> {
        let n = self.areas.len();
        if plan.len() != n || adj.node_count != n {
            return Err(GeoError::Input(format!(
                "plan has {} entries and the adjacency {} nodes, but the layer has {} features",
                plan.len(),
                adj.node_count,
                n
            )));
        }
        let mut by_district: BTreeMap<u32, Vec<usize>> = BTreeMap::new();
        for (i, &d) in plan.iter().enumerate() {
            by_district.entry(d).or_default().push(i);
        }
        let mut internal: BTreeMap<u32, f64> = BTreeMap::new();
        for e in adj.edges.iter().filter(|e| e.kind == EdgeKind::Rook) {
            let (da, db) = (plan[e.a as usize], plan[e.b as usize]);
            if da == db {
                *internal.entry(da).or_insert(0.0) += e.shared_m;
            }
        }
        let mut out = Vec::with_capacity(by_district.len());
        let mut pts: Vec<Point> = Vec::new();
        for (d, units) in by_district {
            let area: f64 = units.iter().map(|&i| self.areas[i]).sum();
            let perim = (units.iter().map(|&i| adj.perimeters_m[i]).sum::<f64>()
                - 2.0 * internal.get(&d).copied().unwrap_or(0.0))
            .max(0.0);
            pts.clear();
            pts.extend(units.iter().flat_map(|&i| self.hulls[i].iter().copied()));
            let circle = if self.geographic { smallest_cap(&pts) } else { min_enclosing_circle(&pts) };
            let reock = match circle {
                Some((_, r)) if r > 0.0 => area / (std::f64::consts::PI * r * r),
                _ => 0.0,
            };
            out.push(DistrictShape {
                district: d,
                units: units.len(),
                area_m2: area,
                perimeter_m: perim,
                polsby_popper: polsby_popper(area, perim),
                reock,
            });
        }
        Ok(out)
    }
}

/// Per-district area, perimeter, Polsby-Popper and Reock for a plan over a layer's features
/// (`plan[i]` = district of feature `i`), using the shared-border lengths of `adj` (built from
/// the same layer). Districts are returned in ascending id order. To measure many plans on
/// one layer, build a [`ShapeIndex`] once and call its `district_shapes`.
pub fn district_shapes(layer: &Layer, adj: &Adjacency, plan: &[u32]) -> Result<Vec<DistrictShape>> {
    if plan.len() != layer.features.len() || adj.node_count != layer.features.len() {
        return Err(GeoError::Input(format!(
            "plan has {} entries and the adjacency {} nodes, but the layer has {} features",
            plan.len(),
            adj.node_count,
            layer.features.len()
        )));
    }
    ShapeIndex::new(layer).district_shapes(adj, plan)
}

/// Polsby-Popper scores of many plans on one layer, fast: only each unit's area and perimeter
/// and the rook borders are kept, so a plan costs one pass over the units and one over the
/// borders, with no allocation (the ensemble side of a judgement). The scores equal
/// [`ShapeIndex::district_shapes`]' exactly (same areas, perimeters and border lengths, summed
/// in the same order per district).
#[derive(Clone, Debug)]
pub struct PolsbyPopperIndex {
    areas: Vec<f64>,
    perimeters: Vec<f64>,
    /// Rook borders `(a, b, length)`.
    borders: Vec<(u32, u32, f64)>,
}

impl PolsbyPopperIndex {
    /// From a layer's unit areas (e.g. [`ShapeIndex::areas_m2`]) and its adjacency.
    pub fn new(areas_m2: &[f64], adj: &Adjacency) -> Result<Self> {
        if areas_m2.len() != adj.node_count {
            return Err(GeoError::Input(format!(
                "{} unit areas for an adjacency of {} units",
                areas_m2.len(),
                adj.node_count
            )));
        }
        Ok(PolsbyPopperIndex {
            areas: areas_m2.to_vec(),
            perimeters: adj.perimeters_m.clone(),
            borders: adj
                .edges
                .iter()
                .filter(|e| e.kind == EdgeKind::Rook)
                .map(|e| (e.a, e.b, e.shared_m))
                .collect(),
        })
    }

    /// Number of units.
    pub fn units(&self) -> usize {
        self.areas.len()
    }

    /// Fills `scores[d]` with the Polsby-Popper score of district `d` of `plan` (`plan[i] <
    /// scores.len()`); `area` and `perimeter` are scratch buffers of the same length.
    pub fn scores_into(
        &self,
        plan: &[u32],
        scores: &mut [f64],
        area: &mut [f64],
        perimeter: &mut [f64],
    ) -> Result<()> {
        let k = scores.len();
        if plan.len() != self.areas.len() || area.len() != k || perimeter.len() != k {
            return Err(GeoError::Input(format!(
                "plan of {} units for {} units, or buffers of the wrong length",
                plan.len(),
                self.areas.len()
            )));
        }
        area.iter_mut().for_each(|x| *x = 0.0);
        perimeter.iter_mut().for_each(|x| *x = 0.0);
        for (i, &d) in plan.iter().enumerate() {
            let d = d as usize;
            if d >= k {
                return Err(GeoError::Input(format!("unit {i} is in district {d} of {k}")));
            }
            area[d] += self.areas[i];
            perimeter[d] += self.perimeters[i];
        }
        // Inner borders, summed per district first and subtracted once, as district_shapes does.
        let mut inner = vec![0.0; k];
        for &(a, b, len) in &self.borders {
            let (da, db) = (plan[a as usize], plan[b as usize]);
            if da == db {
                inner[da as usize] += len;
            }
        }
        for d in 0..k {
            let p = (perimeter[d] - 2.0 * inner[d]).max(0.0);
            scores[d] = polsby_popper(area[d], p);
        }
        Ok(())
    }
}

/// Number of adjacency edges (rook, queen or bridge) joining different districts.
pub fn cut_edges(adj: &Adjacency, plan: &[u32]) -> usize {
    adj.edges.iter().filter(|e| plan[e.a as usize] != plan[e.b as usize]).count()
}

/// Total shared-border length (metres) between different districts.
pub fn cut_length_m(adj: &Adjacency, plan: &[u32]) -> f64 {
    adj.edges.iter().filter(|e| plan[e.a as usize] != plan[e.b as usize]).map(|e| e.shared_m).sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::adjacency::{build_adjacency, AdjacencyOptions};
    use crate::model::{Crs, Polygon};
    use std::f64::consts::PI;

    fn planar(rings: Vec<Vec<Point>>) -> Layer {
        Layer {
            features: rings
                .into_iter()
                .map(|r| Feature {
                    geometry: vec![Polygon { rings: vec![r] }],
                    properties: Default::default(),
                })
                .collect(),
            crs: Crs::projected(None, 1.0, ""),
            warnings: vec![],
        }
    }

    fn rect(x: f64, y: f64, w: f64, h: f64) -> Vec<Point> {
        vec![[x, y], [x + w, y], [x + w, y + h], [x, y + h]]
    }

    fn single(layer: &Layer) -> DistrictShape {
        let adj = build_adjacency(layer, &AdjacencyOptions::default());
        district_shapes(layer, &adj, &vec![0; layer.features.len()]).unwrap().remove(0)
    }

    #[test]
    fn square_has_analytic_scores() {
        let s = single(&planar(vec![rect(0.0, 0.0, 2.0, 2.0)]));
        assert!((s.area_m2 - 4.0).abs() < 1e-12 && (s.perimeter_m - 8.0).abs() < 1e-12);
        assert!((s.polsby_popper - PI / 4.0).abs() < 1e-12);
        assert!((s.reock - 2.0 / PI).abs() < 1e-12);
    }

    #[test]
    fn circle_approximation_tends_to_one() {
        let n = 2000;
        let ring: Vec<Point> = (0..n)
            .map(|i| {
                let t = 2.0 * PI * i as f64 / n as f64;
                [1000.0 * t.cos(), 1000.0 * t.sin()]
            })
            .collect();
        let s = single(&planar(vec![ring]));
        // A regular n-gon: PP = π / (n tan(π/n)); Reock = (n/2π) sin(2π/n).
        let nf = n as f64;
        assert!((s.polsby_popper - PI / (nf * (PI / nf).tan())).abs() < 1e-9);
        assert!((s.reock - nf / (2.0 * PI) * (2.0 * PI / nf).sin()).abs() < 1e-9);
        assert!(s.polsby_popper > 0.9999 && s.reock > 0.9999);
    }

    #[test]
    fn long_rectangle() {
        let s = single(&planar(vec![rect(0.0, 0.0, 10.0, 1.0)]));
        assert!((s.polsby_popper - 4.0 * PI * 10.0 / 484.0).abs() < 1e-12);
        assert!((s.reock - 40.0 / (101.0 * PI)).abs() < 1e-12);
    }

    #[test]
    fn district_of_two_squares_subtracts_the_inner_border() {
        // Two unit squares in one district form a 2x1 rectangle: P = 6, A = 2.
        let l = planar(vec![rect(0.0, 0.0, 1.0, 1.0), rect(1.0, 0.0, 1.0, 1.0), rect(2.0, 0.0, 1.0, 1.0)]);
        let adj = build_adjacency(&l, &AdjacencyOptions::default());
        let plan = [7, 7, 9];
        let d = district_shapes(&l, &adj, &plan).unwrap();
        assert_eq!(d.iter().map(|x| x.district).collect::<Vec<_>>(), vec![7, 9]);
        assert!((d[0].perimeter_m - 6.0).abs() < 1e-12);
        assert!((d[0].polsby_popper - 4.0 * PI * 2.0 / 36.0).abs() < 1e-12);
        assert!((d[0].reock - 8.0 / (5.0 * PI)).abs() < 1e-12);
        assert_eq!(cut_edges(&adj, &plan), 1);
        assert!((cut_length_m(&adj, &plan) - 1.0).abs() < 1e-12);
        assert!(district_shapes(&l, &adj, &[1, 2]).is_err());
    }

    #[test]
    fn geographic_cell_near_equator_is_nearly_square() {
        let mut l = planar(vec![rect(10.0, -0.5, 1.0, 1.0)]);
        l.crs = Crs::geographic(None, "test");
        let s = single(&l);
        // 1° x 1° at the equator: ~111.2 km square.
        let side = crate::projection::EARTH_RADIUS_M * PI / 180.0;
        assert!((s.area_m2 / (side * side) - 1.0).abs() < 1e-3, "{}", s.area_m2);
        assert!((s.perimeter_m / (4.0 * side) - 1.0).abs() < 1e-3);
        assert!((s.polsby_popper - PI / 4.0).abs() < 2e-3);
        assert!((s.reock - 2.0 / PI).abs() < 2e-3);
    }

    #[test]
    fn fast_scores_equal_district_shapes() {
        let l = planar(vec![
            rect(0.0, 0.0, 1.0, 1.0),
            rect(1.0, 0.0, 1.0, 1.0),
            rect(2.0, 0.0, 1.0, 2.0),
            rect(0.0, 1.0, 2.0, 1.0),
        ]);
        let adj = build_adjacency(&l, &AdjacencyOptions::default());
        let index = ShapeIndex::new(&l);
        let fast = PolsbyPopperIndex::new(index.areas_m2(), &adj).unwrap();
        for plan in [[0u32, 0, 1, 1], [0, 1, 1, 0], [1, 0, 0, 1]] {
            let want = index.district_shapes(&adj, &plan).unwrap();
            let (mut s, mut a, mut p) = (vec![0.0; 2], vec![0.0; 2], vec![0.0; 2]);
            fast.scores_into(&plan, &mut s, &mut a, &mut p).unwrap();
            for w in &want {
                assert_eq!(s[w.district as usize], w.polsby_popper, "{plan:?}");
            }
        }
        let (mut s, mut a, mut p) = (vec![0.0; 1], vec![0.0; 1], vec![0.0; 1]);
        assert!(fast.scores_into(&[0, 0, 1, 0], &mut s, &mut a, &mut p).is_err());
    }

    #[test]
    fn hull_and_circle_edge_cases() {
        assert!(min_enclosing_circle(&[]).is_none());
        let (c, r) = min_enclosing_circle(&[[1.0, 1.0]]).unwrap();
        assert_eq!((c, r), ([1.0, 1.0], 0.0));
        let (_, r) = min_enclosing_circle(&[[0.0, 0.0], [2.0, 0.0], [1.0, 0.0]]).unwrap();
        assert!((r - 1.0).abs() < 1e-12);
        assert_eq!(convex_hull(&[[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0], [0.5, 0.5]]).len(), 4);
    }
}
