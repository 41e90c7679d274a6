// Ports every test of Twisted's twisted/pair/test/test_ip.py. Twisted's test
// packets are not valid IPv4 (the version/IHL nibbles are swapped, to match
// its parser's bug, and the checksum is the text "FE"), so the ports use the
// same header fields in a correct encoding; a separate test shows Twisted's
// bytes verbatim are dropped, and why.
#include "standin/netstack/ip_protocol.h"

#include <string>
#include <type_traits>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "standin/netstack/builders.h"
#include "standin/netstack/checksum.h"
#include "standin/netstack/ipv4.h"
#include "standin/netstack/raw_udp_protocol.h"
#include "standin/netstack/wire_field.h"

namespace standin::netstack {
namespace {

using std::string_literals::operator""s;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

struct Received {
  std::string data;
  Ipv4Metadata ip;
  friend bool operator==(const Received&, const Received&) = default;
  friend std::ostream& operator<<(std::ostream& os, const Received& r) {
    return os << "\"" << r.data << "\" " << r.ip;
  }
};

class RecordingProtocol : public RawDatagramProtocol {
 public:
  void DatagramReceived(std::string_view payload,
                        const Ipv4Metadata& ip) override {
    received.push_back({std::string(payload), ip});
  }
  std::vector<Received> received;
};

// Twisted's test header: tos 7, id 0xDEAD, flags/offset 0xBEEF (MF set,
// offset 0x1EEF), TTL 0xC0, protocol 0x0F; `source` and `dest` as given.
std::string TwistedPacket(std::string source, std::string dest,
                          std::string payload) {
  std::string p = "\x45\x07"s;
  p += static_cast<char>(0);
  p += static_cast<char>(20 + payload.size());
  p += "\xDE\xAD\xBE\xEF\xC0\x0F\x00\x00"s + source + dest + payload;
  StoreBe16(p.data() + 10, InternetChecksum(p.substr(0, 20)));
  return p;
}

Received Expect(std::string data, bool partial, IPv4Host dest, IPv4Host source,
                uint16_t tot_len) {
  return Received{std::move(data), Ipv4Metadata{.partial = partial,
                                                .source = source,
                                                .destination = dest,
                                                .protocol = 0x0F,
                                                .version = 4,
                                                .ihl = 20,
                                                .tos = 7,
                                                .tot_len = tot_len,
                                                .fragment_id = 0xDEAD,
                                                .fragment_offset = 0x1EEF,
                                                .dont_fragment = false,
                                                .more_fragments = true,
                                                .ttl = 0xC0}};
}

const LinkMetadata kNotPartial{};
const LinkMetadata kPartial{.partial = true};

TEST(IpProtocolTest, PacketParsing) {
  IpProtocol proto;
  RecordingProtocol p1;
  ASSERT_TRUE(proto.AddProto(0x0F, &p1).ok());
  proto.DatagramReceived(
      TwistedPacket("\x05\x06\x07\x08"s, "\x01\x02\x03\x04"s, "foobar"),
      kNotPartial);
  EXPECT_THAT(p1.received,
              ElementsAre(Expect("foobar", false, IPv4Host(1, 2, 3, 4),
                                 IPv4Host(5, 6, 7, 8), 26)));
}

TEST(IpProtocolTest, MultiplePackets) {
  IpProtocol proto;
  RecordingProtocol p1;
  ASSERT_TRUE(proto.AddProto(0x0F, &p1).ok());
  proto.DatagramReceived(
      TwistedPacket("\x05\x06\x07\x08"s, "\x01\x02\x03\x04"s, "foobar"),
      kNotPartial);
  proto.DatagramReceived(
      TwistedPacket("\x06\x07\x08\x09"s, "\x05\x04\x03\x02"s, "quux"),
      kPartial);
  // Twisted's expectation says tot_len 26 for "quux" too (it never checks the
  // field); the correct encoding of a 4-byte payload has 24.
  EXPECT_THAT(p1.received,
              ElementsAre(Expect("foobar", false, IPv4Host(1, 2, 3, 4),
                                 IPv4Host(5, 6, 7, 8), 26),
                          Expect("quux", true, IPv4Host(5, 4, 3, 2),
                                 IPv4Host(6, 7, 8, 9), 24)));
}

TEST(IpProtocolTest, MultipleSameProtos) {
  IpProtocol proto;
  RecordingProtocol p1, p2;
  ASSERT_TRUE(proto.AddProto(0x0F, &p1).ok());
  ASSERT_TRUE(proto.AddProto(0x0F, &p2).ok());
  proto.DatagramReceived(
      TwistedPacket("\x05\x06\x07\x08"s, "\x01\x02\x03\x04"s, "foobar"),
      kNotPartial);
  Received want =
      Expect("foobar", false, IPv4Host(1, 2, 3, 4), IPv4Host(5, 6, 7, 8), 26);
  EXPECT_THAT(p1.received, ElementsAre(want));
  EXPECT_THAT(p2.received, ElementsAre(want));
}

TEST(IpProtocolTest, WrongProtoNotSeen) {
  IpProtocol proto;
  RecordingProtocol p1;
  ASSERT_TRUE(proto.AddProto(1, &p1).ok());
  proto.DatagramReceived(
      TwistedPacket("\x05\x06\x07\x08"s, "\x01\x02\x03\x04"s, "foobar"),
      kNotPartial);
  EXPECT_THAT(p1.received, IsEmpty());
  EXPECT_EQ(proto.drops()[DropReason::kNoProtocol], 1u);
}

TEST(IpProtocolTest, Demuxing) {
  IpProtocol proto;
  RecordingProtocol p1, p2;
  ASSERT_TRUE(proto.AddProto(0x0F, &p1).ok());
  ASSERT_TRUE(proto.AddProto(0x0A, &p2).ok());
  auto with_protocol = [](std::string p, char number) {
    p[9] = number;
    p[10] = p[11] = 0;
    StoreBe16(p.data() + 10, InternetChecksum(p.substr(0, 20)));
    return p;
  };
  proto.DatagramReceived(
      TwistedPacket("\x05\x06\x07\x08"s, "\x01\x02\x03\x04"s, "foobar"),
      kNotPartial);
  proto.DatagramReceived(
      with_protocol(
          TwistedPacket("\x06\x07\x08\x09"s, "\x05\x04\x03\x02"s, "quux"),
          0x0A),
      kPartial);
  proto.DatagramReceived(
      with_protocol(
          TwistedPacket("\x05\x06\x07\x08"s, "\x01\x02\x03\x04"s, "foobar"),
          0x0A),
      kNotPartial);
  proto.DatagramReceived(
      TwistedPacket("\x06\x07\x08\x09"s, "\x05\x04\x03\x02"s, "quux"),
      kPartial);

  Received quux_a =
      Expect("quux", true, IPv4Host(5, 4, 3, 2), IPv4Host(6, 7, 8, 9), 24);
  quux_a.ip.protocol = 0x0A;
  Received foobar_a =
      Expect("foobar", false, IPv4Host(1, 2, 3, 4), IPv4Host(5, 6, 7, 8), 26);
  foobar_a.ip.protocol = 0x0A;
  EXPECT_THAT(p1.received,
              ElementsAre(Expect("foobar", false, IPv4Host(1, 2, 3, 4),
                                 IPv4Host(5, 6, 7, 8), 26),
                          Expect("quux", true, IPv4Host(5, 4, 3, 2),
                                 IPv4Host(6, 7, 8, 9), 24)));
  EXPECT_THAT(p2.received, ElementsAre(quux_a, foobar_a));
}

// A RawUdpProtocol is called directly (not through its vtable); it still
// takes its turn among the other receivers of its number, and a second one
// is served as well.
TEST(IpProtocolTest, RawUdpProtocolKeepsItsPlaceAmongReceivers) {
  std::vector<std::string> log;
  class Logging : public RawDatagramProtocol {
   public:
    Logging(std::vector<std::string>* log, std::string name)
        : log_(log), name_(std::move(name)) {}
    void DatagramReceived(std::string_view, const Ipv4Metadata&) override {
      log_->push_back(name_);
    }

   private:
    std::vector<std::string>* log_;
    std::string name_;
  };
  class App : public DatagramProtocol {
   public:
    App(std::vector<std::string>* log, std::string name)
        : log_(log), name_(std::move(name)) {}
    void DatagramReceived(std::string_view data, const Address&) override {
      log_->push_back(name_ + ":" + std::string(data));
    }

   private:
    std::vector<std::string>* log_;
    std::string name_;
  };
  Logging first(&log, "first"), last(&log, "last");
  App app1(&log, "udp1"), app2(&log, "udp2");
  RawUdpProtocol udp1, udp2;
  ASSERT_TRUE(udp1.AddProto(53, &app1).ok());
  ASSERT_TRUE(udp2.AddProto(53, &app2).ok());
  IpProtocol proto;
  ASSERT_TRUE(proto.AddProto(kIpProtocolUdp, &first).ok());
  ASSERT_TRUE(proto.AddProto(kIpProtocolUdp, &udp1).ok());
  ASSERT_TRUE(proto.AddProto(kIpProtocolUdp, &udp2).ok());
  ASSERT_TRUE(proto.AddProto(kIpProtocolUdp, &last).ok());
  proto.DatagramReceived(BuildUdpIpv4(IPv4Host(192, 0, 2, 1), 5353,
                                      IPv4Host(192, 0, 2, 2), 53, "q"),
                         kNotPartial);
  EXPECT_THAT(log, ElementsAre("first", "udp1:q", "udp2:q", "last"));
  EXPECT_EQ(proto.drops().total(), 0u);
}

TEST(IpProtocolTest, AddingBadProtosWrongLevel) {
  static_assert(!std::is_invocable_v<decltype(&IpProtocol::AddProto),
                                     IpProtocol&, uint32_t, const char*>);
  static_assert(
      !std::is_convertible_v<RawPacketProtocol*, RawDatagramProtocol*>);
  IpProtocol proto;
  absl::Status s = proto.AddProto(42, nullptr);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "Added protocol for IP protocol 42 is null");
}

TEST(IpProtocolTest, AddingBadProtosTooSmall) {
  IpProtocol proto;
  RecordingProtocol p;
  absl::Status s = proto.AddProto(static_cast<uint32_t>(-1), &p);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(),
            "Added protocol must fit in 8 bits: IP protocol 4294967295");
}

// Twisted accepts up to 2^32 - 1 and then never matches anything above 255;
// the header field is 8 bits, so that is where the range check belongs.
TEST(IpProtocolTest, AddingBadProtosTooBig) {
  IpProtocol proto;
  RecordingProtocol p;
  absl::Status s = proto.AddProto(1u << 8, &p);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "Added protocol must fit in 8 bits: IP protocol 256");
  EXPECT_TRUE(proto.AddProto(255, &p).ok());
}

TEST(IpProtocolTest, AddingBadProtosTooBig2) {
  IpProtocol proto;
  RecordingProtocol p;
  absl::Status s = proto.AddProto((1u << 8) + 1, &p);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "Added protocol must fit in 8 bits: IP protocol 257");
}

TEST(IpProtocolTest, TwistedsOwnTestBytesAreDroppedAsMalformed) {
  // Verbatim from test_ip.py: "\x54" puts IHL in the high nibble.
  std::string twisted =
      "\x54\x07\x00\x1a\xDE\xAD\xBE\xEF\xC0\x0F"
      "FE\x05\x06\x07\x08\x01\x02\x03\x04"
      "foobar"s;
  IpProtocol proto;
  RecordingProtocol p1;
  ASSERT_TRUE(proto.AddProto(0x0F, &p1).ok());
  proto.DatagramReceived(twisted, kNotPartial);
  EXPECT_THAT(p1.received, IsEmpty());
  EXPECT_EQ(proto.drops()[DropReason::kIpv4BadVersion], 1u);
}

TEST(IpProtocolTest, OptionsAreSkippedByIhl) {
  // IHL 7: 8 option bytes (a record-route-ish NOP run) before the payload.
  std::string packet =
      BuildIpv4(Ipv4Header{.source = IPv4Host(192, 0, 2, 1),
                           .destination = IPv4Host(192, 0, 2, 2),
                           .protocol = 0x0F,
                           .options = "\x01\x01\x01\x01\x01\x01\x01\x00"s},
                "payload");
  ASSERT_EQ(packet.size(), 28u + 7u);
  IpProtocol proto;
  RecordingProtocol p1;
  ASSERT_TRUE(proto.AddProto(0x0F, &p1).ok());
  proto.DatagramReceived(packet, kNotPartial);
  ASSERT_EQ(p1.received.size(), 1u);
  EXPECT_EQ(p1.received[0].data, "payload");  // Twisted: options + "payload"
  EXPECT_EQ(p1.received[0].ip.ihl, 28);
  EXPECT_EQ(p1.received[0].ip.tot_len, 35);
}

TEST(IpProtocolTest, LinkPaddingIsNotDelivered) {
  std::string packet =
      BuildIpv4(IPv4Host(192, 0, 2, 1), IPv4Host(192, 0, 2, 2), 0x0F, "abc");
  IpProtocol proto;
  RecordingProtocol p1;
  ASSERT_TRUE(proto.AddProto(0x0F, &p1).ok());
  proto.DatagramReceived(packet + std::string(23, '\0'), kNotPartial);
  ASSERT_EQ(p1.received.size(), 1u);
  EXPECT_EQ(p1.received[0].data, "abc");
}

}  // namespace
}  // namespace standin::netstack
