#include "standin/netstack/ipv4_address.h"

#include <string>

namespace standin::netstack {

absl::StatusOr<Ipv4Address> Ipv4Address::Parse(std::string_view dotted) {
  auto bad = [&](std::string_view why) {
    std::string message = "not an IPv4 address: \"";
    message.append(dotted).append("\" (").append(why).append(")");
    return absl::InvalidArgumentError(message);
  };
  uint32_t value = 0;
  size_t i = 0;
  for (int octet = 0; octet < 4; ++octet) {
    if (octet > 0) {
      if (i >= dotted.size() || dotted[i] != '.') {
        return bad("expected four dot-separated decimal octets");
      }
      ++i;
    }
    size_t start = i;
    uint32_t n = 0;
    while (i < dotted.size() && dotted[i] >= '0' && dotted[i] <= '9' &&
           i - start < 3) {
      n = n * 10 + static_cast<uint32_t>(dotted[i] - '0');
      ++i;
    }
    if (i == start) return bad("expected four dot-separated decimal octets");
    if (i < dotted.size() && dotted[i] >= '0' && dotted[i] <= '9') {
      return bad("octet has more than three digits");
    }
    if (n > 255) return bad("octet greater than 255");
    if (i - start > 1 && dotted[start] == '0') {
      return bad("octet has a leading zero");
    }
    value = value << 8 | n;
  }
  if (i != dotted.size()) return bad("trailing characters after four octets");
  return Ipv4Address(value);
}

size_t Ipv4Address::FormatTo(char* out) const {
  char* p = out;
  for (int shift = 24; shift >= 0; shift -= 8) {
    unsigned octet = (value_ >> shift) & 0xff;
    if (octet >= 100) {
      *p++ = static_cast<char>('0' + octet / 100);
      *p++ = static_cast<char>('0' + octet / 10 % 10);
    } else if (octet >= 10) {
      *p++ = static_cast<char>('0' + octet / 10);
    }
    *p++ = static_cast<char>('0' + octet % 10);
    if (shift > 0) *p++ = '.';
  }
  return static_cast<size_t>(p - out);
}

std::string Ipv4Address::ToString() const {
  char buf[kMaxTextSize];
  return std::string(buf, FormatTo(buf));
}

std::ostream& operator<<(std::ostream& os, Ipv4Address address) {
  return os << address.ToString();
}

}  // namespace standin::netstack
