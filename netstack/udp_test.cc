#include "standin/netstack/udp.h"

#include <string>

#include "gtest/gtest.h"

namespace standin::netstack {
namespace {

using std::string_literals::operator""s;

const IPv4Host kSrc(192, 0, 2, 1);
const IPv4Host kDst(192, 0, 2, 2);

// 5353 -> 53, length 12, checksum 0xa1ed (for kSrc -> kDst), "abcd".
const std::string kDatagram =
    "\x14\xe9\x00\x35\x00\x0c\xa1\xed\x61\x62\x63\x64"s;

TEST(UdpDatagramTest, Deconstruct) {
  absl::StatusOr<UdpDatagram> d = UdpDatagram::Parse(kDatagram, kSrc, kDst);
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(d->source_port(), 5353);
  EXPECT_EQ(d->destination_port(), 53);
  EXPECT_EQ(d->length(), 12);
  EXPECT_EQ(d->checksum(), 0xa1ed);
  EXPECT_EQ(d->payload(), "abcd");
  EXPECT_EQ(d->bytes(), kDatagram);
}

TEST(UdpDatagramTest, ChecksumComputesOverThePseudoHeader) {
  EXPECT_EQ(UdpChecksum(kSrc, kDst, kDatagram), 0xa1ed);
  // Swapping the addresses keeps the sum: the pseudo-header is a sum too.
  EXPECT_EQ(UdpChecksum(kDst, kSrc, kDatagram), 0xa1ed);
  EXPECT_NE(UdpChecksum(kSrc, IPv4Host(192, 0, 2, 3), kDatagram), 0xa1ed);
}

TEST(UdpDatagramTest, ZeroChecksumMeansNone) {
  std::string none = kDatagram;
  none[6] = none[7] = 0;
  absl::StatusOr<UdpDatagram> d =
      UdpDatagram::Parse(none, kSrc, IPv4Host(203, 0, 113, 9));
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(d->checksum(), 0);
}

TEST(UdpDatagramTest, BytesBeyondTheLengthFieldAreTrimmed) {
  const std::string padded = kDatagram + "pad";  // the view borrows these
  absl::StatusOr<UdpDatagram> d = UdpDatagram::Parse(padded, kSrc, kDst);
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(d->payload(), "abcd");
}

TEST(UdpDatagramTest, LengthOnlyParseIgnoresTheChecksum) {
  std::string bad = kDatagram;
  bad[7] = '\x00';
  EXPECT_TRUE(UdpDatagram::Parse(bad).ok());
  EXPECT_FALSE(UdpDatagram::Parse(bad, kSrc, kDst).ok());
}

// Small datagrams are summed inline, larger ones by checksum.h's SIMD path:
// every length on both sides of the switch (and every tail of 0..7 bytes)
// must accept a correct checksum and reject any single corrupted byte.
TEST(UdpDatagramTest, ChecksumIsVerifiedAtEveryLength) {
  for (size_t size = UdpHeader::kSize; size <= internal::kInlineSumMaxSize + 24;
       ++size) {
    std::string d(size, '\0');
    for (size_t i = UdpHeader::kSize; i < size; ++i) {
      d[i] = static_cast<char>(i * 37 + size);
    }
    UdpHeader{.source_port = 5353, .destination_port = 53}.EmitWithChecksum(
        kSrc, kDst, d.data(), d.size());
    UdpDatagram out;
    ASSERT_EQ(UdpDatagram::Check(d, kSrc, kDst, &out), DropReason::kNone)
        << size << " bytes";
    EXPECT_EQ(out.bytes(), d);
    for (size_t at : {size_t{0}, size_t{7}, size / 2, size - 1}) {
      std::string bad = d;
      bad[at] = static_cast<char>(bad[at] ^ 0x10);
      if (at == 4 || at == 5) continue;  // the length: another defect
      EXPECT_EQ(UdpDatagram::Check(bad, kSrc, kDst, &out),
                DropReason::kUdpBadChecksum)
          << size << " bytes, byte " << at << " corrupted";
    }
  }
}

// The inline sum agrees with checksum.h's for every length it takes, with
// and without a carried-in initial value.
TEST(UdpDatagramTest, InlineSumAgreesWithTheSimdSum) {
  std::string bytes(internal::kInlineSumMaxSize, '\0');
  for (size_t i = 0; i < bytes.size(); ++i) {
    bytes[i] = static_cast<char>(0xff - i * 13);
  }
  for (uint64_t initial : {uint64_t{0}, uint64_t{0xffff}, ~uint64_t{0}}) {
    for (size_t size = 0; size <= bytes.size(); ++size) {
      EXPECT_EQ(
          internal::Fold64(internal::InlineSum64(bytes.data(), size, initial)),
          internal::Fold64(
              internal::OnesComplementSum64(bytes.data(), size, initial)))
          << size << " bytes, initial " << initial;
    }
  }
}

TEST(UdpHeaderTest, EmitMatchesTheLiteralDatagram) {
  std::string out = "????????abcd";
  UdpHeader{.source_port = 5353, .destination_port = 53}.EmitWithChecksum(
      kSrc, kDst, out.data(), out.size());
  EXPECT_EQ(out, kDatagram);

  UdpHeader{.source_port = 5353, .destination_port = 53}.EmitWithoutChecksum(
      out.data(), out.size());
  EXPECT_EQ(out, "\x14\xe9\x00\x35\x00\x0c\x00\x00"s + "abcd");
}

TEST(UdpHeaderTest, FromDatagramRoundTrips) {
  UdpHeader h = UdpHeader::FromDatagram(UdpDatagram::Parse(kDatagram).value());
  EXPECT_EQ(h, (UdpHeader{.source_port = 5353,
                          .destination_port = 53,
                          .length = 12,
                          .checksum = 0xa1ed}));
  std::string out(8, '?');
  h.Emit(out.data());
  EXPECT_EQ(out, kDatagram.substr(0, 8));
}

TEST(UdpHeaderTest, ComputedZeroChecksumIsSentAsAllOnes) {
  // Find a payload whose checksum computes to 0: choose the last two bytes so
  // the whole sum becomes 0xffff.
  std::string datagram = "\x00\x01\x00\x02\x00\x0a\x00\x00\x00\x00"s;
  uint16_t partial = UdpChecksum(kSrc, kDst, datagram);  // ~sum
  StoreBe16(datagram.data() + 8, partial);               // sum becomes 0xffff
  EXPECT_EQ(UdpChecksum(kSrc, kDst, datagram), 0xffff);
  StoreBe16(datagram.data() + 6, 0xffff);
  EXPECT_TRUE(UdpDatagram::Parse(datagram, kSrc, kDst).ok());
}

struct Malformed {
  const char* name;
  std::string bytes;
  DropReason reason;
  const char* message;
  // gtest names the failing case instead of dumping the struct's bytes.
  friend void PrintTo(const Malformed& m, std::ostream* os) { *os << m.name; }
};

class UdpMalformedTest : public testing::TestWithParam<Malformed> {};

TEST_P(UdpMalformedTest, IsRejectedNamingTheDefect) {
  const Malformed& c = GetParam();
  UdpDatagram unused;
  EXPECT_EQ(UdpDatagram::Check(c.bytes, kSrc, kDst, &unused), c.reason);
  absl::StatusOr<UdpDatagram> d = UdpDatagram::Parse(c.bytes, kSrc, kDst);
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(d.status().message(), c.message);
}

std::string WithByte(size_t at, char value) {
  std::string d = kDatagram;
  d[at] = value;
  return d;
}

INSTANTIATE_TEST_SUITE_P(
    Table, UdpMalformedTest,
    testing::Values(
        Malformed{"ShorterThan8", kDatagram.substr(0, 7),
                  DropReason::kUdpTooShort,
                  "UDP datagram is 7 bytes, shorter than the 8-byte header"},
        // Twisted's own test datagrams carry a length of 6.
        Malformed{"LengthBelow8", WithByte(5, '\x06'),
                  DropReason::kUdpLengthTooSmall,
                  "UDP length field 6 is less than the 8-byte header"},
        Malformed{"LengthBeyondBuffer", WithByte(5, '\x0d'),
                  DropReason::kUdpLengthBeyondBuffer,
                  "UDP length field 13 is beyond the 12 bytes available"},
        Malformed{"BadChecksum", WithByte(7, '\xad'),
                  DropReason::kUdpBadChecksum,
                  "UDP checksum 0xa1ad is wrong for 192.0.2.1 -> 192.0.2.2 "
                  "(expected 0xa1ed)"}),
    [](const testing::TestParamInfo<Malformed>& info) {
      return std::string(info.param.name);
    });

}  // namespace
}  // namespace standin::netstack
