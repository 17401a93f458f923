"""GerryChain 1.0 interop on the real NC graph, both ways: GerryChain reads a redraw plan as a
Partition (and its updaters agree with redraw's recorded statistics), and redraw starts from a
GerryChain Partition and Election (and writes the command line's bytes for the same plan)."""

import numpy as np
import pytest

import redraw
from conftest import run_cli, run_files

gerrychain = pytest.importorskip("gerrychain")
from gerrychain import Election, Graph, Partition  # noqa: E402
from gerrychain.updaters import Tally, cut_edges  # noqa: E402

ARGS = dict(pop="TOTAL_POP", tol=0.02, steps=800, chains=2, seed=5, thin=20, county_prefix=5)
FLAGS = ["--pop", "TOTAL_POP", "--tol", "0.02", "--steps", "800", "--chains", "2", "--seed", "5", "--thin", "20",
         "--county-prefix", "5", "--election", "COMP=DEM_VOTES,REP_VOTES"]


@pytest.fixture(scope="module")
def gc_graph(nc):
    return Graph.from_json(nc)


def test_redraw_starts_from_a_gerrychain_partition(tmp_path, cli, nc, gc_graph):
    election = Election("COMP", {"Dem": "DEM_VOTES", "Rep": "REP_VOTES"})
    initial = Partition(gc_graph, "district", {"COMP": election})
    # The GerryChain Graph itself (a networkx graph) and a GerryChain Partition and Election.
    run = redraw.ensemble(gc_graph, assignment=initial, elections=[election], out=tmp_path / "py", progress=False, **ARGS)
    run_cli(cli, "ensemble", "--graph", nc, "--assignment", "district", *FLAGS, "--out", tmp_path / "cli")
    a, b = run_files(run.path), run_files(tmp_path / "cli")
    assert a["stats.csv"] == b["stats.csv"] and a["assignments.bin"] == b["assignments.bin"]
    info = run.manifest["inputs"]["initial_plan"]
    assert info["kind"] == "given" and info["source"] == "GerryChain Partition"
    # The Partition's own graph (GerryChain 1.0 freezes it into rustworkx with internal node
    # ids, which map back to the original ids).
    assert initial.graph.is_rx_graph()
    g_rx = redraw.Graph.from_networkx(initial.graph)
    assert len(g_rx) == len(gc_graph) and g_rx.nodes[:3] == [0, 1, 2]  # the original ids, not rustworkx's
    run3 = redraw.ensemble(g_rx, assignment=initial, elections=[election], out=tmp_path / "rx", progress=False, **ARGS)
    assert run_files(run3.path)["assignments.bin"] == b["assignments.bin"]
    # An assignment dict works the same way, on the file graph.
    as_dict = {n: initial.assignment[n] for n in gc_graph.nodes}
    run2 = redraw.ensemble(nc, assignment=as_dict, elections=["COMP=DEM_VOTES,REP_VOTES"], out=tmp_path / "d", progress=False, **ARGS)
    assert run_files(run2.path)["assignments.bin"] == b["assignments.bin"]


def test_gerrychain_reads_every_recorded_plan(tmp_path, nc, gc_graph):
    run = redraw.ensemble(
        nc, assignment="district", elections={"COMP": ("DEM_VOTES", "REP_VOTES")}, out=tmp_path / "r", progress=False, **ARGS
    )
    stats = run.stats
    updaters = {
        "population": Tally("TOTAL_POP", alias="population"),
        "cut_edges": cut_edges,
        "COMP": Election("COMP", {"Dem": "DEM_VOTES", "Rep": "REP_VOTES"}),
    }
    labels = run.district_labels
    checked = 0
    for i in range(0, len(run), 7):
        part = run.partition(i, graph=gc_graph, updaters=updaters)
        assert isinstance(part, Partition)
        row = stats.iloc[i]
        assert len(part["cut_edges"]) == row["cut_edges"]
        for d in labels:
            assert part["population"][int(d)] == row[f"pop_{d}"]
        # GerryChain's metrics on its own Partition equal redraw's on the recorded votes.
        dem = np.array([row[f"COMP_dem_{d}"] for d in labels], dtype=float)
        rep = np.array([row[f"COMP_rep_{d}"] for d in labels], dtype=float)
        results = part["COMP"]
        for name in ("efficiency_gap", "mean_median", "partisan_bias", "partisan_gini"):
            ours = getattr(redraw.metrics, name)(dem, rep)
            theirs = getattr(gerrychain.metrics, name)(results)
            assert ours == pytest.approx(theirs, abs=1e-12), (name, i)
            # and on GerryChain's ElectionResults directly
            assert getattr(redraw.metrics, name)(results) == pytest.approx(theirs, abs=1e-12)
        assert results.seats("Dem") == row["COMP_dem_seats"]
        checked += 1
    assert checked >= 10
    # The default graph is gerrychain.Graph.from_json of the run's file.
    assert run.partition(1).assignment.to_dict() == run.partition(1, graph=gc_graph).assignment.to_dict()


def test_node_ids_of_a_partitions_rustworkx_graph_map_back(tmp_path):
    """GerryChain 1.0 renumbers nodes inside a Partition (rustworkx); redraw maps them back to
    the original ids both ways, here with text ids listed in reverse order."""
    nx = pytest.importorskip("networkx")
    grid = nx.grid_2d_graph(6, 4)
    name = {n: f"u{n[0]}-{n[1]}" for n in grid}
    H = nx.Graph()
    H.add_nodes_from((name[n], {"pop": 10, "d": n[0] // 3}) for n in reversed(list(grid.nodes)))
    H.add_edges_from((name[a], name[b]) for a, b in grid.edges)
    gc = Graph.from_networkx(H)
    part = Partition(gc, "d")
    assert part.graph.is_rx_graph()
    rg = redraw.Graph.from_networkx(part.graph)
    assert sorted(rg.nodes) == sorted(H.nodes)
    d = rg.column("d")
    assert all(d[i] == H.nodes[node]["d"] for i, node in enumerate(rg.nodes))
    run = redraw.ensemble(part.graph, pop="pop", assignment=part, steps=40, tol=0.1, seed=3,
                          out=tmp_path / "r", progress=False)
    labels = run.district_labels
    plan0 = run.plan(0)
    assert all(labels[plan0[i]] == str(H.nodes[node]["d"]) for i, node in enumerate(rg.nodes))
    last = run.plan(len(run) - 1)
    back = run.partition(len(run) - 1, graph=gc)
    got = {back.graph.original_nx_node_id_for_internal_node_id(n): p for n, p in back.assignment.to_dict().items()}
    assert got == {node: int(labels[last[rg.index(node)]]) for node in H.nodes}
