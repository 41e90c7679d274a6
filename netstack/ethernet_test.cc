#include "standin/netstack/ethernet.h"

#include <string>

#include "gtest/gtest.h"

namespace standin::netstack {
namespace {

using std::string_literals::operator""s;

// dst 02:00:00:00:00:02, src 02:00:00:00:00:01, ARP, payload "hi".
const std::string kFrame =
    "\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00\x00\x01\x08\x06hi"s;

TEST(EthernetFrameTest, Deconstruct) {
  absl::StatusOr<EthernetFrame> frame = EthernetFrame::Parse(kFrame);
  ASSERT_TRUE(frame.ok()) << frame.status();
  EXPECT_EQ(frame->destination(),
            MacAddress::Parse("02:00:00:00:00:02").value());
  EXPECT_EQ(frame->source(), MacAddress::Parse("02:00:00:00:00:01").value());
  EXPECT_EQ(frame->ethertype(), kEtherTypeArp);
  EXPECT_EQ(frame->payload(), "hi");
  EXPECT_EQ(frame->bytes(), kFrame);
}

TEST(EthernetFrameTest, HeaderOnlyFrameHasEmptyPayload) {
  absl::StatusOr<EthernetFrame> frame =
      EthernetFrame::Parse(kFrame.substr(0, 14));
  ASSERT_TRUE(frame.ok()) << frame.status();
  EXPECT_EQ(frame->payload(), "");
}

TEST(EthernetFrameTest, FrameShorterThanHeaderIsRejectedWithItsLength) {
  absl::StatusOr<EthernetFrame> frame =
      EthernetFrame::Parse(kFrame.substr(0, 13));
  ASSERT_FALSE(frame.ok());
  EXPECT_EQ(frame.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(frame.status().message(),
            "Ethernet frame is 13 bytes, shorter than the 14-byte header");
  EthernetFrame unused;
  EXPECT_EQ(EthernetFrame::Check("", &unused), DropReason::kEthernetTooShort);
}

TEST(EthernetHeaderTest, EmitMatchesTheLiteralFrame) {
  EthernetHeader header{
      .destination = MacAddress::Parse("02:00:00:00:00:02").value(),
      .source = MacAddress::Parse("02:00:00:00:00:01").value(),
      .ethertype = kEtherTypeArp};
  std::string out(EthernetHeader::kSize, '?');
  header.Emit(out.data());
  EXPECT_EQ(out + "hi", kFrame);
}

TEST(EthernetHeaderTest, FromFrameRoundTrips) {
  EthernetHeader header =
      EthernetHeader::FromFrame(EthernetFrame::Parse(kFrame).value());
  std::string out(EthernetHeader::kSize, '?');
  header.Emit(out.data());
  EXPECT_EQ(out, kFrame.substr(0, 14));
}

}  // namespace
}  // namespace standin::netstack
