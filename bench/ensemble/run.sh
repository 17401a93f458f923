#!/usr/bin/env bash
# Side-by-side ReCom benchmark of redraw and GerryChain on the NC, PA and CA bench graphs.
# Usage: bench/ensemble/run.sh [compare.py options, e.g. --states PA --gc-steps 100]
# See bench/ensemble/README.md for what is measured and how to read the table.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
venv="${BENCH_VENV:-$repo/bench/.venv}"
gerrychain_spec="${GERRYCHAIN_SPEC:-gerrychain==1.0.0}"
data="${REDRAW_DATA_DIR:-$(cd "$repo/.." && pwd)/shared/data}"

die() { echo "bench: $*" >&2; exit 1; }

[ -d "$data/graphs/bench" ] || die "bench graphs not found in $data/graphs/bench (set REDRAW_DATA_DIR)"
command -v python3 >/dev/null || die "python3 is needed to create the GerryChain virtualenv"
# GNU time measures each process's own peak RSS (see compare.py for why wait4 from Python can't).
if [ ! -x /usr/bin/time ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "bench: installing GNU time (Debian package 'time') to measure peak memory" >&2
    apt-get install -y -qq time >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq time >/dev/null; } \
      || echo "bench: could not install GNU time; peak RSS falls back to wait4 (overestimates small processes)" >&2
  else
    echo "bench: /usr/bin/time (GNU time) not found; peak RSS falls back to wait4 (overestimates small processes)" >&2
  fi
fi

# 1. GerryChain from PyPI in a virtualenv of its own (created once, reused afterwards).
if ! "$venv/bin/python" -c "import gerrychain" 2>/dev/null; then
  echo "bench: creating $venv with $gerrychain_spec (pulls numpy, scipy, networkx, geopandas; a minute or two)" >&2
  python3 -m venv "$venv" || die "python3 -m venv failed (on Debian: apt-get install python3-venv)"
  "$venv/bin/pip" install --quiet --upgrade pip || die "pip upgrade failed"
  "$venv/bin/pip" install --quiet "$gerrychain_spec" || die "pip install $gerrychain_spec failed"
fi
echo "bench: $("$venv/bin/python" -c 'import importlib.metadata as m; print("gerrychain", m.version("gerrychain"), "networkx", m.version("networkx"))')" >&2

# 2. redraw, release build (or REDRAW_BIN to benchmark a given binary).
if [ -n "${REDRAW_BIN:-}" ]; then
  redraw="$REDRAW_BIN"
else
  echo "bench: building redraw (release)" >&2
  (cd "$repo" && cargo build --release --quiet -p redraw-cli) || die "cargo build --release -p redraw-cli failed"
  redraw="${CARGO_TARGET_DIR:-$repo/target}/release/redraw"
fi
[ -x "$redraw" ] || die "redraw binary not found at $redraw"
case " $* " in
  *" --skip-redraw "*) ;;
  *) "$redraw" ensemble --help 2>/dev/null | grep -q -- '--steps' \
       || die "$redraw has no 'ensemble' command yet (measure GerryChain alone with --skip-redraw)" ;;
esac

echo "bench: machine: $(nproc) cores; load average now: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
exec "$venv/bin/python" "$here/compare.py" --python "$venv/bin/python" --redraw "$redraw" --data "$data" "$@"
