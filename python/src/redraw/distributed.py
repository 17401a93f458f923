"""Ensembles sharded across a cluster: ``redraw.distributed.ensemble(..., cluster="ray")``.

The run's chains are split into contiguous chain ranges; each range is one Ray task running
``redraw.ensemble(..., chain_range=(a, b))`` (a shard, which checkpoints like any run), and the
driver merges the shards with the engine's merge (:func:`redraw.merge`). Because a chain is a
function of ``(seed, chain index)`` only, the result is byte-identical to the run made on one
machine with the same arguments, however the shards were scheduled, retried or resumed.

Fault tolerance is Ray's: a task whose worker dies (killed, out of memory, node lost) is
retried up to ``max_retries`` times, and the retry resumes the shard from its last checkpoint
when it can see the shard's directory (always with a shared ``out``; on the same node
otherwise). Errors in the inputs are not retried.

No scheduler of redraw's own is involved: the same shards can be run by Slurm array jobs or by
hand with ``redraw ensemble --chain-range A..B`` and joined with ``redraw merge``
(``docs/python.md``, "Clusters").
"""

from __future__ import annotations

import glob
import hashlib
import json
import os
import shutil
import socket
import tempfile
import time
from typing import Any, Dict, List, Optional, Tuple, Union

from . import _redraw
from ._graph import Graph, PathLike
from ._run import GivenPlan, Run, _graph, _plan_labels
from ._run import ensemble as _ensemble
from ._run import merge as _merge

__all__ = ["ensemble", "chain_ranges"]

# The files of a finished run directory, returned as bytes when there is no shared directory.
_RUN_FILES = ("manifest.json", "stats.csv", "assignments.bin", "stats.parquet")


def chain_ranges(chains: int, shards: int) -> List[Tuple[int, int]]:
    """``shards`` contiguous chain ranges covering ``0..chains``, sizes differing by at most one
    (fewer ranges when there are fewer chains than shards)."""
    if chains < 1:
        raise _redraw.RedrawError("chains must be at least 1")
    if shards < 1:
        raise _redraw.RedrawError("shards must be at least 1")
    shards = min(shards, chains)
    base, extra = divmod(chains, shards)
    out, start = [], 0
    for i in range(shards):
        size = base + (1 if i < extra else 0)
        out.append((start, start + size))
        start += size
    return out


def _shard_name(r: Tuple[int, int]) -> str:
    return f"chains-{r[0]:05d}-{r[1]:05d}"


def _part_rows(shard_dir: str) -> int:
    """Stats rows already in the shard's chain part files (documented in docs/run-format.md):
    the work a resumed task does not redo (up to its checkpoints)."""
    rows = 0
    for part in glob.glob(os.path.join(shard_dir, "chains", "chain-*.csv")):
        with open(part, "rb") as f:
            rows += sum(chunk.count(b"\n") for chunk in iter(lambda: f.read(1 << 16), b""))
    return rows


def _run_shard(
    graph: Graph,
    kwargs: Dict[str, Any],
    chain_range: Tuple[int, int],
    shard_dir: str,
    return_bytes: bool,
) -> Dict[str, Any]:
    """The body of one Ray task: compute (or resume) one shard."""
    manifest = os.path.join(shard_dir, "manifest.json")
    resume = os.path.isfile(manifest)
    info: Dict[str, Any] = {
        "chain_range": list(chain_range),
        "shard_dir": shard_dir,
        "host": socket.gethostname(),
        "pid": os.getpid(),
        "resumed": resume,
        "resumed_rows": _part_rows(shard_dir) if resume else 0,
        "started": time.time(),
    }
    # Beside the shard (never inside: the shard directory holds only redraw's files), so
    # operators and tests can find the worker of a running shard.
    os.makedirs(os.path.dirname(shard_dir) or ".", exist_ok=True)
    with open(shard_dir + ".worker.json", "w", encoding="utf-8") as f:
        json.dump(info, f)
    _ensemble(graph, out=shard_dir, resume=resume, chain_range=chain_range, progress=False, **kwargs)
    info["finished"] = time.time()
    if return_bytes:
        files = {}
        for name in _RUN_FILES:
            path = os.path.join(shard_dir, name)
            if os.path.isfile(path):
                with open(path, "rb") as f:
                    files[name] = f.read()
        info["files"] = files
        shutil.rmtree(shard_dir, ignore_errors=True)
        try:
            os.remove(shard_dir + ".worker.json")
        except OSError:
            pass
    return info


def _run_id(graph: Graph, kwargs: Dict[str, Any]) -> str:
    """A name for node-local shard directories that a retried task finds again."""
    ident = json.dumps({"graph": graph.source, "kwargs": kwargs}, sort_keys=True, default=repr)
    return hashlib.sha256(ident.encode()).hexdigest()[:16]


def ensemble(
    graph: Any,
    *,
    cluster: str = "ray",
    shards: int = 2,
    chains: int,
    out: Optional[PathLike] = None,
    work_dir: Optional[PathLike] = None,
    address: Optional[str] = None,
    max_retries: int = 3,
    cpus_per_shard: float = 1,
    threads_per_shard: int = 1,
    parquet: bool = False,
    keep_shards: bool = False,
    ray_options: Optional[Dict[str, Any]] = None,
    progress: Optional[bool] = None,
    assignment: Any = None,
    **kwargs: Any,
) -> Union[Run, Dict[str, bytes]]:
    """Runs ``redraw.ensemble(graph, chains=chains, **kwargs)`` as ``shards`` chain ranges on a
    Ray cluster and merges them; byte-identical to the single-machine run.

    ``cluster``: ``"ray"``. Connects with ``ray.init(address=address)`` unless Ray is already
    initialised (``address=None`` uses ``RAY_ADDRESS`` or starts a local Ray).
    ``out``: a directory every node and the driver can see (NFS, a shared volume). Shards are
    written under ``work_dir`` (default ``OUT.shards`` beside it), merged into ``out`` and
    removed unless ``keep_shards``; returns the :class:`redraw.Run`, whose ``shards`` attribute
    lists each task's chain range, host, pid and whether it resumed an earlier attempt's shard.
    A retried task resumes its shard from the last checkpoint.
    Without ``out``: each task works in a node-local temporary directory (a retry on the same
    node resumes there) and returns its files; the driver merges them and returns the merged
    run's files as ``{"manifest.json": bytes, "stats.csv": bytes, "assignments.bin": bytes}``.

    Each task asks Ray for ``cpus_per_shard`` CPUs and runs its chains on ``threads_per_shard``
    threads; ``max_retries`` bounds Ray's retries of a task whose worker died; ``ray_options``
    adds Ray task options (``resources``, ``runtime_env``, ``scheduling_strategy``, ...). Every other
    keyword is :func:`redraw.ensemble`'s (``pop``, ``steps``, ``seed``, ``assignment``,
    ``elections``, ...); a ``plan=`` CSV path is read by each task, so it must be on storage every
    node sees (or pass the plan as ``assignment=``, converted once on the driver). ``progress``: a tqdm bar of finished shards (default: when tqdm is
    installed and the output is a terminal or a notebook).
    """
    if cluster != "ray":
        raise _redraw.RedrawError(
            f"cluster={cluster!r}: redraw runs distributed ensembles on Ray (cluster='ray'); for Slurm, "
            "run `redraw ensemble --chain-range` array jobs and `redraw merge` (docs/python.md)"
        )
    for k in ("chain_range", "resume", "threads", "progress"):
        if k in kwargs:
            raise _redraw.RedrawError(f"{k}= is set by redraw.distributed.ensemble for each shard; leave it out")
    try:
        import ray
    except ImportError as e:
        raise ImportError("redraw.distributed needs Ray: pip install 'ray>=2.9'") from e
    if not ray.is_initialized():
        ray.init(address=address)

    g = _graph(graph, kwargs.pop("key", "GEOID"))
    if assignment is not None and not isinstance(assignment, str):
        # Convert once on the driver: every shard records the same initial plan.
        assignment = GivenPlan(*_plan_labels(g, assignment))
    task_kwargs = dict(kwargs, chains=int(chains), assignment=assignment, threads=int(threads_per_shard))
    task_kwargs["parquet"] = False
    ranges = chain_ranges(int(chains), int(shards))

    if out is not None:
        out = os.path.abspath(os.fspath(out))
        if os.path.isfile(os.path.join(out, "manifest.json")):
            raise _redraw.RedrawError(f"{out} already holds a run (manifest.json exists); choose another out")
        base = os.path.abspath(os.fspath(work_dir)) if work_dir is not None else out + ".shards"
        os.makedirs(base, exist_ok=True)
        return_bytes = False
    else:
        base = os.path.join(tempfile.gettempdir(), "redraw-shards", _run_id(g, task_kwargs))
        return_bytes = True
    shard_dirs = [os.path.join(base, _shard_name(r)) for r in ranges]

    options: Dict[str, Any] = dict(
        num_cpus=cpus_per_shard, max_retries=int(max_retries), retry_exceptions=False, name="redraw-shard"
    )
    options.update(ray_options or {})
    task = ray.remote(_run_shard).options(**options)
    graph_ref = ray.put(g)
    refs = [task.remote(graph_ref, task_kwargs, r, d, return_bytes) for r, d in zip(ranges, shard_dirs)]
    bar = _bar(progress, len(refs))
    results: Dict[Any, Dict[str, Any]] = {}
    try:
        pending = list(refs)
        while pending:
            done, pending = ray.wait(pending, num_returns=1)
            for ref in done:
                results[ref] = ray.get(ref)
                if bar is not None:
                    bar.update(1)
    finally:
        if bar is not None:
            bar.close()
    infos = [results[r] for r in refs]

    if not return_bytes:
        run = _merge(shard_dirs, out, parquet=parquet)
        run._graph = g
        run.shards = [{k: v for k, v in i.items() if k != "files"} for i in infos]
        if not keep_shards:
            for d in shard_dirs:
                shutil.rmtree(d, ignore_errors=True)
                try:
                    os.remove(d + ".worker.json")
                except OSError:
                    pass
            if work_dir is None:
                try:
                    os.rmdir(base)
                except OSError:
                    pass
        return run

    with tempfile.TemporaryDirectory(prefix="redraw-merge-") as tmp:
        local = []
        for info, r in zip(infos, ranges):
            d = os.path.join(tmp, _shard_name(r))
            os.makedirs(d)
            for name, data in info["files"].items():
                with open(os.path.join(d, name), "wb") as f:
                    f.write(data)
            local.append(d)
        merged = os.path.join(tmp, "merged")
        _merge(local, merged, parquet=parquet)
        files = {}
        for name in _RUN_FILES:
            path = os.path.join(merged, name)
            if os.path.isfile(path):
                with open(path, "rb") as f:
                    files[name] = f.read()
    return files


def _bar(progress: Optional[bool], total: int):
    from ._run import _interactive

    if progress is False or (progress is None and not _interactive()):
        return None
    try:
        from tqdm.auto import tqdm
    except ImportError:
        if progress:
            raise ImportError("progress=True needs tqdm: pip install tqdm") from None
        return None
    return tqdm(total=total, unit="shard", desc="redraw shards")
