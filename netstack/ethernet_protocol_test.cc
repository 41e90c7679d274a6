// Ports every test of Twisted's twisted/pair/test/test_ethernet.py, plus the
// drop accounting Twisted does not have.
#include "standin/netstack/ethernet_protocol.h"

#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace standin::netstack {
namespace {

using std::string_literals::operator""s;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

struct Received {
  std::string data;
  LinkMetadata link;
  friend bool operator==(const Received&, const Received&) = default;
  friend std::ostream& operator<<(std::ostream& os, const Received& r) {
    return os << "\"" << r.data << "\" " << r.link;
  }
};

class RecordingProtocol : public RawPacketProtocol {
 public:
  void DatagramReceived(std::string_view packet,
                        const LinkMetadata& link) override {
    received.push_back({std::string(packet), link});
  }
  std::vector<Received> received;
};

Received Expect(std::string data, bool partial, std::string dest,
                std::string source, uint16_t protocol) {
  return Received{std::move(data),
                  {.partial = partial,
                   .destination = MacAddress::FromBytes(dest),
                   .source = MacAddress::FromBytes(source),
                   .protocol = protocol}};
}

TEST(EthernetProtocolTest, PacketParsing) {
  EthernetProtocol proto;
  RecordingProtocol p1;
  ASSERT_TRUE(proto.AddProto(0x0800, &p1).ok());
  proto.DatagramReceived(
      "123456987654\x08\x00"
      "foobar"s,
      /*partial=*/false);
  EXPECT_THAT(p1.received,
              ElementsAre(Expect("foobar", false, "123456", "987654", 0x0800)));
}

TEST(EthernetProtocolTest, MultiplePackets) {
  EthernetProtocol proto;
  RecordingProtocol p1;
  ASSERT_TRUE(proto.AddProto(0x0800, &p1).ok());
  proto.DatagramReceived(
      "123456987654\x08\x00"
      "foobar"s,
      false);
  proto.DatagramReceived("012345abcdef\x08\x00quux"s, true);
  EXPECT_THAT(p1.received,
              ElementsAre(Expect("foobar", false, "123456", "987654", 0x0800),
                          Expect("quux", true, "012345", "abcdef", 0x0800)));
}

TEST(EthernetProtocolTest, MultipleSameProtos) {
  EthernetProtocol proto;
  RecordingProtocol p1, p2;
  ASSERT_TRUE(proto.AddProto(0x0800, &p1).ok());
  ASSERT_TRUE(proto.AddProto(0x0800, &p2).ok());
  proto.DatagramReceived(
      "123456987654\x08\x00"
      "foobar"s,
      false);
  Received want = Expect("foobar", false, "123456", "987654", 0x0800);
  EXPECT_THAT(p1.received, ElementsAre(want));
  EXPECT_THAT(p2.received, ElementsAre(want));
}

TEST(EthernetProtocolTest, WrongProtoNotSeen) {
  EthernetProtocol proto;
  RecordingProtocol p1;
  ASSERT_TRUE(proto.AddProto(0x0801, &p1).ok());
  proto.DatagramReceived(
      "123456987654\x08\x00"
      "foobar"s,
      false);
  proto.DatagramReceived("012345abcdef\x08\x00quux"s, true);
  EXPECT_THAT(p1.received, IsEmpty());
  EXPECT_EQ(proto.drops()[DropReason::kNoProtocol], 2u);
}

TEST(EthernetProtocolTest, Demuxing) {
  EthernetProtocol proto;
  RecordingProtocol p1, p2;
  ASSERT_TRUE(proto.AddProto(0x0800, &p1).ok());
  ASSERT_TRUE(proto.AddProto(0x0806, &p2).ok());
  proto.DatagramReceived(
      "123456987654\x08\x00"
      "foobar"s,
      false);
  proto.DatagramReceived("012345abcdef\x08\x06quux"s, true);
  proto.DatagramReceived(
      "123456987654\x08\x06"
      "foobar"s,
      false);
  proto.DatagramReceived("012345abcdef\x08\x00quux"s, true);
  EXPECT_THAT(p1.received,
              ElementsAre(Expect("foobar", false, "123456", "987654", 0x0800),
                          Expect("quux", true, "012345", "abcdef", 0x0800)));
  EXPECT_THAT(p2.received,
              ElementsAre(Expect("quux", true, "012345", "abcdef", 0x0806),
                          Expect("foobar", false, "123456", "987654", 0x0806)));
}

TEST(EthernetProtocolTest, AddingBadProtosWrongLevel) {
  // Twisted raises CannotAdapt at run time; here the type system refuses a
  // protocol of the wrong level at compile time.
  static_assert(!std::is_invocable_v<decltype(&EthernetProtocol::AddProto),
                                     EthernetProtocol&, uint32_t, const char*>);
  static_assert(
      !std::is_convertible_v<RawDatagramProtocol*, RawPacketProtocol*>);
  EthernetProtocol proto;
  absl::Status s = proto.AddProto(42, nullptr);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "Added protocol for ethertype 42 is null");
}

TEST(EthernetProtocolTest, AddingBadProtosTooSmall) {
  // The number is unsigned: -1 arrives as 2^32 - 1 and is rejected by size.
  EthernetProtocol proto;
  RecordingProtocol p;
  absl::Status s = proto.AddProto(static_cast<uint32_t>(-1), &p);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(),
            "Added protocol must fit in 16 bits: ethertype 4294967295");
}

TEST(EthernetProtocolTest, AddingBadProtosTooBig) {
  EthernetProtocol proto;
  RecordingProtocol p;
  absl::Status s = proto.AddProto(1u << 16, &p);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "Added protocol must fit in 16 bits: ethertype 65536");
  EXPECT_TRUE(proto.AddProto(0xffff, &p).ok());
}

TEST(EthernetProtocolTest, AddingBadProtosTooBig2) {
  EthernetProtocol proto;
  RecordingProtocol p;
  absl::Status s = proto.AddProto((1u << 16) + 1, &p);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "Added protocol must fit in 16 bits: ethertype 65537");
}

TEST(EthernetProtocolTest, ShortFrameIsDroppedAndCounted) {
  EthernetProtocol proto;
  RecordingProtocol p1;
  ASSERT_TRUE(proto.AddProto(0x0800, &p1).ok());
  proto.DatagramReceived("123456987654\x08"s);  // 13 bytes
  EXPECT_THAT(p1.received, IsEmpty());
  EXPECT_EQ(proto.drops()[DropReason::kEthernetTooShort], 1u);
  EXPECT_EQ(proto.drops().total(), 1u);
  EXPECT_EQ(proto.drops().ToString(), "{ethernet-too-short: 1}");
}

TEST(EthernetProtocolTest, HandlerMayAddProtocolsWhileDispatching) {
  EthernetProtocol proto;
  RecordingProtocol late;
  class Adder : public RawPacketProtocol {
   public:
    Adder(EthernetProtocol* e, RawPacketProtocol* p) : e_(e), p_(p) {}
    void DatagramReceived(std::string_view, const LinkMetadata&) override {
      for (uint32_t n = 0; n < 64; ++n) ASSERT_TRUE(e_->AddProto(n, p_).ok());
      ASSERT_TRUE(e_->AddProto(0x0800, p_).ok());
    }
    EthernetProtocol* e_;
    RawPacketProtocol* p_;
  } adder(&proto, &late);
  ASSERT_TRUE(proto.AddProto(0x0800, &adder).ok());
  proto.DatagramReceived("123456987654\x08\x00x"s);
  EXPECT_EQ(late.received.size(), 1u);  // appended during the same dispatch
}

}  // namespace
}  // namespace standin::netstack
