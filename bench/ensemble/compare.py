#!/usr/bin/env python3
"""Side-by-side ReCom benchmark: redraw vs GerryChain on the NC, PA and CA bench graphs.

Called by run.sh (which creates the virtualenv and builds redraw); see README.md. For each graph
it runs, one after the other (never concurrently):

  1. GerryChain (gerrychain_recom.py) for --gc-steps steps;
  2. redraw ensemble, 1 chain on 1 thread, for --redraw-steps steps;
  3. redraw ensemble, 2 chains on 2 threads, --redraw-steps steps per chain;

and measures wall time and each process's own peak RSS with GNU time (`/usr/bin/time -f %M`,
Debian package `time`). os.wait4's ru_maxrss is used only when GNU time is missing, and is then
an overestimate for small processes: Linux carries a process's peak RSS across fork and exec,
so a child of this Python driver never reports less than the driver's own ~14 MB (this is why
GNU time, a small C program, is the launcher). It prints one table with steps/s,
peak memory, the ratios to GerryChain and the frcw anchor figures from issue 4, and writes the
raw measurements as JSON under bench/out/.
"""

import argparse
import datetime
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent

# Issue 4's anchors, measured on this 2-core machine with the same graphs and seed plans:
# (GerryChain 1.0 steps/s, frcw 1-thread steps/s, frcw 2-thread steps/s, frcw peak RSS MB).
ANCHORS = {
    "NC": (58, 3700, 2400, 19),
    "PA": (20, 1070, 740, 56),
    "CA": (17, 980, 640, 131),
}


def loadavg() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f}"


def run_measured(cmd, cwd=None):
    """Runs cmd; returns (stdout, stderr, wall seconds, peak RSS MB of that process)."""
    gnu_time = shutil.which("time", path="/usr/bin:/bin")
    rss_file = None
    if gnu_time:
        fd, rss_file = tempfile.mkstemp(prefix="bench-rss-")
        os.close(fd)
        cmd = [gnu_time, "-f", "%M", "-o", rss_file, *map(str, cmd)]
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    # communicate() would reap the child itself; read the pipes first, then wait4 for its rusage.
    out, err = proc.stdout.read(), proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        sys.stderr.write(f"\nbench: command failed (exit {proc.returncode}): {' '.join(map(str, cmd))}\n{err}\n")
        raise SystemExit(1)
    if rss_file:
        with open(rss_file) as f:
            rss_mb = int(f.read().split()[-1]) / 1024.0
        os.unlink(rss_file)
    else:
        rss_mb = usage.ru_maxrss / 1024.0
    return out, err, wall, rss_mb


def gerrychain(python, graph, steps, seed, tol):
    cmd = [python, str(HERE / "gerrychain_recom.py"), str(graph), "--steps", str(steps), "--seed", str(seed),
           "--tol", str(tol)]
    load = loadavg()
    out, _, wall, rss = run_measured(cmd)
    rep = json.loads(out.strip().splitlines()[-1])
    return {
        "tool": "gerrychain " + rep["version"],
        "config": "1 chain",
        "steps": steps,
        "seconds": rep["seconds"],
        "steps_per_s": rep["steps_per_s"],
        "load_s": rep["load_s"],
        "wall_s": round(wall, 3),
        "peak_rss_mb": round(rss, 1),
        "accepted": rep["accepted"],
        "loadavg_before": load,
    }


def redraw(binary, graph, steps, chains, threads, seed, tol, thin, outdir):
    run_dir = outdir / f"run-{graph.stem}-c{chains}-t{threads}"
    if run_dir.exists():
        shutil.rmtree(run_dir)
    cmd = [str(binary), "ensemble", "--graph", str(graph), "--pop", "TOTAL_POP", "--assignment", "district",
           "--tol", str(tol), "--steps", str(steps), "--chains", str(chains), "--threads", str(threads),
           "--seed", str(seed), "--thin", str(thin), "--out", str(run_dir)]
    load = loadavg()
    _, err, wall, rss = run_measured(cmd)
    total = steps * chains
    shutil.rmtree(run_dir, ignore_errors=True)
    # redraw reports the time of the run itself (chain steps, statistics, output and
    # checkpoints), excluding graph loading, like GerryChain's loop timing above.
    m = re.search(r"(\d+) steps in ([0-9.]+) s .*input loaded in ([0-9.]+) s", err)
    chain_s = float(m.group(2)) if m else wall
    return {
        "tool": "redraw",
        "config": f"{chains} chain{'s' if chains > 1 else ''}, {threads} thread{'s' if threads > 1 else ''}",
        "steps": total,
        "seconds": round(chain_s, 3),
        "steps_per_s": round(total / chain_s, 1),
        "load_s": float(m.group(3)) if m else None,
        "wall_s": round(wall, 3),
        "steps_per_s_wall": round(total / wall, 1),
        "peak_rss_mb": round(rss, 1),
        "loadavg_before": load,
        "command": " ".join(cmd),
    }


def best_of(repeat, measure):
    """The fastest of `repeat` runs, with every run's figures kept under "all_runs"."""
    runs = [measure() for _ in range(max(1, repeat))]
    best = dict(max(runs, key=lambda r: r["steps_per_s"]))
    if len(runs) > 1:
        best["all_runs"] = runs
    return best


def fmt_int(x):
    return f"{x:,.0f}"


def table(results):
    head = ("| graph | run | steps | time (s) | steps/s | peak RSS (MB) | steps/s ÷ GerryChain | RSS ÷ GerryChain "
            "| frcw anchor steps/s | steps/s ÷ frcw | frcw RSS (MB) | RSS ÷ frcw | load avg before |")
    lines = [head, "|" + "|".join(["---"] * 13) + "|"]
    for state, runs in results.items():
        gc = runs[0]
        gc_anchor, frcw1, frcw2, frcw_rss = ANCHORS[state]
        for r in runs:
            is_gc = r["tool"].startswith("gerrychain")
            two = "2 threads" in r["config"]
            frcw = None if is_gc else (frcw2 if two else frcw1)
            lines.append("| " + " | ".join([
                state,
                f"{r['tool']} ({r['config']})",
                fmt_int(r["steps"]),
                f"{r['seconds']:.2f}",
                fmt_int(r["steps_per_s"]) if r["steps_per_s"] >= 100 else f"{r['steps_per_s']:.1f}",
                f"{r['peak_rss_mb']:.0f}",
                "1" if is_gc else f"{r['steps_per_s'] / gc['steps_per_s']:.0f}×",
                "1" if is_gc else f"{r['peak_rss_mb'] / gc['peak_rss_mb']:.2f}",
                f"{gc_anchor} (GerryChain)" if is_gc else fmt_int(frcw),
                "" if is_gc else f"{r['steps_per_s'] / frcw:.2f}×",
                "" if is_gc else f"{frcw_rss}",
                "" if is_gc else f"{r['peak_rss_mb'] / frcw_rss:.2f}",
                r["loadavg_before"],
            ]) + " |")
    return "\n".join(lines)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--python", required=True, help="the virtualenv's python with gerrychain installed")
    ap.add_argument("--redraw", required=True, help="path of the release redraw binary")
    ap.add_argument("--data", required=True, help="the shared data directory (holding graphs/bench)")
    ap.add_argument("--states", default="NC,PA,CA")
    ap.add_argument("--gc-steps", type=int, default=200, help="GerryChain steps per graph (default 200)")
    ap.add_argument("--redraw-steps", type=int, default=20000, help="redraw steps per chain (default 20000)")
    ap.add_argument("--thin", type=int, default=100,
                    help="redraw: record every T-th plan (default 100, so CA's assignments stay ~5 MB)")
    ap.add_argument("--seed", type=int, default=2024)
    ap.add_argument("--tol", type=float, default=0.02)
    ap.add_argument("--repeat", type=int, default=1,
                    help="run each measurement R times and keep the fastest (other work on a shared machine only "
                         "ever slows a run down); all runs are kept in the JSON")
    ap.add_argument("--skip-redraw", action="store_true", help="only measure GerryChain")
    ap.add_argument("--skip-gerrychain", action="store_true", help="only measure redraw")
    ap.add_argument("--out", default=str(REPO / "bench" / "out"), help="directory for the JSON results")
    args = ap.parse_args()

    outdir = Path(args.out)
    outdir.mkdir(parents=True, exist_ok=True)
    states = [s.strip().upper() for s in args.states.split(",") if s.strip()]
    for s in states:
        if s not in ANCHORS:
            ap.error(f"unknown state {s!r}; the bench graphs are {', '.join(ANCHORS)}")
    results = {}
    for s in states:
        graph = Path(args.data) / "graphs" / "bench" / f"{s}.json"
        if not graph.is_file():
            sys.stderr.write(f"bench: {graph} is missing (set REDRAW_DATA_DIR to the shared data directory)\n")
            return 1
        runs = []
        if not args.skip_gerrychain:
            print(f"[{s}] GerryChain, {args.gc_steps} steps (load avg {loadavg()}) ...", file=sys.stderr, flush=True)
            runs.append(best_of(args.repeat, lambda: gerrychain(args.python, graph, args.gc_steps, args.seed, args.tol)))
        if not args.skip_redraw:
            for chains, threads in [(1, 1), (2, 2)]:
                print(f"[{s}] redraw, {chains} chain(s) x {args.redraw_steps} steps on {threads} thread(s) "
                      f"(load avg {loadavg()}) ...", file=sys.stderr, flush=True)
                runs.append(best_of(args.repeat, lambda: redraw(args.redraw, graph, args.redraw_steps, chains,
                                                                threads, args.seed, args.tol, args.thin, outdir)))
        results[s] = runs

    stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    doc = {
        "when_utc": stamp,
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version()},
        "settings": vars(args),
        "anchors": {k: dict(zip(["gerrychain_steps_per_s", "frcw_1t", "frcw_2t", "frcw_rss_mb"], v))
                    for k, v in ANCHORS.items()},
        "results": results,
    }
    path = outdir / f"ensemble-{stamp}.json"
    path.write_text(json.dumps(doc, indent=2) + "\n")
    if not args.skip_gerrychain and not args.skip_redraw:
        print(table(results))
    else:
        for s, runs in results.items():
            for r in runs:
                print(f"{s}: {r['tool']} ({r['config']}): {r['steps_per_s']} steps/s, "
                      f"peak RSS {r['peak_rss_mb']} MB (load avg {r['loadavg_before']})")
    print(f"\nraw results: {path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
