#include "standin/netstack/builders.h"

#include <string>

#include "gtest/gtest.h"
#include "standin/netstack/checksum.h"

namespace standin::netstack {
namespace {

using std::string_literals::operator""s;

const IPv4Host kSrc(192, 0, 2, 1);
const IPv4Host kDst(192, 0, 2, 2);
const MacAddress kSrcMac = MacAddress::FromBytes("\x02\x00\x00\x00\x00\x01"s);
const MacAddress kDstMac = MacAddress::FromBytes("\x02\x00\x00\x00\x00\x02"s);

TEST(BuildEthernetTest, HeaderThenPayload) {
  EXPECT_EQ(BuildEthernet(kSrcMac, kDstMac, kEtherTypeArp, "hi"),
            "\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00\x00\x01\x08\x06hi"s);
}

TEST(BuildIpv4Test, ValidHeaderChecksumAndLengths) {
  std::string p = BuildIpv4(kSrc, kDst, kIpProtocolIcmp, "ping");
  ASSERT_EQ(p.size(), 24u);
  EXPECT_EQ(InternetChecksum(p.substr(0, 20)), 0);
  absl::StatusOr<Ipv4Packet> ip = Ipv4Packet::Parse(p);
  ASSERT_TRUE(ip.ok()) << ip.status();
  EXPECT_EQ(ip->source(), kSrc);
  EXPECT_EQ(ip->destination(), kDst);
  EXPECT_EQ(ip->protocol(), kIpProtocolIcmp);
  EXPECT_EQ(ip->ttl(), 64);
  EXPECT_EQ(ip->total_length(), 24);
  EXPECT_EQ(ip->payload(), "ping");
}

TEST(BuildIpv4Test, FromHeaderKeepsOptionsAndFragmentFields) {
  std::string p = BuildIpv4(Ipv4Header{.source = kSrc,
                                       .destination = kDst,
                                       .protocol = 99,
                                       .tos = 0x10,
                                       .ttl = 3,
                                       .identification = 7,
                                       .more_fragments = true,
                                       .fragment_offset = 5,
                                       .options = "\x94\x04\x00\x00"s,
                                       .payload_length = 9999},
                            "data");
  absl::StatusOr<Ipv4Packet> ip = Ipv4Packet::Parse(p);
  ASSERT_TRUE(ip.ok()) << ip.status();
  EXPECT_EQ(ip->header_length(), 24u);
  EXPECT_EQ(ip->options(), "\x94\x04\x00\x00"s);
  EXPECT_EQ(ip->tos(), 0x10);
  EXPECT_EQ(ip->ttl(), 3);
  EXPECT_EQ(ip->identification(), 7);
  EXPECT_TRUE(ip->more_fragments());
  EXPECT_EQ(ip->fragment_offset(), 5);
  EXPECT_EQ(ip->total_length(), 28);  // payload_length replaced
  EXPECT_EQ(ip->payload(), "data");
}

TEST(BuildUdpTest, NoChecksumWithoutAddresses) {
  EXPECT_EQ(BuildUdp(5353, 53, "abcd"),
            "\x14\xe9\x00\x35\x00\x0c\x00\x00"s + "abcd");
}

TEST(BuildUdpIpv4Test, MatchesTheLiteralPacket) {
  // The same bytes ipv4_test.cc deconstructs, except DF and the id.
  std::string p = BuildUdpIpv4(kSrc, 5353, kDst, 53, "abcd");
  absl::StatusOr<Ipv4Packet> ip = Ipv4Packet::Parse(p);
  ASSERT_TRUE(ip.ok()) << ip.status();
  EXPECT_EQ(ip->payload(), "\x14\xe9\x00\x35\x00\x0c\xa1\xed\x61\x62\x63\x64"s);
  absl::StatusOr<UdpDatagram> udp =
      UdpDatagram::Parse(ip->payload(), ip->source(), ip->destination());
  ASSERT_TRUE(udp.ok()) << udp.status();
  EXPECT_EQ(udp->payload(), "abcd");
}

TEST(BuildUdpIpv4Test, ChecksumCanBeOmitted) {
  std::string p =
      BuildUdpIpv4(kSrc, 5353, kDst, 53, "abcd", UdpChecksumMode::kNone);
  absl::StatusOr<Ipv4Packet> ip = Ipv4Packet::Parse(p);
  ASSERT_TRUE(ip.ok()) << ip.status();
  EXPECT_EQ(UdpDatagram::Parse(ip->payload()).value().checksum(), 0);
}

TEST(BuildUdpIpv4Test, OddAndEmptyPayloads) {
  for (std::string payload : {""s, "x"s, "xyz"s, std::string(1473, 'q')}) {
    std::string p = BuildUdpIpv4(kDst, 1, kSrc, 2, payload);
    absl::StatusOr<Ipv4Packet> ip = Ipv4Packet::Parse(p);
    ASSERT_TRUE(ip.ok()) << ip.status();
    absl::StatusOr<UdpDatagram> udp =
        UdpDatagram::Parse(ip->payload(), kDst, kSrc);
    ASSERT_TRUE(udp.ok()) << udp.status();
    EXPECT_EQ(udp->payload(), payload);
  }
}

TEST(WriteUdpIpv4FrameTest, EqualsTheComposedBuilders) {
  UdpFrameSpec spec{.source_mac = kSrcMac,
                    .destination_mac = kDstMac,
                    .source_ip = kSrc,
                    .destination_ip = kDst,
                    .source_port = 5353,
                    .destination_port = 53};
  std::string out(UdpFrameSize(4), '?');
  EXPECT_EQ(WriteUdpIpv4Frame(spec, "abcd", out.data()), out.size());
  EXPECT_EQ(out, BuildEthernet(kSrcMac, kDstMac, kEtherTypeIpv4,
                               BuildUdpIpv4(kSrc, 5353, kDst, 53, "abcd")));
}

TEST(BuildersDeathTest, OversizedPacketsDie) {
  EXPECT_DEATH(BuildUdpIpv4(kSrc, 1, kDst, 2, std::string(65508, 'x')),
               "65536 bytes do not fit");
}

}  // namespace
}  // namespace standin::netstack
