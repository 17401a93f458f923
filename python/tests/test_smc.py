"""An SMC run (`redraw ensemble --sampler smc`) read from Python: its stats.csv has a float
`weight` column (docs/run-format.md, "SMC runs") beside the integer ones, and every reader
(`Run.stats`, `Run.stats_arrays`, `Run.stats_arrow`) must keep the weights exactly."""

import shutil

import numpy as np
import pandas as pd
import pytest

import redraw
from conftest import run_cli

RUNS, PARTICLES = 2, 30


@pytest.fixture(scope="module")
def smc_run(tmp_path_factory, cli, nc):
    out = tmp_path_factory.mktemp("smc") / "nc-smc"
    run_cli(cli, "ensemble", "--sampler", "smc", "--graph", nc, "--pop", "TOTAL_POP", "--districts", "14",
            "--tol", "0.05", "--particles", PARTICLES, "--chains", RUNS, "--seed", "3", "--county-prefix", "5",
            "--election", "COMP=DEM_VOTES,REP_VOTES", "--out", out)
    return out


def test_smc_stats_have_float_weights(smc_run):
    run = redraw.open_run(smc_run)
    m = run.manifest
    assert m["sampler"] == "smc" and "SMC run(s) x 30 particles" in repr(run)
    stats = run.stats  # int64 parsing of every column failed here on the weights
    assert list(stats.columns) == m["stats_columns"] and stats.columns[-1] == "weight"
    assert len(stats) == len(run) == RUNS * PARTICLES
    assert stats["weight"].dtype == np.float64
    assert all(stats[c].dtype == np.int64 for c in stats.columns if c != "weight")
    # The file's values, bit for bit.
    csv = pd.read_csv(run.path + "/stats.csv")
    pd.testing.assert_frame_equal(stats, csv, check_exact=True)

    # Weights are normalised within each run, and their Kish ESS is the manifest's.
    w = stats["weight"].to_numpy()
    assert (w > 0).all()
    for r, info in enumerate(m["smc"]["runs"]):
        wr = w[stats["chain"].to_numpy() == r]
        assert wr.sum() == pytest.approx(1.0, abs=1e-12)
        assert (wr.sum() ** 2 / (wr**2).sum()) == pytest.approx(info["ess"], rel=1e-9)
        assert 1.0 <= info["ess"] <= PARTICLES

    arrays = run.stats_arrays()
    assert arrays["weight"].dtype == np.float64 and (arrays["weight"] == w).all()
    assert arrays["cut_edges"].dtype == np.int64 and not arrays["weight"].flags.writeable
    table = run.stats_arrow()
    assert str(table.schema.field("weight").type) == "double"
    assert str(table.schema.field("cut_edges").type) == "int64"
    assert table.column("weight").to_numpy().tolist() == w.tolist()

    # A weighted statistic as a user computes it; the plans are the rows' plans.
    seats = stats["COMP_dem_seats"].to_numpy()
    mean = np.average(seats, weights=w)
    assert seats.min() <= mean <= seats.max()
    assert sum(len(p) for p in run.assignments(batch=16)) == len(stats)


def test_a_bad_weight_is_named(tmp_path, smc_run):
    bad = tmp_path / "bad"
    shutil.copytree(smc_run, bad)
    lines = (bad / "stats.csv").read_text().splitlines(keepends=True)
    cells = lines[2].rstrip("\n").split(",")
    cells[-1] = "heavy"
    lines[2] = ",".join(cells) + "\n"
    (bad / "stats.csv").write_text("".join(lines))
    with pytest.raises(redraw.RedrawError, match=r"line 3, column weight: expected a number, found \"heavy\""):
        redraw.open_run(bad).stats
