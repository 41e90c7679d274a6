#include "standin/transport/address.h"

#include <sstream>

#include "gtest/gtest.h"

namespace standin {
namespace {

TEST(AddressTest, IPv4PrintsLikeTwisted) {
  IPv4Address a{IPv4Address::Kind::kTcp, "10.0.0.1", 12345};
  EXPECT_EQ(a.ToString(), "IPv4Address(TCP, '10.0.0.1', 12345)");
  IPv4Address u{IPv4Address::Kind::kUdp, "192.0.2.1", 53};
  EXPECT_EQ(ToString(Address(u)), "IPv4Address(UDP, '192.0.2.1', 53)");
}

TEST(AddressTest, EqualityComparesEveryField) {
  IPv4Address a{IPv4Address::Kind::kTcp, "10.0.0.1", 1};
  EXPECT_EQ(a, (IPv4Address{IPv4Address::Kind::kTcp, "10.0.0.1", 1}));
  EXPECT_NE(a, (IPv4Address{IPv4Address::Kind::kUdp, "10.0.0.1", 1}));
  EXPECT_NE(a, (IPv4Address{IPv4Address::Kind::kTcp, "10.0.0.2", 1}));
  EXPECT_NE(a, (IPv4Address{IPv4Address::Kind::kTcp, "10.0.0.1", 2}));
  EXPECT_NE(Address(a), Address(UnixAddress{"10.0.0.1"}));
}

TEST(AddressTest, OtherKindsPrint) {
  EXPECT_EQ(UnixAddress{"/tmp/s"}.ToString(), "UnixAddress('/tmp/s')");
  EXPECT_EQ(ProcessAddress{}.ToString(), "ProcessAddress()");
  EXPECT_EQ(ProcessAddress{}, ProcessAddress{});
  EXPECT_EQ((IPv6Address{IPv6Address::Kind::kUdp, "::1", 80}).ToString(),
            "IPv6Address(UDP, '::1', 80, 0, 0)");
}

TEST(AddressTest, TunnelAddressPrintsTypeAndName) {
  TunnelAddress tun{TunnelType::kTun, "tun0"};
  EXPECT_EQ(tun.ToString(), "<TunnelAddress type=IFF_TUN name=tun0>");
  EXPECT_EQ((TunnelAddress{TunnelType::kTap, "tap1"}).ToString(),
            "<TunnelAddress type=IFF_TAP name=tap1>");
  EXPECT_NE(tun, (TunnelAddress{TunnelType::kTap, "tun0"}));
}

TEST(AddressTest, GtestPrintsVariant) {
  Address a = IPv4Address{IPv4Address::Kind::kTcp, "10.0.0.1", 7};
  // gtest's variant printer uses our operator<< for the alternative.
  EXPECT_NE(testing::PrintToString(a).find("IPv4Address(TCP, '10.0.0.1', 7)"),
            std::string::npos);
}

}  // namespace
}  // namespace standin
