//! Map projections and distances on the sphere.
//!
//! Areas of longitude/latitude data are computed in a Lambert azimuthal equal-area projection
//! centred on the shape ([`Laea`]); lengths as great-circle distances ([`great_circle_m`]).
//! Both use the authalic sphere of GRS 80 (radius 6,371,007.2 m), so areas are exact equal-area
//! figures on that sphere; against the ellipsoid the error is below 0.3%.
//! Maps use [`AlbersUsa`], a composite of three Albers equal-area conics with Alaska and
//! Hawaii as insets (the same construction and parameters as d3-geo's `geoAlbersUsa`, which
//! us-atlas's pre-projected files use), or [`ConicEqualArea::fitted`] for other data.

use crate::model::Point;

/// Radius of the sphere with the GRS 80 ellipsoid's surface area, in metres.
pub const EARTH_RADIUS_M: f64 = 6_371_007.2;

const D2R: f64 = std::f64::consts::PI / 180.0;

/// Great-circle (haversine) distance between two lon/lat points, in metres.
pub fn great_circle_m(a: Point, b: Point) -> f64 {
    let (l1, p1) = (a[0] * D2R, a[1] * D2R);
    let (l2, p2) = (b[0] * D2R, b[1] * D2R);
    let h = ((p2 - p1) / 2.0).sin().powi(2) + p1.cos() * p2.cos() * ((l2 - l1) / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_M * h.sqrt().min(1.0).asin()
}

/// Lambert azimuthal equal-area projection on the authalic sphere, centred at (lon0, lat0).
/// Output in metres. Equal-area everywhere; shape distortion grows slowly with distance from
/// the centre (under 1% within ~800 km), which is why each shape gets its own centre.
#[derive(Clone, Copy, Debug)]
pub struct Laea {
    lon0: f64,
    sin0: f64,
    cos0: f64,
}

impl Laea {
    pub fn new(lon0: f64, lat0: f64) -> Self {
        let p = lat0 * D2R;
        Laea { lon0, sin0: p.sin(), cos0: p.cos() }
    }

    /// Centred on the middle of a lon/lat bounding box.
    pub fn centred_on(bbox: [f64; 4]) -> Self {
        Laea::new((bbox[0] + bbox[2]) / 2.0, (bbox[1] + bbox[3]) / 2.0)
    }

    pub fn forward(&self, p: Point) -> Point {
        let mut dl = p[0] - self.lon0;
        if dl > 180.0 {
            dl -= 360.0;
        } else if dl < -180.0 {
            dl += 360.0;
        }
        let l = dl * D2R;
        let phi = p[1] * D2R;
        let (sp, cp) = (phi.sin(), phi.cos());
        let denom = 1.0 + self.sin0 * sp + self.cos0 * cp * l.cos();
        let k = (2.0 / denom.max(1e-12)).sqrt();
        [EARTH_RADIUS_M * k * cp * l.sin(), EARTH_RADIUS_M * k * (self.cos0 * sp - self.sin0 * cp * l.cos())]
    }

    /// The lon/lat of a projected point (Snyder 1987, eq. 24-16 and 24-17 on the sphere).
    pub fn inverse(&self, q: Point) -> Point {
        let rho = q[0].hypot(q[1]);
        if rho < 1e-9 {
            return [self.lon0, self.sin0.atan2(self.cos0) / D2R];
        }
        let c = 2.0 * (rho / (2.0 * EARTH_RADIUS_M)).min(1.0).asin();
        let (sc, cc) = (c.sin(), c.cos());
        let phi = (cc * self.sin0 + q[1] * sc * self.cos0 / rho).clamp(-1.0, 1.0).asin();
        let dl = (q[0] * sc).atan2(rho * self.cos0 * cc - q[1] * self.sin0 * sc);
        let mut lon = self.lon0 + dl / D2R;
        if lon > 180.0 {
            lon -= 360.0;
        } else if lon < -180.0 {
            lon += 360.0;
        }
        [lon, phi / D2R]
    }
}

/// Albers equal-area conic on the unit sphere (d3-geo's `conicEqualAreaRaw`).
#[derive(Clone, Copy, Debug)]
pub struct ConicEqualArea {
    rotate: f64,
    n: f64,
    c: f64,
    r0: f64,
}

impl ConicEqualArea {
    /// Standard parallels `phi1`, `phi2` (degrees); central meridian `lon0`.
    pub fn new(lon0: f64, phi1: f64, phi2: f64) -> Self {
        let sy0 = (phi1 * D2R).sin();
        let n = (sy0 + (phi2 * D2R).sin()) / 2.0;
        let n = if n.abs() < 1e-9 { 1e-9 } else { n };
        let c = 1.0 + sy0 * (2.0 * n - sy0);
        ConicEqualArea { rotate: -lon0, n, c, r0: c.sqrt() / n }
    }

    /// A conic for data spanning `bbox` (lon/lat): central meridian in the middle, standard
    /// parallels at 1/6 and 5/6 of the latitude range (the usual rule of thumb).
    pub fn fitted(bbox: [f64; 4]) -> Self {
        let (lo, hi) = (bbox[1], bbox[3]);
        let d = (hi - lo).max(0.5);
        ConicEqualArea::new((bbox[0] + bbox[2]) / 2.0, lo + d / 6.0, hi - d / 6.0)
    }

    /// Projects to unit-sphere plane coordinates, y pointing north.
    pub fn raw(&self, p: Point) -> Point {
        let mut lam = p[0] + self.rotate;
        while lam > 180.0 {
            lam -= 360.0;
        }
        while lam < -180.0 {
            lam += 360.0;
        }
        let x = lam * D2R;
        let y = p[1] * D2R;
        let r = (self.c - 2.0 * self.n * y.sin()).max(0.0).sqrt() / self.n;
        [r * (x * self.n).sin(), self.r0 - r * (x * self.n).cos()]
    }
}

/// d3-geo's `geoAlbersUsa`: the lower 48 in an Albers conic (parallels 29.5°, 45.5°), Alaska
/// at 0.35 scale and Hawaii at full scale as insets in the lower left. Output is in screen
/// units (y down) at scale 1070 on a 960 x 600 canvas, like d3's default.
#[derive(Clone, Copy, Debug)]
pub struct AlbersUsa {
    parts: [(ConicEqualArea, f64, [f64; 2], [f64; 2]); 3],
}

impl Default for AlbersUsa {
    fn default() -> Self {
        let k = 1070.0;
        let (tx, ty) = (480.0, 250.0);
        // (projection, scale, translate, centre in rotated lon/lat)
        let mk = |rot: f64, p1: f64, p2: f64, s: f64, t: [f64; 2], c: [f64; 2]| {
            let proj = ConicEqualArea::new(-rot, p1, p2);
            // The centre is given in the rotated frame, so project it unrotated.
            let centre = ConicEqualArea { rotate: 0.0, ..proj }.raw(c);
            (proj, s, t, centre)
        };
        AlbersUsa {
            parts: [
                mk(96.0, 29.5, 45.5, k, [tx, ty], [-0.6, 38.7]),
                mk(154.0, 55.0, 65.0, 0.35 * k, [tx - 0.307 * k, ty + 0.201 * k], [-2.0, 58.5]),
                mk(157.0, 8.0, 18.0, k, [tx - 0.205 * k, ty + 0.212 * k], [-3.0, 19.9]),
            ],
        }
    }
}

impl AlbersUsa {
    /// Which part a lon/lat point belongs to: 0 lower 48, 1 Alaska, 2 Hawaii; `None` outside
    /// the 50 states + DC (Puerto Rico and the island areas are not drawn, as in d3).
    pub fn part_of(p: Point) -> Option<usize> {
        let (lon, lat) = (p[0], p[1]);
        if lat >= 50.5 && (lon <= -129.0 || lon >= 170.0) {
            Some(1)
        } else if (18.5..23.0).contains(&lat) && (-161.0..=-154.0).contains(&lon) {
            Some(2)
        } else if (24.3..50.0).contains(&lat) && (-125.0..=-66.5).contains(&lon) {
            Some(0)
        } else {
            None
        }
    }

    /// Projects with the given part (use [`AlbersUsa::part_of`] on a representative point of a
    /// shape so a whole county stays in one inset).
    pub fn project_in(&self, part: usize, p: Point) -> Point {
        let (proj, k, t, c) = &self.parts[part];
        let r = proj.raw(p);
        [t[0] + k * (r[0] - c[0]), t[1] - k * (r[1] - c[1])]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn laea_inverse_undoes_forward() {
        for (c, p) in [
            ([-79.0, 35.5], [-84.3, 36.6]),
            ([-79.0, 35.5], [-75.5, 33.8]),
            ([170.0, -40.0], [-175.0, -45.0]),
        ] {
            let laea = Laea::new(c[0], c[1]);
            let back = laea.inverse(laea.forward(p));
            assert!((back[0] - p[0]).abs() < 1e-9 && (back[1] - p[1]).abs() < 1e-9, "{p:?} -> {back:?}");
        }
        let laea = Laea::new(-79.0, 35.5);
        assert!((laea.inverse([0.0, 0.0])[1] - 35.5).abs() < 1e-12);
    }

    #[test]
    fn great_circle_quarter_meridian() {
        let d = great_circle_m([0.0, 0.0], [0.0, 90.0]);
        assert!((d - EARTH_RADIUS_M * std::f64::consts::FRAC_PI_2).abs() < 1e-6);
    }

    #[test]
    fn laea_is_equal_area() {
        // A 1° x 1° cell at 40°N: exact spherical area R² Δλ (sin φ2 − sin φ1).
        let ring = [[-100.0, 40.0], [-99.0, 40.0], [-99.0, 41.0], [-100.0, 41.0]];
        let laea = Laea::new(-99.5, 40.5);
        let mut pts = Vec::new();
        // Densify edges so the straight projected edges follow the graticule.
        for i in 0..4 {
            let (a, b) = (ring[i], ring[(i + 1) % 4]);
            for s in 0..100 {
                let t = s as f64 / 100.0;
                pts.push(laea.forward([a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t]));
            }
        }
        let area = crate::model::ring_signed_area(&pts).abs();
        let exact = EARTH_RADIUS_M.powi(2) * D2R * ((41.0 * D2R).sin() - (40.0 * D2R).sin());
        assert!((area / exact - 1.0).abs() < 1e-5, "{area} vs {exact}");
    }

    #[test]
    fn albers_usa_places_insets_lower_left() {
        let a = AlbersUsa::default();
        let kansas = a.project_in(0, [-98.0, 38.5]);
        let anchorage = a.project_in(1, [-149.9, 61.2]);
        let honolulu = a.project_in(2, [-157.86, 21.3]);
        assert!((400.0..560.0).contains(&kansas[0]) && (200.0..300.0).contains(&kansas[1]));
        assert!(anchorage[0] < 300.0 && anchorage[1] > 380.0, "{anchorage:?}");
        assert!(honolulu[0] < 400.0 && honolulu[1] > 400.0, "{honolulu:?}");
        assert_eq!(AlbersUsa::part_of([-149.9, 61.2]), Some(1));
        assert_eq!(AlbersUsa::part_of([178.0, 51.8]), Some(1)); // Aleutians across 180°
        assert_eq!(AlbersUsa::part_of([-66.1, 18.4]), None); // Puerto Rico
    }
}
