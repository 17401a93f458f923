"""Type stubs of the native module ``redraw._redraw`` (crates/redraw-py). The public API is
the ``redraw`` package around it; these are its building blocks."""

from os import PathLike
from typing import Any, Callable, Iterator, List, Optional, Sequence, Tuple, Union

import numpy as np
import numpy.typing as npt

_Path = Union[str, PathLike[str]]

__version__: str
PARQUET_AVAILABLE: bool

class RedrawError(Exception):
    """An error reported by redraw's library, with the command line's message."""

# ---- new state lines ----

def presets() -> List[Tuple[str, str]]:
    """``(id, scenario TOML)`` of every built-in preset."""

def scenario_json(
    target: str,
    toml_name: Optional[str] = None,
    census: Optional[int] = None,
    election_years: Optional[Sequence[int]] = None,
    method_name: str = "huntington-hill",
    house_size: int = 435,
    strict_contiguity: bool = False,
) -> Tuple[str, List[str]]:
    """``redraw scenario ... --format json`` and the resolver's warnings. ``target`` is a preset
    id, or TOML text when ``toml_name`` is given."""

def apportion_json(
    populations: Sequence[int], house_size: int = 435, method_name: str = "huntington-hill", with_margins: bool = False
) -> str: ...
def official_populations(year: int) -> List[Tuple[str, int, int]]:
    """``(state, apportionment population, seats)`` of the 50 states for 2000, 2010 or 2020."""

# ---- graphs ----

class Graph:
    @staticmethod
    def read(path: _Path, data: Optional[_Path] = None, key: str = "GEOID") -> "Graph": ...
    @staticmethod
    def from_networkx_json(text: str, origin: str, key: str = "GEOID") -> "Graph": ...
    @staticmethod
    def _from_state(state: bytes) -> "Graph": ...
    def __reduce__(self) -> Tuple[Any, Tuple[bytes]]: ...
    @property
    def node_count(self) -> int: ...
    @property
    def edge_count(self) -> int: ...
    @property
    def labels(self) -> List[str]: ...
    @property
    def columns(self) -> List[str]: ...
    @property
    def key(self) -> str: ...
    @property
    def notes(self) -> List[str]: ...
    @property
    def source_json(self) -> str: ...
    def column(self, name: str) -> Union[npt.NDArray[np.int64], npt.NDArray[np.float64], List[str]]: ...
    def edges(self) -> Tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]: ...
    def plan_labels_from_csv(self, path: _Path) -> List[str]: ...

# ---- ensembles ----

def parse_chain_range(s: str) -> Tuple[int, int]: ...
def run_ensemble(
    graph: Graph,
    out: _Path,
    *,
    pop: str,
    steps: int,
    districts: Optional[int] = None,
    tol: float = 0.02,
    chains: int = 1,
    seed: int = 0,
    elections: Sequence[Tuple[str, str, str]] = ...,
    assignment: Optional[str] = None,
    plan_csv: Optional[_Path] = None,
    initial_labels: Optional[Sequence[str]] = None,
    initial_info: Optional[str] = None,
    county: Optional[str] = None,
    county_prefix: Optional[int] = None,
    max_county_splits: Optional[int] = None,
    proposal: str = "recom",
    pair_selection: str = "cut-edge",
    tree_attempts: int = 100,
    balance_bound: int = 30,
    thin: int = 1,
    burn_in: int = 0,
    record: str = "every",
    compress: str = "delta",
    track: Sequence[str] = ...,
    threads: Optional[int] = None,
    checkpoint_every: int = 10000,
    resume: bool = False,
    parquet: bool = False,
    chain_range: Optional[Tuple[int, int]] = None,
    progress: Optional[Callable[[int, int], Any]] = None,
) -> str:
    """Runs or resumes an ensemble; returns the manifest JSON. Raises KeyboardInterrupt on
    Ctrl-C after every chain checkpointed."""

def merge_shards(shards: Sequence[_Path], out: _Path, parquet: bool = False) -> str: ...
def read_stats(
    path: _Path,
) -> Tuple[
    List[str],
    List[Union[npt.NDArray[np.int64], npt.NDArray[np.float64]]],
    List[Optional[npt.NDArray[np.bool_]]],
]: ...

class Assignments(Iterator[Any]):
    def __init__(self, path: _Path, batch: int = 0) -> None: ...
    @property
    def shape(self) -> Tuple[int, int, int]: ...
    def skip(self, m: int) -> None: ...
    def __iter__(self) -> "Assignments": ...
    def __next__(
        self,
    ) -> Union[
        Tuple[int, int, npt.NDArray[np.uint16]],
        Tuple[npt.NDArray[np.uint32], npt.NDArray[np.uint64], npt.NDArray[np.uint16]],
    ]: ...

# ---- judging and metrics ----

def judge_json(
    run_dir: _Path,
    graph: Graph,
    labels: Sequence[str],
    elections: Sequence[Tuple[str, str, str]] = ...,
    pop: Optional[str] = None,
    county: Optional[str] = None,
    county_prefix: int = 5,
    plan_name: str = "",
    burn_in: int = 0,
    thin: int = 1,
    election_labels: Sequence[Tuple[str, str]] = ...,
) -> str: ...
def partisan_metric(
    name: str, dem: npt.NDArray[np.float64], rep: npt.NDArray[np.float64]
) -> Union[float, npt.NDArray[np.float64]]: ...
