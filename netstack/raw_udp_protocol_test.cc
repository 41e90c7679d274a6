// Ports every test of Twisted's twisted/pair/test/test_rawudp.py. Twisted's
// datagrams carry a length field of 6 (less than the header) and checksum
// 0xDEAD, and its IP "addresses" are arbitrary strings; the ports send the
// same ports and payloads in valid datagrams between TEST-NET addresses.
#include "standin/netstack/raw_udp_protocol.h"

#include <string>
#include <tuple>
#include <type_traits>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "standin/netstack/builders.h"
#include "standin/netstack/ipv4.h"

namespace standin::netstack {
namespace {

using std::string_literals::operator""s;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

class RecordingProtocol : public DatagramProtocol {
 public:
  void DatagramReceived(std::string_view data, const Address& from) override {
    received.emplace_back(std::string(data), from);
  }
  std::vector<std::tuple<std::string, Address>> received;
};

const IPv4Host kTestHost(192, 0, 2, 10);
const IPv4Host kOtherHost(198, 51, 100, 20);
const IPv4Host kUs(192, 0, 2, 1);

Ipv4Metadata From(IPv4Host source) {
  return Ipv4Metadata{.source = source,
                      .destination = kUs,
                      .protocol = kIpProtocolUdp,
                      .ttl = 64};
}

std::tuple<std::string, Address> Expect(std::string data, IPv4Host host,
                                        uint16_t port) {
  return {std::move(data), IPv4Address::Udp(host, port)};
}

TEST(RawUdpProtocolTest, PacketParsing) {
  RawUdpProtocol proto;
  RecordingProtocol p1;
  ASSERT_TRUE(proto.AddProto(0xF00F, &p1).ok());
  proto.DatagramReceived(BuildUdp(0x43A2, 0xF00F, "foobar"), From(kTestHost));
  EXPECT_THAT(p1.received, ElementsAre(Expect("foobar", kTestHost, 0x43A2)));
}

TEST(RawUdpProtocolTest, MultiplePackets) {
  RawUdpProtocol proto;
  RecordingProtocol p1;
  ASSERT_TRUE(proto.AddProto(0xF00F, &p1).ok());
  proto.DatagramReceived(BuildUdp(0x43A2, 0xF00F, "foobar"), From(kTestHost));
  proto.DatagramReceived(BuildUdp(0x33FE, 0xF00F, "quux"), From(kOtherHost));
  EXPECT_THAT(p1.received, ElementsAre(Expect("foobar", kTestHost, 0x43A2),
                                       Expect("quux", kOtherHost, 0x33FE)));
}

TEST(RawUdpProtocolTest, MultipleSameProtos) {
  RawUdpProtocol proto;
  RecordingProtocol p1, p2;
  ASSERT_TRUE(proto.AddProto(0xF00F, &p1).ok());
  ASSERT_TRUE(proto.AddProto(0xF00F, &p2).ok());
  proto.DatagramReceived(BuildUdp(0x43A2, 0xF00F, "foobar"), From(kTestHost));
  EXPECT_THAT(p1.received, ElementsAre(Expect("foobar", kTestHost, 0x43A2)));
  EXPECT_THAT(p2.received, ElementsAre(Expect("foobar", kTestHost, 0x43A2)));
}

TEST(RawUdpProtocolTest, WrongProtoNotSeen) {
  RawUdpProtocol proto;
  RecordingProtocol p1;
  ASSERT_TRUE(proto.AddProto(1, &p1).ok());
  proto.DatagramReceived(BuildUdp(0x43A2, 0xF00F, "foobar"), From(kTestHost));
  EXPECT_THAT(p1.received, IsEmpty());
  EXPECT_EQ(proto.drops()[DropReason::kNoProtocol], 1u);
}

TEST(RawUdpProtocolTest, Demuxing) {
  RawUdpProtocol proto;
  RecordingProtocol p1, p2;
  ASSERT_TRUE(proto.AddProto(0xF00F, &p1).ok());
  ASSERT_TRUE(proto.AddProto(0xB050, &p2).ok());
  proto.DatagramReceived(BuildUdp(0x43A2, 0xF00F, "foobar"), From(kTestHost));
  proto.DatagramReceived(BuildUdp(0x33FE, 0xB050, "quux"), From(kOtherHost));
  proto.DatagramReceived(BuildUdp(0x43A2, 0xB050, "foobar"), From(kTestHost));
  proto.DatagramReceived(BuildUdp(0x33FE, 0xF00F, "quux"), From(kOtherHost));
  EXPECT_THAT(p1.received, ElementsAre(Expect("foobar", kTestHost, 0x43A2),
                                       Expect("quux", kOtherHost, 0x33FE)));
  EXPECT_THAT(p2.received, ElementsAre(Expect("quux", kOtherHost, 0x33FE),
                                       Expect("foobar", kTestHost, 0x43A2)));
}

TEST(RawUdpProtocolTest, AddingBadProtosWrongLevel) {
  // Twisted raises TypeError for a non-DatagramProtocol; here it cannot
  // compile.
  static_assert(
      !std::is_invocable_v<decltype(&RawUdpProtocol::AddProto), RawUdpProtocol&,
                           uint32_t, RawDatagramProtocol*>);
  RawUdpProtocol proto;
  absl::Status s = proto.AddProto(42, nullptr);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "Added protocol for port 42 is null");
}

TEST(RawUdpProtocolTest, AddingBadProtosTooSmall) {
  RawUdpProtocol proto;
  RecordingProtocol p;
  absl::Status s = proto.AddProto(static_cast<uint32_t>(-1), &p);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "Added protocol must fit in 16 bits: port 4294967295");
}

TEST(RawUdpProtocolTest, AddingBadProtosTooBig) {
  RawUdpProtocol proto;
  RecordingProtocol p;
  absl::Status s = proto.AddProto(1u << 16, &p);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "Added protocol must fit in 16 bits: port 65536");
  EXPECT_TRUE(proto.AddProto(0xffff, &p).ok());
}

TEST(RawUdpProtocolTest, AddingBadProtosTooBig2) {
  RawUdpProtocol proto;
  RecordingProtocol p;
  absl::Status s = proto.AddProto((1u << 16) + 1, &p);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "Added protocol must fit in 16 bits: port 65537");
}

TEST(RawUdpProtocolTest, TwistedsOwnTestBytesAreDroppedAsMalformed) {
  // Verbatim from test_rawudp.py: the length field says 6.
  RawUdpProtocol proto;
  RecordingProtocol p1;
  ASSERT_TRUE(proto.AddProto(0xF00F, &p1).ok());
  proto.DatagramReceived(
      "\x43\xA2\xf0\x0f\x00\x06\xDE\xAD"
      "foobar"s,
      From(kTestHost));
  EXPECT_THAT(p1.received, IsEmpty());
  EXPECT_EQ(proto.drops()[DropReason::kUdpLengthTooSmall], 1u);
}

TEST(RawUdpProtocolTest, ChecksummedDatagramIsVerifiedAgainstTheIpAddresses) {
  std::string ip = BuildUdpIpv4(kTestHost, 0x43A2, kUs, 0xF00F, "foobar");
  std::string udp = ip.substr(20);
  RawUdpProtocol proto;
  RecordingProtocol p1;
  ASSERT_TRUE(proto.AddProto(0xF00F, &p1).ok());
  proto.DatagramReceived(udp, From(kTestHost));
  proto.DatagramReceived(udp, From(kOtherHost));  // pseudo-header mismatch
  EXPECT_THAT(p1.received, ElementsAre(Expect("foobar", kTestHost, 0x43A2)));
  EXPECT_EQ(proto.drops()[DropReason::kUdpBadChecksum], 1u);
}

TEST(RawUdpProtocolTest, NestedDispatchKeepsEachSenderAddress) {
  // A handler that feeds the same RawUdpProtocol again (a loopback test
  // double might) must not change the address the outer dispatch reports.
  RawUdpProtocol proto;
  class Reflector : public DatagramProtocol {
   public:
    explicit Reflector(RawUdpProtocol* udp) : udp_(udp) {}
    void DatagramReceived(std::string_view data, const Address&) override {
      if (data == "ping") {
        udp_->DatagramReceived(BuildUdp(0x33FE, 0xB050, "pong"),
                               From(kOtherHost));
      }
    }
    RawUdpProtocol* udp_;
  } reflector(&proto);
  RecordingProtocol outer, inner;
  ASSERT_TRUE(proto.AddProto(0xF00F, &reflector).ok());
  ASSERT_TRUE(proto.AddProto(0xF00F, &outer).ok());
  ASSERT_TRUE(proto.AddProto(0xB050, &inner).ok());
  proto.DatagramReceived(BuildUdp(0x43A2, 0xF00F, "ping"), From(kTestHost));
  proto.DatagramReceived(BuildUdp(0x43A2, 0xF00F, "again"), From(kTestHost));
  EXPECT_THAT(outer.received, ElementsAre(Expect("ping", kTestHost, 0x43A2),
                                          Expect("again", kTestHost, 0x43A2)));
  EXPECT_THAT(inner.received, ElementsAre(Expect("pong", kOtherHost, 0x33FE)));
}

TEST(RawUdpProtocolTest, ProtocolAddedLaterGetsLaterDatagrams) {
  RawUdpProtocol proto;
  RecordingProtocol p1, p2;
  ASSERT_TRUE(proto.AddProto(0xF00F, &p1).ok());
  proto.DatagramReceived(BuildUdp(0x43A2, 0xF00F, "one"), From(kTestHost));
  proto.DatagramReceived(BuildUdp(0x43A2, 0xB050, "lost"), From(kTestHost));
  ASSERT_TRUE(proto.AddProto(0xB050, &p2).ok());
  ASSERT_TRUE(proto.AddProto(0xF00F, &p2).ok());
  proto.DatagramReceived(BuildUdp(0x43A2, 0xB050, "two"), From(kTestHost));
  proto.DatagramReceived(BuildUdp(0x43A2, 0xF00F, "three"), From(kTestHost));
  EXPECT_THAT(p1.received, ElementsAre(Expect("one", kTestHost, 0x43A2),
                                       Expect("three", kTestHost, 0x43A2)));
  EXPECT_THAT(p2.received, ElementsAre(Expect("two", kTestHost, 0x43A2),
                                       Expect("three", kTestHost, 0x43A2)));
  EXPECT_EQ(proto.drops()[DropReason::kNoProtocol], 1u);
}

TEST(RawUdpProtocolTest, FragmentsAreNotDeliveredAsWholeDatagrams) {
  RawUdpProtocol proto;
  RecordingProtocol p1;
  ASSERT_TRUE(proto.AddProto(0xF00F, &p1).ok());
  Ipv4Metadata first = From(kTestHost);
  first.more_fragments = true;
  Ipv4Metadata later = From(kTestHost);
  later.fragment_offset = 185;
  proto.DatagramReceived(BuildUdp(0x43A2, 0xF00F, "foobar"), first);
  proto.DatagramReceived("rest of the datagram", later);
  EXPECT_THAT(p1.received, IsEmpty());
  EXPECT_EQ(proto.drops()[DropReason::kIpv4Fragment], 2u);
}

}  // namespace
}  // namespace standin::netstack
