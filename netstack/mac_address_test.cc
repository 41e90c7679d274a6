#include "standin/netstack/mac_address.h"

#include "gtest/gtest.h"

namespace standin::netstack {
namespace {

TEST(MacAddressTest, ParsesAndPrints) {
  absl::StatusOr<MacAddress> mac = MacAddress::Parse("02:00:5E:10:00:ff");
  ASSERT_TRUE(mac.ok()) << mac.status();
  EXPECT_EQ(mac->octets(),
            (std::array<uint8_t, 6>{0x02, 0x00, 0x5e, 0x10, 0x00, 0xff}));
  EXPECT_EQ(mac->ToString(), "02:00:5e:10:00:ff");
  EXPECT_EQ(MacAddress::Parse("02-00-5e-10-00-ff").value(), *mac);
}

TEST(MacAddressTest, RejectsMalformedTextNamingIt) {
  for (const char* text :
       {"", "02:00:5e:10:00", "02:00:5e:10:00:ff:01", "02:00:5e:10:00:fg",
        "02.00.5e.10.00.ff", " 2:00:5e:10:00:ff"}) {
    absl::StatusOr<MacAddress> mac = MacAddress::Parse(text);
    ASSERT_FALSE(mac.ok()) << text;
    EXPECT_EQ(mac.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_NE(mac.status().message().find(text), absl::string_view::npos)
        << mac.status();
  }
}

TEST(MacAddressTest, BytesRoundTrip) {
  MacAddress mac = MacAddress::FromBytes("123456");
  EXPECT_EQ(mac.bytes(), "123456");
  EXPECT_EQ(mac.ToString(), "31:32:33:34:35:36");
}

TEST(MacAddressTest, BroadcastAndMulticast) {
  EXPECT_TRUE(MacAddress::Broadcast().is_broadcast());
  EXPECT_TRUE(MacAddress::Broadcast().is_multicast());
  EXPECT_TRUE(MacAddress::Parse("01:00:5e:00:00:01")->is_multicast());
  EXPECT_FALSE(MacAddress::Parse("02:00:00:00:00:01")->is_multicast());
  EXPECT_EQ(MacAddress(), MacAddress::FromBytes(std::string(6, '\0')));
}

TEST(MacAddressDeathTest, FromBytesOfWrongSizeDies) {
  EXPECT_DEATH(MacAddress::FromBytes("12345"), "need 6 bytes, got 5");
}

}  // namespace
}  // namespace standin::netstack
