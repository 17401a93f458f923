#!/usr/bin/env bash
# Python package speed, side by side with the CLI and across Ray workers (bench/python/speed.py).
# Usage: bench/python/run.sh            (creates bench/.venv-python with the pinned packages)
#        VENV=/path/to/venv bench/python/run.sh   (a venv where redraw, ray are installed)
# Runs in a loopback-only network namespace (as .ci/python.sh), so Ray stays on 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/../.."
export REDRAW_DATA_DIR="${REDRAW_DATA_DIR:-$(cd .. && pwd)/shared/data}"
if [ -z "${VENV:-}" ]; then
  VENV=bench/.venv-python
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q -c python/constraints.txt maturin numpy ray
  "$VENV/bin/pip" install -q --no-build-isolation ./python
fi
cargo build --release -p redraw-cli --locked
export PATH="$VENV/bin:$PATH"
exec unshare --net -- bash -c 'ip link set lo up && exec nice -n 10 python bench/python/speed.py'
