#!/usr/bin/env python3
"""Time plain ReCom in GerryChain on a networkx adjacency JSON graph.

Prints one JSON object: steps, wall seconds of the chain loop (graph loading excluded, reported
separately), steps/s, accepted moves and the process's peak RSS (ru_maxrss, which includes the
Python interpreter and GerryChain's imports: what a user of GerryChain pays).

Settings mirror the issue's anchor measurements: the `district` seed plan, ReCom with the
population tolerance as `epsilon`, pairs chosen by a random cut edge (`pair_selection=
"cut_edges"`; GerryChain 1.0's default is "district_pairs"), GerryChain's default spanning trees
(`random_spanning_tree`, Kruskal on random weights) and its default memoised cut finder with
`node_repeats=0` (1.0 warns that positive values only waste work with that finder), a
`within_percent_of_ideal_population` constraint at the same tolerance, always accept.
"""

import argparse
import importlib.metadata
import json
import resource
import sys
import time
from functools import partial

from gerrychain import Graph, MarkovChain, Partition
from gerrychain.accept import always_accept
from gerrychain.constraints import within_percent_of_ideal_population
from gerrychain.proposals import recom
from gerrychain.updaters import Tally, cut_edges


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("graph", help="networkx adjacency JSON (e.g. graphs/bench/PA.json)")
    ap.add_argument("--steps", type=int, default=200, help="chain steps to time (default 200)")
    ap.add_argument("--pop-col", default="TOTAL_POP")
    ap.add_argument("--assignment", default="district", help="node attribute holding the seed plan")
    ap.add_argument("--tol", type=float, default=0.02, help="population tolerance (default 0.02)")
    ap.add_argument("--seed", type=int, default=2024)
    ap.add_argument("--pair-selection", choices=["cut_edges", "district_pairs"], default="cut_edges")
    ap.add_argument("--node-repeats", type=int, default=0)
    args = ap.parse_args()

    t0 = time.perf_counter()
    graph = Graph.from_json(args.graph)
    initial = Partition(
        graph,
        assignment=args.assignment,
        updaters={"population": Tally(args.pop_col, alias="population"), "cut_edges": cut_edges},
    )
    load_s = time.perf_counter() - t0
    ideal = sum(initial["population"].values()) / len(initial)
    proposal = partial(
        recom,
        pop_col=args.pop_col,
        pop_target=ideal,
        epsilon=args.tol,
        node_repeats=args.node_repeats,
        pair_selection=args.pair_selection,
    )
    chain = MarkovChain(
        proposal_fn=proposal,
        constraints=[within_percent_of_ideal_population(initial, args.tol)],
        acceptance_fn=always_accept,
        initial_partition=initial,
        total_steps=args.steps,
        rng=args.seed,
    )
    accepted = 0
    previous = None
    t1 = time.perf_counter()
    for state in chain:
        if previous is not None and state is not previous:
            accepted += 1
        previous = state
        # Touch the statistics a real run records, as the peers' runs did.
        _ = state["cut_edges"], state["population"]
    secs = time.perf_counter() - t1
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    print(
        json.dumps(
            {
                "tool": "gerrychain",
                "version": importlib.metadata.version("gerrychain"),
                "graph": args.graph,
                "nodes": graph.number_of_nodes() if hasattr(graph, "number_of_nodes") else len(graph),
                "districts": len(initial),
                "steps": args.steps,
                "load_s": round(load_s, 3),
                "seconds": round(secs, 3),
                "steps_per_s": round(args.steps / secs, 2),
                "accepted": accepted,
                "peak_rss_mb": round(rss_mb, 1),
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
