// libFuzzer target: the Internet checksum on arbitrary bytes at every
// alignment. The first input byte picks the alignment (0-63 bytes past a
// 64-byte boundary) and a split point; the rest is the buffer. Checks that
// InternetChecksum(), every summing path this CPU has (scalar, SSE2, AVX2,
// AVX-VNNI), OnesComplementSum() with an initial value and a two-piece
// ChecksumAccumulator all equal RFC 1071's definition, summed 16 bits at a
// time.
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "standin/netstack/checksum.h"
#include "standin/netstack/fuzz/fuzz_check.h"

namespace {

namespace internal = standin::netstack::internal;

// RFC 1071, 16 bits per step, big-endian words, odd byte zero-padded: the
// uncomplemented, folded sum of `bytes` plus `initial`.
uint16_t ReferenceSum(std::string_view bytes, uint32_t initial) {
  uint64_t sum = initial;
  for (size_t i = 0; i < bytes.size(); i += 2) {
    uint32_t hi = static_cast<uint8_t>(bytes[i]);
    uint32_t lo = i + 1 < bytes.size() ? static_cast<uint8_t>(bytes[i + 1]) : 0;
    sum += hi << 8 | lo;
  }
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<uint16_t>(sum);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const size_t offset = data[0] % 64;
  const size_t length = size - 1;
  // A copy at the chosen distance past a 64-byte boundary, so that the
  // vector paths' aligned and straddling loads are both exercised.
  std::string storage(length + 128, '\0');
  const uintptr_t base = reinterpret_cast<uintptr_t>(storage.data());
  char* p = storage.data() + (64 - base % 64) % 64 + offset;
  if (length > 0) std::memcpy(p, data + 1, length);
  const std::string_view bytes(p, length);

  const uint16_t want = ReferenceSum(bytes, 0);
  FUZZ_CHECK(standin::netstack::InternetChecksum(bytes) ==
             static_cast<uint16_t>(~want));
  for (internal::SimdPath path :
       {internal::SimdPath::kScalar, internal::SimdPath::kSse2,
        internal::SimdPath::kAvx2, internal::SimdPath::kAvxVnni,
        internal::SimdPath::kAvx512Vnni}) {
    if (!internal::SimdPathAvailable(path)) continue;
    uint64_t sum =
        internal::OnesComplementSum64With(path, bytes.data(), bytes.size(), 0);
    FUZZ_CHECK(__builtin_bswap16(internal::Fold64(sum)) == want);
  }

  // An initial value (as for a pseudo-header), taken from the input.
  uint32_t initial = 0;
  std::memcpy(&initial, data, std::min<size_t>(size, 3));
  FUZZ_CHECK(standin::netstack::OnesComplementSum(bytes, initial) ==
             ReferenceSum(bytes, initial));

  // Two pieces, split where the first byte says: odd splits included.
  const size_t split = length == 0 ? 0 : (data[0] * 7u) % (length + 1);
  standin::netstack::ChecksumAccumulator acc;
  acc.Add(bytes.substr(0, split));
  acc.Add(bytes.substr(split));
  FUZZ_CHECK(acc.Sum() == want);
  return 0;
}
