"""``redraw.Graph``: the dual graph an ensemble is drawn on."""

from __future__ import annotations

import json
import math
import numbers
import os
from typing import Any, Dict, Hashable, List, Optional, Sequence, Union

from . import _redraw

PathLike = Union[str, "os.PathLike[str]"]

# The networkx edge attribute GerryChain and redraw read as the shared border length.
_LENGTH_ATTR = "shared_perim"


class Graph:
    """A dual graph: nodes are units (precincts, block groups), edges join units that touch,
    and nodes carry attribute columns (population, votes, district ids).

    Build one with :meth:`from_json` (networkx adjacency JSON, as GerryChain's
    ``Graph.from_json``), :meth:`from_rdabase`, :meth:`from_file` (any format redraw reads),
    or :meth:`from_networkx` (any networkx graph, including a GerryChain ``Graph``). Node
    order is the file's (or the networkx graph's) order; plans are arrays in that order.

    Graphs pickle (for Ray tasks) with their provenance, so a run computed elsewhere records the
    same inputs in its manifest.
    """

    __slots__ = ("_g", "_nodes", "_index")

    def __init__(self, native: Any, nodes: Optional[List[Hashable]] = None):
        self._g = native
        self._nodes = nodes
        self._index: Optional[Dict[Any, int]] = None

    def __getstate__(self):
        return {"g": self._g, "nodes": self._nodes}

    def __setstate__(self, state):
        self._g = state["g"]
        self._nodes = state["nodes"]
        self._index = None

    # ---- constructors ----

    @classmethod
    def from_file(cls, path: PathLike, data: Optional[PathLike] = None, key: str = "GEOID") -> "Graph":
        """Reads any graph file redraw knows: networkx adjacency JSON, an rdabase
        ``*_graph.json`` (with ``data``, or the ``*_data.csv`` beside it), or an edge-list
        ``.csv`` with an attribute CSV ``data`` keyed by ``key``. The manifest of a run records
        the file's absolute path and SHA-256, exactly as ``redraw ensemble --graph`` does."""
        native = _redraw.Graph.read(os.fspath(path), None if data is None else os.fspath(data), key)
        return cls(native)

    @classmethod
    def from_json(cls, path: PathLike, key: str = "GEOID") -> "Graph":
        """Reads networkx adjacency JSON (GerryChain's ``Graph.from_json`` / ``to_json``
        layout, frcw's input). Node ids are kept as labels."""
        return cls.from_file(path, None, key)

    @classmethod
    def from_rdabase(cls, graph_json: PathLike, data: Optional[PathLike] = None, key: str = "GEOID") -> "Graph":
        """Reads an rdabase adjacency dict ``XX_graph.json`` and its attribute CSV (``data``, by
        default ``XX_data.csv`` beside it), dropping the ``OUT_OF_STATE`` pseudo-node."""
        return cls.from_file(graph_json, data, key)

    @classmethod
    def from_networkx(cls, graph: Any, key: str = "GEOID") -> "Graph":
        """Builds a graph from a networkx graph, for example a GerryChain ``Graph`` (a networkx
        ``Graph`` subclass). Numeric and text node attributes become columns (numpy scalars
        included); other values (geometries, lists) are left out with a ``UserWarning``.
        The edge attribute ``shared_perim``, when every edge has it, gives border lengths.
        Node ids that are ints or strings are kept as labels; other ids are numbered
        ``0..n-1``. Either way :meth:`index` maps the original node ids to node indices."""
        graph = _unfreeze(graph)
        nodes, node_attrs, adjacency_of = _networkx_view(graph)
        simple_ids = all(isinstance(n, (int, str)) and not isinstance(n, bool) for n in nodes)
        if simple_ids and len({str(n) for n in nodes}) != len(nodes):
            simple_ids = False
        ident = {n: (n if simple_ids else i) for i, n in enumerate(nodes)}
        skipped: Dict[str, int] = {}
        node_rows = []
        for n in nodes:
            row: Dict[str, Any] = {"id": ident[n]}
            for k, v in node_attrs(n).items():
                if k == "id" or k == "__networkx_node__":
                    continue
                value = _json_value(v)
                if value is _SKIP:
                    skipped[k] = skipped.get(k, 0) + 1
                else:
                    row[k] = value
            node_rows.append(row)
        adjacency = []
        for n in nodes:
            entries = []
            for m, attrs in adjacency_of(n):
                e: Dict[str, Any] = {"id": ident[m]}
                length = attrs.get(_LENGTH_ATTR) if attrs else None
                if isinstance(length, numbers.Real) and not isinstance(length, bool):
                    e[_LENGTH_ATTR] = float(length)
                entries.append(e)
            adjacency.append(entries)
        doc = {
            "directed": bool(graph.is_directed()),
            "multigraph": bool(getattr(graph, "is_multigraph", lambda: False)()),
            "graph": [],
            "nodes": node_rows,
            "adjacency": adjacency,
        }
        origin = f"{type(graph).__module__}.{type(graph).__qualname__} built in Python"
        native = _redraw.Graph.from_networkx_json(json.dumps(doc, allow_nan=True), origin, key)
        g = cls(native, nodes)
        if skipped:
            import warnings

            warnings.warn(
                "Graph.from_networkx left out attributes that are not numbers or text: "
                + ", ".join(f"{k} ({c} nodes)" for k, c in sorted(skipped.items())),
                UserWarning,
                stacklevel=2,
            )
        return g

    # ---- queries ----

    @property
    def node_count(self) -> int:
        """Number of nodes."""
        return self._g.node_count

    def __len__(self) -> int:
        return self._g.node_count

    @property
    def edge_count(self) -> int:
        """Number of undirected edges."""
        return self._g.edge_count

    @property
    def labels(self) -> List[str]:
        """Node labels (ids as text), in node order."""
        return self._g.labels

    @property
    def nodes(self) -> List[Hashable]:
        """The node ids in node order: the networkx graph's own ids for :meth:`from_networkx`,
        the ids as text (:attr:`labels`) for a graph read from a file. :meth:`index` accepts
        either form (``5`` and ``"5"`` are the same node)."""
        if self._nodes is not None:
            return list(self._nodes)
        return list(self._g.labels)

    @property
    def columns(self) -> List[str]:
        """Attribute column names."""
        return self._g.columns

    @property
    def key(self) -> str:
        """The unit-id column (plan CSV ids, county prefixes)."""
        return self._g.key

    @property
    def notes(self) -> List[str]:
        """What the reader noted (dropped pseudo-nodes, ignored lengths, missing values)."""
        return self._g.notes

    @property
    def source(self) -> Dict[str, Any]:
        """How a run's manifest records this graph (``inputs``' ``graph``, ``graph_format``,
        ``data``)."""
        return json.loads(self._g.source_json)

    def column(self, name: str):
        """A column: numpy int64 / float64 array, or a list of str."""
        return self._g.column(name)

    def __getitem__(self, name: str):
        return self._g.column(name)

    def edges(self):
        """Edges as two int64 arrays ``(u, v)`` of node indices, ``u < v``."""
        return self._g.edges()

    def index(self, node: Hashable) -> int:
        """The node index of a node id (an original networkx id, or a label; ints and their
        text are the same id)."""
        if self._index is None:
            idx: Dict[Any, int] = {}
            for i, label in enumerate(self._g.labels):
                idx[label] = i
            if self._nodes is not None:
                for i, n in enumerate(self._nodes):
                    idx[n] = i
            self._index = idx
        try:
            return self._index[node]
        except (KeyError, TypeError):
            pass
        try:
            return self._index[str(node)]
        except KeyError:
            raise KeyError(f"node {node!r} is not in the graph") from None

    def __repr__(self) -> str:
        return repr(self._g)


_SKIP = object()


def _unfreeze(graph: Any) -> Any:
    """The GerryChain ``Graph`` inside a ``FrozenGraph`` (a Partition's ``graph``)."""
    if type(graph).__name__ == "FrozenGraph" and hasattr(graph, "graph"):
        return graph.graph
    return graph


def is_graph_like(graph: Any) -> bool:
    """A networkx graph or a GerryChain (1.0 or older) ``Graph`` / ``FrozenGraph``."""
    graph = _unfreeze(graph)
    return hasattr(graph, "nodes") and (hasattr(graph, "adj") or hasattr(graph, "node_data"))


def _networkx_view(graph: Any):
    """``(node ids, attrs(node), adjacency(node) -> [(neighbour, edge attrs)])`` of a networkx
    graph or a GerryChain 1.0 ``Graph`` (a wrapper around networkx or, inside a Partition,
    rustworkx with internal node ids, which map back to the original networkx ids)."""
    graph = _unfreeze(graph)
    if hasattr(graph, "is_nx_graph") and hasattr(graph, "node_data"):
        if graph.is_nx_graph():
            return _networkx_view(graph.get_nx_graph())
        internal = list(graph.nodes)
        original = {n: graph.original_nx_node_id_for_internal_node_id(n) for n in internal}

        def edge_attrs(u, v):
            try:
                return graph.edge_data(graph.get_edge_id_from_edge((u, v)))
            except Exception:  # noqa: BLE001 - lengths are optional
                return None

        return (
            [original[n] for n in internal],
            lambda n: graph.node_data(_internal(graph, n)),
            lambda n: [
                (original[m], edge_attrs(_internal(graph, n), m)) for m in graph.neighbors(_internal(graph, n))
            ],
        )
    return list(graph.nodes), (lambda n: graph.nodes[n]), (lambda n: list(graph.adj[n].items()))


def _internal(graph: Any, original_id: Any) -> Any:
    return graph.internal_node_id_for_original_nx_node_id(original_id)


def gerrychain_original_id(graph: Any, node: Any) -> Any:
    """The original (networkx) id of a node key of a GerryChain graph (internal ids of a
    rustworkx-backed GerryChain 1.0 graph map back; other graphs' keys are the ids)."""
    graph = _unfreeze(graph)
    if hasattr(graph, "is_rx_graph") and graph.is_rx_graph():
        return graph.original_nx_node_id_for_internal_node_id(node)
    return node


def _json_value(v: Any) -> Any:
    if v is None:
        return None
    if isinstance(v, bool):
        return int(v)
    if isinstance(v, str):
        return v
    if isinstance(v, numbers.Integral):
        return int(v)
    if isinstance(v, numbers.Real):
        f = float(v)
        return f if not math.isnan(f) else None
    item = getattr(v, "item", None)  # numpy scalars
    if callable(item) and getattr(v, "shape", None) == ():
        return _json_value(item())
    return _SKIP
