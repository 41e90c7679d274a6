// Addresses of transport endpoints: value types, comparable and printable.
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

#include <cstdint>
#include <ostream>
#include <string>
#include <variant>

namespace standin {

// An IPv4 endpoint; `host` is dotted-quad text, as the OS reports it.
struct IPv4Address {
  enum class Kind { kTcp, kUdp };
  Kind kind = Kind::kTcp;
  std::string host;
  uint16_t port = 0;

  friend bool operator==(const IPv4Address&, const IPv4Address&) = default;
  // "IPv4Address(TCP, '127.0.0.1', 8080)".
  std::string ToString() const;
};

// An IPv6 endpoint. `flow_info` and `scope_id` follow sockaddr_in6.
struct IPv6Address {
  using Kind = IPv4Address::Kind;
  Kind kind = Kind::kTcp;
  std::string host;
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

std::string ToString(const Address& address);
std::string ToString(IPv4Address::Kind kind);  // "TCP" / "UDP"
std::string ToString(TunnelType type);         // "IFF_TUN" / "IFF_TAP"

std::ostream& operator<<(std::ostream& os, const IPv4Address& a);
std::ostream& operator<<(std::ostream& os, const IPv6Address& a);
std::ostream& operator<<(std::ostream& os, const UnixAddress& a);
std::ostream& operator<<(std::ostream& os, const ProcessAddress& a);
std::ostream& operator<<(std::ostream& os, const TunnelAddress& a);
std::ostream& operator<<(std::ostream& os, TunnelType type);

}  // namespace standin

#endif  // STANDIN_TRANSPORT_ADDRESS_H_
