#include "standin/transport/address.h"

#include <arpa/inet.h>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace standin {

namespace address_internal {
void MalformedAddressLiteral() {}
}  // namespace address_internal

absl::StatusOr<IPv4Host> IPv4Host::Parse(std::string_view dotted) {
  // The constexpr parser decides; this only explains a refusal.
  if (auto v = address_internal::ParseIPv4(dotted)) return IPv4Host(*v);
  auto bad = [&](std::string_view why) {
    std::string message = "not an IPv4 address: \"";
    message.append(dotted).append("\" (").append(why).append(")");
    return absl::InvalidArgumentError(message);
  };
  size_t i = 0;
  for (int octet = 0; octet < 4; ++octet) {
    if (octet > 0) {
      if (i >= dotted.size() || dotted[i] != '.') break;
      ++i;
    }
    const size_t start = i;
    uint32_t n = 0;
    while (i < dotted.size() && dotted[i] >= '0' && dotted[i] <= '9' &&
           i - start < 3) {
      n = n * 10 + static_cast<uint32_t>(dotted[i] - '0');
      ++i;
    }
    if (i == start) break;
    if (i < dotted.size() && dotted[i] >= '0' && dotted[i] <= '9') {
      return bad("octet has more than three digits");
    }
    if (n > 255) return bad("octet greater than 255");
    if (i - start > 1 && dotted[start] == '0') {
      return bad("octet has a leading zero");
    }
    if (octet == 3) return bad("trailing characters after four octets");
  }
  return bad("expected four dot-separated decimal octets, e.g. 192.0.2.1");
}

size_t IPv4Host::FormatTo(char* out) const {
  char* p = out;
  for (int shift = 24; shift >= 0; shift -= 8) {
    unsigned octet = (value_ >> shift) & 0xff;
    if (octet >= 100) *p++ = static_cast<char>('0' + octet / 100);
    if (octet >= 10) *p++ = static_cast<char>('0' + octet / 10 % 10);
    *p++ = static_cast<char>('0' + octet % 10);
    if (shift > 0) *p++ = '.';
  }
  return static_cast<size_t>(p - out);
}

std::string IPv4Host::ToString() const {
  char text[kMaxTextSize];
  return std::string(text, FormatTo(text));
}

absl::StatusOr<IPv6Host> IPv6Host::Parse(std::string_view text) {
  auto v = address_internal::ParseIPv6(text);
  if (!v) {
    return absl::InvalidArgumentError(
        absl::StrCat("'", absl::string_view(text.data(), text.size()),
                     "' is not an IPv6 address (e.g. 2001:db8::1)"));
  }
  return IPv6Host(*v);
}

std::string IPv6Host::ToString() const {
  char text[INET6_ADDRSTRLEN] = {};
  ::inet_ntop(AF_INET6, bytes_.data(), text, sizeof(text));
  return text;
}

absl::StatusOr<Address> ParseIPAddress(IPv4Address::Kind kind,
                                       std::string_view host, uint16_t port) {
  if (auto v4 = address_internal::ParseIPv4(host)) {
    return IPv4Address{kind, IPv4Host(*v4), port};
  }
  if (auto v6 = address_internal::ParseIPv6(host)) {
    return IPv6Address{kind, IPv6Host(*v6), port};
  }
  return absl::InvalidArgumentError(
      absl::StrCat("host '", absl::string_view(host.data(), host.size()),
                   "' is not an IPv4 or IPv6 literal (no name lookup)"));
}

std::ostream& operator<<(std::ostream& os, IPv4Host host) {
  return os << host.ToString();
}
std::ostream& operator<<(std::ostream& os, const IPv6Host& host) {
  return os << host.ToString();
}

std::string ToString(IPv4Address::Kind kind) {
  return kind == IPv4Address::Kind::kTcp ? "TCP" : "UDP";
}

std::string ToString(TunnelType type) {
  switch (type) {
    case TunnelType::kTun:
      return "IFF_TUN";
    case TunnelType::kTap:
      return "IFF_TAP";
  }
  return absl::StrCat("TunnelType(", static_cast<int>(type), ")");
}

std::string IPv4Address::ToString() const {
  return absl::StrCat("IPv4Address(", standin::ToString(kind), ", '",
                      host.ToString(), "', ", port, ")");
}

std::string IPv6Address::ToString() const {
  return absl::StrCat("IPv6Address(", standin::ToString(kind), ", '",
                      host.ToString(), "', ", port, ", ", flow_info, ", ",
                      scope_id, ")");
}

std::string UnixAddress::ToString() const {
  return absl::StrCat("UnixAddress('", path, "')");
}

std::string ProcessAddress::ToString() const { return "ProcessAddress()"; }

std::string TunnelAddress::ToString() const {
  return absl::StrCat("<TunnelAddress type=", standin::ToString(type),
                      " name=", name, ">");
}

std::string ToString(const Address& address) {
  return std::visit([](const auto& a) { return a.ToString(); }, address);
}

std::ostream& operator<<(std::ostream& os, const IPv4Address& a) {
  return os << a.ToString();
}
std::ostream& operator<<(std::ostream& os, const IPv6Address& a) {
  return os << a.ToString();
}
std::ostream& operator<<(std::ostream& os, const UnixAddress& a) {
  return os << a.ToString();
}
std::ostream& operator<<(std::ostream& os, const ProcessAddress& a) {
  return os << a.ToString();
}
std::ostream& operator<<(std::ostream& os, const TunnelAddress& a) {
  return os << a.ToString();
}
std::ostream& operator<<(std::ostream& os, TunnelType type) {
  return os << ToString(type);
}
std::ostream& operator<<(std::ostream& os, IPv4Address::Kind kind) {
  return os << ToString(kind);
}

}  // namespace standin
