"""GerryChain interop: recorded plans as ``gerrychain.Partition`` objects."""

from __future__ import annotations

from typing import Any, Mapping, Optional

import numpy as np

from . import _redraw


def _part(label: str) -> Any:
    s = label.strip()
    if s and (s.isdigit() or (s[0] == "-" and s[1:].isdigit())) and str(int(s)) == s:
        return int(s)
    return label


def to_partition(run: Any, plan: np.ndarray, graph: Any = None, updaters: Optional[Mapping[str, Any]] = None):
    """A GerryChain ``Partition`` of ``graph`` (default: ``gerrychain.Graph.from_json`` of the
    run's networkx graph file) with district indices ``plan`` (node order of the run's graph),
    parts named by the run's district labels."""
    try:
        import gerrychain
    except ImportError as e:
        raise ImportError("Run.partition needs GerryChain: pip install gerrychain") from e
    rg = run.graph
    if graph is None:
        src = run.manifest["inputs"]
        path = src.get("graph", {}).get("path")
        if not path or src.get("graph_format") != "networkx":
            raise _redraw.RedrawError(
                "Run.partition: pass graph=<a GerryChain Graph>; only a run drawn on a networkx JSON file can "
                "load its graph with gerrychain.Graph.from_json"
            )
        graph = gerrychain.Graph.from_json(path)
    if len(graph) != rg.node_count:
        raise _redraw.RedrawError(
            f"the GerryChain graph has {len(graph)} nodes but the run's graph has {rg.node_count}"
        )
    from ._graph import gerrychain_original_id

    parts = [_part(label) for label in run.district_labels]
    plan = np.asarray(plan)
    assignment = {
        node: parts[int(plan[rg.index(gerrychain_original_id(graph, node))])] for node in graph.nodes
    }
    return gerrychain.Partition(graph, assignment, dict(updaters) if updaters else None)
