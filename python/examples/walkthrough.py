# The walkthrough of docs/python.md as a notebook-style script: `# %%` cells run one by one in
# Jupyter (jupytext), VS Code or Spyder, or top to bottom with `python walkthrough.py` (then
# only print() output shows). Needs the real data (REDRAW_DATA_DIR) and gerrychain, pandas.
# The outputs in docs/python.md are these cells' results; regenerate them after changing
# what a cell prints.
# %%
import redraw
cmp = redraw.scenario("six-californias")
base, new = cmp["baseline"], cmp["scenario"]
base["senators"], new["senators"], new["union_states"]
# %%
e2024 = {e["year"]: e for e in new["elections"]}[2024]
e2024["electoral_votes_dem"], e2024["electoral_votes_rep"], e2024["winner"]
# %%
states = redraw.scenario("six-californias", as_frame=True)
states.loc["scenario"].query("status != 'unchanged'")[["name", "population", "senators", "house_seats", "electoral_votes", "2024_winner"]]
# %%
a = redraw.apportion(margins=True)          # 2020 official populations, 435 seats
a["seats"]["New York"], a["margins"]["New York"]
# %%
redraw.apportion({"Big": 3_000_000, "Mid": 1_500_000, "Small": 400_000}, 10, "webster")["seats"]
# %%
import os
D = os.environ["REDRAW_DATA_DIR"]
pa = redraw.Graph.from_json(f"{D}/graphs/bench/PA.json")
pa
# %%
run = redraw.ensemble(
    pa, pop="TOTAL_POP", assignment="district", tol=0.02,
    steps=20_000, chains=4, seed=1, thin=10,
    elections={"PRES": ("DEM_VOTES", "REP_VOTES")}, county_prefix=5,
    out="runs/pa",
)
run, len(run)
# %%
run.stats[["chain", "step", "cut_edges", "county_splits", "PRES_dem_seats"]].describe().round(1)
# %%
import numpy as np
plans = run.assignments()                   # a generator: one uint16 array per plan
first = next(plans)
first.dtype, first.shape, np.bincount(first)[:5]
# %%
dem, rep = run.votes("PRES")                # (plans, districts) float64 arrays
eg = redraw.metrics.efficiency_gap(dem, rep)
mm = redraw.metrics.mean_median(dem, rep)
eg.shape, round(float(eg.mean()), 4), round(float(np.quantile(mm, 0.95)), 4)
# %%
report = run.judge(f"{D}/plans/PA_cd_2022_vtds.csv")
[(m["metric"], round(m["enacted"], 4), round(m["placement"]["percentile"], 3), m["verdict"])
 for m in report["elections"][0]["metrics"][:3]]
# %%
from gerrychain import Graph as GCGraph, Partition, Election
gc = GCGraph.from_json(f"{D}/graphs/bench/PA.json")
part = run.partition(len(run) - 1, graph=gc,
                     updaters={"PRES": Election("PRES", {"Dem": "DEM_VOTES", "Rep": "REP_VOTES"})})
part["PRES"].seats("Dem"), int(run.stats["PRES_dem_seats"].iloc[-1])
# %%
start = Partition(gc, "district", {"PRES": Election("PRES", {"Dem": "DEM_VOTES", "Rep": "REP_VOTES"})})
run2 = redraw.ensemble(gc, pop="TOTAL_POP", assignment=start, elections=[start["PRES"].election],
                       steps=2_000, chains=2, seed=1, out="runs/from-gerrychain")
run2.manifest["inputs"]["initial_plan"]
# %%
redraw.metrics.efficiency_gap(start["PRES"]), redraw.metrics.partisan_bias(start["PRES"])
# %%
try:
    redraw.ensemble(pa, pop="TOTAL_POPULATION", assignment="district", steps=10, out="runs/typo")
except redraw.RedrawError as e:
    print(e)
