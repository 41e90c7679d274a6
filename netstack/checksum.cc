#include "standin/netstack/checksum.h"

#include <algorithm>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
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
// Sums whole 64-byte blocks of `*data` as little-endian 16-bit words into a
// plain (not yet folded) 64-bit total, advancing `*data` and `*size`.
// pmaddwd adds adjacent words into 32-bit lanes, four lanes per 16 bytes,
// which is twice the scalar rate below. It treats words as signed, so each
// word is biased by -32768 first (xor 0x8000) and the bias is added back
// per batch; batches are short enough that no lane can overflow.
uint64_t SumBlocksSse2(const char** data, size_t* size) {
  const __m128i bias = _mm_set1_epi16(static_cast<int16_t>(0x8000));
  const __m128i ones = _mm_set1_epi16(1);
  const char* p = *data;
  uint64_t total = 0;
  while (*size >= 64) {
    // Each block adds at most 2 * 65536 to a lane: 8192 blocks stay below
    // 2^31 in magnitude.
    size_t blocks = std::min<size_t>(*size / 64, 8192);
    __m128i a0 = _mm_setzero_si128(), a1 = a0, a2 = a0, a3 = a0;
    for (size_t i = 0; i < blocks; ++i, p += 64) {
      auto load = [&](int at) {
        return _mm_xor_si128(
            _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + at)), bias);
      };
      a0 = _mm_add_epi32(a0, _mm_madd_epi16(load(0), ones));
      a1 = _mm_add_epi32(a1, _mm_madd_epi16(load(16), ones));
      a2 = _mm_add_epi32(a2, _mm_madd_epi16(load(32), ones));
      a3 = _mm_add_epi32(a3, _mm_madd_epi16(load(48), ones));
    }
    __m128i s = _mm_add_epi32(_mm_add_epi32(a0, a1), _mm_add_epi32(a2, a3));
    int32_t lanes[4];
    std::memcpy(lanes, &s, sizeof(lanes));
    int64_t batch = int64_t{lanes[0]} + lanes[1] + lanes[2] + lanes[3];
    batch += static_cast<int64_t>(blocks) * 32 * 32768;  // undo the bias
    total += static_cast<uint64_t>(batch);
    *size -= blocks * 64;
  }
  *data = p;
  return total;
}
#endif

}  // namespace

uint64_t OnesComplementSum64(const char* data, size_t size, uint64_t initial) {
#if defined(__SSE2__)
  // A plain sum of 16-bit words is congruent to their ones'-complement sum
  // modulo 0xffff, which is all Fold64() needs.
  if (size >= 64) initial = AddCarry(initial, SumBlocksSse2(&data, &size));
#endif
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
  if (size > 0) {
    uint64_t tail = 0;
    std::memcpy(&tail, data, size);  // zero padding, as RFC 1071 requires
    a1 += tail;
  }
  a0 += a1;
  a2 += a3;
  a0 += a2;
  return AddCarry(static_cast<uint64_t>(a0), static_cast<uint64_t>(a0 >> 64));
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

uint16_t InternetChecksum(std::string_view bytes) {
  uint64_t sum = internal::OnesComplementSum64(bytes.data(), bytes.size(), 0);
  // The words were loaded little-endian; swapping the folded sum gives the
  // network-order sum (RFC 1071 byte-order independence).
  return static_cast<uint16_t>(~__builtin_bswap16(internal::Fold64(sum)));
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
