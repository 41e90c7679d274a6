#include "standin/testutil/packet_matchers.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "standin/netstack/builders.h"
#include "standin/netstack/checksum.h"
#include "standin/testutil/matchers.h"
#include "standin/transport/string_transport.h"

namespace standin::testutil {
namespace {

using netstack::BuildEthernet;
using netstack::BuildIpv4;
using netstack::BuildUdpIpv4;
using netstack::MacAddress;
using std::string_literals::operator""s;
using ::testing::_;
using ::testing::DescribeMatcher;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

const MacAddress kMacA = MacAddress::FromBytes("\x02\x00\x00\x00\x00\x0a"s);
const MacAddress kMacB = MacAddress::FromBytes("\x02\x00\x00\x00\x00\x0b"s);
const IPv4Host kSrc(192, 0, 2, 1);
const IPv4Host kDst(192, 0, 2, 2);

const std::string kPacket = BuildUdpIpv4(kSrc, 5353, kDst, 53, "query");
const std::string kFrame =
    BuildEthernet(kMacA, kMacB, netstack::kEtherTypeIpv4, kPacket);

// The explanation a matcher gives for `value`, and whether it matched.
template <typename M>
std::string Explain(const M& matcher, const std::string& value) {
  testing::StringMatchResultListener listener;
  testing::Matcher<const std::string&>(matcher).MatchAndExplain(value,
                                                                &listener);
  return listener.str();
}

TEST(IsUdpDatagramTest, MatchesAndComposes) {
  EXPECT_THAT(kPacket, IsUdpDatagram(kDst, 53, "query"));
  EXPECT_THAT(kPacket, IsUdpDatagram("192.0.2.2", 53, StartsWith("qu")));
  EXPECT_THAT(std::string_view(kPacket), IsUdpDatagram(kDst, 53));
  EXPECT_THAT(kPacket, IsUdpDatagramFrom(kSrc, 5353, kDst, 53, "query"));
  EXPECT_THAT(kFrame, IsEthernetFrame(netstack::kEtherTypeIpv4,
                                      IsUdpDatagram(kDst, 53, "query")));
  EXPECT_THAT(
      kFrame,
      IsEthernetFrame(kMacB, kMacA, netstack::kEtherTypeIpv4,
                      IsIpv4Packet(kSrc, kDst, netstack::kIpProtocolUdp, _)));
}

TEST(IsUdpDatagramTest, ComposesWithTheTransportMatchers) {
  StringTransport transport;
  transport.Write(kPacket);
  EXPECT_THAT(transport, HasWritten(IsUdpDatagram(kDst, 53, "query")));
  EXPECT_THAT(transport, Not(HasWritten(IsUdpDatagram(kDst, 54, "query"))));
}

TEST(IsUdpDatagramTest, ExplainsAWrongPort) {
  auto m = IsUdpDatagram(kDst, 5353, "query");
  EXPECT_FALSE(testing::Value(kPacket, m));
  EXPECT_EQ(Explain(m, kPacket),
            "IPv4 192.0.2.1 -> 192.0.2.2; UDP 5353 -> 53: UDP dst port 53, "
            "expected 5353");
}

TEST(IsUdpDatagramTest, ExplainsAWrongSourcePort) {
  EXPECT_EQ(Explain(IsUdpDatagramFrom(kSrc, 1, kDst, 53, "query"), kPacket),
            "IPv4 192.0.2.1 -> 192.0.2.2; UDP 5353 -> 53: UDP src port 5353, "
            "expected 1");
}

TEST(IsUdpDatagramTest, ExplainsAWrongDestinationAddress) {
  EXPECT_EQ(Explain(IsUdpDatagram("192.0.2.3", 53), kPacket),
            "IPv4 192.0.2.1 -> 192.0.2.2: destination 192.0.2.2, expected "
            "192.0.2.3");
}

TEST(IsUdpDatagramTest, ExplainsABadHeaderChecksum) {
  std::string bad = kPacket;
  bad[10] ^= 0x01;
  std::string why = Explain(IsUdpDatagram(kDst, 53), bad);
  EXPECT_THAT(why, StartsWith("not a valid IPv4 packet: IPv4 header checksum"));
  EXPECT_THAT(why, HasSubstr("is wrong (expected"));
}

TEST(IsUdpDatagramTest, ExplainsABadUdpChecksum) {
  std::string bad = kPacket;
  bad[27] ^= 0x01;
  EXPECT_THAT(Explain(IsUdpDatagram(kDst, 53), bad),
              HasSubstr("; UDP checksum 0x"));
}

TEST(IsUdpDatagramTest, ExplainsNotUdp) {
  std::string icmp = BuildIpv4(kSrc, kDst, netstack::kIpProtocolIcmp, "ping");
  EXPECT_EQ(Explain(IsUdpDatagram(kDst, 53), icmp),
            "IPv4 192.0.2.1 -> 192.0.2.2: protocol 1, expected 17 (UDP)");
}

TEST(IsUdpDatagramTest, ExplainsAFragment) {
  std::string fragment =
      BuildIpv4(netstack::Ipv4Header{.source = kSrc,
                                     .destination = kDst,
                                     .protocol = netstack::kIpProtocolUdp,
                                     .more_fragments = true},
                kPacket.substr(20));
  EXPECT_EQ(Explain(IsUdpDatagram(kDst, 53), fragment),
            "IPv4 192.0.2.1 -> 192.0.2.2: a fragment (MF 1, offset 0), not a "
            "whole UDP datagram");
}

TEST(IsUdpDatagramTest, ExplainsAWrongPayloadWithTheBytes) {
  std::string why = Explain(IsUdpDatagram(kDst, 53, "answer"), kPacket);
  EXPECT_EQ(why,
            "IPv4 192.0.2.1 -> 192.0.2.2; UDP 5353 -> 53; payload \"query\" "
            "does not match (expected: is equal to \"answer\")");
}

TEST(IsUdpDatagramTest, Describes) {
  EXPECT_EQ(DescribeMatcher<std::string>(IsUdpDatagram(kDst, 53, "query")),
            "is a valid IPv4/UDP datagram to 192.0.2.2:53 whose payload is "
            "equal to \"query\"");
  EXPECT_EQ(DescribeMatcher<std::string>(
                IsUdpDatagramFrom(kSrc, 5353, kDst, 53, "query")),
            "is a valid IPv4/UDP datagram from 192.0.2.1:5353 to 192.0.2.2:53 "
            "whose payload is equal to \"query\"");
  EXPECT_EQ(DescribeMatcher<std::string>(IsUdpDatagram(kDst, 53, "q"),
                                         /*negation=*/true),
            "is not a packet that is a valid IPv4/UDP datagram to 192.0.2.2:53 "
            "whose payload is equal to \"q\"");
}

TEST(IsEthernetFrameTest, ExplainsLayerByLayer) {
  std::string why = Explain(IsEthernetFrame(netstack::kEtherTypeIpv4,
                                            IsUdpDatagram(kDst, 5353, "query")),
                            kFrame);
  EXPECT_EQ(why,
            "Ethernet 02:00:00:00:00:0a -> 02:00:00:00:00:0b type 0x0800; IPv4 "
            "192.0.2.1 -> 192.0.2.2; UDP 5353 -> 53: UDP dst port 53, "
            "expected 5353");
}

TEST(IsEthernetFrameTest, ExplainsAWrongEthertypeAndAddresses) {
  EXPECT_EQ(Explain(IsEthernetFrame(netstack::kEtherTypeArp), kFrame),
            "Ethernet 02:00:00:00:00:0a -> 02:00:00:00:00:0b type 0x0800: "
            "ethertype 0x0800, expected 0x0806");
  EXPECT_EQ(
      Explain(IsEthernetFrame(kMacA, kMacA, netstack::kEtherTypeIpv4), kFrame),
      "Ethernet 02:00:00:00:00:0a -> 02:00:00:00:00:0b type 0x0800: "
      "destination 02:00:00:00:00:0b, expected 02:00:00:00:00:0a");
  EXPECT_EQ(
      Explain(IsEthernetFrame(kMacB, kMacB, netstack::kEtherTypeIpv4), kFrame),
      "Ethernet 02:00:00:00:00:0a -> 02:00:00:00:00:0b type 0x0800: "
      "source 02:00:00:00:00:0a, expected 02:00:00:00:00:0b");
}

TEST(IsEthernetFrameTest, ExplainsATruncatedFrame) {
  EXPECT_EQ(Explain(IsEthernetFrame(netstack::kEtherTypeIpv4), "short"),
            "not an Ethernet frame: Ethernet frame is 5 bytes, shorter than "
            "the 14-byte header");
  EXPECT_THAT("short", Not(IsEthernetFrame(netstack::kEtherTypeIpv4)));
}

TEST(IsEthernetFrameTest, Describes) {
  EXPECT_EQ(DescribeMatcher<std::string>(IsEthernetFrame(
                netstack::kEtherTypeIpv4, IsUdpDatagram(kDst, 53, "q"))),
            "is an Ethernet frame with ethertype 0x0800 whose payload is a "
            "valid IPv4/UDP datagram to 192.0.2.2:53 whose payload is equal "
            "to \"q\"");
}

TEST(IsIpv4PacketTest, MatchesAndExplains) {
  EXPECT_THAT(kPacket, IsIpv4Packet(netstack::kIpProtocolUdp));
  EXPECT_EQ(Explain(IsIpv4Packet(netstack::kIpProtocolIcmp), kPacket),
            "IPv4 192.0.2.1 -> 192.0.2.2 protocol 17: protocol 17, expected 1");
  EXPECT_EQ(
      Explain(IsIpv4Packet(kDst, kDst, netstack::kIpProtocolUdp), kPacket),
      "IPv4 192.0.2.1 -> 192.0.2.2 protocol 17: source 192.0.2.1, "
      "expected 192.0.2.2");
  EXPECT_EQ(Explain(IsIpv4Packet(netstack::kIpProtocolUdp), "\x45"),
            "not a valid IPv4 packet: IPv4 packet is 1 bytes, shorter than "
            "the 20-byte minimum header");
  EXPECT_EQ(DescribeMatcher<std::string>(
                IsIpv4Packet(kSrc, kDst, netstack::kIpProtocolUdp, "x")),
            "is a valid IPv4 packet from 192.0.2.1 to 192.0.2.2 with protocol "
            "17 whose payload is equal to \"x\"");
}

// A malformed address literal, IsUdpDatagram("192.0.2", 53), no longer
// dies at run time: it does not compile (IPv4Host checks literals).

}  // namespace
}  // namespace standin::testutil
