"""redraw: what happens to American representation when lines are redrawn.

The Python face of redraw's Rust library (not of its command line):

* New state lines: :func:`scenario` (a preset such as ``"six-californias"`` or a scenario TOML),
  :func:`scenarios`, :func:`apportion` (Huntington-Hill and the classic methods).
* New district lines: :class:`Graph` (networkx JSON, rdabase, edge lists, any networkx or
  GerryChain graph), :func:`ensemble` (ReCom, reversible ReCom, flip) returning a :class:`Run`
  whose stats come as pandas or pyarrow, plans as numpy ``uint16`` arrays, and plans as
  GerryChain ``Partition`` objects; :meth:`Run.judge`; :mod:`redraw.metrics` on numpy arrays.
* Sharded runs: ``ensemble(..., chain_range=(a, b))``, :func:`merge`, and
  :func:`redraw.distributed.ensemble` on a Ray cluster.

Errors raised by the library are :class:`RedrawError` with the command line's message. Long
calls release the GIL. Ctrl-C during :func:`ensemble` stops every chain at a checkpoint and
raises ``KeyboardInterrupt``; the same call with ``resume=True`` finishes the run with the bytes
an uninterrupted run writes.
"""

from ._redraw import RedrawError, __version__
from ._graph import Graph
from ._national import apportion, scenario, scenarios
from ._run import Run, ensemble, merge, open_run
from . import metrics

__all__ = [
    "Graph",
    "RedrawError",
    "Run",
    "apportion",
    "ensemble",
    "merge",
    "metrics",
    "open_run",
    "scenario",
    "scenarios",
    "__version__",
]
