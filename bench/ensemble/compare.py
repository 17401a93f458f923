#!/usr/bin/env python3
"""Side-by-side ReCom benchmark: redraw vs GerryChain on the NC, PA and CA bench graphs, with
redraw in each recording mode.

Called by run.sh (which creates the virtualenv and builds redraw); see README.md. For each graph
it runs, one after the other (never concurrently):

  1. GerryChain (gerrychain_recom.py) for --gc-steps steps;
  2. redraw ensemble, 1 chain on 1 thread, then 2 chains on 2 threads, --redraw-steps steps per
     chain, in each recording mode of --modes (stats-only, every, every-raw, thin-100); the
     modes take turns within each repetition, so a change in the machine's load hits them alike;

and measures whole-process wall time (graph loading and the final merge included) and each
process's own peak RSS with GNU time (`/usr/bin/time -f %M`, Debian package `time`).
os.wait4's ru_maxrss is used only when GNU time is missing, and is then an overestimate for
small processes: Linux carries a process's peak RSS across fork and exec, so a child of this
Python driver never reports less than the driver's own ~14 MB (this is why GNU time, a small C
program, is the launcher). It prints two Markdown tables (every run; then the README's summary,
with the date, the command and the load) and writes the raw measurements as JSON under
bench/out/.
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


# Recording modes: name -> (redraw flags, what is written). Every mode records an election, as a
# real study does, so each stats.csv row carries per-district vote tallies.
MODES = {
    "stats-only": (["--record", "stats-only"], "a stats row every step, no plans"),
    "every": (["--record", "every"], "a row and the plan every step (delta records, the default)"),
    "every-raw": (["--record", "every", "--compress", "none"],
                  "a row and the plan every step, fixed-size records (what every run wrote before)"),
    "thin-100": (["--thin", "100"], "a row and the plan every 100th step"),
}


def redraw(binary, graph, steps, chains, threads, seed, tol, mode, outdir):
    run_dir = outdir / f"run-{graph.stem}-c{chains}-t{threads}-{mode}"
    if run_dir.exists():
        shutil.rmtree(run_dir)
    cmd = [str(binary), "ensemble", "--graph", str(graph), "--pop", "TOTAL_POP", "--assignment", "district",
           "--tol", str(tol), "--steps", str(steps), "--chains", str(chains), "--threads", str(threads),
           "--seed", str(seed), "--election", "PRES=DEM_VOTES,REP_VOTES", *MODES[mode][0],
           "--out", str(run_dir), "--format", "json"]
    load = loadavg()
    _, err, wall, rss = run_measured(cmd)
    total = steps * chains
    sizes = {f.name: f.stat().st_size for f in run_dir.iterdir() if f.is_file()}
    shutil.rmtree(run_dir, ignore_errors=True)
    # redraw also reports the time of the run itself (chains, statistics, output, checkpoints
    # and merge), excluding graph loading; the table uses the whole process.
    m = re.search(r"steps in ([0-9.]+) s .*input loaded in ([0-9.]+) s", err)
    return {
        "tool": "redraw",
        "mode": mode,
        "config": f"{chains} chain{'s' if chains > 1 else ''}, {threads} thread{'s' if threads > 1 else ''}",
        "threads": threads,
        "steps": total,
        "seconds": round(wall, 3),
        "steps_per_s": round(total / wall, 1),
        "run_s": float(m.group(1)) if m else None,
        "load_s": float(m.group(2)) if m else None,
        "peak_rss_mb": round(rss, 1),
        "stats_bytes": sizes.get("stats.csv", 0),
        "assignments_bytes": sizes.get("assignments.bin", 0),
        "loadavg_before": load,
        "command": " ".join(cmd),
    }


def best_of(repeat, measure):
    """The fastest of `repeat` runs, with every run's figures kept under "all_runs"."""
    return fastest([measure() for _ in range(max(1, repeat))])


def fastest(runs):
    best = dict(max(runs, key=lambda r: r["steps_per_s"]))
    if len(runs) > 1:
        best["all_runs"] = runs
    return best


def mb(x):
    return f"{x / 1e6:,.1f}" if x < 1e8 else f"{x / 1e6:,.0f}"


def fmt_int(x):
    return f"{x:,.0f}"


def table(results):
    """Every run: whole-process wall time, throughput, output, memory, and the cost of each
    recording mode against stats-only at the same thread count."""
    head = ("| graph | run | recording | steps | wall (s) | steps/s | vs stats-only | stats.csv (MB) "
            "| assignments.bin (MB) | peak RSS (MB) | load avg before |")
    lines = [head, "|" + "|".join(["---"] * 11) + "|"]
    for state, runs in results.items():
        base = {r["threads"]: r for r in runs if r.get("mode") == "stats-only"}
        for r in runs:
            is_gc = r["tool"].startswith("gerrychain")
            b = None if is_gc else base.get(r["threads"])
            cost = "" if is_gc or b is None else f"{(r['seconds'] / r['steps'] * b['steps'] / b['seconds'] - 1) * 100:+.1f} %"
            lines.append("| " + " | ".join([
                state,
                f"{r['tool']} ({r['config']})",
                "chain loop only" if is_gc else r["mode"],
                fmt_int(r["steps"]),
                f"{r['seconds']:.2f}",
                fmt_int(r["steps_per_s"]) if r["steps_per_s"] >= 100 else f"{r['steps_per_s']:.1f}",
                cost,
                "" if is_gc else mb(r["stats_bytes"]),
                "" if is_gc else mb(r["assignments_bytes"]),
                f"{r['peak_rss_mb']:.0f}",
                r["loadavg_before"],
            ]) + " |")
    return "\n".join(lines)


def summary(results, modes, header):
    """The README's table: steps/s of the whole process per recording mode and thread count,
    GerryChain beside it, and the compression ratio of `every` (delta) against `every-raw`."""
    cols = [(t, m) for t in (1, 2) for m in modes]
    names = {1: "1 thread", 2: "2 threads"}
    head = "| graph | GerryChain 1.0 | " + " | ".join(f"{names[t]}, {m}" for t, m in cols)
    has_ratio = "every" in modes and "every-raw" in modes
    head += " | plans: delta vs raw |" if has_ratio else " |"
    lines = [header, "", head, "|---|" + "---:|" * (len(cols) + 1) + ("---:|" if has_ratio else "")]
    for state, runs in results.items():
        gc = next((r for r in runs if r["tool"].startswith("gerrychain")), None)
        by = {(r["threads"], r["mode"]): r for r in runs if r["tool"] == "redraw"}
        cells = [state, f"{gc['steps_per_s']:.1f}" if gc else "–"]
        for t, m in cols:
            r = by.get((t, m))
            cells.append(fmt_int(r["steps_per_s"]) if r else "–")
        if has_ratio:
            d, raw = by.get((1, "every")), by.get((1, "every-raw"))
            if d and raw and d["assignments_bytes"]:
                cells.append(f"{mb(d['assignments_bytes'])} vs {mb(raw['assignments_bytes'])} MB "
                             f"({raw['assignments_bytes'] / d['assignments_bytes']:.0f}×)")
            else:
                cells.append("–")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--python", required=True, help="the virtualenv's python with gerrychain installed")
    ap.add_argument("--redraw", required=True, help="path of the release redraw binary")
    ap.add_argument("--data", required=True, help="the shared data directory (holding graphs/bench)")
    ap.add_argument("--states", default="NC,PA,CA")
    ap.add_argument("--gc-steps", type=int, default=200, help="GerryChain steps per graph (default 200)")
    ap.add_argument("--redraw-steps", type=int, default=20000, help="redraw steps per chain (default 20000)")
    ap.add_argument("--modes", default="stats-only,every,every-raw,thin-100",
                    help="redraw recording modes to run side by side: " + ", ".join(
                        f"{k} ({v[1]})" for k, v in MODES.items()))
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
    modes = [m.strip() for m in args.modes.split(",") if m.strip()]
    for m in modes:
        if m not in MODES:
            ap.error(f"unknown mode {m!r}; the modes are {', '.join(MODES)}")
    loads = [loadavg()]
    started = datetime.datetime.now(datetime.timezone.utc)
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
                print(f"[{s}] redraw, {chains} chain(s) x {args.redraw_steps} steps on {threads} thread(s), "
                      f"modes {', '.join(modes)} (load avg {loadavg()}) ...", file=sys.stderr, flush=True)
                # The modes take turns within each repetition (a load change hits them alike).
                tries = {m: [] for m in modes}
                for _ in range(max(1, args.repeat)):
                    for m in modes:
                        loads.append(loadavg())
                        tries[m].append(redraw(args.redraw, graph, args.redraw_steps, chains, threads,
                                               args.seed, args.tol, m, outdir))
                runs.extend(fastest(tries[m]) for m in modes)
        results[s] = runs
    loads.append(loadavg())

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
    if not args.skip_redraw:
        one = sorted(float(x.split()[0]) for x in loads)
        # run.sh passes --python, --redraw and --data first; the rest is what the user typed.
        command = " ".join(["bench/ensemble/run.sh", *sys.argv[7:]])
        header = (f"Measured {started:%Y-%m-%d %H:%M} UTC with `{command}` (best of {max(1, args.repeat)}) on "
                  f"{os.cpu_count()} cores; 1-minute load average {one[0]:.1f}–{one[-1]:.1f} during the runs. "
                  f"steps/s of the whole process (graph loading, chains, output and merge), "
                  f"{args.redraw_steps:,} steps per chain, one election recorded; GerryChain: its chain loop, "
                  f"{args.gc_steps} steps.")
        print(table(results))
        print()
        print(summary(results, modes, header))
    else:
        for s, runs in results.items():
            for r in runs:
                print(f"{s}: {r['tool']} ({r['config']}): {r['steps_per_s']} steps/s, "
                      f"peak RSS {r['peak_rss_mb']} MB (load avg {r['loadavg_before']})")
    print(f"\nraw results: {path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
