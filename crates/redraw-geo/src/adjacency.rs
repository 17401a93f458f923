//! Adjacency from polygons: rook (shared boundary of positive length, with that length) and
//! queen (a shared point), by hashing, not by pairwise polygon tests.
//!
//! Method:
//! 1. Every vertex is snapped to a square grid of side `tolerance` (coordinate units; default
//!    1e-7° ≈ 1 cm for longitude/latitude, 0.01 for projected data) and given an integer id.
//! 2. Every ring edge becomes a segment keyed by its two snapped vertex ids (unordered).
//!    Sorting the keys groups identical segments; a segment used by two or more features is
//!    shared boundary, and its length (great-circle metres for lon/lat) is added to each pair.
//!    This is exact for topologically clean data (TIGER, TopoJSON, most published shapefiles).
//! 3. Segments used by one feature only (coastline, state border, or boundaries drawn with
//!    different vertices on each side: T-junctions, slivers) go into a uniform grid; pairs
//!    from different features that are collinear within `tolerance` and overlap by more than
//!    `tolerance` add their overlap length. This recovers rook contacts that step 2 misses.
//! 4. Queen contacts are pairs of features sharing a snapped vertex without a shared segment.
//!
//! Cost is O(V log V) in the number of vertices: about 10 ms for the 3,142 US counties (64k
//! vertices), 0.13 s for 25,600 units with 717k vertices, 0.6 s for 90,000 units with 2.5M
//! vertices on one core (`cargo run --release -p redraw-geo --example bench_adjacency`).
//! Islands (nodes without neighbours) and components are reported; optionally every component
//! but the largest is linked to the nearest feature outside it (by vertex distance), repeatedly,
//! until the graph is connected, as GerryChain users do by hand.

use crate::model::{bbox_of, Layer, Point};
use crate::projection::great_circle_m;
use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};

/// A small fast hasher for integer keys (FxHash's multiply-rotate); the keys here are not
/// attacker-controlled, so SipHash's DoS resistance is not needed.
#[derive(Default)]
pub(crate) struct FxHasher(u64);
impl Hasher for FxHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(b as u64);
        }
    }
    fn write_u64(&mut self, i: u64) {
        self.0 = (self.0.rotate_left(5) ^ i).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
    fn write_i64(&mut self, i: i64) {
        self.write_u64(i as u64)
    }
    fn write_u32(&mut self, i: u32) {
        self.write_u64(i as u64)
    }
}
pub(crate) type FxMap<K, V> = HashMap<K, V, BuildHasherDefault<FxHasher>>;
pub(crate) type FxSet<K> = HashSet<K, BuildHasherDefault<FxHasher>>;

/// How two units touch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EdgeKind {
    /// A shared boundary of positive length.
    Rook,
    /// Only a shared point (included with `queen`).
    Queen,
    /// Not touching: added by `connect_islands` to link a component to its nearest neighbour.
    Bridge,
}

/// One undirected edge, `a < b`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Edge {
    pub a: u32,
    pub b: u32,
    /// Shared boundary length in metres (0 for queen and bridge edges).
    pub shared_m: f64,
    pub kind: EdgeKind,
    /// For bridges, the gap crossed in metres (vertex to vertex); 0 otherwise.
    pub gap_m: f64,
}

/// Options for [`build_adjacency`].
#[derive(Clone, Copy, Debug, Default)]
pub struct AdjacencyOptions {
    /// Also connect units that share only a point.
    pub queen: bool,
    /// Snapping grid and collinearity tolerance in coordinate units (`None` = default).
    pub tolerance: Option<f64>,
    /// Link every component but the largest to its nearest neighbour until connected.
    pub connect_islands: bool,
}

/// The adjacency of a layer's features, plus per-feature boundary figures.
#[derive(Clone, Debug)]
pub struct Adjacency {
    pub node_count: usize,
    /// Sorted by (a, b).
    pub edges: Vec<Edge>,
    /// Total boundary length of each feature in metres (all rings).
    pub perimeters_m: Vec<f64>,
    /// The tolerance used, in coordinate units.
    pub tolerance: f64,
    /// Pairs touching at points only (counted whether or not `queen` was asked for).
    pub point_contacts: usize,
    /// Rook edges found only by the collinear-overlap pass (step 3).
    pub near_matches: usize,
}

impl Adjacency {
    /// Shared boundary with features outside the layer (coast, outer border), in metres:
    /// perimeter minus the rook lengths. GerryChain calls this `boundary_perim`.
    pub fn exterior_m(&self) -> Vec<f64> {
        let mut ext = self.perimeters_m.clone();
        for e in &self.edges {
            ext[e.a as usize] -= e.shared_m;
            ext[e.b as usize] -= e.shared_m;
        }
        // Round-off (and T-junction overlaps) can push a fully enclosed unit slightly negative.
        ext.iter_mut().for_each(|x| *x = x.max(0.0));
        ext
    }

    /// Neighbour lists per node (both directions).
    pub fn neighbours(&self) -> Vec<Vec<(u32, usize)>> {
        let mut nb = vec![Vec::new(); self.node_count];
        for (i, e) in self.edges.iter().enumerate() {
            nb[e.a as usize].push((e.b, i));
            nb[e.b as usize].push((e.a, i));
        }
        nb
    }

    /// Connected components, largest first; each sorted ascending.
    pub fn components(&self) -> Vec<Vec<u32>> {
        components(self.node_count, self.edges.iter().map(|e| (e.a, e.b)))
    }

    /// Nodes with no neighbour at all.
    pub fn islands(&self) -> Vec<u32> {
        let mut deg = vec![0u32; self.node_count];
        for e in &self.edges {
            deg[e.a as usize] += 1;
            deg[e.b as usize] += 1;
        }
        (0..self.node_count as u32).filter(|&i| deg[i as usize] == 0).collect()
    }

    pub fn count(&self, kind: EdgeKind) -> usize {
        self.edges.iter().filter(|e| e.kind == kind).count()
    }
}

fn find(parent: &mut [u32], mut x: u32) -> u32 {
    while parent[x as usize] != x {
        parent[x as usize] = parent[parent[x as usize] as usize];
        x = parent[x as usize];
    }
    x
}

pub(crate) fn components(n: usize, edges: impl Iterator<Item = (u32, u32)>) -> Vec<Vec<u32>> {
    let mut parent: Vec<u32> = (0..n as u32).collect();
    for (a, b) in edges {
        let (ra, rb) = (find(&mut parent, a), find(&mut parent, b));
        if ra != rb {
            parent[ra.max(rb) as usize] = ra.min(rb);
        }
    }
    let mut by_root: FxMap<u32, Vec<u32>> = FxMap::default();
    for i in 0..n as u32 {
        let r = find(&mut parent, i);
        by_root.entry(r).or_default().push(i);
    }
    let mut comps: Vec<Vec<u32>> = by_root.into_values().collect();
    comps.sort_by(|a, b| b.len().cmp(&a.len()).then(a[0].cmp(&b[0])));
    comps
}

/// Default snapping tolerance for a layer's coordinates.
pub fn default_tolerance(layer: &Layer) -> f64 {
    if layer.crs.is_geographic() {
        1e-7
    } else {
        0.01
    }
}

struct Seg {
    a: Point,
    b: Point,
    feature: u32,
    len_m: f64,
}

/// Builds the adjacency of a layer's features (node `i` = feature `i`).
pub fn build_adjacency(layer: &Layer, opts: &AdjacencyOptions) -> Adjacency {
    let n = layer.features.len();
    let tol = opts.tolerance.filter(|t| *t > 0.0).unwrap_or_else(|| default_tolerance(layer));
    let geographic = layer.crs.is_geographic();
    let unit = layer.crs.unit_to_m;
    let len_m = |a: Point, b: Point| -> f64 {
        if geographic {
            great_circle_m(a, b)
        } else {
            ((b[0] - a[0]).hypot(b[1] - a[1])) * unit
        }
    };
    let snap = |p: Point| -> (i64, i64) { ((p[0] / tol).round() as i64, (p[1] / tol).round() as i64) };

    // Steps 1-2: snapped vertex ids and segment keys.
    let total_vertices: usize = layer.features.iter().map(|f| f.vertex_count()).sum();
    let mut vertex_id: FxMap<(i64, i64), u32> = FxMap::default();
    vertex_id.reserve(total_vertices);
    let mut segs: Vec<Seg> = Vec::with_capacity(total_vertices);
    let mut keys: Vec<(u64, u32)> = Vec::with_capacity(total_vertices); // (segment key, seg index)
    let mut vertex_features: Vec<(u32, u32)> = Vec::with_capacity(total_vertices);
    let mut perimeters = vec![0.0; n];
    for (fi, f) in layer.features.iter().enumerate() {
        for poly in &f.geometry {
            for ring in &poly.rings {
                let m = ring.len();
                for i in 0..m {
                    let (a, b) = (ring[i], ring[(i + 1) % m]);
                    let l = len_m(a, b);
                    perimeters[fi] += l;
                    let next = vertex_id.len() as u32;
                    let va = *vertex_id.entry(snap(a)).or_insert(next);
                    let next = vertex_id.len() as u32;
                    let vb = *vertex_id.entry(snap(b)).or_insert(next);
                    vertex_features.push((va, fi as u32));
                    if va == vb {
                        continue; // collapsed by snapping
                    }
                    let key = ((va.min(vb) as u64) << 32) | va.max(vb) as u64;
                    keys.push((key, segs.len() as u32));
                    segs.push(Seg { a, b, feature: fi as u32, len_m: l });
                }
            }
        }
    }
    keys.sort_unstable();
    let mut shared: FxMap<(u32, u32), f64> = FxMap::default();
    let mut unmatched: Vec<u32> = Vec::new();
    let mut i = 0;
    let mut feats: Vec<u32> = Vec::new();
    while i < keys.len() {
        let mut j = i + 1;
        while j < keys.len() && keys[j].0 == keys[i].0 {
            j += 1;
        }
        feats.clear();
        feats.extend(keys[i..j].iter().map(|&(_, s)| segs[s as usize].feature));
        feats.sort_unstable();
        feats.dedup();
        if feats.len() >= 2 {
            let l = segs[keys[i].1 as usize].len_m;
            for x in 0..feats.len() {
                for y in x + 1..feats.len() {
                    *shared.entry((feats[x], feats[y])).or_insert(0.0) += l;
                }
            }
        } else if j - i == 1 {
            unmatched.push(keys[i].1);
        }
        i = j;
    }

    // Step 3: collinear overlaps among unmatched segments.
    let near_found = near_overlaps(&segs, &unmatched, tol, &mut shared);

    // Step 4: point contacts.
    vertex_features.sort_unstable();
    vertex_features.dedup();
    let mut point_pairs: FxSet<(u32, u32)> = FxSet::default();
    let mut i = 0;
    while i < vertex_features.len() {
        let mut j = i + 1;
        while j < vertex_features.len() && vertex_features[j].0 == vertex_features[i].0 {
            j += 1;
        }
        for x in i..j {
            for y in x + 1..j {
                let (a, b) = (vertex_features[x].1, vertex_features[y].1);
                let pair = (a.min(b), a.max(b));
                if !shared.contains_key(&pair) {
                    point_pairs.insert(pair);
                }
            }
        }
        i = j;
    }

    let mut edges: Vec<Edge> = shared
        .iter()
        .map(|(&(a, b), &l)| Edge { a, b, shared_m: l, kind: EdgeKind::Rook, gap_m: 0.0 })
        .collect();
    if opts.queen {
        edges.extend(point_pairs.iter().map(|&(a, b)| Edge {
            a,
            b,
            shared_m: 0.0,
            kind: EdgeKind::Queen,
            gap_m: 0.0,
        }));
    }
    edges.sort_by_key(|e| (e.a, e.b));
    let mut adj = Adjacency {
        node_count: n,
        edges,
        perimeters_m: perimeters,
        tolerance: tol,
        point_contacts: point_pairs.len(),
        near_matches: near_found,
    };
    if opts.connect_islands {
        connect_components(layer, &mut adj);
    }
    adj
}

/// Step 3 of the module docs. Returns the number of feature pairs found only here.
fn near_overlaps(segs: &[Seg], unmatched: &[u32], tol: f64, shared: &mut FxMap<(u32, u32), f64>) -> usize {
    if unmatched.len() < 2 {
        return 0;
    }
    let mut lens: Vec<f64> = unmatched
        .iter()
        .map(|&s| {
            (segs[s as usize].b[0] - segs[s as usize].a[0])
                .hypot(segs[s as usize].b[1] - segs[s as usize].a[1])
        })
        .collect();
    let mid = lens.len() / 2;
    let median = *lens.select_nth_unstable_by(mid, f64::total_cmp).1;
    let cell = (median * 2.0).max(tol * 16.0);
    let cell_of = |x: f64, y: f64| ((x / cell).floor() as i64, (y / cell).floor() as i64);
    let mut grid: FxMap<(i64, i64), Vec<u32>> = FxMap::default();
    for &s in unmatched {
        let sg = &segs[s as usize];
        let (lo_x, lo_y) = (sg.a[0].min(sg.b[0]) - tol, sg.a[1].min(sg.b[1]) - tol);
        let (hi_x, hi_y) = (sg.a[0].max(sg.b[0]) + tol, sg.a[1].max(sg.b[1]) + tol);
        // Very long segments (straight survey lines) would cover many cells; the cap only
        // bounds memory on pathological input, the common case is a handful of cells. The span
        // is measured in floating point before any conversion, so it cannot overflow whatever
        // the coordinates' magnitude (readers refuse |coordinate| > 1e9; layers built in code
        // are not checked).
        let span = ((hi_x / cell).floor() - (lo_x / cell).floor() + 1.0)
            * ((hi_y / cell).floor() - (lo_y / cell).floor() + 1.0);
        // (NaN spans, from infinite coordinates, are skipped too.)
        if span.is_nan() || span > (1 << 16) as f64 {
            continue;
        }
        let (x0, y0) = cell_of(lo_x, lo_y);
        let (x1, y1) = cell_of(hi_x, hi_y);
        for cx in x0..=x1 {
            for cy in y0..=y1 {
                grid.entry((cx, cy)).or_default().push(s);
            }
        }
    }
    let mut new_pairs: FxSet<(u32, u32)> = FxSet::default();
    let mut add: FxMap<(u32, u32), f64> = FxMap::default();
    let mut lines = LineIndex::default();
    let mut found: Vec<(u32, u32, f64)> = Vec::new();
    for (&cell_key, bucket) in &grid {
        // Pairs (k, l) of bucket positions, k < l, whose segments overlap collinearly with the
        // overlap's midpoint in this cell (each segment pair is counted once: in that cell).
        found.clear();
        let mut try_pair = |k: usize, l: usize| {
            let (p, q) = (&segs[bucket[k] as usize], &segs[bucket[l] as usize]);
            if p.feature == q.feature {
                return;
            }
            let Some((overlap, mid)) = collinear_overlap(p, q, tol) else { return };
            if cell_of(mid[0], mid[1]) == cell_key {
                found.push((k as u32, l as u32, overlap));
            }
        };
        if bucket.len() <= LineIndex::MIN_BUCKET {
            for k in 0..bucket.len() {
                for l in k + 1..bucket.len() {
                    try_pair(k, l);
                }
            }
        } else {
            let centre = [(cell_key.0 as f64 + 0.5) * cell, (cell_key.1 as f64 + 0.5) * cell];
            lines.candidates(segs, bucket, centre, cell, tol, &mut try_pair);
        }
        // Summed in bucket order whatever order the candidates came in, so lengths are the
        // same bits as an all-pairs scan gives.
        found.sort_unstable_by_key(|&(k, l, _)| (k, l));
        for &(k, l, overlap) in &found {
            let (fp, fq) =
                (segs[bucket[k as usize] as usize].feature, segs[bucket[l as usize] as usize].feature);
            *add.entry((fp.min(fq), fp.max(fq))).or_insert(0.0) += overlap;
        }
    }
    for (pair, l) in add {
        if !shared.contains_key(&pair) {
            new_pairs.insert(pair);
        }
        *shared.entry(pair).or_insert(0.0) += l;
    }
    new_pairs.len()
}

/// Candidate pairs for the collinear-overlap test within one grid cell, without comparing every
/// pair: two segments can overlap collinearly only if their lines nearly coincide, so each
/// segment is a point `(θ, ρ)` of line space (direction in [0, π), signed distance of its line
/// from the cell centre) and only the segments in a box around a segment's own point are
/// candidates. The box is wide enough never to lose a pair that [`collinear_overlap`] accepts:
/// both of q's endpoints within `tol` of p's line and p's within `tol` of q's give
/// `sin Δθ <= 2 tol / max(|p|, |q|)`, and since the counted overlap's midpoint lies in the cell,
/// within `cell / √2` of its centre, `|Δρ| <= tol + Δθ cell / √2`. Parallel lines further apart
/// than that (the teeth of a zig-zag, the rows of a grid) are never paired, which makes the
/// pass near linear where every pair in a crowded cell used to be tried.
#[derive(Default)]
struct LineIndex {
    /// Per bucket position: θ, ρ, the half-widths of its box.
    points: Vec<[f64; 4]>,
    bins: FxMap<(i64, i64), Vec<u32>>,
    seen: Vec<u32>,
}

impl LineIndex {
    /// Buckets this small are scanned pair by pair (cheaper than indexing).
    const MIN_BUCKET: usize = 48;
    /// A box covering more bins than this is answered by scanning the bucket.
    const MAX_BINS: f64 = 4096.0;

    fn candidates(
        &mut self,
        segs: &[Seg],
        bucket: &[u32],
        centre: Point,
        cell: f64,
        tol: f64,
        visit: &mut impl FnMut(usize, usize),
    ) {
        use std::f64::consts::{FRAC_1_SQRT_2, PI};
        const SLOP: f64 = 1.0 + 1e-6;
        self.points.clear();
        for &s in bucket {
            let sg = &segs[s as usize];
            let (dx, dy) = (sg.b[0] - sg.a[0], sg.b[1] - sg.a[1]);
            let len = dx.hypot(dy);
            let mut theta = dy.atan2(dx);
            if theta < 0.0 {
                theta += PI;
            }
            if theta >= PI {
                theta -= PI;
            }
            let (sin, cos) = theta.sin_cos();
            let rho = -sin * (sg.a[0] - centre[0]) + cos * (sg.a[1] - centre[1]);
            let dtheta = if len > 0.0 { (2.0 * tol / len).min(1.0).asin() * SLOP + 1e-12 } else { PI };
            let drho = (tol + dtheta * cell * FRAC_1_SQRT_2) * SLOP + 1e-9 * cell;
            self.points.push([theta, rho, dtheta, drho]);
        }
        let median = |i: usize, pts: &[[f64; 4]]| {
            let mut v: Vec<f64> = pts.iter().map(|p| p[i]).collect();
            let m = v.len() / 2;
            *v.select_nth_unstable_by(m, f64::total_cmp).1
        };
        let wt = median(2, &self.points).clamp(1e-9, PI);
        let wr = median(3, &self.points).max(1e-12 * cell).max(f64::MIN_POSITIVE);
        let bin = |theta: f64, rho: f64| ((theta / wt).floor() as i64, (rho / wr).floor() as i64);
        self.bins.values_mut().for_each(Vec::clear);
        for (k, p) in self.points.iter().enumerate() {
            self.bins.entry(bin(p[0], p[1])).or_default().push(k as u32);
        }
        self.seen.clear();
        self.seen.resize(bucket.len(), u32::MAX);
        for k in 0..bucket.len() {
            let [theta, rho, dtheta, drho] = self.points[k];
            // The box, and across θ = 0 / π (the same lines, with ρ of opposite sign).
            let ranges = [
                Some((theta - dtheta, theta + dtheta, rho)),
                (theta - dtheta < 0.0).then_some((theta - dtheta + PI, PI, -rho)),
                (theta + dtheta >= PI).then_some((0.0, theta + dtheta - PI, -rho)),
            ];
            let ranges = ranges.into_iter().flatten();
            let bins: f64 =
                ranges.clone().map(|(lo, hi, _)| ((hi - lo) / wt + 2.0) * (2.0 * drho / wr + 2.0)).sum();
            if bins.is_nan() || bins > Self::MAX_BINS || bins > bucket.len() as f64 {
                for l in k + 1..bucket.len() {
                    visit(k, l);
                }
                continue;
            }
            for (lo, hi, r) in ranges {
                let (t0, r0) = bin(lo.max(0.0), r - drho);
                let (t1, r1) = bin(hi.min(PI), r + drho);
                for tb in t0..=t1 {
                    for rb in r0..=r1 {
                        let Some(members) = self.bins.get(&(tb, rb)) else { continue };
                        for &l in members {
                            let l = l as usize;
                            if l > k && self.seen[l] != k as u32 {
                                self.seen[l] = k as u32;
                                visit(k, l);
                            }
                        }
                    }
                }
            }
        }
    }
}

/// If segments p and q lie on a common line (each endpoint within `tol` of the other's line)
/// and overlap by more than `tol`, the overlap length in metres (scaled from p's length) and
/// the overlap's midpoint.
fn collinear_overlap(p: &Seg, q: &Seg, tol: f64) -> Option<(f64, Point)> {
    let d = [p.b[0] - p.a[0], p.b[1] - p.a[1]];
    let lp = d[0].hypot(d[1]);
    let e = [q.b[0] - q.a[0], q.b[1] - q.a[1]];
    let lq = e[0].hypot(e[1]);
    if lp <= tol || lq <= tol {
        return None;
    }
    let dist = |o: Point, dir: [f64; 2], l: f64, x: Point| {
        ((x[0] - o[0]) * dir[1] - (x[1] - o[1]) * dir[0]).abs() / l
    };
    if dist(p.a, d, lp, q.a) > tol
        || dist(p.a, d, lp, q.b) > tol
        || dist(q.a, e, lq, p.a) > tol
        || dist(q.a, e, lq, p.b) > tol
    {
        return None;
    }
    let proj = |x: Point| ((x[0] - p.a[0]) * d[0] + (x[1] - p.a[1]) * d[1]) / lp;
    let (t0, t1) = (proj(q.a), proj(q.b));
    let lo = t0.min(t1).max(0.0);
    let hi = t0.max(t1).min(lp);
    if hi - lo <= tol {
        return None;
    }
    let tm = (lo + hi) / 2.0 / lp;
    let mid = [p.a[0] + d[0] * tm, p.a[1] + d[1] * tm];
    Some(((hi - lo) / lp * p.len_m, mid))
}

/// Links components until the graph is connected (see the module docs).
fn connect_components(layer: &Layer, adj: &mut Adjacency) {
    let geographic = layer.crs.is_geographic();
    let verts: Vec<Vec<Point>> = layer
        .features
        .iter()
        .map(|f| f.geometry.iter().flat_map(|p| &p.rings).flatten().copied().collect())
        .collect();
    let boxes: Vec<Option<[f64; 4]>> = verts.iter().map(bbox_of).collect();
    // Planar distance proxy: longitudes shrink with cos(latitude).
    let kx = match (geographic, layer.bbox()) {
        (true, Some(b)) => ((b[1] + b[3]) / 2.0).to_radians().cos().max(0.05),
        _ => 1.0,
    };
    let d2 = |a: Point, b: Point| ((a[0] - b[0]) * kx).powi(2) + (a[1] - b[1]).powi(2);
    let box_d2 = |a: [f64; 4], b: [f64; 4]| {
        let dx = (a[0] - b[2]).max(b[0] - a[2]).max(0.0) * kx;
        let dy = (a[1] - b[3]).max(b[1] - a[3]).max(0.0);
        dx * dx + dy * dy
    };
    loop {
        let comps = adj.components();
        // Features without geometry cannot be placed; leave them as islands.
        let placeable: Vec<&Vec<u32>> =
            comps.iter().filter(|c| c.iter().any(|&i| boxes[i as usize].is_some())).collect();
        if placeable.len() <= 1 {
            break;
        }
        let mut comp_of = vec![usize::MAX; adj.node_count];
        for (ci, c) in placeable.iter().enumerate() {
            for &i in c.iter() {
                comp_of[i as usize] = ci;
            }
        }
        let mut added = Vec::new();
        for (ci, c) in placeable.iter().enumerate().skip(1) {
            let mut cand: Vec<(f64, u32, u32)> = Vec::new();
            for &a in c.iter() {
                let Some(ba) = boxes[a as usize] else { continue };
                for (b, bb) in boxes.iter().enumerate() {
                    if let Some(bb) = bb {
                        if comp_of[b] != ci && comp_of[b] != usize::MAX {
                            cand.push((box_d2(ba, *bb), a, b as u32));
                        }
                    }
                }
            }
            cand.sort_by(|x, y| x.0.total_cmp(&y.0));
            let mut best: Option<(f64, u32, u32, Point, Point)> = None;
            for &(lb, a, b) in &cand {
                if best.is_some_and(|(d, ..)| lb > d) {
                    break;
                }
                for &p in &verts[a as usize] {
                    for &q in &verts[b as usize] {
                        let d = d2(p, q);
                        if best.is_none_or(|(bd, ..)| d < bd) {
                            best = Some((d, a, b, p, q));
                        }
                    }
                }
            }
            if let Some((_, a, b, p, q)) = best {
                let gap = if geographic {
                    great_circle_m(p, q)
                } else {
                    (q[0] - p[0]).hypot(q[1] - p[1]) * layer.crs.unit_to_m
                };
                added.push(Edge {
                    a: a.min(b),
                    b: a.max(b),
                    shared_m: 0.0,
                    kind: EdgeKind::Bridge,
                    gap_m: gap,
                });
            }
        }
        if added.is_empty() {
            break;
        }
        for e in added {
            if !adj.edges.iter().any(|x| x.a == e.a && x.b == e.b) {
                adj.edges.push(e);
            }
        }
        adj.edges.sort_by_key(|e| (e.a, e.b));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Crs, Feature, Polygon};

    fn square(x: f64, y: f64, s: f64) -> Feature {
        Feature {
            geometry: vec![Polygon { rings: vec![vec![[x, y], [x + s, y], [x + s, y + s], [x, y + s]]] }],
            properties: Default::default(),
        }
    }

    fn planar(features: Vec<Feature>) -> Layer {
        Layer { features, crs: Crs::projected(None, 1.0, ""), warnings: vec![] }
    }

    /// A 3x3 grid of unit squares: 12 rook edges, 8 extra queen (diagonal) contacts.
    #[test]
    fn grid_rook_and_queen() {
        let mut f = Vec::new();
        for r in 0..3 {
            for c in 0..3 {
                f.push(square(c as f64, r as f64, 1.0));
            }
        }
        let l = planar(f);
        let rook = build_adjacency(&l, &AdjacencyOptions::default());
        assert_eq!(rook.edges.len(), 12);
        assert!(rook.edges.iter().all(|e| (e.shared_m - 1.0).abs() < 1e-12 && e.kind == EdgeKind::Rook));
        assert_eq!(rook.point_contacts, 8);
        let queen = build_adjacency(&l, &AdjacencyOptions { queen: true, ..Default::default() });
        assert_eq!(queen.edges.len(), 20);
        assert_eq!(queen.count(EdgeKind::Queen), 8);
        // The centre square has no exterior boundary; a corner square has 2.
        let ext = rook.exterior_m();
        assert!(ext[4].abs() < 1e-12 && (ext[0] - 2.0).abs() < 1e-12);
        assert_eq!(rook.components().len(), 1);
    }

    /// A big square next to two small ones: the big square's edge has no vertex at the small
    /// squares' common corner (a T-junction), so exact segment matching misses it.
    #[test]
    fn t_junction_and_small_gap_are_recovered() {
        let big = Feature {
            geometry: vec![Polygon { rings: vec![vec![[0.0, 0.0], [2.0, 0.0], [2.0, 2.0], [0.0, 2.0]]] }],
            properties: Default::default(),
        };
        // Right neighbours, 0.004 units away (a sliver gap) and split at y = 1.
        let l = planar(vec![big, square(2.004, 0.0, 1.0), square(2.004, 1.0, 1.0)]);
        let strict = build_adjacency(&l, &AdjacencyOptions { tolerance: Some(0.001), ..Default::default() });
        assert_eq!(strict.edges.len(), 1, "only the two small squares touch at tolerance 0.001");
        let loose = build_adjacency(&l, &AdjacencyOptions { tolerance: Some(0.01), ..Default::default() });
        assert_eq!(loose.edges.len(), 3);
        for e in &loose.edges {
            assert!((e.shared_m - 1.0).abs() < 0.02, "{e:?}");
        }
        assert_eq!(loose.near_matches, 2);
    }

    #[test]
    fn islands_get_connected_to_nearest() {
        let l = planar(vec![
            square(0.0, 0.0, 1.0),
            square(1.0, 0.0, 1.0),
            square(5.0, 0.0, 1.0),
            square(-2.0, 0.0, 1.0),
        ]);
        let a = build_adjacency(&l, &AdjacencyOptions::default());
        assert_eq!(a.islands(), vec![2, 3]);
        assert_eq!(a.components().len(), 3);
        let c = build_adjacency(&l, &AdjacencyOptions { connect_islands: true, ..Default::default() });
        assert_eq!(c.components().len(), 1);
        let bridges: Vec<_> = c.edges.iter().filter(|e| e.kind == EdgeKind::Bridge).collect();
        assert_eq!(bridges.len(), 2);
        assert!(bridges.iter().any(|e| (e.a, e.b) == (1, 2) && (e.gap_m - 3.0).abs() < 1e-12));
        assert!(bridges.iter().any(|e| (e.a, e.b) == (0, 3) && (e.gap_m - 1.0).abs() < 1e-12));
    }

    #[test]
    fn lengths_follow_the_crs_unit() {
        // A state-plane layer in US survey feet: 1,000 ft of shared border = 304.8 m.
        let mut l = planar(vec![square(0.0, 0.0, 1000.0), square(1000.0, 0.0, 1000.0)]);
        l.crs.unit_to_m = 0.3048006096012192;
        let a = build_adjacency(&l, &AdjacencyOptions::default());
        assert!((a.edges[0].shared_m - 304.8006096).abs() < 1e-6);
        assert!((a.perimeters_m[0] - 4.0 * 304.8006096).abs() < 1e-6);
    }

    /// The line-space index finds exactly the pairs an all-pairs scan of the cell finds:
    /// segments along shared lines (with T-junction splits and sub-tolerance offsets), lines
    /// at either side of θ = 0 / π, short segments, and random clutter.
    #[test]
    fn line_index_finds_the_same_pairs_as_all_pairs() {
        let mut x = 0x9E37_79B9_7F4A_7C15u64;
        let mut rnd = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 11) as f64 / (1u64 << 53) as f64
        };
        for round in 0..40 {
            let tol = 0.01;
            let mut segs = Vec::new();
            let mut push = |a: Point, b: Point, f: u32| segs.push(Seg { a, b, feature: f, len_m: 1.0 });
            for line in 0..12 {
                // A line through the cell; near-horizontal ones in both directions for the wrap.
                let theta = if line < 4 { (rnd() - 0.5) * 1e-4 } else { rnd() * std::f64::consts::PI };
                let (c, s) = (theta.cos(), theta.sin());
                let (ox, oy) = (rnd() * 10.0, rnd() * 10.0);
                for piece in 0..6 {
                    let t0 = rnd() * 8.0 - 4.0;
                    let t1 = t0 + 0.005 + rnd() * 3.0;
                    // Each end off the line by up to half the tolerance: pieces of one line
                    // differ slightly in direction (straddling θ = 0 / π for level lines).
                    let (oa, ob) = ((rnd() - 0.5) * tol, (rnd() - 0.5) * tol);
                    let (a, b) = (
                        [ox + c * t0 - s * oa, oy + s * t0 + c * oa],
                        [ox + c * t1 - s * ob, oy + s * t1 + c * ob],
                    );
                    let f = (line * 7 + piece) % 5;
                    if rnd() < 0.5 {
                        push(a, b, f)
                    } else {
                        push(b, a, f)
                    }
                }
            }
            for _ in 0..40 {
                let a = [rnd() * 10.0, rnd() * 10.0];
                push(a, [a[0] + rnd() - 0.5, a[1] + rnd() - 0.5], (rnd() * 5.0) as u32);
            }
            let bucket: Vec<u32> = (0..segs.len() as u32).collect();
            let accept = |k: usize, l: usize| {
                let (p, q) = (&segs[k], &segs[l]);
                p.feature != q.feature
                    && collinear_overlap(p, q, tol)
                        .is_some_and(|(_, m)| m[0] >= 0.0 && m[0] < 10.0 && m[1] >= 0.0 && m[1] < 10.0)
            };
            let mut all = Vec::new();
            for k in 0..segs.len() {
                for l in k + 1..segs.len() {
                    if accept(k, l) {
                        all.push((k, l));
                    }
                }
            }
            let mut indexed = Vec::new();
            LineIndex::default().candidates(&segs, &bucket, [5.0, 5.0], 10.0, tol, &mut |k, l| {
                if accept(k, l) {
                    indexed.push((k, l));
                }
            });
            indexed.sort();
            assert!(all.len() > 5, "round {round}: the test must exercise real pairs ({})", all.len());
            assert_eq!(indexed, all, "round {round}");
        }
    }

    #[test]
    fn empty_features_are_islands_not_panics() {
        let mut l = planar(vec![square(0.0, 0.0, 1.0), Feature::default()]);
        let a = build_adjacency(&l, &AdjacencyOptions { connect_islands: true, ..Default::default() });
        assert_eq!(a.islands(), vec![0, 1]);
        l.features.clear();
        assert_eq!(build_adjacency(&l, &AdjacencyOptions::default()).edges.len(), 0);
    }
}
