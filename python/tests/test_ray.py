"""A real local Ray cluster (a head node and one more worker node, each a separate `ray start`
process with one CPU) runs a sharded PA ensemble; one task is killed mid-way with SIGKILL, Ray
retries it, the retry resumes the shard from its checkpoint, and the merged run is compared
byte for byte with the single-machine run. The cluster is stopped afterwards.

Ray binds every interface and resolves "127.0.0.1" to the machine's outward address, so this
test runs only in a network namespace whose sole interface is loopback (`.ci/python.sh` runs it
under `unshare --net`); set REDRAW_RAY_HOST_NETWORK=1 to run it on the host network anyway."""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

import redraw
from conftest import run_files

ray = pytest.importorskip("ray")
import redraw.distributed as rd  # noqa: E402

START_TIMEOUT = 90


def _only_loopback() -> bool:
    try:
        with open("/proc/net/route") as f:
            routes = f.read().splitlines()[1:]
    except OSError:
        return False
    return all(r.split()[0] == "lo" for r in routes if r.strip())


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _stop(p: subprocess.Popen) -> None:
    """`ray start --block` stops the node's processes when it gets SIGTERM; the process group
    is killed as a fallback (each node was started in its own session)."""
    if p.poll() is None:
        p.terminate()
        try:
            p.wait(timeout=30)
        except subprocess.TimeoutExpired:
            pass
    try:
        os.killpg(p.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    if not _only_loopback() and os.environ.get("REDRAW_RAY_HOST_NETWORK") != "1":
        pytest.skip("run in a loopback-only network namespace (.ci/python.sh) or set REDRAW_RAY_HOST_NETWORK=1")
    ray_bin = os.path.join(os.path.dirname(sys.executable), "ray")
    port = _free_port()
    # Ray's unix socket paths must stay short.
    temp = f"/tmp/rdr-{os.getpid()}"
    logs = tmp_path_factory.mktemp("ray-logs")
    common = ["--num-cpus=1", "--object-store-memory=300000000", "--disable-usage-stats", "--block"]
    env = dict(os.environ, RAY_USAGE_STATS_ENABLED="0")
    head = subprocess.Popen(
        [ray_bin, "start", "--head", "--node-ip-address=127.0.0.1", f"--port={port}", "--include-dashboard=false",
         f"--temp-dir={temp}", *common],
        stdout=open(logs / "head.log", "w"), stderr=subprocess.STDOUT, start_new_session=True, env=env,
    )
    nodes = [head]
    try:
        deadline = time.time() + START_TIMEOUT
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.time() > deadline or head.poll() is not None:
                    pytest.fail(f"the Ray head did not start: {(logs / 'head.log').read_text()[-2000:]}")
                time.sleep(0.5)
        worker = subprocess.Popen(
            [ray_bin, "start", f"--address=127.0.0.1:{port}", "--node-ip-address=127.0.0.1", *common],
            stdout=open(logs / "worker.log", "w"), stderr=subprocess.STDOUT, start_new_session=True, env=env,
        )
        nodes.append(worker)
        ray.init(address=f"127.0.0.1:{port}", logging_level="WARNING")
        while len([n for n in ray.nodes() if n["Alive"]]) < 2:
            if time.time() > deadline:
                pytest.fail(f"the second Ray node did not join: {(logs / 'worker.log').read_text()[-2000:]}")
            time.sleep(0.5)
        assert ray.cluster_resources().get("CPU") == 2
        yield port
    finally:
        if ray.is_initialized():
            ray.shutdown()
        for p in reversed(nodes):
            _stop(p)
        shutil.rmtree(temp, ignore_errors=True)


KW = dict(
    pop="TOTAL_POP", assignment="district", tol=0.02, steps=4000, thin=4, seed=17,
    elections={"PRES": ("DEM_VOTES", "REP_VOTES")}, county_prefix=5, checkpoint_every=500,
)


def test_sharded_pa_ensemble_survives_a_killed_task(cluster, tmp_path, pa):
    out = tmp_path / "dist"
    shard0 = Path(str(out) + ".shards") / "chains-00000-00002"
    result = {}

    def drive():
        try:
            result["run"] = rd.ensemble(pa, shards=2, chains=4, out=out, progress=False, max_retries=3, **KW)
        except BaseException as e:  # noqa: BLE001 - reported by the test
            result["error"] = e

    t0 = time.time()
    driver = threading.Thread(target=drive)
    driver.start()
    # Kill shard 0's worker once its first checkpoint is on disk, mid-way through its chains.
    worker_file = Path(str(shard0) + ".worker.json")
    ckpt = shard0 / "chains" / "chain-00000.ckpt"
    deadline = time.time() + 120
    while not (worker_file.exists() and ckpt.exists()):
        assert time.time() < deadline and driver.is_alive(), f"shard 0 never checkpointed: {result}"
        time.sleep(0.01)
    first = json.loads(worker_file.read_text())
    assert first["resumed"] is False
    os.kill(first["pid"], signal.SIGKILL)
    killed_at = time.time() - t0
    driver.join(timeout=300)
    assert not driver.is_alive(), "the distributed run did not finish"
    assert "error" not in result, result.get("error")
    run = result["run"]
    elapsed = time.time() - t0

    # Ray retried shard 0 on a new worker, which resumed from the checkpoint.
    info0 = run.shards[0]
    assert info0["chain_range"] == [0, 2]
    assert info0["pid"] != first["pid"] and info0["resumed"] is True and info0["resumed_rows"] > 0, info0
    assert run.shards[1]["resumed"] is False
    assert not Path(str(out) + ".shards").exists(), "shards are removed after the merge"

    single = redraw.ensemble(pa, chains=4, out=tmp_path / "single", progress=False, **KW)
    assert run_files(out) == run_files(single.path)
    assert run.manifest["results"] == single.manifest["results"]

    # Without a shared directory the merged files come back as bytes.
    files = rd.ensemble(pa, shards=2, chains=4, progress=False, **KW)
    assert {k: files[k] for k in ("manifest.json", "stats.csv", "assignments.bin")} == run_files(single.path)
    print(
        f"\nray: 2 nodes; sharded PA run (4 chains x {KW['steps']} steps, 2 shards) with shard 0's worker "
        f"(pid {first['pid']}) killed at {killed_at:.1f} s; retried on pid {info0['pid']}, resumed with "
        f"{info0['resumed_rows']} recorded rows kept; finished in {elapsed:.1f} s; merged bytes equal the "
        f"single-machine run ({len(files['assignments.bin'])} bytes of plans)"
    )
