// The Internet checksum (RFC 1071): the 16-bit ones'-complement sum used by
// IPv4, UDP, TCP and ICMP headers.
//
// InternetChecksum() returns the value to store in a header: the complement
// of the sum, in host order (store it with StoreBe16). A buffer that already
// carries a correct checksum therefore checksums to 0. Words are summed in
// native byte order and folded once at the end, which is legal because
// ones'-complement addition is byte-order independent (RFC 1071 section 2):
// from 32 bytes up with vectors (AVX-VNNI or AVX2 when the CPU has them,
// chosen at run time; else SSE2), pmaddwd into 32-bit lanes; shorter buffers
// 8 bytes per step into 128-bit accumulators.
//
// For sums over several pieces (UDP's pseudo-header, then the datagram) use
// ChecksumAccumulator; pieces of odd length are handled exactly:
//
//   uint16_t ip_check = standin::netstack::InternetChecksum(header_bytes);
//
//   standin::netstack::ChecksumAccumulator acc;
//   acc.Add(pseudo_header);       // 12 bytes: src, dst, 0, proto, length
//   acc.Add(udp_datagram);        // header (checksum field zero) + payload
//   uint16_t udp_check = acc.Checksum();
#ifndef STANDIN_NETSTACK_CHECKSUM_H_
#define STANDIN_NETSTACK_CHECKSUM_H_

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <ostream>
#include <string_view>

namespace standin::netstack {

// The RFC 1071 checksum of `bytes` (complemented; 0 for a buffer that
// includes a correct checksum). An odd trailing byte is padded with zero.
uint16_t InternetChecksum(std::string_view bytes);

// The folded, uncomplemented ones'-complement sum of `bytes` plus `initial`,
// a sum of up to 65536 16-bit words in host order, not yet folded.
// For a pseudo-header that is already in registers:
//   uint32_t pseudo = (src >> 16) + (src & 0xffff) + (dst >> 16) +
//                     (dst & 0xffff) + 17 + udp_length;
//   uint16_t check = ~OnesComplementSum(udp_datagram, pseudo);
uint16_t OnesComplementSum(std::string_view bytes, uint32_t initial = 0);

// Incremental form: sums pieces as if they were one contiguous buffer.
class ChecksumAccumulator {
 public:
  // Adds `bytes` as the next piece of the buffer being summed.
  void Add(std::string_view bytes);
  // Adds a 16-bit value as if it were two bytes in network order.
  void AddU16(uint16_t value);
  // Adds a 32-bit value as if it were four bytes in network order.
  void AddU32(uint32_t value);
  // The folded, uncomplemented ones'-complement sum (host order).
  uint16_t Sum() const;
  // The value to put in a header: ~Sum().
  uint16_t Checksum() const { return static_cast<uint16_t>(~Sum()); }

 private:
  uint64_t sum_ = 0;  // ones'-complement sum of little-endian-loaded words
  bool odd_ = false;  // the bytes added so far have odd length
};

namespace internal {
// The ways the sum can be taken; the best available is used. Tests run all
// of them against the naive definition.
enum class SimdPath { kScalar, kSse2, kAvx2, kAvxVnni, kAvx512Vnni };
// "scalar", "sse2", "avx2", "avx-vnni", "avx512-vnni".
std::ostream& operator<<(std::ostream& os, SimdPath path);
// Whether `path` can run on this CPU and build.
bool SimdPathAvailable(SimdPath path);
// The path InternetChecksum() uses for long buffers on this CPU.
SimdPath BestSimdPath();
// OnesComplementSum64() (below) for inputs longer than kInlineSumMaxSize:
// the best SIMD path, out of line.
uint64_t DispatchedSum64(const char* data, size_t size, uint64_t initial);
// The same by a given path, which must be available.
uint64_t OnesComplementSum64With(SimdPath path, const char* data, size_t size,
                                 uint64_t initial);
// Folds a 64-bit ones'-complement sum to 16 bits. Inline: it is a handful
// of instructions on every packet's path.
inline uint16_t Fold64(uint64_t sum) {
  // x + (x rotated by half its width) holds, in its high half, the
  // end-around-carry sum of x's halves: the low halves' carry lands in it,
  // the high halves' carry falls off the top.
  uint64_t sum32 = (sum + ((sum << 32) | (sum >> 32))) >> 32;
  uint32_t x = static_cast<uint32_t>(sum32);
  return static_cast<uint16_t>((x + ((x << 16) | (x >> 16))) >> 16);
}

// The last 0-7 bytes at `p`, zero-padded as RFC 1071 requires, each at its
// little-endian place in one word (any 16-bit-aligned place sums the same,
// since 2^16 is 1 in ones'-complement arithmetic). Fixed-size loads: a
// variable-size memcpy would be a library call.
inline uint64_t TailWord(const char* p, size_t size) {
  uint64_t tail = 0;
  int shift = 0;
  if (size & 4) {
    uint32_t v;
    std::memcpy(&v, p, 4);
    tail = v;
    p += 4;
    shift = 32;
  }
  if (size & 2) {
    uint16_t v;
    std::memcpy(&v, p, 2);
    tail |= uint64_t{v} << shift;
    p += 2;
    shift += 16;
  }
  if (size & 1) tail |= uint64_t{static_cast<uint8_t>(*p)} << shift;
  return tail;
}

// Up to this many bytes, InlineSum64() beats DispatchedSum64(): that one is
// a call through a dispatch pointer and sets up vector registers, which
// costs more than it saves on a header or a small datagram
// (tuntap_benchmark's BM_ProtocolLayers: the two meet near 200 bytes).
inline constexpr size_t kInlineSumMaxSize = 192;

// OnesComplementSum64() as straight-line code for short inputs, inlined into
// the caller: 8-byte loads into a 128-bit accumulator, then the tail.
inline uint64_t InlineSum64(const char* p, size_t size, uint64_t initial) {
  unsigned __int128 acc = initial;
  for (; size >= 8; p += 8, size -= 8) {
    uint64_t word;
    std::memcpy(&word, p, 8);
    acc += word;
  }
  acc += TailWord(p, size);
  const uint64_t low = static_cast<uint64_t>(acc);
  const uint64_t sum = low + static_cast<uint64_t>(acc >> 64);
  return sum + (sum < low);  // end-around carry
}

// A 64-bit value whose Fold64() is the ones'-complement sum of `size` bytes
// read as little-endian 16-bit words (an odd tail byte zero-padded), plus
// `initial`: inline for headers and small datagrams, SIMD beyond. Every sum
// in netstack (and the benchmarks' limits) goes through here.
inline uint64_t OnesComplementSum64(const char* data, size_t size,
                                    uint64_t initial) {
  return size <= kInlineSumMaxSize ? InlineSum64(data, size, initial)
                                   : DispatchedSum64(data, size, initial);
}

}  // namespace internal

}  // namespace standin::netstack

#endif  // STANDIN_NETSTACK_CHECKSUM_H_
