#!/usr/bin/env bash
# Runs every *_benchmark target once, optimized and briefly: a smoke test of
# the checks each benchmark makes outside its timed region (ours and every
# limit must have done the work right, or the benchmark reports "ERROR
# OCCURRED"), not a measurement. For figures, run one benchmark on a quiet
# machine as README.md says.
#
#   tools/run_benchmarks.sh [min_time_seconds]   # default 0.01
set -euo pipefail
cd "$(dirname "$0")/.."
min_time="${1:-0.01}"
mapfile -t targets < <(./bazelw query --noshow_progress \
  'attr(name, "_benchmark$", kind(cc_binary, //...))' 2>/dev/null)
./bazelw build --config=opt --noshow_progress "${targets[@]}"
failed=0
for target in "${targets[@]}"; do
  log="$(mktemp)"
  if ./bazelw run --config=opt --noshow_progress "$target" -- \
      --benchmark_min_time="$min_time" >"$log" 2>&1 &&
      ! grep -q "ERROR OCCURRED" "$log"; then
    echo "${target}: OK"
  else
    cat "$log"
    echo "${target}: FAILED"
    failed=1
  fi
  rm -f "$log"
done
exit "$failed"
