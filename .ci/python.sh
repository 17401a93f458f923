#!/usr/bin/env bash
# The Python package's CI: a fresh virtualenv, the package built and installed by maturin from
# python/ (`pip install ./python`), the binding crate linted with its `python` feature, and the
# pytest suite (python/tests) against the command line and a real local Ray cluster.
#
# Versions are pinned by python/constraints.txt. The tests run inside a new network namespace
# whose only interface is loopback (`unshare --net`): Ray binds every interface and would
# otherwise use the machine's outward address; this way the cluster is reachable on 127.0.0.1
# alone. Bounded: pytest under `timeout`, the Ray test stops its cluster itself.
# Measured from a cold virtualenv and an empty pip cache: see docs/python.md ("CI").
set -euo pipefail
cd "$(dirname "$0")/.."
export REDRAW_DATA_DIR="${REDRAW_DATA_DIR:-$(cd .. && pwd)/shared/data}"

phase() { printf -- '--- python: %s (%s)\n' "$1" "$(date -u +%H:%M:%S)"; }
py="${PYTHON:-python3}"
venv="$(mktemp -d)/venv"
trap 'rm -rf "$(dirname "$venv")"' EXIT
phase "virtualenv and pinned packages"
"$py" -m venv "$venv"
export PATH="$venv/bin:$PATH"
pip=("$venv/bin/pip" --disable-pip-version-check --no-input -q)
"${pip[@]}" install -c python/constraints.txt maturin pytest numpy pandas pyarrow tqdm "gerrychain==1.0.0" ray
phase "pip install ./python (maturin)"
# The package itself, with the pinned maturin (no build isolation: nothing is fetched twice).
"${pip[@]}" install --no-build-isolation ./python

phase "clippy (redraw-py --features python) and the CLI"
# The binding crate compiles to an empty library without its feature (so the workspace builds
# without Python); lint it here with the feature and this interpreter.
PYO3_PYTHON="$venv/bin/python" cargo clippy -p redraw-py --features python --all-targets --locked -- -D warnings
# The command line the tests compare with.
cargo build --release -p redraw-cli --locked

phase "pytest"
if ! command -v ip >/dev/null 2>&1; then
  apt-get install -y -qq iproute2 >/dev/null
fi
export REDRAW_BIN="$PWD/target/release/redraw"
# SIGINT first, so pytest tears its fixtures down (the Ray test stops its cluster); SIGKILL 60 s later.
timeout -s INT -k 60 900 unshare --net -- bash -c 'ip link set lo up && exec python -m pytest -q -p no:cacheprovider python/tests'
