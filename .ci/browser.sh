#!/usr/bin/env bash
# Browser tests of `redraw serve`: real headless Chromium (Debian's chromium) driven by
# playwright-core from npm (e2e/package-lock.json). Installs both when missing, builds the
# release binary, starts one server on a free port with a small ensemble run under --runs, runs
# every test in e2e/tests (the editor flow, the ensemble viewer, the model and link codec), and
# stops the server. Screenshots land in target/e2e-screenshots/.
set -euo pipefail
cd "$(dirname "$0")/.."
export REDRAW_DATA_DIR="${REDRAW_DATA_DIR:-$(cd .. && pwd)/shared/data}"
export CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"

if [ ! -x "$CHROMIUM" ]; then
  echo "browser: installing chromium (apt)"
  SUDO=""
  [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
fi
"$CHROMIUM" --version
if [ ! -d e2e/node_modules/playwright-core ]; then
  echo "browser: installing playwright-core (npm ci)"
  (cd e2e && npm ci --no-audit --no-fund --loglevel=error)
fi

cargo build --release --locked -p redraw-cli

work=$(mktemp -d)
pid=
cleanup() {
  if [ -n "$pid" ]; then kill -INT "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

# A small North Carolina ensemble with what judging it needs beside it (as e2e/tests/runs.test.mjs
# prepares it when run alone).
runs="$work/runs"
mkdir -p "$runs"
./target/release/redraw ensemble --graph "$REDRAW_DATA_DIR/graphs/bench/NC.json" --pop TOTAL_POP \
  --assignment district --tol 0.02 --steps 1000 --chains 2 --seed 11 \
  --election COMP=DEM_VOTES,REP_VOTES --county-prefix 5 --out "$runs/nc-2022" >/dev/null
cp "$REDRAW_DATA_DIR/graphs/bench/NC.json" "$runs/nc-2022/"
cp "$REDRAW_DATA_DIR/plans/NC_cd_2022_vtds.csv" "$runs/nc-2022/"
cp "$REDRAW_DATA_DIR/shapes/NC_2020_vtd.topojson" "$runs/"

./target/release/redraw serve --port 0 --runs "$runs" >"$work/serve.log" 2>&1 &
pid=$!
url=
for _ in $(seq 300); do
  url=$(sed -n 's/^redraw serve: //p' "$work/serve.log")
  [ -n "$url" ] && break
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.1
done
if [ -z "$url" ]; then
  echo "browser: redraw serve did not start" >&2
  cat "$work/serve.log" >&2
  exit 1
fi
echo "browser: server at $url"

(cd e2e && REDRAW_URL="$url" REDRAW_RUNS="$runs" npm test --silent)
