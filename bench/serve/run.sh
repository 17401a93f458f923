#!/usr/bin/env bash
# Reproduces the `redraw serve` figures of bench/serve/README.md on this machine:
#  1. a bounded load test: 64 clients for 30 s on loopback, mixing evaluate, geometry and judge,
#     then the catalogue of bad requests (bench/serve/load.rs);
#  2. repaint-to-panel latency over 200 repaints in headless Chromium (bench/serve/latency.mjs;
#     needs `npm ci` in e2e/ and /usr/bin/chromium, as .ci/browser.sh installs them).
# The judge requests need an ensemble run: a small North Carolina one is drawn under a temporary
# --runs directory with its graph, the enacted 2022 plan and the VTD shapes beside it.
#
#   bench/serve/run.sh            (REDRAW_DATA_DIR defaults to ../shared/data)
set -euo pipefail
cd "$(dirname "$0")/../.."
DATA=${REDRAW_DATA_DIR:-$(cd .. && pwd)/shared/data}
CLIENTS=${CLIENTS:-64}
SECONDS_=${SECONDS_:-30}

cargo build --release -p redraw-cli -p redraw-server --example load

work=$(mktemp -d)
pid=
cleanup() {
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

mkdir -p "$work/runs"
./target/release/redraw ensemble --graph "$DATA/graphs/bench/NC.json" --pop TOTAL_POP --assignment district \
  --tol 0.02 --steps 2000 --chains 2 --seed 1 --election COMP=DEM_VOTES,REP_VOTES --county-prefix 5 \
  --out "$work/runs/nc" >/dev/null
cp "$DATA/graphs/bench/NC.json" "$work/runs/nc/"
cp "$DATA/plans/NC_cd_2022_vtds.csv" "$work/runs/"
cp "$DATA/shapes/NC_2020_vtd.topojson" "$work/runs/"

./target/release/redraw serve --port 0 --runs "$work/runs" >"$work/serve.log" 2>&1 &
pid=$!
for _ in $(seq 100); do
  url=$(sed -n 's/^redraw serve: //p' "$work/serve.log")
  [ -n "$url" ] && break
  sleep 0.1
done
[ -n "$url" ] || { cat "$work/serve.log"; exit 1; }
echo "server: $url   machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"

./target/release/examples/load "$url" --clients "$CLIENTS" --seconds "$SECONDS_" --judge nc NC_cd_2022_vtds.csv
echo "load after the load test: $(cut -d' ' -f1-3 /proc/loadavg)"

# Let the load test's own CPU use die down before timing the browser.
sleep 20
if [ -d e2e/node_modules/playwright-core ] && [ -x "${CHROMIUM:-/usr/bin/chromium}" ]; then
  REDRAW_URL=$url node bench/serve/latency.mjs
  echo "load after the latency run: $(cut -d' ' -f1-3 /proc/loadavg)"
else
  echo "latency: skipped (run 'npm ci' in e2e/ and install chromium, as .ci/browser.sh does)"
fi
