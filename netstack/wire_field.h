// Byte ranges of header fields and big-endian loads/stores over raw bytes.
//
// Each wire type lists its header layout as `Field` constants (smoltcp's
// `field` module), so offsets live in one place and the views, the values'
// Emit() and the tests all read the same table:
//
//   namespace udp_field {
//   inline constexpr Field kSourcePort{0, 2};
//   }
//   uint16_t port = LoadBe16(bytes.data() + udp_field::kSourcePort.start);
//   StoreBe16(out + udp_field::kSourcePort.start, 53);
//
// The loads use memcpy, so they are safe at any alignment and compile to a
// single load plus a byte swap.
#ifndef STANDIN_NETSTACK_WIRE_FIELD_H_
#define STANDIN_NETSTACK_WIRE_FIELD_H_

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace standin::netstack {

// The half-open byte range [start, end) of one header field.
struct Field {
  size_t start;
  size_t end;
  constexpr size_t size() const { return end - start; }
};

// Reads a big-endian (network order) 16-bit value at `p`.
inline uint16_t LoadBe16(const char* p) {
  uint16_t v;
  std::memcpy(&v, p, sizeof(v));
  return __builtin_bswap16(v);
}

// Reads a big-endian 32-bit value at `p`.
inline uint32_t LoadBe32(const char* p) {
  uint32_t v;
  std::memcpy(&v, p, sizeof(v));
  return __builtin_bswap32(v);
}

// Writes `v` at `p` in network order.
inline void StoreBe16(char* p, uint16_t v) {
  v = __builtin_bswap16(v);
  std::memcpy(p, &v, sizeof(v));
}

// Writes `v` at `p` in network order.
inline void StoreBe32(char* p, uint32_t v) {
  v = __builtin_bswap32(v);
  std::memcpy(p, &v, sizeof(v));
}

}  // namespace standin::netstack

#endif  // STANDIN_NETSTACK_WIRE_FIELD_H_
