"""Independent check of redraw's district compactness (Polsby-Popper, Reock, area, perimeter).

Reads the same TopoJSON redraw reads, decodes it here (no redraw code), dissolves each
district's units with shapely, and measures the dissolved polygons on the sphere redraw uses
(radius 6,371,007.2 m, the GRS80 authalic radius) with pyproj:

- area and perimeter: `pyproj.Geod(a=R, b=R).geometry_area_perimeter` of the dissolved district
  (great-circle edges; holes subtracted from the area and counted in the perimeter);
- Polsby-Popper = 4πA / P²;
- Reock = A / area of the smallest spherical cap holding the district: the minimum bounding
  circle (shapely) of the district's vertices in a Lambert azimuthal equal-area projection
  (pyproj, same sphere), re-centred on that circle's centre until it moves less than 1 mm; in
  the projection centred on the cap, the cap is a disc of the same area.

Then it compares every district with the `districts[].compactness` of redraw's report.json and
exits non-zero if any relative difference exceeds the tolerance (default 1e-6).

Usage: python check.py SHAPES.topojson PLAN.csv report.json [--tol 1e-6]
"""

import argparse
import csv
import json
import math
import sys

import pyproj
import shapely
from shapely.geometry import MultiPolygon, Polygon

R = 6_371_007.2


def decode_topojson(path):
    """GEOID -> shapely (Multi)Polygon, decoding quantized, delta-encoded arcs."""
    topo = json.load(open(path))
    t = topo.get("transform")
    arcs = []
    for arc in topo["arcs"]:
        pts, x, y = [], 0, 0
        for p in arc:
            if t:
                x, y = x + p[0], y + p[1]
                pts.append((x * t["scale"][0] + t["translate"][0], y * t["scale"][1] + t["translate"][1]))
            else:
                pts.append((p[0], p[1]))
        arcs.append(pts)

    def ring(indices):
        out = []
        for i in indices:
            a = arcs[i] if i >= 0 else arcs[~i][::-1]
            out.extend(a if not out else a[1:])
        return out

    shapes = {}
    (obj,) = topo["objects"].values()
    for g in obj["geometries"]:
        gid = g.get("properties", {}).get("GEOID") or g.get("id")
        if g["type"] == "Polygon":
            polys = [g["arcs"]]
        elif g["type"] == "MultiPolygon":
            polys = g["arcs"]
        else:
            continue
        parts = [Polygon(ring(p[0]), [ring(h) for h in p[1:]]) for p in polys]
        shapes[str(gid)] = MultiPolygon(parts) if len(parts) > 1 else parts[0]
    return shapes


def smallest_cap(geom):
    """(Reock circle radius in metres) of the smallest spherical cap holding geom's vertices."""
    pts = shapely.get_coordinates(shapely.get_exterior_ring(shapely.get_parts(geom)))
    # Start at the normalised mean of the vertices' unit vectors.
    lon, lat = map(math.radians, (0.0, 0.0))
    v = [0.0, 0.0, 0.0]
    for x, y in pts:
        lo, la = math.radians(x), math.radians(y)
        v[0] += math.cos(la) * math.cos(lo)
        v[1] += math.cos(la) * math.sin(lo)
        v[2] += math.sin(la)
    lon0 = math.degrees(math.atan2(v[1], v[0]))
    lat0 = math.degrees(math.atan2(v[2], math.hypot(v[0], v[1])))
    multipoint = shapely.multipoints(pts)
    for _ in range(20):
        laea = pyproj.Transformer.from_crs(
            "+proj=longlat +R=%r +no_defs" % R, "+proj=laea +lat_0=%r +lon_0=%r +R=%r +no_defs" % (lat0, lon0, R),
            always_xy=True,
        )
        px, py = laea.transform(pts[:, 0], pts[:, 1])
        planar = shapely.multipoints(list(zip(px, py)))
        circle = shapely.minimum_bounding_circle(planar)
        r = shapely.minimum_bounding_radius(planar)
        c = circle.centroid
        if math.hypot(c.x, c.y) < 1e-3:
            break
        lon0, lat0 = laea.transform(c.x, c.y, direction="INVERSE")
    del multipoint
    return r


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("shapes")
    ap.add_argument("plan")
    ap.add_argument("report")
    ap.add_argument("--tol", type=float, default=1e-6)
    a = ap.parse_args()

    shapes = decode_topojson(a.shapes)
    with open(a.plan, newline="") as f:
        rows = list(csv.reader(f))
    start = 1 if not rows[0][1].strip().lstrip("-").isdigit() else 0
    plan = {r[0].strip(): r[1].strip() for r in rows[start:] if r}
    missing = set(plan) - set(shapes)
    if missing:
        sys.exit(f"{len(missing)} plan units have no polygon, e.g. {sorted(missing)[:3]}")
    by_district = {}
    for gid, d in plan.items():
        by_district.setdefault(d, []).append(shapes[gid] if shapes[gid].is_valid else shapely.make_valid(shapes[gid]))

    report = json.load(open(a.report))
    geod = pyproj.Geod(a=R, b=R)
    worst = 0.0
    print(f"{'district':>8} {'area km2':>14} {'perimeter km':>14} {'Polsby-Popper':>14} {'Reock':>10} {'max rel diff':>13}")
    for row in report["districts"]:
        d = row["district"]
        union = shapely.make_valid(shapely.union_all(by_district[d]))
        union = shapely.union_all([g for g in shapely.get_parts(union) if g.geom_type in ("Polygon", "MultiPolygon")])
        area, perim = geod.geometry_area_perimeter(shapely.geometry.polygon.orient(union) if union.geom_type == "Polygon" else union)
        area = abs(area)
        pp = 4 * math.pi * area / perim**2
        r = smallest_cap(union)
        reock = area / (math.pi * r * r)
        got = row["compactness"]
        diffs = {
            "area_km2": (got["area_km2"], area / 1e6),
            "perimeter_km": (got["perimeter_km"], perim / 1e3),
            "polsby_popper": (got["polsby_popper"], pp),
            "reock": (got["reock"], reock),
        }
        rel = max(abs(x - y) / abs(y) for x, y in diffs.values())
        worst = max(worst, rel)
        print(f"{d:>8} {area/1e6:>14.6f} {perim/1e3:>14.6f} {pp:>14.9f} {reock:>10.7f} {rel:>13.2e}")
    print(f"largest relative difference from redraw: {worst:.2e} (tolerance {a.tol:g})")
    sys.exit(0 if worst <= a.tol else 1)


if __name__ == "__main__":
    main()
