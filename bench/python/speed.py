#!/usr/bin/env python3
"""Speed of the Python package, side by side with its peers, in one run (bench/python/run.sh).

A. The sampler called from Python against the CLI on the same run: PA precincts
   (REDRAW_DATA_DIR/graphs/bench/PA.json), ReCom, 20,000 steps, one chain, alternating
   process launches (`redraw ensemble ...` and `python -c "import redraw; redraw.ensemble(...)"`)
   so load drifts hit both. Wall time of the whole process (interpreter start, import, graph
   load and run), and the run alone as each reports it.
B. redraw.distributed on a real local Ray cluster of two 1-CPU nodes: the same sharded PA run
   (4 chains, 2 shards) with both shards pinned to one node (one worker) and free to use both
   (two workers), alternating.

Prints the figures, the machine's load average before and after, and the ratios.
"""

import json
import os
import resource
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

DATA = os.environ.get("REDRAW_DATA_DIR") or os.path.join(os.path.dirname(__file__), "..", "..", "..", "shared", "data")
PA = os.path.abspath(os.path.join(DATA, "graphs", "bench", "PA.json"))
ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
CLI = os.environ.get("REDRAW_BIN") or os.path.join(ROOT, "target", "release", "redraw")
REPEAT = int(os.environ.get("REPEAT", "5"))
STEPS = 20_000


def load() -> str:
    return "load average %.2f %.2f %.2f" % os.getloadavg()


def part_a(tmp: str) -> None:
    flags = ["--pop", "TOTAL_POP", "--assignment", "district", "--steps", str(STEPS), "--chains", "1", "--seed", "1",
             "--election", "PRES=DEM_VOTES,REP_VOTES"]
    py = (
        "import sys, time, redraw\n"
        "t = time.perf_counter()\n"
        f"redraw.ensemble({PA!r}, pop='TOTAL_POP', assignment='district', steps={STEPS}, chains=1, seed=1,\n"
        "    elections={'PRES': ('DEM_VOTES', 'REP_VOTES')}, out=sys.argv[1], progress=False)\n"
        "print('call %.3f' % (time.perf_counter() - t), file=sys.stderr)\n"
    )
    cli_wall, py_wall, cli_run, py_call, cli_cpu, py_cpu = [], [], [], [], [], []
    for i in range(REPEAT + 1):
        for which in ("cli", "py") if i % 2 == 0 else ("py", "cli"):
            out = os.path.join(tmp, f"{which}-{i}")
            r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
            t = time.perf_counter()
            if which == "cli":
                p = subprocess.run([CLI, "ensemble", "--graph", PA, *flags, "--out", out], capture_output=True, text=True)
            else:
                p = subprocess.run([sys.executable, "-c", py, out], capture_output=True, text=True)
            wall = time.perf_counter() - t
            r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu = (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
            if p.returncode != 0:
                sys.exit(f"{which} failed: {p.stderr}")
            if i == 0:
                continue  # warm-up: page cache, first import
            if which == "cli":
                cli_cpu.append(cpu)
                cli_wall.append(wall)
                # "20000 steps in 3.21 s (...)" on stderr
                cli_run.append(float(p.stderr.split(" steps in ")[1].split(" s")[0]))
            else:
                py_cpu.append(cpu)
                py_wall.append(wall)
                py_call.append(float(p.stderr.split("call ")[1].split()[0]))
    same = all(open(os.path.join(tmp, f"cli-1", f), "rb").read() == open(os.path.join(tmp, f"py-1", f), "rb").read()
               for f in ("manifest.json", "stats.csv", "assignments.bin"))
    m = statistics.median
    print(f"A. PA, recom, 1 chain x {STEPS} steps, {REPEAT} alternating runs each (medians); same bytes: {same}")
    print(f"   whole process: CLI {m(cli_wall):.3f} s, Python {m(py_wall):.3f} s -> Python/CLI = {m(py_wall) / m(cli_wall):.3f}")
    print(f"   the run: CLI run {m(cli_run):.3f} s (its own timing, after the graph load); "
          f"Python ensemble() call {m(py_call):.3f} s (graph load included)")
    print(f"   CPU time (user+sys) of the whole process: CLI {m(cli_cpu):.3f} s, Python {m(py_cpu):.3f} s "
          f"-> Python/CLI = {m(py_cpu) / m(cli_cpu):.3f}")
    print(f"   CLI walls: {' '.join('%.3f' % x for x in cli_wall)}")
    print(f"   Python walls: {' '.join('%.3f' % x for x in py_wall)}")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def part_b(tmp: str) -> None:
    import ray

    import redraw.distributed as rd

    ray_bin = os.path.join(os.path.dirname(sys.executable), "ray")
    port = free_port()
    temp = f"/tmp/rdb-{os.getpid()}"
    common = ["--num-cpus=1", "--object-store-memory=300000000", "--disable-usage-stats", "--block"]
    # Two worker nodes of one CPU each. "One worker" pins both shards to node 0 through a custom
    # resource (they then run one after the other); "two workers" lets Ray use both nodes. The
    # two configurations alternate, so a change in the machine's load hits both.
    nodes = [subprocess.Popen([ray_bin, "start", "--head", "--node-ip-address=127.0.0.1", f"--port={port}",
                               "--include-dashboard=false", f"--temp-dir={temp}", '--resources={"node0": 1}',
                               *common], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              start_new_session=True)]
    try:
        for _ in range(240):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.5)
        nodes.append(subprocess.Popen([ray_bin, "start", f"--address=127.0.0.1:{port}", "--node-ip-address=127.0.0.1",
                                       *common], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                      start_new_session=True))
        ray.init(address=f"127.0.0.1:{port}", logging_level="WARNING")
        while ray.cluster_resources().get("CPU", 0) < 2:
            time.sleep(0.5)
        steps = int(os.environ.get("RAY_STEPS", "25000"))
        kw = dict(pop="TOTAL_POP", assignment="district", steps=steps, thin=10, seed=3,
                  elections={"PRES": ("DEM_VOTES", "REP_VOTES")}, progress=False)

        def timed(name: str, workers: int) -> float:
            out = os.path.join(tmp, name)
            opts = {"resources": {"node0": 0.5}} if workers == 1 else None
            t = time.perf_counter()
            rd.ensemble(PA, shards=2, chains=4, out=out, ray_options=opts, **kw)
            return time.perf_counter() - t

        # The ceiling the machine allows right now: the same two shards as plain CLI processes
        # (no Ray), one after the other and side by side.
        flags = ["--graph", PA, "--pop", "TOTAL_POP", "--assignment", "district", "--steps", str(steps), "--thin", "10",
                 "--seed", "3", "--chains", "4", "--election", "PRES=DEM_VOTES,REP_VOTES", "--threads", "1"]

        def cli_shards(name: str, parallel: bool) -> float:
            cmds = [[CLI, "ensemble", *flags, "--chain-range", r, "--out", os.path.join(tmp, f"{name}-{r}")]
                    for r in ("0..2", "2..4")]
            t = time.perf_counter()
            if parallel:
                ps = [subprocess.Popen(c, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for c in cmds]
                assert all(p.wait() == 0 for p in ps)
            else:
                for c in cmds:
                    subprocess.run(c, check=True, capture_output=True)
            return time.perf_counter() - t

        timed("warm1", 1)
        timed("warm2", 2)
        one, two, seq, par = [], [], [], []
        for i in range(int(os.environ.get("RAY_REPEAT", "3"))):
            one.append(timed(f"one-{i}", 1))
            two.append(timed(f"two-{i}", 2))
            seq.append(cli_shards(f"seq-{i}", False))
            par.append(cli_shards(f"par-{i}", True))
        same = open(os.path.join(tmp, "one-0", "assignments.bin"), "rb").read() == open(
            os.path.join(tmp, "two-0", "assignments.bin"), "rb").read()
        m = statistics.median
        print(f"B. Ray, PA, recom, 4 chains x {steps} steps as 2 shards, {len(one)} alternating runs each "
              f"(medians; same bytes: {same})")
        print(f"   1 worker (both shards on one 1-CPU node): {m(one):.2f} s; 2 workers (two 1-CPU nodes): "
              f"{m(two):.2f} s -> speed-up {m(one) / m(two):.2f}x")
        print(f"   1 worker: {' '.join('%.2f' % x for x in one)}; 2 workers: {' '.join('%.2f' % x for x in two)}")
        print(f"   the machine's ceiling meanwhile, the same 2 shards as CLI processes without Ray: one after the "
              f"other {m(seq):.2f} s, side by side {m(par):.2f} s -> {m(seq) / m(par):.2f}x")
    finally:
        if ray.is_initialized():
            ray.shutdown()
        for p in reversed(nodes):
            p.terminate()
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
        subprocess.run(["rm", "-rf", temp])


if __name__ == "__main__":
    print(load(), "(before)")
    with tempfile.TemporaryDirectory() as tmp:
        if os.environ.get("PART", "AB") .find("A") >= 0:
            part_a(tmp)
            print(load())
        if os.environ.get("PART", "AB").find("B") >= 0:
            part_b(tmp)
    print(load(), "(after)")
