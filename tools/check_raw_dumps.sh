#!/usr/bin/env bash
# check_raw_dumps.sh: lists every type that a test binary would print as
# gtest's raw memory dump ("N-byte object <28-E5 8A-64 ...>") and fails if
# there is one.
#
#   ./bazelw build //...            # first: the binaries to inspect
#   tools/check_raw_dumps.sh        # every *_test and *_fuzzer in bazel-bin
#   tools/check_raw_dumps.sh bazel-bin/transport/string_transport_test
#
# gtest 1.12 prints a value without PrintTo(), operator<< or a container
# interface through testing::internal::RawBytesPrinter::PrintValue<T>, a
# template instantiated for each such T that an EXPECT_*/ASSERT_* (or a
# matcher, or a test parameter) might print. Its symbols in the binary name
# exactly the types whose failure message would be a raw dump, whether or
# not a test fails today. A type printed that way gets a printer (or the
# assertion is rewritten, e.g. EXPECT_TRUE(p == nullptr) for a unique_ptr
# whose pointee has none).
set -euo pipefail
cd "$(dirname "$0")/.."

if (($#)); then
  binaries=("$@")
else
  mapfile -t binaries < <(find -L bazel-bin/ -path '*.runfiles' -prune -o \
    -type f \( -name '*_test' -o -name '*_fuzzer' \) -perm -u+x -print |
    sort)
fi
if ((${#binaries[@]} == 0)); then
  echo "check_raw_dumps.sh: no test binaries; run ./bazelw build //... first" >&2
  exit 2
fi

found=0
for binary in "${binaries[@]}"; do
  while IFS= read -r type; do
    echo "${binary#bazel-bin/}: ${type}"
    found=$((found + 1))
  done < <(nm -C "$binary" 2>/dev/null |
    sed -n 's/.*RawBytesPrinter::PrintValue<\(.*\), [0-9]*ul>(.*/\1/p' |
    sort -u)
done
echo "check_raw_dumps.sh: ${#binaries[@]} binaries, ${found} raw-dumped types"
((found == 0))
