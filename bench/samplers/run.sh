#!/usr/bin/env bash
# Effective samples per second of plain ReCom, reversible ReCom, merge-split and SMC on the PA and
# CA bench graphs (same CPU budget each), SMC throughput on 1 and 2 threads, peak memory.
# Usage: bench/samplers/run.sh [samplers.py options, e.g. --states PA --budget 120]
# See bench/samplers/README.md. Long: run it alone, under nice, and note the machine's load.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
data="${REDRAW_DATA_DIR:-$(cd "$repo/.." && pwd)/shared/data}"
[ -d "$data/graphs/bench" ] || { echo "bench: $data/graphs/bench not found (set REDRAW_DATA_DIR)" >&2; exit 1; }
if [ -n "${REDRAW_BIN:-}" ]; then
  redraw="$REDRAW_BIN"
else
  (cd "$repo" && cargo build --release --quiet -p redraw-cli)
  redraw="${CARGO_TARGET_DIR:-$repo/target}/release/redraw"
fi
[ -x /usr/bin/time ] || echo "bench: GNU time not found; peak memory is not measured (apt-get install time)" >&2
exec python3 "$here/samplers.py" --redraw "$redraw" --data "$data" "$@"
