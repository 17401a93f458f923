"""Ensembles: ``redraw.ensemble`` and the ``Run`` it returns."""

from __future__ import annotations

import hashlib
import json
import os
import sys
import tempfile
from typing import TYPE_CHECKING, Any, Callable, Dict, Iterator, List, Mapping, Optional, Sequence, Tuple, Union

if TYPE_CHECKING:
    import numpy as np

# numpy is imported where arrays are made, not with the package: `import redraw` stays quick
# (numpy alone takes about 0.2 s to import, which a short run would feel).

from . import _redraw
from ._graph import Graph, PathLike, gerrychain_original_id, is_graph_like

ProgressArg = Union[None, bool, Callable[[int, int], Any]]
Elections = Union[None, Mapping[str, Tuple[str, str]], Sequence[Any]]


# ---- argument conversion ----


def _graph(graph: Any, key: str = "GEOID") -> Graph:
    if isinstance(graph, Graph):
        return graph
    if isinstance(graph, (str, os.PathLike)):
        return Graph.from_file(graph, key=key)
    if is_graph_like(graph):
        return Graph.from_networkx(graph, key=key)
    raise TypeError(
        f"graph: expected a redraw.Graph, a path or a networkx/GerryChain graph, got {type(graph).__name__}"
    )


def _elections(elections: Elections) -> List[Tuple[str, str, str]]:
    """``{"PRES": ("DEM", "REP")}``, ``["PRES=DEM,REP"]``, ``[("PRES", "DEM", "REP")]`` or
    GerryChain ``Election`` objects (first party = the Democratic column, which is how
    GerryChain's signs match redraw's)."""
    if elections is None:
        return []
    if isinstance(elections, Mapping):
        return [(str(n), str(c[0]), str(c[1])) for n, c in elections.items()]
    out = []
    for e in elections:
        if isinstance(e, str):
            name, _, cols = e.partition("=")
            dem, _, rep = cols.partition(",")
            if not (name and dem and rep):
                raise _redraw.RedrawError(f"--election {e!r}: expected NAME=DEMCOL,REPCOL")
            out.append((name.strip(), dem.strip(), rep.strip()))
        elif hasattr(e, "name") and ("node_attribute_names" in getattr(e, "__dict__", {}) or hasattr(type(e), "columns")):
            # A GerryChain Election: node_attribute_names since 1.0, columns before.
            cols = list(e.__dict__.get("node_attribute_names") or e.columns)
            if len(cols) != 2:
                raise _redraw.RedrawError(f"election {e.name!r}: redraw tallies two-party elections; it has {len(cols)} columns")
            out.append((str(e.name), str(cols[0]), str(cols[1])))
        else:
            name, dem, rep = e
            out.append((str(name), str(dem), str(rep)))
    return out


class GivenPlan:
    """An initial plan already converted to per-node labels, with the manifest's record of it
    (so shards of a distributed run record exactly what a single process would)."""

    __slots__ = ("labels", "info")

    def __init__(self, labels: List[str], info: Dict[str, Any]):
        self.labels = labels
        self.info = info


def _plan_labels(graph: Graph, plan: Any) -> Tuple[List[str], Dict[str, Any]]:
    """Per-node district labels (text) from a GerryChain Partition, an assignment mapping
    ``{node: district}`` or a per-node sequence / numpy array; plus the manifest's record."""
    if isinstance(plan, GivenPlan):
        return plan.labels, plan.info
    source = "sequence"
    assignment = getattr(plan, "assignment", None)
    if assignment is not None and hasattr(plan, "graph"):
        gc_graph = plan.graph
        plan = {gerrychain_original_id(gc_graph, n): d for n, d in assignment.to_dict().items()}
        source = "GerryChain Partition"
    if hasattr(plan, "to_dict") and not isinstance(plan, Mapping):
        plan = plan.to_dict()  # a GerryChain Assignment, or a pandas Series indexed by node id
    n = graph.node_count
    if isinstance(plan, Mapping):
        if source == "sequence":
            source = "mapping"
        labels: List[Optional[str]] = [None] * n
        for node, district in plan.items():
            labels[graph.index(node)] = _label(district)
        missing = [graph.labels[i] for i, v in enumerate(labels) if v is None]
        if missing:
            raise _redraw.RedrawError(
                f"the initial plan leaves {len(missing)} of {n} nodes unassigned: {', '.join(missing[:5])}"
                + (", ..." if len(missing) > 5 else "")
            )
        out = [str(v) for v in labels]
    else:
        values = list(plan.tolist()) if hasattr(plan, "dtype") and hasattr(plan, "tolist") else list(plan)
        if len(values) != n:
            raise _redraw.RedrawError(f"the plan has {len(values)} assignments but the graph has {n} nodes")
        out = [_label(v) for v in values]
    digest = hashlib.sha256("\n".join(out).encode()).hexdigest()
    return out, {"kind": "given", "source": source, "labels_sha256": digest}


def _label(v: Any) -> str:
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    item = getattr(v, "item", None)
    if callable(item) and getattr(v, "shape", None) == ():
        return _label(item())
    return str(v)


def _interactive() -> bool:
    """A terminal or a notebook: where a progress bar is read rather than logged."""
    if "ipykernel" in sys.modules:
        return True
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False


class _Progress:
    """A tqdm bar (``tqdm.auto``: a widget in notebooks) when tqdm is installed and the output
    is read by a person (a terminal or a notebook; ``progress=None``), or always with
    ``progress=True``; a callable is called as ``progress(done_steps, total_steps)``;
    ``False`` is silent."""

    def __init__(self, progress: ProgressArg, total: int, desc: str):
        self.bar = None
        self.fn: Optional[Callable[[int, int], Any]] = None
        if progress is False or (progress is None and not _interactive()):
            return
        if callable(progress) and progress is not True:
            self.fn = progress
            return
        try:
            from tqdm.auto import tqdm
        except ImportError:
            if progress is True:
                raise ImportError("progress=True needs tqdm: pip install tqdm") from None
            return
        self.bar = tqdm(total=total, unit="step", unit_scale=True, desc=desc, file=sys.stderr)
        self.fn = self._update

    def _update(self, done: int, total: int) -> None:
        self.bar.update(done - self.bar.n)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


# ---- runs ----


def ensemble(
    graph: Any,
    *,
    pop: str,
    steps: int,
    out: Optional[PathLike] = None,
    districts: Optional[int] = None,
    tol: float = 0.02,
    chains: int = 1,
    seed: int = 0,
    proposal: str = "recom",
    elections: Elections = None,
    assignment: Any = None,
    plan: Optional[PathLike] = None,
    county: Optional[str] = None,
    county_prefix: Optional[int] = None,
    max_county_splits: Optional[int] = None,
    pair_selection: str = "cut-edge",
    tree_attempts: int = 100,
    balance_bound: int = 30,
    thin: int = 1,
    burn_in: int = 0,
    record: str = "every",
    compress: str = "delta",
    track: Union[None, str, Sequence[str]] = None,
    threads: Optional[int] = None,
    checkpoint_every: int = 10_000,
    resume: bool = False,
    parquet: bool = False,
    chain_range: Union[None, str, Tuple[int, int], range] = None,
    key: str = "GEOID",
    progress: ProgressArg = None,
) -> "Run":
    """Draws an ensemble of plans with a Markov chain: ``redraw ensemble`` as a function.

    ``graph``: a :class:`Graph`, a graph file path, or a networkx / GerryChain graph.
    ``pop``: population column. ``assignment``: the initial plan, as a node column name (like
    ``--assignment``), a GerryChain ``Partition``, a ``{node: district}`` mapping, or one
    district per node (sequence or numpy array); ``plan``: a ``GEOID,district`` CSV instead;
    neither: a plan drawn by recursive spanning-tree bipartition (give ``districts``).
    ``elections``: ``{"PRES": ("DEM_VOTES", "REP_VOTES")}``, ``["PRES=DEM_VOTES,REP_VOTES"]`` or
    GerryChain ``Election`` objects (first party Democratic). ``proposal``: ``recom``,
    ``reversible-recom`` or ``flip``. ``county`` (column) or ``county_prefix`` (GEOID
    characters, 5 for FIPS) enable the county_splits statistic and ``max_county_splits``.

    ``thin`` and ``burn_in`` select the recorded steps; ``record`` says what is recorded there:
    ``"every"`` (a stats row and the plan), ``"thinned"`` (a row at every step after burn-in,
    the plan only at every ``thin``-th) or ``"stats-only"`` (rows, no plans). ``compress``:
    ``"delta"`` (plans stored as the nodes that changed since the chain's previous plan, 40-100
    times smaller) or ``"none"`` (fixed-size records that ``numpy.fromfile`` reads). ``track``:
    node columns (e.g. ``["BLACK_VAP", "TOTAL_VAP"]``) whose per-district sums every row
    carries as ``sum_<COL>_<district>`` columns. A run estimated to write more than 1 GB warns
    (``UserWarning``) before it starts.

    ``out``: the run directory (a new temporary directory when omitted). Same seed, same
    bytes as the command line, for any ``threads`` and any ``chain_range``. ``chain_range``
    (``(16, 32)`` or ``"16..32"``) computes only those chains of ``chains`` (a shard; see
    :func:`merge`). ``resume=True`` continues an interrupted run (same arguments).

    Releases the GIL while the chains run. Ctrl-C stops every chain at a checkpoint and raises
    ``KeyboardInterrupt``; call again with ``resume=True``. Progress shows through tqdm when it
    is installed, on a terminal or in a notebook (``progress=True`` to force it, ``False`` to
    hide it, or a callable ``f(done, total)``).
    """
    g = _graph(graph, key)
    kwargs: Dict[str, Any] = {}
    if isinstance(assignment, str):
        kwargs["assignment"] = assignment
    elif assignment is not None:
        labels, info = _plan_labels(g, assignment)
        kwargs["initial_labels"] = labels
        kwargs["initial_info"] = json.dumps(info)
    if plan is not None:
        kwargs["plan_csv"] = os.fspath(plan)
    if out is None:
        if resume:
            raise _redraw.RedrawError("resume=True needs out=DIR, the run directory to continue")
        out = tempfile.mkdtemp(prefix="redraw-run-")
    rng = _chain_range(chain_range)
    own = chains if rng is None or (rng[0] == 0 and rng[1] == chains) else max(0, rng[1] - rng[0])
    bar = _Progress(progress, own * int(steps), "redraw ensemble")
    try:
        _redraw.run_ensemble(
            g._g,
            os.fspath(out),
            pop=pop,
            steps=int(steps),
            districts=districts,
            tol=float(tol),
            chains=int(chains),
            seed=int(seed),
            elections=_elections(elections),
            county=county,
            county_prefix=county_prefix,
            max_county_splits=max_county_splits,
            proposal=proposal,
            pair_selection=pair_selection,
            tree_attempts=int(tree_attempts),
            balance_bound=int(balance_bound),
            thin=int(thin),
            burn_in=int(burn_in),
            record=str(record),
            compress=str(compress),
            track=[track] if isinstance(track, str) else list(track or []),
            threads=threads,
            checkpoint_every=int(checkpoint_every),
            resume=bool(resume),
            parquet=bool(parquet),
            chain_range=rng,
            progress=bar.fn,
            **kwargs,
        )
    finally:
        bar.close()
    return Run(out, graph=g)


def _chain_range(r: Union[None, str, Tuple[int, int], range]) -> Optional[Tuple[int, int]]:
    if r is None:
        return None
    if isinstance(r, str):
        return _redraw.parse_chain_range(r)
    if isinstance(r, range):
        if r.step != 1:
            raise _redraw.RedrawError("chain_range: a range with step 1")
        return (r.start, r.stop)
    a, b = r
    return (int(a), int(b))


def merge(shards: Sequence[PathLike], out: PathLike, *, parquet: bool = False) -> "Run":
    """Merges complete shards of one run (made with ``chain_range``, on any machines) into the
    run directory ``out``: ``redraw merge``. Refuses shards of different runs (parameters,
    input hashes, version), overlapping or missing chain ranges, and incomplete shards, with
    the command line's message. The result is byte-identical to the run made in one process."""
    _redraw.merge_shards([os.fspath(s) for s in shards], os.fspath(out), bool(parquet))
    return Run(out)


def open_run(path: PathLike, graph: Optional[Graph] = None) -> "Run":
    """Opens an existing run directory (``redraw ensemble --out DIR``)."""
    return Run(path, graph=graph)


class Run:
    """A run directory (``docs/run-format.md``): manifest, stats, recorded plans.

    ``stats`` is a pandas DataFrame (:meth:`stats_arrow` a pyarrow Table, :meth:`stats_arrays`
    plain numpy arrays); :meth:`assignments` streams the plans as numpy ``uint16`` arrays;
    :meth:`partition` gives a plan as a GerryChain ``Partition``; :meth:`judge` judges a plan
    against the ensemble.
    """

    def __init__(self, path: PathLike, graph: Optional[Graph] = None):
        self.path = os.fspath(path)
        self._graph = graph
        self._stats_cache: Optional[Tuple[Tuple[int, int], Any]] = None
        if not os.path.isfile(os.path.join(self.path, "manifest.json")):
            raise _redraw.RedrawError(f"{self.path}: not a run directory (no manifest.json)")

    def __repr__(self) -> str:
        m = self.manifest
        if m.get("sampler") == "smc":
            size = f"{m['params']['chains']} SMC run(s) x {m['smc']['config']['particles']} particles"
        else:
            size = f"{m['params']['chains']} chain(s) x {m['params']['steps']} steps"
        return f"<redraw.Run {self.path}: {m['status']}, {size}, {m['districts']} districts>"

    @property
    def manifest(self) -> Dict[str, Any]:
        """``manifest.json`` as a dict (re-read on each access)."""
        with open(os.path.join(self.path, "manifest.json"), encoding="utf-8") as f:
            return json.load(f)

    @property
    def complete(self) -> bool:
        return self.manifest.get("status") == "complete"

    @property
    def district_labels(self) -> List[str]:
        """The label of each district index (values of the arrays from :meth:`assignments`)."""
        return list(self.manifest["district_labels"])

    def __len__(self) -> int:
        """Number of recorded plans (stats rows: ``len(run.stats)``; they differ with
        ``record="thinned"`` and ``"stats-only"``)."""
        m = self.manifest
        chains = len(range(*_range_of(m)))
        # Format 1 manifests have no plans_per_chain: one plan per row.
        return int(m.get("plans_per_chain", m["samples_per_chain"])) * chains

    def _require_complete(self) -> None:
        m = self.manifest
        if m.get("status") != "complete":
            raise _redraw.RedrawError(
                f"the ensemble run in {self.path} is {m.get('status')!r}, not complete: finish or resume it first"
            )

    @property
    def graph(self) -> Graph:
        """The graph the run was drawn on: the one given to :func:`ensemble`, or the file the
        manifest names (checked against its SHA-256)."""
        if self._graph is None:
            src = self.manifest["inputs"]
            path = src.get("graph", {}).get("path")
            if not path:
                raise _redraw.RedrawError(
                    f"the run in {self.path} was drawn on an in-memory graph; pass it: redraw.open_run(path, graph=...)"
                )
            g = Graph.from_file(path, src.get("data", {}).get("path"))
            if g.source.get("graph", {}).get("sha256") != src["graph"].get("sha256"):
                raise _redraw.RedrawError(f"{path} changed since the run was drawn (its SHA-256 differs)")
            self._graph = g
        return self._graph

    # ---- stats ----

    def _read_stats(self):
        """stats.csv parsed once per version of the file (a complete run's files do not change;
        a merged or resumed run's do, and are read again)."""
        self._require_complete()
        path = os.path.join(self.path, "stats.csv")
        st = os.stat(path)
        key = (st.st_mtime_ns, st.st_size)
        if self._stats_cache is None or self._stats_cache[0] != key:
            names, arrays, masks = _redraw.read_stats(path)
            for a in [*arrays, *(m for m in masks if m is not None)]:
                a.flags.writeable = False  # shared by every later call
            self._stats_cache = (key, (names, arrays, masks))
        return self._stats_cache[1]

    def stats_arrays(self) -> Dict[str, np.ndarray]:
        """stats.csv as ``{column: array}`` (read-only: parsed once and shared): int64 arrays,
        except an SMC run's ``weight`` (float64, normalised to sum to 1 within each run); a
        column with empty cells (county_splits when no county was given) is a
        ``numpy.ma.MaskedArray``."""
        import numpy as np

        names, arrays, masks = self._read_stats()
        out: Dict[str, np.ndarray] = {}
        for name, a, m in zip(names, arrays, masks):
            out[name] = a if m is None else np.ma.MaskedArray(a, mask=m)
        return out

    @property
    def stats(self):
        """stats.csv as a pandas DataFrame (int64 columns, an SMC run's ``weight`` float64;
        nullable ``Int64`` where cells are empty). Needs pandas."""
        try:
            import pandas as pd
        except ImportError as e:
            raise ImportError("Run.stats needs pandas (pip install pandas); Run.stats_arrays() does not") from e
        names, arrays, masks = self._read_stats()
        cols = {}
        for name, a, m in zip(names, arrays, masks):
            if m is None:
                cols[name] = a
            elif a.dtype.kind == "f":
                cols[name] = pd.arrays.FloatingArray(a, m)
            else:
                cols[name] = pd.arrays.IntegerArray(a, m)
        return pd.DataFrame(cols, copy=False)

    def stats_arrow(self):
        """stats.csv as a pyarrow Table (int64 columns, an SMC run's ``weight`` float64; nulls
        where cells are empty)."""
        try:
            import pyarrow as pa
        except ImportError as e:
            raise ImportError("Run.stats_arrow needs pyarrow: pip install pyarrow") from e
        names, arrays, masks = self._read_stats()
        return pa.table({n: pa.array(a, mask=m) for n, a, m in zip(names, arrays, masks)})

    def votes(self, election: str) -> Tuple[np.ndarray, np.ndarray]:
        """Per-plan, per-district vote totals of a recorded election: ``(dem, rep)``, float64
        arrays of shape ``(plans, districts)`` for :mod:`redraw.metrics`."""
        import numpy as np

        cols = self.stats_arrays()
        labels = self.district_labels
        try:
            dem = np.column_stack([cols[f"{election}_dem_{d}"] for d in labels]).astype(np.float64)
            rep = np.column_stack([cols[f"{election}_rep_{d}"] for d in labels]).astype(np.float64)
        except KeyError:
            names = [e["name"] for e in self.manifest.get("elections", [])]
            raise _redraw.RedrawError(
                f"election {election!r} is not recorded in this run (it records: {', '.join(names)})"
            ) from None
        return dem, rep

    # ---- plans ----

    def _assignments_path(self) -> str:
        self._require_complete()
        if not self.manifest.get("files", {}).get("assignments"):
            raise _redraw.RedrawError(
                f"the run in {self.path} recorded no plans (record='stats-only'): it has stats and no assignments"
            )
        return os.path.join(self.path, "assignments.bin")

    def assignments(self, batch: Optional[int] = None, with_index: bool = False) -> Iterator[Any]:
        """Streams the recorded plans in (chain, step) order, the order of stats.csv's rows
        (with ``record="thinned"`` the plans are those of every ``thin``-th step: match them
        to rows by chain and step). Delta records are decoded on the way.

        Yields a ``uint16`` array of district indices (one per node; labels in
        :attr:`district_labels`), or ``(chain, step, array)`` with ``with_index=True``. With
        ``batch=B``, yields ``(B, n)`` arrays (``(chains, steps, array)`` with ``with_index``).
        """
        it = _redraw.Assignments(self._assignments_path(), int(batch or 0))
        for item in it:
            if with_index:
                yield item
            else:
                yield item[2]

    def plan(self, i: int) -> np.ndarray:
        """Recorded plan ``i`` (row ``i`` of stats.csv unless ``record="thinned"``) as a
        ``uint16`` array. Fixed-size records are read directly; delta records are decoded from
        the start of the file (fast, but iterate :meth:`assignments` to visit many plans)."""
        path = self._assignments_path()
        total = len(self)
        if not 0 <= i < total:
            raise IndexError(f"plan {i} of a run with {total} plans")
        it = _redraw.Assignments(path, 0)
        it.skip(i)
        return next(it)[2]

    def partition(self, i: int, graph: Any = None, updaters: Optional[Mapping[str, Any]] = None):
        """Recorded plan ``i`` as a GerryChain ``Partition`` on ``graph`` (a GerryChain
        ``Graph``; by default ``gerrychain.Graph.from_json`` of the run's graph file). Parts
        are the run's district labels (ints when they are integers)."""
        from ._interop import to_partition

        return to_partition(self, self.plan(i), graph, updaters)

    def judge(
        self,
        plan: Any,
        *,
        elections: Elections = None,
        pop: Optional[str] = None,
        county: Optional[str] = None,
        county_prefix: int = 5,
        burn_in: int = 0,
        thin: int = 1,
        election_labels: Optional[Mapping[str, str]] = None,
        plan_name: Optional[str] = None,
    ) -> Dict[str, Any]:
        """Judges a plan against this ensemble (``redraw judge --format json`` as a dict):
        each metric's value, the ensemble's distribution, percentile and verdict, the plan's
        facts and the convergence diagnostics. ``plan``: a node column name, a plan CSV path,
        a GerryChain ``Partition``, a ``{node: district}`` mapping or one district per node.
        ``burn_in``/``thin`` are ``redraw judge``'s; ``election_labels`` says what each
        election is (``{"COMP": "DRA's 2016-2020 composite"}``); ``plan_name`` titles the
        plan (default: the CSV's file name or the column's name)."""
        self._require_complete()
        g = self.graph
        if isinstance(plan, (str, os.PathLike)) and os.path.isfile(os.fspath(plan)):
            labels = _csv_labels(g, os.fspath(plan))
            name = os.path.basename(os.fspath(plan))
        elif isinstance(plan, str):
            col = g.column(plan)
            labels = [_label(v) for v in (col.tolist() if hasattr(col, "tolist") else col)]
            name = plan
        else:
            labels, _ = _plan_labels(g, plan)
            name = "plan"
        text = _redraw.judge_json(
            self.path,
            g._g,
            labels,
            _elections(elections),
            pop,
            county,
            int(county_prefix),
            plan_name if plan_name is not None else name,
            int(burn_in),
            int(thin),
            list((election_labels or {}).items()),
        )
        return json.loads(text)


def _range_of(m: Mapping[str, Any]) -> Tuple[int, int]:
    shard = m.get("shard")
    if shard:
        a, b = shard["chain_range"]
        return int(a), int(b)
    return 0, int(m["params"]["chains"])


def _csv_labels(g: Graph, path: str) -> List[str]:
    """Per-node district labels from a ``unit id,district`` CSV (ids matched against the key
    column), read by the same code as ``redraw judge --plan``."""
    return g._g.plan_labels_from_csv(path)
