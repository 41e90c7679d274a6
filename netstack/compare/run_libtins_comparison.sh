#!/usr/bin/env bash
# Builds and runs libtins_benchmark.cc: netstack beside libtins on receive
# and build. Needs Debian's libtins-dev, libbenchmark-dev and libabsl-dev
# (apt-get install -y libtins-dev). Not part of `bazel test`.
set -euo pipefail
REPO="$(cd "$(dirname "$0")/../.." && pwd)"
OUT="${OUT:-/tmp/standin-libtins}"
mkdir -p "$OUT/include/standin"
ln -sfn "$REPO/netstack" "$OUT/include/standin/netstack"
ln -sfn "$REPO/transport" "$OUT/include/standin/transport"
SOURCES=(netstack/checksum netstack/ipv4_address netstack/mac_address
         netstack/drop_reason netstack/ethernet netstack/ipv4 netstack/udp
         netstack/builders netstack/raw netstack/ethernet_protocol
         netstack/ip_protocol netstack/raw_udp_protocol transport/address)
files=()
for src in "${SOURCES[@]}"; do files+=("$REPO/$src.cc"); done
g++ -std=c++20 -O2 -march=x86-64-v2 -DNDEBUG -I"$OUT/include" \
  "$REPO/netstack/compare/libtins_benchmark.cc" "${files[@]}" \
  -ltins -lbenchmark -lbenchmark_main -lpthread \
  -labsl_status -labsl_statusor -labsl_str_format_internal -labsl_strings \
  -labsl_strings_internal -labsl_hash -labsl_raw_hash_set \
  -labsl_low_level_hash -labsl_city -labsl_int128 -labsl_throw_delegate \
  -labsl_raw_logging_internal -o "$OUT/libtins_benchmark"
"$OUT/libtins_benchmark" "$@"
