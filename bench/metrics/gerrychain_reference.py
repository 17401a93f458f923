#!/usr/bin/env python3
"""Reference values from GerryChain for redraw-metrics' agreement tests.

Writes crates/redraw-metrics/tests/fixtures/gerrychain_reference.json: GerryChain's partisan
metrics (Democratic column listed first, so GerryChain's sign convention equals redraw's) on

  * fixed per-district vote vectors (one node per district, each node its own district), and
  * enacted congressional plans on the bench precinct graphs (NC 2022, PA 2022), with the
    per-district totals, cut edges and county splits (county = first 5 GEOID characters).

Usage (creates its own virtualenv unless GERRYCHAIN_PYTHON points at a ready interpreter):

    bash -c 'python3 -m venv /tmp/gc-venv && /tmp/gc-venv/bin/pip install gerrychain==1.0.0'
    /tmp/gc-venv/bin/python bench/metrics/gerrychain_reference.py [DATA_DIR]

DATA_DIR defaults to $REDRAW_DATA_DIR or ../shared/data from the repository root. The fixture
holds only derived per-district totals, never copies of the raw data.
"""
import csv
import importlib.metadata
import json
import os
import random
import sys

import networkx as nx
from gerrychain import Election, Graph, Partition
from gerrychain.metrics import efficiency_gap, mean_median, partisan_bias, partisan_gini
from gerrychain.updaters import Tally, cut_edges, county_splits

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "crates", "redraw-metrics", "tests", "fixtures", "gerrychain_reference.json")


def metrics(results):
    return {
        "efficiency_gap": efficiency_gap(results),
        "mean_median": mean_median(results),
        "partisan_bias": partisan_bias(results),
        "partisan_gini": partisan_gini(results),
        "dem_seats": results.seats("Dem"),
        "dem_share": results.percent("Dem"),
    }


def vector_case(name, dem, rep):
    g = nx.Graph()
    for i, (d, r) in enumerate(zip(dem, rep)):
        g.add_node(i, D=d, R=r, part=i)
    for i in range(len(dem) - 1):
        g.add_edge(i, i + 1)
    part = Partition(Graph.from_networkx(g), "part", {"e": Election("e", {"Dem": "D", "Rep": "R"})})
    # GerryChain orders results by part id; keep the vectors in that order.
    return {"name": name, "dem": dem, "rep": rep, **metrics(part["e"])}


def plan_case(data_dir, graph_rel, plan_rel):
    graph = Graph.from_json(os.path.join(data_dir, graph_rel))
    by_geoid = {}
    with open(os.path.join(data_dir, plan_rel)) as f:
        for row in csv.DictReader(f):
            by_geoid[row["GEOID"]] = int(row["district"])
    for n in graph.node_indices:
        graph.node_data(n)["enacted"] = by_geoid[graph.node_data(n)["GEOID"]]
        graph.node_data(n)["county"] = graph.node_data(n)["GEOID"][:5]
    part = Partition(
        graph,
        "enacted",
        {
            "e": Election("e", {"Dem": "DEM_VOTES", "Rep": "REP_VOTES"}),
            "population": Tally("TOTAL_POP", alias="population"),
            "cut_edges": cut_edges,
            "counties": county_splits("counties", "county"),
        },
    )
    e = part["e"]
    districts = sorted(part.parts)
    splits = part["counties"]
    return {
        "graph": graph_rel,
        "plan": plan_rel,
        "districts": districts,
        "dem": [e.count("Dem", d) for d in districts],
        "rep": [e.count("Rep", d) for d in districts],
        "population": [part["population"][d] for d in districts],
        "cut_edges": len(part["cut_edges"]),
        "split_counties": sum(1 for info in splits.values() if len(info.contains) > 1),
        "counties": len(splits),
        **metrics(e),
    }


def main():
    data_dir = (
        sys.argv[1]
        if len(sys.argv) > 1
        else os.environ.get("REDRAW_DATA_DIR", os.path.join(ROOT, "..", "shared", "data"))
    )
    rng = random.Random(20260101)
    vectors = [
        vector_case("packed_5", [80, 75, 45, 40, 35], [20, 25, 55, 60, 65]),
        vector_case("unequal_turnout_4", [900, 60, 60, 20], [100, 40, 40, 80]),
        vector_case("sweep_3", [60, 70, 55], [40, 30, 45]),
    ]
    for k in (7, 13, 14, 17, 52):
        dem = [rng.randint(20_000, 300_000) for _ in range(k)]
        rep = [rng.randint(20_000, 300_000) for _ in range(k)]
        vectors.append(vector_case(f"random_{k}", dem, rep))
    plans = [
        plan_case(data_dir, "graphs/bench/NC.json", "plans/NC_cd_2022_vtds.csv"),
        plan_case(data_dir, "graphs/bench/PA.json", "plans/PA_cd_2022_vtds.csv"),
    ]
    doc = {
        "generator": "bench/metrics/gerrychain_reference.py",
        "gerrychain_version": importlib.metadata.version("gerrychain"),
        "party_order": ["Dem", "Rep"],
        "vectors": vectors,
        "plans": plans,
    }
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")
    print(f"wrote {OUT}: {len(vectors)} vote vectors, {len(plans)} plans")


if __name__ == "__main__":
    main()
