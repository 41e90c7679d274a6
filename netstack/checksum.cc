#include "standin/netstack/checksum.h"

#include <algorithm>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define STANDIN_CHECKSUM_AVX2 1
#endif

namespace standin::netstack {
namespace internal {

namespace {

inline uint64_t Load64(const char* p) {
  uint64_t v;
  std::memcpy(&v, p, sizeof(v));
  return v;
}

// a + b with the carry out of bit 63 added back in (end-around carry).
inline uint64_t AddCarry(uint64_t a, uint64_t b) {
  uint64_t s;
  bool carry = __builtin_add_overflow(a, b, &s);
  return s + carry;  // cannot carry again: s <= 2^64 - 2 when carry is set
}

#if defined(__SSE2__)
// Sums whole 16-byte vectors of `*data` as little-endian 16-bit words into a
// plain (not yet folded) 64-bit total, advancing `*data` and `*size`.
// pmaddwd adds adjacent words into 32-bit lanes, four lanes per 16 bytes,
// which is twice the scalar rate below. It treats words as signed, so each
// word is biased by -32768 first (xor 0x8000) and the bias is added back
// per batch; batches are short enough that no lane can overflow.
uint64_t SumVectorsSse2(const char** data, size_t* size) {
  const __m128i bias = _mm_set1_epi16(static_cast<int16_t>(0x8000));
  const __m128i ones = _mm_set1_epi16(1);
  auto load = [&](const char* at) {
    return _mm_madd_epi16(
        _mm_xor_si128(_mm_loadu_si128(reinterpret_cast<const __m128i*>(at)),
                      bias),
        ones);
  };
  const char* p = *data;
  uint64_t total = 0;
  while (*size >= 16) {
    // Each vector adds at most 2 * 32768 in magnitude to a lane: 8192
    // 64-byte blocks (plus three vectors) stay far below 2^31.
    size_t blocks = std::min<size_t>(*size / 64, 8192);
    __m128i a0 = _mm_setzero_si128(), a1 = a0, a2 = a0, a3 = a0;
    for (size_t i = 0; i < blocks; ++i, p += 64) {
      a0 = _mm_add_epi32(a0, load(p));
      a1 = _mm_add_epi32(a1, load(p + 16));
      a2 = _mm_add_epi32(a2, load(p + 32));
      a3 = _mm_add_epi32(a3, load(p + 48));
    }
    size_t vectors = blocks * 4;
    *size -= blocks * 64;
    if (blocks < 8192) {  // the last batch: finish the odd vectors too
      for (; *size >= 16; *size -= 16, p += 16, ++vectors) {
        a0 = _mm_add_epi32(a0, load(p));
      }
    }
    __m128i s = _mm_add_epi32(_mm_add_epi32(a0, a1), _mm_add_epi32(a2, a3));
    int32_t lanes[4];
    std::memcpy(lanes, &s, sizeof(lanes));
    int64_t batch = int64_t{lanes[0]} + lanes[1] + lanes[2] + lanes[3];
    batch += static_cast<int64_t>(vectors) * 8 * 32768;  // undo the bias
    total += static_cast<uint64_t>(batch);
  }
  *data = p;
  return total;
}
#endif

#if defined(STANDIN_CHECKSUM_AVX2)
// SumVectorsSse2() at twice the width, for CPUs that have AVX2 (checked at
// run time: the build targets x86-64-v2). Leaves fewer than 32 bytes.
__attribute__((target("avx2"))) uint64_t SumVectorsAvx2(const char** data,
                                                        size_t* size) {
  const __m256i bias = _mm256_set1_epi16(static_cast<int16_t>(0x8000));
  const __m256i ones = _mm256_set1_epi16(1);
  auto load = [&](const char* at) __attribute__((target("avx2"))) {
    return _mm256_madd_epi16(
        _mm256_xor_si256(
            _mm256_loadu_si256(reinterpret_cast<const __m256i*>(at)), bias),
        ones);
  };
  const char* p = *data;
  uint64_t total = 0;
  while (*size >= 32) {
    // As in SumVectorsSse2: 8192 blocks keep every lane below 2^31.
    size_t blocks = std::min<size_t>(*size / 128, 8192);
    __m256i a0 = _mm256_setzero_si256(), a1 = a0, a2 = a0, a3 = a0;
    for (size_t i = 0; i < blocks; ++i, p += 128) {
      a0 = _mm256_add_epi32(a0, load(p));
      a1 = _mm256_add_epi32(a1, load(p + 32));
      a2 = _mm256_add_epi32(a2, load(p + 64));
      a3 = _mm256_add_epi32(a3, load(p + 96));
    }
    size_t vectors = blocks * 4;
    *size -= blocks * 128;
    if (blocks < 8192) {
      for (; *size >= 32; *size -= 32, p += 32, ++vectors) {
        a0 = _mm256_add_epi32(a0, load(p));
      }
    }
    __m256i s =
        _mm256_add_epi32(_mm256_add_epi32(a0, a1), _mm256_add_epi32(a2, a3));
    int32_t lanes[8];
    std::memcpy(lanes, &s, sizeof(lanes));
    int64_t batch = 0;
    for (int32_t lane : lanes) batch += lane;
    batch += static_cast<int64_t>(vectors) * 16 * 32768;  // undo the bias
    total += static_cast<uint64_t>(batch);
  }
  *data = p;
  return total;
}

bool HasAvx2() {
  static const bool has = __builtin_cpu_supports("avx2");
  return has;
}
#endif

// The sum 8 bytes per step, for short buffers and the tails of long ones.
inline uint64_t ScalarSum64(const char* data, size_t size, uint64_t initial) {
  // Four 128-bit accumulators: each 8-byte step is one add and one
  // add-with-carry, and the four chains run in parallel. Carries pile up in
  // the high halves, which cannot overflow for any buffer that fits in memory.
  unsigned __int128 a0 = initial, a1 = 0, a2 = 0, a3 = 0;
  while (size >= 32) {
    a0 += Load64(data);
    a1 += Load64(data + 8);
    a2 += Load64(data + 16);
    a3 += Load64(data + 24);
    data += 32;
    size -= 32;
  }
  while (size >= 8) {
    a0 += Load64(data);
    data += 8;
    size -= 8;
  }
  // The last 0-7 bytes, zero-padded as RFC 1071 requires, each at its
  // little-endian position in one word. Fixed-size loads: a variable-size
  // memcpy would be a library call, slower than the whole 20-byte header sum.
  uint64_t tail = 0;
  int shift = 0;
  if (size & 4) {
    uint32_t v;
    std::memcpy(&v, data, 4);
    tail = v;
    data += 4;
    shift = 32;
  }
  if (size & 2) {
    uint16_t v;
    std::memcpy(&v, data, 2);
    tail |= uint64_t{v} << shift;
    data += 2;
    shift += 16;
  }
  if (size & 1) tail |= uint64_t{static_cast<uint8_t>(*data)} << shift;
  a1 += tail;
  a0 += a1;
  a2 += a3;
  a0 += a2;
  return AddCarry(static_cast<uint64_t>(a0), static_cast<uint64_t>(a0 >> 64));
}

SimdPath BestSimdPath() {
#if defined(STANDIN_CHECKSUM_AVX2)
  if (HasAvx2()) return SimdPath::kAvx2;
#endif
#if defined(__SSE2__)
  return SimdPath::kSse2;
#else
  return SimdPath::kScalar;
#endif
}

}  // namespace

bool SimdPathAvailable(SimdPath path) {
  switch (path) {
    case SimdPath::kScalar:
      return true;
    case SimdPath::kSse2:
#if defined(__SSE2__)
      return true;
#else
      return false;
#endif
    case SimdPath::kAvx2:
#if defined(STANDIN_CHECKSUM_AVX2)
      return HasAvx2();
#else
      return false;
#endif
  }
  return false;
}

uint64_t OnesComplementSum64(const char* data, size_t size, uint64_t initial) {
  // Short buffers (headers, small datagrams) go straight to the scalar loop.
  if (size < 128) return ScalarSum64(data, size, initial);
  static const SimdPath best = BestSimdPath();
  return OnesComplementSum64With(best, data, size, initial);
}

uint64_t OnesComplementSum64With(SimdPath path, const char* data, size_t size,
                                 uint64_t initial) {
#if defined(__SSE2__)
  // A plain sum of 16-bit words is congruent to their ones'-complement sum
  // modulo 0xffff, which is all Fold64() needs. Below 128 bytes the scalar
  // loop wins: the SIMD setup and horizontal sum cost more than they save.
  if (size >= 128 && path != SimdPath::kScalar) {
#if defined(STANDIN_CHECKSUM_AVX2)
    if (path == SimdPath::kAvx2) {
      initial = AddCarry(initial, SumVectorsAvx2(&data, &size));
    }
#endif
    initial = AddCarry(initial, SumVectorsSse2(&data, &size));
  }
#endif
  return ScalarSum64(data, size, initial);
}

uint16_t Fold64(uint64_t sum) {
  uint64_t s32 = (sum & 0xffffffffu) + (sum >> 32);
  s32 = (s32 & 0xffffffffu) + (s32 >> 32);
  uint32_t s16 = static_cast<uint32_t>((s32 & 0xffff) + (s32 >> 16));
  s16 = (s16 & 0xffff) + (s16 >> 16);
  s16 = (s16 & 0xffff) + (s16 >> 16);
  return static_cast<uint16_t>(s16);
}

}  // namespace internal

uint16_t OnesComplementSum(std::string_view bytes, uint32_t initial) {
  // The words are loaded little-endian, so `initial` (network order) is
  // swapped into that order, and the folded result swapped back (RFC 1071
  // byte-order independence).
  uint64_t sum = internal::OnesComplementSum64(
      bytes.data(), bytes.size(), __builtin_bswap16(internal::Fold64(initial)));
  return __builtin_bswap16(internal::Fold64(sum));
}

uint16_t InternetChecksum(std::string_view bytes) {
  return static_cast<uint16_t>(~OnesComplementSum(bytes, 0));
}

void ChecksumAccumulator::Add(std::string_view bytes) {
  uint16_t piece = internal::Fold64(
      internal::OnesComplementSum64(bytes.data(), bytes.size(), 0));
  // A piece that starts at an odd offset has its bytes in the other halves
  // of each 16-bit word; swapping its folded sum moves them back.
  if (odd_) piece = __builtin_bswap16(piece);
  sum_ += piece;  // 2^48 pieces before this could overflow: never reached
  if (bytes.size() % 2 == 1) odd_ = !odd_;
}

void ChecksumAccumulator::AddU16(uint16_t value) {
  char bytes[2] = {static_cast<char>(value >> 8), static_cast<char>(value)};
  Add(std::string_view(bytes, sizeof(bytes)));
}

void ChecksumAccumulator::AddU32(uint32_t value) {
  char bytes[4] = {static_cast<char>(value >> 24),
                   static_cast<char>(value >> 16),
                   static_cast<char>(value >> 8), static_cast<char>(value)};
  Add(std::string_view(bytes, sizeof(bytes)));
}

uint16_t ChecksumAccumulator::Sum() const {
  return __builtin_bswap16(internal::Fold64(sum_));
}

}  // namespace standin::netstack
