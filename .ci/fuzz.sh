#!/usr/bin/env bash
# Runs every fuzz target of fuzz/ (cargo-fuzz + libFuzzer, nightly) for a short, bounded time.
#
#   .ci/fuzz.sh                  # every target, FUZZ_SECONDS (default 15) seconds each
#   .ci/fuzz.sh 600 networkx     # one target for 10 minutes (the local campaigns)
#   FUZZ_SANITIZER=none .ci/fuzz.sh 10   # what CI runs: no AddressSanitizer (a third faster to
#                                        # build); oversized allocations then show as RSS only
#
# Needs the nightly toolchain; installs cargo-fuzz when it is missing. Without nightly it prints
# "fuzz: skipped: no nightly toolchain" and succeeds, so CI on a stable-only machine stays green.
# A crash, a timeout (-timeout, seconds per input) or a memory blow-up (-rss_limit_mb,
# -malloc_limit_mb) fails the script; libFuzzer leaves the input in fuzz/artifacts/TARGET/.
# Minimize it (`cargo +nightly fuzz tmin TARGET FILE`), fix the bug, and commit the minimized
# input to fuzz/regressions/TARGET/ (replayed on stable by `cargo test`).
set -euo pipefail
cd "$(dirname "$0")/.."

secs="${1:-${FUZZ_SECONDS:-15}}"
shift || true

if ! rustup toolchain list 2>/dev/null | grep -q '^nightly'; then
  echo "fuzz: skipped: no nightly toolchain (rustup toolchain install nightly to run the fuzz targets)"
  exit 0
fi
if ! cargo +nightly fuzz --version >/dev/null 2>&1; then
  echo "fuzz: installing cargo-fuzz"
  t0=$(date +%s)
  cargo +nightly install cargo-fuzz --locked --quiet
  echo "fuzz: cargo-fuzz installed in $(( $(date +%s) - t0 )) s"
fi

cd fuzz
# -a: debug assertions (arithmetic overflow is a finding). The address sanitizer (the default) is
# what makes -malloc_limit_mb catch a single oversized allocation before it is touched.
sanitizer=(-s "${FUZZ_SANITIZER:-address}")
build=(cargo +nightly fuzz build -O -a "${sanitizer[@]}")
t0=$(date +%s)
"${build[@]}"
echo "fuzz: targets built in $(( $(date +%s) - t0 )) s"

if [ "$#" -gt 0 ]; then
  targets=("$@")
else
  mapfile -t targets < <(cargo +nightly fuzz list)
fi

for t in "${targets[@]}"; do
  mkdir -p "corpus/$t" "seeds/$t" "regressions/$t"
  echo "fuzz: $t for ${secs} s"
  # corpus/ (ignored by git) collects what the run finds; the committed seeds and regressions
  # are read only.
  set +e
  cargo +nightly fuzz run -O -a "${sanitizer[@]}" "$t" "corpus/$t" "seeds/$t" "regressions/$t" -- \
    -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=1024 \
    -print_final_stats=1 >"corpus/$t.log" 2>&1
  rc=$?
  set -e
  grep -E '^(#[0-9]+ +DONE|stat::number_of_executed_units|stat::peak_rss_mb)' "corpus/$t.log" || true
  echo "fuzz: $t corpus: $(find "corpus/$t" -type f | wc -l) inputs"
  if [ "$rc" -ne 0 ]; then
    echo "fuzz: $t FAILED (log: fuzz/corpus/$t.log; input in fuzz/artifacts/$t/)" >&2
    tail -40 "corpus/$t.log" >&2
    exit 1
  fi
done
echo "fuzz: ${#targets[@]} target(s), ${secs} s each, no crash"
