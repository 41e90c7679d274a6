#include "standin/netstack/checksum.h"

#include <cstring>

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

}  // namespace

uint64_t OnesComplementSum64(const char* data, size_t size, uint64_t initial) {
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
