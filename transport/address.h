// Addresses of transport endpoints: value types, comparable and printable.
// IP hosts are held in binary (IPv4Host, IPv6Host), so an endpoint is a few
// bytes that a datagram path copies without formatting or parsing text, yet
// prints and compares with strings as the familiar text.
//
// Transport::GetHost() and GetPeer() return an Address, a std::variant over
// the concrete kinds below, so a test can compare endpoints directly and a
// failing EXPECT_EQ prints something readable:
//
//   standin::StringTransport transport;
//   EXPECT_EQ(transport.GetPeer(),
//             standin::Address(standin::IPv4Address{
//                 standin::IPv4Address::Kind::kTcp, "192.168.1.1", 54321}));
//   std::cout << standin::ToString(transport.GetHost());
//   // IPv4Address(TCP, '10.0.0.1', 12345)
#ifndef STANDIN_TRANSPORT_ADDRESS_H_
#define STANDIN_TRANSPORT_ADDRESS_H_

#include <array>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

#include "absl/status/statusor.h"

namespace standin {

namespace address_internal {
// Parses dotted-quad text (four decimal octets 0-255, no leading zeros, as
// inet_pton(AF_INET) accepts); nullopt otherwise. Host byte order.
constexpr std::optional<uint32_t> ParseIPv4(std::string_view text) {
  uint32_t value = 0;
  int octets = 0;
  size_t i = 0;
  while (octets < 4) {
    if (i >= text.size() || text[i] < '0' || text[i] > '9') return std::nullopt;
    const size_t start = i;
    uint32_t octet = 0;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
      octet = octet * 10 + static_cast<uint32_t>(text[i] - '0');
      if (octet > 255 || i - start >= 3) return std::nullopt;
      ++i;
    }
    if (i - start > 1 && text[start] == '0') return std::nullopt;
    value = value << 8 | octet;
    ++octets;
    if (octets < 4) {
      if (i >= text.size() || text[i] != '.') return std::nullopt;
      ++i;
    }
  }
  if (i != text.size()) return std::nullopt;
  return value;
}

// Parses IPv6 text as inet_pton(AF_INET6) does: eight groups of 1-4 hex
// digits, one "::" for a run of zero groups, an optional dotted-quad tail;
// no zone ("%eth0"). Network byte order.
constexpr std::optional<std::array<uint8_t, 16>> ParseIPv6(
    std::string_view text) {
  std::array<uint16_t, 8> words = {};
  int count = 0;
  int gap = -1;  // Index of the "::" among the words, if any.
  size_t i = 0;
  if (text.size() >= 2 && text[0] == ':' && text[1] == ':') {
    gap = 0;
    i = 2;
  } else if (!text.empty() && text[0] == ':') {
    return std::nullopt;
  } else if (text.empty()) {
    return std::nullopt;
  }
  while (i < text.size()) {
    size_t end = text.find(':', i);
    std::string_view group = text.substr(
        i, end == std::string_view::npos ? text.size() - i : end - i);
    if (group.find('.') != std::string_view::npos) {
      // A dotted-quad tail: the last group, worth two words.
      if (end != std::string_view::npos || count > 6) return std::nullopt;
      std::optional<uint32_t> v4 = ParseIPv4(group);
      if (!v4) return std::nullopt;
      words[count++] = static_cast<uint16_t>(*v4 >> 16);
      words[count++] = static_cast<uint16_t>(*v4 & 0xffff);
      i = text.size();
      break;
    }
    if (group.empty() || group.size() > 4 || count >= 8) return std::nullopt;
    uint16_t word = 0;
    for (char c : group) {
      int digit = c >= '0' && c <= '9'   ? c - '0'
                  : c >= 'a' && c <= 'f' ? c - 'a' + 10
                  : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                         : -1;
      if (digit < 0) return std::nullopt;
      word = static_cast<uint16_t>(word << 4 | digit);
    }
    words[count++] = word;
    if (end == std::string_view::npos) break;
    i = end + 1;
    if (i < text.size() && text[i] == ':') {
      if (gap >= 0) return std::nullopt;
      gap = count;
      ++i;
    } else if (i == text.size()) {
      return std::nullopt;  // A trailing single ':'.
    }
  }
  if (gap < 0 ? count != 8 : count > 7) return std::nullopt;
  std::array<uint16_t, 8> full = {};
  if (gap < 0) {
    full = words;
  } else {
    const int tail = count - gap;
    for (int k = 0; k < gap; ++k) full[k] = words[k];
    for (int k = 0; k < tail; ++k) full[8 - tail + k] = words[gap + k];
  }
  std::array<uint8_t, 16> bytes = {};
  for (int k = 0; k < 8; ++k) {
    bytes[2 * k] = static_cast<uint8_t>(full[k] >> 8);
    bytes[2 * k + 1] = static_cast<uint8_t>(full[k] & 0xff);
  }
  return bytes;
}

// Not constexpr: calling it in a constant evaluation is the compile error
// that reports a malformed address literal.
void MalformedAddressLiteral();
}  // namespace address_internal

// The host part of an IPv4 endpoint, held in binary (4 bytes, no
// allocation) so datagrams carry their addresses without formatting or
// parsing text. It prints, and compares with strings, as dotted-quad text.
//
//   standin::IPv4Host a = "192.0.2.1";          // checked at compile time
//   standin::IPv4Host b(192, 0, 2, 1);
//   EXPECT_EQ(a, b);
//   EXPECT_EQ(a, "192.0.2.1");                  // compares as text
//   EXPECT_EQ(a.value(), 0xc0000201u);          // host byte order
//   absl::StatusOr<standin::IPv4Host> c = standin::IPv4Host::Parse(input);
class IPv4Host {
 public:
  // The longest dotted quad, "255.255.255.255".
  static constexpr size_t kMaxTextSize = 15;

  // 0.0.0.0 (INADDR_ANY).
  constexpr IPv4Host() = default;
  // From a value in host byte order.
  constexpr explicit IPv4Host(uint32_t host_order) : value_(host_order) {}
  constexpr IPv4Host(uint8_t a, uint8_t b, uint8_t c, uint8_t d)
      : value_(uint32_t{a} << 24 | uint32_t{b} << 16 | uint32_t{c} << 8 | d) {}
  // From a string literal, e.g. IPv4Address{kUdp, "192.0.2.1", 7}; a
  // malformed literal does not compile. Text known only at run time goes
  // through Parse().
  template <size_t N>
  consteval IPv4Host(const char (&literal)[N])  // NOLINT: implicit on purpose
      : value_(FromLiteral(std::string_view(literal, N - 1))) {}

  // InvalidArgument naming `dotted` unless it is a dotted quad.
  static absl::StatusOr<IPv4Host> Parse(std::string_view dotted);

  constexpr uint32_t value() const { return value_; }
  // "192.0.2.1".
  std::string ToString() const;
  // Writes the dotted quad to `out` (room for kMaxTextSize chars) and
  // returns its length; no allocation.
  size_t FormatTo(char* out) const;

  friend constexpr bool operator==(IPv4Host, IPv4Host) = default;
  friend constexpr auto operator<=>(IPv4Host, IPv4Host) = default;
  // Compares as text: true when `text` is this address's dotted quad.
  friend bool operator==(IPv4Host host, std::string_view text) {
    std::optional<uint32_t> v = address_internal::ParseIPv4(text);
    return v.has_value() && *v == host.value_;
  }
  template <size_t N>
  friend bool operator==(IPv4Host host, const char (&text)[N]) {
    return host == std::string_view(text);
  }
  template <typename H>
  friend H AbslHashValue(H h, IPv4Host host) {
    return H::combine(std::move(h), host.value_);
  }

 private:
  static consteval uint32_t FromLiteral(std::string_view text) {
    std::optional<uint32_t> v = address_internal::ParseIPv4(text);
    if (!v) address_internal::MalformedAddressLiteral();
    return *v;
  }
  uint32_t value_ = 0;
};

// The host part of an IPv6 endpoint, in binary (16 bytes, network order);
// prints as inet_ntop does and compares with strings as text.
//
//   standin::IPv6Host loopback = "::1";
//   EXPECT_EQ(loopback, "0:0:0:0:0:0:0:1");
//   EXPECT_EQ(loopback.ToString(), "::1");
class IPv6Host {
 public:
  // The longest text inet_ntop writes (INET6_ADDRSTRLEN less the NUL).
  static constexpr size_t kMaxTextSize = 45;

  // :: (in6addr_any).
  constexpr IPv6Host() = default;
  constexpr explicit IPv6Host(const std::array<uint8_t, 16>& bytes)
      : bytes_(bytes) {}
  template <size_t N>
  consteval IPv6Host(const char (&literal)[N])  // NOLINT: implicit on purpose
      : bytes_(FromLiteral(std::string_view(literal, N - 1))) {}

  // InvalidArgument naming `text` unless inet_pton(AF_INET6) would take it.
  static absl::StatusOr<IPv6Host> Parse(std::string_view text);

  constexpr const std::array<uint8_t, 16>& bytes() const { return bytes_; }
  // As inet_ntop(AF_INET6) prints it: "::1", "2001:db8::1".
  std::string ToString() const;

  friend constexpr bool operator==(const IPv6Host&, const IPv6Host&) = default;
  friend constexpr auto operator<=>(const IPv6Host&, const IPv6Host&) = default;
  friend bool operator==(const IPv6Host& host, std::string_view text) {
    auto v = address_internal::ParseIPv6(text);
    return v.has_value() && *v == host.bytes_;
  }
  template <size_t N>
  friend bool operator==(const IPv6Host& host, const char (&text)[N]) {
    return host == std::string_view(text);
  }
  template <typename H>
  friend H AbslHashValue(H h, const IPv6Host& host) {
    return H::combine(std::move(h), host.bytes_);
  }

 private:
  static consteval std::array<uint8_t, 16> FromLiteral(std::string_view t) {
    auto v = address_internal::ParseIPv6(t);
    if (!v) address_internal::MalformedAddressLiteral();
    return *v;
  }
  std::array<uint8_t, 16> bytes_ = {};
};

std::ostream& operator<<(std::ostream& os, IPv4Host host);
std::ostream& operator<<(std::ostream& os, const IPv6Host& host);

// An IPv4 endpoint (Twisted's IPv4Address): TCP or UDP, host, port.
struct IPv4Address {
  enum class Kind { kTcp, kUdp };
  Kind kind = Kind::kTcp;
  IPv4Host host;
  uint16_t port = 0;

  // IPv4Address::Udp("192.0.2.1", 7) reads better than the aggregate.
  static constexpr IPv4Address Udp(IPv4Host host, uint16_t port) {
    return IPv4Address{Kind::kUdp, host, port};
  }
  static constexpr IPv4Address Tcp(IPv4Host host, uint16_t port) {
    return IPv4Address{Kind::kTcp, host, port};
  }

  friend bool operator==(const IPv4Address&, const IPv4Address&) = default;
  // "IPv4Address(TCP, '127.0.0.1', 8080)".
  std::string ToString() const;
};

// An IPv6 endpoint. `flow_info` and `scope_id` follow sockaddr_in6.
struct IPv6Address {
  using Kind = IPv4Address::Kind;
  Kind kind = Kind::kTcp;
  IPv6Host host;
  uint16_t port = 0;
  uint32_t flow_info = 0;
  uint32_t scope_id = 0;

  friend bool operator==(const IPv6Address&, const IPv6Address&) = default;
  std::string ToString() const;
};

// A UNIX-domain socket path (empty for an unnamed socket, e.g. socketpair()).
struct UnixAddress {
  std::string path;

  friend bool operator==(const UnixAddress&, const UnixAddress&) = default;
  std::string ToString() const;
};

// The endpoint of a pipe to a child process; every one is equal.
struct ProcessAddress {
  friend bool operator==(const ProcessAddress&,
                         const ProcessAddress&) = default;
  std::string ToString() const;
};

// The kind of a TUN/TAP tunnel; the values are linux/if_tun.h's IFF_TUN and
// IFF_TAP.
enum class TunnelType : int { kTun = 0x0001, kTap = 0x0002 };

// The tunnel a TuntapPort is bound to.
struct TunnelAddress {
  TunnelType type = TunnelType::kTun;
  std::string name;

  friend bool operator==(const TunnelAddress&, const TunnelAddress&) = default;
  // "<TunnelAddress type=IFF_TUN name=tun0>", as Twisted prints it.
  std::string ToString() const;
};

using Address = std::variant<IPv4Address, IPv6Address, UnixAddress,
                             ProcessAddress, TunnelAddress>;

// The endpoint for an IP literal: an IPv4Address for dotted-quad text, an
// IPv6Address for IPv6 text. InvalidArgument naming `host` for anything else
// (names are never looked up). For text known only at run time.
absl::StatusOr<Address> ParseIPAddress(IPv4Address::Kind kind,
                                       std::string_view host, uint16_t port);

std::string ToString(const Address& address);
std::string ToString(IPv4Address::Kind kind);  // "TCP" / "UDP"
std::string ToString(TunnelType type);         // "IFF_TUN" / "IFF_TAP"

std::ostream& operator<<(std::ostream& os, const IPv4Address& a);
std::ostream& operator<<(std::ostream& os, const IPv6Address& a);
std::ostream& operator<<(std::ostream& os, const UnixAddress& a);
std::ostream& operator<<(std::ostream& os, const ProcessAddress& a);
std::ostream& operator<<(std::ostream& os, const TunnelAddress& a);
std::ostream& operator<<(std::ostream& os, TunnelType type);
std::ostream& operator<<(std::ostream& os, IPv4Address::Kind kind);

}  // namespace standin

#endif  // STANDIN_TRANSPORT_ADDRESS_H_
