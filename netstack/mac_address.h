// MacAddress: a 48-bit Ethernet address as a comparable, printable value.
//
//   using standin::netstack::MacAddress;
//   absl::StatusOr<MacAddress> mac = MacAddress::Parse("02:00:00:00:00:01");
//   MacAddress broadcast = MacAddress::Broadcast();
//   EXPECT_EQ(broadcast.ToString(), "ff:ff:ff:ff:ff:ff");
//   MacAddress raw = MacAddress::FromBytes("123456");  // Twisted's tests
//   EXPECT_EQ(raw.bytes(), "123456");
#ifndef STANDIN_NETSTACK_MAC_ADDRESS_H_
#define STANDIN_NETSTACK_MAC_ADDRESS_H_

#include <array>
#include <cstdint>
#include <cstring>
#include <ostream>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace standin::netstack {

// A 6-byte Ethernet (EUI-48) address, stored in wire order.
class MacAddress {
 public:
  static constexpr size_t kSize = 6;

  // 00:00:00:00:00:00.
  constexpr MacAddress() = default;
  constexpr explicit MacAddress(const std::array<uint8_t, kSize>& octets)
      : octets_(octets) {}
  // The address whose wire bytes are `bytes`; dies unless it is 6 bytes.
  static MacAddress FromBytes(std::string_view bytes);
  // The address whose 6 wire bytes start at `wire`. Inline, for the receive
  // path: the copy lands straight in the caller's object.
  static MacAddress FromWire(const char* wire) {
    MacAddress mac;
    std::memcpy(mac.octets_.data(), wire, kSize);
    return mac;
  }
  // Parses "aa:bb:cc:dd:ee:ff" (or '-' separated); InvalidArgument naming
  // the text otherwise.
  static absl::StatusOr<MacAddress> Parse(std::string_view text);
  static constexpr MacAddress Broadcast() {
    return MacAddress({0xff, 0xff, 0xff, 0xff, 0xff, 0xff});
  }

  const std::array<uint8_t, kSize>& octets() const { return octets_; }
  // The 6 wire bytes.
  std::string_view bytes() const {
    return std::string_view(reinterpret_cast<const char*>(octets_.data()),
                            kSize);
  }
  bool is_broadcast() const { return *this == Broadcast(); }
  bool is_multicast() const { return (octets_[0] & 1) != 0; }
  // Lower-case, colon separated: "02:00:00:00:00:01".
  std::string ToString() const;

  friend bool operator==(const MacAddress&, const MacAddress&) = default;

 private:
  std::array<uint8_t, kSize> octets_{};
};

std::ostream& operator<<(std::ostream& os, const MacAddress& mac);

}  // namespace standin::netstack

#endif  // STANDIN_NETSTACK_MAC_ADDRESS_H_
