#include "standin/netstack/arp.h"

#include <sstream>
#include <string>

#include "gtest/gtest.h"

namespace standin::netstack {
namespace {

using std::string_literals::operator""s;

const MacAddress kMacA = MacAddress::FromBytes("\x02\x00\x00\x00\x00\x01"s);
const MacAddress kMacB = MacAddress::FromBytes("\x02\x00\x00\x00\x00\x02"s);

// Who has 192.0.2.2? Tell 192.0.2.1 (02:00:00:00:00:01).
const std::string kRequest =
    "\x00\x01\x08\x00\x06\x04\x00\x01"
    "\x02\x00\x00\x00\x00\x01\xc0\x00\x02\x01"
    "\x00\x00\x00\x00\x00\x00\xc0\x00\x02\x02"s;
// 192.0.2.2 is at 02:00:00:00:00:02 (to 192.0.2.1).
const std::string kReply =
    "\x00\x01\x08\x00\x06\x04\x00\x02"
    "\x02\x00\x00\x00\x00\x02\xc0\x00\x02\x02"
    "\x02\x00\x00\x00\x00\x01\xc0\x00\x02\x01"s;

TEST(ArpPacketTest, DeconstructRequest) {
  absl::StatusOr<ArpPacket> arp = ArpPacket::Parse(kRequest);
  ASSERT_TRUE(arp.ok()) << arp.status();
  EXPECT_EQ(arp->operation(), ArpOperation::kRequest);
  EXPECT_EQ(arp->sender_mac(), kMacA);
  EXPECT_EQ(arp->sender_ip(), "192.0.2.1");
  EXPECT_EQ(arp->target_mac(), MacAddress());
  EXPECT_EQ(arp->target_ip(), "192.0.2.2");
  EXPECT_EQ(arp->bytes(), kRequest);
}

TEST(ArpPacketTest, DeconstructReply) {
  absl::StatusOr<ArpPacket> arp = ArpPacket::Parse(kReply);
  ASSERT_TRUE(arp.ok()) << arp.status();
  EXPECT_EQ(arp->operation(), ArpOperation::kReply);
  EXPECT_EQ(arp->sender_mac(), kMacB);
  EXPECT_EQ(arp->sender_ip(), "192.0.2.2");
  EXPECT_EQ(arp->target_mac(), kMacA);
  EXPECT_EQ(arp->target_ip(), "192.0.2.1");
}

TEST(ArpPacketTest, EthernetPaddingIsTrimmed) {
  const std::string padded = kRequest + std::string(18, '\0');
  absl::StatusOr<ArpPacket> arp = ArpPacket::Parse(padded);
  ASSERT_TRUE(arp.ok()) << arp.status();
  EXPECT_EQ(arp->bytes(), kRequest);
}

TEST(ArpMessageTest, EmitMatchesTheLiteralMessages) {
  std::string out(ArpMessage::kSize, '?');
  ArpMessage{.operation = ArpOperation::kRequest,
             .sender_mac = kMacA,
             .sender_ip = "192.0.2.1",
             .target_ip = "192.0.2.2"}
      .Emit(out.data());
  EXPECT_EQ(out, kRequest);
  ArpMessage{.operation = ArpOperation::kReply,
             .sender_mac = kMacB,
             .sender_ip = "192.0.2.2",
             .target_mac = kMacA,
             .target_ip = "192.0.2.1"}
      .Emit(out.data());
  EXPECT_EQ(out, kReply);
}

TEST(ArpMessageTest, FromPacketRoundTrips) {
  ArpMessage m = ArpMessage::FromPacket(ArpPacket::Parse(kReply).value());
  EXPECT_EQ(m, (ArpMessage{.operation = ArpOperation::kReply,
                           .sender_mac = kMacB,
                           .sender_ip = "192.0.2.2",
                           .target_mac = kMacA,
                           .target_ip = "192.0.2.1"}));
  std::string out(ArpMessage::kSize, '?');
  m.Emit(out.data());
  EXPECT_EQ(out, kReply);
}

TEST(ArpMessageTest, PrintsLikeTcpdump) {
  std::ostringstream request, reply;
  request << ArpMessage::FromPacket(ArpPacket::Parse(kRequest).value());
  reply << ArpMessage::FromPacket(ArpPacket::Parse(kReply).value());
  EXPECT_EQ(request.str(),
            "ARP request who-has 192.0.2.2 tell 192.0.2.1 "
            "(02:00:00:00:00:01)");
  EXPECT_EQ(reply.str(),
            "ARP reply 192.0.2.2 is-at 02:00:00:00:00:02 (to 192.0.2.1 at "
            "02:00:00:00:00:01)");
}

// The malformed-input table: one case per defect, each with the message
// Parse() gives and the reason Check() returns.
struct Malformed {
  const char* name;
  std::string bytes;
  DropReason reason;
  const char* message;
  // gtest names the failing case instead of dumping the struct's bytes.
  friend void PrintTo(const Malformed& m, std::ostream* os) { *os << m.name; }
};

std::string Edited(size_t at, char value) {
  std::string p = kRequest;
  p[at] = value;
  return p;
}

class ArpMalformedTest : public testing::TestWithParam<Malformed> {};

TEST_P(ArpMalformedTest, IsRejectedNamingTheDefect) {
  const Malformed& c = GetParam();
  ArpPacket unused;
  EXPECT_EQ(ArpPacket::Check(c.bytes, &unused), c.reason);
  absl::StatusOr<ArpPacket> p = ArpPacket::Parse(c.bytes);
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(p.status().message(), c.message);
}

INSTANTIATE_TEST_SUITE_P(
    Table, ArpMalformedTest,
    testing::Values(
        Malformed{"ShorterThanTheFixedPart", kRequest.substr(0, 7),
                  DropReason::kArpTooShort,
                  "ARP message is 7 bytes, shorter than its 8-byte fixed "
                  "part"},
        Malformed{"ShorterThan28", kRequest.substr(0, 27),
                  DropReason::kArpTooShort,
                  "ARP message is 27 bytes, shorter than the 28 bytes of "
                  "Ethernet/IPv4 ARP"},
        // IEEE 802 networks (hardware type 6) are not Ethernet II.
        Malformed{"HardwareTypeNotEthernet", Edited(1, '\x06'),
                  DropReason::kArpNotEthernetIpv4,
                  "ARP hardware type 6 (length 6), protocol type 0x0800 "
                  "(length 4) is not Ethernet (1, 6) / IPv4 (0x0800, 4)"},
        Malformed{"ProtocolTypeIpv6", Edited(2, '\x86'),
                  DropReason::kArpNotEthernetIpv4,
                  "ARP hardware type 1 (length 6), protocol type 0x8600 "
                  "(length 4) is not Ethernet (1, 6) / IPv4 (0x0800, 4)"},
        Malformed{"HardwareLength8", Edited(4, '\x08'),
                  DropReason::kArpNotEthernetIpv4,
                  "ARP hardware type 1 (length 8), protocol type 0x0800 "
                  "(length 4) is not Ethernet (1, 6) / IPv4 (0x0800, 4)"},
        Malformed{"ProtocolLength16", Edited(5, '\x10'),
                  DropReason::kArpNotEthernetIpv4,
                  "ARP hardware type 1 (length 6), protocol type 0x0800 "
                  "(length 16) is not Ethernet (1, 6) / IPv4 (0x0800, 4)"},
        // RARP (3) and InARP (8) are other protocols' operations.
        Malformed{"OperationRarpRequest", Edited(7, '\x03'),
                  DropReason::kArpBadOperation,
                  "ARP operation 3 is neither request (1) nor reply (2)"},
        Malformed{"OperationZero", Edited(7, '\x00'),
                  DropReason::kArpBadOperation,
                  "ARP operation 0 is neither request (1) nor reply (2)"}),
    [](const testing::TestParamInfo<Malformed>& info) {
      return std::string(info.param.name);
    });

}  // namespace
}  // namespace standin::netstack
