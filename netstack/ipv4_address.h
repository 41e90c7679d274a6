// Ipv4Address: an IPv4 address as a comparable, printable value.
//
// Parse() accepts exactly the dotted-quad form ("192.0.2.1": four decimal
// octets 0-255, no leading zeros, no spaces) and rejects everything else with
// a status naming the text; ToString() prints the same form.
//
//   using standin::netstack::Ipv4Address;
//   absl::StatusOr<Ipv4Address> a = Ipv4Address::Parse("192.0.2.1");
//   ASSERT_TRUE(a.ok());
//   EXPECT_EQ(a->value(), 0xc0000201u);
//   EXPECT_EQ(Ipv4Address(192, 0, 2, 1), *a);
//   EXPECT_EQ(a->ToString(), "192.0.2.1");
//   EXPECT_FALSE(Ipv4Address::Parse("192.0.2").ok());
#ifndef STANDIN_NETSTACK_IPV4_ADDRESS_H_
#define STANDIN_NETSTACK_IPV4_ADDRESS_H_

#include <cstddef>
#include <cstdint>
#include <ostream>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace standin::netstack {

// An IPv4 address; value() is in host order (192.0.2.1 == 0xc0000201).
class Ipv4Address {
 public:
  // The longest dotted quad, "255.255.255.255".
  static constexpr size_t kMaxTextSize = 15;

  // 0.0.0.0.
  constexpr Ipv4Address() = default;
  constexpr explicit Ipv4Address(uint32_t value) : value_(value) {}
  constexpr Ipv4Address(uint8_t a, uint8_t b, uint8_t c, uint8_t d)
      : value_(uint32_t{a} << 24 | uint32_t{b} << 16 | uint32_t{c} << 8 | d) {}
  // Parses a dotted quad; InvalidArgument naming `dotted` otherwise.
  static absl::StatusOr<Ipv4Address> Parse(std::string_view dotted);

  constexpr uint32_t value() const { return value_; }
  // "192.0.2.1".
  std::string ToString() const;
  // Writes the dotted quad to `out` (room for kMaxTextSize chars), returns its
  // length. Allocation-free, for the receive path.
  size_t FormatTo(char* out) const;

  friend constexpr bool operator==(Ipv4Address, Ipv4Address) = default;

 private:
  uint32_t value_ = 0;
};

std::ostream& operator<<(std::ostream& os, Ipv4Address address);

}  // namespace standin::netstack

#endif  // STANDIN_NETSTACK_IPV4_ADDRESS_H_
