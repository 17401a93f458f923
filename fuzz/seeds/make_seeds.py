#!/usr/bin/env python3
"""Writes the small valid seed files of the fuzz targets (fuzz/seeds/<target>/).

Run from the repository root: `python3 fuzz/seeds/make_seeds.py`. Standard library only. The
checkpoint seeds are written by redraw itself (see fuzz/README.md): their layout is redraw's.
Every seed is small (a few kB at most) so libFuzzer mutates structure, not bulk.
"""
import io
import json
import os
import struct
import zipfile

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)))


def put(target, name, data):
    d = os.path.join(ROOT, target)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode("utf-8")
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def grid(rows, cols):
    """Unit squares, row-major ids 0..rows*cols-1: (edges, squares)."""
    edges = []
    for r in range(rows):
        for c in range(cols):
            u = r * cols + c
            if c + 1 < cols:
                edges.append((u, u + 1))
            if r + 1 < rows:
                edges.append((u, u + cols))
    squares = [[(c, r), (c + 1, r), (c + 1, r + 1), (c, r + 1)] for r in range(rows) for c in range(cols)]
    return edges, squares


EDGES, SQUARES = grid(3, 3)
N = 9
NB = {u: [] for u in range(N)}
for a, b in EDGES:
    NB[a].append(b)
    NB[b].append(a)

# networkx adjacency JSON: integer ids, string ids, lengths, Python NaN, BOM.
nodes = [{"id": u, "GEOID": "06001%d" % u, "POP": 10 + u, "DEM": 5, "REP": 4 + u % 3, "district": 1 + u // 3} for u in range(N)]
adj = [[{"id": v, "shared_perim": 1.0} for v in sorted(NB[u])] for u in range(N)]
put("networkx", "grid3x3.json", json.dumps({"directed": False, "multigraph": False, "graph": [], "nodes": nodes, "adjacency": adj}))
put("networkx", "string-ids.json",
    '{"nodes": [{"id": "a", "X": 1.5, "S": "t"}, {"id": "b", "X": NaN}, {"id": "c"}],'
    ' "adjacency": [[{"id": "b"}], [{"id": "a"}, {"id": "c"}], [{"id": "b"}]]}')
put("networkx", "bom-adjacency-first.json",
    '\ufeff{"adjacency": [[{"id": 1, "shared_perim": 2}], [{"id": 0, "shared_perim": 2}]],'
    ' "nodes": [{"id": 0, "POP": 3}, {"id": 1, "POP": -Infinity}], "graph": {"name": "g"}}')

# rdabase: adjacency dict with OUT_OF_STATE, then \n---\n and the data CSV.
d = {"OUT_OF_STATE": ["06001%d" % u for u in (0, 2, 6, 8)]}
for u in range(N):
    d["06001%d" % u] = ["06001%d" % v for v in sorted(NB[u])] + (["OUT_OF_STATE"] if u in (0, 2, 6, 8) else [])
csv = "GEOID,POP,NAME\n" + "".join("06001%d,%d,unit %d\n" % (u, 10 + u, u) for u in range(N))
put("rdabase", "grid-with-data", json.dumps(d) + "\n---\n" + csv)
put("rdabase", "dict-only", '{"a": ["b"], "b": ["a", "c"], "c": ["b"]}')

# Edge-list CSV: with a header, lengths, and an attribute table after \n---\n.
el = "source,target,length\n" + "".join("%d,%d,1.0\n" % e for e in EDGES)
put("edge_list", "grid-lengths", el)
put("edge_list", "grid-with-attrs",
    "".join("u%d,u%d\n" % e for e in EDGES) + "\n---\n" + "id,POP,GEOID\n" + "".join("u%d,%d,06001%d\n" % (u, u, u) for u in range(N)))

# Plan CSV against the harness's 3x3 grid (labels u0..u8, GEOID 060010..060018).
put("plan_csv", "labels-header", "unit,district\n" + "".join("u%d,%d\n" % (u, 1 + u // 3) for u in range(N)))
put("plan_csv", "geoid-headerless", "".join("06001%d,%s\n" % (u, "AB"[u % 2]) for u in range(N)))
put("plan_csv", "bom-quoted", '\ufeff"GEOID","cd"\n' + "".join('"06001%d","%d"\n' % (u, 1 + u % 3) for u in range(N)))

# Scenarios: the committed examples are the seeds (see the loop below), plus a small one.
put("scenario", "tiny.toml", 'name = "tiny"\ntitle = "Tiny"\n\n[[move]]\nto = "ID"\ncounties.OR = ["Baker"]\n')

# Populations CSV (redraw apportion --populations).
put("populations", "three-states.csv", "state,population\nA,100000\nB,1000000\n\"C, the third\",10000\n")
put("populations", "tie.csv", "100000\n1000000\n10000\n10000\n10000\n")

# GeoJSON and TopoJSON: the 3x3 grid of squares.
feats = [{"type": "Feature", "id": u, "properties": {"GEOID": "06001%d" % u, "POP": 10 + u},
          "geometry": {"type": "Polygon", "coordinates": [[list(p) for p in sq + [sq[0]]]]}} for u, sq in enumerate(SQUARES)]
put("geojson", "grid3x3.geojson", json.dumps({"type": "FeatureCollection", "features": feats}))
put("geojson", "multipolygon-hole.geojson", json.dumps({"type": "Feature", "properties": {"id": "x"}, "geometry": {
    "type": "MultiPolygon", "coordinates": [[[[0, 0], [4, 0], [4, 4], [0, 4], [0, 0]], [[1, 1], [2, 1], [2, 2], [1, 1]]],
                                            [[[5, 5], [6, 5], [6, 6], [5, 5]]]]}}))
put("geojson", "projected-crs.geojson", json.dumps({"type": "FeatureCollection", "crs": {"type": "name", "properties": {"name": "EPSG:26910"}},
    "features": [{"type": "Feature", "properties": {"id": i}, "geometry": {"type": "Polygon", "coordinates": [[[500000 + 1000 * i, 4e6], [501000 + 1000 * i, 4e6], [501000 + 1000 * i, 4.001e6], [500000 + 1000 * i, 4e6]]]}} for i in range(3)]}))
topo = {"type": "Topology", "transform": {"scale": [1, 1], "translate": [10, 20]},
        "objects": {"units": {"type": "GeometryCollection", "geometries": [
            {"type": "Polygon", "id": "A", "arcs": [[0, 1]], "properties": {"pop": 5}},
            {"type": "Polygon", "id": "B", "arcs": [[2, -1]]},
            {"type": "MultiPolygon", "id": "C", "arcs": [[[3]]]},
            {"type": "Point", "coordinates": [0, 0]}]}},
        "arcs": [[[1, 0], [0, 1]], [[1, 1], [-1, 0], [0, -1], [1, 0]], [[1, 0], [1, 0], [0, 1], [-1, 0]],
                 [[5, 5], [1, 0], [0, 1], [-1, 0]]]}
put("topojson", "two-squares.topojson", json.dumps(topo))
put("topojson", "unquantised.topojson", json.dumps({"type": "Topology", "objects": {"u": {"type": "Polygon", "arcs": [[0]], "id": "a"}},
                                                    "arcs": [[[0, 0], [1, 0], [1, 1], [0, 0]]]}))


def shp_dbf(polys, ids):
    """A polygon .shp and its .dbf (one character field ID) for the given rings."""
    recs = b""
    allpts = [p for ring in polys for p in ring]
    xmin, ymin = min(p[0] for p in allpts), min(p[1] for p in allpts)
    xmax, ymax = max(p[0] for p in allpts), max(p[1] for p in allpts)
    for i, ring in enumerate(polys):
        pts = ring + [ring[0]]
        xs, ys = [p[0] for p in pts], [p[1] for p in pts]
        content = struct.pack("<i4d2i", 5, min(xs), min(ys), max(xs), max(ys), 1, len(pts)) + struct.pack("<i", 0)
        content += b"".join(struct.pack("<2d", x, y) for x, y in pts)
        recs += struct.pack(">2i", i + 1, len(content) // 2) + content
    length = (100 + len(recs)) // 2
    header = struct.pack(">7i", 9994, 0, 0, 0, 0, 0, length) + struct.pack("<2i", 1000, 5)
    header += struct.pack("<8d", xmin, ymin, xmax, ymax, 0, 0, 0, 0)
    shp = header + recs
    n = len(polys)
    field = b"ID".ljust(11, b"\0") + b"C" + b"\0" * 4 + bytes([10, 0]) + b"\0" * 14
    hlen = 32 + 32 + 1
    rlen = 1 + 10
    dbf = struct.pack("<4BIHH", 3, 124, 1, 1, n, hlen, rlen) + b"\0" * 17 + bytes([0x57]) + b"\0\0"
    dbf += field + b"\r"
    dbf += b"".join(b" " + ids[i].encode().ljust(10) for i in range(n)) + b"\x1a"
    return shp, dbf


shp, dbf = shp_dbf(SQUARES[:4], ["u%d" % i for i in range(4)])
put("shapefile", "grid4", struct.pack("<I", len(shp)) + shp + dbf)
buf = io.BytesIO()
with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
    z.writestr("units.shp", shp)
    z.writestr("units.dbf", dbf)
    z.writestr("units.prj", 'GEOGCS["GCS_North_American_1983"]')
# A zip seed starts with the marker byte 'Z' (see harness::shapefile).
put("shapefile", "grid4-zip", b"ZIP!" + buf.getvalue())

# assignments.bin: 2 records of 4 nodes, 3 districts.
a = b"RDRWASG1" + struct.pack("<IIIIQ", 1, 4, 3, 1, 2)
a += struct.pack("<IQ", 0, 0) + bytes([0, 1, 2, 1]) + struct.pack("<IQ", 0, 1) + bytes([2, 2, 0, 1])
put("assignments", "two-records.bin", a)
a = b"RDRWASG1" + struct.pack("<IIIIQ", 1, 3, 300, 2, 1) + struct.pack("<IQ", 3, 7) + struct.pack("<3H", 0, 299, 5)
put("assignments", "u16-labels.bin", a)
# Version 2 (--compress delta): a keyframe of runs, a delta, an empty delta (a self-loop), a raw
# keyframe of chain 1. Record: chain u32, step u64, kind u8, payload length u32, payload.
def rec(chain, step, kind, payload):
    return struct.pack("<IQBI", chain, step, kind, len(payload)) + bytes(payload)
a = b"RDRWASG1" + struct.pack("<IIIIQ", 2, 6, 3, 1, 4)
a += rec(0, 0, 1, [2, 0, 2, 1, 2, 2])   # runs (count, label): 0 0 1 1 2 2
a += rec(0, 1, 2, [1, 1, 1])            # delta (skip, count, label): node 1 -> 1
a += rec(0, 2, 2, [])                   # unchanged
a += rec(1, 0, 0, [2, 2, 1, 1, 0, 0])   # raw
put("assignments", "delta-records.bin", a)

# Run directory: manifest.json, then \n---\n and stats.csv (a complete 1-chain run on the grid).
manifest = {
    "format": "redraw-ensemble-run", "format_version": 1, "redraw_version": "0.1.0", "status": "complete",
    "inputs": {"graph": {"path": "/g.json", "sha256": "0" * 64}, "graph_format": "networkx", "population_column": "POP",
               "initial_plan": {"kind": "column", "column": "district"}, "county": None},
    "node_count": 9, "edge_count": 12, "districts": 3, "district_labels": ["1", "2", "3"], "total_population": 126,
    "tolerance": 0.5, "population_bounds": [21, 63],
    "elections": [{"name": "E", "dem_column": "DEM", "rep_column": "REP"}],
    "county_splits_tracked": False, "max_county_splits": None,
    "params": {"seed": 1, "chains": 1, "steps": 2, "thin": 1, "burn_in": 0,
               "proposal": {"kind": "recom", "pair_selection": "cut-edge", "tree_attempts": 100, "balance_bound": 30}},
    "samples_per_chain": 3,
    "stats_columns": ["chain", "step", "accepted", "cut_edges", "county_splits", "pop_1", "pop_2", "pop_3",
                      "E_dem_seats", "E_dem_1", "E_dem_2", "E_dem_3", "E_rep_1", "E_rep_2", "E_rep_3"],
    "files": {"stats": "stats.csv", "assignments": "assignments.bin"},
    "results": [{"steps": 2, "accepted": 1, "non_adjacent": 0, "no_split": 1, "not_selected": 0, "rejected": 0,
                 "invalid": 0, "bound_exceeded": 0, "trees": 5}],
}
stats = ",".join(manifest["stats_columns"]) + "\n" + \
    "0,0,0,6,,33,42,51,3,15,15,15,13,14,15\n0,1,1,6,,36,42,48,3,15,15,15,14,13,15\n0,2,0,6,,36,42,48,3,15,15,15,14,13,15\n"
put("run_dir", "complete-run", json.dumps(manifest, indent=2) + "\n---\n" + stats)
# The same run in format 2: thinned (a row every step, the plan every 2nd), delta records, one
# tracked column.
m2 = json.loads(json.dumps(manifest))
m2["format_version"] = 2
m2["params"]["thin"] = 2
m2["params"]["record"] = "thinned"
m2["params"]["compression"] = "delta"
m2["plans_per_chain"] = 2
m2["tracked_columns"] = ["VAP"]
m2["stats_columns"] += ["sum_VAP_1", "sum_VAP_2", "sum_VAP_3"]
stats2 = ",".join(m2["stats_columns"]) + "\n" + \
    "0,0,0,6,,33,42,51,3,15,15,15,13,14,15,20,30,40\n0,1,1,6,,36,42,48,3,15,15,15,14,13,15,22,30,38\n" \
    "0,2,0,6,,36,42,48,3,15,15,15,14,13,15,22,30,38\n"
put("run_dir", "thinned-delta-tracked", json.dumps(m2, indent=2) + "\n---\n" + stats2)

for name in sorted(os.listdir(os.path.join(ROOT, "..", "..", "data", "scenarios"))):
    if name.endswith(".toml"):
        with open(os.path.join(ROOT, "..", "..", "data", "scenarios", name), "rb") as f:
            put("scenario", name, f.read())
