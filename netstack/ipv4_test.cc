#include "standin/netstack/ipv4.h"

#include <string>

#include "gtest/gtest.h"
#include "standin/netstack/checksum.h"

namespace standin::netstack {
namespace {

using std::string_literals::operator""s;

// 192.0.2.1 -> 192.0.2.2, id 0x1234, DF, TTL 64, UDP, 12 payload bytes
// (a UDP datagram 5353 -> 53 carrying "abcd").
const std::string kPacket =
    "\x45\x00\x00\x20\x12\x34\x40\x00\x40\x11\xa4\x95\xc0\x00\x02\x01"
    "\xc0\x00\x02\x02"
    "\x14\xe9\x00\x35\x00\x0c\xa1\xed\x61\x62\x63\x64"s;

// The same with 4 option bytes (NOP NOP NOP EOL), IHL 6.
const std::string kPacketWithOptions =
    "\x46\x00\x00\x24\x12\x34\x40\x00\x40\x11\xa1\x90\xc0\x00\x02\x01"
    "\xc0\x00\x02\x02\x01\x01\x01\x00"
    "\x14\xe9\x00\x35\x00\x0c\xa1\xed\x61\x62\x63\x64"s;

// Recomputes the header checksum after a test edits the header.
void FixChecksum(std::string& packet) {
  size_t ihl = (static_cast<uint8_t>(packet[0]) & 0x0f) * 4;
  packet[10] = packet[11] = 0;
  StoreBe16(packet.data() + 10, InternetChecksum(packet.substr(0, ihl)));
}

TEST(Ipv4PacketTest, Deconstruct) {
  absl::StatusOr<Ipv4Packet> p = Ipv4Packet::Parse(kPacket);
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->version(), 4);
  EXPECT_EQ(p->ihl(), 5);
  EXPECT_EQ(p->header_length(), 20u);
  EXPECT_EQ(p->tos(), 0);
  EXPECT_EQ(p->total_length(), 32);
  EXPECT_EQ(p->identification(), 0x1234);
  EXPECT_TRUE(p->dont_fragment());
  EXPECT_FALSE(p->more_fragments());
  EXPECT_EQ(p->fragment_offset(), 0);
  EXPECT_FALSE(p->is_fragment());
  EXPECT_EQ(p->ttl(), 64);
  EXPECT_EQ(p->protocol(), kIpProtocolUdp);
  EXPECT_EQ(p->checksum(), 0xa495);
  EXPECT_EQ(p->source(), IPv4Host(192, 0, 2, 1));
  EXPECT_EQ(p->destination(), IPv4Host(192, 0, 2, 2));
  EXPECT_EQ(p->options(), "");
  EXPECT_EQ(p->payload(), kPacket.substr(20));
  EXPECT_EQ(p->bytes(), kPacket);
}

TEST(Ipv4PacketTest, OptionsAreSkippedByIhl) {
  // Twisted slices the payload at byte 20 whatever the IHL says, so it would
  // hand up the option bytes as the start of the UDP datagram.
  absl::StatusOr<Ipv4Packet> p = Ipv4Packet::Parse(kPacketWithOptions);
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->ihl(), 6);
  EXPECT_EQ(p->header_length(), 24u);
  EXPECT_EQ(p->options(), "\x01\x01\x01\x00"s);
  EXPECT_EQ(p->payload(), kPacket.substr(20));
  EXPECT_NE(p->payload(), kPacketWithOptions.substr(20));
}

// Headers with options are checked by the inline sum, at every IHL: a
// correct checksum passes, a corrupted option byte does not.
TEST(Ipv4PacketTest, OptionsHeaderChecksumIsVerifiedAtEveryIhl) {
  for (size_t words = 6; words <= 15; ++words) {
    Ipv4Header h{.source = IPv4Host(192, 0, 2, 1),
                 .destination = IPv4Host(192, 0, 2, 2),
                 .protocol = kIpProtocolUdp,
                 .options = std::string((words - 5) * 4, '\x01')};
    std::string packet(h.header_size(), '\0');
    h.Emit(packet.data());
    Ipv4Packet out;
    ASSERT_EQ(Ipv4Packet::Check(packet, &out), DropReason::kNone)
        << "IHL " << words;
    packet[packet.size() - 1] = '\x00';  // the last option byte
    EXPECT_EQ(Ipv4Packet::Check(packet, &out), DropReason::kIpv4BadChecksum)
        << "IHL " << words;
  }
}

TEST(Ipv4PacketTest, PaddingAfterTotalLengthIsTrimmed) {
  // Ethernet pads short frames to 60 bytes; the padding is not payload.
  std::string padded = kPacket + std::string(14, '\0');
  absl::StatusOr<Ipv4Packet> p = Ipv4Packet::Parse(padded);
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->bytes(), kPacket);
  EXPECT_EQ(p->payload(), kPacket.substr(20));
}

TEST(Ipv4PacketTest, FragmentsAreReported) {
  std::string mf = kPacket;
  mf[6] = '\x20';  // MF, offset 0
  mf[7] = '\x00';
  FixChecksum(mf);
  absl::StatusOr<Ipv4Packet> first = Ipv4Packet::Parse(mf);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_TRUE(first->more_fragments());
  EXPECT_TRUE(first->is_fragment());

  std::string last = kPacket;
  last[6] = '\x00';  // no MF, offset 0x0b9 (1480 bytes)
  last[7] = '\xb9';
  FixChecksum(last);
  absl::StatusOr<Ipv4Packet> tail = Ipv4Packet::Parse(last);
  ASSERT_TRUE(tail.ok()) << tail.status();
  EXPECT_FALSE(tail->more_fragments());
  EXPECT_EQ(tail->fragment_offset(), 0xb9);
  EXPECT_TRUE(tail->is_fragment());
}

TEST(Ipv4HeaderTest, EmitMatchesTheLiteralPacket) {
  Ipv4Header h{.source = IPv4Host(192, 0, 2, 1),
               .destination = IPv4Host(192, 0, 2, 2),
               .protocol = kIpProtocolUdp,
               .ttl = 64,
               .identification = 0x1234,
               .dont_fragment = true,
               .payload_length = 12};
  std::string out(h.header_size(), '?');
  h.Emit(out.data());
  EXPECT_EQ(out, kPacket.substr(0, 20));
}

TEST(Ipv4HeaderTest, EmitWithOptionsMatchesTheLiteralPacket) {
  Ipv4Header h =
      Ipv4Header::FromPacket(Ipv4Packet::Parse(kPacketWithOptions).value());
  EXPECT_EQ(h.options, "\x01\x01\x01\x00"s);
  EXPECT_EQ(h.payload_length, 12);
  std::string out(h.header_size(), '?');
  h.Emit(out.data());
  EXPECT_EQ(out, kPacketWithOptions.substr(0, 24));
}

TEST(Ipv4HeaderDeathTest, MisalignedOptionsDie) {
  Ipv4Header h{.options = "abc"};
  std::string out(64, '\0');
  EXPECT_DEATH(h.Emit(out.data()), "3 option bytes");
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

std::string Edited(size_t at, char value, bool fix_checksum = true) {
  std::string p = kPacket;
  p[at] = value;
  if (fix_checksum) FixChecksum(p);
  return p;
}

class Ipv4MalformedTest : public testing::TestWithParam<Malformed> {};

TEST_P(Ipv4MalformedTest, IsRejectedNamingTheDefect) {
  const Malformed& c = GetParam();
  Ipv4Packet unused;
  EXPECT_EQ(Ipv4Packet::Check(c.bytes, &unused), c.reason);
  absl::StatusOr<Ipv4Packet> p = Ipv4Packet::Parse(c.bytes);
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(p.status().message(), c.message);
}

INSTANTIATE_TEST_SUITE_P(
    Table, Ipv4MalformedTest,
    testing::Values(
        Malformed{"ShorterThan20", kPacket.substr(0, 19),
                  DropReason::kIpv4TooShort,
                  "IPv4 packet is 19 bytes, shorter than the 20-byte minimum "
                  "header"},
        Malformed{"Version6", Edited(0, '\x65'), DropReason::kIpv4BadVersion,
                  "IPv4 version field is 6, expected 4"},
        // Twisted's own test packets start 0x54: nibbles swapped.
        Malformed{"TwistedSwappedNibbles", Edited(0, '\x54', false),
                  DropReason::kIpv4BadVersion,
                  "IPv4 version field is 5, expected 4"},
        Malformed{"IhlBelow5", Edited(0, '\x44', false),
                  DropReason::kIpv4IhlTooSmall,
                  "IPv4 IHL is 4 (16 bytes), less than the minimum 5 (20 "
                  "bytes)"},
        Malformed{"IhlBeyondBuffer", Edited(0, '\x4f', false),
                  DropReason::kIpv4IhlBeyondBuffer,
                  "IPv4 IHL is 15 (60 bytes), beyond the 32-byte buffer"},
        Malformed{"TotalLengthBelowHeader", Edited(3, '\x13'),
                  DropReason::kIpv4TotalLengthTooSmall,
                  "IPv4 total length 19 is less than the 20-byte header (IHL "
                  "5)"},
        Malformed{"TotalLengthBeyondBuffer", Edited(3, '\x21'),
                  DropReason::kIpv4TotalLengthBeyondBuffer,
                  "IPv4 total length 33 is beyond the 32-byte buffer"},
        Malformed{"BadHeaderChecksum", Edited(11, '\x96', false),
                  DropReason::kIpv4BadChecksum,
                  "IPv4 header checksum 0xa496 is wrong (expected 0xa495)"}),
    [](const testing::TestParamInfo<Malformed>& info) {
      return std::string(info.param.name);
    });

}  // namespace
}  // namespace standin::netstack
