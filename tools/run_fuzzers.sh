#!/usr/bin/env bash
# Builds netstack's libFuzzer targets with clang (-fsanitize=fuzzer,address,
# undefined) and runs each for a while, seeded from the committed corpora.
#
#   tools/run_fuzzers.sh            # every target, 60 s each
#   tools/run_fuzzers.sh 300 ipv4   # only ipv4_fuzzer, 5 minutes
#
# Needs clang++ and libclang-rt-dev (Debian: clang, libclang-rt-14-dev) and
# Debian's libabsl-dev. Work files go to $FUZZ_OUT (default
# /tmp/standin-fuzz): the new corpus each run grows, and crash-* files if a
# target fails. Exit status: 0 when every target ran its time without a
# finding. Under `bazel test` the same targets only replay the seeds
# (netstack/fuzz/corpus_main.cc); this script is the real fuzzing.
set -euo pipefail

SECONDS_EACH="${1:-60}"
shift || true
REPO="$(cd "$(dirname "$0")/.." && pwd)"
OUT="${FUZZ_OUT:-/tmp/standin-fuzz}"
CXX="${CXX:-clang++}"
# Every netstack/<name>_fuzzer.cc is a target.
ALL=()
for f in "$REPO"/netstack/*_fuzzer.cc; do
  f="${f##*/}"
  ALL+=("${f%_fuzzer.cc}")
done
TARGETS=("${@:-${ALL[@]}}")
if [[ $# -eq 0 ]]; then TARGETS=("${ALL[@]}"); fi

command -v "$CXX" >/dev/null || { echo "run_fuzzers: $CXX not found" >&2; exit 2; }

# Headers are included as "standin/<package>/<file>.h", as Bazel lays them out.
mkdir -p "$OUT/include/standin" "$OUT/obj"
ln -sfn "$REPO/netstack" "$OUT/include/standin/netstack"
ln -sfn "$REPO/transport" "$OUT/include/standin/transport"

SAN=(-fsanitize=address,undefined -fno-sanitize-recover=all
     -fno-omit-frame-pointer)
CXXFLAGS=(-std=c++20 -O1 -g -Wall -Wextra -Werror -I"$OUT/include")
LIBS=(-labsl_status -labsl_statusor -labsl_str_format_internal -labsl_strings
      -labsl_strings_internal -labsl_hash -labsl_raw_hash_set
      -labsl_low_level_hash -labsl_city -labsl_int128 -labsl_throw_delegate
      -labsl_raw_logging_internal -labsl_cord -labsl_cord_internal
      -labsl_cordz_info -labsl_cordz_functions -labsl_time -labsl_time_zone)
# The library sources the fuzzers link: netstack's (not its tests,
# benchmarks or fuzzers) and the transport pieces it uses.
SOURCES=(transport/address transport/status transport/timer_queue)
for f in "$REPO"/netstack/*.cc; do
  case "$f" in
    *_test.cc | *_benchmark.cc | *_fuzzer.cc) continue ;;
  esac
  f="${f#"$REPO"/}"
  SOURCES+=("${f%.cc}")
done

objects=()
for src in "${SOURCES[@]}"; do
  obj="$OUT/obj/$(echo "$src" | tr / _).o"
  "$CXX" "${CXXFLAGS[@]}" "${SAN[@]}" -fsanitize=fuzzer-no-link \
    -c "$REPO/$src.cc" -o "$obj"
  objects+=("$obj")
done

export ASAN_OPTIONS="halt_on_error=1:detect_leaks=1:abort_on_error=1"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1"
status=0
summary=()
for name in "${TARGETS[@]}"; do
  bin="$OUT/${name}_fuzzer"
  "$CXX" "${CXXFLAGS[@]}" "${SAN[@]}" -fsanitize=fuzzer \
    "$REPO/netstack/${name}_fuzzer.cc" "${objects[@]}" "${LIBS[@]}" -o "$bin"
  corpus="$OUT/corpus/$name"
  mkdir -p "$corpus" "$OUT/artifacts/$name"
  log="$OUT/${name}_fuzzer.log"
  echo "== ${name}_fuzzer: ${SECONDS_EACH}s (log: $log)"
  if "$bin" -max_total_time="$SECONDS_EACH" -print_final_stats=1 \
       -artifact_prefix="$OUT/artifacts/$name/" \
       "$corpus" "$REPO/netstack/fuzz/corpus/$name" >"$log" 2>&1; then
    runs="$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" |
            grep -o '[0-9]*$' || echo '?')"
    cov="$(grep -o 'cov: [0-9]*' "$log" | tail -1 || true)"
    summary+=("${name}_fuzzer: OK, ${runs} runs in ${SECONDS_EACH}s, ${cov}")
  else
    status=1
    summary+=("${name}_fuzzer: FAILED (see $log and $OUT/artifacts/$name/)")
    tail -30 "$log"
  fi
done
printf '%s\n' "${summary[@]}"
exit "$status"
