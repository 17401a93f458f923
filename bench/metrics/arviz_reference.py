#!/usr/bin/env python3
"""Reference convergence diagnostics from ArviZ for redraw-metrics' agreement tests.

Writes crates/redraw-metrics/tests/fixtures/arviz_reference.json: small fixed multi-chain
datasets (stored in the fixture, so the Rust test needs no RNG agreement) with ArviZ's
rank-normalised split R-hat (`rhat(method="rank")`), bulk ESS and tail ESS.

    python3 -m venv /tmp/az-venv && /tmp/az-venv/bin/pip install arviz
    /tmp/az-venv/bin/python bench/metrics/arviz_reference.py
"""
import importlib.metadata
import json
import os
import warnings

warnings.filterwarnings("ignore")

import arviz as az  # noqa: E402
import numpy as np  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "crates", "redraw-metrics", "tests", "fixtures", "arviz_reference.json")


def ar1(rng, chains, n, phi):
    x = np.zeros((chains, n))
    for c in range(chains):
        v = rng.normal()
        for t in range(n):
            v = phi * v + np.sqrt(1 - phi * phi) * rng.normal()
            x[c, t] = v
    return x


def main():
    rng = np.random.default_rng(5)
    datasets = {
        "iid_normal_4x200": rng.normal(size=(4, 200)),
        "ar1_0.8_4x301": ar1(rng, 4, 301, 0.8),
        "stuck_means_3x100": rng.normal(size=(3, 100)) + np.array([[0.0], [0.5], [3.0]]),
        # Seat counts: discrete with many ties, as ensemble statistics are.
        "seat_counts_4x150": rng.binomial(14, 0.5, size=(4, 150)).astype(float),
        "trend_2x80": rng.normal(size=(2, 80)) + np.linspace(0, 3, 80),
        "single_chain_1x120": rng.normal(size=(1, 120)),
        # Shortest chains ArviZ accepts (two draws per split half).
        "short_2x4": np.array([[0.1, 0.5, 0.2, 0.9], [1.0, 0.3, 0.7, 0.4]]),
    }
    out = []
    for name, x in datasets.items():
        x = np.round(x, 12)  # what is stored is exactly what was measured
        entry = {
            "name": name,
            "draws": x.tolist(),
            "ess_bulk": float(az.ess(x, method="bulk")),
            "ess_tail": float(az.ess(x, method="tail")),
        }
        rhat = float(az.rhat(x, method="rank")) if x.shape[0] > 1 else None
        entry["rhat"] = rhat if rhat is None or np.isfinite(rhat) else None
        out.append(entry)
    doc = {
        "generator": "bench/metrics/arviz_reference.py",
        "arviz_version": importlib.metadata.version("arviz"),
        "datasets": out,
    }
    with open(OUT, "w") as f:
        json.dump(doc, f)
        f.write("\n")
    for e in out:
        print(e["name"], e["rhat"], e["ess_bulk"], e["ess_tail"])


if __name__ == "__main__":
    main()
