// gMock matchers for packet bytes: what a TUN/TAP port or an in-memory
// tunnel wrote. They parse with standin::netstack's checked views and, on a
// mismatch, say which layer differs and how ("IPv4 header checksum 0x1234 is
// wrong (expected 0xabcd)", "UDP dst port 53, expected 5353") instead of
// dumping bytes. Payload arguments are ordinary string matchers, so they
// compose with each other and with the byte matchers in matchers.h.
//
// Example:
//
//   using namespace standin::testutil;
//   using standin::IPv4Host;
//   // A TUN write: a bare IPv4 packet.
//   EXPECT_THAT(tunnel->write_buffer().front(),
//               IsUdpDatagram(IPv4Host(192, 0, 2, 2), 53, "query"));
//   // A TAP write: an Ethernet frame around it.
//   EXPECT_THAT(frame, IsEthernetFrame(standin::netstack::kEtherTypeIpv4,
//                                      IsUdpDatagram("192.0.2.2", 53,
//                                                    testing::StartsWith("q"))));
//   EXPECT_THAT(packet, IsIpv4Packet(standin::netstack::kIpProtocolIcmp, _));
//
// They accept std::string, std::string_view or anything convertible to it.
#ifndef STANDIN_TESTUTIL_PACKET_MATCHERS_H_
#define STANDIN_TESTUTIL_PACKET_MATCHERS_H_

#include <cstdint>
#include <optional>
#include <ostream>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>

#include "gmock/gmock.h"
#include "standin/netstack/mac_address.h"
#include "standin/transport/address.h"

namespace standin::testutil {
namespace packet_matchers_internal {

using BytesMatcher = testing::Matcher<std::string_view>;

// What each matcher expects; unset optionals match anything.
struct EthernetExpectation {
  std::optional<netstack::MacAddress> destination;
  std::optional<netstack::MacAddress> source;
  uint16_t ethertype = 0;
};

struct Ipv4Expectation {
  std::optional<IPv4Host> source;
  std::optional<IPv4Host> destination;
  uint8_t protocol = 0;
};

struct UdpExpectation {
  std::optional<IPv4Host> source;
  std::optional<uint16_t> source_port;
  IPv4Host destination;
  uint16_t destination_port = 0;
};

// The layer-by-layer checks; each writes why it failed to `why`.
bool MatchEthernet(std::string_view bytes, const EthernetExpectation& want,
                   const BytesMatcher& payload, std::ostream* why);
bool MatchIpv4(std::string_view bytes, const Ipv4Expectation& want,
               const BytesMatcher& payload, std::ostream* why);
bool MatchUdp(std::string_view bytes, const UdpExpectation& want,
              const BytesMatcher& payload, std::ostream* why);
void DescribeEthernet(const EthernetExpectation& want,
                      const BytesMatcher& payload, std::ostream* os);
void DescribeIpv4(const Ipv4Expectation& want, const BytesMatcher& payload,
                  std::ostream* os);
void DescribeUdp(const UdpExpectation& want, const BytesMatcher& payload,
                 std::ostream* os);

// One polymorphic matcher class for the three layers.
template <typename Expectation,
          bool (*kMatch)(std::string_view, const Expectation&,
                         const BytesMatcher&, std::ostream*),
          void (*kDescribe)(const Expectation&, const BytesMatcher&,
                            std::ostream*)>
class PacketMatcher {
 public:
  PacketMatcher(Expectation want, BytesMatcher payload)
      : want_(std::move(want)), payload_(std::move(payload)) {}

  template <typename T>
  bool MatchAndExplain(const T& bytes,
                       testing::MatchResultListener* listener) const {
    std::ostringstream why;
    bool matched = kMatch(std::string_view(bytes), want_, payload_, &why);
    *listener << why.str();
    return matched;
  }
  void DescribeTo(std::ostream* os) const { kDescribe(want_, payload_, os); }
  void DescribeNegationTo(std::ostream* os) const {
    *os << "is not a packet that ";
    kDescribe(want_, payload_, os);
  }

 private:
  Expectation want_;
  BytesMatcher payload_;
};

using EthernetMatcher =
    PacketMatcher<EthernetExpectation, MatchEthernet, DescribeEthernet>;
using Ipv4Matcher = PacketMatcher<Ipv4Expectation, MatchIpv4, DescribeIpv4>;
using UdpMatcher = PacketMatcher<UdpExpectation, MatchUdp, DescribeUdp>;

}  // namespace packet_matchers_internal

// Bytes that parse as an Ethernet frame with `ethertype` whose payload
// (padding included) matches `payload`.
inline testing::PolymorphicMatcher<packet_matchers_internal::EthernetMatcher>
IsEthernetFrame(uint16_t ethertype,
                testing::Matcher<std::string_view> payload = testing::_) {
  return testing::MakePolymorphicMatcher(
      packet_matchers_internal::EthernetMatcher({.ethertype = ethertype},
                                                std::move(payload)));
}

// As above, also checking the destination and source MAC addresses.
inline testing::PolymorphicMatcher<packet_matchers_internal::EthernetMatcher>
IsEthernetFrame(netstack::MacAddress destination, netstack::MacAddress source,
                uint16_t ethertype,
                testing::Matcher<std::string_view> payload = testing::_) {
  return testing::MakePolymorphicMatcher(
      packet_matchers_internal::EthernetMatcher({.destination = destination,
                                                 .source = source,
                                                 .ethertype = ethertype},
                                                std::move(payload)));
}

// Bytes that parse as a valid IPv4 packet (checksum included) carrying IP
// `protocol`, whose payload (after any options) matches `payload`.
inline testing::PolymorphicMatcher<packet_matchers_internal::Ipv4Matcher>
IsIpv4Packet(uint8_t protocol,
             testing::Matcher<std::string_view> payload = testing::_) {
  return testing::MakePolymorphicMatcher(packet_matchers_internal::Ipv4Matcher(
      {.protocol = protocol}, std::move(payload)));
}

// As above, also checking the source and destination addresses.
inline testing::PolymorphicMatcher<packet_matchers_internal::Ipv4Matcher>
IsIpv4Packet(IPv4Host source, IPv4Host destination, uint8_t protocol,
             testing::Matcher<std::string_view> payload = testing::_) {
  return testing::MakePolymorphicMatcher(packet_matchers_internal::Ipv4Matcher(
      {.source = source, .destination = destination, .protocol = protocol},
      std::move(payload)));
}

// Bytes that parse as a valid IPv4 packet carrying one valid UDP datagram
// (not a fragment; checksum verified when nonzero) to `destination` port
// `destination_port`, whose payload matches `payload`. `destination` may be
// written as a literal: IsUdpDatagram("192.0.2.2", 53, "query").
inline testing::PolymorphicMatcher<packet_matchers_internal::UdpMatcher>
IsUdpDatagram(IPv4Host destination, uint16_t destination_port,
              testing::Matcher<std::string_view> payload = testing::_) {
  return testing::MakePolymorphicMatcher(packet_matchers_internal::UdpMatcher(
      {.destination = destination, .destination_port = destination_port},
      std::move(payload)));
}

// As IsUdpDatagram(), also checking the source address and port.
inline testing::PolymorphicMatcher<packet_matchers_internal::UdpMatcher>
IsUdpDatagramFrom(IPv4Host source, uint16_t source_port, IPv4Host destination,
                  uint16_t destination_port,
                  testing::Matcher<std::string_view> payload = testing::_) {
  return testing::MakePolymorphicMatcher(packet_matchers_internal::UdpMatcher(
      {.source = source,
       .source_port = source_port,
       .destination = destination,
       .destination_port = destination_port},
      std::move(payload)));
}

}  // namespace standin::testutil

#endif  // STANDIN_TESTUTIL_PACKET_MATCHERS_H_
