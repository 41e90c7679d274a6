#include "standin/netstack/mac_address.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

namespace standin::netstack {
namespace {

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

MacAddress MacAddress::FromBytes(std::string_view bytes) {
  if (bytes.size() != kSize) {
    std::fprintf(stderr, "MacAddress::FromBytes: need 6 bytes, got %zu\n",
                 bytes.size());
    std::abort();
  }
  MacAddress mac;
  std::memcpy(mac.octets_.data(), bytes.data(), kSize);
  return mac;
}

absl::StatusOr<MacAddress> MacAddress::Parse(std::string_view text) {
  auto bad = [&] {
    std::string message = "not a MAC address: \"";
    message.append(text).append(
        "\" (expected six hex pairs like 02:00:00:00:00:01)");
    return absl::InvalidArgumentError(message);
  };
  if (text.size() != 17) return bad();
  std::array<uint8_t, kSize> octets;
  for (size_t i = 0; i < kSize; ++i) {
    int hi = HexDigit(text[i * 3]);
    int lo = HexDigit(text[i * 3 + 1]);
    if (hi < 0 || lo < 0) return bad();
    if (i + 1 < kSize && text[i * 3 + 2] != ':' && text[i * 3 + 2] != '-') {
      return bad();
    }
    octets[i] = static_cast<uint8_t>(hi * 16 + lo);
  }
  return MacAddress(octets);
}

std::string MacAddress::ToString() const {
  char buf[18];
  std::snprintf(buf, sizeof(buf), "%02x:%02x:%02x:%02x:%02x:%02x", octets_[0],
                octets_[1], octets_[2], octets_[3], octets_[4], octets_[5]);
  return buf;
}

std::ostream& operator<<(std::ostream& os, const MacAddress& mac) {
  return os << mac.ToString();
}

}  // namespace standin::netstack
