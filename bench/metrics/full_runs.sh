#!/usr/bin/env bash
# Full judge runs on the real data (long; not part of the test suite):
#   NC 2022 and PA 2022 enacted plans against ReCom ensembles on their precinct (VTD) graphs,
#   CA 2021 against an ensemble on the block-group graph.
# Each ensemble: 4 chains from the bench seed plan (graphs/bench/*.json `district`), ±2 %
# population tolerance (the CA 2021 proxy plan deviates by up to 3.44 % on block groups, so the
# report flags it as outside the tolerance rather than loosening the ensemble),
# county splits recorded (GEOID prefix 5), the rdabase 2016–2020 composite as the election.
#
# Usage: bench/metrics/full_runs.sh [OUT_DIR] [NC|PA|CA|NC2016|PA2018 ...] (default NC PA CA)
#   env: REDRAW_BIN (default target/release/redraw), REDRAW_DATA_DIR (default ../shared/data),
#        THREADS (default 1), NC_STEPS / PA_STEPS / CA_STEPS per chain, THIN (NC, PA), CA_THIN.
# Measured on the shared 2-core machine under load, 1 thread: NC 1:05, PA 3:06, CA 14:24
# (4 chains each; NC/PA 100,000 steps thinned by 25, CA 400,000 thinned by 100); every
# diagnosed statistic mixed (R-hat ≤ 1.01, ESS ≥ 400).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
BIN="${REDRAW_BIN:-$ROOT/target/release/redraw}"
DATA="${REDRAW_DATA_DIR:-$ROOT/../shared/data}"
OUT="${1:-$ROOT/bench/out/judge}"
shift || true
STATES=("${@:-NC PA CA}")
THREADS="${THREADS:-1}"
mkdir -p "$OUT"

# run_state NAME GRAPH PLAN STEPS TOL THIN INITIAL...
run_state() {
  local name="$1" st="$2" plan="$3" steps="$4" tol="$5" thin="$6"
  shift 6
  local dir="$OUT/$name-run"
  if [[ ! -f "$dir/manifest.json" ]] || ! grep -q '"complete"' "$dir/manifest.json"; then
    rm -rf "$dir"
    echo "== $name: ensemble, 4 chains x $steps steps, tol $tol, thin $thin" >&2
    /usr/bin/time -v "$BIN" ensemble --graph "$DATA/graphs/bench/$st.json" --pop TOTAL_POP "$@" \
      --tol "$tol" --steps "$steps" --chains 4 --threads "$THREADS" --seed 2026 --thin "$thin" \
      --election COMP=DEM_VOTES,REP_VOTES --county-prefix 5 --out "$dir" > "$OUT/$name-ensemble.txt" 2> "$OUT/$name-ensemble.time"
  fi
  echo "== $name: judge $plan" >&2
  "$BIN" judge --graph "$DATA/graphs/bench/$st.json" --plan "$DATA/plans/$plan" --ensemble "$dir" \
    --report "$OUT/$name-report" --format markdown > "$OUT/$name-verdicts.md"
  "$BIN" judge --graph "$DATA/graphs/bench/$st.json" --plan "$DATA/plans/$plan" --ensemble "$dir" \
    --format json > "$OUT/$name-judgement.json"
}

for st in ${STATES[@]}; do
  case "$st" in
    NC) run_state NC NC NC_cd_2022_vtds.csv "${NC_STEPS:-100000}" 0.02 "${THIN:-25}" --assignment district ;;
    PA) run_state PA PA PA_cd_2022_vtds.csv "${PA_STEPS:-100000}" 0.02 "${THIN:-25}" --assignment district ;;
    CA) run_state CA CA CA_cd_2021_blockgroups.csv "${CA_STEPS:-400000}" 0.02 "${CA_THIN:-100}" --assignment district ;;
    # Plans drawn for the 2010 apportionment, judged on 2020 units against ensembles with their
    # district counts (generated seed plans): both sit far outside ±2 % on 2020 population.
    NC2016) run_state NC2016 NC NC_cd_2016_vtds.csv "${NC_STEPS:-100000}" 0.02 "${THIN:-25}" --districts 13 ;;
    PA2018) run_state PA2018 PA PA_cd_2018_vtds.csv "${PA_STEPS:-100000}" 0.02 "${THIN:-25}" --districts 18 ;;
    *) echo "unknown state $st" >&2; exit 2 ;;
  esac
done
echo "outputs in $OUT" >&2
