#!/usr/bin/env python3
"""Effective independent samples per second of redraw's samplers (plain ReCom, reversible ReCom,
merge-split, SMC) on the PA and CA bench graphs, for the same CPU-time budget each; plus SMC
throughput on 1 and 2 threads and peak memory. Standard library only; see README.md.

Every run is one `redraw ensemble` process, one after the other (never concurrently). Budgets
are CPU seconds (user + system of the child, from getrusage): on a shared machine wall-clock
time measures the neighbours as much as the sampler, so the primary figure is effective samples
per CPU-second; wall-clock figures and the load average are printed beside it.
"""

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import time

STATES = {
    # name: (graph, districts, plan judged against)
    "PA": ("graphs/bench/PA.json", 17, "plans/PA_cd_2022_vtds.csv"),
    "CA": ("graphs/bench/CA.json", 52, "plans/CA_cd_2021_blockgroups.csv"),
}
CHAINS = ["recom", "reversible-recom", "merge-split"]
STATS = ["COMP Democratic seats", "COMP Efficiency gap", "Cut edges"]


def loadavg():
    return " ".join(open("/proc/loadavg").read().split()[:3])


def run(cmd, log):
    """Runs `cmd` under GNU time; returns (cpu seconds, wall seconds, peak RSS MB)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.monotonic()
    timed = ["/usr/bin/time", "-f", "%M"] + cmd if os.path.exists("/usr/bin/time") else cmd
    with open(log, "w") as out:
        p = subprocess.run(timed, stdout=out, stderr=subprocess.PIPE, text=True)
    wall = time.monotonic() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if p.returncode != 0:
        sys.exit(f"failed ({p.returncode}): {' '.join(cmd)}\n{p.stderr}")
    rss = None
    if timed is not cmd:
        last = p.stderr.strip().splitlines()[-1]
        try:
            rss = int(last) / 1024.0
        except ValueError:
            pass
    return cpu, wall, rss


def ensemble_cmd(a, state, sampler, out, size, chains, threads, seed):
    graph, k, _ = STATES[state]
    cmd = [a.redraw, "ensemble", "--graph", os.path.join(a.data, graph), "--pop", "TOTAL_POP",
           "--districts", str(k), "--tol", str(a.tol), "--chains", str(chains), "--threads", str(threads),
           "--seed", str(seed), "--election", "COMP=DEM_VOTES,REP_VOTES", "--county-prefix", "5",
           "--out", out]
    if sampler == "smc":
        cmd += ["--sampler", "smc", "--particles", str(size)]
        if a.cut_selection:
            cmd += ["--cut-selection", a.cut_selection]
    else:
        thin = max(1, size // a.draws)
        cmd += ["--proposal", sampler, "--steps", str(size), "--thin", str(thin)]
        if sampler != "recom":
            cmd += ["--balance-bound", str(a.balance_bound)]
    return cmd


def judge(a, state, run_dir):
    graph, _, plan = STATES[state]
    p = subprocess.run([a.redraw, "judge", "--graph", os.path.join(a.data, graph), "--plan",
                        os.path.join(a.data, plan), "--ensemble", run_dir, "--format", "json"],
                       capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit(f"judge failed on {run_dir}: {p.stderr}")
    return json.loads(p.stdout)


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--redraw", required=True)
    ap.add_argument("--data", required=True)
    ap.add_argument("--states", nargs="+", default=["PA", "CA"])
    ap.add_argument("--budget", type=float, default=300.0, help="CPU seconds per sampler (all chains/runs)")
    ap.add_argument("--tol", type=float, default=0.005)
    ap.add_argument("--draws", type=int, default=2000, help="recorded draws per chain (thinning)")
    ap.add_argument("--balance-bound", type=int, default=30)
    ap.add_argument("--samplers", nargs="+", default=CHAINS + ["smc"])
    ap.add_argument("--throughput-particles", type=int, nargs=2, default=[400, 100],
                    help="SMC particles for the 1- and 2-thread throughput runs on PA and CA")
    ap.add_argument("--cut-selection", choices=["inverse-boundary", "uniform"], default=None,
                    help="SMC's --cut-selection (default: redraw's own default)")
    ap.add_argument("--skip-throughput", action="store_true")
    ap.add_argument("--throughput-only", action="store_true",
                    help="only the SMC throughput runs (step 5), not the effective-samples runs")
    ap.add_argument("--out", default=None)
    a = ap.parse_args()
    here = os.path.dirname(os.path.abspath(__file__))
    out_root = a.out or os.path.join(here, "..", "out", "samplers")
    os.makedirs(out_root, exist_ok=True)
    results = {"tol": a.tol, "budget_cpu_s": a.budget, "cores": os.cpu_count(), "runs": [], "throughput": []}
    print(f"machine: {os.cpu_count()} cores, load {loadavg()}; budget {a.budget:.0f} CPU-s per sampler, "
          f"tolerance ±{100 * a.tol:.1f}%", file=sys.stderr)
    for state in [] if a.throughput_only else a.states:
        for sampler in a.samplers:
            d = os.path.join(out_root, f"{state}-{sampler}")
            shutil.rmtree(d, ignore_errors=True)
            # Calibrate the rate on two short chains / runs of n and 2n, then size 4 chains / runs
            # to the budget. The rate is the marginal one, (2n - n) / (cpu(2n) - cpu(n)): a single
            # short run is dominated by reading the graph (about 0.6 CPU-s on CA), which made the
            # first measurements size their main runs far below the budget.
            cal = d + "-cal"
            n = 20 if sampler == "smc" else (1000 if state == "CA" else 2000)
            cpus = []
            for size in (n, 2 * n):
                shutil.rmtree(cal, ignore_errors=True)
                cpu, wall, _ = run(ensemble_cmd(a, state, sampler, cal, size, 1, 1, 7), cal + ".log")
                cpus.append(cpu)
            shutil.rmtree(cal, ignore_errors=True)
            rate = n / max(cpus[1] - cpus[0], 0.05 * cpus[1], 1e-3)
            size = max(40 if sampler == "smc" else 400, int(rate * a.budget / 4))
            load0 = loadavg()
            print(f"{state} {sampler}: {rate:.2f} {'plans' if sampler == 'smc' else 'steps'}/CPU-s "
                  f"-> 4 x {size}; load {load0}", file=sys.stderr)
            cpu, wall, rss = run(ensemble_cmd(a, state, sampler, d, size, 4, 1, 2026), d + ".log")
            if cpu < 0.7 * a.budget:
                # Short calibration chains can run at a different rate from long ones (reversible
                # ReCom's first steps from the seed plan are about twice as slow as later ones on
                # PA), so a run that used well under its budget is redrawn, scaled by what it used.
                size = int(size * a.budget / max(cpu, 1e-3))
                print(f"{state} {sampler}: used {cpu:.0f} CPU-s; redrawn as 4 x {size}", file=sys.stderr)
                shutil.rmtree(d, ignore_errors=True)
                cpu, wall, rss = run(ensemble_cmd(a, state, sampler, d, size, 4, 1, 2026), d + ".log")
            j = judge(a, state, d)
            row = {"state": state, "sampler": sampler, "size_per_chain": size, "chains": 4, "cpu_s": cpu,
                   "wall_s": wall, "peak_rss_mb": rss, "load_before": load0, "load_after": loadavg(),
                   "weighted": j.get("weighted", False), "effective_samples": j.get("effective_samples"),
                   "stats": {}}
            for s in STATS:
                dg = next((x for x in j["diagnostics"] if x["statistic"] == s), None)
                if dg:
                    row["stats"][s] = {"ess": dg["ess_bulk"], "rhat": dg["rhat"]}
            if cpu < 0.7 * a.budget or cpu > 1.5 * a.budget:
                row["note"] = f"the main run took {cpu:.0f} CPU-s against a budget of {a.budget:.0f}"
            results["runs"].append(row)
            print(json.dumps(row), file=sys.stderr)
    if not a.skip_throughput:
        for state, particles in zip(["PA", "CA"], a.throughput_particles):
            if state not in a.states:
                continue
            for threads in [1, 2]:
                d = os.path.join(out_root, f"{state}-smc-throughput-{threads}")
                shutil.rmtree(d, ignore_errors=True)
                load0 = loadavg()
                cpu, wall, rss = run(ensemble_cmd(a, state, "smc", d, particles, 1, threads, 11), d + ".log")
                results["throughput"].append({"state": state, "threads": threads, "particles": particles,
                                              "cpu_s": cpu, "wall_s": wall, "peak_rss_mb": rss,
                                              "load_before": load0, "load_after": loadavg()})
                print(json.dumps(results["throughput"][-1]), file=sys.stderr)
                shutil.rmtree(d, ignore_errors=True)
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    path = os.path.join(out_root, f"samplers-{stamp}.json")
    with open(path, "w") as f:
        json.dump(results, f, indent=1)
    print_tables(results)
    print(f"\nraw figures: {path}", file=sys.stderr)


def print_tables(r):
    if r["runs"]:
        print_ess_table(r)
    if r["throughput"]:
        print_throughput_table(r)


def print_ess_table(r):
    print(f"\nEffective samples per CPU-second (tolerance ±{100 * r['tol']:.1f}%, budget "
          f"{r['budget_cpu_s']:.0f} CPU-s per sampler, 4 chains / 4 SMC runs on 1 thread)\n")
    print("| graph | sampler | plans drawn | CPU s | wall s | load | "
          + " | ".join(f"{s}: ESS (R-hat)" for s in STATS) + " | " + " | ".join(f"{s} /CPU-s" for s in STATS)
          + " | peak MB |")
    print("|" + "---|" * (7 + 2 * len(STATS)))
    for x in r["runs"]:
        drawn = x["size_per_chain"] * x["chains"]
        cells = []
        per = []
        for s in STATS:
            st = x["stats"].get(s)
            if st is None:
                cells.append("—")
                per.append("—")
                continue
            rh = st["rhat"]
            cells.append(f"{st['ess']:.0f} ({rh:.3f})" if rh is not None else f"{st['ess']:.0f} (—)")
            per.append(f"{st['ess'] / x['cpu_s']:.3f}")
        unit = "plans" if x["sampler"] == "smc" else "steps"
        mb = f"{x['peak_rss_mb']:.0f}" if x["peak_rss_mb"] else "—"
        print(f"| {x['state']} | {x['sampler']} | {drawn:,} {unit} | {x['cpu_s']:.0f} | {x['wall_s']:.0f} | "
              f"{x['load_before']} | " + " | ".join(cells) + " | " + " | ".join(per) + f" | {mb} |")


def print_throughput_table(r):
    print("\nSMC throughput (one run; plans per second of wall and CPU time)\n")
    print("| graph | threads | particles | wall s | plans/s (wall) | plans/CPU-s | peak MB | load |")
    print("|---|---:|---:|---:|---:|---:|---:|---|")
    for t in r["throughput"]:
        print(f"| {t['state']} | {t['threads']} | {t['particles']} | {t['wall_s']:.1f} | "
              f"{t['particles'] / t['wall_s']:.2f} | {t['particles'] / t['cpu_s']:.2f} | "
              f"{t['peak_rss_mb'] or 0:.0f} | {t['load_before']} |")


if __name__ == "__main__":
    main()
