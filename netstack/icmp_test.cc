#include "standin/netstack/icmp.h"

#include <sstream>
#include <string>

#include "gtest/gtest.h"

namespace standin::netstack {
namespace {

using std::string_literals::operator""s;

// Echo request, identifier 0x1234, sequence 1, data "abcd".
const std::string kRequest =
    "\x08\x00\x21\x04\x12\x34\x00\x01"
    "abcd"s;
// Its reply: type 0, the same identifier, sequence and data.
const std::string kReply =
    "\x00\x00\x29\x04\x12\x34\x00\x01"
    "abcd"s;

TEST(Icmpv4PacketTest, Deconstruct) {
  absl::StatusOr<Icmpv4Packet> icmp = Icmpv4Packet::Parse(kRequest);
  ASSERT_TRUE(icmp.ok()) << icmp.status();
  EXPECT_EQ(icmp->type(), kIcmpEchoRequest);
  EXPECT_EQ(icmp->code(), 0);
  EXPECT_EQ(icmp->checksum(), 0x2104);
  EXPECT_EQ(icmp->echo_identifier(), 0x1234);
  EXPECT_EQ(icmp->echo_sequence(), 1);
  EXPECT_EQ(icmp->data(), "abcd");
  EXPECT_EQ(icmp->bytes(), kRequest);
}

TEST(Icmpv4PacketTest, AnyTypeWithAGoodChecksumIsAValidMessage) {
  // Destination unreachable (port), with no quoted datagram.
  const std::string unreachable = "\x03\x03\xfc\xfc\x00\x00\x00\x00"s;
  absl::StatusOr<Icmpv4Packet> icmp = Icmpv4Packet::Parse(unreachable);
  ASSERT_TRUE(icmp.ok()) << icmp.status();
  EXPECT_EQ(icmp->type(), kIcmpDestinationUnreachable);
  EXPECT_EQ(icmp->data(), "");
}

TEST(Icmpv4EchoTest, ParseTakesTheEchoApart) {
  absl::StatusOr<Icmpv4Echo> echo =
      Icmpv4Echo::Parse(Icmpv4Packet::Parse(kRequest).value());
  ASSERT_TRUE(echo.ok()) << echo.status();
  EXPECT_EQ(*echo, (Icmpv4Echo{.type = kIcmpEchoRequest,
                               .identifier = 0x1234,
                               .sequence = 1}));
}

TEST(Icmpv4EchoTest, EmitMatchesTheLiteralMessages) {
  std::string out = "????????abcd";
  Icmpv4Echo{.type = kIcmpEchoRequest, .identifier = 0x1234, .sequence = 1}
      .Emit(out.data(), out.size());
  EXPECT_EQ(out, kRequest);
  Icmpv4Echo{.type = kIcmpEchoReply, .identifier = 0x1234, .sequence = 1}.Emit(
      out.data(), out.size());
  EXPECT_EQ(out, kReply);
}

TEST(Icmpv4EchoTest, EmitOddLengthDataChecksumsToZero) {
  std::string out = "????????abc";
  Icmpv4Echo{.identifier = 7, .sequence = 9}.Emit(out.data(), out.size());
  EXPECT_TRUE(Icmpv4Packet::Parse(out).ok());
}

TEST(Icmpv4EchoTest, NonEchoTypesAreNotEchoes) {
  const std::string unreachable = "\x03\x03\xfc\xfc\x00\x00\x00\x00"s;
  Icmpv4Echo unused;
  Icmpv4Packet packet = Icmpv4Packet::Parse(unreachable).value();
  EXPECT_EQ(Icmpv4Echo::Check(packet, &unused), DropReason::kNoProtocol);
  EXPECT_EQ(Icmpv4Echo::Parse(packet).status().message(),
            "ICMP type 3 is not an echo request (8) or reply (0)");
}

TEST(Icmpv4EchoTest, PrintsTypeIdentifierAndSequence) {
  std::ostringstream out;
  out << Icmpv4Echo{.type = kIcmpEchoReply, .identifier = 5, .sequence = 6};
  EXPECT_EQ(out.str(), "ICMP echo reply id=5 seq=6");
}

// The malformed-input table: one case per defect, each with the message
// Parse() gives and the reason Check() returns (the echo's code is checked
// by Icmpv4Echo, on a message whose checksum verifies).
struct Malformed {
  const char* name;
  std::string bytes;
  DropReason reason;
  const char* message;
  // gtest names the failing case instead of dumping the struct's bytes.
  friend void PrintTo(const Malformed& m, std::ostream* os) { *os << m.name; }
};

class Icmpv4MalformedTest : public testing::TestWithParam<Malformed> {};

TEST_P(Icmpv4MalformedTest, IsRejectedNamingTheDefect) {
  const Malformed& c = GetParam();
  Icmpv4Packet packet;
  DropReason reason = Icmpv4Packet::Check(c.bytes, &packet);
  absl::Status status = Icmpv4Packet::Parse(c.bytes).status();
  if (reason == DropReason::kNone) {
    Icmpv4Echo unused;
    reason = Icmpv4Echo::Check(packet, &unused);
    status = Icmpv4Echo::Parse(packet).status();
  }
  EXPECT_EQ(reason, c.reason);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(), c.message);
}

INSTANTIATE_TEST_SUITE_P(
    Table, Icmpv4MalformedTest,
    testing::Values(
        Malformed{"ShorterThan8", kRequest.substr(0, 7),
                  DropReason::kIcmpTooShort,
                  "ICMP message is 7 bytes, shorter than the 8-byte header"},
        Malformed{"Empty", "", DropReason::kIcmpTooShort,
                  "ICMP message is 0 bytes, shorter than the 8-byte header"},
        Malformed{"BadChecksum",
                  "\x08\x00\x21\x05\x12\x34\x00\x01"
                  "abcd"s,
                  DropReason::kIcmpBadChecksum,
                  "ICMP checksum 0x2105 is wrong (expected 0x2104)"},
        // A changed data byte breaks the checksum as well.
        Malformed{"DataChanged",
                  "\x08\x00\x21\x04\x12\x34\x00\x01"
                  "abce"s,
                  DropReason::kIcmpBadChecksum,
                  "ICMP checksum 0x2104 is wrong (expected 0x2103)"},
        // Code 1 with the checksum fixed: only the code is wrong.
        Malformed{"EchoCode1",
                  "\x08\x01\x21\x03\x12\x34\x00\x01"
                  "abcd"s,
                  DropReason::kIcmpEchoBadCode,
                  "ICMP echo request has code 1, expected 0"}),
    [](const testing::TestParamInfo<Malformed>& info) {
      return std::string(info.param.name);
    });

}  // namespace
}  // namespace standin::netstack
