"""Ensembles from Python: the same bytes as the command line for the same seed, streamed plans
and stats that agree with the files, shards and merge, errors, the GIL, progress."""

import json
import os
import threading
import time

import numpy as np
import pytest

import redraw
from conftest import cli_error, run_cli, run_files

NC_ARGS = dict(
    pop="TOTAL_POP",
    assignment="district",
    tol=0.02,
    steps=1500,
    chains=3,
    seed=21,
    thin=3,
    elections={"COMP": ("DEM_VOTES", "REP_VOTES")},
    county_prefix=5,
    checkpoint_every=400,
    # Fixed-size records, so the documented numpy reading applies (the default is delta).
    compress="none",
)
NC_FLAGS = [
    "--pop", "TOTAL_POP", "--assignment", "district", "--tol", "0.02", "--steps", "1500", "--chains", "3",
    "--seed", "21", "--thin", "3", "--election", "COMP=DEM_VOTES,REP_VOTES", "--county-prefix", "5",
    "--checkpoint-every", "400", "--compress", "none",
]


@pytest.fixture(scope="module")
def nc_cli_run(tmp_path_factory, cli, nc):
    out = tmp_path_factory.mktemp("cli") / "run"
    run_cli(cli, "ensemble", "--graph", nc, *NC_FLAGS, "--out", out)
    return out


def test_python_ensemble_equals_cli_bytes(tmp_path, nc, nc_cli_run):
    run = redraw.ensemble(redraw.Graph.from_json(nc), out=tmp_path / "py", progress=False, **NC_ARGS)
    assert run_files(run.path) == run_files(nc_cli_run)  # manifest included
    # A path works as the graph too, and any thread count gives the same bytes.
    run2 = redraw.ensemble(nc, out=tmp_path / "py2", threads=1, progress=False, **NC_ARGS)
    assert run_files(run2.path) == run_files(nc_cli_run)


def test_generated_seed_plan_equals_cli(tmp_path, cli, nc):
    args = ["--pop", "TOTAL_POP", "--districts", "14", "--tol", "0.05", "--steps", "300", "--seed", "4"]
    run_cli(cli, "ensemble", "--graph", nc, *args, "--out", tmp_path / "cli")
    run = redraw.ensemble(nc, pop="TOTAL_POP", districts=14, tol=0.05, steps=300, seed=4, out=tmp_path / "py", progress=False)
    assert run_files(run.path) == run_files(tmp_path / "cli")
    assert run.manifest["inputs"]["initial_plan"]["kind"] == "generated"


def test_stats_and_assignments_agree_with_the_files(tmp_path, nc_cli_run):
    run = redraw.open_run(nc_cli_run)
    m = run.manifest
    n, k = m["node_count"], m["districts"]
    assert len(run) == 3 * m["samples_per_chain"]
    # The documented numpy reading of assignments.bin (docs/run-format.md).
    rec = np.dtype([("chain", "<u4"), ("step", "<u8"), ("labels", "u1", n)])
    ref = np.fromfile(os.path.join(run.path, "assignments.bin"), dtype=rec, offset=32)
    plans = list(run.assignments())
    assert len(plans) == len(ref) == len(run)
    assert all(p.dtype == np.uint16 and p.shape == (n,) for p in plans)
    assert np.array_equal(np.stack(plans), ref["labels"].astype(np.uint16))
    assert int(max(p.max() for p in plans)) == k - 1
    batches = list(run.assignments(batch=128, with_index=True))
    assert np.array_equal(np.concatenate([b[0] for b in batches]), ref["chain"])
    assert np.array_equal(np.concatenate([b[1] for b in batches]), ref["step"])
    assert np.array_equal(np.concatenate([b[2] for b in batches]), ref["labels"])
    assert np.array_equal(run.plan(77), plans[77])
    # Plans are independent arrays (a later read never overwrites an earlier one).
    assert not np.shares_memory(plans[0], plans[1])

    pd = pytest.importorskip("pandas")
    stats = run.stats
    csv = pd.read_csv(os.path.join(run.path, "stats.csv"))
    assert list(stats.columns) == m["stats_columns"]
    pd.testing.assert_frame_equal(stats, csv, check_dtype=False)
    assert (stats["chain"].to_numpy() == ref["chain"]).all() and (stats["step"].to_numpy() == ref["step"]).all()
    # Populations recomputed from the streamed plans equal the recorded ones.
    g = redraw.Graph.from_json(m["inputs"]["graph"]["path"])
    pop = g.column("TOTAL_POP")
    labels = run.district_labels
    for i in (0, 50, len(plans) - 1):
        tallies = np.bincount(plans[i], weights=pop, minlength=k)
        assert [int(stats[f"pop_{labels[d]}"][i]) for d in range(k)] == [int(t) for t in tallies]
    arrays = run.stats_arrays()
    assert set(arrays) == set(m["stats_columns"]) and arrays["cut_edges"].dtype == np.int64
    pa = pytest.importorskip("pyarrow")
    table = run.stats_arrow()
    assert table.num_rows == len(run) and table.column("COMP_dem_seats").type == pa.int64()


def test_county_splits_missing_is_null(tmp_path, nc):
    run = redraw.ensemble(nc, pop="TOTAL_POP", assignment="district", steps=20, out=tmp_path / "r", progress=False)
    assert isinstance(run.stats_arrays()["county_splits"], np.ma.MaskedArray)
    pd = pytest.importorskip("pandas")
    assert run.stats["county_splits"].isna().all() and str(run.stats["county_splits"].dtype) == "Int64"


def test_shards_and_merge_from_python(tmp_path, nc, nc_cli_run, cli):
    g = redraw.Graph.from_json(nc)
    a = redraw.ensemble(g, out=tmp_path / "a", chain_range=(0, 1), progress=False, **NC_ARGS)
    b = redraw.ensemble(g, out=tmp_path / "b", chain_range="1..3", progress=False, **NC_ARGS)
    assert a.manifest["shard"] == {"chain_range": [0, 1]} and len(a) == a.manifest["samples_per_chain"]
    merged = redraw.merge([b.path, a.path], tmp_path / "merged")
    assert run_files(merged.path) == run_files(nc_cli_run)
    # A refusal carries the command line's message.
    with pytest.raises(redraw.RedrawError) as e:
        redraw.merge([a.path], tmp_path / "m2")
    assert str(e.value) == cli_error(cli, "merge", a.path, "--out", tmp_path / "m2")
    assert "no shard holds chains 1..3" in str(e.value)


def test_errors_have_the_cli_messages(tmp_path, cli, nc):
    # Python names a graph file by its canonical path (what the manifest records), the CLI as
    # typed; give the CLI the canonical path so the messages compare even where the data
    # directory is reached through a symbolic link.
    nc = os.path.realpath(nc)
    with pytest.raises(redraw.RedrawError) as e:
        redraw.ensemble(nc, pop="NOPE", assignment="district", steps=10, out=tmp_path / "x", progress=False)
    assert str(e.value) == cli_error(
        cli, "ensemble", "--graph", nc, "--pop", "NOPE", "--assignment", "district", "--steps", "10", "--out", tmp_path / "y"
    )
    assert "NOPE" in str(e.value)
    with pytest.raises(redraw.RedrawError) as e:
        redraw.ensemble(nc, pop="TOTAL_POP", assignment="district", tol=0.0001, steps=10, out=tmp_path / "x", progress=False)
    assert str(e.value) == cli_error(
        cli, "ensemble", "--graph", nc, "--pop", "TOTAL_POP", "--assignment", "district", "--tol", "0.0001",
        "--steps", "10", "--out", tmp_path / "y",
    )
    with pytest.raises(redraw.RedrawError) as e:
        redraw.Graph.from_json(tmp_path / "missing.json")
    assert str(e.value) == cli_error(cli, "graph", "info", tmp_path / "missing.json")
    assert not (tmp_path / "x").exists() and not (tmp_path / "y").exists()


def test_the_gil_is_released_and_progress_reaches_the_total(tmp_path, pa):
    g = redraw.Graph.from_json(pa)
    seen = []
    done = threading.Event()
    result = {}

    def work():
        result["run"] = redraw.ensemble(
            g, pop="TOTAL_POP", assignment="district", steps=6000, chains=1, out=tmp_path / "r",
            progress=lambda d, t: seen.append((d, t)),
        )
        done.set()

    t = threading.Thread(target=work)
    ticks = 0
    start = time.perf_counter()
    t.start()
    while not done.is_set():
        ticks += 1  # pure-Python work on this thread while the chains run
        time.sleep(0.001)
    t.join()
    elapsed = time.perf_counter() - start
    assert elapsed > 0.3, "the run was too short to tell"
    # With the GIL held for the whole run this thread would barely run; released, it ticks
    # about once per millisecond.
    assert ticks > 0.3 * elapsed * 1000, (ticks, elapsed)
    assert seen and seen[-1] == (6000, 6000) and all(t == 6000 for _, t in seen)
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)


def test_tqdm_progress_bar(tmp_path, nc, capfd):
    pytest.importorskip("tqdm")
    redraw.ensemble(nc, pop="TOTAL_POP", assignment="district", steps=3000, chains=2, out=tmp_path / "r", progress=True)
    err = capfd.readouterr().err
    assert "redraw ensemble" in err and "6.00k/6.00k" in err, err


def test_from_networkx_gives_the_same_chain(tmp_path, nc):
    nx = pytest.importorskip("networkx")
    with open(nc) as f:
        G = nx.adjacency_graph(json.load(f))
    g = redraw.Graph.from_networkx(G)
    assert g.node_count == G.number_of_nodes() and g.edge_count == G.number_of_edges()
    assert g.source["graph"]["origin"].startswith("networkx.")
    mem = redraw.ensemble(g, out=tmp_path / "mem", progress=False, **NC_ARGS)
    disk = redraw.ensemble(nc, out=tmp_path / "disk", progress=False, **NC_ARGS)
    a, b = run_files(mem.path), run_files(disk.path)
    assert a["stats.csv"] == b["stats.csv"] and a["assignments.bin"] == b["assignments.bin"]
    # Pickling keeps the graph and its provenance exactly.
    import pickle

    g2 = pickle.loads(pickle.dumps(g))
    assert g2.source == g.source and g2.labels == g.labels
    again = redraw.ensemble(g2, out=tmp_path / "again", progress=False, **NC_ARGS)
    assert run_files(again.path) == a


def test_judge_equals_cli_json(tmp_path, cli, nc, data, nc_cli_run):
    plan = data / "plans" / "NC_cd_2022_vtds.csv"
    run = redraw.open_run(nc_cli_run)
    py = run.judge(str(plan))
    cli_doc = json.loads(
        run_cli(cli, "judge", "--graph", nc, "--plan", plan, "--ensemble", nc_cli_run, "--no-shapes", "--format", "json").stdout
    )
    # The CLI's document also records its invocation (command line, files and their SHA-256,
    # date) and the plan's file name, and says it read no polygons; every figure, verdict,
    # table and definition is the same document.
    assert cli_doc.pop("provenance") is not None and py.pop("provenance") is None
    assert cli_doc["plan_name"] == py["plan_name"] == "NC_cd_2022_vtds.csv"
    cli_doc["notes"] = [n for n in cli_doc["notes"] if "--no-shapes" not in n]
    assert py == cli_doc
    # The same plan given as a column of per-node districts.
    g = run.graph
    labels = g._g.plan_labels_from_csv(str(plan))
    again = run.judge(labels, plan_name="NC_cd_2022_vtds.csv")
    again.pop("provenance")
    assert again == py
    # Burn-in, thinning and election labels as the CLI's.
    label = "DRA's 2016-2020 composite of six statewide races"
    py2 = run.judge(str(plan), burn_in=20, thin=3, election_labels={"COMP": label})
    cli2 = json.loads(
        run_cli(
            cli, "judge", "--graph", nc, "--plan", plan, "--ensemble", nc_cli_run, "--no-shapes",
            "--burn-in", "20", "--thin", "3", "--election-label", f"COMP={label}", "--format", "json",
        ).stdout
    )
    cli2.pop("provenance"), py2.pop("provenance")
    cli2["notes"] = [n for n in cli2["notes"] if "--no-shapes" not in n]
    assert py2 == cli2
    assert py2["elections"][0]["description"].startswith(label)
    assert py2["selection"]["burn_in"] == 20 and py2["selection"]["thin"] == 3


def test_metrics_match_definitions(nc_cli_run):
    run = redraw.open_run(nc_cli_run)
    dem, rep = run.votes("COMP")
    eg = redraw.metrics.efficiency_gap(dem, rep)
    assert eg.shape == (len(run),)
    # Row 0 is the enacted plan: one plan at a time gives the same value.
    assert redraw.metrics.efficiency_gap(dem[0], rep[0]) == eg[0]
    wd, wr = redraw.metrics.wasted_votes(dem[0], rep[0])
    assert np.isclose((wr.sum() - wd.sum()) / (dem[0].sum() + rep[0].sum()), eg[0])
    seats = redraw.metrics.dem_seats(dem, rep)
    assert (seats == run.stats_arrays()["COMP_dem_seats"]).all()
    assert redraw.metrics.polsby_popper(np.pi, 2 * np.pi) == pytest.approx(1.0)
    with pytest.raises(redraw.RedrawError, match="same shape"):
        redraw.metrics.mean_median(dem, rep[:, :3])


def test_rdabase_graph_and_plan_csv_equal_cli(tmp_path, cli, data):
    graph = data / "graphs" / "rdabase" / "NC_2020_graph.json"
    plan = data / "plans" / "NC_cd_2022_vtds.csv"
    g = redraw.Graph.from_rdabase(graph)  # NC_2020_data.csv beside it; OUT_OF_STATE dropped
    assert g.node_count == 2666 and int(g.column("TOTAL_POP").sum()) == 10_439_388
    assert g.source["graph_format"] == "rdabase" and g.source["data"]["path"].endswith("NC_2020_data.csv")
    run = redraw.ensemble(g, pop="TOTAL_POP", plan=plan, steps=300, chains=2, seed=2, county_prefix=5,
                          elections=["COMP=DEM_VOTES,REP_VOTES"], out=tmp_path / "py", progress=False)
    run_cli(cli, "ensemble", "--graph", graph, "--pop", "TOTAL_POP", "--plan", plan, "--steps", "300", "--chains", "2",
            "--seed", "2", "--county-prefix", "5", "--election", "COMP=DEM_VOTES,REP_VOTES", "--out", tmp_path / "cli")
    assert run_files(run.path) == run_files(tmp_path / "cli")
    assert run.manifest["inputs"]["initial_plan"]["kind"] == "csv"


def test_delta_thinned_stats_only_and_tracked_columns(tmp_path, cli, nc, nc_cli_run):
    """--compress delta, --record thinned / stats-only and --track from Python: the CLI's bytes,
    the plans of the raw run, and tracked sums that equal the columns they mirror."""
    raw = redraw.open_run(nc_cli_run)
    args = dict(NC_ARGS, compress="delta")
    flags = [f if f != "none" else "delta" for f in NC_FLAGS]
    run = redraw.ensemble(nc, out=tmp_path / "delta", progress=False, **args)
    run_cli(cli, "ensemble", "--graph", nc, *flags, "--out", tmp_path / "delta-cli")
    assert run_files(run.path) == run_files(tmp_path / "delta-cli")
    assert run_files(run.path)["stats.csv"] == run_files(raw.path)["stats.csv"]
    assert np.array_equal(np.stack(list(run.assignments())), np.stack(list(raw.assignments())))
    assert np.array_equal(run.plan(77), raw.plan(77)) and np.array_equal(run.plan(len(run) - 1), raw.plan(len(raw) - 1))
    size = lambda r: os.path.getsize(os.path.join(r.path, "assignments.bin"))  # noqa: E731
    assert size(raw) > 5 * size(run), (size(raw), size(run))

    th = redraw.ensemble(nc, out=tmp_path / "thinned", record="thinned", track=["TOTAL_POP", "DEM_VOTES"],
                         progress=False, **args)
    m = th.manifest
    assert m["tracked_columns"] == ["TOTAL_POP", "DEM_VOTES"] and m["params"]["record"] == "thinned"
    cols = th.stats_arrays()
    assert len(cols["step"]) == 3 * 1501 and m["samples_per_chain"] == 1501
    assert len(th) == len(raw) == 3 * m["plans_per_chain"]
    for d in th.district_labels:
        assert np.array_equal(cols[f"sum_TOTAL_POP_{d}"], cols[f"pop_{d}"])
        assert np.array_equal(cols[f"sum_DEM_VOTES_{d}"], cols[f"COMP_dem_{d}"])
    # The plans are those of every 3rd step: the raw run's.
    plans = list(th.assignments(with_index=True))
    assert [(c, s) for c, s, _ in plans] == [(c, s) for c, s, _ in raw.assignments(with_index=True)]
    assert np.array_equal(np.stack([p for _, _, p in plans]), np.stack(list(raw.assignments())))

    so = redraw.ensemble(nc, out=tmp_path / "stats-only", record="stats-only", progress=False, **args)
    assert not os.path.exists(os.path.join(so.path, "assignments.bin")) and len(so) == 0
    assert so.manifest["files"]["assignments"] is None
    with pytest.raises(redraw.RedrawError, match="recorded no plans"):
        next(so.assignments())
    assert so.stats.equals(raw.stats)
    with pytest.raises(redraw.RedrawError, match="unknown record"):
        redraw.ensemble(nc, out=tmp_path / "bad", record="sometimes", progress=False, **args)


def test_a_large_run_warns_with_its_size_first(tmp_path, pa):
    """The estimate of a run of more than 1 GB comes as a UserWarning before the run starts
    (here the run itself is then refused: its directory holds a foreign file)."""
    out = tmp_path / "busy"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    with pytest.warns(UserWarning, match=r"this run will write about 3\.\d GB .*assignments\.bin 3\.\d GB"):
        with pytest.raises(redraw.RedrawError, match="not empty"):
            redraw.ensemble(pa, pop="TOTAL_POP", assignment="district", steps=100_000, chains=4, seed=1,
                            elections={"PRES": ("DEM_VOTES", "REP_VOTES")}, compress="none", out=out, progress=False)
    assert (out / "notes.txt").read_text() == "mine"
